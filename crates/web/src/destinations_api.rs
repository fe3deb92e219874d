//! Destination registration over JSON: the graduate registers (or staff on their behalf), the
//! college and university review, the graduate confirms; evidence files, every version, disputes
//! and the integrity checks. Every step asks the permission module and leaves an audit entry.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{NaiveDate, Utc};
use jiuye_domain::access::{self, Action, Resource, ScopedGrant};
use jiuye_domain::destination::{
    DestStatus, ProofKind, Registration, Step, Violation, check_registration, component_of, next_status,
};
use jiuye_domain::integrity::RecordFacts;
use jiuye_store::destinations::{DestinationRecord, DisputeRecord, EvidenceRecord, GraduateQuery, GraduateView};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::AppState;
use crate::api::{ApiQuery, parse_org_code};
use crate::auth::{AuditEvent, Caller, Signed, audited, forbidden};
use crate::error::{AppError, ErrorBody};

/// Largest evidence file accepted.
pub const MAX_EVIDENCE_BYTES: usize = 5 * 1024 * 1024;

fn not_found() -> AppError {
    AppError::not_found("graduate_not_found", "找不到该毕业生")
}

/// Loads a graduate the caller may see (their own record, or one inside their scope); anyone
/// else gets "not found", so existence does not leak.
pub(crate) async fn visible_graduate(state: &AppState, caller: &Caller, id: Uuid) -> Result<GraduateView, AppError> {
    let g = state.store.graduate_view(id).await?.ok_or_else(not_found)?;
    access::can(&caller.actor, Action::ViewGraduate, &Resource::owned(&g.programme_path, id)).ok_or_else(not_found)?;
    Ok(g)
}

fn allowed<'c>(caller: &'c Caller, action: Action, g: &GraduateView) -> Result<&'c ScopedGrant, AppError> {
    access::can(&caller.actor, action, &Resource::owned(&g.programme_path, g.graduate.id)).ok_or_else(forbidden)
}

/// A destination registration.
#[derive(Debug, Deserialize, ToSchema)]
pub struct RegistrationDto {
    /// Official destination code, e.g. `11`, `12`, `271`, `502`, `76`, `801`.
    #[schema(example = "11")]
    pub code: String,
    pub employer_name: Option<String>,
    /// 统一社会信用代码 (required for 10 and 11).
    pub credit_code: Option<String>,
    /// 单位所在地 (GB/T 2260); for 76 where the graduate works.
    pub employer_region: Option<String>,
    /// 单位性质代码.
    pub employer_type: Option<String>,
    /// 单位行业代码.
    pub employer_industry: Option<String>,
    /// Monthly pay in yuan (required for 12, 27 and 76; at least the local minimum wage).
    pub monthly_pay: Option<i64>,
    /// `agreement`, `contract`, `offer`, `pay_records`, `enlistment`, `project_letter`,
    /// `business_license`, `statement`, `admission` (`internship` is never accepted as
    /// employment).
    pub proof_kind: Option<String>,
    /// 76: the graduate signed the freelance statement.
    #[serde(default)]
    pub statement_signed: bool,
    pub note: Option<String>,
}

impl From<RegistrationDto> for Registration {
    fn from(d: RegistrationDto) -> Self {
        let clean = |s: Option<String>| s.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
        Registration {
            code: d.code.trim().to_owned(),
            employer_name: clean(d.employer_name),
            credit_code: clean(d.credit_code),
            employer_region: clean(d.employer_region),
            employer_type: clean(d.employer_type),
            employer_industry: clean(d.employer_industry),
            monthly_pay: d.monthly_pay,
            proof_kind: clean(d.proof_kind),
            statement_signed: d.statement_signed,
            note: clean(d.note),
        }
    }
}

/// The rule violations of a refused registration, in the error shape.
#[derive(Debug, Serialize, ToSchema)]
pub struct RuleRejection {
    #[schema(example = "registration_rules")]
    pub error: String,
    pub message: String,
    pub violations: Vec<ViolationDto>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ViolationDto {
    pub field: String,
    /// Stable rule id, e.g. `below_minimum_wage`, `internship_not_employment`, `statement_required`.
    pub rule: String,
    pub message: String,
}

fn rejection(v: Vec<Violation>) -> Response {
    let body = RuleRejection {
        error: "registration_rules".into(),
        message: v.iter().map(|x| x.message.clone()).collect::<Vec<_>>().join("；"),
        violations: v
            .into_iter()
            .map(|x| ViolationDto { field: x.field.into(), rule: x.rule.into(), message: x.message })
            .collect(),
    };
    let mut res = (StatusCode::UNPROCESSABLE_ENTITY, Json(body)).into_response();
    res.extensions_mut()
        .insert(crate::error::ErrorInfo {
            code: "registration_rules", message: "登记不符合毕业去向规则".into()
        });
    res
}

/// A destination record as shown to people.
#[derive(Debug, Serialize, ToSchema)]
pub struct DestinationDto {
    pub status: String,
    pub status_zh: String,
    pub code: String,
    pub code_name: Option<String>,
    /// `employed`, `self_employed`, `freelance`, `further_study` or `not_placed`.
    pub component: String,
    pub employer_name: Option<String>,
    pub credit_code: Option<String>,
    pub employer_region: Option<String>,
    pub employer_type: Option<String>,
    pub employer_industry: Option<String>,
    pub monthly_pay: Option<i64>,
    pub proof_kind: Option<String>,
    pub statement_signed: bool,
    pub note: Option<String>,
    pub return_reason: Option<String>,
    /// `graduate`, `staff` or `import`.
    pub source: String,
    pub version: i64,
    pub updated_at: chrono::DateTime<Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct VersionDto {
    pub version: i64,
    pub action: String,
    pub status: String,
    pub actor: Option<String>,
    pub at: chrono::DateTime<Utc>,
    /// The record as it stood (JSON).
    pub snapshot: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EvidenceDto {
    pub id: Uuid,
    pub kind: String,
    pub original_name: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub uploaded_at: chrono::DateTime<Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DisputeDto {
    pub id: Uuid,
    pub text: String,
    pub status: String,
    pub answer: Option<String>,
    pub created_at: chrono::DateTime<Utc>,
    pub answered_at: Option<chrono::DateTime<Utc>>,
}

impl From<&DisputeRecord> for DisputeDto {
    fn from(d: &DisputeRecord) -> Self {
        DisputeDto {
            id: d.id,
            text: d.text.clone(),
            status: d.status.clone(),
            answer: d.answer.clone(),
            created_at: d.created_at,
            answered_at: d.answered_at,
        }
    }
}

/// A graduate with their destination record, its history, evidence and disputes.
#[derive(Debug, Serialize, ToSchema)]
pub struct GraduateDetail {
    pub id: Uuid,
    pub student_no: String,
    pub name: String,
    pub university: String,
    pub college: String,
    pub programme: String,
    pub cohort: i32,
    pub education_level: String,
    pub destination: Option<DestinationDto>,
    pub versions: Vec<VersionDto>,
    pub evidence: Vec<EvidenceDto>,
    pub disputes: Vec<DisputeDto>,
    /// The date until which the record may be corrected.
    pub closes_on: String,
}

pub(crate) async fn closes_on(state: &AppState, g: &GraduateView) -> Result<NaiveDate, AppError> {
    let default = NaiveDate::from_ymd_opt(g.graduate.cohort, 8, 31).unwrap_or(NaiveDate::MIN);
    Ok(match state.store.cohort_closing(g.graduate.org_id, g.graduate.cohort).await? {
        Some(s) => NaiveDate::parse_from_str(&s, "%Y-%m-%d").unwrap_or(default),
        None => default,
    })
}

pub(crate) async fn detail(state: &AppState, g: &GraduateView) -> Result<GraduateDetail, AppError> {
    let d = state.store.destination(g.graduate.id).await?;
    let versions = state.store.destination_versions(g.graduate.id).await?;
    let evidence = state.store.evidence_of(g.graduate.id).await?;
    let disputes = state.store.disputes_of(g.graduate.id).await?;
    Ok(GraduateDetail {
        id: g.graduate.id,
        student_no: g.graduate.student_no.clone(),
        name: g.graduate.name.clone(),
        university: g.university_name.clone(),
        college: g.college_name.clone(),
        programme: g.programme_name.clone(),
        cohort: g.graduate.cohort,
        education_level: g.graduate.education_level.zh().to_owned(),
        destination: d.map(|d| {
            let r = &d.registration;
            DestinationDto {
                status: d.status.id().into(),
                status_zh: d.status.zh().into(),
                code_name: state.refdata.entry(jiuye_domain::Catalogue::Destinations, &r.code).map(|e| e.name.clone()),
                component: component_of(&r.code).id().into(),
                code: r.code.clone(),
                employer_name: r.employer_name.clone(),
                credit_code: r.credit_code.clone(),
                employer_region: r.employer_region.clone(),
                employer_type: r.employer_type.clone(),
                employer_industry: r.employer_industry.clone(),
                monthly_pay: r.monthly_pay,
                proof_kind: r.proof_kind.clone(),
                statement_signed: r.statement_signed,
                note: r.note.clone(),
                return_reason: d.return_reason.clone(),
                source: d.source.clone(),
                version: d.version,
                updated_at: d.updated_at,
            }
        }),
        versions: versions
            .into_iter()
            .map(|v| VersionDto {
                version: v.version,
                action: v.action,
                status: v.status.id().into(),
                actor: v.actor_name,
                at: v.at,
                snapshot: v.snapshot,
            })
            .collect(),
        evidence: evidence
            .into_iter()
            .map(|e| EvidenceDto {
                id: e.id,
                kind: e.kind,
                original_name: e.original_name,
                content_type: e.content_type,
                size_bytes: e.size_bytes,
                uploaded_at: e.uploaded_at,
            })
            .collect(),
        disputes: disputes.iter().map(DisputeDto::from).collect(),
        closes_on: closes_on(state, g).await?.to_string(),
    })
}

/// One graduate with their destination record, history, evidence and disputes.
#[utoipa::path(get, path = "/api/v1/graduates/{id}", tag = "graduates", params(("id" = Uuid, Path)),
    responses((status = 200, body = GraduateDetail), (status = 404, description = "`graduate_not_found` (also outside the caller's scope)", body = ErrorBody)))]
pub async fn get_graduate(
    State(state): State<AppState>,
    Signed(caller): Signed,
    Path(id): Path<Uuid>,
) -> Result<Json<GraduateDetail>, AppError> {
    let g = visible_graduate(&state, &caller, id).await?;
    Ok(Json(detail(&state, &g).await?))
}

/// A graduate in a list.
#[derive(Debug, Serialize, ToSchema)]
pub struct GraduateItem {
    pub id: Uuid,
    pub student_no: String,
    pub name: String,
    pub college: String,
    pub programme: String,
    pub cohort: i32,
    pub dest_code: Option<String>,
    pub dest_status: String,
    /// Counselor follow-up: `not_contacted`, `contacted`, `needs_help`, `unreachable`.
    pub contact_state: String,
    pub contacted_at: Option<chrono::DateTime<Utc>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct GraduateList {
    pub total: i64,
    pub items: Vec<GraduateItem>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct GraduateListParams {
    /// Organisation code (default: everything the caller may see).
    pub org: Option<String>,
    pub cohort: Option<i32>,
    /// `none`, `draft`, `submitted`, `returned`, `college_approved`, `approved`, `confirmed`.
    pub status: Option<String>,
    /// Only graduates without a counted, placed destination.
    #[serde(default)]
    pub unplaced: bool,
    /// Name or 学号 contains.
    pub q: Option<String>,
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

pub(crate) async fn list(state: &AppState, caller: &Caller, p: GraduateListParams) -> Result<GraduateList, AppError> {
    let scope = access::scope_paths(&caller.actor, Action::ViewGraduate);
    if scope.is_empty() {
        return Err(forbidden());
    }
    let org_path = match p.org.as_deref().map(str::trim).filter(|o| !o.is_empty()) {
        Some(code) => {
            let code = parse_org_code(code)?;
            let org = state
                .store
                .org_by_code(&code)
                .await?
                .ok_or_else(|| AppError::not_found("org_not_found", format!("找不到代码为 {code} 的组织机构")))?;
            crate::auth::authorize(caller, Action::ViewGraduate, &Resource::at(&org.path))?;
            Some(org.path)
        }
        None => None,
    };
    let status = match p.status.as_deref().filter(|s| !s.is_empty()) {
        Some(s) => Some(
            DestStatus::from_id(s).ok_or_else(|| AppError::bad_request("invalid_query", format!("未知状态“{s}”")))?,
        ),
        None => None,
    };
    let limit = p.limit.unwrap_or(50);
    if !(1..=1000).contains(&limit) || p.offset.unwrap_or(0) < 0 {
        return Err(AppError::bad_request("invalid_query", "limit 应在 1 到 1000 之间，offset 不能为负数"));
    }
    let (items, total) = state
        .store
        .list_graduates(&GraduateQuery {
            scope_paths: scope,
            org_path,
            cohort: p.cohort,
            status,
            unplaced: p.unplaced,
            q: p.q,
            limit,
            offset: p.offset.unwrap_or(0),
        })
        .await?;
    Ok(GraduateList {
        total,
        items: items
            .into_iter()
            .map(|g| GraduateItem {
                id: g.id,
                student_no: g.student_no,
                name: g.name,
                college: g.college_name,
                programme: g.programme_name,
                cohort: g.cohort,
                dest_code: g.dest_code,
                dest_status: g.dest_status.id().into(),
                contact_state: g.contact_state,
                contacted_at: g.contacted_at,
            })
            .collect(),
    })
}

/// The Chinese name of a follow-up state.
pub fn contact_zh(state: &str) -> &'static str {
    match state {
        "contacted" => "已联系",
        "needs_help" => "需要帮扶",
        "unreachable" => "联系不上",
        _ => "未联系",
    }
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ContactUpdate {
    /// `not_contacted`, `contacted`, `needs_help` or `unreachable`.
    pub state: String,
}

pub(crate) async fn record_contact(
    state: &AppState,
    caller: &Caller,
    id: Uuid,
    contact: &str,
) -> Result<ScopedGrant, AppError> {
    let g = visible_graduate(state, caller, id).await?;
    let grant = access::can(&caller.actor, Action::RegisterDestination, &Resource::at(&g.programme_path))
        .ok_or_else(forbidden)?
        .clone();
    if !jiuye_store::destinations::CONTACT_STATES.contains(&contact) {
        return Err(AppError::bad_request(
            "invalid_state",
            "state 应为 not_contacted、contacted、needs_help 或 unreachable",
        ));
    }
    state.store.set_contact(id, contact, caller.user.id).await?;
    Ok(grant)
}

/// Records a counselor's follow-up with a graduate (staff only).
#[utoipa::path(post, path = "/api/v1/graduates/{id}/contact", tag = "graduates", params(("id" = Uuid, Path)), request_body = ContactUpdate,
    responses((status = 204), (status = 400, description = "`invalid_state`", body = ErrorBody), (status = 403, description = "`forbidden`", body = ErrorBody)))]
pub async fn post_contact(
    State(state): State<AppState>,
    Signed(caller): Signed,
    Path(id): Path<Uuid>,
    Json(c): Json<ContactUpdate>,
) -> Response {
    let event = AuditEvent::new("graduate_contact").target(format!("graduate:{id}"), None).detail(c.state.clone());
    match record_contact(&state, &caller, id, &c.state).await {
        Ok(grant) => event.by(&grant).attach(StatusCode::NO_CONTENT.into_response()),
        Err(e) => audited(event, Err(e)),
    }
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ClosingUpdate {
    /// YYYY-MM-DD: the last day destination records of the cohort may change.
    pub closes_on: String,
}

/// Sets when a university's cohort closes for corrections (default: 31 August of the cohort
/// year).
#[utoipa::path(put, path = "/api/v1/cohorts/{university}/{cohort}", tag = "graduates",
    params(("university" = String, Path), ("cohort" = i32, Path)), request_body = ClosingUpdate,
    responses((status = 204), (status = 400, description = "`invalid_date`", body = ErrorBody), (status = 403, description = "`forbidden`", body = ErrorBody)))]
pub async fn put_closing(
    State(state): State<AppState>,
    Signed(caller): Signed,
    Path((university, cohort)): Path<(String, i32)>,
    Json(u): Json<ClosingUpdate>,
) -> Response {
    let event = AuditEvent::new("cohort_closing_set")
        .target(format!("org:{university}"), None)
        .detail(format!("{cohort} 届截至 {}", u.closes_on));
    let result = async {
        let (org, grant) = crate::graduates_api::university_for_import(&state, &caller, &university).await?;
        let date = NaiveDate::parse_from_str(u.closes_on.trim(), "%Y-%m-%d")
            .map_err(|_| AppError::bad_request("invalid_date", "日期应形如 2024-08-31"))?;
        if !(2000..=2100).contains(&cohort) {
            return Err(AppError::bad_request("invalid_cohort", "届别应为四位年份"));
        }
        state.store.set_cohort_closing(org.id, cohort, &date.to_string()).await?;
        Ok(grant)
    }
    .await;
    match result {
        Ok(grant) => event.by(&grant).attach(StatusCode::NO_CONTENT.into_response()),
        Err(e) => audited(event, Err(e)),
    }
}

/// Graduates in the caller's scope: review queues (`status=submitted`), and those still
/// without a destination (`unplaced=true`).
#[utoipa::path(get, path = "/api/v1/graduates", tag = "graduates", params(GraduateListParams),
    responses((status = 200, body = GraduateList), (status = 403, description = "`forbidden`", body = ErrorBody)))]
pub async fn list_graduates(
    State(state): State<AppState>,
    Signed(caller): Signed,
    ApiQuery(p): ApiQuery<GraduateListParams>,
) -> Result<Json<GraduateList>, AppError> {
    Ok(Json(list(&state, &caller, p).await?))
}

/// Registers or corrects a destination. Returns 422 `registration_rules` with every broken rule.
pub(crate) async fn register(
    state: &AppState,
    caller: &Caller,
    id: Uuid,
    reg: Registration,
) -> Result<Result<GraduateDetail, Vec<Violation>>, AppError> {
    let g = visible_graduate(state, caller, id).await?;
    let grant = allowed(caller, Action::RegisterDestination, &g)?;
    if Utc::now().date_naive() > closes_on(state, &g).await? {
        return Err(AppError::new(StatusCode::CONFLICT, "cohort_closed", "本届毕业去向登记已截止，不能再修改"));
    }
    let mut reg = reg;
    reg.code = reg.code.trim().to_owned();
    let region = reg.employer_region.clone().unwrap_or_default();
    let province = jiuye_domain::destination::province_of(&region).unwrap_or_default();
    let wage = if province.is_empty() { None } else { state.store.min_wage(&province).await? };
    let violations = check_registration(&reg, &state.refdata, |p| if p == province { wage } else { None });
    if !violations.is_empty() {
        return Ok(Err(violations));
    }
    let current = state.store.destination(id).await?;
    let status = next_status(current.as_ref().map(|d| d.status).unwrap_or(DestStatus::None), Step::Register, &reg.code)
        .map_err(|m| AppError::new(StatusCode::CONFLICT, "invalid_step", m))?;
    let by_graduate = jiuye_domain::access::acts_on_own_record(grant, Action::RegisterDestination);
    let record = DestinationRecord {
        graduate_id: id,
        org_id: g.graduate.org_id,
        status,
        registration: reg,
        return_reason: None,
        college_reviewer: None,
        university_reviewer: None,
        registered_by: Some(caller.user.id),
        source: if by_graduate { "graduate".into() } else { "staff".into() },
        version: 0,
        created_at: Utc::now(),
        updated_at: Utc::now(),
        confirmed_at: None,
    };
    let saved = state
        .store
        .save_destination(
            &record,
            current.as_ref().map(|d| d.version),
            "register",
            Some((caller.user.id, caller.user.username.clone())),
        )
        .await?;
    if !saved {
        return Err(AppError::new(StatusCode::CONFLICT, "edit_conflict", "记录刚被他人修改，请刷新后重试"));
    }
    Ok(Ok(detail(state, &g).await?))
}

/// Registers (or corrects) the graduate's destination by official code; it then waits for
/// review. Refused with every broken rule explained (minimum wage for 12/27/76, the signed
/// statement for 76, no internship proof as employment, …).
#[utoipa::path(put, path = "/api/v1/graduates/{id}/destination", tag = "graduates", params(("id" = Uuid, Path)), request_body = RegistrationDto,
    responses((status = 200, body = GraduateDetail), (status = 409, description = "`cohort_closed`, `edit_conflict`", body = ErrorBody),
        (status = 422, description = "`registration_rules`", body = RuleRejection), (status = 403, description = "`forbidden`", body = ErrorBody),
        (status = 404, description = "`graduate_not_found`", body = ErrorBody)))]
pub async fn put_destination(
    State(state): State<AppState>,
    Signed(caller): Signed,
    Path(id): Path<Uuid>,
    Json(reg): Json<RegistrationDto>,
) -> Response {
    let reg = Registration::from(reg);
    let event = AuditEvent::new("destination_register")
        .target(format!("graduate:{id}"), None)
        .detail(format!("代码 {}", reg.code));
    match register(&state, &caller, id, reg).await {
        Ok(Ok(d)) => event.attach(Json(d).into_response()),
        Ok(Err(v)) => event.attach(rejection(v)),
        Err(e) => audited(event, Err(e)),
    }
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct Review {
    /// `approve` or `return`.
    pub decision: String,
    /// `college` (院系) or `university` (学校).
    pub level: String,
    /// Required when returning.
    pub reason: Option<String>,
}

pub(crate) async fn review(
    state: &AppState,
    caller: &Caller,
    id: Uuid,
    r: &Review,
) -> Result<(GraduateDetail, ScopedGrant), AppError> {
    let g = visible_graduate(state, caller, id).await?;
    let (action, step_approve) = match r.level.as_str() {
        "college" => (Action::ReviewCollege, Step::CollegeApprove),
        "university" => (Action::ReviewUniversity, Step::UniversityApprove),
        _ => return Err(AppError::bad_request("invalid_level", "level 应为 college 或 university")),
    };
    let grant = allowed(caller, action, &g)?.clone();
    let mut d = state
        .store
        .destination(id)
        .await?
        .ok_or_else(|| AppError::new(StatusCode::CONFLICT, "invalid_step", "该毕业生还没有登记毕业去向"))?;
    let expected = d.version;
    let step = match r.decision.as_str() {
        "approve" => step_approve,
        "return" => Step::Return,
        _ => return Err(AppError::bad_request("invalid_decision", "decision 应为 approve 或 return")),
    };
    if let Some(why) =
        jiuye_domain::destination::review_conflict(caller.user.id, d.registered_by, d.college_reviewer, step)
    {
        return Err(AppError::new(StatusCode::FORBIDDEN, "separation_of_duties", why));
    }
    if step == Step::Return {
        let reason = r
            .reason
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .ok_or_else(|| AppError::bad_request("reason_required", "退回时必须说明原因"))?;
        d.return_reason = Some(reason.chars().take(500).collect());
    }
    d.status = next_status(d.status, step, &d.registration.code)
        .map_err(|m| AppError::new(StatusCode::CONFLICT, "invalid_step", m))?;
    match step {
        Step::CollegeApprove => d.college_reviewer = Some(caller.user.id),
        Step::UniversityApprove => d.university_reviewer = Some(caller.user.id),
        _ => {}
    }
    if !state
        .store
        .save_destination(
            &d,
            Some(expected),
            if step == Step::Return { "return" } else { "approve" },
            Some((caller.user.id, caller.user.username.clone())),
        )
        .await?
    {
        return Err(AppError::new(StatusCode::CONFLICT, "edit_conflict", "记录刚被他人修改，请刷新后重试"));
    }
    Ok((detail(state, &g).await?, grant))
}

/// College or university review: approve, or return with a reason. 自由职业 (76) needs the college
/// and then the university.
#[utoipa::path(post, path = "/api/v1/graduates/{id}/destination/review", tag = "graduates", params(("id" = Uuid, Path)), request_body = Review,
    responses((status = 200, body = GraduateDetail), (status = 409, description = "`invalid_step`", body = ErrorBody), (status = 403, description = "`forbidden`", body = ErrorBody)))]
pub async fn post_review(
    State(state): State<AppState>,
    Signed(caller): Signed,
    Path(id): Path<Uuid>,
    Json(r): Json<Review>,
) -> Response {
    let event = AuditEvent::new("destination_review")
        .target(format!("graduate:{id}"), None)
        .detail(format!("{} {}", r.level, r.decision));
    match review(&state, &caller, id, &r).await {
        Ok((d, grant)) => event.by(&grant).attach(Json(d).into_response()),
        Err(e) => audited(event, Err(e)),
    }
}

pub(crate) async fn confirm(state: &AppState, caller: &Caller, id: Uuid) -> Result<GraduateDetail, AppError> {
    let g = visible_graduate(state, caller, id).await?;
    allowed(caller, Action::ConfirmOwnRecord, &g)?;
    let mut d = state
        .store
        .destination(id)
        .await?
        .ok_or_else(|| AppError::new(StatusCode::CONFLICT, "invalid_step", "还没有可确认的登记"))?;
    let expected = d.version;
    d.status = next_status(d.status, Step::Confirm, &d.registration.code)
        .map_err(|m| AppError::new(StatusCode::CONFLICT, "invalid_step", m))?;
    d.confirmed_at = Some(Utc::now());
    if !state
        .store
        .save_destination(&d, Some(expected), "confirm", Some((caller.user.id, caller.user.username.clone())))
        .await?
    {
        return Err(AppError::new(StatusCode::CONFLICT, "edit_conflict", "记录刚被修改，请刷新后重试"));
    }
    detail(state, &g).await
}

/// The graduate confirms the approved record (only the graduate can).
#[utoipa::path(post, path = "/api/v1/graduates/{id}/destination/confirm", tag = "graduates", params(("id" = Uuid, Path)),
    responses((status = 200, body = GraduateDetail), (status = 409, description = "`invalid_step`", body = ErrorBody), (status = 403, description = "`forbidden`", body = ErrorBody)))]
pub async fn post_confirm(State(state): State<AppState>, Signed(caller): Signed, Path(id): Path<Uuid>) -> Response {
    let event = AuditEvent::new("destination_confirm").target(format!("graduate:{id}"), None);
    audited(event, confirm(&state, &caller, id).await.map(|d| Json(d).into_response()))
}

/// What a file's first bytes say it is (PDF, PNG or JPEG), whatever its name claims.
pub fn sniff(bytes: &[u8]) -> Option<(&'static str, &'static str)> {
    if bytes.starts_with(b"%PDF-") {
        Some(("application/pdf", "pdf"))
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some(("image/png", "png"))
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(("image/jpeg", "jpg"))
    } else {
        None
    }
}

pub(crate) async fn store_evidence(
    state: &AppState,
    caller: &Caller,
    id: Uuid,
    kind: &str,
    file_name: &str,
    bytes: &[u8],
) -> Result<EvidenceDto, AppError> {
    let g = visible_graduate(state, caller, id).await?;
    allowed(caller, Action::RegisterDestination, &g)?;
    if bytes.is_empty() {
        return Err(AppError::bad_request("invalid_file", "文件为空"));
    }
    if bytes.len() > MAX_EVIDENCE_BYTES {
        return Err(AppError::new(StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large", "证明材料不能超过 5 MB"));
    }
    let (content_type, _) = sniff(bytes)
        .ok_or_else(|| AppError::bad_request("invalid_file", "只接受 PDF、JPG 或 PNG 文件（按文件内容判断）"))?;
    let kind = ProofKind::from_id(kind)
        .ok_or_else(|| AppError::bad_request("invalid_kind", format!("证明材料类型“{kind}”无效")))?;
    let stored = format!("{}.bin", Uuid::new_v4().simple());
    let dir = &state.settings.evidence_dir;
    std::fs::create_dir_all(dir).map_err(|e| {
        tracing::error!(error = %e, "cannot create evidence directory");
        AppError::new(StatusCode::SERVICE_UNAVAILABLE, "storage_unavailable", "文件暂时无法保存")
    })?;
    let path = dir.join(&stored);
    tokio::fs::write(&path, bytes).await.map_err(|e| {
        tracing::error!(error = %e, "cannot write evidence");
        AppError::new(StatusCode::SERVICE_UNAVAILABLE, "storage_unavailable", "文件暂时无法保存")
    })?;
    let original: String = file_name.chars().filter(|c| !c.is_control() && *c != '/' && *c != '\\').take(120).collect();
    let record = EvidenceRecord {
        id: Uuid::now_v7(),
        graduate_id: id,
        org_id: g.graduate.org_id,
        kind: kind.id().into(),
        stored_name: stored,
        original_name: if original.is_empty() { "证明材料".into() } else { original },
        content_type: content_type.into(),
        size_bytes: bytes.len() as i64,
        sha256: jiuye_security::sha256_hex(bytes),
        uploaded_by: Some(caller.user.id),
        uploaded_at: Utc::now(),
    };
    if let Err(e) = state.store.add_evidence(&record).await {
        let _ = tokio::fs::remove_file(&path).await;
        return Err(e.into());
    }
    Ok(EvidenceDto {
        id: record.id,
        kind: record.kind,
        original_name: record.original_name,
        content_type: record.content_type,
        size_bytes: record.size_bytes,
        uploaded_at: record.uploaded_at,
    })
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EvidenceParams {
    /// The proof kind (e.g. `contract`, `offer`, `pay_records`, `statement`, `admission`).
    pub kind: String,
    pub filename: Option<String>,
}

/// Uploads an evidence file (PDF, JPG or PNG, at most 5 MB; the type is read from the content).
/// Files are stored outside the web root under random names.
#[utoipa::path(post, path = "/api/v1/graduates/{id}/evidence", tag = "graduates", params(("id" = Uuid, Path), EvidenceParams),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 201, body = EvidenceDto), (status = 400, description = "`invalid_file`, `invalid_kind`", body = ErrorBody),
        (status = 413, description = "`payload_too_large`", body = ErrorBody), (status = 403, description = "`forbidden`", body = ErrorBody)))]
pub async fn post_evidence(
    State(state): State<AppState>,
    Signed(caller): Signed,
    Path(id): Path<Uuid>,
    ApiQuery(p): ApiQuery<EvidenceParams>,
    body: Bytes,
) -> Response {
    let event = AuditEvent::new("evidence_upload").target(format!("graduate:{id}"), None).detail(p.kind.clone());
    let name = p.filename.unwrap_or_default();
    audited(
        event,
        store_evidence(&state, &caller, id, &p.kind, &name, &body)
            .await
            .map(|e| (StatusCode::CREATED, Json(e)).into_response()),
    )
}

/// Downloads an evidence file (for the graduate and the staff who review them). Each read is
/// audited.
#[utoipa::path(get, path = "/api/v1/evidence/{id}", tag = "graduates", params(("id" = Uuid, Path)),
    responses((status = 200, description = "The file"), (status = 404, description = "`evidence_not_found`", body = ErrorBody)))]
pub async fn get_evidence(
    State(state): State<AppState>,
    Signed(caller): Signed,
    Path(id): Path<Uuid>,
) -> Result<Response, AppError> {
    let missing = || AppError::not_found("evidence_not_found", "找不到该证明材料");
    let e = state.store.evidence(id).await?.ok_or_else(missing)?;
    visible_graduate(&state, &caller, e.graduate_id).await.map_err(|_| missing())?;
    let bytes = tokio::fs::read(state.settings.evidence_dir.join(&e.stored_name)).await.map_err(|_| missing())?;
    let mut res = (StatusCode::OK, [(header::CONTENT_TYPE, e.content_type.clone())], bytes).into_response();
    if let Ok(v) = header::HeaderValue::from_str(&format!(
        "attachment; filename=\"evidence\"; filename*=UTF-8''{}",
        crate::pages::encode_component(&e.original_name)
    )) {
        res.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(AuditEvent::new("evidence_read").target(format!("graduate:{}", e.graduate_id), None).attach(res))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct DisputeRequest {
    pub text: String,
}

pub(crate) async fn raise_dispute(
    state: &AppState,
    caller: &Caller,
    id: Uuid,
    text: &str,
) -> Result<DisputeDto, AppError> {
    let g = visible_graduate(state, caller, id).await?;
    allowed(caller, Action::ConfirmOwnRecord, &g)?;
    let text = text.trim();
    if text.is_empty() || text.chars().count() > 1000 {
        return Err(AppError::bad_request("invalid_text", "请写明异议内容（不超过 1000 字）"));
    }
    let d = DisputeRecord {
        id: Uuid::now_v7(),
        graduate_id: id,
        org_id: g.graduate.org_id,
        text: text.to_owned(),
        status: "open".into(),
        answer: None,
        answered_by: None,
        created_at: Utc::now(),
        answered_at: None,
    };
    state.store.add_dispute(&d).await?;
    Ok(DisputeDto::from(&d))
}

/// The graduate disputes their record (always possible; staff must answer).
#[utoipa::path(post, path = "/api/v1/graduates/{id}/disputes", tag = "graduates", params(("id" = Uuid, Path)), request_body = DisputeRequest,
    responses((status = 201, body = DisputeDto), (status = 403, description = "`forbidden`: only the graduate", body = ErrorBody)))]
pub async fn post_dispute(
    State(state): State<AppState>,
    Signed(caller): Signed,
    Path(id): Path<Uuid>,
    Json(r): Json<DisputeRequest>,
) -> Response {
    let event = AuditEvent::new("dispute_raise").target(format!("graduate:{id}"), None);
    audited(
        event,
        raise_dispute(&state, &caller, id, &r.text).await.map(|d| (StatusCode::CREATED, Json(d)).into_response()),
    )
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct DisputeAnswer {
    pub answer: String,
}

pub(crate) async fn answer(state: &AppState, caller: &Caller, id: Uuid, text: &str) -> Result<ScopedGrant, AppError> {
    let missing = || AppError::not_found("dispute_not_found", "找不到该异议");
    let d = state.store.dispute(id).await?.ok_or_else(missing)?;
    let g = state.store.graduate_view(d.graduate_id).await?.ok_or_else(missing)?;
    let grant = access::can(&caller.actor, Action::AnswerDispute, &Resource::at(&g.programme_path))
        .ok_or_else(missing)?
        .clone();
    let text = text.trim();
    if text.is_empty() || text.chars().count() > 1000 {
        return Err(AppError::bad_request("invalid_text", "请写明答复内容（不超过 1000 字）"));
    }
    if !state.store.answer_dispute(id, text, caller.user.id).await? {
        return Err(AppError::new(StatusCode::CONFLICT, "already_answered", "该异议已答复"));
    }
    Ok(grant)
}

/// Staff answer a dispute.
#[utoipa::path(post, path = "/api/v1/disputes/{id}/answer", tag = "graduates", params(("id" = Uuid, Path)), request_body = DisputeAnswer,
    responses((status = 204), (status = 404, description = "`dispute_not_found`", body = ErrorBody), (status = 409, description = "`already_answered`", body = ErrorBody)))]
pub async fn post_answer(
    State(state): State<AppState>,
    Signed(caller): Signed,
    Path(id): Path<Uuid>,
    Json(r): Json<DisputeAnswer>,
) -> Response {
    let event = AuditEvent::new("dispute_answer").target(format!("dispute:{id}"), None);
    match answer(&state, &caller, id, &r.answer).await {
        Ok(grant) => event.by(&grant).attach(StatusCode::NO_CONTENT.into_response()),
        Err(e) => audited(event, Err(e)),
    }
}

/// An open dispute with its graduate.
#[derive(Debug, Serialize, ToSchema)]
pub struct OpenDispute {
    pub dispute: DisputeDto,
    pub graduate_id: Uuid,
    pub student_no: String,
    pub name: String,
    pub college: String,
}

/// Open disputes in the caller's scope, oldest first.
#[utoipa::path(get, path = "/api/v1/disputes", tag = "graduates",
    responses((status = 200, body = Vec<OpenDispute>), (status = 403, description = "`forbidden`", body = ErrorBody)))]
pub async fn list_disputes(
    State(state): State<AppState>,
    Signed(caller): Signed,
) -> Result<Json<Vec<OpenDispute>>, AppError> {
    let scope = access::scope_paths(&caller.actor, Action::AnswerDispute);
    if scope.is_empty() {
        return Err(forbidden());
    }
    let rows = state.store.open_disputes(&scope).await?;
    Ok(Json(
        rows.into_iter()
            .map(|(d, g)| OpenDispute {
                dispute: DisputeDto::from(&d),
                graduate_id: g.id,
                student_no: g.student_no,
                name: g.name,
                college: g.college_name,
            })
            .collect(),
    ))
}

/// One suspicious pattern with the records behind it.
#[derive(Debug, Serialize, ToSchema)]
pub struct Finding {
    /// `bulk_same_employer_same_day`, `no_evidence`, `changed_after_confirmation`, `invalid_credit_code`.
    pub kind: String,
    pub reason: String,
    pub graduates: Vec<String>,
}

pub(crate) async fn findings(
    state: &AppState,
    caller: &Caller,
    org: &str,
    cohort: i32,
) -> Result<Vec<Finding>, AppError> {
    let code = parse_org_code(org)?;
    let o = state
        .store
        .org_by_code(&code)
        .await?
        .ok_or_else(|| AppError::not_found("org_not_found", format!("找不到代码为 {code} 的组织机构")))?;
    crate::auth::authorize(caller, Action::ViewIntegrity, &Resource::at(&o.path))?;
    let rows = state.store.integrity_rows(&o.path, cohort).await?;
    let facts: Vec<RecordFacts> = rows
        .iter()
        .map(|r| RecordFacts {
            student_no: &r.student_no,
            name: &r.name,
            code: &r.code,
            status: r.status,
            employer_name: r.employer_name.as_deref(),
            credit_code: r.credit_code.as_deref(),
            source: &r.source,
            registered_by_name: r.registered_by_name.as_deref(),
            created_on: r.created_at.date_naive(),
            evidence_count: r.evidence_count,
            changes_after_confirmation: r.changes_after_confirmation,
        })
        .collect();
    Ok(jiuye_domain::integrity::findings(&facts)
        .into_iter()
        .map(|f| Finding { kind: f.kind.to_owned(), reason: f.reason, graduates: f.graduates })
        .collect())
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct IntegrityParams {
    pub org: String,
    pub cohort: i32,
}

/// Suspicious patterns in a scope, with reasons: bulk registrations to one employer on one day
/// by one staff account, records without evidence, records changed after the graduate
/// confirmed, employers whose credit code fails its check.
#[utoipa::path(get, path = "/api/v1/integrity", tag = "graduates", params(IntegrityParams),
    responses((status = 200, body = Vec<Finding>), (status = 403, description = "`forbidden`", body = ErrorBody)))]
pub async fn get_integrity(
    State(state): State<AppState>,
    Signed(caller): Signed,
    ApiQuery(p): ApiQuery<IntegrityParams>,
) -> Result<Json<Vec<Finding>>, AppError> {
    Ok(Json(findings(&state, &caller, &p.org, p.cohort).await?))
}

/// A province's minimum wage.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct MinWage {
    pub province_code: String,
    pub monthly_yuan: i64,
    pub effective: String,
    pub source: String,
}

/// The minimum-wage table the pay rules use.
#[utoipa::path(get, path = "/api/v1/min-wages", tag = "graduates", responses((status = 200, body = Vec<MinWage>)))]
pub async fn list_min_wages(
    State(state): State<AppState>,
    Signed(_caller): Signed,
) -> Result<Json<Vec<MinWage>>, AppError> {
    Ok(Json(
        state
            .store
            .min_wages()
            .await?
            .into_iter()
            .map(|(p, y, e, s)| MinWage { province_code: p, monthly_yuan: y, effective: e, source: s })
            .collect(),
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct MinWageUpdate {
    pub monthly_yuan: i64,
    /// YYYY-MM-DD.
    pub effective: String,
}

/// Sets a province's minimum wage (province administrators for their province, the ministry
/// for any).
#[utoipa::path(put, path = "/api/v1/min-wages/{province}", tag = "graduates", params(("province" = String, Path)), request_body = MinWageUpdate,
    responses((status = 204), (status = 400, description = "`invalid_min_wage`", body = ErrorBody), (status = 403, description = "`forbidden`", body = ErrorBody)))]
pub async fn put_min_wage(
    State(state): State<AppState>,
    Signed(caller): Signed,
    Path(province): Path<String>,
    Json(u): Json<MinWageUpdate>,
) -> Response {
    let event = AuditEvent::new("min_wage_set")
        .target(format!("province:{province}"), None)
        .detail(format!("{} 元", u.monthly_yuan));
    let result = set_min_wage(&state, &caller, &province, u.monthly_yuan, &u.effective).await;
    match result {
        Ok(grant) => event.by(&grant).attach(StatusCode::NO_CONTENT.into_response()),
        Err(e) => audited(event, Err(e)),
    }
}

pub(crate) async fn set_min_wage(
    state: &AppState,
    caller: &Caller,
    province: &str,
    yuan: i64,
    effective: &str,
) -> Result<ScopedGrant, AppError> {
    let code = parse_org_code(province)?;
    let org = state
        .store
        .org_by_code(&code)
        .await?
        .filter(|o| o.kind == jiuye_domain::OrgKind::Province)
        .ok_or_else(|| AppError::not_found("org_not_found", "找不到该省份"))?;
    let grant = crate::auth::authorize(caller, Action::EditMinWage, &Resource::at(&org.path))?.clone();
    if !(500..=20_000).contains(&yuan) || NaiveDate::parse_from_str(effective.trim(), "%Y-%m-%d").is_err() {
        return Err(AppError::bad_request(
            "invalid_min_wage",
            "月最低工资应在 500–20000 元之间，生效日期形如 2024-01-01",
        ));
    }
    state
        .store
        .set_min_wage(code.as_str(), yuan, effective.trim(), &format!("edited by {}", caller.user.username))
        .await?;
    Ok(grant)
}

pub fn router() -> OpenApiRouter<AppState> {
    let uploads = OpenApiRouter::new()
        .routes(routes!(post_evidence))
        .layer(axum::extract::DefaultBodyLimit::max(MAX_EVIDENCE_BYTES + 64 * 1024));
    OpenApiRouter::new()
        .merge(uploads)
        .routes(routes!(list_graduates))
        .routes(routes!(get_graduate))
        .routes(routes!(put_destination))
        .routes(routes!(post_review))
        .routes(routes!(post_confirm))
        .routes(routes!(get_evidence))
        .routes(routes!(post_dispute))
        .routes(routes!(post_answer))
        .routes(routes!(list_disputes))
        .routes(routes!(get_integrity))
        .routes(routes!(post_contact))
        .routes(routes!(put_closing))
        .routes(routes!(list_min_wages))
        .routes(routes!(put_min_wage))
}
