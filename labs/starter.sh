#!/bin/sh
# starter.sh LAB OUTDIR: writes the student's starting point for LAB.
#
# Copies the repository's HEAD (git archive, so local edits and build
# products stay out) into OUTDIR, leaves out what only the instructor may
# see (see below), then blanks every function named in
# labs/LAB/blank.list: its body becomes a comment pointing at the lab page
# and the replacement statement given on the list line. The result must
# build with make; if it does not, this script says so and exits 1.
#
# blank.list lines: FILE FUNCTION REPLACEMENT...  ('#' comments, blank lines
# ignored). The code style puts FUNCTION's name at the start of a line, '{'
# alone on a later line and the closing '}' alone at column 0.
set -eu

usage() { echo "usage: labs/starter.sh LAB OUTDIR   (LAB: e.g. 3-leastconn)" >&2; exit 2; }
[ $# -eq 2 ] || usage
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
lab=${1%/}; lab=${lab#labs/}
out=$2
list="$here/$lab/blank.list"
[ -f "$list" ] || { echo "starter.sh: no lab '$lab' ($list missing)" >&2; exit 2; }
page=$(ls "$repo/docs/labs/" 2>/dev/null | grep "^$lab" | head -n 1 || true)
page=${page:-$lab.md}
num=${lab%%-*}

mkdir -p "$out"
git -C "$repo" archive HEAD | tar -x -C "$out"
# The labs folder and the lab pages may be newer than HEAD: ship the
# working tree's copies, without what is the instructor's: the broken
# builds and cheats (their diffs show the reference code), lab 5's
# solution and weak answer.
rm -rf "$out/labs" && cp -R "$here" "$out/labs"
rm -rf "$out/labs/"*/broken.patch "$out/labs/"*/cheats \
    "$out/labs/5-own-scenario/solution.scn" "$out/labs/5-own-scenario/naive.scn"
# The bug catalogue's patches show the code around each bug: drop those
# that change a file this lab blanks.
for file in $(grep -v '^[[:space:]]*#' "$list" | awk 'NF { print $1 }' | sort -u); do
    grep -l "^+++ b/$file" "$out"/tests/bugs/*.patch 2>/dev/null | xargs rm -f
done
mkdir -p "$out/docs/labs" && cp "$repo"/docs/labs/*.md "$out/docs/labs/" 2>/dev/null || true

grep -v '^[[:space:]]*#' "$list" | grep -v '^[[:space:]]*$' |
while read -r file func body; do
    target="$out/$file"
    [ -f "$target" ] || { echo "starter.sh: $file: no such file" >&2; exit 1; }
    awk -v func_name="$func" -v body="$body" -v note="Lab $num: write this function (see docs/labs/$page)." '
        BEGIN { state = 0; found = 0 }
        state == 0 && ($0 ~ ("^[a-z].*[ *]" func_name "\\(") || $0 ~ ("^" func_name "\\(")) {
            state = 1; print; next
        }
        state == 1 { print; if ($0 == "{") { state = 2 } ; next }
        state == 2 {
            if ($0 == "}") {
                print "    /* " note " */"
                print "    " body
                print "}"
                state = 0; found = 1
            }
            next
        }
        { print }
        END { if (!found) { exit 3 } }
    ' "$target" > "$target.new" || {
        echo "starter.sh: $file: function $func not found" >&2; rm -f "$target.new"; exit 1; }
    mv "$target.new" "$target"
    echo "blanked $file $func"
done

if ! make -s -C "$out" >"$out/.starter-build.log" 2>&1; then
    echo "starter.sh: the starter for $lab does not build:" >&2
    tail -n 20 "$out/.starter-build.log" >&2
    exit 1
fi
make -s -C "$out" clean >/dev/null 2>&1 || true
rm -f "$out/.starter-build.log"
echo "starter for $lab in $out (builds)"
