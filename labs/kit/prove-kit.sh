#!/usr/bin/env bash
# prove-kit.sh [LAB...]: runs every package of make grader-kit as its
# platform runs it (labs/kit/emulate.sh) on each kind of submission, and
# checks the platform's result field by field (labs/kit/check.py):
#
#   reference  HEAD's files (lab 5: solution.scn)    every point
#   starter    labs/starter.sh's files (lab 5: a     at most a third
#              shipped scenario handed in)
#   nobuild    a function that does not compile      0 points, the compiler's
#              (not for lab 5: nothing is built)     message; PrairieLearn:
#                                                    not gradable
#
# on Gradescope and PrairieLearn (the files uploaded by name) and GitHub
# Classroom (the student's whole repository). Default: every lab a
# student hands something in for. Runs go two at a time; prints one row
# per run (lab, kind, platform, its seconds, OK or FAILED), then what each
# failed run got wrong; exits 1 on any failure, 2 on bad usage. Every lab
# takes about 9 minutes on 2 cores.
set -u

here=$(cd "$(dirname "$0")" && pwd)
KIT_REPO=$(cd "$here/../.." && pwd)
# shellcheck source=labs/kit/emulate.sh
source "$here/emulate.sh"

# --- one step (prove-kit.sh --submission WORK LAB KIND, or --run WORK LAB
# KIND PLATFORM); the results go under WORK.

if [ "${1:-}" = --submission ]; then
    kit_submission "$4" "$3" "$2/sub-$3-$4" >"$2/sub-$3-$4.log" 2>&1 ||
        touch "$2/sub-$3-$4.failed"
    exit 0
fi
if [ "${1:-}" = --run ]; then
    work=$2 lab=$3 kind=$4 platform=$5
    KIT=$work/kit
    sub=$work/sub-$lab-$kind
    dir=$work/run-$lab-$kind-$platform
    case $kind in
    reference) want=full ;;
    starter)   want=low ;;
    *)         want=nobuild:$KIT_BREAK_TEXT ;;
    esac
    start=$(date +%s)
    {
        if [ -e "$sub.failed" ]; then
            echo "no submission:"; tail -n 20 "$sub.log"; false
        else
            case $platform in
            gradescope)
                kit_gradescope "$lab" "$sub/files" "$dir"
                python3 "$here/check.py" gradescope "$dir/results/results.json" "$lab" "$want" ;;
            classroom)
                kit_classroom "$lab" "$sub/tree" "$dir"
                python3 "$here/check.py" classroom \
                    "$KIT/classroom/$lab/.github/workflows/classroom.yml" "$dir/output" \
                    "$lab" "$want" ;;
            prairielearn)
                kit_prairielearn "$lab" "$sub/files" "$dir"
                python3 "$here/check.py" prairielearn "$dir/grade/results/results.json" \
                    "$lab" "$want" ;;
            esac
        fi
    } >"$dir.out" 2>&1 && echo OK >"$dir.result" || echo FAILED >"$dir.result"
    echo $(( $(date +%s) - start )) >"$dir.seconds"
    exit 0
fi

case ${1:-} in -*) echo "usage: labs/kit/prove-kit.sh [LAB...]" >&2; exit 2 ;; esac
if [ $# -eq 0 ]; then
    for dir in "$KIT_REPO"/labs/[0-9]*-*/; do
        set -- "$@" "$(basename "$dir")"
    done
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT INT TERM
start=$(date +%s)
"$here/build.sh" "$work/kit" >"$work/kit.log" 2>&1 ||
    { echo "prove-kit.sh: make grader-kit failed:"; cat "$work/kit.log"; exit 1; }

for lab in "$@"; do
    lab=${lab%/}; lab=${lab#labs/}
    handin=$(python3 "$here/kit.py" handin "$lab") || exit 2
    [ -n "$handin" ] || { echo "($lab: nothing to hand in, no package)" >&2; continue; }
    echo "$lab reference"
    echo "$lab starter"
    # a lab that hands out code (not only scenarios and text) can fail to build
    if echo "$handin" | grep -q '\.[ch]$'; then echo "$lab nobuild"; fi
done >"$work/submissions"
xargs -r -P 2 -L 1 "$0" --submission "$work" <"$work/submissions"
while read -r lab kind; do
    for platform in gradescope classroom prairielearn; do
        echo "$lab $kind $platform"
    done
done <"$work/submissions" >"$work/plan"
xargs -r -P 2 -L 1 "$0" --run "$work" <"$work/plan"

fail=0
printf '%-16s %-10s %-13s %-7s %s\n' lab kind platform seconds result
while read -r lab kind platform; do
    result=$(cat "$work/run-$lab-$kind-$platform.result" 2>/dev/null || echo FAILED)
    seconds=$(cat "$work/run-$lab-$kind-$platform.seconds" 2>/dev/null || echo -)
    printf '%-16s %-10s %-13s %-7s %s\n' "$lab" "$kind" "$platform" "$seconds" "$result"
    [ "$result" = OK ] || fail=1
done <"$work/plan"
echo "($(( $(date +%s) - start )) s)"
while read -r lab kind platform; do
    out=$work/run-$lab-$kind-$platform.out
    [ "$(cat "$work/run-$lab-$kind-$platform.result" 2>/dev/null)" = OK ] && continue
    echo "--- $lab $kind $platform"
    tail -n 15 "$out" 2>/dev/null
done <"$work/plan"
exit $fail
