//! The postings matching draws from, held in memory: each open, low-risk posting of an employer
//! that is not blacklisted, with what the model reads of it (its occupation, its text prepared
//! for comparison) and inverted lists by major class, occupation group and province for
//! candidate generation. Built from the store once and caught up with the postings changed
//! since (the same feed as the search index). It only proposes candidates: a reader's
//! visibility is checked on each, and what is shown is checked again against the store.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use chrono::{DateTime, NaiveDate, Utc};
use jiuye_domain::RefData;
use jiuye_domain::matching::recommend::{self, GraduateFacts, PostingFacts, Weights};
use jiuye_domain::matching::text::{TextProfile, TextScorer};
use jiuye_domain::matching::title_examples::TitleExamples;
use jiuye_domain::matching::titles::Occupations;
use jiuye_domain::posting::PostingStatus;
use jiuye_store::Repository;
use jiuye_store::postings::PostingRow;
use uuid::Uuid;

use crate::Error;

/// What the pool holds of one posting.
#[derive(Debug)]
pub struct Entry {
    pub id: Uuid,
    pub employer: Uuid,
    pub scope: Uuid,
    pub deadline: NaiveDate,
    pub facts: PostingFacts,
    /// The first four characters of the occupation code (`2-02`), for feedback.
    pub group: Option<String>,
    pub text: TextProfile,
}

/// A key of an inverted list.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Key {
    /// A major class (four digits) a posting asks for.
    Class(String),
    /// Postings open to any major.
    AnyMajor,
    /// An occupation's middle group (`2-02`).
    Group(String),
    /// The province of the place of work (two digits).
    Province(String),
}

#[derive(Default)]
struct Inner {
    slots: Vec<Option<Arc<Entry>>>,
    by_id: HashMap<Uuid, u32>,
    lists: HashMap<Key, Vec<u32>>,
    loaded: bool,
    synced: Option<DateTime<Utc>>,
}

/// The in-memory posting pool of a node.
#[derive(Default)]
pub struct Pool {
    inner: RwLock<Inner>,
    catching_up: tokio::sync::Mutex<()>,
    /// How this node's titles are labelled: the approved postings whose occupation a person
    /// chose, read again when one of them changes.
    titles: RwLock<Arc<TitleExamples>>,
}

/// The most labelled titles learnt from (the newest).
pub const LABELLED_TITLES: i64 = 100_000;

/// The most candidates read from one inverted list (its newest).
pub const PER_LIST: usize = 1_500;

impl Entry {
    /// The entry for a posting, or `None` when matching must never propose it: not approved,
    /// not of low risk, or from a blacklisted employer. Its occupation is the one chosen for it,
    /// or else the best for its title given how this node labels titles (`titles`).
    pub fn of(rd: &RefData, r: &PostingRow, titles: &TitleExamples) -> Option<Entry> {
        let p = &r.posting;
        let blacklisted = r.employer_verification == jiuye_domain::employer::Verification::Blacklisted;
        if p.status != PostingStatus::Approved || blacklisted || p.risk_level != "low" {
            return None;
        }
        let occ = Occupations::shipped();
        let chosen = p.occupation.as_deref().and_then(|c| occ.get(c)).map(|o| (o.code.clone(), o.name.clone()));
        let occupation =
            chosen.or_else(|| titles.normalise(occ, &p.title, 1).into_iter().next().map(|m| (m.code, m.name)));
        let group = occupation.as_ref().and_then(|(c, _)| c.get(..4)).map(str::to_owned);
        let region_name = rd.region(&p.region_code).map(|r| r.name.clone()).unwrap_or_else(|| p.region_code.clone());
        let facts = PostingFacts {
            majors: p.majors.split(',').filter(|m| !m.is_empty()).map(str::to_owned).collect(),
            occupation,
            region: p.region_code.clone(),
            region_name,
            education: p.education.clone(),
            salary_min: p.salary_min,
            salary_max: p.salary_max,
            created: p.created_at.date_naive(),
            employer_verified: r.employer_verification == jiuye_domain::employer::Verification::Verified,
            employer_type: r.employer_type.clone(),
            industry_section: rd.industry_section(&r.employer_industry).unwrap_or("").to_owned(),
            internship: p.title.contains("实习") || p.title.contains("见习"),
            specials: p.specials.split(',').filter(|s| !s.is_empty()).map(str::to_owned).collect(),
        };
        Some(Entry {
            id: p.id,
            employer: p.employer_id,
            scope: p.scope_org_id,
            deadline: p.deadline,
            text: TextProfile::of(&format!("{}\n{}", p.title, p.description)),
            facts,
            group,
        })
    }

    fn keys(&self) -> Vec<Key> {
        let mut keys = Vec::with_capacity(4);
        if self.facts.majors.is_empty() {
            keys.push(Key::AnyMajor);
        }
        for m in &self.facts.majors {
            if let Some(c) = m.get(..4) {
                keys.push(Key::Class(c.to_owned()));
            }
        }
        if let Some(g) = &self.group {
            keys.push(Key::Group(g.clone()));
        }
        if let Some(p) = self.facts.region.get(..2) {
            keys.push(Key::Province(p.to_owned()));
        }
        keys.sort_by(|a, b| format!("{a:?}").cmp(&format!("{b:?}")));
        keys.dedup();
        keys
    }
}

impl Pool {
    /// A pool holding exactly these entries (benchmarks, tests).
    pub fn from_entries(entries: Vec<Entry>) -> Pool {
        let pool = Pool::default();
        if let Ok(mut inner) = pool.inner.write() {
            for e in entries {
                inner.put(e.id, Some(e));
            }
            inner.loaded = true;
        }
        pool
    }

    pub fn len(&self) -> usize {
        self.inner.read().map(|i| i.by_id.len()).unwrap_or(0)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Loads every posting on first use, then applies the postings changed since the last
    /// catch-up (five seconds of slack for writes that were under way).
    pub async fn catch_up(&self, store: &dyn Repository, rd: &Arc<RefData>) -> Result<(), Error> {
        let _one = self.catching_up.lock().await;
        let (loaded, synced) = match self.inner.read() {
            Ok(i) => (i.loaded, i.synced),
            Err(_) => (false, None),
        };
        let started = Utc::now();
        if !loaded {
            self.learn_titles(store).await?;
            let mut after = None;
            loop {
                let rows = store.approved_postings_after(after, 5_000).await?;
                let Some(last) = rows.last() else { break };
                after = Some(last.posting.id);
                self.apply_rows(rd, rows, &[]).await?;
            }
        } else if let Some(since) = synced {
            let ids = store.postings_changed_since(since - chrono::Duration::seconds(5)).await?;
            // The chunks are read first, so that titles are learnt again at most once (before
            // any row is applied) when some changed posting carries a chosen occupation.
            let mut chunks = Vec::with_capacity(ids.len().div_ceil(500));
            for chunk in ids.chunks(500) {
                chunks.push((store.postings_by_ids(chunk).await?, chunk));
            }
            if chunks.iter().any(|(rows, _)| rows.iter().any(|r| r.posting.occupation.is_some())) {
                self.learn_titles(store).await?;
            }
            for (rows, chunk) in chunks {
                self.apply_rows(rd, rows, chunk).await?;
            }
        }
        if let Ok(mut i) = self.inner.write() {
            i.loaded = true;
            i.synced = Some(started);
        }
        Ok(())
    }

    /// How this node labels titles, as last learnt.
    pub fn titles(&self) -> Arc<TitleExamples> {
        self.titles.read().map(|t| t.clone()).unwrap_or_default()
    }

    /// Learns again from the approved postings whose occupation a person chose (off the async
    /// workers). Postings already in the pool keep the occupation they were given until they
    /// change.
    async fn learn_titles(&self, store: &dyn Repository) -> Result<(), Error> {
        let labelled = store.labelled_titles(LABELLED_TITLES).await?;
        let learnt = tokio::task::spawn_blocking(move || {
            TitleExamples::new(Occupations::shipped(), labelled.iter().map(|(t, c)| (t.as_str(), c.as_str())))
        })
        .await
        .map_err(|e| Error::new(crate::ErrorKind::Internal, crate::ErrorCode::InternalError, e.to_string()))?;
        if let Ok(mut t) = self.titles.write() {
            *t = Arc::new(learnt);
        }
        Ok(())
    }

    /// Puts these rows (and removes the ids in `asked` that are not among them) off the async
    /// workers: preparing texts costs CPU.
    async fn apply_rows(&self, rd: &Arc<RefData>, rows: Vec<PostingRow>, asked: &[Uuid]) -> Result<(), Error> {
        let rd = rd.clone();
        let asked = asked.to_vec();
        let titles = self.titles();
        let prepared = tokio::task::spawn_blocking(move || {
            let mut out: Vec<(Uuid, Option<Entry>)> =
                rows.iter().map(|r| (r.posting.id, Entry::of(&rd, r, &titles))).collect();
            out.extend(asked.into_iter().filter(|id| !rows.iter().any(|r| r.posting.id == *id)).map(|id| (id, None)));
            out
        })
        .await
        .map_err(|e| Error::new(crate::ErrorKind::Internal, crate::ErrorCode::InternalError, e.to_string()))?;
        if let Ok(mut inner) = self.inner.write() {
            for (id, e) in prepared {
                inner.put(id, e);
            }
        }
        Ok(())
    }

    /// Entries by id (those still in the pool).
    pub fn entries(&self, ids: &[Uuid]) -> Vec<Arc<Entry>> {
        let Ok(inner) = self.inner.read() else { return Vec::new() };
        ids.iter().filter_map(|id| inner.by_id.get(id).and_then(|s| inner.slots[*s as usize].clone())).collect()
    }

    /// Candidate postings for a graduate: the newest of each inverted list their major class,
    /// intended occupations and regions (or home and school provinces) point to, and of the
    /// postings open to any major.
    pub fn candidates(&self, g: &GraduateFacts) -> Vec<Arc<Entry>> {
        let Ok(inner) = self.inner.read() else { return Vec::new() };
        let mut keys = vec![Key::AnyMajor];
        if let Some(c) = g.major.as_deref().and_then(|m| m.get(..4)) {
            keys.push(Key::Class(c.to_owned()));
        }
        keys.extend(g.intentions.occupations.iter().filter_map(|o| o.get(..4)).map(|o| Key::Group(o.to_owned())));
        let mut provinces: Vec<&str> = g.intentions.regions.iter().filter_map(|r| r.get(..2)).collect();
        if provinces.is_empty() {
            provinces.extend([g.home_region.get(..2), g.school_province.get(..2)].into_iter().flatten());
        }
        keys.extend(provinces.into_iter().map(|p| Key::Province(p.to_owned())));
        let mut slots: Vec<u32> = Vec::with_capacity(keys.len() * PER_LIST);
        for k in &keys {
            if let Some(list) = inner.lists.get(k) {
                slots.extend(list.iter().rev().take(PER_LIST));
            }
        }
        slots.sort_unstable();
        slots.dedup();
        slots.into_iter().filter_map(|s| inner.slots[s as usize].clone()).collect()
    }
}

impl Inner {
    fn put(&mut self, id: Uuid, entry: Option<Entry>) {
        if let Some(slot) = self.by_id.remove(&id) {
            self.slots[slot as usize] = None;
        }
        let Some(e) = entry else { return };
        let slot = self.slots.len() as u32;
        for k in e.keys() {
            self.lists.entry(k).or_default().push(slot);
        }
        self.slots.push(Some(Arc::new(e)));
        self.by_id.insert(id, slot);
        // Lists keep the slots of replaced entries until they outnumber the live ones.
        if self.slots.len() > 1_024 && self.slots.len() > 2 * self.by_id.len() {
            self.compact();
        }
    }

    fn compact(&mut self) {
        let live: Vec<Arc<Entry>> = self.slots.drain(..).flatten().collect();
        self.by_id.clear();
        self.lists.clear();
        for e in live {
            let slot = self.slots.len() as u32;
            for k in e.keys() {
                self.lists.entry(k).or_default().push(slot);
            }
            self.by_id.insert(e.id, slot);
            self.slots.push(Some(e));
        }
    }
}

/// What a graduate brings to ranking besides their facts: their résumé and skills prepared for
/// comparison, and their feedback.
#[derive(Default)]
pub struct Seeker {
    pub facts: GraduateFacts,
    pub text: Option<TextProfile>,
    /// Postings not to show (not interested, applied already).
    pub skip: Vec<Uuid>,
    /// (employer, occupation group) of postings they were not interested in.
    pub disliked: Vec<(Uuid, Option<String>)>,
    /// Occupation groups of postings they liked or applied to.
    pub liked_groups: Vec<String>,
}

/// Ranks candidates for a seeker: those `admit` lets through (visibility, deadlines), scored
/// without reasons, adjusted by feedback, spread over employers; the best `n`, best first, with
/// the score each ranked by.
pub fn rank(
    w: &Weights,
    scorer: &TextScorer,
    seeker: &Seeker,
    candidates: Vec<Arc<Entry>>,
    admit: impl Fn(&Entry) -> bool,
    n: usize,
    today: NaiveDate,
) -> Vec<(Arc<Entry>, f32)> {
    let kept: Vec<Arc<Entry>> =
        candidates.into_iter().filter(|e| e.deadline >= today && !seeker.skip.contains(&e.id) && admit(e)).collect();
    let scored: Vec<(Uuid, f32)> = kept
        .iter()
        .map(|e| {
            let text = seeker.text.as_ref().map(|t| scorer.score(t, &e.text).0);
            let base = recommend::rank_score(w, &seeker.facts, &e.facts, text, today);
            let (f, _) =
                recommend::feedback_factor(&seeker.disliked, &seeker.liked_groups, &e.employer, e.group.as_deref());
            (e.employer, if base >= 0.0 { base * f } else { base / f })
        })
        .collect();
    recommend::diversify(&scored, 0.8, n).into_iter().map(|(ix, s)| (kept[ix].clone(), s)).collect()
}

/// The reasons of one ranked posting for a seeker.
pub fn explain(w: &Weights, scorer: &TextScorer, seeker: &Seeker, e: &Entry, today: NaiveDate) -> recommend::Scored {
    let text = seeker.text.as_ref().map(|t| scorer.score(t, &e.text));
    let mut s =
        recommend::score(w, &seeker.facts, &e.facts, text.as_ref().map(|(v, terms)| (*v, terms.as_slice())), today);
    let (_, reason) =
        recommend::feedback_factor(&seeker.disliked, &seeker.liked_groups, &e.employer, e.group.as_deref());
    if let Some(r) = reason {
        s.fits.push(r);
    }
    s
}
