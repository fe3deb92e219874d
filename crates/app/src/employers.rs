//! Employers (用人单位): the shared directory. Staff add employers; an existing employer is
//! changed only by its own account or by the staff of the scope that registered it, and other
//! staff propose corrections for that scope to decide. Employers register themselves and wait
//! for verification; the registering scope verifies, blacklists or lifts a blacklisting with a
//! reason, and sees the scams other scopes confirmed and hid within their own scope. Contact
//! persons are shown only as `access::sees_employer_contact` decides; this module never
//! compares roles itself.

pub mod registration;
pub mod reviews;
pub mod verification;

use std::collections::HashMap;

use chrono::Utc;
use jiuye_domain::RefData;
use jiuye_domain::access::{self, Action, Actor, EmployerTies, Role, ScopedGrant};
use jiuye_domain::employer::{EntryFields, Verification, check_entry};
use jiuye_store::Repository;
use jiuye_store::employers::{CorrectionRecord, EmployerFacts, EmployerRecord};
use uuid::Uuid;

use crate::{Error, ErrorCode, ErrorKind};

pub use registration::{Registered, Registration, register};
pub use reviews::{
    Correction, corrections, decide_correction, lift_hide, propose_correction, scam_inbox, scam_reports,
};
pub use verification::{ScamOutcome, Verified, confirm_scam, verify};

/// An employer as entered by a person.
#[derive(Clone, Debug, Default)]
pub struct EmployerFields {
    /// 统一社会信用代码 (18 characters; lower case is accepted).
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

/// What a change did, with what its audit entry names: the grant it was made under and the
/// path of the organisation it concerns.
#[derive(Clone, Debug)]
pub struct Done<T> {
    pub value: T,
    pub grant: ScopedGrant,
    pub path: String,
}

/// `422` with a stable code: well-formed input the rules refuse.
fn refused(code: ErrorCode, message: impl Into<String>) -> Error {
    Error::new(ErrorKind::Unprocessable, code, message)
}

/// `404 employer_not_found`.
pub fn employer_missing() -> Error {
    Error::not_found(ErrorCode::EmployerNotFound, "没有这个统一社会信用代码的用人单位")
}

/// `409 version_conflict`: the employer changed meanwhile.
pub fn version_conflict() -> Error {
    Error::new(ErrorKind::Conflict, ErrorCode::VersionConflict, "单位信息刚被他人修改，请刷新后重试")
}

/// Checks an employer (`jiuye_domain::employer::check_entry`) and makes the new record,
/// registered under `org_id`, unverified, at version 1. `422` with a stable code for each
/// problem.
pub fn check(rd: &RefData, input: &EmployerFields, org_id: Uuid, node: Uuid) -> Result<EmployerRecord, Error> {
    let entry = check_entry(
        rd,
        &EntryFields {
            credit_code: &input.credit_code,
            name: &input.name,
            employer_type: input.employer_type.as_deref(),
            industry_code: &input.industry_code,
            region_code: &input.region_code,
            employees: input.employees,
            revenue_wan: input.revenue_wan,
        },
    )
    .map_err(|p| refused(p.code, p.message))?;
    let clean = |s: &Option<String>| {
        s.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(|s| s.chars().take(100).collect())
    };
    Ok(EmployerRecord {
        id: Uuid::now_v7(),
        org_id,
        credit_code: entry.credit_code,
        name: entry.name,
        employer_type: entry.employer_type,
        industry_code: entry.industry_code,
        region_code: entry.region_code,
        employees: input.employees,
        revenue_wan: input.revenue_wan,
        size_class: entry.size_class,
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
async fn facts_of(store: &dyn Repository, e: &EmployerRecord) -> Result<EmployerFacts, Error> {
    store.employer_facts(&[e.id]).await?.into_iter().next().ok_or_else(employer_missing)
}

fn ties(f: &EmployerFacts) -> EmployerTies<'_> {
    EmployerTies { employer_id: f.employer_id, registered_at: &f.registered_path, universities: &f.universities }
}

/// An employer as `actor` may see it: the contact person only where the rule allows.
fn shown(actor: &Actor, mut e: EmployerRecord, facts: &EmployerFacts) -> EmployerRecord {
    if !access::sees_employer_contact(actor, &ties(facts)) {
        e.contact_name = None;
        e.contact_phone = None;
        e.contact_email = None;
    }
    e
}

/// The fields of an entry that differ from the stored record; `None` is "not proposed".
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Changes {
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

impl Changes {
    /// What `entry` (checked by [`check`]) would change in `stored`. The type counts only when
    /// the entry gave one; figures and contacts only when given.
    pub fn between(stored: &EmployerRecord, entry: &EmployerRecord, type_given: bool) -> Changes {
        fn differs<T: PartialEq + Clone>(given: Option<&T>, stored: Option<&T>) -> Option<T> {
            given.filter(|g| Some(*g) != stored).cloned()
        }
        Changes {
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

    pub fn is_empty(&self) -> bool {
        *self == Changes::default()
    }

    /// The values a correction proposes.
    pub fn of_correction(c: &CorrectionRecord) -> Changes {
        Changes {
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
    pub fn applied(&self, rd: &RefData, stored: &EmployerRecord) -> Result<EmployerRecord, Error> {
        let pick = |change: &Option<String>, old: &Option<String>| change.clone().or_else(|| old.clone());
        let input = EmployerFields {
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
        let checked = check(rd, &input, stored.org_id, stored.origin_node)?;
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

/// What an entry to the directory did. `registered_at` is the path of the organisation that
/// registered the employer.
#[derive(Clone, Debug)]
pub enum Entered {
    /// A new employer, registered under the grant's organisation.
    Added { employer: EmployerRecord, grant: ScopedGrant },
    /// The employer's own account or its registering scope changed it.
    Changed { employer: EmployerRecord, grant: ScopedGrant, registered_at: String },
    /// Nothing differed from the stored record.
    Unchanged { employer: EmployerRecord, registered_at: String },
    /// Staff outside the registering scope: a correction for that scope to decide.
    Proposed { correction: Uuid, grant: ScopedGrant, registered_at: String },
}

/// The grant a staff member registers employers and proposes corrections under (their
/// broadest), or `403 forbidden`.
fn registering_grant(actor: &Actor) -> Result<ScopedGrant, Error> {
    access::scope_paths(actor, Action::RegisterEmployer)
        .first()
        .and_then(|p| actor.grants.iter().find(|g| &g.org_path == p))
        .cloned()
        .ok_or_else(Error::forbidden)
}

/// Adds an employer to the shared directory, or enters what one knows of an employer already
/// there. An existing employer is changed only by its own account or by staff whose scope holds
/// the organisation that registered it; an entry from other staff that differs from the stored
/// record becomes a correction for the registering scope to decide, and an identical entry
/// changes nothing. `403` for anyone else, `404` for an employer's account entering another
/// employer, `409 version_conflict` when the record keeps changing meanwhile.
pub async fn enter(
    store: &dyn Repository,
    rd: &RefData,
    actor: &Actor,
    input: &EmployerFields,
) -> Result<Entered, Error> {
    let staff = registering_grant(actor).ok();
    let own_account = access::holds(actor, Role::Employer);
    if staff.is_none() && !own_account {
        return Err(Error::forbidden());
    }
    let node = store.node().await?.node_id;
    let entry = check(rd, input, staff.as_ref().map(|g| g.org_id).unwrap_or_default(), node)?;
    for _ in 0..3 {
        let Some(stored) = store.employer(&entry.credit_code).await? else {
            // Only staff add employers; an employer's account changes its own record only.
            let grant = staff.clone().ok_or_else(Error::forbidden)?;
            if store.insert_employer(&entry).await? {
                let stored = store.employer(&entry.credit_code).await?.ok_or_else(employer_missing)?;
                let facts = facts_of(store, &stored).await?;
                return Ok(Entered::Added { employer: shown(actor, stored, &facts), grant });
            }
            // Someone added the same code meanwhile: treat the entry as one for that record.
            continue;
        };
        let facts = facts_of(store, &stored).await?;
        let registered_at = facts.registered_path.clone();
        let changes = Changes::between(&stored, &entry, input.employer_type.is_some());
        if let Some(grant) = access::can_change_employer(actor, &ties(&facts)).cloned() {
            if changes.is_empty() {
                return Ok(Entered::Unchanged { employer: shown(actor, stored, &facts), registered_at });
            }
            let merged = changes.applied(rd, &stored)?;
            if !store.update_employer(&merged).await? {
                continue;
            }
            let stored = store.employer_by_id(stored.id).await?.ok_or_else(employer_missing)?;
            return Ok(Entered::Changed { employer: shown(actor, stored, &facts), grant, registered_at });
        }
        // Staff elsewhere may read the directory, but not change what another scope registered.
        let grant = staff.clone().ok_or_else(employer_missing)?;
        if changes.is_empty() {
            return Ok(Entered::Unchanged { employer: shown(actor, stored, &facts), registered_at });
        }
        let correction = propose(store, actor, &grant, &stored, &changes, None).await?;
        return Ok(Entered::Proposed { correction, grant, registered_at });
    }
    Err(version_conflict())
}

/// Records a correction proposed by `grant`'s holder.
async fn propose(
    store: &dyn Repository,
    actor: &Actor,
    grant: &ScopedGrant,
    stored: &EmployerRecord,
    changes: &Changes,
    note: Option<String>,
) -> Result<Uuid, Error> {
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
        proposed_by: actor.user_id,
        proposer_org_id: grant.org_id,
        created_at: Utc::now(),
        status: "proposed".into(),
        decided_by: None,
        decision_note: None,
        decided_at: None,
        origin_node: store.node().await?.node_id,
    };
    store.add_correction(&c).await?;
    Ok(c.id)
}

/// Whether `actor` may read the employer at all: staff who work with the directory, or the
/// employer's own account.
fn may_read(actor: &Actor, facts: &EmployerFacts) -> bool {
    !access::scope_paths(actor, Action::RegisterEmployer).is_empty()
        || access::can_change_employer(actor, &ties(facts)).is_some()
}

/// An employer `actor` may read (by credit code as typed), with its facts, or `404`.
async fn readable(store: &dyn Repository, actor: &Actor, code: &str) -> Result<(EmployerRecord, EmployerFacts), Error> {
    let code = code.trim().to_ascii_uppercase();
    let e = store.employer(&code).await?.ok_or_else(employer_missing)?;
    let facts = facts_of(store, &e).await?;
    if !may_read(actor, &facts) {
        return Err(employer_missing());
    }
    Ok((e, facts))
}

/// One employer as its reader sees it.
#[derive(Clone, Debug)]
pub struct Found {
    /// Without the contact person unless the reader may see it.
    pub employer: EmployerRecord,
    /// For the staff of its registering scope: how many scopes hide it after confirming a scam,
    /// not lifted.
    pub scam_reports_in_force: Option<i64>,
}

/// One employer by credit code (staff, or the employer itself; `404` for anyone else). The
/// contact person is kept only for the employer, the staff of its registering scope and the
/// staff of a university where it has a posting, a visit or a base.
pub async fn get(store: &dyn Repository, actor: &Actor, code: &str) -> Result<Found, Error> {
    let (e, facts) = readable(store, actor, code).await?;
    let registrar = access::registering_staff(actor, &ties(&facts)).is_some();
    let id = e.id;
    let employer = shown(actor, e, &facts);
    let mut scam_reports_in_force = None;
    if registrar {
        let reports = store.scam_reports_of(id).await?;
        let hiding = reports.iter().filter(|r| r.report.lifted_at.is_none() && !r.report.blacklisted).count();
        scam_reports_in_force = Some(hiding as i64);
    }
    Ok(Found { employer, scam_reports_in_force })
}

/// A page of the employer directory by name (staff who work with it; `403` for anyone else),
/// whose name contains `q` or whose credit code is `q`, in a verification state, with the total.
/// Contact persons follow the same rule as for one employer.
pub async fn list(
    store: &dyn Repository,
    actor: &Actor,
    q: Option<&str>,
    verification: Option<&str>,
    limit: i64,
    offset: i64,
) -> Result<(Vec<EmployerRecord>, i64), Error> {
    if access::scope_paths(actor, Action::RegisterEmployer).is_empty() {
        return Err(Error::forbidden());
    }
    let (items, total) = store.list_employers(q, verification, limit, offset).await?;
    let ids: Vec<Uuid> = items.iter().map(|e| e.id).collect();
    let facts: HashMap<Uuid, EmployerFacts> =
        store.employer_facts(&ids).await?.into_iter().map(|f| (f.employer_id, f)).collect();
    let items = items
        .into_iter()
        .filter_map(|e| {
            let f = facts.get(&e.id)?;
            Some(shown(actor, e, f))
        })
        .collect();
    Ok((items, total))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields() -> EmployerFields {
        EmployerFields {
            credit_code: "91110000802100433b".into(),
            name: " 北京某某股份有限公司 ".into(),
            industry_code: "c".into(),
            region_code: "110105".into(),
            employees: Some(2000),
            revenue_wan: Some(90_000),
            contact_name: Some("  ".into()),
            ..EmployerFields::default()
        }
    }

    #[test]
    fn an_entry_is_checked_and_classified() {
        let rd = RefData::load().expect("shipped reference data");
        let e = check(&rd, &fields(), Uuid::nil(), Uuid::nil()).unwrap();
        assert_eq!(
            (e.credit_code.as_str(), e.name.as_str(), e.employer_type.as_str(), e.industry_code.as_str()),
            ("91110000802100433B", "北京某某股份有限公司", "39", "C")
        );
        assert_eq!((e.size_class.as_deref(), e.contact_name, e.version), (Some("large"), None, 1));
        let bad = |f: EmployerFields| check(&rd, &f, Uuid::nil(), Uuid::nil()).unwrap_err();
        let err = bad(EmployerFields { credit_code: "91110000802100433A".into(), ..fields() });
        assert_eq!((err.kind, err.code), (ErrorKind::Unprocessable, ErrorCode::InvalidCreditCode));
        assert_eq!(bad(EmployerFields { region_code: "999999".into(), ..fields() }).code, ErrorCode::InvalidRegion);
        assert_eq!(bad(EmployerFields { employees: Some(-1), ..fields() }).code, ErrorCode::InvalidSize);
    }

    #[test]
    fn changes_name_only_what_differs_and_apply_to_the_stored_version() {
        let rd = RefData::load().expect("shipped reference data");
        let mut stored = check(&rd, &fields(), Uuid::nil(), Uuid::nil()).unwrap();
        stored.version = 4;
        let entry = check(&rd, &EmployerFields { employees: Some(10), ..fields() }, Uuid::nil(), Uuid::nil()).unwrap();
        let changes = Changes::between(&stored, &entry, false);
        assert_eq!(changes, Changes { employees: Some(10), ..Changes::default() });
        assert!(Changes::between(&stored, &stored, true).is_empty());
        let merged = changes.applied(&rd, &stored).unwrap();
        assert_eq!((merged.id, merged.employees, merged.version), (stored.id, Some(10), 4));
    }
}
