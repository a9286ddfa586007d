//! Memory: the `maxmemory` check that runs before commands (evict, or refuse with `-OOM`), the
//! MEMORY command family (USAGE, STATS, DOCTOR, MALLOC-STATS, PURGE, HELP), and the memory
//! breakdown INFO memory and MEMORY STATS share.
//!
//! The eviction algorithm itself lives in `store::evict`; this module maps the configuration
//! onto it and decides, as Redis's processCommand does, which commands an out-of-memory server
//! still runs (reads, deletes, and everything not flagged `denyoom`).

use super::{arg_i64, is, CmdError, CmdResult, Ctx};
use crate::config::{Config, MaxmemoryPolicy};
use crate::server::state::{Client, Engine};
use crate::store::evict::{self, Lfu, Outcome, Policy};
use crate::store::{Entry, Store};
use bytes::Bytes;
use std::time::{Duration, Instant};

/// Redis's exact refusal text (shared.oomerr).
pub const OOM: &str = "OOM command not allowed when used memory > 'maxmemory'.";

/// The store's view of `maxmemory-policy`.
pub fn policy(cfg: &Config) -> Policy {
    match cfg.maxmemory_policy {
        MaxmemoryPolicy::NoEviction => Policy::NoEviction,
        MaxmemoryPolicy::AllkeysLru => Policy::AllkeysLru,
        MaxmemoryPolicy::VolatileLru => Policy::VolatileLru,
        MaxmemoryPolicy::AllkeysLfu => Policy::AllkeysLfu,
        MaxmemoryPolicy::VolatileLfu => Policy::VolatileLfu,
        MaxmemoryPolicy::AllkeysRandom => Policy::AllkeysRandom,
        MaxmemoryPolicy::VolatileRandom => Policy::VolatileRandom,
        MaxmemoryPolicy::VolatileTtl => Policy::VolatileTtl,
    }
}

/// The LFU knobs when an LFU policy is selected (the store then counts accesses).
pub fn lfu(cfg: &Config) -> Option<Lfu> {
    policy(cfg).is_lfu().then_some(Lfu {
        log_factor: cfg.lfu_log_factor,
        decay_time: cfg.lfu_decay_time,
    })
}

/// Memory that counts against `maxmemory` (Redis subtracts what it does not count for
/// eviction, such as AOF and replica buffers; zedis has neither yet).
pub fn used_for_eviction() -> u64 {
    crate::alloc::used_memory() as u64
}

/// Evicts as far as the time budget allows. Returns the outcome (Ok when `maxmemory` is 0).
pub fn perform_evictions(eng: &mut Engine) -> Outcome {
    eng.store.lfu = lfu(&eng.config);
    let maxmemory = eng.config.maxmemory;
    // Nothing is evicted while a dataset loads (as Redis's isSafeToPerformEvictions).
    if maxmemory == 0 || crate::server::persistence::is_loading(eng) {
        return Outcome::Ok;
    }
    // The common case costs one atomic load: under the limit and not coming back under it.
    if eng.store.evict.over_since.is_none() && used_for_eviction() <= maxmemory {
        return Outcome::Ok;
    }
    let started = Instant::now();
    let limit =
        evict::time_limit_us(eng.config.maxmemory_eviction_tenacity).map(Duration::from_micros);
    let outcome = eng.store.perform_evictions(
        policy(&eng.config),
        eng.config.maxmemory_samples as usize,
        maxmemory,
        |_| used_for_eviction(),
        || limit.is_some_and(|l| started.elapsed() >= l),
    );
    super::latency::monitor(eng, "eviction-cycle", started.elapsed().as_micros() as u64);
    outcome
}

/// The step before a command runs (Redis's processCommand): evict if over `maxmemory`, and
/// refuse a command that may grow memory when that fails. Inside MULTI every command but
/// EXEC / DISCARD / QUIT / RESET is refused, since queueing itself takes memory; EXEC is
/// refused when it holds a `denyoom` command.
pub(crate) fn oom_refusal(
    eng: &mut Engine,
    client: &Client,
    spec: &super::CommandSpec,
) -> Option<CmdError> {
    // Keep the store's access tracking in step with the policy even without a limit, so
    // OBJECT FREQ works as soon as an LFU policy is chosen.
    eng.store.lfu = lfu(&eng.config);
    if eng.config.maxmemory == 0 {
        return None;
    }
    let out_of_memory = perform_evictions(eng) == Outcome::Fail;
    if !out_of_memory {
        return None;
    }
    let name = spec.name;
    let mut reject = spec.has_flag("denyoom");
    if name == "exec" {
        reject = client.tx.queued.as_ref().is_some_and(|q| {
            q.iter()
                .any(|args| super::resolve(args).is_ok_and(|(s, _)| s.has_flag("denyoom")))
        });
    } else if client.tx.in_multi() && !matches!(name, "discard" | "quit" | "reset") {
        reject = true;
    }
    reject.then(|| CmdError::full(OOM))
}

/// Bytes the keyspace's own bookkeeping takes in `db` (table slots, expiry index), as MEMORY
/// STATS' `overhead.hashtable.*`: (main, expires).
fn db_overhead(store: &Store, db: usize) -> (u64, u64) {
    let d = store.db(db);
    let main = d.table().overhead_bytes();
    let expires = d.expires_len() * (std::mem::size_of::<crate::store::SmallBytes>() + 8);
    (main as u64, expires as u64)
}

/// The memory breakdown INFO memory and MEMORY STATS report.
pub struct Breakdown {
    pub used: u64,
    pub peak: u64,
    pub startup: u64,
    pub rss: u64,
    pub clients_normal: u64,
    /// Per non-empty database: (db, main table, expires index).
    pub dbs: Vec<(usize, u64, u64)>,
    pub overhead: u64,
    pub dataset: u64,
    pub keys: u64,
}

pub fn breakdown(eng: &Engine) -> Breakdown {
    let used = crate::alloc::used_memory() as u64;
    let peak = eng.mem_peak.max(used);
    let startup = eng.mem_startup;
    // Every client's buffers and store-side share (the running total client eviction keeps).
    let clients_normal = eng.client_mem.total();
    let mut dbs = Vec::new();
    let mut keys = 0;
    for db in 0..eng.store.databases() {
        if eng.store.db(db).is_empty() {
            continue;
        }
        keys += eng.store.db(db).len() as u64;
        let (m, x) = db_overhead(&eng.store, db);
        dbs.push((db, m, x));
    }
    let overhead =
        (startup + clients_normal + dbs.iter().map(|d| d.1 + d.2).sum::<u64>()).min(used);
    Breakdown {
        used,
        peak,
        startup,
        rss: crate::server::info::rss_bytes(),
        clients_normal,
        dbs,
        overhead,
        dataset: used - overhead,
        keys,
    }
}

fn pct(a: u64, b: u64) -> f64 {
    if b == 0 {
        0.0
    } else {
        a as f64 * 100.0 / b as f64
    }
}

/// Bytes a key holds: its table entry, the key's and the value's heap.
pub fn key_usage(e: &Entry) -> u64 {
    key_usage_sampled(e, 0)
}

/// As `key_usage`, with big collections' elements estimated from `samples` of them (0 = all).
pub fn key_usage_sampled(e: &Entry, samples: usize) -> u64 {
    (std::mem::size_of::<Entry>() + e.key.heap_size() + e.value.heap_size_sampled(samples)) as u64
}

/// How many elements MEMORY USAGE samples without a SAMPLES option (Redis's
/// OBJ_COMPUTE_SIZE_DEF_SAMPLES).
const DEFAULT_SAMPLES: usize = 5;

/// MEMORY USAGE key [SAMPLES count]: `SAMPLES 0` measures every element; otherwise the first
/// `count` elements of a big collection stand for all of them, as in Redis.
pub fn memory_usage(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let mut samples = DEFAULT_SAMPLES;
    let mut j = 3;
    while j < args.len() {
        if is(&args[j], "samples") && j + 1 < args.len() {
            let n = arg_i64(&args[j + 1])?;
            if n < 0 {
                return Err(CmdError::syntax());
            }
            samples = usize::try_from(n).unwrap_or(usize::MAX);
            j += 2;
        } else {
            return Err(CmdError::syntax());
        }
    }
    let db = ctx.db();
    match ctx.eng.store.peek(db, &args[2]) {
        Some(e) => {
            let n = key_usage_sampled(e, samples) as i64;
            ctx.out.int(n);
        }
        None => ctx.out.null(),
    }
    Ok(())
}

/// MEMORY STATS: Redis's field names; allocator-internal numbers are ours (see docs/compat.md).
pub fn memory_stats(ctx: &mut Ctx<'_>, _args: &[Bytes]) -> CmdResult {
    let b = breakdown(ctx.eng);
    let out = &mut ctx.out;
    out.map(27 + b.dbs.len());
    for (k, v) in [
        ("peak.allocated", b.peak),
        ("total.allocated", b.used),
        ("startup.allocated", b.startup),
        ("replication.backlog", 0),
        ("clients.slaves", 0),
        ("clients.normal", b.clients_normal),
        ("cluster.links", 0),
        ("aof.buffer", 0),
        ("lua.caches", 0),
        ("functions.caches", 0),
    ] {
        out.bulk(k.as_bytes());
        out.int(v as i64);
    }
    for (db, main, expires) in &b.dbs {
        out.bulk(format!("db.{db}").as_bytes());
        out.map(3);
        out.bulk(b"overhead.hashtable.main");
        out.int(*main as i64);
        out.bulk(b"overhead.hashtable.expires");
        out.int(*expires as i64);
        out.bulk(b"overhead.hashtable.slot-to-keys");
        out.int(0);
    }
    out.bulk(b"overhead.total");
    out.int(b.overhead as i64);
    out.bulk(b"keys.count");
    out.int(b.keys as i64);
    out.bulk(b"keys.bytes-per-key");
    let net = b.used.saturating_sub(b.startup);
    out.int(net.checked_div(b.keys).unwrap_or(0) as i64);
    out.bulk(b"dataset.bytes");
    out.int(b.dataset as i64);
    out.bulk(b"dataset.percentage");
    out.double(pct(b.dataset, net));
    out.bulk(b"peak.percentage");
    out.double(pct(b.used, b.peak));
    // Our allocator wrapper knows only live bytes: "allocated" and "active" are both that, and
    // "resident" is the process RSS.
    let ratio = |a: u64, b: u64| if b == 0 { 0.0 } else { a as f64 / b as f64 };
    for (k, v) in [
        ("allocator.allocated", b.used),
        ("allocator.active", b.used),
        ("allocator.resident", b.rss),
    ] {
        out.bulk(k.as_bytes());
        out.int(v as i64);
    }
    out.bulk(b"allocator-fragmentation.ratio");
    out.double(1.0);
    out.bulk(b"allocator-fragmentation.bytes");
    out.int(0);
    out.bulk(b"allocator-rss.ratio");
    out.double(ratio(b.rss, b.used));
    out.bulk(b"allocator-rss.bytes");
    out.int(b.rss as i64 - b.used as i64);
    out.bulk(b"rss-overhead.ratio");
    out.double(1.0);
    out.bulk(b"rss-overhead.bytes");
    out.int(0);
    out.bulk(b"fragmentation");
    out.double(ratio(b.rss, b.used));
    out.bulk(b"fragmentation.bytes");
    out.int(b.rss as i64 - b.used as i64);
    Ok(())
}

/// The advice MEMORY DOCTOR gives, in plain language (our own wording).
pub fn doctor_report(b: &Breakdown, maxmemory: u64, evicted: u64) -> String {
    const MB: u64 = 1 << 20;
    if b.used < 5 * MB {
        return "This instance holds almost no data (under 5 MB), so there is nothing to diagnose \
                yet. Load some data and ask again.\n"
            .to_string();
    }
    let mut issues = Vec::new();
    if b.peak > b.used + b.used / 2 {
        issues.push(format!(
            "* Peak memory: memory use once reached {} MB, over 150% of the {} MB used now. \
             That is normal after deleting data, but if the peak is close to the machine's \
             memory, plan for it: the peak can come back.",
            b.peak / MB,
            b.used / MB
        ));
    }
    let frag = if b.used > 0 {
        b.rss as f64 / b.used as f64
    } else {
        0.0
    };
    if frag > 1.4 && b.rss.saturating_sub(b.used) > 10 * MB {
        issues.push(format!(
            "* Fragmentation: the process holds {:.2} times the memory its data needs ({} MB \
             resident for {} MB used). MEMORY PURGE returns free pages to the system; a restart \
             reloads the data compactly.",
            frag,
            b.rss / MB,
            b.used / MB
        ));
    }
    if b.clients_normal > 200 * 1024 * 1024 / 2 {
        issues.push(format!(
            "* Client buffers: replies waiting for slow clients take {} MB. Look for clients \
             that do not read their replies (CLIENT LIST, omem) and consider \
             client-output-buffer-limit.",
            b.clients_normal / MB
        ));
    }
    if maxmemory > 0 && evicted > 0 {
        issues.push(format!(
            "* Eviction: {evicted} keys were evicted to stay under maxmemory ({} MB). If they \
             are needed, raise maxmemory or store less.",
            maxmemory / MB
        ));
    }
    if issues.is_empty() {
        "No memory problems found: the memory in use, the peak and the fragmentation all look \
         healthy.\n"
            .to_string()
    } else {
        let mut s = String::from("Memory problems found:\n\n");
        for i in issues {
            s.push_str(&i);
            s.push_str("\n\n");
        }
        s
    }
}

/// MEMORY DOCTOR
pub fn memory_doctor(ctx: &mut Ctx<'_>, _args: &[Bytes]) -> CmdResult {
    let b = breakdown(ctx.eng);
    let text = doctor_report(
        &b,
        ctx.eng.config.maxmemory,
        ctx.eng.store.stats.evicted_keys,
    );
    ctx.out.verbatim("txt", text.as_bytes());
    Ok(())
}

/// MEMORY MALLOC-STATS: what our counting allocator knows.
pub fn memory_malloc_stats(ctx: &mut Ctx<'_>, _args: &[Bytes]) -> CmdResult {
    let b = breakdown(ctx.eng);
    let text = format!(
        "zedis counting allocator over the system malloc\nlive bytes: {}\npeak live bytes: {}\nresident bytes (process RSS): {}\n",
        b.used, b.peak, b.rss
    );
    ctx.out.verbatim("txt", text.as_bytes());
    Ok(())
}

/// MEMORY PURGE: asks the C allocator to hand free pages back to the system.
pub fn memory_purge(ctx: &mut Ctx<'_>, _args: &[Bytes]) -> CmdResult {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only inspects and releases the allocator's own free memory.
    unsafe {
        libc::malloc_trim(0);
    }
    ctx.out.ok();
    Ok(())
}

pub fn memory_help(ctx: &mut Ctx<'_>, _args: &[Bytes]) -> CmdResult {
    let lines = [
        "MEMORY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "DOCTOR",
        "    Plain-language advice about the server's memory use.",
        "MALLOC-STATS",
        "    What the memory allocator reports about itself.",
        "PURGE",
        "    Ask the allocator to return free memory to the operating system.",
        "STATS",
        "    A breakdown of where the server's memory goes.",
        "USAGE <key> [SAMPLES <count>]",
        "    Bytes held by <key> and its value. SAMPLES is accepted for compatibility;",
        "    the size is always computed over the whole value.",
        "HELP",
        "    Print this help.",
    ];
    super::server::help_reply(ctx, &lines);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const MB: u64 = 1 << 20;

    fn b(used: u64, peak: u64, rss: u64, clients: u64) -> Breakdown {
        Breakdown {
            used,
            peak,
            startup: MB,
            rss,
            clients_normal: clients,
            dbs: Vec::new(),
            overhead: MB,
            dataset: used - MB,
            keys: 10,
        }
    }

    #[test]
    fn doctor_speaks_to_each_problem() {
        assert!(doctor_report(&b(2 * MB, 2 * MB, 3 * MB, 0), 0, 0).contains("almost no data"));
        let healthy = doctor_report(&b(100 * MB, 110 * MB, 120 * MB, 0), 0, 0);
        assert!(healthy.starts_with("No memory problems"), "{healthy}");
        let r = doctor_report(&b(100 * MB, 400 * MB, 300 * MB, 150 * MB), 200 * MB, 42);
        for what in [
            "Peak memory",
            "Fragmentation",
            "Client buffers",
            "42 keys were evicted",
        ] {
            assert!(r.contains(what), "{what} missing from {r}");
        }
        assert!(r.ends_with('\n'));
    }

    #[test]
    fn policies_map_one_to_one() {
        let mut cfg = Config::default();
        for (p, lfu_on) in [
            (MaxmemoryPolicy::AllkeysLfu, true),
            (MaxmemoryPolicy::VolatileLfu, true),
            (MaxmemoryPolicy::AllkeysLru, false),
            (MaxmemoryPolicy::NoEviction, false),
        ] {
            cfg.maxmemory_policy = p;
            assert_eq!(lfu(&cfg).is_some(), lfu_on);
            assert_eq!(policy(&cfg).is_lfu(), lfu_on);
        }
    }
}
