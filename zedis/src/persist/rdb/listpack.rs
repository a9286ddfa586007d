//! Listpacks, the compact sequence of strings and integers Redis 7 uses inside RDB values (small
//! hashes, sorted sets, set listpacks and quicklist nodes): a full validating parser and an
//! encoder that picks every entry encoding exactly as Redis's `lpInsert` does, so blobs we write
//! are byte-identical to the ones Redis writes.
//!
//! Layout: total bytes (u32 LE), element count (u16 LE, 65535 = "count them"), entries, 0xFF.
//! Each entry is an encoding byte (and maybe more), the data, then a "backlen" of 1–5 bytes that
//! holds the size of encoding + data so the list can be walked backwards.

use crate::util::num::parse_i64;

/// One element as stored: integers keep their integer form until the caller needs bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Elem<'a> {
    Str(&'a [u8]),
    Int(i64),
}

impl Elem<'_> {
    /// The element as Redis returns it to clients (integers in decimal).
    pub fn to_vec(self) -> Vec<u8> {
        match self {
            Elem::Str(s) => s.to_vec(),
            Elem::Int(i) => i.to_string().into_bytes(),
        }
    }
}

const HEADER: usize = 6;
const EOF: u8 = 0xFF;

fn backlen_size(l: usize) -> usize {
    match l {
        0..=127 => 1,
        128..=16382 => 2,
        16383..=2097150 => 3,
        2097151..=268435454 => 4,
        _ => 5,
    }
}

fn encode_backlen(out: &mut Vec<u8>, l: usize) {
    let (b, n) = backlen_bytes(l);
    out.extend_from_slice(&b[..n]);
}

fn le(b: &[u8]) -> u64 {
    b.iter().rev().fold(0u64, |acc, &x| (acc << 8) | x as u64)
}

fn sign_extend(v: u64, bits: u32) -> i64 {
    let shift = 64 - bits;
    ((v << shift) as i64) >> shift
}

/// Parses and validates a whole listpack blob.
pub fn parse(b: &[u8]) -> Result<Vec<Elem<'_>>, String> {
    // Each entry takes at least two bytes, so the blob bounds the allocation.
    let count = b.get(4..6).map_or(0, |c| le(c) as usize);
    let mut out = Vec::with_capacity(count.min(b.len() / 2));
    walk(b, |e| out.push(e))?;
    Ok(out)
}

/// The back-length bytes Redis writes after an entry of `l` bytes, in an array so the
/// validating walk checks one per entry without allocating.
fn backlen_bytes(l: usize) -> ([u8; 5], usize) {
    // The first byte (lowest address) carries the most significant 7 bits; every following
    // byte has its top bit set, so a reader walking backwards knows where the number starts.
    let n = backlen_size(l);
    let mut out = [0u8; 5];
    for (j, i) in (0..n).rev().enumerate() {
        let part = ((l >> (7 * i)) & 127) as u8;
        out[j] = if i == n - 1 { part } else { part | 128 };
    }
    (out, n)
}

/// Validates a whole listpack blob, handing each element to `f` in order, and returns how many
/// there are. Nothing is allocated, so a check-only read can validate blobs in place; the
/// elements reach `f` before the blob is known to be valid, so callers that must not act on a
/// bad blob walk it twice or collect first (as [`parse`] does).
pub fn walk<'a>(b: &'a [u8], mut f: impl FnMut(Elem<'a>)) -> Result<usize, String> {
    if b.len() < HEADER + 1 {
        return Err(format!("listpack of {} bytes is too short", b.len()));
    }
    let total = le(&b[0..4]) as usize;
    if total != b.len() {
        return Err(format!(
            "listpack header says {total} bytes, blob has {}",
            b.len()
        ));
    }
    let count = le(&b[4..6]) as usize;
    let mut found = 0usize;
    let mut p = HEADER;
    loop {
        let Some(&first) = b.get(p) else {
            return Err("listpack has no end marker".into());
        };
        if first == EOF {
            if p + 1 != b.len() {
                return Err(format!("listpack end marker at {p} before the blob's end"));
            }
            break;
        }
        let need = |n: usize| -> Result<&[u8], String> {
            b.get(p + 1..p + 1 + n)
                .ok_or_else(|| format!("listpack entry at {p} runs past the blob"))
        };
        let (elem, enc_len, data_len) = match first {
            0x00..=0x7F => (Elem::Int(first as i64), 1, 0),
            0x80..=0xBF => {
                let n = (first & 0x3F) as usize;
                (Elem::Str(need(n)?), 1, n)
            }
            0xC0..=0xDF => {
                let lo = need(1)?[0] as u64;
                let v = (((first & 0x1F) as u64) << 8) | lo;
                (Elem::Int(sign_extend(v, 13)), 2, 0)
            }
            0xE0..=0xEF => {
                let n = (((first & 0x0F) as usize) << 8) | need(1)?[0] as usize;
                let s = b
                    .get(p + 2..p + 2 + n)
                    .ok_or_else(|| format!("listpack entry at {p} runs past the blob"))?;
                (Elem::Str(s), 2, n)
            }
            0xF0 => {
                let n = le(need(4)?) as usize;
                let s = b
                    .get(p + 5..p.saturating_add(5).saturating_add(n))
                    .ok_or_else(|| format!("listpack entry at {p} runs past the blob"))?;
                (Elem::Str(s), 5, n)
            }
            0xF1 => (Elem::Int(sign_extend(le(need(2)?), 16)), 3, 0),
            0xF2 => (Elem::Int(sign_extend(le(need(3)?), 24)), 4, 0),
            0xF3 => (Elem::Int(sign_extend(le(need(4)?), 32)), 5, 0),
            0xF4 => (Elem::Int(le(need(8)?) as i64), 9, 0),
            _ => {
                return Err(format!(
                    "listpack entry at {p} has bad encoding {first:#04x}"
                ))
            }
        };
        let l = enc_len + data_len;
        let (expect, n) = backlen_bytes(l);
        let back = b
            .get(p + l..p + l + n)
            .ok_or_else(|| format!("listpack entry at {p} runs past the blob"))?;
        if back != &expect[..n] {
            return Err(format!("listpack entry at {p} has a wrong back-length"));
        }
        f(elem);
        found += 1;
        p += l + n;
    }
    if count != 0xFFFF && count != found {
        return Err(format!(
            "listpack header says {count} entries, found {found}"
        ));
    }
    Ok(found)
}

/// Builds a listpack entry by entry.
#[derive(Debug)]
pub struct LpWriter {
    buf: Vec<u8>,
    count: usize,
}

impl Default for LpWriter {
    fn default() -> Self {
        LpWriter {
            buf: vec![0; HEADER],
            count: 0,
        }
    }
}

impl LpWriter {
    pub fn new() -> LpWriter {
        LpWriter::default()
    }

    /// Bytes the finished listpack would have now (Redis's `lpBytes`).
    pub fn bytes(&self) -> usize {
        self.buf.len() + 1
    }

    pub fn len(&self) -> usize {
        self.count
    }

    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// Appends bytes; a canonical integer is stored as one, as Redis does.
    pub fn push(&mut self, s: &[u8]) {
        match parse_i64(s) {
            Some(i) => self.push_int(i),
            None => self.push_str(s),
        }
    }

    fn push_str(&mut self, s: &[u8]) {
        let start = self.buf.len();
        let n = s.len();
        if n < 64 {
            self.buf.push(0x80 | n as u8);
        } else if n < 4096 {
            self.buf.push(0xE0 | (n >> 8) as u8);
            self.buf.push(n as u8);
        } else {
            self.buf.push(0xF0);
            self.buf.extend_from_slice(&(n as u32).to_le_bytes());
        }
        self.buf.extend_from_slice(s);
        self.finish_entry(start);
    }

    pub fn push_int(&mut self, v: i64) {
        let start = self.buf.len();
        if (0..=127).contains(&v) {
            self.buf.push(v as u8);
        } else if (-4096..=4095).contains(&v) {
            let u = (v as u64) & 0x1FFF;
            self.buf.push(0xC0 | (u >> 8) as u8);
            self.buf.push(u as u8);
        } else if (-32768..=32767).contains(&v) {
            self.buf.push(0xF1);
            self.buf.extend_from_slice(&(v as i16).to_le_bytes());
        } else if (-8388608..=8388607).contains(&v) {
            self.buf.push(0xF2);
            self.buf.extend_from_slice(&(v as i32).to_le_bytes()[..3]);
        } else if i32::try_from(v).is_ok() {
            self.buf.push(0xF3);
            self.buf.extend_from_slice(&(v as i32).to_le_bytes());
        } else {
            self.buf.push(0xF4);
            self.buf.extend_from_slice(&v.to_le_bytes());
        }
        self.finish_entry(start);
    }

    fn finish_entry(&mut self, start: usize) {
        let l = self.buf.len() - start;
        encode_backlen(&mut self.buf, l);
        self.count += 1;
    }

    pub fn finish(mut self) -> Vec<u8> {
        self.buf.push(EOF);
        let total = self.buf.len() as u32;
        self.buf[0..4].copy_from_slice(&total.to_le_bytes());
        let count = self.count.min(0xFFFF) as u16;
        self.buf[4..6].copy_from_slice(&count.to_le_bytes());
        self.buf
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_every_encoding() {
        let ints = [
            0i64,
            127,
            128,
            -1,
            -4096,
            4095,
            -32768,
            32767,
            8388607,
            -8388608,
            i32::MAX as i64,
            i32::MIN as i64,
            i64::MAX,
            i64::MIN,
        ];
        let strs: Vec<Vec<u8>> = vec![
            b"".to_vec(),
            b"a".to_vec(),
            vec![b'x'; 63],
            vec![b'y'; 64],
            vec![b'z'; 4095],
            vec![b'w'; 4096],
            vec![b'v'; 20000],
            b"007".to_vec(),
        ];
        let mut w = LpWriter::new();
        for i in ints {
            w.push(i.to_string().as_bytes());
        }
        for s in &strs {
            w.push(s);
        }
        let blob = w.finish();
        let got = parse(&blob).unwrap();
        let want: Vec<Elem> = ints
            .iter()
            .map(|&i| Elem::Int(i))
            .chain(strs.iter().map(|s| Elem::Str(s)))
            .collect();
        assert_eq!(got, want);
    }

    #[test]
    fn backlen_bytes_match_redis() {
        let mut v = Vec::new();
        encode_backlen(&mut v, 200);
        assert_eq!(v, [1, 200 - 128 + 128]);
        v.clear();
        encode_backlen(&mut v, 16383);
        assert_eq!(v, [0, 127 | 128, 127 | 128]);
    }

    #[test]
    fn garbage_is_an_error() {
        assert!(parse(b"").is_err());
        assert!(parse(&[7, 0, 0, 0, 1, 0, 0xFF]).is_err());
        assert!(parse(&[8, 0, 0, 0, 1, 0, 0xF5, 0xFF]).is_err());
    }
}
