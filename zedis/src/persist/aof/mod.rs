//! The append-only file (AOF): for now only `rewrite`, which turns one key into the minimal RESP
//! commands that rebuild it. The AOF writer and loader will sit next to it; nothing here knows
//! about files, the server or the configuration.

pub mod rewrite;

pub use rewrite::{encode_key, encode_select, Rewriter, ITEMS_PER_CMD};
