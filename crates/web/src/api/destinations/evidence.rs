//! Evidence files and disputes over JSON: uploads recognised by their content, downloads in the read log, a graduate's disputes and the answers of staff in scope.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use jiuye_app::destinations::{disputes, evidence};

use jiuye_store::destinations::{DisputeRecord, EvidenceRecord};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::AppState;
use crate::auth::{AuditEvent, Signed, audited};
use crate::error::{AppError, ErrorBody};
use crate::extract::query::ApiQuery;
use uuid::Uuid;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EvidenceParams {
    /// The proof kind (e.g. `contract`, `offer`, `pay_records`, `statement`, `admission`).
    pub kind: String,
    pub filename: Option<String>,
}

/// Uploads an evidence file (PDF, JPG or PNG, at most 5 MB; the type is read from the content).
/// Files are stored outside the web root under random names.
#[utoipa::path(post, path = "/api/v1/graduates/{id}/evidence", tag = "graduates", params(("id" = Uuid, Path), EvidenceParams),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 201, body = EvidenceDto), (status = 400, description = "`invalid_file`, `invalid_kind`", body = ErrorBody),
        (status = 413, description = "`payload_too_large`", body = ErrorBody), (status = 403, description = "`forbidden`", body = ErrorBody)))]
pub async fn post_evidence(
    State(state): State<AppState>,
    Signed(caller): Signed,
    Path(id): Path<Uuid>,
    ApiQuery(p): ApiQuery<EvidenceParams>,
    body: Bytes,
) -> Response {
    let event = AuditEvent::new("evidence_upload").target(format!("graduate:{id}"), None).detail(p.kind.clone());
    let name = p.filename.unwrap_or_default();
    audited(
        event,
        evidence::add(state.store.as_ref(), &caller.actor, &state.files(), id, &p.kind, &name, &body)
            .await
            .map(|e| (StatusCode::CREATED, Json(EvidenceDto::from(&e))).into_response())
            .map_err(Into::into),
    )
}

/// Downloads an evidence file (for the graduate and the staff who review them). Each read is
/// in the read log.
#[utoipa::path(get, path = "/api/v1/evidence/{id}", tag = "graduates", params(("id" = Uuid, Path)),
    responses((status = 200, description = "The file"), (status = 404, description = "`evidence_not_found`", body = ErrorBody)))]
pub async fn get_evidence(
    State(state): State<AppState>,
    Signed(caller): Signed,
    Path(id): Path<Uuid>,
) -> Result<Response, AppError> {
    let file = evidence::read(state.store.as_ref(), &caller.actor, &state.files(), id, state.reads(&caller)).await?;
    let (e, bytes) = (file.record, file.bytes);
    let mut res = (StatusCode::OK, [(header::CONTENT_TYPE, e.content_type.clone())], bytes).into_response();
    if let Ok(v) = header::HeaderValue::from_str(&format!(
        "attachment; filename=\"evidence\"; filename*=UTF-8''{}",
        crate::render::page::encode_component(&e.original_name)
    )) {
        res.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(res)
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct DisputeRequest {
    #[schema(max_length = 1000)]
    pub text: String,
}

/// The graduate disputes their record (always possible; staff must answer).
#[utoipa::path(post, path = "/api/v1/graduates/{id}/disputes", tag = "graduates", params(("id" = Uuid, Path)), request_body = DisputeRequest,
    responses((status = 201, body = DisputeDto), (status = 403, description = "`forbidden`: only the graduate", body = ErrorBody)))]
pub async fn post_dispute(
    State(state): State<AppState>,
    Signed(caller): Signed,
    Path(id): Path<Uuid>,
    Json(r): Json<DisputeRequest>,
) -> Response {
    let event = AuditEvent::new("dispute_raise").target(format!("graduate:{id}"), None);
    audited(
        event,
        disputes::raise(state.store.as_ref(), &state.settings.keys, &caller.actor, id, &r.text)
            .await
            .map(|d| (StatusCode::CREATED, Json(DisputeDto::from(&d))).into_response())
            .map_err(Into::into),
    )
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct DisputeAnswer {
    #[schema(max_length = 1000)]
    pub answer: String,
}

/// Staff answer a dispute.
#[utoipa::path(post, path = "/api/v1/disputes/{id}/answer", tag = "graduates", params(("id" = Uuid, Path)), request_body = DisputeAnswer,
    responses((status = 204), (status = 404, description = "`dispute_not_found`", body = ErrorBody), (status = 409, description = "`already_answered`", body = ErrorBody)))]
pub async fn post_answer(
    State(state): State<AppState>,
    Signed(caller): Signed,
    Path(id): Path<Uuid>,
    Json(r): Json<DisputeAnswer>,
) -> Response {
    let event = AuditEvent::new("dispute_answer").target(format!("dispute:{id}"), None);
    match disputes::answer(state.store.as_ref(), &state.settings.keys, &caller.actor, id, &r.answer).await {
        Ok(grant) => event.by(&grant).attach(StatusCode::NO_CONTENT.into_response()),
        Err(e) => audited(event, Err(e.into())),
    }
}

/// An open dispute with its graduate.
#[derive(Debug, Serialize, ToSchema)]
pub struct OpenDispute {
    pub dispute: DisputeDto,
    pub graduate_id: Uuid,
    pub student_no: String,
    pub name: String,
    pub college: String,
}

/// Open disputes in the caller's scope, oldest first.
#[utoipa::path(get, path = "/api/v1/disputes", tag = "graduates",
    responses((status = 200, body = Vec<OpenDispute>), (status = 403, description = "`forbidden`", body = ErrorBody)))]
pub async fn list_disputes(
    State(state): State<AppState>,
    Signed(caller): Signed,
) -> Result<Json<Vec<OpenDispute>>, AppError> {
    let rows = disputes::open(state.store.as_ref(), &state.settings.keys, &caller.actor).await?;
    Ok(Json(
        rows.into_iter()
            .map(|(d, g)| OpenDispute {
                dispute: DisputeDto::from(&d),
                graduate_id: g.id,
                student_no: g.student_no,
                name: g.name,
                college: g.college_name,
            })
            .collect(),
    ))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EvidenceDto {
    pub id: Uuid,
    pub kind: String,
    pub original_name: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub uploaded_at: chrono::DateTime<Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DisputeDto {
    pub id: Uuid,
    pub text: String,
    pub status: String,
    pub answer: Option<String>,
    pub created_at: chrono::DateTime<Utc>,
    pub answered_at: Option<chrono::DateTime<Utc>>,
}

impl From<&EvidenceRecord> for EvidenceDto {
    fn from(e: &EvidenceRecord) -> Self {
        EvidenceDto {
            id: e.id,
            kind: e.kind.clone(),
            original_name: e.original_name.clone(),
            content_type: e.content_type.clone(),
            size_bytes: e.size_bytes,
            uploaded_at: e.uploaded_at,
        }
    }
}

impl From<&DisputeRecord> for DisputeDto {
    fn from(d: &DisputeRecord) -> Self {
        DisputeDto {
            id: d.id,
            text: d.text.clone(),
            status: d.status.clone(),
            answer: d.answer.clone(),
            created_at: d.created_at,
            answered_at: d.answered_at,
        }
    }
}
