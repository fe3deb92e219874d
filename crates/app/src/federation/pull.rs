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
use http_body_util::{BodyExt, Empty, Limited};
use hyper::body::Bytes;
use jiuye_domain::federation::envelope::Envelope;
use jiuye_security::signing::NodeKey;
use jiuye_store::Repository;
use jiuye_store::federation::FederationNode;
use jiuye_store::received::Cursor;
use uuid::Uuid;

use super::Peer;
use super::receive::{self, Outcome};
use crate::error::Error;

/// How long a process holds a peer's cursor before another may take over (renewed each round;
/// a process that stops without handing over is replaced after this).
pub const HOLD_FOR: Duration = Duration::from_secs(30);
/// The longest wait after failures.
const MAX_BACKOFF_SECS: i64 = 600;
/// How long one request may take.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// The largest page accepted.
const MAX_PAGE_BYTES: usize = 64 << 20;
/// Envelopes asked for per page.
const PAGE: i64 = 500;

/// What one pull of a peer did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Pulled {
    pub pages: u64,
    pub applied: u64,
    pub already_held: u64,
    pub refused: u64,
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

fn failed(message: impl Into<String>) -> Error {
    Error::unavailable(crate::ErrorCode::FederationUnreachable, message)
}

/// `GET url` signed as `node`; the status and the body (at most [`MAX_PAGE_BYTES`]).
async fn signed_get(node: &FederationNode, key: &NodeKey, base_url: &str, path: &str) -> Result<(u16, Bytes), Error> {
    let Some(rest) = base_url.strip_prefix("http://") else {
        return Err(failed(format!("{base_url}: only http:// peers can be reached (put TLS in front of the node)")));
    };
    let authority = rest.split('/').next().unwrap_or(rest).to_owned();
    let date = Utc::now().timestamp();
    let text = jiuye_domain::federation::request_text("GET", path, date, &node.org_code);
    let request = hyper::Request::get(path)
        .header(hyper::header::HOST, &authority)
        .header("jiuye-node", &node.org_code)
        .header("jiuye-date", date.to_string())
        .header("jiuye-signature", key.sign(text.as_bytes()))
        .header(hyper::header::ACCEPT, "application/json")
        .body(Empty::<Bytes>::new())
        .map_err(|e| failed(format!("request: {e}")))?;
    let work = async {
        let addr = if authority.contains(':') { authority.clone() } else { format!("{authority}:80") };
        let stream = tokio::net::TcpStream::connect(&addr).await.map_err(|e| failed(format!("{addr}: {e}")))?;
        let (mut sender, conn) = hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream))
            .await
            .map_err(|e| failed(format!("{addr}: {e}")))?;
        tokio::spawn(async move {
            let _ = conn.await;
        });
        let res = sender.send_request(request).await.map_err(|e| failed(format!("{addr}: {e}")))?;
        let status = res.status().as_u16();
        let body = Limited::new(res.into_body(), MAX_PAGE_BYTES)
            .collect()
            .await
            .map_err(|e| failed(format!("{addr}: body: {e}")))?
            .to_bytes();
        Ok::<_, Error>((status, body))
    };
    tokio::time::timeout(REQUEST_TIMEOUT, work).await.map_err(|_| failed(format!("{base_url}: no answer in 30 s")))?
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
    let mut cursor = store.cursor(&org).await?.unwrap_or_else(|| Cursor { peer_org: org.clone(), ..Cursor::default() });
    let mut out = Pulled { after: cursor.after_seq, head: cursor.head_seq, ..Pulled::default() };
    let result = pages(store, node, key, peer, &mut cursor, &mut out, max_pages).await;
    let now = Utc::now();
    cursor.last_attempt_at = Some(now);
    match &result {
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
            tracing::warn!(peer = %org, failures = cursor.failures, error = %e.message, "federation pull failed");
        }
    }
    store.put_cursor(&cursor).await?;
    result.map(|()| out)
}

async fn pages(
    store: &dyn Repository,
    node: &FederationNode,
    key: &NodeKey,
    peer: &Peer,
    cursor: &mut Cursor,
    out: &mut Pulled,
    max_pages: u64,
) -> Result<(), Error> {
    while out.pages < max_pages {
        let path = format!("/federation/v1/feed?after={}&limit={PAGE}", cursor.after_seq);
        let (status, body) = signed_get(node, key, &peer.record.base_url, &path).await?;
        if status != 200 {
            let head: String = String::from_utf8_lossy(&body).chars().take(300).collect();
            return Err(failed(format!("{}{path}: HTTP {status} {head}", peer.record.base_url)));
        }
        let page = FeedPage::read(&body)?;
        out.pages += 1;
        let now = Utc::now();
        let (applied, refused) = (out.applied, out.refused);
        for item in page.items {
            let outcome = match serde_json::from_value::<Envelope>(item) {
                Ok(e) => {
                    let (o, touched) = receive::receive(store, &node.org_code, peer, &e, now).await?;
                    out.touched.extend(touched);
                    o
                }
                Err(_) => Outcome::Refused(jiuye_domain::federation::envelope::Refusal::Malformed),
            };
            match outcome {
                Outcome::Applied => out.applied += 1,
                Outcome::AlreadyHeld => out.already_held += 1,
                Outcome::Refused(_) => out.refused += 1,
            }
        }
        let more = |now: u64, before: u64| i64::try_from(now - before).unwrap_or(i64::MAX);
        cursor.applied = cursor.applied.saturating_add(more(out.applied, applied));
        cursor.refused = cursor.refused.saturating_add(more(out.refused, refused));
        let moved = page.next > cursor.after_seq;
        cursor.after_seq = cursor.after_seq.max(page.next);
        cursor.head_seq = page.head;
        out.after = cursor.after_seq;
        out.head = page.head;
        store.put_cursor(cursor).await?;
        if !moved || cursor.after_seq >= page.head {
            break;
        }
    }
    Ok(())
}

/// Whether `cursor` may be tried now.
pub fn due(cursor: Option<&Cursor>, now: DateTime<Utc>) -> bool {
    cursor.and_then(|c| c.next_attempt_at).is_none_or(|t| t <= now)
}
