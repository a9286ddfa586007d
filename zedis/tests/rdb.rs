//! The RDB reader and writer without a server: files of older versions and encodings built byte
//! by byte from the format description, write → read round trips of random datasets, and
//! truncated or damaged copies of the Redis-made fixtures, which must give errors, never panics.
//! (Comparisons with a real redis-server live in `tests/tests/rdb_redis.rs`.)

use proptest::prelude::*;
use std::path::PathBuf;
use zedis::persist::build::{self, Limits};
use zedis::persist::rdb::{self, intset, writer::encode_len, writer::encode_string, Writer};
use zedis::persist::{Collect, KeyRecord, PersistError, Record};
use zedis::store::Value;

/// A value in a form that compares across encodings: type name and sorted (or ordered) items.
fn canon(v: &Value) -> (String, Vec<Vec<u8>>) {
    let (t, items) = v.comparable();
    (t.to_string(), items)
}

fn read_all(bytes: &[u8]) -> Result<Vec<Record>, PersistError> {
    let mut c = Collect::default();
    rdb::read(bytes, &mut c, &Limits::default())?;
    Ok(c.0)
}

fn keys(recs: &[Record]) -> Vec<&KeyRecord> {
    recs.iter()
        .filter_map(|r| match r {
            Record::Key(k) => Some(k),
            _ => None,
        })
        .collect()
}

fn key<'a>(recs: &'a [Record], name: &[u8]) -> &'a KeyRecord {
    keys(recs)
        .into_iter()
        .find(|k| k.key[..] == *name)
        .unwrap_or_else(|| panic!("no key {:?}", String::from_utf8_lossy(name)))
}

fn strs(items: &[&str]) -> Vec<Vec<u8>> {
    items.iter().map(|s| s.as_bytes().to_vec()).collect()
}

/// Wraps a body into a file of `version`: magic, body, EOF and (v5+) the checksum.
fn file(version: u32, body: &[u8], checksum: bool) -> Vec<u8> {
    let mut f = format!("REDIS{version:04}").into_bytes();
    f.extend_from_slice(body);
    f.push(255);
    if version >= 5 {
        let c = if checksum { rdb::crc64(&f) } else { 0 };
        f.extend_from_slice(&c.to_le_bytes());
    }
    f
}

fn s(out: &mut Vec<u8>, b: &[u8]) {
    encode_string(out, b, false);
}

/// A ziplist as Redis 6 wrote it, for short strings and small integers.
fn ziplist(items: &[&str]) -> Vec<u8> {
    let mut body = Vec::new();
    let (mut prev, mut tail) = (0usize, 10usize);
    for it in items {
        let start = body.len();
        tail = 10 + start;
        body.push(prev as u8);
        match it.parse::<i64>() {
            Ok(v @ 0..=12) => body.push(0xF1 + v as u8),
            Ok(v) => {
                body.push(0xC0);
                body.extend_from_slice(&(v as i16).to_le_bytes());
            }
            Err(_) => {
                body.push(it.len() as u8);
                body.extend_from_slice(it.as_bytes());
            }
        }
        prev = body.len() - start;
    }
    let mut out = Vec::new();
    out.extend_from_slice(&((body.len() + 11) as u32).to_le_bytes());
    out.extend_from_slice(&(tail as u32).to_le_bytes());
    out.extend_from_slice(&(items.len() as u16).to_le_bytes());
    out.extend_from_slice(&body);
    out.push(0xFF);
    out
}

fn listpack(items: &[&str]) -> Vec<u8> {
    let mut w = rdb::listpack::LpWriter::new();
    for i in items {
        w.push(i.as_bytes());
    }
    w.finish()
}

/// Every encoding Redis wrote before 7.0 (zipmap, ziplists, intset, quicklist v1, text scores,
/// plain types, LZF), with an expiry in seconds and an empty set.
fn old_encodings_body() -> Vec<u8> {
    let mut b = Vec::new();
    b.extend_from_slice(&[254, 0]); // SELECTDB 0
    b.push(253); // EXPIRETIME in seconds
    b.extend_from_slice(&2000000000u32.to_le_bytes());
    b.push(0);
    s(&mut b, b"s");
    s(&mut b, b"v");
    b.push(9); // zipmap hash, with one free byte after a value
    s(&mut b, b"zm");
    s(
        &mut b,
        &[2, 1, b'a', 1, 1, b'x', 0, 1, b'b', 1, 0, b'y', 255],
    );
    b.push(10);
    s(&mut b, b"zl");
    s(&mut b, &ziplist(&["a", "7", "-300", "bc"]));
    b.push(11);
    s(&mut b, b"is");
    s(&mut b, &intset::encode(&[-5, 1, 300]));
    b.push(12);
    s(&mut b, b"zz");
    s(&mut b, &ziplist(&["a", "1", "b", "2.5"]));
    b.push(13);
    s(&mut b, b"hz");
    s(&mut b, &ziplist(&["f", "v", "g", "7"]));
    b.push(14); // quicklist v1: nodes are ziplists
    s(&mut b, b"ql");
    encode_len(&mut b, 2);
    s(&mut b, &ziplist(&["a", "b"]));
    s(&mut b, &ziplist(&["3"]));
    b.push(3); // sorted set with text scores
    s(&mut b, b"oz");
    encode_len(&mut b, 3);
    s(&mut b, b"a");
    b.extend_from_slice(&[3, b'1', b'.', b'5']);
    s(&mut b, b"b");
    b.push(254);
    s(&mut b, b"c");
    b.push(255);
    b.push(1);
    s(&mut b, b"pl");
    encode_len(&mut b, 2);
    s(&mut b, b"x");
    s(&mut b, b"y");
    b.push(2);
    s(&mut b, b"ps");
    encode_len(&mut b, 2);
    s(&mut b, b"p");
    s(&mut b, b"12");
    b.push(4);
    s(&mut b, b"ph");
    encode_len(&mut b, 1);
    s(&mut b, b"f");
    s(&mut b, b"v");
    b.push(0); // an LZF string
    s(&mut b, b"lzf");
    encode_string(&mut b, &b"0123456789".repeat(10), true);
    b.extend_from_slice(&[254, 3]);
    b.push(0);
    s(&mut b, b"in3");
    s(&mut b, b"x");
    b.push(2); // an empty set: skipped, as Redis skips it
    s(&mut b, b"empty");
    encode_len(&mut b, 0);
    b
}

#[test]
fn version_6_file_with_pre_redis_7_encodings() {
    let b = old_encodings_body();
    for checksum in [true, false] {
        let recs = read_all(&file(6, &b, checksum)).unwrap();
        assert!(matches!(
            recs[0],
            Record::Header {
                format: "rdb",
                version: 6
            }
        ));
        let k = key(&recs, b"s");
        assert_eq!(k.expire_at_ms, 2000000000000);
        assert_eq!(canon(&k.value), ("string".into(), strs(&["v"])));
        let k = key(&recs, b"zm");
        assert_eq!(k.file_encoding, "zipmap");
        assert_eq!(
            canon(&k.value),
            ("hash".into(), strs(&["a", "x", "b", "y"]))
        );
        assert_eq!(k.expire_at_ms, 0, "expiry applies to one key only");
        assert_eq!(
            canon(&key(&recs, b"zl").value),
            ("list".into(), strs(&["a", "7", "-300", "bc"]))
        );
        let k = key(&recs, b"is");
        assert_eq!(k.value.encoding(), "intset");
        assert_eq!(canon(&k.value), ("set".into(), strs(&["-5", "1", "300"])));
        assert_eq!(
            canon(&key(&recs, b"zz").value),
            ("zset".into(), strs(&["a", "1", "b", "2.5"]))
        );
        assert_eq!(
            canon(&key(&recs, b"hz").value),
            ("hash".into(), strs(&["f", "v", "g", "7"]))
        );
        let k = key(&recs, b"ql");
        assert_eq!(k.file_encoding, "quicklist");
        assert_eq!(canon(&k.value), ("list".into(), strs(&["a", "b", "3"])));
        assert_eq!(
            canon(&key(&recs, b"oz").value),
            ("zset".into(), strs(&["c", "-inf", "a", "1.5", "b", "inf"]))
        );
        assert_eq!(
            canon(&key(&recs, b"pl").value),
            ("list".into(), strs(&["x", "y"]))
        );
        assert_eq!(
            canon(&key(&recs, b"ps").value),
            ("set".into(), strs(&["12", "p"]))
        );
        assert_eq!(
            canon(&key(&recs, b"ph").value),
            ("hash".into(), strs(&["f", "v"]))
        );
        let k = key(&recs, b"lzf");
        assert_eq!(k.file_encoding, "string-lzf");
        assert_eq!(canon(&k.value).1, vec![b"0123456789".repeat(10)]);
        assert_eq!(key(&recs, b"in3").db, 3);
        assert!(keys(&recs).iter().all(|k| &k.key[..] != b"empty"));
        let eof = recs.last().unwrap();
        assert!(matches!(eof, Record::Eof { checksum: c } if c.is_some() == checksum));
    }
    // Version 3 has no checksum at all.
    let recs = read_all(&file(3, &b, false)).unwrap();
    assert_eq!(keys(&recs).len(), 13);
    // With no checksum to catch them, damaged ziplists, zipmaps and intsets must still give
    // errors or (harmlessly changed) values, never a panic.
    let good = file(6, &b, false);
    let mut rng = fastrand_seed(7);
    for cut in 0..good.len() {
        assert!(read_all(&good[..cut]).is_err(), "cut at {cut}");
    }
    for _ in 0..3000 {
        let mut bad = good.clone();
        for _ in 0..1 + rng() % 3 {
            let at = (rng() as usize) % (bad.len() - 8);
            bad[at] = rng() as u8;
        }
        let _ = read_all(&bad);
    }
}

/// A stream value of `t` (15, 19 or 21) with one entry listpack, a group, a consumer and a
/// pending entry; the reader must walk over all of it.
fn stream(t: u8) -> Vec<u8> {
    let mut b = vec![t];
    s(&mut b, b"st");
    encode_len(&mut b, 1);
    s(&mut b, &[0u8; 16]);
    s(&mut b, &listpack(&["1", "0", "f", "v"]));
    let lens = if t >= 19 { 8 } else { 3 };
    for _ in 0..lens {
        encode_len(&mut b, 1);
    }
    encode_len(&mut b, 1); // groups
    s(&mut b, b"g");
    encode_len(&mut b, 0);
    encode_len(&mut b, 0);
    if t >= 19 {
        encode_len(&mut b, 0);
    }
    encode_len(&mut b, 1); // group PEL
    b.extend_from_slice(&[0u8; 16]);
    b.extend_from_slice(&0u64.to_le_bytes());
    encode_len(&mut b, 1);
    encode_len(&mut b, 1); // consumers
    s(&mut b, b"c");
    b.extend_from_slice(&0u64.to_le_bytes());
    if t >= 21 {
        b.extend_from_slice(&0u64.to_le_bytes());
    }
    encode_len(&mut b, 1);
    b.extend_from_slice(&[0u8; 16]);
    b
}

/// AUX, FUNCTION2, MODULE_AUX, RESIZEDB, an expiry, idle and frequency, a listpack sorted set,
/// a stream of `stream_type`, a module value, (from version 11) a set listpack, and a quicklist
/// v2 with a plain node.
fn newer_encodings_body(version: u32, stream_type: u8) -> Vec<u8> {
    let mut b = Vec::new();
    b.push(250);
    s(&mut b, b"redis-ver");
    s(&mut b, b"7.0.15");
    b.push(245); // FUNCTION2
    s(
        &mut b,
        b"#!lua name=lib\nredis.register_function('f', function() return 1 end)",
    );
    b.extend_from_slice(&[247]); // MODULE_AUX: id, when-opcode (uint), when, then data
    encode_len(&mut b, 12345 << 10);
    encode_len(&mut b, 2);
    encode_len(&mut b, 1);
    b.extend_from_slice(&[5]);
    s(&mut b, b"module string");
    b.push(1);
    encode_len(&mut b, 7);
    b.push(0);
    b.extend_from_slice(&[254, 0, 251]);
    encode_len(&mut b, 4);
    encode_len(&mut b, 1);
    b.push(252);
    b.extend_from_slice(&4102444800000u64.to_le_bytes());
    b.push(248);
    encode_len(&mut b, 77);
    b.push(249);
    b.push(9);
    b.push(17);
    s(&mut b, b"z");
    s(&mut b, &listpack(&["m", "1.5", "n", "3"]));
    b.extend_from_slice(&stream(stream_type));
    b.push(7); // a module value: id, then typed data up to the EOF opcode
    s(&mut b, b"mod");
    encode_len(&mut b, 99 << 10);
    b.push(4);
    b.extend_from_slice(&1.5f64.to_le_bytes());
    b.push(3);
    b.extend_from_slice(&1.5f32.to_le_bytes());
    b.push(0);
    if version >= 11 {
        b.push(20);
        s(&mut b, b"sl");
        s(&mut b, &listpack(&["a", "b", "5"]));
    }
    b.push(18);
    s(&mut b, b"l2");
    encode_len(&mut b, 2);
    encode_len(&mut b, 1); // a plain node: the element itself
    s(&mut b, b"plain");
    encode_len(&mut b, 2);
    s(&mut b, &listpack(&["p", "2"]));
    b
}

#[test]
fn opcodes_streams_and_modules_of_newer_versions() {
    for (version, stream_type) in [(9u32, 15u8), (10, 19), (12, 21)] {
        let b = newer_encodings_body(version, stream_type);
        let recs = read_all(&file(version, &b, true)).unwrap();
        assert!(recs.iter().any(
            |r| matches!(r, Record::Aux { key, value } if key == b"redis-ver" && value == b"7.0.15")
        ));
        assert!(recs
            .iter()
            .any(|r| matches!(r, Record::Function(f) if f.starts_with(b"#!lua"))));
        assert!(recs
            .iter()
            .any(|r| matches!(r, Record::ModuleAux { module_id } if *module_id == 12345 << 10)));
        assert!(recs.iter().any(|r| matches!(
            r,
            Record::ResizeDb {
                keys: 4,
                expires: 1
            }
        )));
        let z = key(&recs, b"z");
        assert_eq!(
            (z.expire_at_ms, z.idle_secs, z.lfu_freq),
            (4102444800000, Some(77), Some(9))
        );
        assert_eq!(
            canon(&z.value),
            ("zset".into(), strs(&["m", "1.5", "n", "3"]))
        );
        let unsupported: Vec<(&[u8], &str)> = recs
            .iter()
            .filter_map(|r| match r {
                Record::Unsupported { key, what, .. } => Some((key.as_slice(), what.as_str())),
                _ => None,
            })
            .collect();
        assert_eq!(unsupported.len(), 2, "{unsupported:?}");
        assert_eq!(unsupported[0].0, b"st");
        assert!(unsupported[0].1.contains("stream"));
        assert_eq!(unsupported[1].0, b"mod");
        assert!(unsupported[1].1.contains("module"));
        if version >= 11 {
            assert_eq!(
                canon(&key(&recs, b"sl").value),
                ("set".into(), strs(&["5", "a", "b"]))
            );
        }
        assert_eq!(
            canon(&key(&recs, b"l2").value),
            ("list".into(), strs(&["plain", "p", "2"]))
        );
    }
}

#[test]
fn a_preamble_reader_leaves_what_follows_the_checksum() {
    let mut f = file(9, &[0, 1, b'k', 1, b'v'], true);
    f.extend_from_slice(b"*1\r\n$4\r\nPING\r\n");
    let mut r = std::io::BufReader::new(&f[..]);
    let mut c = Collect::default();
    let sum = rdb::read_buffered(&mut r, &mut c, &Limits::default()).unwrap();
    assert_eq!(sum.keys, 1);
    assert_eq!(sum.bytes as usize, f.len() - 14);
    let mut rest = Vec::new();
    std::io::Read::read_to_end(&mut r, &mut rest).unwrap();
    assert_eq!(rest, b"*1\r\n$4\r\nPING\r\n");
}

#[test]
fn refusals_name_the_problem() {
    let err = read_all(b"REDIS0013\xff").unwrap_err();
    assert!(err.to_string().contains("version 13"), "{err}");
    assert!(read_all(b"RADIS0009").is_err());
    // A pre-release module value cannot be skipped: the error names the key.
    let mut b = vec![6];
    s(&mut b, b"mykey");
    encode_len(&mut b, 5 << 10);
    let err = read_all(&file(9, &b, true)).unwrap_err();
    assert!(matches!(err, PersistError::Unsupported(_)), "{err}");
    assert!(err.to_string().contains("mykey"), "{err}");
    // Redis 7.4's hashes with field expirations are walked over and reported, not misread.
    let mut b = vec![24];
    s(&mut b, b"hfe");
    b.extend_from_slice(&1_700_000_000_000u64.to_le_bytes());
    encode_len(&mut b, 2);
    for (ttl, f, v) in [(0u64, "a", "1"), (5, "b", "2")] {
        encode_len(&mut b, ttl);
        s(&mut b, f.as_bytes());
        s(&mut b, v.as_bytes());
    }
    b.push(25);
    s(&mut b, b"hfe-lp");
    b.extend_from_slice(&1_700_000_000_000u64.to_le_bytes());
    s(
        &mut b,
        &listpack(&["f", "v", "0", "g", "w", "1700000000005"]),
    );
    b.extend_from_slice(&[0, 1, b'k', 1, b'v']);
    let recs = read_all(&file(12, &b, true)).unwrap();
    let skipped: Vec<&[u8]> = recs
        .iter()
        .filter_map(|r| match r {
            Record::Unsupported { key, what, .. } if what.contains("field expirations") => {
                Some(key.as_slice())
            }
            _ => None,
        })
        .collect();
    assert_eq!(skipped, [&b"hfe"[..], b"hfe-lp"]);
    assert_eq!(keys(&recs).len(), 1);
    // A wrong checksum is reported with both values.
    let mut f = file(9, &[0, 1, b'k', 1, b'v'], true);
    let n = f.len();
    f[n - 1] ^= 0x40;
    assert!(matches!(read_all(&f), Err(PersistError::Checksum { .. })));
    // A truncated value names the key and the offset.
    let f = file(9, &[0, 1, b'k', 9, b'v'], true);
    let err = read_all(&f[..14]).unwrap_err();
    let text = err.to_string();
    assert!(
        matches!(err, PersistError::Truncated { .. }) && text.contains("\"k\""),
        "{text}"
    );
    // Duplicate set members are refused, as Redis refuses them.
    let mut b = vec![2];
    s(&mut b, b"dup");
    encode_len(&mut b, 2);
    s(&mut b, b"a");
    s(&mut b, b"a");
    assert!(matches!(
        read_all(&file(9, &b, true)),
        Err(PersistError::Corrupt { .. })
    ));
    // An LZF header announcing far more than its bytes can hold is refused before allocating.
    let mut b = vec![0];
    s(&mut b, b"big");
    b.push(0xC3);
    encode_len(&mut b, 2);
    encode_len(&mut b, 1 << 40);
    b.extend_from_slice(&[0, b'a']);
    assert!(matches!(
        read_all(&file(9, &b, true)),
        Err(PersistError::Corrupt { .. })
    ));
    // So is a string announcing 2^63 bytes: the read fails at the end of the data.
    let mut b = vec![0];
    s(&mut b, b"huge");
    b.push(0x81);
    b.extend_from_slice(&(1u64 << 63).to_be_bytes());
    assert!(matches!(
        read_all(&file(9, &b, true)),
        Err(PersistError::Truncated { .. })
    ));
}

fn fixtures() -> Vec<(String, Vec<u8>)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/redis-7.0");
    let mut out = Vec::new();
    for p in [
        "redis-7.0.15-all-types.rdb",
        "redis-7.0.15-all-types-nocompress.rdb",
        "redis-7.0.15-appendonlydir-preamble-yes/appendonly.aof.2.base.rdb",
    ] {
        let bytes = std::fs::read(dir.join(p)).unwrap_or_else(|e| panic!("{p}: {e}"));
        out.push((p.to_string(), bytes));
    }
    out
}

#[test]
fn fixtures_read_and_damaged_copies_fail_cleanly() {
    for (name, bytes) in fixtures() {
        let recs = read_all(&bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(
            keys(&recs).len(),
            19,
            "{name}: 16 keys in db 0, 2 in db 1, 1 in db 5"
        );
        // Every proper prefix is an error (the checksum covers the whole file).
        let step = (bytes.len() / 400).max(1);
        for cut in (0..bytes.len()).step_by(step) {
            assert!(read_all(&bytes[..cut]).is_err(), "{name} cut at {cut}");
        }
        // Flipped bytes: an error (or, if the flip lands in the stored checksum's zero... never);
        // what matters is no panic and no unbounded allocation.
        let mut rng = fastrand_seed(bytes.len() as u64);
        for _ in 0..400 {
            let mut damaged = bytes.clone();
            let at = (rng() as usize) % damaged.len();
            damaged[at] ^= 1 << (rng() % 8);
            assert!(
                read_all(&damaged).is_err(),
                "{name}: flip at {at} went unnoticed"
            );
        }
        // Without the checksum's protection (stored as 0), garbage must still never panic.
        for _ in 0..400 {
            let mut damaged = bytes.clone();
            let n = damaged.len();
            damaged[n - 8..].fill(0);
            let at = (rng() as usize) % (n - 8);
            damaged[at] = rng() as u8;
            let _ = read_all(&damaged);
        }
    }
}

/// A small deterministic generator (xorshift), so failures reproduce.
fn fastrand_seed(seed: u64) -> impl FnMut() -> u64 {
    let mut x = seed | 1;
    move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    }
}

#[derive(Debug, Clone)]
enum Spec {
    Str(Vec<u8>),
    List(Vec<Vec<u8>>),
    Set(Vec<Vec<u8>>),
    Hash(Vec<(Vec<u8>, Vec<u8>)>),
    ZSet(Vec<(Vec<u8>, f64)>),
}

fn bytes_strategy() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..12),
        any::<i64>().prop_map(|i| i.to_string().into_bytes()),
        (0u8..26, 0usize..120).prop_map(|(c, n)| vec![b'a' + c; n]),
        prop::collection::vec(any::<u8>(), 0..300),
    ]
}

fn spec_strategy() -> impl Strategy<Value = Spec> {
    let items = || prop::collection::vec(bytes_strategy(), 1..40);
    prop_oneof![
        bytes_strategy().prop_map(Spec::Str),
        items().prop_map(Spec::List),
        items().prop_map(Spec::Set),
        prop::collection::vec(any::<i16>().prop_map(|i| i.to_string().into_bytes()), 1..30)
            .prop_map(Spec::Set),
        prop::collection::vec((bytes_strategy(), bytes_strategy()), 1..40).prop_map(Spec::Hash),
        prop::collection::vec(
            (
                bytes_strategy(),
                prop_oneof![
                    any::<i32>().prop_map(|i| i as f64),
                    -1e20f64..1e20,
                    Just(f64::INFINITY),
                    Just(f64::NEG_INFINITY)
                ]
            ),
            1..40
        )
        .prop_map(Spec::ZSet),
        (1usize..3000)
            .prop_map(|n| Spec::List((0..n).map(|i| format!("{i}-item").into_bytes()).collect())),
    ]
}

fn build_value(s: &Spec, lim: &Limits) -> Value {
    match s {
        Spec::Str(b) => build::string(b),
        Spec::List(i) => build::list(i),
        Spec::Set(i) => build::set(i, lim),
        Spec::Hash(p) => build::hash(p.iter().map(|(f, v)| (f, v)), lim),
        Spec::ZSet(p) => build::zset(p.iter().map(|(m, s)| (m, *s)), lim),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn write_then_read_gives_the_same_records(
        data in prop::collection::vec(
            (prop::collection::vec(any::<u8>(), 0..20), spec_strategy(),
             prop::option::of(1u64..u64::MAX / 2), prop::option::of(0u64..1 << 40),
             prop::option::of(any::<u8>()), 0u32..20),
            0..12),
        compress in any::<bool>(),
    ) {
        let lim = Limits::default();
        let mut dbs: std::collections::BTreeMap<u32, std::collections::BTreeMap<Vec<u8>, _>> =
            Default::default();
        for (k, spec, exp, idle, freq, db) in &data {
            dbs.entry(*db).or_default().insert(k.clone(), (build_value(spec, &lim), *exp, *idle, *freq));
        }
        let aux: &[(&[u8], &[u8])] = &[(b"redis-ver", b"7.0.15"), (b"redis-bits", b"64")];
        let mut w = Writer::new(Vec::new(), aux, compress).unwrap();
        for (db, keys) in &dbs {
            let expires = keys.values().filter(|v| v.1.is_some()).count() as u64;
            w.select_db(*db, keys.len() as u64, expires).unwrap();
            for (k, (v, exp, idle, freq)) in keys {
                w.key(k, v, exp.unwrap_or(0), *idle, *freq).unwrap();
            }
        }
        let file = w.finish().unwrap();
        let recs = read_all(&file).unwrap();
        let got = keys(&recs);
        let want: Vec<_> = dbs.iter().flat_map(|(db, ks)| ks.iter().map(move |(k, v)| (*db, k, v))).collect();
        prop_assert_eq!(got.len(), want.len());
        for (g, (db, k, (v, exp, idle, freq))) in got.iter().zip(want) {
            prop_assert_eq!(g.db, db);
            prop_assert_eq!(&g.key[..], &k[..]);
            prop_assert_eq!(&g.value, v);
            prop_assert_eq!(g.value.encoding(), v.encoding());
            prop_assert_eq!(g.expire_at_ms, exp.unwrap_or(0));
            prop_assert_eq!(g.idle_secs, *idle);
            prop_assert_eq!(g.lfu_freq, *freq);
        }
        // Every value also survives the DUMP framing.
        for (_, _, (v, ..)) in dbs.iter().flat_map(|(db, ks)| ks.iter().map(move |(k, v)| (db, k, v))) {
            let p = rdb::dump_payload(v, compress);
            prop_assert_eq!(&rdb::restore_payload(&p, &lim).unwrap(), v);
        }
        // And a damaged copy never panics.
        if file.len() > 20 {
            let mut bad = file.clone();
            let n = bad.len();
            bad[n / 2] ^= 0x55;
            prop_assert!(read_all(&bad).is_err());
        }
    }
}

/// What one read reported, in a form both the value-building and the check-only path produce:
/// every record (a key as its offset, db, name, expiry, idle, frequency and file encoding; any
/// other record as its debug text), then the summary or the error's full text (which carries
/// the offset, the key and what was expected).
#[derive(Debug, Default, PartialEq)]
struct Seen {
    records: Vec<String>,
    end: String,
}

fn seen_key(off: u64, db: u32, key: &[u8], meta: (u64, Option<u64>, Option<u8>, &str)) -> String {
    format!("key at {off}: db {db} {key:?} {meta:?}")
}

/// The loader's way: values are built.
#[derive(Default)]
struct Full(Vec<String>);

impl zedis::persist::Visitor for Full {
    fn record(&mut self, off: u64, rec: Record) -> Result<(), PersistError> {
        self.0.push(match rec {
            Record::Key(k) => seen_key(
                off,
                k.db,
                &k.key,
                (k.expire_at_ms, k.idle_secs, k.lfu_freq, k.file_encoding),
            ),
            other => format!("{other:?}"),
        });
        Ok(())
    }
}

/// Verify's way: values are checked, not built.
#[derive(Default)]
struct CheckOnly(Vec<String>);

impl zedis::persist::Visitor for CheckOnly {
    fn record(&mut self, _off: u64, rec: Record) -> Result<(), PersistError> {
        // Proves the reader took the check-only path: it never builds a value here.
        assert!(
            !matches!(rec, Record::Key(_)),
            "a check-only read built {rec:?}"
        );
        self.0.push(format!("{rec:?}"));
        Ok(())
    }

    fn wants_values(&self) -> bool {
        false
    }

    fn checked_key(
        &mut self,
        off: u64,
        k: zedis::persist::CheckedKey<'_>,
    ) -> Result<(), PersistError> {
        self.0.push(seen_key(
            off,
            k.db,
            k.key,
            (k.expire_at_ms, k.idle_secs, k.lfu_freq, k.file_encoding),
        ));
        Ok(())
    }
}

/// Reads `bytes` both ways, asserts they report exactly the same, and returns the full path's
/// verdict (Ok = valid).
fn both_paths_agree(bytes: &[u8], what: &str) -> Result<(), String> {
    let lim = Limits::default();
    let mut full = Full::default();
    let full_end = rdb::read(bytes, &mut full, &lim);
    let mut check = CheckOnly::default();
    let check_end = rdb::read(bytes, &mut check, &lim);
    let verdict = full_end.as_ref().map(drop).map_err(|e| e.to_string());
    let full = Seen {
        records: full.0,
        end: format!("{full_end:?}"),
    };
    let check = Seen {
        records: check.0,
        end: format!("{check_end:?}"),
    };
    assert_eq!(check, full, "{what}: the check-only read differs");
    verdict
}

/// Bodies that each break one check the reader makes inside a value; each must be refused,
/// by both paths with the same error.
fn one_bad_check_each() -> Vec<(&'static str, Vec<u8>)> {
    let key = |t: u8, name: &[u8]| {
        let mut b = vec![t];
        s(&mut b, name);
        b
    };
    let pairs = |n: usize, repeat: bool| {
        let mut items: Vec<String> = Vec::new();
        for i in 0..n {
            let f = if repeat && i == n - 1 { 0 } else { i };
            items.push(format!("f{f}"));
            items.push(format!("{i}.5"));
        }
        items
    };
    let lp = |items: &[String]| {
        let refs: Vec<&str> = items.iter().map(String::as_str).collect();
        listpack(&refs)
    };
    let mut out: Vec<(&'static str, Vec<u8>)> = Vec::new();
    // Plain types with repeated members.
    let mut b = key(4, b"h");
    encode_len(&mut b, 2);
    for f in ["f", "f"] {
        s(&mut b, f.as_bytes());
        s(&mut b, b"v");
    }
    out.push(("hash with a repeated field", b));
    let mut b = key(5, b"z");
    encode_len(&mut b, 2);
    for m in ["m", "m"] {
        s(&mut b, m.as_bytes());
        b.extend_from_slice(&1.0f64.to_le_bytes());
    }
    out.push(("zset with a repeated member", b));
    let mut b = key(5, b"z");
    encode_len(&mut b, 1);
    s(&mut b, b"m");
    b.extend_from_slice(&f64::NAN.to_le_bytes());
    out.push(("zset with a NaN score", b));
    let mut b = key(3, b"z1");
    encode_len(&mut b, 1);
    s(&mut b, b"m");
    b.extend_from_slice(&[3, b'n', b'a', b'n']);
    out.push(("v1 zset with a NaN text score", b));
    let mut b = key(2, b"set");
    encode_len(&mut b, 3);
    s(&mut b, b"12");
    encode_string(&mut b, b"12", true); // stored as an integer: the same member
    s(&mut b, b"x");
    out.push(("set with a repeat in integer form", b));
    // Compact blobs: small ones refuse a repeat at the blob, big ones by count.
    let mut b = key(16, b"hl");
    s(&mut b, &lp(&pairs(3, true)));
    out.push(("small hash listpack with a repeated field", b));
    let mut b = key(16, b"hL");
    s(&mut b, &lp(&pairs(600, true)));
    out.push(("big hash listpack with a repeated field", b));
    let mut b = key(17, b"zl");
    s(&mut b, &lp(&pairs(3, true)));
    out.push(("small zset listpack with a repeated member", b));
    let mut b = key(17, b"zL");
    s(&mut b, &lp(&pairs(200, true)));
    out.push(("big zset listpack with a repeated member", b));
    let mut b = key(12, b"zz");
    s(&mut b, &ziplist(&["a", "1", "a", "2"]));
    out.push(("zset ziplist with a repeated member", b));
    let mut b = key(13, b"hz");
    s(&mut b, &ziplist(&["f", "1", "g"]));
    out.push(("hash ziplist with an odd count", b));
    let mut b = key(17, b"zo");
    s(&mut b, &listpack(&["a", "1", "b"]));
    out.push(("zset listpack with an odd count", b));
    let mut b = key(17, b"zs");
    s(&mut b, &listpack(&["a", "nan", "b", "x"]));
    out.push(("zset listpack: NaN before a non-number", b));
    let mut b = key(17, b"zs");
    s(&mut b, &listpack(&["a", "1", "b", "x", "c", "nan"]));
    out.push(("zset listpack: a non-number before NaN", b));
    let mut b = key(20, b"sl");
    s(&mut b, &listpack(&["a", "b", "a"]));
    out.push(("set listpack with a repeat", b));
    // 5 as an integer entry and "5" as a string entry are the same member.
    let raw = [12, 0, 0, 0, 2, 0, 0x05, 0x01, 0x81, b'5', 0x02, 0xFF];
    let mut b = key(20, b"sl5");
    s(&mut b, &raw);
    out.push(("set listpack with 5 and \"5\"", b));
    let mut bad_back = raw;
    bad_back[10] = 0x03;
    let mut b = key(20, b"slb");
    s(&mut b, &bad_back);
    out.push(("listpack with a wrong back-length", b));
    let mut b = key(11, b"is");
    let mut is = intset::encode(&[1, 2, 3]);
    is.swap(8, 10);
    s(&mut b, &is);
    out.push(("intset out of order", b));
    let mut b = key(18, b"ql");
    encode_len(&mut b, 1);
    encode_len(&mut b, 3);
    s(&mut b, &listpack(&["a"]));
    out.push(("quicklist node of an unknown container", b));
    let mut b = key(14, b"q1");
    encode_len(&mut b, 1);
    let mut zl = ziplist(&["a", "b"]);
    zl[4] = 99; // tail offset
    s(&mut b, &zl);
    out.push(("quicklist v1 node with a wrong ziplist tail", b));
    // LZF damage in a key, a string value, a member and a blob.
    let lzf = |out: &mut Vec<u8>| {
        let mut v = Vec::new();
        encode_string(&mut v, &b"abcabcabcabcabcabcabcabcabc".repeat(4), true);
        assert_eq!(v[0], 0xC3, "compressible");
        let n = v.len();
        v[n - 3] ^= 0x80;
        out.extend_from_slice(&v);
    };
    let mut b = vec![0];
    lzf(&mut b);
    s(&mut b, b"v");
    out.push(("a damaged LZF key", b));
    let mut b = key(0, b"lzf");
    lzf(&mut b);
    out.push(("a damaged LZF string", b));
    let mut b = key(2, b"lzfset");
    encode_len(&mut b, 1);
    lzf(&mut b);
    out.push(("a damaged LZF member", b));
    let mut b = key(1, b"lzflist");
    encode_len(&mut b, 2);
    s(&mut b, b"ok");
    lzf(&mut b);
    out.push(("a damaged LZF list element", b));
    let mut b = key(0, b"bad-enc");
    b.push(0xC7);
    out.push(("an unknown string encoding", b));
    out
}

/// Bodies that are valid, including the edge cases the checks must let through.
fn valid_bodies() -> Vec<(String, Vec<u8>)> {
    let mut out = vec![("old encodings".to_string(), old_encodings_body())];
    for (v, t) in [(9u32, 15u8), (10, 19), (12, 21)] {
        out.push((format!("newer encodings v{v}"), newer_encodings_body(v, t)));
    }
    let mut b = Vec::new();
    for (t, name) in [
        (1u8, "el"),
        (2, "es"),
        (3, "ez"),
        (4, "eh"),
        (5, "ez2"),
        (18, "eq"),
    ] {
        b.push(t);
        s(&mut b, name.as_bytes());
        encode_len(&mut b, 0);
    }
    b.push(18); // a quicklist whose only node is empty
    s(&mut b, b"eq2");
    encode_len(&mut b, 1);
    encode_len(&mut b, 2);
    s(&mut b, &listpack(&[]));
    b.push(16);
    s(&mut b, b"elp");
    s(&mut b, &listpack(&[]));
    // Lists may repeat; big compact hashes and sorted sets without repeats are fine.
    b.push(1);
    s(&mut b, b"rep");
    encode_len(&mut b, 2);
    s(&mut b, b"a");
    s(&mut b, b"a");
    let big: Vec<String> = (0..300)
        .flat_map(|i| [format!("m{i}"), format!("{i}")])
        .collect();
    let refs: Vec<&str> = big.iter().map(String::as_str).collect();
    b.push(17);
    s(&mut b, b"bigz");
    s(&mut b, &listpack(&refs));
    b.push(16);
    s(&mut b, b"bigh");
    s(&mut b, &listpack(&refs));
    out.push(("empty and big collections".to_string(), b));
    out
}

#[test]
fn check_only_reads_report_exactly_what_full_reads_do() {
    for (what, body) in one_bad_check_each() {
        for checksum in [true, false] {
            let f = file(10, &body, checksum);
            let verdict = both_paths_agree(&f, what);
            assert!(verdict.is_err(), "{what}: accepted");
        }
    }
    let mut rng = fastrand_seed(11);
    let mut corpus: Vec<(String, Vec<u8>)> = fixtures();
    for (what, body) in valid_bodies() {
        let version = if what.contains("v12") { 12 } else { 10 };
        corpus.push((what, file(version, &body, true)));
    }
    for (what, body) in one_bad_check_each() {
        corpus.push((what.to_string(), file(10, &body, true)));
    }
    for (name, good) in &corpus {
        let verdict = both_paths_agree(good, name);
        assert_eq!(
            verdict.is_ok(),
            !one_bad_check_each().iter().any(|(w, _)| w == name),
            "{name}: {verdict:?}"
        );
        // The Redis-made fixtures are large for a debug build: sample them; the small
        // made-up files get every cut and many more damaged copies.
        let big = good.len() > 4096;
        let (step, flips, garbage) = if big {
            (good.len() / 100, 50, 150)
        } else {
            (1, 200, 600)
        };
        for cut in (0..good.len()).step_by(step) {
            let v = both_paths_agree(&good[..cut], &format!("{name} cut at {cut}"));
            assert!(v.is_err(), "{name} cut at {cut}");
        }
        // Flipped bits (the checksum catches what the structure does not) ...
        for _ in 0..flips {
            let mut bad = good.clone();
            let at = (rng() as usize) % bad.len();
            bad[at] ^= 1 << (rng() % 8);
            let v = both_paths_agree(&bad, &format!("{name} flip at {at}"));
            assert!(v.is_err(), "{name}: flip at {at} went unnoticed");
        }
        // ... and, with the checksum disabled, garbage that only the structure checks catch.
        let n = good.len();
        if n < 18 {
            continue;
        }
        for _ in 0..garbage {
            let mut bad = good.clone();
            bad[n - 8..].fill(0);
            for _ in 0..1 + rng() % 3 {
                let at = 9 + (rng() as usize) % (n - 17);
                bad[at] = rng() as u8;
            }
            let _ = both_paths_agree(&bad, &format!("{name} with garbage"));
        }
    }
}
