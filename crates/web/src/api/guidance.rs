//! Guidance (就业指导) over JSON: advisors publish slots; graduates see their university's and
//! college's open slots, book one place and cancel it.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use jiuye_app::guidance::{Guidance, NewSlot};
use jiuye_domain::guidance::SlotKind;
use jiuye_store::guidance::{BookingRow, NoteRow, SlotRow};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::AppState;
use crate::auth::{AuditEvent, Signed, audited};
use crate::error::{AppError, ErrorBody};

impl AppState {
    /// The guidance use cases on this node, now.
    pub fn guidance(&self) -> Guidance<'_> {
        Guidance { store: self.store.as_ref(), now: Utc::now() }
    }
}

/// A slot as an advisor publishes it.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewSlotInput {
    /// The university or college offering it (its code; default: where the caller's grant is).
    pub org: Option<String>,
    /// `consultation` (一对一咨询), `resume_review` (简历指导) or `mock_interview` (模拟面试).
    pub kind: String,
    /// RFC 3339; in the future.
    pub starts_at: DateTime<Utc>,
    /// RFC 3339; after the start, at most 8 hours later.
    pub ends_at: DateTime<Utc>,
    /// Where (a room), or empty for an online slot.
    #[serde(default)]
    #[schema(max_length = 200)]
    pub place: String,
    /// An http(s) link to the meeting (any external tool), or empty.
    #[serde(default)]
    #[schema(max_length = 200)]
    pub video_url: String,
    /// How many people (1–500; 1 for a one-to-one slot).
    pub capacity: i64,
}

/// A slot.
#[derive(Debug, Serialize, ToSchema)]
pub struct SlotDto {
    pub id: Uuid,
    pub kind: String,
    pub kind_name: String,
    /// The university or college offering it.
    pub org: String,
    pub advisor: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub place: String,
    pub video_url: String,
    pub capacity: i64,
    /// Places taken.
    pub booked: i64,
    /// The caller's booking of it (graduates).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub my_booking: Option<Uuid>,
    /// Who booked it (its publishers only).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub bookings: Vec<BookingDto>,
}

/// A booking, as the slot's publishers see it.
#[derive(Debug, Serialize, ToSchema)]
pub struct BookingDto {
    pub id: Uuid,
    pub graduate_id: Uuid,
    pub name: String,
    pub student_no: String,
    pub booked_at: DateTime<Utc>,
}

pub(crate) fn slot_dto(r: SlotRow) -> SlotDto {
    let s = r.slot;
    SlotDto {
        id: s.id,
        kind_name: SlotKind::from_id(&s.kind).map(SlotKind::zh).unwrap_or_default().to_owned(),
        kind: s.kind,
        org: r.org_name,
        advisor: r.advisor_name,
        starts_at: s.starts_at,
        ends_at: s.ends_at,
        place: s.place,
        video_url: s.video_url,
        capacity: s.capacity,
        booked: s.booked,
        my_booking: None,
        bookings: Vec::new(),
    }
}

pub(crate) fn booking_dto(b: BookingRow) -> BookingDto {
    BookingDto {
        id: b.id,
        graduate_id: b.graduate_id,
        name: b.graduate_name,
        student_no: b.student_no,
        booked_at: b.created_at,
    }
}

/// Publishes a slot (advisors and the career centre, at their university or one of its colleges).
#[utoipa::path(post, path = "/api/v1/guidance/slots", tag = "guidance", request_body = NewSlotInput,
    responses((status = 201, description = "Published", body = SlotDto),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 403, description = "`forbidden`", body = ErrorBody),
        (status = 404, description = "`org_not_found`", body = ErrorBody),
        (status = 422, description = "`invalid_kind`, `invalid_date`, `invalid_capacity`, `invalid_text`, `invalid_org`", body = ErrorBody)))]
pub async fn publish_slot(
    State(state): State<AppState>,
    Signed(caller): Signed,
    Json(input): Json<NewSlotInput>,
) -> Response {
    let event = AuditEvent::new("guidance_slot_publish");
    let new = NewSlot {
        org: input.org.as_deref(),
        kind: &input.kind,
        starts_at: Some(input.starts_at),
        ends_at: Some(input.ends_at),
        place: &input.place,
        video_url: &input.video_url,
        capacity: input.capacity,
    };
    match state.guidance().publish(&caller.actor, &new).await {
        Ok((row, grant)) => event
            .target(format!("guidance_slot:{}", row.slot.id), Some(&row.org_path))
            .by(&grant)
            .detail(row.slot.kind.clone())
            .attach((StatusCode::CREATED, Json(slot_dto(row))).into_response()),
        Err(e) => audited(event, Err(e.into())),
    }
}

/// Slots: for a graduate, the open slots of their university and college (with their own
/// booking of each); for advisors and the career centre, the slots in their scope that have not
/// ended, with who booked them.
#[derive(Debug, Serialize, ToSchema)]
pub struct SlotList {
    pub items: Vec<SlotDto>,
}

#[utoipa::path(get, path = "/api/v1/guidance/slots", tag = "guidance",
    responses((status = 200, description = "Slots, soonest first", body = SlotList),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 403, description = "`forbidden`: neither a graduate nor a publisher", body = ErrorBody)))]
pub async fn list_slots(State(state): State<AppState>, Signed(caller): Signed) -> Result<Json<SlotList>, AppError> {
    let guidance = state.guidance();
    let items = match guidance.for_publisher(&caller.actor).await {
        Ok(view) => view
            .slots
            .into_iter()
            .map(|(s, bookings)| SlotDto { bookings: bookings.into_iter().map(booking_dto).collect(), ..slot_dto(s) })
            .collect(),
        Err(_) => guidance
            .for_graduate(&caller.actor)
            .await?
            .open
            .into_iter()
            .map(|(s, mine)| SlotDto { my_booking: mine, ..slot_dto(s) })
            .collect(),
    };
    Ok(Json(SlotList { items }))
}

/// A booking made.
#[derive(Debug, Serialize, ToSchema)]
pub struct BookingMade {
    pub id: Uuid,
    pub slot_id: Uuid,
}

/// Books a place of a slot for oneself (graduates). Exactly as many succeed as the slot has
/// places, however many book at once; the others get `409 slot_full`.
#[utoipa::path(post, path = "/api/v1/guidance/slots/{id}/bookings", tag = "guidance", params(("id" = Uuid, Path)),
    responses((status = 201, description = "Booked", body = BookingMade),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 403, description = "`forbidden`: only graduates book", body = ErrorBody),
        (status = 404, description = "`slot_not_found`: no such slot for the caller, or it has started", body = ErrorBody),
        (status = 409, description = "`slot_full`, `already_booked`", body = ErrorBody)))]
pub async fn book_slot(State(state): State<AppState>, Signed(caller): Signed, Path(id): Path<Uuid>) -> Response {
    let event = AuditEvent::new("guidance_book").target(format!("guidance_slot:{id}"), None);
    match state.guidance().book(&caller.actor, id).await {
        Ok((booking, _)) => {
            event.attach((StatusCode::CREATED, Json(BookingMade { id: booking, slot_id: id })).into_response())
        }
        Err(e) => audited(event, Err(e.into())),
    }
}

/// Cancels a booking (the graduate who holds it, or a publisher of the slot); the place is free
/// again.
#[utoipa::path(delete, path = "/api/v1/guidance/bookings/{id}", tag = "guidance", params(("id" = Uuid, Path)),
    responses((status = 204, description = "Cancelled"),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 404, description = "`booking_not_found`", body = ErrorBody)))]
pub async fn cancel_booking(State(state): State<AppState>, Signed(caller): Signed, Path(id): Path<Uuid>) -> Response {
    let event = AuditEvent::new("guidance_cancel").target(format!("guidance_booking:{id}"), None);
    match state.guidance().cancel(&caller.actor, id).await {
        Ok(_) => event.attach(StatusCode::NO_CONTENT.into_response()),
        Err(e) => audited(event, Err(e.into())),
    }
}

/// The documented routes of guidance.
/// A note about a graduate.
#[derive(Debug, Serialize, ToSchema)]
pub struct GuidanceNote {
    pub id: Uuid,
    pub author: String,
    pub body: String,
    /// Shown to the graduate.
    pub shared: bool,
    pub created_at: DateTime<Utc>,
}

pub(crate) fn note_dto(n: NoteRow) -> GuidanceNote {
    GuidanceNote { id: n.id, author: n.author_name, body: n.body, shared: n.shared, created_at: n.created_at }
}

/// A note as typed.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewNote {
    /// 1–2,000 characters.
    #[schema(max_length = 2000)]
    pub body: String,
    /// Show it to the graduate (default: no, a note for the guidance team).
    #[serde(default)]
    pub shared: bool,
}

/// The notes advisors keep about a graduate, newest first (advisors and the career centre of
/// the graduate's university or college).
#[utoipa::path(get, path = "/api/v1/graduates/{id}/guidance-notes", tag = "guidance", params(("id" = Uuid, Path)),
    responses((status = 200, description = "The notes", body = Vec<GuidanceNote>),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 404, description = "`graduate_not_found`: no such graduate, or not one the caller advises", body = ErrorBody)))]
pub async fn list_notes(
    State(state): State<AppState>,
    Signed(caller): Signed,
    Path(id): Path<Uuid>,
) -> Result<Json<Vec<GuidanceNote>>, AppError> {
    let (_, notes) = state.guidance().notes(&caller.actor, id).await?;
    Ok(Json(notes.into_iter().map(note_dto).collect()))
}

/// Keeps a note about a graduate, shared with them or not.
#[utoipa::path(post, path = "/api/v1/graduates/{id}/guidance-notes", tag = "guidance", params(("id" = Uuid, Path)),
    request_body = NewNote,
    responses((status = 201, description = "Kept", body = GuidanceNote),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 404, description = "`graduate_not_found`", body = ErrorBody),
        (status = 422, description = "`invalid_text`, `text_too_long`", body = ErrorBody)))]
pub async fn add_note(
    State(state): State<AppState>,
    Signed(caller): Signed,
    Path(id): Path<Uuid>,
    Json(n): Json<NewNote>,
) -> Response {
    let event = AuditEvent::new("guidance_note").target(format!("graduate:{id}"), None);
    match state.guidance().add_note(&caller.actor, id, &n.body, n.shared).await {
        Ok((note, grant, path)) => event
            .target(format!("graduate:{id}"), Some(&path))
            .by(&grant)
            .detail(if note.shared { "shared" } else { "team" }.to_owned())
            .attach((StatusCode::CREATED, Json(note_dto(note))).into_response()),
        Err(e) => audited(event, Err(e.into())),
    }
}

/// The notes advisors shared with the caller (a graduate), newest first.
#[utoipa::path(get, path = "/api/v1/me/guidance-notes", tag = "guidance",
    responses((status = 200, description = "The notes shared with the caller", body = Vec<GuidanceNote>),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 403, description = "`forbidden`: not a graduate", body = ErrorBody)))]
pub async fn my_notes(
    State(state): State<AppState>,
    Signed(caller): Signed,
) -> Result<Json<Vec<GuidanceNote>>, AppError> {
    Ok(Json(state.guidance().my_notes(&caller.actor).await?.into_iter().map(note_dto).collect()))
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(publish_slot, list_slots))
        .routes(routes!(book_slot))
        .routes(routes!(cancel_booking))
        .routes(routes!(list_notes, add_note))
        .routes(routes!(my_notes))
}
