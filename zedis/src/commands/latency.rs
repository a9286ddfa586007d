//! Latency observability: the latency monitor (LATENCY LATEST / HISTORY / RESET / DOCTOR, fed
//! by `latency-monitor-threshold`) and the per-command latency histograms (INFO latencystats,
//! LATENCY HISTOGRAM, fed when `latency-tracking` is on).
//!
//! The histograms use the same HDR scheme as Redis (values 1 ns ..= 1 s, 2 significant digits)
//! and record what Redis records — the command's duration in whole microseconds, times 1000 —
//! so percentiles and histogram buckets come out in the same units and with the same rounding
//! (`p50=10.047` for a 10 µs command, bucket `1` for anything up to 1027 ns). Percentiles are
//! taken the way Redis's `hdr_value_at_percentile` takes them (the count at the percentile is
//! rounded, not ceiled) rather than through the crate's `value_at_quantile`, whose rounding
//! differs at the edges.

use super::server::help_reply;
use super::{CmdResult, Ctx};
use crate::server::state::{Engine, LatencyEvent};
use bytes::Bytes;
use hdrhistogram::Histogram;
use std::fmt::Write;

/// Redis's `LATENCY_HISTOGRAM_MIN_VALUE` / `MAX_VALUE` / `PRECISION`.
const MIN_NS: u64 = 1;
const MAX_NS: u64 = 1_000_000_000;
const SIGFIG: u8 = 2;
/// LATENCY HISTOGRAM's buckets: the first ends at 1024 ns, each next one twice as far.
const FIRST_BUCKET_NS: u64 = 1024;
/// Samples kept per monitored event (Redis's `LATENCY_TS_LEN`).
const EVENT_SAMPLES: usize = 160;

/// One command's latency distribution.
#[derive(Clone, Debug)]
pub struct CmdHistogram(Histogram<u64>);

impl CmdHistogram {
    /// An empty histogram, or None if the crate refuses the bounds (it never does for these
    /// constants; tracking is then skipped rather than failing the command).
    pub fn new() -> Option<CmdHistogram> {
        Histogram::new_with_bounds(MIN_NS, MAX_NS, SIGFIG)
            .ok()
            .map(CmdHistogram)
    }

    /// Records a duration in microseconds, as Redis does (`duration * 1000`, clamped).
    pub fn record_usec(&mut self, usec: u64) {
        let ns = usec.saturating_mul(1000).clamp(MIN_NS, MAX_NS);
        self.0.saturating_record(ns);
    }

    pub fn calls(&self) -> u64 {
        self.0.len()
    }

    /// The value at percentile `p` (0..=100) in nanoseconds, as `hdr_value_at_percentile`.
    pub fn percentile_ns(&self, p: f64) -> u64 {
        let h = &self.0;
        let p = p.min(100.0);
        let at = (((p / 100.0) * h.len() as f64) + 0.5) as u64;
        let at = at.max(1);
        let mut seen = 0u64;
        for v in h.iter_recorded() {
            seen += v.count_at_value();
            if seen >= at {
                let value = v.value_iterated_to();
                return if p == 0.0 {
                    h.lowest_equivalent(value)
                } else {
                    h.highest_equivalent(value)
                };
            }
        }
        0
    }

    /// LATENCY HISTOGRAM's cumulative buckets: (bucket end in µs, calls up to it), for the
    /// buckets that hold calls.
    pub fn cdf(&self) -> Vec<(u64, u64)> {
        let h = &self.0;
        let total = h.len();
        let mut out = Vec::new();
        let mut level = FIRST_BUCKET_NS;
        let mut previous = 0u64;
        while previous < total && level <= 2 * MAX_NS {
            let end = h.highest_equivalent(level);
            let cumulative = h.count_between(0, end);
            if cumulative > previous {
                out.push((end / 1000, cumulative));
            }
            previous = cumulative;
            level *= 2;
        }
        out
    }
}

/// INFO latencystats's percentile label: `%f` without trailing zeros (`50`, `99.9`).
fn percentile_label(p: f64) -> String {
    let s = format!("{p:.6}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// The INFO latencystats section body.
pub fn info_section(eng: &Engine, s: &mut String) {
    let mut cmds: Vec<_> = eng
        .stats
        .commands
        .iter()
        .filter_map(|(name, st)| st.histogram.as_ref().map(|h| (name, h)))
        .collect();
    cmds.sort_by_key(|(k, _)| *k);
    let ps = &eng.config.latency_tracking_info_percentiles;
    for (name, h) in cmds {
        let _ = write!(s, "latency_percentiles_usec_{name}:");
        for (i, p) in ps.iter().enumerate() {
            if i > 0 {
                s.push(',');
            }
            let _ = write!(
                s,
                "p{}={:.3}",
                percentile_label(*p),
                h.percentile_ns(*p) as f64 / 1000.0
            );
        }
        s.push_str("\r\n");
    }
}

/// Adds a latency spike to an event's history (LATENCY LATEST/HISTORY): one sample per second
/// (the worst), at most 160 kept, as Redis does.
pub fn record_event(eng: &mut Engine, event: &'static str, ms: u64) {
    let now = eng.store.now_ms / 1000;
    let ev = eng.latency.entry(event).or_default();
    ev.max = ev.max.max(ms);
    match ev.samples.back_mut() {
        Some((t, worst)) if *t == now => *worst = (*worst).max(ms),
        _ => {
            ev.samples.push_back((now, ms));
            if ev.samples.len() > EVENT_SAMPLES {
                ev.samples.pop_front();
            }
        }
    }
}

/// Records `usec` under `event` when the latency monitor is on and it passes the threshold.
pub fn monitor(eng: &mut Engine, event: &'static str, usec: u64) {
    let threshold = eng.config.latency_monitor_threshold;
    if threshold > 0 && usec / 1000 >= threshold {
        record_event(eng, event, usec / 1000);
    }
}

pub fn latency_latest(ctx: &mut Ctx<'_>, _args: &[Bytes]) -> CmdResult {
    let mut events: Vec<_> = ctx
        .eng
        .latency
        .iter()
        .map(|(k, v)| (*k, v.clone()))
        .collect();
    events.sort_by_key(|(k, _)| *k);
    ctx.out.array(events.len());
    for (name, ev) in events {
        let (t, ms) = ev.samples.back().copied().unwrap_or((0, 0));
        ctx.out.array(4);
        ctx.out.bulk(name.as_bytes());
        ctx.out.int(t as i64);
        ctx.out.int(ms as i64);
        ctx.out.int(ev.max as i64);
    }
    Ok(())
}

pub fn latency_history(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let name = String::from_utf8_lossy(&args[2]).into_owned();
    let samples: Vec<(u64, u64)> = ctx
        .eng
        .latency
        .get(name.as_str())
        .map(|e| e.samples.iter().copied().collect())
        .unwrap_or_default();
    ctx.out.array(samples.len());
    for (t, ms) in samples {
        ctx.out.array(2);
        ctx.out.int(t as i64);
        ctx.out.int(ms as i64);
    }
    Ok(())
}

pub fn latency_reset(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let n = if args.len() == 2 {
        let n = ctx.eng.latency.len();
        ctx.eng.latency.clear();
        n
    } else {
        args[2..]
            .iter()
            .filter(|a| {
                let name = String::from_utf8_lossy(a);
                ctx.eng.latency.remove(name.as_ref()).is_some()
            })
            .count()
    };
    ctx.out.int(n as i64);
    Ok(())
}

/// LATENCY HISTOGRAM [command ...]: every tracked command, or the named ones (a container
/// name such as CONFIG stands for its subcommands); unknown names are skipped, as in Redis.
pub fn latency_histogram(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let stats = &ctx.eng.stats.commands;
    let mut names: Vec<&'static str> = Vec::new();
    if args.len() == 2 {
        names.extend(
            stats
                .iter()
                .filter(|(_, st)| st.histogram.is_some())
                .map(|(n, _)| *n),
        );
        names.sort_unstable();
    } else {
        for a in &args[2..] {
            let want = String::from_utf8_lossy(a).to_ascii_lowercase();
            let mut found: Vec<&'static str> = stats
                .iter()
                .filter(|(n, st)| {
                    st.histogram.is_some()
                        && (**n == want
                            || n.strip_prefix(want.as_str())
                                .is_some_and(|r| r.starts_with('|')))
                })
                .map(|(n, _)| *n)
                .collect();
            found.sort_unstable();
            for n in found {
                if !names.contains(&n) {
                    names.push(n);
                }
            }
        }
    }
    ctx.out.map(names.len());
    for name in names {
        let Some(h) = stats.get(name).and_then(|st| st.histogram.as_ref()) else {
            continue;
        };
        ctx.out.bulk(name.as_bytes());
        ctx.out.map(2);
        ctx.out.bulk(b"calls");
        ctx.out.int(h.calls() as i64);
        ctx.out.bulk(b"histogram_usec");
        let cdf = h.cdf();
        ctx.out.map(cdf.len());
        for (usec, n) in cdf {
            ctx.out.int(usec as i64);
            ctx.out.int(n as i64);
        }
    }
    Ok(())
}

/// Mean and mean absolute deviation of an event's samples, and the seconds they span.
fn analyze(ev: &LatencyEvent, now_secs: u64) -> (u64, u64, u64) {
    let n = ev.samples.len() as u64;
    if n == 0 {
        return (0, 0, 0);
    }
    let avg = ev.samples.iter().map(|s| s.1).sum::<u64>() / n;
    let mad = ev.samples.iter().map(|s| s.1.abs_diff(avg)).sum::<u64>() / n;
    let oldest = ev.samples.iter().map(|s| s.0).min().unwrap_or(now_secs);
    (avg, mad, now_secs.saturating_sub(oldest).max(1))
}

/// What to do about spikes of one event, in plain words.
fn advice(event: &str) -> &'static str {
    match event {
        "command" => "Slow commands are blocking the server. Find them with SLOWLOG GET and prefer commands that touch few elements (SCAN instead of KEYS, ranges instead of whole collections); DEBUG SLEEP also lands here.",
        "fast-command" => "Commands that normally take constant time were slow: the machine itself is probably short of CPU (other busy processes, a noisy virtual machine neighbour) or swapping. Check the system's load and memory.",
        "expire-cycle" => "Removing expired keys took long: many keys expire at the same moment. Spread expiry times out (add a random offset to the TTLs you set).",
        "eviction-cycle" | "eviction-del" => "Evicting keys to stay under maxmemory took long: the write load outpaces eviction or big keys are evicted. Raise maxmemory, lower the write rate, or avoid very big keys.",
        _ => "Check the disk and the system's load around the times LATENCY HISTORY shows.",
    }
}

/// LATENCY DOCTOR: a plain-language report of the monitored events.
pub fn latency_doctor(ctx: &mut Ctx<'_>, _args: &[Bytes]) -> CmdResult {
    let eng = &*ctx.eng;
    let threshold = eng.config.latency_monitor_threshold;
    let mut text = String::new();
    if eng.latency.is_empty() {
        if threshold == 0 {
            text.push_str("The latency monitor is off, so there is nothing to report. Turn it on with CONFIG SET latency-monitor-threshold <milliseconds> (for example 100): every event slower than that is then recorded, and this report explains them.\n");
        } else {
            let _ = writeln!(
                text,
                "No latency spike above the {threshold} ms threshold has been recorded since the server started (or since LATENCY RESET). Nothing to worry about."
            );
        }
    } else {
        let now = eng.store.now_ms / 1000;
        let mut events: Vec<_> = eng.latency.iter().collect();
        events.sort_by_key(|(k, _)| *k);
        let _ = writeln!(
            text,
            "The latency monitor (threshold {threshold} ms) recorded spikes of {} kind{}:\n",
            events.len(),
            if events.len() == 1 { "" } else { "s" }
        );
        for (i, (name, ev)) in events.iter().enumerate() {
            let (avg, mad, period) = analyze(ev, now);
            let _ = writeln!(
                text,
                "{}. {name}: {} spike{} in the last {period} s (average {avg} ms, mean deviation {mad} ms); the worst ever was {} ms.",
                i + 1,
                ev.samples.len(),
                if ev.samples.len() == 1 { "" } else { "s" },
                ev.max
            );
        }
        text.push_str("\nWhat to do:\n");
        for (name, _) in &events {
            let _ = writeln!(text, "- {name}: {}", advice(name));
        }
        text.push_str("\nLATENCY RESET forgets what was recorded, so the next report shows only new spikes.\n");
    }
    ctx.out.verbatim("txt", text.as_bytes());
    Ok(())
}

pub fn latency_help(ctx: &mut Ctx<'_>, _args: &[Bytes]) -> CmdResult {
    help_reply(
        ctx,
        &[
            "LATENCY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
            "LATEST",
            "    For every event: name, time of the latest spike, its latency and the all-time maximum (ms).",
            "HISTORY <event>",
            "    The time and latency of each recorded spike of <event>.",
            "RESET [<event> ...]",
            "    Forget the named events, or all of them.",
            "DOCTOR",
            "    A plain-language report of the recorded spikes, with advice.",
            "HISTOGRAM [<command> ...]",
            "    Per-command cumulative latency distributions (all tracked commands if none named).",
            "HELP",
            "    Print this help.",
        ],
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hist(usecs: &[u64]) -> CmdHistogram {
        let mut h = CmdHistogram::new().expect("bounds");
        usecs.iter().for_each(|u| h.record_usec(*u));
        h
    }

    #[test]
    fn percentiles_match_redis_rounding() {
        // A 10 µs command: Redis prints p50=10.047 (10000 ns lies in a 64-ns-wide bucket).
        let h = hist(&[10]);
        assert_eq!(h.percentile_ns(50.0), 10047);
        assert_eq!(h.percentile_ns(0.0), 9984);
        // A command timed at 0 µs records 1 ns.
        assert_eq!(hist(&[0]).percentile_ns(99.0), 1);
        // 1000 samples: p99.9 is the 999th (rounded), not the 1000th value.
        let mut v: Vec<u64> = vec![1; 999];
        v.push(500);
        assert_eq!(hist(&v).percentile_ns(99.9), 1003);
        assert!(hist(&v).percentile_ns(100.0) >= 500_000);
    }

    #[test]
    fn cdf_buckets_are_cumulative_and_skip_empty_ones() {
        let h = hist(&[0, 1, 2, 3, 1000, 5_000_000]);
        // 0 and 1 µs end up in the first bucket (≤ 1027 ns), 2 µs in the next, 3 µs in the
        // 4 µs one, 1 ms in the one ending at 2^20 ns; the 5 s call is clamped to 1 s.
        assert_eq!(
            h.cdf(),
            vec![(1, 2), (2, 3), (4, 4), (1056, 5), (1_082_130, 6)]
        );
        assert_eq!(h.calls(), 6);
    }

    #[test]
    fn labels_drop_trailing_zeros() {
        assert_eq!(percentile_label(50.0), "50");
        assert_eq!(percentile_label(99.9), "99.9");
        assert_eq!(percentile_label(99.99999), "99.99999");
    }
}
