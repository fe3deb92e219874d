//! The integrity and minimum-wage pages.

use crate::error::ErrorCode;
use crate::extract::signed_in::SignedIn;
use askama::Template;
use axum::Form;
use axum::extract::{OriginalUri, Path, State};
use axum::response::{IntoResponse, Redirect, Response};

use jiuye_domain::access::{self, Action, Resource};

use crate::AppState;
use crate::api::destinations::integrity::findings;
use crate::auth::{AuditEvent, Caller};
use crate::error::AppError;
use crate::extract::query::ApiQuery;
use crate::i18n::Lang;
use crate::render::page::Base;
use crate::render::page::render;
use serde::Deserialize;
use uuid::Uuid;

#[derive(Template)]
#[template(path = "integrity.html")]
struct IntegrityPage {
    base: Base,
    org_picker: String,
    cohort: i32,
    findings: Vec<(String, String, Vec<String>)>,
    disputes: Vec<(Uuid, String, String)>,
}

#[derive(Debug, Deserialize)]
pub struct IntegrityQuery {
    org: Option<String>,
    cohort: Option<i32>,
}

pub async fn integrity(
    State(state): State<AppState>,
    lang: Lang,
    SignedIn(me): SignedIn,
    OriginalUri(uri): OriginalUri,
    ApiQuery(q): ApiQuery<IntegrityQuery>,
) -> Result<Response, AppError> {
    let base = Base::new(&state, lang, "graduates", &uri).signed_in(&me);
    let org = match q.org.filter(|o| !o.trim().is_empty()) {
        Some(o) => o,
        None => access::scope_paths(&me.actor, Action::ViewIntegrity)
            .first()
            .and_then(|p| p.rsplit('/').next().map(str::to_owned))
            .ok_or_else(crate::auth::forbidden)?,
    };
    let cohort = q.cohort.unwrap_or(2023);
    let found = findings(&state, &me, &org, cohort).await?;
    let disputes = if access::scope_paths(&me.actor, Action::AnswerDispute).is_empty() {
        Vec::new()
    } else {
        jiuye_app::destinations::disputes::open(state.store.as_ref(), &state.settings.keys, &me.actor)
            .await?
            .into_iter()
            .map(|(d, g)| (g.id, format!("{} {}", g.student_no, g.name), d.text))
            .collect()
    };
    let org_picker = crate::render::pickers::org_field(
        state.store.as_ref(),
        &base,
        &me.actor,
        &[Action::ViewIntegrity],
        "i_org",
        "users.org",
        "picker.scope_own",
        &org,
    )
    .await?;
    let page = IntegrityPage {
        org_picker,
        findings: found
            .into_iter()
            .map(|f| (base.t(&format!("integrity.{}", f.kind)).to_owned(), f.reason, f.graduates))
            .collect(),
        cohort,
        disputes,
        base,
    };
    render(&page)
}

struct WageRow {
    code: String,
    name: String,
    yuan: i64,
    effective: String,
    source: String,
    editable: bool,
}

#[derive(Template)]
#[template(path = "min_wages.html")]
struct WagesPage {
    base: Base,
    rows: Vec<WageRow>,
    error: Option<String>,
    notice: Option<String>,
}

async fn wages_page(
    state: &AppState,
    lang: Lang,
    uri: &axum::http::Uri,
    me: &Caller,
    error: Option<AppError>,
    notice: Option<String>,
) -> Result<Response, AppError> {
    let base = Base::new(state, lang, "wages", uri).signed_in(me);
    let rows = state
        .store
        .min_wages()
        .await?
        .into_iter()
        .map(|(code, yuan, effective, source)| WageRow {
            name: state.refdata.region(&code).map(|r| r.name.clone()).unwrap_or_else(|| code.clone()),
            editable: access::can(&me.actor, Action::EditMinWage, &Resource::at(&format!("CN/{code}"))).is_some(),
            code,
            yuan,
            effective,
            source: match source.strip_prefix("edited by ") {
                _ if source == "shipped" => base.t("wage.source_shipped").to_owned(),
                Some(user) => base.t("wage.source_edited").replace("{user}", user),
                None => source,
            },
        })
        .collect();
    let status = error.as_ref().map(|e| e.status).unwrap_or(axum::http::StatusCode::OK);
    let page = WagesPage { rows, error: error.map(|e| e.message), notice, base };
    let mut res = render(&page)?;
    *res.status_mut() = status;
    Ok(res)
}

/// The minimum-wage table, with edit forms for the provinces the caller administers.
pub async fn min_wages(
    State(state): State<AppState>,
    lang: Lang,
    SignedIn(me): SignedIn,
    OriginalUri(uri): OriginalUri,
) -> Result<Response, AppError> {
    wages_page(&state, lang, &uri, &me, None, None).await
}

#[derive(Debug, Deserialize)]
pub struct WageForm {
    monthly_yuan: String,
    effective: String,
}

pub async fn min_wage_form(
    State(state): State<AppState>,
    lang: Lang,
    SignedIn(me): SignedIn,
    OriginalUri(uri): OriginalUri,
    Path(province): Path<String>,
    Form(f): Form<WageForm>,
) -> Result<Response, AppError> {
    let event = AuditEvent::new("min_wage_set")
        .target(format!("province:{province}"), None)
        .detail(format!("{} 元", f.monthly_yuan));
    let result = async {
        let yuan: i64 = f
            .monthly_yuan
            .trim()
            .parse()
            .map_err(|_| AppError::bad_request(ErrorCode::InvalidMinWage, "月最低工资应为整数（元）"))?;
        crate::api::destinations::integrity::set_min_wage(&state, &me, &province, yuan, &f.effective).await
    }
    .await;
    match result {
        Ok(grant) => Ok(event.by(&grant).attach(Redirect::to("/min-wages").into_response())),
        Err(e) => Ok(event.attach(wages_page(&state, lang, &uri, &me, Some(e), None).await?)),
    }
}
