# shellcheck shell=bash
# test_parsing.sh: bad numbers, settings given twice and control bytes in
# the input of all four programs, seen from outside: exit status 2 and
# what reaches the terminal (sourced by run.sh).

# expect_refused FILE PATTERN COMMAND...: COMMAND exits 2 and its standard
# error, saved in FILE, matches PATTERN (fixed text) and holds no control
# byte but the newlines. A program that took the input and started is
# stopped after 10 s (status 124); servers listen on port 0.
expect_refused() {
    local file=$1 pattern=$2 status=0
    shift 2
    timeout 10 "$@" 2>"$file" >/dev/null || status=$?
    expect '[ "$status" -eq 2 ]' "$* exits 2, got $status"
    expect 'grep -qF -- "$pattern" "$file"' "'$pattern' in: $(cat -v "$file")"
    expect '[ "$(tr -d "\n" <"$file" | LC_ALL=C grep -c "[[:cntrl:]]")" -eq 0 ]' \
        "no raw control byte in: $(cat -v "$file")"
}

test_numbers_are_decimal_digits() {
    local scn="$WORK/hex.scn"
    expect_refused "$WORK/err" "idle-timeout '0x10'" \
        "$BIN_DIR/proxy_server" -l 0 --idle-timeout 0x10
    expect_refused "$WORK/err" "--latency '1e1s'" \
        "$BIN_DIR/dummy_server" --latency 1e1s 0
    expect_refused "$WORK/err" "--clients '+5'" \
        "$BIN_DIR/simulate_client" --clients +5
    printf 'backend b1\nat 0x10s clients 1\nexpect relay exact\n' >"$scn"
    expect_refused "$WORK/err" "$scn:2: at '0x10s'" "$BIN_DIR/harness" "$scn"
}

test_settings_given_twice_exit_2() {
    local conf="$WORK/twice.conf" scn="$WORK/twice.scn"
    printf 'threads 2\nthreads 3\n' >"$conf"
    expect_refused "$WORK/err" "$conf:2: threads is already set on line 1" \
        "$BIN_DIR/proxy_server" -l 0 -c "$conf"
    printf 'backend b1=127.0.0.1:9000,weight=2,weight=3\n' >"$conf"
    expect_refused "$WORK/err" "$conf:1: backend: setting weight is given twice" \
        "$BIN_DIR/proxy_server" -l 0 -c "$conf"
    expect_refused "$WORK/err" "--latency is given twice" \
        "$BIN_DIR/dummy_server" --latency 1 --latency 2 0
    expect_refused "$WORK/err" "--clients is given twice" \
        "$BIN_DIR/simulate_client" -c 1 -c 2
    printf 'backend b1\nat 0s clients 5 requests=1 requests=2\nexpect relay exact\n' \
        >"$scn"
    expect_refused "$WORK/err" "$scn:2: clients option requests is given twice" \
        "$BIN_DIR/harness" "$scn"
}

# An OSC sequence that would retitle the terminal, in a file and in an
# argument of each program: it comes out as \x1b...\x07.
test_errors_show_control_bytes_escaped() {
    local osc=$'\e]0;pwned\a' conf="$WORK/osc.conf" scn="$WORK/osc.scn"
    printf 'balance %s\n' "$osc" >"$conf"
    expect_refused "$WORK/err" "$conf:1: balance '\\x1b]0;pwned\\x07'" \
        "$BIN_DIR/proxy_server" -l 0 -c "$conf"
    expect_refused "$WORK/err" "threads '\\x1b]0;pwned\\x07'" \
        "$BIN_DIR/proxy_server" -l 0 --threads "$osc"
    expect_refused "$WORK/err" "--mode '\\x1b]0;pwned\\x07'" \
        "$BIN_DIR/dummy_server" --mode "$osc" 0
    expect_refused "$WORK/err" "--log-level '\\x1b]0;pwned\\x07'" \
        "$BIN_DIR/simulate_client" --log-level "$osc"
    printf 'backend b1 mode=%s\nexpect relay exact\n' "$osc" >"$scn"
    expect_refused "$WORK/err" "$scn:1: mode '\\x1b]0;pwned\\x07'" \
        "$BIN_DIR/harness" "$scn"
}

# The same mistake gets the same words from every program (common/options.c):
# the first line of stderr after "PROGRAM: " is compared across the four.
test_same_mistake_same_words() {
    local mistake prog first words
    for mistake in "--help=3" "--bogus" "-x" "--seed" "--seed 1 --seed 2"; do
        first=""
        for prog in proxy_server dummy_server simulate_client harness; do
            # The proxy's last repeated option wins, as its man page says.
            [ "$prog $mistake" = "proxy_server --seed 1 --seed 2" ] && continue
            # shellcheck disable=SC2086 # the mistake is several words
            words=$(expect_refused "$WORK/err" "" "$BIN_DIR/$prog" $mistake &&
                head -1 "$WORK/err" | sed "s/^$prog: //")
            [ -z "$first" ] && first=$words
            expect '[ "$words" = "$first" ]' \
                "$prog $mistake: '$words', not '$first' as the others"
        done
    done
}
