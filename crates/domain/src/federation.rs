//! 部省校互联互通: university, province and nation nodes exchanging postings, events,
//! blacklists, aggregate statistics and campaign definitions over a signed protocol.
//!
//! Each node is one organisation of the tree (a university, a province or the nation) with an
//! Ed25519 key pair and a public base URL. Nodes register each other as peers (parent, child or
//! sibling) with what each may send and receive. Records travel in signed envelopes
//! ([`envelope`]); the signature covers canonical JSON ([`canonical`], RFC 8785). Personal data
//! never travels.

pub mod activity;
pub mod canonical;
pub mod coverage;
pub mod delivery;
pub mod envelope;
pub mod event;
pub mod figures;
pub mod progress;

pub use envelope::{Envelope, Judgement, Kind, PROTOCOL, Refusal, Verdict};

use serde::{Deserialize, Serialize};

use crate::codes::{OrgCode, OrgCodeShape};

/// How a peer stands to this node.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Relation {
    /// The node above (a university's province, a province's nation).
    Parent,
    /// A node below.
    Child,
    /// A node at the same level exchanging alliance-scoped postings.
    Sibling,
}

impl Relation {
    pub fn id(self) -> &'static str {
        match self {
            Relation::Parent => "parent",
            Relation::Child => "child",
            Relation::Sibling => "sibling",
        }
    }

    pub fn from_id(s: &str) -> Option<Relation> {
        [Relation::Parent, Relation::Child, Relation::Sibling].into_iter().find(|r| r.id() == s.trim())
    }

    pub fn label(self) -> &'static str {
        match self {
            Relation::Parent => "上级节点",
            Relation::Child => "下级节点",
            Relation::Sibling => "联盟节点",
        }
    }

    /// What a peer of this relation may send to this node unless the administrator says
    /// otherwise: from above come shared postings, tombstones, events, blacklists, campaign
    /// definitions and the keys of nodes it vouches for; from below also aggregates; a sibling
    /// sends postings, tombstones, events and blacklists.
    pub fn default_receive(self) -> Vec<Kind> {
        use Kind::*;
        match self {
            Relation::Parent => vec![Posting, Tombstone, Event, Blacklist, Campaign, NodeKey],
            Relation::Child => vec![Posting, Tombstone, Event, Blacklist, Aggregate, NodeKey],
            Relation::Sibling => vec![Posting, Tombstone, Event, Blacklist],
        }
    }

    /// What this node sends to a peer of this relation unless the administrator says
    /// otherwise (the mirror of [`Relation::default_receive`]).
    pub fn default_send(self) -> Vec<Kind> {
        match self {
            Relation::Parent => Relation::Child.default_receive(),
            Relation::Child => Relation::Parent.default_receive(),
            Relation::Sibling => Relation::Sibling.default_receive(),
        }
    }
}

/// Why a node setting or a peer was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum FederationError {
    #[error("节点编码有误：{0}")]
    Org(String),
    #[error("只有全国、省级或高校可以作为互联节点，{0} 不是")]
    NotANode(String),
    #[error("节点地址应以 http:// 或 https:// 开头，且不含空格、查询串或片段：{0}")]
    Url(String),
    #[error("节点公钥应为 Base64 编码的 32 字节 Ed25519 公钥")]
    Key,
    #[error("未知的节点关系：{0}（应为 parent、child 或 sibling）")]
    Relation(String),
    #[error("未知的记录类型：{0}")]
    Kind(String),
}

/// The record id of the `node_key` statement about the node `org`: the same on every node, so
/// that a newer statement about the same node replaces the older.
pub fn node_key_record(org: &str) -> uuid::Uuid {
    uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_OID, format!("jiuye:node_key:{}", org.trim()).as_bytes())
}

/// The record id of a campaign definition with policy id `id`: a campaign id names one campaign
/// across the federation (publishers prefix their own, e.g. `510000-2024-autumn`), so a newer
/// definition replaces the older wherever it arrives.
pub fn campaign_record(id: &str) -> uuid::Uuid {
    uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_OID, format!("jiuye:campaign:{}", id.trim()).as_bytes())
}

/// What a peer signs to call another node's federation endpoints: the method, the path with its
/// query as sent, the Unix time in seconds (also sent as `Jiuye-Date`) and the caller's
/// organisation code (`Jiuye-Node`), one to a line.
pub fn request_text(method: &str, path_and_query: &str, unix_seconds: i64, caller: &str) -> String {
    format!("{PROTOCOL}\n{}\n{path_and_query}\n{unix_seconds}\n{caller}", method.to_ascii_uppercase())
}

/// A node's organisation code, checked: the nation, a province or a university.
pub fn node_org(code: &str) -> Result<OrgCode, FederationError> {
    let org = OrgCode::parse(code).map_err(|e| FederationError::Org(e.to_string()))?;
    match org.shape() {
        OrgCodeShape::Nation | OrgCodeShape::Province | OrgCodeShape::University => Ok(org),
        _ => Err(FederationError::NotANode(code.trim().to_string())),
    }
}

/// A node's public base URL, checked and without a trailing slash
/// ("https://jy.example.edu.cn/").
pub fn base_url(raw: &str) -> Result<String, FederationError> {
    let s = raw.trim();
    let bad = || FederationError::Url(s.to_string());
    let rest = s.strip_prefix("https://").or_else(|| s.strip_prefix("http://")).ok_or_else(bad)?;
    let host = rest.split('/').next().unwrap_or_default();
    if host.is_empty()
        || s.chars().any(|c| c.is_whitespace() || c.is_control() || c == '?' || c == '#')
        || s.len() > 300
    {
        return Err(bad());
    }
    Ok(s.trim_end_matches('/').to_string())
}

/// A public key as peers exchange it: base64 of 32 bytes.
pub fn public_key(raw: &str) -> Result<String, FederationError> {
    use base64_shape::decoded_len;
    let s = raw.trim();
    if decoded_len(s) != Some(32) {
        return Err(FederationError::Key);
    }
    Ok(s.to_string())
}

/// The length a standard base64 text decodes to, when it is well formed (no I/O and no crate
/// needed for this one check).
mod base64_shape {
    pub fn decoded_len(s: &str) -> Option<usize> {
        if s.is_empty() || !s.len().is_multiple_of(4) {
            return None;
        }
        let pad = s.bytes().rev().take_while(|b| *b == b'=').count();
        if pad > 2 || !s[..s.len() - pad].bytes().all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/') {
            return None;
        }
        Some(s.len() / 4 * 3 - pad)
    }
}

/// A peer as an administrator registers it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PeerSpec {
    pub org: OrgCode,
    pub url: String,
    pub key: String,
    pub relation: Relation,
    /// What the peer may send here.
    pub receive: Vec<Kind>,
    /// What this node sends the peer.
    pub send: Vec<Kind>,
}

impl PeerSpec {
    /// Checks a peer's fields; `receive` and `send` default by relation when `None`.
    pub fn parse(
        org: &str,
        url: &str,
        key: &str,
        relation: &str,
        receive: Option<&str>,
        send: Option<&str>,
    ) -> Result<PeerSpec, FederationError> {
        let org = node_org(org)?;
        let url = base_url(url)?;
        let key = public_key(key)?;
        let relation = Relation::from_id(relation).ok_or_else(|| FederationError::Relation(relation.to_string()))?;
        let kinds = |given: Option<&str>, default: Vec<Kind>| match given {
            Some(s) => Kind::parse_list(s).map_err(FederationError::Kind),
            None => Ok(default),
        };
        Ok(PeerSpec {
            org,
            url,
            key,
            relation,
            receive: kinds(receive, relation.default_receive())?,
            send: kinds(send, relation.default_send())?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=";

    #[test]
    fn a_request_is_signed_as_lines_of_what_was_sent() {
        assert_eq!(
            request_text("get", "/federation/v1/feed?after=3&limit=10", 1_800_000_000, "510000"),
            "jiuye-federation/1\nGET\n/federation/v1/feed?after=3&limit=10\n1800000000\n510000"
        );
    }

    #[test]
    fn nodes_are_the_nation_provinces_and_universities() {
        assert!(node_org("CN").is_ok());
        assert!(node_org("510000").is_ok());
        assert!(node_org("4151010610").is_ok());
        assert!(matches!(node_org("4151010610-03"), Err(FederationError::NotANode(_))));
        assert!(matches!(node_org("AL0001"), Err(FederationError::NotANode(_))));
        assert!(matches!(node_org("nope"), Err(FederationError::Org(_))));
    }

    #[test]
    fn urls_and_keys_are_checked() {
        assert_eq!(base_url(" https://jy.scu.edu.cn/ ").unwrap(), "https://jy.scu.edu.cn");
        assert_eq!(base_url("http://127.0.0.1:8081/node").unwrap(), "http://127.0.0.1:8081/node");
        for bad in ["ftp://x", "https://", "https://a b", "https://x/?q=1", "jy.scu.edu.cn"] {
            assert!(base_url(bad).is_err(), "{bad}");
        }
        assert!(public_key(KEY).is_ok());
        assert!(public_key("abc").is_err());
        assert!(public_key(&KEY.replace('=', "A")).is_err());
    }

    #[test]
    fn peers_take_their_kinds_from_the_relation_unless_given() {
        let p = PeerSpec::parse("510000", "http://127.0.0.1:9000", KEY, "parent", None, None).unwrap();
        assert!(p.receive.contains(&Kind::Campaign) && !p.receive.contains(&Kind::Aggregate));
        assert!(p.send.contains(&Kind::Aggregate) && !p.send.contains(&Kind::Campaign));
        let s = PeerSpec::parse("4151010611", "http://x", KEY, "sibling", Some("posting"), Some("posting")).unwrap();
        assert_eq!(s.receive, vec![Kind::Posting]);
        assert!(matches!(
            PeerSpec::parse("510000", "http://x", KEY, "cousin", None, None),
            Err(FederationError::Relation(_))
        ));
        assert!(matches!(
            PeerSpec::parse("510000", "http://x", KEY, "child", Some("posting,graduates"), None),
            Err(FederationError::Kind(_))
        ));
    }
}
