//! Typed Redis error replies. Handlers return these instead of formatting error strings, so the
//! wording lives in one place and INFO errorstats can count errors by their prefix.

use std::borrow::Cow;
use thiserror::Error;

/// An error reply. `Display` is the exact text after the leading `-`.
#[derive(Debug, Clone, Error, PartialEq, Eq)]
pub enum CmdError {
    /// `-ERR <msg>`.
    #[error("ERR {0}")]
    Err(Cow<'static, str>),
    /// A complete message that carries its own prefix (`WRONGTYPE ...`, `NOAUTH ...`).
    #[error("{0}")]
    Full(Cow<'static, str>),
    /// A complete `ERR ...` message that echoes client bytes verbatim (they need not be UTF-8).
    #[error("{}", String::from_utf8_lossy(.0))]
    Raw(Vec<u8>),
}

pub type CmdResult = Result<(), CmdError>;

impl CmdError {
    pub fn err(msg: impl Into<Cow<'static, str>>) -> CmdError {
        CmdError::Err(msg.into())
    }
    pub fn full(msg: impl Into<Cow<'static, str>>) -> CmdError {
        CmdError::Full(msg.into())
    }
    pub fn syntax() -> CmdError {
        CmdError::err("syntax error")
    }
    pub fn wrong_type() -> CmdError {
        CmdError::full("WRONGTYPE Operation against a key holding the wrong kind of value")
    }
    pub fn not_int() -> CmdError {
        CmdError::err("value is not an integer or out of range")
    }
    pub fn not_float() -> CmdError {
        CmdError::err("value is not a valid float")
    }
    pub fn overflow() -> CmdError {
        CmdError::err("increment or decrement would overflow")
    }
    pub fn no_such_key() -> CmdError {
        CmdError::err("no such key")
    }
    pub fn db_range() -> CmdError {
        CmdError::err("DB index is out of range")
    }
    pub fn invalid_expire(cmd: &str) -> CmdError {
        CmdError::err(format!("invalid expire time in '{cmd}' command"))
    }
    pub fn too_big() -> CmdError {
        CmdError::err("string exceeds maximum allowed size (proto-max-bulk-len)")
    }
    pub fn noauth() -> CmdError {
        CmdError::full("NOAUTH Authentication required.")
    }
    pub fn wrongpass() -> CmdError {
        CmdError::full("WRONGPASS invalid username-password pair or user is disabled.")
    }
    pub fn arity(fullname: &str) -> CmdError {
        CmdError::err(format!(
            "wrong number of arguments for '{fullname}' command"
        ))
    }
    pub fn unknown_subcommand(sub: &[u8], cmd: &str) -> CmdError {
        let mut m = b"ERR unknown subcommand '".to_vec();
        m.extend_from_slice(&sub[..sub.len().min(128)]);
        m.extend_from_slice(format!("'. Try {} HELP.", cmd.to_ascii_uppercase()).as_bytes());
        CmdError::Raw(m)
    }
    /// Redis's `addReplySubcommandSyntaxError`: a known subcommand with too many arguments.
    pub fn subcommand_syntax(sub: &[u8], cmd: &str) -> CmdError {
        let mut m = b"ERR unknown subcommand or wrong number of arguments for '".to_vec();
        m.extend_from_slice(&sub[..sub.len().min(128)]);
        m.extend_from_slice(format!("'. Try {} HELP.", cmd.to_ascii_uppercase()).as_bytes());
        CmdError::Raw(m)
    }

    /// The bytes of the reply after the leading `-`.
    pub fn to_bytes(&self) -> Vec<u8> {
        match self {
            CmdError::Raw(b) => b.clone(),
            e => e.to_string().into_bytes(),
        }
    }

    /// The error's code (first word), as INFO errorstats counts it.
    pub fn code(&self) -> &str {
        match self {
            CmdError::Err(_) => "ERR",
            CmdError::Full(m) => m.split(' ').next().unwrap_or("ERR"),
            CmdError::Raw(_) => "ERR",
        }
    }
}

/// Lossy text of at most `max` bytes of `b`, for echoing user input in an error.
pub fn truncate(b: &[u8], max: usize) -> String {
    String::from_utf8_lossy(&b[..b.len().min(max)]).into_owned()
}
