//! The AOF when the disk refuses writes: writes get `-MISCONF Errors writing to the AOF file`,
//! reads keep working, INFO says `aof_last_write_status:err`, SHUTDOWN refuses to exit while
//! acknowledged writes are not in the file, and everything recovers when the disk accepts writes
//! again — with every acknowledged write present after a restart, under each fsync policy.
//!
//! "The disk is full" is made real with a file-size limit on the running server (`prlimit
//! --fsize`, RLIMIT_FSIZE): a write past it fails with EFBIG exactly as a full disk fails with
//! ENOSPC, and raising the soft limit again is "the disk frees up". zedis only (Redis exits on an
//! AOF write error under `always`, and is killed by SIGXFSZ).

use redis::Connection;
use std::process::Command;
use std::time::{Duration, Instant};
use zedis_tests::aof::{client, info, last_incr, start, AOF_DIR};
use zedis_tests::server::Kind;
use zedis_tests::tempdir::TempDir;

fn prlimit(pid: u32, soft: &str) {
    let st = Command::new("prlimit")
        .arg("--pid")
        .arg(pid.to_string())
        .arg(format!("--fsize={soft}:unlimited"))
        .status()
        .expect("prlimit (util-linux) must be installed");
    assert!(st.success(), "prlimit --fsize={soft} failed");
}

fn set(c: &mut Connection, k: &str, v: &str) -> Result<(), String> {
    redis::cmd("SET")
        .arg(k)
        .arg(v)
        .query::<()>(c)
        .map_err(|e| e.to_string())
}

fn scenario(policy: &str) {
    let data = TempDir::new("aof-disk").expect("tempdir");
    let srv = start(Kind::Zedis, data.path(), &["--appendfsync", policy]);
    let mut c = client(srv.port());
    let mut acked: Vec<String> = Vec::new();
    for i in 0..50 {
        let k = format!("before:{i}");
        set(&mut c, &k, "v").expect("write before the limit");
        acked.push(k);
    }
    let incr = last_incr(&data.path().join(AOF_DIR));
    let len = std::fs::metadata(&incr).expect("incr file").len();
    // Room for a few more commands, then the "disk" is full.
    prlimit(srv.pid(), &(len + 200).to_string());
    let mut refused = None;
    // Under `always` the write that meets the error is not answered until its fsync can happen:
    // its client waits (a short timeout here), and the write must be in the file in the end.
    let mut held: Vec<String> = Vec::new();
    c.set_read_timeout(Some(Duration::from_secs(2)))
        .expect("read timeout");
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut i = 0;
    while refused.is_none() && Instant::now() < deadline {
        let k = format!("during:{i}");
        i += 1;
        match set(&mut c, &k, "0123456789") {
            Ok(()) => acked.push(k),
            Err(e) if e.contains("MISCONF") => refused = Some(e),
            Err(_) => {
                held.push(k);
                c = client(srv.port());
                c.set_read_timeout(Some(Duration::from_secs(2)))
                    .expect("read timeout");
            }
        }
        if policy != "always" {
            // The error shows once the writer thread has tried.
            std::thread::sleep(Duration::from_millis(20));
        }
    }
    let e = refused.expect("writes were never refused while the AOF could not be written");
    assert!(
        e.contains("MISCONF") && e.contains("AOF"),
        "unexpected refusal: {e}"
    );
    // Reads keep working; INFO tells.
    let v: Option<String> = redis::cmd("GET")
        .arg("before:0")
        .query(&mut c)
        .expect("read");
    assert_eq!(v.as_deref(), Some("v"));
    let inf = info(&mut c, "persistence");
    assert_eq!(
        inf.get("aof_last_write_status").map(String::as_str),
        Some("err")
    );
    // SHUTDOWN must not exit with acknowledged writes only in memory.
    let r: Result<(), _> = redis::cmd("SHUTDOWN").query(&mut c);
    assert!(
        r.is_err(),
        "SHUTDOWN exited while the AOF could not be written"
    );
    // The disk frees up: writes come back by themselves.
    prlimit(srv.pid(), "unlimited");
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if set(&mut c, "after", "1").is_ok() {
            acked.push("after".into());
            break;
        }
        assert!(Instant::now() < deadline, "writes never recovered");
        std::thread::sleep(Duration::from_millis(100));
    }
    let inf = info(&mut c, "persistence");
    assert_eq!(
        inf.get("aof_last_write_status").map(String::as_str),
        Some("ok")
    );
    if policy == "always" {
        assert!(
            !held.is_empty(),
            "no write waited for its fsync under always"
        );
    }
    // A write whose reply was held is durable once the disk recovered.
    acked.extend(held);
    // A crash now: every acknowledged write must be in the files (under everysec, those older
    // than the second everysec may lose).
    if policy == "everysec" {
        std::thread::sleep(Duration::from_millis(1500));
    }
    srv.kill();
    let srv = start(Kind::Zedis, data.path(), &["--appendfsync", policy]);
    let mut c = client(srv.port());
    let mut missing = Vec::new();
    for k in &acked {
        let n: i64 = redis::cmd("EXISTS").arg(k).query(&mut c).expect("exists");
        if n == 0 {
            missing.push(k.clone());
        }
    }
    assert!(
        missing.is_empty(),
        "{} acknowledged writes lost ({policy}): {:?}",
        missing.len(),
        &missing[..missing.len().min(10)]
    );
}

#[test]
fn aof_disk_full_always() {
    scenario("always");
}

#[test]
fn aof_disk_full_everysec() {
    scenario("everysec");
}
