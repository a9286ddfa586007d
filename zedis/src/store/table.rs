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
//!
//! Growth is incremental, like Redis's rehashing: when the table doubles, a second generation of
//! 2^(bits+1) segments is created and every insert moves one old segment into its two halves, so
//! no single command pays for rehashing the whole keyspace. While that is under way, old segments
//! below `split` live in `next`, the rest still in `segs`.

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
    /// The current generation: 2^bits segments (those below `split` are empty, moved to `next`).
    segs: Vec<HashTable<E>>,
    /// While growing: the next generation, 2^(bits+1) segments; empty otherwise.
    next: Vec<HashTable<E>>,
    /// Old segments `[0, split)` have been moved into `next`.
    split: usize,
    bits: u32,
    len: usize,
    hasher: FixedState,
}

/// Segment `i` of a generation with 2^bits segments.
#[inline]
fn seg_index(hash: u64, bits: u32) -> usize {
    if bits == 0 {
        0
    } else {
        (hash >> (64 - bits)) as usize
    }
}

/// The hash position where segment `i` of a 2^bits generation ends (0 = the end of the space).
#[inline]
fn seg_end(i: usize, bits: u32) -> u64 {
    let next = i as u64 + 1;
    if bits == 0 || next >> bits != 0 {
        0
    } else {
        next << (64 - bits)
    }
}

impl<E: Keyed> Table<E> {
    pub fn new(hasher: FixedState) -> Self {
        Table {
            segs: vec![HashTable::new()],
            next: Vec::new(),
            split: 0,
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
    fn inner(hash: u64) -> u64 {
        hash.wrapping_mul(INNER_MIX)
    }

    /// Which generation and segment hold `hash`: (in `next`, index).
    #[inline]
    fn locate(&self, hash: u64) -> (bool, usize) {
        let i = seg_index(hash, self.bits);
        if i < self.split {
            (true, seg_index(hash, self.bits + 1))
        } else {
            (false, i)
        }
    }

    #[inline]
    fn seg(&self, hash: u64) -> &HashTable<E> {
        match self.locate(hash) {
            (true, j) => &self.next[j],
            (false, i) => &self.segs[i],
        }
    }

    #[inline]
    fn seg_mut(&mut self, hash: u64) -> &mut HashTable<E> {
        match self.locate(hash) {
            (true, j) => &mut self.next[j],
            (false, i) => &mut self.segs[i],
        }
    }

    pub fn get(&self, key: &[u8]) -> Option<&E> {
        let h = self.hash(key);
        self.seg(h).find(Self::inner(h), |e| e.key() == key)
    }

    pub fn get_mut(&mut self, key: &[u8]) -> Option<&mut E> {
        let h = self.hash(key);
        self.seg_mut(h).find_mut(Self::inner(h), |e| e.key() == key)
    }

    /// Inserts `e`, replacing and returning an entry with the same key.
    pub fn insert(&mut self, e: E) -> Option<E> {
        let h = self.hash(e.key());
        if let Some(slot) = self
            .seg_mut(h)
            .find_mut(Self::inner(h), |x| x.key() == e.key())
        {
            return Some(std::mem::replace(slot, e));
        }
        self.insert_hashed(h, e);
        None
    }

    /// Inserts an entry whose key the caller knows is absent (one probe instead of two).
    pub fn insert_new(&mut self, e: E) {
        let h = self.hash(e.key());
        self.insert_hashed(h, e);
    }

    fn insert_hashed(&mut self, h: u64, e: E) {
        let hasher = self.hasher.clone();
        self.seg_mut(h)
            .insert_unique(Self::inner(h), e, |x| Self::inner(hasher.hash_one(x.key())));
        self.len += 1;
        self.grow_step();
    }

    pub fn remove(&mut self, key: &[u8]) -> Option<E> {
        let h = self.hash(key);
        match self
            .seg_mut(h)
            .find_entry(Self::inner(h), |e| e.key() == key)
        {
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

    /// The segments in use, in hash-space order, with the position where each ends.
    fn live_segments(&self) -> impl Iterator<Item = (&HashTable<E>, u64)> {
        let moved = self
            .next
            .iter()
            .take(self.split * 2)
            .enumerate()
            .map(|(j, s)| (s, seg_end(j, self.bits + 1)));
        let old = self
            .segs
            .iter()
            .enumerate()
            .skip(self.split)
            .map(|(i, s)| (s, seg_end(i, self.bits)));
        moved.chain(old)
    }

    pub fn iter(&self) -> impl Iterator<Item = &E> {
        self.live_segments().flat_map(|(s, _)| s.iter())
    }

    /// Starts a doubling when the table is too full, and moves one old segment per call while a
    /// doubling is under way.
    fn grow_step(&mut self) {
        if self.next.is_empty() {
            if self.bits >= MAX_BITS || self.len <= self.segs.len() * SEGMENT_TARGET {
                return;
            }
            self.next = (0..self.segs.len() * 2).map(|_| HashTable::new()).collect();
            self.split = 0;
        }
        let old = std::mem::take(&mut self.segs[self.split]);
        let hasher = self.hasher.clone();
        let half = old.len() / 2 + 1;
        let (lo_i, hi_i) = (self.split * 2, self.split * 2 + 1);
        self.next[lo_i].reserve(half, |x| Self::inner(hasher.hash_one(x.key())));
        self.next[hi_i].reserve(half, |x| Self::inner(hasher.hash_one(x.key())));
        for e in old {
            let h = hasher.hash_one(e.key());
            let j = seg_index(h, self.bits + 1);
            self.next[j]
                .insert_unique(Self::inner(h), e, |x| Self::inner(hasher.hash_one(x.key())));
        }
        self.split += 1;
        if self.split == self.segs.len() {
            self.segs = std::mem::take(&mut self.next);
            self.split = 0;
            self.bits += 1;
        }
    }

    /// Visits whole segments starting at the one holding hash position `cursor`, calling `f` for
    /// every entry, until at least `count` entries were visited (or `max_segments` segments looked
    /// at). Returns the next cursor, 0 when the iteration is complete.
    pub fn scan(
        &self,
        cursor: u64,
        count: usize,
        max_segments: usize,
        mut f: impl FnMut(&E),
    ) -> u64 {
        let mut pos = cursor;
        let mut seen = 0usize;
        let mut looked = 0usize;
        loop {
            let (seg, end) = match self.locate(pos) {
                (true, j) => (&self.next[j], seg_end(j, self.bits + 1)),
                (false, i) => (&self.segs[i], seg_end(i, self.bits)),
            };
            for e in seg.iter() {
                f(e);
                seen += 1;
            }
            looked += 1;
            if end == 0 {
                return 0;
            }
            pos = end;
            if seen >= count || looked >= max_segments {
                return pos;
            }
        }
    }

    /// The segment holding hash position `pos`: the hash range `[start, end)` it covers (`end`
    /// 0 = the end of the hash space) and its entries. Segments only ever get finer (the table
    /// never shrinks; `clear` replaces it), so a range seen earlier is always a union of the
    /// segments seen later — the property the snapshot walker's bookkeeping relies on.
    pub fn segment_at(&self, pos: u64) -> (u64, u64, impl Iterator<Item = &E>) {
        let (seg, bits, i) = match self.locate(pos) {
            (true, j) => (&self.next[j], self.bits + 1, j),
            (false, i) => (&self.segs[i], self.bits, i),
        };
        let start = if bits == 0 {
            0
        } else {
            (i as u64) << (64 - bits)
        };
        (start, seg_end(i, bits), seg.iter())
    }

    /// A uniformly chosen live segment's random entry, or None when empty. Segments are small, so
    /// picking the n-th entry of one is cheap.
    pub fn random(&self, rng: &mut fastrand::Rng) -> Option<&E> {
        if self.len == 0 {
            return None;
        }
        let nseg = self.split * 2 + (self.segs.len() - self.split);
        let pick = |k: usize| -> &HashTable<E> {
            if k < self.split * 2 {
                &self.next[k]
            } else {
                &self.segs[self.split + (k - self.split * 2)]
            }
        };
        // Bounded retries over random segments; empty segments are rare once the table has keys,
        // and the fallback walks from a random start so a sparse table still answers.
        for _ in 0..16 {
            let seg = pick(rng.usize(..nseg));
            if !seg.is_empty() {
                return seg.iter().nth(rng.usize(..seg.len()));
            }
        }
        let start = rng.usize(..nseg);
        (0..nseg)
            .map(|i| pick((start + i) % nseg))
            .find(|s| !s.is_empty())
            .and_then(|s| s.iter().nth(rng.usize(..s.len())))
    }

    /// Approximate bytes held by the table structure itself (not by the entries' heap data).
    pub fn overhead_bytes(&self) -> usize {
        let slot = std::mem::size_of::<E>() + 1;
        self.segs
            .iter()
            .chain(self.next.iter())
            .map(|s| s.capacity() * slot)
            .sum::<usize>()
            + (self.segs.capacity() + self.next.capacity()) * std::mem::size_of::<HashTable<E>>()
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
    fn growth_is_incremental_and_lookups_work_mid_split() {
        let mut t = table();
        let mut i = 0u32;
        // Fill until a doubling is under way, then check every key is reachable mid-split.
        while t.next.is_empty() || t.split == 0 {
            t.insert(K(i.to_string().into_bytes()));
            i += 1;
        }
        assert!(t.split < t.segs.len(), "the split finished in one step");
        for k in 0..i {
            assert!(
                t.get(k.to_string().as_bytes()).is_some(),
                "lost {k} mid-split"
            );
        }
        assert_eq!(t.iter().count(), i as usize);
        assert!(t.remove(b"0").is_some());
        assert_eq!(t.iter().count(), i as usize - 1);
        // A full scan mid-split sees everything exactly once.
        let mut n = 0;
        let mut cursor = 0;
        loop {
            cursor = t.scan(cursor, 1, 1, |_| n += 1);
            if cursor == 0 {
                break;
            }
        }
        assert_eq!(n, i as usize - 1);
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
