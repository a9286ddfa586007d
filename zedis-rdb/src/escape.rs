//! Binary-safe rendering of keys and values for text and JSON output (`--escape`).

use crate::args::Escape;
use base64::Engine;
use std::fmt::Write;

/// Renders `b` as text per `mode`. `Raw` keeps the bytes as they are where the output is bytes;
/// where a `String` is needed (JSON) invalid UTF-8 becomes U+FFFD.
pub fn text(b: &[u8], mode: Escape) -> String {
    match mode {
        Escape::Raw => String::from_utf8_lossy(b).into_owned(),
        Escape::Base64 => base64::engine::general_purpose::STANDARD.encode(b),
        Escape::Print => {
            let mut s = String::with_capacity(b.len());
            for &c in b {
                push_byte(&mut s, c);
            }
            s
        }
        Escape::Utf8 => {
            let mut s = String::with_capacity(b.len());
            for chunk in b.utf8_chunks() {
                for ch in chunk.valid().chars() {
                    if ch.is_control() || ch == '\\' {
                        if ch.is_ascii() {
                            push_byte(&mut s, ch as u8);
                        } else {
                            let _ = write!(s, "\\u{{{:x}}}", ch as u32);
                        }
                    } else {
                        s.push(ch);
                    }
                }
                for &c in chunk.invalid() {
                    let _ = write!(s, "\\x{c:02x}");
                }
            }
            s
        }
    }
}

/// One byte as printable ASCII or an escape (backslash doubled so the output is reversible).
fn push_byte(s: &mut String, c: u8) {
    match c {
        b'\\' => s.push_str("\\\\"),
        b'\n' => s.push_str("\\n"),
        b'\r' => s.push_str("\\r"),
        b'\t' => s.push_str("\\t"),
        0x20..=0x7e => s.push(c as char),
        _ => {
            let _ = write!(s, "\\x{c:02x}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes() {
        let b = b"a\\\x00\xff\xc3\xa9\n";
        assert_eq!(text(b, Escape::Print), "a\\\\\\x00\\xff\\xc3\\xa9\\n");
        assert_eq!(text(b, Escape::Utf8), "a\\\\\\x00\\xff\u{e9}\\n");
        assert_eq!(text(b, Escape::Base64), "YVwA/8OpCg==");
        assert_eq!(text(b"plain", Escape::Raw), "plain");
    }
}
