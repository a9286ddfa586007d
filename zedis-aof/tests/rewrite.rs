//! `rewrite` and `convert` end to end: the Redis 7 appendonlydir fixtures are rewritten and
//! converted, and every output is loaded by a real server — redis-server for RESP and RDB,
//! zedis for zdb — which must then hold exactly what the original AOF gives redis-server.

mod common;

use common::*;
use std::fs;
use std::path::Path;
use zedis::persist::aof::encode_command;
use zedis_tests::server::Server;
use zedis_tests::tempdir::TempDir;

/// The contents a server of either kind has after loading the appendonlydir `aof_dir`.
fn loaded_aof(redis: bool, aof_dir: &Path) -> Digest {
    let tmp = TempDir::new("aoftool-load").unwrap();
    copy_dir(aof_dir, &tmp.path().join("appendonlydir"));
    let d = tmp.path().to_string_lossy().into_owned();
    let args = ["--dir", d.as_str(), "--appendonly", "yes"];
    let s = if redis {
        Server::redis(&args)
    } else {
        Server::zedis(&args)
    };
    digest(s.port())
}

/// The contents a server has after loading the snapshot `file` at startup.
fn loaded_snapshot(redis: bool, file: &Path) -> Digest {
    let tmp = TempDir::new("aoftool-snap").unwrap();
    let name = file.file_name().unwrap().to_string_lossy().into_owned();
    fs::copy(file, tmp.path().join(&name)).unwrap();
    let d = tmp.path().to_string_lossy().into_owned();
    let args = ["--dir", d.as_str(), "--dbfilename", name.as_str()];
    let s = if redis {
        Server::redis(&args)
    } else {
        Server::zedis(&args)
    };
    digest(s.port())
}

fn ok(out: std::process::Output) -> String {
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        stdout(&out),
        String::from_utf8_lossy(&out.stderr)
    );
    stdout(&out)
}

#[test]
fn rewritten_and_converted_fixtures_load_with_the_same_contents() {
    for preamble in ["yes", "no"] {
        let src = fixture(preamble);
        let want = loaded_aof(true, &src);
        assert!(want.len() > 10, "the fixture holds keys");
        assert_eq!(
            loaded_aof(false, &src),
            want,
            "zedis loads the original as Redis does"
        );
        let tmp = TempDir::new("aoftool-rw").unwrap();

        // A RESP appendonlydir: redis-server and zedis load it.
        let resp_dir = tmp.path().join("resp");
        let report = ok(aof_tool(&[&"rewrite", &src, &resp_dir, &"--base", &"aof"]));
        assert!(report.contains("size:"), "{report}");
        assert!(check_aof(&resp_dir.join("appendonly.aof.manifest")).1);
        assert_eq!(
            loaded_aof(true, &resp_dir),
            want,
            "preamble {preamble}: redis, RESP base"
        );
        assert_eq!(
            loaded_aof(false, &resp_dir),
            want,
            "preamble {preamble}: zedis, RESP base"
        );

        // A zdb base: zedis loads it.
        let zdb_dir = tmp.path().join("zdb");
        ok(aof_tool(&[&"rewrite", &src, &zdb_dir]));
        assert!(zdb_dir.join("appendonly.aof.1.base.zdb").is_file());
        assert_eq!(aof_tool(&[&"verify", &zdb_dir]).status.code(), Some(0));
        assert_eq!(
            loaded_aof(false, &zdb_dir),
            want,
            "preamble {preamble}: zedis, zdb base"
        );

        // One RESP file: Redis 7 takes it as an old-style AOF and upgrades it.
        let single = tmp.path().join("single.aof");
        ok(aof_tool(&[&"rewrite", &src, &single, &"--single"]));
        assert!(check_aof(&single).1);
        let old = TempDir::new("aoftool-old").unwrap();
        fs::copy(&single, old.path().join("appendonly.aof")).unwrap();
        let d = old.path().to_string_lossy().into_owned();
        let s = Server::redis(&["--dir", d.as_str(), "--appendonly", "yes"]);
        assert_eq!(
            digest(s.port()),
            want,
            "preamble {preamble}: redis, single file"
        );
        drop(s);

        // Snapshots: RDB into redis-server, zdb into zedis.
        let rdb = tmp.path().join("out.rdb");
        ok(aof_tool(&[&"convert", &src, &rdb, &"--to", &"rdb"]));
        assert_eq!(
            loaded_snapshot(true, &rdb),
            want,
            "preamble {preamble}: rdb"
        );
        let zdb = tmp.path().join("out.zdb");
        ok(aof_tool(&[&"convert", &src, &zdb, &"--to", &"zdb"]));
        assert_eq!(
            loaded_snapshot(false, &zdb),
            want,
            "preamble {preamble}: zdb"
        );

        // Nothing is overwritten.
        let out = aof_tool(&[&"convert", &src, &zdb, &"--to", &"zdb"]);
        assert_eq!(out.status.code(), Some(2));
    }
}

#[test]
fn rewrite_collapses_overwrites_and_drops_expired_keys() {
    let tmp = TempDir::new("aoftool-collapse").unwrap();
    let mut aof = Vec::new();
    let far = b"4102444800000"; // 2100-01-01
    for i in 0..100 {
        encode_command(&mut aof, &[b"SET", b"counter", i.to_string().as_bytes()]);
    }
    encode_command(&mut aof, &[b"SET", b"gone", b"x", b"PXAT", b"1000"]);
    encode_command(&mut aof, &[b"SET", b"soon", b"x", b"PX", b"1"]);
    encode_command(&mut aof, &[b"SET", b"kept", b"x", b"PXAT", far]);
    encode_command(&mut aof, &[b"RPUSH", b"deleted", b"a", b"b"]);
    encode_command(&mut aof, &[b"DEL", b"deleted"]);
    encode_command(&mut aof, &[b"SET", b"word", b"abc"]);
    encode_command(&mut aof, &[b"INCR", b"word"]);
    encode_command(&mut aof, &[b"SELECT", b"3"]);
    encode_command(&mut aof, &[b"SADD", b"s", b"m1", b"m2"]);
    // A torn last command is ignored, as aof-load-truncated does.
    aof.extend_from_slice(b"*3\r\n$3\r\nSET\r\n$4\r\ntorn");
    let input = tmp.path().join("in.aof");
    fs::write(&input, &aof).unwrap();
    std::thread::sleep(std::time::Duration::from_millis(5));
    let out = tmp.path().join("out.aof");
    let report = ok(aof_tool(&[&"rewrite", &input, &out, &"--single"]));
    assert!(report.contains("expired key(s) dropped"), "{report}");
    assert!(report.contains("torn tail"), "{report}");
    assert!(
        report.contains("1 command(s) were answered with an error"),
        "{report}"
    );
    let listed = ok(aof_tool(&[&"dump", &out, &"--format", &"text"]));
    let cmds: Vec<&str> = listed
        .lines()
        .map(|l| l.split_once(' ').unwrap().1)
        .collect();
    let has = |s: &str| cmds.iter().any(|c| c.contains(s));
    assert!(has("db=0 ts=- SET counter 99"), "{listed}");
    assert!(has("kept"), "{listed}");
    assert!(has("db=3 ts=- SADD s"), "{listed}");
    for absent in ["gone", "soon", "deleted", "torn", "counter 98"] {
        assert!(!has(absent), "{absent} in {listed}");
    }
    assert!(fs::metadata(&out).unwrap().len() < aof.len() as u64 / 4);
    let db3 = ok(aof_tool(&[&"dump", &out, &"--db", &"3"]));
    // SELECT itself runs in the database it leaves.
    assert!(
        db3.lines().count() == 1 && db3.contains("db=3 ts=- SADD s"),
        "{db3}"
    );
}

#[test]
fn stats_and_dump_filters() {
    let (aof, _) = sample();
    let tmp = TempDir::new("aoftool-stats").unwrap();
    let input = tmp.path().join("s.aof");
    fs::write(&input, &aof).unwrap();
    let s = ok(aof_tool(&[&"stats", &input, &"--rewrite-size"]));
    assert!(s.contains("commands: 8"), "{s}");
    assert!(s.contains("user:"), "{s}");
    assert!(s.contains("rewrite:"), "{s}");
    let flat = ok(aof_tool(&[&"stats", &input]));
    assert!(
        !flat.contains("rewrite:") && flat.contains("commands: 8"),
        "{flat}"
    );
    let only = ok(aof_tool(&[
        &"dump",
        &input,
        &"--key",
        &"^user:",
        &"--format",
        &"jsonl",
    ]));
    let rows: Vec<serde_json::Value> = only
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rows.len(), 3, "{only}");
    assert!(rows
        .iter()
        .all(|r| r["argv"][1].as_str().unwrap().starts_with("user:")));
    assert_eq!(rows[0]["ts"], 1_700_000_000);
    assert_eq!(rows[2]["ts"], 1_700_000_100);
    let until = ok(aof_tool(&[
        &"dump",
        &input,
        &"--until",
        &"1700000050",
        &"--command",
        &"set",
    ]));
    assert_eq!(until.lines().count(), 1, "{until}");
    let since = ok(aof_tool(&[
        &"dump",
        &input,
        &"--since",
        &"1700000050",
        &"--format",
        &"json",
    ]));
    let all: serde_json::Value = serde_json::from_str(&since).unwrap();
    assert_eq!(all.as_array().unwrap().len(), 2, "{since}");
}

#[test]
fn dump_lists_the_keys_of_a_snapshot_base_as_commands() {
    let src = fixture("yes");
    let rows = ok(aof_tool(&[&"dump", &src, &"--format", &"jsonl"]));
    let rows: Vec<serde_json::Value> = rows
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let snap: Vec<&serde_json::Value> = rows.iter().filter(|r| r["snapshot"] == true).collect();
    // The base holds 19 keys (redis-check-aof: "19 keys read"), each rebuilt by its commands.
    let keys: std::collections::BTreeSet<(u64, String)> = snap
        .iter()
        .map(|r| {
            (
                r["db"].as_u64().unwrap(),
                r["argv"][1].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(keys.len(), 19, "{keys:?}");
    assert!(keys.iter().any(|(db, _)| *db == 5), "{keys:?}");
    // Then the incr file's commands, not from a snapshot.
    assert_eq!(rows.len() - snap.len(), 7);
    assert!(rows[snap.len()..].iter().all(|r| r["snapshot"] == false));
}
