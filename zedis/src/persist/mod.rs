//! Every persistent byte format zedis reads or writes, and nothing else: Redis RDB (`rdb`),
//! the native snapshot format `.zdb` (`zdb`), and later the AOF. Readers are synchronous and
//! streaming: they pull from any `Read` and hand one [`Record`] at a time to a [`Visitor`], so
//! the server fills its store, and the offline tools dump or count a file, in memory bounded by
//! the largest single key. Writers take store [`Value`]s directly.
//!
//! Why records carry store `Value`s rather than a neutral tree: loading must cost no second
//! conversion, and the store's value types already are the one model of every Redis type. The
//! readers build them through [`build`], which picks the encoding the current thresholds ask for.

pub mod aof;
pub mod build;
pub mod rdb;

pub mod zdb;

use crate::store::{SmallBytes, Value};
use thiserror::Error;

/// One thing a snapshot file says, in file order.
#[derive(Debug)]
pub enum Record {
    /// Format identification: `format` is "rdb" or "zdb", `version` its format version.
    Header { format: &'static str, version: u32 },
    /// An auxiliary field (`redis-ver`, `ctime`, `used-mem`, `aof-base`, ...).
    Aux { key: Vec<u8>, value: Vec<u8> },
    /// Keys that follow belong to this database.
    SelectDb(u32),
    /// Size hints for the current database.
    ResizeDb { keys: u64, expires: u64 },
    /// One key and its value.
    Key(KeyRecord),
    /// A function library's source (`RDB_OPCODE_FUNCTION2`); kept so it can be reported.
    Function(Vec<u8>),
    /// Module auxiliary data that was skipped.
    ModuleAux { module_id: u64 },
    /// A key whose type zedis cannot hold (stream, module value): named, never silently dropped.
    Unsupported {
        db: u32,
        key: Vec<u8>,
        /// What it was, e.g. "stream (RDB type 21)" or "module type 'ReJSON-RL'".
        what: String,
    },
    /// End of data; `checksum` is what the file stored (0 or absent when checksums are off).
    Eof { checksum: Option<u64> },
}

/// A key as stored in a snapshot.
#[derive(Debug)]
pub struct KeyRecord {
    pub db: u32,
    /// The key in the store's own key type, so the loader moves it into the entry as it is
    /// (short keys are inline: no allocation on the decoding thread, no free on the inserting one).
    pub key: SmallBytes,
    pub value: Value,
    /// Absolute expiry in unix milliseconds; 0 = persistent.
    pub expire_at_ms: u64,
    /// LRU idle time in seconds, when the file recorded it.
    pub idle_secs: Option<u64>,
    /// LFU counter (the logarithmic 8-bit one), when the file recorded it.
    pub lfu_freq: Option<u8>,
    /// The encoding the file used for this value (e.g. "ziplist", "quicklist2", "intset",
    /// "listpack", "string-lzf"), for tools that report it.
    pub file_encoding: &'static str,
}

/// A key read by a check-only pass: what a [`KeyRecord`] says except the value, which was
/// validated as thoroughly as for a load but not built. Borrowed: the reader reuses its buffers.
#[derive(Debug)]
pub struct CheckedKey<'a> {
    pub db: u32,
    pub key: &'a [u8],
    /// Absolute expiry in unix milliseconds; 0 = persistent.
    pub expire_at_ms: u64,
    pub idle_secs: Option<u64>,
    pub lfu_freq: Option<u8>,
    /// As [`KeyRecord::file_encoding`].
    pub file_encoding: &'static str,
}

/// Receives the records of a file as they are read. `offset` is where the record starts in the
/// (uncompressed) file, for reports. Returning an error stops the read.
pub trait Visitor {
    fn record(&mut self, offset: u64, rec: Record) -> Result<(), PersistError>;

    /// Whether keys must arrive with their values. A visitor that only counts (`zedis-rdb
    /// verify`) answers false: the RDB reader then makes every check a load makes (same errors,
    /// same offsets) but builds no store values, and hands each key to
    /// [`Visitor::checked_key`] instead of `record(Record::Key)`. Building values was most of
    /// the cost of verifying. Readers that cannot skip building (.zdb) ignore this.
    fn wants_values(&self) -> bool {
        true
    }

    /// A key read without its value; only called when [`Visitor::wants_values`] is false.
    fn checked_key(&mut self, _offset: u64, _key: CheckedKey<'_>) -> Result<(), PersistError> {
        Ok(())
    }
}

/// A visitor that collects everything (tests, small files).
#[derive(Debug, Default)]
pub struct Collect(pub Vec<Record>);

impl Visitor for Collect {
    fn record(&mut self, _offset: u64, rec: Record) -> Result<(), PersistError> {
        self.0.push(rec);
        Ok(())
    }
}

/// Why a file could not be read or written.
#[derive(Debug, Error)]
pub enum PersistError {
    #[error("I/O error: {0}")]
    Io(#[from] std::io::Error),
    /// The bytes are not what the format allows at `offset`.
    #[error("corrupt at byte {offset}{}: {what}", key_ctx(.key))]
    Corrupt {
        offset: u64,
        /// The key being read, when known.
        key: Option<Vec<u8>>,
        what: String,
    },
    /// The file ended in the middle of something.
    #[error("truncated at byte {offset}{}: {what}", key_ctx(.key))]
    Truncated {
        offset: u64,
        key: Option<Vec<u8>>,
        what: String,
    },
    /// A checksum did not match.
    #[error("checksum mismatch {what}: stored {stored:#x}, computed {computed:#x}")]
    Checksum {
        what: String,
        stored: u64,
        computed: u64,
    },
    /// Not a file this reader understands (bad magic, version too new).
    #[error("{0}")]
    Unsupported(String),
    /// A visitor refused a record (e.g. the server's loader on a full database index).
    #[error("{0}")]
    Rejected(String),
}

fn key_ctx(key: &Option<Vec<u8>>) -> String {
    match key {
        Some(k) => format!(" (key \"{}\")", String::from_utf8_lossy(k).escape_debug()),
        None => String::new(),
    }
}

/// Which format a file holds, by its first bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Redis RDB (`REDIS0009` ...).
    Rdb,
    /// Native zedis snapshot.
    Zdb,
    /// A RESP AOF (starts with `*`).
    Aof,
}

/// Detects the format from a file's first bytes (at least 9 should be given).
pub fn detect(head: &[u8]) -> Option<Format> {
    if head.starts_with(b"REDIS") {
        Some(Format::Rdb)
    } else if head.starts_with(b"ZEDIS") {
        Some(Format::Zdb)
    } else if head.first() == Some(&b'*') {
        Some(Format::Aof)
    } else {
        None
    }
}
