#!/usr/bin/env bash
#
# make mutants: is every bug of the catalogue (tests/bugs/*.patch) caught by
# the scenario suite?
#
#   tests/mutants.sh [-j JOBS] [-t SECONDS] [-s SCENARIO]... [BUG...]
#
# For each bug: a scratch copy of the tracked files as they are in the
# working tree, with the objects of the reference build (so only the
# patched files compile), the patch applied (patch -p1, no fuzz), the
# programs built, then the scenario suite run against them by the
# reference harness (./harness --bin SCRATCH), one scenario at a time,
# stopping at the first that fails. The scenario that killed a bug last
# time runs first (cache: build/mutants/killers), then the others, fastest
# first (times of the reference run: build/mutants/times).
#
# A bug whose header says "Build: tsan" (a data race, which no check can
# see every time) is judged on the proxy built with ThreadSanitizer, as
# make tsan builds it, with the proxy stopping at the first race report.
#
# A bug is KILLED by the first failed expectation (or ABORTED run) that
# fails again when its scenario is run a second time (a check that fails
# once under the load of the run and then passes proves nothing), by
# "timeout" when one scenario runs past the limit, or SURVIVED when the
# whole suite passes. A patch that no longer applies is STALE, one that
# does not build BROKEN, a scenario the harness refuses an ERROR: all fail
# the run, as a survivor does (the catalogue must be kept up to date with
# the code).
#
# First the suite runs once on the unchanged programs: a check that fails
# there would "kill" every bug, so the run stops.
#
# BUG: a number (7, 007) or a file name; default every bug. JOBS: bugs
# judged at once (default 2, env MUTANTS_JOBS). SECONDS: limit per
# scenario run (default 90, env MUTANTS_TIMEOUT). -s: run only these
# scenarios of scenarios/ (name with or without .scn; default all).
#
# Output: a table on stdout (markdown: bug | mistake | killed by | why |
# time), each bug's harness reports in build/mutants/out/NNN-name.txt.
# Exit status: 0 when every bug was killed, 1 otherwise, 2 on bad usage or
# when the unchanged programs fail the suite.
set -u -o pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUGS_DIR=$ROOT/tests/bugs
WORK=$ROOT/build/mutants
SCEN_DIR=$WORK/scenarios        # a copy, taken when the run starts
JOBS=${MUTANTS_JOBS:-2}
ONLY=${MUTANTS_ONLY:-}          # scenario names, space-separated
LIMIT=${MUTANTS_TIMEOUT:-90}

usage() {
    sed -n '3,/^set -u/p' "$0" | sed '$d; s/^# \{0,1\}//'
    exit 2
}

# --- one scenario --------------------------------------------------------

# run_scenario BIN SCN OUT: runs one scenario with the reference harness
# (logs kept in BIN/logs); prints "pass", "timeout" or the failure as
# "CHECK<TAB>REASON". A sanitizer's summary, when the proxy died of one,
# is added to the reason.
run_scenario() {
    local bin=$1 scn=$2 out=$3 rc verdict summary
    rm -rf "$bin/logs"
    timeout -k 5 "$LIMIT" "$WORK/harness" --keep "$bin/logs" --bin "$bin" \
        "$scn" >"$out" 2>&1
    rc=$?
    case $rc in
    0) echo pass; return ;;
    2) echo error; return ;;
    124 | 137) echo timeout; return ;;
    esac
    verdict=$(first_failure "$out" "$rc")
    summary=$(grep -h -m1 '^SUMMARY: ' "$bin"/logs/*/proxy.log 2>/dev/null)
    if [ -n "$summary" ]; then
        verdict="${verdict%%$'\t'*}"$'\t'"proxy_server stopped at a sanitizer report: ${summary#SUMMARY: }"
    fi
    echo "$verdict"
}

# The first FAIL (or ABORTED) verdict of a text report, its wrapped reason
# joined, as "CHECK<TAB>REASON".
first_failure() {
    awk -v rc="$2" '
        found && /^        / { sub(/^ +/, ""); reason = reason " " $0; next }
        found { exit }
        /^  (FAIL|ABORTED)  / {
            line = $0; sub(/^  (FAIL|ABORTED)  /, "", line)
            if ($0 ~ /^  ABORTED/) { check = "aborted"; reason = line }
            else if (match(line, /  +/)) {
                check = substr(line, 1, RSTART - 1)
                reason = substr(line, RSTART + RLENGTH)
            } else { check = line; reason = "" }
            found = 1
        }
        END {
            if (!found) { check = "harness"; reason = "exit status " rc }
            printf "%s\t%s\n", check, reason
        }' "$1"
}

# --- one bug -------------------------------------------------------------

header() { sed -n "s/^$2: *//p;/^--- /q" "$1" | head -1; }

# Scenarios in the order to try them for bug $1.
scenario_order() {
    local killer
    killer=$(awk -v b="$1" '$1 == b { print $2 }' "$WORK/killers" 2>/dev/null | tail -1)
    {
        [ -n "$killer" ] && [ -f "$SCEN_DIR/$killer" ] && echo "$killer"
        if [ -f "$WORK/times" ]; then
            sort -n -k2 "$WORK/times" | awk '{ print $1 }'
        fi
        suite
    } | awk -v only=" $ONLY " '!seen[$0]++ && (only == "  " || index(only, " " $0 " "))'
}

# The scenario files of the suite (names), or those chosen with -s.
suite() {
    if [ -n "$ONLY" ]; then printf '%s\n' $ONLY; else (cd "$SCEN_DIR" && ls -- *.scn); fi
}

# Copies the tracked files of the working tree, and the reference build's
# objects and programs, into $1 (mtimes kept, so make rebuilds only what
# the patch touches).
scratch_copy() {
    local dir=$1
    rm -rf "$dir" && mkdir -p "$dir/build"
    if git -C "$ROOT" rev-parse --git-dir >/dev/null 2>&1; then
        (cd "$ROOT" && git ls-files -z | tar --null -T - -cf -) | tar -xf - -C "$dir"
    else    # a copy without git: everything but what the builds make
        (cd "$ROOT" && tar --exclude=./build --exclude=./coverage -cf - .) |
            tar -xf - -C "$dir"
    fi
    for d in common proxy backend simclient faultlink; do
        cp -a "$ROOT/build/$d" "$dir/build/"
    done
    cp -a "$ROOT/proxy_server" "$ROOT/dummy_server" "$ROOT/simulate_client" \
        "$ROOT/fault_link" "$dir/"
}

# build_mutant DIR BUILD: the programs in DIR; BUILD "tsan" builds the
# proxy with ThreadSanitizer (its objects from scratch, in build/tsan).
build_mutant() {
    if [ "$2" = tsan ]; then
        (cd "$1" && make -j1 BIN=. dummy_server simulate_client fault_link &&
         make -j1 BUILD=build/tsan BIN=. CFLAGS="-O1 -g -fsanitize=thread" \
             proxy_server)
    else
        (cd "$1" && make -j1 BIN=. proxy_server dummy_server simulate_client \
             fault_link)
    fi
}

# judge_bug PATCH: one line "NNN<TAB>RESULT<TAB>SCENARIO<TAB>CHECK<TAB>REASON<TAB>SECONDS".
judge_bug() {
    local patch=$1 name dir out started result scn="-" check="-" reason="-"
    name=$(basename "$patch" .patch)
    dir=$WORK/work/$name
    out=$WORK/out/$name.txt
    started=$(date +%s)
    : >"$out"
    scratch_copy "$dir"
    if ! (cd "$dir" && patch -p1 -F0 -N -s --no-backup-if-mismatch <"$patch") >>"$out" 2>&1; then
        result=STALE
    elif ! build_mutant "$dir" "$(header "$patch" Build)" >>"$out" 2>&1; then
        result=BROKEN
    else
        result=SURVIVED
        for s in $(scenario_order "$name"); do
            local verdict
            echo "=== $s" >>"$out"
            verdict=$(TSAN_OPTIONS=halt_on_error=1:exitcode=66 \
                      run_scenario "$dir" "$SCEN_DIR/$s" "$dir/report.txt")
            cat "$dir/report.txt" >>"$out"
            [ "$verdict" = pass ] && continue
            if [ "$verdict" = error ]; then
                result=ERROR scn=$s
                break
            fi
            # A kill must happen again: a check that failed once under the
            # load of the run and passes now proves nothing.
            echo "=== $s (again, to confirm)" >>"$out"
            if [ "$(TSAN_OPTIONS=halt_on_error=1:exitcode=66 run_scenario \
                    "$dir" "$SCEN_DIR/$s" "$dir/report.txt")" = pass ]; then
                cat "$dir/report.txt" >>"$out"
                echo "=== $s: not confirmed, going on" >>"$out"
                continue
            fi
            cat "$dir/report.txt" >>"$out"
            result=KILLED scn=$s
            if [ "$verdict" = timeout ]; then
                check=timeout reason="the run took more than ${LIMIT}s"
            else
                check=${verdict%%$'\t'*} reason=${verdict#*$'\t'}
            fi
            break
        done
    fi
    rm -rf "$dir"
    printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$result" "$scn" "$check" \
        "$reason" "$(($(date +%s) - started))"
}

# --- the whole run -------------------------------------------------------

# The suite on the unchanged programs, 2 scenarios at a time; records each
# scenario's time. Returns non-zero when one fails.
reference_run() {
    local failed=0
    : >"$WORK/times.new"
    for scn in $(suite); do echo "$SCEN_DIR/$scn"; done |
        xargs -P "$JOBS" -I{} bash -c '
            s=$(basename "{}"); t0=$(date +%s%N)
            if "$1/harness" --bin "$0" "{}" >"$1/ref-$s.txt" 2>&1; then r=pass; else r=FAIL; fi
            echo "$s $(( ($(date +%s%N) - t0) / 1000000 )) $r"' "$ROOT" "$WORK" \
        >"$WORK/times.new"
    while read -r s ms r; do
        if [ "$r" != pass ]; then
            echo "mutants: $s fails on the unchanged programs:" >&2
            cat "$WORK/ref-$s.txt" >&2
            failed=1
        fi
    done <"$WORK/times.new"
    # Keep the times of the scenarios not run this time.
    { cat "$WORK/times" 2>/dev/null; awk '{ print $1, $2 }' "$WORK/times.new"; } |
        awk '{ t[$1] = $2 } END { for (s in t) print s, t[s] }' >"$WORK/times.all"
    mv "$WORK/times.all" "$WORK/times"
    return $failed
}

print_table() {
    local results=$1 killed=0 total=0
    echo "| bug | mistake | killed by (scenario: check) | why (the harness's reason) | time |"
    echo "|---|---|---|---|---|"
    while IFS=$'\t' read -r name result scn check reason secs; do
        local mistake by why
        mistake=$(header "$BUGS_DIR/$name.patch" Mistake)
        total=$((total + 1))
        case $result in
        KILLED) killed=$((killed + 1)); by="${scn%.scn}: $check" ;;
        *) by="**$result**" ;;
        esac
        why=$(printf '%s' "$reason" | sed 's/|/\\|/g' | cut -c1-220)
        printf '| %s | %s | %s | %s | %ss |\n' "$name" "$mistake" "$by" \
            "$why" "$secs"
    done <"$results"
    echo
    echo "mutants: $killed of $total killed"
}

main() {
    local bugs=() results
    while getopts 'j:t:s:h' opt; do
        case $opt in
        j) JOBS=$OPTARG ;;
        t) LIMIT=$OPTARG ;;
        s) [ -f "$ROOT/scenarios/${OPTARG%.scn}.scn" ] ||
               { echo "mutants: no scenario scenarios/${OPTARG%.scn}.scn" >&2; exit 2; }
           ONLY="$ONLY ${OPTARG%.scn}.scn" ;;
        *) usage ;;
        esac
    done
    shift $((OPTIND - 1))
    for arg in "$@"; do
        local f
        if [[ $arg =~ ^[0-9]+$ ]]; then
            f=$(ls "$BUGS_DIR"/$(printf '%03d' "$((10#$arg))")-*.patch 2>/dev/null | head -1)
        else
            f=$BUGS_DIR/$(basename "$arg" .patch).patch
        fi
        [ -f "$f" ] || { echo "mutants: no bug '$arg' in $BUGS_DIR" >&2; exit 2; }
        bugs+=("$f")
    done
    [ ${#bugs[@]} -gt 0 ] || bugs=("$BUGS_DIR"/*.patch)
    mkdir -p "$WORK/out" "$WORK/work"
    make -C "$ROOT" -j2 all >/dev/null || exit 2
    # A copy: rebuilding ./harness during a run must not disturb it.
    cp "$ROOT/harness" "$WORK/harness.new" && mv "$WORK/harness.new" "$WORK/harness"
    cp "$ROOT/thread_audit.so" "$WORK/thread_audit.so.new" &&
        mv "$WORK/thread_audit.so.new" "$WORK/thread_audit.so"
    rm -rf "$SCEN_DIR" && cp -r "$ROOT/scenarios" "$SCEN_DIR"
    reference_run || exit 2
    results=$WORK/results.tsv
    export MUTANTS_ONLY=$ONLY MUTANTS_TIMEOUT=$LIMIT
    printf '%s\n' "${bugs[@]}" |
        xargs -P "$JOBS" -I{} "$0" --judge {} >"$results.unsorted"
    sort "$results.unsorted" >"$results"
    # Remember each killer for the next run.
    { cat "$WORK/killers" 2>/dev/null
      awk -F'\t' '$2 == "KILLED" { print $1, $3 }' "$results"; } |
        awk '{ k[$1] = $2 } END { for (b in k) print b, k[b] }' | sort >"$WORK/killers.new"
    mv "$WORK/killers.new" "$WORK/killers"
    print_table "$results"
    ! grep -qv $'\tKILLED\t' "$results"
}

if [ "${1:-}" = --judge ]; then
    judge_bug "$2"
    exit 0
fi
main "$@"
