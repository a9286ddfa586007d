//! The command line: one clap definition that the parser, the man page and the shell
//! completions are all generated from, so they cannot drift apart.

use clap::{CommandFactory, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// Verify, fix, truncate, dump, analyse, rewrite and convert append-only files (Redis 7 and zedis)
#[derive(Debug, Parser)]
#[command(name = "zedis-aof", version, about, long_about = None)]
pub struct Cli {
    /// No progress bar and no summary on stderr
    #[arg(short, long, global = true)]
    pub quiet: bool,
    #[command(subcommand)]
    pub cmd: Cmd,
}

#[derive(Debug, Subcommand)]
pub enum Cmd {
    /// Check every file in loading order and print redis-check-aof's verdict (exit 0 valid, 1 damaged, 2 unusable)
    Verify {
        /// An AOF file, an appendonlydir, or its manifest
        path: PathBuf,
    },
    /// Cut a torn tail off the last file (an unfinished MULTI is cut before the MULTI)
    Fix {
        /// An AOF file, an appendonlydir, or its manifest
        path: PathBuf,
        #[command(flatten)]
        change: ChangeArgs,
    },
    /// Cut the last file at the first #TS annotation later than TS (unix seconds)
    TruncateToTimestamp {
        /// An AOF file, an appendonlydir, or its manifest
        path: PathBuf,
        /// Keep everything up to this unix time, in seconds
        #[arg(allow_negative_numbers = true)]
        ts: i64,
        #[command(flatten)]
        change: ChangeArgs,
    },
    /// List commands with their offset, database and timestamp
    Dump {
        /// An AOF file, an appendonlydir, or its manifest
        path: PathBuf,
        /// Output format
        #[arg(long, value_enum, default_value_t = DumpFormat::Text)]
        format: DumpFormat,
        /// Only commands whose first key matches this regular expression
        #[arg(long, value_name = "REGEX")]
        key: Option<String>,
        /// Only these commands (case-insensitive; repeatable)
        #[arg(long = "command", value_name = "CMD")]
        commands: Vec<String>,
        /// Only commands run in this database
        #[arg(long, value_name = "N")]
        db: Option<u32>,
        /// Only commands after the #TS annotation at or after this unix time
        #[arg(long, value_name = "TS", allow_negative_numbers = true)]
        since: Option<i64>,
        /// Only commands before the first #TS annotation later than this unix time
        #[arg(long, value_name = "TS", allow_negative_numbers = true)]
        until: Option<i64>,
    },
    /// Commands per type and per key prefix, file sizes, and what a rewrite would save
    Stats {
        /// An AOF file, an appendonlydir, or its manifest
        path: PathBuf,
        /// Key-prefix separator for the prefix breakdown
        #[arg(long, value_name = "SEP", default_value = ":")]
        prefix_sep: String,
        /// How many commands and prefixes to list
        #[arg(long, default_value_t = 20)]
        top: usize,
        /// Also measure what a rewrite would write and save, by replaying into memory (memory then
        /// grows with the dataset instead of staying flat)
        #[arg(long)]
        rewrite_size: bool,
    },
    /// Replay into memory and write the minimal equivalent: a new appendonlydir, or one RESP file
    Rewrite {
        /// An AOF file, an appendonlydir, or its manifest
        path: PathBuf,
        /// The new appendonlydir (or, with --single, the new file); must not exist
        out: PathBuf,
        /// What the new base file is
        #[arg(long, value_enum, default_value_t = BaseFormat::Zdb)]
        base: BaseFormat,
        /// Write one RESP file instead of a directory
        #[arg(long)]
        single: bool,
        /// The appendfilename for the new directory's files
        #[arg(long, value_name = "NAME", default_value = "appendonly.aof")]
        appendfilename: String,
    },
    /// Replay into memory and write a snapshot of the state the AOF describes
    Convert {
        /// An AOF file, an appendonlydir, or its manifest
        path: PathBuf,
        /// The snapshot to write; must not exist
        out: PathBuf,
        /// Snapshot format: zedis .zdb, or Redis RDB version 10
        #[arg(long, value_enum)]
        to: SnapshotFormat,
    },
}

/// Options of the commands that change a file in place.
#[derive(Debug, Clone, clap::Args)]
pub struct ChangeArgs {
    /// Do not ask for confirmation
    #[arg(short, long)]
    pub yes: bool,
    /// Keep a copy of the file before changing it (the default)
    #[arg(long, overrides_with = "no_backup")]
    pub backup: bool,
    /// Change the file without keeping a copy
    #[arg(long, overrides_with = "backup")]
    pub no_backup: bool,
}

impl ChangeArgs {
    pub fn keep_backup(&self) -> bool {
        !self.no_backup
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DumpFormat {
    /// One aligned line per command
    Text,
    /// One JSON array of every command
    Json,
    /// One JSON object per line
    Jsonl,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum BaseFormat {
    /// A zedis .zdb snapshot (aof-use-rdb-preamble yes)
    Zdb,
    /// RESP commands, readable by Redis (aof-use-rdb-preamble no)
    Aof,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SnapshotFormat {
    /// zedis native snapshot
    Zdb,
    /// Redis RDB version 10
    Rdb,
}

/// Shells completions are generated for.
#[derive(Clone, Copy, Debug)]
pub enum Shell {
    Bash,
    Zsh,
    Fish,
}

/// The clap command, for the man page and completions.
pub fn command() -> clap::Command {
    Cli::command()
}

const MAN_EXTRA: &str = r#".SH "EXIT STATUS"
.TP
.B 0
Every file is valid (verify), or the command succeeded.
.TP
.B 1
A file is damaged (verify), or fix and truncate\-to\-timestamp refused to change it (or were told no at the prompt).
.TP
.B 2
Unusable arguments, or an input that cannot be opened or read at all.
.SH INPUTS
\fIPATH\fR is a single AOF file (checked as one file, with lines counted from 1, as
redis\-check\-aof checks an old\-style AOF), an appendonlydir, or its manifest. A directory is read
through its manifest: the base file then the incr files, in loading order; lines are counted across
the files as redis\-check\-aof counts them. A base file may be a snapshot (zedis .zdb or Redis RDB),
which is checked with the snapshot reader; a RESP file may begin with an RDB preamble.
.SH REPAIRS
\fBfix\fR cuts only what the server itself would cut with \fBaof\-load\-truncated yes\fR: a torn
last command, or an unfinished MULTI, at the end of the last file. Damage anywhere else (bytes that
are not RESP in the middle of a file, a truncated earlier file, a listed file that is missing, a
damaged RDB preamble) is refused with an explanation: cutting there would silently drop every command
after the damage, so it must be decided by hand.
A copy \fIFILE\fR.bak (or .bak.1, .bak.2, ...) is kept unless \fB\-\-no\-backup\fR is given.
.SH REWRITE
\fBrewrite\fR and \fBconvert\fR replay the AOF through the server's own command code into memory,
drop keys whose expiry has passed, and write the result. Memory use is that of the dataset.
.SH EXAMPLES
.nf
zedis\-aof verify appendonlydir
zedis\-aof fix appendonlydir/appendonly.aof.manifest \-\-yes
zedis\-aof truncate\-to\-timestamp appendonlydir 1700000000
zedis\-aof dump appendonlydir \-\-key '^user:' \-\-format jsonl
zedis\-aof stats appendonlydir
zedis\-aof rewrite appendonlydir newdir \-\-base aof
zedis\-aof convert appendonlydir dump.rdb \-\-to rdb
.fi
"#;

/// The man page: clap's sections, every subcommand's flags, and the hand-written sections.
pub fn man_page() -> Vec<u8> {
    zedis::docgen::man_page(command(), "zedis-aof", MAN_EXTRA)
}

/// The completion script for `shell`.
pub fn completions(shell: Shell) -> Vec<u8> {
    let mut cmd = command();
    let mut out = Vec::new();
    let sh = match shell {
        Shell::Bash => clap_complete::Shell::Bash,
        Shell::Zsh => clap_complete::Shell::Zsh,
        Shell::Fish => clap_complete::Shell::Fish,
    };
    clap_complete::generate(sh, &mut cmd, "zedis-aof", &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn definition_is_consistent() {
        command().debug_assert();
    }

    #[test]
    fn backup_is_the_default() {
        let c = Cli::try_parse_from(["zedis-aof", "fix", "d"]).unwrap();
        let Cmd::Fix { change, .. } = c.cmd else {
            panic!("not fix")
        };
        assert!(change.keep_backup() && !change.yes);
        let c = Cli::try_parse_from(["zedis-aof", "fix", "d", "--no-backup", "--yes"]).unwrap();
        let Cmd::Fix { change, .. } = c.cmd else {
            panic!("not fix")
        };
        assert!(!change.keep_backup() && change.yes);
    }
}
