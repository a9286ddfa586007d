//! Intsets: a sorted array of integers of one width (2, 4 or 8 bytes), Redis's encoding for
//! small all-integer sets (RDB type 11). Header: width (u32 LE), count (u32 LE), then the values
//! little-endian, strictly ascending.

/// Parses and validates an intset blob.
pub fn parse(b: &[u8]) -> Result<Vec<i64>, String> {
    let mut out = Vec::new();
    walk(b, |v| out.push(v))?;
    Ok(out)
}

/// Validates an intset blob, handing each value to `f` in order (before the whole blob is known
/// to be valid), and returns how many there are; allocates nothing.
pub fn walk(b: &[u8], mut f: impl FnMut(i64)) -> Result<usize, String> {
    if b.len() < 8 {
        return Err(format!("intset of {} bytes is too short", b.len()));
    }
    let width = u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize;
    let count = u32::from_le_bytes([b[4], b[5], b[6], b[7]]) as usize;
    if !matches!(width, 2 | 4 | 8) {
        return Err(format!("intset has bad width {width}"));
    }
    if count.checked_mul(width).and_then(|n| n.checked_add(8)) != Some(b.len()) {
        return Err(format!(
            "intset of {count} x {width} bytes does not fill its {} bytes",
            b.len()
        ));
    }
    let mut last = None;
    for c in b[8..].chunks_exact(width) {
        let v = match width {
            2 => i16::from_le_bytes([c[0], c[1]]) as i64,
            4 => i32::from_le_bytes([c[0], c[1], c[2], c[3]]) as i64,
            _ => i64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]),
        };
        if last.is_some_and(|last| last >= v) {
            return Err("intset values are not strictly ascending".into());
        }
        last = Some(v);
        f(v);
    }
    Ok(count)
}

/// Encodes ascending integers with the narrowest width that holds them all, as Redis does.
pub fn encode(sorted: &[i64]) -> Vec<u8> {
    let width: usize = if sorted.iter().all(|&v| i16::try_from(v).is_ok()) {
        2
    } else if sorted.iter().all(|&v| i32::try_from(v).is_ok()) {
        4
    } else {
        8
    };
    let mut out = Vec::with_capacity(8 + width * sorted.len());
    out.extend_from_slice(&(width as u32).to_le_bytes());
    out.extend_from_slice(&(sorted.len() as u32).to_le_bytes());
    for &v in sorted {
        out.extend_from_slice(&v.to_le_bytes()[..width]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_widths() {
        for v in [vec![1, 2, 3], vec![-70000, 5], vec![i64::MIN, 0, i64::MAX]] {
            assert_eq!(parse(&encode(&v)).unwrap(), v);
        }
        assert_eq!(encode(&[1, 2])[0], 2);
        assert!(parse(&encode(&[2, 1])).is_err());
        assert!(parse(&[2, 0, 0, 0, 9, 0, 0, 0]).is_err());
    }
}
