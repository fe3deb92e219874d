//! Job-seeking safety over JSON: the screening rules in force and their reload; rights reports
//! (`rights`); the warnings and the quiz (`education`).

pub mod education;
pub mod rights;

use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::auth::{AuditEvent, Signed, audited};
use crate::error::ErrorBody;
use serde::Serialize;
use utoipa::ToSchema;

/// What screening the open postings again changed.
#[derive(Debug, Serialize, ToSchema)]
pub struct Rescreened {
    /// Open postings (pending, held, approved) screened.
    pub screened: u64,
    /// Postings whose level or reasons changed.
    pub changed: u64,
    /// Pending postings held because they became high-risk.
    pub held: u64,
    /// Approved postings back in the review queue (still visible, with the warning).
    pub recheck: u64,
}

/// Reads the node's screening rules file (`scam_rules.toml` in the data directory; the shipped
/// rules when there is none) again and, when the rules changed, screens every open posting with
/// them (all counts 0 when nothing changed): a pending posting
/// that becomes high-risk is held; an approved one stays visible with its warning and waits in
/// the review queue (`status=recheck`). Administrators of the ministry or a province only. A
/// file that does not parse changes nothing.
#[utoipa::path(post, path = "/api/v1/screening/reload", tag = "safety",
    responses((status = 200, description = "Reloaded; what screening the open postings again changed", body = Rescreened),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 403, description = "`forbidden`", body = ErrorBody),
        (status = 422, description = "`invalid_rules`: the file does not parse (the message names the line)", body = ErrorBody)))]
pub async fn reload_rules(State(state): State<AppState>, Signed(caller): Signed) -> Response {
    let event = AuditEvent::new("screening_reload");
    let book = state.settings.scam_rules.clone();
    match jiuye_app::safety::rules::reload(&state.postings(), &book, &caller.actor).await {
        Ok(done) => event.detail(reload_detail(&done)).attach(
            Json(Rescreened { screened: done.screened, changed: done.changed, held: done.held, recheck: done.recheck })
                .into_response(),
        ),
        Err(e) => audited(event, Err(e.into())),
    }
}

/// What a reload changed, as the audit entry records it.
pub(crate) fn reload_detail(d: &jiuye_app::safety::rules::Rescreened) -> String {
    format!("screened:{} changed:{} held:{} recheck:{}", d.screened, d.changed, d.held, d.recheck)
}

/// Checks the rules file every `every` and, when it changed, reloads it and screens the open
/// postings again (a file that does not parse is logged and the rules in force stay).
pub async fn watch_rules(state: AppState, every: std::time::Duration) {
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let book = state.settings.scam_rules.clone();
        if !book.changed_on_disk() {
            continue;
        }
        match book.reload() {
            Ok(true) => {}
            Ok(false) => continue,
            Err(e) => {
                tracing::error!(error = %e.message, "screening rules not reloaded");
                continue;
            }
        }
        match jiuye_app::safety::rules::rescreen_open(&state.postings()).await {
            Ok(d) => tracing::info!(
                screened = d.screened,
                changed = d.changed,
                held = d.held,
                recheck = d.recheck,
                "screening rules reloaded; open postings screened again"
            ),
            Err(e) => tracing::error!(error = %e.message, "open postings not screened again"),
        }
    }
}

/// The documented routes of job-seeking safety.
pub fn router() -> OpenApiRouter<AppState> {
    use education::*;
    use rights::*;
    OpenApiRouter::new()
        .routes(routes!(reload_rules))
        .routes(routes!(file_report, list_reports))
        .routes(routes!(report_summary))
        .routes(routes!(get_report))
        .routes(routes!(advance_report))
        .routes(routes!(warnings))
        .routes(routes!(quiz, answer_quiz))
        .routes(routes!(quiz_completion))
}
