//! Reply rendering, byte for byte as redis-cli 7.0 prints replies: the human "tty" form
//! (`(integer) 1`, numbered and nested aggregates), raw (`--raw`, the default when stdout is
//! not a terminal), `--csv`, `--json` and `--quoted-json`.
//!
//! It is a pure function of a [`Frame`] and the output settings; it knows nothing about
//! connections or the terminal. redis-cli sees replies through hiredis, so this module first
//! maps a frame onto hiredis's reply kinds (both RESP2 nulls and RESP3 `_` are one "nil", blob
//! errors are errors, a double keeps its `%.17g` text, a verbatim string loses its `txt:`).

use zedis::resp::{format_double, Frame};
use zedis::util::splitargs::repr_into;

/// How replies are printed (redis-cli's `config.output`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OutputMode {
    /// The human form redis-cli uses on a terminal.
    Tty,
    Raw,
    Csv,
    Json,
    QuotedJson,
}

/// Output settings that shape a rendering.
#[derive(Clone, Debug)]
pub struct Style {
    pub mode: OutputMode,
    /// `-d`: between the elements of an aggregate in raw mode.
    pub mb_delim: Vec<u8>,
    /// `-D`: after each reply in raw mode.
    pub cmd_delim: Vec<u8>,
}

impl Default for Style {
    fn default() -> Self {
        Style {
            mode: OutputMode::Tty,
            mb_delim: b"\n".to_vec(),
            cmd_delim: b"\n".to_vec(),
        }
    }
}

/// Renders one reply as redis-cli's `cliFormatReply` does. `verbatim` is redis-cli's
/// "output raw strings" switch for INFO, CLIENT LIST and friends: raw whatever the mode.
pub fn format_reply(f: &Frame, style: &Style, verbatim: bool) -> Vec<u8> {
    let mut out = Vec::new();
    if verbatim {
        raw(f, style, &mut out);
        return out;
    }
    match style.mode {
        OutputMode::Tty => tty(f, b"", &mut out),
        OutputMode::Raw => {
            raw(f, style, &mut out);
            out.extend_from_slice(&style.cmd_delim);
        }
        OutputMode::Csv => {
            csv(f, &mut out);
            out.push(b'\n');
        }
        OutputMode::Json | OutputMode::QuotedJson => {
            json(f, style.mode, &mut out);
            out.push(b'\n');
        }
    }
    out
}

/// redis-cli's special tty line for a RESP3 client-tracking `invalidate` push, when `f` is one.
pub fn format_invalidate(f: &Frame) -> Option<Vec<u8>> {
    let Frame::Push(items) = f else { return None };
    let [kind, keys] = items.as_slice() else {
        return None;
    };
    if !matches!(kind, Frame::Bulk(b) | Frame::Simple(b) if b.starts_with(b"invalidate")) {
        return None;
    }
    let Frame::Array(keys) = keys else {
        return None;
    };
    let mut out = b"-> invalidate: ".to_vec();
    for (i, k) in keys.iter().enumerate() {
        out.push(b'\'');
        if let Some(b) = text_of(k) {
            out.extend_from_slice(b);
        }
        out.push(b'\'');
        if i + 1 < keys.len() {
            out.extend_from_slice(b", ");
        }
    }
    out.push(b'\n');
    Some(out)
}

/// hiredis's view of a frame's kind, which is all redis-cli looks at.
enum Kind<'a> {
    Error(&'a [u8]),
    Status(&'a [u8]),
    Integer(i64),
    BigNum(&'a [u8]),
    Double(String),
    Str(&'a [u8]),
    Verb(&'a [u8]),
    Nil,
    Bool(bool),
    Array(&'a [Frame]),
    Set(&'a [Frame]),
    Push(&'a [Frame]),
    Map(&'a [(Frame, Frame)]),
}

fn kind(f: &Frame) -> Kind<'_> {
    match f {
        Frame::Error(e) | Frame::BlobError(e) => Kind::Error(e),
        Frame::Simple(s) => Kind::Status(s),
        Frame::Integer(i) => Kind::Integer(*i),
        Frame::Double(d) => Kind::Double(format_double(*d)),
        // redis-cli 7.0 has no case for hiredis's big-number type and exits; we print it as
        // later redis-cli versions do (see docs/compat.md).
        Frame::BigNumber(b) => Kind::BigNum(b),
        Frame::Bulk(b) => Kind::Str(b),
        Frame::Verbatim { text, .. } => Kind::Verb(text),
        Frame::NullBulk | Frame::NullArray | Frame::Null => Kind::Nil,
        Frame::Boolean(b) => Kind::Bool(*b),
        Frame::Array(a) => Kind::Array(a),
        Frame::Set(a) => Kind::Set(a),
        Frame::Push(a) => Kind::Push(a),
        Frame::Map(m) => Kind::Map(m),
        Frame::Attribute { value, .. } => kind(value),
    }
}

/// The text of a string-like frame.
fn text_of(f: &Frame) -> Option<&[u8]> {
    match kind(f) {
        Kind::Error(b) | Kind::Status(b) | Kind::Str(b) | Kind::Verb(b) => Some(b),
        _ => None,
    }
}

/// C's `%s` stops at a NUL: redis-cli prints errors and some strings through it.
fn until_nul(b: &[u8]) -> &[u8] {
    match b.iter().position(|&c| c == 0) {
        Some(i) => &b[..i],
        None => b,
    }
}

fn is_multiline(f: &Frame) -> bool {
    match kind(f) {
        Kind::Array(a) | Kind::Set(a) | Kind::Push(a) => match a {
            [] => false,
            [one] => is_multiline(one),
            _ => true,
        },
        Kind::Map(m) => match m {
            [] => false,
            [(_, v)] => is_multiline(v),
            _ => true,
        },
        _ => false,
    }
}

fn tty(f: &Frame, prefix: &[u8], out: &mut Vec<u8>) {
    match kind(f) {
        Kind::Error(e) => {
            out.extend_from_slice(b"(error) ");
            out.extend_from_slice(until_nul(e));
            out.push(b'\n');
        }
        Kind::Status(s) => {
            out.extend_from_slice(until_nul(s));
            out.push(b'\n');
        }
        Kind::Integer(i) => out.extend_from_slice(format!("(integer) {i}\n").as_bytes()),
        Kind::Double(d) => out.extend_from_slice(format!("(double) {d}\n").as_bytes()),
        Kind::BigNum(b) => {
            out.extend_from_slice(b"(big number) ");
            out.extend_from_slice(b);
            out.push(b'\n');
        }
        Kind::Str(s) => {
            repr_into(s, out);
            out.push(b'\n');
        }
        Kind::Verb(s) => {
            out.extend_from_slice(s);
            out.push(b'\n');
        }
        Kind::Nil => out.extend_from_slice(b"(nil)\n"),
        Kind::Bool(b) => out.extend_from_slice(if b { b"(true)\n" } else { b"(false)\n" }),
        Kind::Array(a) => tty_list(a, b')', b"(empty array)\n", prefix, out),
        Kind::Set(a) => tty_list(a, b'~', b"(empty set)\n", prefix, out),
        Kind::Push(a) => tty_list(a, b')', b"(empty push)\n", prefix, out),
        Kind::Map(m) => {
            if m.is_empty() {
                out.extend_from_slice(b"(empty hash)\n");
                return;
            }
            let (width, child) = child_prefix(m.len(), prefix);
            for (i, (k, v)) in m.iter().enumerate() {
                index_label(i, width, b'#', prefix, out);
                tty(k, &child, out);
                // The key's newline gives way to the arrow.
                out.pop();
                out.extend_from_slice(b" => ");
                if is_multiline(v) {
                    out.push(b'\n');
                    out.extend_from_slice(&child);
                }
                tty(v, &child, out);
            }
        }
    }
}

/// Index width and the prefix nested elements get (parent prefix + width + 2 spaces).
fn child_prefix(count: usize, prefix: &[u8]) -> (usize, Vec<u8>) {
    let width = count.to_string().len();
    let mut child = prefix.to_vec();
    child.resize(prefix.len() + width + 2, b' ');
    (width, child)
}

/// `%s%<width>d<sep> `, with no prefix for the first element: the parent already wrote the
/// line's beginning.
fn index_label(i: usize, width: usize, sep: u8, prefix: &[u8], out: &mut Vec<u8>) {
    if i > 0 {
        out.extend_from_slice(prefix);
    }
    out.extend_from_slice(format!("{:>width$}", i + 1).as_bytes());
    out.push(sep);
    out.push(b' ');
}

fn tty_list(items: &[Frame], sep: u8, empty: &[u8], prefix: &[u8], out: &mut Vec<u8>) {
    if items.is_empty() {
        out.extend_from_slice(empty);
        return;
    }
    let (width, child) = child_prefix(items.len(), prefix);
    for (i, item) in items.iter().enumerate() {
        index_label(i, width, sep, prefix, out);
        tty(item, &child, out);
    }
}

fn raw(f: &Frame, style: &Style, out: &mut Vec<u8>) {
    match kind(f) {
        Kind::Nil => {}
        Kind::Error(e) => {
            out.extend_from_slice(e);
            out.push(b'\n');
        }
        Kind::Status(s) | Kind::Str(s) | Kind::Verb(s) => out.extend_from_slice(s),
        Kind::Bool(b) => out.extend_from_slice(if b { b"(true)" } else { b"(false)" }),
        Kind::Integer(i) => out.extend_from_slice(i.to_string().as_bytes()),
        Kind::BigNum(b) => out.extend_from_slice(b),
        Kind::Double(d) => out.extend_from_slice(d.as_bytes()),
        Kind::Array(a) | Kind::Set(a) | Kind::Push(a) => {
            for (i, item) in a.iter().enumerate() {
                if i > 0 {
                    out.extend_from_slice(&style.mb_delim);
                }
                raw(item, style, out);
            }
        }
        Kind::Map(m) => {
            for (i, (k, v)) in m.iter().enumerate() {
                if i > 0 {
                    out.extend_from_slice(&style.mb_delim);
                }
                raw(k, style, out);
                out.push(b' ');
                raw(v, style, out);
            }
        }
    }
}

fn csv(f: &Frame, out: &mut Vec<u8>) {
    let list = |items: &mut dyn Iterator<Item = &Frame>, out: &mut Vec<u8>| {
        let mut first = true;
        for item in items {
            if !first {
                out.push(b',');
            }
            first = false;
            csv(item, out);
        }
    };
    match kind(f) {
        Kind::Error(e) => {
            out.extend_from_slice(b"ERROR,");
            repr_into(until_nul(e), out);
        }
        Kind::Status(s) | Kind::Str(s) | Kind::Verb(s) => repr_into(s, out),
        Kind::Integer(i) => out.extend_from_slice(i.to_string().as_bytes()),
        Kind::BigNum(b) => out.extend_from_slice(b),
        Kind::Double(d) => out.extend_from_slice(d.as_bytes()),
        Kind::Nil => out.extend_from_slice(b"NULL"),
        Kind::Bool(b) => out.extend_from_slice(if b { b"true" } else { b"false" }),
        Kind::Array(a) | Kind::Set(a) | Kind::Push(a) => list(&mut a.iter(), out),
        Kind::Map(m) => list(&mut m.iter().flat_map(|(k, v)| [k, v]), out),
    }
}

fn json_string(s: &[u8], mode: OutputMode, out: &mut Vec<u8>) {
    if mode == OutputMode::QuotedJson {
        // sdscatrepr, then every backslash doubled.
        let mut tmp = Vec::with_capacity(s.len() + 2);
        repr_into(s, &mut tmp);
        for c in tmp {
            if c == b'\\' {
                out.extend_from_slice(b"\\\\");
            } else {
                out.push(c);
            }
        }
        return;
    }
    out.push(b'"');
    for &c in s {
        match c {
            b'\\' | b'"' => {
                out.push(b'\\');
                out.push(c);
            }
            b'\n' => out.extend_from_slice(b"\\n"),
            0x0c => out.extend_from_slice(b"\\f"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\t' => out.extend_from_slice(b"\\t"),
            0x08 => out.extend_from_slice(b"\\b"),
            c if c <= 0x1f => out.extend_from_slice(format!("\\u{c:04x}").as_bytes()),
            c => out.push(c),
        }
    }
    out.push(b'"');
}

fn json(f: &Frame, mode: OutputMode, out: &mut Vec<u8>) {
    match kind(f) {
        Kind::Error(e) => {
            out.extend_from_slice(b"error:");
            json_string(until_nul(e), mode, out);
        }
        Kind::Status(s) | Kind::Str(s) | Kind::Verb(s) => json_string(s, mode, out),
        Kind::Integer(i) => out.extend_from_slice(i.to_string().as_bytes()),
        Kind::BigNum(b) => out.extend_from_slice(b),
        Kind::Double(d) => out.extend_from_slice(d.as_bytes()),
        Kind::Nil => out.extend_from_slice(b"null"),
        Kind::Bool(b) => out.extend_from_slice(if b { b"true" } else { b"false" }),
        Kind::Array(a) | Kind::Set(a) | Kind::Push(a) => {
            out.push(b'[');
            for (i, item) in a.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                json(item, mode, out);
            }
            out.push(b']');
        }
        Kind::Map(m) => {
            out.push(b'{');
            for (i, (k, v)) in m.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                if text_of(k).is_some() {
                    json(k, mode, out);
                } else {
                    // JSON keys are strings: quote what is not one already.
                    let mut key = Vec::new();
                    json(k, mode, &mut key);
                    if key.first() == Some(&b'"') {
                        out.extend_from_slice(&key);
                    } else {
                        out.push(b'"');
                        out.extend_from_slice(&key);
                        out.push(b'"');
                    }
                }
                out.push(b':');
                json(v, mode, out);
            }
            out.push(b'}');
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;

    fn bulk(s: &str) -> Frame {
        Frame::Bulk(Bytes::copy_from_slice(s.as_bytes()))
    }

    fn tty_of(f: &Frame) -> String {
        String::from_utf8(format_reply(f, &Style::default(), false)).unwrap()
    }

    fn with(mode: OutputMode, f: &Frame) -> String {
        let style = Style {
            mode,
            ..Style::default()
        };
        String::from_utf8(format_reply(f, &style, false)).unwrap()
    }

    #[test]
    fn tty_scalars() {
        assert_eq!(tty_of(&Frame::Integer(-3)), "(integer) -3\n");
        assert_eq!(tty_of(&Frame::NullBulk), "(nil)\n");
        assert_eq!(tty_of(&bulk("a\"b\n\x01")), "\"a\\\"b\\n\\x01\"\n");
        assert_eq!(tty_of(&Frame::Double(1.5)), "(double) 1.5\n");
        assert_eq!(tty_of(&Frame::Boolean(false)), "(false)\n");
        assert_eq!(
            tty_of(&Frame::Error(Bytes::from_static(b"ERR x"))),
            "(error) ERR x\n"
        );
        assert_eq!(tty_of(&Frame::Array(vec![])), "(empty array)\n");
        assert_eq!(tty_of(&Frame::Map(vec![])), "(empty hash)\n");
    }

    #[test]
    fn tty_nesting_and_width() {
        let items: Vec<Frame> = (0..10).map(Frame::Integer).collect();
        let nested = Frame::Array(vec![Frame::Array(items), bulk("x")]);
        let text = tty_of(&nested);
        assert!(text.starts_with("1)  1) (integer) 0\n    2) (integer) 1\n"));
        assert!(text.contains("   10) (integer) 9\n2) \"x\"\n"), "{text}");
        let map = Frame::Map(vec![
            (bulk("k"), bulk("v")),
            (bulk("l"), Frame::Array(vec![bulk("a"), bulk("b")])),
        ]);
        assert_eq!(
            tty_of(&map),
            "1# \"k\" => \"v\"\n2# \"l\" => \n   1) \"a\"\n   2) \"b\"\n"
        );
        let set = Frame::Set(vec![bulk("a")]);
        assert_eq!(tty_of(&set), "1~ \"a\"\n");
    }

    #[test]
    fn raw_csv_json() {
        let f = Frame::Array(vec![bulk("a,b"), Frame::Integer(1), Frame::NullBulk]);
        assert_eq!(with(OutputMode::Raw, &f), "a,b\n1\n\n");
        assert_eq!(with(OutputMode::Csv, &f), "\"a,b\",1,NULL\n");
        assert_eq!(with(OutputMode::Json, &f), "[\"a,b\",1,null]\n");
        let m = Frame::Map(vec![(Frame::Integer(1), bulk("\u{1}\\"))]);
        assert_eq!(with(OutputMode::Json, &m), "{\"1\":\"\\u0001\\\\\"}\n");
        assert_eq!(
            with(OutputMode::QuotedJson, &m),
            "{\"1\":\"\\\\x01\\\\\\\\\"}\n"
        );
    }
}
