//! One event's page: what everyone who sees it reads (when, where, the employers approved and
//! the postings they bring, the booths), and what the caller may do there: a graduate registers
//! and shows the ticket; an employer books a booth; the organiser decides bookings, opens and
//! closes booking, cancels, reads the statistics and the registrations (personal data: the
//! organiser only). The ticket's QR code is the one markup shown unescaped: we generate it.

use askama::Template;
use axum::extract::{OriginalUri, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use jiuye_app::events::{EventView, Stance};
use jiuye_domain::access::{self, Role};
use jiuye_domain::events::{BookingState, EventKind, Phase, Place};
use jiuye_domain::posting::PostingStatus;
use serde::Deserialize;
use uuid::Uuid;

use super::{Line, line, shown_on_the_form, status_of};
use crate::AppState;
use crate::auth::{AuditEvent, Caller, audited};
use crate::error::AppError;
use crate::extract::query::ApiQuery;
use crate::extract::signed_in::SignedIn;
use crate::i18n::Lang;
use crate::render::page::{Base, render};
use crate::render::time::local_minute;

/// The caller's registration (a graduate).
struct Mine {
    state: &'static str,
    registered: bool,
    waitlisted: bool,
    offered: bool,
    offered_until: String,
    checked_in: String,
}

/// A graduate's ticket: the QR code (our own SVG) and the short code.
struct TicketView {
    svg: String,
    code: String,
}

/// An employer approved for a booth, with the postings it brings.
struct Exhibitor {
    name: String,
    booth: String,
    postings: Vec<(Uuid, String)>,
}

struct BoothLine {
    id: Uuid,
    label: String,
    capacity: i32,
    held: i32,
    free: bool,
}

struct BookingLine {
    id: Uuid,
    booth: String,
    employer: String,
    industry: String,
    state: &'static str,
    note: String,
    reason: String,
    pending: bool,
    /// Whether it still holds its booth (the employer may withdraw it).
    holds: bool,
    postings: usize,
}

struct StatsView {
    registered: i64,
    waitlisted: i64,
    checked_in: i64,
    no_shows: i64,
    /// `75.0%`, or empty before anyone registered.
    turnout: String,
    employers_booked: i64,
    employers_approved: i64,
    positions: i64,
    universities: Vec<(String, i64, i64, i64)>,
}

struct RegistrationLine {
    name: String,
    student_no: String,
    university: String,
    college: String,
    state: &'static str,
    checked_in: String,
}

#[derive(Template)]
#[template(path = "event.html")]
struct EventPage {
    base: Base,
    e: Line,
    description: String,
    stream_url: String,
    /// An online event still open: its live hall.
    live: bool,
    booth_word: &'static str,
    booths_open: bool,
    /// Neither ended nor cancelled.
    open: bool,
    cancelled: bool,
    organiser: bool,
    graduate: bool,
    employer: bool,
    mine: Option<Mine>,
    ticket: Option<TicketView>,
    /// Whether the graduate has a calendar feed (their registrations are in it).
    calendar: bool,
    exhibitors: Vec<Exhibitor>,
    booths: Vec<BoothLine>,
    bookings: Vec<BookingLine>,
    /// The employer's approved postings it may bring.
    my_postings: Vec<(Uuid, String)>,
    may_book: bool,
    stats: Option<StatsView>,
    registrations: Vec<RegistrationLine>,
    notice: Option<&'static str>,
    error: Option<String>,
}

/// The inline SVG of a QR code, without the XML declaration an HTML page does not take.
fn inline_svg(svg: &str) -> String {
    svg.find("<svg").map(|at| svg[at..].to_owned()).unwrap_or_default()
}

fn stats_view(s: jiuye_app::events::EventStats) -> StatsView {
    StatsView {
        registered: s.attendance.registered,
        waitlisted: s.attendance.waitlisted,
        checked_in: s.attendance.checked_in,
        no_shows: s.no_shows,
        turnout: s.attendance.turnout_permille().map(|p| format!("{:.1}%", p as f64 / 10.0)).unwrap_or_default(),
        employers_booked: s.employers_booked,
        employers_approved: s.employers_approved,
        positions: s.positions,
        universities: s
            .universities
            .into_iter()
            .map(|u| (u.university_name, u.registered, u.waitlisted, u.checked_in))
            .collect(),
    }
}

/// The event's page as the caller may see it, with a notice or a refusal.
pub(crate) async fn event_page(
    state: &AppState,
    lang: Lang,
    me: &Caller,
    uri: &axum::http::Uri,
    v: EventView,
    notice: Option<&'static str>,
    error: Option<(StatusCode, String)>,
) -> Result<Response, AppError> {
    let events = state.events();
    let id = v.row.event.id;
    let organiser = v.stance == Stance::Organiser;
    let graduate = v.stance == Stance::Graduate;
    let employer = v.stance == Stance::Employer;
    let open = matches!(v.phase, Phase::Upcoming | Phase::Running);
    let mine = v.mine.as_ref().map(|r| {
        let place = Place::from_id(&r.state).unwrap_or(Place::Cancelled);
        Mine {
            state: place.zh(),
            registered: place == Place::Registered,
            waitlisted: place == Place::Waitlisted,
            offered: place == Place::Offered,
            offered_until: r.offered_until.map(local_minute).unwrap_or_default(),
            checked_in: r.checked_in_at.map(local_minute).unwrap_or_default(),
        }
    });
    let ticket = match &mine {
        Some(m) if m.registered && open => match events.ticket(&me.actor, id).await {
            Ok(t) => Some(TicketView { svg: inline_svg(&t.svg), code: t.registration.short_code }),
            // The place lapsed or was handed back since the page was read.
            Err(e) if matches!(e.kind, jiuye_app::ErrorKind::Conflict | jiuye_app::ErrorKind::NotFound) => None,
            Err(e) => return Err(e.into()),
        },
        _ => None,
    };
    let calendar =
        graduate && state.store.calendar_feed(me.actor.user_id).await.map_err(jiuye_app::Error::from)?.is_some();
    let brought = |booking: Uuid| -> Vec<(Uuid, String)> {
        v.postings.iter().filter(|p| p.booking_id == booking).map(|p| (p.posting_id, p.title.clone())).collect()
    };
    let exhibitors = v
        .bookings
        .iter()
        .filter(|b| b.booking.state == BookingState::Approved.id())
        .map(|b| Exhibitor {
            name: b.employer_name.clone(),
            booth: b.booth_label.clone(),
            postings: brought(b.booking.id),
        })
        .collect();
    let me_employer = access::subject_of(&me.actor, Role::Employer);
    let bookings: Vec<BookingLine> = v
        .bookings
        .iter()
        .filter(|b| organiser || (employer && Some(b.booking.employer_id) == me_employer))
        .map(|b| {
            let s = BookingState::from_id(&b.booking.state).unwrap_or(BookingState::Withdrawn);
            BookingLine {
                id: b.booking.id,
                booth: b.booth_label.clone(),
                employer: b.employer_name.clone(),
                industry: b.employer_industry.clone(),
                state: s.zh(),
                note: b.booking.note.clone(),
                reason: b.booking.reason.clone(),
                pending: s == BookingState::Pending,
                holds: s.holds(),
                postings: brought(b.booking.id).len(),
            }
        })
        .collect();
    let my_postings = match me_employer {
        Some(employer_id) if employer => state
            .store
            .postings_of_employer(employer_id)
            .await
            .map_err(jiuye_app::Error::from)?
            .into_iter()
            .filter(|p| p.posting.status == PostingStatus::Approved)
            .map(|p| (p.posting.id, p.posting.title))
            .collect(),
        _ => Vec::new(),
    };
    let may_book = employer && v.row.event.booths_open && open && !bookings.iter().any(|b| b.holds);
    let stats = match v.stance {
        Stance::Organiser | Stance::Staff => match events.stats(&me.actor, id).await {
            Ok(s) => Some(stats_view(s)),
            Err(e) if e.kind == jiuye_app::ErrorKind::Forbidden => None,
            Err(e) => return Err(e.into()),
        },
        _ => None,
    };
    let registrations = if organiser {
        state
            .store
            .registrations(id, 200)
            .await
            .map_err(jiuye_app::Error::from)?
            .into_iter()
            .map(|r| RegistrationLine {
                name: r.name,
                student_no: r.student_no,
                university: r.university_name,
                college: r.college_name,
                state: Place::from_id(&r.registration.state).unwrap_or(Place::Cancelled).zh(),
                checked_in: r.registration.checked_in_at.map(local_minute).unwrap_or_default(),
            })
            .collect()
    } else {
        Vec::new()
    };
    let page = EventPage {
        base: Base::new(state, lang, "events", uri).signed_in(me),
        e: line(&v.row, v.phase),
        description: v.row.event.description.clone(),
        stream_url: v.row.event.stream_url.clone(),
        live: v.row.event.online && open,
        booth_word: EventKind::from_id(&v.row.event.kind).unwrap_or(EventKind::CampusFair).booth_word(),
        booths_open: v.row.event.booths_open,
        open,
        cancelled: v.phase == Phase::Cancelled,
        organiser,
        graduate,
        employer,
        mine,
        ticket,
        calendar,
        exhibitors,
        booths: v
            .booths
            .iter()
            .map(|b| BoothLine {
                id: b.id,
                label: b.label.clone(),
                capacity: b.capacity,
                held: b.held,
                free: b.held < b.capacity,
            })
            .collect(),
        bookings,
        my_postings,
        may_book,
        stats,
        registrations,
        notice,
        error: error.as_ref().map(|(_, m)| m.clone()),
    };
    let res = render(&page)?;
    Ok(match error {
        Some((status, _)) => (status, res).into_response(),
        None => res,
    })
}

#[derive(Debug, Deserialize)]
pub struct DoneQuery {
    done: Option<String>,
}

/// What a step that went through says on the page it returns to.
fn notice(done: Option<&str>) -> Option<&'static str> {
    Some(match done? {
        "created" => "events.done_created",
        "registered" => "events.done_registered",
        "waitlisted" => "events.done_waitlisted",
        "unregistered" => "events.done_unregistered",
        "offer_taken" => "events.done_offer_taken",
        "booked" => "events.done_booked",
        "withdrawn" => "events.done_withdrawn",
        "decided" => "events.done_decided",
        "booths" => "events.done_booths",
        "cancelled" => "events.done_cancelled",
        _ => return None,
    })
}

/// One event.
pub async fn event_view(
    State(state): State<AppState>,
    lang: Lang,
    SignedIn(me): SignedIn,
    OriginalUri(uri): OriginalUri,
    Path(id): Path<Uuid>,
    ApiQuery(q): ApiQuery<DoneQuery>,
) -> Result<Response, AppError> {
    let v = state.events().get(&me.actor, id).await?;
    event_page(&state, lang, &me, &uri, v, notice(q.done.as_deref()), None).await
}

/// Shows the event again with a refusal about what was asked, or passes the refusal on to the
/// error page; audited either way under the step's action.
pub(crate) async fn refused(
    state: &AppState,
    lang: Lang,
    me: &Caller,
    uri: &axum::http::Uri,
    id: Uuid,
    audit: AuditEvent,
    e: jiuye_app::Error,
) -> Result<Response, AppError> {
    if shown_on_the_form(&e) {
        let code = e.code.as_str();
        let v = state.events().get(&me.actor, id).await?;
        let res = event_page(state, lang, me, uri, v, None, Some((status_of(&e), e.message))).await?;
        return Ok(audit.result(code).attach(res));
    }
    Ok(audited(audit, Err(e.into())))
}
