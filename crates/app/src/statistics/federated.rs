//! Figures reported by other nodes (联网上报): the placement counts that the universities and
//! provinces under an organisation sent up as `aggregate` records, one report per
//! organisation counted, each with the time it was taken ("as of"). A province sees its
//! universities' nodes; the nation sees what the provinces report and relay, and its figure for
//! a province is the sum of the reports of that province's universities.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use jiuye_domain::Org;
use jiuye_domain::access::{Action, Actor, Resource};
use jiuye_domain::destination::Tally;
use jiuye_domain::federation::Envelope;
use jiuye_domain::federation::figures::Figures;
use jiuye_domain::federation::progress::{CampaignFigures, RuleProgress};
use jiuye_store::Repository;

use crate::Error;
use crate::access::authorize;

/// One organisation's figures as reported by a node.
#[derive(Clone, Debug)]
pub struct Reported {
    pub figures: Figures,
    /// The node that counted them, and the peer they came through.
    pub origin: String,
    pub via: String,
    /// When they were counted at the origin, and when they arrived here.
    pub as_of: DateTime<Utc>,
    pub received_at: DateTime<Utc>,
}

/// The reports under an organisation for a cohort, and their sum.
#[derive(Clone, Debug)]
pub struct Federated {
    pub org: Org,
    pub cohort: i32,
    pub reports: Vec<Reported>,
    pub total: Tally,
    /// The oldest report's time: the sum is as fresh as this.
    pub as_of: Option<DateTime<Utc>>,
}

/// Which of two reports of the same organisation counts: its own node's over another's (a
/// province that counted a university before it ran a node of its own), then the later. Each
/// is (whether the origin is the organisation itself, when it was counted).
fn better(new: (bool, DateTime<Utc>), held: (bool, DateTime<Utc>)) -> bool {
    new > held
}

/// The figures reported to this node for `cohort` about `org_code` and the organisations under
/// it, for those who may see its statistics.
pub async fn federated(store: &dyn Repository, actor: &Actor, org_code: &str, cohort: i32) -> Result<Federated, Error> {
    let org = crate::orgs::by_code(store, org_code).await?;
    authorize(actor, Action::ViewStatistics, &Resource::node(&org.path, org.kind))?;
    super::check_cohort(cohort)?;
    let under = format!("{}/", org.path);
    let mut by_org: BTreeMap<String, Reported> = BTreeMap::new();
    for rec in store.received_aggregates(cohort).await? {
        let Some(subject) = rec.subject.as_deref() else { continue };
        if subject != org.path && !subject.starts_with(&under) {
            continue;
        }
        let Ok(e) = serde_json::from_str::<Envelope>(&rec.envelope) else { continue };
        let Some((figures, as_of)) = Figures::from_body(&e.body) else { continue };
        let r = Reported { figures, origin: rec.origin, via: rec.via, as_of, received_at: rec.received_at };
        let rank = |r: &Reported| (r.origin == r.figures.org, r.as_of);
        match by_org.get(&r.figures.org) {
            Some(held) if !better(rank(&r), rank(held)) => {}
            _ => {
                by_org.insert(r.figures.org.clone(), r);
            }
        }
    }
    let reports: Vec<Reported> = by_org.into_values().collect();
    let mut total = Tally::default();
    for r in &reports {
        total.merge(&r.figures.tally);
    }
    let as_of = reports.iter().map(|r| r.as_of).min();
    Ok(Federated { org, cohort, reports, total, as_of })
}

/// One university's campaign progress as reported by a node.
#[derive(Clone, Debug)]
pub struct ReportedProgress {
    pub figures: CampaignFigures,
    pub origin: String,
    pub via: String,
    pub as_of: DateTime<Utc>,
    pub received_at: DateTime<Utc>,
}

/// The campaign progress reported under an organisation, and its sum per rule.
#[derive(Clone, Debug)]
pub struct FederatedProgress {
    pub org: Org,
    pub campaign: String,
    pub reports: Vec<ReportedProgress>,
    pub total: BTreeMap<String, RuleProgress>,
    /// The oldest report's time.
    pub as_of: Option<DateTime<Utc>>,
}

/// The progress in `campaign` (loaded on this node) that the nodes under the organisation
/// `org_code` reported, for those who may see its statistics.
pub async fn progress(
    store: &dyn Repository,
    actor: &Actor,
    org_code: &str,
    campaign: &str,
) -> Result<FederatedProgress, Error> {
    let org = crate::orgs::by_code(store, org_code).await?;
    authorize(actor, Action::ViewStatistics, &Resource::node(&org.path, org.kind))?;
    let c = crate::campaign::load(store, campaign).await?;
    let under = format!("{}/", org.path);
    let mut by_org: BTreeMap<String, ReportedProgress> = BTreeMap::new();
    for rec in store.received_aggregates(c.reference_cohort).await? {
        let Some(subject) = rec.subject.as_deref() else { continue };
        if subject != org.path && !subject.starts_with(&under) {
            continue;
        }
        let Ok(e) = serde_json::from_str::<Envelope>(&rec.envelope) else { continue };
        let Some((figures, as_of)) = CampaignFigures::from_body(&e.body) else { continue };
        if figures.campaign != c.id {
            continue;
        }
        let r = ReportedProgress { figures, origin: rec.origin, via: rec.via, as_of, received_at: rec.received_at };
        let rank = |r: &ReportedProgress| (r.origin == r.figures.org, r.as_of);
        match by_org.get(&r.figures.org) {
            Some(held) if !better(rank(&r), rank(held)) => {}
            _ => {
                by_org.insert(r.figures.org.clone(), r);
            }
        }
    }
    let reports: Vec<ReportedProgress> = by_org.into_values().collect();
    let mut total: BTreeMap<String, RuleProgress> = BTreeMap::new();
    for r in &reports {
        for (rule, p) in &r.figures.rules {
            total.entry(rule.clone()).or_default().merge(p);
        }
    }
    let as_of = reports.iter().map(|r| r.as_of).min();
    Ok(FederatedProgress { org, campaign: c.id, reports, total, as_of })
}
