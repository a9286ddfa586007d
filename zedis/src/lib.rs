//! zedis: a Redis-compatible in-memory data server.
//!
//! The library holds everything the server and the tools share: the RESP codec (`resp`), the
//! command table and handlers (`commands`), the keyspace (`store`), configuration (`config`), the
//! running server (`server`), and small pure helpers (`util`). The `zedis` binary is a thin shell
//! around `server::run`. See ARCHITECTURE.md for the map and the invariants.

pub mod alloc;
pub mod cli;
pub mod client;
pub mod commands;
pub mod config;
pub mod docgen;
pub mod persist;
pub mod resp;
pub mod server;
pub mod store;
pub mod util;

/// This build's version.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
/// The Redis version whose behaviour we implement; reported where clients look for
/// `redis_version` so feature detection works.
pub const REDIS_VERSION: &str = "7.0.15";
