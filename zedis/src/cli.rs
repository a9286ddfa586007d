//! The `zedis` command line as a clap definition, used for `--help`, `--version` and the man page.
//!
//! Parsing of configuration itself follows redis-server (`zedis [file] [--directive value ...]`)
//! and lives in `config`; clap only describes it, because redis-server's syntax (any directive
//! as `--name value...`) is not something clap can validate.

use clap::{Arg, ArgAction, Command};

pub fn command() -> Command {
    Command::new("zedis")
        .version(crate::VERSION)
        .about("A Redis-compatible in-memory data server")
        .long_about(
            "zedis is an in-memory data server that speaks the Redis protocol (RESP2 and RESP3), so \
             redis-cli, redis-benchmark and every Redis client work with it unchanged. With no \
             arguments it starts on 127.0.0.1:6379 with built-in defaults.",
        )
        .override_usage("zedis [/path/to/zedis.conf] [--<directive> <value>...]...\n       zedis --test-config [/path/to/zedis.conf] [--<directive> <value>...]...")
        .disable_version_flag(true)
        .disable_help_flag(true)
        .arg(
            Arg::new("config")
                .value_name("CONFIG_FILE")
                .help("A configuration file in redis.conf syntax; '-' reads it from standard input"),
        )
        .arg(
            Arg::new("directives")
                .value_name("--DIRECTIVE VALUE")
                .num_args(0..)
                .allow_hyphen_values(true)
                .trailing_var_arg(true)
                .help("Any configuration directive, applied after the file (e.g. --port 7000 --save \"\")"),
        )
        .arg(
            Arg::new("test-config")
                .long("test-config")
                .action(ArgAction::SetTrue)
                .help("Check the configuration and exit (0 if valid, 1 with the error otherwise)"),
        )
        .arg(Arg::new("version").short('v').long("version").action(ArgAction::SetTrue).help("Print the version and exit"))
        .arg(Arg::new("help").short('h').long("help").action(ArgAction::SetTrue).help("Print this help and exit"))
}

/// Hand-written sections appended to the generated man page.
const MAN_EXTRA: &str = r#".SH CONFIGURATION
Every redis.conf directive zedis knows can be given in the file or on the command line as
\fB\-\-name value\fR; command-line directives are applied after the file, so they win.
Directive names are case-insensitive; values may be quoted with double quotes (C-style escapes)
or single quotes. \fBinclude\fR \fIpath\fR reads another file in place. An unknown directive or a
bad value stops the server with the file, the line number and the reason.
At run time, \fBCONFIG GET\fR, \fBCONFIG SET\fR and \fBCONFIG REWRITE\fR read, change and persist
settings, as in Redis.
.PP
Commonly used directives: \fBport\fR (6379), \fBbind\fR ("127.0.0.1 -::1"), \fBunixsocket\fR,
\fBrequirepass\fR, \fBprotected-mode\fR (yes), \fBmaxclients\fR (10000), \fBtimeout\fR (0),
\fBtcp-keepalive\fR (300), \fBdatabases\fR (16), \fBhz\fR (10), \fBloglevel\fR (notice),
\fBlogfile\fR (stderr), \fBio-threads\fR, \fBproto-max-bulk-len\fR (512mb),
\fBslowlog-log-slower-than\fR (10000), \fBslowlog-max-len\fR (128).
.SH SIGNALS
.TP
\fBSIGTERM\fR, \fBSIGINT\fR
Shut down cleanly: stop accepting, close client connections and exit with status 0.
.SH FILES
.TP
\fIzedis.conf\fR
The optional configuration file named on the command line; \fBCONFIG REWRITE\fR writes to it.
.SH EXIT STATUS
.TP
0
Clean shutdown (SHUTDOWN, SIGTERM, SIGINT), or \fB\-\-test\-config\fR found the configuration valid.
.TP
1
The configuration is invalid, or a listening socket could not be created.
.SH SEE ALSO
\fBredis-server\fR(1), \fBredis-cli\fR(1)
"#;

/// The complete man page, zedis(1).
pub fn man_page() -> Vec<u8> {
    let mut out = Vec::new();
    // Writing into a Vec cannot fail.
    let _ = clap_mangen::Man::new(command()).render(&mut out);
    out.extend_from_slice(MAN_EXTRA.as_bytes());
    out
}
