#!/usr/bin/env python3
"""check.py: checks a platform's result field by field, as documented.

  check.py gradescope RESULTS_JSON LAB EXPECT
  check.py classroom WORKFLOW GITHUB_OUTPUT LAB EXPECT
  check.py prairielearn RESULTS_JSON LAB EXPECT
  check.py layout KIT            what make grader-kit wrote for every lab

EXPECT says what the submission must score:
  full          every point, and as many as labs/LAB/expected's reference;
                on PrairieLearn, for a lab with grading scenarios (grade/),
                their timelines
  low           at most a third of the points
  nobuild:TEXT  0 points, a failed test named "build" whose output holds
                TEXT (the compiler's message); PrairieLearn: gradable false
  any           only the format

The classroom check reads the workflow and the step output as the
classroom reporter does (the result of each runner in the environment
variable RUNNER_RESULTS, base64 JSON). Tests of the scenarios listed in
labs/LAB/hidden must be hidden as each platform allows. Prints one line
per failed check; exit status 0 when all hold, 1 when one does not, 2 on
bad usage. Used by tests/integration/test_autograders.sh and
labs/kit/prove-kit.sh.
"""
import base64
import binascii
import json
import re
import sys
import zipfile
from pathlib import Path

LABS = Path(__file__).resolve().parents[1]
ENV_MAX = 128 * 1024


class Checks:
    def __init__(self, what):
        self.what = what
        self.failed = 0

    def expect(self, ok, message):
        if not ok:
            print(f"{self.what}: {message}")
            self.failed += 1
        return ok


def is_number(x):
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def reference_points(lab):
    try:
        for line in (LABS / lab / "expected").read_text().splitlines():
            words = line.split()
            if len(words) == 2 and words[0] == "reference":
                return float(words[1])
    except (OSError, ValueError):
        pass
    return None


def kit():
    """labs/kit/kit.py, for what it says of a lab."""
    sys.path.insert(0, str(LABS / "kit"))
    sys.dont_write_bytecode = True      # no __pycache__ in the tree
    import kit as module
    return module


def is_hidden_name(name, stems):
    return any(f"{stem}.scn" in name for stem in stems)


def absolute_path_in(name):
    return re.search(r"(^|[\s:(=])/[A-Za-z0-9_.-]+/", name) is not None


def check_tests(c, tests, lab, numbers, strings, statuses, hidden_field):
    """Each test: a name, numbers and strings in those fields, a status of
    statuses; a hidden scenario's test has hidden_field say it is hidden.
    Returns the named tests (none when tests is not a list)."""
    if not c.expect(isinstance(tests, list) and tests, "no tests[]"):
        return []
    hidden = kit().hidden_scenarios(lab)
    named = []
    for t in tests:
        name = t.get("name") if isinstance(t, dict) else None
        if not c.expect(isinstance(name, str) and name, f"a test without a name: {t}"):
            continue
        named.append(t)
        for key in numbers:
            c.expect(is_number(t.get(key)), f"'{name}': {key} is not a number")
        for key in strings:
            c.expect(isinstance(t.get(key), str), f"'{name}': {key} is not a string")
        c.expect(t.get("status", statuses[0]) in statuses,
                 f"'{name}': status {t.get('status')}")
        if hidden_field and is_hidden_name(name, hidden):
            c.expect(str(t.get(hidden_field, "")).startswith("hidden test"),
                     f"'{name}': a hidden scenario's output is shown")
    return named


def check_score(c, lab, expect, score, top, tests, passed_of, output_of):
    """The EXPECT part, common to the three platforms."""
    if expect == "any":
        return
    if expect == "full":
        c.expect(top > 0 and score == top, f"full marks expected, got {score} of {top}")
        want = reference_points(lab)
        if want is not None:
            c.expect(score == want, f"labs/{lab}/expected says {want}, got {score}")
    elif expect == "low":
        c.expect(top > 0 and score <= top / 3,
                 f"at most a third expected, got {score} of {top}")
    elif expect.startswith("nobuild:"):
        text = expect[len("nobuild:"):]
        c.expect(score == 0, f"0 points expected, got {score}")
        build = [t for t in tests if t.get("name") == "build"]
        if c.expect(len(build) == 1, "one test named 'build' expected, "
                    f"got names {[t.get('name') for t in tests][:8]}"):
            c.expect(not passed_of(build[0]), "the build test passed")
            c.expect(text in output_of(build[0]),
                     f"the build test's output lacks '{text}'")
    else:
        raise ValueError(f"unknown EXPECT '{expect}'")


def gradescope(path, lab, expect):
    c = Checks(f"gradescope {path}")
    try:
        data = json.loads(Path(path).read_text())
    except (OSError, ValueError) as e:
        c.expect(False, f"no results.json: {e}")
        return c
    if not c.expect(isinstance(data, dict), "not a JSON object"):
        return c
    c.expect(is_number(data.get("score")), "top-level score is not a number")
    c.expect(data.get("output_format") == "text", "output_format is not \"text\"")
    tests = check_tests(c, data.get("tests"), lab, ("score", "max_score"), ("output",),
                        ("passed", "failed"), None)
    if not tests:
        return c
    hidden = kit().hidden_scenarios(lab)
    for t in tests:
        name = t["name"]
        c.expect("status" in t, f"'{name}': no status")
        c.expect(not absolute_path_in(name), f"absolute path in test name '{name}'")
        if is_number(t.get("score")) and is_number(t.get("max_score")):
            c.expect(0 <= t["score"] <= t["max_score"],
                     f"'{name}': score {t['score']} outside 0..{t['max_score']}")
        want = "after_published" if is_hidden_name(name, hidden) else "visible"
        c.expect(t.get("visibility") == want, f"'{name}': visibility "
                 f"{t.get('visibility')}, {want} expected")
    score = sum(t.get("score", 0) for t in tests if is_number(t.get("score")))
    top = sum(t.get("max_score", 0) for t in tests if is_number(t.get("max_score")))
    c.expect(data.get("score") == score, f"score {data.get('score')} is not the "
             f"tests' sum {score}")
    check_score(c, lab, expect, score, top, tests,
                lambda t: t.get("status") == "passed", lambda t: t.get("output", ""))
    return c


def workflow_reporter(c, text):
    """(runner ids, {env name: value}) of the reporter step, checked."""
    c.expect(re.search(r"^name: Autograding Tests$", text, re.M) is not None,
             "the workflow is not named 'Autograding Tests'")
    jobs = re.findall(r"^  ([A-Za-z0-9_-]+):$", text.split("\njobs:", 1)[-1], re.M)
    c.expect(jobs == ["run-autograding-tests"],
             f"one job named run-autograding-tests expected, got {jobs}")
    step = text.split("uses: classroom-resources/autograding-grading-reporter@v1", 1)
    if not c.expect(len(step) == 2, "no classroom-resources/autograding-grading-reporter@v1 step"):
        return [], {}
    env = dict(re.findall(r"^\s+([A-Z0-9_-]+_RESULTS): (.*)$", step[1], re.M))
    runners = re.search(r"^\s+runners: (.*)$", step[1], re.M)
    ids = [r.strip() for r in runners.group(1).split(",")] if runners else []
    c.expect(ids, "the reporter has no runners")
    for r in ids:
        c.expect(re.search(rf"^\s+id: {re.escape(r)}$", text, re.M) is not None,
                 f"no step with id {r}")
        c.expect(env.get(f"{r.upper()}_RESULTS") == f"${{{{ steps.{r}.outputs.result }}}}",
                 f"{r.upper()}_RESULTS is not steps.{r}.outputs.result")
    return ids, env


def classroom(workflow, output, lab, expect):
    c = Checks(f"classroom {output}")
    try:
        text = Path(workflow).read_text()
        lines = Path(output).read_text().splitlines()
    except OSError as e:
        c.expect(False, str(e))
        return c
    ids, _ = workflow_reporter(c, text)
    c.expect(re.search(rf'^  LAB: "{re.escape(lab)}"$', text, re.M) is not None,
             f"the workflow does not grade {lab}")
    results = [l[len("result="):] for l in lines if l.startswith("result=")]
    if not c.expect(len(results) == 1 and ids == ["grade"],
                    f"one result of step 'grade' expected, got {len(results)}"):
        return c
    c.expect(len("GRADE_RESULTS=" + results[0]) < ENV_MAX,
             f"the result ({len(results[0])} bytes) does not fit an environment variable")
    try:
        data = json.loads(base64.b64decode(results[0], validate=True).decode())
    except (binascii.Error, ValueError) as e:
        c.expect(False, f"the result is not base64 JSON: {e}")
        return c
    c.expect(data.get("version") == 1, "version is not 1")
    c.expect(data.get("status") in ("pass", "fail", "error"), f"status {data.get('status')}")
    c.expect(is_number(data.get("max_score")), "max_score is not a number")
    tests = check_tests(c, data.get("tests"), lab, ("score",), ("message",),
                        ("pass", "fail", "error"), "message")
    if not tests:
        return c
    c.expect(all("status" in t for t in tests), "a test without a status")
    score = sum(t["score"] for t in tests if is_number(t.get("score")))
    top = data.get("max_score") if is_number(data.get("max_score")) else 0
    c.expect((data.get("status") == "pass") == all(t.get("status") == "pass" for t in tests),
             f"status {data.get('status')} does not match the tests'")
    check_score(c, lab, expect, score, top, tests,
                lambda t: t.get("status") == "pass", lambda t: t.get("message", ""))
    return c


def prairielearn(path, lab, expect):
    c = Checks(f"prairielearn {path}")
    try:
        raw = Path(path).read_bytes()
        data = json.loads(raw)
    except (OSError, ValueError) as e:
        c.expect(False, f"no results.json: {e}")
        return c
    c.expect(len(raw) <= 1000000, f"results.json is {len(raw)} bytes (1 MB at most)")
    c.expect(isinstance(data.get("gradable"), bool), "gradable is not a boolean")
    score = data.get("score")
    c.expect(is_number(score) and 0 <= score <= 1, f"score {score} not in [0, 1]")
    tests = check_tests(c, data.get("tests"), lab, ("points", "max_points"),
                        ("output", "message"), (None,), "output")
    if not tests:
        return c
    stems = kit().hidden_scenarios(lab)
    images = data.get("images")
    c.expect(isinstance(images, list), "images is not a list")
    for image in images if isinstance(images, list) else []:
        label, url = image.get("label", ""), image.get("url", "")
        c.expect(isinstance(label, str) and label, "an image without a label")
        c.expect(not any(label.startswith(f"{s}:") for s in stems),
                 f"the timeline of hidden scenario {label.split(':')[0]} is shown")
        prefix = "data:image/svg+xml;base64,"
        if c.expect(url.startswith(prefix), f"image '{label}': not an SVG data URL"):
            try:
                svg = base64.b64decode(url[len(prefix):], validate=True).decode()
            except (binascii.Error, ValueError):
                svg = ""
            c.expect(svg.startswith("<svg") and svg.endswith("</svg>")
                     and 'xmlns="http://www.w3.org/2000/svg"' in svg,
                     f"image '{label}': not an SVG document")
    points = sum(t["points"] for t in tests if is_number(t.get("points")))
    top = sum(t["max_points"] for t in tests if is_number(t.get("max_points")))
    if expect.startswith("nobuild:"):
        c.expect(data.get("gradable") is False, "gradable is not false on a build failure")
        text = expect[len("nobuild:"):]
        errors = data.get("format_errors")
        errors = [errors] if isinstance(errors, str) else errors or []
        c.expect(any(text in e for e in errors), f"format_errors lack '{text}'")
    elif expect != "any":
        c.expect(data.get("gradable") is True, "gradable is not true")
        if top > 0 and is_number(score):
            c.expect(abs(score - points / top) < 1e-9,
                     f"score {score} is not {points} / {top}")
    if expect == "full" and (LABS / lab / "grade").is_dir():
        c.expect(isinstance(images, list) and len(images) > 0,
                 "no timeline image (GRADE_REPORT)")
    check_score(c, lab, expect, points, top, tests,
                lambda t: t.get("points") == t.get("max_points") and t.get("message") == "passed",
                lambda t: t.get("output", ""))
    return c


def layout_lab(c, out, lab, files):
    zip_path = out / "gradescope" / f"{lab}.zip"
    workflow = out / "classroom" / lab / ".github" / "workflows" / "classroom.yml"
    question = out / "prairielearn" / "questions" / f"proxylab-{lab}"
    if not files:
        c.expect(not zip_path.exists() and not workflow.exists() and
                 not question.exists(), f"{lab}: a package for a lab without hand-in")
        return
    try:
        with zipfile.ZipFile(zip_path) as z:
            modes = {i.filename: (i.external_attr >> 16) & 0o777 for i in z.infolist()}
    except (OSError, zipfile.BadZipFile) as e:
        c.expect(False, f"{lab}: {zip_path}: {e}")
        modes = {}
    for name in ("setup.sh", "run_autograder"):
        c.expect(modes.get(name, 0) & 0o111, f"{lab}.zip: no executable {name} at its root")
    for name in ("proxylab/labs/grade.sh", "proxylab/labs/kit/kit.py", "proxylab/Makefile"):
        c.expect(name in modes, f"{lab}.zip: no {name}")
    c.expect(not any(n.startswith("proxylab/build/") or "/.git/" in n for n in modes),
             f"{lab}.zip: build products or .git inside")
    try:
        text = workflow.read_text()
    except OSError as e:
        c.expect(False, f"{lab}: {e}")
        text = ""
    ids, _ = workflow_reporter(c, text)
    c.expect(re.search(rf'^  LAB: "{re.escape(lab)}"$', text, re.M) is not None,
             f"{lab}: the workflow grades another lab")
    c.expect(re.search(r'^  GRADER_REF: "[0-9a-f]{40}"$', text, re.M) is not None,
             f"{lab}: the workflow's GRADER_REF is not a commit")
    c.expect("path: submission" in text and "secrets.GRADER_TOKEN" in text,
             f"{lab}: the workflow does not check out the student's and the grader's trees")
    try:
        info = json.loads((question / "info.json").read_text())
        html = (question / "question.html").read_text()
    except (OSError, ValueError) as e:
        c.expect(False, f"{lab}: {e}")
        return
    options = info.get("externalGradingOptions", {})
    c.expect(info.get("gradingMethod") == "External" and options.get("enabled") is True,
             f"{lab}: external grading is not enabled")
    c.expect(isinstance(options.get("image"), str) and options["image"],
             f"{lab}: no image")
    c.expect(options.get("serverFilesCourse") == ["proxylab/"], f"{lab}: serverFilesCourse")
    c.expect(options.get("entrypoint") == "python3 /grade/serverFilesCourse/proxylab/"
             f"labs/kit/kit.py prairielearn {lab}", f"{lab}: entrypoint {options.get('entrypoint')}")
    c.expect(is_number(options.get("timeout")) and 0 < options["timeout"] <= 600,
             f"{lab}: timeout {options.get('timeout')} (PrairieLearn allows 600 s)")
    names = ", ".join(Path(f).name for f in files)
    c.expect(f'<pl-file-upload file-names="{names}">' in html,
             f"{lab}: question.html does not ask for {names}")


def layout(out):
    out = Path(out)
    c = Checks(f"layout {out}")
    packages = (LABS / "kit" / "packages").read_text().split()
    docker = (out / "prairielearn" / "Dockerfile")
    c.expect(docker.is_file() and all(p in docker.read_text() for p in packages),
             "prairielearn/Dockerfile does not install labs/kit/packages")
    c.expect((out / "prairielearn" / "serverFilesCourse" / "proxylab" / "labs" /
              "kit" / "kit.py").is_file(), "no grader tree in serverFilesCourse/proxylab")
    for name in ("README.md", "gradescope/README.md", "classroom/README.md",
                 "prairielearn/README.md"):
        c.expect((out / name).is_file(), f"no {name}")
    labs = sorted(p.name for p in LABS.glob("[0-9]*-*") if p.is_dir())
    c.expect(labs, "no labs")
    for lab in labs:
        layout_lab(c, out, lab, kit().handin(lab))
    return c


def main(argv):
    shapes = {"gradescope": 3, "classroom": 4, "prairielearn": 3, "layout": 1}
    if len(argv) < 2 or shapes.get(argv[1]) != len(argv) - 2:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    try:
        c = globals()[argv[1]](*argv[2:])
    except ValueError as e:
        print(f"check.py: {e}", file=sys.stderr)
        return 2
    if c.failed == 0:
        print(f"{c.what}: ok ({argv[-1]})")
    return 1 if c.failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
