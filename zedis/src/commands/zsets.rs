//! Sorted-set commands: ZADD/ZINCRBY, removal (ZREM, ZREMRANGEBY*), lookups (ZSCORE, ZMSCORE,
//! ZRANK, ZCARD, ZCOUNT, ZLEXCOUNT), every range form (ZRANGE with BYSCORE/BYLEX/REV/LIMIT, the
//! legacy ZRANGEBY*/ZREV* commands, ZRANGESTORE), pops (ZPOPMIN/ZPOPMAX/ZMPOP, with the shared
//! [`zpop_generic`] the blocking variants reuse), ZRANDMEMBER, the algebra (ZUNION, ZINTER,
//! ZDIFF, their STORE forms, ZINTERCARD; plain sets count as score 1) and ZSCAN.
//!
//! Argument-checking order, error texts, reply shapes (RESP2 flat pairs, RESP3 nested pairs with
//! double scores) and keyspace events follow Redis 7.0's t_zset.c. The value and its encodings
//! are `store::zset`.

use super::keys::parse_cursor;
use super::notify::{GENERIC, ZSET};
use super::{arg_i64, is, CmdError, CmdResult, Ctx, Reply};
use crate::store::zset::{AddFlags, AddOutcome, LexItem, LexRange, Limits, ScoreRange, ZRange};
use crate::store::{SetValue, Store, Value, ZSetValue};
use crate::util::num;
use bytes::Bytes;
use indexmap::IndexMap;

/// `zset-max-listpack-*` from the current config (read per command, so CONFIG SET applies at
/// once).
pub(crate) fn limits(ctx: &Ctx<'_>) -> Limits {
    Limits {
        max_entries: usize::try_from(ctx.eng.config.zset_max_listpack_entries)
            .unwrap_or(usize::MAX),
        max_value: usize::try_from(ctx.eng.config.zset_max_listpack_value).unwrap_or(usize::MAX),
    }
}

fn lookup<'s>(
    store: &'s mut Store,
    db: usize,
    key: &[u8],
) -> Result<Option<&'s ZSetValue>, CmdError> {
    super::read_typed(store, db, key, Value::as_zset)
}

fn lookup_mut<'s>(
    store: &'s mut Store,
    db: usize,
    key: &[u8],
) -> Result<Option<&'s mut ZSetValue>, CmdError> {
    super::write_typed(store, db, key, Value::as_zset_mut)
}

/// A score argument (`string2d` rules: no NaN, no trailing bytes).
fn parse_score(a: &[u8]) -> Result<f64, CmdError> {
    num::parse_f64_strict(a).ok_or_else(CmdError::not_float)
}

/// One end of a score range: `(` makes it exclusive; the rest is read like C's `strtod`.
fn parse_bound(a: &[u8]) -> Option<(f64, bool)> {
    match a.split_first() {
        Some((b'(', rest)) => num::parse_f64_lenient(rest).map(|v| (v, true)),
        _ => num::parse_f64_lenient(a).map(|v| (v, false)),
    }
}

fn parse_score_range(min: &[u8], max: &[u8]) -> Result<ScoreRange, CmdError> {
    match (parse_bound(min), parse_bound(max)) {
        (Some((min, minex)), Some((max, maxex))) => Ok(ScoreRange {
            min,
            max,
            minex,
            maxex,
        }),
        _ => Err(CmdError::err("min or max is not a float")),
    }
}

/// One end of a lex range: `-`, `+`, `(member` or `[member`. A C string ends at NUL, so `+\0x`
/// is still `+`.
fn parse_lex_item(a: &[u8]) -> Option<(LexItem, bool)> {
    let lone = a.len() == 1 || a.get(1) == Some(&0);
    match a.first()? {
        b'+' if lone => Some((LexItem::Max, true)),
        b'-' if lone => Some((LexItem::Min, true)),
        b'(' => Some((LexItem::Str(a[1..].to_vec()), true)),
        b'[' => Some((LexItem::Str(a[1..].to_vec()), false)),
        _ => None,
    }
}

fn parse_lex_range(min: &[u8], max: &[u8]) -> Result<LexRange, CmdError> {
    match (parse_lex_item(min), parse_lex_item(max)) {
        (Some((min, minex)), Some((max, maxex))) => Ok(LexRange {
            min,
            max,
            minex,
            maxex,
        }),
        _ => Err(CmdError::err("min or max not valid string range item")),
    }
}

/// An integer in `[min, max]`, with `msg` for both a non-integer and an out-of-range value
/// (`getRangeLongFromObjectOrReply` with a message).
fn ranged(a: &[u8], min: i64, max: i64, msg: &'static str) -> Result<i64, CmdError> {
    num::parse_i64(a)
        .filter(|v| (min..=max).contains(v))
        .ok_or_else(|| CmdError::err(msg))
}

/// Writes one (member, score) result element: the member alone, a flat member + score (RESP2)
/// or a `[member, score]` pair (RESP3).
fn emit(out: &mut Reply<'_>, m: &[u8], s: f64, withscores: bool) {
    if withscores && out.resp3() {
        out.array(2);
    }
    out.bulk(m);
    if withscores {
        out.double(s);
    }
}

/// The array header for `n` result elements.
fn emit_len(out: &mut Reply<'_>, n: usize, withscores: bool) {
    if withscores && !out.resp3() {
        out.array(n.saturating_mul(2));
    } else {
        out.array(n);
    }
}

// ---------------------------------------------------------------------------------------------
// ZADD / ZINCRBY
// ---------------------------------------------------------------------------------------------

pub(crate) fn zadd_generic(ctx: &mut Ctx<'_>, args: &[Bytes], mut f: AddFlags) -> CmdResult {
    let mut ch = false;
    let mut idx = 2;
    while idx < args.len() {
        let o = &args[idx];
        if is(o, "nx") {
            f.nx = true;
        } else if is(o, "xx") {
            f.xx = true;
        } else if is(o, "ch") {
            ch = true;
        } else if is(o, "incr") {
            f.incr = true;
        } else if is(o, "gt") {
            f.gt = true;
        } else if is(o, "lt") {
            f.lt = true;
        } else {
            break;
        }
        idx += 1;
    }
    let elements = args.len() - idx;
    if elements == 0 || !elements.is_multiple_of(2) {
        return Err(CmdError::syntax());
    }
    let elements = elements / 2;
    if f.nx && f.xx {
        return Err(CmdError::err(
            "XX and NX options at the same time are not compatible",
        ));
    }
    if (f.nx && (f.gt || f.lt)) || (f.gt && f.lt) {
        return Err(CmdError::err(
            "GT, LT, and/or NX options at the same time are not compatible",
        ));
    }
    if f.incr && elements > 1 {
        return Err(CmdError::err(
            "INCR option supports a single increment-element pair",
        ));
    }
    let scores = (0..elements)
        .map(|j| parse_score(&args[idx + 2 * j]))
        .collect::<Result<Vec<f64>, _>>()?;
    let lim = limits(ctx);
    let db = ctx.db();
    let key = &args[1];
    let store = &mut ctx.eng.store;
    if lookup_mut(store, db, key)?.is_none() {
        if f.xx {
            if f.incr {
                ctx.out.null();
            } else {
                ctx.out.int(0);
            }
            return Ok(());
        }
        let z = ZSetValue::for_first_member(args[idx + 1].len(), lim);
        store.set(db, key, Value::ZSet(Box::new(z)), None, false);
    }
    let z = lookup_mut(store, db, key)?.ok_or_else(CmdError::wrong_type)?;
    let (mut added, mut updated, mut processed) = (0i64, 0i64, 0i64);
    let mut last = 0.0;
    let mut nan = false;
    for (j, &score) in scores.iter().enumerate() {
        match z.add(score, &args[idx + 1 + 2 * j], f, lim) {
            AddOutcome::Nan => {
                nan = true;
                break;
            }
            AddOutcome::Added(s) => {
                added += 1;
                processed += 1;
                last = s;
            }
            AddOutcome::Updated(s) => {
                updated += 1;
                processed += 1;
                last = s;
            }
            AddOutcome::Same(s) => {
                processed += 1;
                last = s;
            }
            AddOutcome::Nop => {}
        }
    }
    if !nan {
        ctx.eng.dirty += (added + updated) as u64;
        if f.incr {
            if processed > 0 {
                ctx.out.double(last);
            } else {
                ctx.out.null();
            }
        } else {
            ctx.out.int(if ch { added + updated } else { added });
        }
    }
    if added > 0 || updated > 0 {
        ctx.modified(key, ZSET, if f.incr { "zincr" } else { "zadd" });
    }
    if nan {
        return Err(CmdError::err("resulting score is not a number (NaN)"));
    }
    Ok(())
}

/// ZADD key [NX|XX] [GT|LT] [CH] [INCR] score member [score member ...]
pub fn zadd(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    zadd_generic(ctx, args, AddFlags::default())
}

/// ZINCRBY key increment member: ZADD INCR underneath, so (as in Redis) an increment spelled
/// like a ZADD option is taken as one.
pub fn zincrby(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    zadd_generic(
        ctx,
        args,
        AddFlags {
            incr: true,
            ..AddFlags::default()
        },
    )
}

// ---------------------------------------------------------------------------------------------
// Removal
// ---------------------------------------------------------------------------------------------

/// ZREM key member [member ...]
pub fn zrem(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let db = ctx.db();
    let key = &args[1];
    let Some(z) = lookup_mut(&mut ctx.eng.store, db, key)? else {
        ctx.out.int(0);
        return Ok(());
    };
    let mut deleted = 0i64;
    let mut removed_key = false;
    for m in &args[2..] {
        if z.remove(m) {
            deleted += 1;
        }
        if z.is_empty() {
            removed_key = true;
            break;
        }
    }
    if removed_key {
        ctx.eng.store.remove(db, key);
    }
    if deleted > 0 {
        ctx.notify(ZSET, "zrem", key);
        if removed_key {
            ctx.notify(GENERIC, "del", key);
        }
        ctx.touch(key);
        ctx.eng.dirty += deleted as u64;
    }
    ctx.out.int(deleted);
    Ok(())
}

enum RemRange {
    Rank(i64, i64),
    Score(ScoreRange),
    Lex(LexRange),
}

fn zremrange(ctx: &mut Ctx<'_>, args: &[Bytes], range: RemRange, event: &str) -> CmdResult {
    let db = ctx.db();
    let key = &args[1];
    let Some(z) = lookup_mut(&mut ctx.eng.store, db, key)? else {
        ctx.out.int(0);
        return Ok(());
    };
    let deleted = match range {
        RemRange::Rank(start, end) => {
            let llen = z.len() as i64;
            let mut start = if start < 0 { llen + start } else { start };
            let end = if end < 0 { llen + end } else { end };
            if start < 0 {
                start = 0;
            }
            if start > end || start >= llen {
                ctx.out.int(0);
                return Ok(());
            }
            z.remove_rank_range(start as usize, end.min(llen - 1) as usize)
        }
        RemRange::Score(r) => z.remove_in(&r),
        RemRange::Lex(r) => z.remove_in(&r),
    };
    let removed_key = z.is_empty();
    if removed_key {
        ctx.eng.store.remove(db, key);
    }
    if deleted > 0 {
        ctx.modified(key, ZSET, event);
        if removed_key {
            ctx.notify(GENERIC, "del", key);
        }
    }
    ctx.eng.dirty += deleted as u64;
    ctx.out.int(deleted as i64);
    Ok(())
}

pub fn zremrangebyrank(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let start = arg_i64(&args[2])?;
    let end = arg_i64(&args[3])?;
    zremrange(ctx, args, RemRange::Rank(start, end), "zremrangebyrank")
}

pub fn zremrangebyscore(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let r = parse_score_range(&args[2], &args[3])?;
    zremrange(ctx, args, RemRange::Score(r), "zremrangebyscore")
}

pub fn zremrangebylex(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let r = parse_lex_range(&args[2], &args[3])?;
    zremrange(ctx, args, RemRange::Lex(r), "zremrangebylex")
}

// ---------------------------------------------------------------------------------------------
// Lookups
// ---------------------------------------------------------------------------------------------

pub fn zcard(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let db = ctx.db();
    let n = lookup(&mut ctx.eng.store, db, &args[1])?.map_or(0, |z| z.len());
    ctx.out.int(n as i64);
    Ok(())
}

pub fn zscore(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let db = ctx.db();
    match lookup(&mut ctx.eng.store, db, &args[1])?.and_then(|z| z.score(&args[2])) {
        Some(s) => ctx.out.double(s),
        None => ctx.out.null(),
    }
    Ok(())
}

pub fn zmscore(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let db = ctx.db();
    let z = lookup(&mut ctx.eng.store, db, &args[1])?;
    ctx.out.array(args.len() - 2);
    for m in &args[2..] {
        match z.and_then(|z| z.score(m)) {
            Some(s) => ctx.out.double(s),
            None => ctx.out.null(),
        }
    }
    Ok(())
}

fn zrank_generic(ctx: &mut Ctx<'_>, args: &[Bytes], rev: bool) -> CmdResult {
    let db = ctx.db();
    let Some(z) = lookup(&mut ctx.eng.store, db, &args[1])? else {
        ctx.out.null();
        return Ok(());
    };
    match z.rank(&args[2]) {
        Some(r) if rev => ctx.out.int((z.len() - 1 - r) as i64),
        Some(r) => ctx.out.int(r as i64),
        None => ctx.out.null(),
    }
    Ok(())
}

pub fn zrank(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    zrank_generic(ctx, args, false)
}

pub fn zrevrank(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    zrank_generic(ctx, args, true)
}

pub fn zcount(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let r = parse_score_range(&args[2], &args[3])?;
    let db = ctx.db();
    let n = lookup(&mut ctx.eng.store, db, &args[1])?.map_or(0, |z| z.count_in(&r));
    ctx.out.int(n as i64);
    Ok(())
}

pub fn zlexcount(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let r = parse_lex_range(&args[2], &args[3])?;
    let db = ctx.db();
    let n = lookup(&mut ctx.eng.store, db, &args[1])?.map_or(0, |z| z.count_in(&r));
    ctx.out.int(n as i64);
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Ranges
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Copy, PartialEq)]
enum RangeType {
    Auto,
    Rank,
    Score,
    Lex,
}

#[derive(Clone, Copy, PartialEq)]
enum Direction {
    Auto,
    Forward,
    Reverse,
}

/// The elements of a score or lex range: from the first (last, when `rev`) element inside,
/// skipping `offset`, at most `limit` (negative: no limit) while still inside. A negative offset
/// selects nothing, as Redis's walk past the end does.
fn collect_range<'z>(
    z: &'z ZSetValue,
    r: &impl ZRange,
    offset: i64,
    limit: i64,
    rev: bool,
) -> Vec<(&'z [u8], f64)> {
    if offset < 0 || (offset > 0 && offset as u64 >= z.len() as u64) {
        return Vec::new();
    }
    let start = if rev { z.last_in(r) } else { z.first_in(r) };
    let Some(start) = start else {
        return Vec::new();
    };
    let take = if limit < 0 {
        usize::MAX
    } else {
        limit as usize
    };
    z.iter_from(start, rev)
        .skip(offset as usize)
        .take_while(|(m, s)| {
            if rev {
                r.gte_min(*s, m)
            } else {
                r.lte_max(*s, m)
            }
        })
        .take(take)
        .collect()
}

/// ZRANGE, ZRANGESTORE and the legacy range commands (Redis's `zrangeGenericCommand`).
/// `start` is the index of the source key; `dst` is ZRANGESTORE's destination.
fn zrange_generic(
    ctx: &mut Ctx<'_>,
    args: &[Bytes],
    start: usize,
    dst: Option<&Bytes>,
    mut rangetype: RangeType,
    mut direction: Direction,
) -> CmdResult {
    let store_mode = dst.is_some();
    let key = &args[start];
    let (mut minidx, mut maxidx) = (start + 1, start + 2);
    let mut withscores = false;
    let (mut offset, mut limit) = (0i64, -1i64);
    let mut j = start + 3;
    while j < args.len() {
        let left = args.len() - j - 1;
        let a = &args[j];
        if !store_mode && is(a, "withscores") {
            withscores = true;
        } else if is(a, "limit") && left >= 2 {
            offset = arg_i64(&args[j + 1])?;
            limit = arg_i64(&args[j + 2])?;
            j += 2;
        } else if direction == Direction::Auto && is(a, "rev") {
            direction = Direction::Reverse;
        } else if rangetype == RangeType::Auto && is(a, "bylex") {
            rangetype = RangeType::Lex;
        } else if rangetype == RangeType::Auto && is(a, "byscore") {
            rangetype = RangeType::Score;
        } else {
            return Err(CmdError::syntax());
        }
        j += 1;
    }
    if direction == Direction::Auto {
        direction = Direction::Forward;
    }
    if rangetype == RangeType::Auto {
        rangetype = RangeType::Rank;
    }
    if limit != -1 && rangetype == RangeType::Rank {
        return Err(CmdError::err(
            "syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX",
        ));
    }
    if withscores && rangetype == RangeType::Lex {
        return Err(CmdError::err(
            "syntax error, WITHSCORES not supported in combination with BYLEX",
        ));
    }
    let rev = direction == Direction::Reverse;
    if rev && rangetype != RangeType::Rank {
        std::mem::swap(&mut minidx, &mut maxidx);
    }
    enum Parsed {
        Rank(i64, i64),
        Score(ScoreRange),
        Lex(LexRange),
    }
    let parsed = match rangetype {
        RangeType::Score => Parsed::Score(parse_score_range(&args[minidx], &args[maxidx])?),
        RangeType::Lex => Parsed::Lex(parse_lex_range(&args[minidx], &args[maxidx])?),
        _ => Parsed::Rank(arg_i64(&args[minidx])?, arg_i64(&args[maxidx])?),
    };
    let lim = limits(ctx);
    let db = ctx.db();
    let Some(z) = lookup(&mut ctx.eng.store, db, key)? else {
        match dst {
            Some(d) => store_range(ctx, d, None, &[], lim),
            None => ctx.out.array(0),
        }
        return Ok(());
    };
    // For a rank range Redis sizes the destination up front (`rank_len`); score and lex ranges
    // start from a listpack.
    let (items, rank_len): (Vec<(&[u8], f64)>, Option<usize>) = match parsed {
        Parsed::Rank(s, e) => {
            let llen = z.len() as i64;
            let mut s = if s < 0 { llen + s } else { s };
            let mut e = if e < 0 { llen + e } else { e };
            if s < 0 {
                s = 0;
            }
            if s > e || s >= llen {
                (Vec::new(), Some(0))
            } else {
                if e >= llen {
                    e = llen - 1;
                }
                let n = (e - s + 1) as usize;
                let from = if rev {
                    (llen - 1 - s) as usize
                } else {
                    s as usize
                };
                (z.iter_from(from, rev).take(n).collect(), Some(n))
            }
        }
        Parsed::Score(r) => (collect_range(z, &r, offset, limit, rev), None),
        Parsed::Lex(r) => (collect_range(z, &r, offset, limit, rev), None),
    };
    match dst {
        Some(d) => {
            let owned: Vec<(Vec<u8>, f64)> = items.iter().map(|(m, s)| (m.to_vec(), *s)).collect();
            store_range(ctx, d, rank_len, &owned, lim);
        }
        None => {
            emit_len(&mut ctx.out, items.len(), withscores);
            for (m, s) in &items {
                emit(&mut ctx.out, m, *s, withscores);
            }
        }
    }
    Ok(())
}

/// ZRANGESTORE's result: built like Redis's store handler (skiplist up front only for a rank
/// range longer than the listpack limit, then ordinary adds), stored, or the destination
/// deleted when empty.
fn store_range(
    ctx: &mut Ctx<'_>,
    dst: &[u8],
    rank_len: Option<usize>,
    items: &[(Vec<u8>, f64)],
    lim: Limits,
) {
    let db = ctx.db();
    if items.is_empty() {
        ctx.out.int(0);
        if ctx.eng.store.remove(db, dst).is_some() {
            ctx.modified(dst, GENERIC, "del");
            ctx.eng.dirty += 1;
        }
        return;
    }
    let mut z = if rank_len.is_some_and(|n| n > lim.max_entries) {
        ZSetValue::new_skiplist()
    } else {
        ZSetValue::default()
    };
    for (m, s) in items {
        z.add(*s, m, AddFlags::default(), lim);
    }
    let n = z.len();
    ctx.eng
        .store
        .set(db, dst, Value::ZSet(Box::new(z)), None, false);
    ctx.out.int(n as i64);
    ctx.modified(dst, ZSET, "zrangestore");
    ctx.eng.dirty += 1;
}

/// ZRANGE key start stop [BYSCORE|BYLEX] [REV] [LIMIT offset count] [WITHSCORES]
pub fn zrange(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    zrange_generic(ctx, args, 1, None, RangeType::Auto, Direction::Auto)
}

/// ZRANGESTORE dst src min max [BYSCORE|BYLEX] [REV] [LIMIT offset count]
pub fn zrangestore(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    zrange_generic(
        ctx,
        args,
        2,
        Some(&args[1]),
        RangeType::Auto,
        Direction::Auto,
    )
}

pub fn zrevrange(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    zrange_generic(ctx, args, 1, None, RangeType::Rank, Direction::Reverse)
}

pub fn zrangebyscore(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    zrange_generic(ctx, args, 1, None, RangeType::Score, Direction::Forward)
}

pub fn zrevrangebyscore(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    zrange_generic(ctx, args, 1, None, RangeType::Score, Direction::Reverse)
}

pub fn zrangebylex(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    zrange_generic(ctx, args, 1, None, RangeType::Lex, Direction::Forward)
}

pub fn zrevrangebylex(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    zrange_generic(ctx, args, 1, None, RangeType::Lex, Direction::Reverse)
}

// ---------------------------------------------------------------------------------------------
// Pops
// ---------------------------------------------------------------------------------------------

/// How a pop replies (Redis's `genericZpopCommand` flags).
#[derive(Clone, Copy, Debug)]
pub(crate) struct PopShape {
    /// Name the key in the reply (BZPOP*, ZMPOP, BZMPOP).
    pub emit_key: bool,
    /// `[member, score]` pairs instead of a flat list.
    pub nested: bool,
    /// Reply a null array, not an empty one, when no key has elements.
    pub nil_when_empty: bool,
}

/// Pops up to `count` elements (`-1`: a single pop) from the lowest (`max == false`) or highest
/// end of the first existing key of `keys`, writes the reply, and emits the events Redis does
/// (`zpopmin`/`zpopmax`, then `del` if the key emptied). Returns the key popped from and how
/// many members went (None when nothing was popped). A key of another type is WRONGTYPE; keys
/// after the first existing one are not looked at. The blocking variants call this once a key
/// is ready.
pub(crate) fn zpop_generic(
    ctx: &mut Ctx<'_>,
    keys: &[Bytes],
    max: bool,
    count: i64,
    shape: PopShape,
) -> Result<Option<(Bytes, usize)>, CmdError> {
    let db = ctx.db();
    let mut found: Option<&Bytes> = None;
    for k in keys {
        if lookup_mut(&mut ctx.eng.store, db, k)?.is_some() {
            found = Some(k);
            break;
        }
    }
    let Some(key) = found else {
        if shape.nil_when_empty {
            ctx.out.null_array();
        } else {
            ctx.out.array(0);
        }
        return Ok(None);
    };
    if count == 0 {
        ctx.out.array(0);
        return Ok(None);
    }
    let count = if count < 0 { 1 } else { count as u64 };
    let z = lookup_mut(&mut ctx.eng.store, db, key)?.ok_or_else(CmdError::wrong_type)?;
    let n = (z.len() as u64).min(count) as usize;
    let mut popped = Vec::with_capacity(n);
    for _ in 0..n {
        match z.pop(max) {
            Some(p) => popped.push(p),
            None => break,
        }
    }
    let emptied = z.is_empty();
    let out = &mut ctx.out;
    match (shape.nested, shape.emit_key) {
        (false, false) => out.array(popped.len() * 2),
        (true, false) => out.array(popped.len()),
        (false, true) => {
            out.array(popped.len() * 2 + 1);
            out.bulk(key);
        }
        (true, true) => {
            out.array(2);
            out.bulk(key);
            out.array(popped.len());
        }
    }
    // Redis notifies while popping the first element, after the reply's header: a client
    // subscribed to its own events (RESP3) sees the push inside the array.
    if !popped.is_empty() {
        ctx.notify(ZSET, if max { "zpopmax" } else { "zpopmin" }, key);
        ctx.touch(key);
    }
    let out = &mut ctx.out;
    for (m, s) in &popped {
        if shape.nested {
            out.array(2);
        }
        out.bulk(m);
        out.double(*s);
    }
    ctx.eng.dirty += popped.len() as u64;
    if emptied {
        ctx.eng.store.remove(db, key);
        ctx.notify(GENERIC, "del", key);
    }
    Ok((!popped.is_empty()).then(|| (key.clone(), popped.len())))
}

/// What a pop is logged as: `ZPOPMIN key` / `ZPOPMAX key`, with the number of members it took
/// when the command popped with a count (ZMPOP, BZMPOP, as Redis).
pub(crate) fn zpop_argv(max: bool, key: Bytes, count: Option<usize>) -> Vec<Bytes> {
    let name: &'static [u8] = if max { b"ZPOPMAX" } else { b"ZPOPMIN" };
    let mut argv = vec![Bytes::from_static(name), key];
    if let Some(n) = count {
        argv.push(super::strings::int_arg(n as i64));
    }
    argv
}

fn zpop_minmax(ctx: &mut Ctx<'_>, args: &[Bytes], max: bool) -> CmdResult {
    if args.len() > 3 {
        return Err(CmdError::syntax());
    }
    let count = match args.get(2) {
        Some(a) => ranged(a, 0, i64::MAX, "value is out of range, must be positive")?,
        None => -1,
    };
    let shape = PopShape {
        emit_key: false,
        nested: ctx.out.resp3() && count != -1,
        nil_when_empty: false,
    };
    zpop_generic(ctx, &args[1..2], max, count, shape)?;
    Ok(())
}

/// ZPOPMIN key [count]
pub fn zpopmin(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    zpop_minmax(ctx, args, false)
}

/// ZPOPMAX key [count]
pub fn zpopmax(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    zpop_minmax(ctx, args, true)
}

/// The parsed arguments of ZMPOP / BZMPOP from the numkeys argument on.
pub(crate) struct MpopArgs {
    /// Index range of the keys in the argument vector.
    pub keys: std::ops::Range<usize>,
    pub max: bool,
    pub count: i64,
}

/// Parses `numkeys key [key ...] MIN|MAX [COUNT count]` starting at `args[numkeys_idx]`, with
/// Redis's error texts.
pub(crate) fn parse_mpop(args: &[Bytes], numkeys_idx: usize) -> Result<MpopArgs, CmdError> {
    let numkeys = ranged(
        &args[numkeys_idx],
        1,
        i64::MAX,
        "numkeys should be greater than 0",
    )?;
    let where_idx = (numkeys as u64).saturating_add(numkeys_idx as u64 + 1);
    if where_idx >= args.len() as u64 {
        return Err(CmdError::syntax());
    }
    let where_idx = where_idx as usize;
    let max = if is(&args[where_idx], "min") {
        false
    } else if is(&args[where_idx], "max") {
        true
    } else {
        return Err(CmdError::syntax());
    };
    let mut count = -1i64;
    let mut j = where_idx + 1;
    while j < args.len() {
        let more = args.len() - 1 - j;
        if count == -1 && is(&args[j], "count") && more > 0 {
            j += 1;
            count = ranged(&args[j], 1, i64::MAX, "count should be greater than 0")?;
        } else {
            return Err(CmdError::syntax());
        }
        j += 1;
    }
    Ok(MpopArgs {
        keys: numkeys_idx + 1..where_idx,
        max,
        count: if count == -1 { 1 } else { count },
    })
}

/// ZMPOP numkeys key [key ...] MIN|MAX [COUNT count]
pub fn zmpop(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let p = parse_mpop(args, 1)?;
    let shape = PopShape {
        emit_key: true,
        nested: true,
        nil_when_empty: true,
    };
    if let Some((key, n)) = zpop_generic(ctx, &args[p.keys], p.max, p.count, shape)? {
        if ctx.propagating() {
            ctx.propagate_as(zpop_argv(p.max, key, Some(n)));
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// ZRANDMEMBER
// ---------------------------------------------------------------------------------------------

/// A negative ZRANDMEMBER count repeats members, so its reply grows with the client's number,
/// not the set: past this many elements we refuse rather than exhaust memory (docs/compat.md).
const RANDMEMBER_MAX_REPEATS: u64 = 1 << 27;

/// ZRANDMEMBER key [count [WITHSCORES]]
pub fn zrandmember(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let db = ctx.db();
    if args.len() < 3 {
        let z = lookup(&mut ctx.eng.store, db, &args[1])?;
        match z.and_then(|z| z.random()) {
            Some((m, _)) => ctx.out.bulk(m),
            None => ctx.out.null(),
        }
        return Ok(());
    }
    let l = arg_i64(&args[2])?;
    if l == i64::MIN {
        return Err(CmdError::err(
            "value is out of range, value must between -9223372036854775807 and 9223372036854775807",
        ));
    }

    if args.len() > 4 || (args.len() == 4 && !is(&args[3], "withscores")) {
        return Err(CmdError::syntax());
    }
    let withscores = args.len() == 4;
    if withscores && !(-(i64::MAX / 2)..=i64::MAX / 2).contains(&l) {
        return Err(CmdError::err("value is out of range"));
    }
    let Some(z) = lookup(&mut ctx.eng.store, db, &args[1])? else {
        ctx.out.array(0);
        return Ok(());
    };
    let count = l.unsigned_abs();
    if count == 0 {
        ctx.out.array(0);
        return Ok(());
    }
    let size = z.len();
    let out = &mut ctx.out;
    if l < 0 || count == 1 {
        if count > RANDMEMBER_MAX_REPEATS {
            return Err(CmdError::err("value is out of range"));
        }
        emit_len(out, count as usize, withscores);
        let picker = z.picker();
        for _ in 0..count {
            if let Some((m, s)) = picker.random() {
                emit(out, m, s, withscores);
            }
        }
        return Ok(());
    }
    let count = count as usize;
    if count >= size {
        // Redis walks sorted sets from the top here (its set-operation iterator).
        emit_len(out, size, withscores);
        for (m, s) in z.iter_from(size - 1, true) {
            emit(out, m, s, withscores);
        }
        return Ok(());
    }
    // Distinct members: a partial Fisher-Yates over the ranks (count < size, so bounded).
    let mut idx: Vec<usize> = (0..size).collect();
    for i in 0..count {
        let j = fastrand::usize(i..size);
        idx.swap(i, j);
    }
    emit_len(out, count, withscores);
    let picker = z.picker();
    for &i in &idx[..count] {
        if let Some((m, s)) = picker.at(i) {
            emit(out, m, s, withscores);
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Algebra
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Copy, PartialEq)]
enum Op {
    Union,
    Inter,
    Diff,
}

#[derive(Clone, Copy, PartialEq)]
enum Aggregate {
    Sum,
    Min,
    Max,
}

fn aggregate(target: &mut f64, val: f64, agg: Aggregate) {
    match agg {
        Aggregate::Sum => {
            *target += val;
            // inf + -inf: Redis keeps 0 rather than NaN.
            if target.is_nan() {
                *target = 0.0;
            }
        }
        Aggregate::Min => {
            if val < *target {
                *target = val;
            }
        }
        Aggregate::Max => {
            if val > *target {
                *target = val;
            }
        }
    }
}

/// One input of the algebra: a sorted set, a plain set (every member scores 1) or nothing.
#[derive(Clone, Copy)]
enum Src<'a> {
    None,
    Set(&'a SetValue),
    Z(&'a ZSetValue),
}

impl Src<'_> {
    fn len(&self) -> usize {
        match self {
            Src::None => 0,
            Src::Set(s) => s.len(),
            Src::Z(z) => z.len(),
        }
    }

    fn find(&self, m: &[u8]) -> Option<f64> {
        match self {
            Src::None => None,
            Src::Set(s) => s.contains(m).then_some(1.0),
            Src::Z(z) => z.score(m),
        }
    }

    fn for_each(&self, mut f: impl FnMut(&[u8], f64)) {
        match self {
            Src::None => {}
            Src::Set(s) => {
                for m in s.iter() {
                    f(&m, 1.0);
                }
            }
            // Highest first, like Redis's set-operation iterator.
            Src::Z(z) => {
                for (m, s) in z.iter_from(z.len().saturating_sub(1), true) {
                    f(m, s);
                }
            }
        }
    }
}

/// ZUNION, ZINTER, ZDIFF, their STORE forms and ZINTERCARD (Redis's
/// `zunionInterDiffGenericCommand`): numkeys, the key lookups (WRONGTYPE for anything but a set
/// or sorted set), then the options, in that order.
fn zalgebra(
    ctx: &mut Ctx<'_>,
    args: &[Bytes],
    dst: Option<&Bytes>,
    numkeys_idx: usize,
    op: Op,
    card_only: bool,
    name: &str,
) -> CmdResult {
    let setnum = arg_i64(&args[numkeys_idx])?;
    if setnum < 1 {
        return Err(CmdError::err(format!(
            "at least 1 input key is needed for '{name}' command"
        )));
    }
    if setnum as u64 > (args.len() - (numkeys_idx + 1)) as u64 {
        return Err(CmdError::syntax());
    }
    let setnum = setnum as usize;
    let keys = &args[numkeys_idx + 1..numkeys_idx + 1 + setnum];
    let db = ctx.db();
    for k in keys {
        if let Some(e) = ctx.eng.store.get(db, k) {
            if !matches!(e.value, Value::Set(_) | Value::ZSet(_)) {
                return Err(CmdError::wrong_type());
            }
        }
    }
    let mut weights = vec![1.0f64; setnum];
    let mut agg = Aggregate::Sum;
    let mut withscores = false;
    let mut limit = 0i64;
    let mut j = numkeys_idx + 1 + setnum;
    while j < args.len() {
        let remaining = args.len() - j;
        let a = &args[j];
        if op != Op::Diff && !card_only && remaining > setnum && is(a, "weights") {
            j += 1;
            for w in weights.iter_mut() {
                *w = num::parse_f64_strict(&args[j])
                    .ok_or_else(|| CmdError::err("weight value is not a float"))?;
                j += 1;
            }
        } else if op != Op::Diff && !card_only && remaining >= 2 && is(a, "aggregate") {
            let v = &args[j + 1];
            agg = if is(v, "sum") {
                Aggregate::Sum
            } else if is(v, "min") {
                Aggregate::Min
            } else if is(v, "max") {
                Aggregate::Max
            } else {
                return Err(CmdError::syntax());
            };
            j += 2;
        } else if dst.is_none() && !card_only && is(a, "withscores") {
            withscores = true;
            j += 1;
        } else if card_only && remaining >= 2 && is(a, "limit") {
            limit = num::parse_i64(&args[j + 1])
                .filter(|&l| l >= 0)
                .ok_or_else(|| CmdError::err("LIMIT can't be negative"))?;
            j += 2;
        } else {
            return Err(CmdError::syntax());
        }
    }
    let lim = limits(ctx);
    let d = ctx.eng.store.db(db);
    let mut srcs: Vec<(Src<'_>, f64, &[u8])> = keys
        .iter()
        .zip(&weights)
        .map(|(k, &w)| {
            let src = match d.peek(k).map(|e| &e.value) {
                Some(Value::Set(s)) => Src::Set(s),
                Some(Value::ZSet(z)) => Src::Z(z),
                _ => Src::None,
            };
            (src, w, k.as_ref())
        })
        .collect();
    if op != Op::Diff {
        // Smallest first (a stable sort, like glibc's merge-sorting qsort).
        srcs.sort_by_key(|s| s.0.len());
    }
    let mut result = ZSetValue::new_skiplist();
    let mut max_len = 0usize;
    let mut card = 0i64;
    match op {
        Op::Inter => {
            let (first, w0, k0) = srcs[0];
            if first.len() > 0 {
                let mut stop = false;
                first.for_each(|m, s| {
                    if stop {
                        return;
                    }
                    let mut score = w0 * s;
                    if score.is_nan() {
                        score = 0.0;
                    }
                    for &(src, w, k) in &srcs[1..] {
                        let v = if k == k0 { Some(s) } else { src.find(m) };
                        match v {
                            Some(v) => aggregate(&mut score, v * w, agg),
                            None => return,
                        }
                    }
                    if card_only {
                        card += 1;
                        if limit > 0 && card >= limit {
                            stop = true;
                        }
                    } else {
                        max_len = max_len.max(m.len());
                        result.insert_new(m, score);
                    }
                });
            }
        }
        Op::Union => {
            let mut acc: IndexMap<Vec<u8>, f64, foldhash::fast::RandomState> = IndexMap::default();
            for &(src, w, _) in &srcs {
                src.for_each(|m, s| {
                    let mut score = w * s;
                    if score.is_nan() {
                        score = 0.0;
                    }
                    match acc.get_mut(m) {
                        Some(t) => aggregate(t, score, agg),
                        None => {
                            max_len = max_len.max(m.len());
                            acc.insert(m.to_vec(), score);
                        }
                    }
                });
            }
            for (m, s) in &acc {
                result.insert_new(m, *s);
            }
        }
        Op::Diff => {
            let (first, _, k0) = srcs[0];
            if first.len() > 0 && !srcs[1..].iter().any(|s| s.2 == k0) {
                first.for_each(|m, s| {
                    if srcs[1..].iter().all(|(src, _, _)| src.find(m).is_none()) {
                        max_len = max_len.max(m.len());
                        result.insert_new(m, s);
                    }
                });
            }
        }
    }
    if card_only {
        ctx.out.int(card);
        return Ok(());
    }
    match dst {
        Some(dst) => {
            if !result.is_empty() {
                result.shrink_if_fits(max_len, lim);
                let n = result.len();
                ctx.eng
                    .store
                    .set(db, dst, Value::ZSet(Box::new(result)), None, false);
                ctx.out.int(n as i64);
                let event = match op {
                    Op::Union => "zunionstore",
                    Op::Inter => "zinterstore",
                    Op::Diff => "zdiffstore",
                };
                ctx.modified(dst, ZSET, event);
                ctx.eng.dirty += 1;
            } else {
                ctx.out.int(0);
                if ctx.eng.store.remove(db, dst).is_some() {
                    ctx.modified(dst, GENERIC, "del");
                    ctx.eng.dirty += 1;
                }
            }
        }
        None => {
            emit_len(&mut ctx.out, result.len(), withscores);
            for (m, s) in result.iter_from(0, false) {
                emit(&mut ctx.out, m, s, withscores);
            }
        }
    }
    Ok(())
}

pub fn zunionstore(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    zalgebra(
        ctx,
        args,
        Some(&args[1]),
        2,
        Op::Union,
        false,
        "zunionstore",
    )
}

pub fn zinterstore(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    zalgebra(
        ctx,
        args,
        Some(&args[1]),
        2,
        Op::Inter,
        false,
        "zinterstore",
    )
}

pub fn zdiffstore(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    zalgebra(ctx, args, Some(&args[1]), 2, Op::Diff, false, "zdiffstore")
}

pub fn zunion(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    zalgebra(ctx, args, None, 1, Op::Union, false, "zunion")
}

pub fn zinter(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    zalgebra(ctx, args, None, 1, Op::Inter, false, "zinter")
}

pub fn zdiff(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    zalgebra(ctx, args, None, 1, Op::Diff, false, "zdiff")
}

/// ZINTERCARD numkeys key [key ...] [LIMIT limit]
pub fn zintercard(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    zalgebra(ctx, args, None, 1, Op::Inter, true, "zintercard")
}

// ---------------------------------------------------------------------------------------------
// ZSCAN
// ---------------------------------------------------------------------------------------------

/// ZSCAN key cursor [MATCH pattern] [COUNT count]. A missing key replies an empty scan before
/// the options are parsed, and a listpack is returned whole, as in Redis.
pub fn zscan(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let cursor = parse_cursor(&args[2])?;
    let db = ctx.db();
    if lookup(&mut ctx.eng.store, db, &args[1])?.is_none() {
        ctx.out.array(2);
        ctx.out.bulk(b"0");
        ctx.out.array(0);
        return Ok(());
    }
    let opts = super::keys::parse_scan_opts(args.get(3..).unwrap_or_default(), false)?;
    let z = lookup(&mut ctx.eng.store, db, &args[1])?.ok_or_else(CmdError::wrong_type)?;
    let mut found: Vec<Vec<u8>> = Vec::new();
    let next = z.scan(cursor, opts.count, |m, s| {
        if opts.matches(m) {
            found.push(m.to_vec());
            found.push(s.to_vec());
        }
    });
    ctx.out.array(2);
    ctx.out.bulk(next.to_string().as_bytes());
    ctx.out.bulks(found.iter());
    Ok(())
}
