//! Server administration commands: INFO, CONFIG, TIME, LASTSAVE, DEBUG, SHUTDOWN and SLOWLOG
//! (LATENCY is in `latency.rs`). They read the engine's counters and configuration; INFO's text is assembled in
//! `crate::server::info`.

use super::{arg_i64, is, CmdError, CmdResult, Ctx};
use crate::server::persistence;
use crate::server::state::{CmdStat, ShutdownRequest};
use bytes::Bytes;

/// Writes a HELP reply: an array of simple strings.
pub fn help_reply(ctx: &mut Ctx<'_>, lines: &[&str]) {
    ctx.out.array(lines.len());
    for l in lines {
        ctx.out.simple(l);
    }
}

pub fn info(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let sections: Vec<String> = args[1..]
        .iter()
        .map(|a| String::from_utf8_lossy(a).to_ascii_lowercase())
        .collect();
    let text = crate::server::info::render(ctx.eng, ctx.client, &sections);
    ctx.out.verbatim("txt", text.as_bytes());
    Ok(())
}

pub fn time(ctx: &mut Ctx<'_>, _args: &[Bytes]) -> CmdResult {
    let us = crate::server::clock::unix_micros();
    ctx.out.array(2);
    ctx.out.bulk((us / 1_000_000).to_string().as_bytes());
    ctx.out.bulk((us % 1_000_000).to_string().as_bytes());
    Ok(())
}

/// SAVE: a synchronous snapshot (blocks the server, as in Redis).
pub fn save(ctx: &mut Ctx<'_>, _args: &[Bytes]) -> CmdResult {
    match persistence::save_command(ctx.eng) {
        Ok(_) => {
            ctx.out.ok();
            Ok(())
        }
        Err(e) if ctx.eng.persist.job.is_some() => Err(CmdError::err(e)),
        // Redis answers a failed SAVE with a bare "-ERR"; the reason is in the log.
        Err(_) => Err(CmdError::full("ERR")),
    }
}

/// BGSAVE [SCHEDULE]: a background snapshot without fork (see `server::persistence`).
pub fn bgsave(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    if args.len() > 2 || (args.len() == 2 && !is(&args[1], "schedule")) {
        return Err(CmdError::syntax());
    }
    let schedule = args.len() == 2;
    if let Some(job) = &ctx.eng.persist.job {
        if job.purpose == persistence::Purpose::AofRewrite {
            if schedule {
                ctx.eng.persist.bgsave_scheduled = true;
                ctx.out.simple("Background saving scheduled");
                return Ok(());
            }
            return Err(CmdError::err("Another child process is active (AOF?): can't BGSAVE right now. Use BGSAVE SCHEDULE in order to schedule a BGSAVE whenever possible."));
        }
        return Err(CmdError::err("Background save already in progress"));
    }
    if ctx.client.tx.in_exec {
        // Redis cannot fork inside EXEC and schedules the save for its cron; we do the same so
        // the reply is identical.
        ctx.eng.persist.bgsave_scheduled = true;
        ctx.out.simple("Background saving scheduled");
        return Ok(());
    }
    match persistence::bgsave(ctx.eng) {
        Ok(()) => {
            ctx.out.simple("Background saving started");
            Ok(())
        }
        Err(_) => Err(CmdError::full("ERR")),
    }
}

/// BGREWRITEAOF: a fork-less AOF rewrite (see `server::aof_files`).
pub fn bgrewriteaof(ctx: &mut Ctx<'_>, _args: &[Bytes]) -> CmdResult {
    let in_exec = ctx.client.tx.in_exec;
    match crate::server::aof_files::bgrewriteaof(ctx.eng, in_exec) {
        Ok(msg) => {
            ctx.out.simple(msg);
            Ok(())
        }
        Err(e) => Err(CmdError::err(e)),
    }
}

pub fn lastsave(ctx: &mut Ctx<'_>, _args: &[Bytes]) -> CmdResult {
    ctx.out.int(ctx.eng.lastsave as i64);
    Ok(())
}

/// DEBUG SLEEP <seconds> | DEBUG SET-ACTIVE-EXPIRE <0|1> | DEBUG HELP
pub fn debug(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let allowed = ctx
        .eng
        .config
        .get_value("enable-debug-command")
        .unwrap_or_default();
    let local = ctx.client.unix || is_loopback(&ctx.client.addr);
    if !(allowed == b"yes" || (allowed == b"local" && local)) {
        return Err(CmdError::err("DEBUG command not allowed. If the enable-debug-command option is set to \"local\", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server."));
    }
    let sub = &args[1];
    if is(sub, "sleep") && args.len() == 3 {
        let secs = crate::util::num::parse_f64_strict(&args[2]).ok_or_else(CmdError::not_float)?;
        if secs > 0.0 && secs.is_finite() {
            // Blocks the store thread on purpose: that is what DEBUG SLEEP is for (testing
            // timeouts and latency monitoring).
            std::thread::sleep(std::time::Duration::from_secs_f64(secs.min(3600.0)));
        }
        ctx.out.ok();
    } else if is(sub, "reload") {
        let mut nosave = false;
        for a in &args[2..] {
            if is(a, "nosave") {
                nosave = true;
            } else {
                return Err(CmdError::err(
                    "DEBUG RELOAD only supports the NOSAVE option in zedis",
                ));
            }
        }
        persistence::debug_reload(ctx.eng, nosave).map_err(CmdError::err)?;
        ctx.out.ok();
    } else if is(sub, "set-active-expire") && args.len() == 3 {
        ctx.eng.active_expire_enabled = arg_i64(&args[2])? != 0;
        ctx.out.ok();
    } else if is(sub, "help") {
        help_reply(
            ctx,
            &[
                "DEBUG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
                "SLEEP <seconds>",
                "    Block the server for <seconds> (may be fractional).",
                "RELOAD [NOSAVE]",
                "    Save the dataset to disk (unless NOSAVE) and load it back, replacing what is",
                "    in memory.",
                "SET-ACTIVE-EXPIRE <0|1>",
                "    Turn the background expiry of keys off or on.",
                "HELP",
                "    Print this help.",
            ],
        );
    } else {
        return Err(CmdError::err(format!(
            "unknown subcommand or wrong number of arguments for '{}'. Try DEBUG HELP.",
            super::error::truncate(sub, 128)
        )));
    }
    Ok(())
}

/// SHUTDOWN [NOSAVE|SAVE] [NOW] [FORCE] [ABORT]
pub fn shutdown(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let mut req = ShutdownRequest::default();
    let mut abort = false;
    for a in &args[1..] {
        if is(a, "nosave") {
            req.save = Some(false);
        } else if is(a, "save") {
            req.save = Some(true);
        } else if is(a, "now") {
            req.now = true;
        } else if is(a, "force") {
            req.force = true;
        } else if is(a, "abort") {
            abort = true;
        } else {
            return Err(CmdError::syntax());
        }
    }
    if abort {
        if args.len() != 2 {
            return Err(CmdError::syntax());
        }
        // Shutdown is immediate here (no replicas to wait for), so there is never one to abort.
        return Err(CmdError::err("No shutdown in progress."));
    }
    if let Err(e) = persistence::prepare_shutdown(ctx.eng, req.save) {
        if !req.force {
            crate::server::log::warning(&format!("Error trying to save the DB, can't exit: {e}"));
            return Err(CmdError::err("Errors trying to SHUTDOWN. Check logs."));
        }
    }
    ctx.eng.shutdown = Some(req);
    // Redis sends no reply: the connection just closes when the server exits.
    Ok(())
}

pub fn config_get(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let patterns: Vec<&[u8]> = args[2..].iter().map(|a| a.as_ref()).collect();
    let pairs = ctx
        .eng
        .config
        .get(&patterns, |p, s| crate::util::glob::glob_match(p, s, true));
    ctx.out.map(pairs.len());
    for (k, v) in pairs {
        ctx.out.bulk(k.as_bytes());
        ctx.out.bulk(&v);
    }
    Ok(())
}

pub fn config_set(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    if !args.len().is_multiple_of(2) {
        return Err(CmdError::syntax());
    }
    let pairs: Vec<(&[u8], &[u8])> = args[2..]
        .chunks_exact(2)
        .map(|kv| (kv[0].as_ref(), kv[1].as_ref()))
        .collect();
    let opts = crate::config::SetOptions {
        local_client: ctx.client.unix || is_loopback(&ctx.client.addr),
        loading: false,
    };
    let changed = ctx
        .eng
        .config
        .set_with(&pairs, opts, |hook, cfg| match hook {
            // Listening sockets are bound once at startup; say so instead of pretending.
            "port" | "bind" => Err(
                "zedis cannot move its listening sockets at run time; restart with the new setting"
                    .into(),
            ),
            "dir" => std::env::set_current_dir(&cfg.dir).map_err(|e| e.to_string()),
            _ => Ok(()),
        })
        .map_err(|e| CmdError::full(format!("{} {e}", e.code())))?;
    crate::server::apply_config_change(ctx.eng, &changed);
    ctx.out.ok();
    Ok(())
}

fn is_loopback(addr: &str) -> bool {
    addr.rsplit_once(':')
        .map(|(ip, _)| ip.trim_start_matches('[').trim_end_matches(']'))
        .and_then(|ip| ip.parse::<std::net::IpAddr>().ok())
        .is_some_and(|ip| ip.is_loopback())
}

pub fn config_resetstat(ctx: &mut Ctx<'_>, _args: &[Bytes]) -> CmdResult {
    let eng = &mut *ctx.eng;
    eng.stats
        .commands
        .values_mut()
        .for_each(|c| *c = CmdStat::default());
    eng.stats.commands.clear();
    eng.stats.errors.clear();
    eng.stats.total_commands_processed = 0;
    eng.stats.total_connections_received = 0;
    eng.stats.rejected_connections = 0;
    eng.stats.net_input_bytes = 0;
    eng.stats.net_output_bytes = 0;
    eng.stats.total_error_replies = 0;
    eng.stats.evicted_clients = 0;
    eng.store.stats = Default::default();
    eng.store.evict.reset_timers(eng.store.now_ms);
    ctx.out.ok();
    Ok(())
}

pub fn config_rewrite(ctx: &mut Ctx<'_>, _args: &[Bytes]) -> CmdResult {
    let Some(path) = ctx.eng.config.config_file().map(|p| p.to_path_buf()) else {
        return Err(CmdError::err("The server is running without a config file"));
    };
    ctx.eng
        .config
        .rewrite(&path)
        .map_err(|e| CmdError::err(format!("Rewriting config file: {e}")))?;
    ctx.out.ok();
    Ok(())
}

pub fn config_help(ctx: &mut Ctx<'_>, _args: &[Bytes]) -> CmdResult {
    help_reply(
        ctx,
        &[
            "CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
            "GET <pattern> [<pattern> ...]",
            "    The parameters matching the glob-like patterns, with their values.",
            "SET <directive> <value> [<directive> <value> ...]",
            "    Change parameters at run time, all or none.",
            "RESETSTAT",
            "    Zero the statistics INFO reports.",
            "REWRITE",
            "    Write the running configuration back to the config file, keeping its comments.",
            "HELP",
            "    Print this help.",
        ],
    );
    Ok(())
}

/// SLOWLOG GET [count]
pub fn slowlog_get(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let count = match args.get(2) {
        None => 10,
        Some(a) => {
            let n = crate::util::num::parse_i64(a)
                .filter(|n| *n >= -1)
                .ok_or_else(|| CmdError::err("count should be greater than or equal to -1"))?;
            if n == -1 {
                usize::MAX
            } else {
                n as usize
            }
        }
    };
    let entries: Vec<_> = ctx
        .eng
        .slowlog
        .entries
        .iter()
        .take(count)
        .cloned()
        .collect();
    ctx.out.array(entries.len());
    for e in entries {
        ctx.out.array(6);
        ctx.out.int(e.id as i64);
        ctx.out.int(e.time as i64);
        ctx.out.int(e.duration_us as i64);
        ctx.out.bulks(e.args.iter());
        ctx.out.bulk(e.addr.as_bytes());
        ctx.out.bulk(&e.name);
    }
    Ok(())
}

pub fn slowlog_len(ctx: &mut Ctx<'_>, _args: &[Bytes]) -> CmdResult {
    ctx.out.int(ctx.eng.slowlog.entries.len() as i64);
    Ok(())
}

pub fn slowlog_reset(ctx: &mut Ctx<'_>, _args: &[Bytes]) -> CmdResult {
    ctx.eng.slowlog.entries.clear();
    ctx.out.ok();
    Ok(())
}

pub fn slowlog_help(ctx: &mut Ctx<'_>, _args: &[Bytes]) -> CmdResult {
    help_reply(
        ctx,
        &[
            "SLOWLOG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
            "GET [<count>]",
            "    The newest <count> entries (10 by default, -1 for all): id, unix time,",
            "    duration in microseconds, arguments, client address and client name.",
            "LEN",
            "    How many entries the slow log holds.",
            "RESET",
            "    Empty the slow log.",
            "HELP",
            "    Print this help.",
        ],
    );
    Ok(())
}
