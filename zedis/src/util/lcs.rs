//! Longest common subsequence exactly as Redis 7.0's LCS command computes it:
//! the same full dynamic-programming table of `u32` lengths, the same
//! backward walk and the same tie-breaking (on a mismatch, step in `a` only
//! when that keeps a strictly longer LCS, otherwise step in `b`), so the
//! string and the match ranges are byte-identical to the reference. It knows
//! nothing about keys or reply shapes: MINMATCHLEN filtering, WITHMATCHLEN
//! and the IDX/LEN options are the caller's.
//!
//! The table needs `(a.len() + 1) * (b.len() + 1)` cells of 4 bytes. The
//! reference refuses inputs of `u32::MAX - 1` bytes or more ("String too long
//! for LCS") and tables larger than proto-max-bulk-len ("Insufficient memory,
//! transient memory for LCS exceeds proto-max-bulk-len"), and reports a failed
//! allocation ("Insufficient memory, failed allocating transient memory for
//! LCS"). [`lcs_checked`] applies the same checks in that order.

/// One matched range, as reported by `LCS ... IDX`: `((a_start, a_end),
/// (b_start, b_end), length)`, with inclusive byte indexes.
pub type LcsMatch = ((usize, usize), (usize, usize), usize);

/// Bytes per DP table cell (the reference uses `uint32_t`).
pub const LCS_CELL_BYTES: usize = 4;

/// Result of [`lcs`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LcsResult {
    /// The common subsequence itself.
    pub string: Vec<u8>,
    /// Its length (what `LCS ... LEN` replies).
    pub len: usize,
    /// Every contiguous matched range, in the reference's order (from the end
    /// of both strings towards the start). Unfiltered: a caller applying
    /// MINMATCHLEN `n > 0` keeps those with length `>= n`.
    pub matches: Vec<LcsMatch>,
}

/// Why [`lcs_checked`] refused to run; the messages are the reference's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum LcsError {
    #[error("String too long for LCS")]
    TooLong,
    #[error("Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len")]
    ExceedsLimit,
    #[error("Insufficient memory, failed allocating transient memory for LCS")]
    AllocFailed,
}

/// Number of DP cells an LCS of `a` and `b` needs, `None` on overflow.
/// Multiply by [`LCS_CELL_BYTES`] to compare with proto-max-bulk-len.
pub fn lcs_table_cells(a: &[u8], b: &[u8]) -> Option<usize> {
    a.len().checked_add(1)?.checked_mul(b.len().checked_add(1)?)
}

/// [`lcs`] behind the reference's guards: input length, table size against
/// `max_table_bytes` (proto-max-bulk-len), and a fallible allocation.
pub fn lcs_checked(a: &[u8], b: &[u8], max_table_bytes: u64) -> Result<LcsResult, LcsError> {
    let limit = (u32::MAX - 1) as usize;
    if a.len() >= limit || b.len() >= limit {
        return Err(LcsError::TooLong);
    }
    let cells = lcs_table_cells(a, b).ok_or(LcsError::AllocFailed)?;
    let bytes = cells
        .checked_mul(LCS_CELL_BYTES)
        .filter(|&n| n < usize::MAX)
        .ok_or(LcsError::AllocFailed)?;
    if bytes as u64 > max_table_bytes {
        return Err(LcsError::ExceedsLimit);
    }
    let mut table: Vec<u32> = Vec::new();
    table
        .try_reserve_exact(cells)
        .map_err(|_| LcsError::AllocFailed)?;
    Ok(run(a, b, table))
}

/// Computes the LCS of `a` and `b`. Allocates the full table unchecked: call
/// [`lcs_checked`] (or bound [`lcs_table_cells`] yourself) for untrusted
/// sizes.
pub fn lcs(a: &[u8], b: &[u8]) -> LcsResult {
    run(a, b, Vec::new())
}

fn run(a: &[u8], b: &[u8], mut table: Vec<u32>) -> LcsResult {
    let (alen, blen) = (a.len(), b.len());
    let width = blen + 1;
    table.clear();
    table.resize((alen + 1).saturating_mul(width), 0);
    // Row 0 and column 0 stay zero: the LCS with an empty prefix is empty.
    for i in 1..=alen {
        let (prev, cur) = table.split_at_mut(i * width);
        let prev = &prev[(i - 1) * width..];
        let ai = a[i - 1];
        for j in 1..=blen {
            cur[j] = if ai == b[j - 1] {
                prev[j - 1] + 1
            } else {
                prev[j].max(cur[j - 1])
            };
        }
    }
    let cell = |i: usize, j: usize| table.get(i * width + j).copied().unwrap_or(0);

    let total = cell(alen, blen) as usize;
    let mut string = vec![0u8; total];
    let mut matches = Vec::new();
    let mut k = total;
    let (mut i, mut j) = (alen, blen);
    // Current range being extended backwards, if any.
    let mut range: Option<(usize, usize, usize, usize)> = None; // (a_start, a_end, b_start, b_end)
    while i > 0 && j > 0 {
        let mut emit = false;
        if a[i - 1] == b[j - 1] {
            k -= 1;
            string[k] = a[i - 1];
            match range.as_mut() {
                None => range = Some((i - 1, i - 1, j - 1, j - 1)),
                Some(r) if r.0 == i && r.2 == j => {
                    r.0 -= 1;
                    r.2 -= 1;
                }
                // Unreachable in practice (a mismatch always closes the
                // range first), kept to mirror the reference.
                Some(_) => emit = true,
            }
            if range.is_some_and(|r| r.0 == 0 || r.2 == 0) {
                emit = true;
            }
            i -= 1;
            j -= 1;
        } else {
            if cell(i - 1, j) > cell(i, j - 1) {
                i -= 1;
            } else {
                j -= 1;
            }
            if range.is_some() {
                emit = true;
            }
        }
        if emit {
            if let Some((a0, a1, b0, b1)) = range.take() {
                matches.push(((a0, a1), (b0, b1), a1 - a0 + 1));
            }
        }
    }
    LcsResult {
        string,
        len: total,
        matches,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Plain LCS length, for cross-checking.
    fn lcs_len(a: &[u8], b: &[u8]) -> usize {
        let mut prev = vec![0usize; b.len() + 1];
        for &x in a {
            let mut cur = vec![0usize; b.len() + 1];
            for (j, &y) in b.iter().enumerate() {
                cur[j + 1] = if x == y {
                    prev[j] + 1
                } else {
                    prev[j + 1].max(cur[j])
                };
            }
            prev = cur;
        }
        prev[b.len()]
    }

    fn is_subsequence(sub: &[u8], s: &[u8]) -> bool {
        let mut it = s.iter();
        sub.iter().all(|c| it.any(|x| x == c))
    }

    #[test]
    fn docs_example() {
        let r = lcs(b"ohmytext", b"mynewtext");
        assert_eq!(r.string, b"mytext");
        assert_eq!(r.len, 6);
        assert_eq!(r.matches, vec![((4, 7), (5, 8), 4), ((2, 3), (0, 1), 2)]);
    }

    #[test]
    fn empty_inputs() {
        assert_eq!(lcs(b"", b"abc"), LcsResult::default());
        assert_eq!(lcs(b"abc", b""), LcsResult::default());
        assert_eq!(lcs(b"abc", b"xyz"), LcsResult::default());
    }

    #[test]
    fn limits() {
        assert_eq!(lcs_table_cells(b"ab", b"abc"), Some(12));
        assert_eq!(lcs_checked(b"ab", b"abc", 47), Err(LcsError::ExceedsLimit));
        assert!(lcs_checked(b"ab", b"abc", 48).is_ok());
        // Boundary recorded with proto-max-bulk-len 1mb on redis-server 7.0.15.
        let a = vec![b'a'; 511];
        let b = vec![b'a'; 512];
        assert_eq!(lcs_checked(&a, &a, 1 << 20).map(|r| r.len), Ok(511));
        assert_eq!(lcs_checked(&a, &b, 1 << 20), Err(LcsError::ExceedsLimit));
    }

    /// Recorded from redis-server 7.0.15 `LCS a b IDX WITHMATCHLEN`.
    #[test]
    fn recorded_against_redis() {
        type Case<'a> = (&'a [u8], &'a [u8], &'a [u8], usize, &'a [LcsMatch]);
        let cases: &[Case] = &[
            // BEGIN RECORDED
            (
                &b"\x05\xb9w\xbe\xd1\xd7$i\xcfP\xfe\xd6"[..],
                &b"\x07"[..],
                &b""[..],
                0,
                &[],
            ),
            (&b""[..], &b"\x8f"[..], &b""[..], 0, &[]),
            (
                &b"cdddcadad"[..],
                &b"aaacdcaaaaac"[..],
                &b"cdcaa"[..],
                5,
                &[
                    ((7, 7), (7, 7), 1),
                    ((3, 5), (4, 6), 3),
                    ((0, 0), (3, 3), 1),
                ],
            ),
            (
                &b"b"[..],
                &b"aabbb"[..],
                &b"b"[..],
                1,
                &[((0, 0), (4, 4), 1)],
            ),
            (
                &b"aaa"[..],
                &b"bbbbabbb"[..],
                &b"a"[..],
                1,
                &[((2, 2), (4, 4), 1)],
            ),
            (
                &b"cdabbdacbdcdccddad"[..],
                &b"dcbd"[..],
                &b"dcbd"[..],
                4,
                &[
                    ((17, 17), (3, 3), 1),
                    ((7, 8), (1, 2), 2),
                    ((5, 5), (0, 0), 1),
                ],
            ),
            (
                &b"caabbbbab"[..],
                &b"bcbac"[..],
                &b"bba"[..],
                3,
                &[((6, 7), (2, 3), 2), ((5, 5), (0, 0), 1)],
            ),
            (
                &b"bbbabbbaa"[..],
                &b"bababbabba"[..],
                &b"babbbaa"[..],
                7,
                &[
                    ((8, 8), (9, 9), 1),
                    ((5, 7), (4, 6), 3),
                    ((2, 4), (0, 2), 3),
                ],
            ),
            (
                &b"\xe4\xcb\x06\x7f\xdc\x93kiyQ\x0fd\xc6x\xa36-x&\x9b"[..],
                &b"E\x9b\x0b\xc7\xba\x91\xd2\x81\xfe_\xb6\xcei\xe95\xf1"[..],
                &b"\x9b"[..],
                1,
                &[((19, 19), (1, 1), 1)],
            ),
            (
                &b"ccaababdacaddbdcbcc"[..],
                &b"a"[..],
                &b"a"[..],
                1,
                &[((10, 10), (0, 0), 1)],
            ),
            (
                &b"daaacbddcdbaca"[..],
                &b"ddaacca"[..],
                &b"daacca"[..],
                6,
                &[
                    ((12, 13), (5, 6), 2),
                    ((8, 8), (4, 4), 1),
                    ((2, 3), (2, 3), 2),
                    ((0, 0), (0, 0), 1),
                ],
            ),
            (&b""[..], &b""[..], &b""[..], 0, &[]),
            (
                &b"abaabbbbbbabbaab"[..],
                &b"abababaaaabaaaaba"[..],
                &b"abababbaab"[..],
                10,
                &[
                    ((13, 15), (13, 15), 3),
                    ((12, 12), (10, 10), 1),
                    ((9, 11), (3, 5), 3),
                    ((3, 3), (2, 2), 1),
                    ((0, 1), (0, 1), 2),
                ],
            ),
            (
                &b"ATCCTAG"[..],
                &b"ACGT"[..],
                &b"ACG"[..],
                3,
                &[
                    ((6, 6), (2, 2), 1),
                    ((3, 3), (1, 1), 1),
                    ((0, 0), (0, 0), 1),
                ],
            ),
            (
                &b"\xab\xa4P\x82\xbcv\x91h\xc3"[..],
                &b"\xab%\x0f#\xb7cft5"[..],
                &b"\xab"[..],
                1,
                &[((0, 0), (0, 0), 1)],
            ),
            (
                &b"\xb2\xb57BK\xf2\xf6z\xeePPBB\x18y\x12\xbaW"[..],
                &b"z\x1e"[..],
                &b"z"[..],
                1,
                &[((7, 7), (0, 0), 1)],
            ),
            (
                &b"CAGGTGCAA"[..],
                &b"TTCGTACCACACCTACTA"[..],
                &b"CGTCAA"[..],
                6,
                &[
                    ((8, 8), (17, 17), 1),
                    ((7, 7), (14, 14), 1),
                    ((6, 6), (12, 12), 1),
                    ((3, 4), (3, 4), 2),
                    ((0, 0), (2, 2), 1),
                ],
            ),
            (
                &b"TGTTGAGAATG"[..],
                &b"GCTGCGTGACCCCAC"[..],
                &b"GTGGTG"[..],
                6,
                &[
                    ((9, 10), (6, 7), 2),
                    ((6, 6), (5, 5), 1),
                    ((3, 4), (2, 3), 2),
                    ((1, 1), (0, 0), 1),
                ],
            ),
            (
                &b"abb"[..],
                &b"bab"[..],
                &b"bb"[..],
                2,
                &[((2, 2), (2, 2), 1), ((1, 1), (0, 0), 1)],
            ),
            (&b"bcc"[..], &b"add"[..], &b""[..], 0, &[]),
            (
                &b"AG"[..],
                &b"TACCCCTCCTG"[..],
                &b"AG"[..],
                2,
                &[((1, 1), (10, 10), 1), ((0, 0), (1, 1), 1)],
            ),
            (
                &b"n[\"\xe0\xa7\x1c|\x94\xa6\xf2\xaa"[..],
                &b"X\xf5\x94"[..],
                &b"\x94"[..],
                1,
                &[((7, 7), (2, 2), 1)],
            ),
            (
                &b"TCATACTGAGCGAAAACCTA"[..],
                &b"CCATTTTTCGGGATATCCCA"[..],
                &b"CATTGGGAACCA"[..],
                12,
                &[
                    ((19, 19), (19, 19), 1),
                    ((16, 17), (16, 17), 2),
                    ((15, 15), (14, 14), 1),
                    ((14, 14), (12, 12), 1),
                    ((11, 11), (11, 11), 1),
                    ((9, 9), (10, 10), 1),
                    ((7, 7), (9, 9), 1),
                    ((6, 6), (7, 7), 1),
                    ((1, 3), (1, 3), 3),
                ],
            ),
            (&b"aba"[..], &b"b"[..], &b"b"[..], 1, &[((1, 1), (0, 0), 1)]),
            (
                &b"\x0a\xd7\x97Y\x1e&Q\x8a\xa1g&N\x9c\xf4\x97\xac\xca\xdc\x1e"[..],
                &b"-\xa7\xeb"[..],
                &b""[..],
                0,
                &[],
            ),
            (
                &b"abaacadba"[..],
                &b"ddbd"[..],
                &b"db"[..],
                2,
                &[((6, 7), (1, 2), 2)],
            ),
            (
                &b"\x92\xf6\xb4\x8f\xfe\xa8#C"[..],
                &b"0\xbf\x7f\xae\xc951\xfb"[..],
                &b""[..],
                0,
                &[],
            ),
            (
                &b"bcbbbccccadcbbbb"[..],
                &b"cd"[..],
                &b"cd"[..],
                2,
                &[((10, 10), (1, 1), 1), ((8, 8), (0, 0), 1)],
            ),
            (
                &b"cbcaaacccccbc"[..],
                &b"cbcbbccc"[..],
                &b"cbcccc"[..],
                6,
                &[
                    ((12, 12), (7, 7), 1),
                    ((9, 10), (5, 6), 2),
                    ((8, 8), (2, 2), 1),
                    ((0, 1), (0, 1), 2),
                ],
            ),
            (&b"AC"[..], &b"TT"[..], &b""[..], 0, &[]),
            (
                &b"dadb"[..],
                &b"abdabcadcddadcdbcb"[..],
                &b"dadb"[..],
                4,
                &[
                    ((3, 3), (17, 17), 1),
                    ((2, 2), (14, 14), 1),
                    ((0, 1), (10, 11), 2),
                ],
            ),
            (
                &b"bbababbaabbaaabab"[..],
                &b"ab"[..],
                &b"ab"[..],
                2,
                &[((15, 16), (0, 1), 2)],
            ),
            (
                &b"b"[..],
                &b"bcaaaaabcabacabacb"[..],
                &b"b"[..],
                1,
                &[((0, 0), (17, 17), 1)],
            ),
            (
                &b"acddccaccabdada"[..],
                &b"bcbdbcaadccbcaabccac"[..],
                &b"cdcaccbaa"[..],
                9,
                &[
                    ((14, 14), (18, 18), 1),
                    ((12, 12), (13, 13), 1),
                    ((10, 10), (11, 11), 1),
                    ((7, 8), (9, 10), 2),
                    ((6, 6), (7, 7), 1),
                    ((5, 5), (5, 5), 1),
                    ((3, 3), (3, 3), 1),
                    ((1, 1), (1, 1), 1),
                ],
            ),
            (
                &b"TTTGATGGTTACGC"[..],
                &b"ACAAGACAGGAAACGGT"[..],
                &b"GAGGACG"[..],
                7,
                &[
                    ((10, 12), (12, 14), 3),
                    ((6, 7), (8, 9), 2),
                    ((3, 4), (4, 5), 2),
                ],
            ),
            (
                &b"\x99\x09\x04\xe5i\xfc\"@\xe33"[..],
                &b"\xdf\xdcn>\x8e.\x95X\x1a(@\xeb"[..],
                &b"@"[..],
                1,
                &[((7, 7), (10, 10), 1)],
            ),
            (
                &b"abddbbdbaabcbd"[..],
                &b"bbcdcb"[..],
                &b"bbdcb"[..],
                5,
                &[
                    ((11, 12), (4, 5), 2),
                    ((6, 6), (3, 3), 1),
                    ((4, 5), (0, 1), 2),
                ],
            ),
            (
                &b"cbbba"[..],
                &b"bba"[..],
                &b"bba"[..],
                3,
                &[((2, 4), (0, 2), 3)],
            ),
            (&b"baacbbbaabaacaabaaca"[..], &b""[..], &b""[..], 0, &[]),
            (
                &b"daa"[..],
                &b"da"[..],
                &b"da"[..],
                2,
                &[((2, 2), (1, 1), 1), ((0, 0), (0, 0), 1)],
            ),
            (
                &b"ATAGAAGTA"[..],
                &b"TTAT"[..],
                &b"TTA"[..],
                3,
                &[((7, 8), (1, 2), 2), ((1, 1), (0, 0), 1)],
            ),
            (
                &b"ccaabcdbca"[..],
                &b"abb"[..],
                &b"abb"[..],
                3,
                &[((7, 7), (2, 2), 1), ((3, 4), (0, 1), 2)],
            ),
            (
                &b"TC"[..],
                &b"GACTCCCGCTAA"[..],
                &b"TC"[..],
                2,
                &[((1, 1), (8, 8), 1), ((0, 0), (3, 3), 1)],
            ),
            (
                &b"baabaab"[..],
                &b"ababbbbbaabbabbbaa"[..],
                &b"aabaab"[..],
                6,
                &[
                    ((6, 6), (15, 15), 1),
                    ((5, 5), (12, 12), 1),
                    ((4, 4), (9, 9), 1),
                    ((3, 3), (7, 7), 1),
                    ((2, 2), (2, 2), 1),
                    ((1, 1), (0, 0), 1),
                ],
            ),
            (
                &b"TTCGCAAAGCCCTGGTGTA"[..],
                &b"TAATTTAAAGCGCTAGCAC"[..],
                &b"TTAAAGCGTGA"[..],
                11,
                &[
                    ((18, 18), (17, 17), 1),
                    ((16, 16), (15, 15), 1),
                    ((15, 15), (13, 13), 1),
                    ((14, 14), (11, 11), 1),
                    ((11, 11), (10, 10), 1),
                    ((5, 8), (6, 9), 4),
                    ((1, 1), (3, 3), 1),
                    ((0, 0), (0, 0), 1),
                ],
            ),
            // END RECORDED
        ];
        for (a, b, s, n, ms) in cases {
            let r = lcs(a, b);
            assert_eq!(r.string, *s, "{a:?} {b:?}");
            assert_eq!(r.len, *n);
            assert_eq!(r.matches, *ms, "{a:?} {b:?}");
        }
    }

    proptest! {
        #[test]
        fn is_a_longest_common_subsequence(
            a in proptest::collection::vec(0u8..4, 0..24),
            b in proptest::collection::vec(0u8..4, 0..24),
        ) {
            let r = lcs(&a, &b);
            prop_assert_eq!(r.len, lcs_len(&a, &b));
            prop_assert_eq!(r.string.len(), r.len);
            prop_assert!(is_subsequence(&r.string, &a));
            prop_assert!(is_subsequence(&r.string, &b));
            let mut covered = 0;
            for &((a0, a1), (b0, b1), n) in &r.matches {
                prop_assert_eq!(a1 - a0 + 1, n);
                prop_assert_eq!(b1 - b0 + 1, n);
                prop_assert_eq!(&a[a0..=a1], &b[b0..=b1]);
                covered += n;
            }
            prop_assert_eq!(covered, r.len);
        }
    }
}
