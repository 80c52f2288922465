# tree.sh: the instructor's tree, for the lab scripts (sourced; POSIX sh).
#
# copy_tree REPO DEST: DEST becomes a clean copy of REPO (an absolute,
# physical path): its HEAD (git archive) when REPO is the top of a git
# checkout, else copy_plain. Returns non-zero, with a message, when it
# cannot.
copy_tree() {
    if [ "$(git -C "$1" rev-parse --show-toplevel 2>/dev/null)" = "$1" ]; then
        mkdir -p "$2" && git -C "$1" archive HEAD | tar -x -C "$2" ||
            { echo "cannot copy the HEAD of $1" >&2; return 1; }
    else
        copy_plain "$1" "$2"
    fi
}

# copy_plain DIR DEST: DEST becomes a copy of the files in DIR without
# .git and build/, cleaned with its own `make clean` (the programs).
copy_plain() {
    mkdir -p "$2" && (cd "$1" && tar --exclude=./.git --exclude=./build -cf - .) |
        tar -xf - -C "$2" || { echo "cannot copy $1" >&2; return 1; }
    course_make -s -C "$2" clean >/dev/null 2>&1 || true
}

# course_make ARGS...: make with the course's own settings: none of the
# caller's make flags or build variables (a sanitizer run's BUILD=, BIN=,
# CFLAGS=...) come along.
course_make() {
    env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u BUILD -u BIN -u CFLAGS \
        -u CPPFLAGS -u LDFLAGS -u LDLIBS make "$@"
}

# labs_of REPO: the lab folder names of REPO/labs, in lab-number order.
labs_of() {
    (cd "$1/labs" && ls -d [0-9]*-*/ 2>/dev/null) | sed 's#/$##' | sort -n
}
