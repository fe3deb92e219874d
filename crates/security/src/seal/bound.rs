//! Sealing bound to where a value is kept: the associated data names the table, the column and
//! the row, so a sealed value copied into another row (or a sealed file put in another's place)
//! fails to open instead of showing someone else's data.
//!
//! Two forms, both carrying the id of the key that sealed them:
//! - text, for database columns: `v2:<key id>:<base64 of nonce ‖ ciphertext>`;
//! - bytes, for files: the magic `JYS2`, the key id (4 bytes, big-endian), the 24-byte nonce,
//!   then the ciphertext, so files are not inflated by base64.

use base64::Engine;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};

use super::{KeyRing, NONCE_LEN};
use crate::{STANDARD, SecurityError};

/// The prefix of every sealed text value.
pub const TEXT_PREFIX: &str = "v2:";
/// The first bytes of every sealed file.
pub const MAGIC: &[u8; 4] = b"JYS2";
const TAG_LEN: usize = 16;
const HEADER_LEN: usize = MAGIC.len() + 4 + NONCE_LEN;

/// The associated data of a value kept in `table`.`column` of the row `id`: each part
/// length-prefixed, so that no two different places encode alike.
pub fn row_aad(table: &str, column: &str, id: &str) -> Vec<u8> {
    let mut aad = Vec::with_capacity(16 + table.len() + column.len() + id.len());
    aad.extend_from_slice(b"jiuye-row\0");
    for part in [table, column, id] {
        aad.extend_from_slice(&(part.len() as u32).to_be_bytes());
        aad.extend_from_slice(part.as_bytes());
    }
    aad
}

/// Whether a stored text value is in the sealed form (anything else is legacy plaintext).
pub fn is_sealed_text(value: &str) -> bool {
    value.starts_with(TEXT_PREFIX)
}

/// Whether stored bytes are a sealed file (anything else is a legacy plaintext file).
pub fn is_sealed_bytes(value: &[u8]) -> bool {
    value.starts_with(MAGIC)
}

/// The id of the key that sealed a text value, when it is in the sealed form.
pub fn text_key_id(value: &str) -> Option<u32> {
    let rest = value.strip_prefix(TEXT_PREFIX)?;
    rest.split_once(':')?.0.parse().ok()
}

/// The id of the key that sealed a file, when it is one.
pub fn bytes_key_id(value: &[u8]) -> Option<u32> {
    let id = value.strip_prefix(MAGIC)?.get(..4)?;
    Some(u32::from_be_bytes(id.try_into().ok()?))
}

impl KeyRing {
    fn key(&self, id: u32) -> Result<XChaCha20Poly1305, SecurityError> {
        let (_, key) = self.keys.iter().find(|(k, _)| *k == id).ok_or(SecurityError::UnknownKey(id))?;
        XChaCha20Poly1305::new_from_slice(key).map_err(|_| SecurityError::Malformed)
    }

    /// The current key's id and a fresh nonce ‖ ciphertext of `plaintext` bound to `aad`.
    fn encrypt_bound(&self, plaintext: &[u8], aad: &[u8]) -> Result<(u32, Vec<u8>), SecurityError> {
        let id = self.current_id();
        let cipher = self.key(id)?;
        let mut blob = crate::random_bytes(NONCE_LEN)?;
        let nonce = XNonce::try_from(blob.as_slice()).map_err(|_| SecurityError::Malformed)?;
        let ct = cipher.encrypt(&nonce, Payload { msg: plaintext, aad }).map_err(|_| SecurityError::Malformed)?;
        blob.extend_from_slice(&ct);
        Ok((id, blob))
    }

    fn decrypt_bound(&self, id: u32, blob: &[u8], aad: &[u8]) -> Result<Vec<u8>, SecurityError> {
        if blob.len() < NONCE_LEN + TAG_LEN {
            return Err(SecurityError::Malformed);
        }
        let cipher = self.key(id)?;
        let nonce = XNonce::try_from(&blob[..NONCE_LEN]).map_err(|_| SecurityError::Malformed)?;
        cipher.decrypt(&nonce, Payload { msg: &blob[NONCE_LEN..], aad }).map_err(|_| SecurityError::Unauthentic)
    }

    /// Seals `plaintext` with the current key, bound to `aad` (see [`row_aad`]), in the text
    /// form `v2:<key id>:<base64>`.
    pub fn seal_bound(&self, plaintext: &[u8], aad: &[u8]) -> Result<String, SecurityError> {
        let (id, blob) = self.encrypt_bound(plaintext, aad)?;
        Ok(format!("{TEXT_PREFIX}{id}:{}", STANDARD.encode(blob)))
    }

    /// Opens a value sealed by [`KeyRing::seal_bound`] with the same `aad`, with whichever key
    /// of the ring sealed it. A value bound to another place is `Unauthentic`.
    pub fn open_bound(&self, sealed: &str, aad: &[u8]) -> Result<Vec<u8>, SecurityError> {
        let rest = sealed.strip_prefix(TEXT_PREFIX).ok_or(SecurityError::Malformed)?;
        let (id, b64) = rest.split_once(':').ok_or(SecurityError::Malformed)?;
        let id: u32 = id.parse().map_err(|_| SecurityError::Malformed)?;
        let blob = STANDARD.decode(b64).map_err(|_| SecurityError::Malformed)?;
        self.decrypt_bound(id, &blob, aad)
    }

    /// Seals the bytes of a file with the current key, bound to `aad`: `JYS2`, the key id, the
    /// nonce and the ciphertext (48 bytes longer than the file).
    pub fn seal_bytes_bound(&self, plaintext: &[u8], aad: &[u8]) -> Result<Vec<u8>, SecurityError> {
        let (id, blob) = self.encrypt_bound(plaintext, aad)?;
        let mut out = Vec::with_capacity(MAGIC.len() + 4 + blob.len());
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&id.to_be_bytes());
        out.extend_from_slice(&blob);
        Ok(out)
    }

    /// Opens a file sealed by [`KeyRing::seal_bytes_bound`] with the same `aad`.
    pub fn open_bytes_bound(&self, sealed: &[u8], aad: &[u8]) -> Result<Vec<u8>, SecurityError> {
        if sealed.len() < HEADER_LEN {
            return Err(SecurityError::Malformed);
        }
        let id = bytes_key_id(sealed).ok_or(SecurityError::Malformed)?;
        self.decrypt_bound(id, &sealed[MAGIC.len() + 4..], aad)
    }

    /// Whether a stored text value is legacy plaintext or sealed with a key other than the
    /// current one, and so should be sealed again.
    pub fn text_needs_sealing(&self, value: &str) -> bool {
        text_key_id(value) != Some(self.current_id())
    }

    /// Whether stored file bytes are a legacy plaintext file or sealed with a key other than the
    /// current one, and so should be sealed again.
    pub fn bytes_need_sealing(&self, value: &[u8]) -> bool {
        bytes_key_id(value) != Some(self.current_id())
    }
}

#[cfg(test)]
mod tests {
    use super::super::KeyRing;
    use super::*;

    fn flip(mut v: Vec<u8>, at: usize) -> Vec<u8> {
        v[at] ^= 0x01;
        v
    }

    #[test]
    fn bound_text_round_trips_and_opens_only_in_its_place() {
        let ring = KeyRing::generate().unwrap();
        let here = row_aad("disputes", "text", "0190a1b2-0000-7000-8000-000000000001");
        let there = row_aad("disputes", "text", "0190a1b2-0000-7000-8000-000000000002");
        let sealed = ring.seal_bound("单位名称有误".as_bytes(), &here).unwrap();
        assert!(sealed.starts_with("v2:1:") && is_sealed_text(&sealed));
        assert!(!sealed.contains("单位"));
        assert_eq!(ring.open_bound(&sealed, &here).unwrap(), "单位名称有误".as_bytes());
        assert_eq!(ring.open_bound(&sealed, &there), Err(SecurityError::Unauthentic), "moved to another row");
        let answer = row_aad("disputes", "answer", "0190a1b2-0000-7000-8000-000000000001");
        assert_eq!(ring.open_bound(&sealed, &answer), Err(SecurityError::Unauthentic), "moved to another column");
        assert_ne!(sealed, ring.seal_bound("单位名称有误".as_bytes(), &here).unwrap(), "fresh nonce");
    }

    #[test]
    fn tampering_and_unknown_keys_are_refused() {
        let ring = KeyRing::generate().unwrap();
        let aad = row_aad("evidence", "stored_name", "1");
        let sealed = ring.seal_bound(b"x", &aad).unwrap();
        let (head, b64) = sealed.rsplit_once(':').unwrap();
        let blob = STANDARD.decode(b64).unwrap();
        let tampered = format!("{head}:{}", STANDARD.encode(flip(blob.clone(), blob.len() - 1)));
        assert_eq!(ring.open_bound(&tampered, &aad), Err(SecurityError::Unauthentic));
        let other_id = sealed.replacen("v2:1:", "v2:7:", 1);
        assert_eq!(ring.open_bound(&other_id, &aad), Err(SecurityError::UnknownKey(7)));
        let other_ring = KeyRing::generate().unwrap();
        assert_eq!(other_ring.open_bound(&sealed, &aad), Err(SecurityError::Unauthentic), "same id, another key");
        assert_eq!(ring.open_bound("v2:1:AAAA", &aad), Err(SecurityError::Malformed));
        assert_eq!(ring.open_bound("plain text", &aad), Err(SecurityError::Malformed));
        assert_eq!(ring.open(&sealed), Err(SecurityError::Malformed), "v1 opener refuses v2");
    }

    #[test]
    fn bound_files_round_trip_with_a_small_header() {
        let ring = KeyRing::generate().unwrap();
        let aad = row_aad("evidence", "stored_name", "a");
        let pdf = b"%PDF-1.4 contract".to_vec();
        let sealed = ring.seal_bytes_bound(&pdf, &aad).unwrap();
        assert_eq!(sealed.len(), pdf.len() + HEADER_LEN + TAG_LEN);
        assert!(is_sealed_bytes(&sealed) && !is_sealed_bytes(&pdf));
        assert_eq!(bytes_key_id(&sealed), Some(1));
        assert_eq!(ring.open_bytes_bound(&sealed, &aad).unwrap(), pdf);
        let elsewhere = row_aad("evidence", "stored_name", "b");
        assert_eq!(ring.open_bytes_bound(&sealed, &elsewhere), Err(SecurityError::Unauthentic));
        let photo = row_aad("visit_photos", "stored_name", "a");
        assert_eq!(ring.open_bytes_bound(&sealed, &photo), Err(SecurityError::Unauthentic), "another table");
        let last = sealed.len() - 1;
        assert_eq!(ring.open_bytes_bound(&flip(sealed.clone(), last), &aad), Err(SecurityError::Unauthentic));
        assert_eq!(ring.open_bytes_bound(&flip(sealed.clone(), 10), &aad), Err(SecurityError::Unauthentic), "nonce");
        let mut other_id = sealed.clone();
        other_id[4..8].copy_from_slice(&9u32.to_be_bytes());
        assert_eq!(ring.open_bytes_bound(&other_id, &aad), Err(SecurityError::UnknownKey(9)));
        assert_eq!(ring.open_bytes_bound(&sealed[..HEADER_LEN], &aad), Err(SecurityError::Malformed));
        assert_eq!(ring.open_bytes_bound(&pdf, &aad), Err(SecurityError::Malformed));
    }

    #[test]
    fn rotation_tells_what_to_seal_again_and_old_values_still_open() {
        let mut ring = KeyRing::generate().unwrap();
        let aad = row_aad("disputes", "answer", "9");
        let old_text = ring.seal_bound(b"answer", &aad).unwrap();
        let old_file = ring.seal_bytes_bound(b"\x89PNG\r\n\x1a\n", &aad).unwrap();
        assert!(!ring.text_needs_sealing(&old_text) && !ring.bytes_need_sealing(&old_file));
        assert!(ring.text_needs_sealing("legacy plaintext") && ring.bytes_need_sealing(b"%PDF-1.4"));
        ring.add_new_key().unwrap();
        assert!(ring.text_needs_sealing(&old_text) && ring.bytes_need_sealing(&old_file));
        assert_eq!(ring.open_bound(&old_text, &aad).unwrap(), b"answer");
        assert_eq!(ring.open_bytes_bound(&old_file, &aad).unwrap(), b"\x89PNG\r\n\x1a\n");
        let new = ring.seal_bound(b"answer", &aad).unwrap();
        assert!(new.starts_with("v2:2:") && !ring.text_needs_sealing(&new));
        let reread = KeyRing::parse(&ring.to_file()).unwrap();
        assert_eq!(reread.open_bound(&old_text, &aad).unwrap(), b"answer");
        assert_eq!(text_key_id(&new), Some(2));
        assert_eq!(text_key_id("v2:x:abc"), None);
    }

    #[test]
    fn row_aad_is_unambiguous() {
        assert_ne!(row_aad("ab", "c", "d"), row_aad("a", "bc", "d"));
        assert_ne!(row_aad("a", "b", "cd"), row_aad("a", "bc", "d"));
        assert_ne!(row_aad("a", "", "bc"), row_aad("a", "b", "c"));
        assert_eq!(row_aad("disputes", "text", "1"), row_aad("disputes", "text", "1"));
    }
}
