//! The node's peers for people (`/api/v1/federation/...`): the node's administrators register
//! and remove the nodes it federates with, as `jiuye federation peer ...` does from the shell;
//! those who may read the audit log see them with how far delivery has come.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use jiuye_app::federation::PeerStatus;
use jiuye_app::federation::peers::{self, PeerForm};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::auth::{AuditEvent, Signed, audited};
use crate::error::{AppError, ErrorBody};

/// How far one direction of delivery with a peer has come.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryDto {
    /// The last sequence number kept (read from the peer's feed, or pushed to its inbox).
    pub after_seq: i64,
    /// Envelopes not delivered yet, as of the last attempt.
    pub lag: i64,
    pub applied: i64,
    pub refused: i64,
    /// Failures in a row (backing off while above zero).
    pub failures: i32,
    pub last_success_at: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
}

/// A registered peer.
#[derive(Debug, Serialize, ToSchema)]
pub struct PeerDto {
    /// The peer's organisation code.
    pub org: String,
    pub url: String,
    /// Its Ed25519 public key (base64).
    pub key: String,
    /// `parent`, `child` or `sibling`.
    pub relation: String,
    /// What the peer may send here.
    pub receive: Vec<String>,
    /// What this node sends it.
    pub send: Vec<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Reading its feed (absent until first read).
    pub read: Option<DeliveryDto>,
    /// Pushing to its inbox (absent until first pushed).
    pub push: Option<DeliveryDto>,
}

fn delivery(c: Option<&jiuye_store::received::Cursor>, lag: i64) -> Option<DeliveryDto> {
    c.map(|c| DeliveryDto {
        after_seq: c.after_seq,
        lag,
        applied: c.applied,
        refused: c.refused,
        failures: c.failures,
        last_success_at: c.last_success_at,
        last_error: c.last_error.clone(),
    })
}

fn peer_dto(p: &PeerStatus, head: i64) -> PeerDto {
    let ids = |list: &[jiuye_domain::federation::Kind]| list.iter().map(|k| k.id().to_owned()).collect();
    let r = &p.peer.record;
    PeerDto {
        org: r.org_code.clone(),
        url: r.base_url.clone(),
        key: r.public_key.clone(),
        relation: r.relation.clone(),
        receive: ids(&p.peer.receive),
        send: ids(&p.peer.send),
        created_at: r.created_at,
        updated_at: r.updated_at,
        read: delivery(p.cursor.as_ref(), p.lag()),
        push: delivery(p.push.as_ref(), p.push_lag(head)),
    }
}

/// This node and its peers.
#[derive(Debug, Serialize, ToSchema)]
pub struct FederationDto {
    /// This node's organisation code, when set up (`jiuye federation init`).
    pub org: Option<String>,
    pub url: Option<String>,
    /// This node's public key, to give to the administrators of its peers.
    pub key: Option<String>,
    /// The greatest sequence number of this node's outbox.
    pub head: i64,
    /// Whether the caller may register and remove peers.
    pub may_manage: bool,
    pub peers: Vec<PeerDto>,
}

/// This node's federation: its identity and each peer with how far delivery has come (those who
/// may read the audit log).
#[utoipa::path(get, path = "/api/v1/federation/peers", tag = "federation",
    responses((status = 200, description = "This node and its peers", body = FederationDto),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 403, description = "`forbidden`", body = ErrorBody)))]
pub async fn list_peers(
    State(state): State<AppState>,
    Signed(caller): Signed,
) -> Result<Json<FederationDto>, AppError> {
    let store = state.store.as_ref();
    let (node, head, list) = jiuye_app::federation::overview(store, &caller.actor).await?;
    let may_manage = peers::may_manage(store, &caller.actor).await?;
    let key = state.settings.keys.node_key().map(|k| k.public());
    Ok(Json(FederationDto {
        org: node.as_ref().map(|n| n.org_code.clone()),
        url: node.as_ref().map(|n| n.base_url.clone()),
        key: node.as_ref().and(key),
        head,
        may_manage,
        peers: list.iter().map(|p| peer_dto(p, head)).collect(),
    }))
}

/// A peer to register.
#[derive(Debug, Deserialize, ToSchema)]
pub struct PeerRequest {
    /// The peer's organisation code: the nation (`000000`), a province (`510000`) or a
    /// university's 10-digit code.
    pub org: String,
    /// Its public base URL (`http://` or `https://`).
    pub url: String,
    /// Its public key, as `jiuye federation id` prints it there.
    pub key: String,
    /// `parent`, `child` or `sibling`.
    pub relation: String,
    /// What it may send here (`posting`, `tombstone`, `event`, `blacklist`, `aggregate`,
    /// `campaign`, `node_key`); by relation when absent.
    pub receive: Option<Vec<String>>,
    /// What this node sends it; by relation when absent.
    pub send: Option<Vec<String>>,
}

async fn shown(state: &AppState, org: &str) -> Result<PeerDto, AppError> {
    let (_, head, list) = jiuye_app::federation::status(state.store.as_ref()).await?;
    list.iter().find(|p| p.peer.record.org_code == org).map(|p| peer_dto(p, head)).ok_or_else(|| {
        AppError::from(jiuye_app::Error::not_found(crate::error::ErrorCode::PeerNotFound, "互联节点不存在"))
    })
}

/// Registers a peer, or replaces the one with the same code (the administrators of the
/// organisation this node serves). A `child` peer's key is vouched for to the other peers.
#[utoipa::path(post, path = "/api/v1/federation/peers", tag = "federation", request_body = PeerRequest,
    responses((status = 201, description = "Registered", body = PeerDto),
        (status = 200, description = "Replaced the peer with the same code", body = PeerDto),
        (status = 400, description = "`invalid_org_code`, `invalid_url`, `invalid_peer`", body = ErrorBody),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 403, description = "`forbidden`", body = ErrorBody),
        (status = 404, description = "`federation_off`: the node has not been set up for federation", body = ErrorBody)))]
pub async fn add_peer(
    State(state): State<AppState>,
    Signed(caller): Signed,
    Json(body): Json<PeerRequest>,
) -> Result<Response, AppError> {
    let receive = body.receive.as_ref().map(|l| l.join(","));
    let send = body.send.as_ref().map(|l| l.join(","));
    let form = PeerForm {
        org: &body.org,
        url: &body.url,
        key: &body.key,
        relation: &body.relation,
        receive: receive.as_deref(),
        send: send.as_deref(),
    };
    let event = AuditEvent::new("federation_peer_add").target(body.org.trim().to_owned(), None);
    match peers::register(state.store.as_ref(), &caller.actor, &form).await {
        Ok(r) => {
            let status = if r.new { StatusCode::CREATED } else { StatusCode::OK };
            let dto = shown(&state, &r.peer.record.org_code).await?;
            Ok(event.by(&r.grant).detail(r.detail).attach((status, Json(dto)).into_response()))
        }
        Err(e) => Ok(audited(event, Err(e.into()))),
    }
}

/// Removes a peer: nothing more is read from it or pushed to it (what it sent stays).
#[utoipa::path(delete, path = "/api/v1/federation/peers/{org}", tag = "federation",
    params(("org" = String, Path, description = "The peer's organisation code")),
    responses((status = 204, description = "Removed"),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 403, description = "`forbidden`", body = ErrorBody),
        (status = 404, description = "`peer_not_found`, `federation_off`", body = ErrorBody)))]
pub async fn remove_peer(
    State(state): State<AppState>,
    Signed(caller): Signed,
    Path(org): Path<String>,
) -> Result<Response, AppError> {
    let event = AuditEvent::new("federation_peer_remove").target(org.trim().to_owned(), None);
    match peers::unregister(state.store.as_ref(), &caller.actor, &org).await {
        Ok((org, grant)) => {
            Ok(event.by(&grant).detail(format!("删除互联节点 {org}")).attach(StatusCode::NO_CONTENT.into_response()))
        }
        Err(e) => Ok(audited(event, Err(e.into()))),
    }
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_peers, add_peer)).routes(routes!(remove_peer))
}
