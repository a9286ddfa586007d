//! Redis's `sdssplitargs`: how redis-cli, inline commands and redis.conf lines split a line into
//! arguments (whitespace, `"..."` with C escapes and `\xHH`, `'...'` with `\'`, a closing quote
//! followed only by space or the end). One implementation for the RESP inline decoder, the config
//! parser and the test corpus; it knows nothing about any of them.

/// An inline argument: a plain run of the line (zero-copy) or, once quotes or escapes are
/// involved, its unescaped bytes.
#[derive(Debug, PartialEq, Eq)]
pub enum Token {
    Span(usize, usize),
    Owned(Vec<u8>),
}

/// C `isspace` in the C locale.
pub fn is_c_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

fn hex_val(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Port of the rules of Redis's `sdssplitargs` (the line holds no NUL: the newline search
/// stops at one). Past the end reads as NUL, like the C string terminator. `None` means
/// unbalanced quotes.
pub fn split_args(line: &[u8]) -> Option<Vec<Token>> {
    let at = |i: usize| line.get(i).copied().unwrap_or(0);
    let mut tokens = Vec::new();
    let mut p = 0usize;
    loop {
        while is_c_space(at(p)) {
            p += 1;
        }
        if at(p) == 0 {
            return Some(tokens);
        }
        let start = p;
        // Becomes Some as soon as the token stops being a plain slice of the line.
        let mut owned: Option<Vec<u8>> = None;
        let mut in_double = false;
        let mut in_single = false;
        let end;
        loop {
            let c = at(p);
            if in_double {
                let cur = owned.get_or_insert_with(Vec::new);
                if c == b'\\' && at(p + 1) == b'x' {
                    if let (Some(h), Some(l)) = (hex_val(at(p + 2)), hex_val(at(p + 3))) {
                        cur.push(h * 16 + l);
                        p += 4;
                        continue;
                    }
                }
                if c == b'\\' && at(p + 1) != 0 {
                    p += 1;
                    cur.push(match at(p) {
                        b'n' => b'\n',
                        b'r' => b'\r',
                        b't' => b'\t',
                        b'b' => 0x08,
                        b'a' => 0x07,
                        other => other,
                    });
                } else if c == b'"' {
                    // A closing quote must be followed by a space or the end.
                    let next = at(p + 1);
                    if next != 0 && !is_c_space(next) {
                        return None;
                    }
                    end = p + 1;
                    p += 1;
                    break;
                } else if c == 0 {
                    return None;
                } else {
                    cur.push(c);
                }
            } else if in_single {
                let cur = owned.get_or_insert_with(Vec::new);
                if c == b'\\' && at(p + 1) == b'\'' {
                    p += 1;
                    cur.push(b'\'');
                } else if c == b'\'' {
                    let next = at(p + 1);
                    if next != 0 && !is_c_space(next) {
                        return None;
                    }
                    end = p + 1;
                    p += 1;
                    break;
                } else if c == 0 {
                    return None;
                } else {
                    cur.push(c);
                }
            } else {
                match c {
                    b' ' | b'\n' | b'\r' | b'\t' | 0 => {
                        end = p;
                        if c != 0 {
                            p += 1;
                        }
                        break;
                    }
                    b'"' | b'\'' => {
                        if c == b'"' {
                            in_double = true;
                        } else {
                            in_single = true;
                        }
                        if owned.is_none() {
                            owned = Some(line.get(start..p).unwrap_or_default().to_vec());
                        }
                    }
                    _ => {
                        if let Some(cur) = owned.as_mut() {
                            cur.push(c);
                        }
                    }
                }
            }
            p += 1;
        }
        tokens.push(match owned {
            Some(v) => Token::Owned(v),
            None => Token::Span(start, end),
        });
    }
}

/// Splits `line` into owned arguments; `None` means unbalanced quotes.
pub fn split_args_owned(line: &[u8]) -> Option<Vec<Vec<u8>>> {
    let tokens = split_args(line)?;
    Some(
        tokens
            .into_iter()
            .map(|t| match t {
                Token::Span(s, e) => line.get(s..e).unwrap_or_default().to_vec(),
                Token::Owned(v) => v,
            })
            .collect(),
    )
}

/// Appends `s` quoted and escaped as Redis's `sdscatrepr` does (MONITOR, CONFIG REWRITE): what `split_args` reads back verbatim.
pub fn repr_into(s: &[u8], out: &mut Vec<u8>) {
    out.push(b'"');
    for &c in s {
        match c {
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'"' => out.extend_from_slice(b"\\\""),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\t' => out.extend_from_slice(b"\\t"),
            7 => out.extend_from_slice(b"\\a"),
            8 => out.extend_from_slice(b"\\b"),
            c if c.is_ascii_graphic() || c == b' ' => out.push(c),
            c => out.extend_from_slice(format!("\\x{c:02x}").as_bytes()),
        }
    }
    out.push(b'"');
}

/// `sdscatrepr` into a new vector.
pub fn repr(s: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len() + 2);
    repr_into(s, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(s: &str) -> Option<Vec<Vec<u8>>> {
        split_args_owned(s.as_bytes())
    }

    #[test]
    fn plain_quoted_and_escaped() {
        assert_eq!(
            split("set a b").unwrap(),
            [b"set".to_vec(), b"a".to_vec(), b"b".to_vec()]
        );
        assert_eq!(
            split(r#""a b" 'c d'"#).unwrap(),
            [b"a b".to_vec(), b"c d".to_vec()]
        );
        assert_eq!(split(r#""\x00\xff\n""#).unwrap(), [vec![0u8, 0xff, b'\n']]);
        assert_eq!(split(r#"'it\'s'"#).unwrap(), [b"it's".to_vec()]);
        assert_eq!(split(r#"a"b c"d"#), None);
        assert_eq!(split(r#"a"b c""#).unwrap(), [b"ab c".to_vec()]);
        assert_eq!(split("   ").unwrap(), Vec::<Vec<u8>>::new());
    }

    #[test]
    fn repr_reads_back() {
        let all: Vec<u8> = (0..=255u8).collect();
        let quoted = repr(&all);
        assert_eq!(split_args_owned(&quoted).unwrap(), [all]);
        assert_eq!(repr(b"a\"b"), br#""a\"b""#.to_vec());
    }

    #[test]
    fn unbalanced_quotes() {
        assert_eq!(split(r#""abc"#), None);
        assert_eq!(split("'abc"), None);
        assert_eq!(split(r#""a"b"#), None);
    }
}
