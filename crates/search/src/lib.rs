//! Full-text search of job postings. The index is derived from the database: it holds approved
//! postings only and is rebuilt from the store or updated posting by posting.
//!
//! Text is folded first (full-width forms, letter case, Traditional → Simplified, through the
//! same table the scam screening uses), then indexed twice: as jieba words with ordinal
//! positions (for relevance), and as overlapping character bigrams (for recall: a query matches
//! however the words were split, "计算机科学" inside "计算机科学与技术").

mod columns;

use std::sync::Mutex;

use columns::{BATCH, Entry, SegmentCache, TopK};
use jieba_rs::Jieba;
use tantivy::query::{AllQuery, BooleanQuery, EnableScoring, Occur, Query as TQuery, TermQuery};
use tantivy::schema::{
    FAST, Field, INDEXED, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions, Value,
};
use tantivy::tokenizer::{Token, TokenStream, Tokenizer};
use tantivy::{DocAddress, DocId, Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument, Term, doc};
use uuid::Uuid;

/// What goes wrong in the index.
#[derive(Debug)]
pub struct SearchError(pub String);

impl std::fmt::Display for SearchError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for SearchError {}

impl From<tantivy::TantivyError> for SearchError {
    fn from(e: tantivy::TantivyError) -> Self {
        SearchError(e.to_string())
    }
}

pub type Result<T> = std::result::Result<T, SearchError>;

/// Text as the index sees it: full-width folded, lower case, Simplified; separators kept as
/// spaces so words do not run together.
pub fn fold(text: &str) -> String {
    text.chars().map(|c| jiuye_domain::screening::fold_char(c).unwrap_or(' ')).collect()
}

fn is_cjk(c: char) -> bool {
    matches!(c as u32, 0x3400..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x2FA1F)
}

/// jieba words with ordinal positions (so phrase queries work), over folded text.
#[derive(Clone)]
struct WordTokenizer {
    jieba: std::sync::Arc<Jieba>,
}

/// Overlapping bigrams of CJK runs (a lone CJK character is its own token) and whole ASCII words.
#[derive(Clone)]
struct GramTokenizer;

/// Tokens computed up front.
struct VecStream {
    tokens: Vec<Token>,
    at: usize,
}

impl TokenStream for VecStream {
    fn advance(&mut self) -> bool {
        if self.at < self.tokens.len() {
            self.at += 1;
            true
        } else {
            false
        }
    }
    fn token(&self) -> &Token {
        &self.tokens[self.at - 1]
    }
    fn token_mut(&mut self) -> &mut Token {
        &mut self.tokens[self.at - 1]
    }
}

fn token(text: String, from: usize, to: usize, position: usize) -> Token {
    Token { offset_from: from, offset_to: to, position, text, position_length: 1 }
}

impl Tokenizer for WordTokenizer {
    type TokenStream<'a> = VecStream;
    fn token_stream<'a>(&'a mut self, text: &'a str) -> VecStream {
        let folded = fold(text);
        let mut tokens = Vec::new();
        let mut from = 0;
        for w in self.jieba.cut(&folded, true) {
            let to = from + w.len();
            if !w.trim().is_empty() {
                let position = tokens.len();
                tokens.push(token(w.to_owned(), from, to, position));
            }
            from = to;
        }
        VecStream { tokens, at: 0 }
    }
}

/// The bigrams (and ASCII words) of a text, in order.
pub fn grams(text: &str) -> Vec<String> {
    let folded = fold(text);
    let chars: Vec<char> = folded.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if is_cjk(c) {
            let start = i;
            while i < chars.len() && is_cjk(chars[i]) {
                i += 1;
            }
            let run = &chars[start..i];
            if run.len() == 1 {
                out.push(run[0].to_string());
            }
            out.extend(run.windows(2).map(|w| w.iter().collect::<String>()));
        } else if c.is_alphanumeric() {
            let start = i;
            while i < chars.len() && chars[i].is_alphanumeric() && !is_cjk(chars[i]) {
                i += 1;
            }
            out.push(chars[start..i].iter().collect());
        } else {
            i += 1;
        }
    }
    out
}

impl Tokenizer for GramTokenizer {
    type TokenStream<'a> = VecStream;
    fn token_stream<'a>(&'a mut self, text: &'a str) -> VecStream {
        let tokens = grams(text).into_iter().enumerate().map(|(i, g)| token(g, 0, 0, i)).collect();
        VecStream { tokens, at: 0 }
    }
}

/// A dimension postings are filtered and counted by.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Facet {
    /// Province of the place of work (`510000`).
    Province,
    /// GB/T 4754 section of the employer's industry (`I`).
    Industry,
    /// Major class wanted (four-digit catalogue code).
    MajorClass,
    Education,
    /// Pay band (see `jiuye_domain::posting::SALARY_BANDS`).
    Salary,
    /// The employer's ownership type code.
    EmployerType,
    /// The employer's size class.
    Size,
    /// Themed campaign.
    Special,
}

impl Facet {
    pub const ALL: [Facet; 8] = [
        Facet::Province,
        Facet::Industry,
        Facet::MajorClass,
        Facet::Education,
        Facet::Salary,
        Facet::EmployerType,
        Facet::Size,
        Facet::Special,
    ];

    /// The field's name in the index (also the facet's name in the API).
    pub fn name(self) -> &'static str {
        match self {
            Facet::Province => "region",
            Facet::Industry => "industry",
            Facet::MajorClass => "major_class",
            Facet::Education => "education",
            Facet::Salary => "salary",
            Facet::EmployerType => "employer_type",
            Facet::Size => "size",
            Facet::Special => "special",
        }
    }

    /// How many values the counts list at most.
    fn buckets(self) -> u32 {
        match self {
            Facet::Province => 40,
            Facet::MajorClass => 30,
            Facet::Industry | Facet::EmployerType => 25,
            _ => 10,
        }
    }
}

/// A posting as the index holds it.
#[derive(Clone, Debug, Default)]
pub struct PostingDoc {
    pub id: Uuid,
    /// Title, employer name, description and the names of the majors wanted.
    pub text: String,
    /// Values of each facet (a posting may have several major classes or campaigns).
    pub facets: Vec<(Facet, String)>,
    /// The organisation it appears in.
    pub scope: Uuid,
    /// The employer that posted it.
    pub employer: Uuid,
    /// YYYYMMDD of the deadline.
    pub deadline: u64,
    /// Milliseconds since the epoch it was created.
    pub created_ms: i64,
    /// What a result shows of it, kept whole (opaque to the index) so that results need no
    /// database read.
    pub shown: String,
}

/// What to look for.
#[derive(Clone, Debug, Default)]
pub struct Query<'a> {
    pub text: &'a str,
    /// Every one of these must hold.
    pub filters: Vec<(Facet, String)>,
    /// Only postings appearing in one of these organisations.
    pub scopes: &'a [Uuid],
    /// Never the postings of these employers (hidden from this reader).
    pub hidden_employers: &'a [Uuid],
    /// YYYYMMDD: postings whose deadline is before it are left out.
    pub today: u64,
    /// Milliseconds since the epoch, for recency; newer postings rank higher among equals.
    pub now_ms: i64,
    pub limit: usize,
    pub offset: usize,
    /// Whether to count facet values over every match.
    pub facets: bool,
}

/// What was found.
#[derive(Clone, Debug, Default)]
pub struct Hits {
    pub ids: Vec<Uuid>,
    /// What each result shows ([`PostingDoc::shown`]), in the order of `ids`.
    pub shown: Vec<String>,
    pub total: usize,
    /// For each facet, (value, count) over every match, most first.
    pub facets: Vec<(Facet, Vec<(String, u64)>)>,
}

impl Hits {
    /// The counts of one facet.
    pub fn counts(&self, f: Facet) -> &[(String, u64)] {
        self.facets.iter().find(|(x, _)| *x == f).map(|(_, v)| v.as_slice()).unwrap_or(&[])
    }
}

/// Bumped whenever the schema or the text analysis changes: an index written by another
/// version is rebuilt.
const SCHEMA_VERSION: u32 = 5;

struct Fields {
    id: Field,
    text: Field,
    grams: Field,
    facets: Vec<(Facet, Field)>,
    scope: Field,
    employer: Field,
    deadline: Field,
    created: Field,
    shown: Field,
}

/// The posting index, in memory or in a directory.
pub struct SearchIndex {
    index: Index,
    reader: IndexReader,
    writer: Mutex<IndexWriter>,
    f: Fields,
    generation: std::sync::atomic::AtomicU64,
    segments: SegmentCache,
}

fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let words = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer("cn_words")
            .set_index_option(IndexRecordOption::WithFreqsAndPositions),
    );
    let bigrams = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default().set_tokenizer("cn_grams").set_index_option(IndexRecordOption::WithFreqs),
    );
    let f = Fields {
        id: b.add_text_field("id", STRING | STORED),
        text: b.add_text_field("text", words),
        grams: b.add_text_field("grams", bigrams),
        facets: Facet::ALL.iter().map(|x| (*x, b.add_text_field(x.name(), STRING | FAST))).collect(),
        scope: b.add_text_field("scope", STRING | FAST),
        employer: b.add_text_field("employer", STRING),
        deadline: b.add_u64_field("deadline", INDEXED | FAST),
        created: b.add_i64_field("created", FAST),
        shown: b.add_text_field("shown", STORED),
    };
    (b.build(), f)
}

/// What an index directory records of itself at each commit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stamp {
    /// The store the index was built from (its node id).
    pub source: String,
    /// Every change up to this moment (ms since the epoch) is in the index.
    pub synced_ms: i64,
}

impl Stamp {
    fn encode(&self) -> String {
        format!("v{SCHEMA_VERSION} {} {}", self.source, self.synced_ms)
    }
    fn decode(s: &str) -> Option<Stamp> {
        let mut it = s.split(' ');
        if it.next()? != format!("v{SCHEMA_VERSION}") {
            return None;
        }
        Some(Stamp { source: it.next()?.to_owned(), synced_ms: it.next()?.parse().ok()? })
    }
}

impl SearchIndex {
    /// An empty index in memory. Loading jieba's dictionary takes a moment.
    pub fn in_memory() -> Result<SearchIndex> {
        let (schema, f) = schema();
        Self::finish(Index::create_in_ram(schema), f)
    }

    /// The index kept in `dir`, created empty when there is none or it cannot be read with this
    /// schema. Fails when another process holds it open for writing.
    pub fn open(dir: &std::path::Path) -> Result<SearchIndex> {
        let (schema, f) = schema();
        std::fs::create_dir_all(dir).map_err(|e| SearchError(format!("{}: {e}", dir.display())))?;
        let opened = tantivy::directory::MmapDirectory::open(dir)
            .map_err(|e| SearchError(e.to_string()))
            .and_then(|d| Index::open_or_create(d, schema.clone()).map_err(SearchError::from));
        let index = match opened {
            // A missing or foreign stamp is for the caller to see (it rebuilds).
            Ok(ix) => ix,
            Err(_) => {
                // Unreadable or written with another schema: start again.
                std::fs::remove_dir_all(dir).map_err(|e| SearchError(format!("{}: {e}", dir.display())))?;
                std::fs::create_dir_all(dir).map_err(|e| SearchError(format!("{}: {e}", dir.display())))?;
                let d = tantivy::directory::MmapDirectory::open(dir).map_err(|e| SearchError(e.to_string()))?;
                Index::create(d, schema, Default::default())?
            }
        };
        Self::finish(index, f)
    }

    fn finish(index: Index, f: Fields) -> Result<SearchIndex> {
        let mut jieba = Jieba::new();
        for (word, _) in major_and_occupation_words() {
            jieba.add_word(&word, Some(100_000), None);
        }
        index.tokenizers().register("cn_words", WordTokenizer { jieba: std::sync::Arc::new(jieba) });
        index.tokenizers().register("cn_grams", GramTokenizer);
        let writer = index.writer(200_000_000)?;
        let reader = index.reader_builder().reload_policy(ReloadPolicy::Manual).try_into()?;
        let ix = SearchIndex {
            index,
            reader,
            writer: Mutex::new(writer),
            f,
            generation: Default::default(),
            segments: Default::default(),
        };
        ix.segments.warm(ix.reader.searcher().segment_readers())?;
        Ok(ix)
    }

    /// What the last commit recorded; `None` for a new index (it must be built).
    pub fn stamp(&self) -> Option<Stamp> {
        self.index.load_metas().ok().and_then(|m| m.payload).as_deref().and_then(Stamp::decode)
    }

    fn document(&self, d: &PostingDoc) -> TantivyDocument {
        let mut doc = doc!(
            self.f.id => d.id.to_string(),
            self.f.text => d.text.clone(),
            self.f.grams => d.text.clone(),
            self.f.scope => d.scope.to_string(),
            self.f.employer => d.employer.to_string(),
            self.f.deadline => d.deadline,
            self.f.created => d.created_ms,
            self.f.shown => d.shown.clone(),
        );
        for (facet, value) in &d.facets {
            if let Some((_, field)) = self.f.facets.iter().find(|(x, _)| x == facet) {
                doc.add_text(*field, value);
            }
        }
        doc
    }

    fn commit(&self, w: &mut IndexWriter, stamp: &Stamp) -> Result<()> {
        let mut prepared = w.prepare_commit()?;
        prepared.set_payload(&stamp.encode());
        prepared.commit()?;
        self.reader.reload()?;
        self.segments.warm(self.reader.searcher().segment_readers())?;
        self.generation.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        Ok(())
    }

    /// Goes up with every commit: anything computed from an older generation is stale.
    pub fn generation(&self) -> u64 {
        self.generation.load(std::sync::atomic::Ordering::SeqCst)
    }

    fn lock(&self) -> Result<std::sync::MutexGuard<'_, IndexWriter>> {
        self.writer.lock().map_err(|_| SearchError("index writer poisoned".into()))
    }

    /// Replaces the whole index with what `next` yields, batch by batch, and commits once at
    /// the end: searches see the old contents until then.
    pub fn rebuild(&self, mut next: impl FnMut() -> Result<Option<Vec<PostingDoc>>>, stamp: &Stamp) -> Result<u64> {
        let mut w = self.lock()?;
        let mut fill = |w: &mut IndexWriter| -> Result<u64> {
            w.delete_all_documents()?;
            let mut n = 0;
            while let Some(batch) = next()? {
                for d in &batch {
                    w.add_document(self.document(d))?;
                }
                n += batch.len() as u64;
            }
            Ok(n)
        };
        match fill(&mut w) {
            Ok(n) => {
                self.commit(&mut w, stamp)?;
                Ok(n)
            }
            Err(e) => {
                // Nothing of a failed build may reach the next commit.
                w.rollback()?;
                Err(e)
            }
        }
    }

    /// Replaces the whole index with `docs`.
    pub fn replace_all(&self, docs: &[PostingDoc], stamp: &Stamp) -> Result<()> {
        let mut once = Some(docs.to_vec());
        self.rebuild(|| Ok(once.take()), stamp).map(|_| ())
    }

    /// Brings postings up to date: each id either gets its new entry or, with `None`, leaves.
    /// Searchable when this returns.
    pub fn apply(&self, changes: &[(Uuid, Option<PostingDoc>)], stamp: &Stamp) -> Result<()> {
        let mut w = self.lock()?;
        for (id, doc) in changes {
            w.delete_term(Term::from_field_text(self.f.id, &id.to_string()));
            if let Some(d) = doc {
                w.add_document(self.document(d))?;
            }
        }
        self.commit(&mut w, stamp)
    }

    /// Drops the postings whose deadline is before `today` (YYYYMMDD). Searches never find them
    /// anyway; this keeps the index from growing with them. Returns how many postings remain.
    pub fn prune_expired(&self, today: u64, stamp: &Stamp) -> Result<u64> {
        let mut w = self.lock()?;
        let before = tantivy::query::RangeQuery::new(
            std::ops::Bound::Unbounded,
            std::ops::Bound::Excluded(Term::from_field_u64(self.f.deadline, today)),
        );
        w.delete_query(Box::new(before))?;
        self.commit(&mut w, stamp)?;
        Ok(self.len())
    }

    /// How many postings the index holds.
    pub fn len(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Searches: every bigram of the query must occur (however the words were split), jieba
    /// words of the query raise the score, and so does being new; filters and visibility
    /// narrow; facets count over every match. With no text, newest first.
    pub fn search(&self, q: &Query<'_>) -> Result<Hits> {
        let mut must: Vec<(Occur, Box<dyn TQuery>)> = Vec::new();
        for (facet, value) in q.filters.iter().filter(|(_, v)| !v.is_empty()) {
            if let Some((_, field)) = self.f.facets.iter().find(|(x, _)| x == facet) {
                must.push((
                    Occur::Must,
                    Box::new(TermQuery::new(Term::from_field_text(*field, value), IndexRecordOption::Basic)),
                ));
            }
        }
        let text = q.text.trim();
        let text_grams = grams(text);
        let has_text = !text_grams.is_empty();
        if has_text {
            // The bigrams decide what matches, not how well: no scoring work for them.
            let all_grams: Vec<(Occur, Box<dyn TQuery>)> = text_grams
                .iter()
                .map(|g| {
                    let q: Box<dyn TQuery> =
                        Box::new(TermQuery::new(Term::from_field_text(self.f.grams, g), IndexRecordOption::Basic));
                    (Occur::Must, q)
                })
                .collect();
            must.push((
                Occur::Must,
                Box::new(tantivy::query::ConstScoreQuery::new(Box::new(BooleanQuery::new(all_grams)), 0.0)),
            ));
            let mut words = self.index.tokenizer_for_field(self.f.text)?;
            let mut stream = words.token_stream(text);
            let mut should: Vec<(Occur, Box<dyn TQuery>)> = Vec::new();
            while let Some(t) = stream.next() {
                should.push((
                    Occur::Should,
                    Box::new(TermQuery::new(Term::from_field_text(self.f.text, &t.text), IndexRecordOption::WithFreqs)),
                ));
            }
            if !should.is_empty() {
                must.push((Occur::Should, Box::new(BooleanQuery::new(should))));
            }
        } else {
            must.push((Occur::Must, Box::new(AllQuery)));
        }
        for e in q.hidden_employers {
            must.push((
                Occur::MustNot,
                Box::new(TermQuery::new(
                    Term::from_field_text(self.f.employer, &e.to_string()),
                    IndexRecordOption::Basic,
                )),
            ));
        }
        let searcher = self.reader.searcher();
        let limit = q.limit.clamp(1, 100);
        let scopes: Vec<String> = q.scopes.iter().map(Uuid::to_string).collect();
        let today = u32::try_from(q.today).unwrap_or(u32::MAX);
        let mut top = TopK::new(q.offset + limit);
        let mut total = 0u64;
        let mut counted: Vec<std::collections::HashMap<String, u64>> =
            if q.facets { vec![Default::default(); Facet::ALL.len()] } else { Vec::new() };
        // Nothing to narrow by but visibility: the counts come per scope, made once per day
        // and per state of the index, and the page walks each segment newest first.
        let landing = must.len() == 1 && !has_text;
        let query = BooleanQuery::new(must);
        let weight = match (landing, has_text) {
            (true, _) => None,
            (false, true) => Some(query.weight(EnableScoring::enabled_from_searcher(&searcher))?),
            (false, false) => Some(query.weight(EnableScoring::disabled_from_searcher(&searcher))?),
        };
        let now_ms = q.now_ms;
        for (seg_ord, seg) in searcher.segment_readers().iter().enumerate() {
            let data = self.segments.get(seg)?;
            let allowed = data.allowed(&scopes);
            let alive = seg.alive_bitset();
            let mut counts = data.counters();
            let seg_ord = seg_ord as u32;
            match &weight {
                None => {
                    let by_scope = data.scope_counts(seg, q.today);
                    total += data.add_scope_counts(&by_scope, &allowed, &mut counts);
                    let mut taken = 0;
                    for &doc in &data.newest {
                        if taken >= q.offset + limit {
                            break;
                        }
                        if alive.is_some_and(|a| !a.is_alive(doc)) || !data.visible(doc, today, &allowed) {
                            continue;
                        }
                        top.push(Entry { key: data.created(doc) as f64, seg: seg_ord, doc });
                        taken += 1;
                    }
                }
                Some(w) if has_text => {
                    let (mut docs, mut scores, mut n) = ([0; BATCH], [0f32; BATCH], 0);
                    let mut take = |docs: &[DocId], scores: &[f32]| {
                        let seen = data.visible_batch(docs, today, &allowed, alive);
                        for ((&doc, &score), _) in docs.iter().zip(scores).zip(seen.iter()).filter(|(_, ok)| **ok) {
                            total += 1;
                            if q.facets {
                                data.count(doc, &mut counts);
                            }
                            // Relevance, then a bonus for being new that fades over weeks: a
                            // posting from today gets half its score again, one from a month
                            // ago about a tenth. At most half again: a match that cannot get in
                            // is not weighed.
                            let score = f64::from(score);
                            if top.threshold().is_some_and(|t| score * 1.5 < t) {
                                continue;
                            }
                            let days = ((now_ms - data.created(doc)).max(0) as f64) / 86_400_000.0;
                            top.push(Entry { key: score * (1.0 + 0.5 * (-days / 14.0).exp()), seg: seg_ord, doc });
                        }
                    };
                    w.for_each(seg, &mut |doc, score| {
                        (docs[n], scores[n]) = (doc, score);
                        n += 1;
                        if n == BATCH {
                            take(&docs, &scores);
                            n = 0;
                        }
                    })?;
                    take(&docs[..n], &scores[..n]);
                }
                Some(w) => {
                    w.for_each_no_score(seg, &mut |docs| {
                        for chunk in docs.chunks(BATCH) {
                            let seen = data.visible_batch(chunk, today, &allowed, alive);
                            for (&doc, _) in chunk.iter().zip(seen.iter()).filter(|(_, ok)| **ok) {
                                total += 1;
                                if q.facets {
                                    data.count(doc, &mut counts);
                                }
                                top.push(Entry { key: data.created(doc) as f64, seg: seg_ord, doc });
                            }
                        }
                    })?;
                }
            }
            if q.facets {
                for (fi, c) in counts.iter().enumerate() {
                    for (v, n) in c.iter().enumerate().skip(1).filter(|(_, n)| **n > 0) {
                        *counted[fi].entry(data.terms[fi][v].clone()).or_default() += u64::from(*n);
                    }
                }
            }
        }
        let mut ids = Vec::with_capacity(limit);
        let mut shown = Vec::with_capacity(limit);
        for e in top.into_sorted().into_iter().skip(q.offset) {
            let d: TantivyDocument = searcher.doc(DocAddress::new(e.seg, e.doc))?;
            if let Some(id) = d.get_first(self.f.id).and_then(|v| v.as_str()).and_then(|s| s.parse().ok()) {
                ids.push(id);
                shown.push(d.get_first(self.f.shown).and_then(|v| v.as_str()).unwrap_or_default().to_owned());
            }
        }
        let facets = if q.facets {
            Facet::ALL
                .into_iter()
                .zip(counted)
                .map(|(f, m)| {
                    let mut v: Vec<(String, u64)> = m.into_iter().collect();
                    v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
                    v.truncate(f.buckets() as usize);
                    (f, v)
                })
                .collect()
        } else {
            Vec::new()
        };
        Ok(Hits { ids, shown, total: total as usize, facets })
    }
}

/// Major and major-class names of both catalogues and the occupation groups, as jieba user
/// words, so that "计算机科学与技术" stays one word.
fn major_and_occupation_words() -> Vec<(String, usize)> {
    let Ok(rd) = jiuye_domain::RefData::load() else { return Vec::new() };
    use jiuye_domain::Catalogue;
    [Catalogue::UndergraduateMajors, Catalogue::VocationalMajors, Catalogue::Occupations, Catalogue::Positions]
        .into_iter()
        .flat_map(|c| rd.entries_of(c).map(|e| (fold(&e.name).replace(' ', ""), 0)).collect::<Vec<_>>())
        .filter(|(w, _)| w.chars().count() >= 2)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(n: u128, text: &str, province: &str, scope: Uuid) -> PostingDoc {
        PostingDoc {
            id: Uuid::from_u128(n),
            text: text.into(),
            facets: vec![
                (Facet::Province, province.into()),
                (Facet::Education, "bachelor".into()),
                (Facet::Special, "western".into()),
                (Facet::MajorClass, format!("08{n:02}")),
            ],
            scope,
            employer: Uuid::from_u128(800 + n),
            deadline: 20_991_231,
            created_ms: n as i64 * 86_400_000,
            shown: format!("posting {n}"),
        }
    }

    fn stamp() -> Stamp {
        Stamp { source: "test".into(), synced_ms: 1 }
    }

    #[test]
    fn finds_majors_split_differently_traditional_queries_and_respects_scope() {
        let ix = SearchIndex::in_memory().unwrap();
        let here = Uuid::from_u128(900);
        let elsewhere = Uuid::from_u128(901);
        ix.replace_all(
            &[
                doc(1, "软件开发工程师 要求计算机科学与技术专业", "510000", here),
                doc(2, "会计 财务管理专业", "510000", here),
                doc(3, "软件测试 计算机科学与技术", "110000", elsewhere),
            ],
            &stamp(),
        )
        .unwrap();
        let q = |text: &'static str| Query {
            text,
            scopes: std::slice::from_ref(&here),
            today: 20_260_101,
            limit: 10,
            facets: true,
            ..Default::default()
        };
        let hits = ix.search(&q("计算机科学")).unwrap();
        assert_eq!(hits.ids, [Uuid::from_u128(1)], "the other one is outside the caller's scope");
        assert_eq!(ix.search(&q("計算機")).unwrap().ids, [Uuid::from_u128(1)], "Traditional finds Simplified");
        assert_eq!(ix.search(&q("财务")).unwrap().ids, [Uuid::from_u128(2)]);
        let all = ix.search(&q("")).unwrap();
        assert_eq!((all.total, all.ids[0]), (2, Uuid::from_u128(2)), "no text: newest first");
        assert_eq!(all.counts(Facet::Province), [("510000".to_owned(), 2)]);
        assert_eq!(all.counts(Facet::MajorClass).len(), 2);
        let filtered = ix.search(&Query { filters: vec![(Facet::MajorClass, "0801".into())], ..q("") }).unwrap();
        assert_eq!(filtered.ids, [Uuid::from_u128(1)]);
        // A reader from whom an employer is hidden finds none of its postings, nor counts them.
        let hidden = [Uuid::from_u128(801)];
        let without = ix.search(&Query { hidden_employers: &hidden, ..q("") }).unwrap();
        assert_eq!((without.total, without.ids.as_slice()), (1, [Uuid::from_u128(2)].as_slice()));
        assert_eq!(without.counts(Facet::MajorClass), [("0802".to_owned(), 1)]);
        assert!(ix.search(&Query { hidden_employers: &hidden, ..q("计算机科学") }).unwrap().ids.is_empty());
        ix.apply(&[(Uuid::from_u128(2), None)], &stamp()).unwrap();
        assert!(ix.search(&q("财务")).unwrap().ids.is_empty());
        let expired = Query { today: 21_000_101, ..q("计算机") };
        assert!(ix.search(&expired).unwrap().ids.is_empty(), "past the deadline");
    }

    #[test]
    fn matches_are_counted_whole_across_batches() {
        // More matches than a batch, in two scopes, some expired and some deleted: the totals,
        // facet counts and pages agree with counting one by one.
        let ix = SearchIndex::in_memory().unwrap();
        let (here, elsewhere) = (Uuid::from_u128(900), Uuid::from_u128(901));
        let docs: Vec<PostingDoc> = (1..=300u128)
            .map(|n| {
                let mut d = doc(n, "会计 财务", if n % 3 == 0 { "110000" } else { "510000" }, here);
                if n % 5 == 0 {
                    d.scope = elsewhere;
                }
                if n % 7 == 0 {
                    d.deadline = 20_250_101;
                }
                d
            })
            .collect();
        ix.replace_all(&docs, &stamp()).unwrap();
        let gone: Vec<(Uuid, Option<PostingDoc>)> =
            (1..=300u128).filter(|n| n % 11 == 0).map(|n| (Uuid::from_u128(n), None)).collect();
        ix.apply(&gone, &stamp()).unwrap();
        let open = |n: &u128| !n.is_multiple_of(5) && !n.is_multiple_of(7) && !n.is_multiple_of(11);
        let want: Vec<u128> = (1..=300u128).filter(open).collect();
        let in_beijing = want.iter().filter(|n| *n % 3 == 0).count() as u64;
        for text in ["会计", ""] {
            for filters in [vec![], vec![(Facet::Province, "110000".to_owned())]] {
                let q = Query {
                    text,
                    filters: filters.clone(),
                    scopes: std::slice::from_ref(&here),
                    today: 20_260_101,
                    now_ms: 400 * 86_400_000,
                    limit: 20,
                    offset: 20,
                    facets: true,
                    ..Default::default()
                };
                let hits = ix.search(&q).unwrap();
                let expected = if filters.is_empty() { want.len() as u64 } else { in_beijing };
                assert_eq!(hits.total as u64, expected, "{text:?} {filters:?}");
                let beijing = hits.counts(Facet::Province).iter().find(|(v, _)| v == "110000").map(|(_, n)| *n);
                assert_eq!(beijing, Some(in_beijing), "{text:?} {filters:?}");
                // The second page, newest first (equal relevance): the 21st to 40th newest.
                let mut newest: Vec<u128> = want.iter().copied().filter(|n| filters.is_empty() || n % 3 == 0).collect();
                newest.reverse();
                let page: Vec<Uuid> = newest.iter().skip(20).take(20).map(|n| Uuid::from_u128(*n)).collect();
                assert_eq!(hits.ids, page, "{text:?} {filters:?}");
            }
        }
    }

    #[test]
    fn expired_postings_are_pruned() {
        let ix = SearchIndex::in_memory().unwrap();
        let here = Uuid::from_u128(900);
        let mut old = doc(1, "会计", "510000", here);
        old.deadline = 20_250_101;
        ix.replace_all(&[old, doc(2, "会计", "510000", here)], &stamp()).unwrap();
        let generation = ix.generation();
        assert_eq!(ix.prune_expired(20_260_101, &stamp()).unwrap(), 1);
        assert!(ix.generation() > generation, "cached answers are stale after pruning");
    }

    #[test]
    fn newer_postings_rank_first_among_equals() {
        let ix = SearchIndex::in_memory().unwrap();
        let here = Uuid::from_u128(900);
        ix.replace_all(&[doc(1, "会计", "510000", here), doc(30, "会计", "510000", here)], &stamp()).unwrap();
        let hits = ix
            .search(&Query {
                text: "会计",
                scopes: std::slice::from_ref(&here),
                now_ms: 31 * 86_400_000,
                limit: 10,
                ..Default::default()
            })
            .unwrap();
        assert_eq!(hits.ids, [Uuid::from_u128(30), Uuid::from_u128(1)]);
    }

    #[test]
    fn a_directory_index_keeps_its_postings_and_stamp() {
        let dir = std::env::temp_dir().join(format!("jiuye-search-{}", Uuid::now_v7()));
        let here = Uuid::from_u128(900);
        {
            let ix = SearchIndex::open(&dir).unwrap();
            assert_eq!(ix.stamp(), None, "a new index must be built");
            ix.replace_all(&[doc(1, "护理", "510000", here)], &Stamp { source: "node".into(), synced_ms: 42 }).unwrap();
        }
        let ix = SearchIndex::open(&dir).unwrap();
        assert_eq!(ix.stamp(), Some(Stamp { source: "node".into(), synced_ms: 42 }));
        assert_eq!(ix.len(), 1);
        drop(ix);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
