//! Pure helper algorithms that must reproduce Redis 7.0 byte for byte: glob
//! matching, HyperLogLog, strict number parsing and formatting (including the C
//! `long double` arithmetic of INCRBYFLOAT), bitmap operations, LCS, and `sdssplitargs`/`sdscatrepr` quoting. This
//! module owns no state and performs no I/O; it must not know about the
//! store, the protocol, clients or error reply strings (callers map the
//! returned errors to the exact messages their command sends).

pub mod bits;
pub mod geohash;
pub mod glob;
pub mod hll;
pub mod lcs;
pub mod num;
pub mod splitargs;
