//! `--once`: one snapshot of every watched server, as JSON (`--json`) or as a short text
//! summary, for scripts and cron. Two polls one interval apart give the rates.
//!
//! It owns the output shapes only; polling is `poll`'s and parsing `collect`'s.

use crate::collect::{Rates, Snapshot};
use serde::Serialize;

/// One server's entry in the `--once` output.
#[derive(Debug, Serialize)]
pub struct ServerReport {
    pub server: String,
    /// Why the server could not be polled; the other fields are then absent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub snapshot: Option<Snapshot>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rates: Option<Rates>,
}

/// The whole `--once --json` document.
#[derive(Debug, Serialize)]
pub struct Report {
    pub version: &'static str,
    pub interval_ms: u64,
    pub servers: Vec<ServerReport>,
}

impl Report {
    pub fn to_json(&self) -> String {
        // Serialising plain structs of strings and numbers cannot fail; non-finite floats
        // become null.
        serde_json::to_string_pretty(self).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
    }

    /// A few lines per server for people.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        for s in &self.servers {
            out.push_str(&format!("{}\n", s.server));
            if let Some(e) = &s.error {
                out.push_str(&format!("  error: {e}\n"));
                continue;
            }
            let Some(snap) = &s.snapshot else { continue };
            let Some(i) = snap.info.ok() else {
                out.push_str("  INFO unavailable\n");
                continue;
            };
            let n = |v: Option<u64>| v.map(|x| x.to_string()).unwrap_or_else(|| "n/a".into());
            let f = |v: Option<f64>| v.map(|x| format!("{x:.1}")).unwrap_or_else(|| "n/a".into());
            let r = s.rates.as_ref();
            out.push_str(&format!(
                "  version {}  role {}  uptime {}s\n",
                i.redis_version.as_deref().unwrap_or("n/a"),
                i.role.as_deref().unwrap_or("n/a"),
                n(i.uptime_in_seconds)
            ));
            out.push_str(&format!(
                "  used_memory {}  maxmemory {}  policy {}\n",
                n(i.used_memory),
                n(snap.maxmemory()),
                snap.maxmemory_policy().unwrap_or_else(|| "n/a".into())
            ));
            out.push_str(&format!(
                "  ops/s {}  expired/s {}  evicted/s {}  clients {}\n",
                f(r.and_then(|r| r.ops_per_sec)),
                f(r.and_then(|r| r.expired_per_sec)),
                f(r.and_then(|r| r.evicted_per_sec)),
                n(i.connected_clients)
            ));
            let keys: u64 = i.keyspace.iter().map(|d| d.keys).sum();
            out.push_str(&format!("  keys {keys}\n"));
        }
        out
    }
}
