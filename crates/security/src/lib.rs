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
/// A sealed value reads `v1:<key id>:<base64 of nonce ‖ ciphertext>` (TOTP secrets), or
/// `v2:…` when it is bound to the row that keeps it (see `bound`). The ring encrypts with its
/// newest key and decrypts with any key it holds, so keys can be rotated: add a key, re-seal the
/// stored values, and retire the old key once nothing uses it.
pub mod seal {
    use base64::Engine;
    use chacha20poly1305::aead::{Aead, KeyInit};
    use chacha20poly1305::{XChaCha20Poly1305, XNonce};

    use super::{STANDARD, SecurityError};

    mod bound;
    pub use bound::{MAGIC, TEXT_PREFIX, bytes_key_id, is_sealed_bytes, is_sealed_text, row_aad, text_key_id};

    const NONCE_LEN: usize = 24;

    pub struct KeyRing {
        /// (id, key), oldest first; the last is current.
        keys: Vec<(u32, [u8; 32])>,
        /// The audit chain's HMAC key (the `audit:` line), kept apart from the sealing keys.
        audit: Option<[u8; 32]>,
        /// The seed of the node's Ed25519 federation key (the `node:` line).
        node: Option<[u8; 32]>,
    }

    impl std::fmt::Debug for KeyRing {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            let ids: Vec<u32> = self.keys.iter().map(|k| k.0).collect();
            f.debug_struct("KeyRing")
                .field("key_ids", &ids)
                .field("keys", &"<redacted>")
                .field("audit_key", &self.audit.map(|_| "<redacted>"))
                .field("node_key", &self.node.map(|_| "<redacted>"))
                .finish()
        }
    }

    /// The line prefix of the audit chain's key in the key file.
    const AUDIT_LINE: &str = "audit:";
    /// The line prefix of the node's federation key seed.
    const NODE_LINE: &str = "node:";

    /// Puts 32 random bytes in `slot` when it is empty; returns whether it did.
    fn fill_if_empty(slot: &mut Option<[u8; 32]>) -> Result<bool, SecurityError> {
        if slot.is_some() {
            return Ok(false);
        }
        let mut key = [0u8; 32];
        key.copy_from_slice(&super::random_bytes(32)?);
        *slot = Some(key);
        Ok(true)
    }

    impl KeyRing {
        /// A ring with one new random sealing key and a new random audit key.
        pub fn generate() -> Result<KeyRing, SecurityError> {
            let mut ring = KeyRing { keys: Vec::new(), audit: None, node: None };
            ring.add_new_key()?;
            ring.ensure_audit_key()?;
            ring.ensure_node_key()?;
            Ok(ring)
        }

        /// The node's federation signing key, when the ring has one.
        pub fn node_key(&self) -> Option<crate::signing::NodeKey> {
            self.node.as_ref().map(crate::signing::NodeKey::from_seed)
        }

        /// Adds a random federation key seed when the ring has none; returns whether it added
        /// one (the caller then writes the file).
        pub fn ensure_node_key(&mut self) -> Result<bool, SecurityError> {
            fill_if_empty(&mut self.node)
        }

        /// The audit chain's HMAC key, when the file has one.
        pub fn audit_key(&self) -> Option<&[u8; 32]> {
            self.audit.as_ref()
        }

        /// Adds a random audit key when the ring has none; returns whether it added one (the
        /// caller then writes the file).
        pub fn ensure_audit_key(&mut self) -> Result<bool, SecurityError> {
            fill_if_empty(&mut self.audit)
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
        /// such line is the current key. A line `audit:BASE64KEY` holds the audit chain's key.
        pub fn parse(text: &str) -> Result<KeyRing, SecurityError> {
            let mut keys = Vec::new();
            let mut audit = None;
            let mut node = None;
            for (n, line) in text.lines().enumerate() {
                let line = line.trim();
                if line.is_empty() || line.starts_with('#') {
                    continue;
                }
                let bad = |why: &str| SecurityError::KeyFile(format!("line {}: {why}", n + 1));
                if let Some(b64) = line.strip_prefix(AUDIT_LINE) {
                    let bytes = STANDARD.decode(b64.trim()).map_err(|_| bad("audit key is not base64"))?;
                    let key: [u8; 32] = bytes.try_into().map_err(|_| bad("audit key is not 32 bytes"))?;
                    if audit.replace(key).is_some() {
                        return Err(bad("a second audit key"));
                    }
                    continue;
                }
                if let Some(b64) = line.strip_prefix(NODE_LINE) {
                    let bytes = STANDARD.decode(b64.trim()).map_err(|_| bad("node key is not base64"))?;
                    let seed: [u8; 32] = bytes.try_into().map_err(|_| bad("node key is not 32 bytes"))?;
                    if node.replace(seed).is_some() {
                        return Err(bad("a second node key"));
                    }
                    continue;
                }
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
            Ok(KeyRing { keys, audit, node })
        }

        /// The key file text for this ring.
        pub fn to_file(&self) -> String {
            let mut s =
                String::from("# jiuye field-encryption keys: ID:BASE64, the last line is current. Keep secret.\n");
            for (id, key) in &self.keys {
                s.push_str(&format!("{id}:{}\n", STANDARD.encode(key)));
            }
            if let Some(seed) = &self.node {
                s.push_str("# The node's federation signing key (Ed25519 seed): peers trust what it signs.\n");
                s.push_str(&format!("{NODE_LINE}{}\n", STANDARD.encode(seed)));
            }
            if let Some(key) = &self.audit {
                s.push_str("# The audit chain's HMAC key: without it `jiuye audit verify` cannot check the log.\n");
                s.push_str(&format!("{AUDIT_LINE}{}\n", STANDARD.encode(key)));
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

        /// A key for one purpose (signing event tickets, …), derived from the ring's oldest
        /// sealing key so that adding a key does not invalidate what was signed before: HMAC-SHA256
        /// of `jiuye derive`, a zero byte and the purpose. None when the ring holds no key.
        pub fn derived_key(&self, purpose: &str) -> Option<[u8; 32]> {
            let (_, key) = self.keys.first()?;
            let mut input = b"jiuye derive\0".to_vec();
            input.extend_from_slice(purpose.as_bytes());
            Some(super::chain::hmac_sha256(key, &input))
        }

        /// Whether a sealed value uses an older key and should be re-sealed.
        pub fn needs_reseal(&self, sealed: &str) -> bool {
            sealed.split(':').nth(1).and_then(|id| id.parse::<u32>().ok()) != Some(self.current_id())
        }
    }
}

/// The audit log's hash chain: each row's hash covers the previous row's hash and every field
/// of the row, so an edit, an insertion or a deletion anywhere breaks the chain from there on.
///
/// The keyed chain uses HMAC-SHA256 with a key kept outside the database ([`link_keyed`]): whoever
/// can write to the database but does not hold the key cannot recompute the hashes after changing
/// a row. The unkeyed SHA-256 link ([`link`]) remains for rows written before the key existed,
/// which are checked once and re-hashed with the key.
pub mod signing;

pub mod chain {
    use hmac::{Hmac, KeyInit, Mac};

    use super::{Digest, Sha256, hex};

    /// The hash "before the first row".
    pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

    /// What a head tag's input starts with, so that it never reads like a row's.
    const HEAD_DOMAIN: &[u8] = b"jiuye audit head\0";

    /// The audit chain's HMAC key. Never shown in `Debug`.
    #[derive(Clone, PartialEq, Eq)]
    pub struct AuditKey([u8; 32]);

    impl AuditKey {
        pub fn new(bytes: [u8; 32]) -> AuditKey {
            AuditKey(bytes)
        }

        pub fn bytes(&self) -> &[u8; 32] {
            &self.0
        }
    }

    impl std::fmt::Debug for AuditKey {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("AuditKey(<redacted>)")
        }
    }

    /// Feeds the encoding of one row to `out`: the previous hash, the sequence number, then each
    /// field length-prefixed (absent fields as a single 0 byte), so that no two different rows
    /// encode alike.
    fn encode(prev_hash: &str, seq: i64, fields: &[Option<&str>], out: &mut dyn FnMut(&[u8])) {
        out(prev_hash.as_bytes());
        out(&seq.to_be_bytes());
        for f in fields {
            match f {
                Some(s) => {
                    out(&[1u8]);
                    out(&(s.len() as u64).to_be_bytes());
                    out(s.as_bytes());
                }
                None => out(&[0u8]),
            }
        }
    }

    /// The unkeyed hash of one row (SHA-256), given the previous row's hash and the row's fields
    /// in a fixed order.
    pub fn link(prev_hash: &str, seq: i64, fields: &[Option<&str>]) -> String {
        let mut h = Sha256::new();
        encode(prev_hash, seq, fields, &mut |b| h.update(b));
        hex(&h.finalize())
    }

    /// HMAC-SHA256 of `data` under `key` (RFC 2104).
    pub fn hmac_sha256(key: &[u8], data: &[u8]) -> [u8; 32] {
        let mut mac = new_mac(key);
        mac.update(data);
        let mut out = [0u8; 32];
        out.copy_from_slice(&mac.finalize().into_bytes());
        out
    }

    fn new_mac(key: &[u8]) -> Hmac<Sha256> {
        // HMAC accepts a key of any length; this never fails.
        match <Hmac<Sha256> as KeyInit>::new_from_slice(key) {
            Ok(m) => m,
            Err(_) => unreachable!("HMAC takes keys of any length"),
        }
    }

    /// The keyed hash of one row: HMAC-SHA256 under `key` over the same encoding as [`link`].
    pub fn link_keyed(key: &[u8; 32], prev_hash: &str, seq: i64, fields: &[Option<&str>]) -> String {
        let mut mac = new_mac(key);
        encode(prev_hash, seq, fields, &mut |b| mac.update(b));
        hex(&mac.finalize().into_bytes())
    }

    /// The tag of the chain's recorded end (last sequence number and hash): removing rows from
    /// the end and moving the head back needs the key to make a new tag.
    pub fn head_tag(key: &[u8; 32], seq: i64, hash: &str) -> String {
        let mut mac = new_mac(key);
        mac.update(HEAD_DOMAIN);
        mac.update(&seq.to_be_bytes());
        mac.update(hash.as_bytes());
        hex(&mac.finalize().into_bytes())
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
    fn hmac_matches_rfc4231_vectors() {
        let hex_of = |s: &str| -> Vec<u8> {
            (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
        };
        // RFC 4231 test cases 1, 2 and 6 (HMAC-SHA-256).
        let cases: [(Vec<u8>, Vec<u8>, &str); 3] = [
            (vec![0x0b; 20], b"Hi There".to_vec(), "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"),
            (
                b"Jefe".to_vec(),
                b"what do ya want for nothing?".to_vec(),
                "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
            ),
            (
                vec![0xaa; 131],
                b"Test Using Larger Than Block-Size Key - Hash Key First".to_vec(),
                "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54",
            ),
        ];
        for (key, data, expected) in cases {
            assert_eq!(chain::hmac_sha256(&key, &data).to_vec(), hex_of(expected));
        }
    }

    #[test]
    fn keyed_links_differ_for_any_change_and_any_other_key() {
        let key = [7u8; 32];
        let fields = [Some("alice"), None, Some("login")];
        let a = chain::link_keyed(&key, chain::GENESIS, 1, &fields);
        assert_eq!(a, chain::link_keyed(&key, chain::GENESIS, 1, &fields));
        assert_eq!(a.len(), 64);
        assert_ne!(a, chain::link(chain::GENESIS, 1, &fields), "keyed and unkeyed links differ");
        assert_ne!(a, chain::link_keyed(&[8u8; 32], chain::GENESIS, 1, &fields), "another key");
        assert_ne!(a, chain::link_keyed(&key, chain::GENESIS, 2, &fields));
        assert_ne!(a, chain::link_keyed(&key, &"1".repeat(64), 1, &fields));
        assert_ne!(a, chain::link_keyed(&key, chain::GENESIS, 1, &[Some("alice"), Some(""), Some("login")]));
        assert_ne!(a, chain::link_keyed(&key, chain::GENESIS, 1, &[Some("alic"), Some("e"), Some("login")]));
        assert_ne!(a, chain::link_keyed(&key, chain::GENESIS, 1, &[Some("alice"), None, Some("logon")]));
        // The link is the HMAC of the unkeyed link's input.
        let mut input = chain::GENESIS.as_bytes().to_vec();
        input.extend_from_slice(&1i64.to_be_bytes());
        input.extend_from_slice(&[1, 0, 0, 0, 0, 0, 0, 0, 5]);
        input.extend_from_slice(b"alice");
        input.push(0);
        input.extend_from_slice(&[1, 0, 0, 0, 0, 0, 0, 0, 5]);
        input.extend_from_slice(b"login");
        assert_eq!(a, hex(&chain::hmac_sha256(&key, &input)));
        let tag = chain::head_tag(&key, 3, &a);
        assert_ne!(tag, chain::head_tag(&key, 2, &a));
        assert_ne!(tag, chain::head_tag(&[8u8; 32], 3, &a));
        assert!(!format!("{:?}", chain::AuditKey::new(key)).contains('7'));
    }

    #[test]
    fn the_node_key_round_trips_through_the_key_file_and_is_added_once() {
        let ring = seal::KeyRing::generate().unwrap();
        let public = ring.node_key().expect("a new ring has a node key").public();
        let text = ring.to_file();
        assert_eq!(text.lines().filter(|l| l.starts_with("node:")).count(), 1, "{text}");
        assert_eq!(seal::KeyRing::parse(&text).unwrap().node_key().unwrap().public(), public);
        assert!(!format!("{ring:?}").contains(text.lines().find(|l| l.starts_with("node:")).unwrap()));
        let without: String = text.lines().filter(|l| !l.starts_with("node:")).map(|l| format!("{l}\n")).collect();
        let mut old = seal::KeyRing::parse(&without).unwrap();
        assert!(old.node_key().is_none());
        assert!(old.ensure_node_key().unwrap());
        assert!(!old.ensure_node_key().unwrap(), "a second call keeps the key");
        let added = old.node_key().unwrap().public();
        assert_ne!(added, public);
        assert_eq!(seal::KeyRing::parse(&old.to_file()).unwrap().node_key().unwrap().public(), added);
        let twice = format!("{text}{}\n", text.lines().find(|l| l.starts_with("node:")).unwrap());
        assert!(seal::KeyRing::parse(&twice).is_err());
        assert!(seal::KeyRing::parse(&format!("{without}node:abc\n")).is_err());
    }

    #[test]
    fn the_audit_key_round_trips_through_the_key_file() {
        let ring = seal::KeyRing::generate().unwrap();
        let audit = *ring.audit_key().expect("a new ring has an audit key");
        let text = ring.to_file();
        assert_eq!(text.lines().filter(|l| l.starts_with("audit:")).count(), 1, "{text}");
        let reread = seal::KeyRing::parse(&text).unwrap();
        assert_eq!(reread.audit_key(), Some(&audit));
        assert_eq!(reread.to_file(), text);
        assert!(!format!("{ring:?}").contains(&STANDARD.encode(audit)));
        // A file from before the audit key: no key until one is added, then it is written out.
        let sealing_only: String =
            text.lines().filter(|l| !l.starts_with("audit:")).map(|l| format!("{l}\n")).collect();
        let mut old = seal::KeyRing::parse(&sealing_only).unwrap();
        assert!(old.audit_key().is_none());
        assert!(old.ensure_audit_key().unwrap());
        let added = *old.audit_key().unwrap();
        assert!(!old.ensure_audit_key().unwrap(), "a second call keeps the key");
        assert_eq!(old.audit_key(), Some(&added));
        assert_ne!(added, audit);
        assert_eq!(seal::KeyRing::parse(&old.to_file()).unwrap().audit_key(), Some(&added));
        // The sealing keys are unaffected by the audit line.
        let sealed = ring.seal(b"x").unwrap();
        assert_eq!(reread.open(&sealed).unwrap(), b"x");
        assert_eq!(reread.current_id(), 1);
        // Malformed or repeated audit lines are refused.
        let line = format!("audit:{}", STANDARD.encode(audit));
        assert!(seal::KeyRing::parse(&format!("{text}{line}\n")).is_err(), "two audit keys");
        assert!(seal::KeyRing::parse(&format!("{sealing_only}audit:c2hvcnQ=\n")).is_err());
        assert!(seal::KeyRing::parse(&format!("{sealing_only}audit:not base64!\n")).is_err());
        assert!(seal::KeyRing::parse(&format!("{line}\n")).is_err(), "an audit key alone is no ring");
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
