//! Storage of this node's federation settings and its peers.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::Result;

/// This node's organisation code and public base URL, as set by `jiuye federation init`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FederationNode {
    pub org_code: String,
    pub base_url: String,
    pub updated_at: DateTime<Utc>,
}

/// A registered peer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PeerRecord {
    pub org_code: String,
    pub base_url: String,
    /// Its Ed25519 public key, base64.
    pub public_key: String,
    /// A `jiuye_domain::federation::Relation` id.
    pub relation: String,
    /// The kinds it may send here, comma-separated `Kind` ids.
    pub receive: String,
    /// The kinds this node sends it.
    pub send: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[async_trait]
pub trait FederationStore: Send + Sync {
    /// This node's settings, when `federation init` has run.
    async fn federation_node(&self) -> Result<Option<FederationNode>>;
    /// Sets (or replaces) this node's settings.
    async fn set_federation_node(&self, node: &FederationNode) -> Result<()>;
    /// Adds a peer or replaces the one with the same organisation code (keeping when it was
    /// first added); true when it was new.
    async fn put_peer(&self, peer: &PeerRecord) -> Result<bool>;
    /// Removes a peer; false when there was none.
    async fn remove_peer(&self, org_code: &str) -> Result<bool>;
    async fn peer(&self, org_code: &str) -> Result<Option<PeerRecord>>;
    /// Every peer, by organisation code.
    async fn peers(&self) -> Result<Vec<PeerRecord>>;
}

macro_rules! federation_impl {
    ($store:ty, $db:ty) => {
        mod federation_impl {
            use async_trait::async_trait;
            use sqlx::Row;

            use super::*;
            use crate::Result;
            use crate::federation::{FederationNode, FederationStore, PeerRecord};

            const PEER: &str = "SELECT org_code, base_url, public_key, relation, receive, send, created_at, updated_at \
                 FROM federation_peers";

            fn peer(r: &<$db as sqlx::Database>::Row) -> Result<PeerRecord> {
                Ok(PeerRecord {
                    org_code: r.try_get("org_code")?,
                    base_url: r.try_get("base_url")?,
                    public_key: r.try_get("public_key")?,
                    relation: r.try_get("relation")?,
                    receive: r.try_get("receive")?,
                    send: r.try_get("send")?,
                    created_at: r.try_get("created_at")?,
                    updated_at: r.try_get("updated_at")?,
                })
            }

            #[async_trait]
            impl FederationStore for $store {
                async fn federation_node(&self) -> Result<Option<FederationNode>> {
                    let r = sqlx::query("SELECT org_code, base_url, updated_at FROM federation_node WHERE id = 1")
                        .fetch_optional(&self.pool)
                        .await?;
                    r.map(|r| {
                        Ok(FederationNode {
                            org_code: r.try_get("org_code")?,
                            base_url: r.try_get("base_url")?,
                            updated_at: r.try_get("updated_at")?,
                        })
                    })
                    .transpose()
                }

                async fn set_federation_node(&self, node: &FederationNode) -> Result<()> {
                    sqlx::query(
                        "INSERT INTO federation_node (id, org_code, base_url, updated_at) VALUES (1, $1, $2, $3) \
                         ON CONFLICT (id) DO UPDATE SET org_code = excluded.org_code, base_url = excluded.base_url, \
                         updated_at = excluded.updated_at",
                    )
                    .bind(&node.org_code)
                    .bind(&node.base_url)
                    .bind(node.updated_at)
                    .execute(&self.pool)
                    .await?;
                    Ok(())
                }

                async fn put_peer(&self, p: &PeerRecord) -> Result<bool> {
                    let mut tx = self.pool.begin().await?;
                    let had = sqlx::query("SELECT 1 FROM federation_peers WHERE org_code = $1")
                        .bind(&p.org_code)
                        .fetch_optional(&mut *tx)
                        .await?
                        .is_some();
                    sqlx::query(
                        "INSERT INTO federation_peers (org_code, base_url, public_key, relation, receive, send, \
                         created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
                         ON CONFLICT (org_code) DO UPDATE SET base_url = excluded.base_url, \
                         public_key = excluded.public_key, relation = excluded.relation, receive = excluded.receive, \
                         send = excluded.send, updated_at = excluded.updated_at",
                    )
                    .bind(&p.org_code)
                    .bind(&p.base_url)
                    .bind(&p.public_key)
                    .bind(&p.relation)
                    .bind(&p.receive)
                    .bind(&p.send)
                    .bind(p.created_at)
                    .bind(p.updated_at)
                    .execute(&mut *tx)
                    .await?;
                    tx.commit().await?;
                    Ok(!had)
                }

                async fn remove_peer(&self, org_code: &str) -> Result<bool> {
                    let done = sqlx::query("DELETE FROM federation_peers WHERE org_code = $1")
                        .bind(org_code)
                        .execute(&self.pool)
                        .await?;
                    Ok(done.rows_affected() > 0)
                }

                async fn peer(&self, org_code: &str) -> Result<Option<PeerRecord>> {
                    let r = sqlx::query(sqlx::AssertSqlSafe(format!("{PEER} WHERE org_code = $1")))
                        .bind(org_code)
                        .fetch_optional(&self.pool)
                        .await?;
                    r.as_ref().map(peer).transpose()
                }

                async fn peers(&self) -> Result<Vec<PeerRecord>> {
                    let rows = sqlx::query(sqlx::AssertSqlSafe(format!("{PEER} ORDER BY org_code"))).fetch_all(&self.pool).await?;
                    rows.iter().map(peer).collect()
                }
            }
        }
    };
}

pub(crate) use federation_impl;
