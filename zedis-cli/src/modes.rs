//! The non-interactive modes that replace the REPL: `--stat`, `--latency`,
//! `--latency-history`, `--latency-dist`, `--scan`, `--bigkeys`, `--memkeys`, `--pipe`,
//! `--rdb` and `--eval`, with redis-cli's output formats.
//!
//! Each mode talks to the server through the [`Session`]'s connection (or, for `--pipe` and
//! `--rdb`, a raw socket of its own, since they stream bytes rather than commands).

use std::collections::BTreeMap;
use std::io::{self, Read, Write};
use std::net::TcpStream;
#[cfg(unix)]
use std::os::unix::net::UnixStream;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::BytesMut;
use zedis::client::Endpoint;
use zedis::resp::{encode_request, Frame, FrameDecoder};
use zedis::util::splitargs::{repr, split_args_owned};

use crate::args::Cli;
use crate::render::OutputMode;
use crate::session::{Outcome, Session, INTERRUPTED};

/// Runs the special mode the flags ask for, returning its exit code; `None` when no special
/// mode is requested.
pub fn run_special(cli: &Cli, s: &mut Session) -> Option<i32> {
    let wants = cli.latency
        || cli.latency_history
        || cli.latency_dist
        || cli.rdb.is_some()
        || cli.pipe
        || cli.bigkeys
        || cli.memkeys
        || cli.memkeys_samples.is_some()
        || cli.stat
        || cli.scan
        || cli.eval.is_some();
    if !wants {
        return None;
    }
    // The sampling loops stop cleanly on Ctrl-C (bigkeys prints its summary); the byte
    // streams (--pipe, --rdb) and --eval keep the default: Ctrl-C ends the process.
    let polls_ctrl_c = cli.stat
        || cli.scan
        || cli.latency
        || cli.latency_history
        || cli.latency_dist
        || cli.bigkeys
        || cli.memkeys
        || cli.memkeys_samples.is_some();
    if polls_ctrl_c && cli.rdb.is_none() && !cli.pipe {
        crate::session::install_sigint_handler();
    }
    if cli.rdb.is_none() && cli.pipe {
        return Some(pipe_mode(cli, s));
    }
    if let Some(file) = &cli.rdb {
        return Some(rdb_mode(s, file));
    }
    if !s.connect(false) {
        return Some(1);
    }
    let code = if cli.latency || cli.latency_history {
        latency_mode(cli, s)
    } else if cli.latency_dist {
        latency_dist_mode(cli, s)
    } else if cli.bigkeys || cli.memkeys || cli.memkeys_samples.is_some() {
        big_keys(cli, s)
    } else if cli.stat {
        stat_mode(cli, s)
    } else if cli.scan {
        scan_mode(cli, s)
    } else {
        eval_mode(cli, s)
    };
    Some(code)
}

fn fatal_io() -> i32 {
    eprintln!("\nI/O error");
    1
}

/// C `%.2f`.
fn f2(x: f64) -> String {
    format!("{x:.2}")
}

/// redis-cli's `bytesToHuman`.
pub fn bytes_to_human(n: i64) -> String {
    let (sign, n) = if n < 0 {
        ("-", -(n as f64))
    } else {
        ("", n as f64)
    };
    const K: f64 = 1024.0;
    let body = if n < K {
        format!("{n}B")
    } else if n < K * K {
        format!("{:.2}K", n / K)
    } else if n < K * K * K {
        format!("{:.2}M", n / (K * K))
    } else if n < K * K * K * K {
        format!("{:.2}G", n / (K * K * K))
    } else {
        format!("{:.2}T", n / (K * K * K * K))
    };
    format!("{sign}{body}")
}

/// redis-cli's `getLongInfoField`: the number after `field` and one separator, up to `\r`
/// or `,`. `None` when the field is absent or not a number.
pub fn info_field(info: &str, field: &str) -> Option<i64> {
    let at = info.find(field)? + field.len() + 1;
    let rest = info.get(at..)?;
    let end = rest.find(['\r', '\n', ',']).unwrap_or(rest.len());
    rest[..end].trim().parse().ok()
}

fn text(f: &Frame) -> Option<String> {
    match f {
        Frame::Bulk(b) | Frame::Simple(b) => Some(String::from_utf8_lossy(b).into_owned()),
        Frame::Verbatim { text, .. } => Some(String::from_utf8_lossy(text).into_owned()),
        _ => None,
    }
}

fn stat_mode(cli: &Cli, s: &mut Session) -> i32 {
    let interval = if s.cfg.interval.is_zero() {
        Duration::from_secs(1)
    } else {
        s.cfg.interval
    };
    let mut requests: i64 = 0;
    let mut i = 0u64;
    let _ = cli;
    let stdout = io::stdout();
    loop {
        let info = match s.query(&["INFO"]) {
            Ok(Frame::Error(e)) => {
                eprintln!("ERROR: {}", String::from_utf8_lossy(&e));
                return 1;
            }
            Ok(f) => text(&f).unwrap_or_default(),
            Err(_) => return fatal_io(),
        };
        let mut out = stdout.lock();
        if i.is_multiple_of(20) {
            let _ = out.write_all(
                b"------- data ------ --------------------- load -------------------- - child -\n\
                  keys       mem      clients blocked requests            connections          \n",
            );
        }
        i += 1;
        let keys: i64 = (0..20)
            .filter_map(|j| info_field(&info, &format!("db{j}:keys")))
            .sum();
        let field = |f: &str| info_field(&info, f).unwrap_or(0);
        let total = field("total_commands_processed");
        let delta = if requests == 0 { 0 } else { total - requests };
        requests = total;
        let children = field("bgsave_in_progress")
            | (field("aof_rewrite_in_progress") << 1)
            | (field("loading") << 2);
        let child = match children {
            1 => "SAVE",
            2 => "AOF",
            3 => "SAVE+AOF",
            4 => "LOAD",
            _ => "",
        };
        let _ = writeln!(
            out,
            "{:<11}{:<8} {:<8}{:<8}{:<19} {:<12}{child}",
            keys,
            bytes_to_human(field("used_memory")),
            field("connected_clients"),
            field("blocked_clients"),
            format!("{total} (+{delta})"),
            field("total_connections_received"),
        );
        let _ = out.flush();
        drop(out);
        if sleep_interruptible(interval) {
            return 0;
        }
    }
}

/// Sleeps; `true` when Ctrl-C arrived meanwhile.
fn sleep_interruptible(d: Duration) -> bool {
    let end = Instant::now() + d;
    loop {
        if INTERRUPTED.load(Ordering::SeqCst) {
            return true;
        }
        let now = Instant::now();
        if now >= end {
            return false;
        }
        std::thread::sleep((end - now).min(Duration::from_millis(50)));
    }
}

/// One PING round trip in milliseconds (redis-cli measures whole milliseconds).
fn ping_ms(s: &mut Session) -> Option<u64> {
    let start = Instant::now();
    s.query(&["PING"]).ok()?;
    Some(start.elapsed().as_millis() as u64)
}

fn latency_print(mode: OutputMode, min: u64, max: u64, avg: f64, count: u64) -> String {
    match mode {
        OutputMode::Tty => format!("min: {min}, max: {max}, avg: {} ({count} samples)", f2(avg)),
        OutputMode::Csv => format!("{min},{max},{},{count}\n", f2(avg)),
        OutputMode::Raw => format!("{min} {max} {} {count}\n", f2(avg)),
        OutputMode::Json | OutputMode::QuotedJson => format!(
            "{{\"min\": {min}, \"max\": {max}, \"avg\": {}, \"count\": {count}}}\n",
            f2(avg)
        ),
    }
}

fn latency_mode(cli: &Cli, s: &mut Session) -> i32 {
    let mode = s.cfg.style.mode;
    let history = cli.latency_history;
    let history_interval = if s.cfg.interval.is_zero() {
        Duration::from_secs(15)
    } else {
        s.cfg.interval
    };
    let report_after = if s.cfg.interval.is_zero() {
        Duration::from_secs(1)
    } else {
        s.cfg.interval
    };
    let (mut min, mut max, mut tot, mut count) = (0u64, 0u64, 0u64, 0u64);
    let mut history_start = Instant::now();
    let stdout = io::stdout();
    loop {
        let Some(latency) = ping_ms(s) else {
            return fatal_io();
        };
        count += 1;
        if count == 1 {
            (min, max, tot) = (latency, latency, latency);
        } else {
            min = min.min(latency);
            max = max.max(latency);
            tot += latency;
        }
        let avg = tot as f64 / count as f64;
        let mut out = stdout.lock();
        if mode == OutputMode::Tty {
            let _ = out.write_all(b"\x1b[0G\x1b[2K");
            let _ = out.write_all(latency_print(mode, min, max, avg, count).as_bytes());
        } else if history {
            let _ = out.write_all(latency_print(mode, min, max, avg, count).as_bytes());
        } else if history_start.elapsed() > report_after {
            let _ = out.write_all(latency_print(mode, min, max, avg, count).as_bytes());
            let _ = out.flush();
            return 0;
        }
        if history && history_start.elapsed() > history_interval {
            let _ = writeln!(
                out,
                " -- {} seconds range",
                f2(history_start.elapsed().as_secs_f64())
            );
            history_start = Instant::now();
            (min, max, tot, count) = (0, 0, 0, 0);
        }
        let _ = out.flush();
        drop(out);
        if sleep_interruptible(Duration::from_millis(10)) {
            let _ = writeln!(stdout.lock());
            return 0;
        }
    }
}

/// `--latency-dist`: per interval, how the PING latencies spread over buckets. redis-cli
/// draws a 256-colour spectrum; we print the same buckets as text (see docs/compat.md).
fn latency_dist_mode(_cli: &Cli, s: &mut Session) -> i32 {
    let interval = if s.cfg.interval.is_zero() {
        Duration::from_secs(1)
    } else {
        s.cfg.interval
    };
    // Bucket upper bounds in microseconds, as redis-cli's spectrum legend.
    const BOUNDS: &[(u64, &str)] = &[
        (1_000, "<1ms"),
        (2_000, "<2ms"),
        (4_000, "<4ms"),
        (8_000, "<8ms"),
        (16_000, "<16ms"),
        (1_000_000, "<1s"),
        (u64::MAX, ">=1s"),
    ];
    let stdout = io::stdout();
    loop {
        let start = Instant::now();
        let mut counts = vec![0u64; BOUNDS.len()];
        let mut total = 0u64;
        while start.elapsed() < interval {
            let t = Instant::now();
            if s.query(&["PING"]).is_err() {
                return fatal_io();
            }
            let us = t.elapsed().as_micros() as u64;
            let b = BOUNDS.iter().position(|(hi, _)| us < *hi).unwrap_or(0);
            counts[b] += 1;
            total += 1;
            if sleep_interruptible(Duration::from_millis(10)) {
                return 0;
            }
        }
        let line: Vec<String> = BOUNDS
            .iter()
            .zip(&counts)
            .filter(|(_, c)| **c > 0)
            .map(|((_, label), c)| format!("{label}: {c}"))
            .collect();
        let _ = writeln!(stdout.lock(), "{total} samples: {}", line.join(", "));
    }
}

/// One SCAN step; `Err` is printed and fatal, as in redis-cli.
fn scan_step(
    s: &mut Session,
    cursor: &str,
    cli: &Cli,
    pattern: Option<&[u8]>,
) -> Result<(String, Vec<Frame>), i32> {
    let mut args: Vec<Vec<u8>> = vec![b"SCAN".to_vec(), cursor.as_bytes().to_vec()];
    if let Some(p) = pattern {
        args.push(b"MATCH".to_vec());
        args.push(p.to_vec());
    }
    if let Some(c) = cli.count {
        args.push(b"COUNT".to_vec());
        args.push(c.to_string().into_bytes());
    }
    match s.query(&args) {
        Ok(Frame::Error(e)) => {
            eprintln!("SCAN error: {}", String::from_utf8_lossy(&e));
            Err(1)
        }
        Ok(Frame::Array(parts)) if parts.len() == 2 => {
            let mut it = parts.into_iter();
            let cur = it.next().as_ref().and_then(text).unwrap_or_default();
            let keys = match it.next() {
                Some(Frame::Array(k)) => k,
                _ => {
                    eprintln!("Non ARRAY response from SCAN!");
                    return Err(1);
                }
            };
            Ok((cur, keys))
        }
        Ok(Frame::Array(_)) => {
            eprintln!("Invalid element count from SCAN!");
            Err(1)
        }
        Ok(_) => {
            eprintln!("Non ARRAY response from SCAN!");
            Err(1)
        }
        Err(_) => Err(fatal_io()),
    }
}

/// `--pattern` or the unquoted `--quoted-pattern`.
fn pattern(cli: &Cli) -> Result<Option<Vec<u8>>, i32> {
    if let Some(q) = &cli.quoted_pattern {
        return match split_args_owned(q.as_bytes()) {
            Some(mut v) if v.len() == 1 => Ok(v.pop()),
            _ => {
                eprintln!("Invalid quoted string specified for --quoted-pattern.");
                Err(1)
            }
        };
    }
    Ok(cli.pattern.clone().map(String::into_bytes))
}

fn scan_mode(cli: &Cli, s: &mut Session) -> i32 {
    let pat = match pattern(cli) {
        Ok(p) => p,
        Err(c) => return c,
    };
    let mut cursor = "0".to_string();
    let stdout = io::stdout();
    loop {
        let (next, keys) = match scan_step(s, &cursor, cli, pat.as_deref()) {
            Ok(r) => r,
            Err(c) => return c,
        };
        let mut out = stdout.lock();
        for k in keys {
            if let Frame::Bulk(b) = k {
                if s.cfg.style.mode == OutputMode::Tty {
                    let _ = out.write_all(&repr(&b));
                } else {
                    let _ = out.write_all(&b);
                }
                let _ = out.write_all(b"\n");
            }
        }
        let _ = out.flush();
        cursor = next;
        if !s.cfg.interval.is_zero() {
            std::thread::sleep(s.cfg.interval);
        }
        if cursor == "0" || INTERRUPTED.load(Ordering::SeqCst) {
            return 0;
        }
    }
}

struct TypeInfo {
    size_cmd: Option<&'static str>,
    unit: &'static str,
    biggest: u64,
    count: u64,
    total: u64,
    biggest_key: Option<Vec<u8>>,
}

fn big_keys(cli: &Cli, s: &mut Session) -> i32 {
    let memkeys = cli.memkeys || cli.memkeys_samples.is_some();
    let samples = cli.memkeys_samples.unwrap_or(0);
    let pat = match pattern(cli) {
        Ok(p) => p,
        Err(c) => return c,
    };
    // Known types in the order redis-cli's summary lists them (its dictionary's fixed
    // iteration order); others are appended as found.
    let mut order: Vec<String> = Vec::new();
    let mut types: BTreeMap<String, TypeInfo> = BTreeMap::new();
    for (name, cmd, unit) in [
        ("list", "LLEN", "items"),
        ("hash", "HLEN", "fields"),
        ("string", "STRLEN", "bytes"),
        ("stream", "XLEN", "entries"),
        ("set", "SCARD", "members"),
        ("zset", "ZCARD", "members"),
    ] {
        order.push(name.to_string());
        types.insert(
            name.to_string(),
            TypeInfo {
                size_cmd: Some(cmd),
                unit,
                biggest: 0,
                count: 0,
                total: 0,
                biggest_key: None,
            },
        );
    }
    let total_keys = match s.query(&["DBSIZE"]) {
        Ok(Frame::Integer(n)) => n.max(0) as u64,
        Ok(Frame::Error(e)) => {
            eprintln!("Couldn't determine DBSIZE: {}", String::from_utf8_lossy(&e));
            return 1;
        }
        Ok(_) => {
            eprintln!("Non INTEGER response from DBSIZE!");
            return 1;
        }
        Err(_) => return fatal_io(),
    };
    println!("\n# Scanning the entire keyspace to find biggest keys as well as");
    println!("# average sizes per key type.  You can use -i 0.1 to sleep 0.1 sec");
    println!("# per 100 SCAN commands (not usually needed).\n");
    let (mut sampled, mut totlen, mut loops) = (0u64, 0u64, 0u64);
    let mut cursor = "0".to_string();
    let mut pct;
    loop {
        pct = if total_keys == 0 {
            f64::NAN
        } else {
            100.0 * sampled as f64 / total_keys as f64
        };
        let (next, keys) = match scan_step(
            s,
            &cursor,
            &Cli {
                count: None,
                ..cli.clone()
            },
            pat.as_deref(),
        ) {
            Ok(r) => r,
            Err(c) => return c,
        };
        loops += 1;
        for k in keys {
            let Frame::Bulk(key) = k else { continue };
            let ty = match s.query(&[b"TYPE".as_slice(), &key]) {
                Ok(Frame::Simple(t)) => String::from_utf8_lossy(&t).into_owned(),
                Ok(Frame::Error(e)) => {
                    eprintln!("TYPE returned an error: {}", String::from_utf8_lossy(&e));
                    return 1;
                }
                Ok(_) => {
                    eprintln!(
                        "Invalid reply type for TYPE on key '{}'!",
                        String::from_utf8_lossy(&key)
                    );
                    return 1;
                }
                Err(_) => return fatal_io(),
            };
            if ty == "none" {
                continue;
            }
            if !types.contains_key(&ty) {
                order.push(ty.clone());
                types.insert(
                    ty.clone(),
                    TypeInfo {
                        size_cmd: None,
                        unit: "?",
                        biggest: 0,
                        count: 0,
                        total: 0,
                        biggest_key: None,
                    },
                );
            }
            let Some(info) = types.get_mut(&ty) else {
                continue;
            };
            let size = if memkeys {
                let mut args: Vec<Vec<u8>> =
                    vec![b"MEMORY".to_vec(), b"USAGE".to_vec(), key.to_vec()];
                if samples > 0 {
                    args.push(b"SAMPLES".to_vec());
                    args.push(samples.to_string().into_bytes());
                }
                s.query(&args).ok()
            } else {
                match info.size_cmd {
                    Some(cmd) => s.query(&[cmd.as_bytes(), &key]).ok(),
                    None => Some(Frame::Integer(0)),
                }
            };
            let size = match size {
                Some(Frame::Integer(n)) => n.max(0) as u64,
                Some(_) => {
                    eprintln!(
                        "Warning:  {} on '{}' failed (may have changed type)",
                        if memkeys {
                            "MEMORY USAGE"
                        } else {
                            info.size_cmd.unwrap_or("?")
                        },
                        String::from_utf8_lossy(&key)
                    );
                    0
                }
                None => return fatal_io(),
            };
            info.total += size;
            info.count += 1;
            totlen += key.len() as u64;
            sampled += 1;
            if info.biggest < size {
                let shown = repr(&key);
                println!(
                    "[{:05.2}%] Biggest {:<6} found so far '{}' with {} {}",
                    pct,
                    ty,
                    String::from_utf8_lossy(&shown),
                    size,
                    if memkeys { "bytes" } else { info.unit }
                );
                info.biggest_key = Some(shown);
                info.biggest = size;
            }
            if sampled.is_multiple_of(1_000_000) {
                println!("[{pct:05.2}%] Sampled {sampled} keys so far");
            }
        }
        if !s.cfg.interval.is_zero() && loops.is_multiple_of(100) {
            std::thread::sleep(s.cfg.interval);
        }
        cursor = next;
        if cursor == "0" || INTERRUPTED.load(Ordering::SeqCst) {
            break;
        }
    }
    println!("\n-------- summary -------\n");
    if INTERRUPTED.load(Ordering::SeqCst) {
        print!("[{pct:05.2}%] ");
    }
    println!("Sampled {sampled} keys in the keyspace!");
    println!(
        "Total key length in bytes is {totlen} (avg len {})\n",
        f2(if totlen > 0 {
            totlen as f64 / sampled as f64
        } else {
            0.0
        })
    );
    for name in &order {
        let Some(t) = types.get(name) else { continue };
        if let Some(k) = &t.biggest_key {
            println!(
                "Biggest {name:>6} found '{}' has {} {}",
                String::from_utf8_lossy(k),
                t.biggest,
                if memkeys { "bytes" } else { t.unit }
            );
        }
    }
    println!();
    for name in &order {
        let Some(t) = types.get(name) else { continue };
        println!(
            "{} {name}s with {} {} ({:05.2}% of keys, avg size {})",
            t.count,
            t.total,
            if memkeys { "bytes" } else { t.unit },
            if sampled > 0 {
                100.0 * t.count as f64 / sampled as f64
            } else {
                0.0
            },
            f2(if t.count > 0 {
                t.total as f64 / t.count as f64
            } else {
                0.0
            })
        );
    }
    0
}

/// `--eval file key1 key2 , arg1 arg2`.
fn eval_mode(cli: &Cli, s: &mut Session) -> i32 {
    let Some(file) = &cli.eval else { return 1 };
    let script = match std::fs::read(file) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("Can't open file '{file}': {e}");
            return 1;
        }
    };
    let mut keys = Vec::new();
    let mut args = Vec::new();
    let mut got_comma = false;
    for a in &cli.command {
        if !got_comma && a == "," {
            got_comma = true;
            continue;
        }
        if got_comma {
            args.push(a.clone().into_bytes());
        } else {
            keys.push(a.clone().into_bytes());
        }
    }
    let mut argv = vec![
        b"EVAL".to_vec(),
        script,
        keys.len().to_string().into_bytes(),
    ];
    argv.extend(keys);
    argv.extend(args);
    let stdout = io::stdout();
    let mut out = stdout.lock();
    let outcome = s.issue(&argv, 1, &mut out);
    if let Some(Frame::Error(e)) = &s.last_reply {
        if e.starts_with(b"ERR unknown command") {
            eprintln!("zedis-cli: this server has no scripting (EVAL); --eval needs a server with Lua scripting");
            return 1;
        }
    }
    match outcome {
        Outcome::Ok => 0,
        Outcome::Failed => 1,
    }
}

/// A raw byte stream to the server, for `--pipe` and `--rdb`.
enum Raw {
    Tcp(TcpStream),
    #[cfg(unix)]
    Unix(UnixStream),
}

impl Raw {
    fn open(ep: &Endpoint) -> io::Result<Raw> {
        match ep {
            Endpoint::Tcp { host, port } => {
                Ok(Raw::Tcp(TcpStream::connect((host.as_str(), *port))?))
            }
            #[cfg(unix)]
            Endpoint::Unix(p) => Ok(Raw::Unix(UnixStream::connect(p)?)),
            #[cfg(not(unix))]
            Endpoint::Unix(_) => Err(io::Error::new(io::ErrorKind::Unsupported, "unix sockets")),
        }
    }
    fn try_clone(&self) -> io::Result<Raw> {
        match self {
            Raw::Tcp(s) => Ok(Raw::Tcp(s.try_clone()?)),
            #[cfg(unix)]
            Raw::Unix(s) => Ok(Raw::Unix(s.try_clone()?)),
        }
    }
    fn set_read_timeout(&self, t: Option<Duration>) -> io::Result<()> {
        match self {
            Raw::Tcp(s) => s.set_read_timeout(t),
            #[cfg(unix)]
            Raw::Unix(s) => s.set_read_timeout(t),
        }
    }
}

impl Read for Raw {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Raw::Tcp(s) => s.read(buf),
            #[cfg(unix)]
            Raw::Unix(s) => s.read(buf),
        }
    }
}

impl Write for Raw {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Raw::Tcp(s) => s.write(buf),
            #[cfg(unix)]
            Raw::Unix(s) => s.write(buf),
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Reads frames from a raw stream.
struct FrameReader {
    stream: Raw,
    buf: BytesMut,
    dec: FrameDecoder,
}

impl FrameReader {
    /// `Ok(None)` on a read timeout.
    fn next(&mut self) -> io::Result<Option<Frame>> {
        loop {
            match self.dec.decode(&mut self.buf) {
                Ok(Some(f)) => return Ok(Some(f)),
                Ok(None) => {}
                Err(e) => return Err(io::Error::new(io::ErrorKind::InvalidData, e)),
            }
            let mut chunk = [0u8; 16 * 1024];
            match self.stream.read(&mut chunk) {
                Ok(0) => return Err(io::ErrorKind::UnexpectedEof.into()),
                Ok(n) => self.buf.extend_from_slice(&chunk[..n]),
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                    ) =>
                {
                    return Ok(None)
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
    }
}

/// Opens a raw stream and runs AUTH / SELECT on it synchronously.
fn raw_connect(s: &Session) -> Result<FrameReader, i32> {
    let stream = match Raw::open(&s.cfg.endpoint) {
        Ok(r) => r,
        Err(e) => {
            eprintln!(
                "Could not connect to Redis at {}: {}",
                s.cfg.endpoint,
                crate::session::errstr(&e.into())
            );
            return Err(1);
        }
    };
    let mut r = FrameReader {
        stream,
        buf: BytesMut::new(),
        dec: FrameDecoder::new(),
    };
    let mut setup: Vec<Vec<Vec<u8>>> = Vec::new();
    if let Some(p) = &s.cfg.password {
        let mut a = vec![b"AUTH".to_vec()];
        if let Some(u) = &s.cfg.user {
            a.push(u.clone().into_bytes());
        }
        a.push(p.clone().into_bytes());
        setup.push(a);
    }
    if s.cfg.input_db != 0 {
        setup.push(vec![
            b"SELECT".to_vec(),
            s.cfg.input_db.to_string().into_bytes(),
        ]);
    }
    for cmd in setup {
        let mut out = BytesMut::new();
        encode_request(&mut out, &cmd);
        if r.stream.write_all(&out).is_err() {
            return Err(fatal_io());
        }
        match r.next() {
            Ok(Some(Frame::Error(e))) => {
                eprintln!(
                    "{} failed: {}",
                    String::from_utf8_lossy(&cmd[0]),
                    String::from_utf8_lossy(&e)
                );
                return Err(1);
            }
            Ok(Some(_)) => {}
            _ => return Err(fatal_io()),
        }
    }
    Ok(r)
}

/// `--pipe`: streams stdin to the server while counting replies, then sends an ECHO of a
/// random 20-byte marker and waits for it, so it knows every reply has arrived.
fn pipe_mode(cli: &Cli, s: &mut Session) -> i32 {
    let mut reader = match raw_connect(s) {
        Ok(r) => r,
        Err(c) => return c,
    };
    let mut writer = match reader.stream.try_clone() {
        Ok(w) => w,
        Err(_) => return fatal_io(),
    };
    let mut magic = [0u8; 20];
    for b in &mut magic {
        *b = fastrand::u8(..);
    }
    let eof = Arc::new(AtomicBool::new(false));
    let eof_w = eof.clone();
    let writer_thread = std::thread::spawn(move || -> Result<(), String> {
        let mut stdin = io::stdin().lock();
        let mut buf = vec![0u8; 16 * 1024];
        loop {
            let n = match stdin.read(&mut buf) {
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(format!("Error reading from stdin: {e}")),
            };
            if n == 0 {
                break;
            }
            writer
                .write_all(&buf[..n])
                .map_err(|e| format!("Error writing to the server: {e}"))?;
        }
        // The CRLF first keeps the ECHO well formed even after a truncated last command.
        let mut echo = b"\r\n*2\r\n$4\r\nECHO\r\n$20\r\n".to_vec();
        echo.extend_from_slice(&magic);
        echo.extend_from_slice(b"\r\n");
        // Flagged before the write: the marker's reply may arrive before the write returns.
        println!("All data transferred. Waiting for the last reply...");
        eof_w.store(true, Ordering::SeqCst);
        writer
            .write_all(&echo)
            .map_err(|e| format!("Error writing to the server: {e}"))?;
        Ok(())
    });
    let _ = reader
        .stream
        .set_read_timeout(Some(Duration::from_millis(200)));
    let (mut errors, mut replies) = (0u64, 0u64);
    let mut last_read = Instant::now();
    loop {
        match reader.next() {
            Ok(Some(f)) => {
                last_read = Instant::now();
                match &f {
                    Frame::Error(e) | Frame::BlobError(e) => {
                        eprintln!("{}", String::from_utf8_lossy(e));
                        errors += 1;
                    }
                    Frame::Bulk(b) if eof.load(Ordering::SeqCst) && b.as_ref() == magic => {
                        println!("Last reply received from server.");
                        break;
                    }
                    _ => {}
                }
                replies += 1;
            }
            Ok(None) => {
                if writer_thread.is_finished() && !eof.load(Ordering::SeqCst) {
                    // The writer failed: its error is reported below.
                    break;
                }
                if eof.load(Ordering::SeqCst)
                    && cli.pipe_timeout > 0
                    && last_read.elapsed() > Duration::from_secs(cli.pipe_timeout)
                {
                    eprintln!("No replies for {} seconds: exiting.", cli.pipe_timeout);
                    errors += 1;
                    break;
                }
            }
            Err(_) => {
                eprintln!("Error reading replies from server");
                return 1;
            }
        }
    }
    if let Ok(Err(e)) = writer_thread.join() {
        eprintln!("{e}");
        return 1;
    }
    println!("errors: {errors}, replies: {replies}");
    i32::from(errors > 0)
}

/// `--rdb FILE`: asks for a snapshot with SYNC and writes the payload to FILE (`-` for
/// stdout). A server without SYNC gets a clear message instead.
fn rdb_mode(s: &mut Session, file: &str) -> i32 {
    let mut r = match raw_connect(s) {
        Ok(r) => r,
        Err(c) => return c,
    };
    if r.stream.write_all(b"SYNC\r\n").is_err() {
        return fatal_io();
    }
    // The reply line: `$<len>`, `$EOF:<40-byte mark>`, or an error; newlines before it are
    // the master's keep-alives.
    let mut line = Vec::new();
    let mut byte = [0u8; 1];
    loop {
        match r.stream.read(&mut byte) {
            Ok(1) => {}
            _ => {
                eprintln!("I/O Error reading RDB payload from socket");
                return 1;
            }
        }
        if byte[0] == b'\n' {
            if line.is_empty() {
                continue;
            }
            break;
        }
        if line.len() > 1024 {
            eprintln!("Bad reply to SYNC from the server");
            return 1;
        }
        line.push(byte[0]);
    }
    if line.last() == Some(&b'\r') {
        line.pop();
    }
    if line.first() == Some(&b'-') {
        let msg = String::from_utf8_lossy(&line[1..]);
        eprintln!("SYNC with master failed: {msg}");
        if msg.contains("unknown command") {
            eprintln!("zedis-cli: this server does not support SYNC, so --rdb cannot fetch a snapshot from it");
        }
        return 1;
    }
    let Some(spec) = line.strip_prefix(b"$") else {
        eprintln!(
            "Bad reply to SYNC from the server: {}",
            String::from_utf8_lossy(&line)
        );
        return 1;
    };
    let mut sink: Box<dyn Write> = if file == "-" {
        Box::new(io::stdout())
    } else {
        match std::fs::File::create(file) {
            Ok(f) => Box::new(f),
            Err(e) => {
                eprintln!("Error opening '{file}': {e}");
                return 1;
            }
        }
    };
    // Whatever the frame reader buffered belongs to the payload.
    let mut pending = std::mem::take(&mut r.buf).to_vec();
    if let Some(mark) = spec.strip_prefix(b"EOF:") {
        let mark = mark.to_vec();
        eprintln!(
            "SYNC sent to master, writing bytes of bulk transfer until EOF marker to '{file}'"
        );
        let mut data: Vec<u8> = Vec::new();
        data.append(&mut pending);
        let mut chunk = [0u8; 4096];
        while !data.ends_with(&mark) {
            match r.stream.read(&mut chunk) {
                Ok(n) if n > 0 => data.extend_from_slice(&chunk[..n]),
                _ => {
                    eprintln!("I/O Error reading RDB payload from socket");
                    return 1;
                }
            }
        }
        data.truncate(data.len() - mark.len());
        if let Err(e) = sink.write_all(&data) {
            eprintln!("Error writing data to file: {e}");
            return 1;
        }
        eprintln!("Transfer finished with success after {} bytes", data.len());
    } else {
        let Some(mut left) = std::str::from_utf8(spec)
            .ok()
            .and_then(|t| t.parse::<u64>().ok())
        else {
            eprintln!(
                "Bad reply to SYNC from the server: {}",
                String::from_utf8_lossy(&line)
            );
            return 1;
        };
        eprintln!("SYNC sent to master, writing {left} bytes to '{file}'");
        let take = pending.len().min(left as usize);
        if sink.write_all(&pending[..take]).is_err() {
            eprintln!("Error writing data to file");
            return 1;
        }
        left -= take as u64;
        let mut chunk = [0u8; 4096];
        while left > 0 {
            let want = chunk.len().min(left as usize);
            match r.stream.read(&mut chunk[..want]) {
                Ok(n) if n > 0 => {
                    if let Err(e) = sink.write_all(&chunk[..n]) {
                        eprintln!("Error writing data to file: {e}");
                        return 1;
                    }
                    left -= n as u64;
                }
                _ => {
                    eprintln!("I/O Error reading RDB payload from socket");
                    return 1;
                }
            }
        }
        eprintln!("Transfer finished with success.");
    }
    if sink.flush().is_err() {
        return 1;
    }
    0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn human_bytes_and_info_fields() {
        assert_eq!(bytes_to_human(512), "512B");
        assert_eq!(bytes_to_human(1536), "1.50K");
        assert_eq!(bytes_to_human(3 * 1024 * 1024), "3.00M");
        let info = "# Memory\r\nused_memory:1024\r\nused_memory_human:1.00K\r\n# Keyspace\r\ndb0:keys=5,expires=0\r\ndb3:keys=2,expires=1\r\n";
        assert_eq!(info_field(info, "used_memory"), Some(1024));
        assert_eq!(info_field(info, "db0:keys"), Some(5));
        assert_eq!(info_field(info, "db3:keys"), Some(2));
        assert_eq!(info_field(info, "db1:keys"), None);
    }
}
