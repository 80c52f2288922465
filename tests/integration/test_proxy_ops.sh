# test_proxy_ops.sh: the proxy's operations: descriptor limits, signals,
# the stats port (sourced by run.sh).

# fd_proxy LIMIT [OPTIONS...]: starts proxy_server over b1 and b2 under
# ulimit -n LIMIT (soft and hard); sets PROXY_PORT and PROXY_PID.
fd_proxy() {
    local limit=$1 line
    shift
    # Emptied here, not by the background shell: a second proxy must not
    # be taken for ready on the first one's start line.
    : >"$WORK/proxy.log"
    ( ulimit -n "$limit" && exec "$BIN_DIR/proxy_server" -l 127.0.0.1:0 \
        -b "b1=127.0.0.1:$B1_PORT" -b "b2=127.0.0.1:$B2_PORT" "$@" ) \
        2>"$WORK/proxy.log" &
    PROXY_PID=$!
    PIDS+=("$PROXY_PID")
    line=$(wait_for_line "$WORK/proxy.log" 'ev=start')
    PROXY_PORT=$(port_of "$line" listen)
}

# log_value KEY LINE: the value of KEY in a logfmt line.
log_value() {
    sed -E "s/.* $1=([^ ]*).*/\1/" <<<"$2"
}

# peak_active: the most sessions active at once, from the counts in the
# pick lines (each pick sees the others' sessions, plus its own).
peak_active() {
    grep -o 'cand="[^"]*"' "$WORK/proxy.log" | tr -d '"' | sed 's/cand=//' |
        awk '{ s = 1; for (i = 1; i <= NF; i++) { split($i, a, /[:\/]/);
               s += a[2] } if (s > m) m = s } END { print m + 0 }'
}

# With ulimit -n 256, 2,000 clients at once: the proxy takes as many as
# the descriptors hold, the others wait in the listen queue, and every one
# is served; nobody is accepted and then closed for want of a descriptor.
test_fd_limit_clients_wait() {
    local line fixed fit nofile i
    two_backends
    fd_proxy 256 -t 2
    client -c 2000 -n 1 --hold 200 --timeout 30000
    line=$(wait_for_line "$WORK/proxy.log" 'ev=fd_limit')
    fixed=$(log_value fixed "$line")
    fit=$(log_value fit "$line")
    nofile=$(log_value nofile "$line")
    expect '[ "$fit" -eq $(((nofile - fixed) / 2)) ]' \
        "fit=(nofile-fixed)/2: $line"
    # 256, less the descriptors valgrind keeps for itself when it runs us.
    expect '[ "$nofile" -le 256 ] && [ "$nofile" -ge 240 ]' \
        "nofile=256: $line"
    wait_for_line "$WORK/proxy.log" 'ev=close sid=2000 ' >/dev/null
    for ((i = 0; i < 100; i++)); do
        [ "$(grep -c 'ev=close ' "$WORK/proxy.log")" -ge 2000 ] && break
        sleep 0.05
    done
    expect '[ "$(grep -c "ev=close .*reason=done" "$WORK/proxy.log")" -eq 2000 ]' \
        "2000 sessions done"
    expect '! grep -qE "ev=(accept_fail|connect_fail)" "$WORK/proxy.log"' \
        "no client refused for want of descriptors"
    expect '[ "$(peak_active)" -le "$fit" ]' \
        "at most fit=$fit sessions at once, saw $(peak_active)"
}

# Threads that leave no room for sessions are reported at start, and the
# proxy still serves, a few at a time. Under a generous limit: no warning.
test_fd_limit_warns_at_start() {
    local line
    two_backends
    fd_proxy 256 -t 100
    line=$(wait_for_line "$WORK/proxy.log" 'lvl=warn .*ev=fd_limit')
    expect '[ "$(log_value threads "$line")" -eq 100 ]' "threads=100: $line"
    expect '[ "$(log_value fit "$line")" -lt 100 ]' "fewer than 100 fit: $line"
    client -c 50 -n 1 --hold 100 --timeout 20000
    stop "$PROXY_PID"
    fd_proxy 20000 -t 2 --maxconn 100
    client -c 5 -n 1
    expect '! grep -q "ev=fd_limit" "$WORK/proxy.log"' \
        "no warning when the sessions fit"
}

# The limit lowered under a running proxy (prlimit): accept4 runs out of
# descriptors. The acceptors pause, clients wait and are all served; one
# accept_paused and one accept_resumed line per episode, none per client;
# the worker sleeps meanwhile.
test_descriptors_run_out_at_run_time() {
    local open paused resumed before after
    two_backends --latency 5
    start_proxy proxy -t 1 -b "b1=127.0.0.1:$B1_PORT" -b "b2=127.0.0.1:$B2_PORT"
    open=$(ls "/proc/$PROXY_PID/fd" | wc -l)
    # Room for 4 sessions.
    prlimit --pid "$PROXY_PID" --nofile=$((open + 8)):
    client -c 60 -n 1 --hold 300 --timeout 30000 &
    local client_pid=$!
    wait_for_line "$WORK/proxy.log" 'ev=accept_paused err=EMFILE' >/dev/null
    before=$(cpu_ticks "$PROXY_PID")
    sleep 1
    after=$(cpu_ticks "$PROXY_PID")
    expect '[ $((after - before)) -lt 30 ]' \
        "no busy loop while out of descriptors: $((after - before)) ticks in 1s"
    wait "$client_pid"
    paused=$(grep -c 'ev=accept_paused' "$WORK/proxy.log")
    resumed=$(grep -c 'ev=accept_resumed n=[1-9]' "$WORK/proxy.log")
    expect '[ "$resumed" -eq "$paused" ]' \
        "each episode ends with accept_resumed n>0: $paused paused, $resumed resumed"
    expect '[ "$paused" -lt 30 ]' "one line per episode, not per client: $paused"
    expect '! grep -qE "ev=accept_fail|reason=no_resources" "$WORK/proxy.log"' \
        "no client accepted and then closed"
    expect '[ "$(grep -c "ev=close .*reason=done" "$WORK/proxy.log")" -eq 60 ]' \
        "all 60 clients served"
}

# Each signal that a user may send by mistake, during a burst: the proxy
# and the backends log it and keep serving (the proxy's SIGHUP is a reload,
# which fails without a config file); SIGTERM still stops cleanly.
test_stray_signals_are_ignored() {
    local sig status=0 pid
    two_backends --latency 20
    proxy_over_two
    client -c 20 -n 20 &
    local client_pid=$!
    wait_for_line "$WORK/proxy.log" 'ev=connected' >/dev/null
    for sig in HUP USR2 ALRM USR1; do
        for pid in "$PROXY_PID" "$B1_PID"; do
            kill -"$sig" "$pid"
        done
    done
    wait "$client_pid"
    for sig in HUP USR2 ALRM; do
        grep -q "ev=signal sig=$sig action=ignored" "$WORK/b1.log"
    done
    for sig in USR2 ALRM; do
        grep -q "ev=signal sig=$sig action=ignored" "$WORK/proxy.log"
    done
    grep -q "ev=signal sig=HUP action=reload" "$WORK/proxy.log"
    grep -q 'ev=reload status=failed source=signal err="no config file to reload"' \
        "$WORK/proxy.log"
    grep -q "ev=signal sig=USR1 action=stats" "$WORK/proxy.log"
    grep -q "ev=signal sig=USR1 action=ignored" "$WORK/b1.log"
    stop "$PROXY_PID" || status=$?
    expect '[ "$status" -eq 0 ]' "proxy exit 0 after SIGTERM, got $status"
    stop "$B1_PID" || status=$?
    expect '[ "$status" -eq 0 ]' "dummy_server exit 0 after SIGTERM, got $status"
    grep -q 'ev=signal sig=TERM$' "$WORK/b1.log"
}

# stats_port: the stats port of the proxy (from its start line).
stats_port() {
    port_of "$(grep -m1 'ev=start' "$WORK/proxy.log")" stats
}

# stats_ask REQUEST: sends REQUEST (printf format) to the stats port, reads
# the answer to its end; fails if the connection is reset.
stats_ask() {
    exec 3<>"/dev/tcp/127.0.0.1/$(stats_port)"
    printf "$1" >&3
    # Reading late lets a reset, if one comes, arrive before the answer
    # is read: the answer is then lost.
    sleep 0.05
    timeout 5 cat <&3
    exec 3<&-
}

test_stats_http() {
    two_backends
    proxy_over_two --stats 127.0.0.1:0
    client -c 3 -n 1
    stats_ask 'GET / HTTP/1.1\r\nHost: x\r\nUser-Agent: test\r\n\r\n' \
        >"$WORK/table"
    tr -d '\r' <"$WORK/table" >"$WORK/table.lf"
    head -1 "$WORK/table.lf" | grep -qx 'HTTP/1.0 200 OK'
    grep -qx 'Content-Type: text/plain; charset=utf-8' "$WORK/table.lf"
    expect '[ "$(sed -n "s/^Content-Length: //p" "$WORK/table.lf")" -eq \
              "$(sed "1,/^$/d" "$WORK/table.lf" | wc -c)" ]' \
        "Content-Length is the body's length"
    grep -q "^name=b1 addr=127.0.0.1:$B1_PORT state=up active=0" "$WORK/table.lf"
    grep -q "^total accepted=3 live=0 accept_pauses=0 log_dropped=0$" \
        "$WORK/table.lf"
    stats_ask 'GET /metrics HTTP/1.0\r\n\r\n' | tr -d '\r' | sed '1,/^$/d' \
        >"$WORK/metrics"
    cat "$WORK/metrics"
    # Valid exposition: every sample's metric was declared by a # TYPE
    # line, every line is a comment or "name{labels} value".
    awk '/^# TYPE / { typed[$3] = 1; next }
         /^# HELP / { next }
         /^[a-z_]+(\{[a-z]+="[^"]*"\})? [0-9]+$/ {
             name = $1; sub(/\{.*/, "", name)
             if (!(name in typed)) { print "untyped: " $0; bad = 1 }
             next }
         { print "bad line: " $0; bad = 1 }
         END { exit bad }' "$WORK/metrics"
    grep -qx 'proxylab_backend_active{backend="b1"} 0' "$WORK/metrics"
    grep -qx 'proxylab_sessions_accepted_total 3' "$WORK/metrics"
    expect '[ "$(grep "^proxylab_backend_picks_total" "$WORK/metrics" |
                 awk "{ s += \$2 } END { print s }")" -eq 3 ]' "3 picks in all"
    stats_ask 'GET /nothing HTTP/1.0\r\n\r\n' | head -1 | grep -q '404 Not Found'
}

# Plain clients: one that sends a line and one that sends nothing both get
# the table, every time, without a reset.
test_stats_plain_clients() {
    local i
    two_backends
    proxy_over_two --stats 127.0.0.1:0
    for ((i = 0; i < 20; i++)); do
        stats_ask '\n' >"$WORK/table"
        grep -q '^name=b2 ' "$WORK/table" ||
            { echo "answer $i: $(cat "$WORK/table")"; return 1; }
    done
    stats_ask '' | grep -q '^name=b1 '
    stats_ask 'hello stats\n' | grep -q '^total accepted=0 '
}

# Stats clients that never finish a request nor read their answer hold
# only their own slot: other stats clients, signals and traffic go on.
test_stats_client_cannot_stall_the_proxy() {
    local i start
    two_backends
    proxy_over_two --stats 127.0.0.1:0
    # Five times as many idle clients as slots: half silent, half with a
    # request they never finish. Each newcomer finishes the oldest.
    for ((i = 10; i < 50; i++)); do
        eval "exec $i<>/dev/tcp/127.0.0.1/$(stats_port)"
        ((i % 2)) && printf 'GET /metrics HTT' >&"$i"
    done
    start=$(date +%s%N)
    stats_ask 'GET / HTTP/1.0\r\n\r\n' | grep -q '^name=b1 '
    expect '[ $(( ($(date +%s%N) - start) / 1000000 )) -lt 1000 ]' \
        "stats answered within 1 s beside 40 idle clients"
    client -c 10 -n 5
    kill -USR1 "$PROXY_PID"
    wait_for_line "$WORK/proxy.log" 'ev=stats name=b2' >/dev/null
    for ((i = 10; i < 50; i++)); do
        eval "exec $i<&-"
    done
}
