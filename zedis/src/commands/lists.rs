//! List commands (not the blocking ones): pushes and pops at both ends, indexing, ranges,
//! LINSERT, LREM, LTRIM, LPOS, LMOVE/RPOPLPUSH and LMPOP.
//!
//! Semantics, argument-checking order and error texts follow Redis 7.0's t_list.c: the order
//! matters because a request with several problems must fail with the same error Redis gives
//! (e.g. LRANGE parses its indexes before looking at the key, LINDEX after). A list is never
//! stored empty: whatever pops or removes the last element deletes the key.

use super::{arg_i64, is, notify, CmdError, CmdResult, Ctx};
use crate::store::{ListValue, SmallBytes, Store, Value};
use bytes::Bytes;

/// The list at `key` for a write: Ok(None) when absent, WRONGTYPE for another type.
fn list_mut<'a>(
    store: &'a mut Store,
    db: usize,
    key: &[u8],
) -> Result<Option<&'a mut ListValue>, CmdError> {
    super::write_typed(store, db, key, Value::as_list_mut)
}

/// The list at `key` for a read (counts keyspace hits and misses, as Redis's lookupKeyRead).
fn list_ref<'a>(
    store: &'a mut Store,
    db: usize,
    key: &[u8],
) -> Result<Option<&'a ListValue>, CmdError> {
    super::read_typed(store, db, key, Value::as_list)
}

/// Which end of a list (also used by the blocking pops).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum End {
    Left,
    Right,
}

pub(crate) fn parse_end(a: &[u8]) -> Result<End, CmdError> {
    if is(a, "left") {
        Ok(End::Left)
    } else if is(a, "right") {
        Ok(End::Right)
    } else {
        Err(CmdError::syntax())
    }
}

pub(crate) fn push_one(l: &mut ListValue, end: End, v: SmallBytes) {
    match end {
        End::Left => l.items.push_front(v),
        End::Right => l.items.push_back(v),
    }
}

/// What a pop from `end` of `key` is logged as: `LPOP key` / `RPOP key`, with the number of
/// elements it took when the command popped with a count (LMPOP, BLMPOP, as Redis).
pub(crate) fn pop_argv(end: End, key: &[u8], count: Option<usize>) -> Vec<Bytes> {
    let name: &'static [u8] = match end {
        End::Left => b"LPOP",
        End::Right => b"RPOP",
    };
    let mut argv = vec![Bytes::from_static(name), Bytes::copy_from_slice(key)];
    if let Some(n) = count {
        argv.push(super::strings::int_arg(n as i64));
    }
    argv
}

pub(crate) fn pop_one(l: &mut ListValue, end: End) -> Option<SmallBytes> {
    match end {
        End::Left => l.items.pop_front(),
        End::Right => l.items.pop_back(),
    }
}

impl End {
    pub(crate) fn pop_event(self) -> &'static str {
        match self {
            End::Left => "lpop",
            End::Right => "rpop",
        }
    }
    /// The direction as Redis spells it when it logs a served BLMOVE.
    pub(crate) fn lower_name(self) -> &'static [u8] {
        match self {
            End::Left => b"left",
            End::Right => b"right",
        }
    }
    pub(crate) fn push_event(self) -> &'static str {
        match self {
            End::Left => "lpush",
            End::Right => "rpush",
        }
    }
}

/// After elements were popped from `key` (Redis's listElementsRemoved): the pop event, `del` if
/// the list is now empty (and deleted), then the WATCH signal.
fn elements_removed(ctx: &mut Ctx<'_>, key: &[u8], end: End) {
    ctx.notify(notify::LIST, end.pop_event(), key);
    let db = ctx.db();
    if ctx.eng.store.remove_if_empty(db, key) {
        ctx.notify(notify::GENERIC, "del", key);
    }
    ctx.touch(key);
}

fn push_generic(ctx: &mut Ctx<'_>, args: &[Bytes], end: End, only_existing: bool) -> CmdResult {
    let db = ctx.db();
    let key = &args[1];
    let store = &mut ctx.eng.store;
    let len = match list_mut(store, db, key)? {
        Some(l) => {
            for a in &args[2..] {
                push_one(l, end, SmallBytes::new(a));
            }
            l.len()
        }
        None if only_existing => {
            ctx.out.int(0);
            return Ok(());
        }
        None => {
            let mut l = ListValue::new();
            for a in &args[2..] {
                push_one(&mut l, end, SmallBytes::new(a));
            }
            let n = l.len();
            store.set(db, key, Value::List(Box::new(l)), None, false);
            n
        }
    };
    ctx.eng.dirty += (args.len() - 2) as u64;
    // Redis replies first, then notifies.
    ctx.out.int(len as i64);
    ctx.modified(key, notify::LIST, end.push_event());
    Ok(())
}

/// LPUSH key element [element ...]
pub fn lpush(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    push_generic(ctx, args, End::Left, false)
}

/// RPUSH key element [element ...]
pub fn rpush(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    push_generic(ctx, args, End::Right, false)
}

/// LPUSHX key element [element ...]
pub fn lpushx(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    push_generic(ctx, args, End::Left, true)
}

/// RPUSHX key element [element ...]
pub fn rpushx(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    push_generic(ctx, args, End::Right, true)
}

/// Parses a count that must be >= 0; Redis gives `msg` both for non-integers and negatives.
fn positive(a: &[u8], msg: &'static str) -> Result<i64, CmdError> {
    match crate::util::num::parse_i64(a) {
        Some(n) if n >= 0 => Ok(n),
        _ => Err(CmdError::err(msg)),
    }
}

fn pop_generic(ctx: &mut Ctx<'_>, args: &[Bytes], end: End) -> CmdResult {
    if args.len() > 3 {
        return Err(CmdError::arity(if end == End::Left {
            "lpop"
        } else {
            "rpop"
        }));
    }
    let count = match args.get(2) {
        Some(a) => Some(positive(a, "value is out of range, must be positive")?),
        None => None,
    };
    let db = ctx.db();
    let key = &args[1];
    let Some(l) = list_mut(&mut ctx.eng.store, db, key)? else {
        // With a count the "nothing" reply is a null array, without one a null bulk.
        match count {
            Some(_) => ctx.out.null_array(),
            None => ctx.out.null(),
        }
        return Ok(());
    };
    let popped = match count {
        None => {
            if let Some(v) = pop_one(l, end) {
                ctx.out.bulk(&v);
                ctx.eng.dirty += 1;
            }
            1
        }
        Some(n) => {
            let n = (n as u64).min(l.len() as u64) as usize;
            ctx.out.array(n);
            for _ in 0..n {
                if let Some(v) = pop_one(l, end) {
                    ctx.out.bulk(&v);
                }
            }
            ctx.eng.dirty += n as u64;
            n
        }
    };
    // The reply is written before the events, as in Redis; COUNT 0 is a no-op.
    if popped > 0 {
        elements_removed(ctx, key, end);
    }
    Ok(())
}

/// LPOP key [count]
pub fn lpop(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    pop_generic(ctx, args, End::Left)
}

/// RPOP key [count]
pub fn rpop(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    pop_generic(ctx, args, End::Right)
}

/// LLEN key
pub fn llen(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let db = ctx.db();
    let n = list_ref(&mut ctx.eng.store, db, &args[1])?.map_or(0, |l| l.len());
    ctx.out.int(n as i64);
    Ok(())
}

/// LINDEX key index
pub fn lindex(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let db = ctx.db();
    // The key is looked up before the index is parsed: a missing key answers nil even for a
    // malformed index, as in Redis.
    let Some(l) = list_ref(&mut ctx.eng.store, db, &args[1])? else {
        ctx.out.null();
        return Ok(());
    };
    let i = arg_i64(&args[2])?;
    match l.index(i) {
        Some(p) => ctx.out.bulk(&l.items[p]),
        None => ctx.out.null(),
    }
    Ok(())
}

/// LSET key index element
pub fn lset(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let db = ctx.db();
    let Some(l) = list_mut(&mut ctx.eng.store, db, &args[1])? else {
        return Err(CmdError::no_such_key());
    };
    let i = arg_i64(&args[2])?;
    let Some(p) = l.index(i) else {
        return Err(CmdError::err("index out of range"));
    };
    l.items[p] = SmallBytes::new(&args[3]);
    ctx.eng.dirty += 1;
    ctx.out.ok();
    ctx.modified(&args[1], notify::LIST, "lset");
    Ok(())
}

/// Redis's clamping of a [start, end] range over a list of `len`: None when empty.
fn clamp_range(start: i64, end: i64, len: usize) -> Option<(usize, usize)> {
    let len = len as i64;
    let mut start = if start < 0 { len + start } else { start };
    let end = if end < 0 { len + end } else { end };
    if start < 0 {
        start = 0;
    }
    if start > end || start >= len {
        return None;
    }
    let end = end.min(len - 1);
    Some((start as usize, end as usize))
}

/// LRANGE key start stop
pub fn lrange(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let start = arg_i64(&args[2])?;
    let end = arg_i64(&args[3])?;
    let db = ctx.db();
    let Some(l) = list_ref(&mut ctx.eng.store, db, &args[1])? else {
        ctx.out.array(0);
        return Ok(());
    };
    match clamp_range(start, end, l.len()) {
        None => ctx.out.array(0),
        Some((s, e)) => ctx.out.bulks(l.items.range(s..=e)),
    }
    Ok(())
}

/// LTRIM key start stop
pub fn ltrim(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let start = arg_i64(&args[2])?;
    let end = arg_i64(&args[3])?;
    let db = ctx.db();
    let key = &args[1];
    if let Some(l) = list_mut(&mut ctx.eng.store, db, key)? {
        let before = l.len();
        match clamp_range(start, end, before) {
            None => l.items.clear(),
            Some((s, e)) => {
                l.items.truncate(e + 1);
                l.items.drain(..s);
            }
        }
        ctx.eng.dirty += (before - l.len()) as u64;
        ctx.notify(notify::LIST, "ltrim", key);
        if ctx.eng.store.remove_if_empty(db, key) {
            ctx.notify(notify::GENERIC, "del", key);
        }
        ctx.touch(key);
    }
    ctx.out.ok();
    Ok(())
}

/// LREM key count element
pub fn lrem(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let count = arg_i64(&args[2])?;
    let db = ctx.db();
    let key = &args[1];
    let ele: &[u8] = &args[3];
    let Some(l) = list_mut(&mut ctx.eng.store, db, key)? else {
        ctx.out.int(0);
        return Ok(());
    };
    let limit = if count == 0 {
        u64::MAX
    } else {
        count.unsigned_abs()
    };
    let mut removed = 0u64;
    if count >= 0 {
        l.items.retain(|v| {
            if removed < limit && v.as_slice() == ele {
                removed += 1;
                false
            } else {
                true
            }
        });
    } else {
        // From the tail: find the last `limit` matches first, then drop them in one pass, so a
        // long list with many matches costs O(N) rather than one shift per removal.
        let mut cut = l.len();
        for (i, v) in l.items.iter().enumerate().rev() {
            if removed == limit {
                break;
            }
            if v.as_slice() == ele {
                removed += 1;
                cut = i;
            }
        }
        let mut i = 0usize;
        l.items.retain(|v| {
            let keep = i < cut || v.as_slice() != ele;
            i += 1;
            keep
        });
    }
    ctx.eng.dirty += removed;
    if removed > 0 {
        ctx.modified(key, notify::LIST, "lrem");
    }
    if ctx.eng.store.remove_if_empty(db, key) {
        ctx.notify(notify::GENERIC, "del", key);
    }
    ctx.out.int(removed as i64);
    Ok(())
}

/// LINSERT key BEFORE|AFTER pivot element
pub fn linsert(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let after = if is(&args[2], "after") {
        true
    } else if is(&args[2], "before") {
        false
    } else {
        return Err(CmdError::syntax());
    };
    let db = ctx.db();
    let Some(l) = list_mut(&mut ctx.eng.store, db, &args[1])? else {
        ctx.out.int(0);
        return Ok(());
    };
    let pivot: &[u8] = &args[3];
    match l.items.iter().position(|v| v.as_slice() == pivot) {
        None => ctx.out.int(-1),
        Some(p) => {
            l.items
                .insert(if after { p + 1 } else { p }, SmallBytes::new(&args[4]));
            let n = l.len();
            ctx.eng.dirty += 1;
            ctx.modified(&args[1], notify::LIST, "linsert");
            ctx.out.int(n as i64);
        }
    }
    Ok(())
}

/// LPOS key element [RANK rank] [COUNT num-matches] [MAXLEN len]
pub fn lpos(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let (mut rank, mut count, mut maxlen) = (1i64, None::<i64>, 0i64);
    let mut j = 3;
    while j < args.len() {
        let more = j + 1 < args.len();
        let a = &args[j];
        if is(a, "rank") && more {
            j += 1;
            rank = arg_i64(&args[j])?;
            if rank == 0 {
                return Err(CmdError::err(
                    "RANK can't be zero: use 1 to start from the first match, 2 from the \
                     second ... or use negative to start from the end of the list",
                ));
            }
        } else if is(a, "count") && more {
            j += 1;
            count = Some(positive(&args[j], "COUNT can't be negative")?);
        } else if is(a, "maxlen") && more {
            j += 1;
            maxlen = positive(&args[j], "MAXLEN can't be negative")?;
        } else {
            return Err(CmdError::syntax());
        }
        j += 1;
    }
    // A negative rank searches from the tail. Redis negates it in C `long`, so i64::MIN stays
    // negative and then matches at the first hit; wrapping arithmetic reproduces exactly that.
    let from_tail = rank < 0;
    if from_tail {
        rank = rank.wrapping_neg();
    }
    let db = ctx.db();
    let Some(l) = list_ref(&mut ctx.eng.store, db, &args[1])? else {
        match count {
            Some(_) => ctx.out.array(0),
            None => ctx.out.null(),
        }
        return Ok(());
    };
    let len = l.len();
    let mut found: Vec<i64> = Vec::new();
    let mut matches = 0i64;
    let ele: &[u8] = &args[2];
    for index in 0..len {
        if maxlen != 0 && index as i64 >= maxlen {
            break;
        }
        let pos = if from_tail { len - index - 1 } else { index };
        if l.items[pos].as_slice() != ele {
            continue;
        }
        matches += 1;
        if matches >= rank {
            found.push(pos as i64);
            match count {
                None => break,
                Some(c) => {
                    if c != 0 && matches.wrapping_sub(rank).wrapping_add(1) >= c {
                        break;
                    }
                }
            }
        }
    }
    match count {
        Some(_) => {
            ctx.out.array(found.len());
            for i in found {
                ctx.out.int(i);
            }
        }
        None => match found.first() {
            Some(&i) => ctx.out.int(i),
            None => ctx.out.null(),
        },
    }
    Ok(())
}

/// Pops from `src` at `from` and pushes onto `dst` at `to`, replying with the element.
fn move_generic(ctx: &mut Ctx<'_>, src: &[u8], dst: &[u8], from: End, to: End) -> CmdResult {
    let db = ctx.db();
    let store = &mut ctx.eng.store;
    if list_mut(store, db, src)?.is_none() {
        ctx.out.null();
        return Ok(());
    }
    // The destination's type is checked before anything is popped, so a WRONGTYPE destination
    // leaves the source untouched.
    list_mut(store, db, dst)?;
    let Some(v) = list_mut(store, db, src)?.and_then(|l| pop_one(l, from)) else {
        ctx.out.null();
        return Ok(());
    };
    // Redis: create the destination, signal it, push, notify, then reply; the source's events
    // come after the reply.
    let reply = v.clone();
    match list_mut(store, db, dst)? {
        Some(d) => push_one(d, to, v),
        None => {
            let mut l = ListValue::new();
            push_one(&mut l, to, v);
            store.set(db, dst, Value::List(Box::new(l)), None, false);
        }
    }
    ctx.modified(dst, notify::LIST, to.push_event());
    ctx.out.bulk(&reply);
    elements_removed(ctx, src, from);
    ctx.eng.dirty += 1;
    Ok(())
}

/// LMOVE source destination LEFT|RIGHT LEFT|RIGHT
pub fn lmove(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let from = parse_end(&args[3])?;
    let to = parse_end(&args[4])?;
    move_generic(ctx, &args[1], &args[2], from, to)
}

/// RPOPLPUSH source destination
pub fn rpoplpush(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    move_generic(ctx, &args[1], &args[2], End::Right, End::Left)
}

/// Parses `numkeys key... LEFT|RIGHT [COUNT n]` starting at `args[first]` (LMPOP and BLMPOP):
/// the keys' index range, the end, and the count (1 if absent), with Redis's errors.
pub(crate) fn parse_mpop(
    args: &[Bytes],
    first: usize,
) -> Result<(std::ops::Range<usize>, End, usize), CmdError> {
    let numkeys = match crate::util::num::parse_i64(&args[first]) {
        Some(n) if n >= 1 => n as u64,
        _ => return Err(CmdError::err("numkeys should be greater than 0")),
    };
    let where_idx = numkeys.saturating_add(first as u64 + 1);
    if where_idx >= args.len() as u64 {
        return Err(CmdError::syntax());
    }
    let where_idx = where_idx as usize;
    let end = parse_end(&args[where_idx])?;
    let mut count: Option<usize> = None;
    let mut j = where_idx + 1;
    while j < args.len() {
        if count.is_none() && is(&args[j], "count") && j + 1 < args.len() {
            j += 1;
            count = match crate::util::num::parse_i64(&args[j]) {
                Some(n) if n >= 1 => Some(n as usize),
                _ => return Err(CmdError::err("count should be greater than 0")),
            };
        } else {
            return Err(CmdError::syntax());
        }
        j += 1;
    }
    Ok((first + 1..where_idx, end, count.unwrap_or(1)))
}

/// LMPOP numkeys key [key ...] LEFT|RIGHT [COUNT count]
pub fn lmpop(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let (keys, end, count) = parse_mpop(args, 1)?;
    let where_idx = keys.end;
    let db = ctx.db();
    for key in &args[2..where_idx] {
        let Some(l) = list_mut(&mut ctx.eng.store, db, key)? else {
            continue;
        };
        let n = (count as u64).min(l.len() as u64) as usize;
        ctx.out.array(2);
        ctx.out.bulk(key);
        ctx.out.array(n);
        for _ in 0..n {
            if let Some(v) = pop_one(l, end) {
                ctx.out.bulk(&v);
            }
        }
        ctx.eng.dirty += n as u64;
        elements_removed(ctx, key, end);
        if ctx.propagating() {
            ctx.propagate_as(pop_argv(end, key, Some(n)));
        }
        return Ok(());
    }
    ctx.out.null_array();
    Ok(())
}
