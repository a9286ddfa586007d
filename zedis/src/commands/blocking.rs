//! The blocking commands: BLPOP, BRPOP, BLMOVE, BRPOPLPUSH, BLMPOP, BZPOPMIN, BZPOPMAX, BZMPOP. Each first tries to serve itself like its non-blocking form; if every
//! key is empty it parks the client (`server::blocking::block`), unless it runs inside EXEC, where
//! it answers at once as if it had timed out. [`serve`] is what a parked client runs when a key it
//! waits on becomes ready.

use super::lists::{parse_end, parse_mpop, pop_argv, pop_one, push_one, End};
use super::notify::{GENERIC, LIST};
use super::zsets::{parse_mpop as parse_zmpop, zpop_argv, zpop_generic, PopShape};
use super::{CmdError, CmdResult, Ctx};
use crate::store::{ListValue, SmallBytes, Value};
use bytes::Bytes;

/// What a parked client will do with a ready key.
#[derive(Clone, Debug)]
pub enum BlockOp {
    /// BLPOP / BRPOP: reply `[key, element]`.
    Pop(End),
    /// BLMPOP: reply `[key, [elements]]` with up to `count` elements.
    MPop(End, usize),
    /// BLMOVE / BRPOPLPUSH (`rpoplpush`): move one element to `dst`, reply with it.
    Move {
        from: End,
        to: End,
        dst: SmallBytes,
        rpoplpush: bool,
    },
    /// BZPOPMIN / BZPOPMAX: reply `[key, member, score]`.
    ZPop { max: bool },
    /// BZMPOP: reply `[key, [[member, score] ...]]` with up to `count` pairs.
    ZMPop { max: bool, count: i64 },
}

/// Parses a blocking timeout in seconds into an absolute deadline (0 = wait forever), with
/// Redis's errors. Redis converts `seconds * 1000` to a 64-bit integer the C way, so values that
/// do not fit come out negative.
pub fn parse_timeout(a: &[u8], now_ms: u64) -> Result<u64, CmdError> {
    let secs = crate::util::num::parse_f64_strict(a)
        .filter(|f| !f.is_nan())
        .ok_or_else(|| CmdError::err("timeout is not a float or out of range"))?;
    let ms = secs * 1000.0;
    let ms = if ms > -9.223_372_036_854_776e18 && ms < 9.223_372_036_854_776e18 {
        ms as i64
    } else {
        i64::MIN
    };
    if ms < 0 {
        return Err(CmdError::err("timeout is negative"));
    }
    if ms == 0 {
        return Ok(0);
    }
    if ms as u64 > i64::MAX as u64 - now_ms {
        return Err(CmdError::err("timeout is out of range"));
    }
    Ok(now_ms + ms as u64)
}

/// The list at `key` if it is a non-empty list; WRONGTYPE for another type.
fn nonempty_list<'a>(
    ctx: &'a mut Ctx<'_>,
    key: &[u8],
) -> Result<Option<&'a mut ListValue>, CmdError> {
    let db = ctx.db();
    Ok(
        super::write_typed(&mut ctx.eng.store, db, key, Value::as_list_mut)?
            .filter(|l| !l.is_empty()),
    )
}

/// Pops up to `count` elements (None: one, replied without the inner array) from `key`, writes the
/// reply, and sends the events Redis sends (`lpop`/`rpop`, then `del` if emptied). Returns how
/// many elements went (0: the list was empty).
fn pop_reply(ctx: &mut Ctx<'_>, key: &[u8], end: End, count: Option<usize>, touch: bool) -> usize {
    let Ok(Some(l)) = nonempty_list(ctx, key) else {
        return 0;
    };
    let n = count.unwrap_or(1).min(l.len());
    let mut popped = Vec::with_capacity(n);
    for _ in 0..n {
        popped.extend(pop_one(l, end));
    }
    ctx.out.array(2);
    ctx.out.bulk(key);
    match count {
        None => ctx.out.bulk(&popped[0]),
        Some(_) => {
            ctx.out.array(popped.len());
            for v in &popped {
                ctx.out.bulk(v);
            }
        }
    }
    ctx.eng.dirty += popped.len() as u64;
    ctx.notify(LIST, end.pop_event(), key);
    let db = ctx.db();
    ctx.eng.store.remove_if_empty(db, key);
    if ctx.eng.store.db(db).peek(key).is_none() {
        ctx.notify(GENERIC, "del", key);
    }
    if touch {
        ctx.touch(key);
    }
    popped.len()
}

/// Moves one element from `src` to `dst` and replies with it. Returns Ok(false) when `src` is
/// empty; WRONGTYPE (nothing moved) when `dst` holds another type.
fn move_reply(
    ctx: &mut Ctx<'_>,
    src: &[u8],
    dst: &[u8],
    from: End,
    to: End,
) -> Result<bool, CmdError> {
    let db = ctx.db();
    if nonempty_list(ctx, src)?.is_none() {
        return Ok(false);
    }
    super::write_typed(&mut ctx.eng.store, db, dst, Value::as_list_mut)?;
    let Some(v) = nonempty_list(ctx, src)?.and_then(|l| pop_one(l, from)) else {
        return Ok(false);
    };
    // As lmoveHandlePush: push (creating the list if needed), signal and notify dst, and only
    // then reply (a RESP3 client subscribed to its own events sees them in Redis's order).
    let reply = v.clone();
    let store = &mut ctx.eng.store;
    match super::write_typed(store, db, dst, Value::as_list_mut)? {
        Some(d) => push_one(d, to, v),
        None => {
            let mut l = ListValue::new();
            l.items.push_back(v);
            store.set(db, dst, Value::List(Box::new(l)), None, false);
        }
    }
    ctx.modified(dst, LIST, to.push_event());
    ctx.out.bulk(&reply);
    ctx.notify(LIST, from.pop_event(), src);
    ctx.eng.store.remove_if_empty(db, src);
    if ctx.eng.store.db(db).peek(src).is_none() {
        ctx.notify(GENERIC, "del", src);
    }
    ctx.touch(src);
    ctx.eng.dirty += 1;
    Ok(true)
}

/// Parks the client, or (inside EXEC) answers at once as a timeout would.
fn block_or_give_up(
    ctx: &mut Ctx<'_>,
    keys: &[Bytes],
    op: BlockOp,
    deadline: u64,
    null_bulk: bool,
) {
    if ctx.client.tx.in_exec {
        if null_bulk {
            ctx.out.null();
        } else {
            ctx.out.null_array();
        }
        return;
    }
    let keys = keys.iter().map(|k| SmallBytes::new(k)).collect();
    crate::server::blocking::block(ctx.eng, ctx.client, keys, op, deadline);
}

fn blocking_pop(ctx: &mut Ctx<'_>, args: &[Bytes], end: End) -> CmdResult {
    let deadline = parse_timeout(&args[args.len() - 1], ctx.now_ms())?;
    let keys = &args[1..args.len() - 1];
    for key in keys {
        if nonempty_list(ctx, key)?.is_some() {
            pop_reply(ctx, key, end, None, true);
            // Logged as the non-blocking pop it was.
            if ctx.propagating() {
                ctx.propagate_as(pop_argv(end, key, None));
            }
            return Ok(());
        }
    }
    block_or_give_up(ctx, keys, BlockOp::Pop(end), deadline, false);
    Ok(())
}

/// BLPOP key [key ...] timeout
pub fn blpop(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    blocking_pop(ctx, args, End::Left)
}

/// BRPOP key [key ...] timeout
pub fn brpop(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    blocking_pop(ctx, args, End::Right)
}

fn blocking_move(
    ctx: &mut Ctx<'_>,
    args: &[Bytes],
    from: End,
    to: End,
    timeout: &[u8],
) -> CmdResult {
    let deadline = parse_timeout(timeout, ctx.now_ms())?;
    let rpoplpush = args.len() == 4;
    if move_reply(ctx, &args[1], &args[2], from, to)? {
        // Logged as LMOVE (its directions as written) or RPOPLPUSH, as Redis.
        if ctx.propagating() {
            let argv = if rpoplpush {
                vec![
                    Bytes::from_static(b"RPOPLPUSH"),
                    args[1].clone(),
                    args[2].clone(),
                ]
            } else {
                let mut v = vec![Bytes::from_static(b"LMOVE")];
                v.extend_from_slice(&args[1..5]);
                v
            };
            ctx.propagate_as(argv);
        }
        return Ok(());
    }
    let op = BlockOp::Move {
        from,
        to,
        dst: SmallBytes::new(&args[2]),
        rpoplpush,
    };
    block_or_give_up(ctx, &args[1..2], op, deadline, true);
    Ok(())
}

/// BLMOVE source destination LEFT|RIGHT LEFT|RIGHT timeout
pub fn blmove(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let from = parse_end(&args[3])?;
    let to = parse_end(&args[4])?;
    blocking_move(ctx, args, from, to, &args[5])
}

/// BRPOPLPUSH source destination timeout
pub fn brpoplpush(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    blocking_move(ctx, args, End::Right, End::Left, &args[3])
}

/// BLMPOP timeout numkeys key [key ...] LEFT|RIGHT [COUNT count]
pub fn blmpop(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let deadline = parse_timeout(&args[1], ctx.now_ms())?;
    let (keys, end, count) = parse_mpop(args, 2)?;
    let keys = &args[keys];
    for key in keys {
        if nonempty_list(ctx, key)?.is_some() {
            let n = pop_reply(ctx, key, end, Some(count), true);
            if ctx.propagating() {
                ctx.propagate_as(pop_argv(end, key, Some(n)));
            }
            return Ok(());
        }
    }
    block_or_give_up(ctx, keys, BlockOp::MPop(end, count), deadline, false);
    Ok(())
}

/// Whether `key` holds a non-empty sorted set; WRONGTYPE for another type.
fn nonempty_zset(ctx: &mut Ctx<'_>, key: &[u8]) -> Result<bool, CmdError> {
    let db = ctx.db();
    Ok(
        super::write_typed(&mut ctx.eng.store, db, key, Value::as_zset_mut)?
            .is_some_and(|z| !z.is_empty()),
    )
}

/// The reply shape of BZPOPMIN/BZPOPMAX (`nested == false`) or BZMPOP.
fn zshape(nested: bool) -> PopShape {
    PopShape {
        emit_key: true,
        nested,
        nil_when_empty: nested,
    }
}

fn blocking_zpop(
    ctx: &mut Ctx<'_>,
    keys: &[Bytes],
    max: bool,
    count: i64,
    deadline: u64,
) -> CmdResult {
    let nested = count != -1;
    for key in keys {
        if nonempty_zset(ctx, key)? {
            let popped = zpop_generic(ctx, std::slice::from_ref(key), max, count, zshape(nested))?;
            if let (Some((key, n)), true) = (popped, ctx.propagating()) {
                ctx.propagate_as(zpop_argv(max, key, nested.then_some(n)));
            }
            return Ok(());
        }
    }
    let op = if nested {
        BlockOp::ZMPop { max, count }
    } else {
        BlockOp::ZPop { max }
    };
    block_or_give_up(ctx, keys, op, deadline, false);
    Ok(())
}

/// BZPOPMIN key [key ...] timeout
pub fn bzpopmin(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let deadline = parse_timeout(&args[args.len() - 1], ctx.now_ms())?;
    blocking_zpop(ctx, &args[1..args.len() - 1], false, -1, deadline)
}

/// BZPOPMAX key [key ...] timeout
pub fn bzpopmax(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let deadline = parse_timeout(&args[args.len() - 1], ctx.now_ms())?;
    blocking_zpop(ctx, &args[1..args.len() - 1], true, -1, deadline)
}

/// BZMPOP timeout numkeys key [key ...] MIN|MAX [COUNT count]
pub fn bzmpop(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let deadline = parse_timeout(&args[1], ctx.now_ms())?;
    let p = parse_zmpop(args, 2)?;
    blocking_zpop(ctx, &args[p.keys], p.max, p.count, deadline)
}

/// Runs a parked client's operation on the ready `key`; true when it was answered (served, or
/// failed with an error such as BLMOVE's WRONGTYPE destination). What it did is logged (with
/// `also_propagate`, in the client's database) as the non-blocking command Redis's
/// serveClientBlockedOnList / serveClientsBlockedOnSortedSetKey propagate.
pub fn serve(ctx: &mut Ctx<'_>, key: &[u8], op: &BlockOp) -> bool {
    let db = ctx.db();
    // Redis's serveClientBlockedOnList counts no change for a served BLPOP/BRPOP/BLMOVE (only
    // BLMPOP's range pop and the sorted-set pops count theirs): INFO and save points see the
    // same numbers.
    let dirty = ctx.eng.dirty;
    if matches!(op, BlockOp::Pop(_) | BlockOp::Move { .. }) {
        let served = serve_op(ctx, key, op, db);
        ctx.eng.dirty = dirty;
        return served;
    }
    serve_op(ctx, key, op, db)
}

fn serve_op(ctx: &mut Ctx<'_>, key: &[u8], op: &BlockOp, db: usize) -> bool {
    match op {
        BlockOp::Pop(end) => {
            let served = pop_reply(ctx, key, *end, None, false) > 0;
            if served && ctx.propagating() {
                ctx.also_propagate(db, pop_argv(*end, key, None));
            }
            served
        }
        BlockOp::MPop(end, count) => {
            let n = pop_reply(ctx, key, *end, Some(*count), true);
            if n > 0 && ctx.propagating() {
                ctx.also_propagate(db, pop_argv(*end, key, Some(n)));
            }
            n > 0
        }
        BlockOp::Move {
            from,
            to,
            dst,
            rpoplpush,
        } => match move_reply(ctx, key, dst, *from, *to) {
            Ok(served) => {
                if served && ctx.propagating() {
                    let src = Bytes::copy_from_slice(key);
                    let dst = Bytes::copy_from_slice(dst);
                    // Redis spells the directions of a served BLMOVE in lower case.
                    let argv = if *rpoplpush {
                        vec![Bytes::from_static(b"RPOPLPUSH"), src, dst]
                    } else {
                        vec![
                            Bytes::from_static(b"LMOVE"),
                            src,
                            dst,
                            Bytes::from_static(from.lower_name()),
                            Bytes::from_static(to.lower_name()),
                        ]
                    };
                    ctx.also_propagate(db, argv);
                }
                served
            }
            Err(e) => {
                ctx.out.error(&e);
                ctx.eng.stats.total_error_replies += 1;
                true
            }
        },
        BlockOp::ZPop { max } => zserve(ctx, key, *max, -1),
        BlockOp::ZMPop { max, count } => zserve(ctx, key, *max, *count),
    }
}

fn zserve(ctx: &mut Ctx<'_>, key: &[u8], max: bool, count: i64) -> bool {
    if !matches!(nonempty_zset(ctx, key), Ok(true)) {
        return false;
    }
    let key = Bytes::copy_from_slice(key);
    match zpop_generic(ctx, &[key], max, count, zshape(count != -1)) {
        Ok(Some((key, n))) => {
            if ctx.propagating() {
                let db = ctx.db();
                ctx.also_propagate(db, zpop_argv(max, key, (count != -1).then_some(n)));
            }
            true
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timeouts_follow_redis() {
        assert_eq!(parse_timeout(b"0", 1000), Ok(0));
        assert_eq!(parse_timeout(b"1.5", 1000), Ok(2500));
        assert_eq!(parse_timeout(b"0.0001", 1000), Ok(0));
        assert!(parse_timeout(b"-1", 1000).is_err());
        assert!(parse_timeout(b"abc", 1000).is_err());
        assert!(parse_timeout(b"nan", 1000).is_err());
        assert_eq!(
            parse_timeout(b"inf", 1000),
            Err(CmdError::err("timeout is negative"))
        );
    }
}
