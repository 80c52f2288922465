#!/bin/sh
# grade-submission.sh SUBMISSION RESULTS_JSON: grades lab 7.
#
# labs/grade.sh runs it in its copy of the course's tree with the whole
# submission (a folder or a .zip holding lab7-10.scn, lab7-1000.scn and
# lab7.md). It builds the harness there and lets grade.py run each
# scenario under each policy and three seeds in virtual time
# (docs/labs/7-policies.md, "Grading"). A missing file scores 0, with the
# reason. Writes Gradescope's results.json to RESULTS_JSON; prints
# "7-policies: SCORE of 20 points". Exit status 0 after grading, 2 on bad
# usage or when the harness does not build.
set -eu

[ $# -eq 2 ] || {
    echo "usage: labs/7-policies/grade-submission.sh SUBMISSION RESULTS_JSON" >&2
    exit 2; }
here=$(cd "$(dirname "$0")" && pwd -P)
repo=$(cd "$here/../.." && pwd -P)
. "$repo/labs/lib/tree.sh"
[ -e "$1" ] || { echo "grade-submission.sh: no submission '$1'" >&2; exit 2; }
log=$(mktemp)
trap 'rm -f "$log"' EXIT
course_make -s -C "$repo" harness >"$log" 2>&1 || {
    echo "grade-submission.sh: the harness does not build" >&2
    tail -n 20 "$log" >&2
    exit 2; }
python3 "$here/grade.py" "$repo" "$1" "$2"
