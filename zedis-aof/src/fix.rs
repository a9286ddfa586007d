//! `fix` and `truncate-to-timestamp`: the two commands that change a file in place. Both decide
//! where to cut from the library's verdicts (`verify::check`, `aof::timestamp_cut`), refuse
//! whenever a cut would drop anything but the torn end of the last file, ask before cutting on a
//! terminal, and keep a backup copy unless told not to.

use crate::args::ChangeArgs;
use crate::input::{content, file_len, Content, Input};
use crate::verify::{self, FileCheck};
use std::fs::{self, File, OpenOptions};
use std::io::{self, BufRead, BufReader, IsTerminal, Write};
use std::path::{Path, PathBuf};
use zedis::persist::aof::{timestamp_cut, AofError, Item, ProblemKind, Reader};

/// What to do with the input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Plan {
    /// Nothing is wrong (or nothing is past the timestamp).
    Nothing(String),
    /// Cut `path` (now `size` bytes) to `at` bytes.
    Cut {
        path: PathBuf,
        at: u64,
        size: u64,
        why: String,
    },
    /// A cut here would lose more than a torn tail; the message says what to do by hand.
    Refuse(String),
}

/// Where `fix` would cut, from the verdicts of `verify::check`.
pub fn plan_fix(input: &Input, checks: &[FileCheck]) -> Plan {
    let Some(c) = checks.last().filter(|c| c.damaged()) else {
        return Plan::Nothing("all files are valid: nothing to fix".into());
    };
    let last = checks.len() == input.files.len();
    let v = &c.verdict;
    let kind = v.problem.as_ref().map(|p| p.kind);
    match (kind, v.truncate_to, last) {
        (Some(ProblemKind::Truncated | ProblemKind::UnclosedMulti), Some(at), true) => {
            let why = v.problem.as_ref().map(verify::describe).unwrap_or_default();
            Plan::Cut {
                path: c.file.path.clone(),
                at,
                size: v.size,
                why,
            }
        }
        _ => Plan::Refuse(format!("refusing to fix: {}", verify::advice(c, last))),
    }
}

/// Where `truncate-to-timestamp` would cut: at the first `#TS:` later than `ts`, which must be
/// in the last file and not at its very start (as redis-check-aof requires).
pub fn plan_timestamp(input: &Input, ts: i64) -> Result<Plan, AofError> {
    let n = input.files.len();
    for (i, f) in input.files.iter().enumerate() {
        let io = |e| AofError::Io {
            file: Some(f.path.clone()),
            source: e,
        };
        if content(f).map_err(io)? != Content::Resp {
            // A snapshot base holds no annotations.
            continue;
        }
        let file = File::open(&f.path).map_err(io)?;
        let mut rd = Reader::new(BufReader::with_capacity(256 << 10, file)).with_file(&f.path);
        skip_preamble(&mut rd)?;
        let Some(at) = timestamp_cut(&mut rd, ts).map_err(|e| e.in_file(&f.path))? else {
            continue;
        };
        let name = f.path.display();
        if i + 1 != n {
            return Ok(Plan::Refuse(format!(
                "refusing to truncate: the first #TS annotation later than {ts} is at byte {at} of {name}, which is not the last file; cutting it would drop the later files too. Decide by hand which files to keep."
            )));
        }
        if at == 0 {
            return Ok(Plan::Refuse(format!(
                "refusing to truncate: {name} has nothing before timestamp {ts} (its first annotation is later), so nothing would be left of it"
            )));
        }
        return Ok(Plan::Cut {
            path: f.path.clone(),
            at,
            size: file_len(&f.path),
            why: format!("the #TS annotation at byte {at} is later than {ts}"),
        });
    }
    Ok(Plan::Nothing(format!(
        "no #TS annotation later than {ts}: nothing to truncate"
    )))
}

/// Reads past an RDB preamble, if the file starts with one, so annotations can be looked for.
fn skip_preamble<R: BufRead>(rd: &mut Reader<R>) -> Result<(), AofError> {
    struct Discard;
    impl zedis::persist::Visitor for Discard {
        fn record(
            &mut self,
            _o: u64,
            _r: zedis::persist::Record,
        ) -> Result<(), zedis::persist::PersistError> {
            Ok(())
        }
    }
    // `next` only peeks at a preamble: the item is returned until the preamble is read.
    let first = rd.get_mut().fill_buf().map(|b| b.starts_with(b"REDIS"));
    if first.unwrap_or(false) {
        if let Some(Item::RdbPreamble) = rd.next()? {
            rd.read_preamble(&mut Discard, &zedis::persist::build::Limits::default())?;
        }
    }
    Ok(())
}

/// What became of a `Cut`.
#[derive(Debug)]
pub enum Outcome {
    /// The user said no at the prompt.
    Declined,
    /// Cut, with the backup's path when one was kept.
    Done { backup: Option<PathBuf> },
}

/// Carries out a `Cut`: confirmation, backup, truncation.
pub fn cut(
    path: &Path,
    at: u64,
    size: u64,
    why: &str,
    change: &ChangeArgs,
) -> anyhow::Result<Outcome> {
    let name = path.display();
    let question = format!(
        "{why}\nCut {name} from {size} to {at} bytes, dropping {} byte(s)?",
        size.saturating_sub(at)
    );
    if !change.yes && !confirm(&question)? {
        return Ok(Outcome::Declined);
    }
    let backup = if change.keep_backup() {
        let b = backup_path(path);
        fs::copy(path, &b).map_err(|e| {
            anyhow::anyhow!("cannot keep a backup of {name} at {}: {e}", b.display())
        })?;
        Some(b)
    } else {
        None
    };
    let f = OpenOptions::new()
        .write(true)
        .open(path)
        .map_err(|e| anyhow::anyhow!("cannot open {name} to cut it: {e}"))?;
    f.set_len(at)
        .and_then(|()| f.sync_all())
        .map_err(|e| anyhow::anyhow!("cannot cut {name}: {e}"))?;
    Ok(Outcome::Done { backup })
}

/// Asks on the terminal. Without one there is nobody to ask: the caller must say `--yes`.
fn confirm(question: &str) -> anyhow::Result<bool> {
    if !io::stdin().is_terminal() {
        anyhow::bail!("{question}\nstdin is not a terminal, so nothing was changed: run again with --yes to cut");
    }
    let mut err = io::stderr().lock();
    write!(err, "{question} [y/N] ")?;
    err.flush()?;
    let mut answer = String::new();
    io::stdin().lock().read_line(&mut answer)?;
    Ok(matches!(answer.trim(), "y" | "Y" | "yes" | "YES" | "Yes"))
}

/// `FILE.bak`, or the first free `FILE.bak.N`.
fn backup_path(path: &Path) -> PathBuf {
    let base = format!("{}.bak", path.display());
    let mut p = PathBuf::from(&base);
    let mut n = 1;
    while p.exists() {
        p = PathBuf::from(format!("{base}.{n}"));
        n += 1;
    }
    p
}
