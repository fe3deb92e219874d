//! The corrections to decide (待处理的单位信息更正): corrections proposed about employers
//! registered within the caller's scope, oldest first, each accepted or rejected here with the
//! same use case as the API.

use askama::Template;
use axum::Form;
use axum::extract::{OriginalUri, Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use uuid::Uuid;

use crate::AppState;
use crate::auth::AuditEvent;
use crate::error::AppError;
use crate::extract::query::ApiQuery;
use crate::extract::signed_in::SignedIn;
use crate::i18n::Lang;
use crate::render::page::{Base, render};

/// How many waiting corrections one page shows.
const PAGE_SIZE: i64 = 100;

struct Row {
    id: Uuid,
    credit_code: String,
    employer: String,
    proposer: String,
    proposed_on: String,
    changes: Vec<(String, String)>,
    note: String,
}

#[derive(Template)]
#[template(path = "corrections.html")]
struct CorrectionsPage {
    base: Base,
    total: i64,
    rows: Vec<Row>,
    notice: Option<String>,
    error: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct CorrectionsQuery {
    done: Option<String>,
}

async fn page(
    state: &AppState,
    lang: Lang,
    me: &crate::auth::Caller,
    uri: &axum::http::Uri,
    notice: Option<String>,
    error: Option<AppError>,
) -> Result<Response, AppError> {
    let (items, total) =
        jiuye_app::employers::reviews::corrections_to_decide(state.store.as_ref(), &me.actor, PAGE_SIZE, 0).await?;
    let base = Base::new(state, lang, "employers", uri).signed_in(me);
    let rows = items
        .into_iter()
        .map(|p| {
            let c = &p.row.correction;
            let mut changes = Vec::new();
            let mut add = |key: &str, v: Option<String>| {
                if let Some(v) = v.filter(|v| !v.is_empty()) {
                    changes.push((base.t(key).to_owned(), v));
                }
            };
            add("correction.name", c.name.clone());
            add("correction.employer_type", c.employer_type.clone());
            add("correction.industry", c.industry_code.clone());
            add("correction.region", c.region_code.clone());
            add("correction.employees", c.employees.map(|n| n.to_string()));
            add("correction.revenue", c.revenue_wan.map(|n| n.to_string()));
            add("correction.contact_name", c.contact_name.clone());
            add("correction.contact_phone", c.contact_phone.clone());
            add("correction.contact_email", c.contact_email.clone());
            Row {
                id: c.id,
                proposed_on: crate::render::time::local_minute(c.created_at),
                note: c.note.clone().unwrap_or_default(),
                proposer: format!("{}（{}）", p.row.proposer_username, p.row.proposer_org_name),
                credit_code: p.employer_credit_code,
                employer: p.employer_name,
                changes,
            }
        })
        .collect();
    let status = error.as_ref().map(|e| e.status).unwrap_or(axum::http::StatusCode::OK);
    let mut res = render(&CorrectionsPage { base, total, rows, notice, error: error.map(|e| e.message) })?;
    *res.status_mut() = status;
    Ok(res)
}

pub async fn corrections_page(
    State(state): State<AppState>,
    lang: Lang,
    SignedIn(me): SignedIn,
    OriginalUri(uri): OriginalUri,
    ApiQuery(q): ApiQuery<CorrectionsQuery>,
) -> Result<Response, AppError> {
    let notice = q.done.map(|_| Base::new(&state, lang, "", &uri).t("correction.decided").to_owned());
    page(&state, lang, &me, &uri, notice, None).await
}

#[derive(Debug, Deserialize)]
pub struct DecisionForm {
    credit_code: String,
    decision: String,
    #[serde(default)]
    note: String,
}

/// Accepts or rejects one correction and goes back to the list (or shows it with the refusal).
pub async fn decision_submit(
    State(state): State<AppState>,
    lang: Lang,
    SignedIn(me): SignedIn,
    OriginalUri(uri): OriginalUri,
    Path(id): Path<Uuid>,
    Form(f): Form<DecisionForm>,
) -> Result<Response, AppError> {
    let accept = f.decision == "accept";
    let code = f.credit_code.trim().to_ascii_uppercase();
    let event = AuditEvent::new("employer_correction_decide")
        .target(format!("employer:{code}"), None)
        .detail(format!("correction:{id} {}", if accept { "accept" } else { "reject" }));
    let decided = jiuye_app::employers::reviews::decide_correction(
        state.store.as_ref(),
        &state.refdata,
        &me.actor,
        &code,
        id,
        accept,
        Some(f.note.as_str()),
    )
    .await
    .map_err(AppError::from);
    match decided {
        Ok(done) => Ok(event
            .by(&done.grant)
            .target(format!("employer:{code}"), Some(&done.path))
            .attach(Redirect::to("/employers/corrections?done=1").into_response())),
        Err(e) => Ok(event.attach(page(&state, lang, &me, &uri, None, Some(e)).await?)),
    }
}
