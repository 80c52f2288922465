# shellcheck shell=bash
# test_autograders.sh: the grading platforms' packages (make grader-kit,
# docs/autograders.md), each run as its platform runs it by
# labs/kit/emulate.sh and its result checked field by field by
# labs/kit/check.py (sourced by run.sh). Lab 3 is the cheapest lab with
# code to write; labs/kit/prove-kit.sh runs every lab, every kind of
# submission, on every platform.

KIT_REPO=$ROOT
source "$ROOT/labs/kit/emulate.sh"

# kit_build: make grader-kit into $WORK/kit; sets KIT.
kit_build() {
    KIT=$WORK/kit
    env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make --no-print-directory -C "$ROOT" \
        grader-kit GRADER_KIT="$KIT" >"$WORK/kit.log" 2>&1 ||
        { cat "$WORK/kit.log"; return 1; }
}

# expect_check_fails WHAT ARGS...: check.py ARGS must find a fault.
expect_check_fails() {
    local what=$1 status=0
    shift
    python3 "$ROOT/labs/kit/check.py" "$@" >"$WORK/check.out" 2>&1 || status=$?
    expect '[ "$status" -eq 1 ]' "check.py finds $what (status $status): $(cat "$WORK/check.out")"
}

test_autograders_every_package_laid_out() {
    kit_build
    python3 "$ROOT/labs/kit/check.py" layout "$KIT"
    # The check can fail: a zip without run_autograder, a workflow whose
    # reporter reads another variable, a question with another entrypoint.
    cp -R "$KIT" "$WORK/bad"
    python3 - "$WORK/bad/gradescope/3-leastconn.zip" <<'PY'
import shutil, sys, zipfile
src = sys.argv[1]
shutil.move(src, src + ".old")
with zipfile.ZipFile(src + ".old") as old, zipfile.ZipFile(src, "w") as new:
    for info in old.infolist():
        if info.filename != "run_autograder":
            new.writestr(info, old.read(info))
PY
    expect_check_fails "a zip without run_autograder" layout "$WORK/bad"
    cp "$KIT/gradescope/3-leastconn.zip" "$WORK/bad/gradescope/"
    sed -i 's/GRADE_RESULTS:/GRADES_RESULTS:/' \
        "$WORK/bad/classroom/3-leastconn/.github/workflows/classroom.yml"
    expect_check_fails "a reporter reading another variable" layout "$WORK/bad"
    cp "$KIT/classroom/3-leastconn/.github/workflows/classroom.yml" \
        "$WORK/bad/classroom/3-leastconn/.github/workflows/"
    sed -i 's/prairielearn 3-leastconn/prairielearn 4-failures/' \
        "$WORK/bad/prairielearn/questions/proxylab-3-leastconn/info.json"
    expect_check_fails "an entrypoint grading another lab" layout "$WORK/bad"
}

# Lab 3 with a function that does not compile, on each platform: 0 points
# and the compiler's message; on PrairieLearn not gradable.
test_autograders_build_failure() {
    local failed=0
    kit_build
    kit_submission nobuild 3-leastconn "$WORK/sub"
    kit_gradescope 3-leastconn "$WORK/sub/files" "$WORK/gs" || failed=1
    python3 "$ROOT/labs/kit/check.py" gradescope "$WORK/gs/results/results.json" \
        3-leastconn "nobuild:$KIT_BREAK_TEXT" || failed=1
    kit_classroom 3-leastconn "$WORK/sub/tree" "$WORK/gh" || failed=1
    python3 "$ROOT/labs/kit/check.py" classroom \
        "$KIT/classroom/3-leastconn/.github/workflows/classroom.yml" "$WORK/gh/output" \
        3-leastconn "nobuild:$KIT_BREAK_TEXT" || failed=1
    kit_prairielearn 3-leastconn "$WORK/sub/files" "$WORK/pl" || failed=1
    python3 "$ROOT/labs/kit/check.py" prairielearn "$WORK/pl/grade/results/results.json" \
        3-leastconn "nobuild:$KIT_BREAK_TEXT" || failed=1
    [ "$failed" -eq 0 ]
}

# The reference of lab 3, uploaded to PrairieLearn: every point, with the
# timelines of the scenarios it shows; the same results cannot pass as
# a build failure or as a low score.
test_autograders_reference_on_prairielearn() {
    kit_build
    kit_submission reference 3-leastconn "$WORK/sub"
    kit_prairielearn 3-leastconn "$WORK/sub/files" "$WORK/pl"
    python3 "$ROOT/labs/kit/check.py" prairielearn "$WORK/pl/grade/results/results.json" \
        3-leastconn full
    expect_check_fails "full marks taken for a build failure" prairielearn \
        "$WORK/pl/grade/results/results.json" 3-leastconn "nobuild:$KIT_BREAK_TEXT"
    expect_check_fails "full marks taken for a low score" prairielearn \
        "$WORK/pl/grade/results/results.json" 3-leastconn low
}
