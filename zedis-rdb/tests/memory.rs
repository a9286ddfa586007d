//! Memory stays flat: a file far larger than the process's peak resident set is verified,
//! dumped and analysed. Peak RSS is what /usr/bin/time -v reports for the child (its VmHWM).

mod common;
use common::*;
use std::process::Command;
use zedis::persist::rdb;
use zedis::store::Value;
use zedis_tests::tempdir::TempDir;

/// Peak RSS in KiB of `zedis-rdb args`, or None when /usr/bin/time is missing.
fn peak_rss_kib(args: &[&str]) -> Option<u64> {
    let o = Command::new("/usr/bin/time")
        .arg("-v")
        .arg(bin())
        .args(args)
        .stdout(std::process::Stdio::null())
        .output()
        .ok()?;
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let err = String::from_utf8_lossy(&o.stderr);
    let line = err
        .lines()
        .find(|l| l.contains("Maximum resident set size"))?;
    line.rsplit(' ').next()?.trim().parse().ok()
}

#[test]
fn peak_memory_is_independent_of_file_size() {
    let t = TempDir::new("rdbtool").unwrap();
    let path = t.path().join("big.rdb");
    let f = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
    let mut w = rdb::Writer::new(f, &[], false).unwrap();
    w.select_db(0, 0, 0).unwrap();
    // 160 keys of 1 MiB (distinct, incompressible-ish bytes): a 160 MiB file.
    let mut seed = 0x9e3779b97f4a7c15u64;
    let mut val = vec![0u8; 1 << 20];
    for i in 0..160 {
        for b in val.iter_mut() {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            *b = seed as u8;
        }
        w.key(
            format!("k{i}").as_bytes(),
            &Value::raw(val.clone()),
            0,
            None,
            None,
        )
        .unwrap();
    }
    w.finish().unwrap();
    let p = path.to_str().unwrap();
    let file_kib = std::fs::metadata(&path).unwrap().len() / 1024;
    for args in [
        vec!["verify", p],
        vec!["stats", p],
        vec!["dump", p, "--format", "resp"],
    ] {
        let Some(kib) = peak_rss_kib(&args) else {
            eprintln!("/usr/bin/time not available; skipping");
            return;
        };
        // One value (1 MiB) plus its copies in flight, nowhere near the file's size.
        assert!(
            kib < 48 * 1024,
            "{args:?}: peak RSS {kib} KiB for a {file_kib} KiB file"
        );
    }
}
