//! What a PATH argument names: one AOF file, or an appendonlydir read through its manifest (given
//! as the directory or as the manifest file). Resolving it is the only place that looks at the
//! directory; every command then works on the resulting list of files in loading order.

use indicatif::{ProgressBar, ProgressStyle};
use std::fs;
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use zedis::persist::aof::{AofError, AofFile, AofSet, FileKind};
use zedis::persist::{detect, Format};

/// The suffix Redis gives a manifest (`<appendfilename>.manifest`).
const MANIFEST_SUFFIX: &str = ".manifest";

/// The files to work on.
#[derive(Debug, Clone)]
pub struct Input {
    /// The files in loading order: the base (if any), then the incr files.
    pub files: Vec<AofFile>,
    /// The directory and its manifest, when PATH named one.
    pub set: Option<AofSet>,
}

/// Why PATH could not be resolved. `Set` carries the AOF library's error (a bad manifest, a
/// missing listed file): the directory is damaged rather than unusable.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    #[error("{}: {source}", .path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("{}: no *.manifest file in this directory (is it an appendonlydir?)", .0.display())]
    NoManifest(PathBuf),
    #[error("{}: several manifests ({}); name the one to use", .path.display(), .names.join(", "))]
    ManyManifests { path: PathBuf, names: Vec<String> },
    #[error(transparent)]
    Set(#[from] AofError),
}

impl Input {
    /// Resolves PATH: a directory (its one manifest), a `*.manifest` file, or a single AOF file.
    pub fn open(path: &Path) -> Result<Input, InputError> {
        let meta = fs::metadata(path).map_err(|source| InputError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        if meta.is_dir() {
            let name = find_manifest(path)?;
            return Input::from_manifest(path, &name);
        }
        let file_name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if let Some(appendfilename) = file_name.strip_suffix(MANIFEST_SUFFIX) {
            let dir = match path.parent() {
                Some(p) if !p.as_os_str().is_empty() => p,
                _ => Path::new("."),
            };
            return Input::from_manifest(dir, appendfilename);
        }
        // A single file is what Redis 7 makes the base of an upgraded old-style AOF.
        Ok(Input {
            files: vec![AofFile {
                path: path.to_path_buf(),
                name: file_name,
                seq: 1,
                kind: FileKind::Base,
            }],
            set: None,
        })
    }

    fn from_manifest(dir: &Path, appendfilename: &str) -> Result<Input, InputError> {
        let set = AofSet::open(dir, appendfilename)?;
        Ok(Input {
            files: set.files.clone(),
            set: Some(set),
        })
    }

    /// Whether PATH was a directory or manifest (redis-check-aof's "Multi Part AOF").
    pub fn multi_part(&self) -> bool {
        self.set.is_some()
    }

    /// Total bytes of every file (for progress bars and reports).
    pub fn total_bytes(&self) -> u64 {
        self.files.iter().map(|f| file_len(&f.path)).sum()
    }
}

fn find_manifest(dir: &Path) -> Result<String, InputError> {
    let rd = fs::read_dir(dir).map_err(|source| InputError::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    let mut names = Vec::new();
    for e in rd.flatten() {
        let n = e.file_name().to_string_lossy().into_owned();
        if let Some(stem) = n.strip_suffix(MANIFEST_SUFFIX) {
            // The server's temporary manifest (`temp-<name>.manifest`) is not a manifest yet.
            if !n.starts_with("temp-") {
                names.push(stem.to_string());
            }
        }
    }
    names.sort();
    match names.len() {
        0 => Err(InputError::NoManifest(dir.to_path_buf())),
        1 => Ok(names.remove(0)),
        _ if names.iter().any(|n| n == "appendonly.aof") => Ok("appendonly.aof".into()),
        _ => Err(InputError::ManyManifests {
            path: dir.to_path_buf(),
            names: names
                .into_iter()
                .map(|n| format!("{n}{MANIFEST_SUFFIX}"))
                .collect(),
        }),
    }
}

pub fn file_len(p: &Path) -> u64 {
    fs::metadata(p).map(|m| m.len()).unwrap_or(0)
}

/// How a file's bytes are to be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Content {
    /// RESP commands, possibly after an RDB preamble.
    Resp,
    /// A zedis snapshot (a `.base.zdb`).
    Zdb,
    /// A Redis RDB file (a `.base.rdb`); an `.aof` that starts with `REDIS` is `Resp` with a
    /// preamble instead.
    Rdb,
}

/// Looks at a file's first bytes (and, for RDB, its name) to decide how to read it.
pub fn content(f: &AofFile) -> io::Result<Content> {
    let mut head = [0u8; 8];
    let mut file = fs::File::open(&f.path)?;
    let mut n = 0;
    while n < head.len() {
        match file.read(&mut head[n..])? {
            0 => break,
            k => n += k,
        }
    }
    let resp_name = f.path.extension().is_some_and(|e| e == "aof");
    Ok(match detect(&head[..n]) {
        Some(Format::Zdb) => Content::Zdb,
        Some(Format::Rdb) if f.kind == FileKind::Base && !resp_name => Content::Rdb,
        _ => Content::Resp,
    })
}

/// Smallest input worth a progress bar.
const PROGRESS_MIN_BYTES: u64 = 16 << 20;

/// A progress bar on stderr, only when wanted, stderr is a terminal and the work is big.
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

/// Counts bytes into a progress bar as a reader pulls them.
pub struct Counting<R> {
    pub inner: R,
    pub bar: Option<ProgressBar>,
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
