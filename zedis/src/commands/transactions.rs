//! MULTI / EXEC / DISCARD / WATCH / UNWATCH: queueing, the EXECABORT and WATCH rules, and running
//! the queue as one atomic step of the store thread.

use crate::server::state::Client;
use crate::store::Store;

/// Forgets every key `c` WATCHes (UNWATCH, EXEC, DISCARD, RESET, disconnect).
pub fn unwatch_all(store: &mut Store, c: &mut Client) {
    for (db, key) in std::mem::take(&mut c.tx.watched) {
        store.signals.unwatch(db, &key, c.id);
    }
    c.tx.dirty_cas = false;
}
