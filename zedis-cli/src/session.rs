//! One client session as redis-cli runs it: connecting (AUTH, SELECT, HELLO 3 with redis-cli's
//! messages), sending a command N times, reading and printing its reply, and the state the
//! prompt shows (database, MULTI) that follows from successful SELECT / MULTI / EXEC / DISCARD /
//! RESET. SUBSCRIBE and MONITOR switch to reading mode until Ctrl-C.
//!
//! It writes rendered replies to the writer it is given and errors to stderr; it knows nothing
//! about line editing (the REPL drives it) or the special modes (`modes.rs`).

use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use zedis::client::{ClientError, Connection, Endpoint};
use zedis::resp::Frame;

use crate::render::{format_invalidate, format_reply, OutputMode, Style};

/// How the session connects and prints; fixed for the process's life except where the REPL's
/// `connect` changes the endpoint.
#[derive(Clone, Debug)]
pub struct Config {
    pub endpoint: Endpoint,
    pub user: Option<String>,
    pub password: Option<String>,
    /// The database asked for (`-n`, the URI, or the last successful SELECT).
    pub input_db: i64,
    /// 0: RESP2; 1: `-3` (HELLO 3 must succeed); 2: `--json` (try HELLO 3, fine if refused).
    pub resp3: u8,
    pub style: Style,
    /// Print RESP3 pushes that arrive outside pub/sub mode.
    pub push_output: bool,
    /// `-e`: an error reply makes a non-interactive run exit with 1.
    pub errcode: bool,
    pub interval: Duration,
    /// Set for the REPL and for commands read from stdin, as redis-cli does.
    pub interactive: bool,
    /// At a terminal prompt: Ctrl-C in subscribe mode returns to a `(subscribed mode)` prompt
    /// with the subscriptions kept, instead of reconnecting as redis-cli 7.0 does.
    pub keep_subscriptions: bool,
}

/// Set by SIGINT; polled while a reply is awaited.
pub static INTERRUPTED: AtomicBool = AtomicBool::new(false);

extern "C" fn on_sigint(_: libc::c_int) {
    INTERRUPTED.store(true, Ordering::SeqCst);
}

/// Routes Ctrl-C to [`INTERRUPTED`] so that reading modes can stop cleanly (rustyline reads
/// Ctrl-C as a key, so this only matters while a command runs).
pub fn install_sigint_handler() {
    let handler: extern "C" fn(libc::c_int) = on_sigint;
    // SAFETY: the handler only stores to an atomic, which is async-signal-safe.
    unsafe {
        libc::signal(libc::SIGINT, handler as libc::sighandler_t);
    }
}

/// The REPL ignores SIGPIPE, as redis-cli's does: a server that went away shows up as a
/// write error and the next command reconnects.
pub fn ignore_sigpipe() {
    // SAFETY: setting a signal to be ignored has no preconditions.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_IGN);
    }
}

/// Restores the default SIGPIPE action (Rust's runtime ignores it): piping output into
/// `head` ends zedis-cli quietly, as it ends redis-cli, instead of failing on every write.
pub fn default_sigpipe() {
    // SAFETY: resetting a signal to its default action has no preconditions.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

/// How a command ended, for the caller's exit code.
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    Ok,
    /// The connection failed or was lost (the message is already printed).
    Failed,
}

/// The live session.
pub struct Session {
    pub cfg: Config,
    pub conn: Option<Connection>,
    /// The database the connection is in.
    pub db: i64,
    pub in_multi: bool,
    /// The connection holds pub/sub subscriptions (only tracked with `keep_subscriptions`).
    pub subscribed: bool,
    pre_multi_db: i64,
    /// The last reply read (not pushes), for the REPL's key tracking.
    pub last_reply: Option<Frame>,
}

/// The part of an `io::Error` hiredis would print: strerror without Rust's "(os error N)".
pub fn errstr(e: &ClientError) -> String {
    match e {
        ClientError::Io(io) => {
            let s = io.to_string();
            match s.find(" (os error") {
                Some(i) => s[..i].to_string(),
                None => s,
            }
        }
        ClientError::Closed => "Server closed the connection".to_string(),
        other => other.to_string(),
    }
}

fn eq(a: &[u8], b: &str) -> bool {
    a.eq_ignore_ascii_case(b.as_bytes())
}

fn is_error(f: &Frame) -> bool {
    matches!(f, Frame::Error(_) | Frame::BlobError(_))
}

fn error_text(f: &Frame) -> String {
    match f {
        Frame::Error(e) | Frame::BlobError(e) => String::from_utf8_lossy(e).into_owned(),
        _ => String::new(),
    }
}

/// The subscription count a (un)subscribe confirmation reports, `None` for other frames.
fn subscription_count(f: &Frame) -> Option<i64> {
    let (Frame::Array(items) | Frame::Push(items)) = f else {
        return None;
    };
    let [Frame::Bulk(kind) | Frame::Simple(kind), _, Frame::Integer(n)] = items.as_slice() else {
        return None;
    };
    let kinds = [
        "subscribe",
        "psubscribe",
        "ssubscribe",
        "unsubscribe",
        "punsubscribe",
        "sunsubscribe",
    ];
    kinds
        .iter()
        .any(|k| kind.eq_ignore_ascii_case(k.as_bytes()))
        .then_some(*n)
}

/// Commands redis-cli prints raw whatever the output mode (their replies are text blocks).
pub fn prints_raw(argv: &[Vec<u8>]) -> bool {
    let argc = argv.len();
    let Some(cmd) = argv.first() else {
        return false;
    };
    let sub = |s: &str| argc >= 2 && eq(&argv[1], s);
    eq(cmd, "info")
        || eq(cmd, "lolwut")
        || (eq(cmd, "debug") && (sub("htstats") || sub("htstats-key") || sub("client-eviction")))
        || (eq(cmd, "memory") && (sub("malloc-stats") || sub("doctor")))
        || (argc == 2 && eq(cmd, "cluster") && (sub("nodes") || sub("info")))
        || (eq(cmd, "client") && (sub("list") || sub("info")))
        || (argc == 3 && eq(cmd, "latency") && sub("graph"))
        || (argc == 2 && eq(cmd, "latency") && sub("doctor"))
        || (eq(cmd, "proxy") && sub("info"))
}

impl Session {
    pub fn new(cfg: Config) -> Self {
        Session {
            cfg,
            conn: None,
            db: 0,
            in_multi: false,
            subscribed: false,
            pre_multi_db: 0,
            last_reply: None,
        }
    }

    /// `host:port[db](TX)> `, as redis-cli's prompt.
    pub fn prompt(&self) -> String {
        let mut p = match &self.cfg.endpoint {
            Endpoint::Unix(path) => format!("redis {}", path.display()),
            ep => ep.to_string(),
        };
        if self.db != 0 {
            p.push_str(&format!("[{}]", self.db));
        }
        if self.in_multi {
            p.push_str("(TX)");
        }
        if self.subscribed {
            p.push_str("(subscribed mode)");
        }
        p.push_str("> ");
        p
    }

    /// redis-cli's `cliConnect`: (re)connects, then AUTH, SELECT and HELLO 3 as configured.
    /// `quiet` suppresses the "Could not connect" message.
    pub fn connect(&mut self, quiet: bool) -> bool {
        if self.conn.take().is_some() {
            self.db = 0;
            self.in_multi = false;
            self.subscribed = false;
        }
        let mut conn = match Connection::connect(&self.cfg.endpoint, None) {
            Ok(c) => c,
            Err(e) => {
                if !quiet {
                    let at = match &self.cfg.endpoint {
                        Endpoint::Unix(p) => p.display().to_string(),
                        Endpoint::Tcp { host, port } => format!("{host}:{port}"),
                    };
                    eprintln!("Could not connect to Redis at {at}: {}", errstr(&e));
                }
                return false;
            }
        };
        if let Some(pass) = self.cfg.password.clone() {
            let mut args = vec!["AUTH".to_string()];
            args.extend(self.cfg.user.clone());
            args.push(pass);
            match conn.call(&args) {
                Ok(f) if is_error(&f) => {
                    eprintln!("AUTH failed: {}", error_text(&f));
                    self.conn = Some(conn);
                    return false;
                }
                Ok(_) => {}
                Err(_) => {
                    eprintln!("\nI/O error");
                    return false;
                }
            }
        }
        if self.cfg.input_db != 0 {
            match conn.call(&["SELECT".to_string(), self.cfg.input_db.to_string()]) {
                Ok(f) if is_error(&f) => {
                    eprintln!("SELECT {} failed: {}", self.cfg.input_db, error_text(&f));
                    self.conn = Some(conn);
                    return false;
                }
                Ok(_) => self.db = self.cfg.input_db,
                Err(_) => {
                    eprintln!("\nI/O error");
                    return false;
                }
            }
        }
        if self.cfg.resp3 != 0 {
            match conn.call(&["HELLO", "3"]) {
                Ok(f) if is_error(&f) => {
                    eprintln!("HELLO 3 failed: {}", error_text(&f));
                    if self.cfg.resp3 == 1 {
                        self.conn = Some(conn);
                        return false;
                    }
                }
                Ok(_) => conn.protocol = 3,
                Err(_) => {
                    eprintln!("\nI/O error");
                    return false;
                }
            }
        }
        self.conn = Some(conn);
        true
    }

    /// Reads the next frame, polling for Ctrl-C. `Ok(None)`: interrupted.
    fn read(&mut self) -> Result<Option<Frame>, ClientError> {
        let conn = self.conn.as_mut().ok_or(ClientError::Closed)?;
        conn.set_timeout(Some(Duration::from_millis(100)))?;
        loop {
            if INTERRUPTED.swap(false, Ordering::SeqCst) {
                return Ok(None);
            }
            match conn.read_frame() {
                Err(ClientError::Io(e))
                    if matches!(
                        e.kind(),
                        io::ErrorKind::WouldBlock
                            | io::ErrorKind::TimedOut
                            | io::ErrorKind::Interrupted
                    ) => {}
                other => return other.map(Some),
            }
        }
    }

    /// Reads one reply, printing pushes that come first (when configured), and the reply.
    /// `Err` means the connection is unusable (message printed); `Ok(None)`: Ctrl-C.
    fn read_reply(
        &mut self,
        out: &mut dyn Write,
        verbatim: bool,
        pushes_are_replies: bool,
    ) -> Result<Option<Frame>, ()> {
        loop {
            let frame = match self.read() {
                Ok(Some(f)) => f,
                Ok(None) => {
                    if !self.cfg.interactive {
                        std::process::exit(1);
                    }
                    return Ok(None);
                }
                Err(e) => {
                    if !self.cfg.interactive {
                        eprintln!("Error: {}", errstr(&e));
                        std::process::exit(1);
                    }
                    eprintln!("Error: {}", errstr(&e));
                    self.conn = None;
                    return Err(());
                }
            };
            if let (Frame::Push(_), false) = (&frame, pushes_are_replies) {
                if self.cfg.push_output {
                    let text = match self.cfg.style.mode {
                        OutputMode::Tty => format_invalidate(&frame),
                        _ => None,
                    }
                    .unwrap_or_else(|| format_reply(&frame, &self.cfg.style, false));
                    let _ = out.write_all(&text);
                }
                continue;
            }
            self.last_reply = Some(frame.clone());
            if !self.cfg.interactive && self.cfg.errcode && is_error(&frame) {
                let _ = out.flush();
                eprintln!("{}", error_text(&frame));
                std::process::exit(1);
            }
            let _ = out.write_all(&format_reply(&frame, &self.cfg.style, verbatim));
            let _ = out.flush();
            return Ok(Some(frame));
        }
    }

    /// redis-cli's `issueCommandRepeat`: reconnects if needed, sends `argv` `repeat` times
    /// (negative: forever) and prints the replies.
    pub fn issue(&mut self, argv: &[Vec<u8>], repeat: i64, out: &mut dyn Write) -> Outcome {
        if self.conn.is_none() && !self.connect(false) {
            return Outcome::Failed;
        }
        if self.conn.is_none() {
            return Outcome::Failed;
        }
        match self.send_repeat(argv, repeat, out) {
            Ok(()) => Outcome::Ok,
            Err(()) => {
                self.conn = None;
                Outcome::Failed
            }
        }
    }

    fn send_repeat(
        &mut self,
        argv: &[Vec<u8>],
        mut repeat: i64,
        out: &mut dyn Write,
    ) -> Result<(), ()> {
        let Some(cmd) = argv.first() else {
            return Ok(());
        };
        let verbatim = prints_raw(argv);
        let monitor = eq(cmd, "monitor");
        let subscribe = eq(cmd, "subscribe") || eq(cmd, "psubscribe") || eq(cmd, "ssubscribe");
        // Once subscribed (terminal prompt only), every command's answers are read as
        // messages are: in reading mode.
        let pubsub = subscribe || self.subscribed;
        INTERRUPTED.store(false, Ordering::SeqCst);
        while repeat != 0 {
            if repeat > 0 {
                repeat -= 1;
            }
            let sent = match self.conn.as_mut() {
                Some(c) => c.send(argv),
                None => return Err(()),
            };
            if let Err(e) = sent {
                eprintln!("Error: {e}");
                if !self.cfg.interactive {
                    std::process::exit(1);
                }
                return Err(());
            }
            if monitor || pubsub {
                if subscribe && self.cfg.style.mode != OutputMode::Raw {
                    let _ = out.write_all(b"Reading messages... (press Ctrl-C to quit)\n");
                    let _ = out.flush();
                }
                loop {
                    match self.read_reply(out, verbatim, true)? {
                        Some(f) if is_error(&f) => break,
                        Some(f) if pubsub && self.cfg.keep_subscriptions => {
                            match subscription_count(&f) {
                                Some(n) => {
                                    self.subscribed = n > 0;
                                    if n == 0 {
                                        break;
                                    }
                                }
                                // RESET's reply, or anything that is not a message.
                                None if !matches!(f, Frame::Array(_) | Frame::Push(_)) => {
                                    self.subscribed = false;
                                    break;
                                }
                                None => {}
                            }
                        }
                        Some(_) => {}
                        None => {
                            let _ = out.write_all(b"\n");
                            if pubsub && self.cfg.keep_subscriptions && self.subscribed {
                                // Back to the prompt, still subscribed.
                                return Ok(());
                            }
                            // Ctrl-C: the connection is in a reading state; start afresh.
                            self.connect(false);
                            return Ok(());
                        }
                    }
                }
                if monitor {
                    return Ok(());
                }
                continue;
            }
            let Some(reply) = self.read_reply(out, verbatim, false)? else {
                // Ctrl-C while waiting (BLPOP, DEBUG SLEEP): the reply would arrive later and
                // be taken for the next command's, so this connection is given up.
                let _ = out.write_all(b"\n");
                self.connect(false);
                return Ok(());
            };
            self.track_state(argv, &reply);
            if !self.cfg.interval.is_zero() {
                std::thread::sleep(self.cfg.interval);
            }
        }
        Ok(())
    }

    /// The prompt-visible state that follows from a reply, as in redis-cli's `cliSendCommand`.
    fn track_state(&mut self, argv: &[Vec<u8>], reply: &Frame) {
        let cmd = &argv[0];
        let argc = argv.len();
        let err = is_error(reply);
        if eq(cmd, "select") && argc == 2 && !err {
            let db = std::str::from_utf8(&argv[1])
                .ok()
                .and_then(|s| s.trim().parse().ok())
                .unwrap_or(0);
            self.db = db;
            self.cfg.input_db = db;
        } else if eq(cmd, "auth") && (argc == 2 || argc == 3) {
            self.select_input_db();
        } else if eq(cmd, "multi") && argc == 1 && !err {
            self.in_multi = true;
            self.pre_multi_db = self.db;
        } else if eq(cmd, "exec") && argc == 1 && self.in_multi {
            self.in_multi = false;
            if err || matches!(reply, Frame::NullArray | Frame::NullBulk | Frame::Null) {
                self.db = self.pre_multi_db;
                self.cfg.input_db = self.db;
            }
        } else if eq(cmd, "discard") && argc == 1 && !err {
            self.in_multi = false;
            self.db = self.pre_multi_db;
            self.cfg.input_db = self.db;
        } else if eq(cmd, "reset") && argc == 1 && !err {
            self.in_multi = false;
            self.db = 0;
            self.cfg.input_db = 0;
            self.cfg.resp3 = 0;
        }
    }

    fn select_input_db(&mut self) {
        if self.cfg.input_db == self.db {
            return;
        }
        let db = self.cfg.input_db;
        if let Some(c) = self.conn.as_mut() {
            match c.call(&["SELECT".to_string(), db.to_string()]) {
                Ok(f) if is_error(&f) => eprintln!("SELECT {db} failed: {}", error_text(&f)),
                Ok(_) => self.db = db,
                Err(_) => eprintln!("\nI/O error"),
            }
        }
    }

    /// Sends a command and returns its reply without printing (for the tool's own queries).
    pub fn query<A: AsRef<[u8]>>(&mut self, args: &[A]) -> Result<Frame, ClientError> {
        let conn = self.conn.as_mut().ok_or(ClientError::Closed)?;
        conn.set_timeout(None)?;
        conn.call(args)
    }
}
