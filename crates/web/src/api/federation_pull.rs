//! Reading peers' feeds in the background: every few seconds, each peer this node receives
//! from whose cursor is due (not waiting out a backoff) and not held by another process is
//! read until caught up, and the search index takes in what arrived. A node set up with
//! `jiuye federation init` while running starts reading at the next tick.

use std::time::Duration;

use jiuye_app::federation::{self, pull};

use crate::AppState;

/// Pages read from one peer in one turn, so that one busy peer does not hold up the others.
const PAGES_PER_TURN: u64 = 200;

/// Reads every due peer once; what each pull did, by peer.
pub async fn once(state: &AppState, holder: &str) -> Vec<(String, Result<pull::Pulled, jiuye_app::Error>)> {
    let store = state.store.as_ref();
    let mut done = Vec::new();
    let Ok(Some(node)) = federation::node(store).await else { return done };
    let Some(key) = state.settings.keys.node_key() else { return done };
    let Ok(peers) = federation::peers(store).await else { return done };
    for peer in peers.iter().filter(|p| !p.receive.is_empty()) {
        let org = peer.record.org_code.clone();
        let now = chrono::Utc::now();
        let due = match store.cursor(&org).await {
            Ok(c) => pull::due(c.as_ref(), now),
            Err(_) => false,
        };
        let until = now + chrono::Duration::from_std(pull::HOLD_FOR).unwrap_or_default();
        if !due || !store.hold_cursor(&org, holder, now, until).await.unwrap_or(false) {
            continue;
        }
        let result = pull::pull(store, &node, &key, peer, PAGES_PER_TURN).await;
        if let Ok(p) = &result
            && !p.touched.is_empty()
            && let Err(e) = state.search.index.refresh(store, &state.refdata, &p.touched).await
        {
            tracing::error!(peer = %org, error = %e.message, "search index not caught up with received postings");
        }
        if let Ok(p) = &result
            && p.applied + p.refused > 0
        {
            tracing::info!(peer = %org, applied = p.applied, refused = p.refused, after = p.after, head = p.head,
                "federation feed read");
        }
        done.push((org, result));
    }
    done
}

/// Reads peers' feeds every `every` for as long as the node runs.
pub async fn run(state: AppState, every: Duration) {
    let holder = format!("{}:{}", std::process::id(), uuid::Uuid::new_v4().simple());
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        once(&state, &holder).await;
    }
}
