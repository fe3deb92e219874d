//! Employer corrections and scam reports: staff outside an employer's registering scope propose
//! corrections that the registering scope accepts or rejects; scams confirmed for one scope are
//! reported to the registering scope, and the staff of the confirming scope can lift a hide.

use jiuye_domain::RefData;
use jiuye_domain::access::{self, Action, Actor, Resource};
use jiuye_store::Repository;
use jiuye_store::employers::{CorrectionRow, Decided, EmployerFacts, PendingCorrection, ScamReportRow};
use uuid::Uuid;

use super::{Changes, Done, propose, readable, refused, registering_grant, ties, version_conflict};
use crate::access::authorize;
use crate::{Error, ErrorCode, ErrorKind};

/// A proposed correction with the credit code of its employer.
#[derive(Clone, Debug)]
pub struct Correction {
    pub employer_credit_code: String,
    pub row: CorrectionRow,
}

fn correction_missing() -> Error {
    Error::not_found(ErrorCode::CorrectionNotFound, "没有这条更正")
}

fn clean_note(note: Option<&str>) -> Result<Option<String>, Error> {
    let note = note.map(str::trim).filter(|n| !n.is_empty());
    jiuye_domain::text::check_opt("说明", note, jiuye_domain::text::NOTE)?;
    Ok(note.map(str::to_owned))
}

/// The corrections proposed for an employer (credit code as typed), newest first: all of them
/// for the staff of its registering scope, one's own for anyone else who reads the directory.
pub async fn corrections(store: &dyn Repository, actor: &Actor, code: &str) -> Result<Vec<Correction>, Error> {
    let (e, facts) = readable(store, actor, code).await?;
    let registrar = access::registering_staff(actor, &ties(&facts)).is_some();
    Ok(store
        .corrections_of(e.id)
        .await?
        .into_iter()
        .filter(|r| registrar || r.correction.proposed_by == actor.user_id)
        .map(|row| Correction { employer_credit_code: e.credit_code.clone(), row })
        .collect())
}

/// The corrections waiting for the actor's decision: those proposed about employers registered
/// within the scopes where the actor registers employers (the registering staff decide them),
/// oldest first, with the total; `403` for anyone who registers employers nowhere.
pub async fn corrections_to_decide(
    store: &dyn Repository,
    actor: &Actor,
    limit: i64,
    offset: i64,
) -> Result<(Vec<PendingCorrection>, i64), Error> {
    let paths = access::scope_paths(actor, Action::RegisterEmployer);
    if paths.is_empty() {
        return Err(Error::forbidden());
    }
    Ok(store.proposed_corrections_under(&paths, limit, offset).await?)
}

/// Proposes a correction of an employer record for its registering scope to decide (staff who
/// work with the directory; `403` otherwise). Blank values are not proposed; the proposed
/// values are checked as an entry would be, and a proposal that changes nothing is
/// `422 no_change`. The path done is the employer's registering organisation.
pub async fn propose_correction(
    store: &dyn Repository,
    rd: &RefData,
    actor: &Actor,
    code: &str,
    proposed: &Changes,
    note: Option<&str>,
) -> Result<Done<Correction>, Error> {
    let (e, facts) = readable(store, actor, code).await?;
    let grant = registering_grant(actor)?;
    let clean = |s: &Option<String>| {
        s.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(|s| s.chars().take(100).collect::<String>())
    };
    let wanted = Changes {
        name: clean(&proposed.name),
        employer_type: clean(&proposed.employer_type),
        industry_code: clean(&proposed.industry_code).map(|s| s.to_ascii_uppercase()),
        region_code: clean(&proposed.region_code),
        employees: proposed.employees,
        revenue_wan: proposed.revenue_wan,
        contact_name: clean(&proposed.contact_name),
        contact_phone: clean(&proposed.contact_phone),
        contact_email: clean(&proposed.contact_email),
    };
    // Checked as the record would be with the proposal applied.
    let merged = wanted.applied(rd, &e)?;
    let changes = Changes::between(&e, &merged, wanted.employer_type.is_some());
    let changes = Changes {
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
        return Err(refused(ErrorCode::NoChange, "所提更正与库中记录相同"));
    }
    let id = propose(store, actor, &grant, &e, &changes, clean_note(note)?).await?;
    let row = store.correction(id).await?.ok_or_else(correction_missing)?;
    Ok(Done { value: Correction { employer_credit_code: e.credit_code, row }, grant, path: facts.registered_path })
}

/// Accepts or rejects a proposed correction (staff of the employer's registering scope; `403`
/// otherwise). Accepting applies the proposed values, checked again, and the employer's version
/// goes up; rejecting needs a note (`422 note_required`). `409 correction_decided` when decided
/// already, `409 version_conflict` when the employer changed meanwhile. The path done is the
/// employer's registering organisation.
pub async fn decide_correction(
    store: &dyn Repository,
    rd: &RefData,
    actor: &Actor,
    code: &str,
    id: Uuid,
    accept: bool,
    note: Option<&str>,
) -> Result<Done<Correction>, Error> {
    let (e, facts) = readable(store, actor, code).await?;
    let grant = access::registering_staff(actor, &ties(&facts)).ok_or_else(Error::forbidden)?.clone();
    let row = store.correction(id).await?.filter(|r| r.correction.employer_id == e.id);
    let row = row.ok_or_else(correction_missing)?;
    let note = clean_note(note)?;
    let decided = if accept {
        let merged = Changes::of_correction(&row.correction).applied(rd, &e)?;
        store.accept_correction(id, actor.user_id, note.as_deref(), &merged).await?
    } else {
        if note.is_none() {
            return Err(refused(ErrorCode::NoteRequired, "驳回更正须写明理由"));
        }
        store.reject_correction(id, actor.user_id, note.as_deref()).await?
    };
    match decided {
        Decided::Done => {}
        Decided::AlreadyDecided => {
            return Err(Error::new(ErrorKind::Conflict, ErrorCode::CorrectionDecided, "这条更正已处理"));
        }
        Decided::EmployerChanged => return Err(version_conflict()),
    }
    let row = store.correction(id).await?.ok_or_else(correction_missing)?;
    Ok(Done { value: Correction { employer_credit_code: e.credit_code, row }, grant, path: facts.registered_path })
}

/// Whether `actor` sees a scam report: the staff of the employer's registering scope, and the
/// staff of the scope that confirmed it (or above).
fn sees_report(actor: &Actor, facts: &EmployerFacts, r: &ScamReportRow) -> bool {
    access::registering_staff(actor, &ties(facts)).is_some()
        || access::can(actor, Action::ApprovePosting, &Resource::at(&r.org_path)).is_some()
}

/// The scams confirmed about an employer (credit code as typed), newest first, lifted ones
/// included: for the staff of its registering scope (the report upward) and of the scopes that
/// confirmed them.
pub async fn scam_reports(store: &dyn Repository, actor: &Actor, code: &str) -> Result<Vec<ScamReportRow>, Error> {
    let (e, facts) = readable(store, actor, code).await?;
    Ok(store.scam_reports_of(e.id).await?.into_iter().filter(|r| sees_report(actor, &facts, r)).collect())
}

/// Scams other scopes confirmed about employers registered within the actor's scope and hid
/// within their own, still waiting for this scope's decision (not lifted, the employer not
/// blacklisted), newest first, with the total: the reports upward, for the staff who may
/// blacklist (`403` for anyone else).
pub async fn scam_inbox(
    store: &dyn Repository,
    actor: &Actor,
    limit: i64,
    offset: i64,
) -> Result<(Vec<ScamReportRow>, i64), Error> {
    let paths = access::scope_paths(actor, Action::VerifyEmployer);
    if paths.is_empty() {
        return Err(Error::forbidden());
    }
    Ok(store.unresolved_scam_reports_under(&paths, limit, offset).await?)
}

/// Lifts a scope's hide of an employer (staff who review postings in that scope, or above;
/// `403` otherwise) with a reason of 2–500 characters. A blacklisting is lifted through the
/// employer's verification instead (`422 lift_via_verification`). `404 scam_report_not_found`
/// also for reports the actor does not see, `409 already_lifted`. The path done is the hiding
/// scope's.
pub async fn lift_hide(
    store: &dyn Repository,
    actor: &Actor,
    code: &str,
    id: Uuid,
    reason: &str,
) -> Result<Done<ScamReportRow>, Error> {
    let (e, facts) = readable(store, actor, code).await?;
    let missing = || Error::not_found(ErrorCode::ScamReportNotFound, "没有这条诈骗确认记录");
    let r = store.scam_report(id).await?.filter(|r| r.report.employer_id == e.id).ok_or_else(missing)?;
    if !sees_report(actor, &facts, &r) {
        return Err(missing());
    }
    let grant = authorize(actor, Action::ApprovePosting, &Resource::at(&r.org_path))?.clone();
    if r.report.blacklisted {
        return Err(refused(ErrorCode::LiftViaVerification, "黑名单须由登记机构通过单位审核状态解除"));
    }
    let reason = reason.trim();
    jiuye_domain::text::check_len("理由", reason, jiuye_domain::text::REASON)?;
    if reason.chars().count() < 2 {
        return Err(refused(ErrorCode::ReasonRequired, "请用 2–500 个字说明解除屏蔽的理由"));
    }
    if !store.lift_scam_report(id, actor.user_id, reason).await? {
        return Err(Error::new(ErrorKind::Conflict, ErrorCode::AlreadyLifted, "该屏蔽已解除"));
    }
    let r = store.scam_report(id).await?.ok_or_else(missing)?;
    let path = r.org_path.clone();
    Ok(Done { value: r, grant, path })
}
