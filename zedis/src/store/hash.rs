//! The hash value: field → value maps with Redis's two encodings.
//!
//! Small hashes are a "listpack": a vector of pairs in insertion order, scanned linearly. That is
//! what Redis does, and keeping its order makes HGETALL, HKEYS, HSCAN and HRANDFIELD on small
//! hashes reply in exactly Redis's order, which the differential corpus relies on. A hash that
//! grows past `hash-max-listpack-entries` fields, or receives a field or value longer than
//! `hash-max-listpack-value` bytes, becomes a "hashtable" for good (Redis never converts back).
//!
//! The listpack is one contiguous byte buffer (`Pairs`): each field and value is a LEB128 length
//! followed by its bytes. A `Vec` of `(Vec<u8>, Vec<u8>)` pairs cost 48 bytes of pair plus two
//! heap blocks (32 bytes each in glibc at least) per field — ~112 bytes for a 9-byte field and
//! its 9-byte value, against 20 here — measured at 4.6× Redis's memory growth for 1 K hashes of
//! 100 fields (`bench/memory.py`). Scans are linear either way, as in Redis.
//!
//! The hashtable is an `IndexMap`: O(1) lookups like Redis's dict, plus O(1) access by position,
//! which HRANDFIELD needs for uniform sampling and HSCAN uses as a cursor that survives deletions
//! (see `scan`).

use foldhash::fast::RandomState;
use indexmap::IndexMap;

/// Thresholds for staying in the listpack encoding (from the config at the time of the write).
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    pub max_entries: usize,
    pub max_value: usize,
}

/// The listpack encoding's storage: field, value, field, value, … each as a LEB128 length and
/// its bytes, in insertion order, in one buffer.
#[derive(Clone, Default, PartialEq)]
pub struct Pairs {
    buf: Vec<u8>,
    len: usize,
}

/// Appends `b` as one item (length, then bytes).
fn put_item(out: &mut Vec<u8>, b: &[u8]) {
    let mut n = b.len();
    while n >= 0x80 {
        out.push((n as u8 & 0x7f) | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
    out.extend_from_slice(b);
}

/// The item starting at `pos`: its bytes and where the next item starts. None past the end (or
/// on a damaged buffer, which only this module writes).
#[inline]
fn item(buf: &[u8], mut pos: usize) -> Option<(&[u8], usize)> {
    let mut n = 0usize;
    let mut shift = 0u32;
    loop {
        let b = *buf.get(pos)?;
        pos += 1;
        n |= ((b & 0x7f) as usize).checked_shl(shift)?;
        if b & 0x80 == 0 {
            break;
        }
        shift += 7;
    }
    let end = pos.checked_add(n)?;
    Some((buf.get(pos..end)?, end))
}

/// Iterator over a `Pairs` buffer.
pub struct PairsIter<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Iterator for PairsIter<'a> {
    type Item = (&'a [u8], &'a [u8]);
    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        let (f, p) = item(self.buf, self.pos)?;
        let (v, p) = item(self.buf, p)?;
        self.pos = p;
        Some((f, v))
    }
}

impl<'a> IntoIterator for &'a Pairs {
    type Item = (&'a [u8], &'a [u8]);
    type IntoIter = PairsIter<'a>;
    fn into_iter(self) -> PairsIter<'a> {
        self.iter()
    }
}

impl std::fmt::Debug for Pairs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(self.iter().map(|(k, v)| {
                (
                    String::from_utf8_lossy(k).into_owned(),
                    String::from_utf8_lossy(v).into_owned(),
                )
            }))
            .finish()
    }
}

impl<F: AsRef<[u8]>, V: AsRef<[u8]>> FromIterator<(F, V)> for Pairs {
    fn from_iter<I: IntoIterator<Item = (F, V)>>(it: I) -> Pairs {
        let mut p = Pairs::default();
        for (f, v) in it {
            p.push(f.as_ref(), v.as_ref());
        }
        p.buf.shrink_to_fit();
        p
    }
}

impl From<Vec<(Vec<u8>, Vec<u8>)>> for Pairs {
    fn from(v: Vec<(Vec<u8>, Vec<u8>)>) -> Pairs {
        v.into_iter().collect()
    }
}

impl Pairs {
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn iter(&self) -> PairsIter<'_> {
        PairsIter {
            buf: &self.buf,
            pos: 0,
        }
    }

    /// Heap bytes held.
    pub fn heap_size(&self) -> usize {
        self.buf.capacity()
    }

    /// The buffer as it is: each field and value as a LEB128 length and its bytes. The native
    /// snapshot format stores a listpack hash in exactly this form, so saving copies it whole.
    pub fn encoded(&self) -> &[u8] {
        &self.buf
    }

    /// Takes a buffer in [`Pairs::encoded`]'s form holding `len` pairs, as a loader read it.
    /// The caller has walked it (every length within the buffer, `len` pairs, no duplicate
    /// field); the items are then read exactly as this module's writer would have written them.
    pub fn from_encoded(buf: Vec<u8>, len: usize) -> Pairs {
        Pairs { buf, len }
    }

    /// Grows the buffer by at least `extra` bytes, by an eighth at a time: a listpack is
    /// rewritten on every insert in Redis too, but realloc per field would copy too often.
    fn reserve(&mut self, extra: usize) {
        if self.buf.capacity() - self.buf.len() < extra {
            self.buf.reserve_exact(extra.max(self.buf.len() / 8));
        }
    }

    /// Appends a pair (the field must be absent).
    pub fn push(&mut self, f: &[u8], v: &[u8]) {
        self.reserve(f.len() + v.len() + 2 * 10);
        put_item(&mut self.buf, f);
        put_item(&mut self.buf, v);
        self.len += 1;
    }

    /// Byte ranges of the pair whose field is `field`: (pair start, value start, pair end).
    fn locate(&self, field: &[u8]) -> Option<(usize, usize, usize)> {
        let mut pos = 0;
        while pos < self.buf.len() {
            let (f, vstart) = item(&self.buf, pos)?;
            let (_, end) = item(&self.buf, vstart)?;
            if f == field {
                return Some((pos, vstart, end));
            }
            pos = end;
        }
        None
    }

    pub fn get(&self, field: &[u8]) -> Option<&[u8]> {
        let (_, vstart, _) = self.locate(field)?;
        item(&self.buf, vstart).map(|(v, _)| v)
    }

    /// Replaces the value of an existing field; false when the field is absent.
    fn replace(&mut self, field: &[u8], value: &[u8]) -> bool {
        let Some((_, vstart, end)) = self.locate(field) else {
            return false;
        };
        let mut enc = Vec::with_capacity(value.len() + 10);
        put_item(&mut enc, value);
        if enc.len() > end - vstart {
            self.reserve(enc.len() - (end - vstart));
        }
        self.buf.splice(vstart..end, enc);
        true
    }

    /// Removes the pair of `field`; false when absent.
    pub fn remove(&mut self, field: &[u8]) -> bool {
        let Some((start, _, end)) = self.locate(field) else {
            return false;
        };
        self.buf.drain(start..end);
        self.len -= 1;
        if self.buf.capacity() > 64 && self.buf.len() < self.buf.capacity() / 2 {
            self.buf.shrink_to_fit();
        }
        true
    }

    /// The pair at position `i`.
    pub fn at(&self, i: usize) -> Option<(&[u8], &[u8])> {
        self.iter().nth(i)
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum HashValue {
    Listpack(Pairs),
    Table(IndexMap<Vec<u8>, Vec<u8>, RandomState>),
}

impl Default for HashValue {
    fn default() -> Self {
        HashValue::Listpack(Pairs::default())
    }
}

impl HashValue {
    pub fn new() -> HashValue {
        HashValue::default()
    }

    pub fn len(&self) -> usize {
        match self {
            HashValue::Listpack(v) => v.len(),
            HashValue::Table(m) => m.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn encoding(&self) -> &'static str {
        match self {
            HashValue::Listpack(_) => "listpack",
            HashValue::Table(_) => "hashtable",
        }
    }

    pub fn get(&self, field: &[u8]) -> Option<&[u8]> {
        match self {
            HashValue::Listpack(v) => v.get(field),
            HashValue::Table(m) => m.get(field).map(Vec::as_slice),
        }
    }

    pub fn contains(&self, field: &[u8]) -> bool {
        self.get(field).is_some()
    }

    /// Converts to the hashtable encoding if any of `items` is too long for a listpack: Redis
    /// checks all of a command's fields and values before writing any (hashTypeTryConversion).
    pub fn convert_for<'a>(&mut self, items: impl IntoIterator<Item = &'a [u8]>, lim: Limits) {
        if matches!(self, HashValue::Listpack(_))
            && items.into_iter().any(|b| b.len() > lim.max_value)
        {
            self.convert_to_table();
        }
    }

    fn convert_to_table(&mut self) {
        if let HashValue::Listpack(v) = self {
            let mut m = IndexMap::with_capacity_and_hasher(v.len(), RandomState::default());
            m.extend(v.iter().map(|(f, x)| (f.to_vec(), x.to_vec())));
            *self = HashValue::Table(m);
        }
    }

    /// Sets `field` to `value` (both copied). Returns true when the field is new. Converts to a
    /// hashtable when the value or field is too long or the listpack grows past its limit.
    pub fn set(&mut self, field: &[u8], value: &[u8], lim: Limits) -> bool {
        self.convert_for([field, value], lim);
        let new = match self {
            HashValue::Listpack(v) => {
                if v.replace(field, value) {
                    false
                } else {
                    v.push(field, value);
                    true
                }
            }
            HashValue::Table(m) => match m.get_mut(field) {
                Some(val) => {
                    val.clear();
                    val.extend_from_slice(value);
                    false
                }
                None => {
                    m.insert(field.to_vec(), value.to_vec());
                    true
                }
            },
        };
        if new && matches!(self, HashValue::Listpack(_)) && self.len() > lim.max_entries {
            self.convert_to_table();
        }
        new
    }

    /// Removes `field`; returns whether it was there.
    pub fn remove(&mut self, field: &[u8]) -> bool {
        match self {
            // Removal closes the gap: the listpack keeps insertion order, as Redis's does.
            HashValue::Listpack(v) => v.remove(field),
            HashValue::Table(m) => m.swap_remove(field).is_some(),
        }
    }

    /// Every pair, in listpack order for small hashes.
    pub fn iter(&self) -> Box<dyn Iterator<Item = (&[u8], &[u8])> + '_> {
        match self {
            HashValue::Listpack(v) => Box::new(v.iter()),
            HashValue::Table(m) => Box::new(m.iter().map(|(f, x)| (f.as_slice(), x.as_slice()))),
        }
    }

    /// The pair at position `i` (for random sampling).
    pub fn at(&self, i: usize) -> Option<(&[u8], &[u8])> {
        match self {
            HashValue::Listpack(v) => v.at(i),
            HashValue::Table(m) => m.get_index(i).map(|(f, x)| (f.as_slice(), x.as_slice())),
        }
    }

    /// One HSCAN step over a hashtable, calling `f` for about `count` pairs; returns the next
    /// cursor (0 when done).
    ///
    /// The cursor is one more than the next position to visit, walking positions downwards from
    /// the end (0 starts at the top). Deleting a field moves the *last* pair into the hole, and
    /// the last pair is always already visited or about to be, so a pair present for the whole
    /// scan is never skipped (it may be returned twice, which SCAN allows); new pairs are
    /// appended above the walk. A listpack is returned whole in one step, as in Redis.
    pub fn scan(&self, cursor: u64, count: usize, mut f: impl FnMut(&[u8], &[u8])) -> u64 {
        let len = self.len();
        if matches!(self, HashValue::Listpack(_)) {
            for (k, v) in self.iter() {
                f(k, v);
            }
            return 0;
        }
        let mut next = if cursor == 0 {
            len
        } else {
            (cursor as usize).min(len)
        };
        let mut done = 0;
        while next > 0 && done < count.max(1) {
            next -= 1;
            if let Some((k, v)) = self.at(next) {
                f(k, v);
            }
            done += 1;
        }
        next as u64
    }

    /// Heap bytes, for memory estimates.
    pub fn heap_size(&self) -> usize {
        self.heap_size_sampled(0)
    }

    /// Heap bytes, estimated from the first `samples` pairs of a hashtable when `samples` is
    /// non-zero (MEMORY USAGE … SAMPLES, as Redis's objectComputeSize); a listpack is one buffer,
    /// so its size is always exact.
    pub fn heap_size_sampled(&self, samples: usize) -> usize {
        match self {
            HashValue::Listpack(v) => v.heap_size(),
            HashValue::Table(m) => {
                let per = |(f, v): (&Vec<u8>, &Vec<u8>)| f.capacity() + v.capacity();
                let pairs = super::sampled_sum(m.iter().map(per), m.len(), samples);
                // Each pair holds two `Vec` headers and a hash in the map's entries, plus an
                // index slot.
                pairs + m.capacity() * (2 * std::mem::size_of::<Vec<u8>>() + 8 + 8)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIM: Limits = Limits {
        max_entries: 4,
        max_value: 8,
    };

    #[test]
    fn listpack_keeps_order_and_converts_at_limits() {
        let mut h = HashValue::new();
        for f in ["c", "a", "b", "d"] {
            assert!(h.set(f.as_bytes(), b"1", LIM));
        }
        assert!(!h.set(b"a", b"2", LIM));
        assert_eq!(h.encoding(), "listpack");
        let order: Vec<&[u8]> = h.iter().map(|(f, _)| f).collect();
        assert_eq!(order, vec![&b"c"[..], b"a", b"b", b"d"]);
        assert!(h.remove(b"a"));
        assert!(h.set(b"e", b"1", LIM));
        assert!(h.set(b"f", b"1", LIM));
        assert_eq!(h.encoding(), "hashtable");
        let mut g = HashValue::new();
        g.set(b"f", b"123456789", LIM);
        assert_eq!(g.encoding(), "hashtable");
        assert_eq!(g.get(b"f"), Some(&b"123456789"[..]));
    }

    #[test]
    fn pairs_round_trip_any_length_and_keep_order() {
        // Lengths around the one- and two-byte LEB128 boundaries, replaced by longer and
        // shorter values, removed from the middle.
        let lens = [0usize, 1, 127, 128, 300, 16_384];
        let mut p = Pairs::default();
        let mut model: Vec<(Vec<u8>, Vec<u8>)> = Vec::new();
        for (i, &n) in lens.iter().enumerate() {
            let f = vec![b'a' + i as u8; n.min(200) + 1];
            let v = vec![b'x'; n];
            p.push(&f, &v);
            model.push((f, v));
        }
        for (i, &n) in lens.iter().rev().enumerate() {
            let v = vec![b'y'; n + i];
            assert!(p.replace(&model[i].0, &v));
            model[i].1 = v;
        }
        assert!(p.remove(&model[2].0));
        model.remove(2);
        assert!(!p.remove(b"absent"));
        assert_eq!(p.len(), model.len());
        let got: Vec<(Vec<u8>, Vec<u8>)> =
            p.iter().map(|(f, v)| (f.to_vec(), v.to_vec())).collect();
        assert_eq!(got, model);
        for (i, (f, v)) in model.iter().enumerate() {
            assert_eq!(p.get(f), Some(v.as_slice()));
            assert_eq!(p.at(i), Some((f.as_slice(), v.as_slice())));
        }
        assert_eq!(Pairs::from(model.clone()), p);
    }

    #[test]
    fn table_scan_survives_deletions() {
        let lim = Limits {
            max_entries: 0,
            max_value: 64,
        };
        let mut h = HashValue::new();
        for i in 0..100 {
            h.set(format!("f{i}").as_bytes(), b"v", lim);
        }
        let mut seen = std::collections::HashSet::new();
        let mut cursor = 0;
        let mut step = 0;
        loop {
            cursor = h.scan(cursor, 7, |k, _| {
                seen.insert(k.to_vec());
            });
            // Delete fields already seen and never seen, as a client might mid-scan.
            h.remove(format!("f{step}").as_bytes());
            step += 1;
            if cursor == 0 {
                break;
            }
        }
        for i in step..100 {
            assert!(seen.contains(format!("f{i}").as_bytes()), "f{i} missed");
        }
    }
}
