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
/// province that counted a university before it ran a node of its own), then the later.
fn better(new: &Reported, held: &Reported) -> bool {
    let own = |r: &Reported| r.origin == r.figures.org;
    (own(new), new.as_of) > (own(held), held.as_of)
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
        match by_org.get(&r.figures.org) {
            Some(held) if !better(&r, held) => {}
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
