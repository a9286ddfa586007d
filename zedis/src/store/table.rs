//! `Table`: the keyspace's hash table, split into power-of-two segments addressed by the top bits
//! of each key's hash.
//!
//! Why segments rather than one big map: SCAN must return every key present for the whole
//! iteration even when the table grows in between, and that needs a stable notion of "where in the
//! table" a cursor points. Here a cursor is a position in the 64-bit hash space: everything whose
//! hash is below the cursor has been visited. Doubling the number of segments splits each segment
//! in two without moving any key across that boundary, so cursors stay valid (Redis gets the same
//! guarantee from its reverse-binary bucket cursor). Segments also give the snapshot walker a
//! natural unit of work. This module knows keys only as byte strings; values are opaque.
//!
//! Growth is incremental, like Redis's rehashing: when the table doubles, a second generation of
//! 2^(bits+1) segments is created and every insert moves one old segment into its two halves, so
//! no single command pays for rehashing the whole keyspace. While that is under way, old segments
//! below `split` live in `next`, the rest still in `segs`.
//!
//! Why each segment is a dense vector plus a small index rather than an open-addressing table of
//! entries: an entry is tens of bytes, and a hash table holding entries in its slots keeps
//! 15–55 % of those slots empty (hashbrown's load factor swings between 7/16 and 7/8 as it
//! doubles) — measured at ~132 bytes per small key, against ~89 for Redis. Here the entries sit
//! back to back in a `Vec` grown in steps of an eighth (so at most ~11 % of it is slack), and the
//! hash index holds only a 2-byte position per slot (3 bytes with its control byte), so the empty
//! slots cost little. Deletion swaps the last entry into the hole and repoints its index slot, as
//! `IndexMap` does.

use foldhash::fast::FixedState;
use hashbrown::HashTable;
use std::hash::BuildHasher;

/// Average entries per segment before the segment count doubles.
const SEGMENT_TARGET: usize = 256;
/// Never more than 2^MAX_BITS segments (the cursor arithmetic needs bits < 64 anyway). At this
/// many segments a segment outgrows its 16-bit positions only past ~2^48 keys, far beyond any
/// memory this could run in.
const MAX_BITS: u32 = 32;
/// Multiplier that remixes the hash for use inside a segment: all keys of one segment share their
/// top bits, which hashbrown would otherwise use for its control bytes.
const INNER_MIX: u64 = 0x9E37_79B9_7F4A_7C15;

/// Anything stored in a `Table` exposes its key.
pub trait Keyed {
    fn key(&self) -> &[u8];
}

/// Entries per storage block of a segment.
const BLOCK: usize = 16;

/// One segment: its entries, densely, in fixed-size blocks, and an index from hash to position.
///
/// Fixed-size blocks rather than one growing vector: every block of every segment has the same
/// size, so the allocator reuses a freed block exactly (a split frees the old segment's blocks
/// and allocates the halves' at once). A vector grown in steps left holes of every size behind
/// it — measured at 16 MiB of RSS over used_memory for 1 M small keys.
struct Segment<E> {
    blocks: Vec<Vec<E>>,
    len: usize,
    index: HashTable<u16>,
}

impl<E> Default for Segment<E> {
    fn default() -> Self {
        Segment {
            blocks: Vec::new(),
            len: 0,
            index: HashTable::new(),
        }
    }
}

#[inline]
fn inner(hash: u64) -> u64 {
    hash.wrapping_mul(INNER_MIX)
}

impl<E: Keyed> Segment<E> {
    #[inline]
    fn at(&self, i: usize) -> &E {
        &self.blocks[i / BLOCK][i % BLOCK]
    }

    #[inline]
    fn at_mut(&mut self, i: usize) -> &mut E {
        &mut self.blocks[i / BLOCK][i % BLOCK]
    }

    fn iter(&self) -> impl Iterator<Item = &E> + Clone {
        self.blocks.iter().flatten()
    }

    /// The position of `key` (hash `h`) in this segment.
    #[inline]
    fn find(&self, h: u64, key: &[u8]) -> Option<usize> {
        self.index
            .find(inner(h), |&i| self.at(i as usize).key() == key)
            .map(|&i| i as usize)
    }

    /// Appends an entry whose key is absent.
    fn push(&mut self, h: u64, e: E, hasher: &FixedState) {
        let n = self.len;
        match self.blocks.last_mut() {
            Some(b) if b.len() < BLOCK => b.push(e),
            _ => {
                let mut b = Vec::with_capacity(BLOCK);
                b.push(e);
                self.blocks.push(b);
            }
        }
        self.len += 1;
        let blocks = &self.blocks;
        self.index.insert_unique(inner(h), n as u16, |&i| {
            let i = i as usize;
            inner(hasher.hash_one(blocks[i / BLOCK][i % BLOCK].key()))
        });
    }

    /// Removes the entry at `pos` (whose index slot the caller already removed), moving the last
    /// entry into its place.
    fn take(&mut self, pos: usize, hasher: &FixedState) -> Option<E> {
        let last = self.len.checked_sub(1)?;
        let tail = self.blocks.last_mut()?;
        let mut e = tail.pop()?;
        if tail.is_empty() {
            self.blocks.pop();
        }
        self.len -= 1;
        if pos != last {
            // The last entry fills the hole; its index slot follows it.
            std::mem::swap(self.at_mut(pos), &mut e);
            let moved = inner(hasher.hash_one(self.at(pos).key()));
            if let Some(slot) = self.index.find_mut(moved, |&i| i as usize == last) {
                *slot = pos as u16;
            }
        }
        Some(e)
    }

    fn remove(&mut self, h: u64, key: &[u8], hasher: &FixedState) -> Option<E> {
        let blocks = &self.blocks;
        let pos = match self.index.find_entry(inner(h), |&i| {
            let i = i as usize;
            blocks[i / BLOCK][i % BLOCK].key() == key
        }) {
            Ok(slot) => slot.remove().0 as usize,
            Err(_) => return None,
        };
        self.take(pos, hasher)
    }

    /// Bytes of this segment's own structure (entry slots, index), without the entries' heap.
    fn overhead_bytes(&self) -> usize {
        // hashbrown keeps ~1/8 of its buckets free: a slot is 2 bytes plus a control byte.
        self.blocks.len() * BLOCK * std::mem::size_of::<E>()
            + self.blocks.capacity() * std::mem::size_of::<Vec<E>>()
            + self.index.capacity() * 8 / 7 * 3
    }
}

pub struct Table<E> {
    /// The current generation: 2^bits segments (those below `split` are empty, moved to `next`).
    segs: Vec<Segment<E>>,
    /// While growing: the next generation, 2^(bits+1) segments; empty otherwise.
    next: Vec<Segment<E>>,
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
            segs: vec![Segment::default()],
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
    fn seg(&self, hash: u64) -> &Segment<E> {
        match self.locate(hash) {
            (true, j) => &self.next[j],
            (false, i) => &self.segs[i],
        }
    }

    #[inline]
    fn seg_mut(&mut self, hash: u64) -> &mut Segment<E> {
        match self.locate(hash) {
            (true, j) => &mut self.next[j],
            (false, i) => &mut self.segs[i],
        }
    }

    pub fn get(&self, key: &[u8]) -> Option<&E> {
        let h = self.hash(key);
        let seg = self.seg(h);
        seg.find(h, key).map(|i| seg.at(i))
    }

    pub fn get_mut(&mut self, key: &[u8]) -> Option<&mut E> {
        let h = self.hash(key);
        let seg = self.seg_mut(h);
        let i = seg.find(h, key)?;
        Some(seg.at_mut(i))
    }

    /// Inserts `e`, replacing and returning an entry with the same key.
    pub fn insert(&mut self, e: E) -> Option<E> {
        let h = self.hash(e.key());
        let seg = self.seg_mut(h);
        if let Some(i) = seg.find(h, e.key()) {
            return Some(std::mem::replace(seg.at_mut(i), e));
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
        self.seg_mut(h).push(h, e, &hasher);
        self.len += 1;
        self.grow_step();
    }

    pub fn remove(&mut self, key: &[u8]) -> Option<E> {
        let h = self.hash(key);
        let hasher = self.hasher.clone();
        let e = self.seg_mut(h).remove(h, key, &hasher)?;
        self.len -= 1;
        Some(e)
    }

    /// Sizes an empty table for about `n` entries at once: as many segments as growth would
    /// have reached, each index allocated for its share. A loader calls it with the count a
    /// file announces, so the keys it inserts never trigger the incremental doubling (which
    /// moves every entry once per doubling). A table that already holds entries is left alone:
    /// this is only a hint.
    pub fn reserve(&mut self, n: usize) {
        if self.len != 0 || !self.next.is_empty() {
            return;
        }
        let mut bits = 0;
        while bits < MAX_BITS && (SEGMENT_TARGET << bits) < n {
            bits += 1;
        }
        let per = n.div_ceil(1 << bits).min(SEGMENT_TARGET);
        self.segs = (0..1usize << bits)
            .map(|_| Segment {
                blocks: Vec::with_capacity(per.div_ceil(BLOCK)),
                len: 0,
                index: HashTable::with_capacity(per),
            })
            .collect();
        self.bits = bits;
        self.split = 0;
    }

    pub fn clear(&mut self) {
        *self = Table::new(self.hasher.clone());
    }

    /// The segments in use, in hash-space order, with the position where each ends.
    fn live_segments(&self) -> impl Iterator<Item = (&Segment<E>, u64)> {
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
            self.next = (0..self.segs.len() * 2)
                .map(|_| Segment::default())
                .collect();
            self.split = 0;
        }
        let old = std::mem::take(&mut self.segs[self.split]);
        let hasher = self.hasher.clone();
        for e in old.blocks.into_iter().flatten() {
            let h = hasher.hash_one(e.key());
            let j = seg_index(h, self.bits + 1);
            self.next[j].push(h, e, &hasher);
        }
        self.split += 1;
        if self.split == self.segs.len() {
            self.segs = std::mem::take(&mut self.next);
            self.split = 0;
            self.bits += 1;
        }
    }

    /// Visits entries in hash order from hash position `cursor`, calling `f` for each, until
    /// about `count` entries were visited (or `max_steps` steps taken). Returns the next cursor,
    /// 0 when the iteration is complete.
    ///
    /// A step covers the part of one segment's hash range that should hold about the entries
    /// still wanted, not the whole segment: segments hold a couple of hundred keys, and SCAN …
    /// COUNT 10 should return about ten, as Redis's does. That costs hashing the segment's keys
    /// again on each step (~1 µs), which only SCAN pays.
    pub fn scan(&self, cursor: u64, count: usize, max_steps: usize, mut f: impl FnMut(&E)) -> u64 {
        const SPACE: u128 = 1 << 64;
        let mut pos = cursor as u128;
        let mut seen = 0usize;
        let mut looked = 0usize;
        loop {
            let (seg, bits, i) = match self.locate(pos as u64) {
                (true, j) => (&self.next[j], self.bits + 1, j),
                (false, i) => (&self.segs[i], self.bits, i),
            };
            let (start, end) = if bits == 0 {
                (0u128, SPACE)
            } else {
                let width = SPACE >> bits;
                (i as u128 * width, (i as u128 + 1) * width)
            };
            let need = count.saturating_sub(seen).max(1);
            let stop = if seg.len <= need {
                end
            } else {
                let width = ((end - start) * need as u128 / seg.len as u128).max(1);
                (pos + width).min(end)
            };
            for e in seg.iter() {
                let h = self.hasher.hash_one(e.key()) as u128;
                if h >= pos && h < stop {
                    f(e);
                    seen += 1;
                }
            }
            looked += 1;
            if stop >= SPACE {
                return 0;
            }
            pos = stop;
            if seen >= count || looked >= max_steps {
                return pos as u64;
            }
        }
    }

    /// The segment holding hash position `pos`: the hash range `[start, end)` it covers (`end`
    /// 0 = the end of the hash space) and its entries. Segments only ever get finer (the table
    /// never shrinks; `clear` replaces it), so a range seen earlier is always a union of the
    /// segments seen later — the property the snapshot walker's bookkeeping relies on.
    pub fn segment_at(&self, pos: u64) -> (u64, u64, impl Iterator<Item = &E> + Clone) {
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

    /// A uniformly chosen live segment's random entry, or None when empty.
    pub fn random(&self, rng: &mut fastrand::Rng) -> Option<&E> {
        if self.len == 0 {
            return None;
        }
        let nseg = self.split * 2 + (self.segs.len() - self.split);
        let pick = |k: usize| -> &Segment<E> {
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
            if seg.len > 0 {
                return Some(seg.at(rng.usize(..seg.len)));
            }
        }
        let start = rng.usize(..nseg);
        (0..nseg)
            .map(|i| pick((start + i) % nseg))
            .find(|s| s.len > 0)
            .map(|s| s.at(rng.usize(..s.len)))
    }

    /// Approximate bytes held by the table structure itself (not by the entries' heap data).
    pub fn overhead_bytes(&self) -> usize {
        self.segs
            .iter()
            .chain(self.next.iter())
            .map(Segment::overhead_bytes)
            .sum::<usize>()
            + (self.segs.capacity() + self.next.capacity()) * std::mem::size_of::<Segment<E>>()
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
    fn reserve_presizes_so_inserts_never_double() {
        let mut t = table();
        t.reserve(100_000);
        let bits = t.bits;
        assert!(SEGMENT_TARGET << bits >= 100_000 && SEGMENT_TARGET << (bits - 1) < 100_000);
        for i in 0..100_000u32 {
            assert!(t.insert(K(i.to_string().into_bytes())).is_none());
        }
        assert_eq!((t.bits, t.next.len()), (bits, 0), "the table grew");
        for i in 0..100_000u32 {
            assert!(t.get(i.to_string().as_bytes()).is_some());
        }
        // More than announced still works (growth resumes); a non-empty table ignores the hint.
        for i in 100_000..200_000u32 {
            t.insert(K(i.to_string().into_bytes()));
        }
        t.reserve(10_000_000);
        assert!(t.bits <= bits + 1);
        assert_eq!(t.len(), 200_000);
        assert!(t.get(b"199999").is_some() && t.get(b"0").is_some());
    }

    #[test]
    fn scan_returns_every_key_present_throughout_even_across_growth() {
        let mut t = table();
        for i in 0..500u32 {
            t.insert(K(format!("old{i}").into_bytes()));
        }
        let bits_before = t.bits;
        let mut seen = HashSet::new();
        let mut cursor = 0;
        let mut n = 0u32;
        let mut calls = 0;
        loop {
            let mut got = 0;
            cursor = t.scan(cursor, 10, 100, |e| {
                seen.insert(e.0.clone());
                got += 1;
            });
            // A step returns about COUNT keys, not a whole segment.
            assert!(got < 40, "one SCAN step returned {got} keys");
            // Grow the table between calls, faster than the scan advances, so that segments
            // split under the cursor (growing by far more per call would never let it finish).
            for _ in 0..20 {
                t.insert(K(format!("new{n}").into_bytes()));
                n += 1;
            }
            calls += 1;
            assert!(calls < 100_000, "SCAN never finished");
            if cursor == 0 {
                break;
            }
        }
        assert!(
            t.bits >= bits_before + 2,
            "the table did not grow during the scan"
        );
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
    fn removals_keep_every_other_key_reachable() {
        // Removing swaps the last entry of a segment into the hole; every survivor must still be
        // found through its (repointed) index slot, across block boundaries and splits.
        let mut t = table();
        let mut rng = fastrand::Rng::with_seed(7);
        let mut live = HashSet::new();
        for round in 0..20_000u32 {
            let k = rng.u32(..3_000).to_string().into_bytes();
            if round % 3 == 0 {
                assert_eq!(t.remove(&k).is_some(), live.remove(&k));
            } else if live.insert(k.clone()) {
                t.insert_new(K(k));
            }
        }
        assert_eq!(t.len(), live.len());
        assert_eq!(t.iter().count(), live.len());
        for k in &live {
            assert!(t.get(k).is_some(), "lost {:?}", String::from_utf8_lossy(k));
        }
        for k in live
            .iter()
            .take(live.len() / 2)
            .cloned()
            .collect::<Vec<_>>()
        {
            assert!(t.remove(&k).is_some());
            live.remove(&k);
        }
        for k in &live {
            assert!(t.get(k).is_some());
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
