//! Reporting visit-campaign progress to the nodes above (`aggregate` records of type
//! `CampaignProgress`): for every campaign loaded here and every university this node reports
//! on, each rule's targets summed over the units they apply to, as the quota engine measures
//! them today (`campaign::targets::evaluate`). As with the placement figures, a report is
//! written only when its counts change.
//!
//! Measuring a university reads its visits and its province's placement counts (read once per
//! province and campaign cohort in a check), so a running node does it every [`EVERY`] rather
//! than at each placement check.

use std::collections::{BTreeMap, HashSet};
use std::time::Duration;

use chrono::{DateTime, Utc};
use jiuye_domain::federation::progress::{self, CampaignFigures, RuleProgress};
use jiuye_store::Repository;

use super::report::{Checked, beijing_day, reporting, send};
use crate::Error;

/// How often a running node measures campaign progress.
pub const EVERY: Duration = Duration::from_secs(300);

/// Measures every campaign's progress at each university this node reports on and reports what
/// changed. Nothing is done on a node that is not set up or has no peer to send figures to.
pub async fn check(store: &dyn Repository, now: DateTime<Utc>) -> Result<Checked, Error> {
    let mut done = Checked::default();
    let Some((node, _, units)) = reporting(store).await? else { return Ok(done) };
    let sent_before: HashSet<uuid::Uuid> = store.reports().await?.into_iter().map(|r| r.record).collect();
    let today = beijing_day(now);
    // Each university's measure reads its province's placement counts: read once per province.
    let mut counts = crate::campaign::targets::ProvinceCounts::default();
    for loaded in crate::campaign::stored(store).await? {
        let c = &loaded.campaign;
        let measured_on = c.default_as_of(today);
        for u in &units {
            let record = progress::record(&node.org_code, u.code.as_str(), &c.id);
            let targets = match crate::campaign::targets::evaluate_with(store, c, u, measured_on, &mut counts).await {
                Ok(t) => t,
                // A university outside any province has no quotas to measure.
                Err(e) if e.kind == crate::ErrorKind::BadInput => continue,
                Err(e) => return Err(e),
            };
            if targets.is_empty() && !sent_before.contains(&record) {
                continue;
            }
            done.figures += 1;
            let mut rules: BTreeMap<String, RuleProgress> = BTreeMap::new();
            for t in &targets {
                rules.entry(t.rule.clone()).or_default().add_unit(t.level, t.required, t.achieved, t.status);
            }
            let f = CampaignFigures {
                org: u.code.as_str().to_owned(),
                name: u.name.clone(),
                path: u.path.clone(),
                campaign: c.id.clone(),
                campaign_name: c.name.clone(),
                cohort: c.reference_cohort,
                measured_on,
                rules,
            };
            if send(store, record, &f.org, f.cohort, &f.counts(), &f.body(now), now).await? {
                done.sent += 1;
            }
        }
    }
    Ok(done)
}
