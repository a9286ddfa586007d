//! The mailbox: how the store thread hands a client its replies and pushed messages.
//!
//! The store thread appends encoded bytes under a short lock and wakes the connection task; the
//! task swaps the whole buffer out and writes it to the socket in one go. One lock and one wake-up
//! per batch of commands, never per reply. The mailbox knows nothing of commands or sockets.
//!
//! It is also where a client's buffers are *measured*: the bytes queued, the bytes the task has
//! taken but not yet written (a peer that stops reading holds them in the task), and the size of
//! the task's query buffer. Their sum is kept in the mailbox and added to a counter shared by
//! every mailbox of the server (`Meter`), so the store thread knows the memory all client buffers
//! hold without visiting a single client (client eviction, `server::client_evict`). A killed
//! mailbox (an evicted client) gives its bytes back to the counter at once and accepts nothing
//! more, even though the connection task may take a moment to notice.

use bytes::BytesMut;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use tokio::sync::Notify;

/// The sum of the buffers of every mailbox made `with_meter`.
pub type Meter = Arc<AtomicUsize>;

#[derive(Default)]
struct Inner {
    out: BytesMut,
    /// Batches the store thread has finished for this client.
    done: u64,
    /// Bytes taken by the connection task and not yet written.
    writing: usize,
    /// The connection task's query buffer (its allocation).
    qbuf: usize,
    /// Killed: the bytes above were given back and nothing more is accepted.
    killed: bool,
}

impl Inner {
    fn accounted(&self) -> usize {
        self.out.len() + self.writing + self.qbuf
    }
}

/// A client's reply queue.
#[derive(Default)]
pub struct Mailbox {
    inner: Mutex<Inner>,
    notify: Notify,
    /// Wakes a connection task stuck writing to a peer that does not read, when killed.
    kill_notify: Notify,
    closing: AtomicBool,
    killed: AtomicBool,
    /// Output bytes not yet written: queued plus taken by the task (CLIENT LIST omem, output
    /// limits).
    pending: AtomicUsize,
    /// Every byte this client's buffers hold (`Inner::accounted`), readable without the lock.
    accounted: AtomicUsize,
    /// Bytes in the connection task's query buffer not parsed yet (a partial request; CLIENT
    /// LIST `qbuf`).
    query_len: AtomicUsize,
    /// Whether the client has authenticated; the decoder applies Redis's tighter limits to
    /// unauthenticated clients.
    authenticated: AtomicBool,
    meter: Option<Meter>,
}

impl Mailbox {
    pub fn new() -> Mailbox {
        Mailbox::default()
    }

    /// A mailbox whose buffers count in `meter` (the server's real clients).
    pub fn with_meter(meter: Meter) -> Mailbox {
        let mut mb = Mailbox::default();
        mb.meter = Some(meter);
        mb
    }

    /// Publishes a change of `g`'s buffers: the per-mailbox figures and the shared counter.
    fn account(&self, g: &Inner, before: usize) {
        let now = g.accounted();
        self.pending
            .store(g.out.len() + g.writing, Ordering::Relaxed);
        self.accounted.store(now, Ordering::Relaxed);
        if let Some(m) = self.meter.as_ref().filter(|_| now != before) {
            if now > before {
                m.fetch_add(now - before, Ordering::Relaxed);
            } else {
                m.fetch_sub(before - now, Ordering::Relaxed);
            }
        }
    }

    /// Appends bytes (possibly empty) and, if `batch_done`, marks one batch finished; then wakes
    /// the connection task. A killed mailbox drops the bytes.
    pub fn deliver(&self, bytes: &[u8], batch_done: bool) {
        {
            let mut g = self.inner.lock().unwrap_or_else(|p| p.into_inner());
            if batch_done {
                g.done += 1;
            }
            if !g.killed {
                let before = g.accounted();
                g.out.extend_from_slice(bytes);
                self.account(&g, before);
            }
        }
        self.notify.notify_one();
    }

    /// Asks the connection to close once everything queued so far is written.
    pub fn close(&self) {
        self.closing.store(true, Ordering::Release);
        self.notify.notify_one();
    }

    /// Closes the connection now, dropping whatever is queued or being written (as Redis frees
    /// an evicted client), and gives the buffers' bytes back to the meter at once.
    pub fn kill(&self) {
        {
            let mut g = self.inner.lock().unwrap_or_else(|p| p.into_inner());
            if g.killed {
                return;
            }
            let before = g.accounted();
            g.out = BytesMut::new();
            g.writing = 0;
            g.qbuf = 0;
            g.killed = true;
            self.account(&g, before);
        }
        self.killed.store(true, Ordering::Release);
        self.closing.store(true, Ordering::Release);
        self.notify.notify_one();
        self.kill_notify.notify_one();
    }

    pub fn is_killed(&self) -> bool {
        self.killed.load(Ordering::Acquire)
    }

    /// Resolves once the mailbox is killed (for a task blocked in a write).
    pub async fn killed(&self) {
        if !self.is_killed() {
            self.kill_notify.notified().await
        }
    }

    pub fn set_authenticated(&self, yes: bool) {
        self.authenticated.store(yes, Ordering::Relaxed);
    }

    pub fn is_authenticated(&self) -> bool {
        self.authenticated.load(Ordering::Relaxed)
    }

    pub fn is_closing(&self) -> bool {
        self.closing.load(Ordering::Acquire)
    }

    /// Output bytes not yet written to the socket.
    pub fn pending_bytes(&self) -> usize {
        self.pending.load(Ordering::Relaxed)
    }

    /// Every byte the client's buffers hold: output not yet written plus the query buffer.
    pub fn accounted_bytes(&self) -> usize {
        self.accounted.load(Ordering::Relaxed)
    }

    /// Swaps everything queued into `buf` (which must have been written out), handing the
    /// mailbox `buf`'s old allocation in exchange, so a busy connection reuses two buffers
    /// instead of allocating one per batch. The bytes count as being written until `wrote`.
    /// Returns (batches done, closing).
    pub fn take_into(&self, buf: &mut BytesMut) -> (u64, bool) {
        buf.clear();
        let mut g = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        std::mem::swap(&mut g.out, buf);
        if !g.killed {
            // Queued → being written: the total does not change.
            g.writing += buf.len();
        }
        (g.done, self.closing.load(Ordering::Acquire))
    }

    /// The connection task wrote `n` bytes it had taken.
    pub fn wrote(&self, n: usize) {
        let mut g = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        if !g.killed {
            let before = g.accounted();
            g.writing = g.writing.saturating_sub(n);
            self.account(&g, before);
        }
    }

    /// The connection task's query buffer holds `n` unparsed bytes (one relaxed store per read).
    pub fn set_query_len(&self, n: usize) {
        self.query_len.store(n, Ordering::Relaxed);
    }

    /// The query buffer: (unparsed bytes, allocation) — CLIENT LIST `qbuf` and `qbuf-free`.
    pub fn query_buffer(&self) -> (usize, usize) {
        let cap = self.inner.lock().unwrap_or_else(|p| p.into_inner()).qbuf;
        let len = self.query_len.load(Ordering::Relaxed);
        (len, cap.max(len))
    }

    /// The connection task's query buffer now takes `n` bytes.
    pub fn set_query_buffer(&self, n: usize) {
        let mut g = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        if !g.killed && g.qbuf != n {
            let before = g.accounted();
            g.qbuf = n;
            self.account(&g, before);
        }
    }

    /// Waits until something is delivered or the mailbox is closed.
    pub async fn wait(&self) {
        self.notify.notified().await
    }
}

impl Drop for Mailbox {
    fn drop(&mut self) {
        let g = self.inner.get_mut().unwrap_or_else(|p| p.into_inner());
        if !g.killed {
            let before = g.accounted();
            if let Some(m) = &self.meter {
                m.fetch_sub(before, Ordering::Relaxed);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn meter_follows_every_buffer_and_kill_gives_everything_back() {
        let meter: Meter = Arc::new(AtomicUsize::new(0));
        let a = Mailbox::with_meter(meter.clone());
        let b = Mailbox::with_meter(meter.clone());
        a.deliver(b"hello", false);
        b.deliver(b"world!", true);
        assert_eq!(meter.load(Ordering::Relaxed), 11);
        a.set_query_buffer(100);
        assert_eq!(meter.load(Ordering::Relaxed), 111);
        assert_eq!(a.accounted_bytes(), 105);
        // Taken but not written still counts, as output.
        let mut buf = BytesMut::new();
        a.take_into(&mut buf);
        assert_eq!(meter.load(Ordering::Relaxed), 111);
        assert_eq!(a.pending_bytes(), 5);
        a.wrote(5);
        assert_eq!(a.pending_bytes(), 0);
        assert_eq!(meter.load(Ordering::Relaxed), 106);
        b.kill();
        assert_eq!(meter.load(Ordering::Relaxed), 100);
        assert!(b.is_killed() && b.is_closing());
        // A killed mailbox accepts nothing, and dropping it gives nothing back twice.
        b.deliver(b"more", false);
        b.set_query_buffer(1 << 20);
        assert_eq!(b.accounted_bytes(), 0);
        drop(b);
        assert_eq!(meter.load(Ordering::Relaxed), 100);
        drop(a);
        assert_eq!(meter.load(Ordering::Relaxed), 0);
    }

    #[test]
    fn a_mailbox_without_meter_still_measures_itself() {
        let a = Mailbox::new();
        a.deliver(b"abc", false);
        assert_eq!(a.pending_bytes(), 3);
        assert_eq!(a.accounted_bytes(), 3);
    }
}
