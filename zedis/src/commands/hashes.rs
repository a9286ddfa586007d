//! Hash commands: HSET and its relatives, counters, whole-hash reads, HRANDFIELD and HSCAN.
//!
//! Semantics, argument-checking order and error texts follow Redis 7.0's t_hash.c. The value
//! itself (listpack / hashtable encodings and the conversion between them) is `store::hash`.

use super::keys::parse_cursor;
use super::{arg_i64, is, notify, CmdError, CmdResult, Ctx};
use crate::store::hash::Limits;
use crate::store::{HashValue, Store, Value};
use crate::util::num::{self, FloatArg};
use bytes::Bytes;

/// The listpack limits from the current config (read per command, so CONFIG SET applies at once).
fn limits(ctx: &Ctx<'_>) -> Limits {
    let c = &ctx.eng.config;
    Limits {
        max_entries: usize::try_from(c.hash_max_listpack_entries).unwrap_or(usize::MAX),
        max_value: usize::try_from(c.hash_max_listpack_value).unwrap_or(usize::MAX),
    }
}

/// Looks a hash up for reading (hit/miss counters, LRU): None when absent, WRONGTYPE when the
/// key holds something else.
fn lookup<'s>(
    store: &'s mut Store,
    db: usize,
    key: &[u8],
) -> Result<Option<&'s HashValue>, CmdError> {
    super::read_typed(store, db, key, Value::as_hash)
}

/// Looks a hash up for writing.
fn lookup_mut<'s>(
    store: &'s mut Store,
    db: usize,
    key: &[u8],
) -> Result<Option<&'s mut HashValue>, CmdError> {
    super::write_typed(store, db, key, Value::as_hash_mut)
}

/// The hash at `key`, created empty if absent. Callers only create when they are about to add a
/// field, so no empty hash is ever left behind.
fn lookup_or_create<'s>(
    store: &'s mut Store,
    db: usize,
    key: &[u8],
) -> Result<&'s mut HashValue, CmdError> {
    if !store.exists(db, key) {
        store.set(db, key, Value::Hash(Box::default()), None, false);
    }
    lookup_mut(store, db, key)?.ok_or_else(CmdError::wrong_type)
}

fn hset_generic(ctx: &mut Ctx<'_>, args: &[Bytes], name: &str) -> Result<i64, CmdError> {
    // key plus whole field/value pairs: an even argc including the command name.
    if !args.len().is_multiple_of(2) {
        return Err(CmdError::arity(name));
    }
    let lim = limits(ctx);
    let db = ctx.db();
    let h = lookup_or_create(&mut ctx.eng.store, db, &args[1])?;
    // Like hashTypeTryConversion: one over-long argument converts before anything is written.
    h.convert_for(args[2..].iter().map(|a| a.as_ref()), lim);
    let mut created = 0;
    for fv in args[2..].chunks_exact(2) {
        if h.set(&fv[0], &fv[1], lim) {
            created += 1;
        }
    }
    ctx.eng.dirty += ((args.len() - 2) / 2) as u64;
    Ok(created)
}

/// HSET key field value [field value ...]
pub fn hset(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let n = hset_generic(ctx, args, "hset")?;
    // Redis replies first, then notifies (so do all the hash writes but HDEL).
    ctx.out.int(n);
    ctx.modified(&args[1], notify::HASH, "hset");
    Ok(())
}

/// HMSET key field value [field value ...]: HSET replying OK.
pub fn hmset(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    hset_generic(ctx, args, "hmset")?;
    ctx.out.ok();
    ctx.modified(&args[1], notify::HASH, "hset");
    Ok(())
}

pub fn hsetnx(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let lim = limits(ctx);
    let db = ctx.db();
    // An existing field leaves the hash untouched, encoding included (Redis checks first).
    if lookup_mut(&mut ctx.eng.store, db, &args[1])?.is_some_and(|h| h.contains(&args[2])) {
        ctx.out.int(0);
        return Ok(());
    }
    lookup_or_create(&mut ctx.eng.store, db, &args[1])?.set(&args[2], &args[3], lim);
    ctx.eng.dirty += 1;
    ctx.out.int(1);
    ctx.modified(&args[1], notify::HASH, "hset");
    Ok(())
}

pub fn hget(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let db = ctx.db();
    match lookup(&mut ctx.eng.store, db, &args[1])?.and_then(|h| h.get(&args[2])) {
        Some(v) => ctx.out.bulk(v),
        None => ctx.out.null(),
    }
    Ok(())
}

pub fn hmget(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let db = ctx.db();
    let h = lookup(&mut ctx.eng.store, db, &args[1])?;
    ctx.out.array(args.len() - 2);
    for f in &args[2..] {
        match h.and_then(|h| h.get(f)) {
            Some(v) => ctx.out.bulk(v),
            None => ctx.out.null(),
        }
    }
    Ok(())
}

pub fn hdel(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    super::remove_elements(
        ctx,
        args,
        Value::as_hash_mut,
        HashValue::remove,
        notify::HASH,
        "hdel",
    )
}

pub fn hlen(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let db = ctx.db();
    let n = lookup(&mut ctx.eng.store, db, &args[1])?.map_or(0, |h| h.len());
    ctx.out.int(n as i64);
    Ok(())
}

pub fn hstrlen(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let db = ctx.db();
    let n = lookup(&mut ctx.eng.store, db, &args[1])?
        .and_then(|h| h.get(&args[2]))
        .map_or(0, <[u8]>::len);
    ctx.out.int(n as i64);
    Ok(())
}

pub fn hexists(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let db = ctx.db();
    let found = lookup(&mut ctx.eng.store, db, &args[1])?.is_some_and(|h| h.contains(&args[2]));
    ctx.out.int(found as i64);
    Ok(())
}

/// What HKEYS, HVALS and HGETALL return of each pair.
#[derive(Clone, Copy, PartialEq)]
enum Part {
    Keys,
    Vals,
    Both,
}

fn get_all(ctx: &mut Ctx<'_>, key: &[u8], part: Part) -> CmdResult {
    let db = ctx.db();
    let h = lookup(&mut ctx.eng.store, db, key)?;
    let n = h.map_or(0, |h| h.len());
    if part == Part::Both {
        // A map in RESP3 (an empty map for a missing key, as Redis's shared.emptymap).
        ctx.out.map(n);
    } else {
        ctx.out.array(n);
    }
    if let Some(h) = h {
        for (f, v) in h.iter() {
            if part != Part::Vals {
                ctx.out.bulk(f);
            }
            if part != Part::Keys {
                ctx.out.bulk(v);
            }
        }
    }
    Ok(())
}

pub fn hgetall(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    get_all(ctx, &args[1], Part::Both)
}

pub fn hkeys(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    get_all(ctx, &args[1], Part::Keys)
}

pub fn hvals(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    get_all(ctx, &args[1], Part::Vals)
}

/// HINCRBY key field increment. The increment is checked before the key's type, as in Redis.
pub fn hincrby(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let by = arg_i64(&args[3])?;
    let lim = limits(ctx);
    let db = ctx.db();
    let cur = match lookup_mut(&mut ctx.eng.store, db, &args[1])?.and_then(|h| h.get(&args[2])) {
        None => 0,
        Some(v) => {
            num::parse_i64(v).ok_or_else(|| CmdError::err("hash value is not an integer"))?
        }
    };
    let new = cur
        .checked_add(by)
        .ok_or_else(|| CmdError::err("increment or decrement would overflow"))?;
    let mut text = Vec::with_capacity(20);
    num::fmt_i64(new, &mut text);
    lookup_or_create(&mut ctx.eng.store, db, &args[1])?.set(&args[2], &text, lim);
    ctx.eng.dirty += 1;
    ctx.out.int(new);
    ctx.modified(&args[1], notify::HASH, "hincrby");
    Ok(())
}

/// HINCRBYFLOAT key field increment, in `long double` like Redis. The increment is validated
/// before the key's type (see `num::incr_by_float`'s documentation for the order).
pub fn hincrbyfloat(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    match num::classify_float_arg(&args[3]) {
        FloatArg::Invalid => return Err(CmdError::not_float()),
        FloatArg::Infinite => return Err(CmdError::err("value is NaN or Infinity")),
        FloatArg::Finite => {}
    }
    let lim = limits(ctx);
    let db = ctx.db();
    let cur = lookup_mut(&mut ctx.eng.store, db, &args[1])?
        .and_then(|h| h.get(&args[2]))
        .map(<[u8]>::to_vec);
    let new = num::incr_by_float(cur.as_deref(), &args[3]).map_err(|e| match e {
        num::IncrFloatError::NotFloat => CmdError::err("hash value is not a float"),
        num::IncrFloatError::IncrNotFloat => CmdError::not_float(),
        num::IncrFloatError::NanOrInf => CmdError::err("increment would produce NaN or Infinity"),
    })?;
    lookup_or_create(&mut ctx.eng.store, db, &args[1])?.set(&args[2], &new, lim);
    ctx.eng.dirty += 1;
    ctx.out.bulk(&new);
    ctx.modified(&args[1], notify::HASH, "hincrbyfloat");
    // Logged as the value it came to (HSET), so float formatting cannot make a replay differ.
    if ctx.propagating() {
        ctx.propagate_as(vec![
            Bytes::from_static(b"HSET"),
            args[1].clone(),
            args[2].clone(),
            Bytes::from(new),
        ]);
    }
    Ok(())
}

/// HRANDFIELD key [count [WITHVALUES]]
pub fn hrandfield(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let db = ctx.db();
    if args.len() == 2 {
        let h = lookup(&mut ctx.eng.store, db, &args[1])?;
        match h.and_then(|h| h.at(fastrand::usize(..h.len().max(1)))) {
            Some((f, _)) => ctx.out.bulk(f),
            None => ctx.out.null(),
        }
        return Ok(());
    }
    // Redis's order: the count's range, then the syntax, then the WITHVALUES overflow guard.
    let l = num::parse_i64(&args[2]).ok_or_else(CmdError::not_int)?;
    if l == i64::MIN {
        return Err(CmdError::err(
            "value is out of range, value must between -9223372036854775807 and 9223372036854775807",
        ));
    }
    let withvalues = match args.len() {
        3 => false,
        4 if is(&args[3], "withvalues") => true,
        _ => return Err(CmdError::syntax()),
    };
    if withvalues && !(-(i64::MAX / 2)..=i64::MAX / 2).contains(&l) {
        return Err(CmdError::err("value is out of range"));
    }
    let resp3 = ctx.out.resp3();
    let Some(h) = lookup(&mut ctx.eng.store, db, &args[1])? else {
        ctx.out.array(0);
        return Ok(());
    };
    let size = h.len();
    let count = l.unsigned_abs() as usize;
    // Which positions to return: with repetition for a negative count (drawn lazily: the count
    // is the client's and must not size an allocation), the whole hash in its own order when the
    // count covers it, else distinct random positions.
    let (n, picks): (usize, Box<dyn Iterator<Item = usize>>) = if count == 0 || size == 0 {
        (0, Box::new(std::iter::empty()))
    } else if l < 0 {
        (
            count,
            Box::new((0..count).map(move |_| fastrand::usize(..size))),
        )
    } else if count >= size {
        (size, Box::new(0..size))
    } else {
        // Partial Fisher-Yates over the positions (count < size here, so this is bounded).
        let mut idx: Vec<usize> = (0..size).collect();
        for i in 0..count {
            let j = fastrand::usize(i..size);
            idx.swap(i, j);
        }
        idx.truncate(count);
        (count, Box::new(idx.into_iter()))
    };
    // RESP3 pairs each field with its value; RESP2 flattens them (WITHVALUES counts were
    // range-checked above, so doubling cannot overflow).
    ctx.out.array(if withvalues && !resp3 { n * 2 } else { n });
    for i in picks {
        if let Some((f, v)) = h.at(i) {
            if withvalues {
                if resp3 {
                    ctx.out.array(2);
                }
                ctx.out.bulk(f);
                ctx.out.bulk(v);
            } else {
                ctx.out.bulk(f);
            }
        }
    }
    Ok(())
}

/// HSCAN key cursor [MATCH pattern] [COUNT count]. As in Redis, a missing key replies an empty
/// scan before the options are even parsed, and a listpack is returned whole.
pub fn hscan(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let cursor = parse_cursor(&args[2])?;
    let db = ctx.db();
    if lookup(&mut ctx.eng.store, db, &args[1])?.is_none() {
        ctx.out.array(2);
        ctx.out.bulk(b"0");
        ctx.out.array(0);
        return Ok(());
    }
    let opts = super::keys::parse_scan_opts(args.get(3..).unwrap_or_default(), false)?;
    let h = lookup(&mut ctx.eng.store, db, &args[1])?.ok_or_else(CmdError::wrong_type)?;
    let mut found: Vec<Vec<u8>> = Vec::new();
    let next = h.scan(cursor, opts.count, |f, v| {
        if !opts.matches(f) {
            return;
        }
        found.push(f.to_vec());
        found.push(v.to_vec());
    });
    ctx.out.array(2);
    ctx.out.bulk(next.to_string().as_bytes());
    ctx.out.bulks(found.iter());
    Ok(())
}
