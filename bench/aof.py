#!/usr/bin/env python3
"""AOF throughput benchmark: zedis vs redis-server with appendonly yes, same machine, same run.

For each fsync policy (everysec, always) both servers start in fresh directories with
`--appendonly yes --appendfsync <policy>` (automatic rewrites off, so no background rewrite lands
inside a measurement), and redis-benchmark runs against each in turn (interleaved, several rounds):
SET, INCR and LPUSH with 50 clients, without pipelining and with -P 16. Printed per row:
requests/s of both and the zedis / Redis ratio (> 1 is better for zedis), and the server's CPU
time per request (utime+stime of all its threads from /proc/PID/stat; < 1 is better for zedis),
medians over the rounds. A server that does not start or fails a run shows n/a, so the script also
measures Redis alone.

The "pairs" column is the range of the per-round ratios (each round runs the two servers back
to back), to show how much of a difference is run-to-run noise: on a small VM the disk's fsync
time and the scheduler's placement of threads vary from run to run.

--cpulist LIST starts both servers with `--server_cpulist LIST --bio_cpulist LIST` (Redis's
syntax, e.g. 1): every server thread on the same CPUs, the benchmark client elsewhere. Under
`appendfsync always` that takes the scheduler's placement of zedis's event-loop and AOF-writer
threads (two threads where Redis has one) out of the comparison.

Usage: bench/aof.py [--zedis PATH] [--rounds N] [--requests N] [--tests set,incr,lpush]
                    [--policies everysec,always] [--cpulist LIST]
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from compare import cpu_seconds, free_port, run_benchmark, wait_ready  # noqa: E402

CLIENTS = 50
PIPELINES = (1, 16)


def start(name, program, policy, workdir, cpulist=None):
    """Starts one server with AOF on; returns (port, Popen) or None with a note on stderr."""
    port = free_port()
    data = os.path.join(workdir, f"{name}-{policy}")
    os.makedirs(data)
    log = open(os.path.join(data, "server.log"), "w")
    try:
        proc = subprocess.Popen(
            [program, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--dir", data,
             "--appendonly", "yes", "--appendfsync", policy, "--auto-aof-rewrite-percentage", "0"]
            + (["--server_cpulist", cpulist, "--bio_cpulist", cpulist] if cpulist else []),
            stdout=log, stderr=log)
    except OSError as e:
        print(f"{name}: cannot start {program}: {e}", file=sys.stderr)
        return None
    try:
        wait_ready(port, proc)
    except SystemExit as e:
        print(f"{name} ({policy}): {e}; see {data}/server.log", file=sys.stderr)
        proc.kill()
        proc.wait()
        return None
    return port, proc


def stop(proc):
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def fmt(x, spec, unit=""):
    """Formats x with spec and unit, or "n/a" padded to the same width."""
    if x is None:
        width = int(spec.lstrip(">").split(".")[0]) + len(unit)
        return format("n/a", f">{width}")
    return format(x, spec) + unit


def ratio(z, r):
    return None if z is None or r is None or r == 0 else z / r


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--zedis", default=os.path.join(here, "..", "target", "release", "zedis"))
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--requests", type=int, default=200000)
    ap.add_argument("--tests", default="set,incr,lpush")
    ap.add_argument("--policies", default="everysec,always")
    ap.add_argument("--cpulist", default=None)
    args = ap.parse_args()
    if not shutil.which("redis-benchmark") or not shutil.which("redis-server"):
        raise SystemExit("needs redis-server and redis-benchmark: apt-get install redis-server redis-tools")

    tests = args.tests.split(",")
    programs = {"redis": "redis-server", "zedis": args.zedis}
    tmp = tempfile.mkdtemp(prefix="zedis-bench-aof-")
    results = {}  # (policy, test, P, server) -> list of (rps, cpu_us_per_req)
    try:
        for policy in args.policies.split(","):
            servers = {}
            for name, program in programs.items():
                started = start(name, program, policy, tmp, args.cpulist)
                if started:
                    servers[name] = started
            try:
                for rnd in range(args.rounds):
                    for test in tests:
                        for pipeline in PIPELINES:
                            order = ["redis", "zedis"] if rnd % 2 == 0 else ["zedis", "redis"]
                            for name in order:
                                if name not in servers:
                                    continue
                                port, proc = servers[name]
                                try:
                                    before = cpu_seconds(proc.pid)
                                    rps, _ = run_benchmark(port, test, CLIENTS, pipeline, args.requests)
                                    cpu = cpu_seconds(proc.pid) - before
                                except (subprocess.CalledProcessError, OSError, KeyError, IndexError) as e:
                                    print(f"{name} {policy} {test} -P {pipeline}: failed ({e})", file=sys.stderr)
                                    continue
                                results.setdefault((policy, test, pipeline, name), []).append(
                                    (rps, cpu * 1e6 / args.requests))
                    print(f"{policy}: round {rnd + 1}/{args.rounds} done", file=sys.stderr)
            finally:
                for _, proc in servers.values():
                    stop(proc)

        def med(policy, test, pipeline, name, i):
            xs = results.get((policy, test, pipeline, name))
            return statistics.median(x[i] for x in xs) if xs else None

        def pairs(policy, test, pipeline):
            rs = results.get((policy, test, pipeline, "redis"), [])
            zs = results.get((policy, test, pipeline, "zedis"), [])
            if len(rs) != len(zs) or not rs:
                return "n/a"
            rat = [z[0] / r[0] for r, z in zip(rs, zs) if r[0]]
            return f"{min(rat):.2f}-{max(rat):.2f}" if rat else "n/a"

        pinned = f", server threads on CPUs {args.cpulist}" if args.cpulist else ""
        print(f"appendonly yes, {CLIENTS} clients, {args.requests} requests, median of {args.rounds} rounds"
              f"{pinned}")
        print(f"{'fsync':<8} {'test':<6} {'pipe':>4} | {'redis rps':>10} {'zedis rps':>10} {'ratio':>6} "
              f"{'pairs':>9} | {'cpu/req r':>10} {'cpu/req z':>10} {'ratio':>6}")
        for policy in args.policies.split(","):
            for test in tests:
                for pipeline in PIPELINES:
                    rr, zr = med(policy, test, pipeline, "redis", 0), med(policy, test, pipeline, "zedis", 0)
                    rc, zc = med(policy, test, pipeline, "redis", 1), med(policy, test, pipeline, "zedis", 1)
                    print(f"{policy:<8} {test:<6} {pipeline:>4} | {fmt(rr, '>10.0f')} {fmt(zr, '>10.0f')} "
                          f"{fmt(ratio(zr, rr), '>6.2f')} {pairs(policy, test, pipeline):>9} | "
                          f"{fmt(rc, '>8.2f', 'us')} {fmt(zc, '>8.2f', 'us')} "
                          f"{fmt(ratio(zc, rc), '>6.2f')}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
