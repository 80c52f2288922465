# test_balancer_ops.sh: the balancer's run-time behaviours end to end:
# outlier ejection and the wait queue (sourced by run.sh).

# json_number KEY FILE: a top-level number of simulate_client's --json.
json_number() {
    grep -o "\"$1\": *[0-9]*" "$2" | head -1 | sed -E 's/.*: *//'
}

# A backend that accepts and closes at once (--refuse) next to a healthy
# one: with --eject-after 3 it is ejected after its third failure in a
# row and gets few of 1,000 clients; every client that failed was one
# the refusing backend had been given before it was ejected (nothing the
# proxy could have sent elsewhere failed).
test_eject_refusing_backend() {
    local picks bad failed closes
    start_dummy good
    local good_port=$DUMMY_PORT
    start_dummy bad --refuse
    start_proxy proxy -t 2 -b "bad=127.0.0.1:$DUMMY_PORT" \
        -b "good=127.0.0.1:$good_port" --health-interval 0 --eject-after 3
    client -c 1000 -n 1 --ramp 2000 --json "$WORK/result.json" || true
    wait_for_line "$WORK/proxy.log" 'ev=ejected be=bad .* ejections=1' >/dev/null
    picks=$(grep -c 'ev=pick ' "$WORK/proxy.log")
    bad=$(grep -c 'ev=pick .* be=bad ' "$WORK/proxy.log" || true)
    failed=$(json_number connections_failed "$WORK/result.json")
    closes=$(grep -c 'ev=close .* be=bad ' "$WORK/proxy.log" || true)
    expect '[ "$picks" -ge 1000 ]' "1000 picks, got $picks"
    expect '[ $((bad * 100)) -lt $((picks * 5)) ]' \
        "bad got $bad of $picks picks (5 % or more)"
    expect '[ "$failed" -le "$bad" ]' \
        "$failed clients failed, more than the $bad sent to bad"
    expect '[ "$closes" -eq "$bad" ]' "$closes closes on bad for $bad picks"
    grep -q 'ev=ejected be=bad seq=[0-9]* failures=3 ms=10000 ejections=1' \
        "$WORK/proxy.log"
    # Never picked while ejected: its cand says so from then on.
    grep -q 'ev=pick .* cand="bad:0/ejected good:[0-9]*/up"' "$WORK/proxy.log"
}

# seqs_of EVENT: the sids of the lines of EVENT in seq order.
sids_in_seq_order() {
    grep -E "$1" "$WORK/proxy.log" |
        sed -E 's/.* sid=([0-9]+) seq=([0-9]+).*/\2 \1/' | sort -n |
        awk '{ print $2 }'
}

# One backend with maxconn=2 and --queue 50: 20 clients at once all get
# served; those that waited were served in the order they came
# (queued seq order = pick seq order), and b1 never had more than 2.
test_queue_serves_all() {
    local queued peak
    start_dummy b1 --latency 20ms
    start_proxy proxy -t 2 -b "b1=127.0.0.1:$DUMMY_PORT,maxconn=2" \
        --health-interval 0 --queue 50
    client -c 20 -n 3 --json "$WORK/result.json"
    grep -q '"passed": *true' "$WORK/result.json"
    expect '[ "$(json_number connections_failed "$WORK/result.json")" -eq 0 ]' \
        "clients failed"
    queued=$(grep -c 'ev=queued ' "$WORK/proxy.log")
    expect '[ "$queued" -ge 10 ]' "only $queued sessions queued"
    expect '[ "$(grep -c "ev=pick .*queued_ms=" "$WORK/proxy.log")" -eq "$queued" ]' \
        "every queued session picked once"
    sids_in_seq_order 'ev=queued ' >"$WORK/queued.order"
    sids_in_seq_order 'ev=pick .*queued_ms=' >"$WORK/served.order"
    cmp "$WORK/queued.order" "$WORK/served.order"
    peak=$(grep -o 'cand="b1:[0-9]*' "$WORK/proxy.log" | sed 's/.*://' |
           sort -n | tail -1)
    expect '[ "$peak" -le 1 ]' "a pick saw b1 at $peak active (maxconn 2)"
    ! grep -qE 'ev=(queue_timeout|queue_full|no_backend)' "$WORK/proxy.log"
}

# A backend that never answers, and a client that holds its one slot:
# waiters time out after --queue-timeout (queue_timeout, then close
# reason=queue_timeout), one beyond --queue is refused (queue_full), and
# clients that leave while waiting leave the queue (queue_abandoned, then
# close reason=client_closed).
test_queue_timeout_full_abandoned() {
    local holder
    start_dummy b1 --hang
    start_proxy proxy -t 2 -b "b1=127.0.0.1:$DUMMY_PORT,maxconn=1" \
        --health-interval 0 --queue 2 --queue-timeout 300ms
    client -c 1 -n 1 --timeout 4000 &
    holder=$!
    wait_for_line "$WORK/proxy.log" 'ev=pick ' >/dev/null
    client -c 3 -n 1 --timeout 1500 || true
    expect '[ "$(grep -c "ev=queue_timeout sid=[0-9]* seq=[0-9]* ms=3[0-9][0-9] depth=[01]" "$WORK/proxy.log")" -eq 2 ]' \
        "two queue timeouts"
    expect '[ "$(grep -c "reason=queue_timeout" "$WORK/proxy.log")" -eq 2 ]' \
        "two closes for queue timeouts"
    grep -q 'ev=queue_full sid=[0-9]* seq=[0-9]* depth=2' "$WORK/proxy.log"
    client -c 2 --connect-only || true
    wait_for_line "$WORK/proxy.log" 'reason=client_closed' >/dev/null
    grep -q 'ev=queue_abandoned sid=[0-9]* seq=[0-9]* ms=[0-9]* depth=[01]' \
        "$WORK/proxy.log"
    wait "$holder" || true
    stop "$PROXY_PID"
    grep -q 'ev=stop status=clean' "$WORK/proxy.log"
    ! grep -q 'ev=pick .*queued_ms' "$WORK/proxy.log"
}

# A policy whose answer is not an eligible backend is refused. Here the
# proxy is built with lab 3's ignores_state cheat (choose_leastconn never
# reads the states) over b1 and a port nobody listens on: while b1 holds
# connections, the cheat answers the dead port, which this session has
# already tried, at every retry. The pick logs ev=pick_refused (error),
# the client is closed (no_backend), and the dead port costs one connect
# per client; passed on, the answer was connected again and again, about
# 50,000 times a second, until the client gave up.
test_policy_answer_is_checked() {
    local src=$WORK/src dead refused fails
    mkdir -p "$src"
    (cd "$ROOT" && tar cf - Makefile proxy common) | tar xf - -C "$src"
    if ! (cd "$src" &&
          patch -p1 -s <"$ROOT/labs/3-leastconn/cheats/ignores_state.patch" &&
          make -j2 BIN=. proxy_server) >"$WORK/build.out" 2>&1; then
        cat "$WORK/build.out"
        return 1
    fi
    start_dummy b1
    dead=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    BIN_DIR=$src start_proxy proxy -t 2 -b "dead=127.0.0.1:$dead" \
        -b "b1=127.0.0.1:$DUMMY_PORT" --health-interval 0
    timeout 30 "$BIN_DIR/simulate_client" --port "$PROXY_PORT" -q -c 4 -n 1 \
        --hold 1000 --timeout 3000 || true
    refused=$(grep -c 'lvl=error .*ev=pick_refused .*chosen=dead ' \
              "$WORK/proxy.log" || true)
    fails=$(grep -c 'ev=connect_fail .*be=dead ' "$WORK/proxy.log" || true)
    expect '[ "$refused" -ge 1 ]' "the cheat's answer is refused and logged"
    expect '[ "$fails" -le 4 ]' \
        "one connect to the dead port per client at most, saw $fails"
}

# Sessions still queued when the proxy stops leave the queue logged
# (queue_abandoned, reason=shutdown): leaving takes a decision number,
# and the log's seq numbers must run without a hole. One worker: it
# closes its queued sessions before the one holding b1, whose release
# would serve one of them (with two workers that may come first).
test_queue_left_at_stop_is_logged() {
    local seqs max left served
    start_dummy b1
    start_proxy proxy -t 1 -b "b1=127.0.0.1:$DUMMY_PORT,maxconn=1" \
        --queue 10 --grace 200 --health-interval 0
    "$BIN_DIR/simulate_client" --port "$PROXY_PORT" -q -c 3 -n 1 \
        --hold 3000 >/dev/null 2>&1 &
    PIDS+=("$!")
    wait_for_line "$WORK/proxy.log" 'ev=queued .*depth=2' >/dev/null
    stop "$PROXY_PID" || true
    left=$(grep -c "ev=queue_abandoned " "$WORK/proxy.log" || true)
    served=$(grep -c "ev=pick .*queued_ms=" "$WORK/proxy.log" || true)
    expect '[ "$left" = 2 ] && [ "$served" = 0 ]' \
        "both queued sessions leave the queue logged ($left left, $served served)"
    expect '[ "$(grep -c "ev=close .*reason=shutdown" "$WORK/proxy.log")" = 3 ]' \
        "all three are closed by the stop"
    seqs=$(grep -o ' seq=[0-9]*' "$WORK/proxy.log" | cut -d= -f2 | sort -n -u)
    max=$(tail -1 <<<"$seqs")
    expect '[ "$(echo $seqs)" = "$(echo $(seq 1 "$max"))" ]' \
        "seq numbers 1 to $max without a hole: $(echo $seqs)"
}
