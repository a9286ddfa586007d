//! `SmallBytes`: an immutable byte string that stores up to 22 bytes inline and longer ones in one
//! exact-size heap allocation.
//!
//! Keys and short string values are the bulk of a typical keyspace, so keeping them out of the
//! allocator saves both a pointer chase and the allocator's per-block overhead. This type knows
//! nothing about Redis semantics; it is only storage.

use std::borrow::Borrow;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::ops::Deref;

/// How many bytes fit inline: the enum stays 24 bytes (tag, length, 22 bytes of payload).
pub const INLINE_CAP: usize = 22;

/// An immutable byte string, inline when short.
#[derive(Clone)]
pub enum SmallBytes {
    Inline(u8, [u8; INLINE_CAP]),
    Heap(Box<[u8]>),
}

impl SmallBytes {
    pub fn new(b: &[u8]) -> Self {
        if b.len() <= INLINE_CAP {
            let mut buf = [0u8; INLINE_CAP];
            buf[..b.len()].copy_from_slice(b);
            SmallBytes::Inline(b.len() as u8, buf)
        } else {
            SmallBytes::Heap(b.into())
        }
    }

    pub fn from_vec(v: Vec<u8>) -> Self {
        if v.len() <= INLINE_CAP {
            Self::new(&v)
        } else {
            SmallBytes::Heap(v.into_boxed_slice())
        }
    }

    #[inline]
    pub fn as_slice(&self) -> &[u8] {
        match self {
            SmallBytes::Inline(len, buf) => &buf[..*len as usize],
            SmallBytes::Heap(b) => b,
        }
    }

    /// Bytes held on the heap for this value (0 when inline); used for memory accounting.
    pub fn heap_size(&self) -> usize {
        match self {
            SmallBytes::Inline(..) => 0,
            SmallBytes::Heap(b) => b.len(),
        }
    }
}

impl Deref for SmallBytes {
    type Target = [u8];
    #[inline]
    fn deref(&self) -> &[u8] {
        self.as_slice()
    }
}

impl AsRef<[u8]> for SmallBytes {
    fn as_ref(&self) -> &[u8] {
        self.as_slice()
    }
}

impl Borrow<[u8]> for SmallBytes {
    fn borrow(&self) -> &[u8] {
        self.as_slice()
    }
}

impl PartialEq for SmallBytes {
    fn eq(&self, other: &Self) -> bool {
        self.as_slice() == other.as_slice()
    }
}
impl Eq for SmallBytes {}

impl Hash for SmallBytes {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.as_slice().hash(state)
    }
}

impl fmt::Debug for SmallBytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", String::from_utf8_lossy(self.as_slice()))
    }
}

impl From<&[u8]> for SmallBytes {
    fn from(b: &[u8]) -> Self {
        SmallBytes::new(b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn size_is_24_bytes() {
        assert_eq!(std::mem::size_of::<SmallBytes>(), 24);
    }

    #[test]
    fn inline_and_heap_round_trip() {
        for n in [0usize, 1, 21, 22, 23, 100] {
            let v: Vec<u8> = (0..n as u8).collect();
            let s = SmallBytes::new(&v);
            assert_eq!(s.as_slice(), &v[..]);
            assert_eq!(matches!(s, SmallBytes::Inline(..)), n <= INLINE_CAP);
            assert_eq!(SmallBytes::from_vec(v.clone()).as_slice(), &v[..]);
        }
    }
}
