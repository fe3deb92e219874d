//! Reporting event coverage to the nodes above (`aggregate` records of type `EventCoverage`):
//! for each university this node reports on and each cohort, the events its career centre and
//! colleges held during that cohort's recruiting year (`crate::events::coverage`). As with the
//! other figures, a report is written only when its counts change; a running node checks with
//! the campaign progress, every few minutes.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use jiuye_domain::federation::activity;
use jiuye_store::Repository;

use super::report::{Checked, reporting, send};
use crate::Error;

/// Counts every reported university's events for every cohort and reports what changed.
/// Nothing is done on a node that is not set up or has no peer to send figures to.
pub async fn check(store: &dyn Repository, now: DateTime<Utc>) -> Result<Checked, Error> {
    let mut done = Checked::default();
    let Some((node, _, units)) = reporting(store).await? else { return Ok(done) };
    let sent_before: HashSet<uuid::Uuid> = store.reports().await?.into_iter().map(|r| r.record).collect();
    for cohort in store.cohorts().await? {
        for u in &units {
            let record = activity::record(&node.org_code, u.code.as_str(), cohort);
            let f = crate::events::coverage::figures(store, u, cohort, now).await?;
            if f.events() == 0 && f.cancelled == 0 && !sent_before.contains(&record) {
                continue;
            }
            done.figures += 1;
            if send(store, record, &f.org, cohort, &f.counts(), &f.body(now), now).await? {
                done.sent += 1;
            }
        }
    }
    Ok(done)
}
