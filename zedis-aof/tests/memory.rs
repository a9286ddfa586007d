//! Memory stays flat for the streaming commands: an AOF far larger than the process's peak
//! resident set is verified, dumped, analysed and fixed. Peak RSS is what /usr/bin/time -v
//! reports for the child (its VmHWM).

use std::io::Write;
use std::process::Command;
use zedis::persist::aof::encode_command;
use zedis_tests::tempdir::TempDir;

/// Peak RSS in KiB of `zedis-aof args`, or None when /usr/bin/time is missing.
fn peak_rss_kib(args: &[&str]) -> Option<u64> {
    let o = Command::new("/usr/bin/time")
        .arg("-v")
        .arg(env!("CARGO_BIN_EXE_zedis-aof"))
        .args(args)
        .stdin(std::process::Stdio::null())
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
fn streaming_commands_use_flat_memory() {
    let t = TempDir::new("aoftool-mem").unwrap();
    let path = t.path().join("big.aof");
    let mut f = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
    // 160 SETs of 1 MiB values over 20 keys, then a torn tail: a 160 MiB file.
    let val = vec![b'v'; 1 << 20];
    let mut buf = Vec::with_capacity((1 << 20) + 64);
    for i in 0..160 {
        buf.clear();
        encode_command(&mut buf, &[b"SET", format!("k{}", i % 20).as_bytes(), &val]);
        f.write_all(&buf).unwrap();
    }
    f.write_all(b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1048576\r\nvvv")
        .unwrap();
    f.flush().unwrap();
    drop(f);
    let p = path.to_str().unwrap();
    let file_kib = std::fs::metadata(&path).unwrap().len() / 1024;
    for args in [
        vec!["stats", p],
        vec!["dump", p, "--format", "jsonl"],
        vec!["fix", p, "--yes", "--no-backup"],
        vec!["verify", p],
    ] {
        let Some(kib) = peak_rss_kib(&args) else {
            eprintln!("/usr/bin/time not available; skipping");
            return;
        };
        // One command (1 MiB) plus its rendering in flight, nowhere near the file's size.
        assert!(
            kib < 48 * 1024,
            "{args:?}: peak RSS {kib} KiB for a {file_kib} KiB file"
        );
    }
}
