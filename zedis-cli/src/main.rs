//! The `zedis-cli` binary: parses the command line and hands over to the library.

use clap::Parser;

fn main() {
    let cli = zedis_cli::args::Cli::parse();
    std::process::exit(zedis_cli::run(cli));
}
