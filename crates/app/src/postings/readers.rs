//! Who reads a posting: the facts about a reader that the reading rules of
//! `jiuye_domain::posting` and `jiuye_domain::access` need, gathered from the store (and kept a
//! minute), and the one check every use case reading a single posting goes through.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use jiuye_domain::access::{self, Actor};
use jiuye_domain::employer::Verification;
use jiuye_domain::posting::{self, Visibility};
use jiuye_domain::{Org, OrgCode, OrgKind};
use jiuye_store::Repository;
use jiuye_store::postings::PostingRow;
use uuid::Uuid;

use crate::{Error, ErrorCode};

/// Where a reader stands, in the two forms the reading rule is used in: the domain's reader (its
/// organisation and alliance paths) for one posting, and the ids of the organisations whose
/// postings reach it, for the database and the search index.
#[derive(Debug, Default)]
pub struct ReaderScopes {
    pub reader: posting::Reader,
    pub ids: HashSet<Uuid>,
}

/// How long the scopes of a set of grants are reused (the tree and alliances change rarely).
const KEEP_FOR: Duration = Duration::from_secs(60);
/// Sets of grants remembered at most; all are forgotten when it fills.
const KEEP_AT_MOST: usize = 4_096;

/// The scopes of the sets of grants seen lately, by the grants' organisation paths.
#[derive(Default)]
pub struct ReaderCache(Mutex<HashMap<String, (Instant, Arc<ReaderScopes>)>>);

impl ReaderCache {
    fn get(&self, key: &str) -> Option<Arc<ReaderScopes>> {
        let cache = self.0.lock().ok()?;
        cache.get(key).filter(|(at, _)| at.elapsed() < KEEP_FOR).map(|(_, s)| s.clone())
    }

    fn remember(&self, key: String, scopes: Arc<ReaderScopes>) {
        if let Ok(mut cache) = self.0.lock() {
            if cache.len() >= KEEP_AT_MOST {
                cache.clear();
            }
            cache.insert(key, (Instant::now(), scopes));
        }
    }
}

/// Where `reader` (anyone, when None) reads postings: the nation, and for each of their grants
/// the organisation, its ancestors and (for a university) its alliances, as far as
/// `posting::reaches` admits them.
pub async fn scopes(
    store: &dyn Repository,
    cache: &ReaderCache,
    reader: Option<&Actor>,
) -> Result<Arc<ReaderScopes>, Error> {
    let grants = reader.map(|a| a.grants.as_slice()).unwrap_or_default();
    let mut paths: Vec<&str> = grants.iter().map(|g| g.org_path.as_str()).collect();
    paths.sort_unstable();
    paths.dedup();
    let key = paths.join(" ");
    if let Some(found) = cache.get(&key) {
        return Ok(found);
    }
    let nation = OrgCode::nation();
    let mut candidates = vec![(jiuye_store::well_known_org_id(&nation), OrgKind::Nation, nation.to_string())];
    let mut found = posting::Reader::default();
    for g in grants {
        let Some(code) = g.org_path.rsplit('/').next().and_then(|c| OrgCode::parse(c).ok()) else { continue };
        let Some(org) = store.org_by_code(&code).await? else { continue };
        found.org_paths.push(g.org_path.clone());
        let chain: Vec<Org> = store.org_ancestors(&org).await?.into_iter().chain(std::iter::once(org)).collect();
        for o in chain {
            if o.kind == OrgKind::University {
                for a in store.alliances_of(o.id).await? {
                    found.alliance_paths.push(a.path.clone());
                    candidates.push((a.id, a.kind, a.path));
                }
            }
            candidates.push((o.id, o.kind, o.path));
        }
    }
    found.alliance_paths.sort_unstable();
    found.alliance_paths.dedup();
    let ids = candidates
        .into_iter()
        .filter(|(_, kind, path)| Visibility::of_kind(*kind).is_some_and(|v| posting::reaches(&found, v, path)))
        .map(|(id, _, _)| id)
        .collect();
    let scopes = Arc::new(ReaderScopes { reader: found, ids });
    cache.remember(key, scopes.clone());
    Ok(scopes)
}

/// The employers whose postings `reader` does not see (sorted): those hidden, after a scam was
/// confirmed, in a scope the reader lies within, and, from everyone, those another node
/// blacklisted. Read on every request, so a hide takes effect at once.
pub async fn hidden_employers(store: &dyn Repository, reader: Option<&Actor>) -> Result<Vec<Uuid>, Error> {
    let mut ids = match reader {
        Some(a) => store.employers_hidden_in(&access::enclosing_scopes(a)).await?,
        None => Vec::new(),
    };
    for code in store.blacklisted_elsewhere().await? {
        if let Some(e) = store.employer(&code).await? {
            ids.push(e.id);
        }
    }
    ids.sort_unstable();
    ids.dedup();
    Ok(ids)
}

/// Whether `reader` may read the posting: its reviewers and its employer in every state
/// (`access::sees_posting_in_any_state`), anyone else as `posting::readable` says.
async fn may_read(
    store: &dyn Repository,
    cache: &ReaderCache,
    reader: Option<&Actor>,
    r: &PostingRow,
    today: NaiveDate,
) -> Result<bool, Error> {
    if reader.is_some_and(|a| access::sees_posting_in_any_state(a, &r.scope_path, r.posting.employer_id)) {
        return Ok(true);
    }
    let Some(visibility) = Visibility::from_id(&r.posting.visibility) else { return Ok(false) };
    let scopes = scopes(store, cache, reader).await?;
    let hidden = hidden_employers(store, reader).await?;
    let facts = posting::PostingFacts {
        status: r.posting.status,
        deadline: r.posting.deadline,
        visibility,
        scope_path: &r.scope_path,
        // A received posting carries another node's blacklisting in its row; this node's own
        // postings of such an employer are among `hidden`.
        employer_blacklisted: r.employer_verification == Verification::Blacklisted,
        employer_hidden: hidden.contains(&r.posting.employer_id),
    };
    Ok(posting::readable(&scopes.reader, &facts, today))
}

/// `404 posting_not_found`, for a posting that does not exist or is not the reader's to see.
pub fn missing() -> Error {
    Error::not_found(ErrorCode::PostingNotFound, "没有这个职位，或它不对您开放")
}

/// A posting `reader` may read on `today`, or `404 posting_not_found`.
pub async fn readable(
    store: &dyn Repository,
    cache: &ReaderCache,
    reader: Option<&Actor>,
    id: Uuid,
    today: NaiveDate,
) -> Result<PostingRow, Error> {
    let r = store.posting(id).await?.ok_or_else(missing)?;
    checked(store, cache, reader, r, today).await
}

/// `r` when `reader` may read it on `today`, or `404 posting_not_found`.
pub async fn checked(
    store: &dyn Repository,
    cache: &ReaderCache,
    reader: Option<&Actor>,
    r: PostingRow,
    today: NaiveDate,
) -> Result<PostingRow, Error> {
    if !may_read(store, cache, reader, &r, today).await? {
        return Err(missing());
    }
    Ok(r)
}
