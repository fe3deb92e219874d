//! Applications that cross nodes, with the graduate's consent
//! (`jiuye_app::federation::deliver`): the graduate's side (what would be sent, applying, their
//! list), the employer's list on the posting's node, and the node endpoint that receives them.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{OriginalUri, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use jiuye_app::federation::deliver::{self, Consent};
use jiuye_domain::federation::delivery::{Applicant, RemoteApplication};
use jiuye_store::deliveries::Delivery;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::AppState;
use crate::api::stats_federated::stamp;
use crate::auth::{AuditEvent, Signed, audited};
use crate::error::{AppError, ErrorBody};

/// Who applies, as sent.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApplicantDto {
    pub name: String,
    pub university: String,
    pub college: String,
    pub major: String,
    pub education: String,
    pub cohort: i32,
    pub phone: String,
    pub email: String,
    pub note: String,
}

impl From<&Applicant> for ApplicantDto {
    fn from(a: &Applicant) -> ApplicantDto {
        ApplicantDto {
            name: a.name.clone(),
            university: a.university.clone(),
            college: a.college.clone(),
            major: a.major.clone(),
            education: a.education.clone(),
            cohort: a.cohort,
            phone: a.phone.clone(),
            email: a.email.clone(),
            note: a.note.clone(),
        }
    }
}

/// What applying to another node's posting sends, and the consent it needs.
#[derive(Debug, Serialize, ToSchema)]
pub struct OfferDto {
    pub posting: Uuid,
    pub title: String,
    pub employer_name: String,
    /// The node the application goes to.
    pub origin: String,
    /// The text the graduate agrees to by sending `consent: true`.
    pub consent: String,
    /// Who they are as it would be sent (contact and note are what they type).
    pub applicant: ApplicantDto,
}

/// An application to another node's posting as typed.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct RemoteApplyInput {
    /// Must be true: the graduate agrees to the offer's consent text.
    #[serde(default)]
    pub consent: bool,
    /// A mobile number and/or an e-mail address (at least one).
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    #[schema(max_length = 500)]
    pub note: String,
}

/// An application to another node's posting, as its sender sees it.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryDto {
    pub id: Uuid,
    pub posting: Uuid,
    pub title: String,
    pub employer_name: String,
    pub origin: String,
    /// `pending` (to be sent, or being retried), `delivered`, `refused` (the node said no, for
    /// good: see `last_error`).
    pub state: String,
    pub attempts: i32,
    pub last_error: Option<String>,
    pub created_at: String,
    pub delivered_at: Option<String>,
}

pub(crate) fn delivery_dto(d: &Delivery) -> DeliveryDto {
    DeliveryDto {
        id: d.id,
        posting: d.posting,
        title: d.title.clone(),
        employer_name: d.employer_name.clone(),
        origin: d.origin.clone(),
        state: d.state.clone(),
        attempts: d.attempts,
        last_error: d.last_error.clone(),
        created_at: stamp(d.created_at),
        delivered_at: d.delivered_at.map(stamp),
    }
}

/// What applying to another node's posting would send, and the consent to give.
#[utoipa::path(get, path = "/api/v1/postings/{id}/remote-offer", tag = "applications", params(("id" = Uuid, Path)),
    responses((status = 200, description = "What would be sent", body = OfferDto),
        (status = 401, description = "`unauthenticated`", body = ErrorBody), (status = 403, description = "`forbidden`", body = ErrorBody),
        (status = 404, description = "`posting_not_found`: not another node's posting the caller sees", body = ErrorBody),
        (status = 422, description = "`posting_closed`", body = ErrorBody)))]
pub async fn remote_offer(
    State(state): State<AppState>,
    Signed(caller): Signed,
    Path(id): Path<Uuid>,
) -> Result<Json<OfferDto>, AppError> {
    let o = deliver::offer(&state.postings(), &caller.actor, id).await?;
    Ok(Json(OfferDto {
        posting: id,
        title: o.posting.posting.title.clone(),
        employer_name: o.posting.employer_name.clone(),
        origin: o.origin,
        consent: o.consent,
        applicant: ApplicantDto::from(&o.applicant),
    }))
}

/// Applies to another node's posting: with `consent: true`, the application (the offer's
/// applicant with the contact and note typed) is kept sealed and sent straight to the
/// posting's node; nothing is sent without consent.
#[utoipa::path(post, path = "/api/v1/postings/{id}/remote-applications", tag = "applications", params(("id" = Uuid, Path)),
    request_body = RemoteApplyInput,
    responses((status = 201, description = "Kept for delivery", body = DeliveryDto),
        (status = 400, description = "`invalid_json`", body = ErrorBody),
        (status = 401, description = "`unauthenticated`", body = ErrorBody), (status = 403, description = "`forbidden`", body = ErrorBody),
        (status = 404, description = "`posting_not_found`", body = ErrorBody),
        (status = 409, description = "`already_applied`", body = ErrorBody),
        (status = 422, description = "`invalid_consent`, `invalid_contact`, `invalid_text`, `posting_closed`, `federation_off`", body = ErrorBody)))]
pub async fn remote_apply(
    State(state): State<AppState>,
    Signed(caller): Signed,
    Path(id): Path<Uuid>,
    Json(input): Json<RemoteApplyInput>,
) -> Response {
    let audit = AuditEvent::new("remote_application").target(format!("posting:{id}"), None);
    let typed = Consent { consent: input.consent, phone: &input.phone, email: &input.email, note: &input.note };
    let postings = state.postings();
    match deliver::apply(&postings, &state.settings.keys, &caller.actor, id, &typed, chrono::Utc::now()).await {
        Ok(d) => audit
            .detail(format!("delivery:{} origin:{}", d.id, d.origin))
            .attach((StatusCode::CREATED, Json(delivery_dto(&d))).into_response()),
        Err(e) => audited(audit, Err(e.into())),
    }
}

/// The caller's applications to other nodes' postings (a graduate's), newest first.
#[utoipa::path(get, path = "/api/v1/me/remote-applications", tag = "applications",
    responses((status = 200, description = "Newest first", body = Vec<DeliveryDto>),
        (status = 401, description = "`unauthenticated`", body = ErrorBody), (status = 403, description = "`forbidden`", body = ErrorBody)))]
pub async fn my_remote_applications(
    State(state): State<AppState>,
    Signed(caller): Signed,
) -> Result<Json<Vec<DeliveryDto>>, AppError> {
    let list = deliver::mine(state.store.as_ref(), &caller.actor).await?;
    Ok(Json(list.iter().map(delivery_dto).collect()))
}

/// An application that arrived from another node.
#[derive(Debug, Serialize, ToSchema)]
pub struct ArrivedDto {
    pub id: Uuid,
    /// The graduate's node.
    pub from_node: String,
    pub applicant: ApplicantDto,
    /// The consent the graduate gave, and when.
    pub consent: String,
    pub consented_at: String,
    pub received_at: String,
}

/// The applications other nodes delivered for one of the caller's postings (its employer).
#[utoipa::path(get, path = "/api/v1/postings/{id}/remote-applications", tag = "applications", params(("id" = Uuid, Path)),
    responses((status = 200, description = "Oldest first", body = Vec<ArrivedDto>),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 404, description = "`posting_not_found`", body = ErrorBody),
        (status = 409, description = "`storage_corrupt`", body = ErrorBody)))]
pub async fn arrived_applications(
    State(state): State<AppState>,
    Signed(caller): Signed,
    Path(id): Path<Uuid>,
) -> Result<Json<Vec<ArrivedDto>>, AppError> {
    let list = deliver::arrived_for(state.store.as_ref(), &state.settings.keys, &caller.actor, id).await?;
    Ok(Json(list.iter().map(|(a, app)| arrived_dto(a, app)).collect()))
}

pub(crate) fn arrived_dto(a: &jiuye_store::deliveries::Arrived, app: &RemoteApplication) -> ArrivedDto {
    ArrivedDto {
        id: a.id,
        from_node: a.from_node.clone(),
        applicant: ApplicantDto::from(&app.applicant),
        consent: app.consent.clone(),
        consented_at: stamp(app.consented_at),
        received_at: stamp(a.received_at),
    }
}

/// What the posting's node said of a delivered application.
#[derive(Debug, Serialize, ToSchema)]
pub struct ArrivalDto {
    /// False when this application was held already (a repeat).
    pub new: bool,
}

/// A node delivers a graduate's application (a `RemoteApplication`) for one of this node's
/// open, shared postings. Signed like the feed's requests (method `POST`); the signed path
/// carries `digest`, the SHA-256 of the body in hex. The sender must be a registered peer or a
/// node a peer vouched for.
#[utoipa::path(post, path = "/federation/v1/applications", tag = "federation",
    params(("digest" = String, Query, description = "SHA-256 of the body, hex")),
    request_body(content = Object, description = "A RemoteApplication", content_type = "application/json"),
    responses((status = 201, description = "Kept", body = ArrivalDto), (status = 200, description = "Held already", body = ArrivalDto),
        (status = 401, description = "`unsigned_request`, `unknown_peer`, `invalid_signature`", body = ErrorBody),
        (status = 404, description = "`posting_not_found`", body = ErrorBody),
        (status = 422, description = "`invalid_application`, `posting_closed`", body = ErrorBody)))]
pub async fn federation_applications(
    State(state): State<AppState>,
    headers: HeaderMap,
    OriginalUri(uri): OriginalUri,
    body: Bytes,
) -> Result<(StatusCode, Json<ArrivalDto>), AppError> {
    let header = |n: &str| headers.get(n).and_then(|v| v.to_str().ok());
    let path_and_query = uri.path_and_query().map(|p| p.as_str()).unwrap_or(uri.path());
    let digest = uri.query().and_then(|q| q.split('&').find_map(|kv| kv.strip_prefix("digest=")));
    let signed = deliver::Signed {
        org: header("jiuye-node"),
        date: header("jiuye-date"),
        signature: header("jiuye-signature"),
        path_and_query,
        digest,
        body: &body,
    };
    let new = deliver::arrive(state.store.as_ref(), &state.settings.keys, &signed, chrono::Utc::now()).await?;
    Ok((if new { StatusCode::CREATED } else { StatusCode::OK }, Json(ArrivalDto { new })))
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(remote_offer))
        .routes(routes!(remote_apply, arrived_applications))
        .routes(routes!(my_remote_applications))
        .routes(routes!(federation_applications))
}
