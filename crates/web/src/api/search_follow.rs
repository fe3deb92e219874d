//! Keeping this process's search index caught up with what other node processes serving the
//! same database write (`jiuye_app::search::follow`): every `every`, once the index is open.

use std::time::Duration;

use jiuye_app::search::follow::{self, Follower};

use crate::AppState;

/// How many steps between trimmings of the posting change log.
const TRIM_EVERY: u64 = 600;

/// Follows the logs for as long as the node runs, from their heads when it started (the index,
/// opened later, catches up with everything before).
pub async fn run(state: AppState, every: Duration) {
    let store = state.store.as_ref();
    let mut follower = loop {
        match Follower::at_heads(store).await {
            Ok(f) => break f,
            Err(e) => {
                tracing::error!(error = %e.message, "search follower could not start");
                tokio::time::sleep(every.max(Duration::from_secs(1))).await;
            }
        }
    };
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut steps: u64 = 0;
    loop {
        tick.tick().await;
        let Some(ix) = state.search.index.get() else { continue };
        match follower.step(store, &state.refdata, &ix).await {
            Ok(f) if f.rebuilt => tracing::warn!("search index built again: this process fell behind the change log"),
            Ok(_) => {}
            Err(e) => tracing::error!(error = %e.message, "search index not caught up with other processes"),
        }
        steps += 1;
        if steps.is_multiple_of(TRIM_EVERY) {
            let keep_from = follower.changes.saturating_sub(follow::KEEP);
            if keep_from > 0
                && let Err(e) = store.trim_posting_changes(keep_from).await
            {
                tracing::warn!(error = %e, "posting change log not trimmed");
            }
        }
    }
}
