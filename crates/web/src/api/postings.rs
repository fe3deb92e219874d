//! Job postings: scam screening of a draft (`POST /api/v1/postings/screen`, open to anyone since
//! it stores nothing), submission by a verified employer's own account, review by the staff of
//! the scope it appears in, and reading under the visibility rules: a posting is seen by the
//! people of the organisation it appears in (and of the organisations below it, and the member
//! universities of an alliance), by its employer, and by the staff who review it.

pub mod readers;
pub mod reports;
pub mod review;

use crate::api::postings::readers::hidden_employers;
use crate::api::postings::readers::readable_posting;
use crate::api::postings::readers::viewer_scopes;
use crate::api::postings::reports::__path_report_posting;
use crate::api::postings::reports::__path_withdraw_posting;
use crate::api::postings::reports::report_posting;
use crate::api::postings::reports::withdraw_posting;
use crate::api::postings::review::__path_my_postings;
use crate::api::postings::review::__path_review_posting;
use crate::api::postings::review::__path_review_queue;
use crate::api::postings::review::PostingList;
use crate::api::postings::review::my_postings;
use crate::api::postings::review::review_posting;
use crate::api::postings::review::review_queue;
use crate::error::ErrorCode;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use jiuye_domain::access::{self, Action, Resource, Role};
use jiuye_domain::employer::Verification;
use jiuye_domain::posting::{self, PostingFields, Visibility};
use jiuye_domain::screening::{self, Draft, Reason, Rules, Screening};
use jiuye_domain::{Org, OrgCode};
use jiuye_store::postings::{PostingRecord, PostingRow};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::AppState;
use crate::auth::{AuditEvent, Caller, MaybeCaller, Signed, audited, forbidden};
use crate::error::unprocessable;
use crate::error::{AppError, ErrorBody};
use crate::extract::query::ApiQuery;

/// A posting as drafted.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct DraftPosting {
    pub title: String,
    pub description: String,
    /// Monthly pay range, yuan.
    pub salary_min: Option<i64>,
    pub salary_max: Option<i64>,
    /// GB/T 2260 code of the place of work.
    pub region: Option<String>,
    /// How to apply or whom to contact (free text).
    pub contact: Option<String>,
}

const MAX_TEXT: usize = 20_000;

/// Screens a draft against the shipped rules and the minimum wage of its province.
pub(crate) async fn screen_draft(state: &AppState, d: &DraftPosting) -> Result<Screening, AppError> {
    if d.title.chars().count() > 200 || d.description.chars().count() > MAX_TEXT {
        return Err(AppError::new(
            axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::TextTooLong,
            "标题不超过 200 字，描述不超过 20000 字",
        ));
    }
    for v in [d.salary_min, d.salary_max].into_iter().flatten() {
        if !(0..=10_000_000).contains(&v) {
            return Err(AppError::new(
                axum::http::StatusCode::UNPROCESSABLE_ENTITY,
                ErrorCode::InvalidSalary,
                "月薪应在 0 到 10000000 元之间",
            ));
        }
    }
    let region = d.region.as_deref().map(str::trim).unwrap_or("");
    let wage = if region.is_empty() {
        None
    } else {
        if state.refdata.region(region).is_none() {
            return Err(AppError::new(
                axum::http::StatusCode::UNPROCESSABLE_ENTITY,
                ErrorCode::InvalidRegion,
                format!("工作地点代码 {region} 不在现行行政区划代码中"),
            ));
        }
        let province = region
            .get(..2)
            .filter(|p| p.bytes().all(|b| b.is_ascii_digit()))
            .ok_or_else(|| unprocessable(ErrorCode::InvalidRegion, format!("工作地点代码 {region} 无效")))?;
        state.store.min_wage(&format!("{province}0000")).await?
    };
    let draft = Draft {
        title: &d.title,
        description: &d.description,
        salary_min: d.salary_min,
        salary_max: d.salary_max,
        contact: d.contact.as_deref(),
    };
    Ok(screening::screen(Rules::shipped(), &draft, wage))
}

/// Screens a draft posting for the signs of a scam or a discriminatory clause and stores nothing.
/// `high` means a posting would be held for review.
#[utoipa::path(post, path = "/api/v1/postings/screen", tag = "postings", request_body = DraftPosting,
    responses((status = 200, description = "The risk level and the reasons", body = Screening),
        (status = 422, description = "`text_too_long`, `invalid_salary`, `invalid_region`", body = ErrorBody)))]
pub async fn post_screen(
    State(state): State<AppState>,
    Json(d): Json<DraftPosting>,
) -> Result<Json<Screening>, AppError> {
    Ok(Json(screen_draft(&state, &d).await?))
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(post_screen))
        .routes(routes!(create_posting, list_postings))
        .routes(routes!(review_queue))
        .routes(routes!(my_postings))
        .routes(routes!(get_posting, update_posting))
        .routes(routes!(review_posting))
        .routes(routes!(withdraw_posting))
        .routes(routes!(report_posting))
        .routes(routes!(list_specials))
}

/// The themed campaigns (专场) postings may join, with their rules.
#[utoipa::path(get, path = "/api/v1/specials", tag = "postings",
    responses((status = 200, description = "The themed campaigns with their rules", body = Vec<posting::Special>)))]
pub async fn list_specials() -> Json<Vec<posting::Special>> {
    Json(posting::specials().to_vec())
}

/// A posting as submitted by its employer.
#[derive(Clone, Debug, Deserialize, ToSchema)]
pub struct PostingInput {
    pub title: String,
    pub description: String,
    /// GB/T 2260 code of the place of work (prefecture or county).
    pub region: String,
    /// 工作职位类别代码.
    pub position: String,
    /// `any`, `vocational`, `bachelor`, `master` or `doctor`.
    pub education: String,
    /// Codes of majors or major classes wanted (either catalogue); empty for any.
    #[serde(default)]
    pub majors: Vec<String>,
    pub openings: i64,
    /// Monthly pay range, yuan.
    pub salary_min: Option<i64>,
    pub salary_max: Option<i64>,
    /// YYYY-MM-DD, the last day to apply (today to a year ahead).
    pub deadline: String,
    pub contact: String,
    #[serde(default)]
    pub apply_method: String,
    /// `university`, `alliance`, `province` or `nation`.
    pub visibility: String,
    /// The code of the university, alliance or province it appears in (ignored for `nation`).
    pub scope: Option<String>,
    /// Themed campaigns (专场) to join, by id (see `GET /api/v1/specials`); each checks its rule.
    #[serde(default)]
    pub specials: Vec<String>,
}

/// A posting.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct PostingDto {
    pub id: Uuid,
    pub employer_id: Uuid,
    pub employer_credit_code: String,
    pub employer_name: String,
    pub title: String,
    pub description: String,
    pub region: String,
    pub region_name: String,
    pub position: String,
    pub education: String,
    pub majors: Vec<String>,
    pub openings: i64,
    pub salary_min: Option<i64>,
    pub salary_max: Option<i64>,
    pub deadline: String,
    pub contact: String,
    pub apply_method: String,
    pub visibility: String,
    /// The code of the organisation it appears in.
    pub scope: String,
    /// The themed campaigns (专场) it joined.
    pub specials: Vec<String>,
    /// `pending` (awaiting review), `approved`, `held` (screened high-risk, awaiting review),
    /// `rejected` or `withdrawn`.
    pub status: String,
    /// The screening: `low`, `medium` or `high`, and why.
    pub risk_level: String,
    pub reasons: Vec<Reason>,
    pub review_note: Option<String>,
    /// How many people reported it as suspicious.
    pub report_count: i64,
    /// The reports (for its reviewers only).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub reports: Vec<ReportDto>,
    pub version: i64,
    pub created_at: chrono::DateTime<Utc>,
}

/// One report of a suspicious posting.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ReportDto {
    pub reason: String,
    pub at: chrono::DateTime<Utc>,
}

/// A stored posting as the API shows it.
pub(crate) fn dto_of(state: &AppState, r: PostingRow) -> PostingDto {
    dto(state, r)
}

pub(crate) fn dto(state: &AppState, r: PostingRow) -> PostingDto {
    let p = r.posting;
    let scope = r.scope_path.rsplit('/').next().unwrap_or_default().to_owned();
    PostingDto {
        id: p.id,
        employer_id: p.employer_id,
        employer_credit_code: r.employer_code,
        employer_name: r.employer_name,
        region_name: state.refdata.region(&p.region_code).map(|x| x.name.clone()).unwrap_or_default(),
        title: p.title,
        description: p.description,
        region: p.region_code,
        position: p.position_code,
        education: p.education,
        majors: p.majors.split(',').filter(|m| !m.is_empty()).map(str::to_owned).collect(),
        openings: p.openings,
        salary_min: p.salary_min,
        salary_max: p.salary_max,
        deadline: p.deadline.format("%Y-%m-%d").to_string(),
        contact: p.contact,
        apply_method: p.apply_method,
        visibility: p.visibility,
        scope,
        specials: p.specials.split(',').filter(|s| !s.is_empty()).map(str::to_owned).collect(),
        status: p.status.id().to_owned(),
        risk_level: p.risk_level,
        reasons: serde_json::from_str(&p.risk_reasons).unwrap_or_default(),
        review_note: p.review_note,
        report_count: r.report_count,
        reports: Vec::new(),
        version: p.version,
        created_at: p.created_at,
    }
}

/// The employer record the caller posts for (their own account's employer).
pub(crate) async fn own_employer(
    state: &AppState,
    caller: &Caller,
) -> Result<jiuye_store::employers::EmployerRecord, AppError> {
    let id = jiuye_domain::access::subject_of(&caller.actor, Role::Employer)
        .ok_or_else(|| AppError::new(StatusCode::FORBIDDEN, ErrorCode::Forbidden, "只有用人单位账号可以发布职位"))?;
    let e = state.store.employer_by_id(id).await?.ok_or_else(forbidden)?;
    let org_path = state.store.org_position(e.org_id).await?.map(|(_, _, p)| p).unwrap_or_default();
    access::can(&caller.actor, Action::PostJob, &Resource::owned(&org_path, e.id)).ok_or_else(forbidden)?;
    if e.verification != Verification::Verified {
        return Err(unprocessable(
            ErrorCode::EmployerNotVerified,
            format!("{} 尚未通过审核（或已被列入黑名单），审核通过后才能发布职位", e.name),
        ));
    }
    Ok(e)
}

/// The organisation a posting appears in.
async fn scope_org(state: &AppState, visibility: Visibility, scope: Option<&str>) -> Result<Org, AppError> {
    let code = match visibility {
        Visibility::Nation => OrgCode::nation().to_string(),
        _ => scope
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .ok_or_else(|| unprocessable(ErrorCode::InvalidScope, "请填写职位面向的高校、联盟或省份代码"))?,
    };
    crate::extract::org::org_by_code_text(state, &code)
        .await?
        .filter(|o| o.kind == visibility.org_kind())
        .ok_or_else(|| unprocessable(ErrorCode::InvalidScope, format!("“{code}”不是{}的代码", visibility.id())))
}

/// The GB/T 2260 code of the province an organisation lies in (None for the nation).
fn scope_province_code(org: &Org) -> Option<String> {
    let seg = org.path.split('/').nth(1)?;
    (seg.len() == 6 && seg.ends_with("0000")).then(|| seg.to_owned())
}

/// Checks, screens and builds the record for a submission or an edit.
async fn build(
    state: &AppState,
    input: &PostingInput,
    employer: &jiuye_store::employers::EmployerRecord,
) -> Result<(PostingRecord, Screening), AppError> {
    let majors: Vec<String> = input.majors.iter().map(|m| m.trim().to_owned()).filter(|m| !m.is_empty()).collect();
    let fields = PostingFields {
        title: input.title.trim(),
        description: input.description.trim(),
        region: input.region.trim(),
        position: input.position.trim(),
        education: input.education.trim(),
        majors: &majors,
        openings: input.openings,
        salary_min: input.salary_min,
        salary_max: input.salary_max,
        deadline: input.deadline.trim(),
        contact: input.contact.trim(),
        apply_method: input.apply_method.trim(),
    };
    let problems = posting::check_fields(&state.refdata, &fields, chrono::Local::now().date_naive());
    if let Some(first) = problems.first() {
        let message = problems.iter().map(|p| p.message.as_str()).collect::<Vec<_>>().join("；");
        return Err(unprocessable(first.code, message));
    }
    let deadline = chrono::NaiveDate::parse_from_str(fields.deadline, "%Y-%m-%d")
        .map_err(|_| unprocessable(ErrorCode::InvalidDeadline, "截止日期应为 YYYY-MM-DD"))?;
    let visibility = Visibility::from_id(input.visibility.trim()).ok_or_else(|| {
        unprocessable(ErrorCode::InvalidVisibility, "可见范围应为 university、alliance、province 或 nation")
    })?;
    let scope = scope_org(state, visibility, input.scope.as_deref()).await?;
    let mut specials: Vec<String> = Vec::new();
    for id in input.specials.iter().map(|s| s.trim()).filter(|s| !s.is_empty()) {
        let sp = posting::specials()
            .iter()
            .find(|x| x.id == id)
            .ok_or_else(|| unprocessable(ErrorCode::InvalidSpecial, format!("没有 id 为 {id} 的专场")))?;
        let scope_province = scope_province_code(&scope);
        if let Some(why) = sp.refuses(employer.size_class.as_deref(), fields.region, scope_province.as_deref()) {
            return Err(unprocessable(ErrorCode::SpecialNotEligible, why));
        }
        if !specials.iter().any(|x| x == id) {
            specials.push(id.to_owned());
        }
    }
    let screening = screen_draft(
        state,
        &DraftPosting {
            title: fields.title.to_owned(),
            description: fields.description.to_owned(),
            salary_min: input.salary_min,
            salary_max: input.salary_max,
            region: Some(fields.region.to_owned()),
            contact: Some(fields.contact.to_owned()),
        },
    )
    .await?;
    let now = Utc::now();
    let record = PostingRecord {
        id: Uuid::now_v7(),
        employer_id: employer.id,
        title: fields.title.to_owned(),
        description: fields.description.to_owned(),
        region_code: fields.region.to_owned(),
        position_code: fields.position.to_owned(),
        education: fields.education.to_owned(),
        majors: majors.join(","),
        openings: input.openings,
        salary_min: input.salary_min,
        salary_max: input.salary_max,
        deadline,
        contact: fields.contact.to_owned(),
        apply_method: fields.apply_method.to_owned(),
        visibility: visibility.id().to_owned(),
        scope_org_id: scope.id,
        specials: specials.join(","),
        status: posting::state_after_screening(screening.level),
        risk_level: screening.level.id().to_owned(),
        risk_reasons: serde_json::to_string(&screening.reasons).unwrap_or_else(|_| "[]".into()),
        reviewed_by: None,
        reviewed_at: None,
        review_note: None,
        created_by: Uuid::nil(),
        created_at: now,
        updated_at: now,
        origin_node: state.store.node().await?.node_id,
        version: 1,
    };
    Ok((record, screening))
}

/// Submits a posting for the caller's own (verified) employer. It is screened at once: a
/// high-risk posting is `held`, any other is `pending`; either waits for the staff of its scope.
#[utoipa::path(post, path = "/api/v1/postings", tag = "postings", request_body = PostingInput,
    responses((status = 201, description = "Submitted: `pending`, or `held` when screened high-risk", body = PostingDto),
        (status = 422, description = "`employer_not_verified`, `invalid_title`, `invalid_description`, `invalid_region`, `invalid_position`, `invalid_education`, `invalid_majors`, `invalid_openings`, `invalid_salary`, `invalid_deadline`, `invalid_contact`, `invalid_apply_method`, `invalid_visibility`, `invalid_scope`", body = ErrorBody),
        (status = 403, description = "`forbidden` (not an employer's account)", body = ErrorBody)))]
pub async fn create_posting(
    State(state): State<AppState>,
    Signed(caller): Signed,
    Json(input): Json<PostingInput>,
) -> Response {
    let event = AuditEvent::new("posting_create");
    match submit_posting(&state, &caller, &input).await {
        Ok(row) => {
            let path = row.scope_path.clone();
            let d = dto(&state, row);
            event
                .target(format!("posting:{}", d.id), Some(&path))
                .detail(format!("{} {}", d.status, d.risk_level))
                .attach((StatusCode::CREATED, Json(d)).into_response())
        }
        Err(e) => audited(event, Err(e)),
    }
}

/// Submits a posting for the caller's own employer: screened, stored, indexed (the API and the
/// employer's page).
pub(crate) async fn submit_posting(
    state: &AppState,
    caller: &Caller,
    input: &PostingInput,
) -> Result<PostingRow, AppError> {
    let employer = own_employer(state, caller).await?;
    let (mut record, _) = build(state, input, &employer).await?;
    record.created_by = caller.user.id;
    state.store.add_posting(&record).await?;
    crate::api::search::refresh(state, record.id).await?;
    let row = state
        .store
        .posting(record.id)
        .await?
        .ok_or_else(|| AppError::not_found(ErrorCode::PostingNotFound, "没有这个职位"))?;
    Ok(row)
}

/// One posting: for anyone it is open to once approved and before its deadline; in any state
/// for its employer and for the staff who review it. Otherwise 404.
#[utoipa::path(get, path = "/api/v1/postings/{id}", tag = "postings", params(("id" = Uuid, Path)),
    responses((status = 200, description = "The posting", body = PostingDto), (status = 404, description = "`posting_not_found`", body = ErrorBody)))]
pub async fn get_posting(
    State(state): State<AppState>,
    caller: MaybeCaller,
    Path(id): Path<Uuid>,
) -> Result<Json<PostingDto>, AppError> {
    Ok(Json(posting_for(&state, caller.0.as_deref(), id).await?))
}

/// One posting as `caller` may read it, with its reports for those who review it (the API and
/// the posting page).
pub(crate) async fn posting_for(state: &AppState, caller: Option<&Caller>, id: Uuid) -> Result<PostingDto, AppError> {
    let row = readable_posting(state, caller, id).await?;
    let reviewer =
        caller.is_some_and(|c| access::can(&c.actor, Action::ApprovePosting, &Resource::at(&row.scope_path)).is_some());
    let mut d = dto(state, row);
    if reviewer {
        d.reports = reports_of(state, id).await?;
    }
    Ok(d)
}

pub(crate) async fn reports_of(state: &AppState, id: Uuid) -> Result<Vec<ReportDto>, AppError> {
    Ok(state.store.posting_reports(id).await?.into_iter().map(|(reason, at)| ReportDto { reason, at }).collect())
}

/// Edits a posting (its employer only). The edit is screened again and goes back to review.
#[utoipa::path(put, path = "/api/v1/postings/{id}", tag = "postings", params(("id" = Uuid, Path)), request_body = PostingInput,
    responses((status = 200, description = "Edited and sent back to review", body = PostingDto), (status = 404, description = "`posting_not_found`", body = ErrorBody),
        (status = 422, description = "as for submitting", body = ErrorBody)))]
pub async fn update_posting(
    State(state): State<AppState>,
    Signed(caller): Signed,
    Path(id): Path<Uuid>,
    Json(input): Json<PostingInput>,
) -> Response {
    let event = AuditEvent::new("posting_update").target(format!("posting:{id}"), None);
    let result = async {
        let missing = || AppError::not_found(ErrorCode::PostingNotFound, "没有这个职位，或它不对您开放");
        let old = state.store.posting(id).await?.ok_or_else(missing)?;
        let employer = own_employer(&state, &caller).await.map_err(|_| missing())?;
        if employer.id != old.posting.employer_id {
            return Err(missing());
        }
        let (mut record, _) = build(&state, &input, &employer).await?;
        record.id = id;
        record.created_by = old.posting.created_by;
        if !state.store.update_posting(&record).await? {
            return Err(missing());
        }
        crate::api::search::refresh(&state, id).await?;
        state.store.posting(id).await?.ok_or_else(missing)
    }
    .await;
    match result {
        Ok(row) => {
            let path = row.scope_path.clone();
            let d = dto(&state, row);
            event.target(format!("posting:{id}"), Some(&path)).detail(d.status.clone()).attach(Json(d).into_response())
        }
        Err(e) => audited(event, Err(e)),
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// Only postings in this themed campaign (专场).
    pub special: Option<String>,
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

/// Approved, open postings visible to the caller (anyone: the nation's), newest first.
#[utoipa::path(get, path = "/api/v1/postings", tag = "postings", params(ListParams),
    responses((status = 200, description = "Open postings the caller may see, newest first", body = PostingList)))]
pub async fn list_postings(
    State(state): State<AppState>,
    caller: MaybeCaller,
    ApiQuery(p): ApiQuery<ListParams>,
) -> Result<Json<PostingList>, AppError> {
    let scopes = viewer_scopes(&state, caller.0.as_deref()).await?;
    let hidden = hidden_employers(&state, caller.0.as_deref()).await?;
    let today = chrono::Local::now().date_naive().to_string();
    let (rows, total) = state
        .store
        .postings_visible(
            &scopes.ids.iter().copied().collect::<Vec<_>>(),
            &hidden,
            &today,
            p.special.as_deref().map(str::trim).filter(|s| !s.is_empty()),
            p.limit.unwrap_or(20),
            p.offset.unwrap_or(0),
        )
        .await?;
    Ok(Json(PostingList { total, items: rows.into_iter().map(|r| dto(&state, r)).collect() }))
}
