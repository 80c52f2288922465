# shellcheck shell=bash
# test_errors.sh: a failure of a system call or a resource is logged in one
# shape by every program, ev=error op=WHAT err=ERRNO_NAME (sourced by
# run.sh; docs/log-format.md, "Errors").

# A port already taken: the proxy and dummy_server both log ev=error
# op=listen with the address and EADDRINUSE, and exit 1.
test_port_taken_is_one_error_shape() {
    local status=0 line
    start_dummy b1
    timeout 10 "$BIN_DIR/proxy_server" -l "127.0.0.1:$DUMMY_PORT" \
        -b "127.0.0.1:$DUMMY_PORT" 2>"$WORK/proxy.log" || status=$?
    expect '[ "$status" -eq 1 ]' "proxy_server exits 1, got $status"
    line=$(grep "ev=error" "$WORK/proxy.log")
    expect '[[ "$line" == *"lvl=error "*"ev=error op=listen what=listen addr=127.0.0.1:$DUMMY_PORT err=EADDRINUSE"* ]]' \
        "proxy_server: '$line'"
    status=0
    timeout 10 "$BIN_DIR/dummy_server" "$DUMMY_PORT" 2>"$WORK/b2.log" ||
        status=$?
    expect '[ "$status" -eq 1 ]' "dummy_server exits 1, got $status"
    line=$(grep "ev=error" "$WORK/b2.log")
    expect '[[ "$line" == *"lvl=error "*"ev=error op=listen addr=127.0.0.1:$DUMMY_PORT err=EADDRINUSE"* ]]' \
        "dummy_server: '$line'"
}
