//! `Server`: starts a real `redis-server` or the `zedis` binary on a free loopback port for one
//! test, waits until it answers PING, and kills it on drop.
//!
//! Owns process lifetime, the per-server temporary directory and the log capture used in error
//! messages. Knows nothing about what the tests send.

use std::fs::File;
use std::io;
use std::net::{Ipv4Addr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};

use crate::conn::RawConn;
use crate::tempdir::TempDir;

/// How long a freshly started server may take to answer PING.
const STARTUP_TIMEOUT: Duration = Duration::from_secs(10);
const STARTUP_POLL: Duration = Duration::from_millis(10);

/// How many ports to try when the chosen one turns out to be taken.
const BIND_ATTEMPTS: u32 = 3;

fn is_port_clash(e: &anyhow::Error) -> bool {
    format!("{e:#}")
        .to_ascii_lowercase()
        .contains("address already in use")
}

const INSTALL_REDIS_HINT: &str =
    "install redis-server (apt-get install redis-server redis-tools) or run bash .ci/run";

/// Returns a loopback TCP port that was free a moment ago (bind 127.0.0.1:0, read, drop).
pub fn free_port() -> u16 {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .unwrap_or_else(|e| panic!("cannot bind an ephemeral port on 127.0.0.1: {e}"));
    match listener.local_addr() {
        Ok(addr) => addr.port(),
        Err(e) => panic!("cannot read the ephemeral port's address: {e}"),
    }
}

/// Which program a [`Server`] runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `redis-server` from PATH: the reference implementation.
    Redis,
    /// The zedis binary (see [`zedis_binary`]).
    Zedis,
}

impl Kind {
    /// A short name for messages.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Redis => "redis-server",
            Kind::Zedis => "zedis",
        }
    }
}

/// Where the zedis binary is: `$ZEDIS_BIN` if set, else `target/<profile>/zedis` found from the
/// running test executable (`target/<profile>/deps/<test>` or `target/<profile>/examples/<ex>`).
pub fn zedis_binary() -> anyhow::Result<PathBuf> {
    if let Some(bin) = std::env::var_os("ZEDIS_BIN") {
        return Ok(PathBuf::from(bin));
    }
    let exe = std::env::current_exe().context("cannot locate the running test executable")?;
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .with_context(|| format!("test executable {} has no grandparent", exe.display()))?;
    Ok(profile_dir.join("zedis"))
}

/// A running server process on 127.0.0.1; killed (and reaped) on drop.
#[derive(Debug)]
pub struct Server {
    kind: Kind,
    child: Child,
    port: u16,
    log: PathBuf,
    // Declared last so the directory outlives the process that writes into it.
    dir: TempDir,
}

impl Server {
    /// Starts `redis-server` with `extra_args` appended; panics with a clear message on failure
    /// (including when redis-server is not installed).
    pub fn redis(extra_args: &[&str]) -> Self {
        Self::start(Kind::Redis, extra_args).unwrap_or_else(|e| panic!("{e:#}"))
    }

    /// Starts the zedis binary with `extra_args` appended; panics with a clear message on failure.
    pub fn zedis(extra_args: &[&str]) -> Self {
        Self::start(Kind::Zedis, extra_args).unwrap_or_else(|e| panic!("{e:#}"))
    }

    /// Starts a server of `kind` on a free port with redis-server style arguments
    /// (`--port P --bind 127.0.0.1 --save '' --appendonly no --dir <tmp>` then `extra_args`)
    /// and waits until it answers PING.
    pub fn start(kind: Kind, extra_args: &[&str]) -> anyhow::Result<Self> {
        // free_port() cannot reserve the port: another process may grab it before the server
        // binds. Retry that case (and only that case) with a new port.
        let mut attempt = 1;
        loop {
            match Self::start_once(kind, extra_args) {
                Err(e) if attempt < BIND_ATTEMPTS && is_port_clash(&e) => attempt += 1,
                other => return other,
            }
        }
    }

    fn start_once(kind: Kind, extra_args: &[&str]) -> anyhow::Result<Self> {
        let launch = Launch::spawn(kind, extra_args)?;
        let Launch {
            child,
            port,
            log,
            dir,
            program,
            args,
        } = launch;
        let mut server = Server {
            kind,
            child,
            port,
            log,
            dir,
        };
        if let Err(cause) = server.wait_ready() {
            bail!(
                "{} did not come up: {cause:#}\ncommand: {} {:?}\nits output:\n{}",
                kind.name(),
                program.display(),
                args,
                server.log_text()
            );
        }
        Ok(server)
    }

    /// Starts a server of `kind` exactly as [`Server::start`] does, for a test that expects it to
    /// refuse to start: waits for the process to exit on its own and returns its status and
    /// output. Fails as soon as the server answers PING instead (it started), or after `timeout`.
    pub fn run_to_exit(
        kind: Kind,
        extra_args: &[&str],
        timeout: Duration,
    ) -> anyhow::Result<Exited> {
        // A port taken between free_port() and the bind is not the refusal the test wants.
        let mut attempt = 1;
        loop {
            let exited = Self::run_to_exit_once(kind, extra_args, timeout)?;
            let clash = exited
                .log
                .to_ascii_lowercase()
                .contains("address already in use");
            if !clash || attempt >= BIND_ATTEMPTS {
                return Ok(exited);
            }
            attempt += 1;
        }
    }

    fn run_to_exit_once(
        kind: Kind,
        extra_args: &[&str],
        timeout: Duration,
    ) -> anyhow::Result<Exited> {
        let Launch {
            mut child,
            port,
            log,
            dir: _dir,
            ..
        } = Launch::spawn(kind, extra_args)?;
        let read_log = || match std::fs::read(&log) {
            Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
            Err(e) => format!("<cannot read {}: {e}>", log.display()),
        };
        let start = Instant::now();
        loop {
            if let Some(status) = child.try_wait().context("cannot poll the child")? {
                return Ok(Exited {
                    status,
                    log: read_log(),
                });
            }
            let started = matches!(
                RawConn::connect(port).map(|mut c| c.request(&["PING"])),
                Ok(Ok(reply)) if reply == b"+PONG\r\n"
            );
            if started || start.elapsed() >= timeout {
                let _ = child.kill();
                let _ = child.wait();
                bail!(
                    "{} {} instead of refusing to start; its output:\n{}",
                    kind.name(),
                    if started { "started" } else { "kept running" },
                    read_log()
                );
            }
            std::thread::sleep(STARTUP_POLL);
        }
    }

    /// Polls until a PING on a fresh connection gets `+PONG`.
    fn wait_ready(&mut self) -> anyhow::Result<()> {
        let start = Instant::now();
        let mut last_problem = String::from("no attempt yet");
        while start.elapsed() < STARTUP_TIMEOUT {
            if let Some(status) = self.child.try_wait().context("cannot poll the child")? {
                bail!("the process exited during startup with {status}");
            }
            match RawConn::connect(self.port).map(|mut c| c.request(&["PING"])) {
                Ok(Ok(reply)) if reply == b"+PONG\r\n" => return Ok(()),
                Ok(Ok(reply)) => {
                    last_problem = format!("PING answered {}", crate::escape::escape(&reply))
                }
                Ok(Err(e)) => last_problem = format!("PING failed: {e}"),
                Err(e) => last_problem = format!("connect failed: {e}"),
            }
            std::thread::sleep(STARTUP_POLL);
        }
        bail!(
            "no PONG on port {} within {:?} (last: {last_problem})",
            self.port,
            STARTUP_TIMEOUT
        )
    }

    /// Which program this is.
    pub fn kind(&self) -> Kind {
        self.kind
    }

    /// Its process id (for prlimit, /proc).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The loopback port it listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Its working directory (`--dir`), removed on drop.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// A new connection to it.
    pub fn connect(&self) -> RawConn {
        RawConn::connect(self.port).unwrap_or_else(|e| {
            panic!(
                "cannot connect to {} on {}: {e}",
                self.kind.name(),
                self.port
            )
        })
    }

    /// Kills the process with SIGKILL (no shutdown code runs: a crash) and waits for it. The
    /// data directory a test passed with `--dir` survives for a restart on it.
    pub fn kill(self) {
        // Drop does the killing and reaping.
        drop(self);
    }

    /// Whether the process is still running (false once it has exited or crashed).
    pub fn is_running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// Everything the server has written to stdout/stderr so far (for failure messages).
    pub fn log_text(&self) -> String {
        match std::fs::read(&self.log) {
            Ok(bytes) if bytes.is_empty() => "<empty>".to_string(),
            Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
            Err(e) => format!("<cannot read {}: {e}>", self.log.display()),
        }
    }
}

/// How a server that was expected to refuse to start ended (see [`Server::run_to_exit`]).
#[derive(Debug)]
pub struct Exited {
    /// Its exit status.
    pub status: std::process::ExitStatus,
    /// Everything it wrote to stdout/stderr.
    pub log: String,
}

/// A spawned, not yet checked server process with everything [`Server`] keeps about it.
struct Launch {
    child: Child,
    port: u16,
    log: PathBuf,
    dir: TempDir,
    program: PathBuf,
    args: Vec<String>,
}

impl Launch {
    /// Spawns a server of `kind` on a free port with redis-server style arguments
    /// (`--port P --bind 127.0.0.1 --save '' --appendonly no --dir <tmp>` then `extra_args`),
    /// its output going to `server.log` in its own temporary directory.
    fn spawn(kind: Kind, extra_args: &[&str]) -> anyhow::Result<Self> {
        let program = match kind {
            Kind::Redis => PathBuf::from("redis-server"),
            Kind::Zedis => {
                let bin = zedis_binary()?;
                if !bin.exists() {
                    bail!(
                        "zedis binary not found at {}: build it first (`cargo build -p zedis`, \
                         same profile as the tests) or set ZEDIS_BIN",
                        bin.display()
                    );
                }
                bin
            }
        };
        let dir = TempDir::new(kind.name()).context("cannot create a temporary directory")?;
        let log = dir.path().join("server.log");
        let log_file = File::create(&log).context("cannot create the server log file")?;
        let log_err = log_file
            .try_clone()
            .context("cannot clone the log file handle")?;
        let port = free_port();
        let mut args: Vec<String> = [
            "--port",
            &port.to_string(),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            &dir.path().to_string_lossy(),
        ]
        .iter()
        .map(|a| a.to_string())
        .collect();
        args.extend(extra_args.iter().map(|a| a.to_string()));
        let child = Command::new(&program)
            .args(&args)
            .current_dir(dir.path())
            .stdin(Stdio::null())
            .stdout(Stdio::from(log_file))
            .stderr(Stdio::from(log_err))
            .spawn();
        let child = match child {
            Ok(child) => child,
            Err(e) if e.kind() == io::ErrorKind::NotFound && kind == Kind::Redis => {
                bail!("redis-server is not on PATH: {INSTALL_REDIS_HINT}")
            }
            Err(e) => return Err(e).with_context(|| format!("cannot start {}", program.display())),
        };
        Ok(Self {
            child,
            port,
            log,
            dir,
            program,
            args,
        })
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
