//! `zedis-aof`, the offline append-only-file tool: verify, fix, truncate-to-timestamp, dump,
//! stats, rewrite and convert Redis 7 and zedis AOFs (one file, or an appendonlydir through its
//! manifest). Every byte is read through `zedis::persist::aof` (commands, verdicts, manifest) and
//! `zedis::persist::{rdb, zdb}` (snapshot bases); replays run the server's own command code in
//! process. This crate parses no format itself.
//!
//! `input` resolves PATH to files, `verify` judges them, `fix` cuts, `dump` lists and counts,
//! `replay` rebuilds the dataset and writes it out. `run` maps a command line to an exit code;
//! `main.rs` only calls it.

pub mod args;
pub mod dump;
pub mod fix;
pub mod input;
pub mod replay;
pub mod verify;

use args::{Cli, Cmd};
use input::{Input, InputError};

/// Exit codes.
pub const EXIT_OK: i32 = 0;
pub const EXIT_DAMAGED: i32 = 1;
pub const EXIT_UNUSABLE: i32 = 2;

/// Runs a command; returns the exit code. Errors are printed here.
pub fn run(cli: Cli) -> i32 {
    match run_inner(cli) {
        Ok(code) => code,
        Err(e) => {
            // A closed pipe (`zedis-aof dump | head`) is not a failure.
            if e.chain()
                .filter_map(|c| c.downcast_ref::<std::io::Error>())
                .any(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            {
                return EXIT_OK;
            }
            eprintln!("zedis-aof: {e:#}");
            if is_damage(&e) {
                EXIT_DAMAGED
            } else {
                EXIT_UNUSABLE
            }
        }
    }
}

/// Whether an error means the input is damaged (exit 1) rather than unusable (exit 2): a bad
/// manifest, a listed file that is missing, bytes that are not an AOF.
fn is_damage(e: &anyhow::Error) -> bool {
    use zedis::persist::aof::AofError;
    let aof = |a: &AofError| {
        matches!(
            a,
            AofError::Truncated { .. }
                | AofError::Malformed { .. }
                | AofError::Manifest { .. }
                | AofError::MissingFile { .. }
                | AofError::Rdb { .. }
        )
    };
    e.chain().any(|c| {
        c.downcast_ref::<AofError>().is_some_and(aof)
            || matches!(c.downcast_ref::<InputError>(), Some(InputError::Set(a)) if aof(a))
            || c.downcast_ref::<replay::ReplayError>()
                .is_some_and(replay::ReplayError::is_damage)
    })
}

fn run_inner(cli: Cli) -> anyhow::Result<i32> {
    let progress = !cli.quiet;
    match cli.cmd {
        Cmd::Verify { path } => {
            let input = Input::open(&path)?;
            let checks = verify::check(&input, progress)?;
            let (text, code) = verify::report(&input, &checks);
            print!("{text}");
            Ok(code)
        }
        Cmd::Fix { path, change } => {
            let input = Input::open(&path)?;
            let checks = verify::check(&input, progress)?;
            let plan = fix::plan_fix(&input, &checks);
            carry_out(plan, &change, cli.quiet)
        }
        Cmd::TruncateToTimestamp { path, ts, change } => {
            let input = Input::open(&path)?;
            let plan = fix::plan_timestamp(&input, ts)?;
            carry_out(plan, &change, cli.quiet)
        }
        Cmd::Dump {
            path,
            format,
            key,
            commands,
            db,
            since,
            until,
        } => {
            let input = Input::open(&path)?;
            let filter = dump::Filter::new(key.as_deref(), &commands, db, since, until)?;
            let out = std::io::BufWriter::with_capacity(256 << 10, std::io::stdout().lock());
            let n = dump::dump(&input, out, format, &filter, progress)?;
            if !cli.quiet {
                eprintln!("{n} command(s) listed");
            }
            Ok(EXIT_OK)
        }
        Cmd::Stats {
            path,
            prefix_sep,
            top,
            rewrite_size,
        } => {
            let input = Input::open(&path)?;
            let mut s = dump::stats(&input, &prefix_sep, progress)?;
            if rewrite_size {
                s.rewrite_size = Some(replay::rewritten_size(&input, progress)?);
            }
            print!("{}", s.render(top));
            Ok(EXIT_OK)
        }
        Cmd::Rewrite {
            path,
            out,
            base,
            single,
            appendfilename,
        } => {
            let input = Input::open(&path)?;
            let rep = replay::rewrite(&input, &out, base, single, &appendfilename, progress)?;
            print!("{rep}");
            Ok(EXIT_OK)
        }
        Cmd::Convert { path, out, to } => {
            let input = Input::open(&path)?;
            let rep = replay::convert(&input, &out, to, progress)?;
            print!("{rep}");
            Ok(EXIT_OK)
        }
    }
}

/// Prints what a plan means and carries it out; refusals exit 1.
fn carry_out(plan: fix::Plan, change: &args::ChangeArgs, quiet: bool) -> anyhow::Result<i32> {
    match plan {
        fix::Plan::Nothing(msg) => {
            println!("{msg}");
            Ok(EXIT_OK)
        }
        fix::Plan::Refuse(msg) => {
            println!("{msg}");
            Ok(EXIT_DAMAGED)
        }
        fix::Plan::Cut {
            path,
            at,
            size,
            why,
        } => {
            let backup = match fix::cut(&path, at, size, &why, change)? {
                fix::Outcome::Declined => {
                    println!("{} was not changed", path.display());
                    return Ok(EXIT_DAMAGED);
                }
                fix::Outcome::Done { backup } => backup,
            };
            if let Some(b) = backup {
                if !quiet {
                    eprintln!("backup kept at {}", b.display());
                }
            }
            println!(
                "Successfully truncated {} from {size} to {at} bytes",
                path.display()
            );
            Ok(EXIT_OK)
        }
    }
}
