//! Visit photos over JSON: uploads recognised by their content, kept outside anything served
//! directly, read by those who may read the visit (the use cases are
//! `jiuye_app::campaign::photos`).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::AppState;
use crate::auth::{AuditEvent, Caller, Signed, audited};
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

/// Attaches a photo to a visit (the API and the visit page).
pub(crate) async fn store_photo(
    state: &AppState,
    caller: &Caller,
    id: Uuid,
    bytes: &[u8],
) -> Result<PhotoDto, AppError> {
    let store = state.store.as_ref();
    let p = jiuye_app::campaign::photos::add(store, &caller.actor, &state.files(), id, bytes).await?;
    Ok(PhotoDto { id: p.id, visit_id: p.visit_id, content_type: p.content_type, size_bytes: p.size_bytes })
}

/// The audit entry of uploading a photo to a visit.
pub(crate) fn upload_event(id: Uuid) -> AuditEvent {
    AuditEvent::new("visit_photo_upload").target(format!("visit:{id}"), None)
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
    audited(
        upload_event(id),
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
    let photo = jiuye_app::campaign::photos::read(state.store.as_ref(), &caller.actor, &state.files(), id).await?;
    Ok((StatusCode::OK, [(axum::http::header::CONTENT_TYPE, photo.content_type)], photo.bytes).into_response())
}
