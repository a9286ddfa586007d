//! The store-thread half of writing a `.zdb`: encoding key records into uncompressed blocks.
//! Pure and allocation-light — no compression, no checksums, no I/O — so the store thread pays
//! only for copying bytes while it walks the keyspace.

use super::{rflag, tag, RawBlock, FRAME_KEY_MAX, MAX_BLOCK_LEN};
use crate::store::{HashValue, SetValue, Value, ZSetValue};
use std::collections::{BTreeMap, VecDeque};

/// Appends `v` as an unsigned LEB128 varint.
pub(crate) fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

/// Appends a length-prefixed byte string.
pub(crate) fn put_bytes(out: &mut Vec<u8>, b: &[u8]) {
    put_varint(out, b.len() as u64);
    out.extend_from_slice(b);
}

/// Zigzag: small negative integers get short varints too.
pub(crate) fn zigzag(i: i64) -> u64 {
    ((i << 1) ^ (i >> 63)) as u64
}

pub(crate) fn unzigzag(u: u64) -> i64 {
    ((u >> 1) as i64) ^ -((u & 1) as i64)
}

/// The tag naming a value's type and current encoding.
fn value_tag(v: &Value) -> u8 {
    match v {
        Value::Int(_) => tag::STR_INT,
        Value::Emb(_) => tag::STR_EMB,
        Value::Raw(_) => tag::STR_RAW,
        Value::List(_) => tag::LIST,
        Value::Set(s) => match **s {
            SetValue::Intset(_) => tag::SET_INTSET,
            SetValue::Table(_) => tag::SET_TABLE,
        },
        Value::Hash(h) => match **h {
            HashValue::Listpack(_) => tag::HASH_LISTPACK,
            HashValue::Table(_) => tag::HASH_TABLE,
        },
        Value::ZSet(z) => match **z {
            ZSetValue::Listpack(_) => tag::ZSET_LISTPACK,
            ZSetValue::Skiplist(_) => tag::ZSET_SKIPLIST,
        },
    }
}

/// Appends one complete record.
pub(crate) fn encode_record(
    out: &mut Vec<u8>,
    key: &[u8],
    v: &Value,
    expire_at_ms: u64,
    idle_secs: Option<u64>,
    lfu_freq: Option<u8>,
) {
    let mut flags = 0;
    if expire_at_ms != 0 {
        flags |= rflag::EXPIRE;
    }
    if idle_secs.is_some() {
        flags |= rflag::IDLE;
    }
    if lfu_freq.is_some() {
        flags |= rflag::FREQ;
    }
    out.push(value_tag(v));
    out.push(flags);
    put_bytes(out, key);
    if expire_at_ms != 0 {
        out.extend_from_slice(&expire_at_ms.to_le_bytes());
    }
    if let Some(idle) = idle_secs {
        put_varint(out, idle);
    }
    if let Some(f) = lfu_freq {
        out.push(f);
    }
    match v {
        Value::Int(i) => put_varint(out, zigzag(*i)),
        Value::Emb(s) => put_bytes(out, s),
        Value::Raw(s) => put_bytes(out, s),
        Value::List(l) => {
            put_varint(out, l.items.len() as u64);
            for item in &l.items {
                put_bytes(out, item);
            }
        }
        Value::Set(s) => match &**s {
            SetValue::Intset(ints) => {
                put_varint(out, ints.len() as u64);
                out.reserve(ints.len() * 8);
                for i in ints {
                    out.extend_from_slice(&i.to_le_bytes());
                }
            }
            SetValue::Table(t) => {
                put_varint(out, t.len() as u64);
                for m in t {
                    put_bytes(out, m);
                }
            }
        },
        // Matched per encoding rather than through `HashValue::iter`, which boxes its iterator:
        // the store thread should not allocate per key.
        Value::Hash(h) => match &**h {
            HashValue::Listpack(pairs) => {
                // The store keeps the pairs exactly as this format writes them.
                put_varint(out, pairs.len() as u64);
                out.extend_from_slice(pairs.encoded());
            }
            HashValue::Table(m) => {
                put_varint(out, m.len() as u64);
                for (f, val) in m {
                    put_bytes(out, f);
                    put_bytes(out, val);
                }
            }
        },
        Value::ZSet(z) => {
            put_varint(out, z.len() as u64);
            for (m, score) in z.iter_from(0, false) {
                put_bytes(out, m);
                out.extend_from_slice(&score.to_bits().to_le_bytes());
            }
        }
    }
}

/// Collects encoded records into blocks of about `target_size` uncompressed bytes. A block never
/// spans databases: the frame then names the database of all its records, so every block read
/// (or salvaged) on its own knows where its keys go, and records need no db field. Keys are
/// visited database by database, so this costs one short block per database at most.
#[derive(Debug)]
pub struct BlockBuilder {
    target: usize,
    buf: Vec<u8>,
    db: u32,
    first_key: Vec<u8>,
    records: u32,
    ready: VecDeque<RawBlock>,
    /// Per database: keys and keys with an expiry, for the trailer.
    counts: BTreeMap<u32, (u64, u64)>,
}

impl BlockBuilder {
    /// A builder aiming at `target_size` uncompressed bytes per block (clamped to 1 KiB ..
    /// [`MAX_BLOCK_LEN`]).
    pub fn new(target_size: usize) -> BlockBuilder {
        let target = target_size.clamp(1024, MAX_BLOCK_LEN);
        BlockBuilder {
            target,
            buf: Vec::new(),
            db: 0,
            first_key: Vec::new(),
            records: 0,
            ready: VecDeque::new(),
            counts: BTreeMap::new(),
        }
    }

    /// Appends one key's record, sealing the current block first when the database changes,
    /// and after it when the block has reached its target size. A record larger than the target
    /// is cut into parts that fill blocks of their own.
    pub fn push_key(
        &mut self,
        db: u32,
        key: &[u8],
        v: &Value,
        expire_at_ms: u64,
        idle_secs: Option<u64>,
        lfu_freq: Option<u8>,
    ) {
        if self.records > 0 && self.db != db {
            self.seal();
        }
        if self.records == 0 {
            self.db = db;
            self.first_key.clear();
            self.first_key
                .extend_from_slice(&key[..key.len().min(FRAME_KEY_MAX)]);
        }
        if self.buf.capacity() == 0 {
            self.buf.reserve(self.target + self.target / 8);
        }
        let start = self.buf.len();
        encode_record(&mut self.buf, key, v, expire_at_ms, idle_secs, lfu_freq);
        self.records += 1;
        let c = self.counts.entry(db).or_default();
        c.0 += 1;
        if expire_at_ms != 0 {
            c.1 += 1;
        }
        if self.buf.len() - start > self.target {
            let big = self.buf.split_off(start);
            self.records -= 1;
            if self.records > 0 {
                self.seal();
            }
            self.cut_parts(db, key, big);
        } else if self.buf.len() >= self.target {
            self.seal();
        }
    }

    /// Cuts one oversized record into blocks of `target` bytes, chained by the continuation flags.
    fn cut_parts(&mut self, db: u32, key: &[u8], big: Vec<u8>) {
        let n = big.len().div_ceil(self.target);
        for (i, part) in big.chunks(self.target).enumerate() {
            self.ready.push_back(RawBlock {
                db,
                first_key: key[..key.len().min(FRAME_KEY_MAX)].to_vec(),
                records: u32::from(i + 1 == n),
                bytes: part.to_vec(),
                cont_prev: i > 0,
                cont_next: i + 1 < n,
            });
        }
    }

    fn seal(&mut self) {
        if self.records == 0 {
            return;
        }
        let bytes = std::mem::take(&mut self.buf);
        self.ready.push_back(RawBlock {
            db: self.db,
            first_key: std::mem::take(&mut self.first_key),
            records: self.records,
            bytes,
            cont_prev: false,
            cont_next: false,
        });
        self.records = 0;
    }

    /// A finished block, if one is ready (call after each `push_key`).
    pub fn take_full(&mut self) -> Option<RawBlock> {
        self.ready.pop_front()
    }

    /// Seals the block in progress; then hands out remaining blocks one per call until None.
    pub fn finish(&mut self) -> Option<RawBlock> {
        self.seal();
        self.ready.pop_front()
    }

    /// `(db, keys, keys with an expiry)` for every database a key was pushed for, ascending.
    pub fn counts(&self) -> Vec<(u32, u64, u64)> {
        self.counts.iter().map(|(db, c)| (*db, c.0, c.1)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zigzag_round_trips() {
        for i in [0, 1, -1, 63, -64, i64::MAX, i64::MIN] {
            assert_eq!(unzigzag(zigzag(i)), i);
        }
        assert_eq!(zigzag(-1), 1);
    }

    #[test]
    fn blocks_split_on_db_and_size() {
        let mut b = BlockBuilder::new(1024);
        let v = Value::string(&[b'x'; 100]);
        for i in 0..20u32 {
            b.push_key(i / 10, format!("k{i}").as_bytes(), &v, 0, None, None);
        }
        let mut blocks = Vec::new();
        while let Some(bl) = b.finish() {
            blocks.push(bl);
        }
        assert!(blocks.iter().all(|b| b.bytes.len() < 1024 + 120));
        assert_eq!(blocks.iter().map(|b| b.records).sum::<u32>(), 20);
        assert!(blocks.iter().any(|b| b.db == 1 && b.first_key == b"k10"));
        assert_eq!(b.counts(), vec![(0, 10, 0), (1, 10, 0)]);
    }

    #[test]
    fn big_record_is_cut_into_parts() {
        let mut b = BlockBuilder::new(1024);
        b.push_key(0, b"small", &Value::Int(1), 0, None, None);
        b.push_key(0, b"big", &Value::string(&[7u8; 5000]), 9, None, None);
        let blocks: Vec<_> = std::iter::from_fn(|| b.finish()).collect();
        assert_eq!(blocks.len(), 1 + 5);
        assert_eq!(blocks[0].records, 1);
        assert!(blocks[1..].iter().all(|b| b.first_key == b"big"));
        assert!(!blocks[1].cont_prev && blocks[1].cont_next);
        assert!(blocks[5].cont_prev && !blocks[5].cont_next && blocks[5].records == 1);
        assert_eq!(b.counts(), vec![(0, 2, 1)]);
    }
}
