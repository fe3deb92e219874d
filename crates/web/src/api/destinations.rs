//! Destination registration over JSON: the graduate registers (or staff on their behalf), the
//! college and university review, the graduate confirms; evidence files, every version, disputes
//! and the integrity checks. Every step asks the permission module and leaves an audit entry.

pub mod evidence;
pub mod graduate_list;
pub mod integrity;

use crate::api::destinations::evidence::__path_get_evidence;
use crate::api::destinations::evidence::__path_list_disputes;
use crate::api::destinations::evidence::__path_post_answer;
use crate::api::destinations::evidence::__path_post_dispute;
use crate::api::destinations::evidence::__path_post_evidence;
use crate::api::destinations::evidence::get_evidence;
use crate::api::destinations::evidence::list_disputes;
use crate::api::destinations::evidence::post_answer;
use crate::api::destinations::evidence::post_dispute;
use crate::api::destinations::evidence::post_evidence;
use crate::api::destinations::graduate_list::__path_list_graduates;
use crate::api::destinations::graduate_list::__path_post_contact;
use crate::api::destinations::graduate_list::__path_put_closing;
use crate::api::destinations::graduate_list::list_graduates;
use crate::api::destinations::graduate_list::post_contact;
use crate::api::destinations::graduate_list::put_closing;
use crate::api::destinations::integrity::__path_get_integrity;
use crate::api::destinations::integrity::__path_list_min_wages;
use crate::api::destinations::integrity::__path_put_min_wage;
use crate::api::destinations::integrity::get_integrity;
use crate::api::destinations::integrity::list_min_wages;
use crate::api::destinations::integrity::put_min_wage;
use crate::error::ErrorCode;
use axum::Json;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{NaiveDate, Utc};
use jiuye_domain::access::{Action, ScopedGrant};
use jiuye_domain::destination::{
    DestStatus, Registration, Step, Violation, check_registration, component_of, next_status,
};

use jiuye_store::destinations::{DestinationRecord, GraduateView};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::AppState;
use crate::api::destinations::evidence::{DisputeDto, EvidenceDto};

use crate::auth::{AuditEvent, Caller, Signed, audited};
use crate::error::{AppError, ErrorBody};

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
    res.extensions_mut().insert(crate::error::ErrorInfo {
        code: ErrorCode::RegistrationRules,
        message: "登记不符合毕业去向规则".into(),
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
    let set = state.store.cohort_closing(g.graduate.org_id, g.graduate.cohort).await?;
    Ok(jiuye_domain::destination::closes_on(g.graduate.cohort, set.as_deref()))
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
    let g = jiuye_app::destinations::visible_graduate(state.store.as_ref(), &caller.actor, id).await?;
    Ok(Json(detail(&state, &g).await?))
}

/// Registers or corrects a destination. Returns 422 `registration_rules` with every broken rule.
pub(crate) async fn register(
    state: &AppState,
    caller: &Caller,
    id: Uuid,
    reg: Registration,
) -> Result<Result<GraduateDetail, Vec<Violation>>, AppError> {
    let g = jiuye_app::destinations::visible_graduate(state.store.as_ref(), &caller.actor, id).await?;
    let grant = jiuye_app::destinations::allowed(&caller.actor, Action::RegisterDestination, &g)?;
    if !jiuye_domain::destination::open_for_changes(closes_on(state, &g).await?, Utc::now().date_naive()) {
        return Err(AppError::new(StatusCode::CONFLICT, ErrorCode::CohortClosed, "本届毕业去向登记已截止，不能再修改"));
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
        .map_err(|m| AppError::new(StatusCode::CONFLICT, ErrorCode::InvalidStep, m))?;
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
        return Err(AppError::new(StatusCode::CONFLICT, ErrorCode::EditConflict, "记录刚被他人修改，请刷新后重试"));
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
    let g = jiuye_app::destinations::visible_graduate(state.store.as_ref(), &caller.actor, id).await?;
    let (action, step_approve) = match r.level.as_str() {
        "college" => (Action::ReviewCollege, Step::CollegeApprove),
        "university" => (Action::ReviewUniversity, Step::UniversityApprove),
        _ => return Err(AppError::bad_request(ErrorCode::InvalidLevel, "level 应为 college 或 university")),
    };
    let grant = jiuye_app::destinations::allowed(&caller.actor, action, &g)?.clone();
    let mut d = state
        .store
        .destination(id)
        .await?
        .ok_or_else(|| AppError::new(StatusCode::CONFLICT, ErrorCode::InvalidStep, "该毕业生还没有登记毕业去向"))?;
    let expected = d.version;
    let step = match r.decision.as_str() {
        "approve" => step_approve,
        "return" => Step::Return,
        _ => return Err(AppError::bad_request(ErrorCode::InvalidDecision, "decision 应为 approve 或 return")),
    };
    if let Some(why) =
        jiuye_domain::destination::review_conflict(caller.user.id, d.registered_by, d.college_reviewer, step)
    {
        return Err(AppError::new(StatusCode::FORBIDDEN, ErrorCode::SeparationOfDuties, why));
    }
    if step == Step::Return {
        let reason = r
            .reason
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .ok_or_else(|| AppError::bad_request(ErrorCode::ReasonRequired, "退回时必须说明原因"))?;
        d.return_reason = Some(reason.chars().take(500).collect());
    }
    d.status = next_status(d.status, step, &d.registration.code)
        .map_err(|m| AppError::new(StatusCode::CONFLICT, ErrorCode::InvalidStep, m))?;
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
        return Err(AppError::new(StatusCode::CONFLICT, ErrorCode::EditConflict, "记录刚被他人修改，请刷新后重试"));
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
    let g = jiuye_app::destinations::visible_graduate(state.store.as_ref(), &caller.actor, id).await?;
    jiuye_app::destinations::allowed(&caller.actor, Action::ConfirmOwnRecord, &g)?;
    let mut d = state
        .store
        .destination(id)
        .await?
        .ok_or_else(|| AppError::new(StatusCode::CONFLICT, ErrorCode::InvalidStep, "还没有可确认的登记"))?;
    let expected = d.version;
    d.status = next_status(d.status, Step::Confirm, &d.registration.code)
        .map_err(|m| AppError::new(StatusCode::CONFLICT, ErrorCode::InvalidStep, m))?;
    d.confirmed_at = Some(Utc::now());
    if !state
        .store
        .save_destination(&d, Some(expected), "confirm", Some((caller.user.id, caller.user.username.clone())))
        .await?
    {
        return Err(AppError::new(StatusCode::CONFLICT, ErrorCode::EditConflict, "记录刚被修改，请刷新后重试"));
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

pub fn router() -> OpenApiRouter<AppState> {
    let uploads = OpenApiRouter::new()
        .routes(routes!(post_evidence))
        .layer(axum::extract::DefaultBodyLimit::max(jiuye_app::files::MAX_FILE_BYTES + 64 * 1024));
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
