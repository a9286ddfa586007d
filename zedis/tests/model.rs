//! Reference-model property test: random command sequences on strings, lists, hashes and sets run
//! through `commands::execute` (the real dispatch path, no network) and against naive models
//! (`Vec<u8>`, `VecDeque`, `BTreeMap`, `BTreeSet`); every reply must agree with the model.
//!
//! Each type has its own keys, so the models never need WRONGTYPE. Encoding thresholds are set
//! tiny with CONFIG SET so sequences cross the listpack→hashtable and intset→hashtable
//! conversions; the model tracks which encoding Redis would report (conversions are one-way until
//! the key is deleted) and checks OBJECT ENCODING too.

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::sync::Arc;
use std::time::Instant;

use bytes::{Bytes, BytesMut};
use proptest::prelude::*;
use zedis::commands;
use zedis::config::Config;
use zedis::resp::Frame;
use zedis::server::mailbox::Mailbox;
use zedis::server::state::{Client, Engine};

const HASH_MAX_ENTRIES: usize = 4;
const HASH_MAX_VALUE: usize = 8;
const SET_MAX_INTSET: usize = 4;

/// One server, one client, driven synchronously.
struct Server {
    eng: Engine,
    client: Client,
    clock: Instant,
}

impl Server {
    fn new() -> Server {
        let eng = Engine::new(Config::default(), 1_000_000);
        let client = Client::new(
            1,
            String::new(),
            String::new(),
            0,
            false,
            Arc::new(Mailbox::new()),
            1_000_000,
        );
        let mut s = Server {
            eng,
            client,
            clock: Instant::now(),
        };
        let entries = HASH_MAX_ENTRIES.to_string();
        let value = HASH_MAX_VALUE.to_string();
        let intset = SET_MAX_INTSET.to_string();
        for (k, v) in [
            ("hash-max-listpack-entries", entries.as_str()),
            ("hash-max-listpack-value", value.as_str()),
            ("set-max-intset-entries", intset.as_str()),
        ] {
            assert_eq!(
                s.run(&[b"CONFIG", b"SET", k.as_bytes(), v.as_bytes()]),
                ok()
            );
        }
        s
    }

    fn run(&mut self, args: &[&[u8]]) -> Frame {
        let args: Vec<Bytes> = args.iter().map(|a| Bytes::copy_from_slice(a)).collect();
        let mut out = BytesMut::new();
        commands::execute(
            &mut self.eng,
            &mut self.client,
            &args,
            &mut out,
            &mut self.clock,
        );
        match Frame::parse(&out) {
            Ok(Some((f, n))) => {
                assert_eq!(n, out.len(), "one reply expected for {args:?}");
                f
            }
            other => panic!("bad reply {other:?} for {args:?}: {out:?}"),
        }
    }
}

fn ok() -> Frame {
    Frame::Simple(Bytes::from_static(b"OK"))
}
fn int(i: i64) -> Frame {
    Frame::Integer(i)
}
fn bulk(b: &[u8]) -> Frame {
    Frame::Bulk(Bytes::copy_from_slice(b))
}
fn opt_bulk(b: Option<&[u8]>) -> Frame {
    b.map_or(Frame::NullBulk, bulk)
}
fn bulks<'a>(it: impl IntoIterator<Item = &'a [u8]>) -> Frame {
    Frame::Array(it.into_iter().map(bulk).collect())
}
fn is_error(f: &Frame) -> bool {
    matches!(f, Frame::Error(_))
}

/// The members of an array reply, sorted (for replies in hash-table order).
fn sorted_members(f: &Frame) -> Vec<Vec<u8>> {
    let Frame::Array(items) = f else {
        panic!("array expected, got {f:?}")
    };
    let mut v: Vec<Vec<u8>> = items
        .iter()
        .map(|i| match i {
            Frame::Bulk(b) => b.to_vec(),
            other => panic!("bulk expected, got {other:?}"),
        })
        .collect();
    v.sort();
    v
}

/// Redis's string2ll: the canonical decimal form of an i64 (what an intset can hold).
fn canonical_int(b: &[u8]) -> bool {
    std::str::from_utf8(b)
        .ok()
        .and_then(|s| s.parse::<i64>().ok())
        .is_some_and(|i| i.to_string().as_bytes() == b)
}

/// Redis's list index: negative from the tail.
fn list_index(len: usize, i: i64) -> Option<usize> {
    let len = len as i64;
    let i = if i < 0 { len + i } else { i };
    (0..len).contains(&i).then_some(i as usize)
}

/// Redis's LRANGE/LTRIM clamping.
fn clamp(len: usize, start: i64, end: i64) -> Option<(usize, usize)> {
    let len = len as i64;
    let mut s = if start < 0 { len + start } else { start };
    let e = if end < 0 { len + end } else { end };
    if s < 0 {
        s = 0;
    }
    if s > e || s >= len {
        return None;
    }
    Some((s as usize, e.min(len - 1) as usize))
}

#[derive(Default)]
struct HashModel {
    map: BTreeMap<Vec<u8>, Vec<u8>>,
    /// Converted to a hash table (sticks until the key is deleted).
    big: bool,
}

#[derive(Default)]
struct SetModel {
    set: BTreeSet<Vec<u8>>,
    big: bool,
    /// SPOP with a count may rebuild the set (Redis's "keep the remainder" strategy), which
    /// re-derives the encoding; the model stops predicting it after one.
    rebuilt: bool,
}

impl SetModel {
    fn fix_encoding(&mut self) {
        if self.set.len() > SET_MAX_INTSET || !self.set.iter().all(|m| canonical_int(m)) {
            self.big = true;
        }
    }
}

impl HashModel {
    fn fix_encoding(&mut self, touched: &[&[u8]]) {
        if self.map.len() > HASH_MAX_ENTRIES || touched.iter().any(|x| x.len() > HASH_MAX_VALUE) {
            self.big = true;
        }
    }
}

#[derive(Default)]
struct Model {
    strings: HashMap<Vec<u8>, Vec<u8>>,
    lists: HashMap<Vec<u8>, VecDeque<Vec<u8>>>,
    hashes: HashMap<Vec<u8>, HashModel>,
    sets: HashMap<Vec<u8>, SetModel>,
}

#[derive(Debug, Clone)]
enum Op {
    // strings
    Set(u8, Vec<u8>),
    Get(u8),
    Append(u8, Vec<u8>),
    IncrBy(u8, i64),
    Strlen(u8),
    GetDel(u8),
    SetRange(u8, u8, Vec<u8>),
    GetRange(u8, i64, i64),
    // lists
    Push(u8, bool, Vec<Vec<u8>>),
    Pop(u8, bool, Option<u8>),
    LRange(u8, i64, i64),
    LIndex(u8, i64),
    LSet(u8, i64, Vec<u8>),
    LInsert(u8, bool, Vec<u8>, Vec<u8>),
    LRem(u8, i64, Vec<u8>),
    LTrim(u8, i64, i64),
    LPos(u8, Vec<u8>, i64, Option<u8>, u8),
    LMove(u8, u8, bool, bool),
    LLen(u8),
    // hashes
    HSet(u8, Vec<(Vec<u8>, Vec<u8>)>),
    HDel(u8, Vec<Vec<u8>>),
    HGet(u8, Vec<u8>),
    HIncrBy(u8, Vec<u8>, i64),
    HLen(u8),
    HGetAll(u8),
    HExists(u8, Vec<u8>),
    HStrlen(u8, Vec<u8>),
    // sets
    SAdd(u8, Vec<Vec<u8>>),
    SRem(u8, Vec<Vec<u8>>),
    SIsMember(u8, Vec<u8>),
    SCard(u8),
    SMembers(u8),
    SAlgebra(u8, Vec<u8>),
    SStore(u8, u8, Vec<u8>),
    SPop(u8, u8),
    SMove(u8, u8, Vec<u8>),
    Encoding(u8),
}

fn val() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        Just(b"a".to_vec()),
        Just(b"b".to_vec()),
        Just(b"c".to_vec()),
        Just(b"1".to_vec()),
        Just(b"2".to_vec()),
        Just(b"-7".to_vec()),
        Just(b"10".to_vec()),
        Just(b"".to_vec()),
        Just(b"long-value-xyz".to_vec()),
    ]
}
fn field() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        Just(b"f1".to_vec()),
        Just(b"f2".to_vec()),
        Just(b"f3".to_vec()),
        Just(b"f4".to_vec()),
        Just(b"f5".to_vec()),
        Just(b"a-very-long-field".to_vec()),
    ]
}
fn member() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        12 => (-3i64..6).prop_map(|i| i.to_string().into_bytes()),
        1 => Just(b"x".to_vec()),
        1 => Just(b"y".to_vec()),
        1 => Just(b"007".to_vec()),
    ]
}
fn idx() -> impl Strategy<Value = i64> {
    prop_oneof![-8i64..8, Just(i64::MAX), Just(i64::MIN), Just(100)]
}
fn key() -> impl Strategy<Value = u8> {
    0u8..3
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (key(), val()).prop_map(|(k, v)| Op::Set(k, v)),
        key().prop_map(Op::Get),
        (key(), val()).prop_map(|(k, v)| Op::Append(k, v)),
        (key(), -5i64..5).prop_map(|(k, i)| Op::IncrBy(k, i)),
        key().prop_map(Op::Strlen),
        key().prop_map(Op::GetDel),
        (key(), 0u8..12, val()).prop_map(|(k, o, v)| Op::SetRange(k, o, v)),
        (key(), idx(), idx()).prop_map(|(k, a, b)| Op::GetRange(k, a, b)),
        (key(), any::<bool>(), prop::collection::vec(val(), 1..4))
            .prop_map(|(k, l, v)| Op::Push(k, l, v)),
        (key(), any::<bool>(), prop::option::of(0u8..5)).prop_map(|(k, l, c)| Op::Pop(k, l, c)),
        (key(), idx(), idx()).prop_map(|(k, a, b)| Op::LRange(k, a, b)),
        (key(), idx()).prop_map(|(k, i)| Op::LIndex(k, i)),
        (key(), idx(), val()).prop_map(|(k, i, v)| Op::LSet(k, i, v)),
        (key(), any::<bool>(), val(), val()).prop_map(|(k, a, p, v)| Op::LInsert(k, a, p, v)),
        (key(), -3i64..4, val()).prop_map(|(k, c, v)| Op::LRem(k, c, v)),
        (key(), idx(), idx()).prop_map(|(k, a, b)| Op::LTrim(k, a, b)),
        (
            key(),
            val(),
            prop_oneof![-3i64..0, 1i64..4],
            prop::option::of(0u8..4),
            0u8..5
        )
            .prop_map(|(k, v, r, c, m)| Op::LPos(k, v, r, c, m)),
        (key(), key(), any::<bool>(), any::<bool>()).prop_map(|(a, b, f, t)| Op::LMove(a, b, f, t)),
        key().prop_map(Op::LLen),
        (key(), prop::collection::vec((field(), val()), 1..4)).prop_map(|(k, p)| Op::HSet(k, p)),
        (key(), prop::collection::vec(field(), 1..3)).prop_map(|(k, f)| Op::HDel(k, f)),
        (key(), field()).prop_map(|(k, f)| Op::HGet(k, f)),
        (key(), field(), -5i64..5).prop_map(|(k, f, i)| Op::HIncrBy(k, f, i)),
        key().prop_map(Op::HLen),
        key().prop_map(Op::HGetAll),
        (key(), field()).prop_map(|(k, f)| Op::HExists(k, f)),
        (key(), field()).prop_map(|(k, f)| Op::HStrlen(k, f)),
        (key(), prop::collection::vec(member(), 1..7)).prop_map(|(k, m)| Op::SAdd(k, m)),
        (key(), prop::collection::vec(member(), 1..3)).prop_map(|(k, m)| Op::SRem(k, m)),
        (key(), member()).prop_map(|(k, m)| Op::SIsMember(k, m)),
        key().prop_map(Op::SCard),
        key().prop_map(Op::SMembers),
        (0u8..3, prop::collection::vec(key(), 1..4)).prop_map(|(o, k)| Op::SAlgebra(o, k)),
        (0u8..3, key(), prop::collection::vec(key(), 1..4))
            .prop_map(|(o, d, k)| Op::SStore(o, d, k)),
        (key(), 0u8..6).prop_map(|(k, c)| Op::SPop(k, c)),
        (key(), key(), member()).prop_map(|(a, b, m)| Op::SMove(a, b, m)),
        (0u8..12).prop_map(Op::Encoding),
    ]
}

fn k(prefix: &str, i: u8) -> Vec<u8> {
    format!("{prefix}{i}").into_bytes()
}

const SET_OPS: [&str; 3] = ["SINTER", "SUNION", "SDIFF"];

fn set_algebra(m: &Model, op: u8, keys: &[u8]) -> BTreeSet<Vec<u8>> {
    let get = |i: &u8| {
        m.sets
            .get(&k("t", *i))
            .map(|s| s.set.clone())
            .unwrap_or_default()
    };
    let mut acc = get(&keys[0]);
    for i in &keys[1..] {
        let other = get(i);
        acc = match op {
            0 => acc.intersection(&other).cloned().collect(),
            1 => acc.union(&other).cloned().collect(),
            _ => acc.difference(&other).cloned().collect(),
        };
    }
    acc
}

/// Applies `op` to both, asserting the replies agree.
fn step(s: &mut Server, m: &mut Model, op: &Op) {
    match op {
        Op::Set(i, v) => {
            let key = k("s", *i);
            assert_eq!(s.run(&[b"SET", &key, v]), ok());
            m.strings.insert(key, v.clone());
        }
        Op::Get(i) => {
            let key = k("s", *i);
            let want = opt_bulk(m.strings.get(&key).map(|v| v.as_slice()));
            assert_eq!(s.run(&[b"GET", &key]), want);
        }
        Op::Append(i, v) => {
            let key = k("s", *i);
            let e = m.strings.entry(key.clone()).or_default();
            e.extend_from_slice(v);
            let n = e.len() as i64;
            assert_eq!(s.run(&[b"APPEND", &key, v]), int(n));
        }
        Op::IncrBy(i, by) => {
            let key = k("s", *i);
            let cur = m.strings.get(&key).map(|v| {
                std::str::from_utf8(v)
                    .ok()
                    .filter(|_| canonical_int(v))
                    .and_then(|t| t.parse::<i64>().ok())
            });
            let got = s.run(&[b"INCRBY", &key, by.to_string().as_bytes()]);
            match cur {
                Some(None) => assert!(is_error(&got), "{got:?}"),
                Some(Some(c)) => {
                    assert_eq!(got, int(c + by));
                    m.strings.insert(key, (c + by).to_string().into_bytes());
                }
                None => {
                    assert_eq!(got, int(*by));
                    m.strings.insert(key, by.to_string().into_bytes());
                }
            }
        }
        Op::Strlen(i) => {
            let key = k("s", *i);
            let n = m.strings.get(&key).map_or(0, |v| v.len()) as i64;
            assert_eq!(s.run(&[b"STRLEN", &key]), int(n));
        }
        Op::GetDel(i) => {
            let key = k("s", *i);
            let want = opt_bulk(m.strings.remove(&key).as_deref());
            assert_eq!(s.run(&[b"GETDEL", &key]), want);
        }
        Op::SetRange(i, off, v) => {
            let key = k("s", *i);
            let off = *off as usize;
            let got = s.run(&[b"SETRANGE", &key, off.to_string().as_bytes(), v]);
            let n = match m.strings.get_mut(&key) {
                None if v.is_empty() => 0,
                None => {
                    let mut b = vec![0u8; off];
                    b.extend_from_slice(v);
                    let n = b.len();
                    m.strings.insert(key, b);
                    n
                }
                Some(b) => {
                    if !v.is_empty() {
                        if b.len() < off + v.len() {
                            b.resize(off + v.len(), 0);
                        }
                        b[off..off + v.len()].copy_from_slice(v);
                    }
                    b.len()
                }
            };
            assert_eq!(got, int(n as i64));
        }
        Op::GetRange(i, a, b) => {
            let key = k("s", *i);
            let v = m.strings.get(&key).cloned().unwrap_or_default();
            // GETRANGE clamps differently from LRANGE: a negative end below the start of the
            // string becomes 0 instead of making the range empty.
            let len = v.len() as i64;
            let want = if (*a < 0 && *b < 0 && a > b) || len == 0 {
                Vec::new()
            } else {
                let x = if *a < 0 { len + a } else { *a }.max(0);
                let y = if *b < 0 { len + b } else { *b }.max(0).min(len - 1);
                if x > y {
                    Vec::new()
                } else {
                    v[x as usize..=y as usize].to_vec()
                }
            };
            let got = s.run(&[
                b"GETRANGE",
                &key,
                a.to_string().as_bytes(),
                b.to_string().as_bytes(),
            ]);
            assert_eq!(got, bulk(&want));
        }
        Op::Push(i, left, vals) => {
            let key = k("l", *i);
            let l = m.lists.entry(key.clone()).or_default();
            for v in vals {
                if *left {
                    l.push_front(v.clone());
                } else {
                    l.push_back(v.clone());
                }
            }
            let n = l.len() as i64;
            let mut args: Vec<&[u8]> = vec![if *left { b"LPUSH" } else { b"RPUSH" }, &key];
            args.extend(vals.iter().map(|v| v.as_slice()));
            assert_eq!(s.run(&args), int(n));
        }
        Op::Pop(i, left, count) => {
            let key = k("l", *i);
            let cmd: &[u8] = if *left { b"LPOP" } else { b"RPOP" };
            let mut pop = |l: &mut VecDeque<Vec<u8>>| {
                if *left {
                    l.pop_front()
                } else {
                    l.pop_back()
                }
            };
            let got;
            let want;
            match count {
                None => {
                    got = s.run(&[cmd, &key]);
                    want = opt_bulk(m.lists.get_mut(&key).and_then(&mut pop).as_deref());
                }
                Some(c) => {
                    got = s.run(&[cmd, &key, c.to_string().as_bytes()]);
                    want = match m.lists.get_mut(&key) {
                        None => Frame::NullArray,
                        Some(l) => {
                            let mut out = Vec::new();
                            for _ in 0..*c {
                                if let Some(v) = pop(l) {
                                    out.push(v);
                                }
                            }
                            bulks(out.iter().map(|v| v.as_slice()))
                        }
                    };
                }
            }
            if m.lists.get(&key).is_some_and(|l| l.is_empty()) {
                m.lists.remove(&key);
            }
            assert_eq!(got, want);
        }
        Op::LRange(i, a, b) => {
            let key = k("l", *i);
            let l = m.lists.get(&key).cloned().unwrap_or_default();
            let want = match clamp(l.len(), *a, *b) {
                Some((x, y)) => bulks(l.range(x..=y).map(|v| v.as_slice())),
                None => Frame::Array(vec![]),
            };
            let got = s.run(&[
                b"LRANGE",
                &key,
                a.to_string().as_bytes(),
                b.to_string().as_bytes(),
            ]);
            assert_eq!(got, want);
        }
        Op::LIndex(i, x) => {
            let key = k("l", *i);
            let want = m
                .lists
                .get(&key)
                .and_then(|l| list_index(l.len(), *x).map(|p| l[p].clone()));
            assert_eq!(
                s.run(&[b"LINDEX", &key, x.to_string().as_bytes()]),
                opt_bulk(want.as_deref())
            );
        }
        Op::LSet(i, x, v) => {
            let key = k("l", *i);
            let got = s.run(&[b"LSET", &key, x.to_string().as_bytes(), v]);
            match m.lists.get_mut(&key) {
                None => assert!(is_error(&got)),
                Some(l) => match list_index(l.len(), *x) {
                    None => assert!(is_error(&got)),
                    Some(p) => {
                        l[p] = v.clone();
                        assert_eq!(got, ok());
                    }
                },
            }
        }
        Op::LInsert(i, after, pivot, v) => {
            let key = k("l", *i);
            let got = s.run(&[
                b"LINSERT",
                &key,
                if *after { b"AFTER" } else { b"BEFORE" },
                pivot,
                v,
            ]);
            let want = match m.lists.get_mut(&key) {
                None => 0,
                Some(l) => match l.iter().position(|x| x == pivot) {
                    None => -1,
                    Some(p) => {
                        l.insert(if *after { p + 1 } else { p }, v.clone());
                        l.len() as i64
                    }
                },
            };
            assert_eq!(got, int(want));
        }
        Op::LRem(i, c, v) => {
            let key = k("l", *i);
            let got = s.run(&[b"LREM", &key, c.to_string().as_bytes(), v]);
            let mut removed = 0i64;
            if let Some(l) = m.lists.get_mut(&key) {
                let limit = if *c == 0 { i64::MAX } else { c.abs() };
                let mut keep: Vec<bool> = vec![true; l.len()];
                let order: Vec<usize> = if *c < 0 {
                    (0..l.len()).rev().collect()
                } else {
                    (0..l.len()).collect()
                };
                for p in order {
                    if removed < limit && &l[p] == v {
                        keep[p] = false;
                        removed += 1;
                    }
                }
                let mut it = keep.into_iter();
                l.retain(|_| it.next().unwrap_or(true));
                if l.is_empty() {
                    m.lists.remove(&key);
                }
            }
            assert_eq!(got, int(removed));
        }
        Op::LTrim(i, a, b) => {
            let key = k("l", *i);
            let got = s.run(&[
                b"LTRIM",
                &key,
                a.to_string().as_bytes(),
                b.to_string().as_bytes(),
            ]);
            assert_eq!(got, ok());
            if let Some(l) = m.lists.get_mut(&key) {
                match clamp(l.len(), *a, *b) {
                    None => l.clear(),
                    Some((x, y)) => {
                        l.truncate(y + 1);
                        l.drain(..x);
                    }
                }
                if l.is_empty() {
                    m.lists.remove(&key);
                }
            }
        }
        Op::LPos(i, v, rank, count, maxlen) => {
            let key = k("l", *i);
            let mut args: Vec<Vec<u8>> = vec![
                b"LPOS".to_vec(),
                key.clone(),
                v.clone(),
                b"RANK".to_vec(),
                rank.to_string().into_bytes(),
                b"MAXLEN".to_vec(),
                maxlen.to_string().into_bytes(),
            ];
            if let Some(c) = count {
                args.push(b"COUNT".to_vec());
                args.push(c.to_string().into_bytes());
            }
            let refs: Vec<&[u8]> = args.iter().map(|a| a.as_slice()).collect();
            let got = s.run(&refs);
            let l = m.lists.get(&key).cloned().unwrap_or_default();
            let n = l.len();
            let scan: Vec<usize> = if *rank < 0 {
                (0..n).rev().collect()
            } else {
                (0..n).collect()
            };
            let limit = if *maxlen == 0 { n } else { *maxlen as usize };
            let skip = (rank.unsigned_abs() - 1) as usize;
            let hits: Vec<i64> = scan
                .into_iter()
                .take(limit)
                .filter(|&p| &l[p] == v)
                .skip(skip)
                .map(|p| p as i64)
                .collect();
            let want = match count {
                None => hits.first().map_or(Frame::NullBulk, |&p| int(p)),
                Some(0) => Frame::Array(hits.into_iter().map(int).collect()),
                Some(c) => Frame::Array(hits.into_iter().take(*c as usize).map(int).collect()),
            };
            assert_eq!(got, want);
        }
        Op::LMove(a, b, from_left, to_left) => {
            let (src, dst) = (k("l", *a), k("l", *b));
            let got = s.run(&[
                b"LMOVE",
                &src,
                &dst,
                if *from_left { b"LEFT" } else { b"RIGHT" },
                if *to_left { b"LEFT" } else { b"RIGHT" },
            ]);
            let popped = m.lists.get_mut(&src).and_then(|l| {
                if *from_left {
                    l.pop_front()
                } else {
                    l.pop_back()
                }
            });
            if let Some(v) = &popped {
                let d = m.lists.entry(dst).or_default();
                if *to_left {
                    d.push_front(v.clone());
                } else {
                    d.push_back(v.clone());
                }
            }
            if m.lists.get(&src).is_some_and(|l| l.is_empty()) {
                m.lists.remove(&src);
            }
            assert_eq!(got, opt_bulk(popped.as_deref()));
        }
        Op::LLen(i) => {
            let key = k("l", *i);
            let n = m.lists.get(&key).map_or(0, |l| l.len()) as i64;
            assert_eq!(s.run(&[b"LLEN", &key]), int(n));
        }
        Op::HSet(i, pairs) => {
            let key = k("h", *i);
            let h = m.hashes.entry(key.clone()).or_default();
            let mut created = 0;
            let mut touched: Vec<&[u8]> = Vec::new();
            for (f, v) in pairs {
                if h.map.insert(f.clone(), v.clone()).is_none() {
                    created += 1;
                }
                touched.push(f);
                touched.push(v);
            }
            h.fix_encoding(&touched);
            let mut args: Vec<&[u8]> = vec![b"HSET", &key];
            for (f, v) in pairs {
                args.push(f);
                args.push(v);
            }
            assert_eq!(s.run(&args), int(created));
        }
        Op::HDel(i, fields) => {
            let key = k("h", *i);
            let mut n = 0;
            if let Some(h) = m.hashes.get_mut(&key) {
                for f in fields {
                    if h.map.remove(f).is_some() {
                        n += 1;
                    }
                }
                if h.map.is_empty() {
                    m.hashes.remove(&key);
                }
            }
            let mut args: Vec<&[u8]> = vec![b"HDEL", &key];
            args.extend(fields.iter().map(|f| f.as_slice()));
            assert_eq!(s.run(&args), int(n));
        }
        Op::HGet(i, f) => {
            let key = k("h", *i);
            let want = m.hashes.get(&key).and_then(|h| h.map.get(f)).cloned();
            assert_eq!(s.run(&[b"HGET", &key, f]), opt_bulk(want.as_deref()));
        }
        Op::HIncrBy(i, f, by) => {
            let key = k("h", *i);
            let got = s.run(&[b"HINCRBY", &key, f, by.to_string().as_bytes()]);
            let cur = m.hashes.get(&key).and_then(|h| h.map.get(f)).cloned();
            let base = match cur {
                None => Some(0),
                Some(v) => std::str::from_utf8(&v)
                    .ok()
                    .filter(|_| canonical_int(&v))
                    .and_then(|t| t.parse::<i64>().ok()),
            };
            match base {
                None => assert!(is_error(&got), "{got:?}"),
                Some(b) => {
                    assert_eq!(got, int(b + by));
                    let h = m.hashes.entry(key).or_default();
                    let text = (b + by).to_string().into_bytes();
                    h.map.insert(f.clone(), text.clone());
                    h.fix_encoding(&[f, &text]);
                }
            }
        }
        Op::HLen(i) => {
            let key = k("h", *i);
            let n = m.hashes.get(&key).map_or(0, |h| h.map.len()) as i64;
            assert_eq!(s.run(&[b"HLEN", &key]), int(n));
        }
        Op::HGetAll(i) => {
            let key = k("h", *i);
            let got = s.run(&[b"HGETALL", &key]);
            let Frame::Array(items) = got else {
                panic!("array expected")
            };
            let mut pairs: Vec<(Vec<u8>, Vec<u8>)> = items
                .chunks(2)
                .map(|c| match c {
                    [Frame::Bulk(f), Frame::Bulk(v)] => (f.to_vec(), v.to_vec()),
                    other => panic!("pair expected, got {other:?}"),
                })
                .collect();
            pairs.sort();
            let want: Vec<(Vec<u8>, Vec<u8>)> = m
                .hashes
                .get(&key)
                .map(|h| h.map.clone().into_iter().collect())
                .unwrap_or_default();
            assert_eq!(pairs, want);
        }
        Op::HExists(i, f) => {
            let key = k("h", *i);
            let found = m.hashes.get(&key).is_some_and(|h| h.map.contains_key(f));
            assert_eq!(s.run(&[b"HEXISTS", &key, f]), int(found as i64));
        }
        Op::HStrlen(i, f) => {
            let key = k("h", *i);
            let n = m
                .hashes
                .get(&key)
                .and_then(|h| h.map.get(f))
                .map_or(0, |v| v.len());
            assert_eq!(s.run(&[b"HSTRLEN", &key, f]), int(n as i64));
        }
        Op::SAdd(i, members) => {
            let key = k("t", *i);
            let st = m.sets.entry(key.clone()).or_default();
            let added = members
                .iter()
                .filter(|x| st.set.insert((*x).clone()))
                .count();
            st.fix_encoding();
            let mut args: Vec<&[u8]> = vec![b"SADD", &key];
            args.extend(members.iter().map(|x| x.as_slice()));
            assert_eq!(s.run(&args), int(added as i64));
        }
        Op::SRem(i, members) => {
            let key = k("t", *i);
            let mut n = 0;
            if let Some(st) = m.sets.get_mut(&key) {
                n = members.iter().filter(|x| st.set.remove(*x)).count();
                if st.set.is_empty() {
                    m.sets.remove(&key);
                }
            }
            let mut args: Vec<&[u8]> = vec![b"SREM", &key];
            args.extend(members.iter().map(|x| x.as_slice()));
            assert_eq!(s.run(&args), int(n as i64));
        }
        Op::SIsMember(i, x) => {
            let key = k("t", *i);
            let found = m.sets.get(&key).is_some_and(|st| st.set.contains(x));
            assert_eq!(s.run(&[b"SISMEMBER", &key, x]), int(found as i64));
        }
        Op::SCard(i) => {
            let key = k("t", *i);
            let n = m.sets.get(&key).map_or(0, |st| st.set.len()) as i64;
            assert_eq!(s.run(&[b"SCARD", &key]), int(n));
        }
        Op::SMembers(i) => {
            let key = k("t", *i);
            let got = sorted_members(&s.run(&[b"SMEMBERS", &key]));
            let want: Vec<Vec<u8>> = m
                .sets
                .get(&key)
                .map(|st| st.set.iter().cloned().collect())
                .unwrap_or_default();
            assert_eq!(got, want);
        }
        Op::SAlgebra(o, keys) => {
            let names: Vec<Vec<u8>> = keys.iter().map(|i| k("t", *i)).collect();
            let mut args: Vec<&[u8]> = vec![SET_OPS[*o as usize].as_bytes()];
            args.extend(names.iter().map(|n| n.as_slice()));
            let got = sorted_members(&s.run(&args));
            let want: Vec<Vec<u8>> = set_algebra(m, *o, keys).into_iter().collect();
            assert_eq!(got, want);
        }
        Op::SStore(o, d, keys) => {
            let dst = k("t", *d);
            let names: Vec<Vec<u8>> = keys.iter().map(|i| k("t", *i)).collect();
            let cmd = format!("{}STORE", SET_OPS[*o as usize]);
            let mut args: Vec<&[u8]> = vec![cmd.as_bytes(), &dst];
            args.extend(names.iter().map(|n| n.as_slice()));
            let got = s.run(&args);
            let result = set_algebra(m, *o, keys);
            assert_eq!(got, int(result.len() as i64));
            if result.is_empty() {
                m.sets.remove(&dst);
            } else {
                // The destination is built from scratch, so its encoding follows its contents.
                let mut st = SetModel {
                    set: result,
                    ..SetModel::default()
                };
                st.fix_encoding();
                m.sets.insert(dst, st);
            }
        }
        Op::SPop(i, c) => {
            let key = k("t", *i);
            let got = s.run(&[b"SPOP", &key, c.to_string().as_bytes()]);
            let popped = sorted_members(&got);
            let before = m.sets.get(&key).map_or(0, |st| st.set.len());
            assert_eq!(popped.len(), before.min(*c as usize), "SPOP count");
            if let Some(st) = m.sets.get_mut(&key) {
                st.rebuilt = true;
                for p in &popped {
                    assert!(st.set.remove(p), "SPOP returned a non-member {p:?}");
                }
                if st.set.is_empty() {
                    m.sets.remove(&key);
                }
            }
        }
        Op::SMove(a, b, x) => {
            let (src, dst) = (k("t", *a), k("t", *b));
            let got = s.run(&[b"SMOVE", &src, &dst, x]);
            let in_src = m.sets.get(&src).is_some_and(|st| st.set.contains(x));
            assert_eq!(got, int(in_src as i64));
            if in_src && src != dst {
                if let Some(st) = m.sets.get_mut(&src) {
                    st.set.remove(x);
                    if st.set.is_empty() {
                        m.sets.remove(&src);
                    }
                }
                let d = m.sets.entry(dst).or_default();
                d.set.insert(x.clone());
                d.fix_encoding();
            }
        }
        Op::Encoding(which) => {
            let i = which % 3;
            let (key, want): (Vec<u8>, Option<&str>) = match which / 3 {
                0 => {
                    let key = k("h", i);
                    let w = m
                        .hashes
                        .get(&key)
                        .map(|h| if h.big { "hashtable" } else { "listpack" });
                    (key, w)
                }
                1 => {
                    let key = k("t", i);
                    if m.sets.get(&key).is_some_and(|st| st.rebuilt) {
                        return;
                    }
                    let w = m
                        .sets
                        .get(&key)
                        .map(|st| if st.big { "hashtable" } else { "intset" });
                    (key, w)
                }
                2 => {
                    let key = k("l", i);
                    let w = m.lists.get(&key).map(|_| "quicklist");
                    (key, w)
                }
                _ => {
                    // A string that reads back as written.
                    let key = k("s", i);
                    let got = s.run(&[b"GET", &key]);
                    assert_eq!(got, opt_bulk(m.strings.get(&key).map(|v| v.as_slice())));
                    return;
                }
            };
            let got = s.run(&[b"OBJECT", b"ENCODING", &key]);
            match want {
                None => assert_eq!(got, Frame::NullBulk),
                Some(w) => assert_eq!(got, bulk(w.as_bytes()), "encoding of {key:?}"),
            }
        }
    }
}

proptest! {
    #[test]
    fn commands_agree_with_reference_model(ops in prop::collection::vec(op(), 1..80)) {
        let mut s = Server::new();
        let mut m = Model::default();
        for op in &ops {
            step(&mut s, &mut m, op);
            // Encodings after every step, so each conversion is seen when it happens.
            for which in 0..6 {
                step(&mut s, &mut m, &Op::Encoding(which));
            }
        }
        // Finally every key of every type matches its model.
        for i in 0..3u8 {
            step(&mut s, &mut m, &Op::Get(i));
            step(&mut s, &mut m, &Op::LRange(i, 0, -1));
            step(&mut s, &mut m, &Op::HGetAll(i));
            step(&mut s, &mut m, &Op::SMembers(i));
        }
    }
}
