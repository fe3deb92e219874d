//! The federation protocol's endpoints (`/federation/v1/...`): called by peer nodes, not by
//! people. Each request is signed by the calling node's key (see `docs/federation.md`).

use axum::Json;
use axum::extract::{OriginalUri, State};
use axum::http::HeaderMap;
use jiuye_app::federation::feed;
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
    let off = || {
        AppError::from(jiuye_app::Error::not_found(
            ErrorCode::FederationOff,
            "本节点尚未设置互联互通（jiuye federation init）",
        ))
    };
    let node = jiuye_app::federation::node(store).await?.ok_or_else(off)?;
    let key = state.settings.keys.node_key().ok_or_else(off)?;
    let path = uri.path_and_query().map_or_else(|| uri.path().to_owned(), |pq| pq.as_str().to_owned());
    let peer = feed::caller(
        store,
        header(&headers, "jiuye-node"),
        header(&headers, "jiuye-date"),
        header(&headers, "jiuye-signature"),
        "GET",
        &path,
        chrono::Utc::now().timestamp(),
    )
    .await
    .inspect_err(
        |e| tracing::warn!(code = %e.code.as_str(), peer = ?header(&headers, "jiuye-node"), "federation feed refused"),
    )?;
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

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(federation_feed))
}
