//! Propagation: what a command leaves in the append-only file, in the deterministic form Redis
//! 7.0 propagates (Redis's `alsoPropagate` / `rewriteClientCommandVector` /
//! `propagatePendingCommands`).
//!
//! By default a command that changed the dataset (it raised `Engine::dirty`) is logged as it was
//! received. A handler whose effect depends on the clock or on chance says what to log instead
//! ([`Ctx::propagate_as`]: `SET k v EX 10` → `SET k v PXAT <ms>`, `SPOP` → `SREM`), adds commands
//! ([`Ctx::also_propagate`]), or logs nothing of its own ([`Ctx::prevent_propagation`]). Keys
//! the store deleted by itself during the command (lazy expiry) are logged as `DEL` before it.
//!
//! Everything one top-level command (an EXEC with its queue counts as one) leaves is collected
//! and logged at its end, wrapped in MULTI/EXEC when it is more than one command — so a replay
//! applies it atomically, as Redis does. Deletions made outside commands (active expiry,
//! eviction) are logged one by one, never wrapped.
//!
//! When no AOF is open (`enabled` false) nothing is collected: the cost is a few integer checks.

use crate::commands::{CommandSpec, Ctx};
use crate::server::state::{Client, Engine};
use bytes::Bytes;

/// One command to log, in the database it applies to.
#[derive(Debug, Clone)]
pub struct Op {
    pub db: usize,
    pub argv: Vec<Bytes>,
}

/// What the running command logs of itself.
#[derive(Debug, Default)]
enum Own {
    /// Its own arguments, if it changed anything.
    #[default]
    AsReceived,
    /// These arguments instead, if it changed anything.
    Rewritten(Vec<Bytes>),
    /// Nothing (what it did is in `also_propagate`d commands).
    Prevented,
}

/// Per-engine propagation state.
#[derive(Debug, Default)]
pub struct Propagation {
    /// Whether commands are being logged (an AOF is open or being started).
    pub enabled: bool,
    /// Nesting of `commands::run` (EXEC runs its queue inside itself).
    depth: u32,
    /// Commands collected for the top-level command under way.
    ops: Vec<Op>,
    own: Own,
    /// Log the command even if it changed nothing (FLUSHALL on an empty server, as Redis).
    force: bool,
}

impl Ctx<'_> {
    /// Whether this command's propagation matters (an AOF is being written). Handlers check it
    /// before building a rewritten form, so the common case allocates nothing.
    #[inline]
    pub fn propagating(&self) -> bool {
        self.eng.prop.enabled
    }

    /// Logs `argv` (in the client's database) instead of the command as received.
    pub fn propagate_as(&mut self, argv: Vec<Bytes>) {
        if self.eng.prop.enabled {
            self.eng.prop.own = Own::Rewritten(argv);
        }
    }

    /// Logs `argv` in `db` in addition (before the command's own form).
    pub fn also_propagate(&mut self, db: usize, argv: Vec<Bytes>) {
        also(self.eng, db, argv);
    }

    /// Logs nothing of this command itself (only what it `also_propagate`d).
    pub fn prevent_propagation(&mut self) {
        if self.eng.prop.enabled {
            self.eng.prop.own = Own::Prevented;
        }
    }

    /// Logs this command even though it changed nothing.
    pub fn force_propagation(&mut self) {
        self.eng.prop.force = true;
    }
}

/// [`Ctx::also_propagate`] for code that runs outside a handler (serving a blocked client).
pub fn also(eng: &mut Engine, db: usize, argv: Vec<Bytes>) {
    if eng.prop.enabled {
        eng.prop.ops.push(Op { db, argv });
    }
}

/// Builds an argv from string-ish parts.
pub fn argv<const N: usize>(parts: [&[u8]; N]) -> Vec<Bytes> {
    parts.iter().map(|p| Bytes::copy_from_slice(p)).collect()
}

/// How a key the store deleted by itself is logged: UNLINK when the `lazyfree-lazy-expire` (or,
/// for an eviction, `lazyfree-lazy-eviction`) option is on, DEL otherwise (Redis's
/// propagateDeletion).
fn deletion_name(eng: &Engine, e: &crate::store::Expired) -> Bytes {
    let lazy = if e.evicted {
        eng.config.lazyfree_lazy_eviction
    } else {
        eng.config.lazyfree_lazy_expire
    };
    Bytes::from_static(if lazy { b"UNLINK" } else { b"DEL" })
}

/// Before a command runs. Deletions made before it (eviction in the `maxmemory` step) are
/// logged on their own first, as Redis's `performEvictions` does.
#[inline]
pub fn before_call(eng: &mut Engine) {
    let p = &mut eng.prop;
    p.depth += 1;
    if p.depth == 1 {
        p.own = Own::AsReceived;
        p.force = false;
        if p.enabled && !eng.store.expired.is_empty() {
            log_server_deletes(eng);
        }
    }
}

/// After a command ran: collects what it logs and, at the top level, writes it out.
#[inline]
pub fn after_call(
    eng: &mut Engine,
    client: &Client,
    spec: &CommandSpec,
    args: &[Bytes],
    changed: bool,
) {
    eng.prop.depth = eng.prop.depth.saturating_sub(1);
    let own = std::mem::take(&mut eng.prop.own);
    let force = std::mem::take(&mut eng.prop.force);
    if !eng.prop.enabled {
        eng.prop.ops.clear();
        eng.store.expired.clear();
        return;
    }
    // Keys the command found expired were deleted before it acted.
    if !eng.store.expired.is_empty() {
        let mut expired = std::mem::take(&mut eng.store.expired);
        for e in expired.drain(..) {
            let del = deletion_name(eng, &e);
            eng.prop.ops.push(Op {
                db: e.db,
                argv: vec![del, Bytes::copy_from_slice(&e.key)],
            });
        }
        // Keep the allocation for the next command.
        if eng.store.expired.is_empty() {
            eng.store.expired = expired;
        }
    }
    // EXEC is never logged itself: its queued commands were, each in its own call.
    let logs_itself = (changed || force) && spec.name != "exec";
    let top = eng.prop.depth == 0;
    if top && eng.prop.ops.is_empty() {
        // The common case: one command, logged as received or rewritten, with no copy.
        if logs_itself {
            match own {
                Own::AsReceived => crate::server::aof::feed(eng, client.db, args),
                Own::Rewritten(v) => crate::server::aof::feed(eng, client.db, &v),
                Own::Prevented => {}
            }
        }
        return;
    }
    if logs_itself {
        match own {
            Own::AsReceived => eng.prop.ops.push(Op {
                db: client.db,
                argv: args.to_vec(),
            }),
            Own::Rewritten(v) => eng.prop.ops.push(Op {
                db: client.db,
                argv: v,
            }),
            Own::Prevented => {}
        }
    }
    if top {
        // SCAN and RANDOMKEY may reap any number of expired keys: Redis logs those DELs one by
        // one, like active expiry (its CMD_TOUCHES_ARBITRARY_KEYS rule).
        let may_wrap = !matches!(spec.name, "scan" | "randomkey");
        write_ops(eng, may_wrap);
    }
}

/// Writes the collected commands, wrapped in MULTI/EXEC when there is more than one (the MULTI
/// in the first command's database, so its SELECT comes first, as Redis).
pub fn flush_ops(eng: &mut Engine) {
    write_ops(eng, true);
}

fn write_ops(eng: &mut Engine, may_wrap: bool) {
    if eng.prop.ops.is_empty() {
        return;
    }
    let ops = std::mem::take(&mut eng.prop.ops);
    let wrap = may_wrap && ops.len() > 1;
    if wrap {
        crate::server::aof::feed(eng, ops[0].db, &[Bytes::from_static(b"MULTI")]);
    }
    let last_db = ops[ops.len() - 1].db;
    for op in &ops {
        crate::server::aof::feed(eng, op.db, &op.argv);
    }
    if wrap {
        crate::server::aof::feed(eng, last_db, &[Bytes::from_static(b"EXEC")]);
    }
    // Keep the allocation for the next command.
    let mut ops = ops;
    ops.clear();
    if eng.prop.ops.is_empty() {
        eng.prop.ops = ops;
    }
}

/// Logs the deletions the store made outside any command (active expiry in the cron, eviction),
/// each on its own as Redis does.
pub fn log_server_deletes(eng: &mut Engine) {
    if !eng.prop.enabled {
        eng.store.expired.clear();
        return;
    }
    let dels = std::mem::take(&mut eng.store.expired);
    for e in &dels {
        let del = deletion_name(eng, e);
        crate::server::aof::feed(eng, e.db, &[del, Bytes::copy_from_slice(&e.key)]);
    }
    let mut dels = dels;
    dels.clear();
    if eng.store.expired.is_empty() {
        eng.store.expired = dels;
    }
}

/// Commands produced outside `commands::run` (a blocked client served after the command that
/// fed it) are collected with `also_propagate` and written with this.
pub fn flush_detached(eng: &mut Engine) {
    if eng.prop.depth == 0 {
        if !eng.store.expired.is_empty() {
            log_server_deletes(eng);
        }
        flush_ops(eng);
    }
}
