#!/usr/bin/env python3
"""bench/sweep.py: proxy_server against HAProxy across a grid of set-ups.

    bench/sweep.py                         the full sweep (see --help)
    bench/sweep.py --sizes 1m --conns 8 --modes keepalive --rounds 3

Every cell of the grid (response size x connections x keep-alive or a new
connection per request x one or two backend processes x pinned or not) is
measured ROUNDS times on each target, the targets in an order that rotates
from round to round, so that drift hits every target alike. The targets:

  ours        proxy_server --threads 2 and nothing else: its defaults
              (info log to a file, health checks every second, unpinned
              unless the cell is pinned: then --cpu-affinity auto)
  ours-tuned  the same with --log-level warn --health-interval 0
  haproxy     HAProxy, mode tcp, balance leastconn, nbthread 2, no log, no
              health checks; pinned cells add cpu-map (one thread per CPU)
  haproxy-splice  the same with "option splice-auto" (HAProxy's own choice
              of when to splice; Linux only)

HAProxy's figure in a cell is the better of its two configurations there
(by throughput; its p99 and CPU are those of that configuration): the
reference gets every advantage it can have. Ours is reported as its
defaults; ours-tuned only where --tuned is given.

Backends are nginx (worker_processes 1, sendfile on, unlimited keep-alive
requests, no access log) serving one file per size. "1 backend process":
one nginx listens on both backend ports; "2": one nginx per port. The load
is wrk -t1 (one thread: the machine has two cores for wrk, nginx and the
proxy); -H 'Connection: close' for the close mode.

A cell's figure is the median over the rounds; the ratio is ours' median
over HAProxy's. CPU us/req is the proxy's utime+stime during the run over
the requests wrk completed; RSS/conn is (VmRSS mid-run - VmRSS before) /
connections. Output: one line per cell, then the worst cell and the median
ratio; --json FILE keeps every run.
"""
import argparse
import json
import os
import re
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

SIZES = {"64": 64, "4k": 4096, "64k": 65536, "1m": 1 << 20, "16m": 16 << 20}
CLK_TCK = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")
HERE = os.path.dirname(os.path.abspath(__file__))


def say(*args):
    print(*args, file=sys.stderr, flush=True)


def install_tools():
    """nginx-light, haproxy and wrk, with apt-get when run as root."""
    need = [pkg for tool, pkg in (("nginx", "nginx-light"),
                                  ("haproxy", "haproxy"), ("wrk", "wrk"))
            if not shutil.which(tool) and
            not os.path.exists("/usr/sbin/" + tool)]
    if not need:
        return
    if os.geteuid() != 0:
        sys.exit(f"sweep.py: missing {' '.join(need)}: "
                 f"sudo apt-get install -y {' '.join(need)}")
    say("installing " + " ".join(need))
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    if subprocess.run(["apt-get", "install", "-y", "-qq"] + need,
                      env=env, stdout=subprocess.DEVNULL).returncode != 0:
        subprocess.run(["apt-get", "update", "-qq"], env=env, check=True)
        subprocess.run(["apt-get", "install", "-y", "-qq"] + need, env=env,
                       stdout=subprocess.DEVNULL, check=True)
    # The packages start a system nginx and haproxy: not ours.
    subprocess.run(["systemctl", "disable", "--now", "nginx", "haproxy"],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_listen(port, proc, name, timeout=10.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if proc.poll() is not None:
            sys.exit(f"sweep.py: {name} exited at start (status {proc.returncode})")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    sys.exit(f"sweep.py: {name} does not listen on {port}")


def cpu_ticks(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])     # utime + stime


def rss_bytes(pid):
    with open(f"/proc/{pid}/statm") as f:
        return int(f.read().split()[1]) * PAGE


class Lab:
    """The processes of one set-up: backends and the proxies in front."""

    def __init__(self, tmp, args):
        self.tmp, self.args, self.procs = tmp, args, []

    def spawn(self, name, argv, port, **kw):
        log = open(os.path.join(self.tmp, name + ".log"), "ab")
        proc = subprocess.Popen(argv, stdout=log, stderr=log,
                                stdin=subprocess.DEVNULL, **kw)
        self.procs.append(proc)
        wait_listen(port, proc, name)
        return proc

    def stop(self):
        for p in self.procs:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in self.procs:
            try:
                p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        self.procs = []

    def nginx(self, name, ports):
        d = os.path.join(self.tmp, name)
        for sub in ("logs", "tmp"):
            os.makedirs(os.path.join(d, sub), exist_ok=True)
        listens = "\n".join(f"        listen 127.0.0.1:{p} backlog=65535;"
                            for p in ports)
        with open(os.path.join(HERE, "nginx.conf.in")) as f:
            conf = f.read()
        conf = (conf.replace("@DIR@", d).replace("@ROOT@", self.tmp + "/www")
                .replace("@LISTEN@", listens))
        with open(os.path.join(d, "nginx.conf"), "w") as f:
            f.write(conf)
        return self.spawn(name, ["nginx", "-p", d, "-c", d + "/nginx.conf",
                                 "-e", d + "/logs/error.log"], ports[0])

    def haproxy(self, name, port, backends, pinned, splice):
        cfg = os.path.join(self.tmp, name + ".cfg")
        servers = "\n".join(f"    server b{i + 1} 127.0.0.1:{p}"
                            for i, p in enumerate(backends))
        with open(cfg, "w") as f:
            f.write(f"""global
    nbthread 2
{"    cpu-map auto:1/1-2 0 1" if pinned else ""}
    maxconn {self.args.maxconn}
{f"    maxpipes {self.args.maxpipes}" if splice else ""}
defaults
    mode tcp
    maxconn {self.args.maxconn}
    timeout connect 3s
    timeout client 600s
    timeout server 600s
{"    option splice-auto" if splice else ""}
frontend fe
    bind 127.0.0.1:{port} backlog 65535
    default_backend be
backend be
    balance leastconn
{servers}
""")
        return self.spawn(name, ["haproxy", "-f", cfg, "-db"], port)

    def ours(self, name, binary, port, backends, pinned, tuned):
        argv = [binary, "--threads", "2", "-l", f"127.0.0.1:{port}"]
        for i, p in enumerate(backends):
            argv += ["-b", f"b{i + 1}=127.0.0.1:{p}"]
        if pinned:
            argv += ["--cpu-affinity", "auto"]
        if tuned:
            argv += ["--log-level", "warn", "--health-interval", "0"]
        return self.spawn(name, argv, port)


WRK_LAT = re.compile(r"^\s+(50|99)(?:\.000)?%\s+([\d.]+)(us|ms|s)\s*$", re.M)
UNIT = {"us": 1e-3, "ms": 1.0, "s": 1e3}


def parse_wrk(text):
    m = re.search(r"(\d+) requests in ([\d.]+)(s|m)", text)
    if not m:
        return None
    secs = float(m.group(2)) * (60 if m.group(3) == "m" else 1)
    out = {"requests": int(m.group(1)), "secs": secs}
    r = re.search(r"Requests/sec:\s+([\d.]+)", text)
    out["rps"] = float(r.group(1)) if r else 0.0
    t = re.search(r"Transfer/sec:\s+([\d.]+)(B|KB|MB|GB)", text)
    scale = {"B": 1, "KB": 1024, "MB": 1 << 20, "GB": 1 << 30}
    out["bps"] = float(t.group(1)) * scale[t.group(2)] if t else 0.0
    for pct, val, unit in WRK_LAT.findall(text):
        out["p" + pct] = float(val) * UNIT[unit]
    errs = 0
    e = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), "
                  r"timeout (\d+)", text)
    if e:
        errs += sum(int(x) for x in e.groups())
    n = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    if n:
        errs += int(n.group(1))
    out["errors"] = errs
    return out


def run_wrk(port, size, conns, mode, duration):
    argv = ["wrk", "-t1", f"-c{conns}", f"-d{duration}s", "--latency",
            "--timeout", "10s"]
    if mode == "close":
        argv += ["-H", "Connection: close"]
    argv.append(f"http://127.0.0.1:{port}/{size}")
    res = subprocess.run(argv, capture_output=True, text=True,
                         timeout=duration + 60)
    return parse_wrk(res.stdout), res.stdout


def measure(proc, port, size, conns, mode, duration):
    rss0, cpu0 = rss_bytes(proc.pid), cpu_ticks(proc.pid)
    result = {}

    def sampler():             # RSS half-way through the run
        time.sleep(duration / 2)
        result["rss_mid"] = rss_bytes(proc.pid)

    th = threading.Thread(target=sampler)
    th.start()
    out, text = run_wrk(port, size, conns, mode, duration)
    th.join()
    if out is None:
        return {"failed": text[-400:]}
    cpu = (cpu_ticks(proc.pid) - cpu0) / CLK_TCK
    out["cpu_us_req"] = cpu * 1e6 / out["requests"] if out["requests"] else None
    out["rss_per_conn"] = (result["rss_mid"] - rss0) / conns
    return out


def med(runs, key):
    vals = [r[key] for r in runs if r.get(key) is not None]
    return statistics.median(vals) if vals else None


def summarise(runs):
    return {k: med(runs, k) for k in
            ("rps", "bps", "p50", "p99", "cpu_us_req", "rss_per_conn",
             "errors", "requests")}


def fmt(v, spec):
    return "-" if v is None else format(v, spec)


def listed(ap, option, text, allowed):
    """The comma-separated values of an option, each one checked."""
    values = text.split(",")
    for v in values:
        if allowed is None and not (v.isdigit() and 0 < int(v) <= 100000):
            ap.error(f"{option}: '{v}' is not a number from 1 to 100000")
        if allowed is not None and v not in allowed:
            ap.error(f"{option}: '{v}' is not one of {', '.join(allowed)}")
    return values


def main():
    ap = argparse.ArgumentParser(
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="64,4k,64k,1m,16m",
                    help="response sizes, from " + ",".join(SIZES))
    ap.add_argument("--conns", default="1,10,100,1000,9500",
                    help="concurrent connections (wrk -c); at most (ulimit "
                    "-n - 200) / 2")
    ap.add_argument("--modes", default="keepalive,close",
                    help="keepalive and/or close")
    ap.add_argument("--backends", default="1",
                    help="backend processes: 1 and/or 2 (default 1)")
    ap.add_argument("--pin", default="0", help="0 and/or 1 (default 0)")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--duration", type=int, default=1,
                    help="seconds per run (at least 3 with 1,000 connections "
                    "or more)")
    ap.add_argument("--haproxy", default="plain,splice",
                    help="HAProxy configurations to try (best one counts)")
    ap.add_argument("--tuned", action="store_true",
                    help="also measure ours with --log-level warn "
                    "--health-interval 0")
    ap.add_argument("--direct", action="store_true",
                    help="also measure wrk against the first nginx, no proxy")
    ap.add_argument("--ours-bin", default="./proxy_server",
                    help="the proxy_server to measure (default ./proxy_server)")
    ap.add_argument("--variant", action="append", default=[],
                    metavar="NAME=BINARY",
                    help="also measure another proxy_server build, with our "
                    "defaults, as ours-NAME (an experiment); repeatable")
    ap.add_argument("--json", help="write every run to this file")
    ap.add_argument("--summary", metavar="FILE.json",
                    help="print the table and summary of an earlier --json "
                    "file (several: their cells together), measure nothing")
    args, extra = ap.parse_known_args()
    if args.summary:
        cells = []
        for path in [args.summary] + extra:
            try:
                with open(path) as f:
                    cells += json.load(f)["cells"]
            except (OSError, ValueError, KeyError) as e:
                sys.exit(f"sweep.py: {path}: not a --json file of this "
                         f"script ({e})")
        for cell in cells:
            print_cell(cell)
        print_summary(cells)
        return
    if extra:
        ap.error("unrecognized arguments: " + " ".join(extra))

    sizes = listed(ap, "--sizes", args.sizes, SIZES)
    conns = [int(c) for c in listed(ap, "--conns", args.conns, None)]
    modes = listed(ap, "--modes", args.modes, ("keepalive", "close"))
    listed(ap, "--backends", args.backends, ("1", "2"))
    listed(ap, "--pin", args.pin, ("0", "1"))
    listed(ap, "--haproxy", args.haproxy, ("plain", "splice"))
    if args.rounds < 1 or args.duration < 1:
        ap.error("--rounds and --duration must be at least 1")
    for spec in [args.ours_bin] + [v.partition("=")[2] for v in args.variant]:
        if not os.access(spec, os.X_OK):
            ap.error(f"{spec or '--variant NAME=BINARY'}: not an executable "
                     "proxy_server (make builds ./proxy_server)")
    install_tools()
    # A proxy holds 2 descriptors per connection: raise the soft limit to
    # the hard one (raising the hard one needs CAP_SYS_RESOURCE), and give
    # HAProxy a maxconn it accepts under it (it wants 2 per connection and
    # a margin).
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
        soft = hard
    if 2 * max(conns) + 200 > soft:
        sys.exit(f"sweep.py: {max(conns)} connections need ulimit -n "
                 f"{2 * max(conns) + 200} through a proxy (2 descriptors "
                 f"each and a margin); the hard limit is {hard}: lower --conns "
                 f"to {(soft - 200) // 2} at most")
    args.maxconn = min(max(conns) + 100, (soft - 200) // 2)
    # With splice HAProxy also wants 2 per pipe, maxconn / 4 pipes unless
    # told: the pipes get what the connections leave.
    args.maxpipes = min(args.maxconn // 4,
                        max(0, (soft - 200 - 2 * args.maxconn) // 2))

    tmp = tempfile.mkdtemp(prefix="sweep.")
    os.makedirs(os.path.join(tmp, "www"))
    for s in sizes:
        with open(os.path.join(tmp, "www", s), "wb") as f:
            f.write(b"x" * SIZES[s])
    cells, allruns = [], []
    try:
        for nback in [int(b) for b in args.backends.split(",")]:
            for pinned in [p == "1" for p in args.pin.split(",")]:
                lab = Lab(tmp, args)
                bports = [free_port(), free_port()]
                targets = {}
                if nback == 1:
                    first = lab.nginx("nginx", bports)
                else:
                    first = lab.nginx("nginx1", bports[:1])
                    lab.nginx("nginx2", bports[1:])
                if args.direct:
                    targets["direct"] = (first, bports[0])
                for name in args.haproxy.split(","):
                    port = free_port()
                    targets["haproxy-" + name] = (lab.haproxy(
                        "haproxy-" + name, port, bports, pinned,
                        name == "splice"), port)
                port = free_port()
                targets["ours"] = (lab.ours("ours", args.ours_bin, port,
                                            bports, pinned, False), port)
                if args.tuned:
                    port = free_port()
                    targets["ours-tuned"] = (lab.ours(
                        "ours-tuned", args.ours_bin, port, bports, pinned,
                        True), port)
                for spec in args.variant:
                    vname, vbin = spec.split("=", 1)
                    port = free_port()
                    targets["ours-" + vname] = (lab.ours(
                        "ours-" + vname, vbin, port, bports, pinned, False),
                        port)
                try:
                    for mode in modes:
                        for size in sizes:
                            for c in conns:
                                cell = run_cell(targets, nback, pinned, mode,
                                                size, c, args, allruns)
                                cells.append(cell)
                                print_cell(cell)
                finally:
                    lab.stop()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        if args.json:
            with open(args.json, "w") as f:
                json.dump({"cells": cells, "runs": allruns}, f, indent=1)
    print_summary(cells)


def run_cell(targets, nback, pinned, mode, size, c, args, allruns):
    names = list(targets)
    runs = {n: [] for n in names}
    # Opening a thousand connections or more takes a good part of a
    # second: such cells run at least 3 s, so that moving bytes dominates.
    duration = max(args.duration, 3) if c >= 1000 else args.duration
    for r in range(args.rounds):
        order = names[r % len(names):] + names[:r % len(names)]
        for n in order:
            proc, port = targets[n]
            out = measure(proc, port, size, c, mode, duration)
            out.update(target=n, round=r, size=size, conns=c, mode=mode,
                       backends=nback, pinned=pinned)
            allruns.append(out)
            runs[n].append(out)
    summ = {n: summarise(runs[n]) for n in names}
    hap = max((n for n in names if n.startswith("haproxy")),
              key=lambda n: summ[n]["bps"] or 0)
    ours = summ["ours"]
    cell = {"mode": mode, "size": size, "conns": c, "backends": nback,
            "pinned": pinned, "haproxy_config": hap, "ours": ours,
            "haproxy": summ[hap], "all": summ}
    cell["ratio"] = (ours["bps"] / summ[hap]["bps"]
                     if ours["bps"] and summ[hap]["bps"] else None)
    per_round = []
    for a, b in zip(runs["ours"], runs[hap]):
        if a.get("bps") and b.get("bps"):
            per_round.append(a["bps"] / b["bps"])
    cell["ratio_range"] = [min(per_round), max(per_round)] if per_round else None
    if "ours-tuned" in summ and summ["ours-tuned"]["bps"] and summ[hap]["bps"]:
        cell["ratio_tuned"] = summ["ours-tuned"]["bps"] / summ[hap]["bps"]
    return cell


HEADER = ("mode      size  conns back pin | ratio (range)       | req/s ours"
          "   haproxy  | p99 ms ours  haproxy | CPU us/req ours haproxy |"
          " RSS B/conn ours haproxy | err")


def print_cell(cell):
    if not hasattr(print_cell, "done"):
        print(HEADER, flush=True)
        print_cell.done = True
    o, h = cell["ours"], cell["haproxy"]
    rr = cell["ratio_range"]
    rng = f"({rr[0]:.2f}-{rr[1]:.2f})" if rr else ""
    tuned = f" tuned {cell['ratio_tuned']:.2f}" if "ratio_tuned" in cell else ""
    short = " *" if censored(cell) else ""
    print(f"{cell['mode']:9} {cell['size']:>4} {cell['conns']:>6} "
          f"{cell['backends']:>4} {int(cell['pinned']):>3} | "
          f"{fmt(cell['ratio'], '.2f'):>5} {rng:13} | "
          f"{fmt(o['rps'], '10.0f')} {fmt(h['rps'], '10.0f')} | "
          f"{fmt(o['p99'], '8.2f')} {fmt(h['p99'], '8.2f')} | "
          f"{fmt(o['cpu_us_req'], '8.1f')} {fmt(h['cpu_us_req'], '8.1f')} | "
          f"{fmt(o['rss_per_conn'], '8.0f')} {fmt(h['rss_per_conn'], '8.0f')} | "
          f"{fmt(o['errors'], '.0f')}/{fmt(h['errors'], '.0f')}"
          f" [{cell['haproxy_config']}]{tuned}{short}", flush=True)
    # Variants (--variant): each on a line of its own, against the same
    # HAProxy figure as ours.
    hb = h["bps"]
    for name, v in cell.get("all", {}).items():
        if not name.startswith("ours-") or name == "ours-tuned":
            continue
        ratio = v["bps"] / hb if v["bps"] and hb else None
        print(f"  {name:28} | {fmt(ratio, '.2f'):>5} {'':13} | "
              f"{fmt(v['rps'], '10.0f')} {'':10} | "
              f"{fmt(v['p99'], '8.2f')} {'':8} | "
              f"{fmt(v['cpu_us_req'], '8.1f')} {'':8} | "
              f"{fmt(v['rss_per_conn'], '8.0f')} {'':8} | "
              f"{fmt(v['errors'], '.0f')}", flush=True)


def censored(cell):
    """Fewer than 10 answers per connection in a run: the p99 is that of
    the answers that came before the run ended, and the longest never
    came; the proxy that completes more shows more of its long ones."""
    return min(cell["ours"]["requests"] or 0,
               cell["haproxy"]["requests"] or 0) < 10 * cell["conns"]


def print_summary(cells):
    if any(censored(c) for c in cells):
        print("*: fewer than 10 answers per connection in a run: the ratio "
              "is of bytes moved, the p99 only of the answers that came "
              "(left out of the p99 count below)")
    ratios = [c for c in cells if c["ratio"] is not None]
    if not ratios:
        print("no cell measured")
        return
    worst = min(ratios, key=lambda c: c["ratio"])
    print(f"cells: {len(ratios)}; median ratio "
          f"{statistics.median(c['ratio'] for c in ratios):.2f}; worst "
          f"{worst['ratio']:.2f} ({worst['mode']} {worst['size']} "
          f"{worst['conns']} conns, {worst['backends']} backend process(es), "
          f"{'pinned' if worst['pinned'] else 'unpinned'})")
    big = [c for c in ratios if SIZES[c["size"]] >= 1 << 20]
    if big:
        print(f">= 1 MiB: worst {min(c['ratio'] for c in big):.2f}, median "
              f"{statistics.median(c['ratio'] for c in big):.2f}")
    judged = [c for c in ratios if not censored(c)]
    lower_p99 = sum(1 for c in judged if c["ours"]["p99"] is not None and
                    c["haproxy"]["p99"] is not None and
                    c["ours"]["p99"] <= c["haproxy"]["p99"])
    # A cell where no answer came in time has no CPU per request.
    costed = [c for c in ratios if c["ours"]["cpu_us_req"] is not None and
              c["haproxy"]["cpu_us_req"] is not None]
    lower_cpu = sum(1 for c in costed
                    if c["ours"]["cpu_us_req"] < c["haproxy"]["cpu_us_req"])
    print(f"p99 no higher than HAProxy's in {lower_p99} of {len(judged)} "
          f"cells; less CPU per request in {lower_cpu} of the {len(costed)} "
          f"with answers")


if __name__ == "__main__":
    main()
