//! Generic keyspace commands: existence, deletion, renaming, copying between databases,
//! enumeration (KEYS, SCAN, RANDOMKEY), flushing, and every form of expiry.
//!
//! Semantics and error texts follow Redis 7.0's db.c and expire.c.

use super::{arg_i64, is, notify, CmdError, CmdResult, Ctx};
use crate::store::{idle_secs, Entry, SmallBytes};
use crate::util::glob::glob_match;
use bytes::Bytes;

pub fn del(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let db = ctx.db();
    let mut n = 0;
    for k in &args[1..] {
        if ctx.eng.store.remove(db, k).is_some() {
            ctx.modified(k, notify::GENERIC, "del");
            n += 1;
        }
    }
    ctx.eng.dirty += n as u64;
    ctx.out.int(n);
    Ok(())
}

pub fn unlink(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    del(ctx, args)
}

pub fn exists(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let db = ctx.db();
    let n = args[1..]
        .iter()
        .filter(|k| ctx.eng.store.exists(db, k))
        .count();
    ctx.out.int(n as i64);
    Ok(())
}

pub fn type_(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let db = ctx.db();
    let t = ctx
        .eng
        .store
        .peek(db, &args[1])
        .map(|e| e.value.kind().name())
        .unwrap_or("none");
    ctx.out.simple(t);
    Ok(())
}

pub fn touch(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let db = ctx.db();
    let n = args[1..]
        .iter()
        .filter(|k| ctx.eng.store.get_mut(db, k).is_some())
        .count();
    ctx.out.int(n as i64);
    Ok(())
}

fn rename_generic(ctx: &mut Ctx<'_>, args: &[Bytes], nx: bool) -> CmdResult {
    let db = ctx.db();
    let (src, dst) = (&args[1], &args[2]);
    if !ctx.eng.store.exists(db, src) {
        return Err(CmdError::no_such_key());
    }
    if src == dst {
        if nx {
            ctx.out.int(0);
        } else {
            ctx.out.ok();
        }
        return Ok(());
    }
    if nx && ctx.eng.store.exists(db, dst) {
        ctx.out.int(0);
        return Ok(());
    }
    let Some(mut e) = ctx.eng.store.remove(db, src) else {
        return Err(CmdError::no_such_key());
    };
    e.key = SmallBytes::new(dst);
    ctx.eng.store.remove(db, dst);
    ctx.eng.store.insert_entry(db, e);
    ctx.touch(src);
    ctx.touch(dst);
    ctx.notify(notify::GENERIC, "rename_from", src);
    ctx.notify(notify::GENERIC, "rename_to", dst);
    ctx.eng.dirty += 1;
    if nx {
        ctx.out.int(1);
    } else {
        ctx.out.ok();
    }
    Ok(())
}

pub fn rename(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    rename_generic(ctx, args, false)
}

pub fn renamenx(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    rename_generic(ctx, args, true)
}

/// Parses a database index argument, with the given error for non-integers.
fn db_index(ctx: &Ctx<'_>, a: &[u8], not_int: CmdError) -> Result<usize, CmdError> {
    let i = crate::util::num::parse_i64(a)
        .filter(|i| *i >= i32::MIN as i64 && *i <= i32::MAX as i64)
        .ok_or(not_int)?;
    if i < 0 || i as usize >= ctx.eng.store.databases() {
        return Err(CmdError::db_range());
    }
    Ok(i as usize)
}

/// COPY source destination [DB destination-db] [REPLACE]
pub fn copy(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let src_db = ctx.db();
    let mut dst_db = src_db;
    let mut replace = false;
    let mut j = 3;
    while j < args.len() {
        if is(&args[j], "replace") {
            replace = true;
        } else if is(&args[j], "db") && j + 1 < args.len() {
            dst_db = db_index(ctx, &args[j + 1], CmdError::not_int())?;
            j += 1;
        } else {
            return Err(CmdError::syntax());
        }
        j += 1;
    }
    let (src, dst) = (&args[1], &args[2]);
    if src_db == dst_db && src == dst {
        return Err(CmdError::err("source and destination objects are the same"));
    }
    let Some(e) = ctx.eng.store.peek(src_db, src) else {
        ctx.out.int(0);
        return Ok(());
    };
    let copy = Entry {
        key: SmallBytes::new(dst),
        value: e.value.clone(),
        expire_at: e.expire_at,
        lru: e.lru,
    };
    if ctx.eng.store.exists(dst_db, dst) {
        if !replace {
            ctx.out.int(0);
            return Ok(());
        }
        ctx.eng.store.remove(dst_db, dst);
    }
    ctx.eng.store.insert_entry(dst_db, copy);
    ctx.modified_in(dst_db, dst, notify::GENERIC, "copy_to");
    ctx.eng.dirty += 1;
    ctx.out.int(1);
    Ok(())
}

pub fn move_(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let src_db = ctx.db();
    let dst_db = db_index(ctx, &args[2], CmdError::not_int())?;
    if src_db == dst_db {
        return Err(CmdError::err("source and destination objects are the same"));
    }
    let key = &args[1];
    if !ctx.eng.store.exists(src_db, key) || ctx.eng.store.exists(dst_db, key) {
        ctx.out.int(0);
        return Ok(());
    }
    if let Some(e) = ctx.eng.store.remove(src_db, key) {
        ctx.eng.store.insert_entry(dst_db, e);
    }
    ctx.eng.store.signal_modified(src_db, key);
    ctx.eng.store.signal_modified(dst_db, key);
    ctx.notify_in(src_db, notify::GENERIC, "move_from", key);
    ctx.notify_in(dst_db, notify::GENERIC, "move_to", key);
    ctx.eng.dirty += 1;
    ctx.out.int(1);
    Ok(())
}

pub fn randomkey(ctx: &mut Ctx<'_>, _args: &[Bytes]) -> CmdResult {
    let db = ctx.db();
    match ctx.eng.store.random_key(db) {
        Some(k) => ctx.out.bulk(&k),
        None => ctx.out.null(),
    }
    Ok(())
}

pub fn keys(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let db = ctx.db();
    let pattern = &args[1];
    let now = ctx.now_ms();
    let all = pattern.as_ref() == b"*";
    let found: Vec<SmallBytes> = ctx
        .eng
        .store
        .db(db)
        .iter()
        .filter(|e| {
            (e.expire_at == 0 || e.expire_at > now) && (all || glob_match(pattern, &e.key, false))
        })
        .map(|e| e.key.clone())
        .collect();
    ctx.out.bulks(found.iter());
    Ok(())
}

/// Parses a SCAN-family cursor the way Redis does (C `strtoul`): optional sign, decimal digits,
/// a negative value wraps; leading whitespace, junk and overflow are invalid.
pub fn parse_cursor(a: &[u8]) -> Result<u64, CmdError> {
    let invalid = || CmdError::err("invalid cursor");
    let (neg, digits) = match a.split_first() {
        Some((b'-', rest)) => (true, rest),
        Some((b'+', rest)) => (false, rest),
        _ => (false, a),
    };
    if digits.is_empty() || !digits.iter().all(|c| c.is_ascii_digit()) {
        return Err(invalid());
    }
    let mut v: u64 = 0;
    for &c in digits {
        v = v
            .checked_mul(10)
            .and_then(|v| v.checked_add((c - b'0') as u64))
            .ok_or_else(invalid)?;
    }
    Ok(if neg { v.wrapping_neg() } else { v })
}

/// The options after the cursor of SCAN, HSCAN and SSCAN (TYPE is SCAN's alone).
pub struct ScanOpts<'a> {
    pub pattern: Option<&'a Bytes>,
    pub count: usize,
    pub typ: Option<&'a Bytes>,
}

impl ScanOpts<'_> {
    /// Whether `name` passes MATCH (a lone `*` matches everything without running the matcher).
    pub fn matches(&self, name: &[u8]) -> bool {
        self.pattern
            .is_none_or(|p| p.as_ref() == b"*" || glob_match(p, name, false))
    }
}

/// Parses `[MATCH pattern] [COUNT count] [TYPE type]` with Redis's errors (COUNT < 1 is a
/// syntax error, as is TYPE where `allow_type` is false).
pub fn parse_scan_opts(opts: &[Bytes], allow_type: bool) -> Result<ScanOpts<'_>, CmdError> {
    let mut out = ScanOpts {
        pattern: None,
        count: 10,
        typ: None,
    };
    let mut pairs = opts.chunks(2);
    for pair in pairs.by_ref() {
        let [name, value] = pair else {
            return Err(CmdError::syntax());
        };
        if is(name, "count") {
            let c = arg_i64(value)?;
            if c < 1 {
                return Err(CmdError::syntax());
            }
            out.count = c as usize;
        } else if is(name, "match") {
            out.pattern = Some(value);
        } else if allow_type && is(name, "type") {
            out.typ = Some(value);
        } else {
            return Err(CmdError::syntax());
        }
    }
    Ok(out)
}

/// SCAN cursor [MATCH pattern] [COUNT count] [TYPE type]
pub fn scan(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let cursor = parse_cursor(&args[1])?;
    let opts = super::keys::parse_scan_opts(args.get(2..).unwrap_or_default(), true)?;
    let db = ctx.db();
    let now = ctx.now_ms();
    let mut found: Vec<SmallBytes> = Vec::new();
    let mut reap: Vec<SmallBytes> = Vec::new();
    let next = ctx.eng.store.scan(db, cursor, opts.count, |e| {
        if !opts.matches(&e.key) {
            return;
        }
        if let Some(t) = opts.typ {
            if !t.eq_ignore_ascii_case(e.value.kind().name().as_bytes()) {
                return;
            }
        }
        if e.expire_at != 0 && e.expire_at <= now {
            reap.push(e.key.clone());
            return;
        }
        found.push(e.key.clone());
    });
    // As Redis, the expired keys that passed the filters are deleted (and logged as DELs).
    for k in &reap {
        ctx.eng.store.expire_if_needed(db, k);
    }
    ctx.out.array(2);
    ctx.out.bulk(next.to_string().as_bytes());
    ctx.out.bulks(found.iter());
    Ok(())
}

pub fn dbsize(ctx: &mut Ctx<'_>, _args: &[Bytes]) -> CmdResult {
    let n = ctx.eng.store.db(ctx.db()).len();
    ctx.out.int(n as i64);
    Ok(())
}

/// FLUSHDB / FLUSHALL take an optional ASYNC or SYNC; we always free synchronously (our values
/// are freed by dropping them, which is fast enough at the sizes this build targets).
fn flush_mode(args: &[Bytes]) -> CmdResult {
    match args.len() {
        1 => Ok(()),
        2 if is(&args[1], "async") || is(&args[1], "sync") => Ok(()),
        _ => Err(CmdError::syntax()),
    }
}

pub fn flushdb(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    flush_mode(args)?;
    let db = ctx.db();
    let n = ctx.eng.store.flush_db(db);
    ctx.eng.dirty += n as u64;
    // Logged even when the database was empty, as Redis (a replay must flush what the AOF's
    // base may hold).
    ctx.force_propagation();
    ctx.out.ok();
    Ok(())
}

pub fn flushall(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    flush_mode(args)?;
    // As Redis: a background save in progress is abandoned, and with save points configured the
    // (now empty) dataset is saved at once.
    crate::server::persistence::kill_snapshot_job(ctx.eng);
    let n = ctx.eng.store.flush_all();
    ctx.eng.dirty += n as u64;
    if !ctx.eng.config.save.is_empty() {
        let _ = crate::server::persistence::save(ctx.eng);
    }
    // Redis 7.0 counts only the keys it removed (older versions added one more so that a save
    // point would trigger); the save above may have reset the counter, and FLUSHALL is logged
    // regardless, as Redis.
    ctx.force_propagation();
    ctx.out.ok();
    Ok(())
}

pub fn swapdb(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let a = db_index(ctx, &args[1], CmdError::err("invalid first DB index"))?;
    let b = db_index(ctx, &args[2], CmdError::err("invalid second DB index"))?;
    ctx.eng.store.swap_db(a, b);
    ctx.eng.dirty += 1;
    ctx.out.ok();
    Ok(())
}

/// EXPIRE / PEXPIRE / EXPIREAT / PEXPIREAT key time [NX|XX|GT|LT]
fn expire_generic(
    ctx: &mut Ctx<'_>,
    args: &[Bytes],
    relative: bool,
    unit_ms: bool,
    cmd: &str,
) -> CmdResult {
    let (mut nx, mut xx, mut gt, mut lt) = (false, false, false, false);
    for a in &args[3..] {
        if is(a, "nx") {
            nx = true;
        } else if is(a, "xx") {
            xx = true;
        } else if is(a, "gt") {
            gt = true;
        } else if is(a, "lt") {
            lt = true;
        } else {
            return Err(CmdError::err(format!(
                "Unsupported option {}",
                String::from_utf8_lossy(a)
            )));
        }
    }
    if nx && (xx || gt || lt) {
        return Err(CmdError::err(
            "NX and XX, GT or LT options at the same time are not compatible",
        ));
    }
    if gt && lt {
        return Err(CmdError::err(
            "GT and LT options at the same time are not compatible",
        ));
    }
    let mut when = arg_i64(&args[2])?;
    if !unit_ms {
        when = when
            .checked_mul(1000)
            .ok_or_else(|| CmdError::invalid_expire(cmd))?;
    }
    if relative {
        when = when
            .checked_add(ctx.now_ms() as i64)
            .ok_or_else(|| CmdError::invalid_expire(cmd))?;
    }
    let db = ctx.db();
    let key = &args[1];
    let Some(e) = ctx.eng.store.peek(db, key) else {
        ctx.out.int(0);
        return Ok(());
    };
    let cur = e.expire_at;
    // A key without a TTL counts as having an infinite one for GT and LT.
    let has_ttl = cur != 0;
    let refused = (nx && has_ttl)
        || (xx && !has_ttl)
        || (gt && (!has_ttl || when <= cur as i64))
        || (lt && has_ttl && when >= cur as i64);
    if refused {
        ctx.out.int(0);
        return Ok(());
    }
    ctx.eng.dirty += 1;
    // Redis notifies a deletion before replying, but a new TTL after.
    if when <= ctx.now_ms() as i64 {
        ctx.eng.store.remove(db, key);
        ctx.modified(key, notify::GENERIC, "del");
        ctx.out.int(1);
        if ctx.propagating() {
            let del = super::strings::del_name(ctx.eng.config.lazyfree_lazy_expire);
            ctx.propagate_as(vec![del, key.clone()]);
        }
    } else {
        ctx.eng.store.set_expire(db, key, when as u64);
        ctx.out.int(1);
        ctx.modified(key, notify::GENERIC, "expire");
        // Logged as PEXPIREAT with the absolute time, keeping the options as given (Redis
        // rewrites only the name and the time; PEXPIREAT's own time is kept as written).
        if ctx.propagating() && (relative || !unit_ms) {
            let mut argv = Vec::with_capacity(args.len());
            argv.push(Bytes::from_static(b"PEXPIREAT"));
            argv.push(key.clone());
            argv.push(super::strings::int_arg(when));
            argv.extend(args[3..].iter().cloned());
            ctx.propagate_as(argv);
        }
    }
    Ok(())
}

pub fn expire(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    expire_generic(ctx, args, true, false, "expire")
}

pub fn pexpire(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    expire_generic(ctx, args, true, true, "pexpire")
}

pub fn expireat(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    expire_generic(ctx, args, false, false, "expireat")
}

pub fn pexpireat(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    expire_generic(ctx, args, false, true, "pexpireat")
}

/// TTL family: `ms` = milliseconds, `abs` = absolute time.
fn ttl_generic(ctx: &mut Ctx<'_>, args: &[Bytes], ms: bool, abs: bool) -> CmdResult {
    let db = ctx.db();
    let now = ctx.now_ms() as i64;
    let Some(e) = ctx.eng.store.peek(db, &args[1]) else {
        ctx.out.int(-2);
        return Ok(());
    };
    if e.expire_at == 0 {
        ctx.out.int(-1);
        return Ok(());
    }
    let t = if abs {
        e.expire_at as i64
    } else {
        (e.expire_at as i64 - now).max(0)
    };
    ctx.out.int(if ms { t } else { (t + 500) / 1000 });
    Ok(())
}

pub fn ttl(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    ttl_generic(ctx, args, false, false)
}

pub fn pttl(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    ttl_generic(ctx, args, true, false)
}

pub fn expiretime(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    ttl_generic(ctx, args, false, true)
}

pub fn pexpiretime(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    ttl_generic(ctx, args, true, true)
}

pub fn persist(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let db = ctx.db();
    let has = ctx
        .eng
        .store
        .peek(db, &args[1])
        .is_some_and(|e| e.expire_at != 0);
    if has {
        ctx.eng.store.set_expire(db, &args[1], 0);
        ctx.modified(&args[1], notify::GENERIC, "persist");
        ctx.eng.dirty += 1;
    }
    ctx.out.int(has as i64);
    Ok(())
}

/// Whether the configured eviction policy tracks LFU rather than LRU.
fn lfu_policy(ctx: &Ctx<'_>) -> bool {
    ctx.eng.config.maxmemory_policy_name().contains("lfu")
}

pub fn object_encoding(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let db = ctx.db();
    match ctx.eng.store.peek(db, &args[2]) {
        Some(e) => {
            let enc = e.value.encoding();
            ctx.out.bulk(enc.as_bytes());
        }
        None => ctx.out.null(),
    }
    Ok(())
}

pub fn object_idletime(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let db = ctx.db();
    let now = ctx.now_ms();
    let lfu = lfu_policy(ctx);
    let Some(e) = ctx.eng.store.peek(db, &args[2]) else {
        ctx.out.null();
        return Ok(());
    };
    if lfu {
        return Err(CmdError::err("An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust."));
    }
    let idle = idle_secs(e.lru, now);
    ctx.out.int(idle as i64);
    Ok(())
}

pub fn object_freq(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let db = ctx.db();
    let now = ctx.now_ms();
    let lfu = lfu_policy(ctx);
    let Some(e) = ctx.eng.store.peek(db, &args[2]) else {
        ctx.out.null();
        return Ok(());
    };
    if !lfu {
        return Err(CmdError::err("An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust."));
    }
    // The counter as decayed to now, without counting this look-up as an access (Redis's
    // LFUDecrAndReturn).
    let decay = ctx.eng.config.lfu_decay_time;
    let freq = crate::store::evict::lfu_decayed(e.lru, now, decay);
    ctx.out.int(freq as i64);
    Ok(())
}

pub fn object_refcount(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let db = ctx.db();
    let shared =
        ctx.eng.config.maxmemory == 0 || !ctx.eng.config.maxmemory_policy_name().contains("l");
    match ctx.eng.store.peek(db, &args[2]) {
        // Redis shares the integers 0..9999 (refcount INT_MAX) unless an LRU/LFU policy needs
        // per-object metadata.
        Some(e) => match e.value {
            crate::store::Value::Int(i) if (0..10_000).contains(&i) && shared => {
                ctx.out.int(i32::MAX as i64)
            }
            _ => ctx.out.int(1),
        },
        None => ctx.out.null(),
    }
    Ok(())
}

pub fn object_help(ctx: &mut Ctx<'_>, _args: &[Bytes]) -> CmdResult {
    let lines = [
        "OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "ENCODING <key>",
        "    The internal representation of the key's value (int, embstr, raw, ...).",
        "FREQ <key>",
        "    The key's logarithmic access-frequency counter (LFU policies only).",
        "IDLETIME <key>",
        "    Seconds since the key was last read or written (LRU policies only).",
        "REFCOUNT <key>",
        "    How many references the key's value object has.",
        "HELP",
        "    Print this help.",
    ];
    super::server::help_reply(ctx, &lines);
    Ok(())
}
