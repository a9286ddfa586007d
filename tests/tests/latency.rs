//! Latency observability against real redis-server 7.0: per-command latency histograms (INFO
//! latencystats, LATENCY HISTOGRAM, `latency-tracking`, CONFIG RESETSTAT) and the latency
//! monitor (LATENCY LATEST / HISTORY / RESET / DOCTOR).
//!
//! Timings differ between two servers, so only what does not depend on them is compared byte
//! for byte: which commands have histograms and how many calls each holds, the shape and labels
//! of every line, and the bucket of a DEBUG SLEEP of 25 ms (any duration from 16.8 to 33.8 ms
//! lands in the bucket that ends at 33816 µs).

use std::collections::BTreeMap;
use zedis_tests::{escape, Kind, RawConn, Server};

fn start(kind: Kind) -> Server {
    Server::start(kind, &["--enable-debug-command", "yes"]).unwrap_or_else(|e| panic!("{e:#}"))
}

fn req(c: &mut RawConn, args: &[&str]) -> Vec<u8> {
    c.request(args)
        .unwrap_or_else(|e| panic!("{args:?} failed: {e}"))
}

fn text(reply: &[u8]) -> String {
    let s = String::from_utf8_lossy(reply).into_owned();
    match s.split_once("\r\n") {
        Some((head, rest)) if head.starts_with('$') => rest.trim_end_matches("\r\n").to_string(),
        _ => panic!("not a bulk string: {}", escape(reply)),
    }
}

/// INFO latencystats as command → (labels, values) in order.
fn latencystats(c: &mut RawConn) -> BTreeMap<String, Vec<(String, f64)>> {
    let body = text(&req(c, &["INFO", "latencystats"]));
    let mut out = BTreeMap::new();
    for line in body
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
    {
        let (name, rest) = line
            .strip_prefix("latency_percentiles_usec_")
            .and_then(|l| l.split_once(':'))
            .unwrap_or_else(|| panic!("unexpected latencystats line {line:?}"));
        let values = rest
            .split(',')
            .map(|kv| {
                let (k, v) = kv.split_once('=').expect("label=value");
                let parts: Vec<&str> = v.split('.').collect();
                assert!(
                    parts.len() == 2 && parts[1].len() == 3,
                    "value {v:?} not printed with 3 decimals"
                );
                (k.to_string(), v.parse::<f64>().expect("number"))
            })
            .collect();
        out.insert(name.to_string(), values);
    }
    out
}

/// The same scenario on one server; returns what must be equal across servers.
fn scenario(kind: Kind) -> Vec<(String, String)> {
    let server = start(kind);
    let mut c = server.connect();
    let mut seen = Vec::new();
    let mut note = |what: &str, v: String| seen.push((what.to_string(), v));

    for _ in 0..3 {
        req(&mut c, &["SET", "k", "v"]);
    }
    req(&mut c, &["GET", "k"]);
    req(&mut c, &["CONFIG", "SET", "maxmemory-samples", "5"]);
    req(&mut c, &["DEBUG", "SLEEP", "0.025"]);

    // The sleep's bucket, byte for byte.
    note(
        "LATENCY HISTOGRAM debug",
        escape(&req(&mut c, &["LATENCY", "HISTOGRAM", "debug"])),
    );
    // A container name stands for its subcommands; unknown names are skipped.
    let h = req(&mut c, &["LATENCY", "HISTOGRAM", "config", "nosuchcommand"]);
    let h = escape(&h);
    assert!(h.contains("config|set"), "{h}");
    note(
        "histogram names for CONFIG",
        h.split(":").next().unwrap_or("").to_string(),
    );
    note(
        "LATENCY HISTOGRAM nosuch",
        escape(&req(&mut c, &["LATENCY", "HISTOGRAM", "nosuchcommand"])),
    );

    let stats = latencystats(&mut c);
    let names: Vec<&String> = stats.keys().collect();
    note("latencystats commands", format!("{names:?}"));
    for (name, values) in &stats {
        let labels: Vec<&str> = values.iter().map(|(l, _)| l.as_str()).collect();
        note(&format!("labels of {name}"), format!("{labels:?}"));
        // Percentiles never decrease.
        assert!(
            values.windows(2).all(|w| w[0].1 <= w[1].1),
            "{kind:?} {name}: {values:?}"
        );
    }
    let debug_p50 = stats["debug"][0].1;
    assert!(
        (25_000.0..34_000.0).contains(&debug_p50),
        "{kind:?}: DEBUG SLEEP 0.025 p50 {debug_p50}"
    );

    // Other percentiles, printed as `%f` trimmed.
    req(
        &mut c,
        &[
            "CONFIG",
            "SET",
            "latency-tracking-info-percentiles",
            "12.5 99.99 100",
        ],
    );
    let labels: Vec<String> = latencystats(&mut c)["set"]
        .iter()
        .map(|(l, _)| l.clone())
        .collect();
    note("custom labels", format!("{labels:?}"));

    // Tracking off: histograms stay as they are.
    req(&mut c, &["CONFIG", "SET", "latency-tracking", "no"]);
    req(&mut c, &["GET", "k"]);
    req(&mut c, &["GET", "k"]);
    note(
        "GET histogram after tracking off",
        escape(&req(&mut c, &["LATENCY", "HISTOGRAM", "get"]))
            .split("histogram_usec")
            .next()
            .unwrap_or("")
            .to_string(),
    );
    req(&mut c, &["CONFIG", "SET", "latency-tracking", "yes"]);

    // RESETSTAT forgets them (the RESETSTAT itself is then the first call tracked).
    req(&mut c, &["CONFIG", "RESETSTAT"]);
    let after = escape(&req(&mut c, &["LATENCY", "HISTOGRAM"]));
    note(
        "after RESETSTAT",
        after
            .split("histogram_usec")
            .next()
            .unwrap_or("")
            .to_string(),
    );
    seen
}

#[test]
fn latency_histograms_match_redis() {
    let redis = scenario(Kind::Redis);
    let zedis = scenario(Kind::Zedis);
    assert_eq!(redis.len(), zedis.len());
    for (r, z) in redis.iter().zip(&zedis) {
        assert_eq!(r, z, "redis-server (left) and zedis (right) differ");
    }
}

/// The latency monitor: events recorded past the threshold, LATEST/HISTORY shapes, RESET
/// counts, and DOCTOR explaining what it saw (its wording is our own; Redis's is compared only
/// for being a bulk string).
#[test]
fn latency_monitor_and_doctor() {
    for kind in [Kind::Redis, Kind::Zedis] {
        let server = start(kind);
        let mut c = server.connect();
        let off = text(&req(&mut c, &["LATENCY", "DOCTOR"]));
        assert!(!off.is_empty());
        if kind == Kind::Zedis {
            assert!(off.contains("latency-monitor-threshold"), "{off}");
        }
        req(
            &mut c,
            &["CONFIG", "SET", "latency-monitor-threshold", "10"],
        );
        req(&mut c, &["DEBUG", "SLEEP", "0.03"]);
        req(&mut c, &["DEBUG", "SLEEP", "0"]);
        let latest = req(&mut c, &["LATENCY", "LATEST"]);
        let shown = String::from_utf8_lossy(&latest);
        assert!(
            shown.starts_with("*1\r\n*4\r\n$7\r\ncommand\r\n:"),
            "{kind:?}: {shown:?}"
        );
        let history = req(&mut c, &["LATENCY", "HISTORY", "command"]);
        let history = String::from_utf8_lossy(&history);
        assert!(
            history.starts_with("*1\r\n*2\r\n:"),
            "{kind:?}: {history:?}"
        );
        let doctor = text(&req(&mut c, &["LATENCY", "DOCTOR"]));
        assert!(doctor.contains("command"), "{kind:?}: {doctor}");
        if kind == Kind::Zedis {
            assert!(doctor.contains("1 spike"), "{doctor}");
            assert!(doctor.contains("SLOWLOG"), "{doctor}");
        }
        assert_eq!(
            req(&mut c, &["LATENCY", "RESET", "command", "nosuchevent"]),
            b":1\r\n"
        );
        assert_eq!(req(&mut c, &["LATENCY", "LATEST"]), b"*0\r\n");
    }
}
