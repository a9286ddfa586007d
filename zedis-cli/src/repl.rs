//! The interactive prompt (rustyline) and its non-terminal twin, one command per stdin line.
//!
//! Both split lines as redis-cli does (`sdssplitargs`), handle `N command` repeats, `quit`,
//! `connect`, `clear`, `help`, `:set` preferences, and hand commands to the [`Session`]. The
//! terminal prompt adds history (never storing secrets), hints, completion, highlighting, a
//! pager for tall replies and confirmation of dangerous commands. Rendering and the wire are
//! not its business.

use std::borrow::Cow;
use std::cell::{Cell, RefCell};
use std::collections::BTreeSet;
use std::io::{self, BufRead, IsTerminal, Write};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::rc::Rc;
use std::time::Instant;

use rustyline::completion::Completer;
use rustyline::error::ReadlineError;
use rustyline::highlight::{CmdKind, Highlighter};
use rustyline::hint::Hinter;
use rustyline::history::DefaultHistory;
use rustyline::validate::Validator;
use rustyline::{Context, Editor, Helper};
use zedis::client::Endpoint;
use zedis::commands::table::COMMANDS;
use zedis::resp::Frame;
use zedis::util::splitargs::split_args_owned;

use crate::help::{self, CommandDoc};

/// `println!` that shrugs off a closed stdout (the REPL ignores SIGPIPE, and a panic on
/// a vanished reader would help nobody).
macro_rules! say {
    ($($arg:tt)*) => {{
        let _ = writeln!(io::stdout(), $($arg)*);
    }};
}

/// `print!` with a flush, likewise.
macro_rules! ask {
    ($($arg:tt)*) => {{
        let mut out = io::stdout();
        let _ = write!(out, $($arg)*);
        let _ = out.flush();
    }};
}
use crate::render::OutputMode;
use crate::session::{Outcome, Session};

/// User preferences (`:set ...`, `~/.zedisclirc`).
#[derive(Clone, Debug)]
pub struct Prefs {
    pub hints: bool,
    pub pager: bool,
}

impl Default for Prefs {
    fn default() -> Self {
        Prefs {
            hints: true,
            pager: true,
        }
    }
}

/// Whether a command carries a secret and must stay out of the history file (redis-cli's
/// `isSensitiveCommand`).
pub fn is_sensitive(argv: &[Vec<u8>]) -> bool {
    let eq = |i: usize, s: &str| {
        argv.get(i)
            .is_some_and(|a| a.eq_ignore_ascii_case(s.as_bytes()))
    };
    let argc = argv.len();
    if eq(0, "auth") {
        return true;
    }
    if argc > 1 && eq(0, "acl") && eq(1, "setuser") {
        return true;
    }
    if argc > 2
        && eq(0, "config")
        && eq(1, "set")
        && (eq(2, "masterauth") || eq(2, "masteruser") || eq(2, "requirepass"))
    {
        return true;
    }
    if argc > 4 && eq(0, "hello") {
        let mut j = 2;
        while j < argc {
            let more = argc - 1 - j;
            if eq(j, "auth") && more >= 2 {
                return true;
            } else if eq(j, "setname") && more > 0 {
                j += 1;
            } else {
                return false;
            }
            j += 1;
        }
    }
    if argc > 7 && eq(0, "migrate") {
        for j in 6..argc {
            let more = argc - 1 - j;
            if (eq(j, "auth") && more > 0) || (eq(j, "auth2") && more >= 2) {
                return true;
            }
            if eq(j, "keys") && more > 0 {
                return false;
            }
        }
    }
    false
}

/// Commands that ask "are you sure" at the prompt.
pub fn is_dangerous(argv: &[Vec<u8>]) -> bool {
    let eq = |i: usize, s: &str| {
        argv.get(i)
            .is_some_and(|a| a.eq_ignore_ascii_case(s.as_bytes()))
    };
    eq(0, "flushall")
        || eq(0, "flushdb")
        || eq(0, "shutdown")
        || eq(0, "debug")
        || (eq(0, "keys") && argv.len() == 2 && argv[1] == b"*")
}

/// redis-cli's repeat prefix: a first word that is a whole number (strtol), with more words
/// after it. `Some(Err)` for a number that is not a valid count.
fn repeat_prefix(argv: &[Vec<u8>]) -> Option<Result<i64, ()>> {
    if argv.len() < 2 {
        return None;
    }
    let s = std::str::from_utf8(&argv[0]).ok()?;
    let t = s.trim_start();
    let digits = t.strip_prefix(['+', '-']).unwrap_or(t);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    match t.parse::<i64>() {
        Ok(n) if n > 0 => Some(Ok(n)),
        _ => Some(Err(())),
    }
}

/// A path from an environment override or a dot file in $HOME; `None` for `/dev/null`.
fn dotfile(env: &str, name: &str) -> Option<PathBuf> {
    match std::env::var_os(env) {
        Some(p) if !p.is_empty() => {
            if p == "/dev/null" {
                None
            } else {
                Some(PathBuf::from(p))
            }
        }
        _ => std::env::var_os("HOME").map(|h| PathBuf::from(h).join(name)),
    }
}

fn color_enabled() -> bool {
    std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// What the REPL keeps across lines.
struct State {
    prefs: Rc<RefCell<Prefs>>,
    docs: Rc<RefCell<Vec<CommandDoc>>>,
    keys: Rc<RefCell<BTreeSet<String>>>,
    /// stdin is a terminal: history, confirmations, pager.
    tty: bool,
}

enum Control {
    Continue,
    Exit,
}

/// Sets a preference from a `:set` line; messages go to stdout as redis-cli's do.
fn set_pref(prefs: &mut Prefs, argv: &[Vec<u8>], interactive: bool) {
    let from = if interactive { "" } else { ".zedisclirc: " };
    let word = |i: usize| String::from_utf8_lossy(&argv[i]).to_lowercase();
    if word(0) == ":set" && argv.len() >= 2 {
        match word(1).as_str() {
            "hints" => prefs.hints = true,
            "nohints" => prefs.hints = false,
            "pager" => prefs.pager = true,
            "nopager" => prefs.pager = false,
            other => say!("{from}unknown zedis-cli preference '{other}'"),
        }
    } else {
        say!("{from}unknown zedis-cli internal command '{}'", word(0));
    }
}

fn load_rc(prefs: &mut Prefs) {
    let Some(path) = dotfile("ZEDISCLI_RCFILE", ".zedisclirc") else {
        return;
    };
    let Ok(text) = std::fs::read(&path) else {
        return;
    };
    for line in text.split(|&b| b == b'\n') {
        if let Some(argv) = split_args_owned(line) {
            if !argv.is_empty() {
                set_pref(prefs, &argv, false);
            }
        }
    }
}

/// The argument positions that hold key names for a command of `argc` words (zedis's
/// table: first key, last key, step).
fn key_indexes(name: &[u8], argc: usize) -> Vec<usize> {
    let Some(spec) = COMMANDS
        .iter()
        .find(|c| c.name.as_bytes().eq_ignore_ascii_case(name))
    else {
        return Vec::new();
    };
    let mut out = Vec::new();
    if spec.first_key > 0 && spec.step > 0 {
        let last = if spec.last_key < 0 {
            argc as i64 + i64::from(spec.last_key)
        } else {
            i64::from(spec.last_key)
        };
        let mut i = i64::from(spec.first_key);
        while i <= last && (i as usize) < argc {
            out.push(i as usize);
            i += i64::from(spec.step);
        }
    }
    out
}

/// Remembers key names from a command's key positions (zedis's table) and from KEYS / SCAN
/// replies, for completion. Never asks the server.
fn track_keys(keys: &mut BTreeSet<String>, argv: &[Vec<u8>], reply: Option<&Frame>) {
    let Some(name) = argv.first() else { return };
    let Some(spec) = COMMANDS
        .iter()
        .find(|c| c.name.as_bytes().eq_ignore_ascii_case(name))
    else {
        return;
    };
    for i in key_indexes(name, argv.len()) {
        if let Ok(k) = std::str::from_utf8(&argv[i]) {
            keys.insert(k.to_string());
        }
    }
    let mut add_all = |items: &[Frame]| {
        for f in items {
            if let Frame::Bulk(b) = f {
                if let Ok(k) = std::str::from_utf8(b) {
                    keys.insert(k.to_string());
                }
            }
        }
    };
    match (spec.name, reply) {
        ("keys", Some(Frame::Array(items))) => add_all(items),
        ("scan", Some(Frame::Array(parts))) => {
            if let Some(Frame::Array(items)) = parts.get(1) {
                add_all(items);
            }
        }
        _ => {}
    }
}

/// Handles one line; `out` receives rendered replies.
fn handle_line(
    session: &mut Session,
    state: &State,
    argv: Vec<Vec<u8>>,
    out: &mut dyn Write,
) -> Control {
    let (repeat, argv) = match repeat_prefix(&argv) {
        Some(Ok(n)) => (n, argv[1..].to_vec()),
        Some(Err(())) => {
            say!("Invalid zedis-cli repeat command option value.");
            return Control::Continue;
        }
        None => (1, argv),
    };
    let word = |i: usize| {
        argv.get(i)
            .map(|a| String::from_utf8_lossy(a).to_lowercase())
            .unwrap_or_default()
    };
    let first = word(0);
    if first == "quit" || first == "exit" {
        return Control::Exit;
    }
    if first.starts_with(':') {
        set_pref(&mut state.prefs.borrow_mut(), &argv, true);
        return Control::Continue;
    }
    if first == "help" || first == "?" {
        let topics: Vec<String> = argv[1..]
            .iter()
            .map(|a| String::from_utf8_lossy(a).into_owned())
            .collect();
        if !topics.is_empty() && state.docs.borrow().is_empty() {
            // The line mode loads the docs only when first asked for.
            let docs = load_docs(session);
            *state.docs.borrow_mut() = docs;
        }
        let text = if topics.is_empty() {
            help::general_help(zedis::VERSION)
        } else {
            help::topic_help(&state.docs.borrow(), &topics, color_enabled())
        };
        let _ = out.write_all(text.as_bytes());
        return Control::Continue;
    }
    if argv.len() == 3 && first == "connect" {
        let host = String::from_utf8_lossy(&argv[1]).into_owned();
        let port = String::from_utf8_lossy(&argv[2]).parse().unwrap_or(0);
        session.cfg.endpoint = Endpoint::Tcp { host, port };
        session.connect(false);
        return Control::Continue;
    }
    if argv.len() == 1 && first == "clear" {
        // The terminal REPL clears through rustyline before getting here; the line mode
        // writes the same escape linenoise does.
        let _ = out.write_all(b"\x1b[H\x1b[2J");
        return Control::Continue;
    }
    if state.tty && is_dangerous(&argv) && !confirm(&argv) {
        return Control::Continue;
    }
    let start = Instant::now();
    let outcome = session.issue(&argv, repeat, out);
    if outcome == Outcome::Ok {
        let reply = session.last_reply.take();
        track_keys(&mut state.keys.borrow_mut(), &argv, reply.as_ref());
    }
    let elapsed = start.elapsed();
    if elapsed.as_millis() >= 500 && session.cfg.style.mode == OutputMode::Tty {
        let _ = writeln!(out, "({:.2}s)", elapsed.as_secs_f64());
    }
    Control::Continue
}

/// Asks before a dangerous command; anything but y/yes declines.
fn confirm(argv: &[Vec<u8>]) -> bool {
    let line = argv
        .iter()
        .map(|a| String::from_utf8_lossy(a).into_owned())
        .collect::<Vec<_>>()
        .join(" ");
    ask!("Do you really want to run '{line}'? (y/N) ");
    let mut answer = String::new();
    if io::stdin().lock().read_line(&mut answer).is_err() {
        return false;
    }
    matches!(answer.trim().to_lowercase().as_str(), "y" | "yes")
}

/// Reads a password from the terminal without echoing it.
pub fn ask_password(prompt: &str) -> io::Result<String> {
    let stdin = io::stdin();
    let tty = stdin.is_terminal();
    ask!("{prompt}");
    // SAFETY: termios calls on fd 0 with a zeroed struct filled by tcgetattr.
    let saved = if tty {
        unsafe {
            let mut t: libc::termios = std::mem::zeroed();
            if libc::tcgetattr(0, &mut t) == 0 {
                let orig = t;
                t.c_lflag &= !libc::ECHO;
                libc::tcsetattr(0, libc::TCSANOW, &t);
                Some(orig)
            } else {
                None
            }
        }
    } else {
        None
    };
    let mut line = String::new();
    let r = stdin.lock().read_line(&mut line);
    if let Some(orig) = saved {
        // SAFETY: restores the settings read above.
        unsafe {
            libc::tcsetattr(0, libc::TCSANOW, &orig);
        }
        say!();
    }
    r?;
    Ok(line.trim_end_matches(['\n', '\r']).to_string())
}

/// The REPL (or the stdin line mode); returns the exit code.
pub fn run(session: &mut Session) -> i32 {
    let tty = io::stdin().is_terminal();
    let mut prefs = Prefs::default();
    if tty {
        load_rc(&mut prefs);
    }
    let docs = if tty { load_docs(session) } else { Vec::new() };
    let state = State {
        prefs: Rc::new(RefCell::new(prefs)),
        docs: Rc::new(RefCell::new(docs)),
        keys: Rc::new(RefCell::new(BTreeSet::new())),
        tty,
    };
    if tty {
        session.cfg.keep_subscriptions = true;
        interactive(session, &state)
    } else {
        line_mode(session, &state)
    }
}

/// COMMAND DOCS from the server, else the built-in table.
fn load_docs(session: &mut Session) -> Vec<CommandDoc> {
    if session.conn.is_some() {
        if let Ok(reply) = session.query(&["COMMAND", "DOCS"]) {
            if let Some(docs) = help::from_command_docs(&reply) {
                return docs;
            }
        }
    }
    help::builtin()
}

fn line_mode(session: &mut Session, state: &State) -> i32 {
    let stdin = io::stdin();
    let mut input = stdin.lock();
    let stdout = io::stdout();
    let mut line = Vec::new();
    loop {
        line.clear();
        match input.read_until(b'\n', &mut line) {
            Ok(0) | Err(_) => return 0,
            Ok(_) => {}
        }
        if line.last() == Some(&b'\n') {
            line.pop();
        }
        if line.is_empty() {
            continue;
        }
        let Some(argv) = split_args_owned(&line) else {
            say!("Invalid argument(s)");
            continue;
        };
        if argv.is_empty() {
            continue;
        }
        let mut out = stdout.lock();
        if let Control::Exit = handle_line(session, state, argv, &mut out) {
            return 0;
        }
    }
}

/// The rustyline helper: hints, completion and highlighting from the command docs.
struct ZHelper {
    docs: Rc<RefCell<Vec<CommandDoc>>>,
    keys: Rc<RefCell<BTreeSet<String>>>,
    prefs: Rc<RefCell<Prefs>>,
    color: bool,
    /// Set while the hint shown is a command hint (so highlight_hint greys it).
    hinting: Cell<bool>,
}

impl Hinter for ZHelper {
    type Hint = String;
    fn hint(&self, line: &str, pos: usize, _ctx: &Context<'_>) -> Option<String> {
        if pos < line.len() || !self.prefs.borrow().hints {
            return None;
        }
        let h = help::hint(&self.docs.borrow(), line);
        self.hinting.set(h.is_some());
        h
    }
}

/// Completion candidates for the word under the cursor.
pub fn complete_word(
    docs: &[CommandDoc],
    keys: &BTreeSet<String>,
    line: &str,
) -> (usize, Vec<String>) {
    let start = line.rfind(' ').map(|i| i + 1).unwrap_or(0);
    let prefix = &line[start..];
    let before: Vec<&str> = line[..start].split_whitespace().collect();
    let upper = prefix.chars().any(|c| c.is_ascii_uppercase()) || prefix.is_empty();
    let case = |s: &str| {
        if upper {
            s.to_uppercase()
        } else {
            s.to_lowercase()
        }
    };
    let matches = |cand: &str| {
        cand.len() >= prefix.len()
            && cand.as_bytes()[..prefix.len()].eq_ignore_ascii_case(prefix.as_bytes())
    };
    let mut out: Vec<String> = Vec::new();
    let firsts = || {
        let mut v: Vec<String> = docs
            .iter()
            .map(|d| d.name.split(' ').next().unwrap_or("").to_string())
            .collect();
        v.dedup();
        v
    };
    match before.as_slice() {
        [] => {
            out.extend(firsts().iter().filter(|c| matches(c)).map(|c| case(c)));
            if matches("help") {
                out.push(case("help"));
            }
        }
        [h] if h.eq_ignore_ascii_case("help") => {
            // `help <tab>` offers every topic: the groups and the commands.
            out.extend(
                help::groups(docs)
                    .iter()
                    .map(|g| format!("@{g}"))
                    .filter(|g| matches(g)),
            );
            if !prefix.starts_with('@') {
                out.extend(firsts().iter().filter(|c| matches(c)).map(|c| case(c)));
            }
        }
        [cmd] => {
            let container = cmd.to_uppercase();
            let subs: Vec<String> = docs
                .iter()
                .filter_map(|d| d.name.strip_prefix(&format!("{container} ")))
                .map(str::to_string)
                .collect();
            out.extend(subs.iter().filter(|s| matches(s)).map(|s| case(s)));
            if subs.is_empty() {
                out.extend(keys.iter().filter(|k| k.starts_with(prefix)).cloned());
            }
        }
        _ => out.extend(keys.iter().filter(|k| k.starts_with(prefix)).cloned()),
    }
    out.sort();
    out.dedup();
    (start, out)
}

impl Completer for ZHelper {
    type Candidate = String;
    fn complete(
        &self,
        line: &str,
        pos: usize,
        _ctx: &Context<'_>,
    ) -> rustyline::Result<(usize, Vec<String>)> {
        Ok(complete_word(
            &self.docs.borrow(),
            &self.keys.borrow(),
            &line[..pos],
        ))
    }
}

/// ANSI colours of the highlighted line.
const CMD: &str = "\x1b[1;33m";
const OPT: &str = "\x1b[35m";
const STR: &str = "\x1b[32m";
const KEY: &str = "\x1b[36m";
const RESET: &str = "\x1b[0m";
const GREY: &str = "\x1b[90m";

/// Colours a line: command words, option tokens, quoted strings and keys.
pub fn highlight_line(docs: &[CommandDoc], keys: &BTreeSet<String>, line: &str) -> String {
    let mut out = String::with_capacity(line.len() * 2);
    let words: Vec<String> = line.split_whitespace().map(str::to_string).collect();
    let doc = help::lookup(docs, &words);
    let name_words = doc.map(|d| d.words()).unwrap_or(0);
    let tokens: Vec<String> = doc
        .map(|d| {
            d.params()
                .split(|c: char| !c.is_ascii_alphanumeric() && c != '-' && c != '_')
                .filter(|t| !t.is_empty() && t.chars().all(|c| !c.is_ascii_lowercase()))
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    let key_at = words
        .first()
        .map(|w| key_indexes(w.as_bytes(), words.len()))
        .unwrap_or_default();
    let mut index = 0;
    let mut rest = line;
    while !rest.is_empty() {
        let trimmed = rest.trim_start();
        out.push_str(&rest[..rest.len() - trimmed.len()]);
        rest = trimmed;
        if rest.is_empty() {
            break;
        }
        let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
        let word = &rest[..end];
        let colour = if index < name_words {
            Some(CMD)
        } else if word.starts_with('"') || word.starts_with('\'') {
            Some(STR)
        } else if tokens.iter().any(|t| t.eq_ignore_ascii_case(word)) {
            Some(OPT)
        } else if key_at.contains(&index) || keys.contains(word) {
            Some(KEY)
        } else {
            None
        };
        match colour {
            Some(c) => {
                out.push_str(c);
                out.push_str(word);
                out.push_str(RESET);
            }
            None => out.push_str(word),
        }
        rest = &rest[end..];
        index += 1;
    }
    out
}

impl Highlighter for ZHelper {
    fn highlight<'l>(&self, line: &'l str, _pos: usize) -> Cow<'l, str> {
        if !self.color {
            return Cow::Borrowed(line);
        }
        Cow::Owned(highlight_line(
            &self.docs.borrow(),
            &self.keys.borrow(),
            line,
        ))
    }
    fn highlight_hint<'h>(&self, hint: &'h str) -> Cow<'h, str> {
        if !self.color || !self.hinting.get() {
            return Cow::Borrowed(hint);
        }
        Cow::Owned(format!("{GREY}{hint}{RESET}"))
    }
    fn highlight_char(&self, _line: &str, _pos: usize, _kind: CmdKind) -> bool {
        self.color
    }
}

impl Validator for ZHelper {}
impl Helper for ZHelper {}

/// Terminal height in rows, when stdout is a terminal.
fn terminal_rows() -> Option<usize> {
    // SAFETY: TIOCGWINSZ fills a winsize struct we own.
    unsafe {
        let mut ws: libc::winsize = std::mem::zeroed();
        if libc::ioctl(1, libc::TIOCGWINSZ, &mut ws) == 0 && ws.ws_row > 0 {
            Some(ws.ws_row as usize)
        } else {
            None
        }
    }
}

/// Prints `text`, through `$PAGER` when it is taller than the terminal.
fn show(text: &[u8], pager: bool) {
    let rows = terminal_rows();
    let tall = rows.is_some_and(|r| text.iter().filter(|&&b| b == b'\n').count() >= r);
    if pager && tall {
        let cmd = std::env::var("PAGER").unwrap_or_else(|_| "less -R".into());
        if let Ok(mut child) = Command::new("sh")
            .arg("-c")
            .arg(&cmd)
            .stdin(Stdio::piped())
            .spawn()
        {
            if let Some(mut stdin) = child.stdin.take() {
                let _ = stdin.write_all(text);
            }
            // 126/127: the shell could not run the pager; show the reply directly instead.
            let ran = child
                .wait()
                .is_ok_and(|st| !matches!(st.code(), Some(126) | Some(127)));
            if ran {
                return;
            }
        }
    }
    let mut out = io::stdout().lock();
    let _ = out.write_all(text);
    let _ = out.flush();
}

fn interactive(session: &mut Session, state: &State) -> i32 {
    let Ok(mut editor) = Editor::<ZHelper, DefaultHistory>::new() else {
        return line_mode(session, state);
    };
    editor.set_helper(Some(ZHelper {
        docs: state.docs.clone(),
        keys: state.keys.clone(),
        prefs: state.prefs.clone(),
        color: color_enabled(),
        hinting: Cell::new(false),
    }));
    let history = dotfile("ZEDISCLI_HISTFILE", ".zedis_history");
    if let Some(h) = &history {
        let _ = editor.load_history(h);
    }
    loop {
        let prompt = if session.conn.is_some() {
            session.prompt()
        } else {
            "not connected> ".to_string()
        };
        let line = match editor.readline(&prompt) {
            Ok(l) => l,
            Err(ReadlineError::Interrupted) => continue,
            Err(_) => return 0,
        };
        if line.is_empty() {
            continue;
        }
        let Some(argv) = split_args_owned(line.as_bytes()) else {
            say!("Invalid argument(s)");
            let _ = editor.add_history_entry(line.as_str());
            if let Some(h) = &history {
                let _ = editor.save_history(h);
            }
            continue;
        };
        if argv.is_empty() {
            continue;
        }
        let skip = usize::from(matches!(repeat_prefix(&argv), Some(Ok(_))));
        if !is_sensitive(&argv[skip..]) {
            let _ = editor.add_history_entry(line.as_str());
            if let Some(h) = &history {
                let _ = editor.save_history(h);
            }
        }
        if argv.len() == 1 && argv[0].eq_ignore_ascii_case(b"clear") {
            let _ = editor.clear_screen();
            continue;
        }
        let cmd = &argv[skip..];
        let streaming = session.subscribed
            || cmd.first().is_some_and(|c| {
                ["subscribe", "psubscribe", "ssubscribe", "monitor"]
                    .iter()
                    .any(|s| c.eq_ignore_ascii_case(s.as_bytes()))
            });
        let control = if streaming {
            let stdout = io::stdout();
            let mut out = stdout.lock();
            handle_line(session, state, argv, &mut out)
        } else {
            let mut buf = Vec::new();
            let c = handle_line(session, state, argv, &mut buf);
            show(&buf, state.prefs.borrow().pager);
            c
        };
        if let Control::Exit = control {
            return 0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn argv(s: &str) -> Vec<Vec<u8>> {
        split_args_owned(s.as_bytes()).unwrap()
    }

    #[test]
    fn secrets_are_recognised() {
        assert!(is_sensitive(&argv("AUTH pw")));
        assert!(is_sensitive(&argv("auth user pw")));
        assert!(is_sensitive(&argv("HELLO 3 AUTH u p")));
        assert!(is_sensitive(&argv("hello 3 setname x auth u p")));
        assert!(!is_sensitive(&argv("HELLO 3 SETNAME x")));
        assert!(is_sensitive(&argv("config set requirepass x")));
        assert!(is_sensitive(&argv("acl setuser bob on >pw")));
        assert!(is_sensitive(&argv("migrate h 1 k 0 10 AUTH pw")));
        assert!(!is_sensitive(&argv("migrate h 1 \"\" 0 10 KEYS a auth")));
        assert!(!is_sensitive(&argv("set auth x")));
    }

    #[test]
    fn repeats_and_danger() {
        assert_eq!(repeat_prefix(&argv("3 ping")), Some(Ok(3)));
        assert_eq!(repeat_prefix(&argv("0 ping")), Some(Err(())));
        assert_eq!(repeat_prefix(&argv("3")), None);
        assert_eq!(repeat_prefix(&argv("3x ping")), None);
        assert!(is_dangerous(&argv("flushall")));
        assert!(is_dangerous(&argv("KEYS *")));
        assert!(!is_dangerous(&argv("KEYS a*")));
    }

    #[test]
    fn completion_and_highlighting() {
        let docs = help::builtin();
        let mut keys = BTreeSet::new();
        keys.insert("user:1".to_string());
        let (start, c) = complete_word(&docs, &keys, "hge");
        assert_eq!(start, 0);
        assert!(c.contains(&"hget".to_string()) && c.contains(&"hgetall".to_string()));
        let (_, c) = complete_word(&docs, &keys, "CLIENT LI");
        assert_eq!(c, ["LIST"]);
        let (_, c) = complete_word(&docs, &keys, "help @so");
        assert_eq!(c, ["@sorted-set"]);
        let (_, c) = complete_word(&docs, &keys, "help ");
        assert!(c.contains(&"@string".to_string()) && c.contains(&"GET".to_string()));
        let (start, c) = complete_word(&docs, &keys, "get us");
        assert_eq!((start, c), (4, vec!["user:1".to_string()]));
        let h = highlight_line(&docs, &keys, "get fresh");
        assert!(h.contains(&format!("{KEY}fresh{RESET}")), "{h:?}");
        let h = highlight_line(&docs, &keys, "set user:1 \"v\" NX");
        assert!(h.starts_with(CMD), "{h:?}");
        assert!(h.contains(&format!("{KEY}user:1{RESET}")), "{h:?}");
        assert!(h.contains(&format!("{OPT}NX{RESET}")), "{h:?}");
        assert!(h.contains(&format!("{STR}\"v\"{RESET}")), "{h:?}");
    }

    #[test]
    fn keys_are_tracked_from_arguments_and_scan() {
        let mut keys = BTreeSet::new();
        track_keys(&mut keys, &argv("mset a 1 b 2"), None);
        let scan = Frame::Array(vec![
            Frame::Bulk("0".into()),
            Frame::Array(vec![Frame::Bulk("c".into())]),
        ]);
        track_keys(&mut keys, &argv("scan 0"), Some(&scan));
        assert_eq!(keys.into_iter().collect::<Vec<_>>(), ["a", "b", "c"]);
    }
}
