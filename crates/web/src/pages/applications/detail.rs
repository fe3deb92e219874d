//! One application opened by one of its parties (申请详情): the position and the applicant, every
//! state with its date, the messages between the two, a form to write one and the moves the
//! caller may make. Opening it marks it seen: its news no longer count on the workbench.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use uuid::Uuid;

use crate::AppState;
use crate::api::applications::ApplicationDto;
use crate::auth::audited;
use crate::error::AppError;
use crate::extract::signed_in::SignedIn;
use crate::render::page::{Base, render};

#[derive(askama::Template)]
#[template(path = "application.html")]
struct ApplicationPage {
    base: Base,
    app: ApplicationDto,
    /// The moves the caller may make (an employer's pipeline; empty for the graduate).
    steps: Vec<&'static str>,
    /// Whether the caller is the applicant.
    applicant: bool,
}

/// The application, as one of its two parties sees it (404 for anyone else).
pub async fn application_page(
    State(state): State<AppState>,
    lang: crate::i18n::Lang,
    SignedIn(me): SignedIn,
    axum::extract::OriginalUri(uri): axum::extract::OriginalUri,
    Path(id): Path<Uuid>,
) -> Result<Response, AppError> {
    let a = crate::api::applications::open_application(&state, &me, id).await?;
    let applicant = jiuye_app::applications::own_graduate(&me.actor).is_some();
    let steps = super::moves_of(&me);
    let base = Base::new(&state, lang, "postings", &uri).signed_in(&me);
    render(&ApplicationPage { base, app: a, steps, applicant })
}

#[derive(Debug, Deserialize)]
pub struct MessageForm {
    #[serde(default)]
    body: String,
}

/// Writes a message from the application's page and returns to it.
pub async fn message_submit(
    State(state): State<AppState>,
    SignedIn(me): SignedIn,
    Path(id): Path<Uuid>,
    axum::Form(f): axum::Form<MessageForm>,
) -> Result<Response, AppError> {
    let written = crate::api::applications::write_message(&state, &me, id, &f.body).await;
    let back = Redirect::to(&format!("/applications/{id}#messages"));
    Ok(audited(crate::api::applications::message_event(id), written.map(|_| back.into_response())))
}
