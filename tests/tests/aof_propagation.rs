//! AOF propagation, differentially: every case of `corpus/aof/propagation.txt` runs against
//! redis-server 7.0 with `appendonly yes` and the commands it appended to its incr file are
//! compared with `corpus/aof/propagation.expected` (so that file is Redis's word, checked on
//! every run; `ZEDIS_UPDATE_AOF=1` rewrites it from Redis). The same cases run through zedis's
//! engine in-process (propagation logged to memory) and through the zedis binary with an AOF,
//! and must log exactly the same commands. The same cases also compare, command by command, how
//! much each raises the change counter (INFO `rdb_changes_since_last_save`) on both servers.
//!
//! `ZEDIS_AOF_FILTER=prefix` runs a subset.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use bytes::{Bytes, BytesMut};
use zedis::commands;
use zedis::config::Config;
use zedis::server::mailbox::Mailbox;
use zedis::server::state::{Client, Engine};
use zedis_tests::aof_log::{
    current_incr_file, format_expected, parse_commands, parse_expected, render_all,
};
use zedis_tests::corpus::{parse, Action, Case};
use zedis_tests::{RawConn, Server};

const HEADER: &str = "# What redis-server 7.0 appends to its AOF for each case of propagation.txt \
(after the case's FLUSHALL).\n# Generated: ZEDIS_UPDATE_AOF=1 cargo test -p zedis-tests --test \
aof_propagation redis_server\n";

/// An AOF, written before each reply is sent; DEBUG for SET-ACTIVE-EXPIRE.
const SERVER_ARGS: &[&str] = &[
    "--appendonly",
    "yes",
    "--appendfsync",
    "always",
    "--enable-debug-command",
    "yes",
];

/// Cases the in-process run skips: eviction needs the server's memory accounting (its
/// allocator's statistics), which an engine inside a test process does not have.
const SERVER_ONLY: &[&str] = &["aof/eviction"];

fn corpus_dir() -> PathBuf {
    zedis_tests::corpus::default_dir().join("aof")
}

fn cases() -> Vec<Case> {
    let path = corpus_dir().join("propagation.txt");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let cases = parse(&text, "propagation.txt").unwrap_or_else(|e| panic!("{e:#}"));
    for c in &cases {
        assert!(
            c.name.starts_with("aof/"),
            "{}: name must start with aof/",
            c.name
        );
    }
    let filter = std::env::var("ZEDIS_AOF_FILTER").unwrap_or_default();
    zedis_tests::corpus::filter_cases(cases, &filter)
}

fn expected() -> BTreeMap<String, Vec<String>> {
    let path = corpus_dir().join("propagation.expected");
    let text = std::fs::read_to_string(&path).unwrap_or_default();
    parse_expected(&text).unwrap_or_else(|e| panic!("{}: {e:#}", path.display()))
}

fn unix_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

/// `BG CMD ...`: a command for a second client that blocks.
fn background(args: &[Vec<u8>]) -> Option<&[Vec<u8>]> {
    match args.split_first() {
        Some((first, rest)) if first.as_slice() == b"BG" => Some(rest),
        _ => None,
    }
}

fn blocked_clients(conn: &mut RawConn) -> usize {
    let info = conn.request(&["INFO", "clients"]).unwrap_or_default();
    let text = String::from_utf8_lossy(&info);
    text.lines()
        .find_map(|l| l.strip_prefix("blocked_clients:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0)
}

/// Runs `case` on a server with an open AOF and returns the lines it appended after its
/// FLUSHALL.
fn run_on_server(server: &Server, case: &Case) -> Vec<String> {
    let mut conn = server.connect();
    conn.request(&["FLUSHALL"]).expect("FLUSHALL");
    let file = current_incr_file(server.dir(), "appendonlydir").expect("the server's incr AOF");
    let start = std::fs::metadata(&file).map(|m| m.len()).unwrap_or(0);
    let mut bg = Vec::new();
    // The main connection's database (BG clients start in it); SELECT inside MULTI is not
    // tracked, so cases do not block after one.
    let mut db = "0".to_string();
    let mut in_multi = false;
    for step in &case.steps {
        match &step.action {
            Action::Sleep(d) => std::thread::sleep(*d),
            Action::Raw(bytes) => {
                let _ = conn.send_raw(bytes);
                let _ = conn.read_until_quiet(Duration::from_millis(200));
            }
            Action::Command { args, .. } => {
                if let Some(cmd) = background(args) {
                    let mut c = server.connect();
                    let select = ["SELECT".to_string(), db.to_string()];
                    c.request(&select)
                        .expect("select the background client's database");
                    c.send(cmd).expect("send a background command");
                    bg.push(c);
                    let deadline = Instant::now() + Duration::from_secs(5);
                    while blocked_clients(&mut conn) < bg.len() {
                        assert!(
                            Instant::now() < deadline,
                            "{}: `{}` did not block",
                            case.name,
                            step.text
                        );
                        std::thread::sleep(Duration::from_millis(5));
                    }
                } else {
                    let reply = conn
                        .request(args)
                        .unwrap_or_else(|e| panic!("{}: `{}`: {e}", case.name, step.text));
                    // Outside a transaction, a successful SELECT moves the connection.
                    if args[0].eq_ignore_ascii_case(b"select") && reply == b"+OK\r\n" && !in_multi {
                        db = String::from_utf8_lossy(&args[1]).into_owned();
                    }
                    if args[0].eq_ignore_ascii_case(b"multi") {
                        in_multi = true;
                    }
                    if args[0].eq_ignore_ascii_case(b"exec")
                        || args[0].eq_ignore_ascii_case(b"discard")
                    {
                        in_multi = false;
                    }
                }
            }
        }
    }
    // Served background clients got their replies after the log was written (appendfsync
    // always): reading them is not needed.
    let data = std::fs::read(&file).expect("read the incr AOF");
    let tail = data.get(start as usize..).unwrap_or_default();
    let cmds =
        parse_commands(tail).unwrap_or_else(|e| panic!("{}: bad AOF tail: {e:#}", case.name));
    render_all(&cmds, unix_ms())
}

/// Runs `case` through zedis's engine in-process with propagation logged to memory; the clock
/// is fixed at the case's start and `!sleep` moves it on.
fn run_in_process(case: &Case) -> Vec<String> {
    let start_ms = unix_ms();
    let mut eng = Engine::new(Config::default(), start_ms);
    eng.store.now_ms = start_ms;
    eng.prop.enabled = true;
    eng.aof.log_to_memory();
    let new_client = |id: u64| {
        Client::new(
            id,
            format!("127.0.0.1:{id}"),
            String::new(),
            0,
            false,
            Arc::new(Mailbox::new()),
            start_ms,
        )
    };
    let mut main = new_client(1);
    let mut next_id = 2;
    let mut clock = Instant::now();
    let mut out = BytesMut::new();
    // No save points: FLUSHALL would write a dump.rdb into the working directory.
    eng.config.save.clear();
    for step in &case.steps {
        match &step.action {
            Action::Sleep(d) => eng.store.now_ms += d.as_millis() as u64,
            Action::Raw(_) => panic!("{}: raw steps are not supported here", case.name),
            Action::Command { args, .. } => {
                let (client, args) = match background(args) {
                    Some(rest) => {
                        next_id += 1;
                        let mut c = new_client(next_id);
                        c.db = main.db;
                        (Some(c), rest)
                    }
                    None => (None, args.as_slice()),
                };
                let argv: Vec<Bytes> = args.iter().map(|a| Bytes::copy_from_slice(a)).collect();
                match client {
                    Some(mut c) => {
                        commands::execute(&mut eng, &mut c, &argv, &mut out, &mut clock);
                        assert!(
                            c.blocked.is_some(),
                            "{}: `{}` did not block",
                            case.name,
                            step.text
                        );
                        eng.clients.insert(c.id, Box::new(c));
                    }
                    None => commands::execute(&mut eng, &mut main, &argv, &mut out, &mut clock),
                }
                if !eng.store.signals.ready.is_empty() {
                    zedis::server::blocking::handle_ready(&mut eng);
                }
                out.clear();
            }
        }
    }
    let log = eng.aof.take_log();
    let mut cmds = parse_commands(&log).unwrap_or_else(|e| panic!("{}: bad log: {e:#}", case.name));
    // The in-memory log starts with no database selected; a server's log is in db 0 after the
    // case's FLUSHALL.
    if cmds
        .first()
        .is_some_and(|c| c == &[b"SELECT".to_vec(), b"0".to_vec()])
    {
        cmds.remove(0);
    }
    render_all(&cmds, eng.store.now_ms)
}

/// Compares what each case logged with the expected file; one report for every mismatch.
fn check(who: &str, got: &[(String, Vec<String>)]) {
    let want = expected();
    let mut report = String::new();
    for (name, lines) in got {
        match want.get(name) {
            None => report.push_str(&format!(
                "{name}: not in propagation.expected (regenerate it from Redis)\n"
            )),
            Some(w) if w != lines => {
                report.push_str(&format!("{name}:\n  Redis: {w:?}\n  {who}: {lines:?}\n"))
            }
            Some(_) => {}
        }
    }
    assert!(report.is_empty(), "{who} logs differ from Redis:\n{report}");
}

#[test]
fn redis_server_matches_expected() {
    let server = Server::redis(SERVER_ARGS);
    let cases = cases();
    let got: Vec<(String, Vec<String>)> = cases
        .iter()
        .map(|c| (c.name.clone(), run_on_server(&server, c)))
        .collect();
    if std::env::var_os("ZEDIS_UPDATE_AOF").is_some() {
        let path = corpus_dir().join("propagation.expected");
        std::fs::write(&path, format_expected(HEADER, &got)).expect("write the expected file");
    }
    check("redis-server", &got);
}

#[test]
fn zedis_engine_matches_redis() {
    let got: Vec<(String, Vec<String>)> = cases()
        .iter()
        .filter(|c| !SERVER_ONLY.contains(&c.name.as_str()))
        .map(|c| (c.name.clone(), run_in_process(c)))
        .collect();
    check("zedis (in-process)", &got);
}

#[test]
fn zedis_server_matches_redis() {
    let server = Server::zedis(SERVER_ARGS);
    let got: Vec<(String, Vec<String>)> = cases()
        .iter()
        .map(|c| (c.name.clone(), run_on_server(&server, c)))
        .collect();
    check("zedis", &got);
}

fn changes_since_save(conn: &mut RawConn) -> i64 {
    let info = conn.request(&["INFO", "persistence"]).unwrap_or_default();
    String::from_utf8_lossy(&info)
        .lines()
        .find_map(|l| l.strip_prefix("rdb_changes_since_last_save:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(-1)
}

/// Runs `case` and returns, for each command of the main connection, how much it raised the
/// server's change counter (INFO `rdb_changes_since_last_save`: Redis's `server.dirty`).
fn dirty_deltas(server: &Server, case: &Case) -> Vec<String> {
    let mut conn = server.connect();
    conn.request(&["FLUSHALL"]).expect("FLUSHALL");
    let mut bg = Vec::new();
    let mut db = "0".to_string();
    let mut deltas = Vec::new();
    let mut before = 0;
    let mut multi_before: Option<i64> = None;
    for step in &case.steps {
        match &step.action {
            Action::Sleep(d) => std::thread::sleep(*d),
            Action::Raw(_) => panic!("{}: raw steps are not supported here", case.name),
            Action::Command { args, .. } => {
                if let Some(cmd) = background(args) {
                    let mut c = server.connect();
                    c.request(&["SELECT".to_string(), db.clone()])
                        .expect("select the background client's database");
                    c.send(cmd).expect("send a background command");
                    bg.push(c);
                    let deadline = Instant::now() + Duration::from_secs(5);
                    while blocked_clients(&mut conn) < bg.len() {
                        assert!(Instant::now() < deadline, "{}: did not block", case.name);
                        std::thread::sleep(Duration::from_millis(5));
                    }
                    continue;
                }
                // INFO inside MULTI would be queued: a transaction is counted as a whole, from
                // before its MULTI to after its EXEC or DISCARD.
                let is = |name: &[u8]| args[0].eq_ignore_ascii_case(name);
                if multi_before.is_none() {
                    before = changes_since_save(&mut conn);
                }
                let reply = conn
                    .request(args)
                    .unwrap_or_else(|e| panic!("{}: `{}`: {e}", case.name, step.text));
                if is(b"select") && reply == b"+OK\r\n" && multi_before.is_none() {
                    db = String::from_utf8_lossy(&args[1]).into_owned();
                }
                if is(b"multi") && reply == b"+OK\r\n" {
                    multi_before = Some(before);
                    continue;
                }
                if multi_before.is_some() && !is(b"exec") && !is(b"discard") {
                    continue;
                }
                let start = multi_before.take().unwrap_or(before);
                let after = changes_since_save(&mut conn);
                deltas.push(format!("{} => {}", step.text, after - start));
            }
        }
    }
    deltas
}

/// Every command raises the change counter by what Redis's raises `server.dirty` (save points
/// and INFO depend on the amount, not only on whether anything changed).
#[test]
fn zedis_counts_changes_as_redis() {
    let args = &["--enable-debug-command", "yes"];
    let redis = Server::redis(args);
    let zedis = Server::zedis(args);
    let mut report = String::new();
    for case in cases() {
        let want = dirty_deltas(&redis, &case);
        let got = dirty_deltas(&zedis, &case);
        if want != got {
            report.push_str(&format!(
                "{}:\n  Redis: {want:?}\n  zedis: {got:?}\n",
                case.name
            ));
        }
    }
    assert!(report.is_empty(), "change counts differ:\n{report}");
}
