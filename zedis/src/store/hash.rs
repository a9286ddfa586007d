//! The hash value: field → value maps with Redis's two encodings.
//!
//! Small hashes are a "listpack": a vector of pairs in insertion order, scanned linearly. That is
//! what Redis does, and keeping its order makes HGETALL, HKEYS, HSCAN and HRANDFIELD on small
//! hashes reply in exactly Redis's order, which the differential corpus relies on. A hash that
//! grows past `hash-max-listpack-entries` fields, or receives a field or value longer than
//! `hash-max-listpack-value` bytes, becomes a "hashtable" for good (Redis never converts back).
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

#[derive(Clone, Debug, PartialEq)]
pub enum HashValue {
    Listpack(Vec<(Vec<u8>, Vec<u8>)>),
    Table(IndexMap<Vec<u8>, Vec<u8>, RandomState>),
}

impl Default for HashValue {
    fn default() -> Self {
        HashValue::Listpack(Vec::new())
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
            HashValue::Listpack(v) => v
                .iter()
                .find(|(f, _)| f.as_slice() == field)
                .map(|(_, val)| val.as_slice()),
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
            m.extend(std::mem::take(v));
            *self = HashValue::Table(m);
        }
    }

    /// Sets `field` to `value` (both copied). Returns true when the field is new. Converts to a
    /// hashtable when the value or field is too long or the listpack grows past its limit.
    pub fn set(&mut self, field: &[u8], value: &[u8], lim: Limits) -> bool {
        self.convert_for([field, value], lim);
        let new = match self {
            HashValue::Listpack(v) => match v.iter_mut().find(|(f, _)| f.as_slice() == field) {
                Some((_, val)) => {
                    val.clear();
                    val.extend_from_slice(value);
                    false
                }
                None => {
                    v.push((field.to_vec(), value.to_vec()));
                    true
                }
            },
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
            HashValue::Listpack(v) => match v.iter().position(|(f, _)| f.as_slice() == field) {
                // `remove`, not `swap_remove`: the listpack keeps insertion order, as Redis's does.
                Some(i) => {
                    v.remove(i);
                    true
                }
                None => false,
            },
            HashValue::Table(m) => m.swap_remove(field).is_some(),
        }
    }

    /// Every pair, in listpack order for small hashes.
    pub fn iter(&self) -> Box<dyn Iterator<Item = (&[u8], &[u8])> + '_> {
        match self {
            HashValue::Listpack(v) => Box::new(v.iter().map(|(f, x)| (f.as_slice(), x.as_slice()))),
            HashValue::Table(m) => Box::new(m.iter().map(|(f, x)| (f.as_slice(), x.as_slice()))),
        }
    }

    /// The pair at position `i` (for random sampling).
    pub fn at(&self, i: usize) -> Option<(&[u8], &[u8])> {
        match self {
            HashValue::Listpack(v) => v.get(i).map(|(f, x)| (f.as_slice(), x.as_slice())),
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
        let pairs: usize = self
            .iter()
            .map(|(f, v)| f.len() + v.len() + 2 * std::mem::size_of::<Vec<u8>>())
            .sum();
        match self {
            HashValue::Listpack(v) => pairs + (v.capacity() - v.len()) * 48,
            HashValue::Table(m) => pairs + m.capacity() * 16,
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
