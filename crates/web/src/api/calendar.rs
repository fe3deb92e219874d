//! A person's calendar feed over HTTP: the secret address (shown, renewed, revoked by its owner)
//! and the feed itself (`text/calendar`, RFC 5545), which calendar applications read without a
//! cookie: the address is the credential.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use jiuye_app::calendar::Calendar;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::auth::{AuditEvent, Signed, audited};
use crate::error::{AppError, ErrorBody};

impl AppState {
    /// The calendar use cases on this node, now.
    pub fn calendar(&self) -> Calendar<'_> {
        Calendar { store: self.store.as_ref(), keys: &self.settings.keys, now: chrono::Utc::now() }
    }
}

/// The address of a feed.
#[derive(Debug, Serialize, ToSchema)]
pub struct CalendarFeed {
    /// The full address to paste into a calendar application (keep it secret: whoever has it
    /// reads the feed).
    pub url: String,
    /// The same, without the scheme and host.
    pub path: String,
}

/// The scheme and host the caller reached this node by.
pub(crate) fn origin(headers: &HeaderMap) -> String {
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("127.0.0.1:8080");
    let scheme = headers
        .get("x-forwarded-proto")
        .and_then(|h| h.to_str().ok())
        .filter(|p| *p == "https" || *p == "http")
        .unwrap_or("http");
    format!("{scheme}://{host}")
}

pub(crate) fn feed(headers: &HeaderMap, token: &str) -> CalendarFeed {
    let path = format!("/api/v1/calendar/{token}.ics");
    CalendarFeed { url: format!("{}{path}", origin(headers)), path }
}

/// The caller's calendar address (made on first asking). Calendar applications send no
/// cookies, so the address itself is the secret; revoke or renew it if it leaks.
#[utoipa::path(get, path = "/api/v1/me/calendar", tag = "calendar",
    responses((status = 200, description = "The caller's feed address", body = CalendarFeed),
        (status = 401, description = "`unauthenticated`", body = ErrorBody)))]
pub async fn my_calendar(
    State(state): State<AppState>,
    Signed(caller): Signed,
    headers: HeaderMap,
) -> Result<Json<CalendarFeed>, AppError> {
    let token = state.calendar().token(&caller.actor).await?;
    Ok(Json(feed(&headers, &token)))
}

/// A new address for the caller's calendar; the old one stops working.
#[utoipa::path(post, path = "/api/v1/me/calendar", tag = "calendar",
    responses((status = 200, description = "The new feed address", body = CalendarFeed),
        (status = 401, description = "`unauthenticated`", body = ErrorBody)))]
pub async fn renew_calendar(State(state): State<AppState>, Signed(caller): Signed, headers: HeaderMap) -> Response {
    let event = AuditEvent::new("calendar_renew").target(format!("user:{}", caller.actor.user_id), None);
    match state.calendar().renew(&caller.actor).await {
        Ok(token) => event.attach(Json(feed(&headers, &token)).into_response()),
        Err(e) => audited(event, Err(e.into())),
    }
}

/// Revokes the caller's calendar address.
#[utoipa::path(delete, path = "/api/v1/me/calendar", tag = "calendar",
    responses((status = 204, description = "Revoked (or there was none)"),
        (status = 401, description = "`unauthenticated`", body = ErrorBody)))]
pub async fn revoke_calendar(State(state): State<AppState>, Signed(caller): Signed) -> Response {
    let event = AuditEvent::new("calendar_revoke").target(format!("user:{}", caller.actor.user_id), None);
    match state.calendar().revoke(&caller.actor).await {
        Ok(_) => event.attach(StatusCode::NO_CONTENT.into_response()),
        Err(e) => audited(event, Err(e.into())),
    }
}

/// The feed (iCalendar, RFC 5545): the owner's guidance bookings, or the slots they publish.
#[utoipa::path(get, path = "/api/v1/calendar/{token}", tag = "calendar",
    params(("token" = String, Path, description = "The secret of the address, with `.ics`")),
    responses((status = 200, description = "The calendar", content_type = "text/calendar"),
        (status = 404, description = "`calendar_not_found`: unknown or revoked", body = ErrorBody)))]
pub async fn calendar_feed(State(state): State<AppState>, Path(token): Path<String>) -> Result<Response, AppError> {
    let ics = state.calendar().feed(&token).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/calendar; charset=utf-8"),
            (header::CACHE_CONTROL, "private, max-age=300"),
            (header::CONTENT_DISPOSITION, "inline; filename=\"jiuye.ics\""),
        ],
        ics,
    )
        .into_response())
}

/// The documented routes of calendar feeds.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(my_calendar, renew_calendar, revoke_calendar)).routes(routes!(calendar_feed))
}
