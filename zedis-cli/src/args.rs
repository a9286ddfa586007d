//! The command line: redis-cli's flags with redis-cli's meanings (so `-h` is the host and
//! help is `--help` only), plus the man page and shell completions generated from the same
//! clap definition, so the documentation cannot drift from the parser.

use clap::{ArgAction, CommandFactory, Parser, ValueEnum};

/// Everything on the command line.
#[derive(Parser, Debug, Clone)]
#[command(
    name = "zedis-cli",
    version = zedis::VERSION,
    about = "Command-line client for zedis and any RESP server (a drop-in for redis-cli)",
    disable_help_flag = true,
    disable_version_flag = true,
    args_override_self = true,
    after_help = "With a command, runs it and exits. Without one, starts the interactive \
                  prompt, or reads one command per line when stdin is not a terminal."
)]
pub struct Cli {
    /// Server hostname
    #[arg(short = 'h', value_name = "HOSTNAME", default_value = "127.0.0.1")]
    pub host: String,
    /// Server port
    #[arg(short = 'p', value_name = "PORT", default_value_t = 6379)]
    pub port: u16,
    /// Server socket (overrides hostname and port)
    #[arg(short = 's', value_name = "SOCKET")]
    pub socket: Option<String>,
    /// Password to use when connecting to the server (also ZEDISCLI_AUTH / REDISCLI_AUTH)
    #[arg(short = 'a', long = "pass", value_name = "PASSWORD")]
    pub password: Option<String>,
    /// Used to send ACL style 'AUTH username pass'. Needs -a
    #[arg(long = "user", value_name = "USERNAME")]
    pub user: Option<String>,
    /// Force the user to input the password from stdin with the mask
    #[arg(long)]
    pub askpass: bool,
    /// Server URI: redis://[[user]:password@]host[:port][/db]
    #[arg(short = 'u', value_name = "URI")]
    pub uri: Option<String>,
    /// Database number
    #[arg(short = 'n', value_name = "DB")]
    pub db: Option<i64>,
    /// Start the session in RESP2 protocol mode
    #[arg(short = '2', overrides_with = "resp3")]
    pub resp2: bool,
    /// Start the session in RESP3 protocol mode
    #[arg(short = '3', overrides_with = "resp2")]
    pub resp3: bool,
    /// Return an exit error code when the command fails
    #[arg(short = 'e')]
    pub errcode: bool,
    /// Read the last argument from stdin
    #[arg(short = 'x', conflicts_with = "stdin_tag")]
    pub stdin_last: bool,
    /// Read the argument named TAG from stdin
    #[arg(short = 'X', value_name = "TAG")]
    pub stdin_tag: Option<String>,
    /// Execute the command N times (negative: forever)
    #[arg(short = 'r', value_name = "REPEAT", allow_negative_numbers = true)]
    pub repeat: Option<i64>,
    /// Wait this many seconds between commands (with -r); the interval of --stat and friends
    #[arg(short = 'i', value_name = "INTERVAL")]
    pub interval: Option<f64>,
    /// Delimiter between response bulks for raw formatting (default: \n)
    #[arg(short = 'd', value_name = "DELIMITER")]
    pub mb_delim: Option<String>,
    /// Delimiter between responses for raw formatting (default: \n)
    #[arg(short = 'D', value_name = "DELIMITER")]
    pub cmd_delim: Option<String>,
    /// Use raw formatting for replies (default when stdout is not a tty)
    #[arg(long, overrides_with_all = ["no_raw", "csv", "json", "quoted_json"])]
    pub raw: bool,
    /// Force formatted output even when stdout is not a tty
    #[arg(long, overrides_with_all = ["raw", "csv", "json", "quoted_json"])]
    pub no_raw: bool,
    /// Output in CSV format
    #[arg(long, overrides_with_all = ["raw", "no_raw", "json", "quoted_json"])]
    pub csv: bool,
    /// Output in JSON format (RESP3 is tried unless -2)
    #[arg(long, overrides_with_all = ["raw", "no_raw", "csv", "quoted_json"])]
    pub json: bool,
    /// Same as --json, but produce ASCII-safe quoted strings
    #[arg(long, overrides_with_all = ["raw", "no_raw", "csv", "json"])]
    pub quoted_json: bool,
    /// Force input to be handled as quoted strings
    #[arg(long)]
    pub quoted_input: bool,
    /// Whether to print RESP3 push messages (y/n); on by default when stdout is a tty
    #[arg(long, value_name = "yn")]
    pub show_pushes: Option<String>,
    /// Do not print the warning about passwords on the command line
    #[arg(long)]
    pub no_auth_warning: bool,
    /// Print more information
    #[arg(long)]
    pub verbose: bool,
    /// Print rolling stats about the server: mem, clients, ...
    #[arg(long)]
    pub stat: bool,
    /// Enter a continuous sampling of latency
    #[arg(long)]
    pub latency: bool,
    /// Like --latency, tracking history in windows of 15 seconds (-i to change)
    #[arg(long)]
    pub latency_history: bool,
    /// Show latency as a spectrum (1 second windows, -i to change)
    #[arg(long)]
    pub latency_dist: bool,
    /// List all keys using the SCAN command
    #[arg(long)]
    pub scan: bool,
    /// Keys pattern for --scan, --bigkeys and --memkeys
    #[arg(long, value_name = "PAT")]
    pub pattern: Option<String>,
    /// Like --pattern, but the argument is a quoted string
    #[arg(long, value_name = "PAT")]
    pub quoted_pattern: Option<String>,
    /// COUNT hint for --scan
    #[arg(long, value_name = "COUNT")]
    pub count: Option<u64>,
    /// Sample keys looking for keys with many elements
    #[arg(long)]
    pub bigkeys: bool,
    /// Sample keys looking for keys consuming a lot of memory
    #[arg(long)]
    pub memkeys: bool,
    /// Like --memkeys with SAMPLES for MEMORY USAGE
    #[arg(long, value_name = "SAMPLES")]
    pub memkeys_samples: Option<u64>,
    /// Transfer raw RESP from stdin to the server (mass insertion)
    #[arg(long)]
    pub pipe: bool,
    /// In --pipe mode, abort after this many seconds without replies (0: never)
    #[arg(long, value_name = "SECONDS", default_value_t = 30)]
    pub pipe_timeout: u64,
    /// Transfer an RDB dump from the server to FILENAME
    #[arg(long, value_name = "FILENAME")]
    pub rdb: Option<String>,
    /// Send an EVAL command using the Lua script at FILE
    #[arg(long, value_name = "FILE")]
    pub eval: Option<String>,
    /// Print a shell completion script and exit
    #[arg(long, value_name = "SHELL")]
    pub completions: Option<Shell>,
    /// Output version and exit
    #[arg(short = 'v', long, action = ArgAction::Version)]
    pub version: Option<bool>,
    /// Output this help and exit
    #[arg(long, action = ArgAction::Help)]
    pub help: Option<bool>,
    /// The command to run, with its arguments
    #[arg(
        value_name = "COMMAND",
        trailing_var_arg = true,
        allow_hyphen_values = true
    )]
    pub command: Vec<String>,
}

/// The shells completion scripts are generated for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Shell {
    Bash,
    Zsh,
    Fish,
}

/// The clap command, for the man page and completions.
pub fn command() -> clap::Command {
    Cli::command()
}

const MAN_EXTRA: &str = r#".SH "INTERACTIVE MODE"
Without a command and with a terminal on stdin, zedis\-cli starts a prompt
\fIhost\fR:\fIport\fR[\fIdb\fR]> showing (TX) inside MULTI and "not connected>"
when the server is gone (the next command reconnects).
Lines are split as redis\-cli splits them: double quotes with C escapes
(\\n, \\x41), single quotes, and "Invalid argument(s)" for unbalanced quotes.
A leading number repeats the command (\fB3 INCR n\fR).
.TP
.B connect \fIhost\fR \fIport\fR
Connect to another server.
.TP
.B clear
Clear the screen.
.TP
.BR quit ", " exit
Leave.
.TP
.B help\fR, \fBhelp \fIcommand\fR, \fBhelp @\fIgroup\fR
Show command summaries, from the server's COMMAND DOCS or the built\-in table.
.TP
.BR ":set hints" ", " ":set nohints" ", " ":set pager" ", " ":set nopager"
Turn argument hints and the pager for tall replies on or off.
.PP
SUBSCRIBE, PSUBSCRIBE, SSUBSCRIBE and MONITOR print messages as they arrive until
Ctrl\-C. After Ctrl\-C in subscribe mode the prompt shows (subscribed mode): the
subscriptions stay, and each command there reads its answers and any messages again until
Ctrl\-C or until UNSUBSCRIBE leaves no subscription. FLUSHALL, FLUSHDB, KEYS *, SHUTDOWN and DEBUG ask for confirmation at the
prompt. Commands that take 0.5 seconds or longer are followed by their time.
.SH "KEY BINDINGS"
Emacs\-style line editing (rustyline). Tab completes command names, subcommands,
help groups and key names seen in this session. Ctrl\-C clears the line, Ctrl\-D
exits, Ctrl\-R searches the history, Ctrl\-L clears the screen.
.SH FILES
.TP
.I ~/.zedis_history
Command history. Commands carrying secrets (AUTH, HELLO ... AUTH, CONFIG SET
requirepass/masterauth/masteruser, ACL SETUSER, MIGRATE ... AUTH) are never written.
.TP
.I ~/.zedisclirc
Preferences read at start, one \fB:set\fR line each.
.SH ENVIRONMENT
.TP
.BR ZEDISCLI_AUTH ", " REDISCLI_AUTH
Password, when neither \-a nor \-u gives one.
.TP
.B ZEDISCLI_HISTFILE
History file; /dev/null disables it.
.TP
.B ZEDISCLI_RCFILE
Preferences file.
.TP
.B PAGER
Pager for replies taller than the terminal (default: less \-R).
.TP
.B NO_COLOR
Disables syntax highlighting and coloured hints.
.TP
.B FAKETTY
Render replies as on a terminal even when stdout is not one.
.SH "EXIT STATUS"
0 on success; 1 when the connection fails, the command line is invalid, or (with \-e)
the server replies with an error.
.SH "SEE ALSO"
.BR zedis (1)
"#;

/// `man/zedis-cli.1`: clap_mangen's rendering of the flags plus the hand-written sections.
pub fn man_page() -> Vec<u8> {
    let mut out = Vec::new();
    // Writing into a Vec cannot fail.
    let _ = clap_mangen::Man::new(command()).render(&mut out);
    out.extend_from_slice(MAN_EXTRA.as_bytes());
    out
}

/// The completion script for `shell`.
pub fn completions(shell: Shell) -> Vec<u8> {
    let mut cmd = command();
    let mut out = Vec::new();
    match shell {
        Shell::Bash => {
            clap_complete::generate(clap_complete::Shell::Bash, &mut cmd, "zedis-cli", &mut out)
        }
        Shell::Zsh => {
            clap_complete::generate(clap_complete::Shell::Zsh, &mut cmd, "zedis-cli", &mut out)
        }
        Shell::Fish => {
            clap_complete::generate(clap_complete::Shell::Fish, &mut cmd, "zedis-cli", &mut out)
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Cli {
        Cli::try_parse_from(std::iter::once("zedis-cli").chain(args.iter().copied())).unwrap()
    }

    #[test]
    fn redis_cli_flags() {
        let c = parse(&["-h", "example", "-p", "7000", "-n", "2", "set", "k", "-1"]);
        assert_eq!(c.host, "example");
        assert_eq!(c.port, 7000);
        assert_eq!(c.db, Some(2));
        assert_eq!(c.command, ["set", "k", "-1"]);
        let c = parse(&["--raw", "--csv", "-3", "-r", "-1", "ping"]);
        assert!(c.csv && !c.raw && c.resp3);
        assert_eq!(c.repeat, Some(-1));
        command().debug_assert();
    }
}
