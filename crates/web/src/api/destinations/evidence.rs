//! Evidence files and disputes over JSON: uploads recognised by their content, downloads audited, a graduate's disputes and the answers of staff in scope.

use crate::error::ErrorCode;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use jiuye_domain::access::{self, Action, Resource, ScopedGrant};
use jiuye_domain::destination::ProofKind;

use jiuye_store::destinations::{DisputeRecord, EvidenceRecord};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::AppState;
use crate::auth::{AuditEvent, Caller, Signed, audited, forbidden};
use crate::error::{AppError, ErrorBody};
use crate::extract::query::ApiQuery;
use uuid::Uuid;

pub(crate) async fn store_evidence(
    state: &AppState,
    caller: &Caller,
    id: Uuid,
    kind: &str,
    file_name: &str,
    bytes: &[u8],
) -> Result<EvidenceDto, AppError> {
    let g = jiuye_app::destinations::visible_graduate(state.store.as_ref(), &caller.actor, id).await?;
    jiuye_app::destinations::allowed(&caller.actor, Action::RegisterDestination, &g)?;
    let content_type = jiuye_app::files::accept(
        bytes,
        |_| true,
        "证明材料不能超过 5 MB",
        "只接受 PDF、JPG 或 PNG 文件（按文件内容判断）",
    )?;
    let kind = ProofKind::from_id(kind)
        .ok_or_else(|| AppError::bad_request(ErrorCode::InvalidKind, format!("证明材料类型“{kind}”无效")))?;
    let dir = &state.settings.evidence_dir;
    let stored = jiuye_app::files::save(dir, bytes).await?;
    let original: String = file_name.chars().filter(|c| !c.is_control() && *c != '/' && *c != '\\').take(120).collect();
    let record = EvidenceRecord {
        id: Uuid::now_v7(),
        graduate_id: id,
        org_id: g.graduate.org_id,
        kind: kind.id().into(),
        stored_name: stored,
        original_name: if original.is_empty() { "证明材料".into() } else { original },
        content_type: content_type.into(),
        size_bytes: bytes.len() as i64,
        sha256: jiuye_security::sha256_hex(bytes),
        uploaded_by: Some(caller.user.id),
        uploaded_at: Utc::now(),
    };
    if let Err(e) = state.store.add_evidence(&record).await {
        jiuye_app::files::discard(dir, &record.stored_name).await;
        return Err(e.into());
    }
    Ok(EvidenceDto {
        id: record.id,
        kind: record.kind,
        original_name: record.original_name,
        content_type: record.content_type,
        size_bytes: record.size_bytes,
        uploaded_at: record.uploaded_at,
    })
}

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
        store_evidence(&state, &caller, id, &p.kind, &name, &body)
            .await
            .map(|e| (StatusCode::CREATED, Json(e)).into_response()),
    )
}

/// Downloads an evidence file (for the graduate and the staff who review them). Each read is
/// audited.
#[utoipa::path(get, path = "/api/v1/evidence/{id}", tag = "graduates", params(("id" = Uuid, Path)),
    responses((status = 200, description = "The file"), (status = 404, description = "`evidence_not_found`", body = ErrorBody)))]
pub async fn get_evidence(
    State(state): State<AppState>,
    Signed(caller): Signed,
    Path(id): Path<Uuid>,
) -> Result<Response, AppError> {
    let missing = || AppError::not_found(ErrorCode::EvidenceNotFound, "找不到该证明材料");
    let e = state.store.evidence(id).await?.ok_or_else(missing)?;
    jiuye_app::destinations::visible_graduate(state.store.as_ref(), &caller.actor, e.graduate_id)
        .await
        .map_err(|_| missing())?;
    let bytes = tokio::fs::read(state.settings.evidence_dir.join(&e.stored_name)).await.map_err(|_| missing())?;
    let mut res = (StatusCode::OK, [(header::CONTENT_TYPE, e.content_type.clone())], bytes).into_response();
    if let Ok(v) = header::HeaderValue::from_str(&format!(
        "attachment; filename=\"evidence\"; filename*=UTF-8''{}",
        crate::render::page::encode_component(&e.original_name)
    )) {
        res.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(AuditEvent::new("evidence_read").target(format!("graduate:{}", e.graduate_id), None).attach(res))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct DisputeRequest {
    pub text: String,
}

pub(crate) async fn raise_dispute(
    state: &AppState,
    caller: &Caller,
    id: Uuid,
    text: &str,
) -> Result<DisputeDto, AppError> {
    let g = jiuye_app::destinations::visible_graduate(state.store.as_ref(), &caller.actor, id).await?;
    jiuye_app::destinations::allowed(&caller.actor, Action::ConfirmOwnRecord, &g)?;
    let text = text.trim();
    if text.is_empty() || text.chars().count() > 1000 {
        return Err(AppError::bad_request(ErrorCode::InvalidText, "请写明异议内容（不超过 1000 字）"));
    }
    let d = DisputeRecord {
        id: Uuid::now_v7(),
        graduate_id: id,
        org_id: g.graduate.org_id,
        text: text.to_owned(),
        status: "open".into(),
        answer: None,
        answered_by: None,
        created_at: Utc::now(),
        answered_at: None,
    };
    state.store.add_dispute(&d).await?;
    Ok(DisputeDto::from(&d))
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
        raise_dispute(&state, &caller, id, &r.text).await.map(|d| (StatusCode::CREATED, Json(d)).into_response()),
    )
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct DisputeAnswer {
    pub answer: String,
}

pub(crate) async fn answer(state: &AppState, caller: &Caller, id: Uuid, text: &str) -> Result<ScopedGrant, AppError> {
    let missing = || AppError::not_found(ErrorCode::DisputeNotFound, "找不到该异议");
    let d = state.store.dispute(id).await?.ok_or_else(missing)?;
    let g = state.store.graduate_view(d.graduate_id).await?.ok_or_else(missing)?;
    let grant = access::can(&caller.actor, Action::AnswerDispute, &Resource::at(&g.programme_path))
        .ok_or_else(missing)?
        .clone();
    let text = text.trim();
    if text.is_empty() || text.chars().count() > 1000 {
        return Err(AppError::bad_request(ErrorCode::InvalidText, "请写明答复内容（不超过 1000 字）"));
    }
    if !state.store.answer_dispute(id, text, caller.user.id).await? {
        return Err(AppError::new(StatusCode::CONFLICT, ErrorCode::AlreadyAnswered, "该异议已答复"));
    }
    Ok(grant)
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
    match answer(&state, &caller, id, &r.answer).await {
        Ok(grant) => event.by(&grant).attach(StatusCode::NO_CONTENT.into_response()),
        Err(e) => audited(event, Err(e)),
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
    let scope = access::scope_paths(&caller.actor, Action::AnswerDispute);
    if scope.is_empty() {
        return Err(forbidden());
    }
    let rows = state.store.open_disputes(&scope).await?;
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
