//! Reporting this node's figures to the nodes above it (`aggregate` records): placement counts
//! by destination code and component, per university and cohort, for the universities whose
//! rosters this node holds. A university that runs a node of its own (a registered `child`
//! peer) reports itself, so this node leaves it out and every graduate is counted once.
//!
//! A report is written only when its counts change (each check compares them with the last
//! sent), so checking often costs a grouped count per cohort and sends nothing new when
//! nothing changed. `serve` checks every [`EVERY`]; `jiuye federation report` checks at once.

use std::collections::HashSet;
use std::time::Duration;

use chrono::{DateTime, Utc};
use jiuye_domain::destination::Rollup;
use jiuye_domain::federation::figures::{self, Figures};
use jiuye_domain::federation::{Kind, Relation};
use jiuye_domain::{Org, OrgKind};
use jiuye_store::federation::FederationNode;
use jiuye_store::reports::Report;
use jiuye_store::{PlacementFilter, Repository};

use super::Peer;
use crate::error::{Error, ErrorCode};

/// How often a running node checks whether its figures changed.
pub const EVERY: Duration = Duration::from_secs(20);

/// What one check did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Checked {
    /// Figures compared (universities × cohorts).
    pub figures: usize,
    /// Reports written because their counts changed (or were never sent).
    pub sent: usize,
}

/// The universities under `org` whose figures this node reports: `org` itself when it is a
/// university; under a province or the nation, its universities except those in `own_nodes`.
async fn universities(store: &dyn Repository, org: &Org, own_nodes: &HashSet<String>) -> Result<Vec<Org>, Error> {
    let mut found = Vec::new();
    let mut open = vec![org.clone()];
    while let Some(o) = open.pop() {
        match o.kind {
            OrgKind::University => found.push(o),
            OrgKind::Nation | OrgKind::Province => {
                for c in store.org_children(&o).await? {
                    if !own_nodes.contains(c.org.code.as_str()) {
                        open.push(c.org);
                    }
                }
            }
            // Colleges and programmes are counted within their university; alliances'
            // members are counted under their province.
            _ => {}
        }
    }
    found.sort_by(|a, b| a.code.as_str().cmp(b.code.as_str()));
    Ok(found)
}

/// The day in Beijing at `now`.
pub(super) fn beijing_day(now: DateTime<Utc>) -> chrono::NaiveDate {
    chrono::FixedOffset::east_opt(8 * 3600).map_or(now.date_naive(), |o| now.with_timezone(&o).date_naive())
}

/// Writes a report of `org`'s figures as the next version of `record` (with its outbox row)
/// unless `counts` are those held; whether it was written.
pub(super) async fn send(
    store: &dyn Repository,
    record: uuid::Uuid,
    org: &str,
    cohort: i32,
    counts: &serde_json::Value,
    body: &serde_json::Value,
    now: DateTime<Utc>,
) -> Result<bool, Error> {
    let report = Report {
        record,
        org_code: org.to_owned(),
        cohort,
        version: 0,
        counts: canonical(counts)?,
        body: canonical(body)?,
        reported_at: now,
    };
    Ok(store.put_report(&report).await?.is_some())
}

fn canonical(v: &serde_json::Value) -> Result<String, Error> {
    jiuye_domain::federation::canonical::to_string(v)
        .map_err(|e| Error::new(crate::ErrorKind::Internal, ErrorCode::InternalError, format!("canonical form: {e}")))
}

/// This node, the organisation it serves and the universities it reports on, when it is set up
/// and some peer receives its figures (`aggregate` records).
pub(super) async fn reporting(store: &dyn Repository) -> Result<Option<(FederationNode, Org, Vec<Org>)>, Error> {
    let Some(node) = store.federation_node().await? else { return Ok(None) };
    let peers: Vec<Peer> = store.peers().await?.into_iter().map(Peer::from).collect();
    if !peers.iter().any(|p| p.send.contains(&Kind::Aggregate)) {
        return Ok(None);
    }
    let own_nodes: HashSet<String> =
        peers.iter().filter(|p| p.relation == Some(Relation::Child)).map(|p| p.record.org_code.clone()).collect();
    let org = crate::orgs::by_code(store, &node.org_code).await?;
    let units = universities(store, &org, &own_nodes).await?;
    Ok((!units.is_empty()).then_some((node, org, units)))
}

/// Compares this node's figures with those last reported and reports the ones that changed.
/// Nothing is done on a node that is not set up or has no peer to send figures to.
pub async fn check(store: &dyn Repository, now: DateTime<Utc>) -> Result<Checked, Error> {
    let mut done = Checked::default();
    let Some((node, org, units)) = reporting(store).await? else { return Ok(done) };
    let sent_before: HashSet<uuid::Uuid> = store.reports().await?.into_iter().map(|r| r.record).collect();
    for cohort in store.cohorts().await? {
        let rows = store.placement_counts(&org, cohort, &PlacementFilter::default()).await?;
        let rollup = Rollup::build(&rows);
        for u in &units {
            let record = figures::record(&node.org_code, u.code.as_str(), cohort);
            let tally = rollup.of(u.id);
            if tally.graduates == 0 && !sent_before.contains(&record) {
                continue;
            }
            done.figures += 1;
            let f =
                Figures { org: u.code.as_str().to_owned(), name: u.name.clone(), path: u.path.clone(), cohort, tally };
            if send(store, record, &f.org, cohort, &f.counts(), &f.body(now), now).await? {
                done.sent += 1;
            }
        }
    }
    Ok(done)
}
