//! The ledger's tables: the import from a spreadsheet, the watermarked export, and the
//! per-province subsidy table.

use askama::Template;
use axum::extract::{OriginalUri, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::AppState;
use crate::api::hardship::newest_cohort;
use crate::auth::{AuditEvent, audited};
use crate::error::AppError;
use crate::extract::query::ApiQuery;
use crate::extract::signed_in::SignedIn;
use crate::i18n::Lang;
use crate::render::page::{Base, render};

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

#[derive(Debug, Deserialize)]
pub struct ExportQuery {
    org: Option<String>,
    cohort: Option<i32>,
}

/// The ledger as CSV (ledger keepers), watermarked in its first and last rows with who exported
/// it and when.
pub async fn export_csv(
    State(state): State<AppState>,
    SignedIn(me): SignedIn,
    ApiQuery(q): ApiQuery<ExportQuery>,
) -> Result<Response, AppError> {
    let cohort = match q.cohort {
        Some(c) => c,
        None => newest_cohort(&state, &me.actor, q.org.as_deref()).await?.unwrap_or(0),
    };
    let files = state.hardship().export(&me.actor, q.org.as_deref(), cohort, state.reads(&me)).await?;
    let headers: Vec<String> = [
        "学号",
        "姓名",
        "院系",
        "困难类别",
        "残疾类型",
        "证明材料",
        "核实人",
        "本人同意",
        "帮扶责任人",
        "方案状态",
        "宏志助航培训",
        "求职创业补贴",
        "补贴金额",
        "个案",
        "在招推荐岗位",
        "最近联系",
        "已落实去向",
    ]
    .iter()
    .map(|h| (*h).to_owned())
    .collect();
    let mark = format!(
        "导出人：{}（{}） 导出时间：{} 仅限帮扶工作使用，不得外传",
        me.user.display_name,
        me.user.username,
        crate::render::time::local_minute(chrono::Utc::now())
    );
    let mut rows = vec![vec![mark.clone()]];
    for f in &files {
        rows.push(vec![
            f.student_no.clone(),
            f.name.clone(),
            f.college_name.clone(),
            f.profile.categories().iter().map(|c| c.zh()).collect::<Vec<_>>().join("、"),
            f.profile.disability().map(|d| d.zh().to_owned()).unwrap_or_default(),
            f.profile.evidence().map(|e| e.zh().to_owned()).unwrap_or_default(),
            f.verified_by.clone().unwrap_or_default(),
            f.consent.zh().to_owned(),
            f.helper_name.clone().unwrap_or_default(),
            f.plan_state.zh().to_owned(),
            f.training.zh().to_owned(),
            f.subsidy.zh().to_owned(),
            f.subsidy_yuan.map(|y| y.to_string()).unwrap_or_default(),
            f.case_state.zh().to_owned(),
            f.recommended_open.to_string(),
            f.last_contact.map(|d| d.to_string()).unwrap_or_default(),
            if f.placed { "是" } else { "否" }.to_owned(),
        ]);
    }
    rows.push(vec![mark]);
    Ok(crate::render::download::download(
        jiuye_sheets::write_csv(&headers, &rows),
        "text/csv; charset=utf-8",
        &format!("帮扶台账-{cohort}.csv"),
    ))
}

struct SubsidyRow {
    code: String,
    name: String,
    yuan: i64,
    effective: String,
    source: String,
    editable: bool,
}

#[derive(Template)]
#[template(path = "hardship_subsidy.html")]
struct SubsidyPage {
    base: Base,
    rows: Vec<SubsidyRow>,
    error: Option<String>,
}

async fn subsidy_page(
    state: &AppState,
    lang: Lang,
    uri: &axum::http::Uri,
    me: &crate::auth::Caller,
    error: Option<AppError>,
) -> Result<Response, AppError> {
    let base = Base::new(state, lang, "hardship", uri).signed_in(me);
    let rows = jiuye_app::hardship::subsidy_table(state.store.as_ref())
        .await?
        .into_iter()
        .map(|(code, yuan, effective, source)| SubsidyRow {
            name: state.refdata.region(&code).map(|r| r.name.clone()).unwrap_or_else(|| code.clone()),
            editable: jiuye_domain::access::can(
                &me.actor,
                jiuye_domain::access::Action::EditSubsidyTable,
                &jiuye_domain::access::Resource::at(&format!("CN/{code}")),
            )
            .is_some(),
            code,
            yuan,
            effective,
            source: match source.strip_prefix("edited by ") {
                _ if source == "shipped" => base.t("hardship.subsidy_shipped").to_owned(),
                Some(user) => format!("{}{user}", base.t("hardship.subsidy_edited")),
                None => source,
            },
        })
        .collect();
    let status = error.as_ref().map(|e| e.status).unwrap_or(StatusCode::OK);
    let page = SubsidyPage { base, rows, error: error.map(|e| e.message) };
    Ok((status, render(&page)?).into_response())
}

/// The table of one-time job-seeking subsidies, with edit forms for the provinces the caller
/// administers.
pub async fn subsidy_view(
    State(state): State<AppState>,
    lang: Lang,
    SignedIn(me): SignedIn,
    OriginalUri(uri): OriginalUri,
) -> Result<Response, AppError> {
    subsidy_page(&state, lang, &uri, &me, None).await
}

#[derive(Debug, Deserialize)]
pub struct SubsidyForm {
    yuan: String,
    effective: String,
}

/// Sets a province's subsidy.
pub async fn subsidy_submit(
    State(state): State<AppState>,
    lang: Lang,
    SignedIn(me): SignedIn,
    OriginalUri(uri): OriginalUri,
    Path(province): Path<String>,
    axum::Form(f): axum::Form<SubsidyForm>,
) -> Result<Response, AppError> {
    let event =
        AuditEvent::new("subsidy_set").target(format!("province:{province}"), None).detail(format!("{} 元", f.yuan));
    let Ok(yuan) = f.yuan.trim().parse::<i64>() else {
        let e = AppError::bad_request(jiuye_domain::ErrorCode::InvalidAmount, "补贴金额应为整数（元）");
        return Ok(event.attach(subsidy_page(&state, lang, &uri, &me, Some(e)).await?));
    };
    match jiuye_app::hardship::set_subsidy(state.store.as_ref(), &me.actor, &province, yuan, &f.effective).await {
        Ok(grant) => Ok(event.by(grant).attach(Redirect::to("/hardship/subsidy").into_response())),
        Err(e) if matches!(e.kind, jiuye_app::ErrorKind::BadInput) => {
            Ok(event.attach(subsidy_page(&state, lang, &uri, &me, Some(e.into())).await?))
        }
        Err(e) => Ok(audited(event, Err(e.into()))),
    }
}
