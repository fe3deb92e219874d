//! The envelope every travelling record goes in, and how a receiver judges one.
//!
//! An envelope names its origin node (organisation code and public key), the origin's outbox
//! sequence number, the record's id and version, and carries the record as JSON. The origin
//! signs the canonical JSON ([`super::canonical`]) of the envelope without its `signature`
//! member with Ed25519; the signature travels base64-encoded beside it. Relays pass envelopes
//! on unchanged, so a receiver always checks the origin's own signature.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use super::canonical::{self, CanonError};

/// The protocol an envelope speaks; a receiver refuses any other.
pub const PROTOCOL: &str = "jiuye-federation/1";

/// What a record is. Only these travel: personal data never does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// A shared posting, as schema.org `JobPosting` JSON-LD.
    Posting,
    /// A posting withdrawn, expired or rejected at its origin: remove it everywhere.
    Tombstone,
    /// A recruitment event open beyond its organiser.
    Event,
    /// An employer blacklisted (or cleared) for a confirmed scam.
    Blacklist,
    /// Aggregate counts of a node (placement, campaign progress, coverage), never rates.
    Aggregate,
    /// A campaign definition (policy file) published downward.
    Campaign,
    /// A parent's statement that a child node's key is genuine.
    NodeKey,
}

impl Kind {
    pub const ALL: [Kind; 7] =
        [Kind::Posting, Kind::Tombstone, Kind::Event, Kind::Blacklist, Kind::Aggregate, Kind::Campaign, Kind::NodeKey];

    pub fn id(self) -> &'static str {
        match self {
            Kind::Posting => "posting",
            Kind::Tombstone => "tombstone",
            Kind::Event => "event",
            Kind::Blacklist => "blacklist",
            Kind::Aggregate => "aggregate",
            Kind::Campaign => "campaign",
            Kind::NodeKey => "node_key",
        }
    }

    /// The kind as people call it.
    pub fn zh(self) -> &'static str {
        match self {
            Kind::Posting => "共享岗位",
            Kind::Tombstone => "撤回",
            Kind::Event => "招聘活动",
            Kind::Blacklist => "黑名单",
            Kind::Aggregate => "统计数",
            Kind::Campaign => "活动方案",
            Kind::NodeKey => "节点公钥",
        }
    }

    pub fn from_id(s: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.id() == s.trim())
    }

    /// A comma-separated list of kinds ("posting,tombstone"); `None` names an unknown kind.
    pub fn parse_list(s: &str) -> Result<Vec<Kind>, String> {
        let mut kinds = Vec::new();
        for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let k = Kind::from_id(part).ok_or_else(|| part.to_string())?;
            if !kinds.contains(&k) {
                kinds.push(k);
            }
        }
        kinds.sort();
        Ok(kinds)
    }

    pub fn list_text(kinds: &[Kind]) -> String {
        kinds.iter().map(|k| k.id()).collect::<Vec<_>>().join(",")
    }
}

/// One travelling record.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Envelope {
    pub protocol: String,
    pub kind: Kind,
    /// The origin node's organisation code.
    pub origin: String,
    /// The origin node's Ed25519 public key, base64 (32 bytes).
    pub origin_key: String,
    /// The origin's outbox sequence: gap-free, in commit order, per origin.
    pub seq: i64,
    /// The record's id, the same on every node.
    pub record: Uuid,
    /// The record's version at its origin; a receiver keeps only the newest.
    pub version: i64,
    /// The record itself.
    pub body: Value,
    /// The origin's Ed25519 signature over [`Envelope::signing_bytes`], base64 (64 bytes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature: Option<String>,
}

impl Envelope {
    /// An unsigned envelope of this protocol.
    pub fn new(
        kind: Kind,
        origin: &str,
        origin_key: &str,
        seq: i64,
        record: Uuid,
        version: i64,
        body: Value,
    ) -> Envelope {
        Envelope {
            protocol: PROTOCOL.to_string(),
            kind,
            origin: origin.to_string(),
            origin_key: origin_key.to_string(),
            seq,
            record,
            version,
            body,
            signature: None,
        }
    }

    /// The bytes the signature covers: the canonical JSON of the envelope without `signature`.
    pub fn signing_bytes(&self) -> Result<Vec<u8>, CanonError> {
        let unsigned = Envelope { signature: None, ..self.clone() };
        let value = serde_json::to_value(&unsigned).map_err(|e| CanonError::Number(e.to_string()))?;
        canonical::to_vec(&value)
    }
}

/// Why an envelope was refused. Refused envelopes change nothing and are logged.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// Another protocol, or a body that cannot be put in canonical form.
    Malformed,
    /// No signature.
    Unsigned,
    /// The origin is not a registered peer nor vouched for by one, or its key is not the one
    /// known for it.
    UnknownNode,
    /// The signature does not match the envelope (a changed byte, another key).
    BadSignature,
    /// The peer it came from may not send this kind of record.
    NotAllowed,
}

impl Refusal {
    pub fn id(self) -> &'static str {
        match self {
            Refusal::Malformed => "malformed",
            Refusal::Unsigned => "unsigned",
            Refusal::UnknownNode => "unknown_node",
            Refusal::BadSignature => "bad_signature",
            Refusal::NotAllowed => "not_allowed",
        }
    }
}

/// What a receiver does with an envelope.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Newer than what is held: apply it.
    Apply,
    /// This version (or a newer one) is held already: a replay or a late copy; nothing changes.
    AlreadyHeld,
    /// Refused and logged; nothing changes.
    Refuse(Refusal),
}

/// What the receiver knows when it judges an envelope.
pub struct Judgement<'a> {
    /// The key registered (or vouched for) for the envelope's origin, base64.
    pub known_key: Option<&'a str>,
    /// The kinds the sending peer may send.
    pub may_send: &'a [Kind],
    /// The version of this record held here, if any.
    pub held_version: Option<i64>,
}

impl Judgement<'_> {
    /// Judges an envelope. `verify(key, message, signature)` checks an Ed25519 signature (the
    /// crypto lives outside this crate). The checks run in this order: protocol, signature
    /// present, origin known with this key, signature valid, kind allowed, version newer.
    pub fn judge(&self, e: &Envelope, verify: impl Fn(&str, &[u8], &str) -> bool) -> Verdict {
        if e.protocol != PROTOCOL || e.origin.trim().is_empty() || e.seq < 1 || e.version < 1 {
            return Verdict::Refuse(Refusal::Malformed);
        }
        let Some(signature) = e.signature.as_deref().filter(|s| !s.is_empty()) else {
            return Verdict::Refuse(Refusal::Unsigned);
        };
        match self.known_key {
            Some(k) if k == e.origin_key => {}
            _ => return Verdict::Refuse(Refusal::UnknownNode),
        }
        let Ok(bytes) = e.signing_bytes() else {
            return Verdict::Refuse(Refusal::Malformed);
        };
        if !verify(&e.origin_key, &bytes, signature) {
            return Verdict::Refuse(Refusal::BadSignature);
        }
        if !self.may_send.contains(&e.kind) {
            return Verdict::Refuse(Refusal::NotAllowed);
        }
        match self.held_version {
            Some(v) if v >= e.version => Verdict::AlreadyHeld,
            _ => Verdict::Apply,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// A stand-in signature for these tests: the message's length and byte sum, written out.
    /// The real scheme (Ed25519) is tested in the security crate.
    fn fake_sign(msg: &[u8]) -> String {
        format!("{}:{}", msg.len(), msg.iter().map(|b| u64::from(*b)).sum::<u64>())
    }

    fn fake_verify(_key: &str, msg: &[u8], sig: &str) -> bool {
        fake_sign(msg) == sig
    }

    fn signed() -> Envelope {
        let mut e = Envelope::new(
            Kind::Posting,
            "4111010610",
            "KEY",
            7,
            Uuid::from_u128(42),
            3,
            json!({"@type": "JobPosting", "title": "软件工程师"}),
        );
        e.signature = Some(fake_sign(&e.signing_bytes().unwrap()));
        e
    }

    fn judge(e: &Envelope, held: Option<i64>) -> Verdict {
        Judgement { known_key: Some("KEY"), may_send: &[Kind::Posting, Kind::Tombstone], held_version: held }
            .judge(e, fake_verify)
    }

    #[test]
    fn a_good_envelope_applies_once_and_older_versions_are_ignored() {
        let e = signed();
        assert_eq!(judge(&e, None), Verdict::Apply);
        assert_eq!(judge(&e, Some(2)), Verdict::Apply);
        assert_eq!(judge(&e, Some(3)), Verdict::AlreadyHeld, "a replay");
        assert_eq!(judge(&e, Some(5)), Verdict::AlreadyHeld, "an older version");
    }

    #[test]
    fn unsigned_tampered_unknown_and_unallowed_envelopes_are_refused() {
        let mut unsigned = signed();
        unsigned.signature = None;
        assert_eq!(judge(&unsigned, None), Verdict::Refuse(Refusal::Unsigned));

        let mut tampered = signed();
        tampered.body = json!({"@type": "JobPosting", "title": "软件工程帅"});
        assert_eq!(judge(&tampered, None), Verdict::Refuse(Refusal::BadSignature));
        let mut bumped = signed();
        bumped.version = 4;
        assert_eq!(judge(&bumped, None), Verdict::Refuse(Refusal::BadSignature));

        let e = signed();
        let stranger = Judgement { known_key: None, may_send: &[Kind::Posting], held_version: None };
        assert_eq!(stranger.judge(&e, fake_verify), Verdict::Refuse(Refusal::UnknownNode));
        let other_key = Judgement { known_key: Some("OTHER"), may_send: &[Kind::Posting], held_version: None };
        assert_eq!(other_key.judge(&e, fake_verify), Verdict::Refuse(Refusal::UnknownNode));

        let no_postings = Judgement { known_key: Some("KEY"), may_send: &[Kind::Aggregate], held_version: None };
        assert_eq!(no_postings.judge(&e, fake_verify), Verdict::Refuse(Refusal::NotAllowed));

        let mut old_protocol = signed();
        old_protocol.protocol = "jiuye-federation/0".into();
        assert_eq!(judge(&old_protocol, None), Verdict::Refuse(Refusal::Malformed));
    }

    #[test]
    fn the_signature_covers_everything_but_itself_in_canonical_form() {
        let e = signed();
        let text = String::from_utf8(e.signing_bytes().unwrap()).unwrap();
        assert!(!text.contains("signature"));
        assert!(text.starts_with("{\"body\":{\"@type\":\"JobPosting\""), "{text}");
        let back: Envelope = serde_json::from_str(&serde_json::to_string(&e).unwrap()).unwrap();
        assert_eq!(back, e);
        assert_eq!(back.signing_bytes().unwrap(), e.signing_bytes().unwrap());
    }

    #[test]
    fn kinds_read_from_lists() {
        assert_eq!(Kind::parse_list("tombstone, posting,posting").unwrap(), vec![Kind::Posting, Kind::Tombstone]);
        assert_eq!(Kind::parse_list("posting,people"), Err("people".to_string()));
        assert_eq!(Kind::list_text(&[Kind::Posting, Kind::NodeKey]), "posting,node_key");
    }
}
