//! The "为你推荐" block that the workbench and the posting search show a signed-in graduate: their
//! best few recommendations, each with its strongest reason, and a way to all of them. It is a
//! courtesy on pages that do other work, so it never fails them: anyone who is not a graduate,
//! or a recommendation that cannot be computed now, gets no block at all.

use uuid::Uuid;

use crate::AppState;
use crate::auth::Caller;

/// How many recommendations the block shows.
const SHOWN: usize = 5;

/// One recommendation as the block shows it.
pub struct Pick {
    pub id: Uuid,
    pub title: String,
    pub employer: String,
    /// Why it fits best, when the model gave a reason.
    pub reason: Option<String>,
}

/// The caller's top recommendations, or none (not a graduate, or they could not be computed).
pub async fn top(state: &AppState, me: &Caller) -> Vec<Pick> {
    match state.matching().mine(&me.actor, SHOWN).await {
        Ok(found) => found
            .into_iter()
            .map(|r| Pick {
                id: r.posting_id,
                title: r.title,
                employer: r.employer_name,
                reason: r.fits.into_iter().next().map(|x| x.text),
            })
            .collect(),
        Err(e) if e.kind == jiuye_app::ErrorKind::Forbidden => Vec::new(),
        Err(e) => {
            tracing::warn!(error = %e.message, code = e.code.as_str(), "recommendations left out of a page");
            Vec::new()
        }
    }
}
