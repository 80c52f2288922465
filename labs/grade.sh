#!/bin/sh
# grade.sh LAB SUBMISSION [RESULTS_JSON]: grades one submission, sealed.
#
# Copies this repository (its HEAD, or a plain copy when it is no git
# checkout), puts into that copy only what labs/LAB/blank.list lets
# students change, taken from SUBMISSION (a folder or a .zip: a whole tree
# or only the changed files; for lab 5 a scenario file; for lab 7 its
# scenarios and written part), builds the copy
# and grades it with the copy's own harness, scenarios and unit tests.
# Writes Gradescope's results.json to RESULTS_JSON (default: a temporary
# file) and prints "LAB: SCORE of MAX points". Lab 6 takes a scenario
# too, graded by its grade-scenario-part.sh. GRADE_REPORT=DIR: the
# harness also draws its HTML report there. docs/grading.md tells the
# whole of it.
#
# Exit status: 0 when the results file was written (whatever the score:
# a build failure or a missing function scores 0 there, with the reason),
# 1 when it could not be written, 2 on bad usage (unknown lab, missing
# submission).
set -eu

usage() {
    echo "usage: labs/grade.sh LAB SUBMISSION [RESULTS_JSON]   (LAB: e.g. 3-leastconn)" >&2
    exit 2
}
[ $# -ge 2 ] && [ $# -le 3 ] || usage
here=$(cd "$(dirname "$0")" && pwd -P)
repo=$(cd "$here/.." && pwd -P)
. "$here/lib/tree.sh"
lab=${1%/}; lab=${lab#labs/}
if [ -z "$lab" ] || ! labs_of "$repo" | grep -qxF "$lab"; then
    echo "grade.sh: no lab '$1' (labs: $(labs_of "$repo" | tr '\n' ' '))" >&2
    exit 2
fi
[ -e "$2" ] || { echo "grade.sh: no submission '$2'" >&2; exit 2; }
sub=$(cd "$(dirname "$2")" && pwd -P)/$(basename "$2")
results=${3:-}
if [ -n "$results" ]; then
    : >"$results" 2>/dev/null || { echo "grade.sh: cannot write $results" >&2; exit 1; }
    results=$(cd "$(dirname "$results")" && pwd -P)/$(basename "$results")
fi
report=
if [ -n "${GRADE_REPORT:-}" ]; then
    mkdir -p "$GRADE_REPORT" && report=$(cd "$GRADE_REPORT" && pwd -P) ||
        { echo "grade.sh: cannot make GRADE_REPORT=$GRADE_REPORT" >&2; exit 1; }
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM
results=${results:-$tmp/results.json}
tree=$tmp/tree
copy_tree "$repo" "$tree" || exit 1
labkit=$tree/labs/lib/labkit.py

# scenario_args: sets the arguments of a scenario grader: the
# submission's one scenario file, or --missing and the reason there is
# none.
scenario_args() {
    if python3 "$labkit" scn "$lab" "$sub" "$tmp/your.scn" >"$tmp/scn.out" 2>&1; then
        cat "$tmp/scn.out"
        echo "$tmp/your.scn" >"$tmp/scn.args"
    else
        sed 's/^labkit.py scn: //' "$tmp/scn.out" >"$tmp/scn-missing"
        printf '%s\n' --missing "$tmp/scn-missing" >"$tmp/scn.args"
    fi
}

# Lab 5: the work is one scenario file, graded by the lab's own script
# (a submission without one scores 0 there, with the reason).
if [ -x "$tree/labs/$lab/grade-scenario.sh" ]; then
    scenario_args
    # shellcheck disable=SC2046 # one word per line; no spaces in the paths
    set -- $(cat "$tmp/scn.args")
    GRADE_REPORT=$report "$tree/labs/$lab/grade-scenario.sh" "$@" "$results" || exit 1
    exit 0
fi

# Lab 7: the work is several files (two scenarios and a written part),
# graded by the lab's own script from the whole submission.
if [ -x "$tree/labs/$lab/grade-submission.sh" ]; then
    "$tree/labs/$lab/grade-submission.sh" "$sub" "$results" || exit 1
    exit 0
fi

# Lab 6 asks for a scenario as well (labs/LAB/grade-scenario-part.sh):
# it is graded first, on the course's own tree, before the student's code
# goes in (a submission without one scores 0 there, with the reason).
if [ -x "$tree/labs/$lab/grade-scenario-part.sh" ]; then
    scenario_args
    # shellcheck disable=SC2046 # one word per line; no spaces in the paths
    set -- $(cat "$tmp/scn.args")
    GRADE_REPORT=$report "$tree/labs/$lab/grade-scenario-part.sh" "$@" "$tmp/part.json" ||
        exit 1
fi

# What the student may change, into the copy; a missing or unreadable
# function is the build's failure.
if ! python3 "$labkit" take "$tree" "$lab" "$sub" "$tmp/taken" 2>"$tmp/take.err"; then
    if [ -s "$tmp/taken" ]; then
        cp "$tmp/taken" "$tmp/failure"
    else
        cat "$tmp/take.err" >&2
        exit 1
    fi
fi
cat "$tmp/taken"

# A lab may ask for an instrumented build (labs/LAB/cflags, e.g. the
# thread-pool lab builds with ThreadSanitizer): it goes to its own folder,
# and a sanitizer report stops the process, so the scenario it happens in
# is aborted and scores nothing. The unit runner is built the same way.
build=build bin=.
set --
if [ -f "$tree/labs/$lab/cflags" ]; then
    build=build/lab-$lab bin=build/lab-$lab/bin
    set -- BUILD="$build" BIN="$bin" CFLAGS="$(cat "$tree/labs/$lab/cflags")"
    export TSAN_OPTIONS="halt_on_error=1:exitcode=66"
    export ASAN_OPTIONS="halt_on_error=1:exitcode=66"
fi
programs="$bin/proxy_server $bin/dummy_server $bin/simulate_client $bin/harness"
[ "$bin" = . ] && programs=all
# shellcheck disable=SC2086 # one word per target
if [ ! -e "$tmp/failure" ] &&
   ! course_make -s --no-print-directory -C "$tree" "$@" $programs >"$tmp/build.log" 2>&1; then
    {
        echo "Your code does not build with the course's tree (the end of the compiler output):"
        echo
        tail -n 40 "$tmp/build.log"
        echo
        cat "$tmp/taken"
    } >"$tmp/failure"
fi

if [ ! -e "$tmp/failure" ]; then
    # The harness' own exit status says whether everything passed; the
    # score is in its results, so a failed expectation is no error here.
    # Run inside the copy with relative paths: the test names are
    # "labs/LAB/grade/X.scn: CHECK".
    (cd "$tree" && "$tree/$bin/harness" --bin "$tree/$bin" --gradescope "$tmp/harness.json" \
        ${report:+--report "$report"} "labs/$lab/grade/") || true

    # The graded unit suites (labs/LAB/units: SUITE... points=N; '#'
    # comments): one "POINTS<TAB>SUITES<TAB>VERDICT<TAB>OUTPUT" line each.
    if [ -f "$tree/labs/$lab/units" ]; then
        built=yes
        course_make -s --no-print-directory -C "$tree" "$@" BUILD="$build" "$build/test_runner" \
            >"$tmp/units-build.log" 2>&1 || built=no
        n=0
        sed 's/#.*//' "$tree/labs/$lab/units" | grep '[^[:space:]]' |
        while read -r line; do
            n=$((n + 1))
            points=$(echo "$line" | sed -n 's/.*points=\([0-9][0-9]*\).*/\1/p')
            suites=$(echo "$line" | sed 's/points=[0-9]*//; s/[[:space:]]*$//')
            out=$tmp/units-$n.out
            if [ $built = no ]; then
                verdict=nobuild
                tail -n 30 "$tmp/units-build.log" >"$out"
            else
                rc=0
                # shellcheck disable=SC2086 # one word per suite
                (cd "$tree" && timeout 300 "$build/test_runner" $suites) >"$out" 2>&1 || rc=$?
                verdict=rc$rc
            fi
            printf '%s\t%s\t%s\t%s\n' "${points:-0}" "$suites" "$verdict" "$out"
        done >"$tmp/units.tsv"
    fi
fi

python3 "$labkit" results "$tree" "$lab" "$results" "$tmp/harness.json" \
    "$tmp/units.tsv" "$tmp/failure" "$tmp/taken" "$tmp/part.json" || exit 1
exit 0
