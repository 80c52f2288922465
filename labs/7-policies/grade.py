#!/usr/bin/env python3
"""grade.py REPO SUBMISSION RESULTS_JSON: grades lab 7 (docs/labs/7-policies.md).

The student hands in two simulation scenarios, lab7-10.scn and
lab7-1000.scn, and a written part, lab7.md (SUBMISSION: a folder or a .zip;
each file is found at the top or anywhere in it, the shallowest of its
name). REPO is the grader's tree, whose ./harness is built. Each scenario
earns, out of 10:

  1 point   it parses under `harness --sim` (--list);
  2 points  it has the set-up's shape (SETUPS below): what each miss is,
            with file:line where it applies;
  2 points  its latency bounds (`expect pNN<=D`) all hold under leastconn
            and under p2c (1 each), on the file's own seed;
  2 points  (3 at 1,000 backends) one of them FAILS under random there;
  1 point   (10 backends only) one of them FAILS under roundrobin there;
  2 points  the same verdicts on each of two more seeds (1 each): 1009
            and 2003, or 3001 in place of the file's own.

A policy's run is a copy of the file with `balance=` set to that policy
(not `harness --compare`: it skips the pNN checks of the other policies),
run with `harness --sim --tap --seed S`. The verdicts of the count-blind
policies score only when the count-aware ones pass: a bound that fails
everything tells nothing. A scenario that is one of the shipped ones
(labs/5-own-scenario/copied.py's rules) scores 0. lab7.md scores nothing
here (the instructor grades it); the report says which parts it holds.

Prints "7-policies: SCORE of 20 points". Exit status 0 when RESULTS_JSON
was written, 2 on bad usage.
"""
import json
import os
import re
import subprocess
import sys
import tempfile

POLICIES = ("leastconn", "p2c", "random", "roundrobin")
AWARE = ("leastconn", "p2c")
OTHER_SEEDS = (1009, 2003, 3001)  # the first two that are not the file's own
RUN_LIMIT = 300                   # seconds one simulated run may take

# What each scenario must be. rho is the offered load:
# rate x requests x mean / (backends x concurrency), concurrency 1 under
# processor sharing.
SETUPS = {
    "lab7-10.scn": {
        "backends": 10, "services": ("pareto", "lognormal"),
        "rho": (0.85, 0.99), "count": (20000, 500000),
        "blind": ("random", "roundrobin"),
        "points": {"random": 2, "roundrobin": 1},
    },
    "lab7-1000.scn": {
        "backends": 1000, "services": ("exp", "pareto", "lognormal"),
        "rho": (0.90, 0.99), "count": (100000, 1000000),
        "blind": ("random",),
        "points": {"random": 3},
    },
}
BACKEND_OPTIONS = {"service", "mean", "alpha", "sigma", "concurrency",
                   "discipline", "weight"}
FAULTS = {"crash", "restart", "pause", "resume", "stop", "start", "down", "up"}
PARTS = ("Predictions", "Measurements", "Explanation")


def seconds(text):
    """A scenario time (us, ms, s, m; no unit: ms) in seconds, or None."""
    m = re.fullmatch(r"(\d+(?:\.\d+)?)(us|ms|s|m)?", text)
    if not m:
        return None
    scale = {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, None: 1e-3}[m.group(2)]
    return float(m.group(1)) * scale


def lines_of(text):
    """[(line number, words)] of a scenario, comments and blank lines out."""
    out = []
    for n, raw in enumerate(text.splitlines(), 1):
        words = raw.split("#", 1)[0].split()
        if words:
            out.append((n, words))
    return out


def options(words):
    return dict(w.split("=", 1) for w in words if "=" in w)


class Shape:
    """The facts of a scenario that the set-up's rules read."""

    def __init__(self, text):
        self.backends = []          # (line, options without the name)
        self.clients = []           # (line, words after 'clients')
        self.faults, self.bounds, self.inverted = [], [], []
        self.timeout, self.seed = None, 1
        for n, words in lines_of(text):
            if words[0] == "at" and len(words) >= 3:
                words = words[2:]
            head = words[0]
            if head == "backends" and len(words) >= 3 and words[1].isdigit():
                self.backends += [(n, options(words[3:]))] * int(words[1])
            elif head == "backend" and len(words) >= 2:
                self.backends.append((n, options(words[2:])))
            elif head == "clients":
                self.clients.append((n, words[1:]))
            elif head in FAULTS:
                self.faults.append((n, head))
            elif head == "timeout" and len(words) == 2:
                self.timeout = seconds(words[1])
            elif head == "seed" and len(words) == 2 and words[1].isdigit():
                self.seed = int(words[1])
            elif head in ("expect", "expect-fail") and len(words) >= 2 and \
                    re.match(r"p\d+<=", words[1]):
                (self.bounds if head == "expect" else self.inverted).append(n)


def backend_misses(name, s, setup, misses):
    """Appends what is wrong with the backends to misses; returns the
    service's mean (seconds) and the concurrency per backend (1 under
    processor sharing, 0 for no limit), or (None, 0) without backends."""
    want = setup["backends"]
    if len(s.backends) != want:
        misses.append(f"{name}: {len(s.backends)} backends in all; this set-up has "
                      f"{want} (one 'backends {want} PREFIX ...' line does it)")
    if not s.backends:
        return None, 0
    first_line, first = s.backends[0]
    for n, opts in s.backends:
        if opts != first:
            misses.append(f"{name}:{n}: not the same options as line {first_line}: "
                          "the backends must be identical (only the policy may differ)")
            break
    extra = sorted(set(first) - BACKEND_OPTIONS)
    if extra:
        misses.append(f"{name}:{first_line}: {', '.join(e + '=' for e in extra)} "
                      "not part of this set-up (service=, mean=, alpha=, sigma=, "
                      "concurrency=, discipline=, weight= are)")
    service = first.get("service")
    if service not in setup["services"]:
        misses.append(f"{name}:{first_line}: service={service or '(none)'}: this set-up "
                      f"asks for service={' or '.join(setup['services'])}"
                      + (" (a heavy tail)" if "exp" not in setup["services"] else ""))
    concurrency = 1 if first.get("discipline") == "ps" else \
        int(first.get("concurrency", "0") or 0)
    if concurrency == 0:
        misses.append(f"{name}:{first_line}: no concurrency= (no limit): no connection "
                      "ever waits, so no policy can matter; give concurrency=N (N >= 1) "
                      "or discipline=ps")
    return seconds(first.get("mean", "")), concurrency


def burst_misses(name, s, setup, mean, concurrency, misses):
    """Appends what is wrong with the burst, its load and the timeout to
    misses; returns the offered load (None when it cannot be told)."""
    if len(s.clients) != 1:
        misses.append(f"{name}: {len(s.clients)} clients lines; this set-up has one "
                      "'clients poisson rate=R/s count=N' burst")
        return None
    n, words = s.clients[0]
    opts = options(words)
    if not words or words[0] != "poisson":
        misses.append(f"{name}:{n}: the burst must be 'clients poisson rate=R/s count=N' "
                      "(Poisson arrivals)")
        return None
    rate = float(opts.get("rate", "0").removesuffix("/s") or 0)
    count = int(opts.get("count", "0") or 0)
    requests = int(opts.get("requests", "1") or 1)
    low, high = setup["count"]
    if not low <= count <= high:
        misses.append(f"{name}:{n}: count={count}: this set-up asks for {low:,} to "
                      f"{high:,} connections (enough for a steady p99, few enough "
                      "for a grade of a few minutes)")
    rho, want = None, setup["backends"]
    if mean and rate and concurrency:
        rho = rate * requests * mean / (want * concurrency)
        low, high = setup["rho"]
        if not low <= rho <= high:
            misses.append(
                f"{name}:{n}: offered load rho = rate x requests x mean / (backends x "
                f"concurrency) = {rate:g} x {requests} x {mean:g}s / ({want} x "
                f"{concurrency}) = {rho:.3f}; this set-up asks for {low} to {high}")
    if rate and (s.timeout or 30) < 1.5 * count / rate:
        misses.append(f"{name}: timeout {s.timeout or 30:g}s is shorter than 1.5 x "
                      f"count / rate = {1.5 * count / rate:.0f}s: the simulated run "
                      "stops at its timeout, and the connections still waiting then "
                      "are not measured (timeout at most 10m: lower count, or raise "
                      "rate with a shorter mean)")
    return rho


def shape_misses(name, text, setup):
    """What keeps the scenario from the set-up's shape: a list of messages
    (empty when it fits), and the offered load (or None)."""
    s, misses = Shape(text), []
    mean, concurrency = backend_misses(name, s, setup, misses)
    for n, head in s.faults:
        misses.append(f"{name}:{n}: {head}: no faults in this set-up (it measures "
                      "the policies alone)")
    for n in s.inverted:
        misses.append(f"{name}:{n}: expect-fail pNN<=: write latency bounds as "
                      "'expect pNN<=D'; the grader runs the policies that must fail them")
    if not s.bounds:
        misses.append(f"{name}: no latency bound: add a line like 'expect p99<=500ms'")
    if not s.backends:
        return misses, None
    return misses, burst_misses(name, s, setup, mean, concurrency, misses)


def with_policy(text, policy):
    """The scenario with every proxy balance= set to policy (one added at
    the end when there is none); line numbers are kept."""
    out, found = [], False
    for raw in text.splitlines():
        body, hash_, comment = raw.partition("#")
        words = body.split()
        if words and words[0] == "proxy" and any(w.startswith("balance=") for w in words):
            body = re.sub(r"(?<!\S)balance=\S*", "balance=" + policy, body)
            found = True
        out.append(body + hash_ + comment)
    if not found:
        out.append("proxy balance=" + policy)
    return "\n".join(out) + "\n"


def judge(harness, work, text, bound_lines, policy, seed):
    """Runs the scenario under policy and seed. Returns (verdict, detail):
    'pass' when every latency bound held, 'fail' when one did not, 'error'
    when the run could not be judged; detail says which and by how much."""
    path = os.path.join(work, f"{policy}.scn")
    with open(path, "w") as f:
        f.write(with_policy(text, policy))
    try:
        run = subprocess.run([harness, "--sim", "--tap", "--seed", str(seed), path],
                             capture_output=True, text=True, timeout=RUN_LIMIT)
    except subprocess.TimeoutExpired:
        return "error", f"the run took more than {RUN_LIMIT} s"
    if run.returncode not in (0, 1):
        return "error", (run.stderr.strip() or f"harness exit status {run.returncode}")
    results = re.findall(r"^(ok|not ok) \d+ - .* : (.*?)( # SKIP.*)?$", run.stdout, re.M)
    rows = re.findall(r'^  message: "(.*)"\n(?:  .*\n)*?  line: (\d+)', run.stdout, re.M)
    why = {int(line): msg for msg, line in rows}
    bounds = [(ok, check, skip) for ok, check, skip in results if re.match(r"p\d+<=", check)]
    judged = [(ok, check) for ok, check, skip in bounds if not skip]
    if len(bounds) != len(bound_lines) or not judged:
        return "error", ("the harness skipped its latency bounds (with a 'backends' line "
                         "a pNN<=D burst=N check is not judged: docs/scenarios.md, "
                         "\"Simulation\")")
    failed = [check for ok, check in judged if ok == "not ok"]
    if not failed:
        return "pass", "met " + ", ".join(check for _, check in judged)
    reasons = [why[n] for n in bound_lines if n in why]
    return "fail", "; ".join(reasons) or "failed " + ", ".join(failed)


def grade_file(harness, repo, folder, files, name, setup, fault=""):
    """The tests of one scenario (Gradescope's format)."""
    points = setup["points"]
    names = [("parses under harness --sim", 1), ("has the set-up's shape", 2),
             ("its latency bounds hold under leastconn and p2c", 2)]
    names += [(f"its latency bounds fail under {p}", points[p]) for p in setup["blind"]]
    names.append(("the same verdicts on two more seeds", 2))
    tests = [{"name": f"lab 7: {name}: {t}", "max_score": m, "score": 0, "output": ""}
             for t, m in names]

    def rest(reason, start):
        tests[start]["output"] = reason
        for t in tests[start + 1:]:
            t["output"] = f"not run: see '{tests[start]['name']}'"
        return tests
    found = [f for f in files if os.path.basename(f) == name]
    if not found:
        return rest(fault or f"{name}: not in your submission (looked for a file "
                    f"named {name} anywhere in it)", 0)
    source = min(found, key=lambda f: f.count("/"))
    path = os.path.join(folder, source)
    with open(path, encoding="utf-8", errors="replace") as f:
        text = f.read()
    copied = subprocess.run(
        [sys.executable, os.path.join(repo, "labs/5-own-scenario/copied.py"), path] +
        shipped(repo), capture_output=True, text=True)
    if copied.returncode == 0:
        note = copied.stdout.strip().replace(repo + "/", "")
        return rest(f"not run: {name} is a {note} (comments, spacing, line order, "
                    "seed, timeout, points and backend names set aside). Write a "
                    "scenario of your own.", 0)
    with tempfile.TemporaryDirectory() as work:
        scn = os.path.join(work, name)
        with open(scn, "w") as f:
            f.write(text)
        listed = subprocess.run([harness, "--sim", "--list", name], cwd=work,
                                capture_output=True, text=True)
        if listed.returncode != 0:
            return rest(listed.stderr.strip() or listed.stdout.strip(), 0)
        tests[0]["score"], tests[0]["output"] = 1, f"{source}: parses"
        misses, rho = shape_misses(name, text, setup)
        if misses:
            return rest("\n".join(misses), 1)
        tests[1]["score"] = 2
        tests[1]["output"] = f"{name}: the set-up's shape, offered load {rho:.3f}"
        measure(harness, work, text, setup, tests)
    return tests


def measure(harness, work, text, setup, tests):
    """Fills the measurement tests (tests[2:]) of one scenario."""
    shape = Shape(text)
    seeds = [shape.seed] + [s for s in OTHER_SEEDS if s != shape.seed][:2]
    wanted = {p: "pass" for p in AWARE}
    wanted.update({p: "fail" for p in setup["blind"]})
    verdicts, log = {}, []
    for seed in seeds:
        for policy in POLICIES:
            verdict, detail = judge(harness, work, text, shape.bounds, policy, seed)
            verdicts[seed, policy] = verdict
            graded = "" if policy in wanted else " (not graded)"
            log.append(f"seed {seed}, {policy}: {verdict.upper()}{graded}: {detail}")
    first = seeds[0]
    aware = [p for p in AWARE if verdicts[first, p] == "pass"]
    tests[2]["score"] = len(aware)
    tests[2]["output"] = "\n".join(log)
    for i, policy in enumerate(setup["blind"], 3):
        if len(aware) < len(AWARE):
            tests[i]["output"] = ("not scored: a bound that fails a count-aware policy "
                                  "tells nothing when it fails a blind one too")
        else:
            if verdicts[first, policy] == "fail":
                tests[i]["score"] = tests[i]["max_score"]
            tests[i]["output"] = f"seed {first}, {policy}: {verdicts[first, policy].upper()}"
    robust = [s for s in seeds[1:]
              if all(verdicts[s, p] == w for p, w in wanted.items())]
    tests[-1]["score"] = len(robust)
    tests[-1]["output"] = "\n".join(
        f"seed {s}: " + ", ".join(f"{p} {verdicts[s, p].upper()} (wanted {w.upper()})"
                                  for p, w in wanted.items()) for s in seeds[1:])


def shipped(repo):
    """The shipped scenarios a submission may not be."""
    found = []
    for top in [os.path.join(repo, "scenarios")] + [
            os.path.join(repo, "labs", d, "grade") for d in sorted(os.listdir(
                os.path.join(repo, "labs")))]:
        for root, _, names in os.walk(top):
            found += [os.path.join(root, n) for n in names if n.endswith(".scn")]
    return sorted(found)


def written(files, folder):
    """The test that reports which parts lab7.md holds (no points)."""
    test = {"name": "lab 7: the written part (lab7.md, graded by your instructor)",
            "max_score": 0, "score": 0}
    found = sorted((f for f in files if os.path.basename(f) == "lab7.md"),
                   key=lambda f: f.count("/"))
    if not found:
        test["output"] = "lab7.md: not in your submission"
        return test
    with open(os.path.join(folder, found[0]), encoding="utf-8", errors="replace") as f:
        headings = [l for l in f.read().splitlines() if l.startswith("#")]
    parts = [p for p in PARTS if any(p.lower() in h.lower() for h in headings)]
    lacking = [p for p in PARTS if p not in parts]
    test["output"] = (f"{found[0]}: holds {', '.join(parts) or 'none of the parts'}"
                      + (f"; no heading for {', '.join(lacking)}" if lacking else ""))
    return test


def main(argv):
    if len(argv) != 4:
        print("usage: labs/7-policies/grade.py REPO SUBMISSION RESULTS_JSON", file=sys.stderr)
        return 2
    repo, submission, results = os.path.abspath(argv[1]), argv[2], argv[3]
    harness = os.path.join(repo, "harness")
    sys.path.insert(0, os.path.join(repo, "labs", "lib"))
    import labkit  # noqa: E402
    tests, fault = [], ""
    with tempfile.TemporaryDirectory() as unpacked:
        try:
            folder = labkit.unpack(submission, unpacked)
            files = labkit.files_of(folder)
        except labkit.Fault as e:
            folder, files, fault = unpacked, [], str(e)
        for name, setup in SETUPS.items():
            tests += grade_file(harness, repo, folder, files, name, setup, fault)
        tests.append(written(files, folder))
    for t in tests:
        t["status"] = "passed" if t["score"] == t["max_score"] else "failed"
        t["visibility"] = "visible"
        t["output"] = t["output"].replace(repo + "/", "")
    score = sum(t["score"] for t in tests)
    most = sum(t["max_score"] for t in tests)
    with open(results, "w") as f:
        json.dump({"score": score, "max_score": most, "output_format": "text",
                   "tests": tests}, f, indent=2)
    print(f"7-policies: {score} of {most} points")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
