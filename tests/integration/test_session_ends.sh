# test_session_ends.sh: how a session's end reaches the other side, and
# what an early end says about the backend (sourced by run.sh).

# upload_then_reset LOG: connects to the proxy, uploads 256 KiB with no
# newline (a dummy_server answers nothing to it), waits until LOG shows
# the session connected to its backend, then closes with an RST.
upload_then_reset() {
    python3 - "$PROXY_PORT" "$1" <<'EOF'
import socket, struct, sys, time

port, log = int(sys.argv[1]), sys.argv[2]
s = socket.create_connection(("127.0.0.1", port), timeout=5)
s.sendall(b"x" * 262144)
for _ in range(250):
    with open(log) as f:
        if "ev=connected sid=1 " in f.read():
            break
    time.sleep(0.02)
else:
    sys.exit("the proxy never connected session 1")
s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
s.close()
EOF
}

# A client that uploads and then resets: the backend must see the reset
# (dummy_server: reason=peer_reset), not a FIN (reason=eof) that would
# make the cut upload look complete.
test_client_reset_reaches_the_backend() {
    local line
    start_dummy b1
    start_proxy proxy -t 1 -b "b1=127.0.0.1:$DUMMY_PORT"
    upload_then_reset "$WORK/proxy.log"
    line=$(wait_for_line "$WORK/b1.log" 'ev=close cid=1 ')
    expect '[[ "$line" == *" reason=peer_reset"* ]]' \
        "the backend saw the client's reset, got: $line"
    line=$(wait_for_line "$WORK/proxy.log" 'ev=close sid=1 ')
    expect '[[ "$line" == *" reason=client_reset rst=backend"* ]]' \
        "the proxy reset the backend side, got: $line"
}

# A backend that accepts and closes at once, next to a healthy one: least
# connections would send it most of the traffic. Every session it closes
# without a byte after the client sent one counts as its failure, is
# logged, and does not take it down; a client that sent nothing is not
# held against it.
test_refusing_backend_counts_failures() {
    local table failures
    start_dummy b1 --refuse
    B1_PORT=$DUMMY_PORT
    start_dummy b2 --latency 20
    B2_PORT=$DUMMY_PORT
    proxy_over_two --stats 127.0.0.1:0
    # A silent client on b1 (the first pick): the backend's FIN comes back.
    exec 3<>"/dev/tcp/127.0.0.1/$PROXY_PORT"
    timeout 5 cat <&3 >/dev/null
    exec 3<&-
    wait_for_line "$WORK/proxy.log" 'ev=close sid=1 .*be=b1' >/dev/null
    client -c 20 -n 1 >/dev/null 2>&1 || true
    wait_for_line "$WORK/proxy.log" 'ev=backend_early_close .*be=b1' >/dev/null
    expect '! grep -q "ev=backend_early_close sid=1 " "$WORK/proxy.log"' \
        "session 1 sent nothing, so its backend is not blamed"
    expect '! grep -q "ev=backend_early_close .*be=b2" "$WORK/proxy.log"' \
        "the healthy backend is never blamed"
    table=$(stats_table)
    failures=$(sed -nE 's/^name=b1 .* state=up .* failures=([0-9]+).*/\1/p' <<<"$table")
    expect '[ "${failures:-0}" -gt 0 ]' "b1 is up with failures > 0, got: $table"
    expect '[[ "$table" == *"name=b2 "*" failures=0"* ]]' \
        "b2 has no failure, got: $table"
}
