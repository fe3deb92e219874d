//! The door staff's check-in page (the organiser's staff, on a phone): a form to type a ticket's
//! short code, which works without JavaScript, and, where the browser reads QR codes from the
//! camera, `static/js/checkin.js` scanning tickets into the check-in API. Each page carries a
//! fresh nonce, so sending the same form twice admits once.

use askama::Template;
use axum::extract::{OriginalUri, Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use jiuye_app::events::{CheckIn, Stance};
use jiuye_store::events::CheckedIn;
use serde::Deserialize;
use uuid::Uuid;

use super::{Line, line, shown_on_the_form, status_of};
use crate::AppState;
use crate::auth::{AuditEvent, Caller, audited};
use crate::error::AppError;
use crate::extract::signed_in::SignedIn;
use crate::i18n::Lang;
use crate::render::page::{Base, render};
use crate::render::time::local_minute;

/// Who a check-in admitted, and how.
struct Admitted {
    name: String,
    student_no: String,
    university: String,
    college: String,
    /// The message key of the outcome.
    outcome: &'static str,
    /// When they were checked in by an earlier scan.
    before: String,
}

fn admitted(c: CheckIn) -> Admitted {
    let (outcome, before) = match c.outcome {
        CheckedIn::First => ("events.checkin_first", String::new()),
        CheckedIn::Before(at) => ("events.checkin_before", local_minute(at)),
        CheckedIn::Retry => ("events.checkin_retry", String::new()),
    };
    Admitted { name: c.name, student_no: c.student_no, university: c.university, college: c.college, outcome, before }
}

#[derive(Template)]
#[template(path = "event_checkin.html")]
struct CheckinPage {
    base: Base,
    e: Line,
    nonce: String,
    admitted: Option<Admitted>,
    checked_in: i64,
    registered: i64,
    error: Option<String>,
}

async fn checkin_page(
    state: &AppState,
    lang: Lang,
    me: &Caller,
    uri: &axum::http::Uri,
    id: Uuid,
    admitted: Option<Admitted>,
    error: Option<(StatusCode, String)>,
) -> Result<Response, AppError> {
    let events = state.events();
    let v = events.get(&me.actor, id).await?;
    if v.stance != Stance::Organiser {
        return Err(jiuye_app::Error::forbidden().into());
    }
    let stats = events.stats(&me.actor, id).await?;
    let page = CheckinPage {
        base: Base::new(state, lang, "events", uri).signed_in(me),
        e: line(&v.row, v.phase),
        nonce: Uuid::new_v4().simple().to_string(),
        admitted,
        checked_in: stats.attendance.checked_in,
        registered: stats.attendance.registered,
        error: error.as_ref().map(|(_, m)| m.clone()),
    };
    let res = render(&page)?;
    Ok(match error {
        Some((status, _)) => (status, res).into_response(),
        None => res,
    })
}

/// The check-in page (the organiser only).
pub async fn checkin_view(
    State(state): State<AppState>,
    lang: Lang,
    SignedIn(me): SignedIn,
    OriginalUri(uri): OriginalUri,
    Path(id): Path<Uuid>,
) -> Result<Response, AppError> {
    checkin_page(&state, lang, &me, &uri, id, None, None).await
}

#[derive(Debug, Deserialize)]
pub struct CheckinForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    nonce: String,
}

/// Checks a graduate in by the short code typed.
pub async fn checkin_submit(
    State(state): State<AppState>,
    lang: Lang,
    SignedIn(me): SignedIn,
    OriginalUri(uri): OriginalUri,
    Path(id): Path<Uuid>,
    axum::Form(f): axum::Form<CheckinForm>,
) -> Result<Response, AppError> {
    let audit = AuditEvent::new("event_checkin").target(format!("event:{id}"), None);
    match state.events().check_in(&me.actor, id, None, Some(&f.code), &f.nonce).await {
        Ok((who, row, grant)) => {
            let outcome = match who.outcome {
                CheckedIn::First => "first",
                CheckedIn::Before(_) => "before",
                CheckedIn::Retry => "retry",
            };
            let audit = audit
                .target(format!("event:{id}"), Some(&row.org_path))
                .by(&grant)
                .detail(format!("{outcome} {}", who.student_no));
            let res = checkin_page(&state, lang, &me, &uri, id, Some(admitted(who)), None).await?;
            Ok(audit.attach(res))
        }
        Err(e) if shown_on_the_form(&e) => {
            let code = e.code.as_str();
            let res = checkin_page(&state, lang, &me, &uri, id, None, Some((status_of(&e), e.message))).await?;
            Ok(audit.result(code).attach(res))
        }
        Err(e) => Ok(audited(audit, Err(e.into()))),
    }
}

/// The scanner (progressive enhancement: the page works without it).
pub async fn script() -> Response {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8"), (header::CACHE_CONTROL, "public, max-age=3600")],
        include_str!("../../../static/js/checkin.js"),
    )
        .into_response()
}
