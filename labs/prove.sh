#!/bin/sh
# prove.sh [LAB...]: proves each lab's grading (default: every lab).
#
# For each lab: the repository's HEAD (plus the working tree's labs/) is
# graded and must score the "reference" line of labs/LAB/expected; a second
# copy with labs/LAB/broken.patch applied must score the "broken" line; and
# the starter (starter.sh) must build. Prints one table row per lab; exits
# 1 on any mismatch.
set -u

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
if [ $# -eq 0 ]; then
    set -- $(cd "$here" && ls -d [0-9]*-*/ | sed 's#/$##')
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT INT TERM
fail=0

copy_head() {
    mkdir -p "$1" && git -C "$repo" archive HEAD | tar -x -C "$1"
}

score_of() {        # score_of LAB TREE -> prints the score, or "build" / "none"
    out=$("$here/grade.sh" "$1" "$2" "$2/results.json" 2>"$2/grade.err")
    rc=$?
    [ $rc -eq 2 ] && { echo build; return; }
    echo "$out" >"$2/grade.out"
    python3 -c 'import json,sys; print("%g" % json.load(open(sys.argv[1]))["score"])' \
        "$2/results.json" 2>/dev/null || echo none
}

# Sets ref, broken and starter for a lab whose work is code.
prove_code_lab() {
    copy_head "$work/$1/ref"
    ref=$(score_of "$1" "$work/$1/ref")

    copy_head "$work/$1/broken"
    if patch -s -p1 -d "$work/$1/broken" <"$here/$1/broken.patch"; then
        broken=$(score_of "$1" "$work/$1/broken")
    else
        broken=nopatch
    fi

    if "$here/starter.sh" "$1" "$work/$1/starter" >/dev/null 2>"$work/$1/starter.err"; then
        starter=builds
    else
        starter=FAILS
    fi
}

# Sets ref, broken and starter for a lab whose work is a scenario file.
scenario_score() {  # scenario_score LAB SCN DIR
    mkdir -p "$3"
    "$here/$1/grade-scenario.sh" "$2" "$3/results.json" >"$3/grade.out" \
        2>"$3/grade.err" || { echo build; return; }
    python3 -c 'import json,sys; print("%g" % json.load(open(sys.argv[1]))["score"])' \
        "$3/results.json" 2>/dev/null || echo none
}
prove_scenario_lab() {
    ref=$(scenario_score "$1" "$here/$1/solution.scn" "$work/$1/ref")
    broken=$(scenario_score "$1" "$here/$1/naive.scn" "$work/$1/broken")
    starter=builds      # the starting point is the unchanged repository
}

printf '%-22s %-10s %-8s %-12s %-8s %s\n' lab reference broken expected starter result
for lab in "$@"; do
    lab=${lab%/}; lab=${lab#labs/}
    want_ref=$(awk '$1 == "reference" { print $2 }' "$here/$lab/expected")
    want_broken=$(awk '$1 == "broken" { print $2 }' "$here/$lab/expected")

    if [ -x "$here/$lab/grade-scenario.sh" ]; then
        # A lab whose work is a scenario: the instructor's solution is the
        # reference, a scenario that finds nothing the broken answer.
        prove_scenario_lab "$lab"
    else
        prove_code_lab "$lab"
    fi

    result=OK
    [ "$ref" = "$want_ref" ] && [ "$broken" = "$want_broken" ] &&
        [ "$starter" = builds ] || result=MISMATCH
    [ $result = OK ] || fail=1
    printf '%-22s %-10s %-8s %-12s %-8s %s\n' "$lab" "$ref" "$broken" \
        "$want_ref/$want_broken" "$starter" "$result"
    if [ $result != OK ]; then
        for f in "$work/$lab"/ref/grade.out "$work/$lab"/broken/grade.out \
                 "$work/$lab"/*/grade.err "$work/$lab/starter.err"; do
            [ -s "$f" ] && { echo "--- $f"; tail -n 15 "$f"; }
        done
    fi
    rm -rf "$work/$lab"
done
exit $fail
