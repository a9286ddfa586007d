//! The `zedis-rdb` binary: parse the command line, run, exit with the code `run` chose.

use clap::Parser;

fn main() {
    let cli = match zedis_rdb::args::Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() {
                zedis_rdb::EXIT_UNUSABLE
            } else {
                0
            };
            let _ = e.print();
            std::process::exit(code);
        }
    };
    std::process::exit(zedis_rdb::run(cli));
}
