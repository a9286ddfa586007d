//! The `zedis-aof` binary: parse the command line, run, exit with the code `run` chose.

use clap::Parser;

fn main() {
    let cli = match zedis_aof::args::Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() {
                zedis_aof::EXIT_UNUSABLE
            } else {
                0
            };
            let _ = e.print();
            std::process::exit(code);
        }
    };
    std::process::exit(zedis_aof::run(cli));
}
