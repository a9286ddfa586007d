//! The network side: listening sockets (TCP and unix), accepting with Redis's admission rules
//! (maxclients, protected mode), and one tokio task per connection that reads, decodes whole
//! pipelined bursts into batches, hands them to the store thread, and writes back whatever its
//! mailbox holds. Knows RESP framing but nothing of commands or the keyspace.

use super::mailbox::Mailbox;
use super::state::Client;
use super::{log, Inbox, Msg, NetShared, ServerError};
use crate::config::Config;
use crate::resp::request::{Limits, RequestDecoder};
use bytes::{Bytes, BytesMut};
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, UnixListener};

/// The sockets the server listens on.
pub struct Listeners {
    tcp: Vec<TcpListener>,
    unix: Option<(UnixListener, String)>,
}

impl Listeners {
    /// The bound TCP port (0 when only a unix socket is used).
    pub fn tcp_port(&self) -> u16 {
        self.tcp
            .first()
            .and_then(|l| l.local_addr().ok())
            .map(|a| a.port())
            .unwrap_or(0)
    }
}

const PROTECTED_MODE_ERR: &[u8] = b"-DENIED Redis is running in protected mode because protected mode is enabled and no password is set for the default user. In this mode connections are only accepted from the loopback interface. If you want to connect from external computers to Redis you may adopt one of the following solutions: 1) Just disable protected mode sending the command 'CONFIG SET protected-mode no' from the loopback interface by connecting to Redis from the same host the server is running, however MAKE SURE Redis is not publicly accessible from internet if you do so. Use CONFIG REWRITE to make this change permanent. 2) Alternatively you can just disable the protected mode by editing the Redis configuration file, and setting the protected mode option to 'no', and then restarting the server. 3) If you started the server manually just for testing, restart it with the '--protected-mode no' option. 4) Set up an authentication password for the default user. NOTE: You only need to do one of the above things in order for the server to start accepting connections from the outside.\r\n";

fn bind_one(addr: &str, port: u16, backlog: i32) -> std::io::Result<TcpListener> {
    let host = match addr {
        "*" => "0.0.0.0",
        "::*" => "::",
        a => a,
    };
    let ip: IpAddr = host.parse().map_err(|_| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!("invalid bind address '{host}'"),
        )
    })?;
    let sa = SocketAddr::new(ip, port);
    let domain = if ip.is_ipv6() {
        socket2::Domain::IPV6
    } else {
        socket2::Domain::IPV4
    };
    let sock = socket2::Socket::new(domain, socket2::Type::STREAM, Some(socket2::Protocol::TCP))?;
    if ip.is_ipv6() {
        sock.set_only_v6(true)?;
    }
    sock.set_reuse_address(true)?;
    sock.set_nonblocking(true)?;
    sock.bind(&sa.into())?;
    sock.listen(backlog.max(1))?;
    TcpListener::from_std(sock.into())
}

/// Binds every `bind` address on `port` (addresses prefixed with `-` are optional, as in Redis)
/// and the unix socket if configured.
pub async fn bind_all(cfg: &Config) -> Result<Listeners, ServerError> {
    let mut tcp = Vec::new();
    if cfg.port != 0 {
        for b in &cfg.bind {
            let (optional, addr) = match b.strip_prefix('-') {
                Some(a) => (true, a),
                None => (false, b.as_str()),
            };
            match bind_one(addr, cfg.port, cfg.tcp_backlog as i32) {
                Ok(l) => tcp.push(l),
                Err(e) if optional => log::verbose(&format!("optional bind {addr} skipped: {e}")),
                Err(e) => {
                    return Err(ServerError::Bind {
                        addr: format!("{addr}:{}", cfg.port),
                        source: e,
                    })
                }
            }
        }
    }
    let unix = match &cfg.unixsocket {
        Some(path) if !path.is_empty() => {
            let _ = std::fs::remove_file(path);
            let l = UnixListener::bind(path).map_err(|e| ServerError::Unix {
                path: path.clone(),
                source: e,
            })?;
            if cfg.unixsocketperm != 0 {
                use std::os::unix::fs::PermissionsExt;
                let perm = std::fs::Permissions::from_mode(cfg.unixsocketperm);
                std::fs::set_permissions(path, perm).map_err(|e| ServerError::Unix {
                    path: path.clone(),
                    source: e,
                })?;
            }
            Some((l, path.clone()))
        }
        _ => None,
    };
    if tcp.is_empty() && unix.is_none() {
        return Err(ServerError::NoListener);
    }
    Ok(Listeners { tcp, unix })
}

/// Accepts on every listener until the runtime shuts down.
pub async fn accept_all(l: Listeners, tx: Inbox, shared: Arc<NetShared>) {
    for listener in l.tcp {
        let (tx, shared) = (tx.clone(), shared.clone());
        tokio::spawn(async move {
            loop {
                match listener.accept().await {
                    Ok((stream, peer)) => {
                        let local = stream
                            .local_addr()
                            .map(|a| a.to_string())
                            .unwrap_or_default();
                        let _ = stream.set_nodelay(true);
                        let ka = shared.tcp_keepalive.load(Ordering::Relaxed);
                        if ka > 0 {
                            let params = socket2::TcpKeepalive::new()
                                .with_time(std::time::Duration::from_secs(ka));
                            let _ = socket2::SockRef::from(&stream).set_tcp_keepalive(&params);
                        }
                        let fd = std::os::fd::AsRawFd::as_raw_fd(&stream);
                        let local_peer = peer.ip().is_loopback();
                        let (rd, wr) = stream.into_split();
                        let peer = Peer {
                            addr: peer.to_string(),
                            laddr: local,
                            fd,
                            unix: false,
                            loopback: local_peer,
                        };
                        admit(rd, wr, peer, &tx, &shared).await;
                    }
                    Err(e) => accept_failed(e).await,
                }
            }
        });
    }
    if let Some((listener, path)) = l.unix {
        tokio::spawn(async move {
            loop {
                match listener.accept().await {
                    Ok((stream, _)) => {
                        let fd = std::os::fd::AsRawFd::as_raw_fd(&stream);
                        let (rd, wr) = stream.into_split();
                        let peer = Peer {
                            addr: path.clone(),
                            laddr: path.clone(),
                            fd,
                            unix: true,
                            loopback: true,
                        };
                        admit(rd, wr, peer, &tx, &shared).await;
                    }
                    Err(e) => accept_failed(e).await,
                }
            }
        });
    }
}

/// Write buffers up to this size are kept between replies (as Redis keeps a 16 KiB reply
/// buffer per client); larger ones are freed after the write.
const KEEP_WRITE_BUFFER: usize = 16 * 1024;

/// Where a connection comes from.
struct Peer {
    addr: String,
    laddr: String,
    fd: i32,
    unix: bool,
    /// Loopback or unix socket: exempt from protected mode.
    loopback: bool,
}

async fn accept_failed(e: std::io::Error) {
    log::warning(&format!("Accepting client connection: {e}"));
    // Out of file descriptors and similar: back off instead of spinning.
    tokio::time::sleep(std::time::Duration::from_millis(10)).await;
}

/// Redis's admission rules for a new connection, as a pure decision: the error to send before
/// closing, or None to accept. `connected` counts clients before this one.
fn refuse(
    connected: usize,
    maxclients: usize,
    protected: bool,
    password_set: bool,
    loopback: bool,
) -> Option<&'static [u8]> {
    if connected >= maxclients {
        Some(b"-ERR max number of clients reached\r\n")
    } else if protected && !password_set && !loopback {
        Some(PROTECTED_MODE_ERR)
    } else {
        None
    }
}

/// Applies maxclients and protected mode, then registers the client and starts its task.
async fn admit<R, W>(rd: R, mut wr: W, peer: Peer, tx: &Inbox, shared: &Arc<NetShared>)
where
    R: AsyncRead + Unpin + Send + 'static,
    W: AsyncWrite + Unpin + Send + 'static,
{
    let n = shared.connected.fetch_add(1, Ordering::Relaxed);
    let refusal = refuse(
        n,
        shared.maxclients.load(Ordering::Relaxed),
        shared.protected_mode.load(Ordering::Relaxed),
        shared.requirepass_set.load(Ordering::Relaxed),
        peer.loopback,
    );
    if let Some(reply) = refusal {
        shared.connected.fetch_sub(1, Ordering::Relaxed);
        shared.rejected.fetch_add(1, Ordering::Relaxed);
        tokio::spawn(async move {
            let _ = wr.write_all(reply).await;
            let _ = wr.shutdown().await;
        });
        return;
    }
    let id = shared.next_id.fetch_add(1, Ordering::Relaxed);
    let mailbox = Arc::new(Mailbox::with_meter(shared.client_buffers.clone()));
    mailbox.set_authenticated(!shared.requirepass_set.load(Ordering::Relaxed));
    let client = Client::new(
        id,
        peer.addr,
        peer.laddr,
        peer.fd,
        peer.unix,
        mailbox.clone(),
        0,
    );
    if !tx.send(Msg::Connect(Box::new(client))) {
        return;
    }
    let (tx, shared) = (tx.clone(), shared.clone());
    tokio::spawn(async move {
        serve(rd, wr, id, &tx, &mailbox, &shared).await;
        tx.send(Msg::Disconnect(id));
    });
}

/// One connection's life: read → decode a batch → send → write replies, until either side closes.
async fn serve<R, W>(mut rd: R, mut wr: W, id: u64, tx: &Inbox, mb: &Mailbox, shared: &NetShared)
where
    R: AsyncRead + Unpin,
    W: AsyncWrite + Unpin,
{
    let mut buf = BytesMut::with_capacity(16 * 1024);
    let mut decoder = RequestDecoder::new();
    let mut wbuf = BytesMut::new();
    let mut sent: u64 = 0;
    let mut done: u64 = 0;
    let mut reading = true;
    let mut qbuf_noted = 0;
    note_query_buffer(mb, &mut qbuf_noted, &buf);
    loop {
        tokio::select! {
            biased;
            _ = mb.wait() => {
                let (batches_done, closing) = mb.take_into(&mut wbuf);
                done = batches_done;
                if mb.is_killed() {
                    // Evicted: drop the connection and whatever it still owed.
                    return;
                }
                if !wbuf.is_empty() {
                    shared.net_out.fetch_add(wbuf.len() as u64, Ordering::Relaxed);
                    // A peer that does not read blocks this write; eviction must still be able
                    // to close the connection (and free the buffer).
                    tokio::select! {
                        r = wr.write_all(&wbuf) => if r.is_err() {
                            return;
                        },
                        _ = mb.killed() => return,
                    }
                    mb.wrote(wbuf.len());
                    // Keep a small buffer for the next swap; give a big one back.
                    if wbuf.capacity() > KEEP_WRITE_BUFFER {
                        wbuf = BytesMut::new();
                    }
                }
                // The store thread closes a client only after delivering the replies it owes
                // it, so a batch still in flight here belongs to a client killed while blocked
                // (CLIENT KILL, output limits): Redis frees such a client at once as well.
                if closing {
                    let _ = wr.shutdown().await;
                    return;
                }
                // Requests already buffered (left over from a one-at-a-time batch) go next,
                // without waiting for the socket to have more data.
                if reading && done == sent && !buf.is_empty() {
                    let (cmds, err) = decode_batch(&mut decoder, &mut buf, mb, shared);
                    if err.is_some() {
                        reading = false;
                    }
                    if !cmds.is_empty() || err.is_some() {
                        if !tx.send(Msg::Batch { id, cmds, proto_error: err }) {
                            return;
                        }
                        sent += 1;
                    }
                    note_query_buffer(mb, &mut qbuf_noted, &buf);
                }
            }
            // Reading goes on while a batch is in flight (a client blocked in BLPOP or held by
            // CLIENT PAUSE), so a peer that hangs up is noticed and cleaned up at once; what it
            // sends meanwhile waits in `buf` and is decoded when the batch is done.
            r = rd.read_buf(&mut buf), if reading => {
                match r {
                    Ok(0) | Err(_) => return,
                    Ok(n) => {
                        shared.net_in.fetch_add(n as u64, Ordering::Relaxed);
                        if sent != done {
                            if buf.len() as u64 > shared.query_buffer_limit.load(Ordering::Relaxed) {
                                log::warning(&format!(
                                    "Closing client id={id} that reached max query buffer length ({} bytes)",
                                    buf.len()
                                ));
                                return;
                            }
                            if buf.capacity() - buf.len() < 4096 {
                                buf.reserve(16 * 1024);
                            }
                            note_query_buffer(mb, &mut qbuf_noted, &buf);
                            continue;
                        }
                        let (cmds, err) = decode_batch(&mut decoder, &mut buf, mb, shared);
                        if buf.len() as u64 > shared.query_buffer_limit.load(Ordering::Relaxed) {
                            // As Redis: log it and drop the connection, no reply.
                            log::warning(&format!(
                                "Closing client id={id} that reached max query buffer length ({} bytes)",
                                buf.len()
                            ));
                            return;
                        }
                        if err.is_some() {
                            reading = false;
                        }
                        if !cmds.is_empty() || err.is_some() {
                            if !tx.send(Msg::Batch { id, cmds, proto_error: err }) {
                                return;
                            }
                            sent += 1;
                        }
                        if buf.is_empty() && buf.capacity() > super::BIG_BUFFER {
                            // Let a huge request's buffer go once it has been consumed.
                            buf = BytesMut::with_capacity(16 * 1024);
                        }
                        if buf.capacity() - buf.len() < 4096 {
                            buf.reserve(16 * 1024);
                        }
                        note_query_buffer(mb, &mut qbuf_noted, &buf);
                    }
                }
            }
        }
    }
}

/// Tells the mailbox how big the query buffer is when that changed (client eviction counts it,
/// as Redis counts the query buffer's allocation).
fn note_query_buffer(mb: &Mailbox, noted: &mut usize, buf: &BytesMut) {
    mb.set_query_len(buf.len());
    let n = buf.capacity();
    if n != *noted {
        *noted = n;
        mb.set_query_buffer(n);
    }
}

/// Decodes every complete request in `buf`. Unauthenticated clients get one request per batch, so
/// that an AUTH takes effect before the next request is checked against the tighter limits.
fn decode_batch(
    decoder: &mut RequestDecoder,
    buf: &mut BytesMut,
    mb: &Mailbox,
    shared: &NetShared,
) -> (Vec<Vec<Bytes>>, Option<Bytes>) {
    let authenticated = mb.is_authenticated();
    let limits = Limits {
        max_bulk_len: shared.max_bulk_len.load(Ordering::Relaxed),
        authenticated,
    };
    let mut cmds = Vec::new();
    loop {
        match decoder.decode(buf, &limits) {
            Ok(Some(args)) => {
                if args.is_empty() {
                    continue;
                }
                cmds.push(args);
                if !authenticated {
                    return (cmds, None);
                }
            }
            Ok(None) => {
                // A large request in progress: make room for what the peer announced, capped so
                // that an announcement alone never allocates much.
                let want = decoder.reserve_hint().min(1 << 20);
                if want > buf.capacity() - buf.len() {
                    buf.reserve(want);
                }
                return (cmds, None);
            }
            Err(e) => {
                let mut reply = BytesMut::new();
                e.write_reply(&mut reply);
                decoder.reset();
                return (cmds, Some(reply.freeze()));
            }
        }
    }
}

/// Turns SIGTERM and SIGINT into a shutdown request for the store thread.
pub async fn signals(tx: Inbox) {
    use tokio::signal::unix::{signal, SignalKind};
    let (Ok(mut term), Ok(mut int)) = (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
    ) else {
        log::warning("could not install signal handlers");
        return;
    };
    let name = tokio::select! {
        _ = term.recv() => "SIGTERM",
        _ = int.recv() => "SIGINT",
    };
    tx.send(Msg::Signal(name));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn admission_follows_redis() {
        assert_eq!(refuse(0, 10, true, false, true), None);
        assert_eq!(
            refuse(10, 10, false, false, true),
            Some(&b"-ERR max number of clients reached\r\n"[..])
        );
        // Protected mode refuses remote peers only while no password is set.
        assert_eq!(refuse(0, 10, true, false, false), Some(PROTECTED_MODE_ERR));
        assert_eq!(refuse(0, 10, true, true, false), None);
        assert_eq!(refuse(0, 10, false, false, false), None);
        assert!(PROTECTED_MODE_ERR.starts_with(b"-DENIED Redis is running in protected mode"));
        assert!(PROTECTED_MODE_ERR.ends_with(b"\r\n"));
    }
}
