//! `Packed`: the storage of a listpack-encoded sorted set — every (member, score) entry in one
//! contiguous byte buffer, in (score, member bytes) order, scanned linearly as Redis scans its
//! listpack. It knows the order and the byte layout; the encoding limits, ZADD's flags and the
//! conversion to the skiplist belong to `ZSetValue`.
//!
//! One entry is:
//!
//! ```text
//! LEB128 length of the rest | score | member bytes
//! score = one byte i + 32, 0x00..=0xDF   an integral score i in -32..=191
//!       | 0xDF + k, k bytes              an integral score i with |i| <= 2^53 in the fewest
//!                                        little-endian two's-complement bytes (k = 1..=8)
//!       | 0xF0, 8 bytes                  any other score: the f64 bits, little-endian
//! ```
//!
//! Integral scores within ±2^53 are exact in an `f64` and come back identical, except `-0`,
//! which comes back as `0` — as Redis's listpack, which stores it as the integer 0. Small
//! counters and ranks take one byte, a Unix time in seconds five, in milliseconds seven.
//!
//! The length prefix covers the score and the member together (the member's length is the rest
//! once the score's first byte gives its size), so stepping to the next entry depends on one
//! load, not two: a walk that compares members (ZSCORE, ZADD) or only counts (reaching a rank)
//! measured about twice as fast as with a member length prefix and the score after the member.
//!
//! Why this shape: the `Vec<(SmallBytes, f64)>` it replaces cost 32 bytes per member (plus a
//! heap block past 22 bytes); here `member:042` with score 42 is 12 bytes (Redis: 14, its
//! entries carry a back-length). `bench/memory.py`'s zset shape measured the difference.
//!
//! There is no back-length (a byte per entry, ~8% of this shape): a reverse walk first walks
//! forward to its start, collecting the decoded entries (one `Vec` of slices into the buffer),
//! then pops them in O(1) each. Reaching the start rank is a forward walk in any case, so a
//! reverse range stays linear, never quadratic; measured on 100 members it costs the same as
//! the forward walk (collecting offsets and decoding twice was ~1.5× slower).

/// Appends `v` as LEB128.
#[inline]
fn put_varint(out: &mut [u8; 10], mut v: u64) -> usize {
    let mut n = 0;
    while v >= 0x80 {
        out[n] = (v as u8 & 0x7f) | 0x80;
        v >>= 7;
        n += 1;
    }
    out[n] = v as u8;
    n + 1
}

/// The LEB128 value at `pos` and where it ends; None past the end or when overlong (the
/// buffer is only written by this module, but a damaged one must not panic).
#[inline(always)]
fn get_varint(buf: &[u8], pos: usize) -> Option<(u64, usize)> {
    let b = *buf.get(pos)?;
    if b < 0x80 {
        return Some((b as u64, pos + 1));
    }
    get_varint_long(buf, pos)
}

/// [`get_varint`] past one byte (members of 128 bytes and more), kept out of the walks' loops.
#[cold]
#[inline(never)]
fn get_varint_long(buf: &[u8], mut pos: usize) -> Option<(u64, usize)> {
    let mut v = 0u64;
    let mut shift = 0u32;
    loop {
        let b = *buf.get(pos)?;
        pos += 1;
        if shift > 63 {
            return None;
        }
        v |= ((b & 0x7f) as u64) << shift;
        if b & 0x80 == 0 {
            return Some((v, pos));
        }
        shift += 7;
    }
}

/// First bytes below this are a one-byte integer score, biased by `SMALL_BIAS`.
const SMALL_END: u8 = 0xE0;
const SMALL_BIAS: i64 = 32;
/// `INT_TAG + k - 1` announces a k-byte integer score.
const INT_TAG: u8 = 0xE0;
/// The first byte of a score stored as an `f64`.
const DOUBLE_TAG: u8 = 0xF0;

/// Largest magnitude stored as an integer: every integer up to 2^53 is exact in an `f64`.
const INT_LIMIT: u64 = 1 << 53;

/// The encoded score in a small buffer and its length.
#[inline]
fn score_bytes(s: f64) -> ([u8; 10], usize) {
    let mut out = [0u8; 10];
    // `as` saturates (and maps NaN to 0), so the round trip only holds for integral values in
    // range; it also avoids `f64::fract`, a libm call.
    let i = s as i64;
    if i as f64 == s && i.unsigned_abs() <= INT_LIMIT {
        if (-SMALL_BIAS..SMALL_END as i64 - SMALL_BIAS).contains(&i) {
            out[0] = (i + SMALL_BIAS) as u8;
            return (out, 1);
        }
        // The fewest bytes whose sign extension gives `i` back.
        let mut k = 1;
        while k < 8 && (i << (64 - 8 * k)) >> (64 - 8 * k) != i {
            k += 1;
        }
        out[0] = INT_TAG + (k as u8 - 1);
        out[1..1 + k].copy_from_slice(&i.to_le_bytes()[..k]);
        (out, 1 + k)
    } else {
        out[0] = DOUBLE_TAG;
        out[1..9].copy_from_slice(&s.to_bits().to_le_bytes());
        (out, 9)
    }
}

/// The score at `pos` and where it ends.
#[inline(always)]
fn get_score(buf: &[u8], pos: usize) -> Option<(f64, usize)> {
    let first = *buf.get(pos)?;
    if first < SMALL_END {
        return Some(((first as i64 - SMALL_BIAS) as f64, pos + 1));
    }
    if first == DOUBLE_TAG {
        let bytes = buf.get(pos + 1..pos + 9)?;
        let bits = u64::from_le_bytes(bytes.try_into().ok()?);
        return Some((f64::from_bits(bits), pos + 9));
    }
    let k = (first.checked_sub(INT_TAG)? as usize) + 1;
    if k > 8 {
        return None;
    }
    let mut le = [0u8; 8];
    le[..k].copy_from_slice(buf.get(pos + 1..pos + 1 + k)?);
    let shift = 64 - 8 * k as u32;
    let i = (i64::from_le_bytes(le) << shift) >> shift;
    Some((i as f64, pos + 1 + k))
}

/// The entry at `pos`: member, score and where the next entry starts.
#[inline(always)]
fn entry(buf: &[u8], pos: usize) -> Option<(&[u8], f64, usize)> {
    let (n, p) = get_varint(buf, pos)?;
    let end = p.checked_add(usize::try_from(n).ok()?)?;
    let body = buf.get(p..end)?;
    let (s, sn) = get_score(body, 0)?;
    Some((body.get(sn..)?, s, end))
}

/// Where the entry at `pos` ends, without decoding it.
#[inline(always)]
fn skip(buf: &[u8], pos: usize) -> Option<usize> {
    let (n, p) = get_varint(buf, pos)?;
    let end = p.checked_add(usize::try_from(n).ok()?)?;
    (end <= buf.len()).then_some(end)
}

/// An entry's length prefix and score, encoded, ready to be written around its member.
struct Encoded {
    hdr: [u8; 10],
    h: usize,
    score: [u8; 10],
    sn: usize,
    mlen: usize,
}

impl Encoded {
    #[inline]
    fn new(m: &[u8], s: f64) -> Encoded {
        let (score, sn) = score_bytes(s);
        let mut hdr = [0u8; 10];
        let h = put_varint(&mut hdr, (sn + m.len()) as u64);
        Encoded {
            hdr,
            h,
            score,
            sn,
            mlen: m.len(),
        }
    }

    #[inline]
    fn len(&self) -> usize {
        self.h + self.mlen + self.sn
    }

    /// Writes the entry into `dst`, which is exactly `len()` bytes.
    #[inline]
    fn write(&self, dst: &mut [u8], m: &[u8]) {
        let (h, rest) = dst.split_at_mut(self.h);
        h.copy_from_slice(&self.hdr[..self.h]);
        let (sc, mm) = rest.split_at_mut(self.sn);
        sc.copy_from_slice(&self.score[..self.sn]);
        mm.copy_from_slice(m);
    }
}

/// Byte-string equality for the member walks: short members (the common case) are compared
/// with a few word loads instead of a `memcmp` call per entry, which profiling showed to be
/// a third of a ZADD on a 100-member listpack.
#[inline(always)]
fn same(a: &[u8], b: &[u8]) -> bool {
    let n = a.len();
    if n != b.len() {
        return false;
    }
    if n >= 8 {
        let tail = |x: &[u8]| u64::from_le_bytes(x[n - 8..].try_into().unwrap_or_default());
        if tail(a) != tail(b) {
            return false;
        }
        if n <= 16 {
            let head = |x: &[u8]| u64::from_le_bytes(x[..8].try_into().unwrap_or_default());
            return head(a) == head(b);
        }
        return a == b;
    }
    if n >= 4 {
        let w =
            |x: &[u8], at: usize| u32::from_le_bytes(x[at..at + 4].try_into().unwrap_or_default());
        return w(a, 0) == w(b, 0) && w(a, n - 4) == w(b, n - 4);
    }
    a == b
}

/// `(a_score, a_member) < (b_score, b_member)` in sorted-set order.
#[inline]
fn less(sa: f64, ma: &[u8], sb: f64, mb: &[u8]) -> bool {
    sa < sb || (sa == sb && ma < mb)
}

/// Where an existing member sits.
#[derive(Clone, Copy, Debug)]
pub struct Found {
    pub start: usize,
    pub end: usize,
    pub rank: usize,
    pub score: f64,
}

/// A listpack sorted set's entries in one buffer (see the module header).
#[derive(Clone, Default, PartialEq)]
pub struct Packed {
    buf: Vec<u8>,
    len: usize,
}

impl std::fmt::Debug for Packed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(
                self.iter()
                    .map(|(m, s)| (String::from_utf8_lossy(m).into_owned(), s)),
            )
            .finish()
    }
}

impl<'a> IntoIterator for &'a Packed {
    type Item = (&'a [u8], f64);
    type IntoIter = PackIter<'a>;
    fn into_iter(self) -> PackIter<'a> {
        self.iter()
    }
}

impl Packed {
    /// Builds from entries already in (score, member) order with distinct members — the
    /// caller's promise (checked with [`Packed::is_sorted_input`] where the input is untrusted).
    pub fn from_sorted<M: AsRef<[u8]>>(items: impl IntoIterator<Item = (M, f64)>) -> Packed {
        let mut p = Packed::default();
        for (m, s) in items {
            p.push_back(m.as_ref(), s);
        }
        p.buf.shrink_to_fit();
        p
    }

    /// Whether `items` are strictly increasing in (score, member) order (so also distinct).
    pub fn is_sorted_input<M: AsRef<[u8]>>(items: &[(M, f64)]) -> bool {
        items.windows(2).all(|w| {
            let (a, b) = (&w[0], &w[1]);
            less(a.1, a.0.as_ref(), b.1, b.0.as_ref())
        })
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Heap bytes held.
    pub fn heap_size(&self) -> usize {
        self.buf.capacity()
    }

    pub fn iter(&self) -> PackIter<'_> {
        PackIter {
            buf: &self.buf,
            pos: 0,
        }
    }

    /// Entries from `rank` on (empty past the end).
    pub fn iter_from(&self, rank: usize) -> PackIter<'_> {
        let mut pos = 0;
        for _ in 0..rank {
            match skip(&self.buf, pos) {
                Some(next) => pos = next,
                None => break,
            }
        }
        PackIter {
            buf: &self.buf,
            pos,
        }
    }

    /// Entries from `rank` down to the first (empty when `rank` is past the end).
    pub fn rev_from(&self, rank: usize) -> PackRev<'_> {
        let mut items = Vec::new();
        if rank < self.len {
            items.reserve_exact(rank + 1);
            let mut it = self.iter();
            while items.len() <= rank {
                let Some(e) = it.next() else {
                    break;
                };
                items.push(e);
            }
        }
        PackRev { items }
    }

    /// The start offset of every entry, for repeated access by rank (ZRANDMEMBER).
    pub fn offsets(&self) -> Vec<usize> {
        let mut out = Vec::with_capacity(self.len);
        let mut pos = 0;
        while let Some(next) = skip(&self.buf, pos) {
            out.push(pos);
            pos = next;
        }
        out
    }

    /// The entry starting at byte `offset` (one of [`Packed::offsets`]).
    pub fn entry_at_offset(&self, offset: usize) -> Option<(&[u8], f64)> {
        entry(&self.buf, offset).map(|(m, s, _)| (m, s))
    }

    /// Finds `member`.
    pub fn find(&self, member: &[u8]) -> Option<Found> {
        let mut pos = 0;
        let mut rank = 0;
        while let Some((m, s, next)) = entry(&self.buf, pos) {
            if same(m, member) {
                return Some(Found {
                    start: pos,
                    end: next,
                    rank,
                    score: s,
                });
            }
            pos = next;
            rank += 1;
        }
        None
    }

    /// One walk for ZADD: the member's entry, or else the offset where `(m, score)` belongs.
    pub fn find_or_slot(&self, member: &[u8], score: f64) -> Result<Found, usize> {
        let mut pos = 0;
        let mut rank = 0;
        let mut slot = None;
        while let Some((m, s, next)) = entry(&self.buf, pos) {
            if same(m, member) {
                return Ok(Found {
                    start: pos,
                    end: next,
                    rank,
                    score: s,
                });
            }
            if slot.is_none() && !less(s, m, score, member) {
                slot = Some(pos);
            }
            pos = next;
            rank += 1;
        }
        Err(slot.unwrap_or(pos))
    }

    /// Grows the buffer by at least `extra` bytes, by an eighth at a time: an insert rewrites
    /// the tail in Redis too, but a realloc per member would copy too often.
    fn reserve(&mut self, extra: usize) {
        if self.buf.capacity() - self.buf.len() < extra {
            self.buf.reserve_exact(extra.max(self.buf.len() / 8));
        }
    }

    /// Writes the entry (m, s) into a gap of its size opened at `pos`.
    fn write_at(&mut self, pos: usize, m: &[u8], s: f64) {
        let enc = Encoded::new(m, s);
        let n = enc.len();
        let old = self.buf.len();
        self.reserve(n);
        self.buf.resize(old + n, 0);
        self.buf.copy_within(pos..old, pos + n);
        enc.write(&mut self.buf[pos..pos + n], m);
        self.len += 1;
    }

    /// Inserts an absent member at `slot` from [`Packed::find_or_slot`].
    pub fn insert_at(&mut self, slot: usize, m: &[u8], s: f64) {
        self.write_at(slot, m, s);
    }

    /// Gives the member of `f` the score `s` (not equal to its current one) and moves it to its
    /// new place. When the encoded entry keeps its size — the common case: a score's size only
    /// changes across 128, 2^15, … or between integer and fraction — only the entries between
    /// the old and the new place slide, by one entry's width, with no second walk.
    pub fn update(&mut self, f: Found, m: &[u8], s: f64) {
        let enc = Encoded::new(m, s);
        let n = enc.len();
        if n != f.end - f.start {
            self.cut(f.start, f.end, 1);
            self.insert(m, s);
            return;
        }
        if less(f.score, m, s, m) {
            // Rightwards, past the following entries that sort before (s, m).
            let mut p = f.end;
            while let Some((em, es, next)) = entry(&self.buf, p) {
                if !less(es, em, s, m) {
                    break;
                }
                p = next;
            }
            self.buf.copy_within(f.end..p, f.start);
            let at = f.start + (p - f.end);
            enc.write(&mut self.buf[at..at + n], m);
        } else {
            // Leftwards, before the first entry that does not sort before (s, m).
            let mut q = 0;
            while q < f.start {
                let Some((em, es, next)) = entry(&self.buf, q) else {
                    break;
                };
                if !less(es, em, s, m) {
                    break;
                }
                q = next;
            }
            self.buf.copy_within(q..f.start, q + n);
            enc.write(&mut self.buf[q..q + n], m);
        }
    }

    /// Appends an entry that sorts after every present one.
    pub fn push_back(&mut self, m: &[u8], s: f64) {
        self.write_at(self.buf.len(), m, s);
    }

    /// Inserts an absent member at its place in the order.
    pub fn insert(&mut self, m: &[u8], s: f64) {
        let mut pos = 0;
        while let Some((em, es, next)) = entry(&self.buf, pos) {
            if !less(es, em, s, m) {
                break;
            }
            pos = next;
        }
        self.write_at(pos, m, s);
    }

    /// Removes the bytes `start..end` holding `n` entries.
    fn cut(&mut self, start: usize, end: usize, n: usize) {
        self.buf.drain(start..end);
        self.len -= n;
        if self.buf.capacity() > 64 && self.buf.len() < self.buf.capacity() / 2 {
            self.buf.shrink_to_fit();
        }
    }

    /// Removes the entry `f` found by [`Packed::find`].
    pub fn remove_found(&mut self, f: Found) {
        self.cut(f.start, f.end, 1);
    }

    /// Removes the entries with ranks `start..=end` (`end` already clamped below `len`).
    pub fn remove_ranks(&mut self, start: usize, end: usize) {
        let mut pos = 0;
        let mut from = None;
        let mut rank = 0;
        while let Some(next) = skip(&self.buf, pos) {
            if rank == start {
                from = Some(pos);
            }
            pos = next;
            if rank == end {
                break;
            }
            rank += 1;
        }
        if let Some(from) = from {
            self.cut(from, pos, end + 1 - start);
        }
    }
}

/// Forward walk over a `Packed` buffer.
#[derive(Clone)]
pub struct PackIter<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Iterator for PackIter<'a> {
    type Item = (&'a [u8], f64);
    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        let (m, s, next) = entry(self.buf, self.pos)?;
        self.pos = next;
        Some((m, s))
    }
}

/// Backward walk over collected entry offsets.
pub struct PackRev<'a> {
    items: Vec<(&'a [u8], f64)>,
}

impl<'a> Iterator for PackRev<'a> {
    type Item = (&'a [u8], f64);
    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        self.items.pop()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scores_round_trip_in_both_forms() {
        let cases = [
            0.0,
            1.0,
            -1.0,
            63.0,
            64.0,
            -64.0,
            -65.0,
            -32.0,
            -33.0,
            191.0,
            192.0,
            255.0,
            256.0,
            -32768.0,
            -32769.0,
            1e15,
            INT_LIMIT as f64,
            -(INT_LIMIT as f64),
            INT_LIMIT as f64 + 2.0,
            9.3e18,
            -9.3e18,
            1e300,
            0.5,
            -2.25,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::MIN_POSITIVE,
            f64::MAX,
        ];
        for s in cases {
            let (b, n) = score_bytes(s);
            let (got, end) = get_score(&b[..n], 0).expect("decodes");
            assert!(get_score(&b[..n - 1], 0).is_none());
            assert_eq!(got.to_bits(), s.to_bits(), "{s}");
            assert_eq!(end, n);
        }
        // Small integers take one byte; -0 comes back as 0, as from Redis's listpack.
        for (s, n) in [
            (42.0, 1),
            (-32.0, 1),
            (191.0, 1),
            (192.0, 3),
            (127.0 - 200.0, 2),
            (-33.0, 2),
            (-128.0, 2),
            (-129.0, 3),
            (1.7e9, 5),
            (1.7e12, 7),
            (0.5, 9),
        ] {
            assert_eq!(score_bytes(s).1, n, "{s}");
        }
        let (b, n) = score_bytes(-0.0);
        assert_eq!(get_score(&b[..n], 0).map(|x| x.0.to_bits()), Some(0));
    }

    #[test]
    fn same_agrees_with_slice_equality() {
        let base: Vec<u8> = (0..40u8).collect();
        for n in 0..40 {
            let a = &base[..n];
            assert!(same(a, a));
            assert!(!same(a, &base[..n + 1]));
            for i in 0..n {
                let mut b = a.to_vec();
                b[i] ^= 0x40;
                assert!(!same(a, &b), "length {n}, byte {i}");
            }
        }
    }

    #[test]
    fn damaged_buffers_end_the_walk_without_panicking() {
        let mut p = Packed::default();
        p.insert(&[b'x'; 300], 1.5);
        p.insert(b"a", 2.0);
        for cut in 0..p.buf.len() {
            let q = Packed {
                buf: p.buf[..cut].to_vec(),
                len: p.len,
            };
            assert!(q.iter().count() < 2);
            let _ = q.rev_from(1).count();
            let _ = q.find(b"a");
        }
        let q = Packed {
            buf: vec![0xff; 12],
            len: 1,
        };
        assert_eq!(q.iter().count(), 0);
        let q = Packed {
            buf: vec![0, 0xF5],
            len: 1,
        };
        assert_eq!(q.iter().count(), 0);
    }

    #[test]
    fn reverse_walk_matches_forward_walk() {
        let mut p = Packed::default();
        for i in 0..200u32 {
            let m = vec![b'm'; (i as usize * 7) % 400];
            let m = [m, i.to_be_bytes().to_vec()].concat();
            p.insert(&m, (i % 5) as f64 - 2.0);
        }
        let fwd: Vec<_> = p.iter().collect();
        assert_eq!(fwd.len(), 200);
        for rank in [0, 1, 99, 199] {
            let back: Vec<_> = p.rev_from(rank).collect();
            let want: Vec<_> = fwd[..=rank].iter().rev().cloned().collect();
            assert_eq!(back, want);
        }
        assert_eq!(p.rev_from(200).count(), 0);
        assert_eq!(p.iter_from(150).count(), 50);
        let offs = p.offsets();
        assert_eq!(p.entry_at_offset(offs[123]), Some(fwd[123]));
    }
}
