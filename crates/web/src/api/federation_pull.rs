//! Delivery in the background: every few seconds this node's outbox is pushed to each peer it
//! sends to, and each peer it receives from is read; a peer is taken only when its cursor is
//! due (not waiting out a backoff) and not held by another process, and the search index takes
//! in what arrived; graduates' applications to other nodes' postings are sent. A node set up
//! with `jiuye federation init` while running starts reading at the next tick.

use std::time::Duration;

use jiuye_app::federation::{self, deliver, pull, push};
use jiuye_store::received::Line;

use crate::AppState;

/// Pages read from one peer in one turn, so that one busy peer does not hold up the others.
const PAGES_PER_TURN: u64 = 200;

/// Whether this process may work `line` with peer `org` now: its cursor is due (not waiting
/// out a backoff) and this process holds it (no other process does).
async fn take(state: &AppState, line: Line, org: &str, holder: &str) -> bool {
    let store = state.store.as_ref();
    let now = chrono::Utc::now();
    let due = match store.cursor(line, org).await {
        Ok(c) => pull::due(c.as_ref(), now),
        Err(_) => false,
    };
    let until = now + chrono::Duration::from_std(pull::HOLD_FOR).unwrap_or_default();
    due && store.hold_cursor(line, org, holder, now, until).await.unwrap_or(false)
}

/// Reads every due peer once; what each pull did, by peer.
pub async fn once(state: &AppState, holder: &str) -> Vec<(String, Result<pull::Pulled, jiuye_app::Error>)> {
    let store = state.store.as_ref();
    let mut done = Vec::new();
    let Ok(Some(node)) = federation::node(store).await else { return done };
    let Some(key) = state.settings.keys.node_key() else { return done };
    let Ok(peers) = federation::peers(store).await else { return done };
    for peer in peers.iter().filter(|p| !p.receive.is_empty()) {
        let org = peer.record.org_code.clone();
        if !take(state, Line::Read, &org, holder).await {
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

/// Pushes this node's outbox to every due peer it sends to, once; what each push did, by peer.
pub async fn push_once(state: &AppState, holder: &str) -> Vec<(String, Result<push::Pushed, jiuye_app::Error>)> {
    let store = state.store.as_ref();
    let mut done = Vec::new();
    let Ok(Some(node)) = federation::node(store).await else { return done };
    let Some(key) = state.settings.keys.node_key() else { return done };
    let Ok(peers) = federation::peers(store).await else { return done };
    for peer in peers.iter().filter(|p| !p.send.is_empty()) {
        let org = peer.record.org_code.clone();
        if !take(state, Line::Push, &org, holder).await {
            continue;
        }
        let result = push::push(store, &state.refdata, &node, &key, peer, PAGES_PER_TURN).await;
        if let Ok(p) = &result
            && p.sent > 0
        {
            tracing::info!(peer = %org, sent = p.sent, applied = p.applied, refused = p.refused, after = p.after,
                "federation outbox pushed");
        }
        done.push((org, result));
    }
    done
}

/// Sends the graduates' applications to other nodes' postings that are due, once.
pub async fn deliver_once(state: &AppState) -> Option<deliver::Round> {
    let store = state.store.as_ref();
    let node = federation::node(store).await.ok().flatten()?;
    let key = state.settings.keys.node_key()?;
    match deliver::deliver_due(store, &state.settings.keys, &node, &key, chrono::Utc::now()).await {
        Ok(r) => {
            if r.delivered + r.refused + r.failed > 0 {
                tracing::info!(
                    delivered = r.delivered,
                    refused = r.refused,
                    failed = r.failed,
                    "applications to other nodes sent"
                );
            }
            Some(r)
        }
        Err(e) => {
            tracing::error!(error = %e.message, "applications to other nodes not sent");
            None
        }
    }
}

/// Reads peers' feeds every `every` for as long as the node runs.
pub async fn run(state: AppState, every: Duration) {
    let holder = format!("{}:{}", std::process::id(), uuid::Uuid::new_v4().simple());
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        push_once(&state, &holder).await;
        once(&state, &holder).await;
        deliver_once(&state).await;
    }
}
