//! Hardship ledger pages (帮扶台账): the coverage table whose figures link to the graduates
//! missing them; a graduate's file with one form per part (profile, consent, helper, plan,
//! progress, recommended postings), each carrying the version read; the import; and, for a
//! graduate, their own file with the consent switch.

use askama::Template;
use axum::extract::{OriginalUri, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use jiuye_app::hardship::{Changes, FileView};
use jiuye_domain::hardship::{Category, DisabilityKind, Evidence, Line};
use serde::Deserialize;

use crate::AppState;
use crate::api::hardship::{CoverageFigures, MissingList, figures, missing_list, newest_cohort};
use crate::auth::{AuditEvent, audited};
use crate::error::AppError;
use crate::extract::query::ApiQuery;
use crate::extract::signed_in::SignedIn;
use crate::i18n::Lang;
use crate::render::page::{Base, render};

mod file;
mod tables;

pub use file::{file_submit, file_view};
pub use tables::{export_csv, import_page, import_submit, subsidy_submit, subsidy_view};

pub(crate) type Choices = Vec<(&'static str, &'static str)>;

pub(crate) fn choices<T: Copy>(all: &[T], id: fn(T) -> &'static str, zh: fn(T) -> &'static str) -> Choices {
    all.iter().map(|v| (id(*v), zh(*v))).collect()
}

#[derive(Template)]
#[template(path = "hardship.html")]
struct LedgerPage {
    base: Base,
    /// Coverage figures (staff who see them).
    coverage: Option<(CoverageFigures, Vec<CoverageFigures>)>,
    cohort: Option<i32>,
    org: String,
    /// The category the figures are limited to (its id), or empty.
    category: String,
    named: bool,
    keeper: bool,
    /// The graduate's own file.
    own: Option<FileView>,
    graduate: bool,
    categories: Choices,
    disabilities: Choices,
    evidences: Choices,
    error: Option<String>,
    notice: Option<&'static str>,
    /// What the nodes below reported.
    federated: Option<crate::api::hardship_federated::FederatedCoverage>,
}

#[derive(Debug, Default, Deserialize)]
pub struct LedgerQuery {
    org: Option<String>,
    cohort: Option<i32>,
    category: Option<String>,
    done: Option<String>,
}

fn notice(done: Option<&str>) -> Option<&'static str> {
    match done {
        Some("consent_given") => Some("hardship.consent_given"),
        Some("consent_withdrawn") => Some("hardship.consent_withdrawn"),
        Some("imported") => Some("hardship.imported"),
        _ => None,
    }
}

/// The coverage the nodes under the organisation shown reported for `cohort`, when any.
async fn federated(
    state: &AppState,
    me: &crate::auth::Caller,
    org: Option<&str>,
    cohort: i32,
) -> Result<Option<crate::api::hardship_federated::FederatedCoverage>, AppError> {
    let org = match org.map(str::trim).filter(|o| !o.is_empty()) {
        Some(o) => o.to_owned(),
        None => match jiuye_domain::access::scope_paths(&me.actor, jiuye_domain::access::Action::ViewHardshipCoverage)
            .first()
        {
            Some(p) => p.rsplit('/').next().unwrap_or_default().to_owned(),
            None => return Ok(None),
        },
    };
    match jiuye_app::statistics::federated::hardship(state.store.as_ref(), &me.actor, &org, cohort).await {
        Ok(f) if !f.reports.is_empty() => Ok(Some(crate::api::hardship_federated::dto(&f))),
        Ok(_) => Ok(None),
        // The page's own coverage says why the organisation cannot be shown.
        Err(e) if e.kind != jiuye_app::ErrorKind::Unavailable && e.kind != jiuye_app::ErrorKind::Internal => Ok(None),
        Err(e) => Err(e.into()),
    }
}

#[allow(clippy::too_many_arguments)]
async fn ledger(
    state: &AppState,
    lang: Lang,
    me: &crate::auth::Caller,
    uri: &axum::http::Uri,
    q: &LedgerQuery,
    error: Option<String>,
    status: StatusCode,
) -> Result<Response, AppError> {
    let hardship = state.hardship();
    let graduate = jiuye_domain::access::holds(&me.actor, jiuye_domain::access::Role::Graduate);
    let own = if graduate { hardship.own(&me.actor).await.ok().flatten() } else { None };
    let cohort = match q.cohort {
        Some(c) => Some(c),
        None if graduate => None,
        None => newest_cohort(state, &me.actor, q.org.as_deref()).await?,
    };
    // What the nodes below reported (no category travels: not with a category chosen).
    let federated = match (graduate, cohort, q.category.as_deref().filter(|c| !c.is_empty())) {
        (false, Some(y), None) => federated(state, me, q.org.as_deref(), y).await?,
        _ => None,
    };
    let (coverage, named) = if graduate {
        (None, false)
    } else {
        let category = crate::api::hardship::category(q.category.as_deref())?;
        let c = hardship.coverage(&me.actor, q.org.as_deref(), cohort.unwrap_or(0), category).await?;
        let named = c.named;
        (Some((figures(&c.node, c.exact), c.children.iter().map(|n| figures(n, c.exact)).collect())), named)
    };
    let keeper = !jiuye_domain::access::scope_paths(&me.actor, jiuye_domain::access::Action::KeepLedger).is_empty();
    let org = coverage.as_ref().map(|c| c.0.code.clone()).unwrap_or_default();
    let base = Base::new(state, lang, "hardship", uri).signed_in(me);
    let page = LedgerPage {
        base,
        coverage,
        cohort,
        org,
        category: q.category.as_deref().and_then(Category::parse).map(|k| k.id().to_owned()).unwrap_or_default(),
        named,
        keeper,
        own,
        graduate,
        categories: choices(Category::ALL, Category::id, Category::zh),
        disabilities: choices(DisabilityKind::ALL, DisabilityKind::id, DisabilityKind::zh),
        evidences: choices(Evidence::ALL, Evidence::id, Evidence::zh),
        error,
        notice: notice(q.done.as_deref()),
        federated,
    };
    Ok((status, render(&page)?).into_response())
}

/// The ledger: coverage for staff, one's own file for a graduate.
pub async fn ledger_page(
    State(state): State<AppState>,
    lang: Lang,
    SignedIn(me): SignedIn,
    OriginalUri(uri): OriginalUri,
    ApiQuery(q): ApiQuery<LedgerQuery>,
) -> Result<Response, AppError> {
    ledger(&state, lang, &me, &uri, &q, None, StatusCode::OK).await
}

#[derive(Debug, Deserialize)]
pub struct ConsentForm {
    consent: String,
}

/// A graduate gives or withdraws consent.
pub async fn consent_submit(
    State(state): State<AppState>,
    SignedIn(me): SignedIn,
    axum::Form(f): axum::Form<ConsentForm>,
) -> Response {
    let give = f.consent == "give";
    let event = AuditEvent::new("hardship_consent").detail(if give { "given" } else { "withdrawn" }.to_owned());
    match state.hardship().set_consent(&me.actor, give).await {
        Ok(v) => event.target(format!("graduate:{}", v.graduate_id), Some(&v.programme_path)).attach(
            Redirect::to(if give { "/hardship?done=consent_given" } else { "/hardship?done=consent_withdrawn" })
                .into_response(),
        ),
        Err(e) => audited(event, Err(e.into())),
    }
}

#[derive(Template)]
#[template(path = "hardship_missing.html")]
struct MissingPage {
    base: Base,
    line: &'static str,
    list: MissingList,
}

#[derive(Debug, Deserialize)]
pub struct MissingQuery {
    org: Option<String>,
    cohort: Option<i32>,
    category: Option<String>,
    line: String,
}

/// The graduates behind a figure.
pub async fn missing_page(
    State(state): State<AppState>,
    lang: Lang,
    SignedIn(me): SignedIn,
    OriginalUri(uri): OriginalUri,
    ApiQuery(q): ApiQuery<MissingQuery>,
) -> Result<Response, AppError> {
    let line = Line::from_id(&q.line).ok_or_else(|| {
        AppError::new(StatusCode::BAD_REQUEST, jiuye_domain::ErrorCode::InvalidQuery, "未知的覆盖指标")
    })?;
    let cohort = match q.cohort {
        Some(c) => Some(c),
        None => newest_cohort(&state, &me.actor, q.org.as_deref()).await?,
    };
    let category = crate::api::hardship::category(q.category.as_deref())?;
    let m = state
        .hardship()
        .missing(&me.actor, q.org.as_deref(), cohort.unwrap_or(0), line, category, state.reads(&me))
        .await?;
    let base = Base::new(&state, lang, "hardship", &uri).signed_in(&me);
    render(&MissingPage { base, line: line.zh(), list: missing_list(m, cohort) })
}

/// The form that opens a file.
#[derive(Debug, Default)]
struct OpenForm {
    student_no: String,
    org: String,
    categories: Vec<String>,
    disability: String,
    evidence: String,
    evidence_note: String,
    verified: bool,
}

impl OpenForm {
    /// The form from its fields (`category` once per box checked).
    fn from_pairs(pairs: Vec<(String, String)>) -> OpenForm {
        let mut f = OpenForm::default();
        for (k, v) in pairs {
            match k.as_str() {
                "student_no" => f.student_no = v,
                "org" => f.org = v,
                "category" => f.categories.push(v),
                "disability" => f.disability = v,
                "evidence" => f.evidence = v,
                "evidence_note" => f.evidence_note = v,
                "verified" => f.verified = !v.is_empty(),
                _ => {}
            }
        }
        f
    }
}

/// A ledger keeper opens a file by 学号.
pub async fn open_submit(
    State(state): State<AppState>,
    lang: Lang,
    SignedIn(me): SignedIn,
    OriginalUri(uri): OriginalUri,
    axum::Form(pairs): axum::Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let f = OpenForm::from_pairs(pairs);
    let event = AuditEvent::new("hardship_change").detail("opened".to_owned());
    let hardship = state.hardship();
    let q = LedgerQuery::default();
    let (uni, _) =
        match hardship.ledger_university(&me.actor, Some(&f.org).filter(|o| !o.is_empty()).map(|s| s.as_str())).await {
            Ok(x) => x,
            Err(e) => return Ok(audited(event, Err(e.into()))),
        };
    let Some(g) =
        state.store.graduate_by_student_no(uni.id, f.student_no.trim()).await.map_err(jiuye_app::Error::from)?
    else {
        let res = ledger(
            &state,
            lang,
            &me,
            &uri,
            &q,
            Some("本校没有这个学号的毕业生".into()),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await?;
        return Ok(event.result("graduate_not_found").attach(res));
    };
    let changes = Changes {
        categories: Some(f.categories),
        disability: Some(f.disability),
        evidence: Some(f.evidence),
        evidence_note: Some(f.evidence_note),
        verified: Some(f.verified),
        ..Changes::default()
    };
    match hardship.change(&me.actor, g.id, &changes, state.reads(&me)).await {
        Ok((v, _, _)) => Ok(event
            .target(format!("graduate:{}", g.id), Some(&v.programme_path))
            .attach(Redirect::to(&format!("/hardship/graduates/{}", g.id)).into_response())),
        Err(e) if matches!(e.kind, jiuye_app::ErrorKind::Unprocessable | jiuye_app::ErrorKind::Conflict) => {
            let code = e.code.as_str();
            let res =
                ledger(&state, lang, &me, &uri, &q, Some(e.message.clone()), StatusCode::UNPROCESSABLE_ENTITY).await?;
            Ok(event.result(code).attach(res))
        }
        Err(e) => Ok(audited(event, Err(e.into()))),
    }
}

#[derive(Template)]
#[template(path = "hardship_pending.html")]
struct PendingPage {
    base: Base,
    cohort: Option<i32>,
    items: Vec<jiuye_app::hardship::PendingItem>,
}

#[derive(Debug, Deserialize)]
pub struct PendingQuery {
    cohort: Option<i32>,
}

/// The files waiting for the caller (the workbench's count).
pub async fn pending_page(
    State(state): State<AppState>,
    lang: Lang,
    SignedIn(me): SignedIn,
    OriginalUri(uri): OriginalUri,
    ApiQuery(q): ApiQuery<PendingQuery>,
) -> Result<Response, AppError> {
    let cohort = match q.cohort {
        Some(c) => Some(c),
        None => newest_cohort(&state, &me.actor, None).await?,
    };
    let items = state.hardship().pending(&me.actor, cohort.unwrap_or(0), state.reads(&me)).await?;
    let base = Base::new(&state, lang, "hardship", &uri).signed_in(&me);
    render(&PendingPage { base, cohort, items })
}
