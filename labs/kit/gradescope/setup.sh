#!/bin/sh
# setup.sh: Gradescope runs it once, as root on Ubuntu, when it builds the
# autograder's image from this zip (docs/autograders.md). It installs what
# labs/grade.sh needs (labs/kit/packages); when every one of those is
# there already it installs nothing. Exit status: 0, or apt-get's.
set -eu
packages="@PACKAGES@"
if command -v cc >/dev/null && command -v make >/dev/null &&
   command -v python3 >/dev/null && command -v patch >/dev/null &&
   command -v unzip >/dev/null && [ -f /usr/include/CUnit/Basic.h ]; then
    echo "setup.sh: the packages are installed already"
    exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update
# shellcheck disable=SC2086 # one word per package
apt-get install -y --no-install-recommends $packages
