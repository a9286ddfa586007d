//! DUMP payloads move between redis-server 7.0 and zedis in both directions: every key of the
//! all-types fixture is dumped by Redis, restored into zedis, dumped by zedis, and restored into
//! a fresh redis-server, and its contents must survive each hop. Where Redis's payload does not
//! depend on hash-table order, zedis's DUMP must be byte-identical to it.

use std::path::PathBuf;
use zedis_tests::{Server, TempDir};

fn connect(port: u16) -> redis::Connection {
    redis::Client::open(format!("redis://127.0.0.1:{port}/"))
        .and_then(|c| c.get_connection())
        .unwrap_or_else(|e| panic!("connect to {port}: {e}"))
}

fn cmd(con: &mut redis::Connection, args: &[&[u8]]) -> redis::Value {
    let mut c = redis::cmd(std::str::from_utf8(args[0]).expect("name"));
    for a in &args[1..] {
        c.arg(*a);
    }
    c.query(con)
        .unwrap_or_else(|e| panic!("{}: {e}", String::from_utf8_lossy(args[0])))
}

fn bytes(v: redis::Value) -> Vec<u8> {
    match v {
        redis::Value::BulkString(b) => b,
        other => panic!("expected a bulk string, got {other:?}"),
    }
}

fn list(v: redis::Value) -> Vec<Vec<u8>> {
    match v {
        redis::Value::Array(a) => a.into_iter().map(bytes).collect(),
        other => panic!("expected an array, got {other:?}"),
    }
}

/// Contents in an order-independent form.
fn contents(con: &mut redis::Connection, key: &[u8]) -> (String, Vec<Vec<u8>>) {
    let t: String = redis::cmd("TYPE").arg(key).query(con).expect("TYPE");
    let items = match t.as_str() {
        "string" => vec![bytes(cmd(con, &[b"GET", key]))],
        "list" => list(cmd(con, &[b"LRANGE", key, b"0", b"-1"])),
        "zset" => list(cmd(con, &[b"ZRANGE", key, b"0", b"-1", b"WITHSCORES"])),
        "set" => {
            let mut m = list(cmd(con, &[b"SMEMBERS", key]));
            m.sort();
            m
        }
        "hash" => {
            let flat = list(cmd(con, &[b"HGETALL", key]));
            let mut p: Vec<Vec<u8>> = flat
                .chunks_exact(2)
                .map(|c| [c[0].clone(), c[1].clone()].concat())
                .collect();
            p.sort();
            p
        }
        other => panic!("unexpected type {other}"),
    };
    (t, items)
}

#[test]
fn payloads_move_redis_to_zedis_and_back() {
    let fixture = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/redis-7.0/redis-7.0.15-all-types.rdb");
    let dir = TempDir::new("dump-src").expect("temp dir");
    std::fs::copy(&fixture, dir.path().join("dump.rdb")).expect("copy fixture");
    let d = dir.path().to_string_lossy().into_owned();
    let source = Server::redis(&["--dir", &d, "--dbfilename", "dump.rdb"]);
    let target = Server::redis(&[]);
    let zedis = Server::zedis(&[]);
    let (mut src, mut dst, mut z) = (
        connect(source.port()),
        connect(target.port()),
        connect(zedis.port()),
    );
    let keys = match cmd(&mut src, &[b"KEYS", b"*"]) {
        redis::Value::Array(a) => a.into_iter().map(bytes).collect::<Vec<_>>(),
        other => panic!("KEYS gave {other:?}"),
    };
    assert!(keys.len() >= 15, "the fixture's db 0 holds 16 keys");
    for key in &keys {
        let name = String::from_utf8_lossy(key).into_owned();
        let payload = bytes(cmd(&mut src, &[b"DUMP", key]));
        cmd(&mut z, &[b"RESTORE", key, b"0", &payload]);
        let want = contents(&mut src, key);
        assert_eq!(contents(&mut z, key), want, "redis → zedis: {name}");
        let back = bytes(cmd(&mut z, &[b"DUMP", key]));
        let enc = format!("{:?}", cmd(&mut src, &[b"OBJECT", b"ENCODING", key]));
        if !enc.contains("hashtable") {
            assert_eq!(
                back, payload,
                "zedis's DUMP of {name} ({enc}) differs from Redis's"
            );
        }
        cmd(&mut dst, &[b"RESTORE", key, b"0", &back]);
        assert_eq!(contents(&mut dst, key), want, "zedis → redis: {name}");
        // IDLETIME sets the access clock back; TTL and REPLACE apply as in Redis.
        cmd(
            &mut z,
            &[
                b"RESTORE",
                key,
                b"100000",
                &payload,
                b"REPLACE",
                b"IDLETIME",
                b"1000",
            ],
        );
        let idle = match cmd(&mut z, &[b"OBJECT", b"IDLETIME", key]) {
            redis::Value::Int(i) => i,
            other => panic!("OBJECT IDLETIME gave {other:?}"),
        };
        assert!((1000..1100).contains(&idle), "idle time {idle} of {name}");
        let ttl = match cmd(&mut z, &[b"PTTL", key]) {
            redis::Value::Int(i) => i,
            other => panic!("PTTL gave {other:?}"),
        };
        assert!(ttl > 0 && ttl <= 100000, "ttl {ttl} of {name}");
        assert_eq!(
            format!("{:?}", cmd(&mut dst, &[b"OBJECT", b"ENCODING", key])),
            enc,
            "encoding after zedis → redis: {name}"
        );
    }
}

/// Strings of many lengths and alphabets (so LZF finds matches everywhere, including in the last
/// bytes, and sometimes barely saves space): our DUMP payload must equal Redis's byte for byte.
#[test]
fn string_payloads_match_redis_byte_for_byte() {
    let redis = Server::redis(&[]);
    let mut con = connect(redis.port());
    let mut x = 0x9e3779b97f4a7c15u64;
    let mut rnd = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let mut checked = 0;
    for n in (0..60).chain([100, 255, 256, 500, 1000, 4000, 9000, 70000]) {
        for alphabet in [1u64, 2, 3, 8, 40, 256] {
            let mut s: Vec<u8> = (0..n).map(|_| (rnd() % alphabet) as u8 ^ b'a').collect();
            if n > 30 && alphabet == 256 {
                // A random body with a repeat at the very end.
                let tail = s[..6].to_vec();
                s.extend_from_slice(&tail);
            }
            cmd(&mut con, &[b"SET", b"k", &s]);
            let want = bytes(cmd(&mut con, &[b"DUMP", b"k"]));
            let ours = zedis::persist::rdb::dump_payload(&zedis::store::Value::string(&s), true);
            assert_eq!(ours, want, "length {n}, alphabet {alphabet}");
            checked += 1;
        }
    }
    assert!(checked > 300);
}

/// RESTORE creating a list wakes a client blocked on it, as Redis's dbAdd does.
#[test]
fn restore_serves_a_blocked_client() {
    let zedis = Server::zedis(&[]);
    let mut c = connect(zedis.port());
    cmd(&mut c, &[b"RPUSH", b"src", b"a", b"b"]);
    let payload = bytes(cmd(&mut c, &[b"DUMP", b"src"]));
    let port = zedis.port();
    let waiter = std::thread::spawn(move || {
        let mut w = connect(port);
        cmd(&mut w, &[b"BLPOP", b"dst", b"10"])
    });
    // Wait until the other client is blocked before restoring.
    for _ in 0..500 {
        let info = bytes(cmd(&mut c, &[b"INFO", b"clients"]));
        if String::from_utf8_lossy(&info).contains("blocked_clients:1") {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    cmd(&mut c, &[b"RESTORE", b"dst", b"0", &payload]);
    let got = waiter.join().expect("waiter thread");
    let want = redis::Value::Array(vec![
        redis::Value::BulkString(b"dst".to_vec()),
        redis::Value::BulkString(b"a".to_vec()),
    ]);
    assert_eq!(got, want);
    assert_eq!(
        list(cmd(&mut c, &[b"LRANGE", b"dst", b"0", b"-1"])),
        vec![b"b".to_vec()]
    );
}
