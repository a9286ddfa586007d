//! DUMP payloads: one value in RDB encoding, then the RDB version (u16 LE) and a CRC-64 (u64 LE)
//! of everything before it — the layout of Redis's `createDumpPayload`, so payloads move between
//! redis-server and zedis in both directions.

use super::reader::{Loaded, Src};
use super::writer::encode_value;
use crate::persist::build::Limits;
use crate::store::Value;
use thiserror::Error;

/// Why a payload was refused; RESTORE maps these onto Redis's two error replies.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum DumpError {
    /// Too short, from a newer RDB version, or the checksum does not match.
    #[error("DUMP payload version or checksum are wrong")]
    VersionOrChecksum,
    /// The framing is right but the value inside is not (or is an empty or unsupported value).
    #[error("Bad data format")]
    BadData,
}

/// The DUMP payload of a value.
pub fn dump_payload(v: &Value, compress: bool) -> Vec<u8> {
    let mut out = Vec::new();
    encode_value(&mut out, v, compress);
    out.extend_from_slice(&super::RDB_VERSION.to_le_bytes());
    let crc = super::crc64(&out);
    out.extend_from_slice(&crc.to_le_bytes());
    out
}

/// Checks a payload's footer as Redis's `verifyDumpPayload` does and decodes the value.
/// Payloads of RDB versions up to the newest we read are accepted.
pub fn restore_payload(p: &[u8], lim: &Limits) -> Result<Value, DumpError> {
    if p.len() < 10 {
        return Err(DumpError::VersionOrChecksum);
    }
    let footer = &p[p.len() - 10..];
    let version = u16::from_le_bytes([footer[0], footer[1]]);
    if version as u32 > super::MAX_READ_VERSION {
        return Err(DumpError::VersionOrChecksum);
    }
    let stored = u64::from_le_bytes([
        footer[2], footer[3], footer[4], footer[5], footer[6], footer[7], footer[8], footer[9],
    ]);
    if super::crc64(&p[..p.len() - 8]) != stored {
        return Err(DumpError::VersionOrChecksum);
    }
    // As Redis, the value is read from the whole payload: a body cut short runs on into the
    // footer rather than failing, and what is left over is ignored.
    let Some((&t, rest)) = p.split_first() else {
        return Err(DumpError::BadData);
    };
    let mut src = Src::new(rest);
    match src.value(t, lim) {
        Ok(Loaded::Value(v, _)) => Ok(v),
        _ => Err(DumpError::BadData),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::persist::build;

    #[test]
    fn round_trip_and_footer_checks() {
        let lim = Limits::default();
        let v = build::hash([("a", "1"), ("b", "two")], &lim);
        let p = dump_payload(&v, true);
        assert_eq!(restore_payload(&p, &lim), Ok(v));
        let mut bad = p.clone();
        bad[1] ^= 1;
        assert_eq!(
            restore_payload(&bad, &lim),
            Err(DumpError::VersionOrChecksum)
        );
        assert_eq!(
            restore_payload(&p[..9], &lim),
            Err(DumpError::VersionOrChecksum)
        );
        // A string payload, byte for byte what Redis 7.0 produces for SET k hello; DUMP k.
        let want = b"\x00\x05hello\x0a\x00";
        let p = dump_payload(&build::string(b"hello"), true);
        assert_eq!(&p[..want.len()], want);
    }
}
