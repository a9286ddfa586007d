//! INFO's text: sections of `field:value` lines with Redis 7.0's names, so every tool that parses
//! Redis's INFO (redis-cli, dashboards, zedis-top) reads ours unchanged.

use crate::server::state::{Client, Engine};
use std::fmt::Write;

const DEFAULT: &[&str] = &[
    "server",
    "clients",
    "memory",
    "persistence",
    "stats",
    "replication",
    "cpu",
    "modules",
    "errorstats",
    "cluster",
    "keyspace",
];
const ALL_EXTRA: &[&str] = &["commandstats", "latencystats"];

/// Renders the requested sections (none = default; "all", "everything", "default" as Redis).
pub fn render(eng: &Engine, me: &Client, wanted: &[String]) -> String {
    let mut sections: Vec<&str> = Vec::new();
    let add = |s: &'static str, v: &mut Vec<&str>| {
        if !v.contains(&s) {
            v.push(s)
        }
    };
    if wanted.is_empty() {
        DEFAULT.iter().for_each(|s| add(s, &mut sections));
    }
    let mut extra: Vec<String> = Vec::new();
    for w in wanted {
        match w.as_str() {
            "default" => DEFAULT.iter().for_each(|s| add(s, &mut sections)),
            "all" | "everything" => {
                DEFAULT
                    .iter()
                    .chain(ALL_EXTRA)
                    .for_each(|s| add(s, &mut sections));
            }
            other => extra.push(other.to_string()),
        }
    }
    let order: Vec<&str> = DEFAULT.iter().chain(ALL_EXTRA).copied().collect();
    let mut out = String::new();
    for name in order {
        if sections.contains(&name) || extra.iter().any(|e| e == name) {
            let body = section(eng, me, name);
            if !out.is_empty() {
                out.push_str("\r\n");
            }
            out.push_str(&body);
        }
    }
    out
}

/// Appends one `key:value` line.
fn kv(s: &mut String, key: &str, value: impl std::fmt::Display) {
    let _ = write!(s, "{key}:{value}\r\n");
}

fn human(bytes: u64) -> String {
    let b = bytes as f64;
    if b < 1024.0 {
        format!("{bytes}B")
    } else if b < 1024.0 * 1024.0 {
        format!("{:.2}K", b / 1024.0)
    } else if b < 1024.0 * 1024.0 * 1024.0 {
        format!("{:.2}M", b / (1024.0 * 1024.0))
    } else if b < 1024.0 * 1024.0 * 1024.0 * 1024.0 {
        format!("{:.2}G", b / (1024.0 * 1024.0 * 1024.0))
    } else {
        format!("{:.2}T", b / (1024.0 * 1024.0 * 1024.0 * 1024.0))
    }
}

/// Resident set size from /proc/self/statm (0 where unavailable).
pub fn rss_bytes() -> u64 {
    let page = 4096u64;
    std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|s| {
            s.split_whitespace()
                .nth(1)
                .and_then(|v| v.parse::<u64>().ok())
        })
        .map(|p| p * page)
        .unwrap_or(0)
}

fn total_system_memory() -> u64 {
    std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("MemTotal:"))
                .and_then(|l| {
                    l.split_whitespace()
                        .nth(1)
                        .and_then(|v| v.parse::<u64>().ok())
                })
        })
        .map(|kb| kb * 1024)
        .unwrap_or(0)
}

/// (user, system) CPU seconds of this process.
fn cpu_times() -> (f64, f64) {
    // SAFETY: getrusage only writes into the struct we pass.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: RUSAGE_SELF with a valid pointer.
    if unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut ru) } != 0 {
        return (0.0, 0.0);
    }
    let t = |tv: libc::timeval| tv.tv_sec as f64 + tv.tv_usec as f64 / 1e6;
    (t(ru.ru_stime), t(ru.ru_utime))
}

/// Instantaneous per-second rate from (ms, total) samples.
fn rate(samples: &std::collections::VecDeque<(u64, u64)>) -> f64 {
    match (samples.front(), samples.back()) {
        // CONFIG RESETSTAT zeroes the totals under older samples: no negative rate (nor panic).
        (Some(a), Some(b)) if b.0 > a.0 => {
            b.1.saturating_sub(a.1) as f64 * 1000.0 / (b.0 - a.0) as f64
        }
        _ => 0.0,
    }
}

fn section(eng: &Engine, me: &Client, name: &str) -> String {
    let mut s = String::new();
    let now = eng.store.now_ms;
    let uptime = now.saturating_sub(eng.start_ms) / 1000;
    let cfg = &eng.config;
    match name {
        "server" => {
            let _ = write!(
                s,
                "# Server\r\nredis_version:{}\r\nzedis_version:{}\r\nredis_git_sha1:00000000\r\nredis_git_dirty:0\r\nredis_build_id:0\r\nredis_mode:standalone\r\nos:{} {}\r\narch_bits:64\r\nmonotonic_clock:POSIX clock_gettime\r\nmultiplexing_api:epoll\r\natomicvar_api:c11-builtin\r\ngcc_version:0.0.0\r\nprocess_id:{}\r\nprocess_supervised:no\r\nrun_id:{}\r\ntcp_port:{}\r\nserver_time_usec:{}\r\nuptime_in_seconds:{}\r\nuptime_in_days:{}\r\nhz:{}\r\nconfigured_hz:{}\r\nlru_clock:{}\r\nexecutable:{}\r\nconfig_file:{}\r\nio_threads_active:0\r\n",
                crate::REDIS_VERSION,
                crate::VERSION,
                std::env::consts::OS,
                std::env::consts::ARCH,
                eng.pid,
                eng.run_id,
                eng.port,
                now * 1000,
                uptime,
                uptime / 86400,
                cfg.hz,
                cfg.hz,
                crate::store::lru_clock(now),
                eng.executable,
                cfg.config_file().map(|p| p.display().to_string()).unwrap_or_default(),
            );
        }
        "clients" => {
            let connected = eng.clients.len() + 1;
            let _ = write!(
                s,
                "# Clients\r\nconnected_clients:{connected}\r\ncluster_connections:0\r\nmaxclients:{}\r\nclient_recent_max_input_buffer:0\r\nclient_recent_max_output_buffer:0\r\nblocked_clients:{}\r\ntracking_clients:0\r\nclients_in_timeout_table:0\r\n",
                cfg.maxclients,
                eng.blocking.count
            );
            let _ = me;
        }
        "memory" => {
            let b = crate::commands::memory::breakdown(eng);
            let (used, peak, startup, rss) = (b.used, b.peak, b.startup, b.rss);
            let sys = total_system_memory();
            let (overhead, dataset) = (b.overhead, b.dataset);
            let pct = |a: u64, b: u64| {
                if b > 0 {
                    a as f64 * 100.0 / b as f64
                } else {
                    0.0
                }
            };
            let frag = if used > 0 {
                rss as f64 / used as f64
            } else {
                0.0
            };
            s.push_str("# Memory\r\n");
            kv(&mut s, "used_memory", used);
            kv(&mut s, "used_memory_human", human(used));
            kv(&mut s, "used_memory_rss", rss);
            kv(&mut s, "used_memory_rss_human", human(rss));
            kv(&mut s, "used_memory_peak", peak);
            kv(&mut s, "used_memory_peak_human", human(peak));
            kv(
                &mut s,
                "used_memory_peak_perc",
                format!("{:.2}%", pct(used, peak)),
            );
            kv(&mut s, "used_memory_overhead", overhead);
            kv(&mut s, "used_memory_startup", startup);
            kv(&mut s, "used_memory_dataset", dataset);
            kv(
                &mut s,
                "used_memory_dataset_perc",
                format!("{:.2}%", pct(dataset, used.saturating_sub(startup).max(1))),
            );
            // Our allocator wrapper knows live bytes only: allocated = active = used.
            kv(&mut s, "allocator_allocated", used);
            kv(&mut s, "allocator_active", used);
            kv(&mut s, "allocator_resident", rss);
            kv(&mut s, "total_system_memory", sys);
            kv(&mut s, "total_system_memory_human", human(sys));
            // No scripting engine: its memory lines are there, at zero, for tools that read them.
            for (k, v) in [
                ("used_memory_lua", "0"),
                ("used_memory_vm_eval", "0"),
                ("used_memory_lua_human", "0B"),
                ("used_memory_scripts_eval", "0"),
                ("number_of_cached_scripts", "0"),
                ("number_of_functions", "0"),
                ("number_of_libraries", "0"),
                ("used_memory_vm_functions", "0"),
                ("used_memory_vm_total", "0"),
                ("used_memory_vm_total_human", "0B"),
                ("used_memory_functions", "0"),
                ("used_memory_scripts", "0"),
                ("used_memory_scripts_human", "0B"),
            ] {
                kv(&mut s, k, v);
            }
            kv(&mut s, "maxmemory", cfg.maxmemory);
            kv(&mut s, "maxmemory_human", human(cfg.maxmemory));
            kv(&mut s, "maxmemory_policy", cfg.maxmemory_policy_name());
            kv(&mut s, "allocator_frag_ratio", "1.00");
            kv(&mut s, "allocator_frag_bytes", 0);
            kv(&mut s, "allocator_rss_ratio", format!("{frag:.2}"));
            kv(&mut s, "allocator_rss_bytes", rss as i64 - used as i64);
            kv(&mut s, "rss_overhead_ratio", "1.00");
            kv(&mut s, "rss_overhead_bytes", 0);
            kv(&mut s, "mem_fragmentation_ratio", format!("{frag:.2}"));
            kv(&mut s, "mem_fragmentation_bytes", rss as i64 - used as i64);
            // The AOF bytes queued for the writer, as Redis's AOF buffers.
            let aof_buffer = eng.aof.writer_stats().0;
            kv(&mut s, "mem_not_counted_for_evict", aof_buffer);
            kv(&mut s, "mem_replication_backlog", 0);
            kv(&mut s, "mem_total_replication_buffers", 0);
            kv(&mut s, "mem_clients_slaves", 0);
            kv(&mut s, "mem_clients_normal", b.clients_normal);
            kv(&mut s, "mem_cluster_links", 0);
            kv(&mut s, "mem_aof_buffer", aof_buffer);
            kv(&mut s, "mem_allocator", "libc");
            kv(&mut s, "active_defrag_running", 0);
            kv(&mut s, "lazyfree_pending_objects", 0);
            kv(&mut s, "lazyfreed_objects", 0);
        }
        "persistence" => {
            s.push_str("# Persistence\r\n");
            crate::server::persistence::info(eng, &mut s);
            crate::server::aof_files::info(eng, &mut s, true);
            kv(&mut s, "module_fork_in_progress", 0);
            kv(&mut s, "module_fork_last_cow_size", 0);
            crate::server::aof_files::info(eng, &mut s, false);
            crate::server::persistence::info_loading(eng, &mut s);
        }
        "stats" => {
            let st = &eng.stats;
            let ss = &eng.store.stats;
            let _ = write!(
                s,
                "# Stats\r\ntotal_connections_received:{}\r\ntotal_commands_processed:{}\r\ninstantaneous_ops_per_sec:{:.0}\r\ntotal_net_input_bytes:{}\r\ntotal_net_output_bytes:{}\r\ntotal_net_repl_input_bytes:0\r\ntotal_net_repl_output_bytes:0\r\ninstantaneous_input_kbps:{:.2}\r\ninstantaneous_output_kbps:{:.2}\r\ninstantaneous_input_repl_kbps:0.00\r\ninstantaneous_output_repl_kbps:0.00\r\nrejected_connections:{}\r\nsync_full:0\r\nsync_partial_ok:0\r\nsync_partial_err:0\r\nexpired_keys:{}\r\nexpired_stale_perc:{:.2}\r\nexpired_time_cap_reached_count:{}\r\nexpire_cycle_cpu_milliseconds:{}\r\nevicted_keys:{}\r\nevicted_clients:{}\r\ntotal_eviction_exceeded_time:{}\r\ncurrent_eviction_exceeded_time:{}\r\nkeyspace_hits:{}\r\nkeyspace_misses:{}\r\npubsub_channels:{}\r\npubsub_patterns:{}\r\npubsubshard_channels:{}\r\nlatest_fork_usec:0\r\ntotal_forks:0\r\nmigrate_cached_sockets:0\r\nslave_expires_tracked_keys:0\r\nactive_defrag_hits:0\r\nactive_defrag_misses:0\r\nactive_defrag_key_hits:0\r\nactive_defrag_key_misses:0\r\ntotal_active_defrag_time:0\r\ncurrent_active_defrag_time:0\r\ntracking_total_keys:0\r\ntracking_total_items:0\r\ntracking_total_prefixes:0\r\nunexpected_error_replies:{}\r\ntotal_error_replies:{}\r\ndump_payload_sanitizations:0\r\ntotal_reads_processed:0\r\ntotal_writes_processed:0\r\nio_threaded_reads_processed:0\r\nio_threaded_writes_processed:0\r\nreply_buffer_shrinks:0\r\nreply_buffer_expands:0\r\n",
                st.total_connections_received,
                st.total_commands_processed,
                rate(&st.ops_samples),
                st.net_input_bytes,
                st.net_output_bytes,
                rate(&st.input_samples) / 1024.0,
                rate(&st.output_samples) / 1024.0,
                st.rejected_connections,
                ss.expired_keys,
                ss.expired_stale_perc * 100.0,
                ss.expired_time_cap_reached_count,
                ss.expire_cycle_cpu_milliseconds,
                ss.evicted_keys,
                st.evicted_clients,
                eng.store.evict.total_exceeded(eng.store.now_ms),
                eng.store.evict.current_exceeded_ms(eng.store.now_ms),
                ss.keyspace_hits,
                ss.keyspace_misses,
                eng.pubsub.channels.len(),
                eng.pubsub.patterns.len(),
                eng.pubsub.shard_channels.len(),
                st.unexpected_error_replies,
                st.total_error_replies,
            );
        }
        "replication" => {
            s.push_str("# Replication\r\nrole:master\r\nconnected_slaves:0\r\nmaster_failover_state:no-failover\r\nmaster_replid:0000000000000000000000000000000000000000\r\nmaster_replid2:0000000000000000000000000000000000000000\r\nmaster_repl_offset:0\r\nsecond_repl_offset:-1\r\nrepl_backlog_active:0\r\nrepl_backlog_size:1048576\r\nrepl_backlog_first_byte_offset:0\r\nrepl_backlog_histlen:0\r\n");
        }
        "cpu" => {
            let (sys, user) = cpu_times();
            let _ = write!(
                s,
                "# CPU\r\nused_cpu_sys:{sys:.6}\r\nused_cpu_user:{user:.6}\r\nused_cpu_sys_children:0.000000\r\nused_cpu_user_children:0.000000\r\nused_cpu_sys_main_thread:{sys:.6}\r\nused_cpu_user_main_thread:{user:.6}\r\n"
            );
        }
        "modules" => s.push_str("# Modules\r\n"),
        "errorstats" => {
            s.push_str("# Errorstats\r\n");
            let mut errs: Vec<_> = eng.stats.errors.iter().collect();
            errs.sort();
            for (code, n) in errs {
                let _ = write!(s, "errorstat_{code}:count={n}\r\n");
            }
        }
        "cluster" => s.push_str("# Cluster\r\ncluster_enabled:0\r\n"),
        "keyspace" => {
            s.push_str("# Keyspace\r\n");
            for i in 0..eng.store.databases() {
                let db = eng.store.db(i);
                if !db.is_empty() {
                    let _ = write!(
                        s,
                        "db{i}:keys={},expires={},avg_ttl={}\r\n",
                        db.len(),
                        db.expires_len(),
                        if db.expires_len() > 0 { db.avg_ttl } else { 0 }
                    );
                }
            }
        }
        "commandstats" => {
            s.push_str("# Commandstats\r\n");
            let mut cmds: Vec<_> = eng.stats.commands.iter().collect();
            cmds.sort_by_key(|(k, _)| *k);
            for (name, c) in cmds {
                let per = if c.calls > 0 {
                    c.usec as f64 / c.calls as f64
                } else {
                    0.0
                };
                let _ = write!(
                    s,
                    "cmdstat_{name}:calls={},usec={},usec_per_call={per:.2},rejected_calls={},failed_calls={}\r\n",
                    c.calls, c.usec, c.rejected_calls, c.failed_calls
                );
            }
        }
        "latencystats" => {
            s.push_str("# Latencystats\r\n");
            crate::commands::latency::info_section(eng, &mut s);
        }
        _ => {}
    }
    s
}
