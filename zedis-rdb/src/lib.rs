//! `zedis-rdb`, the offline snapshot tool: verify, dump, stats, convert and salvage Redis RDB
//! and zedis `.zdb` files. Everything is read through `zedis::persist`'s streaming readers and
//! written through its writers; this crate never parses a snapshot byte itself, and never keeps
//! more than one key (plus fixed-size summaries) in memory.
//!
//! `source` opens and reads, `filter` selects keys, `measure` sizes them, and one module per
//! subcommand turns records into output. `run` maps a parsed command line to an exit code;
//! `main.rs` only calls it.

pub mod args;
pub mod convert;
pub mod dump;
pub mod escape;
pub mod filter;
pub mod measure;
pub mod source;
pub mod stats;
pub mod verify;

use anyhow::Context;
use args::{Cli, Cmd};
use filter::Filter;
use source::Input;
use std::io::Write;

/// Exit codes.
pub const EXIT_OK: i32 = 0;
pub const EXIT_DAMAGED: i32 = 1;
pub const EXIT_UNUSABLE: i32 = 2;

/// Runs a command; returns the exit code. Errors that make the input or arguments unusable are
/// printed here.
pub fn run(cli: Cli) -> i32 {
    match run_inner(cli) {
        Ok(code) => code,
        Err(e) => {
            // A closed pipe (`zedis-rdb dump | head`) is not a failure.
            if e.chain()
                .filter_map(|c| c.downcast_ref::<std::io::Error>())
                .any(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            {
                return EXIT_OK;
            }
            if let Some(zedis::persist::PersistError::Io(io)) =
                e.downcast_ref::<zedis::persist::PersistError>()
            {
                if io.kind() == std::io::ErrorKind::BrokenPipe {
                    return EXIT_OK;
                }
            }
            eprintln!("zedis-rdb: {e:#}");
            let damaged = e
                .downcast_ref::<zedis::persist::PersistError>()
                .is_some_and(source::is_damage);
            if damaged {
                EXIT_DAMAGED
            } else {
                EXIT_UNUSABLE
            }
        }
    }
}

fn run_inner(cli: Cli) -> anyhow::Result<i32> {
    let progress = !cli.quiet;
    let now = filter::now_ms();
    match cli.cmd {
        Cmd::Verify { file } => {
            let input = Input::open(&file)?;
            let v = verify::verify(input, progress, now);
            print!("{}", v.report);
            Ok(v.exit)
        }
        Cmd::Dump {
            file,
            format,
            escape,
            filter,
        } => {
            let f = Filter::new(&filter, now)?;
            let input = Input::open(&file)?;
            let out = std::io::BufWriter::with_capacity(256 << 10, std::io::stdout().lock());
            let mut d = dump::Dumper::new(out, format, escape, f);
            let res = input.read(&mut d, false, progress);
            let (written, unsupported) = (d.written, d.unsupported);
            d.finish()?;
            res?;
            if !cli.quiet {
                eprintln!("{written} key(s) dumped");
                if unsupported > 0 {
                    eprintln!("{unsupported} key(s) of types zedis cannot hold were skipped");
                }
            }
            Ok(EXIT_OK)
        }
        Cmd::Stats {
            file,
            top,
            csv,
            bytes,
            prefix_sep,
            filter,
        } => {
            let f = Filter::new(&filter, now)?;
            let input = Input::open(&file)?;
            let mut s = stats::Stats::new(f, top, bytes, &prefix_sep);
            input.read(&mut s, false, progress)?;
            let mut out = std::io::stdout().lock();
            out.write_all(s.render().as_bytes())?;
            if let Some(path) = csv {
                std::fs::write(&path, s.csv())
                    .with_context(|| format!("cannot write {}", path.display()))?;
            }
            Ok(EXIT_OK)
        }
        Cmd::Convert {
            input,
            output,
            to,
            filter,
        } => {
            let f = Filter::new(&filter, now)?;
            let inp = Input::open(&input)?;
            let sink = convert::convert(inp, &output, to, f, progress)?;
            let (keys, unsupported) = (sink.keys, sink.unsupported);
            sink.finish()
                .with_context(|| format!("cannot complete {}", output.display()))?;
            if !cli.quiet {
                eprintln!("{keys} key(s) written to {}", output.display());
                if unsupported > 0 {
                    eprintln!("{unsupported} key(s) of types zedis cannot hold were skipped");
                }
            }
            Ok(EXIT_OK)
        }
        Cmd::Salvage { input, output, to } => {
            let inp = Input::open(&input)?;
            let rep = convert::salvage(inp, &output, to, progress)?;
            println!("{} key(s) recovered into {}", rep.keys, output.display());
            if rep.unsupported > 0 {
                println!(
                    "{} key(s) of types zedis cannot hold were skipped",
                    rep.unsupported
                );
            }
            for l in &rep.losses {
                println!("lost: {l}");
            }
            if rep.damaged {
                println!("result: damaged input, partial recovery");
                Ok(EXIT_DAMAGED)
            } else {
                println!("result: no damage found");
                Ok(EXIT_OK)
            }
        }
    }
}
