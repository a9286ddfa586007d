//! What the keyspace tells the rest of the server about itself: which WATCHed keys were touched,
//! which keys blocked clients wait on became ready, and the keyspace events only the store can
//! see (a key expired or was evicted, a key was created, a read missed).
//!
//! The store records these as plain queues of ids and keys; it never calls out. The engine drains
//! them after each command (and right before each notification the command itself sends, so events
//! keep Redis's order). Client ids are opaque numbers here: the store knows nothing of clients.

use super::small::SmallBytes;
use hashbrown::HashMap;

/// An event only the store sees.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoreEventKind {
    /// A key was removed because its TTL passed (`expired`, class x).
    Expired,
    /// A key was added to a database (`new`, class n).
    New,
    /// A read found no key (`keymiss`, class m).
    Miss,
    /// A key was removed to get under `maxmemory` (`evicted`, class e).
    Evicted,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreEvent {
    pub kind: StoreEventKind,
    pub db: usize,
    pub key: SmallBytes,
}

/// Event-mask bits (the same values as `config::NotifyFlags`, which `store` does not depend on).
pub const EVENT_EXPIRED: u32 = 1 << 8;
pub const EVENT_EVICTED: u32 = 1 << 9;
pub const EVENT_KEY_MISS: u32 = 1 << 11;
pub const EVENT_NEW: u32 = 1 << 14;

/// Watchers, blocked-key registry and the event queue.
#[derive(Default, Debug)]
pub struct Signals {
    /// Per database: WATCHed key → ids of the watching clients.
    watched: Vec<HashMap<SmallBytes, Vec<u64>>>,
    /// (client id, db, key) for each watch touched since the owner last drained this.
    pub dirty_watchers: Vec<(u64, usize, SmallBytes)>,
    /// Per database: key → number of clients blocked on it.
    blocking: Vec<HashMap<SmallBytes, u32>>,
    /// Keys that blocked clients wait on and that were just created, in signal order, no repeats.
    pub ready: Vec<(usize, SmallBytes)>,
    /// Which of `EVENT_*` to record in `events`.
    pub event_mask: u32,
    pub events: Vec<StoreEvent>,
    /// Where in the executing command's reply buffer the queued `events` belong: its length
    /// when the queue was last drained. Lookups (which produce the events) come before the reply
    /// a handler writes after them, so the events are spliced in there, as Redis emits them.
    pub event_mark: usize,
}

impl Signals {
    pub fn new(databases: usize) -> Signals {
        Signals {
            watched: (0..databases).map(|_| HashMap::new()).collect(),
            blocking: (0..databases).map(|_| HashMap::new()).collect(),
            ..Signals::default()
        }
    }

    /// Records that client `id` WATCHes `key` in `db`.
    pub fn watch(&mut self, db: usize, key: &[u8], id: u64) {
        let ids = self.watched[db].entry(SmallBytes::new(key)).or_default();
        if !ids.contains(&id) {
            ids.push(id);
        }
    }

    /// Forgets client `id`'s watch on `key` in `db`.
    pub fn unwatch(&mut self, db: usize, key: &[u8], id: u64) {
        if let Some(ids) = self.watched[db].get_mut(key) {
            ids.retain(|x| *x != id);
            if ids.is_empty() {
                self.watched[db].remove(key);
            }
        }
    }

    /// A write changed `key`: every client watching it must fail its EXEC.
    #[inline]
    pub fn modified(&mut self, db: usize, key: &[u8]) {
        let w = &self.watched[db];
        if w.is_empty() {
            return;
        }
        if let Some(ids) = w.get(key) {
            for id in ids {
                self.dirty_watchers.push((*id, db, SmallBytes::new(key)));
            }
        }
    }

    /// Whether anything is WATCHed in `db`.
    pub fn any_watched(&self, db: usize) -> bool {
        !self.watched[db].is_empty()
    }

    /// The keys WATCHed in `db`.
    pub fn watched_keys(&self, db: usize) -> Vec<SmallBytes> {
        self.watched[db].keys().cloned().collect()
    }

    /// Registers one more client blocked on `key`.
    pub fn block(&mut self, db: usize, key: &[u8]) {
        *self.blocking[db].entry(SmallBytes::new(key)).or_default() += 1;
    }

    /// One client blocked on `key` was served, timed out or left.
    pub fn unblock(&mut self, db: usize, key: &[u8]) {
        if let Some(n) = self.blocking[db].get_mut(key) {
            *n -= 1;
            if *n == 0 {
                self.blocking[db].remove(key);
            }
        }
    }

    pub fn any_blocked(&self) -> bool {
        self.blocking.iter().any(|m| !m.is_empty())
    }

    /// The keys clients are blocked on in `db`.
    pub fn blocking_keys(&self, db: usize) -> Vec<SmallBytes> {
        self.blocking[db].keys().cloned().collect()
    }

    /// A key was added to `db`: wake its blocked clients and record the `new` event.
    #[inline]
    pub(super) fn created(&mut self, db: usize, key: &[u8]) {
        if !self.blocking[db].is_empty() && self.blocking[db].contains_key(key) {
            self.mark_ready(db, key);
        }
        self.event(StoreEventKind::New, EVENT_NEW, db, key);
    }

    /// Queues `key` for the blocked clients waiting on it (once).
    pub fn mark_ready(&mut self, db: usize, key: &[u8]) {
        if !self
            .ready
            .iter()
            .any(|(d, k)| *d == db && k.as_slice() == key)
        {
            self.ready.push((db, SmallBytes::new(key)));
        }
    }

    #[inline]
    pub(super) fn event(&mut self, kind: StoreEventKind, bit: u32, db: usize, key: &[u8]) {
        if self.event_mask & bit != 0 {
            self.events.push(StoreEvent {
                kind,
                db,
                key: SmallBytes::new(key),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn watch_touch_and_unwatch() {
        let mut s = Signals::new(2);
        s.watch(0, b"k", 7);
        s.watch(0, b"k", 7);
        s.watch(0, b"k", 9);
        s.modified(1, b"k");
        assert!(s.dirty_watchers.is_empty());
        s.modified(0, b"k");
        let ids: Vec<u64> = s.dirty_watchers.iter().map(|w| w.0).collect();
        assert_eq!(ids, vec![7, 9]);
        s.unwatch(0, b"k", 7);
        s.unwatch(0, b"k", 9);
        assert!(!s.any_watched(0));
    }

    #[test]
    fn blocked_keys_become_ready_once() {
        let mut s = Signals::new(1);
        s.created(0, b"k");
        assert!(s.ready.is_empty());
        s.block(0, b"k");
        s.block(0, b"k");
        s.created(0, b"k");
        s.created(0, b"k");
        assert_eq!(s.ready.len(), 1);
        s.unblock(0, b"k");
        assert!(s.any_blocked());
        s.unblock(0, b"k");
        assert!(!s.any_blocked());
    }

    #[test]
    fn events_follow_the_mask() {
        let mut s = Signals::new(1);
        s.created(0, b"k");
        assert!(s.events.is_empty());
        s.event_mask = EVENT_NEW;
        s.created(0, b"k");
        s.event(StoreEventKind::Expired, EVENT_EXPIRED, 0, b"k");
        assert_eq!(s.events.len(), 1);
        assert_eq!(s.events[0].kind, StoreEventKind::New);
    }
}
