//! Blocked clients: who waits on which keys (FIFO per key), their deadlines, and serving them
//! when a key they wait on becomes ready.
//!
//! A blocking command that finds nothing calls [`block`]: the client is parked with its
//! `BlockOp` and the rest of its batch. The store marks a waited-on key "ready" when it is
//! created (`store::signals`); after each top-level command (and after a whole EXEC) the batch
//! runner calls [`handle_ready`], which offers each ready key to its waiters in arrival order
//! until the key is gone, exactly as Redis 7.0's handleClientsBlockedOnKeys. A served, timed-out
//! or CLIENT UNBLOCKed client gets its reply in its mailbox and is queued in
//! `Registry::unblocked`; the server loop then resumes its parked batch.

use crate::commands::blocking::{serve, BlockOp};
use crate::commands::{Ctx, Reply};
use crate::server::state::{Client, Engine};
use crate::store::SmallBytes;
use bytes::BytesMut;
use hashbrown::HashMap;
use std::collections::{BTreeSet, VecDeque};

/// What a blocked client waits for.
#[derive(Debug)]
pub struct Blocked {
    pub db: usize,
    pub keys: Vec<SmallBytes>,
    pub op: BlockOp,
    /// Unix ms; 0 waits forever.
    pub deadline_ms: u64,
}

/// The registry of blocked clients.
#[derive(Default)]
pub struct Registry {
    /// (db, key) → waiting client ids, oldest first.
    by_key: HashMap<(usize, SmallBytes), VecDeque<u64>>,
    /// (deadline, id) of every blocked client with a timeout.
    deadlines: BTreeSet<(u64, u64)>,
    /// How many clients are blocked (INFO blocked_clients).
    pub count: usize,
    /// Clients that were unblocked and whose parked batch must resume, in order.
    pub unblocked: VecDeque<u64>,
}

impl Registry {
    /// The earliest deadline of any blocked client, for the loop's timer.
    pub fn next_deadline(&self) -> Option<u64> {
        self.deadlines.iter().next().map(|(d, _)| *d)
    }
}

/// Parks `client` (currently executing, so not in `eng.clients`) on `keys`.
pub fn block(
    eng: &mut Engine,
    client: &mut Client,
    keys: Vec<SmallBytes>,
    op: BlockOp,
    deadline_ms: u64,
) {
    let db = client.db;
    for k in &keys {
        let q = eng.blocking.by_key.entry((db, k.clone())).or_default();
        if !q.contains(&client.id) {
            q.push_back(client.id);
            eng.store.signals.block(db, k);
        }
    }
    if deadline_ms != 0 {
        eng.blocking.deadlines.insert((deadline_ms, client.id));
    }
    eng.blocking.count += 1;
    client.blocked = Some(Box::new(Blocked {
        db,
        keys,
        op,
        deadline_ms,
    }));
}

/// Removes `client` from the registry (served, timed out, unblocked or gone).
pub fn unregister(eng: &mut Engine, client: &mut Client) {
    let Some(b) = client.blocked.take() else {
        return;
    };
    for k in &b.keys {
        let slot = (b.db, k.clone());
        if let Some(q) = eng.blocking.by_key.get_mut(&slot) {
            if let Some(pos) = q.iter().position(|id| *id == client.id) {
                q.remove(pos);
                eng.store.signals.unblock(b.db, k);
            }
            if q.is_empty() {
                eng.blocking.by_key.remove(&slot);
            }
        }
    }
    if b.deadline_ms != 0 {
        eng.blocking.deadlines.remove(&(b.deadline_ms, client.id));
    }
    eng.blocking.count = eng.blocking.count.saturating_sub(1);
}

/// Serves the clients waiting on every ready key, repeating while serving makes more keys ready.
pub fn handle_ready(eng: &mut Engine) {
    while !eng.store.signals.ready.is_empty() {
        let ready = std::mem::take(&mut eng.store.signals.ready);
        for (db, key) in ready {
            serve_key(eng, db, &key);
        }
    }
}

fn serve_key(eng: &mut Engine, db: usize, key: &SmallBytes) {
    let waiters: Vec<u64> = match eng.blocking.by_key.get(&(db, key.clone())) {
        Some(q) => q.iter().copied().collect(),
        None => return,
    };
    for id in waiters {
        if !eng.store.exists(db, key) {
            break;
        }
        let Some(mut c) = eng.clients.remove(&id) else {
            continue;
        };
        let mut out = BytesMut::new();
        let served = match c.blocked.as_ref() {
            Some(b) => {
                let op = b.op.clone();
                let mut ctx = Ctx {
                    eng: &mut *eng,
                    client: &mut c,
                    out: Reply::new(&mut out, 0),
                };
                ctx.out.proto = ctx.client.proto;
                serve(&mut ctx, key, &op)
            }
            None => false,
        };
        // Store events of the serving go to subscribers (the client itself included) before
        // its reply leaves, as after any command.
        crate::commands::notify::after_command(eng, &mut c, &mut out);
        // What serving it logs (the non-blocking form of the pop), as one unit.
        crate::commands::propagate::flush_detached(eng);
        if served {
            finish(eng, &mut c, &out);
        }
        eng.clients.insert(id, c);
    }
}

/// Ends a client's block with `reply` and queues its parked batch to resume.
fn finish(eng: &mut Engine, c: &mut Client, reply: &[u8]) {
    unregister(eng, c);
    let mb = c.mailbox.clone();
    crate::server::aof::deliver(eng, &mb, reply, false, false);
    eng.blocking.unblocked.push_back(c.id);
}

/// Answers every blocked client whose deadline has passed with its timeout reply.
pub fn expire_timeouts(eng: &mut Engine) {
    let now = eng.store.now_ms;
    while let Some(&(deadline, id)) = eng.blocking.deadlines.iter().next() {
        if deadline > now {
            break;
        }
        eng.blocking.deadlines.remove(&(deadline, id));
        if let Some(mut c) = eng.clients.remove(&id) {
            let mut out = BytesMut::new();
            timeout_reply(&mut c, &mut out);
            finish(eng, &mut c, &out);
            eng.clients.insert(id, c);
        }
    }
}

/// The reply a blocked client gets when its time is up (Redis 7.0 answers a null array for every
/// list and sorted-set block, BLMOVE included).
fn timeout_reply(c: &mut Client, out: &mut BytesMut) {
    crate::resp::write::write_null_array(out, c.proto);
}

/// CLIENT UNBLOCK: ends `id`'s block with its timeout reply, or with an UNBLOCKED error.
/// Returns whether the client was blocked.
pub fn unblock_client(eng: &mut Engine, id: u64, error: bool) -> bool {
    let Some(mut c) = eng.clients.remove(&id) else {
        return false;
    };
    let was = c.blocked.is_some();
    if was {
        let mut out = BytesMut::new();
        if error {
            out.extend_from_slice(b"-UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n");
            eng.stats.total_error_replies += 1;
            *eng.stats.errors.entry("UNBLOCKED".to_string()).or_default() += 1;
        } else {
            timeout_reply(&mut c, &mut out);
        }
        finish(eng, &mut c, &out);
    }
    eng.clients.insert(id, c);
    was
}
