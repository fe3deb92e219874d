//! The hardship ledger (帮扶台账) over JSON: a graduate's file (read and change, with a version
//! check), the graduate's own file and consent, the coverage figures with the level below, the
//! graduates behind a figure, and the import. Anyone who may not read a file gets 404.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use jiuye_app::hardship::{Changes, Coverage, CoverageNode, FileView, Hardship, Missing};
use jiuye_domain::hardship::{Category, Line, PlanAction, small_cell};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::AppState;
use crate::api::rosters::{ImportRejection, rejection};
use crate::auth::{AuditEvent, Signed, audited};
use crate::error::{AppError, ErrorBody};
use crate::extract::query::ApiQuery;

impl AppState {
    /// The hardship use cases on this node, with today's local date.
    pub fn hardship(&self) -> Hardship<'_> {
        Hardship { store: self.store.as_ref(), keys: &self.settings.keys, today: crate::render::time::today() }
    }
}

/// A label and its id.
#[derive(Debug, Serialize, ToSchema)]
pub struct Labelled {
    pub id: String,
    pub name: String,
}

fn labelled(id: &str, name: &str) -> Labelled {
    Labelled { id: id.to_owned(), name: name.to_owned() }
}

/// The plan (一人一策).
#[derive(Debug, Serialize, ToSchema)]
pub struct PlanDto {
    pub goals: String,
    pub actions: Vec<PlanAction>,
}

/// A hardship file (一人一档).
#[derive(Debug, Serialize, ToSchema)]
pub struct HardshipFile {
    pub graduate_id: Uuid,
    pub student_no: String,
    pub name: String,
    pub cohort: i32,
    pub college: String,
    /// Hardship categories (`poverty_relief`, `minimum_living`, `zero_employment`,
    /// `disability`, `long_unemployed`, `other`).
    pub categories: Vec<Labelled>,
    pub disability: Option<Labelled>,
    pub evidence: Option<Labelled>,
    pub evidence_note: String,
    /// Who checked the evidence, and when.
    pub verified_by: Option<String>,
    pub verified_on: Option<NaiveDate>,
    /// `pending`, `given`, `paper` or `withdrawn`.
    pub consent: Labelled,
    pub plan: Option<PlanDto>,
    /// `none`, `draft`, `submitted`, `approved` or `returned`.
    pub plan_state: Labelled,
    pub helper: Option<String>,
    /// `none`, `enrolled` or `completed` (宏志助航 training).
    pub training: Labelled,
    /// `none`, `applied`, `approved`, `rejected` or `paid`.
    pub subsidy: Labelled,
    /// The subsidy's amount in yuan, fixed when the university approved it.
    pub subsidy_yuan: Option<i64>,
    /// `open`, `closing` or `closed`.
    pub case_state: Labelled,
    pub closed_on: Option<NaiveDate>,
    /// `staff` or `import`.
    pub source: String,
    /// Send it back with a change.
    pub version: i64,
    pub recommended: Vec<Uuid>,
    /// How many recommended postings are approved and open today.
    pub recommended_open: i64,
    pub last_contact: Option<NaiveDate>,
    pub placed: bool,
    /// Why the caller may read it: `own`, `ledger_keeper`, `helper` or `college`.
    pub reason: String,
}

pub(crate) fn file_dto(v: FileView) -> HardshipFile {
    HardshipFile {
        graduate_id: v.graduate_id,
        student_no: v.student_no,
        name: v.name,
        cohort: v.cohort,
        college: v.college_name,
        categories: v.profile.categories().into_iter().map(|c| labelled(c.id(), c.zh())).collect(),
        disability: v.profile.disability().map(|d| labelled(d.id(), d.zh())),
        evidence: v.profile.evidence().map(|e| labelled(e.id(), e.zh())),
        evidence_note: v.profile.evidence_note,
        verified_by: v.verified_by,
        verified_on: v.verified_on,
        consent: labelled(v.consent.id(), v.consent.zh()),
        plan: v.plan.map(|p| PlanDto { goals: p.goals, actions: p.actions }),
        plan_state: labelled(v.plan_state.id(), v.plan_state.zh()),
        helper: v.helper_name,
        training: labelled(v.training.id(), v.training.zh()),
        subsidy: labelled(v.subsidy.id(), v.subsidy.zh()),
        subsidy_yuan: v.subsidy_yuan,
        case_state: labelled(v.case_state.id(), v.case_state.zh()),
        closed_on: v.closed_on,
        source: v.source,
        version: v.version,
        recommended: v.recommended,
        recommended_open: v.recommended_open,
        last_contact: v.last_contact,
        placed: v.placed,
        reason: v.reason.id().to_owned(),
    }
}

/// A change to a file: only the fields sent change. The first change, from the career centre,
/// opens the file and must name the categories and the evidence.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct HardshipChange {
    /// The version read (required once the file exists; 409 `version_conflict` if it moved).
    pub version: Option<i64>,
    /// Category ids (or their Chinese names); ledger keepers only.
    pub categories: Option<Vec<String>>,
    /// With `disability`: `visual`, `hearing`, `speech`, `physical`, `intellectual`, `mental`,
    /// `multiple`; `""` clears.
    pub disability: Option<String>,
    /// `poverty_registry`, `minimum_living_certificate`, `disability_certificate`,
    /// `unemployment_registration`, `school_assessment` or `other`.
    pub evidence: Option<String>,
    #[schema(max_length = 200)]
    pub evidence_note: Option<String>,
    /// The evidence was checked by the caller today (ledger keepers).
    pub verified: Option<bool>,
    /// `paper`: record a signed paper consent (ledger keepers, while consent is pending).
    pub consent: Option<String>,
    /// The helper's username (staff or teacher of the university); `""` clears.
    pub helper: Option<String>,
    #[schema(max_length = 1000)]
    pub goals: Option<String>,
    pub actions: Option<Vec<PlanAction>>,
    /// `draft`, `submitted`; `approved` and `returned` by the career centre.
    pub plan_state: Option<String>,
    /// `none`, `enrolled`, `completed`.
    pub training: Option<String>,
    /// `applied` (or back to `none`); `approved`, `rejected`, `paid` by the career centre.
    pub subsidy: Option<String>,
    /// `closing` (ask to close) or `open`; `closed` by the career centre.
    pub case_state: Option<String>,
    /// Posting ids (at most 20) the graduate can see, approved and open.
    pub recommended: Option<Vec<Uuid>>,
}

impl From<HardshipChange> for Changes {
    fn from(c: HardshipChange) -> Changes {
        Changes {
            version: c.version,
            categories: c.categories,
            disability: c.disability,
            evidence: c.evidence,
            evidence_note: c.evidence_note,
            verified: c.verified,
            consent: c.consent,
            helper: c.helper,
            goals: c.goals,
            actions: c.actions,
            plan_state: c.plan_state,
            training: c.training,
            subsidy: c.subsidy,
            case_state: c.case_state,
            recommended: c.recommended,
        }
    }
}

/// A graduate's hardship file. Every read is in the read log with its reason.
#[utoipa::path(get, path = "/api/v1/graduates/{id}/hardship", tag = "hardship", params(("id" = Uuid, Path)),
    responses((status = 200, description = "The file", body = HardshipFile),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 404, description = "`hardship_not_found`: no file, or not one the caller may read", body = ErrorBody)))]
pub async fn get_file(
    State(state): State<AppState>,
    Signed(caller): Signed,
    Path(id): Path<Uuid>,
) -> Result<Json<HardshipFile>, AppError> {
    Ok(Json(file_dto(state.hardship().read(&caller.actor, id, state.reads(&caller)).await?)))
}

/// Opens (ledger keepers) or changes a graduate's hardship file, at the version read.
#[utoipa::path(put, path = "/api/v1/graduates/{id}/hardship", tag = "hardship", params(("id" = Uuid, Path)),
    request_body = HardshipChange,
    responses((status = 200, description = "Changed", body = HardshipFile),
        (status = 201, description = "Opened", body = HardshipFile),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 403, description = "`forbidden`: a change the caller may not make", body = ErrorBody),
        (status = 404, description = "`hardship_not_found`", body = ErrorBody),
        (status = 409, description = "`version_conflict`, `invalid_transition`", body = ErrorBody),
        (status = 422, description = "`invalid_category`, `invalid_disability`, `invalid_evidence`, `invalid_consent`, `invalid_helper`, `invalid_plan`, `invalid_state`, `invalid_posting`, `text_too_long`", body = ErrorBody)))]
pub async fn put_file(
    State(state): State<AppState>,
    Signed(caller): Signed,
    Path(id): Path<Uuid>,
    Json(c): Json<HardshipChange>,
) -> Response {
    let event = AuditEvent::new("hardship_change").target(format!("graduate:{id}"), None);
    let changes = Changes::from(c);
    match state.hardship().change(&caller.actor, id, &changes, state.reads(&caller)).await {
        Ok((view, grant, opened)) => {
            let path = view.programme_path.clone();
            let event = event.target(format!("graduate:{id}"), Some(&path));
            let event = match &grant {
                Some(g) => event.by(g),
                None => event,
            };
            let status = if opened { StatusCode::CREATED } else { StatusCode::OK };
            let detail = if opened { "opened" } else { "changed" };
            event.detail(detail.to_owned()).attach((status, Json(file_dto(view))).into_response())
        }
        Err(e) => audited(event, Err(e.into())),
    }
}

/// The caller's own hardship file (a graduate), if the career centre opened one.
#[utoipa::path(get, path = "/api/v1/me/hardship", tag = "hardship",
    responses((status = 200, description = "The caller's file", body = HardshipFile),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 403, description = "`forbidden`: not a graduate", body = ErrorBody),
        (status = 404, description = "`hardship_not_found`: no file", body = ErrorBody)))]
pub async fn get_own(State(state): State<AppState>, Signed(caller): Signed) -> Result<Json<HardshipFile>, AppError> {
    let file = state.hardship().own(&caller.actor).await?.ok_or_else(jiuye_app::hardship::not_found)?;
    Ok(Json(file_dto(file)))
}

/// The graduate's consent.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ConsentChange {
    /// true: give consent (PIPL art. 29); false: withdraw it (the file is then hidden from
    /// everyone but the career centre's ledger keepers).
    pub consent: bool,
}

/// Gives or withdraws the caller's consent to their hardship file (graduates only).
#[utoipa::path(put, path = "/api/v1/me/hardship/consent", tag = "hardship", request_body = ConsentChange,
    responses((status = 200, description = "The file with its new consent", body = HardshipFile),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 403, description = "`forbidden`: not a graduate", body = ErrorBody),
        (status = 404, description = "`hardship_not_found`: no file", body = ErrorBody),
        (status = 409, description = "`version_conflict`: the file kept changing; try again", body = ErrorBody)))]
pub async fn put_consent(
    State(state): State<AppState>,
    Signed(caller): Signed,
    Json(c): Json<ConsentChange>,
) -> Response {
    let event = AuditEvent::new("hardship_consent").detail(if c.consent { "given" } else { "withdrawn" }.to_owned());
    match state.hardship().set_consent(&caller.actor, c.consent).await {
        Ok(view) => event
            .target(format!("graduate:{}", view.graduate_id), Some(&view.programme_path))
            .attach(Json(file_dto(view)).into_response()),
        Err(e) => audited(event, Err(e.into())),
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CoverageParams {
    /// Organisation code (default: the caller's own).
    pub org: Option<String>,
    /// Cohort (default: the newest with graduates).
    pub cohort: Option<i32>,
    /// Only the graduates of this category (`poverty_relief`, `minimum_living`,
    /// `zero_employment`, `disability`, `long_unemployed`, `other`): the placement of hardship
    /// graduates by category is its `placed` line.
    pub category: Option<String>,
}

/// The category asked for (`400 invalid_query` for an unknown one).
pub(crate) fn category(raw: Option<&str>) -> Result<Option<Category>, AppError> {
    match raw.map(str::trim).filter(|c| !c.is_empty()) {
        None => Ok(None),
        Some(c) => Category::parse(c).map(Some).ok_or_else(|| {
            AppError::new(
                StatusCode::BAD_REQUEST,
                jiuye_domain::ErrorCode::InvalidQuery,
                format!("未知的困难类别：{c}"),
            )
        }),
    }
}

/// One coverage figure.
#[derive(Debug, Serialize, ToSchema)]
pub struct Figure {
    /// `file`, `plan`, `helper`, `recommended`, `contacted`, `training_enrolled`,
    /// `training_completed`, `subsidy_applied`, `subsidy_paid`, `placed`; or a category id.
    pub id: String,
    pub name: String,
    /// The count; absent when it is from 1 to 4 and the caller is outside the career centre.
    pub count: Option<i64>,
    /// The count as shown ("<5" when hidden).
    pub shown: String,
    /// count / total, 4 decimals (absent when hidden or when there is nobody).
    pub rate: Option<f64>,
}

/// The figures of one organisation.
#[derive(Debug, Serialize, ToSchema)]
pub struct CoverageFigures {
    pub code: String,
    pub name: String,
    /// Graduates in the ledger (every file, whatever its consent).
    pub total: Option<i64>,
    pub total_shown: String,
    pub lines: Vec<Figure>,
    pub categories: Vec<Figure>,
}

/// Coverage of the ledger for an organisation, with its children one level down.
#[derive(Debug, Serialize, ToSchema)]
pub struct CoverageReport {
    pub cohort: Option<i32>,
    /// The category the figures are limited to, if any.
    pub category: Option<String>,
    /// Whether every count is exact (the career centre, province and ministry administrators).
    pub exact: bool,
    #[serde(flatten)]
    pub figures: CoverageFigures,
    pub children: Vec<CoverageFigures>,
}

fn figure(id: &str, name: &str, n: i64, total: i64, exact: bool) -> Figure {
    let shown = small_cell(n, exact);
    let hidden = shown == "<5";
    let rate = (!hidden && total > 0).then(|| (n as f64 / total as f64 * 10_000.0).round() / 10_000.0);
    Figure { id: id.into(), name: name.into(), count: (!hidden).then_some(n), shown, rate }
}

pub(crate) fn figures(n: &CoverageNode, exact: bool) -> CoverageFigures {
    let total = n.counts.total;
    let total_shown = small_cell(total, exact);
    CoverageFigures {
        code: n.code.clone(),
        name: n.name.clone(),
        total: (total_shown != "<5").then_some(total),
        total_shown,
        lines: n.counts.lines.iter().map(|(l, c)| figure(l.id(), l.zh(), *c, total, exact)).collect(),
        categories: n.counts.categories.iter().map(|(k, c)| figure(k.id(), k.zh(), *c, total, exact)).collect(),
    }
}

fn report(c: Coverage) -> CoverageReport {
    CoverageReport {
        cohort: Some(c.cohort),
        category: c.category.map(|k| k.id().to_owned()),
        exact: c.exact,
        figures: figures(&c.node, c.exact),
        children: c.children.iter().map(|n| figures(n, c.exact)).collect(),
    }
}

/// Coverage of the hardship ledger: of the ledger's graduates, how many have a verified file,
/// an approved plan, a helper, three recommended postings, a contact in 14 days, the training,
/// the subsidy, a destination; and how many are in each category; with the children one level
/// down (colleges of a university, universities of a province). Counts only.
#[utoipa::path(get, path = "/api/v1/hardship/coverage", tag = "hardship", params(CoverageParams),
    responses((status = 200, description = "The coverage figures", body = CoverageReport),
        (status = 400, description = "`invalid_query`, `invalid_org_code`", body = ErrorBody),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 403, description = "`forbidden`", body = ErrorBody),
        (status = 404, description = "`org_not_found`", body = ErrorBody)))]
pub async fn coverage(
    State(state): State<AppState>,
    Signed(caller): Signed,
    ApiQuery(p): ApiQuery<CoverageParams>,
) -> Result<Json<CoverageReport>, AppError> {
    let category = category(p.category.as_deref())?;
    let cohort = match p.cohort {
        Some(c) => Some(c),
        None => newest_cohort(&state, &caller.actor, p.org.as_deref()).await?,
    };
    let Some(cohort) = cohort else {
        // Nobody to count: still refuse those who may not see coverage.
        let c = state.hardship().coverage(&caller.actor, p.org.as_deref(), 0, category).await?;
        return Ok(Json(CoverageReport { cohort: None, ..report(c) }));
    };
    Ok(Json(report(state.hardship().coverage(&caller.actor, p.org.as_deref(), cohort, category).await?)))
}

/// The newest cohort with graduates where the caller looks (any grant's subtree).
pub(crate) async fn newest_cohort(
    state: &AppState,
    actor: &jiuye_domain::access::Actor,
    org: Option<&str>,
) -> Result<Option<i32>, AppError> {
    Ok(jiuye_app::destinations::graduates::newest_cohort(state.store.as_ref(), actor, org).await.unwrap_or(None))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MissingParams {
    pub org: Option<String>,
    pub cohort: Option<i32>,
    /// The line: `file`, `plan`, `helper`, `recommended`, `contacted`, `training_enrolled`,
    /// `training_completed`, `subsidy_applied`, `subsidy_paid` or `placed`.
    pub line: String,
    /// Only the graduates of this category.
    pub category: Option<String>,
}

/// A graduate behind a figure.
#[derive(Debug, Serialize, ToSchema)]
pub struct MissingGraduate {
    pub graduate_id: Uuid,
    pub student_no: String,
    pub name: String,
    pub college: String,
}

/// The graduates missing a line.
#[derive(Debug, Serialize, ToSchema)]
pub struct MissingList {
    pub line: String,
    pub cohort: Option<i32>,
    /// Those the caller may read the file of.
    pub items: Vec<MissingGraduate>,
    /// How many others miss it (named only to the ledger keepers, or without consent).
    pub unnamed: i64,
}

pub(crate) fn missing_list(m: Missing, cohort: Option<i32>) -> MissingList {
    MissingList {
        line: m.line.id().into(),
        cohort,
        items: m
            .named
            .into_iter()
            .map(|i| MissingGraduate {
                graduate_id: i.graduate_id,
                student_no: i.student_no,
                name: i.name,
                college: i.college_name,
            })
            .collect(),
        unnamed: m.unnamed,
    }
}

/// The ledger's graduates missing a coverage line: named where the caller may read the file,
/// counted otherwise. The list read is in the read log.
#[utoipa::path(get, path = "/api/v1/hardship/missing", tag = "hardship", params(MissingParams),
    responses((status = 200, description = "Who misses the line", body = MissingList),
        (status = 400, description = "`invalid_query`: an unknown line", body = ErrorBody),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 403, description = "`forbidden`", body = ErrorBody),
        (status = 404, description = "`org_not_found`", body = ErrorBody)))]
pub async fn missing(
    State(state): State<AppState>,
    Signed(caller): Signed,
    ApiQuery(p): ApiQuery<MissingParams>,
) -> Result<Json<MissingList>, AppError> {
    let line = Line::from_id(&p.line).ok_or_else(|| {
        AppError::new(StatusCode::BAD_REQUEST, jiuye_domain::ErrorCode::InvalidQuery, "未知的覆盖指标")
    })?;
    let category = category(p.category.as_deref())?;
    let cohort = match p.cohort {
        Some(c) => Some(c),
        None => newest_cohort(&state, &caller.actor, p.org.as_deref()).await?,
    };
    let m = state
        .hardship()
        .missing(&caller.actor, p.org.as_deref(), cohort.unwrap_or(0), line, category, state.reads(&caller))
        .await?;
    Ok(Json(missing_list(m, cohort)))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LedgerImportParams {
    /// The university's code (default: the caller's own).
    pub org: Option<String>,
    /// The file's name (`.xlsx` or `.csv`).
    pub filename: Option<String>,
}

/// What an import opened.
#[derive(Debug, Serialize, ToSchema)]
pub struct LedgerImportReport {
    pub opened: usize,
}

/// Imports hardship files from the template (ledger keepers; the body is the file). Every row is
/// checked first; any bad row refuses the file, naming row and column. Imported files wait for
/// the graduate's consent.
#[utoipa::path(post, path = "/api/v1/hardship/import", tag = "hardship", params(LedgerImportParams),
    request_body(content = Vec<u8>, content_type = "application/octet-stream", description = "The .xlsx or .csv file"),
    responses((status = 200, description = "Imported", body = LedgerImportReport),
        (status = 400, description = "`invalid_file`, `invalid_org`", body = ErrorBody),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 403, description = "`forbidden`", body = ErrorBody),
        (status = 409, description = "`version_conflict`: a file was opened meanwhile", body = ErrorBody),
        (status = 413, description = "`payload_too_large`", body = ErrorBody),
        (status = 422, description = "`invalid_roster`: rows with errors, nothing written", body = ImportRejection)))]
pub async fn import(
    State(state): State<AppState>,
    Signed(caller): Signed,
    ApiQuery(p): ApiQuery<LedgerImportParams>,
    body: Bytes,
) -> Response {
    let event = AuditEvent::new("hardship_import");
    let hardship = state.hardship();
    let (org, grant) = match hardship.ledger_university(&caller.actor, p.org.as_deref()).await {
        Ok(x) => x,
        Err(e) => return audited(event, Err(e.into())),
    };
    let event = event.target(format!("org:{}", org.code), Some(&org.path)).by(&grant);
    let name = p.filename.unwrap_or_else(|| "upload.xlsx".into());
    let result = {
        let _permit = state.imports.acquire().await;
        hardship.import(&caller.actor, &org, &name, &body).await
    };
    match result {
        Ok(o) => event
            .detail(format!("opened {}", o.opened))
            .attach(Json(LedgerImportReport { opened: o.opened }).into_response()),
        Err(f) => event.attach(rejection(f)),
    }
}

/// The ledger's import template (.xlsx).
#[utoipa::path(get, path = "/api/v1/hardship/import/template.xlsx", tag = "hardship",
    responses((status = 200, description = "The template", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")))]
pub async fn template() -> Response {
    match jiuye_app::hardship::template_xlsx() {
        Ok(bytes) => crate::render::download::download(bytes, crate::api::rosters::XLSX, "帮扶台账模板.xlsx"),
        Err(e) => {
            AppError::new(StatusCode::INTERNAL_SERVER_ERROR, jiuye_domain::ErrorCode::InternalError, e.to_string())
                .into_response()
        }
    }
}

/// The documented routes of the hardship ledger.
pub fn router() -> OpenApiRouter<AppState> {
    // Uploads may be larger than ordinary request bodies.
    let uploads = OpenApiRouter::new()
        .routes(routes!(import))
        .layer(axum::extract::DefaultBodyLimit::max(jiuye_sheets::MAX_FILE_BYTES + 64 * 1024));
    OpenApiRouter::new()
        .merge(uploads)
        .routes(routes!(get_file, put_file))
        .routes(routes!(get_own))
        .routes(routes!(put_consent))
        .routes(routes!(coverage))
        .routes(routes!(missing))
        .routes(routes!(template))
}
