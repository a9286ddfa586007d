//! The native snapshot format `.zdb`: a checksummed header, a run of independent lz4-compressed
//! blocks of key records, and a trailer with counts and a whole-file checksum. Every byte is
//! described in `docs/formats.md` ("Native snapshot format").
//!
//! The writing side is split the way a fork-less BGSAVE needs it: [`BlockBuilder`] runs on the
//! store thread and only appends encoded records to a buffer (no compression, no I/O), handing
//! over finished uncompressed [`RawBlock`]s; [`FileWriter`] runs on a writer thread and
//! compresses, checksums, frames and writes them. [`Writer`] glues both together for tools and
//! tests. [`read`] streams a file back into [`Record`](super::Record)s, one block in memory at a
//! time, either strictly (first damage is an error) or salvaging (a damaged block is skipped by
//! scanning for the next valid frame, and every loss is reported).
//!
//! This module knows the store's value types (it encodes and builds them) but nothing of the
//! server, the configuration or the network.

mod block;
mod encode;
mod reader;

pub use block::{peek_trailer, FileWriter, TrailerInfo, Writer};
pub use encode::BlockBuilder;
pub use reader::{read, Damage, Mode, ReadReport};

/// The first bytes of every `.zdb` file (`persist::detect` keys on them).
pub const MAGIC: &[u8; 5] = b"ZEDIS";
/// The format version this code writes and the newest it reads.
pub const VERSION: u16 = 1;
/// Starts every block frame; what a salvaging reader scans for.
pub const BLOCK_MAGIC: &[u8; 4] = b"ZBLK";
/// Starts the trailer.
pub const TRAILER_MAGIC: &[u8; 4] = b"ZEND";
/// The uncompressed block size the server aims for.
pub const DEFAULT_BLOCK_SIZE: usize = 256 * 1024;
/// No block payload is larger than this, compressed or not. It bounds what a damaged or hostile
/// length field can make the reader allocate; a record larger than a block is cut into parts.
pub const MAX_BLOCK_LEN: usize = 64 << 20;
/// A record cut into parts may not exceed this once reassembled (a compressed part can expand
/// about 250-fold, so without a cap a small hostile file could ask for any amount of memory).
pub const MAX_RECORD_LEN: usize = 2 << 30;
/// The header's body (version string and aux fields) is at most this long.
pub const MAX_HEADER_LEN: usize = 16 << 20;
/// The trailer lists at most this many databases.
pub const MAX_TRAILER_DBS: u32 = 1 << 16;
/// At most this many bytes of a block's first key are repeated in its frame (for reports).
pub const FRAME_KEY_MAX: usize = 255;

/// An uncompressed block as the store thread hands it to the writer thread.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RawBlock {
    /// The database every record of the block belongs to.
    pub db: u32,
    /// The first key of the block (at most [`FRAME_KEY_MAX`] bytes of it).
    pub first_key: Vec<u8>,
    /// How many records end in this block (a part that does not end its record counts none).
    pub records: u32,
    /// The encoded records.
    pub bytes: Vec<u8>,
    /// The payload continues a record begun in the previous block.
    pub cont_prev: bool,
    /// The payload's last record continues in the next block.
    pub cont_next: bool,
}

/// Value type + encoding tags of a record (the byte after the record start).
pub(crate) mod tag {
    pub const STR_INT: u8 = 0;
    pub const STR_EMB: u8 = 1;
    pub const STR_RAW: u8 = 2;
    pub const LIST: u8 = 3;
    pub const SET_INTSET: u8 = 4;
    pub const SET_TABLE: u8 = 5;
    pub const HASH_LISTPACK: u8 = 6;
    pub const HASH_TABLE: u8 = 7;
    pub const ZSET_LISTPACK: u8 = 8;
    pub const ZSET_SKIPLIST: u8 = 9;

    /// The name `OBJECT ENCODING` gives the recorded encoding.
    pub fn encoding_name(t: u8) -> Option<&'static str> {
        Some(match t {
            STR_INT => "int",
            STR_EMB => "embstr",
            STR_RAW => "raw",
            LIST => "quicklist",
            SET_INTSET => "intset",
            SET_TABLE | HASH_TABLE => "hashtable",
            HASH_LISTPACK | ZSET_LISTPACK => "listpack",
            ZSET_SKIPLIST => "skiplist",
            _ => return None,
        })
    }
}

/// Record flag bits (the byte after the tag).
pub(crate) mod rflag {
    pub const EXPIRE: u8 = 1;
    pub const IDLE: u8 = 2;
    pub const FREQ: u8 = 4;
    pub const ALL: u8 = EXPIRE | IDLE | FREQ;
}

/// Block frame flag bits.
pub(crate) mod bflag {
    pub const LZ4: u8 = 1;
    pub const CONT_PREV: u8 = 2;
    pub const CONT_NEXT: u8 = 4;
    pub const ALL: u8 = LZ4 | CONT_PREV | CONT_NEXT;
}

/// Checks a whole file without keeping anything: [`read`] with a visitor that drops every
/// record (values are still decoded, so every check the loader makes is made).
pub fn verify<R: std::io::Read>(r: R, mode: Mode) -> Result<ReadReport, super::PersistError> {
    struct Discard;
    impl super::Visitor for Discard {
        fn record(&mut self, _: u64, _: super::Record) -> Result<(), super::PersistError> {
            Ok(())
        }
    }
    read(r, &mut Discard, &super::build::Limits::default(), mode)
}
