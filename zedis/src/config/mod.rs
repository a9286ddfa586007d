//! zedis configuration: startup loading (`zedis [file] [--name value ...]`,
//! redis.conf syntax with includes), the runtime CONFIG GET / CONFIG SET /
//! CONFIG REWRITE semantics of redis-server 7.0, and a `Config` value with
//! typed public fields for the settings the server consumes.
//!
//! Every Redis 7.0 parameter is known (see `table.rs`), so CONFIG GET/SET
//! round-trip them all even when zedis ignores their meaning; the ones the
//! server uses are mirrored into typed fields, which are the single source
//! of truth for those parameters. This module owns no sockets, threads or
//! process state: it never binds, never changes the working directory (it
//! tracks `dir` as an absolute path the server should `chdir` to) and leaves
//! runtime side effects of CONFIG SET (re-listening on a port, ACL password
//! updates...) to a caller-supplied apply callback.

mod parse;
mod rewrite;
mod table;

use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};

use table::{Apply, Value, DENY_LOADING, HIDDEN, IMMUTABLE, MULTI_ARG, PROTECTED, SENSITIVE};

/// Errors from loading a configuration (file, include, command line) or
/// from CONFIG REWRITE.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    /// A directive was rejected. `line` is `None` for the checks Redis runs
    /// after the last line (log file, cluster + replicaof).
    #[error("{}", describe_directive(.origin, *.line, .text, .reason))]
    Directive {
        /// The file the line came from, "(stdin)" or "(command line)".
        origin: String,
        /// 1-based line number, counted the way Redis counts it: over the
        /// file text, then stdin, then one extra line, then the options.
        line: Option<usize>,
        /// The offending line, trimmed as Redis prints it.
        text: String,
        /// Redis's message, e.g. "Bad directive or wrong number of arguments".
        reason: String,
    },
    /// A config file (or included file) could not be read.
    #[error("Fatal error, can't open config file '{path}': {reason}")]
    Open { path: String, reason: String },
    /// CONFIG REWRITE without a config file.
    #[error("The server is running without a config file")]
    NoConfigFile,
    /// CONFIG REWRITE failed; the caller replies `ERR <Display>`.
    #[error("Rewriting config file: {reason}")]
    Rewrite { reason: String },
}

fn describe_directive(origin: &str, line: Option<usize>, text: &str, reason: &str) -> String {
    match line {
        Some(n) => format!("{origin}:{n}: '{text}': {reason}"),
        None => reason.to_string(),
    }
}

impl ConfigError {
    /// The exact text redis-server writes to stderr before exiting, for the
    /// binary to print. `version` goes in the banner ("7.0.15" for Redis).
    pub fn fatal_report(&self, version: &str) -> String {
        match self {
            ConfigError::Directive {
                line, text, reason, ..
            } => {
                let mut out = format!("\n*** FATAL CONFIG FILE ERROR (Redis {version}) ***\n");
                if let Some(n) = line {
                    out.push_str(&format!(
                        "Reading the configuration file, at line {n}\n>>> '{text}'\n"
                    ));
                }
                out.push_str(reason);
                out.push('\n');
                out
            }
            other => format!("{other}\n"),
        }
    }
}

/// A rejected CONFIG SET. `Display` is Redis's reply text without the
/// error code; `code()` gives the code ("ERR" or "LOADING").
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigSetError {
    #[error("Unknown option or number of arguments for CONFIG SET - '{name}'")]
    UnknownOption { name: String },
    /// Immutable, protected, duplicate, invalid value, or a failed apply.
    #[error("CONFIG SET failed (possibly related to argument '{name}') - {reason}")]
    Failed { name: String, reason: String },
    /// A DENY_LOADING parameter while the dataset is loading.
    #[error("Redis is loading the dataset in memory")]
    Loading,
}

impl ConfigSetError {
    /// The RESP error code to put in front of `Display`.
    pub fn code(&self) -> &'static str {
        match self {
            ConfigSetError::Loading => "LOADING",
            _ => "ERR",
        }
    }
}

/// Facts about the CONFIG SET caller that Redis consults.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SetOptions {
    /// The client is local (loopback or unix socket): with
    /// `enable-protected-configs local`, `dir`/`dbfilename` become settable.
    pub local_client: bool,
    /// The server is loading its dataset: `appendonly`, `dir` and
    /// `repl-diskless-load` are refused with a LOADING error.
    pub loading: bool,
}

/// How a `save` directive combines with the current save points.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SaveMode {
    Replace,
    /// Later `save` lines of one config file accumulate.
    Append,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LogLevel {
    Debug = 0,
    Verbose = 1,
    #[default]
    Notice = 2,
    Warning = 3,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MaxmemoryPolicy {
    VolatileLru = 0,
    VolatileLfu = 1,
    VolatileRandom = 2,
    VolatileTtl = 3,
    AllkeysLru = 4,
    AllkeysLfu = 5,
    AllkeysRandom = 6,
    #[default]
    NoEviction = 7,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AppendFsync {
    No = 0,
    Always = 1,
    #[default]
    Everysec = 2,
}

/// What SAVE and BGSAVE write (`snapshot-format`, a zedis setting).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SnapshotFormat {
    /// The native `.zdb` format (docs/formats.md).
    #[default]
    Native = 0,
    /// Redis RDB version 10.
    Redis = 1,
}

/// Index of each class in `Config::client_output_buffer_limit`.
pub const OBUF_NORMAL: usize = 0;
pub const OBUF_REPLICA: usize = 1;
pub const OBUF_PUBSUB: usize = 2;

/// One class of `client-output-buffer-limit`; zero means "no limit".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ClientBufferLimit {
    pub hard_limit_bytes: u64,
    pub soft_limit_bytes: u64,
    pub soft_limit_seconds: u64,
}

/// `notify-keyspace-events` as Redis's flag bits; `Display` gives the
/// canonical string CONFIG GET shows ("AKE" for "KEA").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct NotifyFlags(pub u32);

impl NotifyFlags {
    pub const KEYSPACE: u32 = 1 << 0;
    pub const KEYEVENT: u32 = 1 << 1;
    pub const GENERIC: u32 = 1 << 2;
    pub const STRING: u32 = 1 << 3;
    pub const LIST: u32 = 1 << 4;
    pub const SET: u32 = 1 << 5;
    pub const HASH: u32 = 1 << 6;
    pub const ZSET: u32 = 1 << 7;
    pub const EXPIRED: u32 = 1 << 8;
    pub const EVICTED: u32 = 1 << 9;
    pub const STREAM: u32 = 1 << 10;
    /// Not part of `ALL`, on purpose, as in Redis.
    pub const KEY_MISS: u32 = 1 << 11;
    pub const MODULE: u32 = 1 << 13;
    pub const NEW: u32 = 1 << 14;
    pub const ALL: u32 = Self::GENERIC
        | Self::STRING
        | Self::LIST
        | Self::SET
        | Self::HASH
        | Self::ZSET
        | Self::EXPIRED
        | Self::EVICTED
        | Self::STREAM
        | Self::MODULE;

    /// Parse the class characters ("KEA", "Ex", ...); `None` on an unknown one.
    pub fn parse(s: &[u8]) -> Option<NotifyFlags> {
        let mut f = 0;
        for &c in s {
            f |= match c {
                b'A' => Self::ALL,
                b'g' => Self::GENERIC,
                b'$' => Self::STRING,
                b'l' => Self::LIST,
                b's' => Self::SET,
                b'h' => Self::HASH,
                b'z' => Self::ZSET,
                b'x' => Self::EXPIRED,
                b'e' => Self::EVICTED,
                b'K' => Self::KEYSPACE,
                b'E' => Self::KEYEVENT,
                b't' => Self::STREAM,
                b'm' => Self::KEY_MISS,
                b'd' => Self::MODULE,
                b'n' => Self::NEW,
                _ => return None,
            };
        }
        Some(NotifyFlags(f))
    }

    pub fn bits(self) -> u32 {
        self.0
    }

    pub fn contains(self, flags: u32) -> bool {
        self.0 & flags == flags
    }
}

impl fmt::Display for NotifyFlags {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let v = self.0;
        let mut out = String::new();
        if v & Self::ALL == Self::ALL {
            out.push('A');
        } else {
            for (bit, c) in [
                (Self::GENERIC, 'g'),
                (Self::STRING, '$'),
                (Self::LIST, 'l'),
                (Self::SET, 's'),
                (Self::HASH, 'h'),
                (Self::ZSET, 'z'),
                (Self::EXPIRED, 'x'),
                (Self::EVICTED, 'e'),
                (Self::STREAM, 't'),
                (Self::MODULE, 'd'),
                (Self::NEW, 'n'),
            ] {
                if v & bit != 0 {
                    out.push(c);
                }
            }
        }
        for (bit, c) in [
            (Self::KEYSPACE, 'K'),
            (Self::KEYEVENT, 'E'),
            (Self::KEY_MISS, 'm'),
        ] {
            if v & bit != 0 {
                out.push(c);
            }
        }
        f.write_str(&out)
    }
}

/// Conversion between a typed `Config` field and the table's `Value`.
/// Bounds are enforced by the table before a value reaches a field, so the
/// numeric casts below never truncate.
trait FieldValue {
    fn to_value(&self) -> Value;
    fn set_from(&mut self, v: &Value);
}

macro_rules! numeric_field {
    ($($t:ty),*) => {$(
        impl FieldValue for $t {
            fn to_value(&self) -> Value {
                Value::Num(*self as i64)
            }
            fn set_from(&mut self, v: &Value) {
                if let Value::Num(n) = v {
                    *self = *n as $t;
                }
            }
        }
    )*};
}
numeric_field!(u16, u32, i32, u64, i64);

impl FieldValue for bool {
    fn to_value(&self) -> Value {
        Value::Bool(*self)
    }
    fn set_from(&mut self, v: &Value) {
        if let Value::Bool(b) = v {
            *self = *b;
        }
    }
}

impl FieldValue for String {
    fn to_value(&self) -> Value {
        Value::Str(Some(self.as_bytes().to_vec()))
    }
    fn set_from(&mut self, v: &Value) {
        if let Value::Str(s) = v {
            *self = s
                .as_deref()
                .map(|b| String::from_utf8_lossy(b).into_owned())
                .unwrap_or_default();
        }
    }
}

impl FieldValue for Option<String> {
    fn to_value(&self) -> Value {
        Value::Str(self.as_ref().map(|s| s.as_bytes().to_vec()))
    }
    fn set_from(&mut self, v: &Value) {
        if let Value::Str(s) = v {
            *self = s
                .as_deref()
                .map(|b| String::from_utf8_lossy(b).into_owned());
        }
    }
}

impl FieldValue for Option<Vec<u8>> {
    fn to_value(&self) -> Value {
        Value::Str(self.clone())
    }
    fn set_from(&mut self, v: &Value) {
        if let Value::Str(s) = v {
            self.clone_from(s);
        }
    }
}

impl FieldValue for Vec<String> {
    fn to_value(&self) -> Value {
        Value::Bind(self.clone())
    }
    fn set_from(&mut self, v: &Value) {
        if let Value::Bind(b) = v {
            self.clone_from(b);
        }
    }
}

impl FieldValue for PathBuf {
    fn to_value(&self) -> Value {
        Value::Dir(self.clone())
    }
    fn set_from(&mut self, v: &Value) {
        if let Value::Dir(d) = v {
            self.clone_from(d);
        }
    }
}

impl FieldValue for Vec<(i64, i64)> {
    fn to_value(&self) -> Value {
        Value::Save(self.clone())
    }
    fn set_from(&mut self, v: &Value) {
        if let Value::Save(s) = v {
            self.clone_from(s);
        }
    }
}

impl FieldValue for Vec<f64> {
    fn to_value(&self) -> Value {
        Value::Percentiles(self.clone())
    }
    fn set_from(&mut self, v: &Value) {
        if let Value::Percentiles(p) = v {
            self.clone_from(p);
        }
    }
}

impl FieldValue for [ClientBufferLimit; 3] {
    fn to_value(&self) -> Value {
        Value::Obuf(*self)
    }
    fn set_from(&mut self, v: &Value) {
        if let Value::Obuf(o) = v {
            *self = *o;
        }
    }
}

impl FieldValue for NotifyFlags {
    fn to_value(&self) -> Value {
        Value::Notify(*self)
    }
    fn set_from(&mut self, v: &Value) {
        if let Value::Notify(n) = v {
            *self = *n;
        }
    }
}

macro_rules! enum_field {
    ($t:ty { $($variant:ident),* }) => {
        impl FieldValue for $t {
            fn to_value(&self) -> Value {
                Value::Enum(*self as i32)
            }
            fn set_from(&mut self, v: &Value) {
                if let Value::Enum(code) = v {
                    $(if *code == <$t>::$variant as i32 {
                        *self = <$t>::$variant;
                    })*
                }
            }
        }
    };
}
enum_field!(LogLevel {
    Debug,
    Verbose,
    Notice,
    Warning
});
enum_field!(MaxmemoryPolicy {
    VolatileLru,
    VolatileLfu,
    VolatileRandom,
    VolatileTtl,
    AllkeysLru,
    AllkeysLfu,
    AllkeysRandom,
    NoEviction
});
enum_field!(AppendFsync {
    No,
    Always,
    Everysec
});
enum_field!(SnapshotFormat { Native, Redis });

/// Declares `Config` with one public field per typed parameter, plus the
/// name-keyed accessors that route table reads and writes to those fields.
macro_rules! config_struct {
    ($( $(#[$doc:meta])* $name:literal => $field:ident : $ty:ty, )*) => {
        /// The server configuration. Public fields are the live values of
        /// the parameters zedis uses; every other parameter is kept
        /// internally and reachable through CONFIG GET/SET (`get`, `set`).
        /// Writing a field directly is fine: GET and REWRITE read it back.
        #[derive(Debug, Clone, PartialEq)]
        pub struct Config {
            $( $(#[$doc])* pub $field: $ty, )*
            /// Raw `user` directives from the config file (arguments after
            /// the keyword), left for the ACL layer to interpret.
            pub user_directives: Vec<Vec<Vec<u8>>>,
            /// Values of the parameters without a typed field, by table index.
            generic: Vec<Value>,
            config_file: Option<PathBuf>,
        }

        impl Config {
            fn blank() -> Self {
                Config {
                    $( $field: Default::default(), )*
                    user_directives: Vec::new(),
                    generic: Vec::new(),
                    config_file: None,
                }
            }

            fn typed_value(&self, name: &str) -> Option<Value> {
                match name {
                    $( $name => Some(FieldValue::to_value(&self.$field)), )*
                    _ => None,
                }
            }

            fn set_typed(&mut self, name: &str, v: &Value) -> bool {
                match name {
                    $( $name => { FieldValue::set_from(&mut self.$field, v); true } )*
                    _ => false,
                }
            }
        }
    };
}

config_struct! {
    "port" => port: u16,
    /// Addresses to listen on; "-" prefix marks an optional address.
    "bind" => bind: Vec<String>,
    "unixsocket" => unixsocket: Option<String>,
    /// Permission bits (already octal-decoded, e.g. 0o700).
    "unixsocketperm" => unixsocketperm: u32,
    "protected-mode" => protected_mode: bool,
    "requirepass" => requirepass: Option<Vec<u8>>,
    "masterauth" => masterauth: Option<Vec<u8>>,
    "maxclients" => maxclients: u32,
    /// Client idle timeout in seconds, 0 = never.
    "timeout" => timeout: u32,
    "tcp-keepalive" => tcp_keepalive: u32,
    "tcp-backlog" => tcp_backlog: u32,
    "databases" => databases: u32,
    /// Already clamped to 1..=500 like Redis's `config_hz`.
    "hz" => hz: u32,
    "dynamic-hz" => dynamic_hz: bool,
    "loglevel" => loglevel: LogLevel,
    /// Empty means standard output.
    "logfile" => logfile: String,
    /// Accepted for compatibility; zedis does not daemonize.
    "daemonize" => daemonize: bool,
    "pidfile" => pidfile: Option<String>,
    /// CPU lists (Redis syntax, see `server::affinity`) for the server, background, rewrite and
    /// BGSAVE threads; unset = no pinning.
    "server_cpulist" => server_cpulist: Option<String>,
    "bio_cpulist" => bio_cpulist: Option<String>,
    "aof_rewrite_cpulist" => aof_rewrite_cpulist: Option<String>,
    "bgsave_cpulist" => bgsave_cpulist: Option<String>,
    /// Absolute working directory the server should chdir to at startup
    /// and whenever CONFIG SET changes "dir".
    "dir" => dir: PathBuf,
    "dbfilename" => dbfilename: String,
    "rdbcompression" => rdbcompression: bool,
    "rdbchecksum" => rdbchecksum: bool,
    "stop-writes-on-bgsave-error" => stop_writes_on_bgsave_error: bool,
    /// Snapshot points as (seconds, changes).
    "save" => save: Vec<(i64, i64)>,
    "appendonly" => appendonly: bool,
    "appendfsync" => appendfsync: AppendFsync,
    "snapshot-format" => snapshot_format: SnapshotFormat,
    "appendfilename" => appendfilename: String,
    "appenddirname" => appenddirname: String,
    "aof-use-rdb-preamble" => aof_use_rdb_preamble: bool,
    "aof-timestamp-enabled" => aof_timestamp_enabled: bool,
    "aof-load-truncated" => aof_load_truncated: bool,
    "no-appendfsync-on-rewrite" => no_appendfsync_on_rewrite: bool,
    "auto-aof-rewrite-percentage" => auto_aof_rewrite_percentage: u32,
    "auto-aof-rewrite-min-size" => auto_aof_rewrite_min_size: u64,
    "maxmemory" => maxmemory: u64,
    "maxmemory-policy" => maxmemory_policy: MaxmemoryPolicy,
    "maxmemory-samples" => maxmemory_samples: u32,
    "maxmemory-eviction-tenacity" => maxmemory_eviction_tenacity: u32,
    /// Bytes, or minus a percentage of `maxmemory` (-5 = "5%"); 0 = no client eviction.
    "maxmemory-clients" => maxmemory_clients: i64,
    "lfu-log-factor" => lfu_log_factor: u32,
    "lfu-decay-time" => lfu_decay_time: u32,
    "proto-max-bulk-len" => proto_max_bulk_len: u64,
    "client-query-buffer-limit" => client_query_buffer_limit: u64,
    /// Microseconds; -1 disables the slow log, 0 logs everything.
    "slowlog-log-slower-than" => slowlog_log_slower_than: i64,
    "slowlog-max-len" => slowlog_max_len: u64,
    "latency-monitor-threshold" => latency_monitor_threshold: u64,
    /// Per-command latency histograms (INFO latencystats, LATENCY HISTOGRAM).
    "latency-tracking" => latency_tracking: bool,
    "latency-tracking-info-percentiles" => latency_tracking_info_percentiles: Vec<f64>,
    "notify-keyspace-events" => notify_keyspace_events: NotifyFlags,
    "hash-max-listpack-entries" => hash_max_listpack_entries: u64,
    "hash-max-listpack-value" => hash_max_listpack_value: u64,
    "list-max-listpack-size" => list_max_listpack_size: i32,
    "list-compress-depth" => list_compress_depth: u32,
    "set-max-intset-entries" => set_max_intset_entries: u64,
    "zset-max-listpack-entries" => zset_max_listpack_entries: u64,
    "zset-max-listpack-value" => zset_max_listpack_value: u64,
    "stream-node-max-bytes" => stream_node_max_bytes: u64,
    "stream-node-max-entries" => stream_node_max_entries: u64,
    "hll-sparse-max-bytes" => hll_sparse_max_bytes: u64,
    "io-threads" => io_threads: u32,
    "io-threads-do-reads" => io_threads_do_reads: bool,
    "lazyfree-lazy-eviction" => lazyfree_lazy_eviction: bool,
    "lazyfree-lazy-expire" => lazyfree_lazy_expire: bool,
    "lazyfree-lazy-server-del" => lazyfree_lazy_server_del: bool,
    "lazyfree-lazy-user-del" => lazyfree_lazy_user_del: bool,
    "lazyfree-lazy-user-flush" => lazyfree_lazy_user_flush: bool,
    "active-expire-effort" => active_expire_effort: u32,
    "activerehashing" => activerehashing: bool,
    /// Indexed by `OBUF_NORMAL`, `OBUF_REPLICA`, `OBUF_PUBSUB`.
    "client-output-buffer-limit" => client_output_buffer_limit: [ClientBufferLimit; 3],
    /// Milliseconds (alias lua-time-limit).
    "busy-reply-threshold" => busy_reply_threshold: u64,
    "acllog-max-len" => acllog_max_len: u64,
    "tracking-table-max-keys" => tracking_table_max_keys: u64,
}

impl Default for Config {
    /// Redis's built-in defaults (no config file), `dir` = current directory.
    fn default() -> Self {
        Config::with_cwd(std::env::current_dir().unwrap_or_default())
    }
}

impl Config {
    fn with_cwd(cwd: PathBuf) -> Config {
        let mut cfg = Config::blank();
        cfg.generic = table::PARAMS
            .iter()
            .map(|p| table::default_value(p, &cwd))
            .collect();
        for (idx, p) in table::PARAMS.iter().enumerate() {
            let v = table::default_value(p, &cwd);
            cfg.store(idx, v);
        }
        cfg
    }

    /// The absolute path of the config file given at startup, computed as
    /// Redis does (relative to the startup directory, "../" folded, no
    /// symlink resolution). `None` when started without one.
    pub fn config_file(&self) -> Option<&Path> {
        self.config_file.as_deref()
    }

    /// CONFIG GET. `matcher(pattern, name)` is the glob matcher (e.g.
    /// `|p, s| glob_match(p, s, true)`); patterns are ASCII-lowercased first
    /// so a case-sensitive matcher still behaves like Redis's nocase match.
    /// Names without glob characters are looked up exactly (which also finds
    /// hidden parameters) and echoed as the caller spelled them. Aliases
    /// match like names. Results are deduplicated case-insensitively, in
    /// discovery order (Redis's order is hash order).
    pub fn get(
        &self,
        patterns: &[&[u8]],
        matcher: impl Fn(&[u8], &[u8]) -> bool,
    ) -> Vec<(String, Vec<u8>)> {
        let mut found: Vec<(String, usize)> = Vec::new();
        let seen = |found: &[(String, usize)], name: &[u8]| {
            found
                .iter()
                .any(|(k, _)| k.as_bytes().eq_ignore_ascii_case(name))
        };
        for &pat in patterns {
            if !pat.iter().any(|b| matches!(b, b'[' | b'*' | b'?')) {
                if seen(&found, pat) {
                    continue;
                }
                if let Some(idx) = table::lookup(pat) {
                    found.push((String::from_utf8_lossy(pat).into_owned(), idx));
                }
                continue;
            }
            let lowered = pat.to_ascii_lowercase();
            for (name, idx) in table::all_names() {
                if table::param(idx).flags & HIDDEN != 0 || seen(&found, name.as_bytes()) {
                    continue;
                }
                if matcher(&lowered, name.as_bytes()) {
                    found.push((name.to_string(), idx));
                }
            }
        }
        found
            .into_iter()
            .map(|(name, idx)| (name, self.render(idx)))
            .collect()
    }

    /// The CONFIG GET rendering of one parameter (name or alias, any case).
    pub fn get_value(&self, name: &str) -> Option<Vec<u8>> {
        table::lookup(name.as_bytes()).map(|idx| self.render(idx))
    }

    /// CONFIG SET with no apply hooks (nothing runtime to update), a
    /// non-local client and no loading in progress. See `set_with`.
    pub fn set(&mut self, pairs: &[(&[u8], &[u8])]) -> Result<Vec<&'static str>, ConfigSetError> {
        self.set_with(pairs, SetOptions::default(), |_, _| Ok(()))
    }

    /// CONFIG SET exactly as Redis 7.0 runs it: all parameters are checked
    /// (unknown, immutable, protected, loading, duplicate: the first problem
    /// wins), then all values are parsed and stored, then the apply hooks of
    /// the changed parameters run once per hook in first-use order. Any
    /// failure restores every value (and re-runs the hooks so the server can
    /// return to the old state) and nothing changes.
    ///
    /// `apply(hook, config)` runs the runtime side of a change, once per hook
    /// key, with the new values in `config`. Keys: "port", "bind", "dir"
    /// (chdir to `config.dir`), "maxclients", "maxmemory",
    /// "maxmemory-clients", "appendonly", "requirepass", "oom-score-adj"
    /// (also for oom-score-adj-values), "good-replicas" (min-replicas-*),
    /// "proc-title-template", "repl-backlog-size", "jemalloc-bg-thread",
    /// "crash-log-enabled", "aof-disable-auto-gc", "watchdog-period",
    /// "cluster-flags", "cluster-announced-ports", "cluster-ip",
    /// "cluster-hostname", "tls", "tls-port". (`hz` clamping is done here.)
    /// Returning `Err(msg)` fails the command with `msg` as the reason, e.g.
    /// "Unable to listen on this port. Check server logs.", after which the
    /// hooks are called again with the restored values.
    ///
    /// Returns the canonical names Redis treats as changed (a value that
    /// differs, or a parameter Redis always treats as changed such as
    /// `bind`, `save`, `dir`), deduplicated, in argument order.
    pub fn set_with<F>(
        &mut self,
        pairs: &[(&[u8], &[u8])],
        opts: SetOptions,
        mut apply: F,
    ) -> Result<Vec<&'static str>, ConfigSetError>
    where
        F: FnMut(&'static str, &Config) -> Result<(), String>,
    {
        let failed = |name: &[u8], reason: &str| ConfigSetError::Failed {
            name: String::from_utf8_lossy(name).into_owned(),
            reason: reason.to_string(),
        };
        // Phase 1: resolve and vet every name before touching anything.
        let mut targets: Vec<(usize, &'static str, &[u8])> = Vec::with_capacity(pairs.len());
        for &(name, value) in pairs {
            let Some((idx, registered)) = table::lookup_with_name(name) else {
                return Err(ConfigSetError::UnknownOption {
                    name: String::from_utf8_lossy(name).into_owned(),
                });
            };
            let p = table::param(idx);
            if p.flags & IMMUTABLE != 0 {
                return Err(failed(name, "can't set immutable config"));
            }
            if p.flags & PROTECTED != 0 && !self.protected_allowed(opts.local_client) {
                return Err(failed(name, "can't set protected config"));
            }
            if opts.loading && p.flags & DENY_LOADING != 0 {
                return Err(ConfigSetError::Loading);
            }
            // An alias and its primary are distinct entries in Redis's
            // dictionary, so only the very same spelling is a duplicate.
            if targets.iter().any(|&(i, r, _)| i == idx && r == registered) {
                return Err(failed(name, "duplicate parameter"));
            }
            targets.push((idx, registered, value));
        }

        // Phase 2: parse and store everything.
        let backup = self.clone();
        let mut changed: Vec<&'static str> = Vec::new();
        let mut hooks: Vec<(Apply, &'static str, &'static str)> = Vec::new();
        for &(idx, registered, value) in &targets {
            let p = table::param(idx);
            let args = if p.flags & MULTI_ARG != 0 {
                parse::split_len(value, b' ')
            } else {
                vec![value.to_vec()]
            };
            match self.set_param(idx, &args, SaveMode::Replace) {
                Err(reason) => {
                    *self = backup;
                    return Err(failed(registered.as_bytes(), &reason));
                }
                Ok(false) => {}
                Ok(true) => {
                    if !changed.contains(&p.name) {
                        changed.push(p.name);
                    }
                    let same_hook = |h: &(Apply, &str, &str)| h.0 == p.apply;
                    if p.apply != Apply::None && !hooks.iter().any(same_hook) {
                        hooks.push((p.apply, p.name, registered));
                    }
                }
            }
        }

        // Phase 3: apply.
        for &(hook, _, registered) in &hooks {
            let result = match hook {
                Apply::None => Ok(()),
                Apply::Hz => {
                    self.hz = self.hz.clamp(table::MIN_HZ, table::MAX_HZ);
                    Ok(())
                }
                Apply::Hook(key) => apply(key, self),
            };
            if let Err(reason) = result {
                *self = backup;
                for &(hook, _, _) in &hooks {
                    if let Apply::Hook(key) = hook {
                        // Best effort, as in Redis: failures are only logged there.
                        let _ = apply(key, self);
                    }
                }
                return Err(failed(registered.as_bytes(), &reason));
            }
        }
        Ok(changed)
    }

    /// CONFIG REWRITE into `path` (normally `config_file()`): keeps comments
    /// and unknown lines, rewrites known directives in place, appends new
    /// ones after "# Generated by CONFIG REWRITE", blanks lines of options
    /// that are now at their defaults, and replaces the file atomically.
    pub fn rewrite(&self, path: &Path) -> Result<(), ConfigError> {
        rewrite::rewrite(self, path)
    }

    /// CONFIG REWRITE of the startup config file, or `NoConfigFile`.
    pub fn rewrite_config_file(&self) -> Result<(), ConfigError> {
        match self.config_file() {
            Some(path) => self.rewrite(path),
            None => Err(ConfigError::NoConfigFile),
        }
    }

    /// Whether a parameter's value must be redacted from logs, slowlog and
    /// MONITOR (requirepass, masterauth, masteruser).
    pub fn is_sensitive(name: &[u8]) -> bool {
        table::lookup(name).is_some_and(|i| table::param(i).flags & SENSITIVE != 0)
    }

    /// Every primary parameter name, in table order.
    pub fn parameter_names() -> impl Iterator<Item = &'static str> {
        table::PARAMS.iter().map(|p| p.name)
    }

    fn protected_allowed(&self, local_client: bool) -> bool {
        let mode = self
            .generic_by_name("enable-protected-configs")
            .and_then(|v| match v {
                Value::Enum(e) => Some(*e),
                _ => None,
            })
            .unwrap_or(0);
        mode == 1 || (mode == 2 && local_client)
    }

    // -- internal access used by parse.rs, table.rs and rewrite.rs --------

    pub(crate) fn value_at(&self, idx: usize) -> Value {
        let p = table::param(idx);
        self.typed_value(p.name)
            .or_else(|| self.generic.get(idx).cloned())
            .unwrap_or_else(|| table::default_value(p, &self.dir))
    }

    fn store(&mut self, idx: usize, v: Value) {
        let p = table::param(idx);
        if !self.set_typed(p.name, &v) {
            if let Some(slot) = self.generic.get_mut(idx) {
                *slot = v;
            }
        }
    }

    fn render(&self, idx: usize) -> Vec<u8> {
        table::render(table::param(idx), &self.value_at(idx))
    }

    fn generic_by_name(&self, name: &str) -> Option<&Value> {
        table::lookup(name.as_bytes()).and_then(|i| self.generic.get(i))
    }

    /// Parse `args` for parameter `idx` and store the result; `Ok(true)`
    /// when Redis would count it as a change.
    pub(crate) fn set_param(
        &mut self,
        idx: usize,
        args: &[Vec<u8>],
        save_mode: SaveMode,
    ) -> Result<bool, String> {
        let p = table::param(idx);
        let current = self.value_at(idx);
        let ctx = table::SetCtx {
            cfg: self,
            current: &current,
            save_mode,
        };
        let (new, changed) = table::parse_value(p, args, &ctx)?;
        self.store(idx, new);
        Ok(changed)
    }

    pub(crate) fn cluster_enabled(&self) -> bool {
        matches!(
            self.generic_by_name("cluster-enabled"),
            Some(Value::Bool(true))
        )
    }

    /// The master as (host, port) when `replicaof` is set.
    pub fn replicaof(&self) -> Option<(String, i32)> {
        match self.generic_by_name("replicaof") {
            Some(Value::ReplicaOf(r)) => r.clone(),
            _ => None,
        }
    }

    pub(crate) fn num_by_name(&self, name: &str) -> i64 {
        match table::lookup(name.as_bytes()).map(|i| self.value_at(i)) {
            Some(Value::Num(n)) => n,
            _ => 0,
        }
    }
}

/// Arguments the binary handles itself when they come first (`-v`,
/// `--version`, `-h`, `--help`, `--test-memory`, `--check-system`,
/// `--test-config`); `load` skips such a first argument.
pub fn is_meta_flag(arg: &str) -> bool {
    matches!(
        arg,
        "-v" | "--version" | "-h" | "--help" | "--test-memory" | "--check-system" | "--test-config"
    )
}

/// Load the configuration from command-line arguments, program name
/// excluded: `[/path/to/zedis.conf | -] [--name value [value ...]] ...`.
/// The file (or stdin for "-") is read first, then the options are applied
/// as extra config lines, exactly as redis-server does. With no arguments
/// the built-in defaults are returned.
pub fn load(args: &[String]) -> Result<Config, ConfigError> {
    let mut args = args;
    if let Some(first) = args.first() {
        if is_meta_flag(first) {
            let skip = if first == "--test-memory" { 2 } else { 1 };
            args = args.get(skip..).unwrap_or(&[]);
        }
    }
    let cwd = std::env::current_dir().unwrap_or_default();
    let mut cfg = Config::with_cwd(cwd.clone());
    if args.is_empty() {
        return Ok(cfg);
    }
    let cl = parse::assemble_command_line(args);
    let config_path = cl
        .config_file
        .as_ref()
        .map(|f| parse::absolute_path(f.as_bytes(), &cwd));
    cfg.config_file.clone_from(&config_path);

    let mut loader = parse::Loader::new(&mut cfg);
    let mut text = Vec::new();
    let mut segments = Vec::new();
    if let Some(path) = &config_path {
        use std::os::unix::ffi::OsStrExt;
        if let Some(content) = loader.read_named(path.as_os_str().as_bytes())? {
            text.extend_from_slice(&content);
        }
        segments.push(parse::Segment {
            origin: path.display().to_string(),
            end: text.len(),
        });
    }
    if cl.stdin {
        std::io::stdin()
            .read_to_end(&mut text)
            .map_err(|e| ConfigError::Open {
                path: "(stdin)".into(),
                reason: parse::strerror(&e),
            })?;
        segments.push(parse::Segment {
            origin: "(stdin)".into(),
            end: text.len(),
        });
    }
    text.push(b'\n');
    text.extend_from_slice(&cl.options);
    segments.push(parse::Segment {
        origin: "(command line)".into(),
        end: text.len(),
    });
    loader.load_text(&text, &segments)?;
    Ok(cfg)
}

/// Load configuration text as if it were a config file named `origin`
/// (used in errors). Relative paths resolve against the current directory.
/// The result has no `config_file`.
pub fn load_str(text: &str, origin: &str) -> Result<Config, ConfigError> {
    let mut cfg = Config::default();
    parse::Loader::new(&mut cfg).load_text(
        text.as_bytes(),
        &[parse::Segment {
            origin: origin.to_string(),
            end: text.len(),
        }],
    )?;
    Ok(cfg)
}

impl MaxmemoryPolicy {
    /// The policy's name as CONFIG GET and INFO print it.
    pub fn name(self) -> &'static str {
        match self {
            MaxmemoryPolicy::VolatileLru => "volatile-lru",
            MaxmemoryPolicy::VolatileLfu => "volatile-lfu",
            MaxmemoryPolicy::VolatileRandom => "volatile-random",
            MaxmemoryPolicy::VolatileTtl => "volatile-ttl",
            MaxmemoryPolicy::AllkeysLru => "allkeys-lru",
            MaxmemoryPolicy::AllkeysLfu => "allkeys-lfu",
            MaxmemoryPolicy::AllkeysRandom => "allkeys-random",
            MaxmemoryPolicy::NoEviction => "noeviction",
        }
    }
}

impl Config {
    pub fn maxmemory_policy_name(&self) -> &'static str {
        self.maxmemory_policy.name()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn glob(p: &[u8], s: &[u8]) -> bool {
        crate::util::glob::glob_match(p, s, true)
    }

    fn get1(cfg: &Config, name: &str) -> String {
        let v = cfg.get(&[name.as_bytes()], glob);
        assert_eq!(v.len(), 1, "{name}: {v:?}");
        String::from_utf8(v[0].1.clone()).unwrap()
    }

    fn set_err(cfg: &mut Config, pairs: &[(&str, &str)]) -> String {
        let pairs: Vec<(&[u8], &[u8])> = pairs
            .iter()
            .map(|(k, v)| (k.as_bytes(), v.as_bytes()))
            .collect();
        let e = cfg.set(&pairs).unwrap_err();
        format!("{} {}", e.code(), e)
    }

    fn load_err(text: &str) -> (Option<usize>, String, String) {
        match load_str(text, "test.conf").unwrap_err() {
            ConfigError::Directive {
                line, text, reason, ..
            } => (line, text, reason),
            other => panic!("unexpected {other:?}"),
        }
    }

    /// A fresh directory under the system temp dir, removed on drop.
    struct TempDir(PathBuf);
    impl TempDir {
        fn new(tag: &str) -> TempDir {
            static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
            let n = N.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let p =
                std::env::temp_dir().join(format!("zedis-cfg-{tag}-{}-{n}", std::process::id()));
            std::fs::create_dir_all(&p).unwrap();
            TempDir(std::fs::canonicalize(&p).unwrap())
        }
        fn file(&self, name: &str, text: &str) -> PathBuf {
            let p = self.0.join(name);
            std::fs::write(&p, text).unwrap();
            p
        }
        fn path(&self) -> &Path {
            &self.0
        }
    }
    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    fn strings(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| s.to_string()).collect()
    }

    // ---------------------------------------------------------------------
    // Table and defaults
    // ---------------------------------------------------------------------

    /// Undoes zedis's deliberate default differences (docs/compat.md) so CONFIG GET output can
    /// be compared with a real Redis: the zedis-only `snapshot-format`, and `dbfilename`
    /// defaulting to the native `dump.zdb`.
    fn as_redis(got: &mut Vec<(String, String)>) {
        got.retain(|(k, _)| k != "snapshot-format");
        for (k, v) in got.iter_mut() {
            if k == "dbfilename" && v == "dump.zdb" {
                *v = "dump.rdb".into();
            }
        }
    }

    #[test]
    fn defaults_match_real_server_config_get_star() {
        let cfg = Config {
            dir: PathBuf::from("/tmp/rtest"),
            ..Config::default()
        };
        let mut got: Vec<(String, String)> = cfg
            .get(&[b"*"], glob)
            .into_iter()
            .map(|(k, v)| (k, String::from_utf8(v).unwrap()))
            .collect();
        assert!(got.contains(&("snapshot-format".into(), "native".into())));
        as_redis(&mut got);
        got.sort();
        let mut want: Vec<(String, String)> = REAL_DEFAULTS
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        want.sort();
        assert_eq!(got.len(), 192);
        assert_eq!(got, want);
    }

    #[test]
    fn typed_defaults() {
        let c = Config::default();
        assert_eq!(c.port, 6379);
        assert_eq!(c.bind, ["127.0.0.1", "-::1"]);
        assert_eq!(c.unixsocket, None);
        assert_eq!(c.requirepass, None);
        assert!(c.protected_mode);
        assert_eq!(c.maxclients, 10000);
        assert_eq!(c.timeout, 0);
        assert_eq!(c.tcp_keepalive, 300);
        assert_eq!(c.tcp_backlog, 511);
        assert_eq!(c.databases, 16);
        assert_eq!(c.hz, 10);
        assert_eq!(c.loglevel, LogLevel::Notice);
        assert_eq!(c.logfile, "");
        assert_eq!(c.dbfilename, "dump.zdb");
        assert_eq!(c.snapshot_format, SnapshotFormat::Native);
        assert_eq!(c.save, [(3600, 1), (300, 100), (60, 10000)]);
        assert!(!c.appendonly);
        assert_eq!(c.appendfsync, AppendFsync::Everysec);
        assert_eq!(c.appendfilename, "appendonly.aof");
        assert_eq!(c.appenddirname, "appendonlydir");
        assert!(c.aof_use_rdb_preamble);
        assert_eq!(c.auto_aof_rewrite_percentage, 100);
        assert_eq!(c.auto_aof_rewrite_min_size, 64 << 20);
        assert_eq!(c.maxmemory, 0);
        assert_eq!(c.maxmemory_policy, MaxmemoryPolicy::NoEviction);
        assert_eq!(c.maxmemory_samples, 5);
        assert_eq!(c.maxmemory_eviction_tenacity, 10);
        assert_eq!(c.proto_max_bulk_len, 512 << 20);
        assert_eq!(c.client_query_buffer_limit, 1 << 30);
        assert_eq!(c.slowlog_log_slower_than, 10000);
        assert_eq!(c.slowlog_max_len, 128);
        assert_eq!(c.notify_keyspace_events, NotifyFlags(0));
        assert_eq!(c.list_max_listpack_size, -2);
        assert_eq!(c.hash_max_listpack_entries, 512);
        assert_eq!(c.zset_max_listpack_value, 64);
        assert_eq!(c.set_max_intset_entries, 512);
        assert_eq!(c.io_threads, 1);
        assert_eq!(c.active_expire_effort, 1);
        assert_eq!(
            c.client_output_buffer_limit[OBUF_REPLICA].hard_limit_bytes,
            256 << 20
        );
        assert_eq!(
            c.client_output_buffer_limit[OBUF_PUBSUB].soft_limit_seconds,
            60
        );
        assert_eq!(c.dir, std::env::current_dir().unwrap());
        assert_eq!(c.config_file(), None);
    }

    #[test]
    fn every_name_and_alias_resolves_and_round_trips_its_default() {
        let mut c = Config::default();
        for (name, idx) in table::all_names() {
            assert_eq!(
                table::lookup(name.to_ascii_uppercase().as_bytes()),
                Some(idx)
            );
            let p = table::param(idx);
            if p.flags & (IMMUTABLE | PROTECTED) != 0 {
                continue;
            }
            let before = c.get_value(name).unwrap();
            c.set(&[(name.as_bytes(), &before)])
                .unwrap_or_else(|e| panic!("{name} = {:?}: {e}", String::from_utf8_lossy(&before)));
            assert_eq!(c.get_value(name).unwrap(), before, "{name}");
        }
        assert_eq!(c, Config::default());
    }

    // ---------------------------------------------------------------------
    // CONFIG GET / SET against the real server
    // ---------------------------------------------------------------------

    enum Expect {
        Ok,
        Err(&'static [u8]),
        Map(&'static [(&'static [u8], &'static [u8])]),
    }

    #[test]
    fn replays_a_real_server_session() {
        let mut cfg = Config {
            port: 7393,
            unixsocket: Some("/tmp/rtest/r.sock".into()),
            // The reference server ran daemonized, which also sets a pidfile.
            daemonize: true,
            pidfile: Some("/var/run/redis.pid".into()),
            dir: PathBuf::from("/tmp/rtest"),
            ..Config::default()
        };
        for (n, (args, expect)) in REAL_SERVER_SESSION.iter().enumerate() {
            let what = format!(
                "step {n}: CONFIG {:?}",
                args.iter()
                    .map(|a| String::from_utf8_lossy(a))
                    .collect::<Vec<_>>()
            );
            let (verb, rest) = args.split_first().unwrap();
            if *verb == b"get" {
                let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
                let mut got: Vec<(String, String)> = cfg
                    .get(rest, glob)
                    .into_iter()
                    .map(|(k, v)| (k, text(&v)))
                    .collect();
                as_redis(&mut got);
                got.sort();
                let Expect::Map(want) = expect else {
                    panic!("{what}: bad expectation")
                };
                let want: Vec<(String, String)> =
                    want.iter().map(|(k, v)| (text(k), text(v))).collect();
                for (g, w) in got.iter().zip(&want) {
                    assert_eq!(g, w, "{what}");
                }
                assert_eq!(got.len(), want.len(), "{what}");
            } else {
                let pairs: Vec<(&[u8], &[u8])> = rest.chunks(2).map(|c| (c[0], c[1])).collect();
                match (cfg.set(&pairs), expect) {
                    (Ok(_), Expect::Ok) => {}
                    (Err(e), Expect::Err(want)) => {
                        assert_eq!(format!("{} {}", e.code(), e).as_bytes(), *want, "{what}")
                    }
                    (got, _) => panic!("{what}: got {got:?}"),
                }
            }
        }
    }

    #[test]
    fn get_echoes_spelling_and_dedups() {
        let c = Config::default();
        let got = c.get(&[b"PORT", b"port", b"*"], glob);
        assert_eq!(got[0], ("PORT".to_string(), b"6379".to_vec()));
        assert_eq!(
            got.iter()
                .filter(|(k, _)| k.eq_ignore_ascii_case("port"))
                .count(),
            1
        );
        // A case-sensitive matcher still matches like Redis's nocase one.
        let cs = c.get(&[b"MAXMEMORY-P*"], |p, s| {
            crate::util::glob::glob_match(p, s, false)
        });
        assert_eq!(
            cs,
            [("maxmemory-policy".to_string(), b"noeviction".to_vec())]
        );
        assert!(c.get(&[b"nope"], glob).is_empty());
    }

    #[test]
    fn set_reports_changed_canonical_names() {
        let mut c = Config::default();
        let changed = c
            .set(&[
                (b"maxmemory", b"10mb"),
                (b"hz", b"10"),
                (b"slave-read-only", b"no"),
            ])
            .unwrap();
        // hz kept its value: not a change. Aliases report the primary name.
        assert_eq!(changed, ["maxmemory", "replica-read-only"]);
        assert_eq!(c.maxmemory, 10 << 20);
        // Redis always counts these as changed.
        let changed = c
            .set(&[(b"save", b"3600 1 300 100 60 10000"), (b"bind", b"* -::*")])
            .unwrap();
        assert_eq!(changed, ["save", "bind"]);
        let changed = c
            .set(&[(b"replica-read-only", b"yes"), (b"slave-read-only", b"yes")])
            .unwrap();
        assert_eq!(changed, ["replica-read-only"]);
    }

    #[test]
    fn set_updates_typed_fields_and_fields_feed_get() {
        let mut c = Config::default();
        c.set(&[
            (b"port", b"7000"),
            (b"requirepass", b"s3cr\x00et"),
            (b"pidfile", b"/tmp/p\x00ignored"),
            (b"loglevel", b"debug"),
            (b"maxmemory-policy", b"allkeys-lfu"),
            (b"appendfsync", b"always"),
            (b"notify-keyspace-events", b"KEA"),
            (b"client-output-buffer-limit", b"pubsub 1mb 2mb 3"),
            (b"timeout", b"30"),
            (b"slowlog-log-slower-than", b"-1"),
            (b"bind", b"127.0.0.1 -::1"),
        ])
        .unwrap_err(); // pidfile is immutable: nothing applied
        assert_eq!(c.port, 6379);
        c.set(&[
            (b"port", b"7000"),
            (b"requirepass", b"s3cr\x00et"),
            (b"loglevel", b"debug"),
            (b"maxmemory-policy", b"allkeys-lfu"),
            (b"appendfsync", b"always"),
            (b"notify-keyspace-events", b"KEA"),
            (b"client-output-buffer-limit", b"pubsub 1mb 2mb 3"),
            (b"timeout", b"30"),
            (b"slowlog-log-slower-than", b"-1"),
            (b"bind", b"127.0.0.1 -::1"),
        ])
        .unwrap();
        assert_eq!(c.port, 7000);
        // requirepass is binary safe (an sds in Redis).
        assert_eq!(c.requirepass.as_deref(), Some(&b"s3cr\x00et"[..]));
        assert_eq!(c.loglevel, LogLevel::Debug);
        assert_eq!(c.maxmemory_policy, MaxmemoryPolicy::AllkeysLfu);
        assert_eq!(c.appendfsync, AppendFsync::Always);
        assert!(c
            .notify_keyspace_events
            .contains(NotifyFlags::ALL | NotifyFlags::KEYSPACE));
        assert_eq!(c.notify_keyspace_events.to_string(), "AKE");
        assert_eq!(
            c.client_output_buffer_limit[OBUF_PUBSUB],
            ClientBufferLimit {
                hard_limit_bytes: 1 << 20,
                soft_limit_bytes: 2 << 20,
                soft_limit_seconds: 3
            }
        );
        assert_eq!(c.timeout, 30);
        assert_eq!(c.slowlog_log_slower_than, -1);
        assert_eq!(c.bind, ["127.0.0.1", "-::1"]);

        c.port = 7001;
        c.maxmemory = 5 << 30;
        c.save = vec![(10, 1)];
        assert_eq!(get1(&c, "port"), "7001");
        assert_eq!(get1(&c, "maxmemory"), "5368709120");
        assert_eq!(get1(&c, "save"), "10 1");
    }

    #[test]
    fn set_is_atomic() {
        let mut c = Config::default();
        let before = c.clone();
        let e = set_err(
            &mut c,
            &[
                ("maxmemory", "1gb"),
                ("save", "1 1"),
                ("hz", "50"),
                ("loglevel", "loud"),
            ],
        );
        assert_eq!(
            e,
            "ERR CONFIG SET failed (possibly related to argument 'loglevel') - argument(s) must be one of the following: debug, verbose, notice, warning"
        );
        assert_eq!(c, before);
        // First problem wins, before anything is parsed.
        let e = set_err(&mut c, &[("maxmemory", "oops"), ("daemonize", "yes")]);
        assert!(
            e.ends_with("'daemonize') - can't set immutable config"),
            "{e}"
        );
        let e = set_err(
            &mut c,
            &[("maxmemory", "oops"), ("nope", "1"), ("daemonize", "x")],
        );
        assert_eq!(
            e,
            "ERR Unknown option or number of arguments for CONFIG SET - 'nope'"
        );
        assert_eq!(c, before);
    }

    #[test]
    fn apply_hooks_run_once_per_group_and_failures_roll_back() {
        let mut c = Config::default();
        let mut calls = Vec::new();
        let changed = c
            .set_with(
                &[
                    (b"min-replicas-to-write", b"1"),
                    (b"min-slaves-max-lag", b"5"),
                    (b"port", b"7100"),
                    (b"hz", b"9999"),
                    (b"oom-score-adj-values", b"0 200 800"),
                    (b"maxmemory", b"0"),
                ],
                SetOptions::default(),
                |name, cfg| {
                    calls.push((name, cfg.port));
                    Ok(())
                },
            )
            .unwrap();
        // oom values and maxmemory are unchanged: no hooks, not reported.
        assert_eq!(calls, [("good-replicas", 7100), ("port", 7100)]);
        assert_eq!(
            changed,
            [
                "min-replicas-to-write",
                "min-replicas-max-lag",
                "port",
                "hz"
            ]
        );
        assert_eq!(c.hz, 500);

        let before = c.clone();
        let mut calls = Vec::new();
        let e = c
            .set_with(
                &[(b"maxmemory", b"1mb"), (b"PORT", b"7200")],
                SetOptions::default(),
                |name, cfg| {
                    calls.push((name, cfg.port, cfg.maxmemory));
                    if name == "port" && cfg.port == 7200 {
                        Err("Unable to listen on this port. Check server logs.".into())
                    } else {
                        Ok(())
                    }
                },
            )
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "CONFIG SET failed (possibly related to argument 'port') - Unable to listen on this port. Check server logs."
        );
        assert_eq!(c, before);
        // Applied new values, then re-applied the restored ones.
        assert_eq!(
            calls,
            [
                ("maxmemory", 7200, 1 << 20),
                ("port", 7200, 1 << 20),
                ("maxmemory", 7100, 0),
                ("port", 7100, 0)
            ]
        );
    }

    #[test]
    fn protected_and_loading_options() {
        let mut c = Config::default();
        let dir = TempDir::new("prot");
        let d = dir.path().to_str().unwrap().as_bytes();
        let e = set_err(&mut c, &[("dir", dir.path().to_str().unwrap())]);
        assert_eq!(e, "ERR CONFIG SET failed (possibly related to argument 'dir') - can't set protected config");
        let mut local = load_str("enable-protected-configs local", "t").unwrap();
        let remote = SetOptions::default();
        let loc = SetOptions {
            local_client: true,
            ..SetOptions::default()
        };
        assert!(local
            .set_with(&[(b"dir", d)], remote, |_, _| Ok(()))
            .is_err());
        local.set_with(&[(b"dir", d)], loc, |_, _| Ok(())).unwrap();
        assert_eq!(local.dir, dir.path());
        let mut yes = load_str("enable-protected-configs yes", "t").unwrap();
        yes.set(&[(b"dbfilename", b"x.rdb")]).unwrap();
        assert_eq!(yes.dbfilename, "x.rdb");
        let e = yes.set(&[(b"dbfilename", b"a/b.rdb")]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "CONFIG SET failed (possibly related to argument 'dbfilename') - dbfilename can't be a path, just a filename"
        );
        let e = yes.set(&[(b"dir", b"/nonexistent-zedis-dir")]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "CONFIG SET failed (possibly related to argument 'dir') - No such file or directory"
        );
        let file = dir.file("f", "");
        let e = yes
            .set(&[(b"dir", file.to_str().unwrap().as_bytes())])
            .unwrap_err();
        assert!(e.to_string().ends_with("- Not a directory"), "{e}");
        // Relative dirs resolve against the current dir value.
        yes.set(&[(b"dir", d)]).unwrap();
        std::fs::create_dir(dir.path().join("sub")).unwrap();
        yes.set(&[(b"dir", b"sub")]).unwrap();
        assert_eq!(yes.dir, dir.path().join("sub"));
        assert_eq!(get1(&yes, "dir"), dir.path().join("sub").to_str().unwrap());

        let loading = SetOptions {
            loading: true,
            ..SetOptions::default()
        };
        let e = c
            .set_with(&[(b"appendonly", b"yes")], loading, |_, _| Ok(()))
            .unwrap_err();
        assert_eq!(
            (e.code(), e.to_string().as_str()),
            ("LOADING", "Redis is loading the dataset in memory")
        );
        c.set_with(&[(b"maxmemory", b"1")], loading, |_, _| Ok(()))
            .unwrap();
    }

    #[test]
    fn sensitive_names() {
        assert!(Config::is_sensitive(b"requirepass"));
        assert!(Config::is_sensitive(b"MASTERAUTH"));
        assert!(Config::is_sensitive(b"masteruser"));
        assert!(!Config::is_sensitive(b"port"));
        assert!(!Config::is_sensitive(b"nope"));
        assert_eq!(Config::parameter_names().count(), table::PARAMS.len());
    }

    // ---------------------------------------------------------------------
    // Config file parsing
    // ---------------------------------------------------------------------

    #[test]
    fn file_syntax() {
        let c = load_str(
            "# comment\n\
             \n\
             \t PORT 7000   \r\n\
             requirepass \"a\\x41\\tb\\\"c\"\n\
             masterauth 'it\\'s'\n\
             hz 1000\n\
             bind \"127.0.0.1 -::1\"\n\
             save \"900 1\"\n\
             save 300 10\n\
             maxmemory 2MB\n\
             loglevel WARNING\n\
             notify-keyspace-events Ex\n\
             client-output-buffer-limit normal 0 0 0 replica 1gb 512mb 30\n\
             slaveof 10.0.0.1 6380\n\
             list-max-ziplist-entries 5\n\
             lua-replicate-commands yes\n\
             sentinel\n\
             \x0b\n",
            "t.conf",
        )
        .unwrap();
        assert_eq!(c.port, 7000);
        assert_eq!(c.requirepass.as_deref(), Some(&b"aA\tb\"c"[..]));
        assert_eq!(c.masterauth.as_deref(), Some(&b"it's"[..]));
        assert_eq!(c.hz, 500);
        assert_eq!(c.bind, ["127.0.0.1", "-::1"]);
        assert_eq!(c.save, [(900, 1), (300, 10)]);
        assert_eq!(c.maxmemory, 2 << 20);
        assert_eq!(c.loglevel, LogLevel::Warning);
        assert_eq!(get1(&c, "notify-keyspace-events"), "xE");
        assert_eq!(
            get1(&c, "client-output-buffer-limit"),
            "normal 0 0 0 slave 1073741824 536870912 30 pubsub 33554432 8388608 60"
        );
        assert_eq!(c.replicaof(), Some(("10.0.0.1".to_string(), 6380)));
        assert_eq!(get1(&c, "replicaof"), "10.0.0.1 6380");
        assert_eq!(c.config_file(), None);
    }

    #[test]
    fn file_hz_is_clamped_low_too() {
        assert_eq!(load_str("hz 0", "t").unwrap().hz, 1);
    }

    #[test]
    fn save_empty_then_more() {
        let c = load_str("save 1 1\nsave \"\"\nsave 5 5\n", "t").unwrap();
        assert_eq!(c.save, [(5, 5)]);
        let c = load_str("save \"\"", "t").unwrap();
        assert!(c.save.is_empty());
        assert_eq!(get1(&c, "save"), "");
    }

    /// Error texts and line numbers as printed by redis-server 7.0.15.
    #[test]
    fn file_errors_like_redis() {
        let cases: &[(&str, usize, &str, &str)] = &[
            (
                "port 7400\nfoo bar\n",
                2,
                "foo bar",
                "Bad directive or wrong number of arguments",
            ),
            (
                "# c\nport abc\n",
                2,
                "port abc",
                "argument couldn't be parsed into an integer",
            ),
            (
                "port 7400 7401\n",
                1,
                "port 7400 7401",
                "wrong number of arguments",
            ),
            (
                "include\n",
                1,
                "include",
                "Bad directive or wrong number of arguments",
            ),
            ("save 900\n", 1, "save 900", "Invalid save parameters"),
            (
                "port \"7400\n",
                1,
                "port \"7400",
                "Unbalanced quotes in configuration line",
            ),
            (
                "port \"7400\"x\n",
                1,
                "port \"7400\"x",
                "Unbalanced quotes in configuration line",
            ),
            ("a.b\n", 1, "a.b", "Module config specified without value"),
            (
                "sentinel monitor x\n",
                1,
                "sentinel monitor x",
                "sentinel directive while not in sentinel mode",
            ),
            (
                "list-max-ziplist-value 1 2\n",
                1,
                "list-max-ziplist-value 1 2",
                "Bad directive or wrong number of arguments",
            ),
            (
                "  maxmemory  lots \n",
                1,
                "maxmemory  lots",
                "argument must be a memory value",
            ),
            (
                "daemonize maybe",
                1,
                "daemonize maybe",
                "argument must be 'yes' or 'no'",
            ),
            (
                "loglevel loud",
                1,
                "loglevel loud",
                "argument(s) must be one of the following: debug, verbose, notice, warning",
            ),
            (
                "unixsocketperm 999",
                1,
                "unixsocketperm 999",
                "argument couldn't be parsed as an octal number",
            ),
            (
                "unixsocketperm 1777",
                1,
                "unixsocketperm 1777",
                "argument must be between 0 and 777 inclusive",
            ),
            (
                "databases 0",
                1,
                "databases 0",
                "argument must be between 1 and 2147483647 inclusive",
            ),
            (
                "replicaof host 70000",
                1,
                "replicaof host 70000",
                "Invalid master port",
            ),
            (
                "replicaof host",
                1,
                "replicaof host",
                "wrong number of arguments",
            ),
            (
                "appendfilename a/b",
                1,
                "appendfilename a/b",
                "appendfilename can't be a path, just a filename",
            ),
            (
                "appenddirname \"\"",
                1,
                "appenddirname \"\"",
                "appenddirname can't be empty",
            ),
            (
                "oom-score-adj-values 1 2",
                1,
                "oom-score-adj-values 1 2",
                "wrong number of arguments",
            ),
            (
                "notify-keyspace-events KEq",
                1,
                "notify-keyspace-events KEq",
                "Invalid event class character. Use 'Ag$lshzxeKEtmdn'.",
            ),
            (
                "rename-command FOO BAR",
                1,
                "rename-command FOO BAR",
                "rename-command is not supported by zedis",
            ),
            (
                "loadmodule /x.so",
                1,
                "loadmodule /x.so",
                "loadmodule is not supported by zedis",
            ),
        ];
        for &(text, line, shown, reason) in cases {
            assert_eq!(
                load_err(text),
                (Some(line), shown.to_string(), reason.to_string()),
                "{text:?}"
            );
        }
    }

    #[test]
    fn file_errors_after_the_last_line() {
        let (line, _, reason) = load_err("logfile /nonexistent-zedis/log\n");
        assert_eq!(
            (line, reason.as_str()),
            (None, "Can't open the log file: No such file or directory")
        );
        let (line, _, reason) = load_err("replicaof 1.2.3.4 6379\ncluster-enabled yes\n");
        assert_eq!(
            (line, reason.as_str()),
            (None, "replicaof directive not allowed in cluster mode")
        );
        let e = load_str("port x", "t").unwrap_err();
        assert_eq!(
            e.fatal_report("7.0.15"),
            "\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\nReading the configuration file, at line 1\n>>> 'port x'\nargument couldn't be parsed into an integer\n"
        );
        assert_eq!(
            e.to_string(),
            "t:1: 'port x': argument couldn't be parsed into an integer"
        );
        let e = load_str("logfile /nonexistent-zedis/log", "t").unwrap_err();
        assert_eq!(
            e.fatal_report("7.0.15"),
            "\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\nCan't open the log file: No such file or directory\n"
        );
    }

    #[test]
    fn user_directives_are_kept_raw() {
        let c = load_str("user alice on >pw ~* +@all\nuser bob", "t").unwrap();
        assert_eq!(c.user_directives.len(), 2);
        assert_eq!(c.user_directives[0][0], b"alice");
        assert_eq!(c.user_directives[0].len(), 5);
        // "user" alone is a bad directive in Redis too.
        let c = load_str("user", "t");
        assert!(c.is_err());
    }

    #[test]
    fn logfile_and_includes_resolve_against_dir() {
        let t = TempDir::new("inc");
        std::fs::create_dir(t.path().join("sub")).unwrap();
        std::fs::create_dir(t.path().join("conf.d")).unwrap();
        t.file("sub/inc.conf", "maxmemory 1mb\n");
        t.file("conf.d/b.conf", "timeout 20\n");
        t.file("conf.d/a.conf", "timeout 10\nhz 7\n");
        t.file("conf.d/.hidden.conf", "hz 99\n");
        let main = format!(
            "dir {}\ndir sub\ninclude inc.conf\nlogfile z.log\ninclude {}/conf.d/*.conf\ninclude {}/empty.d/*.conf\n",
            t.path().display(),
            t.path().display(),
            t.path().display()
        );
        let c = load_str(&main, "main").unwrap();
        assert_eq!(c.dir, t.path().join("sub"));
        assert_eq!(c.maxmemory, 1 << 20);
        assert_eq!(c.timeout, 20); // a.conf then b.conf
        assert_eq!(c.hz, 7); // dot files are not matched by *
        assert!(t.path().join("sub/z.log").exists());

        let missing = format!("include {}/nope.conf", t.path().display());
        let e = load_str(&missing, "main").unwrap_err();
        assert_eq!(
            e.to_string(),
            format!(
                "Fatal error, can't open config file '{}/nope.conf': No such file or directory",
                t.path().display()
            )
        );
        // Errors inside an include report the included file and its line.
        t.file("bad.conf", "\n\nport nope\n");
        let e = load_str(
            &format!("port 1\ninclude {}/bad.conf", t.path().display()),
            "main",
        )
        .unwrap_err();
        match e {
            ConfigError::Directive { origin, line, .. } => {
                assert_eq!(origin, format!("{}/bad.conf", t.path().display()));
                assert_eq!(line, Some(3));
            }
            other => panic!("{other:?}"),
        }
        // Self inclusion stops instead of overflowing the stack.
        let selfinc = t.file("self.conf", "include self.conf\n");
        let text = format!("dir {}\ninclude {}", t.path().display(), selfinc.display());
        assert!(load_str(&text, "main").is_err());
    }

    /// Redis clears its "reading a config file" flag when an include ends,
    /// so later `save` lines replace instead of accumulating.
    #[test]
    fn save_after_include_replaces_like_redis() {
        let t = TempDir::new("saveinc");
        let empty = t.file("empty.conf", "");
        let c = load_str(
            &format!("include {}\nsave 900 1\nsave 300 10\n", empty.display()),
            "t",
        )
        .unwrap();
        assert_eq!(c.save, [(300, 10)]);
        let c = load_str("save 900 1\nsave 300 10\n", "t").unwrap();
        assert_eq!(c.save, [(900, 1), (300, 10)]);
    }

    // ---------------------------------------------------------------------
    // Command line
    // ---------------------------------------------------------------------

    #[test]
    fn command_line_only() {
        let c = load(&strings(&[
            "--port",
            "7401",
            "--bind",
            "127.0.0.1 -::1",
            "--save",
            "--appendonly",
            "no",
            "--maxmemory",
            "2mb",
        ]))
        .unwrap();
        assert_eq!(c.port, 7401);
        assert_eq!(c.bind, ["127.0.0.1", "-::1"]);
        assert!(c.save.is_empty());
        assert_eq!(c.maxmemory, 2 << 20);
        assert_eq!(c.config_file(), None);
        let c = load(&strings(&["--port", "7401", "--save"])).unwrap();
        assert!(c.save.is_empty());
        let c = load(&strings(&["--masterauth", "--foo"])).unwrap();
        assert_eq!(c.masterauth.as_deref(), Some(&b"--foo"[..]));
        let c = load(&strings(&["--port 7401", "--maxmemory", "3mb"])).unwrap();
        assert_eq!((c.port, c.maxmemory), (7401, 3 << 20));
        let c = load(&strings(&["--save", "60", "5", "--save", "10", "1"])).unwrap();
        assert_eq!(c.save, [(60, 5), (10, 1)]);
        assert_eq!(load(&[]).unwrap(), Config::default());
        assert_eq!(load(&strings(&["--version"])).unwrap(), Config::default());
        assert!(is_meta_flag("--help") && is_meta_flag("-v") && !is_meta_flag("--port"));
    }

    #[test]
    fn command_line_errors_like_redis() {
        let e = |args: &[&str]| match load(&strings(args)).unwrap_err() {
            ConfigError::Directive {
                origin,
                line,
                text,
                reason,
            } => (origin, line, text, reason),
            other => panic!("{other:?}"),
        };
        assert_eq!(
            e(&["--port"]),
            (
                "(command line)".into(),
                Some(2),
                "port".into(),
                "wrong number of arguments".into()
            )
        );
        assert_eq!(
            e(&["--port", "7400", "--bogus", "1"]),
            (
                "(command line)".into(),
                Some(3),
                "bogus \"1\"".into(),
                "Bad directive or wrong number of arguments".into()
            )
        );
        let t = TempDir::new("cl");
        let h = t.file("h.conf", "port 7400\n");
        let i = t.file("i.conf", "port 7400");
        assert_eq!(e(&[h.to_str().unwrap(), "--bogus", "1", "2"]).1, Some(3));
        assert_eq!(
            e(&[h.to_str().unwrap(), "--bogus", "1", "2"]).2,
            "bogus \"1\" \"2\""
        );
        assert_eq!(e(&[i.to_str().unwrap(), "--bogus", "1", "2"]).1, Some(2));
        let bad = t.file("bad.conf", "port 1\nport x\n");
        let (origin, line, _, _) = e(&[bad.to_str().unwrap(), "--port", "2"]);
        assert_eq!((origin.as_str(), line), (bad.to_str().unwrap(), Some(2)));
        let missing = load(&strings(&["/nonexistent-zedis.conf"])).unwrap_err();
        assert_eq!(
            missing.to_string(),
            "Fatal error, can't open config file '/nonexistent-zedis.conf': No such file or directory"
        );
    }

    #[test]
    fn file_then_options_and_absolute_config_path() {
        let t = TempDir::new("merge");
        let f = t.file(
            "z.conf",
            "port 7000\nsave 900 1\nsave 300 10\nmaxmemory 1mb\n",
        );
        let c = load(&strings(&[
            f.to_str().unwrap(),
            "--port",
            "7001",
            "--save",
            "60",
            "5",
        ]))
        .unwrap();
        assert_eq!(c.port, 7001);
        assert_eq!(c.save, [(900, 1), (300, 10), (60, 5)]);
        assert_eq!(c.maxmemory, 1 << 20);
        assert_eq!(c.config_file(), Some(f.as_path()));
        // A relative name is made absolute against the startup directory.
        let cwd = std::env::current_dir().unwrap();
        let rel = pathdiff(&f, &cwd);
        let c = load(std::slice::from_ref(&rel)).unwrap();
        assert_eq!(c.config_file(), Some(f.as_path()), "{rel}");
    }

    /// `f` expressed relative to `base` with "../" steps.
    fn pathdiff(f: &Path, base: &Path) -> String {
        let up = base.components().count() - 1;
        let mut s = "../".repeat(up);
        s.push_str(f.to_str().unwrap().trim_start_matches('/'));
        s
    }

    // ---------------------------------------------------------------------
    // Rewrite round trip
    // ---------------------------------------------------------------------

    #[test]
    fn rewrite_then_reload_round_trips() {
        let t = TempDir::new("rt");
        let f = t.file(
            "z.conf",
            "# my settings\nport 7000\nslave-read-only no\nsave 900 1\nhz 10\n",
        );
        let mut c = load(&strings(&[f.to_str().unwrap()])).unwrap();
        c.set(&[
            (b"maxmemory", b"100mb"),
            (b"hz", b"10"),
            (b"save", b""),
            (b"replica-read-only", b"yes"),
            (b"notify-keyspace-events", b"Kx"),
            (b"requirepass", b"p\"w d\n"),
            (b"maxmemory-clients", b"3%"),
            (b"client-output-buffer-limit", b"normal 1kb 1000 5"),
            (b"shutdown-on-sigterm", b"save now"),
            (b"latency-tracking-info-percentiles", b"12.5 99.99"),
        ])
        .unwrap();
        c.rewrite_config_file().unwrap();
        let text = std::fs::read_to_string(&f).unwrap();
        assert!(
            text.starts_with("# my settings\nport 7000\nreplica-read-only yes\nsave \"\"\nhz 10\n"),
            "{text}"
        );
        let again = load(&strings(&[f.to_str().unwrap()])).unwrap();
        let all = |c: &Config| c.get(&[b"*"], glob);
        assert_eq!(all(&again), all(&c));
        assert_eq!(again, c);
    }

    /// The same file and arguments given to redis-server 7.0.15 produced
    /// exactly these CONFIG GET values.
    #[test]
    fn file_plus_options_matches_real_server() {
        let t = TempDir::new("v");
        let f = t.file(
            "v.conf",
            "port 7402\nclient-output-buffer-limit normal 0 0 0 replica 1gb 512mb 30\n\
             list-max-ziplist-entries 5\nlua-replicate-commands yes\nsentinel\n\x0b\nhz 0\n\
             unixsocketperm 700\nmaxmemory-clients 5%\nshutdown-on-sigterm save now\n\
             notify-keyspace-events Ex\n",
        );
        let args = [
            f.to_str().unwrap(),
            "--daemonize",
            "yes",
            "--save",
            "60",
            "5",
            "--save",
            "10",
            "1",
        ];
        let c = load(&strings(&args)).unwrap();
        for (name, want) in [
            ("shutdown-on-sigterm", "save now"),
            ("save", "60 5 10 1"),
            (
                "client-output-buffer-limit",
                "normal 0 0 0 slave 1073741824 536870912 30 pubsub 33554432 8388608 60",
            ),
            ("hz", "1"),
            ("maxmemory-clients", "5%"),
            ("notify-keyspace-events", "xE"),
            ("unixsocketperm", "700"),
            ("daemonize", "yes"),
            ("port", "7402"),
        ] {
            assert_eq!(get1(&c, name), want, "{name}");
        }
        assert_eq!(c.unixsocketperm, 0o700);
    }

    #[test]
    fn dir_change_goes_through_its_hook() {
        let t = TempDir::new("dirhook");
        let mut c = load_str("enable-protected-configs yes", "t").unwrap();
        let d = t.path().to_str().unwrap().as_bytes();
        let mut seen = Vec::new();
        c.set_with(&[(b"dir", d)], SetOptions::default(), |hook, cfg| {
            seen.push((hook, cfg.dir.clone()));
            Ok(())
        })
        .unwrap();
        assert_eq!(seen, [("dir", t.path().to_path_buf())]);
    }

    #[rustfmt::skip]
    // `CONFIG GET *` of redis-server 7.0.15 started as `redis-server --port 7392`
    // in /tmp/rtest (port shown here as the default 6379).
    const REAL_DEFAULTS: &[(&str, &str)] = &[
        ("acl-pubsub-default", "resetchannels"),
        ("aclfile", ""),
        ("acllog-max-len", "128"),
        ("active-defrag-cycle-max", "25"),
        ("active-defrag-cycle-min", "1"),
        ("active-defrag-ignore-bytes", "104857600"),
        ("active-defrag-max-scan-fields", "1000"),
        ("active-defrag-threshold-lower", "10"),
        ("active-defrag-threshold-upper", "100"),
        ("active-expire-effort", "1"),
        ("activedefrag", "no"),
        ("activerehashing", "yes"),
        ("always-show-logo", "no"),
        ("aof-disable-auto-gc", "no"),
        ("aof-load-truncated", "yes"),
        ("aof-rewrite-incremental-fsync", "yes"),
        ("aof-timestamp-enabled", "no"),
        ("aof-use-rdb-preamble", "yes"),
        ("aof_rewrite_cpulist", ""),
        ("appenddirname", "appendonlydir"),
        ("appendfilename", "appendonly.aof"),
        ("appendfsync", "everysec"),
        ("appendonly", "no"),
        ("auto-aof-rewrite-min-size", "67108864"),
        ("auto-aof-rewrite-percentage", "100"),
        ("bgsave_cpulist", ""),
        // Deliberately different: see DEFAULT_BIND.
        ("bind", "127.0.0.1 -::1"),
        ("bind-source-addr", ""),
        ("bio_cpulist", ""),
        ("busy-reply-threshold", "5000"),
        ("client-output-buffer-limit", "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60"),
        ("client-query-buffer-limit", "1073741824"),
        ("cluster-allow-pubsubshard-when-down", "yes"),
        ("cluster-allow-reads-when-down", "no"),
        ("cluster-allow-replica-migration", "yes"),
        ("cluster-announce-bus-port", "0"),
        ("cluster-announce-hostname", ""),
        ("cluster-announce-ip", ""),
        ("cluster-announce-port", "0"),
        ("cluster-announce-tls-port", "0"),
        ("cluster-config-file", "nodes.conf"),
        ("cluster-enabled", "no"),
        ("cluster-link-sendbuf-limit", "0"),
        ("cluster-migration-barrier", "1"),
        ("cluster-node-timeout", "15000"),
        ("cluster-port", "0"),
        ("cluster-preferred-endpoint-type", "ip"),
        ("cluster-replica-no-failover", "no"),
        ("cluster-replica-validity-factor", "10"),
        ("cluster-require-full-coverage", "yes"),
        ("cluster-slave-no-failover", "no"),
        ("cluster-slave-validity-factor", "10"),
        ("crash-log-enabled", "yes"),
        ("crash-memcheck-enabled", "yes"),
        ("daemonize", "no"),
        ("databases", "16"),
        ("dbfilename", "dump.rdb"),
        ("dir", "/tmp/rtest"),
        ("disable-thp", "yes"),
        ("dynamic-hz", "yes"),
        ("enable-debug-command", "no"),
        ("enable-module-command", "no"),
        ("enable-protected-configs", "no"),
        ("hash-max-listpack-entries", "512"),
        ("hash-max-listpack-value", "64"),
        ("hash-max-ziplist-entries", "512"),
        ("hash-max-ziplist-value", "64"),
        ("hll-sparse-max-bytes", "3000"),
        ("hz", "10"),
        ("ignore-warnings", ""),
        ("io-threads", "1"),
        ("io-threads-do-reads", "no"),
        ("jemalloc-bg-thread", "yes"),
        ("latency-monitor-threshold", "0"),
        ("latency-tracking", "yes"),
        ("latency-tracking-info-percentiles", "50 99 99.9"),
        ("lazyfree-lazy-eviction", "no"),
        ("lazyfree-lazy-expire", "no"),
        ("lazyfree-lazy-server-del", "no"),
        ("lazyfree-lazy-user-del", "no"),
        ("lazyfree-lazy-user-flush", "no"),
        ("lfu-decay-time", "1"),
        ("lfu-log-factor", "10"),
        ("list-compress-depth", "0"),
        ("list-max-listpack-size", "-2"),
        ("list-max-ziplist-size", "-2"),
        ("logfile", ""),
        ("loglevel", "notice"),
        ("lua-time-limit", "5000"),
        ("masterauth", ""),
        ("masteruser", ""),
        ("maxclients", "10000"),
        ("maxmemory", "0"),
        ("maxmemory-clients", "0"),
        ("maxmemory-eviction-tenacity", "10"),
        ("maxmemory-policy", "noeviction"),
        ("maxmemory-samples", "5"),
        ("min-replicas-max-lag", "10"),
        ("min-replicas-to-write", "0"),
        ("min-slaves-max-lag", "10"),
        ("min-slaves-to-write", "0"),
        ("no-appendfsync-on-rewrite", "no"),
        ("notify-keyspace-events", ""),
        ("oom-score-adj", "no"),
        ("oom-score-adj-values", "0 200 800"),
        ("pidfile", ""),
        ("port", "6379"),
        ("proc-title-template", "{title} {listen-addr} {server-mode}"),
        ("propagation-error-behavior", "ignore"),
        ("protected-mode", "yes"),
        ("proto-max-bulk-len", "536870912"),
        ("rdb-del-sync-files", "no"),
        ("rdb-save-incremental-fsync", "yes"),
        ("rdbchecksum", "yes"),
        ("rdbcompression", "yes"),
        ("repl-backlog-size", "1048576"),
        ("repl-backlog-ttl", "3600"),
        ("repl-disable-tcp-nodelay", "no"),
        ("repl-diskless-load", "disabled"),
        ("repl-diskless-sync", "yes"),
        ("repl-diskless-sync-delay", "5"),
        ("repl-diskless-sync-max-replicas", "0"),
        ("repl-ping-replica-period", "10"),
        ("repl-ping-slave-period", "10"),
        ("repl-timeout", "60"),
        ("replica-announce-ip", ""),
        ("replica-announce-port", "0"),
        ("replica-announced", "yes"),
        ("replica-ignore-disk-write-errors", "no"),
        ("replica-ignore-maxmemory", "yes"),
        ("replica-lazy-flush", "no"),
        ("replica-priority", "100"),
        ("replica-read-only", "yes"),
        ("replica-serve-stale-data", "yes"),
        ("replicaof", ""),
        ("requirepass", ""),
        ("sanitize-dump-payload", "no"),
        ("save", "3600 1 300 100 60 10000"),
        ("server_cpulist", ""),
        ("set-max-intset-entries", "512"),
        ("set-proc-title", "yes"),
        ("shutdown-on-sigint", "default"),
        ("shutdown-on-sigterm", "default"),
        ("shutdown-timeout", "10"),
        ("slave-announce-ip", ""),
        ("slave-announce-port", "0"),
        ("slave-ignore-maxmemory", "yes"),
        ("slave-lazy-flush", "no"),
        ("slave-priority", "100"),
        ("slave-read-only", "yes"),
        ("slave-serve-stale-data", "yes"),
        ("slaveof", ""),
        ("slowlog-log-slower-than", "10000"),
        ("slowlog-max-len", "128"),
        ("socket-mark-id", "0"),
        ("stop-writes-on-bgsave-error", "yes"),
        ("stream-node-max-bytes", "4096"),
        ("stream-node-max-entries", "100"),
        ("supervised", "no"),
        ("syslog-enabled", "no"),
        ("syslog-facility", "local0"),
        ("syslog-ident", "redis"),
        ("tcp-backlog", "511"),
        ("tcp-keepalive", "300"),
        ("timeout", "0"),
        ("tls-auth-clients", "yes"),
        ("tls-ca-cert-dir", ""),
        ("tls-ca-cert-file", ""),
        ("tls-cert-file", ""),
        ("tls-ciphers", ""),
        ("tls-ciphersuites", ""),
        ("tls-client-cert-file", ""),
        ("tls-client-key-file", ""),
        ("tls-client-key-file-pass", ""),
        ("tls-cluster", "no"),
        ("tls-dh-params-file", ""),
        ("tls-key-file", ""),
        ("tls-key-file-pass", ""),
        ("tls-port", "0"),
        ("tls-prefer-server-ciphers", "no"),
        ("tls-protocols", ""),
        ("tls-replication", "no"),
        ("tls-session-cache-size", "20480"),
        ("tls-session-cache-timeout", "300"),
        ("tls-session-caching", "yes"),
        ("tracking-table-max-keys", "1000000"),
        ("unixsocket", ""),
        ("unixsocketperm", "0"),
        ("zset-max-listpack-entries", "128"),
        ("zset-max-listpack-value", "64"),
        ("zset-max-ziplist-entries", "128"),
        ("zset-max-ziplist-value", "64"),
    ];

    #[rustfmt::skip]
    // Generated by running each command against redis-server 7.0.15.
    const REAL_SERVER_SESSION: &[(&[&[u8]], Expect)] = &[
        (&[b"get", b"port"], Expect::Map(&[(b"port", b"7393")])),
        (&[b"get", b"PORT", b"port", b"Port"], Expect::Map(&[(b"PORT", b"7393")])),
        (&[b"get", b"PO*"], Expect::Map(&[(b"port", b"7393")])),
        (&[b"get", b"slaveof", b"replicaof"], Expect::Map(&[(b"replicaof", b""), (b"slaveof", b"")])),
        (&[b"get", b"*of"], Expect::Map(&[(b"replicaof", b""), (b"slaveof", b"")])),
        (&[b"get", b"use-exit-on-panic"], Expect::Map(&[(b"use-exit-on-panic", b"no")])),
        (&[b"get", b"use-exit*"], Expect::Map(&[])),
        (&[b"get", b"maxmemory*", b"maxmemory"], Expect::Map(&[(b"maxmemory", b"0"), (b"maxmemory-clients", b"0"), (b"maxmemory-eviction-tenacity", b"10"), (b"maxmemory-policy", b"noeviction"), (b"maxmemory-samples", b"5")])),
        (&[b"get", b"nonexistent"], Expect::Map(&[])),
        (&[b"get", b"*slave*"], Expect::Map(&[(b"cluster-slave-no-failover", b"no"), (b"cluster-slave-validity-factor", b"10"), (b"min-slaves-max-lag", b"10"), (b"min-slaves-to-write", b"0"), (b"repl-ping-slave-period", b"10"), (b"slave-announce-ip", b""), (b"slave-announce-port", b"0"), (b"slave-ignore-maxmemory", b"yes"), (b"slave-lazy-flush", b"no"), (b"slave-priority", b"100"), (b"slave-read-only", b"yes"), (b"slave-serve-stale-data", b"yes"), (b"slaveof", b"")])),
        (&[b"get", b"*max*entries*"], Expect::Map(&[(b"hash-max-listpack-entries", b"512"), (b"hash-max-ziplist-entries", b"512"), (b"set-max-intset-entries", b"512"), (b"stream-node-max-entries", b"100"), (b"zset-max-listpack-entries", b"128"), (b"zset-max-ziplist-entries", b"128")])),
        (&[b"get", b"[hz]z"], Expect::Map(&[(b"hz", b"10")])),
        (&[b"get", b"lua-time-limit", b"busy-reply-threshold"], Expect::Map(&[(b"busy-reply-threshold", b"5000"), (b"lua-time-limit", b"5000")])),
        (&[b"get", b"*ZIPLIST*"], Expect::Map(&[(b"hash-max-ziplist-entries", b"512"), (b"hash-max-ziplist-value", b"64"), (b"list-max-ziplist-size", b"-2"), (b"zset-max-ziplist-entries", b"128"), (b"zset-max-ziplist-value", b"64")])),
        (&[b"set", b"foo", b"bar"], Expect::Err(b"ERR Unknown option or number of arguments for CONFIG SET - 'foo'")),
        (&[b"set", b"maxmemory", b"abc"], Expect::Err(b"ERR CONFIG SET failed (possibly related to argument 'maxmemory') - argument must be a memory value")),
        (&[b"set", b"maxmemory", b"-1"], Expect::Err(b"ERR CONFIG SET failed (possibly related to argument 'maxmemory') - argument must be a memory value")),
        (&[b"set", b"maxmemory", b""], Expect::Ok),
        (&[b"get", b"maxmemory"], Expect::Map(&[(b"maxmemory", b"0")])),
        (&[b"set", b"maxmemory", b"kb"], Expect::Ok),
        (&[b"set", b"maxmemory", b"1KB"], Expect::Ok),
        (&[b"get", b"maxmemory"], Expect::Map(&[(b"maxmemory", b"1024")])),
        (&[b"set", b"maxmemory", b"1k"], Expect::Ok),
        (&[b"get", b"maxmemory"], Expect::Map(&[(b"maxmemory", b"1000")])),
        (&[b"set", b"maxmemory", b"18446744073709551615"], Expect::Ok),
        (&[b"get", b"maxmemory"], Expect::Map(&[(b"maxmemory", b"18446744073709551615")])),
        (&[b"set", b"maxmemory", b"18446744073709551616"], Expect::Ok),
        (&[b"get", b"maxmemory"], Expect::Map(&[(b"maxmemory", b"18446744073709551615")])),
        (&[b"set", b"maxmemory", b"99999999999999999999gb"], Expect::Ok),
        (&[b"get", b"maxmemory"], Expect::Map(&[(b"maxmemory", b"18446744072635809792")])),
        (&[b"set", b"maxmemory", b"1gB"], Expect::Ok),
        (&[b"get", b"maxmemory"], Expect::Map(&[(b"maxmemory", b"1073741824")])),
        (&[b"set", b"maxmemory", b"0"], Expect::Ok),
        (&[b"set", b"daemonize", b"yes"], Expect::Err(b"ERR CONFIG SET failed (possibly related to argument 'daemonize') - can't set immutable config")),
        (&[b"set", b"DAEMONIZE", b"yes"], Expect::Err(b"ERR CONFIG SET failed (possibly related to argument 'DAEMONIZE') - can't set immutable config")),
        (&[b"set", b"port", b"abc"], Expect::Err(b"ERR CONFIG SET failed (possibly related to argument 'port') - argument couldn't be parsed into an integer")),
        (&[b"set", b"port", b"70000"], Expect::Err(b"ERR CONFIG SET failed (possibly related to argument 'port') - argument must be between 0 and 65535 inclusive")),
        (&[b"set", b"port", b"-1"], Expect::Err(b"ERR CONFIG SET failed (possibly related to argument 'port') - argument must be between 0 and 65535 inclusive")),
        (&[b"set", b"port", b"07392"], Expect::Err(b"ERR CONFIG SET failed (possibly related to argument 'port') - argument couldn't be parsed into an integer")),
        (&[b"set", b"hz", b"1000"], Expect::Ok),
        (&[b"get", b"hz"], Expect::Map(&[(b"hz", b"500")])),
        (&[b"set", b"hz", b"0"], Expect::Ok),
        (&[b"get", b"hz"], Expect::Map(&[(b"hz", b"1")])),
        (&[b"set", b"hz", b"10"], Expect::Ok),
        (&[b"set", b"slave-read-only", b"maybe"], Expect::Err(b"ERR CONFIG SET failed (possibly related to argument 'slave-read-only') - argument must be 'yes' or 'no'")),
        (&[b"set", b"MAXMEMORY", b"abc"], Expect::Err(b"ERR CONFIG SET failed (possibly related to argument 'maxmemory') - argument must be a memory value")),
        (&[b"set", b"hz", b"5", b"hz", b"6"], Expect::Err(b"ERR CONFIG SET failed (possibly related to argument 'hz') - duplicate parameter")),
        (&[b"set", b"hz", b"5", b"HZ", b"6"], Expect::Err(b"ERR CONFIG SET failed (possibly related to argument 'HZ') - duplicate parameter")),
        (&[b"set", b"replica-read-only", b"yes", b"slave-read-only", b"no"], Expect::Ok),
        (&[b"get", b"replica-read-only", b"slave-read-only"], Expect::Map(&[(b"replica-read-only", b"no"), (b"slave-read-only", b"no")])),
        (&[b"set", b"replica-read-only", b"yes"], Expect::Ok),
        (&[b"set", b"foo", b"bar", b"daemonize", b"yes"], Expect::Err(b"ERR Unknown option or number of arguments for CONFIG SET - 'foo'")),
        (&[b"set", b"daemonize", b"yes", b"foo", b"bar"], Expect::Err(b"ERR CONFIG SET failed (possibly related to argument 'daemonize') - can't set immutable config")),
        (&[b"set", b"maxmemory", b"5", b"foo", b"bar"], Expect::Err(b"ERR Unknown option or number of arguments for CONFIG SET - 'foo'")),
        (&[b"set", b"dir", b"/tmp"], Expect::Err(b"ERR CONFIG SET failed (possibly related to argument 'dir') - can't set protected config")),
        (&[b"set", b"dbfilename", b"x.rdb"], Expect::Err(b"ERR CONFIG SET failed (possibly related to argument 'dbfilename') - can't set protected config")),
        (&[b"set", b"loglevel", b"loud"], Expect::Err(b"ERR CONFIG SET failed (possibly related to argument 'loglevel') - argument(s) must be one of the following: debug, verbose, notice, warning")),
        (&[b"set", b"maxmemory-policy", b"foo"], Expect::Err(b"ERR CONFIG SET failed (possibly related to argument 'maxmemory-policy') - argument(s) must be one of the following: volatile-lru, volatile-lfu, volatile-random, volatile-ttl, allkeys-lru, allkeys-lfu, allkeys-random, noeviction")),
        (&[b"set", b"appendfsync", b"sometimes"], Expect::Err(b"ERR CONFIG SET failed (possibly related to argument 'appendfsync') - argument(s) must be one of the following: everysec, always, no")),
        (&[b"set", b"loglevel", b"WARNING"], Expect::Ok),
        (&[b"get", b"loglevel"], Expect::Map(&[(b"loglevel", b"warning")])),
        (&[b"set", b"loglevel", b"notice"], Expect::Ok),
        (&[b"set", b"maxmemory-policy", b"ALLKEYS-LRU"], Expect::Ok),
        (&[b"get", b"maxmemory-policy"], Expect::Map(&[(b"maxmemory-policy", b"allkeys-lru")])),
        (&[b"set", b"maxmemory-policy", b"noeviction"], Expect::Ok),
        (&[b"set", b"shutdown-on-sigint", b""], Expect::Err(b"ERR CONFIG SET failed (possibly related to argument 'shutdown-on-sigint') - argument(s) must be one of the following: default, save, nosave, now, force")),
        (&[b"set", b"shutdown-on-sigint", b"save nosave"], Expect::Err(b"ERR CONFIG SET failed (possibly related to argument 'shutdown-on-sigint') - shutdown options SAVE and NOSAVE can't be used simultaneously")),
        (&[b"set", b"shutdown-on-sigint", b"nosave now"], Expect::Ok),
        (&[b"get", b"shutdown-on-sigint"], Expect::Map(&[(b"shutdown-on-sigint", b"nosave now")])),
        (&[b"set", b"shutdown-on-sigint", b"now nosave force"], Expect::Ok),
        (&[b"get", b"shutdown-on-sigint"], Expect::Map(&[(b"shutdown-on-sigint", b"nosave now force")])),
        (&[b"set", b"shutdown-on-sigint", b"now"], Expect::Ok),
        (&[b"get", b"shutdown-on-sigint"], Expect::Map(&[(b"shutdown-on-sigint", b"now")])),
        (&[b"set", b"shutdown-on-sigint", b"default"], Expect::Ok),
        (&[b"get", b"shutdown-on-sigint"], Expect::Map(&[(b"shutdown-on-sigint", b"default")])),
        (&[b"set", b"save", b"100"], Expect::Err(b"ERR CONFIG SET failed (possibly related to argument 'save') - Invalid save parameters")),
        (&[b"set", b"save", b"0 10"], Expect::Err(b"ERR CONFIG SET failed (possibly related to argument 'save') - Invalid save parameters")),
        (&[b"set", b"save", b"10 -1"], Expect::Err(b"ERR CONFIG SET failed (possibly related to argument 'save') - Invalid save parameters")),
        (&[b"set", b"save", b"10 1  20 2"], Expect::Err(b"ERR CONFIG SET failed (possibly related to argument 'save') - Invalid save parameters")),
        (&[b"set", b"save", b"10 1 20"], Expect::Err(b"ERR CONFIG SET failed (possibly related to argument 'save') - Invalid save parameters")),
        (&[b"set", b"save", b"10 1 20 2"], Expect::Ok),
        (&[b"get", b"save"], Expect::Map(&[(b"save", b"10 1 20 2")])),
        (&[b"set", b"save", b"10 "], Expect::Ok),
        (&[b"get", b"save"], Expect::Map(&[(b"save", b"10 0")])),
        (&[b"set", b"save", b""], Expect::Ok),
        (&[b"get", b"save"], Expect::Map(&[(b"save", b"")])),
        (&[b"set", b"save", b"3600 1 300 100 60 10000"], Expect::Ok),
        (&[b"set", b"notify-keyspace-events", b"KEA"], Expect::Ok),
        (&[b"get", b"notify-keyspace-events"], Expect::Map(&[(b"notify-keyspace-events", b"AKE")])),
        (&[b"set", b"notify-keyspace-events", b"Ex"], Expect::Ok),
        (&[b"get", b"notify-keyspace-events"], Expect::Map(&[(b"notify-keyspace-events", b"xE")])),
        (&[b"set", b"notify-keyspace-events", b"Kq"], Expect::Err(b"ERR CONFIG SET failed (possibly related to argument 'notify-keyspace-events') - Invalid event class character. Use 'Ag$lshzxeKEtmdn'.")),
        (&[b"set", b"notify-keyspace-events", b"A"], Expect::Ok),
        (&[b"get", b"notify-keyspace-events"], Expect::Map(&[(b"notify-keyspace-events", b"A")])),
        (&[b"set", b"notify-keyspace-events", b"Agm"], Expect::Ok),
        (&[b"get", b"notify-keyspace-events"], Expect::Map(&[(b"notify-keyspace-events", b"Am")])),
        (&[b"set", b"notify-keyspace-events", b"gl$shzxetdnKEm"], Expect::Ok),
        (&[b"get", b"notify-keyspace-events"], Expect::Map(&[(b"notify-keyspace-events", b"AKEm")])),
        (&[b"set", b"notify-keyspace-events", b""], Expect::Ok),
        (&[b"get", b"notify-keyspace-events"], Expect::Map(&[(b"notify-keyspace-events", b"")])),
        (&[b"set", b"client-output-buffer-limit", b"normal 1 2"], Expect::Err(b"ERR CONFIG SET failed (possibly related to argument 'client-output-buffer-limit') - Wrong number of arguments in buffer limit configuration.")),
        (&[b"set", b"client-output-buffer-limit", b"master 1 2 3"], Expect::Err(b"ERR CONFIG SET failed (possibly related to argument 'client-output-buffer-limit') - Invalid client class specified in buffer limit configuration.")),
        (&[b"set", b"client-output-buffer-limit", b"normal 1x 2 3"], Expect::Err(b"ERR CONFIG SET failed (possibly related to argument 'client-output-buffer-limit') - Error in hard, soft or soft_seconds setting in buffer limit configuration.")),
        (&[b"set", b"client-output-buffer-limit", b"normal 1 2 -1"], Expect::Err(b"ERR CONFIG SET failed (possibly related to argument 'client-output-buffer-limit') - Error in hard, soft or soft_seconds setting in buffer limit configuration.")),
        (&[b"set", b"client-output-buffer-limit", b"normal 1kb 2mb 3 replica 1gb 2 5"], Expect::Ok),
        (&[b"get", b"client-output-buffer-limit"], Expect::Map(&[(b"client-output-buffer-limit", b"normal 1024 2097152 3 slave 1073741824 2 5 pubsub 33554432 8388608 60")])),
        (&[b"set", b"client-output-buffer-limit", b"normal 1 2 4294967296"], Expect::Ok),
        (&[b"get", b"client-output-buffer-limit"], Expect::Map(&[(b"client-output-buffer-limit", b"normal 1 2 0 slave 1073741824 2 5 pubsub 33554432 8388608 60")])),
        (&[b"set", b"client-output-buffer-limit", b"NORMAL 0 0 0 slave 268435456 67108864 60"], Expect::Ok),
        (&[b"get", b"client-output-buffer-limit"], Expect::Map(&[(b"client-output-buffer-limit", b"normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60")])),
        (&[b"set", b"client-output-buffer-limit", b""], Expect::Ok),
        (&[b"get", b"client-output-buffer-limit"], Expect::Map(&[(b"client-output-buffer-limit", b"normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60")])),
        (&[b"set", b"oom-score-adj-values", b"1 2"], Expect::Err(b"ERR CONFIG SET failed (possibly related to argument 'oom-score-adj-values') - wrong number of arguments")),
        (&[b"set", b"oom-score-adj-values", b"1 2 3000"], Expect::Err(b"ERR CONFIG SET failed (possibly related to argument 'oom-score-adj-values') - Invalid oom-score-adj-values, elements must be between -2000 and 2000.")),
        (&[b"set", b"oom-score-adj-values", b"0 200 800"], Expect::Ok),
        (&[b"set", b"maxmemory-clients", b"5%"], Expect::Ok),
        (&[b"get", b"maxmemory-clients"], Expect::Map(&[(b"maxmemory-clients", b"5%")])),
        (&[b"set", b"maxmemory-clients", b"101%"], Expect::Err(b"ERR CONFIG SET failed (possibly related to argument 'maxmemory-clients') - percentage argument must be less or equal to 100")),
        (&[b"set", b"maxmemory-clients", b"-5"], Expect::Err(b"ERR CONFIG SET failed (possibly related to argument 'maxmemory-clients') - argument must be a memory or percent value")),
        (&[b"set", b"maxmemory-clients", b"0%"], Expect::Ok),
        (&[b"get", b"maxmemory-clients"], Expect::Map(&[(b"maxmemory-clients", b"0")])),
        (&[b"set", b"maxmemory-clients", b"10mb"], Expect::Ok),
        (&[b"get", b"maxmemory-clients"], Expect::Map(&[(b"maxmemory-clients", b"10485760")])),
        (&[b"set", b"maxmemory-clients", b"18446744073709551615"], Expect::Ok),
        (&[b"get", b"maxmemory-clients"], Expect::Map(&[(b"maxmemory-clients", b"1%")])),
        (&[b"set", b"maxmemory-clients", b"0"], Expect::Ok),
        (&[b"set", b"unixsocketperm", b"777"], Expect::Err(b"ERR CONFIG SET failed (possibly related to argument 'unixsocketperm') - can't set immutable config")),
        (&[b"set", b"proto-max-bulk-len", b"100"], Expect::Err(b"ERR CONFIG SET failed (possibly related to argument 'proto-max-bulk-len') - argument must be between 1048576 and 9223372036854775807 inclusive")),
        (&[b"set", b"proto-max-bulk-len", b"18446744073709551615"], Expect::Err(b"ERR CONFIG SET failed (possibly related to argument 'proto-max-bulk-len') - argument must be between 1048576 and 9223372036854775807 inclusive")),
        (&[b"set", b"proto-max-bulk-len", b"2mb"], Expect::Ok),
        (&[b"get", b"proto-max-bulk-len"], Expect::Map(&[(b"proto-max-bulk-len", b"2097152")])),
        (&[b"set", b"proto-max-bulk-len", b"512mb"], Expect::Ok),
        (&[b"set", b"client-query-buffer-limit", b"1k"], Expect::Err(b"ERR CONFIG SET failed (possibly related to argument 'client-query-buffer-limit') - argument must be between 1048576 and 9223372036854775807 inclusive")),
        (&[b"set", b"slowlog-log-slower-than", b"-2"], Expect::Err(b"ERR CONFIG SET failed (possibly related to argument 'slowlog-log-slower-than') - argument must be between -1 and 9223372036854775807 inclusive")),
        (&[b"set", b"slowlog-log-slower-than", b"-1"], Expect::Ok),
        (&[b"get", b"slowlog-log-slower-than"], Expect::Map(&[(b"slowlog-log-slower-than", b"-1")])),
        (&[b"set", b"slowlog-log-slower-than", b"10000"], Expect::Ok),
        (&[b"set", b"maxclients", b"0"], Expect::Err(b"ERR CONFIG SET failed (possibly related to argument 'maxclients') - argument must be between 1 and 4294967295 inclusive")),
        (&[b"set", b"maxclients", b"4294967296"], Expect::Err(b"ERR CONFIG SET failed (possibly related to argument 'maxclients') - argument must be between 1 and 4294967295 inclusive")),
        (&[b"set", b"list-max-listpack-size", b"99999999999"], Expect::Err(b"ERR CONFIG SET failed (possibly related to argument 'list-max-listpack-size') - argument must be between -2147483648 and 2147483647 inclusive")),
        (&[b"set", b"list-max-listpack-size", b"-0"], Expect::Err(b"ERR CONFIG SET failed (possibly related to argument 'list-max-listpack-size') - argument couldn't be parsed into an integer")),
        (&[b"set", b"list-max-ziplist-size", b"-5"], Expect::Ok),
        (&[b"get", b"list-max-listpack-size"], Expect::Map(&[(b"list-max-listpack-size", b"-5")])),
        (&[b"set", b"list-max-listpack-size", b"-2"], Expect::Ok),
        (&[b"set", b"hash-max-listpack-entries", b"-1"], Expect::Err(b"ERR CONFIG SET failed (possibly related to argument 'hash-max-listpack-entries') - argument must be between 0 and 9223372036854775807 inclusive")),
        (&[b"set", b"slowlog-max-len", b"-1"], Expect::Err(b"ERR CONFIG SET failed (possibly related to argument 'slowlog-max-len') - argument must be between 0 and 9223372036854775807 inclusive")),
        (&[b"set", b"timeout", b"99999999999999999999"], Expect::Err(b"ERR CONFIG SET failed (possibly related to argument 'timeout') - argument couldn't be parsed into an integer")),
        (&[b"set", b"databases", b"4"], Expect::Err(b"ERR CONFIG SET failed (possibly related to argument 'databases') - can't set immutable config")),
        (&[b"set", b"appendfilename", b"foo"], Expect::Err(b"ERR CONFIG SET failed (possibly related to argument 'appendfilename') - can't set immutable config")),
        (&[b"set", b"latency-tracking-info-percentiles", b"50 abc"], Expect::Err(b"ERR CONFIG SET failed (possibly related to argument 'latency-tracking-info-percentiles') - Invalid latency-tracking-info-percentiles parameters")),
        (&[b"set", b"latency-tracking-info-percentiles", b"101"], Expect::Err(b"ERR CONFIG SET failed (possibly related to argument 'latency-tracking-info-percentiles') - latency-tracking-info-percentiles parameters should sit between [0.0,100.0]")),
        (&[b"set", b"latency-tracking-info-percentiles", b"0.5 99.99999 100"], Expect::Ok),
        (&[b"get", b"latency-tracking-info-percentiles"], Expect::Map(&[(b"latency-tracking-info-percentiles", b"0.5 99.99999 100")])),
        (&[b"set", b"latency-tracking-info-percentiles", b""], Expect::Ok),
        (&[b"get", b"latency-tracking-info-percentiles"], Expect::Map(&[(b"latency-tracking-info-percentiles", b"")])),
        (&[b"set", b"latency-tracking-info-percentiles", b"1e1 0.1234567"], Expect::Ok),
        (&[b"get", b"latency-tracking-info-percentiles"], Expect::Map(&[(b"latency-tracking-info-percentiles", b"10 0.123457")])),
        (&[b"set", b"latency-tracking-info-percentiles", b"50 99 99.9"], Expect::Ok),
        (&[b"set", b"activedefrag", b"yes"], Expect::Err(b"ERR CONFIG SET failed (possibly related to argument 'activedefrag') - Active defragmentation cannot be enabled: it requires a Redis server compiled with a modified Jemalloc like the one shipped by default with the Redis source distribution")),
        (&[b"get", b"activedefrag"], Expect::Map(&[(b"activedefrag", b"no")])),
        (&[b"set", b"activedefrag", b"no"], Expect::Ok),
        (&[b"set", b"cluster-announce-hostname", b"bad_host"], Expect::Err(b"ERR CONFIG SET failed (possibly related to argument 'cluster-announce-hostname') - Hostnames may only contain alphanumeric characters, hyphens or dots")),
        (&[b"set", b"cluster-announce-hostname", b"good-host.example"], Expect::Ok),
        (&[b"get", b"cluster-announce-hostname"], Expect::Map(&[(b"cluster-announce-hostname", b"good-host.example")])),
        (&[b"set", b"cluster-announce-hostname", b""], Expect::Ok),
        (&[b"get", b"cluster-announce-hostname"], Expect::Map(&[(b"cluster-announce-hostname", b"")])),
        (&[b"set", b"proc-title-template", b"{foo}"], Expect::Err(b"ERR CONFIG SET failed (possibly related to argument 'proc-title-template') - template format is invalid or contains unknown variables")),
        (&[b"set", b"proc-title-template", b"{title}"], Expect::Err(b"ERR CONFIG SET failed (possibly related to argument 'proc-title-template') - template format is invalid or contains unknown variables")),
        (&[b"set", b"proc-title-template", b"{port}"], Expect::Ok),
        (&[b"get", b"proc-title-template"], Expect::Map(&[(b"proc-title-template", b"{port}")])),
        (&[b"set", b"proc-title-template", b"{{x"], Expect::Ok),
        (&[b"get", b"proc-title-template"], Expect::Map(&[(b"proc-title-template", b"{{x")])),
        (&[b"set", b"proc-title-template", b"{title} {listen-addr} {server-mode}"], Expect::Ok),
        (&[b"set", b"bind", b"1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17"], Expect::Err(b"ERR CONFIG SET failed (possibly related to argument 'bind') - Too many bind addresses specified.")),
        (&[b"set", b"requirepass", b""], Expect::Ok),
        (&[b"get", b"requirepass"], Expect::Map(&[(b"requirepass", b"")])),
        (&[b"set", b"timeout", b"007"], Expect::Err(b"ERR CONFIG SET failed (possibly related to argument 'timeout') - argument couldn't be parsed into an integer")),
        (&[b"set", b"timeout", b"+5"], Expect::Err(b"ERR CONFIG SET failed (possibly related to argument 'timeout') - argument couldn't be parsed into an integer")),
        (&[b"set", b"timeout", b" 5"], Expect::Err(b"ERR CONFIG SET failed (possibly related to argument 'timeout') - argument couldn't be parsed into an integer")),
        (&[b"set", b"timeout", b"300"], Expect::Ok),
        (&[b"get", b"timeout"], Expect::Map(&[(b"timeout", b"300")])),
        (&[b"set", b"timeout", b"0"], Expect::Ok),
        (&[b"set", b"replicaof", b"no one"], Expect::Err(b"ERR CONFIG SET failed (possibly related to argument 'replicaof') - can't set immutable config")),
        (&[b"set", b"slaveof", b"no one"], Expect::Err(b"ERR CONFIG SET failed (possibly related to argument 'slaveof') - can't set immutable config")),
        (&[b"set", b"lfu-log-factor", b"1.5"], Expect::Err(b"ERR CONFIG SET failed (possibly related to argument 'lfu-log-factor') - argument couldn't be parsed into an integer")),
        (&[b"set", b"hash-max-listpack-value", b"1k"], Expect::Ok),
        (&[b"get", b"hash-max-listpack-value"], Expect::Map(&[(b"hash-max-listpack-value", b"1000")])),
        (&[b"set", b"hash-max-ziplist-value", b"64"], Expect::Ok),
        (&[b"set", b"maxmemory-eviction-tenacity", b"101"], Expect::Err(b"ERR CONFIG SET failed (possibly related to argument 'maxmemory-eviction-tenacity') - argument must be between 0 and 100 inclusive")),
        (&[b"set", b"active-expire-effort", b"0"], Expect::Err(b"ERR CONFIG SET failed (possibly related to argument 'active-expire-effort') - argument must be between 1 and 10 inclusive")),
        (&[b"set", b"repl-backlog-size", b"0"], Expect::Err(b"ERR CONFIG SET failed (possibly related to argument 'repl-backlog-size') - argument must be between 1 and 9223372036854775807 inclusive")),
        (&[b"set", b"lua-time-limit", b"abc"], Expect::Err(b"ERR CONFIG SET failed (possibly related to argument 'lua-time-limit') - argument couldn't be parsed into an integer")),
        (&[b"set", b"lua-time-limit", b"6000"], Expect::Ok),
        (&[b"get", b"busy-reply-threshold"], Expect::Map(&[(b"busy-reply-threshold", b"6000")])),
        (&[b"set", b"lua-time-limit", b"5000"], Expect::Ok),
        (&[b"set", b"masterauth", b""], Expect::Ok),
        (&[b"set", b"appendonly", b"maybe"], Expect::Err(b"ERR CONFIG SET failed (possibly related to argument 'appendonly') - argument must be 'yes' or 'no'")),
        (&[b"set", b"appendonly", b"YES"], Expect::Ok),
        (&[b"get", b"appendonly"], Expect::Map(&[(b"appendonly", b"yes")])),
        (&[b"set", b"appendonly", b"no"], Expect::Ok),
        (&[b"set", b"protected-mode", b"no"], Expect::Ok),
        (&[b"get", b"protected-mode"], Expect::Map(&[(b"protected-mode", b"no")])),
        (&[b"set", b"protected-mode", b"yes"], Expect::Ok),
        (&[b"set", b"acl-pubsub-default", b"allchannels"], Expect::Ok),
        (&[b"get", b"acl-pubsub-default"], Expect::Map(&[(b"acl-pubsub-default", b"allchannels")])),
        (&[b"set", b"acl-pubsub-default", b"resetchannels"], Expect::Ok),
        (&[b"set", b"maxmemory", b"100mb", b"maxmemory-policy", b"allkeys-lru", b"hz", b"20"], Expect::Ok),
        (&[b"get", b"maxmemory", b"maxmemory-policy", b"hz"], Expect::Map(&[(b"hz", b"20"), (b"maxmemory", b"104857600"), (b"maxmemory-policy", b"allkeys-lru")])),
        (&[b"set", b"maxmemory", b"5", b"maxmemory-policy", b"bogus"], Expect::Err(b"ERR CONFIG SET failed (possibly related to argument 'maxmemory-policy') - argument(s) must be one of the following: volatile-lru, volatile-lfu, volatile-random, volatile-ttl, allkeys-lru, allkeys-lfu, allkeys-random, noeviction")),
        (&[b"get", b"maxmemory"], Expect::Map(&[(b"maxmemory", b"104857600")])),
        (&[b"set", b"maxmemory", b"0", b"maxmemory-policy", b"noeviction", b"hz", b"10"], Expect::Ok),
        (&[b"set", b"enable-debug-command", b"yes"], Expect::Err(b"ERR CONFIG SET failed (possibly related to argument 'enable-debug-command') - can't set immutable config")),
        (&[b"set", b"supervised", b"no"], Expect::Err(b"ERR CONFIG SET failed (possibly related to argument 'supervised') - can't set immutable config")),
        (&[b"set", b"repl-diskless-load", b"swapdb"], Expect::Ok),
        (&[b"get", b"repl-diskless-load"], Expect::Map(&[(b"repl-diskless-load", b"swapdb")])),
        (&[b"set", b"repl-diskless-load", b"disabled"], Expect::Ok),
        (&[b"set", b"sanitize-dump-payload", b"clients"], Expect::Ok),
        (&[b"get", b"sanitize-dump-payload"], Expect::Map(&[(b"sanitize-dump-payload", b"clients")])),
        (&[b"set", b"sanitize-dump-payload", b"no"], Expect::Ok),
        (&[b"set", b"ignore-warnings", b"ARM64-COW-BUG"], Expect::Ok),
        (&[b"get", b"ignore-warnings"], Expect::Map(&[(b"ignore-warnings", b"ARM64-COW-BUG")])),
        (&[b"set", b"ignore-warnings", b""], Expect::Ok),
        (&[b"set", b"stream-node-max-bytes", b"4kb"], Expect::Ok),
        (&[b"get", b"stream-node-max-bytes"], Expect::Map(&[(b"stream-node-max-bytes", b"4096")])),
        (&[b"set", b"stream-node-max-bytes", b"4096"], Expect::Ok),
        (&[b"set", b"slowlog-max-len", b"9223372036854775807"], Expect::Ok),
        (&[b"get", b"slowlog-max-len"], Expect::Map(&[(b"slowlog-max-len", b"9223372036854775807")])),
        (&[b"set", b"slowlog-max-len", b"128"], Expect::Ok),
        (&[b"set", b"replica-announce-ip", b"10.0.0.1"], Expect::Ok),
        (&[b"get", b"slave-announce-ip"], Expect::Map(&[(b"slave-announce-ip", b"10.0.0.1")])),
        (&[b"set", b"replica-announce-ip", b""], Expect::Ok),
        (&[b"set", b"tls-port", b"abc"], Expect::Err(b"ERR CONFIG SET failed (possibly related to argument 'tls-port') - argument couldn't be parsed into an integer")),
        (&[b"set", b"tls-protocols", b"TLSv1.2"], Expect::Ok),
        (&[b"get", b"tls-protocols"], Expect::Map(&[(b"tls-protocols", b"TLSv1.2")])),
        (&[b"set", b"tls-protocols", b""], Expect::Ok),
        (&[b"set", b"tracking-table-max-keys", b"1m"], Expect::Err(b"ERR CONFIG SET failed (possibly related to argument 'tracking-table-max-keys') - argument couldn't be parsed into an integer")),
        (&[b"set", b"auto-aof-rewrite-min-size", b"1g"], Expect::Ok),
        (&[b"get", b"auto-aof-rewrite-min-size"], Expect::Map(&[(b"auto-aof-rewrite-min-size", b"1000000000")])),
        (&[b"set", b"auto-aof-rewrite-min-size", b"64mb"], Expect::Ok),
        (&[b"set", b"auto-aof-rewrite-percentage", b"-1"], Expect::Err(b"ERR CONFIG SET failed (possibly related to argument 'auto-aof-rewrite-percentage') - argument must be between 0 and 2147483647 inclusive")),
        (&[b"set", b"min-slaves-to-write", b"1"], Expect::Ok),
        (&[b"get", b"min-replicas-to-write"], Expect::Map(&[(b"min-replicas-to-write", b"1")])),
        (&[b"set", b"min-replicas-to-write", b"0"], Expect::Ok),
        (&[b"set", b"notify-keyspace-events", b"x"], Expect::Ok),
        (&[b"get", b"notify-keyspace-events"], Expect::Map(&[(b"notify-keyspace-events", b"x")])),
        (&[b"set", b"notify-keyspace-events", b""], Expect::Ok),
        (&[b"get", b"watchdog-period", b"key-load-delay", b"rdb-key-save-delay", b"loading-process-events-interval-bytes", b"USE-EXIT-ON-PANIC"], Expect::Map(&[(b"USE-EXIT-ON-PANIC", b"no"), (b"key-load-delay", b"0"), (b"loading-process-events-interval-bytes", b"2097152"), (b"rdb-key-save-delay", b"0"), (b"watchdog-period", b"0")])),
        (&[b"set", b"use-exit-on-panic", b"yes"], Expect::Ok),
        (&[b"get", b"use-exit-on-panic"], Expect::Map(&[(b"use-exit-on-panic", b"yes")])),
        (&[b"set", b"use-exit-on-panic", b"no"], Expect::Ok),
        (&[b"set", b"key-load-delay", b"-5"], Expect::Ok),
        (&[b"get", b"key-load-delay"], Expect::Map(&[(b"key-load-delay", b"-5")])),
        (&[b"set", b"key-load-delay", b"0"], Expect::Ok),
        (&[b"get", b"save", b"dir-not", b"SAVE"], Expect::Map(&[(b"save", b"3600 1 300 100 60 10000")])),
        (&[b"set", b"maxmemory", b"3000000", b"maxmemory-clients", b"7%"], Expect::Ok),
        (&[b"set", b"maxmemory-samples", b"7", b"lfu-log-factor", b"3", b"lfu-decay-time", b"2", b"slowlog-max-len", b"1000", b"hash-max-listpack-entries", b"100", b"zset-max-listpack-value", b"32", b"list-compress-depth", b"2", b"tcp-keepalive", b"60", b"notify-keyspace-events", b"Kx"], Expect::Ok),
        (&[b"get", b"*"], Expect::Map(&[(b"acl-pubsub-default", b"resetchannels"), (b"aclfile", b""), (b"acllog-max-len", b"128"), (b"active-defrag-cycle-max", b"25"), (b"active-defrag-cycle-min", b"1"), (b"active-defrag-ignore-bytes", b"104857600"), (b"active-defrag-max-scan-fields", b"1000"), (b"active-defrag-threshold-lower", b"10"), (b"active-defrag-threshold-upper", b"100"), (b"active-expire-effort", b"1"), (b"activedefrag", b"no"), (b"activerehashing", b"yes"), (b"always-show-logo", b"no"), (b"aof-disable-auto-gc", b"no"), (b"aof-load-truncated", b"yes"), (b"aof-rewrite-incremental-fsync", b"yes"), (b"aof-timestamp-enabled", b"no"), (b"aof-use-rdb-preamble", b"yes"), (b"aof_rewrite_cpulist", b""), (b"appenddirname", b"appendonlydir"), (b"appendfilename", b"appendonly.aof"), (b"appendfsync", b"everysec"), (b"appendonly", b"no"), (b"auto-aof-rewrite-min-size", b"67108864"), (b"auto-aof-rewrite-percentage", b"100"), (b"bgsave_cpulist", b""), (b"bind", b"127.0.0.1 -::1"), (b"bind-source-addr", b""), (b"bio_cpulist", b""), (b"busy-reply-threshold", b"5000"), (b"client-output-buffer-limit", b"normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60"), (b"client-query-buffer-limit", b"1073741824"), (b"cluster-allow-pubsubshard-when-down", b"yes"), (b"cluster-allow-reads-when-down", b"no"), (b"cluster-allow-replica-migration", b"yes"), (b"cluster-announce-bus-port", b"0"), (b"cluster-announce-hostname", b""), (b"cluster-announce-ip", b""), (b"cluster-announce-port", b"0"), (b"cluster-announce-tls-port", b"0"), (b"cluster-config-file", b"nodes.conf"), (b"cluster-enabled", b"no"), (b"cluster-link-sendbuf-limit", b"0"), (b"cluster-migration-barrier", b"1"), (b"cluster-node-timeout", b"15000"), (b"cluster-port", b"0"), (b"cluster-preferred-endpoint-type", b"ip"), (b"cluster-replica-no-failover", b"no"), (b"cluster-replica-validity-factor", b"10"), (b"cluster-require-full-coverage", b"yes"), (b"cluster-slave-no-failover", b"no"), (b"cluster-slave-validity-factor", b"10"), (b"crash-log-enabled", b"yes"), (b"crash-memcheck-enabled", b"yes"), (b"daemonize", b"yes"), (b"databases", b"16"), (b"dbfilename", b"dump.rdb"), (b"dir", b"/tmp/rtest"), (b"disable-thp", b"yes"), (b"dynamic-hz", b"yes"), (b"enable-debug-command", b"no"), (b"enable-module-command", b"no"), (b"enable-protected-configs", b"no"), (b"hash-max-listpack-entries", b"100"), (b"hash-max-listpack-value", b"64"), (b"hash-max-ziplist-entries", b"100"), (b"hash-max-ziplist-value", b"64"), (b"hll-sparse-max-bytes", b"3000"), (b"hz", b"10"), (b"ignore-warnings", b""), (b"io-threads", b"1"), (b"io-threads-do-reads", b"no"), (b"jemalloc-bg-thread", b"yes"), (b"latency-monitor-threshold", b"0"), (b"latency-tracking", b"yes"), (b"latency-tracking-info-percentiles", b"50 99 99.9"), (b"lazyfree-lazy-eviction", b"no"), (b"lazyfree-lazy-expire", b"no"), (b"lazyfree-lazy-server-del", b"no"), (b"lazyfree-lazy-user-del", b"no"), (b"lazyfree-lazy-user-flush", b"no"), (b"lfu-decay-time", b"2"), (b"lfu-log-factor", b"3"), (b"list-compress-depth", b"2"), (b"list-max-listpack-size", b"-2"), (b"list-max-ziplist-size", b"-2"), (b"logfile", b""), (b"loglevel", b"notice"), (b"lua-time-limit", b"5000"), (b"masterauth", b""), (b"masteruser", b""), (b"maxclients", b"10000"), (b"maxmemory", b"3000000"), (b"maxmemory-clients", b"7%"), (b"maxmemory-eviction-tenacity", b"10"), (b"maxmemory-policy", b"noeviction"), (b"maxmemory-samples", b"7"), (b"min-replicas-max-lag", b"10"), (b"min-replicas-to-write", b"0"), (b"min-slaves-max-lag", b"10"), (b"min-slaves-to-write", b"0"), (b"no-appendfsync-on-rewrite", b"no"), (b"notify-keyspace-events", b"xK"), (b"oom-score-adj", b"no"), (b"oom-score-adj-values", b"0 200 800"), (b"pidfile", b"/var/run/redis.pid"), (b"port", b"7393"), (b"proc-title-template", b"{title} {listen-addr} {server-mode}"), (b"propagation-error-behavior", b"ignore"), (b"protected-mode", b"yes"), (b"proto-max-bulk-len", b"536870912"), (b"rdb-del-sync-files", b"no"), (b"rdb-save-incremental-fsync", b"yes"), (b"rdbchecksum", b"yes"), (b"rdbcompression", b"yes"), (b"repl-backlog-size", b"1048576"), (b"repl-backlog-ttl", b"3600"), (b"repl-disable-tcp-nodelay", b"no"), (b"repl-diskless-load", b"disabled"), (b"repl-diskless-sync", b"yes"), (b"repl-diskless-sync-delay", b"5"), (b"repl-diskless-sync-max-replicas", b"0"), (b"repl-ping-replica-period", b"10"), (b"repl-ping-slave-period", b"10"), (b"repl-timeout", b"60"), (b"replica-announce-ip", b""), (b"replica-announce-port", b"0"), (b"replica-announced", b"yes"), (b"replica-ignore-disk-write-errors", b"no"), (b"replica-ignore-maxmemory", b"yes"), (b"replica-lazy-flush", b"no"), (b"replica-priority", b"100"), (b"replica-read-only", b"yes"), (b"replica-serve-stale-data", b"yes"), (b"replicaof", b""), (b"requirepass", b""), (b"sanitize-dump-payload", b"no"), (b"save", b"3600 1 300 100 60 10000"), (b"server_cpulist", b""), (b"set-max-intset-entries", b"512"), (b"set-proc-title", b"yes"), (b"shutdown-on-sigint", b"default"), (b"shutdown-on-sigterm", b"default"), (b"shutdown-timeout", b"10"), (b"slave-announce-ip", b""), (b"slave-announce-port", b"0"), (b"slave-ignore-maxmemory", b"yes"), (b"slave-lazy-flush", b"no"), (b"slave-priority", b"100"), (b"slave-read-only", b"yes"), (b"slave-serve-stale-data", b"yes"), (b"slaveof", b""), (b"slowlog-log-slower-than", b"10000"), (b"slowlog-max-len", b"1000"), (b"socket-mark-id", b"0"), (b"stop-writes-on-bgsave-error", b"yes"), (b"stream-node-max-bytes", b"4096"), (b"stream-node-max-entries", b"100"), (b"supervised", b"no"), (b"syslog-enabled", b"no"), (b"syslog-facility", b"local0"), (b"syslog-ident", b"redis"), (b"tcp-backlog", b"511"), (b"tcp-keepalive", b"60"), (b"timeout", b"0"), (b"tls-auth-clients", b"yes"), (b"tls-ca-cert-dir", b""), (b"tls-ca-cert-file", b""), (b"tls-cert-file", b""), (b"tls-ciphers", b""), (b"tls-ciphersuites", b""), (b"tls-client-cert-file", b""), (b"tls-client-key-file", b""), (b"tls-client-key-file-pass", b""), (b"tls-cluster", b"no"), (b"tls-dh-params-file", b""), (b"tls-key-file", b""), (b"tls-key-file-pass", b""), (b"tls-port", b"0"), (b"tls-prefer-server-ciphers", b"no"), (b"tls-protocols", b""), (b"tls-replication", b"no"), (b"tls-session-cache-size", b"20480"), (b"tls-session-cache-timeout", b"300"), (b"tls-session-caching", b"yes"), (b"tracking-table-max-keys", b"1000000"), (b"unixsocket", b"/tmp/rtest/r.sock"), (b"unixsocketperm", b"0"), (b"zset-max-listpack-entries", b"128"), (b"zset-max-listpack-value", b"32"), (b"zset-max-ziplist-entries", b"128"), (b"zset-max-ziplist-value", b"32")])),
    ];
}
