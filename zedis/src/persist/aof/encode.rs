//! Commands as the AOF holds them: a RESP multibulk `*N\r\n` followed by `$len\r\narg\r\n` per
//! argument, byte for byte what Redis appends; `SELECT` when the database changes; and the
//! `#TS:<unix secs>\r\n` annotation of `aof-timestamp-enabled`.
//!
//! This is on the server's write path (every write command is appended), so it computes the
//! exact size first, reserves once, and formats numbers with `itoa` on the stack: no allocation
//! per argument.

use bytes::BufMut;

/// Bytes `encode_command` appends for `argv`.
pub fn encoded_len<A: AsRef<[u8]>>(argv: &[A]) -> usize {
    let mut n = 1 + digits(argv.len() as u64) + 2;
    for a in argv {
        let len = a.as_ref().len();
        n += 1 + digits(len as u64) + 2 + len + 2;
    }
    n
}

fn digits(mut v: u64) -> usize {
    let mut n = 1;
    while v >= 10 {
        v /= 10;
        n += 1;
    }
    n
}

/// Writes `prefix`, the decimal `n` and CRLF.
#[inline]
fn header<B: BufMut>(out: &mut B, prefix: u8, n: u64) {
    let mut buf = itoa::Buffer::new();
    out.put_u8(prefix);
    out.put_slice(buf.format(n).as_bytes());
    out.put_slice(b"\r\n");
}

/// Appends one command to any `BufMut` (a `Vec<u8>`, a `BytesMut`, ...). Arguments may be any
/// byte slices (`&[u8]`, `Bytes`, `Vec<u8>`).
pub fn encode_args<B: BufMut, A: AsRef<[u8]>>(out: &mut B, argv: &[A]) {
    header(out, b'*', argv.len() as u64);
    for a in argv {
        let a = a.as_ref();
        header(out, b'$', a.len() as u64);
        out.put_slice(a);
        out.put_slice(b"\r\n");
    }
}

/// Appends one command to `out`, reserving its exact size first.
pub fn encode_command(out: &mut Vec<u8>, argv: &[&[u8]]) {
    out.reserve(encoded_len(argv));
    encode_args(out, argv);
}

/// Appends `SELECT <db>`, as Redis writes it before a command for another database.
pub fn encode_select(out: &mut Vec<u8>, db: u32) {
    let mut buf = itoa::Buffer::new();
    encode_command(out, &[b"SELECT", buf.format(db).as_bytes()]);
}

/// Appends the timestamp annotation `#TS:<unix_secs>\r\n`, which loaders skip and
/// `truncate-to-timestamp` cuts at.
pub fn encode_timestamp<B: BufMut>(out: &mut B, unix_secs: i64) {
    let mut buf = itoa::Buffer::new();
    out.put_slice(b"#TS:");
    out.put_slice(buf.format(unix_secs).as_bytes());
    out.put_slice(b"\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_bytes() {
        let mut out = Vec::new();
        encode_command(&mut out, &[b"set", b"k", b""]);
        assert_eq!(out, b"*3\r\n$3\r\nset\r\n$1\r\nk\r\n$0\r\n\r\n");
        out.clear();
        encode_select(&mut out, 12);
        assert_eq!(out, b"*2\r\n$6\r\nSELECT\r\n$2\r\n12\r\n");
        out.clear();
        encode_timestamp(&mut out, 1_700_000_000);
        assert_eq!(out, b"#TS:1700000000\r\n");
    }

    #[test]
    fn length_is_exact_and_generic_buffers_agree() {
        let long = vec![b'x'; 12345];
        let argv: [&[u8]; 4] = [b"RPUSH", b"", &long, b"0123456789"];
        let mut v = Vec::new();
        encode_command(&mut v, &argv);
        assert_eq!(v.len(), encoded_len(&argv));
        let mut b = bytes::BytesMut::new();
        let owned: Vec<bytes::Bytes> = argv
            .iter()
            .map(|a| bytes::Bytes::copy_from_slice(a))
            .collect();
        encode_args(&mut b, &owned);
        assert_eq!(&b[..], &v[..]);
    }
}
