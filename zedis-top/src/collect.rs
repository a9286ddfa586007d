//! Turning server replies into typed metrics: INFO, CLIENT LIST, SLOWLOG GET, CONFIG GET,
//! LATENCY LATEST and MEMORY STATS each become a plain struct, and [`Rates`] are computed
//! between two [`Snapshot`]s.
//!
//! Everything here is pure: it takes [`Frame`]s (or INFO text) and returns values, so it is
//! tested with replies recorded from zedis and redis-server. It knows nothing about sockets
//! (that is `poll`) or the screen (that is `ui`). The parsers are lenient on purpose: an
//! unknown INFO field is kept but ignored, a missing one is `None` ("n/a" on screen), and a
//! command the server refuses turns only its own section into [`Section::Unavailable`].

use serde::Serialize;
use std::collections::BTreeMap;
use zedis::resp::Frame;

/// One section of a snapshot: the parsed value, or why the server could not give it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Section<T> {
    Ok(T),
    Unavailable { unavailable: String },
}

impl<T> Section<T> {
    pub fn unavailable(why: impl Into<String>) -> Self {
        Section::Unavailable {
            unavailable: why.into(),
        }
    }

    pub fn ok(&self) -> Option<&T> {
        match self {
            Section::Ok(v) => Some(v),
            Section::Unavailable { .. } => None,
        }
    }
}

/// The text of a string-like frame (bulk, simple, verbatim), lossily decoded.
pub fn frame_text(f: &Frame) -> Option<String> {
    match f {
        Frame::Bulk(b) | Frame::Simple(b) | Frame::BigNumber(b) => {
            Some(String::from_utf8_lossy(b).into_owned())
        }
        Frame::Verbatim { text, .. } => Some(String::from_utf8_lossy(text).into_owned()),
        Frame::Integer(i) => Some(i.to_string()),
        Frame::Double(d) => Some(d.to_string()),
        Frame::Attribute { value, .. } => frame_text(value),
        _ => None,
    }
}

fn frame_i64(f: &Frame) -> Option<i64> {
    match f {
        Frame::Integer(i) => Some(*i),
        Frame::Attribute { value, .. } => frame_i64(value),
        other => frame_text(other)?.trim().parse().ok(),
    }
}

/// The error text of an error reply, if it is one.
pub fn frame_error(f: &Frame) -> Option<String> {
    match f {
        Frame::Error(e) | Frame::BlobError(e) => Some(String::from_utf8_lossy(e).into_owned()),
        _ => None,
    }
}

/// The elements of an array-like reply (RESP2 array, RESP3 set or push).
fn frame_items(f: &Frame) -> Option<&[Frame]> {
    match f {
        Frame::Array(v) | Frame::Set(v) | Frame::Push(v) => Some(v),
        Frame::Attribute { value, .. } => frame_items(value),
        _ => None,
    }
}

/// Key/value pairs of a reply that is a RESP3 map or a flat RESP2 array of alternating keys
/// and values (CONFIG GET, MEMORY STATS).
fn frame_pairs(f: &Frame) -> Option<Vec<(&Frame, &Frame)>> {
    match f {
        Frame::Map(m) => Some(m.iter().map(|(k, v)| (k, v)).collect()),
        Frame::Attribute { value, .. } => frame_pairs(value),
        other => {
            let items = frame_items(other)?;
            Some(items.chunks_exact(2).map(|c| (&c[0], &c[1])).collect())
        }
    }
}

/// INFO's text as sections of `field:value` lines, in the server's order.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct InfoText {
    pub sections: Vec<(String, Vec<(String, String)>)>,
}

impl InfoText {
    /// Parses INFO's reply text. Lines that are neither `# Section` nor `field:value` are
    /// skipped; a field before any section header lands in a section named "".
    pub fn parse(text: &str) -> Self {
        let mut sections: Vec<(String, Vec<(String, String)>)> = Vec::new();
        for line in text.lines() {
            let line = line.trim_end_matches('\r');
            if let Some(name) = line.strip_prefix('#') {
                sections.push((name.trim().to_ascii_lowercase(), Vec::new()));
            } else if let Some((k, v)) = line.split_once(':') {
                if sections.is_empty() {
                    sections.push((String::new(), Vec::new()));
                }
                if let Some((_, fields)) = sections.last_mut() {
                    fields.push((k.to_string(), v.to_string()));
                }
            }
        }
        InfoText { sections }
    }

    /// The first value of `field` in any section.
    pub fn get(&self, field: &str) -> Option<&str> {
        self.sections
            .iter()
            .flat_map(|(_, f)| f.iter())
            .find(|(k, _)| k == field)
            .map(|(_, v)| v.as_str())
    }

    pub fn u64(&self, field: &str) -> Option<u64> {
        self.get(field)?.trim().parse().ok()
    }

    pub fn f64(&self, field: &str) -> Option<f64> {
        self.get(field)?.trim().parse().ok()
    }

    fn section(&self, name: &str) -> &[(String, String)] {
        self.sections
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, f)| f.as_slice())
            .unwrap_or(&[])
    }
}

/// Splits `a=1,b=2` (keyspace and commandstats values) into pairs.
fn comma_pairs(v: &str) -> impl Iterator<Item = (&str, &str)> {
    v.split(',').filter_map(|p| p.split_once('='))
}

/// One line of INFO keyspace.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DbKeys {
    pub db: u32,
    pub keys: u64,
    pub expires: u64,
    /// Milliseconds; Redis's estimate from sampled keys (0 when none expire).
    pub avg_ttl: Option<u64>,
}

/// One line of INFO commandstats.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CmdStat {
    pub name: String,
    pub calls: u64,
    pub usec: u64,
    pub usec_per_call: Option<f64>,
    pub rejected_calls: Option<u64>,
    pub failed_calls: Option<u64>,
}

/// The INFO fields the dashboard shows, typed. `None` means the server does not report the
/// field (older Redis, or zedis before it grows the field).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Info {
    pub redis_version: Option<String>,
    pub zedis_version: Option<String>,
    pub redis_mode: Option<String>,
    pub role: Option<String>,
    pub uptime_in_seconds: Option<u64>,
    pub tcp_port: Option<u64>,
    pub connected_clients: Option<u64>,
    pub blocked_clients: Option<u64>,
    pub used_memory: Option<u64>,
    pub used_memory_rss: Option<u64>,
    pub used_memory_peak: Option<u64>,
    pub used_memory_dataset: Option<u64>,
    pub used_memory_overhead: Option<u64>,
    pub total_system_memory: Option<u64>,
    pub maxmemory: Option<u64>,
    pub maxmemory_policy: Option<String>,
    pub mem_fragmentation_ratio: Option<f64>,
    pub loading: Option<bool>,
    pub aof_enabled: Option<bool>,
    pub rdb_bgsave_in_progress: Option<bool>,
    pub aof_rewrite_in_progress: Option<bool>,
    pub rdb_last_bgsave_status: Option<String>,
    pub rdb_changes_since_last_save: Option<u64>,
    pub rdb_last_save_time: Option<u64>,
    pub total_connections_received: Option<u64>,
    pub total_commands_processed: Option<u64>,
    pub instantaneous_ops_per_sec: Option<u64>,
    pub total_net_input_bytes: Option<u64>,
    pub total_net_output_bytes: Option<u64>,
    pub rejected_connections: Option<u64>,
    pub expired_keys: Option<u64>,
    pub evicted_keys: Option<u64>,
    pub keyspace_hits: Option<u64>,
    pub keyspace_misses: Option<u64>,
    pub keyspace: Vec<DbKeys>,
    pub commandstats: Vec<CmdStat>,
}

fn flag(info: &InfoText, field: &str) -> Option<bool> {
    info.u64(field).map(|v| v != 0)
}

impl Info {
    pub fn parse(text: &str) -> Self {
        Info::from_text(&InfoText::parse(text))
    }

    pub fn from_text(t: &InfoText) -> Self {
        let s = |f: &str| t.get(f).map(str::to_string);
        let keyspace = t
            .section("keyspace")
            .iter()
            .filter_map(|(k, v)| {
                let db = k.strip_prefix("db")?.parse().ok()?;
                let mut row = DbKeys {
                    db,
                    keys: 0,
                    expires: 0,
                    avg_ttl: None,
                };
                for (f, n) in comma_pairs(v) {
                    match f {
                        "keys" => row.keys = n.parse().ok()?,
                        "expires" => row.expires = n.parse().unwrap_or(0),
                        "avg_ttl" => row.avg_ttl = n.parse().ok(),
                        _ => {}
                    }
                }
                Some(row)
            })
            .collect();
        let commandstats = t
            .section("commandstats")
            .iter()
            .filter_map(|(k, v)| {
                let name = k.strip_prefix("cmdstat_")?.to_string();
                let mut row = CmdStat {
                    name,
                    calls: 0,
                    usec: 0,
                    usec_per_call: None,
                    rejected_calls: None,
                    failed_calls: None,
                };
                for (f, n) in comma_pairs(v) {
                    match f {
                        "calls" => row.calls = n.parse().ok()?,
                        "usec" => row.usec = n.parse().unwrap_or(0),
                        "usec_per_call" => row.usec_per_call = n.parse().ok(),
                        "rejected_calls" => row.rejected_calls = n.parse().ok(),
                        "failed_calls" => row.failed_calls = n.parse().ok(),
                        _ => {}
                    }
                }
                Some(row)
            })
            .collect();
        Info {
            redis_version: s("redis_version"),
            zedis_version: s("zedis_version"),
            redis_mode: s("redis_mode"),
            role: s("role"),
            uptime_in_seconds: t.u64("uptime_in_seconds"),
            tcp_port: t.u64("tcp_port"),
            connected_clients: t.u64("connected_clients"),
            blocked_clients: t.u64("blocked_clients"),
            used_memory: t.u64("used_memory"),
            used_memory_rss: t.u64("used_memory_rss"),
            used_memory_peak: t.u64("used_memory_peak"),
            used_memory_dataset: t.u64("used_memory_dataset"),
            used_memory_overhead: t.u64("used_memory_overhead"),
            total_system_memory: t.u64("total_system_memory"),
            maxmemory: t.u64("maxmemory"),
            maxmemory_policy: s("maxmemory_policy"),
            mem_fragmentation_ratio: t.f64("mem_fragmentation_ratio"),
            loading: flag(t, "loading"),
            aof_enabled: flag(t, "aof_enabled"),
            rdb_bgsave_in_progress: flag(t, "rdb_bgsave_in_progress"),
            aof_rewrite_in_progress: flag(t, "aof_rewrite_in_progress"),
            rdb_last_bgsave_status: s("rdb_last_bgsave_status"),
            rdb_changes_since_last_save: t.u64("rdb_changes_since_last_save"),
            rdb_last_save_time: t.u64("rdb_last_save_time"),
            total_connections_received: t.u64("total_connections_received"),
            total_commands_processed: t.u64("total_commands_processed"),
            instantaneous_ops_per_sec: t.u64("instantaneous_ops_per_sec"),
            total_net_input_bytes: t.u64("total_net_input_bytes"),
            total_net_output_bytes: t.u64("total_net_output_bytes"),
            rejected_connections: t.u64("rejected_connections"),
            expired_keys: t.u64("expired_keys"),
            evicted_keys: t.u64("evicted_keys"),
            keyspace_hits: t.u64("keyspace_hits"),
            keyspace_misses: t.u64("keyspace_misses"),
            keyspace,
            commandstats,
        }
    }
}

/// One line of CLIENT LIST. Numbers the server does not report are `None`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ClientRow {
    pub id: u64,
    pub addr: String,
    pub name: String,
    pub age: Option<u64>,
    pub idle: Option<u64>,
    pub db: Option<u64>,
    pub flags: String,
    pub cmd: String,
    pub qbuf: Option<u64>,
    pub omem: Option<u64>,
    pub tot_mem: Option<u64>,
}

/// Parses CLIENT LIST's text: one client per line, `field=value` separated by spaces. A line
/// without a numeric `id` is skipped. (A client name cannot contain spaces, so splitting on
/// spaces is exact.)
pub fn parse_client_list(text: &str) -> Vec<ClientRow> {
    text.lines()
        .filter_map(|line| {
            let mut row = ClientRow::default();
            let mut has_id = false;
            for (k, v) in line.split(' ').filter_map(|p| p.split_once('=')) {
                let n = || v.parse::<u64>().ok();
                match k {
                    "id" => {
                        row.id = v.parse().ok()?;
                        has_id = true;
                    }
                    "addr" => row.addr = v.to_string(),
                    "name" => row.name = v.to_string(),
                    "age" => row.age = n(),
                    "idle" => row.idle = n(),
                    "db" => row.db = n(),
                    "flags" => row.flags = v.to_string(),
                    "cmd" => row.cmd = v.to_string(),
                    "qbuf" => row.qbuf = n(),
                    "omem" => row.omem = n(),
                    "tot-mem" => row.tot_mem = n(),
                    _ => {}
                }
            }
            has_id.then_some(row)
        })
        .collect()
}

/// One SLOWLOG GET entry.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SlowEntry {
    pub id: i64,
    /// Unix seconds.
    pub time: i64,
    pub micros: i64,
    pub args: Vec<String>,
    pub client: Option<String>,
    pub client_name: Option<String>,
}

/// Parses SLOWLOG GET's reply; malformed entries are skipped.
pub fn parse_slowlog(f: &Frame) -> Result<Vec<SlowEntry>, String> {
    let items = frame_items(f).ok_or("SLOWLOG GET did not reply with an array")?;
    Ok(items
        .iter()
        .filter_map(|e| {
            let e = frame_items(e)?;
            Some(SlowEntry {
                id: frame_i64(e.first()?)?,
                time: frame_i64(e.get(1)?)?,
                micros: frame_i64(e.get(2)?)?,
                args: frame_items(e.get(3)?)?
                    .iter()
                    .filter_map(frame_text)
                    .collect(),
                client: e.get(4).and_then(frame_text),
                client_name: e.get(5).and_then(frame_text),
            })
        })
        .collect())
}

/// One LATENCY LATEST event.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LatencyEvent {
    pub event: String,
    /// Unix seconds of the latest spike.
    pub time: i64,
    pub latest_ms: i64,
    pub max_ms: i64,
}

pub fn parse_latency(f: &Frame) -> Result<Vec<LatencyEvent>, String> {
    let items = frame_items(f).ok_or("LATENCY LATEST did not reply with an array")?;
    Ok(items
        .iter()
        .filter_map(|e| {
            let e = frame_items(e)?;
            Some(LatencyEvent {
                event: frame_text(e.first()?)?,
                time: frame_i64(e.get(1)?)?,
                latest_ms: frame_i64(e.get(2)?)?,
                max_ms: frame_i64(e.get(3)?)?,
            })
        })
        .collect())
}

/// The configuration parameters the dashboard reads with CONFIG GET.
pub const CONFIG_PARAMS: &[&str] = &[
    "maxmemory",
    "maxmemory-policy",
    "appendonly",
    "save",
    "databases",
];

/// CONFIG GET's answer for [`CONFIG_PARAMS`] (or any other), as name → value.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ConfigValues(pub BTreeMap<String, String>);

impl ConfigValues {
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str)
    }
}

pub fn parse_config(f: &Frame) -> Result<ConfigValues, String> {
    let pairs = frame_pairs(f).ok_or("CONFIG GET did not reply with an array or map")?;
    Ok(ConfigValues(
        pairs
            .into_iter()
            .filter_map(|(k, v)| Some((frame_text(k)?, frame_text(v)?)))
            .collect(),
    ))
}

/// MEMORY STATS flattened to `name → number`; nested per-database maps become `db.0.<field>`.
/// Non-numeric values are left out.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct MemoryStats(pub BTreeMap<String, f64>);

impl MemoryStats {
    pub fn get(&self, name: &str) -> Option<f64> {
        self.0.get(name).copied()
    }
}

pub fn parse_memory_stats(f: &Frame) -> Result<MemoryStats, String> {
    fn walk(prefix: &str, f: &Frame, out: &mut BTreeMap<String, f64>, depth: usize) {
        // MEMORY STATS nests one level; a deeper reply is not worth following.
        if depth > 4 {
            return;
        }
        let Some(pairs) = frame_pairs(f) else { return };
        for (k, v) in pairs {
            let Some(k) = frame_text(k) else { continue };
            let key = if prefix.is_empty() {
                k
            } else {
                format!("{prefix}.{k}")
            };
            match v {
                Frame::Integer(i) => {
                    out.insert(key, *i as f64);
                }
                Frame::Double(d) => {
                    out.insert(key, *d);
                }
                Frame::Array(_) | Frame::Map(_) => walk(&key, v, out, depth + 1),
                other => {
                    if let Some(n) = frame_text(other).and_then(|t| t.parse::<f64>().ok()) {
                        out.insert(key, n);
                    }
                }
            }
        }
    }
    if frame_pairs(f).is_none() {
        return Err("MEMORY STATS did not reply with an array or map".into());
    }
    let mut out = BTreeMap::new();
    walk("", f, &mut out, 0);
    Ok(MemoryStats(out))
}

/// The raw replies of one poll, in the order `poll` sends the commands.
#[derive(Debug, Clone)]
pub struct Replies {
    pub info: Frame,
    pub client_list: Frame,
    pub slowlog: Frame,
    pub config: Frame,
    pub latency: Frame,
    pub memory_stats: Frame,
}

/// Everything one poll of one server saw.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Snapshot {
    /// Milliseconds on the poller's monotonic clock; only differences mean anything.
    #[serde(skip)]
    pub at_ms: u64,
    /// Wall-clock Unix milliseconds when the poll finished.
    pub unix_ms: u64,
    pub info: Section<Info>,
    pub clients: Section<Vec<ClientRow>>,
    pub slowlog: Section<Vec<SlowEntry>>,
    pub config: Section<ConfigValues>,
    pub latency: Section<Vec<LatencyEvent>>,
    pub memory_stats: Section<MemoryStats>,
}

/// An error reply turns a section unavailable with the server's reason; otherwise `parse`.
fn section<T>(f: &Frame, parse: impl FnOnce(&Frame) -> Result<T, String>) -> Section<T> {
    if let Some(e) = frame_error(f) {
        return Section::unavailable(e);
    }
    match parse(f) {
        Ok(v) => Section::Ok(v),
        Err(e) => Section::unavailable(e),
    }
}

fn text_section<T>(f: &Frame, what: &str, parse: impl FnOnce(&str) -> T) -> Section<T> {
    section(f, |f| {
        frame_text(f)
            .map(|t| parse(&t))
            .ok_or_else(|| format!("{what} did not reply with text"))
    })
}

impl Snapshot {
    pub fn from_replies(r: &Replies, at_ms: u64, unix_ms: u64) -> Self {
        Snapshot {
            at_ms,
            unix_ms,
            info: text_section(&r.info, "INFO", Info::parse),
            clients: text_section(&r.client_list, "CLIENT LIST", parse_client_list),
            slowlog: section(&r.slowlog, parse_slowlog),
            config: section(&r.config, parse_config),
            latency: section(&r.latency, parse_latency),
            memory_stats: section(&r.memory_stats, parse_memory_stats),
        }
    }

    /// maxmemory: INFO's field, else CONFIG GET's (0 = unlimited).
    pub fn maxmemory(&self) -> Option<u64> {
        self.info
            .ok()
            .and_then(|i| i.maxmemory)
            .or_else(|| self.config.ok()?.get("maxmemory")?.parse().ok())
    }

    pub fn maxmemory_policy(&self) -> Option<String> {
        self.info
            .ok()
            .and_then(|i| i.maxmemory_policy.clone())
            .or_else(|| Some(self.config.ok()?.get("maxmemory-policy")?.to_string()))
    }

    /// Whether AOF is on: INFO's aof_enabled, else CONFIG GET appendonly.
    pub fn aof_enabled(&self) -> Option<bool> {
        self.info
            .ok()
            .and_then(|i| i.aof_enabled)
            .or_else(|| Some(self.config.ok()?.get("appendonly")? == "yes"))
    }
}

/// Per-command rates over one interval.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CmdRate {
    pub name: String,
    pub calls_per_sec: f64,
    /// Microseconds of server time spent per second of wall time.
    pub usec_per_sec: f64,
}

/// Rates between two snapshots of the same server. A counter that went down (CONFIG
/// RESETSTAT, a restart) gives `None` for that interval rather than a nonsense rate.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Rates {
    pub seconds: f64,
    pub ops_per_sec: Option<f64>,
    pub net_in_per_sec: Option<f64>,
    pub net_out_per_sec: Option<f64>,
    pub hits_per_sec: Option<f64>,
    pub misses_per_sec: Option<f64>,
    /// hits / (hits + misses) over the interval; `None` when there were no lookups.
    pub hit_ratio: Option<f64>,
    pub expired_per_sec: Option<f64>,
    pub evicted_per_sec: Option<f64>,
    pub connections_per_sec: Option<f64>,
    pub commands: Vec<CmdRate>,
}

fn per_sec(prev: Option<u64>, cur: Option<u64>, secs: f64) -> Option<f64> {
    let d = cur?.checked_sub(prev?)?;
    Some(d as f64 / secs)
}

impl Rates {
    /// `None` when either snapshot lacks INFO or no time passed.
    pub fn between(prev: &Snapshot, cur: &Snapshot) -> Option<Rates> {
        let (p, c) = (prev.info.ok()?, cur.info.ok()?);
        let ms = cur.at_ms.checked_sub(prev.at_ms)?;
        if ms == 0 {
            return None;
        }
        let secs = ms as f64 / 1000.0;
        let hits = per_sec(p.keyspace_hits, c.keyspace_hits, secs);
        let misses = per_sec(p.keyspace_misses, c.keyspace_misses, secs);
        let hit_ratio = match (hits, misses) {
            (Some(h), Some(m)) if h + m > 0.0 => Some(h / (h + m)),
            _ => None,
        };
        let mut commands: Vec<CmdRate> = c
            .commandstats
            .iter()
            .filter_map(|cs| {
                let before = p.commandstats.iter().find(|x| x.name == cs.name);
                let (calls0, usec0) = before.map(|b| (b.calls, b.usec)).unwrap_or((0, 0));
                Some(CmdRate {
                    name: cs.name.clone(),
                    calls_per_sec: cs.calls.checked_sub(calls0)? as f64 / secs,
                    usec_per_sec: cs.usec.checked_sub(usec0)? as f64 / secs,
                })
            })
            .collect();
        commands.sort_by(|a, b| {
            b.calls_per_sec
                .total_cmp(&a.calls_per_sec)
                .then_with(|| a.name.cmp(&b.name))
        });
        Some(Rates {
            seconds: secs,
            ops_per_sec: per_sec(p.total_commands_processed, c.total_commands_processed, secs),
            net_in_per_sec: per_sec(p.total_net_input_bytes, c.total_net_input_bytes, secs),
            net_out_per_sec: per_sec(p.total_net_output_bytes, c.total_net_output_bytes, secs),
            hits_per_sec: hits,
            misses_per_sec: misses,
            hit_ratio,
            expired_per_sec: per_sec(p.expired_keys, c.expired_keys, secs),
            evicted_per_sec: per_sec(p.evicted_keys, c.evicted_keys, secs),
            connections_per_sec: per_sec(
                p.total_connections_received,
                c.total_connections_received,
                secs,
            ),
            commands,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;

    fn bulk(s: &str) -> Frame {
        Frame::Bulk(Bytes::copy_from_slice(s.as_bytes()))
    }

    fn info_snapshot(at_ms: u64, text: &str) -> Snapshot {
        let err = Frame::Error(Bytes::from_static(b"ERR unknown command"));
        let r = Replies {
            info: bulk(text),
            client_list: err.clone(),
            slowlog: err.clone(),
            config: err.clone(),
            latency: err.clone(),
            memory_stats: err,
        };
        Snapshot::from_replies(&r, at_ms, 0)
    }

    #[test]
    fn info_fields_sections_and_garbage() {
        let text = "# Server\r\nredis_version:7.0.15\r\nweird line\r\nnew_field:what\r\n\
                    # Keyspace\r\ndb0:keys=10,expires=2,avg_ttl=500\r\ndb12:keys=1,expires=0\r\n\
                    dbx:keys=1\r\n# Commandstats\r\ncmdstat_get:calls=5,usec=10,usec_per_call=2.00,\
                    rejected_calls=0,failed_calls=1\r\ncmdstat_bad:calls=nope\r\n";
        let i = Info::parse(text);
        assert_eq!(i.redis_version.as_deref(), Some("7.0.15"));
        assert_eq!(i.used_memory, None);
        assert_eq!(i.keyspace.len(), 2);
        assert_eq!(i.keyspace[0].avg_ttl, Some(500));
        assert_eq!(i.keyspace[1].db, 12);
        assert_eq!(i.keyspace[1].avg_ttl, None);
        assert_eq!(i.commandstats.len(), 1);
        assert_eq!(i.commandstats[0].failed_calls, Some(1));
        assert_eq!(Info::parse(""), Info::default());
    }

    #[test]
    fn rates_between_samples_and_counter_resets() {
        let a = info_snapshot(
            1000,
            "total_commands_processed:100\nkeyspace_hits:10\nkeyspace_misses:10\n\
             evicted_keys:0\n# Commandstats\ncmdstat_get:calls=10,usec=100\n",
        );
        let b = info_snapshot(
            3000,
            "total_commands_processed:300\nkeyspace_hits:40\nkeyspace_misses:20\n\
             evicted_keys:8\n# Commandstats\ncmdstat_get:calls=30,usec=500\ncmdstat_set:calls=4,usec=4\n",
        );
        let r = Rates::between(&a, &b).expect("rates");
        assert_eq!(r.ops_per_sec, Some(100.0));
        assert_eq!(r.hits_per_sec, Some(15.0));
        assert_eq!(r.hit_ratio, Some(0.75));
        assert_eq!(r.evicted_per_sec, Some(4.0));
        assert_eq!(r.net_in_per_sec, None);
        assert_eq!(r.commands[0].name, "get");
        assert_eq!(r.commands[0].calls_per_sec, 10.0);
        assert_eq!(r.commands[0].usec_per_sec, 200.0);
        assert_eq!(r.commands[1].calls_per_sec, 2.0);
        // Reset: counters went down.
        let c = info_snapshot(4000, "total_commands_processed:5\n");
        assert_eq!(Rates::between(&b, &c).expect("rates").ops_per_sec, None);
        // Same instant: no rate at all.
        assert_eq!(Rates::between(&b, &b), None);
    }

    #[test]
    fn error_replies_make_sections_unavailable() {
        let s = info_snapshot(0, "redis_version:1\n");
        assert_eq!(
            s.slowlog,
            Section::unavailable("ERR unknown command".to_string())
        );
        assert!(s.info.ok().is_some());
        let odd = Snapshot::from_replies(
            &Replies {
                info: Frame::Integer(3),
                client_list: Frame::Array(vec![]),
                slowlog: bulk("x"),
                config: Frame::Integer(1),
                latency: Frame::Null,
                memory_stats: Frame::Integer(1),
            },
            0,
            0,
        );
        // An integer is text-like ("3"): INFO parses to nothing, never panics.
        assert!(odd.info.ok().is_some());
        assert!(odd.clients.ok().is_none());
        assert!(odd.slowlog.ok().is_none());
        assert!(odd.config.ok().is_none());
        assert!(odd.latency.ok().is_none());
        assert!(odd.memory_stats.ok().is_none());
    }

    #[test]
    fn client_list_lines() {
        let rows = parse_client_list(
            "id=7 addr=1.2.3.4:5 name= age=3 idle=x db=0 flags=N cmd=get tot-mem=9\n\
             garbage\nid=nope\n",
        );
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].id, 7);
        assert_eq!(rows[0].idle, None);
        assert_eq!(rows[0].tot_mem, Some(9));
        assert_eq!(rows[0].qbuf, None);
    }
}

#[cfg(test)]
mod hostile {
    use super::*;
    use bytes::Bytes;
    use proptest::prelude::*;

    /// A random frame: what a broken or hostile server could send in place of a reply.
    fn frame() -> impl Strategy<Value = Frame> {
        let leaf = prop_oneof![
            any::<i64>().prop_map(Frame::Integer),
            ".{0,40}".prop_map(|s| Frame::Bulk(Bytes::from(s))),
            "[a-z.=:, 0-9\n-]{0,60}".prop_map(|s| Frame::Bulk(Bytes::from(s))),
            any::<f64>().prop_map(Frame::Double),
            Just(Frame::Null),
            Just(Frame::NullBulk),
            ".{0,20}".prop_map(|s| Frame::Error(Bytes::from(s))),
        ];
        leaf.prop_recursive(4, 64, 8, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..8).prop_map(Frame::Array),
                prop::collection::vec((inner.clone(), inner), 0..6).prop_map(Frame::Map),
            ]
        })
    }

    proptest! {
        #[test]
        fn any_reply_parses_or_is_unavailable_never_panics(
            info in frame(), clients in frame(), slow in frame(),
            config in frame(), latency in frame(), mem in frame(),
            a in 0u64..10_000, b in 0u64..10_000,
        ) {
            let r = Replies {
                info, client_list: clients, slowlog: slow,
                config, latency, memory_stats: mem,
            };
            let s1 = Snapshot::from_replies(&r, a, 0);
            let s2 = Snapshot::from_replies(&r, b, 0);
            let _ = Rates::between(&s1, &s2);
            let _ = serde_json::to_string(&s1);
        }

        #[test]
        fn any_text_parses_as_info_and_client_list(text in "(?s).{0,400}") {
            let _ = Info::parse(&text);
            let _ = parse_client_list(&text);
        }
    }
}
