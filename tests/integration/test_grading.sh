# shellcheck shell=bash
# test_grading.sh: labs/grade.sh grades sealed and labs/starter.sh leaks
# nothing (docs/grading.md; sourced by run.sh).
#
# The real labs take minutes to grade, so labs/prove.sh grades those. Here
# a copy of the repository, made a git checkout, gets a small lab of its
# own, labs/9-check: choose_leastconn and the whole of common/rng.c are
# the student's, one short scenario (hidden) grades it, and -O0 builds
# keep it quick.

# grading_course: the path of that copy, made by the first test that
# asks (the tests run one after the other; each has its own WORK below
# the run's).
grading_course() {
    local course
    course="$(dirname "$WORK")/grading-course"
    if [ ! -d "$course/.git" ]; then
        rm -rf "$course"
        ( . "$ROOT/labs/lib/tree.sh" && copy_plain "$ROOT" "$course" ) >&2 || return 1
        mkdir -p "$course/labs/9-check/grade" "$course/labs/9-check/skeleton/common"
        cat >"$course/labs/9-check/blank.list" <<'EOF'
# A lab for the tests: one function and one whole file.
proxy/balancer.c choose_leastconn (void)balancer; (void)view; return -1;
common/rng.c *
EOF
        echo "-O0" >"$course/labs/9-check/cflags"
        echo "1_short.scn" >"$course/labs/9-check/hidden"
        cat >"$course/labs/9-check/grade/1_short.scn" <<'EOF'
# A short run: a few clients, least connections over two backends.
seed 1
timeout 15s
proxy threads=2
backend b1 latency=1ms
backend b2 latency=1ms
at 0s clients 10 requests=2
expect leastconn points=2
expect clients ok points=2
expect counts zero points=1
EOF
        # The skeleton hands out rng.c with rng_below to write.
        ROOT=$ROOT python3 - "$ROOT/common/rng.c" \
            "$course/labs/9-check/skeleton/common/rng.c" <<'PY'
import os, sys
sys.path.insert(0, os.path.join(os.environ["ROOT"], "labs", "lib"))
import cfunc
text = open(sys.argv[1]).read()
d = cfunc.find(text, "rng_below")
open(sys.argv[2], "w").write(text[:d.body] + "{\n    (void)rng;\n    return bound - 1;\n}"
                             + text[d.end:])
PY
        git -C "$course" init -q &&
            git -C "$course" add -A &&
            git -C "$course" -c user.name=test -c user.email=test@localhost \
                commit -q -m "a course with a test lab" || return 1
    fi
    echo "$course"
}

# json_get FILE EXPRESSION: a Python expression over the results (as r).
json_get() {
    python3 -c 'import json, sys; r = json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' \
        "$1" "$2"
}

# submission_with DIR FILE...: DIR holds the course's FILEs at their paths.
submission_with() {
    local dir=$1 course file
    shift
    course=$(grading_course)
    for file in "$@"; do
        mkdir -p "$dir/$(dirname "$file")"
        cp "$course/$file" "$dir/$file"
    done
}

test_grading_bad_usage_exits_2() {
    local status course
    course=$(grading_course)
    for args in "" "9-check" "no-such-lab $WORK" "9-check $WORK/none"; do
        status=0
        # shellcheck disable=SC2086 # the words are the arguments
        "$course/labs/grade.sh" $args >"$WORK/out" 2>&1 || status=$?
        expect '[ "$status" -eq 2 ]' "grade.sh $args: exit 2, got $status: $(cat "$WORK/out")"
        expect '[ -s "$WORK/out" ]' "grade.sh $args: a message"
    done
    grep -q "no lab 'no-such-lab'" <("$course/labs/grade.sh" no-such-lab "$WORK" 2>&1)
}

# A submission without a listed function is not built: 0 points, and the
# output names the file and the function.
test_grading_missing_function_scores_0() {
    local course status=0
    course=$(grading_course)
    submission_with "$WORK/sub" common/rng.c
    mkdir -p "$WORK/sub/proxy"
    printf '/* nothing yet */\nint balancer_placeholder;\n' >"$WORK/sub/proxy/balancer.c"
    "$course/labs/grade.sh" 9-check "$WORK/sub" "$WORK/r.json" >"$WORK/out" 2>&1 ||
        status=$?
    cat "$WORK/out"
    expect '[ "$status" -eq 0 ]' "exit 0 with results written, got $status"
    expect '[ "$(json_get "$WORK/r.json" "r[\"score\"]")" = 0 ]' "score 0"
    expect '[ "$(json_get "$WORK/r.json" "r[\"tests\"][0][\"name\"]")" = build ]' \
        "one test named build"
    json_get "$WORK/r.json" 'r["tests"][0]["output"]' >"$WORK/output"
    expect 'grep -q "proxy/balancer.c: function choose_leastconn is not in your submission" "$WORK/output"' \
        "the output names the file and the function: $(cat "$WORK/output")"
    expect '[ "$(json_get "$WORK/r.json" "r[\"max_score\"]")" = 5 ]' \
        "the most points of the lab (5) are still told"
}

# The whole-file part of a submission is what gets built: a file that
# does not compile scores 0, with the compiler's error in the output.
test_grading_build_failure_scores_0_with_the_error() {
    local course status=0
    course=$(grading_course)
    submission_with "$WORK/sub" proxy/balancer.c common/rng.c
    echo '#error this rng.c is the student'"'"'s' >>"$WORK/sub/common/rng.c"
    "$course/labs/grade.sh" 9-check "$WORK/sub" "$WORK/r.json" >"$WORK/out" 2>&1 ||
        status=$?
    cat "$WORK/out"
    expect '[ "$status" -eq 0 ]' "exit 0 with results written, got $status"
    expect '[ "$(json_get "$WORK/r.json" "r[\"score\"]")" = 0 ]' "score 0"
    json_get "$WORK/r.json" '[t["output"] for t in r["tests"] if t["name"] == "build"][0]' \
        >"$WORK/output"
    expect 'grep -q "common/rng.c:.*error: #error this rng.c is the student" "$WORK/output"' \
        "the compiler's error in the build test: $(cat "$WORK/output")"
    expect '! grep -q "$course\|/tmp/" "$WORK/output"' "no absolute path in the output"
}

# Only the changed files, at their repository paths: the reference ones
# score every point; GRADE_REPORT gets the harness' HTML pages.
test_grading_changed_files_only() {
    local course
    course=$(grading_course)
    submission_with "$WORK/sub" proxy/balancer.c common/rng.c
    GRADE_REPORT=$WORK/report "$course/labs/grade.sh" 9-check "$WORK/sub" "$WORK/r.json" \
        >"$WORK/out" 2>&1
    cat "$WORK/out"
    expect '[ "$(json_get "$WORK/r.json" "r[\"score\"]")" = 5 ]' "all 5 points"
    expect 'grep -q "<svg" "$WORK/report/1_short.html"' "GRADE_REPORT has the HTML report"
    expect 'grep -q "^9-check: 5 of 5 points$" "$WORK/out"' "the score line"
    expect 'grep -q "common/rng.c: the whole file, from common/rng.c" "$WORK/out"' \
        "it says what it took"
}

# A whole tree in a zip (inside a folder, with .git and build products),
# whose harness always reports full marks, whose Makefile builds nothing
# and whose choose_leastconn is blank: graded as the blank function
# deserves, with the course's harness and Makefile.
test_grading_zip_of_a_rigged_tree() {
    local course
    course=$(grading_course)
    mkdir -p "$WORK/tree"
    ( . "$ROOT/labs/lib/tree.sh" && copy_plain "$course" "$WORK/tree/mine" )
    mkdir -p "$WORK/tree/mine/.git" "$WORK/tree/mine/build"
    echo garbage >"$WORK/tree/mine/build/balancer.o"
    ROOT=$ROOT python3 - "$WORK/tree/mine/proxy/balancer.c" <<'PY'
import os, sys
sys.path.insert(0, os.path.join(os.environ["ROOT"], "labs", "lib"))
import cfunc
text = open(sys.argv[1]).read()
d = cfunc.find(text, "choose_leastconn")
open(sys.argv[1], "w").write(text[:d.body] +
    "{\n    (void)balancer;\n    (void)view;\n    return -1;\n}" + text[d.end:])
PY
    # a harness that reports full marks, a Makefile that builds nothing
    cp -R "$course/labs/lib/rigged/." "$WORK/tree/mine/"
    (cd "$WORK/tree" && python3 -c '
import os, zipfile
with zipfile.ZipFile("../mine.zip", "w") as z:
    for root, _, files in os.walk("mine"):
        for f in files:
            z.write(os.path.join(root, f))')
    "$course/labs/grade.sh" 9-check "$WORK/mine.zip" "$WORK/r.json" >"$WORK/out" 2>&1
    cat "$WORK/out"
    expect '[ "$(json_get "$WORK/r.json" "r[\"score\"]")" -lt 5 ]' \
        "fewer than 5 points for a blank function"
    expect '[ "$(json_get "$WORK/r.json" "len([t for t in r[\"tests\"] if t[\"name\"] == \"build\"])")" = 0 ]' \
        "the course's Makefile built it"
    expect '[ "$(json_get "$WORK/r.json" "r[\"output_format\"]")" = text ]' "output_format"
    expect '[ "$(json_get "$WORK/r.json" "\" \".join(sorted({t[\"visibility\"] for t in r[\"tests\"]}))")" = after_published ]' \
        "the hidden scenario's tests are after_published"
    expect '[ "$(json_get "$WORK/r.json" "[t[\"name\"] for t in r[\"tests\"] if not t[\"name\"].startswith(\"labs/9-check/grade/1_short.scn: \")]")" = "[]" ]' \
        "every test name is relative: labs/9-check/grade/1_short.scn: CHECK"
    expect '[ "$(json_get "$WORK/r.json" "r[\"max_score\"]")" = 5 ]' "max_score 5"
}

# Lab 5: a submission without a scenario scores 0 of 10, with the reason,
# from the grader of this repository (nothing is built for it).
test_grading_lab5_without_a_scenario() {
    local status=0
    mkdir -p "$WORK/empty"
    echo "my notes" >"$WORK/empty/README"
    "$ROOT/labs/grade.sh" 5-own-scenario "$WORK/empty" "$WORK/r.json" >"$WORK/out" 2>&1 ||
        status=$?
    cat "$WORK/out"
    expect '[ "$status" -eq 0 ]' "exit 0, got $status"
    expect '[ "$(json_get "$WORK/r.json" "(r[\"score\"], r[\"max_score\"])")" = "(0, 10)" ]' \
        "0 of 10"
    expect '[ "$(json_get "$WORK/r.json" "r[\"tests\"][0][\"output\"].strip()")" = "your submission holds no .scn file" ]' \
        "the reason"
    expect '[ "$(json_get "$WORK/r.json" "r[\"tests\"][0][\"visibility\"]")" = visible ]' \
        "visible"
}

# Lab 6 takes code and a scenario (part B), without building anything
# here: the scenario is found in a whole tree (labs/LAB/ first, then
# lab6.scn, never another lab's), part B without one scores 0 of 14 with
# the reason, and its tests join the code's, unless the code did not
# build: then the one build test holds part B's points too.
test_grading_lab6_part_b_joins_the_code() {
    local labkit=$ROOT/labs/lib/labkit.py tree=$WORK/tree
    mkdir -p "$tree/scenarios" "$tree/labs/5-own-scenario" "$tree/labs/6-operating"
    for f in scenarios/a.scn scenarios/b.scn labs/5-own-scenario/lab5.scn lab6.scn; do
        echo "# $f" >"$tree/$f"
    done
    python3 "$labkit" scn 6-operating "$tree" "$WORK/your.scn" >"$WORK/out" 2>&1
    cat "$WORK/out"
    expect 'grep -qx "# lab6.scn" "$WORK/your.scn"' "lab6.scn taken, not lab 5's"
    echo "# mine" >"$tree/labs/6-operating/mine.scn"
    python3 "$labkit" scn 6-operating "$tree" "$WORK/your.scn" >"$WORK/out" 2>&1
    expect 'grep -qx "# mine" "$WORK/your.scn"' "labs/6-operating/mine.scn taken first"

    echo "your submission holds no .scn file" >"$WORK/reason"
    "$ROOT/labs/6-operating/grade-scenario-part.sh" --missing "$WORK/reason" "$WORK/part.json" \
        >"$WORK/out" 2>&1
    cat "$WORK/out"
    expect '[ "$(json_get "$WORK/part.json" "(r[\"score\"], r[\"max_score\"])")" = "(0, 14)" ]' \
        "part B: 0 of 14"
    expect '[ "$(json_get "$WORK/part.json" "r[\"tests\"][0][\"output\"].strip()")" = "your submission holds no .scn file" ]' \
        "part B: the reason"

    echo '{"tests": [{"name": "labs/6-operating/grade/1_eject_refusing.scn: leastconn", "score": 1, "max_score": 1}]}' \
        >"$WORK/harness.json"
    echo "taken" >"$WORK/taken"
    python3 "$labkit" results "$ROOT" 6-operating "$WORK/r.json" "$WORK/harness.json" \
        "$WORK/none.tsv" "$WORK/no-failure" "$WORK/taken" "$WORK/part.json" >"$WORK/out"
    expect '[ "$(json_get "$WORK/r.json" "(r[\"score\"], r[\"max_score\"], len(r[\"tests\"]))")" = "(1, 15, 7)" ]' \
        "the code's test and part B's six"
    echo "Your code does not build" >"$WORK/failure"
    python3 "$labkit" results "$ROOT" 6-operating "$WORK/r.json" "$WORK/harness.json" \
        "$WORK/none.tsv" "$WORK/failure" "$WORK/taken" "$WORK/part.json" >"$WORK/out"
    expect '[ "$(json_get "$WORK/r.json" "[(t[\"name\"], t[\"max_score\"]) for t in r[\"tests\"]]")" = "[('"'"'build'"'"', 90)]" ]' \
        "one build test of 0 of 90 (part B included)"
}

# The starter of the test lab: the skeleton in place of the whole file,
# the function blanked, and the leak check passes; put a blanked body
# back anywhere (here a note in docs/) and the check fails, naming it.
test_starter_is_leak_free() {
    local course status=0
    course=$(grading_course)
    "$course/labs/starter.sh" 9-check "$WORK/starter" >"$WORK/out" 2>&1
    cat "$WORK/out"
    expect 'cmp -s "$course/labs/9-check/skeleton/common/rng.c" "$WORK/starter/common/rng.c"' \
        "the skeleton is in common/rng.c"
    expect 'grep -q "Lab 9: write this function" "$WORK/starter/proxy/balancer.c"' \
        "choose_leastconn blanked"
    expect '[ ! -e "$WORK/starter/labs/9-check/grade/1_short.scn" ] && [ ! -e "$WORK/starter/labs/9-check/hidden" ]' \
        "the hidden scenario and the list are left out"
    expect '[ ! -e "$WORK/starter/docs/instructor.md" ]' "no instructor's guide"
    python3 "$course/labs/lib/labkit.py" leaks "$course" 9-check "$WORK/starter" >"$WORK/leaks"
    cat "$WORK/leaks"
    { echo '```c'
      "$course/labs/lib/cfunc.py" "$course/common/rng.c" rng_below | sed 's/^    /  /'
      echo '```'; } >"$WORK/starter/docs/notes.md"
    python3 "$course/labs/lib/labkit.py" leaks "$course" 9-check "$WORK/starter" \
        >"$WORK/leaks" || status=$?
    cat "$WORK/leaks"
    expect '[ "$status" -eq 1 ]' "the check fails on a leaked body, got $status"
    expect 'grep -q "^leak: docs/notes.md holds the body of common/rng.c:rng_below" "$WORK/leaks"' \
        "it names the file and the body"
}

# The C scan finds definitions past braces in comments and literals. A
# student's balancer.c with a new helper (and a new include) compiles in
# the course's tree; a change to a function the lab does not hand out
# (choose_roundrobin) is not used, and the output says so.
test_grading_takes_new_helpers() {
    local course
    course=$(grading_course)
    cat >"$WORK/c.c" <<'EOF'
/* a brace in a comment: { */
static const char *odd = "}{";
struct s { int x; };
static int table[] = { 1, 2 };
int __attribute__((unused)) f(int a)
{
    return a + '}';
}
EOF
    expect '[ "$("$course/labs/lib/cfunc.py" "$WORK/c.c")" = "f 5 8" ]' \
        "one definition, f, lines 5 to 8: $("$course/labs/lib/cfunc.py" "$WORK/c.c")"
    submission_with "$WORK/sub" common/rng.c
    mkdir -p "$WORK/sub/proxy" "$WORK/tree"
    ( . "$ROOT/labs/lib/tree.sh" && copy_plain "$course" "$WORK/tree" )
    python3 - "$course/proxy/balancer.c" "$WORK/sub/proxy/balancer.c" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
helper = ("#include <limits.h>\n\nstatic int always_first(const struct balancer_view *view)\n"
          "{\n    return view->count > 0 && INT_MAX > 0 ? 0 : -1;\n}\n\n")
start = text.index("static int choose_leastconn")
text = text[:start] + helper + text[start:]
text = re.sub(r"(static int choose_leastconn\([^{]*\{\n)",
              r"\1    return always_first(view);\n", text)
text = re.sub(r"(static int choose_roundrobin\([^{]*\{\n)",
              r"\1    return 0; /* mine */\n", text)
open(sys.argv[2], "w").write(text)
PY
    python3 "$course/labs/lib/labkit.py" take "$WORK/tree" 9-check "$WORK/sub" "$WORK/taken"
    cat "$WORK/taken"
    expect 'grep -q "proxy/balancer.c: also your new functions: always_first$" "$WORK/taken"' \
        "the new function is named"
    expect 'grep -q "not your changes to choose_roundrobin: the course" "$WORK/taken"' \
        "the change to choose_roundrobin is named"
    expect '! grep -q "mine" "$WORK/tree/proxy/balancer.c"' "and not used"
    expect 'grep -q "return always_first(view);" "$WORK/tree/proxy/balancer.c"' \
        "the listed function is the student's"
    (cd "$WORK/tree" && cc -std=c11 -Wall -Wextra -Werror -Wmissing-prototypes \
        -D_GNU_SOURCE -Icommon -fsyntax-only proxy/balancer.c)
}

# A failed unit suite's output in the results: each test's FAILED line,
# the explanation the test printed between its name and its verdict, and
# each assertion once with how often it failed.
test_grading_collapses_unit_failures() {
    python3 - "$ROOT/labs/lib" <<'PY'
import sys
sys.path.insert(0, sys.argv[1])
import labkit
text = """Suite: leastconn
  Test: a ...
  it chose a backend that is down
FAILED
    1. t.c:9  - x
    2. t.c:10  - y
    3. t.c:9  - x
  Test: b ...passed
  Test: c ...FAILED
    1. t.c:20  - z
"""
want = ["Test: a ...FAILED", "it chose a backend that is down",
        "t.c:9  - x  (failed 2 times)", "t.c:10  - y",
        "Test: c ...FAILED", "t.c:20  - z"]
got = labkit.collapse_failures(text)
assert got == want, got
PY
}
