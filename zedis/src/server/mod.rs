//! The running server: listeners, connection tasks, the store thread's loop, the periodic cron
//! (active expiry, idle timeouts, statistics), CLIENT PAUSE, and shutdown.
//!
//! Data flow: a connection task (tokio) reads, decodes every complete request it has into one
//! batch, and sends it to the store thread's inbox. The store thread — the only code that touches
//! the keyspace — executes the batch and drops the encoded replies into the client's mailbox; the
//! task writes them out in one go and only then reads more (so one batch per client is in flight,
//! which bounds memory without any other flow control).

pub mod affinity;
pub mod aof;
pub mod aof_files;
pub mod blocking;
pub mod client_evict;
pub mod clock;
pub mod info;
pub mod log;
pub mod mailbox;
pub mod net;
pub mod outbuf;
pub mod persistence;
pub mod pubsub;
pub mod state;

use crate::commands;
use crate::config::Config;
use bytes::{Bytes, BytesMut};
use state::{Client, Engine};
use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use thiserror::Error;

#[derive(Debug, Error)]
pub enum ServerError {
    #[error("could not create server TCP listening socket {addr}: {source}")]
    Bind {
        addr: String,
        source: std::io::Error,
    },
    #[error("could not create unix socket {path}: {source}")]
    Unix {
        path: String,
        source: std::io::Error,
    },
    #[error("could not start the runtime: {0}")]
    Runtime(std::io::Error),
    #[error("no listening socket: set a port or a unixsocket")]
    NoListener,
}

/// Settings and counters shared between the store thread and the network tasks.
#[derive(Default)]
pub struct NetShared {
    pub requirepass_set: AtomicBool,
    pub protected_mode: AtomicBool,
    pub maxclients: AtomicUsize,
    pub connected: AtomicUsize,
    pub max_bulk_len: AtomicI64,
    /// client-query-buffer-limit: a connection whose unparsed input grows past this is closed.
    pub query_buffer_limit: AtomicU64,
    pub net_in: AtomicU64,
    pub net_out: AtomicU64,
    pub rejected: AtomicU64,
    pub accepted: AtomicU64,
    pub next_id: AtomicU64,
    pub tcp_keepalive: AtomicU64,
    /// Every byte the real clients' buffers hold (see `mailbox::Meter`).
    pub client_buffers: mailbox::Meter,
}

impl NetShared {
    pub fn from_config(c: &Config) -> NetShared {
        let n = NetShared::default();
        n.apply(c);
        n.next_id.store(1, Ordering::Relaxed);
        n
    }

    pub fn apply(&self, c: &Config) {
        self.requirepass_set
            .store(c.requirepass.is_some(), Ordering::Relaxed);
        self.protected_mode
            .store(c.protected_mode, Ordering::Relaxed);
        self.maxclients
            .store(c.maxclients as usize, Ordering::Relaxed);
        self.max_bulk_len
            .store(c.proto_max_bulk_len as i64, Ordering::Relaxed);
        self.query_buffer_limit
            .store(c.client_query_buffer_limit, Ordering::Relaxed);
        self.tcp_keepalive
            .store(c.tcp_keepalive as u64, Ordering::Relaxed);
    }
}

/// Messages into the store thread's inbox.
pub enum Msg {
    Connect(Box<Client>),
    /// Every complete request a connection had, in order; a protocol error found after them is
    /// answered after their replies, then the connection closes.
    Batch {
        id: u64,
        cmds: Vec<Vec<Bytes>>,
        proto_error: Option<Bytes>,
    },
    Disconnect(u64),
    /// SIGTERM / SIGINT.
    Signal(&'static str),
}

/// Applies configuration changes that need more than the new value in `Config`.
pub fn apply_config_change(eng: &mut Engine, changed: &[&'static str]) {
    if !changed.is_empty() {
        eng.net_settings_changed = true;
    }
    if changed.contains(&"notify-keyspace-events") {
        eng.store.signals.event_mask =
            commands::notify::store_event_mask(eng.config.notify_keyspace_events);
    }
    if changed.contains(&"appendonly") {
        if eng.config.appendonly {
            if let Err(e) = aof_files::enable(eng) {
                log::warning(&format!("Can't turn the AOF on: {e}"));
                eng.config.appendonly = false;
            }
        } else {
            aof_files::disable(eng);
        }
    }
    if changed.contains(&"appendfsync") {
        eng.aof.set_policy(eng.config.appendfsync);
    }
    if changed.contains(&"loglevel") {
        log::set_level(log::Level::from_config(&eng.config));
    }
}

/// Where connection tasks send their messages.
///
/// `Thread`: the store thread has its own OS thread and an mpsc inbox; the I/O runs on
/// `io-threads` tokio workers. `Inline`: with `io-threads 1` (Redis's default, and what a 2-core
/// machine wants) the store thread *is* the single event-loop thread, as in Redis, and a
/// message is handled on the spot: no cross-thread hand-off, no wake-ups. Either way only one
/// thread ever touches the keyspace and every message goes through the same `Loop::handle`.
#[derive(Clone)]
pub enum Inbox {
    Thread(Sender<Msg>),
    Inline(Arc<InlineLoop>),
}

/// The store loop when it runs on the event-loop thread. The mutex is never contended (there is
/// one thread); it only makes the state shareable between that thread's tasks.
pub struct InlineLoop {
    lp: Mutex<Loop>,
    done: tokio::sync::Notify,
    /// Wakes the task that hands the round's AOF bytes to the writer thread (it runs after
    /// the connection tasks that were ready with it, as Redis's beforeSleep).
    aof_flush: tokio::sync::Notify,
}

impl Inbox {
    /// Delivers a message; false when the store side is gone.
    pub fn send(&self, m: Msg) -> bool {
        match self {
            Inbox::Thread(tx) => tx.send(m).is_ok(),
            Inbox::Inline(il) => {
                let mut lp = il.lp.lock().unwrap_or_else(|p| p.into_inner());
                lp.eng.store.now_ms = clock::unix_millis();
                lp.handle(m);
                lp.after_messages();
                if lp.eng.aof.has_pending() {
                    il.aof_flush.notify_one();
                }
                if lp.eng.shutdown.is_some() {
                    il.done.notify_one();
                }
                true
            }
        }
    }
}

/// Starts everything and blocks until shutdown. Returns the process exit code.
pub fn run(config: Config) -> Result<i32, ServerError> {
    // A file-size limit (RLIMIT_FSIZE) must make a write fail with EFBIG, which the AOF and
    // snapshot writers report and recover from, rather than kill the process.
    #[cfg(unix)]
    // SAFETY: setting a signal's disposition to "ignore" at startup, before any thread exists.
    unsafe {
        libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
    }
    // Before the runtime and every other thread exist, so that they inherit server_cpulist.
    affinity::init(&config);
    let io_threads = config.io_threads.max(1) as usize;
    let shared = Arc::new(NetShared::from_config(&config));
    let inline = io_threads == 1;
    let rt = if inline {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
    } else {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(io_threads)
            .thread_name("zedis-io")
            .enable_all()
            .build()
    }
    .map_err(ServerError::Runtime)?;
    let listeners = rt.block_on(net::bind_all(&config))?;
    let port = listeners.tcp_port();
    log::notice(&format!(
        "zedis {} (Redis {} compatible) started: pid={}, port={}, io-threads={} ({})",
        crate::VERSION,
        crate::REDIS_VERSION,
        std::process::id(),
        port,
        io_threads,
        if inline {
            "event loop and store on one thread"
        } else {
            "separate store thread"
        }
    ));
    let mut eng = Engine::new(config, clock::unix_millis());
    eng.port = port;
    let release_held = Arc::new(tokio::sync::Notify::new());
    if inline {
        // Held `appendfsync always` replies are released by a task on this thread.
        eng.aof.release_on = Some(release_held.clone());
    }
    eng.store.now_ms = clock::unix_millis();
    if eng.config.appendonly {
        // As Redis: with the AOF on, it alone is loaded (synchronously, before serving).
        if let Err(e) = aof_files::startup(&mut eng) {
            log::warning(&e);
            log::warning("Fatal error loading the append only file. Exiting.");
            return Ok(1);
        }
    } else {
        persistence::start_loading(&mut eng);
    }
    let lp = Loop::new(eng, shared.clone(), inline);
    if inline {
        let il = Arc::new(InlineLoop {
            lp: Mutex::new(lp),
            done: tokio::sync::Notify::new(),
            aof_flush: tokio::sync::Notify::new(),
        });
        let inbox = Inbox::Inline(il.clone());
        let code = rt.block_on(async {
            tokio::spawn(net::accept_all(listeners, inbox.clone(), shared.clone()));
            tokio::spawn(net::signals(inbox.clone()));
            let release_loop = il.clone();
            tokio::spawn(async move {
                loop {
                    release_held.notified().await;
                    let lp = release_loop.lp.lock().unwrap_or_else(|p| p.into_inner());
                    lp.eng.aof.release_held();
                }
            });
            let flush_loop = il.clone();
            tokio::spawn(async move {
                loop {
                    flush_loop.aof_flush.notified().await;
                    let mut lp = flush_loop.lp.lock().unwrap_or_else(|p| p.into_inner());
                    lp.eng.aof.submit();
                }
            });
            let cron_loop = il.clone();
            tokio::spawn(async move {
                let mut next_cron = Instant::now();
                loop {
                    let wait = {
                        let mut lp = cron_loop.lp.lock().unwrap_or_else(|p| p.into_inner());
                        lp.eng.store.now_ms = clock::unix_millis();
                        lp.after_messages();
                        if Instant::now() >= next_cron {
                            lp.cron();
                            next_cron = Instant::now() + lp.cron_period();
                        }
                        // What the cron logged (expired keys' DELs) goes out now.
                        lp.eng.aof.submit();
                        if lp.eng.shutdown.is_some() {
                            // Decided outside any command (a failed load): stop now, before
                            // another client is served.
                            cron_loop.done.notify_one();
                            return;
                        }
                        lp.next_wake(next_cron)
                    };
                    if wait.is_zero() {
                        // A snapshot is being walked: let the connections run, then go on.
                        tokio::task::yield_now().await;
                    } else {
                        tokio::time::sleep(wait).await;
                    }
                }
            });
            log::notice("Ready to accept connections");
            il.done.notified().await;
            let mut lp = il.lp.lock().unwrap_or_else(|p| p.into_inner());
            lp.finish_shutdown()
        });
        rt.shutdown_timeout(Duration::from_millis(100));
        return Ok(code);
    }
    let (tx, rx) = std::sync::mpsc::channel::<Msg>();
    let store = std::thread::Builder::new()
        .name("zedis-store".into())
        .spawn(move || store_loop(lp, rx))
        .map_err(ServerError::Runtime)?;
    rt.spawn(net::accept_all(
        listeners,
        Inbox::Thread(tx.clone()),
        shared.clone(),
    ));
    rt.spawn(net::signals(Inbox::Thread(tx)));
    log::notice("Ready to accept connections");
    let code = store.join().unwrap_or(1);
    rt.shutdown_timeout(Duration::from_millis(100));
    Ok(code)
}

/// Buffers that grew past this are dropped after use rather than kept for reuse.
pub const BIG_BUFFER: usize = 1 << 20;

/// A batch waiting for CLIENT PAUSE to end.
struct Deferred {
    id: u64,
    cmds: VecDeque<Vec<Bytes>>,
    proto_error: Option<Bytes>,
}

/// The store side: the engine plus the little state the loop keeps between messages.
pub struct Loop {
    eng: Engine,
    /// The loop runs on the event-loop thread (`io-threads 1`).
    inline: bool,
    out: BytesMut,
    deferred: VecDeque<Deferred>,
    shared: Arc<NetShared>,
}

/// The store thread in threaded mode: drains the inbox, executes, runs the cron.
fn store_loop(mut lp: Loop, rx: Receiver<Msg>) -> i32 {
    let mut next_cron = Instant::now();
    loop {
        let period = lp.cron_period();
        let wait = lp.next_wake(next_cron);
        let first = match rx.recv_timeout(wait) {
            Ok(m) => Some(m),
            Err(RecvTimeoutError::Timeout) => None,
            Err(RecvTimeoutError::Disconnected) => return 0,
        };
        lp.eng.store.now_ms = clock::unix_millis();
        if let Some(m) = first {
            lp.handle(m);
            // Drain everything already queued before looking at the clock again.
            while lp.eng.shutdown.is_none() {
                match rx.try_recv() {
                    Ok(m) => lp.handle(m),
                    Err(_) => break,
                }
            }
        }
        if lp.eng.shutdown.is_some() {
            return lp.finish_shutdown();
        }
        lp.after_messages();
        if Instant::now() >= next_cron {
            lp.cron();
            next_cron = Instant::now() + period;
        }
        if lp.eng.shutdown.is_some() {
            // Decided outside any command (a failed load).
            return lp.finish_shutdown();
        }
    }
}

impl Loop {
    fn new(mut eng: Engine, shared: Arc<NetShared>, inline: bool) -> Loop {
        // The mailboxes of connections count their buffers where client eviction reads them.
        eng.client_mem.buffers = shared.client_buffers.clone();
        Loop {
            eng,
            inline,
            out: BytesMut::with_capacity(64 * 1024),
            deferred: VecDeque::new(),
            shared,
        }
    }

    fn cron_period(&self) -> Duration {
        Duration::from_millis(1000 / self.eng.config.hz.clamp(1, 500) as u64)
    }

    /// How long the loop may sleep: until the next cron, or sooner if a blocked client's
    /// timeout falls due first.
    fn next_wake(&self, next_cron: Instant) -> Duration {
        let mut until_cron = next_cron.saturating_duration_since(Instant::now());
        if let Some(d) = persistence::wake_within(&self.eng) {
            until_cron = until_cron.min(d);
        }
        match self.eng.blocking.next_deadline() {
            Some(d) => {
                let now = clock::unix_millis();
                until_cron.min(Duration::from_millis(d.saturating_sub(now)))
            }
            None => until_cron,
        }
    }

    /// Runs the parked batches of clients whose blocking command just ended.
    fn resume_unblocked(&mut self) {
        while let Some(id) = self.eng.blocking.unblocked.pop_front() {
            let Some(p) = self.eng.clients.get_mut(&id).and_then(|c| c.parked.take()) else {
                continue;
            };
            run_batch(
                &mut self.eng,
                id,
                p.cmds,
                p.proto_error,
                &mut self.out,
                &mut self.deferred,
            );
        }
    }

    fn handle(&mut self, m: Msg) {
        let eng = &mut self.eng;
        if eng.shutdown.is_some() {
            // The server is on its way out (SHUTDOWN, a signal, a failed load): nothing more
            // runs, so no client can be told anything the exit would contradict.
            if let Msg::Batch { id, .. } = m {
                if let Some(c) = eng.clients.get(&id) {
                    c.mailbox.close();
                }
            }
            return;
        }
        match m {
            Msg::Connect(mut c) => {
                c.authenticated = eng.config.requirepass.is_none();
                c.created_ms = eng.store.now_ms;
                c.last_interaction_ms = eng.store.now_ms;
                eng.stats.total_connections_received += 1;
                client_evict::connected(eng, &mut c);
                eng.clients.insert(c.id, c);
            }
            Msg::Disconnect(id) => {
                // An evicted client is already gone from `clients`.
                if let Some(mut c) = eng.clients.remove(&id) {
                    release_client(eng, &mut c);
                }
                self.deferred.retain(|d| d.id != id);
                self.shared.connected.fetch_sub(1, Ordering::Relaxed);
            }
            Msg::Batch {
                id,
                cmds,
                proto_error,
            } => {
                if let Some(d) = self.deferred.iter_mut().find(|d| d.id == id) {
                    // Keep order behind this client's already-paused commands.
                    d.cmds.extend(cmds);
                    d.proto_error = d.proto_error.take().or(proto_error);
                    return;
                }
                run_batch(
                    eng,
                    id,
                    cmds.into(),
                    proto_error,
                    &mut self.out,
                    &mut self.deferred,
                );
            }
            Msg::Signal(name) => {
                log::warning(&format!("Received {name} scheduling shutdown..."));
                match persistence::prepare_shutdown(eng, None) {
                    Ok(()) => eng.shutdown = Some(state::ShutdownRequest::default()),
                    Err(e) => log::warning(&format!(
                        "{name} received but errors trying to shut down the server ({e}); still running, check the logs"
                    )),
                }
            }
        }
    }

    /// Work after a burst of messages: release paused batches, publish changed settings.
    fn after_messages(&mut self) {
        if self.eng.blocking.next_deadline().is_some() {
            blocking::expire_timeouts(&mut self.eng);
        }
        persistence::tick(&mut self.eng);
        aof_files::tick(&mut self.eng);
        self.resume_unblocked();
        // Events of keys that expired outside any command (active expiry in the cron).
        commands::notify::flush_store_events(&mut self.eng, None);
        commands::notify::mark_dirty_watchers(&mut self.eng, None);
        // Keys the cron expired or evicted are logged as DELs, then the burst's log goes to
        // the writer thread.
        commands::propagate::log_server_deletes(&mut self.eng);
        if !self.inline {
            // Threaded: a burst is everything the inbox held; inline, the flush task submits
            // once per round of ready connections.
            self.eng.aof.submit();
        }
        if !self.deferred.is_empty() && !paused(&mut self.eng) {
            // Pause over: replay what waited, in arrival order.
            for d in std::mem::take(&mut self.deferred) {
                run_batch(
                    &mut self.eng,
                    d.id,
                    d.cmds,
                    d.proto_error,
                    &mut self.out,
                    &mut self.deferred,
                );
            }
        }
        // Deliveries outside any command (keyspace events of the cron) may have grown a
        // subscriber past `maxmemory-clients`.
        client_evict::check(&mut self.eng, false);
        if self.eng.net_settings_changed {
            self.shared.apply(&self.eng.config);
            self.eng.net_settings_changed = false;
        }
    }

    fn cron(&mut self) {
        cron(&mut self.eng, &self.shared, &self.deferred);
        persistence::cron(&mut self.eng);
        aof_files::cron(&mut self.eng);
        // Evictions a command's time budget cut short, or a lowered maxmemory, continue here
        // (Redis's eviction time event) rather than waiting for the next write.
        commands::memory::perform_evictions(&mut self.eng);
        // Client eviction's periodic retry (after it ran out of evictable clients).
        client_evict::check(&mut self.eng, true);
    }

    fn finish_shutdown(&mut self) -> i32 {
        finish_shutdown(&mut self.eng)
    }
}

/// Drops a departing client's store-side state (disconnected, or evicted before its
/// connection task has noticed): subscriptions, WATCHes, a blocking wait, MONITOR, and its
/// share of client memory.
pub(crate) fn release_client(eng: &mut Engine, c: &mut Client) {
    pubsub::forget_client(&mut eng.pubsub, c);
    commands::transactions::unwatch_all(&mut eng.store, c);
    blocking::unregister(eng, c);
    eng.monitors.retain(|m| *m != c.id);
    client_evict::forget(eng, c);
}

/// Whether CLIENT PAUSE is in force (clearing it when expired).
fn paused(eng: &mut Engine) -> bool {
    match eng.pause {
        Some(p) if p.until_ms > eng.store.now_ms => true,
        Some(_) => {
            eng.pause = None;
            false
        }
        None => false,
    }
}

/// Whether `args` must wait under the current pause.
fn must_wait(eng: &mut Engine, args: &[Bytes]) -> bool {
    if !paused(eng) {
        return false;
    }
    let all = eng.pause.is_some_and(|p| p.all);
    match commands::resolve(args) {
        // CLIENT UNPAUSE and friends are never held back, like Redis's exempt commands.
        Ok((spec, full)) if full.starts_with("client|") || spec.name == "ping" && !all => false,
        Ok((spec, _)) => all || spec.has_flag("write") || spec.has_flag("may_replicate"),
        Err(_) => all,
    }
}

/// Drops a batch's replies and disconnects the client when they would break its
/// `client-output-buffer-limit` (the normal class, or pubsub while it is subscribed).
fn enforce_output_limit(eng: &Engine, client: &mut Client, out: &mut BytesMut) -> bool {
    let limit = outbuf::limit_for(&eng.config, client);
    let broken = outbuf::breaks_limit(limit, eng.store.now_ms, client, out.len());
    if broken {
        out.clear();
    }
    broken
}

fn run_batch(
    eng: &mut Engine,
    id: u64,
    mut cmds: VecDeque<Vec<Bytes>>,
    proto_error: Option<Bytes>,
    out: &mut BytesMut,
    deferred: &mut VecDeque<Deferred>,
) {
    let Some(mut client) = eng.clients.remove(&id) else {
        return;
    };
    out.clear();
    if client.close_after_reply {
        // QUIT (or a protocol error) already asked for the connection to close; its task may
        // have read more before it noticed. Redis reads nothing more from such a client.
        let mb = client.mailbox.clone();
        aof::deliver(eng, &mb, &[], true, true);
        eng.clients.insert(id, client);
        return;
    }
    let mut cmd_clock = Instant::now();
    let mut held = false;
    while let Some(args) = cmds.pop_front() {
        if args.is_empty() {
            continue;
        }
        if must_wait(eng, &args) {
            cmds.push_front(args);
            held = true;
            break;
        }
        client.last_interaction_ms = eng.store.now_ms;
        commands::execute(eng, &mut client, &args, out, &mut cmd_clock);
        // Checked per command, as Redis checks per reply: a pipeline of big replies must not
        // pile up in `out` before the client's limit is looked at.
        if enforce_output_limit(eng, &mut client, out) {
            cmds.clear();
            break;
        }
        if !eng.store.signals.ready.is_empty() {
            // Like Redis, serve blocked clients right after the command that fed them (or
            // after the whole EXEC), before this client's next command.
            blocking::handle_ready(eng);
        }
        if client_evict::after_command(eng, &mut client, out.len()) {
            // Evicted (`maxmemory-clients`): its replies and the rest of its batch go with it,
            // as Redis stops processing an evicted client's pipeline.
            out.clear();
            return;
        }
        if client.blocked.is_some() {
            client.parked = Some(state::Parked { cmds, proto_error });
            let _ = enforce_output_limit(eng, &mut client, out);
            let mb = client.mailbox.clone();
            aof::deliver(eng, &mb, out, false, false);
            eng.clients.insert(id, client);
            return;
        }
        if client.close_after_reply || eng.shutdown.is_some() {
            cmds.clear();
            break;
        }
    }
    if held {
        let _ = enforce_output_limit(eng, &mut client, out);
        let mb = client.mailbox.clone();
        aof::deliver(eng, &mb, out, false, false);
        deferred.push_back(Deferred {
            id,
            cmds,
            proto_error,
        });
        eng.clients.insert(id, client);
        return;
    }
    if let Some(e) = proto_error {
        eng.stats.total_error_replies += 1;
        *eng.stats.errors.entry("ERR".to_string()).or_default() += 1;
        out.extend_from_slice(&e);
        client.close_after_reply = true;
    }
    client.mailbox.set_authenticated(client.authenticated);
    let _ = enforce_output_limit(eng, &mut client, out);
    let mb = client.mailbox.clone();
    aof::deliver(eng, &mb, out, true, client.close_after_reply);
    // A huge reply must not pin its buffer for the life of the server.
    if out.capacity() > BIG_BUFFER {
        *out = BytesMut::with_capacity(64 * 1024);
    }
    eng.clients.insert(id, client);
}

/// Periodic work, `hz` times a second.
fn cron(eng: &mut Engine, shared: &NetShared, held: &VecDeque<Deferred>) {
    let now = eng.store.now_ms;
    eng.mem_peak = eng.mem_peak.max(crate::alloc::used_memory() as u64);
    // Statistics samples for the instantaneous rates.
    eng.stats.net_input_bytes = shared.net_in.load(Ordering::Relaxed);
    eng.stats.net_output_bytes = shared.net_out.load(Ordering::Relaxed);
    eng.stats.rejected_connections = shared.rejected.load(Ordering::Relaxed);
    let samples = [
        (
            &mut eng.stats.ops_samples,
            eng.stats.total_commands_processed,
        ),
        (&mut eng.stats.input_samples, eng.stats.net_input_bytes),
        (&mut eng.stats.output_samples, eng.stats.net_output_bytes),
    ];
    for (ring, v) in samples {
        ring.push_back((now, v));
        while ring.len() > 16 {
            ring.pop_front();
        }
    }
    // Idle clients.
    let timeout = eng.config.timeout as u64;
    if timeout > 0 {
        for c in eng.clients.values() {
            // As Redis: blocked clients (including those held by CLIENT PAUSE) and subscribers
            // never count as idle.
            let exempt = c.monitor
                || c.blocked.is_some()
                || c.subs.any()
                || held.iter().any(|d| d.id == c.id);
            if !exempt && now.saturating_sub(c.last_interaction_ms) > timeout * 1000 {
                c.mailbox.close();
            }
        }
    }
    // Active expiry: at most 25% of a cron period, as Redis's slow cycle.
    if eng.active_expire_enabled && !persistence::is_loading(eng) {
        let started = Instant::now();
        let budget = Duration::from_micros(250_000 / eng.config.hz.clamp(1, 500) as u64);
        let effort = eng.config.active_expire_effort.clamp(1, 10) as usize;
        let per_loop = 20 + 20 / 4 * (effort - 1);
        let stale = 10 - (effort - 1);
        eng.store
            .active_expire_cycle(per_loop, stale, started + budget);
        let took = started.elapsed();
        eng.store.stats.expire_cycle_cpu_milliseconds += took.as_millis() as u64;
        commands::latency::monitor(eng, "expire-cycle", took.as_micros() as u64);
    }
}

fn finish_shutdown(eng: &mut Engine) -> i32 {
    log::warning("User requested shutdown...");
    aof_files::shutdown(eng);
    for c in eng.clients.values() {
        c.mailbox.close();
    }
    log::notice("zedis is now ready to exit, bye bye...");
    eng.persist.exit_code
}
