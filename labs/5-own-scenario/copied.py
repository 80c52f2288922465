#!/usr/bin/env python3
"""copied.py SCENARIO SHIPPED...: is SCENARIO one of the shipped scenarios?

Lab 5 asks for a scenario of the student's own. Several shipped scenarios
(scenarios/, labs/*/grade/) already find the hidden bug, so handing one in
unchanged would earn the points for nothing. Both files are reduced to what
a run depends on, and compared:

  - comments, blank lines, spacing and the order of lines are dropped (the
    language ignores them);
  - seed, timeout and points=N are dropped (they do not change what is
    checked);
  - every proxy option goes into one sorted set (options may be spread
    over several proxy lines), and a backend's options are sorted;
  - backends are renamed B1, B2... in the order they are declared, in
    every line that names them.

Prints "copy of FILE" and exits 0 when SCENARIO reduces to the same lines
as a SHIPPED file; else prints, for the instructor, any shipped file whose
lines SCENARIO all contains ("contains all of FILE") and exits 1. Exit 2
on bad usage or an unreadable SCENARIO.
"""
import re
import sys


def reduce(text):
    """The scenario's lines as a sorted list of normalised strings."""
    lines = []
    for raw in text.replace("\r", " ").splitlines():
        words = raw.split("#", 1)[0].split()
        words = [w for w in words if not re.fullmatch(r"points=\S*", w)]
        if words and words[0] not in ("seed", "timeout"):
            lines.append(words)
    names = {}
    for words in lines:
        if words[0] == "backend" and len(words) > 1 and words[1] not in names:
            names[words[1]] = f"B{len(names) + 1}"

    def rename(word):
        head, eq, rest = word.partition("=")
        if head in names:
            return names[head] + eq + rest
        return word
    proxy, out = set(), []
    for words in lines:
        words = [words[0]] + [rename(w) for w in words[1:]]
        if words[0] == "proxy":
            proxy.update(words[1:])
        elif words[0] == "backend":
            out.append(" ".join(words[:2] + sorted(words[2:])))
        else:
            out.append(" ".join(words))
    out.append("proxy " + " ".join(sorted(proxy)))
    return sorted(out)


def main(argv):
    if len(argv) < 2:
        print("usage: copied.py SCENARIO SHIPPED...", file=sys.stderr)
        return 2
    try:
        mine = reduce(open(argv[1], errors="replace").read())
    except OSError as e:
        print(f"copied.py: {argv[1]}: {e.strerror}", file=sys.stderr)
        return 2
    contained = []
    for path in argv[2:]:
        try:
            theirs = reduce(open(path, errors="replace").read())
        except OSError:
            continue
        if theirs == mine:
            print(f"copy of {path}")
            return 0
        if all(mine.count(line) >= theirs.count(line) for line in theirs):
            contained.append(path)
    for path in contained:
        print(f"contains all of {path}")
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
