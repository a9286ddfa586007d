//! The streaming RDB reader: parses straight out of a `BufRead`'s buffer, checks the CRC-64 over
//! whole buffers as they are used up, and hands each AUX field, database switch and key to a
//! [`Visitor`] as soon as it is read, so memory is bounded by the largest single value. Every
//! error names the byte offset and, inside a key, the key. Lengths announced by the file are never
//! trusted for allocation: strings are read in pieces as the bytes arrive, element counts only cap
//! a small initial capacity.
//!
//! Two ways to read a value, chosen by [`Visitor::wants_values`]: [`Src::value`] builds the store
//! value (loading, dump, convert); [`Src::check_value`] makes the same checks in the same order
//! with the same errors but builds nothing — strings go to reused buffers, blobs are validated in
//! place, duplicate members are found with one reused table (`verify`).

use super::{intset, listpack, listpack::Elem, lzf, opcodes, types, ziplist, zipmap, Checksum};
use crate::persist::build::{self, Limits};
use crate::persist::{CheckedKey, KeyRecord, PersistError, Record, Visitor};
use crate::store::zset::pack::Packed;
use crate::store::{HashValue, SmallBytes, Value, ZSetValue};
use crate::util::num::fmt_i64;
use std::hash::BuildHasher;
use std::io::{BufRead, BufReader, ErrorKind, Read};

/// What a whole read found.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReadSummary {
    /// The file's RDB version.
    pub version: u32,
    /// Keys handed to the visitor as `Record::Key`.
    pub keys: u64,
    /// Empty collections the file held; skipped as Redis skips them.
    pub empty_skipped: u64,
    /// Keys reported as `Record::Unsupported`.
    pub unsupported: u64,
    /// The checksum stored after EOF (None for versions before 5, or when it was 0 = disabled).
    pub checksum: Option<u64>,
    /// Bytes consumed, up to and including the checksum.
    pub bytes: u64,
}

/// Reads a whole RDB stream through a buffer of its own.
pub fn read<R: Read>(
    r: R,
    v: &mut impl Visitor,
    lim: &Limits,
) -> Result<ReadSummary, PersistError> {
    // Large enough that the per-buffer checksum runs over long slices and reads are few.
    read_buffered(&mut BufReader::with_capacity(256 * 1024, r), v, lim)
}

/// Reads an RDB stream from a caller's buffered reader and stops right after the EOF opcode and
/// its checksum, so whatever follows (the AOF after an RDB preamble) is still there to read.
pub fn read_buffered<B: BufRead>(
    r: &mut B,
    v: &mut impl Visitor,
    lim: &Limits,
) -> Result<ReadSummary, PersistError> {
    let check_only = !v.wants_values();
    let mut src = Src::new(r);
    let mut magic = [0u8; 9];
    src.fill(&mut magic, "the RDB header")?;
    if &magic[..5] != b"REDIS" {
        return Err(PersistError::Unsupported(
            "not an RDB file (no REDIS magic)".into(),
        ));
    }
    let version = std::str::from_utf8(&magic[5..])
        .ok()
        .filter(|s| s.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|s| s.parse::<u32>().ok())
        .ok_or_else(|| PersistError::Unsupported("RDB header has a malformed version".into()))?;
    if !(1..=super::MAX_READ_VERSION).contains(&version) {
        return Err(PersistError::Unsupported(format!(
            "RDB version {version} is not supported (1 to {} are)",
            super::MAX_READ_VERSION
        )));
    }
    let mut sum = ReadSummary {
        version,
        ..ReadSummary::default()
    };
    v.record(
        0,
        Record::Header {
            format: "rdb",
            version,
        },
    )?;
    let mut db = 0u32;
    let mut expire_at_ms = 0u64;
    let mut idle_secs = None;
    let mut lfu_freq = None;
    loop {
        let off = src.pos;
        let t = src.u8("an opcode or value type")?;
        match t {
            opcodes::EXPIRETIME_MS => {
                let mut b = [0u8; 8];
                src.fill(&mut b, "an expire time")?;
                expire_at_ms = u64::from_le_bytes(b);
            }
            opcodes::EXPIRETIME => {
                let mut b = [0u8; 4];
                src.fill(&mut b, "an expire time")?;
                // A signed 32-bit count of seconds, as Redis reads it: times past 2038 come
                // out negative, i.e. long expired (1 ms after the epoch; 0 would mean "none").
                let secs = i32::from_le_bytes(b);
                expire_at_ms = if secs > 0 { secs as u64 * 1000 } else { 1 };
            }
            opcodes::SELECTDB => {
                let n = src.length("a database number")?;
                db = u32::try_from(n)
                    .map_err(|_| src.corrupt(format!("database number {n} is too large")))?;
                v.record(off, Record::SelectDb(db))?;
            }
            opcodes::RESIZEDB => {
                let keys = src.length("a database size")?;
                let expires = src.length("an expires size")?;
                v.record(off, Record::ResizeDb { keys, expires })?;
            }
            opcodes::AUX => {
                let key = src.string("an AUX field name")?;
                let value = src.string("an AUX field value")?;
                v.record(off, Record::Aux { key, value })?;
            }
            opcodes::FREQ => lfu_freq = Some(src.u8("an LFU frequency")?),
            opcodes::IDLE => idle_secs = Some(src.length("an LRU idle time")?),
            opcodes::MODULE_AUX => {
                let module_id = src.length("a module id")?;
                let when_opcode = src.length("a module aux 'when' opcode")?;
                src.length("a module aux 'when'")?;
                if when_opcode != MODULE_OPCODE_UINT {
                    return Err(src.corrupt("module aux data has a bad 'when' opcode".into()));
                }
                src.skip_module_value()?;
                v.record(off, Record::ModuleAux { module_id })?;
            }
            opcodes::FUNCTION_PRE_GA => {
                return Err(PersistError::Unsupported(format!(
                    "at byte {off}: the pre-release function format (RDB opcode 246) is not supported"
                )));
            }
            opcodes::FUNCTION2 => {
                let code = src.string("a function library")?;
                v.record(off, Record::Function(code))?;
            }
            opcodes::EOF => {
                if version >= 5 {
                    // Everything up to here, the EOF byte included, goes into the checksum.
                    src.settle()?;
                    let computed = src.digest.clone().finalize();
                    let mut b = [0u8; 8];
                    src.fill(&mut b, "the checksum")?;
                    let stored = u64::from_le_bytes(b);
                    if stored != 0 {
                        if stored != computed {
                            return Err(PersistError::Checksum {
                                what: format!("of the RDB file (bytes 0 to {})", off + 1),
                                stored,
                                computed,
                            });
                        }
                        sum.checksum = Some(stored);
                    }
                }
                sum.bytes = src.pos;
                // Leave the caller's reader right after the checksum (an AOF may follow).
                src.settle()?;
                v.record(
                    off,
                    Record::Eof {
                        checksum: sum.checksum,
                    },
                )?;
                return Ok(sum);
            }
            t => {
                src.read_key()?;
                let loaded = if check_only {
                    src.check_value(t, lim)?
                } else {
                    src.value(t, lim)?
                };
                src.in_key = false;
                match loaded {
                    Loaded::Value(value, file_encoding) => {
                        sum.keys += 1;
                        v.record(
                            off,
                            Record::Key(KeyRecord {
                                db,
                                key: SmallBytes::new(&src.key),
                                value,
                                expire_at_ms,
                                idle_secs,
                                lfu_freq,
                                file_encoding,
                            }),
                        )?;
                    }
                    Loaded::Checked(file_encoding) => {
                        sum.keys += 1;
                        v.checked_key(
                            off,
                            CheckedKey {
                                db,
                                key: &src.key,
                                expire_at_ms,
                                idle_secs,
                                lfu_freq,
                                file_encoding,
                            },
                        )?;
                    }
                    Loaded::Empty => sum.empty_skipped += 1,
                    Loaded::Skipped(what) => {
                        sum.unsupported += 1;
                        let key = src.key.clone();
                        v.record(off, Record::Unsupported { db, key, what })?;
                    }
                }
                expire_at_ms = 0;
                idle_secs = None;
                lfu_freq = None;
            }
        }
    }
}

/// One value as read.
#[derive(Debug)]
pub enum Loaded {
    /// A value and the encoding the file used for it.
    Value(Value, &'static str),
    /// A value that was checked but not built (check-only reads), and its file encoding.
    Checked(&'static str),
    /// An empty collection, which Redis skips on load (and RESTORE refuses).
    Empty,
    /// A value that was parsed and thrown away; the text says what it was.
    Skipped(String),
}

const MODULE_OPCODE_EOF: u64 = 0;
const MODULE_OPCODE_SINT: u64 = 1;
const MODULE_OPCODE_UINT: u64 = 2;
const MODULE_OPCODE_FLOAT: u64 = 3;
const MODULE_OPCODE_DOUBLE: u64 = 4;
const MODULE_OPCODE_STRING: u64 = 5;

/// A length field: a plain count, or (for strings) one of the special encodings.
enum Len {
    Plain(u64),
    Special(u8),
}

/// The byte source: the reader, how much of its buffer is parsed, position, running checksum,
/// the key being read (for error messages) and the check-only path's reused buffers.
pub(crate) struct Src<R> {
    r: R,
    /// Bytes at the front of the reader's buffer (`fill_buf`) that are parsed but not yet
    /// consumed. They are checksummed and consumed in one piece when the buffer is used up, so
    /// the CRC runs over whole buffers instead of field by field. Invariant: never more than
    /// the buffer holds (bytes are only marked once `fill_buf` showed them).
    used: usize,
    pub(crate) pos: u64,
    digest: Checksum,
    /// The key being read; errors name it while `in_key`.
    key: Vec<u8>,
    in_key: bool,
    /// Check-only scratch: a blob, LZF input and output, and the duplicate finder.
    blob: Vec<u8>,
    lzf_in: Vec<u8>,
    lzf_out: Vec<u8>,
    distinct: Distinct,
}

impl<R: BufRead> Src<R> {
    pub(crate) fn new(r: R) -> Src<R> {
        Src {
            r,
            used: 0,
            pos: 0,
            digest: super::checksum(),
            key: Vec::new(),
            in_key: false,
            blob: Vec::new(),
            lzf_in: Vec::new(),
            lzf_out: Vec::new(),
            distinct: Distinct::default(),
        }
    }

    fn key_ctx(&self) -> Option<Vec<u8>> {
        self.in_key.then(|| self.key.clone())
    }

    pub(crate) fn corrupt(&self, what: String) -> PersistError {
        PersistError::Corrupt {
            offset: self.pos,
            key: self.key_ctx(),
            what,
        }
    }

    fn truncated(&self, what: &str) -> PersistError {
        PersistError::Truncated {
            offset: self.pos,
            key: self.key_ctx(),
            what: format!("the file ends inside {what}"),
        }
    }

    /// Checksums and consumes the parsed part of the reader's buffer.
    fn settle(&mut self) -> Result<(), PersistError> {
        if self.used > 0 {
            // The buffer still holds unconsumed bytes, so this does no I/O.
            let buf = self.r.fill_buf()?;
            let done = &buf[..self.used.min(buf.len())];
            self.digest.update(done);
            let n = done.len();
            self.r.consume(n);
            self.used = 0;
        }
        Ok(())
    }

    /// Up to `max` of the next bytes, straight from the reader's buffer (refilled when used
    /// up), marked as read; empty only at the end of the input.
    fn chunk(&mut self, max: u64) -> Result<&[u8], PersistError> {
        let have = match self.r.fill_buf() {
            Ok(b) => b.len().saturating_sub(self.used),
            Err(_) => 0,
        };
        if have == 0 {
            self.settle()?;
            loop {
                match self.r.fill_buf() {
                    Ok([]) => return Ok(&[]),
                    Ok(_) => break,
                    Err(e) if e.kind() == ErrorKind::Interrupted => {}
                    Err(e) => return Err(e.into()),
                }
            }
        }
        let b = self.r.fill_buf()?;
        let start = self.used.min(b.len());
        let k = ((b.len() - start) as u64).min(max) as usize;
        self.used = start + k;
        self.pos += k as u64;
        Ok(&b[start..start + k])
    }

    fn fill(&mut self, buf: &mut [u8], what: &str) -> Result<(), PersistError> {
        if let Ok(b) = self.r.fill_buf() {
            if let Some(s) = b.get(self.used..self.used + buf.len()) {
                buf.copy_from_slice(s);
                self.used += buf.len();
                self.pos += buf.len() as u64;
                return Ok(());
            }
        }
        // Across a buffer boundary (or at the end): piece by piece. A short read reports the
        // offset where the field started.
        let mut got = 0;
        while got < buf.len() {
            let c = self.chunk((buf.len() - got) as u64)?;
            if c.is_empty() {
                self.pos -= got as u64;
                return Err(self.truncated(what));
            }
            buf[got..got + c.len()].copy_from_slice(c);
            got += c.len();
        }
        Ok(())
    }

    fn u8(&mut self, what: &str) -> Result<u8, PersistError> {
        if let Ok(b) = self.r.fill_buf() {
            if let Some(&x) = b.get(self.used) {
                self.used += 1;
                self.pos += 1;
                return Ok(x);
            }
        }
        let mut b = [0u8; 1];
        self.fill(&mut b, what)?;
        Ok(b[0])
    }

    /// Appends up to `n` bytes to `out` as they arrive; returns how many there were.
    fn append(&mut self, n: u64, out: &mut Vec<u8>) -> Result<u64, PersistError> {
        let mut got = 0;
        while got < n {
            let c = self.chunk(n - got)?;
            if c.is_empty() {
                break;
            }
            out.extend_from_slice(c);
            got += c.len() as u64;
        }
        Ok(got)
    }

    /// Reads `n` bytes, growing the buffer only as bytes actually arrive.
    fn bytes(&mut self, n: u64, what: &str) -> Result<Vec<u8>, PersistError> {
        let mut out = Vec::with_capacity(n.min(64 * 1024) as usize);
        if self.append(n, &mut out)? < n {
            return Err(self.truncated(what));
        }
        Ok(out)
    }

    /// Passes over `n` bytes (they still go into the checksum).
    fn skip(&mut self, n: u64, what: &str) -> Result<(), PersistError> {
        let mut got = 0;
        while got < n {
            let c = self.chunk(n - got)?.len() as u64;
            if c == 0 {
                return Err(self.truncated(what));
            }
            got += c;
        }
        Ok(())
    }

    /// Reads a key into the reused key buffer; errors from here on name it.
    fn read_key(&mut self) -> Result<(), PersistError> {
        let mut k = std::mem::take(&mut self.key);
        k.clear();
        let res = self.string_check("a key", Some(&mut k));
        self.key = k;
        res?;
        self.in_key = true;
        Ok(())
    }

    fn raw_len(&mut self, what: &str) -> Result<Len, PersistError> {
        let b = self.u8(what)?;
        Ok(match b >> 6 {
            0 => Len::Plain((b & 0x3F) as u64),
            1 => Len::Plain((((b & 0x3F) as u64) << 8) | self.u8(what)? as u64),
            2 => match b {
                0x80 => {
                    let mut x = [0u8; 4];
                    self.fill(&mut x, what)?;
                    Len::Plain(u32::from_be_bytes(x) as u64)
                }
                0x81 => {
                    let mut x = [0u8; 8];
                    self.fill(&mut x, what)?;
                    Len::Plain(u64::from_be_bytes(x))
                }
                _ => return Err(self.corrupt(format!("bad length byte {b:#04x} in {what}"))),
            },
            _ => Len::Special(b & 0x3F),
        })
    }

    fn length(&mut self, what: &str) -> Result<u64, PersistError> {
        match self.raw_len(what)? {
            Len::Plain(n) => Ok(n),
            Len::Special(_) => Err(self.corrupt(format!("{what} uses a string encoding"))),
        }
    }

    fn string(&mut self, what: &str) -> Result<Vec<u8>, PersistError> {
        Ok(self.string_enc(what)?.0)
    }

    /// A string and how it was stored ("raw", "int", "lzf").
    fn string_enc(&mut self, what: &str) -> Result<(Vec<u8>, &'static str), PersistError> {
        match self.raw_len(what)? {
            Len::Plain(n) => Ok((self.bytes(n, what)?, "raw")),
            Len::Special(0) => Ok(((self.u8(what)? as i8).to_string().into_bytes(), "int")),
            Len::Special(1) => {
                let mut b = [0u8; 2];
                self.fill(&mut b, what)?;
                Ok((i16::from_le_bytes(b).to_string().into_bytes(), "int"))
            }
            Len::Special(2) => {
                let mut b = [0u8; 4];
                self.fill(&mut b, what)?;
                Ok((i32::from_le_bytes(b).to_string().into_bytes(), "int"))
            }
            Len::Special(3) => {
                let clen = self.length(what)?;
                let ulen = self.length(what)?;
                let start = self.pos;
                let c = self.bytes(clen, what)?;
                let ulen = usize::try_from(ulen).unwrap_or(usize::MAX);
                let v = lzf::decompress(&c, ulen).map_err(|e| PersistError::Corrupt {
                    offset: start,
                    key: self.key_ctx(),
                    what: format!("{what}: {e}"),
                })?;
                Ok((v, "lzf"))
            }
            Len::Special(n) => Err(self.corrupt(format!("unknown string encoding {n} in {what}"))),
        }
    }

    /// A blob for one of the compact encodings, and where it started (for error offsets).
    fn blob(&mut self, what: &str) -> Result<(Vec<u8>, u64), PersistError> {
        let start = self.pos;
        Ok((self.string(what)?, start))
    }

    fn blob_err(&self, start: u64, what: String) -> PersistError {
        PersistError::Corrupt {
            offset: start,
            key: self.key_ctx(),
            what,
        }
    }

    /// The text-encoded double of RDB type 3 (ZSET v1).
    fn old_double(&mut self) -> Result<f64, PersistError> {
        match self.u8("a score")? {
            253 => Ok(f64::NAN),
            254 => Ok(f64::INFINITY),
            255 => Ok(f64::NEG_INFINITY),
            n => {
                let b = self.bytes(n as u64, "a score")?;
                std::str::from_utf8(&b)
                    .ok()
                    .and_then(|s| s.trim().parse::<f64>().ok())
                    .ok_or_else(|| self.corrupt("a score is not a number".into()))
            }
        }
    }

    fn binary_double(&mut self) -> Result<f64, PersistError> {
        let mut b = [0u8; 8];
        self.fill(&mut b, "a score")?;
        Ok(f64::from_le_bytes(b))
    }

    fn check_score(&self, s: f64) -> Result<f64, PersistError> {
        if s.is_nan() {
            Err(self.corrupt("sorted set score is NaN".into()))
        } else {
            Ok(s)
        }
    }

    /// Reads one value of type `t`.
    pub(crate) fn value(&mut self, t: u8, lim: &Limits) -> Result<Loaded, PersistError> {
        let value = match t {
            types::STRING => {
                let (s, enc) = self.string_enc("a string value")?;
                let enc = match enc {
                    "int" => "string-int",
                    "lzf" => "string-lzf",
                    _ => "string",
                };
                return Ok(Loaded::Value(build::string(&s), enc));
            }
            types::LIST => {
                let n = self.length("a list length")?;
                let mut items = Vec::with_capacity(n.min(1024) as usize);
                for _ in 0..n {
                    items.push(self.string("a list element")?);
                }
                (build::list(items), "linkedlist", n)
            }
            types::SET => {
                let n = self.length("a set size")?;
                let mut items = Vec::with_capacity(n.min(1024) as usize);
                for _ in 0..n {
                    items.push(self.string("a set member")?);
                }
                (build::set(items, lim), "hashtable", n)
            }
            types::ZSET | types::ZSET_2 => {
                let n = self.length("a sorted set size")?;
                let mut items = Vec::with_capacity(n.min(1024) as usize);
                for _ in 0..n {
                    let m = self.string("a sorted set member")?;
                    let s = if t == types::ZSET {
                        self.old_double()?
                    } else {
                        self.binary_double()?
                    };
                    items.push((m, self.check_score(s)?));
                }
                let enc = if t == types::ZSET {
                    "skiplist-v1"
                } else {
                    "skiplist"
                };
                (build::zset(items, lim), enc, n)
            }
            types::HASH => {
                let n = self.length("a hash size")?;
                let mut items = Vec::with_capacity(n.min(1024) as usize);
                for _ in 0..n {
                    let f = self.string("a hash field")?;
                    let v = self.string("a hash value")?;
                    items.push((f, v));
                }
                (build::hash(items, lim), "hashtable", n)
            }
            types::HASH_ZIPMAP => {
                let (b, at) = self.blob("a zipmap")?;
                let pairs = zipmap::parse(&b).map_err(|e| self.blob_err(at, e))?;
                let n = pairs.len() as u64;
                (build::hash(pairs, lim), "zipmap", n)
            }
            types::LIST_ZIPLIST => {
                let (b, at) = self.blob("a ziplist")?;
                let items = ziplist::parse(&b).map_err(|e| self.blob_err(at, e))?;
                let n = items.len() as u64;
                (
                    build::list(items.into_iter().map(Elem::to_vec)),
                    "ziplist",
                    n,
                )
            }
            types::SET_INTSET => {
                let (b, at) = self.blob("an intset")?;
                let ints = intset::parse(&b).map_err(|e| self.blob_err(at, e))?;
                let n = ints.len() as u64;
                let items = ints.into_iter().map(|i| i.to_string().into_bytes());
                (build::set(items, lim), "intset", n)
            }
            types::SET_LISTPACK => {
                let (b, at) = self.blob("a set listpack")?;
                let items = listpack::parse(&b).map_err(|e| self.blob_err(at, e))?;
                let n = items.len() as u64;
                (
                    build::set(items.into_iter().map(Elem::to_vec), lim),
                    "listpack",
                    n,
                )
            }
            types::ZSET_ZIPLIST | types::ZSET_LISTPACK => {
                let zip = t == types::ZSET_ZIPLIST;
                let (b, at) = self.blob("a sorted set blob")?;
                let elems = if zip {
                    ziplist::parse(&b)
                } else {
                    listpack::parse(&b)
                }
                .map_err(|e| self.blob_err(at, e))?;
                if elems.len() % 2 != 0 {
                    return Err(self.blob_err(at, "sorted set blob has an odd entry count".into()));
                }
                let mut items = Vec::with_capacity(elems.len() / 2);
                for pair in elems.chunks_exact(2) {
                    let score = match pair[1] {
                        Elem::Int(i) => i as f64,
                        Elem::Str(s) => std::str::from_utf8(s)
                            .ok()
                            .and_then(|s| s.parse::<f64>().ok())
                            .ok_or_else(|| self.blob_err(at, "a score is not a number".into()))?,
                    };
                    items.push((pair[0].to_vec(), self.check_score(score)?));
                }
                let n = items.len() as u64;
                let enc = if zip { "ziplist" } else { "listpack" };
                (
                    compact_zset(items, lim).map_err(|e| self.blob_err(at, e))?,
                    enc,
                    n,
                )
            }
            types::HASH_ZIPLIST | types::HASH_LISTPACK => {
                let zip = t == types::HASH_ZIPLIST;
                let (b, at) = self.blob("a hash blob")?;
                let elems = if zip {
                    ziplist::parse(&b)
                } else {
                    listpack::parse(&b)
                }
                .map_err(|e| self.blob_err(at, e))?;
                if elems.len() % 2 != 0 {
                    return Err(self.blob_err(at, "hash blob has an odd entry count".into()));
                }
                let n = (elems.len() / 2) as u64;
                let pairs = elems
                    .chunks_exact(2)
                    .map(|p| (p[0].to_vec(), p[1].to_vec()))
                    .collect();
                let enc = if zip { "ziplist" } else { "listpack" };
                (
                    compact_hash(pairs, lim).map_err(|e| self.blob_err(at, e))?,
                    enc,
                    n,
                )
            }
            types::LIST_QUICKLIST | types::LIST_QUICKLIST_2 => {
                let v2 = t == types::LIST_QUICKLIST_2;
                let nodes = self.length("a quicklist node count")?;
                let mut items: Vec<Vec<u8>> = Vec::new();
                for _ in 0..nodes {
                    let container = if v2 {
                        self.length("a quicklist node container")?
                    } else {
                        QUICKLIST_PACKED
                    };
                    let (b, at) = self.blob("a quicklist node")?;
                    match container {
                        QUICKLIST_PLAIN => items.push(b),
                        QUICKLIST_PACKED => {
                            let elems = if v2 {
                                listpack::parse(&b)
                            } else {
                                ziplist::parse(&b)
                            }
                            .map_err(|e| self.blob_err(at, e))?;
                            items.extend(elems.into_iter().map(Elem::to_vec));
                        }
                        c => {
                            return Err(
                                self.blob_err(at, format!("unknown quicklist container {c}"))
                            )
                        }
                    }
                }
                let n = items.len() as u64;
                let enc = if v2 { "quicklist2" } else { "quicklist" };
                (build::list(items), enc, n)
            }
            types::STREAM_LISTPACKS | types::STREAM_LISTPACKS_2 | types::STREAM_LISTPACKS_3 => {
                self.skip_stream(t)?;
                return Ok(Loaded::Skipped(format!("stream (RDB type {t})")));
            }
            types::MODULE_2 => {
                let id = self.length("a module id")?;
                self.skip_module_value()?;
                return Ok(Loaded::Skipped(format!(
                    "module type '{}' (RDB type 7)",
                    module_name(id)
                )));
            }
            types::MODULE_PRE_GA => {
                let id = self.length("a module id")?;
                return Err(PersistError::Unsupported(format!(
                    "at byte {}{}: a value of module type '{}' in the pre-release module format \
                     (RDB type 6) cannot be skipped without the module",
                    self.pos,
                    key_ctx(&self.key_ctx()),
                    module_name(id)
                )));
            }
            22..=25 => {
                // Redis 7.4's hashes with field expirations. There are no field TTLs here, and
                // loading the fields without them would make expiring data permanent, so the
                // key is walked over and reported.
                if t == 24 || t == 25 {
                    let mut min_expire = [0u8; 8];
                    self.fill(&mut min_expire, "a hash's minimum field expiry")?;
                }
                if t == 22 || t == 24 {
                    let n = self.length("a hash size")?;
                    for _ in 0..n {
                        self.length("a field expiry")?;
                        self.string("a hash field")?;
                        self.string("a hash value")?;
                    }
                } else {
                    let (b, at) = self.blob("a hash listpack")?;
                    let elems = listpack::parse(&b).map_err(|e| self.blob_err(at, e))?;
                    if elems.len() % 3 != 0 {
                        return Err(self
                            .blob_err(at, "hash listpack is not field/value/ttl triples".into()));
                    }
                }
                return Ok(Loaded::Skipped(format!(
                    "hash with field expirations (RDB type {t})"
                )));
            }
            t => return Err(self.corrupt(format!("unknown value type {t}"))),
        };
        let (value, enc, announced) = value;
        if value.is_empty_collection() {
            return Ok(Loaded::Empty);
        }
        // A collection smaller than what the file listed had repeated members: Redis refuses
        // those files rather than guess which copy wins.
        let held = match &value {
            Value::List(l) => l.len(),
            Value::Set(s) => s.len(),
            Value::Hash(h) => h.len(),
            Value::ZSet(z) => z.len(),
            _ => announced as usize,
        };
        if held as u64 != announced {
            return Err(self.corrupt(format!(
                "{} has duplicate members ({announced} listed, {held} distinct)",
                value.kind().name()
            )));
        }
        Ok(Loaded::Value(value, enc))
    }

    /// Parses a stream value (all three layouts) and throws it away.
    fn skip_stream(&mut self, t: u8) -> Result<(), PersistError> {
        let nodes = self.length("a stream node count")?;
        for _ in 0..nodes {
            let id = self.string("a stream node key")?;
            if id.len() != 16 {
                return Err(self.corrupt("stream node key is not a 16-byte ID".into()));
            }
            self.string("a stream listpack")?;
        }
        let mut lens = 3; // length, last id ms, last id seq
        if t >= types::STREAM_LISTPACKS_2 {
            lens += 5; // first id, max deleted id, entries added
        }
        for _ in 0..lens {
            self.length("a stream field")?;
        }
        let groups = self.length("a consumer group count")?;
        for _ in 0..groups {
            self.string("a consumer group name")?;
            self.length("a consumer group id")?;
            self.length("a consumer group id")?;
            if t >= types::STREAM_LISTPACKS_2 {
                self.length("a consumer group read counter")?;
            }
            let pel = self.length("a pending entries count")?;
            for _ in 0..pel {
                let mut b = [0u8; 16 + 8];
                self.fill(&mut b, "a pending entry")?;
                self.length("a delivery count")?;
            }
            let consumers = self.length("a consumer count")?;
            for _ in 0..consumers {
                self.string("a consumer name")?;
                let mut b = [0u8; 8];
                self.fill(&mut b, "a consumer seen time")?;
                if t >= types::STREAM_LISTPACKS_3 {
                    self.fill(&mut b, "a consumer active time")?;
                }
                let pel = self.length("a consumer's pending count")?;
                for _ in 0..pel {
                    let mut id = [0u8; 16];
                    self.fill(&mut id, "a consumer's pending entry")?;
                }
            }
        }
        Ok(())
    }

    /// Skips module data written with the typed opcodes (module values of RDB type 7 and module
    /// AUX), up to its EOF opcode.
    fn skip_module_value(&mut self) -> Result<(), PersistError> {
        loop {
            match self.length("a module opcode")? {
                MODULE_OPCODE_EOF => return Ok(()),
                MODULE_OPCODE_SINT | MODULE_OPCODE_UINT => {
                    self.length("a module integer")?;
                }
                MODULE_OPCODE_FLOAT => {
                    let mut b = [0u8; 4];
                    self.fill(&mut b, "a module float")?;
                }
                MODULE_OPCODE_DOUBLE => {
                    let mut b = [0u8; 8];
                    self.fill(&mut b, "a module double")?;
                }
                MODULE_OPCODE_STRING => {
                    self.string("a module string")?;
                }
                op => return Err(self.corrupt(format!("unknown module opcode {op}"))),
            }
        }
    }
}

/// The check-only path: [`Src::check_value`] walks a value exactly as [`Src::value`] does —
/// same reads, same checks, same order, same errors and offsets — without building it. Each arm
/// below mirrors the arm of `value` for the same type; rare types (zipmaps, streams, modules)
/// simply go through `value` and drop the result.
impl<R: BufRead> Src<R> {
    /// A string, decoded as [`Src::string_enc`] decodes it, appended to `out` when given and
    /// otherwise validated and dropped (an LZF string is still decompressed, into a reused
    /// buffer, to prove its length). Returns how it was stored.
    fn string_check(
        &mut self,
        what: &str,
        out: Option<&mut Vec<u8>>,
    ) -> Result<&'static str, PersistError> {
        let int = match self.raw_len(what)? {
            Len::Plain(n) => {
                match out {
                    Some(o) => {
                        if self.append(n, o)? < n {
                            return Err(self.truncated(what));
                        }
                    }
                    None => self.skip(n, what)?,
                }
                return Ok("raw");
            }
            Len::Special(0) => self.u8(what)? as i8 as i64,
            Len::Special(1) => {
                let mut b = [0u8; 2];
                self.fill(&mut b, what)?;
                i16::from_le_bytes(b) as i64
            }
            Len::Special(2) => {
                let mut b = [0u8; 4];
                self.fill(&mut b, what)?;
                i32::from_le_bytes(b) as i64
            }
            Len::Special(3) => {
                let clen = self.length(what)?;
                let ulen = self.length(what)?;
                let start = self.pos;
                let ulen = usize::try_from(ulen).unwrap_or(usize::MAX);
                // Usually the compressed bytes are all in the reader's buffer already:
                // decompress them from there rather than copy them first.
                let in_buffer = usize::try_from(clen).ok().and_then(|n| {
                    let b = self.r.fill_buf().ok()?;
                    let c = b.get(self.used..)?.get(..n)?;
                    Some((n, lzf::decompress_into(c, ulen, &mut self.lzf_out)))
                });
                let res = match in_buffer {
                    Some((n, res)) => {
                        self.used += n;
                        self.pos += n as u64;
                        res
                    }
                    None => {
                        let mut c = std::mem::take(&mut self.lzf_in);
                        c.clear();
                        if self.append(clen, &mut c)? < clen {
                            return Err(self.truncated(what));
                        }
                        let res = lzf::decompress_into(&c, ulen, &mut self.lzf_out);
                        self.lzf_in = c;
                        res
                    }
                };
                res.map_err(|e| PersistError::Corrupt {
                    offset: start,
                    key: self.key_ctx(),
                    what: format!("{what}: {e}"),
                })?;
                if let Some(o) = out {
                    o.extend_from_slice(&self.lzf_out);
                }
                return Ok("lzf");
            }
            Len::Special(n) => {
                return Err(self.corrupt(format!("unknown string encoding {n} in {what}")))
            }
        };
        if let Some(o) = out {
            fmt_i64(int, o);
        }
        Ok("int")
    }

    /// A blob for one of the compact encodings, decoded into the reused blob buffer (the caller
    /// hands it back with `self.blob = b`), and where it started.
    fn blob_check(&mut self, what: &str) -> Result<(Vec<u8>, u64), PersistError> {
        let start = self.pos;
        let mut b = std::mem::take(&mut self.blob);
        b.clear();
        self.string_check(what, Some(&mut b))?;
        Ok((b, start))
    }

    /// Reads `n` strings as members of one collection and returns how many were distinct;
    /// `each` runs after every member (the sorted-set score). Lists use [`Src::string_check`]
    /// with no output instead: their elements may repeat.
    fn distinct_members(
        &mut self,
        n: u64,
        what: &str,
        mut each: impl FnMut(&mut Self) -> Result<(), PersistError>,
    ) -> Result<u64, PersistError> {
        let mut d = std::mem::take(&mut self.distinct);
        d.clear();
        for _ in 0..n {
            let start = d.arena.len();
            self.string_check(what, Some(&mut d.arena))?;
            d.commit(start);
            each(self)?;
        }
        let count = d.count;
        self.distinct = d;
        Ok(count)
    }

    /// Checks one value of type `t` as [`Src::value`] would read it; see the impl's note.
    pub(crate) fn check_value(&mut self, t: u8, lim: &Limits) -> Result<Loaded, PersistError> {
        // (kind name for messages, file encoding, members listed, members distinct)
        let (kind, enc, n, distinct) = match t {
            types::STRING => {
                let enc = match self.string_check("a string value", None)? {
                    "int" => "string-int",
                    "lzf" => "string-lzf",
                    _ => "string",
                };
                return Ok(Loaded::Checked(enc));
            }
            types::LIST => {
                let n = self.length("a list length")?;
                for _ in 0..n {
                    self.string_check("a list element", None)?;
                }
                ("list", "linkedlist", n, n)
            }
            types::SET => {
                let n = self.length("a set size")?;
                let d = self.distinct_members(n, "a set member", |_| Ok(()))?;
                ("set", "hashtable", n, d)
            }
            types::ZSET | types::ZSET_2 => {
                let n = self.length("a sorted set size")?;
                let d = self.distinct_members(n, "a sorted set member", |s| {
                    let score = if t == types::ZSET {
                        s.old_double()?
                    } else {
                        s.binary_double()?
                    };
                    s.check_score(score).map(drop)
                })?;
                let enc = if t == types::ZSET {
                    "skiplist-v1"
                } else {
                    "skiplist"
                };
                ("zset", enc, n, d)
            }
            types::HASH => {
                let n = self.length("a hash size")?;
                let d = self.distinct_members(n, "a hash field", |s| {
                    s.string_check("a hash value", None).map(drop)
                })?;
                ("hash", "hashtable", n, d)
            }
            types::LIST_ZIPLIST => {
                let (b, at) = self.blob_check("a ziplist")?;
                let res = ziplist::walk(&b, drop);
                self.blob = b;
                let n = res.map_err(|e| self.blob_err(at, e))? as u64;
                ("list", "ziplist", n, n)
            }
            types::SET_INTSET => {
                let (b, at) = self.blob_check("an intset")?;
                let res = intset::walk(&b, drop);
                self.blob = b;
                // Strictly ascending, so never a repeat.
                let n = res.map_err(|e| self.blob_err(at, e))? as u64;
                ("set", "intset", n, n)
            }
            types::SET_LISTPACK => {
                let (b, at) = self.blob_check("a set listpack")?;
                let res = listpack::walk(&b, drop);
                let mut d = std::mem::take(&mut self.distinct);
                d.clear();
                if res.is_ok() {
                    listpack::walk(&b, |e| d.add_elem(e)).ok();
                }
                self.blob = b;
                let count = d.count;
                self.distinct = d;
                let n = res.map_err(|e| self.blob_err(at, e))? as u64;
                ("set", "listpack", n, count)
            }
            types::ZSET_ZIPLIST | types::ZSET_LISTPACK => {
                let zip = t == types::ZSET_ZIPLIST;
                let (b, at) = self.blob_check("a sorted set blob")?;
                let checked = self.check_pairs(&b, zip, true);
                self.blob = b;
                let (n, d) = checked.map_err(|e| match e {
                    PairError::Blob(e) => self.blob_err(at, e),
                    PairError::Odd => {
                        self.blob_err(at, "sorted set blob has an odd entry count".into())
                    }
                    PairError::NotNumber => self.blob_err(at, "a score is not a number".into()),
                    PairError::NaN => self.corrupt("sorted set score is NaN".into()),
                })?;
                let enc = if zip { "ziplist" } else { "listpack" };
                // As `compact_zset`: small ones stay compact and refuse a repeat at the blob;
                // big ones are built and caught by the count check below.
                if n <= lim.zset.max_entries as u64 && d != n {
                    return Err(self.blob_err(at, "sorted set blob has a repeated member".into()));
                }
                ("zset", enc, n, d)
            }
            types::HASH_ZIPLIST | types::HASH_LISTPACK => {
                let zip = t == types::HASH_ZIPLIST;
                let (b, at) = self.blob_check("a hash blob")?;
                let checked = self.check_pairs(&b, zip, false);
                self.blob = b;
                let (n, d) = checked.map_err(|e| match e {
                    PairError::Odd => self.blob_err(at, "hash blob has an odd entry count".into()),
                    PairError::Blob(e) => self.blob_err(at, e),
                    // Never produced: hash values are not checked as scores.
                    PairError::NotNumber | PairError::NaN => {
                        self.blob_err(at, "hash blob is damaged".into())
                    }
                })?;
                let enc = if zip { "ziplist" } else { "listpack" };
                // As `compact_hash`.
                if n <= lim.hash.max_entries as u64 && d != n {
                    return Err(self.blob_err(at, "hash blob has a repeated field".into()));
                }
                ("hash", enc, n, d)
            }
            types::LIST_QUICKLIST | types::LIST_QUICKLIST_2 => {
                let v2 = t == types::LIST_QUICKLIST_2;
                let nodes = self.length("a quicklist node count")?;
                let mut n = 0u64;
                for _ in 0..nodes {
                    let container = if v2 {
                        self.length("a quicklist node container")?
                    } else {
                        QUICKLIST_PACKED
                    };
                    let (b, at) = self.blob_check("a quicklist node")?;
                    let res = match container {
                        QUICKLIST_PLAIN => Ok(1),
                        QUICKLIST_PACKED if v2 => listpack::walk(&b, drop),
                        QUICKLIST_PACKED => ziplist::walk(&b, drop),
                        c => Err(format!("unknown quicklist container {c}")),
                    };
                    self.blob = b;
                    n += res.map_err(|e| self.blob_err(at, e))? as u64;
                }
                let enc = if v2 { "quicklist2" } else { "quicklist" };
                ("list", enc, n, n)
            }
            _ => {
                return Ok(match self.value(t, lim)? {
                    Loaded::Value(_, enc) => Loaded::Checked(enc),
                    other => other,
                })
            }
        };
        if n == 0 {
            return Ok(Loaded::Empty);
        }
        if distinct != n {
            return Err(self.corrupt(format!(
                "{kind} has duplicate members ({n} listed, {distinct} distinct)"
            )));
        }
        Ok(Loaded::Checked(enc))
    }

    /// A hash or sorted-set blob of field/value (member/score) pairs: validates it, counts
    /// pairs and distinct fields, and (for sorted sets) checks the scores in pair order, each
    /// failure in the order `value` reports them.
    fn check_pairs(&mut self, b: &[u8], zip: bool, scores: bool) -> Result<(u64, u64), PairError> {
        let walk = |f: &mut dyn FnMut(Elem<'_>)| {
            if zip {
                ziplist::walk(b, f)
            } else {
                listpack::walk(b, f)
            }
        };
        let count = walk(&mut |_| {}).map_err(PairError::Blob)?;
        if count % 2 != 0 {
            return Err(PairError::Odd);
        }
        let mut d = std::mem::take(&mut self.distinct);
        d.clear();
        let mut first_bad = None;
        let mut i = 0usize;
        let _ = walk(&mut |e| {
            if i.is_multiple_of(2) {
                d.add_elem(e);
            } else if scores && first_bad.is_none() {
                let score = match e {
                    Elem::Int(i) => Some(i as f64),
                    Elem::Str(s) => std::str::from_utf8(s)
                        .ok()
                        .and_then(|s| s.parse::<f64>().ok()),
                };
                first_bad = match score {
                    None => Some(PairError::NotNumber),
                    Some(s) if s.is_nan() => Some(PairError::NaN),
                    Some(_) => None,
                };
            }
            i += 1;
        });
        let distinct = d.count;
        self.distinct = d;
        match first_bad {
            Some(e) => Err(e),
            None => Ok(((count / 2) as u64, distinct)),
        }
    }
}

/// Why a pair blob failed [`Src::check_pairs`].
enum PairError {
    Blob(String),
    Odd,
    NotNumber,
    NaN,
}

/// Counts the distinct byte strings of one collection without an allocation per member: the
/// members are appended to one arena and indexed by hash. Reused from key to key, so its memory
/// is bounded by the largest collection in the file (as building that collection would be).
#[derive(Default)]
struct Distinct {
    arena: Vec<u8>,
    /// (start, end) of each distinct member in `arena`.
    table: hashbrown::HashTable<(usize, usize)>,
    hasher: foldhash::fast::RandomState,
    count: u64,
}

impl Distinct {
    fn clear(&mut self) {
        self.arena.clear();
        self.table.clear();
        self.count = 0;
    }

    /// Takes `arena[start..]` (just appended) as one member; a repeat is dropped again.
    fn commit(&mut self, start: usize) {
        let arena = &self.arena;
        let m = arena.get(start..).unwrap_or_default();
        let h = self.hasher.hash_one(m);
        let at = |&(s, e): &(usize, usize)| arena.get(s..e).unwrap_or_default();
        if self.table.find(h, |r| at(r) == m).is_some() {
            self.arena.truncate(start);
            return;
        }
        let hasher = &self.hasher;
        self.table
            .insert_unique(h, (start, arena.len()), |r| hasher.hash_one(at(r)));
        self.count += 1;
    }

    /// A blob element as a member: integers count as their decimal text, as the store holds
    /// them, so `5` and `"5"` are the same member.
    fn add_elem(&mut self, e: Elem<'_>) {
        let start = self.arena.len();
        match e {
            Elem::Str(s) => self.arena.extend_from_slice(s),
            Elem::Int(i) => fmt_i64(i, &mut self.arena),
        }
        self.commit(start);
    }
}

/// A hash that the file stored as a ziplist or listpack. Redis 7.0 keeps such a hash compact
/// unless it has too many entries; long fields or values do not convert it (they do for every
/// other way of loading a hash), so the loaded encoding matches what redis-server reports.
fn compact_hash(pairs: Vec<(Vec<u8>, Vec<u8>)>, lim: &Limits) -> Result<Value, String> {
    if pairs.len() > lim.hash.max_entries {
        return Ok(build::hash(pairs, lim));
    }
    let mut seen = std::collections::HashSet::with_capacity(pairs.len());
    if !pairs.iter().all(|(f, _)| seen.insert(f.as_slice())) {
        return Err("hash blob has a repeated field".into());
    }
    Ok(Value::Hash(Box::new(HashValue::Listpack(pairs.into()))))
}

/// A sorted set stored as a ziplist or listpack; compact unless it has too many entries, as in
/// Redis 7.0 (see [`compact_hash`]).
fn compact_zset(mut items: Vec<(Vec<u8>, f64)>, lim: &Limits) -> Result<Value, String> {
    if items.len() > lim.zset.max_entries {
        return Ok(build::zset(items, lim));
    }
    let mut seen = std::collections::HashSet::with_capacity(items.len());
    if !items.iter().all(|(m, _)| seen.insert(m.as_slice())) {
        return Err("sorted set blob has a repeated member".into());
    }
    // The store's order: by score (no NaN here; -0 equals 0), then member bytes. A listpack
    // has no negative zero, as the store's own listpacks.
    items.sort_by(|a, b| {
        a.1.partial_cmp(&b.1)
            .unwrap_or(std::cmp::Ordering::Equal)
            .then_with(|| a.0.cmp(&b.0))
    });
    let v = Packed::from_sorted(
        items
            .iter()
            .map(|(m, s)| (m, if *s == 0.0 { 0.0 } else { *s })),
    );
    Ok(Value::ZSet(Box::new(ZSetValue::Listpack(v))))
}

const QUICKLIST_PLAIN: u64 = 1;
const QUICKLIST_PACKED: u64 = 2;

fn key_ctx(key: &Option<Vec<u8>>) -> String {
    match key {
        Some(k) => format!(" (key \"{}\")", String::from_utf8_lossy(k).escape_debug()),
        None => String::new(),
    }
}

/// A module type's 9-character name from the 54 high bits of its id (6 bits a character).
fn module_name(id: u64) -> String {
    const CHARSET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let name: String = (0..9)
        .map(|i| CHARSET[((id >> (64 - 6 * (i + 1))) & 63) as usize] as char)
        .collect();
    format!("{name}/v{}", id & 1023)
}
