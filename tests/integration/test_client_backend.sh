# test_client_backend.sh: simulate_client and dummy_server against each
# other and through the harness: payload limits, echo backends, retry
# backoff and name resolution. Sourced by run.sh (helpers in lib.sh).

# run_scenario NAME TEXT: writes TEXT to $WORK/NAME.scn and runs the harness
# on it; its output is in $WORK/NAME.out, its exit status in SCENARIO_STATUS.
run_scenario() {
    SCENARIO_STATUS=0
    printf '%s\n' "$2" >"$WORK/$1.scn"
    timeout 120 "$BIN_DIR/harness" "$WORK/$1.scn" >"$WORK/$1.out" 2>&1 ||
        SCENARIO_STATUS=$?
    cat "$WORK/$1.out"
}

test_backend_takes_2m_lines() {
    start_dummy big
    timeout 60 "$BIN_DIR/simulate_client" --port "$DUMMY_PORT" -q -c 2 -n 2 \
        -s 2M --json "$WORK/big.json"
    grep -q '"requests_ok":4,' "$WORK/big.json"
    expect '! grep -q line_too_long "$WORK/big.log"' "no line_too_long close"
}

test_client_logs_its_latency_in_done() {
    local done json_p99 log_p99
    start_dummy slow --latency 30ms
    timeout 60 "$BIN_DIR/simulate_client" --port "$DUMMY_PORT" -q -c 2 -n 3 \
        --log-level info --json "$WORK/lat.json" 2>"$WORK/lat.log"
    done=$(grep 'ev=done' "$WORK/lat.log")
    expect '[[ $done == *" samples=6 "* ]]' "6 samples in '$done'"
    log_p99=$(sed -E 's/.* p99_ms=([0-9.]+) .*/\1/' <<<"$done")
    json_p99=$(sed -E 's/.*"p99":([0-9.]+).*/\1/' "$WORK/lat.json")
    expect '[ "$log_p99" = "$json_p99" ]' \
        "done p99_ms=$log_p99 is the summary's p99 $json_p99"
    expect '[ "${log_p99%%.*}" -ge 30 ]' "p99 $log_p99 ms includes the 30 ms"
}

test_scenario_with_2m_payloads_passes() {
    run_scenario big "timeout 60s
proxy threads=2
backend b1
backend b2
at 0s clients 4 requests=2 size=2M timeout=30s
expect clients ok
expect relay exact
expect counts zero"
    expect '[ "$SCENARIO_STATUS" -eq 0 ]' "harness exit 0, got $SCENARIO_STATUS"
    grep -qE 'PASS +relay exact +all 4 ok client connections' "$WORK/big.out"
}

test_scenario_payload_over_the_limit_is_refused() {
    run_scenario huge "backend b1
at 0s clients 1 size=17M
expect clients ok"
    expect '[ "$SCENARIO_STATUS" -eq 2 ]' "harness exit 2, got $SCENARIO_STATUS"
    grep -q "^$WORK/huge.scn:2: size '17M': must be a size from 16 to 16M" \
        "$WORK/huge.out"
}

test_client_checks_echoes() {
    start_dummy raw --mode echo
    timeout 60 "$BIN_DIR/simulate_client" --port "$DUMMY_PORT" -q -c 3 -n 4 \
        --expect echo --json "$WORK/echo.json"
    grep -q '"requests_ok":12,' "$WORK/echo.json"
    grep -q '"backends":{"(echo)":3}' "$WORK/echo.json"
    # A line backend is not an echo: every connection fails, none passes.
    start_dummy named
    if timeout 60 "$BIN_DIR/simulate_client" --port "$DUMMY_PORT" -q -c 2 \
        -n 1 --expect echo --json "$WORK/named.json"; then
        echo "a named reply passed as an echo" >&2
        return 1
    fi
    grep -q '"mismatch":2,' "$WORK/named.json"
}

test_scenario_with_echo_backends_passes() {
    run_scenario echo "timeout 30s
proxy threads=2
backend b1 mode=echo
backend b2 mode=echo latency=5ms
at 0s clients 20 requests=5 size=1k
expect clients ok
expect relay exact
expect counts zero
expect leastconn"
    expect '[ "$SCENARIO_STATUS" -eq 0 ]' "harness exit 0, got $SCENARIO_STATUS"
    grep -qE 'PASS +clients ok +all 1 burst exited 0 \(20 connections ok\)' \
        "$WORK/echo.out"
}

test_scenario_mixing_echo_and_line_is_refused() {
    run_scenario mixed "backend b1
backend b2 mode=echo
at 0s clients 1
expect clients ok"
    expect '[ "$SCENARIO_STATUS" -eq 2 ]' "harness exit 2, got $SCENARIO_STATUS"
    grep -q "^$WORK/mixed.scn:2: backend b2 answers in echo mode but b1 (line 1) in line mode" \
        "$WORK/mixed.out"
}

# A port nothing listens on: bound, never listening, so the kernel refuses.
test_client_backs_off_when_refused() {
    local port connects lines
    port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    timeout 30 "$BIN_DIR/simulate_client" --port "$port" -c 10 --duration 2 \
        >"$WORK/out" 2>"$WORK/err" || true
    cat "$WORK/out"
    connects=$(sed -nE 's/^errors: +connect=([0-9]+).*/\1/p' "$WORK/out")
    lines=$(wc -l <"$WORK/err")
    # 10 slots retrying every 100 ms would make 200; with a backoff from
    # 10 ms doubling to 1 s each slot makes about 8 in 2 s.
    expect '[ -n "$connects" ] && [ "$connects" -ge 10 ] && [ "$connects" -le 120 ]' \
        "10 to 120 connect attempts in 2 s, made ${connects:-none}"
    expect '[ "$lines" -le 8 ]' "at most 8 warning lines, got $lines"
    grep -q 'ev=conn_repeats result=connect n=[0-9]' "$WORK/err"
    grep -q 'over 2\.0[0-9]* s' "$WORK/out"
}

# The machine's loopback has ::1 unless IPv6 is off altogether.
has_ipv6_loopback() {
    grep -q '^0\{31\}1 ' /proc/net/if_inet6 2>/dev/null
}

test_client_reaches_localhost_on_ipv6() {
    if ! has_ipv6_loopback; then
        echo "skipped: this machine has no ::1"
        return 0
    fi
    start_dummy v6 --host ::1
    timeout 60 "$BIN_DIR/simulate_client" --host localhost \
        --port "$DUMMY_PORT" -q -c 3 -n 2 --json "$WORK/v6.json"
    grep -q '"backends":{"v6":3}' "$WORK/v6.json"
}

# A name with two addresses, only the second of which listens: in a mount
# namespace of its own, /etc/hosts gives "labhost" both loopbacks.
test_client_tries_every_address() {
    local first
    if ! has_ipv6_loopback || ! unshare -m true 2>/dev/null; then
        echo "skipped: needs ::1 and unshare -m"
        return 0
    fi
    printf '127.0.0.1 labhost\n::1 labhost\n' >"$WORK/hosts"
    first=$(unshare -m sh -c "mount --bind '$WORK/hosts' /etc/hosts &&
        getent ahosts labhost" |
        awk 'NR == 1 { print $1 }')
    # Listen on whichever address getaddrinfo puts second.
    if [ "$first" = "::1" ]; then
        start_dummy second --host 127.0.0.1
    else
        start_dummy second --host ::1
    fi
    unshare -m sh -c "mount --bind '$WORK/hosts' /etc/hosts &&
        exec timeout 60 '$BIN_DIR/simulate_client' --host labhost \
        --port $DUMMY_PORT -q -c 3 -n 2 --json '$WORK/both.json'"
    grep -q '"backends":{"second":3}' "$WORK/both.json"
}
