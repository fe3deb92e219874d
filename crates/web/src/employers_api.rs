//! The shared employer directory over JSON: staff add employers (duplicates merge by credit
//! code), employers register themselves and wait for verification, administrators verify or
//! blacklist them with a reason.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use jiuye_domain::access::{self, Action, Resource, Role};
use jiuye_domain::employer::{Thresholds, Verification, category_of, size_class, thresholds};
use jiuye_domain::{Catalogue, CreditCode, OrgCode};
use jiuye_store::employers::EmployerRecord;
use jiuye_store::identity::{NewGrant, NewUser};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::AppState;
use crate::api::ApiQuery;
use crate::auth::{AuditEvent, Caller, MaybeCaller, Signed, audited, check_password_rules, forbidden};
use crate::error::{AppError, ErrorBody};

/// An employer as submitted.
#[derive(Debug, Deserialize, ToSchema)]
pub struct EmployerInput {
    /// 统一社会信用代码 (18 characters; lower case is accepted).
    #[schema(example = "91350100M000100Y43")]
    pub credit_code: String,
    pub name: String,
    /// 单位性质代码 (default 39 其他企业).
    pub employer_type: Option<String>,
    /// GB/T 4754-2017 industry code (class, group, division or section).
    pub industry_code: String,
    /// GB/T 2260 region code.
    pub region_code: String,
    /// 从业人员 (persons).
    pub employees: Option<i64>,
    /// 营业收入, 万元.
    pub revenue_wan: Option<i64>,
    pub contact_name: Option<String>,
    pub contact_phone: Option<String>,
    pub contact_email: Option<String>,
}

/// An employer of the directory.
#[derive(Debug, Serialize, ToSchema)]
pub struct EmployerDto {
    pub id: Uuid,
    pub credit_code: String,
    pub name: String,
    pub employer_type: String,
    pub industry_code: String,
    pub region_code: String,
    pub employees: Option<i64>,
    pub revenue_wan: Option<i64>,
    /// `large`, `medium`, `small` or `micro` (by the SME classification standard).
    pub size_class: Option<String>,
    pub contact_name: Option<String>,
    pub contact_phone: Option<String>,
    pub contact_email: Option<String>,
    /// `unverified`, `verified` or `blacklisted`.
    pub verification: String,
    pub blacklist_reason: Option<String>,
    pub version: i64,
}

impl From<EmployerRecord> for EmployerDto {
    fn from(e: EmployerRecord) -> Self {
        EmployerDto {
            id: e.id,
            credit_code: e.credit_code,
            name: e.name,
            employer_type: e.employer_type,
            industry_code: e.industry_code,
            region_code: e.region_code,
            employees: e.employees,
            revenue_wan: e.revenue_wan,
            size_class: e.size_class,
            contact_name: e.contact_name,
            contact_phone: e.contact_phone,
            contact_email: e.contact_email,
            verification: e.verification,
            blacklist_reason: e.blacklist_reason,
            version: e.version,
        }
    }
}

pub(crate) fn unprocessable(code: &'static str, message: impl Into<String>) -> AppError {
    AppError::new(StatusCode::UNPROCESSABLE_ENTITY, code, message)
}

/// The section letter of an industry code, walking up the shipped catalogue.
fn section_of(state: &AppState, code: &str) -> Option<String> {
    let mut cur = state.refdata.entry(Catalogue::Industries, code)?;
    while let Some(p) = cur.parent_code.as_deref() {
        cur = state.refdata.entry(Catalogue::Industries, p)?;
    }
    Some(cur.code.clone())
}

/// Checks an employer and computes its size class. 422 with a stable code for each problem.
fn validate(state: &AppState, input: &EmployerInput, org_id: Uuid, node: Uuid) -> Result<EmployerRecord, AppError> {
    let code = CreditCode::parse(&input.credit_code).map_err(|e| {
        unprocessable(
            "invalid_credit_code",
            format!("统一社会信用代码“{}”无效：{}", input.credit_code.trim(), e.reason),
        )
    })?;
    let name = input.name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(unprocessable("invalid_name", "单位名称不能为空，且不超过 100 个字符"));
    }
    let employer_type = input.employer_type.clone().unwrap_or_else(|| "39".into());
    if state.refdata.entry(Catalogue::EmployerTypes, &employer_type).is_none() {
        return Err(unprocessable("invalid_employer_type", format!("单位性质代码 {employer_type} 无效")));
    }
    let industry = input.industry_code.trim().to_ascii_uppercase();
    let section = section_of(state, &industry)
        .ok_or_else(|| unprocessable("invalid_industry", format!("行业代码 {industry} 不在 GB/T 4754-2017 中")))?;
    let region = input.region_code.trim();
    if state.refdata.region(region).is_none() {
        return Err(unprocessable("invalid_region", format!("所在地代码 {region} 不在现行行政区划代码中")));
    }
    for (v, what) in [(input.employees, "从业人员"), (input.revenue_wan, "营业收入")] {
        if v.is_some_and(|x| !(0..=100_000_000).contains(&x)) {
            return Err(unprocessable("invalid_size", format!("{what}数字不合理")));
        }
    }
    let category = category_of(&industry, &section);
    let table: Vec<Thresholds> = thresholds();
    let size = table
        .iter()
        .find(|t| t.category == category)
        .filter(|_| input.employees.is_some() || input.revenue_wan.is_some())
        .map(|t| size_class(t, input.employees, input.revenue_wan).id().to_owned());
    let clean = |s: &Option<String>| {
        s.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(|s| s.chars().take(100).collect())
    };
    Ok(EmployerRecord {
        id: Uuid::now_v7(),
        org_id,
        credit_code: code.to_string(),
        name: name.to_owned(),
        employer_type,
        industry_code: industry,
        region_code: region.to_owned(),
        employees: input.employees,
        revenue_wan: input.revenue_wan,
        size_class: size,
        contact_name: clean(&input.contact_name),
        contact_phone: clean(&input.contact_phone),
        contact_email: clean(&input.contact_email),
        verification: Verification::Unverified.id().into(),
        verified_by: None,
        verified_at: None,
        blacklist_reason: None,
        origin_node: node,
        version: 1,
    })
}

/// Adds an employer to the shared directory, or merges into the one with the same credit code.
#[utoipa::path(post, path = "/api/v1/employers", tag = "employers", request_body = EmployerInput,
    responses((status = 201, description = "Added", body = EmployerDto), (status = 200, description = "Merged into the existing record", body = EmployerDto),
        (status = 422, description = "`invalid_credit_code` (naming the position and reason), `invalid_industry`, `invalid_region`, …", body = ErrorBody),
        (status = 403, description = "`forbidden`", body = ErrorBody)))]
pub async fn create_employer(
    State(state): State<AppState>,
    Signed(caller): Signed,
    Json(input): Json<EmployerInput>,
) -> Response {
    let event = AuditEvent::new("employer_upsert")
        .target(format!("employer:{}", input.credit_code.trim().to_ascii_uppercase()), None);
    let result = async {
        let grant = access::scope_paths(&caller.actor, Action::RegisterEmployer)
            .first()
            .and_then(|p| caller.actor.grants.iter().find(|g| &g.org_path == p))
            .cloned()
            .ok_or_else(forbidden)?;
        let node = state.store.node().await?.node_id;
        let record = validate(&state, &input, grant.org_id, node)?;
        let (stored, created) = state.store.upsert_employer(&record).await?;
        Ok::<_, AppError>((stored, created, grant))
    }
    .await;
    match result {
        Ok((stored, created, grant)) => {
            let status = if created { StatusCode::CREATED } else { StatusCode::OK };
            event
                .by(&grant)
                .detail(if created { "新增" } else { "合并" })
                .attach((status, Json(EmployerDto::from(stored))).into_response())
        }
        Err(e) => audited(event, Err(e)),
    }
}

fn may_read(caller: &Caller, e: &EmployerRecord) -> bool {
    !access::scope_paths(&caller.actor, Action::RegisterEmployer).is_empty()
        || caller.actor.grants.iter().any(|g| g.role == Role::Employer && g.subject_id == Some(e.id))
}

/// One employer by credit code (staff, or the employer itself).
#[utoipa::path(get, path = "/api/v1/employers/{credit_code}", tag = "employers", params(("credit_code" = String, Path)),
    responses((status = 200, body = EmployerDto), (status = 404, description = "`employer_not_found`", body = ErrorBody)))]
pub async fn get_employer(
    State(state): State<AppState>,
    Signed(caller): Signed,
    Path(code): Path<String>,
) -> Result<Json<EmployerDto>, AppError> {
    let missing = || AppError::not_found("employer_not_found", "没有这个统一社会信用代码的用人单位");
    let code = code.trim().to_ascii_uppercase();
    let e = state.store.employer(&code).await?.ok_or_else(missing)?;
    if !may_read(&caller, &e) {
        return Err(missing());
    }
    Ok(Json(e.into()))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EmployerListParams {
    /// Name contains, or the exact credit code.
    pub q: Option<String>,
    /// `unverified`, `verified` or `blacklisted`.
    pub verification: Option<String>,
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EmployerList {
    pub total: i64,
    pub items: Vec<EmployerDto>,
}

/// The employer directory (staff).
#[utoipa::path(get, path = "/api/v1/employers", tag = "employers", params(EmployerListParams),
    responses((status = 200, body = EmployerList), (status = 403, description = "`forbidden`", body = ErrorBody)))]
pub async fn list_employers(
    State(state): State<AppState>,
    Signed(caller): Signed,
    ApiQuery(p): ApiQuery<EmployerListParams>,
) -> Result<Json<EmployerList>, AppError> {
    if access::scope_paths(&caller.actor, Action::RegisterEmployer).is_empty() {
        return Err(forbidden());
    }
    let (items, total) = state
        .store
        .list_employers(p.q.as_deref(), p.verification.as_deref(), p.limit.unwrap_or(50), p.offset.unwrap_or(0))
        .await?;
    Ok(Json(EmployerList { total, items: items.into_iter().map(Into::into).collect() }))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct VerificationRequest {
    /// `verified`, `blacklisted` or `unverified`.
    pub state: String,
    /// Required when blacklisting.
    pub reason: Option<String>,
}

/// Verifies or blacklists an employer (administrators of the organisation that registered it,
/// or above).
#[utoipa::path(post, path = "/api/v1/employers/{credit_code}/verification", tag = "employers", params(("credit_code" = String, Path)),
    request_body = VerificationRequest,
    responses((status = 200, body = EmployerDto), (status = 400, description = "`invalid_state`, `reason_required`", body = ErrorBody),
        (status = 403, description = "`forbidden`", body = ErrorBody), (status = 404, description = "`employer_not_found`", body = ErrorBody)))]
pub async fn verify_employer(
    State(state): State<AppState>,
    Signed(caller): Signed,
    Path(code): Path<String>,
    Json(r): Json<VerificationRequest>,
) -> Response {
    let code = code.trim().to_ascii_uppercase();
    let event =
        AuditEvent::new("employer_verification").target(format!("employer:{code}"), None).detail(r.state.clone());
    let result = async {
        let e = state
            .store
            .employer(&code)
            .await?
            .ok_or_else(|| AppError::not_found("employer_not_found", "没有这个统一社会信用代码的用人单位"))?;
        let (_, _, path) = state
            .store
            .org_position(e.org_id)
            .await?
            .ok_or_else(|| AppError::not_found("org_not_found", "登记机构不存在"))?;
        let grant =
            access::can(&caller.actor, Action::VerifyEmployer, &Resource::at(&path)).ok_or_else(forbidden)?.clone();
        let v = Verification::from_id(&r.state)
            .ok_or_else(|| AppError::bad_request("invalid_state", "state 应为 verified、blacklisted 或 unverified"))?;
        let reason = r.reason.as_deref().map(str::trim).filter(|s| !s.is_empty());
        if v == Verification::Blacklisted && reason.is_none() {
            return Err(AppError::bad_request("reason_required", "列入黑名单必须写明原因"));
        }
        state
            .store
            .set_verification(&code, v.id(), caller.user.id, reason.filter(|_| v == Verification::Blacklisted))
            .await?;
        let e = state
            .store
            .employer(&code)
            .await?
            .ok_or_else(|| AppError::not_found("employer_not_found", "用人单位不存在"))?;
        Ok((e, grant))
    }
    .await;
    match result {
        Ok((e, grant)) => event.by(&grant).attach(Json(EmployerDto::from(e)).into_response()),
        Err(e) => audited(event, Err(e)),
    }
}

/// Self-registration of an employer with its first account.
#[derive(Debug, Deserialize, ToSchema)]
pub struct EmployerRegistration {
    pub employer: EmployerInput,
    pub username: String,
    pub password: String,
    pub display_name: String,
}

/// An employer registers itself with a first account (role `employer`). The employer stays
/// `unverified` until the province (or a career centre it works with) verifies it.
#[utoipa::path(post, path = "/api/v1/employers/register", tag = "employers", request_body = EmployerRegistration,
    responses((status = 201, body = EmployerDto), (status = 409, description = "`employer_exists`, `username_taken`", body = ErrorBody),
        (status = 422, description = "`invalid_credit_code`, …", body = ErrorBody), (status = 400, description = "`weak_password`, `invalid_username`", body = ErrorBody)))]
pub async fn register_employer(
    State(state): State<AppState>,
    _caller: MaybeCaller,
    Json(r): Json<EmployerRegistration>,
) -> Response {
    let event = AuditEvent::new("employer_self_register")
        .target(format!("employer:{}", r.employer.credit_code.trim().to_ascii_uppercase()), None);
    let result = async {
        let node = state.store.node().await?.node_id;
        let region = r.employer.region_code.trim();
        let province_code = OrgCode::parse(&format!("{}0000", region.get(..2).unwrap_or("00")))
            .map_err(|_| unprocessable("invalid_region", format!("所在地代码 {region} 无效")))?;
        let province = state
            .store
            .org_by_code(&province_code)
            .await?
            .ok_or_else(|| unprocessable("invalid_region", format!("所在地 {region} 不属于本平台的任何省份")))?;
        let record = validate(&state, &r.employer, province.id, node)?;
        if state.store.employer(&record.credit_code).await?.is_some() {
            return Err(AppError::new(
                StatusCode::CONFLICT,
                "employer_exists",
                "该单位已在库中；请联系所在省份或合作高校为您开通账号",
            ));
        }
        let username = r.username.trim();
        if !(3..=64).contains(&username.chars().count())
            || !username.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '@'))
        {
            return Err(AppError::bad_request("invalid_username", "用户名应为 3–64 个字符，只含字母、数字和 _ - . @"));
        }
        check_password_rules(username, &r.password)?;
        if state.store.user_by_username(username).await?.is_some() {
            return Err(AppError::new(StatusCode::CONFLICT, "username_taken", format!("用户名 {username} 已被使用")));
        }
        let (stored, _) = state.store.upsert_employer(&record).await?;
        let hash = crate::identity_api::hash_password(&state, &r.password).await?;
        let id = Uuid::now_v7();
        let user = NewUser {
            id,
            username: username.to_owned(),
            display_name: r.display_name.trim().chars().take(64).collect(),
            org_id: province.id,
            password_hash: hash,
            must_change_password: false,
        };
        let grant = NewGrant {
            id: Uuid::now_v7(),
            user_id: id,
            role: Role::Employer,
            org_id: province.id,
            subject_id: Some(stored.id),
            created_by: None,
        };
        if !state.store.create_user(&user, &[grant]).await? {
            return Err(AppError::new(StatusCode::CONFLICT, "username_taken", format!("用户名 {username} 已被使用")));
        }
        Ok::<_, AppError>((stored, province.path))
    }
    .await;
    match result {
        Ok((stored, path)) => event
            .target(format!("employer:{}", stored.credit_code), Some(&path))
            .attach((StatusCode::CREATED, Json(EmployerDto::from(stored))).into_response()),
        Err(e) => audited(event, Err(e)),
    }
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_employers, create_employer))
        .routes(routes!(register_employer))
        .routes(routes!(get_employer))
        .routes(routes!(verify_employer))
}
