//! The shared employer directory over JSON: staff add employers; an existing employer is
//! changed only by its own account or by the staff of the scope that registered it, and other
//! staff propose corrections for that scope to decide. Employers register themselves (limited
//! per client address) and wait for verification; the registering scope verifies, blacklists
//! or lifts a blacklisting with a reason, and sees the scams other scopes confirmed and hid
//! within their own scope. Contact persons are shown only as `access::sees_employer_contact`
//! decides; this module never compares roles itself.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use chrono::{DateTime, Utc};
use jiuye_domain::access::{self, Action, EmployerTies, Resource, Role, ScopedGrant};
use jiuye_domain::employer::{Thresholds, Verification, category_of, size_class, thresholds};
use jiuye_domain::{Catalogue, CreditCode, OrgCode};
use jiuye_store::employers::{
    CorrectionRecord, CorrectionRow, Decided, EmployerFacts, EmployerRecord, ScamReportRecord, ScamReportRow,
};
use jiuye_store::identity::{NewGrant, NewUser};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::AppState;
use crate::api::ApiQuery;
use crate::auth::{
    AuditEvent, Caller, ClientIp, FailureLimiter, MaybeCaller, Signed, audited, check_password_rules, forbidden,
};
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
    /// The contact person: `null` unless the caller is the employer, staff of its registering
    /// scope, or staff of a university where it has a posting, a visit or a base.
    pub contact_name: Option<String>,
    pub contact_phone: Option<String>,
    pub contact_email: Option<String>,
    /// `unverified`, `verified` or `blacklisted`.
    pub verification: String,
    pub blacklist_reason: Option<String>,
    pub version: i64,
    /// For the staff of its registering scope (on one employer): how many scopes hide it after
    /// confirming a scam, not lifted (see `/api/v1/employers/{credit_code}/scam-reports`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scam_reports_in_force: Option<i64>,
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
            scam_reports_in_force: None,
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

/// The facts the rules about an employer need (its registration and the universities it works
/// with), read from the store.
pub(crate) async fn facts_of(state: &AppState, e: &EmployerRecord) -> Result<EmployerFacts, AppError> {
    state
        .store
        .employer_facts(&[e.id])
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| AppError::not_found("employer_not_found", "没有这个统一社会信用代码的用人单位"))
}

fn ties(f: &EmployerFacts) -> EmployerTies<'_> {
    EmployerTies { employer_id: f.employer_id, registered_at: &f.registered_path, universities: &f.universities }
}

/// An employer as `caller` may see it: the contact person only where the rule allows.
fn shown(caller: &Caller, e: EmployerRecord, facts: &EmployerFacts) -> EmployerDto {
    let contact = access::sees_employer_contact(&caller.actor, &ties(facts));
    let mut d = EmployerDto::from(e);
    if !contact {
        d.contact_name = None;
        d.contact_phone = None;
        d.contact_email = None;
    }
    d
}

fn employer_missing() -> AppError {
    AppError::not_found("employer_not_found", "没有这个统一社会信用代码的用人单位")
}

/// The fields of an entry that differ from the stored record; `None` is "not proposed".
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
pub struct EmployerChanges {
    pub name: Option<String>,
    /// 单位性质代码.
    pub employer_type: Option<String>,
    pub industry_code: Option<String>,
    pub region_code: Option<String>,
    pub employees: Option<i64>,
    pub revenue_wan: Option<i64>,
    pub contact_name: Option<String>,
    pub contact_phone: Option<String>,
    pub contact_email: Option<String>,
}

impl EmployerChanges {
    /// What `entry` (checked by [`validate`]) would change in `stored`. The type counts only when
    /// the entry gave one; figures and contacts only when given.
    fn between(stored: &EmployerRecord, entry: &EmployerRecord, type_given: bool) -> EmployerChanges {
        fn differs<T: PartialEq + Clone>(given: Option<&T>, stored: Option<&T>) -> Option<T> {
            given.filter(|g| Some(*g) != stored).cloned()
        }
        EmployerChanges {
            name: differs(Some(&entry.name), Some(&stored.name)),
            employer_type: differs(Some(&entry.employer_type).filter(|_| type_given), Some(&stored.employer_type)),
            industry_code: differs(Some(&entry.industry_code), Some(&stored.industry_code)),
            region_code: differs(Some(&entry.region_code), Some(&stored.region_code)),
            employees: differs(entry.employees.as_ref(), stored.employees.as_ref()),
            revenue_wan: differs(entry.revenue_wan.as_ref(), stored.revenue_wan.as_ref()),
            contact_name: differs(entry.contact_name.as_ref(), stored.contact_name.as_ref()),
            contact_phone: differs(entry.contact_phone.as_ref(), stored.contact_phone.as_ref()),
            contact_email: differs(entry.contact_email.as_ref(), stored.contact_email.as_ref()),
        }
    }

    fn is_empty(&self) -> bool {
        *self == EmployerChanges::default()
    }

    fn of_correction(c: &CorrectionRecord) -> EmployerChanges {
        EmployerChanges {
            name: c.name.clone(),
            employer_type: c.employer_type.clone(),
            industry_code: c.industry_code.clone(),
            region_code: c.region_code.clone(),
            employees: c.employees,
            revenue_wan: c.revenue_wan,
            contact_name: c.contact_name.clone(),
            contact_phone: c.contact_phone.clone(),
            contact_email: c.contact_email.clone(),
        }
    }

    /// The stored employer with these changes applied, checked again as a new entry would be
    /// (size class recomputed), at the stored version.
    fn applied(&self, state: &AppState, stored: &EmployerRecord) -> Result<EmployerRecord, AppError> {
        let pick = |change: &Option<String>, old: &Option<String>| change.clone().or_else(|| old.clone());
        let input = EmployerInput {
            credit_code: stored.credit_code.clone(),
            name: self.name.clone().unwrap_or_else(|| stored.name.clone()),
            employer_type: Some(self.employer_type.clone().unwrap_or_else(|| stored.employer_type.clone())),
            industry_code: self.industry_code.clone().unwrap_or_else(|| stored.industry_code.clone()),
            region_code: self.region_code.clone().unwrap_or_else(|| stored.region_code.clone()),
            employees: self.employees.or(stored.employees),
            revenue_wan: self.revenue_wan.or(stored.revenue_wan),
            contact_name: pick(&self.contact_name, &stored.contact_name),
            contact_phone: pick(&self.contact_phone, &stored.contact_phone),
            contact_email: pick(&self.contact_email, &stored.contact_email),
        };
        let checked = validate(state, &input, stored.org_id, stored.origin_node)?;
        Ok(EmployerRecord {
            id: stored.id,
            org_id: stored.org_id,
            credit_code: stored.credit_code.clone(),
            verification: stored.verification.clone(),
            verified_by: stored.verified_by,
            verified_at: stored.verified_at,
            blacklist_reason: stored.blacklist_reason.clone(),
            origin_node: stored.origin_node,
            version: stored.version,
            ..checked
        })
    }
}

/// What an entry to the directory did.
enum Entry {
    /// A new employer, registered under the grant's organisation.
    Added(EmployerDto, ScopedGrant),
    /// The employer's own account or its registering scope changed it.
    Changed(EmployerDto, ScopedGrant, String),
    /// Nothing differed from the stored record.
    Unchanged(EmployerDto, String),
    /// Staff outside the registering scope: a correction for that scope to decide.
    Proposed(Uuid, ScopedGrant, String),
}

fn version_conflict() -> AppError {
    AppError::new(StatusCode::CONFLICT, "version_conflict", "单位信息刚被他人修改，请刷新后重试")
}

/// The grant a staff member registers employers and proposes corrections under (their
/// broadest), or 403.
fn registering_grant(caller: &Caller) -> Result<ScopedGrant, AppError> {
    access::scope_paths(&caller.actor, Action::RegisterEmployer)
        .first()
        .and_then(|p| caller.actor.grants.iter().find(|g| &g.org_path == p))
        .cloned()
        .ok_or_else(forbidden)
}

async fn enter(state: &AppState, caller: &Caller, input: &EmployerInput) -> Result<Entry, AppError> {
    let staff = registering_grant(caller).ok();
    let own_account = access::holds(&caller.actor, Role::Employer);
    if staff.is_none() && !own_account {
        return Err(forbidden());
    }
    let node = state.store.node().await?.node_id;
    let entry = validate(state, input, staff.as_ref().map(|g| g.org_id).unwrap_or_default(), node)?;
    for _ in 0..3 {
        let Some(stored) = state.store.employer(&entry.credit_code).await? else {
            // Only staff add employers; an employer's account changes its own record only.
            let grant = staff.clone().ok_or_else(forbidden)?;
            if state.store.insert_employer(&entry).await? {
                let stored = state.store.employer(&entry.credit_code).await?.ok_or_else(employer_missing)?;
                let facts = facts_of(state, &stored).await?;
                return Ok(Entry::Added(shown(caller, stored, &facts), grant));
            }
            // Someone added the same code meanwhile: treat the entry as one for that record.
            continue;
        };
        let facts = facts_of(state, &stored).await?;
        let path = facts.registered_path.clone();
        let changes = EmployerChanges::between(&stored, &entry, input.employer_type.is_some());
        if let Some(grant) = access::can_change_employer(&caller.actor, &ties(&facts)).cloned() {
            if changes.is_empty() {
                return Ok(Entry::Unchanged(shown(caller, stored, &facts), path));
            }
            let merged = changes.applied(state, &stored)?;
            if !state.store.update_employer(&merged).await? {
                continue;
            }
            let stored = state.store.employer_by_id(stored.id).await?.ok_or_else(employer_missing)?;
            return Ok(Entry::Changed(shown(caller, stored, &facts), grant, path));
        }
        // Staff elsewhere may read the directory, but not change what another scope registered.
        let grant = staff.clone().ok_or_else(employer_missing)?;
        if changes.is_empty() {
            return Ok(Entry::Unchanged(shown(caller, stored, &facts), path));
        }
        let id = propose(state, caller, &grant, &stored, &changes, None).await?;
        return Ok(Entry::Proposed(id, grant, path));
    }
    Err(version_conflict())
}

/// Records a correction proposed by `grant`'s holder.
async fn propose(
    state: &AppState,
    caller: &Caller,
    grant: &ScopedGrant,
    stored: &EmployerRecord,
    changes: &EmployerChanges,
    note: Option<String>,
) -> Result<Uuid, AppError> {
    let c = CorrectionRecord {
        id: Uuid::now_v7(),
        employer_id: stored.id,
        name: changes.name.clone(),
        employer_type: changes.employer_type.clone(),
        industry_code: changes.industry_code.clone(),
        region_code: changes.region_code.clone(),
        employees: changes.employees,
        revenue_wan: changes.revenue_wan,
        contact_name: changes.contact_name.clone(),
        contact_phone: changes.contact_phone.clone(),
        contact_email: changes.contact_email.clone(),
        note,
        proposed_by: caller.user.id,
        proposer_org_id: grant.org_id,
        created_at: Utc::now(),
        status: "proposed".into(),
        decided_by: None,
        decision_note: None,
        decided_at: None,
        origin_node: state.store.node().await?.node_id,
    };
    state.store.add_correction(&c).await?;
    Ok(c.id)
}

/// The answer to an entry that became a correction.
#[derive(Debug, Serialize, ToSchema)]
pub struct CorrectionProposed {
    /// Always `correction_proposed`.
    #[schema(example = "correction_proposed")]
    pub status: String,
    /// The correction's id (see `/api/v1/employers/{credit_code}/corrections`).
    pub id: Uuid,
}

/// Adds an employer to the shared directory, or enters what one knows of an employer already
/// there. An existing employer is changed only by its own account or by staff whose scope holds
/// the organisation that registered it; an entry from other staff that differs from the stored
/// record becomes a correction for the registering scope to decide (`202`), and an identical
/// entry changes nothing.
#[utoipa::path(post, path = "/api/v1/employers", tag = "employers", request_body = EmployerInput,
    responses((status = 201, description = "Added to the directory, registered under the caller's organisation", body = EmployerDto),
        (status = 200, description = "Changed (own account or registering scope; fields not given are kept), or nothing differed", body = EmployerDto),
        (status = 202, description = "Staff outside the registering scope: the differences were recorded as a correction", body = CorrectionProposed),
        (status = 422, description = "`invalid_credit_code` (naming the position and reason), `invalid_name`, `invalid_employer_type`, `invalid_industry`, `invalid_region`, `invalid_size`", body = ErrorBody),
        (status = 403, description = "`forbidden` (not staff who register employers, nor the employer's own account)", body = ErrorBody),
        (status = 404, description = "`employer_not_found` (an employer's account entering another employer)", body = ErrorBody),
        (status = 409, description = "`version_conflict` (changed by someone else meanwhile)", body = ErrorBody)))]
pub async fn create_employer(
    State(state): State<AppState>,
    Signed(caller): Signed,
    Json(input): Json<EmployerInput>,
) -> Response {
    let code = input.credit_code.trim().to_ascii_uppercase();
    let event = AuditEvent::new("employer_upsert").target(format!("employer:{code}"), None);
    match enter(&state, &caller, &input).await {
        Ok(Entry::Added(d, grant)) => event
            .by(&grant)
            .target(format!("employer:{}", d.credit_code), Some(&grant.org_path))
            .detail("新增")
            .attach((StatusCode::CREATED, Json(d)).into_response()),
        Ok(Entry::Changed(d, grant, path)) => event
            .by(&grant)
            .target(format!("employer:{}", d.credit_code), Some(&path))
            .detail(format!("修改，版本 {}", d.version))
            .attach(Json(d).into_response()),
        Ok(Entry::Unchanged(d, path)) => event
            .target(format!("employer:{}", d.credit_code), Some(&path))
            .detail("与库中记录相同，未修改")
            .attach(Json(d).into_response()),
        Ok(Entry::Proposed(id, grant, path)) => AuditEvent::new("employer_correction_propose")
            .by(&grant)
            .target(format!("employer:{code}"), Some(&path))
            .detail(format!("correction:{id}"))
            .attach(
                (StatusCode::ACCEPTED, Json(CorrectionProposed { status: "correction_proposed".into(), id }))
                    .into_response(),
            ),
        Err(e) => audited(event, Err(e)),
    }
}

/// Whether `caller` may read the employer at all: staff who work with the directory, or the
/// employer's own account.
fn may_read(caller: &Caller, facts: &EmployerFacts) -> bool {
    !access::scope_paths(&caller.actor, Action::RegisterEmployer).is_empty()
        || access::can_change_employer(&caller.actor, &ties(facts)).is_some()
}

/// An employer `caller` may read, with its facts, or 404.
async fn readable(state: &AppState, caller: &Caller, code: &str) -> Result<(EmployerRecord, EmployerFacts), AppError> {
    let code = code.trim().to_ascii_uppercase();
    let e = state.store.employer(&code).await?.ok_or_else(employer_missing)?;
    let facts = facts_of(state, &e).await?;
    if !may_read(caller, &facts) {
        return Err(employer_missing());
    }
    Ok((e, facts))
}

/// One employer by credit code (staff, or the employer itself). The contact person is shown
/// only to the employer, the staff of its registering scope and the staff of a university where
/// it has a posting, a visit or a base; to anyone else those fields are `null`.
#[utoipa::path(get, path = "/api/v1/employers/{credit_code}", tag = "employers", params(("credit_code" = String, Path)),
    responses((status = 200, description = "The employer; for the staff of its registering scope also the scam reports in force about it", body = EmployerDto),
        (status = 404, description = "`employer_not_found` (also for callers who may not read the directory)", body = ErrorBody)))]
pub async fn get_employer(
    State(state): State<AppState>,
    Signed(caller): Signed,
    Path(code): Path<String>,
) -> Result<Json<EmployerDto>, AppError> {
    let (e, facts) = readable(&state, &caller, &code).await?;
    let registrar = access::registering_staff(&caller.actor, &ties(&facts)).is_some();
    let id = e.id;
    let mut d = shown(&caller, e, &facts);
    if registrar {
        let reports = state.store.scam_reports_of(id).await?;
        let hiding = reports.iter().filter(|r| r.report.lifted_at.is_none() && !r.report.blacklisted).count();
        d.scam_reports_in_force = Some(hiding as i64);
    }
    Ok(Json(d))
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

/// The employer directory (staff). Contact persons follow the same rule as for one employer.
#[utoipa::path(get, path = "/api/v1/employers", tag = "employers", params(EmployerListParams),
    responses((status = 200, description = "A page of the directory, by name", body = EmployerList),
        (status = 403, description = "`forbidden` (not staff who work with the directory)", body = ErrorBody)))]
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
    let ids: Vec<Uuid> = items.iter().map(|e| e.id).collect();
    let facts: HashMap<Uuid, EmployerFacts> =
        state.store.employer_facts(&ids).await?.into_iter().map(|f| (f.employer_id, f)).collect();
    let items = items
        .into_iter()
        .filter_map(|e| {
            let f = facts.get(&e.id)?;
            Some(shown(&caller, e, f))
        })
        .collect();
    Ok(Json(EmployerList { total, items }))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct VerificationRequest {
    /// `verified`, `blacklisted` or `unverified`. Moving a blacklisted employer to `verified` or
    /// `unverified` lifts the blacklisting.
    pub state: String,
    /// Required to blacklist and to lift a blacklisting.
    pub reason: Option<String>,
}

/// Verifies or blacklists an employer, or lifts its blacklisting (administrators of the
/// organisation that registered it, or above). Blacklisting and lifting need a reason; every
/// step is audited.
#[utoipa::path(post, path = "/api/v1/employers/{credit_code}/verification", tag = "employers", params(("credit_code" = String, Path)),
    request_body = VerificationRequest,
    responses((status = 200, description = "The employer in its new state", body = EmployerDto),
        (status = 400, description = "`invalid_state`, `reason_required`", body = ErrorBody),
        (status = 403, description = "`forbidden` (the registering organisation is outside the caller's scope)", body = ErrorBody),
        (status = 404, description = "`employer_not_found`", body = ErrorBody)))]
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
        let e = state.store.employer(&code).await?.ok_or_else(employer_missing)?;
        let facts = facts_of(&state, &e).await?;
        let grant = access::can(&caller.actor, Action::VerifyEmployer, &Resource::at(&facts.registered_path))
            .ok_or_else(forbidden)?
            .clone();
        let v = Verification::from_id(&r.state)
            .ok_or_else(|| AppError::bad_request("invalid_state", "state 应为 verified、blacklisted 或 unverified"))?;
        let reason = r
            .reason
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| s.chars().take(500).collect::<String>());
        let was_blacklisted = e.verification == Verification::Blacklisted.id();
        if v == Verification::Blacklisted && reason.is_none() {
            return Err(AppError::bad_request("reason_required", "列入黑名单必须写明原因"));
        }
        let lifting = was_blacklisted && v != Verification::Blacklisted;
        if lifting && reason.is_none() {
            return Err(AppError::bad_request("reason_required", "解除黑名单必须写明原因"));
        }
        state
            .store
            .set_verification(
                &code,
                v.id(),
                caller.user.id,
                reason.as_deref().filter(|_| v == Verification::Blacklisted),
            )
            .await?;
        let detail = match (v, reason.as_deref()) {
            (Verification::Blacklisted, Some(why)) if !was_blacklisted => {
                record_scam(&state, caller.user.id, &grant, &e, None, why, true).await?;
                format!("blacklisted：{why}")
            }
            (_, Some(why)) if lifting => {
                state.store.lift_blacklisting_reports(e.id, caller.user.id, why).await?;
                format!("{}，解除黑名单：{why}", v.id())
            }
            (_, Some(why)) => format!("{}：{why}", v.id()),
            (_, None) => v.id().to_owned(),
        };
        let e = state.store.employer(&code).await?.ok_or_else(employer_missing)?;
        Ok((shown(&caller, e, &facts), grant, facts.registered_path, detail))
    }
    .await;
    match result {
        Ok((d, grant, path, detail)) => event
            .by(&grant)
            .target(format!("employer:{code}"), Some(&path))
            .detail(detail)
            .attach(Json(d).into_response()),
        Err(e) => audited(event, Err(e)),
    }
}

/// Records a scam confirmed (or a blacklisting decided) by the holder of `grant`.
pub(crate) async fn record_scam(
    state: &AppState,
    by: Uuid,
    grant: &ScopedGrant,
    e: &EmployerRecord,
    posting: Option<Uuid>,
    reason: &str,
    blacklisted: bool,
) -> Result<Uuid, AppError> {
    let r = ScamReportRecord {
        id: Uuid::now_v7(),
        employer_id: e.id,
        org_id: grant.org_id,
        posting_id: posting,
        reason: reason.to_owned(),
        blacklisted,
        created_by: by,
        created_at: Utc::now(),
        lifted_by: None,
        lifted_at: None,
        lift_reason: None,
        origin_node: state.store.node().await?.node_id,
    };
    state.store.add_scam_report(&r).await?;
    Ok(r.id)
}

/// What a confirmed scam did to its employer.
pub(crate) enum ScamOutcome {
    /// The confirming scope covers the employer's registration: blacklisted everywhere.
    Blacklisted,
    /// Confirmed for the reviewer's scope only: the employer's postings are hidden there, and
    /// the report goes up to the registering scope.
    HiddenIn(String),
}

/// Confirms a scam found in a posting reviewed under `grant`: staff whose scope covers the
/// employer's registration blacklist it; anyone else hides it within their own scope and
/// reports it to the registering scope.
pub(crate) async fn confirm_scam(
    state: &AppState,
    caller: &Caller,
    grant: &ScopedGrant,
    employer_id: Uuid,
    posting: Uuid,
    reason: &str,
) -> Result<ScamOutcome, AppError> {
    let e = state.store.employer_by_id(employer_id).await?.ok_or_else(employer_missing)?;
    let facts = facts_of(state, &e).await?;
    let blacklister = access::can(&caller.actor, Action::VerifyEmployer, &Resource::at(&facts.registered_path));
    match blacklister {
        Some(g) => {
            let g = g.clone();
            state
                .store
                .set_verification(&e.credit_code, Verification::Blacklisted.id(), caller.user.id, Some(reason))
                .await?;
            record_scam(state, caller.user.id, &g, &e, Some(posting), reason, true).await?;
            Ok(ScamOutcome::Blacklisted)
        }
        None => {
            record_scam(state, caller.user.id, grant, &e, Some(posting), reason, false).await?;
            Ok(ScamOutcome::HiddenIn(grant.org_path.clone()))
        }
    }
}

/// Proposed values of an employer's fields, with the proposer's reason.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct CorrectionInput {
    pub name: Option<String>,
    /// 单位性质代码.
    pub employer_type: Option<String>,
    /// GB/T 4754-2017 industry code.
    pub industry_code: Option<String>,
    /// GB/T 2260 region code.
    pub region_code: Option<String>,
    pub employees: Option<i64>,
    pub revenue_wan: Option<i64>,
    pub contact_name: Option<String>,
    pub contact_phone: Option<String>,
    pub contact_email: Option<String>,
    /// Why (at most 500 characters).
    pub note: Option<String>,
}

/// A proposed correction of an employer record.
#[derive(Debug, Serialize, ToSchema)]
pub struct CorrectionDto {
    pub id: Uuid,
    pub employer_credit_code: String,
    /// The proposed values; `null` fields are not part of the proposal.
    pub proposed: EmployerChanges,
    pub note: Option<String>,
    /// The proposer's username.
    pub proposed_by: String,
    /// The organisation the proposer acted for.
    pub proposer_org: String,
    pub proposer_org_name: String,
    pub created_at: DateTime<Utc>,
    /// `proposed`, `accepted` or `rejected`.
    pub status: String,
    pub decided_by: Option<Uuid>,
    pub decision_note: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
}

fn correction_dto(code: &str, r: CorrectionRow) -> CorrectionDto {
    let c = r.correction;
    CorrectionDto {
        id: c.id,
        employer_credit_code: code.to_owned(),
        proposed: EmployerChanges::of_correction(&c),
        note: c.note,
        proposed_by: r.proposer_username,
        proposer_org: r.proposer_org_code,
        proposer_org_name: r.proposer_org_name,
        created_at: c.created_at,
        status: c.status,
        decided_by: c.decided_by,
        decision_note: c.decision_note,
        decided_at: c.decided_at,
    }
}

/// Corrections proposed for one employer.
#[derive(Debug, Serialize, ToSchema)]
pub struct CorrectionList {
    pub total: i64,
    pub items: Vec<CorrectionDto>,
}

/// The corrections proposed for an employer, newest first: all of them for the staff of its
/// registering scope, one's own for anyone else who reads the directory.
#[utoipa::path(get, path = "/api/v1/employers/{credit_code}/corrections", tag = "employers", params(("credit_code" = String, Path)),
    responses((status = 200, description = "The corrections the caller may see", body = CorrectionList),
        (status = 404, description = "`employer_not_found` (also for callers who may not read the directory)", body = ErrorBody)))]
pub async fn list_corrections(
    State(state): State<AppState>,
    Signed(caller): Signed,
    Path(code): Path<String>,
) -> Result<Json<CorrectionList>, AppError> {
    let (e, facts) = readable(&state, &caller, &code).await?;
    let registrar = access::registering_staff(&caller.actor, &ties(&facts)).is_some();
    let items: Vec<CorrectionDto> = state
        .store
        .corrections_of(e.id)
        .await?
        .into_iter()
        .filter(|r| registrar || r.correction.proposed_by == caller.user.id)
        .map(|r| correction_dto(&e.credit_code, r))
        .collect();
    Ok(Json(CorrectionList { total: items.len() as i64, items }))
}

fn clean_note(note: Option<&str>) -> Option<String> {
    note.map(str::trim).filter(|n| !n.is_empty()).map(|n| n.chars().take(500).collect())
}

/// Proposes a correction of an employer record for its registering scope to decide (staff who
/// work with the directory). The proposed values are checked as an entry would be.
#[utoipa::path(post, path = "/api/v1/employers/{credit_code}/corrections", tag = "employers", params(("credit_code" = String, Path)),
    request_body = CorrectionInput,
    responses((status = 201, description = "Recorded, waiting for the registering scope", body = CorrectionDto),
        (status = 403, description = "`forbidden` (not staff who work with the directory)", body = ErrorBody),
        (status = 404, description = "`employer_not_found`", body = ErrorBody),
        (status = 422, description = "`no_change` (nothing differs from the record), `invalid_name`, `invalid_employer_type`, `invalid_industry`, `invalid_region`, `invalid_size`", body = ErrorBody)))]
pub async fn post_correction(
    State(state): State<AppState>,
    Signed(caller): Signed,
    Path(code): Path<String>,
    Json(input): Json<CorrectionInput>,
) -> Response {
    let code = code.trim().to_ascii_uppercase();
    let event = AuditEvent::new("employer_correction_propose").target(format!("employer:{code}"), None);
    let result = async {
        let (e, facts) = readable(&state, &caller, &code).await?;
        let grant = registering_grant(&caller)?;
        let clean = |s: &Option<String>| {
            s.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(|s| s.chars().take(100).collect::<String>())
        };
        let wanted = EmployerChanges {
            name: clean(&input.name),
            employer_type: clean(&input.employer_type),
            industry_code: clean(&input.industry_code).map(|s| s.to_ascii_uppercase()),
            region_code: clean(&input.region_code),
            employees: input.employees,
            revenue_wan: input.revenue_wan,
            contact_name: clean(&input.contact_name),
            contact_phone: clean(&input.contact_phone),
            contact_email: clean(&input.contact_email),
        };
        // Checked as the record would be with the proposal applied.
        let merged = wanted.applied(&state, &e)?;
        let changes = EmployerChanges::between(&e, &merged, wanted.employer_type.is_some());
        let changes = EmployerChanges {
            employees: changes.employees.filter(|_| wanted.employees.is_some()),
            revenue_wan: changes.revenue_wan.filter(|_| wanted.revenue_wan.is_some()),
            contact_name: changes.contact_name.filter(|_| wanted.contact_name.is_some()),
            contact_phone: changes.contact_phone.filter(|_| wanted.contact_phone.is_some()),
            contact_email: changes.contact_email.filter(|_| wanted.contact_email.is_some()),
            name: changes.name.filter(|_| wanted.name.is_some()),
            industry_code: changes.industry_code.filter(|_| wanted.industry_code.is_some()),
            region_code: changes.region_code.filter(|_| wanted.region_code.is_some()),
            employer_type: changes.employer_type,
        };
        if changes.is_empty() {
            return Err(unprocessable("no_change", "所提更正与库中记录相同"));
        }
        let id = propose(&state, &caller, &grant, &e, &changes, clean_note(input.note.as_deref())).await?;
        let row = state.store.correction(id).await?.ok_or_else(correction_missing)?;
        Ok((correction_dto(&e.credit_code, row), grant, facts.registered_path))
    }
    .await;
    match result {
        Ok((d, grant, path)) => event
            .by(&grant)
            .target(format!("employer:{code}"), Some(&path))
            .detail(format!("correction:{}", d.id))
            .attach((StatusCode::CREATED, Json(d)).into_response()),
        Err(e) => audited(event, Err(e)),
    }
}

fn correction_missing() -> AppError {
    AppError::not_found("correction_not_found", "没有这条更正")
}

/// A decision on a proposed correction.
#[derive(Debug, Deserialize, ToSchema)]
pub struct CorrectionDecision {
    pub accept: bool,
    /// Required to reject (at most 500 characters).
    pub note: Option<String>,
}

/// Accepts or rejects a proposed correction (staff of the employer's registering scope).
/// Accepting applies the proposed values, checked again, and the employer's version goes up.
#[utoipa::path(post, path = "/api/v1/employers/{credit_code}/corrections/{id}/decision", tag = "employers",
    params(("credit_code" = String, Path), ("id" = Uuid, Path)), request_body = CorrectionDecision,
    responses((status = 200, description = "Decided", body = CorrectionDto),
        (status = 403, description = "`forbidden` (not staff of the registering scope)", body = ErrorBody),
        (status = 404, description = "`employer_not_found`, `correction_not_found`", body = ErrorBody),
        (status = 409, description = "`correction_decided` (decided already), `version_conflict`", body = ErrorBody),
        (status = 422, description = "`note_required` (to reject), or the proposed values no longer pass the checks (`invalid_region`, …)", body = ErrorBody)))]
pub async fn decide_correction(
    State(state): State<AppState>,
    Signed(caller): Signed,
    Path((code, id)): Path<(String, Uuid)>,
    Json(input): Json<CorrectionDecision>,
) -> Response {
    let code = code.trim().to_ascii_uppercase();
    let event = AuditEvent::new("employer_correction_decide")
        .target(format!("employer:{code}"), None)
        .detail(format!("correction:{id} {}", if input.accept { "accept" } else { "reject" }));
    let result = async {
        let (e, facts) = readable(&state, &caller, &code).await?;
        let grant = access::registering_staff(&caller.actor, &ties(&facts)).ok_or_else(forbidden)?.clone();
        let row = state.store.correction(id).await?.filter(|r| r.correction.employer_id == e.id);
        let row = row.ok_or_else(correction_missing)?;
        let note = clean_note(input.note.as_deref());
        let decided = if input.accept {
            let merged = EmployerChanges::of_correction(&row.correction).applied(&state, &e)?;
            state.store.accept_correction(id, caller.user.id, note.as_deref(), &merged).await?
        } else {
            if note.is_none() {
                return Err(unprocessable("note_required", "驳回更正须写明理由"));
            }
            state.store.reject_correction(id, caller.user.id, note.as_deref()).await?
        };
        match decided {
            Decided::Done => {}
            Decided::AlreadyDecided => {
                return Err(AppError::new(StatusCode::CONFLICT, "correction_decided", "这条更正已处理"));
            }
            Decided::EmployerChanged => return Err(version_conflict()),
        }
        let row = state.store.correction(id).await?.ok_or_else(correction_missing)?;
        Ok((correction_dto(&e.credit_code, row), grant, facts.registered_path))
    }
    .await;
    match result {
        Ok((d, grant, path)) => {
            event.by(&grant).target(format!("employer:{code}"), Some(&path)).attach(Json(d).into_response())
        }
        Err(e) => audited(event, Err(e)),
    }
}

/// A scam confirmed by the staff of a scope.
#[derive(Debug, Serialize, ToSchema)]
pub struct ScamReportDto {
    pub id: Uuid,
    pub employer_credit_code: String,
    pub employer_name: String,
    /// The confirming scope's code, name and path.
    pub scope: String,
    pub scope_name: String,
    pub scope_path: String,
    pub posting_id: Option<Uuid>,
    pub posting_title: Option<String>,
    pub reason: String,
    /// The confirmation blacklisted the employer everywhere (its scope covers the employer's
    /// registration); otherwise the employer's postings are hidden within `scope` only.
    pub blacklisted: bool,
    /// The confirming reviewer's username.
    pub reported_by: String,
    pub created_at: DateTime<Utc>,
    pub lifted_at: Option<DateTime<Utc>>,
    pub lift_reason: Option<String>,
}

fn scam_dto(r: ScamReportRow) -> ScamReportDto {
    ScamReportDto {
        id: r.report.id,
        employer_credit_code: r.employer_code,
        employer_name: r.employer_name,
        scope: r.org_code,
        scope_name: r.org_name,
        scope_path: r.org_path,
        posting_id: r.report.posting_id,
        posting_title: r.posting_title,
        reason: r.report.reason,
        blacklisted: r.report.blacklisted,
        reported_by: r.reporter_username,
        created_at: r.report.created_at,
        lifted_at: r.report.lifted_at,
        lift_reason: r.report.lift_reason,
    }
}

/// Scam reports.
#[derive(Debug, Serialize, ToSchema)]
pub struct ScamReportList {
    pub total: i64,
    pub items: Vec<ScamReportDto>,
}

/// Whether `caller` sees a scam report: the staff of the employer's registering scope, and the
/// staff of the scope that confirmed it (or above).
fn sees_report(caller: &Caller, facts: &EmployerFacts, r: &ScamReportRow) -> bool {
    access::registering_staff(&caller.actor, &ties(facts)).is_some()
        || access::can(&caller.actor, Action::ApprovePosting, &Resource::at(&r.org_path)).is_some()
}

/// The scams confirmed about an employer, newest first, lifted ones included: for the staff
/// of its registering scope (the report upward) and of the scopes that confirmed them.
#[utoipa::path(get, path = "/api/v1/employers/{credit_code}/scam-reports", tag = "employers", params(("credit_code" = String, Path)),
    responses((status = 200, description = "The reports the caller may see", body = ScamReportList),
        (status = 404, description = "`employer_not_found` (also for callers who may not read the directory)", body = ErrorBody)))]
pub async fn employer_scam_reports(
    State(state): State<AppState>,
    Signed(caller): Signed,
    Path(code): Path<String>,
) -> Result<Json<ScamReportList>, AppError> {
    let (e, facts) = readable(&state, &caller, &code).await?;
    let items: Vec<ScamReportDto> = state
        .store
        .scam_reports_of(e.id)
        .await?
        .into_iter()
        .filter(|r| sees_report(&caller, &facts, r))
        .map(scam_dto)
        .collect();
    Ok(Json(ScamReportList { total: items.len() as i64, items }))
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ScamInboxParams {
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

pub(crate) async fn scam_inbox(
    state: &AppState,
    caller: &Caller,
    p: &ScamInboxParams,
) -> Result<ScamReportList, AppError> {
    let paths = access::scope_paths(&caller.actor, Action::VerifyEmployer);
    if paths.is_empty() {
        return Err(forbidden());
    }
    let (rows, total) =
        state.store.unresolved_scam_reports_under(&paths, p.limit.unwrap_or(50), p.offset.unwrap_or(0)).await?;
    Ok(ScamReportList { total, items: rows.into_iter().map(scam_dto).collect() })
}

/// Scams other scopes confirmed about employers registered within the caller's scope and hid
/// within their own, still waiting for this scope's decision (not lifted, the employer not
/// blacklisted), newest first: the reports upward, for the staff who may blacklist.
#[utoipa::path(get, path = "/api/v1/employers/scam-reports", tag = "employers", params(ScamInboxParams),
    responses((status = 200, description = "Reports waiting for a decision", body = ScamReportList),
        (status = 403, description = "`forbidden` (not staff who verify employers)", body = ErrorBody)))]
pub async fn scam_reports_inbox(
    State(state): State<AppState>,
    Signed(caller): Signed,
    ApiQuery(p): ApiQuery<ScamInboxParams>,
) -> Result<Json<ScamReportList>, AppError> {
    Ok(Json(scam_inbox(&state, &caller, &p).await?))
}

/// Why a hide is lifted.
#[derive(Debug, Deserialize, ToSchema)]
pub struct LiftInput {
    /// Required (2–500 characters).
    pub reason: String,
}

/// Lifts a scope's hide of an employer (staff who review postings in that scope, or above). A
/// blacklisting is lifted through the employer's verification instead.
#[utoipa::path(post, path = "/api/v1/employers/{credit_code}/scam-reports/{id}/lift", tag = "employers",
    params(("credit_code" = String, Path), ("id" = Uuid, Path)), request_body = LiftInput,
    responses((status = 200, description = "Lifted: the employer's postings show in that scope again", body = ScamReportDto),
        (status = 403, description = "`forbidden` (the report's scope is outside the caller's)", body = ErrorBody),
        (status = 404, description = "`employer_not_found`, `scam_report_not_found`", body = ErrorBody),
        (status = 409, description = "`already_lifted`", body = ErrorBody),
        (status = 422, description = "`reason_required`, `lift_via_verification` (a blacklisting)", body = ErrorBody)))]
pub async fn lift_scam_report(
    State(state): State<AppState>,
    Signed(caller): Signed,
    Path((code, id)): Path<(String, Uuid)>,
    Json(input): Json<LiftInput>,
) -> Response {
    let code = code.trim().to_ascii_uppercase();
    let event = AuditEvent::new("employer_hide_lift").target(format!("employer:{code}"), None);
    let result = async {
        let (e, facts) = readable(&state, &caller, &code).await?;
        let missing = || AppError::not_found("scam_report_not_found", "没有这条诈骗确认记录");
        let r = state.store.scam_report(id).await?.filter(|r| r.report.employer_id == e.id).ok_or_else(missing)?;
        if !sees_report(&caller, &facts, &r) {
            return Err(missing());
        }
        let grant = access::can(&caller.actor, Action::ApprovePosting, &Resource::at(&r.org_path))
            .ok_or_else(forbidden)?
            .clone();
        if r.report.blacklisted {
            return Err(unprocessable("lift_via_verification", "黑名单须由登记机构通过单位审核状态解除"));
        }
        let reason = input.reason.trim();
        if !(2..=500).contains(&reason.chars().count()) {
            return Err(unprocessable("reason_required", "请用 2–500 个字说明解除屏蔽的理由"));
        }
        if !state.store.lift_scam_report(id, caller.user.id, reason).await? {
            return Err(AppError::new(StatusCode::CONFLICT, "already_lifted", "该屏蔽已解除"));
        }
        let r = state.store.scam_report(id).await?.ok_or_else(missing)?;
        let path = r.org_path.clone();
        Ok((scam_dto(r), grant, path, reason.to_owned()))
    }
    .await;
    match result {
        Ok((d, grant, path, reason)) => event
            .by(&grant)
            .target(format!("employer:{code}"), Some(&path))
            .detail(format!("scam_report:{id}：{reason}"))
            .attach(Json(d).into_response()),
        Err(e) => audited(event, Err(e)),
    }
}

/// Anonymous self-registrations per client address (in memory, per node).
#[derive(Default)]
pub struct RegistrationLimiter(FailureLimiter);

/// Self-registrations allowed from one address within [`REGISTRATION_WINDOW`].
pub const REGISTRATION_LIMIT: usize = 20;
pub const REGISTRATION_WINDOW: std::time::Duration = std::time::Duration::from_secs(15 * 60);

/// Self-registration of an employer with its first account.
#[derive(Debug, Deserialize, ToSchema)]
pub struct EmployerRegistration {
    pub employer: EmployerInput,
    pub username: String,
    pub password: String,
    pub display_name: String,
}

/// An employer registers itself with a first account (role `employer`), registered by the
/// province of its place. The employer stays `unverified` until that province (or above)
/// verifies it. At most 20 attempts per client address in 15 minutes.
#[utoipa::path(post, path = "/api/v1/employers/register", tag = "employers", request_body = EmployerRegistration,
    responses((status = 201, description = "Registered with its first account, waiting for verification", body = EmployerDto),
        (status = 409, description = "`employer_exists`, `username_taken`", body = ErrorBody),
        (status = 422, description = "`invalid_credit_code`, `invalid_region`, …", body = ErrorBody),
        (status = 400, description = "`weak_password`, `invalid_username`", body = ErrorBody),
        (status = 429, description = "`too_many_requests` (too many registrations from this address)", body = ErrorBody)))]
pub async fn register_employer(
    State(state): State<AppState>,
    _caller: MaybeCaller,
    Extension(limiter): Extension<Arc<RegistrationLimiter>>,
    ip: Option<Extension<ClientIp>>,
    Json(r): Json<EmployerRegistration>,
) -> Response {
    let event = AuditEvent::new("employer_self_register")
        .target(format!("employer:{}", r.employer.credit_code.trim().to_ascii_uppercase()), None);
    if let Some(Extension(ClientIp(Some(addr)))) = ip {
        if limiter.0.blocked(addr, REGISTRATION_LIMIT, REGISTRATION_WINDOW) {
            let e = AppError::new(StatusCode::TOO_MANY_REQUESTS, "too_many_requests", "注册尝试过于频繁，请稍后再试");
            return audited(event.result("rate_limited"), Err(e));
        }
        limiter.0.record(addr, REGISTRATION_WINDOW);
    }
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
        let exists = || {
            AppError::new(
                StatusCode::CONFLICT,
                "employer_exists",
                "该单位已在库中；请联系所在省份或合作高校为您开通账号",
            )
        };
        if state.store.employer(&record.credit_code).await?.is_some() {
            return Err(exists());
        }
        let username = r.username.trim();
        jiuye_domain::accounts::check_username(username).map_err(|r| AppError::bad_request(r.code, r.message))?;
        check_password_rules(username, &r.password)?;
        if state.store.user_by_username(username).await?.is_some() {
            return Err(AppError::new(StatusCode::CONFLICT, "username_taken", format!("用户名 {username} 已被使用")));
        }
        if !state.store.insert_employer(&record).await? {
            return Err(exists());
        }
        let stored = state.store.employer(&record.credit_code).await?.ok_or_else(employer_missing)?;
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
    // One limiter per application: registrations are counted per node, not per process.
    let limiter = Arc::new(RegistrationLimiter::default());
    OpenApiRouter::new()
        .routes(routes!(list_employers, create_employer))
        .merge(OpenApiRouter::new().routes(routes!(register_employer)).layer(Extension(limiter)))
        .routes(routes!(scam_reports_inbox))
        .routes(routes!(get_employer))
        .routes(routes!(verify_employer))
        .routes(routes!(list_corrections, post_correction))
        .routes(routes!(decide_correction))
        .routes(routes!(employer_scam_reports))
        .routes(routes!(lift_scam_report))
}
