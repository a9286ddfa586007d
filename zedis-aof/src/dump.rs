//! `dump` and `stats`: one streaming walk over the commands of every file (through the library's
//! `Reader`), tracking the database each command runs in (SELECT; every file starts in database
//! 0, as the server's replay client does) and the latest `#TS:` annotation. Memory is one command
//! (or one snapshot key) at a time plus the counters. `dump` shows a snapshot's keys as the
//! commands that rebuild them; `stats` counts only commands actually in the log.

use crate::args::DumpFormat;
use crate::input::{content, file_len, progress_bar, Content, Counting, Input};
use anyhow::Context;
use regex::bytes::Regex;
use std::collections::HashMap;
use std::fmt::Write as _;
use std::fs::File;
use std::io::{BufReader, Write};
use zedis::persist::aof::{encode_key, AofError, AofFile, Item, Reader};
use zedis::persist::{build, rdb, zdb, PersistError, Record, Visitor};

/// One command as the walk sees it.
pub struct Cmd<'a> {
    pub file: &'a AofFile,
    pub offset: u64,
    pub line: u64,
    pub db: u32,
    /// The latest `#TS:` annotation before the command, if any.
    pub ts: Option<i64>,
    pub argv: &'a [Vec<u8>],
    /// The command rebuilds a key of a snapshot (a snapshot base or an RDB preamble); `offset`
    /// is then where the key's record starts in the file.
    pub snapshot: bool,
}

impl Cmd<'_> {
    /// The first key the command names, per the command table.
    pub fn key(&self) -> Option<&[u8]> {
        let spec = zedis::commands::lookup(self.argv.first()?)?;
        let i = usize::try_from(spec.first_key).ok().filter(|&i| i > 0)?;
        self.argv.get(i).map(Vec::as_slice)
    }
}

/// Discards the records of an RDB preamble.
struct Discard;

impl Visitor for Discard {
    fn record(&mut self, _offset: u64, _rec: Record) -> Result<(), PersistError> {
        Ok(())
    }
}

/// Turns the keys of a snapshot into the commands that rebuild them (the library's
/// `encode_key`, read back with its `Reader`), one key at a time.
struct Expand<'a, F> {
    file: &'a AofFile,
    f: &'a mut F,
    buf: Vec<u8>,
    /// Why `f` stopped the read, handed back after it.
    stopped: Option<anyhow::Error>,
}

impl<F: FnMut(&Cmd) -> anyhow::Result<()>> Visitor for Expand<'_, F> {
    fn record(&mut self, offset: u64, rec: Record) -> Result<(), PersistError> {
        let Record::Key(k) = rec else {
            return Ok(());
        };
        self.buf.clear();
        encode_key(&mut self.buf, &k.key, &k.value, k.expire_at_ms);
        let mut rd = Reader::new(&self.buf[..]);
        while let Some(item) = rd
            .next()
            .map_err(|e| PersistError::Rejected(e.to_string()))?
        {
            if let Item::Command { argv, .. } = item {
                let c = Cmd {
                    file: self.file,
                    offset,
                    line: 0,
                    db: k.db,
                    ts: None,
                    argv: &argv,
                    snapshot: true,
                };
                if let Err(e) = (self.f)(&c) {
                    self.stopped = Some(e);
                    return Err(PersistError::Rejected("stopped".into()));
                }
            }
        }
        Ok(())
    }
}

/// Reads a snapshot (a whole file, or the preamble `read` reads) through `Expand` when keys are
/// wanted, else through `Discard`.
fn snapshot_keys<F: FnMut(&Cmd) -> anyhow::Result<()>>(
    file: &AofFile,
    f: &mut F,
    expand: bool,
    read: impl FnOnce(&mut dyn Visitor) -> Result<(), PersistError>,
) -> anyhow::Result<()> {
    if !expand {
        return read(&mut Discard)
            .with_context(|| format!("reading the snapshot in {}", file.path.display()));
    }
    let mut v = Expand {
        file,
        f,
        buf: Vec::new(),
        stopped: None,
    };
    let r = read(&mut v);
    if let Some(e) = v.stopped {
        return Err(e);
    }
    r.with_context(|| format!("reading the snapshot in {}", file.path.display()))
}

/// Walks every command of `input` in loading order. The keys of a snapshot (base file or RDB
/// preamble) are given as the commands that rebuild them when `expand`, else skipped and
/// reported to `on_snapshot`. A torn end of the last file ends the walk with a warning on
/// stderr; any other damage stops it with the library's error.
pub fn walk(
    input: &Input,
    progress: bool,
    expand: bool,
    mut on_snapshot: impl FnMut(&AofFile),
    mut f: impl FnMut(&Cmd) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let bar = progress_bar(input.total_bytes(), progress);
    let mut ts = None;
    let lim = build::Limits::default();
    for (i, file) in input.files.iter().enumerate() {
        let io = |e| AofError::Io {
            file: Some(file.path.clone()),
            source: e,
        };
        let kind = content(file).map_err(io)?;
        let r = BufReader::with_capacity(
            256 << 10,
            Counting {
                inner: File::open(&file.path).map_err(io)?,
                bar: bar.clone(),
            },
        );
        if kind != Content::Resp {
            if !expand {
                on_snapshot(file);
                if let Some(b) = &bar {
                    b.inc(file_len(&file.path));
                }
                continue;
            }
            snapshot_keys(file, &mut f, expand, |v| match kind {
                Content::Zdb => {
                    zdb::read(r, &mut VisitorRef(v), &lim, zdb::Mode::Strict).map(|_| ())
                }
                _ => rdb::read(r, &mut VisitorRef(v), &lim).map(|_| ()),
            })?;
            continue;
        }
        let mut rd = Reader::new(r).with_file(&file.path);
        let mut db = 0u32;
        let last = i + 1 == input.files.len();
        loop {
            let item = match rd.next() {
                Ok(item) => item,
                // A torn end of the last file is what a crash leaves; the server loads what
                // precedes it (aof-load-truncated), so the listing does too, and says so.
                Err(AofError::Truncated { offset, eof, .. }) if last => {
                    eprintln!(
                        "zedis-aof: {} ends with a torn command at byte {offset} ({} byte(s) not listed; `zedis-aof fix` cuts them)",
                        file.path.display(),
                        eof.saturating_sub(offset)
                    );
                    break;
                }
                Err(e) => return Err(e.in_file(&file.path).into()),
            };
            match item {
                None => break,
                Some(Item::RdbPreamble) => {
                    if !expand {
                        on_snapshot(file);
                    }
                    snapshot_keys(file, &mut f, expand, |v| {
                        rd.read_preamble(&mut VisitorRef(v), &lim)
                            .map(|_| ())
                            .map_err(|e| match e {
                                AofError::Rdb { source, .. } => source,
                                other => PersistError::Rejected(other.to_string()),
                            })
                    })?;
                }
                Some(Item::Timestamp { secs, .. }) => ts = Some(secs),
                Some(Item::Annotation { .. }) => {}
                Some(Item::Command { offset, line, argv }) => {
                    let c = Cmd {
                        file,
                        offset,
                        line,
                        db,
                        ts,
                        argv: &argv,
                        snapshot: false,
                    };
                    f(&c)?;
                    if argv.len() == 2 && argv[0].eq_ignore_ascii_case(b"select") {
                        if let Some(n) = std::str::from_utf8(&argv[1])
                            .ok()
                            .and_then(|s| s.parse().ok())
                        {
                            db = n;
                        }
                    }
                }
            }
        }
    }
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    Ok(())
}

/// Lets a `&mut dyn Visitor` go where the readers take `&mut impl Visitor`.
struct VisitorRef<'a>(&'a mut dyn Visitor);

impl Visitor for VisitorRef<'_> {
    fn record(&mut self, offset: u64, rec: Record) -> Result<(), PersistError> {
        self.0.record(offset, rec)
    }
}

/// Which commands `dump` lists.
pub struct Filter {
    key: Option<Regex>,
    commands: Vec<Vec<u8>>,
    db: Option<u32>,
    since: Option<i64>,
    until: Option<i64>,
}

impl Filter {
    pub fn new(
        key: Option<&str>,
        commands: &[String],
        db: Option<u32>,
        since: Option<i64>,
        until: Option<i64>,
    ) -> anyhow::Result<Filter> {
        let key = key
            .map(Regex::new)
            .transpose()
            .context("invalid --key regular expression")?;
        Ok(Filter {
            key,
            commands: commands
                .iter()
                .map(|c| c.to_ascii_lowercase().into_bytes())
                .collect(),
            db,
            since,
            until,
        })
    }

    /// `--since`: from the first annotation at or after it (commands before any annotation have
    /// no known time and are left out). `--until`: up to the first annotation later than it, the
    /// point `truncate-to-timestamp` would cut at.
    pub fn accepts(&self, c: &Cmd) -> bool {
        if self.db.is_some_and(|d| d != c.db) {
            return false;
        }
        if let Some(s) = self.since {
            if c.ts.is_none_or(|t| t < s) {
                return false;
            }
        }
        if let (Some(u), Some(t)) = (self.until, c.ts) {
            if t > u {
                return false;
            }
        }
        if !self.commands.is_empty() {
            let name = c.argv.first().map(|n| n.to_ascii_lowercase());
            if !self.commands.iter().any(|w| Some(w) == name.as_ref()) {
                return false;
            }
        }
        if let Some(re) = &self.key {
            if !c.key().is_some_and(|k| re.is_match(k)) {
                return false;
            }
        }
        true
    }
}

/// Text for one argument: as is when it is printable UTF-8 without quotes, spaces or
/// backslashes, else quoted with escapes (`\n`, `\xNN`), as redis-cli shows binary data.
pub fn show_arg(a: &[u8], quote_always: bool) -> String {
    let plain = std::str::from_utf8(a).ok().filter(|s| {
        !s.is_empty()
            && s.chars()
                .all(|ch| !ch.is_control() && !ch.is_whitespace() && ch != '"' && ch != '\\')
    });
    match plain {
        Some(s) if !quote_always => s.to_string(),
        _ => {
            let mut out = String::from("\"");
            out.push_str(&escape(a));
            out.push('"');
            out
        }
    }
}

/// Escapes bytes into a string that names them exactly: UTF-8 text stays, other bytes become
/// `\xNN`, and `\\`, `"` and control characters are escaped.
pub fn escape(a: &[u8]) -> String {
    let mut out = String::with_capacity(a.len());
    for chunk in a.utf8_chunks() {
        for ch in chunk.valid().chars() {
            match ch {
                '\\' => out.push_str("\\\\"),
                '"' => out.push_str("\\\""),
                '\n' => out.push_str("\\n"),
                '\r' => out.push_str("\\r"),
                '\t' => out.push_str("\\t"),
                c if c.is_control() => {
                    let _ = write!(out, "\\x{:02x}", c as u32);
                }
                c => out.push(c),
            }
        }
        for b in chunk.invalid() {
            let _ = write!(out, "\\x{b:02x}");
        }
    }
    out
}

/// Lists the commands `filter` accepts; returns how many.
pub fn dump(
    input: &Input,
    mut out: impl Write,
    format: DumpFormat,
    filter: &Filter,
    progress: bool,
) -> anyhow::Result<u64> {
    let mut n = 0u64;
    if format == DumpFormat::Json {
        out.write_all(b"[")?;
    }
    let mut line = String::new();
    walk(
        input,
        progress,
        true,
        |_| {},
        |c| {
            if !filter.accepts(c) {
                return Ok(());
            }
            line.clear();
            match format {
                DumpFormat::Text => {
                    let ts = c.ts.map(|t| t.to_string()).unwrap_or_else(|| "-".into());
                    let _ = write!(line, "{}:{} db={} ts={ts}", c.file.name, c.offset, c.db);
                    if c.snapshot {
                        line.push_str(" snapshot");
                    }
                    for a in c.argv {
                        line.push(' ');
                        line.push_str(&show_arg(a, false));
                    }
                    line.push('\n');
                }
                DumpFormat::Json | DumpFormat::Jsonl => {
                    let args: Vec<String> = c.argv.iter().map(|a| escape(a)).collect();
                    let v = serde_json::json!({
                        "file": c.file.name,
                        "offset": c.offset,
                        "line": c.line,
                        "db": c.db,
                        "ts": c.ts,
                        "snapshot": c.snapshot,
                        "argv": args,
                    });
                    if format == DumpFormat::Json && n > 0 {
                        line.push(',');
                    }
                    line.push_str(&v.to_string());
                    line.push('\n');
                }
            }
            out.write_all(line.as_bytes())?;
            n += 1;
            Ok(())
        },
    )?;
    if format == DumpFormat::Json {
        out.write_all(b"]\n")?;
    }
    out.flush()?;
    Ok(n)
}

/// What `stats` found.
#[derive(Debug, Default)]
pub struct Stats {
    /// (name, bytes, kind) of every file.
    pub files: Vec<(String, u64, &'static str)>,
    pub commands: u64,
    pub per_command: HashMap<String, u64>,
    pub per_group: HashMap<&'static str, u64>,
    /// Commands and the bytes of their arguments, per key prefix.
    pub per_prefix: HashMap<Vec<u8>, (u64, u64)>,
    pub timestamps: (Option<i64>, Option<i64>),
    pub snapshots: u64,
    /// What a rewrite would write (RESP), when measured.
    pub rewrite_size: Option<u64>,
    prefix_sep: Vec<u8>,
}

/// Distinct prefixes kept at most; the rest are counted under "(other)" so memory stays flat.
const MAX_PREFIXES: usize = 10_000;

pub fn stats(input: &Input, prefix_sep: &str, progress: bool) -> anyhow::Result<Stats> {
    let mut s = Stats {
        prefix_sep: prefix_sep.as_bytes().to_vec(),
        ..Stats::default()
    };
    for f in &input.files {
        let kind = match f.kind {
            zedis::persist::aof::FileKind::Base => "base",
            zedis::persist::aof::FileKind::Incr => "incr",
            zedis::persist::aof::FileKind::History => "history",
        };
        s.files.push((f.name.clone(), file_len(&f.path), kind));
    }
    let mut snapshots = 0;
    let sep = s.prefix_sep.clone();
    let mut first_ts = None;
    let mut last_ts = None;
    walk(
        input,
        progress,
        false,
        |_| snapshots += 1,
        |c| {
            s.commands += 1;
            if let Some(t) = c.ts {
                first_ts.get_or_insert(t);
                last_ts = Some(t);
            }
            let name = c
                .argv
                .first()
                .map(|n| String::from_utf8_lossy(n).to_ascii_lowercase())
                .unwrap_or_default();
            let group = c
                .argv
                .first()
                .and_then(|n| zedis::commands::lookup(n))
                .map_or("unknown", |sp| sp.group.name());
            *s.per_group.entry(group).or_default() += 1;
            if s.per_command.len() < MAX_PREFIXES || s.per_command.contains_key(&name) {
                *s.per_command.entry(name).or_default() += 1;
            } else {
                *s.per_command.entry("(other)".into()).or_default() += 1;
            }
            if let Some(k) = c.key() {
                let p = prefix(k, &sep).to_vec();
                let bytes: u64 = c.argv.iter().map(|a| a.len() as u64).sum();
                let slot = if s.per_prefix.len() < MAX_PREFIXES || s.per_prefix.contains_key(&p) {
                    p
                } else {
                    b"(other)".to_vec()
                };
                let e = s.per_prefix.entry(slot).or_default();
                e.0 += 1;
                e.1 += bytes;
            }
            Ok(())
        },
    )?;
    s.snapshots = snapshots;
    s.timestamps = (first_ts, last_ts);
    Ok(s)
}

/// The part of `key` up to and including the first `sep` (the whole key when there is none).
fn prefix<'a>(key: &'a [u8], sep: &[u8]) -> &'a [u8] {
    if sep.is_empty() {
        return key;
    }
    key.windows(sep.len())
        .position(|w| w == sep)
        .map_or(key, |i| &key[..i + sep.len()])
}

impl Stats {
    pub fn total_bytes(&self) -> u64 {
        self.files.iter().map(|f| f.1).sum()
    }

    pub fn render(&self, top: usize) -> String {
        let mut s = String::new();
        let _ = writeln!(s, "files:");
        for (name, bytes, kind) in &self.files {
            let _ = writeln!(s, "  {kind:<7} {bytes:>14}  {name}");
        }
        let total = self.total_bytes();
        let _ = writeln!(s, "  total   {total:>14}");
        let _ = writeln!(s, "commands: {}", self.commands);
        if self.snapshots > 0 {
            let _ = writeln!(
                s,
                "snapshots: {} (their keys are not counted as commands)",
                self.snapshots
            );
        }
        if let (Some(a), Some(b)) = self.timestamps {
            let _ = writeln!(s, "timestamps: {a} .. {b}");
        }
        let _ = writeln!(s, "per type:");
        for (g, n) in sorted(self.per_group.iter().map(|(k, v)| (k.to_string(), *v)), top) {
            let _ = writeln!(s, "  {g:<16} {n:>12}");
        }
        let _ = writeln!(s, "per command:");
        for (c, n) in sorted(self.per_command.iter().map(|(k, v)| (k.clone(), *v)), top) {
            let _ = writeln!(s, "  {c:<16} {n:>12}");
        }
        let _ = writeln!(s, "per key prefix (commands, argument bytes):");
        let mut p: Vec<_> = self.per_prefix.iter().collect();
        p.sort_by(|a, b| b.1 .1.cmp(&a.1 .1).then_with(|| a.0.cmp(b.0)));
        for (k, (n, bytes)) in p.into_iter().take(top) {
            let _ = writeln!(s, "  {:<24} {n:>12} {bytes:>14}", show_arg(k, false));
        }
        if let Some(r) = self.rewrite_size {
            let saved = total.saturating_sub(r);
            let pct = if total > 0 {
                saved as f64 * 100.0 / total as f64
            } else {
                0.0
            };
            let _ = writeln!(
                s,
                "rewrite: {r} bytes as RESP (saves {saved} bytes, {pct:.1}%)"
            );
        }
        s
    }
}

fn sorted(it: impl Iterator<Item = (String, u64)>, top: usize) -> Vec<(String, u64)> {
    let mut v: Vec<_> = it.collect();
    v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    v.truncate(top);
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_names_every_byte() {
        assert_eq!(show_arg(b"abc", false), "abc");
        assert_eq!(show_arg(b"a b", false), "\"a b\"");
        assert_eq!(show_arg(b"", false), "\"\"");
        assert_eq!(
            escape(b"\xff\x01\"\\\n\xc3\xa9"),
            "\\xff\\x01\\\"\\\\\\n\u{e9}"
        );
        assert_eq!(prefix(b"user:1:x", b":"), b"user:");
        assert_eq!(prefix(b"nokey", b":"), b"nokey");
    }
}
