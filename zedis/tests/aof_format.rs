//! The AOF byte formats against Redis 7.0.15 itself: appendonlydirs Redis wrote
//! (`tests/fixtures/redis-7.0/redis-7.0.15-appendonlydir-preamble-{yes,no}`) parse, their
//! manifests round-trip byte for byte and their commands re-encode to the same bytes; damaged
//! files get the verdict (`ok_up_to`, `ok_up_to_line`, valid or not) the real `redis-check-aof`
//! prints for the same bytes; encode → read is the identity; hostile lengths fail without
//! allocating what they announce.

use proptest::prelude::*;
use std::alloc::{GlobalAlloc, Layout, System};
use std::fs;
use std::io::BufReader;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use zedis::persist::aof::manifest::{self, AofSet, FileKind, Manifest};
use zedis::persist::aof::{encode_command, encode_timestamp, verify, verify_reader, AofError};
use zedis::persist::aof::{Item, ProblemKind, Reader, Verdict};

/// Records the largest single allocation, so a test can show that an announced length was not
/// allocated.
struct PeakAlloc;

static LARGEST: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for PeakAlloc {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        LARGEST.fetch_max(l.size(), Ordering::Relaxed);
        unsafe { System.alloc(l) }
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        unsafe { System.dealloc(p, l) }
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, new: usize) -> *mut u8 {
        LARGEST.fetch_max(new, Ordering::Relaxed);
        unsafe { System.realloc(p, l, new) }
    }
}

#[global_allocator]
static GLOBAL: PeakAlloc = PeakAlloc;

const CHECK_AOF: &str = "/usr/bin/redis-check-aof";

fn fixture_dir(preamble: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!(
        "../tests/fixtures/redis-7.0/redis-7.0.15-appendonlydir-preamble-{preamble}"
    ))
}

/// A self-deleting scratch directory.
struct Scratch(PathBuf);

impl Scratch {
    fn new(label: &str) -> Scratch {
        static N: AtomicU64 = AtomicU64::new(0);
        let p = std::env::temp_dir().join(format!(
            "zedis-aof-format-{}-{}-{label}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        fs::create_dir_all(&p).unwrap();
        Scratch(p)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

fn all_items(bytes: &[u8]) -> Result<Vec<Item>, AofError> {
    let mut r = Reader::new(bytes);
    let mut out = Vec::new();
    while let Some(i) = r.next()? {
        out.push(i);
    }
    Ok(out)
}

fn commands(bytes: &[u8]) -> Vec<Vec<Vec<u8>>> {
    all_items(bytes)
        .unwrap()
        .into_iter()
        .filter_map(|i| match i {
            Item::Command { argv, .. } => Some(argv),
            _ => None,
        })
        .collect()
}

fn argv(words: &[&str]) -> Vec<Vec<u8>> {
    words.iter().map(|w| w.as_bytes().to_vec()).collect()
}

/// What redis-check-aof printed: per analyzed file (size, ok_up_to, ok_up_to_line), and
/// whether it exited 0.
#[derive(Debug)]
struct CheckAof {
    analyzed: Vec<(u64, u64, u64)>,
    ok: bool,
}

fn field(line: &str, name: &str) -> u64 {
    let at = line.find(&format!("{name}=")).expect(name) + name.len() + 1;
    line[at..]
        .split(|c: char| !c.is_ascii_digit())
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

fn check_aof(path: &Path) -> CheckAof {
    let out = Command::new(CHECK_AOF).arg(path).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let analyzed = text
        .lines()
        .filter(|l| l.starts_with("AOF analyzed:"))
        .map(|l| {
            (
                field(l, "size"),
                field(l, "ok_up_to"),
                field(l, "ok_up_to_line"),
            )
        })
        .collect();
    CheckAof {
        analyzed,
        ok: out.status.success(),
    }
}

fn verify_file(path: &Path, line: u64) -> Verdict {
    let f = BufReader::new(fs::File::open(path).unwrap());
    verify_reader(Reader::starting_at(f, 0, line).with_file(path)).unwrap()
}

#[test]
fn redis_fixtures_parse_round_trip_and_agree_with_redis_check_aof() {
    let incr_cmds = [
        argv(&["SELECT", "0"]),
        argv(&["set", "after:rewrite", "1"]),
        argv(&["incr", "counter"]),
        argv(&["incr", "counter"]),
        argv(&["del", "str:short"]),
        argv(&["lpush", "list:small", "z"]),
        argv(&["set", "in:tx", "1"]),
    ];
    for (preamble, base_ext) in [("yes", "rdb"), ("no", "aof")] {
        let dir = fixture_dir(preamble);
        let mpath = dir.join("appendonly.aof.manifest");
        let raw = fs::read(&mpath).unwrap();
        let m = Manifest::parse(&raw).unwrap();
        assert_eq!(m.to_bytes(), raw, "manifest {preamble} round-trips");
        assert_eq!(m, manifest::load(&dir, "appendonly.aof").unwrap().unwrap());
        assert_eq!(
            m.base().unwrap().name,
            format!("appendonly.aof.2.base.{base_ext}")
        );
        assert_eq!((m.next_base_seq(), m.next_incr_seq()), (3, 3));

        let set = AofSet::open(&dir, "appendonly.aof").unwrap();
        let kinds: Vec<_> = set.files.iter().map(|f| f.kind).collect();
        assert_eq!(kinds, [FileKind::Base, FileKind::Incr]);
        let incr = fs::read(&set.files[1].path).unwrap();
        let cmds = commands(&incr);
        assert_eq!(cmds, incr_cmds);
        // Re-encoding what was read gives Redis's bytes back.
        let mut again = Vec::new();
        for c in &cmds {
            let args: Vec<&[u8]> = c.iter().map(Vec::as_slice).collect();
            encode_command(&mut again, &args);
        }
        assert_eq!(again, incr);

        let base = fs::read(&set.files[0].path).unwrap();
        if base_ext == "aof" {
            let cmds = commands(&base);
            assert!(cmds.len() > 20, "the RESP base holds the whole dataset");
            let mut again = Vec::new();
            for c in &cmds {
                let args: Vec<&[u8]> = c.iter().map(Vec::as_slice).collect();
                encode_command(&mut again, &args);
            }
            assert_eq!(again, base);
        } else {
            let mut r = Reader::new(&base[..]);
            assert_eq!(r.next().unwrap(), Some(Item::RdbPreamble));
        }

        // The verdicts, with lines counted across the files, equal redis-check-aof's.
        let real = check_aof(&mpath);
        assert!(real.ok);
        let vb = verify_file(&set.files[0].path, 1);
        assert_eq!(vb.rdb_preamble, base_ext == "rdb");
        let vi = verify_file(&set.files[1].path, vb.ok_up_to_line);
        let ours: Vec<_> = [&vb, &vi]
            .iter()
            .map(|v| {
                assert_eq!(v.problem, None);
                (v.size, v.ok_up_to, v.ok_up_to_line)
            })
            .collect();
        assert_eq!(ours, real.analyzed, "preamble {preamble}");
    }
}

#[test]
fn aof_set_names_missing_files_and_manifests() {
    let tmp = Scratch::new("set");
    let m = Manifest::parse(
        b"file appendonly.aof.1.base.aof seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\nfile gone seq 9 type h\n",
    )
    .unwrap();
    assert!(matches!(
        AofSet::open(&tmp.0, "appendonly.aof"),
        Err(AofError::MissingManifest { .. })
    ));
    assert_eq!(manifest::load(&tmp.0, "appendonly.aof").unwrap(), None);
    manifest::write_atomic(&tmp.0, "appendonly.aof", &m).unwrap();
    assert!(!tmp.0.join("temp-appendonly.aof.manifest").exists());
    fs::write(tmp.0.join("appendonly.aof.1.base.aof"), b"").unwrap();
    match AofSet::open(&tmp.0, "appendonly.aof") {
        Err(e @ AofError::MissingFile { .. }) => {
            assert!(e.to_string().contains("appendonly.aof.1.incr.aof"), "{e}")
        }
        other => panic!("{other:?}"),
    }
    fs::write(tmp.0.join("appendonly.aof.1.incr.aof"), b"").unwrap();
    // History files are not needed to load.
    let set = AofSet::open(&tmp.0, "appendonly.aof").unwrap();
    assert_eq!(set.files.len(), 2);
    assert_eq!(set.files[1].path, tmp.0.join("appendonly.aof.1.incr.aof"));
    // A damaged manifest names itself and the line.
    fs::write(
        tmp.0.join("appendonly.aof.manifest"),
        b"file a seq 1 type b\nfile b seq 1 type q\n",
    )
    .unwrap();
    let e = AofSet::open(&tmp.0, "appendonly.aof").unwrap_err();
    let text = e.to_string();
    assert!(
        text.contains("appendonly.aof.manifest") && text.contains("line 2"),
        "{text}"
    );
}

/// A small AOF with a timestamp, a transaction and ordinary commands.
fn sample() -> (Vec<u8>, Vec<u64>) {
    let mut out = Vec::new();
    let mut starts = Vec::new();
    let mut cmd = |out: &mut Vec<u8>, a: &[&[u8]]| {
        starts.push(out.len() as u64);
        encode_command(out, a);
    };
    cmd(&mut out, &[b"SELECT", b"0"]);
    encode_timestamp(&mut out, 1_700_000_000);
    cmd(&mut out, &[b"SET", b"k1", b"hello world"]);
    cmd(&mut out, &[b"MULTI"]);
    cmd(&mut out, &[b"INCR", b"counter"]);
    cmd(&mut out, &[b"RPUSH", b"list", b"a", b"bb", b"ccc"]);
    cmd(&mut out, &[b"EXEC"]);
    encode_timestamp(&mut out, 1_700_000_001);
    cmd(&mut out, &[b"DEL", b"k1"]);
    cmd(&mut out, &[b"SET", b"k2", &[b'v'; 12]]);
    (out, starts)
}

/// Our verdict on `bytes`, checked against redis-check-aof's when `with_redis` (each run of it
/// costs a process, so the widest sweeps compare a sample).
fn verdict(dir: &Path, name: &str, bytes: &[u8], with_redis: bool) -> Verdict {
    let ours = verify(bytes).unwrap();
    if with_redis {
        compare(dir, name, bytes, &ours);
    }
    ours
}

fn compare_with_redis(dir: &Path, name: &str, bytes: &[u8]) -> Verdict {
    verdict(dir, name, bytes, true)
}

fn compare(dir: &Path, name: &str, bytes: &[u8], ours: &Verdict) {
    let path = dir.join(name);
    fs::write(&path, bytes).unwrap();
    let real = check_aof(&path);
    let valid = ours.problem.is_none();
    match real.analyzed.as_slice() {
        // redis-check-aof says nothing more about an empty file.
        [] => assert!(bytes.is_empty() && valid && real.ok),
        [(size, ok_up_to, line)] => {
            assert_eq!(
                (ours.size, ours.ok_up_to, ours.ok_up_to_line),
                (*size, *ok_up_to, *line),
                "{name}: {:?} / {ours:?}",
                String::from_utf8_lossy(bytes)
            );
            assert_eq!(valid, real.ok, "{name}: {ours:?}");
        }
        more => panic!("{more:?}"),
    }
}

#[test]
fn torn_tails_at_every_byte_agree_with_redis_check_aof() {
    let tmp = Scratch::new("torn");
    let (whole, starts) = sample();
    let last = *starts.last().unwrap();
    for cut in 0..=whole.len() {
        // Every cut inside the last command, and every fourth one elsewhere, against Redis.
        let with_redis = cut as u64 >= last || cut % 4 == 0;
        let v = verdict(&tmp.0, "torn.aof", &whole[..cut], with_redis);
        // The byte-by-byte path (lines straddling buffer refills) gives the same verdict.
        let small = verify(BufReader::with_capacity(3, &whole[..cut])).unwrap();
        assert_eq!(small, v);
        let cut = cut as u64;
        if cut > last && cut < whole.len() as u64 {
            let p = v.problem.as_ref().unwrap();
            assert_eq!(p.kind, ProblemKind::Truncated);
            assert_eq!((v.ok_up_to, v.truncate_to), (last, Some(last)));
        }
        // Inside the transaction, the cut is before the MULTI.
        if cut > starts[2] && cut < starts[5] + 14 {
            assert_eq!(v.truncate_to, Some(starts[2]), "cut {cut}");
        }
    }
}

#[test]
fn damaged_bytes_agree_with_redis_check_aof() {
    let tmp = Scratch::new("damage");
    let (whole, starts) = sample();
    let mut malformed = 0;
    for at in 0..whole.len() {
        for with in [b'X', b'1', b'9'] {
            if with != b'X' && !whole[at].is_ascii_digit() {
                continue;
            }
            let mut b = whole.clone();
            b[at] = with;
            let v = verdict(&tmp.0, "damaged.aof", &b, at % 4 == 1);
            if v.problem.as_ref().map(|p| p.kind) == Some(ProblemKind::Malformed) {
                malformed += 1;
                assert_eq!(v.truncate_to, None);
            }
        }
    }
    assert!(malformed > 50);

    // A bad length in the middle: malformed, with the offset and line of the bad line.
    let mut b = whole.clone();
    let at = starts[4] as usize + b"*5\r\n$5\r\nRPUSH\r\n".len();
    assert_eq!(&b[at..at + 2], b"$4");
    b[at + 1] = b'x';
    let v = compare_with_redis(&tmp.0, "badlen.aof", &b);
    let p = v.problem.unwrap();
    assert_eq!((p.kind, p.offset), (ProblemKind::Malformed, at as u64));
    // Lines as redis-check-aof counts them: SELECT 5, SET 7, MULTI 3, INCR 5, then 3 of RPUSH.
    assert_eq!(p.line, 1 + 5 + 7 + 3 + 5 + 3);
    assert_eq!(v.ok_up_to, starts[2]);
    match all_items(&b) {
        Err(AofError::Malformed {
            offset,
            line,
            command_offset,
            ..
        }) => assert_eq!(
            (offset, line, command_offset),
            (at as u64, p.line, starts[4])
        ),
        other => panic!("{other:?}"),
    }
}

#[test]
fn multi_exec_balance_agrees_with_redis_check_aof() {
    let tmp = Scratch::new("multi");
    let mut unclosed = Vec::new();
    encode_command(&mut unclosed, &[b"SET", b"a", b"1"]);
    let multi_at = unclosed.len() as u64;
    encode_command(&mut unclosed, &[b"multi"]);
    encode_command(&mut unclosed, &[b"SET", b"b", b"2"]);
    let v = compare_with_redis(&tmp.0, "unclosed.aof", &unclosed);
    assert_eq!(v.problem.as_ref().unwrap().kind, ProblemKind::UnclosedMulti);
    assert_eq!((v.ok_up_to, v.truncate_to), (multi_at, Some(multi_at)));

    let mut nested = unclosed.clone();
    encode_command(&mut nested, &[b"MULTI"]);
    encode_command(&mut nested, &[b"EXEC"]);
    let v = compare_with_redis(&tmp.0, "nested.aof", &nested);
    assert_eq!(v.problem.unwrap().kind, ProblemKind::Malformed);

    let mut stray = Vec::new();
    encode_command(&mut stray, &[b"SET", b"a", b"1"]);
    let exec_at = stray.len() as u64;
    encode_command(&mut stray, &[b"Exec"]);
    encode_command(&mut stray, &[b"SET", b"a", b"1"]);
    let v = compare_with_redis(&tmp.0, "stray.aof", &stray);
    assert_eq!(v.problem.unwrap().kind, ProblemKind::Malformed);
    assert_eq!(v.ok_up_to, exec_at);

    let mut closed = unclosed.clone();
    encode_command(&mut closed, &[b"EXEC"]);
    let v = compare_with_redis(&tmp.0, "closed.aof", &closed);
    assert_eq!((v.problem, v.commands), (None, 4));
}

#[test]
fn hostile_lengths_fail_without_allocating_them() {
    let cases: [(&[u8], bool); 5] = [
        (b"*1\r\n$4294967296\r\nabc", true),
        (b"*1\r\n$999999999999999999\r\nabc", false),
        (b"*-5\r\n", false),
        (b"*2147483647\r\n$1\r\na\r\n", true),
        (b"*1\r\n$2147483647\r\n", true),
    ];
    for (bytes, truncated) in cases {
        let before = LARGEST.load(Ordering::Relaxed);
        let r = all_items(bytes);
        match (&r, truncated) {
            (Err(AofError::Truncated { offset: 0, .. }), true)
            | (Err(AofError::Malformed { offset: _, .. }), false) => {}
            _ => panic!("{:?}: {r:?}", String::from_utf8_lossy(bytes)),
        }
        let v = verify(bytes).unwrap();
        assert_eq!(v.ok_up_to, 0);
        // Other tests run in parallel, but none allocates anything near this.
        let after = LARGEST.load(Ordering::Relaxed);
        assert!(
            after < 256 << 20 || after == before,
            "largest allocation {after} bytes"
        );
    }
}

#[test]
fn rdb_preamble_then_aof_tail() {
    // An old-style AOF: an RDB preamble followed by commands.
    let rdb = fs::read(fixture_dir("yes").join("appendonly.aof.2.base.rdb")).unwrap();
    let mut file = rdb.clone();
    encode_command(&mut file, &[b"SET", b"tail", b"1"]);
    let v = verify(&file[..]).unwrap();
    assert!(v.rdb_preamble && v.problem.is_none());
    assert_eq!((v.commands, v.ok_up_to), (1, file.len() as u64));

    let mut r = Reader::new(&file[..]);
    assert_eq!(r.next().unwrap(), Some(Item::RdbPreamble));
    let mut keys = zedis::persist::Collect::default();
    r.read_preamble(&mut keys, &Default::default()).unwrap();
    assert_eq!(r.offset(), rdb.len() as u64);
    match r.next().unwrap() {
        Some(Item::Command { offset, argv, .. }) => {
            assert_eq!(offset, rdb.len() as u64);
            assert_eq!(argv[1], b"tail");
        }
        other => panic!("{other:?}"),
    }

    // A damaged preamble is reported as such.
    let mut bad = file.clone();
    bad[100] ^= 0xff;
    let v = verify(&bad[..]).unwrap();
    assert_eq!(v.problem.unwrap().kind, ProblemKind::RdbPreamble);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn encode_then_read_is_identity(
        cmds in prop::collection::vec(
            (prop::collection::vec(prop::collection::vec(any::<u8>(), 0..40), 1..6),
             prop::option::of(any::<i64>())),
            0..12),
        cap in 1usize..24,
    ) {
        let mut out = Vec::new();
        let mut want = Vec::new();
        for (args, ts) in &cmds {
            if let Some(ts) = ts {
                encode_timestamp(&mut out, *ts);
                want.push(Err(*ts));
            }
            let refs: Vec<&[u8]> = args.iter().map(Vec::as_slice).collect();
            encode_command(&mut out, &refs);
            want.push(Ok(args.clone()));
        }
        let got: Vec<_> = all_items(&out).unwrap().into_iter().map(|i| match i {
            Item::Command { argv, .. } => Ok(argv),
            Item::Timestamp { secs, .. } => Err(secs),
            other => panic!("{other:?}"),
        }).collect();
        prop_assert_eq!(&got, &want);
        // Through a tiny buffer every line and argument straddles refills.
        let mut r = Reader::new(BufReader::with_capacity(cap, &out[..]));
        let mut small = Vec::new();
        while let Some(i) = r.next().unwrap() {
            small.push(match i {
                Item::Command { argv, .. } => Ok(argv),
                Item::Timestamp { secs, .. } => Err(secs),
                other => panic!("{other:?}"),
            });
        }
        prop_assert_eq!(small, want);
        prop_assert_eq!(r.offset(), out.len() as u64);
        let v = verify(&out[..]).unwrap();
        prop_assert_eq!(v.ok_up_to, out.len() as u64);
    }
}

/// Manifests accepted or refused exactly as Redis's own manifest loader (which
/// redis-check-aof runs) accepts or refuses them, with the same line number.
#[test]
fn manifest_rules_agree_with_redis() {
    let long_comment = format!("#{}\nfile a seq 1 type b\n", "x".repeat(1100));
    let line_1024 = format!("file a seq 1 type b{}\n", " ".repeat(1024 - 20));
    let line_1025 = format!("file a seq 1 type b{}\n", " ".repeat(1025 - 20));
    let cases: Vec<&[u8]> = vec![
        b"file a seq 1 type b\nfile b seq 2 type i\n",
        b"file a seq 1 type b\n\nfile b seq 2 type i\n",
        b"file a seq 1 type b\nfile b seq 2 type i",
        b"# comment\nfile a seq 1 type b\n# another\n",
        long_comment.as_bytes(),
        line_1024.as_bytes(),
        line_1025.as_bytes(),
        b"file a seq 1 type b x y\n",
        b"file a seq 1 type b x\n",
        b"file \"a b\" seq 1 type b\nfile 'c d' seq 3 type i\n",
        b"file \"a seq 1 type b\n",
        b"file \"a\"x seq 1 type b\n",
        b"file d/a seq 1 type b\n",
        b"file d\\\\a seq 1 type b\n",
        b"file a seq 0 type b\n",
        b"file a seq 1 type b\nfile h seq -1 type h\n",
        b"file a seq 5x type b\n",
        b"file a seq 1 type b\nfile c seq 2 type b\n",
        b"file a seq 1 type b\nfile i seq 3 type i\nfile j seq 3 type i\n",
        b"file a seq 1 type b\nfile i seq -3 type i\n",
        b"file a seq 1 type q\n",
        b"file a seq 1 type hist\nfile b seq 1 type b\n",
        b"file a seq 1 type \"\"\n",
        b"file a seq 1 type b\nFILE c SEQ 2 TYPE i\n",
        b"file a seq 1 type b\n  file c seq 2 type i\n",
        b"file a seq 1 type b\r\nfile c seq 2 type i\r\n",
        b"file\ta\tseq\t1\ttype\tb\n",
        b"file a seq 1 type b\nfile c\0 seq 2 type i\n",
        b"file a seq 1 type b file c\n",
        b"file a seq 1 type b\n \n",
    ];
    let mut accepted = 0;
    for (n, case) in cases.iter().enumerate() {
        let tmp = Scratch::new("manifest");
        let path = tmp.0.join("appendonly.aof.manifest");
        fs::write(&path, case).unwrap();
        let ours = Manifest::parse(case);
        if let Ok(m) = &ours {
            accepted += 1;
            for e in m.load_order() {
                fs::write(tmp.0.join(&e.name), b"").unwrap();
            }
        }
        let out = Command::new(CHECK_AOF).arg(&path).output().unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        let shown = String::from_utf8_lossy(case);
        match &ours {
            Ok(_) => assert!(
                out.status.success() && text.contains("All AOF files and manifest are valid"),
                "case {n} {shown:?}: Redis refuses what we accept:\n{text}"
            ),
            Err(AofError::Manifest { line, .. }) => {
                assert!(
                    !out.status.success() && text.contains("FATAL AOF MANIFEST FILE ERROR"),
                    "case {n} {shown:?}: Redis accepts what we refuse:\n{text}"
                );
                if let Some(at) = text.find("at line ") {
                    let theirs: usize = text[at + 8..]
                        .split(|c: char| !c.is_ascii_digit())
                        .next()
                        .unwrap()
                        .parse()
                        .unwrap();
                    assert_eq!(*line, Some(theirs), "case {n} {shown:?}");
                }
            }
            Err(e) => panic!("case {n}: {e}"),
        }
    }
    assert!(accepted > 5 && accepted < cases.len() - 5, "{accepted}");
}

/// A whole directory: lines counted across files, checking stops at the damaged file, as
/// redis-check-aof does with the manifest.
#[test]
fn directory_verdicts_agree_with_redis_check_aof() {
    for damaged in [None, Some(1usize), Some(2)] {
        let tmp = Scratch::new("dir");
        let mut m = Manifest::new();
        let base = m.new_base("appendonly.aof", manifest::BaseKind::Aof);
        let i1 = m.new_incr("appendonly.aof");
        let i2 = m.new_incr("appendonly.aof");
        manifest::write_atomic(&tmp.0, "appendonly.aof", &m).unwrap();
        for (n, name) in [&base, &i1, &i2].into_iter().enumerate() {
            let mut b = Vec::new();
            encode_command(&mut b, &[b"SELECT", b"0"]);
            encode_command(&mut b, &[b"SET", name.as_bytes(), b"x"]);
            if damaged == Some(n) {
                b.truncate(b.len() - 3);
            }
            fs::write(tmp.0.join(name), b).unwrap();
        }
        let set = AofSet::open(&tmp.0, "appendonly.aof").unwrap();
        let ours = zedis::persist::aof::verify_set(&set).unwrap();
        let real = check_aof(&tmp.0.join("appendonly.aof.manifest"));
        let ours_t: Vec<_> = ours
            .iter()
            .map(|v| (v.size, v.ok_up_to, v.ok_up_to_line))
            .collect();
        assert_eq!(ours_t, real.analyzed, "damaged {damaged:?}");
        assert_eq!(real.ok, damaged.is_none());
        assert_eq!(ours.len(), damaged.map_or(3, |d| d + 1));
    }
}

/// `timestamp_cut` picks the offset redis-check-aof `--truncate-to-timestamp` cuts at.
#[test]
fn timestamp_cut_agrees_with_redis_check_aof() {
    let tmp = Scratch::new("ts");
    let mut b = Vec::new();
    for ts in [100, 200, 300] {
        encode_timestamp(&mut b, ts);
        encode_command(&mut b, &[b"SET", b"k", ts.to_string().as_bytes()]);
        encode_command(&mut b, &[b"INCR", b"n"]);
    }
    for to in [50i64, 100, 150, 250, 300, 400] {
        let ours = zedis::persist::aof::timestamp_cut(&mut Reader::new(&b[..]), to).unwrap();
        let path = tmp.0.join("ts.aof");
        fs::write(&path, &b).unwrap();
        let out = Command::new(CHECK_AOF)
            .arg("--truncate-to-timestamp")
            .arg(to.to_string())
            .arg(&path)
            .output()
            .unwrap();
        let len = fs::metadata(&path).unwrap().len();
        match ours {
            // Nothing would be left: Redis refuses and leaves the file alone.
            Some(0) => assert!(!out.status.success() && len == b.len() as u64),
            Some(at) => assert!(out.status.success() && len == at, "{to}: {at} vs {len}"),
            None => assert!(out.status.success() && len == b.len() as u64),
        }
    }
    let bad = b"*1\r\n$4\r\nPING\r\n#TS:12x\r\n";
    assert!(zedis::persist::aof::timestamp_cut(&mut Reader::new(&bad[..]), 1).is_err());
}

/// A redis-server on a free port over `dir`, stopped (without saving) on drop.
struct RedisServer {
    child: std::process::Child,
    port: u16,
}

impl RedisServer {
    fn start(dir: &Path, extra: &[&str]) -> RedisServer {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new("/usr/bin/redis-server")
            .args([
                "--port",
                &port.to_string(),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
            ])
            .arg("--dir")
            .arg(dir)
            .args(extra)
            .stdout(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let s = RedisServer { child, port };
        for _ in 0..200 {
            if s.cli(&["PING"]) == "PONG" {
                return s;
            }
            std::thread::sleep(std::time::Duration::from_millis(25));
        }
        panic!("redis-server did not start");
    }

    fn cli(&self, args: &[&str]) -> String {
        let out = Command::new("/usr/bin/redis-cli")
            .args(["-p", &self.port.to_string()])
            .args(args)
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).trim_end().to_string()
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        let _ = self.cli(&["SHUTDOWN", "NOSAVE"]);
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An appendonlydir written entirely by zedis's encoder and manifest writer loads into
/// redis-server; after a BGREWRITEAOF there, the manifest Redis writes is the one our rewrite
/// bookkeeping predicts, byte for byte.
#[test]
fn redis_server_loads_our_appendonlydir_and_agrees_on_rewrite_bookkeeping() {
    let tmp = Scratch::new("server");
    let aofdir = tmp.0.join("appendonlydir");
    fs::create_dir(&aofdir).unwrap();
    let mut m = Manifest::new();
    let base = m.new_base("appendonly.aof", manifest::BaseKind::Aof);
    let incr = m.new_incr("appendonly.aof");
    manifest::write_atomic(&aofdir, "appendonly.aof", &m).unwrap();
    let mut b = Vec::new();
    encode_timestamp(&mut b, 1_700_000_000);
    encode_command(&mut b, &[b"SELECT", b"0"]);
    encode_command(&mut b, &[b"SET", b"from:base", b"a b\r\nc"]);
    fs::write(aofdir.join(&base), &b).unwrap();
    b.clear();
    encode_command(&mut b, &[b"SELECT", b"3"]);
    encode_command(&mut b, &[b"MULTI"]);
    encode_command(&mut b, &[b"RPUSH", b"from:incr", b"x", b"", b"z"]);
    encode_command(&mut b, &[b"EXEC"]);
    fs::write(aofdir.join(&incr), &b).unwrap();

    let s = RedisServer::start(&tmp.0, &["--appendonly", "yes"]);
    assert_eq!(s.cli(&["GET", "from:base"]), "a b\r\nc");
    assert_eq!(
        s.cli(&["-n", "3", "LRANGE", "from:incr", "0", "-1"]),
        "x\n\nz"
    );
    // Redis keeps appending to our last incr file; its manifest is untouched.
    assert_eq!(
        fs::read(aofdir.join("appendonly.aof.manifest")).unwrap(),
        m.to_bytes()
    );

    s.cli(&["BGREWRITEAOF"]);
    let path = aofdir.join("appendonly.aof.manifest");
    let mut theirs = Vec::new();
    for _ in 0..400 {
        // INFO first: once it says the rewrite is over, the manifest on disk is final.
        let done = s
            .cli(&["INFO", "persistence"])
            .contains("aof_rewrite_in_progress:0");
        theirs = fs::read(&path).unwrap();
        if done && !theirs.windows(6).any(|w| w == b"type h") && theirs != m.to_bytes() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(25));
    }
    // Our bookkeeping for the same rewrite: a new incr when it starts; when it ends the new base
    // (RDB, Redis's default preamble), the old incrs become history, and history is deleted.
    m.new_incr("appendonly.aof");
    m.new_base("appendonly.aof", manifest::BaseKind::Rdb);
    m.incrs_to_history(true);
    let gone: Vec<_> = m.take_history().into_iter().map(|e| e.name).collect();
    assert_eq!(gone, [incr.clone(), base.clone()]);
    assert_eq!(
        String::from_utf8_lossy(&theirs),
        String::from_utf8_lossy(&m.to_bytes())
    );
    let set = AofSet::open(&aofdir, "appendonly.aof").unwrap();
    assert_eq!(set.files.len(), 2);
}
