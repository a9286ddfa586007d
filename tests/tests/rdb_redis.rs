//! The RDB reader and writer against real redis-server 7.0: every fixture Redis wrote is read
//! with exactly the keys, values, TTLs and encodings redis-server reports for the same file, and
//! what our writer makes of it loads into redis-server with the same contents and encodings and
//! passes `redis-check-rdb`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use zedis::persist::build::Limits;
use zedis::persist::rdb::{self, Writer};
use zedis::persist::{Collect, KeyRecord, Record};
use zedis::store::Value;
use zedis_tests::{Server, TempDir};

fn fixture_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/redis-7.0")
}

const FIXTURES: &[&str] = &[
    "redis-7.0.15-all-types.rdb",
    "redis-7.0.15-all-types-nocompress.rdb",
    "redis-7.0.15-appendonlydir-preamble-yes/appendonly.aof.2.base.rdb",
];

fn read_keys(bytes: &[u8]) -> Vec<KeyRecord> {
    let mut c = Collect::default();
    rdb::read(bytes, &mut c, &Limits::default()).expect("fixture reads");
    c.0.into_iter()
        .filter_map(|r| match r {
            Record::Key(k) => Some(k),
            _ => None,
        })
        .collect()
}

/// A value as comparable text: type, then items (sets and hashes sorted, scores as Redis prints them).
type Canon = (String, Vec<Vec<u8>>);

fn canon_local(v: &Value) -> Canon {
    let (t, items) = v.comparable();
    (t.to_string(), items)
}

fn q<T: redis::FromRedisValue>(con: &mut redis::Connection, args: &[&[u8]]) -> T {
    let mut c = redis::cmd(std::str::from_utf8(args[0]).expect("command name"));
    for a in &args[1..] {
        c.arg(*a);
    }
    c.query(con)
        .unwrap_or_else(|e| panic!("{:?}: {e}", String::from_utf8_lossy(args[0])))
}

fn canon_remote(con: &mut redis::Connection, key: &[u8]) -> Canon {
    let t: String = q(con, &[b"TYPE", key]);
    let items: Vec<Vec<u8>> = match t.as_str() {
        "string" => vec![q(con, &[b"GET", key])],
        "list" => q(con, &[b"LRANGE", key, b"0", b"-1"]),
        "set" => {
            let mut m: Vec<Vec<u8>> = q(con, &[b"SMEMBERS", key]);
            m.sort();
            m
        }
        "hash" => {
            let flat: Vec<Vec<u8>> = q(con, &[b"HGETALL", key]);
            let mut p: Vec<(Vec<u8>, Vec<u8>)> = flat
                .chunks_exact(2)
                .map(|c| (c[0].clone(), c[1].clone()))
                .collect();
            p.sort();
            p.into_iter().flat_map(|(f, v)| [f, v]).collect()
        }
        "zset" => {
            let flat: Vec<Vec<u8>> = q(con, &[b"ZRANGE", key, b"0", b"-1", b"WITHSCORES"]);
            flat.chunks_exact(2)
                .flat_map(|c| {
                    let s: f64 = String::from_utf8_lossy(&c[1]).parse().expect("score");
                    [c[0].clone(), zedis::resp::format_double(s).into_bytes()]
                })
                .collect()
        }
        other => panic!("unexpected type {other}"),
    };
    (t, items)
}

fn connect(port: u16) -> redis::Connection {
    redis::Client::open(format!("redis://127.0.0.1:{port}/"))
        .and_then(|c| c.get_connection())
        .unwrap_or_else(|e| panic!("connect to {port}: {e}"))
}

fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

/// Starts redis-server on a copy of `file`.
fn redis_on(file: &Path) -> (Server, TempDir) {
    let dir = TempDir::new("rdb-load").expect("temp dir");
    std::fs::copy(file, dir.path().join("dump.rdb")).expect("copy the RDB file");
    let d = dir.path().to_string_lossy().into_owned();
    let srv = Server::redis(&["--dir", &d, "--dbfilename", "dump.rdb"]);
    (srv, dir)
}

/// Checks that the server holds exactly `keys` (less those expired by now), with the same
/// values, expiry times and encodings.
fn assert_server_holds(srv: &Server, keys: &[KeyRecord], what: &str) {
    let mut con = connect(srv.port());
    let now = now_ms();
    let mut per_db: BTreeMap<u32, usize> = BTreeMap::new();
    for k in keys {
        let live = k.expire_at_ms == 0 || k.expire_at_ms > now + 60_000;
        let _: () = q(&mut con, &[b"SELECT", k.db.to_string().as_bytes()]);
        if !live {
            continue;
        }
        *per_db.entry(k.db).or_default() += 1;
        let name = String::from_utf8_lossy(&k.key).into_owned();
        assert_eq!(
            canon_remote(&mut con, &k.key),
            canon_local(&k.value),
            "{what}: key {name}"
        );
        let exp: i64 = q(&mut con, &[b"PEXPIRETIME", &k.key]);
        let want = if k.expire_at_ms == 0 {
            -1
        } else {
            k.expire_at_ms as i64
        };
        assert_eq!(exp, want, "{what}: expiry of {name}");
        let enc: String = q(&mut con, &[b"OBJECT", b"ENCODING", &k.key]);
        assert_eq!(enc, k.value.encoding(), "{what}: encoding of {name}");
    }
    for db in 0..16u32 {
        let _: () = q(&mut con, &[b"SELECT", db.to_string().as_bytes()]);
        let n: usize = q(&mut con, &[b"DBSIZE"]);
        assert_eq!(
            n,
            per_db.get(&db).copied().unwrap_or(0),
            "{what}: size of db {db}"
        );
    }
}

#[test]
fn fixtures_read_as_redis_server_loads_them() {
    for f in FIXTURES {
        let path = fixture_dir().join(f);
        let keys = read_keys(&std::fs::read(&path).expect("fixture"));
        let (srv, _dir) = redis_on(&path);
        assert_server_holds(&srv, &keys, f);
    }
}

#[test]
fn written_files_load_into_redis_server_and_pass_redis_check_rdb() {
    let tmp = TempDir::new("rdb-write").expect("temp dir");
    for f in FIXTURES {
        let keys = read_keys(&std::fs::read(fixture_dir().join(f)).expect("fixture"));
        for compress in [true, false] {
            let aux: &[(&[u8], &[u8])] = &[
                (b"redis-ver", b"7.0.15"),
                (b"redis-bits", b"64"),
                (b"ctime", b"1700000000"),
                (b"aof-base", b"0"),
            ];
            let mut w = Writer::new(Vec::new(), aux, compress).expect("header");
            let mut dbs: BTreeMap<u32, Vec<&KeyRecord>> = BTreeMap::new();
            for k in &keys {
                dbs.entry(k.db).or_default().push(k);
            }
            for (db, ks) in &dbs {
                let expires = ks.iter().filter(|k| k.expire_at_ms != 0).count() as u64;
                w.select_db(*db, ks.len() as u64, expires).expect("write");
                for k in ks {
                    w.key(&k.key, &k.value, k.expire_at_ms, None, None)
                        .expect("write");
                }
            }
            let bytes = w.finish().expect("finish");
            let out = tmp.path().join(format!("written-{compress}.rdb"));
            std::fs::write(&out, &bytes).expect("write file");
            let check = Command::new("redis-check-rdb")
                .arg(&out)
                .output()
                .expect("run redis-check-rdb (apt-get install redis-tools)");
            assert!(
                check.status.success(),
                "redis-check-rdb refused our {f} (compress {compress}):\n{}",
                String::from_utf8_lossy(&check.stdout)
            );
            // Our own reader reads it back to the same keys.
            let again = read_keys(&bytes);
            assert_eq!(again.len(), keys.len());
            let (srv, _dir) = redis_on(&out);
            assert_server_holds(&srv, &keys, &format!("{f} rewritten (compress {compress})"));
        }
    }
}

/// A ziplist as Redis 6 wrote it, every entry encoding included.
fn ziplist(items: &[Vec<u8>]) -> Vec<u8> {
    zedis::persist::rdb::ziplist::encode(items)
}

fn st(out: &mut Vec<u8>, b: &[u8]) {
    rdb::writer::encode_string(out, b, false);
}

fn v(items: &[&str]) -> Vec<Vec<u8>> {
    items.iter().map(|s| s.as_bytes().to_vec()).collect()
}

/// Files in the encodings Redis 7 no longer writes (built here byte by byte) are read exactly as
/// redis-server 7.0 itself loads them: the server is the oracle for our reading of the spec.
#[test]
fn hand_built_old_encodings_agree_with_redis_server() {
    let long = "L".repeat(300);
    let huge = "H".repeat(17000);
    let ints = v(&[
        "0",
        "12",
        "13",
        "-1",
        "127",
        "-128",
        "200",
        "-32768",
        "32767",
        "40000",
        "-8388608",
        "8388607",
        "8388608",
        "-2147483648",
        "2147483647",
        "2147483648",
        "-9223372036854775808",
        "9223372036854775807",
        "007",
        "-0",
        "1.5",
    ]);
    let mut b = Vec::new();
    b.extend_from_slice(&[254, 0]);
    b.push(10); // list ziplist, every integer width, a 300-byte and a 17000-byte string
    st(&mut b, b"zl");
    let mut items = ints.clone();
    items.push(long.clone().into_bytes());
    items.push(huge.clone().into_bytes());
    items.push(b"tail".to_vec());
    st(&mut b, &ziplist(&items));
    b.push(253); // second-resolution expiry on the next key
    b.extend_from_slice(&2000000000u32.to_le_bytes());
    b.push(9); // zipmap hash, with free space after a value and a 300-byte value
    st(&mut b, b"zm");
    let mut zm = vec![3, 1, b'a', 1, 2, b'x', 0, 0, 1, b'b', 254];
    zm.extend_from_slice(&300u32.to_le_bytes());
    zm.push(0);
    zm.extend_from_slice(long.as_bytes());
    zm.extend_from_slice(&[2, b'n', b'm', 2, 0, b'4', b'2', 255]);
    st(&mut b, &zm);
    b.push(11);
    st(&mut b, b"is");
    st(&mut b, &rdb::intset::encode(&[-70000, 1, 2, 3, 1 << 40]));
    b.push(12);
    st(&mut b, b"zz");
    st(
        &mut b,
        &ziplist(&v(&["c", "-3", "a", "1", "b", "2.5", "d", "1e10"])),
    );
    b.push(13);
    st(&mut b, b"hz");
    st(&mut b, &ziplist(&v(&["f", "v", "n", "-7", "big", &long])));
    b.push(14);
    st(&mut b, b"ql");
    rdb::writer::encode_len(&mut b, 3);
    st(&mut b, &ziplist(&ints));
    st(&mut b, &ziplist(&v(&["x"])));
    st(&mut b, &ziplist(&v(&["y", "z"])));
    b.push(3);
    st(&mut b, b"oz");
    rdb::writer::encode_len(&mut b, 3);
    st(&mut b, b"a");
    b.extend_from_slice(&[4, b'1', b'.', b'2', b'5']);
    st(&mut b, b"b");
    b.push(254);
    st(&mut b, b"c");
    b.push(255);
    b.push(1);
    st(&mut b, b"pl");
    rdb::writer::encode_len(&mut b, 2);
    st(&mut b, b"p");
    st(&mut b, b"12");
    b.extend_from_slice(&[254, 2]);
    b.push(0);
    st(&mut b, b"db2");
    st(&mut b, b"two");
    b.push(255);
    let mut file = b"REDIS0009".to_vec();
    file.extend_from_slice(&b);
    let crc = rdb::crc64(&file);
    file.extend_from_slice(&crc.to_le_bytes());

    let keys = read_keys(&file);
    assert_eq!(keys.len(), 9);
    let tmp = TempDir::new("old-rdb").expect("temp dir");
    let path = tmp.path().join("old.rdb");
    std::fs::write(&path, &file).expect("write");
    let (srv, _dir) = redis_on(&path);
    assert_server_holds(&srv, &keys, "hand-built RDB 9");
}
