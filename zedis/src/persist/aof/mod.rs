//! The append-only file (AOF) as bytes, in Redis 7's multi-part layout: `encode` writes commands
//! and `#TS:` annotations exactly as Redis appends them, `reader` streams them back (with the
//! verdicts redis-check-aof gives on damaged files), `manifest` reads and writes the
//! `appendonly.aof.manifest` that lists the base and incr files, and `rewrite` turns one key into
//! the commands that rebuild it. Nothing here knows about the server, the configuration or the
//! keyspace: the server's AOF writer and loader and the `zedis-aof` tool are built on top.
//!
//! Loading, as Redis does it, with these pieces: `AofSet::open(dir, appendfilename)` gives the
//! base and incr files in order (a listed file that is missing is an error). For each file, a
//! `Reader` over a `BufReader` of it: `Item::RdbPreamble` → `Reader::read_preamble` with the
//! store's visitor; `Item::Command` → execute it, remembering where an open MULTI started;
//! annotations are skipped. `AofError::Truncated` in the *last* file, with `aof-load-truncated
//! yes`, means: keep what was loaded, cut the file at the error's `offset` (or at the open MULTI's
//! start, discarding its queued commands) and go on; a clean end inside a MULTI is cut the same
//! way. Anything else (truncation in an earlier file, `Malformed`) refuses to load, naming the
//! file, offset and line. `verify_set` gives the same judgement without executing anything.

pub mod encode;
pub mod manifest;
pub mod reader;
pub mod rewrite;

pub use encode::{encode_command, encode_select, encode_timestamp};
pub use manifest::{AofFile, AofSet, BaseKind, FileKind, Manifest, ManifestEntry};
pub use reader::{
    timestamp_cut, verify, verify_reader, verify_set, Item, Limits, Problem, ProblemKind, Reader,
    Verdict,
};
pub use rewrite::{encode_key, Rewriter, ITEMS_PER_CMD};

use std::path::{Path, PathBuf};
use thiserror::Error;

/// Why an AOF file, or its manifest, could not be read or written. Every variant names the file
/// when it is known, and positions are byte offsets and line numbers counted as redis-check-aof
/// counts them (see [`reader`]).
#[derive(Debug, Error)]
pub enum AofError {
    #[error("{}{source}", file_ctx(.file))]
    Io {
        file: Option<PathBuf>,
        #[source]
        source: std::io::Error,
    },
    /// The input ended inside a command. `offset` and `line` are where the last whole command
    /// ended (where `aof-load-truncated` or `fix` would cut); `eof` is where the bytes ran out.
    #[error(
        "{}truncated: {what} (the last whole command ends at byte {offset}, line {line}; the file ends at byte {eof})",
        file_ctx(.file)
    )]
    Truncated {
        file: Option<PathBuf>,
        offset: u64,
        line: u64,
        eof: u64,
        what: String,
    },
    /// Bytes that are not what an AOF may hold at `offset` (line `line`), inside the command that
    /// starts at `command_offset`.
    #[error("{}malformed at byte {offset} (line {line}): {what}", file_ctx(.file))]
    Malformed {
        file: Option<PathBuf>,
        offset: u64,
        line: u64,
        command_offset: u64,
        what: String,
    },
    /// The manifest breaks one of Redis's rules; `line` (1-based, as Redis counts it) and its
    /// text are given when the problem is on one line.
    #[error("{}invalid AOF manifest{}: {what}", file_ctx(.file), line_ctx(*.line, .text))]
    Manifest {
        file: Option<PathBuf>,
        line: Option<usize>,
        text: Option<String>,
        what: String,
    },
    /// The manifest lists a file that is not in the directory (Redis refuses to start then).
    #[error(
        "{} is listed in the AOF manifest as the {kind} file but does not exist",
        .path.display()
    )]
    MissingFile { path: PathBuf, kind: &'static str },
    /// The RDB preamble (or RDB base file) could not be read.
    #[error("{}RDB preamble: {source}", file_ctx(.file))]
    Rdb {
        file: Option<PathBuf>,
        #[source]
        source: crate::persist::PersistError,
    },
    /// There is no manifest where one was required.
    #[error("no AOF manifest at {}", .path.display())]
    MissingManifest { path: PathBuf },
}

impl AofError {
    /// Names `path` as the file the error is about, unless it already names one.
    pub fn in_file(mut self, path: &Path) -> AofError {
        let slot = match &mut self {
            AofError::Io { file, .. }
            | AofError::Truncated { file, .. }
            | AofError::Malformed { file, .. }
            | AofError::Manifest { file, .. }
            | AofError::Rdb { file, .. } => file,
            AofError::MissingFile { .. } | AofError::MissingManifest { .. } => return self,
        };
        if slot.is_none() {
            *slot = Some(path.to_path_buf());
        }
        self
    }

    pub(crate) fn io(file: Option<&Path>, source: std::io::Error) -> AofError {
        AofError::Io {
            file: file.map(Path::to_path_buf),
            source,
        }
    }
}

fn file_ctx(file: &Option<PathBuf>) -> String {
    match file {
        Some(p) => format!("{}: ", p.display()),
        None => String::new(),
    }
}

fn line_ctx(line: Option<usize>, text: &Option<String>) -> String {
    match (line, text) {
        (Some(l), Some(t)) => format!(" at line {l} ('{t}')"),
        (Some(l), None) => format!(" at line {l}"),
        _ => String::new(),
    }
}
