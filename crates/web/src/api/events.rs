//! Recruitment events over JSON: organise, list and read events; book, decide and withdraw
//! booths; register, hand back or take a place; the ticket; check-in; statistics; a university's
//! public event calendar. Live fairs have their own room (`api::live`).

mod booths;
pub(crate) mod elsewhere;
mod places;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use jiuye_app::events::{EventView, Events, ListQuery, NewEvent, Stance};
use jiuye_domain::events::{EventInput, EventKind, Phase, Theme};
use jiuye_store::events::{BookingRow, EventRow};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::AppState;
use crate::auth::{AuditEvent, Signed, audited};
use crate::error::{AppError, ErrorBody};
use crate::extract::query::ApiQuery;

pub(crate) use booths::refresh_hall;
pub(crate) use places::RegistrationDto;

impl AppState {
    /// The event use cases on this node, now.
    pub fn events(&self) -> Events<'_> {
        Events { store: self.store.as_ref(), keys: &self.settings.keys, now: Utc::now() }
    }
}

/// A booth as typed.
#[derive(Debug, Deserialize, ToSchema)]
pub struct BoothInput {
    #[schema(max_length = 50)]
    pub label: String,
    /// How many employers it holds (1–50; usually 1).
    #[serde(default = "one")]
    pub capacity: i32,
}

fn one() -> i32 {
    1
}

/// An event as typed.
#[derive(Debug, Deserialize, ToSchema)]
pub struct EventCreateInput {
    /// The organising college, university, alliance or province (its code; default: where the
    /// caller organises).
    pub org: Option<String>,
    /// `campus_fair`, `college_fair`, `presentation`, `workplace_day` or `online_fair`.
    pub kind: String,
    /// `none`, `sme_100_days`, `western` or `hongzhi`.
    #[serde(default)]
    pub theme: String,
    #[schema(max_length = 100)]
    pub title: String,
    #[schema(max_length = 5000)]
    pub description: String,
    /// Where (required unless online).
    #[serde(default)]
    #[schema(max_length = 200)]
    pub venue: String,
    #[serde(default)]
    pub online: bool,
    /// A livestream or meeting link (http(s)).
    #[serde(default)]
    #[schema(max_length = 300)]
    pub stream_url: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    /// Places for graduates (1–100000); the rest wait in line.
    pub places: i32,
    /// How long a freed place is held for the next in line (1–168 hours; default 24).
    pub hold_hours: Option<i32>,
    #[serde(default)]
    pub booths: Vec<BoothInput>,
    /// Whether employers may book booths now.
    #[serde(default)]
    pub booths_open: bool,
}

/// An event.
#[derive(Debug, Serialize, ToSchema)]
pub struct EventDto {
    pub id: Uuid,
    pub org: String,
    pub org_code: String,
    /// `college`, `university`, `alliance`, `province` or `nation`.
    pub org_kind: String,
    pub kind: String,
    pub kind_name: String,
    pub theme: String,
    pub theme_name: String,
    pub title: String,
    pub description: String,
    pub venue: String,
    pub online: bool,
    pub stream_url: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    /// `upcoming`, `running`, `ended` or `cancelled`.
    pub phase: String,
    pub places: i32,
    /// Places held (registered or offered).
    pub taken: i32,
    pub waitlisted: i64,
    pub hold_hours: i32,
    pub booths_open: bool,
    /// Employers approved for a booth.
    pub employers: i64,
}

pub(crate) fn event_dto(r: &EventRow, phase: Phase) -> EventDto {
    let kind = EventKind::from_id(&r.event.kind).unwrap_or(EventKind::CampusFair);
    let theme = Theme::from_id(&r.event.theme).unwrap_or(Theme::None);
    EventDto {
        id: r.event.id,
        org: r.org_name.clone(),
        org_code: r.org_path.rsplit('/').next().unwrap_or_default().to_owned(),
        org_kind: r.org_kind.clone(),
        kind: kind.id().into(),
        kind_name: kind.zh().into(),
        theme: theme.id().into(),
        theme_name: theme.zh().into(),
        title: r.event.title.clone(),
        description: r.event.description.clone(),
        venue: r.event.venue.clone(),
        online: r.event.online,
        stream_url: r.event.stream_url.clone(),
        starts_at: r.event.starts_at,
        ends_at: r.event.ends_at,
        phase: phase.id().into(),
        places: r.event.places,
        taken: r.event.taken,
        waitlisted: r.waitlisted,
        hold_hours: r.event.hold_hours,
        booths_open: r.event.booths_open,
        employers: r.employers,
    }
}

/// A booth.
#[derive(Debug, Serialize, ToSchema)]
pub struct BoothDto {
    pub id: Uuid,
    pub label: String,
    pub capacity: i32,
    /// Bookings holding it (pending or approved).
    pub held: i32,
}

/// A booth booking.
#[derive(Debug, Serialize, ToSchema)]
pub struct BoothBookingDto {
    pub id: Uuid,
    pub event_id: Uuid,
    pub booth_id: Uuid,
    pub booth: String,
    pub employer_id: Uuid,
    pub employer: String,
    /// GB/T 4754 industry code.
    pub industry: String,
    /// `pending`, `approved`, `rejected` or `withdrawn`.
    pub state: String,
    pub note: String,
    /// Why it was rejected.
    pub reason: String,
    pub created_at: DateTime<Utc>,
}

pub(crate) fn booking_dto(b: &BookingRow) -> BoothBookingDto {
    BoothBookingDto {
        id: b.booking.id,
        event_id: b.booking.event_id,
        booth_id: b.booking.booth_id,
        booth: b.booth_label.clone(),
        employer_id: b.booking.employer_id,
        employer: b.employer_name.clone(),
        industry: b.employer_industry.clone(),
        state: b.booking.state.clone(),
        note: b.booking.note.clone(),
        reason: b.booking.reason.clone(),
        created_at: b.booking.created_at,
    }
}

/// A posting brought to an event.
#[derive(Debug, Serialize, ToSchema)]
pub struct EventPostingDto {
    pub posting_id: Uuid,
    pub booking_id: Uuid,
    pub title: String,
}

/// An event with what the caller may see of it.
#[derive(Debug, Serialize, ToSchema)]
pub struct EventDetail {
    #[serde(flatten)]
    pub event: EventDto,
    /// `organiser`, `graduate`, `employer` or `staff`.
    pub stance: String,
    pub booths: Vec<BoothDto>,
    /// The organiser: every booking; an employer: its own and the approved; others: approved.
    pub bookings: Vec<BoothBookingDto>,
    pub postings: Vec<EventPostingDto>,
    /// The caller's registration (a graduate).
    pub mine: Option<RegistrationDto>,
}

pub(crate) fn stance_id(s: Stance) -> &'static str {
    match s {
        Stance::Organiser => "organiser",
        Stance::Graduate => "graduate",
        Stance::Employer => "employer",
        Stance::Staff => "staff",
    }
}

fn detail(v: EventView) -> EventDetail {
    EventDetail {
        event: event_dto(&v.row, v.phase),
        stance: stance_id(v.stance).into(),
        booths: v
            .booths
            .iter()
            .map(|b| BoothDto { id: b.id, label: b.label.clone(), capacity: b.capacity, held: b.held })
            .collect(),
        bookings: v.bookings.iter().map(booking_dto).collect(),
        postings: v
            .postings
            .iter()
            .map(|p| EventPostingDto { posting_id: p.posting_id, booking_id: p.booking_id, title: p.title.clone() })
            .collect(),
        mine: v.mine.as_ref().map(places::registration_dto),
    }
}

pub(crate) fn new_event(c: &EventCreateInput) -> NewEvent<'_> {
    NewEvent {
        org: c.org.as_deref(),
        input: EventInput {
            kind: &c.kind,
            theme: &c.theme,
            title: &c.title,
            description: &c.description,
            venue: &c.venue,
            online: c.online,
            stream_url: &c.stream_url,
            starts_at: Some(c.starts_at),
            ends_at: Some(c.ends_at),
            places: c.places,
            hold_hours: c.hold_hours,
        },
        booths: c.booths.iter().map(|b| (b.label.clone(), b.capacity)).collect(),
        booths_open: c.booths_open,
    }
}

/// Organises an event with its booths (career-centre staff, a college's leader, province and
/// ministry administrators; a member university's career centre for an alliance).
#[utoipa::path(post, path = "/api/v1/events", tag = "events", request_body = EventCreateInput,
    responses((status = 201, description = "Organised", body = EventDto),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 403, description = "`forbidden`", body = ErrorBody),
        (status = 404, description = "`org_not_found`", body = ErrorBody),
        (status = 422, description = "`invalid_kind`, `invalid_text`, `invalid_date`, `invalid_capacity`, `invalid_org`", body = ErrorBody)))]
pub async fn create_event(
    State(state): State<AppState>,
    Signed(caller): Signed,
    Json(c): Json<EventCreateInput>,
) -> Response {
    let audit = AuditEvent::new("event_create");
    match state.events().create(&caller.actor, &new_event(&c)).await {
        Ok((row, grant)) => audit
            .target(format!("event:{}", row.event.id), Some(&row.org_path))
            .by(&grant)
            .detail(row.event.title.clone())
            .attach((StatusCode::CREATED, Json(event_dto(&row, Phase::Upcoming))).into_response()),
        Err(e) => audited(audit, Err(e.into())),
    }
}

/// Filters of the event list.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EventQuery {
    /// An event kind.
    pub kind: Option<String>,
    /// A GB/T 4754 industry code (prefix) of an approved employer.
    pub industry: Option<String>,
    /// Events ending after this.
    pub from: Option<DateTime<Utc>>,
    /// Events starting before this.
    pub to: Option<DateTime<Utc>>,
    /// Only the graduate's own college's events (for their major).
    #[serde(default)]
    pub own_college: bool,
}

impl EventQuery {
    pub(crate) fn list_query(&self) -> ListQuery {
        ListQuery {
            kind: self.kind.clone(),
            industry: self.industry.clone(),
            from: self.from,
            to: self.to,
            own_college: self.own_college,
        }
    }
}

/// The events the caller sees, soonest first.
#[utoipa::path(get, path = "/api/v1/events", tag = "events", params(EventQuery),
    responses((status = 200, description = "Events, soonest first", body = Vec<EventDto>),
        (status = 400, description = "`invalid_query`", body = ErrorBody),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 403, description = "`forbidden`", body = ErrorBody)))]
pub async fn list_events(
    State(state): State<AppState>,
    Signed(caller): Signed,
    ApiQuery(q): ApiQuery<EventQuery>,
) -> Result<Json<Vec<EventDto>>, AppError> {
    let list = state.events().list(&caller.actor, &q.list_query()).await?;
    Ok(Json(list.iter().map(|(r, p)| event_dto(r, *p)).collect()))
}

/// One event as the caller may see it.
#[utoipa::path(get, path = "/api/v1/events/{id}", tag = "events", params(("id" = Uuid, Path)),
    responses((status = 200, description = "The event", body = EventDetail),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 404, description = "`event_not_found`", body = ErrorBody)))]
pub async fn get_event(
    State(state): State<AppState>,
    Signed(caller): Signed,
    Path(id): Path<Uuid>,
) -> Result<Json<EventDetail>, AppError> {
    Ok(Json(detail(state.events().get(&caller.actor, id).await?)))
}

/// Whether employers may book booths.
#[derive(Debug, Deserialize, ToSchema)]
pub struct BoothsOpenInput {
    pub open: bool,
}

/// Opens or closes booth booking (the organiser).
#[utoipa::path(put, path = "/api/v1/events/{id}/booths-open", tag = "events", params(("id" = Uuid, Path)),
    request_body = BoothsOpenInput,
    responses((status = 200, description = "Changed", body = EventDto),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 403, description = "`forbidden`: not the organiser", body = ErrorBody),
        (status = 404, description = "`event_not_found`", body = ErrorBody),
        (status = 409, description = "`event_closed`", body = ErrorBody)))]
pub async fn set_booths_open(
    State(state): State<AppState>,
    Signed(caller): Signed,
    Path(id): Path<Uuid>,
    Json(b): Json<BoothsOpenInput>,
) -> Response {
    let audit = AuditEvent::new("event_update").target(format!("event:{id}"), None);
    let events = state.events();
    match events.set_booths_open(&caller.actor, id, b.open).await {
        Ok((row, grant)) => audit
            .target(format!("event:{id}"), Some(&row.org_path))
            .by(&grant)
            .detail(if b.open { "booths open" } else { "booths closed" }.to_owned())
            .attach(
                Json(event_dto(&row, Phase::of(row.event.starts_at, row.event.ends_at, false, events.now)))
                    .into_response(),
            ),
        Err(e) => audited(audit, Err(e.into())),
    }
}

/// Cancels an event (the organiser).
#[utoipa::path(post, path = "/api/v1/events/{id}/cancel", tag = "events", params(("id" = Uuid, Path)),
    responses((status = 200, description = "Cancelled", body = EventDto),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 403, description = "`forbidden`: not the organiser", body = ErrorBody),
        (status = 404, description = "`event_not_found`", body = ErrorBody),
        (status = 409, description = "`event_closed`", body = ErrorBody)))]
pub async fn cancel_event(State(state): State<AppState>, Signed(caller): Signed, Path(id): Path<Uuid>) -> Response {
    let audit = AuditEvent::new("event_update").target(format!("event:{id}"), None);
    match state.events().cancel(&caller.actor, id).await {
        Ok((row, grant)) => audit
            .target(format!("event:{id}"), Some(&row.org_path))
            .by(&grant)
            .detail("cancelled".to_owned())
            .attach(Json(event_dto(&row, Phase::Cancelled)).into_response()),
        Err(e) => audited(audit, Err(e.into())),
    }
}

/// A university's events and its colleges' from 30 days back, as a public calendar (RFC 5545)
/// that anyone may subscribe to.
#[utoipa::path(get, path = "/api/v1/universities/{code}/calendar", tag = "events",
    params(("code" = String, Path, description = "The university's code")),
    responses((status = 200, description = "The calendar", content_type = "text/calendar"),
        (status = 400, description = "`invalid_org_code`", body = ErrorBody),
        (status = 404, description = "`org_not_found`", body = ErrorBody)))]
pub async fn university_calendar(
    State(state): State<AppState>,
    Path(code): Path<String>,
) -> Result<Response, AppError> {
    let (org, rows) = state.events().university_calendar(&code).await?;
    let entries: Vec<_> =
        rows.iter().map(|r| jiuye_app::events::calendar_event(r, format!("event-{}@jiuye", r.event.id))).collect();
    let ics = jiuye_domain::calendar::write(&format!("{} · 招聘活动", org.name), &entries);
    Ok((
        [
            (header::CONTENT_TYPE, "text/calendar; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=300"),
            (header::CONTENT_DISPOSITION, "inline; filename=\"events.ics\""),
        ],
        ics,
    )
        .into_response())
}

/// The documented routes of events.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_event, list_events))
        .routes(routes!(get_event))
        .routes(routes!(set_booths_open))
        .routes(routes!(cancel_event))
        .routes(routes!(university_calendar))
        .merge(booths::router())
        .merge(elsewhere::router())
        .merge(places::router())
}
