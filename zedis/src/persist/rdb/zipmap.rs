//! Zipmaps, the small-hash encoding of Redis before 2.6 (RDB type 9). Read only.
//!
//! Layout: a count byte (254 = "count them"), then entries `<len>key<len><free>value<free bytes>`
//! where a length is one byte below 254 or 254 followed by a u32 LE, and 255 ends the map.

fn read_len(b: &[u8], p: &mut usize) -> Result<Option<usize>, String> {
    match b.get(*p) {
        None => Err("zipmap has no end marker".into()),
        Some(255) => Ok(None),
        Some(254) => {
            let s = b
                .get(*p + 1..*p + 5)
                .ok_or("zipmap length runs past the blob")?;
            *p += 5;
            Ok(Some(u32::from_le_bytes([s[0], s[1], s[2], s[3]]) as usize))
        }
        Some(&n) => {
            *p += 1;
            Ok(Some(n as usize))
        }
    }
}

/// A field and its value, borrowed from the blob.
pub type Pair<'a> = (&'a [u8], &'a [u8]);

/// Parses a zipmap into field/value pairs.
pub fn parse(b: &[u8]) -> Result<Vec<Pair<'_>>, String> {
    if b.is_empty() {
        return Err("empty zipmap".into());
    }
    let mut p = 1;
    let mut out = Vec::new();
    let bad = || "zipmap entry runs past the blob".to_string();
    while let Some(klen) = read_len(b, &mut p)? {
        let key = b.get(p..p.saturating_add(klen)).ok_or_else(bad)?;
        p += klen;
        let vlen = read_len(b, &mut p)?.ok_or("zipmap ends between a field and its value")?;
        let free = *b.get(p).ok_or_else(bad)? as usize;
        p += 1;
        let val = b.get(p..p.saturating_add(vlen)).ok_or_else(bad)?;
        p += vlen + free;
        out.push((key, val));
    }
    if p + 1 != b.len() {
        return Err("zipmap has bytes after its end marker".into());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_skips_free_space() {
        let zm = [2, 1, b'a', 2, 1, b'x', b'y', 0, 1, b'b', 1, 0, b'z', 255];
        assert_eq!(
            parse(&zm).unwrap(),
            vec![(&b"a"[..], &b"xy"[..]), (b"b", b"z")]
        );
        assert!(parse(&zm[..5]).is_err());
    }
}
