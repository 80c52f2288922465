#!/usr/bin/env bash
# run.sh: the whole test suite with every program under valgrind.
#
#   tests/valgrind/run.sh REAL_BIN_DIR TEST_RUNNER
#
# REAL_BIN_DIR holds the five programs built with -O1 -g. Wrappers in
# build/valgrind/bin run each of them under memcheck, logging to
# build/valgrind/logs/<program>.<pid>.log; the unit tests, the integration
# tests and the scenario suite then run through the wrappers. Finally every
# log is read: any memory error, any byte definitely or indirectly lost, or
# any descriptor opened by the program and still open at exit fails the
# run, with the log named.
#
# A process killed by SIGKILL (a crash fault, a cleanup) writes no summary;
# its log is skipped. One that kills itself on purpose (--crash-after-*)
# may write one, with its descriptors open by design: only its errors and
# leaks count. Exit status: 0 clean, 1 a report or a test failed.
set -u
REAL=$(cd "$1" && pwd)
RUNNER=$2
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
OUT=$ROOT/build/valgrind
WRAP=$OUT/bin
LOGS=$OUT/logs
VALGRIND_OPTS="--leak-check=full --show-leak-kinds=definite,indirect
 --errors-for-leak-kinds=definite,indirect --track-fds=yes
 --child-silent-after-fork=yes"

rm -rf "$WRAP" "$LOGS"
mkdir -p "$WRAP" "$LOGS"
for prog in proxy_server dummy_server simulate_client harness fault_link; do
    cat >"$WRAP/$prog" <<SH
#!/bin/sh
exec valgrind $(echo $VALGRIND_OPTS) --log-file=$LOGS/$prog.%p.log "$REAL/$prog" "\$@"
SH
    chmod +x "$WRAP/$prog"
done

status=0
# shellcheck disable=SC2086
PROXYLAB_UNDER_VALGRIND=1 \
    valgrind $VALGRIND_OPTS --log-file="$LOGS/test_runner.%p.log" "$RUNNER" ||
    status=1
BIN_DIR=$WRAP "$ROOT/tests/integration/run.sh" || status=1
"$WRAP/harness" --bin "$WRAP" "$ROOT/scenarios" || status=1

# One line per problem found in a log; nothing when it is clean.
problems() {
    awk -v file="$1" '
        /ERROR SUMMARY: [1-9]/   { print file ": " $0 }
        /definitely lost: [1-9]/ { print file ": " $0 }
        /indirectly lost: [1-9]/ { print file ": " $0 }
        /Command: .*--crash-after-/ { crash = 1 }
        pending                  { if ($0 !~ /inherited from parent/ && !crash)
                                       print file ": " fd " left open"
                                   pending = 0 }
        /Open file descriptor/   { fd = $0; sub(/^==[0-9]+== /, "", fd)
                                   pending = 1 }' "$1"
}

checked=0 skipped=0 found=0
for log in "$LOGS"/*.log; do
    if ! grep -q 'ERROR SUMMARY' "$log"; then
        skipped=$((skipped + 1))
        continue
    fi
    checked=$((checked + 1))
    report=$(problems "$log")
    if [ -n "$report" ]; then
        echo "$report"
        found=$((found + 1))
    fi
done
echo "valgrind: $checked process logs checked ($skipped killed), $found with problems"
[ "$found" -eq 0 ] || status=1
exit "$status"
