//! Damage made in the test, region by region: verify must name the right offset and exit 1,
//! salvage must keep every undamaged block (.zdb) or every key it can resync to (RDB), and the
//! salvaged file must itself verify.

mod common;
use common::*;
use std::path::Path;
use zedis::persist::{rdb, zdb};
use zedis::store::Value;
use zedis_tests::tempdir::TempDir;

const KEYS: usize = 2000;

fn value(i: usize) -> Value {
    Value::string(format!("value-{i}-{}", "x".repeat(40)).as_bytes())
}

/// A .zdb with small blocks; returns the bytes and (frame offset, records in block) per block.
fn make_zdb() -> (Vec<u8>, Vec<(usize, u32)>) {
    let mut w = zdb::Writer::with_block_size(Vec::new(), &[], 1, 2048).unwrap();
    for i in 0..KEYS {
        w.push_key(0, format!("key:{i}").as_bytes(), &value(i), 0, None, None)
            .unwrap();
    }
    let bytes = w.finish().unwrap();
    let mut frames = Vec::new();
    let mut i = 0;
    while let Some(p) = bytes[i..].windows(4).position(|w| w == zdb::BLOCK_MAGIC) {
        let at = i + p;
        let recs = u32::from_le_bytes(bytes[at + 22..at + 26].try_into().unwrap());
        let slen = u32::from_le_bytes(bytes[at + 30..at + 34].try_into().unwrap()) as usize;
        let k = bytes[at + 5] as usize;
        frames.push((at, recs));
        i = at + 38 + k + 4 + slen;
    }
    assert!(frames.len() > 10, "expected many blocks");
    assert_eq!(frames.iter().map(|f| f.1 as usize).sum::<usize>(), KEYS);
    (bytes, frames)
}

/// An RDB; returns the bytes and each key's record offset.
fn make_rdb() -> (Vec<u8>, Vec<usize>) {
    let mut b = Vec::new();
    rdb::encode_header(&mut b, &[(b"redis-ver", b"7.0.15")]);
    rdb::encode_select_db(&mut b, 0, KEYS as u64, 0);
    let mut offs = Vec::new();
    for i in 0..KEYS {
        offs.push(b.len());
        rdb::encode_key(
            &mut b,
            format!("key:{i}").as_bytes(),
            &value(i),
            0,
            None,
            None,
            false,
        );
    }
    rdb::encode_eof(&mut b);
    let crc = rdb::crc64(&b);
    b.extend_from_slice(&crc.to_le_bytes());
    (b, offs)
}

fn write(dir: &Path, name: &str, b: &[u8]) -> String {
    let p = dir.join(name);
    std::fs::write(&p, b).unwrap();
    p.to_string_lossy().into_owned()
}

/// Keys in a (valid) file, from a jsonl dump.
fn key_count(file: &str) -> usize {
    let out = run_ok(&["dump", file, "--format", "jsonl", "-q"]);
    out.split(|&b| b == b'\n').filter(|l| !l.is_empty()).count()
}

/// The byte offset verify reports ("at byte N").
fn reported_offset(out: &str) -> u64 {
    let i = out
        .find("at byte ")
        .unwrap_or_else(|| panic!("no offset in:\n{out}"));
    out[i + 8..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect::<String>()
        .parse()
        .unwrap()
}

#[test]
fn zdb_damaged_payload_loses_only_its_block() {
    let t = TempDir::new("rdbtool").unwrap();
    let (mut b, frames) = make_zdb();
    let (at, recs) = frames[5];
    let (next, _) = frames[6];
    b[(at + next) / 2 + 20] ^= 0x55;
    let f = write(t.path(), "bad.zdb", &b);

    let o = run(&["verify", &f]);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    assert!(stdout(&o).contains(&at.to_string()), "{}", stdout(&o));
    // The damage map lists the one damaged block and its keys.
    assert!(
        stdout(&o).contains(&format!(
            "damage map (1 damaged stretch(es); {} keys readable)",
            KEYS - recs as usize
        )),
        "{}",
        stdout(&o)
    );

    let out = t.path().join("out.zdb");
    let o = run(&["salvage", &f, out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    assert!(
        stdout(&o).contains(&format!("{recs} key(s)")),
        "{}",
        stdout(&o)
    );
    run_ok(&["verify", out.to_str().unwrap()]);
    assert_eq!(key_count(out.to_str().unwrap()), KEYS - recs as usize);
}

#[test]
fn zdb_damage_in_each_region() {
    let t = TempDir::new("rdbtool").unwrap();
    let (good, frames) = make_zdb();
    let trailer = good.len() - 30;
    // (what, byte to flip, keys salvage must recover)
    let cases = [
        ("header", 12, KEYS),
        ("frame", frames[3].0 + 8, KEYS - frames[3].1 as usize),
        ("first frame", frames[0].0 + 26, KEYS - frames[0].1 as usize),
        ("trailer", trailer + 6, KEYS),
    ];
    for (what, pos, want) in cases {
        let mut b = good.clone();
        b[pos] ^= 0xff;
        let f = write(t.path(), "bad.zdb", &b);
        let o = run(&["verify", &f]);
        assert_eq!(o.status.code(), Some(1), "{what}: {}", stdout(&o));
        let out = t.path().join("out.zdb");
        let o = run(&["salvage", &f, out.to_str().unwrap(), "-q"]);
        assert_eq!(o.status.code(), Some(1), "{what}: {}", stdout(&o));
        assert_eq!(key_count(out.to_str().unwrap()), want, "{what}");
    }
}

#[test]
fn zdb_truncation_keeps_complete_blocks() {
    let t = TempDir::new("rdbtool").unwrap();
    let (good, frames) = make_zdb();
    let before = |n: usize| frames[..n].iter().map(|f| f.1 as usize).sum::<usize>();
    // Cut inside a frame, inside a payload, right before the trailer, inside the trailer.
    let cases = [
        (frames[4].0 + 10, before(4)),
        (frames[4].0 + 60, before(4)),
        (good.len() - 30, KEYS),
        (good.len() - 3, KEYS),
    ];
    for (cut, want) in cases {
        let f = write(t.path(), "cut.zdb", &good[..cut]);
        let o = run(&["verify", &f]);
        assert_eq!(o.status.code(), Some(1), "cut at {cut}: {}", stdout(&o));
        let out = t.path().join("out.zdb");
        let o = run(&["salvage", &f, out.to_str().unwrap(), "-q"]);
        assert_eq!(o.status.code(), Some(1));
        assert_eq!(key_count(out.to_str().unwrap()), want, "cut at {cut}");
    }
}

#[test]
fn rdb_bad_type_byte_is_located_and_salvaged() {
    let t = TempDir::new("rdbtool").unwrap();
    let (mut b, offs) = make_rdb();
    b[offs[700]] = 30; // not a value type or opcode
    let f = write(t.path(), "bad.rdb", &b);
    let o = run(&["verify", &f]);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    let at = reported_offset(&stdout(&o)) as usize;
    assert!(
        (offs[700]..offs[701]).contains(&at),
        "offset {at} not in key 700's record {}..{}",
        offs[700],
        offs[701]
    );
    assert!(
        stdout(&o).contains("key:699"),
        "last good key: {}",
        stdout(&o)
    );

    let out = t.path().join("out.rdb");
    let o = run(&["salvage", &f, out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    assert!(stdout(&o).contains("resumed at byte"), "{}", stdout(&o));
    run_ok(&["verify", out.to_str().unwrap()]);
    let dump = String::from_utf8(run_ok(&[
        "dump",
        out.to_str().unwrap(),
        "--format",
        "jsonl",
        "-q",
    ]))
    .unwrap();
    assert!(!dump.contains("\"key:700\""));
    assert_eq!(key_count(out.to_str().unwrap()), KEYS - 1);
}

#[test]
fn rdb_checksum_and_truncation() {
    let t = TempDir::new("rdbtool").unwrap();
    let (good, offs) = make_rdb();

    // A flipped byte inside a value keeps the structure: only the checksum can tell.
    let mut b = good.clone();
    b[offs[10] + 12] ^= 0x01;
    let f = write(t.path(), "sum.rdb", &b);
    let o = run(&["verify", &f]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).contains("checksum mismatch"), "{}", stdout(&o));
    let out = t.path().join("out.rdb");
    let o = run(&["salvage", &f, out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(key_count(out.to_str().unwrap()), KEYS);

    // The stored checksum itself wrong.
    let mut b = good.clone();
    let n = b.len();
    b[n - 1] ^= 0x80;
    let f = write(t.path(), "sum2.rdb", &b);
    assert_eq!(run(&["verify", &f]).status.code(), Some(1));

    // Truncation inside the header, a key, a value, before EOF, inside the checksum.
    for cut in [
        7,
        offs[0] + 1,
        offs[300] + 5,
        good.len() - 9,
        good.len() - 4,
    ] {
        let f = write(t.path(), "cut.rdb", &good[..cut]);
        let o = run(&["verify", &f]);
        assert_eq!(o.status.code(), Some(1), "cut {cut}: {}", stdout(&o));
        assert!(
            stdout(&o).contains("truncated"),
            "cut {cut}: {}",
            stdout(&o)
        );
    }
    let f = write(t.path(), "cut.rdb", &good[..offs[300] + 5]);
    let out = t.path().join("out.rdb");
    let o = run(&["salvage", &f, out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    assert_eq!(key_count(out.to_str().unwrap()), 300);
}

#[test]
fn exit_codes() {
    let t = TempDir::new("rdbtool").unwrap();
    assert_eq!(
        run(&["verify", "/nonexistent/x.rdb"]).status.code(),
        Some(2)
    );
    let junk = write(t.path(), "junk", b"hello world, not a snapshot");
    assert_eq!(run(&["verify", &junk]).status.code(), Some(2));
    let newer = write(t.path(), "v99.rdb", b"REDIS0099\xff");
    assert_eq!(run(&["verify", &newer]).status.code(), Some(2));
    assert_eq!(run(&["verify"]).status.code(), Some(2));
    assert_eq!(
        run(&["dump", &junk, "--format", "xml"]).status.code(),
        Some(2)
    );
    let (good, _) = make_rdb();
    let f = write(t.path(), "ok.rdb", &good);
    assert_eq!(run(&["dump", &f, "--key", "("]).status.code(), Some(2));
    assert_eq!(
        run(&["dump", &f, "--size", "1XB..2"]).status.code(),
        Some(2)
    );
    assert_eq!(run(&["verify", &f]).status.code(), Some(0));
}

#[test]
fn rdb_resyncs_after_a_garbage_stretch() {
    for seed in [
        0x2545f4914f6cdd1du64,
        1,
        0xdeadbeef,
        42,
        7777777,
        0x1234_5678_9abc,
    ] {
        garbage_stretch(seed);
    }
}

fn garbage_stretch(mut seed: u64) {
    let t = TempDir::new("rdbtool").unwrap();
    let (mut b, offs) = make_rdb();
    // Overwrite keys 500..=899 with deterministic pseudo-random bytes.
    let (from, to) = (offs[500], offs[900] - 7);
    for x in &mut b[from..to] {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        *x = (seed >> 24) as u8;
    }
    let f = write(t.path(), "garbage.rdb", &b);
    let out = t.path().join("out.rdb");
    let o = run(&["salvage", &f, out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    let dump = run_ok(&["dump", out.to_str().unwrap(), "--format", "jsonl", "-q"]);
    let mut got = Vec::new();
    for line in dump.split(|&c| c == b'\n').filter(|l| !l.is_empty()) {
        let j: serde_json::Value = serde_json::from_slice(line).unwrap();
        let key = j["key"].as_str().unwrap().to_string();
        let i: usize = key
            .strip_prefix("key:")
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("seed {seed}: invented key {key:?}: {}", stdout(&o)));
        // Every recovered key carries its own value: nothing was stitched from garbage.
        let want = format!("value-{i}-{}", "x".repeat(40));
        assert_eq!(j["value"], want.as_str());
        got.push(i);
    }
    // Everything before the damage, and everything after it but the first few keys (the
    // resync needs a run of records to trust a point).
    assert!((0..500).all(|i| got.contains(&i)));
    assert!((904..KEYS).all(|i| got.contains(&i)), "{}", stdout(&o));
    assert!(!got.iter().any(|i| (501..899).contains(i)));
}

/// `verify` reads RDB values on the reader's check-only path; `stats` builds every value. On
/// the same damaged files both must give the same verdict and the same error, word for word
/// (offset, key, what was expected): a check missing from the check-only path shows up here.
#[test]
fn verify_reports_the_damage_a_full_read_reports() {
    let t = TempDir::new("rdbtool").unwrap();
    let (good, offs) = make_rdb();
    let fixture = std::fs::read(fixtures().join("redis-7.0/redis-7.0.15-all-types.rdb")).unwrap();
    let mut cases: Vec<(String, Vec<u8>)> = Vec::new();
    for &o in offs.iter().step_by(500) {
        for d in [0, 1, 4, 9, 13, 30] {
            let mut b = good.clone();
            b[o + d] ^= 0x41;
            cases.push((format!("generated, flip at {}", o + d), b));
        }
    }
    for cut in [9, offs[0] + 3, offs[1000] + 20, good.len() - 3] {
        cases.push((format!("generated, cut at {cut}"), good[..cut].to_vec()));
    }
    let mut x = 5u64;
    let n = fixture.len();
    for i in 0..30 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let at = 9 + (x as usize) % (n - 17);
        cases.push((format!("fixture, cut at {at}"), fixture[..at].to_vec()));
        // With the checksum disabled only the structure checks can notice.
        let mut b = fixture.clone();
        b[n - 8..].fill(0);
        b[at] = b[at].wrapping_add(1 + i as u8);
        cases.push((format!("fixture without checksum, byte {at} changed"), b));
    }
    let mut damaged = 0;
    for (what, bytes) in &cases {
        let f = write(t.path(), "case.rdb", bytes);
        let v = run(&["verify", &f]);
        let s = run(&["-q", "stats", &f]);
        assert_eq!(v.status.code(), s.status.code(), "{what}: {}", stdout(&v));
        let verify_err = stdout(&v)
            .lines()
            .find_map(|l| l.strip_prefix("error: ").map(str::to_string));
        let stats_err = String::from_utf8_lossy(&s.stderr)
            .lines()
            .find_map(|l| l.strip_prefix("zedis-rdb: ").map(str::to_string));
        assert_eq!(verify_err, stats_err, "{what}");
        damaged += usize::from(verify_err.is_some());
    }
    assert!(damaged > cases.len() / 2, "only {damaged} damaged cases");
}
