//! Who reads a posting: the facts about a caller that the reading rules of
//! `jiuye_domain::posting` and `jiuye_domain::access` need, gathered from the store (and cached),
//! and the one check every handler reading a single posting goes through.

use std::collections::HashSet;
use std::sync::Arc;

use jiuye_domain::access;
use jiuye_domain::employer::Verification;
use jiuye_domain::posting::{self, Visibility};
use jiuye_domain::{Org, OrgCode, OrgKind};
use jiuye_store::postings::PostingRow;
use uuid::Uuid;

use crate::AppState;
use crate::auth::Caller;
use crate::error::{AppError, ErrorCode};

/// Where a reader stands, in the two forms the reading rule is used in: the domain's reader (its
/// organisation and alliance paths) for one posting, and the ids of the organisations whose
/// postings reach it, for the database and the search index.
#[derive(Debug, Default)]
pub(crate) struct ReaderScopes {
    pub reader: posting::Reader,
    pub ids: HashSet<Uuid>,
}

/// Where `caller` reads postings: the nation, and for each of their grants the organisation, its
/// ancestors and (for a university) its alliances, as far as `posting::reaches` admits them.
pub(crate) async fn viewer_scopes(state: &AppState, caller: Option<&Caller>) -> Result<Arc<ReaderScopes>, AppError> {
    let grants = caller.map(|c| c.actor.grants.as_slice()).unwrap_or_default();
    let mut paths: Vec<&str> = grants.iter().map(|g| g.org_path.as_str()).collect();
    paths.sort_unstable();
    paths.dedup();
    let key = paths.join(" ");
    if let Some(found) = state.search.scopes_of(&key) {
        return Ok(found);
    }
    let nation = OrgCode::nation();
    let mut candidates = vec![(jiuye_store::well_known_org_id(&nation), OrgKind::Nation, nation.to_string())];
    let mut reader = posting::Reader::default();
    for g in grants {
        let Some(code) = g.org_path.rsplit('/').next() else { continue };
        let Some(org) = crate::extract::org::org_by_code_text(state, code).await? else { continue };
        reader.org_paths.push(g.org_path.clone());
        let chain: Vec<Org> = state.store.org_ancestors(&org).await?.into_iter().chain(std::iter::once(org)).collect();
        for o in chain {
            if o.kind == OrgKind::University {
                for a in state.store.alliances_of(o.id).await? {
                    reader.alliance_paths.push(a.path.clone());
                    candidates.push((a.id, a.kind, a.path));
                }
            }
            candidates.push((o.id, o.kind, o.path));
        }
    }
    reader.alliance_paths.sort_unstable();
    reader.alliance_paths.dedup();
    let ids = candidates
        .into_iter()
        .filter(|(_, kind, path)| Visibility::of_kind(*kind).is_some_and(|v| posting::reaches(&reader, v, path)))
        .map(|(id, _, _)| id)
        .collect();
    let found = Arc::new(ReaderScopes { reader, ids });
    state.search.remember_scopes(key, found.clone());
    Ok(found)
}

/// The employers whose postings `caller` does not see: those hidden, after a scam was confirmed,
/// in a scope the caller lies within (sorted). Read on every request, so a hide takes effect at
/// once.
pub(crate) async fn hidden_employers(state: &AppState, caller: Option<&Caller>) -> Result<Vec<Uuid>, AppError> {
    let Some(c) = caller else { return Ok(Vec::new()) };
    let mut ids = state.store.employers_hidden_in(&access::enclosing_scopes(&c.actor)).await?;
    ids.sort_unstable();
    ids.dedup();
    Ok(ids)
}

/// Whether `caller` may read the posting: its reviewers and its employer in every state
/// (`access::sees_posting_in_any_state`), anyone else as `posting::readable` says.
async fn may_read(state: &AppState, caller: Option<&Caller>, r: &PostingRow) -> Result<bool, AppError> {
    if caller.is_some_and(|c| access::sees_posting_in_any_state(&c.actor, &r.scope_path, r.posting.employer_id)) {
        return Ok(true);
    }
    let Some(visibility) = Visibility::from_id(&r.posting.visibility) else { return Ok(false) };
    let scopes = viewer_scopes(state, caller).await?;
    let hidden = hidden_employers(state, caller).await?;
    let facts = posting::PostingFacts {
        status: r.posting.status,
        deadline: r.posting.deadline,
        visibility,
        scope_path: &r.scope_path,
        employer_blacklisted: r.employer_verification == Verification::Blacklisted,
        employer_hidden: hidden.contains(&r.posting.employer_id),
    };
    Ok(posting::readable(&scopes.reader, &facts, chrono::Local::now().date_naive()))
}

/// A posting `caller` may read, or 404.
pub(crate) async fn readable_posting(
    state: &AppState,
    caller: Option<&Caller>,
    id: Uuid,
) -> Result<PostingRow, AppError> {
    let missing = || AppError::not_found(ErrorCode::PostingNotFound, "没有这个职位，或它不对您开放");
    let r = state.store.posting(id).await?.ok_or_else(missing)?;
    if !may_read(state, caller, &r).await? {
        return Err(missing());
    }
    Ok(r)
}
