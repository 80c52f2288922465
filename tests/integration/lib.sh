# lib.sh: helpers for the integration tests (sourced by run.sh).
#
# Every process is started on 127.0.0.1 with port 0, and the port it got is
# read back from its log, so tests never collide with anything else on the
# machine, nor with a second run of themselves. Every process started here is
# killed and reaped by cleanup(), which run.sh installs as an EXIT trap.

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# Where the binaries are: the repository root, or a sanitizer build's bin/.
BIN_DIR=$(cd "$ROOT" && cd "${BIN_DIR:-.}" && pwd) || exit 2
for prog in proxy_server dummy_server simulate_client harness; do
    if [ ! -x "$BIN_DIR/$prog" ]; then
        echo "$BIN_DIR/$prog is missing: run make first" >&2
        exit 2
    fi
done
WORK=$(mktemp -d "${TMPDIR:-/tmp}/proxylab-it.XXXXXX")
# Sanitizer reports of any process go to files that check() looks for.
for var in ASAN_OPTIONS UBSAN_OPTIONS TSAN_OPTIONS; do
    export "$var=${!var:+${!var}:}log_path=$WORK/sanitizer"
done
PIDS=()
PASSED=0
FAILED=0

cleanup() {
    local pid
    for pid in "${PIDS[@]}"; do
        kill -KILL "$pid" 2>/dev/null
    done
    for pid in "${PIDS[@]}"; do
        wait "$pid" 2>/dev/null
    done
    PIDS=()
    if [ -n "$KEEP_LOGS" ]; then
        echo "logs kept in $WORK"
    else
        rm -rf "$WORK"
    fi
}

# wait_for_line FILE PATTERN [SECONDS]: waits until FILE has a line matching
# PATTERN; prints that line. Fails after SECONDS (default 5).
wait_for_line() {
    local file=$1 pattern=$2 limit=${3:-5} i
    for ((i = 0; i < limit * 50; i++)); do
        if grep -m1 -E "$pattern" "$file" 2>/dev/null; then
            return 0
        fi
        sleep 0.02
    done
    echo "timed out waiting for /$pattern/ in $file" >&2
    return 1
}

# port_of LINE KEY: the port of the HOST:PORT value of KEY in a log line.
port_of() {
    sed -E "s/.* $2=[^ ]*:([0-9]+).*/\1/" <<<"$1"
}

# start_dummy NAME [OPTIONS...]: starts a dummy_server on a free port; sets
# DUMMY_PORT and DUMMY_PID. Its log is $WORK/NAME.log.
start_dummy() {
    local name=$1 line
    shift
    "$BIN_DIR/dummy_server" 0 --name "$name" "$@" 2>"$WORK/$name.log" &
    DUMMY_PID=$!
    PIDS+=("$DUMMY_PID")
    line=$(wait_for_line "$WORK/$name.log" 'ev=listen') || return 1
    DUMMY_PORT=$(port_of "$line" addr)
}

# start_proxy LOGNAME [OPTIONS...]: starts proxy_server on a free port; sets
# PROXY_PORT and PROXY_PID. Its log is $WORK/LOGNAME.log. The tests read
# the log while the proxy runs, so it writes each line as it comes
# (--log-flush 0; OPTIONS may say otherwise, the last one wins).
start_proxy() {
    local name=$1 line
    shift
    "$BIN_DIR/proxy_server" -l 127.0.0.1:0 --log-flush 0 "$@" \
        2>"$WORK/$name.log" &
    PROXY_PID=$!
    PIDS+=("$PROXY_PID")
    line=$(wait_for_line "$WORK/$name.log" 'ev=start') || return 1
    PROXY_PORT=$(port_of "$line" listen)
}

# stop PID: SIGTERM, then wait; returns the process' exit status.
stop() {
    kill -TERM "$1" 2>/dev/null
    wait "$1"
}

# client [OPTIONS...]: simulate_client against the proxy, quiet, bounded.
client() {
    timeout 60 "$BIN_DIR/simulate_client" --port "$PROXY_PORT" -q "$@"
}

# check NAME COMMAND...: runs one test function and counts the result.
check() {
    local name=$1 status
    shift
    # A subshell outside any "if", so that set -e applies inside the test;
    # its trap kills whatever the test started, whatever way it ends.
    # Each test has a folder of its own for its logs.
    mkdir -p "$WORK/$name"
    ( set -e ${TRACE:+-x}; trap cleanup_processes EXIT; WORK=$WORK/$name; "$@" ) \
        >"$WORK/$name.out" 2>&1
    status=$?
    if compgen -G "$WORK/sanitizer*" >/dev/null; then
        echo "sanitizer report:" >>"$WORK/$name.out"
        cat "$WORK"/sanitizer* >>"$WORK/$name.out"
        rm -f "$WORK"/sanitizer*
        status=1
    fi
    if [ "$status" -eq 0 ]; then
        PASSED=$((PASSED + 1))
        echo "PASS  $name"
    else
        FAILED=$((FAILED + 1))
        echo "FAIL  $name"
        sed 's/^/      /' "$WORK/$name.out" | tail -20
    fi
}

# Stops what a test started: SIGTERM first, so that every program exits
# through main() (and coverage data gets written), SIGKILL after 3 s.
cleanup_processes() {
    local pid i alive
    for pid in "${PIDS[@]}"; do
        kill -TERM "$pid" 2>/dev/null || true
        kill -CONT "$pid" 2>/dev/null || true
    done
    for ((i = 0; i < 150; i++)); do
        alive=0
        for pid in "${PIDS[@]}"; do
            kill -0 "$pid" 2>/dev/null && alive=1
        done
        [ "$alive" -eq 0 ] && break
        sleep 0.02
    done
    for pid in "${PIDS[@]}"; do
        kill -KILL "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    PIDS=()
}

# expect CONDITION MESSAGE: fails the current test with MESSAGE unless true.
expect() {
    if ! eval "$1"; then
        echo "expected: $1 -- $2" >&2
        return 1
    fi
}
