//! The key ring exported for safekeeping: the whole key file, encrypted with a key derived from
//! a passphrase (argon2id) by XChaCha20-Poly1305. Backups never hold the key ring; an operator
//! keeps this file (and the passphrase) apart from them.
//!
//! The file is text:
//!
//! ```text
//! jiuye-key-export 1
//! kdf argon2id m=65536 t=3 p=1
//! salt BASE64
//! nonce BASE64
//! data BASE64
//! ```
//!
//! Every line before `data` is authenticated with the ciphertext, so changing the cost or the
//! salt makes the file fail like a wrong passphrase would.

use argon2::{Algorithm, Argon2, Params, Version};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};

/// The fewest characters a passphrase may have.
pub const MIN_PASSPHRASE_CHARS: usize = 12;

const MAGIC: &str = "jiuye-key-export 1";
const SALT_LEN: usize = 16;
const NONCE_LEN: usize = 24;
/// Derivation cost of new exports: 64 MiB, 3 passes (well above the password hashes; an export
/// is made and opened rarely).
const MEMORY_KIB: u32 = 64 * 1024;
const PASSES: u32 = 3;
/// The most any file may ask for, so a crafted file cannot make the reader allocate without end.
const MAX_MEMORY_KIB: u32 = 1024 * 1024;
const MAX_PASSES: u32 = 16;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ExportError {
    #[error("the passphrase is too short: at least {MIN_PASSPHRASE_CHARS} characters")]
    ShortPassphrase,
    #[error("not an exported key file: {0}")]
    Malformed(String),
    #[error("wrong passphrase, or the exported key file was changed")]
    WrongPassphrase,
    #[error("the operating system's random source failed")]
    Random,
    #[error("key derivation failed")]
    Kdf,
}

fn check_passphrase(passphrase: &str) -> Result<(), ExportError> {
    if passphrase.trim().chars().count() < MIN_PASSPHRASE_CHARS {
        return Err(ExportError::ShortPassphrase);
    }
    Ok(())
}

fn derive(passphrase: &str, salt: &[u8], memory_kib: u32, passes: u32) -> Result<[u8; 32], ExportError> {
    let params = Params::new(memory_kib, passes, 1, Some(32)).map_err(|_| ExportError::Kdf)?;
    let mut key = [0u8; 32];
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
        .hash_password_into(passphrase.as_bytes(), salt, &mut key)
        .map_err(|_| ExportError::Kdf)?;
    Ok(key)
}

fn header(memory_kib: u32, passes: u32, salt: &[u8], nonce: &[u8]) -> String {
    format!(
        "{MAGIC}\nkdf argon2id m={memory_kib} t={passes} p=1\nsalt {}\nnonce {}\n",
        STANDARD.encode(salt),
        STANDARD.encode(nonce)
    )
}

/// Encrypts `key_file` (the key file's bytes, whatever lines it holds) under `passphrase`.
pub fn export(key_file: &[u8], passphrase: &str) -> Result<String, ExportError> {
    check_passphrase(passphrase)?;
    let salt = crate::random_bytes(SALT_LEN).map_err(|_| ExportError::Random)?;
    let nonce = crate::random_bytes(NONCE_LEN).map_err(|_| ExportError::Random)?;
    let key = derive(passphrase, &salt, MEMORY_KIB, PASSES)?;
    let head = header(MEMORY_KIB, PASSES, &salt, &nonce);
    let cipher = XChaCha20Poly1305::new_from_slice(&key).map_err(|_| ExportError::Kdf)?;
    let nonce = XNonce::try_from(nonce.as_slice()).map_err(|_| ExportError::Random)?;
    let data = cipher.encrypt(&nonce, Payload { msg: key_file, aad: head.as_bytes() }).map_err(|_| ExportError::Kdf)?;
    Ok(format!("{head}data {}\n", STANDARD.encode(data)))
}

/// The key file's bytes from an export made by [`export`].
pub fn import(exported: &str, passphrase: &str) -> Result<Vec<u8>, ExportError> {
    let bad = |why: &str| ExportError::Malformed(why.to_owned());
    let mut lines = exported.lines();
    if lines.next().map(str::trim) != Some(MAGIC) {
        return Err(bad("the first line is not “jiuye-key-export 1”"));
    }
    let kdf = lines.next().ok_or_else(|| bad("no kdf line"))?;
    let mut memory_kib = None;
    let mut passes = None;
    let mut words = kdf.split_whitespace();
    if (words.next(), words.next()) != (Some("kdf"), Some("argon2id")) {
        return Err(bad("the kdf is not argon2id"));
    }
    for word in words {
        match word.split_once('=') {
            Some(("m", v)) => memory_kib = v.parse::<u32>().ok(),
            Some(("t", v)) => passes = v.parse::<u32>().ok(),
            Some(("p", "1")) => {}
            _ => return Err(bad("unknown kdf parameter")),
        }
    }
    let (Some(memory_kib), Some(passes)) = (memory_kib, passes) else {
        return Err(bad("kdf cost missing"));
    };
    if memory_kib > MAX_MEMORY_KIB || passes > MAX_PASSES {
        return Err(bad("kdf cost out of range"));
    }
    let mut field = |name: &str| -> Result<Vec<u8>, ExportError> {
        let line = lines.next().ok_or_else(|| bad(&format!("no {name} line")))?;
        let value = line.strip_prefix(name).and_then(|r| r.strip_prefix(' ')).ok_or_else(|| bad(name))?;
        STANDARD.decode(value.trim()).map_err(|_| bad(&format!("{name} is not base64")))
    };
    let salt = field("salt")?;
    let nonce = field("nonce")?;
    let data = field("data")?;
    if salt.len() != SALT_LEN || nonce.len() != NONCE_LEN {
        return Err(bad("salt or nonce has the wrong length"));
    }
    let key = derive(passphrase, &salt, memory_kib, passes)?;
    let head = header(memory_kib, passes, &salt, &nonce);
    let cipher = XChaCha20Poly1305::new_from_slice(&key).map_err(|_| ExportError::Kdf)?;
    let nonce = XNonce::try_from(nonce.as_slice()).map_err(|_| bad("nonce"))?;
    cipher.decrypt(&nonce, Payload { msg: &data, aad: head.as_bytes() }).map_err(|_| ExportError::WrongPassphrase)
}

/// Every secret a key file holds, as it could appear in another file: the file's text, and for
/// each `NAME:BASE64` line the base64 text and the raw key bytes. Backups are scanned for these
/// so that none ever carries the key ring, whatever lines the file holds.
pub fn secrets_in_key_file(text: &str) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    if !text.trim().is_empty() {
        out.push(text.as_bytes().to_vec());
    }
    for line in text.lines().map(str::trim) {
        if line.starts_with('#') {
            continue;
        }
        let Some((_, value)) = line.split_once(':') else { continue };
        let value = value.trim();
        if value.len() < 16 {
            continue;
        }
        out.push(value.as_bytes().to_vec());
        if let Ok(raw) = STANDARD.decode(value) {
            out.push(raw);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEYS: &[u8] =
        b"# keys\n1:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\naudit:ISIjJCUmJygpKissLS4vMDEyMzQ1Njc4OTo7PD0+Pz8=\n";

    #[test]
    fn round_trips_and_hides_the_keys() {
        let file = export(KEYS, "correct horse battery").unwrap();
        assert!(file.starts_with("jiuye-key-export 1\n"));
        assert!(!file.contains("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="), "{file}");
        assert!(!file.contains("audit:"));
        assert_eq!(import(&file, "correct horse battery").unwrap(), KEYS);
        assert_ne!(file, export(KEYS, "correct horse battery").unwrap(), "fresh salt and nonce");
    }

    #[test]
    fn wrong_passphrase_and_changed_files_are_refused() {
        let file = export(KEYS, "correct horse battery").unwrap();
        assert_eq!(import(&file, "correct horse batterY"), Err(ExportError::WrongPassphrase));
        // A lower cost written into the header does not open the file either.
        let cheaper = file.replace("t=3", "t=2");
        assert_eq!(import(&cheaper, "correct horse battery"), Err(ExportError::WrongPassphrase));
        let data_at = file.find("data ").unwrap() + 6;
        let mut flipped = file.clone().into_bytes();
        flipped[data_at] = if flipped[data_at] == b'A' { b'B' } else { b'A' };
        let flipped = String::from_utf8(flipped).unwrap();
        assert_eq!(import(&flipped, "correct horse battery"), Err(ExportError::WrongPassphrase));
        assert!(matches!(import("1:abc\n", "correct horse battery"), Err(ExportError::Malformed(_))));
        let greedy = file.replace("m=65536", "m=99999999");
        assert!(matches!(import(&greedy, "correct horse battery"), Err(ExportError::Malformed(_))));
    }

    #[test]
    fn a_key_files_secrets_are_its_text_and_each_keys_two_forms() {
        let text = std::str::from_utf8(KEYS).unwrap();
        let found = secrets_in_key_file(text);
        assert_eq!(found.len(), 5, "the text, and base64 and raw bytes of two keys");
        assert_eq!(found[0], KEYS);
        assert_eq!(found[1], b"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=");
        assert_eq!(found[2], (0u8..32).collect::<Vec<u8>>());
        assert_eq!(found[4].len(), 32);
        assert!(secrets_in_key_file("# only a comment: aaaaaaaaaaaaaaaaaaaaaaaa\n").len() == 1);
    }

    #[test]
    fn short_passphrases_are_refused() {
        assert_eq!(export(KEYS, ""), Err(ExportError::ShortPassphrase));
        assert_eq!(export(KEYS, "   short   "), Err(ExportError::ShortPassphrase));
        assert!(export(KEYS, "twelve chars").is_ok());
    }
}
