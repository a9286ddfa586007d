//! Reply encoding: free functions that append one RESP value (or one aggregate header) to an
//! output `BytesMut`, producing byte-for-byte what Redis 7.0 sends, including the RESP2
//! downgrades of RESP3-only types (`addReply*` in Redis's `networking.c`).
//!
//! Functions whose wire form depends on the client's protocol take `proto` (the value of
//! `HELLO`'s protover: 2 or 3; anything >= 3 means RESP3). Aggregate headers only announce a
//! count; the caller writes the elements after them. This module knows nothing about clients,
//! sockets or commands; it never allocates except to grow `out`, and it never uses `format!`
//! on hot paths (integers go through a small table-driven formatter, doubles through a
//! stack buffer).

use bytes::{BufMut, BytesMut};
use std::fmt::Write as _;

/// Protocol version 2 (the default for new connections).
pub const RESP2: u8 = 2;
/// Protocol version 3 (after `HELLO 3`).
pub const RESP3: u8 = 3;

/// Two ASCII digits per value 0..100, so the formatter emits two digits per division.
const DIGIT_PAIRS: &[u8; 200] = b"\
0001020304050607080910111213141516171819\
2021222324252627282930313233343536373839\
4041424344454647484950515253545556575859\
6061626364656667686970717273747576777879\
8081828384858687888990919293949596979899";

/// Longest `<prefix>-18446744073709551615\r\n` (a u64 length or an i64 with sign):
/// 1 + 1 + 20 + 2.
const INT_LINE_MAX: usize = 24;

/// Writes the decimal digits of `v` so that they end just before `buf[end]` and returns
/// where they start. `u64::MAX` has 20 digits; callers leave at least that much room.
#[inline]
fn fmt_u64(mut v: u64, buf: &mut [u8; INT_LINE_MAX], end: usize) -> usize {
    let mut pos = end;
    while v >= 100 {
        let pair = (v % 100) as usize * 2;
        v /= 100;
        pos -= 2;
        buf[pos..pos + 2].copy_from_slice(&DIGIT_PAIRS[pair..pair + 2]);
    }
    if v >= 10 {
        let pair = v as usize * 2;
        pos -= 2;
        buf[pos..pos + 2].copy_from_slice(&DIGIT_PAIRS[pair..pair + 2]);
    } else {
        pos -= 1;
        buf[pos] = b'0' + v as u8;
    }
    pos
}

/// Appends the decimal form of `v` (no prefix, no CRLF).
#[inline]
pub fn write_i64_digits(out: &mut BytesMut, v: i64) {
    let mut buf = [0u8; INT_LINE_MAX];
    let mut start = fmt_u64(v.unsigned_abs(), &mut buf, INT_LINE_MAX);
    if v < 0 {
        start -= 1;
        buf[start] = b'-';
    }
    out.extend_from_slice(&buf[start..]);
}

/// Appends `<prefix><v>\r\n`: the line is laid out right-aligned in one stack buffer and
/// copied into `out` once.
#[inline]
fn write_int_line(out: &mut BytesMut, prefix: u8, v: i64) {
    let mut buf = [0u8; INT_LINE_MAX];
    buf[INT_LINE_MAX - 2] = b'\r';
    buf[INT_LINE_MAX - 1] = b'\n';
    let mut start = fmt_u64(v.unsigned_abs(), &mut buf, INT_LINE_MAX - 2);
    if v < 0 {
        start -= 1;
        buf[start] = b'-';
    }
    start -= 1;
    buf[start] = prefix;
    out.extend_from_slice(&buf[start..]);
}

/// Appends `<prefix><n>\r\n` for a length or count.
#[inline]
pub(crate) fn write_len_line(out: &mut BytesMut, prefix: u8, n: usize) {
    let mut buf = [0u8; INT_LINE_MAX];
    buf[INT_LINE_MAX - 2] = b'\r';
    buf[INT_LINE_MAX - 1] = b'\n';
    let mut start = fmt_u64(n as u64, &mut buf, INT_LINE_MAX - 2);
    start -= 1;
    buf[start] = prefix;
    out.extend_from_slice(&buf[start..]);
}

/// `+<s>\r\n`. `s` must not contain CR or LF (status texts are compile-time constants).
#[inline]
pub fn write_simple(out: &mut BytesMut, s: &[u8]) {
    out.reserve(s.len() + 3);
    out.put_u8(b'+');
    out.extend_from_slice(s);
    out.extend_from_slice(b"\r\n");
}

/// `+OK\r\n`, the most common reply of all.
#[inline]
pub fn write_ok(out: &mut BytesMut) {
    out.extend_from_slice(b"+OK\r\n");
}

/// `-<msg>\r\n`. `msg` is the full error text including its code, e.g. `ERR syntax error` or
/// `WRONGTYPE Operation against ...`; a leading `-` is tolerated and not doubled. CR and LF
/// inside the text are replaced with spaces, as Redis does for formatted errors, because a
/// raw newline would desynchronise the client.
pub fn write_error(out: &mut BytesMut, msg: &[u8]) {
    let msg = msg.strip_prefix(b"-").unwrap_or(msg);
    out.reserve(msg.len() + 3);
    out.put_u8(b'-');
    if msg.iter().any(|&b| b == b'\r' || b == b'\n') {
        out.extend(
            msg.iter()
                .map(|&b| if b == b'\r' || b == b'\n' { b' ' } else { b }),
        );
    } else {
        out.extend_from_slice(msg);
    }
    out.extend_from_slice(b"\r\n");
}

/// `:<v>\r\n`.
#[inline]
pub fn write_integer(out: &mut BytesMut, v: i64) {
    write_int_line(out, b':', v);
}

/// `$<len>\r\n<data>\r\n`.
#[inline]
pub fn write_bulk(out: &mut BytesMut, data: &[u8]) {
    out.reserve(data.len() + 16);
    write_len_line(out, b'$', data.len());
    out.extend_from_slice(data);
    out.extend_from_slice(b"\r\n");
}

/// An integer sent as a bulk string (Redis's `addReplyBulkLongLong`).
#[inline]
pub fn write_bulk_integer(out: &mut BytesMut, v: i64) {
    let mut buf = [0u8; INT_LINE_MAX];
    let mut start = fmt_u64(v.unsigned_abs(), &mut buf, INT_LINE_MAX);
    if v < 0 {
        start -= 1;
        buf[start] = b'-';
    }
    let digits = &buf[start..];
    out.reserve(digits.len() + 8);
    write_len_line(out, b'$', digits.len());
    out.extend_from_slice(digits);
    out.extend_from_slice(b"\r\n");
}

/// The null reply: RESP2 null bulk `$-1`, RESP3 `_`.
#[inline]
pub fn write_null(out: &mut BytesMut, proto: u8) {
    out.extend_from_slice(if proto >= RESP3 { b"_\r\n" } else { b"$-1\r\n" });
}

/// The null array: RESP2 `*-1`, RESP3 `_` (RESP3 has a single null).
#[inline]
pub fn write_null_array(out: &mut BytesMut, proto: u8) {
    out.extend_from_slice(if proto >= RESP3 { b"_\r\n" } else { b"*-1\r\n" });
}

/// `*<n>\r\n`; the caller then writes `n` elements.
#[inline]
pub fn write_array_len(out: &mut BytesMut, n: usize) {
    write_len_line(out, b'*', n);
}

/// Map of `n` pairs: RESP3 `%<n>`, RESP2 a flat array `*<2n>`. The caller writes key, value,
/// key, value, ...
#[inline]
pub fn write_map_len(out: &mut BytesMut, proto: u8, n: usize) {
    if proto >= RESP3 {
        write_len_line(out, b'%', n);
    } else {
        write_len_line(out, b'*', n.saturating_mul(2));
    }
}

/// Set of `n` elements: RESP3 `~<n>`, RESP2 `*<n>`.
#[inline]
pub fn write_set_len(out: &mut BytesMut, proto: u8, n: usize) {
    write_len_line(out, if proto >= RESP3 { b'~' } else { b'*' }, n);
}

/// Out-of-band push of `n` elements (pub/sub messages, invalidations): RESP3 `><n>`, RESP2
/// `*<n>` (RESP2 pub/sub messages are plain arrays).
#[inline]
pub fn write_push_len(out: &mut BytesMut, proto: u8, n: usize) {
    write_len_line(out, if proto >= RESP3 { b'>' } else { b'*' }, n);
}

/// Attribute header `|<n>` followed by `n` key/value pairs and then the real reply. RESP3
/// only: RESP2 has no way to express it, so callers must skip attributes for RESP2 clients.
#[inline]
pub fn write_attribute_len(out: &mut BytesMut, n: usize) {
    write_len_line(out, b'|', n);
}

/// Boolean: RESP3 `#t`/`#f`, RESP2 `:1`/`:0`.
#[inline]
pub fn write_bool(out: &mut BytesMut, proto: u8, b: bool) {
    let s: &[u8] = match (proto >= RESP3, b) {
        (true, true) => b"#t\r\n",
        (true, false) => b"#f\r\n",
        (false, true) => b":1\r\n",
        (false, false) => b":0\r\n",
    };
    out.extend_from_slice(s);
}

/// Double as Redis 7.0's `addReplyDouble`: RESP3 `,<%.17g>` (`,inf`/`,-inf`), RESP2 a bulk
/// string holding the same text (`inf`/`-inf` for infinities).
pub fn write_double(out: &mut BytesMut, proto: u8, f: f64) {
    let g = G17::new(f);
    let text = g.as_bytes();
    if proto >= RESP3 {
        out.reserve(text.len() + 3);
        out.put_u8(b',');
        out.extend_from_slice(text);
        out.extend_from_slice(b"\r\n");
    } else {
        write_bulk(out, text);
    }
}

/// Verbatim string: RESP3 `=<len+4>\r\n<fmt>:<text>\r\n`, RESP2 a plain bulk of `text`.
/// Like Redis, only the first three bytes of `format` are used and a shorter one is padded
/// with spaces (`"txt"`, `"md"` → `"md "`).
pub fn write_verbatim(out: &mut BytesMut, proto: u8, format: &[u8], text: &[u8]) {
    if proto < RESP3 {
        write_bulk(out, text);
        return;
    }
    let mut ext = [b' '; 3];
    for (dst, &src) in ext.iter_mut().zip(format) {
        *dst = src;
    }
    out.reserve(text.len() + 24);
    write_len_line(out, b'=', text.len().saturating_add(4));
    out.extend_from_slice(&ext);
    out.put_u8(b':');
    out.extend_from_slice(text);
    out.extend_from_slice(b"\r\n");
}

/// Big number: RESP3 `(<digits>`, RESP2 a bulk string of the digits. `digits` must be an
/// optional `-` followed by decimal digits.
pub fn write_big_number(out: &mut BytesMut, proto: u8, digits: &[u8]) {
    if proto >= RESP3 {
        out.reserve(digits.len() + 3);
        out.put_u8(b'(');
        out.extend_from_slice(digits);
        out.extend_from_slice(b"\r\n");
    } else {
        write_bulk(out, digits);
    }
}

/// Encodes a command the way clients send it: an array of bulk strings.
pub fn encode_request<A: AsRef<[u8]>>(out: &mut BytesMut, args: &[A]) {
    write_array_len(out, args.len());
    for a in args {
        write_bulk(out, a.as_ref());
    }
}

/// Formats `f` exactly like C's `printf("%.17g", f)` with glibc (so `inf`, `-inf`, `nan`,
/// `-nan`, `-0`, `1e+17`, `0.10000000000000001`).
pub fn format_double(f: f64) -> String {
    G17::new(f)
        .as_bytes()
        .iter()
        .map(|&b| char::from(b))
        .collect()
}

/// A double rendered with `%.17g` into a fixed stack buffer. The longest output is 24 bytes
/// (`-2.2250738585072009e-308`); 32 leaves room.
pub(crate) struct G17 {
    buf: [u8; 32],
    len: usize,
}

/// `fmt::Write` into a fixed array, so the standard library's correctly rounded float
/// printing can be used without a heap allocation.
struct StackWriter {
    buf: [u8; 32],
    len: usize,
}

impl std::fmt::Write for StackWriter {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        let end = self.len + s.len();
        let dst = self.buf.get_mut(self.len..end).ok_or(std::fmt::Error)?;
        dst.copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

impl G17 {
    pub(crate) fn new(f: f64) -> G17 {
        let mut g = G17 {
            buf: [0; 32],
            len: 0,
        };
        if f.is_sign_negative() {
            g.push(b'-');
        }
        if f.is_nan() {
            g.extend(b"nan");
            return g;
        }
        if f.is_infinite() {
            g.extend(b"inf");
            return g;
        }
        // Integral values below 2^53 are exact and have at most 16 digits, so %.17g prints
        // them as plain integers; this skips the slow exact float printing for the common
        // case of integer scores.
        let a = f.abs();
        if a < 9007199254740992.0 && a.fract() == 0.0 {
            let mut buf = [0u8; INT_LINE_MAX];
            let start = fmt_u64(a as u64, &mut buf, INT_LINE_MAX);
            g.extend(&buf[start..]);
            return g;
        }
        // Rust prints the exact decimal expansion rounded to 17 significant digits
        // (ties to even, like glibc in the default rounding mode); from that we derive the
        // exponent %g needs and re-lay the digits out by hand.
        let mut w = StackWriter {
            buf: [0; 32],
            len: 0,
        };
        if write!(w, "{:.16e}", a).is_err() {
            // Cannot happen: the scientific form of a finite double is at most 24 bytes.
            g.extend(b"nan");
            return g;
        }
        let text = &w.buf[..w.len];
        let mut digits = [b'0'; 17];
        let mut nd = 0;
        let mut exp: i32 = 0;
        let mut exp_neg = false;
        let mut in_exp = false;
        for &c in text {
            match c {
                b'e' => in_exp = true,
                b'-' if in_exp => exp_neg = true,
                b'0'..=b'9' if in_exp => exp = exp * 10 + i32::from(c - b'0'),
                b'0'..=b'9' => {
                    if let Some(d) = digits.get_mut(nd) {
                        *d = c;
                        nd += 1;
                    }
                }
                _ => {}
            }
        }
        if exp_neg {
            exp = -exp;
        }
        // %g drops trailing zeros of the significand (no '#' flag); keep at least one digit.
        let mut sig = 17;
        while sig > 1 && digits[sig - 1] == b'0' {
            sig -= 1;
        }
        let digits = &digits[..sig];
        if !(-4..17).contains(&exp) {
            // Scientific: d[.ddd]e±XX with at least two exponent digits.
            g.push(digits[0]);
            if digits.len() > 1 {
                g.push(b'.');
                g.extend(&digits[1..]);
            }
            g.push(b'e');
            g.push(if exp < 0 { b'-' } else { b'+' });
            let e = exp.unsigned_abs();
            if e >= 100 {
                g.push(b'0' + (e / 100) as u8);
            }
            g.push(b'0' + ((e / 10) % 10) as u8);
            g.push(b'0' + (e % 10) as u8);
        } else if exp >= 0 {
            // Fixed with the decimal point after exp+1 digits (padding with zeros when the
            // significand was shorter than the integer part).
            let int_len = exp as usize + 1;
            for i in 0..int_len {
                g.push(digits.get(i).copied().unwrap_or(b'0'));
            }
            if digits.len() > int_len {
                g.push(b'.');
                g.extend(&digits[int_len..]);
            }
        } else {
            g.extend(b"0.");
            for _ in 0..(-exp - 1) {
                g.push(b'0');
            }
            g.extend(digits);
        }
        g
    }

    fn push(&mut self, b: u8) {
        if let Some(slot) = self.buf.get_mut(self.len) {
            *slot = b;
            self.len += 1;
        }
    }

    fn extend(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.push(b);
        }
    }

    pub(crate) fn as_bytes(&self) -> &[u8] {
        &self.buf[..self.len]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn w(f: impl FnOnce(&mut BytesMut)) -> Vec<u8> {
        let mut out = BytesMut::new();
        f(&mut out);
        out.to_vec()
    }

    #[test]
    fn integers() {
        for (v, s) in [
            (0i64, ":0\r\n"),
            (1, ":1\r\n"),
            (9, ":9\r\n"),
            (10, ":10\r\n"),
            (99, ":99\r\n"),
            (100, ":100\r\n"),
            (-1, ":-1\r\n"),
            (-100, ":-100\r\n"),
            (1234567890, ":1234567890\r\n"),
            (i64::MAX, ":9223372036854775807\r\n"),
            (i64::MIN, ":-9223372036854775808\r\n"),
        ] {
            assert_eq!(w(|o| write_integer(o, v)), s.as_bytes());
        }
    }

    proptest! {
        #[test]
        fn integer_matches_std(v in any::<i64>()) {
            prop_assert_eq!(w(|o| write_integer(o, v)), format!(":{v}\r\n").into_bytes());
            prop_assert_eq!(
                w(|o| write_bulk_integer(o, v)),
                format!("${}\r\n{v}\r\n", v.to_string().len()).into_bytes()
            );
            let mut o = BytesMut::new();
            write_i64_digits(&mut o, v);
            prop_assert_eq!(o.to_vec(), v.to_string().into_bytes());
        }

        #[test]
        fn lengths_match_std(n in any::<u32>()) {
            let n = n as usize;
            prop_assert_eq!(w(|o| write_array_len(o, n)), format!("*{n}\r\n").into_bytes());
        }

        #[test]
        fn format_double_round_trips(bits in any::<u64>()) {
            let f = f64::from_bits(bits);
            let s = format_double(f);
            if f.is_nan() {
                prop_assert!(s == "nan" || s == "-nan");
            } else {
                let back: f64 = s.parse().unwrap_or(f64::NAN);
                prop_assert_eq!(back.to_bits(), f.to_bits(), "{}", s);
                // At most 17 significant digits and no trailing zeros after a point.
                let mantissa = s.split('e').next().unwrap_or("");
                let sig: String = mantissa.chars().filter(char::is_ascii_digit).collect();
                prop_assert!(sig.trim_start_matches('0').len() <= 17, "{}", s);
                if mantissa.contains('.') {
                    prop_assert!(!mantissa.ends_with('0') && !mantissa.ends_with('.'), "{}", s);
                }
            }
        }
    }

    #[test]
    fn simple_error_bulk_null() {
        assert_eq!(w(|o| write_simple(o, b"PONG")), b"+PONG\r\n");
        assert_eq!(w(write_ok), b"+OK\r\n");
        assert_eq!(w(|o| write_error(o, b"ERR foo")), b"-ERR foo\r\n");
        assert_eq!(w(|o| write_error(o, b"-WRONGTYPE x")), b"-WRONGTYPE x\r\n");
        assert_eq!(w(|o| write_error(o, b"ERR a\r\nb")), b"-ERR a  b\r\n");
        assert_eq!(w(|o| write_bulk(o, b"")), b"$0\r\n\r\n");
        assert_eq!(w(|o| write_bulk(o, b"foo")), b"$3\r\nfoo\r\n");
        assert_eq!(w(|o| write_bulk_integer(o, -42)), b"$3\r\n-42\r\n");
        assert_eq!(w(|o| write_null(o, 2)), b"$-1\r\n");
        assert_eq!(w(|o| write_null(o, 3)), b"_\r\n");
        assert_eq!(w(|o| write_null_array(o, 2)), b"*-1\r\n");
        assert_eq!(w(|o| write_null_array(o, 3)), b"_\r\n");
    }

    #[test]
    fn aggregate_headers() {
        assert_eq!(w(|o| write_array_len(o, 0)), b"*0\r\n");
        assert_eq!(w(|o| write_array_len(o, 12345)), b"*12345\r\n");
        assert_eq!(w(|o| write_map_len(o, 2, 3)), b"*6\r\n");
        assert_eq!(w(|o| write_map_len(o, 3, 3)), b"%3\r\n");
        assert_eq!(w(|o| write_set_len(o, 2, 4)), b"*4\r\n");
        assert_eq!(w(|o| write_set_len(o, 3, 4)), b"~4\r\n");
        assert_eq!(w(|o| write_push_len(o, 2, 3)), b"*3\r\n");
        assert_eq!(w(|o| write_push_len(o, 3, 3)), b">3\r\n");
        assert_eq!(w(|o| write_attribute_len(o, 1)), b"|1\r\n");
        assert_eq!(
            w(|o| encode_request(o, &["SET", "k", ""])),
            b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$0\r\n\r\n"
        );
    }

    #[test]
    fn resp3_scalars_and_downgrades() {
        assert_eq!(w(|o| write_bool(o, 3, true)), b"#t\r\n");
        assert_eq!(w(|o| write_bool(o, 3, false)), b"#f\r\n");
        assert_eq!(w(|o| write_bool(o, 2, true)), b":1\r\n");
        assert_eq!(w(|o| write_bool(o, 2, false)), b":0\r\n");
        assert_eq!(w(|o| write_double(o, 3, 1.5)), b",1.5\r\n");
        assert_eq!(w(|o| write_double(o, 2, 1.5)), b"$3\r\n1.5\r\n");
        assert_eq!(w(|o| write_double(o, 3, 0.1)), b",0.10000000000000001\r\n");
        assert_eq!(
            w(|o| write_double(o, 2, 0.1)),
            b"$19\r\n0.10000000000000001\r\n"
        );
        assert_eq!(w(|o| write_double(o, 3, f64::INFINITY)), b",inf\r\n");
        assert_eq!(w(|o| write_double(o, 3, f64::NEG_INFINITY)), b",-inf\r\n");
        assert_eq!(w(|o| write_double(o, 2, f64::INFINITY)), b"$3\r\ninf\r\n");
        assert_eq!(
            w(|o| write_double(o, 2, f64::NEG_INFINITY)),
            b"$4\r\n-inf\r\n"
        );
        assert_eq!(w(|o| write_double(o, 3, 3.0)), b",3\r\n");
        assert_eq!(
            w(|o| write_verbatim(o, 3, b"txt", b"hello")),
            b"=9\r\ntxt:hello\r\n"
        );
        assert_eq!(w(|o| write_verbatim(o, 3, b"md", b"")), b"=4\r\nmd :\r\n");
        assert_eq!(
            w(|o| write_verbatim(o, 3, b"markdown", b"x")),
            b"=5\r\nmar:x\r\n"
        );
        assert_eq!(
            w(|o| write_verbatim(o, 2, b"txt", b"hello")),
            b"$5\r\nhello\r\n"
        );
        assert_eq!(w(|o| write_big_number(o, 3, b"-123")), b"(-123\r\n");
        assert_eq!(w(|o| write_big_number(o, 2, b"-123")), b"$4\r\n-123\r\n");
    }

    /// Expected strings produced by Python's `'%.17g' % x` (same algorithm as glibc).
    #[test]
    fn format_double_matches_printf() {
        let cases: &[(f64, &str)] = &[
            (0.0, "0"),
            (-0.0, "-0"),
            (1.5, "1.5"),
            (-2.5, "-2.5"),
            (3.0, "3"),
            (100.0, "100"),
            (1e17, "1e+17"),
            (1e16, "10000000000000000"),
            (1e15, "1000000000000000"),
            (1e-5, "1.0000000000000001e-05"),
            (1e-4, "0.0001"),
            (0.0001234, "0.00012339999999999999"),
            (1e-7, "9.9999999999999995e-08"),
            (123456789012345678.0, "1.2345678901234568e+17"),
            (12345678901234567.0, "12345678901234568"),
            (99999999999999984.0, "99999999999999984"),
            (0.1, "0.10000000000000001"),
            (0.3, "0.29999999999999999"),
            (0.1 + 0.2, "0.30000000000000004"),
            (1.0 / 3.0, "0.33333333333333331"),
            (4.35, "4.3499999999999996"),
            (123.456, "123.456"),
            (f64::MAX, "1.7976931348623157e+308"),
            (f64::MIN_POSITIVE, "2.2250738585072014e-308"),
            (5e-324, "4.9406564584124654e-324"),
            (2.225073858507201e-308, "2.2250738585072009e-308"),
            (-1e-300, "-1e-300"),
            (1e21, "1e+21"),
            (1e22, "1e+22"),
            (1e100, "1e+100"),
            // An exact tie at the 17th digit: round half to even, as glibc does.
            (1e15 + 0.25, "1000000000000000.2"),
            (9007199254740992.0, "9007199254740992"),
            (9223372036854775808.0, "9.2233720368547758e+18"),
            (-9223372036854775808.0, "-9.2233720368547758e+18"),
            (f64::INFINITY, "inf"),
            (f64::NEG_INFINITY, "-inf"),
            (f64::NAN, "nan"),
            (-f64::NAN, "-nan"),
        ];
        for &(f, want) in cases {
            assert_eq!(format_double(f), want, "{f:e}");
        }
    }

    /// Random bit patterns, expected strings from Python's `'%.17g'`.
    #[test]
    fn format_double_matches_printf_random() {
        for &(bits, want) in RANDOM_CASES {
            assert_eq!(format_double(f64::from_bits(bits)), want, "{bits:#x}");
        }
    }

    #[rustfmt::skip]
    const RANDOM_CASES: &[(u64, &str)] = &[
        (0xf2a74de452e6b438, "-1.989032661366619e+244"),
        (0x6513270e269e0d37, "7.761117632285041e+178"),
        (0x0c5c7fd0a6a3a450, "3.980498358697587e-249"),
        (0xd23f0824128b2f33, "-1.5432835417340557e+88"),
        (0x1818e811892f902b, "1.3647584518757569e-192"),
        (0x9531985d5d9dc9f8, "-1.3701135617873088e-206"),
        (0xe8e25d940ed90475, "-1.7160537630466207e+197"),
        (0x36f675cc81e74ef5, "6.2946752411953861e-44"),
        (0x1600a35a099950d8, "1.0613447212142254e-202"),
        (0x6b0d549b6f03675a, "4.7083251603875462e+207"),
        (0x3d9c172411e20b8f, "6.3870161585135632e-12"),
        (0x8d116ece1738f7d9, "-9.9731303785687331e-246"),
        (0x0f21ddb66cad4a26, "8.7797532256802712e-236"),
        (0x90c192cfd3ac94af, "-5.7955032484989932e-228"),
        (0xf28c105d1fb17c23, "-5.9881801593860111e+243"),
        (0xa170b33839263059, "-1.3060523885277959e-147"),
        (0x953f48f1a09f76b5, "-2.4361176994848409e-206"),
        (0x0fd630f1f29d0da9, "2.2333869991501741e-232"),
        (0x95e60af593bd04cf, "-3.5152797062666699e-203"),
        (0x0cb1e29c658cda14, "1.5987381841032883e-247"),
        (0x3898d190f9ebdacc, "4.6678633181812096e-36"),
        (0x8e81973e0becd7b0, "-8.4418727921054556e-239"),
        (0x2217beaddbc496cb, "1.9015657400796622e-144"),
        (0x6b4cb2424a23d596, "7.370437700706684e+208"),
        (0x8a6a63ec24ede6a4, "-1.7163996725272777e-258"),
        (0x922766581e27a1c0, "-3.2367190832119987e-221"),
        (0x8f6d05584ef8aa38, "-2.2818334634712625e-234"),
        (0xae97ba94d0eda82f, "-3.0536383926309363e-84"),
        (0x1a61dbe22e44158b, "1.3449551894627777e-181"),
        (0x923a736994e3bf91, "-7.3174959760626057e-221"),
        (0x41318f135f557203, "1150739.3723975427"),
        (0xc0e907a71012f037, "-51261.220712155504"),
        (0xbee7f15034b9b5df, "-1.1416735694792561e-05"),
        (0x40d506bfc6f87718, "21530.99651919966"),
        (0xc087403eec66a787, "-744.03072433661225"),
        (0x402cb5c73f98e277, "14.355035769856142"),
        (0xbf63e7d1c7a2ea20, "-0.0024298760664269864"),
        (0xbf0867344cdd2055, "-4.6545299126566374e-05"),
        (0xc0ababce57ee05cd, "-3541.9030146009522"),
        (0x407faecb9be4bcfc, "506.92470921851032"),
        (0x3ef6b0a1830e07bc, "2.1638836361421768e-05"),
        (0xbf526e875790f82e, "-0.001124984903313041"),
        (0x40af646e0a097c97, "4018.2149203266704"),
        (0xbef92b1d8ede0d7a, "-2.4002475519602805e-05"),
        (0x3ff59a54b1fee08f, "1.3501784279779121"),
        (0x411cc0119474031b, "471044.39497380116"),
        (0x40817f5ed70820fe, "559.9213085780209"),
        (0x3fcaa05eb2715945, "0.20801910126710701"),
        (0x3efb394fbb2d420f, "2.5962708331052751e-05"),
        (0xbfefe3b893f448b3, "-0.99654797456084621"),
        (0x40762c33b774eb52, "354.76262612983294"),
        (0x4017631af0ce5835, "5.8467824579184269"),
        (0x4011df9f9c653938, "4.4683823048383644"),
        (0x40ac4aae37dc76fb, "3621.3402699370613"),
        (0x3fd3f63abd0561e6, "0.31190365275463561"),
        (0x404df158eab477d2, "59.885526025885738"),
        (0x40a72fdf2a96fb1a, "2967.9358718091507"),
        (0xc04e22574720771f, "-60.268288508274274"),
        (0xbf3dd2e16e36aab0, "-0.00045507434534878665"),
        (0x40e6a50db4d66a3a, "46376.428324897264"),
        (0x00000000000000b7, "9.0414013188948118e-322"),
        (0x0000001859278969, "5.1666904246476998e-313"),
        (0x0000002a7ce4d458, "9.0159074220844563e-313"),
        (0x00000000000000ed, "1.1709355806437543e-321"),
        (0x00000000000062d2, "1.2498872708491855e-319"),
        (0x0000012da19a9851, "6.4006027514032999e-312"),

    ];
}
