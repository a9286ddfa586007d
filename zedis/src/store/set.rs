//! The set value: unordered collections of distinct strings with Redis 7.0's two encodings.
//!
//! A set whose members are all canonical 64-bit integers, and no more than
//! `set-max-intset-entries` of them, is an "intset": a sorted vector searched by bisection. That
//! is Redis's own layout, and keeping it sorted makes SMEMBERS, SSCAN and the set operations on
//! small integer sets reply in exactly Redis's order, which the differential corpus relies on.
//! The first non-integer member, or one member too many, converts the set to a "hashtable" for
//! good (Redis never converts back). Redis 7.0 has no listpack encoding for sets.
//!
//! The hashtable is an `IndexSet`: O(1) lookups like Redis's dict plus O(1) access by position,
//! which SRANDMEMBER and SPOP need for uniform sampling and SSCAN uses as a cursor that survives
//! deletions (the same scheme as `HashValue::scan`).

use super::SmallBytes;
use crate::util::num::parse_i64;
use foldhash::fast::RandomState;
use indexmap::IndexSet;
use std::borrow::Cow;

#[derive(Clone, Debug, PartialEq)]
pub enum SetValue {
    Intset(Vec<i64>),
    Table(IndexSet<SmallBytes, RandomState>),
}

impl Default for SetValue {
    fn default() -> Self {
        SetValue::Intset(Vec::new())
    }
}

impl SetValue {
    pub fn new() -> SetValue {
        SetValue::default()
    }

    pub fn len(&self) -> usize {
        match self {
            SetValue::Intset(v) => v.len(),
            SetValue::Table(s) => s.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn encoding(&self) -> &'static str {
        match self {
            SetValue::Intset(_) => "intset",
            SetValue::Table(_) => "hashtable",
        }
    }

    pub fn contains(&self, m: &[u8]) -> bool {
        match self {
            // Only a canonical integer can be in an intset (Redis's string2ll test).
            SetValue::Intset(v) => parse_i64(m).is_some_and(|i| v.binary_search(&i).is_ok()),
            SetValue::Table(s) => s.contains(m),
        }
    }

    fn convert_to_table(&mut self) {
        if let SetValue::Intset(v) = self {
            let mut s = IndexSet::with_capacity_and_hasher(v.len(), RandomState::default());
            s.extend(v.iter().map(|i| SmallBytes::new(i.to_string().as_bytes())));
            *self = SetValue::Table(s);
        }
    }

    /// Adds `m` (copied); returns whether it is new. `max_intset` is `set-max-intset-entries`.
    pub fn add(&mut self, m: &[u8], max_intset: usize) -> bool {
        if let SetValue::Intset(v) = self {
            match parse_i64(m) {
                Some(i) => {
                    let Err(pos) = v.binary_search(&i) else {
                        return false;
                    };
                    v.insert(pos, i);
                    if v.len() > max_intset {
                        self.convert_to_table();
                    }
                    return true;
                }
                None => self.convert_to_table(),
            }
        }
        match self {
            SetValue::Table(s) => s.insert(SmallBytes::new(m)),
            SetValue::Intset(_) => false,
        }
    }

    /// Removes `m`; returns whether it was there.
    pub fn remove(&mut self, m: &[u8]) -> bool {
        match self {
            SetValue::Intset(v) => match parse_i64(m).map(|i| v.binary_search(&i)) {
                Some(Ok(pos)) => {
                    v.remove(pos);
                    true
                }
                _ => false,
            },
            SetValue::Table(s) => s.swap_remove(m),
        }
    }

    /// The member at position `i` (sorted position for an intset).
    pub fn at(&self, i: usize) -> Option<Cow<'_, [u8]>> {
        match self {
            SetValue::Intset(v) => v.get(i).map(|n| Cow::Owned(n.to_string().into_bytes())),
            SetValue::Table(s) => s.get_index(i).map(|m| Cow::Borrowed(m.as_ref())),
        }
    }

    /// Removes and returns the member at position `i`.
    pub fn remove_at(&mut self, i: usize) -> Option<Vec<u8>> {
        match self {
            SetValue::Intset(v) => (i < v.len()).then(|| v.remove(i).to_string().into_bytes()),
            SetValue::Table(s) => s.swap_remove_index(i).map(|m| m.to_vec()),
        }
    }

    /// Every member, ascending for an intset.
    pub fn iter(&self) -> Box<dyn Iterator<Item = Cow<'_, [u8]>> + '_> {
        match self {
            SetValue::Intset(v) => {
                Box::new(v.iter().map(|n| Cow::Owned(n.to_string().into_bytes())))
            }
            SetValue::Table(s) => Box::new(s.iter().map(|m| Cow::Borrowed(m.as_ref()))),
        }
    }

    /// One SSCAN step; see `HashValue::scan` for the cursor scheme. An intset is returned whole
    /// in one step, as in Redis.
    pub fn scan(&self, cursor: u64, count: usize, mut f: impl FnMut(&[u8])) -> u64 {
        if matches!(self, SetValue::Intset(_)) {
            for m in self.iter() {
                f(&m);
            }
            return 0;
        }
        let len = self.len();
        let mut next = if cursor == 0 {
            len
        } else {
            (cursor as usize).min(len)
        };
        let mut done = 0;
        while next > 0 && done < count.max(1) {
            next -= 1;
            if let Some(m) = self.at(next) {
                f(&m);
            }
            done += 1;
        }
        next as u64
    }

    /// Heap bytes, for memory estimates.
    pub fn heap_size(&self) -> usize {
        self.heap_size_sampled(0)
    }

    /// Heap bytes, with a hashtable's members extrapolated from the first `samples` of them when
    /// `samples` is non-zero (MEMORY USAGE … SAMPLES); an intset is exact.
    pub fn heap_size_sampled(&self, samples: usize) -> usize {
        match self {
            SetValue::Intset(v) => v.capacity() * 8,
            SetValue::Table(s) => {
                super::sampled_sum(s.iter().map(SmallBytes::heap_size), s.len(), samples)
                    + s.capacity() * (std::mem::size_of::<SmallBytes>() + 16)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intset_stays_sorted_and_converts() {
        let mut s = SetValue::new();
        for m in ["3", "1", "2", "1"] {
            s.add(m.as_bytes(), 4);
        }
        assert_eq!(s.len(), 3);
        assert_eq!(s.encoding(), "intset");
        let v: Vec<Vec<u8>> = s.iter().map(|m| m.to_vec()).collect();
        assert_eq!(v, vec![b"1".to_vec(), b"2".to_vec(), b"3".to_vec()]);
        assert!(!s.contains(b"01"));
        s.add(b"4", 4);
        assert_eq!(s.encoding(), "intset");
        s.add(b"5", 4);
        assert_eq!(s.encoding(), "hashtable");
        assert!(s.contains(b"1") && s.contains(b"5"));
        let mut t = SetValue::new();
        t.add(b"1", 512);
        t.add(b"a", 512);
        assert_eq!(t.encoding(), "hashtable");
        assert!(t.remove(b"1") && !t.remove(b"1"));
    }
}
