//! `--db`, `--key`, `--not-key`, `--type`, `--expired` and `--size`, compiled once and asked
//! per key.

use crate::args::{Expired, FilterArgs};
use crate::measure;
use regex::bytes::Regex;
use thiserror::Error;
use zedis::persist::KeyRecord;

#[derive(Debug, Error)]
pub enum FilterError {
    #[error("bad --{flag} regular expression: {err}")]
    Regex {
        flag: &'static str,
        err: regex::Error,
    },
    #[error("unknown --type {0:?} (string, list, set, zset, hash)")]
    Type(String),
    #[error("bad --size {0:?}: expected MIN..MAX such as 1KB..1MB, 100.. or ..4KiB")]
    Size(String),
}

/// A compiled filter.
#[derive(Debug)]
pub struct Filter {
    dbs: Vec<u32>,
    key: Option<Regex>,
    not_key: Option<Regex>,
    types: Vec<&'static str>,
    expired: Expired,
    size: Option<(u64, u64)>,
    now_ms: u64,
}

impl Filter {
    pub fn new(a: &FilterArgs, now_ms: u64) -> Result<Filter, FilterError> {
        let re = |flag, s: &Option<String>| {
            s.as_deref()
                .map(|p| Regex::new(p).map_err(|err| FilterError::Regex { flag, err }))
                .transpose()
        };
        let mut types = Vec::new();
        for t in &a.types {
            let name = ["string", "list", "set", "zset", "hash"]
                .into_iter()
                .find(|n| n.eq_ignore_ascii_case(t))
                .ok_or_else(|| FilterError::Type(t.clone()))?;
            types.push(name);
        }
        let size = a
            .size
            .as_deref()
            .map(|s| measure::parse_range(s).ok_or_else(|| FilterError::Size(s.to_string())))
            .transpose()?;
        Ok(Filter {
            dbs: a.db.clone(),
            key: re("key", &a.key)?,
            not_key: re("not-key", &a.not_key)?,
            types,
            expired: a.expired,
            size,
            now_ms,
        })
    }

    /// A filter that lets everything through.
    pub fn all(now_ms: u64) -> Filter {
        Filter {
            dbs: Vec::new(),
            key: None,
            not_key: None,
            types: Vec::new(),
            expired: Expired::Include,
            size: None,
            now_ms,
        }
    }

    pub fn now_ms(&self) -> u64 {
        self.now_ms
    }

    /// Whether the key passes (the cheap tests first; the size estimate last).
    pub fn accepts(&self, k: &KeyRecord) -> bool {
        if !self.dbs.is_empty() && !self.dbs.contains(&k.db) {
            return false;
        }
        if !self.types.is_empty() && !self.types.contains(&measure::type_name(&k.value)) {
            return false;
        }
        let expired = k.expire_at_ms != 0 && k.expire_at_ms <= self.now_ms;
        match self.expired {
            Expired::Include => {}
            Expired::Exclude if expired => return false,
            Expired::Only if !expired => return false,
            _ => {}
        }
        if self.key.as_ref().is_some_and(|r| !r.is_match(&k.key)) {
            return false;
        }
        if self.not_key.as_ref().is_some_and(|r| r.is_match(&k.key)) {
            return false;
        }
        if let Some((lo, hi)) = self.size {
            let n = measure::estimate(&k.key, &k.value, k.expire_at_ms != 0);
            if n < lo || n > hi {
                return false;
            }
        }
        true
    }
}

/// Unix time in milliseconds.
pub fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use zedis::store::Value;

    fn rec(db: u32, key: &str, exp: u64) -> KeyRecord {
        KeyRecord {
            db,
            key: key.as_bytes().into(),
            value: Value::string(b"v"),
            expire_at_ms: exp,
            idle_secs: None,
            lfu_freq: None,
            file_encoding: "string",
        }
    }

    #[test]
    fn combinations() {
        let a = FilterArgs {
            db: vec![0, 2],
            key: Some("^user:".into()),
            not_key: Some("tmp".into()),
            types: vec!["STRING".into()],
            expired: Expired::Exclude,
            size: None,
        };
        let f = Filter::new(&a, 1000).unwrap();
        assert!(f.accepts(&rec(0, "user:1", 0)));
        assert!(f.accepts(&rec(2, "user:1", 2000)));
        assert!(!f.accepts(&rec(1, "user:1", 0)));
        assert!(!f.accepts(&rec(0, "order:1", 0)));
        assert!(!f.accepts(&rec(0, "user:tmp", 0)));
        assert!(!f.accepts(&rec(0, "user:1", 999)));
        let only = Filter::new(
            &FilterArgs {
                expired: Expired::Only,
                ..FilterArgs::default()
            },
            1000,
        )
        .unwrap();
        assert!(only.accepts(&rec(0, "a", 5)));
        assert!(!only.accepts(&rec(0, "a", 0)));
        assert!(Filter::new(
            &FilterArgs {
                types: vec!["stream".into()],
                ..FilterArgs::default()
            },
            0
        )
        .is_err());
    }
}
