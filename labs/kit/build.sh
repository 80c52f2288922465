#!/bin/sh
# build.sh OUTDIR: the grading platforms' packages of every lab a student
# hands something in for (make grader-kit; docs/autograders.md).
#
#   OUTDIR/README.md                         docs/autograders.md
#   OUTDIR/gradescope/LAB.zip                setup.sh, run_autograder and
#                                            the grader tree (proxylab/)
#   OUTDIR/classroom/LAB/.github/workflows/classroom.yml
#   OUTDIR/prairielearn/Dockerfile           the grader image
#   OUTDIR/prairielearn/serverFilesCourse/proxylab/   the grader tree
#   OUTDIR/prairielearn/questions/proxylab-LAB/       info.json, question.html
#
# The grader tree is what labs/grade.sh grades with: the repository's HEAD
# (git archive), or, outside a git checkout, a copy without build/ and
# .git. Settings from the environment:
#   GRADER_REPOSITORY  the classroom workflow's grader repository (OWNER/NAME)
#   GRADER_REF         the commit it grades with (default: HEAD's)
#   PL_IMAGE           the PrairieLearn image name (default proxylab-grader)
# Exit status: 0, 1 when a package cannot be made, 2 on bad usage.
set -eu

[ $# -eq 1 ] || { echo "usage: labs/kit/build.sh OUTDIR" >&2; exit 2; }
kit=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$kit/../.." && pwd)
out=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

tree=$tmp/proxylab
mkdir -p "$tree"
ref=
if git -C "$repo" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    git -C "$repo" archive HEAD | tar -x -C "$tree"
    ref=$(git -C "$repo" rev-parse HEAD)
    if [ -n "$(git -C "$repo" status --porcelain)" ]; then
        echo "build.sh: the packages hold HEAD ($ref); uncommitted changes are not in them"
    fi
else
    (cd "$repo" && tar --exclude=./build --exclude=./.git -cf - .) | tar -x -C "$tree"
fi
[ -x "$tree/labs/kit/kit.py" ] ||
    { echo "build.sh: the grader tree has no labs/kit/kit.py (commit labs/kit first)" >&2; exit 1; }

packages=$(cat "$kit/packages")
grader_repository=${GRADER_REPOSITORY:-OWNER/NAME}
grader_ref=${GRADER_REF:-${ref:-COMMIT}}
image=${PL_IMAGE:-proxylab-grader}

# fill TEMPLATE LAB: the template with its @NAMES@ replaced.
fill() {
    sed -e "s#@LAB@#$2#g" -e "s#@PACKAGES@#$packages#g" \
        -e "s#@GRADER_REPOSITORY@#$grader_repository#g" \
        -e "s#@GRADER_REF@#$grader_ref#g" "$1"
}

rm -rf "$out"
mkdir -p "$out/gradescope" "$out/classroom" "$out/prairielearn/questions" \
    "$out/prairielearn/serverFilesCourse"
for dir in "$out" "$out/gradescope" "$out/classroom" "$out/prairielearn"; do
    cp "$repo/docs/autograders.md" "$dir/README.md"
done
cp -R "$tree" "$out/prairielearn/serverFilesCourse/proxylab"
fill "$kit/prairielearn/Dockerfile" - >"$out/prairielearn/Dockerfile"

for dir in "$tree"/labs/[0-9]*-*/; do
    lab=$(basename "$dir")
    if [ -z "$(python3 "$tree/labs/kit/kit.py" handin "$lab")" ]; then
        echo "$lab: nothing to hand in, no package"
        continue
    fi
    gs=$tmp/gradescope-$lab
    mkdir -p "$gs"
    fill "$kit/gradescope/setup.sh" "$lab" >"$gs/setup.sh"
    fill "$kit/gradescope/run_autograder" "$lab" >"$gs/run_autograder"
    chmod 755 "$gs/setup.sh" "$gs/run_autograder"
    cp -R "$tree" "$gs/proxylab"
    python3 "$tree/labs/kit/kit.py" zip "$gs" "$out/gradescope/$lab.zip"
    rm -rf "$gs"

    mkdir -p "$out/classroom/$lab/.github/workflows"
    fill "$kit/classroom/classroom.yml" "$lab" \
        >"$out/classroom/$lab/.github/workflows/classroom.yml"

    python3 "$tree/labs/kit/kit.py" question "$lab" \
        "$out/prairielearn/questions/proxylab-$lab" "$image"
    echo "$lab: gradescope/$lab.zip, classroom/$lab/, prairielearn/questions/proxylab-$lab/"
done
echo "grader kit in $out (grader tree: ${ref:-a copy of the working tree})"
