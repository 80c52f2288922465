#!/bin/sh
# prove.sh [LAB...]: proves each lab's grading (default: every lab).
#
# Every run grades a fresh copy of the repository's HEAD (the graders read
# the working tree's labs/ and tests/) and must score:
#
#   reference   the "reference" line of labs/LAB/expected, all the points;
#   broken      with labs/LAB/broken.patch: the "broken" line;
#   cheat       with each labs/LAB/cheats/*.patch: below half the points;
#   bug         with each tests/bugs/*.patch whose Touches: line names a
#               function of labs/LAB/blank.list (FILE:FUNCTION): fewer
#               points than the reference (a "Build: tsan" bug only
#               where labs/LAB/cflags builds with ThreadSanitizer);
#   starter     labs/starter.sh must build it; when the lab blanks any
#               function, at most a third of the points.
#
# A lab whose work is a scenario (labs/LAB/grade-scenario.sh) grades
# solution.scn (reference), naive.scn (broken) and every shipped scenario
# as handed in unchanged (copy: below half the points).
#
# Runs go two at a time. Prints one row per run (lab, what, score,
# required, OK or MISMATCH), then the end of each mismatching run's
# report; exits 1 on any mismatch.
set -u

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)

# --- one run (prove.sh --run WORK LAB KIND NAME): writes WORK/LAB/KIND-NAME/
# score (a number, "build", "nopatch" or "none") and the grader's output.

copy_head() {       # copy_head DIR: the repository's HEAD
    mkdir -p "$1" && git -C "$repo" archive HEAD | tar -x -C "$1"
}

key() {             # key KIND NAME: the run's folder name
    echo "$1-$2" | tr '/' '_'
}

score_of() {        # score_of LAB TREE -> the score, or "build" / "none"
    "$here/grade.sh" "$1" "$2" "$2/results.json" >"$2/grade.out" 2>"$2/grade.err" ||
        { echo build; return; }
    python3 -c 'import json,sys; print("%g" % json.load(open(sys.argv[1]))["score"])' \
        "$2/results.json" 2>/dev/null || echo none
}

scenario_score() {  # scenario_score LAB SCN DIR -> the score, or "build" / "none"
    mkdir -p "$3"
    "$here/$1/grade-scenario.sh" "$2" "$3/results.json" >"$3/grade.out" \
        2>"$3/grade.err" || { echo build; return; }
    python3 -c 'import json,sys; print("%g" % json.load(open(sys.argv[1]))["score"])' \
        "$3/results.json" 2>/dev/null || echo none
}

run_one() {         # run_one WORK LAB KIND NAME
    dir="$1/$2/$(key "$3" "$4")"
    mkdir -p "$dir"
    case $3 in
    scenario)
        score=$(scenario_score "$2" "$4" "$dir/tree") ;;
    starter)
        if "$here/starter.sh" "$2" "$dir/tree" >"$dir/starter.out" 2>"$dir/starter.err"; then
            score=$(score_of "$2" "$dir/tree")
        else
            score=nobuild
        fi ;;
    *)
        copy_head "$dir/tree"
        if [ "$4" = - ] || patch -s -p1 -d "$dir/tree" <"$4" >"$dir/patch.err" 2>&1; then
            score=$(score_of "$2" "$dir/tree")
        else
            score=nopatch
        fi ;;
    esac
    echo "$score" >"$dir/score"
}

if [ "${1:-}" = --run ]; then
    shift
    run_one "$@"
    exit 0
fi

# --- the plan: one line per run, "LAB KIND NAME" (NAME: a patch, a
# scenario or -), in the order the table shows them.

if [ $# -eq 0 ]; then
    set -- $(cd "$here" && ls -d [0-9]*-*/ | sed 's#/$##')
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT INT TERM

# The patches of tests/bugs/ whose Touches: line names a function the lab
# blanks (FILE:FUNCTION, as blank.list lists them).
bugs_of() {         # bugs_of LAB
    [ -d "$repo/tests/bugs" ] || return 0
    for bug in "$repo"/tests/bugs/*.patch; do
        [ -f "$bug" ] || continue
        # A data race (Build: tsan) shows only where the lab grades a
        # ThreadSanitizer build (its cflags).
        if grep -q '^Build:[[:space:]]*tsan' "$bug" &&
           ! grep -qs 'fsanitize=thread' "$here/$1/cflags"; then
            continue
        fi
        touches=$(sed -n 's/^Touches:[[:space:]]*//p' "$bug" | head -n 1)
        grep -v '^[[:space:]]*#' "$here/$1/blank.list" |
        while read -r file func _; do
            [ -n "$file" ] || continue
            case " $touches " in *" $file:$func "*) echo "$bug"; break ;; esac
        done
    done | sort -u
}

blanks() {          # blanks LAB: how many functions the starter blanks
    grep -v '^[[:space:]]*#' "$here/$1/blank.list" | grep -c '[^[:space:]]'
}

for lab in "$@"; do
    lab=${lab%/}; lab=${lab#labs/}
    [ -d "$here/$lab" ] || { echo "prove.sh: no lab '$lab'" >&2; exit 2; }
    if [ -x "$here/$lab/grade-scenario.sh" ]; then
        echo "$lab scenario $here/$lab/solution.scn"
        echo "$lab scenario $here/$lab/naive.scn"
        find "$repo/scenarios" "$here"/*/grade -name '*.scn' | sort |
            sed "s#^#$lab scenario #"
        continue
    fi
    echo "$lab reference -"
    echo "$lab broken $here/$lab/broken.patch"
    for cheat in "$here/$lab"/cheats/*.patch; do
        [ -f "$cheat" ] && echo "$lab cheat $cheat"
    done
    bugs_of "$lab" | sed "s#^#$lab bug #"
    echo "$lab starter -"
done >"$work/plan"
[ -d "$repo/tests/bugs" ] ||
    echo "(no tests/bugs/: the runs of the bug catalogue are skipped)"

start=$(date +%s)
xargs -P 2 -L 1 "$here/prove.sh" --run "$work" <"$work/plan"

# --- the table.

fail=0
printf '%-16s %-50s %-8s %-10s %s\n' lab what score required result
while read -r lab kind name; do
    dir="$work/$lab/$(key "$kind" "$name")"
    score=$(cat "$dir/score" 2>/dev/null || echo none)
    want_ref=$(awk '$1 == "reference" { print $2 }' "$here/$lab/expected")
    want_broken=$(awk '$1 == "broken" { print $2 }' "$here/$lab/expected")
    what=$kind
    case $kind in
    reference) need="=$want_ref" ;;
    broken)    need="=$want_broken" ;;
    cheat|bug) what="$kind $(basename "$name" .patch)"
               if [ $kind = cheat ]; then need="<$(awk "BEGIN { print $want_ref / 2 }")"
               else need="<$want_ref"; fi ;;
    starter)   if [ "$(blanks "$lab")" -gt 0 ]; then
                   need="<=$(awk "BEGIN { printf \"%.4g\", $want_ref / 3 }")"
               else
                   need=builds
               fi ;;
    scenario)  case $name in
               */solution.scn) what=reference; need="=$want_ref" ;;
               */naive.scn)    what=broken; need="=$want_broken" ;;
               *)              what="copy ${name#"$repo"/}"
                               need="<$(awk "BEGIN { print $want_ref / 2 }")" ;;
               esac ;;
    esac
    result=MISMATCH
    case $score in
    ''|*[!0-9.]*) ;;            # build, nopatch, nobuild, none
    *)  case $need in
        builds) result=OK ;;
        *) op=${need%%[0-9]*}; val=${need#"$op"}
           [ "$op" = = ] && op="=="
           awk "BEGIN { exit !($score $op $val) }" && result=OK ;;
        esac ;;
    esac
    printf '%-16s %-50s %-8s %-10s %s\n' "$lab" "$what" "$score" "$need" "$result"
    if [ $result != OK ]; then
        fail=1
        echo "$dir" >>"$work/mismatches"
    fi
done <"$work/plan"
echo "($(( $(date +%s) - start )) s)"

if [ -f "$work/mismatches" ]; then
    while read -r dir; do
        for f in "$dir"/patch.err "$dir"/starter.err "$dir"/tree/grade.out \
                 "$dir"/tree/grade.err; do
            [ -s "$f" ] && { echo "--- $f"; tail -n 15 "$f"; }
        done
    done <"$work/mismatches"
fi
exit $fail
