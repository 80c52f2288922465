#!/usr/bin/env python3
"""kit.py: runs labs/grade.sh for a grading platform and answers in its format.

The grader tree is the one this file lives in (labs/kit/kit.py), so a
package built by labs/kit/build.sh grades with its own copy of the
instructor's repository. docs/autograders.md describes each platform.

  kit.py gradescope LAB          grade $AUTOGRADER_ROOT/submission (default
                                 /autograder), write results/results.json
  kit.py classroom LAB SUBMISSION
                                 grade SUBMISSION, append "result=BASE64" (the
                                 classroom reporter's JSON) to $GITHUB_OUTPUT
  kit.py prairielearn LAB        grade $GRADE_ROOT/student (default /grade),
                                 write results/results.json there
  kit.py handin LAB              what a student hands in for LAB, one path a
                                 line (nothing: the lab has no package)
  kit.py question LAB DIR IMAGE  a PrairieLearn question for LAB in DIR
  kit.py zip DIR ZIP             ZIP holds DIR's content at its root, modes kept

The platform commands exit 0 once the platform's result is written,
whatever the score; 2 on bad usage. A submission is laid out for grade.sh
first (stage()): files handed in by name alone (pool.c) are put where the
lab's blank.list has them (proxy/pool.c).
"""
import base64
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import uuid
import zipfile
from pathlib import Path

TREE = Path(__file__).resolve().parents[2]
LABS = TREE / "labs"
HIDDEN_NOTE = ("hidden test: its details are shown when the grades are "
               "published (the points count now)")
FAILED_GRADER = ("The grader could not grade this submission: this is not "
                 "your grade. Tell your instructor.")
# The reporter reads the result from an environment variable, and Linux
# holds at most 128 KiB in one: 90,000 bytes of JSON stay below that in
# base64.
CLASSROOM_JSON_MAX = 90000
# PrairieLearn takes a results.json of at most 1 MB.
PRAIRIELEARN_JSON_MAX = 900000


class Usage(Exception):
    """Bad arguments or environment: the message says which."""


def lab_dir(lab):
    lab = lab.rstrip("/")
    lab = lab[len("labs/"):] if lab.startswith("labs/") else lab
    path = LABS / lab
    if not re.fullmatch(r"[0-9]+-[A-Za-z0-9_-]+", lab) or not path.is_dir():
        raise Usage(f"no lab '{lab}' in {LABS}")
    return path


def handin(lab):
    """The files a student hands in for lab, repository-relative.

    The files labs/LAB/handin lists, when it exists (lab 7: two scenarios
    and a written part); else the files blank.list names; for a lab that
    names none and grades no scenarios of its own (no grade/), one
    scenario file, labN.scn; else nothing (lab 1: the student writes
    nothing, so it has no package). A lab that also takes a scenario
    (grade-scenario-part.sh) adds labN.scn.
    """
    path = lab_dir(lab)
    if (path / "handin").is_file():
        return [w for w in (line.split("#", 1)[0].strip()
                            for line in (path / "handin").read_text().splitlines()) if w]
    files = []
    try:
        lines = (path / "blank.list").read_text().splitlines()
    except OSError:
        lines = []
    for line in lines:
        words = line.split("#", 1)[0].split()
        if words and words[0] not in files:
            files.append(words[0])
    if (not files and not (path / "grade").is_dir()) or \
            (path / "grade-scenario-part.sh").is_file():
        files.append(f"lab{path.name.split('-', 1)[0]}.scn")
    return files


def stage(lab, submission, out):
    """What to hand to grade.sh for the platform's submission directory.

    A lone .zip is passed on as it is. A lab whose hand-in is a scenario
    gets only that file when the directory has it (a student's whole
    repository holds every shipped scenario too). Otherwise the directory
    is copied to out (without .git), and each handed-in file that is only
    at the top by its name alone is copied to its repository path as well.
    """
    sub = Path(submission)
    entries = [p for p in sub.iterdir()] if sub.is_dir() else []
    if len(entries) == 1 and entries[0].suffix == ".zip" and entries[0].is_file():
        return str(entries[0])
    files = handin(lab)
    if files and all(f.endswith(".scn") for f in files):
        # A whole repository holds many scenarios: only the student's goes.
        own = [sub / f for f in files if (sub / f).is_file()]
        if own:
            Path(out).mkdir(parents=True)
            for path in own:
                shutil.copy2(path, Path(out) / path.name)
            return str(out)
    shutil.copytree(sub, out, symlinks=True,
                    ignore=shutil.ignore_patterns(".git"))
    for rel in files:
        target = Path(out) / rel
        flat = Path(out) / Path(rel).name
        if not target.exists() and flat.is_file():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(flat, target)
    return str(out)


class Grading:
    """One run of labs/grade.sh: its results (None when it wrote none) and log."""

    def __init__(self, lab, submission, work, report=False):
        self.lab = lab_dir(lab).name
        self.report_dir = Path(work) / "report"
        results = Path(work) / "results.json"
        sub = stage(self.lab, submission, Path(work) / "submission")
        restore_modes()
        env = dict(os.environ)
        if report:
            env["GRADE_REPORT"] = str(self.report_dir)
        run = subprocess.run(
            [str(LABS / "grade.sh"), self.lab, sub, str(results)], env=env,
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT)
        self.status = run.returncode
        self.log = run.stdout.decode("utf-8", "replace")
        self.results = load_results(results)

    def tail(self, limit=4000):
        return shorten(self.log.strip() or
                       f"(grade.sh printed nothing; exit status {self.status})", limit)


def restore_modes():
    """Makes the grader tree's scripts executable when a copy lost the modes.

    A platform may copy the tree without them (PrairieLearn makes only the
    entrypoint executable); a script is a file that starts with "#!".
    """
    if os.access(LABS / "grade.sh", os.X_OK):
        return
    for path in TREE.rglob("*"):
        if path.is_file() and not path.is_symlink():
            with open(path, "rb") as f:
                if f.read(2) == b"#!":
                    path.chmod(path.stat().st_mode | 0o111)


def shorten(text, limit):
    """text, or its last limit characters after "..."."""
    if len(text) <= limit:
        return text
    return "..." + (text[-limit:] if limit > 0 else "")


def load_results(path):
    """Gradescope's results.json as a dict with a list of tests, or None."""
    try:
        data = json.loads(Path(path).read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("tests"), list):
        return None
    if not all(isinstance(t, dict) for t in data["tests"]):
        return None
    return data


def number(value):
    return value if isinstance(value, (int, float)) else 0


def passed(test):
    if "status" in test:
        return test["status"] == "passed"
    return number(test.get("score")) >= number(test.get("max_score"))


def visible(test):
    return test.get("visibility", "visible") == "visible"


def totals(data):
    tests = data["tests"]
    score = data.get("score")
    score = score if isinstance(score, (int, float)) else \
        sum(number(t.get("score")) for t in tests)
    top = data.get("max_score")
    top = top if isinstance(top, (int, float)) else \
        sum(number(t.get("max_score")) for t in tests)
    return score, top


def build_failure(data):
    """The failed "build" test of a grading, or None."""
    for test in data["tests"]:
        if test.get("name") == "build" and not passed(test):
            return test
    return None


def fmt(x):
    return "%g" % x


def summary(lab, data):
    """One line per test (hidden ones marked), the total, and the grader's
    note on the whole submission (its top-level output)."""
    lines = []
    for t in data["tests"]:
        mark = "ok  " if passed(t) else "FAIL"
        hidden = "" if visible(t) else "  (hidden)"
        lines.append(f"{mark} {fmt(number(t.get('score')))}/"
                     f"{fmt(number(t.get('max_score')))}  {t.get('name', '')}{hidden}")
    score, top = totals(data)
    lines.append(f"{lab}: {fmt(score)} of {fmt(top)} points")
    if isinstance(data.get("output"), str) and data["output"].strip():
        lines += ["", data["output"].strip()]
    return "\n".join(lines)


def write_json(path, data):
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, indent=2) + "\n")
    tmp.replace(path)


# --- Gradescope ---------------------------------------------------------

def gradescope(lab):
    """results/results.json under $AUTOGRADER_ROOT, as grade.sh wrote it.

    When grade.sh wrote none, a result that says so, with the end of its
    output. Gradescope shows run_autograder's output to instructors only;
    it gets grade.sh's whole output.
    """
    lab_dir(lab)
    root = Path(os.environ.get("AUTOGRADER_ROOT", "/autograder"))
    if not (root / "submission").is_dir():
        raise Usage(f"no submission folder {root / 'submission'}")
    results = root / "results" / "results.json"
    results.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as work:
        g = Grading(lab, root / "submission", work)
        print(g.log, end="")
        data = g.results
        if data is None:
            data = {"score": 0, "output_format": "text",
                    "output": FAILED_GRADER,
                    "tests": [{"name": "grader", "score": 0, "max_score": 0,
                               "status": "failed", "visibility": "visible",
                               "output": g.tail()}]}
        write_json(results, data)
    return 0


# --- GitHub Classroom ---------------------------------------------------

def classroom_result(lab, g):
    """The reporter's result: version, status, max_score, tests."""
    if g.results is None:
        tests = [{"name": "grader", "status": "error", "score": 0,
                  "message": FAILED_GRADER + "\n\n" + g.tail()}]
        result = {"version": 1, "status": "error", "max_score": 0}
    else:
        tests = []
        for t in g.results["tests"]:
            ok = passed(t)
            tests.append({
                "name": str(t.get("name", "")),
                "status": "pass" if ok else "fail",
                "score": number(t.get("score")),
                "message": str(t.get("output", "")) if visible(t) else HIDDEN_NOTE,
            })
        _, top = totals(g.results)
        fail = any(t["status"] != "pass" for t in tests)
        result = {"version": 1, "status": "fail" if fail else "pass",
                  "max_score": top}
    for t in tests:
        t.update({"test_code": f"labs/grade.sh {lab}", "filename": "",
                  "line_no": 0, "duration": 0})
    full = [t["message"] for t in tests]
    limit = 4000
    while True:
        for t, message in zip(tests, full):
            t["message"] = shorten(message, limit)
        result["tests"] = tests
        text = json.dumps(result, separators=(",", ":"))
        if len(text) <= CLASSROOM_JSON_MAX or limit == 0:
            return text
        limit = limit * 2 // 3 if limit > 100 else 0


def classroom(lab, submission):
    """Appends result=BASE64 to $GITHUB_OUTPUT; prints the summary."""
    lab_dir(lab)
    output = os.environ.get("GITHUB_OUTPUT")
    if not output:
        raise Usage("GITHUB_OUTPUT is not set (it is, in a GitHub Actions step)")
    if not Path(submission).is_dir():
        raise Usage(f"no submission folder {submission}")
    with tempfile.TemporaryDirectory() as work:
        g = Grading(lab, submission, work)
        text = classroom_result(g.lab, g)
    encoded = base64.b64encode(text.encode()).decode()
    with open(output, "a") as f:
        f.write(f"result={encoded}\n")
    # The Actions log is the student's to read: the grader's own output
    # would show the hidden scenarios, so only the summary goes there.
    if g.results is None:
        print(f"{g.lab}: the grader wrote no results:\n{g.tail()}")
    else:
        print(summary(g.lab, g.results))
    return 0


# --- PrairieLearn -------------------------------------------------------

def hidden_scenarios(lab):
    """Names (without .scn) of the scenarios labs/LAB/hidden lists."""
    try:
        lines = (lab_dir(lab) / "hidden").read_text().splitlines()
    except OSError:
        return set()
    names = set()
    for line in lines:
        words = line.split("#", 1)[0].split()
        if words:
            name = Path(words[0]).name
            names.add(name[:-4] if name.endswith(".scn") else name)
    return names


def timeline_images(report_dir, hidden):
    """{label, url} of the timeline of each page `harness --report` wrote."""
    images = []
    for page in sorted(Path(report_dir).glob("*.html")):
        if page.stem in hidden:
            continue
        html = page.read_text(errors="replace")
        svg = re.search(r"<svg\b.*?</svg>", html, re.S)
        if svg is None:
            continue
        legend = re.findall(r'background:(#[0-9a-fA-F]{3,6})"></span>([^<]+)</span>',
                            html)
        label = f"{page.stem}: active connections per backend"
        if legend:
            label += " (" + ", ".join(f"{name} {color}" for color, name in legend) + ")"
        data = base64.b64encode(svg.group(0).encode()).decode()
        images.append({"label": label, "url": "data:image/svg+xml;base64," + data})
    return images


def prairielearn_result(g, hidden):
    if g.results is None:
        return {"gradable": False, "score": 0.0, "message": FAILED_GRADER,
                "format_errors": [FAILED_GRADER], "output": g.tail(),
                "tests": [{"name": "grader", "points": 0, "max_points": 0,
                           "message": FAILED_GRADER, "output": g.tail()}],
                "images": []}
    data = g.results
    score, top = totals(data)
    tests = []
    for t in data["tests"]:
        shown = visible(t)
        output = str(t.get("output", "")) if shown else HIDDEN_NOTE
        first = next((l.strip() for l in output.splitlines() if l.strip()), "")
        tests.append({"name": str(t.get("name", "")),
                      "points": number(t.get("score")),
                      "max_points": number(t.get("max_score")),
                      "message": "passed" if passed(t) else first[:300],
                      "output": shorten(output, 8000)})
    result = {"gradable": True,
              "score": min(1.0, max(0.0, score / top)) if top > 0 else 0.0,
              "message": f"{fmt(score)} of {fmt(top)} points",
              "output": summary(g.lab, data), "tests": tests, "images": []}
    broken = build_failure(data)
    if broken is not None:
        result["gradable"] = False
        result["score"] = 0.0
        result["message"] = "Your code does not build (this attempt does not count)."
        result["format_errors"] = [shorten(str(broken.get("output", "")), 8000)]
    size = len(json.dumps(result))
    for image in timeline_images(g.report_dir, hidden):
        size += len(json.dumps(image)) + 2
        if size > PRAIRIELEARN_JSON_MAX:
            result["message"] += " (some timelines left out: 1 MB limit)"
            break
        result["images"].append(image)
    return result


def prairielearn(lab):
    """results/results.json under $GRADE_ROOT for $GRADE_ROOT/student."""
    lab_dir(lab)
    root = Path(os.environ.get("GRADE_ROOT", "/grade"))
    if not (root / "student").is_dir():
        raise Usage(f"no submission folder {root / 'student'}")
    with tempfile.TemporaryDirectory() as work:
        g = Grading(lab, root / "student", work, report=True)
        result = prairielearn_result(g, hidden_scenarios(g.lab))
    write_json(root / "results" / "results.json", result)
    # The job's output reaches the course staff; hidden scenarios' reports
    # stay out of it all the same, as in the results.
    if g.results is None:
        print(f"{g.lab}: the grader wrote no results:\n{g.tail()}")
    else:
        print(summary(g.lab, g.results))
    return 0


def question(lab, out, image):
    """info.json and question.html of the PrairieLearn question for lab."""
    name = lab_dir(lab).name
    files = handin(name)
    if not files:
        raise Usage(f"lab {name}: the student hands nothing in")
    out = Path(out)
    info = {
        "uuid": str(uuid.uuid5(uuid.NAMESPACE_URL, f"proxylab/labs/{name}")),
        "title": f"Proxy lab {name}",
        "topic": "Proxy lab",
        "tags": ["proxylab"],
        "type": "v3",
        "singleVariant": True,
        "gradingMethod": "External",
        "externalGradingOptions": {
            "enabled": True,
            "image": image,
            "serverFilesCourse": ["proxylab/"],
            "entrypoint": "python3 /grade/serverFilesCourse/proxylab/labs/kit/"
                          f"kit.py prairielearn {name}",
            "timeout": 600,
        },
    }
    names = ", ".join(Path(f).name for f in files)
    page = next(iter(sorted((TREE / "docs" / "labs").glob(f"{name}*.md"))), None)
    where = f" (docs/labs/{page.name})" if page else ""
    html = (f"<pl-question-panel>\n  <p>Lab {name}{where}: upload "
            f"{', '.join(files)}.</p>\n"
            f'  <pl-file-upload file-names="{names}"></pl-file-upload>\n'
            "</pl-question-panel>\n\n<pl-submission-panel>\n"
            "  <pl-external-grader-results></pl-external-grader-results>\n"
            "  <pl-file-preview></pl-file-preview>\n</pl-submission-panel>\n")
    out.mkdir(parents=True, exist_ok=True)
    write_json(out / "info.json", info)
    (out / "question.html").write_text(html)
    return 0


def make_zip(directory, archive):
    """archive holds directory's files at its root, with their modes."""
    directory = Path(directory)
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
        for path in sorted(directory.rglob("*")):
            if path.is_file() and not path.is_symlink():
                info = zipfile.ZipInfo.from_file(path, path.relative_to(directory))
                info.compress_type = zipfile.ZIP_DEFLATED
                z.writestr(info, path.read_bytes())
    return 0


COMMANDS = {
    "gradescope": (1, lambda a: gradescope(a[0])),
    "classroom": (2, lambda a: classroom(a[0], a[1])),
    "prairielearn": (1, lambda a: prairielearn(a[0])),
    "handin": (1, lambda a: print("\n".join(handin(a[0]))) or 0),
    "question": (3, lambda a: question(a[0], a[1], a[2])),
    "zip": (2, lambda a: make_zip(a[0], a[1])),
}


def main(argv):
    if len(argv) < 2 or argv[1] not in COMMANDS or \
            len(argv) - 2 != COMMANDS[argv[1]][0]:
        print("usage: kit.py gradescope LAB | classroom LAB SUBMISSION | "
              "prairielearn LAB | handin LAB | question LAB DIR IMAGE | "
              "zip DIR ZIP", file=sys.stderr)
        return 2
    try:
        return COMMANDS[argv[1]][1](argv[2:])
    except Usage as e:
        print(f"kit.py {argv[1]}: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
