//! `client-output-buffer-limit` enforcement: a client whose undelivered output passes its
//! class's hard limit, or stays past the soft limit for longer than the soft seconds, is
//! disconnected and logged, as Redis does, so one slow or stalled reader cannot make the
//! server's memory grow without bound.
//!
//! "Undelivered output" is what waits in the client's mailbox, plus what the connection task
//! has taken but not yet written (the socket is full), plus what is about to be added. The
//! class is Redis's `getClientType`: pubsub while the client holds any subscription, normal
//! otherwise (MONITOR clients are checked against the replica class in `commands::mod`).

use super::log;
use super::state::Client;
use crate::config::{ClientBufferLimit, Config, OBUF_NORMAL, OBUF_PUBSUB};

/// The limit that applies to `c` now.
pub fn limit_for(config: &Config, c: &Client) -> ClientBufferLimit {
    let class = if c.subs.any() {
        OBUF_PUBSUB
    } else {
        OBUF_NORMAL
    };
    config.client_output_buffer_limit[class]
}

/// Whether adding `extra` bytes to `c`'s pending output breaks `limit`. If it does, the client
/// is closed (its pending output dropped) and the closing logged; the caller drops `extra`.
pub fn breaks_limit(limit: ClientBufferLimit, now_ms: u64, c: &mut Client, extra: usize) -> bool {
    if limit.hard_limit_bytes == 0 && limit.soft_limit_bytes == 0 {
        return false;
    }
    let pending = (c.mailbox.pending_bytes() + extra) as u64;
    let hard = limit.hard_limit_bytes > 0 && pending > limit.hard_limit_bytes;
    let soft = if limit.soft_limit_bytes > 0 && pending > limit.soft_limit_bytes {
        // Whole seconds, as Redis (a soft limit of 0 s still allows the rest of this second).
        let now_s = now_ms / 1000;
        let since = *c.obuf_soft_since.get_or_insert(now_s);
        now_s.saturating_sub(since) > limit.soft_limit_seconds
    } else {
        c.obuf_soft_since = None;
        false
    };
    if hard || soft {
        log::warning(&format!(
            "Client id={} addr={} closed for overcoming of output buffer limits ({} bytes pending, {} limit).",
            c.id,
            c.addr,
            pending,
            if hard { "hard" } else { "soft" }
        ));
        // Freed at once, its queued output dropped, as Redis: a peer that does not read would
        // otherwise never let the connection finish writing it.
        c.mailbox.kill();
        return true;
    }
    false
}
