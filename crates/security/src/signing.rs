//! The node's Ed25519 key for federation: it signs every envelope this node originates and
//! every feed request it makes; peers check with its public key.
//!
//! The private half is a 32-byte seed kept in the key ring (the `node:` line); keys travel as
//! standard base64 (32 bytes public, 64 bytes signature).

use base64::Engine;
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};

use super::STANDARD;

/// A node's signing key.
pub struct NodeKey(SigningKey);

impl std::fmt::Debug for NodeKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NodeKey").field("public", &self.public()).field("seed", &"<redacted>").finish()
    }
}

impl NodeKey {
    pub fn from_seed(seed: &[u8; 32]) -> NodeKey {
        NodeKey(SigningKey::from_bytes(seed))
    }

    /// The public key, base64.
    pub fn public(&self) -> String {
        STANDARD.encode(self.0.verifying_key().to_bytes())
    }

    /// A detached signature over `message`, base64.
    pub fn sign(&self, message: &[u8]) -> String {
        STANDARD.encode(self.0.sign(message).to_bytes())
    }
}

/// True when `signature` (base64, 64 bytes) is `public`'s (base64, 32 bytes) signature over
/// `message`. Malformed keys or signatures are simply not valid; the strict check refuses weak
/// keys and malleable signatures.
pub fn verify(public: &str, message: &[u8], signature: &str) -> bool {
    let Ok(key) = STANDARD.decode(public.trim()) else { return false };
    let Ok(sig) = STANDARD.decode(signature.trim()) else { return false };
    let (Ok(key), Ok(sig)) = (<[u8; 32]>::try_from(key.as_slice()), <[u8; 64]>::try_from(sig.as_slice())) else {
        return false;
    };
    let Ok(key) = VerifyingKey::from_bytes(&key) else { return false };
    key.verify_strict(message, &Signature::from_bytes(&sig)).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_checks_only_for_its_message_and_key() {
        let a = NodeKey::from_seed(&[7u8; 32]);
        let b = NodeKey::from_seed(&[8u8; 32]);
        let sig = a.sign(b"envelope");
        assert!(verify(&a.public(), b"envelope", &sig));
        assert!(!verify(&a.public(), b"envelopf", &sig), "one byte changed");
        assert!(!verify(&b.public(), b"envelope", &sig), "another key");
        assert!(!verify(&a.public(), b"envelope", "not base64!"));
        assert!(!verify("short", b"envelope", &sig));
        let mut raw = STANDARD.decode(&sig).unwrap();
        raw[0] ^= 1;
        assert!(!verify(&a.public(), b"envelope", &STANDARD.encode(raw)));
        assert_eq!(STANDARD.decode(a.public()).unwrap().len(), 32);
        assert!(!format!("{a:?}").contains(&format!("{:?}", [7u8; 32])));
    }

    #[test]
    fn the_same_seed_gives_the_same_key() {
        assert_eq!(NodeKey::from_seed(&[1u8; 32]).public(), NodeKey::from_seed(&[1u8; 32]).public());
    }
}
