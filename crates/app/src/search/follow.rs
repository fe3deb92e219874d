//! Following the writes of other node processes that serve the same database: each process
//! keeps its own search index, and every second or so reads what changed after the numbers it
//! has seen — the posting change log (every change to a posting, migration 0043) and this node's
//! outbox (postings and blacklistings received from peers, local blacklistings) — and refreshes
//! those entries. Both logs are numbered gap-free in commit order, so nothing committed is
//! skipped; re-reading a posting this process changed itself is harmless.

use std::collections::HashSet;
use std::sync::Arc;

use jiuye_domain::RefData;
use jiuye_search::SearchIndex;
use jiuye_store::Repository;
use uuid::Uuid;

use crate::Error;

/// Rows read per step from each log.
const STEP: i64 = 5_000;
/// How many posting changes are kept for processes that fall behind.
pub const KEEP: i64 = 1_000_000;

/// Where a process stands in the two logs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Follower {
    pub changes: i64,
    pub outbox: i64,
}

/// What one step did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Followed {
    /// Postings whose entries were refreshed.
    pub refreshed: usize,
    /// The index was built again (this process had fallen further behind than the log keeps).
    pub rebuilt: bool,
}

/// The postings whose visibility a blacklist row may change: those of the employer it names,
/// whether the row is this node's own (an employer id) or received (a record with a credit code).
async fn of_blacklist(store: &dyn Repository, record: Uuid) -> Result<Vec<Uuid>, Error> {
    let code = match store.received_by_ids(&[record]).await?.into_iter().next() {
        Some(r) => r.credit_code,
        None => store.employers_by_ids(&[record]).await?.into_iter().next().map(|e| e.credit_code),
    };
    let Some(code) = code else { return Ok(Vec::new()) };
    let mut ids = store.received_postings_of(&code).await?;
    if let Some(local) = store.employer(&code).await? {
        ids.extend(store.postings_of_employer(local.id).await?.into_iter().map(|r| r.posting.id));
    }
    Ok(ids)
}

impl Follower {
    /// A follower that starts from the logs' present heads.
    pub async fn at_heads(store: &dyn Repository) -> Result<Follower, Error> {
        Ok(Follower { changes: store.posting_changes_head().await?, outbox: store.outbox_head().await? })
    }

    /// Refreshes `ix` with what changed since the last step.
    pub async fn step(
        &mut self,
        store: &dyn Repository,
        rd: &Arc<RefData>,
        ix: &Arc<SearchIndex>,
    ) -> Result<Followed, Error> {
        let mut ids: Vec<Uuid> = Vec::new();
        loop {
            let rows = store.posting_changes_after(self.changes, STEP).await?;
            let Some(&(first, _)) = rows.first() else { break };
            if first > self.changes + 1 && store.posting_changes_oldest().await? > self.changes + 1 {
                // The log no longer holds what this process missed: build the index again.
                let head = store.posting_changes_head().await?;
                super::rebuild(store, rd, ix).await?;
                self.changes = head;
                self.outbox = store.outbox_head().await?;
                return Ok(Followed { refreshed: 0, rebuilt: true });
            }
            self.changes = rows.last().map_or(self.changes, |r| r.0);
            let full = rows.len() as i64 == STEP;
            ids.extend(rows.into_iter().map(|r| r.1));
            if !full {
                break;
            }
        }
        loop {
            let rows = store.outbox_after(self.outbox, 500).await?;
            let Some(last) = rows.last().map(|r| r.seq) else { break };
            for row in &rows {
                match row.kind.as_str() {
                    "posting" | "tombstone" => ids.push(row.record),
                    "blacklist" => ids.extend(of_blacklist(store, row.record).await?),
                    _ => {}
                }
            }
            self.outbox = last;
            if rows.len() < 500 {
                break;
            }
        }
        let mut seen = HashSet::new();
        ids.retain(|id| seen.insert(*id));
        if !ids.is_empty() {
            super::apply(store, rd, ix, &ids).await?;
        }
        Ok(Followed { refreshed: ids.len(), rebuilt: false })
    }
}
