//! End-to-end snapshot tests: SAVE / BGSAVE / SHUTDOWN / restart against the real `zedis`
//! binary, starting from Redis-written RDB files, writing RDB files that a real `redis-server`
//! loads, refusing damaged files, and `-LOADING` while a big file loads.
//!
//! Contents are compared key by key through the protocol (type, value, whether a TTL is set),
//! so the same digest works on zedis and on redis-server.

use redis::{Commands, Connection, Value};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use zedis_tests::server::{Kind, Server};
use zedis_tests::tempdir::TempDir;

type Digest = BTreeMap<(i64, Vec<u8>), (String, String, bool)>;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/redis-7.0")
}

fn conn(port: u16) -> Connection {
    let client = redis::Client::open(format!("redis://127.0.0.1:{port}/")).expect("client");
    client.get_connection().expect("connect")
}

fn render(v: &Value) -> String {
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

/// Every key of every database with its type, a canonical rendering of its value and whether
/// it has a TTL. Commands are pipelined a thousand keys at a time.
fn digest(port: u16, dbs: i64) -> Digest {
    let mut c = conn(port);
    let mut out = Digest::new();
    for db in 0..dbs {
        redis::cmd("SELECT").arg(db).exec(&mut c).expect("select");
        let keys: Vec<Vec<u8>> = redis::cmd("KEYS").arg("*").query(&mut c).expect("keys");
        for chunk in keys.chunks(1000) {
            let mut p = redis::pipe();
            for k in chunk {
                p.cmd("TYPE").arg(k);
            }
            let types: Vec<String> = p.query(&mut c).expect("types");
            let mut p = redis::pipe();
            for (k, t) in chunk.iter().zip(&types) {
                match t.as_str() {
                    "string" => p.cmd("GET").arg(k),
                    "list" => p.cmd("LRANGE").arg(k).arg(0).arg(-1),
                    "set" => p.cmd("SORT").arg(k).arg("ALPHA"),
                    "hash" => p.cmd("HGETALL").arg(k),
                    "zset" => p.cmd("ZRANGE").arg(k).arg(0).arg(-1).arg("WITHSCORES"),
                    other => panic!("unexpected type {other}"),
                };
                p.cmd("PTTL").arg(k);
            }
            let replies: Vec<Value> = p.query(&mut c).expect("values");
            for (i, (k, t)) in chunk.iter().zip(types).enumerate() {
                let mut v = replies[2 * i].clone();
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
                let ttl = matches!(replies[2 * i + 1], Value::Int(n) if n > 0);
                out.insert((db, k.clone()), (t, render(&v), ttl));
            }
        }
    }
    out
}

fn wait_exit(s: &mut Server) {
    let start = Instant::now();
    while s.is_running() {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "server did not exit; log:\n{}",
            s.log_text()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn zedis_in(dir: &Path, extra: &[&str]) -> Server {
    let d = dir.to_string_lossy().into_owned();
    let mut args = vec!["--dir", d.as_str()];
    args.extend_from_slice(extra);
    Server::zedis(&args)
}

fn populate(c: &mut Connection) {
    let _: () = c.set("s:int", 12345).unwrap();
    let _: () = c.set("s:str", "hello world").unwrap();
    let _: () = c
        .set(b"s:bin\x00\xff".as_slice(), b"v\r\n\x00".as_slice())
        .unwrap();
    let _: () = c.set("s:long", "x".repeat(5000)).unwrap();
    let _: () = c.set_ex("s:ttl", "v", 100_000).unwrap();
    let _: () = c.rpush("l", &["a", "b", "c"]).unwrap();
    let _: () = c.rpush("l:big", (0..2000).collect::<Vec<i32>>()).unwrap();
    let _: () = c.hset_multiple("h", &[("f1", "v1"), ("f2", "2")]).unwrap();
    let big: Vec<(String, String)> = (0..500)
        .map(|i| (format!("f{i}"), format!("v{i}")))
        .collect();
    let _: () = c.hset_multiple("h:big", &big).unwrap();
    let _: () = c.sadd("set:ints", &[1, 2, 3, -7]).unwrap();
    let _: () = c.sadd("set:str", &["a", "b"]).unwrap();
    let _: () = c
        .zadd_multiple("z", &[(1.5, "a"), (2.0, "b"), (-3.0, "c")])
        .unwrap();
    let members: Vec<(f64, String)> = (0..300)
        .map(|i| (i as f64 * 0.5, format!("m{i}")))
        .collect();
    let _: () = c.zadd_multiple("z:big", &members).unwrap();
    redis::cmd("SELECT").arg(3).exec(c).unwrap();
    let _: () = c.set("db3:key", "three").unwrap();
    redis::cmd("SELECT").arg(0).exec(c).unwrap();
}

fn info_field(c: &mut Connection, field: &str) -> String {
    let info: String = redis::cmd("INFO").arg("persistence").query(c).unwrap();
    info.lines()
        .find_map(|l| l.strip_prefix(&format!("{field}:")))
        .unwrap_or_else(|| panic!("no {field} in INFO:\n{info}"))
        .to_string()
}

fn wait_bgsave(c: &mut Connection) {
    let start = Instant::now();
    while info_field(c, "rdb_bgsave_in_progress") != "0" {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "BGSAVE never finished"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn save_then_restart_keeps_everything_in_both_formats() {
    for format in ["native", "redis"] {
        let dir = TempDir::new("persist").unwrap();
        let s = zedis_in(dir.path(), &["--snapshot-format", format]);
        let mut c = conn(s.port());
        populate(&mut c);
        let before = digest(s.port(), 16);
        let reply: String = redis::cmd("SAVE").query(&mut c).unwrap();
        assert_eq!(reply, "OK");
        assert_eq!(info_field(&mut c, "rdb_changes_since_last_save"), "0");
        drop(c);
        drop(s); // kill -9: only the snapshot survives
        let file = dir.path().join("dump.zdb");
        let head = std::fs::read(&file).unwrap();
        let magic: &[u8] = if format == "native" {
            b"ZEDIS"
        } else {
            b"REDIS0010"
        };
        assert!(head.starts_with(magic), "{format}: wrong magic");
        let s = zedis_in(dir.path(), &[]);
        assert_eq!(
            digest(s.port(), 16),
            before,
            "{format}: contents after restart"
        );
    }
}

/// SAVE in the native format encodes on two threads, a database cut into hash-space chunks
/// (16 Ki keys each); enough keys in several databases that there are many chunks per database
/// and databases with one, so chunk order, boundaries and per-database counts are all exercised.
#[test]
fn parallel_save_of_many_keys_in_several_databases_restarts_identical() {
    let dir = TempDir::new("persist").unwrap();
    let s = zedis_in(dir.path(), &[]);
    let mut c = conn(s.port());
    for (db, n) in [(0usize, 150_000usize), (2, 3), (7, 40_000)] {
        redis::cmd("SELECT").arg(db).exec(&mut c).unwrap();
        let mut pipe = redis::pipe();
        for i in 0..n {
            match i % 5 {
                0 => pipe.rpush(format!("l:{i}"), &["a", "b", "c"]).ignore(),
                1 => pipe.hset(format!("h:{i}"), "f", i).ignore(),
                2 => pipe.set_ex(format!("t:{i}"), i, 100_000).ignore(),
                _ => pipe.set(format!("s:{i}"), "v".repeat(i % 50)).ignore(),
            };
            if i % 10_000 == 9_999 || i + 1 == n {
                pipe.exec(&mut c).unwrap();
                pipe = redis::pipe();
            }
        }
    }
    let before = digest(s.port(), 8);
    let reply: String = redis::cmd("SAVE").query(&mut c).unwrap();
    assert_eq!(reply, "OK");
    drop(c);
    drop(s);
    let s = zedis_in(dir.path(), &[]);
    let mut c = conn(s.port());
    for (db, n) in [(0usize, 150_000i64), (2, 3), (7, 40_000)] {
        redis::cmd("SELECT").arg(db).exec(&mut c).unwrap();
        let size: i64 = redis::cmd("DBSIZE").query(&mut c).unwrap();
        assert_eq!(size, n, "db {db}");
    }
    assert!(
        digest(s.port(), 8) == before,
        "contents after restart differ"
    );
}

#[test]
fn shutdown_saves_per_config() {
    // With save points configured, SHUTDOWN saves.
    let dir = TempDir::new("persist").unwrap();
    let mut s = zedis_in(dir.path(), &["--save", "3600 1"]);
    let mut c = conn(s.port());
    let _: () = c.set("k", "v").unwrap();
    let _ = redis::cmd("SHUTDOWN").exec(&mut c);
    wait_exit(&mut s);
    let s = zedis_in(dir.path(), &[]);
    let mut c = conn(s.port());
    let v: Option<String> = c.get("k").unwrap();
    assert_eq!(v.as_deref(), Some("v"));
    drop(c);
    drop(s);

    // Without save points it does not, unless told to; NOSAVE never does.
    let dir = TempDir::new("persist").unwrap();
    let mut s = zedis_in(dir.path(), &[]);
    let mut c = conn(s.port());
    let _: () = c.set("k", "v").unwrap();
    let _ = redis::cmd("SHUTDOWN").exec(&mut c);
    wait_exit(&mut s);
    assert!(
        !dir.path().join("dump.zdb").exists(),
        "saved without save points"
    );
    let mut s = zedis_in(dir.path(), &[]);
    let mut c = conn(s.port());
    let _: () = c.set("k", "v2").unwrap();
    let _ = redis::cmd("SHUTDOWN").arg("SAVE").exec(&mut c);
    wait_exit(&mut s);
    assert!(
        dir.path().join("dump.zdb").exists(),
        "SHUTDOWN SAVE did not save"
    );
    let mut s = zedis_in(dir.path(), &["--save", "3600 1"]);
    let mut c = conn(s.port());
    let v: Option<String> = c.get("k").unwrap();
    assert_eq!(v.as_deref(), Some("v2"));
    let _: () = c.set("k", "v3").unwrap();
    let _ = redis::cmd("SHUTDOWN").arg("NOSAVE").exec(&mut c);
    wait_exit(&mut s);
    let s = zedis_in(dir.path(), &[]);
    let mut c = conn(s.port());
    let v: Option<String> = c.get("k").unwrap();
    assert_eq!(v.as_deref(), Some("v2"), "NOSAVE saved");
}

#[test]
fn bgsave_under_concurrent_writes_is_the_bgsave_time_state() {
    let dir = TempDir::new("persist").unwrap();
    let s = zedis_in(dir.path(), &[]);
    let mut c = conn(s.port());
    // Enough keys that the walk spans many command batches.
    const N: usize = 200_000;
    let mut pipe = redis::pipe();
    for i in 0..N {
        pipe.set(format!("key:{i}"), i).ignore();
        if i % 10_000 == 9_999 {
            pipe.exec(&mut c).unwrap();
            pipe = redis::pipe();
        }
    }
    let _: () = c.rpush("list", &["a", "b"]).unwrap();
    let before = digest(s.port(), 1);
    let reply: String = redis::cmd("BGSAVE").query(&mut c).unwrap();
    assert_eq!(reply, "Background saving started");
    // Overwrite, delete, grow and create keys while the walk is under way, from two clients.
    let mut c2 = conn(s.port());
    let mut saw_in_progress = false;
    for round in 0..40 {
        let mut p = redis::pipe();
        for j in 0..500 {
            let i = (round * 4_999 + j * 397) % N;
            match j % 4 {
                0 => p.set(format!("key:{i}"), "overwritten").ignore(),
                1 => p.del(format!("key:{i}")).ignore(),
                2 => p.set(format!("new:{round}:{j}"), 1).ignore(),
                _ => p.rpush("list", "more").ignore(),
            };
        }
        p.exec(if round % 2 == 0 { &mut c } else { &mut c2 })
            .unwrap();
        if info_field(&mut c2, "rdb_bgsave_in_progress") == "1" {
            saw_in_progress = true;
        }
    }
    let _: () = redis::cmd("FLUSHDB").query(&mut c2).unwrap();
    wait_bgsave(&mut c);
    assert_eq!(info_field(&mut c, "rdb_last_bgsave_status"), "ok");
    assert!(
        saw_in_progress,
        "the writes all landed after the save finished; the test proves nothing"
    );
    drop(c);
    drop(c2);
    drop(s);
    let s = zedis_in(dir.path(), &[]);
    let after = digest(s.port(), 1);
    assert_eq!(after.len(), before.len());
    assert!(after == before, "the snapshot is not the BGSAVE-time state");
}

/// Loads `file` (copied in as `dump.rdb`) into a server of `kind`.
fn start_on(kind: Kind, file: &Path, dir: &TempDir) -> Server {
    std::fs::copy(file, dir.path().join("dump.rdb")).unwrap();
    let d = dir.path().to_string_lossy().into_owned();
    let args = ["--dir", d.as_str(), "--dbfilename", "dump.rdb"];
    Server::start(kind, &args).unwrap_or_else(|e| panic!("{e:#}"))
}

#[test]
fn redis_fixtures_load_and_round_trip_through_redis_format() {
    for name in [
        "redis-7.0.15-all-types.rdb",
        "redis-7.0.15-all-types-nocompress.rdb",
        "redis-7.0.15-appendonlydir-preamble-yes/appendonly.aof.2.base.rdb",
    ] {
        let fixture = fixtures().join(name);
        let rdir = TempDir::new("redis").unwrap();
        let redis = start_on(Kind::Redis, &fixture, &rdir);
        let want = digest(redis.port(), 16);
        assert!(!want.is_empty(), "{name}: empty fixture?");

        // zedis starts from the Redis file on its own (default dbfilename absent → dump.rdb).
        let zdir = TempDir::new("zedis").unwrap();
        std::fs::copy(&fixture, zdir.path().join("dump.rdb")).unwrap();
        let z = zedis_in(zdir.path(), &[]);
        assert_eq!(
            digest(z.port(), 16),
            want,
            "{name}: zedis loaded different contents"
        );

        // Saved by zedis in Redis format, the file loads into a real redis-server unchanged.
        let mut c = conn(z.port());
        let _: () = redis::cmd("CONFIG")
            .arg("SET")
            .arg("snapshot-format")
            .arg("redis")
            .query(&mut c)
            .unwrap();
        let _: () = redis::cmd("SAVE").query(&mut c).unwrap();
        let written = zdir.path().join("dump.zdb");
        let back_dir = TempDir::new("redis").unwrap();
        let back = start_on(Kind::Redis, &written, &back_dir);
        assert_eq!(
            digest(back.port(), 16),
            want,
            "{name}: redis-server read different contents from zedis's RDB"
        );
        let check = std::process::Command::new("redis-check-rdb")
            .arg(&written)
            .output()
            .expect("redis-check-rdb");
        assert!(
            check.status.success(),
            "redis-check-rdb rejects zedis's file: {}",
            String::from_utf8_lossy(&check.stdout)
        );
    }
}

#[test]
fn damaged_snapshot_refuses_to_start_with_a_way_out() {
    let dir = TempDir::new("persist").unwrap();
    {
        let s = zedis_in(dir.path(), &[]);
        let mut c = conn(s.port());
        populate(&mut c);
        let _: () = redis::cmd("SAVE").query(&mut c).unwrap();
    }
    let file = dir.path().join("dump.zdb");
    let mut bytes = std::fs::read(&file).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0x5a;
    std::fs::write(&file, &bytes).unwrap();
    let d = dir.path().to_string_lossy().into_owned();
    let err = match Server::start(Kind::Zedis, &["--dir", d.as_str()]) {
        Ok(s) => panic!("started on a damaged file; log:\n{}", s.log_text()),
        Err(e) => e,
    };
    let msg = format!("{err:#}");
    assert!(msg.contains("dump.zdb"), "no file name in: {msg}");
    assert!(msg.contains("zedis-rdb"), "no way out in: {msg}");
    assert!(msg.contains("byte"), "no offset in: {msg}");

    // A truncated Redis file is refused too.
    let dir = TempDir::new("persist").unwrap();
    let rdb = std::fs::read(fixtures().join("redis-7.0.15-all-types.rdb")).unwrap();
    std::fs::write(dir.path().join("dump.rdb"), &rdb[..rdb.len() / 3]).unwrap();
    let d = dir.path().to_string_lossy().into_owned();
    let err = match Server::start(Kind::Zedis, &["--dir", d.as_str()]) {
        Ok(s) => panic!("started on a truncated RDB; log:\n{}", s.log_text()),
        Err(e) => e,
    };
    assert!(format!("{err:#}").contains("dump.rdb"));
}

#[test]
fn failed_bgsave_stops_writes_until_a_save_succeeds() {
    let base = TempDir::new("persist").unwrap();
    let s = zedis_in(
        base.path(),
        &["--save", "3600 1", "--enable-protected-configs", "yes"],
    );
    let mut c = conn(s.port());
    let gone = base.path().join("gone");
    std::fs::create_dir(&gone).unwrap();
    let _: () = redis::cmd("CONFIG")
        .arg("SET")
        .arg("dir")
        .arg(gone.to_string_lossy().as_ref())
        .query(&mut c)
        .unwrap();
    std::fs::remove_dir(&gone).unwrap();
    let _: () = c.set("k", "v").unwrap();
    let _: String = redis::cmd("BGSAVE").query(&mut c).unwrap();
    wait_bgsave(&mut c);
    assert_eq!(info_field(&mut c, "rdb_last_bgsave_status"), "err");
    let e = c.set::<_, _, ()>("k", "v2").unwrap_err();
    assert!(e.to_string().contains("MISCONF"), "{e}");
    // Reads still work.
    let v: String = c.get("k").unwrap();
    assert_eq!(v, "v");
    std::fs::create_dir(&gone).unwrap();
    let _: String = redis::cmd("BGSAVE").query(&mut c).unwrap();
    wait_bgsave(&mut c);
    assert_eq!(info_field(&mut c, "rdb_last_bgsave_status"), "ok");
    let _: () = c.set("k", "v3").unwrap();
}

#[test]
fn clients_get_loading_while_a_big_file_loads() {
    use zedis::persist::zdb;
    use zedis::store::Value as V;
    let dir = TempDir::new("persist").unwrap();
    let file = std::fs::File::create(dir.path().join("dump.zdb")).unwrap();
    let mut w = zdb::Writer::new(std::io::BufWriter::new(file), &[], 0).unwrap();
    const N: u64 = 3_000_000;
    let value = V::string(&[b'v'; 64]);
    for i in 0..N {
        w.push_key(0, format!("key:{i:08}").as_bytes(), &value, 0, None, None)
            .unwrap();
    }
    w.finish().unwrap();
    // Start without waiting for PING (it would be refused with -LOADING).
    let port = zedis_tests::server::free_port();
    let bin = zedis_tests::server::zedis_binary().unwrap();
    let mut child = std::process::Command::new(bin)
        .args(["--port", &port.to_string(), "--save", "", "--dir"])
        .arg(dir.path())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let zedis_tests::loading::Loaded { keys, saw_loading } =
        zedis_tests::loading::watch_load(port, Duration::from_secs(120), |c| {
            let info: String = redis::cmd("INFO").arg("persistence").query(c).unwrap();
            if info.contains("loading:1") {
                assert!(info.contains("loading_total_bytes:"), "{info}");
            }
        });
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(keys, N);
    assert!(saw_loading, "the load finished before any client could ask");
}
