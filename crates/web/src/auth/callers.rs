//! Callers resolved lately from an API token, by the token's hash, so that a busy client's
//! request does not read the token, the account and its grants again each time. (Session
//! cookies are read from the database on every request: their idle limit moves with each use.)
//!
//! Every state-changing request forgets all of them once it has run (a password change, a
//! revoked token or role, a disabled account, a sign-out: the next request reads the database
//! again), and each is kept a minute at most. An entry is also skipped whenever the uncached
//! path would have something to do: the credential expired or idled out, or its last use is due
//! to be recorded. Changes made by another process (the `jiuye` command) are seen within that
//! minute.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use axum::http::{HeaderMap, header};
use chrono::{DateTime, Utc};

use super::{Caller, Credential};
use crate::AppState;
use crate::error::AppError;

/// How long a resolved caller is reused at most.
const KEEP_FOR: Duration = Duration::from_secs(60);
/// Callers remembered at most; all are forgotten when it fills.
const KEEP_AT_MOST: usize = 100_000;

struct Entry {
    /// The state of accounts (see [`CallerCache::epoch`]) it was read in.
    epoch: u64,
    at: Instant,
    caller: Caller,
    /// When the credential's last use was recorded (a token's `last_used_at`, a session's
    /// `last_seen_at`), as known after this resolution.
    last_use: Option<DateTime<Utc>>,
}

/// The callers resolved lately (see the module's documentation).
#[derive(Default)]
pub struct CallerCache {
    epoch: AtomicU64,
    entries: Mutex<HashMap<String, Entry>>,
}

impl CallerCache {
    /// Goes up after every state-changing request: anything read before it about accounts (or
    /// other rarely changing facts, such as the employers hidden from a reader) may be stale.
    pub fn epoch(&self) -> u64 {
        self.epoch.load(Ordering::SeqCst)
    }

    /// Forgets every caller: a state-changing request has run.
    pub fn forget_all(&self) {
        self.epoch.fetch_add(1, Ordering::SeqCst);
        if let Ok(mut m) = self.entries.lock() {
            m.clear();
        }
    }

    fn get(&self, key: &str, state: &AppState, now: DateTime<Utc>) -> Option<Caller> {
        let m = self.entries.lock().ok()?;
        let e = m.get(key)?;
        if e.epoch != self.epoch() || e.at.elapsed() >= KEEP_FOR {
            return None;
        }
        let last_use = e.last_use?;
        match &e.caller.via {
            Credential::Token { .. } => {
                // The expiry is checked again below by the uncached path when it is near.
                if now - last_use > chrono::Duration::minutes(1) {
                    return None;
                }
            }
            Credential::Session(s) => {
                let idle = chrono::Duration::from_std(state.auth.settings.session_idle)
                    .unwrap_or(chrono::Duration::minutes(30));
                if s.expires_at <= now || last_use + idle <= now || now - last_use > chrono::Duration::seconds(60) {
                    return None;
                }
            }
        }
        Some(e.caller.clone())
    }

    fn put(&self, key: String, epoch: u64, caller: &Caller, expires: Option<DateTime<Utc>>, now: DateTime<Utc>) {
        let Ok(mut m) = self.entries.lock() else { return };
        if self.epoch() != epoch {
            // Accounts changed while this caller was being read: it may be stale.
            return;
        }
        if m.len() >= KEEP_AT_MOST {
            m.clear();
        }
        let last_use = match &caller.via {
            // The uncached path recorded the use unless it was recorded within the minute.
            Credential::Session(s) if now - s.last_seen_at > chrono::Duration::seconds(60) => Some(now),
            Credential::Session(s) => Some(s.last_seen_at),
            Credential::Token { .. } => Some(now),
        };
        // A credential that expires within the minute is not kept.
        if expires.is_some_and(|e| e <= now + chrono::Duration::from_std(KEEP_FOR).unwrap_or_default()) {
            return;
        }
        m.insert(key, Entry { epoch, at: Instant::now(), caller: caller.clone(), last_use });
    }
}

/// The key of the bearer token a request presents: its hash (`None` for a malformed header, a
/// session cookie or no credential).
fn key_of(headers: &HeaderMap) -> Option<String> {
    let auth = headers.get(header::AUTHORIZATION)?;
    let token = auth.to_str().ok()?.strip_prefix("Bearer ").map(str::trim).filter(|t| !t.is_empty())?;
    Some(jiuye_security::sha256_hex(token.as_bytes()))
}

/// Resolves the caller as [`super::resolve_uncached`] does, reusing a recent answer for the same
/// credential when nothing about accounts changed since.
pub(super) async fn resolve(state: &AppState, headers: &HeaderMap) -> Result<Option<Caller>, AppError> {
    let Some(key) = key_of(headers) else { return Ok(super::resolve_uncached(state, headers).await?.map(|(c, _)| c)) };
    let cache = &state.auth.callers;
    let now = Utc::now();
    if let Some(c) = cache.get(&key, state, now) {
        return Ok(Some(c));
    }
    let epoch = cache.epoch();
    let found = super::resolve_uncached(state, headers).await?;
    if let Some((c, expires)) = &found {
        cache.put(key, epoch, c, *expires, now);
    }
    Ok(found.map(|(c, _)| c))
}
