//! The 访企拓岗 campaign: the policies loaded on this node (quotas as data), employer visits and
//! their photos, the targets each unit answers for, the internship and practice base registry,
//! and the employer demand survey. Logging, correcting and deleting visits and bases is
//! `Action::LogVisit` on the unit; reading adds those who see the unit's statistics.

pub mod bases;
pub mod photos;
pub mod surveys;
pub mod targets;
pub mod visits;

#[cfg(test)]
mod tests;

use chrono::{DateTime, NaiveDate, Utc};
use jiuye_domain::access::{self, Action, Actor, within};
use jiuye_domain::campaign::Campaign;
use jiuye_domain::employer::Verification;
use jiuye_domain::{Org, OrgCode, OrgKind};
use jiuye_store::Repository;
use jiuye_store::employers::EmployerRecord;

use crate::{Error, ErrorCode, ErrorKind};

/// A campaign policy as loaded on this node, with when it was loaded.
#[derive(Clone, Debug)]
pub struct Loaded {
    pub campaign: Campaign,
    pub loaded_at: DateTime<Utc>,
}

/// `422`: well-formed input the campaign rules refuse.
pub(crate) fn refused(code: ErrorCode, message: impl Into<String>) -> Error {
    Error::new(ErrorKind::Unprocessable, code, message)
}

/// The stored policies that still parse, newest first; one that no longer parses is logged and
/// left out.
pub(crate) async fn stored(store: &dyn Repository) -> Result<Vec<Loaded>, Error> {
    let mut out = Vec::new();
    for (id, _, policy, loaded_at) in store.campaigns().await? {
        match Campaign::parse(&policy) {
            Ok(campaign) => out.push(Loaded { campaign, loaded_at }),
            Err(e) => tracing::error!(campaign = %id, error = %e, "stored campaign policy no longer parses"),
        }
    }
    Ok(out)
}

/// Whether `actor` may do any of `actions` somewhere.
fn anywhere(actor: &Actor, actions: &[Action]) -> bool {
    actions.iter().any(|a| !access::scope_paths(actor, *a).is_empty())
}

/// The campaigns loaded on this node, newest first, for staff (those who may register
/// employers somewhere).
pub async fn campaigns(store: &dyn Repository, actor: &Actor) -> Result<Vec<Loaded>, Error> {
    if !anywhere(actor, &[Action::RegisterEmployer]) {
        return Err(Error::forbidden());
    }
    stored(store).await
}

/// One loaded campaign, for staff: `404 campaign_not_found` when none has the id.
pub async fn campaign(store: &dyn Repository, actor: &Actor, id: &str) -> Result<Loaded, Error> {
    campaigns(store, actor).await?.into_iter().find(|c| c.campaign.id == id).ok_or_else(|| not_found(id))
}

/// The campaigns loaded on this node, for those who follow progress somewhere (who see
/// statistics or log visits).
pub async fn followed(store: &dyn Repository, actor: &Actor) -> Result<Vec<Campaign>, Error> {
    if !anywhere(actor, &[Action::ViewStatistics, Action::LogVisit]) {
        return Err(Error::forbidden());
    }
    Ok(stored(store).await?.into_iter().map(|c| c.campaign).collect())
}

fn not_found(id: &str) -> Error {
    Error::not_found(ErrorCode::CampaignNotFound, format!("没有 id 为 {id} 的活动"))
}

/// A stored campaign by id, or `404 campaign_not_found`.
pub async fn load(store: &dyn Repository, id: &str) -> Result<Campaign, Error> {
    for (cid, _, policy, _) in store.campaigns().await? {
        if cid == id
            && let Ok(c) = Campaign::parse(&policy)
        {
            return Ok(c);
        }
    }
    Err(not_found(id))
}

/// Loads a checked campaign policy at this node and publishes it to the nodes below (an outbox
/// row of kind `campaign`, in the same transaction): they receive it from their parent's feed
/// or inbox as any other record.
pub async fn publish(store: &dyn Repository, campaign: &Campaign, policy: &str) -> Result<i64, Error> {
    let record = jiuye_domain::federation::campaign_record(&campaign.id);
    Ok(store.publish_campaign(&campaign.id, &campaign.name, policy, record).await?)
}

/// A day as typed (`YYYY-MM-DD`), or `today` when none is given; `400 invalid_date` when
/// malformed.
pub(crate) fn as_of(raw: Option<&str>, today: NaiveDate) -> Result<NaiveDate, Error> {
    match raw.map(str::trim).filter(|s| !s.is_empty()) {
        Some(d) => NaiveDate::parse_from_str(d, "%Y-%m-%d")
            .map_err(|_| Error::bad_input(ErrorCode::InvalidDate, format!("as_of“{d}”应为 YYYY-MM-DD"))),
        None => Ok(today),
    }
}

/// An organisation by its code as typed; None for a malformed or unknown code.
pub(crate) async fn org_by_text(store: &dyn Repository, code: &str) -> Result<Option<Org>, Error> {
    let Ok(code) = OrgCode::parse(code.trim()) else {
        return Ok(None);
    };
    Ok(store.org_by_code(&code).await?)
}

/// An organisation by its code as typed, or `404 org_not_found`.
pub(crate) async fn org_named(store: &dyn Repository, code: &str) -> Result<Org, Error> {
    org_by_text(store, code)
        .await?
        .ok_or_else(|| Error::not_found(ErrorCode::OrgNotFound, format!("没有代码为 {} 的单位", code.trim())))
}

/// A university, college or programme by its code as typed, or `422 invalid_unit`.
pub(crate) async fn unit(store: &dyn Repository, code: &str) -> Result<Org, Error> {
    org_by_text(store, code)
        .await?
        .filter(|o| matches!(o.kind, OrgKind::University | OrgKind::College | OrgKind::Programme))
        .ok_or_else(|| refused(ErrorCode::InvalidUnit, format!("“{}”不是本平台的高校、院系或专业点", code.trim())))
}

/// Programmes by their codes, each required to lie inside `unit` (`422 programme_outside_unit`),
/// without repeats.
pub(crate) async fn programmes_inside(store: &dyn Repository, unit: &Org, codes: &[String]) -> Result<Vec<Org>, Error> {
    let mut programmes: Vec<Org> = Vec::new();
    for code in codes {
        let p = org_by_text(store, code)
            .await?
            .filter(|o| o.kind == OrgKind::Programme)
            .ok_or_else(|| refused(ErrorCode::InvalidProgramme, format!("“{}”不是专业点代码", code.trim())))?;
        if !within(&p.path, &unit.path) {
            return Err(refused(
                ErrorCode::ProgrammeOutsideUnit,
                format!("专业点 {}（{}）不属于 {}，不能记到其他单位名下", p.code, p.name, unit.name),
            ));
        }
        if !programmes.iter().any(|q| q.id == p.id) {
            programmes.push(p);
        }
    }
    Ok(programmes)
}

/// An employer of the directory by its credit code as typed (any case), not blacklisted.
pub(crate) async fn usable_employer(store: &dyn Repository, code: &str) -> Result<EmployerRecord, Error> {
    let code = code.trim().to_ascii_uppercase();
    let employer = store.employer(&code).await?.ok_or_else(|| {
        refused(ErrorCode::EmployerNotFound, format!("单位库中没有统一社会信用代码为 {code} 的单位，请先添加"))
    })?;
    if employer.verification == Verification::Blacklisted {
        return Err(refused(ErrorCode::EmployerBlacklisted, format!("{} 已被列入黑名单", employer.name)));
    }
    Ok(employer)
}

/// The university a unit belongs to (the unit itself when it is one).
pub(crate) async fn university_of(store: &dyn Repository, unit: &Org) -> Result<Option<Org>, Error> {
    if unit.kind == OrgKind::University {
        return Ok(Some(unit.clone()));
    }
    Ok(store.org_ancestors(unit).await?.into_iter().find(|o| o.kind == OrgKind::University))
}

/// Whether `actor` may log visits or see statistics at `path`: who reads a unit's visits, bases
/// and progress.
pub(crate) fn reads_unit(actor: &Actor, path: &str) -> bool {
    let r = access::Resource::at(path);
    access::can(actor, Action::LogVisit, &r).is_some() || access::can(actor, Action::ViewStatistics, &r).is_some()
}

/// The code of the first organisation where `actor` may do any of `actions`.
pub(crate) fn home_org(actor: &Actor, actions: &[Action]) -> Option<String> {
    actions
        .iter()
        .flat_map(|a| access::scope_paths(actor, *a))
        .next()
        .and_then(|p| p.rsplit('/').next().map(str::to_owned))
}

/// A page of a list: `limit` rows (at most `jiuye_store::MAX_PAGE`) from `offset`.
pub(crate) fn window(limit: i64, offset: i64) -> (usize, usize) {
    (limit.clamp(1, jiuye_store::MAX_PAGE) as usize, offset.max(0) as usize)
}
