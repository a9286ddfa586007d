//! Splits a corpus line into arguments exactly as redis-cli would (Redis's `sdssplitargs`), by
//! delegating to zedis's own implementation in `zedis::util::splitargs`, so corpus lines read
//! like what one would type into redis-cli. Knows nothing about commands or the corpus format.

use std::fmt;

/// Why a line could not be split.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SplitError {
    /// A quoted section was never closed, or a closing quote was followed by something other
    /// than whitespace (redis-cli says "Invalid argument(s)" for both).
    Unbalanced,
}

impl fmt::Display for SplitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("unbalanced quotes (a closing quote must be followed by a space or the end of the line)")
    }
}

impl std::error::Error for SplitError {}

/// Splits `line` into arguments.
pub fn split_args(line: &[u8]) -> Result<Vec<Vec<u8>>, SplitError> {
    zedis::util::splitargs::split_args_owned(line).ok_or(SplitError::Unbalanced)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn corpus_style_lines() {
        assert_eq!(
            split_args(br#"SET "a b" '\x00' "\x00""#).unwrap(),
            [
                b"SET".to_vec(),
                b"a b".to_vec(),
                b"\\x00".to_vec(),
                vec![0u8]
            ]
        );
        assert_eq!(split_args(br#"GET 'it''s'"#), Err(SplitError::Unbalanced));
    }
}
