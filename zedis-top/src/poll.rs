//! Talking to one server: send the six commands of a poll over a blocking
//! [`zedis::client::Connection`], and a poller thread per server that polls at the chosen
//! interval, reconnects on its own after any failure, runs CLIENT KILL on request, and sends
//! [`Event`]s to the UI thread over a channel.
//!
//! It owns the sockets and the clock; parsing is `collect`'s and drawing is `ui`'s.

use crate::collect::{Replies, Snapshot, CONFIG_PARAMS};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use zedis::client::{ClientError, ConnectOptions, Connection};
use zedis::resp::Frame;

/// The slowlog entries asked for per poll.
pub const SLOWLOG_ENTRIES: usize = 32;

/// The name the dashboard's connections carry, so they can be told apart in CLIENT LIST.
pub const CLIENT_NAME: &str = "zedis-top";

/// Runs one poll: the six commands pipelined, then their six replies.
pub fn poll_once(conn: &mut Connection, origin: Instant) -> Result<Snapshot, ClientError> {
    let slowlog_count = SLOWLOG_ENTRIES.to_string();
    let mut config = vec!["CONFIG", "GET"];
    config.extend_from_slice(CONFIG_PARAMS);
    let commands: [&[&str]; 6] = [
        &["INFO", "all"],
        &["CLIENT", "LIST"],
        &["SLOWLOG", "GET", &slowlog_count],
        &config,
        &["LATENCY", "LATEST"],
        &["MEMORY", "STATS"],
    ];
    for c in commands {
        conn.send(c)?;
    }
    let mut read = || -> Result<Frame, ClientError> {
        loop {
            match conn.read_frame()? {
                Frame::Push(_) => continue,
                f => return Ok(f),
            }
        }
    };
    let replies = Replies {
        info: read()?,
        client_list: read()?,
        slowlog: read()?,
        config: read()?,
        latency: read()?,
        memory_stats: read()?,
    };
    Ok(Snapshot::from_replies(
        &replies,
        origin.elapsed().as_millis() as u64,
        unix_ms(),
    ))
}

pub fn unix_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

/// Connection options as the dashboard uses them: a timeout so a hung server shows as
/// disconnected instead of freezing the poller.
pub fn dashboard_options(mut opts: ConnectOptions, interval: Duration) -> ConnectOptions {
    opts.timeout = Some(interval.max(Duration::from_secs(2)));
    opts
}

/// Opens a dashboard connection and names it; a server without CLIENT SETNAME is still
/// watched, unnamed.
pub fn open(opts: &ConnectOptions, interval: Duration) -> Result<Connection, ClientError> {
    let mut c = Connection::open(&dashboard_options(opts.clone(), interval))?;
    let _ = c.call(&["CLIENT", "SETNAME", CLIENT_NAME])?;
    Ok(c)
}

/// What a poller tells the UI.
#[derive(Debug)]
pub enum Event {
    Snapshot {
        server: usize,
        snapshot: Box<Snapshot>,
    },
    Disconnected {
        server: usize,
        why: String,
    },
    /// The outcome of a CLIENT KILL the user asked for.
    Killed {
        server: usize,
        result: Result<String, String>,
    },
}

/// What the UI asks a poller to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Request {
    KillClient(u64),
    PollNow,
}

/// Settings every poller shares with the UI.
#[derive(Debug)]
pub struct Shared {
    pub interval_ms: AtomicU64,
    pub stop: AtomicBool,
}

impl Shared {
    pub fn new(interval: Duration) -> Arc<Self> {
        Arc::new(Shared {
            interval_ms: AtomicU64::new(interval.as_millis() as u64),
            stop: AtomicBool::new(false),
        })
    }

    pub fn interval(&self) -> Duration {
        Duration::from_millis(self.interval_ms.load(Ordering::Relaxed))
    }
}

/// The poller loop for one server; returns when `shared.stop` is set or the UI is gone.
pub fn run_poller(
    server: usize,
    opts: ConnectOptions,
    shared: Arc<Shared>,
    requests: Receiver<Request>,
    events: Sender<Event>,
    origin: Instant,
) {
    let mut conn: Option<Connection> = None;
    while !shared.stop.load(Ordering::Relaxed) {
        let interval = shared.interval();
        if conn.is_none() {
            match open(&opts, interval) {
                Ok(c) => conn = Some(c),
                Err(e) => {
                    let why = format!("cannot connect to {}: {e}", opts.endpoint);
                    if events.send(Event::Disconnected { server, why }).is_err() {
                        return;
                    }
                }
            }
        }
        if let Some(c) = conn.as_mut() {
            let ev = match poll_once(c, origin) {
                Ok(s) => Event::Snapshot {
                    server,
                    snapshot: Box::new(s),
                },
                Err(e) => {
                    conn = None;
                    Event::Disconnected {
                        server,
                        why: format!("lost {}: {e}", opts.endpoint),
                    }
                }
            };
            if events.send(ev).is_err() {
                return;
            }
        }
        // Wait out the interval, serving requests meanwhile.
        let deadline = Instant::now() + interval;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() || shared.stop.load(Ordering::Relaxed) {
                break;
            }
            match requests.recv_timeout(left.min(Duration::from_millis(100))) {
                Ok(Request::PollNow) => break,
                Ok(Request::KillClient(id)) => {
                    let result = match conn.as_mut() {
                        Some(c) => kill(c, id),
                        None => Err("not connected".to_string()),
                    };
                    if events.send(Event::Killed { server, result }).is_err() {
                        return;
                    }
                }
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => return,
            }
        }
    }
}

fn kill(c: &mut Connection, id: u64) -> Result<String, String> {
    match c.call(&["CLIENT", "KILL", "ID", &id.to_string()]) {
        Ok(Frame::Integer(1)) => Ok(format!("killed client {id}")),
        Ok(Frame::Integer(_)) => Err(format!("client {id} is gone already")),
        Ok(f) => Err(crate::collect::frame_error(&f).unwrap_or_else(|| format!("{f:?}"))),
        Err(e) => Err(e.to_string()),
    }
}
