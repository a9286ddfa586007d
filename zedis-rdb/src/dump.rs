//! `dump`: every key that passes the filter, one at a time as it is read, in JSON, JSON lines,
//! RESP commands (through `zedis::persist::aof::rewrite`, the same encoder AOF rewriting
//! uses) or text. Nothing is collected: memory stays at the largest single key.

use crate::args::{DumpFormat, Escape};
use crate::escape;
use crate::filter::Filter;
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
                if self.format == DumpFormat::Json {
                    self.buf
                        .extend_from_slice(if self.written == 0 { b"[\n" } else { b",\n" });
                }
                write_json(&mut self.buf, k, self.escape)?;
                if self.format == DumpFormat::Jsonl {
                    self.buf.push(b'\n');
                }
            }
            DumpFormat::Text => {
                write!(self.buf, "db={} key=", k.db)?;
                json_str(&mut self.buf, &k.key, self.escape)?;
                write!(
                    self.buf,
                    " type={} encoding={} expire_at_ms=",
                    k.value.kind().name(),
                    k.file_encoding
                )?;
                if k.expire_at_ms == 0 {
                    self.buf.push(b'-');
                } else {
                    write!(self.buf, "{}", k.expire_at_ms)?;
                }
                self.buf.extend_from_slice(b" value=");
                write_value(&mut self.buf, &k.value, self.escape)?;
                self.buf.push(b'\n');
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

/// Appends `b`, escaped per `esc`, as a JSON string.
fn json_str(out: &mut Vec<u8>, b: &[u8], esc: Escape) -> std::io::Result<()> {
    serde_json::to_writer(&mut *out, escape::text(b, esc).as_str())?;
    Ok(())
}

/// Appends one key as a JSON object (fields in a fixed, readable order).
pub fn write_json(out: &mut Vec<u8>, k: &KeyRecord, esc: Escape) -> std::io::Result<()> {
    write!(out, "{{\"db\":{},\"key\":", k.db)?;
    json_str(out, &k.key, esc)?;
    write!(
        out,
        ",\"type\":\"{}\",\"encoding\":\"{}\",\"expire_at_ms\":",
        k.value.kind().name(),
        k.file_encoding
    )?;
    if k.expire_at_ms == 0 {
        out.extend_from_slice(b"null");
    } else {
        write!(out, "{}", k.expire_at_ms)?;
    }
    if let Some(i) = k.idle_secs {
        write!(out, ",\"idle_secs\":{i}")?;
    }
    if let Some(f) = k.lfu_freq {
        write!(out, ",\"lfu_freq\":{f}")?;
    }
    out.extend_from_slice(b",\"value\":");
    write_value(out, &k.value, esc)?;
    out.push(b'}');
    Ok(())
}

/// Appends a value as JSON: a string, an array (list, set), an object (hash) or an array of
/// `[member, score]` pairs (sorted set, ascending). Non-finite scores are the strings "inf"
/// and "-inf", which JSON numbers cannot express.
pub fn write_value(out: &mut Vec<u8>, v: &Value, esc: Escape) -> std::io::Result<()> {
    let mut scratch = [0u8; 20];
    match v {
        Value::Int(_) | Value::Emb(_) | Value::Raw(_) => {
            json_str(out, v.str_bytes(&mut scratch).unwrap_or_default(), esc)?;
        }
        Value::List(l) => {
            out.push(b'[');
            for (i, e) in l.items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                json_str(out, e.as_ref(), esc)?;
            }
            out.push(b']');
        }
        Value::Set(set) => {
            out.push(b'[');
            for (i, m) in set.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                json_str(out, &m, esc)?;
            }
            out.push(b']');
        }
        Value::Hash(h) => {
            out.push(b'{');
            for (i, (f, x)) in h.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                json_str(out, f, esc)?;
                out.push(b':');
                json_str(out, x, esc)?;
            }
            out.push(b'}');
        }
        Value::ZSet(z) => {
            out.push(b'[');
            for (i, (m, sc)) in z.iter_from(0, false).enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                out.push(b'[');
                json_str(out, m, esc)?;
                out.push(b',');
                if sc.is_finite() {
                    serde_json::to_writer(&mut *out, &sc)?;
                } else if sc > 0.0 {
                    out.extend_from_slice(b"\"inf\"");
                } else {
                    out.extend_from_slice(b"\"-inf\"");
                }
                out.push(b']');
            }
            out.push(b']');
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use zedis::persist::build::{self, Limits};

    fn rec(value: Value, exp: u64) -> KeyRecord {
        KeyRecord {
            db: 3,
            key: b"k\xff"[..].into(),
            value,
            expire_at_ms: exp,
            idle_secs: Some(5),
            lfu_freq: None,
            file_encoding: "listpack",
        }
    }

    fn json(k: &KeyRecord, esc: Escape) -> serde_json::Value {
        let mut out = Vec::new();
        write_json(&mut out, k, esc).unwrap();
        serde_json::from_slice(&out).expect("valid JSON")
    }

    #[test]
    fn json_objects_are_valid_and_complete() {
        let lim = Limits::default();
        let z = build::zset(
            [(b"a".as_slice(), f64::NEG_INFINITY), (b"b".as_slice(), 0.5)],
            &lim,
        );
        let j = json(&rec(z, 0), Escape::Utf8);
        assert_eq!(j["db"], 3);
        assert_eq!(j["key"], "k\\xff");
        assert_eq!(j["type"], "zset");
        assert_eq!(j["encoding"], "listpack");
        assert!(j["expire_at_ms"].is_null());
        assert_eq!(j["idle_secs"], 5);
        assert_eq!(j["value"], serde_json::json!([["a", "-inf"], ["b", 0.5]]));

        let h = build::hash([(b"f\"".as_slice(), b"\n".as_slice())], &lim);
        let j = json(&rec(h, 9), Escape::Base64);
        assert_eq!(j["key"], "a/8=");
        assert_eq!(j["expire_at_ms"], 9);
        assert_eq!(j["value"], serde_json::json!({"ZiI=": "Cg=="}));

        let j = json(&rec(Value::Int(-7), 0), Escape::Raw);
        assert_eq!(j["value"], "-7");
        assert_eq!(j["key"], "k\u{fffd}");
    }

    #[test]
    fn resp_dump_selects_and_expires() {
        let filter = Filter::all(0);
        let mut d = Dumper::new(Vec::new(), DumpFormat::Resp, Escape::Raw, filter);
        d.record(0, Record::Key(rec(Value::string(b"v"), 77)))
            .unwrap();
        let out = d.finish().unwrap();
        let text = String::from_utf8_lossy(&out);
        assert!(text.starts_with("*2\r\n$6\r\nSELECT\r\n$1\r\n3\r\n*3\r\n$3\r\nSET\r\n"));
        assert!(text.contains("PEXPIREAT"));
    }
}
