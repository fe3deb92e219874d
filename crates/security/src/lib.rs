//! Security primitives of jiuye, each small and tested against published vectors where they
//! exist: password hashing (argon2id), random secrets and their hashes (session ids, API tokens,
//! CSRF tokens), TOTP (RFC 6238), sealing of sensitive fields (XChaCha20-Poly1305 with a key
//! ring, for rotation), and the hash chain of the audit log.
//!
//! No I/O except the operating system's random source. Secrets never appear in `Debug` output or
//! error messages.

use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use sha2::{Digest, Sha256};

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SecurityError {
    #[error("the operating system's random source failed")]
    Random,
    #[error("password hashing failed")]
    Hash,
    #[error("sealed value is malformed")]
    Malformed,
    #[error("no key with id {0} in the key ring")]
    UnknownKey(u32),
    #[error("sealed value failed authentication (wrong key or tampered data)")]
    Unauthentic,
    #[error("key file is malformed: {0}")]
    KeyFile(String),
}

/// `n` bytes from the operating system.
pub fn random_bytes(n: usize) -> Result<Vec<u8>, SecurityError> {
    let mut v = vec![0u8; n];
    getrandom::fill(&mut v).map_err(|_| SecurityError::Random)?;
    Ok(v)
}

/// A fresh 256-bit secret, URL-safe base64 (session ids, API tokens, CSRF tokens).
pub fn new_secret() -> Result<String, SecurityError> {
    Ok(URL_SAFE_NO_PAD.encode(random_bytes(32)?))
}

/// Lower-case hex.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[usize::from(b >> 4)] as char);
        s.push(DIGITS[usize::from(b & 15)] as char);
    }
    s
}

/// SHA-256 of `data`, hex. Session ids and API tokens are stored only as this.
pub fn sha256_hex(data: &[u8]) -> String {
    hex(&Sha256::digest(data))
}

/// Compares two strings in time independent of where they differ.
pub fn constant_time_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

pub mod keyexport;

/// Argon2id password hashing.
pub mod password {
    use argon2::password_hash::phc::PasswordHash;
    use argon2::password_hash::{PasswordHasher, PasswordVerifier};
    use argon2::{Algorithm, Argon2, Params, Version};

    use super::SecurityError;

    /// Cost of new hashes. [`Cost::default`] follows OWASP's argon2id recommendation
    /// (19 MiB, 2 passes); tests may use [`Cost::fast_for_tests`].
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub struct Cost {
        pub memory_kib: u32,
        pub passes: u32,
    }

    impl Default for Cost {
        fn default() -> Self {
            Cost { memory_kib: 19 * 1024, passes: 2 }
        }
    }

    impl Cost {
        pub fn fast_for_tests() -> Self {
            Cost { memory_kib: 1024, passes: 1 }
        }
    }

    /// A PHC string (`$argon2id$v=19$…`) for `password`.
    pub fn hash(password: &str, cost: Cost) -> Result<String, SecurityError> {
        let params = Params::new(cost.memory_kib, cost.passes, 1, None).map_err(|_| SecurityError::Hash)?;
        let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, params);
        argon.hash_password(password.as_bytes()).map(|h| h.to_string()).map_err(|_| SecurityError::Hash)
    }

    /// True when `password` matches `phc`; a malformed stored hash never matches.
    pub fn verify(password: &str, phc: &str) -> bool {
        match PasswordHash::new(phc) {
            Ok(parsed) => Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok(),
            Err(_) => false,
        }
    }

    /// A hash of a random password, to spend the same time when a username does not exist.
    pub fn decoy(cost: Cost) -> String {
        hash("decoy-password-for-timing", cost).unwrap_or_default()
    }
}

/// Time-based one-time passwords (RFC 6238, HMAC-SHA1, 6 digits, 30-second steps).
pub mod totp {
    use hmac::{Hmac, KeyInit, Mac};
    use sha1::Sha1;

    use super::SecurityError;

    const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    pub const STEP_SECS: i64 = 30;

    /// A new 160-bit secret, base32 (what authenticator apps accept).
    pub fn new_secret() -> Result<String, SecurityError> {
        Ok(base32(&super::random_bytes(20)?))
    }

    pub fn base32(bytes: &[u8]) -> String {
        let mut out = String::new();
        let mut buffer: u32 = 0;
        let mut bits = 0;
        for &b in bytes {
            buffer = (buffer << 8) | u32::from(b);
            bits += 8;
            while bits >= 5 {
                bits -= 5;
                out.push(ALPHABET[((buffer >> bits) & 31) as usize] as char);
            }
        }
        if bits > 0 {
            out.push(ALPHABET[((buffer << (5 - bits)) & 31) as usize] as char);
        }
        out
    }

    pub fn base32_decode(s: &str) -> Option<Vec<u8>> {
        let mut out = Vec::new();
        let mut buffer: u32 = 0;
        let mut bits = 0;
        for c in s.bytes().filter(|c| !matches!(c, b' ' | b'=' | b'-')) {
            let v = ALPHABET.iter().position(|&a| a == c.to_ascii_uppercase())? as u32;
            buffer = (buffer << 5) | v;
            bits += 5;
            if bits >= 8 {
                bits -= 8;
                out.push(((buffer >> bits) & 0xff) as u8);
            }
        }
        Some(out)
    }

    /// The code for a time step.
    pub fn code_at_step(secret: &[u8], step: u64, digits: u32) -> String {
        let Ok(mut mac) = <Hmac<Sha1> as KeyInit>::new_from_slice(secret) else { return String::new() };
        mac.update(&step.to_be_bytes());
        let h = mac.finalize().into_bytes();
        let offset = usize::from(h[h.len() - 1] & 0x0f);
        let bin = (u32::from(h[offset] & 0x7f) << 24)
            | (u32::from(h[offset + 1]) << 16)
            | (u32::from(h[offset + 2]) << 8)
            | u32::from(h[offset + 3]);
        format!("{:0width$}", bin % 10u32.pow(digits), width = digits as usize)
    }

    pub fn step_of(unix_secs: i64) -> u64 {
        u64::try_from(unix_secs.div_euclid(STEP_SECS)).unwrap_or(0)
    }

    /// The step whose code matches `code`, allowing one step of clock drift either way.
    pub fn verify(secret_b32: &str, code: &str, unix_secs: i64) -> Option<u64> {
        let secret = base32_decode(secret_b32)?;
        let code = code.trim();
        if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let now = step_of(unix_secs);
        [now.saturating_sub(1), now, now + 1]
            .into_iter()
            .find(|&s| super::constant_time_eq(&code_at_step(&secret, s, 6), code))
    }

    /// An `otpauth://` URI for authenticator apps.
    pub fn uri(issuer: &str, account: &str, secret_b32: &str) -> String {
        let enc = |s: &str| {
            s.bytes()
                .map(|b| {
                    if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.') {
                        (b as char).to_string()
                    } else {
                        format!("%{b:02X}")
                    }
                })
                .collect::<String>()
        };
        format!(
            "otpauth://totp/{}:{}?secret={secret_b32}&issuer={}&algorithm=SHA1&digits=6&period=30",
            enc(issuer),
            enc(account),
            enc(issuer)
        )
    }
}

/// Authenticated encryption of sensitive fields with a key ring.
///
/// A sealed value reads `v1:<key id>:<base64 of nonce ‖ ciphertext>`. The ring encrypts with its
/// newest key and decrypts with any key it holds, so keys can be rotated: add a key, re-seal the
/// stored values, and retire the old key once nothing uses it.
pub mod seal {
    use base64::Engine;
    use chacha20poly1305::aead::{Aead, KeyInit};
    use chacha20poly1305::{XChaCha20Poly1305, XNonce};

    use super::{STANDARD, SecurityError};

    const NONCE_LEN: usize = 24;

    pub struct KeyRing {
        /// (id, key), oldest first; the last is current.
        keys: Vec<(u32, [u8; 32])>,
    }

    impl std::fmt::Debug for KeyRing {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            let ids: Vec<u32> = self.keys.iter().map(|k| k.0).collect();
            f.debug_struct("KeyRing").field("key_ids", &ids).field("keys", &"<redacted>").finish()
        }
    }

    impl KeyRing {
        /// A ring with one new random key.
        pub fn generate() -> Result<KeyRing, SecurityError> {
            let mut ring = KeyRing { keys: Vec::new() };
            ring.add_new_key()?;
            Ok(ring)
        }

        /// Adds a new random key, which becomes current; returns its id.
        pub fn add_new_key(&mut self) -> Result<u32, SecurityError> {
            let bytes = super::random_bytes(32)?;
            let mut key = [0u8; 32];
            key.copy_from_slice(&bytes);
            let id = self.keys.iter().map(|k| k.0).max().unwrap_or(0) + 1;
            self.keys.push((id, key));
            Ok(id)
        }

        pub fn current_id(&self) -> u32 {
            self.keys.last().map(|k| k.0).unwrap_or(0)
        }

        /// Parses the key file format: one `ID:BASE64KEY` per line, `#` comments; the last
        /// line is the current key.
        pub fn parse(text: &str) -> Result<KeyRing, SecurityError> {
            let mut keys = Vec::new();
            for (n, line) in text.lines().enumerate() {
                let line = line.trim();
                if line.is_empty() || line.starts_with('#') {
                    continue;
                }
                let bad = |why: &str| SecurityError::KeyFile(format!("line {}: {why}", n + 1));
                let (id, b64) = line.split_once(':').ok_or_else(|| bad("expected ID:KEY"))?;
                let id: u32 = id.trim().parse().map_err(|_| bad("key id is not a number"))?;
                let bytes = STANDARD.decode(b64.trim()).map_err(|_| bad("key is not base64"))?;
                let key: [u8; 32] = bytes.try_into().map_err(|_| bad("key is not 32 bytes"))?;
                if keys.iter().any(|(k, _)| *k == id) {
                    return Err(bad("duplicate key id"));
                }
                keys.push((id, key));
            }
            if keys.is_empty() {
                return Err(SecurityError::KeyFile("no key".into()));
            }
            Ok(KeyRing { keys })
        }

        /// The key file text for this ring.
        pub fn to_file(&self) -> String {
            let mut s =
                String::from("# jiuye field-encryption keys: ID:BASE64, the last line is current. Keep secret.\n");
            for (id, key) in &self.keys {
                s.push_str(&format!("{id}:{}\n", STANDARD.encode(key)));
            }
            s
        }

        pub fn seal(&self, plaintext: &[u8]) -> Result<String, SecurityError> {
            let (id, key) = self.keys.last().ok_or(SecurityError::UnknownKey(0))?;
            let cipher = XChaCha20Poly1305::new_from_slice(key).map_err(|_| SecurityError::Malformed)?;
            let nonce_bytes = super::random_bytes(NONCE_LEN)?;
            let nonce = XNonce::try_from(nonce_bytes.as_slice()).map_err(|_| SecurityError::Malformed)?;
            let ct = cipher.encrypt(&nonce, plaintext).map_err(|_| SecurityError::Malformed)?;
            let mut blob = nonce_bytes;
            blob.extend_from_slice(&ct);
            Ok(format!("v1:{id}:{}", STANDARD.encode(blob)))
        }

        pub fn open(&self, sealed: &str) -> Result<Vec<u8>, SecurityError> {
            let mut parts = sealed.splitn(3, ':');
            let (Some("v1"), Some(id), Some(b64)) = (parts.next(), parts.next(), parts.next()) else {
                return Err(SecurityError::Malformed);
            };
            let id: u32 = id.parse().map_err(|_| SecurityError::Malformed)?;
            let (_, key) = self.keys.iter().find(|(k, _)| *k == id).ok_or(SecurityError::UnknownKey(id))?;
            let blob = STANDARD.decode(b64).map_err(|_| SecurityError::Malformed)?;
            if blob.len() < NONCE_LEN + 16 {
                return Err(SecurityError::Malformed);
            }
            let cipher = XChaCha20Poly1305::new_from_slice(key).map_err(|_| SecurityError::Malformed)?;
            let nonce = XNonce::try_from(&blob[..NONCE_LEN]).map_err(|_| SecurityError::Malformed)?;
            cipher.decrypt(&nonce, &blob[NONCE_LEN..]).map_err(|_| SecurityError::Unauthentic)
        }

        /// Whether a sealed value uses an older key and should be re-sealed.
        pub fn needs_reseal(&self, sealed: &str) -> bool {
            sealed.split(':').nth(1).and_then(|id| id.parse::<u32>().ok()) != Some(self.current_id())
        }
    }
}

/// The audit log's hash chain: each row's hash covers the previous row's hash and every field
/// of the row, so an edit, an insertion or a deletion anywhere breaks the chain from there on.
pub mod chain {
    use super::{Digest, Sha256, hex};

    /// The hash "before the first row".
    pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

    /// The hash of one row, given the previous row's hash and the row's fields in a fixed order.
    /// Each field is length-prefixed so that no two different rows encode alike.
    pub fn link(prev_hash: &str, seq: i64, fields: &[Option<&str>]) -> String {
        let mut h = Sha256::new();
        h.update(prev_hash.as_bytes());
        h.update(seq.to_be_bytes());
        for f in fields {
            match f {
                Some(s) => {
                    h.update([1u8]);
                    h.update((s.len() as u64).to_be_bytes());
                    h.update(s.as_bytes());
                }
                None => h.update([0u8]),
            }
        }
        hex(&h.finalize())
    }
}

/// A secret string that never shows itself in `Debug` or `Display`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(pub String);

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn totp_matches_rfc6238_vectors() {
        // RFC 6238 appendix B, SHA-1, 8 digits, key "12345678901234567890".
        let key = b"12345678901234567890";
        for (t, code) in [
            (59, "94287082"),
            (1111111109, "07081804"),
            (1111111111, "14050471"),
            (1234567890, "89005924"),
            (2000000000, "69279037"),
        ] {
            assert_eq!(totp::code_at_step(key, totp::step_of(t), 8), code, "t={t}");
        }
    }

    #[test]
    fn totp_verify_allows_one_step_of_drift_only() {
        let secret = totp::base32(b"12345678901234567890");
        assert_eq!(totp::base32_decode(&secret).unwrap(), b"12345678901234567890");
        let now = 1_700_000_000;
        let code = totp::code_at_step(b"12345678901234567890", totp::step_of(now), 6);
        assert!(totp::verify(&secret, &code, now).is_some());
        assert!(totp::verify(&secret, &code, now + 30).is_some());
        assert!(totp::verify(&secret, &code, now + 95).is_none());
        assert!(totp::verify(&secret, "12345", now).is_none());
        assert!(totp::verify(&secret, "abcdef", now).is_none());
    }

    #[test]
    fn passwords_hash_and_verify() {
        let cost = password::Cost::fast_for_tests();
        let h = password::hash("correct horse battery", cost).unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(password::verify("correct horse battery", &h));
        assert!(!password::verify("correct horse batterY", &h));
        assert!(!password::verify("x", "not a hash"));
        assert_ne!(h, password::hash("correct horse battery", cost).unwrap(), "salted");
    }

    #[test]
    fn sealing_round_trips_rotates_and_detects_tampering() {
        let mut ring = seal::KeyRing::generate().unwrap();
        let old = ring.seal(b"JBSWY3DPEHPK3PXP").unwrap();
        assert_eq!(ring.open(&old).unwrap(), b"JBSWY3DPEHPK3PXP");
        ring.add_new_key().unwrap();
        assert!(ring.needs_reseal(&old));
        assert_eq!(ring.open(&old).unwrap(), b"JBSWY3DPEHPK3PXP", "old key still opens");
        let new = ring.seal(b"x").unwrap();
        assert!(new.starts_with("v1:2:") && !ring.needs_reseal(&new));
        let reread = seal::KeyRing::parse(&ring.to_file()).unwrap();
        assert_eq!(reread.open(&new).unwrap(), b"x");
        let mut tampered = new.clone().into_bytes();
        let last = tampered.len() - 2;
        tampered[last] = if tampered[last] == b'A' { b'B' } else { b'A' };
        assert!(ring.open(std::str::from_utf8(&tampered).unwrap()).is_err());
        assert!(!format!("{ring:?}").contains(&STANDARD.encode([0u8; 4])[..2].repeat(20)));
        assert!(seal::KeyRing::parse("1:short").is_err());
    }

    #[test]
    fn chain_links_differ_for_any_change() {
        let a = chain::link(chain::GENESIS, 1, &[Some("alice"), None, Some("login")]);
        assert_ne!(a, chain::link(chain::GENESIS, 1, &[Some("alice"), None, Some("logon")]));
        assert_ne!(a, chain::link(chain::GENESIS, 2, &[Some("alice"), None, Some("login")]));
        assert_ne!(a, chain::link(chain::GENESIS, 1, &[Some("alice"), Some(""), Some("login")]));
        assert_ne!(a, chain::link(chain::GENESIS, 1, &[Some("alic"), Some("e"), Some("login")]));
        assert_eq!(a, chain::link(chain::GENESIS, 1, &[Some("alice"), None, Some("login")]));
    }

    #[test]
    fn secrets_are_random_and_hidden() {
        let a = new_secret().unwrap();
        assert_eq!(a.len(), 43);
        assert_ne!(a, new_secret().unwrap());
        assert_eq!(format!("{:?}", Secret(a)), "Secret(<redacted>)");
        assert!(constant_time_eq("abc", "abc") && !constant_time_eq("abc", "abd") && !constant_time_eq("ab", "abc"));
    }
}
