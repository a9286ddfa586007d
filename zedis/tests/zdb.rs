//! The native snapshot format `.zdb`: round trips of random datasets (every type and encoding),
//! damage (flipped bytes in every part of the file, truncation at many offsets) in strict and
//! salvage mode, hostile frames, and an ignored throughput benchmark.
//!
//! Frames are located here from the byte layout documented in `docs/formats.md`, independently
//! of the reader, so the damage tests know exactly which block they hit.

use foldhash::fast::RandomState;
use indexmap::{IndexMap, IndexSet};
use proptest::prelude::*;
use std::collections::{BTreeMap, BTreeSet};
use zedis::persist::build::{self, Limits};
use zedis::persist::zdb::{self, Mode, ReadReport};
use zedis::persist::{Collect, KeyRecord, PersistError, Record, Visitor};
use zedis::store::{HashValue, ListValue, SetValue, SmallBytes, Value, ZSetValue};

/// One key as the tests write it.
#[derive(Clone, Debug)]
struct Item {
    db: u32,
    key: Vec<u8>,
    value: Value,
    expire: u64,
    idle: Option<u64>,
    freq: Option<u8>,
}

fn write(items: &[Item], block: usize) -> Vec<u8> {
    let aux = vec![
        (b"redis-ver".to_vec(), b"7.0.15".to_vec()),
        (b"aof-base".to_vec(), b"0".to_vec()),
    ];
    let mut w =
        zdb::Writer::with_block_size(Vec::new(), &aux, 1_700_000_000_000, block).expect("header");
    for it in items {
        w.push_key(it.db, &it.key, &it.value, it.expire, it.idle, it.freq)
            .expect("push");
    }
    w.finish().expect("finish")
}

fn read(bytes: &[u8], mode: Mode) -> (Result<ReadReport, PersistError>, Vec<Record>) {
    let mut c = Collect::default();
    let r = zdb::read(bytes, &mut c, &Limits::default(), mode);
    (r, c.0)
}

fn keys(recs: &[Record]) -> Vec<&KeyRecord> {
    recs.iter()
        .filter_map(|r| match r {
            Record::Key(k) => Some(k),
            _ => None,
        })
        .collect()
}

fn assert_same(items: &[Item], recs: &[Record]) {
    let got = keys(recs);
    assert_eq!(got.len(), items.len());
    for (it, k) in items.iter().zip(got) {
        assert_eq!(k.db, it.db);
        assert_eq!(&k.key[..], &it.key[..]);
        assert_eq!(k.value, it.value, "key {:?}", it.key);
        assert_eq!(k.value.encoding(), it.value.encoding());
        assert_eq!(k.file_encoding, it.value.encoding());
        assert_eq!(k.expire_at_ms, it.expire);
        assert_eq!(k.idle_secs, it.idle);
        assert_eq!(k.lfu_freq, it.freq);
    }
}

// ---------------------------------------------------------------------------------------------
// Values of every type and encoding
// ---------------------------------------------------------------------------------------------

fn bytes(max: usize) -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(any::<u8>(), 0..=max)
}

fn value() -> impl Strategy<Value = Value> {
    prop_oneof![
        any::<i64>().prop_map(Value::Int),
        bytes(44).prop_map(|b| Value::Emb(SmallBytes::new(&b))),
        bytes(300).prop_map(Value::raw),
        // Big enough to be cut into parts with the tests' small blocks.
        (any::<u8>(), 3000usize..9000).prop_map(|(b, n)| Value::raw(
            (0..n)
                .map(|i| b.wrapping_add((i * 7 % 251) as u8))
                .collect()
        )),
        prop::collection::vec(bytes(30), 1..40).prop_map(build::list),
        prop::collection::btree_set(any::<i64>(), 1..60)
            .prop_map(|s| Value::Set(Box::new(SetValue::Intset(s.into_iter().collect())))),
        prop::collection::hash_set(bytes(20), 1..60).prop_map(|s| {
            let t: IndexSet<SmallBytes, RandomState> =
                s.iter().map(|m| SmallBytes::new(m)).collect();
            Value::Set(Box::new(SetValue::Table(t)))
        }),
        prop::collection::vec((bytes(64), bytes(64)), 1..60).prop_map(|pairs| {
            let mut seen = BTreeSet::new();
            let v = pairs
                .into_iter()
                .filter(|(f, _)| seen.insert(f.clone()))
                .collect();
            Value::Hash(Box::new(HashValue::Listpack(v)))
        }),
        prop::collection::vec((bytes(100), bytes(100)), 1..60).prop_map(|pairs| {
            let m: IndexMap<Vec<u8>, Vec<u8>, RandomState> = pairs.into_iter().collect();
            Value::Hash(Box::new(HashValue::Table(m)))
        }),
        prop::collection::vec((bytes(64), score()), 1..100)
            .prop_map(|pairs| build::zset(pairs, &Limits::default())),
        prop::collection::vec((bytes(100), score()), 1..200).prop_map(|pairs| {
            let mut z = ZSetValue::new_skiplist();
            for (m, s) in pairs {
                if z.score(&m).is_none() {
                    z.insert_new(&m, s);
                }
            }
            Value::ZSet(Box::new(z))
        }),
    ]
}

fn score() -> impl Strategy<Value = f64> {
    prop_oneof![
        (-1000i32..1000).prop_map(f64::from),
        any::<f64>().prop_filter("not NaN", |s| !s.is_nan()),
        Just(f64::INFINITY),
        Just(f64::NEG_INFINITY),
    ]
}

fn item() -> impl Strategy<Value = Item> {
    (
        0u32..4,
        bytes(40),
        value(),
        prop_oneof![Just(0u64), 1u64..u64::MAX],
        prop::option::of(any::<u64>()),
        prop::option::of(any::<u8>()),
    )
        .prop_map(|(db, key, value, expire, idle, freq)| Item {
            db,
            key,
            value,
            expire,
            idle,
            freq,
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn random_datasets_round_trip(
        mut items in prop::collection::vec(item(), 0..120),
        block in prop_oneof![Just(1024usize), Just(4096), Just(256 * 1024)],
    ) {
        // Databases in runs, as a keyspace walk produces them.
        items.sort_by_key(|it| it.db);
        let file = write(&items, block);
        let (r, recs) = read(&file, Mode::Strict);
        let report = r.expect("strict read");
        assert_same(&items, &recs);
        let first_is_header = matches!(recs[0], Record::Header { format: "zdb", version: 1 });
        prop_assert!(first_is_header);
        let last_is_eof = matches!(recs.last(), Some(Record::Eof { checksum: Some(_) }));
        prop_assert!(last_is_eof);
        let aux: Vec<_> = recs.iter().filter(|r| matches!(r, Record::Aux { .. })).collect();
        prop_assert_eq!(aux.len(), 2);
        let selects: Vec<u32> = recs.iter().filter_map(|r| match r {
            Record::SelectDb(d) => Some(*d),
            _ => None,
        }).collect();
        let mut dbs: Vec<u32> = items.iter().map(|i| i.db).collect();
        dbs.dedup();
        prop_assert_eq!(selects, dbs);
        prop_assert_eq!(report.records, items.len() as u64);
        prop_assert!(report.damaged.is_empty());
        // Salvage mode reads an intact file identically.
        let (r2, recs2) = read(&file, Mode::Salvage);
        prop_assert!(r2.expect("salvage read").damaged.is_empty());
        assert_same(&items, &recs2);
    }

    #[test]
    fn loading_under_other_limits_keeps_contents_and_valid_encodings(
        items in prop::collection::vec(item(), 1..40),
        max_entries in 0usize..8,
        max_value in 0usize..70,
        set_max_intset in 0usize..20,
    ) {
        let file = write(&items, 4096);
        let mut lim = Limits::default();
        lim.hash.max_entries = max_entries;
        lim.hash.max_value = max_value;
        lim.zset.max_entries = max_entries;
        lim.zset.max_value = max_value;
        lim.set_max_intset = set_max_intset;
        let mut c = Collect::default();
        zdb::read(&file[..], &mut c, &lim, Mode::Strict).expect("read");
        let got = keys(&c.0);
        prop_assert_eq!(got.len(), items.len());
        for (k, it) in got.iter().zip(&items) {
            prop_assert_eq!(contents(&k.value), contents(&it.value));
            match &k.value {
                Value::Hash(h) if h.encoding() == "listpack" => {
                    prop_assert!(h.len() <= max_entries);
                    prop_assert!(h.iter().all(|(f, v)| f.len() <= max_value && v.len() <= max_value));
                }
                Value::ZSet(z) if z.encoding() == "listpack" => {
                    prop_assert!(z.len() <= max_entries);
                    prop_assert!(z.iter_from(0, false).all(|(m, _)| m.len() <= max_value));
                }
                Value::Set(s) if s.encoding() == "intset" => prop_assert!(s.len() <= set_max_intset),
                _ => {}
            }
        }
    }

    #[test]
    fn garbled_records_behind_valid_checksums_never_panic(
        items in prop::collection::vec(item(), 1..10),
        flips in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..6),
    ) {
        // Checksums only catch accidents: decoding must survive hostile bytes on its own.
        let mut b = zdb::BlockBuilder::new(1 << 20);
        for it in &items {
            b.push_key(0, &it.key, &it.value, it.expire, it.idle, it.freq);
        }
        let mut raw = b.finish().expect("one block");
        for (at, x) in flips {
            let i = at.index(raw.bytes.len());
            raw.bytes[i] ^= x | 1;
        }
        let mut file = header_only();
        file.extend(forged_block(0, raw.bytes.len() as u32, raw.records, &raw.bytes));
        prop_assert!(read(&file, Mode::Strict).0.is_err());
        let _ = read(&file, Mode::Salvage);
    }

    #[test]
    fn mutated_files_never_panic(
        items in prop::collection::vec(item(), 1..20),
        flips in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8),
        cut in any::<prop::sample::Index>(),
    ) {
        let mut file = write(&items, 1024);
        for (at, b) in flips {
            let i = at.index(file.len());
            file[i] ^= b | 1;
        }
        let _ = read(&file, Mode::Strict);
        let _ = read(&file, Mode::Salvage);
        let n = cut.index(file.len());
        let _ = read(&file[..n], Mode::Strict);
        let _ = read(&file[..n], Mode::Salvage);
    }
}

// ---------------------------------------------------------------------------------------------
// Damage
// ---------------------------------------------------------------------------------------------

/// A block's place in the file, found from the documented layout.
#[derive(Debug, Clone, Copy)]
struct BlockAt {
    offset: usize,
    frame_len: usize,
    payload_len: usize,
    records: u32,
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(b[at..at + 4].try_into().unwrap())
}

/// Header length, the blocks, and the trailer's offset.
fn layout(file: &[u8]) -> (usize, Vec<BlockAt>, usize) {
    let header = 11 + u32_at(file, 7) as usize + 4;
    let mut at = header;
    let mut blocks = Vec::new();
    while &file[at..at + 4] == b"ZBLK" {
        let frame_len = 38 + file[at + 5] as usize + 4;
        let b = BlockAt {
            offset: at,
            frame_len,
            payload_len: u32_at(file, at + 30) as usize,
            records: u32_at(file, at + 22),
        };
        at += b.frame_len + b.payload_len;
        blocks.push(b);
    }
    assert_eq!(&file[at..at + 4], b"ZEND");
    (header, blocks, at)
}

/// A dataset of many small keys over three databases, some with expiries, in ~60 blocks.
fn small_dataset() -> Vec<Item> {
    let mut rng = fastrand::Rng::with_seed(7);
    (0..3000u32)
        .map(|i| {
            let value = match i % 5 {
                0 => Value::Int(rng.i64(..)),
                1 => Value::string(format!("value-{i}-{}", rng.u32(..)).as_bytes()),
                2 => build::list((0..rng.usize(1..5)).map(|j| format!("e{j}"))),
                3 => build::hash([("f", "v"), ("g", "w")], &Limits::default()),
                _ => build::set(["1", "2", &i.to_string()], &Limits::default()),
            };
            Item {
                db: i / 1000,
                key: format!("key:{i:05}").into_bytes(),
                value,
                expire: if i % 7 == 0 {
                    1_800_000_000_000 + u64::from(i)
                } else {
                    0
                },
                idle: Some(u64::from(i % 100)),
                freq: None,
            }
        })
        .collect()
}

/// Which block (index) each key of an intact file was read from.
fn key_blocks(file: &[u8], blocks: &[BlockAt]) -> Vec<(Vec<u8>, usize)> {
    struct ByOffset(Vec<(Vec<u8>, u64)>);
    impl Visitor for ByOffset {
        fn record(&mut self, offset: u64, rec: Record) -> Result<(), PersistError> {
            if let Record::Key(k) = rec {
                self.0.push((k.key.to_vec(), offset));
            }
            Ok(())
        }
    }
    let mut v = ByOffset(Vec::new());
    zdb::read(file, &mut v, &Limits::default(), Mode::Strict).expect("intact");
    v.0.into_iter()
        .map(|(k, off)| {
            let i = blocks
                .iter()
                .position(|b| b.offset as u64 == off)
                .expect("offset is a frame");
            (k, i)
        })
        .collect()
}

fn key_set(recs: &[Record]) -> BTreeSet<Vec<u8>> {
    keys(recs).into_iter().map(|k| k.key.to_vec()).collect()
}

/// Checks strict and salvage reads of `file` damaged inside block `k`.
fn check_block_damage(file: &[u8], intact: &[u8], k: usize, what: &str) {
    let (_, blocks, _) = layout(intact);
    let owner = key_blocks(intact, &blocks);
    let (r, _) = read(file, Mode::Strict);
    let err = r.expect_err(what).to_string();
    assert!(
        err.contains(&format!("block {k}")) && err.contains(&blocks[k].offset.to_string()),
        "{what}: strict error should name block {k} at byte {}: {err}",
        blocks[k].offset
    );
    let (r, recs) = read(file, Mode::Salvage);
    let report = r.expect("salvage");
    let want: BTreeSet<Vec<u8>> = owner
        .iter()
        .filter(|(_, b)| *b != k)
        .map(|(key, _)| key.clone())
        .collect();
    assert_eq!(key_set(&recs), want, "{what}");
    assert_eq!(keys(&recs).len(), want.len(), "{what}: no duplicates");
    assert_eq!(report.damaged.len(), 1, "{what}: {:?}", report.damaged);
    let d = &report.damaged[0];
    assert_eq!(d.block_index, Some(k as u32), "{what}");
    assert_eq!(d.blocks_lost, 1, "{what}");
    assert_eq!(d.records_lost, Some(u64::from(blocks[k].records)), "{what}");
    assert_eq!(d.offset, blocks[k].offset as u64, "{what}");
    assert!(report.trailer.is_some());
}

#[test]
fn damaged_blocks_are_named_in_strict_mode_and_skipped_in_salvage_mode() {
    let items = small_dataset();
    let file = write(&items, 1024);
    let (_, blocks, _) = layout(&file);
    assert!(blocks.len() > 40, "{} blocks", blocks.len());
    for k in [0, 1, blocks.len() / 2, blocks.len() - 1] {
        let b = blocks[k];
        let spots = [
            ("payload", b.offset + b.frame_len + b.payload_len / 2),
            ("payload end", b.offset + b.frame_len + b.payload_len - 1),
            ("frame magic", b.offset),
            ("frame db", b.offset + 6),
            ("frame lengths", b.offset + 27),
            ("frame crc", b.offset + b.frame_len - 1),
        ];
        for (what, at) in spots {
            let mut bad = file.clone();
            bad[at] ^= 0x20;
            check_block_damage(&bad, &file, k, &format!("block {k} {what}"));
        }
    }
}

#[test]
fn damaged_header_and_trailer() {
    let items = small_dataset();
    let file = write(&items, 1024);
    let (header, _, trailer) = layout(&file);
    for at in [5, 9, header / 2, header - 1] {
        let mut bad = file.clone();
        bad[at] ^= 0x01;
        let (r, _) = read(&bad, Mode::Strict);
        assert!(r.is_err(), "header byte {at}");
        let (r, recs) = read(&bad, Mode::Salvage);
        let report = r.expect("salvage");
        assert_eq!(keys(&recs).len(), items.len(), "header byte {at}");
        assert_eq!(report.damaged.len(), 1);
        assert_eq!(report.damaged[0].offset, 0);
        assert_eq!(report.damaged[0].records_lost, Some(0));
        assert_eq!(report.damaged[0].block_index, None);
    }
    for at in [
        trailer,
        trailer + 6,
        trailer + 20,
        file.len() - 5,
        file.len() - 1,
    ] {
        let mut bad = file.clone();
        bad[at] ^= 0x01;
        let (r, _) = read(&bad, Mode::Strict);
        assert!(r.is_err(), "trailer byte {at}");
        let (r, recs) = read(&bad, Mode::Salvage);
        let report = r.expect("salvage");
        assert_eq!(keys(&recs).len(), items.len(), "trailer byte {at}");
        assert!(report.trailer.is_none());
        assert_eq!(report.damaged.len(), 1);
        assert_eq!(report.damaged[0].records_lost, None);
    }
    // Garbage after the trailer.
    let mut long = file.clone();
    long.extend_from_slice(b"junk");
    assert!(read(&long, Mode::Strict).0.is_err());
    let (r, recs) = read(&long, Mode::Salvage);
    assert_eq!(r.expect("salvage").damaged.len(), 1);
    assert_eq!(keys(&recs).len(), items.len());
}

#[test]
fn whole_file_checksum_catches_swapped_blocks() {
    // Two blocks swapped keep every crc valid; the block numbers and the file crc catch it.
    let items = small_dataset();
    let file = write(&items, 1024);
    let (header, blocks, _) = layout(&file);
    let (a, b) = (blocks[3], blocks[4]);
    let mut swapped = file[..a.offset].to_vec();
    swapped.extend_from_slice(&file[b.offset..b.offset + b.frame_len + b.payload_len]);
    swapped.extend_from_slice(&file[a.offset..a.offset + a.frame_len + a.payload_len]);
    swapped.extend_from_slice(&file[b.offset + b.frame_len + b.payload_len..]);
    assert_eq!(swapped.len(), file.len());
    assert!(read(&swapped, Mode::Strict).0.is_err());
    assert!(header > 11);
}

#[test]
fn truncation_at_many_offsets() {
    let mut items = small_dataset();
    items.drain(500..1500);
    let file = write(&items, 1024);
    let (header, blocks, trailer) = layout(&file);
    let owner = key_blocks(&file, &blocks);
    let mut cuts: Vec<usize> = (0..file.len()).step_by(151).collect();
    for b in &blocks {
        cuts.extend([
            b.offset,
            b.offset + 1,
            b.offset + b.frame_len,
            b.offset + b.frame_len + 1,
        ]);
    }
    cuts.extend([header - 1, header, trailer, trailer + 1, file.len() - 1]);
    for cut in cuts {
        let part = &file[..cut];
        assert!(read(part, Mode::Strict).0.is_err(), "cut at {cut}");
        let (r, recs) = read(part, Mode::Salvage);
        let report = r.expect("salvage never fails on truncation");
        // Exactly the keys of the blocks wholly before the cut.
        let complete = blocks
            .iter()
            .take_while(|b| b.offset + b.frame_len + b.payload_len <= cut)
            .count();
        let want: BTreeSet<Vec<u8>> = owner
            .iter()
            .filter(|(_, b)| *b < complete)
            .map(|(k, _)| k.clone())
            .collect();
        if cut >= header {
            assert_eq!(key_set(&recs), want, "cut at {cut}");
        }
        assert!(!report.damaged.is_empty(), "cut at {cut}");
        assert_eq!(report.damaged.last().and_then(|d| d.records_lost), None);
    }
}

#[test]
fn damage_inside_a_record_cut_into_parts_loses_only_that_key() {
    let mut items = small_dataset();
    items.truncate(200);
    let big = Value::raw((0..50_000u32).map(|i| (i * 31 % 253) as u8).collect());
    items.insert(
        100,
        Item {
            db: 0,
            key: b"big".to_vec(),
            value: big,
            expire: 0,
            idle: None,
            freq: Some(3),
        },
    );
    let file = write(&items, 1024);
    let (r, recs) = read(&file, Mode::Strict);
    r.expect("intact");
    assert_same(&items, &recs);
    let (_, blocks, _) = layout(&file);
    let parts: Vec<usize> = (0..blocks.len())
        .filter(|&i| {
            file[blocks[i].offset + 38..].starts_with(b"big") && file[blocks[i].offset + 5] == 3
        })
        .collect();
    assert!(parts.len() > 10, "{parts:?}");
    let mid = blocks[parts[parts.len() / 2]];
    let mut bad = file.clone();
    bad[mid.offset + mid.frame_len + 3] ^= 0xff;
    assert!(read(&bad, Mode::Strict).0.is_err());
    let (r, recs) = read(&bad, Mode::Salvage);
    let report = r.expect("salvage");
    let want: BTreeSet<Vec<u8>> = items
        .iter()
        .filter(|i| i.key != b"big")
        .map(|i| i.key.clone())
        .collect();
    assert_eq!(key_set(&recs), want);
    let lost: u64 = report.damaged.iter().filter_map(|d| d.records_lost).sum();
    assert_eq!(lost, 1, "{:?}", report.damaged);
    // The damaged part, then the orphaned rest of the record as one stretch.
    assert_eq!(report.damaged.len(), 2, "{:?}", report.damaged);
    let mid_index = parts[parts.len() / 2];
    assert_eq!(report.damaged[0].block_index, Some(mid_index as u32));
    assert_eq!(report.damaged[1].block_index, Some(mid_index as u32 + 1));
    let last = blocks[*parts.last().unwrap()];
    assert_eq!(
        report.damaged[1].offset + report.damaged[1].len,
        (last.offset + last.frame_len + last.payload_len) as u64
    );
}

// ---------------------------------------------------------------------------------------------
// Hostile input
// ---------------------------------------------------------------------------------------------

/// A frame with a valid crc but the given lengths, followed by `payload`.
fn forged_block(flags: u8, ulen: u32, records: u32, payload: &[u8]) -> Vec<u8> {
    let mut f = b"ZBLK".to_vec();
    f.push(flags);
    f.push(0);
    f.extend_from_slice(&0u32.to_le_bytes()); // db
    f.extend_from_slice(&0u32.to_le_bytes()); // index
    f.extend_from_slice(&0u64.to_le_bytes()); // records before
    f.extend_from_slice(&records.to_le_bytes());
    f.extend_from_slice(&ulen.to_le_bytes());
    f.extend_from_slice(&(payload.len() as u32).to_le_bytes());
    f.extend_from_slice(&crc32fast::hash(payload).to_le_bytes());
    let crc = crc32fast::hash(&f);
    f.extend_from_slice(&crc.to_le_bytes());
    f.extend_from_slice(payload);
    f
}

fn header_only() -> Vec<u8> {
    let file = write(&[], 1024);
    let (header, _, _) = layout(&file);
    file[..header].to_vec()
}

#[test]
fn a_frame_claiming_4_gib_is_refused_without_allocating() {
    let mut file = header_only();
    file.extend(forged_block(1, u32::MAX, 1, b"tiny"));
    let (r, _) = read(&file, Mode::Strict);
    let err = r.expect_err("4 GiB block").to_string();
    assert!(err.contains("limit"), "{err}");
    let (r, recs) = read(&file, Mode::Salvage);
    assert!(!r.expect("salvage").damaged.is_empty());
    assert!(keys(&recs).is_empty());
}

#[test]
fn hostile_payloads_with_valid_checksums_are_errors() {
    // Bad lz4 data.
    let mut file = header_only();
    file.extend(forged_block(1, 1 << 20, 1, &[0xff; 16]));
    assert!(read(&file, Mode::Strict).0.is_err());
    assert!(read(&file, Mode::Salvage).0.is_ok());
    // A record announcing a billion list elements in a few bytes.
    let mut rec = vec![3u8, 0, 1, b'k'];
    rec.extend_from_slice(&[0x80, 0x94, 0xeb, 0xdc, 0x03]);
    let mut file = header_only();
    file.extend(forged_block(0, rec.len() as u32, 1, &rec));
    let err = read(&file, Mode::Strict)
        .0
        .expect_err("hostile count")
        .to_string();
    assert!(err.contains("elements cannot fit"), "{err}");
    // A key length past the block.
    let rec = [1u8, 0, 0xff, 0xff, 0x03, b'k'];
    let mut file = header_only();
    file.extend(forged_block(0, rec.len() as u32, 1, &rec));
    assert!(read(&file, Mode::Strict).0.is_err());
    // Duplicate members and unsorted intsets.
    let mut rec = vec![4u8, 0, 1, b's', 2];
    rec.extend_from_slice(&5i64.to_le_bytes());
    rec.extend_from_slice(&5i64.to_le_bytes());
    let mut file = header_only();
    file.extend(forged_block(0, rec.len() as u32, 1, &rec));
    let err = read(&file, Mode::Strict)
        .0
        .expect_err("dup intset")
        .to_string();
    assert!(err.contains("ascending"), "{err}");
    // Not a zdb file, and a newer version.
    assert!(matches!(
        read(b"REDIS0009", Mode::Strict).0,
        Err(PersistError::Unsupported(_))
    ));
    let mut newer = write(&[], 1024);
    newer[5] = 9;
    let (header, _, _) = layout(&write(&[], 1024));
    let crc = crc32fast::hash(&newer[..header - 4]);
    newer[header - 4..header].copy_from_slice(&crc.to_le_bytes());
    assert!(matches!(
        read(&newer, Mode::Salvage).0,
        Err(PersistError::Unsupported(_))
    ));
}

// ---------------------------------------------------------------------------------------------
// Encodings and limits
// ---------------------------------------------------------------------------------------------

#[test]
fn recorded_encodings_follow_the_loading_limits() {
    let items: Vec<Item> = [
        build::hash([("a", "1"), ("b", "2"), ("c", "3")], &Limits::default()),
        build::set(["1", "2", "3"], &Limits::default()),
        build::zset([("a", 1.0), ("b", 2.0), ("c", 3.0)], &Limits::default()),
        Value::Set(Box::new({
            let mut s = SetValue::Intset(vec![]);
            s.add(b"x", 512);
            s.remove(b"x");
            s.add(b"1", 512);
            s
        })),
    ]
    .into_iter()
    .enumerate()
    .map(|(i, value)| Item {
        db: 0,
        key: vec![b'k', i as u8],
        value,
        expire: 0,
        idle: None,
        freq: None,
    })
    .collect();
    let file = write(&items, 1024);
    let mut tight = Limits::default();
    tight.hash.max_entries = 2;
    tight.zset.max_entries = 2;
    tight.set_max_intset = 2;
    let mut c = Collect::default();
    zdb::read(&file[..], &mut c, &tight, Mode::Strict).expect("read");
    let got = keys(&c.0);
    let encs: Vec<_> = got
        .iter()
        .map(|k| (k.file_encoding, k.value.encoding()))
        .collect();
    assert_eq!(
        encs,
        [
            ("listpack", "hashtable"),
            ("intset", "hashtable"),
            ("listpack", "skiplist"),
            // A hashtable set of integers stays a hashtable: always a valid encoding.
            ("hashtable", "hashtable"),
        ]
    );
    for (k, it) in got.iter().zip(&items) {
        // Same contents whatever the encoding.
        let a: BTreeMap<Vec<u8>, Vec<u8>> = contents(&k.value);
        let b: BTreeMap<Vec<u8>, Vec<u8>> = contents(&it.value);
        assert_eq!(a, b);
    }
}

fn contents(v: &Value) -> BTreeMap<Vec<u8>, Vec<u8>> {
    match v {
        Value::Hash(h) => h.iter().map(|(f, v)| (f.to_vec(), v.to_vec())).collect(),
        Value::Set(s) => s.iter().map(|m| (m.to_vec(), Vec::new())).collect(),
        Value::ZSet(z) => z
            .iter_from(0, false)
            .map(|(m, s)| (m.to_vec(), s.to_string().into_bytes()))
            .collect(),
        Value::List(l) => l
            .items
            .iter()
            .enumerate()
            .map(|(i, e)| (i.to_string().into_bytes(), e.to_vec()))
            .collect(),
        other => {
            let mut scratch = [0u8; 20];
            let b = other.str_bytes(&mut scratch).unwrap_or_default().to_vec();
            BTreeMap::from([(Vec::new(), b)])
        }
    }
}

#[test]
fn real_file_round_trip_and_format_detection() {
    let dir = std::env::temp_dir().join(format!("zedis-zdb-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("tmp dir");
    let path = dir.join("dump.zdb");
    let items = small_dataset();
    let out = std::io::BufWriter::new(std::fs::File::create(&path).expect("create"));
    let mut w = zdb::Writer::new(out, &[], 1).expect("header");
    for it in &items {
        w.push_key(it.db, &it.key, &it.value, it.expire, it.idle, it.freq)
            .expect("push");
    }
    w.finish().expect("finish");
    let bytes = std::fs::read(&path).expect("read back");
    assert_eq!(
        zedis::persist::detect(&bytes[..9]),
        Some(zedis::persist::Format::Zdb)
    );
    let mut c = Collect::default();
    let f = std::fs::File::open(&path).expect("open");
    let report = zdb::read(f, &mut c, &Limits::default(), Mode::Strict).expect("read");
    assert_same(&items, &c.0);
    let t = report.trailer.expect("trailer");
    let mut want = BTreeMap::<u32, (u64, u64)>::new();
    for it in &items {
        let e = want.entry(it.db).or_default();
        e.0 += 1;
        e.1 += u64::from(it.expire != 0);
    }
    let want: Vec<_> = want.into_iter().map(|(d, (k, e))| (d, k, e)).collect();
    assert_eq!(t.dbs, want);
    assert_eq!(t.records, items.len() as u64);
    assert_eq!(report.ctime_ms, 1);
    std::fs::remove_dir_all(&dir).ok();
}

// ---------------------------------------------------------------------------------------------
// Throughput
// ---------------------------------------------------------------------------------------------

#[test]
#[ignore = "benchmark: cargo test --release -p zedis --test zdb -- --ignored --nocapture"]
fn bench_one_million_mixed_keys() {
    struct Count(u64);
    impl Visitor for Count {
        fn record(&mut self, _: u64, rec: Record) -> Result<(), PersistError> {
            if let Record::Key(k) = rec {
                self.0 += 1;
                std::hint::black_box(k);
            }
            Ok(())
        }
    }
    let mut rng = fastrand::Rng::with_seed(1);
    let lim = Limits::default();
    let values: Vec<Value> = (0..1000)
        .map(|i| match i % 6 {
            0 => Value::Int(rng.i64(..)),
            1 => Value::string(format!("some value {}", rng.u64(..)).as_bytes()),
            2 => build::list((0..10).map(|j| format!("item-{j}-{}", rng.u32(..)))),
            3 => build::hash(
                (0..8).map(|j| (format!("f{j}"), format!("{}", rng.u32(..)))),
                &lim,
            ),
            4 => build::set((0..16).map(|_| rng.u32(..).to_string()), &lim),
            _ => build::zset(
                (0..8).map(|j| (format!("m{j}"), f64::from(rng.u32(..)))),
                &lim,
            ),
        })
        .collect();
    let n = 1_000_000u32;
    let start = std::time::Instant::now();
    let mut w = zdb::Writer::new(Vec::with_capacity(64 << 20), &[], 0).expect("header");
    let mut raw = 0usize;
    for i in 0..n {
        let key = format!("key:{i:08}");
        let v = &values[i as usize % values.len()];
        raw += key.len() + v.heap_size();
        w.push_key(0, key.as_bytes(), v, 0, Some(5), None)
            .expect("push");
    }
    let file = w.finish().expect("finish");
    let wt = start.elapsed().as_secs_f64();
    let start = std::time::Instant::now();
    let mut c = Count(0);
    zdb::read(&file[..], &mut c, &lim, Mode::Strict).expect("read");
    let rt = start.elapsed().as_secs_f64();
    assert_eq!(c.0, u64::from(n));
    let mb = file.len() as f64 / 1e6;
    let (_, blocks, _) = layout(&file);
    let ulen: usize = blocks
        .iter()
        .map(|b| u32_at(&file, b.offset + 26) as usize)
        .sum();
    println!(
        "zdb: {n} keys, {} blocks, file {mb:.1} MB ({:.1} MB uncompressed, value heap ~{:.1} MB); write {wt:.2}s = {:.0} MB/s, {:.2} Mkeys/s; read {rt:.2}s = {:.0} MB/s, {:.2} Mkeys/s",
        blocks.len(),
        ulen as f64 / 1e6,
        raw as f64 / 1e6,
        mb / wt,
        f64::from(n) / wt / 1e6,
        mb / rt,
        f64::from(n) / rt / 1e6
    );
}

#[test]
fn list_value_with_empty_elements() {
    // Elements take one byte each on disk; counts are checked against what the block holds.
    let mut l = ListValue::new();
    for _ in 0..5000 {
        l.items.push_back(SmallBytes::new(b""));
    }
    let items = vec![Item {
        db: 9,
        key: Vec::new(),
        value: Value::List(Box::new(l)),
        expire: 0,
        idle: None,
        freq: None,
    }];
    let file = write(&items, 1024);
    let (r, recs) = read(&file, Mode::Strict);
    r.expect("read");
    assert_same(&items, &recs);
}

#[test]
fn store_thread_builds_blocks_and_writer_thread_writes_them() {
    // The fork-less BGSAVE split: blocks cross a channel from the builder to the file writer.
    let items = small_dataset();
    let (tx, rx) = std::sync::mpsc::sync_channel::<zdb::RawBlock>(4);
    let writer = std::thread::spawn(move || {
        let mut f = zdb::FileWriter::new(Vec::new(), &[(b"ctime".to_vec(), b"5".to_vec())], 5)?;
        let mut n = 0;
        for b in rx {
            f.write_block(b)?;
            n += 1;
        }
        Ok::<_, PersistError>((f, n))
    });
    let mut b = zdb::BlockBuilder::new(4096);
    for it in &items {
        b.push_key(it.db, &it.key, &it.value, it.expire, it.idle, it.freq);
        while let Some(block) = b.take_full() {
            tx.send(block).expect("writer alive");
        }
    }
    while let Some(block) = b.finish() {
        tx.send(block).expect("writer alive");
    }
    drop(tx);
    let (f, blocks) = writer.join().expect("no panic").expect("writes");
    assert!(blocks > 10);
    let file = f.finish(&b.counts()).expect("trailer");
    let (r, recs) = read(&file, Mode::Strict);
    assert_eq!(r.expect("read").blocks_ok, blocks);
    assert_same(&items, &recs);
    assert!(matches!(&recs[1], Record::Aux { key, .. } if key == b"ctime"));
}

// ---------------------------------------------------------------------------------------------
// Format stability
// ---------------------------------------------------------------------------------------------

const FIXTURE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../tests/fixtures/zdb/zdb-v1-every-type.zdb"
);

/// A fixed dataset with every tag, flag and a record cut into parts (written with 1 KiB blocks).
fn fixture_dataset() -> Vec<Item> {
    let lim = Limits::default();
    let mut table_set = IndexSet::with_hasher(RandomState::default());
    for m in ["a", "b", "17"] {
        table_set.insert(SmallBytes::new(m.as_bytes()));
    }
    let mut table_hash = IndexMap::with_hasher(RandomState::default());
    table_hash.insert(b"field".to_vec(), vec![b'v'; 100]);
    let mut skip = ZSetValue::new_skiplist();
    skip.insert_new(b"x", -2.5);
    skip.insert_new(b"y", f64::INFINITY);
    let values = vec![
        Value::Int(-42),
        Value::Int(i64::MIN),
        Value::Emb(SmallBytes::new(b"hello")),
        Value::raw(b"short but raw".to_vec()),
        Value::raw((0..3000u32).map(|i| (i % 251) as u8).collect()),
        build::list(["a", "", "c"]),
        build::set(["3", "1", "2"], &lim),
        Value::Set(Box::new(SetValue::Table(table_set))),
        build::hash([("f1", "v1"), ("f2", "v2")], &lim),
        Value::Hash(Box::new(HashValue::Table(table_hash))),
        build::zset([("m1", 1.0), ("m2", 0.5)], &lim),
        Value::ZSet(Box::new(skip)),
    ];
    values
        .into_iter()
        .enumerate()
        .map(|(i, value)| Item {
            db: if i < 6 { 0 } else { 5 },
            key: vec![b'k', i as u8, 0, 0xff],
            value,
            expire: if i % 3 == 0 {
                1_900_000_000_000 + i as u64
            } else {
                0
            },
            idle: (i % 2 == 0).then_some(i as u64 * 1000),
            freq: (i % 4 == 1).then_some(i as u8),
        })
        .collect()
}

/// Files written by format version 1 stay readable, and today's writer still produces the same
/// blocks and trailer. Regenerate (only for a new format version, keeping the old file) with
/// `ZDB_WRITE_FIXTURE=1 cargo test -p zedis --test zdb fixture`.
#[test]
fn version_1_fixture_reads_and_matches_the_writer() {
    let items = fixture_dataset();
    let now = write(&items, 1024);
    if std::env::var_os("ZDB_WRITE_FIXTURE").is_some() {
        std::fs::write(FIXTURE, &now).expect("write fixture");
    }
    let old = std::fs::read(FIXTURE).expect("fixture present");
    let checked = zdb::verify(&old[..], Mode::Strict).expect("verify");
    assert_eq!(checked.records, items.len() as u64);
    let mut bad = old.clone();
    let last = bad.len() - 1;
    bad[last] ^= 1;
    assert!(zdb::verify(&bad[..], Mode::Strict).is_err());
    let (r, recs) = read(&old, Mode::Strict);
    let report = r.expect("fixture reads");
    assert_eq!(report.version, 1);
    assert_eq!(report.ctime_ms, 1_700_000_000_000);
    assert_same(&items, &recs);
    let (old_header, _, _) = layout(&old);
    let (now_header, _, _) = layout(&now);
    assert!(
        old[old_header..] == now[now_header..],
        "the writer's blocks or trailer changed: that needs a new format version"
    );
}
