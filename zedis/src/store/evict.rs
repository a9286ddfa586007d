//! Key eviction under `maxmemory`: the policies, the per-key LRU/LFU metadata packed into
//! `Entry::lru`, the 16-entry eviction pool fed by sampling, and `perform_evictions`, the loop
//! that deletes keys until memory is back under the limit.
//!
//! The approach is Redis's approximated LRU/LFU (evict.c): instead of keeping every key in an
//! ordered structure (which would cost memory per key), a few keys are sampled at random and the
//! best candidates seen so far are remembered in a small pool. The 24 bits of `Entry::lru` hold
//! either the LRU clock (seconds) or, under an LFU policy, 16 bits of minutes plus an 8-bit
//! logarithmic access counter, so switching policy adds no byte per key.
//!
//! Like the rest of `store/`, nothing here reads a clock or measures memory itself: the caller
//! passes how to measure memory and when time is up.

use super::small::SmallBytes;
use super::{idle_secs, signals, Store};
use signals::StoreEventKind;

/// Counter value new keys start with under LFU (so a fresh key is not evicted at once).
pub const LFU_INIT_VAL: u8 = 5;
/// Candidates remembered between samplings.
pub const POOL_SIZE: usize = 16;

/// `maxmemory-policy`, as the store needs it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Policy {
    NoEviction,
    AllkeysLru,
    VolatileLru,
    AllkeysLfu,
    VolatileLfu,
    AllkeysRandom,
    VolatileRandom,
    VolatileTtl,
}

impl Policy {
    pub fn is_lfu(self) -> bool {
        matches!(self, Policy::AllkeysLfu | Policy::VolatileLfu)
    }

    /// Whether only keys with an expiry may be evicted.
    pub fn volatile_only(self) -> bool {
        matches!(
            self,
            Policy::VolatileLru
                | Policy::VolatileLfu
                | Policy::VolatileRandom
                | Policy::VolatileTtl
        )
    }

    fn is_random(self) -> bool {
        matches!(self, Policy::AllkeysRandom | Policy::VolatileRandom)
    }
}

/// The LFU tuning knobs (`lfu-log-factor`, `lfu-decay-time`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Lfu {
    pub log_factor: u32,
    pub decay_time: u32,
}

/// Minutes on the 16-bit LFU clock.
pub fn lfu_minutes(now_ms: u64) -> u32 {
    ((now_ms / 60_000) & 0xffff) as u32
}

/// Minutes since the LFU clock read `then`, allowing for one wrap.
fn lfu_elapsed(then: u32, now_ms: u64) -> u32 {
    let now = lfu_minutes(now_ms);
    if now >= then {
        now - then
    } else {
        0xffff - then + now
    }
}

/// The packed LFU field: access minute in the high 16 bits, counter in the low 8.
pub fn lfu_pack(now_ms: u64, counter: u8) -> u32 {
    (lfu_minutes(now_ms) << 8) | counter as u32
}

/// The counter after decay: one point lost per `decay_time` minutes since the last access.
/// This is what OBJECT FREQ reports.
pub fn lfu_decayed(lru: u32, now_ms: u64, decay_time: u32) -> u8 {
    let counter = (lru & 0xff) as u8;
    if decay_time == 0 {
        return counter;
    }
    let periods = lfu_elapsed(lru >> 8, now_ms) / decay_time;
    counter.saturating_sub(periods.min(255) as u8)
}

/// Logarithmic increment: the higher the counter (above the initial value), the less likely an
/// access bumps it, so 255 stands for about a million hits at the default factor 10. `r` is a
/// uniform random number in [0, 1).
pub fn lfu_log_incr(counter: u8, log_factor: u32, r: f64) -> u8 {
    if counter == u8::MAX {
        return counter;
    }
    let base = counter.saturating_sub(LFU_INIT_VAL) as f64;
    let p = 1.0 / (base * log_factor as f64 + 1.0);
    if r < p {
        counter + 1
    } else {
        counter
    }
}

/// The field after one access under LFU: decay first, then the probabilistic increment.
pub fn lfu_touch(lru: u32, now_ms: u64, p: Lfu, r: f64) -> u32 {
    let c = lfu_decayed(lru, now_ms, p.decay_time);
    lfu_pack(now_ms, lfu_log_incr(c, p.log_factor, r))
}

/// One candidate: the higher `score`, the better it is to evict.
#[derive(Debug, Clone)]
struct Candidate {
    score: u64,
    db: usize,
    key: SmallBytes,
}

/// Redis's eviction pool: the best candidates of past samplings, ascending by score.
#[derive(Debug, Default)]
pub struct Pool {
    entries: Vec<Candidate>,
}

impl Pool {
    /// Whether a candidate with `score` would get a place (checked before copying its key).
    fn accepts(&self, score: u64) -> bool {
        self.entries.len() < POOL_SIZE || self.entries.first().is_some_and(|c| c.score < score)
    }

    fn insert(&mut self, score: u64, db: usize, key: &[u8]) {
        if !self.accepts(score) {
            return;
        }
        if let Some(i) = self
            .entries
            .iter()
            .position(|c| c.db == db && *c.key == *key)
        {
            // Already pooled: refresh its score (it may have been touched since).
            self.entries.remove(i);
        } else if self.entries.len() == POOL_SIZE {
            // Full: the worst candidate makes room.
            self.entries.remove(0);
        }
        let at = self.entries.partition_point(|c| c.score <= score);
        self.entries.insert(
            at,
            Candidate {
                score,
                db,
                key: SmallBytes::new(key),
            },
        );
    }

    fn pop_best(&mut self) -> Option<Candidate> {
        self.entries.pop()
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// Eviction bookkeeping the store keeps between calls.
#[derive(Debug, Default)]
pub struct EvictState {
    pub pool: Pool,
    /// Round-robin database for the random policies.
    next_db: usize,
    /// Since when (store clock, ms) memory has been over the limit, if it is.
    pub over_since: Option<u64>,
    /// Milliseconds spent over the limit in past episodes (INFO `total_eviction_exceeded_time`).
    pub total_exceeded_ms: u64,
}

impl EvictState {
    /// INFO `current_eviction_exceeded_time`, in ms.
    pub fn current_exceeded_ms(&self, now_ms: u64) -> u64 {
        self.over_since
            .map_or(0, |since| now_ms.saturating_sub(since))
    }

    /// CONFIG RESETSTAT: the totals restart from zero (an episode in progress from now).
    pub fn reset_timers(&mut self, now_ms: u64) {
        self.total_exceeded_ms = 0;
        if self.over_since.is_some() {
            self.over_since = Some(now_ms);
        }
    }

    /// INFO `total_eviction_exceeded_time`, including the episode in progress.
    pub fn total_exceeded(&self, now_ms: u64) -> u64 {
        self.total_exceeded_ms + self.current_exceeded_ms(now_ms)
    }
}

/// What `perform_evictions` achieved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Memory is under the limit (possibly after evicting).
    Ok,
    /// The time budget ran out while still over; more will be evicted by the next call.
    Running,
    /// Over the limit and nothing (more) can be evicted: writes must be refused.
    Fail,
}

/// The time budget per call that `maxmemory-eviction-tenacity` stands for, in microseconds
/// (`None`: unlimited), following Redis's curve: linear up to 10, then growing 15% a step.
pub fn time_limit_us(tenacity: u32) -> Option<u64> {
    if tenacity <= 10 {
        Some(50 * tenacity as u64)
    } else if tenacity < 100 {
        Some((500.0 * 1.15f64.powi(tenacity as i32 - 10)) as u64)
    } else {
        None
    }
}

impl Store {
    /// The score a sampled key gets under `policy` (higher = evict sooner).
    fn evict_score(&self, policy: Policy, lru: u32, expire_at: u64, decay: u32) -> u64 {
        match policy {
            Policy::AllkeysLfu | Policy::VolatileLfu => {
                255 - lfu_decayed(lru, self.now_ms, decay) as u64
            }
            Policy::VolatileTtl => u64::MAX - expire_at,
            _ => idle_secs(lru, self.now_ms),
        }
    }

    /// Samples up to `samples` keys of `db` into the pool.
    fn pool_populate(&mut self, db: usize, policy: Policy, samples: usize) {
        let decay = self.lfu.map_or(1, |l| l.decay_time);
        for _ in 0..samples {
            let d = &self.dbs[db];
            let entry = if policy.volatile_only() {
                let n = d.volatile.len();
                if n == 0 {
                    return;
                }
                let idx = self.rng.usize(..n);
                d.volatile.get_index(idx).and_then(|k| d.table.get(k))
            } else {
                d.table.random(&mut self.rng)
            };
            let Some(e) = entry else {
                return;
            };
            let score = self.evict_score(policy, e.lru, e.expire_at, decay);
            if self.evict.pool.accepts(score) {
                let key = SmallBytes::new(&e.key);
                self.evict.pool.insert(score, db, &key);
            }
        }
    }

    /// Chooses the next key to evict under `policy`, or None if nothing is evictable.
    pub fn pick_victim(&mut self, policy: Policy, samples: usize) -> Option<(usize, SmallBytes)> {
        let ndb = self.dbs.len();
        let has_keys = |s: &Store, db: usize| {
            if policy.volatile_only() {
                s.dbs[db].expires_len() > 0
            } else {
                !s.dbs[db].is_empty()
            }
        };
        if policy == Policy::NoEviction {
            return None;
        }
        if policy.is_random() {
            for _ in 0..ndb {
                let db = self.evict.next_db % ndb;
                self.evict.next_db = (self.evict.next_db + 1) % ndb;
                if !has_keys(self, db) {
                    continue;
                }
                let d = &self.dbs[db];
                let key = if policy.volatile_only() {
                    let idx = self.rng.usize(..d.volatile.len());
                    d.volatile.get_index(idx).cloned()
                } else {
                    d.table.random(&mut self.rng).map(|e| e.key.clone())
                };
                if let Some(k) = key {
                    return Some((db, k));
                }
            }
            return None;
        }
        // Bounded, so that an inconsistency between the expiry index and the table can never
        // spin here; in practice the first round finds a key.
        for _ in 0..100 {
            let mut total = 0usize;
            for db in 0..ndb {
                if has_keys(self, db) {
                    total += 1;
                    self.pool_populate(db, policy, samples.max(1));
                }
            }
            if total == 0 {
                return None;
            }
            // The best pooled key that still exists (it may have been deleted since it was
            // sampled, or lost its TTL, in which case a volatile policy may not take it).
            while let Some(c) = self.evict.pool.pop_best() {
                let ok = self
                    .dbs
                    .get(c.db)
                    .and_then(|d| d.table.get(&c.key))
                    .is_some_and(|e| !policy.volatile_only() || e.expire_at != 0);
                if ok {
                    return Some((c.db, c.key));
                }
            }
            // Every pooled key was stale: sample again.
        }
        None
    }

    /// Deletes `key` as an eviction: counted, `evicted` event, WATCH touched.
    pub fn evict_key(&mut self, db: usize, key: &[u8]) -> bool {
        // Through `remove`, which preserves the key for a running snapshot first.
        if self.remove(db, key).is_none() {
            return false;
        }
        self.stats.evicted_keys += 1;
        // Logged to the AOF as a DEL, like an expired key.
        self.expired.push(super::Expired {
            db,
            key: super::SmallBytes::new(key),
            evicted: true,
        });
        self.signals.modified(db, key);
        self.signals
            .event(StoreEventKind::Evicted, signals::EVENT_EVICTED, db, key);
        true
    }

    /// Redis's performEvictions: evicts until `used(self) <= maxmemory`, checking
    /// `out_of_time` every 16 keys. Also keeps the over-the-limit timers.
    pub fn perform_evictions(
        &mut self,
        policy: Policy,
        samples: usize,
        maxmemory: u64,
        used: impl Fn(&Store) -> u64,
        mut out_of_time: impl FnMut() -> bool,
    ) -> Outcome {
        let now = self.now_ms;
        if used(self) <= maxmemory {
            if let Some(since) = self.evict.over_since.take() {
                self.evict.total_exceeded_ms += now.saturating_sub(since);
            }
            return Outcome::Ok;
        }
        self.evict.over_since.get_or_insert(now);
        let mut n = 0u64;
        while used(self) > maxmemory {
            let Some((db, key)) = self.pick_victim(policy, samples) else {
                return Outcome::Fail;
            };
            self.evict_key(db, &key);
            n += 1;
            if n.is_multiple_of(16) && out_of_time() {
                return Outcome::Running;
            }
        }
        if let Some(since) = self.evict.over_since.take() {
            self.evict.total_exceeded_ms += now.saturating_sub(since);
        }
        Outcome::Ok
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{lru_clock, Value};

    const NOW: u64 = 1_700_000_000_000;

    fn store_with(n: usize, ttl_every: usize) -> Store {
        let mut s = Store::new(2);
        s.now_ms = NOW;
        for i in 0..n {
            let exp = (ttl_every > 0 && i % ttl_every == 0).then_some(NOW + 1_000_000 + i as u64);
            s.set(
                0,
                format!("k{i}").as_bytes(),
                Value::Int(i as i64),
                exp,
                false,
            );
        }
        s
    }

    /// A memory measure for tests: 100 bytes per key.
    fn keys_mem(s: &Store) -> u64 {
        (0..s.databases()).map(|d| s.db(d).len() as u64 * 100).sum()
    }

    #[test]
    fn log_incr_saturates_and_slows_down() {
        assert_eq!(lfu_log_incr(255, 10, 0.0), 255);
        // At or below the initial value every access counts.
        assert_eq!(lfu_log_incr(3, 10, 0.99), 4);
        // Above it, probability 1/(base*factor+1): base 10, factor 10 → 1/101.
        assert_eq!(lfu_log_incr(15, 10, 0.5), 15);
        assert_eq!(lfu_log_incr(15, 10, 0.001), 16);
    }

    #[test]
    fn counter_decays_per_period() {
        let lru = lfu_pack(NOW, 20);
        assert_eq!(lfu_decayed(lru, NOW, 1), 20);
        assert_eq!(lfu_decayed(lru, NOW + 3 * 60_000, 1), 17);
        assert_eq!(lfu_decayed(lru, NOW + 30 * 60_000, 1), 0);
        assert_eq!(lfu_decayed(lru, NOW + 30 * 60_000, 0), 20);
        assert_eq!(lfu_decayed(lru, NOW + 30 * 60_000, 10), 17);
    }

    #[test]
    fn pool_keeps_the_best_sixteen_in_order() {
        let mut p = Pool::default();
        for i in 0..40u64 {
            p.insert((i * 7) % 40, 0, format!("k{i}").as_bytes());
        }
        assert_eq!(p.len(), POOL_SIZE);
        let mut last = u64::MAX;
        while let Some(c) = p.pop_best() {
            assert!(c.score <= last);
            assert!(c.score >= 24, "{}", c.score);
            last = c.score;
        }
        // The same key twice keeps one slot.
        p.insert(1, 0, b"a");
        p.insert(2, 0, b"a");
        assert_eq!(p.len(), 1);
    }

    #[test]
    fn lru_evicts_idle_keys_first() {
        let mut s = store_with(1000, 0);
        // Half the keys were used an hour ago.
        let old = lru_clock(NOW - 3_600_000);
        for i in (0..1000).step_by(2) {
            let k = format!("k{i}");
            if let Some(e) = s.dbs[0].table.get_mut(k.as_bytes()) {
                e.lru = old;
            }
        }
        let r = s.perform_evictions(Policy::AllkeysLru, 10, 60_000, keys_mem, || false);
        assert_eq!(r, Outcome::Ok);
        assert_eq!(s.db(0).len(), 600);
        assert_eq!(s.stats.evicted_keys, 400);
        let fresh_left = (1..1000)
            .step_by(2)
            .filter(|i| s.db(0).peek(format!("k{i}").as_bytes()).is_some());
        // Sampling is approximate, but the pool keeps the idle ones nearly always.
        assert!(fresh_left.count() >= 490);
        // The evicted events are queued for the notifier.
        assert!(
            s.signals.events.is_empty()
                || s.signals
                    .events
                    .iter()
                    .all(|e| e.kind == StoreEventKind::Evicted)
        );
    }

    #[test]
    fn lfu_evicts_rarely_used_keys_first() {
        let mut s = store_with(500, 0);
        s.lfu = Some(Lfu {
            log_factor: 10,
            decay_time: 1,
        });
        for i in 0..500 {
            let k = format!("k{i}");
            let c = if i < 100 { 50 } else { 1 };
            if let Some(e) = s.dbs[0].table.get_mut(k.as_bytes()) {
                e.lru = lfu_pack(NOW, c);
            }
        }
        let r = s.perform_evictions(Policy::AllkeysLfu, 10, 10_000, keys_mem, || false);
        assert_eq!(r, Outcome::Ok);
        assert_eq!(s.db(0).len(), 100);
        let hot_left = (0..100)
            .filter(|i| s.db(0).peek(format!("k{i}").as_bytes()).is_some())
            .count();
        assert!(hot_left >= 95, "{hot_left}");
    }

    #[test]
    fn volatile_policies_touch_only_ttl_keys_and_fail_after() {
        for policy in [
            Policy::VolatileLru,
            Policy::VolatileLfu,
            Policy::VolatileRandom,
            Policy::VolatileTtl,
        ] {
            let mut s = store_with(100, 4);
            let r = s.perform_evictions(policy, 5, 0, keys_mem, || false);
            assert_eq!(r, Outcome::Fail, "{policy:?}");
            assert_eq!(s.db(0).len(), 75, "{policy:?}");
            assert_eq!(s.db(0).expires_len(), 0);
            assert_eq!(s.stats.evicted_keys, 25);
        }
    }

    #[test]
    fn volatile_ttl_takes_the_nearest_expiry_first() {
        let mut s = store_with(200, 1);
        let r = s.perform_evictions(Policy::VolatileTtl, 10, 150 * 100, keys_mem, || false);
        assert_eq!(r, Outcome::Ok);
        let early_gone = (0..50)
            .filter(|i| s.db(0).peek(format!("k{i}").as_bytes()).is_none())
            .count();
        assert!(early_gone >= 40, "{early_gone}");
    }

    #[test]
    fn random_policies_and_noeviction() {
        let mut s = store_with(100, 0);
        assert_eq!(
            s.perform_evictions(Policy::NoEviction, 5, 5000, keys_mem, || false),
            Outcome::Fail
        );
        assert_eq!(s.db(0).len(), 100);
        assert!(s.evict.over_since.is_some());
        assert_eq!(
            s.perform_evictions(Policy::AllkeysRandom, 5, 5000, keys_mem, || false),
            Outcome::Ok
        );
        assert_eq!(s.db(0).len(), 50);
        assert!(s.evict.over_since.is_none());
        // A time budget that is always spent stops after 16 keys.
        assert_eq!(
            s.perform_evictions(Policy::AllkeysRandom, 5, 0, keys_mem, || true),
            Outcome::Running
        );
        assert_eq!(s.db(0).len(), 34);
    }

    #[test]
    fn tenacity_curve() {
        assert_eq!(time_limit_us(0), Some(0));
        assert_eq!(time_limit_us(10), Some(500));
        assert_eq!(time_limit_us(11), Some(575));
        assert_eq!(time_limit_us(100), None);
    }
}
