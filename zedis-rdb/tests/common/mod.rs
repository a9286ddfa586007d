//! Helpers shared by the end-to-end tests: run the binary, start redis-server on a file,
//! ask it for its digest and key set.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use zedis::resp::frame::Frame;
use zedis_tests::server::Server;
use zedis_tests::RawConn;

pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_zedis-rdb")
}

pub fn run(args: &[&str]) -> Output {
    Command::new(bin())
        .args(args)
        .output()
        .expect("run zedis-rdb")
}

pub fn run_ok(args: &[&str]) -> Vec<u8> {
    let o = run(args);
    assert!(
        o.status.success(),
        "zedis-rdb {args:?} failed ({:?}): {}{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    o.stdout
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures")
}

/// Every Redis RDB fixture (the plain files and the AOF base that is an RDB).
pub fn redis_fixtures() -> Vec<PathBuf> {
    let d = fixtures().join("redis-7.0");
    let mut v = vec![
        d.join("redis-7.0.15-all-types.rdb"),
        d.join("redis-7.0.15-all-types-nocompress.rdb"),
        d.join("redis-7.0.15-appendonlydir-preamble-yes/appendonly.aof.2.base.rdb"),
    ];
    v.retain(|p| p.exists());
    assert!(!v.is_empty(), "no fixtures found");
    v
}

pub fn zdb_fixture() -> PathBuf {
    fixtures().join("zdb/zdb-v1-every-type.zdb")
}

/// Starts redis-server loading a copy of `rdb` (placed in `dir`).
pub fn redis_on(rdb: &Path, dir: &Path) -> Server {
    let name = "load.rdb";
    std::fs::copy(rdb, dir.join(name)).expect("copy rdb");
    let d = dir.to_string_lossy().into_owned();
    Server::redis(&[
        "--enable-debug-command",
        "yes",
        "--dir",
        &d,
        "--dbfilename",
        name,
    ])
}

pub fn empty_redis() -> Server {
    Server::redis(&["--enable-debug-command", "yes"])
}

fn frame(reply: &[u8]) -> Frame {
    Frame::parse(reply)
        .expect("valid RESP")
        .expect("complete reply")
        .0
}

/// DEBUG DIGEST of the whole dataset (covers every db, value and expiry).
pub fn digest(s: &Server) -> Vec<u8> {
    let mut c = RawConn::connect(s.port()).expect("connect");
    c.request(&["DEBUG", "DIGEST"]).expect("DEBUG DIGEST")
}

/// Sorted keys of database `db`.
pub fn keys(s: &Server, db: u32) -> Vec<Vec<u8>> {
    let mut c = RawConn::connect(s.port()).expect("connect");
    c.request(&["SELECT", &db.to_string()]).expect("SELECT");
    let Frame::Array(items) = frame(&c.request(&["KEYS", "*"]).expect("KEYS")) else {
        panic!("KEYS did not answer an array")
    };
    let mut v: Vec<Vec<u8>> = items
        .into_iter()
        .map(|f| match f {
            Frame::Bulk(b) => b.to_vec(),
            other => panic!("KEYS element {other:?}"),
        })
        .collect();
    v.sort();
    v
}

/// Pipes a RESP file into `s` through redis-cli --pipe.
pub fn pipe_into(s: &Server, resp: &Path) {
    let f = std::fs::File::open(resp).expect("open resp");
    let o = Command::new("redis-cli")
        .args(["-p", &s.port().to_string(), "--pipe"])
        .stdin(Stdio::from(f))
        .output()
        .expect("run redis-cli --pipe");
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "redis-cli --pipe failed: {out}");
    assert!(
        out.contains("errors: 0"),
        "redis-cli --pipe reported errors: {out}"
    );
}
