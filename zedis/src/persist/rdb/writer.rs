//! The RDB writer: encodes store values exactly as Redis 7.0's `rdbSaveObject` does (RDB version
//! 10), so redis-server loads what we write with the encodings it would have chosen, and DUMP
//! payloads match Redis's byte for byte where Redis's are deterministic (everything but the
//! member order of hashtable-encoded hashes and sets).
//!
//! The encoders are pure functions appending to a `Vec<u8>`, so the server can produce a snapshot
//! key by key without a fork; [`Writer`] strings them together over any `Write` with the
//! trailing CRC-64, for the offline tools.

use super::{intset, listpack::LpWriter, lzf, opcodes, types, Checksum};
use crate::store::{HashValue, SetValue, Value, ZSetValue};
use crate::util::num::parse_i64;
use std::io::Write;

/// Redis's default `list-max-listpack-size -2`: quicklist nodes of at most 8 KB.
const QUICKLIST_NODE_BYTES: usize = 8192;
/// Redis's per-element overestimate when deciding whether an element still fits in a node.
const QUICKLIST_ELEM_OVERHEAD: usize = 8;
/// Elements at least this big get a node of their own ("plain" node), as in Redis.
const QUICKLIST_PLAIN_THRESHOLD: usize = 1 << 30;

/// Appends an RDB length.
pub fn encode_len(out: &mut Vec<u8>, n: u64) {
    if n < 1 << 6 {
        out.push(n as u8);
    } else if n < 1 << 14 {
        out.push(0x40 | (n >> 8) as u8);
        out.push(n as u8);
    } else if n <= u32::MAX as u64 {
        out.push(0x80);
        out.extend_from_slice(&(n as u32).to_be_bytes());
    } else {
        out.push(0x81);
        out.extend_from_slice(&n.to_be_bytes());
    }
}

/// The special integer encodings (8, 16, 32 bits); false when `v` needs more.
fn encode_int(out: &mut Vec<u8>, v: i64) -> bool {
    if let Ok(b) = i8::try_from(v) {
        out.extend_from_slice(&[0xC0, b as u8]);
    } else if let Ok(h) = i16::try_from(v) {
        out.push(0xC1);
        out.extend_from_slice(&h.to_le_bytes());
    } else if let Ok(w) = i32::try_from(v) {
        out.push(0xC2);
        out.extend_from_slice(&w.to_le_bytes());
    } else {
        return false;
    }
    true
}

/// Appends a string as Redis's `rdbSaveRawString`: short canonical integers in integer form,
/// strings over 20 bytes LZF-compressed when that saves space and `compress` is on.
pub fn encode_string(out: &mut Vec<u8>, s: &[u8], compress: bool) {
    if s.len() <= 11 {
        if let Some(v) = parse_i64(s) {
            if encode_int(out, v) {
                return;
            }
        }
    }
    if compress && s.len() > 20 {
        if let Some(c) = lzf::compress(s) {
            out.push(0xC3);
            encode_len(out, c.len() as u64);
            encode_len(out, s.len() as u64);
            out.extend_from_slice(&c);
            return;
        }
    }
    encode_len(out, s.len() as u64);
    out.extend_from_slice(s);
}

/// The RDB type byte Redis 7.0 writes for this value.
pub fn value_type(v: &Value) -> u8 {
    match v {
        Value::Int(_) | Value::Emb(_) | Value::Raw(_) => types::STRING,
        Value::List(_) => types::LIST_QUICKLIST_2,
        Value::Set(s) => match **s {
            SetValue::Intset(_) => types::SET_INTSET,
            SetValue::Table(_) => types::SET,
        },
        Value::Hash(h) => match **h {
            HashValue::Listpack(_) => types::HASH_LISTPACK,
            HashValue::Table(_) => types::HASH,
        },
        Value::ZSet(z) => match **z {
            ZSetValue::Listpack(_) => types::ZSET_LISTPACK,
            ZSetValue::Skiplist(_) => types::ZSET_2,
        },
    }
}

/// Pushes a score into a sorted-set listpack as Redis 7.0's `zzlInsertAt` does: integral
/// values within ±2^62 (including -0) as integers, the rest as `d2string` text.
fn push_score(w: &mut LpWriter, s: f64) {
    const LIM: f64 = (i64::MAX / 2) as f64;
    if (-LIM..=LIM).contains(&s) && s.fract() == 0.0 {
        w.push_int(s as i64);
    } else if s == f64::INFINITY {
        w.push(b"inf");
    } else if s == f64::NEG_INFINITY {
        w.push(b"-inf");
    } else {
        w.push(crate::resp::write::format_double(s).as_bytes());
    }
}

/// Appends the type byte and the value (the body of a DUMP payload).
pub fn encode_value(out: &mut Vec<u8>, v: &Value, compress: bool) {
    out.push(value_type(v));
    encode_body(out, v, compress);
}

/// Appends the value without its type byte.
fn encode_body(out: &mut Vec<u8>, v: &Value, compress: bool) {
    match v {
        Value::Int(i) => {
            if !encode_int(out, *i) {
                let s = i.to_string();
                encode_len(out, s.len() as u64);
                out.extend_from_slice(s.as_bytes());
            }
        }
        Value::Emb(s) => encode_string(out, s.as_slice(), compress),
        Value::Raw(s) => encode_string(out, s, compress),
        Value::List(l) => encode_list_nodes(out, l, compress),
        Value::Set(s) => match &**s {
            SetValue::Intset(v) => encode_string(out, &intset::encode(v), compress),
            SetValue::Table(t) => {
                encode_len(out, t.len() as u64);
                for m in t {
                    encode_string(out, m.as_ref(), compress);
                }
            }
        },
        Value::Hash(h) => match &**h {
            HashValue::Listpack(pairs) => {
                let mut w = LpWriter::new();
                for (f, v) in pairs {
                    w.push(f);
                    w.push(v);
                }
                encode_string(out, &w.finish(), compress);
            }
            HashValue::Table(t) => {
                encode_len(out, t.len() as u64);
                for (f, v) in t {
                    encode_string(out, f, compress);
                    encode_string(out, v, compress);
                }
            }
        },
        Value::ZSet(z) => match &**z {
            ZSetValue::Listpack(items) => {
                let mut w = LpWriter::new();
                for (m, s) in items {
                    w.push(m);
                    push_score(&mut w, s);
                }
                encode_string(out, &w.finish(), compress);
            }
            ZSetValue::Skiplist(_) => {
                // Highest score first, as Redis writes it, so that loading appends at the head.
                encode_len(out, z.len() as u64);
                for (m, s) in z.iter_from(z.len().saturating_sub(1), true) {
                    encode_string(out, m, compress);
                    out.extend_from_slice(&s.to_le_bytes());
                }
            }
        },
    }
}

/// A list as quicklist 2: nodes of listpacks filled the way RPUSH fills them.
fn encode_list_nodes(out: &mut Vec<u8>, l: &crate::store::ListValue, compress: bool) {
    enum Node {
        Packed(Vec<u8>),
        Plain(Vec<u8>),
    }
    let mut nodes = Vec::new();
    let mut cur: Option<LpWriter> = None;
    for item in &l.items {
        let item = item.as_slice();
        if item.len() >= QUICKLIST_PLAIN_THRESHOLD {
            if let Some(w) = cur.take() {
                nodes.push(Node::Packed(w.finish()));
            }
            nodes.push(Node::Plain(item.to_vec()));
            continue;
        }
        let fits = cur.as_ref().is_some_and(|w| {
            w.bytes() + item.len() + QUICKLIST_ELEM_OVERHEAD <= QUICKLIST_NODE_BYTES
        });
        if !fits {
            if let Some(w) = cur.take() {
                nodes.push(Node::Packed(w.finish()));
            }
            cur = Some(LpWriter::new());
        }
        if let Some(w) = cur.as_mut() {
            w.push(item);
        }
    }
    if let Some(w) = cur.take() {
        nodes.push(Node::Packed(w.finish()));
    }
    encode_len(out, nodes.len() as u64);
    for n in nodes {
        match n {
            Node::Plain(b) => {
                encode_len(out, 1);
                encode_string(out, &b, compress);
            }
            Node::Packed(b) => {
                encode_len(out, 2);
                encode_string(out, &b, compress);
            }
        }
    }
}

/// Appends one key with its metadata, as `rdbSaveKeyValuePair` does: expiry, LRU idle time,
/// LFU counter, then type, key and value. `expire_at_ms` 0 means persistent.
pub fn encode_key(
    out: &mut Vec<u8>,
    key: &[u8],
    v: &Value,
    expire_at_ms: u64,
    idle_secs: Option<u64>,
    lfu_freq: Option<u8>,
    compress: bool,
) {
    if expire_at_ms != 0 {
        out.push(opcodes::EXPIRETIME_MS);
        out.extend_from_slice(&expire_at_ms.to_le_bytes());
    }
    if let Some(idle) = idle_secs {
        out.push(opcodes::IDLE);
        encode_len(out, idle);
    }
    if let Some(f) = lfu_freq {
        out.push(opcodes::FREQ);
        out.push(f);
    }
    out.push(value_type(v));
    encode_string(out, key, compress);
    encode_body(out, v, compress);
}

/// Appends the magic and the AUX fields.
pub fn encode_header(out: &mut Vec<u8>, aux: &[(&[u8], &[u8])]) {
    out.extend_from_slice(format!("REDIS{:04}", super::RDB_VERSION).as_bytes());
    for (k, v) in aux {
        out.push(opcodes::AUX);
        encode_string(out, k, false);
        encode_string(out, v, false);
    }
}

/// Appends a database switch and its size hints.
pub fn encode_select_db(out: &mut Vec<u8>, db: u32, keys: u64, expires: u64) {
    out.push(opcodes::SELECTDB);
    encode_len(out, db as u64);
    out.push(opcodes::RESIZEDB);
    encode_len(out, keys);
    encode_len(out, expires);
}

/// Appends the EOF opcode. The caller then appends its running CRC-64 of everything before and
/// including this byte, little-endian (what [`Writer::finish`] does).
pub fn encode_eof(out: &mut Vec<u8>) {
    out.push(opcodes::EOF);
}

/// A whole RDB file over any `Write`, with the running checksum.
pub struct Writer<W: Write> {
    w: W,
    crc: Checksum,
    buf: Vec<u8>,
    compress: bool,
}

impl<W: Write> Writer<W> {
    /// Starts a file: writes the header and AUX fields.
    pub fn new(w: W, aux: &[(&[u8], &[u8])], compress: bool) -> std::io::Result<Writer<W>> {
        let mut me = Writer {
            w,
            crc: super::checksum(),
            buf: Vec::with_capacity(64 * 1024),
            compress,
        };
        encode_header(&mut me.buf, aux);
        me.flush_buf()?;
        Ok(me)
    }

    fn flush_buf(&mut self) -> std::io::Result<()> {
        self.crc.update(&self.buf);
        self.w.write_all(&self.buf)?;
        self.buf.clear();
        Ok(())
    }

    pub fn select_db(&mut self, db: u32, keys: u64, expires: u64) -> std::io::Result<()> {
        encode_select_db(&mut self.buf, db, keys, expires);
        self.flush_buf()
    }

    pub fn key(
        &mut self,
        key: &[u8],
        v: &Value,
        expire_at_ms: u64,
        idle_secs: Option<u64>,
        lfu_freq: Option<u8>,
    ) -> std::io::Result<()> {
        encode_key(
            &mut self.buf,
            key,
            v,
            expire_at_ms,
            idle_secs,
            lfu_freq,
            self.compress,
        );
        if self.buf.len() >= 64 * 1024 {
            self.flush_buf()?;
        }
        Ok(())
    }

    /// Writes EOF and the checksum, flushes, and gives the sink back.
    pub fn finish(mut self) -> std::io::Result<W> {
        encode_eof(&mut self.buf);
        self.flush_buf()?;
        let crc = self.crc.clone().finalize();
        self.w.write_all(&crc.to_le_bytes())?;
        self.w.flush()?;
        Ok(self.w)
    }
}
