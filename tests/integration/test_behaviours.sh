# test_behaviours.sh: dummy_server's live changes (--control) and
# simulate_client's behaviours (--no-read, --abort, --trickle, --idle,
# --connect-only). Sourced by run.sh, which runs every test_* function.

# start_control_dummy NAME [OPTIONS...]: a dummy_server --control whose
# stdin is a FIFO held open on descriptor 4; its replies go to
# $WORK/NAME.replies. Sets DUMMY_PORT, DUMMY_PID and CONTROL_REPLIES.
start_control_dummy() {
    local name=$1 line
    shift
    mkfifo "$WORK/$name.ctl"
    "$BIN_DIR/dummy_server" 0 --name "$name" --control "$@" \
        <"$WORK/$name.ctl" >"$WORK/$name.replies" 2>"$WORK/$name.log" &
    DUMMY_PID=$!
    PIDS+=("$DUMMY_PID")
    exec 4>"$WORK/$name.ctl"
    CONTROL_REPLIES=$WORK/$name.replies
    CONTROL_SENT=0
    line=$(wait_for_line "$WORK/$name.log" 'ev=listen') || return 1
    DUMMY_PORT=$(port_of "$line" addr)
}

# control COMMAND: sends one command line; its reply line goes to REPLY
# (not printed: a $(control) subshell would lose the count of lines sent).
control() {
    local i
    printf '%s\n' "$1" >&4
    CONTROL_SENT=$((CONTROL_SENT + 1))
    for ((i = 0; i < 250; i++)); do
        if [ "$(wc -l <"$CONTROL_REPLIES")" -ge "$CONTROL_SENT" ]; then
            REPLY=$(sed -n "${CONTROL_SENT}p" "$CONTROL_REPLIES")
            return 0
        fi
        sleep 0.02
    done
    echo "no reply to '$1'" >&2
    return 1
}

# open_then_set COMMAND: opens descriptor 3 to the dummy_server, waits for
# its accept, then sends COMMAND, which must answer ok.
open_then_set() {
    exec 3<>"/dev/tcp/127.0.0.1/$DUMMY_PORT"
    wait_for_line "$WORK/b1.log" 'ev=accept cid=1' >/dev/null
    control "$1"
    expect '[ "$REPLY" = ok ]' "$1 answers ok, got '$REPLY'"
}

# direct [OPTIONS...]: simulate_client straight at the dummy_server.
direct() {
    timeout 60 "$BIN_DIR/simulate_client" --port "$DUMMY_PORT" -q "$@"
}

# json_ms FILE KEY: a latency point (p50, p90, p99, max) of a JSON summary,
# in whole milliseconds.
json_ms() {
    sed -E "s/.*\"$2\":([0-9]+)\.[0-9]+.*/\1/" "$1"
}

# now_ms: a monotonic-enough wall clock in milliseconds.
now_ms() {
    echo $(($(date +%s%N) / 1000000))
}

# read_since START_MS: reads one line from descriptor 3 (10 s at most) into
# LINE, and the milliseconds since START_MS into ELAPSED.
read_since() {
    LINE=
    read -r -t 10 LINE <&3 || true
    ELAPSED=$(($(now_ms) - $1))
}

test_control_latency_applies_to_next_replies() {
    local p50 reply
    start_control_dummy b1
    direct -c 2 -n 5 --json "$WORK/before.json"
    p50=$(json_ms "$WORK/before.json" p50)
    expect '[ "$p50" -lt 100 ]' "replies before the set are not delayed: p50 ${p50} ms"
    control "set latency=200"; reply=$REPLY
    expect '[ "$reply" = ok ]' "set latency=200 answers ok, got '$reply'"
    grep -q 'ev=set latency=200ms$' "$WORK/b1.log"
    direct -c 2 -n 3 --json "$WORK/after.json"
    p50=$(json_ms "$WORK/after.json" p50)
    expect '[ "$p50" -ge 190 ] && [ "$p50" -lt 600 ]' \
        "replies after the set take about 200 ms: p50 ${p50} ms"
}

# A reply already scheduled keeps its time; a line that arrives after the
# set gets the new latency at once, on any connection.
test_control_latency_spares_pending_replies() {
    local start reply p50
    start_control_dummy b1 --latency 600
    exec 3<>"/dev/tcp/127.0.0.1/$DUMMY_PORT"
    start=$(now_ms)
    printf 'early\n' >&3
    wait_for_line "$WORK/b1.log" 'ev=accept cid=1' >/dev/null
    sleep 0.1
    control "set latency=0"; reply=$REPLY
    expect '[ "$reply" = ok ]' "set latency=0 answers ok, got '$reply'"
    direct -c 1 -n 3 --json "$WORK/after.json"
    p50=$(json_ms "$WORK/after.json" p50)
    expect '[ "$p50" -lt 100 ]' "a new line is answered at the new latency: p50 ${p50} ms"
    read_since "$start"
    expect '[ "$LINE" = "b1 early" ]' "the pending reply came: '$LINE'"
    expect '[ "$ELAPSED" -ge 550 ]' \
        "the reply pending before the set kept its 600 ms: came after ${ELAPSED} ms"
    exec 3<&-
}

test_control_refuse_new_connections_only() {
    local reply status=0
    start_control_dummy b1
    exec 3<>"/dev/tcp/127.0.0.1/$DUMMY_PORT"
    printf 'one\n' >&3
    read -r -t 5 reply <&3
    expect '[ "$reply" = "b1 one" ]' "first reply on the open connection: '$reply'"
    control "set refuse=1"; reply=$REPLY
    expect '[ "$reply" = ok ]' "set refuse=1 answers ok, got '$reply'"
    direct -c 3 -n 1 --json "$WORK/refused.json" 2>/dev/null || status=$?
    expect '[ "$status" -eq 1 ]' "new connections fail while refusing (exit $status)"
    grep -q '"connections_failed":3,' "$WORK/refused.json"
    expect '[ "$(grep -c "reason=refuse" "$WORK/b1.log")" -eq 3 ]' \
        "three connections refused by the server"
    printf 'two\n' >&3
    read -r -t 5 reply <&3
    expect '[ "$reply" = "b1 two" ]' "the open connection keeps working: '$reply'"
    exec 3<&-
    control "set refuse=0"; reply=$REPLY
    expect '[ "$reply" = ok ]' "set refuse=0 answers ok, got '$reply'"
    direct -c 3 -n 2
}

test_control_line_limit_new_connections_only() {
    local reply a b status=0
    start_control_dummy b1
    open_then_set "set close-after-lines=1"
    printf 'a\nb\n' >&3
    read -r -t 5 a <&3
    read -r -t 5 b <&3
    expect '[ "$a $b" = "b1 a b1 b" ]' "the connection open before keeps its limit (none): '$a' '$b'"
    exec 3<&-
    direct -c 2 -n 2 --json "$WORK/limited.json" 2>/dev/null || status=$?
    expect '[ "$status" -eq 1 ]' "a new connection is closed after one line (exit $status)"
    grep -q '"closed":2,' "$WORK/limited.json"
    control "set close-after-lines=off"; reply=$REPLY
    expect '[ "$reply" = ok ]' "close-after-lines=off answers ok, got '$reply'"
    direct -c 2 -n 2
}

test_control_rate_applies_to_open_connections() {
    local start payload
    start_control_dummy b1
    open_then_set "set rate=1k"
    grep -q 'ev=set rate=1k$' "$WORK/b1.log"
    payload=$(head -c 1500 /dev/zero | tr '\0' x)
    start=$(now_ms)
    printf '%s\n' "$payload" >&3
    read_since "$start"
    expect '[ "$LINE" = "b1 $payload" ]' "the whole reply came"
    expect '[ "$ELAPSED" -ge 1000 ]' \
        "1.5 kB at 1 kB/s on a connection opened before the set: ${ELAPSED} ms"
    exec 3<&-
}

test_control_errors_help_and_eof() {
    local reply status
    start_control_dummy b1
    control "help"; reply=$REPLY
    expect '[ "${reply#ok commands: set KEY=VALUE..., help; keys: }" != "$reply" ]' \
        "help lists the commands: '$reply'"
    control "set latency=2h"; reply=$REPLY
    expect '[ "$reply" = "error: latency '"'2h'"': must be a duration from 0ms to 60m, like 500ms or 2s" ]' \
        "a bad value is refused with the table's words: '$reply'"
    control "set hang=1 refuse=1"; reply=$REPLY
    expect '[ "$reply" = "error: hang and refuse cannot be used together" ]' \
        "excluded options refused: '$reply'"
    control "launch rockets"; reply=$REPLY
    expect '[ "${reply#error: unknown command}" != "$reply" ]' "unknown command: '$reply'"
    expect '! grep -q "ev=set" "$WORK/b1.log"' "nothing was set"
    # End of input is not an error: the server goes on serving.
    exec 4>&-
    wait_for_line "$WORK/b1.log" 'ev=control_end reason=eof' >/dev/null
    direct -c 2 -n 2
    stop "$DUMMY_PID"
    # No stdin at all is a bad command line, not a server reading a socket.
    # Under make valgrind the program is a wrapper script, and valgrind's
    # own log file takes descriptor 0 before the program starts.
    [ "$(head -c 2 "$BIN_DIR/dummy_server")" != "#!" ] || return 0
    status=0
    timeout 10 "$BIN_DIR/dummy_server" 0 --control <&- 2>"$WORK/closed.err" || status=$?
    expect '[ "$status" -eq 2 ]' "--control with stdin closed exits 2, got $status"
    grep -q '^dummy_server: --control: standard input is not open$' "$WORK/closed.err"
}

test_client_connect_only() {
    start_dummy b1
    timeout 60 "$BIN_DIR/simulate_client" --port "$DUMMY_PORT" -c 4 \
        --connect-only --log-level info >"$WORK/summary" 2>"$WORK/client.log"
    cat "$WORK/summary"
    grep -q '^behaviour:   connect-only: 4 of 4 connections ended as planned$' "$WORK/summary"
    expect '[ "$(grep -c "ev=conn .*end=closed result=ok behaviour=connect-only did=" "$WORK/client.log")" -eq 4 ]' \
        "one info line per connection says what it did"
    wait_for_line "$WORK/b1.log" 'ev=close cid=4 ' >/dev/null
    expect '[ "$(grep -c "ev=close .*lines=0 bytes_in=0 .*reason=eof" "$WORK/b1.log")" -eq 4 ]' \
        "the server saw four silent connections end with a FIN"
}

test_client_idle() {
    local status=0
    start_dummy b1
    direct -c 3 --idle 300ms --json "$WORK/idle.json" --log-level info \
        2>"$WORK/client.log"
    grep -q '"behaviour":{"name":"idle 300ms","as_planned":3,' "$WORK/idle.json"
    grep -q 'ev=conn .*end=closed result=ok behaviour=idle did="idle 300 ms, then closed"' \
        "$WORK/client.log"
    # The server closing first is beyond the behaviour: a failure.
    start_proxy proxy -t 1 -b "b1=127.0.0.1:$DUMMY_PORT" --idle-timeout 100ms
    client -c 2 --idle 2s --json "$WORK/cut.json" 2>"$WORK/cut.log" || status=$?
    expect '[ "$status" -eq 1 ]' "an idle client closed by the proxy fails (exit $status)"
    grep -Eq 'ev=conn .*end=eof result=closed behaviour=idle detail="end of file after [0-9]+ ms of --idle 2000 ms"' \
        "$WORK/cut.log"
    grep -q '"closed":2,' "$WORK/cut.json"
    grep -q '"as_planned":0,' "$WORK/cut.json"
}

test_client_no_read() {
    start_dummy b1 --close-after-lines 3
    # The server answers three lines, then closes: the way it should end.
    direct -c 2 -n 3 --no-read --json "$WORK/eof.json" --log-level info \
        2>"$WORK/client.log"
    grep -q '"requests_ok":0,' "$WORK/eof.json"
    grep -q '"as_planned":2,"requests_left":6}' "$WORK/eof.json"
    expect '[ "$(grep -c "ev=conn .*bytes_in=0 end=eof result=ok behaviour=no-read" "$WORK/client.log")" -eq 2 ]' \
        "both connections ended by the server's FIN, nothing read"
    wait_for_line "$WORK/b1.log" 'ev=close cid=2 .*lines=3 .*reason=close_after_lines' >/dev/null
    # A server that keeps the connection open: --timeout ends it.
    start_dummy b2
    direct -c 1 -n 2 --no-read --timeout 300ms --log-level info 2>"$WORK/client2.log"
    grep -q 'ev=conn .*end=closed result=ok behaviour=no-read did="wrote 2 requests, read nothing; closed after --timeout 300 ms"' \
        "$WORK/client2.log"
}

test_client_abort_up() {
    start_dummy b1
    direct -c 2 -n 3 -s 100 --abort up --json "$WORK/up.json" --log-level info \
        2>"$WORK/client.log"
    grep -q '"requests_sent":6,"requests_ok":4,' "$WORK/up.json"
    grep -q 'ev=conn .*end=abort result=ok behaviour=abort did="reset after 50 of 101 bytes of request 3"' \
        "$WORK/client.log"
    # The server answered two lines, then met the RST; the half line may
    # or may not have been read before it (an RST drops unread bytes).
    wait_for_line "$WORK/b1.log" 'ev=close cid=2 ' >/dev/null
    expect '[ "$(grep -cE "ev=close .*lines=2 bytes_in=(202|252) .*reason=peer_reset" "$WORK/b1.log")" -eq 2 ]' \
        "the server answered two lines, then saw a reset"
    # Through the proxy, the reset is passed on to the backend.
    start_proxy proxy -t 1 -b "b1=127.0.0.1:$DUMMY_PORT"
    client -c 1 -n 2 --abort up
    wait_for_line "$WORK/proxy.log" 'ev=close sid=1 .*reason=client_reset' >/dev/null
}

test_client_abort_down() {
    # A slow writer, so the reset comes while the reply is still flowing.
    start_dummy b1 --rate 400k
    direct -c 1 -n 2 -s 200k --abort down --json "$WORK/down.json" \
        --log-level info 2>"$WORK/client.log"
    grep -q '"requests_sent":2,"requests_ok":1,' "$WORK/down.json"
    grep -q 'ev=conn .*end=abort result=ok behaviour=abort did="reset after 102400 bytes of reply 2"' \
        "$WORK/client.log"
    wait_for_line "$WORK/b1.log" 'ev=close cid=1 .*lines=1 .*reason=peer_reset' >/dev/null
}

test_client_trickle() {
    local status=0 duration
    start_dummy b1 --log-level debug
    direct -c 2 -n 2 -s 10 --trickle 20ms --json "$WORK/trickle.json" \
        --log-level info 2>"$WORK/client.log"
    grep -q '"behaviour":{"name":"trickle 20ms","as_planned":2,' "$WORK/trickle.json"
    duration=$(sed -E 's/.*"duration_s":([0-9]+)\.([0-9]).*/\1\2/' "$WORK/trickle.json")
    expect '[ "$duration" -ge 4 ]' "22 bytes a 20 ms apart take 0.4 s or more: ${duration}00 ms"
    grep -q 'ev=conn .*end=- result=ok behaviour=trickle did="wrote 22 bytes, one every 20 ms"' \
        "$WORK/client.log"
    # The server read the requests a byte at a time.
    expect '[ "$(grep -c "ev=close .*lines=2 bytes_in=22 " "$WORK/b1.log")" -eq 2 ]' \
        "each connection sent 22 bytes"
    # A wrong reply to a trickling client is still a failure.
    start_dummy b2 --mode echo
    direct -c 1 -n 1 -s 10 --trickle 5ms --json "$WORK/wrong.json" \
        2>/dev/null || status=$?
    expect '[ "$status" -eq 1 ]' "a wrong reply fails the trickling client (exit $status)"
    grep -q '"noname":1,' "$WORK/wrong.json"
}

# A client that sends one byte every 100 ms must not hold up the worker
# that relays it: a fast client on the same (only) worker keeps its latency.
test_trickle_does_not_hold_up_a_fast_client() {
    local p90 i trickle_pid
    start_dummy b1
    start_proxy proxy -t 1 -b "b1=127.0.0.1:$DUMMY_PORT"
    client -c 10 -n 1 -s 20 --trickle 100ms --timeout 10s &
    trickle_pid=$!
    for ((i = 0; i < 100; i++)); do
        [ "$(grep -c 'ev=connected ' "$WORK/proxy.log")" -ge 10 ] && break
        sleep 0.05
    done
    sleep 0.3
    client -c 1 -n 50 --json "$WORK/fast.json"
    p90=$(json_ms "$WORK/fast.json" p90)
    expect '[ "$p90" -lt 100 ]' \
        "the fast client's p90 stays under the trickle interval: ${p90} ms"
    # The fast client finished while the trickling ones were still writing.
    expect 'kill -0 "$trickle_pid"' "the trickling clients were still at it"
    wait "$trickle_pid"
}
