//! Reporting hardship coverage to the nodes above (`aggregate` records of type
//! `HardshipCoverage`): for each university this node reports on and each cohort, how many
//! graduates its ledger holds and how many have each line of help, counted from the files'
//! states (nothing sealed is read, no category and nobody's name leaves the node). As with the
//! placement figures, a report is written only when its counts change; a running node checks
//! with the campaign progress, every few minutes.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use jiuye_domain::federation::coverage::{self, HardshipFigures};
use jiuye_store::Repository;

use super::report::{Checked, beijing_day, reporting, send};
use crate::Error;

/// Counts every reported university's ledger for every cohort and reports what changed.
/// Nothing is done on a node that is not set up or has no peer to send figures to.
pub async fn check(store: &dyn Repository, now: DateTime<Utc>) -> Result<Checked, Error> {
    let mut done = Checked::default();
    let Some((node, _, units)) = reporting(store).await? else { return Ok(done) };
    let sent_before: HashSet<uuid::Uuid> = store.reports().await?.into_iter().map(|r| r.record).collect();
    let today = beijing_day(now);
    for cohort in store.cohorts().await? {
        for u in &units {
            let record = coverage::record(&node.org_code, u.code.as_str(), cohort);
            let rows =
                store.hardship_files_under(std::slice::from_ref(&u.path), Some(cohort), &today.to_string()).await?;
            if rows.is_empty() && !sent_before.contains(&record) {
                continue;
            }
            done.figures += 1;
            let (total, lines) = crate::hardship::line_counts(&rows, today);
            let f = HardshipFigures {
                org: u.code.as_str().to_owned(),
                name: u.name.clone(),
                path: u.path.clone(),
                cohort,
                total,
                lines,
            };
            if send(store, record, &f.org, cohort, &f.counts(), &f.body(now), now).await? {
                done.sent += 1;
            }
        }
    }
    Ok(done)
}
