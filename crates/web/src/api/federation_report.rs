//! Reporting this node's figures upward in the background: every few seconds the counts of the
//! universities whose rosters this node holds are compared with those last reported, and the
//! ones that changed go to the outbox for the nodes above (`jiuye_app::federation::report`);
//! every few minutes the progress of each loaded campaign, the hardship ledger's coverage and
//! the events held are counted and reported the same way (`jiuye_app::federation::progress`, `::hardship`,
//! `::activity`).

use std::time::{Duration, Instant};

use jiuye_app::federation::{activity, hardship, progress, report};

use crate::AppState;

/// Checks the placement figures every `every`, and campaign progress, hardship coverage and
/// event coverage every `progress::EVERY` (or `every`, when longer), for as long as the node runs.
pub async fn run(state: AppState, every: Duration) {
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut measured: Option<Instant> = None;
    loop {
        tick.tick().await;
        let store = state.store.as_ref();
        match report::check(store, chrono::Utc::now()).await {
            Ok(c) if c.sent > 0 => tracing::info!(figures = c.figures, sent = c.sent, "federation figures reported"),
            Ok(_) => {}
            Err(e) => tracing::error!(error = %e.message, "federation figures not reported"),
        }
        if measured.is_some_and(|m| m.elapsed() < progress::EVERY.max(every)) {
            continue;
        }
        measured = Some(Instant::now());
        match progress::check(store, chrono::Utc::now()).await {
            Ok(c) if c.sent > 0 => {
                tracing::info!(figures = c.figures, sent = c.sent, "federation campaign progress reported")
            }
            Ok(_) => {}
            Err(e) => tracing::error!(error = %e.message, "federation campaign progress not reported"),
        }
        match hardship::check(store, chrono::Utc::now()).await {
            Ok(c) if c.sent > 0 => {
                tracing::info!(figures = c.figures, sent = c.sent, "federation hardship coverage reported")
            }
            Ok(_) => {}
            Err(e) => tracing::error!(error = %e.message, "federation hardship coverage not reported"),
        }
        match activity::check(store, chrono::Utc::now()).await {
            Ok(c) if c.sent > 0 => {
                tracing::info!(figures = c.figures, sent = c.sent, "federation event coverage reported")
            }
            Ok(_) => {}
            Err(e) => tracing::error!(error = %e.message, "federation event coverage not reported"),
        }
    }
}
