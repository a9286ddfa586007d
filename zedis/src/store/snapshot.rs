//! Point-in-time snapshots without fork and without copying the dataset.
//!
//! A snapshot walks every database in hash-space order (the `Table`'s segment order) a few
//! segments at a time, between command batches, handing each entry to a [`SnapshotSink`] (the
//! server's encoder). Writes keep running meanwhile. To keep the result exactly the state at the
//! moment the snapshot began, every store method that is about to change a key first *preserves*
//! it: if the key's segment has not been emitted yet, the whole segment is emitted now (before
//! the change) and its hash range is remembered as done, so the walker skips it later. Keys
//! created after the start land in ranges that are either already done (never emitted) or
//! emitted before the key is inserted; deleted keys are emitted before they go. FLUSHDB and
//! SWAPDB preserve whole databases first. Extra memory is what the sink buffers, not a copy of
//! the data (the approach Dragonfly takes; Redis forks and lets copy-on-write do it).
//!
//! Correctness rests on one property of `Table`: segments only ever get finer (the table never
//! shrinks; a flush replaces the table after its database was preserved), so the walker's cursor
//! and every remembered range are always segment boundaries.

use super::{Entry, Store};
use std::collections::BTreeMap;

/// Where a snapshot's entries go.
pub trait SnapshotSink: Send {
    /// One key as it was when the snapshot began. Called in hash order per database by the
    /// walker, and out of order for keys preserved ahead of a write.
    fn entry(&mut self, db: usize, e: &Entry);
    /// Whether the walker may produce more now: false while the writer thread is behind, so the
    /// backlog (and memory) stays bounded. Preservation ahead of writes ignores it.
    fn ready(&self) -> bool {
        true
    }
    /// Every entry has been delivered.
    fn complete(self: Box<Self>);
}

/// One past the last hash position.
const END: u128 = 1 << 64;

/// How many entries ahead [`DbView::walk`] prefetches.
const PREFETCH_AHEAD: usize = 4;

/// Hints the CPU to fetch the first heap block an entry's value points to (the string bytes or
/// the collection header). Only addresses held in the entry itself are used: nothing is read
/// through them here.
#[inline]
fn prefetch_value(e: &Entry) {
    use super::raw::RawStr;
    use super::{SmallBytes, Value};
    let p: *const u8 = match &e.value {
        Value::Int(_) | Value::Emb(SmallBytes::Inline(..)) => return,
        Value::Emb(SmallBytes::Heap(b)) => b.as_ptr(),
        Value::Raw(RawStr::Exact(b)) => b.as_ptr(),
        Value::Raw(RawStr::Grown(v)) => std::ptr::from_ref::<Vec<u8>>(v).cast(),
        Value::Hash(b) => std::ptr::from_ref(&**b).cast(),
        Value::List(b) => std::ptr::from_ref(&**b).cast(),
        Value::Set(b) => std::ptr::from_ref(&**b).cast(),
        Value::ZSet(b) => std::ptr::from_ref(&**b).cast(),
    };
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch is only a hint: it reads nothing architecturally and never faults,
    // whatever the address; SSE is part of every x86_64 CPU.
    unsafe {
        std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(p.cast());
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = p;
}

/// A read-only view of one database for a whole-store walk while nothing can change the store
/// (a foreground SAVE): several threads may each walk a disjoint range of it.
pub struct DbView<'a>(&'a super::table::Table<Entry>);

impl DbView<'_> {
    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Calls `f` for every entry whose segment starts in hash range `[from, to)` (`to` may be
    /// `1 << 64`), in the walker's order. Ranges that partition the hash space visit every
    /// entry exactly once, whatever the segment sizes: a segment belongs to the range its
    /// start lies in.
    pub fn walk(&self, from: u64, to: u128, mut f: impl FnMut(&Entry)) {
        let mut pos = u128::from(from);
        while pos < to {
            let (start, end, entries) = self.0.segment_at(pos as u64);
            if u128::from(start) >= u128::from(from) {
                // Encoding is bound by the misses on each value's heap data: ask for the data
                // of the entries a few places ahead while this one is encoded.
                let mut lead = entries.clone();
                lead.by_ref().take(PREFETCH_AHEAD).for_each(prefetch_value);
                for e in entries {
                    if let Some(n) = lead.next() {
                        prefetch_value(n);
                    }
                    f(e);
                }
            }
            pos = if end == 0 { END } else { u128::from(end) };
        }
    }
}

pub(super) struct SnapState {
    sink: Box<dyn SnapshotSink>,
    /// The walker's database; every database below it is complete.
    db: usize,
    /// In database `db`, every hash below this has been emitted.
    cursor: u128,
    /// Per database, hash ranges emitted ahead of the walker: start → end (exclusive).
    early: Vec<BTreeMap<u64, u128>>,
}

fn in_early(early: &BTreeMap<u64, u128>, h: u64) -> bool {
    early
        .range(..=h)
        .next_back()
        .is_some_and(|(_, &end)| (h as u128) < end)
}

impl SnapState {
    fn covered(&self, db: usize, h: u64) -> bool {
        db < self.db || (db == self.db && (h as u128) < self.cursor) || in_early(&self.early[db], h)
    }
}

impl Store {
    /// Starts a snapshot into `sink`. Refused (the sink is handed back) while one is running.
    pub fn snapshot_begin(
        &mut self,
        sink: Box<dyn SnapshotSink>,
    ) -> Result<(), Box<dyn SnapshotSink>> {
        if self.snap.is_some() {
            return Err(sink);
        }
        self.snap = Some(SnapState {
            sink,
            db: 0,
            cursor: 0,
            early: vec![BTreeMap::new(); self.dbs.len()],
        });
        Ok(())
    }

    pub fn snapshot_active(&self) -> bool {
        self.snap.is_some()
    }

    /// Read-only views of every database, for a walk split across threads while the store
    /// thread waits (no snapshot may be running: its preservation bookkeeping would be skipped).
    pub fn db_views(&self) -> Vec<DbView<'_>> {
        self.dbs.iter().map(|d| DbView(&d.table)).collect()
    }

    /// Advances the walker by about `budget` entries (whole segments). When everything has been
    /// emitted the sink is completed and true is returned.
    pub fn snapshot_step(&mut self, budget: usize) -> bool {
        let Some(st) = self.snap.as_mut() else {
            return true;
        };
        let mut n = 0usize;
        while st.db < self.dbs.len() {
            if n >= budget || !st.sink.ready() {
                return false;
            }
            if st.cursor >= END {
                st.db += 1;
                st.cursor = 0;
                continue;
            }
            let table = &self.dbs[st.db].table;
            let (start, end, entries) = table.segment_at(st.cursor as u64);
            let end = if end == 0 { END } else { end as u128 };
            let early = &st.early[st.db];
            let whole = early
                .range(..=start)
                .next_back()
                .is_some_and(|(_, &e)| end <= e);
            if !whole {
                let mut lead = entries.clone();
                lead.by_ref().take(PREFETCH_AHEAD).for_each(prefetch_value);
                for e in entries {
                    if let Some(n) = lead.next() {
                        prefetch_value(n);
                    }
                    if !early.is_empty() && in_early(early, table.hash(&e.key)) {
                        continue;
                    }
                    st.sink.entry(st.db, e);
                    n += 1;
                }
            }
            st.cursor = end;
        }
        if let Some(st) = self.snap.take() {
            st.sink.complete();
        }
        true
    }

    /// Abandons a running snapshot (the sink is dropped without completing).
    pub fn snapshot_abort(&mut self) {
        self.snap = None;
    }

    /// Runs a snapshot to the end in one go (SAVE, DEBUG RELOAD, SHUTDOWN).
    pub fn snapshot_all(
        &mut self,
        sink: Box<dyn SnapshotSink>,
    ) -> Result<(), Box<dyn SnapshotSink>> {
        self.snapshot_begin(sink)?;
        while !self.snapshot_step(usize::MAX) {}
        Ok(())
    }

    /// Called before `key` in `db` changes in any way (value, expiry, removal, creation).
    #[inline]
    pub(super) fn preserve(&mut self, db: usize, key: &[u8]) {
        if self.snap.is_some() {
            self.preserve_slow(db, key);
        }
    }

    #[cold]
    fn preserve_slow(&mut self, db: usize, key: &[u8]) {
        let Some(st) = self.snap.as_mut() else {
            return;
        };
        let table = &self.dbs[db].table;
        let h = table.hash(key);
        if st.covered(db, h) {
            return;
        }
        let (start, end, entries) = table.segment_at(h);
        for e in entries {
            if !st.covered(db, table.hash(&e.key)) {
                st.sink.entry(db, e);
            }
        }
        let end = if end == 0 { END } else { end as u128 };
        st.early[db].insert(start, end);
    }

    /// Called before a whole database changes at once (FLUSHDB, SWAPDB): emits everything in it
    /// not yet emitted.
    pub(super) fn preserve_db(&mut self, db: usize) {
        let Some(st) = self.snap.as_mut() else {
            return;
        };
        if db < st.db {
            return;
        }
        let table = &self.dbs[db].table;
        let mut pos: u128 = if db == st.db { st.cursor } else { 0 };
        while pos < END {
            let (_, end, entries) = table.segment_at(pos as u64);
            for e in entries {
                if !st.covered(db, table.hash(&e.key)) {
                    st.sink.entry(db, e);
                }
            }
            pos = if end == 0 { END } else { end as u128 };
        }
        st.early[db] = BTreeMap::from([(0, END)]);
        if db == st.db {
            st.cursor = END;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::Value;
    use super::*;
    use proptest::prelude::*;
    use std::collections::BTreeMap as Map;
    use std::sync::{Arc, Mutex};

    type Seen = Arc<Mutex<Vec<(usize, Vec<u8>, Value, u64)>>>;

    struct Collect {
        seen: Seen,
        done: Arc<Mutex<bool>>,
    }

    impl SnapshotSink for Collect {
        fn entry(&mut self, db: usize, e: &Entry) {
            self.seen
                .lock()
                .unwrap()
                .push((db, e.key.to_vec(), e.value.clone(), e.expire_at));
        }
        fn complete(self: Box<Self>) {
            *self.done.lock().unwrap() = true;
        }
    }

    fn state(s: &Store) -> Map<(usize, Vec<u8>), (Value, u64)> {
        let mut m = Map::new();
        for db in 0..s.databases() {
            for e in s.db(db).iter() {
                m.insert((db, e.key.to_vec()), (e.value.clone(), e.expire_at));
            }
        }
        m
    }

    #[derive(Debug, Clone)]
    enum Op {
        Set(usize, u16, u16),
        Del(usize, u16),
        Expire(usize, u16, u64),
        Append(usize, u16),
        Flush(usize),
        Swap(usize, usize),
        Step(usize),
        /// Jump past every expiry, look a key up (lazy expiry) and run an active expire cycle.
        Late(usize, u16),
        /// Evict this many keys (allkeys-random or allkeys-lru, by parity).
        Evict(u8),
    }

    fn op() -> impl Strategy<Value = Op> {
        let db = 0usize..3;
        let key = 0u16..3000;
        prop_oneof![
            20 => (db.clone(), key.clone(), any::<u16>()).prop_map(|(d, k, v)| Op::Set(d, k, v)),
            20 => (db.clone(), key.clone()).prop_map(|(d, k)| Op::Del(d, k)),
            5 => (db.clone(), key.clone(), 1u64..1_000_000).prop_map(|(d, k, t)| Op::Expire(d, k, t)),
            10 => (db.clone(), key).prop_map(|(d, k)| Op::Append(d, k)),
            // Rare: each preserves whole databases, which would hide per-key mistakes.
            1 => db.clone().prop_map(Op::Flush),
            1 => (db.clone(), db).prop_map(|(a, b)| Op::Swap(a, b)),
            15 => (1usize..50).prop_map(Op::Step),
            5 => (0usize..3, 0u16..3000).prop_map(|(d, k)| Op::Late(d, k)),
            5 => (1u8..20).prop_map(Op::Evict),
        ]
    }

    fn k(i: u16) -> Vec<u8> {
        format!("key:{i}").into_bytes()
    }

    fn apply(s: &mut Store, op: &Op) {
        match *op {
            Op::Set(d, key, v) => s.set(
                d,
                &k(key),
                Value::string(v.to_string().as_bytes()),
                None,
                false,
            ),
            Op::Del(d, key) => {
                s.remove(d, &k(key));
            }
            Op::Expire(d, key, t) => {
                s.set_expire(d, &k(key), 10_000_000 + t);
            }
            Op::Append(d, key) => {
                if let Some(e) = s.get_mut(d, &k(key)) {
                    if let Some(raw) = e.value.make_raw() {
                        raw.extend_from_slice(b"+");
                    }
                }
            }
            Op::Flush(d) => {
                s.flush_db(d);
            }
            Op::Swap(a, b) => s.swap_db(a, b),
            Op::Step(n) => {
                s.snapshot_step(n);
            }
            Op::Late(d, key) => {
                s.now_ms = 20_000_000;
                s.exists(d, &k(key));
                let far = std::time::Instant::now() + std::time::Duration::from_secs(5);
                s.active_expire_cycle(20, 10, far);
            }
            Op::Evict(n) => {
                let policy = if n % 2 == 0 {
                    super::super::evict::Policy::AllkeysRandom
                } else {
                    super::super::evict::Policy::AllkeysLru
                };
                for _ in 0..n {
                    if let Some((db, key)) = s.pick_victim(policy, 5) {
                        s.evict_key(db, &key);
                    }
                }
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        /// Whatever writes interleave with the walker, the snapshot holds exactly the state at
        /// its start, each key once.
        #[test]
        fn snapshot_is_point_in_time(
            fill in 0u16..3000,
            pre in proptest::collection::vec(op(), 0..600),
            during in proptest::collection::vec(op(), 0..300),
        ) {
            let mut s = Store::new(3);
            s.now_ms = 1;
            for i in 0..fill {
                s.set((i % 3) as usize, &k(i), Value::Int(i as i64), None, false);
            }
            for o in &pre {
                if !matches!(o, Op::Step(_) | Op::Late(..)) {
                    apply(&mut s, o);
                }
            }
            let expect = state(&s);
            let seen: Seen = Arc::default();
            let done = Arc::new(Mutex::new(false));
            let sink = Collect { seen: seen.clone(), done: done.clone() };
            prop_assert!(s.snapshot_begin(Box::new(sink)).is_ok());
            for o in &during {
                apply(&mut s, o);
            }
            while !s.snapshot_step(7) {}
            prop_assert!(*done.lock().unwrap());
            prop_assert!(!s.snapshot_active());
            let mut got = Map::new();
            for (db, key, v, exp) in seen.lock().unwrap().iter() {
                let dup = got.insert((*db, key.clone()), (v.clone(), *exp));
                prop_assert!(dup.is_none(), "key emitted twice: {:?}", String::from_utf8_lossy(key));
            }
            prop_assert_eq!(got, expect);
        }
    }

    #[test]
    fn big_table_grows_during_snapshot() {
        // Growth (segment splits) while the walker is half-way must not lose or repeat keys.
        let mut s = Store::new(1);
        for i in 0..5_000u32 {
            s.set(
                0,
                format!("a{i}").as_bytes(),
                Value::Int(i as i64),
                None,
                false,
            );
        }
        let expect = state(&s);
        let seen: Seen = Arc::default();
        let done = Arc::new(Mutex::new(false));
        assert!(s
            .snapshot_begin(Box::new(Collect {
                seen: seen.clone(),
                done: done.clone()
            }))
            .is_ok());
        let mut i = 0u32;
        while !s.snapshot_step(100) {
            for _ in 0..200 {
                s.set(0, format!("b{i}").as_bytes(), Value::Int(0), None, false);
                s.remove(0, format!("a{}", i % 5_000).as_bytes());
                i += 1;
            }
        }
        let got: Map<_, _> = seen
            .lock()
            .unwrap()
            .iter()
            .map(|(d, k, v, e)| ((*d, k.clone()), (v.clone(), *e)))
            .collect();
        assert_eq!(seen.lock().unwrap().len(), expect.len());
        assert_eq!(got, expect);
    }

    #[test]
    fn db_views_split_into_ranges_visit_every_entry_once() {
        // Few keys: segments far coarser than the ranges, so most ranges start inside a
        // segment that belongs to an earlier one. Many keys: segments finer than the ranges.
        for n in [5u32, 300, 20_000] {
            let mut s = Store::new(2);
            for i in 0..n {
                s.set(
                    1,
                    format!("k{i}").as_bytes(),
                    Value::Int(i.into()),
                    None,
                    false,
                );
            }
            let views = s.db_views();
            assert!(views[0].is_empty());
            for bits in [0u32, 1, 4, 9] {
                let step = 1u128 << (64 - bits);
                let mut seen = Vec::new();
                for k in 0..(1u128 << bits) {
                    views[1].walk((k * step) as u64, (k + 1) * step, |e| {
                        seen.push(e.key.to_vec())
                    });
                }
                let mut sorted = seen.clone();
                sorted.sort();
                sorted.dedup();
                assert_eq!(
                    (seen.len(), sorted.len()),
                    (n as usize, n as usize),
                    "n {n} bits {bits}"
                );
            }
        }
    }
}
