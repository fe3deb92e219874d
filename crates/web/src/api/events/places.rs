//! Graduates' places over JSON: register, hand back, take an offered place, the ticket; staff
//! check graduates in and read who came.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use jiuye_domain::events::Place;
use jiuye_store::events::{CheckedIn, RegistrationRecord};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::{EventDto, event_dto};
use crate::AppState;
use crate::auth::{AuditEvent, Signed, audited};
use crate::error::{AppError, ErrorBody};

/// A graduate's registration.
#[derive(Debug, Serialize, ToSchema)]
pub struct RegistrationDto {
    pub id: Uuid,
    pub event_id: Uuid,
    /// `registered`, `waitlisted`, `offered` (a freed place held for them), `cancelled` or
    /// `lapsed` (an offer not taken in time).
    pub state: String,
    pub state_name: String,
    /// Until when an offered place is held.
    pub offered_until: Option<DateTime<Utc>>,
    pub checked_in_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

pub(crate) fn registration_dto(r: &RegistrationRecord) -> RegistrationDto {
    let place = Place::from_id(&r.state).unwrap_or(Place::Cancelled);
    RegistrationDto {
        id: r.id,
        event_id: r.event_id,
        state: place.id().into(),
        state_name: place.zh().into(),
        offered_until: r.offered_until,
        checked_in_at: r.checked_in_at,
        created_at: r.created_at,
    }
}

/// Registers the caller (a graduate who sees the event): a place while any is left, otherwise
/// a place in line.
#[utoipa::path(post, path = "/api/v1/events/{id}/registrations", tag = "events", params(("id" = Uuid, Path)),
    responses((status = 201, description = "Registered or waitlisted (see `state`)", body = RegistrationDto),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 403, description = "`forbidden`: not a graduate", body = ErrorBody),
        (status = 404, description = "`event_not_found`", body = ErrorBody),
        (status = 409, description = "`already_registered`, `event_closed`", body = ErrorBody)))]
pub async fn register(State(state): State<AppState>, Signed(caller): Signed, Path(id): Path<Uuid>) -> Response {
    let audit = AuditEvent::new("event_register").target(format!("event:{id}"), None);
    match state.events().register(&caller.actor, id).await {
        Ok((reg, row)) => audit
            .target(format!("event:{id}"), Some(&row.org_path))
            .detail(reg.state.clone())
            .attach((StatusCode::CREATED, Json(registration_dto(&reg))).into_response()),
        Err(e) => audited(audit, Err(e.into())),
    }
}

/// The caller gives up their place or place in line; a freed place is offered to the next in
/// line and held for them.
#[utoipa::path(delete, path = "/api/v1/events/{id}/registration", tag = "events", params(("id" = Uuid, Path)),
    responses((status = 204, description = "Given up"),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 403, description = "`forbidden`: not a graduate", body = ErrorBody),
        (status = 404, description = "`event_not_found`, `registration_not_found`", body = ErrorBody)))]
pub async fn unregister(State(state): State<AppState>, Signed(caller): Signed, Path(id): Path<Uuid>) -> Response {
    let audit = AuditEvent::new("event_unregister").target(format!("event:{id}"), None);
    match state.events().unregister(&caller.actor, id).await {
        Ok((was, row)) => audit
            .target(format!("event:{id}"), Some(&row.org_path))
            .detail(was.id().to_owned())
            .attach(StatusCode::NO_CONTENT.into_response()),
        Err(e) => audited(audit, Err(e.into())),
    }
}

/// The caller takes the place held for them.
#[utoipa::path(post, path = "/api/v1/events/{id}/registration/offer", tag = "events", params(("id" = Uuid, Path)),
    responses((status = 200, description = "Registered", body = RegistrationDto),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 403, description = "`forbidden`: not a graduate", body = ErrorBody),
        (status = 404, description = "`event_not_found`, `registration_not_found`", body = ErrorBody),
        (status = 409, description = "`offer_not_held`", body = ErrorBody)))]
pub async fn take_offer(State(state): State<AppState>, Signed(caller): Signed, Path(id): Path<Uuid>) -> Response {
    let audit = AuditEvent::new("event_register").target(format!("event:{id}"), None);
    match state.events().take_offer(&caller.actor, id).await {
        Ok((reg, row)) => audit
            .target(format!("event:{id}"), Some(&row.org_path))
            .detail("offer taken".to_owned())
            .attach(Json(registration_dto(&reg)).into_response()),
        Err(e) => audited(audit, Err(e.into())),
    }
}

/// A graduate's ticket.
#[derive(Debug, Serialize, ToSchema)]
pub struct TicketDto {
    /// What the QR code holds: signed, naming the event and the registration, valid until the
    /// event ends.
    pub token: String,
    /// The code staff type when the QR code cannot be scanned.
    pub short_code: String,
    /// The QR code as SVG.
    pub svg: String,
    pub valid_until: DateTime<Utc>,
}

/// The caller's ticket (a graduate holding a place).
#[utoipa::path(get, path = "/api/v1/events/{id}/ticket", tag = "events", params(("id" = Uuid, Path)),
    responses((status = 200, description = "The ticket", body = TicketDto),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 403, description = "`forbidden`: not a graduate", body = ErrorBody),
        (status = 404, description = "`event_not_found`, `registration_not_found`", body = ErrorBody),
        (status = 409, description = "`not_registered`: waitlisted or cancelled", body = ErrorBody)))]
pub async fn ticket(
    State(state): State<AppState>,
    Signed(caller): Signed,
    Path(id): Path<Uuid>,
) -> Result<Json<TicketDto>, AppError> {
    let t = state.events().ticket(&caller.actor, id).await?;
    Ok(Json(TicketDto {
        token: t.token,
        short_code: t.registration.short_code,
        svg: t.svg,
        valid_until: t.valid_until,
    }))
}

/// A scan at the door: the QR ticket, or the short code typed.
#[derive(Debug, Deserialize, ToSchema)]
pub struct CheckInInput {
    pub token: Option<String>,
    pub code: Option<String>,
    /// A random string (8–64 letters, digits or dashes) the scanner makes per scan: a retry with
    /// the same nonce counts once.
    #[schema(min_length = 8, max_length = 64)]
    pub nonce: String,
}

/// Who a scan admitted.
#[derive(Debug, Serialize, ToSchema)]
pub struct CheckInDto {
    /// `first` (checked in now), `before` (checked in by an earlier scan) or `retry` (this scan
    /// was seen already).
    pub outcome: String,
    pub checked_in_before: Option<DateTime<Utc>>,
    pub name: String,
    pub student_no: String,
    pub university: String,
    pub college: String,
}

/// Checks a graduate in (the organiser's staff).
#[utoipa::path(post, path = "/api/v1/events/{id}/checkins", tag = "events", params(("id" = Uuid, Path)),
    request_body = CheckInInput,
    responses((status = 200, description = "Admitted", body = CheckInDto),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 403, description = "`forbidden`: not the organiser", body = ErrorBody),
        (status = 404, description = "`event_not_found`", body = ErrorBody),
        (status = 409, description = "`not_registered`, `event_closed`", body = ErrorBody),
        (status = 422, description = "`ticket_invalid`, `ticket_expired`, `invalid_text`: no usable nonce", body = ErrorBody)))]
pub async fn check_in(
    State(state): State<AppState>,
    Signed(caller): Signed,
    Path(id): Path<Uuid>,
    Json(c): Json<CheckInInput>,
) -> Response {
    let audit = AuditEvent::new("event_checkin").target(format!("event:{id}"), None);
    match state.events().check_in(&caller.actor, id, c.token.as_deref(), c.code.as_deref(), &c.nonce).await {
        Ok((who, row, grant)) => {
            let (outcome, before) = match who.outcome {
                CheckedIn::First => ("first", None),
                CheckedIn::Before(at) => ("before", Some(at)),
                CheckedIn::Retry => ("retry", None),
            };
            let dto = CheckInDto {
                outcome: outcome.into(),
                checked_in_before: before,
                name: who.name,
                student_no: who.student_no.clone(),
                university: who.university,
                college: who.college,
            };
            audit
                .target(format!("event:{id}"), Some(&row.org_path))
                .by(&grant)
                .detail(format!("{outcome} {}", who.student_no))
                .attach(Json(dto).into_response())
        }
        Err(e) => audited(audit, Err(e.into())),
    }
}

/// One university's graduates at an event.
#[derive(Debug, Serialize, ToSchema)]
pub struct UniversityAttendanceDto {
    pub university: String,
    pub registered: i64,
    pub waitlisted: i64,
    pub checked_in: i64,
}

/// Who registered and came, and what employers brought.
#[derive(Debug, Serialize, ToSchema)]
pub struct EventStatsDto {
    pub event: EventDto,
    pub registered: i64,
    pub waitlisted: i64,
    pub checked_in: i64,
    /// Registered and not checked in, once the event has ended.
    pub no_shows: i64,
    /// Checked in per registered, in [0, 1].
    pub turnout: Option<f64>,
    pub employers_booked: i64,
    pub employers_approved: i64,
    pub positions: i64,
    /// Chats held at the live fair.
    pub chats: i64,
    pub messages: i64,
    /// Chats whose outcome was an interview invitation, or an offer.
    pub interviews: i64,
    pub offers: i64,
    /// Résumés left with booths.
    pub resumes: i64,
    pub universities: Vec<UniversityAttendanceDto>,
}

/// Attendance and no-shows, per university (the organiser, and staff who see the organiser's
/// statistics).
#[utoipa::path(get, path = "/api/v1/events/{id}/stats", tag = "events", params(("id" = Uuid, Path)),
    responses((status = 200, description = "Statistics", body = EventStatsDto),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 403, description = "`forbidden`", body = ErrorBody),
        (status = 404, description = "`event_not_found`", body = ErrorBody)))]
pub async fn stats(
    State(state): State<AppState>,
    Signed(caller): Signed,
    Path(id): Path<Uuid>,
) -> Result<Json<EventStatsDto>, AppError> {
    let s = state.events().stats(&caller.actor, id).await?;
    Ok(Json(EventStatsDto {
        event: event_dto(&s.row, s.phase),
        registered: s.attendance.registered,
        waitlisted: s.attendance.waitlisted,
        checked_in: s.attendance.checked_in,
        no_shows: s.no_shows,
        turnout: s.attendance.turnout_permille().map(|p| p as f64 / 1000.0),
        employers_booked: s.employers_booked,
        employers_approved: s.employers_approved,
        positions: s.positions,
        chats: s.live.chats,
        messages: s.live.messages,
        interviews: s.live.interviews,
        offers: s.live.offers,
        resumes: s.live.resumes,
        universities: s
            .universities
            .into_iter()
            .map(|u| UniversityAttendanceDto {
                university: u.university_name,
                registered: u.registered,
                waitlisted: u.waitlisted,
                checked_in: u.checked_in,
            })
            .collect(),
    }))
}

/// The caller's registrations (a graduate), newest event first.
#[utoipa::path(get, path = "/api/v1/me/event-registrations", tag = "events",
    responses((status = 200, description = "Registrations", body = Vec<RegistrationDto>),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 403, description = "`forbidden`: not a graduate", body = ErrorBody)))]
pub async fn my_registrations(
    State(state): State<AppState>,
    Signed(caller): Signed,
) -> Result<Json<Vec<RegistrationDto>>, AppError> {
    let list = state.events().my_registrations(&caller.actor).await?;
    Ok(Json(list.iter().map(|(r, _)| registration_dto(r)).collect()))
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(register))
        .routes(routes!(unregister))
        .routes(routes!(take_offer))
        .routes(routes!(ticket))
        .routes(routes!(check_in))
        .routes(routes!(stats))
        .routes(routes!(my_registrations))
}
