//! The `zedis` server binary: reads the command line the way redis-server does, sets up logging,
//! and runs the server. Everything else lives in the library.

use std::process::ExitCode;

#[global_allocator]
static ALLOC: zedis::alloc::Counting = zedis::alloc::Counting;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "--help" || a == "-h") {
        let _ = zedis::cli::command().print_long_help();
        return ExitCode::SUCCESS;
    }
    if args.iter().any(|a| a == "--version" || a == "-v") {
        println!(
            "zedis v={} (Redis {} compatible)",
            zedis::VERSION,
            zedis::REDIS_VERSION
        );
        return ExitCode::SUCCESS;
    }
    let test_only = args.iter().any(|a| a == "--test-config");
    let args: Vec<String> = args.into_iter().filter(|a| a != "--test-config").collect();
    let config = match zedis::config::load(&args) {
        Ok(c) => c,
        Err(e) => {
            eprintln!(
                "\n*** FATAL CONFIG ERROR (zedis {}) ***\n{e}",
                zedis::VERSION
            );
            return ExitCode::from(1);
        }
    };
    if test_only {
        println!("Configuration test passed");
        return ExitCode::SUCCESS;
    }
    let level = zedis::server::log::Level::from_config(&config);
    if let Err(e) = zedis::server::log::init(level, Some(config.logfile.as_str())) {
        eprintln!("Can't open the log file: {e}");
        return ExitCode::from(1);
    }
    match zedis::server::run(config) {
        Ok(code) => ExitCode::from(code as u8),
        Err(e) => {
            zedis::server::log::warning(&format!("{e}"));
            ExitCode::from(1)
        }
    }
}
