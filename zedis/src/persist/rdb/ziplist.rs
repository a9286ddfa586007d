//! Ziplists, the compact encoding Redis up to 6.2 wrote for small lists, hashes and sorted sets
//! (RDB types 10, 12, 13 and quicklist v1 nodes). Read only: Redis 7 never writes them.
//!
//! Layout: total bytes (u32 LE), offset of the last entry (u32 LE), entry count (u16 LE), entries,
//! 0xFF. Each entry: the previous entry's size (1 byte, or 0xFE + u32 LE), an encoding header
//! that is either a string length or an integer type, then the data.

use super::listpack::Elem;

fn le(b: &[u8]) -> u64 {
    b.iter().rev().fold(0u64, |acc, &x| (acc << 8) | x as u64)
}

fn sign_extend(v: u64, bits: u32) -> i64 {
    let shift = 64 - bits;
    ((v << shift) as i64) >> shift
}

/// Parses and validates a whole ziplist blob.
pub fn parse(b: &[u8]) -> Result<Vec<Elem<'_>>, String> {
    let count = b.get(8..10).map_or(0, |c| le(c) as usize);
    let mut out = Vec::with_capacity(count.min(b.len() / 2));
    walk(b, |e| out.push(e))?;
    Ok(out)
}

/// Validates a whole ziplist blob, handing each element to `f` in order, and returns how many
/// there are; allocates nothing (see `listpack::walk`, same contract).
pub fn walk<'a>(b: &'a [u8], mut f: impl FnMut(Elem<'a>)) -> Result<usize, String> {
    if b.len() < 11 {
        return Err(format!("ziplist of {} bytes is too short", b.len()));
    }
    let total = le(&b[0..4]) as usize;
    if total != b.len() {
        return Err(format!(
            "ziplist header says {total} bytes, blob has {}",
            b.len()
        ));
    }
    let tail = le(&b[4..8]) as usize;
    let count = le(&b[8..10]) as usize;
    let mut found = 0usize;
    let mut p = 10;
    let mut prev_len = 0usize;
    let mut last_start = 10;
    loop {
        let Some(&first) = b.get(p) else {
            return Err("ziplist has no end marker".into());
        };
        if first == 0xFF {
            if p + 1 != b.len() {
                return Err(format!("ziplist end marker at {p} before the blob's end"));
            }
            break;
        }
        let start = p;
        let bad = || format!("ziplist entry at {start} runs past the blob");
        let prevlen = if first < 0xFE {
            p += 1;
            first as usize
        } else if first == 0xFE {
            let v = le(b.get(p + 1..p + 5).ok_or_else(bad)?) as usize;
            p += 5;
            v
        } else {
            return Err(format!(
                "ziplist entry at {start} has a bad previous-length"
            ));
        };
        if prevlen != prev_len {
            return Err(format!(
                "ziplist entry at {start} has a wrong previous-length"
            ));
        }
        let enc = *b.get(p).ok_or_else(bad)?;
        let take = |from: usize, n: usize| b.get(from..from.saturating_add(n)).ok_or_else(bad);
        let (elem, size) = match enc >> 6 {
            0 => {
                let n = (enc & 0x3F) as usize;
                (Elem::Str(take(p + 1, n)?), 1 + n)
            }
            1 => {
                let lo = *take(p + 1, 1)?.first().ok_or_else(bad)? as usize;
                let n = (((enc & 0x3F) as usize) << 8) | lo;
                (Elem::Str(take(p + 2, n)?), 2 + n)
            }
            2 => {
                if enc != 0x80 {
                    return Err(format!(
                        "ziplist entry at {start} has bad encoding {enc:#04x}"
                    ));
                }
                let n = take(p + 1, 4)?
                    .iter()
                    .fold(0usize, |a, &x| (a << 8) | x as usize);
                (Elem::Str(take(p + 5, n)?), 5 + n)
            }
            _ => match enc {
                0xC0 => (Elem::Int(sign_extend(le(take(p + 1, 2)?), 16)), 3),
                0xD0 => (Elem::Int(sign_extend(le(take(p + 1, 4)?), 32)), 5),
                0xE0 => (Elem::Int(le(take(p + 1, 8)?) as i64), 9),
                0xF0 => (Elem::Int(sign_extend(le(take(p + 1, 3)?), 24)), 4),
                0xFE => (Elem::Int(sign_extend(le(take(p + 1, 1)?), 8)), 2),
                0xF1..=0xFD => (Elem::Int((enc & 0x0F) as i64 - 1), 1),
                _ => {
                    return Err(format!(
                        "ziplist entry at {start} has bad encoding {enc:#04x}"
                    ))
                }
            },
        };
        p += size;
        prev_len = p - start;
        last_start = start;
        f(elem);
        found += 1;
    }
    if found != 0 && tail != last_start {
        return Err(format!(
            "ziplist tail offset {tail} is not the last entry ({last_start})"
        ));
    }
    if count != 0xFFFF && count != found {
        return Err(format!(
            "ziplist header says {count} entries, found {found}"
        ));
    }
    Ok(found)
}

/// A ziplist exactly as Redis 6 wrote it (every entry encoding). zedis never writes ziplists;
/// tests and tools use this to build old-format files.
pub fn encode<B: AsRef<[u8]>>(items: &[B]) -> Vec<u8> {
    let mut body = Vec::new();
    let mut prev = 0usize;
    let mut tail = 10;
    for it in items.iter().map(AsRef::as_ref) {
        let start = body.len();
        tail = 10 + start;
        if prev < 254 {
            body.push(prev as u8);
        } else {
            body.push(0xFE);
            body.extend_from_slice(&(prev as u32).to_le_bytes());
        }
        match crate::util::num::parse_i64(it) {
            Some(v @ 0..=12) => body.push(0xF1 + v as u8),
            Some(v) if i8::try_from(v).is_ok() => body.extend_from_slice(&[0xFE, v as u8]),
            Some(v) if i16::try_from(v).is_ok() => {
                body.push(0xC0);
                body.extend_from_slice(&(v as i16).to_le_bytes());
            }
            Some(v) if (-8388608..8388608).contains(&v) => {
                body.push(0xF0);
                body.extend_from_slice(&(v as i32).to_le_bytes()[..3]);
            }
            Some(v) if i32::try_from(v).is_ok() => {
                body.push(0xD0);
                body.extend_from_slice(&(v as i32).to_le_bytes());
            }
            Some(v) => {
                body.push(0xE0);
                body.extend_from_slice(&v.to_le_bytes());
            }
            None if it.len() < 64 => {
                body.push(it.len() as u8);
                body.extend_from_slice(it);
            }
            None if it.len() < 16384 => {
                body.push(0x40 | (it.len() >> 8) as u8);
                body.push(it.len() as u8);
                body.extend_from_slice(it);
            }
            None => {
                body.push(0x80);
                body.extend_from_slice(&(it.len() as u32).to_be_bytes());
                body.extend_from_slice(it);
            }
        }
        prev = body.len() - start;
    }
    let mut out = Vec::new();
    out.extend_from_slice(&((body.len() + 11) as u32).to_le_bytes());
    out.extend_from_slice(&(tail as u32).to_le_bytes());
    out.extend_from_slice(&(items.len() as u16).to_le_bytes());
    out.extend_from_slice(&body);
    out.push(0xFF);
    out
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn build(items: &[&[u8]]) -> Vec<u8> {
        encode(items)
    }

    #[test]
    fn round_trip() {
        let big = vec![b'q'; 300];
        let items: Vec<&[u8]> = vec![
            b"a",
            b"7",
            b"-100",
            b"1000",
            b"100000",
            b"10000000",
            b"10000000000",
            b"",
            &big,
            b"tail",
        ];
        let zl = build(&items);
        let got: Vec<Vec<u8>> = parse(&zl).unwrap().into_iter().map(Elem::to_vec).collect();
        let want: Vec<Vec<u8>> = items.iter().map(|s| s.to_vec()).collect();
        assert_eq!(got, want);
        assert!(parse(&zl[..zl.len() - 1]).is_err());
    }
}
