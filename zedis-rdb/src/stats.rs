//! `stats`: one streaming pass that keeps only fixed-size summaries: per-type counters,
//! log-scale histograms for percentiles (no per-key list), an expiry histogram, a bounded heap
//! of the biggest keys and a capped table of key prefixes.

use crate::args::Escape;
use crate::escape;
use crate::filter::Filter;
use crate::measure;
use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap, HashMap};
use std::fmt::Write;
use zedis::persist::{PersistError, Record, Visitor};

/// Distinct prefixes tracked before the rest are counted as "(other)": bounds memory on files
/// whose keys share no prefix.
const MAX_PREFIXES: usize = 10_000;

/// A log-linear histogram: 16 sub-buckets per power of two, so a percentile is within ~6%.
#[derive(Clone, Debug)]
pub struct Histogram {
    counts: Vec<u64>,
    total: u64,
    max: u64,
}

impl Default for Histogram {
    fn default() -> Self {
        Histogram {
            counts: vec![0; 64 * 16 + 16],
            total: 0,
            max: 0,
        }
    }
}

impl Histogram {
    fn bucket(v: u64) -> usize {
        if v < 16 {
            return v as usize;
        }
        let exp = 63 - v.leading_zeros() as usize; // >= 4
        let sub = ((v >> (exp - 4)) & 15) as usize;
        (exp - 3) * 16 + sub
    }

    /// The smallest value of a bucket.
    fn low(b: usize) -> u64 {
        if b < 16 {
            return b as u64;
        }
        let exp = b / 16 + 3;
        let sub = (b % 16) as u64;
        (1u64 << exp) | (sub << (exp - 4))
    }

    pub fn add(&mut self, v: u64) {
        self.counts[Self::bucket(v)] += 1;
        self.total += 1;
        self.max = self.max.max(v);
    }

    /// The value below which `p` percent of the samples fall (bucket's lower bound; exact
    /// under 16).
    pub fn percentile(&self, p: f64) -> u64 {
        if self.total == 0 {
            return 0;
        }
        let want = ((p / 100.0) * self.total as f64).ceil().max(1.0) as u64;
        let mut seen = 0;
        for (b, &c) in self.counts.iter().enumerate() {
            seen += c;
            if seen >= want {
                return Self::low(b).min(self.max);
            }
        }
        self.max
    }
}

#[derive(Debug, Default)]
struct TypeStats {
    keys: u64,
    items: u64,
    bytes: u64,
    elements: Histogram,
    sizes: Histogram,
}

/// One of the biggest keys, as rdbtools' memory CSV has it.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Big {
    pub size: u64,
    pub db: u32,
    pub key: Vec<u8>,
    pub kind: &'static str,
    pub encoding: &'static str,
    pub elements: u64,
    pub largest: u64,
}

/// The statistics visitor.
pub struct Stats {
    filter: Filter,
    top: usize,
    min_bytes: u64,
    sep: Vec<u8>,
    types: BTreeMap<&'static str, TypeStats>,
    expiry: [u64; 7],
    biggest: BinaryHeap<Reverse<Big>>,
    prefixes: HashMap<Vec<u8>, (u64, u64)>,
    other_prefix: (u64, u64),
    pub keys: u64,
    pub unsupported: u64,
}

const EXPIRY_LABELS: [&str; 7] = [
    "no expiry",
    "already expired",
    "< 1 hour",
    "< 1 day",
    "< 1 week",
    "< 30 days",
    ">= 30 days",
];

impl Stats {
    pub fn new(filter: Filter, top: usize, min_bytes: u64, sep: &str) -> Stats {
        Stats {
            filter,
            top,
            min_bytes,
            sep: sep.as_bytes().to_vec(),
            types: BTreeMap::new(),
            expiry: [0; 7],
            biggest: BinaryHeap::new(),
            prefixes: HashMap::new(),
            other_prefix: (0, 0),
            keys: 0,
            unsupported: 0,
        }
    }

    fn prefix<'a>(&self, key: &'a [u8]) -> &'a [u8] {
        if self.sep.is_empty() {
            return key;
        }
        key.windows(self.sep.len())
            .position(|w| w == self.sep.as_slice())
            .map_or(key, |i| &key[..i])
    }

    /// The biggest keys, largest first, as CSV lines with a header.
    pub fn csv(&self) -> String {
        let mut out = String::from(
            "database,type,key,size_in_bytes,encoding,num_elements,len_largest_element\n",
        );
        let mut v: Vec<&Big> = self.biggest.iter().map(|r| &r.0).collect();
        v.sort_by(|a, b| b.cmp(a));
        for b in v {
            let key = escape::text(&b.key, Escape::Utf8);
            let key = if key.contains([',', '"']) {
                format!("\"{}\"", key.replace('"', "\"\""))
            } else {
                key
            };
            let _ = writeln!(
                out,
                "{},{},{},{},{},{},{}",
                b.db, b.kind, key, b.size, b.encoding, b.elements, b.largest
            );
        }
        out
    }

    /// The whole report.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "keys: {}", self.keys);
        if self.unsupported > 0 {
            let _ = writeln!(out, "unsupported keys skipped: {}", self.unsupported);
        }
        let _ = writeln!(out, "\n# by type");
        let _ = writeln!(
            out,
            "{:<7} {:>10} {:>12} {:>14}  elements p50/p90/p99/max   size p50/p90/p99/max",
            "type", "keys", "items", "bytes(est)"
        );
        for (name, t) in &self.types {
            let e = &t.elements;
            let s = &t.sizes;
            let _ = writeln!(
                out,
                "{:<7} {:>10} {:>12} {:>14}  {}/{}/{}/{}   {}/{}/{}/{}",
                name,
                t.keys,
                t.items,
                t.bytes,
                e.percentile(50.0),
                e.percentile(90.0),
                e.percentile(99.0),
                e.max,
                s.percentile(50.0),
                s.percentile(90.0),
                s.percentile(99.0),
                s.max
            );
        }
        let _ = writeln!(out, "\n# expiry");
        for (label, n) in EXPIRY_LABELS.iter().zip(self.expiry) {
            let _ = writeln!(out, "{label:<16} {n}");
        }
        let _ = writeln!(
            out,
            "\n# key prefixes (separator {:?})",
            String::from_utf8_lossy(&self.sep)
        );
        let mut p: Vec<(&Vec<u8>, &(u64, u64))> = self.prefixes.iter().collect();
        p.sort_by(|a, b| b.1 .1.cmp(&a.1 .1).then(a.0.cmp(b.0)));
        for (k, (n, bytes)) in p.iter().take(self.top.max(20)) {
            let _ = writeln!(
                out,
                "{:<30} keys={n} bytes={bytes}",
                escape::text(k, Escape::Utf8)
            );
        }
        if self.other_prefix.0 > 0 {
            let _ = writeln!(
                out,
                "{:<30} keys={} bytes={}",
                "(other prefixes)", self.other_prefix.0, self.other_prefix.1
            );
        }
        let _ = writeln!(out, "\n# biggest keys");
        out.push_str(&self.csv());
        out
    }
}

impl Visitor for Stats {
    fn record(&mut self, _offset: u64, rec: Record) -> Result<(), PersistError> {
        let k = match rec {
            Record::Key(k) => k,
            Record::Unsupported { .. } => {
                self.unsupported += 1;
                return Ok(());
            }
            _ => return Ok(()),
        };
        if !self.filter.accepts(&k) {
            return Ok(());
        }
        self.keys += 1;
        let size = measure::estimate(&k.key, &k.value, k.expire_at_ms != 0);
        let elements = measure::elements(&k.value);
        let kind = measure::type_name(&k.value);
        let t = self.types.entry(kind).or_default();
        t.keys += 1;
        t.items += elements;
        t.bytes += size;
        t.elements.add(elements);
        t.sizes.add(size);

        let now = self.filter.now_ms();
        let slot = match k.expire_at_ms {
            0 => 0,
            e if e <= now => 1,
            e => match e - now {
                d if d < 3_600_000 => 2,
                d if d < 86_400_000 => 3,
                d if d < 7 * 86_400_000 => 4,
                d if d < 30 * 86_400_000 => 5,
                _ => 6,
            },
        };
        self.expiry[slot] += 1;

        let prefix = self.prefix(&k.key);
        if let Some(e) = self.prefixes.get_mut(prefix) {
            e.0 += 1;
            e.1 += size;
        } else if self.prefixes.len() < MAX_PREFIXES {
            self.prefixes.insert(prefix.to_vec(), (1, size));
        } else {
            self.other_prefix.0 += 1;
            self.other_prefix.1 += size;
        }

        if self.top > 0 && size >= self.min_bytes {
            let smallest = self.biggest.peek().map(|r| r.0.size);
            if self.biggest.len() < self.top || smallest.is_some_and(|s| size > s) {
                self.biggest.push(Reverse(Big {
                    size,
                    db: k.db,
                    largest: measure::largest_element(&k.value),
                    key: k.key.to_vec(),
                    kind,
                    encoding: k.file_encoding,
                    elements,
                }));
                if self.biggest.len() > self.top {
                    self.biggest.pop();
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histogram_percentiles() {
        let mut h = Histogram::default();
        for v in 1..=1000u64 {
            h.add(v);
        }
        let p50 = h.percentile(50.0);
        assert!((470..=500).contains(&p50), "{p50}");
        let p99 = h.percentile(99.0);
        assert!((930..=990).contains(&p99), "{p99}");
        assert_eq!(h.percentile(100.0).min(1000), h.percentile(100.0));
        let mut small = Histogram::default();
        for v in [1, 2, 3] {
            small.add(v);
        }
        assert_eq!(small.percentile(50.0), 2);
        h.add(u64::MAX);
        assert_eq!(h.max, u64::MAX);
    }

    #[test]
    fn bucket_bounds_are_monotonic() {
        let mut last = 0;
        for v in [0u64, 1, 15, 16, 17, 31, 32, 100, 1 << 20, u64::MAX] {
            let b = Histogram::bucket(v);
            assert!(b >= last);
            assert!(Histogram::low(b) <= v);
            last = b;
        }
    }
}
