# test_log.sh: a log whose reader stops reading (sourced by run.sh).
#
# Each program's stderr goes into a pipe read by stalled_reader, which
# copies lines to a file until the program's ready line, then stops itself
# (SIGSTOP) without reading more: the pipe fills, as it does behind a
# terminal that is scrolled back or a log shipper that hangs.

# stalled_reader OUT READY: copies stdin to OUT up to the first line that
# matches READY, writes its pid to OUT.reader, stops, and once continued
# copies the rest.
stalled_reader() {
    local line
    while IFS= read -r line; do
        printf '%s\n' "$line" >>"$1"
        [[ $line =~ $2 ]] && break
    done
    echo "$BASHPID" >"$1.reader"
    kill -STOP "$BASHPID"
    cat >>"$1"
}

# stalled PROGRAM LOGNAME READY ARGS...: starts PROGRAM with its stderr
# into a stalled_reader; sets STARTED_PID, READER_PID and READY_LINE.
stalled() {
    local program=$1 log=$WORK/$2.log ready=$3 i
    shift 3
    "$BIN_DIR/$program" "$@" 2> >(stalled_reader "$log" "$ready") &
    STARTED_PID=$!
    PIDS+=("$STARTED_PID")
    READY_LINE=$(wait_for_line "$log" "$ready") || return 1
    for ((i = 0; i < 250; i++)); do
        [ -s "$log.reader" ] && break
        sleep 0.02
    done
    READER_PID=$(cat "$log.reader")
    # The reader resumes at the end of the test, whatever happens.
    PIDS+=("$READER_PID")
}

# start_proxy_stalled [OPTIONS...]: start_proxy behind a stalled reader.
start_proxy_stalled() {
    stalled proxy_server proxy 'ev=start' -l 127.0.0.1:0 "$@"
    PROXY_PID=$STARTED_PID
    PROXY_PORT=$(port_of "$READY_LINE" listen)
}

test_stalled_log_does_not_stop_traffic() {
    local start status=0 elapsed
    two_backends
    start_proxy_stalled -t 2 -b "b1=127.0.0.1:$B1_PORT" \
        -b "b2=127.0.0.1:$B2_PORT" --log-level debug --health-interval 0
    # Several thousand debug lines: far more than the pipe holds, and more
    # than the proxy's own ring, so lines are dropped.
    start=$(date +%s%N)
    client -c 20 -n 2 --duration 2s --timeout 2000 || status=$?
    elapsed=$((($(date +%s%N) - start) / 1000000))
    expect '[ "$status" -eq 0 ]' "every client served while the log stalls"
    expect '[ "$elapsed" -lt 6000 ]' "the burst took ${elapsed} ms"
    # SIGTERM is honoured with the reader still stalled.
    start=$(date +%s%N)
    kill -TERM "$PROXY_PID"
    status=0
    wait "$PROXY_PID" || status=$?
    elapsed=$((($(date +%s%N) - start) / 1000000))
    expect '[ "$status" -eq 0 ]' "clean exit, got $status"
    expect '[ "$elapsed" -lt 4000 ]' "stopped in ${elapsed} ms"
    kill -CONT "$READER_PID"
}

test_dropped_log_lines_are_reported() {
    local dropped counted
    two_backends
    # The smallest ring: lines are dropped however slow the proxy runs.
    start_proxy_stalled -t 2 -b "b1=127.0.0.1:$B1_PORT" \
        -b "b2=127.0.0.1:$B2_PORT" --log-level debug --health-interval 0 \
        --stats 127.0.0.1:0 --log-buffer 64k
    client -c 20 -n 2 --duration 2s --timeout 2000
    # The reader reads again: the proxy says how many lines it lost.
    kill -CONT "$READER_PID"
    wait_for_line "$WORK/proxy.log" 'ev=log_dropped n=[1-9]' 10
    dropped=$(grep -o 'ev=log_dropped n=[0-9]*' "$WORK/proxy.log" |
              awk -F= '{ s += $3 } END { print s + 0 }')
    expect '[ "$dropped" -gt 0 ]' "lines dropped: $dropped"
    # The stats port counts the same lines as the log reports.
    counted=$(stats_table | sed -n 's/.* log_dropped=\([0-9]*\).*/\1/p')
    expect '[ "$counted" = "$dropped" ]' \
        "stats log_dropped=$counted, the log's lines say $dropped"
    stop "$PROXY_PID"
    grep -q 'ev=stop status=clean' "$WORK/proxy.log"
}

test_backend_with_stalled_log_keeps_serving() {
    local status=0
    stalled dummy_server b1 'ev=listen' 0 --name b1 --log-level debug
    # No proxy: the client talks to the backend itself.
    PROXY_PORT=$(port_of "$READY_LINE" addr)
    client -c 20 -n 5 --duration 2s --timeout 2000 || status=$?
    expect '[ "$status" -eq 0 ]' "every client served while the log stalls"
    status=0
    timeout 4 bash -c "kill -TERM $STARTED_PID; while kill -0 $STARTED_PID; do sleep 0.05; done" 2>/dev/null || status=$?
    expect '[ "$status" -eq 0 ]' "the backend stopped on SIGTERM"
    kill -CONT "$READER_PID"
}

# A backend told to crash writes its fault line before it dies: the
# harness dates the crash by it. The line goes through the log ring, so
# the crash waits (a bounded time) for the ring to be written out.
test_crash_line_reaches_the_log() {
    local i line
    for ((i = 0; i < 10; i++)); do
        start_dummy "c$i" --crash-after-conns 0
        exec 3<>"/dev/tcp/127.0.0.1/$DUMMY_PORT"
        wait "$DUMMY_PID" 2>/dev/null || true
        exec 3<&-
        line=$(grep -c 'ev=fault kind=crash trigger=conns' "$WORK/c$i.log" || true)
        expect '[ "$line" -eq 1 ]' "run $i: the crash line is in the log"
    done
}

# --log-flush: after the log thread has caught up, info lines wait up to
# the flush time; a warn line goes out at once, with what was held.
test_log_flush_holds_info_lines() {
    local sid
    two_backends
    proxy_over_two --log-flush 3s --health-interval 0
    # The start-up lines were written a moment ago: info lines now wait.
    client -c 1 -n 1
    expect '! grep -q "ev=close" "$WORK/proxy.log"' \
        "a session's info lines are held: $(tail -3 "$WORK/proxy.log")"
    wait_for_line "$WORK/proxy.log" 'ev=close' 5 >/dev/null
    # With both backends gone the next client's connect fails: a warn
    # line, at once.
    kill -KILL "$B1_PID" "$DUMMY_PID"
    wait "$B1_PID" "$DUMMY_PID" 2>/dev/null || true
    client -c 1 -n 1 || true
    expect 'wait_for_line "$WORK/proxy.log" "ev=connect_fail" 1 >/dev/null' \
        "the warn line is not held"
    sid=$(grep -m1 'ev=connect_fail' "$WORK/proxy.log" | sed -E 's/.* sid=([0-9]+).*/\1/')
    expect 'grep -q "ev=pick sid=$sid " "$WORK/proxy.log"' \
        "the info lines before it come with it"
    stop "$PROXY_PID"
    expect 'grep -q "ev=close sid=$sid " "$WORK/proxy.log"' \
        "a stop writes out what is held"
}
