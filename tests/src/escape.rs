//! Renders raw protocol bytes as a readable, unambiguous string literal (`"+OK\r\n"`).
//!
//! Used by mismatch reports; knows nothing about RESP itself.

use std::fmt::Write;

/// Escapes `bytes` like a C/Rust string literal, including the surrounding double quotes.
/// Printable ASCII stays as is; `\r`, `\n`, `\t`, `"` and `\` get short escapes; every other
/// byte becomes `\xHH`.
pub fn escape(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() + 2);
    out.push('"');
    for &b in bytes {
        match b {
            b'\r' => out.push_str("\\r"),
            b'\n' => out.push_str("\\n"),
            b'\t' => out.push_str("\\t"),
            b'"' => out.push_str("\\\""),
            b'\\' => out.push_str("\\\\"),
            0x20..=0x7e => out.push(char::from(b)),
            _ => {
                let _ = write!(out, "\\x{b:02x}");
            }
        }
    }
    out.push('"');
    out
}

/// Like [`escape`], but elides the middle of very long inputs so reports stay readable.
pub fn escape_truncated(bytes: &[u8], max: usize) -> String {
    if bytes.len() <= max {
        return escape(bytes);
    }
    let half = max / 2;
    let head = bytes.get(..half).unwrap_or(bytes);
    let tail = bytes.get(bytes.len() - half..).unwrap_or_default();
    format!(
        "{} ... ({} bytes elided) ... {}",
        escape(head),
        bytes.len() - 2 * half,
        escape(tail)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_control_and_binary() {
        assert_eq!(escape(b"+OK\r\n"), r#""+OK\r\n""#);
        assert_eq!(escape(b"a\"b\\c\x00\xff\t"), r#""a\"b\\c\x00\xff\t""#);
    }

    #[test]
    fn truncates_long_input() {
        let s = escape_truncated(&[b'a'; 100], 10);
        assert!(s.contains("90 bytes elided"), "{s}");
    }
}
