//! HyperLogLog with Redis 7.0's exact byte format and arithmetic, so an HLL string written by
//! Redis's PFADD is readable here and vice versa (through GET/SET, RDB and DUMP).
//!
//! The value is a plain byte string: a 16-byte header ("HYLL", encoding byte, three reserved
//! bytes, an 8-byte little-endian cached cardinality whose top bit marks it stale) followed by
//! either the dense form (16384 registers of 6 bits, packed little-endian) or the sparse form (a
//! run-length list of ZERO / XZERO / VAL opcodes). Every function here works on that `Vec<u8>`
//! in place, reproducing Redis's editing steps (opcode splits, the 5-opcode merge pass, promotion
//! to dense past `hll-sparse-max-bytes`) so the bytes come out identical, not merely equivalent.
//! Cardinalities use Ertl's improved estimator exactly as Redis computes it in doubles.

/// Register index bits.
pub const P: u32 = 14;
/// Hash bits left for the run of zeros.
pub const Q: u32 = 64 - P;
pub const REGISTERS: usize = 1 << P;
const P_MASK: u64 = (REGISTERS as u64) - 1;
const BITS: usize = 6;
const REGISTER_MAX: u8 = (1 << BITS) - 1;
pub const HDR_SIZE: usize = 16;
pub const DENSE_SIZE: usize = HDR_SIZE + (REGISTERS * BITS).div_ceil(8);
pub const DENSE: u8 = 0;
pub const SPARSE: u8 = 1;
const MAX_ENCODING: u8 = 1;

const VAL_MAX_VALUE: u8 = 32;
const VAL_MAX_LEN: usize = 4;
const ZERO_MAX_LEN: usize = 64;
const XZERO_MAX_LEN: usize = 16384;
/// 0.5 / ln 2, the estimator's constant for an infinite number of registers.
const ALPHA_INF: f64 = 0.721_347_520_444_481_7;
/// Seed Redis passes to MurmurHash64A.
const SEED: u64 = 0xadc8_3b19;

/// The HLL is structurally broken (Redis's "INVALIDOBJ Corrupted HLL object detected").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Corrupt;

/// MurmurHash2, 64-bit variant (MurmurHash64A), little-endian reads as on x86.
pub fn murmur64a(data: &[u8], seed: u64) -> u64 {
    const M: u64 = 0xc6a4_a793_5bd1_e995;
    const R: u32 = 47;
    // Redis passes the length as a C int; the product wraps in 64 bits.
    let mut h = seed ^ ((data.len() as i32 as i64 as u64).wrapping_mul(M));
    let mut chunks = data.chunks_exact(8);
    for c in &mut chunks {
        let mut k = u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]);
        k = k.wrapping_mul(M);
        k ^= k >> R;
        k = k.wrapping_mul(M);
        h ^= k;
        h = h.wrapping_mul(M);
    }
    let tail = chunks.remainder();
    if !tail.is_empty() {
        for (i, b) in tail.iter().enumerate() {
            h ^= (*b as u64) << (8 * i);
        }
        h = h.wrapping_mul(M);
    }
    h ^= h >> R;
    h = h.wrapping_mul(M);
    h ^= h >> R;
    h
}

/// The register an element maps to and the length of its "000..1" pattern (1..=Q+1).
pub fn pat_len(ele: &[u8]) -> (usize, u8) {
    let hash = murmur64a(ele, SEED);
    let index = (hash & P_MASK) as usize;
    // The sentinel bit keeps the count at most Q+1.
    let rest = (hash >> P) | (1u64 << Q);
    (index, rest.trailing_zeros() as u8 + 1)
}

/// A byte of `s`, or 0 past its end (where Redis reads the sds terminator).
#[inline]
fn byte(s: &[u8], i: usize) -> u8 {
    s.get(i).copied().unwrap_or(0)
}

/// Redis's isHLLObjectOrReply test on the bytes of a string value.
pub fn is_valid(s: &[u8]) -> bool {
    s.len() >= HDR_SIZE
        && &s[..4] == b"HYLL"
        && s[4] <= MAX_ENCODING
        && (s[4] != DENSE || s.len() == DENSE_SIZE)
}

/// A new, empty HLL: sparse, one XZERO opcode covering every register, cached cardinality 0.
pub fn new_sparse() -> Vec<u8> {
    let mut s = Vec::with_capacity(HDR_SIZE + 2);
    s.extend_from_slice(b"HYLL");
    s.push(SPARSE);
    s.extend_from_slice(&[0; 11]);
    let mut left = REGISTERS;
    while left > 0 {
        let n = left.min(XZERO_MAX_LEN);
        push_xzero(&mut s, n);
        left -= n;
    }
    s
}

pub fn encoding(s: &[u8]) -> u8 {
    s[4]
}

/// The cached cardinality, when valid.
pub fn cached(s: &[u8]) -> Option<u64> {
    if s[15] & 0x80 != 0 {
        return None;
    }
    let mut b = [0u8; 8];
    b.copy_from_slice(&s[8..16]);
    Some(u64::from_le_bytes(b))
}

pub fn set_cache(s: &mut [u8], card: u64) {
    s[8..16].copy_from_slice(&card.to_le_bytes());
}

pub fn invalidate(s: &mut [u8]) {
    s[15] |= 0x80;
}

// ---- dense registers ----

#[inline]
pub fn dense_get(regs: &[u8], i: usize) -> u8 {
    let byte_i = i * BITS / 8;
    let fb = (i * BITS) & 7;
    let b0 = byte(regs, byte_i) as u32;
    let b1 = byte(regs, byte_i + 1) as u32;
    (((b0 >> fb) | (b1 << (8 - fb))) & REGISTER_MAX as u32) as u8
}

#[inline]
pub fn dense_put(regs: &mut [u8], i: usize, val: u8) {
    let byte_i = i * BITS / 8;
    let fb = (i * BITS) & 7;
    let v = val as u32;
    regs[byte_i] &= !((REGISTER_MAX as u32) << fb) as u8;
    regs[byte_i] |= (v << fb) as u8;
    // The last register never spills into a next byte (its high bits are zero), which is the
    // sds terminator in Redis: skip it rather than index past the end.
    if let Some(b) = regs.get_mut(byte_i + 1) {
        *b &= !((REGISTER_MAX as u32) >> (8 - fb)) as u8;
        *b |= (v >> (8 - fb)) as u8;
    }
}

/// Raises register `i` to `count`; whether it changed.
fn dense_set(regs: &mut [u8], i: usize, count: u8) -> bool {
    if count > dense_get(regs, i) {
        dense_put(regs, i, count);
        true
    } else {
        false
    }
}

// ---- sparse opcodes ----

#[inline]
fn is_zero(b: u8) -> bool {
    b & 0xc0 == 0
}
#[inline]
fn is_xzero(b: u8) -> bool {
    b & 0xc0 == 0x40
}
#[inline]
fn is_val(b: u8) -> bool {
    b & 0x80 != 0
}
#[inline]
fn zero_len(b: u8) -> usize {
    (b & 0x3f) as usize + 1
}
#[inline]
fn xzero_len(b0: u8, b1: u8) -> usize {
    ((((b0 & 0x3f) as usize) << 8) | b1 as usize) + 1
}
#[inline]
fn val_value(b: u8) -> u8 {
    ((b >> 2) & 0x1f) + 1
}
#[inline]
fn val_len(b: u8) -> usize {
    (b & 0x3) as usize + 1
}
#[inline]
fn val_op(val: u8, len: usize) -> u8 {
    ((val - 1) << 2 | (len as u8 - 1)) | 0x80
}
fn push_xzero(out: &mut Vec<u8>, len: usize) {
    let l = len - 1;
    out.push((l >> 8) as u8 | 0x40);
    out.push((l & 0xff) as u8);
}

/// Runs of the sparse body: calls `f(start_register, run_length, value)` for each opcode, in
/// order, and returns the register count covered. Stops (like Redis's decoders) at a VAL run that
/// would pass the last register.
fn sparse_runs(body: &[u8], mut f: impl FnMut(usize, usize, u8)) -> usize {
    let mut idx = 0usize;
    let mut p = 0usize;
    while p < body.len() {
        let b = body[p];
        if is_zero(b) {
            idx += zero_len(b);
            p += 1;
        } else if is_xzero(b) {
            idx += xzero_len(b, byte(body, p + 1));
            p += 2;
        } else {
            let run = val_len(b);
            if run + idx > REGISTERS {
                break;
            }
            f(idx, run, val_value(b));
            idx += run;
            p += 1;
        }
    }
    idx
}

/// Converts a sparse HLL to dense in place (header, reserved bytes and cache kept). A no-op for a
/// dense one.
pub fn sparse_to_dense(s: &mut Vec<u8>) -> Result<(), Corrupt> {
    if s[4] == DENSE {
        return Ok(());
    }
    let mut dense = vec![0u8; DENSE_SIZE];
    dense[..HDR_SIZE].copy_from_slice(&s[..HDR_SIZE]);
    dense[4] = DENSE;
    let regs = &mut dense[HDR_SIZE..];
    let idx = sparse_runs(&s[HDR_SIZE..], |start, run, val| {
        for i in start..start + run {
            dense_put(regs, i, val);
        }
    });
    if idx != REGISTERS {
        return Err(Corrupt);
    }
    *s = dense;
    Ok(())
}

/// Redis's hllSparseSet: raises register `index` to `count` in a sparse HLL, editing the opcode
/// stream exactly as Redis does, or promoting to dense. Ok(true) when a register changed.
pub fn sparse_set(
    s: &mut Vec<u8>,
    index: usize,
    count: u8,
    max_bytes: u64,
) -> Result<bool, Corrupt> {
    if count > VAL_MAX_VALUE {
        return promote(s, index, count);
    }
    let end = s.len();
    // Step 1: find the opcode covering `index`.
    let mut p = HDR_SIZE;
    let mut first = 0usize;
    let mut prev: Option<usize> = None;
    let mut span = 0usize;
    while p < end {
        let b = s[p];
        let mut oplen = 1;
        if is_zero(b) {
            span = zero_len(b);
        } else if is_val(b) {
            span = val_len(b);
        } else {
            span = xzero_len(b, byte(s, p + 1));
            oplen = 2;
        }
        if index < first + span {
            break;
        }
        prev = Some(p);
        p += oplen;
        first += span;
    }
    if span == 0 || p >= end {
        return Err(Corrupt);
    }
    let op = s[p];
    let (zero, xzero) = (is_zero(op), is_xzero(op));
    let runlen = if zero {
        zero_len(op)
    } else if xzero {
        xzero_len(op, byte(s, p + 1))
    } else {
        val_len(op)
    };
    let mut end = end;
    let mut rewritten = false;
    if !zero && !xzero {
        // Case A: already as large. Case B: a VAL of length 1 is updated in place.
        if val_value(op) >= count {
            return Ok(false);
        }
        if runlen == 1 {
            s[p] = val_op(count, 1);
            rewritten = true;
        }
    }
    if !rewritten && zero && runlen == 1 {
        // Case C: a ZERO of length 1 becomes a VAL.
        s[p] = val_op(count, 1);
        rewritten = true;
    }
    if !rewritten {
        // Case D: split the opcode around `index`.
        let last = first + span - 1;
        let mut seq: Vec<u8> = Vec::with_capacity(5);
        let zero_run = |seq: &mut Vec<u8>, len: usize| {
            if len > ZERO_MAX_LEN {
                push_xzero(seq, len);
            } else {
                seq.push((len - 1) as u8);
            }
        };
        if zero || xzero {
            if index != first {
                zero_run(&mut seq, index - first);
            }
            seq.push(val_op(count, 1));
            if index != last {
                zero_run(&mut seq, last - index);
            }
        } else {
            let cur = val_value(op);
            if index != first {
                seq.push(val_op(cur, index - first));
            }
            seq.push(val_op(count, 1));
            if index != last {
                seq.push(val_op(cur, last - index));
            }
        }
        let oldlen = if xzero { 2 } else { 1 };
        let delta = seq.len() as isize - oldlen as isize;
        if delta > 0 && (end as u64).saturating_add(delta as u64) > max_bytes {
            return promote(s, index, count);
        }
        // Replace the opcode; the new length is fixed by Redis's arithmetic even when a truncated
        // final XZERO makes the sequence overhang it.
        let new_len = (end as isize + delta) as usize;
        let tail: Vec<u8> = if p + oldlen < end {
            s[p + oldlen..].to_vec()
        } else {
            Vec::new()
        };
        s.truncate(p);
        s.extend_from_slice(&seq);
        s.extend_from_slice(&tail);
        s.truncate(new_len);
        end = new_len;
    }
    // Step 4: merge adjacent equal VALs, scanning at most 5 opcodes from the previous one.
    let mut p = prev.unwrap_or(HDR_SIZE);
    let mut scan = 5;
    while p < end && scan > 0 {
        scan -= 1;
        let b = s[p];
        if is_xzero(b) {
            p += 2;
            continue;
        }
        if is_zero(b) {
            p += 1;
            continue;
        }
        if p + 1 < end && is_val(s[p + 1]) {
            let v1 = val_value(b);
            let v2 = val_value(s[p + 1]);
            if v1 == v2 {
                let len = val_len(b) + val_len(s[p + 1]);
                if len <= VAL_MAX_LEN {
                    s[p + 1] = val_op(v1, len);
                    s.remove(p);
                    end -= 1;
                    continue;
                }
            }
        }
        p += 1;
    }
    invalidate(s);
    Ok(true)
}

fn promote(s: &mut Vec<u8>, index: usize, count: u8) -> Result<bool, Corrupt> {
    sparse_to_dense(s)?;
    dense_set(&mut s[HDR_SIZE..], index, count);
    Ok(true)
}

/// Raises register `index` to `count` in either encoding.
pub fn set_register(
    s: &mut Vec<u8>,
    index: usize,
    count: u8,
    max_bytes: u64,
) -> Result<bool, Corrupt> {
    match s[4] {
        DENSE => Ok(dense_set(&mut s[HDR_SIZE..], index, count)),
        SPARSE => sparse_set(s, index, count, max_bytes),
        _ => Err(Corrupt),
    }
}

/// PFADD of one element: Ok(true) when a register changed.
pub fn add(s: &mut Vec<u8>, ele: &[u8], max_bytes: u64) -> Result<bool, Corrupt> {
    let (index, count) = pat_len(ele);
    set_register(s, index, count, max_bytes)
}

/// Redis's hllMerge: `max[i] = max(max[i], register i)`.
pub fn merge_into(max: &mut [u8], s: &[u8]) -> Result<(), Corrupt> {
    if s[4] == DENSE {
        let regs = &s[HDR_SIZE..];
        for (i, m) in max.iter_mut().enumerate().take(REGISTERS) {
            let v = dense_get(regs, i);
            if v > *m {
                *m = v;
            }
        }
        return Ok(());
    }
    let idx = sparse_runs(&s[HDR_SIZE..], |start, run, val| {
        for m in &mut max[start..start + run] {
            if val > *m {
                *m = val;
            }
        }
    });
    if idx != REGISTERS {
        return Err(Corrupt);
    }
    Ok(())
}

fn sigma(mut x: f64) -> f64 {
    if x == 1.0 {
        return f64::INFINITY;
    }
    let mut y = 1.0;
    let mut z = x;
    loop {
        x *= x;
        let z_prev = z;
        z += x * y;
        y += y;
        if z_prev == z {
            return z;
        }
    }
}

fn tau(mut x: f64) -> f64 {
    if x == 0.0 || x == 1.0 {
        return 0.0;
    }
    let mut y = 1.0;
    let mut z = 1.0 - x;
    loop {
        x = x.sqrt();
        let z_prev = z;
        y *= 0.5;
        // The C library's pow, as Redis calls it, for identical rounding.
        z -= (1.0 - x).powf(2.0) * y;
        if z_prev == z {
            return z / 3.0;
        }
    }
}

/// Ertl's estimator over a register histogram, as Redis 7.0's hllCount.
fn estimate(histo: &[i64; 64]) -> u64 {
    let m = REGISTERS as f64;
    let q = Q as usize;
    let mut z = m * tau((m - histo[q + 1] as f64) / m);
    for j in (1..=q).rev() {
        z += histo[j] as f64;
        z *= 0.5;
    }
    z += m * sigma(histo[0] as f64 / m);
    c_card(ALPHA_INF * m * m / z)
}

/// Redis's `(uint64_t) (double) llroundl(x)` as it behaves on x86-64: llroundl gives LLONG_MIN
/// for infinities, NaN and out-of-range values (an all-63 dense HLL reaches this), and the
/// double-to-unsigned conversion of that negative value keeps its bits.
fn c_card(x: f64) -> u64 {
    const TWO_63: f64 = 9_223_372_036_854_775_808.0;
    let r = x.round();
    let ll: i64 = if (-TWO_63..TWO_63).contains(&r) {
        r as i64
    } else {
        i64::MIN
    };
    let e = ll as f64;
    if e < TWO_63 {
        e as i64 as u64
    } else {
        ((e - TWO_63) as i64 as u64) ^ (1 << 63)
    }
}

/// The estimated cardinality of a sparse or dense HLL. Err for a sparse body that does not cover
/// exactly 16384 registers.
pub fn count(s: &[u8]) -> Result<u64, Corrupt> {
    let mut histo = [0i64; 64];
    let body = &s[HDR_SIZE..];
    if s[4] == DENSE {
        for i in 0..REGISTERS {
            histo[dense_get(body, i) as usize] += 1;
        }
    } else {
        // Unlike the other decoders, Redis's histogram pass has no overflow stop.
        let mut idx = 0usize;
        let mut p = 0usize;
        while p < body.len() {
            let b = body[p];
            if is_zero(b) {
                let r = zero_len(b);
                idx += r;
                histo[0] += r as i64;
                p += 1;
            } else if is_xzero(b) {
                let r = xzero_len(b, byte(body, p + 1));
                idx += r;
                histo[0] += r as i64;
                p += 2;
            } else {
                let r = val_len(b);
                idx += r;
                histo[val_value(b) as usize] += r as i64;
                p += 1;
            }
        }
        if idx != REGISTERS {
            return Err(Corrupt);
        }
    }
    Ok(estimate(&histo))
}

/// The cardinality of a raw array of 16384 one-byte registers (multi-key PFCOUNT).
pub fn count_raw(regs: &[u8]) -> u64 {
    let mut histo = [0i64; 64];
    for &r in regs.iter().take(REGISTERS) {
        histo[(r & 63) as usize] += 1;
    }
    estimate(&histo)
}

/// PFDEBUG DECODE's text for a sparse HLL.
pub fn decode(s: &[u8]) -> String {
    let body = &s[HDR_SIZE..];
    let mut out = String::new();
    let mut p = 0;
    while p < body.len() {
        let b = body[p];
        if is_zero(b) {
            out.push_str(&format!("z:{} ", zero_len(b)));
            p += 1;
        } else if is_xzero(b) {
            out.push_str(&format!("Z:{} ", xzero_len(b, byte(body, p + 1))));
            p += 2;
        } else {
            out.push_str(&format!("v:{},{} ", val_value(b), val_len(b)));
            p += 1;
        }
    }
    out.trim_matches(' ').to_string()
}

/// All registers of a dense HLL.
pub fn dense_registers(s: &[u8]) -> Vec<u8> {
    (0..REGISTERS)
        .map(|i| dense_get(&s[HDR_SIZE..], i))
        .collect()
}

/// PFSELFTEST: register access, then sparse/dense agreement and error bounds up to 10^7
/// elements. Err carries the failure text after "TESTFAILED ".
pub fn selftest(max_bytes: u64, seed: u64) -> Result<(), String> {
    let mut rng = fastrand::Rng::with_seed(seed);
    let mut regs = vec![0u8; DENSE_SIZE - HDR_SIZE];
    let mut bytes = vec![0u8; REGISTERS];
    for _ in 0..1000 {
        for (i, b) in bytes.iter_mut().enumerate() {
            let r = rng.u8(..) & REGISTER_MAX;
            *b = r;
            dense_put(&mut regs, i, r);
        }
        for (i, b) in bytes.iter().enumerate() {
            let v = dense_get(&regs, i);
            if v != *b {
                return Err(format!("Register {i} should be {b} but is {v}"));
            }
        }
    }
    let mut dense = vec![0u8; DENSE_SIZE];
    dense[..4].copy_from_slice(b"HYLL");
    let mut sparse = new_sparse();
    let relerr = 1.04 / (REGISTERS as f64).sqrt();
    let mut checkpoint: u64 = 1;
    let seed = rng.u64(..);
    for j in 1..=10_000_000u64 {
        let ele = (j ^ seed).to_le_bytes();
        let (index, cnt) = pat_len(&ele);
        dense_set(&mut dense[HDR_SIZE..], index, cnt);
        set_register(&mut sparse, index, cnt, max_bytes).map_err(|_| "corrupted".to_string())?;
        if j != checkpoint {
            continue;
        }
        if j < max_bytes / 2 && sparse[4] != SPARSE {
            return Err("sparse encoding not used".into());
        }
        let d = count(&dense).map_err(|_| "corrupted".to_string())?;
        if Ok(d) != count(&sparse) {
            return Err("dense/sparse disagree".into());
        }
        let abserr = (checkpoint as i64 - d as i64).unsigned_abs();
        let mut maxerr = (relerr * 6.0 * checkpoint as f64).ceil() as u64;
        if j == 10 {
            maxerr = 1;
        }
        if abserr > maxerr {
            return Err(format!("Too big error. card:{checkpoint} abserr:{abserr}"));
        }
        checkpoint *= 10;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_hll_bytes() {
        let s = new_sparse();
        assert_eq!(&s[..], b"HYLL\x01\0\0\0\0\0\0\0\0\0\0\0\x7f\xff");
        assert!(is_valid(&s));
        assert_eq!(count(&s), Ok(0));
        assert_eq!(cached(&s), Some(0));
    }

    #[test]
    fn matches_redis_bytes() {
        // GET after `PFADD u a b c`, then after `PFCOUNT u`, on Redis 7.0.15.
        let mut s = new_sparse();
        for e in [&b"a"[..], b"b", b"c"] {
            assert_eq!(add(&mut s, e, 3000), Ok(true));
        }
        invalidate(&mut s);
        let want: &[u8] = b"HYLL\x01\0\0\0\0\0\0\0\0\0\0\x80`\xf3\x80P\xb1\x84K\xfb\x80BZ";
        assert_eq!(&s[..], want);
        let c = count(&s).unwrap();
        assert_eq!(c, 3);
        set_cache(&mut s, c);
        assert_eq!(&s[8..16], b"\x03\0\0\0\0\0\0\0");
    }

    #[test]
    fn murmur_reference_values() {
        // Values computed with Redis's MurmurHash64A.
        assert_eq!(murmur64a(b"", 0), 0);
        let h = murmur64a(b"hello", SEED);
        assert_eq!(h, murmur64a(b"hello", SEED));
        assert_ne!(h, murmur64a(b"hellp", SEED));
    }

    #[test]
    fn dense_register_roundtrip() {
        let mut regs = vec![0u8; DENSE_SIZE - HDR_SIZE];
        for i in 0..REGISTERS {
            dense_put(&mut regs, i, (i % 64) as u8);
        }
        for i in 0..REGISTERS {
            assert_eq!(dense_get(&regs, i), (i % 64) as u8);
        }
    }

    #[test]
    fn sparse_and_dense_agree() {
        let mut sparse = new_sparse();
        let mut dense = new_sparse();
        sparse_to_dense(&mut dense).unwrap();
        for i in 0..5000u32 {
            let e = format!("ele{i}");
            let a = add(&mut sparse, e.as_bytes(), 3000).unwrap();
            let b = add(&mut dense, e.as_bytes(), 3000).unwrap();
            assert_eq!(a, b, "element {i}");
            if i % 97 == 0 {
                assert_eq!(count(&sparse), count(&dense));
            }
        }
        // Past 3000 bytes the sparse one was promoted.
        assert_eq!(sparse[4], DENSE);
        assert_eq!(sparse[HDR_SIZE..], dense[HDR_SIZE..]);
        let c = count(&dense).unwrap();
        assert!((4800..5200).contains(&c), "{c}");
    }

    #[test]
    fn sparse_decodes_to_set_registers() {
        let mut s = new_sparse();
        let mut model = vec![0u8; REGISTERS];
        let mut rng = fastrand::Rng::with_seed(7);
        for _ in 0..400 {
            let i = rng.usize(..REGISTERS);
            let c = rng.u8(1..=32);
            let changed = sparse_set(&mut s, i, c, 1 << 30).unwrap();
            assert_eq!(changed, c > model[i]);
            model[i] = model[i].max(c);
        }
        assert_eq!(s[4], SPARSE);
        let mut max = vec![0u8; REGISTERS];
        merge_into(&mut max, &s).unwrap();
        assert_eq!(max, model);
    }

    proptest::proptest! {
        /// Any sequence of register updates, under any sparse size limit, leaves the same
        /// registers (and estimate) as a plain register array.
        #[test]
        fn sparse_edits_match_a_register_model(
            ops in proptest::collection::vec((0usize..REGISTERS, 1u8..=63), 0..300),
            limit in 0u64..4000,
        ) {
            let mut s = new_sparse();
            let mut model = vec![0u8; REGISTERS];
            for (i, c) in ops {
                let changed = set_register(&mut s, i, c, limit).unwrap();
                proptest::prop_assert_eq!(changed, c > model[i]);
                model[i] = model[i].max(c);
            }
            let mut regs = vec![0u8; REGISTERS];
            merge_into(&mut regs, &s).unwrap();
            proptest::prop_assert_eq!(&regs, &model);
            proptest::prop_assert_eq!(count(&s).unwrap(), count_raw(&model));
        }
    }

    proptest::proptest! {
        /// Arbitrary sparse bodies (as a client can SET them) never panic any operation.
        #[test]
        fn arbitrary_sparse_bodies_never_panic(
            body in proptest::collection::vec(proptest::num::u8::ANY, 0..64),
            eles in proptest::collection::vec(proptest::collection::vec(proptest::num::u8::ANY, 0..6), 0..20),
            limit in 0u64..200,
        ) {
            let mut s = b"HYLL\x01\0\0\0\0\0\0\0\0\0\0\x80".to_vec();
            s.extend_from_slice(&body);
            proptest::prop_assert!(is_valid(&s));
            let _ = count(&s);
            let _ = decode(&s);
            let mut max = vec![0u8; REGISTERS];
            let _ = merge_into(&mut max, &s);
            let mut d = s.clone();
            let _ = sparse_to_dense(&mut d);
            for e in &eles {
                if add(&mut s, e, limit).is_err() {
                    break;
                }
                let _ = count(&s);
            }
            let _ = set_register(&mut s, REGISTERS - 1, 32, limit);
        }
    }

    #[test]
    fn corrupt_sparse_is_detected() {
        let mut s = new_sparse();
        s.push(0x00);
        assert_eq!(count(&s), Err(Corrupt));
        let mut max = vec![0u8; REGISTERS];
        assert_eq!(merge_into(&mut max, &s), Err(Corrupt));
        let mut t = b"HYLL\x01\0\0\0\0\0\0\0\0\0\0\0".to_vec();
        assert_eq!(add(&mut t, b"a", 3000), Err(Corrupt));
    }

    #[test]
    fn selftest_passes() {
        assert_eq!(selftest(3000, 42), Ok(()));
    }

    #[test]
    fn degenerate_estimates_convert_like_c() {
        assert_eq!(c_card(2.4), 2);
        assert_eq!(c_card(2.5), 3);
        assert_eq!(c_card(f64::INFINITY), 1 << 63);
        assert_eq!(c_card(f64::NAN), 1 << 63);
    }

    #[test]
    fn validity_rules() {
        assert!(!is_valid(b"HYLL"));
        assert!(!is_valid(b"HYLX\x01\0\0\0\0\0\0\0\0\0\0\0\x7f\xff"));
        assert!(!is_valid(b"HYLL\x02\0\0\0\0\0\0\0\0\0\0\0\x7f\xff"));
        assert!(!is_valid(b"HYLL\x00\0\0\0\0\0\0\0\0\0\0\0\x7f\xff"));
    }
}
