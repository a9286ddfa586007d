//! Glob-style pattern matching with exactly the semantics of Redis 7.0's
//! `stringmatchlen` (used by KEYS, SCAN MATCH, PSUBSCRIBE, CONFIG GET, ACL key
//! patterns...). It owns the matching rules only: it knows nothing about keys,
//! databases or commands. Callers keep their own shortcuts; note in particular
//! that KEYS and SCAN treat the one-byte pattern `*` as "everything" *before*
//! calling the matcher, which matters because the matcher itself never matches
//! an empty subject unless the pattern is empty too.
//!
//! Rules mirrored from the reference server, quirks included:
//! - `*` matches any run of bytes (runs of `*` collapse); `?` matches one byte.
//! - `[...]` matches one byte from a set; `^` right after `[` negates; `a-z`
//!   ranges compare as *signed* C chars and reversed ranges are swapped; `\x`
//!   inside a set is a literal `x`, compared case-sensitively even in nocase
//!   mode. An unterminated set ends at the end of the pattern.
//! - `\x` outside a set is a literal `x`; a trailing lone `\` is a literal `\`.
//! - Case folding is ASCII only, but glibc's `tolower` maps bytes 0x80..=0xFE
//!   (seen as negative chars) to 128..=254, which shifts them inside ranges;
//!   we reproduce that.
//! - Anti-abuse: once every position for a `*` has failed, no earlier `*` is
//!   retried (CVE-2022-36021), and a pattern that needs more than 1000 nested
//!   `*` never matches (CVE-2024-31228, backported into the reference 7.0.15).
//!
//! The reference implementation recurses once per `*`; that could exhaust a
//! small thread stack on a long hostile pattern, so this one is iterative.
//! Because a failed `*` makes every outer `*` give up, only the innermost `*`
//! ever needs to be retried, so a single backtrack point is exactly
//! equivalent.

/// How many nested `*` the reference server tolerates before declaring
/// "no match".
const MAX_STAR_NESTING: usize = 1000;

/// Byte at `i`, or NUL past the end: the reference reads the C string's
/// terminator there, and a few of its checks depend on seeing that NUL.
#[inline]
fn at(s: &[u8], i: usize) -> u8 {
    s.get(i).copied().unwrap_or(0)
}

/// glibc's `tolower` applied to a (signed) C `char` promoted to `int`, in the
/// "C" locale the server runs with.
#[inline]
fn c_tolower(c: i32) -> i32 {
    match c {
        -128..=-2 => c + 256,
        0x41..=0x5a => c + 32,
        _ => c,
    }
}

/// A byte as x86-64 C sees a plain `char`: signed.
#[inline]
fn schar(b: u8) -> i32 {
    i32::from(b as i8)
}

#[inline]
fn byte_eq(a: u8, b: u8, nocase: bool) -> bool {
    if nocase {
        a.eq_ignore_ascii_case(&b)
    } else {
        a == b
    }
}

/// Returns true when `string` matches the glob `pattern` under Redis 7.0's
/// rules (see the module docs). Binary safe; never panics; time is bounded by
/// `O(pattern.len() * string.len())`.
pub fn glob_match(pattern: &[u8], string: &[u8], nocase: bool) -> bool {
    let plen = pattern.len();
    let slen = string.len();
    let mut pi = 0usize;
    let mut si = 0usize;
    // Innermost `*` entered so far: (index of that `*`, subject index its
    // current attempt started at).
    let mut star: Option<(usize, usize)> = None;
    let mut stars_entered = 0usize;

    loop {
        // One attempt from (pi, si); `None` means "this attempt failed".
        let outcome: Option<bool> = 'attempt: {
            while pi < plen && si < slen {
                match at(pattern, pi) {
                    b'*' => {
                        while pi < plen && at(pattern, pi + 1) == b'*' {
                            pi += 1;
                        }
                        if plen - pi == 1 {
                            return true;
                        }
                        if stars_entered >= MAX_STAR_NESTING {
                            return false;
                        }
                        stars_entered += 1;
                        star = Some((pi, si));
                        pi += 1;
                        continue;
                    }
                    b'?' => si += 1,
                    b'[' => {
                        pi += 1;
                        let negate = at(pattern, pi) == b'^';
                        if negate {
                            pi += 1;
                        }
                        let c = at(string, si);
                        let mut hit = false;
                        loop {
                            let rem = plen - pi;
                            let pc = at(pattern, pi);
                            if pc == b'\\' && rem >= 2 {
                                pi += 1;
                                if at(pattern, pi) == c {
                                    hit = true;
                                }
                            } else if pc == b']' {
                                break;
                            } else if rem == 0 {
                                // Unterminated set: step back so the shared
                                // advance below lands exactly on the end.
                                pi -= 1;
                                break;
                            } else if rem >= 3 && at(pattern, pi + 1) == b'-' {
                                let mut lo = schar(pc);
                                let mut hi = schar(at(pattern, pi + 2));
                                let mut ch = schar(c);
                                if lo > hi {
                                    std::mem::swap(&mut lo, &mut hi);
                                }
                                if nocase {
                                    lo = c_tolower(lo);
                                    hi = c_tolower(hi);
                                    ch = c_tolower(ch);
                                }
                                pi += 2;
                                if ch >= lo && ch <= hi {
                                    hit = true;
                                }
                            } else if byte_eq(pc, c, nocase) {
                                hit = true;
                            }
                            pi += 1;
                        }
                        if negate {
                            hit = !hit;
                        }
                        if !hit {
                            break 'attempt None;
                        }
                        si += 1;
                    }
                    pc => {
                        let lit = if pc == b'\\' && plen - pi >= 2 {
                            pi += 1;
                            at(pattern, pi)
                        } else {
                            pc
                        };
                        if !byte_eq(lit, at(string, si), nocase) {
                            break 'attempt None;
                        }
                        si += 1;
                    }
                }
                pi += 1;
                if si == slen {
                    while at(pattern, pi) == b'*' {
                        pi += 1;
                    }
                    break;
                }
            }
            if pi == plen && si == slen {
                Some(true)
            } else {
                None
            }
        };
        if outcome == Some(true) {
            return true;
        }
        // Retry the innermost `*` one byte further on; once it has tried
        // every position with at least one byte left, nothing can match.
        match star {
            Some((spi, ssi)) if ssi + 1 < slen => {
                star = Some((spi, ssi + 1));
                pi = spi + 1;
                si = ssi + 1;
            }
            _ => return false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Straight recursive transcription of the reference algorithm, used only
    /// as a test oracle for the iterative version above.
    fn oracle(p: &[u8], s: &[u8], nocase: bool) -> bool {
        fn imp(
            p: &[u8],
            mut pi: usize,
            s: &[u8],
            mut si: usize,
            nocase: bool,
            skip: &mut bool,
            nesting: usize,
        ) -> bool {
            if nesting > 1000 {
                return false;
            }
            let plen = p.len();
            let slen = s.len();
            while pi < plen && si < slen {
                match at(p, pi) {
                    b'*' => {
                        while pi < plen && at(p, pi + 1) == b'*' {
                            pi += 1;
                        }
                        if plen - pi == 1 {
                            return true;
                        }
                        while si < slen {
                            if imp(p, pi + 1, s, si, nocase, skip, nesting + 1) {
                                return true;
                            }
                            if *skip {
                                return false;
                            }
                            si += 1;
                        }
                        *skip = true;
                        return false;
                    }
                    b'?' => si += 1,
                    b'[' => {
                        pi += 1;
                        let not = at(p, pi) == b'^';
                        if not {
                            pi += 1;
                        }
                        let mut m = false;
                        loop {
                            if at(p, pi) == b'\\' && plen - pi >= 2 {
                                pi += 1;
                                if at(p, pi) == s[si] {
                                    m = true;
                                }
                            } else if at(p, pi) == b']' {
                                break;
                            } else if plen - pi == 0 {
                                pi -= 1;
                                break;
                            } else if plen - pi >= 3 && at(p, pi + 1) == b'-' {
                                let mut a = schar(at(p, pi));
                                let mut b = schar(at(p, pi + 2));
                                let mut c = schar(s[si]);
                                if a > b {
                                    std::mem::swap(&mut a, &mut b);
                                }
                                if nocase {
                                    a = c_tolower(a);
                                    b = c_tolower(b);
                                    c = c_tolower(c);
                                }
                                pi += 2;
                                if c >= a && c <= b {
                                    m = true;
                                }
                            } else if nocase {
                                if c_tolower(schar(at(p, pi))) == c_tolower(schar(s[si])) {
                                    m = true;
                                }
                            } else if at(p, pi) == s[si] {
                                m = true;
                            }
                            pi += 1;
                        }
                        if not {
                            m = !m;
                        }
                        if !m {
                            return false;
                        }
                        si += 1;
                    }
                    c0 => {
                        let mut c = c0;
                        if c == b'\\' && plen - pi >= 2 {
                            pi += 1;
                            c = at(p, pi);
                        }
                        let eq = if nocase {
                            c_tolower(schar(c)) == c_tolower(schar(s[si]))
                        } else {
                            c == s[si]
                        };
                        if !eq {
                            return false;
                        }
                        si += 1;
                    }
                }
                pi += 1;
                if si == slen {
                    while at(p, pi) == b'*' {
                        pi += 1;
                    }
                    break;
                }
            }
            pi == plen && si == slen
        }
        let mut skip = false;
        imp(p, 0, s, 0, nocase, &mut skip, 0)
    }

    fn m(p: &str, s: &str) -> bool {
        glob_match(p.as_bytes(), s.as_bytes(), false)
    }

    fn mi(p: &str, s: &str) -> bool {
        glob_match(p.as_bytes(), s.as_bytes(), true)
    }

    #[test]
    fn basics() {
        assert!(m("", ""));
        assert!(!m("", "a"));
        assert!(m("abc", "abc"));
        assert!(!m("abc", "abd"));
        assert!(!m("abc", "ab"));
        assert!(!m("ab", "abc"));
        assert!(m("a?c", "abc"));
        assert!(!m("a?c", "ac"));
        assert!(m("h*llo", "hllo"));
        assert!(m("h*llo", "heeeello"));
        assert!(m("*", "x"));
        assert!(m("***", "xyz"));
        assert!(m("a*", "a"));
        assert!(m("*a", "a"));
        assert!(m("*a*", "bab"));
        assert!(!m("*a*", "bbb"));
        assert!(m("h?llo*", "hello world"));
    }

    #[test]
    fn empty_subject_only_matches_empty_pattern() {
        // The matcher loop never runs with an empty subject; KEYS/SCAN
        // special-case the lone "*" pattern before calling us.
        assert!(!m("*", ""));
        assert!(!m("**", ""));
        assert!(!m("?", ""));
        assert!(!m("[a]", ""));
    }

    #[test]
    fn sets() {
        assert!(m("h[ae]llo", "hello"));
        assert!(m("h[ae]llo", "hallo"));
        assert!(!m("h[ae]llo", "hillo"));
        assert!(m("h[^e]llo", "hallo"));
        assert!(!m("h[^e]llo", "hello"));
        assert!(m("h[a-b]llo", "hbllo"));
        assert!(!m("h[a-b]llo", "hcllo"));
        // Reversed ranges are swapped.
        assert!(m("[z-a]", "q"));
        assert!(m("[^z-a]", "A"));
        // Escapes inside sets.
        assert!(m("[\\]]", "]"));
        assert!(m("[\\-]", "-"));
        assert!(m("[a\\-z]", "-"));
        assert!(!m("[a\\-z]", "b"));
        // "a-]" is a range from 'a' to ']' (swapped), leaving the set open.
        assert!(!m("[a-]", "-"));
        assert!(m("[a-]", "_"));
        assert!(m("[a-]", "]"));
        // A '-' that cannot start a range is literal.
        assert!(m("[-a]", "-"));
        assert!(!m("[a-]b]", "-"));
        assert!(m("[a-]b]", "b"));
        // "]" first is the terminator: the empty set never matches.
        assert!(!m("[]", "]"));
        assert!(!m("[]a]", "a"));
        assert!(!m("[]a]", "]"));
        assert!(m("[^]", "x"));
    }

    #[test]
    fn unterminated_sets() {
        assert!(!m("[", "a"));
        assert!(m("[a", "a"));
        assert!(!m("[a", "b"));
        assert!(m("[^", "a"));
        assert!(m("[^a", "b"));
        assert!(!m("[^a", "a"));
        assert!(m("[abc", "c"));
        assert!(!m("[abc", "cd"));
        assert!(m("[a-", "-"));
        assert!(m("[a-", "a"));
        assert!(!m("[a-", "b"));
        assert!(m("[\\", "\\"));
        assert!(m("*[a", "xxa"));
    }

    #[test]
    fn escapes() {
        assert!(m("\\*", "*"));
        assert!(!m("\\*", "a"));
        assert!(m("\\?", "?"));
        assert!(m("a\\", "a\\"));
        assert!(m("\\", "\\"));
        assert!(m("\\a", "a"));
        assert!(m("*\\", "xx\\"));
    }

    #[test]
    fn nocase() {
        assert!(mi("HeLLo", "hello"));
        assert!(mi("h[A-Z]llo", "hello"));
        assert!(mi("[a]", "A"));
        assert!(!m("[a]", "A"));
        // Escaped set members are compared exactly even in nocase mode.
        assert!(!mi("[\\a]", "A"));
        // Escaped literals outside a set do fold.
        assert!(mi("\\a", "A"));
        // Range bounds are folded after swapping: [Z-a] = ['Z'..='a'] folded
        // to ['z'..='a'], which is empty.
        assert!(m("[Z-a]", "_"));
        assert!(!mi("[Z-a]", "_"));
    }

    #[test]
    fn high_bytes_are_signed_in_ranges() {
        // 0xff is -1 as a signed char, so [a-\xff] is really [\xff-a].
        assert!(!glob_match(b"[a-\xff]", b"\x80", false));
        assert!(glob_match(b"[a-\xff]", b"0", false));
        assert!(glob_match(b"[\x80-\xff]", b"\x90", false));
        assert!(!glob_match(b"[\x80-\xff]", b"a", false));
        // With nocase glibc moves 0x80..=0xfe (but not 0xff) up to 128..=254.
        assert!(!glob_match(b"[\x80-a]", b"\x90", true));
        assert!(glob_match(b"[\x80-a]", b"\x90", false));
        assert!(glob_match(b"[\xff-a]", b"\xff", true));
        assert!(glob_match(b"\xc3\xa9", b"\xc3\xa9", true));
    }

    #[test]
    fn binary_safe() {
        assert!(glob_match(b"a\0b", b"a\0b", false));
        assert!(!glob_match(b"a\0b", b"a\0c", false));
        assert!(glob_match(b"*\0", b"xyz\0", false));
        assert!(glob_match(b"[\0]", b"\0", false));
        assert!(glob_match(b"?", b"\0", false));
    }

    #[test]
    fn pathological_patterns_are_fast() {
        let s = vec![b'a'; 50_000];
        let p = "*?".repeat(50_000);
        assert!(!glob_match(p.as_bytes(), &s, false));
        let p = "a*".repeat(20) + "b";
        assert!(!glob_match(p.as_bytes(), &s[..100], false));
    }

    /// Outcomes recorded from redis-server 7.0.15 KEYS against the key
    /// "a" x 3000.
    #[test]
    fn nesting_limit_recorded() {
        let s = vec![b'a'; 3000];
        let cases = [
            ("*a".repeat(1000), true),
            ("*a".repeat(1001), false),
            ("*a".repeat(1000) + "*", true),
            ("*a".repeat(1001) + "*", false),
            ("*?".repeat(1001), false),
            ("?*".repeat(999) + "a", true),
            ("a*".repeat(1001), true),
        ];
        for (p, want) in cases {
            assert_eq!(glob_match(p.as_bytes(), &s, false), want, "{}", p.len());
        }
    }

    #[test]
    fn nesting_limit() {
        let s = vec![b'a'; 3000];
        assert!(glob_match("*a".repeat(1000).as_bytes(), &s, false));
        assert!(!glob_match("*a".repeat(1001).as_bytes(), &s, false));
        // A final star returns before the nesting check.
        let p = "*a".repeat(1000) + "*";
        assert!(glob_match(p.as_bytes(), &s, false));
        assert_eq!(
            glob_match(p.as_bytes(), &s, false),
            oracle(p.as_bytes(), &s, false)
        );
    }

    /// Cases recorded from a differential run against redis-server 7.0.15's
    /// KEYS (see the crate's notes); each is (pattern, key, matches).
    #[test]
    fn recorded_against_redis() {
        let cases: &[(&[u8], &[u8], bool)] = &[
            // BEGIN RECORDED
            (b"**", b"z]-", true),
            (b"**", b"z\\", true),
            (b"**", b"*", true),
            (b"**", b"zzAb?\x80\x80", true),
            (b"**", b"", false),
            (b"*?", b"-z]", true),
            (b"*?", b"\x00\x80\xff\x00", true),
            (b"*?", b"-?\x00a^\x00\\", true),
            (b"*?", b"\xff\xff??a", true),
            (b"*?", b"", false),
            (b"*\\", b"^b\x00\\", true),
            (b"*\\", b"-\x80\\", true),
            (b"*\\", b"\xffA^\\", true),
            (b"*\\", b"[zA\\", true),
            (b"*\\", b"?^A*\x80]", false),
            (b"*\\", b"\x80\x80[*", false),
            (b"*a*b", b"\x80?[ab", true),
            (b"*a*b", b"a\x80\x80]-]b", true),
            (b"*a*b", b"\x00\xffAzab", true),
            (b"*a*b", b"\x80?-b\xffab", true),
            (b"*a*b", b"\x00\xff]\\]-", false),
            (b"*a*b", b"\\\x00\\]*]", false),
            (b"?*", b"bb\xffz", true),
            (b"?*", b"A*\x80\x80", true),
            (b"?*", b"-b^\\?^_", true),
            (b"?*", b"^b\x00\\", true),
            (b"?*", b"", false),
            (b"[", b"Ab]_\x80", false),
            (b"[", b"?_-\x80*", false),
            (b"[-a]", b"a", true),
            (b"[-a]", b"-", true),
            (b"[-a]", b"A?]", false),
            (b"[-a]", b"\x00-^\xffa?", false),
            (b"[\\", b"\\", true),
            (b"[\\", b"^\\", false),
            (b"[\\", b"\x00\x80", false),
            (b"[\\]]", b"]", true),
            (b"[\\]]", b"-[b-\\\x00", false),
            (b"[\\]]", b"-[b?", false),
            (b"[]", b"b\x00_^^-?", false),
            (b"[]", b"bb\xffz", false),
            (b"[]a]", b"\\^?_^]_", false),
            (b"[]a]", b"\x00\x00^a\xff", false),
            (b"[^", b"b", true),
            (b"[^", b"\x80", true),
            (b"[^", b"\x00", true),
            (b"[^", b"]", true),
            (b"[^", b"Az", false),
            (b"[^", b"^\\\x80\x80a\xff", false),
            (b"[^]", b"A", true),
            (b"[^]", b"_", true),
            (b"[^]", b"\\", true),
            (b"[^]", b"a", true),
            (b"[^]", b"]\x00", false),
            (b"[^]", b"^A_[*A", false),
            (b"[^a-z]*", b"\x00-a_", true),
            (b"[^a-z]*", b"\\", true),
            (b"[^a-z]*", b"_*\\", true),
            (b"[^a-z]*", b"\xff\x00]", true),
            (b"[^a-z]*", b"z_\\\x80\x00", false),
            (b"[^a-z]*", b"b", false),
            (b"[a-]", b"_", true),
            (b"[a-]", b"a", true),
            (b"[a-]", b"]", true),
            (b"[a-]", b"^", true),
            (b"[a-]", b"?z", false),
            (b"[a-]", b"ba]^[^\x80", false),
            (b"[a-]b]", b"^", true),
            (b"[a-]b]", b"]", true),
            (b"[a-]b]", b"_", true),
            (b"[a-]b]", b"b", true),
            (b"[a-]b]", b"^\x00A[?_", false),
            (b"[a-]b]", b"b\x00?", false),
            (b"[a-\xff]", b"*", true),
            (b"[a-\xff]", b"^", true),
            (b"[a-\xff]", b"-", true),
            (b"[a-\xff]", b"[", true),
            (b"[a-\xff]", b"a\\", false),
            (b"[a-\xff]", b"Ab*A\x00-", false),
            (b"[z-a]", b"z", true),
            (b"[z-a]", b"a", true),
            (b"[z-a]", b"b", true),
            (b"[z-a]", b"\xffz", false),
            (b"[z-a]", b"[_]\\", false),
            (b"[\x80-\xff]", b"\x80", true),
            (b"[\x80-\xff]", b"^\\", false),
            (b"[\x80-\xff]", b"\x80\\\x80A[", false),
            (b"[\xff-a]", b"]", true),
            (b"[\xff-a]", b"[", true),
            (b"[\xff-a]", b"_", true),
            (b"[\xff-a]", b"A", true),
            (b"[\xff-a]", b"\\z]\x80-\xff\\", false),
            (b"[\xff-a]", b"A-_a", false),
            (b"\\", b"\\", true),
            (b"\\", b"\x00*^", false),
            (b"\\", b"^][[]", false),
            (b"\\*", b"*", true),
            (b"\\*", b"?_\xff[", false),
            (b"\\*", b"\x00b", false),
            (b"a[", b"_]aA-z", false),
            (b"a[", b"z?[A", false),
            (b"a[^", b"a?", true),
            (b"a[^", b"a\xff", true),
            (b"a[^", b"a\\", true),
            (b"a[^", b"a_", true),
            (b"a[^", b"?\\^-*\xff]", false),
            (b"a[^", b"\x80", false),
            (b"a\\", b"a\\", true),
            (b"a\\", b"a^z[A]*", false),
            (b"a\\", b"\\a?-?^", false),
            (b"*z", b"\xff__?]z", true),
            (b"^*", b"^zb\x80-\\_", true),
            (b"*[*^", b"\x80**", true),
            (b"\xff*", b"\xffb-]", true),
            (b"*\xff", b"*\xff", true),
            (b"?", b"_", true),
            (b"*\xff", b"^\\\x80\x80a\xff", true),
            (b"^*\\", b"^\\", true),
            (b"[[z[-", b"[", true),
            (b"*[_***[", b"_\\*", true),
            (b"*A*", b"\x00zA", true),
            (b"]?*", b"]*]\x80\x80[", true),
            (b"?", b"\x80", true),
            (b"*b\xff*", b"]b\xff?z", true),
            (b"*[*^", b"^a*", true),
            (b"*[\x80AA?\x80", b"*\\[?", true),
            (b"*[_***[", b"*\xff[*", true),
            (b"a", b"a", true),
            (b"\\b", b"b", true),
            (b"]", b"]", true),
            (b"*[_***[", b"*\x00^\x80-b*", true),
            (b"A", b"A", true),
            (b"A?", b"A]", true),
            (b"*[\x80AA?\x80", b"\x00_\x80?_-\x80", true),
            (b"*[\x80AA?\x80", b"AA", true),
            (b"\xff*", b"\xff\x00A\x00\x80_", true),
            (b"\\[]", b"[]", true),
            (b"*\xff", b"a\xff", true),
            (b"*[_***[", b"]\x80[", true),
            (b"*\\?", b"?[b[aA?", true),
            (b"*[?", b"*_]\x00?", true),
            (b"*[\x80AA?\x80", b"\x00zA", true),
            (b"**b", b"\xff*[b", true),
            (b"[*?^\x00\xff", b"^", true),
            (b"*-", b"Ab*A\x00-", true),
            (b"*??*b", b"-[b", true),
            (b"*[?", b"]\x80_zb-?", true),
            (b"*[?", b"b\x00?", true),
            (b"*[_***[", b"?*a[", true),
            (b"\x00*", b"\x00]]\x00\x00", true),
            (b"*A", b"A^AaA", true),
            (b"*[*^", b"]\xff-^", true),
            (b"**\x80b", b"\x80]zA\x80b", true),
            (b"]?*", b"]_\x00_\x80\x00", true),
            (b"*[_***[", b"^a*", true),
            (b"\xff*", b"\xffA^\\", true),
            (b"[*?^\x00\xff", b"*", true),
            (b"*A*", b"bA", true),
            (b"*\\?", b"]\x80_zb-?", true),
            (b"^*", b"^-a\xff", true),
            (b"*A*", b"^A_", true),
            (b"b*", b"ba]^[^\x80", true),
            (b"*[*^", b"-_^", true),
            (b"-[*\xffA", b"-A", true),
            (b"*A*", b"aA", true),
            (b"*[_***[", b"-b^\\?^_", true),
            (b"*[*^", b"\xff\\[*", true),
            (b"*\xff", b"_\x00b\xff]\xff", true),
            (b"[*?^\x00\xff", b"\x00", true),
            (b"*[\x80AA?\x80", b"]\x80_zb-?", true),
            (b"\xff**a", b"\xff\xff\x00a", true),
            (b"]?*", b"]a?_[", true),
            (b"\x00*", b"\x00\x00^a\xff", true),
            (b"*[_***[", b"\xffA-[", true),
            (b"^*", b"^\\^A", true),
            (b"?\\*\x00?b", b"b*\x00?b", true),
            (b"**b", b"\x80?-b\xffab", true),
            (b"^*", b"^\x00A[?_", true),
            (b"*[?", b"z[^[a??", true),
            (b"A*", b"A]^", true),
            (b"]*z\x00", b"\\?-?^", false),
            (b"bA?_A", b"^]", false),
            (b"a*\xff\x80", b"^", false),
            (b"^aa_*^", b"^\\", false),
            (b"[\\][\xff*^", b"[]\x80^-b\xff", false),
            (b"\\*\\", b"\xff\xff??a", false),
            (b"_^]*z\x80A", b"\x00A_^\x80\xff_", false),
            (b"Ab*-?", b"?_*b^\\", false),
            (b"*\x80\x80az\x80\xff", b"az\x00b", false),
            (b"\xffaa\xff[\xff\x00", b"\x00[]A?-]", false),
            (b"*a*\xff", b"aA?[?_\x00", false),
            (b"\x00**a*_-", b"^[*", false),
            (b"]b\\?", b"-", false),
            (b"]", b"\xffb-]", false),
            (b"*??*b", b"\x00\xff]\\]-", false),
            (b"]b-\xffz^", b"^][[]", false),
            (b"-_", b"?*\\", false),
            (b"\xff\\z*\\", b"bA", false),
            (b"_ba^", b"a?", false),
            (b"-]bz*b", b"^[a\x80", false),
            (b"\xff_\\b*?", b"-[b", false),
            (b"A[*_-\xff^", b"?z-\x00\x80\xff", false),
            (b"^*\\", b"\\\x80", false),
            (b"\\]-\xff\x00", b"a\\[_z*", false),
            (b"_\\\\[z", b"*_]\x00?", false),
            (b"?z", b"[\x00z]b\\\xff", false),
            (b"\x80^*\x80^", b"\x00*-\xff^[?", false),
            (b"_?*]\x80\xff", b"\\\x80]^?", false),
            (b"?^a\x00", b"-\x80\\", false),
            (b"\x00?_A*", b"\x00\\\xff_", false),
            // END RECORDED
        ];
        for (p, s, want) in cases {
            assert_eq!(glob_match(p, s, false), *want, "pattern {p:?} key {s:?}");
        }
    }

    fn small_pattern() -> impl Strategy<Value = Vec<u8>> {
        proptest::collection::vec(
            prop_oneof![
                Just(b'*'),
                Just(b'?'),
                Just(b'['),
                Just(b']'),
                Just(b'^'),
                Just(b'-'),
                Just(b'\\'),
                Just(b'a'),
                Just(b'B'),
                Just(b'z'),
                Just(0u8),
                Just(0xffu8),
                Just(0x80u8),
                any::<u8>(),
            ],
            0..12,
        )
    }

    fn small_subject() -> impl Strategy<Value = Vec<u8>> {
        proptest::collection::vec(
            prop_oneof![
                Just(b'a'),
                Just(b'b'),
                Just(b'A'),
                Just(b'z'),
                Just(b'-'),
                Just(b']'),
                Just(b'*'),
                Just(0u8),
                Just(0xffu8),
                any::<u8>(),
            ],
            0..10,
        )
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4000))]
        #[test]
        fn agrees_with_oracle(p in small_pattern(), s in small_subject(), nocase in any::<bool>()) {
            prop_assert_eq!(glob_match(&p, &s, nocase), oracle(&p, &s, nocase));
        }

        #[test]
        fn never_panics(p in proptest::collection::vec(any::<u8>(), 0..64),
                        s in proptest::collection::vec(any::<u8>(), 0..64),
                        nocase in any::<bool>()) {
            let _ = glob_match(&p, &s, nocase);
        }

        #[test]
        fn literal_patterns_match_themselves(s in proptest::collection::vec(any::<u8>(), 1..32)) {
            let mut p = Vec::new();
            for &b in &s {
                if matches!(b, b'*' | b'?' | b'[' | b'\\') {
                    p.push(b'\\');
                }
                p.push(b);
            }
            prop_assert!(glob_match(&p, &s, false));
        }
    }
}
