//! The staff review queue of postings: each posting with its screening and the decision form;
//! a decision the rules refuse is shown again at its posting's form.

use axum::extract::{OriginalUri, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use uuid::Uuid;

use crate::AppState;
use crate::api::postings::review::PostingList;
use crate::api::postings::review::QueueParams;
use crate::api::postings::review::ReviewInput;
use crate::api::postings::review::queue;
use crate::auth::{Caller, audited};
use crate::error::AppError;
use crate::extract::page::Page;
use crate::extract::query::ApiQuery;
use crate::extract::signed_in::SignedIn;
use crate::i18n::Lang;
use crate::render::page::Base;
use crate::render::page::render;

#[derive(askama::Template)]
#[template(path = "posting_review.html")]
struct ReviewPage {
    base: Base,
    status: String,
    list: PostingList,
    statuses: Vec<(&'static str, String)>,
    done: bool,
    /// Scams other scopes confirmed about employers registered within the reviewer's scope.
    scam_reports: crate::api::employers::reviews::ScamReportList,
    /// A decision that was refused: (posting, what to fix, the note as typed), shown at its form.
    error: Option<(Uuid, String, String)>,
}

#[derive(Debug, Deserialize)]
pub struct ReviewQuery {
    status: Option<String>,
    done: Option<String>,
}

/// The staff review queue with each posting's screening and the decision form.
pub async fn review_page(
    State(state): State<AppState>,
    lang: Lang,
    SignedIn(me): SignedIn,
    OriginalUri(uri): OriginalUri,
    ApiQuery(q): ApiQuery<ReviewQuery>,
) -> Result<Response, AppError> {
    let status = q.status.clone().filter(|s| !s.is_empty()).unwrap_or_else(|| "pending".into());
    review_list(&state, lang, &uri, &me, status, q.done.is_some(), None).await
}

/// The queues a reviewer switches between.
const QUEUES: [&str; 6] = ["pending", "held", "reported", "recheck", "approved", "rejected"];

/// The review queue of `status`, with a refused decision's error at its posting's form.
async fn review_list(
    state: &AppState,
    lang: Lang,
    uri: &axum::http::Uri,
    me: &Caller,
    status: String,
    done: bool,
    error: Option<(Uuid, String, String)>,
) -> Result<Response, AppError> {
    let state = state.clone();
    let list = queue(&state, me, &QueueParams { status: Some(status.clone()) }, Page::first()).await?;
    let base = Base::new(&state, lang, "postings", uri).signed_in(me);
    let statuses = QUEUES.into_iter().map(|s| (s, base.t(&format!("posting.status_{s}")).to_owned())).collect();
    let scam_reports = match crate::api::employers::reviews::scam_inbox(&state, me, Page { limit: 20, offset: 0 }).await
    {
        Ok(found) => found,
        // Reviewers who do not verify employers get no reports.
        Err(e) if e.status == StatusCode::FORBIDDEN => {
            crate::api::employers::reviews::ScamReportList { total: 0, items: Vec::new() }
        }
        Err(e) => return Err(e),
    };
    let page = ReviewPage { base, status, list, statuses, done, scam_reports, error };
    match render(&page) {
        // A refused decision is shown in place, with the status that says why.
        Ok(res) if page.error.is_some() => Ok((StatusCode::UNPROCESSABLE_ENTITY, res).into_response()),
        other => other,
    }
}

#[derive(Debug, Deserialize)]
pub struct ReviewForm {
    decision: String,
    #[serde(default)]
    note: String,
    version: i64,
    #[serde(default)]
    back: String,
}

/// Records a decision from the queue and returns to it.
pub async fn review_submit(
    State(state): State<AppState>,
    lang: Lang,
    SignedIn(me): SignedIn,
    Path(id): Path<Uuid>,
    axum::Form(f): axum::Form<ReviewForm>,
) -> Result<Response, AppError> {
    let note = f.note.clone();
    let input = ReviewInput { decision: f.decision, note: Some(f.note), version: f.version };
    let event = crate::api::postings::review::review_event(id, &input);
    let back = if QUEUES.contains(&f.back.as_str()) { f.back } else { "pending".into() };
    match crate::api::postings::review::review(&state, &me, id, &input).await {
        Ok((row, grant, detail)) => {
            let to = Redirect::to(&format!("/postings/review?status={back}&done=1"));
            Ok(event
                .by(&grant)
                .target(format!("posting:{id}"), Some(&row.scope_path))
                .detail(detail)
                .attach(to.into_response()))
        }
        // Input the rules refuse (a rejection without its reason…): the queue again, the
        // message at the posting's form, the note as typed.
        Err(e) if e.status == StatusCode::UNPROCESSABLE_ENTITY || e.status == StatusCode::BAD_REQUEST => {
            let uri: axum::http::Uri = format!("/postings/review?status={back}").parse().unwrap_or_default();
            let shown = review_list(&state, lang, &uri, &me, back, false, Some((id, e.message.clone(), note))).await?;
            Ok(event.result(e.code.as_str()).attach(shown))
        }
        Err(e) => Ok(audited(event, Err(e))),
    }
}
