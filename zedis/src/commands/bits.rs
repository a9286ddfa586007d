//! Bitmap commands: SETBIT, GETBIT, BITCOUNT, BITPOS, BITOP, BITFIELD, BITFIELD_RO.
//!
//! The bit arithmetic lives in `crate::util::bits`; this module does argument parsing, key
//! lookup and type checks in Redis 7.0's order, so errors come out in the same precedence.

use super::{arg_i64, is, notify, CmdError, CmdResult, Ctx};
use crate::store::Value;
use crate::util::bits::{self, BitOp, BitUnit, BitfieldType, Overflow};
use bytes::Bytes;

fn max_bytes(ctx: &Ctx<'_>) -> u64 {
    ctx.eng.config.proto_max_bulk_len
}

fn offset_arg(ctx: &Ctx<'_>, a: &[u8], hash_bits: Option<u32>) -> Result<u64, CmdError> {
    bits::parse_bit_offset(a, hash_bits, max_bytes(ctx)).map_err(|e| CmdError::err(e.to_string()))
}

/// Runs `f` on the string at `key` (missing → None); WRONGTYPE for other types.
fn with_str<R>(
    ctx: &mut Ctx<'_>,
    key: &[u8],
    f: impl FnOnce(Option<&[u8]>) -> R,
) -> Result<R, CmdError> {
    let db = ctx.db();
    match ctx.eng.store.get(db, key) {
        None => Ok(f(None)),
        Some(e) => {
            let mut s = [0u8; 20];
            let b = e.value.str_bytes(&mut s).ok_or_else(CmdError::wrong_type)?;
            Ok(f(Some(b)))
        }
    }
}

/// The mutable raw bytes of the string at `key`, created empty when missing.
fn str_mut<'c>(ctx: &'c mut Ctx<'_>, key: &[u8]) -> Result<&'c mut Vec<u8>, CmdError> {
    let db = ctx.db();
    if ctx.eng.store.get_mut(db, key).is_none() {
        ctx.eng
            .store
            .set(db, key, Value::raw(Vec::new()), None, false);
    }
    let e = ctx
        .eng
        .store
        .get_mut(db, key)
        .ok_or_else(CmdError::no_such_key)?;
    e.value.make_raw().ok_or_else(CmdError::wrong_type)
}

/// Checks that `key` is absent or a string, before any write.
fn check_string(ctx: &mut Ctx<'_>, key: &[u8]) -> CmdResult {
    with_str(ctx, key, |_| ())
}

pub fn setbit(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let offset = offset_arg(ctx, &args[2], None)?;
    let bit = match crate::util::num::parse_i64(&args[3]) {
        Some(0) => false,
        Some(1) => true,
        _ => return Err(CmdError::err("bit is not an integer or out of range")),
    };
    check_string(ctx, &args[1])?;
    // Redis signals only when the bit flips or the string was created or grew.
    let db = ctx.db();
    let old_len = ctx.eng.store.peek(db, &args[1]).map(|e| {
        let mut s = [0u8; 20];
        e.value.str_bytes(&mut s).map_or(0, |b| b.len())
    });
    let v = str_mut(ctx, &args[1])?;
    let old = bits::setbit(v, offset, bit);
    let grew = old_len != Some(v.len());
    if grew || old != bit {
        ctx.modified(&args[1], notify::STRING, "setbit");
        // Only a real change counts (and is logged), as Redis.
        ctx.eng.dirty += 1;
    }
    ctx.out.int(old as i64);
    Ok(())
}

pub fn getbit(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let offset = offset_arg(ctx, &args[2], None)?;
    let bit = with_str(ctx, &args[1], |s| {
        s.is_some_and(|s| bits::getbit(s, offset))
    })?;
    ctx.out.int(bit as i64);
    Ok(())
}

fn unit_arg(a: &[u8]) -> Result<BitUnit, CmdError> {
    if is(a, "bit") {
        Ok(BitUnit::Bit)
    } else if is(a, "byte") {
        Ok(BitUnit::Byte)
    } else {
        Err(CmdError::syntax())
    }
}

/// BITCOUNT key [start end [BYTE|BIT]]
pub fn bitcount(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let Some(val) = with_str(ctx, &args[1], |s| s.map(|s| s.to_vec()))? else {
        ctx.out.int(0);
        return Ok(());
    };
    let range = match args.len() {
        2 => None,
        4 | 5 => {
            let start = arg_i64(&args[2])?;
            let end = arg_i64(&args[3])?;
            let unit = match args.get(4) {
                Some(u) => unit_arg(u)?,
                None => BitUnit::Byte,
            };
            Some((start, end, unit))
        }
        _ => return Err(CmdError::syntax()),
    };
    ctx.out.int(bits::bitcount(&val, range));
    Ok(())
}

/// BITPOS key bit [start [end [BYTE|BIT]]]
pub fn bitpos(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let bit = arg_i64(&args[2])?;
    if bit != 0 && bit != 1 {
        return Err(CmdError::err("The bit argument must be 1 or 0."));
    }
    let Some(val) = with_str(ctx, &args[1], |s| s.map(|s| s.to_vec()))? else {
        // A missing key is an infinite run of zero bits.
        ctx.out.int(if bit == 1 { -1 } else { 0 });
        return Ok(());
    };
    let (mut start, mut end, mut unit) = (None, None, BitUnit::Byte);
    match args.len() {
        3 => {}
        4..=6 => {
            start = Some(arg_i64(&args[3])?);
            if args.len() >= 5 {
                end = Some(arg_i64(&args[4])?);
            }
            if args.len() == 6 {
                unit = unit_arg(&args[5])?;
            }
        }
        _ => return Err(CmdError::syntax()),
    }
    ctx.out.int(bits::bitpos(&val, bit == 1, start, end, unit));
    Ok(())
}

/// BITOP AND|OR|XOR|NOT destkey key [key ...]
pub fn bitop(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let op = if is(&args[1], "and") {
        BitOp::And
    } else if is(&args[1], "or") {
        BitOp::Or
    } else if is(&args[1], "xor") {
        BitOp::Xor
    } else if is(&args[1], "not") {
        BitOp::Not
    } else {
        return Err(CmdError::syntax());
    };
    if op == BitOp::Not && args.len() != 4 {
        return Err(CmdError::err(
            "BITOP NOT must be called with a single source key.",
        ));
    }
    let mut srcs: Vec<Vec<u8>> = Vec::with_capacity(args.len() - 3);
    for k in &args[3..] {
        srcs.push(with_str(ctx, k, |s| {
            s.map(|s| s.to_vec()).unwrap_or_default()
        })?);
    }
    let refs: Vec<&[u8]> = srcs.iter().map(|s| s.as_slice()).collect();
    let result = bits::bitop(op, &refs);
    let db = ctx.db();
    let n = result.len();
    // An empty result that deletes nothing changes nothing (and is not logged), as Redis.
    if result.is_empty() {
        if ctx.eng.store.remove(db, &args[2]).is_some() {
            ctx.modified(&args[2], notify::GENERIC, "del");
            ctx.eng.dirty += 1;
        }
    } else {
        ctx.eng
            .store
            .set(db, &args[2], Value::raw(result), None, false);
        ctx.modified(&args[2], notify::STRING, "set");
        ctx.eng.dirty += 1;
    }
    ctx.out.int(n as i64);
    Ok(())
}

enum FieldOp {
    Get(BitfieldType, u64),
    Set(BitfieldType, u64, i64),
    Incr(BitfieldType, u64, i64),
    Overflow(Overflow),
}

fn bitfield_generic(ctx: &mut Ctx<'_>, args: &[Bytes], read_only: bool) -> CmdResult {
    let mut ops = Vec::new();
    let mut writes = false;
    let mut j = 2;
    while j < args.len() {
        let left = args.len() - j - 1;
        let a = &args[j];
        let typ = |t: &[u8]| bits::parse_bitfield_type(t).map_err(|e| CmdError::err(e.to_string()));
        if is(a, "get") && left >= 2 {
            let t = typ(&args[j + 1])?;
            let off = offset_arg(ctx, &args[j + 2], Some(t.bits))?;
            ops.push(FieldOp::Get(t, off));
            j += 3;
        } else if is(a, "set") && left >= 3 {
            let t = typ(&args[j + 1])?;
            let off = offset_arg(ctx, &args[j + 2], Some(t.bits))?;
            let v = arg_i64(&args[j + 3])?;
            ops.push(FieldOp::Set(t, off, v));
            writes = true;
            j += 4;
        } else if is(a, "incrby") && left >= 3 {
            let t = typ(&args[j + 1])?;
            let off = offset_arg(ctx, &args[j + 2], Some(t.bits))?;
            let v = arg_i64(&args[j + 3])?;
            ops.push(FieldOp::Incr(t, off, v));
            writes = true;
            j += 4;
        } else if is(a, "overflow") && left >= 1 {
            let o = &args[j + 1];
            let ow = if is(o, "wrap") {
                Overflow::Wrap
            } else if is(o, "sat") {
                Overflow::Sat
            } else if is(o, "fail") {
                Overflow::Fail
            } else {
                return Err(CmdError::err("Invalid OVERFLOW type specified"));
            };
            ops.push(FieldOp::Overflow(ow));
            j += 2;
        } else {
            return Err(CmdError::syntax());
        }
    }
    if read_only && writes {
        return Err(CmdError::err(
            "BITFIELD_RO only supports the GET subcommand",
        ));
    }
    let key = &args[1];
    let nreplies = ops
        .iter()
        .filter(|o| !matches!(o, FieldOp::Overflow(_)))
        .count();
    if !writes {
        let val = with_str(ctx, key, |s| s.map(|s| s.to_vec()).unwrap_or_default())?;
        ctx.out.array(nreplies);
        for op in &ops {
            if let FieldOp::Get(t, off) = op {
                ctx.out.int(bits::bitfield_get(&val, *t, *off));
            }
        }
        return Ok(());
    }
    check_string(ctx, key)?;
    let mut replies: Vec<Option<i64>> = Vec::with_capacity(nreplies);
    let mut ow = Overflow::Wrap;
    // As Redis: every write that did not fail counts as one change when the string was created
    // or had to grow for the highest field written, otherwise only when it changed the field's
    // value (a SET of the value already there is no change, and is not logged).
    let old_len = ctx.eng.store.peek(ctx.db(), key).map(|e| {
        let mut s = [0u8; 20];
        e.value.str_bytes(&mut s).map_or(0, |b| b.len())
    });
    let needed = ops
        .iter()
        .filter_map(|o| match o {
            FieldOp::Set(t, off, _) | FieldOp::Incr(t, off, _) => {
                Some((off + u64::from(t.bits) - 1) / 8 + 1)
            }
            _ => None,
        })
        .max()
        .unwrap_or(0);
    let grows = old_len.is_none_or(|l| (l as u64) < needed);
    let mut changes = 0u64;
    {
        let v = str_mut(ctx, key)?;
        for op in &ops {
            match op {
                FieldOp::Overflow(o) => ow = *o,
                FieldOp::Get(t, off) => replies.push(Some(bits::bitfield_get(v, *t, *off))),
                FieldOp::Set(t, off, val) => {
                    let before = bits::bitfield_get(v, *t, *off);
                    let r = bits::bitfield_set(v, *t, *off, *val, ow);
                    if r.is_some() && (grows || bits::bitfield_get(v, *t, *off) != before) {
                        changes += 1;
                    }
                    replies.push(r.map(|w| w.reply));
                }
                FieldOp::Incr(t, off, by) => {
                    let before = bits::bitfield_get(v, *t, *off);
                    let r = bits::bitfield_incrby(v, *t, *off, *by, ow);
                    if r.is_some() && (grows || bits::bitfield_get(v, *t, *off) != before) {
                        changes += 1;
                    }
                    replies.push(r.map(|w| w.reply));
                }
            }
        }
    }
    let changed = changes > 0;
    ctx.eng.dirty += changes;
    ctx.out.array(replies.len());
    for r in replies {
        match r {
            Some(i) => ctx.out.int(i),
            None => ctx.out.null(),
        }
    }
    // Redis writes the replies first, then notifies.
    if changed {
        ctx.modified(key, notify::STRING, "setbit");
    }
    Ok(())
}

pub fn bitfield(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    bitfield_generic(ctx, args, false)
}

pub fn bitfield_ro(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    bitfield_generic(ctx, args, true)
}
