//! The shared employer directory over JSON: staff add employers; an existing employer is
//! changed only by its own account or by the staff of the scope that registered it, and other
//! staff propose corrections for that scope to decide. Employers register themselves (limited
//! per client address) and wait for verification; the registering scope verifies, blacklists
//! or lifts a blacklisting with a reason, and sees the scams other scopes confirmed and hid
//! within their own scope. Contact persons are shown only as `access::sees_employer_contact`
//! decides; this module never compares roles itself.

pub mod registration;
pub mod reviews;
pub mod verification;

use crate::api::employers::registration::__path_register_employer;
use crate::api::employers::registration::RegistrationLimiter;
use crate::api::employers::registration::register_employer;
use crate::api::employers::reviews::__path_decide_correction;
use crate::api::employers::reviews::__path_employer_scam_reports;
use crate::api::employers::reviews::__path_lift_scam_report;
use crate::api::employers::reviews::__path_list_corrections;
use crate::api::employers::reviews::__path_post_correction;
use crate::api::employers::reviews::__path_scam_reports_inbox;
use crate::api::employers::reviews::decide_correction;
use crate::api::employers::reviews::employer_scam_reports;
use crate::api::employers::reviews::lift_scam_report;
use crate::api::employers::reviews::list_corrections;
use crate::api::employers::reviews::post_correction;
use crate::api::employers::reviews::scam_reports_inbox;
use crate::api::employers::verification::__path_verify_employer;
use crate::api::employers::verification::verify_employer;
use crate::error::ErrorCode;
use crate::error::unprocessable;
use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use chrono::Utc;
use jiuye_domain::access::{self, Action, EmployerTies, Role, ScopedGrant};
use jiuye_domain::employer::{Thresholds, Verification, category_of, size_class, thresholds};
use jiuye_domain::{Catalogue, CreditCode};
use jiuye_store::employers::{CorrectionRecord, EmployerFacts, EmployerRecord};

use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::AppState;
use crate::auth::{AuditEvent, Caller, Signed, audited, forbidden};
use crate::error::{AppError, ErrorBody};
use crate::extract::query::ApiQuery;

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
            verification: e.verification.id().to_owned(),
            blacklist_reason: e.blacklist_reason,
            version: e.version,
            scam_reports_in_force: None,
        }
    }
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
pub(crate) fn validate(
    state: &AppState,
    input: &EmployerInput,
    org_id: Uuid,
    node: Uuid,
) -> Result<EmployerRecord, AppError> {
    let code = CreditCode::parse(&input.credit_code).map_err(|e| {
        unprocessable(
            ErrorCode::InvalidCreditCode,
            format!("统一社会信用代码“{}”无效：{}", input.credit_code.trim(), e.reason),
        )
    })?;
    let name = input.name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(unprocessable(ErrorCode::InvalidName, "单位名称不能为空，且不超过 100 个字符"));
    }
    let employer_type = input.employer_type.clone().unwrap_or_else(|| "39".into());
    if state.refdata.entry(Catalogue::EmployerTypes, &employer_type).is_none() {
        return Err(unprocessable(ErrorCode::InvalidEmployerType, format!("单位性质代码 {employer_type} 无效")));
    }
    let industry = input.industry_code.trim().to_ascii_uppercase();
    let section = section_of(state, &industry).ok_or_else(|| {
        unprocessable(ErrorCode::InvalidIndustry, format!("行业代码 {industry} 不在 GB/T 4754-2017 中"))
    })?;
    let region = input.region_code.trim();
    if state.refdata.region(region).is_none() {
        return Err(unprocessable(ErrorCode::InvalidRegion, format!("所在地代码 {region} 不在现行行政区划代码中")));
    }
    for (v, what) in [(input.employees, "从业人员"), (input.revenue_wan, "营业收入")] {
        if v.is_some_and(|x| !(0..=100_000_000).contains(&x)) {
            return Err(unprocessable(ErrorCode::InvalidSize, format!("{what}数字不合理")));
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
        verification: Verification::Unverified,
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
        .ok_or_else(|| AppError::not_found(ErrorCode::EmployerNotFound, "没有这个统一社会信用代码的用人单位"))
}

pub(crate) fn ties(f: &EmployerFacts) -> EmployerTies<'_> {
    EmployerTies { employer_id: f.employer_id, registered_at: &f.registered_path, universities: &f.universities }
}

/// An employer as `caller` may see it: the contact person only where the rule allows.
pub(crate) fn shown(caller: &Caller, e: EmployerRecord, facts: &EmployerFacts) -> EmployerDto {
    let contact = access::sees_employer_contact(&caller.actor, &ties(facts));
    let mut d = EmployerDto::from(e);
    if !contact {
        d.contact_name = None;
        d.contact_phone = None;
        d.contact_email = None;
    }
    d
}

pub(crate) fn employer_missing() -> AppError {
    AppError::not_found(ErrorCode::EmployerNotFound, "没有这个统一社会信用代码的用人单位")
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
    pub(crate) fn between(stored: &EmployerRecord, entry: &EmployerRecord, type_given: bool) -> EmployerChanges {
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

    pub(crate) fn is_empty(&self) -> bool {
        *self == EmployerChanges::default()
    }

    pub(crate) fn of_correction(c: &CorrectionRecord) -> EmployerChanges {
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
    pub(crate) fn applied(&self, state: &AppState, stored: &EmployerRecord) -> Result<EmployerRecord, AppError> {
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
            verification: stored.verification,
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

pub(crate) fn version_conflict() -> AppError {
    AppError::new(StatusCode::CONFLICT, ErrorCode::VersionConflict, "单位信息刚被他人修改，请刷新后重试")
}

/// The grant a staff member registers employers and proposes corrections under (their
/// broadest), or 403.
pub(crate) fn registering_grant(caller: &Caller) -> Result<ScopedGrant, AppError> {
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
pub(crate) async fn propose(
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
pub(crate) async fn readable(
    state: &AppState,
    caller: &Caller,
    code: &str,
) -> Result<(EmployerRecord, EmployerFacts), AppError> {
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
