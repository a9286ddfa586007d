//! Development tool: run the differential corpus against any two servers.
//!
//! ```text
//! cargo run -p zedis-tests --example diff -- [--left PORT] [--right PORT] [--dump] [FILTER]
//! ```
//! Without ports it starts redis-server (left) and zedis (right) itself. `--dump` prints every
//! step's left-hand reply, which is how corpus cases are checked against Redis while writing
//! them. FILTER is a comma-separated list of case-name prefixes. Exits 1 on any mismatch.

use std::process::ExitCode;

use zedis_tests::corpus::{default_dir, filter_cases, load_dir};
use zedis_tests::diff::{diff, run_case, SERVER_ARGS};
use zedis_tests::Server;

struct Options {
    left: Option<u16>,
    right: Option<u16>,
    dump: bool,
    filter: String,
}

fn parse_options() -> Result<Options, String> {
    let mut options = Options {
        left: None,
        right: None,
        dump: false,
        filter: String::new(),
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut port = |name: &str| -> Result<u16, String> {
            args.next()
                .and_then(|p| p.parse().ok())
                .ok_or_else(|| format!("{name} needs a port number"))
        };
        match arg.as_str() {
            "--left" => options.left = Some(port("--left")?),
            "--right" => options.right = Some(port("--right")?),
            "--dump" => options.dump = true,
            "-h" | "--help" => {
                return Err("usage: diff [--left PORT] [--right PORT] [--dump] [FILTER]".into())
            }
            other if other.starts_with('-') => return Err(format!("unknown option {other}")),
            other => options.filter = other.to_string(),
        }
    }
    Ok(options)
}

fn main() -> ExitCode {
    let options = match parse_options() {
        Ok(o) => o,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::from(2);
        }
    };
    let cases = match load_dir(&default_dir()) {
        Ok(cases) => filter_cases(cases, &options.filter),
        Err(e) => {
            eprintln!("{e:#}");
            return ExitCode::from(2);
        }
    };
    // Servers we start ourselves live until the end of main.
    let mut started = Vec::new();
    let left = options.left.unwrap_or_else(|| {
        started.push(Server::redis(SERVER_ARGS));
        started.last().map_or(0, Server::port)
    });
    if options.dump {
        for case in &cases {
            println!(
                "=== {}{}",
                case.name,
                if case.resp3 { " @resp3" } else { "" }
            );
            for (step, outcome) in case.steps.iter().zip(run_case(left, case)) {
                println!("{}\n    {}", step.text, outcome.render());
            }
        }
        return ExitCode::SUCCESS;
    }
    let right = options.right.unwrap_or_else(|| {
        started.push(Server::zedis(SERVER_ARGS));
        started.last().map_or(0, Server::port)
    });
    let summary = diff(left, right, &cases);
    print!("{}", summary.report("left", "right"));
    if summary.mismatches.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
