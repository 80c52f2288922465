# scenario.sh: what the graders of a student's scenario share (sourced;
# POSIX sh): labs/5-own-scenario/grade-scenario.sh and
# labs/6-operating/grade-scenario-part.sh.
#
# scenario_take REPO WORK SCENARIO MISSING: the scenario to grade, the
# SCENARIO file or, when MISSING (a file with the reason) is not empty,
# none. Sets scn (its physical path, or WORK/none.scn), name (its bare
# name) and copied (1 when it is one of REPO's shipped scenarios, up to
# what labs/5-own-scenario/copied.py sets aside, else 0); writes
# WORK/copied.out (what copied.py said, REPO's path taken out) and, with
# MISSING, WORK/missing.out. Changes to the scenario's folder: the harness
# runs it by its bare name, so that no absolute path shows in the
# outputs. Exits 2 when SCENARIO is no file.
scenario_take() {
    if [ -n "$4" ]; then
        scn=$2/none.scn
        cp "$4" "$2/missing.out"
    else
        [ -f "$3" ] || { echo "$(basename "$0"): no scenario file '$3'" >&2; exit 2; }
        scn=$(cd "$(dirname "$3")" && pwd -P)/$(basename "$3")
    fi
    cd "$(dirname "$scn")" || exit 2
    name=$(basename "$scn")
    copied=0
    : >"$2/copied.out"
    # shellcheck disable=SC2046 # one word per file; no spaces in the repository
    if [ -z "$4" ] && "$1/labs/5-own-scenario/copied.py" "$scn" \
            $(find "$1/scenarios" "$1"/labs/*/grade -name '*.scn' | sort) >"$2/copied.out"; then
        copied=1
    fi
    sed -i "s#$1/##" "$2/copied.out"
}
