//! Set commands: SADD and its relatives, the set algebra (SINTER, SUNION, SDIFF and their STORE
//! forms, SINTERCARD), random access (SPOP, SRANDMEMBER) and SSCAN.
//!
//! Semantics, argument-checking order and error texts follow Redis 7.0's t_set.c. The value
//! itself (intset / hashtable encodings and the conversion between them) is `store::set`.

use super::keys::parse_cursor;
use super::{is, notify, CmdError, CmdResult, Ctx};
use crate::store::{SetValue, Store, Value};
use crate::util::num;
use bytes::Bytes;

/// `set-max-intset-entries` from the current config (read per command, so CONFIG SET applies at
/// once).
fn max_intset(ctx: &Ctx<'_>) -> usize {
    usize::try_from(ctx.eng.config.set_max_intset_entries).unwrap_or(usize::MAX)
}

/// Looks a set up for reading: None when absent, WRONGTYPE when the key holds something else.
fn lookup<'s>(
    store: &'s mut Store,
    db: usize,
    key: &[u8],
) -> Result<Option<&'s SetValue>, CmdError> {
    super::read_typed(store, db, key, Value::as_set)
}

/// Looks a set up for writing.
fn lookup_mut<'s>(
    store: &'s mut Store,
    db: usize,
    key: &[u8],
) -> Result<Option<&'s mut SetValue>, CmdError> {
    super::write_typed(store, db, key, Value::as_set_mut)
}

/// The set at `key`, created empty if absent. Callers only create when about to add a member, so
/// no empty set is ever left behind.
fn lookup_or_create<'s>(
    store: &'s mut Store,
    db: usize,
    key: &[u8],
) -> Result<&'s mut SetValue, CmdError> {
    if !store.exists(db, key) {
        store.set(db, key, Value::Set(Box::default()), None, false);
    }
    lookup_mut(store, db, key)?.ok_or_else(CmdError::wrong_type)
}

/// SADD key member [member ...]
pub fn sadd(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let max = max_intset(ctx);
    let db = ctx.db();
    let s = lookup_or_create(&mut ctx.eng.store, db, &args[1])?;
    let added = args[2..].iter().filter(|m| s.add(m, max)).count();
    ctx.eng.dirty += added as u64;
    if added > 0 {
        ctx.modified(&args[1], notify::SET, "sadd");
    }
    ctx.out.int(added as i64);
    Ok(())
}

/// SREM key member [member ...]
pub fn srem(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    super::remove_elements(
        ctx,
        args,
        Value::as_set_mut,
        SetValue::remove,
        notify::SET,
        "srem",
    )
}

pub fn scard(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let db = ctx.db();
    let n = lookup(&mut ctx.eng.store, db, &args[1])?.map_or(0, |s| s.len());
    ctx.out.int(n as i64);
    Ok(())
}

pub fn sismember(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let db = ctx.db();
    let found = lookup(&mut ctx.eng.store, db, &args[1])?.is_some_and(|s| s.contains(&args[2]));
    ctx.out.int(found as i64);
    Ok(())
}

pub fn smismember(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let db = ctx.db();
    let s = lookup(&mut ctx.eng.store, db, &args[1])?;
    ctx.out.array(args.len() - 2);
    for m in &args[2..] {
        ctx.out.int(s.is_some_and(|s| s.contains(m)) as i64);
    }
    Ok(())
}

/// SMEMBERS key: in Redis 7.0 this is SINTER of one key (a RESP3 set reply).
pub fn smembers(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let db = ctx.db();
    let s = lookup(&mut ctx.eng.store, db, &args[1])?;
    ctx.out.set(s.map_or(0, |s| s.len()));
    if let Some(s) = s {
        for m in s.iter() {
            ctx.out.bulk(&m);
        }
    }
    Ok(())
}

/// SMOVE source destination member, with Redis's check order: a missing source replies 0 before
/// either type is checked.
pub fn smove(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let max = max_intset(ctx);
    let db = ctx.db();
    let store = &mut ctx.eng.store;
    let (src, dst, m) = (&args[1], &args[2], &args[3]);
    if !store.exists(db, src) {
        ctx.out.int(0);
        return Ok(());
    }
    lookup_mut(store, db, src)?;
    lookup_mut(store, db, dst)?;
    if src == dst {
        let found = lookup(store, db, src)?.is_some_and(|s| s.contains(m));
        ctx.out.int(found as i64);
        return Ok(());
    }
    let removed = lookup_mut(store, db, src)?.is_some_and(|s| s.remove(m));
    if !removed {
        ctx.out.int(0);
        return Ok(());
    }
    ctx.notify(notify::SET, "srem", src);
    if ctx.eng.store.remove_if_empty(db, src) {
        ctx.notify(notify::GENERIC, "del", src);
    }
    let added = lookup_or_create(&mut ctx.eng.store, db, dst)?.add(m, max);
    ctx.touch(src);
    // One change for the removal and one for the addition, as Redis counts them.
    ctx.eng.dirty += 1;
    if added {
        ctx.eng.dirty += 1;
        ctx.modified(dst, notify::SET, "sadd");
    }
    ctx.out.int(1);
    Ok(())
}

#[derive(Clone, Copy, PartialEq)]
enum Op {
    Inter,
    Union,
    Diff,
}

/// Checks every key in order the way Redis's lookups do (lazy expiry, counters, WRONGTYPE), so a
/// wrong type anywhere is an error even after a missing key. Returns whether a key is missing
/// while computing an intersection, which makes it empty.
fn check_keys(
    store: &mut Store,
    db: usize,
    keys: &[Bytes],
    op: Op,
    write: bool,
) -> Result<bool, CmdError> {
    let mut missing = false;
    for k in keys {
        let found = if write {
            lookup_mut(store, db, k)?.is_some()
        } else {
            lookup(store, db, k)?.is_some()
        };
        missing |= !found;
    }
    Ok(missing && op == Op::Inter)
}

/// The sets at `keys` (already checked), None for missing ones.
fn sets_of<'s>(store: &'s Store, db: usize, keys: &[Bytes]) -> Vec<Option<&'s SetValue>> {
    let d = store.db(db);
    keys.iter()
        .map(|k| match d.peek(k).map(|e| &e.value) {
            Some(Value::Set(s)) => Some(&**s),
            _ => None,
        })
        .collect()
}

/// Computes `op` over the sets at `keys`, built member by member into a fresh set as Redis builds
/// its result (so an all-integer result is an intset, replied in sorted order). None when a
/// missing key made an intersection empty.
fn compute(ctx: &mut Ctx<'_>, keys: &[Bytes], op: Op, write: bool) -> Result<SetValue, CmdError> {
    let max = max_intset(ctx);
    let db = ctx.db();
    let store = &mut ctx.eng.store;
    let mut out = SetValue::new();
    if check_keys(store, db, keys, op, write)? {
        return Ok(out);
    }
    let sets = sets_of(store, db, keys);
    match op {
        Op::Inter => {
            let mut present: Vec<&SetValue> = sets.into_iter().flatten().collect();
            // Walk the smallest set and probe the others, as Redis does.
            present.sort_by_key(|s| s.len());
            if let Some((first, rest)) = present.split_first() {
                for m in first.iter() {
                    if rest.iter().all(|s| s.contains(&m)) {
                        out.add(&m, max);
                    }
                }
            }
        }
        Op::Union => {
            for s in sets.into_iter().flatten() {
                for m in s.iter() {
                    out.add(&m, max);
                }
            }
        }
        Op::Diff => {
            if let Some(Some(first)) = sets.first() {
                for m in first.iter() {
                    if !sets[1..].iter().flatten().any(|s| s.contains(&m)) {
                        out.add(&m, max);
                    }
                }
            }
        }
    }
    Ok(out)
}

fn reply_set(ctx: &mut Ctx<'_>, s: &SetValue) {
    ctx.out.set(s.len());
    for m in s.iter() {
        ctx.out.bulk(&m);
    }
}

/// Stores `result` at `dst` (replacing whatever was there, TTL included) or deletes `dst` when
/// the result is empty, and replies the cardinality. Redis replies before notifying, except when
/// SINTERSTORE saw a missing source key (`del_first`), where it deletes and notifies first.
fn store_result(ctx: &mut Ctx<'_>, dst: &[u8], result: SetValue, event: &str, del_first: bool) {
    let db = ctx.db();
    let n = result.len();
    if n > 0 {
        ctx.eng
            .store
            .set(db, dst, Value::Set(Box::new(result)), None, false);
        ctx.touch(dst);
        ctx.eng.dirty += 1;
        ctx.out.int(n as i64);
        ctx.notify(notify::SET, event, dst);
        return;
    }
    if !del_first {
        ctx.out.int(0);
    }
    if ctx.eng.store.remove(db, dst).is_some() {
        ctx.modified(dst, notify::GENERIC, "del");
        ctx.eng.dirty += 1;
    }
    if del_first {
        ctx.out.int(0);
    }
}

pub fn sinter(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let r = compute(ctx, &args[1..], Op::Inter, false)?;
    reply_set(ctx, &r);
    Ok(())
}

pub fn sunion(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let r = compute(ctx, &args[1..], Op::Union, false)?;
    reply_set(ctx, &r);
    Ok(())
}

pub fn sdiff(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let r = compute(ctx, &args[1..], Op::Diff, false)?;
    reply_set(ctx, &r);
    Ok(())
}

pub fn sinterstore(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let r = compute(ctx, &args[2..], Op::Inter, true)?;
    let db = ctx.db();
    // compute() already looked every key up (and reaped expired ones), so `exists` is exact.
    let missing = r.is_empty() && args[2..].iter().any(|k| !ctx.eng.store.exists(db, k));
    store_result(ctx, &args[1], r, "sinterstore", missing);
    Ok(())
}

pub fn sunionstore(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let r = compute(ctx, &args[2..], Op::Union, true)?;
    store_result(ctx, &args[1], r, "sunionstore", false);
    Ok(())
}

pub fn sdiffstore(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let r = compute(ctx, &args[2..], Op::Diff, true)?;
    store_result(ctx, &args[1], r, "sdiffstore", false);
    Ok(())
}

/// SINTERCARD numkeys key [key ...] [LIMIT limit]
pub fn sintercard(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let numkeys = num::parse_i64(&args[1])
        .filter(|&n| n > 0)
        .ok_or_else(|| CmdError::err("numkeys should be greater than 0"))? as u64;
    if numkeys > (args.len() - 2) as u64 {
        return Err(CmdError::err(
            "Number of keys can't be greater than number of args",
        ));
    }
    let end = 2 + numkeys as usize;
    let mut limit = 0u64;
    let mut j = end;
    while j < args.len() {
        if is(&args[j], "limit") && j + 1 < args.len() {
            limit = num::parse_i64(&args[j + 1])
                .filter(|&l| l >= 0)
                .ok_or_else(|| CmdError::err("LIMIT can't be negative"))?
                as u64;
            j += 2;
        } else {
            return Err(CmdError::syntax());
        }
    }
    let db = ctx.db();
    let keys = &args[2..end];
    let store = &mut ctx.eng.store;
    if check_keys(store, db, keys, Op::Inter, false)? {
        ctx.out.int(0);
        return Ok(());
    }
    let mut present: Vec<&SetValue> = sets_of(store, db, keys).into_iter().flatten().collect();
    present.sort_by_key(|s| s.len());
    let mut n = 0u64;
    if let Some((first, rest)) = present.split_first() {
        for m in first.iter() {
            if rest.iter().all(|s| s.contains(&m)) {
                n += 1;
                if n == limit {
                    break;
                }
            }
        }
    }
    ctx.out.int(n as i64);
    Ok(())
}

/// SPOP key [count]
pub fn spop(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let db = ctx.db();
    if args.len() > 3 {
        return Err(CmdError::syntax());
    }
    if args.len() == 2 {
        let Some(s) = lookup_mut(&mut ctx.eng.store, db, &args[1])? else {
            ctx.out.null();
            return Ok(());
        };
        let i = fastrand::usize(..s.len().max(1));
        let popped = s.remove_at(i);
        // Redis: the event, the reply, then `del` if that emptied the set.
        if popped.is_some() {
            ctx.notify(notify::SET, "spop", &args[1]);
        }
        match popped {
            Some(m) => {
                ctx.out.bulk(&m);
                ctx.eng.dirty += 1;
                // Chance is not replayed: logged as the SREM of the member it took.
                if ctx.propagating() {
                    ctx.propagate_as(vec![
                        Bytes::from_static(b"SREM"),
                        args[1].clone(),
                        Bytes::from(m),
                    ]);
                }
            }
            None => ctx.out.null(),
        }
        if ctx.eng.store.remove_if_empty(db, &args[1]) {
            ctx.notify(notify::GENERIC, "del", &args[1]);
        }
        ctx.touch(&args[1]);
        return Ok(());
    }
    let count = num::parse_i64(&args[2])
        .filter(|&c| c >= 0)
        .ok_or_else(|| CmdError::err("value is out of range, must be positive"))?
        as u64;
    let Some(s) = lookup_mut(&mut ctx.eng.store, db, &args[1])? else {
        ctx.out.set(0);
        return Ok(());
    };
    if count == 0 {
        ctx.out.set(0);
        return Ok(());
    }
    let size = s.len();
    let mut popped: Vec<Vec<u8>> = Vec::new();
    let whole = count as usize >= size;
    if whole {
        // The whole set, in its own order, and the key goes.
        popped.extend(s.iter().map(|m| m.to_vec()));
        ctx.eng.store.remove(db, &args[1]);
    } else {
        for _ in 0..count {
            let i = fastrand::usize(..s.len());
            if let Some(m) = s.remove_at(i) {
                popped.push(m);
            }
        }
    }
    ctx.eng.dirty += popped.len() as u64;
    ctx.notify(notify::SET, "spop", &args[1]);
    ctx.out.set(popped.len());
    for m in &popped {
        ctx.out.bulk(m);
    }
    if whole {
        ctx.notify(notify::GENERIC, "del", &args[1]);
    }
    ctx.touch(&args[1]);
    // Logged as what it did: the whole set went (DEL), or one SREM per member taken, in reply
    // order (Redis 7.0's spopWithCountCommand; the MULTI/EXEC wrapping comes with more than one).
    if ctx.propagating() {
        if whole {
            ctx.propagate_as(vec![Bytes::from_static(b"DEL"), args[1].clone()]);
        } else {
            for m in popped {
                let argv = vec![Bytes::from_static(b"SREM"), args[1].clone(), Bytes::from(m)];
                ctx.also_propagate(db, argv);
            }
            ctx.prevent_propagation();
        }
    }
    Ok(())
}

/// SRANDMEMBER key [count]
pub fn srandmember(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let db = ctx.db();
    if args.len() > 3 {
        return Err(CmdError::syntax());
    }
    if args.len() == 2 {
        let s = lookup(&mut ctx.eng.store, db, &args[1])?;
        match s.and_then(|s| s.at(fastrand::usize(..s.len().max(1)))) {
            Some(m) => ctx.out.bulk(&m),
            None => ctx.out.null(),
        }
        return Ok(());
    }
    let l = num::parse_i64(&args[2]).ok_or_else(CmdError::not_int)?;
    if l == i64::MIN {
        return Err(CmdError::err(
            "value is out of range, value must between -9223372036854775807 and 9223372036854775807",
        ));
    }
    let Some(s) = lookup(&mut ctx.eng.store, db, &args[1])? else {
        ctx.out.array(0);
        return Ok(());
    };
    let size = s.len();
    let count = l.unsigned_abs() as usize;
    if count == 0 || size == 0 {
        ctx.out.array(0);
    } else if l < 0 {
        // With repetition, drawn lazily: the count is the client's and must not size an
        // allocation.
        ctx.out.array(count);
        for _ in 0..count {
            if let Some(m) = s.at(fastrand::usize(..size)) {
                ctx.out.bulk(&m);
            }
        }
    } else if count >= size {
        ctx.out.array(size);
        for m in s.iter() {
            ctx.out.bulk(&m);
        }
    } else {
        // Partial Fisher-Yates over the positions (count < size here, so this is bounded).
        let mut idx: Vec<usize> = (0..size).collect();
        for i in 0..count {
            let j = fastrand::usize(i..size);
            idx.swap(i, j);
        }
        ctx.out.array(count);
        for &i in &idx[..count] {
            if let Some(m) = s.at(i) {
                ctx.out.bulk(&m);
            }
        }
    }
    Ok(())
}

/// SSCAN key cursor [MATCH pattern] [COUNT count]. As in Redis, a missing key replies an empty
/// scan before the options are parsed, and an intset is returned whole.
pub fn sscan(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let cursor = parse_cursor(&args[2])?;
    let db = ctx.db();
    if lookup(&mut ctx.eng.store, db, &args[1])?.is_none() {
        ctx.out.array(2);
        ctx.out.bulk(b"0");
        ctx.out.array(0);
        return Ok(());
    }
    let opts = super::keys::parse_scan_opts(args.get(3..).unwrap_or_default(), false)?;
    let s = lookup(&mut ctx.eng.store, db, &args[1])?.ok_or_else(CmdError::wrong_type)?;
    let mut found: Vec<Vec<u8>> = Vec::new();
    let next = s.scan(cursor, opts.count, |m| {
        if !opts.matches(m) {
            return;
        }
        found.push(m.to_vec());
    });
    ctx.out.array(2);
    ctx.out.bulk(next.to_string().as_bytes());
    ctx.out.bulks(found.iter());
    Ok(())
}
