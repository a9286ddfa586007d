//! The AOF switched on and rewritten while the server runs, checked against redis-server 7.0
//! (the specification) and zedis with the same scenario: CONFIG SET appendonly yes on a server
//! holding data (the first rewrite makes the base; writes meanwhile are kept), the automatic
//! rewrite rule, and how BGSAVE and BGREWRITEAOF answer each other.

use redis::Connection;
use std::time::{Duration, Instant};
use zedis_tests::aof::{client, digest, digest_diff, info, read_manifest, start, AOF_DIR};
use zedis_tests::server::{Kind, Server};
use zedis_tests::tempdir::TempDir;

fn q<T: redis::FromRedisValue>(c: &mut Connection, args: &[&str]) -> T {
    let mut cmd = redis::cmd(args[0]);
    for a in &args[1..] {
        cmd.arg(*a);
    }
    cmd.query(c)
        .unwrap_or_else(|e| panic!("{} failed: {e}", args.join(" ")))
}

fn wait_field(c: &mut Connection, field: &str, want: &str) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if info(c, "persistence").get(field).map(String::as_str) == Some(want) {
            return;
        }
        assert!(Instant::now() < deadline, "{field} never became {want}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// CONFIG SET appendonly yes with data present: after the first rewrite, a crash loses nothing
/// written before or during it.
fn enable_at_runtime(kind: Kind) {
    let data = TempDir::new("aof-enable").expect("tempdir");
    let dir = data.path().to_string_lossy().into_owned();
    let srv = Server::start(kind, &["--dir", &dir]).expect("start");
    let mut c = client(srv.port());
    let mut p = redis::pipe();
    for i in 0..20_000 {
        p.cmd("SET").arg(format!("k:{i}")).arg(i).ignore();
    }
    p.cmd("RPUSH").arg("list").arg("a").arg("b").ignore();
    p.cmd("SET")
        .arg("ttl")
        .arg("x")
        .arg("EX")
        .arg("1000")
        .ignore();
    p.exec(&mut c).expect("load");
    let ok: String = q(&mut c, &["CONFIG", "SET", "appendonly", "yes"]);
    assert_eq!(ok, "OK");
    // Writes while the first base is written.
    for i in 0..200 {
        let _: () = q(&mut c, &["SET", &format!("during:{i}"), "1"]);
    }
    wait_field(&mut c, "aof_rewrite_in_progress", "0");
    wait_field(&mut c, "aof_enabled", "1");
    for i in 0..50 {
        let _: () = q(&mut c, &["SET", &format!("after:{i}"), "1"]);
    }
    let want = digest(srv.port(), 16);
    let m = read_manifest(&data.path().join(AOF_DIR)).expect("manifest");
    assert_eq!(m.iter().filter(|e| e.kind == 'b').count(), 1, "{m:?}");
    assert_eq!(m.iter().filter(|e| e.kind == 'i').count(), 1, "{m:?}");
    // appendfsync everysec: let the last writes reach the file before the crash.
    std::thread::sleep(Duration::from_millis(1500));
    srv.kill();
    let srv = start(kind, data.path(), &[]);
    let got = digest(srv.port(), 16);
    assert!(
        want == got,
        "{}: contents differ after CONFIG SET appendonly yes + crash:\n{}",
        kind.name(),
        digest_diff(&want, &got)
    );
}

/// auto-aof-rewrite-percentage / -min-size: the AOF is rewritten by itself once it has grown.
fn auto_rewrite(kind: Kind) {
    let data = TempDir::new("aof-auto").expect("tempdir");
    let srv = start(
        kind,
        data.path(),
        &[
            "--auto-aof-rewrite-percentage",
            "100",
            "--auto-aof-rewrite-min-size",
            "65536",
        ],
    );
    let mut c = client(srv.port());
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut i = 0u64;
    loop {
        let mut p = redis::pipe();
        for _ in 0..500 {
            // Overwrites: a rewrite collapses them, so the AOF is worth rewriting.
            p.cmd("SET").arg(format!("k:{}", i % 100)).arg(i).ignore();
            i += 1;
        }
        p.exec(&mut c).expect("writes");
        let inf = info(&mut c, "persistence");
        if inf.get("aof_rewrites").map(String::as_str) != Some("0")
            && inf.get("aof_rewrite_in_progress").map(String::as_str) == Some("0")
        {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "{}: no automatic rewrite",
            kind.name()
        );
    }
    let want = digest(srv.port(), 1);
    // A clean stop (the AOF is flushed), then a restart from the rewritten files.
    let _: Result<(), _> = redis::cmd("SHUTDOWN").query(&mut c);
    drop(srv);
    let srv = start(kind, data.path(), &[]);
    assert!(
        want == digest(srv.port(), 1),
        "{}: contents changed",
        kind.name()
    );
}

/// BGSAVE during a rewrite, BGREWRITEAOF during a BGSAVE or twice: Redis's answers.
fn interplay(kind: Kind) {
    let data = TempDir::new("aof-interplay").expect("tempdir");
    let srv = start(kind, data.path(), &[]);
    let mut c = client(srv.port());
    // Enough data that a background job is still running when the next command arrives.
    let mut p = redis::pipe();
    for i in 0..200_000 {
        p.cmd("SET")
            .arg(format!("key:{i}"))
            .arg("some value here")
            .ignore();
    }
    p.exec(&mut c).expect("load");
    let started: String = q(&mut c, &["BGREWRITEAOF"]);
    assert_eq!(started, "Background append only file rewriting started");
    let again: Result<String, _> = redis::cmd("BGREWRITEAOF").query(&mut c);
    let bgsave: Result<String, _> = redis::cmd("BGSAVE").query(&mut c);
    let sched: String = q(&mut c, &["BGSAVE", "SCHEDULE"]);
    let again = again
        .expect_err("second BGREWRITEAOF must be refused")
        .to_string();
    assert!(
        again.contains("Background append only file rewriting already in progress"),
        "{again}"
    );
    let bgsave = bgsave.expect_err("BGSAVE during a rewrite").to_string();
    assert!(bgsave.contains("Use BGSAVE SCHEDULE"), "{bgsave}");
    assert_eq!(sched, "Background saving scheduled");
    wait_field(&mut c, "aof_rewrite_in_progress", "0");
    wait_field(&mut c, "rdb_bgsave_in_progress", "0");
    // The scheduled BGSAVE ran by itself.
    let deadline = Instant::now() + Duration::from_secs(30);
    while info(&mut c, "persistence")
        .get("rdb_saves")
        .map(String::as_str)
        == Some("0")
    {
        assert!(Instant::now() < deadline, "scheduled BGSAVE never ran");
        std::thread::sleep(Duration::from_millis(50));
    }
    wait_field(&mut c, "rdb_bgsave_in_progress", "0");
    let _: String = q(&mut c, &["BGSAVE"]);
    let r: String = q(&mut c, &["BGREWRITEAOF"]);
    assert_eq!(r, "Background append only file rewriting scheduled");
    wait_field(&mut c, "rdb_bgsave_in_progress", "0");
    wait_field(&mut c, "aof_rewrite_scheduled", "0");
    wait_field(&mut c, "aof_rewrite_in_progress", "0");
    assert_eq!(
        info(&mut c, "persistence")
            .get("aof_last_bgrewrite_status")
            .map(String::as_str),
        Some("ok")
    );
}

#[test]
fn aof_enable_at_runtime_redis() {
    enable_at_runtime(Kind::Redis);
}

#[test]
fn aof_enable_at_runtime_zedis() {
    enable_at_runtime(Kind::Zedis);
}

#[test]
fn aof_auto_rewrite_redis() {
    auto_rewrite(Kind::Redis);
}

#[test]
fn aof_auto_rewrite_zedis() {
    auto_rewrite(Kind::Zedis);
}

#[test]
fn aof_bgsave_bgrewriteaof_interplay_redis() {
    interplay(Kind::Redis);
}

#[test]
fn aof_bgsave_bgrewriteaof_interplay_zedis() {
    interplay(Kind::Zedis);
}

/// While a big AOF replays, clients get `-LOADING` and INFO says `loading:1`; afterwards every
/// command of the file is applied.
fn loading_replies_loading(kind: Kind) {
    const N: usize = 1_000_000;
    let data = TempDir::new("aof-loading").expect("tempdir");
    let aof = data.path().join(AOF_DIR);
    std::fs::create_dir_all(&aof).expect("mkdir");
    std::fs::write(
        aof.join("appendonly.aof.manifest"),
        "file appendonly.aof.1.base.aof seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n",
    )
    .expect("manifest");
    std::fs::write(aof.join("appendonly.aof.1.base.aof"), b"").expect("base");
    let mut incr = Vec::with_capacity(N * 40);
    for i in 0..N {
        let k = format!("key:{i:08}");
        incr.extend_from_slice(
            format!("*3\r\n$3\r\nSET\r\n${}\r\n{k}\r\n$5\r\nvalue\r\n", k.len()).as_bytes(),
        );
    }
    std::fs::write(aof.join("appendonly.aof.1.incr.aof"), &incr).expect("incr");
    drop(incr);
    // Start without waiting for PING (it may be refused with -LOADING).
    let port = zedis_tests::server::free_port();
    let program = match kind {
        Kind::Redis => std::path::PathBuf::from("redis-server"),
        Kind::Zedis => zedis_tests::server::zedis_binary().expect("zedis binary"),
    };
    let mut child = std::process::Command::new(program)
        .args([
            "--port",
            &port.to_string(),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "yes",
            "--dir",
        ])
        .arg(data.path())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("spawn");
    let zedis_tests::loading::Loaded { keys, saw_loading } =
        zedis_tests::loading::watch_load(port, Duration::from_secs(120), |c| {
            let inf: String = redis::cmd("INFO")
                .arg("persistence")
                .query(c)
                .expect("info");
            // INFO agrees, unless the load ended in between — then the next command runs.
            if !inf.contains("loading:1") {
                let after = redis::cmd("DBSIZE").query::<u64>(c);
                assert!(
                    after.is_ok(),
                    "INFO says the load is over but DBSIZE still fails: {after:?}\n{inf}"
                );
            }
        });
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(keys, N as u64, "{}: not every command applied", kind.name());
    assert!(
        saw_loading,
        "{}: never answered -LOADING during a {N}-command load",
        kind.name()
    );
}

#[test]
fn aof_loading_replies_loading_redis() {
    loading_replies_loading(Kind::Redis);
}

#[test]
fn aof_loading_replies_loading_zedis() {
    loading_replies_loading(Kind::Zedis);
}

/// Under `appendfsync always` many clients writing at once all get their replies: the group
/// commit holds each reply until an fsync covers it, and must never leave one held (a stalled
/// reply shows as a read timeout here). Every acknowledged INCR is counted.
fn always_with_many_concurrent_writers(kind: Kind) {
    const CLIENTS: usize = 24;
    const EACH: usize = 150;
    let srv = Server::start(kind, &["--appendonly", "yes", "--appendfsync", "always"])
        .unwrap_or_else(|e| panic!("{e:#}"));
    let port = srv.port();
    let workers: Vec<_> = (0..CLIENTS)
        .map(|i| {
            std::thread::spawn(move || {
                let mut c = zedis_tests::RawConn::connect(port).expect("connect");
                for j in 0..EACH {
                    // A read now and then: replies to reads wait behind unsynced writes too.
                    if j % 10 == 0 {
                        c.request(&["GET", "n"]).expect("GET reply");
                    }
                    let r = c
                        .request(&["INCR", "n"])
                        .unwrap_or_else(|e| panic!("client {i}, INCR {j}: {e}"));
                    assert!(r.starts_with(b":"), "{}", String::from_utf8_lossy(&r));
                }
            })
        })
        .collect();
    for w in workers {
        w.join().expect("writer thread");
    }
    let mut c = srv.connect();
    assert_eq!(
        c.request(&["GET", "n"]).expect("GET"),
        format!(
            "${}\r\n{}\r\n",
            (CLIENTS * EACH).to_string().len(),
            CLIENTS * EACH
        )
        .into_bytes()
    );
}

#[test]
fn aof_always_many_concurrent_writers_redis() {
    always_with_many_concurrent_writers(Kind::Redis);
}

#[test]
fn aof_always_many_concurrent_writers_zedis() {
    always_with_many_concurrent_writers(Kind::Zedis);
}
