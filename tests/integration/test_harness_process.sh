# test_harness_process.sh: the harness as a process among others: what it
# reads, where it keeps its logs, how it ends on a signal, and what it does
# with a log that lost lines. Sourced by run.sh (helpers in lib.sh).

# A FIFO named *.scn would block the reader until a writer came: it must be
# refused with its path, given directly or found in a folder.
test_harness_refuses_a_fifo() {
    local status=0
    mkdir "$WORK/suite"
    mkfifo "$WORK/direct.scn" "$WORK/suite/b.scn"
    printf '# ok\nbackend b1\nat 0s clients 1\nexpect relay exact\n' \
        >"$WORK/suite/a.scn"
    timeout 10 "$BIN_DIR/harness" "$WORK/direct.scn" 2>"$WORK/err1" ||
        status=$?
    cat "$WORK/err1"
    expect '[ "$status" -eq 2 ]' "a FIFO given directly: exit 2, got $status"
    grep -q "^$WORK/direct.scn: cannot read: a FIFO, not a regular file$" \
        "$WORK/err1"
    status=0
    timeout 10 "$BIN_DIR/harness" "$WORK/suite" 2>"$WORK/err2" || status=$?
    cat "$WORK/err2"
    expect '[ "$status" -eq 2 ]' "a FIFO in a folder: exit 2, got $status"
    grep -q "^$WORK/suite/b.scn: cannot read: a FIFO, not a regular file$" \
        "$WORK/err2"
}
