//! LZF compression of RDB strings, with the bounds an untrusted file needs: a compressed string
//! announces its uncompressed length, and we refuse lengths the compressed bytes could not
//! possibly produce before allocating anything.

/// LZF's best case: a 3-byte back reference expands to 264 bytes (88x); anything beyond this
/// ratio is a lie in the header.
const MAX_RATIO: usize = 90;

/// Decompresses `data` into exactly `ulen` bytes.
pub fn decompress(data: &[u8], ulen: usize) -> Result<Vec<u8>, String> {
    check_claim(data, ulen)?;
    match ::lzf::decompress(data, ulen) {
        Ok(v) if v.len() == ulen => Ok(v),
        Ok(v) => Err(short(v.len(), ulen)),
        Err(e) => Err(format!("LZF data is corrupt ({e:?})")),
    }
}

/// The header checks both decompressors make before touching the data.
fn check_claim(data: &[u8], ulen: usize) -> Result<(), String> {
    if ulen == 0 {
        return Err("LZF string with uncompressed length 0".into());
    }
    if ulen > data.len().saturating_mul(MAX_RATIO) {
        return Err(format!(
            "LZF string claims {ulen} bytes from {} compressed bytes",
            data.len()
        ));
    }
    Ok(())
}

fn short(got: usize, ulen: usize) -> String {
    format!("LZF string gave {got} bytes, header says {ulen}")
}

/// [`decompress`] into a caller's buffer (cleared first), so a check-only read decompresses
/// every string into one reused allocation. Accepts exactly the inputs `decompress` accepts,
/// with the same messages (a test compares them): LZF's format is a run of literal blocks
/// (control byte < 32: that many + 1 bytes follow) and back references (length in the top
/// three bits, 7 meaning "add the next byte", then a 13-bit distance).
pub fn decompress_into(data: &[u8], ulen: usize, out: &mut Vec<u8>) -> Result<(), String> {
    check_claim(data, ulen)?;
    const CORRUPT: &str = "LZF data is corrupt (DataCorrupted)";
    const TOO_SMALL: &str = "LZF data is corrupt (BufferTooSmall)";
    // The output is sized up front (bounded by MAX_RATIO times bytes that were actually read)
    // and written by index, so a short literal can be copied as one fixed 32-byte block when
    // both sides have room: LZF output is mostly literal runs of up to 32 bytes, and a
    // variable-length copy call per run was the cost here.
    out.clear();
    out.resize(ulen, 0);
    let mut o = 0usize;
    let mut i = 0;
    while let Some(&ctrl) = data.get(i) {
        let ctrl = ctrl as usize;
        i += 1;
        if ctrl < 32 {
            let n = ctrl + 1;
            if o + n > ulen {
                return Err(TOO_SMALL.into());
            }
            match (data.get(i..i + 32), out.get_mut(o..o + 32)) {
                (Some(src), Some(dst)) => dst.copy_from_slice(src),
                _ => {
                    let lit = data.get(i..i + n).ok_or(CORRUPT)?;
                    out[o..o + n].copy_from_slice(lit);
                }
            }
            i += n;
            o += n;
        } else {
            let mut n = ctrl >> 5;
            let &b = data.get(i).ok_or(CORRUPT)?;
            if n == 7 {
                n += b as usize;
                i += 1;
            }
            let &lo = data.get(i).ok_or(CORRUPT)?;
            i += 1;
            let back = ((ctrl & 0x1f) << 8) + 1 + lo as usize;
            let n = n + 2;
            if o + n > ulen {
                return Err(TOO_SMALL.into());
            }
            let from = o.checked_sub(back).ok_or(CORRUPT)?;
            if back >= n {
                out.copy_within(from..from + n, o);
            } else {
                // The source overlaps what this reference writes: a repeating pattern,
                // copied a byte at a time as LZF defines it.
                for k in 0..n {
                    out[o + k] = out[from + k];
                }
            }
            o += n;
        }
    }
    if o != ulen {
        return Err(short(o, ulen));
    }
    Ok(())
}

/// Compresses `s` as Redis's `rdbSaveLzfStringObject` does: only when the result fits in
/// `len - 4` bytes. None means "store it raw".
///
/// This is LZF's compressor in the configuration Redis builds (16-bit hash, "very fast" mode,
/// hash slots starting empty), including its output-limit checks and its match-extension order,
/// because DUMP payloads must be byte-identical to Redis's. The `lzf` crate's compressor differs
/// in both (it refuses matches in the last bytes of the input), so only its decompressor is used.
pub fn compress(s: &[u8]) -> Option<Vec<u8>> {
    if s.len() <= 4 {
        return None;
    }
    compress_bounded(s, s.len() - 4)
}

const HLOG: u32 = 16;
const HSIZE: usize = 1 << HLOG;
const MAX_LIT: usize = 1 << 5;
const MAX_OFF: usize = 1 << 13;
const MAX_REF: usize = (1 << 8) + (1 << 3);

fn first(d: &[u8], p: usize) -> u32 {
    ((d[p] as u32) << 8) | d[p + 1] as u32
}

fn next(h: u32, d: &[u8], p: usize) -> u32 {
    (h << 8) | d[p + 2] as u32
}

fn idx(h: u32) -> usize {
    ((h >> (3 * 8 - HLOG)).wrapping_sub(h.wrapping_mul(5)) as usize) & (HSIZE - 1)
}

/// LZF with an output limit; None when the output would not fit.
fn compress_bounded(d: &[u8], limit: usize) -> Option<Vec<u8>> {
    let n = d.len();
    if n < 3 || limit == 0 {
        return None;
    }
    // Slots hold a position + 1; 0 is "empty".
    let mut htab = vec![0usize; HSIZE];
    let mut out: Vec<u8> = Vec::with_capacity(limit + 1);
    let mut lit = 0usize;
    out.push(0); // start a literal run
    let mut ip = 0usize;
    let mut hval = first(d, ip);
    while ip < n - 2 {
        hval = next(hval, d, ip);
        let slot = idx(hval);
        let r = htab[slot].checked_sub(1);
        htab[slot] = ip + 1;
        let matched = r.filter(|&r| {
            r > 0
                && ip - r - 1 < MAX_OFF
                && d[r + 2] == d[ip + 2]
                && d[r] == d[ip]
                && d[r + 1] == d[ip + 1]
        });
        if let Some(r) = matched {
            let off = ip - r - 1;
            let maxlen = (n - ip - 2).min(MAX_REF);
            if out.len() - usize::from(lit == 0) + 3 + 1 >= limit {
                return None;
            }
            let run_at = out.len() - lit - 1;
            out[run_at] = (lit as u8).wrapping_sub(1);
            if lit == 0 {
                out.pop();
            }
            // Extend the match: first up to 16 bytes unconditionally when there is room for
            // more than 16, then byte by byte up to `maxlen` (the reference's order, which can
            // end two bytes past `maxlen`).
            let mut len = 2usize;
            let mut done = false;
            if maxlen > 16 {
                for _ in 0..16 {
                    len += 1;
                    if d[r + len] != d[ip + len] {
                        done = true;
                        break;
                    }
                }
            }
            if !done {
                loop {
                    len += 1;
                    if !(len < maxlen && d[r + len] == d[ip + len]) {
                        break;
                    }
                }
            }
            len -= 2;
            ip += 1;
            if len < 7 {
                out.push((off >> 8) as u8 + ((len as u8) << 5));
            } else {
                out.push((off >> 8) as u8 + (7 << 5));
                out.push((len - 7) as u8);
            }
            out.push(off as u8);
            lit = 0;
            out.push(0); // start a literal run
            ip += len + 1;
            if ip >= n - 2 {
                break;
            }
            ip -= 2;
            hval = first(d, ip);
            hval = next(hval, d, ip);
            htab[idx(hval)] = ip + 1;
            ip += 1;
            hval = next(hval, d, ip);
            htab[idx(hval)] = ip + 1;
            ip += 1;
        } else {
            if out.len() >= limit {
                return None;
            }
            lit += 1;
            out.push(d[ip]);
            ip += 1;
            if lit == MAX_LIT {
                let run_at = out.len() - lit - 1;
                out[run_at] = (lit - 1) as u8;
                lit = 0;
                out.push(0);
            }
        }
    }
    if out.len() + 3 > limit {
        return None;
    }
    while ip < n {
        lit += 1;
        out.push(d[ip]);
        ip += 1;
        if lit == MAX_LIT {
            let run_at = out.len() - lit - 1;
            out[run_at] = (lit - 1) as u8;
            lit = 0;
            out.push(0);
        }
    }
    let run_at = out.len() - lit - 1;
    out[run_at] = (lit as u8).wrapping_sub(1);
    if lit == 0 {
        out.pop();
    }
    Some(out)
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
        // Everything we compress, the independent decompressor restores.
        let mut x = 12345u64;
        for n in [21usize, 40, 100, 1000, 9000] {
            for alphabet in [2u64, 4, 26, 256] {
                let data: Vec<u8> = (0..n)
                    .map(|_| {
                        x ^= x << 13;
                        x ^= x >> 7;
                        x ^= x << 17;
                        (x % alphabet) as u8
                    })
                    .collect();
                if let Some(c) = compress(&data) {
                    assert!(c.len() <= n - 4);
                    assert_eq!(
                        decompress(&c, n).unwrap(),
                        data,
                        "n {n} alphabet {alphabet}"
                    );
                }
            }
        }
    }

    /// The check-only reader's decompressor must accept and refuse exactly what the loader's
    /// does, with the same message: valid data at the right, a short and a long length, and
    /// every single-byte corruption of it, plus pure garbage.
    #[test]
    fn decompress_into_agrees_with_decompress() {
        let mut x = 99u64;
        let mut rnd = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let mut out = Vec::new();
        let mut cases = 0;
        let check = |c: &[u8], ulen: usize, out: &mut Vec<u8>| {
            let want = decompress(c, ulen);
            let got = decompress_into(c, ulen, out).map(|()| out.clone());
            assert_eq!(got, want, "{c:?} ulen {ulen}");
        };
        for n in [5usize, 40, 300, 2000] {
            for alphabet in [2u64, 3, 16, 256] {
                let data: Vec<u8> = (0..n).map(|_| (rnd() % alphabet) as u8).collect();
                let Some(c) = compress(&data) else { continue };
                for ulen in [n, n - 1, n + 1, 0, 1] {
                    check(&c, ulen, &mut out);
                }
                for i in 0..c.len() {
                    let mut bad = c.clone();
                    bad[i] ^= 1 << (rnd() % 8);
                    check(&bad, n, &mut out);
                    check(&c[..i], n, &mut out);
                    cases += 2;
                }
            }
        }
        for _ in 0..2000 {
            let len = (rnd() % 40) as usize;
            let g: Vec<u8> = (0..len).map(|_| rnd() as u8).collect();
            check(&g, (rnd() % 200) as usize, &mut out);
        }
        assert!(cases > 1000);
    }
}
