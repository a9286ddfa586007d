//! Number parsing and formatting with Redis 7.0's exact acceptance rules and
//! output bytes: strict integers (`string2ll`), strict and lenient doubles
//! (`string2d` and the bare `strtod` used for score ranges), `%.17g` double
//! text, and the `long double` arithmetic behind INCRBYFLOAT / HINCRBYFLOAT.
//! It knows nothing about commands, replies or error strings: callers map the
//! `None`s and error variants to whatever message the command must send.
//!
//! The float routines call into `csrc/ldouble.c` because the reference
//! behaviour is defined by the C library (`strtold`, `strtod`, `printf`) and by
//! the 80-bit `long double` type, neither of which Rust has.

use std::os::raw::{c_char, c_int};

/// Longest text Redis accepts as a `long double` (exclusive), and the size of
/// its formatting buffer.
pub const MAX_LONG_DOUBLE_CHARS: usize = 5 * 1024;

/// Longest text accepted as a 64-bit integer is 20 bytes (`LONG_STR_SIZE` - 1).
const LONG_STR_SIZE: usize = 21;

const LD_OK: c_int = 0;
const LD_CUR_NOT_FLOAT: c_int = 1;
const LD_INCR_NOT_FLOAT: c_int = 2;

extern "C" {
    fn zedis_ld_incr(
        cur: *const c_char,
        curlen: usize,
        incr: *const c_char,
        incrlen: usize,
        out: *mut c_char,
        outcap: usize,
        outlen: *mut usize,
    ) -> c_int;
    fn zedis_ld_classify(s: *const c_char, len: usize) -> c_int;
    fn zedis_string2d(s: *const c_char, len: usize, out: *mut f64) -> c_int;
    fn zedis_strtod_lenient(s: *const c_char, len: usize, out: *mut f64) -> c_int;
    fn zedis_fmt_g17(v: f64, out: *mut c_char, cap: usize) -> usize;
}

/// Why an INCRBYFLOAT-style increment could not be applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum IncrFloatError {
    /// The stored (current) value is not a valid float.
    #[error("current value is not a valid float")]
    NotFloat,
    /// The increment argument is not a valid float.
    #[error("increment is not a valid float")]
    IncrNotFloat,
    /// The sum is NaN or infinite.
    #[error("increment would produce NaN or Infinity")]
    NanOrInf,
}

/// What a `long double` argument looks like under `string2ld` rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FloatArg {
    /// Rejected (empty, spaces, junk, NaN, overflow, too long...).
    Invalid,
    /// A finite number.
    Finite,
    /// `inf`, `-inf`, `infinity`... (HINCRBYFLOAT refuses these up front).
    Infinite,
}

/// Parses like `string2ll`: optional `-`, no `+`, no spaces, no leading
/// zeros (so `-0` and `007` are rejected), at most 20 bytes, no overflow.
pub fn parse_i64(s: &[u8]) -> Option<i64> {
    let (neg, digits) = match s.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, s),
    };
    if s.len() >= LONG_STR_SIZE {
        return None;
    }
    if !neg && digits == b"0" {
        return Some(0);
    }
    let mag = parse_digits(digits)?;
    if neg {
        // |i64::MIN| is one more than i64::MAX.
        if mag > i64::MAX as u64 + 1 {
            return None;
        }
        Some((mag as i64).wrapping_neg())
    } else {
        i64::try_from(mag).ok()
    }
}

/// Unsigned counterpart of [`parse_i64`]: same grammar without the sign, the
/// full `u64` range, at most 20 bytes.
pub fn parse_u64(s: &[u8]) -> Option<u64> {
    if s.len() >= LONG_STR_SIZE {
        return None;
    }
    if s == b"0" {
        return Some(0);
    }
    parse_digits(s)
}

/// A non-empty run of decimal digits not starting with `0`, with overflow
/// checking.
fn parse_digits(d: &[u8]) -> Option<u64> {
    let (&first, rest) = d.split_first()?;
    if !(b'1'..=b'9').contains(&first) {
        return None;
    }
    let mut v = u64::from(first - b'0');
    for &c in rest {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v.checked_mul(10)?.checked_add(u64::from(c - b'0'))?;
    }
    Some(v)
}

const DIGIT_PAIRS: &[u8; 200] = b"0001020304050607080910111213141516171819\
2021222324252627282930313233343536373839\
4041424344454647484950515253545556575859\
6061626364656667686970717273747576777879\
8081828384858687888990919293949596979899";

/// Appends the decimal text of `v` to `out`.
pub fn fmt_u64(mut v: u64, out: &mut Vec<u8>) {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    while v >= 100 {
        let pair = (v % 100) as usize * 2;
        v /= 100;
        i -= 2;
        buf[i..i + 2].copy_from_slice(&DIGIT_PAIRS[pair..pair + 2]);
    }
    if v >= 10 {
        let pair = v as usize * 2;
        i -= 2;
        buf[i..i + 2].copy_from_slice(&DIGIT_PAIRS[pair..pair + 2]);
    } else {
        i -= 1;
        buf[i] = b'0' + v as u8;
    }
    out.extend_from_slice(&buf[i..]);
}

/// Appends the decimal text of `v` to `out` (what `ll2string` produces).
pub fn fmt_i64(v: i64, out: &mut Vec<u8>) {
    if v < 0 {
        out.push(b'-');
    }
    fmt_u64(v.unsigned_abs(), out);
}

/// Parses a float argument like `string2d` (ZADD scores, ZINCRBY, GEO...):
/// the whole input must be one `strtod` number (decimal, exponent, hex float,
/// `inf`/`infinity` with optional sign, any case); rejects the empty string,
/// leading whitespace, trailing bytes, NaN, overflow and underflow to zero.
pub fn parse_f64_strict(s: &[u8]) -> Option<f64> {
    let mut v = 0.0f64;
    // SAFETY: pointer/length describe a live slice; `v` outlives the call.
    let ok = unsafe { zedis_string2d(s.as_ptr().cast(), s.len(), &mut v) };
    (ok == 1).then_some(v)
}

/// Parses a float like the bare `strtod` calls of ZRANGEBYSCORE-style score
/// bounds (the caller strips a leading `(` first): leading whitespace is
/// skipped, overflow yields ±inf, the empty string is 0, and parsing stops at
/// the first NUL byte (C string semantics); trailing junk before it and NaN
/// are rejected.
pub fn parse_f64_lenient(s: &[u8]) -> Option<f64> {
    let mut v = 0.0f64;
    // SAFETY: pointer/length describe a live slice; `v` outlives the call.
    let ok = unsafe { zedis_strtod_lenient(s.as_ptr().cast(), s.len(), &mut v) };
    (ok == 1).then_some(v)
}

/// Appends `v` as `printf("%.17g")` prints it (the reference's double reply
/// text), except that infinities are written `inf` / `-inf` as the server
/// does regardless of libc.
pub fn fmt_f64_g17(v: f64, out: &mut Vec<u8>) {
    if v.is_infinite() {
        out.extend_from_slice(if v > 0.0 { b"inf" } else { b"-inf" });
        return;
    }
    let mut buf = [0u8; 40];
    // SAFETY: the buffer is writable for `buf.len()` bytes and the C side
    // never writes more than `cap` bytes.
    let n = unsafe { zedis_fmt_g17(v, buf.as_mut_ptr().cast(), buf.len()) };
    out.extend_from_slice(buf.get(..n).unwrap_or_default());
}

/// Classifies a `long double` argument under `string2ld` rules (what
/// INCRBYFLOAT and HINCRBYFLOAT accept).
pub fn classify_float_arg(s: &[u8]) -> FloatArg {
    // SAFETY: pointer/length describe a live slice.
    match unsafe { zedis_ld_classify(s.as_ptr().cast(), s.len()) } {
        1 => FloatArg::Finite,
        2 => FloatArg::Infinite,
        _ => FloatArg::Invalid,
    }
}

/// True when `s` is accepted by `string2ld` (infinities included).
pub fn is_valid_float_arg(s: &[u8]) -> bool {
    classify_float_arg(s) != FloatArg::Invalid
}

/// INCRBYFLOAT / HINCRBYFLOAT arithmetic: parses `current` (`None` = absent
/// = 0) and `incr` as C `long double` under `string2ld` rules, adds them, and
/// returns the human-friendly text Redis stores and replies with (`%.17Lf`,
/// trailing zeros and dot trimmed, `-0` shown as `0`). The current value is
/// checked before the increment, as INCRBYFLOAT does (both map to "value is
/// not a valid float" there). HINCRBYFLOAT instead checks the increment
/// first, before even the key type: run [`classify_float_arg`] on it
/// (`Invalid` -> "value is not a valid float", `Infinite` -> "value is NaN or
/// Infinity"), then call this, where `NotFloat` means "hash value is not a
/// float". `NanOrInf` is "increment would produce NaN or Infinity" for both.
pub fn incr_by_float(current: Option<&[u8]>, incr: &[u8]) -> Result<Vec<u8>, IncrFloatError> {
    // Same capacity as the reference buffer, so "no room" behaves alike.
    let mut out = [0u8; MAX_LONG_DOUBLE_CHARS];
    let mut len = 0usize;
    let (cur_ptr, cur_len) = match current {
        Some(c) => (c.as_ptr().cast::<c_char>(), c.len()),
        None => (std::ptr::null(), 0),
    };
    // SAFETY: input pointers/lengths describe live slices (or NULL for an
    // absent value, which the C side checks); `out` is writable for its full
    // length and the C side writes at most `outcap` bytes.
    let rc = unsafe {
        zedis_ld_incr(
            cur_ptr,
            cur_len,
            incr.as_ptr().cast(),
            incr.len(),
            out.as_mut_ptr().cast(),
            out.len(),
            &mut len,
        )
    };
    match rc {
        LD_OK => Ok(out.get(..len).unwrap_or_default().to_vec()),
        LD_CUR_NOT_FLOAT => Err(IncrFloatError::NotFloat),
        LD_INCR_NOT_FLOAT => Err(IncrFloatError::IncrNotFloat),
        _ => Err(IncrFloatError::NanOrInf),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn inc(cur: Option<&str>, incr: &str) -> Result<String, IncrFloatError> {
        incr_by_float(cur.map(str::as_bytes), incr.as_bytes())
            .map(|v| String::from_utf8(v).unwrap_or_default())
    }

    #[test]
    fn parse_i64_rules() {
        assert_eq!(parse_i64(b"0"), Some(0));
        assert_eq!(parse_i64(b"1"), Some(1));
        assert_eq!(parse_i64(b"-1"), Some(-1));
        assert_eq!(parse_i64(b"9223372036854775807"), Some(i64::MAX));
        assert_eq!(parse_i64(b"-9223372036854775808"), Some(i64::MIN));
        assert_eq!(parse_i64(b"9223372036854775808"), None);
        assert_eq!(parse_i64(b"-9223372036854775809"), None);
        assert_eq!(parse_i64(b"18446744073709551616"), None);
        assert_eq!(parse_i64(b"99999999999999999999"), None);
        for bad in [
            &b""[..],
            b"-",
            b"-0",
            b"00",
            b"01",
            b"+1",
            b" 1",
            b"1 ",
            b"1a",
            b"0x10",
            b"1.0",
            b"1e3",
            b"--1",
            b"1\0",
            b"000000000000000000001",
        ] {
            assert_eq!(parse_i64(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn parse_u64_rules() {
        assert_eq!(parse_u64(b"0"), Some(0));
        assert_eq!(parse_u64(b"18446744073709551615"), Some(u64::MAX));
        assert_eq!(parse_u64(b"18446744073709551616"), None);
        assert_eq!(parse_u64(b"-1"), None);
        assert_eq!(parse_u64(b"01"), None);
        assert_eq!(parse_u64(b""), None);
    }

    #[test]
    fn fmt_ints() {
        for v in [
            0i64,
            1,
            -1,
            9,
            10,
            99,
            100,
            12345,
            -12345,
            i64::MAX,
            i64::MIN,
        ] {
            let mut out = Vec::new();
            fmt_i64(v, &mut out);
            assert_eq!(out, v.to_string().as_bytes());
        }
        let mut out = b"x".to_vec();
        fmt_u64(u64::MAX, &mut out);
        assert_eq!(out, b"x18446744073709551615");
    }

    #[test]
    fn strict_f64() {
        assert_eq!(parse_f64_strict(b"1.5"), Some(1.5));
        assert_eq!(parse_f64_strict(b"1e5"), Some(1e5));
        assert_eq!(parse_f64_strict(b"+1"), Some(1.0));
        assert_eq!(parse_f64_strict(b".5"), Some(0.5));
        assert_eq!(parse_f64_strict(b"5."), Some(5.0));
        assert_eq!(parse_f64_strict(b"0x10"), Some(16.0));
        assert_eq!(parse_f64_strict(b"inf"), Some(f64::INFINITY));
        assert_eq!(parse_f64_strict(b"+inf"), Some(f64::INFINITY));
        assert_eq!(parse_f64_strict(b"-inf"), Some(f64::NEG_INFINITY));
        assert_eq!(parse_f64_strict(b"-Infinity"), Some(f64::NEG_INFINITY));
        assert_eq!(parse_f64_strict(b"0e-400"), Some(0.0));
        assert!(parse_f64_strict(b"4e-320").is_some_and(|v| v > 0.0));
        for bad in [
            &b""[..],
            b" 1",
            b"1 ",
            b"\t1",
            b"abc",
            b"nan",
            b"-nan",
            b"1e400",
            b"-1e400",
            b"1e-400",
            b"1\0",
            b"1e",
            b"infinit",
        ] {
            assert_eq!(parse_f64_strict(bad), None, "{bad:?}");
        }
        let long = format!("1{}", "0".repeat(300));
        assert_eq!(parse_f64_strict(long.as_bytes()), Some(1e300));
    }

    #[test]
    fn lenient_f64() {
        assert_eq!(parse_f64_lenient(b""), Some(0.0));
        assert_eq!(parse_f64_lenient(b" 1.5"), Some(1.5));
        assert_eq!(parse_f64_lenient(b"1e400"), Some(f64::INFINITY));
        assert_eq!(parse_f64_lenient(b"2\0junk"), Some(2.0));
        assert_eq!(parse_f64_lenient(b"1 "), None);
        assert_eq!(parse_f64_lenient(b"nan"), None);
        assert_eq!(parse_f64_lenient(b"x"), None);
    }

    #[test]
    fn g17() {
        let f = |v: f64| {
            let mut o = Vec::new();
            fmt_f64_g17(v, &mut o);
            String::from_utf8(o).unwrap_or_default()
        };
        assert_eq!(f(1.5), "1.5");
        assert_eq!(f(0.1), "0.10000000000000001");
        assert_eq!(f(1e20), "1e+20");
        assert_eq!(f(-0.0), "-0");
        assert_eq!(f(3.0), "3");
        assert_eq!(f(f64::INFINITY), "inf");
        assert_eq!(f(f64::NEG_INFINITY), "-inf");
    }

    #[test]
    fn float_arg_classes() {
        assert_eq!(classify_float_arg(b"1.5"), FloatArg::Finite);
        assert_eq!(classify_float_arg(b"inf"), FloatArg::Infinite);
        assert_eq!(classify_float_arg(b"-INF"), FloatArg::Infinite);
        assert_eq!(classify_float_arg(b"nan"), FloatArg::Invalid);
        assert_eq!(classify_float_arg(b""), FloatArg::Invalid);
        assert_eq!(classify_float_arg(b" 1"), FloatArg::Invalid);
        assert!(is_valid_float_arg(b"0x1p4"));
        assert!(!is_valid_float_arg(b"1e5000"));
        // 1e400 overflows a double but fits a long double.
        assert!(is_valid_float_arg(b"1e400"));
        let long = format!("0.{}", "1".repeat(MAX_LONG_DOUBLE_CHARS - 3));
        assert!(is_valid_float_arg(long.as_bytes()));
        let too_long = format!("0.{}", "1".repeat(MAX_LONG_DOUBLE_CHARS - 2));
        assert!(!is_valid_float_arg(too_long.as_bytes()));
    }

    /// Values checked against redis-server 7.0.15's INCRBYFLOAT.
    #[test]
    fn incr_by_float_matches_redis() {
        type Case<'a> = (Option<&'a [u8]>, &'a [u8], Result<&'a [u8], IncrFloatError>);
        let cases: &[Case] = &[
            // BEGIN RECORDED
            (None, &b"10.5"[..], Ok(&b"10.5"[..])),
            (None, &b"3.0e3"[..], Ok(&b"3000"[..])),
            (None, &b"inf"[..], Err(IncrFloatError::NanOrInf)),
            (None, &b"nan"[..], Err(IncrFloatError::IncrNotFloat)),
            (None, &b"-0.0"[..], Ok(&b"0"[..])),
            (None, &b"1.23456789012345678"[..], Ok(&b"1.23456789012345678"[..])),
            (None, &b""[..], Err(IncrFloatError::IncrNotFloat)),
            (None, &b"1e-5000"[..], Err(IncrFloatError::IncrNotFloat)),
            (None, &b"1e5000"[..], Err(IncrFloatError::IncrNotFloat)),
            (None, &b"+1"[..], Ok(&b"1"[..])),
            (None, &b".5"[..], Ok(&b"0.5"[..])),
            (None, &b"5."[..], Ok(&b"5"[..])),
            (None, &b"1e"[..], Err(IncrFloatError::IncrNotFloat)),
            (None, &b"1\x00"[..], Err(IncrFloatError::IncrNotFloat)),
            (None, &b"\x091"[..], Err(IncrFloatError::IncrNotFloat)),
            (None, &b"3.14159265358979323846264338327950288"[..], Ok(&b"3.14159265358979324"[..])),
            (None, &b"-1e-20"[..], Ok(&b"0"[..])),
            (None, &b"1e-20"[..], Ok(&b"0"[..])),
            (None, &b"1e20"[..], Ok(&b"100000000000000000000"[..])),
            (None, &b"1e21"[..], Ok(&b"1000000000000000000000"[..])),
            (None, &b"12345678901234567.5"[..], Ok(&b"12345678901234567.5"[..])),
            (None, &b"5e-18"[..], Ok(&b"0"[..])),
            (None, &b"4.9e-18"[..], Ok(&b"0"[..])),
            (None, &b"-5e-18"[..], Ok(&b"0"[..])),
            (None, &b"-4e-18"[..], Ok(&b"0"[..])),
            (None, &b"0x1.8p1"[..], Ok(&b"3"[..])),
            (None, &b"infinity"[..], Err(IncrFloatError::NanOrInf)),
            (None, &b"1e-400"[..], Ok(&b"0"[..])),
            (None, &b"0e5000"[..], Ok(&b"0"[..])),
            (None, &b"9007199254740993"[..], Ok(&b"9007199254740993"[..])),
            (None, &b"0.1e1"[..], Ok(&b"1"[..])),
            (Some(&b"1"[..]), &b"abc"[..], Err(IncrFloatError::IncrNotFloat)),
            (Some(&b"1"[..]), &b" 1"[..], Err(IncrFloatError::IncrNotFloat)),
            (Some(&b"1"[..]), &b"1 "[..], Err(IncrFloatError::IncrNotFloat)),
            (Some(&b"1"[..]), &b"0x10"[..], Ok(&b"17"[..])),
            (Some(&b"1"[..]), &b"-inf"[..], Err(IncrFloatError::NanOrInf)),
            (Some(&b"1"[..]), &b"nan"[..], Err(IncrFloatError::IncrNotFloat)),
            (Some(&b"10.5"[..]), &b"0.1"[..], Ok(&b"10.6"[..])),
            (Some(&b"0.1"[..]), &b"0.2"[..], Ok(&b"0.3"[..])),
            (Some(&b"5.0e3"[..]), &b"200"[..], Ok(&b"5200"[..])),
            (Some(&b"1e308"[..]), &b"1e308"[..], Ok(&b"199999999999999999993371759311691291321120199694831134415594095989843469737676123744200253843777078640893494450108026446304269499187921167194841628860392837535918200039206381557326219209014213335878306791577877829121087126122536729803237260434173178506889763247582601711514636284849020905456510092687857156096"[..])),
            (Some(&b"abc"[..]), &b"1"[..], Err(IncrFloatError::NotFloat)),
            (Some(&b" 1"[..]), &b"1"[..], Err(IncrFloatError::NotFloat)),
            (Some(&b"1 "[..]), &b"1"[..], Err(IncrFloatError::NotFloat)),
            (Some(&b"0x10"[..]), &b"1"[..], Ok(&b"17"[..])),
            (Some(&b"inf"[..]), &b"1"[..], Err(IncrFloatError::NanOrInf)),
            (Some(&b"-0.0"[..]), &b"0"[..], Ok(&b"0"[..])),
            (Some(&b"1.23456789012345678"[..]), &b"0"[..], Ok(&b"1.23456789012345678"[..])),
            (Some(&b"1e4932"[..]), &b"1e4932"[..], Err(IncrFloatError::NanOrInf)),
            (Some(&b"9223372036854775807"[..]), &b"1"[..], Ok(&b"9223372036854775808"[..])),
            (Some(&b"-9223372036854775808"[..]), &b"-1"[..], Ok(&b"-9223372036854775809"[..])),
            (Some(&b"1.1"[..]), &b"2.2"[..], Ok(&b"3.3"[..])),
            (Some(&b"3.3"[..]), &b"-3.3"[..], Ok(&b"0"[..])),
            (Some(&b"2.2"[..]), &b"\x0a1"[..], Err(IncrFloatError::IncrNotFloat)),
            (Some(&b"-nan"[..]), &b"2.2"[..], Err(IncrFloatError::NotFloat)),
            (Some(&b"1\x00"[..]), &b"NaN"[..], Err(IncrFloatError::NotFloat)),
            (Some(&b"9223372036854775807"[..]), &b""[..], Err(IncrFloatError::IncrNotFloat)),
            (Some(&b"-inf"[..]), &b"0.1e1"[..], Err(IncrFloatError::NanOrInf)),
            (Some(&b".5"[..]), &b"0.111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111"[..], Err(IncrFloatError::IncrNotFloat)),
            (Some(&b"abc"[..]), &b"5e-18"[..], Err(IncrFloatError::NotFloat)),
            (Some(&b"1e-400"[..]), &b"4e-320"[..], Ok(&b"0"[..])),
            (Some(&b"00012"[..]), &b"1e-400"[..], Ok(&b"12"[..])),
            (Some(&b"1.1"[..]), &b"5e-17"[..], Ok(&b"1.10000000000000005"[..])),
            (Some(&b"0x10"[..]), &b"abc"[..], Err(IncrFloatError::IncrNotFloat)),
            (Some(&b"."[..]), &b"1e-4950"[..], Err(IncrFloatError::NotFloat)),
            (Some(&b"10"[..]), &b"-4e-18"[..], Ok(&b"10"[..])),
            (Some(&b"+"[..]), &b"0.000000000000000001"[..], Err(IncrFloatError::NotFloat)),
            (Some(&b"1e+"[..]), &b"99999999999999999.5"[..], Err(IncrFloatError::NotFloat)),
            (Some(&b"200"[..]), &b"e5"[..], Err(IncrFloatError::IncrNotFloat)),
            (Some(&b"1e18"[..]), &b"0.2"[..], Ok(&b"1000000000000000000.1875"[..])),
            (Some(&b"1e20"[..]), &b"1E5"[..], Ok(&b"100000000000000100000"[..])),
            (Some(&b"0e5000"[..]), &b"10.5"[..], Ok(&b"10.5"[..])),
            (Some(&b"5.0e3"[..]), &b"0e5000"[..], Ok(&b"5000"[..])),
            (Some(&b"0.0000001"[..]), &b"1.0000000000000000001"[..], Ok(&b"1.0000001"[..])),
            (Some(&b"0x1.8p1"[..]), &b"1e-4950"[..], Ok(&b"3"[..])),
            (Some(&b"123456789012345678901234567890"[..]), &b"0.2"[..], Ok(&b"123456789012345678899921813504"[..])),
            (Some(&b"1e308"[..]), &b"abc"[..], Err(IncrFloatError::IncrNotFloat)),
            (Some(&b"5e-17"[..]), &b"5e-18"[..], Ok(&b"0.00000000000000005"[..])),
            (Some(&b"-"[..]), &b"-"[..], Err(IncrFloatError::NotFloat)),
            (Some(&b"0.2"[..]), &b"2.2"[..], Ok(&b"2.4"[..])),
            (Some(&b"\x0a1"[..]), &b"5.0e3"[..], Err(IncrFloatError::NotFloat)),
            (Some(&b"1_000"[..]), &b"00012"[..], Err(IncrFloatError::NotFloat)),
            (Some(&b"4.9e-18"[..]), &b"0.5"[..], Ok(&b"0.5"[..])),
            (Some(&b"0.30000000000000004"[..]), &b"-123.456"[..], Ok(&b"-123.15599999999999997"[..])),
            (Some(&b"1e-5000"[..]), &b"1\x00"[..], Err(IncrFloatError::NotFloat)),
            (Some(&b"+1"[..]), &b"0x1.8p1"[..], Ok(&b"4"[..])),
            (Some(&b"0.1"[..]), &b"00012"[..], Ok(&b"12.1"[..])),
            (Some(&b"1\x00"[..]), &b"2.2"[..], Err(IncrFloatError::NotFloat)),
            (Some(&b"."[..]), &b"1.1"[..], Err(IncrFloatError::NotFloat)),
            (Some(&b"1e-310"[..]), &b""[..], Err(IncrFloatError::IncrNotFloat)),
            (Some(&b"5e-17"[..]), &b"-123.456"[..], Ok(&b"-123.45599999999999995"[..])),
            (Some(&b"12345678901234567.5"[..]), &b"9007199254740993"[..], Ok(&b"21352878155975560.5"[..])),
            (Some(&b"-123.456"[..]), &b"Infinity"[..], Err(IncrFloatError::NanOrInf)),
            (Some(&b"INF"[..]), &b"0.00000000000000001"[..], Err(IncrFloatError::NanOrInf)),
            (Some(&b"-nan"[..]), &b"0.000000000000000001"[..], Err(IncrFloatError::NotFloat)),
            (Some(&b"NaN"[..]), &b"e5"[..], Err(IncrFloatError::NotFloat)),
            (Some(&b"-1e-20"[..]), &b"5e-18"[..], Ok(&b"0"[..])),
            (Some(&b"0X10"[..]), &b"-9223372036854775808"[..], Ok(&b"-9223372036854775792"[..])),
            // END RECORDED
        ];
        for (cur, inc, want) in cases {
            let got = incr_by_float(*cur, inc);
            assert_eq!(
                got.as_ref().map(Vec::as_slice).map_err(|e| *e),
                *want,
                "{cur:?} + {inc:?}"
            );
        }
        // Huge sums keep every integer digit (x87 long double); recorded.
        let big = incr_by_float(Some(b"1e4931"), b"1e4931").unwrap_or_default();
        assert_eq!(big.len(), 4932);
        assert!(big.starts_with(b"2000000000000000000012037898775927782647"));
    }

    #[test]
    fn incr_by_float_errors() {
        assert_eq!(inc(Some("abc"), "1"), Err(IncrFloatError::NotFloat));
        assert_eq!(inc(Some("abc"), "x"), Err(IncrFloatError::NotFloat));
        assert_eq!(inc(Some("1"), "x"), Err(IncrFloatError::IncrNotFloat));
        assert_eq!(inc(None, "nan"), Err(IncrFloatError::IncrNotFloat));
        assert_eq!(inc(None, "inf"), Err(IncrFloatError::NanOrInf));
        assert_eq!(inc(Some("1e4932"), "1e4932"), Err(IncrFloatError::NanOrInf));
    }

    proptest! {
        #[test]
        fn i64_roundtrip(v in any::<i64>()) {
            let mut out = Vec::new();
            fmt_i64(v, &mut out);
            prop_assert_eq!(parse_i64(&out), Some(v));
        }

        #[test]
        fn parsers_never_panic(s in proptest::collection::vec(any::<u8>(), 0..40)) {
            let _ = parse_i64(&s);
            let _ = parse_u64(&s);
            let _ = parse_f64_strict(&s);
            let _ = parse_f64_lenient(&s);
            let _ = classify_float_arg(&s);
            let _ = incr_by_float(Some(&s), &s);
        }

        #[test]
        fn parse_i64_agrees_with_canonical_text(s in "-?[0-9]{0,21}") {
            let want = s.parse::<i64>().ok().filter(|v| v.to_string() == s);
            prop_assert_eq!(parse_i64(s.as_bytes()), want);
        }
    }
}
