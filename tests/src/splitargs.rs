//! Splits a line into arguments with the quoting rules of redis-cli (Redis's `sdssplitargs`),
//! so corpus lines read exactly like what one would type into redis-cli.
//!
//! Rules: arguments are separated by whitespace; `"..."` understands `\xHH`, `\n`, `\r`, `\t`,
//! `\b`, `\a` and `\<any>` (the character itself); `'...'` understands only `\'`; a closing quote
//! must be followed by whitespace or the end of the line; quotes may start in the middle of an
//! argument (`a"b c"` is one argument `ab c`). Knows nothing about commands or the corpus format.

use std::fmt;

/// Why a line could not be split.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SplitError {
    /// A quoted section was never closed.
    Unterminated,
    /// A closing quote was followed by something other than whitespace.
    TextAfterQuote,
}

impl fmt::Display for SplitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SplitError::Unterminated => f.write_str("unterminated quotes"),
            SplitError::TextAfterQuote => {
                f.write_str("closing quote must be followed by a space or the end of the line")
            }
        }
    }
}

impl std::error::Error for SplitError {}

/// C's `isspace` in the "C" locale.
fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\x0b' | b'\x0c' | b'\r')
}

fn hex_value(b: u8) -> Option<u8> {
    char::from(b)
        .to_digit(16)
        .and_then(|d| u8::try_from(d).ok())
}

/// Splits `line` into arguments; see the module docs for the quoting rules.
pub fn split_args(line: &[u8]) -> Result<Vec<Vec<u8>>, SplitError> {
    let mut args = Vec::new();
    let mut i = 0;
    let at = |i: usize| line.get(i).copied();
    loop {
        while at(i).is_some_and(is_space) {
            i += 1;
        }
        if at(i).is_none() {
            return Ok(args);
        }
        let mut current = Vec::new();
        let mut in_double = false;
        let mut in_single = false;
        loop {
            let c = at(i);
            if in_double {
                match c {
                    None => return Err(SplitError::Unterminated),
                    Some(b'\\') if at(i + 1) == Some(b'x') => {
                        match (at(i + 2).and_then(hex_value), at(i + 3).and_then(hex_value)) {
                            (Some(hi), Some(lo)) => {
                                current.push(hi * 16 + lo);
                                i += 4;
                            }
                            // Not a valid \xHH: the backslash escapes the 'x' itself.
                            _ => {
                                current.push(b'x');
                                i += 2;
                            }
                        }
                    }
                    Some(b'\\') if at(i + 1).is_some() => {
                        let escaped = at(i + 1).unwrap_or_default();
                        current.push(match escaped {
                            b'n' => b'\n',
                            b'r' => b'\r',
                            b't' => b'\t',
                            b'b' => b'\x08',
                            b'a' => b'\x07',
                            other => other,
                        });
                        i += 2;
                    }
                    Some(b'"') => {
                        if at(i + 1).is_some_and(|b| !is_space(b)) {
                            return Err(SplitError::TextAfterQuote);
                        }
                        i += 1;
                        break;
                    }
                    Some(b) => {
                        current.push(b);
                        i += 1;
                    }
                }
            } else if in_single {
                match c {
                    None => return Err(SplitError::Unterminated),
                    Some(b'\\') if at(i + 1) == Some(b'\'') => {
                        current.push(b'\'');
                        i += 2;
                    }
                    Some(b'\'') => {
                        if at(i + 1).is_some_and(|b| !is_space(b)) {
                            return Err(SplitError::TextAfterQuote);
                        }
                        i += 1;
                        break;
                    }
                    Some(b) => {
                        current.push(b);
                        i += 1;
                    }
                }
            } else {
                match c {
                    None | Some(b' ' | b'\n' | b'\r' | b'\t' | b'\0') => break,
                    Some(b'"') => in_double = true,
                    Some(b'\'') => in_single = true,
                    Some(b) => current.push(b),
                }
                i += 1;
            }
        }
        args.push(current);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(s: &str) -> Vec<Vec<u8>> {
        split_args(s.as_bytes()).unwrap_or_else(|e| panic!("{s:?}: {e}"))
    }

    #[test]
    fn plain_words() {
        assert_eq!(
            split("  SET  foo bar "),
            vec![b"SET".to_vec(), b"foo".to_vec(), b"bar".to_vec()]
        );
        assert!(split("   ").is_empty());
    }

    #[test]
    fn double_quotes_and_escapes() {
        assert_eq!(
            split(r#""a b" "\x00\xff" "\n\r\t\"\\" "\xzz""#),
            vec![
                b"a b".to_vec(),
                vec![0, 0xff],
                b"\n\r\t\"\\".to_vec(),
                b"xzz".to_vec(),
            ]
        );
        assert_eq!(split(r#""""#), vec![Vec::<u8>::new()]);
        assert_eq!(split(r#"ab"c d""#), vec![b"abc d".to_vec()]);
    }

    #[test]
    fn single_quotes() {
        assert_eq!(
            split(r"'it\'s' '\x41'"),
            vec![b"it's".to_vec(), b"\\x41".to_vec()]
        );
    }

    #[test]
    fn errors() {
        assert_eq!(split_args(b"\"abc"), Err(SplitError::Unterminated));
        assert_eq!(split_args(b"'abc"), Err(SplitError::Unterminated));
        assert_eq!(split_args(b"\"a\"b"), Err(SplitError::TextAfterQuote));
        assert_eq!(split_args(b"'it''s'"), Err(SplitError::TextAfterQuote));
    }
}
