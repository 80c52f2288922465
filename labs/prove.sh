#!/bin/sh
# prove.sh [LAB...]: proves each lab's grading and starter (default: every
# lab).
#
# The instructor's tree is a plain copy of this repository's working tree
# (no .git, so uncommitted changes are proved too, and so is grading from
# a copy that is no git checkout); every run grades with that copy's
# sealed labs/grade.sh and must score:
#
#   reference   the copy itself handed in: the "reference" line of
#               labs/LAB/expected, all the points;
#   broken      the copy with labs/LAB/broken.patch handed in: the
#               "broken" line;
#   cheat       with each labs/LAB/cheats/*.patch: below half the points;
#   bug         with each tests/bugs/*.patch whose Touches: line names
#               only functions the lab hands out (FILE:FUNCTION of
#               labs/LAB/blank.list, any function of a "FILE *" file):
#               fewer points than the reference (a "Build: tsan" bug only
#               where labs/LAB/cflags builds with ThreadSanitizer);
#   starter     labs/starter.sh must build it, it must pass the leak check
#               (labkit.py leaks: none of the blanked bodies, none of the
#               files left out), and when the lab blanks any function, it
#               scores at most a third of the points;
#   rigged      the starter with a harness_src/report_gradescope.c that
#               always reports full marks, a Makefile that does not work
#               and a tests/test_main.c that always passes: the same bound
#               as the starter (the grader uses none of them).
# A lab whose blank.list names nothing (lab 1) grades only the course's
# code: its broken.patch goes into the instructor's copy instead.
#
# A lab that hands out code and takes a scenario too (lab 6:
# labs/LAB/grade-scenario-part.sh) also grades, each with the course's
# code handed in, weak.scn (the "weak" line of expected) and every
# shipped scenario its labs/LAB/hidden names, as a copy (the "copy" line:
# the code's points, none for the scenario).
#
# A lab whose work is several files (labs/LAB/grade-submission.sh, lab
# 7) grades its solution/ folder (reference), each folder of
# labs/LAB/answers/ and an empty folder (missing), each of which must
# score its line of labs/LAB/expected (the folder's name); its starter
# must build and pass the leak check.
#
# A lab whose work is a scenario (labs/LAB/grade-scenario.sh) grades
# solution.scn (reference), naive.scn (broken) and every shipped scenario
# as handed in unchanged (copy: below half the points); its starter must
# build and pass the leak check, and no scenario it ships may find the
# hidden bug: pass on the reference and fail, twice, with broken.patch
# (shipped: 0 that do).
#
# Runs go two at a time. Prints one row per run (lab, what, score,
# required, OK or MISMATCH), then the end of each mismatching run's
# report. Then, unless PROVE_KIT=0, labs/kit/prove-kit.sh runs every
# platform's package (make grader-kit) of those labs that take a
# hand-in on the reference, a blank starter and a submission that does
# not build (about 15 more minutes for all labs). Exits 1 on any mismatch
# or failure, 2 on bad usage.
set -u

here=$(cd "$(dirname "$0")" && pwd -P)
repo=$(cd "$here/.." && pwd -P)
. "$here/lib/tree.sh"

# --- one run (prove.sh --run WORK LAB KIND NAME): writes WORK/LAB/KIND-NAME/
# score (a number, or a word: nopatch, nobuild, leak, none) and the
# grader's output. WORK/instructor is the instructor's tree.

key() {             # key KIND NAME: the run's folder name
    echo "$1-$2" | tr '/' '_'
}

grade() {           # grade GRADER_TREE LAB SUBMISSION DIR -> the score, or "none"
    "$1/labs/grade.sh" "$2" "$3" "$4/results.json" >"$4/grade.out" 2>"$4/grade.err" ||
        { echo none; return; }
    python3 - "$4/results.json" <<'PY' 2>>"$4/grade.err" || echo none
import json, re, sys
data = json.load(open(sys.argv[1]))
# no test name may carry an absolute path
bad = [t["name"] for t in data["tests"] if re.search(r"(^|\s)/\w", t["name"])]
if bad:
    sys.exit("an absolute path in a test name: " + bad[0])
print("%g" % data["score"])
PY
}

rig() {             # rig TREE: a harness, Makefile and unit runner that lie
    cp -R "$inst/labs/lib/rigged/." "$1/"
}

shipped_catches() { # shipped_catches INST STARTER DIR -> how many of the
    # starter's scenarios find the lab's hidden bug: they pass on INST and
    # fail, twice, on INST with labs/LAB/broken.patch
    inst=$1 tree=$2 dir=$3
    copy_plain "$inst" "$dir/broken" >/dev/null 2>&1
    copy_plain "$inst" "$dir/reference" >/dev/null 2>&1
    patch -s -p1 -d "$dir/broken" <"$inst/labs/$lab/broken.patch" >"$dir/patch.err" 2>&1 ||
        { echo nopatch; return; }
    { course_make -s -C "$dir/broken" && course_make -s -C "$dir/reference"; } \
        >"$dir/build.log" 2>&1 || { echo nobuild; return; }
    find "$tree" -name '*.scn' ! -path '*/build/*' | sort >"$dir/shipped"
    n=0
    while read -r scn; do
        "$dir/broken/harness" --bin "$dir/broken" "$scn" >"$dir/one.out" 2>&1 && continue
        "$dir/broken/harness" --bin "$dir/broken" "$scn" >"$dir/one.out" 2>&1 && continue
        "$dir/reference/harness" --bin "$dir/reference" "$scn" >/dev/null 2>&1 || continue
        n=$((n + 1))
        echo "caught by ${scn#"$tree"/}:" >>"$dir/grade.out"
        grep 'FAIL' "$dir/one.out" | head -n 5 >>"$dir/grade.out"
    done <"$dir/shipped"
    echo "$(wc -l <"$dir/shipped") scenarios run, $n find the hidden bug" >>"$dir/grade.out"
    echo "$n"
}

run_one() {         # run_one WORK LAB KIND NAME
    work=$1 lab=$2 kind=$3 name=$4
    inst=$work/instructor
    dir="$work/$lab/$(key "$kind" "$name")"
    mkdir -p "$dir"
    case $kind in
    scenario|submission)
        score=$(grade "$inst" "$lab" "$name" "$dir") ;;
    starter|rigged|shipped)
        if ! "$inst/labs/starter.sh" "$lab" "$dir/tree" >"$dir/starter.out" 2>"$dir/starter.err"; then
            score=nobuild
        elif ! python3 "$inst/labs/lib/labkit.py" leaks "$inst" "$lab" "$dir/tree" \
                >"$dir/leaks.out" 2>&1; then
            score=leak
            cat "$dir/leaks.out" >>"$dir/starter.err"
        elif [ "$kind" = shipped ]; then
            score=$(shipped_catches "$inst" "$dir/tree" "$dir")
        else
            [ "$kind" = rigged ] && rig "$dir/tree"
            score=$(grade "$inst" "$lab" "$dir/tree" "$dir")
        fi ;;
    reference)
        score=$(grade "$inst" "$lab" "$inst" "$dir") ;;
    part)
        # the course's code and the scenario, as a student hands them in
        mkdir -p "$dir/sub"
        sed 's/#.*//' "$inst/labs/$lab/blank.list" | awk 'NF >= 2 { print $1 }' | sort -u |
        while read -r file; do
            mkdir -p "$dir/sub/$(dirname "$file")"
            cp "$inst/$file" "$dir/sub/$file"
        done
        cp "$name" "$dir/sub/lab${lab%%-*}.scn"
        score=$(grade "$inst" "$lab" "$dir/sub" "$dir") ;;
    *)
        copy_plain "$inst" "$dir/tree" >/dev/null 2>&1
        if patch -s -p1 -d "$dir/tree" <"$name" >"$dir/patch.err" 2>&1; then
            grader=$inst
            # nothing is taken from a submission: the bug goes in the course's code
            [ "$(blanks "$lab")" -gt 0 ] || grader=$dir/tree
            score=$(grade "$grader" "$lab" "$dir/tree" "$dir")
        else
            score=nopatch
        fi ;;
    esac
    echo "$score" >"$dir/score"
}

blanks() {          # blanks LAB: how many lines its blank.list has
    sed 's/#.*//' "$here/$1/blank.list" | grep -c '[^[:space:]]'
}

if [ "${1:-}" = --run ]; then
    shift
    run_one "$@"
    exit 0
fi

# --- the plan: one line per run, "LAB KIND NAME" (NAME: a patch, a
# scenario or -), in the order the table shows them.

if [ $# -eq 0 ]; then
    set -- $(labs_of "$repo")
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
trap 'exit 130' INT TERM
copy_plain "$repo" "$work/instructor" || exit 2
inst=$work/instructor
mkdir "$work/missing"           # a submission that holds nothing

# The patches of tests/bugs/ whose Touches: line names only what the lab
# hands out (FILE:FUNCTION as blank.list lists them; any function of a
# "FILE *" file).
bugs_of() {         # bugs_of LAB
    [ -d "$inst/tests/bugs" ] || return 0
    sed 's/#.*//' "$inst/labs/$1/blank.list" | awk 'NF >= 2 { print $1 ":" $2 }' >"$work/owned-$1"
    for bug in "$inst"/tests/bugs/*.patch; do
        [ -f "$bug" ] || continue
        # A data race (Build: tsan) shows only where the lab grades a
        # ThreadSanitizer build (its cflags).
        if grep -q '^Build:[[:space:]]*tsan' "$bug" &&
           ! grep -qs 'fsanitize=thread' "$inst/labs/$1/cflags"; then
            continue
        fi
        touches=$(sed -n 's/^Touches:[[:space:]]*//p' "$bug" | head -n 1)
        [ -n "$touches" ] || continue
        all=yes
        for t in $touches; do
            grep -qxF "$t" "$work/owned-$1" || grep -qxF "${t%%:*}:*" "$work/owned-$1" ||
                all=no
        done
        [ $all = yes ] && echo "$bug"
    done
}

for lab in "$@"; do
    lab=${lab%/}; lab=${lab#labs/}
    [ -d "$here/$lab" ] || { echo "prove.sh: no lab '$lab'" >&2; exit 2; }
    if [ -x "$here/$lab/grade-submission.sh" ]; then
        echo "$lab submission $inst/labs/$lab/solution"
        for answer in "$inst/labs/$lab"/answers/*/; do
            echo "$lab submission ${answer%/}"
        done
        echo "$lab submission $work/missing"
        echo "$lab starter -"
        continue
    fi
    if [ -x "$here/$lab/grade-scenario.sh" ]; then
        echo "$lab scenario $inst/labs/$lab/solution.scn"
        echo "$lab scenario $inst/labs/$lab/naive.scn"
        find "$inst/scenarios" "$inst"/labs/*/grade -name '*.scn' | sort |
            sed "s#^#$lab scenario #"
        echo "$lab starter -"
        echo "$lab shipped -"
        continue
    fi
    echo "$lab reference -"
    echo "$lab broken $inst/labs/$lab/broken.patch"
    if [ -x "$here/$lab/grade-scenario-part.sh" ]; then
        echo "$lab part $inst/labs/$lab/weak.scn"
        sed 's/#.*//' "$here/$lab/hidden" 2>/dev/null | grep '/.*\.scn' |
            sed "s#^[[:space:]]*#$lab part $inst/#"
    fi
    for cheat in "$inst/labs/$lab"/cheats/*.patch; do
        [ -f "$cheat" ] && echo "$lab cheat $cheat"
    done
    bugs_of "$lab" | sed "s#^#$lab bug #"
    echo "$lab starter -"
    [ "$(blanks "$lab")" -gt 0 ] && echo "$lab rigged -"
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
    part)      case $name in
               */weak.scn) what=weak; need="=$(awk '$1 == "weak" { print $2 }' "$here/$lab/expected")" ;;
               *)          what="copy ${name#"$inst"/}"
                           need="=$(awk '$1 == "copy" { print $2 }' "$here/$lab/expected")" ;;
               esac ;;
    cheat|bug) what="$kind $(basename "$name" .patch)"
               if [ $kind = cheat ]; then need="<$(awk "BEGIN { print $want_ref / 2 }")"
               else need="<$want_ref"; fi ;;
    starter|rigged)
               if [ "$(blanks "$lab")" -gt 0 ]; then
                   need="<=$(awk "BEGIN { printf \"%.4g\", $want_ref / 3 }")"
               else
                   need=builds
               fi ;;
    shipped)   need="=0" ;;
    submission)
               what=$(basename "$name")
               [ "$what" = solution ] && what=reference
               need="=$(awk -v w="$what" '$1 == w { print $2 }' "$here/$lab/expected")" ;;
    scenario)  case $name in
               */solution.scn) what=reference; need="=$want_ref" ;;
               */naive.scn)    what=broken; need="=$want_broken" ;;
               *)              what="copy ${name#"$inst"/}"
                               need="<$(awk "BEGIN { print $want_ref / 2 }")" ;;
               esac ;;
    esac
    result=MISMATCH
    case $score in
    ''|*[!0-9.]*) ;;            # nopatch, nobuild, leak, none
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
        for f in "$dir"/patch.err "$dir"/starter.err "$dir"/grade.out "$dir"/grade.err; do
            [ -s "$f" ] && { echo "--- ${f#"$work"/}"; tail -n 15 "$f"; }
        done
    done <"$work/mismatches"
fi
if [ "${PROVE_KIT:-1}" != 0 ]; then
    kit_labs=
    for lab in "$@"; do
        lab=${lab%/}; lab=${lab#labs/}
        if [ -x "$here/$lab/grade-scenario.sh" ] || [ -x "$here/$lab/grade-submission.sh" ] ||
           grep -qv '^[[:space:]]*\(#.*\)\{0,1\}$' "$here/$lab/blank.list"; then
            kit_labs="$kit_labs $lab"
        fi
    done
    # shellcheck disable=SC2086 # one word per lab
    [ -z "$kit_labs" ] || "$here/kit/prove-kit.sh" $kit_labs || fail=1
fi
exit $fail
