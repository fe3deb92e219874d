//! The steps taken on an event's page: a graduate registers, hands a place back or takes an
//! offered one; an employer books a booth or withdraws; the organiser decides a booking, opens or
//! closes booking and cancels. Each goes back to the event's page with a notice, or shows it
//! again with the refusal; each is audited under the same action as its JSON twin.

use axum::extract::{OriginalUri, Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use jiuye_app::events::BookingInput;
use serde::Deserialize;
use uuid::Uuid;

use super::detail::refused;
use crate::AppState;
use crate::auth::AuditEvent;
use crate::error::AppError;
use crate::extract::signed_in::SignedIn;
use crate::i18n::Lang;

/// Back to the event's page with a notice.
fn back(id: Uuid, done: &str) -> Response {
    Redirect::to(&format!("/events/{id}?done={done}")).into_response()
}

/// The caller registers: a place while any is left, otherwise a place in line.
pub async fn register_submit(
    State(state): State<AppState>,
    lang: Lang,
    SignedIn(me): SignedIn,
    OriginalUri(uri): OriginalUri,
    Path(id): Path<Uuid>,
) -> Result<Response, AppError> {
    let audit = AuditEvent::new("event_register").target(format!("event:{id}"), None);
    match state.events().register(&me.actor, id).await {
        Ok((reg, row)) => {
            let done =
                if reg.state == jiuye_domain::events::Place::Waitlisted.id() { "waitlisted" } else { "registered" };
            Ok(audit
                .target(format!("event:{id}"), Some(&row.org_path))
                .detail(reg.state.clone())
                .attach(back(id, done)))
        }
        Err(e) => refused(&state, lang, &me, &uri, id, audit, e).await,
    }
}

/// The caller gives up their place, their place in line or the place offered to them.
pub async fn unregister_submit(
    State(state): State<AppState>,
    lang: Lang,
    SignedIn(me): SignedIn,
    OriginalUri(uri): OriginalUri,
    Path(id): Path<Uuid>,
) -> Result<Response, AppError> {
    let audit = AuditEvent::new("event_unregister").target(format!("event:{id}"), None);
    match state.events().unregister(&me.actor, id).await {
        Ok((was, row)) => Ok(audit
            .target(format!("event:{id}"), Some(&row.org_path))
            .detail(was.id().to_owned())
            .attach(back(id, "unregistered"))),
        Err(e) => refused(&state, lang, &me, &uri, id, audit, e).await,
    }
}

/// The caller takes the place held for them.
pub async fn take_offer_submit(
    State(state): State<AppState>,
    lang: Lang,
    SignedIn(me): SignedIn,
    OriginalUri(uri): OriginalUri,
    Path(id): Path<Uuid>,
) -> Result<Response, AppError> {
    let audit = AuditEvent::new("event_register").target(format!("event:{id}"), None);
    match state.events().take_offer(&me.actor, id).await {
        Ok((_, row)) => Ok(audit
            .target(format!("event:{id}"), Some(&row.org_path))
            .detail("offer taken".to_owned())
            .attach(back(id, "offer_taken"))),
        Err(e) => refused(&state, lang, &me, &uri, id, audit, e).await,
    }
}

/// A booking as typed: `postings` once per box checked, and a note.
fn booking_form(pairs: Vec<(String, String)>) -> (Vec<Uuid>, String) {
    let mut postings = Vec::new();
    let mut note = String::new();
    for (k, v) in pairs {
        match k.as_str() {
            // A value that is no id names no posting of the employer's: the rules refuse it.
            "postings" => postings.push(v.trim().parse().unwrap_or(Uuid::nil())),
            "note" => note = v,
            _ => {}
        }
    }
    (postings, note)
}

/// The employer books a booth with the postings it brings.
pub async fn book_submit(
    State(state): State<AppState>,
    lang: Lang,
    SignedIn(me): SignedIn,
    OriginalUri(uri): OriginalUri,
    Path((id, booth)): Path<(Uuid, Uuid)>,
    axum::Form(pairs): axum::Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let audit = AuditEvent::new("booth_book").target(format!("event:{id}"), None);
    let (postings, note) = booking_form(pairs);
    let input = BookingInput { postings, note: &note };
    match state.events().book(&me.actor, id, booth, &input).await {
        Ok((booking, row)) => Ok(audit
            .target(format!("event:{id}"), Some(&row.org_path))
            .detail(format!("booking:{} booth:{}", booking.booking.id, booking.booth_label))
            .attach(back(id, "booked"))),
        Err(e) => refused(&state, lang, &me, &uri, id, audit, e).await,
    }
}

/// The employer withdraws its booking, freeing the booth.
pub async fn withdraw_submit(
    State(state): State<AppState>,
    lang: Lang,
    SignedIn(me): SignedIn,
    OriginalUri(uri): OriginalUri,
    Path((id, booking)): Path<(Uuid, Uuid)>,
) -> Result<Response, AppError> {
    let audit = AuditEvent::new("booth_withdraw").target(format!("event:{id}"), None);
    match state.events().withdraw_booking(&me.actor, id, booking).await {
        Ok(_) => {
            crate::api::events::refresh_hall(&state, id).await;
            Ok(audit.detail(format!("booking:{booking}")).attach(back(id, "withdrawn")))
        }
        Err(e) => refused(&state, lang, &me, &uri, id, audit, e).await,
    }
}

#[derive(Debug, Deserialize)]
pub struct DecisionForm {
    #[serde(default)]
    approve: bool,
    /// Required when rejecting.
    #[serde(default)]
    reason: String,
}

/// The organiser approves or rejects a pending booking.
pub async fn decide_submit(
    State(state): State<AppState>,
    lang: Lang,
    SignedIn(me): SignedIn,
    OriginalUri(uri): OriginalUri,
    Path((id, booking)): Path<(Uuid, Uuid)>,
    axum::Form(d): axum::Form<DecisionForm>,
) -> Result<Response, AppError> {
    let audit = AuditEvent::new("booth_decide").target(format!("event:{id}"), None);
    match state.events().decide_booking(&me.actor, id, booking, d.approve, &d.reason).await {
        Ok((b, row, grant)) => {
            crate::api::events::refresh_hall(&state, id).await;
            Ok(audit
                .target(format!("event:{id}"), Some(&row.org_path))
                .by(&grant)
                .detail(format!("booking:{booking} {} {}", b.booking.state, b.employer_name))
                .attach(back(id, "decided")))
        }
        Err(e) => refused(&state, lang, &me, &uri, id, audit, e).await,
    }
}

#[derive(Debug, Deserialize)]
pub struct BoothsOpenForm {
    #[serde(default)]
    open: bool,
}

/// The organiser opens or closes booth booking.
pub async fn booths_open_submit(
    State(state): State<AppState>,
    lang: Lang,
    SignedIn(me): SignedIn,
    OriginalUri(uri): OriginalUri,
    Path(id): Path<Uuid>,
    axum::Form(f): axum::Form<BoothsOpenForm>,
) -> Result<Response, AppError> {
    let audit = AuditEvent::new("event_update").target(format!("event:{id}"), None);
    match state.events().set_booths_open(&me.actor, id, f.open).await {
        Ok((row, grant)) => Ok(audit
            .target(format!("event:{id}"), Some(&row.org_path))
            .by(&grant)
            .detail(if f.open { "booths open" } else { "booths closed" }.to_owned())
            .attach(back(id, "booths"))),
        Err(e) => refused(&state, lang, &me, &uri, id, audit, e).await,
    }
}

/// The organiser cancels the event.
pub async fn cancel_submit(
    State(state): State<AppState>,
    lang: Lang,
    SignedIn(me): SignedIn,
    OriginalUri(uri): OriginalUri,
    Path(id): Path<Uuid>,
) -> Result<Response, AppError> {
    let audit = AuditEvent::new("event_update").target(format!("event:{id}"), None);
    match state.events().cancel(&me.actor, id).await {
        Ok((row, grant)) => Ok(audit
            .target(format!("event:{id}"), Some(&row.org_path))
            .by(&grant)
            .detail("cancelled".to_owned())
            .attach(back(id, "cancelled"))),
        Err(e) => refused(&state, lang, &me, &uri, id, audit, e).await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_booking_form_keeps_every_posting_checked_and_refuses_what_is_no_id() {
        let id = Uuid::from_u128(7);
        let pairs = vec![
            ("csrf".to_owned(), "x".to_owned()),
            ("postings".to_owned(), id.to_string()),
            ("postings".to_owned(), "nonsense".to_owned()),
            ("note".to_owned(), "两名招聘官".to_owned()),
        ];
        assert_eq!(booking_form(pairs), (vec![id, Uuid::nil()], "两名招聘官".to_owned()));
    }
}
