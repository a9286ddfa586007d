//! DUMP and RESTORE: a value serialized in RDB encoding with a version and CRC-64 footer, and
//! back. The byte format lives in `persist::rdb::dump`; this module owns the command semantics
//! (option parsing order, error texts, keyspace events, TTL and LRU handling) of Redis 7.0's
//! cluster.c.

use super::{arg_i64, is, notify, CmdError, CmdResult, Ctx};
use crate::persist::build::Limits;
use crate::persist::rdb::{self, DumpError};
use crate::store::{lru_clock, LRU_CLOCK_MAX};
use bytes::Bytes;

/// The encoding thresholds in force, so a restored value gets the encoding commands would give it.
fn limits(ctx: &Ctx<'_>) -> Limits {
    Limits::from_config(&ctx.eng.config)
}

/// DUMP key
pub fn dump(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let db = ctx.db();
    let compress = ctx.eng.config.rdbcompression;
    match ctx.eng.store.get(db, &args[1]) {
        Some(e) => {
            let p = rdb::dump_payload(&e.value, compress);
            ctx.out.bulk(&p);
        }
        None => ctx.out.null(),
    }
    Ok(())
}

/// RESTORE key ttl serialized-value [REPLACE] [ABSTTL] [IDLETIME seconds] [FREQ frequency]
pub fn restore(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let (mut replace, mut absttl) = (false, false);
    let mut idle: Option<i64> = None;
    let mut freq: Option<i64> = None;
    let mut j = 4;
    while j < args.len() {
        let more = j + 1 < args.len();
        if is(&args[j], "replace") {
            replace = true;
        } else if is(&args[j], "absttl") {
            absttl = true;
        } else if is(&args[j], "idletime") && more && freq.is_none() {
            let v = arg_i64(&args[j + 1])?;
            if v < 0 {
                return Err(CmdError::err("Invalid IDLETIME value, must be >= 0"));
            }
            idle = Some(v);
            j += 1;
        } else if is(&args[j], "freq") && more && idle.is_none() {
            let v = arg_i64(&args[j + 1])?;
            if !(0..=255).contains(&v) {
                return Err(CmdError::err("Invalid FREQ value, must be >= 0 and <= 255"));
            }
            freq = Some(v);
            j += 1;
        } else {
            return Err(CmdError::syntax());
        }
        j += 1;
    }
    // Redis reports a busy key before it looks at the TTL or the payload.
    let db = ctx.db();
    let key = &args[1];
    if !replace && ctx.eng.store.exists(db, key) {
        return Err(CmdError::full("BUSYKEY Target key name already exists."));
    }
    let ttl = arg_i64(&args[2])?;
    if ttl < 0 {
        return Err(CmdError::err("Invalid TTL value, must be >= 0"));
    }
    let lim = limits(ctx);
    let value = rdb::restore_payload(&args[3], &lim).map_err(|e| match e {
        DumpError::VersionOrChecksum => CmdError::err("DUMP payload version or checksum are wrong"),
        DumpError::BadData => CmdError::err("Bad data format"),
    })?;
    let deleted = replace && ctx.eng.store.remove(db, key).is_some();
    let now = ctx.now_ms() as i64;
    // As Redis, a relative TTL is added with wrapping arithmetic: an absurd one lands in the
    // past, and the key is then not created.
    let when = if ttl != 0 && !absttl {
        ttl.wrapping_add(now)
    } else {
        ttl
    };
    if when != 0 && when <= now {
        if deleted {
            ctx.modified(key, notify::GENERIC, "del");
            ctx.eng.dirty += 1;
            // Its one effect was the deletion (always DEL, as Redis's restoreCommand).
            if ctx.propagating() {
                ctx.propagate_as(vec![Bytes::from_static(b"DEL"), key.clone()]);
            }
        }
        ctx.out.ok();
        return Ok(());
    }
    // A relative TTL is logged as the absolute time it came to, with ABSTTL added.
    if when != 0 && !absttl && ctx.propagating() {
        let mut argv = args.to_vec();
        argv[2] = super::strings::int_arg(when);
        argv.push(Bytes::from_static(b"ABSTTL"));
        ctx.propagate_as(argv);
    }
    let expire = (when != 0).then_some(when as u64);
    ctx.eng.store.set(db, key, value, expire, false);
    // As Redis's objectSetLRUOrLFU: IDLETIME counts only under an LRU-style policy, FREQ only
    // under an LFU one; otherwise the key starts fresh.
    let lfu = crate::commands::memory::lfu(&ctx.eng.config).is_some();
    if let (Some(f), true) = (freq, lfu) {
        let now = ctx.now_ms();
        if let Some(e) = ctx.eng.store.get_mut(db, key) {
            e.lru = crate::store::evict::lfu_pack(now, f as u8);
        }
    }
    if let (Some(idle), false) = (idle, lfu) {
        let clock = lru_clock(ctx.now_ms()) as i64;
        let mut at = clock - idle.min(LRU_CLOCK_MAX as i64 + 1);
        if at < 0 {
            // The clock wraps; the best that can be said is "long ago", half a cycle back.
            at = (clock + LRU_CLOCK_MAX as i64 / 2) % LRU_CLOCK_MAX as i64;
        }
        if let Some(e) = ctx.eng.store.get_mut(db, key) {
            e.lru = at as u32;
        }
    }
    ctx.modified(key, notify::GENERIC, "restore");
    ctx.eng.dirty += 1;
    ctx.out.ok();
    Ok(())
}
