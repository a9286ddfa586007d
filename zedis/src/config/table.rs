//! The table of every redis-server 7.0 configuration parameter (including
//! the TLS ones a TLS-enabled build exposes) and the per-type semantics
//! Redis attaches to it: how an argument list is validated and parsed, how a
//! value is rendered for CONFIG GET, and which line CONFIG REWRITE emits.
//!
//! This module knows parameter names, flags, bounds, defaults and error
//! texts. It does not know where values are stored (`Config` in `mod.rs`
//! decides between typed fields and generic slots), how files are read, or
//! what applying a change to a running server means.

use std::path::{Path, PathBuf};

use super::parse::{
    cstr, fmt_trimmed_double, memtoull, repr, resolve, strerror, string2d, string2ll, strtoll,
};
use super::{ClientBufferLimit, Config, NotifyFlags, SaveMode};

// Parameter flags, named after Redis's.
pub(crate) const IMMUTABLE: u16 = 1 << 0;
pub(crate) const SENSITIVE: u16 = 1 << 1;
pub(crate) const MULTI_ARG: u16 = 1 << 3;
pub(crate) const HIDDEN: u16 = 1 << 4;
pub(crate) const PROTECTED: u16 = 1 << 5;
pub(crate) const DENY_LOADING: u16 = 1 << 6;
/// Setting it always counts as a change (TLS files may change on disk).
pub(crate) const VOLATILE: u16 = 1 << 9;
const MODIFIABLE: u16 = 0;

// Numeric parsing flags.
const INTEGER: u8 = 0;
const MEMORY: u8 = 1 << 0;
const PERCENT: u8 = 1 << 1;
const OCTAL: u8 = 1 << 2;

pub(crate) const MIN_HZ: u32 = 1;
pub(crate) const MAX_HZ: u32 = 500;
const BINDADDR_MAX: usize = 16;
/// `LOADBUF_SIZE - 1`: Redis formats long error messages into 256 bytes.
const LOADBUF_MAX: usize = 255;

const INT_MAX: i64 = i32::MAX as i64;
const INT_MIN: i64 = i32::MIN as i64;
const UINT_MAX: i64 = u32::MAX as i64;
const LONG_MAX: i64 = i64::MAX;
const LLONG_MAX: i64 = i64::MAX;
/// ULLONG_MAX as the C table stores it in a `long long`.
const ULLONG_MAX_BITS: i64 = -1;

/// The C storage type, which decides how bounds are compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NumType {
    Int,
    UInt,
    ULong,
    LongLong,
    ULongLong,
    SizeT,
    SSizeT,
    OffT,
    TimeT,
}

impl NumType {
    /// Redis compares bounds as unsigned only for these three types.
    fn unsigned_bounds(self) -> bool {
        matches!(self, NumType::ULongLong | NumType::UInt | NumType::SizeT)
    }
}

pub(crate) type EnumTable = &'static [(&'static str, i32)];
type BoolCheck = fn(bool) -> Result<(), &'static str>;
type StrCheck = fn(&[u8], &Config) -> Result<(), &'static str>;
type EnumCheck = fn(i32) -> Result<(), &'static str>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Special {
    Dir,
    Save,
    ClientOutputBufferLimit,
    OomScoreAdjValues,
    NotifyKeyspaceEvents,
    Bind,
    ReplicaOf,
    LatencyTrackingInfoPercentiles,
}

pub(crate) enum Kind {
    Bool {
        default: bool,
        check: Option<BoolCheck>,
    },
    /// `string` (C string: truncated at NUL) or `sds` (binary safe).
    Str {
        default: Option<&'static str>,
        empty_is_null: bool,
        binary: bool,
        check: Option<StrCheck>,
    },
    Enum {
        table: EnumTable,
        default: i32,
        check: Option<EnumCheck>,
    },
    Num {
        ty: NumType,
        min: i64,
        max: i64,
        default: i64,
        flags: u8,
    },
    Special(Special),
}

/// What CONFIG SET must do after storing a changed value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Apply {
    None,
    /// Clamp into [MIN_HZ, MAX_HZ]; done here, it needs no server.
    Hz,
    /// Needs the running server; identified by a group key so that several
    /// parameters sharing one Redis apply function trigger it once.
    Hook(&'static str),
}

pub(crate) struct Param {
    pub name: &'static str,
    pub alias: Option<&'static str>,
    pub flags: u16,
    pub kind: Kind,
    pub apply: Apply,
}

/// A stored parameter value; typed fields in `Config` convert to and from it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value {
    Bool(bool),
    Str(Option<Vec<u8>>),
    Enum(i32),
    /// Every numeric type, as the C `long long` Redis passes around.
    Num(i64),
    Dir(PathBuf),
    Save(Vec<(i64, i64)>),
    Obuf([ClientBufferLimit; 3]),
    Oom([i32; 3]),
    Notify(NotifyFlags),
    Bind(Vec<String>),
    ReplicaOf(Option<(String, i32)>),
    Percentiles(Vec<f64>),
}

// ---------------------------------------------------------------------------
// Enumerations (names in Redis's order: it decides error texts and which
// name wins when two share a value)
// ---------------------------------------------------------------------------

pub(crate) const LOGLEVEL: EnumTable =
    &[("debug", 0), ("verbose", 1), ("notice", 2), ("warning", 3)];
pub(crate) const MAXMEMORY_POLICY: EnumTable = &[
    ("volatile-lru", 0),
    ("volatile-lfu", 1),
    ("volatile-random", 2),
    ("volatile-ttl", 3),
    ("allkeys-lru", 4),
    ("allkeys-lfu", 5),
    ("allkeys-random", 6),
    ("noeviction", 7),
];
pub(crate) const APPENDFSYNC: EnumTable = &[("everysec", 2), ("always", 1), ("no", 0)];
/// zedis only: which format SAVE/BGSAVE write.
pub(crate) const SNAPSHOT_FORMAT: EnumTable = &[("native", 0), ("redis", 1)];
const SYSLOG_FACILITY: EnumTable = &[
    ("user", 0),
    ("local0", 1),
    ("local1", 2),
    ("local2", 3),
    ("local3", 4),
    ("local4", 5),
    ("local5", 6),
    ("local6", 7),
    ("local7", 8),
];
const SUPERVISED: EnumTable = &[("upstart", 3), ("systemd", 2), ("auto", 1), ("no", 0)];
const SHUTDOWN_ON_SIG: EnumTable = &[
    ("default", 0),
    ("save", 1),
    ("nosave", 2),
    ("now", 4),
    ("force", 8),
];
const REPL_DISKLESS_LOAD: EnumTable = &[("disabled", 0), ("on-empty-db", 1), ("swapdb", 2)];
const TLS_AUTH_CLIENTS: EnumTable = &[("no", 0), ("yes", 1), ("optional", 2)];
const OOM_SCORE_ADJ: EnumTable = &[("no", 0), ("yes", 1), ("relative", 1), ("absolute", 2)];
const ACL_PUBSUB_DEFAULT: EnumTable = &[("allchannels", 1 << 3), ("resetchannels", 0)];
const SANITIZE_DUMP_PAYLOAD: EnumTable = &[("no", 0), ("yes", 1), ("clients", 2)];
pub(crate) const PROTECTED_ACTION: EnumTable = &[("no", 0), ("yes", 1), ("local", 2)];
const CLUSTER_ENDPOINT_TYPE: EnumTable = &[("ip", 0), ("hostname", 1), ("unknown-endpoint", 2)];
const PROPAGATION_ERROR_BEHAVIOR: EnumTable =
    &[("ignore", 0), ("panic", 1), ("panic-on-replicas", 2)];

// ---------------------------------------------------------------------------
// Validators (texts verbatim from Redis)
// ---------------------------------------------------------------------------

fn check_activedefrag(v: bool) -> Result<(), &'static str> {
    // zedis, like a Redis built without its patched jemalloc, cannot defrag.
    if v {
        Err("Active defragmentation cannot be enabled: it requires a Redis server compiled with a modified Jemalloc like the one shipped by default with the Redis source distribution")
    } else {
        Ok(())
    }
}

fn is_base_name(v: &[u8]) -> bool {
    !v.contains(&b'/') && !v.contains(&b'\\')
}

fn check_cpulist(v: &[u8], _: &Config) -> Result<(), &'static str> {
    if v.is_empty() {
        return Ok(());
    }
    let ok = std::str::from_utf8(v)
        .ok()
        .is_some_and(|s| crate::server::affinity::parse(s).is_ok());
    if ok {
        Ok(())
    } else {
        Err("not a CPU list: comma-separated CPU numbers, ranges (a-b) or stepped ranges (a-b:step), e.g. 0-7:2")
    }
}

fn check_dbfilename(v: &[u8], _: &Config) -> Result<(), &'static str> {
    if is_base_name(v) {
        Ok(())
    } else {
        Err("dbfilename can't be a path, just a filename")
    }
}

fn check_appendfilename(v: &[u8], _: &Config) -> Result<(), &'static str> {
    if v.is_empty() {
        Err("appendfilename can't be empty")
    } else if !is_base_name(v) {
        Err("appendfilename can't be a path, just a filename")
    } else {
        Ok(())
    }
}

fn check_appenddirname(v: &[u8], _: &Config) -> Result<(), &'static str> {
    if v.is_empty() {
        Err("appenddirname can't be empty")
    } else if !is_base_name(v) {
        Err("appenddirname can't be a path, just a dirname")
    } else {
        Ok(())
    }
}

fn check_hostname(v: &[u8], _: &Config) -> Result<(), &'static str> {
    if v.len() >= 256 {
        return Err("Hostnames must be less than 256 characters");
    }
    if v.iter()
        .all(|&c| c.is_ascii_alphanumeric() || c == b'-' || c == b'.')
    {
        Ok(())
    } else {
        Err("Hostnames may only contain alphanumeric characters, hyphens or dots")
    }
}

/// A proc-title template is valid when it expands (known variables only)
/// to something non-blank with an empty title, against the current state.
fn check_proc_title(v: &[u8], cfg: &Config) -> Result<(), &'static str> {
    const BAD: &str = "template format is invalid or contains unknown variables";
    let mut out: Vec<u8> = Vec::new();
    let mut rest = v;
    while !rest.is_empty() {
        let Some(open) = rest.iter().position(|&b| b == b'{') else {
            out.extend_from_slice(rest);
            break;
        };
        let (before, after) = rest.split_at(open);
        out.extend_from_slice(before);
        let after = after.get(1..).unwrap_or(&[]);
        match after.first() {
            None => return Err(BAD),
            Some(b'{') => {
                out.push(b'{');
                rest = after.get(1..).unwrap_or(&[]);
                continue;
            }
            Some(_) => {}
        }
        let close = after.iter().position(|&b| b == b'}').ok_or(BAD)?;
        let (var, tail) = after.split_at(close);
        let port = cfg.port;
        let tls_port = cfg.num_by_name("tls-port");
        let value: Vec<u8> = match var {
            b"title" => Vec::new(),
            b"listen-addr" if port != 0 || tls_port != 0 => {
                let addr = cfg.bind.first().map_or("*", String::as_str);
                let p = if port != 0 { i64::from(port) } else { tls_port };
                format!("{addr}:{p}").into_bytes()
            }
            b"listen-addr" => {
                format!("unixsocket:{}", cfg.unixsocket.as_deref().unwrap_or("")).into_bytes()
            }
            b"server-mode" if cfg.cluster_enabled() => b"[cluster]".to_vec(),
            b"server-mode" => Vec::new(),
            b"config-file" => cfg.config_file().map_or(b"-".to_vec(), |p| {
                p.to_string_lossy().into_owned().into_bytes()
            }),
            b"port" => port.to_string().into_bytes(),
            b"tls-port" => tls_port.to_string().into_bytes(),
            b"unixsocket" => cfg.unixsocket.clone().unwrap_or_default().into_bytes(),
            _ => return Err(BAD),
        };
        out.extend_from_slice(&value);
        rest = tail.get(1..).unwrap_or(&[]);
    }
    if out.iter().all(|&b| b == b' ') {
        Err(BAD)
    } else {
        Ok(())
    }
}

fn check_shutdown_flags(v: i32) -> Result<(), &'static str> {
    if v & 1 != 0 && v & 2 != 0 {
        Err("shutdown options SAVE and NOSAVE can't be used simultaneously")
    } else {
        Ok(())
    }
}

// ---------------------------------------------------------------------------
// Table construction helpers
// ---------------------------------------------------------------------------

const fn boolean(
    name: &'static str,
    alias: Option<&'static str>,
    flags: u16,
    default: bool,
    apply: Apply,
) -> Param {
    Param {
        name,
        alias,
        flags,
        kind: Kind::Bool {
            default,
            check: None,
        },
        apply,
    }
}

const fn b(name: &'static str, flags: u16, default: bool) -> Param {
    boolean(name, None, flags, default, Apply::None)
}

/// A C-string parameter.
const fn string(
    name: &'static str,
    alias: Option<&'static str>,
    flags: u16,
    empty_is_null: bool,
    default: Option<&'static str>,
    check: Option<StrCheck>,
    apply: Apply,
) -> Param {
    Param {
        name,
        alias,
        flags,
        kind: Kind::Str {
            default,
            empty_is_null,
            binary: false,
            check,
        },
        apply,
    }
}

const fn s(
    name: &'static str,
    flags: u16,
    empty_is_null: bool,
    default: Option<&'static str>,
) -> Param {
    string(name, None, flags, empty_is_null, default, None, Apply::None)
}

/// A CPU list (`server::affinity`): checked when loaded, where Redis ignores a malformed one.
const fn cpulist(name: &'static str) -> Param {
    string(
        name,
        None,
        IMMUTABLE,
        true,
        None,
        Some(check_cpulist),
        Apply::None,
    )
}

const fn tls_str(name: &'static str, flags: u16) -> Param {
    string(name, None, flags, true, None, None, Apply::Hook("tls"))
}

const fn enumeration(
    name: &'static str,
    flags: u16,
    table: EnumTable,
    default: i32,
    check: Option<EnumCheck>,
    apply: Apply,
) -> Param {
    Param {
        name,
        alias: None,
        flags,
        kind: Kind::Enum {
            table,
            default,
            check,
        },
        apply,
    }
}

const fn e(name: &'static str, flags: u16, table: EnumTable, default: i32) -> Param {
    enumeration(name, flags, table, default, None, Apply::None)
}

#[allow(clippy::too_many_arguments)]
const fn num(
    name: &'static str,
    alias: Option<&'static str>,
    flags: u16,
    ty: NumType,
    min: i64,
    max: i64,
    default: i64,
    nflags: u8,
    apply: Apply,
) -> Param {
    Param {
        name,
        alias,
        flags,
        kind: Kind::Num {
            ty,
            min,
            max,
            default,
            flags: nflags,
        },
        apply,
    }
}

/// A plain `int` parameter with no alias and no apply hook.
const fn int(name: &'static str, flags: u16, min: i64, max: i64, default: i64) -> Param {
    num(
        name,
        None,
        flags,
        NumType::Int,
        min,
        max,
        default,
        INTEGER,
        Apply::None,
    )
}

const fn special(
    name: &'static str,
    alias: Option<&'static str>,
    flags: u16,
    sp: Special,
    apply: Apply,
) -> Param {
    Param {
        name,
        alias,
        flags,
        kind: Kind::Special(sp),
        apply,
    }
}

use NumType as T;

const MB: i64 = 1024 * 1024;

/// Every parameter in redis-server 7.0.15's `static_configs`, in its order.
#[rustfmt::skip]
pub(crate) static PARAMS: &[Param] = &[
    // Bool
    b("rdbchecksum", IMMUTABLE, true),
    b("daemonize", IMMUTABLE, false),
    b("io-threads-do-reads", IMMUTABLE, false),
    b("always-show-logo", IMMUTABLE, false),
    b("protected-mode", MODIFIABLE, true),
    b("rdbcompression", MODIFIABLE, true),
    b("rdb-del-sync-files", MODIFIABLE, false),
    b("activerehashing", MODIFIABLE, true),
    b("stop-writes-on-bgsave-error", MODIFIABLE, true),
    b("set-proc-title", IMMUTABLE, true),
    b("dynamic-hz", MODIFIABLE, true),
    b("lazyfree-lazy-eviction", MODIFIABLE, false),
    b("lazyfree-lazy-expire", MODIFIABLE, false),
    b("lazyfree-lazy-server-del", MODIFIABLE, false),
    b("lazyfree-lazy-user-del", MODIFIABLE, false),
    b("lazyfree-lazy-user-flush", MODIFIABLE, false),
    b("repl-disable-tcp-nodelay", MODIFIABLE, false),
    b("repl-diskless-sync", MODIFIABLE, true),
    b("aof-rewrite-incremental-fsync", MODIFIABLE, true),
    b("no-appendfsync-on-rewrite", MODIFIABLE, false),
    b("cluster-require-full-coverage", MODIFIABLE, true),
    b("rdb-save-incremental-fsync", MODIFIABLE, true),
    b("aof-load-truncated", MODIFIABLE, true),
    b("aof-use-rdb-preamble", MODIFIABLE, true),
    b("aof-timestamp-enabled", MODIFIABLE, false),
    boolean("cluster-replica-no-failover", Some("cluster-slave-no-failover"), MODIFIABLE, false, Apply::Hook("cluster-flags")),
    boolean("replica-lazy-flush", Some("slave-lazy-flush"), MODIFIABLE, false, Apply::None),
    boolean("replica-serve-stale-data", Some("slave-serve-stale-data"), MODIFIABLE, true, Apply::None),
    boolean("replica-read-only", Some("slave-read-only"), MODIFIABLE, true, Apply::None),
    boolean("replica-ignore-maxmemory", Some("slave-ignore-maxmemory"), MODIFIABLE, true, Apply::None),
    boolean("jemalloc-bg-thread", None, MODIFIABLE, true, Apply::Hook("jemalloc-bg-thread")),
    Param {
        name: "activedefrag",
        alias: None,
        flags: MODIFIABLE,
        kind: Kind::Bool {
            default: false,
            check: Some(check_activedefrag),
        },
        apply: Apply::None,
    },
    b("syslog-enabled", IMMUTABLE, false),
    b("cluster-enabled", IMMUTABLE, false),
    boolean("appendonly", None, MODIFIABLE | DENY_LOADING, false, Apply::Hook("appendonly")),
    b("cluster-allow-reads-when-down", MODIFIABLE, false),
    b("cluster-allow-pubsubshard-when-down", MODIFIABLE, true),
    boolean("crash-log-enabled", None, MODIFIABLE, true, Apply::Hook("crash-log-enabled")),
    b("crash-memcheck-enabled", MODIFIABLE, true),
    b("use-exit-on-panic", MODIFIABLE | HIDDEN, false),
    b("disable-thp", IMMUTABLE, true),
    b("cluster-allow-replica-migration", MODIFIABLE, true),
    b("replica-announced", MODIFIABLE, true),
    b("latency-tracking", MODIFIABLE, true),
    boolean("aof-disable-auto-gc", None, MODIFIABLE, false, Apply::Hook("aof-disable-auto-gc")),
    b("replica-ignore-disk-write-errors", MODIFIABLE, false),
    // String
    s("aclfile", IMMUTABLE, false, Some("")),
    s("unixsocket", IMMUTABLE, true, None),
    s("pidfile", IMMUTABLE, true, None),
    string("replica-announce-ip", Some("slave-announce-ip"), MODIFIABLE, true, None, None, Apply::None),
    s("masteruser", MODIFIABLE | SENSITIVE, true, None),
    string("cluster-announce-ip", None, MODIFIABLE, true, None, None, Apply::Hook("cluster-ip")),
    s("cluster-config-file", IMMUTABLE, false, Some("nodes.conf")),
    string("cluster-announce-hostname", None, MODIFIABLE, true, None, Some(check_hostname), Apply::Hook("cluster-hostname")),
    s("syslog-ident", IMMUTABLE, false, Some("redis")),
    string("dbfilename", None, MODIFIABLE | PROTECTED, false, Some("dump.zdb"), Some(check_dbfilename), Apply::None),
    string("appendfilename", None, IMMUTABLE, false, Some("appendonly.aof"), Some(check_appendfilename), Apply::None),
    string("appenddirname", None, IMMUTABLE, false, Some("appendonlydir"), Some(check_appenddirname), Apply::None),
    cpulist("server_cpulist"),
    cpulist("bio_cpulist"),
    cpulist("aof_rewrite_cpulist"),
    cpulist("bgsave_cpulist"),
    s("ignore-warnings", MODIFIABLE, false, Some("")),
    string("proc-title-template", None, MODIFIABLE, false, Some("{title} {listen-addr} {server-mode}"), Some(check_proc_title), Apply::Hook("proc-title-template")),
    s("bind-source-addr", MODIFIABLE, true, None),
    s("logfile", IMMUTABLE, false, Some("")),
    // SDS (binary safe)
    Param {
        name: "masterauth",
        alias: None,
        flags: MODIFIABLE | SENSITIVE,
        kind: Kind::Str {
            default: None,
            empty_is_null: true,
            binary: true,
            check: None,
        },
        apply: Apply::None,
    },
    Param {
        name: "requirepass",
        alias: None,
        flags: MODIFIABLE | SENSITIVE,
        kind: Kind::Str {
            default: None,
            empty_is_null: true,
            binary: true,
            check: None,
        },
        apply: Apply::Hook("requirepass"),
    },
    // Enum
    e("supervised", IMMUTABLE, SUPERVISED, 0),
    e("syslog-facility", IMMUTABLE, SYSLOG_FACILITY, 1),
    e("repl-diskless-load", MODIFIABLE | DENY_LOADING, REPL_DISKLESS_LOAD, 0),
    e("loglevel", MODIFIABLE, LOGLEVEL, 2),
    e("maxmemory-policy", MODIFIABLE, MAXMEMORY_POLICY, 7),
    e("appendfsync", MODIFIABLE, APPENDFSYNC, 2),
    e("snapshot-format", MODIFIABLE, SNAPSHOT_FORMAT, 0),
    enumeration("oom-score-adj", MODIFIABLE, OOM_SCORE_ADJ, 0, None, Apply::Hook("oom-score-adj")),
    e("acl-pubsub-default", MODIFIABLE, ACL_PUBSUB_DEFAULT, 0),
    e("sanitize-dump-payload", MODIFIABLE, SANITIZE_DUMP_PAYLOAD, 0),
    e("enable-protected-configs", IMMUTABLE, PROTECTED_ACTION, 0),
    e("enable-debug-command", IMMUTABLE, PROTECTED_ACTION, 0),
    e("enable-module-command", IMMUTABLE, PROTECTED_ACTION, 0),
    e("cluster-preferred-endpoint-type", MODIFIABLE, CLUSTER_ENDPOINT_TYPE, 0),
    e("propagation-error-behavior", MODIFIABLE, PROPAGATION_ERROR_BEHAVIOR, 0),
    enumeration("shutdown-on-sigint", MODIFIABLE | MULTI_ARG, SHUTDOWN_ON_SIG, 0, Some(check_shutdown_flags), Apply::None),
    enumeration("shutdown-on-sigterm", MODIFIABLE | MULTI_ARG, SHUTDOWN_ON_SIG, 0, Some(check_shutdown_flags), Apply::None),
    // int
    int("databases", IMMUTABLE, 1, INT_MAX, 16),
    num("port", None, MODIFIABLE, T::Int, 0, 65535, 6379, INTEGER, Apply::Hook("port")),
    int("io-threads", IMMUTABLE, 1, 128, 1),
    int("auto-aof-rewrite-percentage", MODIFIABLE, 0, INT_MAX, 100),
    num("cluster-replica-validity-factor", Some("cluster-slave-validity-factor"), MODIFIABLE, T::Int, 0, INT_MAX, 10, INTEGER, Apply::None),
    num("list-max-listpack-size", Some("list-max-ziplist-size"), MODIFIABLE, T::Int, INT_MIN, INT_MAX, -2, INTEGER, Apply::None),
    int("tcp-keepalive", MODIFIABLE, 0, INT_MAX, 300),
    int("cluster-migration-barrier", MODIFIABLE, 0, INT_MAX, 1),
    int("active-defrag-cycle-min", MODIFIABLE, 1, 99, 1),
    int("active-defrag-cycle-max", MODIFIABLE, 1, 99, 25),
    int("active-defrag-threshold-lower", MODIFIABLE, 0, 1000, 10),
    int("active-defrag-threshold-upper", MODIFIABLE, 0, 1000, 100),
    int("lfu-log-factor", MODIFIABLE, 0, INT_MAX, 10),
    int("lfu-decay-time", MODIFIABLE, 0, INT_MAX, 1),
    num("replica-priority", Some("slave-priority"), MODIFIABLE, T::Int, 0, INT_MAX, 100, INTEGER, Apply::None),
    int("repl-diskless-sync-delay", MODIFIABLE, 0, INT_MAX, 5),
    int("maxmemory-samples", MODIFIABLE, 1, INT_MAX, 5),
    int("maxmemory-eviction-tenacity", MODIFIABLE, 0, 100, 10),
    int("timeout", MODIFIABLE, 0, INT_MAX, 0),
    num("replica-announce-port", Some("slave-announce-port"), MODIFIABLE, T::Int, 0, 65535, 0, INTEGER, Apply::None),
    int("tcp-backlog", IMMUTABLE, 0, INT_MAX, 511),
    int("cluster-port", IMMUTABLE, 0, 65535, 0),
    num("cluster-announce-bus-port", None, MODIFIABLE, T::Int, 0, 65535, 0, INTEGER, Apply::Hook("cluster-announced-ports")),
    num("cluster-announce-port", None, MODIFIABLE, T::Int, 0, 65535, 0, INTEGER, Apply::Hook("cluster-announced-ports")),
    num("cluster-announce-tls-port", None, MODIFIABLE, T::Int, 0, 65535, 0, INTEGER, Apply::Hook("cluster-announced-ports")),
    int("repl-timeout", MODIFIABLE, 1, INT_MAX, 60),
    num("repl-ping-replica-period", Some("repl-ping-slave-period"), MODIFIABLE, T::Int, 1, INT_MAX, 10, INTEGER, Apply::None),
    int("list-compress-depth", MODIFIABLE, 0, INT_MAX, 0),
    int("rdb-key-save-delay", MODIFIABLE | HIDDEN, INT_MIN, INT_MAX, 0),
    int("key-load-delay", MODIFIABLE | HIDDEN, INT_MIN, INT_MAX, 0),
    int("active-expire-effort", MODIFIABLE, 1, 10, 1),
    num("hz", None, MODIFIABLE, T::Int, 0, INT_MAX, 10, INTEGER, Apply::Hz),
    num("min-replicas-to-write", Some("min-slaves-to-write"), MODIFIABLE, T::Int, 0, INT_MAX, 0, INTEGER, Apply::Hook("good-replicas")),
    num("min-replicas-max-lag", Some("min-slaves-max-lag"), MODIFIABLE, T::Int, 0, INT_MAX, 10, INTEGER, Apply::Hook("good-replicas")),
    num("watchdog-period", None, MODIFIABLE | HIDDEN, T::Int, 0, INT_MAX, 0, INTEGER, Apply::Hook("watchdog-period")),
    int("shutdown-timeout", MODIFIABLE, 0, INT_MAX, 10),
    int("repl-diskless-sync-max-replicas", MODIFIABLE, 0, INT_MAX, 0),
    // unsigned int
    num("maxclients", None, MODIFIABLE, T::UInt, 1, UINT_MAX, 10000, INTEGER, Apply::Hook("maxclients")),
    num("unixsocketperm", None, IMMUTABLE, T::UInt, 0, 0o777, 0, OCTAL, Apply::None),
    num("socket-mark-id", None, IMMUTABLE, T::UInt, 0, UINT_MAX, 0, INTEGER, Apply::None),
    // unsigned long
    num("active-defrag-max-scan-fields", None, MODIFIABLE, T::ULong, 1, LONG_MAX, 1000, INTEGER, Apply::None),
    num("slowlog-max-len", None, MODIFIABLE, T::ULong, 0, LONG_MAX, 128, INTEGER, Apply::None),
    num("acllog-max-len", None, MODIFIABLE, T::ULong, 0, LONG_MAX, 128, INTEGER, Apply::None),
    // long long
    num("busy-reply-threshold", Some("lua-time-limit"), MODIFIABLE, T::LongLong, 0, LONG_MAX, 5000, INTEGER, Apply::None),
    num("cluster-node-timeout", None, MODIFIABLE, T::LongLong, 0, LLONG_MAX, 15000, INTEGER, Apply::None),
    num("slowlog-log-slower-than", None, MODIFIABLE, T::LongLong, -1, LLONG_MAX, 10000, INTEGER, Apply::None),
    num("latency-monitor-threshold", None, MODIFIABLE, T::LongLong, 0, LLONG_MAX, 0, INTEGER, Apply::None),
    num("proto-max-bulk-len", None, MODIFIABLE, T::LongLong, MB, LONG_MAX, 512 * MB, MEMORY, Apply::None),
    num("stream-node-max-entries", None, MODIFIABLE, T::LongLong, 0, LLONG_MAX, 100, INTEGER, Apply::None),
    num("repl-backlog-size", None, MODIFIABLE, T::LongLong, 1, LLONG_MAX, MB, MEMORY, Apply::Hook("repl-backlog-size")),
    // unsigned long long
    num("maxmemory", None, MODIFIABLE, T::ULongLong, 0, ULLONG_MAX_BITS, 0, MEMORY, Apply::Hook("maxmemory")),
    num("cluster-link-sendbuf-limit", None, MODIFIABLE, T::ULongLong, 0, ULLONG_MAX_BITS, 0, MEMORY, Apply::None),
    // size_t / ssize_t
    num("hash-max-listpack-entries", Some("hash-max-ziplist-entries"), MODIFIABLE, T::SizeT, 0, LONG_MAX, 512, INTEGER, Apply::None),
    num("set-max-intset-entries", None, MODIFIABLE, T::SizeT, 0, LONG_MAX, 512, INTEGER, Apply::None),
    num("zset-max-listpack-entries", Some("zset-max-ziplist-entries"), MODIFIABLE, T::SizeT, 0, LONG_MAX, 128, INTEGER, Apply::None),
    num("active-defrag-ignore-bytes", None, MODIFIABLE, T::SizeT, 1, LLONG_MAX, 100 * MB, MEMORY, Apply::None),
    num("hash-max-listpack-value", Some("hash-max-ziplist-value"), MODIFIABLE, T::SizeT, 0, LONG_MAX, 64, MEMORY, Apply::None),
    num("stream-node-max-bytes", None, MODIFIABLE, T::SizeT, 0, LONG_MAX, 4096, MEMORY, Apply::None),
    num("zset-max-listpack-value", Some("zset-max-ziplist-value"), MODIFIABLE, T::SizeT, 0, LONG_MAX, 64, MEMORY, Apply::None),
    num("hll-sparse-max-bytes", None, MODIFIABLE, T::SizeT, 0, LONG_MAX, 3000, MEMORY, Apply::None),
    num("tracking-table-max-keys", None, MODIFIABLE, T::SizeT, 0, LONG_MAX, 1_000_000, INTEGER, Apply::None),
    num("client-query-buffer-limit", None, MODIFIABLE, T::SizeT, MB, LONG_MAX, 1024 * MB, MEMORY, Apply::None),
    num("maxmemory-clients", None, MODIFIABLE, T::SSizeT, -100, LONG_MAX, 0, MEMORY | PERCENT, Apply::Hook("maxmemory-clients")),
    // time_t / off_t
    num("repl-backlog-ttl", None, MODIFIABLE, T::TimeT, 0, LONG_MAX, 3600, INTEGER, Apply::None),
    num("auto-aof-rewrite-min-size", None, MODIFIABLE, T::OffT, 0, LLONG_MAX, 64 * MB, MEMORY, Apply::None),
    num("loading-process-events-interval-bytes", None, MODIFIABLE | HIDDEN, T::OffT, 1024, INT_MAX, 2 * MB, INTEGER, Apply::None),
    // TLS (present in TLS-enabled builds such as the reference server)
    num("tls-port", None, MODIFIABLE, T::Int, 0, 65535, 0, INTEGER, Apply::Hook("tls-port")),
    num("tls-session-cache-size", None, MODIFIABLE, T::Int, 0, INT_MAX, 20 * 1024, INTEGER, Apply::Hook("tls")),
    num("tls-session-cache-timeout", None, MODIFIABLE, T::Int, 0, INT_MAX, 300, INTEGER, Apply::Hook("tls")),
    boolean("tls-cluster", None, MODIFIABLE, false, Apply::Hook("tls")),
    boolean("tls-replication", None, MODIFIABLE, false, Apply::Hook("tls")),
    e("tls-auth-clients", MODIFIABLE, TLS_AUTH_CLIENTS, 1),
    boolean("tls-prefer-server-ciphers", None, MODIFIABLE, false, Apply::Hook("tls")),
    boolean("tls-session-caching", None, MODIFIABLE, true, Apply::Hook("tls")),
    tls_str("tls-cert-file", VOLATILE | MODIFIABLE),
    tls_str("tls-key-file", VOLATILE | MODIFIABLE),
    tls_str("tls-key-file-pass", MODIFIABLE),
    tls_str("tls-client-cert-file", VOLATILE | MODIFIABLE),
    tls_str("tls-client-key-file", VOLATILE | MODIFIABLE),
    tls_str("tls-client-key-file-pass", MODIFIABLE),
    tls_str("tls-dh-params-file", VOLATILE | MODIFIABLE),
    tls_str("tls-ca-cert-file", VOLATILE | MODIFIABLE),
    tls_str("tls-ca-cert-dir", VOLATILE | MODIFIABLE),
    tls_str("tls-protocols", MODIFIABLE),
    tls_str("tls-ciphers", MODIFIABLE),
    tls_str("tls-ciphersuites", MODIFIABLE),
    // Special
    special("dir", None, MODIFIABLE | PROTECTED | DENY_LOADING, Special::Dir, Apply::Hook("dir")),
    special("save", None, MODIFIABLE | MULTI_ARG, Special::Save, Apply::None),
    special("client-output-buffer-limit", None, MODIFIABLE | MULTI_ARG, Special::ClientOutputBufferLimit, Apply::None),
    special("oom-score-adj-values", None, MODIFIABLE | MULTI_ARG, Special::OomScoreAdjValues, Apply::Hook("oom-score-adj")),
    special("notify-keyspace-events", None, MODIFIABLE, Special::NotifyKeyspaceEvents, Apply::None),
    special("bind", None, MODIFIABLE | MULTI_ARG, Special::Bind, Apply::Hook("bind")),
    special("replicaof", Some("slaveof"), IMMUTABLE | MULTI_ARG, Special::ReplicaOf, Apply::None),
    special("latency-tracking-info-percentiles", None, MODIFIABLE | MULTI_ARG, Special::LatencyTrackingInfoPercentiles, Apply::None),
];

/// The parameter at a table index. Indexes only ever come from `lookup` or
/// from enumerating `PARAMS`, so a miss is a programming error; we still
/// answer with the first entry rather than panic.
pub(crate) fn param(idx: usize) -> &'static Param {
    PARAMS.get(idx).unwrap_or(&PARAMS[0])
}

/// Find a parameter by name or alias, case-insensitively. Returns its index
/// and the registered spelling that matched (the alias, for an alias), which
/// is the name Redis quotes in CONFIG SET errors.
pub(crate) fn lookup_with_name(name: &[u8]) -> Option<(usize, &'static str)> {
    PARAMS.iter().enumerate().find_map(|(i, p)| {
        if p.name.as_bytes().eq_ignore_ascii_case(name) {
            Some((i, p.name))
        } else {
            p.alias
                .filter(|a| a.as_bytes().eq_ignore_ascii_case(name))
                .map(|a| (i, a))
        }
    })
}

pub(crate) fn lookup(name: &[u8]) -> Option<usize> {
    lookup_with_name(name).map(|(i, _)| i)
}

/// Every registered name (primary names and aliases) with its index.
pub(crate) fn all_names() -> impl Iterator<Item = (&'static str, usize)> {
    PARAMS
        .iter()
        .enumerate()
        .flat_map(|(i, p)| std::iter::once((p.name, i)).chain(p.alias.map(|a| (a, i))))
}

// ---------------------------------------------------------------------------
// Defaults
// ---------------------------------------------------------------------------

pub(crate) const DEFAULT_SAVE: [(i64, i64); 3] = [(3600, 1), (300, 100), (60, 10000)];
pub(crate) const DEFAULT_OBUF: [ClientBufferLimit; 3] = [
    ClientBufferLimit {
        hard_limit_bytes: 0,
        soft_limit_bytes: 0,
        soft_limit_seconds: 0,
    },
    ClientBufferLimit {
        hard_limit_bytes: 256 << 20,
        soft_limit_bytes: 64 << 20,
        soft_limit_seconds: 60,
    },
    ClientBufferLimit {
        hard_limit_bytes: 32 << 20,
        soft_limit_bytes: 8 << 20,
        soft_limit_seconds: 60,
    },
];
const DEFAULT_OOM: [i32; 3] = [0, 200, 800];
/// Loopback only, as redis.conf ships it (Redis's compiled-in default is `* -::*`): a server
/// started with no configuration should not be reachable from the network. See docs/compat.md.
const DEFAULT_BIND: [&str; 2] = ["127.0.0.1", "-::1"];
const DEFAULT_PERCENTILES: [f64; 3] = [50.0, 99.0, 99.9];
const OBUF_CLASS_NAMES: [&str; 3] = ["normal", "slave", "pubsub"];

pub(crate) fn default_value(p: &Param, cwd: &Path) -> Value {
    match p.kind {
        Kind::Bool { default, .. } => Value::Bool(default),
        Kind::Str {
            default,
            empty_is_null,
            ..
        } => Value::Str(match default {
            None if empty_is_null => None,
            d => Some(d.unwrap_or("").as_bytes().to_vec()),
        }),
        Kind::Enum { default, .. } => Value::Enum(default),
        Kind::Num { default, .. } => Value::Num(default),
        Kind::Special(sp) => match sp {
            Special::Dir => Value::Dir(cwd.to_path_buf()),
            Special::Save => Value::Save(DEFAULT_SAVE.to_vec()),
            Special::ClientOutputBufferLimit => Value::Obuf(DEFAULT_OBUF),
            Special::OomScoreAdjValues => Value::Oom(DEFAULT_OOM),
            Special::NotifyKeyspaceEvents => Value::Notify(NotifyFlags::default()),
            Special::Bind => Value::Bind(DEFAULT_BIND.iter().map(|s| s.to_string()).collect()),
            Special::ReplicaOf => Value::ReplicaOf(None),
            Special::LatencyTrackingInfoPercentiles => {
                Value::Percentiles(DEFAULT_PERCENTILES.to_vec())
            }
        },
    }
}

// ---------------------------------------------------------------------------
// Parsing (the `set` half of Redis's type interface)
// ---------------------------------------------------------------------------

/// Everything a setter may consult besides its arguments.
pub(crate) struct SetCtx<'a> {
    pub cfg: &'a Config,
    pub current: &'a Value,
    pub save_mode: SaveMode,
}

/// Validate `args` for `p` and compute the new value. The flag is Redis's
/// "1 vs 2" result: whether this counts as a change (apply hooks run and the
/// name is reported) or a no-op.
pub(crate) fn parse_value(
    p: &Param,
    args: &[Vec<u8>],
    ctx: &SetCtx,
) -> Result<(Value, bool), String> {
    let volatile = p.flags & VOLATILE != 0;
    let first = || args.first().map(Vec::as_slice).unwrap_or(b"");
    let new = match p.kind {
        Kind::Bool { check, .. } => {
            let arg = cstr(first());
            let v = if arg.eq_ignore_ascii_case(b"yes") {
                true
            } else if arg.eq_ignore_ascii_case(b"no") {
                false
            } else {
                return Err("argument must be 'yes' or 'no'".into());
            };
            if let Some(check) = check {
                check(v)?;
            }
            Value::Bool(v)
        }
        Kind::Str {
            empty_is_null,
            binary,
            check,
            ..
        } => {
            let arg = if binary { first() } else { cstr(first()) };
            if let Some(check) = check {
                check(arg, ctx.cfg)?;
            }
            Value::Str(if empty_is_null && arg.is_empty() {
                None
            } else {
                Some(arg.to_vec())
            })
        }
        Kind::Enum { table, check, .. } => {
            let bitflags = p.flags & MULTI_ARG != 0;
            let v = enum_parse(table, args, bitflags).ok_or_else(|| enum_error(table))?;
            if let Some(check) = check {
                check(v)?;
            }
            Value::Enum(v)
        }
        Kind::Num {
            ty,
            min,
            max,
            flags,
            ..
        } => Value::Num(parse_number(ty, min, max, flags, first())?),
        Kind::Special(sp) => return parse_special(sp, args, ctx),
    };
    let changed = volatile || new != *ctx.current;
    Ok((new, changed))
}

fn enum_parse(table: EnumTable, args: &[Vec<u8>], bitflags: bool) -> Option<i32> {
    if args.is_empty() || (!bitflags && args.len() != 1) {
        return None;
    }
    let mut values = 0;
    for arg in args {
        let arg = cstr(arg);
        let mut matched = false;
        for &(name, v) in table {
            if name.as_bytes().eq_ignore_ascii_case(arg) {
                values |= v;
                matched = true;
            }
        }
        if !matched {
            return None;
        }
    }
    Some(values)
}

fn enum_error(table: EnumTable) -> String {
    let names: Vec<&str> = table.iter().map(|&(n, _)| n).collect();
    let mut msg = format!(
        "argument(s) must be one of the following: {}",
        names.join(", ")
    );
    msg.truncate(LOADBUF_MAX);
    msg
}

/// `configEnumGetName`: a single exact match wins; for bit flags, names are
/// accumulated greedily; anything left unexplained is "unknown".
pub(crate) fn enum_name(table: EnumTable, value: i32, bitflags: bool) -> String {
    let mut names: Vec<&str> = Vec::new();
    let mut unmatched = value;
    for &(name, v) in table {
        if value == v {
            return name.to_string();
        }
        if bitflags && v != 0 && v == (unmatched & v) {
            names.push(name);
            unmatched &= !v;
        }
    }
    if names.is_empty() || unmatched != 0 {
        "unknown".to_string()
    } else {
        names.join(" ")
    }
}

/// `numericParseString` + `numericBoundaryCheck`.
fn parse_number(ty: NumType, min: i64, max: i64, flags: u8, arg: &[u8]) -> Result<i64, String> {
    let mut parsed = None;
    if flags & MEMORY != 0 {
        parsed = memtoull(arg).map(|v| v as i64);
    }
    if parsed.is_none() && flags & PERCENT != 0 && arg.len() > 1 && arg.last() == Some(&b'%') {
        parsed = arg
            .get(..arg.len() - 1)
            .and_then(string2ll)
            .filter(|&v| v >= 0)
            .map(|v| -v);
    }
    if parsed.is_none() && flags & OCTAL != 0 {
        let r = strtoll(arg, 8);
        if !r.overflow && r.complete {
            parsed = Some(r.value);
        }
    }
    if parsed.is_none() && flags == INTEGER {
        parsed = string2ll(arg);
    }
    let Some(ll) = parsed else {
        return Err(if flags & MEMORY != 0 && flags & PERCENT != 0 {
            "argument must be a memory or percent value"
        } else if flags & MEMORY != 0 {
            "argument must be a memory value"
        } else if flags & OCTAL != 0 {
            "argument couldn't be parsed as an octal number"
        } else {
            "argument couldn't be parsed into an integer"
        }
        .into());
    };
    if ty.unsigned_bounds() {
        let (u, lo, hi) = (ll as u64, min as u64, max as u64);
        if u > hi || u < lo {
            return Err(if flags & OCTAL != 0 {
                format!("argument must be between {lo:o} and {hi:o} inclusive")
            } else {
                format!("argument must be between {lo} and {hi} inclusive")
            });
        }
    } else if flags & PERCENT != 0 && ll < 0 {
        if ll < min {
            return Err(format!(
                "percentage argument must be less or equal to {}",
                min.wrapping_neg()
            ));
        }
    } else if ll > max || ll < min {
        return Err(format!(
            "argument must be between {min} and {max} inclusive"
        ));
    }
    Ok(ll)
}

fn parse_special(sp: Special, args: &[Vec<u8>], ctx: &SetCtx) -> Result<(Value, bool), String> {
    match sp {
        Special::Dir => {
            let [dir] = args else {
                return Err("wrong number of arguments".into());
            };
            Ok((Value::Dir(change_dir(&ctx.cfg.dir, dir)?), true))
        }
        Special::Save => parse_save(args, ctx),
        Special::ClientOutputBufferLimit => {
            let Value::Obuf(cur) = ctx.current else {
                return Err("internal error: bad value kind".into());
            };
            Ok((Value::Obuf(parse_obuf(args, *cur)?), true))
        }
        Special::OomScoreAdjValues => {
            if args.len() != 3 {
                return Err("wrong number of arguments".into());
            }
            let mut vals = [0i32; 3];
            for (slot, arg) in vals.iter_mut().zip(args) {
                let r = strtoll(arg, 10);
                if !r.complete || !(-2000..=2000).contains(&r.value) {
                    return Err(
                        "Invalid oom-score-adj-values, elements must be between -2000 and 2000."
                            .into(),
                    );
                }
                *slot = r.value as i32;
            }
            let changed = *ctx.current != Value::Oom(vals);
            Ok((Value::Oom(vals), changed))
        }
        Special::NotifyKeyspaceEvents => {
            let [arg] = args else {
                return Err("wrong number of arguments".into());
            };
            let flags = NotifyFlags::parse(cstr(arg))
                .ok_or("Invalid event class character. Use 'Ag$lshzxeKEtmdn'.")?;
            Ok((Value::Notify(flags), true))
        }
        Special::Bind => {
            if args.len() > BINDADDR_MAX {
                return Err("Too many bind addresses specified.".into());
            }
            let addrs = match args {
                [one] if one.is_empty() => Vec::new(),
                _ => args
                    .iter()
                    .map(|a| String::from_utf8_lossy(cstr(a)).into_owned())
                    .collect(),
            };
            Ok((Value::Bind(addrs), true))
        }
        Special::ReplicaOf => {
            let [host, port] = args else {
                return Err("wrong number of arguments".into());
            };
            if cstr(host).eq_ignore_ascii_case(b"no") && cstr(port).eq_ignore_ascii_case(b"one") {
                return Ok((Value::ReplicaOf(None), true));
            }
            let r = strtoll(port, 10);
            if !r.complete || !(0..=65535).contains(&r.value) {
                return Err("Invalid master port".into());
            }
            let host = String::from_utf8_lossy(host).into_owned();
            Ok((Value::ReplicaOf(Some((host, r.value as i32))), true))
        }
        Special::LatencyTrackingInfoPercentiles => {
            let mut out = Vec::new();
            if !matches!(args, [one] if one.is_empty()) {
                for arg in args {
                    let v = string2d(arg)
                        .ok_or("Invalid latency-tracking-info-percentiles parameters")?;
                    if !(0.0..=100.0).contains(&v) {
                        return Err("latency-tracking-info-percentiles parameters should sit between [0.0,100.0]".into());
                    }
                    out.push(v);
                }
            }
            Ok((Value::Percentiles(out), true))
        }
    }
}

/// What `chdir(dir)` followed by `getcwd()` would yield, without changing
/// the process's directory.
fn change_dir(cwd: &Path, dir: &[u8]) -> Result<PathBuf, String> {
    let dir = cstr(dir);
    if dir.is_empty() {
        return Err("No such file or directory".into());
    }
    let target = resolve(cwd, dir);
    let canonical = std::fs::canonicalize(&target).map_err(|e| strerror(&e))?;
    if !canonical.is_dir() {
        return Err("Not a directory".into());
    }
    Ok(canonical)
}

fn parse_save(args: &[Vec<u8>], ctx: &SetCtx) -> Result<(Value, bool), String> {
    let Value::Save(current) = ctx.current else {
        return Err("internal error: bad value kind".into());
    };
    // A single "" means "no snapshots" and, even while accumulating file
    // lines, wipes whatever came before.
    let (args, wiped) = match args {
        [one] if cstr(one).is_empty() => (&[][..], true),
        _ => (args, false),
    };
    if !args.chunks_exact(2).remainder().is_empty() {
        return Err("Invalid save parameters".into());
    }
    for (j, arg) in args.iter().enumerate() {
        let r = strtoll(arg, 10);
        let min = if j % 2 == 0 { 1 } else { 0 };
        if !r.complete || r.value < min {
            return Err("Invalid save parameters".into());
        }
    }
    let mut out = match ctx.save_mode {
        SaveMode::Append if !wiped => current.clone(),
        _ => Vec::new(),
    };
    for pair in args.chunks(2) {
        if let [secs, changes] = pair {
            // `changes` is stored in a C int.
            let changes = strtoll(changes, 10).value as i32;
            out.push((strtoll(secs, 10).value, i64::from(changes)));
        }
    }
    Ok((Value::Save(out), true))
}

fn client_class(name: &[u8]) -> Option<usize> {
    let name = cstr(name);
    if name.eq_ignore_ascii_case(b"normal") {
        Some(0)
    } else if name.eq_ignore_ascii_case(b"slave") || name.eq_ignore_ascii_case(b"replica") {
        Some(1)
    } else if name.eq_ignore_ascii_case(b"pubsub") {
        Some(2)
    } else {
        None
    }
}

fn parse_obuf(
    args: &[Vec<u8>],
    mut cur: [ClientBufferLimit; 3],
) -> Result<[ClientBufferLimit; 3], String> {
    if !args.chunks_exact(4).remainder().is_empty() {
        return Err("Wrong number of arguments in buffer limit configuration.".into());
    }
    for group in args.chunks(4) {
        let [class, hard, soft, secs] = group else {
            continue;
        };
        let class = client_class(class)
            .ok_or("Invalid client class specified in buffer limit configuration.")?;
        let secs = strtoll(secs, 10);
        // soft_seconds is a C int: truncate first, then check the sign.
        let soft_seconds = secs.value as i32;
        match (memtoull(hard), memtoull(soft)) {
            (Some(hard), Some(soft)) if soft_seconds >= 0 && secs.complete => {
                if let Some(slot) = cur.get_mut(class) {
                    *slot = ClientBufferLimit {
                        hard_limit_bytes: hard,
                        soft_limit_bytes: soft,
                        soft_limit_seconds: soft_seconds as u64,
                    };
                }
            }
            _ => {
                return Err(
                    "Error in hard, soft or soft_seconds setting in buffer limit configuration."
                        .into(),
                )
            }
        }
    }
    Ok(cur)
}

// ---------------------------------------------------------------------------
// Rendering (CONFIG GET)
// ---------------------------------------------------------------------------

pub(crate) fn render(p: &Param, v: &Value) -> Vec<u8> {
    match (&p.kind, v) {
        (_, Value::Bool(b)) => if *b { "yes" } else { "no" }.into(),
        (_, Value::Str(s)) => s.clone().unwrap_or_default(),
        (Kind::Enum { table, .. }, Value::Enum(e)) => {
            enum_name(table, *e, p.flags & MULTI_ARG != 0).into_bytes()
        }
        (Kind::Num { flags, .. }, Value::Num(n)) => render_number(*flags, *n).into_bytes(),
        (_, Value::Dir(d)) => d.as_os_str().as_encoded_bytes().to_vec(),
        (_, Value::Save(params)) => params
            .iter()
            .map(|(s, c)| format!("{s} {c}"))
            .collect::<Vec<_>>()
            .join(" ")
            .into_bytes(),
        (_, Value::Obuf(limits)) => OBUF_CLASS_NAMES
            .iter()
            .zip(limits)
            .map(|(n, l)| {
                format!(
                    "{n} {} {} {}",
                    l.hard_limit_bytes, l.soft_limit_bytes, l.soft_limit_seconds
                )
            })
            .collect::<Vec<_>>()
            .join(" ")
            .into_bytes(),
        (_, Value::Oom(v)) => format!("{} {} {}", v[0], v[1], v[2]).into_bytes(),
        (_, Value::Notify(f)) => f.to_string().into_bytes(),
        (_, Value::Bind(addrs)) => addrs.join(" ").into_bytes(),
        (_, Value::ReplicaOf(r)) => r
            .as_ref()
            .map_or_else(String::new, |(h, p)| format!("{h} {p}"))
            .into_bytes(),
        (_, Value::Percentiles(ps)) => ps
            .iter()
            .map(|&p| fmt_trimmed_double(p))
            .collect::<Vec<_>>()
            .join(" ")
            .into_bytes(),
        // Enum/Num values always sit in Enum/Num parameters.
        (_, Value::Enum(e)) => e.to_string().into_bytes(),
        (_, Value::Num(n)) => n.to_string().into_bytes(),
    }
}

fn render_number(flags: u8, n: i64) -> String {
    if flags & PERCENT != 0 && n < 0 {
        format!("{}%", n.wrapping_neg())
    } else if flags & MEMORY != 0 {
        (n as u64).to_string()
    } else if flags & OCTAL != 0 {
        format!("{:o}", n as u64)
    } else {
        n.to_string()
    }
}

// ---------------------------------------------------------------------------
// Rewriting (CONFIG REWRITE)
// ---------------------------------------------------------------------------

/// What CONFIG REWRITE does for one parameter.
pub(crate) enum RewriteOut {
    /// Emit no line, but drop any old lines for the option.
    MarkOnly,
    /// Lines to (re)write, each with its `force` flag: a forced line is
    /// appended when the old file has no line left to reuse.
    Lines(Vec<(Vec<u8>, bool)>),
}

/// `rewriteConfigFormatMemory`.
fn format_memory(bytes: i64) -> String {
    const GB: i64 = 1 << 30;
    const MB: i64 = 1 << 20;
    const KB: i64 = 1 << 10;
    if bytes != 0 && bytes % GB == 0 {
        format!("{}gb", bytes / GB)
    } else if bytes != 0 && bytes % MB == 0 {
        format!("{}mb", bytes / MB)
    } else if bytes != 0 && bytes % KB == 0 {
        format!("{}kb", bytes / KB)
    } else {
        bytes.to_string()
    }
}

fn line(name: &str, value: &[u8]) -> Vec<u8> {
    let mut l = Vec::with_capacity(name.len() + value.len() + 1);
    l.extend_from_slice(name.as_bytes());
    l.push(b' ');
    l.extend_from_slice(value);
    l
}

pub(crate) fn rewrite_lines(p: &Param, v: &Value) -> RewriteOut {
    let name = p.name;
    let one = |value: &[u8], force: bool| RewriteOut::Lines(vec![(line(name, value), force)]);
    match (&p.kind, v) {
        (Kind::Bool { default, .. }, Value::Bool(b)) => {
            one(if *b { b"yes" } else { b"no" }, b != default)
        }
        (Kind::Str { default, .. }, Value::Str(Some(s))) => {
            let is_default = default.is_some_and(|d| d.as_bytes() == s.as_slice());
            one(&repr(s), !is_default)
        }
        // An unset string must be absent for it to stay unset on restart.
        (_, Value::Str(None)) => RewriteOut::MarkOnly,
        (Kind::Enum { table, default, .. }, Value::Enum(e)) => {
            let names = enum_name(table, *e, p.flags & MULTI_ARG != 0);
            one(names.as_bytes(), e != default)
        }
        (Kind::Num { flags, default, .. }, Value::Num(n)) => {
            let n = *n;
            if flags & PERCENT != 0 && n < 0 {
                let pct = n.wrapping_neg();
                one(format!("{pct}%").as_bytes(), pct != *default)
            } else if flags & MEMORY != 0 {
                one(format_memory(n).as_bytes(), n != *default)
            } else if flags & OCTAL != 0 {
                one(format!("{:o}", n as u64).as_bytes(), n != *default)
            } else {
                one(n.to_string().as_bytes(), n != *default)
            }
        }
        (_, Value::Dir(d)) => one(&repr(d.as_os_str().as_encoded_bytes()), true),
        (_, Value::Save(params)) => {
            if params.is_empty() {
                return one(b"\"\"", true);
            }
            RewriteOut::Lines(
                params
                    .iter()
                    .map(|(s, c)| (line(name, format!("{s} {c}").as_bytes()), true))
                    .collect(),
            )
        }
        (_, Value::Obuf(limits)) => RewriteOut::Lines(
            limits
                .iter()
                .zip(DEFAULT_OBUF.iter())
                .zip(["normal", "replica", "pubsub"])
                .map(|((l, d), class)| {
                    let text = format!(
                        "{class} {} {} {}",
                        format_memory(l.hard_limit_bytes as i64),
                        format_memory(l.soft_limit_bytes as i64),
                        l.soft_limit_seconds
                    );
                    (line(name, text.as_bytes()), l != d)
                })
                .collect(),
        ),
        (_, Value::Oom(vals)) => {
            let text = format!("{} {} {}", vals[0], vals[1], vals[2]);
            one(text.as_bytes(), *vals != DEFAULT_OOM)
        }
        (_, Value::Notify(f)) => one(&repr(f.to_string().as_bytes()), f.bits() != 0),
        (_, Value::Bind(addrs)) => {
            if addrs.iter().map(String::as_str).eq(DEFAULT_BIND) {
                return RewriteOut::MarkOnly;
            }
            if addrs.is_empty() {
                one(b"\"\"", true)
            } else {
                one(addrs.join(" ").as_bytes(), true)
            }
        }
        (_, Value::ReplicaOf(None)) => RewriteOut::MarkOnly,
        (_, Value::ReplicaOf(Some((host, port)))) => one(format!("{host} {port}").as_bytes(), true),
        (_, Value::Percentiles(ps)) => {
            if ps.is_empty() {
                return one(b"\"\"", true);
            }
            let text: Vec<String> = ps.iter().map(|&p| fmt_trimmed_double(p)).collect();
            one(text.join(" ").as_bytes(), true)
        }
        // Kind/value mismatches cannot be produced by this module.
        _ => RewriteOut::MarkOnly,
    }
}
