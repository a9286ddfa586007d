//! End-to-end test harness for zedis: start real servers, talk raw RESP to them, and run the
//! differential corpus that demands byte-identical replies from redis-server and zedis.
//!
//! This crate owns only test infrastructure. It treats zedis as a black box (a binary speaking
//! RESP on a port), except for borrowing `zedis::resp::Frame::parse` to find where a reply ends.
//!
//! - [`Server`] starts `redis-server` or zedis on a [`free_port`] and kills it on drop.
//! - [`RawConn`] sends requests and returns the exact reply bytes.
//! - [`corpus`] parses the corpus files; [`diff`] runs and compares them.

pub mod aof;
pub mod aof_log;
pub mod conn;
pub mod corpus;
pub mod diff;
pub mod docs;
pub mod escape;
pub mod loading;
pub mod server;
pub mod splitargs;
pub mod tempdir;

pub use conn::{encode_request, Drained, RawConn, ReadError};
pub use escape::escape;
pub use server::{free_port, zedis_binary, Kind, Server};
pub use tempdir::TempDir;
