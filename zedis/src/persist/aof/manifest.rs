//! The AOF manifest (`appendonly.aof.manifest` in `appenddirname`) and the file names of Redis 7's
//! multi-part AOF: parsing with exactly Redis's rules, writing in exactly Redis's form (so a
//! manifest zedis rewrites is byte-identical to the one Redis would write; the one exception is a
//! name with a `'`, quoted so that it reads back), the sequence-number
//! bookkeeping of a rewrite, atomic replacement on disk, and [`AofSet`], the files to load in
//! order. It knows nothing about what the files hold.
//!
//! The rules, as Redis 7.0 applies them: the file is read in chunks of at most 1024 bytes, each
//! chunk ending at a newline (a longer line is an error, and so is a last line without one); a
//! chunk starting with `#` is a comment; every other line, trimmed of spaces, tabs, CR and LF,
//! must hold an even number (at least six) of `sdssplitargs` words, read as key/value pairs in
//! any order (`file`, `seq`, `type`, case-insensitive; unknown keys ignored, a repeated key wins);
//! a blank line is an error; names may not contain `/` or `\`; a sequence is read like C's
//! `atoll` and must not be 0; at most one base; incr sequences strictly increase.

use super::AofError;
use crate::util::splitargs;
use std::fs;
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

/// Longest manifest line Redis reads (`MANIFEST_MAX_LINE`).
pub const MAX_LINE: usize = 1024;

/// The role a file plays (the manifest's `type`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FileKind {
    /// `b`: the snapshot or rewrite the incr files apply to.
    Base,
    /// `h`: replaced by a rewrite, waiting to be deleted.
    History,
    /// `i`: commands appended since the base, loaded in sequence order.
    Incr,
}

impl FileKind {
    /// The manifest's letter.
    pub fn as_char(self) -> char {
        match self {
            FileKind::Base => 'b',
            FileKind::History => 'h',
            FileKind::Incr => 'i',
        }
    }

    /// What a report calls it.
    pub fn describe(self) -> &'static str {
        match self {
            FileKind::Base => "base",
            FileKind::History => "history",
            FileKind::Incr => "incr",
        }
    }
}

/// What a base file holds, which is its name's last suffix.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BaseKind {
    /// A Redis RDB snapshot (`.base.rdb`, Redis with `aof-use-rdb-preamble yes`).
    Rdb,
    /// A native zedis snapshot (`.base.zdb`).
    Zdb,
    /// RESP commands (`.base.aof`).
    Aof,
}

impl BaseKind {
    fn suffix(self) -> &'static str {
        match self {
            BaseKind::Rdb => ".rdb",
            BaseKind::Zdb => ".zdb",
            BaseKind::Aof => ".aof",
        }
    }
}

/// `<appendfilename>.manifest`.
pub fn manifest_name(appendfilename: &str) -> String {
    format!("{appendfilename}.manifest")
}

/// `temp-<appendfilename>.manifest`, where a new manifest is written before the rename.
pub fn temp_manifest_name(appendfilename: &str) -> String {
    format!("temp-{appendfilename}.manifest")
}

/// `<appendfilename>.<seq>.base.<rdb|zdb|aof>`.
pub fn base_name(appendfilename: &str, seq: i64, kind: BaseKind) -> String {
    format!("{appendfilename}.{seq}.base{}", kind.suffix())
}

/// `<appendfilename>.<seq>.incr.aof`.
pub fn incr_name(appendfilename: &str, seq: i64) -> String {
    format!("{appendfilename}.{seq}.incr.aof")
}

/// `temp-<appendfilename>.incr`: where Redis accumulates writes while a rewrite started with the
/// AOF off is running.
pub fn temp_incr_name(appendfilename: &str) -> String {
    format!("temp-{appendfilename}.incr")
}

/// One line of the manifest.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ManifestEntry {
    /// A bare file name inside the AOF directory.
    pub name: String,
    pub seq: i64,
    pub kind: FileKind,
}

/// The manifest: entries in Redis's order (the base, then history files, then incr files), and
/// the current base and incr sequence numbers new names are drawn from.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Manifest {
    pub entries: Vec<ManifestEntry>,
    /// Sequence of the newest base (0 before the first); moves only with [`Manifest::new_base`]
    /// and parsing, as Redis's `curr_base_file_seq`.
    base_seq: i64,
    /// Sequence of the newest incr (0 before the first); Redis's `curr_incr_file_seq`.
    incr_seq: i64,
}

fn manifest_err(line: Option<usize>, text: Option<&[u8]>, what: &str) -> AofError {
    AofError::Manifest {
        file: None,
        line,
        text: text.map(|t| String::from_utf8_lossy(t).into_owned()),
        what: what.to_string(),
    }
}

/// C's `atoll` (glibc: leading white space, a sign, digits up to the first other byte,
/// saturating on overflow; nothing readable is 0).
fn atoll(s: &[u8]) -> i64 {
    let mut i = 0;
    while i < s.len() && splitargs::is_c_space(s[i]) {
        i += 1;
    }
    let neg = match s.get(i) {
        Some(b'-') => {
            i += 1;
            true
        }
        Some(b'+') => {
            i += 1;
            false
        }
        _ => false,
    };
    let mut v: i64 = 0;
    while let Some(d) = s.get(i).filter(|c| c.is_ascii_digit()) {
        let d = i64::from(d - b'0');
        v = match v.checked_mul(10).and_then(|x| {
            if neg {
                x.checked_sub(d)
            } else {
                x.checked_add(d)
            }
        }) {
            Some(x) => x,
            None => return if neg { i64::MIN } else { i64::MAX },
        };
        i += 1;
    }
    v
}

/// Cuts `s` at its first NUL, as a C string ends there.
fn c_str(s: &[u8]) -> &[u8] {
    match s.iter().position(|&b| b == 0) {
        Some(i) => &s[..i],
        None => s,
    }
}

fn trim(mut s: &[u8]) -> &[u8] {
    let set = |b: &u8| matches!(b, b' ' | b'\t' | b'\r' | b'\n');
    while s.first().is_some_and(set) {
        s = &s[1..];
    }
    while s.last().is_some_and(set) {
        s = &s[..s.len() - 1];
    }
    s
}

/// Whether a name is written quoted: Redis's `sdsneedsrepr` (a backslash, a double quote, a
/// space or an unprintable byte), plus a single quote, which Redis writes bare although its own
/// parser then reads it as an unbalanced quote and refuses the manifest.
fn needs_repr(s: &[u8]) -> bool {
    s.iter()
        .any(|&c| c == b'\\' || c == b'"' || c == b'\'' || !(c.is_ascii_graphic()))
}

impl Manifest {
    /// An empty manifest (no files yet).
    pub fn new() -> Manifest {
        Manifest::default()
    }

    /// Parses a manifest's bytes with Redis 7.0's rules (see the module notes).
    pub fn parse(data: &[u8]) -> Result<Manifest, AofError> {
        let mut base: Option<ManifestEntry> = None;
        let mut history = Vec::new();
        let mut incrs: Vec<ManifestEntry> = Vec::new();
        let mut max_incr_seq: i64 = 0;
        let mut linenum = 0usize;
        let mut pos = 0usize;
        while pos < data.len() {
            // fgets with a buffer of MAX_LINE + 1: at most MAX_LINE bytes, through a newline.
            let window = &data[pos..data.len().min(pos + MAX_LINE)];
            let chunk = match window.iter().position(|&b| b == b'\n') {
                Some(i) => &window[..=i],
                None => window,
            };
            pos += chunk.len();
            linenum += 1;
            if chunk.first() == Some(&b'#') {
                continue;
            }
            let cstr = c_str(chunk);
            if !cstr.contains(&b'\n') {
                return Err(manifest_err(
                    Some(linenum),
                    None,
                    "the line is too long, or the last line has no newline",
                ));
            }
            let line = trim(cstr);
            let invalid = || manifest_err(Some(linenum), Some(line), "invalid line format");
            if line.is_empty() {
                return Err(invalid());
            }
            let argv = splitargs::split_args_owned(line).ok_or_else(invalid)?;
            // At least six words; more (in pairs) are allowed for forward compatibility.
            if argv.len() < 6 || argv.len() % 2 != 0 {
                return Err(invalid());
            }
            let (mut name, mut seq, mut kind) = (None::<Vec<u8>>, 0i64, 0u8);
            for pair in argv.chunks_exact(2) {
                let (k, v) = (&pair[0], &pair[1]);
                if k.eq_ignore_ascii_case(b"file") {
                    let n = c_str(v);
                    if n.contains(&b'/') || n.contains(&b'\\') {
                        return Err(manifest_err(
                            Some(linenum),
                            Some(line),
                            "a file must be a bare name, not a path",
                        ));
                    }
                    name = Some(n.to_vec());
                } else if k.eq_ignore_ascii_case(b"seq") {
                    seq = atoll(c_str(v));
                } else if k.eq_ignore_ascii_case(b"type") {
                    kind = v.first().copied().unwrap_or(0);
                }
            }
            let (Some(name), true, true) = (name, seq != 0, kind != 0) else {
                return Err(invalid());
            };
            let name = String::from_utf8(name).map_err(|_| {
                manifest_err(Some(linenum), Some(line), "the file name is not UTF-8")
            })?;
            let entry = |kind| ManifestEntry { name, seq, kind };
            match kind {
                b'b' => {
                    if base.is_some() {
                        return Err(manifest_err(
                            Some(linenum),
                            Some(line),
                            "a second base file",
                        ));
                    }
                    base = Some(entry(FileKind::Base));
                }
                b'h' => history.push(entry(FileKind::History)),
                b'i' => {
                    if seq <= max_incr_seq {
                        return Err(manifest_err(
                            Some(linenum),
                            Some(line),
                            "incr sequence numbers must increase",
                        ));
                    }
                    max_incr_seq = seq;
                    incrs.push(entry(FileKind::Incr));
                }
                _ => {
                    return Err(manifest_err(
                        Some(linenum),
                        Some(line),
                        "unknown file type (b, h or i expected)",
                    ))
                }
            }
        }
        if linenum == 0 {
            return Err(manifest_err(None, None, "the manifest is empty"));
        }
        let base_seq = base.as_ref().map_or(0, |b| b.seq);
        let mut entries: Vec<ManifestEntry> = base.into_iter().collect();
        entries.extend(history);
        entries.extend(incrs);
        Ok(Manifest {
            entries,
            base_seq,
            incr_seq: max_incr_seq,
        })
    }

    /// The manifest Redis makes when it adopts a single-file AOF from before 7.0 (moved into
    /// the AOF directory under its own name): that file as base 1.
    pub fn upgrade(appendfilename: &str) -> Manifest {
        Manifest {
            entries: vec![ManifestEntry {
                name: appendfilename.to_string(),
                seq: 1,
                kind: FileKind::Base,
            }],
            base_seq: 1,
            incr_seq: 0,
        }
    }

    /// The manifest as Redis writes it: the base, then history files, then incr files, each
    /// `file <name> seq <n> type <c>\n`, with names quoted as `sdscatrepr` quotes them when they
    /// hold spaces, quotes, backslashes or unprintable bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(64 * self.entries.len());
        let mut seq = itoa::Buffer::new();
        for kind in [FileKind::Base, FileKind::History, FileKind::Incr] {
            for e in self.entries.iter().filter(|e| e.kind == kind) {
                out.extend_from_slice(b"file ");
                if needs_repr(e.name.as_bytes()) {
                    splitargs::repr_into(e.name.as_bytes(), &mut out);
                } else {
                    out.extend_from_slice(e.name.as_bytes());
                }
                out.extend_from_slice(b" seq ");
                out.extend_from_slice(seq.format(e.seq).as_bytes());
                out.extend_from_slice(b" type ");
                out.push(kind.as_char() as u8);
                out.push(b'\n');
            }
        }
        out
    }

    /// The base file, if any.
    pub fn base(&self) -> Option<&ManifestEntry> {
        self.entries.iter().find(|e| e.kind == FileKind::Base)
    }

    /// The incr files, in the order they are loaded.
    pub fn incrs(&self) -> impl Iterator<Item = &ManifestEntry> {
        self.entries.iter().filter(|e| e.kind == FileKind::Incr)
    }

    /// The history files (to be deleted).
    pub fn history(&self) -> impl Iterator<Item = &ManifestEntry> {
        self.entries.iter().filter(|e| e.kind == FileKind::History)
    }

    /// The files to load: the base, then the incr files.
    pub fn load_order(&self) -> impl Iterator<Item = &ManifestEntry> {
        self.base().into_iter().chain(self.incrs())
    }

    /// The sequence number the next base file gets. (Entries pushed by hand count too, so the
    /// counter never falls behind what the manifest lists.)
    pub fn next_base_seq(&self) -> i64 {
        let listed = self.base().map_or(0, |b| b.seq);
        self.base_seq.max(listed).saturating_add(1)
    }

    /// The sequence number the next incr file gets.
    pub fn next_incr_seq(&self) -> i64 {
        let listed = self.incrs().map(|e| e.seq).max().unwrap_or(0);
        self.incr_seq.max(listed).saturating_add(1)
    }

    /// A rewrite's new base: the current base (if any) becomes the first history file, and a
    /// base named for the next base sequence takes its place. Returns the new name.
    pub fn new_base(&mut self, appendfilename: &str, kind: BaseKind) -> String {
        if let Some(i) = self.entries.iter().position(|e| e.kind == FileKind::Base) {
            let mut old = self.entries.remove(i);
            old.kind = FileKind::History;
            let at = self.first_of(FileKind::History);
            self.entries.insert(at, old);
        }
        self.base_seq = self.next_base_seq();
        let name = base_name(appendfilename, self.base_seq, kind);
        self.entries.insert(
            0,
            ManifestEntry {
                name: name.clone(),
                seq: self.base_seq,
                kind: FileKind::Base,
            },
        );
        name
    }

    /// A new incr file after the others. Returns its name.
    pub fn new_incr(&mut self, appendfilename: &str) -> String {
        self.incr_seq = self.next_incr_seq();
        let name = incr_name(appendfilename, self.incr_seq);
        self.entries.push(ManifestEntry {
            name: name.clone(),
            seq: self.incr_seq,
            kind: FileKind::Incr,
        });
        name
    }

    /// After a successful rewrite: the incr files the new base covers become history (ahead of
    /// the older history files, in their order). `keep_last` keeps the newest one, the file the
    /// server is appending to.
    pub fn incrs_to_history(&mut self, keep_last: bool) {
        let incr_idx: Vec<usize> = (0..self.entries.len())
            .filter(|&i| self.entries[i].kind == FileKind::Incr)
            .collect();
        let moving = if keep_last {
            incr_idx.len().saturating_sub(1)
        } else {
            incr_idx.len()
        };
        let mut moved: Vec<ManifestEntry> = Vec::with_capacity(moving);
        for &i in incr_idx[..moving].iter().rev() {
            let mut e = self.entries.remove(i);
            e.kind = FileKind::History;
            moved.push(e);
        }
        moved.reverse();
        let at = self.first_of(FileKind::History);
        self.entries.splice(at..at, moved);
    }

    /// Removes the history entries and returns them (the files to delete).
    pub fn take_history(&mut self) -> Vec<ManifestEntry> {
        let (hist, keep) = std::mem::take(&mut self.entries)
            .into_iter()
            .partition(|e| e.kind == FileKind::History);
        self.entries = keep;
        hist
    }

    /// Index where entries of `kind` start (or would start) in Redis's order.
    fn first_of(&self, kind: FileKind) -> usize {
        let rank = |k: FileKind| match k {
            FileKind::Base => 0,
            FileKind::History => 1,
            FileKind::Incr => 2,
        };
        self.entries
            .iter()
            .position(|e| rank(e.kind) >= rank(kind))
            .unwrap_or(self.entries.len())
    }
}

/// Reads `dir/<appendfilename>.manifest`. `Ok(None)` when the directory or the manifest does not
/// exist (a server that never wrote an AOF, or one upgrading from a single-file AOF).
pub fn load(dir: &Path, appendfilename: &str) -> Result<Option<Manifest>, AofError> {
    let path = dir.join(manifest_name(appendfilename));
    match fs::metadata(&path) {
        Ok(m) if m.is_file() => {}
        Ok(_) => return Ok(None),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(AofError::io(Some(&path), e)),
    }
    let data = fs::read(&path).map_err(|e| AofError::io(Some(&path), e))?;
    Manifest::parse(&data)
        .map(Some)
        .map_err(|e| e.in_file(&path))
}

/// Replaces `dir/<appendfilename>.manifest` atomically: writes `temp-<appendfilename>.manifest`,
/// syncs it, renames it over the manifest and syncs the directory, so a crash leaves either the
/// old manifest or the new one, never a mix.
pub fn write_atomic(dir: &Path, appendfilename: &str, m: &Manifest) -> Result<(), AofError> {
    let tmp = dir.join(temp_manifest_name(appendfilename));
    let path = dir.join(manifest_name(appendfilename));
    let io = |p: &Path| {
        let p = p.to_path_buf();
        move |e| AofError::io(Some(&p), e)
    };
    let mut f = fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o644)
        .open(&tmp)
        .map_err(io(&tmp))?;
    f.write_all(&m.to_bytes()).map_err(io(&tmp))?;
    f.sync_data().map_err(io(&tmp))?;
    drop(f);
    fs::rename(&tmp, &path).map_err(io(&path))?;
    fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(io(dir))
}

/// One file to load, with its full path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AofFile {
    pub path: PathBuf,
    pub name: String,
    pub seq: i64,
    pub kind: FileKind,
}

/// An AOF directory's files in loading order (base, then incr files), each checked to exist.
#[derive(Clone, Debug)]
pub struct AofSet {
    pub dir: PathBuf,
    pub manifest: Manifest,
    pub files: Vec<AofFile>,
}

impl AofSet {
    /// Reads the manifest of `dir` and lists its base and incr files. A missing manifest, or a
    /// listed file that is not in the directory, is an error naming it (Redis refuses to load
    /// then). History files are not checked: nothing loads them.
    pub fn open(dir: &Path, appendfilename: &str) -> Result<AofSet, AofError> {
        let manifest = load(dir, appendfilename)?.ok_or_else(|| AofError::MissingManifest {
            path: dir.join(manifest_name(appendfilename)),
        })?;
        let mut files = Vec::new();
        for e in manifest.load_order() {
            let path = dir.join(&e.name);
            match fs::metadata(&path) {
                Ok(m) if m.is_file() => {}
                Ok(_) => {
                    return Err(AofError::MissingFile {
                        path,
                        kind: e.kind.describe(),
                    })
                }
                Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
                    return Err(AofError::MissingFile {
                        path,
                        kind: e.kind.describe(),
                    })
                }
                Err(err) => return Err(AofError::io(Some(&path), err)),
            }
            files.push(AofFile {
                path,
                name: e.name.clone(),
                seq: e.seq,
                kind: e.kind,
            });
        }
        Ok(AofSet {
            dir: dir.to_path_buf(),
            manifest,
            files,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Whatever names (bare, not NUL) and sequences a manifest holds, Redis's output form
        /// reads back to the same manifest.
        #[test]
        fn written_form_reads_back(
            base in prop::option::of((r"[^/\\\x00]{1,12}", 1i64..1000)),
            hist in prop::collection::vec((r"[^/\\\x00]{1,12}", 1i64..1000), 0..4),
            incr in prop::collection::vec((r"[^/\\\x00]{1,12}", 1i64..50), 0..4),
        ) {
            let mut m = Manifest::new();
            let mut add = |name: &String, seq, kind| m.entries.push(ManifestEntry {
                name: name.clone(),
                seq,
                kind,
            });
            if let Some((n, s)) = &base {
                add(n, *s, FileKind::Base);
            }
            for (n, s) in &hist {
                add(n, *s, FileKind::History);
            }
            let mut seq = 0;
            for (n, step) in &incr {
                seq += step;
                add(n, seq, FileKind::Incr);
            }
            let bytes = m.to_bytes();
            if bytes.is_empty() {
                return Ok(());
            }
            let back = Manifest::parse(&bytes).unwrap();
            prop_assert_eq!(&back.entries, &m.entries);
            prop_assert_eq!(back.to_bytes(), bytes);
        }
    }

    fn err_line(data: &[u8]) -> Option<usize> {
        match Manifest::parse(data) {
            Err(AofError::Manifest { line, .. }) => line,
            other => panic!("expected a manifest error, got {other:?}"),
        }
    }

    #[test]
    fn redis_rules() {
        let m = Manifest::parse(
            b"# comment\nseq 2 type b file appendonly.aof.2.base.rdb\nFILE \"a b.aof\" SEQ 3 TYPE i x y\n",
        )
        .unwrap();
        assert_eq!(m.base().unwrap().name, "appendonly.aof.2.base.rdb");
        assert_eq!(m.incrs().next().unwrap().name, "a b.aof");
        assert_eq!(m.next_base_seq(), 3);
        assert_eq!(m.next_incr_seq(), 4);
        assert_eq!(
            m.to_bytes(),
            b"file appendonly.aof.2.base.rdb seq 2 type b\nfile \"a b.aof\" seq 3 type i\n"
        );
        // Blank lines, short lines, odd word counts, missing keys, seq 0, paths, two bases,
        // non-increasing incr sequences, unknown types and unterminated lines are all refused.
        assert_eq!(err_line(b"file a seq 1 type b\n\n"), Some(2));
        assert_eq!(err_line(b"file a seq 1\n"), Some(1));
        assert_eq!(err_line(b"file a seq 1 type b x\n"), Some(1));
        assert_eq!(err_line(b"file a seq 0 type b\n"), Some(1));
        assert_eq!(err_line(b"file a seq x type b\n"), Some(1));
        assert_eq!(err_line(b"file d/a seq 1 type b\n"), Some(1));
        assert_eq!(
            err_line(b"file a seq 1 type b\nfile b seq 2 type b\n"),
            Some(2)
        );
        assert_eq!(
            err_line(b"file a seq 2 type i\nfile b seq 2 type i\n"),
            Some(2)
        );
        assert_eq!(err_line(b"file a seq -1 type i\n"), Some(1));
        assert_eq!(err_line(b"file a seq 1 type x\n"), Some(1));
        assert_eq!(err_line(b"file a seq 1 type b"), Some(1));
        assert_eq!(err_line(b"file \"a seq 1 type b\n"), Some(1));
        assert!(matches!(
            Manifest::parse(b""),
            Err(AofError::Manifest { line: None, .. })
        ));
        // Only comments: valid and empty.
        assert!(Manifest::parse(b"# x\n").unwrap().entries.is_empty());
        // A line of exactly 1024 bytes (with its newline) is fine, 1025 is not.
        let mut l = b"file a seq 1 type b ".to_vec();
        l.resize(MAX_LINE - 1, b' ');
        l.push(b'\n');
        assert!(Manifest::parse(&l).is_ok());
        l.insert(0, b' ');
        assert_eq!(err_line(&l), Some(1));
        // History seq need not increase; atoll reads leading digits.
        let m = Manifest::parse(b"file h seq 5x type h\nfile g seq 1 type hist\n").unwrap();
        assert_eq!(m.history().map(|e| e.seq).collect::<Vec<_>>(), [5, 1]);
        assert_eq!(m.next_base_seq(), 1);
    }

    #[test]
    fn quoting_round_trips() {
        let m = Manifest {
            entries: vec![ManifestEntry {
                name: "we\u{1}ird \"name\n".into(),
                seq: 7,
                kind: FileKind::Incr,
            }],
            ..Manifest::default()
        };
        let b = m.to_bytes();
        assert_eq!(b, b"file \"we\\x01ird \\\"name\\n\" seq 7 type i\n");
        assert_eq!(Manifest::parse(&b).unwrap().entries, m.entries);
    }

    #[test]
    fn rewrite_bookkeeping_as_redis() {
        let mut m = Manifest::parse(
            b"file appendonly.aof.1.base.rdb seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n",
        )
        .unwrap();
        // A rewrite starts: a new incr file; when it is done the base becomes history, the old
        // incr too, the new one stays.
        assert_eq!(m.new_incr("appendonly.aof"), "appendonly.aof.2.incr.aof");
        assert_eq!(
            m.new_base("appendonly.aof", BaseKind::Zdb),
            "appendonly.aof.2.base.zdb"
        );
        m.incrs_to_history(true);
        assert_eq!(
            String::from_utf8(m.to_bytes()).unwrap(),
            "file appendonly.aof.2.base.zdb seq 2 type b\n\
             file appendonly.aof.1.incr.aof seq 1 type h\n\
             file appendonly.aof.1.base.rdb seq 1 type h\n\
             file appendonly.aof.2.incr.aof seq 2 type i\n"
        );
        assert_eq!(
            Manifest::upgrade("appendonly.aof").to_bytes(),
            b"file appendonly.aof seq 1 type b\n"
        );
        let mut by_hand = Manifest::new();
        by_hand.entries.push(ManifestEntry {
            name: "x".into(),
            seq: 41,
            kind: FileKind::Incr,
        });
        assert_eq!(by_hand.new_incr("x"), "x.42.incr.aof");
        let gone = m.take_history();
        assert_eq!(gone.len(), 2);
        assert_eq!(m.entries.len(), 2);
        assert_eq!(m.next_incr_seq(), 3);
    }
}
