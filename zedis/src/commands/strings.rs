//! String commands: SET and its relatives, counters, ranges, LCS.
//!
//! Semantics and error texts follow Redis 7.0's t_string.c. Values are stored through
//! `store::Value::string`, which picks Redis's int / embstr / raw encoding.

use super::{arg_i64, is, notify, CmdError, CmdResult, Ctx};
use crate::store::Value;
use crate::util::num;
use bytes::Bytes;

/// Reads a string key: Ok(None) when absent, WRONGTYPE when the key holds another type.
pub(crate) fn read_str(ctx: &mut Ctx<'_>, key: &[u8]) -> Result<Option<Vec<u8>>, CmdError> {
    let db = ctx.db();
    match ctx.eng.store.get(db, key) {
        None => Ok(None),
        Some(e) => {
            let mut scratch = [0u8; 20];
            match e.value.str_bytes(&mut scratch) {
                Some(b) => Ok(Some(b.to_vec())),
                None => Err(CmdError::wrong_type()),
            }
        }
    }
}

/// Writes the string at `key` as a bulk reply (or nil), without copying it.
fn reply_str(ctx: &mut Ctx<'_>, key: &[u8]) -> CmdResult {
    let db = ctx.db();
    match ctx.eng.store.get(db, key) {
        None => ctx.out.null(),
        Some(e) => {
            let mut scratch = [0u8; 20];
            match e.value.str_bytes(&mut scratch) {
                Some(b) => ctx.out.bulk(b),
                None => return Err(CmdError::wrong_type()),
            }
        }
    }
    Ok(())
}

/// Expiry arguments shared by SET and GETEX.
#[derive(Clone, Copy, PartialEq, Eq)]
enum ExpireUnit {
    Ex,
    Px,
    ExAt,
    PxAt,
}

/// Converts an expire argument to absolute unix milliseconds, with Redis's checks.
fn expire_ms(ctx: &Ctx<'_>, unit: ExpireUnit, arg: &[u8], cmd: &str) -> Result<u64, CmdError> {
    let v = arg_i64(arg)?;
    if v <= 0 {
        return Err(CmdError::invalid_expire(cmd));
    }
    let ms = match unit {
        ExpireUnit::Ex | ExpireUnit::ExAt => v
            .checked_mul(1000)
            .ok_or_else(|| CmdError::invalid_expire(cmd))?,
        ExpireUnit::Px | ExpireUnit::PxAt => v,
    };
    let abs = match unit {
        ExpireUnit::Ex | ExpireUnit::Px => ms
            .checked_add(ctx.now_ms() as i64)
            .ok_or_else(|| CmdError::invalid_expire(cmd))?,
        _ => ms,
    };
    Ok(abs as u64)
}

/// Records an EX/PX/EXAT/PXAT option. Repeating the same unit is accepted (the last value
/// wins), mixing units is a syntax error: Redis 7.0's rule for SET and GETEX.
fn note_expire<'a>(
    expire: &mut Option<(ExpireUnit, &'a Bytes)>,
    unit: ExpireUnit,
    arg: &'a Bytes,
) -> CmdResult {
    if expire.is_some_and(|(u, _)| u != unit) {
        return Err(CmdError::syntax());
    }
    *expire = Some((unit, arg));
    Ok(())
}

fn parse_unit(a: &[u8]) -> Option<ExpireUnit> {
    if is(a, "ex") {
        Some(ExpireUnit::Ex)
    } else if is(a, "px") {
        Some(ExpireUnit::Px)
    } else if is(a, "exat") {
        Some(ExpireUnit::ExAt)
    } else if is(a, "pxat") {
        Some(ExpireUnit::PxAt)
    } else {
        None
    }
}

/// SET key value [NX|XX] [GET] [EX|PX|EXAT|PXAT t|KEEPTTL]
pub fn set(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let (mut nx, mut xx, mut get, mut keepttl) = (false, false, false, false);
    let mut expire: Option<(ExpireUnit, &Bytes)> = None;
    let mut j = 3;
    while j < args.len() {
        let a = &args[j];
        let next = args.get(j + 1);
        if is(a, "nx") && !xx {
            nx = true;
        } else if is(a, "xx") && !nx {
            xx = true;
        } else if is(a, "get") {
            get = true;
        } else if is(a, "keepttl") && expire.is_none() {
            keepttl = true;
        } else if let (Some(unit), Some(n), false) = (parse_unit(a), next, keepttl) {
            note_expire(&mut expire, unit, n)?;
            j += 1;
        } else {
            return Err(CmdError::syntax());
        }
        j += 1;
    }
    let expire_at = expire
        .map(|(unit, n)| expire_ms(ctx, unit, n, "set"))
        .transpose()?;
    set_generic(ctx, args, nx, xx, get, keepttl, expire_at)
}

/// The SET family on `args` (`[name, key, value, options...]`; SETEX and PSETEX pass
/// `[name, key, value]`).
fn set_generic(
    ctx: &mut Ctx<'_>,
    args: &[Bytes],
    nx: bool,
    xx: bool,
    get: bool,
    keepttl: bool,
    expire_at: Option<u64>,
) -> CmdResult {
    let (key, val) = (&args[1], &args[2]);
    let db = ctx.db();
    let old = if get { read_str(ctx, key)? } else { None };
    // Only NX and XX need to know whether the key exists; plain SET skips that lookup.
    let refused = (nx || xx) && {
        let exists = ctx.eng.store.exists(db, key);
        (nx && exists) || (xx && !exists)
    };
    if refused {
        if get {
            reply_opt(ctx, old);
        } else {
            ctx.out.null();
        }
        return Ok(());
    }
    // With GET, Redis writes the old value before it sets (and notifies).
    if get {
        ctx.flush_events();
        reply_opt(ctx, old);
    }
    // An absolute time already in the past stores a key that is already expired, as Redis 7.0
    // does: the next access reaps it (with its `expired` event).
    ctx.eng
        .store
        .set(db, key, Value::string(val), expire_at, keepttl);
    ctx.eng.dirty += 1;
    ctx.modified(key, notify::STRING, "set");
    if expire_at.is_some() {
        ctx.notify(notify::GENERIC, "expire", key);
    }
    if !get {
        ctx.out.ok();
    }
    if ctx.propagating() {
        if let Some(at) = expire_at {
            // A relative expiry is logged as the absolute time it came to (and the other
            // options are moot once the key is set), as Redis's setGenericCommand.
            ctx.propagate_as(vec![
                Bytes::from_static(b"SET"),
                key.clone(),
                val.clone(),
                Bytes::from_static(b"PXAT"),
                int_arg(at as i64),
            ]);
        } else if get {
            // GET changes nothing to replay: dropped (GETSET becomes SET).
            let name = if is(&args[0], "set") {
                args[0].clone()
            } else {
                Bytes::from_static(b"SET")
            };
            let mut argv = vec![name, key.clone(), val.clone()];
            argv.extend(args[3..].iter().filter(|a| !is(a, "get")).cloned());
            ctx.propagate_as(argv);
        }
    }
    Ok(())
}

/// An integer as a command argument (for rewritten commands).
pub(crate) fn int_arg(v: i64) -> Bytes {
    Bytes::from(v.to_string())
}

fn reply_opt(ctx: &mut Ctx<'_>, v: Option<Vec<u8>>) {
    match v {
        Some(b) => ctx.out.bulk(&b),
        None => ctx.out.null(),
    }
}

pub fn get(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    reply_str(ctx, &args[1])
}

/// GETEX key [EX|PX|EXAT|PXAT t|PERSIST]
pub fn getex(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let mut expire: Option<(ExpireUnit, &Bytes)> = None;
    let mut persist = false;
    let mut j = 2;
    while j < args.len() {
        let a = &args[j];
        if is(a, "persist") && expire.is_none() {
            persist = true;
        } else if let (Some(unit), Some(n), false) = (parse_unit(a), args.get(j + 1), persist) {
            note_expire(&mut expire, unit, n)?;
            j += 1;
        } else {
            return Err(CmdError::syntax());
        }
        j += 1;
    }
    let expire_at = expire
        .map(|(unit, n)| expire_ms(ctx, unit, n, "getex"))
        .transpose()?;
    let key = &args[1];
    let Some(v) = read_str(ctx, key)? else {
        ctx.out.null();
        return Ok(());
    };
    let db = ctx.db();
    // Redis replies before it changes the TTL (and notifies).
    ctx.out.bulk(&v);
    // GETEX is never logged as itself: its effect is a deletion, an absolute expiry or a
    // PERSIST (Redis's getexCommand).
    if let Some(at) = expire_at {
        if at <= ctx.now_ms() {
            ctx.eng.store.remove(db, key);
            ctx.modified(key, notify::GENERIC, "del");
            if ctx.propagating() {
                let del = del_name(ctx.eng.config.lazyfree_lazy_expire);
                ctx.propagate_as(vec![del, key.clone()]);
            }
        } else {
            ctx.eng.store.set_expire(db, key, at);
            ctx.modified(key, notify::GENERIC, "expire");
            if ctx.propagating() {
                ctx.propagate_as(vec![
                    Bytes::from_static(b"PEXPIREAT"),
                    key.clone(),
                    int_arg(at as i64),
                ]);
            }
        }
        ctx.eng.dirty += 1;
    } else if persist
        && ctx
            .eng
            .store
            .peek(db, key)
            .is_some_and(|e| e.expire_at != 0)
    {
        ctx.eng.store.set_expire(db, key, 0);
        ctx.modified(key, notify::GENERIC, "persist");
        ctx.eng.dirty += 1;
        if ctx.propagating() {
            ctx.propagate_as(vec![Bytes::from_static(b"PERSIST"), key.clone()]);
        }
    }
    Ok(())
}

/// How a deletion is logged: UNLINK when the matching `lazyfree-lazy-*` option is on, as Redis.
pub(crate) fn del_name(lazy: bool) -> Bytes {
    Bytes::from_static(if lazy { b"UNLINK" } else { b"DEL" })
}

pub fn getdel(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let v = read_str(ctx, &args[1])?;
    let found = v.is_some();
    // Redis replies with the value, then deletes and notifies.
    reply_opt(ctx, v);
    if found {
        let db = ctx.db();
        ctx.eng.store.remove(db, &args[1]);
        ctx.modified(&args[1], notify::GENERIC, "del");
        ctx.eng.dirty += 1;
        if ctx.propagating() {
            let del = del_name(ctx.eng.config.lazyfree_lazy_user_del);
            ctx.propagate_as(vec![del, args[1].clone()]);
        }
    }
    Ok(())
}

pub fn getset(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    set_generic(ctx, args, false, false, true, false, None)
}

pub fn mget(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let db = ctx.db();
    ctx.out.array(args.len() - 1);
    for key in &args[1..] {
        let mut scratch = [0u8; 20];
        match ctx
            .eng
            .store
            .get(db, key)
            .and_then(|e| e.value.str_bytes(&mut scratch))
        {
            Some(b) => ctx.out.bulk(b),
            None => ctx.out.null(),
        }
    }
    Ok(())
}

pub fn mset(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    if args.len().is_multiple_of(2) {
        return Err(CmdError::arity("mset"));
    }
    let db = ctx.db();
    for kv in args[1..].chunks_exact(2) {
        ctx.eng
            .store
            .set(db, &kv[0], Value::string(&kv[1]), None, false);
        ctx.modified(&kv[0], notify::STRING, "set");
    }
    ctx.eng.dirty += (args.len() / 2) as u64;
    ctx.out.ok();
    Ok(())
}

pub fn msetnx(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    if args.len().is_multiple_of(2) {
        return Err(CmdError::arity("msetnx"));
    }
    let db = ctx.db();
    if args[1..]
        .chunks_exact(2)
        .any(|kv| ctx.eng.store.exists(db, &kv[0]))
    {
        ctx.out.int(0);
        return Ok(());
    }
    for kv in args[1..].chunks_exact(2) {
        ctx.eng
            .store
            .set(db, &kv[0], Value::string(&kv[1]), None, false);
        ctx.modified(&kv[0], notify::STRING, "set");
    }
    ctx.eng.dirty += (args.len() / 2) as u64;
    ctx.out.int(1);
    Ok(())
}

pub fn setnx(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let db = ctx.db();
    if ctx.eng.store.exists(db, &args[1]) {
        ctx.out.int(0);
    } else {
        ctx.eng
            .store
            .set(db, &args[1], Value::string(&args[2]), None, false);
        ctx.modified(&args[1], notify::STRING, "set");
        ctx.eng.dirty += 1;
        ctx.out.int(1);
    }
    Ok(())
}

pub fn setex(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let at = expire_ms(ctx, ExpireUnit::Ex, &args[2], "setex")?;
    // SETEX key seconds value: the SET family's order is key, value.
    let argv = [args[0].clone(), args[1].clone(), args[3].clone()];
    set_generic(ctx, &argv, false, false, false, false, Some(at))
}

pub fn psetex(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let at = expire_ms(ctx, ExpireUnit::Px, &args[2], "psetex")?;
    // SETEX key seconds value: the SET family's order is key, value.
    let argv = [args[0].clone(), args[1].clone(), args[3].clone()];
    set_generic(ctx, &argv, false, false, false, false, Some(at))
}

/// The largest string a command may build (`proto-max-bulk-len`).
fn max_len(ctx: &Ctx<'_>) -> u64 {
    ctx.eng.config.proto_max_bulk_len
}

pub fn append(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let db = ctx.db();
    let limit = max_len(ctx);
    let add = &args[2];
    let Some(e) = ctx.eng.store.get_mut(db, &args[1]) else {
        ctx.eng
            .store
            .set(db, &args[1], Value::string(add), None, false);
        ctx.modified(&args[1], notify::STRING, "append");
        ctx.eng.dirty += 1;
        ctx.out.int(add.len() as i64);
        return Ok(());
    };
    let cur_len = {
        let mut s = [0u8; 20];
        e.value
            .str_bytes(&mut s)
            .ok_or_else(CmdError::wrong_type)?
            .len()
    };
    if (cur_len + add.len()) as u64 > limit {
        return Err(CmdError::too_big());
    }
    let v = e.value.make_raw().ok_or_else(CmdError::wrong_type)?;
    v.extend_from_slice(add);
    let n = v.len();
    ctx.modified(&args[1], notify::STRING, "append");
    ctx.eng.dirty += 1;
    ctx.out.int(n as i64);
    Ok(())
}

pub fn strlen(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let db = ctx.db();
    let n = match ctx.eng.store.get(db, &args[1]) {
        None => 0,
        Some(e) => {
            let mut s = [0u8; 20];
            e.value
                .str_bytes(&mut s)
                .ok_or_else(CmdError::wrong_type)?
                .len()
        }
    };
    ctx.out.int(n as i64);
    Ok(())
}

pub fn getrange(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let start = arg_i64(&args[2])?;
    let end = arg_i64(&args[3])?;
    let db = ctx.db();
    let Some(e) = ctx.eng.store.get(db, &args[1]) else {
        ctx.out.bulk(b"");
        return Ok(());
    };
    let mut s = [0u8; 20];
    let v = e.value.str_bytes(&mut s).ok_or_else(CmdError::wrong_type)?;
    match range(start, end, v.len()) {
        Some((a, b)) => ctx.out.bulk(&v[a..=b]),
        None => ctx.out.bulk(b""),
    }
    Ok(())
}

/// Redis's GETRANGE index arithmetic: negative indexes count from the end, both ends clamp.
fn range(mut start: i64, mut end: i64, len: usize) -> Option<(usize, usize)> {
    let len = len as i64;
    if start < 0 && end < 0 && start > end {
        return None;
    }
    if start < 0 {
        start += len;
    }
    if end < 0 {
        end += len;
    }
    start = start.max(0);
    end = end.max(0);
    if end >= len {
        end = len - 1;
    }
    if len == 0 || start > end {
        return None;
    }
    Some((start as usize, end as usize))
}

pub fn substr(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    getrange(ctx, args)
}

pub fn setrange(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let offset = arg_i64(&args[2])?;
    if offset < 0 {
        return Err(CmdError::err("offset is out of range"));
    }
    let value = &args[3];
    let limit = max_len(ctx);
    let db = ctx.db();
    let Some(e) = ctx.eng.store.get_mut(db, &args[1]) else {
        if value.is_empty() {
            ctx.out.int(0);
            return Ok(());
        }
        if offset as u64 + value.len() as u64 > limit {
            return Err(CmdError::too_big());
        }
        let mut v = vec![0u8; offset as usize + value.len()];
        v[offset as usize..].copy_from_slice(value);
        let n = v.len();
        ctx.eng.store.set(db, &args[1], Value::raw(v), None, false);
        ctx.modified(&args[1], notify::STRING, "setrange");
        ctx.eng.dirty += 1;
        ctx.out.int(n as i64);
        return Ok(());
    };
    let cur_len = {
        let mut s = [0u8; 20];
        e.value
            .str_bytes(&mut s)
            .ok_or_else(CmdError::wrong_type)?
            .len()
    };
    if value.is_empty() {
        ctx.out.int(cur_len as i64);
        return Ok(());
    }
    if offset as u64 + value.len() as u64 > limit {
        return Err(CmdError::too_big());
    }
    let v = e.value.make_raw().ok_or_else(CmdError::wrong_type)?;
    let end = offset as usize + value.len();
    if v.len() < end {
        v.resize(end, 0);
    }
    v[offset as usize..end].copy_from_slice(value);
    let n = v.len();
    ctx.modified(&args[1], notify::STRING, "setrange");
    ctx.eng.dirty += 1;
    ctx.out.int(n as i64);
    Ok(())
}

fn incr_generic(ctx: &mut Ctx<'_>, key: &[u8], by: i64) -> CmdResult {
    let db = ctx.db();
    let cur = match ctx.eng.store.get_mut(db, key) {
        None => None,
        Some(e) => Some(match &e.value {
            Value::Int(i) => *i,
            Value::Emb(s) => num::parse_i64(s).ok_or_else(CmdError::not_int)?,
            Value::Raw(v) => num::parse_i64(v).ok_or_else(CmdError::not_int)?,
            _ => return Err(CmdError::wrong_type()),
        }),
    };
    let new = cur
        .unwrap_or(0)
        .checked_add(by)
        .ok_or_else(CmdError::overflow)?;
    match ctx.eng.store.get_mut(db, key) {
        Some(e) => e.value = Value::Int(new),
        None => ctx.eng.store.set(db, key, Value::Int(new), None, false),
    }
    ctx.modified(key, notify::STRING, "incrby");
    ctx.eng.dirty += 1;
    ctx.out.int(new);
    Ok(())
}

pub fn incr(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    incr_generic(ctx, &args[1], 1)
}

pub fn decr(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    incr_generic(ctx, &args[1], -1)
}

pub fn incrby(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let by = arg_i64(&args[2])?;
    incr_generic(ctx, &args[1], by)
}

pub fn decrby(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let by = arg_i64(&args[2])?;
    if by == i64::MIN {
        return Err(CmdError::err("decrement would overflow"));
    }
    incr_generic(ctx, &args[1], -by)
}

pub fn incrbyfloat(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let cur = read_str(ctx, &args[1])?;
    let new = num::incr_by_float(cur.as_deref(), &args[2]).map_err(|e| match e {
        num::IncrFloatError::NanOrInf => CmdError::err("increment would produce NaN or Infinity"),
        _ => CmdError::not_float(),
    })?;
    let db = ctx.db();
    // The TTL survives, as in Redis (the AOF gets SET ... KEEPTTL).
    ctx.eng
        .store
        .set(db, &args[1], Value::string(&new), None, true);
    ctx.modified(&args[1], notify::STRING, "incrbyfloat");
    ctx.eng.dirty += 1;
    ctx.out.bulk(&new);
    // Logged as the value it came to, so float formatting can never make a replay differ.
    if ctx.propagating() {
        ctx.propagate_as(vec![
            Bytes::from_static(b"SET"),
            args[1].clone(),
            Bytes::from(new),
            Bytes::from_static(b"KEEPTTL"),
        ]);
    }
    Ok(())
}

/// LCS key1 key2 [LEN] [IDX] [MINMATCHLEN n] [WITHMATCHLEN]
pub fn lcs(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let (mut get_len, mut get_idx, mut with_len) = (false, false, false);
    let mut min_len: i64 = 0;
    let mut j = 3;
    while j < args.len() {
        let a = &args[j];
        if is(a, "idx") {
            get_idx = true;
        } else if is(a, "len") {
            get_len = true;
        } else if is(a, "withmatchlen") {
            with_len = true;
        } else if is(a, "minmatchlen") && j + 1 < args.len() {
            min_len = arg_i64(&args[j + 1])?.max(0);
            j += 1;
        } else {
            return Err(CmdError::syntax());
        }
        j += 1;
    }
    let db = ctx.db();
    let mut fetch = |key: &[u8]| -> Result<Vec<u8>, CmdError> {
        match ctx.eng.store.get(db, key) {
            None => Ok(Vec::new()),
            Some(e) => {
                let mut s = [0u8; 20];
                e.value
                    .str_bytes(&mut s)
                    .map(|b| b.to_vec())
                    .ok_or_else(|| CmdError::err("The specified keys must contain string values"))
            }
        }
    };
    let a = fetch(&args[1])?;
    let b = fetch(&args[2])?;
    if get_idx && get_len {
        return Err(CmdError::err(
            "If you want both the length and indexes, please just use IDX.",
        ));
    }
    let limit = ctx.eng.config.proto_max_bulk_len;
    let r =
        crate::util::lcs::lcs_checked(&a, &b, limit).map_err(|e| CmdError::err(e.to_string()))?;
    if get_idx {
        let matches: Vec<_> = r.matches.iter().filter(|m| m.2 as i64 >= min_len).collect();
        ctx.out.map(2);
        ctx.out.bulk(b"matches");
        ctx.out.array(matches.len());
        for ((a0, a1), (b0, b1), len) in matches.iter().map(|m| (m.0, m.1, m.2)) {
            ctx.out.array(if with_len { 3 } else { 2 });
            ctx.out.array(2);
            ctx.out.int(a0 as i64);
            ctx.out.int(a1 as i64);
            ctx.out.array(2);
            ctx.out.int(b0 as i64);
            ctx.out.int(b1 as i64);
            if with_len {
                ctx.out.int(len as i64);
            }
        }
        ctx.out.bulk(b"len");
        ctx.out.int(r.len as i64);
    } else if get_len {
        ctx.out.int(r.len as i64);
    } else {
        ctx.out.bulk(&r.string);
    }
    Ok(())
}
