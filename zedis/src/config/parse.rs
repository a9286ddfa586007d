//! Reading configuration text the way redis-server 7.0 does: the command-line
//! assembly of `redis-server [file] [--name value ...]`, the line-by-line file
//! syntax (comments, `sdssplitargs` quoting, `include` with globs, the handful
//! of non-parameter directives) and the small C number parsers whose quirks
//! decide which values are accepted.
//!
//! This module owns syntax only. What a parameter means, its bounds and its
//! error texts live in `table.rs`; applying a parsed directive goes through
//! `Config::set_param` in `mod.rs`. It never touches sockets and never changes
//! the process working directory: `dir` is tracked in `Config::dir`, and
//! relative paths (includes, the log file) are resolved against it exactly as
//! Redis resolves them against its cwd after a `chdir`.

use std::ffi::OsStr;
use std::io::Read;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use super::table::{self, MULTI_ARG};
use super::{Config, ConfigError, SaveMode};

// The quoting and number rules are shared with the protocol and command code: one
// implementation each, in `util`.
pub(crate) use crate::util::num::{parse_f64_strict as string2d, parse_i64 as string2ll};
pub(crate) use crate::util::splitargs::{repr, split_args_owned as split_args};

/// Directives Redis 7.0 still swallows silently (name, min argc, max argc),
/// argc counting the directive itself.
const DEPRECATED: &[(&str, usize, usize)] = &[
    ("list-max-ziplist-entries", 2, 2),
    ("list-max-ziplist-value", 2, 2),
    ("lua-replicate-commands", 2, 2),
];

/// Includes nest by recursion in Redis with no limit (a self-include crashes
/// it); we stop well before the stack could suffer.
const MAX_INCLUDE_DEPTH: usize = 64;

// ---------------------------------------------------------------------------
// C-compatible byte helpers
// ---------------------------------------------------------------------------

/// `isspace()` in the C locale.
pub(crate) fn is_c_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

/// The part of `s` a C string function would see: everything before the
/// first NUL. Redis stores most values as C strings, so a NUL truncates them.
pub(crate) fn cstr(s: &[u8]) -> &[u8] {
    s.split(|&b| b == 0).next().unwrap_or(s)
}

/// Strip any of `set` from both ends (`sdstrim`).
pub(crate) fn trim<'a>(s: &'a [u8], set: &[u8]) -> &'a [u8] {
    let start = s.iter().position(|b| !set.contains(b)).unwrap_or(s.len());
    let end = s
        .iter()
        .rposition(|b| !set.contains(b))
        .map_or(start, |e| e + 1);
    s.get(start..end).unwrap_or(&[])
}

/// `sdssplitlen(s, len, " ", 1)`: plain separator split where empty input
/// gives no elements and adjacent separators give empty elements. CONFIG SET
/// splits multi-argument values this way, not with quoting rules.
pub(crate) fn split_len(s: &[u8], sep: u8) -> Vec<Vec<u8>> {
    if s.is_empty() {
        return Vec::new();
    }
    s.split(|&b| b == sep).map(<[u8]>::to_vec).collect()
}

/// Redis's `memtoull`: digits followed by an optional case-insensitive unit
/// (b, k=1000, kb=1024, m, mb, g, gb). Like the C code, an empty digit run
/// reads as 0, an over-long run saturates, and the unit multiply wraps.
pub(crate) fn memtoull(s: &[u8]) -> Option<u64> {
    let s = cstr(s);
    if s.first() == Some(&b'-') {
        return None;
    }
    let ndigits = s.iter().take_while(|b| b.is_ascii_digit()).count();
    let (digits, unit) = s.split_at(ndigits);
    let unit = unit.to_ascii_lowercase();
    let mul: u64 = match unit.as_slice() {
        b"" | b"b" => 1,
        b"k" => 1000,
        b"kb" => 1024,
        b"m" => 1000 * 1000,
        b"mb" => 1024 * 1024,
        b"g" => 1000 * 1000 * 1000,
        b"gb" => 1024 * 1024 * 1024,
        _ => return None,
    };
    if digits.len() >= 128 {
        return None;
    }
    let mut val: u64 = 0;
    for &d in digits {
        val = val
            .checked_mul(10)
            .and_then(|v| v.checked_add(u64::from(d - b'0')))
            .unwrap_or(u64::MAX);
    }
    Some(val.wrapping_mul(mul))
}

/// Outcome of the C `strtoll` emulation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct StrToLl {
    /// The (saturated) value.
    pub value: i64,
    /// `*endptr == '\0'` afterwards: the whole C string was consumed. Note
    /// that C reports this for the empty string too (value 0).
    pub complete: bool,
    /// errno was ERANGE.
    pub overflow: bool,
}

/// C `strtoll(s, &end, base)` as glibc behaves: leading white space and a
/// sign are accepted; no digits leaves `end` at the start of the string.
pub(crate) fn strtoll(s: &[u8], base: u32) -> StrToLl {
    let s = cstr(s);
    let mut i = s.iter().take_while(|&&b| is_c_space(b)).count();
    let mut negative = false;
    if let Some(&sign) = s.get(i) {
        if sign == b'+' || sign == b'-' {
            negative = sign == b'-';
            i += 1;
        }
    }
    let mut acc: u128 = 0;
    let mut ndigits = 0usize;
    while let Some(d) = s.get(i).and_then(|&b| char::from(b).to_digit(base)) {
        acc = (acc * u128::from(base) + u128::from(d)).min(u128::from(u64::MAX) + 1);
        ndigits += 1;
        i += 1;
    }
    if ndigits == 0 {
        return StrToLl {
            value: 0,
            complete: s.is_empty(),
            overflow: false,
        };
    }
    let complete = i == s.len();
    let limit = if negative {
        (i64::MAX as u128) + 1
    } else {
        i64::MAX as u128
    };
    if acc > limit {
        let value = if negative { i64::MIN } else { i64::MAX };
        return StrToLl {
            value,
            complete,
            overflow: true,
        };
    }
    let magnitude = acc as i128;
    let value = if negative { -magnitude } else { magnitude } as i64;
    StrToLl {
        value,
        complete,
        overflow: false,
    }
}

/// C `printf("%f")` followed by Redis's `trimDoubleString`.
pub(crate) fn fmt_trimmed_double(v: f64) -> String {
    let s = format!("{v:.6}");
    if !s.contains('.') {
        return s;
    }
    let t = s.trim_end_matches('0');
    t.strip_suffix('.').unwrap_or(t).to_string()
}

// ---------------------------------------------------------------------------
// Paths and globbing
// ---------------------------------------------------------------------------

pub(crate) fn bytes_to_path(b: &[u8]) -> PathBuf {
    PathBuf::from(OsStr::from_bytes(b))
}

/// Resolve `p` the way `fopen`/`chdir` would after Redis chdir'ed to `cwd`.
pub(crate) fn resolve(cwd: &Path, p: &[u8]) -> PathBuf {
    let path = bytes_to_path(p);
    if path.is_absolute() {
        path
    } else {
        cwd.join(path)
    }
}

/// `getAbsolutePath`: trim, keep absolute paths, otherwise glue to `cwd`
/// after folding leading "../" into it. No symlink resolution, on purpose.
pub(crate) fn absolute_path(name: &[u8], cwd: &Path) -> PathBuf {
    let mut rel = trim(name, b" \r\n\t").to_vec();
    if rel.first() == Some(&b'/') {
        return bytes_to_path(&rel);
    }
    let mut abs = cwd.as_os_str().as_bytes().to_vec();
    if abs.last().is_some_and(|&b| b != b'/') {
        abs.push(b'/');
    }
    while rel.starts_with(b"../") {
        rel.drain(..3);
        if abs.len() > 1 {
            // Drop the last path element, keeping its leading '/'.
            let body = abs.get(..abs.len() - 1).unwrap_or(&[]);
            let cut = body.iter().rposition(|&b| b == b'/').map_or(0, |p| p + 1);
            abs.truncate(cut);
        }
    }
    abs.extend_from_slice(&rel);
    bytes_to_path(&abs)
}

/// File-name matching for `include` wildcards: Redis expands those with the C library's
/// `glob(3)`, whose rules differ from the keyspace's `stringmatchlen` (`[!...]` negates, a
/// leading dot is special), so this is deliberately not `util::glob`.
pub(crate) fn path_glob_match(pattern: &[u8], s: &[u8], nocase: bool) -> bool {
    let fold = |b: u8| if nocase { b.to_ascii_lowercase() } else { b };
    let (mut p, mut t) = (0usize, 0usize);
    // Backtracking point for the most recent '*': (pattern idx, text idx).
    let mut star: Option<(usize, usize)> = None;
    loop {
        if let Some(&pc) = pattern.get(p) {
            match pc {
                b'*' => {
                    while pattern.get(p) == Some(&b'*') {
                        p += 1;
                    }
                    if p == pattern.len() {
                        return true;
                    }
                    star = Some((p, t));
                    continue;
                }
                _ if t < s.len() => {
                    let c = s.get(t).copied().unwrap_or(0);
                    if let Some(next_p) = match_one(pattern, p, c, &fold) {
                        p = next_p;
                        t += 1;
                        continue;
                    }
                }
                _ => {}
            }
        } else if t == s.len() {
            return true;
        }
        // Mismatch: let the last '*' swallow one more character.
        match star {
            Some((sp, st)) if st < s.len() => {
                star = Some((sp, st + 1));
                p = sp;
                t = st + 1;
            }
            _ => return false,
        }
    }
}

/// Match a single non-star pattern element at `p` against `c`; returns the
/// pattern index after the element on success.
fn match_one(pattern: &[u8], p: usize, c: u8, fold: &dyn Fn(u8) -> u8) -> Option<usize> {
    let pc = pattern.get(p).copied()?;
    match pc {
        b'?' => Some(p + 1),
        b'\\' if p + 1 < pattern.len() => {
            let lit = pattern.get(p + 1).copied()?;
            (fold(lit) == fold(c)).then_some(p + 2)
        }
        b'[' => {
            let mut q = p + 1;
            let negate = matches!(pattern.get(q), Some(b'^') | Some(b'!'));
            if negate {
                q += 1;
            }
            let mut matched = false;
            let mut first = true;
            loop {
                let b = pattern.get(q).copied()?;
                if b == b']' && !first {
                    break;
                }
                first = false;
                if b == b'\\' && q + 1 < pattern.len() {
                    let lit = pattern.get(q + 1).copied()?;
                    matched |= fold(lit) == fold(c);
                    q += 2;
                } else if pattern.get(q + 1) == Some(&b'-')
                    && pattern.get(q + 2).is_some_and(|&e| e != b']')
                {
                    let end = pattern.get(q + 2).copied()?;
                    let (lo, hi) = if b <= end { (b, end) } else { (end, b) };
                    let fc = fold(c);
                    matched |= (fold(lo)..=fold(hi)).contains(&fc) || (lo..=hi).contains(&c);
                    q += 3;
                } else {
                    matched |= fold(b) == fold(c);
                    q += 1;
                }
            }
            (matched != negate).then_some(q + 1)
        }
        _ => (fold(pc) == fold(c)).then_some(p + 1),
    }
}

fn has_glob_chars(s: &[u8]) -> bool {
    s.iter().any(|b| matches!(b, b'*' | b'?' | b'['))
}

/// POSIX `glob(pattern, 0)`: expand each wildcard path component against the
/// directory listing, hide dot files from wildcards, sort the result.
fn expand_glob(pattern: &[u8], cwd: &Path) -> Vec<PathBuf> {
    let absolute = pattern.first() == Some(&b'/');
    let mut bases: Vec<PathBuf> = vec![if absolute {
        PathBuf::from("/")
    } else {
        PathBuf::new()
    }];
    let components: Vec<&[u8]> = pattern
        .split(|&b| b == b'/')
        .filter(|c| !c.is_empty())
        .collect();
    for (idx, comp) in components.iter().enumerate() {
        let last = idx + 1 == components.len();
        let mut next = Vec::new();
        for base in &bases {
            if !has_glob_chars(comp) {
                let candidate = base.join(OsStr::from_bytes(comp));
                if last || cwd.join(&candidate).is_dir() {
                    next.push(candidate);
                }
                continue;
            }
            let dir = cwd.join(base);
            let Ok(entries) = std::fs::read_dir(if dir.as_os_str().is_empty() {
                Path::new(".")
            } else {
                &dir
            }) else {
                continue;
            };
            let mut names: Vec<Vec<u8>> = entries
                .filter_map(Result::ok)
                .map(|e| e.file_name().as_bytes().to_vec())
                .filter(|n| comp.first() == Some(&b'.') || n.first() != Some(&b'.'))
                .filter(|n| path_glob_match(comp, n, false))
                .collect();
            names.sort();
            for n in names {
                let candidate = base.join(OsStr::from_bytes(&n));
                if last || cwd.join(&candidate).is_dir() {
                    next.push(candidate);
                }
            }
        }
        bases = next;
    }
    // Non-wildcard final components were not checked for existence above.
    bases.retain(|p| cwd.join(p).exists());
    bases.sort();
    bases
}

/// The message `strerror(errno)` would give for an I/O error.
pub(crate) fn strerror(e: &std::io::Error) -> String {
    let s = e.to_string();
    match s.find(" (os error ") {
        Some(i) => s.get(..i).unwrap_or(&s).to_string(),
        None => s,
    }
}

/// Read a config file as `fgets` + `sdscat` would: a NUL byte cuts off the
/// remainder of its line.
fn read_config_bytes(path: &Path) -> std::io::Result<Vec<u8>> {
    let mut raw = Vec::new();
    std::fs::File::open(path)?.read_to_end(&mut raw)?;
    if !raw.contains(&0) {
        return Ok(raw);
    }
    let mut out = Vec::with_capacity(raw.len());
    for chunk in raw.split_inclusive(|&b| b == b'\n') {
        let ends_nl = chunk.last() == Some(&b'\n');
        let kept = cstr(chunk);
        out.extend_from_slice(kept);
        if ends_nl && kept.len() != chunk.len() {
            out.push(b'\n');
        }
    }
    Ok(out)
}

// ---------------------------------------------------------------------------
// Command line
// ---------------------------------------------------------------------------

/// What `redis-server`'s `main()` extracts from its arguments.
#[derive(Debug, Default)]
pub(crate) struct CommandLine {
    /// The first argument, when it does not start with '-'.
    pub config_file: Option<String>,
    /// A lone "-" as first or last argument: read config from stdin.
    pub stdin: bool,
    /// The `--name value` options rendered as config lines.
    pub options: Vec<u8>,
}

/// Turn arguments (program name excluded) into config text like Redis:
/// `--name` starts a line, following arguments are quoted values until the
/// next `--opt`; a bare `--name` takes the next argument whatever it looks
/// like, except that `--save` followed by an option (or nothing) means
/// `save ""`.
pub(crate) fn assemble_command_line(args: &[String]) -> CommandLine {
    let mut cl = CommandLine::default();
    let n = args.len();
    let mut j = 0;
    if let Some(first) = args.first() {
        if !first.starts_with('-') {
            cl.config_file = Some(first.clone());
            j = 1;
        }
    }
    let mut last_option_has_value = true;
    while j < n {
        let arg = args.get(j).map(String::as_bytes).unwrap_or(b"");
        let next_is_option = args.get(j + 1).is_some_and(|a| a.starts_with("--"));
        if arg == b"-" && (j == 0 || j + 1 == n) {
            cl.stdin = true;
        } else if last_option_has_value && arg.starts_with(b"--") {
            if !cl.options.is_empty() {
                cl.options.push(b'\n');
            }
            cl.options.extend_from_slice(arg.get(2..).unwrap_or(b""));
            cl.options.push(b' ');
            let words = split_args(arg).map(|v| v.len());
            if words == Some(1) {
                last_option_has_value = false;
                let is_save = arg.eq_ignore_ascii_case(b"--save");
                let is_sentinel = arg.eq_ignore_ascii_case(b"--sentinel");
                if is_save && next_is_option {
                    cl.options.extend_from_slice(b"\"\"");
                    last_option_has_value = true;
                } else if is_save && j + 1 == n {
                    cl.options.extend_from_slice(b"\"\"");
                } else if is_sentinel && next_is_option {
                    last_option_has_value = true;
                }
            } else {
                last_option_has_value = true;
            }
        } else {
            cl.options.extend_from_slice(&repr(arg));
            cl.options.push(b' ');
            last_option_has_value = true;
        }
        j += 1;
    }
    cl
}

// ---------------------------------------------------------------------------
// Loader
// ---------------------------------------------------------------------------

/// One contiguous piece of the text handed to `load_text`, used only to say
/// where a failing line came from.
pub(crate) struct Segment {
    pub origin: String,
    /// Byte offset one past the segment's end in the combined text.
    pub end: usize,
}

/// State of one `loadServerConfig` run, including Redis's quirky globals.
pub(crate) struct Loader<'a> {
    pub cfg: &'a mut Config,
    /// Redis's `reading_config_file`: while set, successive `save` lines
    /// accumulate. Redis clears it when ANY nested load finishes, so lines
    /// after an `include` replace `save` instead; we reproduce that.
    reading: bool,
    /// Redis's function-static `save_loaded`: the first `save` line drops the
    /// built-in defaults, later ones append.
    save_loaded: bool,
    depth: usize,
}

impl<'a> Loader<'a> {
    pub(crate) fn new(cfg: &'a mut Config) -> Self {
        Loader {
            cfg,
            reading: false,
            save_loaded: false,
            depth: 0,
        }
    }

    /// `loadServerConfig(filename, ...)` for a file name as written in an
    /// `include` directive or on the command line.
    pub(crate) fn load_file(&mut self, name: &[u8]) -> Result<(), ConfigError> {
        if self.depth >= MAX_INCLUDE_DEPTH {
            return Err(ConfigError::Open {
                path: String::from_utf8_lossy(name).into_owned(),
                reason: "too many levels of nested include".into(),
            });
        }
        let content = self.read_named(name)?;
        let Some(content) = content else {
            return Ok(());
        };
        let origin = String::from_utf8_lossy(name).into_owned();
        let end = content.len();
        self.depth += 1;
        let r = self.load_text(&content, &[Segment { origin, end }]);
        self.depth -= 1;
        r
    }

    /// Read a config file, expanding wildcards. `Ok(None)` is a wildcard that
    /// matched nothing, which Redis skips silently.
    pub(crate) fn read_named(&self, name: &[u8]) -> Result<Option<Vec<u8>>, ConfigError> {
        let open_err = |path: &Path, e: &std::io::Error| ConfigError::Open {
            path: path.display().to_string(),
            reason: strerror(e),
        };
        if has_glob_chars(name) {
            let matches = expand_glob(name, &self.cfg.dir);
            if matches.is_empty() {
                return Ok(None);
            }
            let mut all = Vec::new();
            for m in matches {
                let full = self.cfg.dir.join(&m);
                all.extend(read_config_bytes(&full).map_err(|e| open_err(&m, &e))?);
            }
            return Ok(Some(all));
        }
        let full = resolve(&self.cfg.dir, name);
        read_config_bytes(&full)
            .map(Some)
            .map_err(|e| open_err(&bytes_to_path(name), &e))
    }

    /// `loadServerConfigFromString`.
    pub(crate) fn load_text(
        &mut self,
        text: &[u8],
        segments: &[Segment],
    ) -> Result<(), ConfigError> {
        self.reading = true;
        let mut offset = 0usize;
        for (i, raw_line) in split_len(text, b'\n').iter().enumerate() {
            let line_start = offset;
            offset += raw_line.len() + 1;
            let line = trim(raw_line, b" \t\r\n");
            if line.is_empty() || line.first() == Some(&b'#') {
                continue;
            }
            let fail = |reason: String| {
                let origin = segments
                    .iter()
                    .find(|s| line_start < s.end)
                    .or(segments.last())
                    .map_or_else(String::new, |s| s.origin.clone());
                ConfigError::Directive {
                    origin,
                    line: Some(i + 1),
                    text: String::from_utf8_lossy(line).into_owned(),
                    reason,
                }
            };
            self.directive(line).map_err(|e| match e {
                DirectiveError::Reason(r) => fail(r),
                DirectiveError::Nested(e) => e,
            })?;
        }
        let finished = self.finish();
        self.reading = false;
        finished
    }

    /// Handle one non-comment line.
    fn directive(&mut self, line: &[u8]) -> Result<(), DirectiveError> {
        let Some(mut argv) = split_args(line) else {
            return Err("Unbalanced quotes in configuration line".into());
        };
        let Some(first) = argv.first_mut() else {
            return Ok(());
        };
        first.make_ascii_lowercase();
        let name = first.clone();
        let argc = argv.len();
        let args = argv.get(1..).unwrap_or(&[]);

        if let Some(idx) = table::lookup(&name) {
            let param = table::param(idx);
            let multi = param.flags & MULTI_ARG != 0;
            if !multi && argc != 2 {
                return Err("wrong number of arguments".into());
            }
            let save_mode = if self.reading && self.save_loaded {
                SaveMode::Append
            } else {
                SaveMode::Replace
            };
            // A multi-argument directive given as one non-empty argument is
            // split again, which is what makes `--bind "a b"` work.
            let resplit;
            let args = match args {
                [one] if multi && !one.is_empty() => {
                    resplit = split_args(one)
                        .ok_or("Unbalanced quotes in configuration line".to_string())?;
                    resplit.as_slice()
                }
                _ => args,
            };
            self.cfg
                .set_param(idx, args, save_mode)
                .map_err(DirectiveError::Reason)?;
            if param.name == "save" && self.reading {
                self.save_loaded = true;
            }
            return Ok(());
        }
        if DEPRECATED
            .iter()
            .any(|&(n, lo, hi)| n.as_bytes() == name.as_slice() && (lo..=hi).contains(&argc))
        {
            return Ok(());
        }
        match (name.as_slice(), args) {
            (b"include", [path]) => {
                let path = path.clone();
                self.load_file(&path).map_err(DirectiveError::Nested)
            }
            (b"rename-command", [_, _]) => Err("rename-command is not supported by zedis".into()),
            (b"user", [_, ..]) => {
                self.cfg.user_directives.push(args.to_vec());
                Ok(())
            }
            (b"loadmodule", [_, ..]) => Err("loadmodule is not supported by zedis".into()),
            (n, _) if n.contains(&b'.') => Err(if args.is_empty() {
                "Module config specified without value".into()
            } else {
                "Module Configuration detected without loadmodule directive or no ApplyConfig call: aborting".into()
            }),
            (b"sentinel", []) => Ok(()),
            (b"sentinel", _) => Err("sentinel directive while not in sentinel mode".into()),
            _ => Err("Bad directive or wrong number of arguments".into()),
        }
    }

    /// The checks Redis runs after every (also nested) load.
    fn finish(&mut self) -> Result<(), ConfigError> {
        let whole = |reason: String| ConfigError::Directive {
            origin: String::new(),
            line: None,
            text: String::new(),
            reason,
        };
        if !self.cfg.logfile.is_empty() {
            let path = resolve(&self.cfg.dir, self.cfg.logfile.as_bytes());
            std::fs::OpenOptions::new()
                .append(true)
                .create(true)
                .open(path)
                .map_err(|e| whole(format!("Can't open the log file: {}", strerror(&e))))?;
        }
        if self.cfg.cluster_enabled() && self.cfg.replicaof().is_some() {
            return Err(whole(
                "replicaof directive not allowed in cluster mode".into(),
            ));
        }
        self.cfg.hz = self.cfg.hz.clamp(table::MIN_HZ, table::MAX_HZ);
        Ok(())
    }
}

enum DirectiveError {
    /// A reason to report against the current line.
    Reason(String),
    /// An error from an included file, already located.
    Nested(ConfigError),
}

impl From<&str> for DirectiveError {
    fn from(s: &str) -> Self {
        DirectiveError::Reason(s.to_string())
    }
}

impl From<String> for DirectiveError {
    fn from(s: String) -> Self {
        DirectiveError::Reason(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(line: &str) -> Option<Vec<String>> {
        split_args(line.as_bytes()).map(|v| {
            v.into_iter()
                .map(|a| String::from_utf8_lossy(&a).into_owned())
                .collect()
        })
    }

    #[test]
    fn split_args_plain_and_quotes() {
        assert_eq!(args("set a b").unwrap(), ["set", "a", "b"]);
        assert_eq!(args("  a\t b  ").unwrap(), ["a", "b"]);
        assert_eq!(args("").unwrap(), Vec::<String>::new());
        assert_eq!(args("\"a b\" c").unwrap(), ["a b", "c"]);
        assert_eq!(args("\"\"").unwrap(), [""]);
        assert_eq!(args("'it\\'s' x").unwrap(), ["it's", "x"]);
        // Single quotes only know \'.
        assert_eq!(args("'a\\nb'").unwrap(), ["a\\nb"]);
        // A quote inside a bare word opens a quoted section of that word.
        assert_eq!(args("a\"b c\"").unwrap(), ["ab c"]);
    }

    #[test]
    fn split_args_escapes() {
        let v = split_args(b"\"\\n\\r\\t\\b\\a\\\\\\\"\\x41\\x4a\\xzz\\q\"").unwrap();
        assert_eq!(v, vec![b"\n\r\t\x08\x07\\\"AJxzzq".to_vec()]);
        // \x00 terminates nothing inside the argument itself.
        assert_eq!(split_args(b"\"a\\x00b\"").unwrap(), vec![b"a\0b".to_vec()]);
    }

    #[test]
    fn split_args_unbalanced() {
        assert!(args("\"abc").is_none());
        assert!(args("'abc").is_none());
        assert!(args("\"abc\"x").is_none());
        assert!(args("'abc'x").is_none());
        assert!(args("\"abc\\\"").is_none());
    }

    #[test]
    fn split_len_like_sds() {
        assert!(split_len(b"", b' ').is_empty());
        assert_eq!(
            split_len(b"a  b", b' '),
            vec![b"a".to_vec(), vec![], b"b".to_vec()]
        );
        assert_eq!(split_len(b"a ", b' '), vec![b"a".to_vec(), vec![]]);
    }

    #[test]
    fn repr_round_trips() {
        let raw = b"a b\"c\\\n\t\x01\xff'".to_vec();
        let r = repr(&raw);
        assert_eq!(r, b"\"a b\\\"c\\\\\\n\\t\\x01\\xff'\"".to_vec());
        assert_eq!(split_args(&r).unwrap(), vec![raw]);
    }

    #[test]
    fn string2ll_is_strict() {
        assert_eq!(string2ll(b"0"), Some(0));
        assert_eq!(string2ll(b"-1"), Some(-1));
        assert_eq!(string2ll(b"9223372036854775807"), Some(i64::MAX));
        assert_eq!(string2ll(b"-9223372036854775808"), Some(i64::MIN));
        for bad in [
            "",
            "-",
            "+5",
            "007",
            "-0",
            " 5",
            "5 ",
            "1.5",
            "9223372036854775808",
        ] {
            assert_eq!(string2ll(bad.as_bytes()), None, "{bad:?}");
        }
    }

    #[test]
    fn memtoull_units() {
        assert_eq!(memtoull(b"1k"), Some(1000));
        assert_eq!(memtoull(b"1KB"), Some(1024));
        assert_eq!(memtoull(b"2m"), Some(2_000_000));
        assert_eq!(memtoull(b"2Mb"), Some(2 << 20));
        assert_eq!(memtoull(b"3g"), Some(3_000_000_000));
        assert_eq!(memtoull(b"1gB"), Some(1 << 30));
        assert_eq!(memtoull(b"7b"), Some(7));
        assert_eq!(memtoull(b""), Some(0));
        assert_eq!(memtoull(b"kb"), Some(0));
        assert_eq!(memtoull(b"18446744073709551616"), Some(u64::MAX));
        assert_eq!(
            memtoull(b"99999999999999999999gb"),
            Some(18446744072635809792)
        );
        for bad in ["-1", "1x", "1 kb", " 1", "+1", "1kbb"] {
            assert_eq!(memtoull(bad.as_bytes()), None, "{bad:?}");
        }
    }

    #[test]
    fn strtoll_like_glibc() {
        let r = strtoll(b"  -12", 10);
        assert_eq!((r.value, r.complete, r.overflow), (-12, true, false));
        let r = strtoll(b"", 10);
        assert_eq!((r.value, r.complete), (0, true));
        let r = strtoll(b" ", 10);
        assert!(!r.complete);
        let r = strtoll(b"12x", 10);
        assert_eq!((r.value, r.complete), (12, false));
        let r = strtoll(b"99999999999999999999", 10);
        assert_eq!((r.value, r.overflow), (i64::MAX, true));
        let r = strtoll(b"777", 8);
        assert_eq!(r.value, 0o777);
        assert!(!strtoll(b"8", 8).complete);
    }

    #[test]
    fn doubles() {
        assert_eq!(string2d(b"99.9"), Some(99.9));
        assert_eq!(string2d(b"1e2"), Some(100.0));
        assert_eq!(string2d(b" 1"), None);
        assert_eq!(string2d(b"abc"), None);
        assert_eq!(string2d(b"nan"), None);
        assert_eq!(string2d(b"1e400"), None);
        assert_eq!(string2d(b"1e-400"), None);
        assert_eq!(fmt_trimmed_double(50.0), "50");
        assert_eq!(fmt_trimmed_double(99.9), "99.9");
        assert_eq!(fmt_trimmed_double(99.99999), "99.99999");
        assert_eq!(fmt_trimmed_double(0.1234567), "0.123457");
    }

    #[test]
    fn absolute_path_like_redis() {
        let cwd = Path::new("/a/b/c");
        assert_eq!(
            absolute_path(b"x.conf", cwd),
            PathBuf::from("/a/b/c/x.conf")
        );
        assert_eq!(
            absolute_path(b"../x.conf", cwd),
            PathBuf::from("/a/b/x.conf")
        );
        assert_eq!(absolute_path(b"../../../../x", cwd), PathBuf::from("/x"));
        assert_eq!(
            absolute_path(b" /etc/r.conf\n", cwd),
            PathBuf::from("/etc/r.conf")
        );
        assert_eq!(absolute_path(b"./y", Path::new("/")), PathBuf::from("/./y"));
    }

    #[test]
    fn glob_matching() {
        assert!(path_glob_match(b"*.conf", b"a.conf", false));
        assert!(!path_glob_match(b"*.conf", b"a.confx", false));
        assert!(path_glob_match(b"a?c", b"abc", false));
        assert!(path_glob_match(b"[a-c]x", b"bx", false));
        assert!(!path_glob_match(b"[^a-c]x", b"bx", false));
        assert!(path_glob_match(b"[!a-c]x", b"dx", false));
        assert!(path_glob_match(b"\\*", b"*", false));
        assert!(path_glob_match(b"MAX*", b"maxmemory", true));
        assert!(!path_glob_match(b"MAX*", b"maxmemory", false));
        assert!(path_glob_match(b"*a*b*", b"xxaxxbxx", false));
        assert!(!path_glob_match(b"[abc", b"a", false));
    }

    fn cmdline(a: &[&str]) -> CommandLine {
        let v: Vec<String> = a.iter().map(|s| s.to_string()).collect();
        assemble_command_line(&v)
    }

    #[test]
    fn command_line_assembly() {
        let c = cmdline(&["/etc/z.conf", "--port", "7000", "--bind", "127.0.0.1 -::1"]);
        assert_eq!(c.config_file.as_deref(), Some("/etc/z.conf"));
        assert_eq!(
            String::from_utf8_lossy(&c.options),
            "port \"7000\" \nbind \"127.0.0.1 -::1\" "
        );
        let c = cmdline(&["--save", "--port", "1"]);
        assert_eq!(c.config_file, None);
        assert_eq!(
            String::from_utf8_lossy(&c.options),
            "save \"\"\nport \"1\" "
        );
        let c = cmdline(&["--port", "1", "--save"]);
        assert_eq!(
            String::from_utf8_lossy(&c.options),
            "port \"1\" \nsave \"\""
        );
        // A bare option swallows the next argument even if it looks like one.
        let c = cmdline(&["--masterauth", "--foo"]);
        assert_eq!(String::from_utf8_lossy(&c.options), "masterauth \"--foo\" ");
        let c = cmdline(&["--port 7001", "--maxmemory", "3mb"]);
        assert_eq!(
            String::from_utf8_lossy(&c.options),
            "port 7001 \nmaxmemory \"3mb\" "
        );
        let c = cmdline(&["--save", "900", "1", "300", "10"]);
        assert_eq!(
            String::from_utf8_lossy(&c.options),
            "save \"900\" \"1\" \"300\" \"10\" "
        );
        let c = cmdline(&["-", "--port", "1"]);
        assert!(c.stdin);
        let c = cmdline(&["z.conf", "--port", "1", "-"]);
        assert!(c.stdin);
        let c = cmdline(&["--port", "-", "--x"]);
        assert!(!c.stdin);
    }
}
