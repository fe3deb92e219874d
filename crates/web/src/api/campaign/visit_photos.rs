//! Visit photos over JSON: uploads recognised by their content, kept outside anything served directly, read by those who may read the visit.

use crate::error::ErrorCode;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use jiuye_domain::access::{self, Action, Resource};

use jiuye_store::employers::VisitRecord;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::AppState;
use crate::auth::{AuditEvent, Caller, Signed, audited};
use crate::error::unprocessable;
use crate::error::{AppError, ErrorBody};
use crate::extract::query::ApiQuery;
use uuid::Uuid;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PhotoParams {
    pub filename: Option<String>,
}

/// A stored photo.
#[derive(Debug, Serialize, ToSchema)]
pub struct PhotoDto {
    pub id: Uuid,
    pub visit_id: Uuid,
    pub content_type: String,
    pub size_bytes: i64,
}

pub(crate) async fn store_photo(
    state: &AppState,
    caller: &Caller,
    id: Uuid,
    bytes: &[u8],
) -> Result<PhotoDto, AppError> {
    scoped_visit(state, caller, id).await?;
    let content_type = jiuye_app::files::accept(
        bytes,
        |t| t.starts_with("image/"),
        "照片不能超过 5 MB",
        "只接受 JPG 或 PNG 照片（按文件内容判断）",
    )?;
    if state.store.photos_of(id).await?.len() >= 10 {
        return Err(unprocessable(ErrorCode::TooManyPhotos, "每条走访记录最多 10 张照片"));
    }
    let dir = &state.settings.evidence_dir;
    let stored = jiuye_app::files::save(dir, bytes).await?;
    let record = jiuye_store::campaign::PhotoRecord {
        id: Uuid::now_v7(),
        visit_id: id,
        stored_name: stored,
        content_type: content_type.into(),
        size_bytes: bytes.len() as i64,
        sha256: jiuye_security::sha256_hex(bytes),
        uploaded_by: caller.user.id,
        uploaded_at: chrono::Utc::now(),
    };
    if let Err(e) = state.store.add_photo(&record).await {
        jiuye_app::files::discard(dir, &record.stored_name).await;
        return Err(e.into());
    }
    Ok(PhotoDto { id: record.id, visit_id: id, content_type: record.content_type, size_bytes: record.size_bytes })
}

/// Attaches a photo (JPG or PNG, at most 5 MB, at most 10 per visit) as evidence of a visit.
#[utoipa::path(post, path = "/api/v1/visits/{id}/photos", tag = "campaigns", params(("id" = Uuid, Path), PhotoParams),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 201, body = PhotoDto), (status = 400, description = "`invalid_file`", body = ErrorBody),
        (status = 413, description = "`payload_too_large`", body = ErrorBody),
        (status = 404, description = "`visit_not_found` (also outside the caller's scope)", body = ErrorBody)))]
pub async fn post_photo(
    State(state): State<AppState>,
    Signed(caller): Signed,
    Path(id): Path<Uuid>,
    ApiQuery(_p): ApiQuery<PhotoParams>,
    body: axum::body::Bytes,
) -> Response {
    let event = AuditEvent::new("visit_photo_upload").target(format!("visit:{id}"), None);
    audited(
        event,
        store_photo(&state, &caller, id, &body).await.map(|p| (StatusCode::CREATED, Json(p)).into_response()),
    )
}

/// A visit photo, for those who may see the visit.
#[utoipa::path(get, path = "/api/v1/visit-photos/{id}", tag = "campaigns", params(("id" = Uuid, Path)),
    responses((status = 200, description = "The image"), (status = 404, description = "`photo_not_found`", body = ErrorBody)))]
pub async fn get_photo(
    State(state): State<AppState>,
    Signed(caller): Signed,
    Path(id): Path<Uuid>,
) -> Result<Response, AppError> {
    let missing = || AppError::not_found(ErrorCode::PhotoNotFound, "找不到该照片");
    let p = state.store.photo(id).await?.ok_or_else(missing)?;
    let v = state.store.visit(p.visit_id).await?.ok_or_else(missing)?;
    let (_, _, path) = state.store.org_position(v.unit_id).await?.ok_or_else(missing)?;
    let r = Resource::at(&path);
    if access::can(&caller.actor, Action::LogVisit, &r).is_none()
        && access::can(&caller.actor, Action::ViewStatistics, &r).is_none()
    {
        return Err(missing());
    }
    let bytes = tokio::fs::read(state.settings.evidence_dir.join(&p.stored_name)).await.map_err(|_| missing())?;
    Ok((StatusCode::OK, [(axum::http::header::CONTENT_TYPE, p.content_type)], bytes).into_response())
}

/// Loads a visit the caller may act on; 404 for one outside their scope, as for a missing one.
pub(crate) async fn scoped_visit(
    state: &AppState,
    caller: &Caller,
    id: Uuid,
) -> Result<(VisitRecord, String), AppError> {
    let missing = || AppError::not_found(ErrorCode::VisitNotFound, "没有这条走访记录");
    let v = state.store.visit(id).await?.ok_or_else(missing)?;
    let (_, _, path) = state.store.org_position(v.unit_id).await?.ok_or_else(missing)?;
    access::can(&caller.actor, Action::LogVisit, &Resource::at(&path)).ok_or_else(missing)?;
    Ok((v, path))
}
