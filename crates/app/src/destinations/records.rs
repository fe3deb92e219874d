//! A graduate's destination record: reading it with its history, evidence and disputes,
//! registering it (the graduate, or staff on their behalf), the college's and the university's
//! review, and the graduate's confirmation. The steps and rules live in
//! `jiuye_domain::destination`.

use chrono::{NaiveDate, Utc};
use jiuye_domain::RefData;
use jiuye_domain::access::{self, Action, Actor, ScopedGrant};
use jiuye_domain::destination::{self, DestStatus, Registration, Step, Violation, check_registration, next_status};
use jiuye_domain::read_log::ReadKind;
use jiuye_security::seal::KeyRing;
use jiuye_store::Repository;
use jiuye_store::destinations::{DestinationRecord, DisputeRecord, EvidenceRecord, GraduateView, VersionRecord};
use uuid::Uuid;

use super::{allowed, visible_graduate};
use crate::read_log::Reads;
use crate::{Error, ErrorCode, ErrorKind};

/// A graduate with their destination record, its versions, evidence and disputes, and the date
/// until which the record may be corrected.
#[derive(Clone, Debug)]
pub struct Record {
    pub graduate: GraduateView,
    pub destination: Option<DestinationRecord>,
    pub versions: Vec<VersionRecord>,
    pub evidence: Vec<EvidenceRecord>,
    pub disputes: Vec<DisputeRecord>,
    pub closes_on: NaiveDate,
}

/// What a registration did: the record as saved, or every rule it broke (nothing saved).
#[derive(Clone, Debug)]
pub enum Registered {
    Saved(Box<Record>),
    Refused(Vec<Violation>),
}

/// How a reviewer decides, as typed: `level` is `college` or `university`, `decision` is
/// `approve` or `return`, and a return needs its reason.
#[derive(Clone, Copy, Debug)]
pub struct ReviewInput<'a> {
    pub level: &'a str,
    pub decision: &'a str,
    pub reason: Option<&'a str>,
}

fn conflict(code: ErrorCode, message: impl Into<String>) -> Error {
    Error::new(ErrorKind::Conflict, code, message)
}

/// The last day the graduate's record may change: the one their university set for the cohort,
/// else 31 August of the cohort year.
pub async fn closes_on(store: &dyn Repository, g: &GraduateView) -> Result<NaiveDate, Error> {
    let set = store.cohort_closing(g.graduate.org_id, g.graduate.cohort).await?;
    Ok(destination::closes_on(g.graduate.cohort, set.as_deref()))
}

/// Everything about a graduate already seen through [`visible_graduate`], the disputes opened
/// with `keys` (`409 storage_corrupt` when one does not open for its row).
pub async fn record_of(store: &dyn Repository, keys: &KeyRing, g: GraduateView) -> Result<Record, Error> {
    let id = g.graduate.id;
    let destination = store.destination(id).await?;
    let versions = store.destination_versions(id).await?;
    let evidence = store.evidence_of(id).await?;
    let disputes =
        store.disputes_of(id).await?.into_iter().map(|d| super::disputes::opened(keys, d)).collect::<Result<_, _>>()?;
    let closes_on = closes_on(store, &g).await?;
    Ok(Record { graduate: g, destination, versions, evidence, disputes, closes_on })
}

/// A graduate's record as `actor` may see it (the read is logged); `404 graduate_not_found`
/// otherwise.
pub async fn record(
    store: &dyn Repository,
    keys: &KeyRing,
    actor: &Actor,
    id: Uuid,
    reads: Reads<'_>,
) -> Result<Record, Error> {
    let g = visible_graduate(store, actor, id).await?;
    let r = record_of(store, keys, g).await?;
    reads.graduate(actor, ReadKind::Graduate, id, &r.graduate.programme_path, None).await?;
    Ok(r)
}

/// Registers or corrects a graduate's destination, which then waits for review. Refused with
/// every broken rule (minimum wage by the employer's province, the signed statement for 76, no
/// internship as employment, …); `409 cohort_closed` after the cohort closed on `today`,
/// `409 edit_conflict` when the record changed meanwhile.
pub async fn register(
    store: &dyn Repository,
    keys: &KeyRing,
    refdata: &RefData,
    actor: &Actor,
    today: NaiveDate,
    id: Uuid,
    reg: Registration,
) -> Result<Registered, Error> {
    let g = visible_graduate(store, actor, id).await?;
    let grant = allowed(actor, Action::RegisterDestination, &g)?;
    if !destination::open_for_changes(closes_on(store, &g).await?, today) {
        return Err(conflict(ErrorCode::CohortClosed, "本届毕业去向登记已截止，不能再修改"));
    }
    let mut reg = reg;
    reg.code = reg.code.trim().to_owned();
    let region = reg.employer_region.clone().unwrap_or_default();
    let province = destination::province_of(&region).unwrap_or_default();
    let wage = if province.is_empty() { None } else { store.min_wage(&province).await? };
    let violations = check_registration(&reg, refdata, |p| if p == province { wage } else { None });
    if !violations.is_empty() {
        return Ok(Registered::Refused(violations));
    }
    let current = store.destination(id).await?;
    let status = next_status(current.as_ref().map(|d| d.status).unwrap_or(DestStatus::None), Step::Register, &reg.code)
        .map_err(|m| conflict(ErrorCode::InvalidStep, m))?;
    let by_graduate = access::acts_on_own_record(grant, Action::RegisterDestination);
    let record = DestinationRecord {
        graduate_id: id,
        org_id: g.graduate.org_id,
        status,
        registration: reg,
        return_reason: None,
        college_reviewer: None,
        university_reviewer: None,
        registered_by: Some(actor.user_id),
        source: if by_graduate { "graduate".into() } else { "staff".into() },
        version: 0,
        created_at: Utc::now(),
        updated_at: Utc::now(),
        confirmed_at: None,
    };
    let saved = store
        .save_destination(
            &record,
            current.as_ref().map(|d| d.version),
            "register",
            Some((actor.user_id, actor.username.clone())),
        )
        .await?;
    if !saved {
        return Err(conflict(ErrorCode::EditConflict, "记录刚被他人修改，请刷新后重试"));
    }
    Ok(Registered::Saved(Box::new(record_of(store, keys, g).await?)))
}

/// The college's or the university's review: approve, or return with a reason (自由职业 76
/// needs the college and then the university). Answers the record and the grant it was
/// reviewed under; `403 separation_of_duties` for one's own registration or a second approval
/// by the same reviewer.
pub async fn review(
    store: &dyn Repository,
    keys: &KeyRing,
    actor: &Actor,
    id: Uuid,
    input: ReviewInput<'_>,
) -> Result<(Record, ScopedGrant), Error> {
    let g = visible_graduate(store, actor, id).await?;
    let (action, step_approve) = match input.level {
        "college" => (Action::ReviewCollege, Step::CollegeApprove),
        "university" => (Action::ReviewUniversity, Step::UniversityApprove),
        _ => return Err(Error::bad_input(ErrorCode::InvalidLevel, "level 应为 college 或 university")),
    };
    let grant = allowed(actor, action, &g)?.clone();
    let mut d =
        store.destination(id).await?.ok_or_else(|| conflict(ErrorCode::InvalidStep, "该毕业生还没有登记毕业去向"))?;
    let expected = d.version;
    let step = match input.decision {
        "approve" => step_approve,
        "return" => Step::Return,
        _ => return Err(Error::bad_input(ErrorCode::InvalidDecision, "decision 应为 approve 或 return")),
    };
    if let Some(why) = destination::review_conflict(actor.user_id, d.registered_by, d.college_reviewer, step) {
        return Err(Error::new(ErrorKind::Forbidden, ErrorCode::SeparationOfDuties, why));
    }
    if step == Step::Return {
        let reason = input
            .reason
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .ok_or_else(|| Error::bad_input(ErrorCode::ReasonRequired, "退回时必须说明原因"))?;
        jiuye_domain::text::check_len("退回原因", reason, jiuye_domain::text::REASON)?;
        d.return_reason = Some(reason.to_owned());
    }
    d.status = next_status(d.status, step, &d.registration.code).map_err(|m| conflict(ErrorCode::InvalidStep, m))?;
    match step {
        Step::CollegeApprove => d.college_reviewer = Some(actor.user_id),
        Step::UniversityApprove => d.university_reviewer = Some(actor.user_id),
        _ => {}
    }
    if !store
        .save_destination(
            &d,
            Some(expected),
            if step == Step::Return { "return" } else { "approve" },
            Some((actor.user_id, actor.username.clone())),
        )
        .await?
    {
        return Err(conflict(ErrorCode::EditConflict, "记录刚被他人修改，请刷新后重试"));
    }
    Ok((record_of(store, keys, g).await?, grant))
}

/// The graduate confirms their approved record (only the graduate can).
pub async fn confirm(store: &dyn Repository, keys: &KeyRing, actor: &Actor, id: Uuid) -> Result<Record, Error> {
    let g = visible_graduate(store, actor, id).await?;
    allowed(actor, Action::ConfirmOwnRecord, &g)?;
    let mut d = store.destination(id).await?.ok_or_else(|| conflict(ErrorCode::InvalidStep, "还没有可确认的登记"))?;
    let expected = d.version;
    d.status =
        next_status(d.status, Step::Confirm, &d.registration.code).map_err(|m| conflict(ErrorCode::InvalidStep, m))?;
    d.confirmed_at = Some(Utc::now());
    if !store.save_destination(&d, Some(expected), "confirm", Some((actor.user_id, actor.username.clone()))).await? {
        return Err(conflict(ErrorCode::EditConflict, "记录刚被修改，请刷新后重试"));
    }
    record_of(store, keys, g).await
}
