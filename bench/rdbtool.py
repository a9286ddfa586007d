#!/usr/bin/env python3
"""zedis-rdb throughput and memory on a generated RDB.

Fills a private redis-server through `redis-cli --pipe` with a mix of types (strings of
--value-size bytes, and hashes, lists, sets and sorted sets of 50 elements), SAVEs it, then
times `zedis-rdb verify`, `stats`, `dump --format jsonl` (to /dev/null) and `convert --to zdb`,
plus `redis-check-rdb` for reference. Each run is wrapped in /usr/bin/time -v, which reports the
child's peak RSS (its VmHWM). Prints MB/s of input and peak RSS per command.

The default run sends ~64 MB of commands (a ~48 MB file); `--big` makes one of ~520 MB (the issue's >= 500 MB run).

Usage: bench/rdbtool.py [--bin target/release/zedis-rdb] [--mb 64] [--big] [--value-size 1000]
"""
import argparse
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def cli(port, *args):
    return subprocess.run(["redis-cli", "-p", str(port), *args], check=True,
                          capture_output=True, text=True).stdout.strip()


def resp(*args):
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        if isinstance(a, str):
            a = a.encode()
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


def generate(port, target_bytes, value_size):
    """Streams commands into redis-cli --pipe until roughly target_bytes of data are written."""
    p = subprocess.Popen(["redis-cli", "-p", str(port), "--pipe"], stdin=subprocess.PIPE,
                         stdout=subprocess.DEVNULL)
    written = 0
    i = 0
    # Random printable bytes, sliced at moving offsets, so values do not compress away
    # (LZF only looks inside one value).
    pool = os.urandom(1 << 20).hex().encode()
    batch = []
    while written < target_bytes:
        kind = i % 10
        if kind < 6:
            off = (i * 7919) % (len(pool) - value_size)
            cmd = resp("SET", f"str:{i}", pool[off:off + value_size])
            if i % 7 == 0:
                cmd += resp("PEXPIRE", f"str:{i}", "86400000")
        elif kind == 6:
            args = []
            for j in range(50):
                args += [f"f{j}", f"value-{i}-{j}"]
            cmd = resp("HSET", f"hash:{i}", *args)
        elif kind == 7:
            cmd = resp("RPUSH", f"list:{i}", *[f"item-{i}-{j}" for j in range(50)])
        elif kind == 8:
            cmd = resp("SADD", f"set:{i}", *[f"member-{i}-{j}" for j in range(50)])
        else:
            args = []
            for j in range(50):
                args += [str(j * 1.5), f"m-{i}-{j}"]
            cmd = resp("ZADD", f"zset:{i}", *args)
        batch.append(cmd)
        written += len(cmd)
        i += 1
        if len(batch) >= 1000:
            p.stdin.write(b"".join(batch))
            batch = []
    p.stdin.write(b"".join(batch))
    p.stdin.close()
    p.wait()
    return i


def measure(cmd):
    """Runs cmd under /usr/bin/time -v; returns (seconds, peak RSS in KiB)."""
    t0 = time.monotonic()
    r = subprocess.run(["/usr/bin/time", "-v", *cmd], stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE, text=True)
    secs = time.monotonic() - t0
    if r.returncode not in (0,):
        sys.exit(f"{' '.join(cmd)} failed ({r.returncode}):\n{r.stderr[-2000:]}")
    m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", r.stderr)
    return secs, int(m.group(1)) if m else -1


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bin", default="target/release/zedis-rdb")
    ap.add_argument("--mb", type=int, default=64, help="approximate data size to generate")
    ap.add_argument("--big", action="store_true", help="generate a file of ~520 MB (overrides --mb)")
    ap.add_argument("--value-size", type=int, default=1000)
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory")
    a = ap.parse_args()
    if not os.path.exists(a.bin):
        sys.exit(f"{a.bin} not found: cargo build --release -p zedis-rdb")
    mb = 720 if a.big else a.mb
    tmp = tempfile.mkdtemp(prefix="rdbtool-bench-")
    port = free_port()
    srv = subprocess.Popen(["redis-server", "--port", str(port), "--save", "", "--appendonly",
                            "no", "--dir", tmp, "--dbfilename", "bench.rdb"],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                if cli(port, "PING") == "PONG":
                    break
            except subprocess.CalledProcessError:
                pass
            time.sleep(0.1)
        keys = generate(port, mb << 20, a.value_size)
        cli(port, "SAVE")
    finally:
        try:
            cli(port, "SHUTDOWN", "NOSAVE")
        except subprocess.CalledProcessError:
            pass
        srv.wait()
    rdb = os.path.join(tmp, "bench.rdb")
    size = os.path.getsize(rdb)
    print(f"file: {size / 1e6:.1f} MB, {keys} keys")
    runs = [
        ("verify", [a.bin, "-q", "verify", rdb]),
        ("stats", [a.bin, "-q", "stats", rdb]),
        ("dump jsonl", [a.bin, "-q", "dump", rdb, "--format", "jsonl"]),
        ("dump resp", [a.bin, "-q", "dump", rdb, "--format", "resp"]),
        ("convert zdb", [a.bin, "-q", "convert", rdb, os.path.join(tmp, "out.zdb"), "--to",
                         "zdb"]),
        ("redis-check-rdb", ["redis-check-rdb", rdb]),
    ]
    print(f"{'command':<16} {'seconds':>8} {'MB/s':>8} {'peak RSS MB':>12}")
    for name, cmd in runs:
        secs, rss = measure(cmd)
        print(f"{name:<16} {secs:8.2f} {size / 1e6 / secs:8.1f} {rss / 1024:12.1f}")
    zdb = os.path.join(tmp, "out.zdb")
    if os.path.exists(zdb):
        zsize = os.path.getsize(zdb)
        secs, rss = measure([a.bin, "-q", "verify", zdb])
        print(f"{'verify .zdb':<16} {secs:8.2f} {zsize / 1e6 / secs:8.1f} {rss / 1024:12.1f}"
              f"  ({zsize / 1e6:.1f} MB file)")
    if a.keep:
        print(f"kept {tmp}")
    else:
        shutil.rmtree(tmp)


if __name__ == "__main__":
    main()
