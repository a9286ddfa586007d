#!/usr/bin/env python3
"""zedis-aof throughput and memory on a generated append-only file of >= 1 GB.

Writes an appendonlydir (an empty RESP base, one big incr file and a manifest) the way a busy
server would: SET/HSET/RPUSH/SADD/ZADD/INCR/PEXPIREAT/DEL on a bounded key space, so most
commands overwrite or delete earlier state and a rewrite collapses them, with a #TS annotation
every 10,000 commands and MULTI/EXEC blocks now and then. Then times, each wrapped in
/usr/bin/time -v (which reports the child's peak RSS): `verify`, `stats`, `stats --rewrite-size`,
`dump --format jsonl` (to /dev/null), `rewrite` (zdb base), `rewrite --base aof --single`,
`convert --to rdb`, and `redis-check-aof` for reference. Prints seconds, MB/s of input and peak
RSS per command, and the sizes the rewrites wrote.

Usage: bench/aoftool.py [--bin target/release/zedis-aof] [--mb 1100] [--keys 200000]
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time


def resp(*args):
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        if isinstance(a, str):
            a = a.encode()
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


def generate(path, target_bytes, keys, value_size):
    """Writes commands to `path` until it holds about target_bytes; returns the command count."""
    pool = os.urandom(1 << 20).hex().encode()
    far = str(int(time.time() * 1000) + 86400_000 * 365)
    past = str(int(time.time() * 1000) - 1000)
    ts = int(time.time()) - 3600
    written = 0
    i = 0
    with open(path, "wb", buffering=1 << 22) as f:
        f.write(resp("SELECT", "0"))
        batch = []
        while written < target_bytes:
            k = (i * 2654435761) % keys
            kind = i % 20
            if kind < 10:
                off = (i * 7919) % (len(pool) - value_size)
                cmd = resp("SET", f"str:{k}", pool[off:off + value_size])
            elif kind == 10:
                cmd = resp("HSET", f"hash:{k % (keys // 10)}", f"f{i % 50}", f"value-{i}")
            elif kind == 11:
                cmd = resp("RPUSH", f"list:{k % (keys // 10)}", f"item-{i}")
            elif kind == 12:
                cmd = resp("LTRIM", f"list:{k % (keys // 10)}", "-50", "-1")
            elif kind == 13:
                cmd = resp("SADD", f"set:{k % (keys // 10)}", f"member-{i % 100}")
            elif kind == 14:
                cmd = resp("ZADD", f"zset:{k % (keys // 10)}", str(i % 997), f"m-{i % 80}")
            elif kind == 15:
                cmd = resp("INCR", f"counter:{k % 1000}")
            elif kind == 16:
                cmd = resp("PEXPIREAT", f"str:{k}", far)
            elif kind == 17:
                # Keys that will be expired by the time of the rewrite.
                cmd = resp("SET", f"tmp:{k}", "x", "PXAT", past)
            elif kind == 18:
                cmd = resp("DEL", f"str:{(k * 31) % keys}")
            else:
                cmd = (resp("MULTI") + resp("INCR", f"counter:{k % 1000}")
                       + resp("SET", f"tx:{k % 1000}", str(i)) + resp("EXEC"))
            if i % 10000 == 0:
                ts += 1
                cmd = b"#TS:%d\r\n" % ts + cmd
            batch.append(cmd)
            written += len(cmd)
            i += 1
            if len(batch) >= 2000:
                f.write(b"".join(batch))
                batch = []
        f.write(b"".join(batch))
    return i


def measure(cmd):
    """Runs cmd under /usr/bin/time -v; returns (seconds, peak RSS in KiB)."""
    t0 = time.monotonic()
    r = subprocess.run(["/usr/bin/time", "-v", *cmd], stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE, text=True)
    secs = time.monotonic() - t0
    if r.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed ({r.returncode}):\n{r.stderr[-2000:]}")
    m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", r.stderr)
    return secs, int(m.group(1)) if m else -1


def dir_size(p):
    if os.path.isdir(p):
        return sum(os.path.getsize(os.path.join(p, n)) for n in os.listdir(p))
    return os.path.getsize(p)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bin", default="target/release/zedis-aof")
    ap.add_argument("--mb", type=int, default=1100, help="approximate AOF size to generate")
    ap.add_argument("--keys", type=int, default=200000, help="distinct string keys")
    ap.add_argument("--value-size", type=int, default=500)
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory")
    a = ap.parse_args()
    if not os.path.exists(a.bin):
        sys.exit(f"{a.bin} not found: cargo build --release -p zedis-aof")
    tmp = tempfile.mkdtemp(prefix="aoftool-bench-")
    try:
        d = os.path.join(tmp, "appendonlydir")
        os.mkdir(d)
        open(os.path.join(d, "appendonly.aof.1.base.aof"), "wb").close()
        incr = os.path.join(d, "appendonly.aof.1.incr.aof")
        with open(os.path.join(d, "appendonly.aof.manifest"), "w") as m:
            m.write("file appendonly.aof.1.base.aof seq 1 type b\n"
                    "file appendonly.aof.1.incr.aof seq 1 type i\n")
        t0 = time.monotonic()
        n = generate(incr, a.mb << 20, a.keys, a.value_size)
        size = dir_size(d)
        print(f"input: {size / 1e6:.1f} MB, {n} commands (generated in "
              f"{time.monotonic() - t0:.1f} s)")
        out_dir = os.path.join(tmp, "rewritten")
        single = os.path.join(tmp, "single.aof")
        rdb = os.path.join(tmp, "out.rdb")
        manifest = os.path.join(d, "appendonly.aof.manifest")
        runs = [
            ("verify", [a.bin, "-q", "verify", d], None),
            ("stats", [a.bin, "-q", "stats", d], None),
            ("stats --rewrite-size", [a.bin, "-q", "stats", d, "--rewrite-size"], None),
            ("dump jsonl", [a.bin, "-q", "dump", d, "--format", "jsonl"], None),
            ("rewrite (zdb)", [a.bin, "-q", "rewrite", d, out_dir], out_dir),
            ("rewrite aof single", [a.bin, "-q", "rewrite", d, single, "--base", "aof",
                                    "--single"], single),
            ("convert rdb", [a.bin, "-q", "convert", d, rdb, "--to", "rdb"], rdb),
            ("redis-check-aof", ["redis-check-aof", manifest], None),
        ]
        print(f"{'command':<20} {'seconds':>8} {'MB/s':>8} {'peak RSS MB':>12} {'output MB':>10}")
        for name, cmd, out in runs:
            secs, rss = measure(cmd)
            o = f"{dir_size(out) / 1e6:10.1f}" if out else f"{'':>10}"
            print(f"{name:<20} {secs:8.2f} {size / 1e6 / secs:8.1f} {rss / 1024:12.1f} {o}")
        if a.keep:
            print(f"kept {tmp}")
    finally:
        if not a.keep:
            shutil.rmtree(tmp)


if __name__ == "__main__":
    main()
