#!/usr/bin/env python3
"""bench/threads.py: where proxy_server's CPU goes, thread by thread.

    bench/threads.py                              close, 64 B, 10 connections
    bench/threads.py --mode keepalive --conns 100 -- --log-level warn

Starts one nginx (bench/nginx.conf.in) and proxy_server --threads 2 in
front of it with the options after --, warms up for a second with wrk,
then runs wrk -t1 for --duration seconds and prints, for each thread of
the proxy (w0, w1, log, health, ...), its CPU time and its voluntary and
involuntary context switches per request, read from /proc/PID/task/TID
before and after the run. A thread woken once per request shows about one
voluntary switch per request.

Exit status: 0 measured; 1 a process failed to start or wrk failed; 2
bad usage.
"""
import argparse
import os
import shutil
import sys
import tempfile

import sweep


def task_counts(pid):
    """{tid: (name, cpu ticks, voluntary, involuntary)} of pid's threads."""
    out = {}
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/stat") as f:
                stat = f.read()
            with open(f"/proc/{pid}/task/{tid}/status") as f:
                status = dict(line.split(":", 1) for line in f if ":" in line)
        except OSError:
            continue            # the thread ended meanwhile
        fields = stat[stat.rindex(")") + 2:].split()
        out[tid] = (stat[stat.index("(") + 1:stat.rindex(")")],
                    int(fields[11]) + int(fields[12]),
                    int(status["voluntary_ctxt_switches"]),
                    int(status["nonvoluntary_ctxt_switches"]))
    return out


def main():
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--bin", default="./proxy_server",
                    help="the proxy_server to measure")
    ap.add_argument("--size", default="64", choices=list(sweep.SIZES))
    ap.add_argument("--conns", type=int, default=10)
    ap.add_argument("--mode", default="close", choices=("keepalive", "close"))
    ap.add_argument("--duration", type=int, default=3)
    ap.add_argument("proxy_args", nargs="*",
                    help="options for proxy_server, after --")
    args = ap.parse_args()
    if args.conns < 1 or args.duration < 1:
        ap.error("--conns and --duration must be at least 1")
    if not os.access(args.bin, os.X_OK):
        ap.error(f"{args.bin}: not an executable (make builds ./proxy_server)")
    sweep.install_tools()
    tmp = tempfile.mkdtemp(prefix="threads.")
    args.maxconn, args.maxpipes = 20000, 0
    lab = sweep.Lab(tmp, args)
    try:
        os.makedirs(os.path.join(tmp, "www"))
        with open(os.path.join(tmp, "www", args.size), "wb") as f:
            f.write(b"x" * sweep.SIZES[args.size])
        backend = sweep.free_port()
        lab.nginx("nginx", [backend])
        port = sweep.free_port()
        proxy = lab.spawn("ours", [args.bin, "--threads", "2", "-l",
                                   f"127.0.0.1:{port}", "-b",
                                   f"b1=127.0.0.1:{backend}"] +
                          args.proxy_args, port)
        sweep.run_wrk(port, args.size, args.conns, args.mode, 1)
        before = task_counts(proxy.pid)
        out, text = sweep.run_wrk(port, args.size, args.conns, args.mode,
                                  args.duration)
        after = task_counts(proxy.pid)
        if out is None or not out["requests"]:
            sys.exit("threads.py: wrk failed:\n" + text[-400:])
        n = out["requests"]
        print(f"{n} requests, {out['rps']:.0f}/s, p99 {out.get('p99')} ms; "
              f"per request:")
        print(f"{'thread':15} {'CPU us':>8} {'voluntary':>10} "
              f"{'involuntary':>12}")
        total = 0.0
        for tid, (name, cpu, vol, invol) in sorted(after.items()):
            _, cpu0, vol0, invol0 = before.get(tid, (name, 0, 0, 0))
            us = (cpu - cpu0) / sweep.CLK_TCK * 1e6 / n
            total += us
            print(f"{name:15} {us:8.2f} {(vol - vol0) / n:10.3f} "
                  f"{(invol - invol0) / n:12.3f}")
        print(f"{'all':15} {total:8.2f}")
    finally:
        lab.stop()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
