//! The on-disk form of one entry: magic, the length of a JSON header, the header, the body. The
//! header carries the body's length and sha256, so a truncated or damaged file is told apart
//! from a whole one by the file alone.

use std::io::{self, Read};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::Entry;

/// Versioned, so files of a future layout are dropped as corrupt instead of misread.
const MAGIC: &[u8; 8] = b"KIOSKC1\n";
/// Magic plus the header length (u32, little endian).
const PREFIX_LEN: usize = MAGIC.len() + 4;
/// Real headers are a few hundred bytes (the key of a ds/query can reach a few KiB); a larger
/// length field is garbage and must not make us allocate it.
const MAX_HEADER_LEN: u32 = 1 << 20;

#[derive(Serialize, Deserialize)]
struct Header {
    key: String,
    status: u16,
    headers: Vec<(String, String)>,
    /// Unix milliseconds.
    stored_at: u64,
    body_len: u64,
    body_sha256: String,
}

/// Why a file is not a usable entry.
#[derive(Debug, thiserror::Error)]
pub(crate) enum DecodeError {
    #[error("not a kiosk cache entry (bad magic)")]
    Magic,
    #[error("header length {0} out of range")]
    HeaderLen(u32),
    #[error("unreadable header: {0}")]
    Header(#[from] serde_json::Error),
    #[error("truncated or overlong: {actual} bytes where the header says {expected}")]
    Length { expected: u64, actual: u64 },
    #[error("body does not match its sha256")]
    Checksum,
    #[error("holds another key")]
    Key,
    #[error("read failed: {0}")]
    Io(io::Error),
}

/// What the index needs of a file, read from its beginning only.
#[derive(Debug)]
pub(crate) struct Head {
    pub key: String,
    pub stored_at_ms: u64,
}

pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

pub(crate) fn to_unix_ms(time: SystemTime) -> u64 {
    // A clock before 1970 is a broken clock; such an entry simply counts as the oldest.
    time.duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

fn from_unix_ms(ms: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_millis(ms)
}

/// The whole file for `entry` under `key`.
pub(crate) fn encode(key: &str, entry: &Entry) -> Vec<u8> {
    let header = Header {
        key: key.to_owned(),
        status: entry.status,
        headers: entry.headers.clone(),
        stored_at: to_unix_ms(entry.stored_at),
        body_len: entry.body.len() as u64,
        body_sha256: sha256_hex(&entry.body),
    };
    let header = serde_json::to_vec(&header).expect("strings and numbers always serialize");
    let header_len = u32::try_from(header.len()).unwrap_or(u32::MAX);
    let mut out = Vec::with_capacity(PREFIX_LEN + header.len() + entry.body.len());
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&header_len.to_le_bytes());
    out.extend_from_slice(&header);
    out.extend_from_slice(&entry.body);
    out
}

/// The header length from the fixed prefix.
fn header_len(prefix: &[u8]) -> Result<usize, DecodeError> {
    if prefix.len() < PREFIX_LEN {
        return Err(DecodeError::Length {
            expected: PREFIX_LEN as u64,
            actual: prefix.len() as u64,
        });
    }
    if &prefix[..MAGIC.len()] != MAGIC {
        return Err(DecodeError::Magic);
    }
    let len = u32::from_le_bytes(prefix[MAGIC.len()..PREFIX_LEN].try_into().expect("4 bytes"));
    if len == 0 || len > MAX_HEADER_LEN {
        return Err(DecodeError::HeaderLen(len));
    }
    Ok(len as usize)
}

fn check_length(header_len: usize, header: &Header, actual: u64) -> Result<(), DecodeError> {
    let expected = (PREFIX_LEN + header_len) as u64 + header.body_len;
    if expected != actual {
        return Err(DecodeError::Length { expected, actual });
    }
    Ok(())
}

/// Reads the whole file `bytes` as the entry for `key`, checking length, checksum and key.
pub(crate) fn decode(key: &str, bytes: &[u8]) -> Result<Entry, DecodeError> {
    let header_len = header_len(bytes)?;
    let Some(header_bytes) = bytes.get(PREFIX_LEN..PREFIX_LEN + header_len) else {
        return Err(DecodeError::Length {
            expected: (PREFIX_LEN + header_len) as u64,
            actual: bytes.len() as u64,
        });
    };
    let header: Header = serde_json::from_slice(header_bytes)?;
    check_length(header_len, &header, bytes.len() as u64)?;
    let body = &bytes[PREFIX_LEN + header_len..];
    if sha256_hex(body) != header.body_sha256 {
        return Err(DecodeError::Checksum);
    }
    if header.key != key {
        return Err(DecodeError::Key);
    }
    Ok(Entry {
        status: header.status,
        headers: header.headers,
        body: body.to_vec(),
        stored_at: from_unix_ms(header.stored_at),
    })
}

/// Reads only the prefix and header of a file of `file_len` bytes. The body's checksum is left
/// to [`decode`], so opening a full cache does not read every body.
pub(crate) fn read_head(file: &mut impl Read, file_len: u64) -> Result<Head, DecodeError> {
    let truncated = |e: io::Error| match e.kind() {
        io::ErrorKind::UnexpectedEof => DecodeError::Length {
            expected: PREFIX_LEN as u64,
            actual: file_len,
        },
        _ => DecodeError::Io(e),
    };
    let mut prefix = [0u8; PREFIX_LEN];
    file.read_exact(&mut prefix).map_err(truncated)?;
    let header_len = header_len(&prefix)?;
    if (PREFIX_LEN + header_len) as u64 > file_len {
        return Err(DecodeError::Length {
            expected: (PREFIX_LEN + header_len) as u64,
            actual: file_len,
        });
    }
    let mut header_bytes = vec![0u8; header_len];
    file.read_exact(&mut header_bytes).map_err(truncated)?;
    let header: Header = serde_json::from_slice(&header_bytes)?;
    check_length(header_len, &header, file_len)?;
    Ok(Head {
        key: header.key,
        stored_at_ms: header.stored_at,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry() -> Entry {
        Entry {
            status: 200,
            headers: vec![("content-type".into(), "application/json".into())],
            body: br#"{"ok":true}"#.to_vec(),
            stored_at: UNIX_EPOCH + Duration::from_millis(1_764_000_000_123),
        }
    }

    #[test]
    fn round_trip() {
        let bytes = encode("GET /a", &entry());
        assert_eq!(decode("GET /a", &bytes).unwrap(), entry());
        let head = read_head(&mut &bytes[..], bytes.len() as u64).unwrap();
        assert_eq!(head.key, "GET /a");
        assert_eq!(head.stored_at_ms, 1_764_000_000_123);
    }

    #[test]
    fn every_truncation_is_detected() {
        let bytes = encode("GET /a", &entry());
        for cut in 0..bytes.len() {
            let short = &bytes[..cut];
            assert!(decode("GET /a", short).is_err(), "cut at {cut}");
            assert!(
                read_head(&mut &short[..], cut as u64).is_err(),
                "head cut at {cut}"
            );
        }
    }

    #[test]
    fn trailing_bytes_are_detected() {
        let mut bytes = encode("GET /a", &entry());
        bytes.push(b'x');
        assert!(matches!(
            decode("GET /a", &bytes),
            Err(DecodeError::Length { .. })
        ));
    }

    #[test]
    fn flipped_body_byte_is_detected() {
        let mut bytes = encode("GET /a", &entry());
        *bytes.last_mut().unwrap() ^= 1;
        assert!(matches!(
            decode("GET /a", &bytes),
            Err(DecodeError::Checksum)
        ));
    }

    #[test]
    fn another_key_is_not_returned() {
        let bytes = encode("GET /a", &entry());
        assert!(matches!(decode("GET /b", &bytes), Err(DecodeError::Key)));
    }

    #[test]
    fn huge_header_length_is_refused_without_allocating() {
        let mut bytes = MAGIC.to_vec();
        bytes.extend_from_slice(&u32::MAX.to_le_bytes());
        assert!(matches!(
            read_head(&mut &bytes[..], u64::MAX),
            Err(DecodeError::HeaderLen(u32::MAX))
        ));
    }
}
