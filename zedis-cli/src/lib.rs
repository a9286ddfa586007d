//! `zedis-cli`: the command-line client. The binary (`main.rs`) only parses flags and calls
//! [`run`]; everything else lives here so it can be tested.
//!
//! - `args`: the clap definition (redis-cli's flags), man page and completions.
//! - `render`: reply rendering, byte-identical to redis-cli 7.0.
//! - `session`: connecting, sending, reading, and the state the prompt shows.
//! - `repl`: the interactive prompt (rustyline) and the line-per-command stdin mode.
//! - `help`: command docs for `help`, hints and completion (COMMAND DOCS or the built-in table).
//! - `modes`: `--stat`, `--latency*`, `--scan`, `--bigkeys`, `--memkeys`, `--pipe`, `--rdb`, `--eval`.

pub mod args;
pub mod help;
pub mod modes;
pub mod render;
pub mod repl;
pub mod session;

use std::io::{IsTerminal, Read, Write};
use std::time::Duration;

use args::Cli;
use render::{OutputMode, Style};
use session::{Config, Outcome, Session};
use zedis::client::{parse_uri, Endpoint};
use zedis::util::splitargs::split_args_owned;

/// Whether replies should look as on a terminal: stdout is one, or `FAKETTY` is set.
fn stdout_is_tty() -> bool {
    std::io::stdout().is_terminal() || std::env::var_os("FAKETTY").is_some()
}

/// Builds the session configuration from the flags and the environment. `Err` is a message
/// for stderr (exit 1).
pub fn config_from(cli: &Cli) -> Result<Config, String> {
    let mut endpoint = Endpoint::Tcp {
        host: cli.host.clone(),
        port: cli.port,
    };
    let mut user = cli.user.clone();
    let mut password = cli.password.clone();
    let mut db = 0;
    if let Some(uri) = &cli.uri {
        let o = parse_uri(uri).map_err(|e| e.to_string())?;
        endpoint = o.endpoint;
        if o.user.is_some() {
            user = o.user;
        }
        if o.password.is_some() {
            password = o.password;
        }
        db = o.db;
    }
    if let Some(s) = &cli.socket {
        endpoint = Endpoint::Unix(s.into());
    }
    if let Some(n) = cli.db {
        db = n;
    }
    if !cli.no_auth_warning && password.is_some() {
        eprintln!(
            "Warning: Using a password with '-a' or '-u' option on the command line interface may not be safe."
        );
    }
    if password.is_none() {
        password = std::env::var("ZEDISCLI_AUTH")
            .or_else(|_| std::env::var("REDISCLI_AUTH"))
            .ok();
    }
    if cli.askpass {
        password = Some(repl::ask_password("Please input password: ").map_err(|e| e.to_string())?);
    }
    let tty = stdout_is_tty();
    let mut mode = if tty {
        OutputMode::Tty
    } else {
        OutputMode::Raw
    };
    let mut resp3 = u8::from(cli.resp3);
    if cli.raw {
        mode = OutputMode::Raw;
    } else if cli.no_raw {
        mode = OutputMode::Tty;
    } else if cli.csv {
        mode = OutputMode::Csv;
    } else if cli.json || cli.quoted_json {
        mode = if cli.json {
            OutputMode::Json
        } else {
            OutputMode::QuotedJson
        };
        if resp3 == 0 && !cli.resp2 {
            resp3 = 2;
        }
    }
    let mut push_output = tty;
    if let Some(v) = &cli.show_pushes {
        match v.as_bytes().first().map(u8::to_ascii_lowercase) {
            Some(b'n') => push_output = false,
            Some(b'y') => push_output = true,
            _ => eprintln!("Unknown --show-pushes value '{v}' (valid: '[y]es', '[n]o')"),
        }
    }
    let interval = cli
        .interval
        .filter(|s| s.is_finite() && *s > 0.0)
        .map(Duration::from_secs_f64)
        .unwrap_or(Duration::ZERO);
    Ok(Config {
        endpoint,
        user,
        password,
        input_db: db,
        resp3,
        style: Style {
            mode,
            mb_delim: cli
                .mb_delim
                .clone()
                .unwrap_or_else(|| "\n".into())
                .into_bytes(),
            cmd_delim: cli
                .cmd_delim
                .clone()
                .unwrap_or_else(|| "\n".into())
                .into_bytes(),
        },
        push_output,
        errcode: cli.errcode,
        interval,
        interactive: false,
        keep_subscriptions: false,
    })
}

/// Runs what the command line asks for and returns the exit code.
pub fn run(cli: Cli) -> i32 {
    session::default_sigpipe();
    if let Some(shell) = cli.completions {
        let _ = std::io::stdout().write_all(&args::completions(shell));
        return 0;
    }
    let cfg = match config_from(&cli) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("{e}");
            return 1;
        }
    };
    let mut session = Session::new(cfg);
    if let Some(code) = modes::run_special(&cli, &mut session) {
        return code;
    }
    if cli.command.is_empty() {
        session.cfg.interactive = true;
        session::install_sigint_handler();
        session::ignore_sigpipe();
        session.connect(false);
        return repl::run(&mut session);
    }
    session.connect(true);
    noninteractive(&cli, &mut session)
}

/// A command given on the command line (with `-x` / `-X` reading an argument from stdin).
fn noninteractive(cli: &Cli, session: &mut Session) -> i32 {
    let mut argv: Vec<Vec<u8>> = Vec::with_capacity(cli.command.len() + 1);
    for a in &cli.command {
        if cli.quoted_input {
            match split_args_owned(a.as_bytes()) {
                Some(mut v) if v.len() == 1 => argv.extend(v.pop()),
                _ => {
                    println!("Invalid quoted string");
                    return 1;
                }
            }
        } else {
            argv.push(a.clone().into_bytes());
        }
    }
    if cli.stdin_last || cli.stdin_tag.is_some() {
        let mut input = Vec::new();
        if let Err(e) = std::io::stdin().read_to_end(&mut input) {
            eprintln!("Error reading stdin: {e}");
            return 1;
        }
        if cli.stdin_last {
            argv.push(input);
        } else if let Some(tag) = &cli.stdin_tag {
            match argv.iter_mut().find(|a| a.as_slice() == tag.as_bytes()) {
                Some(slot) => *slot = input,
                None => {
                    eprintln!("Using -X option but stdin tag not match.");
                    return 1;
                }
            }
        }
    }
    let repeat = cli.repeat.unwrap_or(1);
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match session.issue(&argv, repeat, &mut out) {
        Outcome::Ok => 0,
        Outcome::Failed => 1,
    }
}
