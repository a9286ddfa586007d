//! A tiny self-deleting temporary directory, so tests need no extra crate for it.
//!
//! Owns only naming (process id + a per-process counter, so parallel tests and parallel test
//! binaries never collide) and cleanup on drop. It knows nothing about servers.

use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// A directory under [`std::env::temp_dir`] that is removed (with its contents) when dropped.
#[derive(Debug)]
pub struct TempDir {
    path: PathBuf,
}

impl TempDir {
    /// Creates a fresh, empty directory named `zedis-tests-<pid>-<n>-<label>`.
    pub fn new(label: &str) -> io::Result<Self> {
        loop {
            let n = COUNTER.fetch_add(1, Ordering::Relaxed);
            let name = format!("zedis-tests-{}-{n}-{label}", std::process::id());
            let path = std::env::temp_dir().join(name);
            match std::fs::create_dir(&path) {
                Ok(()) => return Ok(Self { path }),
                // A stale directory from an earlier process with a recycled pid: take the next
                // number rather than reusing somebody else's files.
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(e),
            }
        }
    }

    /// The directory's path.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        // Best effort: a leftover directory in /tmp is not worth a panic during unwinding.
        let _ = std::fs::remove_dir_all(&self.path);
    }
}
