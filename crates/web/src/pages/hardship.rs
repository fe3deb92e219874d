//! Hardship ledger pages (帮扶台账): the coverage table whose figures link to the graduates
//! missing them; a graduate's file with one form per part (profile, consent, helper, plan,
//! progress, recommended postings), each carrying the version read; the import; and, for a
//! graduate, their own file with the consent switch.

use askama::Template;
use axum::extract::{OriginalUri, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use jiuye_app::hardship::{Changes, FileView};
use jiuye_domain::hardship::{
    CaseState, Category, DisabilityKind, Evidence, Line, PlanAction, PlanState, Subsidy, Training,
};
use serde::Deserialize;
use uuid::Uuid;

use crate::AppState;
use crate::api::hardship::{CoverageFigures, MissingList, figures, missing_list, newest_cohort};
use crate::auth::{AuditEvent, audited};
use crate::error::AppError;
use crate::extract::query::ApiQuery;
use crate::extract::signed_in::SignedIn;
use crate::i18n::Lang;
use crate::render::page::{Base, render};

type Choices = Vec<(&'static str, &'static str)>;

fn choices<T: Copy>(all: &[T], id: fn(T) -> &'static str, zh: fn(T) -> &'static str) -> Choices {
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
#[template(path = "hardship_file.html")]
struct FilePage {
    base: Base,
    f: FileView,
    plan_rows: Vec<PlanAction>,
    categories: Choices,
    disabilities: Choices,
    evidences: Choices,
    trainings: Choices,
    subsidies: Choices,
    plan_states: Choices,
    cases: Choices,
    recommended: String,
    error: Option<String>,
    saved: bool,
}

impl FilePage {
    fn has_category(&self, id: &str) -> bool {
        self.f.profile.categories.iter().any(|c| c == id)
    }
}

async fn file_page(
    state: &AppState,
    lang: Lang,
    me: &crate::auth::Caller,
    uri: &axum::http::Uri,
    id: Uuid,
    error: Option<String>,
    saved: bool,
) -> Result<Response, AppError> {
    let f = state.hardship().read(&me.actor, id, state.reads(me)).await?;
    let mut plan_rows = f.plan.as_ref().map(|p| p.actions.clone()).unwrap_or_default();
    plan_rows.extend(std::iter::repeat_n(PlanAction::default(), 3));
    let recommended = f.recommended.iter().map(Uuid::to_string).collect::<Vec<_>>().join("\n");
    let base = Base::new(state, lang, "hardship", uri).signed_in(me);
    let failed = error.is_some();
    let page = FilePage {
        base,
        f,
        plan_rows,
        categories: choices(Category::ALL, Category::id, Category::zh),
        disabilities: choices(DisabilityKind::ALL, DisabilityKind::id, DisabilityKind::zh),
        evidences: choices(Evidence::ALL, Evidence::id, Evidence::zh),
        trainings: choices(Training::ALL, Training::id, Training::zh),
        subsidies: choices(Subsidy::ALL, Subsidy::id, Subsidy::zh),
        plan_states: choices(PlanState::ALL, PlanState::id, PlanState::zh),
        cases: choices(CaseState::ALL, CaseState::id, CaseState::zh),
        recommended,
        error,
        saved,
    };
    let res = render(&page)?;
    Ok(if failed { (StatusCode::UNPROCESSABLE_ENTITY, res).into_response() } else { res })
}

#[derive(Debug, Deserialize)]
pub struct FileQuery {
    done: Option<String>,
}

/// A graduate's file.
pub async fn file_view(
    State(state): State<AppState>,
    lang: Lang,
    SignedIn(me): SignedIn,
    OriginalUri(uri): OriginalUri,
    Path(id): Path<Uuid>,
    ApiQuery(q): ApiQuery<FileQuery>,
) -> Result<Response, AppError> {
    file_page(&state, lang, &me, &uri, id, None, q.done.is_some()).await
}

/// One part of the file as a form sends it: `part` names it; the rest are its fields.
#[derive(Debug, Default)]
struct FileForm {
    version: i64,
    part: String,
    categories: Vec<String>,
    disability: String,
    evidence: String,
    evidence_note: String,
    verified: bool,
    paper_consent: bool,
    helper: String,
    goals: String,
    what: Vec<String>,
    owner: Vec<String>,
    due: Vec<String>,
    done: Vec<String>,
    plan_state: String,
    training: String,
    subsidy: String,
    case_state: String,
    recommended: String,
}

impl FileForm {
    /// The form from its fields in the order sent (`category`, `what`, `owner`, `due` and `done`
    /// repeat).
    fn from_pairs(pairs: Vec<(String, String)>) -> FileForm {
        let mut f = FileForm::default();
        for (k, v) in pairs {
            match k.as_str() {
                "version" => f.version = v.trim().parse().unwrap_or(-1),
                "part" => f.part = v,
                "category" => f.categories.push(v),
                "disability" => f.disability = v,
                "evidence" => f.evidence = v,
                "evidence_note" => f.evidence_note = v,
                "verified" => f.verified = !v.is_empty(),
                "paper_consent" => f.paper_consent = !v.is_empty(),
                "helper" => f.helper = v,
                "goals" => f.goals = v,
                "what" => f.what.push(v),
                "owner" => f.owner.push(v),
                "due" => f.due.push(v),
                "done" => f.done.push(v),
                "plan_state" => f.plan_state = v,
                "training" => f.training = v,
                "subsidy" => f.subsidy = v,
                "case_state" => f.case_state = v,
                "recommended" => f.recommended = v,
                _ => {}
            }
        }
        f
    }
}

fn changes_of(f: FileForm) -> Result<Changes, String> {
    let mut c = Changes { version: Some(f.version), ..Changes::default() };
    match f.part.as_str() {
        "profile" => {
            c.categories = Some(f.categories);
            c.disability = Some(f.disability);
            c.evidence = Some(f.evidence);
            c.evidence_note = Some(f.evidence_note);
            c.verified = Some(f.verified);
            if f.paper_consent {
                c.consent = Some("paper".into());
            }
        }
        "helper" => c.helper = Some(f.helper),
        "plan" => {
            let mut actions = Vec::new();
            for (i, what) in f.what.iter().enumerate() {
                let due = f.due.get(i).map(|d| d.trim()).filter(|d| !d.is_empty());
                let due = match due {
                    Some(d) => Some(d.parse().map_err(|_| format!("第 {} 项措施的日期无效", i + 1))?),
                    None => None,
                };
                actions.push(PlanAction {
                    what: what.clone(),
                    owner: f.owner.get(i).cloned().unwrap_or_default(),
                    due,
                    done: f.done.iter().any(|d| d == &i.to_string()),
                });
            }
            c.goals = Some(f.goals);
            c.actions = Some(actions);
            if !f.plan_state.is_empty() {
                c.plan_state = Some(f.plan_state);
            }
        }
        "plan_state" => c.plan_state = Some(f.plan_state),
        "progress" => {
            c.training = Some(f.training);
            c.subsidy = Some(f.subsidy);
            c.case_state = Some(f.case_state);
        }
        "recommended" => {
            let mut ids = Vec::new();
            for t in f.recommended.split([',', '\n', ' ', '，']).map(str::trim).filter(|t| !t.is_empty()) {
                ids.push(Uuid::parse_str(t).map_err(|_| format!("“{t}”不是岗位编号"))?);
            }
            c.recommended = Some(ids);
        }
        _ => return Err("未知的表单".into()),
    }
    Ok(c)
}

/// Saves one part of a file; a refused change comes back on the page with its message.
pub async fn file_submit(
    State(state): State<AppState>,
    lang: Lang,
    SignedIn(me): SignedIn,
    OriginalUri(uri): OriginalUri,
    Path(id): Path<Uuid>,
    axum::Form(pairs): axum::Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let f = FileForm::from_pairs(pairs);
    let event = AuditEvent::new("hardship_change").target(format!("graduate:{id}"), None).detail(f.part.clone());
    let changes = match changes_of(f) {
        Ok(c) => c,
        Err(message) => {
            let res = file_page(&state, lang, &me, &uri, id, Some(message), false).await?;
            return Ok(event.result("invalid_form").attach(res));
        }
    };
    match state.hardship().change(&me.actor, id, &changes, state.reads(&me)).await {
        Ok((v, grant, _)) => {
            let event = event.target(format!("graduate:{id}"), Some(&v.programme_path));
            let event = match &grant {
                Some(g) => event.by(g),
                None => event,
            };
            Ok(event.attach(Redirect::to(&format!("/hardship/graduates/{id}?done=saved")).into_response()))
        }
        Err(e) if matches!(e.kind, jiuye_app::ErrorKind::Unprocessable | jiuye_app::ErrorKind::Conflict) => {
            let code = e.code.as_str();
            let res = file_page(&state, lang, &me, &uri, id, Some(e.message.clone()), false).await?;
            Ok(event.result(code).attach(res))
        }
        Err(e) => Ok(audited(event, Err(e.into()))),
    }
}

#[derive(Template)]
#[template(path = "hardship_import.html")]
struct ImportPage {
    base: Base,
    columns: &'static [&'static str],
    error: Option<String>,
    rows: Vec<(usize, String, String)>,
}

/// The import form (ledger keepers).
pub async fn import_page(
    State(state): State<AppState>,
    lang: Lang,
    SignedIn(me): SignedIn,
    OriginalUri(uri): OriginalUri,
) -> Result<Response, AppError> {
    state.hardship().ledger_university(&me.actor, None).await?;
    let base = Base::new(&state, lang, "hardship", &uri).signed_in(&me);
    render(&ImportPage { base, columns: &jiuye_app::hardship::TEMPLATE_COLUMNS, error: None, rows: Vec::new() })
}

/// Imports the uploaded file; row errors come back on the page.
pub async fn import_submit(
    State(state): State<AppState>,
    lang: Lang,
    SignedIn(me): SignedIn,
    OriginalUri(uri): OriginalUri,
    mut multipart: axum::extract::Multipart,
) -> Result<Response, AppError> {
    let event = AuditEvent::new("hardship_import");
    let hardship = state.hardship();
    let (org, grant) = match hardship.ledger_university(&me.actor, None).await {
        Ok(x) => x,
        Err(e) => return Ok(audited(event, Err(e.into()))),
    };
    let event = event.target(format!("org:{}", org.code), Some(&org.path)).by(&grant);
    let mut file: Option<(String, Vec<u8>)> = None;
    while let Ok(Some(field)) = multipart.next_field().await {
        if field.name() == Some("file") {
            let name = field.file_name().unwrap_or("upload.xlsx").to_owned();
            let bytes = field.bytes().await.map_err(|_| {
                AppError::new(StatusCode::BAD_REQUEST, jiuye_domain::ErrorCode::InvalidFile, "文件上传不完整")
            })?;
            file = Some((name, bytes.to_vec()));
        }
    }
    let base = Base::new(&state, lang, "hardship", &uri).signed_in(&me);
    let columns = &jiuye_app::hardship::TEMPLATE_COLUMNS;
    let Some((name, bytes)) = file.filter(|f| !f.1.is_empty()) else {
        let res = render(&ImportPage { base, columns, error: Some("请选择文件".into()), rows: Vec::new() })?;
        return Ok(event.result("invalid_file").attach((StatusCode::BAD_REQUEST, res).into_response()));
    };
    let result = {
        let _permit = state.imports.acquire().await;
        hardship.import(&me.actor, &org, &name, &bytes).await
    };
    let (status, error, rows, code) = match result {
        Ok(o) => {
            return Ok(event
                .detail(format!("opened {}", o.opened))
                .attach(Redirect::to("/hardship?done=imported").into_response()));
        }
        Err(jiuye_app::rosters::ImportFailure::Rows(errors)) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("文件有 {} 处错误，未导入任何数据；请按行号和列名修改后重新上传", errors.len()),
            errors.into_iter().map(|e| (e.row, e.column, e.reason)).collect(),
            "invalid_roster",
        ),
        Err(jiuye_app::rosters::ImportFailure::File(e)) => {
            (StatusCode::BAD_REQUEST, e.to_string(), Vec::new(), "invalid_file")
        }
        Err(jiuye_app::rosters::ImportFailure::Other(e)) => return Ok(audited(event, Err(e.into()))),
    };
    let res = render(&ImportPage { base, columns, error: Some(error), rows })?;
    Ok(event.result(code).attach((status, res).into_response()))
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
