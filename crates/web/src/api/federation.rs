//! The federation protocol's endpoints (`/federation/v1/...`): called by peer nodes, not by
//! people. Each request is signed by the calling node's key (see `docs/federation.md`).

use axum::Json;
use axum::body::Bytes;
use axum::extract::{OriginalUri, State};
use axum::http::{HeaderMap, Uri};
use jiuye_app::federation::{Peer, feed};
use jiuye_store::federation::FederationNode;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::error::{AppError, ErrorBody, ErrorCode};
use crate::extract::query::ApiQuery;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FeedParams {
    /// Envelopes numbered after this (0 for the start).
    pub after: Option<i64>,
    /// At most this many outbox rows read (1–500, 100 unless given).
    pub limit: Option<i64>,
}

/// A page of this node's outbox as signed envelopes.
#[derive(Debug, Serialize, ToSchema)]
pub struct FeedDto {
    /// `jiuye-federation/1`.
    pub protocol: String,
    /// This node's organisation code.
    pub origin: String,
    /// Envelopes (protocol, kind, origin, origin_key, seq, record, version, body, signature).
    #[schema(value_type = Vec<Object>)]
    pub items: Vec<serde_json::Value>,
    /// Ask `after=next` for the following page.
    pub next: i64,
    /// The greatest number given so far: caught up when `next` reaches it.
    pub head: i64,
}

fn header<'a>(h: &'a HeaderMap, name: &str) -> Option<&'a str> {
    h.get(name).and_then(|v| v.to_str().ok())
}

fn off() -> AppError {
    AppError::from(jiuye_app::Error::not_found(
        ErrorCode::FederationOff,
        "本节点尚未设置互联互通（jiuye federation init）",
    ))
}

/// This node (when set up) and the registered peer whose signature the request carries.
async fn signed_peer(
    state: &AppState,
    headers: &HeaderMap,
    uri: &Uri,
    method: &str,
) -> Result<(FederationNode, Peer), AppError> {
    let store = state.store.as_ref();
    let node = jiuye_app::federation::node(store).await?.ok_or_else(off)?;
    let path = uri.path_and_query().map_or_else(|| uri.path().to_owned(), |pq| pq.as_str().to_owned());
    let peer = feed::caller(
        store,
        header(headers, "jiuye-node"),
        header(headers, "jiuye-date"),
        header(headers, "jiuye-signature"),
        method,
        &path,
        chrono::Utc::now().timestamp(),
    )
    .await
    .inspect_err(|e| {
        tracing::warn!(code = %e.code.as_str(), peer = ?header(headers, "jiuye-node"), path = %uri.path(),
            "federation request refused")
    })?;
    Ok((node, peer))
}

/// This node's outbox after a number: the postings it shares beyond its universities (schema.org
/// `JobPosting`), their tombstones and its blacklistings, as envelopes signed with the node's
/// key, of the kinds this node sends the calling peer. The request must be signed by a
/// registered peer: headers `Jiuye-Node` (its organisation code), `Jiuye-Date` (Unix seconds,
/// within five minutes) and `Jiuye-Signature` (Ed25519, base64, over the request text of
/// `docs/federation.md`).
#[utoipa::path(get, path = "/federation/v1/feed", tag = "federation", params(FeedParams),
    responses((status = 200, description = "A page of signed envelopes", body = FeedDto),
        (status = 401, description = "`unsigned_request`, `unknown_peer`, `invalid_signature`", body = ErrorBody),
        (status = 404, description = "`federation_off`: the node has not been set up for federation", body = ErrorBody)))]
pub async fn federation_feed(
    State(state): State<AppState>,
    headers: HeaderMap,
    OriginalUri(uri): OriginalUri,
    ApiQuery(p): ApiQuery<FeedParams>,
) -> Result<Json<FeedDto>, AppError> {
    let store = state.store.as_ref();
    let (node, peer) = signed_peer(&state, &headers, &uri, "GET").await?;
    let key = state.settings.keys.node_key().ok_or_else(off)?;
    let page =
        feed::page(store, &state.refdata, &node, &key, &peer, p.after.unwrap_or(0), p.limit.unwrap_or(100)).await?;
    let items = page.items.iter().filter_map(|e| serde_json::to_value(e).ok()).collect();
    Ok(Json(FeedDto {
        protocol: jiuye_domain::federation::PROTOCOL.to_owned(),
        origin: node.org_code,
        items,
        next: page.next,
        head: page.head,
    }))
}

/// The most envelopes one push may carry.
pub const MAX_BATCH: usize = 500;

/// What the inbox did with the envelopes pushed.
#[derive(Debug, Serialize, ToSchema)]
pub struct InboxDto {
    /// Kept: new here or newer than the version held.
    pub applied: u64,
    /// This version or a newer one was already held (a replay, a copy also read from the feed).
    pub already_held: u64,
    /// Refused and logged (unsigned, tampered, from an unknown node, not a kind the peer may
    /// send, inconsistent); nothing changed for them.
    pub refused: u64,
}

/// A peer's push: one envelope (a JSON object) or a batch (an array of at most 500), each
/// judged and kept as if read from the peer's feed. Signed like the feed's requests (with
/// method `POST`); each envelope carries its origin's own signature.
#[utoipa::path(post, path = "/federation/v1/inbox", tag = "federation",
    request_body(content = Vec<Object>, description = "Envelopes (or one envelope)", content_type = "application/json"),
    responses((status = 200, description = "What became of the envelopes", body = InboxDto),
        (status = 400, description = "`invalid_envelopes`: not JSON, not an envelope or an array of them, or more than 500", body = ErrorBody),
        (status = 401, description = "`unsigned_request`, `unknown_peer`, `invalid_signature`", body = ErrorBody),
        (status = 404, description = "`federation_off`: the node has not been set up for federation", body = ErrorBody),
        (status = 413, description = "`payload_too_large`", body = ErrorBody)))]
pub async fn federation_inbox(
    State(state): State<AppState>,
    headers: HeaderMap,
    OriginalUri(uri): OriginalUri,
    body: Bytes,
) -> Result<Json<InboxDto>, AppError> {
    let (node, peer) = signed_peer(&state, &headers, &uri, "POST").await?;
    let bad = |m: &str| AppError::from(jiuye_app::Error::bad_input(ErrorCode::InvalidEnvelopes, m.to_owned()));
    let items = match serde_json::from_slice::<serde_json::Value>(&body) {
        Ok(serde_json::Value::Array(items)) => items,
        Ok(one @ serde_json::Value::Object(_)) => vec![one],
        _ => return Err(bad("请求体应为一个信封（JSON 对象）或信封数组")),
    };
    if items.len() > MAX_BATCH {
        return Err(bad("一次最多推送 500 个信封"));
    }
    let store = state.store.as_ref();
    let batch =
        jiuye_app::federation::receive::receive_all(store, &node.org_code, &peer, items, chrono::Utc::now()).await?;
    if !batch.touched.is_empty()
        && let Err(e) = state.search.index.refresh(store, &state.refdata, &batch.touched).await
    {
        tracing::error!(peer = %peer.record.org_code, error = %e.message, "search index not caught up with pushed postings");
    }
    if batch.applied + batch.refused > 0 {
        tracing::info!(peer = %peer.record.org_code, applied = batch.applied, refused = batch.refused,
            "federation inbox received");
    }
    Ok(Json(InboxDto { applied: batch.applied, already_held: batch.already_held, refused: batch.refused }))
}

pub fn router() -> OpenApiRouter<AppState> {
    // A batch of postings may be larger than an ordinary request.
    let inbox = OpenApiRouter::new()
        .routes(routes!(federation_inbox))
        .layer(axum::extract::DefaultBodyLimit::max(jiuye_sheets::MAX_FILE_BYTES));
    OpenApiRouter::new().routes(routes!(federation_feed)).merge(inbox)
}
