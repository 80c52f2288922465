#!/bin/sh
# deps.sh: the Debian 12 packages that building, testing and grading the
# proxy lab need, listed once. .ci/run and the Containerfile both install
# them with this script (docs/testing.md, "The container").
#
#   tools/deps.sh list       print the packages, one a line
#   tools/deps.sh missing    print those not installed, one a line
#   tools/deps.sh install    as root: install the missing ones with apt-get
#                            (no recommends); as a user: print the command
#
# Exit status: 0 done (install: nothing is missing any more); 1 apt-get
# failed, or a package is still missing after it; 2 bad usage, or install
# run as a user while packages are missing.
set -eu

usage() {
    echo "usage: tools/deps.sh list|missing|install|--help" >&2
    exit 2
}

help() {
    sed -n '2,13s/^# \{0,1\}//p' "$0"
    exit 0
}

# The packages, each with what needs it. The optional tools (clang for
# make fuzz, lcov, valgrind) are not here: make installs them as root.
packages() {
    sed -e 's/#.*//' -e 's/[[:space:]]//g' -e '/^$/d' <<'EOF'
build-essential   # gcc, make, the C headers, ThreadSanitizer's runtime
libcunit1-dev     # the unit tests
python3           # the integration tests' hostile peers, lab 5's grader
util-linux        # prlimit and unshare (integration tests)
procps            # ps (integration tests)
patch             # labs/prove.sh, lab 5's grader, make mutants
git               # labs/starter.sh (git archive)
netcat-openbsd    # nc: lab 1 and the README's walk through
chromium          # the integration test that renders the HTML report
nginx-light       # bench/: the backend; test_bench.sh runs one cell
haproxy           # bench/: the reference proxy
wrk               # bench/: the load
EOF
}

# missing: the packages dpkg does not list as installed.
missing() {
    for pkg in $(packages); do
        status=$(dpkg-query -W -f '${Status}' "$pkg" 2>/dev/null) || status=
        [ "$status" = "install ok installed" ] || echo "$pkg"
    done
}

install_missing() {
    need=$(missing | tr '\n' ' ')
    [ -n "$need" ] || return 0
    if [ "$(id -u)" != 0 ]; then
        echo "deps.sh: missing: $need" >&2
        echo "Install them with:" >&2
        echo "    sudo apt-get install --no-install-recommends $need" >&2
        exit 2
    fi
    export DEBIAN_FRONTEND=noninteractive
    # shellcheck disable=SC2086 # one word per package
    { apt-get update -qq && apt-get install -y -qq --no-install-recommends $need; } ||
        { echo "deps.sh: apt-get failed installing: $need" >&2; exit 1; }
    still=$(missing | tr '\n' ' ')
    if [ -n "$still" ]; then
        echo "deps.sh: still missing after apt-get: $still" >&2
        exit 1
    fi
}

[ $# -eq 1 ] || usage
case $1 in
    list) packages ;;
    missing) missing ;;
    install) install_missing ;;
    -h|--help) help ;;
    *) usage ;;
esac
