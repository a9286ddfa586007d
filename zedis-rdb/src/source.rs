//! Opening a snapshot: detect its format from the first bytes and stream it through the
//! matching `zedis::persist` reader into a [`Visitor`], with an optional progress bar. This is
//! the only place that chooses a reader; every command goes through [`read`].

use indicatif::{ProgressBar, ProgressStyle};
use std::fs::File;
use std::io::{self, Read};
use std::path::Path;
use thiserror::Error;
use zedis::persist::build::Limits;
use zedis::persist::{self, rdb, zdb, Format, PersistError, Visitor};

/// Files smaller than this never get a progress bar (it would only flicker).
const PROGRESS_MIN_BYTES: u64 = 8 << 20;

/// Why a file could not be read at all (as opposed to being damaged).
#[derive(Debug, Error)]
pub enum OpenError {
    #[error("cannot open {path}: {err}")]
    Io { path: String, err: io::Error },
    #[error("{path} is not a snapshot zedis-rdb reads (it starts with neither REDIS nor ZEDIS)")]
    Unknown { path: String },
    #[error("{path} is an AOF; zedis-rdb reads RDB and .zdb snapshots")]
    Aof { path: String },
}

/// What the reader reported at the end of a read.
#[derive(Debug)]
pub enum Summary {
    Rdb(rdb::ReadSummary),
    Zdb(zdb::ReadReport),
}

/// An opened input file.
pub struct Input {
    pub path: String,
    pub format: Format,
    pub len: u64,
    file: File,
}

impl Input {
    /// Opens `path` and detects its format.
    pub fn open(path: &Path) -> Result<Input, OpenError> {
        let p = path.display().to_string();
        let io_err = |err| OpenError::Io {
            path: p.clone(),
            err,
        };
        let mut file = File::open(path).map_err(io_err)?;
        let len = file.metadata().map_err(io_err)?.len();
        let mut head = [0u8; 9];
        let mut n = 0;
        while n < head.len() {
            match file.read(&mut head[n..]).map_err(io_err)? {
                0 => break,
                k => n += k,
            }
        }
        let format = match persist::detect(&head[..n]) {
            Some(Format::Aof) => return Err(OpenError::Aof { path: p }),
            Some(f) => f,
            None => return Err(OpenError::Unknown { path: p }),
        };
        let file = File::open(path).map_err(io_err)?;
        Ok(Input {
            path: p,
            format,
            len,
            file,
        })
    }

    /// Streams the whole file into `v`. `salvage` applies to .zdb (skip damaged blocks); RDB
    /// salvage is done by the caller (`convert::salvage_rdb`) on top of [`read_rdb_at`].
    pub fn read(
        self,
        v: &mut impl Visitor,
        salvage: bool,
        progress: bool,
    ) -> Result<Summary, PersistError> {
        let bar = progress_bar(self.len, progress);
        let r = Counting {
            inner: self.file,
            bar: bar.clone(),
        };
        let lim = Limits::default();
        let res = match self.format {
            Format::Rdb => rdb::read(r, v, &lim).map(Summary::Rdb),
            _ => {
                let mode = if salvage {
                    zdb::Mode::Salvage
                } else {
                    zdb::Mode::Strict
                };
                zdb::read(r, v, &lim, mode).map(Summary::Zdb)
            }
        };
        if let Some(b) = bar {
            b.finish_and_clear();
        }
        res
    }
}

/// A progress bar on stderr, only when asked, stderr is a terminal and the file is big.
pub fn progress_bar(len: u64, wanted: bool) -> Option<ProgressBar> {
    use std::io::IsTerminal;
    if !wanted || len < PROGRESS_MIN_BYTES || !io::stderr().is_terminal() {
        return None;
    }
    let bar = ProgressBar::new(len);
    if let Ok(style) =
        ProgressStyle::with_template("{bar:40} {bytes}/{total_bytes} {bytes_per_sec} eta {eta}")
    {
        bar.set_style(style);
    }
    Some(bar)
}

/// Counts bytes into the progress bar as the reader pulls them.
struct Counting<R> {
    inner: R,
    bar: Option<ProgressBar>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if let Some(b) = &self.bar {
            b.inc(n as u64);
        }
        Ok(n)
    }
}

/// The exit-code class of a read error: `true` when the file is damaged (exit 1), `false` when
/// it could not be used at all (exit 2: I/O failure, not a snapshot, unsupported version).
pub fn is_damage(e: &PersistError) -> bool {
    matches!(
        e,
        PersistError::Corrupt { .. }
            | PersistError::Truncated { .. }
            | PersistError::Checksum { .. }
    )
}
