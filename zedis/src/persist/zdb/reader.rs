//! Reading a `.zdb` back: a streaming reader that holds one block in memory at a time, checks
//! every checksum, and either stops at the first damage ([`Mode::Strict`]) or skips it by
//! scanning for the next valid frame and reports what was lost ([`Mode::Salvage`]).
//!
//! Values are built straight into the encoding the file recorded when the current thresholds
//! allow it (a listpack that still fits stays a listpack; a hashtable stays a hashtable, which is
//! always valid), so loading never re-decides encodings element by element.

use super::block::{Frame, Parsed, TrailerInfo, HEADER_FIXED};
use super::encode::unzigzag;
use super::{bflag, rflag, tag, BLOCK_MAGIC, MAGIC, MAX_HEADER_LEN, MAX_RECORD_LEN};
use super::{TRAILER_MAGIC, VERSION};
use crate::persist::build::Limits;
use crate::persist::{KeyRecord, PersistError, Record, Visitor};
use crate::store::hash::Pairs;
use crate::store::zset::pack::Packed;
use crate::store::{HashValue, ListValue, SetValue, SmallBytes, Value, ZSetValue, EMBSTR_MAX};
use foldhash::fast::RandomState;
use indexmap::{IndexMap, IndexSet};
use std::collections::BTreeMap;
use std::io::{self, Read};

/// How to treat damage.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// The first bad checksum, frame or record is an error naming the block and byte offset.
    Strict,
    /// Damaged stretches are skipped and reported in [`ReadReport::damaged`].
    Salvage,
}

/// A stretch of the file that could not be used (salvage mode).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Damage {
    /// Where the stretch starts in the file.
    pub offset: u64,
    /// How many bytes were skipped.
    pub len: u64,
    /// The first block lost in it, when one was.
    pub block_index: Option<u32>,
    /// How many blocks were lost in it (known from the block numbers around it).
    pub blocks_lost: u32,
    /// How many keys were lost, when known (unknown only when the trailer is lost too).
    pub records_lost: Option<u64>,
    /// What was wrong.
    pub what: String,
}

/// What a read found.
#[derive(Clone, Debug, Default)]
pub struct ReadReport {
    /// Format version of the file.
    pub version: u16,
    /// The zedis version that wrote the file, when the header was readable.
    pub zedis_version: String,
    /// Creation time (unix ms), when the header was readable.
    pub ctime_ms: u64,
    /// Blocks read and used.
    pub blocks_ok: u64,
    /// Keys handed to the visitor.
    pub records: u64,
    /// Every damaged stretch, in file order (always empty after a strict read).
    pub damaged: Vec<Damage>,
    /// The trailer, when it was found intact.
    pub trailer: Option<TrailerInfo>,
}

/// Reads a `.zdb` from `r`, handing every record to `v`. Values are built for the thresholds in
/// `lim`. The visitor's offsets are those of the block frame a key was stored in.
pub fn read<R: Read>(
    r: R,
    v: &mut impl Visitor,
    lim: &Limits,
    mode: Mode,
) -> Result<ReadReport, PersistError> {
    let mut rd = Reader {
        src: Src {
            r,
            buf: Vec::new(),
            start: 0,
            pos: 0,
            eof: false,
        },
        v,
        lim,
        mode,
        report: ReadReport::default(),
        next_index: 0,
        records_accounted: 0,
        cur_db: None,
        partial: None,
        counts: BTreeMap::new(),
        file_crc: crc32fast::Hasher::new(),
        gap: None,
        block: Vec::new(),
    };
    rd.run()?;
    Ok(rd.report)
}

/// A read-ahead buffer over the input that can look at bytes before consuming them, so a
/// salvaging reader can rescan bytes it has already looked at.
struct Src<R> {
    r: R,
    buf: Vec<u8>,
    start: usize,
    /// File offset of `buf[start]`.
    pos: u64,
    eof: bool,
}

impl<R: Read> Src<R> {
    /// Makes at least `n` bytes available, unless the input ends first. The buffer only grows
    /// with bytes actually read, never by what a length field announces.
    fn fill(&mut self, n: usize) -> io::Result<()> {
        while self.buf.len() - self.start < n && !self.eof {
            if self.start > 0 {
                self.buf.drain(..self.start);
                self.start = 0;
            }
            let want = (n - self.buf.len()).clamp(64 << 10, 4 << 20);
            let old = self.buf.len();
            self.buf.resize(old + want, 0);
            match self.r.read(&mut self.buf[old..]) {
                Ok(0) => {
                    self.buf.truncate(old);
                    self.eof = true;
                }
                Ok(k) => self.buf.truncate(old + k),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => self.buf.truncate(old),
                Err(e) => {
                    self.buf.truncate(old);
                    return Err(e);
                }
            }
        }
        Ok(())
    }

    fn avail(&self) -> &[u8] {
        &self.buf[self.start..]
    }

    fn consume(&mut self, n: usize) {
        let n = n.min(self.buf.len() - self.start);
        self.start += n;
        self.pos += n as u64;
    }
}

/// A record whose parts are still being collected.
struct Partial {
    bytes: Vec<u8>,
    db: u32,
    next_index: u32,
}

/// The outcome of trying to use the structure at the current position.
enum Step {
    Ok,
    /// Not valid here: resync (salvage) or fail (strict).
    Bad(String),
    /// The input ends inside it.
    Truncated(String),
    /// The trailer was read: the file is done.
    Done,
}

struct Reader<'a, R, V> {
    src: Src<R>,
    v: &'a mut V,
    lim: &'a Limits,
    mode: Mode,
    report: ReadReport,
    /// The index the next block should have.
    next_index: u32,
    /// Records in blocks before `next_index`, whether read or reported lost.
    records_accounted: u64,
    cur_db: Option<u32>,
    partial: Option<Partial>,
    counts: BTreeMap<u32, (u64, u64)>,
    file_crc: crc32fast::Hasher,
    /// Start and reason of the damaged stretch being skipped.
    gap: Option<(u64, String)>,
    /// The current block's uncompressed payload (reused).
    block: Vec<u8>,
}

impl<R: Read, V: Visitor> Reader<'_, R, V> {
    fn strict(&self) -> bool {
        self.mode == Mode::Strict
    }

    fn corrupt(&self, what: String) -> PersistError {
        PersistError::Corrupt {
            offset: self.src.pos,
            key: None,
            what,
        }
    }

    fn run(&mut self) -> Result<(), PersistError> {
        self.header()?;
        loop {
            self.src.fill(4)?;
            let avail = self.src.avail();
            let step = if avail.is_empty() {
                return self.end_without_trailer();
            } else if avail.starts_with(BLOCK_MAGIC) {
                self.block()?
            } else if avail.starts_with(TRAILER_MAGIC) {
                self.trailer()?
            } else {
                Step::Bad(format!(
                    "expected block {} frame or trailer",
                    self.next_index
                ))
            };
            match step {
                Step::Ok => {}
                Step::Done => return Ok(()),
                Step::Bad(what) => self.damaged_here(what)?,
                Step::Truncated(what) => {
                    if self.strict() {
                        return Err(PersistError::Truncated {
                            offset: self.src.pos,
                            key: None,
                            what,
                        });
                    }
                    self.gap.get_or_insert((self.src.pos, what));
                    let rest = self.src.avail().len();
                    self.src.consume(rest);
                    return self.end_without_trailer();
                }
            }
        }
    }

    /// Strict: the error. Salvage: opens (or extends) a damaged stretch and scans for the next
    /// frame or trailer magic after the current position.
    fn damaged_here(&mut self, what: String) -> Result<(), PersistError> {
        if self.strict() {
            return Err(self.corrupt(format!("block {}: {what}", self.next_index)));
        }
        self.gap.get_or_insert((self.src.pos, what));
        self.src.consume(1);
        loop {
            self.src.fill(64 << 10)?;
            let avail = self.src.avail();
            let hit = avail
                .windows(4)
                .position(|w| w == BLOCK_MAGIC || w == TRAILER_MAGIC);
            match hit {
                Some(i) => {
                    self.src.consume(i);
                    return Ok(());
                }
                None if self.src.eof => {
                    let n = avail.len();
                    self.src.consume(n);
                    return Ok(());
                }
                None => {
                    let n = avail.len().saturating_sub(3);
                    self.src.consume(n);
                }
            }
        }
    }

    /// Closes the damaged stretch before a valid frame or trailer that says the next block is
    /// `next_index` and `next_records` records precede it. Also catches blocks missing without
    /// any damaged bytes (cut out of the file).
    fn close_gap(&mut self, next_index: u32, next_records: u64) {
        let lost_blocks = next_index.saturating_sub(self.next_index);
        let gap = self.gap.take();
        if gap.is_none() && lost_blocks == 0 {
            return;
        }
        let (start, what) =
            gap.unwrap_or_else(|| (self.src.pos, "blocks missing from the file".to_string()));
        self.report.damaged.push(Damage {
            offset: start,
            len: self.src.pos - start,
            block_index: (lost_blocks > 0).then_some(self.next_index),
            blocks_lost: lost_blocks,
            records_lost: next_records.checked_sub(self.records_accounted),
            what,
        });
        // A record whose parts straddled the damage cannot be completed.
        self.partial = None;
        self.next_index = next_index;
        self.records_accounted = next_records;
    }

    fn header(&mut self) -> Result<(), PersistError> {
        self.src.fill(HEADER_FIXED)?;
        let b = self.src.avail();
        if b.len() < MAGIC.len() || &b[..MAGIC.len()] != MAGIC {
            if self.strict() {
                return Err(PersistError::Unsupported(
                    "not a .zdb file (it does not start with ZEDIS)".into(),
                ));
            }
            return self.bad_header("bad magic".into());
        }
        if b.len() < HEADER_FIXED {
            return self.bad_header_truncated();
        }
        let version = u16::from_le_bytes([b[5], b[6]]);
        let body_len = u32::from_le_bytes([b[7], b[8], b[9], b[10]]) as usize;
        if body_len > MAX_HEADER_LEN {
            return self.bad_header(format!("header claims {body_len} bytes"));
        }
        let total = HEADER_FIXED + body_len + 4;
        self.src.fill(total)?;
        let b = self.src.avail();
        if b.len() < total {
            return self.bad_header_truncated();
        }
        let stored = u32::from_le_bytes([b[total - 4], b[total - 3], b[total - 2], b[total - 1]]);
        let computed = crc32fast::hash(&b[..total - 4]);
        if stored != computed {
            if self.strict() {
                return Err(PersistError::Checksum {
                    what: "of the header".into(),
                    stored: stored.into(),
                    computed: computed.into(),
                });
            }
            return self.bad_header("header checksum mismatch".into());
        }
        if version == 0 || version > VERSION {
            return Err(PersistError::Unsupported(format!(
                ".zdb format version {version} is newer than this zedis reads ({VERSION})"
            )));
        }
        let mut c = Cur {
            b: &b[HEADER_FIXED..total - 4],
            pos: 0,
        };
        let parsed = (|| -> Result<_, String> {
            let zv = String::from_utf8_lossy(c.bytes()?).into_owned();
            let ctime = c.u64le()?;
            let n = c.varint()?;
            let mut aux = Vec::new();
            for _ in 0..n {
                let k = c.bytes()?.to_vec();
                let v = c.bytes()?.to_vec();
                aux.push((k, v));
            }
            if c.pos != c.b.len() {
                return Err("bytes left over in the header".into());
            }
            Ok((zv, ctime, aux))
        })();
        let (zv, ctime, aux) = match parsed {
            Ok(p) => p,
            Err(e) if self.strict() => return Err(self.corrupt(format!("header: {e}"))),
            Err(e) => return self.bad_header(e),
        };
        self.report.version = version;
        self.report.zedis_version = zv;
        self.report.ctime_ms = ctime;
        self.src.consume(total);
        self.v.record(
            0,
            Record::Header {
                format: "zdb",
                version: version.into(),
            },
        )?;
        for (key, value) in aux {
            self.v.record(0, Record::Aux { key, value })?;
        }
        Ok(())
    }

    fn bad_header_truncated(&mut self) -> Result<(), PersistError> {
        if self.strict() {
            return Err(PersistError::Truncated {
                offset: self.src.pos,
                key: None,
                what: "file ends inside the header".into(),
            });
        }
        self.bad_header("file ends inside the header".into())
    }

    /// Salvage: the header is unusable; say so and look for the first block.
    fn bad_header(&mut self, what: String) -> Result<(), PersistError> {
        self.report.version = VERSION;
        self.v.record(
            0,
            Record::Header {
                format: "zdb",
                version: VERSION.into(),
            },
        )?;
        self.damaged_here(format!("header: {what}"))
    }

    /// Tries the block frame at the current position and, if it is valid, uses its block.
    fn block(&mut self) -> Result<Step, PersistError> {
        let (f, flen) = loop {
            match Frame::parse(self.src.avail()) {
                Parsed::Ok(f, len) => break (f, len),
                Parsed::Bad(what) => return Ok(Step::Bad(what)),
                Parsed::Need(n) => {
                    self.src.fill(n)?;
                    if self.src.avail().len() < n {
                        return Ok(Step::Truncated(format!(
                            "file ends inside block {} frame",
                            self.next_index
                        )));
                    }
                }
            }
        };
        if f.index < self.next_index {
            return Ok(Step::Bad(format!(
                "block number {} where {} was expected",
                f.index, self.next_index
            )));
        }
        if self.strict() && f.index > self.next_index {
            return Ok(Step::Bad(format!(
                "block number {} where {} was expected",
                f.index, self.next_index
            )));
        }
        if self.strict() && f.records_before != self.records_accounted {
            return Ok(Step::Bad(format!(
                "frame says {} keys precede it, {} did",
                f.records_before, self.records_accounted
            )));
        }
        let total = flen + f.slen as usize;
        self.src.fill(total)?;
        if self.src.avail().len() < total {
            return Ok(Step::Truncated(format!(
                "file ends inside block {} payload",
                f.index
            )));
        }
        self.close_gap(f.index, f.records_before);
        let offset = self.src.pos;
        let raw = &self.src.avail()[..total];
        let payload = &raw[flen..];
        let computed = crc32fast::hash(payload);
        let lost = |what: String| Damage {
            offset,
            len: total as u64,
            block_index: Some(f.index),
            blocks_lost: 1,
            records_lost: Some(f.records.into()),
            what,
        };
        let mut damage = None;
        if computed != f.payload_crc {
            if self.strict() {
                return Err(PersistError::Checksum {
                    what: format!("of block {} payload at byte {offset}", f.index),
                    stored: f.payload_crc.into(),
                    computed: computed.into(),
                });
            }
            damage = Some(lost("payload checksum mismatch".into()));
        } else {
            self.file_crc.update(raw);
            let mut out = std::mem::take(&mut self.block);
            out.clear();
            if f.flags & bflag::LZ4 != 0 {
                out.resize(f.ulen as usize, 0);
                match lz4_flex::block::decompress_into(payload, &mut out) {
                    Ok(n) if n == out.len() => {}
                    Ok(n) => {
                        damage = Some(lost(format!(
                            "payload decompresses to {n} bytes, the frame says {}",
                            f.ulen
                        )))
                    }
                    Err(e) => damage = Some(lost(format!("payload does not decompress: {e}"))),
                }
            } else {
                out.extend_from_slice(payload);
            }
            self.block = out;
        }
        self.src.consume(total);
        self.next_index = f.index + 1;
        self.records_accounted = f.records_before + u64::from(f.records);
        if let Some(d) = damage {
            if self.strict() {
                return Err(PersistError::Corrupt {
                    offset,
                    key: None,
                    what: format!("block {}: {}", f.index, d.what),
                });
            }
            self.partial = None;
            self.report.damaged.push(d);
            return Ok(Step::Ok);
        }
        self.report.blocks_ok += 1;
        self.use_block(&f, offset, total as u64)?;
        Ok(Step::Ok)
    }

    /// Parses a checked, decompressed block (joining the parts of a record cut across blocks).
    fn use_block(&mut self, f: &Frame, offset: u64, len: u64) -> Result<(), PersistError> {
        let mut data = std::mem::take(&mut self.block);
        let lost = |what: &str| Damage {
            offset,
            len,
            block_index: Some(f.index),
            blocks_lost: 1,
            records_lost: Some(f.records.into()),
            what: what.to_string(),
        };
        if f.flags & bflag::CONT_PREV != 0 {
            match self.partial.take() {
                Some(mut p) if p.next_index == f.index && p.db == f.db => {
                    if p.bytes.len() + data.len() > MAX_RECORD_LEN {
                        let what = "record parts exceed the size limit";
                        if self.strict() {
                            return Err(self.corrupt(format!("block {}: {what}", f.index)));
                        }
                        self.report.damaged.push(lost(what));
                        return Ok(());
                    }
                    p.bytes.extend_from_slice(&data);
                    std::mem::swap(&mut p.bytes, &mut data);
                    self.block = p.bytes;
                }
                _ => {
                    let what = "continues a record whose first part is missing";
                    if self.strict() {
                        return Err(self.corrupt(format!("block {}: {what}", f.index)));
                    }
                    self.block = data;
                    // The parts of one lost record make one report, not one per block.
                    let d = lost(what);
                    match self.report.damaged.last_mut() {
                        Some(prev) if prev.what == d.what && prev.offset + prev.len == d.offset => {
                            prev.len += d.len;
                            prev.blocks_lost += 1;
                            prev.records_lost =
                                prev.records_lost.zip(d.records_lost).map(|(a, b)| a + b);
                        }
                        _ => self.report.damaged.push(d),
                    }
                    return Ok(());
                }
            }
        } else if self.partial.take().is_some() && self.strict() {
            return Err(self.corrupt(format!(
                "block {}: the record continued from block {} never ends",
                f.index,
                f.index.saturating_sub(1)
            )));
        }
        if f.flags & bflag::CONT_NEXT != 0 {
            if f.records != 0 {
                let what = "a block that continues in the next may not end records";
                if self.strict() {
                    return Err(self.corrupt(format!("block {}: {what}", f.index)));
                }
                self.report.damaged.push(lost(what));
                return Ok(());
            }
            self.partial = Some(Partial {
                bytes: data,
                db: f.db,
                next_index: f.index + 1,
            });
            return Ok(());
        }
        let r = self.records(f, offset, len, &data);
        if self.block.capacity() < data.capacity() && data.capacity() <= 2 * super::MAX_BLOCK_LEN {
            self.block = data;
        }
        r
    }

    /// Decodes and hands over the records of one block.
    fn records(
        &mut self,
        f: &Frame,
        offset: u64,
        len: u64,
        data: &[u8],
    ) -> Result<(), PersistError> {
        if f.records > 0 && self.cur_db != Some(f.db) {
            self.v.record(offset, Record::SelectDb(f.db))?;
            self.cur_db = Some(f.db);
        }
        let mut c = Cur { b: data, pos: 0 };
        for i in 0..f.records {
            match decode_record(&mut c, self.lim, f.db) {
                Ok(kr) => {
                    let e = self.counts.entry(f.db).or_default();
                    e.0 += 1;
                    if kr.expire_at_ms != 0 {
                        e.1 += 1;
                    }
                    self.report.records += 1;
                    self.v.record(offset, Record::Key(kr))?;
                }
                Err((key, what)) => {
                    if self.strict() {
                        return Err(PersistError::Corrupt {
                            offset,
                            key,
                            what: format!("block {} record {i}: {what}", f.index),
                        });
                    }
                    self.report.damaged.push(Damage {
                        offset,
                        len,
                        block_index: Some(f.index),
                        blocks_lost: 0,
                        records_lost: Some(u64::from(f.records - i)),
                        what: format!("record {i}: {what}"),
                    });
                    return Ok(());
                }
            }
        }
        if c.pos != data.len() {
            let what = format!("{} bytes after the last record", data.len() - c.pos);
            if self.strict() {
                return Err(PersistError::Corrupt {
                    offset,
                    key: None,
                    what: format!("block {}: {what}", f.index),
                });
            }
            self.report.damaged.push(Damage {
                offset,
                len,
                block_index: Some(f.index),
                blocks_lost: 0,
                records_lost: Some(0),
                what,
            });
        }
        Ok(())
    }

    fn trailer(&mut self) -> Result<Step, PersistError> {
        let (t, tlen) = loop {
            match TrailerInfo::parse(self.src.avail()) {
                Parsed::Ok(t, len) => break (t, len),
                Parsed::Bad(what) => return Ok(Step::Bad(what)),
                Parsed::Need(n) => {
                    self.src.fill(n)?;
                    if self.src.avail().len() < n {
                        return Ok(Step::Truncated("file ends inside the trailer".into()));
                    }
                }
            }
        };
        if t.blocks < self.next_index {
            return Ok(Step::Bad(format!(
                "trailer counts {} blocks but block {} was read",
                t.blocks,
                self.next_index - 1
            )));
        }
        if self.strict() {
            let counts: Vec<(u32, u64, u64)> =
                self.counts.iter().map(|(d, c)| (*d, c.0, c.1)).collect();
            let computed = self.file_crc.clone().finalize();
            let problem = if t.blocks != self.next_index {
                Some(format!(
                    "trailer counts {} blocks, the file has {}",
                    t.blocks, self.next_index
                ))
            } else if self.partial.is_some() {
                Some("the last record's final part is missing".into())
            } else if t.records != self.report.records {
                Some(format!(
                    "trailer counts {} keys, the blocks hold {}",
                    t.records, self.report.records
                ))
            } else if t.dbs != counts {
                Some(format!(
                    "trailer's per-database counts {:?} differ from the keys read {counts:?}",
                    t.dbs
                ))
            } else if t.file_crc != computed {
                return Err(PersistError::Checksum {
                    what: "of the whole file (trailer)".into(),
                    stored: t.file_crc.into(),
                    computed: computed.into(),
                });
            } else {
                None
            };
            if let Some(p) = problem {
                return Err(self.corrupt(p));
            }
        }
        self.close_gap(t.blocks, t.records);
        self.partial = None;
        self.src.consume(tlen);
        self.src.fill(1)?;
        if !self.src.avail().is_empty() {
            if self.strict() {
                return Err(self.corrupt("bytes after the trailer".into()));
            }
            let start = self.src.pos;
            loop {
                let n = self.src.avail().len();
                if n == 0 {
                    break;
                }
                self.src.consume(n);
                self.src.fill(64 << 10)?;
            }
            self.report.damaged.push(Damage {
                offset: start,
                len: self.src.pos - start,
                block_index: None,
                blocks_lost: 0,
                records_lost: Some(0),
                what: "bytes after the trailer".into(),
            });
        }
        let checksum = Some(u64::from(t.file_crc));
        self.report.trailer = Some(t);
        self.v.record(self.src.pos, Record::Eof { checksum })?;
        Ok(Step::Done)
    }

    fn end_without_trailer(&mut self) -> Result<(), PersistError> {
        if self.strict() {
            return Err(PersistError::Truncated {
                offset: self.src.pos,
                key: None,
                what: format!(
                    "file ends after block {} without a trailer",
                    self.next_index
                ),
            });
        }
        let (start, what) = self
            .gap
            .take()
            .unwrap_or_else(|| (self.src.pos, "file ends without a trailer".into()));
        self.report.damaged.push(Damage {
            offset: start,
            len: self.src.pos - start,
            block_index: None,
            blocks_lost: 0,
            records_lost: None,
            what,
        });
        self.partial = None;
        self.v
            .record(self.src.pos, Record::Eof { checksum: None })?;
        Ok(())
    }
}

/// A cursor over a block's bytes; every read is checked against what is left.
struct Cur<'a> {
    b: &'a [u8],
    pos: usize,
}

impl<'a> Cur<'a> {
    fn left(&self) -> usize {
        self.b.len() - self.pos
    }

    fn u8(&mut self) -> Result<u8, String> {
        let v = *self.b.get(self.pos).ok_or("record cut short")?;
        self.pos += 1;
        Ok(v)
    }

    fn varint(&mut self) -> Result<u64, String> {
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let byte = self.u8()?;
            let bits = u64::from(byte & 0x7f);
            if shift == 63 && bits > 1 {
                return Err("varint overflows 64 bits".into());
            }
            v |= bits << shift;
            if byte & 0x80 == 0 {
                return Ok(v);
            }
        }
        Err("varint longer than 10 bytes".into())
    }

    fn take(&mut self, n: u64) -> Result<&'a [u8], String> {
        if n > self.left() as u64 {
            return Err(format!(
                "length {n} runs past the block ({} left)",
                self.left()
            ));
        }
        let s = &self.b[self.pos..self.pos + n as usize];
        self.pos += n as usize;
        Ok(s)
    }

    fn bytes(&mut self) -> Result<&'a [u8], String> {
        let n = self.varint()?;
        self.take(n)
    }

    fn u64le(&mut self) -> Result<u64, String> {
        let s = self.take(8)?;
        let mut a = [0u8; 8];
        a.copy_from_slice(s);
        Ok(u64::from_le_bytes(a))
    }

    /// An element count for a collection whose elements take at least `min_elem` bytes each:
    /// checked against the bytes left, so it can size an allocation.
    fn count(&mut self, min_elem: usize) -> Result<usize, String> {
        let n = self.varint()?;
        if n == 0 {
            return Err("empty collection".into());
        }
        if n > (self.left() / min_elem) as u64 {
            return Err(format!(
                "{n} elements cannot fit in the {} bytes left",
                self.left()
            ));
        }
        Ok(n as usize)
    }
}

/// The fields of a walked pairs buffer (see `HASH_LISTPACK` in `decode_value`).
#[derive(Clone)]
struct PairFields<'a> {
    b: &'a [u8],
    left: usize,
}

impl<'a> Iterator for PairFields<'a> {
    type Item = &'a [u8];
    fn next(&mut self) -> Option<&'a [u8]> {
        if self.left == 0 {
            return None;
        }
        self.left -= 1;
        let mut c = Cur { b: self.b, pos: 0 };
        let f = c.bytes().ok()?;
        c.bytes().ok()?;
        self.b = &self.b[c.pos..];
        Some(f)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.left, Some(self.left))
    }
}

impl ExactSizeIterator for PairFields<'_> {}

/// Capacity to reserve for `n` announced elements: announced counts are checked against the
/// block, but elements in memory are larger than on disk, so start modestly and grow.
fn cap(n: usize) -> usize {
    n.min(4096)
}

fn has_duplicate<'a>(items: impl ExactSizeIterator<Item = &'a [u8]> + Clone) -> bool {
    // Small collections (the listpack-encoded ones) are compared pairwise: no allocation.
    if items.len() <= 16 {
        let mut rest = items;
        while let Some(a) = rest.next() {
            if rest.clone().any(|b| a == b) {
                return true;
            }
        }
        return false;
    }
    let mut v: Vec<&[u8]> = items.collect();
    v.sort_unstable();
    v.windows(2).any(|w| w[0] == w[1])
}

fn decode_record(
    c: &mut Cur<'_>,
    lim: &Limits,
    db: u32,
) -> Result<KeyRecord, (Option<Vec<u8>>, String)> {
    let t = c.u8().map_err(|e| (None, e))?;
    let flags = c.u8().map_err(|e| (None, e))?;
    let file_encoding =
        tag::encoding_name(t).ok_or_else(|| (None, format!("unknown value tag {t}")))?;
    if flags & !rflag::ALL != 0 {
        return Err((None, format!("unknown record flags {flags:#x}")));
    }
    let key = SmallBytes::new(c.bytes().map_err(|e| (None, e))?);
    let body = (|| -> Result<_, String> {
        let mut expire_at_ms = 0;
        if flags & rflag::EXPIRE != 0 {
            expire_at_ms = c.u64le()?;
            if expire_at_ms == 0 {
                return Err("expiry flagged but zero".into());
            }
        }
        let idle_secs = if flags & rflag::IDLE != 0 {
            Some(c.varint()?)
        } else {
            None
        };
        let lfu_freq = if flags & rflag::FREQ != 0 {
            Some(c.u8()?)
        } else {
            None
        };
        let value = decode_value(c, t, lim)?;
        Ok((expire_at_ms, idle_secs, lfu_freq, value))
    })();
    match body {
        Ok((expire_at_ms, idle_secs, lfu_freq, value)) => Ok(KeyRecord {
            db,
            key,
            value,
            expire_at_ms,
            idle_secs,
            lfu_freq,
            file_encoding,
        }),
        Err(e) => Err((Some(key.to_vec()), e)),
    }
}

fn decode_value(c: &mut Cur<'_>, t: u8, lim: &Limits) -> Result<Value, String> {
    Ok(match t {
        tag::STR_INT => Value::Int(unzigzag(c.varint()?)),
        tag::STR_EMB => {
            let b = c.bytes()?;
            if b.len() <= EMBSTR_MAX {
                Value::Emb(SmallBytes::new(b))
            } else {
                Value::raw(b.to_vec())
            }
        }
        tag::STR_RAW => Value::raw(c.bytes()?.to_vec()),
        tag::LIST => {
            let n = c.count(1)?;
            let mut l = ListValue::new();
            l.items.reserve(cap(n));
            for _ in 0..n {
                l.items.push_back(SmallBytes::new(c.bytes()?));
            }
            Value::List(Box::new(l))
        }
        tag::SET_INTSET => {
            let n = c.count(8)?;
            let mut ints = Vec::with_capacity(n);
            for _ in 0..n {
                let i = c.u64le()? as i64;
                if ints.last().is_some_and(|&prev| prev >= i) {
                    return Err("intset members not strictly ascending".into());
                }
                ints.push(i);
            }
            if n <= lim.set_max_intset {
                Value::Set(Box::new(SetValue::Intset(ints)))
            } else {
                let mut s = IndexSet::with_capacity_and_hasher(n, RandomState::default());
                s.extend(
                    ints.iter()
                        .map(|i| SmallBytes::new(i.to_string().as_bytes())),
                );
                Value::Set(Box::new(SetValue::Table(s)))
            }
        }
        tag::SET_TABLE => {
            let n = c.count(1)?;
            let mut s = IndexSet::with_capacity_and_hasher(cap(n), RandomState::default());
            for _ in 0..n {
                if !s.insert(SmallBytes::new(c.bytes()?)) {
                    return Err("duplicate set member".into());
                }
            }
            Value::Set(Box::new(SetValue::Table(s)))
        }
        tag::HASH_LISTPACK | tag::HASH_TABLE => {
            let n = c.count(2)?;
            let hl = lim.hash;
            // A listpack that still fits is taken as its bytes: the record holds the pairs in
            // exactly the form the store keeps them in (walked here, so every length is known
            // to lie inside the block).
            if t == tag::HASH_LISTPACK && n <= hl.max_entries {
                let start = c.pos;
                let mut fits = true;
                for _ in 0..n * 2 {
                    fits &= c.bytes()?.len() <= hl.max_value;
                }
                let raw = &c.b[start..c.pos];
                if fits {
                    let fields = PairFields { b: raw, left: n };
                    if has_duplicate(fields) {
                        return Err("duplicate hash field".into());
                    }
                    let pairs = Pairs::from_encoded(raw.to_vec(), n);
                    return Ok(Value::Hash(Box::new(HashValue::Listpack(pairs))));
                }
                c.pos = start;
            }
            let mut pairs = Vec::with_capacity(cap(n));
            for _ in 0..n {
                pairs.push((c.bytes()?, c.bytes()?));
            }
            let mut m = IndexMap::with_capacity_and_hasher(n, RandomState::default());
            for (f, v) in pairs {
                if m.insert(f.to_vec(), v.to_vec()).is_some() {
                    return Err("duplicate hash field".into());
                }
            }
            Value::Hash(Box::new(HashValue::Table(m)))
        }
        tag::ZSET_LISTPACK | tag::ZSET_SKIPLIST => {
            let n = c.count(9)?;
            let mut pairs = Vec::with_capacity(cap(n));
            for _ in 0..n {
                let m = c.bytes()?;
                let s = f64::from_bits(c.u64le()?);
                if s.is_nan() {
                    return Err("NaN score".into());
                }
                pairs.push((m, s));
            }
            let zl = lim.zset;
            let fits = t == tag::ZSET_LISTPACK
                && n <= zl.max_entries
                && pairs.iter().all(|(m, _)| m.len() <= zl.max_value);
            if fits && Packed::is_sorted_input(&pairs) {
                // The order this crate writes: append, without a search per member. Strictly
                // increasing also means distinct.
                let v = Packed::from_sorted(
                    pairs
                        .into_iter()
                        .map(|(m, s)| (m, if s == 0.0 { 0.0 } else { s })),
                );
                return Ok(Value::ZSet(Box::new(ZSetValue::Listpack(v))));
            }
            let mut z = if fits {
                if has_duplicate(pairs.iter().map(|p| p.0)) {
                    return Err("duplicate sorted set member".into());
                }
                ZSetValue::default()
            } else {
                ZSetValue::new_skiplist()
            };
            for (m, s) in pairs {
                if !fits && z.score(m).is_some() {
                    return Err("duplicate sorted set member".into());
                }
                z.insert_new(m, s);
            }
            Value::ZSet(Box::new(z))
        }
        _ => return Err(format!("unknown value tag {t}")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn varint_rejects_overlong() {
        let mut c = Cur {
            b: &[0xff; 11],
            pos: 0,
        };
        assert!(c.varint().is_err());
        let mut c = Cur {
            b: &[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01],
            pos: 0,
        };
        assert_eq!(c.varint(), Ok(u64::MAX));
    }

    #[test]
    fn counts_are_checked_against_the_block() {
        // 1000 intset members announced, 8 bytes present.
        let mut c = Cur {
            b: &[0xe8, 0x07, 1, 2, 3, 4, 5, 6, 7, 8],
            pos: 0,
        };
        assert!(c.count(8).is_err());
    }
}
