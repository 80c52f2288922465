#!/usr/bin/env python3
"""labkit.py: the steps of labs/starter.sh, labs/grade.sh and labs/prove.sh
that read C code, blank.list, submissions and results (docs/grading.md).

  labkit.py starter REPO LAB OUT       blanks OUT (a copy of REPO) for LAB and
                                       leaves out what only the instructor sees
  labkit.py take TREE LAB SUBMISSION REPORT
                                       splices what LAB lets students change
                                       from SUBMISSION into TREE
  labkit.py scn LAB SUBMISSION OUT     finds the one scenario file of a lab
                                       that takes one (labs 5 and 6)
  labkit.py results TREE LAB RESULTS HARNESS_JSON UNITS_TSV FAILURE TAKEN PART_JSON
                                       writes the final results.json (with
                                       the tests of PART_JSON, lab 6's part
                                       B, when it exists)
  labkit.py leaks REPO LAB STARTER     fails when STARTER shows what LAB's
                                       starter must not (blanked bodies, the
                                       hidden bug, files left out)
  labkit.py blanked REPO LAB           FILE FUNCTION lines the starter blanks

Exit status: 0; 1 when the step found a fault of its input (a function
missing from a submission, a leak, a bad blank.list line: the message says
which and where); 2 on bad usage.
"""
import json
import os
import re
import shutil
import stat
import sys
import tempfile
import zipfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cfunc  # noqa: E402

ZIP_LIMIT = 200 * 1024 * 1024     # bytes a submission's zip may unpack to
SKIP_DIRS = {".git", "__MACOSX", "build", "node_modules"}


class Fault(Exception):
    """A fault of the input, reported as is (exit status 1)."""


# --- the labs and their blank.list ------------------------------------------

def labs(repo):
    """The lab folder names of repo/labs, in lab-number order."""
    names = [d for d in os.listdir(os.path.join(repo, "labs"))
             if re.match(r"\d+-", d) and os.path.isdir(os.path.join(repo, "labs", d))]
    return sorted(names, key=lambda d: (int(d.split("-", 1)[0]), d))


def lab_name(repo, lab):
    lab = lab.rstrip("/")
    lab = lab[len("labs/"):] if lab.startswith("labs/") else lab
    if lab not in labs(repo):
        raise Fault(f"no lab '{lab}' in {os.path.join(repo, 'labs')}")
    return lab


def blank_list(repo, lab):
    """[(file, function or '*', replacement body)] of labs/LAB/blank.list."""
    path = os.path.join(repo, "labs", lab, "blank.list")
    entries = []
    try:
        lines = open(path, encoding="utf-8").read().splitlines()
    except OSError as e:
        raise Fault(f"labs/{lab}/blank.list: {e.strerror}")
    for number, line in enumerate(lines, 1):
        words = line.split(None, 2)
        if not words or words[0].startswith("#"):
            continue
        where = f"labs/{lab}/blank.list:{number}"
        file = words[0]
        if os.path.isabs(file) or ".." in file.split("/"):
            raise Fault(f"{where}: '{file}' is not a path inside the repository")
        if len(words) < 2:
            raise Fault(f"{where}: a FILE alone (write 'FILE *' or 'FILE FUNCTION BODY')")
        if words[1] == "*":
            if len(words) > 2:
                raise Fault(f"{where}: 'FILE *' takes nothing after the '*'")
            entries.append((file, "*", ""))
        elif not cfunc.IDENT.fullmatch(words[1]):
            raise Fault(f"{where}: '{words[1]}' is not a function name")
        elif len(words) < 3:
            raise Fault(f"{where}: no replacement body after {words[1]}")
        else:
            entries.append((file, words[1], words[2]))
    return entries


def from_lab_on(repo, lab):
    """LAB and every later lab."""
    names = labs(repo)
    return names[names.index(lab):]


def read(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        return f.read()


def write(path, text):
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def lab_page(repo, lab):
    pages = sorted(p for p in os.listdir(os.path.join(repo, "docs", "labs"))
                   if p.startswith(lab)) if os.path.isdir(
        os.path.join(repo, "docs", "labs")) else []
    return pages[0] if pages else lab + ".md"


# --- the starter ------------------------------------------------------------

def hidden_list(repo, lab):
    """The lines of labs/LAB/hidden ('#' comments and blank lines dropped)."""
    path = os.path.join(repo, "labs", lab, "hidden")
    if not os.path.isfile(path):
        return []
    return [w for w in (l.split("#", 1)[0].strip() for l in read(path).splitlines()) if w]


def hidden_bug_lines(repo, lab):
    """The lines a scenario lab's hidden bug (its broken.patch) adds,
    normalised as needles() does; only lines long enough to be telling."""
    path = os.path.join(repo, "labs", lab, "broken.patch")
    if not os.path.isfile(os.path.join(repo, "labs", lab, "grade-scenario.sh")) \
            or not os.path.isfile(path):
        return []
    lines = []
    for line in read(path).splitlines():
        if line.startswith("+") and not line.startswith("+++"):
            squeezed = squeeze(line[1:])
            if len(squeezed) >= 12:
                lines.append(squeezed)
    return lines


def squeeze(text):
    """text without whitespace: what leak checks compare."""
    return re.sub(r"\s+", "", text)


def left_out(repo, lab):
    """The repository paths the starter for LAB leaves out (that exist)."""
    out = ["docs/instructor.md"]
    for name in labs(repo):
        folder = f"labs/{name}"
        for item in ("broken.patch", "cheats", "expected", "hidden", "answers"):
            out.append(f"{folder}/{item}")
        for item in sorted(os.listdir(os.path.join(repo, folder))):
            # a scenario lab's answers (lab 5; lab 6's part B), and any
            # solution
            if item.startswith("solution") or (
                    item.endswith(".scn") and takes_scenario(repo, name)):
                out.append(f"{folder}/{item}")
        for entry in hidden_list(repo, name):
            if "/" not in entry:
                out.append(f"{folder}/grade/{entry}")
            elif name == lab:
                out.append(entry)
    out.extend(revealing_bugs(repo, lab))
    return [p for p in dict.fromkeys(out) if os.path.lexists(os.path.join(repo, p))]


def takes_scenario(repo, lab):
    """Whether the student hands in a scenario for LAB (lab 5's
    grade-scenario.sh, lab 6's grade-scenario-part.sh)."""
    return any(os.path.isfile(os.path.join(repo, "labs", lab, script))
               for script in ("grade-scenario.sh", "grade-scenario-part.sh"))


def patch_files(text):
    return set(re.findall(r"^\+\+\+ b/(\S+)", text, re.M)) | \
        set(re.findall(r"^--- a/(\S+)", text, re.M))


def revealing_bugs(repo, lab):
    """The bug catalogue's patches (tests/bugs/) that change a file the
    starter blanks (their context lines show the code around the bug) or
    hold a line of a later scenario lab's hidden bug."""
    folder = os.path.join(repo, "tests", "bugs")
    if not os.path.isdir(folder):
        return []
    files = {f for later in from_lab_on(repo, lab) for f, _, _ in blank_list(repo, later)}
    bug_lines = [l for later in from_lab_on(repo, lab) for l in hidden_bug_lines(repo, later)]
    found = []
    for name in sorted(os.listdir(folder)):
        if not name.endswith(".patch"):
            continue
        text = read(os.path.join(folder, name))
        if patch_files(text) & files or any(l in squeeze(text) for l in bug_lines):
            found.append(f"tests/bugs/{name}")
    return found


def starter(repo, lab, out):
    """Blanks OUT (a copy of REPO's tree) for LAB: the functions of LAB and
    every later lab get their blank.list body, a 'FILE *' file its
    skeleton; then the instructor's files go."""
    lab = lab_name(repo, lab)
    skeletons = set()
    for later in from_lab_on(repo, lab):
        number = later.split("-", 1)[0]
        note = (f"/* Lab {number}: write this function "
                f"(see docs/labs/{lab_page(repo, later)}). */")
        for file, func, body in blank_list(repo, later):
            target = os.path.join(out, file)
            if func == "*":
                skeleton = os.path.join(repo, "labs", later, "skeleton", file)
                if not os.path.isfile(skeleton):
                    raise Fault(f"labs/{later}/blank.list: {file} is the student's "
                                f"('{file} *') but labs/{later}/skeleton/{file} is missing")
                os.makedirs(os.path.dirname(target) or ".", exist_ok=True)
                shutil.copyfile(skeleton, target)
                skeletons.add(file)
                print(f"skeleton {file} (lab {number})")
                continue
            if not os.path.isfile(target):
                raise Fault(f"labs/{later}/blank.list: {file}: no such file")
            text = read(target)
            try:
                d = cfunc.find(text, func)
            except cfunc.CError as e:
                raise Fault(f"{file}: {e}")
            if d is None:
                if file in skeletons:
                    continue        # an earlier skeleton already left it out
                raise Fault(f"labs/{later}/blank.list: {file}: function {func} not found")
            text = text[:d.body] + "{\n    " + note + "\n    " + body + "\n}" + text[d.end:]
            write(target, text)
            print(f"blanked {file} {func} (lab {number})")
    for path in left_out(repo, lab):
        full = os.path.join(out, path)
        if os.path.isdir(full) and not os.path.islink(full):
            shutil.rmtree(full)
        elif os.path.lexists(full):
            os.remove(full)


def blanked(repo, lab):
    """(lab, file, function) the starter for LAB blanks; function '*' for
    a whole file."""
    return [(later, f, fn) for later in from_lab_on(repo, lab)
            for f, fn, _ in blank_list(repo, later)]


# --- the leak check ---------------------------------------------------------

def body_needle(text, d):
    """A definition's body between its braces, comments and spaces out."""
    return squeeze(cfunc.strip_comments(text[d.body + 1:d.end - 1]))


def needles(repo, lab):
    """(what, squeezed text) that no file of LAB's starter may hold."""
    found = []
    for later, file, func in blanked(repo, lab):
        text = read(os.path.join(repo, file))
        defs = cfunc.definitions(text)
        if func != "*":
            defs = [d for d in defs if d.name == func]
            if not defs:
                raise Fault(f"labs/{later}/blank.list: {file}: function {func} not found")
            kept = set()
        else:
            # the skeleton's own functions are handed out on purpose
            skel = read(os.path.join(repo, "labs", later, "skeleton", file))
            kept = {body_needle(skel, d) for d in cfunc.definitions(skel)}
        for d in defs:
            needle = body_needle(text, d)
            if needle and needle not in kept:
                found.append((f"the body of {file}:{d.name} (lab {later})", needle))
    for later in from_lab_on(repo, lab):
        for line in hidden_bug_lines(repo, later):
            found.append((f"a line of labs/{later}/broken.patch (the hidden bug)", line))
    return found


def views(path, text):
    """The squeezed texts of one file that a needle is looked for in."""
    out = [squeeze(text), squeeze(cfunc.strip_comments(text))]
    if path.endswith((".patch", ".diff")) or "\n@@ " in text:
        for keep in ("+ ", "- "):
            side = "\n".join(l[1:] for l in text.splitlines()
                             if l[:1] in keep and not l.startswith(("+++", "---")))
            out += [squeeze(side), squeeze(cfunc.strip_comments(side))]
    return out


def leaks(repo, lab, tree):
    lab = lab_name(repo, lab)
    problems = [f"{p} is in the starter (the starter must leave it out)"
                for p in left_out(repo, lab) if os.path.lexists(os.path.join(tree, p))]
    wanted = needles(repo, lab)
    files = 0
    for root, dirs, names in os.walk(tree):
        dirs[:] = [d for d in dirs if d not in (".git", "build")]
        for name in names:
            path = os.path.join(root, name)
            if os.path.islink(path) or os.path.getsize(path) > 4 * 1024 * 1024:
                continue
            with open(path, "rb") as f:
                raw = f.read()
            if b"\0" in raw[:8192]:
                continue
            files += 1
            rel = os.path.relpath(path, tree)
            texts = views(rel, raw.decode("utf-8", "replace"))
            for what, needle in wanted:
                if any(needle in t for t in texts):
                    problems.append(f"{rel} holds {what}")
    for p in problems:
        print(f"leak: {p}")
    print(f"leak check of the starter for {lab}: {len(wanted)} blanked bodies and "
          f"bug lines looked for in {files} files; {len(problems)} leak(s)")
    return 1 if problems else 0


# --- submissions ------------------------------------------------------------

def unpack(submission, work):
    """The folder that holds the submission: itself, or its zip unpacked
    into work (members outside the folder and links are skipped)."""
    if os.path.isdir(submission):
        return submission
    if not zipfile.is_zipfile(submission):
        raise Fault(f"your submission {os.path.basename(submission)} is neither a "
                    "folder nor a zip file")
    try:
        with zipfile.ZipFile(submission) as z:
            if sum(i.file_size for i in z.infolist()) > ZIP_LIMIT:
                raise Fault("your zip unpacks to more than 200 MB")
            for info in z.infolist():
                name = info.filename
                parts = name.replace("\\", "/").split("/")
                mode = info.external_attr >> 16
                if name.startswith("/") or ".." in parts or stat.S_ISLNK(mode):
                    continue
                z.extract(info, work)
    except (zipfile.BadZipFile, OSError, RuntimeError, ValueError) as e:
        raise Fault(f"your zip cannot be unpacked: {e}")
    return work


def files_of(folder):
    """Every regular file under folder (relative paths), skipping version
    control, build products' folders and links."""
    found = []
    for root, dirs, names in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS)
        for name in sorted(names):
            path = os.path.join(root, name)
            if not os.path.islink(path) and os.path.isfile(path):
                found.append(os.path.relpath(path, folder))
    return found


def locate(files, wanted):
    """The submission's file for repository path wanted: the shallowest one
    at that path (a whole tree, perhaps inside a folder), else the only one
    of that name."""
    at_path = [f for f in files if f == wanted or f.endswith("/" + wanted)]
    if at_path:
        depth = min(f.count("/") for f in at_path)
        best = [f for f in at_path if f.count("/") == depth]
        if len(best) > 1:
            raise Fault(f"{wanted}: your submission holds several: {', '.join(best[:5])}")
        return best[0]
    base = os.path.basename(wanted)
    named = [f for f in files if os.path.basename(f) == base]
    if len(named) == 1:
        return named[0]
    if named:
        raise Fault(f"{wanted}: your submission holds several files named {base} "
                    f"({', '.join(named[:5])}); put yours at {wanted}")
    raise Fault(f"{wanted}: not in your submission (looked for {wanted}, or a "
                f"file named {base} anywhere in it)")


def splice(instructor, student, funcs, file):
    """The submission's text of file with the course's version of every
    function the course defines and funcs does not name (put back at the
    end, declared first, where the submission dropped one that is not
    static or that the file still names). Returns (text,
    the submission's new functions, the course's functions it changed)."""
    try:
        theirs = cfunc.definitions(student)
    except cfunc.CError as e:
        raise Fault(f"{file}: your file cannot be read as C ({e}), so "
                    f"{', '.join(funcs)} cannot be taken from it")
    ours = {}
    for d in cfunc.definitions(instructor):
        ours.setdefault(d.name, d)
    by_name = {}
    for d in theirs:
        by_name.setdefault(d.name, d)
    missing = [f for f in funcs if f not in by_name]
    if missing:
        raise Fault("\n".join(f"{file}: function {f} is not in your submission "
                              "(or cannot be read there)" for f in missing))
    unknown = [f for f in funcs if f not in ours]
    if unknown:
        raise Fault(f"{file}: the course's copy has no function {', '.join(unknown)} "
                    "(blank.list does not fit the code)")
    changed, text = [], student
    for d in sorted(by_name.values(), key=lambda d: d.start, reverse=True):
        if d.name in ours and d.name not in funcs:
            course = ours[d.name].text(instructor)
            if squeeze(cfunc.strip_comments(course)) != \
                    squeeze(cfunc.strip_comments(d.text(student))):
                changed.append(d.name)
            text = text[:d.start] + course + text[d.end:]
    # one the submission left out comes back when something may call it
    dropped = [d for d in ours.values() if d.name not in by_name and (
        not re.search(r"\bstatic\b", d.head(instructor))
        or re.search(r"\b" + d.name + r"\b", text))]
    if dropped:
        first = min((d.start for d in theirs), default=len(text))
        text += "\n/* The course's functions your file left out. */\n" + \
            "".join("\n" + d.text(instructor) + "\n" for d in dropped)
        text = text[:first] + "".join(d.head(instructor) + ";\n" for d in dropped) + \
            "\n" + text[first:]
    new = [d.name for d in theirs if d.name not in ours]
    return text, list(dict.fromkeys(new)), sorted(changed)


def take(tree, lab, submission, report):
    """Puts into tree what LAB lets students change, from submission;
    writes what was taken, or why nothing could be, to report."""
    lab = lab_name(tree, lab)
    entries = blank_list(tree, lab)
    lines, faults = [], []
    with tempfile.TemporaryDirectory() as work:
        try:
            folder = unpack(submission, work)
            files = files_of(folder)
        except Fault as e:
            faults.append(str(e))
            files, folder = [], None
        wanted = {}
        for file, func, _ in entries:
            wanted.setdefault(file, []).append(func)
        for file, funcs in wanted.items():
            if folder is None:
                break
            try:
                source = locate(files, file)
                student = read(os.path.join(folder, source))
                target = os.path.join(tree, file)
                if "*" in funcs:
                    os.makedirs(os.path.dirname(target), exist_ok=True)
                    write(target, student)
                    lines.append(f"{file}: the whole file, from {source}")
                    continue
                text, new, changed = splice(read(target), student, funcs, file)
                write(target, text)
                lines.append(f"{file}: {', '.join(funcs)}, from {source}, with the "
                             "file's types, variables and includes")
                if new:
                    lines.append(f"{file}: also your new functions: {', '.join(new)}")
                if changed:
                    lines.append(f"{file}: not your changes to {', '.join(changed)}: "
                                 "the course's own are used")
            except Fault as e:
                faults.append(str(e))
            except (OSError, UnicodeError) as e:
                faults.append(f"{file}: your file cannot be read ({e})")
    if not entries:
        lines.append(f"nothing: lab {lab} grades the course's own code")
    text = "Taken from your submission (everything else is the course's):\n" + \
        "".join(f"  {l}\n" for l in lines)
    if faults:
        text = "".join(f"{f}\n" for f in faults) + "\n" + text
    write(report, text)
    return 1 if faults else 0


def scenario_file(lab, submission, out):
    """Copies the submission's one scenario file to out: the only .scn, else
    the first in labs/LAB/, else the shallowest labN.scn, else the first
    directly in a labs/*/ folder."""
    with tempfile.TemporaryDirectory() as work:
        if os.path.isfile(submission) and submission.endswith(".scn"):
            source = submission
        else:
            folder = unpack(submission, work)
            scns = [f for f in files_of(folder) if f.endswith(".scn")]
            own = [f for f in scns if re.search(r"(^|/)labs/" + re.escape(lab) +
                                                r"/[^/]*\.scn$", f)]
            number = lab.split("-", 1)[0]
            named = sorted((f for f in scns if os.path.basename(f) == f"lab{number}.scn"),
                           key=lambda f: f.count("/"))
            lab5 = [f for f in scns if re.search(r"(^|/)labs/[^/]*/[^/]*\.scn$", f)]
            if len(scns) == 1:
                chosen = scns[0]
            elif own:
                chosen = own[0]
            elif named:
                chosen = named[0]
            elif lab5:
                chosen = lab5[0]
            elif scns:
                raise Fault("your submission holds several .scn files ("
                            + ", ".join(scns[:10]) + "): hand in one")
            else:
                raise Fault("your submission holds no .scn file")
            source = os.path.join(folder, chosen)
            print(f"your scenario: {chosen}")
        shutil.copyfile(source, out)


# --- results ----------------------------------------------------------------

def scenario_output(work, name, copied):
    """The output of one test of a scenario grader (labs/lib/scenario.sh's
    WORK): the reason when no scenario was handed in, the refusal of a
    copy, else the end of WORK/name, with what copied.py noted for the
    grader."""
    note = read(f"{work}/copied.out").strip()
    if os.path.isfile(f"{work}/missing.out"):
        return read(f"{work}/missing.out")
    if copied:
        return (f"not run: your scenario is a {note} (comments, spacing, line "
                "order, seed, timeout, points and backend names set aside). "
                "Write a scenario of your own.")
    try:
        out = read(f"{work}/{name}")[-4000:]
    except OSError:
        out = "(not run: the scenario does not parse)"
    return out + (f"\n\n(for the grader: it {note})" if note else "")



def scenario_points(path):
    """The points of one scenario file's expectations (1 unless points=N)."""
    total = 0
    for line in read(path).splitlines():
        words = line.split("#", 1)[0].split()
        if words and words[0] in ("expect", "expect-fail"):
            points = [w for w in words if w.startswith("points=")]
            total += int(points[0][7:]) if points and points[0][7:].isdigit() else 1
    return total


def units_lines(tree, lab):
    """[(suites, points)] of labs/LAB/units."""
    path = os.path.join(tree, "labs", lab, "units")
    if not os.path.isfile(path):
        return []
    out = []
    for line in read(path).splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            m = re.search(r"points=(\d+)", line)
            out.append((re.sub(r"\s*points=\d+\s*", " ", line).strip(),
                        int(m.group(1)) if m else 0))
    return out


def most_points(tree, lab):
    grade = os.path.join(tree, "labs", lab, "grade")
    scns = sorted(f for f in os.listdir(grade) if f.endswith(".scn")) \
        if os.path.isdir(grade) else []
    return sum(scenario_points(os.path.join(grade, f)) for f in scns) + \
        sum(p for _, p in units_lines(tree, lab))


def collapse_failures(text):
    """The lines of a CUnit run that say what failed: each test's FAILED
    line, the explanations the tests print (indented prose), and each
    failed assertion once, with how many times it failed when more."""
    out, index, test = [], {}, None
    for line in text.splitlines():
        m = re.match(r"\s+\d+\. (.*)", line)
        if line.lstrip().startswith("Test:"):
            test = line.strip()
        if line.strip() == "FAILED" and test is not None:
            # The test printed its explanation between its name and the
            # verdict: the name goes before the explanation.
            at = len(out)
            while at > 0 and not out[at - 1].startswith("tests/") and \
                    not out[at - 1].startswith("Test:"):
                at -= 1
            out.insert(at, test + "FAILED")
        elif m:
            where = m.group(1).strip()
            if where in index:
                index[where][1] += 1
            else:
                index[where] = [len(out), 1]
                out.append(where)
        elif "...FAILED" in line or re.match(r"  [a-z].* [a-z]", line) and \
                not line.lstrip().startswith(("Test:", "Suite:", "Run ")):
            out.append(line.strip())
    for where, (at, count) in index.items():
        if count > 1:
            out[at] = f"{where}  (failed {count} times)"
    return out


def unit_report(suites, verdict, text):
    """(passed, output) for one run of the CUnit runner."""
    if verdict == "nobuild":
        return False, ("the unit tests do not build against your code "
                       "(the end of the build log):\n" + text)
    failed = collapse_failures(text)
    summary = re.search(r"^\s+tests\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)", text, re.M)
    rc = int(verdict[2:])
    if rc == 0 and summary is not None and summary.group(4) == "0" \
            and int(summary.group(2)) > 0:
        return True, f"every test of {suites} passed ({summary.group(2)} tests)"
    stopped = rc > 128 or rc == 66 or summary is None
    if stopped:
        tests = re.findall(r"Test: (.*?) \.\.\.", text)
        where = f" during '{tests[-1]}'" if tests else ""
        why = {66: "a sanitizer report", 124: "a time-out (300 s)"}.get(
            rc, f"signal {rc - 128}" if rc > 128 else f"status {rc}")
        failed.insert(0, f"the test runner stopped{where}: {why}")
    return False, ("not every test passed (run: build/test_runner "
                   f"{suites}):\n" + "\n".join(failed[:60]) +
                   ("\n\n" + text[-3000:] if stopped else ""))


def results(tree, lab, path, harness_json, units_tsv, failure, taken, part_json):
    """Writes results.json (with part_json's tests, when it exists, unless
    nothing could be built: then the build test's points hold theirs
    too); prints the score."""
    hidden = {e for e in hidden_list(tree, lab) if "/" not in e}
    taken_text = read(taken) if os.path.isfile(taken) else ""
    top = most_points(tree, lab)
    try:
        part = json.load(open(part_json)).get("tests", [])
    except (OSError, ValueError):
        part = []
    tests = []
    if os.path.isfile(failure) and os.path.getsize(failure) > 0:
        top += sum(t.get("max_score", 0) for t in part)
        tests.append({"name": "build", "score": 0, "max_score": top,
                      "status": "failed", "output": read(failure)[-6000:]})
    else:
        try:
            tests = json.load(open(harness_json)).get("tests", [])
        except (OSError, ValueError) as e:
            tests = [{"name": "scenarios", "score": 0,
                      "max_score": top - sum(p for _, p in units_lines(tree, lab)),
                      "status": "failed",
                      "output": f"the harness wrote no results ({e})"}]
        for t in tests:
            scenario = t.get("name", "").split(": ", 1)[0]
            t["visibility"] = ("after_published" if os.path.basename(scenario) in hidden
                               else "visible")
        rows = [l.rstrip("\n").split("\t") for l in open(units_tsv)] \
            if os.path.isfile(units_tsv) else []
        for points, suites, verdict, out in rows:
            text = read(out) if os.path.isfile(out) else ""
            ok, output = unit_report(suites, verdict, text)
            tests.append({"name": f"unit tests: {suites}", "max_score": int(points),
                          "score": int(points) if ok else 0,
                          "status": "passed" if ok else "failed", "output": output})
            print(f"unit tests {suites}: {'passed' if ok else 'FAILED'} "
                  f"({int(points) if ok else 0} of {points} points)")
        tests += part
    prefix = os.path.abspath(tree) + "/"
    for t in tests:
        t.setdefault("visibility", "visible")
        for key in ("name", "output"):
            t[key] = str(t.get(key, "")).replace(prefix, "")
    score = sum(t.get("score", 0) for t in tests)
    most = sum(t.get("max_score", 0) for t in tests)
    data = {"score": score, "max_score": most, "output_format": "text",
            "output": taken_text, "tests": tests}
    with open(path, "w") as f:
        json.dump(data, f, indent=2)
    print(f"{lab}: {score:g} of {most:g} points")


# --- command line -----------------------------------------------------------

COMMANDS = {
    "starter": (3, lambda a: starter(*a)),
    "take": (4, lambda a: take(*a)),
    "scn": (3, lambda a: scenario_file(a[0].rstrip("/").split("/")[-1], a[1], a[2])),
    "results": (8, lambda a: results(*a)),
    "leaks": (3, lambda a: leaks(*a)),
    "blanked": (2, lambda a: print("\n".join(f"{f} {fn}" for _, f, fn in
                                             blanked(a[0], lab_name(a[0], a[1]))))),
}


def main(argv):
    if len(argv) < 2 or argv[1] not in COMMANDS or len(argv) - 2 != COMMANDS[argv[1]][0]:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    try:
        return COMMANDS[argv[1]][1](argv[2:]) or 0
    except Fault as e:
        print(f"labkit.py {argv[1]}: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
