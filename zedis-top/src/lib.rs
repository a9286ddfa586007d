//! zedis-top: a live terminal dashboard for zedis and any Redis-compatible server.
//!
//! `collect` parses replies into metrics (pure), `poll` talks to servers on poller threads,
//! `app` holds the state and handles keys, `ui` draws the state, `cli` is the command line
//! and the man page, and `report` prints `--once` snapshots. The binary only wires them up.

pub mod app;
pub mod cli;
pub mod collect;
pub mod poll;
pub mod report;
pub mod ui;
