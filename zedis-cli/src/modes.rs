//! placeholder
use crate::args::Cli;
use crate::session::Session;
pub fn run_special(_cli: &Cli, _s: &mut Session) -> Option<i32> {
    None
}
