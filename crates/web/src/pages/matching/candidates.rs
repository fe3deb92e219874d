//! The employer's "合适的毕业生" for one of its own postings: the opted-in (or applying)
//! graduates who fit it, with the reasons both ways and the invitation already sent, and a form
//! per graduate to invite them. Anyone but the posting's employer gets the API's 404.

use askama::Template;
use axum::extract::{OriginalUri, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use jiuye_app::ErrorKind;
use jiuye_app::matching::invitations::Candidate;
use serde::Deserialize;
use uuid::Uuid;

use crate::AppState;
use crate::auth::{AuditEvent, Caller, audited};
use crate::error::{AppError, ErrorCode};
use crate::extract::query::ApiQuery;
use crate::extract::signed_in::SignedIn;
use crate::i18n::Lang;
use crate::render::page::{Base, render};
use crate::render::time::local_minute;

/// How many graduates the page lists.
const SHOWN: usize = 50;

/// A fitting graduate as a row shows them.
struct Row {
    id: Uuid,
    name: String,
    education: String,
    programme: String,
    university: String,
    fits: Vec<String>,
    fits_less: Vec<String>,
    /// `pending`, `accepted` or `declined`, when invited.
    invitation: Option<String>,
}

fn row(c: Candidate) -> Row {
    Row {
        id: c.graduate_id,
        education: jiuye_domain::EducationLevel::from_id(&c.education_level)
            .map(|l| l.zh().to_owned())
            .unwrap_or(c.education_level),
        name: c.name,
        programme: c.programme_name,
        university: c.university_name,
        fits: c.fits.into_iter().map(|r| r.text).collect(),
        fits_less: c.fits_less.into_iter().map(|r| r.text).collect(),
        invitation: c.invitation,
    }
}

#[derive(Template)]
#[template(path = "matching_candidates.html")]
struct CandidatesPage {
    base: Base,
    id: Uuid,
    title: String,
    rows: Vec<Row>,
    /// Invitations sent: (graduate, when, state).
    sent: Vec<(String, String, String)>,
    /// Why nobody is listed (the posting is not open).
    closed: Option<String>,
    error: Option<String>,
    /// The graduate the error is about, and the message as typed.
    retry: Option<(Uuid, String)>,
    notice: Option<&'static str>,
}

impl CandidatesPage {
    fn state_label(&self, status: &str) -> &str {
        self.base.t(match status {
            "accepted" => "matching.invitation_accepted",
            "declined" => "matching.invitation_declined",
            _ => "matching.invitation_pending",
        })
    }

    /// The message typed for `graduate` when their invitation was refused.
    fn typed(&self, graduate: &Uuid) -> &str {
        self.retry.as_ref().filter(|(g, _)| g == graduate).map(|(_, m)| m.as_str()).unwrap_or("")
    }
}

struct Shown {
    error: Option<String>,
    retry: Option<(Uuid, String)>,
    notice: Option<&'static str>,
}

async fn page(
    state: &AppState,
    lang: Lang,
    me: &Caller,
    uri: &axum::http::Uri,
    id: Uuid,
    s: Shown,
) -> Result<Response, AppError> {
    let m = state.matching();
    let (rows, closed) = match m.candidates(&me.actor, id, SHOWN).await {
        Ok(found) => (found.into_iter().map(row).collect(), None),
        Err(e) if e.kind == ErrorKind::Conflict => (Vec::new(), Some(e.message)),
        Err(e) => return Err(e.into()),
    };
    let sent = m
        .posting_invitations(&me.actor, id)
        .await?
        .into_iter()
        .map(|r| (r.graduate_name, local_minute(r.invitation.created_at), r.invitation.status))
        .collect();
    let title = match state.postings().readable(Some(&me.actor), id).await {
        Ok(r) => r.posting.title,
        Err(e) if e.kind == ErrorKind::NotFound => String::new(),
        Err(e) => return Err(e.into()),
    };
    let failed = s.error.is_some();
    let page = CandidatesPage {
        base: Base::new(state, lang, "postings", uri).signed_in(me),
        id,
        title,
        rows,
        sent,
        closed,
        error: s.error,
        retry: s.retry,
        notice: s.notice,
    };
    let res = render(&page)?;
    Ok(if failed { (StatusCode::UNPROCESSABLE_ENTITY, res).into_response() } else { res })
}

#[derive(Debug, Deserialize)]
pub struct CandidatesQuery {
    done: Option<String>,
}

/// The graduates who fit one of the caller's postings.
pub async fn candidates_page(
    State(state): State<AppState>,
    lang: Lang,
    SignedIn(me): SignedIn,
    OriginalUri(uri): OriginalUri,
    Path(id): Path<Uuid>,
    ApiQuery(q): ApiQuery<CandidatesQuery>,
) -> Result<Response, AppError> {
    let notice = (q.done.as_deref() == Some("invited")).then_some("matching.invited");
    page(&state, lang, &me, &uri, id, Shown { error: None, retry: None, notice }).await
}

#[derive(Debug, Default, Deserialize)]
pub struct InviteForm {
    #[serde(default)]
    graduate_id: String,
    #[serde(default)]
    message: String,
}

/// Invites one graduate from the list; a refusal (invited before, a message too long, the
/// graduate no longer reachable) comes back on the page with its message.
pub async fn invite_submit(
    State(state): State<AppState>,
    lang: Lang,
    SignedIn(me): SignedIn,
    OriginalUri(uri): OriginalUri,
    Path(id): Path<Uuid>,
    axum::Form(f): axum::Form<InviteForm>,
) -> Result<Response, AppError> {
    let event = AuditEvent::new("graduate_invite").target(format!("posting:{id}"), None);
    let graduate = f.graduate_id.trim().parse::<Uuid>().unwrap_or(Uuid::nil());
    match state.matching().invite(&me.actor, id, graduate, &f.message).await {
        Ok(_) => {
            let to = format!("/postings/{id}/candidates?done=invited");
            Ok(event.attach(Redirect::to(&to).into_response()))
        }
        Err(e) => {
            let on_page = e.code != ErrorCode::PostingNotFound
                && matches!(e.kind, ErrorKind::Conflict | ErrorKind::Unprocessable | ErrorKind::NotFound);
            let e = AppError::from(e);
            if !on_page {
                return Ok(audited(event, Err(e)));
            }
            let shown = Shown { error: Some(e.message.clone()), retry: Some((graduate, f.message)), notice: None };
            let mut res = page(&state, lang, &me, &uri, id, shown).await?;
            *res.status_mut() = e.status;
            Ok(event.result(e.code.as_str()).attach(res))
        }
    }
}
