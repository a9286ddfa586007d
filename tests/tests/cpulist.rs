//! `server_cpulist` / `bio_cpulist` on redis-server 7.0 and zedis: which CPUs each thread may
//! run on, read from /proc/PID/task/*/status (`Cpus_allowed_list`).
//!
//! Roles are compared, not thread names: Redis's main thread and zedis's event-loop thread are
//! the process's first thread; Redis's background threads are `bio_*`, zedis's the AOF writer
//! `zedis-aof` (started by `appendonly yes`). The snapshot-writer lists (`bgsave_cpulist`,
//! `aof_rewrite_cpulist`) apply to short-lived threads (children in Redis) and are not checked
//! here.

use std::collections::BTreeSet;
use std::time::Duration;
use zedis_tests::{Kind, Server};

/// The CPUs this process may use (the server starts with the same set).
fn own_cpus() -> String {
    allowed(&std::fs::read_to_string("/proc/self/status").expect("read /proc/self/status"))
}

fn allowed(status: &str) -> String {
    status
        .lines()
        .find_map(|l| l.strip_prefix("Cpus_allowed_list:"))
        .map(|v| v.trim().to_string())
        .expect("Cpus_allowed_list line")
}

/// The main thread's CPUs and the distinct CPU lists of the background threads.
type Pinning = (String, BTreeSet<String>);

fn threads(server: &Server) -> Pinning {
    let pid = server.pid();
    let mut main = None;
    let mut bio = BTreeSet::new();
    let tasks = std::fs::read_dir(format!("/proc/{pid}/task")).expect("read task dir");
    for t in tasks.flatten() {
        let tid: u32 = t.file_name().to_string_lossy().parse().expect("tid");
        let comm = std::fs::read_to_string(t.path().join("comm")).unwrap_or_default();
        let comm = comm.trim();
        let Ok(status) = std::fs::read_to_string(t.path().join("status")) else {
            continue;
        };
        if tid == pid {
            main = Some(allowed(&status));
        } else if comm.starts_with("bio_") || comm == "zedis-aof" {
            bio.insert(allowed(&status));
        }
    }
    let main = main.expect("main thread");
    assert!(
        !bio.is_empty(),
        "{}: no background thread found",
        server.kind().name()
    );
    (main, bio)
}

fn start(kind: Kind, extra: &[&str]) -> Server {
    let mut args = vec!["--appendonly", "yes"];
    args.extend_from_slice(extra);
    Server::start(kind, &args).unwrap_or_else(|e| panic!("{e:#}"))
}

/// The first and last CPU this process may use (the same one on a 1-CPU machine).
fn two_cpus() -> (String, String) {
    let list = own_cpus();
    let first = list.split([',', '-']).next().expect("a CPU").to_string();
    let last = list.rsplit([',', '-']).next().expect("a CPU").to_string();
    (first, last)
}

#[test]
fn server_and_bio_lists_pin_the_same_roles_as_redis() {
    let (a, b) = two_cpus();
    let all = own_cpus();
    let cases: Vec<(Vec<&str>, Pinning)> = vec![
        (vec![], (all.clone(), BTreeSet::from([all.clone()]))),
        (
            vec!["--server_cpulist", &a],
            // Background threads keep the process's set (Redis starts them before pinning).
            (a.clone(), BTreeSet::from([all.clone()])),
        ),
        (
            vec!["--server_cpulist", &a, "--bio_cpulist", &b],
            (a.clone(), BTreeSet::from([b.clone()])),
        ),
        (
            vec!["--bio_cpulist", &b],
            (all.clone(), BTreeSet::from([b.clone()])),
        ),
    ];
    for (args, want) in &cases {
        for kind in [Kind::Redis, Kind::Zedis] {
            let s = start(kind, args);
            let got = threads(&s);
            assert_eq!(&got, want, "{} with {args:?}", kind.name());
        }
    }
}

#[test]
fn io_threads_follow_server_cpulist() {
    let (a, _) = two_cpus();
    let s = start(Kind::Zedis, &["--io-threads", "2", "--server_cpulist", &a]);
    let pid = s.pid();
    let mut io = 0;
    for t in std::fs::read_dir(format!("/proc/{pid}/task"))
        .expect("task dir")
        .flatten()
    {
        let comm = std::fs::read_to_string(t.path().join("comm")).unwrap_or_default();
        if comm.trim() == "zedis-io" || comm.trim() == "zedis-store" {
            io += 1;
            let status = std::fs::read_to_string(t.path().join("status")).expect("status");
            assert_eq!(allowed(&status), a, "{}", comm.trim());
        }
    }
    assert!(
        io >= 2,
        "expected the store thread and I/O threads, found {io}"
    );
}

#[test]
fn a_malformed_list_is_refused_with_the_reason() {
    // Redis ignores it silently (docs/compat.md); zedis names the parameter and the syntax.
    for bad in ["0-", "3-1", "x", "0-4:0"] {
        let out = Server::run_to_exit(
            Kind::Zedis,
            &["--server_cpulist", bad],
            Duration::from_secs(20),
        )
        .unwrap_or_else(|e| panic!("{e:#}"));
        assert!(!out.status.success(), "{bad}: {}", out.log);
        assert!(
            out.log.contains("server_cpulist") && out.log.contains("not a CPU list"),
            "{bad}: {}",
            out.log
        );
    }
    let s = Server::start(Kind::Redis, &["--server_cpulist", "3-1"]);
    assert!(
        s.is_ok(),
        "redis-server refused a malformed list: {:?}",
        s.err()
    );
}
