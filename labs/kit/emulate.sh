# shellcheck shell=bash
# emulate.sh: runs the packages of labs/kit/build.sh as their platforms run
# them, each in a scratch folder laid out as the platform lays it out, and
# makes the submissions to run them on (sourced by
# tests/integration/test_autograders.sh and labs/kit/prove-kit.sh).
#
# Set before use: KIT_REPO (this repository) and KIT (build.sh's OUTDIR).
# Each function returns non-zero, after printing why, when a step the
# platform would take fails; the result files are left for check.py.

# The compiler's word for the identifier kit_break puts in a function.
KIT_BREAK_TEXT=kit_no_such_identifier

# kit_break LAB TREE: the first function of labs/LAB/blank.list in TREE
# starts with a statement that does not compile.
kit_break() {
    local file func
    read -r file func _ < <(grep -v '^[[:space:]]*#' "$KIT_REPO/labs/$1/blank.list" |
                            grep -m1 '[^[:space:]]')
    [ -n "$func" ] || { echo "kit_break: labs/$1/blank.list names no function"; return 1; }
    awk -v f="$func" -v bad="    $KIT_BREAK_TEXT = 1;" '
        state == 0 && ($0 ~ ("^[a-z].*[ *]" f "\\(") || $0 ~ ("^" f "\\(")) { state = 1 }
        { print }
        state == 1 && $0 == "{" { print bad; state = 2 }
        END { exit state == 2 ? 0 : 1 }' "$2/$file" >"$2/$file.new" ||
        { echo "kit_break: $func not found in $file"; return 1; }
    mv "$2/$file.new" "$2/$file"
}

# kit_submission KIND LAB DIR: DIR/tree, the student's repository, and
# DIR/files, the handed-in files by name alone (an upload). KIND:
#   reference  the repository's HEAD (lab 5: its solution.scn; a lab with
#              a solution/ folder, lab 7: the files in it)
#   starter    labs/starter.sh's output (lab 5: a shipped scenario, a copy;
#              a handed-in file that is no scenario is left out)
#   nobuild    HEAD with kit_break
kit_submission() {
    local kind=$1 lab=$2 dir=$3 file scn= answer
    mkdir -p "$dir/tree" "$dir/files"
    if [ "$kind" = starter ]; then
        "$KIT_REPO/labs/starter.sh" "$lab" "$dir/tree" >"$dir/starter.log" 2>&1 ||
            { tail -n 20 "$dir/starter.log"; return 1; }
        scn=$KIT_REPO/scenarios/crash_restart.scn
    else
        git -C "$KIT_REPO" archive HEAD | tar -x -C "$dir/tree"
        scn=$KIT_REPO/labs/$lab/solution.scn
    fi
    if [ "$kind" = nobuild ]; then
        kit_break "$lab" "$dir/tree" || return 1
    fi
    for file in $(python3 "$KIT_REPO/labs/kit/kit.py" handin "$lab"); do
        answer=$KIT_REPO/labs/$lab/solution/$file
        case $kind,$file in
        starter,*.scn) cp "$scn" "$dir/tree/$file" ;;
        starter,*)     [ -e "$dir/tree/$file" ] || continue ;;
        *)             if [ -f "$answer" ]; then cp "$answer" "$dir/tree/$file"
                       elif [ "${file%.scn}" != "$file" ]; then cp "$scn" "$dir/tree/$file"
                       fi ;;
        esac
        cp "$dir/tree/$file" "$dir/files/" || return 1
    done
}

# kit_gradescope LAB FILES SCRATCH: $KIT/gradescope/LAB.zip unpacked into
# SCRATCH/source (modes kept), setup.sh run there (it installs nothing
# when the packages are present), run_autograder copied to SCRATCH and run
# from SCRATCH on a copy of FILES in SCRATCH/submission, with
# AUTOGRADER_ROOT=SCRATCH. Result: SCRATCH/results/results.json.
kit_gradescope() {
    local lab=$1 files=$2 root=$3
    rm -rf "$root" && mkdir -p "$root/source" "$root/submission" "$root/results"
    python3 - "$KIT/gradescope/$lab.zip" "$root/source" <<'PY' || return 1
import os, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z:
    for info in z.infolist():
        path = z.extract(info, sys.argv[2])
        mode = (info.external_attr >> 16) & 0o777
        if mode:
            os.chmod(path, mode)
PY
    (cd "$root/source" && bash ./setup.sh) >"$root/setup.log" 2>&1 ||
        { echo "setup.sh failed:"; tail -n 20 "$root/setup.log"; return 1; }
    cp -p "$root/source/run_autograder" "$root/run_autograder"
    cp -R "$files/." "$root/submission/"
    (cd "$root" && AUTOGRADER_ROOT=$root ./run_autograder) >"$root/results/stdout" 2>&1 ||
        { echo "run_autograder failed:"; tail -n 20 "$root/results/stdout"; return 1; }
}

# kit_classroom LAB TREE SCRATCH: the workflow's steps as Actions takes
# them: the student's repository (a copy of TREE) in SCRATCH/submission,
# the grader repository checked out at the workflow's GRADER_REF (from
# this repository) in SCRATCH/grader, then the Grade step's command with
# the workflow's LAB and GITHUB_OUTPUT=SCRATCH/output, from SCRATCH.
kit_classroom() {
    local lab=$1 tree=$2 root=$3 wf ref run
    wf=$KIT/classroom/$lab/.github/workflows/classroom.yml
    rm -rf "$root" && mkdir -p "$root/submission"
    cp -R "$tree/." "$root/submission/"
    ref=$(sed -n 's/^  GRADER_REF: "\(.*\)"$/\1/p' "$wf")
    { git clone -q --shared --no-checkout "$KIT_REPO" "$root/grader" &&
      git -C "$root/grader" checkout -q --detach "$ref"; } ||
        { echo "no commit '$ref' to check the grader out at"; return 1; }
    run=$(sed -n '/^ *id: grade$/,/^ *run: / s/^ *run: //p' "$wf")
    [ -n "$run" ] || { echo "no Grade step in $wf"; return 1; }
    : >"$root/output"
    (cd "$root" && LAB=$(sed -n 's/^  LAB: "\(.*\)"$/\1/p' "$wf") \
        GITHUB_OUTPUT=$root/output bash -e -c "$run") >"$root/step.log" 2>&1 ||
        { echo "the Grade step failed:"; tail -n 20 "$root/step.log"; return 1; }
}

# kit_prairielearn LAB FILES SCRATCH: /grade laid out in SCRATCH/grade:
# the question's serverFilesCourse entries, FILES in student/, data/; then
# the question's entrypoint, its /grade paths moved to SCRATCH/grade, with
# GRADE_ROOT=SCRATCH/grade. Result: SCRATCH/grade/results/results.json.
kit_prairielearn() {
    local lab=$1 files=$2 root=$3/grade info entry dir
    info=$KIT/prairielearn/questions/proxylab-$lab/info.json
    rm -rf "$3" && mkdir -p "$root/student" "$root/serverFilesCourse" "$root/data"
    echo '{}' >"$root/data/data.json"
    for dir in $(python3 -c 'import json, sys
print(" ".join(json.load(open(sys.argv[1]))["externalGradingOptions"]["serverFilesCourse"]))' \
                 "$info"); do
        cp -R "$KIT/prairielearn/serverFilesCourse/$dir" "$root/serverFilesCourse/$dir"
    done
    cp -R "$files/." "$root/student/"
    entry=$(python3 -c 'import json, sys
print(json.load(open(sys.argv[1]))["externalGradingOptions"]["entrypoint"])' "$info" |
            sed "s#/grade/#$root/#g")
    (cd "$root" && GRADE_ROOT=$root sh -c "$entry") >"$3/job.log" 2>&1 ||
        { echo "the entrypoint failed:"; tail -n 20 "$3/job.log"; return 1; }
}
