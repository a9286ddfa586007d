//! The store thread's world: the keyspace, the configuration, every client's session state, and
//! the counters INFO reports. Owned by exactly one thread, so plain fields, no locks.
//!
//! Connection tasks never see this; they talk to it through the inbox and their mailbox.

use crate::config::Config;
use crate::server::mailbox::Mailbox;
use crate::store::Store;
use bytes::Bytes;
use hashbrown::HashMap;
use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Instant;

/// CLIENT REPLY modes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReplyMode {
    On,
    Off,
    /// Skip the next command's reply, then back to On.
    Skip,
}

/// One WATCHed key.
#[derive(Debug, Clone)]
pub struct WatchedKey {
    pub db: usize,
    pub key: crate::store::SmallBytes,
    /// The key was already logically expired (not yet deleted) when watched: its deletion by
    /// expiry is then no change, as in Redis.
    pub expired: bool,
}

/// MULTI / WATCH state of one client.
#[derive(Default, Debug)]
pub struct TxState {
    /// Commands queued since MULTI (arguments copied, never the request buffer's `Bytes`).
    pub queued: Option<Vec<Vec<Bytes>>>,
    /// A command was refused while queueing: EXEC must answer EXECABORT.
    pub dirty_exec: bool,
    /// A WATCHed key was touched: EXEC must answer a null array.
    pub dirty_cas: bool,
    /// WATCHed keys.
    pub watched: Vec<WatchedKey>,
    /// Set while EXEC runs the queue (blocking commands then behave as non-blocking).
    pub in_exec: bool,
    /// Length of the queue EXEC is running (CLIENT INFO's `multi=` while it runs).
    pub exec_len: usize,
}

impl TxState {
    pub fn in_multi(&self) -> bool {
        self.queued.is_some()
    }
}

/// One client's session, as the store thread sees it.
pub struct Client {
    pub id: u64,
    pub addr: String,
    pub laddr: String,
    pub fd: i32,
    pub unix: bool,
    pub name: Option<Bytes>,
    pub db: usize,
    pub proto: u8,
    pub authenticated: bool,
    pub created_ms: u64,
    pub last_interaction_ms: u64,
    pub monitor: bool,
    pub no_evict: bool,
    /// When the client's pending output first passed its soft output-buffer limit (unix
    /// seconds), while it still is over (`outbuf`).
    pub obuf_soft_since: Option<u64>,
    pub reply_mode: ReplyMode,
    /// Full name of the last command ("client|list"), for CLIENT LIST.
    pub last_cmd: &'static str,
    pub mailbox: Arc<Mailbox>,
    /// Set when the connection must close after this batch's replies are written.
    pub close_after_reply: bool,
    /// Pub/Sub subscriptions (RESP2 clients with any are in subscribed mode).
    pub subs: crate::server::pubsub::Subscriptions,
    pub tx: TxState,
    /// Set while a blocking command (BLPOP, BZPOPMIN, ...) waits.
    pub blocked: Option<Box<crate::server::blocking::Blocked>>,
    /// The rest of the batch that was running when the client blocked; it resumes once the
    /// client is served, times out or is unblocked.
    pub parked: Option<Parked>,
    /// This client's share of client memory (`server::client_evict`).
    pub evict: crate::server::client_evict::Share,
}

/// Requests waiting behind a blocked command.
pub struct Parked {
    pub cmds: VecDeque<Vec<Bytes>>,
    pub proto_error: Option<Bytes>,
}

impl Client {
    pub fn new(
        id: u64,
        addr: String,
        laddr: String,
        fd: i32,
        unix: bool,
        mailbox: Arc<Mailbox>,
        now_ms: u64,
    ) -> Client {
        Client {
            id,
            addr,
            laddr,
            fd,
            unix,
            name: None,
            db: 0,
            proto: 2,
            authenticated: false,
            created_ms: now_ms,
            last_interaction_ms: now_ms,
            monitor: false,
            no_evict: false,
            obuf_soft_since: None,
            reply_mode: ReplyMode::On,
            last_cmd: "NULL",
            mailbox,
            close_after_reply: false,
            subs: Default::default(),
            tx: TxState::default(),
            blocked: None,
            parked: None,
            evict: Default::default(),
        }
    }
}

/// Per-command counters (INFO commandstats).
#[derive(Default, Clone, Debug)]
pub struct CmdStat {
    pub calls: u64,
    pub usec: u64,
    pub rejected_calls: u64,
    pub failed_calls: u64,
    /// The latency distribution (while `latency-tracking` is on; INFO latencystats).
    pub histogram: Option<Box<crate::commands::latency::CmdHistogram>>,
}

/// Server-wide counters (INFO stats).
#[derive(Default, Debug)]
pub struct Stats {
    pub total_connections_received: u64,
    pub total_commands_processed: u64,
    pub rejected_connections: u64,
    pub net_input_bytes: u64,
    pub net_output_bytes: u64,
    pub total_error_replies: u64,
    pub unexpected_error_replies: u64,
    /// Clients disconnected by `maxmemory-clients`.
    pub evicted_clients: u64,
    pub commands: HashMap<&'static str, CmdStat>,
    pub errors: HashMap<String, u64>,
    /// Samples for instantaneous_ops_per_sec: (ms, total commands) ring.
    pub ops_samples: VecDeque<(u64, u64)>,
    pub input_samples: VecDeque<(u64, u64)>,
    pub output_samples: VecDeque<(u64, u64)>,
}

/// One SLOWLOG entry.
#[derive(Clone, Debug)]
pub struct SlowEntry {
    pub id: u64,
    pub time: u64,
    pub duration_us: u64,
    pub args: Vec<Bytes>,
    pub addr: String,
    pub name: Bytes,
}

#[derive(Default, Debug)]
pub struct Slowlog {
    pub entries: VecDeque<SlowEntry>,
    pub next_id: u64,
}

/// A latency monitor event's history (LATENCY LATEST/HISTORY).
#[derive(Default, Clone, Debug)]
pub struct LatencyEvent {
    /// (unix seconds, milliseconds) samples, newest last, at most 160.
    pub samples: VecDeque<(u64, u64)>,
    pub max: u64,
}

/// CLIENT PAUSE state.
#[derive(Clone, Copy, Debug)]
pub struct Pause {
    pub until_ms: u64,
    /// WRITE mode pauses only write commands; ALL pauses everything.
    pub all: bool,
}

/// A SHUTDOWN that the server loop must carry out.
#[derive(Clone, Copy, Debug, Default)]
pub struct ShutdownRequest {
    pub save: Option<bool>,
    pub now: bool,
    pub force: bool,
}

/// Everything the store thread owns.
pub struct Engine {
    pub store: Store,
    pub config: Config,
    /// Every connected client except the one currently executing (which is lent to `Ctx`).
    pub clients: HashMap<u64, Box<Client>>,
    pub stats: Stats,
    pub slowlog: Slowlog,
    pub latency: HashMap<&'static str, LatencyEvent>,
    pub monitors: Vec<u64>,
    pub pubsub: crate::server::pubsub::PubSub,
    pub blocking: crate::server::blocking::Registry,
    pub pause: Option<Pause>,
    pub shutdown: Option<ShutdownRequest>,
    pub started: Instant,
    pub start_ms: u64,
    pub run_id: String,
    pub pid: u32,
    /// Actual TCP port (useful when started on port 0 in tests).
    pub port: u16,
    pub executable: String,
    pub lastsave: u64,
    pub dirty: u64,
    /// Highest `used_memory` seen by the cron.
    pub mem_peak: u64,
    /// `used_memory` when the server finished starting.
    pub mem_startup: u64,
    /// DEBUG SET-ACTIVE-EXPIRE: whether the cron runs the active expire cycle.
    pub active_expire_enabled: bool,
    /// Set by CONFIG SET for settings the network layer must apply (maxclients, timeout...).
    pub net_settings_changed: bool,
    /// Snapshots: background save, loading, save-point bookkeeping.
    pub persist: crate::server::persistence::Persistence,
    /// The append-only file (logging, writer thread, rewrite bookkeeping).
    pub aof: crate::server::aof::Aof,
    /// What the running command will log (see `commands::propagate`).
    pub prop: crate::commands::propagate::Propagation,
    /// Memory held by clients, for `maxmemory-clients` (`server::client_evict`).
    pub client_mem: crate::server::client_evict::ClientMemory,
}

impl Engine {
    pub fn new(config: Config, now_ms: u64) -> Engine {
        let databases = config.databases.max(1) as usize;
        let mut store = Store::new(databases);
        store.signals.event_mask =
            crate::commands::notify::store_event_mask(config.notify_keyspace_events);
        let mut run_id = String::with_capacity(40);
        for _ in 0..40 {
            run_id.push(char::from_digit(fastrand::u32(..16), 16).unwrap_or('0'));
        }
        Engine {
            store,
            config,
            clients: HashMap::new(),
            stats: Stats::default(),
            slowlog: Slowlog::default(),
            latency: HashMap::new(),
            monitors: Vec::new(),
            pubsub: Default::default(),
            blocking: Default::default(),
            pause: None,
            shutdown: None,
            started: Instant::now(),
            start_ms: now_ms,
            run_id,
            pid: std::process::id(),
            port: 0,
            executable: std::env::current_exe()
                .map(|p| p.display().to_string())
                .unwrap_or_default(),
            lastsave: now_ms / 1000,
            dirty: 0,
            net_settings_changed: false,
            active_expire_enabled: true,
            mem_peak: 0,
            mem_startup: crate::alloc::used_memory() as u64,
            persist: Default::default(),
            aof: Default::default(),
            prop: Default::default(),
            client_mem: Default::default(),
        }
    }
}
