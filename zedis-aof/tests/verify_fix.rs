//! `verify`, `fix` and `truncate-to-timestamp` on real files: the Redis 7 fixtures, torn tails at
//! every byte, bad bytes in the middle, unclosed transactions, missing files. Every verdict is
//! compared with what the real redis-check-aof prints for the same file, and every repair is
//! checked by verifying again (with both tools).

mod common;

use common::*;
use std::fs;
use zedis_tests::tempdir::TempDir;

#[test]
fn redis_fixtures_verify_as_redis_check_aof_does() {
    for preamble in ["yes", "no"] {
        let dir = fixture(preamble);
        let manifest = dir.join("appendonly.aof.manifest");
        let (theirs, ok) = check_aof(&manifest);
        assert!(ok && theirs.len() == 2, "{theirs:?}");
        for path in [&dir, &manifest] {
            let out = aof_tool(&[&"verify", path]);
            assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
            assert_eq!(analyzed(&stdout(&out)), theirs, "preamble {preamble}");
            assert!(stdout(&out).contains("All AOF files and manifest are valid"));
        }
        // Each incr file alone, as an old-style AOF (lines counted from 1).
        let incr = dir.join("appendonly.aof.2.incr.aof");
        let out = aof_tool(&[&"verify", &incr]);
        assert_eq!(analyzed(&stdout(&out)), check_aof(&incr).0);
    }
}

#[test]
fn torn_tails_at_every_byte_agree_and_fix_cuts_them() {
    let tmp = TempDir::new("aoftool-torn").unwrap();
    let src = fixture("no");
    let incr_name = "appendonly.aof.2.incr.aof";
    let whole = fs::read(src.join(incr_name)).unwrap();
    // The last command of the incr file, cut at each of its bytes.
    let starts = {
        let mut rd = zedis::persist::aof::Reader::new(&whole[..]);
        let mut starts = Vec::new();
        while let Some(it) = rd.next().unwrap() {
            if let zedis::persist::aof::Item::Command { offset, .. } = it {
                starts.push(offset);
            }
        }
        starts
    };
    let last = *starts.last().unwrap() as usize;
    for cut in last + 1..whole.len() {
        let dir = tmp.path().join(format!("cut{cut}"));
        copy_dir(&src, &dir);
        let incr = dir.join(incr_name);
        fs::write(&incr, &whole[..cut]).unwrap();
        let (theirs, ok) = check_aof(&dir.join("appendonly.aof.manifest"));
        assert!(!ok);
        let out = aof_tool(&[&"verify", &dir]);
        assert_eq!(out.status.code(), Some(1), "cut {cut}: {}", stdout(&out));
        assert_eq!(analyzed(&stdout(&out)), theirs, "cut {cut}");
        // Without a terminal and without --yes, nothing changes.
        let out = aof_tool(&[&"fix", &dir]);
        assert_eq!(out.status.code(), Some(2));
        assert_eq!(fs::read(&incr).unwrap().len(), cut);
        let out = aof_tool(&[&"fix", &dir, &"--yes"]);
        assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
        // The torn command is gone, the rest is intact, and a backup holds the original.
        assert_eq!(fs::read(&incr).unwrap(), &whole[..last], "cut {cut}");
        assert_eq!(
            fs::read(dir.join(format!("{incr_name}.bak"))).unwrap(),
            &whole[..cut]
        );
        let (theirs, ok) = check_aof(&dir.join("appendonly.aof.manifest"));
        assert!(ok, "redis-check-aof after fix at cut {cut}: {theirs:?}");
        assert_eq!(aof_tool(&[&"verify", &dir]).status.code(), Some(0));
        fs::remove_dir_all(&dir).unwrap();
    }
}

#[test]
fn torn_single_file_every_byte() {
    let tmp = TempDir::new("aoftool-single").unwrap();
    let (whole, starts) = sample();
    let last = *starts.last().unwrap() as usize;
    let path = tmp.path().join("a.aof");
    for cut in last + 1..whole.len() {
        fs::write(&path, &whole[..cut]).unwrap();
        let out = aof_tool(&[&"verify", &path]);
        assert_eq!(out.status.code(), Some(1));
        assert_eq!(analyzed(&stdout(&out)), check_aof(&path).0, "cut {cut}");
        let out = aof_tool(&[&"fix", &path, &"--yes", &"--no-backup"]);
        assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
        assert_eq!(fs::read(&path).unwrap(), &whole[..last]);
        assert!(check_aof(&path).1);
    }
    assert!(!tmp.path().join("a.aof.bak").exists());
}

#[test]
fn unclosed_multi_is_cut_before_the_multi() {
    let tmp = TempDir::new("aoftool-multi").unwrap();
    let (whole, starts) = sample();
    // Up to and including RPUSH: MULTI INCR RPUSH without EXEC.
    let path = tmp.path().join("m.aof");
    fs::write(&path, &whole[..starts[5] as usize]).unwrap();
    let out = aof_tool(&[&"verify", &path]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout(&out).contains("unfinished MULTI"),
        "{}",
        stdout(&out)
    );
    assert_eq!(analyzed(&stdout(&out)), check_aof(&path).0);
    let out = aof_tool(&[&"fix", &path, &"--yes"]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(fs::read(&path).unwrap(), &whole[..starts[2] as usize]);
}

#[test]
fn bad_bytes_in_the_middle_are_refused() {
    let tmp = TempDir::new("aoftool-bad").unwrap();
    let (clean, starts) = sample();
    let hello = clean
        .windows(3)
        .position(|w| w == b"$11")
        .expect("the hello world argument");
    // A count that is not a number, and a bulk length one too long, in the middle of the file.
    for (at, byte) in [(starts[1] as usize + 1, b'x'), (hello + 2, b'2')] {
        let mut whole = clean.clone();
        whole[at] = byte;
        let path = tmp.path().join("bad.aof");
        fs::write(&path, &whole).unwrap();
        let out = aof_tool(&[&"verify", &path]);
        assert_eq!(out.status.code(), Some(1));
        assert!(stdout(&out).contains("malformed"), "{}", stdout(&out));
        assert_eq!(analyzed(&stdout(&out)), check_aof(&path).0);
        let out = aof_tool(&[&"fix", &path, &"--yes"]);
        assert_eq!(out.status.code(), Some(1));
        assert!(stdout(&out).contains("refusing"), "{}", stdout(&out));
        assert!(stdout(&out).contains("truncate -s"), "{}", stdout(&out));
        assert_eq!(
            fs::read(&path).unwrap(),
            whole,
            "a refused fix changes nothing"
        );
        assert!(!tmp.path().join("bad.aof.bak").exists());
    }
}

#[test]
fn damage_in_an_earlier_file_is_refused() {
    let tmp = TempDir::new("aoftool-earlier").unwrap();
    let dir = tmp.path().join("d");
    copy_dir(&fixture("no"), &dir);
    let base = dir.join("appendonly.aof.2.base.aof");
    let bytes = fs::read(&base).unwrap();
    fs::write(&base, &bytes[..bytes.len() - 3]).unwrap();
    let (theirs, ok) = check_aof(&dir.join("appendonly.aof.manifest"));
    assert!(!ok);
    let out = aof_tool(&[&"verify", &dir]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(analyzed(&stdout(&out)), theirs);
    let out = aof_tool(&[&"fix", &dir, &"--yes"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout(&out).contains("not the last file"),
        "{}",
        stdout(&out)
    );
    assert_eq!(fs::read(&base).unwrap().len(), bytes.len() - 3);
}

#[test]
fn a_missing_file_is_named() {
    let tmp = TempDir::new("aoftool-missing").unwrap();
    let dir = tmp.path().join("d");
    copy_dir(&fixture("yes"), &dir);
    fs::remove_file(dir.join("appendonly.aof.2.incr.aof")).unwrap();
    assert!(!check_aof(&dir.join("appendonly.aof.manifest")).1);
    for out in [
        aof_tool(&[&"verify", &dir]),
        aof_tool(&[&"fix", &dir, &"--yes"]),
    ] {
        assert_eq!(out.status.code(), Some(1));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("appendonly.aof.2.incr.aof"), "{err}");
    }
    // Not an AOF directory at all: unusable.
    let out = aof_tool(&[&"verify", &tmp.path().join("nope")]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn truncate_to_timestamp_cuts_as_redis_check_aof_does() {
    let tmp = TempDir::new("aoftool-ts").unwrap();
    let (whole, _) = sample();
    let ours = tmp.path().join("ours.aof");
    let theirs = tmp.path().join("theirs.aof");
    for ts in [1_700_000_000i64, 1_700_000_050] {
        fs::write(&ours, &whole).unwrap();
        fs::write(&theirs, &whole).unwrap();
        let r = std::process::Command::new(CHECK_AOF)
            .arg("--truncate-to-timestamp")
            .arg(ts.to_string())
            .arg(&theirs)
            .output()
            .unwrap();
        assert!(r.status.success(), "{}", stdout(&r));
        let out = aof_tool(&[&"truncate-to-timestamp", &ours, &ts.to_string(), &"--yes"]);
        assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
        assert_eq!(
            fs::read(&ours).unwrap(),
            fs::read(&theirs).unwrap(),
            "ts {ts}"
        );
        assert!(fs::read(&ours).unwrap().len() < whole.len());
    }
    // Nothing later than this: nothing to do.
    fs::write(&ours, &whole).unwrap();
    let out = aof_tool(&[&"truncate-to-timestamp", &ours, &"1800000000", &"--yes"]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(fs::read(&ours).unwrap(), whole);
    // Everything is later (the file starts with a later annotation): refused, as
    // redis-check-aof refuses.
    let from_ts = &whole[whole.windows(4).position(|w| w == b"#TS:").unwrap()..];
    fs::write(&ours, from_ts).unwrap();
    fs::write(&theirs, from_ts).unwrap();
    let out = aof_tool(&[&"truncate-to-timestamp", &ours, &"1", &"--yes"]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert_eq!(fs::read(&ours).unwrap(), from_ts);
    let r = std::process::Command::new(CHECK_AOF)
        .args(["--truncate-to-timestamp", "1"])
        .arg(&theirs)
        .output()
        .unwrap();
    assert!(!r.status.success());
}

#[test]
fn a_damaged_zdb_base_is_found_by_the_snapshot_reader() {
    let tmp = TempDir::new("aoftool-zdb").unwrap();
    let dir = tmp.path().join("d");
    let out = aof_tool(&[&"rewrite", &fixture("no"), &dir]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    let base = dir.join("appendonly.aof.1.base.zdb");
    let mut bytes = fs::read(&base).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0x55;
    fs::write(&base, &bytes).unwrap();
    let out = aof_tool(&[&"verify", &dir]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(stdout(&out).contains("(zdb format)"), "{}", stdout(&out));
    assert!(
        stdout(&out).contains("damaged snapshot"),
        "{}",
        stdout(&out)
    );
    let out = aof_tool(&[&"fix", &dir, &"--yes"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).contains("zedis-rdb"), "{}", stdout(&out));
    assert_eq!(fs::read(&base).unwrap(), bytes);
}

/// Runs `zedis-aof fix PATH` on a pseudo-terminal (through script(1)) answering `answer`; None
/// when script(1) is not installed.
fn fix_on_a_tty(path: &std::path::Path, answer: &str) -> Option<std::process::Output> {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let cmd = format!("{} fix {}", env!("CARGO_BIN_EXE_zedis-aof"), path.display());
    let mut child = Command::new("script")
        .args(["-qec", &cmd, "/dev/null"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .ok()?;
    child
        .stdin
        .take()?
        .write_all(format!("{answer}\n").as_bytes())
        .ok()?;
    child.wait_with_output().ok()
}

#[test]
fn fix_asks_on_a_terminal() {
    let tmp = TempDir::new("aoftool-tty").unwrap();
    let (whole, starts) = sample();
    let last = *starts.last().unwrap() as usize;
    let path = tmp.path().join("t.aof");
    fs::write(&path, &whole[..whole.len() - 2]).unwrap();
    let Some(no) = fix_on_a_tty(&path, "n") else {
        eprintln!("script(1) not available; skipping");
        return;
    };
    assert!(stdout(&no).contains("[y/N]"), "{}", stdout(&no));
    assert_eq!(no.status.code(), Some(1), "{}", stdout(&no));
    assert_eq!(fs::read(&path).unwrap().len(), whole.len() - 2);
    let yes = fix_on_a_tty(&path, "y").unwrap();
    assert_eq!(yes.status.code(), Some(0), "{}", stdout(&yes));
    assert_eq!(fs::read(&path).unwrap(), &whole[..last]);
    assert_eq!(
        fs::read(tmp.path().join("t.aof.bak")).unwrap(),
        &whole[..whole.len() - 2]
    );
}
