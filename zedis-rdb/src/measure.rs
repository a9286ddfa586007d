//! Per-key measurements shared by `stats` and the `--size` filter: a memory estimate,
//! element counts and the largest element. The estimate is what a zedis server would hold for
//! the key (the value's heap bytes as the store reports them plus fixed per-key overheads); it
//! is not Redis's `MEMORY USAGE`, only comparable between keys.

use zedis::store::Value;

/// Bytes a key costs besides its value: table entry, object header, key string header.
const PER_KEY_OVERHEAD: u64 = 24 + 16 + 9;
/// An expiry costs one more table entry.
const PER_EXPIRY_OVERHEAD: u64 = 24;

/// Estimated memory of one key.
pub fn estimate(key: &[u8], v: &Value, has_expiry: bool) -> u64 {
    let mut n = PER_KEY_OVERHEAD + key.len() as u64 + v.heap_size() as u64;
    if has_expiry {
        n += PER_EXPIRY_OVERHEAD;
    }
    n
}

/// Elements in a collection; 1 for a string.
pub fn elements(v: &Value) -> u64 {
    match v {
        Value::Int(_) | Value::Emb(_) | Value::Raw(_) => 1,
        Value::List(l) => l.len() as u64,
        Value::Set(s) => s.len() as u64,
        Value::Hash(h) => h.len() as u64,
        Value::ZSet(z) => z.len() as u64,
    }
}

/// Length of the longest element (a string's own length; for a hash, the longer of field and
/// value; for a sorted set, the member).
pub fn largest_element(v: &Value) -> u64 {
    let mut scratch = [0u8; 20];
    let n = match v {
        Value::Int(_) | Value::Emb(_) | Value::Raw(_) => {
            v.str_bytes(&mut scratch).map_or(0, <[u8]>::len)
        }
        Value::List(l) => l.items.iter().map(|e| e.as_ref().len()).max().unwrap_or(0),
        Value::Set(s) => s.iter().map(|m| m.len()).max().unwrap_or(0),
        Value::Hash(h) => h
            .iter()
            .map(|(f, x)| f.len().max(x.len()))
            .max()
            .unwrap_or(0),
        Value::ZSet(z) => z
            .iter_from(0, false)
            .map(|(m, _)| m.len())
            .max()
            .unwrap_or(0),
    };
    n as u64
}

/// Parses a byte size: a number with an optional unit (B, KB = 1000, KiB = 1024, MB, MiB, GB,
/// GiB; case-insensitive; `K`/`M`/`G` alone are binary, as Redis's config parser reads them).
pub fn parse_size(s: &str) -> Option<u64> {
    let s = s.trim();
    let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (num, unit) = s.split_at(split);
    let n: u64 = num.parse().ok()?;
    let mult: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "kb" => 1000,
        "k" | "kib" => 1 << 10,
        "mb" => 1_000_000,
        "m" | "mib" => 1 << 20,
        "gb" => 1_000_000_000,
        "g" | "gib" => 1 << 30,
        _ => return None,
    };
    n.checked_mul(mult)
}

/// Parses `MIN..MAX` (either side may be empty) into an inclusive range.
pub fn parse_range(s: &str) -> Option<(u64, u64)> {
    let (lo, hi) = s.split_once("..")?;
    let lo = if lo.trim().is_empty() {
        0
    } else {
        parse_size(lo)?
    };
    let hi = if hi.trim().is_empty() {
        u64::MAX
    } else {
        parse_size(hi)?
    };
    (lo <= hi).then_some((lo, hi))
}

/// The type name TYPE reports.
pub fn type_name(v: &Value) -> &'static str {
    v.kind().name()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(parse_size("1KB"), Some(1000));
        assert_eq!(parse_size("4KiB"), Some(4096));
        assert_eq!(parse_size("2m"), Some(2 << 20));
        assert_eq!(parse_size("x"), None);
        assert_eq!(parse_size("99999999999999999999GB"), None);
        assert_eq!(parse_range("1KB..1MB"), Some((1000, 1_000_000)));
        assert_eq!(parse_range("..10"), Some((0, 10)));
        assert_eq!(parse_range("10.."), Some((10, u64::MAX)));
        assert_eq!(parse_range("10..1"), None);
        assert_eq!(parse_range("10"), None);
    }

    #[test]
    fn element_measures() {
        let v = zedis::persist::build::list([b"ab".as_slice(), b"abcd"]);
        assert_eq!(elements(&v), 2);
        assert_eq!(largest_element(&v), 4);
        assert_eq!(largest_element(&Value::Int(-100)), 4);
        assert!(estimate(b"k", &v, true) > estimate(b"k", &v, false));
    }
}
