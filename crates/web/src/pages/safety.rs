//! Job-seeking safety pages: the warnings (求职安全提示, from the same file as the screening rules),
//! the quiz, completion by college for staff, the rules' reload for administrators, and rights
//! reports (`rights`).

pub mod rights;

use askama::Template;
use axum::extract::{OriginalUri, State};
use axum::response::{IntoResponse, Redirect, Response};
use jiuye_domain::safety::quiz::Quiz;
use serde::Deserialize;

use crate::AppState;
use crate::api::safety::education::{Completion, QuizResult, WarningDto, completion, grade, warning_list};
use crate::auth::{AuditEvent, MaybeCaller, audited};
use crate::error::AppError;
use crate::extract::query::ApiQuery;
use crate::extract::signed_in::SignedIn;
use crate::i18n::Lang;
use crate::render::page::{Base, render};

#[derive(Template)]
#[template(path = "safety.html")]
struct SafetyPage {
    base: Base,
    warnings: Vec<WarningDto>,
    /// The caller may reload the rules: (where they come from, what the last reload changed).
    manage: Option<(String, Option<String>)>,
    may_report: bool,
    quiz_done: Option<(i64, i64, bool)>,
}

#[derive(Debug, Deserialize)]
pub struct SafetyQuery {
    reloaded: Option<String>,
}

/// The warnings, with a link to the quiz and, for graduates, to rights reports.
pub async fn safety_page(
    State(state): State<AppState>,
    lang: Lang,
    caller: MaybeCaller,
    OriginalUri(uri): OriginalUri,
    ApiQuery(q): ApiQuery<SafetyQuery>,
) -> Result<Response, AppError> {
    let base = Base::new(&state, lang, "safety", &uri).with_caller(&caller);
    let actor = caller.0.as_deref().map(|c| &c.actor);
    let manage = actor.filter(|a| jiuye_domain::access::may_manage_screening_rules(a)).map(|_| {
        let book = &state.settings.scam_rules;
        let source = match book.file().filter(|p| p.exists()) {
            Some(p) => p.display().to_string(),
            None => base.t("safety.rules_shipped").to_owned(),
        };
        (source, q.reloaded.clone())
    });
    let may_report = base.is_graduate;
    let quiz_done = match actor {
        Some(a) => jiuye_app::safety::quiz::mine(state.store.as_ref(), a).await?,
        None => None,
    };
    render(&SafetyPage { warnings: warning_list(&state), manage, may_report, quiz_done, base })
}

/// Reloads the rules from the page (administrators), then shows what changed.
pub async fn reload_submit(State(state): State<AppState>, SignedIn(me): SignedIn) -> Result<Response, AppError> {
    let event = AuditEvent::new("screening_reload");
    let book = state.settings.scam_rules.clone();
    match jiuye_app::safety::rules::reload(&state.postings(), &book, &me.actor).await {
        Ok(d) => {
            let summary = format!("{}/{}/{}/{}", d.screened, d.changed, d.held, d.recheck);
            Ok(event
                .detail(crate::api::safety::reload_detail(&d))
                .attach(Redirect::to(&format!("/safety?reloaded={summary}#h-rules")).into_response()))
        }
        Err(e) => Ok(audited(event, Err(e.into()))),
    }
}

#[derive(Template)]
#[template(path = "safety_quiz.html")]
struct QuizPage {
    base: Base,
    quiz: &'static Quiz,
    /// The caller may answer (a graduate).
    may_answer: bool,
    result: Option<QuizResult>,
}

/// The quiz (everyone reads it; graduates answer it).
pub async fn quiz_page(
    State(state): State<AppState>,
    lang: Lang,
    caller: MaybeCaller,
    OriginalUri(uri): OriginalUri,
) -> Result<Response, AppError> {
    let base = Base::new(&state, lang, "safety", &uri).with_caller(&caller);
    let may_answer = base.is_graduate;
    render(&QuizPage { base, quiz: Quiz::shipped(), may_answer, result: None })
}

/// Grades a graduate's answers and shows them with the right ones.
pub async fn quiz_submit(
    State(state): State<AppState>,
    lang: Lang,
    SignedIn(me): SignedIn,
    OriginalUri(uri): OriginalUri,
    axum::Form(form): axum::Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let answers: Vec<(String, usize)> =
        form.into_iter().filter_map(|(k, v)| Some((k.strip_prefix("q_")?.to_owned(), v.parse().ok()?))).collect();
    let result = grade(&state, &me.actor, &answers).await?;
    let base = Base::new(&state, lang, "safety", &uri).signed_in(&me);
    render(&QuizPage { base, quiz: Quiz::shipped(), may_answer: true, result: Some(result) })
}

#[derive(Template)]
#[template(path = "safety_completion.html")]
struct CompletionPage {
    base: Base,
    completion: Completion,
}

#[derive(Debug, Deserialize)]
pub struct CompletionQuery {
    cohort: Option<i32>,
}

/// Quiz completion by college (staff who see statistics).
pub async fn completion_page(
    State(state): State<AppState>,
    lang: Lang,
    SignedIn(me): SignedIn,
    OriginalUri(uri): OriginalUri,
    ApiQuery(q): ApiQuery<CompletionQuery>,
) -> Result<Response, AppError> {
    let completion = completion(&state, &me.actor, q.cohort).await?;
    let base = Base::new(&state, lang, "safety", &uri).signed_in(&me);
    render(&CompletionPage { base, completion })
}
