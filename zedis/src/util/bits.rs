//! Bitmap algorithms over plain byte strings with Redis 7.0's exact semantics
//! (BITCOUNT, BITPOS, BITOP, SETBIT/GETBIT, BITFIELD and its argument
//! tokens). Bit 0 is the most significant bit of byte 0. It knows nothing
//! about keys, types or replies: absent keys, WRONGTYPE checks, argument
//! counts, BIT/BYTE keyword parsing and error precedence are the caller's.
//!
//! Caller-visible quirks of the reference kept here:
//! - BITCOUNT returns 0 early when both `start` and `end` are negative and
//!   `start > end`, *before* the BIT/BYTE keyword is validated (callers that
//!   want identical error precedence should test [`bitcount_early_zero`]
//!   before parsing the unit).
//! - A negative `end` that is still negative after adding the length is
//!   clamped to 0, so `BITCOUNT k -100 -50` on a short string counts byte 0.
//! - BITPOS on a missing key is `0` for bit 0 and `-1` for bit 1 (caller's);
//!   on an existing empty string it is always `-1`.
//! - Writers grow the string with zero bytes; callers must bound offsets
//!   first (see [`parse_bit_offset`]) because growth allocates.

/// Unit of BITCOUNT / BITPOS ranges.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BitUnit {
    /// Indexes are byte offsets (the default).
    Byte,
    /// Indexes are bit offsets.
    Bit,
}

/// BITOP operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BitOp {
    And,
    Or,
    Xor,
    /// Uses only the first source.
    Not,
}

/// BITFIELD OVERFLOW behaviour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Overflow {
    /// Wrap around (the default).
    #[default]
    Wrap,
    /// Saturate at the type's min / max.
    Sat,
    /// Do not write; the reply is nil.
    Fail,
}

/// A BITFIELD integer type: `i1..=i64` or `u1..=u63`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BitfieldType {
    pub signed: bool,
    pub bits: u32,
}

/// Outcome of a BITFIELD SET / INCRBY that did write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BitfieldWrite {
    /// What the command replies: the old value for SET, the new value for
    /// INCRBY.
    pub reply: i64,
    /// Whether the stored field value changed (the caller also counts a
    /// change when the string had to be created or grown).
    pub changed: bool,
}

/// Malformed bit-command arguments. The messages are the reference's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum BitArgError {
    #[error("bit offset is not an integer or out of range")]
    Offset,
    #[error("Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.")]
    Type,
}

/// Number of set bits in `s`.
pub fn popcount(s: &[u8]) -> u64 {
    let mut chunks = s.chunks_exact(8);
    let mut n: u64 = 0;
    for c in &mut chunks {
        let mut w = [0u8; 8];
        w.copy_from_slice(c);
        n += u64::from(u64::from_ne_bytes(w).count_ones());
    }
    n + chunks
        .remainder()
        .iter()
        .map(|b| u64::from(b.count_ones()))
        .sum::<u64>()
}

/// True when BITCOUNT answers 0 straight away, before looking at the unit
/// keyword: both indexes negative and `start > end`.
pub fn bitcount_early_zero(start: i64, end: i64) -> bool {
    start < 0 && end < 0 && start > end
}

/// Resolves Redis-style indexes against `total` units: negative values count
/// from the end, then everything is clamped into `0..total`. The result may
/// be an empty range (start > end).
fn resolve(mut start: i64, mut end: i64, total: i64) -> (i64, i64) {
    if start < 0 {
        start = start.saturating_add(total);
    }
    if end < 0 {
        end = end.saturating_add(total);
    }
    start = start.max(0);
    end = end.max(0);
    if end >= total {
        end = total - 1;
    }
    (start, end)
}

fn len_i64(s: &[u8]) -> i64 {
    i64::try_from(s.len()).unwrap_or(i64::MAX)
}

/// Count of set bits in the inclusive bit range `lo..=hi` (both inside `s`).
fn count_bits(s: &[u8], lo: u64, hi: u64) -> u64 {
    let (lb, hb) = (idx(lo >> 3), idx(hi >> 3));
    let Some(bytes) = s.get(lb..=hb) else {
        return 0;
    };
    let mut n = popcount(bytes);
    let head = (lo & 7) as u32;
    let tail = 7 - (hi & 7) as u32;
    if head > 0 {
        let outside = 0xffu8.checked_shl(8 - head).unwrap_or(0);
        n -= u64::from((bytes.first().copied().unwrap_or(0) & outside).count_ones());
    }
    if tail > 0 {
        let outside = 0xffu8 >> (8 - tail);
        n -= u64::from((bytes.last().copied().unwrap_or(0) & outside).count_ones());
    }
    n
}

/// Byte index from a bit-derived u64 (saturating, so an impossible index
/// simply misses the slice instead of truncating).
fn idx(v: u64) -> usize {
    usize::try_from(v).unwrap_or(usize::MAX)
}

/// BITCOUNT: set bits in the whole string, or in `start..=end` measured in
/// `unit`s with the reference's negative-index and clamping rules.
pub fn bitcount(s: &[u8], range: Option<(i64, i64, BitUnit)>) -> i64 {
    let Some((start, end, unit)) = range else {
        return i64::try_from(popcount(s)).unwrap_or(i64::MAX);
    };
    if bitcount_early_zero(start, end) {
        return 0;
    }
    let bytes = len_i64(s);
    let total = match unit {
        BitUnit::Byte => bytes,
        BitUnit::Bit => bytes.saturating_mul(8),
    };
    let (start, end) = resolve(start, end, total);
    if start > end {
        return 0;
    }
    let (lo, hi) = match unit {
        BitUnit::Byte => (start as u64 * 8, end as u64 * 8 + 7),
        BitUnit::Bit => (start as u64, end as u64),
    };
    i64::try_from(count_bits(s, lo, hi)).unwrap_or(i64::MAX)
}

/// First bit equal to `bit` in the inclusive bit range `lo..=hi` (inside `s`).
fn find_bit(s: &[u8], bit: bool, lo: u64, hi: u64) -> Option<u64> {
    let skip = if bit { 0x00u8 } else { 0xffu8 };
    let last_byte = hi >> 3;
    let mut pos = lo;
    while pos <= hi {
        let byte_no = pos >> 3;
        let b = s.get(idx(byte_no)).copied()?;
        let want = if bit { b } else { !b };
        let first = (pos & 7) as u32;
        let last = if byte_no == last_byte {
            (hi & 7) as u32
        } else {
            7
        };
        let mask = (0xffu8 >> first) & (0xffu8 << (7 - last));
        let hit = want & mask;
        if hit != 0 {
            return Some(byte_no * 8 + u64::from(hit.leading_zeros()));
        }
        // Skip whole bytes that cannot contain the bit, stopping before the
        // last byte of the range (it may be partial).
        let next = byte_no + 1;
        let run = s
            .get(idx(next)..idx(last_byte))
            .map_or(0, |r| r.iter().take_while(|&&x| x == skip).count());
        pos = (next + run as u64) * 8;
    }
    None
}

/// BITPOS: position of the first `bit` in the string or in the range.
/// `start` defaults to 0. When searching for 0 without an explicit `end` and
/// every bit in range is 1, the answer is the first bit past the range (the
/// string is treated as zero-padded); with an explicit `end` it is -1.
pub fn bitpos(s: &[u8], bit: bool, start: Option<i64>, end: Option<i64>, unit: BitUnit) -> i64 {
    let bytes = len_i64(s);
    let total = match unit {
        BitUnit::Byte => bytes,
        BitUnit::Bit => bytes.saturating_mul(8),
    };
    let end_given = end.is_some();
    let end = end.unwrap_or(total - 1);
    let (start, end) = resolve(start.unwrap_or(0), end, total);
    if start > end {
        return -1;
    }
    let (lo, hi) = match unit {
        BitUnit::Byte => (start as u64 * 8, end as u64 * 8 + 7),
        BitUnit::Bit => (start as u64, end as u64),
    };
    match find_bit(s, bit, lo, hi) {
        Some(p) => i64::try_from(p).unwrap_or(-1),
        None if bit || end_given => -1,
        None => i64::try_from(hi + 1).unwrap_or(-1),
    }
}

/// BITOP: combines the sources byte by byte, missing bytes (shorter or
/// absent sources, passed as empty slices) reading as zero. The result is as
/// long as the longest source; an empty result means the destination is to
/// be deleted. NOT uses only `srcs[0]` (the caller enforces a single source).
pub fn bitop(op: BitOp, srcs: &[&[u8]]) -> Vec<u8> {
    let maxlen = srcs.iter().map(|s| s.len()).max().unwrap_or(0);
    let first = srcs.first().copied().unwrap_or_default();
    let mut out = vec![0u8; maxlen];
    for (o, &b) in out.iter_mut().zip(first) {
        *o = b;
    }
    match op {
        BitOp::Not => out.iter_mut().for_each(|b| *b = !*b),
        BitOp::And => {
            for src in srcs.iter().skip(1) {
                for (o, &b) in out.iter_mut().zip(src.iter()) {
                    *o &= b;
                }
                // Bytes past this source's end AND with zero.
                out.iter_mut().skip(src.len()).for_each(|o| *o = 0);
            }
        }
        BitOp::Or | BitOp::Xor => {
            for src in srcs.iter().skip(1) {
                for (o, &b) in out.iter_mut().zip(src.iter()) {
                    if op == BitOp::Or {
                        *o |= b;
                    } else {
                        *o ^= b;
                    }
                }
            }
        }
    }
    out
}

/// Value of the bit at `offset` (0 past the end).
pub fn getbit(s: &[u8], offset: u64) -> bool {
    s.get(idx(offset >> 3))
        .is_some_and(|&b| b & (0x80 >> (offset & 7)) != 0)
}

/// Sets the bit at `offset`, growing `v` with zero bytes as needed, and
/// returns its previous value. The caller must have bounded `offset`.
pub fn setbit(v: &mut Vec<u8>, offset: u64, bit: bool) -> bool {
    let byte = idx(offset >> 3);
    if byte >= v.len() {
        v.resize(byte.saturating_add(1), 0);
    }
    let mask = 0x80u8 >> (offset & 7);
    let Some(b) = v.get_mut(byte) else {
        return false;
    };
    let old = *b & mask != 0;
    if bit {
        *b |= mask;
    } else {
        *b &= !mask;
    }
    old
}

/// Parses a bit offset token like the reference's `getBitOffsetFromArgument`:
/// a strict integer (see [`super::num::parse_i64`]), or `#N` meaning
/// `N * bits` when `hash_bits` is `Some(bits)` (BITFIELD; the product wraps
/// exactly as the reference's does). Negative offsets, and offsets whose byte
/// (`offset >> 3`) is `>= max_bytes` (proto-max-bulk-len), are rejected; pass
/// `u64::MAX` to skip that limit for replicated or AOF-loaded commands.
pub fn parse_bit_offset(
    tok: &[u8],
    hash_bits: Option<u32>,
    max_bytes: u64,
) -> Result<u64, BitArgError> {
    let (digits, mul) = match (tok.split_first(), hash_bits) {
        (Some((b'#', rest)), Some(bits)) if bits > 0 => (rest, Some(bits)),
        _ => (tok, None),
    };
    let mut off = super::num::parse_i64(digits).ok_or(BitArgError::Offset)?;
    if let Some(bits) = mul {
        off = off.wrapping_mul(i64::from(bits));
    }
    let off = u64::try_from(off).map_err(|_| BitArgError::Offset)?;
    if (off >> 3) >= max_bytes {
        return Err(BitArgError::Offset);
    }
    Ok(off)
}

/// Parses a BITFIELD type token: `i` or `u` followed by a strict integer
/// width, 1..=64 for signed and 1..=63 for unsigned. Like the reference, the
/// width text ends at the first NUL byte.
pub fn parse_bitfield_type(tok: &[u8]) -> Result<BitfieldType, BitArgError> {
    let (signed, rest) = match tok.split_first() {
        Some((b'i', rest)) => (true, rest),
        Some((b'u', rest)) => (false, rest),
        _ => return Err(BitArgError::Type),
    };
    let rest = rest.split(|&b| b == 0).next().unwrap_or_default();
    let bits = super::num::parse_i64(rest).ok_or(BitArgError::Type)?;
    let max = if signed { 64 } else { 63 };
    if !(1..=max).contains(&bits) {
        return Err(BitArgError::Type);
    }
    Ok(BitfieldType {
        signed,
        bits: bits as u32,
    })
}

/// Bytes the string must have so a write of `ty` at `offset` fits
/// (`(offset + bits - 1) / 8 + 1`); `None` on arithmetic overflow.
pub fn bitfield_write_len(ty: BitfieldType, offset: u64) -> Option<u64> {
    let last = offset.checked_add(u64::from(ty.bits))?.checked_sub(1)?;
    (last >> 3).checked_add(1)
}

fn get_unsigned(s: &[u8], offset: u64, bits: u32) -> u64 {
    let mut v = 0u64;
    for j in 0..u64::from(bits) {
        v = (v << 1) | u64::from(getbit(s, offset.wrapping_add(j)));
    }
    v
}

fn get_signed(s: &[u8], offset: u64, bits: u32) -> i64 {
    let v = get_unsigned(s, offset, bits);
    if bits < 64 && v & (1u64 << (bits - 1)) != 0 {
        (v | (u64::MAX << bits)) as i64
    } else {
        v as i64
    }
}

/// Writes the low `bits` of `value` at `offset`; `v` is already long enough.
fn set_unsigned(v: &mut [u8], offset: u64, bits: u32, value: u64) {
    for j in 0..bits {
        let on = value & (1u64 << (bits - 1 - j)) != 0;
        let pos = offset.wrapping_add(u64::from(j));
        if let Some(b) = v.get_mut(idx(pos >> 3)) {
            let mask = 0x80u8 >> (pos & 7);
            if on {
                *b |= mask;
            } else {
                *b &= !mask;
            }
        }
    }
}

/// Overflow check for unsigned fields. Returns whether `value + incr`
/// overflows and, for WRAP/SAT, the value to store instead. The wrapping
/// arithmetic mirrors the reference exactly.
fn check_unsigned(value: u64, incr: i64, bits: u32, ow: Overflow) -> (bool, u64) {
    let max = if bits >= 64 {
        u64::MAX
    } else {
        (1u64 << bits) - 1
    };
    let max_incr = max.wrapping_sub(value) as i64;
    let min_incr = value.wrapping_neg() as i64;
    let wrap = || value.wrapping_add(incr as u64) & !u64::MAX.checked_shl(bits).unwrap_or(0);
    if value > max || (incr > 0 && incr > max_incr) {
        (
            true,
            match ow {
                Overflow::Wrap => wrap(),
                Overflow::Sat => max,
                Overflow::Fail => 0,
            },
        )
    } else if incr < 0 && incr < min_incr {
        (
            true,
            match ow {
                Overflow::Wrap => wrap(),
                Overflow::Sat | Overflow::Fail => 0,
            },
        )
    } else {
        (false, 0)
    }
}

/// Signed counterpart of [`check_unsigned`], quirks included: e.g. SET of a
/// value far below the minimum can be reported as an *upward* overflow, so
/// SAT stores the maximum, because the reference's headroom computation wraps.
fn check_signed(value: i64, incr: i64, bits: u32, ow: Overflow) -> (bool, i64) {
    let max = if bits >= 64 {
        i64::MAX
    } else {
        (1i64 << (bits - 1)) - 1
    };
    let min = -max - 1;
    let max_incr = (max as u64).wrapping_sub(value as u64) as i64;
    let min_incr = min.wrapping_sub(value);
    let wrap = || {
        let mut c = (value as u64).wrapping_add(incr as u64);
        if bits < 64 {
            let msb = 1u64 << (bits - 1);
            let mask = u64::MAX << bits;
            if c & msb != 0 {
                c |= mask;
            } else {
                c &= !mask;
            }
        }
        c as i64
    };
    if value > max || (bits != 64 && incr > max_incr) || (value >= 0 && incr > 0 && incr > max_incr)
    {
        (
            true,
            match ow {
                Overflow::Wrap => wrap(),
                Overflow::Sat => max,
                Overflow::Fail => 0,
            },
        )
    } else if value < min
        || (bits != 64 && incr < min_incr)
        || (value < 0 && incr < 0 && incr < min_incr)
    {
        (
            true,
            match ow {
                Overflow::Wrap => wrap(),
                Overflow::Sat => min,
                Overflow::Fail => 0,
            },
        )
    } else {
        (false, 0)
    }
}

/// Widths outside 1..=64 cannot come from [`parse_bitfield_type`]; clamp
/// them so hand-built types cannot underflow a shift.
fn width(ty: BitfieldType) -> u32 {
    ty.bits.clamp(1, 64)
}

/// BITFIELD GET: reads a field, bits past the end reading as zero.
pub fn bitfield_get(s: &[u8], ty: BitfieldType, offset: u64) -> i64 {
    let ty = BitfieldType {
        bits: width(ty),
        ..ty
    };
    if ty.signed {
        get_signed(s, offset, ty.bits)
    } else {
        get_unsigned(s, offset, ty.bits) as i64
    }
}

fn grow_for(v: &mut Vec<u8>, ty: BitfieldType, offset: u64) {
    let need = bitfield_write_len(ty, offset).map_or(usize::MAX, idx);
    if need > v.len() {
        v.resize(need, 0);
    }
}

enum WriteKind {
    Set,
    Incr,
}

fn bitfield_write(
    v: &mut Vec<u8>,
    ty: BitfieldType,
    offset: u64,
    arg: i64,
    ow: Overflow,
    kind: WriteKind,
) -> Option<BitfieldWrite> {
    let ty = BitfieldType {
        bits: width(ty),
        ..ty
    };
    // The reference sizes the string before running any operation, so even
    // a write that FAILs leaves the string grown.
    grow_for(v, ty, offset);
    let bits = ty.bits;
    if ty.signed {
        let old = get_signed(v, offset, bits);
        let (new, reply, overflow) = match kind {
            WriteKind::Incr => {
                let (of, lim) = check_signed(old, arg, bits, ow);
                let new = if of { lim } else { old.wrapping_add(arg) };
                (new, new, of)
            }
            WriteKind::Set => {
                let (of, lim) = check_signed(arg, 0, bits, ow);
                (if of { lim } else { arg }, old, of)
            }
        };
        if overflow && ow == Overflow::Fail {
            return None;
        }
        set_unsigned(v, offset, bits, new as u64);
        Some(BitfieldWrite {
            reply,
            changed: old != new,
        })
    } else {
        let old = get_unsigned(v, offset, bits);
        let (new, reply, overflow) = match kind {
            WriteKind::Incr => {
                let (of, lim) = check_unsigned(old, arg, bits, ow);
                let new = if of {
                    lim
                } else {
                    old.wrapping_add(arg as u64)
                };
                (new, new, of)
            }
            WriteKind::Set => {
                let (of, lim) = check_unsigned(arg as u64, 0, bits, ow);
                (if of { lim } else { arg as u64 }, old, of)
            }
        };
        if overflow && ow == Overflow::Fail {
            return None;
        }
        set_unsigned(v, offset, bits, new);
        Some(BitfieldWrite {
            reply: reply as i64,
            changed: old != new,
        })
    }
}

/// BITFIELD SET: stores `value` (adjusted per `ow` when it does not fit) and
/// replies with the previous value; `None` (nil reply, nothing written) when
/// it does not fit under FAIL. Grows `v` first in every case.
pub fn bitfield_set(
    v: &mut Vec<u8>,
    ty: BitfieldType,
    offset: u64,
    value: i64,
    ow: Overflow,
) -> Option<BitfieldWrite> {
    bitfield_write(v, ty, offset, value, ow, WriteKind::Set)
}

/// BITFIELD INCRBY: adds `incr` (handling overflow per `ow`) and replies with
/// the new value; `None` (nil reply, nothing written) on overflow under FAIL.
/// Grows `v` first in every case.
pub fn bitfield_incrby(
    v: &mut Vec<u8>,
    ty: BitfieldType,
    offset: u64,
    incr: i64,
    ow: Overflow,
) -> Option<BitfieldWrite> {
    bitfield_write(v, ty, offset, incr, ow, WriteKind::Incr)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const I8: BitfieldType = BitfieldType {
        signed: true,
        bits: 8,
    };
    const U8: BitfieldType = BitfieldType {
        signed: false,
        bits: 8,
    };

    /// Bit-by-bit reference for BITPOS/BITCOUNT range semantics.
    fn naive_bits(s: &[u8]) -> Vec<bool> {
        (0..s.len() as u64 * 8).map(|i| getbit(s, i)).collect()
    }

    #[test]
    fn popcount_and_bitcount() {
        assert_eq!(popcount(b""), 0);
        assert_eq!(popcount(b"foobar"), 26);
        let s = b"foobar";
        assert_eq!(bitcount(s, None), 26);
        assert_eq!(bitcount(s, Some((0, 0, BitUnit::Byte))), 4);
        assert_eq!(bitcount(s, Some((1, 1, BitUnit::Byte))), 6);
        assert_eq!(bitcount(s, Some((1, 1, BitUnit::Bit))), 1);
        assert_eq!(bitcount(s, Some((5, 30, BitUnit::Bit))), 17);
        assert_eq!(bitcount(s, Some((-1, -1, BitUnit::Byte))), 4);
        assert_eq!(bitcount(s, Some((-2, -3, BitUnit::Byte))), 0);
        assert_eq!(bitcount(s, Some((-100, -50, BitUnit::Byte))), 4);
        assert_eq!(bitcount(s, Some((3, 1, BitUnit::Byte))), 0);
        assert_eq!(bitcount(s, Some((0, i64::MAX, BitUnit::Bit))), 26);
        assert_eq!(bitcount(s, Some((i64::MIN, i64::MAX, BitUnit::Byte))), 26);
        assert_eq!(bitcount(b"", Some((0, -1, BitUnit::Byte))), 0);
        assert_eq!(bitcount(b"", Some((0, 0, BitUnit::Bit))), 0);
    }

    #[test]
    fn bitpos_basics() {
        let s = b"\xff\xf0\x00";
        assert_eq!(bitpos(s, false, None, None, BitUnit::Byte), 12);
        assert_eq!(
            bitpos(b"\x00\xff\xf0", true, Some(0), None, BitUnit::Byte),
            8
        );
        assert_eq!(
            bitpos(b"\x00\xff\xf0", true, Some(2), None, BitUnit::Byte),
            16
        );
        assert_eq!(
            bitpos(b"\x00\xff\xf0", true, Some(2), Some(-1), BitUnit::Byte),
            16
        );
        assert_eq!(
            bitpos(b"\x00\xff\xf0", true, Some(7), Some(15), BitUnit::Bit),
            8
        );
        assert_eq!(bitpos(b"\x00\x00\x00", true, None, None, BitUnit::Byte), -1);
        // All ones: zero-padding applies only without an explicit end.
        assert_eq!(
            bitpos(b"\xff\xff\xff", false, None, None, BitUnit::Byte),
            24
        );
        assert_eq!(
            bitpos(b"\xff\xff\xff", false, Some(0), None, BitUnit::Byte),
            24
        );
        assert_eq!(
            bitpos(b"\xff\xff\xff", false, Some(0), Some(-1), BitUnit::Byte),
            -1
        );
        assert_eq!(
            bitpos(b"\xff\xff\xff", false, Some(3), None, BitUnit::Bit),
            24
        );
        assert_eq!(
            bitpos(b"\xff\xff\xff", false, Some(3), Some(10), BitUnit::Bit),
            -1
        );
        // Empty existing string.
        assert_eq!(bitpos(b"", false, None, None, BitUnit::Byte), -1);
        assert_eq!(bitpos(b"", true, None, None, BitUnit::Byte), -1);
        // Out-of-range start.
        assert_eq!(bitpos(b"\x00", false, Some(5), None, BitUnit::Byte), -1);
    }

    #[test]
    fn bitop_basics() {
        assert_eq!(bitop(BitOp::And, &[b"\xff\x0f", b"\x0f"]), b"\x0f\x00");
        assert_eq!(bitop(BitOp::Or, &[b"\x01", b"\x02\x03"]), b"\x03\x03");
        assert_eq!(bitop(BitOp::Xor, &[b"\xff", b"\x0f", b"\x01"]), b"\xf1");
        assert_eq!(bitop(BitOp::Not, &[b"\x0f\xf0"]), b"\xf0\x0f");
        assert_eq!(bitop(BitOp::And, &[b"", b""]), b"");
        assert_eq!(bitop(BitOp::And, &[b"\xff", b""]), b"\x00");
        assert_eq!(bitop(BitOp::Or, &[b"", b"ab"]), b"ab");
        assert_eq!(bitop(BitOp::Not, &[b""]), b"");
        assert_eq!(bitop(BitOp::And, &[]), b"");
    }

    #[test]
    fn setbit_getbit() {
        let mut v = Vec::new();
        assert!(!setbit(&mut v, 7, true));
        assert_eq!(v, b"\x01");
        assert!(setbit(&mut v, 7, true));
        assert!(!setbit(&mut v, 100, false));
        assert_eq!(v.len(), 13);
        assert!(getbit(&v, 7));
        assert!(!getbit(&v, 6));
        assert!(!getbit(&v, 1_000_000));
        assert!(setbit(&mut v, 7, false));
        assert!(!getbit(&v, 7));
    }

    #[test]
    fn offset_tokens() {
        let lim = 512 * 1024 * 1024;
        assert_eq!(parse_bit_offset(b"0", None, lim), Ok(0));
        assert_eq!(parse_bit_offset(b"4294967295", None, lim), Ok(4294967295));
        assert_eq!(
            parse_bit_offset(b"4294967296", None, lim),
            Err(BitArgError::Offset)
        );
        assert_eq!(parse_bit_offset(b"-1", None, lim), Err(BitArgError::Offset));
        assert_eq!(parse_bit_offset(b"#1", None, lim), Err(BitArgError::Offset));
        assert_eq!(parse_bit_offset(b"#3", Some(8), lim), Ok(24));
        assert_eq!(parse_bit_offset(b"#0", Some(8), lim), Ok(0));
        assert_eq!(
            parse_bit_offset(b"#-1", Some(8), lim),
            Err(BitArgError::Offset)
        );
        assert_eq!(
            parse_bit_offset(b"", Some(8), lim),
            Err(BitArgError::Offset)
        );
        assert_eq!(
            parse_bit_offset(b"#", Some(8), lim),
            Err(BitArgError::Offset)
        );
        assert_eq!(parse_bit_offset(b"01", None, lim), Err(BitArgError::Offset));
        assert_eq!(parse_bit_offset(b" 1", None, lim), Err(BitArgError::Offset));
        // The multiplication wraps like the reference's.
        assert_eq!(
            parse_bit_offset(b"#2305843009213693953", Some(8), lim),
            Ok(8)
        );
        assert_eq!(
            parse_bit_offset(b"9223372036854775807", None, u64::MAX),
            Ok(i64::MAX as u64)
        );
    }

    #[test]
    fn type_tokens() {
        assert_eq!(parse_bitfield_type(b"i8"), Ok(I8));
        assert_eq!(parse_bitfield_type(b"u8"), Ok(U8));
        assert_eq!(
            parse_bitfield_type(b"i64"),
            Ok(BitfieldType {
                signed: true,
                bits: 64
            })
        );
        assert_eq!(
            parse_bitfield_type(b"u63"),
            Ok(BitfieldType {
                signed: false,
                bits: 63
            })
        );
        assert_eq!(parse_bitfield_type(b"i8\0junk"), Ok(I8));
        for bad in [
            &b"u64"[..],
            b"i65",
            b"x8",
            b"I8",
            b"U8",
            b"i0",
            b"u0",
            b"i",
            b"",
            b"i08",
            b"i+8",
            b"i-8",
            b"i8 ",
        ] {
            assert_eq!(parse_bitfield_type(bad), Err(BitArgError::Type), "{bad:?}");
        }
    }

    #[test]
    fn bitfield_ops() {
        let mut v = Vec::new();
        let w = bitfield_set(&mut v, I8, 0, -1, Overflow::Wrap);
        assert_eq!(
            w,
            Some(BitfieldWrite {
                reply: 0,
                changed: true
            })
        );
        assert_eq!(v, b"\xff");
        assert_eq!(bitfield_get(&v, U8, 0), 255);
        assert_eq!(bitfield_get(&v, I8, 0), -1);
        assert_eq!(bitfield_get(&v, U8, 4), 0xf0);
        let w = bitfield_incrby(&mut v, U8, 0, 1, Overflow::Wrap);
        assert_eq!(w.map(|w| w.reply), Some(0));
        let w = bitfield_incrby(&mut v, U8, 0, -1, Overflow::Sat);
        assert_eq!(w.map(|w| w.reply), Some(0));
        let w = bitfield_incrby(&mut v, U8, 0, -1, Overflow::Fail);
        assert_eq!(w, None);
        // A failed write still grows the string.
        let w = bitfield_set(&mut v, U8, 100, 999, Overflow::Fail);
        assert_eq!(w, None);
        assert_eq!(v.len(), 14);
        // SAT on SET.
        let w = bitfield_set(&mut v, U8, 0, -1, Overflow::Sat);
        assert_eq!(w.map(|w| w.reply), Some(0));
        assert_eq!(bitfield_get(&v, U8, 0), 255);
    }

    fn unhex(s: &str) -> Vec<u8> {
        (0..s.len() / 2)
            .map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap_or(0))
            .collect()
    }

    fn hex(b: &[u8]) -> String {
        b.iter().map(|x| format!("{x:02x}")).collect()
    }

    fn opt(s: &str) -> Option<i64> {
        s.parse().ok()
    }

    fn unit(s: &str) -> BitUnit {
        if s == "bit" {
            BitUnit::Bit
        } else {
            BitUnit::Byte
        }
    }

    /// Replays one recorded line (space separated, strings in hex; `-` for
    /// an absent argument) and returns (what we compute, what Redis said):
    /// - `bitcount HEX START END UNIT COUNT`
    /// - `bitpos HEX BIT START END UNIT POS`
    /// - `bitop OP HEX,HEX,... RESULTHEX`
    /// - `setbit HEX OFFSET BIT OLD:NEWHEX` (or `err`)
    /// - `bf INITHEX OP TYPE OFFSET ARG OVERFLOW REPLY:FINALHEX` (or `err`;
    ///   REPLY is `nil` on FAIL; FINALHEX is `absent` for a GET on no key)
    fn replay(line: &str) -> (String, String) {
        let f: Vec<&str> = line.split(' ').collect();
        let want = f.last().copied().unwrap_or_default().to_string();
        let got = match f[0] {
            "bitcount" => {
                let r = match (opt(f[2]), opt(f[3])) {
                    (Some(a), Some(b)) => Some((a, b, unit(f[4]))),
                    _ => None,
                };
                bitcount(&unhex(f[1]), r).to_string()
            }
            "bitpos" => {
                bitpos(&unhex(f[1]), f[2] == "1", opt(f[3]), opt(f[4]), unit(f[5])).to_string()
            }
            "bitop" => {
                let op = match f[1] {
                    "and" => BitOp::And,
                    "or" => BitOp::Or,
                    "xor" => BitOp::Xor,
                    _ => BitOp::Not,
                };
                let srcs: Vec<Vec<u8>> = f[2].split(',').map(unhex).collect();
                let refs: Vec<&[u8]> = srcs.iter().map(Vec::as_slice).collect();
                hex(&bitop(op, &refs))
            }
            "setbit" => {
                let mut v = unhex(f[1]);
                match parse_bit_offset(f[2].as_bytes(), None, 512 << 20) {
                    Err(_) => "err".to_string(),
                    Ok(off) => {
                        let old = setbit(&mut v, off, f[3] == "1");
                        format!("{}:{}", u8::from(old), hex(&v))
                    }
                }
            }
            _ => {
                let absent = f[1] == "-";
                let mut v = if absent { Vec::new() } else { unhex(f[1]) };
                let ow = match f[6] {
                    "sat" => Overflow::Sat,
                    "fail" => Overflow::Fail,
                    _ => Overflow::Wrap,
                };
                let arg: i64 = f[5].parse().unwrap_or(0);
                let parsed = parse_bitfield_type(f[3].as_bytes()).and_then(|ty| {
                    parse_bit_offset(f[4].as_bytes(), Some(ty.bits), 512 << 20).map(|o| (ty, o))
                });
                match parsed {
                    Err(_) => "err".to_string(),
                    Ok((ty, off)) => {
                        let reply = match f[2] {
                            "get" => Some(bitfield_get(&v, ty, off)),
                            "set" => bitfield_set(&mut v, ty, off, arg, ow).map(|w| w.reply),
                            _ => bitfield_incrby(&mut v, ty, off, arg, ow).map(|w| w.reply),
                        };
                        let reply = reply.map_or("nil".to_string(), |x| x.to_string());
                        if absent && f[2] == "get" {
                            format!("{reply}:absent")
                        } else {
                            format!("{reply}:{}", hex(&v))
                        }
                    }
                }
            }
        };
        (got, want)
    }

    /// Recorded from redis-server 7.0.15 (BITCOUNT, BITPOS, BITOP, SETBIT,
    /// BITFIELD with OVERFLOW, then GET of the key); see [`replay`].
    #[test]
    fn recorded_against_redis() {
        const CASES: &[&str] = &[
            // BEGIN RECORDED
            "bitcount 0a -1 52 - 2",
            "bitcount 2900 - - - 3",
            "bitcount ff0f0f00 14 13 byte 0",
            "bitcount b2 13 3 bit 0",
            "bitcount fff0ffff 15 -1 bit 16",
            "bitcount d8d3 -8 -100 byte 0",
            "bitcount 00 -100 7 byte 0",
            "bitcount ff -9223372036854775808 -100 - 8",
            "bitcount 0f87ff800100 - - - 18",
            "bitcount 0f -2 -57 - 0",
            "bitcount 80 -9223372036854775808 58 bit 1",
            "bitcount 80804af0ff00 -16 7 bit 0",
            "bitcount 80 - - - 1",
            "bitcount ffc8000001ff -24 5 bit 0",
            "bitcount 0fff 52 -9 byte 0",
            "bitcount 2ed8000f80ff -57 39 byte 21",
            "bitcount ff340ff00025 -15 -5 byte 11",
            "bitcount  - - - 0",
            "bitcount f00fff0ffff0 17 -43 - 0",
            "bitcount f0f00f800100 - - - 14",
            "bitcount 3a010f -7 55 byte 9",
            "bitcount ff 35 -18 bit 0",
            "bitcount  7 0 - 0",
            "bitcount 0ff0800f - - - 13",
            "bitcount ff5df000 48 -9 bit 0",
            "bitcount f0809c -8 -7 - 4",
            "bitcount 44010f -31 1 bit 1",
            "bitcount  -9 -100 bit 0",
            "bitcount 01 -12 0 bit 0",
            "bitcount ff010180f0 49 38 byte 0",
            "bitcount 0f800a00 -100 -52 bit 0",
            "bitcount 803dff -56 7 byte 14",
            "bitcount ff0000000f01 17 -13 - 0",
            "bitcount 8080f080ff -12 -9 byte 1",
            "bitcount 00ad 13 18 - 0",
            "bitcount 0080e3 -20 -9 - 0",
            "bitcount f000808000 8 7 byte 0",
            "bitcount  29 1 - 0",
            "bitcount 0f800ff0 -3 9223372036854775807 bit 0",
            "bitcount 01000fcf 10 42 byte 0",
            "bitcount f0f0 -3 -10 bit 0",
            "bitcount  -100 -1 byte 0",
            "bitcount f08000 8 48 - 0",
            "bitcount 13 19 -11 bit 0",
            "bitcount 005901 10 -2 - 0",
            "bitcount 0f 44 -9 byte 0",
            "bitcount 000001f0 9223372036854775807 -30 byte 0",
            "bitcount 45000f 14 8 bit 0",
            "bitcount 00 8 -27 byte 0",
            "bitpos ff018001 0 -100 22 byte 8",
            "bitpos ff1a80f001 0 - - - 8",
            "bitpos 830000ff 1 - - - 0",
            "bitpos 805f01ff 0 -44 - - 1",
            "bitpos ff 1 -9 -8 bit 0",
            "bitpos 800f1580800f 1 - - - 0",
            "bitpos f0f0 0 -17 - - 4",
            "bitpos 80 0 0 12 - 1",
            "bitpos ce010f010001 1 -28 58 byte 0",
            "bitpos ff0fff8080 0 - - - 8",
            "bitpos ff8b 1 -11 -44 byte 0",
            "bitpos 01ff000f0192 1 - - - 7",
            "bitpos 00800f010fff 1 - - - 8",
            "bitpos ff80f0011091 1 -35 - - 0",
            "bitpos 80 1 -60 -100 bit 0",
            "bitpos 01000f00 1 -15 12 byte 7",
            "bitpos 00010f01ff0f 0 - - - 0",
            "bitpos 3e0f980080 0 -17 - - 0",
            "bitpos f00f 1 - - - 0",
            "bitpos 0fd3f00f0000 0 - - - 0",
            "bitpos 800f 1 -56 42 byte 0",
            "bitpos ff80 1 -3 - - 0",
            "bitpos 000101f0b5ff 1 - - - 15",
            "bitpos f00f80 1 - - - 0",
            "bitpos 80f0 0 - - - 1",
            "bitpos 0f 0 3 18 bit 3",
            "bitpos 8013ffc980 1 -11 - - 0",
            "bitpos 0f 1 - - - 4",
            "bitpos ffff80010080 1 9 -10 bit 9",
            "bitpos 00fffff00f01 0 - - - 0",
            "bitpos 8000 0 -14 - - 1",
            "bitpos ff00 0 0 - - 8",
            "bitpos 0f0180 1 -26 - - 4",
            "bitpos f00f 0 - - - 4",
            "bitpos 0ff00000 0 -53 -53 bit 0",
            "bitpos f0b201 0 -30 -6 bit 4",
            "bitpos 80f0e1 1 -16 -1 - 0",
            "bitpos ffe9fff0 1 -41 - - 0",
            "bitpos 010001f00101 1 -1 - - 47",
            "bitpos 0101ff 0 -12 - - 0",
            "bitpos 0f 0 - - - 0",
            "bitpos 87f080ff80 0 - - - 1",
            "bitpos 0fff80 0 - - - 0",
            "bitpos 00f001 0 -16 -20 byte 0",
            "bitpos 80 0 -9 17 byte 1",
            "bitpos 0080e4 0 -20 7 byte 0",
            "bitpos f0 1 -4 -17 - 0",
            "bitpos ff804f0100 0 -11 -3 - 9",
            "bitpos 806b8020 1 - - - 0",
            "bitpos ff008001 0 -9223372036854775808 - - 8",
            "bitpos 8080 1 42 3 bit -1",
            "bitpos 01010080 1 -2 -14 byte -1",
            "bitpos 80 0 13 -100 bit -1",
            "bitpos 80d101ffab00 0 7 5 byte -1",
            "bitpos ff 0 -9223372036854775808 -100 byte -1",
            "bitpos 0f00ff8080 0 7 8 - -1",
            "bitpos fff00f00 1 10 -8 - -1",
            "bitpos 0101cf2345 0 20 -11 - -1",
            "bitpos 82ff00ff0f 0 100 - - -1",
            "bitpos 8b01ff 1 9223372036854775807 -9223372036854775808 - -1",
            "bitpos 80ff 1 14 - - -1",
            "bitpos 80ff 0 9223372036854775807 - - -1",
            "bitpos  1 100 51 byte -1",
            "bitpos ff 1 31 27 bit -1",
            "bitpos 1301 1 8 - - -1",
            "bitpos 8d80300f 1 7 -44 bit -1",
            "bitpos 800f00 0 10 -9 byte -1",
            "bitpos 80008080 0 4 - - -1",
            "bitpos bb0fff0f0f80 0 6 - - -1",
            "bitpos ff 0 20 - - -1",
            "bitpos f000 1 35 - - -1",
            "bitpos 80f0926f 1 9223372036854775807 8 bit -1",
            "bitpos  0 - - - -1",
            "bitpos e68000 1 7 - - -1",
            "bitpos ff3a980f0f 0 21 -8 - -1",
            "bitop xor 0f4cf0ff80000f0f0f80008072ffff00f0f00f0f00f0ff,01ff0001 0eb3f0fe80000f0f0f80008072ffff00f0f00f0f00f0ff",
            "bitop and ,010fdd,ff00 000000",
            "bitop or cfe601 cfe601",
            "bitop or 0f8080ff0000,f0fff0fffff094ffcf fffff0fffff094ffcf",
            "bitop xor ff0000f0f0,,80000f005fffbf9bffff010f,01841501f0 7e841af15fffbf9bffff010f",
            "bitop xor 008000010f,f04f01f00101fff0010080fff0f00080 f0cf01f10e01fff0010080fff0f00080",
            "bitop and 7b, 00",
            "bitop and , ",
            "bitop xor 01f0ff0f,00010001ff8900ff00f0f0 01f1ff0eff8900ff00f0f0",
            "bitop xor 00,0f00e8,f0,80ff 7fffe8",
            "bitop xor  ",
            "bitop not 800f1b0f0fff80800f700f800171dbff69000fff00ff6a000180f0 7ff0e4f0f0007f7ff08ff07ffe8e240096fff000ff0095fffe7f0f",
            "bitop or 808000f0 808000f0",
            "bitop and 0f,8001aef00f80,9e0f0df0, 000000000000",
            "bitop and 0f0000,0f00f001f0 0f00000000",
            "bitop and 0f0180ff8079018ef0fff00f804f,,01fdff1701 0000000000000000000000000000",
            "bitop or f0f9000ff0,0ff0000f80 fff9000ff0",
            "bitop or , ",
            "bitop not  ",
            "bitop not 00cc0100 ff33feff",
            "bitop not ff7c 0083",
            "bitop not 3c01f00080 c3fe0fff7f",
            "bitop or 0fff,0001f0010f3001ffff00,f0ff01f0,0f01 fffff1f10f3001ffff00",
            "bitop not ff01f0 00fe0f",
            "bitop or 0180,00,000f6d 018f6d",
            "bitop xor 0100,,80f00fffffff00f001010000f00f 81f00fffffff00f001010000f00f",
            "bitop or f00001a07704, f00001a07704",
            "setbit 801400 3 0 0:801400",
            "setbit 01f0 -5 0 err",
            "setbit 00f0 x 1 err",
            "setbit e1800f 01 1 err",
            "setbit 00 33 1 0:0000000040",
            "setbit 00 31 1 0:00000001",
            "setbit a0f0 x 1 err",
            "setbit 0f80 -4 0 err",
            "setbit 0000b3 #1 0 err",
            "setbit ff000033 x 1 err",
            "setbit 80ff80 -0 1 err",
            "setbit 0fff #1 1 err",
            "setbit f0f0 4294967296 1 err",
            "setbit  x 0 err",
            "setbit 00 5 0 0:00",
            "setbit 00 #1 1 err",
            "setbit f0 -0 1 err",
            "setbit f03800ff -0 0 err",
            "setbit 0f80 #1 0 err",
            "setbit 000101 +1 1 err",
            "bf f0550ff0 incrby x8 3 9223372036854775807 sat err",
            "bf 0fff80f08016800162 incrby u15 #9223372036854775807 -4611686018427387905 wrap err",
            "bf - set i-8 0 255 fail err",
            "bf 00ff00f08001ff0f incrby i44 #9223372036854775807 -128 fail err",
            "bf 6fff00000180 incrby x8 69 -4611686018427387905 wrap err",
            "bf ff010f80ff incrby i+8 65 58 wrap err",
            "bf ff010f00 incrby i-8 #0 128 fail err",
            "bf f00001ff80ff set x8 19 309500157448329868 fail err",
            "bf - set i-8 51 5964102161687236654 sat err",
            "bf  incrby i22 #9223372036854775807 -261 sat err",
            "bf  set I8 1 7203775684492415860 fail err",
            "bf f001f00f set u37 4294967296 -129 fail err",
            "bf d2 incrby u0 32 255 fail err",
            "bf f0f00fae80000087 set u62 01 8 sat err",
            "bf 09f00f8801f00000ff incrby i+8 2 -38 sat err",
            "bf  set u26 2 -9223372036854775808 fail nil:00000000",
            "bf 80b10f set u5 5 222 fail nil:80b10f",
            "bf 808000f0 set i62 #5 -8158638287866699169 fail nil:808000f000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
            "bf - incrby i36 0 9223372036854775807 fail nil:0000000000",
            "bf f000 set u3 8 -196 fail nil:f000",
            "bf 80ff840f incrby u23 30 -9223372036854775808 fail nil:80ff840f000000",
            "bf ff set u48 #3 -1 fail nil:ff0000000000000000000000000000000000000000000000",
            "bf ff set i44 #4 -1941454181336779065 fail nil:ff000000000000000000000000000000000000000000000000000000",
            "bf - set i12 3 8239243540216180103 fail nil:0000",
            "bf 0000000ff0d8 set u2 80 4611686018427387904 fail nil:0000000ff0d80000000000",
            "bf 0f00f04df0ff incrby i22 5 -263784296097667079 fail nil:0f00f04df0ff",
            "bf 80f011da0f0080 set i36 5 8842168335215591136 fail nil:80f011da0f0080",
            "bf fffff0000000 set i45 3 -4611686018427387905 fail nil:fffff0000000",
            "bf 80deffff0100 incrby u40 #6 -158 fail nil:80deffff01000000000000000000000000000000000000000000000000000000000000",
            "bf 01fff0010100010fff incrby i4 #4 210 fail nil:01fff0010100010fff",
            "bf - set u18 #2 -121 fail nil:00000000000000",
            "bf ff0000015980fff0c1 incrby i21 59 3796220472620301251 fail nil:ff0000015980fff0c100",
            "bf 800f0f090f01808000 set u50 4 -6514795993106739446 fail nil:800f0f090f01808000",
            "bf 000fff0f00 set i9 #2 -9223372036854775808 fail nil:000fff0f00",
            "bf 000f80f0f00ff0 set u34 0 -9154769608877699962 fail nil:000f80f0f00ff0",
            "bf ff80fff080ff set i12 1 7032679325655662568 fail nil:ff80fff080ff",
            "bf 9200 set i49 2 -4611686018427387905 fail nil:92000000000000",
            "bf ff00000f0f incrby u13 1 8916426965549217889 fail nil:ff00000f0f",
            "bf ff01f000ff00f0ffff incrby u29 #6 -1 fail nil:ff01f000ff00f0ffff0000000000000000000000000000000000",
            "bf 017501018000 set i18 2 5939551304104383127 fail nil:017501018000",
            "bf - get u49 #2 -9223372036854775808 fail 0:absent",
            "bf 0f01ff incrby i47 #6 -8415140205663175786 sat -70368744177664:0f01ff000000000000000000000000000000000000000000000000000000000000000020000000000000",
            "bf 9e8080010001010ff0 get u17 #3 -4611686018427387905 sat 4351:9e8080010001010ff0",
            "bf 014b94ff set u49 #1 147 sat 0:014b94ff0000000000000024c0",
            "bf 80f00180ff340f4900 get u48 #0 -75 sat 141768305737524:80f00180ff340f4900",
            "bf - get i32 #4 127 sat 0:absent",
            "bf 0f80f00f82 get i23 #4 256 wrap 0:0f80f00f82",
            "bf 87f0ffff00f000ff set u30 #4 -1 fail nil:87f0ffff00f000ff0000000000000000000000",
            "bf fff080 set u52 #5 2036039304969465254 wrap 0:fff08000000000000000000000000000000000000000000000000000000000000176f5e1702da6",
            "bf 800f0101f00101 incrby i21 #4 0 fail 0:800f0101f0010100000000000000",
            "bf f0ff010fc3 set i53 #1 -177 wrap 0:f0ff010fc30007ffffffffffd3c0",
            "bf - set u58 #1 0 sat 0:000000000000000000000000000000",
            "bf 00af00f0 get u40 #2 4611686018427387904 wrap 0:00af00f0",
            "bf 0f incrby u12 #1 128 fail 128:0f0080",
            "bf 8001800101 get u11 #0 255 fail 1024:8001800101",
            "bf 0100ff37 get i64 50 3610268341275903809 fail 0:0100ff37",
            "bf 80ff0080010f0101 get i64 68 128 sat 0:80ff0080010f0101",
            "bf ff800101d201ff01 incrby u63 #3 128 wrap 128:ff800101d201ff01000000000000000000000000000000000000000000000800",
            "bf 01 set u63 42 -6703357847520414598 fail nil:0100000000000000000000000000",
            "bf 0fff06ff0f01 set i64 20 771430878479731706 sat 8066210884130701312:0fff00ab4ac4bf88d4bfa0",
            "bf 17010028010079f00101 incrby i64 #4 6459223997143752020 fail 6459223997143752020:17010028010079f001010000000000000000000000000000000000000000000059a3c600c26e9d54",
            "bf - incrby i64 4 -158 wrap -158:0ffffffffffffff620",
            "bf ff0f0ff080ff2a01ff01 get i64 87 1637921703073031937 wrap 0:ff0f0ff080ff2a01ff01",
            "bf 01f08e800f008000f001 incrby i64 28 -8 fail 67562790755241976:01f08e800f008000f000ff80",
            "bf - set u63 28 1 fail 0:000000000000000000000020",
            "bf  set i64 3 4611686018427387904 fail 0:080000000000000000",
            "bf 00 incrby u63 #6 274 fail 274:0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000008900",
            "bf 01950f010f0f get u63 5 3191421709776620821 fail 1824221804637454336:01950f010f0f",
            "bf - incrby i64 45 1694288275237588057 fail 1694288275237588057:000000000000bc1a91ad452a62c8",
            "bf ff01000f800fffff80 get u63 3 -128 wrap 8936267826902073342:ff01000f800fffff80",
            "bf - get i64 #5 1707632915415532406 sat 0:absent",
            "bf 008da20f0f0f0000 incrby u63 3 127 fail 159464629108211839:008da20f0f0f001fc0",
            "bf 800f68ff0fffff018027 set u63 #0 243186624978200158 wrap 4613854803099910016:06bff1e4d7e74cbd8027",
            "bf  incrby i64 9 256 wrap 256:00000000000000008000",
            "bf - get i64 4 7631418151505242535 wrap 0:absent",
            "bf ff800ff0fff00f get i25 3 -1 sat -524033:ff800ff0fff00f",
            "bf f00180803201 incrby i53 16 8382594839152508732 sat 4503599627370495:f0017ffffffffffff8",
            "bf 0100ff01f0ff set i2 #5 -9223372036854775808 sat 0:0110ff01f0ff",
            "bf 0fff80ffce01010101 get u21 4 255 sat 2096897:0fff80ffce01010101",
            "bf bf0f get i7 2 221 sat -2:bf0f",
            "bf f0f0 set u20 #1 127 sat 0:f0f000007f",
            "bf 800f8000 set i25 66 102 sat 0:800f80000000000000000cc0",
            "bf 23fff0ff set i3 67 -4611686018427387905 sat 0:23fff0ff0000000010",
            "bf f0f0f0 incrby u17 8 8879844532173132410 sat 131071:f0ffff80",
            "bf 0ff00101f01feff0fff0 get i7 25 -129 sat 1:0ff00101f01feff0fff0",
            "bf 0fabff00bfff80 incrby i45 90 -4317576745985803895 sat -17592186044416:0fabff00bfff8000000000200000000000",
            "bf f00f80ff808d8080 incrby u23 3 127 sat 4210306:f00fa0bf808d8080",
            "bf - set u3 #3 8973275640993909028 sat 0:0070",
            "bf f06880010f get i22 0 -5307043500280579763 sat -255456:f06880010f",
            "bf  get i14 44 -59 sat 0:",
            "bf ba80 incrby u19 75 -275 sat 0:ba8000000000000000000000",
            "bf f0d5 set i55 7 1897197831344968044 sat 14988542509842432:f0fffffffffffffc",
            "bf  get i20 5 -189 sat 0:",
            "bf - set i59 #4 9223372036854775807 sat 0:000000000000000000000000000000000000000000000000000000000007fffffffffffffe",
            "bf  get i41 20 -4611686018427387905 sat 0:",
            "bf  incrby u37 #2 154 sat 154:0000000000000000000000000134",
            "bf 8c950f00ff incrby i56 83 127 sat 127:8c950f00ff00000000000000000000000fe0",
            "bf  get i28 28 127 sat 0:",
            "bf 000f0fff13 incrby i50 64 -1758264530335106500 sat -562949953421312:000f0fff1300000080000000000000",
            "bf 0f80d700 incrby u42 3 -81 sat 2130754666415:0f80d6fffd78",
            "bf 01ff0800 incrby i5 3 2199116367712349387 sat 15:0fff0800",
            "bf - incrby i54 #4 127 sat 127:000000000000000000000000000000000000000000000000000000000000000001fc",
            "bf adff808000e9 set u53 51 5220155367285572643 sat 0:adff808000e91fffffffffffff",
            "bf 800f incrby u26 17 -129 sat 0:800f00000000",
            "bf  get i10 2 0 sat 0:",
            "bf 00012a80fff000 incrby i13 9 -128 wrap -54:007f2a80fff000",
            "bf 80ff get u49 3 -1 wrap 17523466567680:80ff",
            "bf 0f80e9ff0121 set u6 #4 4578637723255601567 wrap 63:0f80e97f0121",
            "bf 0080018001c9 set i52 0 1 wrap 8796495682704:00000000000010",
            "bf  get u35 #2 4611686018427387904 wrap 0:",
            "bf fff0eaf000960f000f get u18 4 6863126651997841576 wrap 261178:fff0eaf000960f000f",
            "bf 01 get u15 4 199 wrap 2048:01",
            "bf 0f000100010f600e00 get u40 5 -129 wrap 962074771489:0f000100010f600e00",
            "bf 0f0f198b00f080ff0100 set i49 1 209 wrap 66230109864898:00000000003440ff0100",
            "bf - incrby i7 40 128 wrap 0:000000000000",
            "bf ff00ffffff set u5 11 103 wrap 0:ff07ffffff",
            "bf 0000010ff080 get i12 #3 127 wrap 128:0000010ff080",
            "bf 0000ff0080 incrby i31 #4 0 wrap 0:0000ff0080000000000000000000000000000000",
            "bf f0ff00ff get i9 39 4179314807562914499 wrap 0:f0ff00ff",
            "bf f001f08000f0ff80f2be get i30 90 886601236774176526 wrap 0:f001f08000f0ff80f2be",
            "bf 01ff get u34 56 -4641266931165663806 wrap 0:01ff",
            "bf f000f000f300 set i14 7 181 wrap 30:f005a800f300",
            "bf ff8080f0f00f800f get i56 7 -1 wrap -17943512355454969:ff8080f0f00f800f",
            "bf 0f00 incrby i63 68 -302036823149433514 wrap -302036823149433514:0f000000000000000f79de6381e2e5aac0",
            "bf 000f003c21 get i9 1 4611686018427387904 wrap 0:000f003c21",
            "bf f0ff0f get i59 14 -7469093349065497217 wrap -135670938774536192:f0ff0f",
            "bf 0ffff0008080014b00 get i2 6 -852325697802571471 wrap -1:0ffff0008080014b00",
            "bf 2d3cff8080f08d608001 get u23 #5 -288 wrap 0:2d3cff8080f08d608001",
            "bf f0ffffff0f8000 set i32 50 -2169619587144580759 wrap 0:f0ffffff0f8002a1205a40",
            "bf ffff0100ff01f00f90 get u57 2 127 wrap 144106426476269440:ffff0100ff01f00f90",
            "bf 14f0000f9b0fad00f080 set i45 2 2528641334919313893 wrap 11510512864647:13cb287873cbad00f080",
            "bf f00100010080ff80ff00 get u23 36 0 wrap 264188:f00100010080ff80ff00",
            "bf 010fff80f00f00 set u47 2 1 wrap 2336445554718:00000000000080",
            "bf 010180ae incrby i32 24 1 wrap -1375731711:010180ae000001",
            "bf f000f780ff01 incrby i20 26 -137 wrap 16183:f000f780fcdd",
            // END RECORDED
        ];
        for line in CASES {
            let (got, want) = replay(line);
            assert_eq!(got, want, "{line}");
        }
    }

    #[test]
    fn large_strings() {
        let mut s = vec![0xffu8; 1 << 20];
        assert_eq!(bitpos(&s, false, None, None, BitUnit::Byte), 8 << 20);
        assert_eq!(bitpos(&s, true, Some(5), None, BitUnit::Bit), 5);
        assert_eq!(bitcount(&s, Some((3, -3, BitUnit::Bit))), (8 << 20) - 5);
        s[777_777] = 0xfe;
        assert_eq!(
            bitpos(&s, false, Some(9), None, BitUnit::Byte),
            777_777 * 8 + 7
        );
        let z = vec![0u8; 1 << 20];
        assert_eq!(bitpos(&z, true, None, None, BitUnit::Byte), -1);
        assert_eq!(
            bitpos(&z, false, Some(-1), None, BitUnit::Byte),
            ((1 << 20) - 1) * 8
        );
    }

    /// The SAT quirk: a SET far below the minimum is seen as an upward
    /// overflow. Recorded from redis-server 7.0.15.
    #[test]
    fn sat_set_quirk() {
        let mut v = Vec::new();
        let sat = |v: &mut Vec<u8>, x: i64| {
            bitfield_set(v, I8, 0, x, Overflow::Sat);
            bitfield_get(v, I8, 0)
        };
        assert_eq!(sat(&mut v, i64::MIN), 127);
        assert_eq!(sat(&mut v, -9223372036854775680), -128);
        assert_eq!(sat(&mut v, -9223372036854775681), 127);
        assert_eq!(sat(&mut v, -200), -128);
        assert_eq!(sat(&mut v, 200), 127);
    }

    fn arb_range() -> impl Strategy<Value = i64> {
        prop_oneof![-40i64..40, any::<i64>()]
    }

    proptest! {
        #[test]
        fn bitcount_matches_naive(s in proptest::collection::vec(any::<u8>(), 0..12),
                                  a in arb_range(), b in arb_range(), bit_unit in any::<bool>()) {
            let unit = if bit_unit { BitUnit::Bit } else { BitUnit::Byte };
            let got = bitcount(&s, Some((a, b, unit)));
            let bits = naive_bits(&s);
            let want = if bitcount_early_zero(a, b) {
                0
            } else {
                let total = if bit_unit { bits.len() as i64 } else { s.len() as i64 };
                let (x, y) = resolve(a, b, total);
                if x > y { 0 } else {
                    let (lo, hi) = if bit_unit { (x, y) } else { (x * 8, y * 8 + 7) };
                    bits[lo as usize..=hi as usize].iter().filter(|&&b| b).count() as i64
                }
            };
            prop_assert_eq!(got, want);
        }

        #[test]
        fn bitpos_matches_naive(s in proptest::collection::vec(prop_oneof![Just(0u8), Just(0xffu8), any::<u8>()], 0..12),
                                bit in any::<bool>(), a in proptest::option::of(arb_range()),
                                b in proptest::option::of(arb_range()), bit_unit in any::<bool>()) {
            let unit = if bit_unit { BitUnit::Bit } else { BitUnit::Byte };
            let got = bitpos(&s, bit, a, b, unit);
            let bits = naive_bits(&s);
            let total = if bit_unit { bits.len() as i64 } else { s.len() as i64 };
            let (x, y) = resolve(a.unwrap_or(0), b.unwrap_or(total - 1), total);
            let want = if x > y { -1 } else {
                let (lo, hi) = if bit_unit { (x, y) } else { (x * 8, y * 8 + 7) };
                match (lo..=hi).find(|&i| bits[i as usize] == bit) {
                    Some(p) => p,
                    None if bit || b.is_some() => -1,
                    None => hi + 1,
                }
            };
            prop_assert_eq!(got, want);
        }

        #[test]
        fn bitfield_roundtrip(signed in any::<bool>(), bits in 1u32..=64, off in 0u64..40, val in any::<i64>()) {
            prop_assume!(signed || bits < 64);
            let ty = BitfieldType { signed, bits };
            let mut v = Vec::new();
            let w = bitfield_set(&mut v, ty, off, val, Overflow::Wrap);
            prop_assert!(w.is_some());
            let got = bitfield_get(&v, ty, off);
            let want = if signed {
                if bits == 64 { val } else { (val << (64 - bits)) >> (64 - bits) }
            } else {
                ((val as u64) & ((1u64 << bits) - 1)) as i64
            };
            prop_assert_eq!(got, want);
            prop_assert_eq!(v.len() as u64, bitfield_write_len(ty, off).unwrap_or(0));
        }

        #[test]
        fn bitfield_never_panics(signed in any::<bool>(), bits in 1u32..=64, off in 0u64..80,
                                 val in any::<i64>(), seed in proptest::collection::vec(any::<u8>(), 0..12),
                                 ow in prop_oneof![Just(Overflow::Wrap), Just(Overflow::Sat), Just(Overflow::Fail)]) {
            let ty = BitfieldType { signed, bits };
            let mut v = seed.clone();
            let _ = bitfield_get(&v, ty, off);
            let _ = bitfield_set(&mut v, ty, off, val, ow);
            let _ = bitfield_incrby(&mut v, ty, off, val, ow);
        }

        #[test]
        fn sat_incr_stays_in_range(signed in any::<bool>(), bits in 1u32..=63, old in any::<i64>(), incr in any::<i64>()) {
            let ty = BitfieldType { signed, bits };
            let mut v = Vec::new();
            let _ = bitfield_set(&mut v, ty, 0, old, Overflow::Wrap);
            let start = bitfield_get(&v, ty, 0) as i128;
            let w = bitfield_incrby(&mut v, ty, 0, incr, Overflow::Sat);
            let (lo, hi) = if signed {
                (-(1i128 << (bits - 1)), (1i128 << (bits - 1)) - 1)
            } else {
                (0, (1i128 << bits) - 1)
            };
            let want = (start + incr as i128).clamp(lo, hi) as i64;
            prop_assert_eq!(w.map(|w| w.reply), Some(want));
        }
    }
}
