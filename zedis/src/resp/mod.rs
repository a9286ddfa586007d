//! The Redis serialization protocol, RESP2 and RESP3, as pure byte manipulation: decoding
//! client requests (`request`), encoding replies exactly as Redis 7.0 does (`write`), and a
//! general value type with parser, resumable decoder and encoder for clients, tests and tools (`frame`).
//!
//! This module owns the wire format and nothing else: it does no I/O, knows no commands,
//! and does not know how connections, authentication or configuration are managed beyond
//! the plain values (`Limits`, the protocol version) its callers pass in.

pub mod frame;
pub mod request;
pub mod write;

pub use frame::{Frame, FrameDecoder, FrameError, MAX_DEPTH};
pub use request::{
    decode_request, Limits, ProtocolError, RequestDecoder, DEFAULT_MAX_BULK_LEN, INLINE_MAX_SIZE,
};
pub use write::{
    encode_request, format_double, write_array_len, write_attribute_len, write_big_number,
    write_bool, write_bulk, write_bulk_integer, write_double, write_error, write_i64_digits,
    write_integer, write_map_len, write_null, write_null_array, write_ok, write_push_len,
    write_set_len, write_simple, write_verbatim, RESP2, RESP3,
};
