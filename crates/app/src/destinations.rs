//! Destinations (毕业去向) use cases: a graduate's record, its registration, review and
//! confirmation ([`records`]), evidence files ([`evidence`]), disputes and their answers
//! ([`disputes`]), the graduates in scope with their follow-up and a cohort's closing date
//! ([`graduates`]), the integrity findings over a scope's records (the checks live in
//! `jiuye_domain::integrity`) and the minimum wage table by province that registration checks
//! pay against.

pub mod disputes;
pub mod evidence;
pub mod graduates;
pub mod records;

use chrono::NaiveDate;
use jiuye_domain::OrgKind;
use jiuye_domain::access::{Action, Actor, Resource, ScopedGrant};
use jiuye_domain::integrity::{Finding, RecordFacts};
use jiuye_store::Repository;
use jiuye_store::destinations::GraduateView;
use uuid::Uuid;

use crate::access::authorize;
use crate::{Error, ErrorCode};

/// The suspicious patterns among the records of `cohort` under the organisation with code
/// `org`, for those who may view integrity there.
pub async fn findings(store: &dyn Repository, actor: &Actor, org: &str, cohort: i32) -> Result<Vec<Finding>, Error> {
    let o = crate::orgs::by_code(store, org).await?;
    authorize(actor, Action::ViewIntegrity, &Resource::at(&o.path))?;
    let rows = store.integrity_rows(&o.path, cohort).await?;
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
    Ok(jiuye_domain::integrity::findings(&facts))
}

/// Sets a province's monthly minimum wage from a date (those who may edit it there); returns
/// the grant that allowed it.
pub async fn set_min_wage(
    store: &dyn Repository,
    actor: &Actor,
    province: &str,
    yuan: i64,
    effective: &str,
) -> Result<ScopedGrant, Error> {
    let code = crate::orgs::parse_code(province)?;
    let org = store
        .org_by_code(&code)
        .await?
        .filter(|o| o.kind == OrgKind::Province)
        .ok_or_else(|| Error::not_found(ErrorCode::OrgNotFound, "找不到该省份"))?;
    let grant = authorize(actor, Action::EditMinWage, &Resource::at(&org.path))?.clone();
    if !(500..=20_000).contains(&yuan) || NaiveDate::parse_from_str(effective.trim(), "%Y-%m-%d").is_err() {
        return Err(Error::bad_input(
            ErrorCode::InvalidMinWage,
            "月最低工资应在 500–20000 元之间，生效日期形如 2024-01-01",
        ));
    }
    store.set_min_wage(code.as_str(), yuan, effective.trim(), &format!("edited by {}", actor.username)).await?;
    Ok(grant)
}

/// A graduate's record as `actor` may see it (their own, or one inside their scope); anyone
/// else gets `404 graduate_not_found`, so that existence does not leak.
pub async fn visible_graduate(store: &dyn Repository, actor: &Actor, id: Uuid) -> Result<GraduateView, Error> {
    let missing = || Error::not_found(ErrorCode::GraduateNotFound, "找不到该毕业生");
    let g = store.graduate_view(id).await?.ok_or_else(missing)?;
    jiuye_domain::access::can(actor, Action::ViewGraduate, &Resource::owned(&g.programme_path, id))
        .ok_or_else(missing)?;
    Ok(g)
}

/// The grant under which `actor` may do `action` on a graduate's record they can see, or
/// `403 forbidden`.
pub fn allowed<'a>(actor: &'a Actor, action: Action, g: &GraduateView) -> Result<&'a ScopedGrant, Error> {
    authorize(actor, action, &Resource::owned(&g.programme_path, g.graduate.id))
}

#[cfg(test)]
mod tests;
