#!/usr/bin/env bash
# run.sh: integration tests of proxy_server with real dummy_server backends
# and simulate_client, all on 127.0.0.1 with ports picked by the kernel.
#
#   tests/integration/run.sh           run every test
#   tests/integration/run.sh NAME...   run the named tests
#   KEEP_LOGS=1 tests/integration/run.sh   keep the logs (path printed)
#
# Prints PASS/FAIL per test and "N passed, N failed"; exits 1 on a failure.

source "$(dirname "$0")/lib.sh"
trap cleanup EXIT
trap 'exit 130' INT TERM

# Two backends and a proxy in front of them; sets B1_PORT, B2_PORT, B1_PID.
two_backends() {
    start_dummy b1 "$@"
    B1_PORT=$DUMMY_PORT B1_PID=$DUMMY_PID
    start_dummy b2 "$@"
    B2_PORT=$DUMMY_PORT
}

proxy_over_two() {
    start_proxy proxy -t 2 -b "b1=127.0.0.1:$B1_PORT" \
        -b "b2=127.0.0.1:$B2_PORT" "$@"
}

# stats_table: what the --stats port answers (its address is in the log).
stats_table() {
    local line port
    line=$(grep -m1 'ev=start' "$WORK/proxy.log")
    port=$(port_of "$line" stats)
    exec 3<>"/dev/tcp/127.0.0.1/$port"
    cat <&3
    exec 3<&-
}

test_relay_and_spread() {
    two_backends
    proxy_over_two
    client -c 20 -n 5 -s 100 --json "$WORK/result.json"
    grep -q '"b1": *[1-9]' "$WORK/result.json"
    grep -q '"b2": *[1-9]' "$WORK/result.json"
    grep -q 'ev=pick .*cand="b1:[0-9]*/up b2:[0-9]*/up"' "$WORK/proxy.log"
    stop "$PROXY_PID"
    grep -q 'ev=stop status=clean' "$WORK/proxy.log"
}

test_2000_connections_2_threads() {
    local sum=0 i threads_idle threads_busy
    two_backends
    proxy_over_two --stats 127.0.0.1:0
    threads_idle=$(ls "/proc/$PROXY_PID/task" | wc -l)
    client -c 2000 -n 1 --ramp 500 --hold 5000 &
    local client_pid=$!
    # All 2,000 must be open through the proxy at the same moment.
    for ((i = 0; i < 100 && sum < 2000; i++)); do
        sleep 0.1
        sum=$(stats_table | sed -E 's/.* active=([0-9]+).*/\1/' |
              awk '{ s += $1 } END { print s + 0 }')
    done
    threads_busy=$(ls "/proc/$PROXY_PID/task" | wc -l)
    expect '[ "$sum" -eq 2000 ]' "2000 sessions active at once, saw $sum"
    # main + 2 workers + health checker (a sanitizer may add its own).
    expect '[ "$threads_idle" -ge 4 ]' "4 threads at start, saw $threads_idle"
    expect '[ "$threads_busy" -eq "$threads_idle" ]' \
        "the thread count does not grow under load: $threads_idle -> $threads_busy"
    wait "$client_pid"
    # The last closes may still be on their way into the log.
    for ((i = 0; i < 300; i++)); do
        [ "$(grep -c 'ev=close ' "$WORK/proxy.log")" -ge 2000 ] && break
        sleep 0.1
    done
    expect '[ "$(grep -c "ev=close.*reason=done" "$WORK/proxy.log")" -eq 2000 ]' \
        "2000 sessions closed normally; close reasons: $(grep -o 'reason=[a-z_]*' \
        "$WORK/proxy.log" | sort | uniq -c | tr '\n' ' ')"
}

# cpus_of NAME: the CPUs proxy thread NAME (w0, w1, ...) may run on.
cpus_of() {
    local t
    for t in /proc/"$PROXY_PID"/task/*; do
        if [ "$(cat "$t/comm" 2>/dev/null)" = "$1" ]; then
            sed -n 's/^Cpus_allowed_list:[[:space:]]*//p' "$t/status"
            return
        fi
    done
}

test_cpu_affinity() {
    local allowed first
    allowed=$(sed -n 's/^Cpus_allowed_list:[[:space:]]*//p' /proc/self/status)
    first=$(echo "$allowed" | sed -E 's/^([0-9]+).*/\1/')
    two_backends
    proxy_over_two --cpu-affinity auto --log-level debug
    wait_for_line "$WORK/proxy.log" 'ev=worker_start id=1'
    expect '[ "$(cpus_of w0)" = "$first" ]' \
        "w0 pinned to CPU $first (first of $allowed), saw '$(cpus_of w0)'"
    expect 'grep -q "ev=worker_start id=0 cpu=$first" "$WORK/proxy.log"' \
        "worker_start logs the CPU"
    client -c 10 -n 5
    stop "$PROXY_PID"
    proxy_over_two --log-level debug
    wait_for_line "$WORK/proxy.log" 'ev=worker_start id=1'
    expect '[ "$(cpus_of w1)" = "$allowed" ]' \
        "without --cpu-affinity, w1 may run on $allowed, saw '$(cpus_of w1)'"
    expect 'grep -q "ev=worker_start id=1 cpu=any" "$WORK/proxy.log"' \
        "worker_start says cpu=any"
}

test_one_backend_killed() {
    local i
    two_backends
    proxy_over_two
    kill -KILL "$B1_PID"
    wait "$B1_PID" 2>/dev/null || true
    for ((i = 1; i <= 20; i++)); do
        client -c 1 -n 2 || { echo "client $i was not served"; return 1; }
    done
    grep -q 'ev=connect_fail .*be=b1 .*err=ECONNREFUSED' "$WORK/proxy.log"
    grep -q 'ev=backend_down be=b1' "$WORK/proxy.log"
}

test_half_close() {
    two_backends --latency 50
    proxy_over_two
    client -c 10 -n 20 -s 64 --half-close
}

test_large_payload_binary_safe() {
    two_backends
    proxy_over_two
    client -c 4 -n 3 -s 1M
}

test_no_backend_up() {
    start_dummy gone
    local port=$DUMMY_PORT
    kill -KILL "$DUMMY_PID"
    wait "$DUMMY_PID" 2>/dev/null || true
    start_proxy proxy -b "b1=127.0.0.1:$port" --health-interval 0
    if client -c 1 -n 1; then
        echo "a client was served with no backend up"
        return 1
    fi
    grep -q 'ev=no_backend .*cand="b1:0/tried"' "$WORK/proxy.log"
    # The client sees its socket closed a moment before the line is written.
    wait_for_line "$WORK/proxy.log" 'ev=close .*reason=no_backend' >/dev/null
    stop "$PROXY_PID"
}

test_maxconn_queues() {
    two_backends
    proxy_over_two --maxconn 5
    client -c 30 -n 2 --hold 100
    # Replay the picks: active sessions never exceeded 5.
    local peak
    peak=$(grep 'ev=pick' "$WORK/proxy.log" |
           sed -E 's/.*cand="([^"]*)".*/\1/' |
           awk '{ s = 1; for (i = 1; i <= NF; i++) { split($i, a, /[:\/]/);
                  s += a[2] } if (s > m) m = s } END { print m }')
    expect '[ "$peak" -le 5 ]' "at most 5 sessions at once, saw $peak"
}

test_stats_port() {
    two_backends
    proxy_over_two --stats 127.0.0.1:0
    client -c 3 -n 1
    stats_table >"$WORK/table"
    cat "$WORK/table"
    grep -q "^name=b1 addr=127.0.0.1:$B1_PORT state=up active=0 picks=[0-9]" "$WORK/table"
    grep -q "^name=b2 addr=127.0.0.1:$B2_PORT state=up active=0" "$WORK/table"
    kill -USR1 "$PROXY_PID"
    wait_for_line "$WORK/proxy.log" 'ev=stats name=b2' >/dev/null
}

test_sigterm_drains_then_exits_0() {
    two_backends
    proxy_over_two --grace 300ms
    client -c 10 -n 1 --hold 3000 &
    local client_pid=$!
    wait_for_line "$WORK/proxy.log" 'ev=connected sid=10 ' >/dev/null
    stop "$PROXY_PID"
    grep -q 'ev=close .*reason=shutdown' "$WORK/proxy.log"
    grep -q 'ev=stop status=clean' "$WORK/proxy.log"
    wait "$client_pid" || true
}

test_idle_timeout() {
    two_backends
    proxy_over_two --idle-timeout 200ms
    client -c 2 -n 1 --hold 1000 || true
    wait_for_line "$WORK/proxy.log" 'ev=close .*reason=idle_timeout' >/dev/null
}

test_bad_usage_exits_2() {
    local status
    for args in "--threads 0" "--bogus" "-l 127.0.0.1:70000" \
                "-b nonsense" "--balance fastest" "--connect-timeout x" \
                "extra-argument" "-c /nonexistent/file"; do
        status=0
        # shellcheck disable=SC2086
        "$BIN_DIR/proxy_server" $args 2>"$WORK/err" || status=$?
        expect '[ "$status" -eq 2 ]' "proxy_server $args exits 2, got $status"
        expect '[ "$(wc -l <"$WORK/err")" -eq 2 ]' "a one-line reason for $args"
    done
    printf 'threads 2\nbalance sideways\n' >"$WORK/bad.conf"
    status=0
    "$BIN_DIR/proxy_server" -c "$WORK/bad.conf" 2>"$WORK/err" || status=$?
    expect '[ "$status" -eq 2 ]' "a bad config file exits 2"
    grep -q "$WORK/bad.conf:2: balance 'sideways'" "$WORK/err"
    # A NUL byte must not hide the rest of a line.
    printf 'threads 2\0garbage\n' >"$WORK/nul.conf"
    status=0
    "$BIN_DIR/proxy_server" -c "$WORK/nul.conf" 2>"$WORK/err" || status=$?
    expect '[ "$status" -eq 2 ]' "a config file with a NUL byte exits 2"
    grep -q "$WORK/nul.conf:1: line holds a NUL byte" "$WORK/err"
    "$BIN_DIR/proxy_server" --help | grep -q -- '--connect-timeout'
}

test_config_file_and_precedence() {
    two_backends
    cat >"$WORK/proxy.conf" <<CONF
# a comment
threads 3
backend b1=127.0.0.1:$B1_PORT
backend b2=127.0.0.1:$B2_PORT,weight=2
balance roundrobin
CONF
    start_proxy proxy -c "$WORK/proxy.conf" --balance leastconn
    grep -q 'ev=start .*threads=3 balance=leastconn backends=2' "$WORK/proxy.log"
    grep -q 'ev=backend name=b2 .*weight=2' "$WORK/proxy.log"
    client -c 6 -n 1
}

# cpu_ticks PID: user + system CPU time of a process, in clock ticks.
cpu_ticks() {
    awk '{ print $14 + $15 }' "/proc/$1/stat"
}

test_out_of_descriptors() {
    local line before after open
    two_backends --latency 5
    # Under a low limit at start the proxy takes only the sessions it has
    # descriptors for (test_fd_limit_clients_wait): lowering the limit of
    # the running proxy to 48 is what makes it run out. Health checks
    # every 100 ms run while the descriptors are gone.
    start_proxy proxy -t 2 --health-interval 100 \
        -b "b1=127.0.0.1:$B1_PORT" -b "b2=127.0.0.1:$B2_PORT"
    open=$(ls "/proc/$PROXY_PID/fd" | wc -l)
    prlimit --pid "$PROXY_PID" --nofile=$((open + 32)):
    client -c 60 -n 1 --hold 2000 --timeout 3000 >/dev/null 2>&1 &
    local client_pid=$!
    # The last descriptor goes either to accept4 (accept_paused) or to the
    # backend socket of a client just handed to the other worker
    # (connect_fail local=1).
    wait_for_line "$WORK/proxy.log" \
        'ev=(accept_paused err=EMFILE|connect_fail .*err=EMFILE .*local=1)' >/dev/null
    before=$(cpu_ticks "$PROXY_PID")
    sleep 1
    after=$(cpu_ticks "$PROXY_PID")
    expect '[ $((after - before)) -lt 30 ]' \
        "no busy loop while out of descriptors: $((after - before)) ticks in 1s"
    wait "$client_pid" || true
    # Connections the burst gave up on may still wait in the listen queue;
    # once the proxy has worked through them, descriptors are free again
    # and new clients are served.
    local attempt served=0
    for ((attempt = 0; attempt < 20 && served == 0; attempt++)); do
        sleep 0.5
        client -c 10 -n 2 >/dev/null 2>&1 && served=1
    done
    expect '[ "$served" -eq 1 ]' "the proxy serves again once descriptors are free"
    kill -0 "$PROXY_PID"
    # The proxy's own shortage is not the backends' fault: the checks it
    # could not start were skipped, and no backend was marked down.
    expect 'grep -q "ev=check_skipped .*err=EMFILE" "$WORK/proxy.log"' \
        "health checks made while out of descriptors are skipped"
    expect '! grep -q "ev=backend_down" "$WORK/proxy.log"' \
        "no backend marked down for the proxy's lack of descriptors"
}

test_client_summary_as_in_the_readme() {
    two_backends
    proxy_over_two
    timeout 60 "$BIN_DIR/simulate_client" --port "$PROXY_PORT" >"$WORK/summary"
    cat "$WORK/summary"
    grep -q "^simulate_client: 127.0.0.1:$PROXY_PORT, 10 clients x 5 requests of 32 bytes$" \
        "$WORK/summary"
    grep -q '^connections: 10 ok, 0 failed (10 finished)$' "$WORK/summary"
    grep -q '^requests:    50 ok of 50 sent$' "$WORK/summary"
    grep -qE '^  b1 +[0-9]+ connections +[0-9.]+%$' "$WORK/summary"
    grep -q '^result:      PASS (every request got its correct reply)$' \
        "$WORK/summary"
}

# rss_kb PID: resident memory of a process, in KiB.
rss_kb() {
    awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"
}

test_silent_client_hits_idle_timeout() {
    two_backends
    proxy_over_two --idle-timeout 300ms
    exec 3<>"/dev/tcp/127.0.0.1/$PROXY_PORT"
    wait_for_line "$WORK/proxy.log" \
        'ev=close sid=1 .*bytes_c2b=0 .*reason=idle_timeout' 5 >/dev/null
    exec 3<&-
    client -c 3 -n 2
}

test_client_that_never_reads() {
    local rss
    two_backends --mode echo
    proxy_over_two
    # Writes as fast as it can and reads nothing: the echoes pile up until
    # every buffer on the way is full, then back-pressure stops everyone.
    timeout 3 perl -MIO::Socket::INET -e '
        my $s = IO::Socket::INET->new("127.0.0.1:'"$PROXY_PORT"'") or die;
        my $chunk = "x" x 65536;
        print $s $chunk while 1;' 2>/dev/null || true
    rss=$(rss_kb "$PROXY_PID")
    expect '[ "$rss" -lt 65536 ]' "proxy RSS stays bounded, got ${rss} KiB"
    client -c 3 -n 2 2>/dev/null || true
    kill -0 "$PROXY_PID"
}

# cpu_ticks PID: user + system CPU time of a process, in clock ticks.
cpu_ticks() {
    awk '{ print $14 + $15 }' "/proc/$1/stat"
}

# A relay stopped by back-pressure must leave its worker asleep: a worker
# woken again and again by its own epoll set (an interest that no longer
# fits, a re-arm that fires at once) burns a whole CPU while nothing moves.
test_stalled_relay_sleeps() {
    local before after hz
    hz=$(getconf CLK_TCK)
    two_backends --mode echo
    proxy_over_two
    # Writes without reading until nothing more goes in for a second, then
    # holds the stalled connection open.
    perl -MIO::Socket::INET -e '
        $| = 1;
        my $s = IO::Socket::INET->new("127.0.0.1:'"$PROXY_PORT"'") or die;
        $s->blocking(0);
        my ($chunk, $stuck) = ("x" x 65536, 0);
        while ($stuck < 20) {
            if (defined syswrite($s, $chunk)) { $stuck = 0 }
            else { $stuck++; select(undef, undef, undef, 0.05) }
        }
        print "stalled\n";
        sleep 10;' >"$WORK/writer" 2>&1 &
    PIDS+=($!)
    wait_for_line "$WORK/writer" '^stalled' 20 >/dev/null
    before=$(cpu_ticks "$PROXY_PID")
    sleep 2
    after=$(cpu_ticks "$PROXY_PID")
    # A spinning worker would use about 2 s; asleep, it uses none.
    expect '[ $((after - before)) -le $((hz / 5)) ]' \
        "at most 0.2 s of CPU in 2 s of stall, used $((after - before)) ticks of 1/$hz s"
    grep -q 'ev=pick ' "$WORK/proxy.log"
}

test_client_resets_mid_stream() {
    two_backends --latency 200
    proxy_over_two
    perl -MIO::Socket::INET -MSocket -e '
        my $s = IO::Socket::INET->new("127.0.0.1:'"$PROXY_PORT"'") or die;
        print $s "hello\n";
        setsockopt($s, SOL_SOCKET, SO_LINGER, pack("ii", 1, 0));
        close $s;'
    wait_for_line "$WORK/proxy.log" 'ev=close sid=1 .*reason=(client_reset|done)' \
        >/dev/null
    client -c 5 -n 2
    grep -q 'ev=close sid=1 .*seq=[0-9]* active=0' "$WORK/proxy.log"
}

test_thousands_opened_and_dropped() {
    two_backends
    proxy_over_two --stats 127.0.0.1:0
    perl -MIO::Socket::INET -e '
        my @s;
        for (1 .. 2000) {
            push @s, IO::Socket::INET->new("127.0.0.1:'"$PROXY_PORT"'") or last;
        }
        print scalar(@s), " connections opened\n";
        close $_ for @s;'
    # Every session is released, and the proxy still serves.
    local i active=1
    for ((i = 0; i < 100 && active != 0; i++)); do
        sleep 0.1
        active=$(stats_table | sed -E 's/.* active=([0-9]+).*/\1/' |
                 awk '{ s += $1 } END { print s + 0 }')
    done
    expect '[ "$active" -eq 0 ]' "all sessions released, $active still active"
    client -c 10 -n 2
}

test_backend_that_hangs() {
    start_dummy b1 --hang
    B1_PORT=$DUMMY_PORT
    start_dummy b2
    B2_PORT=$DUMMY_PORT
    proxy_over_two --idle-timeout 500ms
    # Half the clients land on the hung backend: they time out, cleanly.
    client -c 4 -n 1 --timeout 2000 >/dev/null 2>&1 || true
    wait_for_line "$WORK/proxy.log" 'ev=close .*be=b1 .*reason=idle_timeout' \
        >/dev/null
    client -c 1 -n 1 --timeout 2000 >/dev/null 2>&1 || true
    kill -0 "$PROXY_PID"
}

test_backend_closes_half_way_through_an_answer() {
    start_dummy b1 --rate 200
    B1_PORT=$DUMMY_PORT B1_PID=$DUMMY_PID
    start_dummy b2
    B2_PORT=$DUMMY_PORT
    start_proxy proxy -t 2 -b "b1=127.0.0.1:$B1_PORT"
    client -c 1 -n 1 -s 1000 >/dev/null 2>&1 &
    local client_pid=$! status=0
    wait_for_line "$WORK/b1.log" 'ev=accept' >/dev/null
    sleep 0.5
    kill -KILL "$B1_PID"
    wait "$client_pid" || status=$?
    expect '[ "$status" -eq 1 ]' "the cut-off client fails (exit 1), got $status"
    wait_for_line "$WORK/proxy.log" \
        'ev=close .*be=b1 .*bytes_b2c=[1-9][0-9]* .*reason=(done|backend_reset)' >/dev/null
    kill -0 "$PROXY_PID"
}

# A backend that answers and closes at once: its last bytes and its FIN
# reach the proxy together. The client keeps its side open and reads to
# the end of file, so it finishes only if the proxy passes the FIN on by
# itself.
test_fin_right_behind_the_answer() {
    local i reply status
    start_dummy b1 --close-after-lines 1
    start_proxy proxy -t 1 -b "b1=127.0.0.1:$DUMMY_PORT"
    for ((i = 0; i < 20; i++)); do
        exec 3<>"/dev/tcp/127.0.0.1/$PROXY_PORT"
        printf 'ping %d\n' "$i" >&3
        status=0
        reply=$(timeout 2 cat <&3) || status=$?
        exec 3<&-
        expect '[ "$status" -eq 0 ]' "connection $i: no end of file within 2 s (status $status)"
        expect '[ "$reply" = "b1 ping $i" ]' "connection $i: got '$reply'"
    done
}

# pids_of DIR: every pid a kept harness run started (from its timeline).
pids_of() {
    sed -nE 's/.* pid=([0-9]+).*/\1/p' "$1"/*/timeline.log
}

# none_alive PID...: fails if any of the processes still exists.
none_alive() {
    local pid
    for pid in "$@"; do
        if kill -0 "$pid" 2>/dev/null; then
            echo "process $pid is still running"
            return 1
        fi
    done
}

test_harness_two_runs_at_once() {
    local s1=0 s2=0
    "$BIN_DIR/harness" --keep "$WORK/k1" "$ROOT/scenarios/two_backends.scn" \
        >"$WORK/h1" 2>&1 &
    local p1=$!
    "$BIN_DIR/harness" --keep "$WORK/k2" "$ROOT/scenarios/two_backends.scn" \
        >"$WORK/h2" 2>&1 &
    local p2=$!
    wait "$p1" || s1=$?
    wait "$p2" || s2=$?
    cat "$WORK/h1" "$WORK/h2"
    expect '[ "$s1" -eq 0 ] && [ "$s2" -eq 0 ]' "both runs pass ($s1, $s2)"
    # shellcheck disable=SC2046
    none_alive $(pids_of "$WORK/k1") $(pids_of "$WORK/k2")
}

test_harness_interrupt_leaves_nothing() {
    local status=0
    "$BIN_DIR/harness" --keep "$WORK/k" "$ROOT/scenarios/crash_restart.scn" \
        >"$WORK/h" 2>&1 &
    local pid=$!
    wait_for_line "$WORK/k/crash_restart-$pid/timeline.log" 'ev=burst_start' \
        >/dev/null
    kill -INT "$pid"
    wait "$pid" || status=$?
    expect '[ "$status" -eq 130 ]' "interrupted harness exits 130, got $status"
    # shellcheck disable=SC2046
    none_alive $(pids_of "$WORK/k")
}

test_harness_bad_scenario_exits_2() {
    local status=0
    printf '# bad\nbackend b1 latency=fast\nat 1s crash b9\nexpect leastconn\n' \
        >"$WORK/bad.scn"
    "$BIN_DIR/harness" "$WORK/bad.scn" 2>"$WORK/err" || status=$?
    cat "$WORK/err"
    expect '[ "$status" -eq 2 ]' "exit status 2, got $status"
    grep -q "^$WORK/bad.scn:2: latency 'fast'" "$WORK/err"
    grep -q "^$WORK/bad.scn:3: backend 'b9' is not declared" "$WORK/err"
}

test_harness_catches_a_broken_balancer() {
    local status=0
    # The round-robin scenario's "expect-fail leastconn" asks the check to
    # judge round robin: it fails, with the pick that broke it.
    "$BIN_DIR/harness" "$ROOT/scenarios/unequal_latency_roundrobin.scn" \
        >"$WORK/out" 2>&1 || status=$?
    cat "$WORK/out"
    expect '[ "$status" -eq 0 ]' "exit status 0, got $status"
    tr -s ' \n' ' ' <"$WORK/out" | grep -qE 'PASS \(expect-fail\) leastconn failed as expected: pick [0-9]+ \(sid [0-9]+, t=[0-9.]+s\) chose b[0-9] with [0-9]+ active while b[0-9] had [0-9]+'
    # A plain "expect leastconn" on a proxy that runs another policy is
    # not judged, and says so.
    sed 's/^expect-fail leastconn/expect leastconn/' \
        "$ROOT/scenarios/unequal_latency_roundrobin.scn" >"$WORK/rr.scn"
    "$BIN_DIR/harness" "$WORK/rr.scn" >"$WORK/out2" 2>&1
    cat "$WORK/out2"
    grep -q 'SKIP  leastconn  *skipped: the proxy runs --balance roundrobin, and this check judges' \
        "$WORK/out2"
}

test_harness_reports() {
    # One point per expectation of the scenario.
    local n
    n=$(grep -c '^expect' "$ROOT/scenarios/two_backends.scn")
    "$BIN_DIR/harness" --junit "$WORK/junit.xml" --gradescope "$WORK/gs.json" \
        --report "$WORK/html" --tap "$ROOT/scenarios/two_backends.scn" \
        >"$WORK/tap"
    grep -q "^1\.\.$n\$" "$WORK/tap"
    expect '[ "$(grep -c "^ok " "$WORK/tap")" -eq "$n" ]' "$n TAP points"
    expect '[ "$(grep -o "<testcase" "$WORK/junit.xml" | wc -l)" -eq "$n" ]' \
        "$n JUnit test cases"
    grep -q "\"score\": *$n" "$WORK/gs.json"
    grep -q '<svg' "$WORK/html/two_backends.html"
}

# More tests, one file per area: tests/integration/test_*.sh.
for suite in "$(dirname "$0")"/test_*.sh; do
    [ -e "$suite" ] && source "$suite"
done

ALL=$(declare -F | awk '$3 ~ /^test_/ { print substr($3, 6) }')
for name in ${@:-$ALL}; do
    check "$name" "test_$name"
done
echo "integration: $PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
