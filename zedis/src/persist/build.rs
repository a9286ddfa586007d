//! Building store values from decoded snapshot items, choosing the encoding the configured
//! thresholds ask for — the one place both snapshot readers (and RESTORE) turn element lists into
//! `Value`s, so a loaded key is indistinguishable from one built by commands.

use crate::store::{hash, zset, HashValue, ListValue, SetValue, SmallBytes, Value, ZSetValue};
use crate::util::num::parse_i64;

/// The encoding thresholds (`*-max-listpack-*`, `set-max-intset-entries`) in force.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    pub hash: hash::Limits,
    pub zset: zset::Limits,
    pub set_max_intset: usize,
}

impl Limits {
    /// The thresholds a server configuration sets (read at use, so CONFIG SET applies at once).
    pub fn from_config(c: &crate::config::Config) -> Limits {
        let u = |v: u64| usize::try_from(v).unwrap_or(usize::MAX);
        Limits {
            hash: hash::Limits {
                max_entries: u(c.hash_max_listpack_entries),
                max_value: u(c.hash_max_listpack_value),
            },
            zset: zset::Limits {
                max_entries: u(c.zset_max_listpack_entries),
                max_value: u(c.zset_max_listpack_value),
            },
            set_max_intset: u(c.set_max_intset_entries),
        }
    }
}

impl Default for Limits {
    /// Redis 7.0's defaults.
    fn default() -> Self {
        Limits {
            hash: hash::Limits {
                max_entries: 512,
                max_value: 64,
            },
            zset: zset::Limits {
                max_entries: 128,
                max_value: 64,
            },
            set_max_intset: 512,
        }
    }
}

/// A string value in the encoding SET would give it.
pub fn string(b: &[u8]) -> Value {
    Value::string(b)
}

/// A list from its elements, head first.
pub fn list<I, B>(items: I) -> Value
where
    I: IntoIterator<Item = B>,
    B: AsRef<[u8]>,
{
    let mut l = ListValue::new();
    l.items
        .extend(items.into_iter().map(|b| SmallBytes::new(b.as_ref())));
    Value::List(Box::new(l))
}

/// A set from its members (duplicates are ignored).
pub fn set<I, B>(items: I, lim: &Limits) -> Value
where
    I: IntoIterator<Item = B>,
    B: AsRef<[u8]>,
{
    let mut s = SetValue::new();
    for m in items {
        s.add(m.as_ref(), lim.set_max_intset);
    }
    Value::Set(Box::new(s))
}

/// A hash from field/value pairs (a repeated field keeps its last value).
pub fn hash<I, F, V>(pairs: I, lim: &Limits) -> Value
where
    I: IntoIterator<Item = (F, V)>,
    F: AsRef<[u8]>,
    V: AsRef<[u8]>,
{
    let mut h = HashValue::new();
    for (f, v) in pairs {
        h.set(f.as_ref(), v.as_ref(), lim.hash);
    }
    Value::Hash(Box::new(h))
}

/// A sorted set from member/score pairs (a repeated member keeps its last score; NaN scores
/// must be rejected by the caller, as Redis's loader does).
pub fn zset<I, M>(pairs: I, lim: &Limits) -> Value
where
    I: IntoIterator<Item = (M, f64)>,
    M: AsRef<[u8]>,
{
    let mut z = ZSetValue::default();
    let flags = zset::AddFlags::default();
    for (m, score) in pairs {
        z.add(score, m.as_ref(), flags, lim.zset);
    }
    Value::ZSet(Box::new(z))
}

/// Whether `b` would be stored as an integer (canonical i64 text).
pub fn is_int(b: &[u8]) -> bool {
    parse_i64(b).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodings_follow_limits() {
        let lim = Limits::default();
        assert_eq!(set(["1", "2"], &lim).encoding(), "intset");
        assert_eq!(set(["1", "x"], &lim).encoding(), "hashtable");
        assert_eq!(hash([("f", "v")], &lim).encoding(), "listpack");
        let long = [b'x'; 65];
        assert_eq!(hash([(&b"f"[..], &long[..])], &lim).encoding(), "hashtable");
        assert_eq!(zset([("a", 1.0)], &lim).encoding(), "listpack");
        assert_eq!(list(["a"]).encoding(), "quicklist");
        assert_eq!(string(b"12").encoding(), "int");
    }
}
