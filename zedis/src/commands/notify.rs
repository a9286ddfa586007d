//! How a command tells the rest of the server what it changed: WATCH invalidation (Redis's
//! `signalModifiedKey`) and keyspace notifications (`notifyKeyspaceEvent`), plus the flush of the
//! events the store produced itself (expired, new, keymiss).
//!
//! Handlers call [`Ctx::modified`] at the same point Redis calls both functions, with Redis's event
//! name and class; [`Ctx::notify`] and [`Ctx::touch`] are the halves for the places where Redis
//! calls only one. Store events are flushed before every explicit notification and after every
//! command, so subscribers see events in the order Redis emits them.

use crate::commands::Ctx;
use crate::config::NotifyFlags;
use crate::server::pubsub::{publish, Me};
use crate::server::state::{Client, Engine};
use crate::store::StoreEventKind;
use bytes::BytesMut;

/// Event classes, re-exported under short names for handlers.
pub const GENERIC: u32 = NotifyFlags::GENERIC;
pub const STRING: u32 = NotifyFlags::STRING;
pub const LIST: u32 = NotifyFlags::LIST;
pub const SET: u32 = NotifyFlags::SET;
pub const HASH: u32 = NotifyFlags::HASH;
pub const ZSET: u32 = NotifyFlags::ZSET;
pub const EXPIRED: u32 = NotifyFlags::EXPIRED;
pub const EVICTED: u32 = NotifyFlags::EVICTED;

impl Ctx<'_> {
    /// A write changed `key` in the client's database: invalidate WATCHes and emit `event`.
    #[inline]
    pub fn modified(&mut self, key: &[u8], class: u32, event: &str) {
        let db = self.client.db;
        self.modified_in(db, key, class, event);
    }

    /// [`Ctx::modified`] for a key in another database (MOVE, COPY ... DB).
    pub fn modified_in(&mut self, db: usize, key: &[u8], class: u32, event: &str) {
        self.eng.store.signal_modified(db, key);
        self.notify_in(db, class, event, key);
    }

    /// Only invalidate WATCHes on `key`.
    #[inline]
    pub fn touch(&mut self, key: &[u8]) {
        let db = self.client.db;
        self.eng.store.signal_modified(db, key);
    }

    /// Only emit a keyspace event for `key` in the client's database.
    #[inline]
    pub fn notify(&mut self, class: u32, event: &str, key: &[u8]) {
        let db = self.client.db;
        self.notify_in(db, class, event, key);
    }

    /// Emits a keyspace event for `key` in `db`.
    pub fn notify_in(&mut self, db: usize, class: u32, event: &str, key: &[u8]) {
        let mut me = Me {
            client: &mut *self.client,
            out: &mut *self.out.buf,
        };
        flush_store_events(self.eng, Some(&mut me));
        keyspace_event(self.eng, Some(&mut me), db, class, event, key);
        self.eng.store.signals.event_mark = self.out.buf.len();
    }

    /// Publishes the store's queued events now, ahead of whatever the handler writes next
    /// (for handlers that reply before they create a key, like SET ... GET).
    pub fn flush_events(&mut self) {
        let mut me = Me {
            client: &mut *self.client,
            out: &mut *self.out.buf,
        };
        flush_store_events(self.eng, Some(&mut me));
        self.eng.store.signals.event_mark = self.out.buf.len();
    }
}

/// Publishes the events the store queued (expired, new, keymiss), oldest first. The executing
/// client's own copies go at `event_mark` in its reply buffer (see `Signals::event_mark`).
pub fn flush_store_events(eng: &mut Engine, me: Option<&mut Me<'_>>) {
    if eng.store.signals.events.is_empty() {
        return;
    }
    let events = std::mem::take(&mut eng.store.signals.events);
    let mut own = BytesMut::new();
    let mut me = me;
    {
        let mut tmp = me.as_deref_mut().map(|m| Me {
            client: &mut *m.client,
            out: &mut own,
        });
        for e in &events {
            let (class, name) = match e.kind {
                StoreEventKind::Expired => (NotifyFlags::EXPIRED, "expired"),
                StoreEventKind::New => (NotifyFlags::NEW, "new"),
                StoreEventKind::Miss => (NotifyFlags::KEY_MISS, "keymiss"),
                StoreEventKind::Evicted => (NotifyFlags::EVICTED, "evicted"),
            };
            keyspace_event(eng, tmp.as_mut(), e.db, class, name, &e.key);
        }
    }
    if let Some(m) = me {
        if !own.is_empty() {
            let at = eng.store.signals.event_mark.min(m.out.len());
            let tail = m.out.split_off(at);
            m.out.extend_from_slice(&own);
            m.out.extend_from_slice(&tail);
        }
    }
    // Hand the (now empty) allocation back for reuse.
    let mut events = events;
    events.clear();
    if eng.store.signals.events.is_empty() {
        eng.store.signals.events = events;
    }
}

/// After a command: flush store events and mark the clients whose WATCHed keys were touched.
pub fn after_command(eng: &mut Engine, client: &mut Client, out: &mut BytesMut) {
    if !eng.store.signals.events.is_empty() {
        let mut me = Me { client, out };
        flush_store_events(eng, Some(&mut me));
        mark_dirty_watchers(eng, Some(me.client));
    } else {
        mark_dirty_watchers(eng, Some(client));
    }
}

/// Sets `dirty_cas` on every client whose watched key was touched.
pub fn mark_dirty_watchers(eng: &mut Engine, me: Option<&mut Client>) {
    if eng.store.signals.dirty_watchers.is_empty() {
        return;
    }
    let touched = std::mem::take(&mut eng.store.signals.dirty_watchers);
    let mut me = me;
    for (id, db, key) in touched {
        let exists = eng.store.db(db).peek(&key).is_some();
        let c = match me.as_deref_mut() {
            Some(c) if c.id == id => c,
            _ => match eng.clients.get_mut(&id) {
                Some(c) => &mut **c,
                None => continue,
            },
        };
        let Some(w) =
            c.tx.watched
                .iter_mut()
                .find(|w| w.db == db && w.key.as_slice() == key.as_slice())
        else {
            continue;
        };
        if w.expired {
            // Watched while already expired: its removal changes nothing logically.
            if !exists {
                w.expired = false;
            }
            continue;
        }
        c.tx.dirty_cas = true;
    }
}

/// Sends `__keyspace@<db>__:<key> <event>` and `__keyevent@<db>__:<event> <key>` as configured.
fn keyspace_event(
    eng: &mut Engine,
    mut me: Option<&mut Me<'_>>,
    db: usize,
    class: u32,
    event: &str,
    key: &[u8],
) {
    let flags = eng.config.notify_keyspace_events.0;
    if flags & class == 0 {
        return;
    }
    if flags & NotifyFlags::KEYSPACE != 0 {
        let mut ch = format!("__keyspace@{db}__:").into_bytes();
        ch.extend_from_slice(key);
        publish(eng, me.as_deref_mut(), &ch, event.as_bytes(), false);
    }
    if flags & NotifyFlags::KEYEVENT != 0 {
        let ch = format!("__keyevent@{db}__:{event}").into_bytes();
        publish(eng, me, &ch, key, false);
    }
}

/// The store-event mask that `notify-keyspace-events` asks for.
pub fn store_event_mask(flags: NotifyFlags) -> u32 {
    use crate::store::signals::{EVENT_EVICTED, EVENT_EXPIRED, EVENT_KEY_MISS, EVENT_NEW};
    if flags.0 & (NotifyFlags::KEYSPACE | NotifyFlags::KEYEVENT) == 0 {
        return 0;
    }
    flags.0 & (EVENT_EXPIRED | EVENT_EVICTED | EVENT_KEY_MISS | EVENT_NEW)
}
