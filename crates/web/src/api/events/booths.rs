//! Booth bookings over JSON: an employer books a booth with the postings it brings and may
//! withdraw; the organiser approves or rejects.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use jiuye_app::events::BookingInput;
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::{BoothBookingDto, booking_dto};
use crate::AppState;
use crate::auth::{AuditEvent, Signed, audited};
use crate::error::{AppError, ErrorBody};

/// A booth booking as typed.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct BoothBookingInput {
    /// The employer's own approved postings it brings (at most 50).
    #[serde(default)]
    pub postings: Vec<Uuid>,
    /// A note to the organiser.
    #[serde(default)]
    #[schema(max_length = 500)]
    pub note: String,
}

/// Books a booth (or a 宣讲会's session slot) for the caller's employer; the booking holds the
/// booth while the organiser decides.
#[utoipa::path(post, path = "/api/v1/events/{id}/booths/{booth_id}/bookings", tag = "events",
    params(("id" = Uuid, Path), ("booth_id" = Uuid, Path)), request_body = BoothBookingInput,
    responses((status = 201, description = "Held, pending approval", body = BoothBookingDto),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 403, description = "`forbidden`: not an employer", body = ErrorBody),
        (status = 404, description = "`event_not_found`, `booth_not_found`", body = ErrorBody),
        (status = 409, description = "`booth_full`, `already_booked`, `booths_closed`", body = ErrorBody),
        (status = 422, description = "`employer_not_verified` (also when blacklisted), `invalid_posting`, `invalid_text`", body = ErrorBody)))]
pub async fn book_booth(
    State(state): State<AppState>,
    Signed(caller): Signed,
    Path((id, booth)): Path<(Uuid, Uuid)>,
    Json(b): Json<BoothBookingInput>,
) -> Response {
    let audit = AuditEvent::new("booth_book").target(format!("event:{id}"), None);
    let input = BookingInput { postings: b.postings, note: &b.note };
    match state.events().book(&caller.actor, id, booth, &input).await {
        Ok((booking, row)) => audit
            .target(format!("event:{id}"), Some(&row.org_path))
            .detail(format!("booking:{} booth:{}", booking.booking.id, booking.booth_label))
            .attach((StatusCode::CREATED, Json(booking_dto(&booking))).into_response()),
        Err(e) => audited(audit, Err(e.into())),
    }
}

/// The organiser's decision on a booking.
#[derive(Debug, Deserialize, ToSchema)]
pub struct BookingDecisionInput {
    pub approve: bool,
    /// Required when rejecting.
    #[serde(default)]
    #[schema(max_length = 500)]
    pub reason: String,
}

/// Approves or rejects a pending booking (the organiser); a rejection frees the booth.
#[utoipa::path(post, path = "/api/v1/events/{id}/bookings/{booking}/decision", tag = "events",
    params(("id" = Uuid, Path), ("booking" = Uuid, Path)), request_body = BookingDecisionInput,
    responses((status = 200, description = "Decided", body = BoothBookingDto),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 403, description = "`forbidden`: not the organiser", body = ErrorBody),
        (status = 404, description = "`event_not_found`, `booking_not_found`", body = ErrorBody),
        (status = 409, description = "`invalid_transition`: not pending", body = ErrorBody),
        (status = 422, description = "`invalid_text`: a rejection without a reason", body = ErrorBody)))]
pub async fn decide_booking(
    State(state): State<AppState>,
    Signed(caller): Signed,
    Path((id, booking)): Path<(Uuid, Uuid)>,
    Json(d): Json<BookingDecisionInput>,
) -> Response {
    let audit = AuditEvent::new("booth_decide").target(format!("event:{id}"), None);
    match state.events().decide_booking(&caller.actor, id, booking, d.approve, &d.reason).await {
        Ok((b, row, grant)) => {
            refresh_hall(&state, id).await;
            audit
                .target(format!("event:{id}"), Some(&row.org_path))
                .by(&grant)
                .detail(format!("booking:{booking} {} {}", b.booking.state, b.employer_name))
                .attach(Json(booking_dto(&b)).into_response())
        }
        Err(e) => audited(audit, Err(e.into())),
    }
}

/// The employer withdraws its booking, freeing the booth.
#[utoipa::path(delete, path = "/api/v1/events/{id}/bookings/{booking}", tag = "events",
    params(("id" = Uuid, Path), ("booking" = Uuid, Path)),
    responses((status = 200, description = "Withdrawn", body = BoothBookingDto),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 403, description = "`forbidden`: not an employer", body = ErrorBody),
        (status = 404, description = "`booking_not_found`", body = ErrorBody),
        (status = 409, description = "`invalid_transition`: already rejected or withdrawn", body = ErrorBody),
        (status = 422, description = "`employer_not_verified`", body = ErrorBody)))]
pub async fn withdraw_booking(
    State(state): State<AppState>,
    Signed(caller): Signed,
    Path((id, booking)): Path<(Uuid, Uuid)>,
) -> Response {
    let audit = AuditEvent::new("booth_withdraw").target(format!("event:{id}"), None);
    match state.events().withdraw_booking(&caller.actor, id, booking).await {
        Ok(b) => {
            refresh_hall(&state, id).await;
            audit.detail(format!("booking:{booking}")).attach(Json(booking_dto(&b)).into_response())
        }
        Err(e) => audited(audit, Err(e.into())),
    }
}

/// Brings the event's live hall (when open in this process) up to date with its bookings.
pub(crate) async fn refresh_hall(state: &AppState, id: Uuid) {
    if let Err(e) = state.live.hub.refresh(id).await {
        tracing::warn!(event = %id, error = %e.message, "the live hall could not be refreshed");
    }
}

/// The caller's employer's booth bookings, newest first.
#[utoipa::path(get, path = "/api/v1/me/booth-bookings", tag = "events",
    responses((status = 200, description = "Bookings", body = Vec<BoothBookingDto>),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 403, description = "`forbidden`: not an employer", body = ErrorBody)))]
pub async fn my_bookings(
    State(state): State<AppState>,
    Signed(caller): Signed,
) -> Result<Json<Vec<BoothBookingDto>>, AppError> {
    let list = state.events().my_bookings(&caller.actor).await?;
    Ok(Json(list.iter().map(|(b, _)| booking_dto(b)).collect()))
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(book_booth))
        .routes(routes!(decide_booking))
        .routes(routes!(withdraw_booking))
        .routes(routes!(my_bookings))
}
