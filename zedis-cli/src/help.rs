//! Command documentation for the REPL: `help`, argument hints and command-name completion.
//! The docs come from the server's COMMAND DOCS when it answers them, else from zedis's own
//! command table (`zedis::commands::table`), so the REPL helps even against a server that
//! lacks the command.
//!
//! It turns both sources into one [`CommandDoc`] list and knows nothing about the terminal.

use zedis::commands::spec::{Arg, CommandSpec};
use zedis::commands::table::COMMANDS;
use zedis::resp::Frame;

/// One argument of a command's grammar.
#[derive(Clone, Debug, Default)]
pub struct ArgDoc {
    pub name: String,
    pub kind: String,
    pub token: Option<String>,
    pub optional: bool,
    pub multiple: bool,
    pub multiple_token: bool,
    pub children: Vec<ArgDoc>,
}

/// One command or subcommand (`name` is upper case; "CLIENT LIST" for a subcommand).
#[derive(Clone, Debug, Default)]
pub struct CommandDoc {
    pub name: String,
    pub summary: String,
    pub since: String,
    pub group: String,
    pub args: Vec<ArgDoc>,
}

impl CommandDoc {
    /// The argument synopsis: `key value [NX|XX] [GET]`.
    pub fn params(&self) -> String {
        self.args
            .iter()
            .map(arg_syntax)
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// Number of words in the name (1, or 2 for a subcommand).
    pub fn words(&self) -> usize {
        self.name.split(' ').count()
    }
}

fn arg_syntax(a: &ArgDoc) -> String {
    let join = |sep: &str| {
        a.children
            .iter()
            .map(arg_syntax)
            .collect::<Vec<_>>()
            .join(sep)
    };
    let base = match a.kind.as_str() {
        "pure-token" => return wrap_optional(a, a.token.clone().unwrap_or_else(|| a.name.clone())),
        "oneof" => join("|"),
        "block" => join(" "),
        _ => a.name.clone(),
    };
    let once = match &a.token {
        Some(t) => format!("{t} {base}"),
        None => base.clone(),
    };
    let body = match (a.multiple, a.multiple_token) {
        (false, _) => once,
        (true, true) => format!("{once} [{once} ...]"),
        (true, false) => format!("{once} [{base} ...]"),
    };
    wrap_optional(a, body)
}

fn wrap_optional(a: &ArgDoc, body: String) -> String {
    if a.optional {
        format!("[{body}]")
    } else {
        body
    }
}

fn from_spec_arg(a: &Arg) -> ArgDoc {
    ArgDoc {
        name: a.display.unwrap_or(a.name).to_string(),
        kind: a.kind.name().to_string(),
        token: a.token.map(str::to_string),
        optional: a.optional,
        multiple: a.multiple,
        multiple_token: a.multiple_token,
        children: a.children.iter().map(from_spec_arg).collect(),
    }
}

fn from_spec(spec: &CommandSpec, parent: Option<&str>) -> CommandDoc {
    let name = match parent {
        Some(p) => format!("{} {}", p, spec.name).to_uppercase(),
        None => spec.name.to_uppercase(),
    };
    CommandDoc {
        name,
        summary: spec.summary.to_string(),
        since: spec.since.to_string(),
        group: spec.group.name().to_string(),
        args: spec.args.iter().map(from_spec_arg).collect(),
    }
}

/// The built-in docs: zedis's command table.
pub fn builtin() -> Vec<CommandDoc> {
    let mut out = Vec::new();
    for c in COMMANDS {
        out.push(from_spec(c, None));
        for s in c.subcommands {
            out.push(from_spec(s, Some(c.name)));
        }
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

/// A RESP3 map or a RESP2 flat array of pairs, as pairs.
fn pairs(f: &Frame) -> Vec<(&Frame, &Frame)> {
    match f {
        Frame::Map(m) => m.iter().map(|(k, v)| (k, v)).collect(),
        Frame::Array(a) => a.chunks_exact(2).map(|p| (&p[0], &p[1])).collect(),
        _ => Vec::new(),
    }
}

fn text(f: &Frame) -> Option<String> {
    match f {
        Frame::Bulk(b) | Frame::Simple(b) => Some(String::from_utf8_lossy(b).into_owned()),
        Frame::Verbatim { text, .. } => Some(String::from_utf8_lossy(text).into_owned()),
        Frame::Integer(i) => Some(i.to_string()),
        _ => None,
    }
}

fn list(f: &Frame) -> &[Frame] {
    match f {
        Frame::Array(a) | Frame::Set(a) => a,
        _ => &[],
    }
}

fn arg_from_docs(f: &Frame) -> ArgDoc {
    let mut a = ArgDoc::default();
    let mut display = None;
    for (k, v) in pairs(f) {
        match text(k).as_deref() {
            Some("name") => a.name = text(v).unwrap_or_default(),
            Some("display_text") => display = text(v),
            Some("type") => a.kind = text(v).unwrap_or_default(),
            Some("token") => a.token = text(v),
            Some("flags") => {
                for flag in list(v).iter().filter_map(text) {
                    match flag.as_str() {
                        "optional" => a.optional = true,
                        "multiple" => a.multiple = true,
                        "multiple_token" => a.multiple_token = true,
                        _ => {}
                    }
                }
            }
            Some("arguments") => a.children = list(v).iter().map(arg_from_docs).collect(),
            _ => {}
        }
    }
    if let Some(d) = display {
        a.name = d;
    }
    a
}

fn doc_from_docs(name: &str, f: &Frame, out: &mut Vec<CommandDoc>) {
    let mut doc = CommandDoc {
        name: name.replace('|', " ").to_uppercase(),
        ..CommandDoc::default()
    };
    for (k, v) in pairs(f) {
        match text(k).as_deref() {
            Some("summary") => doc.summary = text(v).unwrap_or_default(),
            Some("since") => doc.since = text(v).unwrap_or_default(),
            Some("group") => doc.group = text(v).unwrap_or_default(),
            Some("arguments") => doc.args = list(v).iter().map(arg_from_docs).collect(),
            Some("subcommands") => {
                for (sk, sv) in pairs(v) {
                    if let Some(sn) = text(sk) {
                        doc_from_docs(&sn, sv, out);
                    }
                }
            }
            _ => {}
        }
    }
    // Containers are listed too (with an empty synopsis), as redis-cli lists them.
    out.push(doc);
}

/// Parses a COMMAND DOCS reply; `None` when it is an error or holds nothing.
pub fn from_command_docs(reply: &Frame) -> Option<Vec<CommandDoc>> {
    let mut out = Vec::new();
    for (k, v) in pairs(reply) {
        if let Some(name) = text(k) {
            doc_from_docs(&name, v, &mut out);
        }
    }
    if out.is_empty() {
        return None;
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Some(out)
}

/// The group names `help @<tab>` offers.
pub fn groups(docs: &[CommandDoc]) -> Vec<String> {
    let mut g: Vec<String> = docs.iter().map(|d| d.group.clone()).collect();
    g.sort();
    g.dedup();
    g
}

/// The doc whose name the words start with (the longest match: a subcommand before its
/// container).
pub fn lookup<'a>(docs: &'a [CommandDoc], words: &[String]) -> Option<&'a CommandDoc> {
    let first = words.first()?.to_uppercase();
    if let Some(second) = words.get(1) {
        let two = format!("{first} {}", second.to_uppercase());
        if let Some(d) = docs.iter().find(|d| d.name == two) {
            return Some(d);
        }
    }
    docs.iter().find(|d| d.name == first)
}

/// The grey hint after what is typed, as redis-cli computes it: the synopsis of the longest
/// matching command, less one word per argument typed (stopping at the first optional part,
/// which may absorb any number of words), spaced from the line when it does not end in one.
pub fn hint(docs: &[CommandDoc], line: &str) -> Option<String> {
    let words: Vec<String> = match zedis::util::splitargs::split_args_owned(line.as_bytes()) {
        Some(w) => w
            .into_iter()
            .map(|a| String::from_utf8_lossy(&a).into_owned())
            .collect(),
        None => return None,
    };
    let doc = lookup(docs, &words)?;
    let mut toremove = words.len().saturating_sub(doc.words());
    let params = doc.params();
    let mut hint = params.as_str();
    while toremove > 0 && !hint.is_empty() {
        if hint.starts_with('[') {
            break;
        }
        if hint.starts_with(' ') {
            toremove -= 1;
        }
        // Synopses come from the server: step over whole characters, never into one.
        let step = hint.chars().next().map_or(1, char::len_utf8);
        hint = &hint[step..];
    }
    let end_space = line.ends_with(|c: char| c.is_ascii_whitespace());
    if end_space {
        Some(hint.to_string())
    } else {
        Some(format!(" {hint}"))
    }
}

/// The text `help` prints with no topic.
pub fn general_help(version: &str) -> String {
    format!(
        "zedis-cli {version}\n\
         To get help about commands type:\n      \
         \"help @<group>\" to get a list of commands in <group>\n      \
         \"help <command>\" for help on <command>\n      \
         \"help <tab>\" to get a list of possible help topics\n      \
         \"quit\" to exit\n\n\
         To set zedis-cli preferences:\n      \
         \":set hints\" enable online hints\n      \
         \":set nohints\" disable online hints\n      \
         \":set pager\" page replies taller than the screen\n      \
         \":set nopager\" never page\n\
         Set your preferences in ~/.zedisclirc\n"
    )
}

/// One entry as redis-cli's `cliOutputCommandHelp` lays it out (CRLF line ends; ANSI bold,
/// grey and yellow unless `color` is off).
fn one(d: &CommandDoc, with_group: bool, color: bool) -> String {
    let (bold, grey, yellow, reset) = if color {
        ("\x1b[1m", "\x1b[90m", "\x1b[33m", "\x1b[0m")
    } else {
        ("", "", "", "")
    };
    let mut s = format!(
        "\r\n  {bold}{}{reset} {grey}{}{reset}\r\n  {yellow}summary:{reset} {}\r\n",
        d.name,
        d.params(),
        d.summary
    );
    if !d.since.is_empty() {
        s.push_str(&format!("  {yellow}since:{reset} {}\r\n", d.since));
    }
    if with_group {
        s.push_str(&format!("  {yellow}group:{reset} {}\r\n", d.group));
    }
    s
}

/// `help <command ...>` (every entry whose name starts with those words) or
/// `help @<group>`, as redis-cli prints them.
pub fn topic_help(docs: &[CommandDoc], words: &[String], color: bool) -> String {
    let mut out = String::new();
    if let Some(group) = words.first().and_then(|w| w.strip_prefix('@')) {
        for d in docs.iter().filter(|d| d.group.eq_ignore_ascii_case(group)) {
            out.push_str(&one(d, false, color));
        }
    } else {
        for d in docs {
            let name: Vec<&str> = d.name.split(' ').collect();
            if words.len() <= name.len()
                && words
                    .iter()
                    .zip(&name)
                    .all(|(w, n)| w.eq_ignore_ascii_case(n))
            {
                out.push_str(&one(d, true, color));
            }
        }
    }
    out.push_str("\r\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_docs_have_synopses_and_hints() {
        let docs = builtin();
        let set = lookup(&docs, &["set".to_string()]).expect("SET documented");
        assert!(set.params().starts_with("key value"), "{}", set.params());
        let h = hint(&docs, "set ").expect("a hint");
        assert!(h.starts_with("key value"), "{h}");
        let h2 = hint(&docs, "set k ").expect("a shorter hint");
        assert!(h2.starts_with("value"), "{h2}");
        assert!(h2.len() < h.len());
        let h3 = hint(&docs, "set k v EX").expect("optional parts stay");
        assert!(h3.starts_with(" [NX|XX]"), "{h3}");
        assert_eq!(hint(&docs, "nosuchcommand "), None);
        let odd = vec![CommandDoc {
            name: "X".into(),
            args: vec![ArgDoc {
                name: "é→ü".into(),
                kind: "string".into(),
                ..ArgDoc::default()
            }],
            ..CommandDoc::default()
        }];
        assert_eq!(hint(&odd, "x a b c ").as_deref(), Some(""));
        let sub = lookup(&docs, &["client".into(), "list".into()]).expect("CLIENT LIST");
        assert_eq!(sub.name, "CLIENT LIST");
        assert!(groups(&docs).contains(&"string".to_string()));
        let hash = topic_help(&docs, &["@hash".into()], false);
        assert!(
            hash.contains("\r\n  HSET key field value [field value ...]\r\n"),
            "{hash}"
        );
        let client = topic_help(&docs, &["client".into()], false);
        assert!(client.contains("CLIENT LIST") && client.contains("group: connection"));
    }
}
