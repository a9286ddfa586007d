//! The COMMAND family (bare COMMAND, COUNT, INFO, DOCS, LIST, GETKEYS, GETKEYSANDFLAGS, HELP) and
//! `key_refs`/`key_positions`, the one place that turns a command line into the positions of its
//! keys using the table's key specs. Every answer is built from `table::COMMANDS` alone, in the
//! shapes Redis 7.0 uses, so clients (redis-cli hints, cluster-aware drivers) read them unchanged.
//!
//! This module knows nothing about the keyspace, clients or dispatch: it reads the table, the
//! arguments it is given, and writes to the reply.

use super::spec::{Arg, ArgKind, BeginSearch, CommandSpec, FindKeys, KeySpec};
use super::{full_name, is, lookup, table, CmdError, CmdResult, Ctx, Reply};
use crate::util::glob::glob_match;
use crate::util::num::parse_i64;
use bytes::Bytes;
use thiserror::Error;

// ---------------------------------------------------------------------------------------------
// Handlers.

/// `COMMAND`: the INFO entry of every command.
pub fn command(ctx: &mut Ctx<'_>, _args: &[Bytes]) -> CmdResult {
    info_all(&mut ctx.out);
    Ok(())
}

/// `COMMAND COUNT`: top-level commands only, as Redis counts them.
pub fn command_count(ctx: &mut Ctx<'_>, _args: &[Bytes]) -> CmdResult {
    ctx.out.int(table::COMMANDS.len() as i64);
    Ok(())
}

/// `COMMAND INFO [name ...]`: one entry per name (nil when unknown), or all commands.
pub fn command_info(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let names = args.get(2..).unwrap_or_default();
    if names.is_empty() {
        info_all(&mut ctx.out);
        return Ok(());
    }
    ctx.out.array(names.len());
    for name in names {
        match lookup_full(name) {
            Some((spec, full)) => write_info(&mut ctx.out, spec, full),
            None => ctx.out.null(),
        }
    }
    Ok(())
}

/// `COMMAND DOCS [name ...]`: a map from full name to documentation; unknown names are left out.
pub fn command_docs(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let names = args.get(2..).unwrap_or_default();
    if names.is_empty() {
        ctx.out.map(table::COMMANDS.len());
        for cmd in table::COMMANDS {
            ctx.out.bulk(cmd.name.as_bytes());
            write_docs(&mut ctx.out, cmd);
        }
        return Ok(());
    }
    let found: Vec<_> = names.iter().filter_map(|n| lookup_full(n)).collect();
    ctx.out.map(found.len());
    for (spec, full) in found {
        ctx.out.bulk(full.as_bytes());
        write_docs(&mut ctx.out, spec);
    }
    Ok(())
}

/// `COMMAND LIST [FILTERBY MODULE name | ACLCAT category | PATTERN pattern]`: full names of all
/// commands and subcommands, each container followed by its subcommands.
pub fn command_list(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let filter = match args.get(2..).unwrap_or_default() {
        [] => None,
        // One FILTERBY clause, ending the line.
        [opt, kind, value] if is(opt, "filterby") => Some(if is(kind, "module") {
            ListFilter::Module
        } else if is(kind, "aclcat") {
            ListFilter::AclCat(value)
        } else if is(kind, "pattern") {
            ListFilter::Pattern(value)
        } else {
            return Err(CmdError::syntax());
        }),
        _ => return Err(CmdError::syntax()),
    };
    let mut names: Vec<&'static str> = Vec::new();
    for cmd in table::COMMANDS {
        if filter.as_ref().is_none_or(|f| f.accepts(cmd, cmd.name)) {
            names.push(cmd.name);
        }
        for sub in cmd.subcommands {
            let full = full_name(cmd, sub);
            if filter.as_ref().is_none_or(|f| f.accepts(sub, full)) {
                names.push(full);
            }
        }
    }
    ctx.out.bulks(names.iter());
    Ok(())
}

/// `COMMAND GETKEYS command arg ...`: the key names in a complete command line.
pub fn command_getkeys(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    getkeys(ctx, args, false)
}

/// `COMMAND GETKEYSANDFLAGS command arg ...`: the key names with their key-spec flags.
pub fn command_getkeysandflags(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    getkeys(ctx, args, true)
}

/// `COMMAND HELP`.
pub fn command_help(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    const LINES: &[&str] = &[
        "(no subcommand)",
        "    Describe every command the server knows.",
        "COUNT",
        "    Return how many top-level commands the server knows.",
        "LIST",
        "    List the names of all commands and subcommands.",
        "INFO [<command-name> ...]",
        "    Describe the given commands (arity, flags, key positions, ACL categories...).",
        "    Without names, every command is described.",
        "DOCS [<command-name> ...]",
        "    Return the documentation of the given commands (summary, arguments...).",
        "    Without names, every command is documented.",
        "GETKEYS <full-command>",
        "    Extract the key names from a complete command line.",
        "GETKEYSANDFLAGS <full-command>",
        "    Extract the key names from a complete command line, with how each is accessed.",
    ];
    help_reply(
        &mut ctx.out,
        args.first().map_or(&b"COMMAND"[..], |a| a),
        LINES,
    );
    Ok(())
}

/// The reply every `<CONTAINER> HELP` gives: a header naming the command as the client typed it,
/// the lines, and the HELP entry itself.
fn help_reply(out: &mut Reply<'_>, cmd: &[u8], lines: &[&str]) {
    let cmd = String::from_utf8_lossy(cmd)
        .to_ascii_uppercase()
        .replace(['\r', '\n'], " ");
    out.array(lines.len() + 3);
    out.simple(&format!(
        "{cmd} <subcommand> [<arg> [value] [opt] ...]. Subcommands are:"
    ));
    for line in lines {
        out.simple(line);
    }
    out.simple("HELP");
    out.simple("    Prints this help.");
}

// ---------------------------------------------------------------------------------------------
// Name lookup.

/// Finds a command by its full name ("get", "client|list"), case-insensitively, the way
/// `COMMAND INFO`/`DOCS` do: a container's bare name is the container, a `|` name must name one of
/// its subcommands, and anything deeper is unknown.
fn lookup_full(name: &[u8]) -> Option<(&'static CommandSpec, &'static str)> {
    let mut parts = name.split(|&b| b == b'|');
    let top = lookup(parts.next()?)?;
    match (parts.next(), parts.next()) {
        (None, _) => Some((top, top.name)),
        (Some(sub), None) => top.subcommand(sub).map(|s| (s, full_name(top, s))),
        (Some(_), Some(_)) => None,
    }
}

enum ListFilter<'a> {
    /// zedis has no modules, so this filter matches nothing.
    Module,
    AclCat(&'a [u8]),
    Pattern(&'a [u8]),
}

impl ListFilter<'_> {
    fn accepts(&self, spec: &CommandSpec, full: &str) -> bool {
        match self {
            ListFilter::Module => false,
            // Categories are given without the '@' the table stores; an unknown category matches
            // nothing, which is also what comparing against the table gives.
            ListFilter::AclCat(cat) => spec.acl.iter().any(|c| {
                c.strip_prefix('@')
                    .is_some_and(|c| c.as_bytes().eq_ignore_ascii_case(cat))
            }),
            ListFilter::Pattern(p) => glob_match(p, full.as_bytes(), true),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// COMMAND INFO entries.

fn info_all(out: &mut Reply<'_>) {
    out.array(table::COMMANDS.len());
    for cmd in table::COMMANDS {
        write_info(out, cmd, cmd.name);
    }
}

/// Sets of flag names are written as simple strings, as Redis does (redis-cli checks the type).
fn status_set(out: &mut Reply<'_>, items: &[&str]) {
    out.set(items.len());
    for i in items {
        out.simple(i);
    }
}

/// The ten-element description of one command: name, arity, flags, first key, last key, key step,
/// ACL categories, tips, key specs, subcommands.
fn write_info(out: &mut Reply<'_>, spec: &'static CommandSpec, full: &str) {
    out.array(10);
    out.bulk(full.as_bytes());
    out.int(i64::from(spec.arity));
    status_set(out, spec.flags);
    out.int(i64::from(spec.first_key));
    out.int(i64::from(spec.last_key));
    out.int(i64::from(spec.step));
    status_set(out, spec.acl);
    out.set(spec.tips.len());
    for tip in spec.tips {
        out.bulk(tip.as_bytes());
    }
    out.set(spec.key_specs.len());
    for ks in spec.key_specs {
        write_key_spec(out, ks);
    }
    // Redis writes an empty *set* when there are no subcommands and an array otherwise.
    if spec.subcommands.is_empty() {
        out.set(0);
    } else {
        out.array(spec.subcommands.len());
        for sub in spec.subcommands {
            write_info(out, sub, full_name(spec, sub));
        }
    }
}

fn write_key_spec(out: &mut Reply<'_>, ks: &KeySpec) {
    out.map(3);
    out.bulk(b"flags");
    status_set(out, ks.flags);

    out.bulk(b"begin_search");
    out.map(2);
    out.bulk(b"type");
    match ks.begin {
        BeginSearch::Index(pos) => {
            out.bulk(b"index");
            out.bulk(b"spec");
            out.map(1);
            out.bulk(b"index");
            out.int(i64::from(pos));
        }
        BeginSearch::Keyword { keyword, startfrom } => {
            out.bulk(b"keyword");
            out.bulk(b"spec");
            out.map(2);
            out.bulk(b"keyword");
            out.bulk(keyword.as_bytes());
            out.bulk(b"startfrom");
            out.int(i64::from(startfrom));
        }
        BeginSearch::Unknown => {
            out.bulk(b"unknown");
            out.bulk(b"spec");
            out.map(0);
        }
    }

    out.bulk(b"find_keys");
    out.map(2);
    out.bulk(b"type");
    match ks.find {
        FindKeys::Range {
            lastkey,
            step,
            limit,
        } => {
            out.bulk(b"range");
            out.bulk(b"spec");
            out.map(3);
            out.bulk(b"lastkey");
            out.int(i64::from(lastkey));
            out.bulk(b"keystep");
            out.int(i64::from(step));
            out.bulk(b"limit");
            out.int(i64::from(limit));
        }
        FindKeys::Keynum {
            keynumidx,
            firstkey,
            step,
        } => {
            out.bulk(b"keynum");
            out.bulk(b"spec");
            out.map(3);
            out.bulk(b"keynumidx");
            out.int(i64::from(keynumidx));
            out.bulk(b"firstkey");
            out.int(i64::from(firstkey));
            out.bulk(b"keystep");
            out.int(i64::from(step));
        }
        FindKeys::Unknown => {
            out.bulk(b"unknown");
            out.bulk(b"spec");
            out.map(0);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// COMMAND DOCS entries.

/// The documentation map of one command: summary, since, group, complexity, arguments and
/// subcommands, each present only when the table has it (group always is).
fn write_docs(out: &mut Reply<'_>, spec: &'static CommandSpec) {
    let fields = [
        !spec.summary.is_empty(),
        !spec.since.is_empty(),
        true,
        !spec.complexity.is_empty(),
        !spec.args.is_empty(),
        !spec.subcommands.is_empty(),
    ];
    out.map(fields.iter().filter(|&&f| f).count());
    if !spec.summary.is_empty() {
        out.bulk(b"summary");
        out.bulk(spec.summary.as_bytes());
    }
    if !spec.since.is_empty() {
        out.bulk(b"since");
        out.bulk(spec.since.as_bytes());
    }
    out.bulk(b"group");
    out.bulk(spec.group.name().as_bytes());
    if !spec.complexity.is_empty() {
        out.bulk(b"complexity");
        out.bulk(spec.complexity.as_bytes());
    }
    if !spec.args.is_empty() {
        out.bulk(b"arguments");
        write_args(out, spec.args);
    }
    if !spec.subcommands.is_empty() {
        out.bulk(b"subcommands");
        out.map(spec.subcommands.len());
        for sub in spec.subcommands {
            out.bulk(full_name(spec, sub).as_bytes());
            write_docs(out, sub);
        }
    }
}

fn write_args(out: &mut Reply<'_>, args: &[Arg]) {
    out.array(args.len());
    for a in args {
        let nested = matches!(a.kind, ArgKind::OneOf | ArgKind::Block);
        let flags: Vec<&str> = [
            (a.optional, "optional"),
            (a.multiple, "multiple"),
            (a.multiple_token, "multiple_token"),
        ]
        .iter()
        .filter(|(on, _)| *on)
        .map(|&(_, name)| name)
        .collect();
        let len = 2
            + usize::from(a.key_spec_index != -1)
            + usize::from(a.token.is_some())
            + usize::from(a.since.is_some())
            + usize::from(!flags.is_empty())
            + usize::from(nested);
        out.map(len);
        out.bulk(b"name");
        out.bulk(a.name.as_bytes());
        out.bulk(b"type");
        out.bulk(a.kind.name().as_bytes());
        if a.key_spec_index != -1 {
            out.bulk(b"key_spec_index");
            out.int(i64::from(a.key_spec_index));
        }
        if let Some(token) = a.token {
            out.bulk(b"token");
            out.bulk(token.as_bytes());
        }
        if let Some(since) = a.since {
            out.bulk(b"since");
            out.bulk(since.as_bytes());
        }
        if !flags.is_empty() {
            out.bulk(b"flags");
            status_set(out, &flags);
        }
        if nested {
            out.bulk(b"arguments");
            write_args(out, a.children);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Key extraction.

/// One key found in a command line: its index in the arguments (0 is the command name) and how
/// the command accesses it (key-spec flags such as "RW", "access", "update").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KeyRef {
    pub pos: usize,
    pub flags: &'static [&'static str],
}

/// Why the keys of a command line could not be determined.
#[derive(Clone, Copy, Debug, Error, PartialEq, Eq)]
pub enum KeysError {
    /// A key spec does not fit the arguments (a bad key count, a range past the end), or the
    /// command's keys cannot be found from its specs at all.
    #[error("Invalid arguments specified for command")]
    InvalidArguments,
}

/// The positions of the keys in `args` (the whole command line, `args[0]` being the command name)
/// for the command or subcommand `spec`, in key-spec order. Commands without keys give an empty
/// list. Arity is the caller's business: arguments missing from a variadic command's tail are
/// simply not reported.
pub fn key_positions(spec: &CommandSpec, args: &[Bytes]) -> Result<Vec<usize>, KeysError> {
    Ok(key_refs(spec, args)?.into_iter().map(|k| k.pos).collect())
}

/// Like [`key_positions`], with each key's access flags. For the few commands whose flags depend
/// on the arguments (key specs marked "variable_flags"), the flags are worked out from the
/// arguments as Redis does.
pub fn key_refs(spec: &CommandSpec, args: &[Bytes]) -> Result<Vec<KeyRef>, KeysError> {
    let real_specs = spec.key_specs.iter().any(|ks| !has(ks.flags, "not_key"));
    let variable = spec
        .key_specs
        .iter()
        .any(|ks| has(ks.flags, "variable_flags"));
    if real_specs && !variable {
        if let Ok(keys) = keys_from_specs(spec, args) {
            return Ok(keys);
        }
    }
    if let Some(keys) = special_keys(spec, args) {
        return Ok(keys);
    }
    if !real_specs {
        return Ok(Vec::new());
    }
    // Specs that are incomplete, unknown or (without a special case above) variable: the
    // positions the specs give are the best answer there is.
    keys_from_specs(spec, args)
}

fn has(flags: &[&str], flag: &str) -> bool {
    flags.contains(&flag)
}

/// Walks the key specs over `args`. Mirrors Redis's rules, including that a keyword spec whose
/// keyword is absent contributes nothing, and that a key count of 0 makes the spec invalid.
fn keys_from_specs(spec: &CommandSpec, args: &[Bytes]) -> Result<Vec<KeyRef>, KeysError> {
    let argc = args.len() as i64;
    let mut keys = Vec::new();
    for ks in spec.key_specs {
        if has(ks.flags, "not_key") {
            continue;
        }
        let mut first = match ks.begin {
            BeginSearch::Index(pos) => i64::from(pos),
            BeginSearch::Keyword { keyword, startfrom } => {
                match find_keyword(args, keyword, startfrom) {
                    Some(i) => i as i64 + 1,
                    None => continue,
                }
            }
            BeginSearch::Unknown => return Err(KeysError::InvalidArguments),
        };
        let (last, step) = match ks.find {
            FindKeys::Range {
                lastkey,
                step,
                limit,
            } => {
                let lastkey = i64::from(lastkey);
                let last = if lastkey >= 0 {
                    first + lastkey
                } else if limit <= 0 {
                    argc + lastkey
                } else {
                    // "Keys take up 1/limit of what is left": used by commands whose keys and
                    // values share the tail.
                    first + ((argc - first) / i64::from(limit) + lastkey)
                };
                (last, i64::from(step))
            }
            FindKeys::Keynum {
                keynumidx,
                firstkey,
                step,
            } => {
                let idx = first + i64::from(keynumidx);
                let count = usize::try_from(idx)
                    .ok()
                    .and_then(|i| args.get(i))
                    .and_then(|a| parse_i64(a))
                    .filter(|&n| n >= 0)
                    .ok_or(KeysError::InvalidArguments)?;
                first += i64::from(firstkey);
                (first + count - 1, i64::from(step))
            }
            FindKeys::Unknown => return Err(KeysError::InvalidArguments),
        };
        if last >= argc || last < first || first >= argc || first < 0 || step <= 0 {
            return Err(KeysError::InvalidArguments);
        }
        let mut i = first;
        while i <= last {
            keys.push(KeyRef {
                pos: i as usize,
                flags: ks.flags,
            });
            i += step;
        }
        if has(ks.flags, "incomplete") {
            return Err(KeysError::InvalidArguments);
        }
    }
    Ok(keys)
}

/// The index of `keyword` in `args`, searched forwards from `startfrom` when it is positive and
/// backwards from `argc + startfrom` otherwise, never looking at the command name.
fn find_keyword(args: &[Bytes], keyword: &str, startfrom: i32) -> Option<usize> {
    let argc = args.len() as i64;
    let found = |i: i64| args.get(i as usize).is_some_and(|a| is(a, keyword));
    // As in Redis, the search stops short of its far end: a forward search never looks at the
    // last argument and a backward one never at the first, where a keyword could not be
    // followed or preceded by its key.
    let hit = if startfrom > 0 {
        (i64::from(startfrom)..argc - 1).find(|&i| found(i))
    } else {
        let start = argc + i64::from(startfrom);
        if start >= argc {
            return None;
        }
        (2..=start).rev().find(|&i| found(i))
    };
    hit.map(|i| i as usize)
}

/// Commands whose keys Redis finds with dedicated code rather than the key specs alone, because
/// their specs have "variable_flags" or are incomplete. Covers every such Redis 7.0 command whose
/// specs alone give a different answer; a command added later with specs like that needs a case
/// here (compare `COMMAND GETKEYSANDFLAGS` with Redis to find out).
fn special_keys(spec: &CommandSpec, args: &[Bytes]) -> Option<Vec<KeyRef>> {
    // Only top-level commands: a subcommand may share a name with one (CONFIG SET vs SET).
    let top = lookup(spec.name.as_bytes()).filter(|c| std::ptr::eq(*c, spec))?;
    let keys = match top.name {
        // SET reads the old value only with GET; otherwise it just overwrites.
        "set" => {
            let get = args.iter().skip(3).any(|a| is(a, "get"));
            let flags: &'static [&'static str] = if get {
                &["RW", "access", "update"]
            } else {
                &["OW", "update"]
            };
            vec![KeyRef { pos: 1, flags }]
        }
        // BITFIELD is read-only when every operation is a GET (or OVERFLOW).
        "bitfield" => {
            let flags: &'static [&'static str] = if bitfield_readonly(args) {
                &["RO", "access"]
            } else {
                &["RW", "access", "update"]
            };
            vec![KeyRef { pos: 1, flags }]
        }
        "sort_ro" => vec![KeyRef {
            pos: 1,
            flags: &["RO", "access"],
        }],
        "sort" => sort_keys(args),
        "migrate" => migrate_keys(args),
        name => {
            // Key-count commands: reached only when the specs rejected the count, where Redis
            // retries with a laxer reading of it (`atoi`) and reports no flags.
            let &(_, store, count_at, first) = NUMKEYS.iter().find(|n| n.0 == name)?;
            numkeys_keys(args, store, count_at, first)
        }
    };
    Some(keys.into_iter().filter(|k| k.pos < args.len()).collect())
}

/// Commands with a key count, and where Redis's fallback finds it: (name, position of a
/// destination key or 0, position of the count, position of the first counted key).
const NUMKEYS: &[(&str, usize, usize, usize)] = &[
    ("blmpop", 0, 2, 3),
    ("bzmpop", 0, 2, 3),
    ("eval", 0, 2, 3),
    ("eval_ro", 0, 2, 3),
    ("evalsha", 0, 2, 3),
    ("evalsha_ro", 0, 2, 3),
    ("fcall", 0, 2, 3),
    ("fcall_ro", 0, 2, 3),
    ("lmpop", 0, 1, 2),
    ("sintercard", 0, 1, 2),
    ("zdiff", 0, 1, 2),
    ("zdiffstore", 1, 2, 3),
    ("zinter", 0, 1, 2),
    ("zintercard", 0, 1, 2),
    ("zinterstore", 1, 2, 3),
    ("zmpop", 0, 1, 2),
    ("zunion", 0, 1, 2),
    ("zunionstore", 1, 2, 3),
];

fn numkeys_keys(args: &[Bytes], store: usize, count_at: usize, first: usize) -> Vec<KeyRef> {
    let count = args.get(count_at).map_or(0, |a| atoi(a));
    let room = args.len().saturating_sub(first);
    let Ok(count) = usize::try_from(count) else {
        return Vec::new();
    };
    if count < 1 || count > room {
        return Vec::new();
    }
    let mut keys: Vec<KeyRef> = (first..first + count)
        .map(|pos| KeyRef { pos, flags: &[] })
        .collect();
    if store > 0 {
        keys.push(KeyRef {
            pos: store,
            flags: &[],
        });
    }
    keys
}

/// C's `atoi`: leading white space, an optional sign, then as many digits as there are; anything
/// unparsable is 0. Saturates instead of overflowing.
fn atoi(s: &[u8]) -> i64 {
    let skip = s
        .iter()
        .take_while(|c| matches!(c, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r'))
        .count();
    let s = s.get(skip..).unwrap_or_default();
    let (neg, digits) = match s.split_first() {
        Some((b'-', rest)) => (true, rest),
        Some((b'+', rest)) => (false, rest),
        _ => (false, s),
    };
    let mut v: i64 = 0;
    for &c in digits.iter().take_while(|c| c.is_ascii_digit()) {
        v = v.saturating_mul(10).saturating_add(i64::from(c - b'0'));
    }
    if neg {
        -v
    } else {
        v
    }
}

/// Whether a BITFIELD command line only reads: GET and OVERFLOW operations with all their
/// arguments; anything else, or a malformed line, counts as a write.
fn bitfield_readonly(args: &[Bytes]) -> bool {
    let mut i = 2;
    while let Some(op) = args.get(i) {
        let remaining = args.len() - i - 1;
        if is(op, "get") && remaining >= 2 {
            i += 3;
        } else if is(op, "overflow") && remaining >= 1 {
            i += 2;
        } else {
            return false;
        }
    }
    true
}

/// SORT's source key, plus the destination of the last STORE. BY, GET and LIMIT values are
/// skipped so that a pattern or number spelled "store" is not taken for the option.
fn sort_keys(args: &[Bytes]) -> Vec<KeyRef> {
    let mut keys = vec![KeyRef {
        pos: 1,
        flags: &["RO", "access"],
    }];
    let mut store = None;
    let mut i = 2;
    while let Some(a) = args.get(i) {
        if is(a, "limit") {
            i += 2;
        } else if is(a, "store") && i + 1 < args.len() {
            store = Some(i + 1);
        } else if is(a, "get") || is(a, "by") {
            i += 1;
        }
        i += 1;
    }
    if let Some(pos) = store {
        keys.push(KeyRef {
            pos,
            flags: &["OW", "update"],
        });
    }
    keys
}

/// MIGRATE's keys: the key argument, or (when it is empty) everything after KEYS.
fn migrate_keys(args: &[Bytes]) -> Vec<KeyRef> {
    const FLAGS: &[&str] = &["RW", "access", "delete"];
    let mut first = 3;
    let mut count = 1;
    let mut i = 6;
    while let Some(a) = args.get(i) {
        if is(a, "keys") {
            if args.get(3).is_some_and(|k| !k.is_empty()) {
                count = 0;
            } else {
                first = i + 1;
                count = args.len() - first;
            }
            break;
        }
        if is(a, "auth") {
            i += 1;
        } else if is(a, "auth2") {
            i += 2;
        }
        i += 1;
    }
    (first..first + count)
        .map(|pos| KeyRef { pos, flags: FLAGS })
        .collect()
}

fn getkeys(ctx: &mut Ctx<'_>, args: &[Bytes], with_flags: bool) -> CmdResult {
    let line = args.get(2..).unwrap_or_default();
    let invalid = || CmdError::err("Invalid command specified");
    let top = line
        .first()
        .and_then(|name| lookup(name))
        .ok_or_else(invalid)?;
    let spec = match line.get(1) {
        Some(sub) if !top.subcommands.is_empty() => top.subcommand(sub).ok_or_else(invalid)?,
        _ => top,
    };
    let has_keys = spec.key_specs.iter().any(|ks| !has(ks.flags, "not_key"));
    if !has_keys {
        return Err(CmdError::err("The command has no key arguments"));
    }
    if !spec.arity_ok(line.len()) {
        return Err(CmdError::err(
            "Invalid number of arguments specified for command",
        ));
    }
    let keys = match key_refs(spec, line) {
        Ok(keys) if !keys.is_empty() => keys,
        _ if spec.has_flag("no_mandatory_keys") => Vec::new(),
        Ok(_) | Err(_) => return Err(CmdError::err(KeysError::InvalidArguments.to_string())),
    };
    ctx.out.array(keys.len());
    for k in keys {
        let name = line.get(k.pos).map_or(&[][..], |a| &a[..]);
        if with_flags {
            ctx.out.array(2);
            ctx.out.bulk(name);
            status_set(&mut ctx.out, k.flags);
        } else {
            ctx.out.bulk(name);
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::BytesMut;

    fn run(handler: super::super::spec::Handler, line: &[&str], proto: u8) -> Vec<u8> {
        let args: Vec<Bytes> = line
            .iter()
            .map(|s| Bytes::copy_from_slice(s.as_bytes()))
            .collect();
        let mut buf = BytesMut::new();
        let mut eng = crate::server::state::Engine::new(crate::config::Config::default(), 0);
        let mb = std::sync::Arc::new(crate::server::mailbox::Mailbox::new());
        let mut client =
            crate::server::state::Client::new(1, String::new(), String::new(), 0, false, mb, 0);
        let mut ctx = Ctx {
            eng: &mut eng,
            client: &mut client,
            out: Reply::new(&mut buf, proto),
        };
        if let Err(e) = handler(&mut ctx, &args) {
            ctx.out.error(&e);
        }
        buf.to_vec()
    }

    fn all_specs() -> Vec<(&'static CommandSpec, String)> {
        let mut v = Vec::new();
        for c in table::COMMANDS {
            v.push((c, c.name.to_string()));
            for s in c.subcommands {
                v.push((s, format!("{}|{}", c.name, s.name)));
            }
        }
        v
    }

    #[test]
    fn table_is_sorted_unique_and_lowercase() {
        let names: Vec<&str> = table::COMMANDS.iter().map(|c| c.name).collect();
        assert!(
            names.windows(2).all(|w| w[0] < w[1]),
            "top level not sorted/unique"
        );
        for c in table::COMMANDS {
            assert!(
                c.subcommands.windows(2).all(|w| w[0].name < w[1].name),
                "{} subcommands not sorted/unique",
                c.name
            );
        }
        for (spec, full) in all_specs() {
            assert!(!spec.name.is_empty(), "{full}");
            assert!(
                spec.name
                    .bytes()
                    .all(|b| !b.is_ascii_uppercase() && b != b' ' && b != b'|'),
                "{full} is not a lower-case single word"
            );
            assert!(spec.name.len() <= 32, "{full} is too long for lookup()");
        }
    }

    #[test]
    fn arity_and_key_ranges_are_consistent() {
        for (spec, full) in all_specs() {
            assert!(spec.arity != 0, "{full}: arity 0");
            let min_argc = spec.arity.unsigned_abs() as i32;
            let (f, l, s) = (spec.first_key, spec.last_key, spec.step);
            if f == 0 {
                assert!(l == 0 && s == 0, "{full}: no first key but last/step set");
                assert!(
                    spec.key_specs.is_empty()
                        || spec.has_flag("movablekeys")
                        || spec.key_specs.iter().all(|k| has(k.flags, "not_key")),
                    "{full}: key specs but no legacy range or movablekeys"
                );
            } else {
                assert!(f > 0 && s > 0, "{full}: bad first/step");
                assert!(l < 0 || l >= f, "{full}: last before first");
                // SUNSUBSCRIBE's channels are optional yet declared as keys (Redis 7.0's own
                // table says so: arity -1, first key 1).
                assert!(
                    f < min_argc || full == "sunsubscribe",
                    "{full}: first key beyond the minimum argument count"
                );
                if spec.arity > 0 && l > 0 {
                    assert!(l < spec.arity, "{full}: last key beyond the arity");
                }
                assert!(
                    !spec.key_specs.is_empty(),
                    "{full}: legacy range without key specs"
                );
            }
            for ks in spec.key_specs {
                match ks.begin {
                    BeginSearch::Index(i) => assert!(i > 0, "{full}: begin index {i}"),
                    BeginSearch::Keyword { keyword, startfrom } => {
                        assert!(
                            !keyword.is_empty() && startfrom != 0,
                            "{full}: keyword spec"
                        )
                    }
                    BeginSearch::Unknown => {}
                }
                match ks.find {
                    FindKeys::Range { step, limit, .. } => {
                        assert!(step > 0 && limit >= 0, "{full}: range step/limit")
                    }
                    FindKeys::Keynum { step, .. } => assert!(step > 0, "{full}: keynum step"),
                    FindKeys::Unknown => {}
                }
            }
            // Every key argument points at an existing key spec.
            fn walk(args: &[Arg], n: usize, full: &str) {
                for a in args {
                    if a.kind == ArgKind::Key {
                        assert!(
                            a.key_spec_index >= 0 && (a.key_spec_index as usize) < n,
                            "{full}: key arg {} has spec index {}",
                            a.name,
                            a.key_spec_index
                        );
                    } else if a.kind == ArgKind::Pattern && a.key_spec_index >= 0 {
                        // SORT's BY and GET patterns name keys, so Redis ties them to key specs.
                        assert!(
                            (a.key_spec_index as usize) < n,
                            "{full}: pattern arg {}",
                            a.name
                        );
                    } else {
                        assert_eq!(a.key_spec_index, -1, "{full}: non-key arg {}", a.name);
                    }
                    let nested = matches!(a.kind, ArgKind::OneOf | ArgKind::Block);
                    assert_eq!(nested, !a.children.is_empty(), "{full}: arg {}", a.name);
                    walk(a.children, n, full);
                }
            }
            walk(spec.args, spec.key_specs.len(), &full);
        }
    }

    #[test]
    fn handlers_follow_the_container_rule() {
        for c in table::COMMANDS {
            if c.subcommands.is_empty() {
                assert!(c.handler.is_some(), "{} has no handler", c.name);
            } else {
                // A container whose bare form is valid (COMMAND) has a handler; the others don't.
                assert_eq!(c.handler.is_some(), c.arity == -1, "{}", c.name);
                for s in c.subcommands {
                    assert!(s.handler.is_some(), "{}|{} has no handler", c.name, s.name);
                    assert!(s.subcommands.is_empty());
                }
            }
        }
    }

    #[test]
    fn count_and_lookup() {
        assert_eq!(
            run(command_count, &["command", "count"], 2),
            format!(":{}\r\n", table::COMMANDS.len()).into_bytes()
        );
        assert!(lookup_full(b"CLIENT|List").is_some_and(|(_, f)| f == "client|list"));
        assert!(lookup_full(b"get|x").is_none());
        assert!(lookup_full(b"client|list|x").is_none());
        assert!(lookup_full(b"").is_none());
        assert!(lookup_full(b"client|").is_none());
    }

    #[test]
    fn info_shapes() {
        let get = run(command_info, &["command", "info", "get", "nope"], 2);
        let expect = "*2\r\n*10\r\n$3\r\nget\r\n:2\r\n*2\r\n+readonly\r\n+fast\r\n:1\r\n:1\r\n:1\r\n\
            *3\r\n+@read\r\n+@string\r\n+@fast\r\n*0\r\n*1\r\n*6\r\n$5\r\nflags\r\n*2\r\n+RO\r\n\
            +access\r\n$12\r\nbegin_search\r\n*4\r\n$4\r\ntype\r\n$5\r\nindex\r\n$4\r\nspec\r\n*2\r\n\
            $5\r\nindex\r\n:1\r\n$9\r\nfind_keys\r\n*4\r\n$4\r\ntype\r\n$5\r\nrange\r\n$4\r\nspec\r\n\
            *6\r\n$7\r\nlastkey\r\n:0\r\n$7\r\nkeystep\r\n:1\r\n$5\r\nlimit\r\n:0\r\n*0\r\n$-1\r\n";
        assert_eq!(String::from_utf8_lossy(&get), expect);
        let r3 = run(command_info, &["command", "info", "nope"], 3);
        assert_eq!(r3, b"*1\r\n_\r\n");
    }

    #[test]
    fn docs_shapes() {
        let r = run(command_docs, &["command", "docs", "nope", "echo"], 3);
        let s = String::from_utf8_lossy(&r);
        assert!(
            s.starts_with("%1\r\n$4\r\necho\r\n%5\r\n$7\r\nsummary\r\n"),
            "{s}"
        );
        assert!(s.ends_with("$9\r\narguments\r\n*1\r\n%2\r\n$4\r\nname\r\n$7\r\nmessage\r\n$4\r\ntype\r\n$6\r\nstring\r\n"), "{s}");
        let r = run(command_docs, &["command", "docs", "nope"], 2);
        assert_eq!(r, b"*0\r\n");
    }

    #[test]
    fn list_filters() {
        let all = run(command_list, &["command", "list"], 2);
        let n = table::COMMANDS.len()
            + table::COMMANDS
                .iter()
                .map(|c| c.subcommands.len())
                .sum::<usize>();
        assert!(all.starts_with(format!("*{n}\r\n").as_bytes()));
        let pat = run(
            command_list,
            &["command", "list", "filterby", "pattern", "CLIENT|L*"],
            2,
        );
        assert_eq!(pat, b"*1\r\n$11\r\nclient|list\r\n");
        let acl = run(
            command_list,
            &["command", "list", "FILTERBY", "aclcat", "BITMAP"],
            2,
        );
        assert!(
            acl.starts_with(b"*7\r\n"),
            "{}",
            String::from_utf8_lossy(&acl)
        );
        assert_eq!(
            run(
                command_list,
                &["command", "list", "filterby", "module", "x"],
                2
            ),
            b"*0\r\n"
        );
        assert_eq!(
            run(
                command_list,
                &["command", "list", "filterby", "aclcat", "nope"],
                2
            ),
            b"*0\r\n"
        );
        for bad in [
            &["command", "list", "filterby"][..],
            &["command", "list", "filterby", "pattern"],
            &["command", "list", "filterby", "nope", "x"],
            &["command", "list", "filterby", "pattern", "x", "y"],
            &["command", "list", "x", "pattern", "y"],
        ] {
            assert_eq!(
                run(command_list, bad, 2),
                b"-ERR syntax error\r\n",
                "{bad:?}"
            );
        }
    }

    fn keys(line: &[&str]) -> String {
        let mut l = vec!["command", "getkeysandflags"];
        l.extend_from_slice(line);
        String::from_utf8_lossy(&run(command_getkeysandflags, &l, 2)).into_owned()
    }

    #[test]
    fn getkeys_errors_and_flags() {
        assert_eq!(keys(&["nope", "x"]), "-ERR Invalid command specified\r\n");
        assert_eq!(
            keys(&["config", "nope"]),
            "-ERR Invalid command specified\r\n"
        );
        assert_eq!(
            keys(&["ping", "x"]),
            "-ERR The command has no key arguments\r\n"
        );
        assert_eq!(
            keys(&["client", "list"]),
            "-ERR The command has no key arguments\r\n"
        );
        assert_eq!(
            keys(&["get", "a", "b"]),
            "-ERR Invalid number of arguments specified for command\r\n"
        );
        assert_eq!(
            keys(&["set", "k", "v"]),
            "*1\r\n*2\r\n$1\r\nk\r\n*2\r\n+OW\r\n+update\r\n"
        );
        assert_eq!(
            keys(&["set", "k", "v", "get"]),
            "*1\r\n*2\r\n$1\r\nk\r\n*3\r\n+RW\r\n+access\r\n+update\r\n"
        );
        assert_eq!(
            keys(&["bitfield", "k", "get", "u8", "0"]),
            "*1\r\n*2\r\n$1\r\nk\r\n*2\r\n+RO\r\n+access\r\n"
        );
        let mset = run(
            command_getkeys,
            &["command", "getkeys", "mset", "a", "1", "b", "2"],
            2,
        );
        assert_eq!(mset, b"*2\r\n$1\r\na\r\n$1\r\nb\r\n");
        let mset = run(
            command_getkeys,
            &["command", "getkeys", "mset", "a", "1", "b"],
            2,
        );
        assert_eq!(mset, b"*2\r\n$1\r\na\r\n$1\r\nb\r\n");
    }

    #[test]
    fn key_positions_from_specs() {
        let line = |l: &[&str]| -> Vec<Bytes> {
            l.iter()
                .map(|s| Bytes::copy_from_slice(s.as_bytes()))
                .collect()
        };
        let del = lookup(b"del").unwrap_or_else(|| panic!("no del"));
        assert_eq!(
            key_positions(del, &line(&["del", "a", "b", "c"])),
            Ok(vec![1, 2, 3])
        );
        let copy = lookup(b"copy").unwrap_or_else(|| panic!("no copy"));
        assert_eq!(
            key_positions(copy, &line(&["copy", "a", "b", "db", "1"])),
            Ok(vec![1, 2])
        );
        let ping = lookup(b"ping").unwrap_or_else(|| panic!("no ping"));
        assert_eq!(key_positions(ping, &line(&["ping"])), Ok(vec![]));
        // A synthetic numkeys command, as the data-type commands will have.
        let spec = CommandSpec {
            name: "zzz",
            key_specs: &[
                KeySpec {
                    flags: &["RO"],
                    begin: BeginSearch::Index(1),
                    find: FindKeys::Keynum {
                        keynumidx: 0,
                        firstkey: 1,
                        step: 1,
                    },
                },
                KeySpec {
                    flags: &["OW"],
                    begin: BeginSearch::Keyword {
                        keyword: "STORE",
                        startfrom: -2,
                    },
                    find: FindKeys::Range {
                        lastkey: 0,
                        step: 1,
                        limit: 0,
                    },
                },
            ],
            ..*ping
        };
        assert_eq!(
            key_positions(&spec, &line(&["zzz", "2", "a", "b", "x"])),
            Ok(vec![2, 3])
        );
        assert_eq!(
            key_positions(&spec, &line(&["zzz", "1", "a", "STORE", "d"])),
            Ok(vec![2, 4])
        );
        for bad in [
            &["zzz", "3", "a", "b"][..],
            &["zzz", "0", "a"],
            &["zzz", "x", "a"],
            &["zzz", "-1"],
        ] {
            assert_eq!(
                key_positions(&spec, &line(bad)),
                Err(KeysError::InvalidArguments),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn dedicated_key_finders() {
        let line = |l: &[&str]| -> Vec<Bytes> {
            l.iter()
                .map(|s| Bytes::copy_from_slice(s.as_bytes()))
                .collect()
        };
        let pos = |v: Vec<KeyRef>| v.into_iter().map(|k| k.pos).collect::<Vec<_>>();
        // The last STORE wins; values of LIMIT/GET/BY are never options.
        assert_eq!(
            pos(sort_keys(&line(&["sort", "k", "store", "a", "store", "b"]))),
            [1, 5]
        );
        assert_eq!(
            pos(sort_keys(&line(&[
                "sort", "k", "by", "store", "get", "store"
            ]))),
            [1]
        );
        assert_eq!(
            pos(sort_keys(&line(&[
                "sort", "k", "limit", "store", "1", "store"
            ]))),
            [1]
        );
        assert_eq!(
            pos(migrate_keys(&line(&["migrate", "h", "1", "k", "0", "5"]))),
            [3]
        );
        let m = line(&[
            "migrate", "h", "1", "", "0", "5", "auth2", "u", "keys", "keys", "a",
        ]);
        assert_eq!(pos(migrate_keys(&m)), [10]);
        let m = line(&["migrate", "h", "1", "k", "0", "5", "keys", "a"]);
        assert_eq!(pos(migrate_keys(&m)), Vec::<usize>::new());
        assert_eq!(
            pos(numkeys_keys(
                &line(&["zunionstore", "d", "02", "a", "b"]),
                1,
                2,
                3
            )),
            [3, 4, 1]
        );
        assert!(numkeys_keys(&line(&["eval", "s", "3", "a"]), 0, 2, 3).is_empty());
        assert_eq!(
            [atoi(b" +12x"), atoi(b"-3"), atoi(b"x1"), atoi(b"\x0b7")],
            [12, -3, 0, 7]
        );
        assert!(bitfield_readonly(&line(&[
            "bitfield", "k", "get", "u8", "0", "overflow", "sat"
        ])));
        assert!(!bitfield_readonly(&line(&["bitfield", "k", "get", "u8"])));
        assert!(!bitfield_readonly(&line(&[
            "bitfield", "k", "incrby", "u8", "0", "1"
        ])));
    }

    #[test]
    fn keyword_range_with_limit() {
        // XREAD-like: keys after STREAMS take up half of the rest of the line.
        let ping = lookup(b"ping").unwrap_or_else(|| panic!("no ping"));
        let spec = CommandSpec {
            key_specs: &[KeySpec {
                flags: &["RO"],
                begin: BeginSearch::Keyword {
                    keyword: "STREAMS",
                    startfrom: 1,
                },
                find: FindKeys::Range {
                    lastkey: -1,
                    step: 1,
                    limit: 2,
                },
            }],
            ..*ping
        };
        let line = |l: &[&str]| -> Vec<Bytes> {
            l.iter()
                .map(|s| Bytes::copy_from_slice(s.as_bytes()))
                .collect()
        };
        let l = line(&["x", "count", "1", "streams", "a", "b", "0", "0"]);
        assert_eq!(key_positions(&spec, &l), Ok(vec![4, 5]));
        // The keyword is never taken from the last argument.
        assert_eq!(
            key_positions(&spec, &line(&["x", "a", "streams"])),
            Ok(vec![])
        );
    }

    #[test]
    fn help_shape() {
        let r = run(command_help, &["command", "help"], 2);
        assert!(r.starts_with(
            b"*19\r\n+COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n"
        ));
        assert!(r.ends_with(b"+HELP\r\n+    Prints this help.\r\n"));
    }
}
