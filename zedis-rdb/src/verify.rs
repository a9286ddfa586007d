//! `verify`: read the whole file with every check the loader makes, and summarise what it holds
//! (format, version, aux fields, per-database keys / expiries / already expired). On damage the
//! reader's error already names the byte offset, the key being read and what was expected; this
//! module adds the last good record so a reader of the report knows where the damage begins.

use crate::args::Escape;
use crate::escape;
use crate::source::{self, Input, Summary};
use std::collections::BTreeMap;
use std::fmt::Write;
use zedis::persist::{self, CheckedKey, PersistError, Record, Visitor};

/// Everything counted while reading.
#[derive(Debug, Default)]
pub struct Census {
    pub format: &'static str,
    pub version: u32,
    /// Aux fields, in file order (at most [`MAX_AUX`] kept).
    pub aux: Vec<(Vec<u8>, Vec<u8>)>,
    /// Per database: keys, keys with an expiry, keys whose expiry has passed.
    pub dbs: BTreeMap<u32, DbCounts>,
    pub unsupported: u64,
    pub functions: u64,
    pub module_aux: u64,
    /// The last key read in full and where it started.
    pub last_key: Option<(u64, Vec<u8>)>,
    now_ms: u64,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DbCounts {
    pub keys: u64,
    pub expires: u64,
    pub expired: u64,
}

/// Aux fields beyond this many are counted but not kept (a hostile file could hold millions).
const MAX_AUX: usize = 256;

impl Census {
    pub fn new(now_ms: u64) -> Census {
        Census {
            now_ms,
            ..Census::default()
        }
    }

    fn count_key(&mut self, db: u32, expire_at_ms: u64) {
        let d = self.dbs.entry(db).or_default();
        d.keys += 1;
        if expire_at_ms != 0 {
            d.expires += 1;
            if expire_at_ms <= self.now_ms {
                d.expired += 1;
            }
        }
    }

    pub fn total_keys(&self) -> u64 {
        self.dbs.values().map(|d| d.keys).sum()
    }
}

impl Visitor for Census {
    fn record(&mut self, offset: u64, rec: Record) -> Result<(), PersistError> {
        match rec {
            Record::Header { format, version } => {
                self.format = format;
                self.version = version;
            }
            Record::Aux { key, value } => {
                if self.aux.len() < MAX_AUX {
                    self.aux.push((key, value));
                }
            }
            Record::Key(k) => {
                self.count_key(k.db, k.expire_at_ms);
                self.last_key = Some((offset, k.key.to_vec()));
            }
            Record::Unsupported { .. } => self.unsupported += 1,
            Record::Function(_) => self.functions += 1,
            Record::ModuleAux { .. } => self.module_aux += 1,
            Record::SelectDb(_) | Record::ResizeDb { .. } | Record::Eof { .. } => {}
        }
        Ok(())
    }

    /// Verify only counts keys, so the RDB reader checks values without building them.
    fn wants_values(&self) -> bool {
        false
    }

    fn checked_key(&mut self, offset: u64, k: CheckedKey<'_>) -> Result<(), PersistError> {
        self.count_key(k.db, k.expire_at_ms);
        // One buffer for the whole run: the last key is copied, not reallocated, per key.
        match &mut self.last_key {
            Some((off, key)) => {
                *off = offset;
                key.clear();
                key.extend_from_slice(k.key);
            }
            None => self.last_key = Some((offset, k.key.to_vec())),
        }
        Ok(())
    }
}

/// The outcome of `verify`.
pub struct Verdict {
    pub report: String,
    /// 0 valid, 1 damaged, 2 unusable.
    pub exit: i32,
}

/// Verifies `input` and renders the report.
pub fn verify(input: Input, progress: bool, now_ms: u64) -> Verdict {
    let path = input.path.clone();
    let len = input.len;
    let format = input.format;
    let mut c = Census::new(now_ms);
    let res = input.read(&mut c, false, progress);
    let mut out = String::new();
    let _ = writeln!(out, "file: {path} ({len} bytes)");
    if !c.format.is_empty() {
        let _ = writeln!(out, "format: {} version {}", c.format, c.version);
    }
    summary(&mut out, &c);
    let exit = match &res {
        Ok(s) => {
            match s {
                Summary::Rdb(r) => {
                    let crc = r.checksum.map_or("absent or disabled".to_string(), |v| {
                        format!("{v:#018x} ok")
                    });
                    let _ = writeln!(out, "checksum: {crc}");
                    if r.empty_skipped > 0 {
                        let _ = writeln!(out, "empty collections skipped: {}", r.empty_skipped);
                    }
                    if r.bytes < len {
                        let _ = writeln!(
                            out,
                            "note: {} bytes follow the end of the RDB data",
                            len - r.bytes
                        );
                    }
                }
                Summary::Zdb(r) => {
                    let _ = writeln!(
                        out,
                        "written by zedis {}; {} blocks, all checksums ok",
                        r.zedis_version, r.blocks_ok
                    );
                }
            }
            let _ = writeln!(out, "result: valid");
            0
        }
        Err(e) => {
            let damaged = source::is_damage(e);
            let _ = writeln!(out, "error: {e}");
            if damaged {
                match &c.last_key {
                    Some((off, k)) => {
                        let _ = writeln!(
                            out,
                            "last good key: \"{}\" (record at byte {off})",
                            escape::text(k, Escape::Print)
                        );
                    }
                    None => {
                        let _ = writeln!(out, "no key was read before the damage");
                    }
                }
                if format == persist::Format::Zdb {
                    damage_map(&mut out, &path);
                }
                let _ = writeln!(out, "result: damaged");
                1
            } else {
                let _ = writeln!(out, "result: unusable");
                2
            }
        }
    };
    Verdict { report: out, exit }
}

/// For a damaged .zdb: every damaged stretch, from a second, salvaging pass (the strict pass
/// stops at the first), so one run shows the whole extent of the damage.
fn damage_map(out: &mut String, path: &str) {
    let Ok(input) = Input::open(std::path::Path::new(path)) else {
        return;
    };
    let mut c = Census::new(0);
    if let Ok(Summary::Zdb(r)) = input.read(&mut c, true, false) {
        let _ = writeln!(
            out,
            "damage map ({} damaged stretch(es); {} keys readable):",
            r.damaged.len(),
            c.total_keys()
        );
        for d in &r.damaged {
            let keys = d
                .records_lost
                .map_or("unknown".to_string(), |n| n.to_string());
            let _ = writeln!(
                out,
                "  bytes {}..{}: {} block(s) lost{}, keys lost: {keys}: {}",
                d.offset,
                d.offset + d.len,
                d.blocks_lost,
                d.block_index
                    .map_or(String::new(), |i| format!(" from index {i}")),
                d.what
            );
        }
    }
}

/// Aux fields and per-database counts.
pub fn summary(out: &mut String, c: &Census) {
    for (k, v) in &c.aux {
        let _ = writeln!(
            out,
            "aux {}: {}",
            escape::text(k, Escape::Print),
            escape::text(v, Escape::Print)
        );
    }
    for (db, d) in &c.dbs {
        let _ = writeln!(
            out,
            "db {db}: keys={} expires={} already_expired={}",
            d.keys, d.expires, d.expired
        );
    }
    let _ = writeln!(out, "total keys: {}", c.total_keys());
    if c.unsupported > 0 {
        let _ = writeln!(
            out,
            "unsupported keys (streams, module values) skipped: {}",
            c.unsupported
        );
    }
    if c.functions > 0 {
        let _ = writeln!(out, "function libraries: {}", c.functions);
    }
    if c.module_aux > 0 {
        let _ = writeln!(out, "module aux records skipped: {}", c.module_aux);
    }
}
