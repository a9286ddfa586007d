//! Command execution: the table lookup, arity and authentication checks, statistics, the slow
//! log, MONITOR feeding, and the `Ctx` every handler receives to read arguments and write its reply.
//!
//! Runs only on the store thread. The per-family modules (`strings`, `hashes`, `lists`, `sets`,
//! `keys`, `bits`, `connection`, `server`) hold the handlers; `table` holds the one command table.

pub mod bits;
pub mod blocking;
pub mod connection;
pub mod dump;
pub mod error;
pub mod geo;
pub mod hashes;
pub mod hll;
pub mod introspect;
pub mod keys;
pub mod latency;
pub mod lists;
pub mod memory;
pub mod notify;
pub mod propagate;
pub mod pubsub;
pub mod reply;
pub mod server;
pub mod sets;
pub mod sort;
pub mod spec;
pub mod strings;
pub mod table;
pub mod transactions;
pub mod zsets;

use crate::server::persistence;
use crate::server::state::{Client, CmdStat, Engine, ReplyMode, SlowEntry};
use bytes::{Bytes, BytesMut};
use hashbrown::HashMap;
use std::sync::OnceLock;
use std::time::Instant;

pub use error::{CmdError, CmdResult};
pub use reply::Reply;
pub use spec::CommandSpec;

/// What a handler works with: the engine (keyspace, config, other clients), its own client, and
/// the reply buffer.
pub struct Ctx<'a> {
    pub eng: &'a mut Engine,
    pub client: &'a mut Client,
    pub out: Reply<'a>,
}

impl Ctx<'_> {
    /// The client's selected database.
    #[inline]
    pub fn db(&self) -> usize {
        self.client.db
    }

    #[inline]
    pub fn now_ms(&self) -> u64 {
        self.eng.store.now_ms
    }
}

fn lookup_map() -> &'static HashMap<&'static [u8], &'static CommandSpec> {
    static MAP: OnceLock<HashMap<&'static [u8], &'static CommandSpec>> = OnceLock::new();
    MAP.get_or_init(|| {
        table::COMMANDS
            .iter()
            .map(|c| (c.name.as_bytes(), c))
            .collect()
    })
}

/// Finds a top-level command by name, case-insensitively.
pub fn lookup(name: &[u8]) -> Option<&'static CommandSpec> {
    let mut buf = [0u8; 32];
    if name.len() > buf.len() {
        return None;
    }
    let lower = &mut buf[..name.len()];
    lower.copy_from_slice(name);
    lower.make_ascii_lowercase();
    lookup_map().get(&*lower).copied()
}

/// Resolves `args` to the spec that will run: the command, or its subcommand. On failure returns
/// the error reply Redis gives.
pub fn resolve(args: &[Bytes]) -> Result<(&'static CommandSpec, &'static str), CmdError> {
    let Some(name) = args.first() else {
        return Err(CmdError::err("empty command"));
    };
    let Some(cmd) = lookup(name) else {
        return Err(unknown_command(args));
    };
    if !cmd.subcommands.is_empty() && (args.len() >= 2 || cmd.handler.is_none()) {
        if args.len() < 2 {
            return Err(CmdError::arity(cmd.name));
        }
        let Some(sub) = cmd.subcommand(&args[1]) else {
            return Err(CmdError::unknown_subcommand(&args[1], cmd.name));
        };
        let full = full_name(cmd, sub);
        if !sub.arity_ok(args.len()) {
            return Err(CmdError::arity(full));
        }
        return Ok((sub, full));
    }
    if !cmd.arity_ok(args.len()) {
        return Err(CmdError::arity(cmd.name));
    }
    Ok((cmd, cmd.name))
}

/// "client|list"-style names, interned once.
pub fn full_name(cmd: &'static CommandSpec, sub: &'static CommandSpec) -> &'static str {
    static NAMES: OnceLock<HashMap<(usize, usize), &'static str>> = OnceLock::new();
    let names = NAMES.get_or_init(|| {
        let mut m = HashMap::new();
        for c in table::COMMANDS.iter() {
            for s in c.subcommands.iter() {
                let name: &'static str =
                    Box::leak(format!("{}|{}", c.name, s.name).into_boxed_str());
                m.insert((c as *const _ as usize, s as *const _ as usize), name);
            }
        }
        m
    });
    names
        .get(&(cmd as *const _ as usize, sub as *const _ as usize))
        .copied()
        .unwrap_or(sub.name)
}

fn unknown_command(args: &[Bytes]) -> CmdError {
    // Redis echoes the name and the first arguments (up to about 128 bytes) verbatim.
    let mut rest: Vec<u8> = Vec::new();
    for a in &args[1..] {
        if rest.len() >= 128 {
            break;
        }
        let room = 128 - rest.len();
        rest.push(b'\'');
        rest.extend_from_slice(&a[..a.len().min(room)]);
        rest.extend_from_slice(b"' ");
    }
    let mut m = b"ERR unknown command '".to_vec();
    m.extend_from_slice(&args[0][..args[0].len().min(128)]);
    m.extend_from_slice(b"', with args beginning with: ");
    m.extend_from_slice(&rest);
    CmdError::Raw(m)
}

/// Executes one command for `client`, appending its reply to `out`.
///
/// `clock` is the end of the previous command (or the start of the batch) and is moved to the end
/// of this one: chaining the readings halves the clock reads on the hot path.
pub fn execute(
    eng: &mut Engine,
    client: &mut Client,
    args: &[Bytes],
    out: &mut BytesMut,
    clock: &mut Instant,
) {
    let start_len = out.len();
    let before = client.reply_mode;
    if before == ReplyMode::Skip {
        client.reply_mode = ReplyMode::On;
    }
    run(eng, client, args, out, clock);
    // CLIENT REPLY ON is the one command whose reply is sent while replies are off.
    let turned_on = before == ReplyMode::Off && client.reply_mode == ReplyMode::On;
    if before != ReplyMode::On && !turned_on {
        out.truncate(start_len);
    }
}

fn run(
    eng: &mut Engine,
    client: &mut Client,
    args: &[Bytes],
    out: &mut BytesMut,
    clock: &mut Instant,
) {
    let proto = client.proto;
    let (spec, full) = match resolve(args) {
        Ok(x) => x,
        Err(e) => {
            // A known command refused before execution (arity, unknown subcommand) counts as
            // a rejected call of that command, as in Redis; an unknown command counts nowhere.
            if let Some(cmd) = lookup(&args[0]) {
                eng.stats
                    .commands
                    .entry(cmd.name)
                    .or_default()
                    .rejected_calls += 1;
            }
            let is_exec = lookup(&args[0]).is_some_and(|c| c.name == "exec");
            reject(eng, client, is_exec, e, out);
            return;
        }
    };
    // Commands of an EXEC queue passed these checks when they were queued; Redis does not
    // repeat them (a PUBLISH queued after SUBSCRIBE runs).
    if !client.tx.in_exec {
        if let Some(e) = refusal(eng, client, spec, full) {
            eng.stats.commands.entry(full).or_default().rejected_calls += 1;
            reject(eng, client, full == "exec", e, out);
            return;
        }
    }
    if client.tx.in_multi() && !transactions::runs_inside_multi(top_name(full)) {
        // Redis does not even keep the commands of a transaction that is already doomed.
        if !client.tx.dirty_exec && !client.tx.dirty_cas {
            let copy = args.iter().map(|a| Bytes::copy_from_slice(a)).collect();
            if let Some(q) = client.tx.queued.as_mut() {
                q.push(copy);
            }
        }
        out.extend_from_slice(b"+QUEUED\r\n");
        return;
    }
    let Some(handler) = spec.handler else {
        let e = CmdError::arity(full);
        record_error(eng, &e);
        Reply::new(out, proto).error(&e);
        return;
    };
    // CLIENT INFO inside EXEC reports `cmd=exec`, as in Redis.
    if !client.tx.in_exec {
        client.last_cmd = full;
    }
    eng.store.signals.event_mark = out.len();
    eng.store.begin_command();
    let dirty_before = eng.dirty;
    propagate::before_call(eng);
    let started = *clock;
    let result = {
        let mut ctx = Ctx {
            eng,
            client,
            out: Reply::new(out, proto),
        };
        handler(&mut ctx, args)
    };
    notify::after_command(eng, client, out);
    propagate::after_call(eng, client, spec, args, eng.dirty > dirty_before);
    let ended = Instant::now();
    *clock = ended;
    let usec = ended.duration_since(started).as_micros() as u64;
    // Like Redis, a command reaches MONITOR after it ran (so SELECT shows the new database).
    if !eng.monitors.is_empty() && !spec.has_flag("admin") {
        feed_monitors(eng, client, args);
    }
    eng.stats.total_commands_processed += 1;
    let st: &mut CmdStat = eng.stats.commands.entry(full).or_default();
    st.calls += 1;
    st.usec += usec;
    if eng.config.latency_tracking {
        if st.histogram.is_none() {
            st.histogram = latency::CmdHistogram::new().map(Box::new);
        }
        if let Some(h) = st.histogram.as_mut() {
            h.record_usec(usec);
        }
    }
    if let Err(e) = result {
        st.failed_calls += 1;
        record_error(eng, &e);
        Reply::new(out, client.proto).error(&e);
    }
    slowlog_record(eng, client, args, usec);
    if eng.config.latency_monitor_threshold > 0 {
        let event = if spec.has_flag("fast") {
            "fast-command"
        } else {
            "command"
        };
        latency::monitor(eng, event, usec);
    }
}

/// "client|list" → "client".
fn top_name(full: &str) -> &str {
    full.split('|').next().unwrap_or(full)
}

/// Why a resolved command may not run now, in Redis's order of checks: authentication, a
/// command MULTI may not queue, out of memory, RESP2 subscribed mode.
fn refusal(eng: &mut Engine, client: &Client, spec: &CommandSpec, full: &str) -> Option<CmdError> {
    if !client.authenticated && eng.config.requirepass.is_some() && !spec.has_flag("no_auth") {
        return Some(CmdError::noauth());
    }
    if client.tx.in_multi() && spec.has_flag("no_multi") {
        return Some(CmdError::err("Command not allowed inside a transaction"));
    }
    // Over `maxmemory`: evict first; refuse what may grow memory if that fails (Redis's order:
    // after authentication, before MISCONF).
    if let Some(e) = memory::oom_refusal(eng, client, spec) {
        return Some(e);
    }
    if spec.has_flag("write") || spec.name == "ping" {
        if persistence::writes_denied(eng) {
            return Some(CmdError::full(persistence::MISCONF));
        }
        if let Some(m) = crate::server::aof_files::write_refusal(eng) {
            return Some(CmdError::full(m));
        }
    }
    if client.proto == 2 && client.subs.any() && !pubsub::allowed_in_subscribed_mode(top_name(full))
    {
        return Some(CmdError::err(format!(
            "Can't execute '{full}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context"
        )));
    }
    // The AOF replay's own client runs while everyone else waits.
    if persistence::is_loading(eng)
        && !spec.has_flag("loading")
        && client.id != crate::server::aof_files::REPLAY_CLIENT_ID
    {
        return Some(CmdError::full(persistence::LOADING));
    }
    None
}

/// Answers a command refused before it ran. Like Redis, a refused EXEC (wrong arity, NOAUTH,
/// subscribed mode) discards the transaction and says why in an EXECABORT error; any other
/// refusal inside MULTI dooms the transaction.
fn reject(eng: &mut Engine, client: &mut Client, is_exec: bool, e: CmdError, out: &mut BytesMut) {
    let proto = client.proto;
    let e = if is_exec {
        transactions::discard_transaction(&mut eng.store, client);
        // Redis's own rejection texts carry no "ERR " (shared errors like NOAUTH keep their code).
        let why = match &e {
            CmdError::Err(m) => m.to_string(),
            other => other.to_string(),
        };
        CmdError::full(format!("EXECABORT Transaction discarded because of: {why}"))
    } else {
        flag_transaction(client);
        e
    };
    record_error(eng, &e);
    Reply::new(out, proto).error(&e);
}

/// A command refused while queueing dooms the transaction (EXEC will answer EXECABORT).
fn flag_transaction(client: &mut Client) {
    if client.tx.in_multi() {
        client.tx.dirty_exec = true;
    }
}

/// Runs one command of an EXEC queue (the same path as any command; the client is no longer in
/// MULTI while its queue runs, so nothing is queued again).
pub(crate) fn run_queued(
    eng: &mut Engine,
    client: &mut Client,
    args: &[Bytes],
    out: &mut BytesMut,
    clock: &mut Instant,
) {
    run(eng, client, args, out, clock);
}

fn record_error(eng: &mut Engine, e: &CmdError) {
    eng.stats.total_error_replies += 1;
    *eng.stats.errors.entry(e.code().to_string()).or_default() += 1;
}

fn slowlog_record(eng: &mut Engine, client: &Client, args: &[Bytes], usec: u64) {
    let threshold = eng.config.slowlog_log_slower_than;
    if threshold < 0 || (usec as i64) < threshold {
        return;
    }
    let max_len = eng.config.slowlog_max_len as usize;
    if max_len == 0 {
        return;
    }
    // Redis keeps at most 32 arguments, each at most 128 bytes, noting what it cut. Arguments are
    // copied: a `Bytes` argument shares the whole request buffer, and the slow log must not pin
    // a 100 MB request in memory for the sake of its 3-byte key.
    let mut kept: Vec<Bytes> = Vec::new();
    let argc = args.len();
    let shown = argc.min(32);
    for (i, a) in args.iter().take(shown).enumerate() {
        if i == shown - 1 && argc > shown {
            kept.push(Bytes::from(format!(
                "... ({} more arguments)",
                argc - shown + 1
            )));
        } else if a.len() > 128 {
            let mut v = a.slice(..128).to_vec();
            v.extend_from_slice(format!("... ({} more bytes)", a.len() - 128).as_bytes());
            kept.push(Bytes::from(v));
        } else {
            kept.push(Bytes::copy_from_slice(a));
        }
    }
    let id = eng.slowlog.next_id;
    eng.slowlog.next_id += 1;
    eng.slowlog.entries.push_front(SlowEntry {
        id,
        time: eng.store.now_ms / 1000,
        duration_us: usec,
        args: kept,
        addr: client.addr.clone(),
        name: client.name.clone().unwrap_or_default(),
    });
    eng.slowlog.entries.truncate(max_len);
}

/// Sends the MONITOR line for a command to every monitoring client.
fn feed_monitors(eng: &mut Engine, client: &Client, args: &[Bytes]) {
    let now_us = crate::server::clock::unix_micros();
    let mut line = format!(
        "+{}.{:06} [{} {}]",
        now_us / 1_000_000,
        now_us % 1_000_000,
        client.db,
        if client.unix {
            format!("unix:{}", client.addr)
        } else {
            client.addr.clone()
        }
    )
    .into_bytes();
    let redact = |i: usize| -> bool {
        let name = args[0].to_ascii_lowercase();
        (name == b"auth" && i >= 1)
            || (name == b"hello" && i >= 2 && {
                // HELLO's AUTH user pass: hide the arguments after AUTH.
                args.iter().take(i).any(|a| a.eq_ignore_ascii_case(b"auth"))
            })
    };
    for (i, a) in args.iter().enumerate() {
        line.push(b' ');
        if redact(i) {
            line.extend_from_slice(b"\"(redacted)\"");
        } else {
            crate::util::splitargs::repr_into(a, &mut line);
        }
    }
    line.extend_from_slice(b"\r\n");
    // Monitors are in Redis's replica output-buffer class: one that stops reading is
    // disconnected at the hard limit instead of growing the server's memory without bound.
    let hard = eng.config.client_output_buffer_limit[crate::config::OBUF_REPLICA].hard_limit_bytes
        as usize;
    for id in &eng.monitors {
        if let Some(c) = eng.clients.get(id) {
            if hard > 0 && c.mailbox.pending_bytes() + line.len() > hard {
                crate::server::log::warning(&format!(
                    "Client id={} addr={} closed for overcoming of output buffer limits.",
                    c.id, c.addr
                ));
                c.mailbox.kill();
                continue;
            }
            c.mailbox.deliver(&line, false);
        }
    }
}

/// Looks `key` up for a read (hit/miss counters, LRU) and narrows it with `pick`: Ok(None) when
/// absent, WRONGTYPE when the key holds another type. The one place every family's lookup rule
/// lives.
pub(crate) fn read_typed<'s, T: ?Sized>(
    store: &'s mut crate::store::Store,
    db: usize,
    key: &[u8],
    pick: fn(&crate::store::Value) -> Option<&T>,
) -> Result<Option<&'s T>, CmdError> {
    match store.get(db, key) {
        None => Ok(None),
        Some(e) => pick(&e.value).map(Some).ok_or_else(CmdError::wrong_type),
    }
}

/// `read_typed` for a write (lazy expiry and LRU, no hit counters).
pub(crate) fn write_typed<'s, T: ?Sized>(
    store: &'s mut crate::store::Store,
    db: usize,
    key: &[u8],
    pick: fn(&mut crate::store::Value) -> Option<&mut T>,
) -> Result<Option<&'s mut T>, CmdError> {
    match store.get_mut(db, key) {
        None => Ok(None),
        Some(e) => pick(&mut e.value)
            .map(Some)
            .ok_or_else(CmdError::wrong_type),
    }
}

/// HDEL / SREM: removes `args[2..]` from the collection at `args[1]`, deletes the key once it is
/// empty, emits `event` (and `del`) when something went, and replies with how many were removed
/// (0 for a missing key, WRONGTYPE for another type).
pub(crate) fn remove_elements<T: ?Sized>(
    ctx: &mut Ctx<'_>,
    args: &[Bytes],
    pick: fn(&mut crate::store::Value) -> Option<&mut T>,
    remove: fn(&mut T, &[u8]) -> bool,
    class: u32,
    event: &str,
) -> CmdResult {
    let db = ctx.db();
    let mut n = 0i64;
    if let Some(c) = write_typed(&mut ctx.eng.store, db, &args[1], pick)? {
        for a in &args[2..] {
            if remove(c, a) {
                n += 1;
            }
        }
    }
    let emptied = ctx.eng.store.remove_if_empty(db, &args[1]);
    if n > 0 {
        ctx.modified(&args[1], class, event);
        if emptied {
            ctx.notify(notify::GENERIC, "del", &args[1]);
        }
    }
    ctx.eng.dirty += n as u64;
    ctx.out.int(n);
    Ok(())
}

/// Parses an integer argument with Redis's rules (`ERR value is not an integer or out of range`).
pub fn arg_i64(a: &[u8]) -> Result<i64, CmdError> {
    crate::util::num::parse_i64(a).ok_or_else(CmdError::not_int)
}

/// Case-insensitive comparison of an argument with an ASCII keyword.
#[inline]
pub fn is(a: &[u8], kw: &str) -> bool {
    a.eq_ignore_ascii_case(kw.as_bytes())
}
