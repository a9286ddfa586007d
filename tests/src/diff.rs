//! Runs corpus cases against two servers and compares the replies byte for byte.
//!
//! Owns case execution (fresh connection, FLUSHALL, optional `HELLO 3`, then the steps), the
//! comparison rules (`?` steps compare only the reply's type byte) and the mismatch report.
//! Knows nothing about how the servers were started: it only gets two ports.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::time::Duration;

use crate::conn::{Drained, RawConn};
use crate::corpus::{Action, Case};
use crate::escape::escape_truncated;

/// Extra arguments both servers get for differential runs (on top of the harness defaults), so
/// that DEBUG can be compared too.
pub const SERVER_ARGS: &[&str] = &["--enable-debug-command", "yes"];

/// How long a `raw` step waits for more bytes before deciding the server has gone quiet.
pub const RAW_QUIET: Duration = Duration::from_millis(200);

/// Replies longer than this are shown with their middle elided in reports.
const REPORT_BYTES: usize = 400;

/// What one step produced on one server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The exact bytes of one reply.
    Reply(Vec<u8>),
    /// Everything a `raw` step received, and whether the server then closed the connection.
    Stream(Drained),
    /// No reply: timeout, closed connection, malformed bytes, I/O error (rendered text).
    Failed(String),
    /// Not attempted because an earlier step left the connection unusable.
    Skipped,
    /// A `!sleep` step.
    Slept,
}

impl Outcome {
    /// Human-readable form for reports.
    pub fn render(&self) -> String {
        match self {
            Outcome::Reply(bytes) => escape_truncated(bytes, REPORT_BYTES),
            Outcome::Stream(d) => format!(
                "{}{}",
                escape_truncated(&d.bytes, REPORT_BYTES),
                if d.closed {
                    " then closed"
                } else {
                    " then quiet"
                }
            ),
            Outcome::Failed(text) => text.clone(),
            Outcome::Skipped => "<skipped: connection unusable after an earlier step>".into(),
            Outcome::Slept => "<slept>".into(),
        }
    }
}

/// Whether two outcomes count as equal for a step; `type_only` compares just the first byte of
/// two replies.
pub fn outcomes_match(left: &Outcome, right: &Outcome, type_only: bool) -> bool {
    match (left, right) {
        (Outcome::Reply(a), Outcome::Reply(b)) if type_only => a.first() == b.first(),
        _ => left == right,
    }
}

/// After this many timed-out steps in one run, a server is assumed to be hanging on many
/// commands and later steps get only [`IMPATIENT_TIMEOUT`], so a broken server costs seconds
/// rather than an hour. The report still shows every timeout.
const PATIENCE: usize = 5;
const IMPATIENT_TIMEOUT: Duration = Duration::from_millis(100);

/// Runs one case on a fresh connection to `port` with the default read timeout; returns one
/// outcome per step.
pub fn run_case(port: u16, case: &Case) -> Vec<Outcome> {
    run_case_with_timeout(port, case, crate::conn::DEFAULT_TIMEOUT)
}

/// Like [`run_case`], waiting at most `timeout` for each reply.
pub fn run_case_with_timeout(port: u16, case: &Case, timeout: Duration) -> Vec<Outcome> {
    let connected = RawConn::connect(port).and_then(|mut conn| {
        conn.set_timeout(timeout)?;
        Ok(conn)
    });
    let mut conn = match connected {
        Ok(conn) => conn,
        Err(e) => {
            let text = format!("<connect failed: {:?}>", e.kind());
            return vec![Outcome::Failed(text); case.steps.len()];
        }
    };
    // Setup replies are not compared, but a setup that kills the connection must not be
    // mistaken for a pass: report it on every step.
    let mut setup: Vec<&[&str]> = vec![&["FLUSHALL"]];
    if case.resp3 {
        setup.push(&["HELLO", "3"]);
    }
    for request in setup {
        if let Err(e) = conn.request(request) {
            let text = format!("<setup {} failed: {e}>", request.join(" "));
            return vec![Outcome::Failed(text); case.steps.len()];
        }
    }
    let mut usable = true;
    let mut outcomes = Vec::with_capacity(case.steps.len());
    for step in &case.steps {
        let outcome = match &step.action {
            Action::Sleep(d) => {
                std::thread::sleep(*d);
                Outcome::Slept
            }
            _ if !usable => Outcome::Skipped,
            Action::Command { args, frames, .. } => {
                match command_frames(&mut conn, args, *frames, case.resp3) {
                    Ok(bytes) => Outcome::Reply(bytes),
                    Err(e) => {
                        usable = false;
                        Outcome::Failed(e.to_string())
                    }
                }
            }
            Action::Raw(bytes) => {
                // A server may close before reading everything we wrote (protocol errors); what
                // it replied still arrives, so a failed write is not itself the outcome.
                let _ = conn.send_raw(bytes);
                match conn.read_until_quiet(RAW_QUIET) {
                    Ok(drained) => {
                        usable = !drained.closed;
                        Outcome::Stream(drained)
                    }
                    Err(e) => {
                        usable = false;
                        Outcome::Failed(e.to_string())
                    }
                }
            }
        };
        outcomes.push(outcome);
    }
    outcomes
}

/// Sends one command and returns the bytes of the frames that make up its outcome: exactly
/// `frames` frames when given; otherwise one reply, preceded in RESP3 by every push frame that
/// arrived first (keyspace notifications for the client's own writes come ahead of the reply).
fn command_frames(
    conn: &mut RawConn,
    args: &[Vec<u8>],
    frames: Option<usize>,
    resp3: bool,
) -> Result<Vec<u8>, crate::conn::ReadError> {
    let mut bytes = conn.request(args)?;
    if let Some(n) = frames {
        for _ in 1..n {
            bytes.extend_from_slice(&conn.read_reply()?);
        }
        return Ok(bytes);
    }
    let mut last = 0;
    while resp3 && bytes.get(last) == Some(&b'>') {
        last = bytes.len();
        bytes.extend_from_slice(&conn.read_reply()?);
    }
    Ok(bytes)
}

/// Runs every case against `port`, in order.
pub fn run_all(port: u16, cases: &[Case]) -> Vec<Vec<Outcome>> {
    let mut timeouts = 0;
    cases
        .iter()
        .map(|case| {
            let timeout = if timeouts >= PATIENCE {
                IMPATIENT_TIMEOUT
            } else {
                crate::conn::DEFAULT_TIMEOUT
            };
            let outcomes = run_case_with_timeout(port, case, timeout);
            timeouts += outcomes
                .iter()
                .filter(|o| matches!(o, Outcome::Failed(text) if text.starts_with("<timeout")))
                .count();
            outcomes
        })
        .collect()
}

/// One step whose outcomes differ.
#[derive(Debug, Clone)]
pub struct Mismatch {
    pub case: String,
    pub file: String,
    pub line: usize,
    /// The corpus line.
    pub step: String,
    /// Upper-cased command name (for grouping).
    pub command: String,
    pub left: String,
    pub right: String,
}

/// The result of comparing a corpus on two servers.
#[derive(Debug, Clone, Default)]
pub struct Summary {
    pub cases: usize,
    /// Steps that send something (commands and `raw` lines).
    pub commands: usize,
    pub mismatches: Vec<Mismatch>,
}

impl Summary {
    /// The closing line: `differential: N cases, M commands, K mismatches`.
    pub fn headline(&self) -> String {
        format!(
            "differential: {} cases, {} commands, {} mismatches",
            self.cases,
            self.commands,
            self.mismatches.len()
        )
    }

    /// Mismatch counts per command name, largest first.
    pub fn by_command(&self) -> Vec<(String, usize)> {
        let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
        for m in &self.mismatches {
            *counts.entry(m.command.as_str()).or_default() += 1;
        }
        let mut list: Vec<(String, usize)> = counts
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect();
        list.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        list
    }

    /// A readable report of every mismatch plus the per-command tally; `left`/`right` name the
    /// two servers.
    pub fn report(&self, left: &str, right: &str) -> String {
        let mut out = String::new();
        let width = left.len().max(right.len());
        let mut last_case = "";
        for m in &self.mismatches {
            if m.case != last_case {
                let _ = writeln!(out, "--- {} ({}:{})", m.case, m.file, m.line);
                last_case = &m.case;
            }
            let _ = writeln!(out, "    > {}", m.step);
            let _ = writeln!(out, "      {left:>width$}: {}", m.left);
            let _ = writeln!(out, "      {right:>width$}: {}", m.right);
        }
        if !self.mismatches.is_empty() {
            let cases: std::collections::HashSet<&str> =
                self.mismatches.iter().map(|m| m.case.as_str()).collect();
            let _ = writeln!(out, "mismatching cases: {}", cases.len());
            let _ = write!(out, "mismatches by command:");
            for (command, count) in self.by_command() {
                let _ = write!(out, " {command}={count}");
            }
            let _ = writeln!(out);
        }
        let _ = writeln!(out, "{}", self.headline());
        out
    }
}

/// Compares the outcomes of the same cases from two servers.
pub fn compare(cases: &[Case], left: &[Vec<Outcome>], right: &[Vec<Outcome>]) -> Summary {
    let mut summary = Summary {
        cases: cases.len(),
        ..Summary::default()
    };
    for ((case, lo), ro) in cases.iter().zip(left).zip(right) {
        for ((step, l), r) in case.steps.iter().zip(lo).zip(ro) {
            let type_only = match &step.action {
                Action::Sleep(_) => continue,
                Action::Command { type_only, .. } => *type_only,
                Action::Raw(_) => false,
            };
            summary.commands += 1;
            if !outcomes_match(l, r, type_only) {
                summary.mismatches.push(Mismatch {
                    case: case.name.clone(),
                    file: case.file.clone(),
                    line: step.line,
                    step: step.text.clone(),
                    command: step.command_name(),
                    left: l.render(),
                    right: r.render(),
                });
            }
        }
    }
    summary
}

/// Runs `cases` against both ports concurrently and compares the results.
pub fn diff(left_port: u16, right_port: u16, cases: &[Case]) -> Summary {
    let (left, right) = std::thread::scope(|s| {
        let left = s.spawn(|| run_all(left_port, cases));
        let right = run_all(right_port, cases);
        let left = left
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (left, right)
    });
    compare(cases, &left, &right)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_only_compares_first_byte() {
        let a = Outcome::Reply(b":1\r\n".to_vec());
        let b = Outcome::Reply(b":2\r\n".to_vec());
        assert!(outcomes_match(&a, &b, true));
        assert!(!outcomes_match(&a, &b, false));
        assert!(!outcomes_match(
            &a,
            &Outcome::Reply(b"$1\r\n1\r\n".to_vec()),
            true
        ));
    }

    #[test]
    fn report_groups_by_case() {
        let cases = crate::corpus::parse("=== a/b\nGET x\nGET y\n", "t.txt")
            .unwrap_or_else(|e| panic!("{e:#}"));
        let left = vec![vec![
            Outcome::Reply(b"$-1\r\n".to_vec()),
            Outcome::Reply(b"+OK\r\n".to_vec()),
        ]];
        let right = vec![vec![
            Outcome::Reply(b"$-1\r\n".to_vec()),
            Outcome::Failed("<timeout>".into()),
        ]];
        let summary = compare(&cases, &left, &right);
        assert_eq!(summary.mismatches.len(), 1);
        let report = summary.report("redis", "zedis");
        assert!(report.contains("--- a/b (t.txt:3)"), "{report}");
        assert!(report.contains("redis: \"+OK\\r\\n\""), "{report}");
        assert!(report.contains("zedis: <timeout>"), "{report}");
        assert!(report.contains("differential: 1 cases, 2 commands, 1 mismatches"));
    }
}
