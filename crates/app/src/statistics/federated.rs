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
use jiuye_domain::federation::activity::EventFigures;
use jiuye_domain::federation::coverage::HardshipFigures;
use jiuye_domain::federation::figures::Figures;
use jiuye_domain::federation::progress::{CampaignFigures, RuleProgress};
use jiuye_store::Repository;

use crate::Error;
use crate::access::authorize;

/// One organisation's placement figures as reported by a node.
pub type Reported = Received<Figures>;

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

/// A report as received: what it counts, the organisation counted, and where and when from.
#[derive(Clone, Debug)]
pub struct Received<T> {
    pub figures: T,
    /// The organisation's code.
    pub org: String,
    /// The node that counted them, and the peer they came through.
    pub origin: String,
    pub via: String,
    /// When they were counted at the origin, and when they arrived here.
    pub as_of: DateTime<Utc>,
    pub received_at: DateTime<Utc>,
}

/// The reports about `org` and the organisations under it among the aggregates received for
/// `cohort` that `read` understands (giving what they count, the organisation's code and when
/// they were counted), one per organisation: its own node's over another's (a province that
/// counted a university before it ran a node of its own), then the later.
async fn reports_under<T>(
    store: &dyn Repository,
    org: &Org,
    cohort: i32,
    read: impl Fn(&serde_json::Value) -> Option<(T, DateTime<Utc>)>,
    code: impl Fn(&T) -> &str,
) -> Result<Vec<Received<T>>, Error> {
    let under = format!("{}/", org.path);
    let mut by_org: BTreeMap<String, Received<T>> = BTreeMap::new();
    for rec in store.received_aggregates(cohort).await? {
        let Some(subject) = rec.subject.as_deref() else { continue };
        if subject != org.path && !subject.starts_with(&under) {
            continue;
        }
        let Ok(e) = serde_json::from_str::<Envelope>(&rec.envelope) else { continue };
        let Some((figures, as_of)) = read(&e.body) else { continue };
        let r = Received {
            org: code(&figures).to_owned(),
            figures,
            origin: rec.origin,
            via: rec.via,
            as_of,
            received_at: rec.received_at,
        };
        let rank = |r: &Received<T>| (r.origin == r.org, r.as_of);
        if by_org.get(&r.org).is_none_or(|held| rank(&r) > rank(held)) {
            by_org.insert(r.org.clone(), r);
        }
    }
    Ok(by_org.into_values().collect())
}

/// The figures reported to this node for `cohort` about `org_code` and the organisations under
/// it, for those who may see its statistics.
pub async fn federated(store: &dyn Repository, actor: &Actor, org_code: &str, cohort: i32) -> Result<Federated, Error> {
    let org = crate::orgs::by_code(store, org_code).await?;
    authorize(actor, Action::ViewStatistics, &Resource::node(&org.path, org.kind))?;
    super::check_cohort(cohort)?;
    let reports: Vec<Reported> = reports_under(store, &org, cohort, Figures::from_body, |f| &f.org).await?;
    let mut total = Tally::default();
    for r in &reports {
        total.merge(&r.figures.tally);
    }
    let as_of = reports.iter().map(|r| r.as_of).min();
    Ok(Federated { org, cohort, reports, total, as_of })
}

/// One university's campaign progress as reported by a node.
pub type ReportedProgress = Received<CampaignFigures>;

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
    let reports: Vec<ReportedProgress> = reports_under(
        store,
        &org,
        c.reference_cohort,
        |b| CampaignFigures::from_body(b).filter(|(f, _)| f.campaign == c.id),
        |f| &f.org,
    )
    .await?;
    let mut total: BTreeMap<String, RuleProgress> = BTreeMap::new();
    for r in &reports {
        for (rule, p) in &r.figures.rules {
            total.entry(rule.clone()).or_default().merge(p);
        }
    }
    let as_of = reports.iter().map(|r| r.as_of).min();
    Ok(FederatedProgress { org, campaign: c.id, reports, total, as_of })
}

/// One university's hardship coverage as reported by a node.
pub type ReportedHardship = Received<HardshipFigures>;

/// The hardship coverage reported under an organisation for a cohort, and its sum.
#[derive(Clone, Debug)]
pub struct FederatedHardship {
    pub org: Org,
    pub cohort: i32,
    /// Whether the reader sees exact counts (otherwise 1–4 show as "<5").
    pub exact: bool,
    pub reports: Vec<ReportedHardship>,
    /// The sum, as the organisation's figures.
    pub total: HardshipFigures,
    pub as_of: Option<DateTime<Utc>>,
}

/// The hardship coverage that the nodes under `org_code` reported for `cohort`, for those who
/// may see its coverage figures.
pub async fn hardship(
    store: &dyn Repository,
    actor: &Actor,
    org_code: &str,
    cohort: i32,
) -> Result<FederatedHardship, Error> {
    let org = crate::orgs::by_code(store, org_code).await?;
    authorize(actor, Action::ViewHardshipCoverage, &Resource::at(&org.path))?;
    super::check_cohort(cohort)?;
    let reports: Vec<ReportedHardship> =
        reports_under(store, &org, cohort, HardshipFigures::from_body, |f| &f.org).await?;
    let mut total = HardshipFigures {
        org: org.code.to_string(),
        name: org.name.clone(),
        path: org.path.clone(),
        cohort,
        total: 0,
        lines: jiuye_domain::hardship::Line::ALL.iter().map(|l| (*l, 0)).collect(),
    };
    for r in &reports {
        total.merge(&r.figures);
    }
    let as_of = reports.iter().map(|r| r.as_of).min();
    let exact = jiuye_domain::access::exact_hardship_counts(actor, &org.path);
    Ok(FederatedHardship { org, cohort, exact, reports, total, as_of })
}

/// One university's event coverage as reported by a node.
pub type ReportedEvents = Received<EventFigures>;

/// The event coverage reported under an organisation for a cohort, and its sum.
#[derive(Clone, Debug)]
pub struct FederatedEvents {
    pub org: Org,
    pub cohort: i32,
    pub reports: Vec<ReportedEvents>,
    /// The sum, as the organisation's figures.
    pub total: EventFigures,
    pub as_of: Option<DateTime<Utc>>,
}

/// The event coverage that the nodes under `org_code` reported for `cohort`, for those who may
/// see its statistics.
pub async fn events(
    store: &dyn Repository,
    actor: &Actor,
    org_code: &str,
    cohort: i32,
) -> Result<FederatedEvents, Error> {
    let org = crate::orgs::by_code(store, org_code).await?;
    authorize(actor, Action::ViewStatistics, &Resource::node(&org.path, org.kind))?;
    super::check_cohort(cohort)?;
    let reports: Vec<ReportedEvents> = reports_under(store, &org, cohort, EventFigures::from_body, |f| &f.org).await?;
    let mut total = EventFigures::empty(org.code.as_str(), &org.name, &org.path, cohort);
    for r in &reports {
        total.merge(&r.figures);
    }
    let as_of = reports.iter().map(|r| r.as_of).min();
    Ok(FederatedEvents { org, cohort, reports, total, as_of })
}
