//! `Table`: the keyspace's hash table, split into power-of-two segments addressed by the top bits
//! of each key's hash.
//!
//! Why segments rather than one big map: SCAN must return every key present for the whole
//! iteration even when the table grows in between, and that needs a stable notion of "where in the
//! table" a cursor points. Here a cursor is a position in the 64-bit hash space: everything whose
//! hash is below the cursor has been visited. Doubling the number of segments splits each segment
//! in two without moving any key across that boundary, so cursors stay valid (Redis gets the same
//! guarantee from its reverse-binary bucket cursor). Segments also give later snapshot and rewrite
//! code a natural unit of work. This module knows keys only as byte strings; values are opaque.

use foldhash::fast::FixedState;
use hashbrown::HashTable;
use std::hash::BuildHasher;

/// Average entries per segment before the segment count doubles.
const SEGMENT_TARGET: usize = 64;
/// Never more than 2^MAX_BITS segments (the cursor arithmetic needs bits < 64 anyway).
const MAX_BITS: u32 = 24;
/// Multiplier that remixes the hash for use inside a segment: all keys of one segment share their
/// top bits, which hashbrown would otherwise use for its control bytes.
const INNER_MIX: u64 = 0x9E37_79B9_7F4A_7C15;

/// Anything stored in a `Table` exposes its key.
pub trait Keyed {
    fn key(&self) -> &[u8];
}

pub struct Table<E> {
    segs: Vec<HashTable<E>>,
    bits: u32,
    len: usize,
    hasher: FixedState,
}

impl<E: Keyed> Table<E> {
    pub fn new(hasher: FixedState) -> Self {
        Table {
            segs: vec![HashTable::new()],
            bits: 0,
            len: 0,
            hasher,
        }
    }

    #[inline]
    pub fn len(&self) -> usize {
        self.len
    }

    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    #[inline]
    pub fn hash(&self, key: &[u8]) -> u64 {
        self.hasher.hash_one(key)
    }

    #[inline]
    fn seg_of(&self, hash: u64) -> usize {
        if self.bits == 0 {
            0
        } else {
            (hash >> (64 - self.bits)) as usize
        }
    }

    #[inline]
    fn inner(hash: u64) -> u64 {
        hash.wrapping_mul(INNER_MIX)
    }

    pub fn get(&self, key: &[u8]) -> Option<&E> {
        let h = self.hash(key);
        self.segs[self.seg_of(h)].find(Self::inner(h), |e| e.key() == key)
    }

    pub fn get_mut(&mut self, key: &[u8]) -> Option<&mut E> {
        let h = self.hash(key);
        let s = self.seg_of(h);
        self.segs[s].find_mut(Self::inner(h), |e| e.key() == key)
    }

    /// Inserts `e`, replacing and returning an entry with the same key.
    pub fn insert(&mut self, e: E) -> Option<E> {
        let h = self.hash(e.key());
        let s = self.seg_of(h);
        let hasher = &self.hasher;
        let seg = &mut self.segs[s];
        match seg.find_mut(Self::inner(h), |x| x.key() == e.key()) {
            Some(slot) => Some(std::mem::replace(slot, e)),
            None => {
                seg.insert_unique(Self::inner(h), e, |x| Self::inner(hasher.hash_one(x.key())));
                self.len += 1;
                self.maybe_grow();
                None
            }
        }
    }

    /// Inserts an entry whose key the caller knows is absent (one probe instead of two).
    pub fn insert_new(&mut self, e: E) {
        let h = self.hash(e.key());
        let s = self.seg_of(h);
        let hasher = &self.hasher;
        self.segs[s].insert_unique(Self::inner(h), e, |x| Self::inner(hasher.hash_one(x.key())));
        self.len += 1;
        self.maybe_grow();
    }

    pub fn remove(&mut self, key: &[u8]) -> Option<E> {
        let h = self.hash(key);
        let s = self.seg_of(h);
        match self.segs[s].find_entry(Self::inner(h), |e| e.key() == key) {
            Ok(entry) => {
                let (e, _) = entry.remove();
                self.len -= 1;
                Some(e)
            }
            Err(_) => None,
        }
    }

    pub fn clear(&mut self) {
        *self = Table::new(self.hasher.clone());
    }

    pub fn iter(&self) -> impl Iterator<Item = &E> {
        self.segs.iter().flat_map(|s| s.iter())
    }

    fn maybe_grow(&mut self) {
        if self.bits >= MAX_BITS || self.len <= self.segs.len() * SEGMENT_TARGET {
            return;
        }
        // Split every segment in two by the next hash bit. This is a full pass over the table;
        // it happens at each doubling only, so its cost is amortized O(1) per insert.
        let new_bits = self.bits + 1;
        let old = std::mem::take(&mut self.segs);
        let mut segs: Vec<HashTable<E>> = Vec::with_capacity(old.len() * 2);
        let hasher = &self.hasher;
        for seg in old {
            let half = seg.len() / 2 + 1;
            let mut lo = HashTable::with_capacity(half);
            let mut hi = HashTable::with_capacity(half);
            for e in seg {
                let h = hasher.hash_one(e.key());
                let rehash = |x: &E| Self::inner(hasher.hash_one(x.key()));
                if (h >> (63 - self.bits)) & 1 == 0 {
                    lo.insert_unique(Self::inner(h), e, rehash);
                } else {
                    hi.insert_unique(Self::inner(h), e, rehash);
                }
            }
            segs.push(lo);
            segs.push(hi);
        }
        self.segs = segs;
        self.bits = new_bits;
    }

    /// Visits whole segments starting at the one holding hash position `cursor`, calling `f` for
    /// every entry, until at least `count` entries were visited (or `max_segments` segments looked at).
    /// Returns the next cursor, 0 when the iteration is complete.
    pub fn scan(
        &self,
        cursor: u64,
        count: usize,
        max_segments: usize,
        mut f: impl FnMut(&E),
    ) -> u64 {
        let mut seg = self.seg_of(cursor);
        let mut seen = 0usize;
        let mut looked = 0usize;
        loop {
            for e in self.segs[seg].iter() {
                f(e);
                seen += 1;
            }
            looked += 1;
            seg += 1;
            if seg >= self.segs.len() {
                return 0;
            }
            if seen >= count || looked >= max_segments {
                return (seg as u64) << (64 - self.bits);
            }
        }
    }

    /// A uniformly chosen segment's random entry, or None when empty. Segments are small, so
    /// picking the n-th entry of one is cheap.
    pub fn random(&self, rng: &mut fastrand::Rng) -> Option<&E> {
        if self.len == 0 {
            return None;
        }
        // Bounded retries over random segments; empty segments are rare once the table has keys,
        // and the fallback walks from a random start so a sparse table still answers.
        for _ in 0..16 {
            let seg = &self.segs[rng.usize(..self.segs.len())];
            if !seg.is_empty() {
                return seg.iter().nth(rng.usize(..seg.len()));
            }
        }
        let start = rng.usize(..self.segs.len());
        (0..self.segs.len())
            .map(|i| &self.segs[(start + i) % self.segs.len()])
            .find(|s| !s.is_empty())
            .and_then(|s| s.iter().nth(rng.usize(..s.len())))
    }

    /// Approximate bytes held by the table structure itself (not by the entries' heap data).
    pub fn overhead_bytes(&self) -> usize {
        self.segs
            .iter()
            .map(|s| s.capacity() * (std::mem::size_of::<E>() + 1))
            .sum::<usize>()
            + self.segs.capacity() * std::mem::size_of::<HashTable<E>>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    struct K(Vec<u8>);
    impl Keyed for K {
        fn key(&self) -> &[u8] {
            &self.0
        }
    }

    fn table() -> Table<K> {
        Table::new(FixedState::with_seed(42))
    }

    #[test]
    fn insert_get_remove() {
        let mut t = table();
        for i in 0..10_000u32 {
            assert!(t.insert(K(i.to_string().into_bytes())).is_none());
        }
        assert_eq!(t.len(), 10_000);
        assert!(t.bits > 0);
        for i in 0..10_000u32 {
            assert!(t.get(i.to_string().as_bytes()).is_some());
        }
        assert!(t.insert(K(b"5".to_vec())).is_some());
        assert!(t.remove(b"5").is_some());
        assert!(t.remove(b"5").is_none());
        assert_eq!(t.len(), 9_999);
    }

    #[test]
    fn scan_returns_every_key_present_throughout_even_across_growth() {
        let mut t = table();
        for i in 0..500u32 {
            t.insert(K(format!("old{i}").into_bytes()));
        }
        let mut seen = HashSet::new();
        let mut cursor = 0;
        let mut n = 0u32;
        loop {
            cursor = t.scan(cursor, 10, 100, |e| {
                seen.insert(e.0.clone());
            });
            // Grow the table a lot between calls.
            for _ in 0..300 {
                t.insert(K(format!("new{n}").into_bytes()));
                n += 1;
            }
            if cursor == 0 {
                break;
            }
        }
        for i in 0..500u32 {
            assert!(
                seen.contains(format!("old{i}").as_bytes()),
                "missing old{i}"
            );
        }
    }

    #[test]
    fn random_finds_entries() {
        let mut t = table();
        let mut rng = fastrand::Rng::with_seed(1);
        assert!(t.random(&mut rng).is_none());
        t.insert(K(b"only".to_vec()));
        assert_eq!(
            t.random(&mut rng).map(|e| e.0.clone()),
            Some(b"only".to_vec())
        );
    }
}
