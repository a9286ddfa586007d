//! `maxmemory` end to end, through the `redis` crate against the real binary: for each policy,
//! fill past the limit and check which keys went; `-OOM` under noeviction (reads and deletes
//! still served); memory stays near the limit under sustained writes; `evicted` keyspace
//! events; the LFU counter behind OBJECT FREQ; MEMORY USAGE and the INFO fields.
//!
//! Limits are set relative to the server's own `used_memory` at the start, so the tests do not
//! depend on how much the empty server takes. Idle times are set with RESTORE … IDLETIME rather
//! than by sleeping; LFU counters grow by real reads with `lfu-log-factor 0` (every read counts).
//!
//! `ZEDIS_E2E_SERVER=redis` runs the same expectations against redis-server.

use redis::Connection;
use zedis_tests::{Kind, Server};

const VALUE: usize = 1000;

fn target() -> Kind {
    match std::env::var("ZEDIS_E2E_SERVER").as_deref() {
        Ok("redis") | Ok("redis-server") => Kind::Redis,
        _ => Kind::Zedis,
    }
}

fn start(extra: &[&str]) -> (Server, Connection) {
    let s = Server::start(target(), extra).unwrap_or_else(|e| panic!("{e:#}"));
    let con = redis::Client::open(format!("redis://127.0.0.1:{}/", s.port()))
        .and_then(|c| c.get_connection())
        .unwrap_or_else(|e| panic!("connect: {e}"));
    (s, con)
}

fn info_field(con: &mut Connection, section: &str, field: &str) -> String {
    let text: String = redis::cmd("INFO").arg(section).query(con).expect("INFO");
    text.lines()
        .find_map(|l| l.strip_prefix(&format!("{field}:")))
        .unwrap_or_else(|| panic!("INFO {section} has no {field}"))
        .trim()
        .to_string()
}

fn used(con: &mut Connection) -> u64 {
    info_field(con, "memory", "used_memory")
        .parse()
        .expect("used_memory")
}

fn evicted(con: &mut Connection) -> u64 {
    info_field(con, "stats", "evicted_keys")
        .parse()
        .expect("evicted_keys")
}

fn config_set(con: &mut Connection, k: &str, v: &str) {
    let _: () = redis::cmd("CONFIG")
        .arg("SET")
        .arg(k)
        .arg(v)
        .query(con)
        .unwrap_or_else(|e| panic!("CONFIG SET {k} {v}: {e}"));
}

/// Sets maxmemory to the current use plus `room` bytes, under `policy`.
fn limit(con: &mut Connection, policy: &str, room: u64) -> u64 {
    config_set(con, "maxmemory-policy", policy);
    let max = used(con) + room;
    config_set(con, "maxmemory", &max.to_string());
    max
}

fn value(i: usize) -> Vec<u8> {
    let mut v = format!("{i:08}").into_bytes();
    v.resize(VALUE, b'x');
    v
}

/// SETs `n` keys `prefix:i` in pipelines of 100, with `EX ttl(i)` when it gives one.
fn fill(con: &mut Connection, prefix: &str, n: usize, ttl: impl Fn(usize) -> Option<u64>) {
    for chunk in (0..n).collect::<Vec<_>>().chunks(100) {
        let mut p = redis::pipe();
        for &i in chunk {
            let c = p.cmd("SET").arg(format!("{prefix}:{i}")).arg(value(i));
            if let Some(t) = ttl(i) {
                c.arg("EX").arg(t);
            }
            c.ignore();
        }
        let _: () = p.query(con).expect("SET pipeline");
    }
}

fn exists(con: &mut Connection, prefix: &str, n: usize) -> usize {
    (0..n)
        .filter(|i| {
            let e: i64 = redis::cmd("EXISTS")
                .arg(format!("{prefix}:{i}"))
                .query(con)
                .expect("EXISTS");
            e == 1
        })
        .count()
}

fn dbsize(con: &mut Connection) -> usize {
    redis::cmd("DBSIZE").query(con).expect("DBSIZE")
}

/// `n` keys `prefix:i` restored with an idle time of `idle` seconds (RESTORE … IDLETIME).
fn restore_idle(con: &mut Connection, prefix: &str, n: usize, idle: u64) {
    let _: () = redis::cmd("SET")
        .arg("tmp")
        .arg(value(0))
        .query(con)
        .expect("SET");
    let payload: Vec<u8> = redis::cmd("DUMP").arg("tmp").query(con).expect("DUMP");
    let _: i64 = redis::cmd("DEL").arg("tmp").query(con).expect("DEL");
    for chunk in (0..n).collect::<Vec<_>>().chunks(100) {
        let mut p = redis::pipe();
        for &i in chunk {
            p.cmd("RESTORE")
                .arg(format!("{prefix}:{i}"))
                .arg(0)
                .arg(&payload)
                .arg("IDLETIME")
                .arg(idle)
                .ignore();
        }
        let _: () = p.query(con).expect("RESTORE pipeline");
    }
}

#[test]
fn allkeys_lru_keeps_recently_used_keys() {
    let (_s, mut con) = start(&[]);
    config_set(&mut con, "maxmemory-policy", "allkeys-lru");
    restore_idle(&mut con, "cold", 2000, 100_000);
    fill(&mut con, "hot", 200, |_| None);
    let max = limit(&mut con, "allkeys-lru", 2 << 20);
    // About 3 MB more than the room: most cold keys must go, none of the recent ones.
    fill(&mut con, "new", 3000, |_| None);
    let gone = evicted(&mut con);
    assert!(gone > 500, "only {gone} keys evicted");
    assert!(used(&mut con) <= max + max / 20);
    let hot = exists(&mut con, "hot", 200);
    assert!(hot >= 195, "{hot} of 200 recently written keys survived");
    let cold_gone = 2000 - exists(&mut con, "cold", 2000) as u64;
    assert!(
        cold_gone * 10 >= gone * 9,
        "{cold_gone} idle keys among {gone} evicted"
    );
}

#[test]
fn allkeys_lfu_keeps_frequently_read_keys() {
    let (_s, mut con) = start(&[]);
    config_set(&mut con, "maxmemory-policy", "allkeys-lfu");
    config_set(&mut con, "lfu-log-factor", "0");
    fill(&mut con, "hot", 100, |_| None);
    fill(&mut con, "cold", 2000, |_| None);
    for _ in 0..20 {
        let mut p = redis::pipe();
        for i in 0..100 {
            p.cmd("GET").arg(format!("hot:{i}")).ignore();
        }
        let _: () = p.query(&mut con).expect("GET pipeline");
    }
    let freq: i64 = redis::cmd("OBJECT")
        .arg("FREQ")
        .arg("hot:7")
        .query(&mut con)
        .expect("OBJECT FREQ");
    assert!(freq >= 20, "hot key counter {freq}");
    let cold: i64 = redis::cmd("OBJECT")
        .arg("FREQ")
        .arg("cold:7")
        .query(&mut con)
        .expect("OBJECT FREQ");
    assert!(cold <= 5, "cold key counter {cold}");
    limit(&mut con, "allkeys-lfu", 1 << 20);
    fill(&mut con, "new", 1500, |_| None);
    assert!(evicted(&mut con) > 300);
    let hot = exists(&mut con, "hot", 100);
    assert_eq!(hot, 100, "frequently read keys were evicted");
}

#[test]
fn volatile_policies_only_evict_keys_with_a_ttl() {
    for policy in [
        "volatile-lru",
        "volatile-lfu",
        "volatile-random",
        "volatile-ttl",
    ] {
        let (_s, mut con) = start(&[]);
        config_set(&mut con, "maxmemory-policy", policy);
        fill(&mut con, "keep", 300, |_| None);
        limit(&mut con, policy, 1 << 20);
        fill(&mut con, "tmp", 2500, |_| Some(10_000));
        assert!(evicted(&mut con) > 500, "{policy}");
        assert_eq!(exists(&mut con, "keep", 300), 300, "{policy}");
        // Once no key with a TTL is left, writes are refused.
        let mut refused = false;
        for i in 0..5000 {
            let r: redis::RedisResult<()> = redis::cmd("SET")
                .arg(format!("more:{i}"))
                .arg(value(i))
                .query(&mut con);
            if let Err(e) = r {
                assert!(e.to_string().contains("OOM"), "{policy}: {e}");
                refused = true;
                break;
            }
        }
        assert!(
            refused,
            "{policy}: persistent keys filled memory without an OOM"
        );
        assert_eq!(exists(&mut con, "keep", 300), 300, "{policy}");
    }
}

#[test]
fn volatile_ttl_evicts_the_nearest_expiry_first() {
    let (_s, mut con) = start(&[]);
    config_set(&mut con, "maxmemory-policy", "volatile-ttl");
    fill(&mut con, "soon", 1500, |_| Some(1000));
    fill(&mut con, "late", 500, |_| Some(1_000_000));
    limit(&mut con, "volatile-ttl", 1 << 20);
    fill(&mut con, "later", 1800, |_| Some(2_000_000));
    let gone = evicted(&mut con);
    assert!(gone > 300);
    let late = exists(&mut con, "late", 500);
    assert!(late >= 490, "{late} of 500 far-expiry keys survived");
}

#[test]
fn random_policies_evict() {
    for policy in ["allkeys-random", "volatile-random"] {
        let (_s, mut con) = start(&[]);
        let max = limit(&mut con, policy, 1 << 20);
        fill(&mut con, "k", 3000, |_| Some(100_000));
        assert!(evicted(&mut con) > 500, "{policy}");
        assert!(dbsize(&mut con) < 3000);
        assert!(used(&mut con) <= max + max / 20, "{policy}");
    }
}

#[test]
fn noeviction_refuses_writes_but_serves_reads_and_deletes() {
    let (_s, mut con) = start(&[]);
    fill(&mut con, "k", 10, |_| None);
    config_set(&mut con, "maxmemory", "1");
    let e = redis::cmd("SET")
        .arg("x")
        .arg("y")
        .query::<()>(&mut con)
        .expect_err("SET over maxmemory");
    assert_eq!(e.code(), Some("OOM"));
    assert!(
        e.to_string()
            .contains("command not allowed when used memory > 'maxmemory'"),
        "{e}"
    );
    let v: Vec<u8> = redis::cmd("GET").arg("k:3").query(&mut con).expect("GET");
    assert_eq!(v, value(3));
    let d: i64 = redis::cmd("DEL").arg("k:3").query(&mut con).expect("DEL");
    assert_eq!(d, 1);
    assert_eq!(evicted(&mut con), 0);
    config_set(&mut con, "maxmemory", "0");
    let _: () = redis::cmd("SET")
        .arg("x")
        .arg("y")
        .query(&mut con)
        .expect("SET");
}

#[test]
fn memory_stays_near_the_limit_under_sustained_writes() {
    sustained_writes(&[]);
}

/// The same with socket I/O on other threads (their buffers count in `used_memory` too).
#[test]
fn memory_stays_near_the_limit_with_io_threads() {
    sustained_writes(&["--io-threads", "2"]);
}

fn sustained_writes(extra: &[&str]) {
    let (_s, mut con) = start(extra);
    let max = limit(&mut con, "allkeys-lru", 4 << 20);
    let mut worst = 0;
    for round in 0..20 {
        fill(&mut con, &format!("r{round}"), 1000, |_| None);
        worst = worst.max(used(&mut con));
    }
    assert!(
        worst <= max + max / 20,
        "used_memory reached {worst} with maxmemory {max}"
    );
    assert!(evicted(&mut con) > 10_000);
    // The timers are numbers (their values depend on timing, so only their form is checked).
    for f in [
        "total_eviction_exceeded_time",
        "current_eviction_exceeded_time",
    ] {
        let v = info_field(&mut con, "stats", f);
        assert!(v.parse::<u64>().is_ok(), "{f}:{v}");
    }
}

#[test]
fn evictions_fire_keyspace_events() {
    let (s, mut con) = start(&[]);
    config_set(&mut con, "notify-keyspace-events", "Ee");
    let client = redis::Client::open(format!("redis://127.0.0.1:{}/", s.port())).expect("url");
    let mut sub_con = client.get_connection().expect("connect");
    let mut sub = sub_con.as_pubsub();
    sub.subscribe("__keyevent@0__:evicted").expect("SUBSCRIBE");
    sub.set_read_timeout(Some(std::time::Duration::from_secs(10)))
        .expect("timeout");
    limit(&mut con, "allkeys-random", 1 << 20);
    fill(&mut con, "k", 2000, |_| None);
    let msg = sub.get_message().expect("an evicted event");
    let key: String = msg.get_payload().expect("payload");
    assert!(key.starts_with("k:"), "{key}");
}

#[test]
fn object_freq_idletime_and_memory_usage() {
    let (_s, mut con) = start(&[]);
    let _: () = redis::cmd("SET")
        .arg("k")
        .arg(value(1))
        .query(&mut con)
        .expect("SET");
    let e = redis::cmd("OBJECT")
        .arg("FREQ")
        .arg("k")
        .query::<i64>(&mut con)
        .expect_err("FREQ under noeviction");
    assert!(e
        .to_string()
        .contains("An LFU maxmemory policy is not selected"));
    config_set(&mut con, "maxmemory-policy", "allkeys-lfu");
    config_set(&mut con, "lfu-log-factor", "0");
    for _ in 0..10 {
        let _: Vec<u8> = redis::cmd("GET").arg("k").query(&mut con).expect("GET");
    }
    let f: i64 = redis::cmd("OBJECT")
        .arg("FREQ")
        .arg("k")
        .query(&mut con)
        .expect("FREQ");
    assert!(f >= 10, "{f}");
    let e = redis::cmd("OBJECT")
        .arg("IDLETIME")
        .arg("k")
        .query::<i64>(&mut con)
        .expect_err("IDLETIME under LFU");
    assert!(e
        .to_string()
        .contains("An LFU maxmemory policy is selected"));
    let n: i64 = redis::cmd("MEMORY")
        .arg("USAGE")
        .arg("k")
        .query(&mut con)
        .expect("MEMORY USAGE");
    assert!((VALUE as i64..VALUE as i64 * 2).contains(&n), "{n}");
    let none: Option<i64> = redis::cmd("MEMORY")
        .arg("USAGE")
        .arg("missing")
        .query(&mut con)
        .expect("MEMORY USAGE");
    assert_eq!(none, None);
    // MEMORY STATS is a well-formed map with Redis's field names (the connection stays in step).
    let stats: Vec<redis::Value> = redis::cmd("MEMORY")
        .arg("STATS")
        .query(&mut con)
        .expect("MEMORY STATS");
    let names: Vec<String> = stats
        .iter()
        .step_by(2)
        .filter_map(|v| match v {
            redis::Value::BulkString(b) => Some(String::from_utf8_lossy(b).into_owned()),
            _ => None,
        })
        .collect();
    for f in [
        "peak.allocated",
        "total.allocated",
        "db.0",
        "keys.count",
        "dataset.bytes",
        "fragmentation.bytes",
    ] {
        assert!(names.iter().any(|n| n == f), "{f} missing from {names:?}");
    }
    assert_eq!(names.len() * 2, stats.len());
    let _: () = redis::cmd("CLIENT")
        .arg("NO-EVICT")
        .arg("on")
        .query(&mut con)
        .expect("NO-EVICT");
    let me: String = redis::cmd("CLIENT")
        .arg("INFO")
        .query(&mut con)
        .expect("CLIENT INFO");
    assert!(me.contains(" flags=e "), "{me}");
}

#[test]
fn lfu_counters_survive_a_reload() {
    let (_s, mut con) = start(&["--enable-debug-command", "yes"]);
    config_set(&mut con, "maxmemory-policy", "allkeys-lfu");
    config_set(&mut con, "lfu-log-factor", "0");
    let _: () = redis::cmd("SET")
        .arg("k")
        .arg("v")
        .query(&mut con)
        .expect("SET");
    for _ in 0..10 {
        let _: Vec<u8> = redis::cmd("GET").arg("k").query(&mut con).expect("GET");
    }
    let _: () = redis::cmd("DEBUG")
        .arg("RELOAD")
        .query(&mut con)
        .expect("DEBUG RELOAD");
    let f: i64 = redis::cmd("OBJECT")
        .arg("FREQ")
        .arg("k")
        .query(&mut con)
        .expect("FREQ");
    // 5 + 10 reads, less at most one minute of decay.
    assert!(f == 14 || f == 15, "{f}");
}

#[test]
fn exec_holding_a_write_is_refused_when_memory_ran_out_meanwhile() {
    let (s, mut con) = start(&[]);
    let mut other = redis::Client::open(format!("redis://127.0.0.1:{}/", s.port()))
        .and_then(|c| c.get_connection())
        .expect("connect");
    let _: () = redis::cmd("SET")
        .arg("k")
        .arg("v")
        .query(&mut con)
        .expect("SET");
    let _: () = redis::cmd("MULTI").query(&mut con).expect("MULTI");
    let q: String = redis::cmd("SET")
        .arg("a")
        .arg("b")
        .query(&mut con)
        .expect("queue");
    assert_eq!(q, "QUEUED");
    config_set(&mut other, "maxmemory", "1");
    let e = redis::cmd("EXEC")
        .query::<redis::Value>(&mut con)
        .expect_err("EXEC of a write over maxmemory");
    let text = e.to_string();
    assert!(
        text.to_ascii_lowercase().contains("execabort") && text.contains("OOM command not allowed"),
        "{text}"
    );
    // A transaction of reads still runs.
    config_set(&mut other, "maxmemory", "0");
    let _: () = redis::cmd("MULTI").query(&mut con).expect("MULTI");
    let _: String = redis::cmd("GET")
        .arg("k")
        .query(&mut con)
        .expect("queue GET");
    config_set(&mut other, "maxmemory", "1");
    let r: Vec<String> = redis::cmd("EXEC").query(&mut con).expect("EXEC of a read");
    assert_eq!(r, ["v"]);
    config_set(&mut other, "maxmemory", "0");
    let none: Option<String> = redis::cmd("GET").arg("a").query(&mut con).expect("GET");
    assert_eq!(none, None);
}

#[test]
fn eviction_touches_watched_keys() {
    let (s, mut con) = start(&[]);
    let mut other = redis::Client::open(format!("redis://127.0.0.1:{}/", s.port()))
        .and_then(|c| c.get_connection())
        .expect("connect");
    config_set(&mut con, "maxmemory-policy", "allkeys-lru");
    restore_idle(&mut con, "w", 1, 1_000_000);
    let _: () = redis::cmd("WATCH")
        .arg("w:0")
        .query(&mut con)
        .expect("WATCH");
    limit(&mut other, "allkeys-lru", 1 << 20);
    let mut round = 0;
    loop {
        fill(&mut other, &format!("f{round}"), 500, |_| None);
        let e: i64 = redis::cmd("EXISTS")
            .arg("w:0")
            .query(&mut other)
            .expect("EXISTS");
        if e == 0 {
            break;
        }
        round += 1;
        assert!(round < 20, "the idle watched key was never evicted");
    }
    let _: () = redis::cmd("MULTI").query(&mut con).expect("MULTI");
    let _: String = redis::cmd("PING").query(&mut con).expect("queue");
    config_set(&mut other, "maxmemory", "0");
    let r: redis::Value = redis::cmd("EXEC").query(&mut con).expect("EXEC");
    assert_eq!(
        r,
        redis::Value::Nil,
        "EXEC ran although its watched key was evicted"
    );
}

#[test]
fn memory_usage_is_close_to_the_real_bytes() {
    let (_s, mut con) = start(&[]);
    for kind in ["hash", "list", "set", "zset", "string"] {
        let before = used(&mut con);
        for chunk in (0..5000).collect::<Vec<usize>>().chunks(500) {
            let mut p = redis::pipe();
            for &i in chunk {
                let f = format!("field:{i}");
                match kind {
                    "hash" => p.cmd("HSET").arg(kind).arg(&f).arg("v".repeat(20)),
                    "list" => p.cmd("RPUSH").arg(kind).arg(&f),
                    "set" => p.cmd("SADD").arg(kind).arg(&f),
                    "zset" => p.cmd("ZADD").arg(kind).arg(i).arg(&f),
                    _ => p.cmd("APPEND").arg(kind).arg(&f),
                };
                p.ignore();
            }
            let _: () = p.query(&mut con).expect("fill");
        }
        let delta = used(&mut con).saturating_sub(before) as f64;
        let usage: i64 = redis::cmd("MEMORY")
            .arg("USAGE")
            .arg(kind)
            .arg("SAMPLES")
            .arg(0)
            .query(&mut con)
            .expect("MEMORY USAGE");
        let ratio = usage as f64 / delta;
        assert!(
            (0.6..1.4).contains(&ratio),
            "{kind}: MEMORY USAGE {usage}, used_memory grew by {delta}"
        );
    }
}
