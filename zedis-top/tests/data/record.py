#!/usr/bin/env python3
"""Records the raw RESP replies zedis-top parses, from a running server, into this folder.

Usage: record.py PORT PREFIX   (PREFIX is `redis` or `zedis`)

It first puts a little of everything into the server (keys with and without TTLs in two
databases, a slow command, a latency spike where supported) so the payloads are not empty.
The files are the exact reply bytes, so the tests parse them with zedis's own RESP decoder.
"""
import os
import socket
import sys

port, prefix = int(sys.argv[1]), sys.argv[2]
here = os.path.dirname(os.path.abspath(__file__))
s = socket.create_connection(("127.0.0.1", port))
buf = b""


def enc(args):
    out = b"*%d\r\n" % len(args)
    for a in args:
        a = a.encode() if isinstance(a, str) else a
        out += b"$%d\r\n%s\r\n" % (len(a), a)
    return out


def read_reply():
    """Reads one complete reply and returns its raw bytes."""
    global buf
    while True:
        n = complete(buf, 0)
        if n is not None:
            raw, buf = buf[:n], buf[n:]
            return raw
        buf += s.recv(65536)


def complete(b, i):
    """End offset of the frame starting at i, or None when incomplete."""
    j = b.find(b"\r\n", i)
    if j < 0:
        return None
    t, line = b[i:i + 1], b[i + 1:j]
    if t in b"+-:,#_(":
        return j + 2
    if t in b"$!=":
        n = int(line)
        if n < 0:
            return j + 2
        end = j + 2 + n + 2
        return end if len(b) >= end else None
    if t in b"*~>%|":
        n = int(line)
        if t in b"%|":
            n *= 2
        k = j + 2
        for _ in range(max(n, 0)):
            k = complete(b, k)
            if k is None:
                return None
        return k
    raise ValueError("bad type %r" % t)


def call(*args):
    s.sendall(enc(list(args)))
    return read_reply()


call("FLUSHALL")
call("CONFIG", "SET", "slowlog-log-slower-than", "0")
call("CONFIG", "SET", "latency-monitor-threshold", "1")
for i in range(50):
    call("SET", "key:%d" % i, "v" * (i + 1))
for i in range(10):
    call("SET", "ttl:%d" % i, "x", "EX", "1000")
call("SELECT", "3")
for i in range(5):
    call("HSET", "h:%d" % i, "f", "v")
call("SELECT", "0")
call("GET", "key:1")
call("GET", "missing")
call("CLIENT", "SETNAME", "recorder")
call("DEBUG", "SLEEP", "0.01")

wanted = {
    "info": ["INFO", "everything"],
    "client-list": ["CLIENT", "LIST"],
    "slowlog": ["SLOWLOG", "GET", "10"],
    "config": ["CONFIG", "GET", "*"],
    "latency": ["LATENCY", "LATEST"],
    "memory-stats": ["MEMORY", "STATS"],
}
for name, args in wanted.items():
    raw = call(*args)
    with open(os.path.join(here, "%s-%s.resp" % (prefix, name)), "wb") as f:
        f.write(raw)
call("CONFIG", "SET", "slowlog-log-slower-than", "10000")
print("recorded", prefix)
