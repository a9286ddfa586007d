//! Pub/Sub commands: (P|S)SUBSCRIBE, (P|S)UNSUBSCRIBE, PUBLISH, SPUBLISH and PUBSUB's
//! introspection. The registry and delivery live in `server::pubsub`; this module is the
//! command surface and Redis's reply shapes (RESP2 arrays, RESP3 pushes).

use crate::commands::server::help_reply;
use crate::commands::{CmdError, CmdResult, Ctx};
use crate::resp::write as w;
use crate::server::pubsub::{self, Me, Space};
use crate::util::glob::glob_match;
use bytes::Bytes;

/// `subscribe ch count`-style confirmation: a push in RESP3, an array in RESP2.
fn confirm(ctx: &mut Ctx<'_>, kind: &str, name: Option<&[u8]>, count: usize) {
    let proto = ctx.out.proto;
    w::write_push_len(ctx.out.buf, proto, 3);
    ctx.out.bulk(kind.as_bytes());
    match name {
        Some(n) => ctx.out.bulk(n),
        None => ctx.out.null(),
    }
    ctx.out.int(count as i64);
}

/// The count each confirmation carries: channels + patterns, or shard channels.
fn count(ctx: &Ctx<'_>, space: Space) -> usize {
    match space {
        Space::Shard => ctx.client.subs.shard.len(),
        _ => ctx.client.subs.count(),
    }
}

fn subscribe_generic(ctx: &mut Ctx<'_>, args: &[Bytes], space: Space) -> CmdResult {
    // Inside EXEC a client may not block; Redis keeps allowing SUBSCRIBE and PSUBSCRIBE there
    // for backward compatibility, but not SSUBSCRIBE.
    if ctx.client.tx.in_exec && space == Space::Shard {
        return Err(CmdError::err(
            "SSUBSCRIBE isn't allowed for a DENY BLOCKING client",
        ));
    }
    let kind = match space {
        Space::Channel => "subscribe",
        Space::Pattern => "psubscribe",
        Space::Shard => "ssubscribe",
    };
    for name in &args[1..] {
        pubsub::subscribe(&mut ctx.eng.pubsub, ctx.client, space, name);
        let n = count(ctx, space);
        confirm(ctx, kind, Some(name), n);
    }
    Ok(())
}

fn unsubscribe_generic(ctx: &mut Ctx<'_>, args: &[Bytes], space: Space) -> CmdResult {
    let kind = match space {
        Space::Channel => "unsubscribe",
        Space::Pattern => "punsubscribe",
        Space::Shard => "sunsubscribe",
    };
    if args.len() > 1 {
        for name in &args[1..] {
            pubsub::unsubscribe(&mut ctx.eng.pubsub, ctx.client, space, name);
            let n = count(ctx, space);
            confirm(ctx, kind, Some(name), n);
        }
        return Ok(());
    }
    let names: Vec<Bytes> = match space {
        Space::Channel => ctx.client.subs.channels.iter().cloned().collect(),
        Space::Pattern => ctx.client.subs.patterns.iter().cloned().collect(),
        Space::Shard => ctx.client.subs.shard.iter().cloned().collect(),
    };
    if names.is_empty() {
        let n = count(ctx, space);
        confirm(ctx, kind, None, n);
    }
    for name in names {
        pubsub::unsubscribe(&mut ctx.eng.pubsub, ctx.client, space, &name);
        let n = count(ctx, space);
        confirm(ctx, kind, Some(&name), n);
    }
    Ok(())
}

pub fn subscribe(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    subscribe_generic(ctx, args, Space::Channel)
}

pub fn psubscribe(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    subscribe_generic(ctx, args, Space::Pattern)
}

pub fn ssubscribe(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    subscribe_generic(ctx, args, Space::Shard)
}

pub fn unsubscribe(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    unsubscribe_generic(ctx, args, Space::Channel)
}

pub fn punsubscribe(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    unsubscribe_generic(ctx, args, Space::Pattern)
}

pub fn sunsubscribe(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    unsubscribe_generic(ctx, args, Space::Shard)
}

fn publish_generic(ctx: &mut Ctx<'_>, args: &[Bytes], shard: bool) -> CmdResult {
    let mut me = Me {
        client: &mut *ctx.client,
        out: &mut *ctx.out.buf,
    };
    let n = pubsub::publish(ctx.eng, Some(&mut me), &args[1], &args[2], shard);
    ctx.out.int(n);
    Ok(())
}

pub fn publish(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    publish_generic(ctx, args, false)
}

pub fn spublish(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    publish_generic(ctx, args, true)
}

fn channel_list<'a>(
    ctx: &mut Ctx<'_>,
    names: impl Iterator<Item = &'a Bytes>,
    pattern: Option<&[u8]>,
) {
    let matching: Vec<Bytes> = names
        .filter(|c| pattern.is_none_or(|p| glob_match(p, c, false)))
        .cloned()
        .collect();
    ctx.out.array(matching.len());
    for c in &matching {
        ctx.out.bulk(c);
    }
}

pub fn pubsub_channels(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    // The table's arity is "at least 2"; Redis itself rejects more than one pattern.
    if args.len() > 3 {
        return Err(CmdError::subcommand_syntax(&args[1], "pubsub"));
    }
    let names: Vec<Bytes> = ctx.eng.pubsub.channels.keys().cloned().collect();
    channel_list(ctx, names.iter(), args.get(2).map(|b| &b[..]));
    Ok(())
}

pub fn pubsub_shardchannels(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    // The table's arity is "at least 2"; Redis itself rejects more than one pattern.
    if args.len() > 3 {
        return Err(CmdError::subcommand_syntax(&args[1], "pubsub"));
    }
    let names: Vec<Bytes> = ctx.eng.pubsub.shard_channels.keys().cloned().collect();
    channel_list(ctx, names.iter(), args.get(2).map(|b| &b[..]));
    Ok(())
}

fn numsub_generic(ctx: &mut Ctx<'_>, args: &[Bytes], shard: bool) -> CmdResult {
    // A flat array of pairs even in RESP3, as Redis 7.0.
    ctx.out.array((args.len() - 2) * 2);
    for ch in &args[2..] {
        let reg = if shard {
            &ctx.eng.pubsub.shard_channels
        } else {
            &ctx.eng.pubsub.channels
        };
        let n = reg.get(&ch[..]).map_or(0, |s| s.len());
        ctx.out.bulk(ch);
        ctx.out.int(n as i64);
    }
    Ok(())
}

pub fn pubsub_numsub(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    numsub_generic(ctx, args, false)
}

pub fn pubsub_shardnumsub(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    numsub_generic(ctx, args, true)
}

pub fn pubsub_numpat(ctx: &mut Ctx<'_>, _args: &[Bytes]) -> CmdResult {
    ctx.out.int(ctx.eng.pubsub.patterns.len() as i64);
    Ok(())
}

pub fn pubsub_help(ctx: &mut Ctx<'_>, _args: &[Bytes]) -> CmdResult {
    help_reply(
        ctx,
        &[
            "PUBSUB <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
            "CHANNELS [<pattern>]",
            "    Active channels (with at least one subscriber), optionally only those matching <pattern>.",
            "NUMPAT",
            "    How many distinct patterns have subscribers.",
            "NUMSUB [<channel> ...]",
            "    Subscriber counts of the given channels (pattern subscriptions not included).",
            "SHARDCHANNELS [<pattern>]",
            "    Like CHANNELS, for shard channels.",
            "SHARDNUMSUB [<shardchannel> ...]",
            "    Like NUMSUB, for shard channels.",
            "HELP",
            "    Print this help.",
        ],
    );
    Ok(())
}

/// Whether a RESP2 client in subscribed mode may run `name` (Redis's short list).
pub fn allowed_in_subscribed_mode(name: &str) -> bool {
    matches!(
        name,
        "ping"
            | "subscribe"
            | "ssubscribe"
            | "unsubscribe"
            | "sunsubscribe"
            | "psubscribe"
            | "punsubscribe"
            | "quit"
            | "reset"
    )
}
