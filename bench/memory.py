#!/usr/bin/env python3
"""Memory benchmark: zedis vs redis-server in one run.

For each dataset shape a fresh pair of servers is started side by side on free loopback ports
(`--save '' --appendonly no`), the same pipelined RESP is written to both (redis-cli --pipe),
and the script prints, per server, RSS (VmRSS from /proc/PID/status) and INFO used_memory after
loading, the growth of both over the empty server, and the zedis / Redis ratios.

Shapes (the targets from issue 6 are on RSS after loading: ≤ 0.75× Redis for `small`, ≤ 1.0×
for the others):
  small  N keys `key:%08d` → a 3-byte value
  large  N keys `key:%08d` → a 100-byte value
  hash   N/1000 hashes of 100 fields (`field:%03d` → `value:%03d`)
  zset   N/1000 sorted sets of 100 members (`member:%03d`, integer scores)
The collection shapes stay in Redis's compact encoding (listpack) at the default thresholds.

Usage: bench/memory.py [--zedis PATH] [--keys N] [--shapes small,large,hash,zset]
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(__file__))
from compare import free_port, wait_ready  # noqa: E402


def resp(*args):
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        a = a if isinstance(a, bytes) else str(a).encode()
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


def write_shape(shape, n, path):
    """Writes the RESP commands that build one shape of dataset; returns the expected DBSIZE."""
    with open(path, "wb") as f:
        if shape in ("small", "large"):
            # A value that is not an integer, so both servers keep it as a string ("val" is
            # embstr, the 100 bytes raw).
            value = b"val" if shape == "small" else b"v" * 100
            batch = []
            for i in range(n):
                batch.append(resp(b"SET", b"key:%08d" % i, value))
                if len(batch) == 10000:
                    f.write(b"".join(batch))
                    batch = []
            f.write(b"".join(batch))
            return n
        count = max(n // 1000, 1)
        for i in range(count):
            if shape == "hash":
                args = [b"HSET", b"hash:%06d" % i]
                for j in range(100):
                    args += [b"field:%03d" % j, b"value:%03d" % j]
            elif shape == "zset":
                args = [b"ZADD", b"zset:%06d" % i]
                for j in range(100):
                    args += [b"%d" % j, b"member:%03d" % j]
            else:
                raise SystemExit(f"unknown shape {shape}")
            f.write(resp(*args))
        return count


def rss_bytes(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def info(port, field):
    out = subprocess.run(["redis-cli", "-p", str(port), "INFO", "memory"], capture_output=True,
                         text=True, check=True).stdout
    for line in out.splitlines():
        if line.startswith(field + ":"):
            return line.split(":", 1)[1].strip()
    return None


def cli(port, *args):
    return subprocess.run(["redis-cli", "-p", str(port), *args], capture_output=True, text=True,
                          check=True).stdout.strip()


class Server:
    def __init__(self, name, argv, workdir):
        self.name = name
        self.dir = os.path.join(workdir, name)
        os.makedirs(self.dir, exist_ok=True)
        self.port = free_port()
        self.proc = subprocess.Popen(
            argv + ["--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                    "--appendonly", "no", "--dir", self.dir],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=self.dir)
        wait_ready(self.port, self.proc)

    def sample(self):
        return rss_bytes(self.proc.pid), int(info(self.port, "used_memory"))

    def stop(self):
        if self.proc:
            self.proc.kill()
            self.proc.wait()
            self.proc = None


def measure(shape, n, zedis, work):
    data = os.path.join(work, f"{shape}.resp")
    expected = write_shape(shape, n, data)
    servers = [Server("zedis", [zedis], work), Server("redis", ["redis-server"], work)]
    try:
        res = {}
        for s in servers:
            rss0, used0 = s.sample()
            with open(data, "rb") as f:
                subprocess.run(["redis-cli", "-p", str(s.port), "--pipe"], stdin=f, check=True,
                               stdout=subprocess.DEVNULL)
            got = int(cli(s.port, "DBSIZE"))
            if got != expected:
                raise SystemExit(f"{s.name}: DBSIZE {got}, expected {expected}")
            # Let the servers' crons settle (Redis's incremental rehashing of a growing dict
            # finishes in its cron; zedis's table finishes splitting on inserts).
            time.sleep(1.0)
            rss, used = s.sample()
            res[s.name] = {"rss": rss, "used": used, "rss_grow": rss - rss0,
                           "used_grow": used - used0}
        return res
    finally:
        for s in servers:
            s.stop()
        os.unlink(data)


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--zedis", default=os.path.join(here, "..", "target", "release", "zedis"))
    ap.add_argument("--keys", type=int, default=1_000_000)
    ap.add_argument("--shapes", default="small,large,hash,zset")
    a = ap.parse_args()
    if not shutil.which("redis-server") or not shutil.which("redis-cli"):
        raise SystemExit("needs redis-server and redis-cli: apt-get install redis-server redis-tools")
    targets = {"small": 0.75, "large": 1.0, "hash": 1.0, "zset": 1.0}
    work = tempfile.mkdtemp(prefix="zedis-membench-")
    try:
        mb = 1024 * 1024
        print(f"{'shape':6} {'metric':10} {'zedis MiB':>10} {'redis MiB':>10} {'ratio':>7}  target")
        for shape in a.shapes.split(","):
            r = measure(shape, a.keys, a.zedis, work)
            z, d = r["zedis"], r["redis"]
            for k in ("rss", "used", "rss_grow", "used_grow"):
                ratio = z[k] / d[k] if d[k] else float("nan")
                note = ""
                if k == "rss":
                    t = targets[shape]
                    note = f"≤ {t:.2f} {'met' if ratio <= t else 'NOT met'}"
                print(f"{shape:6} {k:10} {z[k] / mb:10.1f} {d[k] / mb:10.1f} {ratio:7.2f}  {note}")
            sys.stdout.flush()
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
