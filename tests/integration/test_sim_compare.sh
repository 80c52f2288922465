# shellcheck shell=bash disable=SC2016  # expect takes its test unexpanded
# test_sim_compare.sh: harness --sim (a scenario in virtual time) and
# harness --compare (one scenario under several policies): their refusals,
# the determinism of a simulated run, a simulated run against the same
# scenario on real processes, and the comparison's table and page.
# Sourced by run.sh (helpers in lib.sh).

# A scenario that both modes run: three backends, b1 at weight 2, three
# bursts of 30 clients with one request each (so that a simulated
# connection's response time and a real request's latency are the same
# thing).
both_ways_scenario() {
    cat >"$1" <<'EOF'
# The same small scenario, real and simulated.
seed 1
timeout 30s
proxy threads=2 balance=leastconn
backend b1 latency=5ms weight=2
backend b2 latency=10ms
backend b3 latency=20ms
at 0s clients 30
at 1s clients 30
at 2s clients 30
expect clients ok
expect leastconn
EOF
}

# shares FILE: "b1 b2 b3" shares (percent) from a text report.
shares() {
    awk '$1 ~ /^b[123]$/ && $3 ~ /%$/ { sub(/%/, "", $3); s = s $3 " " }
         END { print s }' "$1"
}

# tails DIR: the median over the bursts of their p50_ms, and of their
# p99_ms (one slow burst on a busy machine does not decide).
tails() {
    cat "$1"/*/burst-*.log | awk '/ev=done/ {
        for (i = 1; i <= NF; i++) {
            split($i, kv, "=")
            if (kv[1] == "p50_ms") p50[n] = kv[2] + 0
            if (kv[1] == "p99_ms") p99[n] = kv[2] + 0
        }
        n++
    }
    function median(a,   i, j, t) {
        for (i = 0; i < n; i++)
            for (j = i + 1; j < n; j++)
                if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
        return a[int(n / 2)]
    }
    END { print median(p50), median(p99) }'
}

# Shares within 5 points of each other; real tails no faster than the
# simulated ones (the backends' latency is a floor) and at most twice
# them plus 15 ms (connects, scheduling, timers: what the model leaves
# out, docs/simulation.md).
test_sim_agrees_with_real_processes() {
    local real sim real_tails sim_tails
    both_ways_scenario "$WORK/both.scn"
    "$BIN_DIR/harness" --keep "$WORK/real" "$WORK/both.scn" >"$WORK/real.txt"
    "$BIN_DIR/harness" --sim --keep "$WORK/sim" "$WORK/both.scn" \
        >"$WORK/sim.txt"
    cat "$WORK/real.txt" "$WORK/sim.txt"
    real=$(shares "$WORK/real.txt") sim=$(shares "$WORK/sim.txt")
    real_tails=$(tails "$WORK/real") sim_tails=$(tails "$WORK/sim")
    echo "shares: real $real, simulated $sim"
    echo "p50 p99 ms: real $real_tails, simulated $sim_tails"
    expect '[ "$(echo "$sim" | wc -w)" -eq 3 ]' "three simulated shares"
    expect 'echo "$real $sim" | awk "{ for (i = 1; i <= 3; i++)
                d = d || (\$i - \$(i + 3) > 5 || \$(i + 3) - \$i > 5)
            } END { exit d }"' "shares within 5 points"
    expect 'echo "$real_tails $sim_tails" | awk "{ for (i = 1; i <= 2; i++)
                bad = bad || \$i < 0.95 * \$(i + 2) ||
                      \$i > 2 * \$(i + 2) + 15
            } END { exit bad }"' "real tails within [sim, 2 sim + 15ms]"
    # The same check must catch a simulation that got the latency wrong.
    sed 's/latency=20ms/latency=60ms/' "$WORK/both.scn" >"$WORK/slow.scn"
    "$BIN_DIR/harness" --sim --keep "$WORK/slow" "$WORK/slow.scn" >/dev/null
    sim_tails=$(tails "$WORK/slow")
    expect '! echo "$real_tails $sim_tails" | awk "{ for (i = 1; i <= 2; i++)
                bad = bad || \$i < 0.95 * \$(i + 2)
            } END { exit bad }"' "a wrong simulation is told apart"
}

# Same file and seed: byte-identical logs; another seed: other picks.
test_sim_is_deterministic() {
    "$BIN_DIR/harness" --sim --keep "$WORK/a" "$ROOT/scenarios/sim/crash_p2c.scn"
    "$BIN_DIR/harness" --sim --keep "$WORK/b" "$ROOT/scenarios/sim/crash_p2c.scn"
    "$BIN_DIR/harness" --sim --seed 8 --keep "$WORK/c" \
        "$ROOT/scenarios/sim/crash_p2c.scn"
    diff -r "$WORK/a" "$WORK/b"
    expect '[ "$(ls "$WORK/a"/*/ | wc -l)" -eq 6 ]' "six logs kept"
    expect '! cmp -s "$WORK/a"/*/proxy.log "$WORK/c"/*/proxy.log' \
        "another seed gives another run"
}

# Each mode refuses, with file:line, what only the other can run.
test_sim_refusals() {
    local status=0
    cat >"$WORK/sim_only.scn" <<'EOF'
# only the simulator
backend b1 service=exp mean=10ms
backends 10 web
at 0s clients poisson rate=100/s count=10
expect clients ok
EOF
    "$BIN_DIR/harness" "$WORK/sim_only.scn" 2>"$WORK/err1" || status=$?
    cat "$WORK/err1"
    expect '[ "$status" -eq 2 ]' "a real run of simulator words: exit 2"
    grep -q "^$WORK/sim_only.scn:2: service=.* only with --sim" "$WORK/err1"
    grep -q "^$WORK/sim_only.scn:3: backends N PREFIX only with --sim" \
        "$WORK/err1"
    grep -q "^$WORK/sim_only.scn:4: clients poisson|uniform.* only with --sim" \
        "$WORK/err1"
    "$BIN_DIR/harness" --sim "$WORK/sim_only.scn" >"$WORK/ok.txt"
    grep -q "PASS  clients ok" "$WORK/ok.txt"
    status=0
    "$BIN_DIR/harness" --sim "$ROOT/scenarios/p2c.scn" 2>"$WORK/err2" ||
        status=$?
    cat "$WORK/err2"
    expect '[ "$status" -eq 2 ]' "--sim of real clients' hold=: exit 2"
    grep -q "scenarios/p2c.scn:[0-9]*: hold= and ramp= are not simulated" \
        "$WORK/err2"
}

# --compare under --sim: one table, the policies' own figures, and the
# checks of the file's own policy skipped for the others.
test_compare_simulated_policies() {
    "$BIN_DIR/harness" --sim --compare p2c,random \
        --report "$WORK/html" "$ROOT/scenarios/sim/p2c_1000.scn" \
        >"$WORK/out.txt" || true
    cat "$WORK/out.txt"
    grep -q "^compare: .*p2c_1000.scn, seed 1, 2 policies$" "$WORK/out.txt"
    grep -q "SKIP  p99<=10s .*written for --balance p2c, and this run compares --balance random" \
        "$WORK/out.txt"
    # Two random choices cut the tail of one: p2c's p99 below random's.
    expect 'awk "\$1 == \"p2c\" { p = \$5 } \$1 == \"random\" { r = \$5 }
            END { exit !(p > 0 && p * 2 < r) }" "$WORK/out.txt"' \
        "p2c's p99 under half of random's"
    expect '[ "$(grep -c "<h2>--balance" "$WORK/html/p2c_1000-compare.html")" -eq 2 ]' \
        "one section per policy"
}

# --compare on real processes: a timeline per policy on one page.
test_compare_real_policies() {
    both_ways_scenario "$WORK/both.scn"
    "$BIN_DIR/harness" --compare leastconn,roundrobin --report "$WORK/html" \
        "$WORK/both.scn" >"$WORK/out.txt"
    cat "$WORK/out.txt"
    grep -q "^  leastconn  *90  *0 " "$WORK/out.txt"
    grep -q "^  roundrobin  *90  *0 " "$WORK/out.txt"
    grep -q "SKIP  leastconn .*written for --balance leastconn" "$WORK/out.txt"
    expect '[ "$(grep -c "<svg" "$WORK/html/both-compare.html")" -eq 2 ]' \
        "two timelines, one under the other"
}

# Bad lists and conflicting options: a clear message, exit 2.
test_compare_refusals() {
    local status
    both_ways_scenario "$WORK/both.scn"
    for args in "fastest,p2c|'fastest' is not a policy" \
                "p2c,p2c|p2c is named twice" \
                "p2c|needs two policies or more" \
                "p2c,random --tap|--compare and --tap cannot be used together" \
                "p2c,random --junit j.xml|--compare and --junit cannot"; do
        status=0
        # shellcheck disable=SC2086  # the options are words
        "$BIN_DIR/harness" --compare ${args%%|*} "$WORK/both.scn" \
            2>"$WORK/err" || status=$?
        cat "$WORK/err"
        expect '[ "$status" -eq 2 ]' "exit 2 for ${args%%|*}"
        grep -q -- "${args#*|}" "$WORK/err"
    done
    status=0
    "$BIN_DIR/harness" --compare p2c,random "$ROOT/scenarios/sim" \
        2>"$WORK/err" || status=$?
    expect '[ "$status" -eq 2 ]' "a folder: exit 2"
    grep -q "takes one scenario file" "$WORK/err"
}
