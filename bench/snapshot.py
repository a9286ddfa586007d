#!/usr/bin/env python3
"""Snapshot benchmark: zedis vs redis-server in one run.

For each server, on the same dataset (N mixed keys: strings, lists, hashes, sets, sorted sets):
  * SAVE time and file size, then startup load time (spawn → DBSIZE answers with every key);
  * BGSAVE while redis-benchmark overwrites every string key: the extra memory the save costs
    (peak RSS during the save minus RSS before; for Redis the forked child's private pages count
    too, since copy-on-write is where its extra memory goes), as a share of used_memory;
  * p99 latency of GET/SET (redis-benchmark) without a save running, and with saves running
    back to back for the whole benchmark.
Prints each figure for both servers and the zedis / Redis ratio.

Usage: bench/snapshot.py [--zedis PATH] [--keys N] [--requests N] [--save-load-only] [--runs N]

--save-load-only measures only SAVE and startup load, --runs times per server (medians printed),
which is what tuning the snapshot paths needs.
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
import threading
import time

sys.path.insert(0, os.path.dirname(__file__))
from compare import free_port, wait_ready  # noqa: E402


def resp(*args):
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        a = a if isinstance(a, bytes) else str(a).encode()
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


def dataset(n, path):
    """Writes the RESP commands that build N mixed keys (60% strings, 10% each collection)."""
    with open(path, "wb") as f:
        for i in range(n):
            kind = i % 10
            if kind < 6:
                # redis-benchmark's key names, so `-t set -r N` overwrites these keys.
                f.write(resp("SET", "key:%012d" % i, "v" * (3 + i % 97)))
            elif kind == 6:
                f.write(resp("RPUSH", "list:%d" % i, *["item%d" % j for j in range(8)]))
            elif kind == 7:
                f.write(resp("HSET", "hash:%d" % i, *sum((["f%d" % j, "v%d" % j] for j in range(8)), [])))
            elif kind == 8:
                f.write(resp("SADD", "set:%d" % i, *["m%d" % j for j in range(8)]))
            else:
                f.write(resp("ZADD", "zset:%d" % i, *sum(([str(j), "m%d" % j] for j in range(8)), [])))


def cli(port, *args):
    return subprocess.run(["redis-cli", "-p", str(port), *args], capture_output=True, text=True,
                          check=True).stdout.strip()


def info(port, field):
    for line in cli(port, "INFO", "all").splitlines():
        if line.startswith(field + ":"):
            return line.split(":", 1)[1].strip()
    return None


def rss_kb(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        return 0
    return 0


def private_kb(pid):
    """Private (not shared with the parent) pages of a forked child."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            total = 0
            for line in f:
                if line.startswith(("Private_Clean:", "Private_Dirty:")):
                    total += int(line.split()[1])
            return total
    except OSError:
        return 0


def children(pid):
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return [int(p) for p in f.read().split()]
    except OSError:
        return []


class Server:
    def __init__(self, name, argv, workdir):
        self.name = name
        self.dir = os.path.join(workdir, name)
        os.makedirs(self.dir, exist_ok=True)
        self.argv = argv
        self.proc = None
        self.port = free_port()

    def start(self, wait=True):
        args = self.argv + ["--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                            "--appendonly", "no", "--dir", self.dir]
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                     cwd=self.dir)
        if wait:
            wait_ready(self.port, self.proc)

    def stop(self):
        if self.proc:
            self.proc.kill()
            self.proc.wait()
            self.proc = None


def load_dataset(s, path):
    with open(path, "rb") as f:
        subprocess.run(["redis-cli", "-p", str(s.port), "--pipe"], stdin=f, check=True,
                       stdout=subprocess.DEVNULL)


def save_and_load(s, keys):
    t = time.time()
    cli(s.port, "SAVE")
    save_s = time.time() - t
    files = [f for f in os.listdir(s.dir) if f.startswith("dump.")]
    size = sum(os.path.getsize(os.path.join(s.dir, f)) for f in files)
    s.stop()
    t = time.time()
    s.start(wait=False)
    while True:
        try:
            with socket.create_connection(("127.0.0.1", s.port), timeout=1) as c:
                c.sendall(b"DBSIZE\r\n")
                r = c.recv(64)
                if r.startswith(b":"):
                    if int(r[1:].strip()) != keys:
                        raise SystemExit(f"{s.name}: loaded {r!r}, expected {keys} keys")
                    break
        except OSError:
            pass
        time.sleep(0.002)
    return save_s, time.time() - t, size


def bgsave_extra_memory(s, keys, requests):
    used = int(info(s.port, "used_memory"))
    before = rss_kb(s.proc.pid)
    bench = subprocess.Popen(["redis-benchmark", "-p", str(s.port), "-t", "set", "-r", str(keys),
                              "-n", str(requests), "-d", "50", "-c", "20", "-P", "16", "-q"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(0.2)
    cli(s.port, "BGSAVE")
    peak = 0
    while True:
        extra = rss_kb(s.proc.pid) - before
        for c in children(s.proc.pid):
            extra += private_kb(c)
        peak = max(peak, extra)
        if info(s.port, "rdb_bgsave_in_progress") == "0":
            break
        time.sleep(0.01)
    bench.wait()
    return peak * 1024, used


def p99(s, requests, with_saves):
    stop = threading.Event()

    def saver():
        while not stop.is_set():
            if info(s.port, "rdb_bgsave_in_progress") == "0":
                cli(s.port, "BGSAVE")
            time.sleep(0.02)

    t = threading.Thread(target=saver)
    if with_saves:
        t.start()
    out = subprocess.run(["redis-benchmark", "-p", str(s.port), "-t", "get,set", "-r", "1000000",
                          "-n", str(requests), "-c", "50", "--csv"], capture_output=True,
                         text=True, check=True).stdout
    stop.set()
    if with_saves:
        t.join()
    while info(s.port, "rdb_bgsave_in_progress") == "1":
        time.sleep(0.01)
    rows = list(csv.DictReader(io.StringIO(out)))
    return {r["test"]: float(r["p99_latency_ms"]) for r in rows}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--zedis", default=os.path.join(os.path.dirname(__file__), "..", "target",
                                                    "release", "zedis"))
    ap.add_argument("--keys", type=int, default=1_000_000)
    ap.add_argument("--requests", type=int, default=300_000)
    ap.add_argument("--save-load-only", action="store_true",
                    help="only SAVE + startup load, repeated --runs times (medians)")
    ap.add_argument("--runs", type=int, default=1, help="repetitions of SAVE + load (median kept)")
    a = ap.parse_args()
    work = tempfile.mkdtemp(prefix="zedis-snapbench-")
    try:
        data = os.path.join(work, "data.resp")
        dataset(a.keys, data)
        servers = [Server("zedis", [a.zedis], work), Server("redis", ["redis-server"], work)]
        res = {}
        for s in servers:
            s.start()
            load_dataset(s, data)
            r = {}
            runs = [save_and_load(s, a.keys) for _ in range(max(1, a.runs))]
            r["save_s"] = statistics.median(x[0] for x in runs)
            r["load_s"] = statistics.median(x[1] for x in runs)
            r["file_bytes"] = runs[-1][2]
            r["save_plus_load_s"] = statistics.median(x[0] + x[1] for x in runs)
            if a.runs > 1:
                print(f"{s.name}: runs (save, load) " +
                      ", ".join(f"({x[0]:.3f}, {x[1]:.3f})" for x in runs), flush=True)
            if a.save_load_only:
                s.stop()
                res[s.name] = r
                continue
            extra, used = bgsave_extra_memory(s, a.keys, a.requests)
            r["bgsave_extra_mb"] = extra / 1e6
            r["bgsave_extra_pct_of_used"] = 100.0 * extra / used
            base = p99(s, a.requests, False)
            during = p99(s, a.requests, True)
            for test in base:
                r[f"p99_{test.lower()}_ms"] = base[test]
                r[f"p99_{test.lower()}_during_bgsave_ms"] = during.get(test, float("nan"))
            s.stop()
            res[s.name] = r
        print(f"{'metric':38} {'zedis':>12} {'redis':>12} {'zedis/redis':>12}")
        for k in res["zedis"]:
            z, r = res["zedis"][k], res["redis"].get(k, float("nan"))
            ratio = z / r if r else float("nan")
            print(f"{k:38} {z:12.3f} {r:12.3f} {ratio:12.2f}")
    finally:
        for s in locals().get("servers", []):
            s.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
