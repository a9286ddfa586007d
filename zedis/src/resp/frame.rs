//! A general RESP2/RESP3 value ([`Frame`]) with a parser, a resumable decoder for receive
//! buffers ([`FrameDecoder`]) and a byte-exact encoder, for the client side, tests and tools
//! (the server's hot paths use `request` and `write` instead).
//!
//! It owns the wire grammar of every RESP3 type; it knows nothing about commands or
//! connections. Parsing is iterative with an explicit stack, so hostile nesting can only hit
//! [`MAX_DEPTH`], never the thread's stack, and it never reserves more than the bytes
//! actually present could fill, whatever sizes the peer announces. Streamed RESP3 strings
//! and aggregates (`$?`, `*?`, ...) are rejected.

use super::write::{write_bulk, write_integer, write_len_line, G17};
use bytes::{BufMut, Bytes, BytesMut};
use thiserror::Error;

/// Deepest nesting of aggregates (attributes count as a level) `Frame::parse` accepts.
pub const MAX_DEPTH: usize = 1024;

/// One RESP value.
///
/// RESP2's two nulls stay distinguishable (`NullBulk` is `$-1`, `NullArray` is `*-1`) from
/// RESP3's single `Null` (`_`) so that encoding a parsed frame reproduces its bytes. Simple
/// strings and errors must not contain CR or LF; `encode` writes them as given.
#[derive(Debug, Clone, PartialEq)]
pub enum Frame {
    /// `+OK`
    Simple(Bytes),
    /// `-ERR message` (the text after `-`)
    Error(Bytes),
    /// `:42`
    Integer(i64),
    /// `$3\r\nfoo`
    Bulk(Bytes),
    /// `$-1`
    NullBulk,
    /// `*-1`
    NullArray,
    /// RESP3 `_`
    Null,
    /// RESP3 `,3.14` (also `,inf`, `,-inf`, `,nan`)
    Double(f64),
    /// RESP3 `#t` / `#f`
    Boolean(bool),
    /// RESP3 `(12345678901234567890`: an optional `-` and decimal digits
    BigNumber(Bytes),
    /// RESP3 `!<len>\r\n<error text>`
    BlobError(Bytes),
    /// RESP3 `=<len>\r\ntxt:<text>`
    Verbatim { format: [u8; 3], text: Bytes },
    /// `*<n>`
    Array(Vec<Frame>),
    /// RESP3 `%<n>`
    Map(Vec<(Frame, Frame)>),
    /// RESP3 `~<n>`
    Set(Vec<Frame>),
    /// RESP3 `><n>`
    Push(Vec<Frame>),
    /// RESP3 `|<n>` attribute pairs, attached to the value that follows them on the wire.
    Attribute {
        attrs: Vec<(Frame, Frame)>,
        value: Box<Frame>,
    },
}

/// Why bytes are not valid RESP.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum FrameError {
    #[error("invalid RESP type byte {0:#04x}")]
    InvalidType(u8),
    #[error("invalid RESP length or count")]
    InvalidLength,
    #[error("invalid RESP integer")]
    InvalidInteger,
    #[error("invalid RESP3 double")]
    InvalidDouble,
    #[error("invalid RESP3 boolean")]
    InvalidBoolean,
    #[error("invalid RESP3 null")]
    InvalidNull,
    #[error("invalid RESP3 big number")]
    InvalidBigNumber,
    #[error("invalid RESP3 verbatim string")]
    InvalidVerbatim,
    #[error("RESP line or payload not terminated by CRLF")]
    MissingCrlf,
    #[error("streamed RESP3 strings and aggregates are not supported")]
    Streamed,
    #[error("RESP nesting deeper than {MAX_DEPTH} levels")]
    TooDeep,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum AggKind {
    Array,
    Set,
    Push,
    Map,
    Attribute,
}

/// An aggregate whose elements are still being parsed. Maps and attributes collect keys
/// and values flat and pair them when complete; an attribute also collects the value it
/// annotates as its last element.
struct Open {
    kind: AggKind,
    left: usize,
    items: Vec<Frame>,
}

impl Open {
    fn finish(self) -> Frame {
        match self.kind {
            AggKind::Array => Frame::Array(self.items),
            AggKind::Set => Frame::Set(self.items),
            AggKind::Push => Frame::Push(self.items),
            AggKind::Map => Frame::Map(pairs(self.items)),
            AggKind::Attribute => {
                let mut items = self.items;
                let value = items.pop().unwrap_or(Frame::Null);
                Frame::Attribute {
                    attrs: pairs(items),
                    value: Box::new(value),
                }
            }
        }
    }
}

fn pairs(items: Vec<Frame>) -> Vec<(Frame, Frame)> {
    let mut out = Vec::with_capacity(items.len() / 2);
    let mut it = items.into_iter();
    while let (Some(k), Some(v)) = (it.next(), it.next()) {
        out.push((k, v));
    }
    out
}

/// One header (plus payload, for scalars) decoded and validated, borrowing from the input.
/// Scanning for completeness uses tokens alone; building a `Frame` turns them into values.
enum Token<'a> {
    Simple(&'a [u8]),
    Error(&'a [u8]),
    Integer(i64),
    Bulk(&'a [u8]),
    NullBulk,
    NullArray,
    Null,
    Double(f64),
    Boolean(bool),
    BigNumber(&'a [u8]),
    BlobError(&'a [u8]),
    Verbatim([u8; 3], &'a [u8]),
    /// An aggregate header; the count is in elements still to read (2n for maps, 2n+1 for
    /// attributes, whose pairs are followed by the value they annotate).
    Open(AggKind, usize),
}

struct Cursor<'a> {
    src: &'a [u8],
    pos: usize,
}

/// `Ok(None)` (need more bytes) propagates like an error.
macro_rules! need {
    ($e:expr) => {
        match $e? {
            Some(v) => v,
            None => return Ok(None),
        }
    };
}

impl<'a> Cursor<'a> {
    /// The rest of the current line, up to CR LF, which is consumed.
    fn line(&mut self) -> Result<Option<&'a [u8]>, FrameError> {
        let rest = self.src.get(self.pos..).unwrap_or_default();
        for (i, &b) in rest.iter().enumerate() {
            match b {
                b'\r' => {
                    return match rest.get(i + 1) {
                        None => Ok(None),
                        Some(b'\n') => {
                            self.pos += i + 2;
                            Ok(rest.get(..i))
                        }
                        Some(_) => Err(FrameError::MissingCrlf),
                    };
                }
                b'\n' => return Err(FrameError::MissingCrlf),
                _ => {}
            }
        }
        Ok(None)
    }

    /// `len` payload bytes followed by CR LF. Waiting for a large payload only compares
    /// lengths.
    fn payload(&mut self, len: usize) -> Result<Option<&'a [u8]>, FrameError> {
        let rest = self.src.get(self.pos..).unwrap_or_default();
        if rest.len() < len.saturating_add(2) {
            return Ok(None);
        }
        match rest.get(len..len + 2) {
            Some(b"\r\n") => {}
            _ => return Err(FrameError::MissingCrlf),
        }
        self.pos += len + 2;
        Ok(rest.get(..len))
    }

    fn remaining(&self) -> usize {
        self.src.len().saturating_sub(self.pos)
    }

    /// A length line: `Ok(Some(None))` for -1 (null), streamed markers rejected.
    fn length(&mut self) -> Result<Option<Option<usize>>, FrameError> {
        let line = need!(self.line());
        if line == b"?" {
            return Err(FrameError::Streamed);
        }
        let n = parse_i64(line).ok_or(FrameError::InvalidLength)?;
        if n == -1 {
            return Ok(Some(None));
        }
        usize::try_from(n)
            .map(|n| Some(Some(n)))
            .map_err(|_| FrameError::InvalidLength)
    }

    /// The next token. On `Ok(None)` the cursor may have moved; callers restart from the
    /// token's first byte.
    fn token(&mut self) -> Result<Option<Token<'a>>, FrameError> {
        let Some(&tag) = self.src.get(self.pos) else {
            return Ok(None);
        };
        self.pos += 1;
        let token = match tag {
            b'+' => Token::Simple(need!(self.line())),
            b'-' => Token::Error(need!(self.line())),
            b':' => {
                Token::Integer(parse_i64(need!(self.line())).ok_or(FrameError::InvalidInteger)?)
            }
            b'$' => match need!(self.length()) {
                None => Token::NullBulk,
                Some(len) => Token::Bulk(need!(self.payload(len))),
            },
            b'!' => match need!(self.length()) {
                None => return Err(FrameError::InvalidLength),
                Some(len) => Token::BlobError(need!(self.payload(len))),
            },
            b'=' => match need!(self.length()) {
                None => return Err(FrameError::InvalidLength),
                Some(len) => match need!(self.payload(len)) {
                    [a, b, c, b':', text @ ..] => Token::Verbatim([*a, *b, *c], text),
                    _ => return Err(FrameError::InvalidVerbatim),
                },
            },
            b'_' => {
                if !need!(self.line()).is_empty() {
                    return Err(FrameError::InvalidNull);
                }
                Token::Null
            }
            b',' => Token::Double(parse_double(need!(self.line()))?),
            b'#' => match need!(self.line()) {
                b"t" => Token::Boolean(true),
                b"f" => Token::Boolean(false),
                _ => return Err(FrameError::InvalidBoolean),
            },
            b'(' => {
                let line = need!(self.line());
                let digits = line.strip_prefix(b"-").unwrap_or(line);
                if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
                    return Err(FrameError::InvalidBigNumber);
                }
                Token::BigNumber(line)
            }
            b'*' => match need!(self.length()) {
                None => Token::NullArray,
                Some(n) => Token::Open(AggKind::Array, n),
            },
            b'~' | b'>' => {
                let kind = if tag == b'~' {
                    AggKind::Set
                } else {
                    AggKind::Push
                };
                Token::Open(kind, need!(self.length()).ok_or(FrameError::InvalidLength)?)
            }
            b'%' | b'|' => {
                let n = need!(self.length()).ok_or(FrameError::InvalidLength)?;
                let (kind, extra) = if tag == b'%' {
                    (AggKind::Map, 0)
                } else {
                    (AggKind::Attribute, 1)
                };
                let left = n
                    .checked_mul(2)
                    .and_then(|m| m.checked_add(extra))
                    .ok_or(FrameError::InvalidLength)?;
                Token::Open(kind, left)
            }
            // Streamed string chunks and the end-of-stream marker.
            b';' | b'.' => return Err(FrameError::Streamed),
            other => return Err(FrameError::InvalidType(other)),
        };
        Ok(Some(token))
    }
}

/// Optional sign and decimal digits, checked for overflow.
fn parse_i64(s: &[u8]) -> Option<i64> {
    let (neg, digits) = match s.split_first() {
        Some((b'-', rest)) => (true, rest),
        Some((b'+', rest)) => (false, rest),
        _ => (false, s),
    };
    if digits.is_empty() {
        return None;
    }
    let mut v: u64 = 0;
    for &c in digits {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v.checked_mul(10)?.checked_add(u64::from(c - b'0'))?;
    }
    if neg {
        if v > i64::MIN.unsigned_abs() {
            return None;
        }
        Some(0i64.wrapping_sub_unsigned(v))
    } else {
        i64::try_from(v).ok()
    }
}

fn parse_double(s: &[u8]) -> Result<f64, FrameError> {
    std::str::from_utf8(s)
        .ok()
        .and_then(|t| t.parse::<f64>().ok())
        .ok_or(FrameError::InvalidDouble)
}

/// Parses one frame from the start of `src`, turning borrowed payloads into `Bytes` with
/// `mk` (a copy, or a zero-copy slice of a shared buffer).
fn build<'a>(
    src: &'a [u8],
    mk: &mut impl FnMut(&'a [u8]) -> Bytes,
) -> Result<Option<(Frame, usize)>, FrameError> {
    let mut cur = Cursor { src, pos: 0 };
    let mut stack: Vec<Open> = Vec::new();
    loop {
        let mut value = match need!(cur.token()) {
            Token::Simple(s) => Frame::Simple(mk(s)),
            Token::Error(s) => Frame::Error(mk(s)),
            Token::Integer(i) => Frame::Integer(i),
            Token::Bulk(b) => Frame::Bulk(mk(b)),
            Token::NullBulk => Frame::NullBulk,
            Token::NullArray => Frame::NullArray,
            Token::Null => Frame::Null,
            Token::Double(f) => Frame::Double(f),
            Token::Boolean(b) => Frame::Boolean(b),
            Token::BigNumber(n) => Frame::BigNumber(mk(n)),
            Token::BlobError(e) => Frame::BlobError(mk(e)),
            Token::Verbatim(format, text) => Frame::Verbatim {
                format,
                text: mk(text),
            },
            Token::Open(kind, left) => {
                let open = Open {
                    kind,
                    left,
                    // Every element takes at least 3 bytes ("_\r\n"), so what is actually
                    // buffered bounds the reservation, whatever count was announced.
                    items: Vec::with_capacity(left.min(cur.remaining() / 3)),
                };
                if left > 0 {
                    if stack.len() >= MAX_DEPTH {
                        return Err(FrameError::TooDeep);
                    }
                    stack.push(open);
                    continue;
                }
                open.finish()
            }
        };
        // Hand the finished value to its parent, closing every aggregate it completes.
        loop {
            let Some(top) = stack.last_mut() else {
                return Ok(Some((value, cur.pos)));
            };
            top.items.push(value);
            top.left -= 1;
            if top.left > 0 {
                break;
            }
            match stack.pop() {
                Some(done) => value = done.finish(),
                None => return Ok(None),
            }
        }
    }
}

impl Frame {
    /// Parses one frame from the start of `src`: `Ok(None)` if `src` holds only part of it,
    /// `Ok(Some((frame, consumed)))` otherwise. Payloads are copied out of `src`.
    ///
    /// Stateless: a large reply arriving in many pieces is re-parsed on every call; use
    /// [`FrameDecoder`] on a receive buffer instead.
    pub fn parse(src: &[u8]) -> Result<Option<(Frame, usize)>, FrameError> {
        build(src, &mut Bytes::copy_from_slice)
    }

    /// Like [`parse`](Frame::parse), but payloads are zero-copy slices of `src`.
    pub fn parse_bytes(src: &Bytes) -> Result<Option<(Frame, usize)>, FrameError> {
        build(src, &mut |s: &[u8]| src.slice_ref(s))
    }

    /// Appends the wire form: RESP3 types as RESP3, byte-exact with what `parse` read.
    pub fn encode(&self, out: &mut BytesMut) {
        match self {
            Frame::Simple(s) => line(out, b'+', s),
            Frame::Error(s) => line(out, b'-', s),
            Frame::Integer(i) => write_integer(out, *i),
            Frame::Bulk(b) => write_bulk(out, b),
            Frame::NullBulk => out.extend_from_slice(b"$-1\r\n"),
            Frame::NullArray => out.extend_from_slice(b"*-1\r\n"),
            Frame::Null => out.extend_from_slice(b"_\r\n"),
            Frame::Double(f) => line(out, b',', G17::new(*f).as_bytes()),
            Frame::Boolean(b) => out.extend_from_slice(if *b { b"#t\r\n" } else { b"#f\r\n" }),
            Frame::BigNumber(n) => line(out, b'(', n),
            Frame::BlobError(e) => {
                write_len_line(out, b'!', e.len());
                out.extend_from_slice(e);
                out.extend_from_slice(b"\r\n");
            }
            Frame::Verbatim { format, text } => {
                write_len_line(out, b'=', text.len().saturating_add(4));
                out.extend_from_slice(format);
                out.put_u8(b':');
                out.extend_from_slice(text);
                out.extend_from_slice(b"\r\n");
            }
            Frame::Array(items) => seq(out, b'*', items),
            Frame::Set(items) => seq(out, b'~', items),
            Frame::Push(items) => seq(out, b'>', items),
            Frame::Map(kv) => map(out, b'%', kv),
            Frame::Attribute { attrs, value } => {
                map(out, b'|', attrs);
                value.encode(out);
            }
        }
    }

    /// The wire form as one buffer.
    pub fn to_bytes(&self) -> Bytes {
        let mut out = BytesMut::new();
        self.encode(&mut out);
        out.freeze()
    }
}

/// Frames from a receive buffer, for clients. It remembers how far it has validated an
/// incomplete frame (position and the element counts still owed by each open aggregate),
/// so a reply arriving in many pieces is scanned once, and builds the `Frame` only when
/// the whole frame is present, with payloads as zero-copy slices of the buffer.
///
/// Contract: between a call that returned `Ok(None)` and the next, the caller only appends
/// to `buf`. After an error, or to switch buffers, call [`reset`](FrameDecoder::reset).
#[derive(Debug, Default)]
pub struct FrameDecoder {
    /// Start of the first token not yet scanned.
    pos: usize,
    /// Elements still owed by each open aggregate, innermost last.
    open: Vec<usize>,
}

impl FrameDecoder {
    pub fn new() -> Self {
        Self::default()
    }

    /// Takes one complete frame off the front of `buf`, or `Ok(None)` (nothing consumed)
    /// if more bytes are needed.
    pub fn decode(&mut self, buf: &mut BytesMut) -> Result<Option<Frame>, FrameError> {
        if self.pos > buf.len() {
            self.reset();
        }
        let end = match self.scan(buf) {
            Ok(Some(end)) => end,
            Ok(None) => return Ok(None),
            Err(e) => {
                self.reset();
                return Err(e);
            }
        };
        self.reset();
        let frozen = buf.split_to(end.min(buf.len())).freeze();
        match Frame::parse_bytes(&frozen)? {
            Some((frame, _)) => Ok(Some(frame)),
            // The scan and the build read the same tokens, so this cannot happen.
            None => Err(FrameError::MissingCrlf),
        }
    }

    /// Forgets any partly scanned frame.
    pub fn reset(&mut self) {
        self.pos = 0;
        self.open.clear();
    }

    /// Continues validating from `self.pos`; returns the frame's length once complete.
    fn scan(&mut self, src: &[u8]) -> Result<Option<usize>, FrameError> {
        let mut cur = Cursor { src, pos: self.pos };
        loop {
            let start = cur.pos;
            let Some(token) = cur.token()? else {
                self.pos = start;
                return Ok(None);
            };
            if let Token::Open(_, left) = token {
                if left > 0 {
                    if self.open.len() >= MAX_DEPTH {
                        return Err(FrameError::TooDeep);
                    }
                    self.open.push(left);
                    continue;
                }
            }
            loop {
                let Some(left) = self.open.last_mut() else {
                    return Ok(Some(cur.pos));
                };
                *left -= 1;
                if *left > 0 {
                    break;
                }
                self.open.pop();
            }
        }
    }
}

fn line(out: &mut BytesMut, prefix: u8, body: &[u8]) {
    out.reserve(body.len() + 3);
    out.put_u8(prefix);
    out.extend_from_slice(body);
    out.extend_from_slice(b"\r\n");
}

fn seq(out: &mut BytesMut, prefix: u8, items: &[Frame]) {
    write_len_line(out, prefix, items.len());
    for f in items {
        f.encode(out);
    }
}

fn map(out: &mut BytesMut, prefix: u8, kv: &[(Frame, Frame)]) {
    write_len_line(out, prefix, kv.len());
    for (k, v) in kv {
        k.encode(out);
        v.encode(out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn b(s: &str) -> Bytes {
        Bytes::copy_from_slice(s.as_bytes())
    }

    fn parse_all(src: &[u8]) -> Frame {
        match Frame::parse(src) {
            Ok(Some((f, n))) => {
                assert_eq!(n, src.len(), "{src:?}");
                f
            }
            other => panic!("{src:?} -> {other:?}"),
        }
    }

    fn parse_err(src: &[u8]) -> FrameError {
        match Frame::parse(src) {
            Err(e) => e,
            other => panic!("{src:?} -> {other:?}"),
        }
    }

    /// Structural equality that treats NaN as equal to NaN.
    fn same(a: &Frame, b: &Frame) -> bool {
        let all = |x: &[Frame], y: &[Frame]| {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same(p, q))
        };
        let pairs = |x: &[(Frame, Frame)], y: &[(Frame, Frame)]| {
            x.len() == y.len()
                && x.iter()
                    .zip(y)
                    .all(|((k1, v1), (k2, v2))| same(k1, k2) && same(v1, v2))
        };
        match (a, b) {
            (Frame::Double(x), Frame::Double(y)) => {
                x.to_bits() == y.to_bits() || (x.is_nan() && y.is_nan())
            }
            (Frame::Array(x), Frame::Array(y))
            | (Frame::Set(x), Frame::Set(y))
            | (Frame::Push(x), Frame::Push(y)) => all(x, y),
            (Frame::Map(x), Frame::Map(y)) => pairs(x, y),
            (
                Frame::Attribute {
                    attrs: a1,
                    value: v1,
                },
                Frame::Attribute {
                    attrs: a2,
                    value: v2,
                },
            ) => pairs(a1, a2) && same(v1, v2),
            _ => a == b,
        }
    }

    #[test]
    fn scalars() {
        assert_eq!(parse_all(b"+OK\r\n"), Frame::Simple(b("OK")));
        assert_eq!(parse_all(b"+\r\n"), Frame::Simple(b("")));
        assert_eq!(parse_all(b"-ERR x y\r\n"), Frame::Error(b("ERR x y")));
        assert_eq!(parse_all(b":-42\r\n"), Frame::Integer(-42));
        assert_eq!(
            parse_all(b":9223372036854775807\r\n"),
            Frame::Integer(i64::MAX)
        );
        assert_eq!(
            parse_all(b":-9223372036854775808\r\n"),
            Frame::Integer(i64::MIN)
        );
        assert_eq!(parse_all(b"$3\r\na\rb\r\n"), Frame::Bulk(b("a\rb")));
        assert_eq!(parse_all(b"$0\r\n\r\n"), Frame::Bulk(b("")));
        assert_eq!(parse_all(b"$-1\r\n"), Frame::NullBulk);
        assert_eq!(parse_all(b"*-1\r\n"), Frame::NullArray);
        assert_eq!(parse_all(b"_\r\n"), Frame::Null);
        assert_eq!(parse_all(b",1.5\r\n"), Frame::Double(1.5));
        assert_eq!(parse_all(b",inf\r\n"), Frame::Double(f64::INFINITY));
        assert_eq!(parse_all(b",-inf\r\n"), Frame::Double(f64::NEG_INFINITY));
        assert!(matches!(parse_all(b",nan\r\n"), Frame::Double(f) if f.is_nan()));
        assert!(matches!(parse_all(b",-nan\r\n"), Frame::Double(f) if f.is_nan()));
        assert_eq!(parse_all(b",1e+17\r\n"), Frame::Double(1e17));
        assert_eq!(parse_all(b"#t\r\n"), Frame::Boolean(true));
        assert_eq!(parse_all(b"#f\r\n"), Frame::Boolean(false));
        assert_eq!(
            parse_all(b"(-123456789012345678901234567890\r\n"),
            Frame::BigNumber(b("-123456789012345678901234567890"))
        );
        assert_eq!(
            parse_all(b"!7\r\nERR x\r\n\r\n"),
            Frame::BlobError(b("ERR x\r\n"))
        );
        assert_eq!(
            parse_all(b"=9\r\ntxt:hello\r\n"),
            Frame::Verbatim {
                format: *b"txt",
                text: b("hello")
            }
        );
    }

    #[test]
    fn aggregates() {
        assert_eq!(parse_all(b"*0\r\n"), Frame::Array(vec![]));
        assert_eq!(
            parse_all(b"*2\r\n$1\r\na\r\n*1\r\n:1\r\n"),
            Frame::Array(vec![
                Frame::Bulk(b("a")),
                Frame::Array(vec![Frame::Integer(1)])
            ])
        );
        assert_eq!(
            parse_all(b"%2\r\n+a\r\n:1\r\n+b\r\n_\r\n"),
            Frame::Map(vec![
                (Frame::Simple(b("a")), Frame::Integer(1)),
                (Frame::Simple(b("b")), Frame::Null)
            ])
        );
        assert_eq!(parse_all(b"%0\r\n"), Frame::Map(vec![]));
        assert_eq!(
            parse_all(b"~1\r\n#t\r\n"),
            Frame::Set(vec![Frame::Boolean(true)])
        );
        assert_eq!(
            parse_all(b">2\r\n+message\r\n$1\r\nx\r\n"),
            Frame::Push(vec![Frame::Simple(b("message")), Frame::Bulk(b("x"))])
        );
        // What Redis sends for DEBUG PROTOCOL attrib.
        let wire = b"|1\r\n$14\r\nkey-popularity\r\n*2\r\n$7\r\nkey:123\r\n:90\r\n$39\r\nSome real reply following the attribute\r\n";
        let f = parse_all(wire);
        assert_eq!(
            f,
            Frame::Attribute {
                attrs: vec![(
                    Frame::Bulk(b("key-popularity")),
                    Frame::Array(vec![Frame::Bulk(b("key:123")), Frame::Integer(90)])
                )],
                value: Box::new(Frame::Bulk(b("Some real reply following the attribute")))
            }
        );
        assert_eq!(&f.to_bytes()[..], &wire[..]);
        // An attribute inside an array does not count as an element.
        assert_eq!(
            parse_all(b"*2\r\n|0\r\n:1\r\n:2\r\n"),
            Frame::Array(vec![
                Frame::Attribute {
                    attrs: vec![],
                    value: Box::new(Frame::Integer(1))
                },
                Frame::Integer(2)
            ])
        );
    }

    #[test]
    fn consumed_is_one_frame() {
        assert_eq!(
            Frame::parse(b"+a\r\n+b\r\n"),
            Ok(Some((Frame::Simple(b("a")), 4)))
        );
    }

    #[test]
    fn incomplete() {
        for src in [
            &b""[..],
            b"+",
            b"+OK",
            b"+OK\r",
            b"$3\r\nfo",
            b"$3\r\nfoo",
            b"$3\r\nfoo\r",
            b"*2\r\n:1\r\n",
            b"|1\r\n+a\r\n+b\r\n",
            b"%1\r\n+a\r\n",
            b"*1000000000\r\n",
            b"$1000000000\r\n",
            b"=10\r\ntxt:",
            b"%9223372036854775807\r\n",
            b"|9223372036854775807\r\n",
        ] {
            assert_eq!(Frame::parse(src), Ok(None), "{src:?}");
        }
    }

    #[test]
    fn errors() {
        assert_eq!(parse_err(b"?\r\n"), FrameError::InvalidType(b'?'));
        assert_eq!(parse_err(b"+OK\rX"), FrameError::MissingCrlf);
        assert_eq!(parse_err(b"+OK\n"), FrameError::MissingCrlf);
        assert_eq!(parse_err(b"$3\r\nfooXY"), FrameError::MissingCrlf);
        assert_eq!(parse_err(b"$-2\r\n"), FrameError::InvalidLength);
        assert_eq!(parse_err(b"$x\r\n"), FrameError::InvalidLength);
        assert_eq!(parse_err(b"*-2\r\n"), FrameError::InvalidLength);
        assert_eq!(parse_err(b"%-1\r\n"), FrameError::InvalidLength);
        assert_eq!(parse_err(b"!-1\r\n"), FrameError::InvalidLength);
        assert_eq!(parse_err(b"$?\r\n"), FrameError::Streamed);
        assert_eq!(parse_err(b"*?\r\n"), FrameError::Streamed);
        assert_eq!(parse_err(b"%?\r\n"), FrameError::Streamed);
        assert_eq!(parse_err(b";4\r\nabcd\r\n"), FrameError::Streamed);
        assert_eq!(parse_err(b":1.5\r\n"), FrameError::InvalidInteger);
        assert_eq!(parse_err(b":\r\n"), FrameError::InvalidInteger);
        assert_eq!(
            parse_err(b":9223372036854775808\r\n"),
            FrameError::InvalidInteger
        );
        assert_eq!(parse_err(b",abc\r\n"), FrameError::InvalidDouble);
        assert_eq!(parse_err(b"#x\r\n"), FrameError::InvalidBoolean);
        assert_eq!(parse_err(b"_x\r\n"), FrameError::InvalidNull);
        assert_eq!(parse_err(b"(12a\r\n"), FrameError::InvalidBigNumber);
        assert_eq!(parse_err(b"(\r\n"), FrameError::InvalidBigNumber);
        assert_eq!(parse_err(b"=3\r\ntxt\r\n"), FrameError::InvalidVerbatim);
        assert_eq!(parse_err(b"=4\r\ntxt;\r\n"), FrameError::InvalidVerbatim);
        assert_eq!(
            parse_err(b"*9223372036854775808\r\n"),
            FrameError::InvalidLength
        );
    }

    #[test]
    fn depth_limit() {
        let mut ok = b"*1\r\n".repeat(MAX_DEPTH);
        ok.extend_from_slice(b":1\r\n");
        let f = parse_all(&ok);
        assert_eq!(f.to_bytes().len(), ok.len());
        let mut deep = b"*1\r\n".repeat(MAX_DEPTH + 1);
        assert_eq!(Frame::parse(&deep), Err(FrameError::TooDeep));
        deep.extend_from_slice(b":1\r\n");
        assert_eq!(Frame::parse(&deep), Err(FrameError::TooDeep));
        // Far deeper input fails the same way, without touching the thread's stack.
        let huge = b"|1\r\n".repeat(100_000);
        assert_eq!(Frame::parse(&huge), Err(FrameError::TooDeep));
    }

    #[test]
    fn encode_is_byte_exact() {
        for wire in [
            &b"+OK\r\n"[..],
            b"-ERR x\r\n",
            b":-1\r\n",
            b"$0\r\n\r\n",
            b"$-1\r\n",
            b"*-1\r\n",
            b"_\r\n",
            b",1.5\r\n",
            b",0.10000000000000001\r\n",
            b",inf\r\n",
            b",-inf\r\n",
            b",nan\r\n",
            b"#t\r\n",
            b"(123\r\n",
            b"!3\r\nERR\r\n",
            b"=5\r\nmkd:x\r\n",
            b"*2\r\n~1\r\n>0\r\n%1\r\n:1\r\n:2\r\n",
        ] {
            assert_eq!(&parse_all(wire).to_bytes()[..], wire, "{wire:?}");
        }
    }

    #[test]
    fn parse_bytes_is_zero_copy() {
        let wire = Bytes::from_static(b"*2\r\n$3\r\nfoo\r\n+bar\r\n");
        let (f, n) = Frame::parse_bytes(&wire).unwrap().unwrap();
        assert_eq!(n, wire.len());
        let Frame::Array(items) = f else { panic!() };
        let Frame::Bulk(foo) = &items[0] else {
            panic!()
        };
        assert_eq!(foo.as_ptr(), wire[8..].as_ptr());
    }

    #[test]
    fn decoder_takes_frames_off_the_buffer() {
        let mut buf = BytesMut::from(&b"+a\r\n*2\r\n:1\r\n"[..]);
        let mut d = FrameDecoder::new();
        assert_eq!(d.decode(&mut buf), Ok(Some(Frame::Simple(b("a")))));
        assert_eq!(d.decode(&mut buf), Ok(None));
        assert_eq!(&buf[..], b"*2\r\n:1\r\n");
        buf.extend_from_slice(b":2\r\n_");
        assert_eq!(
            d.decode(&mut buf),
            Ok(Some(Frame::Array(vec![
                Frame::Integer(1),
                Frame::Integer(2)
            ])))
        );
        assert_eq!(d.decode(&mut buf), Ok(None));
        buf.extend_from_slice(b"\r\n");
        assert_eq!(d.decode(&mut buf), Ok(Some(Frame::Null)));
        assert!(buf.is_empty());
        buf.extend_from_slice(b"*1\r\n?");
        assert_eq!(d.decode(&mut buf), Err(FrameError::InvalidType(b'?')));
    }

    #[test]
    fn decoder_handles_a_big_reply_in_pieces() {
        let items: Vec<Frame> = (0..100_000)
            .map(|i| Frame::Bulk(Bytes::from(format!("member:{i}"))))
            .collect();
        let wire = Frame::Array(items.clone()).to_bytes();
        let mut d = FrameDecoder::new();
        let mut buf = BytesMut::new();
        let mut got = None;
        for piece in wire.chunks(4096) {
            assert!(got.is_none());
            buf.extend_from_slice(piece);
            got = d.decode(&mut buf).unwrap();
        }
        assert_eq!(got, Some(Frame::Array(items)));
    }

    #[test]
    fn decoder_depth_limit() {
        let mut d = FrameDecoder::new();
        let mut buf = BytesMut::from(&b"*1\r\n".repeat(MAX_DEPTH + 1)[..]);
        assert_eq!(d.decode(&mut buf), Err(FrameError::TooDeep));
    }

    fn arb_line() -> impl Strategy<Value = Bytes> {
        prop::collection::vec(
            any::<u8>().prop_filter("no CR/LF", |c| *c != b'\r' && *c != b'\n'),
            0..12,
        )
        .prop_map(Bytes::from)
    }

    fn arb_blob() -> impl Strategy<Value = Bytes> {
        prop::collection::vec(any::<u8>(), 0..24).prop_map(Bytes::from)
    }

    fn arb_frame() -> impl Strategy<Value = Frame> {
        let leaf = prop_oneof![
            arb_line().prop_map(Frame::Simple),
            arb_line().prop_map(Frame::Error),
            any::<i64>().prop_map(Frame::Integer),
            arb_blob().prop_map(Frame::Bulk),
            Just(Frame::NullBulk),
            Just(Frame::NullArray),
            Just(Frame::Null),
            any::<f64>().prop_map(Frame::Double),
            prop_oneof![
                Just(f64::INFINITY),
                Just(f64::NEG_INFINITY),
                Just(-0.0),
                Just(f64::NAN)
            ]
            .prop_map(Frame::Double),
            any::<bool>().prop_map(Frame::Boolean),
            "-?[0-9]{1,40}".prop_map(|s| Frame::BigNumber(Bytes::from(s))),
            arb_blob().prop_map(Frame::BlobError),
            (any::<[u8; 3]>(), arb_blob())
                .prop_map(|(format, text)| Frame::Verbatim { format, text }),
        ];
        leaf.prop_recursive(5, 64, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(Frame::Array),
                prop::collection::vec(inner.clone(), 0..6).prop_map(Frame::Set),
                prop::collection::vec(inner.clone(), 0..6).prop_map(Frame::Push),
                prop::collection::vec((inner.clone(), inner.clone()), 0..4).prop_map(Frame::Map),
                (
                    prop::collection::vec((inner.clone(), inner.clone()), 0..3),
                    inner
                )
                    .prop_map(|(attrs, v)| Frame::Attribute {
                        attrs,
                        value: Box::new(v)
                    }),
            ]
        })
    }

    fn arb_protocolish() -> impl Strategy<Value = Vec<u8>> {
        prop::collection::vec(
            prop::sample::select(b"*$%~>|!=(,#_+-:;.?\r\n0123456789tfinax".to_vec()),
            0..64,
        )
    }

    proptest! {
        #[test]
        fn encode_parse_identity(f in arb_frame()) {
            let wire = f.to_bytes();
            let (back, n) = Frame::parse(&wire).unwrap().unwrap();
            prop_assert_eq!(n, wire.len());
            prop_assert!(same(&f, &back), "{:?} != {:?}", f, back);
            prop_assert_eq!(back.to_bytes(), wire);
        }

        #[test]
        fn every_strict_prefix_is_incomplete(f in arb_frame()) {
            let wire = f.to_bytes();
            for k in 0..wire.len() {
                prop_assert_eq!(Frame::parse(&wire[..k]), Ok(None), "prefix {}", k);
            }
        }

        #[test]
        fn arbitrary_bytes_never_panic(data in prop::collection::vec(any::<u8>(), 0..256)) {
            let _ = Frame::parse(&data);
            let _ = Frame::parse_bytes(&Bytes::from(data.clone()));
            let mut d = FrameDecoder::new();
            let mut buf = BytesMut::from(&data[..]);
            while let Ok(Some(_)) = d.decode(&mut buf) {}
        }

        #[test]
        fn decoder_agrees_with_parse(frames in prop::collection::vec(arb_frame(), 1..4), chunk in 1usize..40) {
            let mut wire = BytesMut::new();
            for f in &frames {
                f.encode(&mut wire);
            }
            let mut d = FrameDecoder::new();
            let mut buf = BytesMut::new();
            let mut got = Vec::new();
            for piece in wire.chunks(chunk) {
                buf.extend_from_slice(piece);
                while let Some(f) = d.decode(&mut buf).unwrap() {
                    got.push(f);
                }
            }
            prop_assert_eq!(got.len(), frames.len());
            for (g, f) in got.iter().zip(&frames) {
                prop_assert!(same(g, f));
            }
        }

        #[test]
        fn decoder_never_panics_and_agrees_on_errors(data in arb_protocolish(), chunk in 1usize..8) {
            let whole = Frame::parse(&data).map(|o| o.map(|(f, n)| (f.to_bytes(), n)));
            let mut d = FrameDecoder::new();
            let mut buf = BytesMut::new();
            let mut res = Ok(None);
            for piece in data.chunks(chunk) {
                buf.extend_from_slice(piece);
                let before = buf.len();
                res = d.decode(&mut buf).map(|o| o.map(|f| (f.to_bytes(), before - buf.len())));
                if !matches!(res, Ok(None)) {
                    break;
                }
            }
            if data.is_empty() {
                prop_assert_eq!(whole, Ok(None));
            } else {
                prop_assert_eq!(res, whole);
            }
        }

        #[test]
        fn protocolish_bytes_never_panic(data in arb_protocolish()) {
            if let Ok(Some((f, n))) = Frame::parse(&data) {
                prop_assert!(n <= data.len());
                // Whatever parses re-encodes to something that parses the same way.
                let again = Frame::parse(&f.to_bytes()).unwrap().unwrap().0;
                prop_assert!(same(&f, &again));
            }
        }
    }
}
