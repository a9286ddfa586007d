//! Key → RESP commands, as an AOF rewrite (or `zedis-rdb dump --format resp`) needs them: a
//! string is one SET, a collection is RPUSH/SADD/HSET/ZADD in chunks of [`ITEMS_PER_CMD`]
//! elements (Redis's `AOF_REWRITE_ITEMS_PER_CMD`, so no single command grows unbounded), an
//! expiry is a PEXPIREAT with the absolute time (so replaying later does not extend it), and
//! [`Rewriter`] emits a SELECT whenever the database changes.
//!
//! Scores are written with `%.17g`, which reads back to the identical double.

use crate::resp::write::format_double;
use crate::store::{Value, ZSetValue};

/// Elements per RPUSH/SADD/HSET/ZADD command (Redis's `AOF_REWRITE_ITEMS_PER_CMD`).
pub const ITEMS_PER_CMD: usize = 64;

/// Appends one RESP command (an array of bulk strings).
fn command(out: &mut Vec<u8>, args: &[&[u8]]) {
    super::encode::encode_command(out, args);
}

/// Appends `SELECT db` (the one encoder, in `encode`).
pub use super::encode::encode_select;

/// Appends the commands that rebuild `key` holding `v` (in whatever database is selected),
/// followed by `PEXPIREAT key expire_at_ms` when `expire_at_ms` is not 0.
pub fn encode_key(out: &mut Vec<u8>, key: &[u8], v: &Value, expire_at_ms: u64) {
    let mut scratch = [0u8; 20];
    match v {
        Value::Int(_) | Value::Emb(_) | Value::Raw(_) => {
            let s = v.str_bytes(&mut scratch).unwrap_or_default();
            command(out, &[b"SET", key, s]);
        }
        Value::List(l) => chunked(out, b"RPUSH", key, l.items.iter().map(|e| e.as_ref())),
        Value::Set(s) => {
            // Intset members are integers formatted on the fly; collect a chunk's worth at a
            // time so borrowed and owned members share one path.
            let mut chunk: Vec<std::borrow::Cow<'_, [u8]>> = Vec::with_capacity(ITEMS_PER_CMD);
            for m in s.iter() {
                chunk.push(m);
                if chunk.len() == ITEMS_PER_CMD {
                    flush(out, b"SADD", key, &chunk);
                    chunk.clear();
                }
            }
            if !chunk.is_empty() {
                flush(out, b"SADD", key, &chunk);
            }
        }
        Value::Hash(h) => {
            let pairs = h.iter().flat_map(|(f, x)| [f, x]);
            chunked_n(out, b"HSET", key, pairs, 2);
        }
        Value::ZSet(z) => {
            let mut texts: Vec<(Vec<u8>, &[u8])> = Vec::with_capacity(ITEMS_PER_CMD);
            let emit = |out: &mut Vec<u8>, texts: &mut Vec<(Vec<u8>, &[u8])>| {
                let mut args: Vec<&[u8]> = Vec::with_capacity(2 + texts.len() * 2);
                args.push(b"ZADD");
                args.push(key);
                for (s, m) in texts.iter() {
                    args.push(s);
                    args.push(m);
                }
                command(out, &args);
                texts.clear();
            };
            for (m, s) in zset_iter(z) {
                texts.push((format_double(s).into_bytes(), m));
                if texts.len() == ITEMS_PER_CMD {
                    emit(out, &mut texts);
                }
            }
            if !texts.is_empty() {
                emit(out, &mut texts);
            }
        }
    }
    if expire_at_ms != 0 {
        command(
            out,
            &[b"PEXPIREAT", key, expire_at_ms.to_string().as_bytes()],
        );
    }
}

fn zset_iter(z: &ZSetValue) -> impl Iterator<Item = (&[u8], f64)> {
    z.iter_from(0, false)
}

fn flush<T: AsRef<[u8]>>(out: &mut Vec<u8>, cmd: &[u8], key: &[u8], items: &[T]) {
    let mut args: Vec<&[u8]> = Vec::with_capacity(2 + items.len());
    args.push(cmd);
    args.push(key);
    args.extend(items.iter().map(|i| i.as_ref()));
    command(out, &args);
}

fn chunked<'a>(out: &mut Vec<u8>, cmd: &[u8], key: &[u8], items: impl Iterator<Item = &'a [u8]>) {
    chunked_n(out, cmd, key, items, 1)
}

/// Emits `cmd key` followed by up to `ITEMS_PER_CMD` elements of `per` arguments each.
fn chunked_n<'a>(
    out: &mut Vec<u8>,
    cmd: &[u8],
    key: &[u8],
    items: impl Iterator<Item = &'a [u8]>,
    per: usize,
) {
    let mut chunk: Vec<&[u8]> = Vec::with_capacity(ITEMS_PER_CMD * per);
    for it in items {
        chunk.push(it);
        if chunk.len() == ITEMS_PER_CMD * per {
            flush(out, cmd, key, &chunk);
            chunk.clear();
        }
    }
    if !chunk.is_empty() {
        flush(out, cmd, key, &chunk);
    }
}

/// Encodes a stream of keys from any number of databases, selecting each database when it
/// changes (and before the first key).
#[derive(Debug, Default)]
pub struct Rewriter {
    db: Option<u32>,
}

impl Rewriter {
    pub fn new() -> Rewriter {
        Rewriter::default()
    }

    /// Appends the commands for one key of database `db`.
    pub fn key(&mut self, out: &mut Vec<u8>, db: u32, key: &[u8], v: &Value, expire_at_ms: u64) {
        if self.db != Some(db) {
            encode_select(out, db);
            self.db = Some(db);
        }
        encode_key(out, key, v, expire_at_ms);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::persist::build::{self, Limits};
    use crate::resp::frame::Frame;

    /// Splits encoded output back into commands (each a list of arguments).
    fn commands(mut b: &[u8]) -> Vec<Vec<Vec<u8>>> {
        let mut out = Vec::new();
        while !b.is_empty() {
            let (f, n) = match Frame::parse(b) {
                Ok(Some(x)) => x,
                other => panic!("bad RESP: {other:?}"),
            };
            b = &b[n..];
            let Frame::Array(items) = f else {
                panic!("not an array")
            };
            out.push(
                items
                    .into_iter()
                    .map(|i| match i {
                        Frame::Bulk(x) => x.to_vec(),
                        _ => panic!("not a bulk"),
                    })
                    .collect(),
            );
        }
        out
    }

    fn names(cmds: &[Vec<Vec<u8>>]) -> Vec<String> {
        cmds.iter()
            .map(|c| String::from_utf8_lossy(&c[0]).into_owned())
            .collect()
    }

    #[test]
    fn string_with_expiry() {
        let mut out = Vec::new();
        encode_key(&mut out, b"k", &Value::Int(-5), 1234);
        let c = commands(&out);
        assert_eq!(c[0], vec![b"SET".to_vec(), b"k".to_vec(), b"-5".to_vec()]);
        assert_eq!(
            c[1],
            vec![b"PEXPIREAT".to_vec(), b"k".to_vec(), b"1234".to_vec()]
        );
        assert_eq!(c.len(), 2);
    }

    #[test]
    fn collections_are_chunked() {
        let lim = Limits::default();
        let items: Vec<Vec<u8>> = (0..130).map(|i| format!("e{i}").into_bytes()).collect();
        let mut out = Vec::new();
        encode_key(&mut out, b"l", &build::list(items.iter()), 0);
        let c = commands(&out);
        assert_eq!(names(&c), ["RPUSH", "RPUSH", "RPUSH"]);
        assert_eq!(c[0].len(), 2 + 64);
        assert_eq!(c[2].len(), 2 + 2);
        let back: Vec<Vec<u8>> = c.iter().flat_map(|x| x[2..].to_vec()).collect();
        assert_eq!(back, items);

        out.clear();
        let pairs: Vec<(Vec<u8>, Vec<u8>)> = (0..65)
            .map(|i| (format!("f{i}").into_bytes(), b"v".to_vec()))
            .collect();
        encode_key(
            &mut out,
            b"h",
            &build::hash(pairs.iter().map(|(f, v)| (f, v)), &lim),
            0,
        );
        let c = commands(&out);
        assert_eq!(names(&c), ["HSET", "HSET"]);
        assert_eq!(c[0].len(), 2 + 128);

        out.clear();
        encode_key(
            &mut out,
            b"s",
            &build::set((0..3).map(|i| i.to_string()), &lim),
            9,
        );
        let c = commands(&out);
        assert_eq!(names(&c), ["SADD", "PEXPIREAT"]);
        let mut m = c[0][2..].to_vec();
        m.sort();
        assert_eq!(m, [b"0".to_vec(), b"1".to_vec(), b"2".to_vec()]);

        out.clear();
        encode_key(
            &mut out,
            b"z",
            &build::zset([(b"a".as_slice(), 0.1), (b"b".as_slice(), 2.0)], &lim),
            0,
        );
        let c = commands(&out);
        assert_eq!(
            c[0],
            vec![
                b"ZADD".to_vec(),
                b"z".to_vec(),
                b"0.10000000000000001".to_vec(),
                b"a".to_vec(),
                b"2".to_vec(),
                b"b".to_vec()
            ]
        );
    }

    #[test]
    fn rewriter_selects_on_change() {
        let mut r = Rewriter::new();
        let mut out = Vec::new();
        let v = Value::string(b"x");
        r.key(&mut out, 0, b"a", &v, 0);
        r.key(&mut out, 0, b"b", &v, 0);
        r.key(&mut out, 3, b"c", &v, 0);
        assert_eq!(
            names(&commands(&out)),
            ["SELECT", "SET", "SET", "SELECT", "SET"]
        );
    }
}
