//! Reporting this node's figures upward in the background: every few seconds the counts of the
//! universities whose rosters this node holds are compared with those last reported, and the
//! ones that changed go to the outbox for the nodes above (`jiuye_app::federation::report`).

use std::time::Duration;

use crate::AppState;

/// Checks the figures every `every` for as long as the node runs.
pub async fn run(state: AppState, every: Duration) {
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        match jiuye_app::federation::report::check(state.store.as_ref(), chrono::Utc::now()).await {
            Ok(c) if c.sent > 0 => tracing::info!(figures = c.figures, sent = c.sent, "federation figures reported"),
            Ok(_) => {}
            Err(e) => tracing::error!(error = %e.message, "federation figures not reported"),
        }
    }
}
