//! Posting search (岗位检索): the index (`jiuye_search`) is derived from the store. It is built
//! from every approved posting when there is none (or it was written by another version or for
//! another database), caught up with the changes since its last commit when it is opened again,
//! and kept current by each change to a posting, which re-reads that posting and adds, replaces
//! or removes it.

use crate::ErrorCode;
use std::collections::HashSet;
use std::path::Path;
use std::sync::Arc;

use jiuye_domain::{Catalogue, RefData};
use jiuye_search::{Facet, PostingDoc, SearchIndex, Stamp};
use jiuye_store::Repository;
use jiuye_store::postings::PostingRow;
use uuid::Uuid;

use crate::Error;

pub mod follow;

/// A failure of the search index: logged, and answered as `search_unavailable`.
pub fn unavailable(e: impl std::fmt::Display) -> Error {
    tracing::error!(error = %e, "search index");
    Error::unavailable(ErrorCode::SearchUnavailable, "检索服务暂时不可用，请稍后重试")
}

const MAJOR_CATALOGUES: [Catalogue; 2] = [Catalogue::UndergraduateMajors, Catalogue::VocationalMajors];

/// The name of a major by its code, from either catalogue.
pub fn major_name(rd: &RefData, code: &str) -> Option<String> {
    MAJOR_CATALOGUES.into_iter().find_map(|c| rd.entry(c, code).map(|e| e.name.clone()))
}

/// What the index holds of a posting; `None` when it must not be found at all.
pub fn doc_of(rd: &RefData, r: &PostingRow) -> Option<PostingDoc> {
    let p = &r.posting;
    let blacklisted = r.employer_verification == jiuye_domain::employer::Verification::Blacklisted;
    if !jiuye_domain::posting::is_published(p.status, blacklisted) {
        return None;
    }
    let codes: Vec<&str> = p.majors.split(',').filter(|m| !m.is_empty()).collect();
    let majors: Vec<String> = codes.iter().filter_map(|m| major_name(rd, m)).collect();
    let mut facets = vec![
        (Facet::Province, format!("{}0000", p.region_code.get(..2).unwrap_or("00"))),
        (Facet::Education, p.education.clone()),
        (Facet::Salary, jiuye_domain::posting::salary_band(p.salary_min, p.salary_max).to_owned()),
        (Facet::EmployerType, r.employer_type.clone()),
        (Facet::Industry, rd.industry_section(&r.employer_industry).unwrap_or("?").to_owned()),
    ];
    if let Some(size) = &r.employer_size {
        facets.push((Facet::Size, size.clone()));
    }
    let mut classes: Vec<&str> = codes.iter().filter_map(|m| m.get(..4)).collect();
    classes.sort_unstable();
    classes.dedup();
    facets.extend(classes.into_iter().map(|c| (Facet::MajorClass, c.to_owned())));
    facets.extend(p.specials.split(',').filter(|s| !s.is_empty()).map(|s| (Facet::Special, s.to_owned())));
    Some(PostingDoc {
        id: p.id,
        text: format!("{}\n{}\n{}\n{}", p.title, r.employer_name, majors.join(" "), p.description),
        facets,
        scope: p.scope_org_id,
        employer: p.employer_id,
        deadline: {
            use chrono::Datelike;
            u64::try_from(p.deadline.year()).unwrap_or(0) * 10_000
                + u64::from(p.deadline.month() * 100 + p.deadline.day())
        },
        created_ms: p.created_at.timestamp_millis(),
        shown: shown(rd, r),
    })
}

/// What a search result shows of a posting, as JSON kept whole in the index (the web layer
/// reads it back as its posting view): a page of results needs no database read. Every change
/// to the posting re-reads it; its report count is as of that moment.
pub fn shown(rd: &RefData, r: &PostingRow) -> String {
    let p = &r.posting;
    let list = |s: &str| s.split(',').filter(|x| !x.is_empty()).map(str::to_owned).collect::<Vec<_>>();
    serde_json::json!({
        "id": p.id,
        "employer_id": p.employer_id,
        "employer_credit_code": r.employer_code,
        "employer_name": r.employer_name,
        "title": p.title,
        "description": p.description,
        "region": p.region_code,
        "region_name": rd.region(&p.region_code).map(|x| x.name.clone()).unwrap_or_default(),
        "position": p.position_code,
        "education": p.education,
        "majors": list(&p.majors),
        "openings": p.openings,
        "salary_min": p.salary_min,
        "salary_max": p.salary_max,
        "deadline": p.deadline.format("%Y-%m-%d").to_string(),
        "contact": p.contact,
        "apply_method": p.apply_method,
        "visibility": p.visibility,
        "scope": r.scope_path.rsplit('/').next().unwrap_or_default(),
        "specials": list(&p.specials),
        "occupation": p.occupation,
        "status": p.status.id(),
        "risk_level": p.risk_level,
        "reasons": serde_json::from_str::<serde_json::Value>(&p.risk_reasons).unwrap_or_else(|_| serde_json::json!([])),
        "review_note": p.review_note,
        "recheck": r.recheck_at.is_some(),
        "report_count": r.report_count,
        "version": p.version,
        "created_at": p.created_at,
    })
    .to_string()
}

pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

pub async fn source_of(store: &dyn Repository) -> Result<String, Error> {
    Ok(store.node().await?.node_id.to_string())
}

/// Opens the index kept in `dir` (or a new one in memory without one) on a blocking thread.
pub async fn open(dir: Option<&Path>) -> Result<Arc<SearchIndex>, Error> {
    let dir = dir.map(Path::to_path_buf);
    let ix = tokio::task::spawn_blocking(move || match dir {
        Some(d) => SearchIndex::open(&d),
        None => SearchIndex::in_memory(),
    })
    .await
    .map_err(unavailable)?
    .map_err(unavailable)?;
    Ok(Arc::new(ix))
}

/// Replaces the index's contents with every approved posting in the store (then every posting
/// received from other nodes), read page by page in id order; searches see the old contents
/// until the end. Returns how many it holds.
///
/// With read replicas the pages may come from one, but only from one that has replayed every
/// write committed before the rebuild began (else from the primary): a follower that read the
/// change log's head before calling this misses nothing.
pub async fn rebuild(store: &dyn Repository, rd: &Arc<RefData>, ix: &Arc<SearchIndex>) -> Result<u64, Error> {
    use jiuye_store::replica::{ReadFrom, current, within};
    let from = match (current(), store.write_position().await?) {
        (ReadFrom::Primary, _) => ReadFrom::Primary,
        (_, Some(at)) => ReadFrom::AtLeast(at),
        (other, None) => other,
    };
    within(from, rebuild_pages(store, rd, ix)).await
}

async fn rebuild_pages(store: &dyn Repository, rd: &Arc<RefData>, ix: &Arc<SearchIndex>) -> Result<u64, Error> {
    let stamp = Stamp { source: source_of(store).await?, synced_ms: now_ms() };
    let hidden = blacklisted_elsewhere(store).await?;
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Result<Vec<PostingDoc>, String>>(4);
    let writer = ix.clone();
    let task = tokio::task::spawn_blocking(move || {
        writer.rebuild(
            || match rx.blocking_recv() {
                Some(Ok(batch)) => Ok(Some(batch)),
                Some(Err(e)) => Err(jiuye_search::SearchError(e)),
                None => Ok(None),
            },
            &stamp,
        )
    });
    let mut after = None;
    loop {
        let rows = match store.approved_postings_after(after, 5_000).await {
            Ok(rows) => rows,
            Err(e) => {
                let _ = tx.send(Err(e.to_string())).await;
                break;
            }
        };
        let Some(last) = rows.last() else { break };
        after = Some(last.posting.id);
        if !send_docs(&tx, rd, &hidden, rows).await? {
            break;
        }
    }
    // Then the postings received from other nodes.
    let mut after = None;
    loop {
        let recs = match store.received_postings_after(after, 5_000).await {
            Ok(r) => r,
            Err(e) => {
                let _ = tx.send(Err(e.to_string())).await;
                break;
            }
        };
        let Some(last) = recs.last() else { break };
        after = Some(last.record);
        let rows = crate::federation::receive::posting_rows(store, rd, &recs).await?;
        if !send_docs(&tx, rd, &hidden, rows).await? {
            break;
        }
    }
    drop(tx);
    task.await.map_err(unavailable)?.map_err(unavailable)
}

/// Prepares the documents of `rows` (off the async workers) and hands them to the rebuild;
/// false when the rebuild has stopped taking them.
async fn send_docs(
    tx: &tokio::sync::mpsc::Sender<Result<Vec<PostingDoc>, String>>,
    rd: &Arc<RefData>,
    hidden: &Arc<HashSet<String>>,
    rows: Vec<PostingRow>,
) -> Result<bool, Error> {
    let (rd, hidden) = (rd.clone(), hidden.clone());
    let docs = tokio::task::spawn_blocking(move || rows.iter().filter_map(|r| visible_doc(&rd, r, &hidden)).collect())
        .await
        .map_err(unavailable)?;
    Ok(tx.send(Ok(docs)).await.is_ok())
}

/// Credit codes of the employers some other node has blacklisted: their postings are not shown
/// here either, wherever they come from.
async fn blacklisted_elsewhere(store: &dyn Repository) -> Result<Arc<HashSet<String>>, Error> {
    Ok(Arc::new(store.blacklisted_elsewhere().await?.into_iter().collect()))
}

/// [`doc_of`], unless another node blacklisted the employer.
fn visible_doc(rd: &RefData, r: &PostingRow, blacklisted: &HashSet<String>) -> Option<PostingDoc> {
    if blacklisted.contains(&r.employer_code) {
        return None;
    }
    doc_of(rd, r)
}

/// Brings the entries of `ids` up to date with the store.
pub async fn apply(store: &dyn Repository, rd: &RefData, ix: &Arc<SearchIndex>, ids: &[Uuid]) -> Result<(), Error> {
    let source = source_of(store).await?;
    let hidden = blacklisted_elsewhere(store).await?;
    for chunk in ids.chunks(500) {
        let synced_ms = now_ms();
        let mut rows = store.postings_by_ids(chunk).await?;
        let missing: Vec<Uuid> =
            chunk.iter().filter(|id| !rows.iter().any(|r| r.posting.id == **id)).copied().collect();
        if !missing.is_empty() {
            // Not this node's own: perhaps received from another node.
            let recs = store.received_by_ids(&missing).await?;
            rows.extend(crate::federation::receive::posting_rows(store, rd, &recs).await?);
        }
        let changes: Vec<(Uuid, Option<PostingDoc>)> = chunk
            .iter()
            .map(|id| (*id, rows.iter().find(|r| r.posting.id == *id).and_then(|r| visible_doc(rd, r, &hidden))))
            .collect();
        let ix = ix.clone();
        let stamp = Stamp { source: source.clone(), synced_ms };
        tokio::task::spawn_blocking(move || ix.apply(&changes, &stamp))
            .await
            .map_err(unavailable)?
            .map_err(unavailable)?;
    }
    Ok(())
}

/// How an index was made current when it was opened.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Opened {
    /// Built from every approved posting (it was new, or from another version or database).
    Built(u64),
    /// Caught up with this many postings changed since its last commit.
    CaughtUp(usize),
}

/// Opens the index in `dir` (in memory without one) and makes it current with the store.
pub async fn open_current(
    store: &dyn Repository,
    rd: &Arc<RefData>,
    dir: Option<&Path>,
) -> Result<(Arc<SearchIndex>, Opened), Error> {
    let ix = open(dir).await?;
    let source = source_of(store).await?;
    let opened = match ix.stamp() {
        Some(s) if s.source == source => {
            // Changes made while nothing held the index (five seconds of slack for commits that
            // were under way).
            let since = chrono::DateTime::from_timestamp_millis(s.synced_ms - 5_000).unwrap_or_default();
            let mut ids = store.postings_changed_since(since).await?;
            ids.extend(store.received_since(since).await?);
            apply(store, rd, &ix, &ids).await?;
            Opened::CaughtUp(ids.len())
        }
        _ => Opened::Built(rebuild(store, rd, &ix).await?),
    };
    Ok((ix, opened))
}

/// The node's search index once it is open: opened and made current on first use (or at start
/// when warmed), and kept current by each change to a posting from then on.
#[derive(Default)]
pub struct LiveIndex(tokio::sync::OnceCell<Arc<SearchIndex>>);

impl LiveIndex {
    /// The index, when it has been opened.
    pub fn get(&self) -> Option<Arc<SearchIndex>> {
        self.0.get().cloned()
    }

    /// The index, opened from `dir` (in memory without one) and made current on first use.
    pub async fn get_or_open(
        &self,
        store: &dyn Repository,
        rd: &Arc<RefData>,
        dir: Option<&Path>,
    ) -> Result<Arc<SearchIndex>, Error> {
        self.0
            .get_or_try_init(|| async {
                let (ix, opened) = open_current(store, rd, dir).await?;
                tracing::info!(?opened, postings = ix.len(), "search index ready");
                Ok::<_, Error>(ix)
            })
            .await
            .cloned()
    }

    /// Brings the entries of `ids` up to date with the store; nothing to do while the index is
    /// not open (opening it catches up with every change).
    pub async fn refresh(&self, store: &dyn Repository, rd: &RefData, ids: &[Uuid]) -> Result<(), Error> {
        match self.get() {
            Some(ix) => apply(store, rd, &ix, ids).await,
            None => Ok(()),
        }
    }
}
