//! The append-only file on the running server: logging, the writer thread, fsync policies with
//! group commit, write-error handling, and the INFO numbers. (Opening, loading and rewriting the
//! multi-part AOF directory live in `aof_files.rs`.)
//!
//! The store thread never touches the disk. Commands are encoded (`feed`, called by
//! `commands::propagate`) into `Aof::buf`; once per round of messages the buffer is *submitted*
//! to the writer thread: appended to a shared queue under a short lock. The writer thread writes
//! whatever has queued up in one `write`, then — under `always` — one `fdatasync` covers every
//! command queued before it (group commit; the gate in `raise_gate` lets the clients an fsync
//! released come back before the next one starts). Offsets into the log ("sequence numbers") are
//! total bytes submitted.
//!
//! Under `always`, a reply may leave only once the fsync covering every write before it is done:
//! `deliver` parks a batch's replies (with the submitted offset at that moment) while anything
//! submitted is not yet synced; after its fsync the writer wakes the event loop's release task
//! once (inline mode) or hands them to the mailboxes itself (threaded mode).
//! A read that comes when everything is synced goes out at once. Under `everysec` a separate
//! short-lived thread fsyncs once a second, so a slow disk delays neither commands nor writes;
//! an fsync still running after 2 s is counted in `aof_delayed_fsync`, as Redis does.
//!
//! A failed write (disk full, EIO) is undone (the file is truncated back to its last good
//! length), the bytes stay queued, writes are refused with `-MISCONF` and the writer retries
//! every second; when a retry succeeds writes are accepted again. Nothing acknowledged is lost:
//! under `always` nothing unsynced was acknowledged, under the other policies the acknowledged
//! bytes are still queued in memory.

use super::log;
use super::mailbox::Mailbox;
use super::state::Engine;
use crate::config::AppendFsync;
use crate::persist::aof::encode;
use bytes::Bytes;
use std::collections::VecDeque;
use std::fs::File;
use std::io::Write;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Redis's reply prefix for writes refused after an AOF write error.
pub const MISCONF_PREFIX: &str = "MISCONF Errors writing to the AOF file: ";

/// Whether the AOF is on, off, or starting (CONFIG SET appendonly yes: logging into the new incr
/// file while the base is written).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AofState {
    Off,
    On,
    WaitRewrite,
}

/// Replies held until the fsync covering `seq` is done.
struct Held {
    seq: u64,
    mailbox: Arc<Mailbox>,
    bytes: Vec<u8>,
    batch_done: bool,
    close: bool,
}

/// One item of the writer's queue.
enum Piece {
    Data(Vec<u8>),
    /// Continue in this file (a rewrite started: the new incr file); the old one is fsynced
    /// first. `seq` is the submitted offset at the switch.
    Switch(File, u64),
}

struct Inner {
    queue: VecDeque<Piece>,
    /// Total bytes submitted / written to a file / covered by an fsync.
    submitted: u64,
    written: u64,
    synced: u64,
    held: VecDeque<Held>,
    policy: AppendFsync,
    /// The last write or fsync error, while it lasts.
    error: Option<String>,
    stop: bool,
    /// Current incr file length (INFO aof_current_size counts it with the base).
    file_len: u64,
    fsync_running_since: Option<Instant>,
    last_fsync: Instant,
    delayed_fsync: u64,
    /// After an error: when to try again.
    next_retry: Instant,
    /// Write attempts so far (`drain` waits for one more after asking for a retry).
    attempts: u64,
    /// Written-out buffers handed back for reuse.
    free: Vec<Vec<u8>>,
    /// Bytes submitted without waking the writer (it polls under everysec / no).
    pending_since_wake: u64,
    /// The writer is blocked on the condition variable (so a submit must wake it).
    writer_waiting: bool,
    /// How long the last `always` fsync took (bounds the group-commit gate).
    last_sync_time: Duration,
    /// Replies held so far (a running count; the gate compares it with `gate_want`).
    held_total: u64,
    /// The group-commit gate under `always`: after an fsync released K held replies, the next
    /// fsync waits until K more replies are held (those clients have come back with their next
    /// command) or until `gate_until`, whichever is first. See `writer_loop`.
    gate_want: u64,
    gate_until: Option<Instant>,
}

struct Shared {
    m: Mutex<Inner>,
    cond: Condvar,
    /// Mirrors `Inner::error.is_some()` for the per-command refusal check.
    failed: AtomicBool,
    /// Bytes queued and not yet written (INFO aof_buffer_length, mem_aof_buffer).
    queued: AtomicU64,
    /// Inline mode: the event-loop task that releases held replies (`Aof::release_held`).
    release_on: Option<Arc<tokio::sync::Notify>>,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.m.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// The writer thread and what the store thread shares with it.
pub struct Writer {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

/// AOF state on the store thread.
pub struct Aof {
    pub state: AofState,
    /// Encoded commands not yet submitted.
    buf: Vec<u8>,
    /// The database the log is in (a SELECT is written when a command is for another one).
    selected: Option<usize>,
    /// Second of the last `#TS:` annotation.
    last_ts: u64,
    pub writer: Option<Writer>,
    /// Size of the base file (INFO aof_base_size) and of the incr files before the one being
    /// appended to (their sum with the current file is aof_current_size).
    pub base_size: u64,
    pub older_incr_size: u64,
    /// aof_current_size at the last rewrite (the base of the auto-rewrite growth rule).
    pub rewrite_base_size: u64,
    /// The manifest as last written.
    pub manifest: crate::persist::aof::Manifest,
    pub rewrite: super::aof_files::RewriteStats,
    /// An AOF load under way (clients get `-LOADING`).
    pub loading: Option<super::aof_files::AofLoad>,
    /// Something was logged since the last reply delivery (that reply acknowledges a write).
    fed: bool,
    /// Inline mode: where writer threads send "replies can be released" (see `Writer::start`).
    pub release_on: Option<Arc<tokio::sync::Notify>>,
}

impl Default for Aof {
    fn default() -> Self {
        Aof {
            state: AofState::Off,
            buf: Vec::new(),
            selected: None,
            last_ts: 0,
            writer: None,
            base_size: 0,
            older_incr_size: 0,
            rewrite_base_size: 0,
            manifest: Default::default(),
            rewrite: Default::default(),
            loading: None,
            fed: false,
            release_on: None,
        }
    }
}

/// Appends one command to the log buffer (with a SELECT first when its database differs from
/// the last logged one, and a `#TS:` line when `aof-timestamp-enabled` and the second changed).
pub fn feed(eng: &mut Engine, db: usize, argv: &[Bytes]) {
    let aof = &mut eng.aof;
    if aof.state == AofState::Off {
        return;
    }
    if eng.config.aof_timestamp_enabled {
        let now = eng.store.now_ms / 1000;
        if now != aof.last_ts {
            aof.last_ts = now;
            encode::encode_timestamp(&mut aof.buf, now as i64);
        }
    }
    if aof.selected != Some(db) {
        encode::encode_select(&mut aof.buf, db as u32);
        aof.selected = Some(db);
    }
    aof.buf.reserve(encode::encoded_len(argv));
    encode::encode_args(&mut aof.buf, argv);
    aof.fed = true;
}

impl Aof {
    /// Hands what was logged to the writer thread.
    pub fn submit(&mut self) {
        if self.buf.is_empty() {
            return;
        }
        let Some(w) = &self.writer else {
            self.buf.clear();
            return;
        };
        let n = self.buf.len() as u64;
        let wake = {
            let mut g = w.shared.lock();
            g.submitted += n;
            match g.queue.back_mut() {
                // Coalesce: the writer takes everything queued in one write anyway.
                Some(Piece::Data(d)) => d.extend_from_slice(&self.buf),
                _ => {
                    // A buffer the writer handed back, so the hot path allocates nothing.
                    let mut d = g.free.pop().unwrap_or_default();
                    d.extend_from_slice(&self.buf);
                    g.queue.push_back(Piece::Data(d));
                }
            }
            // Under `always` a reply waits for this: wake the writer now. Otherwise it comes
            // round within `POLL` by itself (a wake-up per batch would cost the store thread a
            // futex call per batch), or at once when a lot has queued.
            // A busy writer comes back for the queue by itself.
            // Under `always` with the group-commit gate up, only once the round it waits for is
            // complete (a writer waiting on the gate sleeps until the gate's deadline at most).
            g.writer_waiting
                && (g.policy == AppendFsync::Always
                    && (g.gate_until.is_none() || g.held_total >= g.gate_want)
                    || g.pending_since_wake + n > WAKE_BYTES
                    || {
                        g.pending_since_wake += n;
                        false
                    })
        };
        self.buf.clear();
        w.shared.queued.fetch_add(n, Ordering::Relaxed);
        if wake {
            w.shared.lock().pending_since_wake = 0;
            w.shared.cond.notify_one();
        }
        if self.buf.capacity() > super::BIG_BUFFER {
            self.buf = Vec::new();
        }
    }

    /// Releases the held replies the last fsync covers (the event loop's release task).
    pub fn release_held(&self) {
        if let Some(w) = &self.writer {
            release(&mut w.shared.lock());
        }
    }

    /// Whether logged bytes wait to be submitted.
    pub fn has_pending(&self) -> bool {
        !self.buf.is_empty()
    }

    /// Whether replies must wait for fsyncs (`appendfsync always` with an open log).
    pub fn gates_replies(&self, policy: AppendFsync) -> bool {
        self.writer.is_some() && policy == AppendFsync::Always
    }

    /// Whether the last write or fsync failed (writes are refused until a retry succeeds).
    pub fn write_failed(&self) -> bool {
        self.writer
            .as_ref()
            .is_some_and(|w| w.shared.failed.load(Ordering::Relaxed))
    }

    pub fn last_error(&self) -> Option<String> {
        self.writer
            .as_ref()
            .and_then(|w| w.shared.lock().error.clone())
    }

    /// Continue the log in `file` (a rewrite's new incr file) from this point on.
    pub fn switch_file(&mut self, file: File) {
        self.submit();
        if let Some(w) = &self.writer {
            let mut g = w.shared.lock();
            let at = g.submitted;
            g.queue.push_back(Piece::Switch(file, at));
            drop(g);
            w.shared.cond.notify_one();
        }
    }

    /// Current incr file length as the writer last wrote it.
    pub fn incr_len(&self) -> u64 {
        self.writer.as_ref().map_or(0, |w| w.shared.lock().file_len)
    }

    /// (bytes queued for the writer, delayed fsyncs)
    pub fn writer_stats(&self) -> (u64, u64) {
        match &self.writer {
            Some(w) => (
                w.shared.queued.load(Ordering::Relaxed) + self.buf.len() as u64,
                w.shared.lock().delayed_fsync,
            ),
            None => (self.buf.len() as u64, 0),
        }
    }

    pub fn set_policy(&mut self, p: AppendFsync) {
        if let Some(w) = &self.writer {
            w.shared.lock().policy = p;
            w.shared.cond.notify_one();
        }
    }

    /// Takes what was logged and not yet submitted (tests drive an engine without a writer).
    pub fn take_log(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.buf)
    }

    /// Starts logging without a file (tests): commands accumulate until `take_log`.
    pub fn log_to_memory(&mut self) {
        self.state = AofState::On;
    }

    /// Forgets the selected database (a new file starts without one).
    pub fn reset_selected(&mut self) {
        self.selected = None;
    }
}

/// Delivers a batch's replies, or holds them until the fsync that covers every write submitted
/// so far (`appendfsync always`).
pub fn deliver(
    eng: &mut Engine,
    mailbox: &Arc<Mailbox>,
    bytes: &[u8],
    batch_done: bool,
    close: bool,
) {
    let policy = eng.config.appendfsync;
    let wrote = std::mem::take(&mut eng.aof.fed);
    if eng.aof.gates_replies(policy) {
        // Not submitted here: the loop submits once per round of messages (Redis's
        // beforeSleep), so one fsync covers every client served in the round.
        let pending = eng.aof.buf.len() as u64;
        if let Some(w) = &eng.aof.writer {
            let mut g = w.shared.lock();
            // While the file cannot be written, writes are refused and only the replies of
            // writes wait for the recovery; reads and refusals go out, so the server stays
            // usable. (A write that raced with the failure is held like any other.)
            let failed = g.error.is_some();
            let end = g.submitted + pending;
            let unsynced = g.synced < end;
            if (wrote && unsynced) || (!failed && (unsynced || !g.held.is_empty())) {
                let seq = end;
                g.held_total += 1;
                g.held.push_back(Held {
                    seq,
                    mailbox: mailbox.clone(),
                    bytes: bytes.to_vec(),
                    batch_done,
                    close,
                });
                return;
            }
        }
    }
    mailbox.deliver(bytes, batch_done);
    if close {
        mailbox.close();
    }
}

/// After an fsync: with an event loop to hand them to, wake it once to release the held replies
/// there (one cross-thread wake per fsync, and the connection tasks are then woken from their
/// own thread); otherwise release them from here.
fn release_or_wake(shared: &Shared, g: &mut Inner) {
    match &shared.release_on {
        Some(n) if !g.held.is_empty() => n.notify_one(),
        Some(_) => {}
        None => release(g),
    }
}

/// Hands every held reply covered by `synced` to its mailbox.
fn release(g: &mut Inner) {
    while g.held.front().is_some_and(|h| h.seq <= g.synced) {
        if let Some(h) = g.held.pop_front() {
            h.mailbox.deliver(&h.bytes, h.batch_done);
            if h.close {
                h.mailbox.close();
            }
        }
    }
}

impl Writer {
    /// Starts the writer thread appending to `file` (already positioned at its end, `len` bytes).
    pub fn start(
        file: File,
        len: u64,
        policy: AppendFsync,
        release_on: Option<Arc<tokio::sync::Notify>>,
    ) -> std::io::Result<Writer> {
        let shared = Arc::new(Shared {
            m: Mutex::new(Inner {
                queue: VecDeque::new(),
                submitted: 0,
                written: 0,
                synced: 0,
                held: VecDeque::new(),
                policy,
                error: None,
                stop: false,
                file_len: len,
                fsync_running_since: None,
                last_fsync: Instant::now(),
                delayed_fsync: 0,
                next_retry: Instant::now(),
                attempts: 0,
                free: Vec::new(),
                pending_since_wake: 0,
                writer_waiting: false,
                last_sync_time: Duration::ZERO,
                held_total: 0,
                gate_want: 0,
                gate_until: None,
            }),
            cond: Condvar::new(),
            failed: AtomicBool::new(false),
            queued: AtomicU64::new(0),
            release_on,
        });
        let s2 = shared.clone();
        let thread = std::thread::Builder::new()
            .name("zedis-aof".into())
            .spawn(move || {
                super::affinity::enter(super::affinity::Role::Bio);
                writer_loop(s2, file)
            })?;
        Ok(Writer {
            shared,
            thread: Some(thread),
        })
    }

    /// Waits until everything submitted is written, retrying a failed write at once; an error
    /// that persists (or `timeout`) is returned. Shutdown uses it so that it can refuse to exit
    /// while acknowledged writes are not in the file.
    pub fn drain(&self, timeout: Duration) -> Result<(), String> {
        let deadline = Instant::now() + timeout;
        let mut g = self.shared.lock();
        let attempts0 = g.attempts;
        g.next_retry = Instant::now();
        self.shared.cond.notify_all();
        loop {
            if g.queue.is_empty() && g.written == g.submitted && g.error.is_none() {
                return Ok(());
            }
            if let Some(e) = &g.error {
                if g.attempts > attempts0 {
                    return Err(e.clone());
                }
            }
            let now = Instant::now();
            if now >= deadline {
                return Err("timed out writing the AOF file".into());
            }
            g = self
                .shared
                .cond
                .wait_timeout(g, (deadline - now).min(Duration::from_millis(50)))
                .unwrap_or_else(|p| p.into_inner())
                .0;
        }
    }

    /// Writes and fsyncs everything queued, then stops the thread (shutdown, appendonly no).
    /// Held replies are released either way.
    pub fn stop(mut self) -> Result<(), String> {
        {
            let mut g = self.shared.lock();
            g.stop = true;
        }
        self.shared.cond.notify_all();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        let mut g = self.shared.lock();
        let err = g.error.clone();
        // Whatever could not be written stays unacknowledged; the connections close anyway.
        g.synced = u64::MAX;
        release(&mut g);
        match err {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }
}

impl Drop for Writer {
    fn drop(&mut self) {
        if let Some(t) = self.thread.take() {
            self.shared.lock().stop = true;
            self.shared.cond.notify_all();
            let _ = t.join();
        }
    }
}

/// How long the writer waits before retrying after a write error (Redis retries once a second).
const RETRY: Duration = Duration::from_secs(1);
/// Under `everysec` / `no`, how often the writer looks for queued bytes unasked (what a
/// `kill -9` can lose beyond what those policies already allow is this much of writes).
const POLL: Duration = Duration::from_millis(1);
/// Queued bytes that wake the writer at once whatever the policy.
const WAKE_BYTES: u64 = 1 << 20;

fn writer_loop(shared: Arc<Shared>, mut file: File) {
    loop {
        // Take everything queued up to the next file switch.
        let mut g = shared.lock();
        loop {
            let retry_due = g.error.is_none() || Instant::now() >= g.next_retry;
            let mut gate_wait = None;
            if !g.queue.is_empty() && retry_due {
                match gate_remaining(&g) {
                    Some(left) => gate_wait = Some(left),
                    None => {
                        g.gate_until = None;
                        break;
                    }
                }
            }
            if g.stop && (g.queue.is_empty() || (g.error.is_some() && !retry_due)) {
                // Final fsync on the way out.
                drop(g);
                let r = file.sync_data();
                let mut g = shared.lock();
                if let Err(e) = r {
                    g.error = Some(format!("fsync: {e}"));
                } else {
                    g.synced = g.written;
                    release(&mut g);
                }
                return;
            }
            let wait = if let Some(left) = gate_wait {
                left
            } else if g.error.is_some() {
                g.next_retry
                    .saturating_duration_since(Instant::now())
                    .max(Duration::from_millis(10))
            } else if g.policy != AppendFsync::Always {
                POLL
            } else if let Some(left) = g
                .gate_until
                .map(|u| u.saturating_duration_since(Instant::now()))
                .filter(|l| !l.is_zero())
            {
                // Submits do not wake a writer behind an unmet gate: come back at its deadline.
                left
            } else {
                g.gate_until = None;
                Duration::from_secs(3600)
            };
            g.writer_waiting = true;
            let (ng, timeout) = shared
                .cond
                .wait_timeout(g, wait)
                .unwrap_or_else(|p| p.into_inner());
            g = ng;
            g.writer_waiting = false;
            if timeout.timed_out()
                && g.error.is_none()
                && g.policy == AppendFsync::Everysec
                && g.synced < g.written
                && g.last_fsync.elapsed() >= Duration::from_secs(1)
            {
                everysec_fsync(&shared, &mut g, &file);
            }
        }
        let mut data: Vec<u8> = Vec::new();
        let mut switch: Option<(File, u64)> = None;
        while let Some(p) = g.queue.pop_front() {
            match p {
                Piece::Data(d) => {
                    if data.is_empty() {
                        data = d;
                    } else {
                        data.extend_from_slice(&d);
                        recycle(&mut g, d);
                    }
                }
                Piece::Switch(f, at) => {
                    switch = Some((f, at));
                    break;
                }
            }
        }
        let policy = g.policy;
        let start_len = g.file_len;
        drop(g);
        // Write outside the lock.
        let r = if data.is_empty() {
            Ok(())
        } else {
            file.write_all(&data)
        };
        if let Err(e) = r {
            // Undo a partial write so the file never holds half a command, keep the bytes queued
            // (in front, in order) and retry later.
            let _ = file.set_len(start_len);
            let _ = std::io::Seek::seek(&mut file, std::io::SeekFrom::Start(start_len));
            let mut g = shared.lock();
            if g.error.is_none() {
                log::warning(&format!(
                    "Error writing to the AOF file: {e}. Writes are refused until it can be written again."
                ));
            }
            g.error = Some(e.to_string());
            g.next_retry = Instant::now() + RETRY;
            shared.failed.store(true, Ordering::Relaxed);
            if let Some((f, at)) = switch {
                g.queue.push_front(Piece::Switch(f, at));
            }
            g.queue.push_front(Piece::Data(data));
            g.attempts += 1;
            drop(g);
            shared.cond.notify_all();
            continue;
        }
        let n = data.len() as u64;
        let mut sync_err = None;
        let mut sync_time = None;
        if policy == AppendFsync::Always && n > 0 {
            let t = Instant::now();
            if let Err(e) = file.sync_data() {
                sync_err = Some(e);
            }
            sync_time = Some(t.elapsed());
        }
        {
            let mut g = shared.lock();
            if let Some(t) = sync_time {
                g.last_sync_time = t;
            }
            g.attempts += 1;
            g.written += n;
            g.file_len += n;
            shared.queued.fetch_sub(n, Ordering::Relaxed);
            match sync_err {
                Some(e) => {
                    // The bytes are in the file but not known to be durable: replies stay held
                    // and the next write retries the fsync.
                    if g.error.is_none() {
                        log::warning(&format!("Error fsyncing the AOF file: {e}"));
                    }
                    g.error = Some(format!("fsync: {e}"));
                    g.next_retry = Instant::now() + RETRY;
                    shared.failed.store(true, Ordering::Relaxed);
                }
                None => {
                    if g.error.take().is_some() {
                        log::warning("AOF write error looks solved, zedis can write again.");
                    }
                    shared.failed.store(false, Ordering::Relaxed);
                    if policy == AppendFsync::Always {
                        let before = g.synced;
                        g.synced = g.written;
                        raise_gate(&mut g, before);
                        release_or_wake(&shared, &mut g);
                    } else if policy == AppendFsync::No {
                        // Nothing waits on fsyncs under `no`.
                        g.synced = g.written;
                    } else if g.last_fsync.elapsed() >= Duration::from_secs(1) {
                        everysec_fsync(&shared, &mut g, &file);
                    }
                }
            }
        }
        shared.cond.notify_all();
        recycle(&mut shared.lock(), data);
        if let Some((f, _)) = switch {
            // Everything before the switch is in the old file: make it durable, then go on in
            // the new one.
            let r = file.sync_data();
            let mut g = shared.lock();
            if r.is_ok() {
                g.synced = g.written;
                release_or_wake(&shared, &mut g);
            }
            g.file_len = f.metadata().map(|m| m.len()).unwrap_or(0);
            drop(g);
            file = f;
        }
    }
}

/// Longest the group-commit gate holds an fsync back: never more than an fsync's own time, so a
/// write waits at most about two fsyncs, and never more than this.
const GATE_MAX: Duration = Duration::from_millis(1);

/// After an `always` fsync moved `synced` on from `before`: the replies it released belong to
/// clients that will most likely send their next command as soon as they read them, so the next
/// fsync waits for as many new held replies (or the gate's time). This is what Redis gets by
/// fsyncing once per event-loop iteration: every client of the round in one fsync. Without
/// it, the clients that arrive while an fsync runs form a second cohort that alternates with the
/// first, and each client waits for two fsyncs per command instead of one.
fn raise_gate(g: &mut Inner, before: u64) {
    let synced = g.synced;
    let released = g
        .held
        .iter()
        .take_while(|h| h.seq <= synced)
        .filter(|h| h.seq > before)
        .count() as u64;
    if released == 0 {
        g.gate_until = None;
        return;
    }
    g.gate_want = g.held_total + released;
    g.gate_until = Some(Instant::now() + g.last_sync_time.min(GATE_MAX));
}

/// How much longer the writer should hold queued bytes for the group-commit gate, if at all.
fn gate_remaining(g: &Inner) -> Option<Duration> {
    if g.policy != AppendFsync::Always || g.error.is_some() || g.stop {
        return None;
    }
    let until = g.gate_until?;
    if g.held_total >= g.gate_want {
        return None;
    }
    let left = until.saturating_duration_since(Instant::now());
    (!left.is_zero()).then_some(left)
}

/// Hands a written buffer back to the store thread's `submit` (a few, not huge ones).
fn recycle(g: &mut Inner, mut d: Vec<u8>) {
    if d.capacity() > 0 && d.capacity() <= super::BIG_BUFFER && g.free.len() < 4 {
        d.clear();
        g.free.push(d);
    }
}

/// Starts an fsync on a helper thread (everysec), unless one is running; one running for more
/// than 2 s counts as a delayed fsync.
fn everysec_fsync(shared: &Arc<Shared>, g: &mut Inner, file: &File) {
    if let Some(since) = g.fsync_running_since {
        if since.elapsed() > Duration::from_secs(2) {
            g.delayed_fsync += 1;
        }
        return;
    }
    let Ok(f) = file.try_clone() else {
        return;
    };
    let target = g.written;
    g.fsync_running_since = Some(Instant::now());
    g.last_fsync = Instant::now();
    let s = shared.clone();
    let spawned = std::thread::Builder::new()
        .name("zedis-fsync".into())
        .spawn(move || {
            super::affinity::enter(super::affinity::Role::Bio);
            let r = f.sync_data();
            let mut g = s.lock();
            g.fsync_running_since = None;
            match r {
                Ok(()) => g.synced = g.synced.max(target),
                Err(e) => log::warning(&format!("Error fsyncing the AOF file: {e}")),
            }
        });
    if spawned.is_err() {
        g.fsync_running_since = None;
    }
}
