//! HyperLogLog commands: PFADD, PFCOUNT, PFMERGE, PFDEBUG and PFSELFTEST.
//!
//! An HLL is an ordinary string value holding Redis's exact HLL bytes (`util::hll`), so the key
//! types as "string" and travels through GET/SET unchanged. Lookup order, error texts, the cached
//! cardinality and the keyspace events follow Redis 7.0's hyperloglog.c; as there, any command
//! that edits an HLL in place first turns an embstr value into a raw one.

use super::notify;
use super::{CmdError, CmdResult, Ctx};
use crate::store::Value;
use crate::util::hll;
use bytes::Bytes;

fn not_hll() -> CmdError {
    CmdError::full("WRONGTYPE Key is not a valid HyperLogLog string value.")
}

fn corrupted() -> CmdError {
    CmdError::full("INVALIDOBJ Corrupted HLL object detected")
}

/// The HLL bytes of a value, or the error Redis's isHLLObjectOrReply sends. Integer-encoded
/// strings are never HLLs.
fn hll_bytes(v: &Value) -> Result<&[u8], CmdError> {
    let b: &[u8] = match v {
        Value::Emb(s) => s.as_slice(),
        Value::Raw(r) => r.as_slice(),
        Value::Int(_) => return Err(not_hll()),
        _ => return Err(CmdError::wrong_type()),
    };
    if hll::is_valid(b) {
        Ok(b)
    } else {
        Err(not_hll())
    }
}

/// The live HLL at `key` for an in-place edit (write lookup, validated, made raw); None when
/// absent.
fn hll_mut<'s>(ctx: &'s mut Ctx<'_>, key: &[u8]) -> Result<Option<&'s mut Vec<u8>>, CmdError> {
    let db = ctx.db();
    let Some(e) = ctx.eng.store.get_mut(db, key) else {
        return Ok(None);
    };
    hll_bytes(&e.value)?;
    Ok(e.value.make_raw())
}

fn max_bytes(ctx: &Ctx<'_>) -> u64 {
    ctx.eng.config.hll_sparse_max_bytes
}

/// PFADD key [element ...]
pub fn pfadd(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let max = max_bytes(ctx);
    let db = ctx.db();
    let key = &args[1];
    let mut updated = 0u64;
    if hll_mut(ctx, key)?.is_none() {
        ctx.eng
            .store
            .set(db, key, Value::raw(hll::new_sparse()), None, false);
        updated += 1;
    }
    let Some(s) = hll_mut(ctx, key)? else {
        return Err(corrupted());
    };
    for ele in &args[2..] {
        // A failure leaves earlier registers changed and the cache untouched, as in Redis.
        if hll::add(s, ele, max).map_err(|_| corrupted())? {
            updated += 1;
        }
    }
    if updated > 0 {
        hll::invalidate(s);
        ctx.modified(key, notify::STRING, "pfadd");
        ctx.eng.dirty += updated;
    }
    ctx.out.int((updated > 0) as i64);
    Ok(())
}

/// PFCOUNT key [key ...]: one key uses and refreshes the cached cardinality (a write to the value,
/// though the command is read-only); several keys are merged into a scratch register array.
pub fn pfcount(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let db = ctx.db();
    if args.len() > 2 {
        let mut max = vec![0u8; hll::REGISTERS];
        for key in &args[1..] {
            let Some(e) = ctx.eng.store.get(db, key) else {
                continue;
            };
            let s = hll_bytes(&e.value)?;
            hll::merge_into(&mut max, s).map_err(|_| corrupted())?;
        }
        ctx.out.int(hll::count_raw(&max) as i64);
        return Ok(());
    }
    let key = &args[1];
    if ctx.eng.store.get(db, key).is_none() {
        ctx.out.int(0);
        return Ok(());
    }
    let Some(s) = hll_mut(ctx, key)? else {
        ctx.out.int(0);
        return Ok(());
    };
    let card = match hll::cached(s) {
        Some(c) => c,
        None => {
            let c = hll::count(s).map_err(|_| corrupted())?;
            hll::set_cache(s, c);
            ctx.touch(key);
            ctx.eng.dirty += 1;
            c
        }
    };
    ctx.out.int(card as i64);
    Ok(())
}

/// PFMERGE destkey [sourcekey ...]: the destination takes part as a source, stays sparse unless
/// some input was dense (or the registers need it), and always emits "pfadd".
pub fn pfmerge(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let db = ctx.db();
    let limit = max_bytes(ctx);
    let mut max = vec![0u8; hll::REGISTERS];
    let mut use_dense = false;
    for key in &args[1..] {
        let Some(e) = ctx.eng.store.get(db, key) else {
            continue;
        };
        let s = hll_bytes(&e.value)?;
        if hll::encoding(s) == hll::DENSE {
            use_dense = true;
        }
        hll::merge_into(&mut max, s).map_err(|_| corrupted())?;
    }
    let dest = &args[1];
    if hll_mut(ctx, dest)?.is_none() {
        ctx.eng
            .store
            .set(db, dest, Value::raw(hll::new_sparse()), None, false);
    }
    let Some(s) = hll_mut(ctx, dest)? else {
        return Err(corrupted());
    };
    if use_dense {
        hll::sparse_to_dense(s).map_err(|_| corrupted())?;
    }
    for (i, &m) in max.iter().enumerate() {
        if m != 0 {
            // Redis ignores a failure here: the destination was validated by the merge above.
            let _ = hll::set_register(s, i, m, limit);
        }
    }
    hll::invalidate(s);
    ctx.modified(dest, notify::STRING, "pfadd");
    ctx.eng.dirty += 1;
    ctx.out.ok();
    Ok(())
}

/// PFDEBUG GETREG|DECODE|ENCODING|TODENSE key
pub fn pfdebug(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let sub = &args[1];
    let key = &args[2];
    let Some(s) = hll_mut(ctx, key)? else {
        return Err(CmdError::err("The specified key does not exist"));
    };
    if super::is(sub, "getreg") {
        let mut converted = false;
        if hll::encoding(s) == hll::SPARSE {
            hll::sparse_to_dense(s).map_err(|_| corrupted())?;
            converted = true;
        }
        let regs = hll::dense_registers(s);
        if converted {
            ctx.eng.dirty += 1;
        }
        ctx.out.array(regs.len());
        for r in regs {
            ctx.out.int(r as i64);
        }
    } else if super::is(sub, "decode") {
        if hll::encoding(s) != hll::SPARSE {
            return Err(CmdError::err("HLL encoding is not sparse"));
        }
        let text = hll::decode(s);
        ctx.out.bulk(text.as_bytes());
    } else if super::is(sub, "encoding") {
        let name = if hll::encoding(s) == hll::DENSE {
            "dense"
        } else {
            "sparse"
        };
        ctx.out.simple(name);
    } else if super::is(sub, "todense") {
        let conv = hll::encoding(s) == hll::SPARSE;
        if conv {
            hll::sparse_to_dense(s).map_err(|_| corrupted())?;
            ctx.eng.dirty += 1;
        }
        ctx.out.int(conv as i64);
    } else {
        // Formatted with %s (so it stops at a NUL byte), and newlines become spaces so the
        // reply stays one line, as in Redis.
        let mut m = b"ERR Unknown PFDEBUG subcommand '".to_vec();
        let shown = sub.split(|&c| c == 0).next().unwrap_or_default();
        m.extend(
            shown
                .iter()
                .map(|&c| if c == b'\r' || c == b'\n' { b' ' } else { c }),
        );
        m.push(b'\'');
        return Err(CmdError::Raw(m));
    }
    Ok(())
}

/// PFSELFTEST: checks the register packing and the estimator's error bounds.
pub fn pfselftest(ctx: &mut Ctx<'_>, _args: &[Bytes]) -> CmdResult {
    let max = max_bytes(ctx);
    match hll::selftest(max, fastrand::u64(..)) {
        Ok(()) => {
            ctx.out.ok();
            Ok(())
        }
        Err(m) => Err(CmdError::full(format!("TESTFAILED {m}"))),
    }
}
