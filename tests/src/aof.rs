//! The append-only-file scenarios, written once and run against any server [`Kind`]:
//! `tests/tests/aof_redis.rs` runs them against redis-server 7.0.15 (the specification) and
//! `tests/tests/aof.rs` against zedis.
//!
//! Owns the scenarios (crash under load with each fsync policy, torn tails, corruption in the
//! middle, Redis-made appendonlydirs, rewrite under load, round trips of every type with expiries,
//! INFO fields) and the small helpers they share: reading a multi-part AOF manifest, splitting an
//! AOF file into commands, and a key-by-key digest of a server's contents. Everything is observed
//! from the outside (files on disk, replies, exit status, log text); nothing here knows how either
//! server is built. Only the zedis-specific wording of a refusal (`zedis-aof fix`) is checked
//! for [`Kind::Zedis`] alone.
//!
//! Environment: `ZEDIS_AOF_CRASH_CYCLES` runs more kill/restart cycles than the default 20;
//! `ZEDIS_AOF_SEED` repeats a run's random kill moments (each crash test prints its seed).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use redis::{Connection, Value};

use crate::conn::RawConn;
use crate::server::{Kind, Server};
use crate::tempdir::TempDir;

/// The AOF directory name both servers use by default (`appenddirname`).
pub const AOF_DIR: &str = "appendonlydir";

/// How long a refused start may take before the test gives up on it.
const REFUSAL_TIMEOUT: Duration = Duration::from_secs(20);

/// How long background work the tests wait for (a rewrite, history-file removal) may take.
const BACKGROUND_TIMEOUT: Duration = Duration::from_secs(60);

// ---------------------------------------------------------------------------------------------
// Servers, connections, randomness
// ---------------------------------------------------------------------------------------------

/// Starts a server of `kind` with its data in `data` (so a later start on the same directory
/// finds the files) and `--appendonly yes` before `extra`.
pub fn start(kind: Kind, data: &Path, extra: &[&str]) -> Server {
    let dir = data.to_string_lossy().into_owned();
    let mut args = vec!["--dir", dir.as_str(), "--appendonly", "yes"];
    args.extend_from_slice(extra);
    Server::start(kind, &args).unwrap_or_else(|e| panic!("{e:#}"))
}

/// A `redis` crate connection to 127.0.0.1:`port`.
pub fn client(port: u16) -> Connection {
    let client = redis::Client::open(format!("redis://127.0.0.1:{port}/"))
        .unwrap_or_else(|e| panic!("bad client address for port {port}: {e}"));
    let c = client
        .get_connection_with_timeout(Duration::from_secs(5))
        .unwrap_or_else(|e| panic!("cannot connect to port {port}: {e}"));
    c.set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap_or_else(|e| panic!("cannot set a read timeout: {e}"));
    c
}

/// Sends one command and panics with the server's words unless it succeeds.
fn run<T: redis::FromRedisValue>(c: &mut Connection, args: &[&str]) -> T {
    let mut cmd = redis::cmd(args[0]);
    for a in &args[1..] {
        cmd.arg(*a);
    }
    cmd.query(c)
        .unwrap_or_else(|e| panic!("{} failed: {e}", args.join(" ")))
}

/// A small xorshift generator: the tests need reproducible random delays, not a crate.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// Seeded from `ZEDIS_AOF_SEED` when set, else from the clock; the seed is printed so a
    /// failing run can be repeated.
    pub fn from_env(label: &str) -> Self {
        let seed = std::env::var("ZEDIS_AOF_SEED")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| {
                SystemTime::now()
                    .duration_since(UNIX_EPOCH)
                    .map(|d| d.as_nanos() as u64)
                    .unwrap_or(0x2545_f491_4f6c_dd1d)
            });
        eprintln!("{label}: ZEDIS_AOF_SEED={seed}");
        Rng(seed | 1)
    }

    /// The next pseudo-random number.
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// A duration drawn uniformly from `lo..=hi` milliseconds.
    pub fn millis(&mut self, lo: u64, hi: u64) -> Duration {
        Duration::from_millis(lo + self.next_u64() % (hi - lo + 1))
    }
}

/// A count from the environment variable `name`, else `default`.
fn env_count(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

/// The `field:value` lines of `INFO section`.
pub fn info(c: &mut Connection, section: &str) -> BTreeMap<String, String> {
    let text: String = run(c, &["INFO", section]);
    text.lines()
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.to_string(), v.trim().to_string()))
        .collect()
}

fn info_field(c: &mut Connection, field: &str) -> String {
    info(c, "persistence")
        .remove(field)
        .unwrap_or_else(|| panic!("INFO persistence has no {field}"))
}

// ---------------------------------------------------------------------------------------------
// Files: manifest and commands
// ---------------------------------------------------------------------------------------------

/// One line of a multi-part AOF manifest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManifestEntry {
    /// File name inside the AOF directory.
    pub name: String,
    /// Sequence number.
    pub seq: u64,
    /// `b` (base), `h` (history) or `i` (incr).
    pub kind: char,
}

/// Reads `<aof dir>/appendonly.aof.manifest` (`file <name> seq <n> type <b|h|i>` lines; `#`
/// lines are comments).
pub fn read_manifest(aof_dir: &Path) -> Result<Vec<ManifestEntry>, String> {
    let path = aof_dir.join("appendonly.aof.manifest");
    let text = std::fs::read_to_string(&path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.starts_with('#') || line.is_empty() {
            continue;
        }
        let words: Vec<&str> = line.split_whitespace().collect();
        let mut entry = ManifestEntry {
            name: String::new(),
            seq: 0,
            kind: '?',
        };
        for pair in words.chunks(2) {
            match pair {
                ["file", v] => entry.name = v.trim_matches('"').to_string(),
                ["seq", v] => entry.seq = v.parse().map_err(|_| format!("line {}: seq", n + 1))?,
                ["type", v] => entry.kind = v.chars().next().unwrap_or('?'),
                _ => {}
            }
        }
        if entry.name.is_empty() || !"bhi".contains(entry.kind) {
            return Err(format!("{}: bad line {}: {line}", path.display(), n + 1));
        }
        out.push(entry);
    }
    Ok(out)
}

/// The path of the manifest's last incr file.
pub fn last_incr(aof_dir: &Path) -> PathBuf {
    let manifest = read_manifest(aof_dir).unwrap_or_else(|e| panic!("{e}"));
    let last = manifest
        .iter()
        .filter(|e| e.kind == 'i')
        .max_by_key(|e| e.seq)
        .unwrap_or_else(|| panic!("the manifest names no incr file: {manifest:?}"));
    aof_dir.join(&last.name)
}

/// One command in an AOF file: its byte range and arguments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Span {
    /// Offset of its `*`.
    pub start: usize,
    /// Offset just past its last CRLF.
    pub end: usize,
    /// Its arguments.
    pub args: Vec<Vec<u8>>,
}

impl Span {
    /// The command name, upper-cased.
    pub fn name(&self) -> String {
        self.args
            .first()
            .map(|a| String::from_utf8_lossy(a).to_ascii_uppercase())
            .unwrap_or_default()
    }
}

/// Splits a RESP AOF file (an incr file or a RESP base) into commands, skipping `#` annotation
/// lines (`#TS:`). Lengths are checked against the bytes present before anything is taken.
pub fn commands(bytes: &[u8]) -> Result<Vec<Span>, String> {
    fn line(bytes: &[u8], at: usize) -> Result<(&[u8], usize), String> {
        let rest = bytes.get(at..).unwrap_or_default();
        let end = rest
            .windows(2)
            .position(|w| w == b"\r\n")
            .ok_or_else(|| format!("unterminated line at byte {at}"))?;
        Ok((&rest[..end], at + end + 2))
    }
    fn number(text: &[u8], at: usize) -> Result<usize, String> {
        std::str::from_utf8(text)
            .ok()
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| format!("bad number at byte {at}"))
    }
    let mut out = Vec::new();
    let mut at = 0;
    while at < bytes.len() {
        let (head, next) = line(bytes, at)?;
        if head.first() == Some(&b'#') {
            at = next;
            continue;
        }
        let argc = match head.split_first() {
            Some((b'*', n)) => number(n, at)?,
            _ => return Err(format!("expected '*' at byte {at}")),
        };
        let start = at;
        at = next;
        let mut args = Vec::new();
        for _ in 0..argc {
            let (head, next) = line(bytes, at)?;
            let len = match head.split_first() {
                Some((b'$', n)) => number(n, at)?,
                _ => return Err(format!("expected '$' at byte {at}")),
            };
            let arg = bytes
                .get(next..next.saturating_add(len))
                .filter(|a| a.len() == len)
                .ok_or_else(|| format!("argument past the end at byte {next}"))?;
            if bytes.get(next + len..next + len + 2) != Some(b"\r\n") {
                return Err(format!("no CRLF after the argument at byte {next}"));
            }
            args.push(arg.to_vec());
            at = next + len + 2;
        }
        out.push(Span {
            start,
            end: at,
            args,
        });
    }
    Ok(out)
}

/// Copies the files of directory `from` into a fresh directory `to` (flat: AOF dirs have no
/// subdirectories).
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap_or_else(|e| panic!("mkdir {}: {e}", to.display()));
    let entries =
        std::fs::read_dir(from).unwrap_or_else(|e| panic!("read_dir {}: {e}", from.display()));
    for entry in entries {
        let entry = entry.unwrap_or_else(|e| panic!("read_dir {}: {e}", from.display()));
        let dest = to.join(entry.file_name());
        std::fs::copy(entry.path(), &dest)
            .unwrap_or_else(|e| panic!("copy {}: {e}", entry.path().display()));
    }
}

/// The names of the files in `dir`.
fn file_names(dir: &Path) -> BTreeSet<String> {
    std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("read_dir {}: {e}", dir.display()))
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Contents
// ---------------------------------------------------------------------------------------------

/// Key-by-key contents: (db, key) → (type, canonical value, has a TTL).
pub type Digest = BTreeMap<(u32, Vec<u8>), (String, String, bool)>;

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

/// Every key of databases `0..dbs` with its type, a canonical rendering of its value (hash
/// fields and set members sorted: their order is the encoding's business) and whether it has a
/// TTL. The same digest works on any server.
pub fn digest(port: u16, dbs: u32) -> Digest {
    let mut c = client(port);
    let mut out = Digest::new();
    for db in 0..dbs {
        let _: () = run(&mut c, &["SELECT", &db.to_string()]);
        let keys: Vec<Vec<u8>> = redis::cmd("KEYS")
            .arg("*")
            .query(&mut c)
            .unwrap_or_else(|e| panic!("KEYS: {e}"));
        for chunk in keys.chunks(500) {
            let mut p = redis::pipe();
            for k in chunk {
                p.cmd("TYPE").arg(k);
            }
            let types: Vec<String> = p.query(&mut c).unwrap_or_else(|e| panic!("TYPE: {e}"));
            let mut p = redis::pipe();
            for (k, t) in chunk.iter().zip(&types) {
                match t.as_str() {
                    "string" => p.cmd("GET").arg(k),
                    "list" => p.cmd("LRANGE").arg(k).arg(0).arg(-1),
                    "set" => p.cmd("SMEMBERS").arg(k),
                    "hash" => p.cmd("HGETALL").arg(k),
                    "zset" => p.cmd("ZRANGE").arg(k).arg(0).arg(-1).arg("WITHSCORES"),
                    // A key that expired between KEYS and TYPE, or a type we do not compare.
                    _ => p.cmd("TYPE").arg(k),
                };
                p.cmd("PTTL").arg(k);
            }
            let replies: Vec<Value> = p.query(&mut c).unwrap_or_else(|e| panic!("values: {e}"));
            for (i, (k, t)) in chunk.iter().zip(types).enumerate() {
                let (Some(v), Some(ttl)) = (replies.get(2 * i), replies.get(2 * i + 1)) else {
                    panic!("short pipeline reply");
                };
                let value = match (t.as_str(), v) {
                    ("hash", Value::Array(items)) => {
                        let mut pairs: Vec<(String, String)> = items
                            .chunks(2)
                            .map(|p| (render(&p[0]), p.get(1).map(render).unwrap_or_default()))
                            .collect();
                        pairs.sort();
                        format!("{pairs:?}")
                    }
                    ("set", Value::Array(items)) => {
                        let mut members: Vec<String> = items.iter().map(render).collect();
                        members.sort();
                        format!("{members:?}")
                    }
                    _ => render(v),
                };
                let has_ttl = matches!(ttl, Value::Int(n) if *n >= 0);
                out.insert((db, k.clone()), (t, value, has_ttl));
            }
        }
    }
    out
}

/// Explains how two digests differ (the first few keys, long values shortened), for assertion
/// messages.
pub fn digest_diff(want: &Digest, got: &Digest) -> String {
    let key = |(db, k): &(u32, Vec<u8>)| format!("db{db} {}", crate::escape(k));
    let short = |v: &(String, String, bool)| {
        let mut text: String = v.1.chars().take(120).collect();
        if text.len() < v.1.len() {
            text.push_str("...");
        }
        format!("{} {text} ttl:{}", v.0, v.2)
    };
    let mut lines = Vec::new();
    for (k, v) in want {
        match got.get(k) {
            None => lines.push(format!("missing {} = {}", key(k), short(v))),
            Some(g) if g != v => {
                lines.push(format!("{}: want {}, got {}", key(k), short(v), short(g)))
            }
            _ => {}
        }
    }
    for (k, v) in got {
        if !want.contains_key(k) {
            lines.push(format!("extra {} = {}", key(k), short(v)));
        }
    }
    let n = lines.len();
    lines.truncate(20);
    format!("{n} differences:\n{}", lines.join("\n"))
}

/// PTTL of every key with a TTL in databases `0..dbs`.
fn pttls(port: u16, dbs: u32) -> BTreeMap<(u32, Vec<u8>), i64> {
    let mut c = client(port);
    let mut out = BTreeMap::new();
    for db in 0..dbs {
        let _: () = run(&mut c, &["SELECT", &db.to_string()]);
        let keys: Vec<Vec<u8>> = redis::cmd("KEYS")
            .arg("*")
            .query(&mut c)
            .unwrap_or_else(|e| panic!("KEYS: {e}"));
        for k in keys {
            let ms: i64 = redis::cmd("PTTL")
                .arg(&k)
                .query(&mut c)
                .unwrap_or_else(|e| panic!("PTTL: {e}"));
            if ms >= 0 {
                out.insert((db, k), ms);
            }
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Writers under load
// ---------------------------------------------------------------------------------------------

/// What one writer saw acknowledged before its connection broke.
#[derive(Debug, Default)]
struct Acks {
    /// Keys set (value = the key's own index), with the time each reply arrived.
    keys: Vec<(String, String, Instant)>,
    /// Every INCR reply of this writer's counter, with its arrival time.
    incrs: Vec<(i64, Instant)>,
    /// An unexpected reply, which fails the test.
    error: Option<String>,
}

/// Writes `SET <prefix>:<i> <i>` then `INCR <counter>` until the connection fails or `stop`
/// is set, recording every acknowledged write (and counting acknowledged SETs in `progress`).
fn writer(
    mut conn: RawConn,
    prefix: String,
    counter: Option<String>,
    stop: Arc<AtomicBool>,
    progress: Arc<AtomicUsize>,
) -> Acks {
    let mut acks = Acks::default();
    let mut i: u64 = 0;
    while !stop.load(Ordering::Relaxed) {
        let key = format!("{prefix}:{i}");
        let value = i.to_string();
        match conn.request(&["SET", key.as_str(), value.as_str()]) {
            Ok(reply) if reply == b"+OK\r\n" => {
                acks.keys.push((key, value, Instant::now()));
                progress.fetch_add(1, Ordering::Relaxed);
            }
            Ok(reply) => {
                acks.error = Some(format!("SET {key}: {}", crate::escape(&reply)));
                break;
            }
            Err(_) => break, // the server is gone: that is the point
        }
        if let Some(counter) = &counter {
            match conn.request(&["INCR", counter.as_str()]) {
                Ok(reply) => {
                    let n = reply
                        .strip_prefix(b":")
                        .and_then(|r| r.strip_suffix(b"\r\n"))
                        .and_then(|d| std::str::from_utf8(d).ok())
                        .and_then(|d| d.parse::<i64>().ok());
                    match n {
                        Some(n) => acks.incrs.push((n, Instant::now())),
                        None => {
                            acks.error = Some(format!("INCR: {}", crate::escape(&reply)));
                            break;
                        }
                    }
                }
                Err(_) => break,
            }
        }
        i += 1;
    }
    acks
}

/// Values of `keys` (MGET in chunks).
fn mget(c: &mut Connection, keys: &[&str]) -> Vec<Option<String>> {
    let mut out = Vec::with_capacity(keys.len());
    for chunk in keys.chunks(1000) {
        let vals: Vec<Option<String>> = redis::cmd("MGET")
            .arg(chunk)
            .query(c)
            .unwrap_or_else(|e| panic!("MGET: {e}"));
        out.extend(vals);
    }
    out
}

// ---------------------------------------------------------------------------------------------
// 1 + 2: kill -9 under load
// ---------------------------------------------------------------------------------------------

/// How a crash scenario is run.
#[derive(Debug, Clone, Copy)]
pub struct CrashPlan {
    /// `appendfsync` value.
    pub fsync: &'static str,
    /// Number of kill/restart cycles.
    pub cycles: usize,
    /// Writes acknowledged more than this long before the kill must survive; `None`: every
    /// acknowledged write must survive.
    pub loss_window: Option<Duration>,
}

/// Scenario 1: `appendfsync always`, 4 writers, SIGKILL after 50–400 ms, ≥ 20 cycles
/// (`ZEDIS_AOF_CRASH_CYCLES` for more): every acknowledged write survives every restart.
pub fn crash_always(kind: Kind) {
    crash(
        kind,
        CrashPlan {
            fsync: "always",
            cycles: env_count("ZEDIS_AOF_CRASH_CYCLES", 20).max(20),
            loss_window: None,
        },
    );
}

/// Scenario 2: the same with `appendfsync everysec`: a write acknowledged more than 3 s before
/// the kill survives. Redis promises about a second; under load it postpones its write(2) while
/// a background fsync runs, for up to two seconds (whole seconds of its clock), so it really
/// loses up to ~2 s to a kill -9; the margin is generous on top of that. Every fifth cycle runs
/// 3.5–5 s so that the bound has writes to hold (≥ 20 cycles, `ZEDIS_AOF_CRASH_CYCLES`).
pub fn crash_everysec(kind: Kind) {
    crash(
        kind,
        CrashPlan {
            fsync: "everysec",
            cycles: env_count("ZEDIS_AOF_CRASH_CYCLES", 20).max(20),
            loss_window: Some(Duration::from_secs(3)),
        },
    );
}

/// Runs a crash plan: see [`crash_always`] and [`crash_everysec`].
pub fn crash(kind: Kind, plan: CrashPlan) {
    const WRITERS: usize = 4;
    let mut rng = Rng::from_env(&format!("crash {} {}", kind.name(), plan.fsync));
    let data = TempDir::new("aof-crash").expect("temp dir");
    let args = ["--appendfsync", plan.fsync];
    // Keys found after a crash: compared again, all of them, after the last one.
    let mut durable: Vec<(String, String)> = Vec::new();
    // Per writer: the highest counter value acknowledged (at most one more INCR can be in
    // flight, so the counter never exceeds it by more than one).
    let mut counter_ceiling = [0i64; WRITERS];
    let mut lost_total = 0usize;
    let mut oldest_lost = Duration::ZERO;
    let mut acked_total = 0usize;
    let mut server = start(kind, data.path(), &args);
    for cycle in 0..plan.cycles {
        // Load, then a crash at a random moment.
        let stop = Arc::new(AtomicBool::new(false));
        let handles: Vec<_> = (0..WRITERS)
            .map(|t| {
                let conn = server.connect();
                let stop = Arc::clone(&stop);
                let prefix = format!("k:{cycle}:{t}");
                let counter = Some(format!("ctr:{t}"));
                let progress = Arc::new(AtomicUsize::new(0));
                thread::spawn(move || writer(conn, prefix, counter, stop, progress))
            })
            .collect();
        let delay = match plan.loss_window {
            Some(_) if cycle % 5 == 4 => rng.millis(3500, 5000),
            _ => rng.millis(50, 400),
        };
        thread::sleep(delay);
        let killed_at = Instant::now();
        server.kill();
        let acks: Vec<Acks> = handles
            .into_iter()
            .map(|h| h.join().expect("writer thread panicked"))
            .collect();
        // What must have survived.
        let must = |at: Instant| match plan.loss_window {
            None => true,
            Some(w) => at + w < killed_at,
        };
        server = start(kind, data.path(), &args);
        let mut c = client(server.port());
        for (t, a) in acks.iter().enumerate() {
            if let Some(e) = &a.error {
                panic!("cycle {cycle}: writer {t} got an unexpected reply: {e}");
            }
            let keys: Vec<&str> = a.keys.iter().map(|(k, _, _)| k.as_str()).collect();
            acked_total += keys.len();
            for ((k, want, at), got) in a.keys.iter().zip(mget(&mut c, &keys)) {
                match got {
                    Some(g) => {
                        assert_eq!(&g, want, "cycle {cycle}: key {k} has a wrong value");
                        durable.push((k.clone(), want.clone()));
                    }
                    None if must(*at) => panic!(
                        "cycle {cycle}: key {k} acknowledged {:?} before the kill is lost \
                         ({} appendfsync {})",
                        killed_at.duration_since(*at),
                        kind.name(),
                        plan.fsync
                    ),
                    None => {
                        lost_total += 1;
                        oldest_lost = oldest_lost.max(killed_at.duration_since(*at));
                    }
                }
            }
            let v: Option<i64> = run(&mut c, &["GET", &format!("ctr:{t}")]);
            let v = v.unwrap_or(0);
            if let Some((floor, at)) = a.incrs.iter().rev().find(|(_, at)| must(*at)) {
                assert!(
                    v >= *floor,
                    "cycle {cycle}: counter {t} is {v}, but {floor} was acknowledged {:?} \
                     before the kill",
                    killed_at.duration_since(*at)
                );
            }
            if let Some((n, _)) = a.incrs.last() {
                counter_ceiling[t] = counter_ceiling[t].max(*n);
            }
            assert!(
                v <= counter_ceiling[t] + 1,
                "cycle {cycle}: counter {t} is {v}, above {} acknowledged + 1 in flight",
                counter_ceiling[t]
            );
            // A lost INCR may be acknowledged again with the same value later.
            counter_ceiling[t] = v;
        }
        let size: usize = run(&mut c, &["DBSIZE"]);
        assert!(
            size >= durable.len(),
            "cycle {cycle}: {size} keys, but {} were found after the crashes so far",
            durable.len()
        );
    }
    // Everything found after each crash is still there after the last one.
    let mut c = client(server.port());
    let keys: Vec<&str> = durable.iter().map(|(k, _)| k.as_str()).collect();
    for ((k, want), got) in durable.iter().zip(mget(&mut c, &keys)) {
        assert_eq!(
            got.as_deref(),
            Some(want.as_str()),
            "acknowledged key {k} lost after a later crash ({} {})",
            kind.name(),
            plan.fsync
        );
    }
    eprintln!(
        "crash {} appendfsync {}: {} cycles, {acked_total} keys acknowledged, {lost_total} lost \
         inside the allowed window (the oldest acknowledged {oldest_lost:?} before its kill)",
        kind.name(),
        plan.fsync,
        plan.cycles
    );
    assert!(acked_total > 0, "no write was ever acknowledged");
}

// ---------------------------------------------------------------------------------------------
// 3: torn tail
// ---------------------------------------------------------------------------------------------

/// Writes `commands` through one connection to a fresh `appendfsync always` server in `data`,
/// then kills it. Returns the path of the last incr file.
fn write_then_kill(kind: Kind, data: &Path, commands: &[Vec<&str>]) -> PathBuf {
    let server = start(kind, data, &["--appendfsync", "always"]);
    let mut c = client(server.port());
    for cmd in commands {
        let _: Value = run(&mut c, cmd);
    }
    drop(c);
    server.kill();
    last_incr(&data.join(AOF_DIR))
}

/// Replaces the AOF directory in `data` with a copy of `pristine`.
fn restore(pristine: &Path, data: &Path) {
    let dir = data.join(AOF_DIR);
    let _ = std::fs::remove_dir_all(&dir);
    copy_dir(pristine, &dir);
}

fn truncate(file: &Path, len: usize) {
    let f = std::fs::OpenOptions::new()
        .write(true)
        .open(file)
        .unwrap_or_else(|e| panic!("open {}: {e}", file.display()));
    f.set_len(len as u64)
        .unwrap_or_else(|e| panic!("truncate {}: {e}", file.display()));
}

fn file_len(file: &Path) -> usize {
    std::fs::metadata(file)
        .unwrap_or_else(|e| panic!("stat {}: {e}", file.display()))
        .len() as usize
}

/// Starts on `data` expecting a refusal: non-zero exit and a log naming `file_name`. Returns the
/// log.
fn expect_refusal(kind: Kind, data: &Path, extra: &[&str], file_name: &str, what: &str) -> String {
    let dir = data.to_string_lossy().into_owned();
    let mut args = vec!["--dir", dir.as_str(), "--appendonly", "yes"];
    args.extend_from_slice(extra);
    let exited = Server::run_to_exit(kind, &args, REFUSAL_TIMEOUT)
        .unwrap_or_else(|e| panic!("{what}: expected a refusal to start: {e:#}"));
    assert!(
        !exited.status.success(),
        "{what}: exited with {} (expected a failure); log:\n{}",
        exited.status,
        exited.log
    );
    assert!(
        exited.log.contains(file_name),
        "{what}: the log does not name {file_name}:\n{}",
        exited.log
    );
    exited.log
}

/// Scenario 3: a torn last command in the last incr file. With `aof-load-truncated yes` the
/// server starts with every whole command applied and the file cut back to the last whole
/// command (for every cut inside a short last command); with `no` it refuses, naming the file.
/// An unfinished MULTI at the tail is rolled back to before the MULTI.
pub fn torn_tail(kind: Kind) {
    let data = TempDir::new("aof-torn").expect("temp dir");
    let mut cmds: Vec<Vec<&str>> = Vec::new();
    let keys: Vec<String> = (0..10).map(|i| format!("k{i}")).collect();
    for k in &keys {
        cmds.push(vec!["SET", k.as_str(), "value"]);
    }
    cmds.push(vec!["RPUSH", "list", "a", "b"]);
    cmds.push(vec!["SET", "last", "v"]);
    let incr = write_then_kill(kind, data.path(), &cmds);
    let incr_name = file_name(&incr);
    let pristine = TempDir::new("aof-torn-pristine").expect("temp dir");
    let pristine_dir = pristine.path().join("copy");
    copy_dir(&data.path().join(AOF_DIR), &pristine_dir);
    let bytes = std::fs::read(&incr).expect("read incr");
    let spans = commands(&bytes).unwrap_or_else(|e| panic!("{}: {e}", incr.display()));
    let last = spans.last().expect("an empty incr file");
    assert_eq!(
        last.args,
        vec![b"SET".to_vec(), b"last".to_vec(), b"v".to_vec()],
        "the last command in {incr_name} is not the last one sent"
    );
    let check_loaded = |port: u16, what: &str| {
        let mut c = client(port);
        let got: Vec<Option<String>> = redis::cmd("MGET")
            .arg(&keys)
            .query(&mut c)
            .unwrap_or_else(|e| panic!("MGET: {e}"));
        assert!(
            got.iter().all(|v| v.as_deref() == Some("value")),
            "{what}: whole commands not applied: {got:?}"
        );
        let list: Vec<String> = run(&mut c, &["LRANGE", "list", "0", "-1"]);
        assert_eq!(list, ["a", "b"], "{what}");
        let n: i64 = run(&mut c, &["EXISTS", "last"]);
        assert_eq!(n, 0, "{what}: the torn command was applied");
        let size: i64 = run(&mut c, &["DBSIZE"]);
        assert_eq!(size, 11, "{what}: DBSIZE");
    };
    for cut in last.start + 1..last.end {
        let what = format!("{} cut at byte {cut} of {incr_name}", kind.name());
        restore(&pristine_dir, data.path());
        truncate(&incr, cut);
        let server = start(kind, data.path(), &["--aof-load-truncated", "yes"]);
        check_loaded(server.port(), &what);
        assert_eq!(
            file_len(&incr),
            last.start,
            "{what}: the file is not cut back to the last whole command"
        );
        server.kill();
    }
    // With aof-load-truncated no: a refusal naming the file, for cuts at a few places.
    for cut in [last.start + 1, (last.start + last.end) / 2, last.end - 1] {
        let what = format!("{} cut at byte {cut}, aof-load-truncated no", kind.name());
        restore(&pristine_dir, data.path());
        truncate(&incr, cut);
        expect_refusal(
            kind,
            data.path(),
            &["--aof-load-truncated", "no"],
            &incr_name,
            &what,
        );
        assert_eq!(
            file_len(&incr),
            cut,
            "{what}: a refused start changed the file"
        );
    }

    // An unfinished MULTI at the tail is rolled back to before the MULTI.
    let data = TempDir::new("aof-torn-multi").expect("temp dir");
    let server = start(kind, data.path(), &["--appendfsync", "always"]);
    let mut c = client(server.port());
    let _: () = run(&mut c, &["SET", "before", "1"]);
    let mut raw = server.connect();
    for (cmd, want) in [
        (vec!["MULTI"], &b"+OK\r\n"[..]),
        (vec!["SET", "t1", "x"], b"+QUEUED\r\n"),
        (vec!["SET", "t2", "y"], b"+QUEUED\r\n"),
        (vec!["INCR", "t3"], b"+QUEUED\r\n"),
        (vec!["EXEC"], b"*3\r\n+OK\r\n+OK\r\n:1\r\n"),
    ] {
        let reply = raw
            .request(&cmd)
            .unwrap_or_else(|e| panic!("{}: {e}", cmd.join(" ")));
        assert_eq!(reply, want, "{}", cmd.join(" "));
    }
    drop(c);
    server.kill();
    let incr = last_incr(&data.path().join(AOF_DIR));
    let incr_name = file_name(&incr);
    let pristine = TempDir::new("aof-torn-multi-pristine").expect("temp dir");
    let pristine_dir = pristine.path().join("copy");
    copy_dir(&data.path().join(AOF_DIR), &pristine_dir);
    let bytes = std::fs::read(&incr).expect("read incr");
    let spans = commands(&bytes).unwrap_or_else(|e| panic!("{}: {e}", incr.display()));
    let names: Vec<String> = spans.iter().map(Span::name).collect();
    let multi = spans
        .iter()
        .rposition(|s| s.name() == "MULTI")
        .unwrap_or_else(|| panic!("no MULTI in {incr_name}: {names:?}"));
    let exec = spans.last().expect("empty incr");
    assert_eq!(
        exec.name(),
        "EXEC",
        "{incr_name} does not end with EXEC: {names:?}"
    );
    assert!(
        multi + 2 < spans.len(),
        "{incr_name}: nothing queued after MULTI"
    );
    let multi_start = spans[multi].start;
    // Cuts: every byte inside EXEC, exactly before EXEC (whole commands, no EXEC), and inside
    // the last queued command.
    let queued = &spans[spans.len() - 2];
    let mut cuts: Vec<usize> = (exec.start..exec.end).collect();
    cuts.push((queued.start + queued.end) / 2);
    for cut in cuts {
        let what = format!("{} MULTI torn at byte {cut} of {incr_name}", kind.name());
        restore(&pristine_dir, data.path());
        truncate(&incr, cut);
        // The start of the command the cut tears (the cut itself when it falls between two).
        let torn_start = spans
            .iter()
            .rev()
            .find(|s| s.start <= cut)
            .map_or(0, |s| s.start);
        // Redis cuts a torn command off first and drops the unfinished MULTI (whole commands
        // without EXEC) at the next start; cutting straight back to the MULTI is as good. Either
        // way, after a second start the file ends before the MULTI and nothing of it applied.
        for start_no in 1..=2 {
            let server = start(kind, data.path(), &["--aof-load-truncated", "yes"]);
            let mut c = client(server.port());
            let before: Option<String> = run(&mut c, &["GET", "before"]);
            assert_eq!(before.as_deref(), Some("1"), "{what}, start {start_no}");
            let n: i64 = run(&mut c, &["EXISTS", "t1", "t2", "t3"]);
            assert_eq!(
                n, 0,
                "{what}, start {start_no}: part of the unfinished transaction was applied"
            );
            let len = file_len(&incr);
            if start_no == 1 {
                assert!(
                    len == multi_start || len == torn_start,
                    "{what}: the file is {len} bytes, not cut back to the torn command \
                     ({torn_start}) or to before the MULTI ({multi_start})"
                );
            } else {
                assert_eq!(
                    len, multi_start,
                    "{what}: after a second start the file still holds the unfinished MULTI"
                );
            }
            drop(c);
            server.kill();
        }
    }
    restore(&pristine_dir, data.path());
    truncate(&incr, exec.start + 3);
    expect_refusal(
        kind,
        data.path(),
        &["--aof-load-truncated", "no"],
        &incr_name,
        "MULTI torn, aof-load-truncated no",
    );
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

// ---------------------------------------------------------------------------------------------
// 4: corruption in the middle
// ---------------------------------------------------------------------------------------------

/// Scenario 4: a bad `$` length in the middle of the incr file is not a torn tail: the server
/// refuses to start even with `aof-load-truncated yes`, naming the file (zedis also the offset
/// or line, and `zedis-aof fix`).
pub fn corrupt_middle(kind: Kind) {
    let data = TempDir::new("aof-corrupt").expect("temp dir");
    let values: Vec<String> = (0..40).map(|i| format!("value-{i:04}")).collect();
    let keys: Vec<String> = (0..40).map(|i| format!("key-{i:04}")).collect();
    let cmds: Vec<Vec<&str>> = keys
        .iter()
        .zip(&values)
        .map(|(k, v)| vec!["SET", k.as_str(), v.as_str()])
        .collect();
    let incr = write_then_kill(kind, data.path(), &cmds);
    let incr_name = file_name(&incr);
    let pristine = TempDir::new("aof-corrupt-pristine").expect("temp dir");
    let pristine_dir = pristine.path().join("copy");
    copy_dir(&data.path().join(AOF_DIR), &pristine_dir);
    let bytes = std::fs::read(&incr).expect("read incr");
    let spans = commands(&bytes).unwrap_or_else(|e| panic!("{}: {e}", incr.display()));
    assert!(
        spans.len() >= cmds.len(),
        "{incr_name} holds {} commands, {} were sent",
        spans.len(),
        cmds.len()
    );
    let victim = &spans[spans.len() / 2];
    // The value's length line: `$10\r\n` inside the victim (its third argument).
    let value = victim.args.last().expect("no args");
    let needle = format!("${}\r\n{}", value.len(), String::from_utf8_lossy(value));
    let rel = bytes[victim.start..victim.end]
        .windows(needle.len())
        .position(|w| w == needle.as_bytes())
        .expect("the value's length line");
    let dollar = victim.start + rel;
    let line_of = |offset: usize| 1 + bytes[..offset].iter().filter(|b| **b == b'\n').count();
    // Two kinds of bad length: not a number, and a number that overruns the argument.
    for (label, patch) in [("non-numeric", b"$?0".as_slice()), ("too long", b"$19")] {
        let what = format!(
            "{} {label} length at byte {dollar} of {incr_name}",
            kind.name()
        );
        restore(&pristine_dir, data.path());
        let mut damaged = bytes.clone();
        damaged[dollar..dollar + patch.len()].copy_from_slice(patch);
        std::fs::write(&incr, &damaged).expect("write damaged file");
        let log = expect_refusal(
            kind,
            data.path(),
            &["--aof-load-truncated", "yes"],
            &incr_name,
            &what,
        );
        if kind == Kind::Zedis {
            assert!(
                log.contains("zedis-aof fix"),
                "{what}: the log does not suggest `zedis-aof fix`:\n{log}"
            );
            // Any honest place will do: an offset inside the damaged command (or just past it,
            // where an overrunning length is noticed), or the line of one of its lines.
            let offsets = victim.start..=victim.end + 32;
            let lines = line_of(victim.start)..=line_of(victim.end) + 1;
            let places = numbers_after(&log, &["offset", "byte", "bytes", "position"]);
            let line_nos = numbers_after(&log, &["line"]);
            assert!(
                places.iter().any(|n| offsets.contains(n)) || line_nos.iter().any(|n| lines.contains(n)),
                "{what}: the log names no offset in {offsets:?} (\"offset N\" / \"byte N\") and no \
                 line in {lines:?} (\"line N\"):\n{log}"
            );
        }
        assert_eq!(
            std::fs::read(&incr).expect("read back"),
            damaged,
            "{what}: a refused start changed the file"
        );
    }
}

/// The numbers that directly follow one of `words` in `text` ("offset 1234", "line: 7", "at
/// byte 99,"), case-insensitively.
fn numbers_after(text: &str, words: &[&str]) -> Vec<usize> {
    let tokens: Vec<String> = text
        .split_whitespace()
        .map(|t| {
            t.trim_matches(|c: char| !c.is_ascii_alphanumeric())
                .to_ascii_lowercase()
        })
        .collect();
    tokens
        .windows(2)
        .filter(|w| words.contains(&w[0].as_str()))
        .filter_map(|w| w[1].parse().ok())
        .collect()
}

// ---------------------------------------------------------------------------------------------
// 5: Redis 7 appendonlydirs
// ---------------------------------------------------------------------------------------------

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/redis-7.0")
}

/// Scenario 5: the Redis 7.0.15 appendonlydirs (RDB-preamble base and RESP base, each with an
/// incr file) load with the contents redis-server itself loads from them.
pub fn redis_fixtures(kind: Kind) {
    for preamble in ["yes", "no"] {
        let fixture = fixtures().join(format!("redis-7.0.15-appendonlydir-preamble-{preamble}"));
        let load = |k: Kind| {
            let data = TempDir::new("aof-fixture").expect("temp dir");
            copy_dir(&fixture, &data.path().join(AOF_DIR));
            let server = start(k, data.path(), &[]);
            let d = digest(server.port(), 16);
            server.kill();
            d
        };
        let want = load(Kind::Redis);
        // Facts of the fixture's incr file, independent of either server's reading.
        let get = |db: u32, k: &str| want.get(&(db, k.as_bytes().to_vec())).cloned();
        assert_eq!(
            get(0, "counter").map(|v| v.1),
            Some("\"2\"".to_string()),
            "preamble {preamble}: redis-server's own reading of the fixture"
        );
        assert!(get(0, "after:rewrite").is_some() && get(0, "in:tx").is_some());
        assert!(
            get(0, "str:short").is_none(),
            "the incr file deletes str:short"
        );
        assert!(get(1, "db1:key").is_some() && get(5, "db5:hash").is_some());
        let got = if kind == Kind::Redis {
            want.clone()
        } else {
            load(kind)
        };
        assert!(
            got == want,
            "preamble {preamble}: {} loaded different contents: {}",
            kind.name(),
            digest_diff(&want, &got)
        );
    }
}

// ---------------------------------------------------------------------------------------------
// 6: rewrite under concurrent writes
// ---------------------------------------------------------------------------------------------

/// Scenario 6: BGREWRITEAOF while two clients write. Once it has finished, the manifest names
/// one base and one incr file, no history files remain, and after a kill -9 and restart every
/// acknowledged write is present.
pub fn rewrite_under_load(kind: Kind) {
    const PRELOAD: usize = 100_000;
    let data = TempDir::new("aof-rewrite").expect("temp dir");
    let server = start(kind, data.path(), &["--appendfsync", "always"]);
    let mut c = client(server.port());
    for chunk in (0..PRELOAD).collect::<Vec<_>>().chunks(10_000) {
        let mut p = redis::pipe();
        for i in chunk {
            p.cmd("SET").arg(format!("pre:{i}")).arg(i).ignore();
        }
        p.exec(&mut c).unwrap_or_else(|e| panic!("preload: {e}"));
    }
    let stop = Arc::new(AtomicBool::new(false));
    let progress = Arc::new(AtomicUsize::new(0));
    let handles: Vec<_> = (0..2)
        .map(|t| {
            let conn = server.connect();
            let stop = Arc::clone(&stop);
            let progress = Arc::clone(&progress);
            let counter = Some(format!("ctr:{t}"));
            thread::spawn(move || writer(conn, format!("w:{t}"), counter, stop, progress))
        })
        .collect();
    // Rewrite until some writes provably landed while one was in progress: acknowledged after
    // BGREWRITEAOF's reply and before an INFO that still reported the rewrite running.
    let mut overlapped = 0;
    for attempt in 1..=5 {
        thread::sleep(Duration::from_millis(100));
        let reply: String = run(&mut c, &["BGREWRITEAOF"]);
        assert!(
            reply.contains("rewriting started") || reply.contains("scheduled"),
            "BGREWRITEAOF: {reply}"
        );
        let acked_at_start = progress.load(Ordering::Relaxed);
        let started = Instant::now();
        loop {
            let acked_now = progress.load(Ordering::Relaxed);
            let i = info(&mut c, "persistence");
            let field = |f: &str| i.get(f).map(String::as_str);
            if field("aof_rewrite_in_progress") == Some("1") {
                overlapped = overlapped.max(acked_now - acked_at_start);
            }
            let done = field("aof_rewrite_in_progress") == Some("0")
                && field("aof_rewrite_scheduled") == Some("0")
                && i.get("aof_rewrites").and_then(|n| n.parse::<u64>().ok()) >= Some(attempt);
            if done {
                break;
            }
            assert!(
                started.elapsed() < BACKGROUND_TIMEOUT,
                "the rewrite never finished: {i:?}"
            );
            thread::sleep(Duration::from_millis(5));
        }
        if overlapped > 0 {
            break;
        }
    }
    assert!(
        overlapped > 0,
        "no write was acknowledged while a rewrite ran, in 5 tries: the test proves nothing"
    );
    assert_eq!(info_field(&mut c, "aof_last_bgrewrite_status"), "ok");
    // Keep writing a little after the rewrite, into the new incr file.
    thread::sleep(Duration::from_millis(200));
    stop.store(true, Ordering::Relaxed);
    let acks: Vec<Acks> = handles
        .into_iter()
        .map(|h| h.join().expect("writer thread panicked"))
        .collect();
    // History files are removed (in the background in Redis): wait for the directory to hold
    // exactly the manifest and the files it names.
    let aof_dir = data.path().join(AOF_DIR);
    let started = Instant::now();
    let manifest = loop {
        let manifest = read_manifest(&aof_dir).unwrap_or_else(|e| panic!("{e}"));
        let mut want: BTreeSet<String> = manifest.iter().map(|e| e.name.clone()).collect();
        want.insert("appendonly.aof.manifest".into());
        let have = file_names(&aof_dir);
        if have == want {
            break manifest;
        }
        assert!(
            started.elapsed() < BACKGROUND_TIMEOUT,
            "{} holds {have:?}, the manifest names {want:?}",
            aof_dir.display()
        );
        thread::sleep(Duration::from_millis(20));
    };
    let count = |k: char| manifest.iter().filter(|e| e.kind == k).count();
    assert_eq!(
        (count('b'), count('i'), count('h')),
        (1, 1, 0),
        "manifest after the rewrite: {manifest:?}"
    );
    drop(c);
    server.kill();

    let server = start(kind, data.path(), &["--appendfsync", "always"]);
    let mut c = client(server.port());
    let mut expected = PRELOAD;
    for (t, a) in acks.iter().enumerate() {
        if let Some(e) = &a.error {
            panic!("writer {t} got an unexpected reply: {e}");
        }
        assert!(!a.keys.is_empty(), "writer {t} wrote nothing");
        let keys: Vec<&str> = a.keys.iter().map(|(k, _, _)| k.as_str()).collect();
        for ((k, want, _), got) in a.keys.iter().zip(mget(&mut c, &keys)) {
            assert_eq!(
                got.as_ref(),
                Some(want),
                "acknowledged key {k} after the rewrite"
            );
        }
        let n: Option<i64> = run(&mut c, &["GET", &format!("ctr:{t}")]);
        let acked = a.incrs.last().map(|(n, _)| *n).unwrap_or(0);
        assert_eq!(
            n.unwrap_or(0),
            acked,
            "counter {t} (the writers stopped cleanly)"
        );
        expected += a.keys.len() + 1;
    }
    let pre: Vec<String> = (0..PRELOAD).map(|i| format!("pre:{i}")).collect();
    let pre_refs: Vec<&str> = pre.iter().map(String::as_str).collect();
    let missing = mget(&mut c, &pre_refs)
        .iter()
        .zip(0..)
        .filter(|(v, i)| v.as_deref() != Some(i.to_string().as_str()))
        .count();
    assert_eq!(missing, 0, "preloaded keys lost or wrong after the rewrite");
    let size: usize = run(&mut c, &["DBSIZE"]);
    assert_eq!(size, expected, "DBSIZE after the restart");
}

// ---------------------------------------------------------------------------------------------
// 7: round trip of every type with expiries
// ---------------------------------------------------------------------------------------------

/// Writes every value type, with every way of setting an expiry, into several databases.
fn populate(c: &mut Connection) {
    let now_s = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let at_s = (now_s + 5000).to_string();
    let at_ms = ((now_s + 6000) * 1000).to_string();
    let cmds: Vec<Vec<String>> = [
        // strings
        vec!["SET", "s:plain", "hello"],
        vec!["SET", "s:int", "12345"],
        vec!["SET", "s:ex", "v", "EX", "1000"],
        vec!["SET", "s:px", "v", "PX", "900000"],
        vec!["SET", "s:exat", "v", "EXAT", &at_s],
        vec!["SET", "s:pxat", "v", "PXAT", &at_ms],
        vec!["SETEX", "s:setex", "800", "v"],
        vec!["PSETEX", "s:psetex", "700000", "v"],
        vec!["SET", "s:keepttl", "old", "EX", "600"],
        vec!["SET", "s:keepttl", "new", "KEEPTTL"],
        vec!["SET", "s:getex", "v"],
        vec!["GETEX", "s:getex", "EX", "500"],
        vec!["SET", "s:persist", "v", "EX", "100"],
        vec!["PERSIST", "s:persist"],
        vec!["INCRBYFLOAT", "s:float", "1.5"],
        vec!["INCRBYFLOAT", "s:float", "0.1"],
        vec!["EXPIRE", "s:float", "1200"],
        vec!["INCR", "s:counter"],
        vec!["INCRBY", "s:counter", "41"],
        vec!["APPEND", "s:append", "ab"],
        vec!["APPEND", "s:append", "cd"],
        vec!["SETRANGE", "s:append", "10", "z"],
        vec!["SET", "s:gone", "v"],
        vec!["EXPIRE", "s:gone", "-1"],
        vec!["SET", "s:past", "v"],
        vec!["PEXPIREAT", "s:past", "1000"],
        vec!["SET", "s:big", &"x".repeat(10_000)],
        vec!["SET", "s:renamed-from", "v", "EX", "900"],
        vec!["RENAME", "s:renamed-from", "s:renamed"],
        // lists
        vec!["RPUSH", "l:small", "a", "b", "c", "1", "2"],
        vec!["LPUSH", "l:small", "z"],
        vec!["LPOP", "l:small"],
        vec!["LSET", "l:small", "0", "A"],
        vec!["PEXPIRE", "l:small", "800000"],
        vec!["RPUSH", "l:pop", "x", "y"],
        vec!["RPOPLPUSH", "l:pop", "l:small"],
        // hashes
        vec!["HSET", "h:small", "f1", "v1", "f2", "2"],
        vec!["HINCRBY", "h:small", "f2", "5"],
        vec!["HINCRBYFLOAT", "h:small", "f3", "2.5"],
        vec!["HDEL", "h:small", "f1"],
        vec!["EXPIREAT", "h:small", &at_s],
        // sets
        vec!["SADD", "set:ints", "1", "2", "3", "-7"],
        vec!["SADD", "set:str", "a", "b", "c", "d"],
        vec!["SREM", "set:str", "d"],
        vec!["SPOP", "set:str"],
        vec!["EXPIRE", "set:str", "700"],
        vec!["SMOVE", "set:ints", "set:moved", "2"],
        // sorted sets
        vec![
            "ZADD", "z:small", "1.5", "a", "2", "b", "-3", "c", "inf", "d",
        ],
        vec!["ZINCRBY", "z:small", "0.25", "a"],
        vec!["ZREM", "z:small", "b"],
        vec!["PEXPIREAT", "z:small", &at_ms],
        vec!["ZADD", "z:pop", "1", "x", "2", "y"],
        vec!["ZPOPMIN", "z:pop"],
        // other databases
        vec!["SELECT", "3"],
        vec!["SET", "db3:key", "three", "EX", "3000"],
        vec!["HSET", "db3:hash", "a", "1"],
        vec!["SET", "db3:moved", "m"],
        vec!["MOVE", "db3:moved", "4"],
        vec!["SELECT", "0"],
        vec!["COPY", "h:small", "h:copy"],
    ]
    .iter()
    .map(|c| c.iter().map(|s| s.to_string()).collect())
    .collect();
    for cmd in &cmds {
        let args: Vec<&str> = cmd.iter().map(String::as_str).collect();
        let _: Value = run(c, &args);
    }
    // Big values: listpack → hashtable / skiplist / quicklist conversions.
    let mut p = redis::pipe();
    for i in 0..600 {
        p.cmd("HSET")
            .arg("h:big")
            .arg(format!("f{i}"))
            .arg(format!("v{i}"))
            .ignore();
        p.cmd("SADD").arg("set:big").arg(format!("m{i}")).ignore();
        p.cmd("ZADD")
            .arg("z:big")
            .arg(i as f64 * 0.5)
            .arg(format!("m{i}"))
            .ignore();
        p.cmd("RPUSH")
            .arg("l:big")
            .arg(format!("item-{i}-{}", "y".repeat(20)))
            .ignore();
    }
    p.cmd("EXPIRE").arg("z:big").arg(4000).ignore();
    p.exec(c).unwrap_or_else(|e| panic!("populate: {e}"));
}

/// Scenario 7: every type, with expiries set every way, survives a kill -9 and restart with the
/// same contents and TTLs (within the time that passed), written straight into the incr file
/// (also with `aof-timestamp-enabled yes`, whose `#TS:` lines the loader skips), and after a
/// rewrite with an RDB-preamble base and with a RESP base. `redis-check-aof` accepts the files.
pub fn round_trip(kind: Kind) {
    for (label, preamble, rewrite, timestamps) in [
        ("incr only", "yes", false, "no"),
        ("incr only, #TS annotations", "yes", false, "yes"),
        ("rewritten, RDB preamble", "yes", true, "no"),
        ("rewritten, RESP base", "no", true, "no"),
    ] {
        let data = TempDir::new("aof-roundtrip").expect("temp dir");
        let args = [
            "--appendfsync",
            "always",
            "--aof-use-rdb-preamble",
            preamble,
            "--aof-timestamp-enabled",
            timestamps,
        ];
        let server = start(kind, data.path(), &args);
        let mut c = client(server.port());
        populate(&mut c);
        if rewrite {
            let _: String = run(&mut c, &["BGREWRITEAOF"]);
            let started = Instant::now();
            while info_field(&mut c, "aof_rewrite_in_progress") != "0"
                || info_field(&mut c, "aof_rewrite_scheduled") != "0"
            {
                assert!(
                    started.elapsed() < BACKGROUND_TIMEOUT,
                    "{label}: rewrite never ended"
                );
                thread::sleep(Duration::from_millis(10));
            }
            assert_eq!(
                info_field(&mut c, "aof_last_bgrewrite_status"),
                "ok",
                "{label}"
            );
            // Writes after the rewrite land in the new incr file.
            let _: () = run(&mut c, &["SET", "after:rewrite", "1", "PX", "777000"]);
            let _: i64 = run(&mut c, &["DEL", "s:plain"]);
        }
        if timestamps == "yes" {
            let incr = last_incr(&data.path().join(AOF_DIR));
            let bytes = std::fs::read(&incr).expect("read incr");
            assert!(
                bytes.starts_with(b"#TS:") || bytes.windows(6).any(|w| w == b"\r\n#TS:"),
                "{label}: no #TS: line in {}",
                incr.display()
            );
        }
        let want = digest(server.port(), 16);
        let ttl_before = pttls(server.port(), 16);
        let measured = Instant::now();
        assert!(
            want.len() > 30,
            "{label}: populate wrote too little: {want:?}"
        );
        assert!(
            !want.contains_key(&(0, b"s:gone".to_vec()))
                && !want.contains_key(&(0, b"s:past".to_vec())),
            "{label}: keys expired in the past are still there"
        );
        drop(c);
        server.kill();
        check_with_redis_check_aof(&data.path().join(AOF_DIR), preamble == "no", label);
        let server = start(kind, data.path(), &args);
        let got = digest(server.port(), 16);
        let ttl_after = pttls(server.port(), 16);
        let elapsed = measured.elapsed().as_millis() as i64;
        assert!(
            got == want,
            "{label}: {} restarted with different contents: {}",
            kind.name(),
            digest_diff(&want, &got)
        );
        for (k, before) in &ttl_before {
            let after = ttl_after.get(k).copied().unwrap_or(-1);
            // The deadline is absolute in the file: the TTL shrinks by the time that passed.
            assert!(
                after <= *before && after >= before - elapsed - 1000,
                "{label}: {k:?} PTTL {before} before, {after} after {elapsed} ms"
            );
        }
        server.kill();
    }
}

/// Runs Redis's own `redis-check-aof` over what a server wrote: the whole directory through its
/// manifest when the base is RESP (`whole`), else every incr file on its own (an RDB-preamble
/// base may be in a format only its writer reads, such as zedis's `.zdb`).
fn check_with_redis_check_aof(aof_dir: &Path, whole: bool, label: &str) {
    let manifest = read_manifest(aof_dir).unwrap_or_else(|e| panic!("{e}"));
    let targets: Vec<PathBuf> = if whole {
        vec![aof_dir.join("appendonly.aof.manifest")]
    } else {
        manifest
            .iter()
            .filter(|e| e.kind == 'i')
            .map(|e| aof_dir.join(&e.name))
            .collect()
    };
    for target in targets {
        let out = std::process::Command::new("redis-check-aof")
            .arg(&target)
            .output()
            .unwrap_or_else(|e| panic!("cannot run redis-check-aof: {e}"));
        assert!(
            out.status.success(),
            "{label}: redis-check-aof rejects {}:\n{}{}",
            target.display(),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

// ---------------------------------------------------------------------------------------------
// 8: INFO persistence
// ---------------------------------------------------------------------------------------------

/// The `aof_*` fields of Redis 7.0.15's INFO persistence with `appendonly no`.
pub const AOF_FIELDS_OFF: &[&str] = &[
    "aof_enabled",
    "aof_rewrite_in_progress",
    "aof_rewrite_scheduled",
    "aof_last_rewrite_time_sec",
    "aof_current_rewrite_time_sec",
    "aof_last_bgrewrite_status",
    "aof_rewrites",
    "aof_rewrites_consecutive_failures",
    "aof_last_write_status",
    "aof_last_cow_size",
];

/// The extra `aof_*` fields with `appendonly yes`.
pub const AOF_FIELDS_ON: &[&str] = &[
    "aof_current_size",
    "aof_base_size",
    "aof_pending_rewrite",
    "aof_buffer_length",
    "aof_pending_bio_fsync",
    "aof_delayed_fsync",
];

fn aof_fields(port: u16) -> BTreeSet<String> {
    info(&mut client(port), "persistence")
        .into_keys()
        .filter(|k| k.starts_with("aof_"))
        .collect()
}

/// Scenario 8: INFO persistence has exactly Redis's `aof_*` fields, with AOF off and on, and
/// the same set a live redis-server reports in the same state.
pub fn info_fields(kind: Kind) {
    for (appendonly, fields) in [
        ("no", AOF_FIELDS_OFF.to_vec()),
        ("yes", [AOF_FIELDS_OFF, AOF_FIELDS_ON].concat()),
    ] {
        let want: BTreeSet<String> = fields.iter().map(|s| s.to_string()).collect();
        let data = TempDir::new("aof-info").expect("temp dir");
        let server = start(kind, data.path(), &["--appendonly", appendonly]);
        let got = aof_fields(server.port());
        assert_eq!(got, want, "{} appendonly {appendonly}", kind.name());
        let mut c = client(server.port());
        let enabled = info_field(&mut c, "aof_enabled");
        assert_eq!(enabled, if appendonly == "yes" { "1" } else { "0" });
        let reference_dir = TempDir::new("aof-info-redis").expect("temp dir");
        let reference = start(
            Kind::Redis,
            reference_dir.path(),
            &["--appendonly", appendonly],
        );
        assert_eq!(
            aof_fields(reference.port()),
            want,
            "redis-server itself (appendonly {appendonly}) reports other fields"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_commands_and_skips_annotations() {
        let file = b"#TS:1700000000\r\n*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$0\r\n\r\n";
        let spans = commands(file).unwrap();
        assert_eq!(spans.len(), 2);
        assert_eq!(spans[0].start, 16);
        assert_eq!(spans[0].name(), "SELECT");
        assert_eq!(
            spans[1].args,
            vec![b"SET".to_vec(), b"k".to_vec(), Vec::new()]
        );
        assert_eq!(spans[1].end, file.len());
    }

    #[test]
    fn refuses_torn_and_lying_commands() {
        assert!(commands(b"*1\r\n$3\r\nGET").is_err());
        assert!(commands(b"*1\r\n$99999999999\r\nGET\r\n").is_err());
        assert!(commands(b"*1\r\n$2\r\nGET\r\n").is_err());
        assert!(commands(b"$3\r\nGET\r\n").is_err());
    }

    #[test]
    fn reads_a_manifest() {
        let dir = TempDir::new("manifest").unwrap();
        std::fs::write(
            dir.path().join("appendonly.aof.manifest"),
            "file appendonly.aof.2.base.rdb seq 2 type b\n\
             file appendonly.aof.1.incr.aof seq 1 type h\n\
             file appendonly.aof.2.incr.aof seq 2 type i\n",
        )
        .unwrap();
        let m = read_manifest(dir.path()).unwrap();
        assert_eq!(m.len(), 3);
        assert_eq!((m[1].kind, m[1].seq), ('h', 1));
        assert_eq!(
            last_incr(dir.path()),
            dir.path().join("appendonly.aof.2.incr.aof")
        );
    }

    #[test]
    fn finds_numbers_after_words() {
        let log = "123:M 21 Nov 11:08:09.123 # Bad length at offset 1234, line: 56 (byte 7)";
        assert_eq!(numbers_after(log, &["offset", "byte"]), vec![1234, 7]);
        assert_eq!(numbers_after(log, &["line"]), vec![56]);
    }
}
