//! Wall-clock helpers. The store thread caches "now" in `Store::now_ms` once per loop iteration
//! (and on every timer tick), so commands never read the clock themselves; these functions are
//! what refreshes that cache and what the few commands that need microseconds (TIME, MONITOR) use.

use std::time::{SystemTime, UNIX_EPOCH};

pub fn unix_micros() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_micros() as u64)
        .unwrap_or(0)
}

pub fn unix_millis() -> u64 {
    unix_micros() / 1000
}
