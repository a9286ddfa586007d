//! `Reply`: how handlers write their answer. A thin, protocol-aware façade over the RESP writer in
//! `crate::resp::write`, bound to one client's output buffer and protocol version, so handlers say
//! "a map of 3" or "a double" and RESP2 downgrades happen in one place.

use crate::commands::CmdError;
use crate::resp::write as w;
use bytes::BytesMut;

pub struct Reply<'a> {
    pub buf: &'a mut BytesMut,
    pub proto: u8,
}

impl<'a> Reply<'a> {
    pub fn new(buf: &'a mut BytesMut, proto: u8) -> Reply<'a> {
        Reply { buf, proto }
    }

    #[inline]
    pub fn resp3(&self) -> bool {
        self.proto >= 3
    }

    #[inline]
    pub fn ok(&mut self) {
        self.buf.extend_from_slice(b"+OK\r\n");
    }

    #[inline]
    pub fn simple(&mut self, s: &str) {
        w::write_simple(self.buf, s.as_bytes());
    }

    pub fn error(&mut self, e: &CmdError) {
        w::write_error(self.buf, &e.to_bytes());
    }

    #[inline]
    pub fn int(&mut self, i: i64) {
        w::write_integer(self.buf, i);
    }

    #[inline]
    pub fn bulk(&mut self, b: &[u8]) {
        w::write_bulk(self.buf, b);
    }

    /// A bulk string holding the decimal form of `i`.
    pub fn bulk_int(&mut self, i: i64) {
        w::write_bulk_integer(self.buf, i);
    }

    /// Null bulk (`$-1` / `_`).
    #[inline]
    pub fn null(&mut self) {
        w::write_null(self.buf, self.proto);
    }

    /// Null array (`*-1` / `_`).
    #[inline]
    pub fn null_array(&mut self) {
        w::write_null_array(self.buf, self.proto);
    }

    #[inline]
    pub fn array(&mut self, n: usize) {
        w::write_array_len(self.buf, n);
    }

    #[inline]
    pub fn map(&mut self, n: usize) {
        w::write_map_len(self.buf, self.proto, n);
    }

    #[inline]
    pub fn set(&mut self, n: usize) {
        w::write_set_len(self.buf, self.proto, n);
    }

    #[inline]
    pub fn push(&mut self, n: usize) {
        w::write_push_len(self.buf, self.proto, n);
    }

    pub fn double(&mut self, d: f64) {
        w::write_double(self.buf, self.proto, d);
    }

    pub fn boolean(&mut self, b: bool) {
        w::write_bool(self.buf, self.proto, b);
    }

    pub fn verbatim(&mut self, format: &str, text: &[u8]) {
        w::write_verbatim(self.buf, self.proto, format.as_bytes(), text);
    }

    /// An array of bulk strings.
    pub fn bulks<I, B>(&mut self, items: I)
    where
        I: ExactSizeIterator<Item = B>,
        B: AsRef<[u8]>,
    {
        self.array(items.len());
        for b in items {
            self.bulk(b.as_ref());
        }
    }

    /// Writes raw, already encoded bytes.
    pub fn raw(&mut self, b: &[u8]) {
        self.buf.extend_from_slice(b);
    }
}
