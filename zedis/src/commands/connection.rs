//! Connection and session commands: PING, ECHO, QUIT, HELLO, AUTH, SELECT, RESET, MONITOR and the
//! CLIENT family. They change the calling client's session state or look at other clients; they
//! never touch the keyspace.

use super::{is, CmdError, CmdResult, Ctx};
use crate::server::state::{Client, Pause, ReplyMode};
use bytes::Bytes;

pub fn ping(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    if args.len() <= 2 && ctx.client.proto == 2 && ctx.client.subs.any() {
        // In RESP2 subscribed mode a PONG must look like a pub/sub message.
        ctx.out.array(2);
        ctx.out.bulk(b"pong");
        ctx.out.bulk(args.get(1).map_or(&b""[..], |a| &a[..]));
        return Ok(());
    }
    match args.len() {
        1 => ctx.out.simple("PONG"),
        2 => ctx.out.bulk(&args[1]),
        _ => return Err(CmdError::arity("ping")),
    }
    Ok(())
}

pub fn echo(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    ctx.out.bulk(&args[1]);
    Ok(())
}

pub fn quit(ctx: &mut Ctx<'_>, _args: &[Bytes]) -> CmdResult {
    ctx.out.ok();
    ctx.client.close_after_reply = true;
    Ok(())
}

pub fn select(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let i = crate::util::num::parse_i64(&args[1])
        .filter(|i| *i >= i32::MIN as i64 && *i <= i32::MAX as i64)
        .ok_or_else(CmdError::not_int)?;
    if i < 0 || i as usize >= ctx.eng.store.databases() {
        return Err(CmdError::db_range());
    }
    ctx.client.db = i as usize;
    ctx.out.ok();
    Ok(())
}

/// Checks a username/password pair against `requirepass` (only the "default" user exists).
fn check_auth(ctx: &Ctx<'_>, user: &[u8], pass: &[u8]) -> bool {
    user == b"default"
        && match &ctx.eng.config.requirepass {
            Some(p) => p.as_slice() == pass,
            None => true,
        }
}

pub fn auth(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    if args.len() > 3 {
        return Err(CmdError::syntax());
    }
    if args.len() == 2 && ctx.eng.config.requirepass.is_none() {
        return Err(CmdError::err("AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?"));
    }
    let (user, pass): (&[u8], &[u8]) = if args.len() == 3 {
        (&args[1], &args[2])
    } else {
        (b"default", &args[1])
    };
    if check_auth(ctx, user, pass) {
        ctx.client.authenticated = true;
        ctx.out.ok();
        Ok(())
    } else {
        Err(CmdError::wrongpass())
    }
}

/// HELLO [protover [AUTH username password] [SETNAME clientname]]
pub fn hello(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let mut proto = ctx.client.proto;
    if args.len() >= 2 {
        let v = crate::util::num::parse_i64(&args[1])
            .ok_or_else(|| CmdError::err("Protocol version is not an integer or out of range"))?;
        if !(2..=3).contains(&v) {
            return Err(CmdError::full("NOPROTO unsupported protocol version"));
        }
        proto = v as u8;
    }
    let mut auth: Option<(&Bytes, &Bytes)> = None;
    let mut name: Option<&Bytes> = None;
    let mut j = 2;
    while j < args.len() {
        let left = args.len() - j - 1;
        if is(&args[j], "auth") && left >= 2 {
            auth = Some((&args[j + 1], &args[j + 2]));
            j += 3;
        } else if is(&args[j], "setname") && left >= 1 {
            name = Some(&args[j + 1]);
            j += 2;
        } else {
            return Err(CmdError::err(format!(
                "Syntax error in HELLO option '{}'",
                String::from_utf8_lossy(&args[j])
            )));
        }
    }
    if let Some((u, p)) = auth {
        if !check_auth(ctx, u, p) {
            return Err(CmdError::wrongpass());
        }
        ctx.client.authenticated = true;
    }
    if !ctx.client.authenticated && ctx.eng.config.requirepass.is_some() {
        return Err(CmdError::full(
            "NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time",
        ));
    }
    if let Some(n) = name {
        validate_name(n)?;
        ctx.client.name = if n.is_empty() {
            None
        } else {
            Some(Bytes::copy_from_slice(n))
        };
    }
    ctx.client.proto = proto;
    ctx.out.proto = proto;
    ctx.out.map(7);
    ctx.out.bulk(b"server");
    ctx.out.bulk(b"redis");
    ctx.out.bulk(b"version");
    ctx.out.bulk(crate::REDIS_VERSION.as_bytes());
    ctx.out.bulk(b"proto");
    ctx.out.int(proto as i64);
    ctx.out.bulk(b"id");
    ctx.out.int(ctx.client.id as i64);
    ctx.out.bulk(b"mode");
    ctx.out.bulk(b"standalone");
    ctx.out.bulk(b"role");
    ctx.out.bulk(b"master");
    ctx.out.bulk(b"modules");
    ctx.out.array(0);
    Ok(())
}

pub fn reset(ctx: &mut Ctx<'_>, _args: &[Bytes]) -> CmdResult {
    crate::commands::transactions::discard_transaction(&mut ctx.eng.store, ctx.client);
    crate::server::pubsub::forget_client(&mut ctx.eng.pubsub, ctx.client);
    let c = &mut *ctx.client;
    c.db = 0;
    c.proto = 2;
    c.name = None;
    c.reply_mode = ReplyMode::On;
    if c.no_evict {
        c.no_evict = false;
        ctx.eng.client_mem.unstick();
    }
    if c.monitor {
        c.monitor = false;
        let id = c.id;
        ctx.eng.monitors.retain(|m| *m != id);
    }
    c.authenticated = ctx.eng.config.requirepass.is_none();
    ctx.out.proto = 2;
    ctx.out.simple("RESET");
    Ok(())
}

pub fn monitor(ctx: &mut Ctx<'_>, _args: &[Bytes]) -> CmdResult {
    if !ctx.client.monitor {
        ctx.client.monitor = true;
        ctx.eng.monitors.push(ctx.client.id);
    }
    ctx.out.ok();
    Ok(())
}

/// Client names may not contain spaces, newlines or other non-printable characters.
fn validate_name(n: &[u8]) -> CmdResult {
    if n.iter().any(|&c| !(b'!'..=b'~').contains(&c)) {
        return Err(CmdError::err(
            "Client names cannot contain spaces, newlines or special characters.",
        ));
    }
    Ok(())
}

pub fn client_id(ctx: &mut Ctx<'_>, _args: &[Bytes]) -> CmdResult {
    ctx.out.int(ctx.client.id as i64);
    Ok(())
}

pub fn client_setname(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    validate_name(&args[2])?;
    ctx.client.name = if args[2].is_empty() {
        None
    } else {
        Some(Bytes::copy_from_slice(&args[2]))
    };
    ctx.out.ok();
    Ok(())
}

/// CLIENT UNBLOCK id [TIMEOUT|ERROR]
pub fn client_unblock(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    // Redis accepts 3 or 4 arguments; more is its generic subcommand syntax error.
    if args.len() > 4 {
        return Err(CmdError::subcommand_syntax(&args[1], "client"));
    }
    let error = match args.get(3) {
        None => false,
        Some(a) if crate::commands::is(a, "timeout") => false,
        Some(a) if crate::commands::is(a, "error") => true,
        Some(_) => {
            return Err(CmdError::err(
                "CLIENT UNBLOCK reason should be TIMEOUT or ERROR",
            ))
        }
    };
    let id = crate::commands::arg_i64(&args[2])?;
    // The caller itself is never blocked while it runs a command.
    let done = id >= 0 && crate::server::blocking::unblock_client(ctx.eng, id as u64, error);
    ctx.out.int(done as i64);
    Ok(())
}

pub fn client_getname(ctx: &mut Ctx<'_>, _args: &[Bytes]) -> CmdResult {
    match &ctx.client.name {
        Some(n) => {
            let n = n.clone();
            ctx.out.bulk(&n)
        }
        None => ctx.out.null(),
    }
    Ok(())
}

/// One CLIENT LIST line for `c`, in Redis 7.0's field order. `argv_mem` is the size of the
/// arguments of the command `c` is running (only the caller runs one while this is built).
pub fn client_line(c: &Client, now_ms: u64, pending_out: usize, argv_mem: usize) -> String {
    let mut flags = String::new();
    if c.monitor {
        flags.push('O');
    }
    if c.close_after_reply || c.mailbox.is_closing() {
        flags.push('A');
    }
    if c.no_evict {
        flags.push('e');
    }
    if c.blocked.is_some() {
        flags.push('b');
    }
    if c.subs.any() {
        flags.push('P');
    }
    // Redis keeps the MULTI flag while EXEC runs the queue.
    if c.tx.in_multi() || c.tx.in_exec {
        flags.push('x');
    }
    if c.unix {
        flags.push('U');
    }
    if flags.is_empty() {
        flags.push('N');
    }
    let name = c
        .name
        .as_ref()
        .map(|n| String::from_utf8_lossy(n).into_owned())
        .unwrap_or_default();
    let (qbuf, qbuf_cap) = c.mailbox.query_buffer();
    let (addr, laddr) = if c.unix {
        (format!("{}:0", c.addr), format!("{}:0", c.laddr))
    } else {
        (c.addr.clone(), c.laddr.clone())
    };
    format!(
        "id={} addr={} laddr={} fd={} name={} age={} idle={} flags={} db={} sub={} psub={} ssub={} multi={} qbuf={} qbuf-free={} argv-mem={} multi-mem=0 rbs=0 rbp=0 obl=0 oll=0 omem={} tot-mem={} events=r cmd={} user=default redir=-1 resp={}",
        c.id,
        addr,
        laddr,
        c.fd,
        name,
        now_ms.saturating_sub(c.created_ms) / 1000,
        now_ms.saturating_sub(c.last_interaction_ms) / 1000,
        flags,
        c.db,
        c.subs.channels.len(),
        c.subs.patterns.len(),
        c.subs.shard.len(),
        if c.tx.in_exec {
            c.tx.exec_len as i64
        } else {
            c.tx.queued.as_ref().map_or(-1, |q| q.len() as i64)
        },
        qbuf,
        qbuf_cap - qbuf,
        argv_mem,
        pending_out,
        crate::server::client_evict::client_memory_with(c, pending_out),
        c.last_cmd,
        c.proto
    )
}

/// Redis's `argv-mem`: the bytes of a command's arguments.
fn argv_mem(args: &[Bytes]) -> usize {
    args.iter().map(|a| a.len()).sum()
}

pub fn client_info(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let mut line = client_line(
        ctx.client,
        ctx.now_ms(),
        ctx.client.mailbox.pending_bytes(),
        argv_mem(args),
    );
    line.push('\n');
    ctx.out.verbatim("txt", line.as_bytes());
    Ok(())
}

/// CLIENT LIST [TYPE normal|master|replica|pubsub] [ID id ...]
pub fn client_list(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let mut ids: Option<Vec<u64>> = None;
    let mut only_type: Option<&[u8]> = None;
    let mut j = 2;
    while j < args.len() {
        if is(&args[j], "type") && j + 1 < args.len() {
            let t = &args[j + 1];
            if !["normal", "master", "replica", "slave", "pubsub"]
                .iter()
                .any(|k| is(t, k))
            {
                return Err(CmdError::err(format!(
                    "Unknown client type '{}'",
                    String::from_utf8_lossy(t)
                )));
            }
            only_type = Some(t);
            j += 2;
        } else if is(&args[j], "id") && j + 1 < args.len() {
            let mut v = Vec::new();
            for a in &args[j + 1..] {
                match crate::util::num::parse_i64(a) {
                    Some(i) if i > 0 => v.push(i as u64),
                    _ => return Err(CmdError::err("Invalid client ID")),
                }
            }
            ids = Some(v);
            j = args.len();
        } else {
            return Err(CmdError::syntax());
        }
    }
    let now = ctx.now_ms();
    let mut all: Vec<&Client> = ctx.eng.clients.values().map(|b| &**b).collect();
    all.push(ctx.client);
    all.sort_by_key(|c| c.id);
    let mut text = String::new();
    for c in all {
        if let Some(ids) = &ids {
            if !ids.contains(&c.id) {
                continue;
            }
        }
        if let Some(t) = only_type {
            // Every client is "normal" until pub/sub and replication exist.
            if !is(t, "normal") {
                continue;
            }
        }
        let argv = if c.id == ctx.client.id {
            argv_mem(args)
        } else {
            0
        };
        text.push_str(&client_line(c, now, c.mailbox.pending_bytes(), argv));
        text.push('\n');
    }
    ctx.out.verbatim("txt", text.as_bytes());
    Ok(())
}

/// CLIENT KILL addr | CLIENT KILL [ID id] [ADDR a] [LADDR a] [USER u] [TYPE t] [SKIPME yes|no]
pub fn client_kill(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    if args.len() == 3 {
        let addr = String::from_utf8_lossy(&args[2]).into_owned();
        let victims = matching(ctx, |c| c.addr == addr, false);
        if victims.is_empty() {
            return Err(CmdError::err("No such client"));
        }
        kill(ctx, &victims);
        ctx.out.ok();
        return Ok(());
    }
    let mut id: Option<u64> = None;
    let mut addr: Option<String> = None;
    let mut laddr: Option<String> = None;
    let mut user: Option<Bytes> = None;
    let mut skipme = true;
    let mut j = 2;
    while j < args.len() {
        let Some(v) = args.get(j + 1) else {
            return Err(CmdError::syntax());
        };
        let o = &args[j];
        if is(o, "id") {
            match crate::util::num::parse_i64(v) {
                Some(i) if i > 0 => id = Some(i as u64),
                _ => return Err(CmdError::err("client-id should be greater than 0")),
            }
        } else if is(o, "addr") {
            addr = Some(String::from_utf8_lossy(v).into_owned());
        } else if is(o, "laddr") {
            laddr = Some(String::from_utf8_lossy(v).into_owned());
        } else if is(o, "user") {
            user = Some(v.clone());
        } else if is(o, "type") {
            if !["normal", "master", "replica", "slave", "pubsub"]
                .iter()
                .any(|k| is(v, k))
            {
                return Err(CmdError::err(format!(
                    "Unknown client type '{}'",
                    String::from_utf8_lossy(v)
                )));
            }
        } else if is(o, "skipme") {
            if is(v, "yes") {
                skipme = true;
            } else if is(v, "no") {
                skipme = false;
            } else {
                return Err(CmdError::syntax());
            }
        } else {
            return Err(CmdError::syntax());
        }
        j += 2;
    }
    if let Some(u) = &user {
        if u.as_ref() != b"default" {
            return Err(CmdError::err(format!(
                "No such user '{}'",
                String::from_utf8_lossy(u)
            )));
        }
    }
    let victims = matching(
        ctx,
        |c| {
            id.is_none_or(|i| c.id == i)
                && addr.as_ref().is_none_or(|a| &c.addr == a)
                && laddr.as_ref().is_none_or(|a| &c.laddr == a)
        },
        skipme,
    );
    let n = victims.len();
    kill(ctx, &victims);
    ctx.out.int(n as i64);
    Ok(())
}

fn matching(ctx: &Ctx<'_>, pred: impl Fn(&Client) -> bool, skipme: bool) -> Vec<u64> {
    let mut v: Vec<u64> = ctx
        .eng
        .clients
        .values()
        .filter(|c| pred(c))
        .map(|c| c.id)
        .collect();
    if !skipme && pred(ctx.client) {
        v.push(ctx.client.id);
    }
    v
}

fn kill(ctx: &mut Ctx<'_>, ids: &[u64]) {
    for id in ids {
        if *id == ctx.client.id {
            ctx.client.close_after_reply = true;
        } else if let Some(c) = ctx.eng.clients.get(id) {
            c.mailbox.close();
        }
    }
}

/// CLIENT PAUSE timeout [WRITE|ALL]
pub fn client_pause(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let ms = crate::util::num::parse_i64(&args[2])
        .ok_or_else(|| CmdError::err("timeout is not an integer or out of range"))?;
    if ms < 0 {
        return Err(CmdError::err("timeout is negative"));
    }
    let all = match args.get(3) {
        None => true,
        Some(a) if is(a, "all") => true,
        Some(a) if is(a, "write") => false,
        Some(_) => return Err(CmdError::syntax()),
    };
    if args.len() > 4 {
        return Err(CmdError::syntax());
    }
    let until = ctx.now_ms().saturating_add(ms as u64);
    // A second pause extends, never shortens, and ALL wins over WRITE (as in Redis).
    let p = match ctx.eng.pause {
        Some(old) => Pause {
            until_ms: old.until_ms.max(until),
            all: old.all || all,
        },
        None => Pause {
            until_ms: until,
            all,
        },
    };
    ctx.eng.pause = Some(p);
    ctx.out.ok();
    Ok(())
}

pub fn client_unpause(ctx: &mut Ctx<'_>, _args: &[Bytes]) -> CmdResult {
    ctx.eng.pause = None;
    ctx.out.ok();
    Ok(())
}

pub fn client_no_evict(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    if is(&args[2], "on") {
        ctx.client.no_evict = true;
    } else if is(&args[2], "off") {
        ctx.client.no_evict = false;
        // It may be the one client eviction can take now.
        ctx.eng.client_mem.unstick();
    } else {
        return Err(CmdError::syntax());
    }
    ctx.out.ok();
    Ok(())
}

pub fn client_reply(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let a = &args[2];
    if is(a, "on") {
        ctx.client.reply_mode = ReplyMode::On;
        ctx.out.ok();
    } else if is(a, "off") {
        ctx.client.reply_mode = ReplyMode::Off;
    } else if is(a, "skip") {
        if ctx.client.reply_mode == ReplyMode::On {
            ctx.client.reply_mode = ReplyMode::Skip;
        }
    } else {
        return Err(CmdError::syntax());
    }
    Ok(())
}

pub fn client_help(ctx: &mut Ctx<'_>, _args: &[Bytes]) -> CmdResult {
    let lines = [
        "CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "GETNAME",
        "    The name of this connection, or nil.",
        "ID",
        "    The unique id of this connection.",
        "INFO",
        "    Information about this connection, in CLIENT LIST's format.",
        "KILL <ip:port> | KILL [ID <id>] [ADDR <ip:port>] [LADDR <ip:port>] [USER <user>] [TYPE <type>] [SKIPME yes|no]",
        "    Close the connections that match.",
        "LIST [TYPE <type>] [ID <id> ...]",
        "    Information about every connection.",
        "NO-EVICT ON|OFF",
        "    Protect this connection from client eviction.",
        "PAUSE <timeout> [WRITE|ALL]",
        "    Stop serving clients (or only their writes) for <timeout> milliseconds.",
        "REPLY ON|OFF|SKIP",
        "    Turn replies on or off, or skip the reply of the next command.",
        "SETNAME <name>",
        "    Name this connection.",
        "UNPAUSE",
        "    End a CLIENT PAUSE early.",
        "HELP",
        "    Print this help.",
    ];
    super::server::help_reply(ctx, &lines);
    Ok(())
}
