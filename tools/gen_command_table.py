#!/usr/bin/env python3
"""Generate zedis's command table (zedis/src/commands/table.rs) from a running redis-server 7.0.

Facts about each command's interface -- arity, flags, legacy key range, ACL categories, tips,
key specs, group, version and argument grammar -- are read from the server with COMMAND INFO and
COMMAND DOCS, so they match Redis exactly. The prose -- summary and complexity -- is NOT taken
from Redis: it comes from tools/command_summaries.txt, written for zedis. Which commands exist,
which of their subcommands we implement and the module holding each handler come from
tools/commands.txt (more lists may be given with --commands-file).

Usage, from the workspace root:
    redis-server --port 7777 --save '' --appendonly no --daemonize yes
    python3 tools/gen_command_table.py --port 7777
    redis-cli -p 7777 shutdown nosave

Only the Python 3 standard library is used; the RESP client is the small one below.
"""

import argparse
import os
import shutil
import socket
import subprocess
import sys

# Names that cannot be Rust function names; the handler gets a trailing underscore.
RUST_KEYWORDS = {
    "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum",
    "extern", "false", "fn", "for", "if", "impl", "in", "let", "loop", "match", "mod", "move",
    "mut", "pub", "ref", "return", "self", "static", "struct", "super", "trait", "true", "type",
    "unsafe", "use", "where", "while", "abstract", "become", "box", "do", "final", "gen",
    "macro", "override", "priv", "try", "typeof", "unsized", "virtual", "yield",
}

GROUPS = {
    "connection": "Connection",
    "string": "String",
    "bitmap": "Bitmap",
    "generic": "Generic",
    "server": "Server",
    "list": "List",
    "hash": "Hash",
    "set": "Set",
    "sorted-set": "SortedSet",
    "hyperloglog": "HyperLogLog",
    "geo": "Geo",
    "pubsub": "PubSub",
    "transactions": "Transactions",
    "scripting": "Scripting",
    "stream": "Stream",
}

ARG_KINDS = {
    "string": "String",
    "integer": "Integer",
    "double": "Double",
    "key": "Key",
    "pattern": "Pattern",
    "unix-time": "UnixTime",
    "pure-token": "PureToken",
    "oneof": "OneOf",
    "block": "Block",
}

# DOCS fields the table has no place for; reported once so nobody is surprised by their absence.
IGNORED_DOC_FIELDS = {"history", "doc_flags", "deprecated_since", "replaced_by", "module"}
IGNORED_ARG_FIELDS = {"summary", "deprecated_since"}


class GenError(Exception):
    pass


# ---------------------------------------------------------------------------------------------
# A minimal RESP3 client.


class Map(list):
    """A RESP3 map, kept as an ordered list of (key, value) pairs."""

    def get(self, key, default=None):
        for k, v in self:
            if k == key:
                return v
        return default

    def keys(self):
        return [k for k, _ in self]


class RespError(Exception):
    pass


class Resp:
    def __init__(self, host, port):
        self.sock = socket.create_connection((host, port), timeout=10)
        self.rfile = self.sock.makefile("rb")

    def call(self, *args):
        out = [b"*%d\r\n" % len(args)]
        for a in args:
            b = a.encode() if isinstance(a, str) else a
            out.append(b"$%d\r\n%s\r\n" % (len(b), b))
        self.sock.sendall(b"".join(out))
        reply = self._read()
        if isinstance(reply, RespError):
            raise reply
        return reply

    def _line(self):
        line = self.rfile.readline()
        if not line.endswith(b"\r\n"):
            raise GenError("connection closed by server")
        return line[:-2]

    def _read(self):
        line = self._line()
        kind, rest = line[:1], line[1:]
        if kind == b"+":
            return rest.decode()
        if kind == b"-":
            return RespError(rest.decode())
        if kind == b":":
            return int(rest)
        if kind in (b"$", b"="):
            n = int(rest)
            if n < 0:
                return None
            data = self.rfile.read(n + 2)[:-2]
            return data.decode()
        if kind in (b"*", b"~", b">"):
            n = int(rest)
            if n < 0:
                return None
            return [self._read() for _ in range(n)]
        if kind == b"%":
            n = int(rest)
            m = Map()
            for _ in range(n):
                k = self._read()
                m.append((k, self._read()))
            return m
        if kind == b"_":
            return None
        if kind == b"#":
            return rest == b"t"
        if kind == b",":
            return float(rest)
        raise GenError("unexpected RESP type %r" % line)


# ---------------------------------------------------------------------------------------------
# Input files.


def read_command_list(paths):
    """Returns [(name, module, [subcommand, ...])] in file order; '*' as a subcommand means all."""
    seen = {}
    out = []
    for path in paths:
        with open(path, encoding="utf-8") as f:
            for lineno, raw in enumerate(f, 1):
                words = raw.split("#", 1)[0].split()
                if not words:
                    continue
                if len(words) < 2:
                    raise GenError("%s:%d: expected `name module [subcommand ...]`" % (path, lineno))
                name, module, subs = words[0].lower(), words[1], [s.lower() for s in words[2:]]
                if not module.isidentifier():
                    raise GenError("%s:%d: bad module name %r" % (path, lineno, module))
                if name in seen:
                    raise GenError("%s:%d: %s already listed at %s" % (path, lineno, name, seen[name]))
                if len(set(subs)) != len(subs):
                    raise GenError("%s:%d: repeated subcommand" % (path, lineno))
                seen[name] = "%s:%d" % (path, lineno)
                out.append((name, module, subs))
    return out


def read_summaries(path):
    """Returns {"name" or "container sub": (complexity, summary)}."""
    out = {}
    with open(path, encoding="utf-8") as f:
        for lineno, raw in enumerate(f, 1):
            line = raw.rstrip("\n")
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            parts = line.split("|", 2)
            if len(parts) != 3:
                raise GenError("%s:%d: expected `name|complexity|summary`" % (path, lineno))
            name = " ".join(parts[0].lower().split())
            complexity, summary = parts[1].strip(), parts[2].strip()
            if not summary:
                raise GenError("%s:%d: empty summary" % (path, lineno))
            if name in out:
                raise GenError("%s:%d: %s described twice" % (path, lineno, name))
            out[name] = (complexity, summary)
    return out


# ---------------------------------------------------------------------------------------------
# Turning server replies into plain dicts.


def parse_key_spec(m):
    bs = m.get("begin_search")
    fk = m.get("find_keys")
    bs_type, bs_spec = bs.get("type"), bs.get("spec")
    if bs_type == "index":
        begin = ("index", bs_spec.get("index"))
    elif bs_type == "keyword":
        begin = ("keyword", bs_spec.get("keyword"), bs_spec.get("startfrom"))
    elif bs_type == "unknown":
        begin = ("unknown",)
    else:
        raise GenError("unknown begin_search type %r" % bs_type)
    fk_type, fk_spec = fk.get("type"), fk.get("spec")
    if fk_type == "range":
        find = ("range", fk_spec.get("lastkey"), fk_spec.get("keystep"), fk_spec.get("limit"))
    elif fk_type == "keynum":
        find = ("keynum", fk_spec.get("keynumidx"), fk_spec.get("firstkey"), fk_spec.get("keystep"))
    elif fk_type == "unknown":
        find = ("unknown",)
    else:
        raise GenError("unknown find_keys type %r" % fk_type)
    return {"flags": list(m.get("flags")), "begin": begin, "find": find,
            "has_notes": m.get("notes") is not None}


def parse_args(args, where, dropped):
    out = []
    for a in args or []:
        for k in a.keys():
            if k in IGNORED_ARG_FIELDS:
                dropped.add("%s argument %s: %s" % (where, a.get("name"), k))
            elif k not in ("name", "type", "key_spec_index", "token", "since", "flags", "arguments"):
                raise GenError("%s: unexpected argument field %r" % (where, k))
        kind = a.get("type")
        if kind not in ARG_KINDS:
            raise GenError("%s: unknown argument type %r" % (where, kind))
        flags = a.get("flags") or []
        for fl in flags:
            if fl not in ("optional", "multiple", "multiple_token"):
                raise GenError("%s: unknown argument flag %r" % (where, fl))
        out.append({
            "name": a.get("name"),
            "kind": kind,
            "key_spec_index": a.get("key_spec_index", -1),
            "token": a.get("token"),
            "since": a.get("since"),
            "optional": "optional" in flags,
            "multiple": "multiple" in flags,
            "multiple_token": "multiple_token" in flags,
            "children": parse_args(a.get("arguments"), where, dropped),
        })
    return out


def build_spec(info, docs, fullname, module, handler_name, summaries, dropped, wanted_subs):
    """One table entry from a COMMAND INFO entry and the matching COMMAND DOCS map."""
    (name, arity, flags, first, last, step, acl, tips, key_specs, sub_infos) = info
    if name != fullname:
        raise GenError("asked for %s, server described %s" % (fullname, name))
    for k in docs.keys():
        if k in IGNORED_DOC_FIELDS:
            dropped.add("%s: %s" % (fullname, k))
        elif k not in ("summary", "since", "group", "complexity", "arguments", "subcommands"):
            raise GenError("%s: unexpected docs field %r" % (fullname, k))
    group = docs.get("group")
    if group not in GROUPS:
        raise GenError("%s: group %r has no Group variant" % (fullname, group))
    prose_key = fullname.replace("|", " ")
    if prose_key not in summaries:
        raise GenError("%s: no line in the summaries file" % prose_key)
    complexity, summary = summaries[prose_key]
    if bool(complexity) != (docs.get("complexity") is not None):
        print("warning: %s: Redis %s a complexity but the summaries file %s"
              % (prose_key, "gives" if docs.get("complexity") is not None else "gives no",
                 "has one" if complexity else "has none"), file=sys.stderr)
    specs = [parse_key_spec(ks) for ks in key_specs]
    for i, ks in enumerate(specs):
        if ks["has_notes"]:
            dropped.add("%s: key spec %d notes" % (fullname, i))

    subs = []
    sub_docs = docs.get("subcommands") or Map()
    by_name = {}
    for si in sub_infos or []:
        by_name[si[0]] = si
    if wanted_subs == ["*"]:
        wanted_subs = sorted(n.split("|", 1)[1] for n in by_name)
    elif not wanted_subs and by_name and "|" not in fullname:
        raise GenError("%s has subcommands in Redis; list the ones we implement (or '*')" % fullname)
    for sub in wanted_subs:
        sub_full = "%s|%s" % (fullname, sub)
        if sub_full not in by_name or sub_docs.get(sub_full) is None:
            raise GenError("%s: Redis has no subcommand %r" % (fullname, sub))
        subs.append(build_spec(by_name[sub_full], sub_docs.get(sub_full), sub_full, module,
                               "%s_%s" % (handler_name, sub), summaries, dropped, []))
    subs.sort(key=lambda s: s["name"])

    # A container whose bare form is an arity error (arity -2: a subcommand is required) has no
    # handler of its own; COMMAND (arity -1) is both a command and a container.
    if subs and arity <= -2:
        handler = None
    else:
        fn = handler_name.replace("-", "_").replace("|", "_")
        if fn in RUST_KEYWORDS:
            fn += "_"
        if not fn.isidentifier():
            raise GenError("%s: cannot make a handler name from %r" % (fullname, fn))
        handler = "super::%s::%s" % (module, fn)

    return {
        "name": fullname.split("|")[-1],
        "fullname": fullname,
        "arity": arity,
        "flags": list(flags),
        "first": first,
        "last": last,
        "step": step,
        "acl": list(acl),
        "tips": list(tips),
        "key_specs": specs,
        "group": GROUPS[group],
        "since": docs.get("since") or "",
        "complexity": complexity,
        "summary": summary,
        "args": parse_args(docs.get("arguments"), fullname, dropped),
        "subcommands": subs,
        "handler": handler,
    }


# ---------------------------------------------------------------------------------------------
# Rust output.


def rs_str(s):
    out = ['"']
    for ch in s:
        if ch == "\\":
            out.append("\\\\")
        elif ch == '"':
            out.append('\\"')
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append("\\u{%x}" % ord(ch))
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def rs_opt(s):
    return "None" if s is None else "Some(%s)" % rs_str(s)


def rs_strs(items):
    return "&[%s]" % ", ".join(rs_str(i) for i in items)


def rs_key_spec(ks):
    b = ks["begin"]
    if b[0] == "index":
        begin = "BeginSearch::Index(%d)" % b[1]
    elif b[0] == "keyword":
        begin = "BeginSearch::Keyword { keyword: %s, startfrom: %d }" % (rs_str(b[1]), b[2])
    else:
        begin = "BeginSearch::Unknown"
    f = ks["find"]
    if f[0] == "range":
        find = "FindKeys::Range { lastkey: %d, step: %d, limit: %d }" % f[1:]
    elif f[0] == "keynum":
        find = "FindKeys::Keynum { keynumidx: %d, firstkey: %d, step: %d }" % f[1:]
    else:
        find = "FindKeys::Unknown"
    return "KeySpec { flags: %s, begin: %s, find: %s }" % (rs_strs(ks["flags"]), begin, find)


def rs_arg(a, indent):
    base = "arg(%s, ArgKind::%s)" % (rs_str(a["name"]), ARG_KINDS[a["kind"]])
    fields = []
    if a["key_spec_index"] != -1:
        fields.append("key_spec_index: %d" % a["key_spec_index"])
    if a["token"] is not None:
        fields.append("token: %s" % rs_opt(a["token"]))
    if a["since"] is not None:
        fields.append("since: %s" % rs_opt(a["since"]))
    for flag in ("optional", "multiple", "multiple_token"):
        if a[flag]:
            fields.append("%s: true" % flag)
    if a["children"]:
        pad = " " * (indent + 4)
        kids = "".join("%s%s,\n" % (pad, rs_arg(c, indent + 4)) for c in a["children"])
        fields.append("children: &[\n%s%s]" % (kids, " " * indent))
    if not fields:
        return base
    return "Arg { %s, ..%s }" % (", ".join(fields), base)


def rs_spec(s, indent):
    p = " " * indent
    q = p + "    "
    lines = ["%sCommandSpec {" % p]
    lines.append("%sname: %s," % (q, rs_str(s["name"])))
    lines.append("%sarity: %d," % (q, s["arity"]))
    lines.append("%sflags: %s," % (q, rs_strs(s["flags"])))
    lines.append("%sfirst_key: %d, last_key: %d, step: %d," % (q, s["first"], s["last"], s["step"]))
    lines.append("%sacl: %s," % (q, rs_strs(s["acl"])))
    lines.append("%stips: %s," % (q, rs_strs(s["tips"])))
    if s["key_specs"]:
        lines.append("%skey_specs: &[" % q)
        for ks in s["key_specs"]:
            lines.append("%s    %s," % (q, rs_key_spec(ks)))
        lines.append("%s]," % q)
    else:
        lines.append("%skey_specs: &[]," % q)
    lines.append("%sgroup: Group::%s," % (q, s["group"]))
    lines.append("%ssince: %s," % (q, rs_str(s["since"])))
    lines.append("%scomplexity: %s," % (q, rs_str(s["complexity"])))
    lines.append("%ssummary: %s," % (q, rs_str(s["summary"])))
    if s["args"]:
        lines.append("%sargs: &[" % q)
        for a in s["args"]:
            lines.append("%s    %s," % (q, rs_arg(a, indent + 8)))
        lines.append("%s]," % q)
    else:
        lines.append("%sargs: &[]," % q)
    if s["subcommands"]:
        lines.append("%ssubcommands: &[" % q)
        for sub in s["subcommands"]:
            lines.append(rs_spec(sub, indent + 8) + ",")
        lines.append("%s]," % q)
    else:
        lines.append("%ssubcommands: &[]," % q)
    lines.append("%shandler: %s," % (q, "None" if s["handler"] is None else "Some(%s)" % s["handler"]))
    lines.append("%s}" % p)
    return "\n".join(lines)


def uses(specs):
    """The spec types the generated code mentions, so the `use` line has no unused names."""
    found = {"Arg", "ArgKind", "CommandSpec", "Group"}

    def walk(s):
        if s["key_specs"]:
            found.update(("KeySpec", "BeginSearch", "FindKeys"))
        for sub in s["subcommands"]:
            walk(sub)

    for s in specs:
        walk(s)
    return sorted(found)


def render(specs, version, argv_hint):
    names = uses(specs)
    head = [
        "//! The command table: every command and subcommand zedis knows, with the interface facts",
        "//! Redis %s reports for it (arity, flags, key positions, ACL categories, tips, key specs," % version,
        "//! argument grammar) and our own one-line summary and complexity.",
        "//!",
        "//! GENERATED FILE -- do not edit. Produced by tools/gen_command_table.py from `COMMAND INFO`",
        "//! and `COMMAND DOCS` of redis-server %s, tools/commands.txt (which commands, which" % version,
        "//! subcommands, which handler module) and tools/command_summaries.txt (summary and",
        "//! complexity text). To change it, edit those files and regenerate from the workspace root:",
        "//!",
        "//! ```text",
        "//! redis-server --port 7777 --save '' --appendonly no --daemonize yes",
        "//! python3 tools/gen_command_table.py --port 7777%s" % argv_hint,
        "//! redis-cli -p 7777 shutdown nosave",
        "//! ```",
        "",
        "use super::spec::{%s};" % ", ".join(names),
        "",
        "/// An argument with every optional field at its default; the entries below override only",
        "/// what differs, which keeps each argument on one line.",
        "const fn arg(name: &'static str, kind: ArgKind) -> Arg {",
        "    Arg {",
        "        name,",
        "        kind,",
        "        key_spec_index: -1,",
        "        token: None,",
        "        display: None,",
        "        since: None,",
        "        optional: false,",
        "        multiple: false,",
        "        multiple_token: false,",
        "        children: &[],",
        "    }",
        "}",
        "",
        "/// All top-level commands, sorted by name; subcommands are sorted within their container.",
        "#[rustfmt::skip]",
        "pub static COMMANDS: &[CommandSpec] = &[",
    ]
    body = [rs_spec(s, 4) + "," for s in specs]
    return "\n".join(head + body + ["];", ""])


# ---------------------------------------------------------------------------------------------


def main():
    tools = os.path.dirname(os.path.abspath(__file__))
    root = os.path.dirname(tools)
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--port", type=int, required=True, help="port of a running redis-server 7.0")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--commands-file", action="append", dest="command_files", metavar="PATH",
                    help="`name module [subcommand ...]` list; may be repeated "
                         "(default: tools/commands.txt)")
    ap.add_argument("--summaries", default=os.path.join(tools, "command_summaries.txt"))
    ap.add_argument("--out", default=os.path.join(root, "zedis", "src", "commands", "table.rs"))
    ap.add_argument("--any-version", action="store_true",
                    help="accept a server that is not Redis 7.0.x")
    opts = ap.parse_args()
    command_files = opts.command_files or [os.path.join(tools, "commands.txt")]

    try:
        commands = read_command_list(command_files)
        summaries = read_summaries(opts.summaries)
        r = Resp(opts.host, opts.port)
        r.call("HELLO", "3")
        version = None
        for line in r.call("INFO", "server").splitlines():
            if line.startswith("redis_version:"):
                version = line.split(":", 1)[1].strip()
        if not opts.any_version and not (version or "").startswith("7.0."):
            raise GenError("server is Redis %s, expected 7.0.x (use --any-version to override)"
                           % version)

        dropped = set()
        specs = []
        for name, module, subs in commands:
            info = r.call("COMMAND", "INFO", name)
            if not info or info[0] is None:
                raise GenError("Redis does not know the command %r" % name)
            docs = r.call("COMMAND", "DOCS", name).get(name)
            specs.append(build_spec(info[0], docs, name, module, name, summaries, dropped, subs))
        specs.sort(key=lambda s: s["name"])

        used = {s["fullname"].replace("|", " ") for s in specs}
        used |= {sub["fullname"].replace("|", " ") for s in specs for sub in s["subcommands"]}
        for extra in sorted(set(summaries) - used):
            print("warning: summaries file describes %r, which is not in the table" % extra,
                  file=sys.stderr)
    except (GenError, RespError, OSError) as e:
        sys.exit("gen_command_table: %s" % e)

    hint = "".join(" --commands-file %s" % os.path.relpath(p, root) for p in opts.command_files or [])
    text = render(specs, version, hint)
    tmp = opts.out + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, opts.out)

    rustfmt = shutil.which("rustfmt")
    if rustfmt:
        subprocess.run([rustfmt, "--edition", "2021", opts.out], check=True)
    else:
        print("warning: rustfmt not found; the file is not formatted", file=sys.stderr)

    total = len(specs) + sum(len(s["subcommands"]) for s in specs)
    print("wrote %s: %d commands, %d entries with subcommands" % (opts.out, len(specs), total))
    if dropped:
        print("not representable in the table (omitted from COMMAND INFO/DOCS replies):")
        for d in sorted(dropped):
            print("  " + d)


if __name__ == "__main__":
    main()
