//! `RawStr`: the storage of a "raw"-encoded string value, 16 bytes so that `Value` stays 24.
//!
//! A string created whole (SET of more than 44 bytes, a loaded value) is an exact-size boxed
//! slice: no spare capacity and no header beyond the pointer and length. A string modified in
//! place (APPEND, SETRANGE, SETBIT, PFADD, …) becomes a boxed `Vec` on its first change, so the
//! commands that grow it keep amortized O(1) appends for the price of one small extra block on
//! strings that are being edited anyway. Holding a `Vec` directly made `Value` 32 bytes and every
//! keyspace entry 8 bytes bigger (`bench/memory.py`, issue 6). This type knows nothing about
//! Redis; it is only storage.

use std::ops::Deref;

#[derive(Clone)]
pub enum RawStr {
    /// Created whole: exactly the string's bytes.
    Exact(Box<[u8]>),
    /// Modified in place at least once: a growable buffer.
    Grown(Box<Vec<u8>>),
}

impl RawStr {
    #[inline]
    pub fn as_slice(&self) -> &[u8] {
        match self {
            RawStr::Exact(b) => b,
            RawStr::Grown(v) => v,
        }
    }

    /// The bytes as a growable buffer, converting an exact string on first use.
    pub fn as_vec_mut(&mut self) -> &mut Vec<u8> {
        if let RawStr::Exact(b) = self {
            *self = RawStr::Grown(Box::new(std::mem::take(b).into_vec()));
        }
        match self {
            RawStr::Grown(v) => v,
            // Converted just above.
            RawStr::Exact(_) => unreachable!("RawStr::Exact converted to Grown"),
        }
    }

    /// Heap bytes held (the buffer, plus the `Vec` header of a grown string).
    pub fn heap_size(&self) -> usize {
        match self {
            RawStr::Exact(b) => b.len(),
            RawStr::Grown(v) => v.capacity() + std::mem::size_of::<Vec<u8>>(),
        }
    }
}

impl Deref for RawStr {
    type Target = [u8];
    #[inline]
    fn deref(&self) -> &[u8] {
        self.as_slice()
    }
}

impl AsRef<[u8]> for RawStr {
    fn as_ref(&self) -> &[u8] {
        self.as_slice()
    }
}

impl From<Vec<u8>> for RawStr {
    fn from(v: Vec<u8>) -> RawStr {
        RawStr::Exact(v.into_boxed_slice())
    }
}

impl From<&[u8]> for RawStr {
    fn from(b: &[u8]) -> RawStr {
        RawStr::Exact(b.into())
    }
}

impl PartialEq for RawStr {
    fn eq(&self, other: &Self) -> bool {
        self.as_slice() == other.as_slice()
    }
}

impl std::fmt::Debug for RawStr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}", String::from_utf8_lossy(self.as_slice()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sixteen_bytes_and_grows_in_place() {
        assert_eq!(std::mem::size_of::<RawStr>(), 16);
        let mut r = RawStr::from(b"abc".to_vec());
        assert!(matches!(r, RawStr::Exact(_)));
        r.as_vec_mut().extend_from_slice(b"def");
        assert!(matches!(r, RawStr::Grown(_)));
        assert_eq!(&*r, b"abcdef");
        r.as_vec_mut().truncate(1);
        assert_eq!(r.as_slice(), b"a");
    }
}
