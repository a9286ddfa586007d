//! `verify`: every file in loading order, judged as redis-check-aof judges it (the verdicts come
//! from `zedis::persist::aof::verify_reader`; this module only walks the files, reads a snapshot
//! base with the snapshot reader, and prints). `check` is shared with `fix`, which acts on the
//! same verdicts.

use crate::input::{content, file_len, progress_bar, Content, Counting, Input};
use std::fmt::Write as _;
use std::fs::File;
use std::io::BufReader;
use zedis::persist::aof::{
    verify_reader, AofError, AofFile, FileKind, Problem, ProblemKind, Reader, Verdict,
};
use zedis::persist::{build, zdb, PersistError, Record, Visitor};

/// One file's verdict.
#[derive(Debug, Clone)]
pub struct FileCheck {
    pub file: AofFile,
    pub content: Content,
    pub verdict: Verdict,
}

impl FileCheck {
    pub fn damaged(&self) -> bool {
        self.verdict.problem.is_some()
    }
}

/// Why checking could not finish: the input could not be read at all.
#[derive(Debug, thiserror::Error)]
pub enum CheckError {
    #[error(transparent)]
    Aof(#[from] AofError),
    #[error("{}: {source}", .file.display())]
    Snapshot {
        file: std::path::PathBuf,
        #[source]
        source: PersistError,
    },
}

/// Discards records: verification only needs them to parse.
struct Discard;

impl Visitor for Discard {
    fn record(&mut self, _offset: u64, _rec: Record) -> Result<(), PersistError> {
        Ok(())
    }
}

/// Checks the files in loading order and stops after the first damaged one, as redis-check-aof
/// does. Lines are counted across files.
pub fn check(input: &Input, progress: bool) -> Result<Vec<FileCheck>, CheckError> {
    let bar = progress_bar(input.total_bytes(), progress);
    let mut out = Vec::with_capacity(input.files.len());
    let mut line = 1;
    for f in &input.files {
        let io = |e| AofError::Io {
            file: Some(f.path.clone()),
            source: e,
        };
        let kind = content(f).map_err(io)?;
        let file = File::open(&f.path).map_err(io)?;
        let r = BufReader::with_capacity(
            256 << 10,
            Counting {
                inner: file,
                bar: bar.clone(),
            },
        );
        let verdict = match kind {
            Content::Zdb => check_zdb(f, r, line)?,
            Content::Resp | Content::Rdb => {
                let rd = Reader::starting_at(r, 0, line).with_file(&f.path);
                verify_reader(rd).map_err(|e| e.in_file(&f.path))?
            }
        };
        line = verdict.ok_up_to_line;
        let damaged = verdict.problem.is_some();
        out.push(FileCheck {
            file: f.clone(),
            content: kind,
            verdict,
        });
        if damaged {
            break;
        }
    }
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    Ok(out)
}

/// A `.zdb` base: valid when the snapshot reader reads it to the end with every checksum right.
fn check_zdb(f: &AofFile, r: impl std::io::Read, line: u64) -> Result<Verdict, CheckError> {
    let size = file_len(&f.path);
    let mut v = Verdict {
        commands: 0,
        timestamps: 0,
        rdb_preamble: true,
        ok_up_to: size,
        ok_up_to_line: line,
        size,
        problem: None,
        truncate_to: None,
    };
    match zdb::read(
        r,
        &mut Discard,
        &build::Limits::default(),
        zdb::Mode::Strict,
    ) {
        Ok(_) => {}
        Err(e) if is_damage(&e) => {
            let at = match &e {
                PersistError::Corrupt { offset, .. } | PersistError::Truncated { offset, .. } => {
                    *offset
                }
                _ => 0,
            };
            v.ok_up_to = 0;
            v.problem = Some(Problem {
                kind: ProblemKind::RdbPreamble,
                offset: at,
                line,
                message: e.to_string(),
            });
        }
        Err(source) => {
            return Err(CheckError::Snapshot {
                file: f.path.clone(),
                source,
            })
        }
    }
    Ok(v)
}

/// Whether a snapshot read error means damage (rather than an unreadable input).
pub fn is_damage(e: &PersistError) -> bool {
    matches!(
        e,
        PersistError::Corrupt { .. }
            | PersistError::Truncated { .. }
            | PersistError::Checksum { .. }
    )
}

fn format_name(c: Content) -> &'static str {
    match c {
        Content::Resp => "RESP",
        Content::Rdb => "RDB",
        Content::Zdb => "zdb",
    }
}

/// What is wrong, in words, and what can be done about it.
pub fn describe(p: &Problem) -> String {
    let what = match p.kind {
        ProblemKind::Truncated => "truncated command",
        ProblemKind::Malformed => "malformed",
        ProblemKind::UnclosedMulti => "unfinished MULTI",
        ProblemKind::RdbPreamble => "damaged snapshot",
    };
    format!(
        "{what} at byte {} (line {}): {}",
        p.offset, p.line, p.message
    )
}

/// The report, in redis-check-aof's words where it has any, and the exit code.
pub fn report(input: &Input, checks: &[FileCheck]) -> (String, i32) {
    let mut s = String::new();
    let multi = input.multi_part();
    let _ = writeln!(
        s,
        "Start checking {}",
        if multi {
            "Multi Part AOF"
        } else {
            "Old-Style AOF"
        }
    );
    let mut incr_started = false;
    for c in checks {
        let v = &c.verdict;
        if multi {
            if c.file.kind == FileKind::Base {
                let _ = writeln!(
                    s,
                    "Start to check BASE AOF ({} format).",
                    format_name(c.content)
                );
            } else if !incr_started {
                incr_started = true;
                let _ = writeln!(s, "Start to check INCR files.");
            }
        }
        if let Some(p) = &v.problem {
            let _ = writeln!(s, "{}", describe(p));
        }
        let shown = if multi {
            c.file.name.clone()
        } else {
            c.file.path.display().to_string()
        };
        let _ = writeln!(
            s,
            "AOF analyzed: filename={shown}, size={}, ok_up_to={}, ok_up_to_line={}, diff={}",
            v.size,
            v.ok_up_to,
            v.ok_up_to_line,
            v.diff()
        );
        let label = match (multi, c.file.kind) {
            (true, FileKind::Base) => "BASE AOF",
            (true, _) => "INCR AOF",
            (false, _) => "AOF",
        };
        if v.problem.is_none() {
            let _ = writeln!(s, "{label} {shown} is valid");
        } else {
            let _ = writeln!(s, "{label} {shown} is not valid.");
        }
    }
    let last = checks.len() == input.files.len();
    match checks.last() {
        Some(c) if c.damaged() => {
            let _ = writeln!(s, "{}", advice(c, last));
            (s, crate::EXIT_DAMAGED)
        }
        _ => {
            if multi {
                let _ = writeln!(s, "All AOF files and manifest are valid");
            }
            (s, crate::EXIT_OK)
        }
    }
}

/// What `fix` would do with this damage, or why it will not.
pub fn advice(c: &FileCheck, is_last_file: bool) -> String {
    let v = &c.verdict;
    let Some(p) = &v.problem else {
        return String::new();
    };
    let name = c.file.path.display();
    match (p.kind, v.truncate_to, is_last_file) {
        (ProblemKind::Truncated | ProblemKind::UnclosedMulti, Some(at), true) => format!(
            "The end of {name} is a torn write: `zedis-aof fix` cuts it at byte {at}, dropping {} byte(s), as the server does with aof-load-truncated yes.",
            v.size.saturating_sub(at)
        ),
        (ProblemKind::Truncated | ProblemKind::UnclosedMulti, _, false) => format!(
            "{name} is not the last file, so its torn end cannot be cut without losing what the later files build on; the server refuses to load it. Restore it from a backup, or decide by hand."
        ),
        (ProblemKind::RdbPreamble, _, _) => format!(
            "The snapshot in {name} is damaged; `zedis-rdb verify` and `zedis-rdb salvage` can inspect and recover it."
        ),
        _ => format!(
            "Bytes in {name} after byte {} are not a valid command, with {} byte(s) after them; `zedis-aof fix` will not cut here (everything after the damage would be lost). Decide by hand: inspect the bytes around offset {}, or accept the loss with a backup and `truncate -s {} {name}` (what redis-check-aof --fix does).",
            v.ok_up_to,
            v.diff(),
            p.offset,
            v.ok_up_to
        ),
    }
}
