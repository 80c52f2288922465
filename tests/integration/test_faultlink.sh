# test_faultlink.sh: fault_link used by hand, as a person at a terminal
# would: a dummy_server behind it, simulate_client in front, faults given
# at start or typed into its stdin (here a FIFO) while it runs. Sourced by
# run.sh (helpers in lib.sh).

# start_link NAME [OPTIONS...]: starts fault_link on a free port in front
# of $DUMMY_PORT, its stdin a FIFO held open on descriptor 7; sets
# LINK_PORT and LINK_PID. Its log is $WORK/NAME.log, its replies
# $WORK/NAME.out.
start_link() {
    local name=$1 line
    shift
    [ -x "$BIN_DIR/fault_link" ] || { echo "no $BIN_DIR/fault_link" >&2; return 1; }
    rm -f "$WORK/$name.ctl"
    mkfifo "$WORK/$name.ctl"
    "$BIN_DIR/fault_link" --listen 0 --to "127.0.0.1:$DUMMY_PORT" "$@" \
        <"$WORK/$name.ctl" >"$WORK/$name.out" 2>"$WORK/$name.log" &
    LINK_PID=$!
    PIDS+=("$LINK_PID")
    exec 7>"$WORK/$name.ctl"
    line=$(wait_for_line "$WORK/$name.log" 'ev=listen') || return 1
    LINK_PORT=$(port_of "$line" addr)
}

# say NAME COMMAND: types COMMAND into link NAME and prints its reply (the
# reply count grows by one per command).
say() {
    local before
    before=$(wc -l <"$WORK/$1.out")
    echo "$2" >&7
    for _ in $(seq 250); do
        [ "$(wc -l <"$WORK/$1.out")" -gt "$before" ] && break
        sleep 0.02
    done
    tail -n 1 "$WORK/$1.out"
}

# through [OPTIONS...]: simulate_client through the link, quiet, bounded.
through() {
    timeout 60 "$BIN_DIR/simulate_client" --port "$LINK_PORT" -q "$@"
}

# ms_of COMMAND...: runs it; prints how many milliseconds it took.
ms_of() {
    local start
    start=$(date +%s%N)
    "$@" >/dev/null || true
    echo $((($(date +%s%N) - start) / 1000000))
}

test_link_relays_without_faults() {
    start_dummy b1
    start_link link
    through -c 10 -n 20 -s 1k --json "$WORK/r.json"
    grep -q '"requests_ok":200,' "$WORK/r.json"
    for _ in $(seq 100); do
        [ "$(grep -c 'reason=done' "$WORK/link.log")" -ge 10 ] && break
        sleep 0.05
    done
    expect '[ "$(grep -c "ev=conn id=" "$WORK/link.log")" -eq 10 ]' "10 connections"
    expect '[ "$(grep -c "ev=close .*bytes_up=20500 bytes_down=20560 reason=done" \
        "$WORK/link.log")" -eq 10 ]' "10 exact closes: $(grep ev=close "$WORK/link.log" | head -3)"
    expect '! grep -q fault_applied "$WORK/link.log"' "no fault applied"
    # Each onward address is a peer the backend accepted.
    local onward peers
    onward=$(sed -n 's/.*ev=onward id=[0-9]* local=\([^ ]*\).*/\1/p' "$WORK/link.log" | sort)
    peers=$(sed -n 's/.*ev=accept .*peer=\([^ ]*\).*/\1/p' "$WORK/b1.log" | sort)
    expect '[ -n "$onward" ] && [ "$onward" = "$peers" ]' \
        "onward addresses are the backend's peers: [$onward] [$peers]"
    exec 7>&-
    stop "$LINK_PID"
    grep -q 'ev=stop conns=10' "$WORK/link.log"
}

test_link_latency_added_and_removed_by_hand() {
    local slow fast
    start_dummy b1
    start_link link --latency 100ms
    grep -q 'ev=fault_on kind=latency dir=up toxicity=1 latency=100ms jitter=0ms' \
        "$WORK/link.log"
    # 5 requests, one after the other, 100 ms each way: 1 s at least.
    slow=$(ms_of through -c 1 -n 5)
    expect '[ "$slow" -ge 1000 ]' "5 round trips with 2 x 100 ms took $slow ms"
    grep -q 'ev=fault_applied id=1 kind=latency dir=down' "$WORK/link.log"
    expect '[ "$(say link "remove latency")" = "ok removed 2" ]' "removed"
    fast=$(ms_of through -c 1 -n 5)
    # 1 s of latency less (what starting the client costs is in both).
    expect '[ "$fast" -lt $((slow - 700)) ]' \
        "without latency took $fast ms, with it $slow ms"
    grep -q 'ev=fault_off kind=latency dir=down' "$WORK/link.log"
}

test_link_control_by_hand() {
    start_dummy b1
    start_link link
    expect '[ "$(say link "add bandwidth rate=64k direction=down toxicity=0.5")" = \
        "ok added bandwidth direction=down toxicity=0.5 rate=64k" ]' "add"
    expect '[ "$(say link "list")" = \
        "ok bandwidth direction=down toxicity=0.5 rate=64k" ]' "list"
    expect '[ "$(say link "add bandwidth rate=fast")" = "error: bandwidth: rate '"'fast'"': must be a size from 1 to 1G bytes, like 512, 4k or 1M" ]' "bad value"
    expect '[ "$(say link "launch")" = "error: unknown command '"'launch'"' (add, remove, list, help)" ]' "bad command"
    say link "help" | grep -q '^ok commands: add KIND'
    # A NUL byte would cut the command short unseen: the line is refused.
    # (printf writes it: a shell variable cannot hold one.)
    local before
    before=$(wc -l <"$WORK/link.out")
    printf 'add latency latency=5\0junk\n' >&7
    for _ in $(seq 250); do
        [ "$(wc -l <"$WORK/link.out")" -gt "$before" ] && break
        sleep 0.02
    done
    expect '[ "$(tail -n 1 "$WORK/link.out")" = "error: line holds a NUL byte" ]' \
        "a NUL byte: $(tail -n 1 "$WORK/link.out")"
    expect '[ "$(say link "list")" = \
        "ok bandwidth direction=down toxicity=0.5 rate=64k" ]' "nothing added"

    expect '[ "$(say link "remove all")" = "ok removed 1" ]' "remove all"
    # End of input: no error, and the link goes on relaying.
    exec 7>&-
    wait_for_line "$WORK/link.log" 'ev=control_closed' >/dev/null
    through -c 2 -n 3
    kill -0 "$LINK_PID"
    stop "$LINK_PID"
}

test_link_reset_fails_the_client() {
    local status=0
    start_dummy b1
    start_link link --fault 'reset bytes=10 direction=down'
    through -c 1 -n 2 -s 100 --json "$WORK/r.json" || status=$?
    expect '[ "$status" -eq 1 ]' "the client fails, status $status"
    grep -q '"reset":1,' "$WORK/r.json"
    wait_for_line "$WORK/link.log" 'ev=close id=1 .*bytes_down=10 reason=reset' >/dev/null
}

test_link_syn_drop_makes_connect_time_out() {
    local status=0
    start_dummy b1
    start_link link --syn-drop
    through -c 1 -n 1 --timeout 500 --json "$WORK/r.json" || status=$?
    expect '[ "$status" -eq 1 ]' "the client fails, status $status"
    grep -q '"connect":1,' "$WORK/r.json"
    expect '! grep -q "ev=conn " "$WORK/link.log"' "nothing accepted"
    expect '[ "$(say link "remove syn-drop")" = "ok removed 1" ]' "healed"
    through -c 1 -n 1 --timeout 2000
}

test_link_same_seed_same_connections() {
    local first second
    start_dummy b1
    start_link one --seed 9 --fault 'refuse toxicity=0.5'
    through -c 1 -n 1 --duration 1 >/dev/null || true
    stop "$LINK_PID"
    first=$(grep -o 'fault_applied id=[0-9]*' "$WORK/one.log" | head -10 | tr '\n' ' ')
    start_link two --seed 9 --fault 'refuse toxicity=0.5'
    through -c 1 -n 1 --duration 1 >/dev/null || true
    stop "$LINK_PID"
    second=$(grep -o 'fault_applied id=[0-9]*' "$WORK/two.log" | head -10 | tr '\n' ' ')
    expect '[ -n "$first" ] && [ "$first" = "$second" ]' \
        "the same connections refused: '$first' and '$second'"
    # Some were let through: the draw is a chance, not all or none.
    expect '[ "$(grep -c "reason=done" "$WORK/one.log")" -gt 0 ]' "some served"
}

test_link_bad_usage() {
    local status=0
    "$BIN_DIR/fault_link" --listen 0 --to 127.0.0.1:1 --slicer 0 \
        >"$WORK/out" 2>&1 </dev/null || status=$?
    expect '[ "$status" -eq 2 ]' "exit 2, got $status"
    grep -q "^fault_link: --slicer '0': must be a size from 1 to 1G bytes" "$WORK/out"
    grep -q "^Try 'fault_link --help'." "$WORK/out"
    status=0
    "$BIN_DIR/fault_link" --listen 0 >"$WORK/out" 2>&1 </dev/null || status=$?
    expect '[ "$status" -eq 2 ]' "exit 2, got $status"
    grep -q "^fault_link: --to is required" "$WORK/out"
    "$BIN_DIR/fault_link" --help | grep -q '^Usage: fault_link --listen'
}
