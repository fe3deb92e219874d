//! Reading peers' feeds: for each peer this node receives from, ask its signed pull feed for
//! the rows after this node's cursor, judge and keep each envelope, and move the cursor on page
//! by page. A failed attempt is recorded on the cursor and the next waits twice as long as the
//! last (1 s, 2 s, 4 s, … at most ten minutes); a success starts again at once.
//!
//! One node process at a time reads a given peer: it holds the peer's cursor row for
//! [`HOLD_FOR`], renewing it while it works, so several processes serving one database do not
//! read the same feed twice.

use std::time::Duration;

use chrono::{DateTime, Utc};
use hyper::body::Bytes;
use jiuye_security::signing::NodeKey;
use jiuye_store::Repository;
use jiuye_store::federation::FederationNode;
use jiuye_store::received::{Cursor, Line};
use uuid::Uuid;

use super::Peer;
use super::client::signed_request;
use super::receive;
use crate::error::Error;

/// How long a process holds a peer's cursor before another may take over (renewed each round;
/// a process that stops without handing over is replaced after this).
pub const HOLD_FOR: Duration = Duration::from_secs(30);
/// The longest wait after failures.
const MAX_BACKOFF_SECS: i64 = 600;
/// Envelopes asked for per page.
const PAGE: i64 = 500;

/// What one pull of a peer did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Pulled {
    pub pages: u64,
    pub applied: u64,
    pub already_held: u64,
    pub refused: u64,
    /// Bytes of feed pages read.
    pub bytes: u64,
    /// The cursor after the pull, and the peer's head as last seen.
    pub after: i64,
    pub head: i64,
    /// Records whose search entries may have changed.
    pub touched: Vec<Uuid>,
}

struct FeedPage {
    items: Vec<serde_json::Value>,
    next: i64,
    head: i64,
}

impl FeedPage {
    fn read(body: &[u8]) -> Result<FeedPage, Error> {
        let v: serde_json::Value = serde_json::from_slice(body).map_err(|e| failed(format!("feed page: {e}")))?;
        let number =
            |k: &str| v.get(k).and_then(serde_json::Value::as_i64).ok_or_else(|| failed(format!("feed page: no {k}")));
        Ok(FeedPage {
            next: number("next")?,
            head: number("head")?,
            items: v.get("items").and_then(serde_json::Value::as_array).cloned().unwrap_or_default(),
        })
    }
}

pub(super) fn failed(message: impl Into<String>) -> Error {
    Error::unavailable(crate::ErrorCode::FederationUnreachable, message)
}

/// The wait after `failures` failed attempts in a row.
pub fn backoff(failures: i32) -> chrono::Duration {
    let secs = 1i64.checked_shl(u32::try_from(failures.clamp(1, 20) - 1).unwrap_or(0)).unwrap_or(MAX_BACKOFF_SECS);
    chrono::Duration::seconds(secs.min(MAX_BACKOFF_SECS))
}

/// Reads `peer`'s feed from this node's cursor until caught up (at most `max_pages` pages),
/// keeping each envelope; the cursor moves after each page. A failure is recorded on the
/// cursor (with the next attempt's time) and returned.
pub async fn pull(
    store: &dyn Repository,
    node: &FederationNode,
    key: &NodeKey,
    peer: &Peer,
    max_pages: u64,
) -> Result<Pulled, Error> {
    let org = peer.record.org_code.clone();
    let mut cursor =
        store.cursor(Line::Read, &org).await?.unwrap_or_else(|| Cursor { peer_org: org.clone(), ..Cursor::default() });
    let mut out = Pulled { after: cursor.after_seq, head: cursor.head_seq, ..Pulled::default() };
    let result = pages(store, node, key, peer, &mut cursor, &mut out, max_pages).await;
    settle(&mut cursor, &result, "pull");
    store.put_cursor(Line::Read, &cursor).await?;
    result.map(|()| out)
}

/// Records an attempt's outcome on its cursor: a success clears the failures; a failure counts
/// and sets the next attempt after [`backoff`].
pub(super) fn settle(cursor: &mut Cursor, result: &Result<(), Error>, what: &str) {
    let now = Utc::now();
    cursor.last_attempt_at = Some(now);
    match result {
        Ok(()) => {
            cursor.failures = 0;
            cursor.last_error = None;
            cursor.last_success_at = Some(now);
            cursor.next_attempt_at = None;
        }
        Err(e) => {
            cursor.failures = cursor.failures.saturating_add(1);
            cursor.last_error = Some(e.message.chars().take(500).collect());
            cursor.next_attempt_at = Some(now + backoff(cursor.failures));
            tracing::warn!(peer = %cursor.peer_org, failures = cursor.failures, error = %e.message,
                "federation {what} failed");
        }
    }
}

/// One feed page after `after`: its body's length and the page.
async fn fetch(node: &FederationNode, key: &NodeKey, peer: &Peer, after: i64) -> Result<(u64, FeedPage), Error> {
    let path = format!("/federation/v1/feed?after={after}&limit={PAGE}");
    let (status, body) = signed_request(node, key, &peer.record.base_url, "GET", &path, Bytes::new()).await?;
    if status != 200 {
        let head: String = String::from_utf8_lossy(&body).chars().take(300).collect();
        return Err(failed(format!("{}{path}: HTTP {status} {head}", peer.record.base_url)));
    }
    Ok((body.len() as u64, FeedPage::read(&body)?))
}

/// Reads and keeps pages until caught up; the next page is fetched while this one is kept (the
/// cursor still moves only after a page is kept).
async fn pages(
    store: &dyn Repository,
    node: &FederationNode,
    key: &NodeKey,
    peer: &Peer,
    cursor: &mut Cursor,
    out: &mut Pulled,
    max_pages: u64,
) -> Result<(), Error> {
    let mut next: Option<Result<(u64, FeedPage), Error>> = Some(fetch(node, key, peer, cursor.after_seq).await);
    while let Some(fetched) = next.take() {
        let (bytes, page) = fetched?;
        out.pages += 1;
        out.bytes += bytes;
        let moved = page.next > cursor.after_seq;
        let more_pages = moved && page.next < page.head && out.pages < max_pages;
        let now = Utc::now();
        let keeping = receive::receive_all(store, &node.org_code, peer, page.items, now);
        let batch = if more_pages {
            let (batch, fetched) = tokio::join!(keeping, fetch(node, key, peer, page.next));
            // A failed fetch of the next page is reported after this page is counted and kept.
            next = Some(fetched);
            batch?
        } else {
            keeping.await?
        };
        let (applied, refused) = (out.applied, out.refused);
        out.applied += batch.applied;
        out.already_held += batch.already_held;
        out.refused += batch.refused;
        out.touched.extend(batch.touched);
        let more = |now: u64, before: u64| i64::try_from(now - before).unwrap_or(i64::MAX);
        cursor.applied = cursor.applied.saturating_add(more(out.applied, applied));
        cursor.refused = cursor.refused.saturating_add(more(out.refused, refused));
        cursor.after_seq = cursor.after_seq.max(page.next);
        cursor.head_seq = page.head;
        out.after = cursor.after_seq;
        out.head = page.head;
        store.put_cursor(Line::Read, cursor).await?;
    }
    Ok(())
}

/// Whether `cursor` may be tried now.
pub fn due(cursor: Option<&Cursor>, now: DateTime<Utc>) -> bool {
    cursor.and_then(|c| c.next_attempt_at).is_none_or(|t| t <= now)
}
