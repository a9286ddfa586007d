//! The command line: one clap definition that the parser, the man page and the shell
//! completions are all generated from, so they cannot drift apart.

use clap::{Args, CommandFactory, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// Verify, dump, convert, salvage and analyse snapshot files (Redis RDB and zedis .zdb)
#[derive(Debug, Parser)]
#[command(name = "zedis-rdb", version, about, long_about = None)]
pub struct Cli {
    /// No progress bar and no summary on stderr
    #[arg(short, long, global = true)]
    pub quiet: bool,
    #[command(subcommand)]
    pub cmd: Cmd,
}

#[derive(Debug, Subcommand)]
pub enum Cmd {
    /// Check structure and every checksum; print a summary (exit 0 valid, 1 damaged, 2 unusable)
    Verify {
        /// The snapshot to check (.rdb or .zdb, detected by content)
        file: PathBuf,
    },
    /// Print every key with its type, value, expiry and file encoding
    Dump {
        /// The snapshot to read (.rdb or .zdb)
        file: PathBuf,
        /// Output format (resp loads through `redis-cli --pipe`)
        #[arg(long, value_enum, default_value_t = DumpFormat::Jsonl)]
        format: DumpFormat,
        /// How keys and values are escaped (not for resp, which is binary-safe)
        #[arg(long, value_enum, default_value_t = Escape::Utf8)]
        escape: Escape,
        #[command(flatten)]
        filter: FilterArgs,
    },
    /// Per-type counts, memory estimate, percentiles, expiries, biggest keys, key prefixes
    Stats {
        /// The snapshot to read (.rdb or .zdb)
        file: PathBuf,
        /// How many of the biggest keys to list
        #[arg(long, default_value_t = 10)]
        top: usize,
        /// Also write the biggest keys as rdbtools' memory CSV to this file
        #[arg(long, value_name = "FILE")]
        csv: Option<PathBuf>,
        /// Only list keys whose estimated size is at least this many bytes
        #[arg(long, value_name = "N", default_value_t = 0)]
        bytes: u64,
        /// Key-prefix separator for the prefix breakdown
        #[arg(long, value_name = "SEP", default_value = ":")]
        prefix_sep: String,
        #[command(flatten)]
        filter: FilterArgs,
    },
    /// Rewrite a snapshot in another format (expiries kept; LRU/LFU where the target holds them)
    Convert {
        /// The snapshot to read (.rdb or .zdb)
        input: PathBuf,
        /// The file to write (replaced only once complete)
        output: PathBuf,
        /// Target format
        #[arg(long, value_enum)]
        to: Target,
        #[command(flatten)]
        filter: FilterArgs,
    },
    /// Copy every key that can be read from a damaged file into a new valid file
    Salvage {
        /// The damaged snapshot
        input: PathBuf,
        /// The new file with every key that could be recovered
        output: PathBuf,
        /// Target format (default: the input's)
        #[arg(long, value_enum)]
        to: Option<Target>,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum DumpFormat {
    /// One JSON array of key objects
    Json,
    /// One JSON object per line
    Jsonl,
    /// RESP commands that rebuild every key (SELECT, SET/RPUSH/..., PEXPIREAT)
    Resp,
    /// One human-readable line per key
    Text,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Escape {
    /// Bytes unchanged (JSON replaces invalid UTF-8 with U+FFFD)
    Raw,
    /// Printable ASCII kept, everything else as \xNN
    Print,
    /// Valid UTF-8 kept (control characters as \xNN), invalid bytes as \xNN
    Utf8,
    /// Standard base64
    Base64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Target {
    /// zedis native snapshot
    Zdb,
    /// Redis RDB version 10 (Redis 7.0)
    Rdb,
    /// RESP commands with absolute expiries (PEXPIREAT)
    Aof,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum Expired {
    /// Keep keys whose expiry has passed
    #[default]
    Include,
    /// Drop keys whose expiry has passed
    Exclude,
    /// Only keys whose expiry has passed
    Only,
}

/// Which keys a command looks at.
#[derive(Clone, Debug, Default, Args)]
pub struct FilterArgs {
    /// Only this database (repeatable)
    #[arg(long = "db", value_name = "N")]
    pub db: Vec<u32>,
    /// Only keys matching this regular expression (bytes; unanchored)
    #[arg(long, value_name = "REGEX")]
    pub key: Option<String>,
    /// Skip keys matching this regular expression
    #[arg(long, value_name = "REGEX")]
    pub not_key: Option<String>,
    /// Only this type: string, list, set, zset, hash (repeatable)
    #[arg(long = "type", value_name = "T")]
    pub types: Vec<String>,
    /// What to do with keys whose expiry has passed
    #[arg(long, value_enum, default_value_t = Expired::Include)]
    pub expired: Expired,
    /// Only keys whose estimated size is in this range, e.g. 1KB..1MB, 100.., ..4KiB
    #[arg(long, value_name = "MIN..MAX")]
    pub size: Option<String>,
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
The file is valid (verify) or the command succeeded.
.TP
.B 1
The file is damaged (verify), or salvage lost data.
.TP
.B 2
Unusable arguments, or a file that cannot be opened or is not a snapshot.
.SH FORMATS
Input files are recognised by their first bytes: \fBREDIS\fR for Redis RDB (versions 1 to 12),
\fBZEDIS\fR for the zedis native format. Readers stream, so memory is bounded by the largest
single key, not by the file.
.SH SALVAGE
For .zdb files every block is checksummed on its own: a damaged block loses only its keys,
and the report names the byte range, the block index and the number of keys lost.
A Redis RDB file has no such framing: salvage keeps every key read before the damage,
then looks for the next offset where eight records in a row parse (the first one short), and says where it resumed.
Keys between the damage and that offset are lost and cannot be counted.
.SH EXAMPLES
.nf
zedis\-rdb verify dump.rdb
zedis\-rdb dump dump.rdb \-\-format resp | redis\-cli \-\-pipe
zedis\-rdb stats dump.zdb \-\-top 20 \-\-prefix\-sep :
zedis\-rdb convert dump.rdb dump.zdb \-\-to zdb
zedis\-rdb salvage broken.zdb fixed.zdb
.fi
"#;

/// The man page: clap's sections, every subcommand's flags, and the hand-written sections.
pub fn man_page() -> Vec<u8> {
    zedis::docgen::man_page(command(), "zedis-rdb", MAN_EXTRA)
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
    clap_complete::generate(sh, &mut cmd, "zedis-rdb", &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_filters() {
        let c = Cli::try_parse_from([
            "zedis-rdb",
            "dump",
            "f.rdb",
            "--db",
            "1",
            "--db",
            "3",
            "--type",
            "hash",
            "--expired",
            "only",
            "--format",
            "json",
        ])
        .unwrap();
        let Cmd::Dump { filter, format, .. } = c.cmd else {
            panic!("not dump")
        };
        assert_eq!(filter.db, [1, 3]);
        assert_eq!(filter.types, ["hash"]);
        assert_eq!(filter.expired, Expired::Only);
        assert_eq!(format, DumpFormat::Json);
    }

    #[test]
    fn definition_is_consistent() {
        command().debug_assert();
    }
}
