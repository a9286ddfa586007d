//! `RawConn`: a blocking, byte-exact client connection for tests.
//!
//! It owns request encoding and reply framing only: it returns the exact bytes a server sent,
//! never interpreted values, so tests can compare replies byte for byte. Reply boundaries come
//! from `zedis::resp::Frame::parse`. Every read has a timeout so a hung server fails the test
//! instead of hanging it. Knows nothing about corpora or which server is on the other end.

use std::fmt;
use std::io::{self, Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use zedis::resp::Frame;

/// Default limit for one blocking read.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);

/// Why [`RawConn::read_reply`] produced no reply.
#[derive(Debug)]
pub enum ReadError {
    /// Nothing complete arrived within the read timeout; `partial` is what did arrive.
    Timeout { partial: Vec<u8> },
    /// The server closed the connection; `partial` is what arrived before the close.
    Closed { partial: Vec<u8> },
    /// The bytes are not valid RESP.
    Malformed { bytes: Vec<u8> },
    /// Any other socket error.
    Io(io::Error),
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let esc = |b: &[u8]| crate::escape::escape_truncated(b, 200);
        match self {
            ReadError::Timeout { partial } if partial.is_empty() => f.write_str("<timeout>"),
            ReadError::Timeout { partial } => write!(f, "<timeout after {}>", esc(partial)),
            ReadError::Closed { partial } if partial.is_empty() => {
                f.write_str("<connection closed>")
            }
            ReadError::Closed { partial } => {
                write!(f, "<connection closed after {}>", esc(partial))
            }
            ReadError::Malformed { bytes } => write!(f, "<malformed reply {}>", esc(bytes)),
            ReadError::Io(e) => write!(f, "<i/o error: {}>", io_kind_text(e)),
        }
    }
}

impl std::error::Error for ReadError {}

/// A stable description of an I/O error (the OS message text can include varying details).
fn io_kind_text(e: &io::Error) -> String {
    format!("{:?}", e.kind())
}

/// True for errors that mean "the peer is gone" rather than "something is broken here".
fn is_disconnect(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::BrokenPipe
            | io::ErrorKind::UnexpectedEof
    )
}

fn is_timeout(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
    )
}

/// What [`RawConn::read_until_quiet`] saw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Drained {
    /// Every byte received.
    pub bytes: Vec<u8>,
    /// Whether the server closed the connection (rather than just going quiet).
    pub closed: bool,
}

/// A raw RESP client connection over a blocking [`TcpStream`].
#[derive(Debug)]
pub struct RawConn {
    stream: TcpStream,
    /// Bytes received but not yet returned (the start of the next reply when pipelining).
    pending: Vec<u8>,
    timeout: Duration,
}

impl RawConn {
    /// Connects to 127.0.0.1:`port` with the [`DEFAULT_TIMEOUT`].
    pub fn connect(port: u16) -> io::Result<Self> {
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
        let stream = TcpStream::connect_timeout(&addr, DEFAULT_TIMEOUT)?;
        stream.set_nodelay(true)?;
        stream.set_write_timeout(Some(DEFAULT_TIMEOUT))?;
        Ok(Self {
            stream,
            pending: Vec::new(),
            timeout: DEFAULT_TIMEOUT,
        })
    }

    /// Changes the limit for one blocking read (and write).
    pub fn set_timeout(&mut self, timeout: Duration) -> io::Result<()> {
        self.stream.set_write_timeout(Some(timeout))?;
        self.timeout = timeout;
        Ok(())
    }

    /// Encodes `args` as one RESP multibulk request and writes it.
    pub fn send<A: AsRef<[u8]>>(&mut self, args: &[A]) -> io::Result<()> {
        self.send_raw(&encode_request(args))
    }

    /// Writes `bytes` exactly as given.
    pub fn send_raw(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.stream.write_all(bytes)?;
        self.stream.flush()
    }

    /// Sends one request and returns the exact bytes of its reply.
    pub fn request<A: AsRef<[u8]>>(&mut self, args: &[A]) -> Result<Vec<u8>, ReadError> {
        self.send(args).map_err(|e| {
            if is_disconnect(&e) {
                ReadError::Closed {
                    partial: Vec::new(),
                }
            } else {
                ReadError::Io(e)
            }
        })?;
        self.read_reply()
    }

    /// Returns the exact bytes of the next complete reply (RESP2 or RESP3, including any
    /// out-of-band push that arrives first: each call returns one top-level frame).
    pub fn read_reply(&mut self) -> Result<Vec<u8>, ReadError> {
        let deadline = Instant::now() + self.timeout;
        loop {
            match Frame::parse(&self.pending) {
                Ok(Some((_, len))) if len <= self.pending.len() => {
                    let rest = self.pending.split_off(len);
                    return Ok(std::mem::replace(&mut self.pending, rest));
                }
                Ok(_) => {}
                Err(_) => {
                    return Err(ReadError::Malformed {
                        bytes: std::mem::take(&mut self.pending),
                    })
                }
            }
            let now = Instant::now();
            if now >= deadline {
                return Err(ReadError::Timeout {
                    partial: std::mem::take(&mut self.pending),
                });
            }
            match self.fill(deadline - now) {
                Ok(0) => {
                    return Err(ReadError::Closed {
                        partial: std::mem::take(&mut self.pending),
                    })
                }
                Ok(_) => {}
                Err(e) if is_timeout(&e) => {}
                Err(e) if is_disconnect(&e) => {
                    return Err(ReadError::Closed {
                        partial: std::mem::take(&mut self.pending),
                    })
                }
                Err(e) => return Err(ReadError::Io(e)),
            }
        }
    }

    /// Reads everything until the server closes the connection (for protocol-error tests).
    /// Fails with [`ReadError::Timeout`] if the connection is still open after the timeout.
    pub fn read_until_closed(&mut self) -> Result<Vec<u8>, ReadError> {
        let drained = self.read_until_quiet(self.timeout)?;
        if drained.closed {
            Ok(drained.bytes)
        } else {
            Err(ReadError::Timeout {
                partial: drained.bytes,
            })
        }
    }

    /// Reads everything the server sends until it closes the connection or sends nothing for
    /// `quiet`. Gives up (returning what it has, `closed: false`) after the connection's timeout
    /// even if bytes keep trickling in.
    pub fn read_until_quiet(&mut self, quiet: Duration) -> Result<Drained, ReadError> {
        let deadline = Instant::now() + self.timeout.max(quiet);
        let mut bytes = std::mem::take(&mut self.pending);
        loop {
            let now = Instant::now();
            if now >= deadline {
                return Ok(Drained {
                    bytes,
                    closed: false,
                });
            }
            let result = self.fill(quiet.min(deadline - now));
            bytes.append(&mut self.pending);
            match result {
                Ok(0) => {
                    return Ok(Drained {
                        bytes,
                        closed: true,
                    })
                }
                Ok(_) => {}
                Err(e) if is_timeout(&e) => {
                    return Ok(Drained {
                        bytes,
                        closed: false,
                    })
                }
                Err(e) if is_disconnect(&e) => {
                    return Ok(Drained {
                        bytes,
                        closed: true,
                    })
                }
                Err(e) => return Err(ReadError::Io(e)),
            }
        }
    }

    /// One `read` into `pending`, waiting at most `wait`.
    fn fill(&mut self, wait: Duration) -> io::Result<usize> {
        // A zero timeout means "block forever" to the OS, so never pass one.
        let wait = wait.max(Duration::from_millis(1));
        self.stream.set_read_timeout(Some(wait))?;
        let mut chunk = [0u8; 16 * 1024];
        let n = self.stream.read(&mut chunk)?;
        self.pending
            .extend_from_slice(chunk.get(..n).unwrap_or_default());
        Ok(n)
    }
}

/// Encodes `args` as a RESP multibulk request (`*N\r\n$len\r\narg\r\n...`).
pub fn encode_request<A: AsRef<[u8]>>(args: &[A]) -> Vec<u8> {
    let mut out = format!("*{}\r\n", args.len()).into_bytes();
    for arg in args {
        let arg = arg.as_ref();
        out.extend_from_slice(format!("${}\r\n", arg.len()).as_bytes());
        out.extend_from_slice(arg);
        out.extend_from_slice(b"\r\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_binary_arguments() {
        assert_eq!(
            encode_request(&[&b"SET"[..], b"", b"\x00\r\n"]),
            b"*3\r\n$3\r\nSET\r\n$0\r\n\r\n$3\r\n\x00\r\n\r\n".to_vec()
        );
    }
}
