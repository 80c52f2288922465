#!/bin/sh
# grade.sh LAB [TREE] [RESULTS_JSON]: grades one lab on one source tree.
#
# Builds TREE (default: this repository) with make in TREE itself, runs
# TREE/harness with TREE's programs on labs/LAB/grade/*.scn, writes
# Gradescope's results.json to RESULTS_JSON (default: a temporary file),
# and prints "LAB: SCORE of MAX points". The grading scenarios always come
# from this repository's labs/, never from TREE, so a student cannot edit
# them. Exit status: 0 after a run (the score is the result), 2 when TREE
# does not build or on bad usage.
set -eu

usage() { echo "usage: labs/grade.sh LAB [TREE] [RESULTS_JSON]" >&2; exit 2; }
[ $# -ge 1 ] && [ $# -le 3 ] || usage
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
lab=${1%/}; lab=${lab#labs/}
tree=$(cd "${2:-$repo}" && pwd)
grade_dir="$here/$lab/grade"
[ -d "$grade_dir" ] || { echo "grade.sh: no lab '$lab' ($grade_dir missing)" >&2; exit 2; }
tmp=
if [ $# -ge 3 ]; then
    results=$3
else
    tmp=$(mktemp -d)
    results="$tmp/results.json"
fi

# A lab may ask for an instrumented build (labs/LAB/cflags, e.g. the
# thread-pool lab builds with ThreadSanitizer): it goes to its own folder,
# and a sanitizer report stops the process, so the scenario it happens in
# is aborted and scores nothing.
bin=$tree
set --
if [ -f "$here/$lab/cflags" ]; then
    bin=$tree/build/lab-$lab/bin
    set -- BUILD="build/lab-$lab" BIN="build/lab-$lab/bin" \
        CFLAGS="$(cat "$here/$lab/cflags")" "build/lab-$lab/bin/proxy_server" \
        "build/lab-$lab/bin/dummy_server" "build/lab-$lab/bin/simulate_client" \
        "build/lab-$lab/bin/harness"
    export TSAN_OPTIONS="halt_on_error=1:exitcode=66"
    export ASAN_OPTIONS="halt_on_error=1:exitcode=66"
fi
if ! make -s -C "$tree" "$@" >"${tmp:-/tmp}/grade-build.$$.log" 2>&1; then
    echo "grade.sh: $tree does not build:" >&2
    tail -n 30 "${tmp:-/tmp}/grade-build.$$.log" >&2
    rm -f "${tmp:-/tmp}/grade-build.$$.log"
    [ -n "$tmp" ] && rm -rf "$tmp"
    exit 2
fi
rm -f "${tmp:-/tmp}/grade-build.$$.log"

# The harness' own exit status says whether everything passed; the score
# is in the results file, so a failed expectation is not an error here.
"$bin/harness" --bin "$bin" --gradescope "$results" "$grade_dir/" || true

python3 - "$results" "$lab" <<'PY'
import json, sys
path, lab = sys.argv[1], sys.argv[2]
try:
    with open(path) as f:
        data = json.load(f)
except (OSError, ValueError) as e:
    print(f"{lab}: no results ({e})")
    sys.exit(0)
tests = data.get("tests", [])
score = data.get("score", sum(t.get("score", 0) for t in tests))
top = sum(t.get("max_score", 0) for t in tests)
fmt = lambda x: ("%g" % x)
print(f"{lab}: {fmt(score)} of {fmt(top)} points")
PY
[ -n "$tmp" ] && rm -rf "$tmp"
exit 0
