//! A small blocking RESP client for the tools (`zedis-cli`, `zedis-top`) and tests: connect over
//! TCP or a Unix socket, authenticate / select / negotiate the protocol, send commands and read
//! reply [`Frame`]s. It owns connection set-up and framing only; rendering and command logic live
//! in the tools. Blocking I/O is deliberate: every tool talks to one server at a time per thread
//! and wants plain sequential code, and it keeps tokio out of the tools.

use crate::resp::{encode_request, Frame, FrameDecoder, FrameError};
use bytes::BytesMut;
use std::io::{self, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
#[cfg(unix)]
use std::os::unix::net::UnixStream;
use std::path::PathBuf;
use std::time::Duration;
use thiserror::Error;

/// Where a server listens.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Endpoint {
    Tcp { host: String, port: u16 },
    Unix(PathBuf),
}

impl std::fmt::Display for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Endpoint::Tcp { host, port } if host.contains(':') => write!(f, "[{host}]:{port}"),
            Endpoint::Tcp { host, port } => write!(f, "{host}:{port}"),
            Endpoint::Unix(p) => write!(f, "{}", p.display()),
        }
    }
}

/// Everything needed to open a ready-to-use connection.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConnectOptions {
    pub endpoint: Endpoint,
    pub user: Option<String>,
    pub password: Option<String>,
    /// Database to SELECT after connecting (0 = no SELECT).
    pub db: i64,
    /// `Some(3)` sends `HELLO 3` (with AUTH when a password is set); `Some(2)`/`None` stay on
    /// RESP2 and authenticate with AUTH.
    pub protocol: Option<u8>,
    /// CLIENT SETNAME after connecting.
    pub client_name: Option<String>,
    /// Connect and I/O timeout; `None` waits forever.
    pub timeout: Option<Duration>,
}

impl Default for ConnectOptions {
    fn default() -> Self {
        ConnectOptions {
            endpoint: Endpoint::Tcp {
                host: "127.0.0.1".into(),
                port: 6379,
            },
            user: None,
            password: None,
            db: 0,
            protocol: None,
            client_name: None,
            timeout: None,
        }
    }
}

/// Why a connection failed.
#[derive(Debug, Error)]
pub enum ClientError {
    #[error("{0}")]
    Io(#[from] io::Error),
    #[error("protocol error: {0}")]
    Protocol(#[from] FrameError),
    #[error("server closed the connection")]
    Closed,
    /// The server refused a set-up step (AUTH, HELLO, SELECT): its error text.
    #[error("{0}")]
    Refused(String),
    #[error("invalid URI: {0}")]
    BadUri(String),
}

enum Stream {
    Tcp(TcpStream),
    #[cfg(unix)]
    Unix(UnixStream),
}

impl Stream {
    fn set_timeouts(&self, t: Option<Duration>) -> io::Result<()> {
        match self {
            Stream::Tcp(s) => {
                s.set_read_timeout(t)?;
                s.set_write_timeout(t)
            }
            #[cfg(unix)]
            Stream::Unix(s) => {
                s.set_read_timeout(t)?;
                s.set_write_timeout(t)
            }
        }
    }
}

impl Read for Stream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Stream::Tcp(s) => s.read(buf),
            #[cfg(unix)]
            Stream::Unix(s) => s.read(buf),
        }
    }
}

impl Write for Stream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Stream::Tcp(s) => s.write(buf),
            #[cfg(unix)]
            Stream::Unix(s) => s.write(buf),
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        match self {
            Stream::Tcp(s) => s.flush(),
            #[cfg(unix)]
            Stream::Unix(s) => s.flush(),
        }
    }
}

/// One open connection.
pub struct Connection {
    stream: Stream,
    buf: BytesMut,
    dec: FrameDecoder,
    out: BytesMut,
    /// 2 or 3: what the server agreed to.
    pub protocol: u8,
    pub endpoint: Endpoint,
}

impl Connection {
    /// Opens the socket only (no AUTH/HELLO/SELECT).
    pub fn connect(endpoint: &Endpoint, timeout: Option<Duration>) -> Result<Self, ClientError> {
        let stream = match endpoint {
            Endpoint::Tcp { host, port } => {
                let addrs: Vec<_> = (host.as_str(), *port).to_socket_addrs()?.collect();
                let mut last = io::Error::new(io::ErrorKind::NotFound, "no address resolved");
                let mut found = None;
                for a in addrs {
                    let r = match timeout {
                        Some(t) => TcpStream::connect_timeout(&a, t),
                        None => TcpStream::connect(a),
                    };
                    match r {
                        Ok(s) => {
                            found = Some(s);
                            break;
                        }
                        Err(e) => last = e,
                    }
                }
                let s = found.ok_or(last)?;
                s.set_nodelay(true)?;
                Stream::Tcp(s)
            }
            #[cfg(unix)]
            Endpoint::Unix(p) => Stream::Unix(UnixStream::connect(p)?),
            #[cfg(not(unix))]
            Endpoint::Unix(_) => {
                return Err(ClientError::Io(io::Error::new(
                    io::ErrorKind::Unsupported,
                    "unix sockets are not supported on this platform",
                )))
            }
        };
        stream.set_timeouts(timeout)?;
        Ok(Connection {
            stream,
            buf: BytesMut::with_capacity(16 * 1024),
            dec: FrameDecoder::new(),
            out: BytesMut::new(),
            protocol: 2,
            endpoint: endpoint.clone(),
        })
    }

    /// Opens the socket and runs the set-up the options ask for: HELLO (or AUTH), CLIENT
    /// SETNAME, SELECT. A refused step is a `ClientError::Refused` with the server's text.
    pub fn open(opts: &ConnectOptions) -> Result<Self, ClientError> {
        let mut c = Connection::connect(&opts.endpoint, opts.timeout)?;
        c.handshake(opts)?;
        Ok(c)
    }

    fn handshake(&mut self, opts: &ConnectOptions) -> Result<(), ClientError> {
        let user = opts.user.as_deref().unwrap_or("default");
        if opts.protocol == Some(3) {
            let mut args = vec!["HELLO", "3"];
            if let Some(p) = &opts.password {
                args.extend(["AUTH", user, p.as_str()]);
            }
            self.expect_ok(&args)?;
            self.protocol = 3;
        } else if let Some(p) = &opts.password {
            match &opts.user {
                Some(u) => self.expect_ok(&["AUTH", u.as_str(), p.as_str()])?,
                None => self.expect_ok(&["AUTH", p.as_str()])?,
            };
        }
        if let Some(name) = &opts.client_name {
            self.expect_ok(&["CLIENT", "SETNAME", name.as_str()])?;
        }
        if opts.db != 0 {
            self.expect_ok(&["SELECT", &opts.db.to_string()])?;
        }
        Ok(())
    }

    fn expect_ok(&mut self, args: &[&str]) -> Result<Frame, ClientError> {
        match self.call(args)? {
            Frame::Error(e) | Frame::BlobError(e) => Err(ClientError::Refused(
                String::from_utf8_lossy(&e).into_owned(),
            )),
            f => Ok(f),
        }
    }

    /// Changes the read/write timeout (`None` blocks forever).
    pub fn set_timeout(&mut self, t: Option<Duration>) -> io::Result<()> {
        self.stream.set_timeouts(t)
    }

    /// Sends one command (not waiting for the reply).
    pub fn send<A: AsRef<[u8]>>(&mut self, args: &[A]) -> io::Result<()> {
        self.out.clear();
        encode_request(&mut self.out, args);
        self.stream.write_all(&self.out)
    }

    /// Sends bytes as they are (pipelines, inline commands).
    pub fn send_raw(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.stream.write_all(bytes)
    }

    /// Reads the next frame (a reply or a push), waiting as the timeout allows.
    pub fn read_frame(&mut self) -> Result<Frame, ClientError> {
        loop {
            if let Some(f) = self.dec.decode(&mut self.buf)? {
                return Ok(f);
            }
            self.fill()?;
        }
    }

    /// Returns a frame if one is already buffered, without reading the socket.
    pub fn try_buffered(&mut self) -> Result<Option<Frame>, ClientError> {
        Ok(self.dec.decode(&mut self.buf)?)
    }

    fn fill(&mut self) -> Result<(), ClientError> {
        self.buf.reserve(16 * 1024);
        let len = self.buf.len();
        let cap = self.buf.capacity();
        // No unsafe: read into a zeroed tail, then truncate to what was read.
        self.buf.resize(cap, 0);
        match self.stream.read(&mut self.buf[len..]) {
            Ok(0) => {
                self.buf.truncate(len);
                Err(ClientError::Closed)
            }
            Ok(n) => {
                self.buf.truncate(len + n);
                Ok(())
            }
            Err(e) => {
                self.buf.truncate(len);
                Err(e.into())
            }
        }
    }

    /// Sends a command and returns its reply. RESP3 push frames that arrive first are handed
    /// to `on_push` (pass `|_| {}` to drop them).
    pub fn call_with_pushes<A: AsRef<[u8]>>(
        &mut self,
        args: &[A],
        mut on_push: impl FnMut(Frame),
    ) -> Result<Frame, ClientError> {
        self.send(args)?;
        loop {
            match self.read_frame()? {
                Frame::Push(items) => on_push(Frame::Push(items)),
                f => return Ok(f),
            }
        }
    }

    /// Sends a command and returns its reply, dropping any push frames before it.
    pub fn call<A: AsRef<[u8]>>(&mut self, args: &[A]) -> Result<Frame, ClientError> {
        self.call_with_pushes(args, |_| {})
    }
}

/// Parses `redis://[[user]:password@]host[:port][/db]` (also `zedis://`, and `unix:///path`
/// or `redis+unix:///path`), redis-cli's `-u`. Percent-escapes in user and password are decoded.
pub fn parse_uri(uri: &str) -> Result<ConnectOptions, ClientError> {
    let bad = |why: &str| ClientError::BadUri(format!("{why}: {uri}"));
    let mut opts = ConnectOptions::default();
    let (scheme, rest) = uri.split_once("://").ok_or_else(|| bad("missing scheme"))?;
    match scheme {
        "redis" | "zedis" => {}
        "unix" | "redis+unix" => {
            opts.endpoint = Endpoint::Unix(PathBuf::from(rest));
            return Ok(opts);
        }
        "rediss" => return Err(bad("TLS (rediss://) is not supported")),
        _ => return Err(bad("unknown scheme")),
    }
    let (auth, hostpart) = match rest.rsplit_once('@') {
        Some((a, h)) => (Some(a), h),
        None => (None, rest),
    };
    if let Some(a) = auth {
        match a.split_once(':') {
            Some((u, p)) => {
                if !u.is_empty() {
                    opts.user = Some(percent_decode(u).map_err(|_| bad("bad escape"))?);
                }
                opts.password = Some(percent_decode(p).map_err(|_| bad("bad escape"))?);
            }
            None => opts.password = Some(percent_decode(a).map_err(|_| bad("bad escape"))?),
        }
    }
    let (hostport, db) = match hostpart.split_once('/') {
        Some((h, d)) if !d.is_empty() => (h, Some(d)),
        Some((h, _)) => (h, None),
        None => (hostpart, None),
    };
    if let Some(d) = db {
        opts.db = d.parse().map_err(|_| bad("bad database number"))?;
    }
    let (host, port) = if let Some(v6) = hostport.strip_prefix('[') {
        let (h, after) = v6.split_once(']').ok_or_else(|| bad("unclosed ["))?;
        (h, after.strip_prefix(':'))
    } else {
        match hostport.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (hostport, None),
        }
    };
    let port = match port {
        Some(p) if !p.is_empty() => p.parse().map_err(|_| bad("bad port"))?,
        _ => 6379,
    };
    let host = if host.is_empty() { "127.0.0.1" } else { host };
    opts.endpoint = Endpoint::Tcp {
        host: host.to_string(),
        port,
    };
    Ok(opts)
}

fn percent_decode(s: &str) -> Result<String, ()> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = b.get(i + 1..i + 3).ok_or(())?;
            let hex = std::str::from_utf8(hex).map_err(|_| ())?;
            out.push(u8::from_str_radix(hex, 16).map_err(|_| ())?);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uri_forms() {
        let o = parse_uri("redis://u:p%40ss@example.com:6380/3").unwrap();
        assert_eq!(o.user.as_deref(), Some("u"));
        assert_eq!(o.password.as_deref(), Some("p@ss"));
        assert_eq!(o.db, 3);
        assert_eq!(
            o.endpoint,
            Endpoint::Tcp {
                host: "example.com".into(),
                port: 6380
            }
        );
        let o = parse_uri("redis://:secret@[::1]").unwrap();
        assert_eq!(o.user, None);
        assert_eq!(o.password.as_deref(), Some("secret"));
        assert_eq!(o.endpoint.to_string(), "[::1]:6379");
        assert!(parse_uri("http://x").is_err());
        assert!(parse_uri("redis://h:notaport").is_err());
        assert_eq!(
            parse_uri("unix:///tmp/z.sock").unwrap().endpoint,
            Endpoint::Unix("/tmp/z.sock".into())
        );
    }
}
