//! LZF compression of RDB strings, with the bounds an untrusted file needs: a compressed string
//! announces its uncompressed length, and we refuse lengths the compressed bytes could not
//! possibly produce before allocating anything.

/// LZF's best case: a 3-byte back reference expands to 264 bytes (88x); anything beyond this
/// ratio is a lie in the header.
const MAX_RATIO: usize = 90;

/// Decompresses `data` into exactly `ulen` bytes.
pub fn decompress(data: &[u8], ulen: usize) -> Result<Vec<u8>, String> {
    if ulen == 0 {
        return Err("LZF string with uncompressed length 0".into());
    }
    if ulen > data.len().saturating_mul(MAX_RATIO) {
        return Err(format!(
            "LZF string claims {ulen} bytes from {} compressed bytes",
            data.len()
        ));
    }
    match ::lzf::decompress(data, ulen) {
        Ok(v) if v.len() == ulen => Ok(v),
        Ok(v) => Err(format!(
            "LZF string gave {} bytes, header says {ulen}",
            v.len()
        )),
        Err(e) => Err(format!("LZF data is corrupt ({e:?})")),
    }
}

/// Compresses `s` as Redis's `rdbSaveLzfStringObject` would: only when the result saves at least
/// four bytes. None means "store it raw".
pub fn compress(s: &[u8]) -> Option<Vec<u8>> {
    if s.len() <= 4 {
        return None;
    }
    match ::lzf::compress(s) {
        Ok(c) if c.len() <= s.len() - 4 && !c.is_empty() => Some(c),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_bounds() {
        let s = b"abcabcabcabcabcabcabcabcabcabcabcabcabcabc".repeat(10);
        let c = compress(&s).unwrap();
        assert_eq!(decompress(&c, s.len()).unwrap(), s);
        assert!(decompress(&c, s.len() + 1).is_err());
        assert!(decompress(&c, usize::MAX).is_err());
        assert!(compress(b"abcdefgh").is_none());
    }
}
