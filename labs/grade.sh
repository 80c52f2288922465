#!/bin/sh
# grade.sh LAB [TREE] [RESULTS_JSON]: grades one lab on one source tree.
#
# Builds TREE (default: this repository) with make in TREE itself, runs
# TREE/harness with TREE's programs on labs/LAB/grade/*.scn, then, when
# labs/LAB/units names CUnit suites, builds a test runner from TREE's
# modules with THIS repository's tests/ and Makefile and runs them. Writes
# Gradescope's results.json to RESULTS_JSON (default: a temporary file)
# and prints "LAB: SCORE of MAX points". The grading scenarios and the
# unit tests always come from this repository, never from TREE, so a
# student cannot edit them. Exit status: 0 after a run (the score is the
# result), 2 when TREE does not build or on bad usage.
#
# labs/LAB/units lines: SUITE... points=N ('#' comments, blank lines
# ignored). Each line is one graded test worth N points, all or nothing:
# every CUnit test of the named suites must pass.
set -eu

usage() { echo "usage: labs/grade.sh LAB [TREE] [RESULTS_JSON]" >&2; exit 2; }
[ $# -ge 1 ] && [ $# -le 3 ] || usage
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
lab=${1%/}; lab=${lab#labs/}
tree=$(cd "${2:-$repo}" && pwd)
grade_dir="$here/$lab/grade"
[ -d "$grade_dir" ] || { echo "grade.sh: no lab '$lab' ($grade_dir missing)" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
results=${3:-$tmp/results.json}

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
if ! make -s -C "$tree" "$@" >"$tmp/build.log" 2>&1; then
    echo "grade.sh: $tree does not build:" >&2
    tail -n 30 "$tmp/build.log" >&2
    exit 2
fi

# The harness' own exit status says whether everything passed; the score
# is in the results file, so a failed expectation is not an error here.
"$bin/harness" --bin "$bin" --gradescope "$results" "$grade_dir/" || true

# The graded unit suites: TREE's sources (not its build products) with
# this repository's tests/ and Makefile over them, built with the lab's
# flags, so a student's edits to the tests cannot reach the grade.
# Writes one "POINTS<TAB>SUITES<TAB>VERDICT<TAB>OUTPUT_FILE" line per
# graded test to $tmp/units.tsv.
run_units() {
    src="$tmp/units-src"
    mkdir -p "$src"
    (cd "$tree" && tar --exclude=./build --exclude=./.git -cf - .) | tar -xf - -C "$src"
    rm -rf "$src/tests" && mkdir "$src/tests"
    cp "$repo"/tests/*.c "$repo"/tests/*.h "$src/tests/"
    cp "$repo/Makefile" "$src/Makefile"
    if [ -f "$here/$lab/cflags" ]; then
        built=$(make -s -C "$src" BUILD=build/units CFLAGS="$(cat "$here/$lab/cflags")" \
            build/units/test_runner >"$tmp/units-build.log" 2>&1 && echo yes || echo no)
    else
        built=$(make -s -C "$src" BUILD=build/units build/units/test_runner \
            >"$tmp/units-build.log" 2>&1 && echo yes || echo no)
    fi
    n=0
    grep -v '^[[:space:]]*#' "$here/$lab/units" | grep -v '^[[:space:]]*$' |
    while read -r line; do
        n=$((n + 1))
        points=$(echo "$line" | sed -n 's/.*points=\([0-9][0-9]*\).*/\1/p')
        suites=$(echo "$line" | sed 's/points=[0-9]*//; s/[[:space:]]*$//')
        out="$tmp/units-$n.out"
        if [ $built = no ]; then
            verdict=nobuild
            tail -n 30 "$tmp/units-build.log" >"$out"
        else
            rc=0
            # shellcheck disable=SC2086 # one word per suite
            (cd "$src" && timeout 300 build/units/test_runner $suites) >"$out" 2>&1 || rc=$?
            verdict=rc$rc
        fi
        printf '%s\t%s\t%s\t%s\n' "${points:-0}" "$suites" "$verdict" "$out"
    done >"$tmp/units.tsv"
}
[ -f "$here/$lab/units" ] && run_units

python3 - "$results" "$lab" "$tmp/units.tsv" <<'PY'
import json, re, sys
path, lab, units = sys.argv[1], sys.argv[2], sys.argv[3]
try:
    with open(path) as f:
        data = json.load(f)
except (OSError, ValueError) as e:
    print(f"{lab}: no results ({e})")
    sys.exit(0)

def unit_report(suites, verdict, text):
    """(passed, output) for one run of the CUnit runner."""
    if verdict == "nobuild":
        return False, ("the unit tests do not build against your modules "
                       "(the end of the build log):\n" + text)
    failed = [l.strip() for l in text.splitlines()
              if "...FAILED" in l or re.match(r"\s+\d+\. ", l)]
    summary = re.search(r"^\s+tests\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)", text, re.M)
    rc = int(verdict[2:])
    ok = rc == 0 and summary is not None and summary.group(4) == "0" \
        and int(summary.group(2)) > 0
    if ok:
        return True, f"every test of {suites} passed ({summary.group(2)} tests)"
    stopped = rc > 128 or rc == 66 or summary is None
    if stopped:
        tests = re.findall(r"Test: (.*?) \.\.\.", text)
        where = f" during '{tests[-1]}'" if tests else ""
        why = {66: "a sanitizer report", 124: "a time-out (300 s)"}.get(
            rc, f"signal {rc - 128}" if rc > 128 else f"status {rc}")
        failed.insert(0, f"the test runner stopped{where}: {why}")
    return False, ("not every test passed (run: build/test_runner "
                   f"{suites}):\n" + "\n".join(failed[:60]) +
                   ("\n\n" + text[-3000:] if stopped else ""))

try:
    rows = [l.rstrip("\n").split("\t") for l in open(units)]
except OSError:
    rows = []
tests = data.setdefault("tests", [])
for points, suites, verdict, out in rows:
    try:
        text = open(out, errors="replace").read()
    except OSError:
        text = ""
    ok, output = unit_report(suites, verdict, text)
    tests.append({"name": f"unit tests: {suites}", "max_score": int(points),
                  "score": int(points) if ok else 0,
                  "status": "passed" if ok else "failed", "output": output})
    print(f"unit tests {suites}: {'passed' if ok else 'FAILED'} "
          f"({int(points) if ok else 0} of {points} points)")
score = sum(t.get("score", 0) for t in tests)
data["score"] = score
with open(path, "w") as f:
    json.dump(data, f, indent=2)
top = sum(t.get("max_score", 0) for t in tests)
fmt = lambda x: ("%g" % x)
print(f"{lab}: {fmt(score)} of {fmt(top)} points")
PY
exit 0
