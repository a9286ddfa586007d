//! The mailbox: how the store thread hands a client its replies and pushed messages.
//!
//! The store thread appends encoded bytes under a short lock and wakes the connection task; the
//! task swaps the whole buffer out and writes it to the socket in one go. One lock and one wake-up
//! per batch of commands, never per reply. The mailbox knows nothing of commands or sockets.

use bytes::BytesMut;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use tokio::sync::Notify;

#[derive(Default)]
struct Inner {
    out: BytesMut,
    /// Batches the store thread has finished for this client.
    done: u64,
}

/// A client's reply queue.
#[derive(Default)]
pub struct Mailbox {
    inner: Mutex<Inner>,
    notify: Notify,
    closing: AtomicBool,
    /// Bytes queued and not yet taken (for CLIENT LIST omem and output limits).
    pending: std::sync::atomic::AtomicUsize,
    /// Whether the client has authenticated; the decoder applies Redis's tighter limits to
    /// unauthenticated clients.
    authenticated: AtomicBool,
}

impl Mailbox {
    pub fn new() -> Mailbox {
        Mailbox::default()
    }

    /// Appends bytes (possibly empty) and, if `batch_done`, marks one batch finished; then wakes
    /// the connection task.
    pub fn deliver(&self, bytes: &[u8], batch_done: bool) {
        {
            let mut g = self.inner.lock().unwrap_or_else(|p| p.into_inner());
            g.out.extend_from_slice(bytes);
            if batch_done {
                g.done += 1;
            }
            self.pending.store(g.out.len(), Ordering::Relaxed);
        }
        self.notify.notify_one();
    }

    /// Asks the connection to close once everything queued so far is written.
    pub fn close(&self) {
        self.closing.store(true, Ordering::Release);
        self.notify.notify_one();
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

    pub fn pending_bytes(&self) -> usize {
        self.pending.load(Ordering::Relaxed)
    }

    /// Swaps everything queued into `buf` (which must have been written out), handing the
    /// mailbox `buf`'s old allocation in exchange, so a busy connection reuses two buffers
    /// instead of allocating one per batch. Returns (batches done, closing).
    pub fn take_into(&self, buf: &mut BytesMut) -> (u64, bool) {
        buf.clear();
        let mut g = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        std::mem::swap(&mut g.out, buf);
        self.pending.store(0, Ordering::Relaxed);
        (g.done, self.closing.load(Ordering::Acquire))
    }

    /// Waits until something is delivered or the mailbox is closed.
    pub async fn wait(&self) {
        self.notify.notified().await
    }
}
