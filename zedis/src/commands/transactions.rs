//! MULTI / EXEC / DISCARD / WATCH / UNWATCH: queueing, the EXECABORT and WATCH rules, and running
//! the queue as one uninterrupted step of the store thread (which is what makes it atomic: no
//! other client's command can run in between).
//!
//! Queueing itself happens in `commands::run` (a command is queued instead of executed while the
//! client is in MULTI); this module holds the commands and the watch bookkeeping.

use crate::commands::{CmdError, CmdResult, Ctx};
use crate::server::state::{Client, WatchedKey};
use crate::store::{SmallBytes, Store};
use bytes::Bytes;
use std::time::Instant;

/// Commands that run immediately even inside MULTI (everything else is queued).
pub fn runs_inside_multi(name: &str) -> bool {
    matches!(
        name,
        "exec" | "discard" | "multi" | "watch" | "quit" | "reset"
    )
}

/// Forgets every key `c` WATCHes (UNWATCH, EXEC, DISCARD, RESET, disconnect).
pub fn unwatch_all(store: &mut Store, c: &mut Client) {
    for w in std::mem::take(&mut c.tx.watched) {
        store.signals.unwatch(w.db, &w.key, c.id);
    }
    c.tx.dirty_cas = false;
}

/// Leaves MULTI and drops the queue and the watches.
pub fn discard_transaction(store: &mut Store, c: &mut Client) {
    c.tx.queued = None;
    c.tx.dirty_exec = false;
    unwatch_all(store, c);
}

pub fn multi(ctx: &mut Ctx<'_>, _args: &[Bytes]) -> CmdResult {
    if ctx.client.tx.in_multi() {
        return Err(CmdError::err("MULTI calls can not be nested"));
    }
    ctx.client.tx.queued = Some(Vec::new());
    ctx.out.ok();
    Ok(())
}

pub fn discard(ctx: &mut Ctx<'_>, _args: &[Bytes]) -> CmdResult {
    if !ctx.client.tx.in_multi() {
        return Err(CmdError::err("DISCARD without MULTI"));
    }
    discard_transaction(&mut ctx.eng.store, ctx.client);
    ctx.out.ok();
    Ok(())
}

pub fn exec(ctx: &mut Ctx<'_>, _args: &[Bytes]) -> CmdResult {
    if !ctx.client.tx.in_multi() {
        return Err(CmdError::err("EXEC without MULTI"));
    }
    if watched_key_expired(&ctx.eng.store, ctx.client) {
        ctx.client.tx.dirty_cas = true;
    }
    if ctx.client.tx.dirty_exec {
        discard_transaction(&mut ctx.eng.store, ctx.client);
        return Err(CmdError::full(
            "EXECABORT Transaction discarded because of previous errors.",
        ));
    }
    if ctx.client.tx.dirty_cas {
        discard_transaction(&mut ctx.eng.store, ctx.client);
        ctx.out.null_array();
        return Ok(());
    }
    unwatch_all(&mut ctx.eng.store, ctx.client);
    let queue = ctx.client.tx.queued.take().unwrap_or_default();
    ctx.client.tx.in_exec = true;
    ctx.client.tx.exec_len = queue.len();
    ctx.out.array(queue.len());
    let mut clock = Instant::now();
    for args in &queue {
        super::run_queued(ctx.eng, ctx.client, args, ctx.out.buf, &mut clock);
    }
    ctx.client.tx.in_exec = false;
    discard_transaction(&mut ctx.eng.store, ctx.client);
    Ok(())
}

pub fn watch(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    if ctx.client.tx.in_multi() {
        return Err(CmdError::err("WATCH inside MULTI is not allowed"));
    }
    // No point watching more once the transaction is already doomed.
    if !ctx.client.tx.dirty_cas {
        let db = ctx.db();
        for key in &args[1..] {
            if ctx
                .client
                .tx
                .watched
                .iter()
                .any(|w| w.db == db && w.key.as_slice() == &key[..])
            {
                continue;
            }
            let expired = is_logically_expired(&ctx.eng.store, db, key);
            ctx.eng.store.signals.watch(db, key, ctx.client.id);
            ctx.client.tx.watched.push(WatchedKey {
                db,
                key: SmallBytes::new(key),
                expired,
            });
        }
    }
    ctx.out.ok();
    Ok(())
}

pub fn unwatch(ctx: &mut Ctx<'_>, _args: &[Bytes]) -> CmdResult {
    unwatch_all(&mut ctx.eng.store, ctx.client);
    ctx.out.ok();
    Ok(())
}

/// Still in the table but past its TTL (lazy expiry has not removed it yet).
fn is_logically_expired(store: &Store, db: usize, key: &[u8]) -> bool {
    store
        .db(db)
        .peek(key)
        .is_some_and(|e| e.expire_at != 0 && e.expire_at <= store.now_ms)
}

/// Redis refuses EXEC when a watched key (live when watched) has since passed its TTL, even if
/// nothing deleted it yet.
fn watched_key_expired(store: &Store, c: &Client) -> bool {
    c.tx.watched
        .iter()
        .any(|w| !w.expired && is_logically_expired(store, w.db, &w.key))
}
