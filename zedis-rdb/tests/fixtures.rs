//! Every fixture verifies, dumps to what redis-server holds after loading it, and survives
//! conversion to .zdb and back; `convert --to rdb` and `--to aof` outputs load into
//! redis-server 7.0 with identical contents (DEBUG DIGEST covers values and expiries).

mod common;
use common::*;
use std::collections::BTreeMap;
use zedis_tests::tempdir::TempDir;

#[test]
fn every_fixture_verifies() {
    let mut files = redis_fixtures();
    files.push(zdb_fixture());
    for f in files {
        let o = run(&["verify", f.to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(0), "{}: {}", f.display(), stdout(&o));
        assert!(stdout(&o).contains("result: valid"));
    }
}

#[test]
fn verify_summary_matches_redis() {
    let f = &redis_fixtures()[0];
    let t = TempDir::new("rdbtool").unwrap();
    let r = redis_on(f, t.path());
    let out = stdout(&run(&["verify", f.to_str().unwrap()]));
    for db in [0u32, 1, 5] {
        let n = keys(&r, db).len();
        assert!(
            out.contains(&format!("db {db}: keys={n} ")),
            "db {db} should hold {n} keys:\n{out}"
        );
    }
    assert!(out.contains("aux redis-ver: 7.0.15"), "{out}");
}

/// Keys per db from a jsonl dump.
fn dumped_keys(file: &str) -> BTreeMap<u32, Vec<Vec<u8>>> {
    use base64::Engine;
    let out = run_ok(&[
        "dump", file, "--format", "jsonl", "--escape", "base64", "-q",
    ]);
    let mut m: BTreeMap<u32, Vec<Vec<u8>>> = BTreeMap::new();
    for line in out.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
        let v: serde_json::Value = serde_json::from_slice(line).unwrap();
        let db = v["db"].as_u64().unwrap() as u32;
        let key = base64::engine::general_purpose::STANDARD
            .decode(v["key"].as_str().unwrap())
            .unwrap();
        m.entry(db).or_default().push(key);
    }
    for v in m.values_mut() {
        v.sort();
    }
    m
}

#[test]
fn dump_matches_what_redis_loads() {
    for f in redis_fixtures() {
        let t = TempDir::new("rdbtool").unwrap();
        let loaded = redis_on(&f, t.path());
        let fs = f.to_str().unwrap();
        // The key set, db by db.
        for (db, keys_dumped) in dumped_keys(fs) {
            assert_eq!(keys_dumped, keys(&loaded, db), "{fs} db {db}");
        }
        // Values and expiries: replay the resp dump into an empty server.
        let resp = t.path().join("dump.resp");
        std::fs::write(&resp, run_ok(&["dump", fs, "--format", "resp", "-q"])).unwrap();
        let fresh = empty_redis();
        pipe_into(&fresh, &resp);
        assert_eq!(digest(&fresh), digest(&loaded), "{fs}: resp dump differs");
    }
}

#[test]
fn convert_to_rdb_and_aof_loads_identically() {
    for f in redis_fixtures() {
        let t = TempDir::new("rdbtool").unwrap();
        let fs = f.to_str().unwrap();
        let original = redis_on(&f, t.path());
        let want = digest(&original);

        let out = t.path().join("out.rdb");
        run_ok(&["convert", fs, out.to_str().unwrap(), "--to", "rdb", "-q"]);
        let t2 = TempDir::new("rdbtool").unwrap();
        assert_eq!(digest(&redis_on(&out, t2.path())), want, "{fs} --to rdb");

        let aof = t.path().join("out.aof");
        run_ok(&["convert", fs, aof.to_str().unwrap(), "--to", "aof", "-q"]);
        let fresh = empty_redis();
        pipe_into(&fresh, &aof);
        assert_eq!(digest(&fresh), want, "{fs} --to aof");
    }
}

/// A dump with file encodings left out: what must survive a format round trip.
fn canonical_dump(file: &str) -> Vec<String> {
    let out = run_ok(&[
        "dump", file, "--format", "jsonl", "--escape", "base64", "-q",
    ]);
    let mut v: Vec<String> = out
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .map(|l| {
            let mut j: serde_json::Value = serde_json::from_slice(l).unwrap();
            j.as_object_mut().unwrap().remove("encoding");
            // Set member order is not part of a set's identity.
            if j["type"] == "set" {
                let arr = j["value"].as_array_mut().unwrap();
                arr.sort_by(|a, b| a.as_str().cmp(&b.as_str()));
            }
            j.to_string()
        })
        .collect();
    v.sort();
    v
}

#[test]
fn zdb_round_trip_is_lossless() {
    let mut files = redis_fixtures();
    files.push(zdb_fixture());
    for f in files {
        let t = TempDir::new("rdbtool").unwrap();
        let fs = f.to_str().unwrap();
        let zdb = t.path().join("a.zdb");
        let rdb = t.path().join("b.rdb");
        let zdb2 = t.path().join("c.zdb");
        let (z, r, z2) = (
            zdb.to_str().unwrap(),
            rdb.to_str().unwrap(),
            zdb2.to_str().unwrap(),
        );
        run_ok(&["convert", fs, z, "--to", "zdb", "-q"]);
        run_ok(&["convert", z, r, "--to", "rdb", "-q"]);
        run_ok(&["convert", r, z2, "--to", "zdb", "-q"]);
        let want = canonical_dump(fs);
        assert!(!want.is_empty());
        assert_eq!(canonical_dump(z), want, "{fs} → zdb");
        assert_eq!(canonical_dump(r), want, "{fs} → zdb → rdb");
        assert_eq!(canonical_dump(z2), want, "{fs} → zdb → rdb → zdb");
        run_ok(&["verify", z2]);
    }
}
