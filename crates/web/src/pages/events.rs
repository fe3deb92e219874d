//! Recruitment event pages (招聘活动): the events the caller sees, as a list or a month
//! calendar, with the organiser's form; one event with what the caller may do there
//! (`detail`, `actions`); the door staff's check-in page (`checkin`). Pages call the event use
//! cases and nothing else; they never decide who may do what, and never show typed text as markup.

pub mod actions;
pub(crate) mod calendar;
pub mod checkin;
pub mod detail;

use askama::Template;
use axum::extract::{OriginalUri, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use jiuye_app::events::{ListQuery, NewEvent};
use jiuye_domain::access::{self, Action};
use jiuye_domain::events::{EventInput, EventKind, MAX_BOOTHS, Phase, Theme, numbered_booths};
use jiuye_store::events::EventRow;
use serde::Deserialize;
use uuid::Uuid;

use crate::AppState;
use crate::auth::{AuditEvent, Caller, audited};
use crate::error::AppError;
use crate::extract::query::ApiQuery;
use crate::extract::signed_in::SignedIn;
use crate::i18n::Lang;
use crate::render::page::{Base, encode_component, render};
use crate::render::time::{from_shanghai, local_date, local_minute, parse_local_minute, today};

use calendar::Day;

/// An event as a row (and a page's heading lines) show it.
pub(crate) struct Line {
    pub id: Uuid,
    pub title: String,
    pub kind: &'static str,
    pub theme: &'static str,
    pub org: String,
    /// When, in Beijing time.
    pub when: String,
    pub venue: String,
    pub online: bool,
    pub places: i32,
    pub taken: i32,
    pub waitlisted: i64,
    pub phase: &'static str,
}

/// `2024-05-01 09:00–12:00`, or both ends in full when they fall on different days.
fn span(starts: DateTime<Utc>, ends: DateTime<Utc>) -> String {
    let (from, to) = (local_minute(starts), local_minute(ends));
    match (from.split_once(' '), to.split_once(' ')) {
        (Some((d1, _)), Some((d2, t2))) if d1 == d2 => format!("{from}–{t2}"),
        _ => format!("{from} – {to}"),
    }
}

/// An event organised on another node, as listed here.
pub(crate) struct ElsewhereLine {
    pub title: String,
    pub kind: &'static str,
    pub org: String,
    pub when: String,
    pub venue: String,
    pub online: bool,
    pub places: i64,
    pub cancelled: bool,
    pub booths_open: bool,
    pub origin: String,
    /// Where to register or book, at the origin's node.
    pub register_at: Option<String>,
}

fn elsewhere_line(x: &jiuye_app::events::ElsewhereEvent) -> ElsewhereLine {
    let e = &x.event;
    ElsewhereLine {
        title: e.title.clone(),
        kind: e.kind.zh(),
        org: e.organiser_name.clone(),
        when: span(e.starts_at, e.ends_at),
        venue: e.venue.clone(),
        online: e.online,
        places: e.places,
        cancelled: e.cancelled,
        booths_open: e.booths_open,
        origin: x.origin.clone(),
        register_at: x.register_at.clone(),
    }
}

pub(crate) fn line(r: &EventRow, phase: Phase) -> Line {
    let e = &r.event;
    Line {
        id: e.id,
        title: e.title.clone(),
        kind: EventKind::from_id(&e.kind).map(EventKind::zh).unwrap_or_default(),
        theme: Theme::from_id(&e.theme).map(Theme::zh).unwrap_or_default(),
        org: r.org_name.clone(),
        when: span(e.starts_at, e.ends_at),
        venue: e.venue.clone(),
        online: e.online,
        places: e.places,
        taken: e.taken,
        waitlisted: r.waitlisted,
        phase: phase.zh(),
    }
}

/// The organiser's form, as typed.
#[derive(Debug, Default, Deserialize)]
pub struct EventForm {
    /// The organising organisation's code (default: where the caller organises).
    #[serde(default)]
    org: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    theme: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    venue: String,
    #[serde(default)]
    online: bool,
    #[serde(default)]
    stream_url: String,
    /// `YYYY-MM-DDTHH:MM`, Beijing time.
    #[serde(default)]
    starts_at: String,
    #[serde(default)]
    ends_at: String,
    #[serde(default)]
    places: String,
    #[serde(default)]
    hold_hours: String,
    /// How many booths, each for one employer.
    #[serde(default)]
    booths: String,
    /// What the booths' labels begin with (`A` → A01, A02, …).
    #[serde(default)]
    booth_prefix: String,
    #[serde(default)]
    booths_open: bool,
}

impl EventForm {
    fn blank() -> EventForm {
        EventForm {
            kind: EventKind::CampusFair.id().into(),
            hold_hours: jiuye_domain::events::DEFAULT_HOLD_HOURS.to_string(),
            booths: "0".into(),
            booth_prefix: "A".into(),
            ..EventForm::default()
        }
    }

    /// The booths asked for: a count that is not a number, or too many, asks for more than
    /// allowed so that the rules refuse it with their message.
    fn booths(&self) -> Vec<(String, i32)> {
        let n = match self.booths.trim() {
            "" => 0,
            s => s.parse::<usize>().map(|n| n.min(MAX_BOOTHS + 1)).unwrap_or(MAX_BOOTHS + 1),
        };
        numbered_booths(self.booth_prefix.trim(), n)
    }

    fn new_event(&self, booths: Vec<(String, i32)>) -> NewEvent<'_> {
        NewEvent {
            org: Some(self.org.as_str()),
            input: EventInput {
                kind: &self.kind,
                theme: &self.theme,
                title: &self.title,
                description: &self.description,
                venue: &self.venue,
                online: self.online,
                stream_url: &self.stream_url,
                starts_at: parse_local_minute(&self.starts_at),
                ends_at: parse_local_minute(&self.ends_at),
                places: self.places.trim().parse().unwrap_or(0),
                hold_hours: match self.hold_hours.trim() {
                    "" => None,
                    h => Some(h.parse().unwrap_or(0)),
                },
            },
            booths,
            booths_open: self.booths_open,
        }
    }
}

/// The filters of the event list, as the GET form sends them.
#[derive(Debug, Default, Deserialize)]
pub struct ListParams {
    kind: Option<String>,
    /// `YYYY-MM-DD`: events ending on or after this day.
    from: Option<String>,
    /// `YYYY-MM-DD`: events starting on or before this day.
    to: Option<String>,
    /// A GB/T 4754 industry code prefix.
    industry: Option<String>,
    own_college: Option<String>,
    /// `calendar` for the month view.
    view: Option<String>,
    /// `YYYY-MM`: the calendar's month.
    month: Option<String>,
}

fn day(s: Option<&str>) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s?.trim(), "%Y-%m-%d").ok()
}

/// The start of a Beijing calendar day.
fn day_start(d: NaiveDate) -> Option<DateTime<Utc>> {
    from_shanghai(d.and_hms_opt(0, 0, 0)?)
}

/// The month view: its caption, the links to the months around it and its weeks.
struct Month {
    caption: String,
    previous: String,
    next: String,
    weeks: Vec<Vec<Day>>,
}

#[derive(Template)]
#[template(path = "events.html")]
struct EventsPage {
    base: Base,
    organiser: bool,
    graduate: bool,
    lines: Vec<Line>,
    /// Events organised on other nodes (list view only).
    elsewhere: Vec<ElsewhereLine>,
    month: Option<Month>,
    weekdays: [&'static str; 7],
    kinds: Vec<(&'static str, &'static str)>,
    themes: Vec<(&'static str, &'static str)>,
    /// The filters as typed.
    kind: String,
    from: String,
    to: String,
    industry: String,
    own_college: bool,
    /// The filters as a query string (for the links between the list and the calendar).
    filters: String,
    form: EventForm,
    error: Option<String>,
}

async fn list_page(
    state: &AppState,
    lang: Lang,
    me: &Caller,
    uri: &axum::http::Uri,
    q: ListParams,
    form: EventForm,
    error: Option<(StatusCode, String)>,
) -> Result<Response, AppError> {
    let kind = q.kind.clone().unwrap_or_default().trim().to_owned();
    let industry = q.industry.clone().unwrap_or_default().trim().to_owned();
    let own_college = q.own_college.as_deref().is_some_and(|v| !v.is_empty());
    let (from, to) = (day(q.from.as_deref()), day(q.to.as_deref()));
    let mut query = ListQuery {
        kind: Some(kind.clone()).filter(|k| !k.is_empty()),
        industry: Some(industry.clone()).filter(|i| !i.is_empty()),
        from: from.and_then(day_start),
        to: to.and_then(|d| day_start(d + Duration::days(1))),
        own_college,
    };
    let first = match q.view.as_deref() {
        Some("calendar") => Some(
            q.month
                .as_deref()
                .and_then(calendar::parse_month)
                .or_else(|| from.and_then(|d| calendar::parse_month(&d.format("%Y-%m").to_string())))
                .or_else(|| calendar::parse_month(&today().format("%Y-%m").to_string()))
                .unwrap_or_default(),
        ),
        _ => None,
    };
    if let Some(first) = first {
        query.from = day_start(first);
        query.to = day_start(calendar::next_month(first));
    }
    let list = state.events().list(&me.actor, &query).await?;
    let elsewhere = if first.is_none() && kind.is_empty() && industry.is_empty() && !own_college {
        state.events().elsewhere(&me.actor).await?.iter().map(elsewhere_line).collect()
    } else {
        Vec::new()
    };
    let mut filters = Vec::new();
    for (k, v) in [("kind", &kind), ("industry", &industry)] {
        if !v.is_empty() {
            filters.push(format!("{k}={}", encode_component(v)));
        }
    }
    if own_college {
        filters.push("own_college=true".to_owned());
    }
    let filters = filters.join("&");
    let month = first.map(|first| {
        let spans: Vec<(Uuid, String, NaiveDate, NaiveDate)> = list
            .iter()
            .map(|(r, _)| {
                let e = &r.event;
                let last = local_date(e.ends_at - Duration::seconds(1)).max(local_date(e.starts_at));
                (e.id, e.title.clone(), local_date(e.starts_at), last)
            })
            .collect();
        let link = |d: NaiveDate| {
            let m = d.format("%Y-%m");
            if filters.is_empty() {
                format!("/events?view=calendar&month={m}")
            } else {
                format!("/events?view=calendar&month={m}&{filters}")
            }
        };
        Month {
            caption: first.format("%Y-%m").to_string(),
            previous: link(calendar::previous_month(first)),
            next: link(calendar::next_month(first)),
            weeks: calendar::weeks(first, &spans),
        }
    });
    let page = EventsPage {
        base: Base::new(state, lang, "events", uri).signed_in(me),
        organiser: !access::scope_paths(&me.actor, Action::OrganiseEvent).is_empty(),
        graduate: access::subject_of(&me.actor, access::Role::Graduate).is_some(),
        lines: list.iter().map(|(r, p)| line(r, *p)).collect(),
        elsewhere,
        month,
        weekdays: calendar::WEEKDAYS,
        kinds: EventKind::ALL.into_iter().map(|k| (k.id(), k.zh())).collect(),
        themes: Theme::ALL.into_iter().filter(|t| *t != Theme::None).map(|t| (t.id(), t.zh())).collect(),
        kind,
        from: from.map(|d| d.to_string()).unwrap_or_default(),
        to: to.map(|d| d.to_string()).unwrap_or_default(),
        industry,
        own_college,
        filters,
        form,
        error: error.as_ref().map(|(_, m)| m.clone()),
    };
    let res = render(&page)?;
    Ok(match error {
        Some((status, _)) => (status, res).into_response(),
        None => res,
    })
}

/// The events the caller sees, as a list or (`?view=calendar`) a month.
pub async fn events_page(
    State(state): State<AppState>,
    lang: Lang,
    SignedIn(me): SignedIn,
    OriginalUri(uri): OriginalUri,
    ApiQuery(q): ApiQuery<ListParams>,
) -> Result<Response, AppError> {
    list_page(&state, lang, &me, &uri, q, EventForm::blank(), None).await
}

/// Organises an event from the form and goes to its page.
pub async fn create_submit(
    State(state): State<AppState>,
    lang: Lang,
    SignedIn(me): SignedIn,
    OriginalUri(uri): OriginalUri,
    axum::Form(f): axum::Form<EventForm>,
) -> Result<Response, AppError> {
    let audit = AuditEvent::new("event_create");
    match state.events().create(&me.actor, &f.new_event(f.booths())).await {
        Ok((row, grant)) => Ok(audit
            .target(format!("event:{}", row.event.id), Some(&row.org_path))
            .by(&grant)
            .detail(row.event.title.clone())
            .attach(Redirect::to(&format!("/events/{}?done=created", row.event.id)).into_response())),
        Err(e) if shown_on_the_form(&e) => {
            let code = e.code.as_str();
            let status = status_of(&e);
            let res = list_page(&state, lang, &me, &uri, ListParams::default(), f, Some((status, e.message))).await?;
            Ok(audit.result(code).attach(res))
        }
        Err(e) => Ok(audited(audit, Err(e.into()))),
    }
}

/// Whether a refusal is about what was typed (shown on the page with the form kept), rather than
/// about who asked (the error page).
pub(crate) fn shown_on_the_form(e: &jiuye_app::Error) -> bool {
    use jiuye_app::ErrorKind as K;
    matches!(e.kind, K::Unprocessable | K::Conflict)
        || (e.kind == K::NotFound && e.code == jiuye_app::ErrorCode::OrgNotFound)
}

/// The status a page shown again with a refusal answers.
pub(crate) fn status_of(e: &jiuye_app::Error) -> StatusCode {
    match e.kind {
        jiuye_app::ErrorKind::Conflict => StatusCode::CONFLICT,
        jiuye_app::ErrorKind::NotFound => StatusCode::NOT_FOUND,
        _ => StatusCode::UNPROCESSABLE_ENTITY,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn a_time_span_names_the_day_once_when_it_ends_the_same_day() {
        let t = |h| Utc.with_ymd_and_hms(2024, 5, 1, h, 0, 0).single().unwrap();
        assert_eq!(span(t(1), t(4)), "2024-05-01 09:00–12:00");
        assert_eq!(span(t(1), t(20)), "2024-05-01 09:00 – 2024-05-02 04:00");
    }

    #[test]
    fn a_booth_count_that_is_not_a_number_asks_for_too_many() {
        let f = |n: &str| EventForm { booths: n.into(), booth_prefix: "B".into(), ..EventForm::default() };
        assert_eq!(f("2").booths(), [("B01".to_owned(), 1), ("B02".to_owned(), 1)]);
        assert!(f("").booths().is_empty());
        assert_eq!(f("-1").booths().len(), MAX_BOOTHS + 1);
        assert_eq!(f("99999999").booths().len(), MAX_BOOTHS + 1);
    }
}
