//! Client eviction: `maxmemory-clients` and `CLIENT NO-EVICT`, as Redis 7.0 does it.
//!
//! When the memory held by all clients reaches the limit (bytes, or a percentage of
//! `maxmemory`; 0 = off; never below 128 KiB), the biggest evictable clients are disconnected
//! until the total is under the limit again. Evictable means: not `CLIENT NO-EVICT on` (there
//! are no master or replica links in zedis; every client is of the normal or pub/sub class,
//! which are the ones Redis evicts). The client running the command is no exception, as in
//! Redis. Each eviction is logged (`Evicting client: <CLIENT LIST line>` at notice level) and
//! counted in INFO's `evicted_clients`.
//!
//! What a client holds is two shares, kept as running totals so that the per-command check is a
//! comparison, never a walk over the clients:
//!
//! - its buffers, measured by its mailbox (`server::mailbox`): output not yet written — queued
//!   or in the middle of a write to a peer that does not read — and the query buffer. Every
//!   mailbox adds to one shared counter, so a subscriber's growing mailbox is counted the
//!   moment PUBLISH fills it, and a drained one the moment the connection task writes.
//! - its store-side share (`Share`), updated after each of its own commands (nothing else
//!   changes it): a fixed cost per client, its MULTI queue and its subscriptions.
//!
//! The check runs after every command (with the reply the batch has produced so far, which is
//! not in the mailbox yet), after every burst of messages, and in the cron. Only when the limit
//! is reached are the clients visited, sorted by size: Redis keeps them in power-of-two size
//! buckets and evicts from the biggest bucket down; sorting gives the same order up to the order
//! among clients of nearly equal size. When everything evictable is gone and the total is still
//! over the limit (NO-EVICT clients hold it), further walks wait for the cron, CLIENT NO-EVICT
//! off, or a new limit.
//!
//! Knows the client's memory and the eviction rule; freeing a client's store-side state is
//! `server::release_client`'s.

use crate::config::Config;
use crate::server::mailbox::{Mailbox, Meter};
use crate::server::state::{Client, Engine};
use crate::server::{log, release_client};
use bytes::Bytes;
use std::sync::atomic::Ordering;

/// The smallest effective limit (Redis's floor, so that a bad setting cannot cut off every
/// client, including the one that would fix it).
pub const MIN_LIMIT: u64 = 128 * 1024;

/// What every client costs besides its buffers: its session and its mailbox.
pub const PER_CLIENT: u64 = (std::mem::size_of::<Client>() + std::mem::size_of::<Mailbox>()) as u64;

/// What one subscription costs the client: its copy in the client's set and its place in the
/// registry (the name's bytes are counted separately).
const PER_SUBSCRIPTION: u64 = 4 * std::mem::size_of::<Bytes>() as u64;

/// The client side of the accounting, for the whole server.
#[derive(Default)]
pub struct ClientMemory {
    /// Every real client's buffers (shared with the mailboxes).
    pub buffers: Meter,
    /// The sum of every connected client's `Share::side`.
    side: u64,
    /// The limit at which the last eviction ran out of evictable clients: no new walk until
    /// the cron, CLIENT NO-EVICT off or another limit.
    stuck_at: Option<u64>,
}

impl ClientMemory {
    /// The memory all clients hold now.
    pub fn total(&self) -> u64 {
        self.buffers.load(Ordering::Relaxed) as u64 + self.side
    }

    /// Something changed what is evictable: the next check may walk again.
    pub fn unstick(&mut self) {
        self.stuck_at = None;
    }
}

/// One client's store-side share, as last added to `ClientMemory::side`.
#[derive(Default, Debug)]
pub struct Share {
    side: u64,
    /// The MULTI queue as measured: its length then, and its bytes.
    multi_len: usize,
    multi_bytes: u64,
}

/// The effective limit in bytes (0 = no client eviction): Redis's `getClientEvictionLimit`.
pub fn limit(cfg: &Config) -> u64 {
    let v = cfg.maxmemory_clients;
    let bytes = if v < 0 {
        if cfg.maxmemory == 0 {
            return 0;
        }
        // A percentage of maxmemory, computed in floating point as Redis does.
        (cfg.maxmemory as f64 * v.unsigned_abs() as f64 / 100.0) as u64
    } else if v > 0 {
        v as u64
    } else {
        return 0;
    };
    bytes.max(MIN_LIMIT)
}

/// Bytes a queued command holds: its arguments and their handles.
fn queued_cost(cmd: &[Bytes]) -> u64 {
    let args: usize = cmd.iter().map(|a| a.len()).sum();
    (args + std::mem::size_of_val(cmd) + std::mem::size_of::<Vec<Bytes>>()) as u64
}

/// Recomputes `c`'s store-side share (amortised O(1): only commands queued since the last
/// look are measured).
fn side_of(c: &mut Client) -> u64 {
    let share = &mut c.evict;
    match &c.tx.queued {
        None => {
            share.multi_len = 0;
            share.multi_bytes = 0;
        }
        Some(q) => {
            if q.len() < share.multi_len {
                share.multi_len = 0;
                share.multi_bytes = 0;
            }
            for cmd in q.get(share.multi_len..).unwrap_or_default() {
                share.multi_bytes += queued_cost(cmd);
            }
            share.multi_len = q.len();
        }
    }
    let subs = (c.subs.channels.len() + c.subs.patterns.len() + c.subs.shard.len()) as u64;
    PER_CLIENT + share.multi_bytes + subs * PER_SUBSCRIPTION
}

/// The memory `c` holds (CLIENT LIST's `tot-mem`): its store-side share as of its last command,
/// plus its buffers now.
pub fn client_memory(c: &Client) -> u64 {
    c.evict.side.max(PER_CLIENT) + c.mailbox.accounted_bytes() as u64
}

/// `client_memory` with `pending_out` as the output not yet written (the mailbox's, plus the
/// replies a running batch has not delivered yet).
pub fn client_memory_with(c: &Client, pending_out: usize) -> u64 {
    let output = c.mailbox.pending_bytes() as u64;
    client_memory(c) - output.min(client_memory(c)) + pending_out as u64
}

/// A client connected: its share starts counting.
pub fn connected(eng: &mut Engine, c: &mut Client) {
    let side = side_of(c);
    c.evict.side = side;
    eng.client_mem.side += side;
}

/// A client is going away (disconnected or evicted): its share stops counting.
pub fn forget(eng: &mut Engine, c: &mut Client) {
    eng.client_mem.side = eng.client_mem.side.saturating_sub(c.evict.side);
    c.evict.side = 0;
}

/// Brings `c`'s share up to date after one of its commands.
fn update(eng: &mut Engine, c: &mut Client) {
    if c.evict.side == 0 {
        // Not a connected client (or already evicted): not counted.
        return;
    }
    let side = side_of(c);
    eng.client_mem.side = eng.client_mem.side.saturating_sub(c.evict.side) + side;
    c.evict.side = side;
}

fn evictable(c: &Client) -> bool {
    !c.no_evict && !c.mailbox.is_killed()
}

/// After one of `current`'s commands: updates its share and evicts clients if the total, with
/// the `pending` reply bytes the batch has produced for it so far, reached the limit. Returns
/// true when `current` itself was evicted: its state is released and the caller must drop it
/// (with its replies and the rest of its batch).
pub fn after_command(eng: &mut Engine, current: &mut Client, pending: usize) -> bool {
    update(eng, current);
    let limit = limit(&eng.config);
    if limit == 0 {
        return false;
    }
    if eng.client_mem.total() + (pending as u64) < limit {
        eng.client_mem.stuck_at = None;
        return false;
    }
    if eng.client_mem.stuck_at == Some(limit) {
        return false;
    }
    evict(eng, Some((current, pending)), limit)
}

/// Between commands (after a burst of messages; `cron` for the periodic retry): evicts clients
/// if the total reached the limit.
pub fn check(eng: &mut Engine, cron: bool) {
    let limit = limit(&eng.config);
    if limit == 0 {
        eng.client_mem.stuck_at = None;
        return;
    }
    if eng.client_mem.total() < limit {
        eng.client_mem.stuck_at = None;
        return;
    }
    if eng.client_mem.stuck_at == Some(limit) && !cron {
        return;
    }
    evict(eng, None, limit);
}

/// Disconnects the biggest evictable clients until the total is under `limit`. Returns whether
/// `current` was among them.
fn evict(eng: &mut Engine, mut current: Option<(&mut Client, usize)>, limit: u64) -> bool {
    let mut candidates: Vec<(u64, u64)> = eng
        .clients
        .values()
        .filter(|c| evictable(c))
        .map(|c| (client_memory(c), c.id))
        .collect();
    let current_id = current.as_ref().map(|(c, _)| c.id);
    if let Some((c, pending)) = current.as_ref() {
        if evictable(c) {
            candidates.push((client_memory(c) + *pending as u64, c.id));
        }
    }
    // Biggest first; among equals the older client (Redis's bucket lists are in insertion
    // order).
    candidates.sort_unstable_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    // What evicting can free is what registered clients hold: a connection whose registration
    // is still in the inbox (io-threads) already counts in the shared meter, and without this
    // its bytes would get a bystander evicted.
    let mut registered: u64 = eng.clients.values().map(|c| client_memory(c)).sum::<u64>()
        + current
            .as_ref()
            .map_or(0, |(c, pending)| client_memory(c) + *pending as u64);
    let mut current_gone = false;
    let now = eng.store.now_ms;
    for (freed, id) in candidates {
        let extra = match &current {
            Some((_, pending)) if !current_gone => *pending as u64,
            _ => 0,
        };
        if (eng.client_mem.total() + extra).min(registered) < limit {
            eng.client_mem.stuck_at = None;
            return current_gone;
        }
        registered = registered.saturating_sub(freed);
        if Some(id) == current_id {
            if let Some((c, pending)) = current.as_mut() {
                let pending = *pending;
                evict_one(eng, c, pending, now);
                current_gone = true;
            }
        } else if let Some(mut c) = eng.clients.remove(&id) {
            evict_one(eng, &mut c, 0, now);
        }
    }
    let extra = match &current {
        Some((_, pending)) if !current_gone => *pending as u64,
        _ => 0,
    };
    if (eng.client_mem.total() + extra).min(registered) >= limit {
        if eng.client_mem.stuck_at != Some(limit) {
            log::warning("Over client maxmemory after evicting all evictable clients");
        }
        eng.client_mem.stuck_at = Some(limit);
    } else {
        eng.client_mem.stuck_at = None;
    }
    current_gone
}

/// Evicts `c`, which also has `unsent` reply bytes its running batch has not delivered.
fn evict_one(eng: &mut Engine, c: &mut Client, unsent: usize, now_ms: u64) {
    let pending = c.mailbox.pending_bytes() + unsent;
    let line = crate::commands::connection::client_line(c, now_ms, pending, 0);
    log::notice(&format!("Evicting client: {line}"));
    c.mailbox.kill();
    release_client(eng, c);
    eng.stats.evicted_clients += 1;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(maxmemory: u64, clients: i64) -> Config {
        let mut c = Config::default();
        c.maxmemory = maxmemory;
        c.maxmemory_clients = clients;
        c
    }

    #[test]
    fn limit_follows_redis_rules() {
        assert_eq!(limit(&cfg(0, 0)), 0);
        assert_eq!(limit(&cfg(1 << 30, 0)), 0);
        assert_eq!(limit(&cfg(0, 1 << 20)), 1 << 20);
        // A percentage needs maxmemory.
        assert_eq!(limit(&cfg(0, -10)), 0);
        assert_eq!(limit(&cfg(100 << 20, -10)), 10 << 20);
        // Never below 128 KiB.
        assert_eq!(limit(&cfg(0, 1000)), MIN_LIMIT);
        assert_eq!(limit(&cfg(1 << 20, -1)), MIN_LIMIT);
    }

    #[test]
    fn percent_config_is_stored_negative() {
        let mut c = Config::default();
        c.set(&[(b"maxmemory", b"20mb"), (b"maxmemory-clients", b"5%")])
            .map_err(|e| e.to_string())
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(c.maxmemory_clients, -5);
        assert_eq!(limit(&c), 1 << 20);
    }

    #[test]
    fn share_counts_the_multi_queue_incrementally() {
        let mut c = Client::new(
            1,
            String::new(),
            String::new(),
            0,
            false,
            std::sync::Arc::new(Mailbox::new()),
            0,
        );
        assert_eq!(side_of(&mut c), PER_CLIENT);
        c.tx.queued = Some(vec![vec![
            Bytes::from_static(b"set"),
            Bytes::from(vec![0; 1000]),
        ]]);
        let one = side_of(&mut c);
        assert!(one > PER_CLIENT + 1000, "{one}");
        if let Some(q) = c.tx.queued.as_mut() {
            q.push(vec![Bytes::from(vec![0; 5000])]);
        }
        let two = side_of(&mut c);
        assert!(two > one + 5000, "{two}");
        // A new, shorter queue is measured afresh.
        c.tx.queued = Some(vec![vec![Bytes::from_static(b"x")]]);
        assert!(side_of(&mut c) < one);
        c.tx.queued = None;
        assert_eq!(side_of(&mut c), PER_CLIENT);
    }
}
