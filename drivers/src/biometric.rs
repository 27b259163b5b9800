//! Container for biometric bytes (fingerprint templates, card photos, camera frames).
//!
//! Biometric data lives in memory for one session only: the container zeroes its bytes when it is
//! dropped, never prints them in `Debug`, and has no way to reach a log. It serialises as hex so the
//! simulator can carry it over its control socket; the daemon never writes it to disk.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use zeroize::Zeroize;

/// Bytes of biometric data, zeroed on drop.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Biometric(Vec<u8>);

impl Biometric {
    /// Wrap bytes.
    pub fn new(bytes: Vec<u8>) -> Biometric {
        Biometric(bytes)
    }
    /// The bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
    /// Number of bytes.
    pub fn len(&self) -> usize {
        self.0.len()
    }
    /// Whether there are no bytes.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl Drop for Biometric {
    fn drop(&mut self) {
        wipe(&mut self.0);
        self.0.spare_capacity_mut().zeroize();
        self.0.clear();
    }
}

/// Zero `bytes` with volatile stores the optimiser cannot drop, eight bytes at a time where they are
/// aligned for it (a camera frame is 27 KiB; a byte at a time showed in the throughput benchmark's
/// profile).
fn wipe(bytes: &mut [u8]) {
    let (head, words, tail) = bytemuck::pod_align_to_mut::<u8, u64>(bytes);
    head.zeroize();
    words.zeroize();
    tail.zeroize();
}

impl fmt::Debug for Biometric {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Biometric({} bytes, redacted)", self.0.len())
    }
}

impl Serialize for Biometric {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&to_hex(&self.0))
    }
}

impl<'de> Deserialize<'de> for Biometric {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Biometric, D::Error> {
        let s = String::deserialize(d)?;
        from_hex(&s).map(Biometric).map_err(serde::de::Error::custom)
    }
}

/// Lower-case hex of bytes.
pub fn to_hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(DIGITS[(b >> 4) as usize] as char);
        out.push(DIGITS[(b & 15) as usize] as char);
    }
    out
}

/// Bytes from hex (either case); an error names what is wrong.
pub fn from_hex(s: &str) -> Result<Vec<u8>, String> {
    if !s.len().is_multiple_of(2) {
        return Err(format!("hex string of odd length {}", s.len()));
    }
    let nibble = |c: u8| -> Result<u8, String> {
        match c {
            b'0'..=b'9' => Ok(c - b'0'),
            b'a'..=b'f' => Ok(c - b'a' + 10),
            b'A'..=b'F' => Ok(c - b'A' + 10),
            _ => Err(format!("not a hex digit: {:?}", c as char)),
        }
    };
    s.as_bytes().chunks(2).map(|p| Ok(nibble(p[0])? << 4 | nibble(p[1])?)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_round_trip_and_errors() {
        let b = vec![0u8, 1, 0xab, 0xff];
        assert_eq!(to_hex(&b), "0001abff");
        assert_eq!(from_hex("0001ABff").unwrap(), b);
        assert!(from_hex("abc").is_err());
        assert!(from_hex("zz").is_err());
    }

    #[test]
    fn every_byte_is_wiped_wherever_it_starts_and_ends() {
        // Slices that start and end part-way into a word, and ones shorter than a word.
        let mut buf: Vec<u8> = (1..=64u8).map(|b| b | 0x80).collect();
        for start in 0..9 {
            for end in [start, start + 1, start + 7, 37, 64] {
                let end = end.max(start);
                let fresh: Vec<u8> = (1..=64u8).map(|b| b | 0x80).collect();
                buf.copy_from_slice(&fresh);
                wipe(&mut buf[start..end]);
                assert!(buf[start..end].iter().all(|&b| b == 0), "{start}..{end}");
                assert_eq!(buf[..start], fresh[..start], "before {start} untouched");
                assert_eq!(buf[end..], fresh[end..], "after {end} untouched");
            }
        }
    }

    #[test]
    fn debug_never_shows_bytes() {
        let b = Biometric::new(vec![0x42; 4]);
        assert_eq!(format!("{b:?}"), "Biometric(4 bytes, redacted)");
    }
}
