//! SORT and SORT_RO: sorting a list, set or sorted set numerically or lexically, by the element
//! itself or by external keys (`BY pattern`, with `*` substitution and `->field` hash lookups),
//! projecting with `GET pattern` / `GET #`, with LIMIT, and storing into a list (`STORE`).
//!
//! Follows Redis 7.0's sort.c: option parsing order and errors, the LIMIT clamping, "BY nosort"
//! (a pattern without `*`) keeping the native order (reversed by DESC for lists), the forced
//! lexical sort of a set when storing without sorting, scores parsed with C `strtod` rules
//! ("One or more scores can't be converted into double"), and ALPHA comparing with `strcoll`
//! (byte order up to the first NUL, as in the C / C.UTF-8 locales) except under STORE, where it
//! is binary-safe. Equal weights end up where Redis puts them: a stable sort (glibc's qsort is a
//! merge sort) or, for a BY window, a step-for-step partial quicksort like Redis's pqsort.

use super::notify;
use super::{is, CmdError, CmdResult, Ctx};
use crate::store::{ListValue, SmallBytes, Store, Value};
use bytes::Bytes;
use std::cmp::Ordering;

/// SORT key [BY pattern] [LIMIT offset count] [GET pattern ...] [ASC|DESC] [ALPHA] [STORE dest]
pub fn sort(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    sort_generic(ctx, args, false)
}

/// SORT_RO: SORT without STORE.
pub fn sort_ro(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    sort_generic(ctx, args, true)
}

/// One element being sorted, with its precomputed weight.
struct Item {
    obj: Vec<u8>,
    score: f64,
    /// The BY value for ALPHA sorts by pattern (None: the weight key is missing).
    cmp: Option<Vec<u8>>,
}

/// The bytes before the first NUL: what C string functions see.
fn cstr(b: &[u8]) -> &[u8] {
    match b.iter().position(|&c| c == 0) {
        Some(i) => &b[..i],
        None => b,
    }
}

fn sort_generic(ctx: &mut Ctx<'_>, args: &[Bytes], readonly: bool) -> CmdResult {
    let mut desc = false;
    let mut alpha = false;
    let mut limit_start: i64 = 0;
    let mut limit_count: i64 = -1;
    let mut dontsort = false;
    let mut sortby: Option<&[u8]> = None;
    let mut storekey: Option<&[u8]> = None;
    let mut gets: Vec<&[u8]> = Vec::new();
    let mut j = 2;
    while j < args.len() {
        let a = &args[j];
        let left = args.len() - j - 1;
        if is(a, "asc") {
            desc = false;
        } else if is(a, "desc") {
            desc = true;
        } else if is(a, "alpha") {
            alpha = true;
        } else if is(a, "limit") && left >= 2 {
            limit_start = parse_long(&args[j + 1])?;
            limit_count = parse_long(&args[j + 2])?;
            j += 2;
        } else if !readonly && is(a, "store") && left >= 1 {
            storekey = Some(&args[j + 1]);
            j += 1;
        } else if is(a, "by") && left >= 1 {
            sortby = Some(&args[j + 1]);
            // A pattern without '*' names one fixed key: there is nothing to sort by.
            if !cstr(&args[j + 1]).contains(&b'*') {
                dontsort = true;
            }
            j += 1;
        } else if is(a, "get") && left >= 1 {
            gets.push(&args[j + 1]);
            j += 1;
        } else {
            return Err(CmdError::syntax());
        }
        j += 1;
    }

    let db = ctx.db();
    let store = &mut ctx.eng.store;
    let (elems, is_set, ordered) = load(store, db, &args[1])?;

    // Sorting a set "by nothing" must still give every replica the same order when stored.
    if dontsort && is_set && storekey.is_some() {
        dontsort = false;
        alpha = true;
        sortby = None;
    }

    let vl = elems.len() as i64;
    let mut start = limit_start.clamp(0, vl);
    let count = limit_count.clamp(-1, vl);
    let mut end = if count < 0 { vl - 1 } else { start + count - 1 };
    if start >= vl {
        start = vl - 1;
        end = vl - 2;
    }
    if end >= vl {
        end = vl - 1;
    }

    let mut vector: Vec<Item> = if ordered && dontsort {
        // Lists and sorted sets keep their native order (DESC reverses it); only the LIMIT
        // window is loaded.
        let n = (end - start + 1).max(0) as usize;
        let s = start.max(0) as usize;
        let picked: Vec<Vec<u8>> = if desc {
            elems.into_iter().rev().skip(s).take(n).collect()
        } else {
            elems.into_iter().skip(s).take(n).collect()
        };
        if end >= start {
            end -= start;
            start = 0;
        }
        picked.into_iter().map(item).collect()
    } else {
        elems.into_iter().map(item).collect()
    };

    let mut conversion_error = false;
    if !dontsort {
        for it in vector.iter_mut() {
            let by: Option<Weight> = match sortby {
                Some(p) => match lookup_by_pattern(store, db, p, &it.obj) {
                    Some(w) => Some(w),
                    None => continue,
                },
                None => None,
            };
            if alpha {
                if let Some(w) = by {
                    it.cmp = Some(w.into_bytes());
                }
            } else {
                let score = match &by {
                    Some(Weight::Int(i)) => Some(*i as f64),
                    Some(Weight::Bytes(b)) => strtod_score(b),
                    None => strtod_score(&it.obj),
                };
                match score {
                    Some(s) => it.score = s,
                    None => conversion_error = true,
                }
            }
        }
        // The reply is an error anyway; skip sorting on weights that are not numbers.
        if !conversion_error {
            let by_pattern = sortby.is_some();
            let binary = storekey.is_some();
            let cmp = |a: &Item, b: &Item| {
                let c = compare(a, b, alpha, by_pattern, binary);
                if desc {
                    c.reverse()
                } else {
                    c
                }
            };
            // Equal weights (possible with ALPHA BY) keep the order each of Redis's sorts leaves
            // them in: the partial quicksort for a BY window, else glibc's qsort, a stable merge
            // sort.
            if by_pattern && (start != 0 || end != vl - 1) {
                let n = vector.len();
                pqsort(&mut vector, 0, n, start, end, &cmp);
            } else {
                vector.sort_by(cmp);
            }
        }
    }

    let window = (end - start + 1).max(0) as usize;
    let outputlen = if gets.is_empty() {
        window
    } else {
        gets.len() * window
    };
    if conversion_error {
        return Err(CmdError::err(
            "One or more scores can't be converted into double",
        ));
    }
    let range = if window == 0 {
        &vector[0..0]
    } else {
        &vector[start as usize..=end as usize]
    };

    let Some(dest) = storekey else {
        ctx.out.array(outputlen);
        for it in range {
            if gets.is_empty() {
                ctx.out.bulk(&it.obj);
            }
            for g in &gets {
                match lookup_by_pattern(&mut ctx.eng.store, db, g, &it.obj) {
                    Some(v) => ctx.out.bulk(&v.into_bytes()),
                    None => ctx.out.null(),
                }
            }
        }
        return Ok(());
    };

    let mut list = ListValue::new();
    for it in range {
        if gets.is_empty() {
            list.items.push_back(SmallBytes::new(&it.obj));
        }
        for g in &gets {
            let v = lookup_by_pattern(&mut ctx.eng.store, db, g, &it.obj)
                .map(Weight::into_bytes)
                .unwrap_or_default();
            list.items.push_back(SmallBytes::new(&v));
        }
    }
    if outputlen > 0 {
        ctx.eng
            .store
            .set(db, dest, Value::List(Box::new(list)), None, false);
        ctx.modified(dest, notify::LIST, "sortstore");
        ctx.eng.dirty += outputlen as u64;
    } else if ctx.eng.store.remove(db, dest).is_some() {
        ctx.modified(dest, notify::GENERIC, "del");
        ctx.eng.dirty += 1;
    }
    ctx.out.int(outputlen as i64);
    Ok(())
}

/// The partial quicksort Redis uses for SORT ... BY ... LIMIT (Bentley & McIlroy's
/// "Engineering a Sort Function", skipping sub-arrays outside the `lo..=hi` window), step for
/// step, so that elements comparing equal end up where Redis puts them.
fn pqsort<T>(
    v: &mut [T],
    mut base: usize,
    mut n: usize,
    lo: i64,
    hi: i64,
    cmp: &impl Fn(&T, &T) -> Ordering,
) {
    // Whether the window has a position inside `s..s+k`, by Redis's pointer comparisons.
    let touches = |s: usize, k: usize| {
        let (s, e) = (s as i64, (s + k) as i64);
        !((lo < s && hi < s) || (lo >= e && hi >= e))
    };
    let med3 = |v: &[T], a: usize, b: usize, c: usize| -> usize {
        if cmp(&v[a], &v[b]) == Ordering::Less {
            if cmp(&v[b], &v[c]) == Ordering::Less {
                b
            } else if cmp(&v[a], &v[c]) == Ordering::Less {
                c
            } else {
                a
            }
        } else if cmp(&v[b], &v[c]) == Ordering::Greater {
            b
        } else if cmp(&v[a], &v[c]) == Ordering::Less {
            a
        } else {
            c
        }
    };
    loop {
        let a = base;
        if n < 7 {
            for m in a + 1..a + n {
                let mut l = m;
                while l > a && cmp(&v[l - 1], &v[l]) == Ordering::Greater {
                    v.swap(l, l - 1);
                    l -= 1;
                }
            }
            return;
        }
        let mut pm = a + n / 2;
        if n > 7 {
            let mut pl = a;
            let mut pn = a + n - 1;
            if n > 40 {
                let d = n / 8;
                pl = med3(v, pl, pl + d, pl + 2 * d);
                pm = med3(v, pm - d, pm, pm + d);
                pn = med3(v, pn - 2 * d, pn - d, pn);
            }
            pm = med3(v, pl, pm, pn);
        }
        v.swap(a, pm);
        // Indices are kept signed: `pc` may step just below `pb` while partitioning.
        let (mut pa, mut pb) = (a as isize + 1, a as isize + 1);
        let (mut pc, mut pd) = ((a + n - 1) as isize, (a + n - 1) as isize);
        loop {
            while pb <= pc {
                let r = cmp(&v[pb as usize], &v[a]);
                if r == Ordering::Greater {
                    break;
                }
                if r == Ordering::Equal {
                    v.swap(pa as usize, pb as usize);
                    pa += 1;
                }
                pb += 1;
            }
            while pb <= pc {
                let r = cmp(&v[pc as usize], &v[a]);
                if r == Ordering::Less {
                    break;
                }
                if r == Ordering::Equal {
                    v.swap(pc as usize, pd as usize);
                    pd -= 1;
                }
                pc -= 1;
            }
            if pb > pc {
                break;
            }
            v.swap(pb as usize, pc as usize);
            pb += 1;
            pc -= 1;
        }
        let (pa, pb, pc, pd) = (pa as usize, pb as usize, pc as usize, pd as usize);
        let pn = a + n;
        // Move the runs equal to the pivot from both ends into the middle.
        let r = (pa - a).min(pb - pa);
        for i in 0..r {
            v.swap(a + i, pb - r + i);
        }
        let r = (pd - pc).min(pn - pd - 1);
        for i in 0..r {
            v.swap(pb + i, pn - r + i);
        }
        let left = pb - pa;
        if left > 1 && touches(a, left) {
            pqsort(v, a, left, lo, hi, cmp);
        }
        let right = pd - pc;
        if right > 1 && touches(pn - right, right) {
            base = pn - right;
            n = right;
            continue;
        }
        return;
    }
}

fn item(obj: Vec<u8>) -> Item {
    Item {
        obj,
        score: 0.0,
        cmp: None,
    }
}

/// LIMIT arguments: a C long.
fn parse_long(a: &[u8]) -> Result<i64, CmdError> {
    crate::util::num::parse_i64(a).ok_or_else(CmdError::not_int)
}

/// The elements of the key to sort, in native order, with whether it is a set and whether its
/// order is meaningful (list, sorted set). A missing key sorts as an empty list.
fn load(store: &mut Store, db: usize, key: &[u8]) -> Result<(Vec<Vec<u8>>, bool, bool), CmdError> {
    let Some(e) = store.get(db, key) else {
        return Ok((Vec::new(), false, true));
    };
    match &e.value {
        Value::List(l) => Ok((l.items.iter().map(|s| s.to_vec()).collect(), false, true)),
        Value::Set(s) => Ok((s.iter().map(|m| m.into_owned()).collect(), true, false)),
        Value::ZSet(_) => {
            // Redis converts a listpack-encoded sorted set to a skiplist for good before sorting.
            let Some(z) = store.get_mut(db, key).and_then(|e| e.value.as_zset_mut()) else {
                return Err(CmdError::wrong_type());
            };
            z.convert_to_skiplist();
            let members = z.iter_from(0, false).map(|(m, _)| m.to_vec()).collect();
            Ok((members, false, true))
        }
        _ => Err(CmdError::wrong_type()),
    }
}

/// A value found through a pattern: integer-encoded strings are used as numbers directly, as
/// Redis does, everything else as bytes.
enum Weight {
    Int(i64),
    Bytes(Vec<u8>),
}

impl Weight {
    fn into_bytes(self) -> Vec<u8> {
        match self {
            Weight::Int(i) => i.to_string().into_bytes(),
            Weight::Bytes(b) => b,
        }
    }
}

/// Redis's lookupKeyByPattern: `#` is the element itself; otherwise the first `*` is replaced
/// by the element and the resulting key read as a string, or, with a `->field` suffix after the
/// `*`, as a hash field. None when there is no `*`, no key, or a key of the wrong type.
fn lookup_by_pattern(store: &mut Store, db: usize, pat: &[u8], subst: &[u8]) -> Option<Weight> {
    // The pattern is inspected as a C string; lengths use the whole argument.
    if cstr(pat) == b"#" {
        return Some(Weight::Bytes(subst.to_vec()));
    }
    let c = cstr(pat);
    let star = c.iter().position(|&b| b == b'*')?;
    let after = &c[star + 1..];
    let field: Option<&[u8]> = after.windows(2).position(|w| w == b"->").and_then(|i| {
        let f = star + 1 + i; // index of "->" in pat
                              // "->" must be followed by something (a non-NUL byte) to be a hash dereference.
        (f + 2 < c.len()).then(|| &pat[f + 2..])
    });
    let fieldlen = field.map_or(0, |f| f.len());
    let postfixlen = pat.len() - (star + 1) - if field.is_some() { fieldlen + 2 } else { 0 };
    let mut key = Vec::with_capacity(star + subst.len() + postfixlen);
    key.extend_from_slice(&pat[..star]);
    key.extend_from_slice(subst);
    key.extend_from_slice(&pat[star + 1..star + 1 + postfixlen]);
    let e = store.get(db, &key)?;
    match field {
        Some(f) => {
            let h = e.value.as_hash()?;
            h.get(f).map(|v| Weight::Bytes(v.to_vec()))
        }
        None => match &e.value {
            Value::Int(i) => Some(Weight::Int(*i)),
            Value::Emb(s) => Some(Weight::Bytes(s.to_vec())),
            Value::Raw(r) => Some(Weight::Bytes(r.to_vec())),
            _ => None,
        },
    }
}

/// A weight as SORT parses it: C `strtod` on the bytes before the first NUL, which must consume
/// everything, not overflow or underflow (ERANGE), and not be NaN. Leading whitespace and the
/// empty string (0) are accepted.
fn strtod_score(b: &[u8]) -> Option<f64> {
    let mut buf = cstr(b).to_vec();
    buf.push(0);
    let mut endp: *mut libc::c_char = std::ptr::null_mut();
    // SAFETY: `buf` is NUL-terminated and outlives the call; strtod writes `endp` to a position
    // inside it; errno is thread-local.
    let (v, ok) = unsafe {
        *libc::__errno_location() = 0;
        let v = libc::strtod(buf.as_ptr().cast(), &mut endp);
        let rest_empty = !endp.is_null() && *endp == 0;
        (v, rest_empty && *libc::__errno_location() != libc::ERANGE)
    };
    (ok && !v.is_nan()).then_some(v)
}

/// Redis's sortCompare (before DESC is applied).
fn compare(a: &Item, b: &Item, alpha: bool, by_pattern: bool, binary: bool) -> Ordering {
    if !alpha {
        return match a.score.partial_cmp(&b.score) {
            Some(Ordering::Equal) | None => a.obj.cmp(&b.obj),
            Some(o) => o,
        };
    }
    let (x, y) = if by_pattern {
        match (&a.cmp, &b.cmp) {
            (None, None) => return Ordering::Equal,
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(x), Some(y)) => (x.as_slice(), y.as_slice()),
        }
    } else {
        (a.obj.as_slice(), b.obj.as_slice())
    };
    if binary {
        x.cmp(y)
    } else {
        cstr(x).cmp(cstr(y))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// The window of a partial sort holds what a full sort puts there.
        #[test]
        fn pqsort_window_matches_full_sort(
            mut v in proptest::collection::vec(0u8..20, 0..120),
            lo in 0usize..130,
            len in 0usize..130,
        ) {
            let n = v.len();
            let mut full = v.clone();
            full.sort();
            let lo = lo.min(n);
            let hi = (lo + len).min(n) as i64 - 1;
            pqsort(&mut v, 0, n, lo as i64, hi, &|a: &u8, b: &u8| a.cmp(b));
            if hi >= lo as i64 {
                proptest::prop_assert_eq!(&v[lo..=hi as usize], &full[lo..=hi as usize]);
            }
        }
    }

    #[test]
    fn scores_follow_strtod() {
        assert_eq!(strtod_score(b"1.5"), Some(1.5));
        assert_eq!(strtod_score(b" 2"), Some(2.0));
        assert_eq!(strtod_score(b""), Some(0.0));
        assert_eq!(strtod_score(b"3\x00junk"), Some(3.0));
        assert_eq!(strtod_score(b"0x10"), Some(16.0));
        assert_eq!(strtod_score(b"inf"), Some(f64::INFINITY));
        assert_eq!(strtod_score(b"2 "), None);
        assert_eq!(strtod_score(b"nan"), None);
        assert_eq!(strtod_score(b"1e400"), None);
        assert_eq!(strtod_score(b"abc"), None);
    }
}
