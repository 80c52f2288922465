# shellcheck shell=bash
# test_make.sh: the Makefile's set-up rules, run dry or with stand-ins for
# id and apt-get, so that nothing is built or installed (sourced by run.sh).

# make_here ARGS...: make in the repository without the calling make's
# flags (a sanitizer run's BUILD= and BIN= would otherwise come along).
make_here() {
    env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL \
        make --no-print-directory -C "$ROOT" "$@"
}

# stand_ins UID: $WORK/stand-ins holds an id that says UID and an apt-get
# that only appends its arguments to $WORK/apt-get.args.
stand_ins() {
    local dir="$WORK/stand-ins"
    mkdir -p "$dir"
    printf '#!/bin/sh\necho %s\n' "$1" >"$dir/id"
    printf '#!/bin/sh\necho "$*" >>"%s"\n' "$WORK/apt-get.args" >"$dir/apt-get"
    chmod +x "$dir/id" "$dir/apt-get"
    rm -f "$WORK/apt-get.args"
}

test_make_install_honours_bin() {
    local bin="$WORK/bin" line
    make_here -n install BIN="$bin" DESTDIR="$WORK/dest" >"$WORK/install.txt"
    line=$(grep '^install -m 755' "$WORK/install.txt")
    expect '[ "$line" = "install -m 755 $bin/proxy_server $bin/dummy_server $bin/simulate_client $bin/harness $bin/fault_link $WORK/dest/usr/local/bin/" ]' \
        "the programs taken from BIN=$bin, got: $line"
}

# As a user, a missing package is named with the command that installs it.
test_make_missing_package_as_user() {
    local status=0
    stand_ins 1000
    PATH="$WORK/stand-ins:$PATH" make_here cunit \
        CUNIT_HEADER="$WORK/none.h" >"$WORK/out" 2>&1 || status=$?
    expect '[ "$status" -eq 2 ]' "exit 2, got $status: $(cat "$WORK/out")"
    expect 'grep -qxF "    sudo apt-get install libcunit1-dev" "$WORK/out"' \
        "the install command in: $(cat "$WORK/out")"
    expect '[ ! -e "$WORK/apt-get.args" ]' "apt-get ran for a user"
}

# As root, every target that needs a package installs it (here CUnit and
# clang), and stops when it is still missing afterwards.
test_make_missing_package_as_root() {
    local status case target setting package
    stand_ins 0
    for case in "cunit CUNIT_HEADER=$WORK/none.h libcunit1-dev" \
                "fuzz-clang FUZZ_CC=no-such-cc clang"; do
        read -r target setting package <<<"$case"
        status=0
        PATH="$WORK/stand-ins:$PATH" make_here "$target" "$setting" \
            >"$WORK/out" 2>&1 || status=$?
        expect '[ "$status" -eq 2 ]' "$target: exit 2, got $status"
        expect 'grep -qxF "install -y $package" "$WORK/apt-get.args"' \
            "$target: apt-get install -y $package, got: $(cat "$WORK/apt-get.args" 2>&1)"
        expect 'grep -qF "still missing after installing $package" "$WORK/out"' \
            "$target: $(cat "$WORK/out")"
        rm -f "$WORK/apt-get.args"
    done
}

# make fuzz builds its four targets and runs each (a second here): a
# parser's file left out of a target's sources is a link error.
test_make_fuzz_builds_and_runs() {
    (cd "$ROOT" && make -s -j2 FUZZ_BUILD="$WORK/fuzz" FUZZ_SECONDS=1 fuzz) \
        >"$WORK/fuzz.out" 2>&1 || { tail -20 "$WORK/fuzz.out"; return 1; }
    for t in scenario config args logfmt; do
        expect 'grep -q "^fuzz_$t: 1s" "$WORK/fuzz.out"' "fuzz_$t ran"
    done
}
