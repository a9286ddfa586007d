//! Reading an AOF file: [`Reader`] streams its commands and `#` annotations one at a time from
//! any `BufRead`, and [`verify`] gives the verdict redis-check-aof gives (how far the file is
//! good, what is wrong after that, where a fix would cut).
//!
//! The reader is strict where Redis's loader is lax (every length is decimal digits followed
//! by CRLF, every argument is followed by CRLF, a command has at least one argument), and it
//! tells two kinds of damage apart: a *truncated* tail, where every byte present is the start of
//! a valid command and the input simply ends (a crash mid-write; `aof-load-truncated` may cut it
//! off), and *malformed* bytes, which no amount of further input would make valid.
//!
//! Positions: offsets are bytes from the start of the input (or from where [`Reader::starting_at`]
//! says the input starts). Lines are counted exactly as redis-check-aof counts them, so the two
//! tools print the same `ok_up_to_line`: the count starts at 1 and goes up by one for each line
//! end a command consumes (the `*N` line, each `$len` line, each argument's CRLF); `#` annotation
//! lines are not counted.
//!
//! Memory: an argument is read in pieces as its bytes arrive, so a length the file merely
//! announces is never allocated; the argument count only sizes a small initial vector.

use super::AofError;
use crate::persist::{build, rdb, PersistError, Record, Visitor};
use std::io::{self, BufRead};
use std::path::{Path, PathBuf};

/// Longest annotation line Redis reads (`AOF_ANNOTATION_LINE_MAX_LEN`, with C's terminator);
/// the rest of a longer line is read as what follows it, as Redis's `fgets` does.
const ANNOTATION_MAX: usize = 1023;

/// At most this many decimal digits in a count or length (more cannot fit in 63 bits).
const MAX_DIGITS: usize = 18;

/// Bounds beyond which a count or length is *malformed* rather than merely large.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Most arguments in one command (Redis keeps the count in an `int`).
    pub max_args: u64,
    /// Longest single argument.
    pub max_bulk_len: u64,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_args: i32::MAX as u64,
            // Far above any value Redis can hold (512 MB strings by default), small enough that
            // a damaged length in the middle of a file is called malformed, not a truncation.
            max_bulk_len: 1 << 32,
        }
    }
}

/// One thing an AOF holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Item {
    /// A command; `offset` and `line` are where its `*N` line starts.
    Command {
        offset: u64,
        line: u64,
        argv: Vec<Vec<u8>>,
    },
    /// A `#TS:<unix secs>` annotation (`aof-timestamp-enabled`); loaders skip it.
    Timestamp { offset: u64, line: u64, secs: i64 },
    /// Any other `#` line (without its line end); loaders skip it too.
    Annotation {
        offset: u64,
        line: u64,
        text: Vec<u8>,
    },
    /// The input starts with `REDIS`: an RDB preamble (or an RDB base file) comes first. Read it
    /// with [`Reader::read_preamble`] (or `persist::rdb::read_buffered` on [`Reader::get_mut`]
    /// and then [`Reader::skip`]); until then this item is returned again.
    RdbPreamble,
}

/// The streaming command reader. After an error, stop: the position is inside damaged bytes.
#[derive(Debug)]
pub struct Reader<R> {
    r: R,
    offset: u64,
    line: u64,
    start: u64,
    file: Option<PathBuf>,
    limits: Limits,
}

/// Where the command being read started, for error reports.
#[derive(Clone, Copy)]
struct Cmd {
    offset: u64,
    line: u64,
}

fn show(b: u8) -> String {
    format!("'{}'", std::ascii::escape_default(b))
}

impl<R: BufRead> Reader<R> {
    /// Reads from the start of an input.
    pub fn new(r: R) -> Reader<R> {
        Reader::starting_at(r, 0, 1)
    }

    /// Reads input that starts at byte `offset` and line `line` of something larger: the tail
    /// after an RDB preamble, or the next file of a manifest when lines are counted across files
    /// as redis-check-aof does.
    pub fn starting_at(r: R, offset: u64, line: u64) -> Reader<R> {
        Reader {
            r,
            offset,
            line,
            start: offset,
            file: None,
            limits: Limits::default(),
        }
    }

    /// Names the file in errors.
    pub fn with_file(mut self, path: &Path) -> Reader<R> {
        self.file = Some(path.to_path_buf());
        self
    }

    pub fn with_limits(mut self, limits: Limits) -> Reader<R> {
        self.limits = limits;
        self
    }

    /// Bytes consumed so far (plus the starting offset): the end of the last item read.
    pub fn offset(&self) -> u64 {
        self.offset
    }

    /// The line count so far, as redis-check-aof counts it.
    pub fn line(&self) -> u64 {
        self.line
    }

    pub fn get_mut(&mut self) -> &mut R {
        &mut self.r
    }

    pub fn into_inner(self) -> R {
        self.r
    }

    /// Accounts for `n` bytes the caller consumed from [`Reader::get_mut`] (an RDB preamble).
    pub fn skip(&mut self, n: u64) {
        self.offset += n;
    }

    /// Reads the RDB preamble at the start of the input into `v`, leaving the reader at the
    /// first byte after it (the AOF tail, if any).
    pub fn read_preamble(
        &mut self,
        v: &mut impl Visitor,
        lim: &build::Limits,
    ) -> Result<rdb::reader::ReadSummary, AofError> {
        let sum =
            rdb::reader::read_buffered(&mut self.r, v, lim).map_err(|source| AofError::Rdb {
                file: self.file.clone(),
                source,
            })?;
        self.offset += sum.bytes;
        Ok(sum)
    }

    fn io_err(&self, e: io::Error) -> AofError {
        AofError::io(self.file.as_deref(), e)
    }

    /// The next byte without consuming it; `None` at the end of the input.
    fn peek(&mut self) -> Result<Option<u8>, AofError> {
        loop {
            match self.r.fill_buf() {
                Ok(b) => return Ok(b.first().copied()),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(self.io_err(e)),
            }
        }
    }

    fn byte(&mut self) -> Result<Option<u8>, AofError> {
        let b = self.peek()?;
        if b.is_some() {
            self.r.consume(1);
            self.offset += 1;
        }
        Ok(b)
    }

    fn truncated(&self, cmd: Cmd, what: String) -> AofError {
        AofError::Truncated {
            file: self.file.clone(),
            offset: cmd.offset,
            line: cmd.line,
            eof: self.offset,
            what,
        }
    }

    fn malformed(&self, cmd: Cmd, offset: u64, line: u64, what: String) -> AofError {
        AofError::Malformed {
            file: self.file.clone(),
            offset,
            line,
            command_offset: cmd.offset,
            what,
        }
    }

    /// Reads `<prefix><digits>\r\n` and returns the number.
    fn number(&mut self, prefix: u8, what: &str, cmd: Cmd) -> Result<u64, AofError> {
        if let Some(n) = self.number_in_buffer(prefix) {
            return Ok(n);
        }
        let (at, line) = (self.offset, self.line);
        let eof = |s: &Self| s.truncated(cmd, format!("the input ends inside {what}"));
        match self.byte()? {
            None => return Err(eof(self)),
            Some(b) if b == prefix => {}
            Some(b) => {
                return Err(self.malformed(
                    cmd,
                    at,
                    line,
                    format!("expected '{}' ({what}), got {}", prefix as char, show(b)),
                ))
            }
        }
        let mut n: u64 = 0;
        let mut digits = 0;
        loop {
            match self.byte()? {
                None => return Err(eof(self)),
                Some(d @ b'0'..=b'9') if digits < MAX_DIGITS => {
                    n = n * 10 + u64::from(d - b'0');
                    digits += 1;
                }
                Some(b'\r') if digits > 0 => break,
                Some(b) => {
                    let why = if b.is_ascii_digit() {
                        "too many digits".to_string()
                    } else {
                        format!("unexpected {}", show(b))
                    };
                    return Err(self.malformed(
                        cmd,
                        at,
                        line,
                        format!("{what} is not a decimal number followed by \\r\\n ({why})"),
                    ));
                }
            }
        }
        match self.byte()? {
            None => Err(eof(self)),
            Some(b'\n') => {
                self.line += 1;
                Ok(n)
            }
            Some(b) => Err(self.malformed(
                cmd,
                at,
                line,
                format!("{what} ends with '\\r' then {}, not \\r\\n", show(b)),
            )),
        }
    }

    /// The common case of [`Reader::number`], when the whole line is already buffered and
    /// well formed; `None` sends the caller down the byte-by-byte path, which also reports
    /// every error (so both agree on offsets and lines).
    #[inline]
    fn number_in_buffer(&mut self, prefix: u8) -> Option<u64> {
        let buf = self.r.fill_buf().ok()?;
        if buf.first() != Some(&prefix) {
            return None;
        }
        let mut n: u64 = 0;
        let mut i = 1;
        while let Some(d) = buf.get(i).filter(|d| d.is_ascii_digit() && i <= MAX_DIGITS) {
            n = n * 10 + u64::from(d - b'0');
            i += 1;
        }
        if i == 1 || buf.get(i..i + 2) != Some(b"\r\n") {
            return None;
        }
        self.r.consume(i + 2);
        self.offset += (i + 2) as u64;
        self.line += 1;
        Some(n)
    }

    fn command(&mut self, cmd: Cmd) -> Result<Vec<Vec<u8>>, AofError> {
        let argc = self.number(b'*', "the argument count", cmd)?;
        if argc == 0 || argc > self.limits.max_args {
            return Err(self.malformed(
                cmd,
                cmd.offset,
                cmd.line,
                format!(
                    "a command must have 1 to {} arguments, not {argc}",
                    self.limits.max_args
                ),
            ));
        }
        let mut argv = Vec::with_capacity(argc.min(16) as usize);
        for i in 0..argc {
            let (len_at, len_line) = (self.offset, self.line);
            let len = self.number(b'$', "an argument length", cmd)?;
            if len > self.limits.max_bulk_len {
                return Err(self.malformed(
                    cmd,
                    len_at,
                    len_line,
                    format!(
                        "argument {} announces {len} bytes (at most {} are allowed)",
                        i + 1,
                        self.limits.max_bulk_len
                    ),
                ));
            }
            let (at, line) = (self.offset, self.line);
            let arg = self.payload(len, cmd)?;
            let crlf = |s: &Self, got: u8| {
                s.malformed(
                    cmd,
                    at,
                    line,
                    format!(
                        "argument {} ({len} bytes) is followed by {} instead of \\r\\n",
                        i + 1,
                        show(got)
                    ),
                )
            };
            if let Ok(b"\r\n") = self.r.fill_buf().map(|b| b.get(..2).unwrap_or_default()) {
                self.r.consume(2);
                self.offset += 2;
                self.line += 1;
                argv.push(arg);
                continue;
            }
            for want in [b'\r', b'\n'] {
                match self.byte()? {
                    None => {
                        return Err(self.truncated(
                            cmd,
                            format!("the input ends after argument {} of {argc}", i + 1),
                        ))
                    }
                    Some(b) if b == want => {}
                    Some(b) => return Err(crlf(self, b)),
                }
            }
            self.line += 1;
            argv.push(arg);
        }
        Ok(argv)
    }

    /// Reads `len` bytes, growing the buffer only as they arrive.
    fn payload(&mut self, len: u64, cmd: Cmd) -> Result<Vec<u8>, AofError> {
        let want = usize::try_from(len).unwrap_or(usize::MAX);
        let mut v = Vec::with_capacity(want.min(64 * 1024));
        while v.len() < want {
            if self.peek()?.is_none() {
                return Err(self.truncated(
                    cmd,
                    format!(
                        "the input ends inside a {len}-byte argument ({} bytes present)",
                        v.len()
                    ),
                ));
            }
            let buf = match self.r.fill_buf() {
                Ok(b) => b,
                Err(e) => return Err(AofError::io(self.file.as_deref(), e)),
            };
            let n = buf.len().min(want - v.len());
            v.extend_from_slice(&buf[..n]);
            self.r.consume(n);
            self.offset += n as u64;
        }
        Ok(v)
    }

    /// A `#` line: at most [`ANNOTATION_MAX`] bytes, through its newline.
    fn annotation(&mut self, offset: u64) -> Result<Item, AofError> {
        let mut text = Vec::new();
        while text.len() < ANNOTATION_MAX {
            match self.byte()? {
                None => break,
                Some(b) => {
                    text.push(b);
                    if b == b'\n' {
                        break;
                    }
                }
            }
        }
        if let Some(secs) = parse_ts(&text) {
            return Ok(Item::Timestamp {
                offset,
                line: self.line,
                secs,
            });
        }
        for end in [b'\n', b'\r'] {
            if text.last() == Some(&end) {
                text.pop();
            }
        }
        Ok(Item::Annotation {
            offset,
            line: self.line,
            text,
        })
    }

    /// The next item; `Ok(None)` at a clean end of the input.
    #[allow(clippy::should_implement_trait)]
    pub fn next(&mut self) -> Result<Option<Item>, AofError> {
        let cmd = Cmd {
            offset: self.offset,
            line: self.line,
        };
        match self.peek()? {
            None => Ok(None),
            Some(b'*') => {
                let argv = self.command(cmd)?;
                Ok(Some(Item::Command {
                    offset: cmd.offset,
                    line: cmd.line,
                    argv,
                }))
            }
            Some(b'#') => self.annotation(cmd.offset).map(Some),
            Some(b'R') if self.offset == self.start && self.starts_with_rdb_magic()? => {
                Ok(Some(Item::RdbPreamble))
            }
            Some(b) => Err(self.malformed(
                cmd,
                cmd.offset,
                cmd.line,
                format!(
                    "expected a command ('*') or an annotation ('#'), got {}",
                    show(b)
                ),
            )),
        }
    }

    /// Whether the buffered input starts with `REDIS` (a `BufReader` over a file always holds
    /// at least the first five bytes after its first fill).
    fn starts_with_rdb_magic(&mut self) -> Result<bool, AofError> {
        match self.r.fill_buf() {
            Ok(b) => Ok(b.starts_with(b"REDIS")),
            Err(e) => Err(self.io_err(e)),
        }
    }
}

/// `#TS:<optional '-'><digits>\r...`, as redis-check-aof reads it (`strtol` up to a CR).
fn parse_ts(text: &[u8]) -> Option<i64> {
    let rest = text.strip_prefix(b"#TS:")?;
    let end = rest.iter().position(|&b| b == b'\r')?;
    let num = std::str::from_utf8(&rest[..end]).ok()?;
    if num.is_empty() || num.starts_with('+') {
        return None;
    }
    num.parse().ok()
}

/// What kind of damage a file has.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProblemKind {
    /// The input ends inside a command.
    Truncated,
    /// Bytes no further input would make valid, or MULTI/EXEC out of order.
    Malformed,
    /// The input ends inside a MULTI ... EXEC block.
    UnclosedMulti,
    /// The RDB preamble could not be read.
    RdbPreamble,
}

/// The first damage found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    pub kind: ProblemKind,
    /// Where it was found: the bad line (malformed), the incomplete command (truncated), the
    /// MULTI (unclosed), the damaged RDB byte (preamble).
    pub offset: u64,
    pub line: u64,
    pub message: String,
}

/// What [`verify`] concluded about one file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verdict {
    /// Commands read (MULTI and EXEC included), up to the problem if any.
    pub commands: u64,
    /// Timestamp annotations read.
    pub timestamps: u64,
    /// The file held an RDB preamble (read and checked with the RDB reader).
    pub rdb_preamble: bool,
    /// Bytes from the start that are valid whole commands outside any open MULTI: what
    /// redis-check-aof prints as `ok_up_to`.
    pub ok_up_to: u64,
    /// redis-check-aof's `ok_up_to_line`: its line count where reading stopped (which includes
    /// the lines of a partly read command or an open MULTI).
    pub ok_up_to_line: u64,
    /// The input's size in bytes (including the starting offset).
    pub size: u64,
    pub problem: Option<Problem>,
    /// Where `fix` or `aof-load-truncated` would cut the file: at `ok_up_to` when the damage is
    /// a truncated tail or an unclosed MULTI (which is cut before the MULTI). `None` when the
    /// file is valid, and when it is malformed: cutting there would drop every command after
    /// the damage, which redis-check-aof `--fix` does but the server never does on its own.
    pub truncate_to: Option<u64>,
}

impl Verdict {
    /// Bytes after `ok_up_to` (redis-check-aof's `diff`).
    pub fn diff(&self) -> u64 {
        self.size.saturating_sub(self.ok_up_to)
    }
}

/// Discards what an RDB preamble holds (verification only needs it to parse).
struct Discard;

impl Visitor for Discard {
    fn record(&mut self, _offset: u64, _rec: Record) -> Result<(), PersistError> {
        Ok(())
    }
}

/// Verifies one AOF file from its start. `Err` only for I/O errors; damage is in the verdict.
pub fn verify<R: BufRead>(r: R) -> Result<Verdict, AofError> {
    verify_reader(Reader::new(r))
}

/// Verifies from wherever `rd` stands (see [`Reader::starting_at`] to continue the line count
/// from a previous file, as redis-check-aof does across a manifest's files). MULTI/EXEC
/// balance is checked per file, as redis-check-aof and Redis's loader do.
pub fn verify_reader<R: BufRead>(mut rd: Reader<R>) -> Result<Verdict, AofError> {
    let mut v = Verdict {
        commands: 0,
        timestamps: 0,
        rdb_preamble: false,
        ok_up_to: rd.offset(),
        ok_up_to_line: rd.line(),
        size: 0,
        problem: None,
        truncate_to: None,
    };
    // Where the open MULTI started.
    let mut multi: Option<(u64, u64)> = None;
    let mut stop_line = None;
    loop {
        if multi.is_none() {
            v.ok_up_to = rd.offset();
        }
        let problem = |kind, offset, line, message| Problem {
            kind,
            offset,
            line,
            message,
        };
        match rd.next() {
            Ok(None) => break,
            Ok(Some(Item::RdbPreamble)) => {
                match rd.read_preamble(&mut Discard, &build::Limits::default()) {
                    Ok(_) => v.rdb_preamble = true,
                    Err(AofError::Rdb { source, .. }) => {
                        let at = match &source {
                            PersistError::Corrupt { offset, .. }
                            | PersistError::Truncated { offset, .. } => *offset,
                            _ => 0,
                        };
                        v.problem = Some(problem(
                            ProblemKind::RdbPreamble,
                            at,
                            rd.line(),
                            source.to_string(),
                        ));
                        break;
                    }
                    Err(e) => return Err(e),
                }
            }
            Ok(Some(Item::Timestamp { .. })) => v.timestamps += 1,
            Ok(Some(Item::Annotation { .. })) => {}
            Ok(Some(Item::Command { offset, line, argv })) => {
                v.commands += 1;
                let name = argv.first().map(Vec::as_slice).unwrap_or_default();
                // redis-check-aof stops right after the first argument (its `*`, `$` and
                // argument lines) when MULTI/EXEC are out of order.
                let bad = if name.eq_ignore_ascii_case(b"multi") {
                    if multi.is_some() {
                        Some("MULTI inside an open MULTI")
                    } else {
                        multi = Some((offset, line));
                        None
                    }
                } else if name.eq_ignore_ascii_case(b"exec") {
                    if multi.take().is_none() {
                        Some("EXEC without MULTI")
                    } else {
                        None
                    }
                } else {
                    None
                };
                if let Some(why) = bad {
                    v.problem = Some(problem(ProblemKind::Malformed, offset, line, why.into()));
                    stop_line = Some(line + 3);
                    break;
                }
            }
            Err(AofError::Truncated {
                offset, line, what, ..
            }) => {
                v.problem = Some(problem(ProblemKind::Truncated, offset, line, what));
                break;
            }
            Err(AofError::Malformed {
                offset, line, what, ..
            }) => {
                v.problem = Some(problem(ProblemKind::Malformed, offset, line, what));
                break;
            }
            Err(e) => return Err(e),
        }
    }
    if v.problem.is_none() {
        if let Some((offset, line)) = multi {
            v.problem = Some(Problem {
                kind: ProblemKind::UnclosedMulti,
                offset,
                line,
                message: "the input ends before the EXEC of a MULTI".into(),
            });
        }
    }
    v.ok_up_to_line = stop_line.unwrap_or(rd.line());
    if matches!(
        v.problem.as_ref().map(|p| p.kind),
        Some(ProblemKind::Truncated | ProblemKind::UnclosedMulti)
    ) {
        v.truncate_to = Some(v.ok_up_to);
    }
    if v.problem.as_ref().map(|p| p.kind) == Some(ProblemKind::RdbPreamble) {
        v.ok_up_to = 0;
    }
    // The size, without holding the rest: count what is left.
    let here = rd.offset();
    let rest = io::copy(rd.get_mut(), &mut io::sink()).map_err(|e| rd.io_err(e))?;
    v.size = here + rest;
    Ok(v)
}

/// Where `truncate-to-timestamp` cuts: the offset of the first `#TS:` annotation later than
/// `to` (redis-check-aof `--truncate-to-timestamp`), or `None` when there is none. An offset of
/// 0 means nothing would be left, which redis-check-aof refuses. A `#TS:` line that is not a
/// number followed by CR is an error, as there; so is damage met before the cut.
pub fn timestamp_cut<R: BufRead>(rd: &mut Reader<R>, to: i64) -> Result<Option<u64>, AofError> {
    while let Some(item) = rd.next()? {
        match item {
            Item::Timestamp { offset, secs, .. } if secs > to => return Ok(Some(offset)),
            Item::Annotation { offset, line, text } if text.starts_with(b"#TS:") => {
                return Err(AofError::Malformed {
                    file: rd.file.clone(),
                    offset,
                    line,
                    command_offset: offset,
                    what: format!(
                        "invalid timestamp annotation '{}'",
                        String::from_utf8_lossy(&text)
                    ),
                });
            }
            _ => {}
        }
    }
    Ok(None)
}

/// Verifies the files of an AOF directory in loading order, as redis-check-aof does with a
/// manifest: lines are counted across the files, a base that starts with `REDIS` is read as an
/// RDB, and checking stops after the first damaged file (the returned verdicts match
/// `set.files` one for one up to there). Only damage in the *last* file may be cut away; a
/// truncated earlier file makes Redis refuse to load.
pub fn verify_set(set: &super::AofSet) -> Result<Vec<Verdict>, AofError> {
    let mut out = Vec::with_capacity(set.files.len());
    let mut line = 1;
    for f in &set.files {
        let file = std::fs::File::open(&f.path).map_err(|e| AofError::io(Some(&f.path), e))?;
        let rd = Reader::starting_at(io::BufReader::with_capacity(64 * 1024, file), 0, line)
            .with_file(&f.path);
        let v = verify_reader(rd).map_err(|e| e.in_file(&f.path))?;
        line = v.ok_up_to_line;
        let damaged = v.problem.is_some();
        out.push(v);
        if damaged {
            break;
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn items(b: &[u8]) -> Result<Vec<Item>, AofError> {
        let mut r = Reader::new(b);
        let mut out = Vec::new();
        while let Some(i) = r.next()? {
            out.push(i);
        }
        Ok(out)
    }

    #[test]
    fn commands_and_annotations() {
        let got = items(
            b"#TS:1700000000\r\n*1\r\n$5\r\nMULTI\r\n# note\r\n*2\r\n$3\r\nget\r\n$0\r\n\r\n",
        )
        .unwrap();
        assert_eq!(
            got,
            [
                Item::Timestamp {
                    offset: 0,
                    line: 1,
                    secs: 1_700_000_000
                },
                Item::Command {
                    offset: 16,
                    line: 1,
                    argv: vec![b"MULTI".to_vec()]
                },
                Item::Annotation {
                    offset: 31,
                    line: 4,
                    text: b"# note".to_vec()
                },
                Item::Command {
                    offset: 39,
                    line: 4,
                    argv: vec![b"get".to_vec(), vec![]]
                },
            ]
        );
    }

    #[test]
    fn truncated_versus_malformed() {
        let whole = b"*1\r\n$4\r\nPING\r\n";
        for cut in 1..whole.len() {
            let mut b = whole.to_vec();
            b.extend_from_slice(&whole[..cut]);
            match items(&b) {
                Err(AofError::Truncated {
                    offset: 14,
                    line: 4,
                    eof,
                    ..
                }) => assert_eq!(eof as usize, b.len()),
                other => panic!("cut {cut}: {other:?}"),
            }
        }
        for bad in [
            &b"*0\r\n"[..],
            b"*-5\r\n",
            b"*1\r\n$-1\r\n",
            b"*1\r\n$4\r\nPINGx\n",
            b"*1\r\n$4\n",
            b"*1\r\n$ 4\r\n",
            b"*1\r\n$99999999999999999999\r\n",
            b"*1\r\n$4294967297\r\n",
            b"PING\r\n",
            b"\r\n",
        ] {
            assert!(
                matches!(items(bad), Err(AofError::Malformed { .. })),
                "{:?}",
                String::from_utf8_lossy(bad)
            );
        }
    }

    #[test]
    fn hostile_lengths_allocate_nothing_announced() {
        // 4 GiB announced, 3 bytes present: a truncation, read with a small buffer.
        let b = b"*1\r\n$4294967296\r\nabc";
        assert!(matches!(
            items(b),
            Err(AofError::Truncated { offset: 0, .. })
        ));
        let b = b"*2147483647\r\n$1\r\na\r\n";
        assert!(matches!(items(b), Err(AofError::Truncated { .. })));
    }

    #[test]
    fn verdicts() {
        let v = verify(&b"*1\r\n$5\r\nMULTI\r\n*1\r\n$3\r\nfoo\r\n"[..]).unwrap();
        assert_eq!(v.problem.as_ref().unwrap().kind, ProblemKind::UnclosedMulti);
        assert_eq!(
            (v.ok_up_to, v.truncate_to, v.ok_up_to_line),
            (0, Some(0), 7)
        );
        let v = verify(&b"*1\r\n$4\r\nexec\r\n"[..]).unwrap();
        assert_eq!(v.problem.as_ref().unwrap().kind, ProblemKind::Malformed);
        assert_eq!((v.ok_up_to, v.truncate_to), (0, None));
        let v = verify(&b"*1\r\n$4\r\nPING\r\n#TS:5\r\n"[..]).unwrap();
        assert_eq!(
            (v.problem, v.ok_up_to, v.size, v.timestamps),
            (None, 21, 21, 1)
        );
    }
}
