#!/bin/sh
# grade-scenario.sh SCENARIO [RESULTS_JSON]: grades lab 5.
# grade-scenario.sh --missing REASON_FILE [RESULTS_JSON]: writes the
#   results of a submission that holds no scenario (0 points, the reason).
#
# The student's work is a scenario file. It earns
#   2 points  when it parses (harness --list accepts it),
#   4 points  when it passes on the reference proxy (this repository's
#             HEAD, or a plain copy of it when it is no git checkout),
#   4 points  when it FAILS on the proxy with the hidden bug (broken.patch),
# and nothing when it is a shipped scenario (scenarios/, labs/*/grade/)
# up to comments, spacing, line order, seed, timeout, points
# and backend names (copied.py): several of those find the bug already.
# Gradescope's results.json is written to RESULTS_JSON; GRADE_REPORT=DIR:
# the harness draws the runs' HTML reports in DIR/reference and
# DIR/hidden-bug. Prints "5-own-scenario: SCORE of 10 points". Exit status
# 0 after grading, 2 on bad usage or when a proxy does not build.
set -eu

usage() {
    echo "usage: labs/5-own-scenario/grade-scenario.sh SCENARIO|--missing REASON_FILE [RESULTS_JSON]" >&2
    exit 2; }
[ $# -ge 1 ] || usage
missing=
if [ "$1" = --missing ]; then
    [ $# -ge 2 ] || usage
    missing=$2
    shift
fi
[ $# -le 2 ] || usage
here=$(cd "$(dirname "$0")" && pwd -P)
repo=$(cd "$here/../.." && pwd -P)
. "$repo/labs/lib/tree.sh"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
trap 'exit 130' INT TERM
results=${2:-$work/results.json}
# A shipped scenario handed in is refused before anything is built.
. "$repo/labs/lib/scenario.sh"
scenario_take "$repo" "$work" "$1" "$missing"

build() {       # build DIR [PATCH]: the repository, maybe patched, built in DIR
    copy_tree "$repo" "$1" || exit 2
    [ $# -lt 2 ] || patch -s -p1 -d "$1" <"$2"
    course_make -s -C "$1" >"$1.log" 2>&1 || {
        echo "grade-scenario.sh: $1 does not build" >&2; tail -n 20 "$1.log" >&2
        exit 2; }
}
parses=0 passes=0 catches=0
judge() {       # judge NAME DIR: the scenario on DIR's programs
    if [ -n "${GRADE_REPORT:-}" ]; then
        "$2/harness" --bin "$2" --report "$GRADE_REPORT/$1" "$name"
    else
        "$2/harness" --bin "$2" "$name"
    fi
}
if [ $copied -eq 0 ] && [ -z "$missing" ]; then
    [ -f "$here/broken.patch" ] || {
        echo "grade-scenario.sh: the hidden bug (broken.patch) is not in this copy" >&2
        exit 2; }
    build "$work/reference"
    build "$work/broken" "$here/broken.patch"
    "$work/reference/harness" --list "$name" >"$work/list.out" 2>&1 && parses=1
fi
if [ $parses -eq 1 ]; then
    judge reference "$work/reference" >"$work/reference.out" 2>&1 && passes=1
    status=0
    judge hidden-bug "$work/broken" >"$work/broken.out" 2>&1 || status=$?
    [ $status -eq 1 ] && catches=1
fi

python3 - "$results" "$work" $parses $passes $catches $copied "$repo" <<'PY'
import json, os, sys
path, work = sys.argv[1], sys.argv[2]
parses, passes, catches, copied = (int(x) for x in sys.argv[3:7])
sys.path.insert(0, os.path.join(sys.argv[7], "labs", "lib"))
import labkit  # noqa: E402


def text(name):
    return labkit.scenario_output(work, name, copied)


tests = [
    {"name": "lab 5: the scenario parses", "max_score": 2,
     "score": 2 * parses, "output": text("list.out")},
    {"name": "lab 5: it passes on the reference proxy", "max_score": 4,
     "score": 4 * passes, "output": text("reference.out")},
    {"name": "lab 5: it fails on the proxy with the hidden bug", "max_score": 4,
     "score": 4 * catches, "output": text("broken.out")},
]
for t in tests:
    t["status"] = "passed" if t["score"] == t["max_score"] else "failed"
    t["visibility"] = "visible"
score = sum(t["score"] for t in tests)
json.dump({"score": score, "max_score": 10, "output_format": "text",
           "tests": tests}, open(path, "w"), indent=2)
print(f"5-own-scenario: {score} of 10 points")
PY
