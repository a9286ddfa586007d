//! The `zedis-cli` binary: parses the command line and hands over to the library.

use clap::error::ErrorKind;
use clap::Parser;

fn main() {
    let cli = match zedis_cli::args::Cli::try_parse() {
        Ok(c) => c,
        Err(e) if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) => {
            e.exit()
        }
        Err(e) => {
            // redis-cli exits with 1 on a bad command line; scripts may test for it.
            let _ = e.print();
            std::process::exit(1);
        }
    };
    std::process::exit(zedis_cli::run(cli));
}
