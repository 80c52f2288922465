# shellcheck shell=bash
# test_bench.sh: bench/sweep.py refuses bad options with the reason, and
# its summary counts what docs/performance.md says it counts (sourced by
# run.sh).
#
# A measured sweep takes a quiet machine and half an hour (make sweep).
# Here one cell runs for a second per target, to show that every process
# starts and every figure is read; the summary's arithmetic is checked on
# a --json file made up for the test, whose right answers are known.
# make test installs nginx, HAProxy and wrk for this.

SWEEP=$ROOT/bench/sweep.py

# sweep_refuses WHAT ARGS...: sweep.py ARGS exits 2 and says WHAT.
sweep_refuses() {
    local what=$1 rc=0
    shift
    python3 "$SWEEP" "$@" >"$WORK/out" 2>&1 || rc=$?
    expect '[ "$rc" = 2 ]' "sweep.py $* exits 2, not $rc"
    expect 'grep -q -- "$what" "$WORK/out"' "sweep.py $* says '$what': $(cat "$WORK/out")"
}

test_sweep_refuses_bad_options() {
    sweep_refuses "--sizes: '3k' is not one of" --sizes 64,3k
    sweep_refuses "--conns: '0' is not a number" --conns 0
    sweep_refuses "--modes: 'pipelined' is not one of" --modes pipelined
    sweep_refuses "--rounds and --duration must be at least 1" --rounds 0
    sweep_refuses "$WORK/none: not an executable" --ours-bin "$WORK/none"
    sweep_refuses "unrecognized arguments" --sizes 64 extra
}

# sweep_cell MODE SIZE CONNS RATIO OURS_P99 HAPROXY_P99 OURS_CPU REQUESTS:
# one cell of a --json file, as python.
sweep_cell() {
    echo "cell('$1', '$2', $3, $4, $5, $6, $7, $8),"
}

test_sweep_summary_counts() {
    # Ratios 0.90, 1.10, 1.20, 1.60 (1 MiB) and 1.30 (16 MiB): median
    # 1.20, worst 0.90. p99 no higher in 1 of the 3 uncensored cells (the
    # 1 MiB cell has fewer than 10 answers per connection, the 16 MiB one
    # none); less CPU in 2 of the 4 with answers.
    python3 - "$WORK/sweep.json" <<EOF
import json, sys
def cell(mode, size, conns, ratio, p99, hp99, cpu, requests):
    side = lambda rps, p, c: {"rps": rps, "bps": rps * 100, "p50": 1,
                              "p99": p, "cpu_us_req": c,
                              "rss_per_conn": 300, "errors": 0,
                              "requests": requests}
    return {"mode": mode, "size": size, "conns": conns, "backends": 1,
            "pinned": False, "haproxy_config": "haproxy-plain",
            "ours": side(1000 * ratio, p99, cpu),
            "haproxy": side(1000, hp99, 50), "ratio": ratio,
            "ratio_range": [ratio - 0.05, ratio + 0.05]}
cells = [
$(sweep_cell close 64 10 0.90 2.0 1.5 60 5000)
$(sweep_cell keepalive 64 10 1.10 1.0 1.5 40 5000)
$(sweep_cell keepalive 4k 100 1.20 9.0 5.0 45 5000)
$(sweep_cell keepalive 1m 1000 1.60 1.0 2.0 70 900)
$(sweep_cell close 16m 1000 1.30 None None None 0)
]
# A variant (--variant big=BIN) at 0.55 of HAProxy in the second cell gets
# a line of its own; ours-tuned does not (its ratio is on ours' line).
cells[1]["all"] = {"ours": cells[1]["ours"], "ours-tuned": cells[1]["ours"],
                   "ours-big": dict(cells[1]["ours"], bps=55000, rps=550)}
json.dump({"cells": cells, "runs": []}, open(sys.argv[1], "w"))
EOF
    python3 "$SWEEP" --summary "$WORK/sweep.json" >"$WORK/out" 2>&1 ||
        { cat "$WORK/out"; return 1; }
    expect 'grep -q "^cells: 5; median ratio 1.20; worst 0.90 (close 64 10 conns, 1 backend process(es), unpinned)$" "$WORK/out"' \
        "median and worst: $(cat "$WORK/out")"
    expect 'grep -q "^>= 1 MiB: worst 1.30, median 1.45$" "$WORK/out"' \
        "the 1 MiB figures"
    expect 'grep -q "^p99 no higher than HAProxy.s in 1 of 3 cells; less CPU per request in 2 of the 4 with answers$" "$WORK/out"' \
        "censored cells are left out of the p99 count, cells without answers out of the CPU count"
    expect 'grep -q "^keepalive *1m *1000 .*\*$" "$WORK/out"' \
        "the censored cell is marked"
    expect '[ "$(grep -c "\*$" "$WORK/out")" = 2 ]' "and the one without answers, only those"
    expect 'grep -A1 "^keepalive *64 *10 " "$WORK/out" | grep -q "^  ours-big  *|  0.55  *|  *550 "' \
        "the variant's line follows its cell: $(cat "$WORK/out")"
    expect '! grep -q "^  ours-tuned" "$WORK/out"' "ours-tuned has no line of its own"
}

test_sweep_summary_of_a_wrong_file() {
    local rc=0
    echo '{"runs": []}' >"$WORK/other.json"
    python3 "$SWEEP" --summary "$WORK/other.json" >"$WORK/out" 2>&1 || rc=$?
    expect '[ "$rc" = 1 ]' "exit 1, not $rc"
    expect 'grep -q "other.json: not a --json file of this script" "$WORK/out"' \
        "the file is named: $(cat "$WORK/out")"
}

# One cell, one round: ours and both HAProxy configurations answer through
# nginx, and each run has its requests, CPU and p99.
test_sweep_measures_one_cell() {
    local rc=0
    python3 "$SWEEP" --ours-bin "$BIN_DIR/proxy_server" --sizes 64k \
        --conns 2 --modes close --rounds 1 --duration 1 \
        --json "$WORK/one.json" >"$WORK/out" 2>"$WORK/err" || rc=$?
    expect '[ "$rc" = 0 ]' "exit 0, not $rc: $(tail -3 "$WORK/err")"
    expect 'grep -q "^close *64k *2 *1 *0 | *[0-9.]* " "$WORK/out"' \
        "the cell's line: $(cat "$WORK/out")"
    expect 'grep -q "^cells: 1; median ratio [0-9.]*; worst" "$WORK/out"' \
        "the summary"
    python3 - "$WORK/one.json" >"$WORK/targets" <<'EOF'
import json, sys
for run in json.load(open(sys.argv[1]))["runs"]:
    if run.get("requests", 0) > 0 and run["errors"] == 0 and \
            run["cpu_us_req"] > 0 and run["p99"] > 0:
        print(run["target"])
EOF
    expect '[ "$(sort "$WORK/targets" | tr "\n" " ")" = "haproxy-plain haproxy-splice ours " ]' \
        "every target measured without errors: $(tr '\n' ' ' <"$WORK/targets")"
}

# bench/threads.py names the proxy's threads and what each one costs.
test_threads_counts_per_thread() {
    local rc=0 thread
    python3 "$ROOT/bench/threads.py" --bin "$BIN_DIR/proxy_server" \
        --duration 1 >"$WORK/out" 2>"$WORK/err" || rc=$?
    expect '[ "$rc" = 0 ]' "exit 0, not $rc: $(tail -3 "$WORK/err")"
    for thread in w0 w1 log health all; do
        expect 'grep -q "^$thread  *[0-9.]*" "$WORK/out"' \
            "a line for $thread: $(cat "$WORK/out")"
    done
    expect 'awk "/^w0 /{ exit !(\$2 > 0) }" "$WORK/out"' "w0 did work"
}
