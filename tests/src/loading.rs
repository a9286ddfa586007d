//! Watching a server load its dataset: connect as soon as it listens, and keep asking DBSIZE
//! until it answers, checking each `-LOADING` refusal on the way.

use std::time::{Duration, Instant};

/// What a watch saw.
pub struct Loaded {
    /// DBSIZE once the load was over.
    pub keys: u64,
    /// Whether any command was refused with `-LOADING` meanwhile.
    pub saw_loading: bool,
}

/// Polls the server on `port` (started without waiting for PING) until DBSIZE answers, for at
/// most `limit`. Every refusal must be a `-LOADING` error; `on_loading` then gets the
/// connection to check what else should hold while loading (INFO fields, …).
pub fn watch_load(
    port: u16,
    limit: Duration,
    mut on_loading: impl FnMut(&mut redis::Connection),
) -> Loaded {
    let start = Instant::now();
    let mut saw_loading = false;
    loop {
        assert!(start.elapsed() < limit, "never finished loading");
        let Ok(client) = redis::Client::open(format!("redis://127.0.0.1:{port}/")) else {
            continue;
        };
        let Ok(mut c) = client.get_connection() else {
            std::thread::sleep(Duration::from_millis(2));
            continue;
        };
        match redis::cmd("DBSIZE").query::<u64>(&mut c) {
            Ok(keys) => return Loaded { keys, saw_loading },
            Err(e) => {
                assert!(e.to_string().to_lowercase().contains("loading"), "{e}");
                saw_loading = true;
                on_loading(&mut c);
                std::thread::sleep(Duration::from_millis(5));
            }
        }
    }
}
