# shellcheck shell=bash
# test_container.sh: the container recipe and CI install one package list,
# tools/deps.sh, which is run here with stand-ins for id, dpkg-query and
# apt-get, so that nothing is installed (sourced by run.sh; stand_ins is
# in test_make.sh).

# installed_stand_in PACKAGE...: a dpkg-query in $WORK/stand-ins that says
# these packages, and no others, are installed.
installed_stand_in() {
    printf '%s\n' "$@" >"$WORK/installed"
    printf '#!/bin/sh\nfor last; do :; done\ngrep -qxF "$last" "%s" || exit 1\nprintf "install ok installed"\n' \
        "$WORK/installed" >"$WORK/stand-ins/dpkg-query"
    chmod +x "$WORK/stand-ins/dpkg-query"
}

# deps ARGS...: tools/deps.sh with the stand-ins first in PATH; its output
# goes to $WORK/out, its status to $status.
deps() {
    status=0
    PATH="$WORK/stand-ins:$PATH" "$ROOT/tools/deps.sh" "$@" >"$WORK/out" 2>&1 ||
        status=$?
}

# Neither the Containerfile nor .ci/run names a package: both run
# tools/deps.sh, and the devcontainer builds the Containerfile.
test_container_and_ci_install_one_list() {
    local file dest
    for file in Containerfile .ci/run; do
        expect '! grep -v "^[[:space:]]*#" "$ROOT/$file" | grep -qE "apt(-get)? +install"' \
            "$file installs packages by name: $(grep -nE 'apt(-get)? +install' "$ROOT/$file")"
    done
    expect 'grep -qx "tools/deps.sh install" "$ROOT/.ci/run"' \
        ".ci/run runs tools/deps.sh install"
    dest=$(sed -n 's/^COPY tools\/deps\.sh \([^ ]*\)$/\1/p' "$ROOT/Containerfile")
    expect '[ -n "$dest" ]' "the Containerfile copies tools/deps.sh into the image"
    expect 'grep -qF "RUN $dest install " "$ROOT/Containerfile"' \
        "the Containerfile runs $dest install"
    expect 'grep -qx "!tools/deps.sh" "$ROOT/.dockerignore"' \
        ".dockerignore lets tools/deps.sh into the build"
    expect 'grep -qE "\"dockerfile\": *\"\.\./Containerfile\"" "$ROOT/.devcontainer/devcontainer.json"' \
        "the devcontainer builds ../Containerfile"
}

# The list holds package names only, and every package of the README's
# install line.
test_deps_list_has_the_readme_packages() {
    local readme pkg
    "$ROOT/tools/deps.sh" list >"$WORK/list"
    expect '[ -s "$WORK/list" ] && ! grep -vqE "^[a-z0-9][a-z0-9.+-]+\$" "$WORK/list"' \
        "one package name a line, got: $(tr '\n' ' ' <"$WORK/list")"
    readme=$(sed -n 's/^sudo apt-get install //p' "$ROOT/README.md")
    expect '[ -n "$readme" ]' "README.md has a 'sudo apt-get install' line"
    for pkg in $readme; do
        expect 'grep -qxF "$pkg" "$WORK/list"' "$pkg (README.md) is not in tools/deps.sh"
    done
}

# As root, only the missing packages are installed, without recommends, and
# a package still missing afterwards fails the run; nothing missing, no
# apt-get at all.
test_deps_install_as_root() {
    local all
    all=$("$ROOT/tools/deps.sh" list | tr '\n' ' ')
    stand_ins 0
    # shellcheck disable=SC2046,SC2086 # all but git and python3 installed
    installed_stand_in $(printf '%s\n' $all | grep -vxE 'git|python3')
    deps install
    expect '[ "$status" -eq 1 ]' "exit 1 when still missing, got $status: $(cat "$WORK/out")"
    expect 'grep -qxF "install -y -qq --no-install-recommends python3 git" "$WORK/apt-get.args"' \
        "apt-get installs python3 and git alone, got: $(cat "$WORK/apt-get.args" 2>&1)"
    expect 'grep -qF "still missing after apt-get: python3 git" "$WORK/out"' \
        "says what is still missing: $(cat "$WORK/out")"
    rm -f "$WORK/apt-get.args"
    # shellcheck disable=SC2086
    installed_stand_in $all
    deps install
    expect '[ "$status" -eq 0 ]' "exit 0 with nothing missing, got $status: $(cat "$WORK/out")"
    expect '[ ! -e "$WORK/apt-get.args" ]' "apt-get ran with nothing missing"
}

# As a user, the missing packages are named with the command that installs
# them; a bad argument is a usage error.
test_deps_install_as_user_and_bad_usage() {
    stand_ins 1000
    installed_stand_in build-essential
    deps missing
    expect '[ "$status" -eq 0 ] && ! grep -qx build-essential "$WORK/out" && grep -qx git "$WORK/out"' \
        "missing lists git, not build-essential: $(cat "$WORK/out")"
    deps install
    expect '[ "$status" -eq 2 ]' "exit 2 as a user, got $status"
    expect 'grep -qE "^    sudo apt-get install --no-install-recommends .*\bgit\b" "$WORK/out"' \
        "the install command in: $(cat "$WORK/out")"
    expect '[ ! -e "$WORK/apt-get.args" ]' "apt-get ran for a user"
    deps instal
    expect '[ "$status" -eq 2 ] && grep -q "^usage: tools/deps.sh" "$WORK/out"' \
        "bad usage: exit 2 and the usage line, got $status: $(cat "$WORK/out")"
}
