//! Posting search over HTTP. The index (`jiuye_search`) is derived from the store: built from
//! every approved posting when there is none (or it was written by another version or for
//! another database), caught up with the changes since its last commit when it is opened again,
//! and kept current by each change to a posting (submit, edit, review, withdrawal), which
//! re-reads that posting and adds, replaces or removes it before answering.

use crate::error::ErrorCode;
use std::sync::Arc;

use axum::extract::State;
use jiuye_domain::{Catalogue, RefData};
use jiuye_search::{Facet, Query, SearchIndex, Stamp};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::AppState;
use crate::api::postings::view::PostingDto;
use crate::auth::MaybeCaller;
use crate::error::{AppError, ErrorBody};
use crate::extract::query::ApiQuery;
use jiuye_app::postings::readers::{self, ReaderCache};
use jiuye_app::search::LiveIndex;

/// The index, once opened, the answers it gave lately, and where readers read postings.
#[derive(Default)]
pub struct SearchState {
    pub index: LiveIndex,
    pub readers: ReaderCache,
    cache: std::sync::Mutex<std::collections::HashMap<String, Cached>>,
    /// The employers hidden from readers, by the scopes enclosing them, while no state-changing
    /// request has run (see `auth::CallerCache::epoch`) and for a minute at most.
    hidden: std::sync::Mutex<std::collections::HashMap<String, Hidden>>,
    /// Answers given from the cache and computed, since the node started.
    reused: std::sync::atomic::AtomicU64,
    computed: std::sync::atomic::AtomicU64,
    /// Searches computed at once (`WebSettings::search_concurrency`), the rest waiting in
    /// arrival order. Run all at once, a broad search shares the cores with every narrow one in
    /// flight and takes many times its own cost; queued, each waits only for those ahead of it.
    gate: std::sync::OnceLock<Option<tokio::sync::Semaphore>>,
}

/// The employers hidden from readers within some scopes, as read in a state of accounts
/// (`auth::CallerCache::epoch`) at a moment.
type Hidden = (u64, std::time::Instant, Arc<Vec<Uuid>>);

/// An answer, good while the index is at `generation` and for `CACHE_FOR`, with its JSON once
/// it has been written.
#[derive(Clone)]
struct Cached {
    generation: u64,
    at: std::time::Instant,
    found: Arc<SearchResults>,
    json: Arc<std::sync::OnceLock<axum::body::Bytes>>,
}

/// An answer and whether it was reused.
struct Answer {
    found: Arc<SearchResults>,
    json: Arc<std::sync::OnceLock<axum::body::Bytes>>,
    reused: bool,
}

/// The response header saying whether an answer was `reused` or `computed`.
pub const ANSWER_HEADER: &str = "x-jiuye-answer";

/// How long an answer is reused at most (also bounds how stale the recency boost gets).
const CACHE_FOR: std::time::Duration = std::time::Duration::from_secs(60);
/// Answers kept at most; when it fills, stale answers and then the older half are dropped.
const CACHE_SIZE: usize = 4_096;

impl SearchState {
    fn cached(&self, key: &str, generation: u64) -> Option<Cached> {
        let cache = self.cache.lock().ok()?;
        let c = cache.get(key)?;
        (c.generation == generation && c.at.elapsed() < CACHE_FOR).then(|| c.clone())
    }

    fn remember(&self, key: String, c: Cached) {
        if let Ok(mut cache) = self.cache.lock() {
            if cache.len() >= CACHE_SIZE {
                // Stale answers go first, then the older half of the rest.
                cache.retain(|_, old| old.generation == c.generation && old.at.elapsed() < CACHE_FOR);
                if cache.len() >= CACHE_SIZE / 2 {
                    let mut ages: Vec<std::time::Instant> = cache.values().map(|old| old.at).collect();
                    ages.sort_unstable();
                    let cut = ages[ages.len() / 2];
                    cache.retain(|_, old| old.at > cut);
                }
            }
            cache.insert(key, c);
        }
    }

    /// How many answers were reused and how many computed since the node started.
    pub fn answers(&self) -> (u64, u64) {
        use std::sync::atomic::Ordering::Relaxed;
        (self.reused.load(Relaxed), self.computed.load(Relaxed))
    }
}

/// The employers hidden from `reader`, read again after any state-changing request.
async fn hidden_employers(
    state: &AppState,
    reader: Option<&jiuye_domain::access::Actor>,
) -> Result<Arc<Vec<Uuid>>, AppError> {
    let Some(actor) = reader else { return Ok(Arc::default()) };
    let mut key: Vec<String> =
        jiuye_domain::access::enclosing_scopes(actor).into_iter().map(|s| s.to_string()).collect();
    key.sort_unstable();
    let key = key.join(" ");
    let epoch = state.auth.callers.epoch();
    if let Ok(m) = state.search.hidden.lock()
        && let Some((e, at, ids)) = m.get(&key)
        && *e == epoch
        && at.elapsed() < CACHE_FOR
    {
        return Ok(ids.clone());
    }
    let ids = Arc::new(readers::hidden_employers(&*state.store, reader).await?);
    if let Ok(mut m) = state.search.hidden.lock() {
        if m.len() >= CACHE_SIZE {
            m.clear();
        }
        m.insert(key, (epoch, std::time::Instant::now(), ids.clone()));
    }
    Ok(ids)
}

pub use jiuye_app::search::{Opened, doc_of, open, open_current, rebuild};
use jiuye_app::search::{now_ms, source_of};

fn unavailable(e: impl std::fmt::Display) -> AppError {
    jiuye_app::search::unavailable(e).into()
}

/// The index, opening it (and building or catching up) on first use.
pub(crate) async fn index(state: &AppState) -> Result<Arc<SearchIndex>, AppError> {
    Ok(state.search.index.get_or_open(&*state.store, &state.refdata, state.settings.search_dir.as_deref()).await?)
}

/// Drops expired postings from the index once an hour while the node runs (searches never
/// find them anyway; this keeps the index from growing with them).
pub(crate) async fn prune_hourly(state: AppState) {
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(3600));
    loop {
        tick.tick().await;
        let Some(ix) = state.search.index.get() else { continue };
        let Ok(source) = source_of(&*state.store).await.map_err(|e| tracing::warn!(error = %e.message, "prune")) else {
            continue;
        };
        // Nothing changes in the database, so the stamp keeps the moment of the last change.
        let synced_ms = ix.stamp().map(|s| s.synced_ms).unwrap_or_else(now_ms);
        let stamp = Stamp { source, synced_ms };
        match tokio::task::spawn_blocking(move || ix.prune_expired(today_number(), &stamp)).await {
            Ok(Ok(left)) => tracing::info!(postings = left, "search index: expired postings pruned"),
            Ok(Err(e)) => tracing::warn!(error = %e, "search index: pruning failed"),
            Err(e) => tracing::warn!(error = %e, "search index: pruning failed"),
        }
    }
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchParams {
    /// Words to look for (Chinese or English; Traditional characters are understood).
    pub q: Option<String>,
    /// A region code; postings located in its province.
    pub region: Option<String>,
    /// A GB/T 4754 section letter (e.g. `I`) of the employer's industry.
    pub industry: Option<String>,
    /// A four-digit major class code of either catalogue (e.g. `0809`).
    pub major_class: Option<String>,
    /// `any`, `vocational`, `bachelor`, `master` or `doctor`.
    pub education: Option<String>,
    /// A pay band: `lt4k`, `4k-6k`, `6k-8k`, `8k-12k`, `12k-20k`, `20k+` or `negotiable`.
    pub salary: Option<String>,
    /// An employer type code (单位性质).
    pub employer_type: Option<String>,
    /// `large`, `medium`, `small` or `micro`.
    pub size: Option<String>,
    /// A themed campaign id.
    pub special: Option<String>,
    /// 1-based.
    pub page: Option<usize>,
}

impl SearchParams {
    /// The value given for a facet's parameter.
    pub fn value(&self, f: Facet) -> Option<&str> {
        let v = match f {
            Facet::Province => &self.region,
            Facet::Industry => &self.industry,
            Facet::MajorClass => &self.major_class,
            Facet::Education => &self.education,
            Facet::Salary => &self.salary,
            Facet::EmployerType => &self.employer_type,
            Facet::Size => &self.size,
            Facet::Special => &self.special,
        };
        v.as_deref().map(str::trim).filter(|v| !v.is_empty())
    }
}

/// One facet value with its count.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct FacetCount {
    pub key: String,
    pub name: String,
    pub count: u64,
}

/// Facet counts over every match, each most first.
#[derive(Debug, Default, Serialize, ToSchema)]
pub struct Facets {
    pub region: Vec<FacetCount>,
    pub industry: Vec<FacetCount>,
    pub major_class: Vec<FacetCount>,
    pub education: Vec<FacetCount>,
    pub salary: Vec<FacetCount>,
    pub employer_type: Vec<FacetCount>,
    pub size: Vec<FacetCount>,
    pub special: Vec<FacetCount>,
}

impl Facets {
    /// The counts of one facet.
    pub fn of(&self, f: Facet) -> &[FacetCount] {
        match f {
            Facet::Province => &self.region,
            Facet::Industry => &self.industry,
            Facet::MajorClass => &self.major_class,
            Facet::Education => &self.education,
            Facet::Salary => &self.salary,
            Facet::EmployerType => &self.employer_type,
            Facet::Size => &self.size,
            Facet::Special => &self.special,
        }
    }

    fn slot(&mut self, f: Facet) -> &mut Vec<FacetCount> {
        match f {
            Facet::Province => &mut self.region,
            Facet::Industry => &mut self.industry,
            Facet::MajorClass => &mut self.major_class,
            Facet::Education => &mut self.education,
            Facet::Salary => &mut self.salary,
            Facet::EmployerType => &mut self.employer_type,
            Facet::Size => &mut self.size,
            Facet::Special => &mut self.special,
        }
    }
}

/// A page of search results.
#[derive(Debug, Serialize, ToSchema)]
pub struct SearchResults {
    pub total: usize,
    pub page: usize,
    pub results: Vec<PostingDto>,
    pub facets: Facets,
}

/// The display name of a facet value.
pub fn facet_name(rd: &RefData, f: Facet, key: &str) -> String {
    use jiuye_domain::posting;
    let found = match f {
        Facet::Province => rd.region(key).map(|r| r.name.clone()),
        Facet::Industry => rd.entry(Catalogue::Industries, key).map(|e| e.name.clone()),
        Facet::MajorClass => jiuye_app::search::major_name(rd, key),
        Facet::Education => posting::EDUCATION.iter().find(|(id, _)| *id == key).map(|(_, n)| (*n).to_owned()),
        Facet::Salary => posting::SALARY_BANDS
            .iter()
            .find(|(id, _, _)| *id == key)
            .map(|(_, n, _)| (*n).to_owned())
            .or_else(|| (key == "negotiable").then(|| "面议".to_owned())),
        Facet::EmployerType => rd.entry(Catalogue::EmployerTypes, key).map(|e| e.name.clone()),
        Facet::Size => jiuye_domain::employer::SizeClass::from_id(key).map(|s| s.zh().to_owned()),
        Facet::Special => posting::specials().iter().find(|s| s.id == key).map(|s| s.name.clone()),
    };
    found.unwrap_or_else(|| key.to_owned())
}

/// Today as the index stores deadlines (YYYYMMDD).
fn today_number() -> u64 {
    crate::render::time::today().format("%Y%m%d").to_string().parse().unwrap_or(0)
}

/// What a search result shows, as the index keeps it (`jiuye_app::search::shown`).
#[derive(Deserialize)]
struct Shown {
    id: Uuid,
    employer_id: Uuid,
    employer_credit_code: String,
    employer_name: String,
    title: String,
    description: String,
    region: String,
    region_name: String,
    position: String,
    education: String,
    majors: Vec<String>,
    openings: i64,
    salary_min: Option<i64>,
    salary_max: Option<i64>,
    deadline: String,
    contact: String,
    apply_method: String,
    visibility: String,
    scope: String,
    specials: Vec<String>,
    /// Absent in entries indexed before postings had a chosen occupation.
    #[serde(default)]
    occupation: Option<String>,
    status: String,
    risk_level: String,
    reasons: Vec<jiuye_domain::screening::Reason>,
    review_note: Option<String>,
    recheck: bool,
    report_count: i64,
    version: i64,
    created_at: chrono::DateTime<chrono::Utc>,
}

impl From<Shown> for PostingDto {
    fn from(s: Shown) -> PostingDto {
        PostingDto {
            id: s.id,
            employer_id: s.employer_id,
            employer_credit_code: s.employer_credit_code,
            employer_name: s.employer_name,
            title: s.title,
            description: s.description,
            region: s.region,
            region_name: s.region_name,
            position: s.position,
            education: s.education,
            majors: s.majors,
            openings: s.openings,
            salary_min: s.salary_min,
            salary_max: s.salary_max,
            deadline: s.deadline,
            contact: s.contact,
            apply_method: s.apply_method,
            visibility: s.visibility,
            scope: s.scope,
            specials: s.specials,
            occupation_name: crate::api::postings::view::occupation_name(s.occupation.as_deref()),
            occupation: s.occupation,
            status: s.status,
            risk_level: s.risk_level,
            reasons: s.reasons,
            review_note: s.review_note,
            recheck: s.recheck,
            report_count: s.report_count,
            reports: Vec::new(),
            version: s.version,
            created_at: s.created_at,
        }
    }
}

/// The results shown: read back from the index, or from the database for an entry the index
/// holds without them.
async fn shown(state: &AppState, hits: &jiuye_search::Hits) -> Result<Vec<PostingDto>, AppError> {
    let from_index: Option<Vec<PostingDto>> =
        hits.shown.iter().map(|s| serde_json::from_str::<Shown>(s).ok().map(PostingDto::from)).collect();
    if let Some(rows) = from_index {
        return Ok(rows);
    }
    let mut rows = state.store.postings_by_ids(&hits.ids).await?;
    rows.sort_by_key(|r| hits.ids.iter().position(|id| *id == r.posting.id));
    Ok(rows.into_iter().map(|row| crate::api::postings::view::dto(state, row)).collect())
}

pub(crate) async fn run(
    state: &AppState,
    caller: Option<&crate::auth::Caller>,
    p: &SearchParams,
) -> Result<Arc<SearchResults>, AppError> {
    Ok(answer(state, caller, p).await?.found)
}

async fn answer(state: &AppState, caller: Option<&crate::auth::Caller>, p: &SearchParams) -> Result<Answer, AppError> {
    use std::sync::atomic::Ordering::Relaxed;
    let text = p.q.clone().unwrap_or_default();
    if text.chars().count() > 100 {
        return Err(AppError::bad_request(ErrorCode::QueryTooLong, "检索词不超过 100 字"));
    }
    let ix = index(state).await?;
    let reader = caller.map(|c| &c.actor);
    let scopes = readers::scopes(&*state.store, &state.search.readers, reader).await?;
    let hidden = hidden_employers(state, reader).await?;
    let page = p.page.unwrap_or(1).clamp(1, 500);
    let mut filters: Vec<(Facet, String)> = Vec::new();
    for f in Facet::ALL {
        let Some(v) = p.value(f) else { continue };
        let v = if f == Facet::Province {
            // A region narrows to its province.
            let province = v
                .get(..2)
                .filter(|d| d.bytes().all(|b| b.is_ascii_digit()))
                .ok_or_else(|| AppError::bad_request(ErrorCode::InvalidRegion, format!("地区代码 {v} 无效")))?;
            format!("{province}0000")
        } else {
            v.to_owned()
        };
        filters.push((f, v));
    }
    let mut scopes: Vec<Uuid> = scopes.ids.iter().copied().collect();
    scopes.sort_unstable();
    // The same question asked again of an unchanged index gets the same answer (for at most a
    // minute, after which the postings shown are read again).
    let today = today_number();
    let generation = ix.generation();
    let key = state.settings.search_cache.then(|| format!("{today}|{page}|{text}|{filters:?}|{scopes:?}|{hidden:?}"));
    if let Some(c) = key.as_deref().and_then(|k| state.search.cached(k, generation)) {
        state.search.reused.fetch_add(1, Relaxed);
        return Ok(Answer { found: c.found, json: c.json, reused: true });
    }
    let gate = state.search.gate.get_or_init(|| {
        let n = state.settings.search_concurrency;
        (n > 0).then(|| tokio::sync::Semaphore::new(n))
    });
    let permit = match gate {
        Some(g) => Some(g.acquire().await.map_err(unavailable)?),
        None => None,
    };
    let hits = tokio::task::spawn_blocking(move || {
        ix.search(&Query {
            text: &text,
            filters,
            scopes: &scopes,
            hidden_employers: hidden.as_slice(),
            today,
            now_ms: now_ms(),
            limit: 20,
            offset: (page - 1) * 20,
            facets: true,
        })
    })
    .await
    .map_err(unavailable)?
    .map_err(unavailable)?;
    drop(permit);
    let results = shown(state, &hits).await?;
    let mut facets = Facets::default();
    for (f, counts) in &hits.facets {
        *facets.slot(*f) = counts
            .iter()
            .map(|(key, count)| FacetCount {
                name: facet_name(&state.refdata, *f, key),
                key: key.clone(),
                count: *count,
            })
            .collect();
    }
    let found = Arc::new(SearchResults { total: hits.total, page, results, facets });
    let json = Arc::new(std::sync::OnceLock::new());
    state.search.computed.fetch_add(1, Relaxed);
    if let Some(key) = key {
        let c = Cached { generation, at: std::time::Instant::now(), found: found.clone(), json: json.clone() };
        state.search.remember(key, c);
    }
    Ok(Answer { found, json, reused: false })
}

/// Searches the postings open to the caller: Chinese word segmentation plus bigrams (a major's
/// name matches however it was split; Traditional characters find Simplified), relevance with
/// newer postings first among equals, filters by region, industry, major class, education, pay,
/// employer type and size and themed campaign, with counts of each over every match; 20 a page.
/// Expired and unapproved postings are never found.
#[utoipa::path(get, path = "/api/v1/postings/search", tag = "postings", params(SearchParams),
    responses((status = 200, description = "A page of results with the facet counts", body = SearchResults),
        (status = 400, description = "`query_too_long`, `invalid_region`", body = ErrorBody),
        (status = 503, description = "`search_unavailable`", body = ErrorBody)))]
pub async fn search(
    State(state): State<AppState>,
    caller: MaybeCaller,
    ApiQuery(p): ApiQuery<SearchParams>,
) -> Result<axum::response::Response, AppError> {
    use axum::response::IntoResponse;
    let a = answer(&state, caller.0.as_deref(), &p).await?;
    // A reused answer is written as JSON once.
    let body = match a.json.get() {
        Some(b) => b.clone(),
        None => {
            let b = axum::body::Bytes::from(serde_json::to_vec(a.found.as_ref()).map_err(unavailable)?);
            a.json.get_or_init(|| b).clone()
        }
    };
    let kind = if a.reused { "reused" } else { "computed" };
    Ok((
        [
            (axum::http::header::CONTENT_TYPE, "application/json"),
            (axum::http::HeaderName::from_static(ANSWER_HEADER), kind),
        ],
        body,
    )
        .into_response())
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(search))
}
