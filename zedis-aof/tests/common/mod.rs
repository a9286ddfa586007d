//! Shared by the zedis-aof end-to-end tests: running the binary, running redis-check-aof, copying
//! the Redis 7 fixtures into scratch directories.

#![allow(dead_code)]

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use zedis::persist::aof::{encode_command, encode_timestamp};

pub const CHECK_AOF: &str = "/usr/bin/redis-check-aof";

pub fn fixture(preamble: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/fixtures/redis-7.0")
        .join(format!("redis-7.0.15-appendonlydir-preamble-{preamble}"))
}

/// Copies every file of `from` into the new directory `to`.
pub fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for e in fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        fs::copy(e.path(), to.join(e.file_name())).unwrap();
    }
}

/// Runs `zedis-aof args...` with stdin closed (never a terminal).
pub fn aof_tool(args: &[&dyn AsRef<std::ffi::OsStr>]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_zedis-aof"))
        .args(args.iter().map(|a| a.as_ref()))
        .stdin(Stdio::null())
        .output()
        .expect("run zedis-aof")
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// The `AOF analyzed:` lines' (size, ok_up_to, ok_up_to_line), as both tools print them.
pub fn analyzed(text: &str) -> Vec<(u64, u64, u64)> {
    text.lines()
        .filter(|l| l.starts_with("AOF analyzed:"))
        .map(|l| {
            (
                field(l, "size"),
                field(l, "ok_up_to"),
                field(l, "ok_up_to_line"),
            )
        })
        .collect()
}

fn field(line: &str, name: &str) -> u64 {
    let at = line.find(&format!(" {name}=")).expect(name) + name.len() + 2;
    line[at..]
        .split(|c: char| !c.is_ascii_digit())
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

/// redis-check-aof's analysis of `path` and whether it exited 0.
pub fn check_aof(path: &Path) -> (Vec<(u64, u64, u64)>, bool) {
    let out = Command::new(CHECK_AOF).arg(path).output().unwrap();
    (analyzed(&stdout(&out)), out.status.success())
}

/// A small AOF with a timestamp annotation and a transaction; returns it and where each command
/// starts.
pub fn sample() -> (Vec<u8>, Vec<u64>) {
    let mut out = Vec::new();
    let mut starts = Vec::new();
    let mut cmd = |out: &mut Vec<u8>, a: &[&[u8]]| {
        starts.push(out.len() as u64);
        encode_command(out, a);
    };
    cmd(&mut out, &[b"SELECT", b"0"]);
    encode_timestamp(&mut out, 1_700_000_000);
    cmd(&mut out, &[b"SET", b"user:1", b"hello world"]);
    cmd(&mut out, &[b"MULTI"]);
    cmd(&mut out, &[b"INCR", b"counter"]);
    cmd(&mut out, &[b"RPUSH", b"list:a", b"a", b"bb", b"ccc"]);
    cmd(&mut out, &[b"EXEC"]);
    encode_timestamp(&mut out, 1_700_000_100);
    cmd(&mut out, &[b"DEL", b"user:1"]);
    cmd(&mut out, &[b"SET", b"user:2", &[b'v'; 12]]);
    (out, starts)
}

/// Every key of every database with its type, a canonical rendering of its value and whether it
/// has a TTL, read through the protocol so it works the same on zedis and redis-server.
pub type Digest = std::collections::BTreeMap<(i64, Vec<u8>), (String, String, bool)>;

fn render(v: &redis::Value) -> String {
    use redis::Value;
    match v {
        Value::BulkString(b) => format!("{:?}", String::from_utf8_lossy(b)),
        Value::Array(items) => {
            let parts: Vec<String> = items.iter().map(render).collect();
            format!("[{}]", parts.join(","))
        }
        Value::Int(i) => i.to_string(),
        Value::Nil => "nil".into(),
        Value::SimpleString(s) => s.clone(),
        other => format!("{other:?}"),
    }
}

pub fn digest(port: u16) -> Digest {
    use redis::Value;
    let client = redis::Client::open(format!("redis://127.0.0.1:{port}/")).expect("client");
    let mut c = client.get_connection().expect("connect");
    // A server that loads its AOF in the background answers -LOADING for a moment.
    let start = std::time::Instant::now();
    while redis::cmd("DBSIZE").query::<i64>(&mut c).is_err() {
        assert!(
            start.elapsed() < std::time::Duration::from_secs(20),
            "still loading"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let mut out = Digest::new();
    for db in 0..16 {
        redis::cmd("SELECT").arg(db).exec(&mut c).expect("select");
        let keys: Vec<Vec<u8>> = redis::cmd("KEYS").arg("*").query(&mut c).expect("keys");
        for k in keys {
            let t: String = redis::cmd("TYPE").arg(&k).query(&mut c).expect("type");
            let mut cmd = match t.as_str() {
                "string" => redis::cmd("GET"),
                "list" => redis::cmd("LRANGE"),
                "set" => redis::cmd("SORT"),
                "hash" => redis::cmd("HGETALL"),
                "zset" => redis::cmd("ZRANGE"),
                other => panic!("unexpected type {other}"),
            };
            cmd.arg(&k);
            match t.as_str() {
                "list" => cmd.arg(0).arg(-1),
                "set" => cmd.arg("ALPHA"),
                "zset" => cmd.arg(0).arg(-1).arg("WITHSCORES"),
                _ => &mut cmd,
            };
            let mut v: Value = cmd.query(&mut c).expect("value");
            if t == "hash" {
                // Field order is the encoding's business; compare sorted pairs.
                if let Value::Array(items) = &v {
                    let mut pairs: Vec<(String, String)> = items
                        .chunks(2)
                        .map(|p| (render(&p[0]), render(&p[1])))
                        .collect();
                    pairs.sort();
                    v = Value::SimpleString(format!("{pairs:?}"));
                }
            }
            let ttl: i64 = redis::cmd("PTTL").arg(&k).query(&mut c).expect("pttl");
            out.insert((db, k), (t, render(&v), ttl > 0));
        }
    }
    out
}
