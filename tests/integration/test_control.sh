# test_control.sh: the control socket (--control) and reload, against a
# running proxy with dummy_server backends (sourced by run.sh).
#
# The protocol is spoken by a small python3 client (ctl), the same way as
# docs/control.md shows it with socat: one line per command, each answer
# read to its empty line.

# ctl LINE...: sends each line over $CONTROL and prints each answer,
# empty line included. Exits 3 when the proxy closes before an answer.
ctl() {
    timeout 20 python3 - "$CONTROL" "$@" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.settimeout(10)
s.connect(sys.argv[1])
f = s.makefile('rb')
for line in sys.argv[2:]:
    s.sendall(line.encode('latin-1') + b'\n')
    while True:
        got = f.readline()
        if not got:
            sys.exit(3)
        sys.stdout.write(got.decode('latin-1'))
        if got == b'\n':
            break
PY
}

# control_proxy [OPTIONS...]: b1 and b2 (and b3, not given to the proxy)
# and a proxy with --control $WORK/control.sock -c $WORK/proxy.conf.
control_proxy() {
    start_dummy b1
    B1_PORT=$DUMMY_PORT
    start_dummy b2
    B2_PORT=$DUMMY_PORT
    start_dummy b3
    B3_PORT=$DUMMY_PORT
    CONTROL=$WORK/control.sock
    printf 'backend b1=127.0.0.1:%s\nbackend b2=127.0.0.1:%s\n' \
        "$B1_PORT" "$B2_PORT" >"$WORK/proxy.conf"
    start_proxy proxy -t 2 -c "$WORK/proxy.conf" --control "$CONTROL" "$@"
}

test_control_every_command() {
    local out
    control_proxy
    expect '[ "$(stat -c %a "$CONTROL")" = 600 ]' "the socket is mode 0600"
    grep -q "ev=start .* control=$CONTROL " "$WORK/proxy.log"
    out=$(ctl help)
    for cmd in "help" "show backends" "show sessions" "show info" \
               "disable NAME" "enable NAME" "drain NAME" "set weight NAME N" \
               "set maxconn NAME N" "add backend NAME HOST:PORT" \
               "remove backend NAME" "reload" "quit"; do
        expect 'grep -q "^$cmd " <<<"$out"' "help lists '$cmd'"
    done
    ctl "show backends" >"$WORK/show"
    grep -qx "name=b1 addr=127.0.0.1:$B1_PORT health=up admin=ready ejected=0 active=0 weight=1 eweight=1 maxconn=0 picks=0 failures=0 ejections=0" "$WORK/show"
    expect '[ "$(grep -c "^name=" "$WORK/show")" -eq 2 ]' "two backends"
    ctl "show info" | grep -q "^pid=$PROXY_PID .* threads=2 balance=leastconn config=$WORK/proxy.conf control=$CONTROL backends=2 "
    # disable: b1 takes no new session.
    ctl "disable b1" | grep -qx 'ok seq=[0-9]* be=b1 admin=disabled active=0'
    client -c 6 -n 1
    expect '! grep -q "ev=pick .*be=b1" "$WORK/proxy.log"' "no pick of disabled b1"
    ctl "enable b1" | grep -qx 'ok seq=[0-9]* be=b1 admin=ready active=0'
    ctl "set weight b2 3" | grep -qx 'ok seq=[0-9]* be=b2 weight=3 was=1'
    ctl "set maxconn b2 50" | grep -qx 'ok seq=[0-9]* be=b2 maxconn=50 was=0'
    ctl "add backend b3 127.0.0.1:$B3_PORT weight=2" |
        grep -qx "ok seq=[0-9]* be=b3 addr=127.0.0.1:$B3_PORT weight=2 maxconn=0"
    client -c 12 -n 1 --hold 300
    grep -q "ev=pick .*be=b3" "$WORK/proxy.log"
    # show sessions: one line per live session.
    client -c 3 -n 1 --hold 3000 &
    local held=$!
    wait_for_line "$WORK/proxy.log" 'ev=connected sid=21 ' >/dev/null
    sleep 0.2
    ctl "show sessions" >"$WORK/sessions"
    cat "$WORK/sessions"
    expect '[ "$(grep -c "^sid=[0-9]* be=b[123] worker=[01] state=relaying age_ms=[0-9]* bytes_c2b=[0-9]* bytes_b2c=[0-9]*$" "$WORK/sessions")" -eq 3 ]' \
        "show sessions lists the 3 held sessions"
    wait "$held"
    ctl "remove backend b3" | grep -qx "error: backend 'b3' is ready: disable or drain it first"
    ctl "drain b3" | grep -qx 'ok seq=[0-9]* be=b3 admin=draining active=0'
    wait_for_line "$WORK/proxy.log" 'ev=drained be=b3 ' >/dev/null
    ctl "remove backend b3" | grep -qx 'ok seq=[0-9]* be=b3'
    ctl "show backends" >"$WORK/show"
    expect '! grep -q "name=b3" "$WORK/show"' "b3 is gone"
    # Every command was logged, with its status.
    for cmd in help "show backends" "disable b1" "remove backend b3"; do
        grep -q "ev=control cmd=\"*$cmd\"* status=ok" "$WORK/proxy.log"
    done
    grep -q "ev=control cmd=\"remove backend b3\" status=error err=\"backend 'b3' is ready" "$WORK/proxy.log"
    grep -q 'ev=admin be=b1 seq=[0-9]* admin=disabled by=control' "$WORK/proxy.log"
    stop "$PROXY_PID"
    expect '[ ! -e "$CONTROL" ]' "the socket file is removed at the stop"
}

test_control_bad_lines() {
    local long
    control_proxy
    long=$(printf 'x%.0s' $(seq 1 1100))
    ctl "bogus" "show backends" "set weight b1 0" "$long" "drain nope" \
        "show info" "quit" >"$WORK/answers"
    cat "$WORK/answers"
    grep -qx "error: unknown command 'bogus' (help lists the commands)" "$WORK/answers"
    grep -qx "error: weight '0': must be a whole number from 1 to 256" "$WORK/answers"
    grep -qx "error: line longer than 1024 bytes" "$WORK/answers"
    grep -qx "error: no backend 'nope' (show backends lists them)" "$WORK/answers"
    # The connection goes on after each error; quit ends it.
    expect '[ "$(grep -c "^name=b" "$WORK/answers")" -eq 2 ]' "show backends after an error"
    grep -q "^pid=$PROXY_PID " "$WORK/answers"
    grep -q 'ev=control cmd=bogus status=error err="unknown command' "$WORK/proxy.log"
    # A control byte is escaped in the log and the answer.
    ctl $'drain \x1b[31m' | grep -qxF "error: no backend '\\x1b[31m' (show backends lists them)"
    grep -qF 'ev=control cmd="drain \\x1b[31m" status=error' "$WORK/proxy.log"
    expect '! grep -q $'"'"'\x1b'"'"' "$WORK/proxy.log"' "no raw ESC in the log"
    kill -0 "$PROXY_PID"
}

# Sixteen silent clients hold every slot: a newcomer still gets its answer,
# the client silent the longest giving way.
test_control_silent_clients() {
    control_proxy
    timeout 20 python3 - "$CONTROL" <<'PY'
import socket, sys, time
silent = []
for i in range(20):
    s = socket.socket(socket.AF_UNIX)
    s.connect(sys.argv[1])
    silent.append(s)
    time.sleep(0.01)
s = socket.socket(socket.AF_UNIX)
s.settimeout(5)
s.connect(sys.argv[1])
s.sendall(b'show info\n')
answer = s.recv(4096)
assert answer.startswith(b'pid='), answer
PY
    grep -q 'ev=control_evicted' "$WORK/proxy.log"
}

# A reload that adds b3 and drops b2 while 200 clients come and go: no
# client fails, b2 drains and is removed, b3 serves.
test_control_reload_under_load() {
    control_proxy --health-interval 200
    client -c 200 -n 20 --ramp 3000 --hold 200 >"$WORK/clients" 2>&1 &
    local clients=$!
    wait_for_line "$WORK/proxy.log" 'ev=connected sid=40 ' >/dev/null
    # threads: the command line's -t 2 wins, as at start; balance cannot
    # change while running.
    printf 'backend b1=127.0.0.1:%s\nbackend b3=127.0.0.1:%s,weight=2\nidle-timeout 30s\nthreads 4\nbalance random\n' \
        "$B1_PORT" "$B3_PORT" >"$WORK/proxy.conf"
    ctl reload | grep -qx 'ok added=1 removed=1 changed=0 fixed=1'
    grep -q 'ev=reload_fixed option=balance' "$WORK/proxy.log"
    expect '! grep -q "ev=reload_fixed option=threads" "$WORK/proxy.log"' \
        "-t on the command line wins over the file's threads"
    grep -q "ev=reload status=ok source=control file=$WORK/proxy.conf added=1 removed=1 changed=0 fixed=1" "$WORK/proxy.log"
    wait "$clients"
    cat "$WORK/clients"
    wait_for_line "$WORK/proxy.log" 'ev=backend_removed be=b2 .*by=reload' 10 >/dev/null
    grep -q 'ev=admin be=b2 seq=[0-9]* admin=draining by=reload' "$WORK/proxy.log"
    expect '! grep -q "ev=pick .*be=b2 .*" <(sed -n "/ev=admin be=b2 .*draining/,\$p" "$WORK/proxy.log")' \
        "no pick of b2 once it drains"
    grep -q "ev=pick .*be=b3" "$WORK/proxy.log"
    # SIGHUP reloads too: b2 comes back (a new slot, the same name).
    printf 'backend b1=127.0.0.1:%s\nbackend b2=127.0.0.1:%s\n' \
        "$B1_PORT" "$B2_PORT" >"$WORK/proxy.conf"
    kill -HUP "$PROXY_PID"
    wait_for_line "$WORK/proxy.log" 'ev=reload status=ok source=signal .* added=1 removed=1' >/dev/null
    grep -q 'ev=signal sig=HUP action=reload' "$WORK/proxy.log"
    wait_for_line "$WORK/proxy.log" 'ev=backend_removed be=b3 .*by=reload' 10 >/dev/null
    client -c 20 -n 2
    stop "$PROXY_PID"
}

# A file that does not parse: the answer and the log say where, and
# nothing changes.
test_control_invalid_reload() {
    control_proxy
    ctl "show backends" >"$WORK/before"
    printf 'backend b1=127.0.0.1:%s\nbackend b3=127.0.0.1:%s\nrise often\n' \
        "$B1_PORT" "$B3_PORT" >"$WORK/proxy.conf"
    ctl reload | grep -qx "error: $WORK/proxy.conf:3: rise 'often': must be a whole number from 1 to 100"
    grep -q "ev=reload status=failed source=control file=$WORK/proxy.conf err=\"$WORK/proxy.conf:3: rise 'often'" "$WORK/proxy.log"
    ctl "show backends" >"$WORK/after"
    diff "$WORK/before" "$WORK/after"
    kill -HUP "$PROXY_PID"
    wait_for_line "$WORK/proxy.log" "ev=reload status=failed source=signal file=$WORK/proxy.conf err=\"$WORK/proxy.conf:3:" >/dev/null
    client -c 10 -n 2
}

test_control_reload_without_file() {
    two_backends
    CONTROL=$WORK/control.sock
    proxy_over_two --control "$CONTROL"
    ctl reload | grep -qx 'error: no config file to reload'
    grep -q 'ev=reload status=failed source=control err="no config file to reload"' "$WORK/proxy.log"
}

# What is at PATH decides: a stale socket is replaced, a file or a live
# socket is an error (exit 1, the reason logged).
test_control_path_in_use() {
    local status=0
    two_backends
    CONTROL=$WORK/control.sock
    echo data >"$CONTROL"
    "$BIN_DIR/proxy_server" -l 127.0.0.1:0 -b "127.0.0.1:$B1_PORT" \
        --control "$CONTROL" 2>"$WORK/err" || status=$?
    expect '[ "$status" -eq 1 ]' "a regular file at the path: exit 1, got $status"
    grep -q "ev=error op=listen what=control addr=$CONTROL err=EEXIST" "$WORK/err"
    grep -qx data "$CONTROL"
    rm "$CONTROL"
    python3 -c 'import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$CONTROL"
    proxy_over_two --control "$CONTROL"
    ctl "show info" | grep -q "^pid=$PROXY_PID "
    status=0
    "$BIN_DIR/proxy_server" -l 127.0.0.1:0 -b "127.0.0.1:$B1_PORT" \
        --control "$CONTROL" 2>"$WORK/err2" || status=$?
    expect '[ "$status" -eq 1 ]' "a live socket at the path: exit 1, got $status"
    grep -q "err=EADDRINUSE" "$WORK/err2"
    ctl "show info" | grep -q "^pid=$PROXY_PID "
    status=0
    "$BIN_DIR/proxy_server" --control "" 2>"$WORK/err3" || status=$?
    expect '[ "$status" -eq 2 ]' "an empty path: exit 2, got $status"
}

# A reloaded idle timeout holds for the sessions that start after it.
test_control_reload_idle_timeout() {
    control_proxy
    printf 'backend b1=127.0.0.1:%s\nbackend b2=127.0.0.1:%s\nidle-timeout 300ms\n' \
        "$B1_PORT" "$B2_PORT" >"$WORK/proxy.conf"
    ctl reload | grep -qx 'ok added=0 removed=0 changed=0 fixed=0'
    exec 3<>"/dev/tcp/127.0.0.1/$PROXY_PORT"
    wait_for_line "$WORK/proxy.log" \
        'ev=close sid=1 .*reason=idle_timeout' 3 >/dev/null
    exec 3<&-
}

# After SIGTERM the control socket answers through the grace period: the
# held session shows in show sessions, and a worker that has ended
# already answers with none; the socket goes when the proxy exits.
test_control_answers_while_draining() {
    local client_pid i
    control_proxy --grace 5000
    "$BIN_DIR/simulate_client" --port "$PROXY_PORT" -q -c 1 -n 1 \
        --hold 1500 &
    client_pid=$!
    PIDS+=("$client_pid")
    wait_for_line "$WORK/proxy.log" 'ev=connected' >/dev/null
    kill -TERM "$PROXY_PID"
    wait_for_line "$WORK/proxy.log" 'ev=stopping signal=TERM' >/dev/null
    ctl "show sessions" >"$WORK/draining"
    expect 'grep -q "^sid=1 be=b[12] worker=[01] state=relaying " "$WORK/draining"' \
        "the held session is listed while draining: $(cat "$WORK/draining")"
    wait "$client_pid"
    wait "$PROXY_PID"
    expect '[ ! -e "$CONTROL" ]' "the socket is removed once the proxy exits"
}
