#!/bin/sh
# bench/link_bench.sh: 1 GiB through a fault_link with no fault, checked
# byte for byte, against the same transfer with no link.
#
#   bench/link_bench.sh               (ROUNDS=5 BYTES=1073741824 by default)
#
# bench/link_bulk.c (built here into a temporary folder) sends BYTES of a
# known pattern over one loopback connection and checks every byte at the
# sink. Each round runs "direct" (sender -> sink) and "link" (sender ->
# fault_link -> sink), alternating, so load from elsewhere hits both alike.
# It prints each round and the median and best rate of each; exit status 1
# if any transfer was not byte-exact or failed. Needs ./fault_link (make).
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
ROUNDS=${ROUNDS:-5}
BYTES=${BYTES:-1073741824}
TMP=$(mktemp -d "${TMPDIR:-/tmp}/link_bench.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
[ -x "$ROOT/fault_link" ] || { echo "run make first: no ./fault_link" >&2; exit 2; }
cc -O2 -std=c11 -D_GNU_SOURCE -o "$TMP/link_bulk" "$ROOT/bench/link_bulk.c" ||
    exit 2

# wait_port FILE: the port=N a process printed or logged (addr=HOST:N).
wait_port() {
    i=0
    while [ $i -lt 250 ]; do
        port=$(sed -n 's/^port=//p; s/.* ev=listen addr=[^ ]*:\([0-9]*\) .*/\1/p' "$1")
        [ -n "$port" ] && { echo "$port"; return 0; }
        sleep 0.02
        i=$((i + 1))
    done
    return 1
}

# one TARGET: one transfer, "direct" or "link"; prints its rate, and
# "failed" into $TMP/failed when it was not exact.
one() {
    "$TMP/link_bulk" sink >"$TMP/sink.out" &
    sink=$!
    port=$(wait_port "$TMP/sink.out") || exit 1
    if [ "$1" = link ]; then
        "$ROOT/fault_link" --listen 0 --to "127.0.0.1:$port" \
            </dev/null 2>"$TMP/link.log" &
        link=$!
        port=$(wait_port "$TMP/link.log") || exit 1
    fi
    "$TMP/link_bulk" send "$port" "$BYTES" >"$TMP/send.out" ||
        echo failed >>"$TMP/failed"
    wait "$sink" || echo failed >>"$TMP/failed"
    [ "$1" = link ] && { kill -TERM "$link"; wait "$link"; }
    grep -q "received=$BYTES exact=1" "$TMP/sink.out" ||
        echo failed >>"$TMP/failed"
    sed -n 's/.*gbytes_per_s=//p' "$TMP/send.out"
}

: >"$TMP/failed"
: >"$TMP/direct"
: >"$TMP/link"
r=1
while [ $r -le "$ROUNDS" ]; do
    d=$(one direct)
    l=$(one link)
    echo "round $r: direct $d GB/s, link $l GB/s"
    echo "$d" >>"$TMP/direct"
    echo "$l" >>"$TMP/link"
    r=$((r + 1))
done
for t in direct link; do
    sort -n "$TMP/$t" | awk -v t=$t '{ v[NR] = $1 } END {
        printf "%-6s median %.2f GB/s, best %.2f GB/s (%d rounds)\n", t,
               v[int((NR + 1) / 2)], v[NR], NR }'
done
if [ -s "$TMP/failed" ]; then
    echo "A TRANSFER FAILED OR WAS NOT EXACT"
    exit 1
fi
echo "every transfer byte-exact"
