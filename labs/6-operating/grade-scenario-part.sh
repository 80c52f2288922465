#!/bin/sh
# grade-scenario-part.sh SCENARIO RESULTS_JSON: grades lab 6's part B.
# grade-scenario-part.sh --missing REASON_FILE RESULTS_JSON: writes the
#   results of a submission that holds no scenario (0 points, the reason).
#
# labs/grade.sh runs it on the course's own tree, before it puts the
# student's code in. The student's work is a rolling-restart scenario. It
# earns
#   2 points  when it parses (harness --list accepts it),
#   2 points  when it is a rolling restart: every backend it declares is
#             drained, restarted and enabled, in that order, one backend
#             after the other, with an `expect drained` line each and
#             `expect clients ok`,
#   4 points  when it passes on the reference proxy (this tree),
#   2 points  for each drain bug of labs/6-operating/drain-bugs it FAILS
#             on (the proxy built with that tests/bugs/ patch),
# and nothing when it is a shipped scenario (scenarios/, labs/*/grade/)
# up to comments, spacing, line order, seed, timeout, points and backend
# names (labs/5-own-scenario/copied.py): scenarios/rolling_restart.scn is
# one. Writes the tests, in Gradescope's format, to RESULTS_JSON; prints
# "part B: SCORE of MAX points". GRADE_REPORT=DIR: the reference run's
# HTML report goes to DIR/rolling-restart. Exit status 0 after grading, 2
# on bad usage or when a proxy does not build.
set -eu

usage() {
    echo "usage: labs/6-operating/grade-scenario-part.sh SCENARIO|--missing REASON_FILE RESULTS_JSON" >&2
    exit 2; }
missing=
if [ "${1:-}" = --missing ]; then
    [ $# -eq 3 ] || usage
    missing=$2
    shift
fi
[ $# -eq 2 ] || usage
here=$(cd "$(dirname "$0")" && pwd -P)
repo=$(cd "$here/../.." && pwd -P)
. "$repo/labs/lib/tree.sh"
results=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
trap 'exit 130' INT TERM
bugs=$(sed 's/#.*//' "$here/drain-bugs" | tr -s ' \t' '\n' | grep . || true)
# A shipped scenario handed in is refused before anything is built.
. "$repo/labs/lib/scenario.sh"
scenario_take "$repo" "$work" "$1" "$missing"

parses=0 passes=0
: >"$work/caught"
if [ $copied -eq 0 ] && [ -z "$missing" ]; then
    copy_tree "$repo" "$work/reference" || exit 2
    course_make -s -C "$work/reference" proxy_server dummy_server simulate_client harness \
        fault_link >"$work/reference.log" 2>&1 || {
        echo "grade-scenario-part.sh: the reference proxy does not build" >&2
        tail -n 20 "$work/reference.log" >&2; exit 2; }
    "$work/reference/harness" --list "$name" >"$work/list.out" 2>&1 && parses=1
fi
if [ $parses -eq 1 ]; then
    if [ -n "${GRADE_REPORT:-}" ]; then
        set -- --report "$GRADE_REPORT/rolling-restart"
    else
        set --
    fi
    "$work/reference/harness" --bin "$work/reference" "$@" "$name" >"$work/reference.out" 2>&1 &&
        passes=1
    # Each drain bug: only proxy_server differs, the other programs are
    # the reference's.
    for bug in $bugs; do
        key=$(basename "$bug" .patch)
        dir=$work/$key
        copy_tree "$repo" "$dir" || exit 2
        sed -n '/^--- a\//,$p' "$repo/$bug" | patch -s -p1 -d "$dir" >"$dir.log" 2>&1 &&
            course_make -s -C "$dir" proxy_server >>"$dir.log" 2>&1 || {
            echo "grade-scenario-part.sh: the proxy with $bug does not build" >&2
            tail -n 20 "$dir.log" >&2; exit 2; }
        for prog in dummy_server simulate_client fault_link; do
            cp "$work/reference/$prog" "$dir/"
        done
        [ ! -e "$work/reference/thread_audit.so" ] || cp "$work/reference/thread_audit.so" "$dir/"
        status=0
        "$work/reference/harness" --bin "$dir" "$name" >"$work/$key.out" 2>&1 || status=$?
        [ $status -ne 1 ] || echo "$key" >>"$work/caught"
    done
fi

python3 - "$results" "$work" "$scn" "$repo" $parses $passes $copied $bugs <<'PY'
import json, os, re, sys
path, work, scn, repo = sys.argv[1:5]
parses, passes, copied = (int(x) for x in sys.argv[5:8])
bugs = [os.path.basename(b)[:-len(".patch")] for b in sys.argv[8:]]
caught = open(f"{work}/caught").read().split()
sys.path.insert(0, os.path.join(repo, "labs", "lib"))
import labkit  # noqa: E402


def ms(text):
    """A duration of the scenario language in milliseconds, or None."""
    m = re.fullmatch(r"(\d+(?:\.\d+)?)(us|ms|s|m)", text)
    if m is None:
        return None
    return float(m.group(1)) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60000}[m.group(2)]


def shape():
    """(ok, why): is the scenario a rolling restart, one backend at a time?"""
    backends, actions, drained, clients_ok = [], {}, set(), False
    for raw in open(scn, errors="replace").read().splitlines():
        words = raw.split("#", 1)[0].split()
        if words[:1] == ["backend"] and len(words) > 1 and "standby" not in words:
            backends.append(words[1])
        elif words[:1] == ["at"] and len(words) >= 4 and ms(words[1]) is not None:
            actions.setdefault((words[2], words[3]), []).append(ms(words[1]))
        elif words[:2] == ["expect", "drained"] and len(words) > 2:
            drained.add(words[2])
        elif words[:3] == ["expect", "clients", "ok"]:
            clients_ok = True
    if not backends:
        return False, "it declares no backend"
    spans = []
    for b in backends:
        times = [actions.get((verb, b)) for verb in ("drain", "restart", "enable")]
        if any(t is None or len(t) != 1 for t in times):
            return False, (f"{b} is not drained, restarted and enabled exactly once "
                           "each (at ... drain/restart/enable " + b + ")")
        d, r, e = (t[0] for t in times)
        if not d < r < e:
            return False, f"{b}: its drain, restart and enable are not in that order"
        if b not in drained:
            return False, f"no 'expect drained {b} within D'"
        spans.append((d, e, b))
    spans.sort()
    for (_, end, first), (start, _, second) in zip(spans, spans[1:]):
        if start < end:
            return False, f"{second} is drained before {first} is enabled again"
    if not clients_ok:
        return False, "no 'expect clients ok' (a rolling restart fails no client)"
    return True, (f"{len(backends)} backends drained, restarted and enabled one "
                  "after the other, each with its expect drained")


def text(name, extra=""):
    if os.path.isfile(f"{work}/missing.out") or copied:
        extra = ""
    return extra + labkit.scenario_output(work, name, copied)


is_shape, why = shape() if parses else (False, "")
tests = [
    {"name": "part B: the scenario parses", "max_score": 2,
     "score": 2 * parses, "output": text("list.out")},
    {"name": "part B: it is a rolling restart", "max_score": 2,
     "score": 2 * is_shape, "output": text("list.out", why + "\n\n" if why else "")},
    {"name": "part B: it passes on the reference proxy", "max_score": 4,
     "score": 4 * passes, "output": text("reference.out")},
]
for bug in bugs:
    tests.append({"name": f"part B: it fails on a drain bug ({bug})", "max_score": 2,
                  "score": 2 * (bug in caught), "output": text(f"{bug}.out")})
for t in tests:
    t["status"] = "passed" if t["score"] == t["max_score"] else "failed"
    t["visibility"] = "visible"
score = sum(t["score"] for t in tests)
top = sum(t["max_score"] for t in tests)
json.dump({"score": score, "max_score": top, "output_format": "text",
           "tests": tests}, open(path, "w"), indent=2)
print(f"part B: {score} of {top} points")
PY
