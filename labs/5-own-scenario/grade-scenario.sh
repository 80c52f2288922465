#!/bin/sh
# grade-scenario.sh SCENARIO [RESULTS_JSON]: grades lab 5.
#
# The student's work is a scenario file. It earns
#   2 points  when it parses (harness --list accepts it),
#   4 points  when it passes on the reference proxy (this repository's HEAD),
#   4 points  when it FAILS on the proxy with the hidden bug (broken.patch),
# and nothing when it is a shipped scenario (scenarios/, labs/*/grade/)
# up to comments, spacing, line order, seed, timeout, points
# and backend names (copied.py): several of those find the bug already.
# Gradescope's results.json is written to RESULTS_JSON. Prints
# "5-own-scenario: SCORE of 10 points". Exit status 0 after grading, 2 on
# bad usage or when a proxy does not build.
set -eu

[ $# -ge 1 ] && [ $# -le 2 ] || {
    echo "usage: labs/5-own-scenario/grade-scenario.sh SCENARIO [RESULTS_JSON]" >&2
    exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
scn=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT INT TERM
results=${2:-$work/results.json}

# A shipped scenario handed in is refused before anything is built.
shipped=$(find "$repo/scenarios" "$repo"/labs/*/grade -name '*.scn' | sort)
copied=0
# shellcheck disable=SC2086 # one word per file; no spaces in the repository
"$here/copied.py" "$scn" $shipped >"$work/copied.out" && copied=1
sed -i "s#$repo/##" "$work/copied.out"

build() {       # build DIR [PATCH]: HEAD, maybe patched, built in DIR
    mkdir -p "$1"
    git -C "$repo" archive HEAD | tar -x -C "$1"
    [ $# -lt 2 ] || patch -s -p1 -d "$1" <"$2"
    make -s -C "$1" >"$1.log" 2>&1 || {
        echo "grade-scenario.sh: $1 does not build" >&2; tail -n 20 "$1.log" >&2
        exit 2; }
}
parses=0 passes=0 catches=0
if [ $copied -eq 0 ]; then
    build "$work/reference"
    build "$work/broken" "$here/broken.patch"
    "$work/reference/harness" --list "$scn" >"$work/list.out" 2>&1 && parses=1
fi
if [ $parses -eq 1 ]; then
    "$work/reference/harness" --bin "$work/reference" "$scn" \
        >"$work/reference.out" 2>&1 && passes=1
    status=0
    "$work/broken/harness" --bin "$work/broken" "$scn" \
        >"$work/broken.out" 2>&1 || status=$?
    [ $status -eq 1 ] && catches=1
fi

python3 - "$results" "$work" $parses $passes $catches $copied <<'PY'
import json, sys
path, work = sys.argv[1], sys.argv[2]
parses, passes, catches, copied = (int(x) for x in sys.argv[3:7])
note = open(f"{work}/copied.out").read().strip()
def text(name):
    if copied:
        return (f"not run: your scenario is a {note} (comments, spacing, line "
                "order, seed, timeout, points and backend names set aside). "
                "Write a scenario of your own.")
    try:
        out = open(f"{work}/{name}").read()[-4000:]
    except OSError:
        out = "(not run: the scenario does not parse)"
    return out + (f"\n\n(for the grader: it {note})" if note else "")
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
score = sum(t["score"] for t in tests)
json.dump({"score": score, "tests": tests}, open(path, "w"), indent=2)
print(f"5-own-scenario: {score} of 10 points")
PY
