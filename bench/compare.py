#!/usr/bin/env python3
"""Side-by-side benchmark: zedis vs redis-server, same machine, same run.

Starts both servers on free loopback ports, runs redis-benchmark against each in turn
(interleaved, several rounds), and prints per test: requests/s, p50 latency, and the server's CPU
time per request (utime+stime from /proc/PID/stat across the run), each as zedis / Redis ratios
(medians over the rounds). Throughput ratio > 1 is better for zedis; latency and CPU ratios < 1
are better for zedis.

Usage: bench/compare.py [--zedis PATH] [--rounds N] [--requests N] [--tests set,get,incr,mset]
"""
import argparse
import csv
import io
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time

CLK_TCK = os.sysconf("SC_CLK_TCK")


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_ready(port, proc, timeout=10.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server on port {port} exited with {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5) as s:
                s.sendall(b"PING\r\n")
                if s.recv(16).startswith(b"+PONG"):
                    return
        except OSError:
            time.sleep(0.05)
    raise SystemExit(f"server on port {port} did not become ready")


def cpu_seconds(pid):
    """utime + stime of a process (all threads), in seconds."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    # After the ")" the state is field 3; utime and stime are fields 14 and 15.
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def run_benchmark(port, test, clients, pipeline, requests):
    cmd = ["redis-benchmark", "-h", "127.0.0.1", "-p", str(port), "-t", test,
           "-c", str(clients), "-P", str(pipeline), "-n", str(requests), "--csv", "-r", "100000"]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    rows = list(csv.DictReader(io.StringIO(out)))
    row = rows[0]
    return float(row["rps"]), float(row["p50_latency_ms"])


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--zedis", default=os.path.join(here, "..", "target", "release", "zedis"))
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--requests", type=int, default=200000)
    ap.add_argument("--tests", default="set,get,incr,mset")
    args = ap.parse_args()
    if not shutil.which("redis-benchmark") or not shutil.which("redis-server"):
        raise SystemExit("needs redis-server and redis-benchmark: apt-get install redis-server redis-tools")

    tmp = tempfile.mkdtemp(prefix="zedis-bench-")
    servers = {}
    try:
        rport, zport = free_port(), free_port()
        servers["redis"] = (rport, subprocess.Popen(
            ["redis-server", "--port", str(rport), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", tmp], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        servers["zedis"] = (zport, subprocess.Popen(
            [args.zedis, "--port", str(zport), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", tmp], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        for port, proc in servers.values():
            wait_ready(port, proc)

        configs = [(1, 1), (50, 1), (50, 16)]
        results = {}  # (test, c, P, server) -> list of (rps, p50, cpu_us_per_req)
        for rnd in range(args.rounds):
            for test in args.tests.split(","):
                for clients, pipeline in configs:
                    n = args.requests if clients > 1 else max(args.requests // 5, 10000)
                    order = ["redis", "zedis"] if rnd % 2 == 0 else ["zedis", "redis"]
                    for name in order:
                        port, proc = servers[name]
                        before = cpu_seconds(proc.pid)
                        rps, p50 = run_benchmark(port, test, clients, pipeline, n)
                        cpu = cpu_seconds(proc.pid) - before
                        results.setdefault((test, clients, pipeline, name), []).append((rps, p50, cpu * 1e6 / n))
            print(f"round {rnd + 1}/{args.rounds} done", file=sys.stderr)

        print(f"{'test':<6} {'clients':>7} {'pipe':>4} | {'redis rps':>10} {'zedis rps':>10} {'ratio':>6} | "
              f"{'p50 r':>6} {'p50 z':>6} {'ratio':>6} | {'cpu/req r':>9} {'cpu/req z':>9} {'ratio':>6}")
        for test in args.tests.split(","):
            for clients, pipeline in configs:
                r = results[(test, clients, pipeline, "redis")]
                z = results[(test, clients, pipeline, "zedis")]
                med = lambda xs, i: statistics.median(x[i] for x in xs)
                rr, zr = med(r, 0), med(z, 0)
                rl, zl = med(r, 1), med(z, 1)
                rc, zc = med(r, 2), med(z, 2)
                print(f"{test:<6} {clients:>7} {pipeline:>4} | {rr:>10.0f} {zr:>10.0f} {zr / rr:>6.2f} | "
                      f"{rl:>6.3f} {zl:>6.3f} {(zl / rl if rl else float('nan')):>6.2f} | "
                      f"{rc:>8.2f}us {zc:>8.2f}us {(zc / rc if rc else float('nan')):>6.2f}")
    finally:
        for _, proc in servers.values():
            proc.terminate()
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
