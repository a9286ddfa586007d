//! `dump`: every key that passes the filter, one at a time as it is read, in JSON, JSON lines,
//! RESP commands (through `zedis::persist::aof::rewrite`, the same encoder AOF rewriting
//! uses) or text. Nothing is collected: memory stays at the largest single key.

use crate::args::{DumpFormat, Escape};
use crate::escape;
use crate::filter::Filter;
use serde_json::{json, Map, Value as Json};
use std::io::Write;
use zedis::persist::aof::Rewriter;
use zedis::persist::{KeyRecord, PersistError, Record, Visitor};
use zedis::store::Value;

/// A visitor that writes keys to `out`.
pub struct Dumper<W: Write> {
    out: W,
    format: DumpFormat,
    escape: Escape,
    filter: Filter,
    rewriter: Rewriter,
    buf: Vec<u8>,
    /// Keys written so far.
    pub written: u64,
    /// Keys the reader reported but zedis cannot represent (streams, module values).
    pub unsupported: u64,
}

impl<W: Write> Dumper<W> {
    pub fn new(out: W, format: DumpFormat, escape: Escape, filter: Filter) -> Dumper<W> {
        Dumper {
            out,
            format,
            escape,
            filter,
            rewriter: Rewriter::new(),
            buf: Vec::new(),
            written: 0,
            unsupported: 0,
        }
    }

    /// Closes the JSON array (if any) and flushes.
    pub fn finish(mut self) -> std::io::Result<W> {
        if self.format == DumpFormat::Json {
            if self.written == 0 {
                self.out.write_all(b"[")?;
            }
            self.out.write_all(b"\n]\n")?;
        }
        self.out.flush()?;
        Ok(self.out)
    }

    fn key(&mut self, k: &KeyRecord) -> std::io::Result<()> {
        self.buf.clear();
        match self.format {
            DumpFormat::Resp => {
                self.rewriter
                    .key(&mut self.buf, k.db, &k.key, &k.value, k.expire_at_ms);
            }
            DumpFormat::Json | DumpFormat::Jsonl => {
                let obj = to_json(k, self.escape);
                if self.format == DumpFormat::Json {
                    self.buf
                        .extend_from_slice(if self.written == 0 { b"[\n" } else { b",\n" });
                }
                serde_json::to_writer(&mut self.buf, &obj)?;
                if self.format == DumpFormat::Jsonl {
                    self.buf.push(b'\n');
                }
            }
            DumpFormat::Text => {
                let value = value_json(&k.value, self.escape);
                let exp = if k.expire_at_ms == 0 {
                    "-".to_string()
                } else {
                    k.expire_at_ms.to_string()
                };
                writeln!(
                    self.buf,
                    "db={} key={} type={} encoding={} expire_at_ms={} value={}",
                    k.db,
                    Json::String(escape::text(&k.key, self.escape)),
                    k.value.kind().name(),
                    k.file_encoding,
                    exp,
                    value
                )?;
            }
        }
        self.out.write_all(&self.buf)?;
        self.written += 1;
        Ok(())
    }
}

impl<W: Write> Visitor for Dumper<W> {
    fn record(&mut self, _offset: u64, rec: Record) -> Result<(), PersistError> {
        match rec {
            Record::Key(k) if self.filter.accepts(&k) => self.key(&k)?,
            Record::Unsupported { .. } => self.unsupported += 1,
            _ => {}
        }
        Ok(())
    }
}

/// One key as a JSON object.
pub fn to_json(k: &KeyRecord, esc: Escape) -> Json {
    let mut m = Map::new();
    m.insert("db".into(), json!(k.db));
    m.insert("key".into(), Json::String(escape::text(&k.key, esc)));
    m.insert("type".into(), json!(k.value.kind().name()));
    m.insert("encoding".into(), json!(k.file_encoding));
    m.insert(
        "expire_at_ms".into(),
        if k.expire_at_ms == 0 {
            Json::Null
        } else {
            json!(k.expire_at_ms)
        },
    );
    if let Some(i) = k.idle_secs {
        m.insert("idle_secs".into(), json!(i));
    }
    if let Some(f) = k.lfu_freq {
        m.insert("lfu_freq".into(), json!(f));
    }
    m.insert("value".into(), value_json(&k.value, esc));
    Json::Object(m)
}

/// A value as JSON: a string, an array (list, set), an object (hash) or an array of
/// `[member, score]` pairs (sorted set, ascending). Non-finite scores are the strings "inf" and
/// "-inf", which JSON numbers cannot express.
pub fn value_json(v: &Value, esc: Escape) -> Json {
    let s = |b: &[u8]| Json::String(escape::text(b, esc));
    let mut scratch = [0u8; 20];
    match v {
        Value::Int(_) | Value::Emb(_) | Value::Raw(_) => {
            s(v.str_bytes(&mut scratch).unwrap_or_default())
        }
        Value::List(l) => Json::Array(l.items.iter().map(|e| s(e.as_ref())).collect()),
        Value::Set(set) => Json::Array(set.iter().map(|m| s(&m)).collect()),
        Value::Hash(h) => Json::Object(
            h.iter()
                .map(|(f, x)| (escape::text(f, esc), s(x)))
                .collect(),
        ),
        Value::ZSet(z) => Json::Array(
            z.iter_from(0, false)
                .map(|(m, sc)| {
                    let score = serde_json::Number::from_f64(sc).map_or_else(
                        || json!(if sc > 0.0 { "inf" } else { "-inf" }),
                        Json::Number,
                    );
                    Json::Array(vec![s(m), score])
                })
                .collect(),
        ),
    }
}
