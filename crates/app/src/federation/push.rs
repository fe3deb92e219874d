//! Pushing to peers' inboxes (`POST /federation/v1/inbox`): for each peer this node sends to,
//! the outbox after the peer's push cursor, as the same signed envelopes its feed would give
//! that peer, in batches; the cursor moves after each batch the peer accepted. Failures back
//! off as reading does (1 s, 2 s, 4 s, … at most ten minutes). A peer that also reads this
//! node's feed gets the same envelopes twice and keeps each once (receivers ignore versions
//! they hold), so pushing only makes delivery sooner and lets a node behind a firewall
//! deliver to one that cannot reach it.

use chrono::Utc;
use hyper::body::Bytes;
use jiuye_domain::RefData;
use jiuye_security::signing::NodeKey;
use jiuye_store::Repository;
use jiuye_store::federation::FederationNode;
use jiuye_store::received::{Cursor, Line};

use super::Peer;
use super::client::signed_request;
use super::feed;
use super::pull::{failed, settle};
use crate::error::Error;

/// Outbox rows read per batch (a batch may carry fewer envelopes: rows this peer is not sent
/// are skipped).
const BATCH: i64 = 200;

/// What one push to a peer did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Pushed {
    pub batches: u64,
    /// Envelopes sent, and what the peer said of them.
    pub sent: u64,
    pub applied: u64,
    pub refused: u64,
    /// The push cursor after the push, and this node's head.
    pub after: i64,
    pub head: i64,
}

/// Pushes this node's outbox to `peer` from its push cursor until caught up (at most
/// `max_batches` batches). A failure is recorded on the cursor and returned.
pub async fn push(
    store: &dyn Repository,
    rd: &RefData,
    node: &FederationNode,
    key: &NodeKey,
    peer: &Peer,
    max_batches: u64,
) -> Result<Pushed, Error> {
    let org = peer.record.org_code.clone();
    let mut cursor =
        store.cursor(Line::Push, &org).await?.unwrap_or_else(|| Cursor { peer_org: org.clone(), ..Cursor::default() });
    let mut out = Pushed { after: cursor.after_seq, head: cursor.head_seq, ..Pushed::default() };
    let result = batches(store, rd, node, key, peer, &mut cursor, &mut out, max_batches).await;
    settle(&mut cursor, &result, "push");
    store.put_cursor(Line::Push, &cursor).await?;
    result.map(|()| out)
}

#[allow(clippy::too_many_arguments)]
async fn batches(
    store: &dyn Repository,
    rd: &RefData,
    node: &FederationNode,
    key: &NodeKey,
    peer: &Peer,
    cursor: &mut Cursor,
    out: &mut Pushed,
    max_batches: u64,
) -> Result<(), Error> {
    while out.batches < max_batches {
        let page = feed::page(store, rd, node, key, peer, cursor.after_seq, BATCH).await?;
        if !page.items.is_empty() {
            let body = serde_json::to_vec(&page.items).map_err(|e| failed(format!("batch: {e}")))?;
            let (status, answer) =
                signed_request(node, key, &peer.record.base_url, "POST", "/federation/v1/inbox", Bytes::from(body))
                    .await?;
            if status != 200 {
                let head: String = String::from_utf8_lossy(&answer).chars().take(300).collect();
                return Err(failed(format!("{}/federation/v1/inbox: HTTP {status} {head}", peer.record.base_url)));
            }
            let said: serde_json::Value = serde_json::from_slice(&answer).unwrap_or_default();
            let count = |k: &str| said.get(k).and_then(serde_json::Value::as_u64).unwrap_or(0);
            out.sent += page.items.len() as u64;
            out.applied += count("applied");
            out.refused += count("refused");
            cursor.applied = cursor.applied.saturating_add(i64::try_from(count("applied")).unwrap_or(0));
            cursor.refused = cursor.refused.saturating_add(i64::try_from(count("refused")).unwrap_or(0));
        }
        out.batches += 1;
        let moved = page.next > cursor.after_seq;
        cursor.after_seq = cursor.after_seq.max(page.next);
        cursor.head_seq = page.head;
        out.after = cursor.after_seq;
        out.head = page.head;
        cursor.last_attempt_at = Some(Utc::now());
        store.put_cursor(Line::Push, cursor).await?;
        if !moved || cursor.after_seq >= page.head {
            break;
        }
    }
    Ok(())
}
