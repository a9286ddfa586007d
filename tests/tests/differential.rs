//! The differential test: every corpus case runs against a real redis-server and against zedis,
//! and every reply must be byte-identical. `ZEDIS_DIFF_FILTER=prefix[,prefix...]` runs a subset.

use zedis_tests::corpus::{default_dir, filter_cases, load_dir};
use zedis_tests::diff::diff;
use zedis_tests::Server;

/// Arguments given to both servers on top of the harness defaults.
const SERVER_ARGS: &[&str] = &[];

/// Prefixes every case name must start with (keeps filters and reports predictable).
const PREFIXES: &[&str] = &[
    "conn/", "strings/", "bits/", "keys/", "expire/", "server/", "proto/",
];

#[test]
fn corpus_is_well_formed() {
    let cases = load_dir(&default_dir()).unwrap_or_else(|e| panic!("{e:#}"));
    assert!(cases.len() >= 450, "corpus shrank to {} cases", cases.len());
    for case in &cases {
        assert!(
            PREFIXES.iter().any(|p| case.name.starts_with(p)),
            "{}:{}: case {:?} lacks a known prefix {PREFIXES:?}",
            case.file,
            case.line,
            case.name
        );
    }
}

#[test]
fn redis_and_zedis_reply_identically() {
    let filter = std::env::var("ZEDIS_DIFF_FILTER").unwrap_or_default();
    let all = load_dir(&default_dir()).unwrap_or_else(|e| panic!("{e:#}"));
    let cases = filter_cases(all, &filter);
    assert!(
        !cases.is_empty(),
        "ZEDIS_DIFF_FILTER={filter:?} matched no case"
    );

    let mut redis = Server::redis(SERVER_ARGS);
    let mut zedis = Server::zedis(SERVER_ARGS);
    let summary = diff(redis.port(), zedis.port(), &cases);

    eprint!("{}", summary.report("redis", "zedis"));
    for server in [&mut redis, &mut zedis] {
        if !server.is_running() {
            eprintln!(
                "{} exited during the run; its output:\n{}",
                server.kind().name(),
                server.log_text()
            );
        }
    }
    assert!(
        summary.mismatches.is_empty(),
        "{} replies differ between redis-server and zedis (report above)",
        summary.mismatches.len()
    );
}
