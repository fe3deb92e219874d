//! Guidance pages (就业指导): a graduate's open slots with one-tap booking and their bookings;
//! an advisor's form to publish a slot and their slots with who booked.

use askama::Template;
use axum::extract::{OriginalUri, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use jiuye_app::guidance::NewSlot;
use jiuye_domain::guidance::SlotKind;
use jiuye_store::guidance::SlotRow;
use serde::Deserialize;
use uuid::Uuid;

use crate::AppState;
use crate::auth::{AuditEvent, audited};
use crate::error::AppError;
use crate::extract::query::ApiQuery;
use crate::extract::signed_in::SignedIn;
use crate::i18n::Lang;
use crate::render::page::{Base, render};
use crate::render::time::local_minute;

/// A slot as a card shows it.
struct Card {
    id: Uuid,
    kind: &'static str,
    when: String,
    org: String,
    advisor: String,
    place: String,
    video_url: String,
    left: i64,
    capacity: i64,
    /// The graduate's booking of it.
    mine: Option<Uuid>,
    /// Who booked it (publishers): (booking id, name, 学号, graduate id).
    bookings: Vec<(Uuid, String, String, Uuid)>,
}

fn card(r: SlotRow) -> Card {
    let s = r.slot;
    Card {
        id: s.id,
        kind: SlotKind::from_id(&s.kind).map(SlotKind::zh).unwrap_or_default(),
        when: format!("{} – {}", local_minute(s.starts_at), local_minute(s.ends_at).get(11..).unwrap_or_default()),
        org: r.org_name,
        advisor: r.advisor_name,
        place: s.place,
        video_url: s.video_url,
        left: s.capacity - s.booked,
        capacity: s.capacity,
        mine: None,
        bookings: Vec::new(),
    }
}

#[derive(Template)]
#[template(path = "guidance.html")]
struct GuidancePage {
    base: Base,
    publisher: bool,
    open: Vec<Card>,
    booked: Vec<Card>,
    slots: Vec<Card>,
    kinds: Vec<(&'static str, &'static str)>,
    form: SlotForm,
    error: Option<String>,
    notice: Option<&'static str>,
    /// The address of the caller's calendar feed, when they have one.
    calendar: Option<String>,
    /// Notes advisors shared with the graduate: (author, when, text).
    notes: Vec<(String, String, String)>,
}

#[derive(Debug, Default, Deserialize)]
pub struct SlotForm {
    #[serde(default)]
    kind: String,
    /// `YYYY-MM-DDTHH:MM` in Beijing time (a `datetime-local` field).
    #[serde(default)]
    starts_at: String,
    #[serde(default)]
    minutes: String,
    #[serde(default)]
    place: String,
    #[serde(default)]
    video_url: String,
    #[serde(default)]
    capacity: String,
}

#[derive(Debug, Deserialize)]
pub struct GuidanceQuery {
    done: Option<String>,
}

#[allow(clippy::too_many_arguments)]
async fn page(
    state: &AppState,
    lang: Lang,
    me: &crate::auth::Caller,
    uri: &axum::http::Uri,
    headers: &HeaderMap,
    form: SlotForm,
    error: Option<String>,
    notice: Option<&'static str>,
) -> Result<Response, AppError> {
    let guidance = state.guidance();
    let (publisher, slots) = match guidance.for_publisher(&me.actor).await {
        Ok(v) => (
            true,
            v.slots
                .into_iter()
                .map(|(s, b)| Card {
                    bookings: b.into_iter().map(|b| (b.id, b.graduate_name, b.student_no, b.graduate_id)).collect(),
                    ..card(s)
                })
                .collect(),
        ),
        Err(_) => (false, Vec::new()),
    };
    let (open, booked) = match guidance.for_graduate(&me.actor).await {
        Ok(v) => (
            v.open.into_iter().map(|(s, mine)| Card { mine, ..card(s) }).collect(),
            v.booked.into_iter().map(|(id, s)| Card { mine: Some(id), ..card(s) }).collect(),
        ),
        Err(e) if !publisher => return Err(e.into()),
        Err(_) => (Vec::new(), Vec::new()),
    };
    let base = Base::new(state, lang, "guidance", uri).signed_in(me);
    let kinds = SlotKind::ALL.into_iter().map(|k| (k.id(), k.zh())).collect();
    let failed = error.is_some();
    let calendar = match state.store.calendar_feed(me.actor.user_id).await.map_err(jiuye_app::Error::from)? {
        Some(_) => Some(crate::api::calendar::feed(headers, &state.calendar().token(&me.actor).await?).url),
        None => None,
    };
    let notes = match guidance.my_notes(&me.actor).await {
        Ok(n) => n.into_iter().map(|n| (n.author_name, local_minute(n.created_at), n.body)).collect(),
        Err(_) => Vec::new(),
    };
    let page = GuidancePage { base, publisher, open, booked, slots, kinds, form, error, notice, calendar, notes };
    let res = render(&page)?;
    Ok(if failed { (StatusCode::UNPROCESSABLE_ENTITY, res).into_response() } else { res })
}

/// The guidance page of a graduate or a publisher.
pub async fn guidance_page(
    State(state): State<AppState>,
    lang: Lang,
    SignedIn(me): SignedIn,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    ApiQuery(q): ApiQuery<GuidanceQuery>,
) -> Result<Response, AppError> {
    let notice = match q.done.as_deref() {
        Some("booked") => Some("guidance.booked"),
        Some("cancelled") => Some("guidance.cancelled"),
        Some("published") => Some("guidance.published"),
        Some("calendar") => Some("guidance.calendar_made"),
        Some("calendar_revoked") => Some("guidance.calendar_revoked"),
        _ => None,
    };
    page(
        &state,
        lang,
        &me,
        &uri,
        &headers,
        SlotForm { capacity: "1".into(), minutes: "45".into(), ..SlotForm::default() },
        None,
        notice,
    )
    .await
}

/// Publishes a slot from the form.
pub async fn publish_submit(
    State(state): State<AppState>,
    lang: Lang,
    SignedIn(me): SignedIn,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    axum::Form(f): axum::Form<SlotForm>,
) -> Result<Response, AppError> {
    let event = AuditEvent::new("guidance_slot_publish");
    let starts_at = crate::render::time::parse_local_minute(&f.starts_at);
    let minutes = f.minutes.trim().parse::<i64>().unwrap_or(0);
    let new = NewSlot {
        org: None,
        kind: &f.kind,
        starts_at,
        ends_at: starts_at.map(|s| s + chrono::Duration::minutes(minutes)),
        place: &f.place,
        video_url: &f.video_url,
        capacity: f.capacity.trim().parse().unwrap_or(0),
    };
    match state.guidance().publish(&me.actor, &new).await {
        Ok((row, grant)) => Ok(event
            .target(format!("guidance_slot:{}", row.slot.id), Some(&row.org_path))
            .by(&grant)
            .detail(row.slot.kind.clone())
            .attach(Redirect::to("/guidance?done=published").into_response())),
        Err(e) if e.kind == jiuye_app::ErrorKind::Unprocessable => {
            let message = e.message.clone();
            let res = page(&state, lang, &me, &uri, &headers, f, Some(message), None).await?;
            Ok(event.result(e.code.as_str()).attach(res))
        }
        Err(e) => Ok(audited(event, Err(e.into()))),
    }
}

/// Books a place (graduates); a full slot or a second booking comes back with its message.
pub async fn book_submit(
    State(state): State<AppState>,
    lang: Lang,
    SignedIn(me): SignedIn,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    Path(id): Path<Uuid>,
) -> Result<Response, AppError> {
    let event = AuditEvent::new("guidance_book").target(format!("guidance_slot:{id}"), None);
    match state.guidance().book(&me.actor, id).await {
        Ok(_) => Ok(event.attach(Redirect::to("/guidance?done=booked").into_response())),
        Err(e) if e.kind == jiuye_app::ErrorKind::Conflict => {
            let message = e.message.clone();
            let res = page(&state, lang, &me, &uri, &headers, SlotForm::default(), Some(message), None).await?;
            let (parts, body) = res.into_parts();
            let mut res = Response::from_parts(parts, body);
            *res.status_mut() = StatusCode::CONFLICT;
            Ok(event.result(e.code.as_str()).attach(res))
        }
        Err(e) => Ok(audited(event, Err(e.into()))),
    }
}

/// Cancels a booking (the graduate who holds it, or a publisher of the slot).
pub async fn cancel_submit(State(state): State<AppState>, SignedIn(me): SignedIn, Path(id): Path<Uuid>) -> Response {
    let event = AuditEvent::new("guidance_cancel").target(format!("guidance_booking:{id}"), None);
    match state.guidance().cancel(&me.actor, id).await {
        Ok(_) => event.attach(Redirect::to("/guidance?done=cancelled").into_response()),
        Err(e) => audited(event, Err(e.into())),
    }
}

/// Makes (or renews) the caller's calendar address.
pub async fn calendar_submit(State(state): State<AppState>, SignedIn(me): SignedIn) -> Response {
    let event = AuditEvent::new("calendar_renew").target(format!("user:{}", me.actor.user_id), None);
    match state.calendar().renew(&me.actor).await {
        Ok(_) => event.attach(Redirect::to("/guidance?done=calendar").into_response()),
        Err(e) => audited(event, Err(e.into())),
    }
}

/// Revokes the caller's calendar address.
pub async fn calendar_revoke_submit(State(state): State<AppState>, SignedIn(me): SignedIn) -> Response {
    let event = AuditEvent::new("calendar_revoke").target(format!("user:{}", me.actor.user_id), None);
    match state.calendar().revoke(&me.actor).await {
        Ok(_) => event.attach(Redirect::to("/guidance?done=calendar_revoked").into_response()),
        Err(e) => audited(event, Err(e.into())),
    }
}

#[derive(Template)]
#[template(path = "guidance_notes.html")]
struct NotesPage {
    base: Base,
    id: Uuid,
    name: String,
    student_no: String,
    college: String,
    /// (author, when, text, shared).
    notes: Vec<(String, String, String, bool)>,
    body: String,
    error: Option<String>,
    saved: bool,
}

#[allow(clippy::too_many_arguments)]
async fn notes_page(
    state: &AppState,
    lang: Lang,
    me: &crate::auth::Caller,
    uri: &axum::http::Uri,
    id: Uuid,
    body: String,
    error: Option<String>,
    saved: bool,
) -> Result<Response, AppError> {
    let (g, notes) = state.guidance().notes(&me.actor, id).await?;
    let base = Base::new(state, lang, "guidance", uri).signed_in(me);
    let failed = error.is_some();
    let page = NotesPage {
        base,
        id,
        name: g.graduate.name,
        student_no: g.graduate.student_no,
        college: g.college_name,
        notes: notes.into_iter().map(|n| (n.author_name, local_minute(n.created_at), n.body, n.shared)).collect(),
        body,
        error,
        saved,
    };
    let res = render(&page)?;
    Ok(if failed { (StatusCode::UNPROCESSABLE_ENTITY, res).into_response() } else { res })
}

#[derive(Debug, Deserialize)]
pub struct NotesQuery {
    done: Option<String>,
}

/// A graduate's guidance notes, with the form to add one (advisors, the career centre).
pub async fn notes_view(
    State(state): State<AppState>,
    lang: Lang,
    SignedIn(me): SignedIn,
    OriginalUri(uri): OriginalUri,
    Path(id): Path<Uuid>,
    ApiQuery(q): ApiQuery<NotesQuery>,
) -> Result<Response, AppError> {
    notes_page(&state, lang, &me, &uri, id, String::new(), None, q.done.is_some()).await
}

#[derive(Debug, Deserialize)]
pub struct NoteForm {
    #[serde(default)]
    body: String,
    #[serde(default)]
    shared: Option<String>,
}

/// Keeps a note from the form.
pub async fn notes_submit(
    State(state): State<AppState>,
    lang: Lang,
    SignedIn(me): SignedIn,
    OriginalUri(uri): OriginalUri,
    Path(id): Path<Uuid>,
    axum::Form(f): axum::Form<NoteForm>,
) -> Result<Response, AppError> {
    let event = AuditEvent::new("guidance_note").target(format!("graduate:{id}"), None);
    match state.guidance().add_note(&me.actor, id, &f.body, f.shared.is_some()).await {
        Ok((note, grant, path)) => Ok(event
            .target(format!("graduate:{id}"), Some(&path))
            .by(&grant)
            .detail(if note.shared { "shared" } else { "team" }.to_owned())
            .attach(Redirect::to(&format!("/guidance/graduates/{id}?done=saved")).into_response())),
        Err(e) if e.kind == jiuye_app::ErrorKind::Unprocessable => {
            let code = e.code.as_str();
            let res = notes_page(&state, lang, &me, &uri, id, f.body, Some(e.message), false).await?;
            Ok(event.result(code).attach(res))
        }
        Err(e) => Ok(audited(event, Err(e.into()))),
    }
}
