# shellcheck shell=bash disable=SC2016  # expect takes its test unexpanded
# test_harness_process.sh: the harness as a process among others: what it
# reads, where it keeps its logs, how it ends on a signal, and what it does
# with a log that lost lines. Sourced by run.sh (helpers in lib.sh).

# A FIFO named *.scn would block the reader until a writer came: it must be
# refused with its path, given directly or found in a folder.
test_harness_refuses_a_fifo() {
    local status=0
    mkdir "$WORK/suite"
    mkfifo "$WORK/direct.scn" "$WORK/suite/b.scn"
    printf '# ok\nbackend b1\nat 0s clients 1\nexpect relay exact\n' \
        >"$WORK/suite/a.scn"
    timeout 10 "$BIN_DIR/harness" "$WORK/direct.scn" 2>"$WORK/err1" ||
        status=$?
    cat "$WORK/err1"
    expect '[ "$status" -eq 2 ]' "a FIFO given directly: exit 2, got $status"
    grep -q "^$WORK/direct.scn: cannot read: a FIFO, not a regular file$" \
        "$WORK/err1"
    status=0
    timeout 10 "$BIN_DIR/harness" "$WORK/suite" 2>"$WORK/err2" || status=$?
    cat "$WORK/err2"
    expect '[ "$status" -eq 2 ]' "a FIFO in a folder: exit 2, got $status"
    grep -q "^$WORK/suite/b.scn: cannot read: a FIFO, not a regular file$" \
        "$WORK/err2"
}

# group_alive PGID: true while any process is in process group PGID.
group_alive() {
    ps -eo pgid= | awk -v g="$1" '$1 == g { found = 1 } END { exit !found }'
}

# group_gone PGID: true once process group PGID is empty, within 2 s. A
# process killed by the harness may be a grandchild (a sanitizer's
# symbolizer) whose zombie init has yet to reap.
group_gone() {
    local i
    for ((i = 0; i < 100; i++)); do
        group_alive "$1" || return 0
        sleep 0.02
    done
    return 1
}

# A harness stopped by any signal that would end it (a closed terminal,
# Ctrl-\, a stray kill) kills its run's processes, removes its temporary
# folder, says which signal stopped it and exits 130.
test_harness_signals_clean_up() {
    local sig status pid dir pgid i
    printf '# held\nbackend b1\nat 0s clients 4 hold=30s\ntimeout 60s\n' \
        >"$WORK/held.scn"
    printf 'expect clients ok\n' >>"$WORK/held.scn"
    for sig in HUP QUIT USR1 USR2 ALRM; do
        mkdir "$WORK/tmp-$sig"
        TMPDIR=$WORK/tmp-$sig "$BIN_DIR/harness" "$WORK/held.scn" \
            >"$WORK/out-$sig" 2>&1 &
        pid=$!
        for ((i = 0; i < 250; i++)); do
            dir=$(compgen -G "$WORK/tmp-$sig/harness.*" || true)
            [ -n "$dir" ] && grep -q 'ev=burst_start' "$dir/timeline.log" \
                2>/dev/null && break
            sleep 0.02
        done
        # The first process the run started leads its process group.
        pgid=$(sed -nE '1s/.* pid=([0-9]+).*/\1/p' "$dir/timeline.log")
        expect 'group_alive "$pgid"' "SIG$sig: the run's processes are up"
        kill -"$sig" "$pid"
        status=0
        wait "$pid" || status=$?
        cat "$WORK/out-$sig"
        expect 'group_gone "$pgid"' "SIG$sig: process group $pgid is gone"
        expect '[ -z "$(ls -A "$WORK/tmp-$sig")" ]' \
            "SIG$sig: the temporary folder is removed: $(ls "$WORK/tmp-$sig")"
        expect '[ "$status" -eq 130 ]' "SIG$sig: exit 130, got $status"
        grep -q "interrupted by SIG$sig" "$WORK/out-$sig"
    done
}

# Two runs sharing one --keep folder each keep their logs in a folder of
# their own, named in their report; neither judges the other's lines. The
# clients hold their connections for a second, so that the runs overlap.
test_harness_runs_sharing_keep_dir() {
    local s1=0 s2=0 p1 p2 d1 d2
    printf '# shared\nbackend b1\nbackend b2\nat 0s clients 20 hold=1s\n' \
        >"$WORK/shared.scn"
    printf 'expect leastconn\nexpect counts zero\nexpect relay exact\n' \
        >>"$WORK/shared.scn"
    "$BIN_DIR/harness" --keep "$WORK/k" "$WORK/shared.scn" >"$WORK/h1" 2>&1 &
    p1=$!
    "$BIN_DIR/harness" --keep "$WORK/k" "$WORK/shared.scn" >"$WORK/h2" 2>&1 &
    p2=$!
    wait "$p1" || s1=$?
    wait "$p2" || s2=$?
    cat "$WORK/h1" "$WORK/h2"
    expect '[ "$s1" -eq 0 ] && [ "$s2" -eq 0 ]' "both runs pass ($s1, $s2)"
    d1=$WORK/k/shared-$p1 d2=$WORK/k/shared-$p2
    grep -qx "  logs kept in $d1/" "$WORK/h1"
    grep -qx "  logs kept in $d2/" "$WORK/h2"
    expect '[ "$(ls "$WORK/k" | wc -l)" -eq 2 ]' \
        "two folders in the shared one: $(ls "$WORK/k")"
    expect '[ "$(grep -c "ev=start " "$d1/proxy.log")" -eq 1 ]' \
        "run 1's proxy.log holds one proxy's log"
    expect '[ "$(grep -c "ev=start " "$d2/proxy.log")" -eq 1 ]' \
        "run 2's proxy.log holds one proxy's log"
}

# fake_bin DIR: DIR holds the real dummy_server and simulate_client, and a
# proxy_server that runs the real one and, once it has exited, logs what a
# proxy whose log writer dropped lines logs: "ev=log_dropped n=7".
fake_bin() {
    mkdir "$1"
    ln -s "$BIN_DIR/dummy_server" "$BIN_DIR/simulate_client" "$1/"
    cat >"$1/proxy_server" <<SCRIPT
#!/usr/bin/env bash
trap 'kill -TERM "\$pid" 2>/dev/null' TERM INT
"$BIN_DIR/proxy_server" "\$@" &
pid=\$!
wait "\$pid"
status=\$?
if kill -0 "\$pid" 2>/dev/null; then
    wait "\$pid"
    status=\$?
fi
echo "ts=\$(cut -d' ' -f1 /proc/uptime) lvl=warn thr=main ev=log_dropped n=7" >&2
exit "\$status"
SCRIPT
    chmod +x "$1/proxy_server"
}

# A run whose proxy log lost lines is not judged: no PASS or FAIL built on
# a partial log, the reason names the process and the count, exit 1, and
# the machine-readable reports carry errors and no points.
test_harness_does_not_judge_a_partial_log() {
    local status=0
    fake_bin "$WORK/bin"
    "$BIN_DIR/harness" --bin "$WORK/bin" --junit "$WORK/junit.xml" \
        --gradescope "$WORK/gs.json" "$ROOT/scenarios/two_backends.scn" \
        >"$WORK/out" 2>&1 || status=$?
    cat "$WORK/out"
    expect '[ "$status" -eq 1 ]' "exit status 1, got $status"
    local reason="proxy_server's log lost 7 lines (ev=log_dropped), so the"
    grep -q "^  NOT JUDGED  $reason run is not judged" "$WORK/out"
    grep -q "^  FAIL: the run could not be judged" "$WORK/out"
    expect '! grep -qE "^  (PASS|FAIL)  " "$WORK/out"' "no verdict at all"
    local n
    n=$(grep -c '^expect' "$ROOT/scenarios/two_backends.scn")
    grep -q "failures=\"0\" errors=\"$n\"" "$WORK/junit.xml"
    grep -q '"score": 0,' "$WORK/gs.json"
    expect '[ "$(grep -c "lost 7 lines" "$WORK/gs.json")" -eq "$n" ]' \
        "every Gradescope test gives the reason"
}

# no_control_bytes FILE: true when FILE holds no byte a terminal could take
# as a command (C0 but newline, DEL).
no_control_bytes() {
    ! LC_ALL=C grep -q $'[\x01-\x09\x0b-\x1f\x7f]' "$1"
}

# A path with an escape sequence in it, given on the command line or as a
# scenario's file name, reaches the terminal escaped, in every message
# and report; --keep DIR/ names its folders without "//".
test_harness_shows_paths_escaped() {
    local odd=$'\e]0;pwned\a'
    cp "$ROOT/scenarios/two_backends.scn" "$WORK/${odd}.scn"
    "$BIN_DIR/harness" "$WORK/missing${odd}.scn" >"$WORK/out1" 2>&1 || true
    "$BIN_DIR/harness" --list "$WORK/${odd}.scn" >"$WORK/out2" 2>&1
    "$BIN_DIR/harness" --junit "$WORK/no/${odd}.xml" --keep "$WORK/k/" \
        "$WORK/${odd}.scn" >"$WORK/out3" 2>&1 || true
    cat "$WORK/out1" "$WORK/out2" "$WORK/out3"
    for out in out1 out2 out3; do
        expect 'no_control_bytes "$WORK/$out"' "$out has raw control bytes"
        grep -q 'x1b\]0;pwned\\x07' "$WORK/$out"
    done
    grep -q "logs kept in $WORK/k/" "$WORK/out3"
    expect '! grep -q "//" "$WORK/out3"' "a doubled slash in: $(cat "$WORK/out3")"
}

# What the harness writes is its result: a --report folder it cannot
# write, or a standard output that is full, fails the run (exit 1) with
# the reason, never exit 0 with the output lost.
test_harness_fails_when_its_output_is_lost() {
    local rc=0
    printf 'backend b1\nat 0s clients 2\nexpect clients ok\n' >"$WORK/t.scn"
    "$BIN_DIR/harness" --report "$WORK/none/dir" "$WORK/t.scn" \
        >"$WORK/out" 2>"$WORK/err" || rc=$?
    expect '[ "$rc" = 1 ]' "--report into no folder exits 1, not $rc"
    expect 'grep -q "^harness: .*none/dir: No such file or directory" "$WORK/err"' \
        "and says why: $(cat "$WORK/err")"
    rc=0
    "$BIN_DIR/harness" --list "$WORK/t.scn" >/dev/full 2>"$WORK/err" || rc=$?
    expect '[ "$rc" = 1 ]' "--list onto a full disk exits 1, not $rc"
    expect 'grep -q "^harness: standard output: No space left on device" "$WORK/err"' \
        "and says why: $(cat "$WORK/err")"
}
