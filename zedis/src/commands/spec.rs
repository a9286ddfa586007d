//! The shape of the command table: one `CommandSpec` per command (and per subcommand), holding
//! everything dispatch, `COMMAND`, `COMMAND DOCS`, the REPL's hints and the docs need.
//!
//! This module only defines the types; the data lives in `table.rs` and the handlers in the
//! per-family modules. Nothing else in the code base lists commands.

use super::{CmdResult, Ctx};
use bytes::Bytes;

/// A command implementation. `args[0]` is the command name as sent (for subcommands, `args[1]` is
/// the subcommand name).
pub type Handler = fn(&mut Ctx<'_>, &[Bytes]) -> CmdResult;

/// Documentation groups, as `COMMAND DOCS` reports them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Group {
    Connection,
    String,
    Bitmap,
    Generic,
    Server,
    List,
    Hash,
    Set,
    SortedSet,
    HyperLogLog,
    Geo,
    PubSub,
    Transactions,
    Scripting,
    Stream,
}

impl Group {
    pub fn name(self) -> &'static str {
        match self {
            Group::Connection => "connection",
            Group::String => "string",
            Group::Bitmap => "bitmap",
            Group::Generic => "generic",
            Group::Server => "server",
            Group::List => "list",
            Group::Hash => "hash",
            Group::Set => "set",
            Group::SortedSet => "sorted-set",
            Group::HyperLogLog => "hyperloglog",
            Group::Geo => "geo",
            Group::PubSub => "pubsub",
            Group::Transactions => "transactions",
            Group::Scripting => "scripting",
            Group::Stream => "stream",
        }
    }
}

/// How a key spec finds its first key.
#[derive(Clone, Copy, Debug)]
pub enum BeginSearch {
    Index(i32),
    Keyword {
        keyword: &'static str,
        startfrom: i32,
    },
    Unknown,
}

/// How a key spec finds the rest of its keys.
#[derive(Clone, Copy, Debug)]
pub enum FindKeys {
    Range {
        lastkey: i32,
        step: i32,
        limit: i32,
    },
    Keynum {
        keynumidx: i32,
        firstkey: i32,
        step: i32,
    },
    Unknown,
}

/// Redis 7 key specification (`COMMAND INFO` element 9).
#[derive(Clone, Copy, Debug)]
pub struct KeySpec {
    pub flags: &'static [&'static str],
    pub begin: BeginSearch,
    pub find: FindKeys,
}

/// Argument types of the grammar, as `COMMAND DOCS` names them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArgKind {
    String,
    Integer,
    Double,
    Key,
    Pattern,
    UnixTime,
    PureToken,
    OneOf,
    Block,
}

impl ArgKind {
    pub fn name(self) -> &'static str {
        match self {
            ArgKind::String => "string",
            ArgKind::Integer => "integer",
            ArgKind::Double => "double",
            ArgKind::Key => "key",
            ArgKind::Pattern => "pattern",
            ArgKind::UnixTime => "unix-time",
            ArgKind::PureToken => "pure-token",
            ArgKind::OneOf => "oneof",
            ArgKind::Block => "block",
        }
    }
}

/// One node of a command's argument grammar.
#[derive(Clone, Copy, Debug)]
pub struct Arg {
    pub name: &'static str,
    pub kind: ArgKind,
    /// Index into the command's key specs for `key` arguments, else -1.
    pub key_spec_index: i32,
    pub token: Option<&'static str>,
    pub display: Option<&'static str>,
    pub since: Option<&'static str>,
    pub optional: bool,
    pub multiple: bool,
    pub multiple_token: bool,
    pub children: &'static [Arg],
}

/// One command or subcommand.
#[derive(Clone, Copy, Debug)]
pub struct CommandSpec {
    /// Lower-case name; for a subcommand, the bare subcommand name ("list" for CLIENT LIST).
    pub name: &'static str,
    /// Redis arity: positive = exact argument count including the name, negative = at least -arity.
    pub arity: i32,
    /// Command flags as `COMMAND INFO` prints them ("write", "readonly", "fast", ...).
    pub flags: &'static [&'static str],
    pub first_key: i32,
    pub last_key: i32,
    pub step: i32,
    /// ACL categories with their "@" ("@string", "@fast").
    pub acl: &'static [&'static str],
    /// Command tips ("nondeterministic_output", "request_policy:all_shards", ...).
    pub tips: &'static [&'static str],
    pub key_specs: &'static [KeySpec],
    pub group: Group,
    pub since: &'static str,
    /// Time complexity, in our words.
    pub complexity: &'static str,
    /// One-line summary, in our words.
    pub summary: &'static str,
    pub args: &'static [Arg],
    pub subcommands: &'static [CommandSpec],
    /// None for container commands whose every form is a subcommand.
    pub handler: Option<Handler>,
}

impl CommandSpec {
    pub fn has_flag(&self, flag: &str) -> bool {
        self.flags.contains(&flag)
    }

    /// Whether `argc` arguments (including the name) satisfy the arity.
    #[inline]
    pub fn arity_ok(&self, argc: usize) -> bool {
        let argc = argc as i64;
        let a = self.arity as i64;
        (a > 0 && argc == a) || (a < 0 && argc >= -a)
    }

    pub fn subcommand(&self, name: &[u8]) -> Option<&'static CommandSpec> {
        self.subcommands
            .iter()
            .find(|s| s.name.as_bytes().eq_ignore_ascii_case(name))
    }
}
