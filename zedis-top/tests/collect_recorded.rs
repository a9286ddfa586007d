//! The collect module against replies recorded from redis-server and zedis
//! (`tests/data/`, see its README): every section parses, the numbers are the recorded ones,
//! and a command zedis lacks (MEMORY STATS) becomes an unavailable section, not an error.

use std::path::PathBuf;
use zedis::resp::Frame;
use zedis_top::collect::{Rates, Replies, Section, Snapshot};

pub fn load(server: &str, what: &str) -> Frame {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(format!("{server}-{what}.resp"));
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    match Frame::parse(&bytes) {
        Ok(Some((f, n))) if n == bytes.len() => f,
        other => panic!("{}: not one whole RESP frame: {other:?}", path.display()),
    }
}

fn snapshot(server: &str) -> Snapshot {
    let r = Replies {
        info: load(server, "info"),
        client_list: load(server, "client-list"),
        slowlog: load(server, "slowlog"),
        config: load(server, "config"),
        latency: load(server, "latency"),
        memory_stats: load(server, "memory-stats"),
    };
    Snapshot::from_replies(&r, 1_000, 0)
}

#[test]
fn both_servers_parse_to_the_same_shape() {
    for (server, port) in [("redis", 7391), ("zedis", 7392)] {
        let s = snapshot(server);
        let i = s.info.ok().unwrap_or_else(|| panic!("{server}: INFO"));
        assert_eq!(i.redis_version.as_deref(), Some("7.0.15"), "{server}");
        assert_eq!(i.tcp_port, Some(port), "{server}");
        assert_eq!(i.role.as_deref(), Some("master"), "{server}");
        assert!(i.used_memory.is_some_and(|m| m > 0), "{server}");
        assert_eq!(i.keyspace_hits, Some(1), "{server}");
        assert_eq!(i.keyspace_misses, Some(1), "{server}");
        assert_eq!(i.keyspace.len(), 2, "{server}");
        assert_eq!((i.keyspace[0].keys, i.keyspace[0].expires), (60, 10));
        assert_eq!((i.keyspace[1].db, i.keyspace[1].keys), (3, 5));
        let set = i
            .commandstats
            .iter()
            .find(|c| c.name == "set")
            .unwrap_or_else(|| panic!("{server}: cmdstat_set"));
        assert_eq!(set.calls, 60, "{server}");
        assert_eq!(s.maxmemory(), Some(0), "{server}");
        assert_eq!(s.maxmemory_policy().as_deref(), Some("noeviction"));
        assert_eq!(s.aof_enabled(), Some(false), "{server}");

        let clients = s
            .clients
            .ok()
            .unwrap_or_else(|| panic!("{server}: clients"));
        assert_eq!(clients.len(), 1, "{server}");
        assert_eq!(clients[0].name, "recorder");
        assert_eq!(clients[0].cmd, "client|list");
        assert!(clients[0].tot_mem.is_some());

        let slow = s
            .slowlog
            .ok()
            .unwrap_or_else(|| panic!("{server}: slowlog"));
        assert_eq!(slow.len(), 10, "{server}");
        assert_eq!(slow[0].args, ["CLIENT", "LIST"], "{server}");
        assert_eq!(slow[0].client_name.as_deref(), Some("recorder"));
        assert!(slow
            .iter()
            .any(|e| e.args.first().is_some_and(|a| a == "DEBUG")));

        let config = s.config.ok().unwrap_or_else(|| panic!("{server}: config"));
        assert_eq!(config.get("databases"), Some("16"), "{server}");

        let lat = s
            .latency
            .ok()
            .unwrap_or_else(|| panic!("{server}: latency"));
        assert_eq!(lat.len(), 1, "{server}");
        assert_eq!(lat[0].event, "command");
    }
}

#[test]
fn memory_stats_from_redis_and_its_absence_in_zedis() {
    let r = snapshot("redis");
    let m = r.memory_stats.ok().expect("redis MEMORY STATS");
    assert_eq!(m.get("keys.count"), Some(65.0));
    assert!(m
        .get("db.0.overhead.hashtable.main")
        .is_some_and(|v| v > 0.0));
    assert!(m.get("fragmentation").is_some_and(|v| v > 0.0));

    let z = snapshot("zedis");
    match &z.memory_stats {
        Section::Unavailable { unavailable } => {
            assert!(unavailable.contains("unknown command"), "{unavailable}")
        }
        other => panic!("zedis has no MEMORY STATS yet, got {other:?}"),
    }
}

#[test]
fn rates_between_recorded_snapshots_of_one_server_are_zero_or_absent() {
    let a = snapshot("redis");
    let mut b = a.clone();
    b.at_ms += 2_000;
    let r = Rates::between(&a, &b).expect("rates");
    assert_eq!(r.ops_per_sec, Some(0.0));
    assert_eq!(r.hit_ratio, None, "no lookups in the interval");
    assert!(r.commands.iter().all(|c| c.calls_per_sec == 0.0));
}

#[test]
fn json_of_a_recorded_snapshot_names_every_section() {
    let z = snapshot("zedis");
    let v: serde_json::Value = serde_json::to_value(&z).expect("json");
    for key in [
        "info",
        "clients",
        "slowlog",
        "config",
        "latency",
        "memory_stats",
    ] {
        assert!(v.get(key).is_some(), "{key} missing in {v}");
    }
    assert!(v["memory_stats"]["unavailable"].is_string());
    assert_eq!(v["info"]["tcp_port"], 7392);
}
