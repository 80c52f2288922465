#!/bin/sh
# starter.sh LAB OUTDIR: writes the student's starting point for LAB.
#
# Copies this repository into OUTDIR (its HEAD, or a plain copy when it is
# no git checkout: the same tree labs/grade.sh grades with), then
# (labs/lib/labkit.py starter):
#   - blanks every function that labs/LAB/blank.list and the blank.list of
#     every later lab name: its body becomes a comment pointing at the
#     lab's page and the replacement body of its line; a "FILE *" line
#     puts labs/L/skeleton/FILE in FILE's place;
#   - leaves out what only the instructor may see: docs/instructor.md,
#     every lab's broken.patch, cheats/, expected, hidden and solution*,
#     a scenario lab's answers (labs/L/*.scn), the grading scenarios
#     that a labs/L/hidden names (and the repository paths that
#     labs/LAB/hidden names), and the bug catalogue's patches
#     (tests/bugs/) that change a blanked file or hold a line of a
#     scenario lab's hidden bug;
#   - for a lab with nothing to write (an empty blank.list), ships the
#     complete programs, built from the course's tree, in OUTDIR/bin.
# The result must build with make; it is left clean. docs/grading.md says
# more; labs/prove.sh checks every starter with `labkit.py leaks`.
#
# Exit status: 0, 1 when the starter cannot be made or does not build
# (the message says why), 2 on bad usage (unknown lab, OUTDIR not empty).
set -eu

usage() { echo "usage: labs/starter.sh LAB OUTDIR   (LAB: e.g. 3-leastconn)" >&2; exit 2; }
[ $# -eq 2 ] || usage
here=$(cd "$(dirname "$0")" && pwd -P)
repo=$(cd "$here/.." && pwd -P)
. "$here/lib/tree.sh"
lab=${1%/}; lab=${lab#labs/}
out=$2
if [ -z "$lab" ] || ! labs_of "$repo" | grep -qxF "$lab"; then
    echo "starter.sh: no lab '$1' (labs: $(labs_of "$repo" | tr '\n' ' '))" >&2
    exit 2
fi
if [ -e "$out" ] && [ -n "$(ls -A "$out" 2>/dev/null)" ]; then
    echo "starter.sh: $out is not empty" >&2
    exit 2
fi

copy_tree "$repo" "$out" || exit 1
# A lab with nothing to write (lab 1) runs the complete programs, which the
# starter's own sources cannot make (every later lab's functions are
# blanked there): they are built from the course's tree into OUTDIR/bin.
if ! grep -qv '^[[:space:]]*\(#.*\)\{0,1\}$' "$repo/labs/$lab/blank.list"; then
    full=$(mktemp -d)
    if ! copy_tree "$repo" "$full" ||
       ! course_make -s -C "$full" >"$full/.build.log" 2>&1; then
        echo "starter.sh: the complete programs for $lab do not build:" >&2
        tail -n 20 "$full/.build.log" >&2 2>/dev/null
        rm -rf "$full"
        exit 1
    fi
    mkdir -p "$out/bin"
    for prog in proxy_server dummy_server simulate_client harness fault_link \
                thread_audit.so; do
        cp "$full/$prog" "$out/bin/"
    done
    rm -rf "$full"
fi
python3 "$out/labs/lib/labkit.py" starter "$out" "$lab" "$out" || {
    echo "starter.sh: no starter for $lab" >&2; exit 1; }

if ! course_make -s -C "$out" >"$out/.starter-build.log" 2>&1; then
    echo "starter.sh: the starter for $lab does not build:" >&2
    tail -n 20 "$out/.starter-build.log" >&2
    exit 1
fi
course_make -s -C "$out" clean >/dev/null 2>&1 || true
rm -f "$out/.starter-build.log"
echo "starter for $lab in $out (builds)"
