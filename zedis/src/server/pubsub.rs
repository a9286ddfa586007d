//! Pub/Sub: who is subscribed to what, and delivery of messages into subscribers' mailboxes.
//!
//! The registry maps channels, patterns and shard channels to subscriber ids (in subscription
//! order); each `Client` keeps its own sets for counts and UNSUBSCRIBE-all. Delivery encodes the
//! message once per protocol and appends it to each subscriber's mailbox, enforcing
//! `client-output-buffer-limit pubsub`: a subscriber that stops reading is disconnected, the
//! server's memory never grows without bound. The client executing the current command is not in
//! `Engine::clients` (it is lent to the command), so it is passed separately as `Me` and its
//! messages go straight into its reply buffer, ahead of the reply, as in Redis.

use crate::config::OBUF_PUBSUB;
use crate::resp::write as w;
use crate::server::state::{Client, Engine};
use crate::util::glob::glob_match;
use bytes::{Bytes, BytesMut};
use hashbrown::HashMap;
use indexmap::{IndexMap, IndexSet};

/// The subscription registry.
#[derive(Default)]
pub struct PubSub {
    pub channels: HashMap<Bytes, IndexSet<u64>>,
    /// Ordered so that PUBLISH visits patterns in a stable order.
    pub patterns: IndexMap<Bytes, IndexSet<u64>>,
    pub shard_channels: HashMap<Bytes, IndexSet<u64>>,
}

/// Which of the three subscription spaces.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Space {
    Channel,
    Pattern,
    Shard,
}

impl Space {
    fn registry(self, ps: &mut PubSub) -> &mut dyn RegistryMap {
        match self {
            Space::Channel => &mut ps.channels,
            Space::Pattern => &mut ps.patterns,
            Space::Shard => &mut ps.shard_channels,
        }
    }

    fn client_set(self, c: &mut Client) -> &mut IndexSet<Bytes> {
        match self {
            Space::Channel => &mut c.subs.channels,
            Space::Pattern => &mut c.subs.patterns,
            Space::Shard => &mut c.subs.shard,
        }
    }
}

/// The same operations over `HashMap` and `IndexMap`.
trait RegistryMap {
    fn add(&mut self, name: Bytes, id: u64);
    fn del(&mut self, name: &[u8], id: u64);
}

impl RegistryMap for HashMap<Bytes, IndexSet<u64>> {
    fn add(&mut self, name: Bytes, id: u64) {
        self.entry(name).or_default().insert(id);
    }
    fn del(&mut self, name: &[u8], id: u64) {
        if let Some(s) = self.get_mut(name) {
            s.shift_remove(&id);
            if s.is_empty() {
                self.remove(name);
            }
        }
    }
}

impl RegistryMap for IndexMap<Bytes, IndexSet<u64>> {
    fn add(&mut self, name: Bytes, id: u64) {
        self.entry(name).or_default().insert(id);
    }
    fn del(&mut self, name: &[u8], id: u64) {
        if let Some(s) = self.get_mut(name) {
            s.shift_remove(&id);
            if s.is_empty() {
                self.shift_remove(name);
            }
        }
    }
}

/// A client's own subscriptions.
#[derive(Default, Debug)]
pub struct Subscriptions {
    pub channels: IndexSet<Bytes>,
    pub patterns: IndexSet<Bytes>,
    pub shard: IndexSet<Bytes>,
}

impl Subscriptions {
    /// Channels plus patterns: the count RESP2 replies carry and that keeps a client in
    /// subscribed mode (shard channels are counted separately, as in Redis 7.0).
    pub fn count(&self) -> usize {
        self.channels.len() + self.patterns.len()
    }

    pub fn any(&self) -> bool {
        !self.channels.is_empty() || !self.patterns.is_empty() || !self.shard.is_empty()
    }
}

/// The client running the current command, with its reply buffer.
pub struct Me<'a> {
    pub client: &'a mut Client,
    pub out: &'a mut BytesMut,
}

/// Subscribes `c` to `name` in `space`; returns false if it already was.
pub fn subscribe(ps: &mut PubSub, c: &mut Client, space: Space, name: &[u8]) -> bool {
    let name = Bytes::copy_from_slice(name);
    if !space.client_set(c).insert(name.clone()) {
        return false;
    }
    space.registry(ps).add(name, c.id);
    true
}

/// Unsubscribes `c` from `name` in `space`; returns false if it was not subscribed.
pub fn unsubscribe(ps: &mut PubSub, c: &mut Client, space: Space, name: &[u8]) -> bool {
    if !space.client_set(c).shift_remove(name) {
        return false;
    }
    space.registry(ps).del(name, c.id);
    true
}

/// Drops every subscription of a client that is going away.
pub fn forget_client(ps: &mut PubSub, c: &mut Client) {
    for space in [Space::Channel, Space::Pattern, Space::Shard] {
        for name in std::mem::take(space.client_set(c)) {
            space.registry(ps).del(&name, c.id);
        }
    }
}

/// Encodes a `message`/`smessage` (3 elements) or `pmessage` (4) for protocol `proto`.
pub fn encode_message(buf: &mut BytesMut, proto: u8, parts: &[&[u8]]) {
    w::write_push_len(buf, proto, parts.len());
    for p in parts {
        w::write_bulk(buf, p);
    }
}

/// Publishes `msg` on `channel` (a shard channel if `shard`); returns how many clients received
/// it. `me` is the client running the command, if any.
pub fn publish(
    eng: &mut Engine,
    mut me: Option<&mut Me<'_>>,
    channel: &[u8],
    msg: &[u8],
    shard: bool,
) -> i64 {
    let mut targets: Vec<(u64, Option<usize>)> = Vec::new();
    let direct = if shard {
        eng.pubsub.shard_channels.get(channel)
    } else {
        eng.pubsub.channels.get(channel)
    };
    if let Some(ids) = direct {
        targets.extend(ids.iter().map(|id| (*id, None)));
    }
    if !shard {
        for (i, (pat, ids)) in eng.pubsub.patterns.iter().enumerate() {
            if glob_match(pat, channel, false) {
                targets.extend(ids.iter().map(|id| (*id, Some(i))));
            }
        }
    }
    if targets.is_empty() {
        return 0;
    }
    let kind: &[u8] = if shard { b"smessage" } else { b"message" };
    let mut scratch = BytesMut::new();
    let mut received = 0;
    for (id, pat) in targets {
        let pattern = pat.and_then(|i| eng.pubsub.patterns.get_index(i).map(|(p, _)| p.clone()));
        let parts_storage;
        let parts: &[&[u8]] = match &pattern {
            Some(p) => {
                parts_storage = [b"pmessage".as_slice(), p, channel, msg];
                &parts_storage
            }
            None => {
                parts_storage = [kind, channel, msg, b""];
                &parts_storage[..3]
            }
        };
        received += 1;
        if let Some(m) = me.as_deref_mut().filter(|m| m.client.id == id) {
            let proto = m.client.proto;
            encode_message(m.out, proto, parts);
            continue;
        }
        let Some(c) = eng.clients.get_mut(&id) else {
            continue;
        };
        scratch.clear();
        encode_message(&mut scratch, c.proto, parts);
        deliver_limited(eng_limits(&eng.config), eng.store.now_ms, c, &scratch);
    }
    received
}

/// The pubsub class of `client-output-buffer-limit`.
fn eng_limits(config: &crate::config::Config) -> crate::config::ClientBufferLimit {
    config.client_output_buffer_limit[OBUF_PUBSUB]
}

/// Appends `bytes` to a subscriber's mailbox unless that would break its output-buffer limit, in
/// which case the subscriber is disconnected (as Redis does) and the message dropped.
pub fn deliver_limited(
    limit: crate::config::ClientBufferLimit,
    now_ms: u64,
    c: &mut Client,
    bytes: &[u8],
) {
    if !c.mailbox.is_closing() && !super::outbuf::breaks_limit(limit, now_ms, c, bytes.len()) {
        c.mailbox.deliver(bytes, false);
    }
}
