//! Reading what a server appended to its append-only file, for the AOF propagation tests: the
//! incr file named by a Redis 7 manifest, RESP command streams turned into readable lines with
//! timestamps near "now" normalised, and the expected-output file those lines are kept in.
//!
//! Knows the AOF's outer form (manifest lines, RESP arrays of bulk strings, `#TS:` annotations)
//! but nothing about what a command means.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};

/// How far from "now" an integer argument may be and still count as a timestamp of the case
/// (one day: a case never sets an expiry further out than that except with fixed absolute
/// times such as 4102444800).
const NEAR_NOW_MS: u64 = 24 * 3600 * 1000;

/// The incr file currently appended to in `dir`'s `appenddirname` directory (the last `type i`
/// line of the manifest).
pub fn current_incr_file(dir: &Path, appenddirname: &str) -> anyhow::Result<PathBuf> {
    let aof_dir = dir.join(appenddirname);
    let manifest = std::fs::read_dir(&aof_dir)
        .with_context(|| format!("cannot list {}", aof_dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| p.extension().is_some_and(|x| x == "manifest"))
        .with_context(|| format!("no manifest in {}", aof_dir.display()))?;
    let text = std::fs::read_to_string(&manifest)
        .with_context(|| format!("cannot read {}", manifest.display()))?;
    let mut incr = None;
    for line in text.lines() {
        let words: Vec<&str> = line.split_whitespace().collect();
        let field = |name: &str| {
            words
                .iter()
                .position(|w| *w == name)
                .and_then(|i| words.get(i + 1))
                .copied()
        };
        if field("type") == Some("i") {
            incr = field("file");
        }
    }
    let name = incr.with_context(|| format!("no incr file in {}", manifest.display()))?;
    Ok(aof_dir.join(name))
}

/// Splits a RESP command stream (arrays of bulk strings, `#...` annotation lines) into commands.
pub fn parse_commands(mut data: &[u8]) -> anyhow::Result<Vec<Vec<Vec<u8>>>> {
    fn line<'a>(data: &mut &'a [u8]) -> anyhow::Result<&'a [u8]> {
        let end = data
            .windows(2)
            .position(|w| w == b"\r\n")
            .context("truncated line")?;
        let l = &data[..end];
        *data = &data[end + 2..];
        Ok(l)
    }
    fn number(l: &[u8], what: &str) -> anyhow::Result<usize> {
        std::str::from_utf8(l)
            .ok()
            .and_then(|s| s.parse().ok())
            .with_context(|| format!("bad {what} {:?}", String::from_utf8_lossy(l)))
    }
    let mut cmds = Vec::new();
    while !data.is_empty() {
        let l = line(&mut data)?;
        if l.starts_with(b"#") {
            continue;
        }
        let Some(n) = l.strip_prefix(b"*") else {
            bail!("expected an array, got {:?}", String::from_utf8_lossy(l));
        };
        let n = number(n, "array length")?;
        let mut args = Vec::new();
        for _ in 0..n {
            let l = line(&mut data)?;
            let Some(len) = l.strip_prefix(b"$") else {
                bail!(
                    "expected a bulk string, got {:?}",
                    String::from_utf8_lossy(l)
                );
            };
            let len = number(len, "bulk length")?;
            if data.len() < len + 2 || &data[len..len + 2] != b"\r\n" {
                bail!("truncated bulk string");
            }
            args.push(data[..len].to_vec());
            data = &data[len + 2..];
        }
        cmds.push(args);
    }
    Ok(cmds)
}

/// One command as a line: arguments separated by spaces, each bare when it is printable and
/// unambiguous, else quoted with escapes. Integers within a day of `now_ms` become `<ms>`, and
/// within a day of `now_ms / 1000` seconds become `<s>`.
pub fn render(args: &[Vec<u8>], now_ms: u64) -> String {
    let now_s = now_ms / 1000;
    let near = |v: u64, now: u64, span: u64| v.abs_diff(now) <= span;
    args.iter()
        .map(|a| {
            let int = std::str::from_utf8(a)
                .ok()
                .filter(|s| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
                .and_then(|s| s.parse::<u64>().ok());
            match int {
                Some(v) if near(v, now_ms, NEAR_NOW_MS) => "<ms>".to_string(),
                Some(v) if near(v, now_s, NEAR_NOW_MS / 1000) => "<s>".to_string(),
                _ => {
                    let plain = !a.is_empty()
                        && a.iter()
                            .all(|b| b.is_ascii_graphic() && !b"\"'\\<>".contains(b));
                    if plain {
                        String::from_utf8_lossy(a).into_owned()
                    } else {
                        crate::escape::escape(a)
                    }
                }
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Renders every command of a log.
pub fn render_all(cmds: &[Vec<Vec<u8>>], now_ms: u64) -> Vec<String> {
    cmds.iter().map(|c| render(c, now_ms)).collect()
}

/// The expected-output file: `=== name` headers, each followed by the lines its case logs.
pub fn parse_expected(text: &str) -> anyhow::Result<BTreeMap<String, Vec<String>>> {
    let mut map: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut current: Option<String> = None;
    for (i, l) in text.lines().enumerate() {
        if let Some(name) = l.strip_prefix("=== ") {
            let name = name.trim().to_string();
            if map.insert(name.clone(), Vec::new()).is_some() {
                bail!("line {}: duplicate case {name}", i + 1);
            }
            current = Some(name);
        } else if l.starts_with('#') || l.trim().is_empty() {
            continue;
        } else {
            let Some(name) = &current else {
                bail!("line {}: a command before the first `=== name`", i + 1);
            };
            if let Some(v) = map.get_mut(name) {
                v.push(l.to_string());
            }
        }
    }
    Ok(map)
}

/// The expected-output file's text for `cases` (in the given order).
pub fn format_expected(header: &str, cases: &[(String, Vec<String>)]) -> String {
    let mut out = String::from(header);
    for (name, lines) in cases {
        out.push_str("\n=== ");
        out.push_str(name);
        out.push('\n');
        for l in lines {
            out.push_str(l);
            out.push('\n');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_renders_a_log() {
        let log = b"#TS:1700000000\r\n*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n*5\r\n$3\r\nSET\r\n$1\r\nk\r\n$3\r\na b\r\n$4\r\nPXAT\r\n$13\r\n1700000100000\r\n";
        let cmds = parse_commands(log).expect("valid log");
        assert_eq!(cmds.len(), 2);
        assert_eq!(
            render_all(&cmds, 1_700_000_000_000),
            vec!["SELECT 0", "SET k \"a b\" PXAT <ms>"]
        );
        assert_eq!(render(&[b"1700000050".to_vec()], 1_700_000_000_000), "<s>");
        assert_eq!(
            render(&[b"4102444800".to_vec()], 1_700_000_000_000),
            "4102444800"
        );
    }

    #[test]
    fn truncated_logs_are_errors() {
        assert!(parse_commands(b"*1\r\n$3\r\nDE").is_err());
        assert!(parse_commands(b"*2\r\n$3\r\nDEL\r\n").is_err());
        assert!(parse_commands(b"+OK\r\n").is_err());
    }

    #[test]
    fn expected_file_round_trips() {
        let cases = vec![
            ("aof/a".to_string(), vec!["SET k v".to_string()]),
            ("aof/b".to_string(), vec![]),
        ];
        let text = format_expected("# header\n", &cases);
        let back = parse_expected(&text).expect("valid");
        assert_eq!(back.get("aof/a"), Some(&vec!["SET k v".to_string()]));
        assert_eq!(back.get("aof/b"), Some(&vec![]));
    }
}
