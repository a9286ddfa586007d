//! The `zedis-top` command line (clap derive), turning it into the list of servers to watch,
//! and the man page generated from the same definition plus hand-written sections.
//!
//! Flags follow redis-cli (`-h host`, `-p port`, `-a password`, `-n db`, `-i interval`), so
//! clap's own `-h` for help is replaced by `--help` alone.

use clap::{ArgAction, CommandFactory, Parser};
use std::path::PathBuf;
use std::time::Duration;
use thiserror::Error;
use zedis::client::{parse_uri, ConnectOptions, Endpoint};

/// The shortest polling interval accepted: faster polling mostly measures the dashboard.
pub const MIN_INTERVAL: Duration = Duration::from_millis(100);

/// A live dashboard for zedis and any Redis-compatible server.
#[derive(Debug, Clone, Parser)]
#[command(
    name = "zedis-top",
    version = zedis::VERSION,
    disable_help_flag = true,
    about = "A live terminal dashboard for zedis and other Redis-compatible servers",
    long_about = "zedis-top polls one or more Redis-compatible servers (zedis, Redis, Valkey) \
                  with INFO, CLIENT LIST, SLOWLOG GET, CONFIG GET, LATENCY LATEST and MEMORY STATS, \
                  and shows memory, eviction, expiry, throughput, clients, slow commands and \
                  persistence as a live terminal dashboard. With --once it prints one snapshot \
                  and exits."
)]
pub struct Args {
    /// Server hostname
    #[arg(short = 'h', long = "host", default_value = "127.0.0.1")]
    pub host: String,
    /// Server port
    #[arg(short = 'p', long = "port", default_value_t = 6379)]
    pub port: u16,
    /// Server Unix socket (overrides host and port)
    #[arg(short = 's', long = "socket", value_name = "PATH")]
    pub socket: Option<PathBuf>,
    /// Password for AUTH
    #[arg(short = 'a', long = "pass", value_name = "PASSWORD")]
    pub password: Option<String>,
    /// ACL user name for AUTH (with -a)
    #[arg(long = "user", value_name = "USER")]
    pub user: Option<String>,
    /// Server URI: redis://[[user]:password@]host[:port][/db] or unix:///path
    #[arg(short = 'u', long = "uri", value_name = "URI")]
    pub uri: Option<String>,
    /// Database number to SELECT
    #[arg(short = 'n', long = "db", default_value_t = 0)]
    pub db: i64,
    /// Polling interval in seconds (fractions allowed, e.g. 0.5; "250ms" also works; minimum 0.1)
    #[arg(short = 'i', long = "interval", value_name = "SECONDS", default_value = "1", value_parser = parse_interval)]
    pub interval: Duration,
    /// Print one snapshot (two polls one interval apart, for the rates) and exit
    #[arg(long)]
    pub once: bool,
    /// With --once: print the snapshot as JSON
    #[arg(long, requires = "once")]
    pub json: bool,
    /// Draw without colours (also when the NO_COLOR environment variable is set)
    #[arg(long = "no-color")]
    pub no_color: bool,
    /// More servers to watch, each in its own tab (host:port, or a redis:// URI)
    #[arg(value_name = "HOST:PORT")]
    pub servers: Vec<String>,
    /// Print help
    #[arg(long = "help", action = ArgAction::Help)]
    pub help: Option<bool>,
}

/// Why the command line does not name a usable server.
#[derive(Debug, Error)]
pub enum CliError {
    #[error("bad server address {0:?}: expected host:port, [ipv6]:port or a redis:// URI")]
    BadAddress(String),
    #[error(transparent)]
    Uri(#[from] zedis::client::ClientError),
}

/// Parses "1", "0.5", "250ms", "2s"; refuses anything under [`MIN_INTERVAL`].
pub fn parse_interval(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let d = if let Some(ms) = s.strip_suffix("ms") {
        let ms: f64 = ms
            .trim()
            .parse()
            .map_err(|_| format!("not a number: {s}"))?;
        ms / 1000.0
    } else {
        let secs = s.strip_suffix('s').unwrap_or(s);
        secs.trim()
            .parse::<f64>()
            .map_err(|_| format!("not a number of seconds: {s}"))?
    };
    if !d.is_finite() || d < MIN_INTERVAL.as_secs_f64() {
        return Err(format!(
            "the interval must be at least 0.1 seconds, not {s}"
        ));
    }
    if d > 3600.0 {
        return Err(format!("the interval must be at most an hour, not {s}"));
    }
    Ok(Duration::from_secs_f64(d))
}

impl Args {
    /// The servers to watch, in tab order: `-u`/`-s`/`-h -p` first unless positional
    /// addresses are given, in which case only those (redis-cli-style flags still supply
    /// the password, user and database).
    pub fn targets(&self) -> Result<Vec<ConnectOptions>, CliError> {
        let base = ConnectOptions {
            user: self.user.clone(),
            password: self.password.clone(),
            db: self.db,
            ..ConnectOptions::default()
        };
        if !self.servers.is_empty() {
            return self
                .servers
                .iter()
                .map(|s| {
                    if s.contains("://") {
                        Ok(parse_uri(s)?)
                    } else {
                        Ok(ConnectOptions {
                            endpoint: parse_host_port(s)?,
                            ..base.clone()
                        })
                    }
                })
                .collect();
        }
        if let Some(uri) = &self.uri {
            let mut o = parse_uri(uri)?;
            if o.password.is_none() {
                o.password = self.password.clone();
            }
            if o.user.is_none() {
                o.user = self.user.clone();
            }
            if o.db == 0 {
                o.db = self.db;
            }
            return Ok(vec![o]);
        }
        let endpoint = match &self.socket {
            Some(p) => Endpoint::Unix(p.clone()),
            None => Endpoint::Tcp {
                host: self.host.clone(),
                port: self.port,
            },
        };
        Ok(vec![ConnectOptions { endpoint, ..base }])
    }

    /// Whether to draw in colour: not with `--no-color`, nor when `NO_COLOR` is set to
    /// anything non-empty (no-color.org).
    pub fn color(&self, no_color_env: Option<&std::ffi::OsStr>) -> bool {
        !self.no_color && no_color_env.is_none_or(|v| v.is_empty())
    }
}

fn parse_host_port(s: &str) -> Result<Endpoint, CliError> {
    let bad = || CliError::BadAddress(s.to_string());
    let (host, port) = if let Some(rest) = s.strip_prefix('[') {
        let (h, p) = rest.split_once("]:").ok_or_else(bad)?;
        (h, p)
    } else {
        s.rsplit_once(':').ok_or_else(bad)?
    };
    let port = port.parse().map_err(|_| bad())?;
    let host = if host.is_empty() { "127.0.0.1" } else { host };
    Ok(Endpoint::Tcp {
        host: host.to_string(),
        port,
    })
}

/// The clap command, for the man page.
pub fn command() -> clap::Command {
    Args::command()
}

/// Hand-written sections appended to the generated man page.
const MAN_EXTRA: &str = include_str!("man_extra.roff");

/// The complete man page, zedis-top(1).
pub fn man_page() -> Vec<u8> {
    let mut out = Vec::new();
    // Writing into a Vec cannot fail.
    let _ = clap_mangen::Man::new(command()).render(&mut out);
    out.extend_from_slice(MAN_EXTRA.as_bytes());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(v: &[&str]) -> Args {
        let mut all = vec!["zedis-top"];
        all.extend_from_slice(v);
        Args::try_parse_from(all).expect("parse")
    }

    #[test]
    fn intervals() {
        assert_eq!(parse_interval("1"), Ok(Duration::from_secs(1)));
        assert_eq!(parse_interval("0.5"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_interval("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(parse_interval("2s"), Ok(Duration::from_secs(2)));
        assert!(parse_interval("0.05").is_err());
        assert!(parse_interval("99ms").is_err());
        assert!(parse_interval("nan").is_err());
        assert!(parse_interval("-1").is_err());
        assert!(parse_interval("x").is_err());
    }

    #[test]
    fn targets_from_flags_uri_and_positionals() {
        let a = args(&["-h", "example", "-p", "7000", "-a", "pw", "-n", "2"]);
        let t = a.targets().expect("targets");
        assert_eq!(t.len(), 1);
        assert_eq!(t[0].endpoint.to_string(), "example:7000");
        assert_eq!(t[0].password.as_deref(), Some("pw"));
        assert_eq!(t[0].db, 2);
        assert_eq!(a.interval, Duration::from_secs(1));

        let t = args(&["-u", "redis://:s@h:1/3"]).targets().expect("uri");
        assert_eq!(t[0].endpoint.to_string(), "h:1");
        assert_eq!(t[0].db, 3);

        let t = args(&["-a", "x", "a:1", "[::1]:2", "redis://b:3"])
            .targets()
            .expect("several");
        assert_eq!(t.len(), 3);
        assert_eq!(t[1].endpoint.to_string(), "[::1]:2");
        assert_eq!(t[0].password.as_deref(), Some("x"));
        assert!(args(&["nonsense"]).targets().is_err());

        let t = args(&["-s", "/tmp/z.sock"]).targets().expect("socket");
        assert_eq!(t[0].endpoint, Endpoint::Unix("/tmp/z.sock".into()));
    }

    #[test]
    fn flags_and_colour() {
        assert!(Args::try_parse_from(["zedis-top", "--json"]).is_err());
        assert!(Args::try_parse_from(["zedis-top", "-i", "0.01"]).is_err());
        let a = args(&["--once", "--json"]);
        assert!(a.once && a.json);
        assert!(a.color(None));
        assert!(!a.color(Some("1".as_ref())));
        assert!(a.color(Some("".as_ref())));
        assert!(!args(&["--no-color"]).color(None));
    }
}
