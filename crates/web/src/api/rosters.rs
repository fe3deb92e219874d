//! Graduates over JSON: roster import (with the template), and placement statistics with their
//! Excel and CSV exports. Every request is scoped by the permission module.

use crate::error::ErrorCode;
use crate::render::download::download;
use std::collections::BTreeMap;

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use jiuye_domain::Org;
use jiuye_domain::destination::{Component, Tally};
use jiuye_domain::roster::ImportOutcome;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::api::orgs::OrgRef;
use crate::auth::{AuditEvent, Caller, Signed};
use crate::error::{AppError, ErrorBody};
use crate::extract::query::ApiQuery;

pub use jiuye_app::rosters::{ImportFailure, import_roster};

/// A refused import: the error shape plus every bad row and column.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportRejection {
    #[schema(example = "invalid_roster")]
    pub error: String,
    pub message: String,
    pub errors: Vec<RowErrorDto>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RowErrorDto {
    /// Row number as the spreadsheet shows it (the header is row 1).
    pub row: usize,
    pub column: String,
    pub reason: String,
}

/// The answer to a refused import.
pub(crate) fn rejection(failure: ImportFailure) -> Response {
    match failure {
        // Refused before anything was allocated from the file's own numbers.
        ImportFailure::File(e @ jiuye_sheets::SheetError::SheetTooLarge { .. }) => {
            unprocessable_roster(ErrorCode::SheetTooLarge, e.to_string(), e.to_string(), Vec::new())
        }
        ImportFailure::File(e) => {
            let status = match e {
                jiuye_sheets::SheetError::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
                _ => StatusCode::BAD_REQUEST,
            };
            AppError::new(status, ErrorCode::InvalidFile, e.to_string()).into_response()
        }
        ImportFailure::Rows(errors) => {
            let n = errors.len();
            unprocessable_roster(
                ErrorCode::InvalidRoster,
                format!("名单有 {n} 处错误，未导入任何数据；请按行号和列名修改后重新上传"),
                format!("名单有 {n} 处错误"),
                errors.into_iter().map(|e| RowErrorDto { row: e.row, column: e.column, reason: e.reason }).collect(),
            )
        }
        ImportFailure::Other(e) => AppError::from(e).into_response(),
    }
}

/// A 422 in the shape of [`ImportRejection`], with the error's code and short message kept for
/// the outer layers (audit, page or JSON).
fn unprocessable_roster(code: ErrorCode, message: String, short: String, errors: Vec<RowErrorDto>) -> Response {
    let body = ImportRejection { error: code.as_str().to_owned(), message, errors };
    let mut res = (StatusCode::UNPROCESSABLE_ENTITY, Json(body)).into_response();
    res.extensions_mut().insert(crate::error::ErrorInfo { code, message: short });
    res
}

/// What an import did (or would do, for a dry run).
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportReport {
    pub rows: usize,
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub destinations: usize,
    pub new_colleges: Vec<String>,
    pub new_programmes: Vec<String>,
    /// Rows whose destination was left as stored because the record went through the workflow
    /// (submitted, returned, reviewed, confirmed by the graduate, or disputed).
    pub conflicts: Vec<ImportConflictDto>,
    pub dry_run: bool,
}

/// A row whose destination the import did not write.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportConflictDto {
    /// Row number as the spreadsheet shows it (the header is row 1).
    pub row: usize,
    pub student_no: String,
    /// The stored record's status.
    pub status: String,
    pub stored_code: Option<String>,
    pub file_code: String,
}

impl From<ImportOutcome> for ImportReport {
    fn from(o: ImportOutcome) -> Self {
        ImportReport {
            rows: o.rows,
            created: o.created,
            updated: o.updated,
            unchanged: o.unchanged,
            destinations: o.destinations,
            new_colleges: o.new_colleges,
            new_programmes: o.new_programmes,
            conflicts: o
                .conflicts
                .into_iter()
                .map(|c| ImportConflictDto {
                    row: c.row,
                    student_no: c.student_no,
                    status: c.status,
                    stored_code: c.stored_code,
                    file_code: c.file_code,
                })
                .collect(),
            dry_run: o.dry_run,
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImportParams {
    /// The university's school code.
    pub university: String,
    /// 届别, e.g. 2023.
    pub cohort: i32,
    /// Validate and report without writing.
    #[serde(default)]
    pub dry_run: bool,
    /// The file's name (`.xlsx` or `.csv`); decides how it is read.
    pub filename: Option<String>,
}

/// Imports a graduate roster (.xlsx or CSV in UTF-8 or GBK; the request body is the file).
/// The whole file is checked first: if any row is bad nothing is written and every bad row and
/// column is listed. Re-importing updates graduates by 学号.
#[utoipa::path(
    post,
    path = "/api/v1/imports/graduates",
    tag = "graduates",
    params(ImportParams),
    request_body(content = Vec<u8>, content_type = "application/octet-stream", description = "The .xlsx or .csv file"),
    responses(
        (status = 200, description = "Imported (or checked, for a dry run)", body = ImportReport),
        (status = 400, description = "`invalid_file`: not a readable .xlsx/.csv", body = ErrorBody),
        (status = 413, description = "`payload_too_large`: over 20 MB", body = ErrorBody),
        (status = 422, description = "`invalid_roster`: rows with errors, nothing written; or `sheet_too_large`: the sheet's size, cells, decompressed size or shared strings exceed a limit the message names", body = ImportRejection),
        (status = 403, description = "`forbidden`", body = ErrorBody),
    )
)]
pub async fn import_graduates(
    State(state): State<AppState>,
    Signed(caller): Signed,
    ApiQuery(p): ApiQuery<ImportParams>,
    body: Bytes,
) -> Response {
    let event = AuditEvent::new("roster_import").target(format!("org:{}", p.university), None);
    let (org, grant) = match jiuye_app::rosters::import_target(state.store.as_ref(), &caller.actor, &p.university).await
    {
        Ok(x) => x,
        Err(e) => return event.attach(AppError::from(e).into_response()),
    };
    let event = event.target(format!("org:{}", org.code), Some(&org.path)).by(&grant);
    let name = p.filename.unwrap_or_else(|| "upload.csv".into());
    let actor = Some((caller.user.id, caller.user.username.clone()));
    let result = {
        let _permit = state.imports.acquire().await;
        import_roster(&*state.store, &state.refdata, &org, p.cohort, &name, &body, p.dry_run, actor, &mut |_, _| {})
            .await
    };
    match result {
        Ok(outcome) => {
            let detail = format!(
                "{} 届，{} 行：新增 {}，更新 {}，未变 {}{}",
                p.cohort,
                outcome.rows,
                outcome.created,
                outcome.updated,
                outcome.unchanged,
                if outcome.dry_run { "（试导入）" } else { "" }
            );
            event.detail(detail).attach(Json(ImportReport::from(outcome)).into_response())
        }
        Err(f) => event.attach(rejection(f)),
    }
}

/// The roster template (.xlsx).
#[utoipa::path(get, path = "/api/v1/imports/graduates/template.xlsx", tag = "graduates",
    responses((status = 200, description = "The template", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")))]
pub async fn template_xlsx() -> Response {
    match jiuye_sheets::roster_template_xlsx() {
        Ok(bytes) => download(bytes, XLSX, "毕业生名单模板.xlsx"),
        Err(e) => {
            AppError::new(StatusCode::INTERNAL_SERVER_ERROR, ErrorCode::InternalError, e.to_string()).into_response()
        }
    }
}

/// The roster template (CSV, UTF-8).
#[utoipa::path(get, path = "/api/v1/imports/graduates/template.csv", tag = "graduates",
    responses((status = 200, description = "The template", content_type = "text/csv")))]
pub async fn template_csv() -> Response {
    download(jiuye_sheets::roster_template_csv(), "text/csv; charset=utf-8", "毕业生名单模板.csv")
}

pub(crate) const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// Placement figures of one organisation.
#[derive(Debug, Serialize, ToSchema)]
pub struct PlacementFigures {
    pub org: OrgRef,
    pub graduates: i64,
    pub placed: i64,
    /// placed / graduates, 4 decimals.
    pub rate: f64,
    /// Below the parent's rate (children only; false when the child has no graduates).
    pub below_parent_average: bool,
}

/// 毕业去向落实率 of an organisation and its children for a cohort.
#[derive(Debug, Serialize, ToSchema)]
pub struct PlacementStats {
    pub org: OrgRef,
    pub cohort: i32,
    pub graduates: i64,
    pub placed: i64,
    /// placed / graduates, 4 decimals.
    pub rate: f64,
    /// Counted records by destination code (approved or confirmed only).
    pub by_code: BTreeMap<String, i64>,
    /// Graduates by component: `employed` (单位就业), `self_employed` (自主创业), `freelance`
    /// (自由职业), `further_study` (升学), `not_placed`.
    pub by_component: BTreeMap<String, i64>,
    pub children: Vec<PlacementFigures>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StatsParams {
    /// Organisation code (CN, a province, a university, a college, a programme, an alliance).
    pub org: String,
    pub cohort: i32,
    /// `male` or `female`.
    pub gender: Option<String>,
    /// `associate`, `bachelor`, `master` or `doctor`.
    pub level: Option<String>,
}

fn round4(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

pub(crate) use jiuye_app::statistics::Placement as Computed;

/// The placement of a cohort under an organisation, for the caller (see `jiuye_app::statistics`).
pub(crate) async fn compute_placement(
    state: &AppState,
    caller: &Caller,
    org_code: &str,
    cohort: i32,
    gender: Option<&str>,
    level: Option<&str>,
) -> Result<Computed, AppError> {
    let group = jiuye_app::statistics::Group { gender, level };
    Ok(jiuye_app::statistics::placement(state.store.as_ref(), &caller.actor, org_code, cohort, group).await?)
}

/// The statistics of a computed placement as the API shows them.
pub(crate) fn stats_dto(placement: &Computed, cohort: i32) -> PlacementStats {
    let parent_rate = placement.tally.rate();
    PlacementStats {
        org: OrgRef::from(&placement.org),
        cohort,
        graduates: placement.tally.graduates,
        placed: placement.tally.placed,
        rate: round4(placement.tally.rate()),
        by_code: placement.tally.by_code.clone(),
        by_component: placement.tally.component_counts().iter().map(|(c, n)| (c.id().to_owned(), *n)).collect(),
        children: placement
            .children
            .iter()
            .map(|(o, t)| PlacementFigures {
                org: OrgRef::from(o),
                graduates: t.graduates,
                placed: t.placed,
                rate: round4(t.rate()),
                below_parent_average: t.graduates > 0 && t.rate() < parent_rate,
            })
            .collect(),
    }
}

/// 毕业去向落实率 for an organisation and cohort, with components and each child's rate.
#[utoipa::path(get, path = "/api/v1/stats/placement", tag = "graduates", params(StatsParams),
    responses((status = 200, body = PlacementStats), (status = 400, description = "`invalid_org_code`, `invalid_cohort`, `invalid_query`", body = ErrorBody),
        (status = 401, description = "`unauthenticated`", body = ErrorBody), (status = 403, description = "`forbidden`", body = ErrorBody),
        (status = 404, description = "`org_not_found`", body = ErrorBody)))]
pub async fn placement(
    State(state): State<AppState>,
    Signed(caller): Signed,
    ApiQuery(p): ApiQuery<StatsParams>,
) -> Result<Json<PlacementStats>, AppError> {
    let c = compute_placement(&state, &caller, &p.org, p.cohort, p.gender.as_deref(), p.level.as_deref()).await?;
    Ok(Json(stats_dto(&c, p.cohort)))
}

/// The statistics table as rows (used by the Excel and CSV exports).
pub(crate) fn table_rows(c: &Computed) -> (Vec<String>, Vec<Vec<String>>) {
    let headers: Vec<String> = [
        "代码",
        "名称",
        "毕业生人数",
        "已落实人数",
        "毕业去向落实率",
        "单位就业",
        "自主创业",
        "自由职业",
        "升学",
        "低于上级平均",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    let parent_rate = c.tally.rate();
    let line = |o: &Org, t: &Tally, flag: Option<bool>| {
        vec![
            o.code.to_string(),
            o.name.clone(),
            t.graduates.to_string(),
            t.placed.to_string(),
            format!("{:.2}%", t.rate() * 100.0),
            t.by_component.get(&Component::Employed).unwrap_or(&0).to_string(),
            t.by_component.get(&Component::SelfEmployed).unwrap_or(&0).to_string(),
            t.by_component.get(&Component::Freelance).unwrap_or(&0).to_string(),
            t.by_component.get(&Component::FurtherStudy).unwrap_or(&0).to_string(),
            match flag {
                Some(true) => "是".into(),
                Some(false) => "否".into(),
                None => String::new(),
            },
        ]
    };
    let mut rows: Vec<Vec<String>> =
        c.children.iter().map(|(o, t)| line(o, t, Some(t.graduates > 0 && t.rate() < parent_rate))).collect();
    let mut total = line(&c.org, &c.tally, None);
    total[1] = format!("合计（{}）", c.org.name);
    rows.push(total);
    (headers, rows)
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExportParams {
    pub org: String,
    pub cohort: i32,
}

/// The statistics as an Excel workbook: one sheet per level below the organisation (down to
/// major programmes), each with a totals row.
#[utoipa::path(get, path = "/api/v1/stats/placement.xlsx", tag = "graduates", params(ExportParams),
    responses((status = 200, description = "Workbook", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (status = 403, description = "`forbidden`", body = ErrorBody)))]
pub async fn placement_xlsx(
    State(state): State<AppState>,
    Signed(caller): Signed,
    ApiQuery(p): ApiQuery<ExportParams>,
) -> Result<Response, AppError> {
    let top = compute_placement(&state, &caller, &p.org, p.cohort, None, None).await?;
    let mut sheets = Vec::new();
    // Level by level: the organisation's children, then their children, … (at most 3 levels,
    // and at most 200 nodes per level below the first, to keep exports of a nation sensible).
    let mut level: Vec<Computed> = vec![top];
    for _ in 0..3 {
        let Some(first) = level.first() else { break };
        let Some(kind) = first.org.kind.child_kind() else { break };
        let mut headers = Vec::new();
        let mut rows = Vec::new();
        let mut next = Vec::new();
        for c in &level {
            let (h, r) = table_rows(c);
            headers = h;
            rows.extend(r);
            for (child, _) in c.children.iter().take(200) {
                if child.kind.child_kind().is_some() && next.len() < 200 {
                    next.push(compute_placement(&state, &caller, child.code.as_str(), p.cohort, None, None).await?);
                }
            }
        }
        let cells = rows
            .into_iter()
            .map(|r| {
                r.into_iter()
                    .enumerate()
                    .map(|(i, v)| match (i, v.parse::<f64>()) {
                        (2 | 3 | 5 | 6 | 7 | 8, Ok(n)) => jiuye_sheets::Cell::Number(n),
                        _ => jiuye_sheets::Cell::Text(v),
                    })
                    .collect()
            })
            .collect();
        sheets.push(jiuye_sheets::Sheet { name: kind.zh().to_owned(), headers, rows: cells });
        level = next;
    }
    let bytes = jiuye_sheets::write_xlsx(&sheets)
        .map_err(|e| AppError::new(StatusCode::INTERNAL_SERVER_ERROR, ErrorCode::InternalError, e.to_string()))?;
    Ok(download(bytes, XLSX, &format!("毕业去向落实率-{}-{}.xlsx", p.org, p.cohort)))
}

/// The statistics table of an organisation's children as CSV (UTF-8 with BOM).
#[utoipa::path(get, path = "/api/v1/stats/placement.csv", tag = "graduates", params(ExportParams),
    responses((status = 200, description = "CSV", content_type = "text/csv"), (status = 403, description = "`forbidden`", body = ErrorBody)))]
pub async fn placement_csv(
    State(state): State<AppState>,
    Signed(caller): Signed,
    ApiQuery(p): ApiQuery<ExportParams>,
) -> Result<Response, AppError> {
    let c = compute_placement(&state, &caller, &p.org, p.cohort, None, None).await?;
    let (headers, rows) = table_rows(&c);
    Ok(download(
        jiuye_sheets::write_csv(&headers, &rows),
        "text/csv; charset=utf-8",
        &format!("毕业去向落实率-{}-{}.csv", p.org, p.cohort),
    ))
}

pub fn router() -> OpenApiRouter<AppState> {
    // Uploads may be larger than ordinary request bodies.
    let uploads = OpenApiRouter::new()
        .routes(routes!(import_graduates))
        .layer(axum::extract::DefaultBodyLimit::max(jiuye_sheets::MAX_FILE_BYTES + 64 * 1024));
    OpenApiRouter::new()
        .merge(uploads)
        .routes(routes!(template_xlsx))
        .routes(routes!(template_csv))
        .routes(routes!(placement))
        .routes(routes!(placement_xlsx))
        .routes(routes!(placement_csv))
}
