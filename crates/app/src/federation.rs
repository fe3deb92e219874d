//! 部省校互联互通: this node's place in the federation and its peers.
//!
//! Set from the server's shell by the node's administrator (`jiuye federation ...`): the node's
//! organisation code and public base URL, and the peers it exchanges records with, each with
//! its public key, relation and what it may send and receive. Every change is written to the
//! audit log. The node's signing key lives in the key ring, never in the database.

pub mod activity;
pub mod client;
pub mod deliver;
pub mod feed;
pub mod hardship;
pub mod peers;
pub mod progress;
pub mod pull;
pub mod push;
pub mod receive;
pub mod report;

use chrono::Utc;
use jiuye_domain::federation::{self, FederationError, Kind, PeerSpec, Relation};
use jiuye_store::Repository;
use jiuye_store::accounts::AuditEntry;
use jiuye_store::federation::{FederationNode, PeerRecord};

use crate::error::{Error, ErrorCode};

/// A peer as shown: its record with the relation and kinds read back.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Peer {
    pub record: PeerRecord,
    pub relation: Option<Relation>,
    pub receive: Vec<Kind>,
    pub send: Vec<Kind>,
}

impl From<PeerRecord> for Peer {
    fn from(record: PeerRecord) -> Peer {
        let kinds = |s: &str| Kind::parse_list(s).unwrap_or_default();
        Peer {
            relation: Relation::from_id(&record.relation),
            receive: kinds(&record.receive),
            send: kinds(&record.send),
            record,
        }
    }
}

fn refused(e: FederationError) -> Error {
    let code = match e {
        FederationError::Org(_) | FederationError::NotANode(_) => ErrorCode::InvalidOrgCode,
        FederationError::Url(_) => ErrorCode::InvalidUrl,
        FederationError::Key | FederationError::Relation(_) | FederationError::Kind(_) => ErrorCode::InvalidPeer,
    };
    Error::bad_input(code, e.to_string())
}

async fn audit(store: &dyn Repository, by: &str, action: &str, target: &str, detail: String) -> Result<(), Error> {
    store
        .append_audit(&AuditEntry {
            username: Some(by.to_owned()),
            action: action.into(),
            target: Some(target.to_owned()),
            result: "ok".into(),
            detail: Some(detail),
            ..Default::default()
        })
        .await?;
    Ok(())
}

/// Sets this node's organisation code and public base URL (`jiuye federation init`), as done
/// `by`. A running server reads them again within seconds.
pub async fn init(store: &dyn Repository, org: &str, url: &str, by: &str) -> Result<FederationNode, Error> {
    let org = federation::node_org(org).map_err(refused)?;
    let url = federation::base_url(url).map_err(refused)?;
    let node = FederationNode { org_code: org.as_str().to_owned(), base_url: url, updated_at: Utc::now() };
    store.set_federation_node(&node).await?;
    audit(store, by, "federation_init", &node.org_code, format!("本节点 {}，地址 {}", node.org_code, node.base_url))
        .await?;
    Ok(node)
}

/// This node's settings, when `init` has run.
pub async fn node(store: &dyn Repository) -> Result<Option<FederationNode>, Error> {
    Ok(store.federation_node().await?)
}

/// Registers a peer, or replaces the one with the same organisation code; true when it is new.
/// A node cannot be its own peer. Done from the server's shell, `by` a named operator; people
/// use [`peers::register`].
pub async fn add_peer(store: &dyn Repository, spec: &PeerSpec, by: &str) -> Result<bool, Error> {
    let (new, detail) = keep_peer(store, spec).await?;
    audit(store, by, "federation_peer_add", spec.org.as_str(), detail).await?;
    Ok(new)
}

/// Keeps a peer (and, for a child, vouches for its key); whether it is new, and what the audit
/// log says of it.
async fn keep_peer(store: &dyn Repository, spec: &PeerSpec) -> Result<(bool, String), Error> {
    if store.federation_node().await?.is_some_and(|n| n.org_code == spec.org.as_str()) {
        return Err(Error::bad_input(ErrorCode::InvalidPeer, "不能把本节点登记为自己的互联节点"));
    }
    let now = Utc::now();
    let record = PeerRecord {
        org_code: spec.org.as_str().to_owned(),
        base_url: spec.url.clone(),
        public_key: spec.key.clone(),
        relation: spec.relation.id().to_owned(),
        receive: Kind::list_text(&spec.receive),
        send: Kind::list_text(&spec.send),
        created_at: now,
        updated_at: now,
    };
    let new = store.put_peer(&record).await?;
    if spec.relation == Relation::Child {
        // Vouch for the child's key to this node's other peers (the nation learns a university
        // it never registered from its province).
        store.outbox_append(Kind::NodeKey.id(), federation::node_key_record(&record.org_code), None).await?;
    }
    let detail = format!(
        "{}（{}），地址 {}，可接收 {}，发送 {}，公钥 {}",
        record.org_code,
        spec.relation.label(),
        record.base_url,
        record.receive,
        record.send,
        record.public_key
    );
    Ok((new, detail))
}

/// Removes a peer (`peer_not_found` when there is none), as done `by` a named operator from the
/// server's shell.
pub async fn remove_peer(store: &dyn Repository, org: &str, by: &str) -> Result<(), Error> {
    let org = drop_peer(store, org).await?;
    audit(store, by, "federation_peer_remove", &org, format!("删除互联节点 {org}")).await
}

/// Removes a peer without writing the audit log; its code as trimmed.
async fn drop_peer(store: &dyn Repository, org: &str) -> Result<String, Error> {
    let org = org.trim();
    if !store.remove_peer(org).await? {
        return Err(Error::not_found(ErrorCode::PeerNotFound, format!("没有编码为 {org} 的互联节点")));
    }
    Ok(org.to_owned())
}

/// Every peer, by organisation code.
pub async fn peers(store: &dyn Repository) -> Result<Vec<Peer>, Error> {
    Ok(store.peers().await?.into_iter().map(Peer::from).collect())
}

/// A peer with how far this node has read its feed.
#[derive(Clone, Debug)]
pub struct PeerStatus {
    pub peer: Peer,
    pub cursor: Option<jiuye_store::received::Cursor>,
    /// How far this node's outbox has been pushed to the peer.
    pub push: Option<jiuye_store::received::Cursor>,
}

impl PeerStatus {
    /// Rows of the peer's feed not read yet, as of the last read.
    pub fn lag(&self) -> i64 {
        self.cursor.as_ref().map_or(0, |c| (c.head_seq - c.after_seq).max(0))
    }

    /// Rows of this node's outbox not pushed to the peer yet, given the outbox's `head`.
    pub fn push_lag(&self, head: i64) -> i64 {
        (head - self.push.as_ref().map_or(0, |c| c.after_seq)).max(0)
    }
}

/// The node's federation at a glance: its settings, its outbox's greatest number, and each
/// peer with its cursor.
pub async fn status(store: &dyn Repository) -> Result<(Option<FederationNode>, i64, Vec<PeerStatus>), Error> {
    let node = store.federation_node().await?;
    let head = store.outbox_head().await?;
    let cursors = store.cursors(jiuye_store::received::Line::Read).await?;
    let pushes = store.cursors(jiuye_store::received::Line::Push).await?;
    let peers = peers(store)
        .await?
        .into_iter()
        .map(|peer| {
            let of = |list: &[jiuye_store::received::Cursor]| {
                list.iter().find(|c| c.peer_org == peer.record.org_code).cloned()
            };
            PeerStatus { cursor: of(&cursors), push: of(&pushes), peer }
        })
        .collect();
    Ok((node, head, peers))
}

/// [`status`] for a person: those who may read an audit log (the node's administrators).
pub async fn overview(
    store: &dyn Repository,
    actor: &jiuye_domain::access::Actor,
) -> Result<(Option<FederationNode>, i64, Vec<PeerStatus>), Error> {
    if jiuye_domain::access::scope_paths(actor, jiuye_domain::access::Action::ViewAudit).is_empty() {
        return Err(Error::forbidden());
    }
    status(store).await
}

#[cfg(test)]
mod tests {
    use jiuye_store::sqlite::SqliteStore;

    use super::*;

    const KEY: &str = "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=";

    #[tokio::test]
    async fn init_and_peers_are_checked_kept_and_audited() {
        let dir = std::env::temp_dir().join(format!("jiuye-federation-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).unwrap();
        let store = SqliteStore::open(&dir.join("jiuye.db")).await.expect("store");
        let s: &dyn Repository = &store;
        assert_eq!(node(s).await.unwrap(), None);
        let e = init(s, "4151010610-03", "http://127.0.0.1:1", "root").await.unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidOrgCode);
        let e = init(s, "4151010610", "127.0.0.1:1", "root").await.unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidUrl);
        let n = init(s, "4151010610", "http://127.0.0.1:8081/", "root").await.unwrap();
        assert_eq!((n.org_code.as_str(), n.base_url.as_str()), ("4151010610", "http://127.0.0.1:8081"));

        let province = PeerSpec::parse("510000", "http://127.0.0.1:8082", KEY, "parent", None, None).unwrap();
        assert!(add_peer(s, &province, "root").await.unwrap());
        assert!(!add_peer(s, &province, "root").await.unwrap(), "replaced");
        let own = PeerSpec { org: jiuye_domain::OrgCode::parse("4151010610").unwrap(), ..province.clone() };
        assert_eq!(add_peer(s, &own, "root").await.unwrap_err().code, ErrorCode::InvalidPeer);
        let listed = peers(s).await.unwrap();
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0].relation, Some(Relation::Parent));
        assert_eq!(listed[0].receive, province.receive);
        remove_peer(s, "510000", "root").await.unwrap();
        assert_eq!(remove_peer(s, "510000", "root").await.unwrap_err().code, ErrorCode::PeerNotFound);

        let actions: Vec<String> = s.audit_after(0, 100).await.unwrap().into_iter().map(|r| r.entry.action).collect();
        for a in ["federation_init", "federation_peer_add", "federation_peer_remove"] {
            assert!(actions.iter().any(|x| x == a), "{a} in {actions:?}");
        }
        drop(store);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
