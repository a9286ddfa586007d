//! The keyspace: sixteen (or `databases`) databases of keys → values with expiry and access
//! metadata, and the lazy and active expiry that keeps them honest.
//!
//! Only the store thread owns a `Store`, so nothing here locks. This module does no I/O and knows
//! nothing of sockets, RESP or commands: it is pure data and can be unit-tested directly. Time is
//! passed in (`Store::now_ms`, refreshed by the server loop from its cached clock) so that tests
//! control it and commands never make a clock call of their own.

pub mod evict;
pub mod hash;
pub mod list;
pub mod raw;
pub mod set;
pub mod signals;
pub mod small;
pub mod snapshot;
pub mod table;
pub mod zset;

use foldhash::fast::FixedState;
use indexmap::IndexSet;

pub use hash::HashValue;
pub use list::ListValue;
pub use raw::RawStr;
pub use set::SetValue;
pub use signals::{Signals, StoreEvent, StoreEventKind};
pub use small::SmallBytes;
pub use snapshot::SnapshotSink;
use table::{Keyed, Table};
pub use zset::ZSetValue;

/// Strings longer than this are stored "raw" (mutable) rather than "embstr", as in Redis.
pub const EMBSTR_MAX: usize = 44;

/// A value: a string in one of its three encodings, or a hash. The data-types work adds lists, sets
/// and sorted sets as new variants.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// A string that is a canonical 64-bit integer (`OBJECT ENCODING` "int").
    Int(i64),
    /// A string created whole and short enough to be "embstr".
    Emb(SmallBytes),
    /// A string that was modified in place or is long ("raw"); see `RawStr` for how APPEND and
    /// SETRANGE still grow it in amortized O(1).
    Raw(RawStr),
    /// A hash (listpack or hashtable encoded); boxed to keep `Value` as small as a string.
    Hash(Box<HashValue>),
    /// A list; never empty while stored (the command that empties it deletes the key).
    List(Box<ListValue>),
    /// A set (intset or hashtable encoded); never empty while stored.
    Set(Box<SetValue>),
    /// A sorted set (listpack or skiplist encoded); never empty while stored.
    ZSet(Box<ZSetValue>),
}

/// Which family a value belongs to, as TYPE reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    String,
    Hash,
    List,
    Set,
    ZSet,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::String => "string",
            Kind::Hash => "hash",
            Kind::List => "list",
            Kind::Set => "set",
            Kind::ZSet => "zset",
        }
    }
}

impl Value {
    /// Builds a string value the way Redis's `tryObjectEncoding` would store it.
    pub fn string(b: &[u8]) -> Value {
        if b.len() <= 20 {
            if let Some(i) = crate::util::num::parse_i64(b) {
                return Value::Int(i);
            }
        }
        if b.len() <= EMBSTR_MAX {
            Value::Emb(SmallBytes::new(b))
        } else {
            Value::Raw(RawStr::from(b))
        }
    }

    /// A raw-encoded string holding `v`.
    pub fn raw(v: Vec<u8>) -> Value {
        Value::Raw(RawStr::from(v))
    }

    pub fn as_list(&self) -> Option<&ListValue> {
        match self {
            Value::List(l) => Some(l),
            _ => None,
        }
    }

    pub fn as_list_mut(&mut self) -> Option<&mut ListValue> {
        match self {
            Value::List(l) => Some(l),
            _ => None,
        }
    }

    pub fn as_hash(&self) -> Option<&HashValue> {
        match self {
            Value::Hash(h) => Some(h),
            _ => None,
        }
    }

    pub fn as_hash_mut(&mut self) -> Option<&mut HashValue> {
        match self {
            Value::Hash(h) => Some(h),
            _ => None,
        }
    }

    pub fn as_set(&self) -> Option<&SetValue> {
        match self {
            Value::Set(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_set_mut(&mut self) -> Option<&mut SetValue> {
        match self {
            Value::Set(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_zset(&self) -> Option<&ZSetValue> {
        match self {
            Value::ZSet(z) => Some(z),
            _ => None,
        }
    }

    pub fn as_zset_mut(&mut self) -> Option<&mut ZSetValue> {
        match self {
            Value::ZSet(z) => Some(z),
            _ => None,
        }
    }

    /// A list, hash or set with no elements: Redis never keeps one, so callers delete the key.
    pub fn is_empty_collection(&self) -> bool {
        match self {
            Value::List(l) => l.is_empty(),
            Value::Hash(h) => h.is_empty(),
            Value::Set(s) => s.is_empty(),
            Value::ZSet(z) => z.is_empty(),
            _ => false,
        }
    }

    /// The value in a form that compares equal across encodings: its TYPE name and its items —
    /// list order kept, set members and hash field/value pairs sorted, sorted-set members
    /// followed by their score as Redis prints it. For tests and tools that check contents.
    pub fn comparable(&self) -> (&'static str, Vec<Vec<u8>>) {
        let mut scratch = [0u8; 20];
        match self {
            Value::Int(_) | Value::Emb(_) | Value::Raw(_) => (
                "string",
                vec![self.str_bytes(&mut scratch).unwrap_or_default().to_vec()],
            ),
            Value::List(l) => ("list", l.items.iter().map(|i| i.to_vec()).collect()),
            Value::Set(st) => {
                let mut m: Vec<Vec<u8>> = st.iter().map(|m| m.to_vec()).collect();
                m.sort();
                ("set", m)
            }
            Value::Hash(h) => {
                let mut p: Vec<(Vec<u8>, Vec<u8>)> =
                    h.iter().map(|(f, v)| (f.to_vec(), v.to_vec())).collect();
                p.sort();
                ("hash", p.into_iter().flat_map(|(f, v)| [f, v]).collect())
            }
            Value::ZSet(z) => (
                "zset",
                z.iter_from(0, false)
                    .flat_map(|(m, sc)| [m.to_vec(), crate::resp::format_double(sc).into_bytes()])
                    .collect(),
            ),
        }
    }

    pub fn kind(&self) -> Kind {
        match self {
            Value::Int(_) | Value::Emb(_) | Value::Raw(_) => Kind::String,
            Value::Hash(_) => Kind::Hash,
            Value::List(_) => Kind::List,
            Value::Set(_) => Kind::Set,
            Value::ZSet(_) => Kind::ZSet,
        }
    }

    pub fn encoding(&self) -> &'static str {
        match self {
            Value::Int(_) => "int",
            Value::Emb(_) => "embstr",
            Value::Raw(_) => "raw",
            Value::Hash(h) => h.encoding(),
            // Redis 7.0 reports every list as a quicklist, however small.
            Value::List(_) => "quicklist",
            Value::Set(s) => s.encoding(),
            Value::ZSet(z) => z.encoding(),
        }
    }

    /// The string's bytes; integers are formatted into `scratch`. None for other types, which
    /// string commands turn into WRONGTYPE.
    pub fn str_bytes<'a>(&'a self, scratch: &'a mut [u8; 20]) -> Option<&'a [u8]> {
        match self {
            Value::Int(i) => Some(itoa_buf(*i, scratch)),
            Value::Emb(s) => Some(s.as_slice()),
            Value::Raw(v) => Some(v.as_slice()),
            Value::Hash(_) => None,
            Value::List(_) | Value::Set(_) | Value::ZSet(_) => None,
        }
    }

    /// Takes the string out as an owned, mutable `Vec` (converting to the raw form); None for
    /// non-strings.
    pub fn make_raw(&mut self) -> Option<&mut Vec<u8>> {
        let bytes = match self {
            Value::Raw(v) => return Some(v.as_vec_mut()),
            Value::Hash(_) => return None,
            Value::Int(i) => i.to_string().into_bytes(),
            Value::Emb(s) => s.to_vec(),
            Value::List(_) | Value::Set(_) | Value::ZSet(_) => return None,
        };
        *self = Value::Raw(RawStr::Grown(Box::new(bytes)));
        match self {
            Value::Raw(v) => Some(v.as_vec_mut()),
            _ => None,
        }
    }

    /// Heap bytes owned by this value, for memory estimates.
    pub fn heap_size(&self) -> usize {
        self.heap_size_sampled(0)
    }

    /// Heap bytes owned by this value, with the elements of big collections extrapolated from
    /// the first `samples` of them (0 = every element), as Redis's objectComputeSize does for
    /// MEMORY USAGE … SAMPLES. Compact encodings (one buffer) are always exact.
    pub fn heap_size_sampled(&self, samples: usize) -> usize {
        match self {
            Value::Int(_) => 0,
            Value::Emb(s) => s.heap_size(),
            Value::Raw(v) => v.heap_size(),
            Value::Hash(h) => std::mem::size_of::<HashValue>() + h.heap_size_sampled(samples),
            Value::List(l) => std::mem::size_of::<ListValue>() + l.heap_size_sampled(samples),
            Value::Set(s) => std::mem::size_of::<SetValue>() + s.heap_size_sampled(samples),
            Value::ZSet(z) => std::mem::size_of::<ZSetValue>() + z.heap_size_sampled(samples),
        }
    }
}

/// The sum of `sizes` (of a collection with `len` elements), or, when `samples` is non-zero and
/// smaller than `len`, the sum of the first `samples` scaled up to `len` (Redis's average of
/// sampled elements times the element count).
pub(crate) fn sampled_sum(sizes: impl Iterator<Item = usize>, len: usize, samples: usize) -> usize {
    if samples == 0 || samples >= len {
        return sizes.sum();
    }
    let sum: usize = sizes.take(samples).sum();
    (sum as u128 * len as u128 / samples as u128) as usize
}

/// Formats `i` into the end of `buf` and returns the used tail.
fn itoa_buf(i: i64, buf: &mut [u8; 20]) -> &[u8] {
    let mut n = i.unsigned_abs();
    let mut pos = buf.len();
    loop {
        pos -= 1;
        buf[pos] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    if i < 0 {
        pos -= 1;
        buf[pos] = b'-';
    }
    &buf[pos..]
}

/// One key's slot in the table.
#[derive(Debug)]
pub struct Entry {
    pub key: SmallBytes,
    pub value: Value,
    /// Absolute expiry in unix milliseconds; 0 means persistent.
    pub expire_at: u64,
    /// 24 bits of access metadata: under an LRU (or no) policy the last access in seconds on the
    /// LRU clock (see `lru_clock`); under an LFU policy minutes and a counter (see `evict`).
    pub lru: u32,
}

impl Keyed for Entry {
    #[inline]
    fn key(&self) -> &[u8] {
        &self.key
    }
}

/// The 24-bit LRU clock Redis uses: seconds, wrapping.
pub const LRU_CLOCK_MAX: u32 = (1 << 24) - 1;

pub fn lru_clock(now_ms: u64) -> u32 {
    ((now_ms / 1000) as u32) & LRU_CLOCK_MAX
}

/// Seconds since `lru`, accounting for the clock wrapping (Redis's estimateObjectIdleTime).
pub fn idle_secs(lru: u32, now_ms: u64) -> u64 {
    let clock = lru_clock(now_ms);
    if clock >= lru {
        (clock - lru) as u64
    } else {
        (clock + (LRU_CLOCK_MAX - lru)) as u64
    }
}

/// One database.
pub struct Db {
    table: Table<Entry>,
    /// Keys with an expiry, for the active expire cycle's sampling.
    volatile: IndexSet<SmallBytes, FixedState>,
    /// Running average of sampled TTLs in milliseconds (INFO keyspace `avg_ttl`).
    pub avg_ttl: u64,
}

impl Db {
    fn new(hasher: FixedState) -> Db {
        Db {
            table: Table::new(hasher.clone()),
            volatile: IndexSet::with_hasher(hasher),
            avg_ttl: 0,
        }
    }

    pub fn len(&self) -> usize {
        self.table.len()
    }

    pub fn is_empty(&self) -> bool {
        self.table.is_empty()
    }

    pub fn expires_len(&self) -> usize {
        self.volatile.len()
    }

    pub fn table(&self) -> &Table<Entry> {
        &self.table
    }

    /// Iterates entries without expiry checks (for INFO, snapshots, KEYS after filtering).
    pub fn iter(&self) -> impl Iterator<Item = &Entry> {
        self.table.iter()
    }

    /// Raw access with no expiry check.
    pub fn peek(&self, key: &[u8]) -> Option<&Entry> {
        self.table.get(key)
    }

    fn remove_entry(&mut self, key: &[u8]) -> Option<Entry> {
        let e = self.table.remove(key)?;
        if e.expire_at != 0 {
            self.volatile.swap_remove(key);
        }
        Some(e)
    }

    fn set_expire_index(&mut self, key: &[u8], had: bool, has: bool) {
        match (had, has) {
            (false, true) => {
                self.volatile.insert(SmallBytes::new(key));
            }
            (true, false) => {
                self.volatile.swap_remove(key);
            }
            _ => {}
        }
    }
}

/// Counters the store maintains for INFO.
#[derive(Default, Debug, Clone)]
pub struct StoreStats {
    pub expired_keys: u64,
    pub expired_stale_perc: f64,
    pub expired_time_cap_reached_count: u64,
    pub expire_cycle_cpu_milliseconds: u64,
    pub keyspace_hits: u64,
    pub keyspace_misses: u64,
    pub evicted_keys: u64,
}

/// A key the store removed by itself (expired or evicted): the server logs a `DEL` for it to the
/// AOF.
#[derive(Debug, Clone)]
pub struct Expired {
    pub db: usize,
    pub key: SmallBytes,
    /// Evicted (`maxmemory`) rather than expired: decides which `lazyfree-lazy-*` option picks
    /// UNLINK over DEL in the log.
    pub evicted: bool,
}

/// All databases plus the clock and counters.
pub struct Store {
    dbs: Vec<Db>,
    hasher: FixedState,
    /// The cached clock in unix milliseconds, set by the owner before executing commands.
    pub now_ms: u64,
    pub stats: StoreStats,
    /// Keys removed by expiry or eviction since the owner last drained this list.
    pub expired: Vec<Expired>,
    /// WATCH, blocked-key and keyspace-event bookkeeping the engine drains after each command.
    pub signals: Signals,
    rng: fastrand::Rng,
    /// Which database the active expire cycle continues from.
    expire_cursor_db: usize,
    /// A snapshot in progress (see `snapshot`): writes preserve keys before changing them.
    snap: Option<snapshot::SnapState>,
    /// Set while an LFU `maxmemory-policy` is in force: accesses then update the LFU counter
    /// instead of the LRU clock (the owner keeps it in step with the configuration).
    pub lfu: Option<evict::Lfu>,
    /// The eviction pool and over-the-limit timers.
    pub evict: evict::EvictState,
    /// Under LFU, the key the running command created (db, hash): the write that follows its
    /// creation in the same command is not a second access (Redis creates the object with the
    /// initial counter after its one lookup). Cleared by `begin_command`.
    created: Option<(usize, u64)>,
}

/// Result of the expiry check on one key.
enum Liveness {
    Missing,
    Live,
    Expired,
}

impl Store {
    pub fn new(databases: usize) -> Store {
        let seed = fastrand::u64(..);
        let hasher = FixedState::with_seed(seed);
        Store {
            dbs: (0..databases.max(1))
                .map(|_| Db::new(hasher.clone()))
                .collect(),
            hasher,
            now_ms: 0,
            stats: StoreStats::default(),
            expired: Vec::new(),
            signals: Signals::new(databases.max(1)),
            rng: fastrand::Rng::new(),
            expire_cursor_db: 0,
            snap: None,
            lfu: None,
            evict: evict::EvictState::default(),
            created: None,
        }
    }

    pub fn databases(&self) -> usize {
        self.dbs.len()
    }

    pub fn db(&self, db: usize) -> &Db {
        &self.dbs[db]
    }

    fn liveness(&self, db: usize, key: &[u8]) -> Liveness {
        match self.dbs[db].table.get(key) {
            None => Liveness::Missing,
            Some(e) if e.expire_at != 0 && e.expire_at <= self.now_ms => Liveness::Expired,
            Some(_) => Liveness::Live,
        }
    }

    fn expire_now(&mut self, db: usize, key: &[u8]) {
        self.preserve(db, key);
        if let Some(e) = self.dbs[db].remove_entry(key) {
            self.stats.expired_keys += 1;
            self.signals.modified(db, key);
            self.signals
                .event(StoreEventKind::Expired, signals::EVENT_EXPIRED, db, key);
            self.expired.push(Expired {
                db,
                key: e.key,
                evicted: false,
            });
        }
    }

    /// Drops `key` if it has expired. Returns whether it exists afterwards.
    pub fn expire_if_needed(&mut self, db: usize, key: &[u8]) -> bool {
        match self.liveness(db, key) {
            Liveness::Missing => false,
            Liveness::Live => true,
            Liveness::Expired => {
                self.expire_now(db, key);
                false
            }
        }
    }

    /// Looks a key up for reading without touching its LRU or the hit counters.
    pub fn peek(&mut self, db: usize, key: &[u8]) -> Option<&Entry> {
        if !self.expire_if_needed(db, key) {
            return None;
        }
        self.dbs[db].table.get(key)
    }

    /// Looks a key up for a read command: lazy expiry, LRU touch, hit/miss counters.
    pub fn get(&mut self, db: usize, key: &[u8]) -> Option<&Entry> {
        let now = self.now_ms;
        match self.get_mut_inner(db, key, now) {
            Some(_) => {
                self.stats.keyspace_hits += 1;
                self.dbs[db].table.get(key)
            }
            None => {
                self.stats.keyspace_misses += 1;
                self.signals
                    .event(StoreEventKind::Miss, signals::EVENT_KEY_MISS, db, key);
                None
            }
        }
    }

    /// Looks a key up for a write: lazy expiry and LRU touch, no hit counters.
    pub fn get_mut(&mut self, db: usize, key: &[u8]) -> Option<&mut Entry> {
        self.preserve(db, key);
        let now = self.now_ms;
        self.get_mut_inner(db, key, now)
    }

    fn get_mut_inner(&mut self, db: usize, key: &[u8], now: u64) -> Option<&mut Entry> {
        if !self.expire_if_needed(db, key) {
            return None;
        }
        let just_created = self.lfu.is_some()
            && self
                .created
                .is_some_and(|(d, h)| d == db && h == self.dbs[db].table.hash(key));
        let e = self.dbs[db].table.get_mut(key)?;
        e.lru = match self.lfu {
            Some(_) if just_created => e.lru,
            Some(p) => evict::lfu_touch(e.lru, now, p, self.rng.f64()),
            None => lru_clock(now),
        };
        Some(e)
    }

    /// Whether the key exists (after lazy expiry), without touching it.
    pub fn exists(&mut self, db: usize, key: &[u8]) -> bool {
        self.expire_if_needed(db, key)
    }

    /// Sets `key` to `value`. `expire_at`: `Some(ms)` sets an expiry, `None` clears it unless
    /// `keep_ttl` (SET ... KEEPTTL).
    pub fn set(
        &mut self,
        db: usize,
        key: &[u8],
        value: Value,
        expire_at: Option<u64>,
        keep_ttl: bool,
    ) {
        self.preserve(db, key);
        let now = self.now_ms;
        let lru = self.fresh_lru();
        if let Some(e) = self.get_mut_inner(db, key, now) {
            let had = e.expire_at != 0;
            e.value = value;
            if !keep_ttl {
                e.expire_at = expire_at.unwrap_or(0);
            }
            let has = e.expire_at != 0;
            self.dbs[db].set_expire_index(key, had, has);
            return;
        }
        let expire = expire_at.unwrap_or(0);
        self.dbs[db].table.insert_new(Entry {
            key: SmallBytes::new(key),
            value,
            expire_at: expire,
            lru,
        });
        if expire != 0 {
            self.dbs[db].volatile.insert(SmallBytes::new(key));
        }
        if self.lfu.is_some() {
            self.created = Some((db, self.dbs[db].table.hash(key)));
        }
        self.signals.created(db, key);
    }

    /// Called before each command runs (see `created`).
    #[inline]
    pub fn begin_command(&mut self) {
        self.created = None;
    }

    /// The access metadata of a key created now: the clock, or the LFU starting counter.
    pub fn fresh_lru(&self) -> u32 {
        match self.lfu {
            Some(_) => evict::lfu_pack(self.now_ms, evict::LFU_INIT_VAL),
            None => lru_clock(self.now_ms),
        }
    }

    /// Removes a key (after lazy expiry). Returns whether a live key was removed.
    pub fn remove(&mut self, db: usize, key: &[u8]) -> Option<Entry> {
        self.preserve(db, key);
        if !self.expire_if_needed(db, key) {
            return None;
        }
        self.dbs[db].remove_entry(key)
    }

    /// Deletes `key` if it holds an empty collection (after a pop, remove or move emptied it).
    /// Returns whether it did (the caller then emits Redis's `del` event).
    pub fn remove_if_empty(&mut self, db: usize, key: &[u8]) -> bool {
        self.preserve(db, key);
        if self.dbs[db]
            .table
            .get(key)
            .is_some_and(|e| e.value.is_empty_collection())
        {
            self.dbs[db].remove_entry(key);
            return true;
        }
        false
    }

    /// Inserts a whole entry (RENAME, MOVE, COPY), replacing any existing key.
    pub fn insert_entry(&mut self, db: usize, e: Entry) {
        self.preserve(db, &e.key);
        let has = e.expire_at != 0;
        let key = e.key.clone();
        if let Some(old) = self.dbs[db].table.insert(e) {
            self.dbs[db].set_expire_index(&key, old.expire_at != 0, has);
        } else if has {
            self.dbs[db].volatile.insert(key.clone());
        }
        // RENAME, MOVE and COPY delete-then-add in Redis, so a replaced key counts as new too.
        self.signals.created(db, &key);
    }

    /// Sets or clears (0) the expiry of an existing live key. Returns false if the key is absent.
    pub fn set_expire(&mut self, db: usize, key: &[u8], expire_at: u64) -> bool {
        let Some(e) = self.get_mut(db, key) else {
            return false;
        };
        let had = e.expire_at != 0;
        e.expire_at = expire_at;
        self.dbs[db].set_expire_index(key, had, expire_at != 0);
        true
    }

    pub fn flush_db(&mut self, db: usize) -> usize {
        self.preserve_db(db);
        // Every watched key that existed is touched, as Redis's touchAllWatchedKeysInDb.
        if self.signals.any_watched(db) {
            for k in self.signals.watched_keys(db) {
                if self.dbs[db].table.get(&k).is_some() {
                    self.signals.modified(db, &k);
                }
            }
        }
        let n = self.dbs[db].len();
        self.dbs[db] = Db::new(self.hasher.clone());
        n
    }

    pub fn flush_all(&mut self) -> usize {
        (0..self.dbs.len()).map(|d| self.flush_db(d)).sum()
    }

    /// Exchanges databases `a` and `b`. Watches and blocked clients stay with the database
    /// number, so a watched key that existed on either side is touched, and a key blocked clients
    /// wait on that now exists becomes ready (Redis 7.0's rules).
    pub fn swap_db(&mut self, a: usize, b: usize) {
        self.preserve_db(a);
        self.preserve_db(b);
        for (x, y) in [(a, b), (b, a)] {
            if self.signals.any_watched(x) {
                for k in self.signals.watched_keys(x) {
                    if self.dbs[x].table.get(&k).is_some() || self.dbs[y].table.get(&k).is_some() {
                        self.signals.modified(x, &k);
                    }
                }
            }
        }
        self.dbs.swap(a, b);
        for d in [a, b] {
            for k in self.signals.blocking_keys(d) {
                if self.dbs[d].table.get(&k).is_some() {
                    self.signals.mark_ready(d, &k);
                }
            }
        }
    }

    /// Inserts a key read from a snapshot file (no signals: nobody can be watching a store that
    /// is being loaded). A key repeated in the file replaces the earlier one.
    /// The key arrives in its final form and is moved in, not copied: on the loading path the
    /// decoding thread built it, and a copy would make this thread free what that one allocated.
    pub fn load_entry(
        &mut self,
        db: usize,
        key: SmallBytes,
        value: Value,
        expire_at: u64,
        lru: u32,
    ) {
        let d = &mut self.dbs[db];
        let volatile_key = (expire_at != 0).then(|| key.clone());
        let e = Entry {
            key,
            value,
            expire_at,
            lru,
        };
        // A key repeated in the file replaces the earlier one; the old entry carries the same
        // key bytes, so the volatile index can be fixed without the moved key.
        let old = d.table.insert(e);
        let had = old.as_ref().is_some_and(|o| o.expire_at != 0);
        match (volatile_key, old) {
            (Some(k), _) if !had => {
                d.volatile.insert(k);
            }
            (None, Some(o)) if had => {
                d.volatile.swap_remove(&o.key[..]);
            }
            _ => {}
        }
    }

    /// Makes room for about `keys` more keys in database `db` before a load inserts them, as
    /// Redis's loader expands its dict on RESIZEDB: the table is not doubled step by step while
    /// the keys arrive. Only a hint; the caller bounds it by what the file can hold.
    pub fn reserve(&mut self, db: usize, keys: usize) {
        if let Some(d) = self.dbs.get_mut(db) {
            d.table.reserve(keys);
        }
    }

    /// Takes over the databases of a store loaded elsewhere (the loader thread, DEBUG RELOAD).
    /// The current data is dropped; counters, signals and the clock stay.
    pub fn adopt_data(&mut self, other: Store) {
        self.snap = None;
        self.dbs = other.dbs;
        self.hasher = other.hasher;
    }

    /// Marks `key` modified for WATCH (Redis's signalModifiedKey).
    #[inline]
    pub fn signal_modified(&mut self, db: usize, key: &[u8]) {
        self.signals.modified(db, key);
    }

    /// A random live key, expiring stale ones found on the way (RANDOMKEY).
    pub fn random_key(&mut self, db: usize) -> Option<SmallBytes> {
        // Bounded: if nearly everything is expired, give up after many tries as Redis does, and
        // return whatever key we found last even if it is logically expired.
        for _ in 0..100 {
            let e = self.dbs[db].table.random(&mut self.rng)?;
            let key = e.key.clone();
            if e.expire_at != 0 && e.expire_at <= self.now_ms {
                self.expire_now(db, &key);
                continue;
            }
            return Some(key);
        }
        self.dbs[db]
            .table
            .random(&mut self.rng)
            .map(|e| e.key.clone())
    }

    /// One step of SCAN over database `db`; see `Table::scan`.
    pub fn scan(&self, db: usize, cursor: u64, count: usize, f: impl FnMut(&Entry)) -> u64 {
        self.dbs[db]
            .table
            .scan(cursor, count, count.saturating_mul(10).max(10), f)
    }

    /// Redis's active expire cycle: per database, sample `per_loop` volatile keys at random,
    /// delete the expired ones, and repeat while more than `stale_perc`% of a sample was expired,
    /// stopping when `deadline_ms` (on the same clock as `now_ms`) is reached. Returns whether
    /// the time limit cut the cycle short.
    pub fn active_expire_cycle(
        &mut self,
        per_loop: usize,
        stale_perc: usize,
        deadline: std::time::Instant,
    ) -> bool {
        let ndb = self.dbs.len();
        let mut total_sampled = 0u64;
        let mut total_expired = 0u64;
        let mut timed_out = false;
        'dbs: for _ in 0..ndb {
            let db = self.expire_cursor_db % ndb;
            self.expire_cursor_db = (self.expire_cursor_db + 1) % ndb;
            let mut iteration = 0u32;
            loop {
                let n = self.dbs[db].volatile.len();
                if n == 0 {
                    break;
                }
                let sample = per_loop.min(n);
                let mut expired = 0usize;
                let (mut ttl_sum, mut ttl_samples) = (0u64, 0u64);
                for _ in 0..sample {
                    let len = self.dbs[db].volatile.len();
                    if len == 0 {
                        break;
                    }
                    let idx = self.rng.usize(..len);
                    let Some(key) = self.dbs[db].volatile.get_index(idx).cloned() else {
                        break;
                    };
                    match self.dbs[db].table.get(&key).map(|e| e.expire_at) {
                        Some(at) if at != 0 && at <= self.now_ms => {
                            self.expire_now(db, &key);
                            expired += 1;
                        }
                        Some(at) if at != 0 => {
                            ttl_sum += at - self.now_ms;
                            ttl_samples += 1;
                        }
                        _ => {}
                    }
                }
                if let Some(avg) = ttl_sum.checked_div(ttl_samples) {
                    // The same running average Redis keeps for INFO keyspace's avg_ttl.
                    let d = &mut self.dbs[db];
                    d.avg_ttl = if d.avg_ttl == 0 {
                        avg
                    } else {
                        d.avg_ttl / 50 * 49 + avg / 50
                    };
                }
                total_sampled += sample as u64;
                total_expired += expired as u64;
                iteration += 1;
                if iteration.is_multiple_of(16) && std::time::Instant::now() >= deadline {
                    timed_out = true;
                    self.stats.expired_time_cap_reached_count += 1;
                    break 'dbs;
                }
                if expired * 100 <= sample * stale_perc {
                    break;
                }
            }
        }
        let current = if total_sampled > 0 {
            total_expired as f64 / total_sampled as f64
        } else {
            0.0
        };
        // Same smoothing Redis applies to expired_stale_perc.
        self.stats.expired_stale_perc = current * 0.05 + self.stats.expired_stale_perc * 0.95;
        timed_out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store() -> Store {
        let mut s = Store::new(16);
        s.now_ms = 1_000_000;
        s
    }

    #[test]
    fn per_key_layout_stays_small() {
        // Every key pays for an `Entry` in the table (bench/memory.py, issue 6): a `Value` grown
        // back to 32 bytes, or an `Entry` past 64, shows up directly in RSS per key.
        assert_eq!(std::mem::size_of::<Value>(), 24);
        assert_eq!(std::mem::size_of::<Entry>(), 64);
    }

    #[test]
    fn heap_size_samples_the_first_elements_of_big_collections() {
        // Five tiny elements first, then big ones: sampling five sees only the tiny ones and
        // extrapolates from them (as Redis's objectComputeSize does), SAMPLES 0 sees everything.
        let lim = hash::Limits {
            max_entries: 0,
            max_value: 64,
        };
        let mut h = HashValue::new();
        let mut l = ListValue::new();
        let mut st = SetValue::new();
        for i in 0..200 {
            let f = format!("f{i}");
            let big = vec![b'y'; if i < 5 { 0 } else { 1000 }];
            h.set(f.as_bytes(), &big, lim);
            l.items
                .push_back(SmallBytes::new(&[f.as_bytes(), &big].concat()));
            st.add(&[f.as_bytes(), &big].concat(), 0);
        }
        for v in [
            Value::Hash(Box::new(h)),
            Value::List(Box::new(l)),
            Value::Set(Box::new(st)),
        ] {
            let all = v.heap_size_sampled(0);
            assert!(all > 195 * 1000, "{:?}: {all}", v.kind());
            assert_eq!(v.heap_size(), all);
            assert_eq!(v.heap_size_sampled(200), all);
            assert_eq!(v.heap_size_sampled(1 << 40), all);
            assert!(v.heap_size_sampled(5) < all / 4, "{:?}", v.kind());
        }
    }

    #[test]
    fn encodings_follow_redis() {
        assert_eq!(Value::string(b"123").encoding(), "int");
        assert_eq!(Value::string(b"0123").encoding(), "embstr");
        assert_eq!(Value::string(b"-0").encoding(), "embstr");
        assert_eq!(Value::string(&[b'a'; 44]).encoding(), "embstr");
        assert_eq!(Value::string(&[b'a'; 45]).encoding(), "raw");
        assert_eq!(Value::string(b"99999999999999999999").encoding(), "embstr");
    }

    #[test]
    fn lazy_expiry_removes_and_counts() {
        let mut s = store();
        s.set(0, b"k", Value::string(b"v"), Some(1_000_500), false);
        assert!(s.get(0, b"k").is_some());
        assert_eq!(s.db(0).expires_len(), 1);
        s.now_ms = 1_000_500;
        assert!(s.get(0, b"k").is_none());
        assert_eq!(s.stats.expired_keys, 1);
        assert_eq!(s.db(0).expires_len(), 0);
        assert_eq!(s.expired.len(), 1);
    }

    #[test]
    fn set_clears_ttl_unless_keepttl() {
        let mut s = store();
        s.set(0, b"k", Value::string(b"v"), Some(2_000_000), false);
        s.set(0, b"k", Value::string(b"w"), None, true);
        assert_eq!(s.peek(0, b"k").map(|e| e.expire_at), Some(2_000_000));
        s.set(0, b"k", Value::string(b"x"), None, false);
        assert_eq!(s.peek(0, b"k").map(|e| e.expire_at), Some(0));
        assert_eq!(s.db(0).expires_len(), 0);
    }

    #[test]
    fn active_expire_cycle_clears_most_expired_keys() {
        let mut s = store();
        for i in 0..1000 {
            let exp = if i % 2 == 0 { 1_000_001 } else { 9_000_000 };
            s.set(
                0,
                format!("k{i}").as_bytes(),
                Value::Int(i),
                Some(exp),
                false,
            );
        }
        s.now_ms = 1_000_002;
        // Each cycle stops once a sample is mostly live (at most 10% expired), as Redis's does, so
        // run it the way the cron would, several times, and expect the stale share to be small.
        for _ in 0..20 {
            let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
            s.active_expire_cycle(20, 10, deadline);
        }
        let stale = 500 - s.stats.expired_keys;
        assert!(stale < 100, "{stale} expired keys survived 20 cycles");
        assert_eq!(s.db(0).len() as u64 + s.stats.expired_keys, 1000);
        // Whatever survived goes on access.
        for i in (0..1000).step_by(2) {
            assert!(s.get(0, format!("k{i}").as_bytes()).is_none());
        }
        assert_eq!(s.stats.expired_keys, 500);
    }

    #[test]
    fn idle_time_handles_wrap() {
        assert_eq!(idle_secs(lru_clock(10_000), 15_000), 5);
        assert_eq!(idle_secs(LRU_CLOCK_MAX - 1, 2_000), 3);
    }
}
