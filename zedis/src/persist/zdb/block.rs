//! The framing of a `.zdb` file — header, block frames, trailer — and the writer-thread half of
//! writing one: [`FileWriter`] compresses and frames the [`RawBlock`]s the store thread built.
//! [`Writer`] drives a [`BlockBuilder`] and a `FileWriter` together for tools and tests.

use super::encode::{put_bytes, put_varint, BlockBuilder};
use super::{
    bflag, RawBlock, BLOCK_MAGIC, FRAME_KEY_MAX, MAGIC, MAX_BLOCK_LEN, TRAILER_MAGIC, VERSION,
};
use crate::persist::PersistError;
use crate::store::Value;
use std::io::Write;

/// Bytes of a frame before the first-key prefix: magic 4, flags 1, key length 1, db 4, index 4,
/// records-before 8, records 4, uncompressed length 4, stored length 4, payload crc 4.
pub(crate) const FRAME_FIXED: usize = 38;
/// Bytes of the header before its body: magic 5, version 2, body length 4.
pub(crate) const HEADER_FIXED: usize = 11;
/// Bytes of the trailer before its per-database entries: magic 4, blocks 4, records 8, dbs 4.
pub(crate) const TRAILER_FIXED: usize = 20;
/// Bytes of one per-database trailer entry: db 4, keys 8, expires 8.
pub(crate) const TRAILER_ENTRY: usize = 20;

/// A block frame, as written before each payload.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Frame {
    pub flags: u8,
    pub db: u32,
    /// Position of the block in the file, from 0: a salvager knows exactly which blocks a
    /// damaged stretch held.
    pub index: u32,
    /// Records that ended in earlier blocks: with it a salvager counts exactly the records lost
    /// in a damaged stretch, even when the frames in it are unreadable.
    pub records_before: u64,
    pub records: u32,
    pub ulen: u32,
    pub slen: u32,
    pub payload_crc: u32,
    pub first_key: Vec<u8>,
}

/// What [`Frame::parse`] found at the start of a buffer.
pub(crate) enum Parsed<T> {
    /// A valid structure of `len` bytes.
    Ok(T, usize),
    /// More bytes are needed (at least this many in all) to decide.
    Need(usize),
    /// Not a valid structure here.
    Bad(String),
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    let mut a = [0u8; 4];
    a.copy_from_slice(&b[at..at + 4]);
    u32::from_le_bytes(a)
}

fn u64_at(b: &[u8], at: usize) -> u64 {
    let mut a = [0u8; 8];
    a.copy_from_slice(&b[at..at + 8]);
    u64::from_le_bytes(a)
}

impl Frame {
    pub fn encode(&self, out: &mut Vec<u8>) {
        let start = out.len();
        out.extend_from_slice(BLOCK_MAGIC);
        out.push(self.flags);
        out.push(self.first_key.len() as u8);
        out.extend_from_slice(&self.db.to_le_bytes());
        out.extend_from_slice(&self.index.to_le_bytes());
        out.extend_from_slice(&self.records_before.to_le_bytes());
        out.extend_from_slice(&self.records.to_le_bytes());
        out.extend_from_slice(&self.ulen.to_le_bytes());
        out.extend_from_slice(&self.slen.to_le_bytes());
        out.extend_from_slice(&self.payload_crc.to_le_bytes());
        out.extend_from_slice(&self.first_key);
        let crc = crc32fast::hash(&out[start..]);
        out.extend_from_slice(&crc.to_le_bytes());
    }

    /// Parses and checks a frame at the start of `b` (which starts with [`BLOCK_MAGIC`]).
    /// Only a frame whose crc matches is `Ok`; its lengths are then also within the caps.
    pub fn parse(b: &[u8]) -> Parsed<Frame> {
        if b.len() < FRAME_FIXED {
            return Parsed::Need(FRAME_FIXED);
        }
        let klen = b[5] as usize;
        let len = FRAME_FIXED + klen + 4;
        if b.len() < len {
            return Parsed::Need(len);
        }
        let stored = u32_at(b, FRAME_FIXED + klen);
        let computed = crc32fast::hash(&b[..FRAME_FIXED + klen]);
        if stored != computed {
            return Parsed::Bad(format!(
                "block frame checksum mismatch: stored {stored:#x}, computed {computed:#x}"
            ));
        }
        let f = Frame {
            flags: b[4],
            db: u32_at(b, 6),
            index: u32_at(b, 10),
            records_before: u64_at(b, 14),
            records: u32_at(b, 22),
            ulen: u32_at(b, 26),
            slen: u32_at(b, 30),
            payload_crc: u32_at(b, 34),
            first_key: b[FRAME_FIXED..FRAME_FIXED + klen].to_vec(),
        };
        if f.flags & !bflag::ALL != 0 {
            return Parsed::Bad(format!("unknown block flags {:#x}", f.flags));
        }
        if f.ulen as usize > MAX_BLOCK_LEN || f.slen as usize > MAX_BLOCK_LEN {
            return Parsed::Bad(format!(
                "block claims {} bytes uncompressed / {} stored; the limit is {MAX_BLOCK_LEN}",
                f.ulen, f.slen
            ));
        }
        if f.flags & bflag::LZ4 == 0 && f.ulen != f.slen {
            return Parsed::Bad("uncompressed block with two different lengths".into());
        }
        Parsed::Ok(f, len)
    }
}

/// The trailer's content.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TrailerInfo {
    pub blocks: u32,
    pub records: u64,
    /// `(db, keys, keys with an expiry)`, ascending by db.
    pub dbs: Vec<(u32, u64, u64)>,
    /// crc32 of every block frame and payload, in file order.
    pub file_crc: u32,
}

impl TrailerInfo {
    pub(crate) fn encode(&self, out: &mut Vec<u8>) {
        let start = out.len();
        out.extend_from_slice(TRAILER_MAGIC);
        out.extend_from_slice(&self.blocks.to_le_bytes());
        out.extend_from_slice(&self.records.to_le_bytes());
        out.extend_from_slice(&(self.dbs.len() as u32).to_le_bytes());
        for (db, keys, expires) in &self.dbs {
            out.extend_from_slice(&db.to_le_bytes());
            out.extend_from_slice(&keys.to_le_bytes());
            out.extend_from_slice(&expires.to_le_bytes());
        }
        out.extend_from_slice(&self.file_crc.to_le_bytes());
        let crc = crc32fast::hash(&out[start..]);
        out.extend_from_slice(&crc.to_le_bytes());
    }

    /// Parses and checks a trailer at the start of `b` (which starts with [`TRAILER_MAGIC`]).
    pub(crate) fn parse(b: &[u8]) -> Parsed<TrailerInfo> {
        if b.len() < TRAILER_FIXED {
            return Parsed::Need(TRAILER_FIXED);
        }
        let n = u32_at(b, 16);
        if n > super::MAX_TRAILER_DBS {
            return Parsed::Bad(format!("trailer lists {n} databases"));
        }
        let body = TRAILER_FIXED + n as usize * TRAILER_ENTRY + 4;
        let len = body + 4;
        if b.len() < len {
            return Parsed::Need(len);
        }
        let stored = u32_at(b, body);
        let computed = crc32fast::hash(&b[..body]);
        if stored != computed {
            return Parsed::Bad(format!(
                "trailer checksum mismatch: stored {stored:#x}, computed {computed:#x}"
            ));
        }
        let dbs = (0..n as usize)
            .map(|i| {
                let at = TRAILER_FIXED + i * TRAILER_ENTRY;
                (u32_at(b, at), u64_at(b, at + 4), u64_at(b, at + 12))
            })
            .collect();
        Parsed::Ok(
            TrailerInfo {
                blocks: u32_at(b, 4),
                records: u64_at(b, 8),
                dbs,
                file_crc: u32_at(b, body - 4),
            },
            len,
        )
    }
}

/// The trailer at the very end of a file, read without reading the blocks: the per-database key
/// counts let a loader size its tables before the keys arrive. `None` when the end of the file
/// is not an intact trailer. Only a hint: nothing is verified against the blocks here (the full
/// read does that), so a caller must bound what it allocates on the strength of these counts.
pub fn peek_trailer<R: std::io::Read + std::io::Seek>(r: &mut R) -> Option<TrailerInfo> {
    use std::io::{Read, SeekFrom};
    // A trailer lists at most MAX_TRAILER_DBS databases; a real one lists a handful, and a
    // tail this long holds any trailer with up to ~3000 of them.
    const TAIL: u64 = 64 << 10;
    let end = r.seek(SeekFrom::End(0)).ok()?;
    let start = end.saturating_sub(TAIL);
    r.seek(SeekFrom::Start(start)).ok()?;
    let mut tail = Vec::new();
    r.by_ref().take(TAIL).read_to_end(&mut tail).ok()?;
    // The trailer's magic may also occur inside compressed data; the right occurrence is the
    // one whose checked trailer ends exactly at the end of the file.
    let mut at = tail.len();
    while let Some(i) = tail[..at].windows(4).rposition(|w| w == TRAILER_MAGIC) {
        if let Parsed::Ok(t, len) = TrailerInfo::parse(&tail[i..]) {
            if i + len == tail.len() {
                return Some(t);
            }
        }
        at = i + 3;
        if i == 0 {
            break;
        }
    }
    None
}

/// Encodes the whole header.
pub(crate) fn encode_header(aux: &[(Vec<u8>, Vec<u8>)], ctime_ms: u64) -> Vec<u8> {
    let mut body = Vec::new();
    put_bytes(&mut body, env!("CARGO_PKG_VERSION").as_bytes());
    body.extend_from_slice(&ctime_ms.to_le_bytes());
    put_varint(&mut body, aux.len() as u64);
    for (k, v) in aux {
        put_bytes(&mut body, k);
        put_bytes(&mut body, v);
    }
    let mut out = Vec::with_capacity(HEADER_FIXED + body.len() + 4);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&VERSION.to_le_bytes());
    out.extend_from_slice(&(body.len() as u32).to_le_bytes());
    out.extend_from_slice(&body);
    let crc = crc32fast::hash(&out);
    out.extend_from_slice(&crc.to_le_bytes());
    out
}

/// Writes a `.zdb` from blocks built elsewhere: header on creation, one framed (and, when that
/// helps, lz4-compressed) block per [`write_block`](Self::write_block), the trailer on
/// [`finish`](Self::finish). Buffers are reused from block to block.
pub struct FileWriter<W: Write> {
    w: W,
    blocks: u32,
    records: u64,
    file_crc: crc32fast::Hasher,
    scratch: Vec<u8>,
    frame: Vec<u8>,
}

impl<W: Write> FileWriter<W> {
    /// Writes the header.
    pub fn new(
        mut w: W,
        aux: &[(Vec<u8>, Vec<u8>)],
        ctime_ms: u64,
    ) -> Result<FileWriter<W>, PersistError> {
        let header = encode_header(aux, ctime_ms);
        if header.len() > super::MAX_HEADER_LEN {
            return Err(PersistError::Unsupported(
                "aux fields too large for a .zdb header".into(),
            ));
        }
        w.write_all(&header)?;
        Ok(FileWriter {
            w,
            blocks: 0,
            records: 0,
            file_crc: crc32fast::Hasher::new(),
            scratch: Vec::new(),
            frame: Vec::with_capacity(FRAME_FIXED + FRAME_KEY_MAX + 4),
        })
    }

    /// Compresses, frames and writes one block.
    pub fn write_block(&mut self, b: RawBlock) -> Result<(), PersistError> {
        if b.bytes.len() > MAX_BLOCK_LEN {
            return Err(PersistError::Unsupported(format!(
                "block of {} bytes exceeds the format's limit of {MAX_BLOCK_LEN}",
                b.bytes.len()
            )));
        }
        self.scratch
            .resize(lz4_flex::block::get_maximum_output_size(b.bytes.len()), 0);
        let clen = lz4_flex::block::compress_into(&b.bytes, &mut self.scratch)
            .map_err(|e| PersistError::Unsupported(format!("lz4 compression failed: {e}")))?;
        // Incompressible data is stored as is: lz4 would only make it longer.
        let (payload, mut flags) = if clen < b.bytes.len() {
            (&self.scratch[..clen], bflag::LZ4)
        } else {
            (&b.bytes[..], 0)
        };
        if b.cont_prev {
            flags |= bflag::CONT_PREV;
        }
        if b.cont_next {
            flags |= bflag::CONT_NEXT;
        }
        let mut first_key = b.first_key;
        first_key.truncate(FRAME_KEY_MAX);
        let frame = Frame {
            flags,
            db: b.db,
            index: self.blocks,
            records_before: self.records,
            records: b.records,
            ulen: b.bytes.len() as u32,
            slen: payload.len() as u32,
            payload_crc: crc32fast::hash(payload),
            first_key,
        };
        self.frame.clear();
        frame.encode(&mut self.frame);
        self.file_crc.update(&self.frame);
        self.file_crc.update(payload);
        self.w.write_all(&self.frame)?;
        self.w.write_all(payload)?;
        self.blocks = self
            .blocks
            .checked_add(1)
            .ok_or_else(|| PersistError::Unsupported("more than 2^32 blocks in one file".into()))?;
        self.records += u64::from(b.records);
        Ok(())
    }

    /// Writes the trailer (with the per-database counts the block builder kept) and flushes.
    pub fn finish(mut self, counts: &[(u32, u64, u64)]) -> Result<W, PersistError> {
        let mut dbs = counts.to_vec();
        dbs.sort_unstable();
        let t = TrailerInfo {
            blocks: self.blocks,
            records: self.records,
            dbs,
            file_crc: self.file_crc.clone().finalize(),
        };
        let mut out = Vec::new();
        t.encode(&mut out);
        self.w.write_all(&out)?;
        self.w.flush()?;
        Ok(self.w)
    }
}

/// A [`BlockBuilder`] and a [`FileWriter`] in one thread: push keys, then finish.
pub struct Writer<W: Write> {
    builder: BlockBuilder,
    file: FileWriter<W>,
}

impl<W: Write> Writer<W> {
    /// Writes the header; blocks aim at [`DEFAULT_BLOCK_SIZE`](super::DEFAULT_BLOCK_SIZE).
    pub fn new(w: W, aux: &[(Vec<u8>, Vec<u8>)], ctime_ms: u64) -> Result<Writer<W>, PersistError> {
        Self::with_block_size(w, aux, ctime_ms, super::DEFAULT_BLOCK_SIZE)
    }

    /// As `new`, with another target block size (tests use small blocks).
    pub fn with_block_size(
        w: W,
        aux: &[(Vec<u8>, Vec<u8>)],
        ctime_ms: u64,
        block_size: usize,
    ) -> Result<Writer<W>, PersistError> {
        Ok(Writer {
            builder: BlockBuilder::new(block_size),
            file: FileWriter::new(w, aux, ctime_ms)?,
        })
    }

    /// Appends one key; writes the blocks it completes.
    pub fn push_key(
        &mut self,
        db: u32,
        key: &[u8],
        v: &Value,
        expire_at_ms: u64,
        idle_secs: Option<u64>,
        lfu_freq: Option<u8>,
    ) -> Result<(), PersistError> {
        self.builder
            .push_key(db, key, v, expire_at_ms, idle_secs, lfu_freq);
        while let Some(b) = self.builder.take_full() {
            self.file.write_block(b)?;
        }
        Ok(())
    }

    /// Writes the last blocks and the trailer; returns the sink.
    pub fn finish(mut self) -> Result<W, PersistError> {
        while let Some(b) = self.builder.finish() {
            self.file.write_block(b)?;
        }
        let counts = self.builder.counts();
        self.file.finish(&counts)
    }
}
