# shellcheck shell=bash disable=SC2016  # expect takes its test unexpanded
# test_report_render.sh: the harness' HTML report as a person sees it, in a
# real browser (headless Chromium): the page renders, the timeline is an
# SVG in the rendered page with a line per backend in its colour, and the
# faults of the timeline, process and link alike, are labelled on it.
# Sourced by run.sh (helpers in lib.sh).

# render_fail MESSAGE: ends the test (set -e) with MESSAGE.
render_fail() {
    echo "$1" >&2
    return 1
}

# chromium_run OUT ARGS...: headless Chromium, bounded in time; its own
# profile in $WORK so that runs at once do not share one.
chromium_run() {
    local out=$1
    shift
    timeout 60 chromium --headless --no-sandbox --disable-gpu \
        --hide-scrollbars --user-data-dir="$WORK/chromium" "$@" \
        >"$out" 2>"$WORK/chromium.err"
}

test_html_report_renders_in_chromium() {
    command -v chromium >/dev/null ||
        render_fail "chromium is missing: tools/deps.sh install puts it in"
    cat >"$WORK/faults.scn" <<'SCN'
# A crash and a link fault, each healed.
seed 5
proxy threads=1 health-interval=50ms connect-timeout=100ms
backend b1 latency=2ms
backend b2 latency=2ms
at 0s clients 40 requests=2 ramp=800ms may-fail
at 200ms crash b2
at 400ms restart b2
at 500ms link b1 latency latency=20ms
at 700ms heal b1 latency
expect no-lost-clients
SCN
    timeout 60 "$BIN_DIR/harness" --report "$WORK/report" "$WORK/faults.scn" \
        >"$WORK/harness.out" 2>&1 || render_fail "the harness failed: $(cat "$WORK/harness.out")"
    local page=$WORK/report/faults.html dom=$WORK/dom.html
    [ -s "$page" ] || render_fail "no report page: $(ls "$WORK/report")"
    chromium_run "$dom" --dump-dom "file://$page" ||
        render_fail "chromium --dump-dom failed: $(tail -3 "$WORK/chromium.err")"
    expect 'grep -q "<svg" "$dom"' "the rendered page has the timeline's SVG"
    local label
    for label in "crash b2" "restart b2" "link b1 latency" "heal b1 latency"; do
        expect 'grep -q ">$label<" "$dom"' "the timeline labels '$label'"
    done
    expect 'grep -q "PASS" "$dom"' "the verdict is on the page"
    chromium_run "$WORK/shot.out" --window-size=1200,1000 \
        --screenshot="$WORK/shot.png" "file://$page" ||
        render_fail "chromium --screenshot failed: $(tail -3 "$WORK/chromium.err")"
    python3 "$ROOT/tests/integration/png_colors.py" "$WORK/shot.png" \
        '#1f77b4' '#ff7f0e' >"$WORK/colours" || render_fail "not a PNG"
    cat "$WORK/colours"
    # Each backend's line is drawn in its colour: hundreds of pixels of
    # it (a legend swatch alone is a few dozen), and the page is not blank.
    expect '[ "$(awk "/^#1f77b4/ {print \$2}" "$WORK/colours")" -gt 300 ]' \
        "b1's line is drawn"
    expect '[ "$(awk "/^#ff7f0e/ {print \$2}" "$WORK/colours")" -gt 300 ]' \
        "b2's line is drawn"
    expect '[ "$(awk "/^blank/ {b=\$2} /^total/ {t=\$2} END {print (b < t * 0.99)}" \
        "$WORK/colours")" -eq 1 ]' "the screenshot is not blank"
}
