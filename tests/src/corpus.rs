//! Parser for the differential-test corpus format (documented in `corpus/README.md`).
//!
//! Owns turning corpus text into [`Case`]s with source positions; it does not talk to servers.
//! Malformed corpus lines are errors (with file and line), never silently skipped, so a typo in
//! the corpus cannot turn into a vacuous pass.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{bail, Context};

use crate::splitargs::split_args;

/// The largest payload a `raw*N` line may expand to; guards against a typo allocating gigabytes.
const MAX_RAW_LEN: usize = 16 * 1024 * 1024;

/// One test case: a named list of steps run on a fresh connection after FLUSHALL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Case {
    /// `prefix/name`, unique across the whole corpus.
    pub name: String,
    /// The corpus file's name (for messages).
    pub file: String,
    /// 1-based line of the `===` header.
    pub line: usize,
    /// `@resp3`: send `HELLO 3` (reply not compared) before the first step.
    pub resp3: bool,
    pub steps: Vec<Step>,
}

/// One line of a case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// 1-based line in the corpus file.
    pub line: usize,
    /// The line as written (for reports).
    pub text: String,
    pub action: Action,
}

/// What a step does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Send `args` as one multibulk request and read one reply. With `type_only` (`?` prefix)
    /// only the reply's first byte is compared. In a RESP3 case the push frames (`>`) that
    /// arrive before the reply are read and compared with it. `frames: Some(n)` (`*N` prefix)
    /// reads exactly `n` frames of any type instead (SUBSCRIBE and friends, whose RESP3 replies
    /// are themselves pushes).
    Command {
        args: Vec<Vec<u8>>,
        type_only: bool,
        frames: Option<usize>,
    },
    /// Send these bytes verbatim, then take everything until the server closes or goes quiet.
    Raw(Vec<u8>),
    /// Pause (`!sleep MS`).
    Sleep(Duration),
}

impl Step {
    /// The upper-cased command name for grouping reports (`RAW` / `SLEEP` for the others).
    pub fn command_name(&self) -> String {
        match &self.action {
            Action::Command { args, .. } => {
                let name = args.first().map(Vec::as_slice).unwrap_or_default();
                if !name.is_empty() && name.iter().all(u8::is_ascii_graphic) {
                    String::from_utf8_lossy(name).to_ascii_uppercase()
                } else {
                    // Empty or odd names would be invisible in the per-command tally.
                    crate::escape::escape(name)
                }
            }
            Action::Raw(_) => "RAW".to_string(),
            Action::Sleep(_) => "SLEEP".to_string(),
        }
    }
}

/// The corpus shipped with this crate.
pub fn default_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus")
}

/// Loads every `*.txt` file of `dir` (in file-name order) and checks case names are unique.
pub fn load_dir(dir: &Path) -> anyhow::Result<Vec<Case>> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("cannot list corpus directory {}", dir.display()))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|ext| ext == "txt"))
        .collect();
    files.sort();
    let mut cases = Vec::new();
    for path in &files {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read corpus file {}", path.display()))?;
        let file = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        cases.extend(parse(&text, &file)?);
    }
    let mut seen = std::collections::HashMap::new();
    for case in &cases {
        if let Some((file, line)) = seen.insert(case.name.as_str(), (&case.file, case.line)) {
            bail!(
                "duplicate case name {:?} at {}:{} and {}:{}",
                case.name,
                file,
                line,
                case.file,
                case.line
            );
        }
    }
    Ok(cases)
}

/// Keeps the cases whose name starts with one of the comma-separated prefixes in `filter`
/// (an empty filter keeps everything).
pub fn filter_cases(cases: Vec<Case>, filter: &str) -> Vec<Case> {
    let prefixes: Vec<&str> = filter
        .split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect();
    if prefixes.is_empty() {
        return cases;
    }
    cases
        .into_iter()
        .filter(|c| prefixes.iter().any(|p| c.name.starts_with(p)))
        .collect()
}

/// Parses one corpus file's text; `file` is only used in messages.
pub fn parse(text: &str, file: &str) -> anyhow::Result<Vec<Case>> {
    let mut cases: Vec<Case> = Vec::new();
    for (index, raw_line) in text.lines().enumerate() {
        let line = index + 1;
        let at = || format!("{file}:{line}");
        let trimmed = raw_line.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        if let Some(header) = trimmed.strip_prefix("===") {
            cases.push(parse_header(header, file, line).with_context(at)?);
            continue;
        }
        let Some(case) = cases.last_mut() else {
            bail!("{}: step before the first `=== name` header", at());
        };
        let action = parse_step(trimmed).with_context(at)?;
        case.steps.push(Step {
            line,
            text: trimmed.to_string(),
            action,
        });
    }
    if let Some(empty) = cases.iter().find(|c| c.steps.is_empty()) {
        bail!("{file}:{}: case {:?} has no steps", empty.line, empty.name);
    }
    Ok(cases)
}

fn parse_header(header: &str, file: &str, line: usize) -> anyhow::Result<Case> {
    let mut words = header.split_whitespace();
    let Some(name) = words.next() else {
        bail!("`===` without a case name");
    };
    if name.starts_with('@') {
        bail!("case name missing before option {name:?}");
    }
    let mut resp3 = false;
    for option in words {
        match option {
            "@resp3" => resp3 = true,
            other => bail!("unknown case option {other:?} (known: @resp3)"),
        }
    }
    Ok(Case {
        name: name.to_string(),
        file: file.to_string(),
        line,
        resp3,
        steps: Vec::new(),
    })
}

fn parse_step(line: &str) -> anyhow::Result<Action> {
    if let Some(rest) = line.strip_prefix('!') {
        let args = split_args(rest.as_bytes())?;
        return match args.as_slice() {
            [cmd, ms] if cmd == b"sleep" => {
                let ms: u64 = std::str::from_utf8(ms)
                    .ok()
                    .and_then(|s| s.parse().ok())
                    .context("`!sleep` needs a whole number of milliseconds")?;
                Ok(Action::Sleep(Duration::from_millis(ms)))
            }
            _ => bail!("unknown directive (known: `!sleep MS`)"),
        };
    }
    if let Some(rest) = line.strip_prefix('?') {
        let args = split_args(rest.as_bytes())?;
        if args.is_empty() {
            bail!("`?` without a command");
        }
        return Ok(Action::Command {
            args,
            type_only: true,
            frames: None,
        });
    }
    if let Some(rest) = line.strip_prefix('*') {
        let (n, cmd) = rest
            .split_once(char::is_whitespace)
            .context("`*N` needs a frame count and a command")?;
        let n: usize = n
            .parse()
            .ok()
            .filter(|&n| n > 0)
            .context("`*N` needs a positive whole number N")?;
        let args = split_args(cmd.trim().as_bytes())?;
        if args.is_empty() {
            bail!("`*N` without a command");
        }
        return Ok(Action::Command {
            args,
            type_only: false,
            frames: Some(n),
        });
    }
    let args = split_args(line.as_bytes())?;
    let first = args.first().map(Vec::as_slice).unwrap_or_default();
    if first == b"raw" || first.starts_with(b"raw*") {
        let repeat = match first.strip_prefix(b"raw*") {
            None => 1,
            Some(n) => std::str::from_utf8(n)
                .ok()
                .and_then(|s| s.parse::<usize>().ok())
                .filter(|&n| n > 0)
                .context("`raw*N` needs a positive whole number N")?,
        };
        let chunk: Vec<u8> = args.get(1..).unwrap_or_default().concat();
        if chunk.is_empty() {
            bail!("`raw` without bytes");
        }
        if chunk.len().saturating_mul(repeat) > MAX_RAW_LEN {
            bail!("`raw` payload larger than {MAX_RAW_LEN} bytes");
        }
        return Ok(Action::Raw(chunk.repeat(repeat)));
    }
    Ok(Action::Command {
        args,
        type_only: false,
        frames: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_all_step_kinds() {
        let text = "# c\n\n=== a/b @resp3\nSET k \"v w\"\n?TIME\n!sleep 5\nraw \"PING\\r\\n\"\nraw*3 ab \"c\"\n*2 SUBSCRIBE a b\n";
        let cases = parse(text, "t.txt").unwrap_or_else(|e| panic!("{e:#}"));
        assert_eq!(cases.len(), 1);
        let case = &cases[0];
        assert_eq!(
            (case.name.as_str(), case.resp3, case.line),
            ("a/b", true, 3)
        );
        let actions: Vec<&Action> = case.steps.iter().map(|s| &s.action).collect();
        assert_eq!(
            actions,
            vec![
                &Action::Command {
                    args: vec![b"SET".to_vec(), b"k".to_vec(), b"v w".to_vec()],
                    type_only: false,
                    frames: None
                },
                &Action::Command {
                    args: vec![b"TIME".to_vec()],
                    type_only: true,
                    frames: None
                },
                &Action::Sleep(Duration::from_millis(5)),
                &Action::Raw(b"PING\r\n".to_vec()),
                &Action::Raw(b"abcabcabc".to_vec()),
                &Action::Command {
                    args: vec![b"SUBSCRIBE".to_vec(), b"a".to_vec(), b"b".to_vec()],
                    type_only: false,
                    frames: Some(2)
                },
            ]
        );
        assert_eq!(case.steps[4].line, 8);
    }

    #[test]
    fn rejects_bad_corpus() {
        for bad in [
            "SET a b\n",
            "=== x\n",
            "=== x @nope\nPING\n",
            "=== x\nSET \"a\n",
            "=== x\n!sleep soon\n",
            "=== x\nraw*0 a\n",
            "=== x\n?\n",
            "=== x\n*0 PING\n",
            "=== x\n*2\n",
            "=== x\n*z PING\n",
        ] {
            assert!(parse(bad, "t").is_err(), "{bad:?} should be rejected");
        }
    }

    #[test]
    fn filters_by_prefix() {
        let cases = parse("=== a/x\nPING\n=== b/y\nPING\n=== c/z\nPING\n", "t")
            .unwrap_or_else(|e| panic!("{e:#}"));
        let names: Vec<String> = filter_cases(cases, "a/, c")
            .into_iter()
            .map(|c| c.name)
            .collect();
        assert_eq!(names, ["a/x", "c/z"]);
    }
}
