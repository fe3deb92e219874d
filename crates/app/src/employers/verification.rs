//! Verifying and blacklisting employers, and confirming scams: only the registering scope
//! blacklists or lifts a blacklisting; others confirm a scam for their own scope.

use chrono::Utc;
use jiuye_domain::access::{Action, Actor, Resource, ScopedGrant};
use jiuye_domain::employer::Verification;
use jiuye_store::Repository;
use jiuye_store::employers::{EmployerRecord, ScamReportRecord};
use uuid::Uuid;

use super::{Done, employer_missing, facts_of, shown};
use crate::access::authorize;
use crate::{Error, ErrorCode};

/// An employer after a verification step.
#[derive(Clone, Debug)]
pub struct Verified {
    /// The employer in its new state, as the verifier sees it.
    pub employer: EmployerRecord,
    /// The state asked for.
    pub verification: Verification,
    /// The reason given (trimmed, at most 500 characters).
    pub reason: Option<String>,
    /// The step lifted a blacklisting.
    pub lifted: bool,
}

/// Verifies or blacklists an employer (credit code as typed), or lifts its blacklisting
/// (administrators of the organisation that registered it, or above). `state` is `verified`,
/// `blacklisted` or `unverified`; blacklisting and lifting need a reason. Blacklisting records
/// a scam for the verifier's scope; lifting lifts the reports of the blacklisting. `404`,
/// `403`, `400 invalid_state` or `reason_required`. Blacklisting or lifting re-reads the
/// employer's postings into the search index. The path done is the employer's registering
/// organisation.
pub async fn verify(
    postings: &crate::postings::Postings<'_>,
    actor: &Actor,
    code: &str,
    state: &str,
    reason: Option<&str>,
) -> Result<Done<Verified>, Error> {
    let store = postings.store;
    let code = code.trim().to_ascii_uppercase();
    let e = store.employer(&code).await?.ok_or_else(employer_missing)?;
    let facts = facts_of(store, &e).await?;
    let grant = authorize(actor, Action::VerifyEmployer, &Resource::at(&facts.registered_path))?.clone();
    let v = Verification::from_id(state)
        .ok_or_else(|| Error::bad_input(ErrorCode::InvalidState, "state 应为 verified、blacklisted 或 unverified"))?;
    let reason = reason.map(str::trim).filter(|s| !s.is_empty());
    jiuye_domain::text::check_opt("原因", reason, jiuye_domain::text::REASON)?;
    let reason = reason.map(str::to_owned);
    let was_blacklisted = e.verification == Verification::Blacklisted;
    if v == Verification::Blacklisted && reason.is_none() {
        return Err(Error::bad_input(ErrorCode::ReasonRequired, "列入黑名单必须写明原因"));
    }
    let lifting = was_blacklisted && v != Verification::Blacklisted;
    if lifting && reason.is_none() {
        return Err(Error::bad_input(ErrorCode::ReasonRequired, "解除黑名单必须写明原因"));
    }
    store
        .set_verification(&code, v, actor.user_id, reason.as_deref().filter(|_| v == Verification::Blacklisted))
        .await?;
    if let Some(why) = reason.as_deref() {
        if v == Verification::Blacklisted && !was_blacklisted {
            record_scam(store, actor.user_id, &grant, &e, None, why, true).await?;
        } else if lifting {
            store.lift_blacklisting_reports(e.id, actor.user_id, why).await?;
        }
    }
    if was_blacklisted != (v == Verification::Blacklisted) {
        // Its postings leave search (or come back) at once.
        postings.reindex_employer(e.id).await?;
    }
    let e = store.employer(&code).await?.ok_or_else(employer_missing)?;
    let employer = shown(actor, e, &facts);
    Ok(Done {
        value: Verified { employer, verification: v, reason, lifted: lifting },
        grant,
        path: facts.registered_path,
    })
}

/// Records a scam confirmed (or a blacklisting decided) by the holder of `grant`.
async fn record_scam(
    store: &dyn Repository,
    by: Uuid,
    grant: &ScopedGrant,
    e: &EmployerRecord,
    posting: Option<Uuid>,
    reason: &str,
    blacklisted: bool,
) -> Result<Uuid, Error> {
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
        origin_node: store.node().await?.node_id,
    };
    store.add_scam_report(&r).await?;
    Ok(r.id)
}

/// What a confirmed scam did to its employer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ScamOutcome {
    /// The confirming scope covers the employer's registration: blacklisted everywhere.
    Blacklisted,
    /// Confirmed for the reviewer's scope only: the employer's postings are hidden there, and
    /// the report goes up to the registering scope.
    HiddenIn(String),
}

/// Confirms a scam found in a posting reviewed under `grant`: staff whose scope covers the
/// employer's registration blacklist it; anyone else hides it within their own scope and
/// reports it to the registering scope. Reviewing a posting (`Postings::review`) calls this and
/// keeps the search index current.
pub async fn confirm_scam(
    store: &dyn Repository,
    actor: &Actor,
    grant: &ScopedGrant,
    employer_id: Uuid,
    posting: Uuid,
    reason: &str,
) -> Result<ScamOutcome, Error> {
    let e = store.employer_by_id(employer_id).await?.ok_or_else(employer_missing)?;
    let facts = facts_of(store, &e).await?;
    match jiuye_domain::access::can(actor, Action::VerifyEmployer, &Resource::at(&facts.registered_path)) {
        Some(g) => {
            let g = g.clone();
            store.set_verification(&e.credit_code, Verification::Blacklisted, actor.user_id, Some(reason)).await?;
            record_scam(store, actor.user_id, &g, &e, Some(posting), reason, true).await?;
            Ok(ScamOutcome::Blacklisted)
        }
        None => {
            record_scam(store, actor.user_id, grant, &e, Some(posting), reason, false).await?;
            Ok(ScamOutcome::HiddenIn(grant.org_path.clone()))
        }
    }
}
