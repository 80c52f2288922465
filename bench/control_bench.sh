#!/usr/bin/env bash
# bench/control_bench.sh: the control socket and reload under load.
#
#   bench/control_bench.sh                 (after make)
#   HOLD_CONNS=5000 HOLD_S=20 ROUNDTRIPS=1000 LOAD_S=15 bench/control_bench.sh
#
# Two measurements, against one proxy_server (--threads 2, --control, -c)
# in front of dummy_server backends, all on 127.0.0.1 on free ports, in a
# temporary folder it removes again (KEEP=1 keeps it, with every log):
#
#   1. reload with HOLD_CONNS held connections. simulate_client opens
#      HOLD_CONNS connections through the proxy (one request each, then
#      each is held open HOLD_S seconds); once all are live, a second
#      simulate_client keeps opening new connections while the config file
#      is changed (b2 out, b3 in) and reloaded by the control command, and
#      again (b2 back, b3 out) by SIGHUP. Both clients must report every
#      connection ok: none lost, none refused. Prints the reloads' answers
#      and how long the command took, and the removal of b3 (once its held
#      sessions ended).
#   2. control latency. ROUNDTRIPS "show backends" round trips on one
#      control connection (python3, time.perf_counter_ns around each
#      request and its answer up to the empty line): p50, p99, max; first
#      with the proxy idle, then under a keep-alive load of LOAD_CLIENTS
#      simulate_client connections sending requests back to back for
#      LOAD_S seconds (the same load as wrk's keep-alive workload, in the
#      proxy's own line protocol; wrk would need HTTP backends).
#
# The descriptor limit is raised to the hard limit; it must hold about
# three times HOLD_CONNS (the client's, the proxy's two per session, the
# backends'). Exit status: 0 when every connection was served, 1 when one
# was lost or refused or a step failed, 2 when the limit is too low.

set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${BIN:-$ROOT}
HOLD_CONNS=${HOLD_CONNS:-5000}
HOLD_S=${HOLD_S:-20}
ROUNDTRIPS=${ROUNDTRIPS:-1000}
LOAD_S=${LOAD_S:-15}
LOAD_CLIENTS=${LOAD_CLIENTS:-50}
TMP=$(mktemp -d "${TMPDIR:-/tmp}/control-bench.XXXXXX")
PIDS=()
STATUS=0

cleanup() {
    local pid
    for pid in "${PIDS[@]}"; do
        kill -TERM "$pid" 2>/dev/null
    done
    wait 2>/dev/null
    if [ "${KEEP:-0}" = 1 ]; then
        echo "kept: $TMP"
    else
        rm -rf "$TMP"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

fail() {
    echo "FAILED: $*"
    STATUS=1
}

ulimit -n "$(ulimit -Hn)" 2>/dev/null
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt $((3 * HOLD_CONNS + 1000)) ]; then
    echo "ulimit -n is $(ulimit -n): $((3 * HOLD_CONNS + 1000)) needed for $HOLD_CONNS connections" >&2
    exit 2
fi

# wait_line FILE PATTERN: the first line of FILE matching PATTERN, within 10 s.
wait_line() {
    local i
    for ((i = 0; i < 500; i++)); do
        grep -m1 -E "$2" "$1" 2>/dev/null && return 0
        sleep 0.02
    done
    return 1
}

# start_dummy NAME: a backend on a free port; sets PORT.
start_dummy() {
    "$BIN/dummy_server" 0 --name "$1" 2>"$TMP/$1.log" &
    PIDS+=($!)
    PORT=$(wait_line "$TMP/$1.log" 'ev=listen' | sed -E 's/.* addr=[^ ]*:([0-9]+).*/\1/')
}

# control MODE ARGS...: talks to the control socket. "answers LINE...":
# prints each line's answer; "timed LINE": its answer and round trip;
# "latency N": N "show backends" round trips, then their p50, p99 and max
# in ms.
control() {
    python3 - "$TMP/control.sock" "$@" <<'PY'
import socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.settimeout(30)
s.connect(sys.argv[1])
f = s.makefile('rb')

def answer(line, echo):
    s.sendall(line + b'\n')
    while True:
        got = f.readline()
        if not got:
            sys.exit(3)
        if echo:
            sys.stdout.write(got.decode())
        if got == b'\n':
            return

if sys.argv[2] == 'answers':
    for line in sys.argv[3:]:
        answer(line.encode(), True)
    sys.exit(0)
if sys.argv[2] == 'timed':
    start = time.perf_counter_ns()
    answer(sys.argv[3].encode(), True)
    print("round trip %.3f ms" % ((time.perf_counter_ns() - start) / 1e6))
    sys.exit(0)
samples = []
for _ in range(int(sys.argv[3])):
    start = time.perf_counter_ns()
    answer(b'show backends', False)
    samples.append((time.perf_counter_ns() - start) / 1e6)
samples.sort()
pick = lambda q: samples[min(len(samples) - 1, int(q * len(samples)))]
print("round trips=%d p50=%.3f ms p99=%.3f ms max=%.3f ms"
      % (len(samples), pick(0.5), pick(0.99), samples[-1]))
PY
}

ctl() {
    control answers "$@"
}

latency() {
    control latency "$1"
}

# live: the proxy's live sessions (show info).
live() {
    ctl "show info" | sed -nE 's/.* live=([0-9]+).*/\1/p'
}

conf() {
    : >"$TMP/proxy.conf"
    for name in "$@"; do
        echo "backend $name" >>"$TMP/proxy.conf"
    done
}

start_dummy b1; B1=b1=127.0.0.1:$PORT
start_dummy b2; B2=b2=127.0.0.1:$PORT
start_dummy b3; B3=b3=127.0.0.1:$PORT
conf "$B1" "$B2"
"$BIN/proxy_server" -l 127.0.0.1:0 -t 2 --health-interval 0 \
    -c "$TMP/proxy.conf" --control "$TMP/control.sock" 2>"$TMP/proxy.log" &
PROXY_PID=$!
PIDS+=("$PROXY_PID")
PROXY_PORT=$(wait_line "$TMP/proxy.log" 'ev=start' | sed -E 's/.* listen=[^ ]*:([0-9]+).*/\1/')

echo "control_bench: $(cd "$ROOT" && git rev-parse --short HEAD 2>/dev/null), $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "1. reload with $HOLD_CONNS held connections"
"$BIN/simulate_client" --port "$PROXY_PORT" -c "$HOLD_CONNS" -n 1 \
    --hold $((HOLD_S * 1000)) --ramp 3000 --timeout 30000 >"$TMP/held.txt" 2>&1 &
HELD=$!
for ((i = 0; i < 300; i++)); do
    [ "$(live)" -ge "$HOLD_CONNS" ] 2>/dev/null && break
    sleep 0.1
done
echo "live before the reload: $(live)"
"$BIN/simulate_client" --port "$PROXY_PORT" -c 20 -n 5 --duration 6 \
    --timeout 10000 >"$TMP/during.txt" 2>&1 &
DURING=$!
sleep 1
conf "$B1" "$B3"
echo "reload (control): $(control timed reload | grep -v '^$' | paste -sd,), live $(live)"
sleep 2
conf "$B1" "$B2"
kill -HUP "$PROXY_PID"
wait_line "$TMP/proxy.log" 'ev=reload status=ok source=signal' >/dev/null ||
    fail "no reload after SIGHUP"
echo "reload (SIGHUP):  $(grep -m1 'ev=reload status=ok source=signal' "$TMP/proxy.log" | sed 's/.* ev=reload //'), live $(live)"
wait "$DURING" || fail "clients during the reloads"
echo "new clients during the reloads: $(grep '^connections:' "$TMP/during.txt")"
wait "$HELD" || fail "held clients"
echo "held clients:     $(grep '^connections:' "$TMP/held.txt")"
echo "                  $(grep '^errors:' "$TMP/held.txt")"
grep -q ' 0 failed' "$TMP/held.txt" || fail "a held connection was lost"
grep -q ' 0 failed' "$TMP/during.txt" || fail "a new connection was refused"
# The control reload drained b2, SIGHUP brought it back and drained b3:
# b3 goes once its held sessions have ended.
wait_line "$TMP/proxy.log" 'ev=backend_removed' >/dev/null
echo "removed:          $(grep 'ev=backend_removed' "$TMP/proxy.log" | sed 's/.* ev=//' | paste -sd';')"
echo
echo "2. control latency, $ROUNDTRIPS x show backends"
echo "idle:            $(latency "$ROUNDTRIPS")"
"$BIN/simulate_client" --port "$PROXY_PORT" -c "$LOAD_CLIENTS" -n 1000000 \
    --duration "$LOAD_S" --timeout 10000 >"$TMP/load.txt" 2>&1 &
LOAD=$!
sleep 2
echo "keep-alive load: $(latency "$ROUNDTRIPS")"
wait "$LOAD" || fail "the keep-alive load"
echo "the load:        $(grep '^requests:' "$TMP/load.txt"), $(grep '^throughput:' "$TMP/load.txt" | sed 's/throughput: *//')"
kill -0 "$PROXY_PID" || fail "the proxy died"
exit "$STATUS"
