//! Redis's RDB format (versions 1–12 read, version 10 written) and the DUMP/RESTORE payloads built
//! from it. `reader` streams a file into [`Record`](super::Record)s; `writer` encodes store values
//! the way Redis 7.0 does, so redis-server loads our files with the same encodings and DUMP
//! payloads are byte-identical where Redis's are deterministic; `dump` frames one value as a
//! DUMP payload. The compact blob encodings live in their own modules (`listpack`, `ziplist`,
//! `intset`, `zipmap`, `lzf`). Nothing here knows about the server: the loader and RESTORE
//! decide what to do with what is read.

pub mod dump;
pub mod intset;
pub mod listpack;
pub mod lzf;
pub mod reader;
pub mod writer;
pub mod ziplist;
pub mod zipmap;

pub use dump::{dump_payload, restore_payload, DumpError};
pub use reader::{read, read_buffered, ReadSummary};
pub use writer::{encode_eof, encode_header, encode_key, encode_select_db, encode_value, Writer};

use crc::{Crc, Digest, Table, CRC_64_REDIS};

/// The RDB version this writer produces (Redis 7.0's).
pub const RDB_VERSION: u16 = 10;
/// The newest RDB version the reader understands (Redis 7.4's).
pub const MAX_READ_VERSION: u32 = 12;

/// Value type bytes.
pub mod types {
    pub const STRING: u8 = 0;
    pub const LIST: u8 = 1;
    pub const SET: u8 = 2;
    pub const ZSET: u8 = 3;
    pub const HASH: u8 = 4;
    pub const ZSET_2: u8 = 5;
    pub const MODULE_PRE_GA: u8 = 6;
    pub const MODULE_2: u8 = 7;
    pub const HASH_ZIPMAP: u8 = 9;
    pub const LIST_ZIPLIST: u8 = 10;
    pub const SET_INTSET: u8 = 11;
    pub const ZSET_ZIPLIST: u8 = 12;
    pub const HASH_ZIPLIST: u8 = 13;
    pub const LIST_QUICKLIST: u8 = 14;
    pub const STREAM_LISTPACKS: u8 = 15;
    pub const HASH_LISTPACK: u8 = 16;
    pub const ZSET_LISTPACK: u8 = 17;
    pub const LIST_QUICKLIST_2: u8 = 18;
    pub const STREAM_LISTPACKS_2: u8 = 19;
    pub const SET_LISTPACK: u8 = 20;
    pub const STREAM_LISTPACKS_3: u8 = 21;
}

/// Opcodes between keys.
pub mod opcodes {
    pub const FUNCTION2: u8 = 245;
    pub const FUNCTION_PRE_GA: u8 = 246;
    pub const MODULE_AUX: u8 = 247;
    pub const IDLE: u8 = 248;
    pub const FREQ: u8 = 249;
    pub const AUX: u8 = 250;
    pub const RESIZEDB: u8 = 251;
    pub const EXPIRETIME_MS: u8 = 252;
    pub const EXPIRETIME: u8 = 253;
    pub const SELECTDB: u8 = 254;
    pub const EOF: u8 = 255;
}

/// CRC-64/Jones as Redis uses it (reflected, no final xor), over RDB files and DUMP payloads.
/// Slice-by-16 tables: the byte-at-a-time default capped whole-file reads near 300 MB/s.
pub static CRC64: Crc<u64, Table<16>> = Crc::<u64, Table<16>>::new(&CRC_64_REDIS);

/// The checksum of a whole buffer.
pub fn crc64(data: &[u8]) -> u64 {
    CRC64.checksum(data)
}

/// A running checksum, for writers that produce a file in pieces (the fork-less BGSAVE).
pub type Checksum = Digest<'static, u64, Table<16>>;

/// A fresh running checksum.
pub fn checksum() -> Checksum {
    CRC64.digest()
}

#[cfg(test)]
mod tests {
    #[test]
    fn crc64_check_value() {
        // The reference check value of CRC-64/Jones (also in Redis's crc64.c self test).
        assert_eq!(super::crc64(b"123456789"), 0xe9c6d914c4b8d9ca);
    }
}
