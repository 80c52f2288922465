# shellcheck shell=bash
# test_lab7.sh: lab 7's grader (labs/7-policies/grade.py) scores what
# docs/labs/7-policies.md says (sourced by run.sh).
#
# A whole grade runs twelve simulations of each file, about half a minute
# at 1,000 backends (labs/prove.sh grades the reference and every answer
# of labs/7-policies/answers/ that way). Here the 1,000-backend file is
# one the grader stops before running it (wrong shape, missing, a copy),
# so only ten-backend runs happen, with the harness that make built.

LAB7=$ROOT/labs/7-policies

# lab7_grade DIR: grades DIR into $WORK/r.json, prints the score.
lab7_grade() {
    python3 "$LAB7/grade.py" "$ROOT" "$1" "$WORK/r.json" >"$WORK/out" 2>&1 ||
        { cat "$WORK/out"; return 1; }
    json_get "$WORK/r.json" 'r["score"]'
}

# lab7_output NAME_PART: the output of the first test whose name holds it.
lab7_output() {
    json_get "$WORK/r.json" "[t['output'] for t in r['tests'] if '$1' in t['name']][0]"
}

# The reference ten-backend file scores its 10; beside a 1,000-backend
# file at load 0.5 (1 of 10: it parses, the shape test names the load).
test_lab7_reference_and_wrong_shape() {
    mkdir -p "$WORK/sub"
    cp "$LAB7/solution/lab7-10.scn" "$LAB7/answers/shape/lab7-1000.scn" "$WORK/sub/"
    expect '[ "$(lab7_grade "$WORK/sub")" = 11 ]' "10 + 1 points: $(cat "$WORK/out")"
    expect '[ "$(json_get "$WORK/r.json" "r[\"max_score\"]")" = 20 ]' "of 20"
    expect 'lab7_output "lab7-1000.scn: has the" | grep -q "lab7-1000.scn:7: offered load rho = .* = 0.500; this set-up asks for 0.9 to 0.99"' \
        "the shape miss, at its line: $(lab7_output "lab7-1000.scn: has the")"
    expect 'lab7_output "lab7-10.scn: its latency bounds hold" | grep -q "seed 2003, random: FAIL"' \
        "the verdicts are listed per seed and policy"
    expect 'lab7_output "written part" | grep -q "lab7.md: not in your submission"' \
        "a missing written part is named"
}

# A bound every policy meets scores 5 of 10 (parses, shape, leastconn and
# p2c pass; random and roundrobin pass too, so nothing else); the missing
# 1,000-backend file scores 0 with the reason.
test_lab7_weak_bound_and_missing_file() {
    mkdir -p "$WORK/sub/deep"
    cp "$LAB7/answers/weak/lab7-10.scn" "$WORK/sub/deep/"
    expect '[ "$(lab7_grade "$WORK/sub")" = 5 ]' "5 points: $(cat "$WORK/out")"
    expect 'lab7_output "lab7-10.scn: its latency bounds fail under random" | grep -q "^seed 7, random: PASS"' \
        "random passed the weak bound: $(lab7_output "fail under random")"
    expect 'lab7_output "lab7-1000.scn: parses" | grep -q "lab7-1000.scn: not in your submission"' \
        "the missing file is named"
}

# A malformed file: 0 points, the harness' message with file:line; a
# shipped scenario handed in: 0, named; and the grader's bad usage: a
# message and exit status 2.
test_lab7_malformed_copy_and_usage() {
    local status=0
    mkdir -p "$WORK/sub"
    sed 's/sigma=1.5/sigma=wide/' "$LAB7/solution/lab7-10.scn" >"$WORK/sub/lab7-10.scn"
    cp "$ROOT/scenarios/sim/p2c_1000.scn" "$WORK/sub/lab7-1000.scn"
    expect '[ "$(lab7_grade "$WORK/sub")" = 0 ]' "0 points: $(cat "$WORK/out")"
    expect 'lab7_output "lab7-10.scn: parses" | grep -q "^lab7-10.scn:12: sigma .wide."' \
        "the parse error at its line: $(lab7_output "lab7-10.scn: parses")"
    expect 'lab7_output "lab7-1000.scn: parses" | grep -q "copy of scenarios/sim/p2c_1000.scn"' \
        "the copy named: $(lab7_output "lab7-1000.scn: parses")"
    expect '! grep -q "$ROOT" "$WORK/r.json"' "no absolute path in the results"
    "$LAB7/grade-submission.sh" >"$WORK/usage" 2>&1 || status=$?
    expect '[ "$status" -eq 2 ] && grep -q "^usage: labs/7-policies/grade-submission.sh" "$WORK/usage"' \
        "grade-submission.sh without arguments: exit 2 and usage, got $status"
    status=0
    "$LAB7/grade-submission.sh" "$WORK/none" "$WORK/r2.json" >"$WORK/usage" 2>&1 || status=$?
    expect '[ "$status" -eq 2 ] && grep -q "no submission" "$WORK/usage"' \
        "a submission that does not exist: exit 2, got $status: $(cat "$WORK/usage")"
    status=0
    python3 "$LAB7/grade.py" "$ROOT" >"$WORK/usage" 2>&1 || status=$?
    expect '[ "$status" -eq 2 ]' "grade.py with too few arguments: exit 2, got $status"
}
