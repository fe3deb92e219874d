//! Full-text search of job postings. The index is derived from the database: it holds approved
//! postings only and is rebuilt from the store or updated posting by posting.
//!
//! Text is folded first (full-width forms, letter case, Traditional → Simplified, through the
//! same table the scam screening uses), then indexed twice: as jieba words with ordinal
//! positions (for relevance), and as overlapping character bigrams (for recall: a query matches
//! however the words were split, "计算机科学" inside "计算机科学与技术").

use std::ops::Bound;
use std::sync::Mutex;

use jieba_rs::Jieba;
use tantivy::aggregation::AggregationCollector;
use tantivy::aggregation::agg_req::Aggregations;
use tantivy::collector::{Count, TopDocs};
use tantivy::query::{AllQuery, BooleanQuery, Occur, Query as TQuery, RangeQuery, TermQuery, TermSetQuery};
use tantivy::schema::{
    FAST, Field, INDEXED, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions, Value,
};
use tantivy::tokenizer::{Token, TokenStream, Tokenizer};
use tantivy::{Index, IndexReader, IndexWriter, Order, ReloadPolicy, TantivyDocument, Term, doc};
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

/// A posting as the index holds it.
#[derive(Clone, Debug, Default)]
pub struct PostingDoc {
    pub id: Uuid,
    /// Title, employer name, description and the names of the majors wanted.
    pub text: String,
    /// Province of the place of work (e.g. `510000`).
    pub province: String,
    pub education: String,
    pub specials: Vec<String>,
    /// The organisation it appears in.
    pub scope: Uuid,
    /// YYYYMMDD of the deadline.
    pub deadline: u64,
    /// Milliseconds since the epoch it was created.
    pub created_ms: i64,
}

/// What to look for.
#[derive(Clone, Debug, Default)]
pub struct Query<'a> {
    pub text: &'a str,
    pub province: Option<&'a str>,
    pub special: Option<&'a str>,
    pub education: Option<&'a str>,
    /// Only postings appearing in one of these organisations.
    pub scopes: &'a [Uuid],
    /// YYYYMMDD: postings whose deadline is before it are left out.
    pub today: u64,
    pub limit: usize,
    pub offset: usize,
}

/// What was found.
#[derive(Clone, Debug, Default)]
pub struct Hits {
    pub ids: Vec<Uuid>,
    pub total: usize,
    /// (province, count) over every match, most first.
    pub provinces: Vec<(String, u64)>,
    /// (education, count) over every match.
    pub education: Vec<(String, u64)>,
    /// (themed campaign, count) over every match.
    pub specials: Vec<(String, u64)>,
}

struct Fields {
    id: Field,
    text: Field,
    grams: Field,
    province: Field,
    education: Field,
    special: Field,
    scope: Field,
    deadline: Field,
    created: Field,
}

/// The posting index, in memory.
pub struct SearchIndex {
    index: Index,
    reader: IndexReader,
    writer: Mutex<IndexWriter>,
    f: Fields,
}

impl SearchIndex {
    /// An empty index in memory. Loading jieba's dictionary takes a moment.
    pub fn in_memory() -> Result<SearchIndex> {
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
            province: b.add_text_field("province", STRING | FAST),
            education: b.add_text_field("education", STRING | FAST),
            special: b.add_text_field("special", STRING | FAST),
            scope: b.add_text_field("scope", STRING),
            deadline: b.add_u64_field("deadline", INDEXED | FAST),
            created: b.add_i64_field("created", FAST),
        };
        let index = Index::create_in_ram(b.build());
        let mut jieba = Jieba::new();
        for (word, _) in major_and_occupation_words() {
            jieba.add_word(&word, Some(100_000), None);
        }
        index.tokenizers().register("cn_words", WordTokenizer { jieba: std::sync::Arc::new(jieba) });
        index.tokenizers().register("cn_grams", GramTokenizer);
        let writer = index.writer(50_000_000)?;
        let reader = index.reader_builder().reload_policy(ReloadPolicy::Manual).try_into()?;
        Ok(SearchIndex { index, reader, writer: Mutex::new(writer), f })
    }

    fn document(&self, d: &PostingDoc) -> TantivyDocument {
        let mut doc = doc!(
            self.f.id => d.id.to_string(),
            self.f.text => d.text.clone(),
            self.f.grams => d.text.clone(),
            self.f.province => d.province.clone(),
            self.f.education => d.education.clone(),
            self.f.scope => d.scope.to_string(),
            self.f.deadline => d.deadline,
            self.f.created => d.created_ms,
        );
        for s in &d.specials {
            doc.add_text(self.f.special, s);
        }
        doc
    }

    fn commit(&self, w: &mut IndexWriter) -> Result<()> {
        w.commit()?;
        self.reader.reload()?;
        Ok(())
    }

    fn lock(&self) -> Result<std::sync::MutexGuard<'_, IndexWriter>> {
        self.writer.lock().map_err(|_| SearchError("index writer poisoned".into()))
    }

    /// Replaces the whole index with `docs`.
    pub fn replace_all(&self, docs: &[PostingDoc]) -> Result<()> {
        let mut w = self.lock()?;
        w.delete_all_documents()?;
        for d in docs {
            w.add_document(self.document(d))?;
        }
        self.commit(&mut w)
    }

    /// Adds or replaces one posting; it is searchable when this returns.
    pub fn upsert(&self, d: &PostingDoc) -> Result<()> {
        let mut w = self.lock()?;
        w.delete_term(Term::from_field_text(self.f.id, &d.id.to_string()));
        w.add_document(self.document(d))?;
        self.commit(&mut w)
    }

    /// Removes one posting.
    pub fn remove(&self, id: Uuid) -> Result<()> {
        let mut w = self.lock()?;
        w.delete_term(Term::from_field_text(self.f.id, &id.to_string()));
        self.commit(&mut w)
    }

    /// How many postings the index holds.
    pub fn len(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn term_in(&self, field: Field, value: &str) -> Box<dyn TQuery> {
        Box::new(TermQuery::new(Term::from_field_text(field, value), IndexRecordOption::Basic))
    }

    /// Searches: every bigram of the query must occur (however the words were split), jieba
    /// words of the query raise the score; filters and visibility narrow; facets count over
    /// every match. With no text, newest first.
    pub fn search(&self, q: &Query<'_>) -> Result<Hits> {
        let mut must: Vec<(Occur, Box<dyn TQuery>)> = Vec::new();
        let scopes: Vec<Term> = q.scopes.iter().map(|s| Term::from_field_text(self.f.scope, &s.to_string())).collect();
        must.push((Occur::Must, Box::new(TermSetQuery::new(scopes))));
        must.push((
            Occur::Must,
            Box::new(RangeQuery::new(
                Bound::Included(Term::from_field_u64(self.f.deadline, q.today)),
                Bound::Unbounded,
            )),
        ));
        for (field, value) in
            [(self.f.province, q.province), (self.f.special, q.special), (self.f.education, q.education)]
        {
            if let Some(v) = value.filter(|v| !v.is_empty()) {
                must.push((Occur::Must, self.term_in(field, v)));
            }
        }
        let text = q.text.trim();
        let has_text = !grams(text).is_empty();
        if has_text {
            for g in grams(text) {
                must.push((
                    Occur::Must,
                    Box::new(TermQuery::new(Term::from_field_text(self.f.grams, &g), IndexRecordOption::WithFreqs)),
                ));
            }
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
        let query = BooleanQuery::new(must);
        let searcher = self.reader.searcher();
        let aggs: Aggregations = serde_json::from_value(serde_json::json!({
            "province": {"terms": {"field": "province", "size": 40}},
            "education": {"terms": {"field": "education", "size": 10}},
            "special": {"terms": {"field": "special", "size": 10}},
        }))
        .map_err(|e| SearchError(e.to_string()))?;
        let agg = AggregationCollector::from_aggs(aggs, Default::default());
        let limit = q.limit.clamp(1, 100);
        let addresses: Vec<tantivy::DocAddress> = if has_text {
            let (top, _) = searcher.search(&query, &(TopDocs::with_limit(limit).and_offset(q.offset), Count))?;
            top.into_iter().map(|(_, a)| a).collect()
        } else {
            let top = searcher.search(
                &query,
                &TopDocs::with_limit(limit).and_offset(q.offset).order_by_fast_field::<i64>("created", Order::Desc),
            )?;
            top.into_iter().map(|(_, a)| a).collect()
        };
        let (total, agg_res) = searcher.search(&query, &(Count, agg))?;
        let mut ids = Vec::with_capacity(addresses.len());
        for a in addresses {
            let d: TantivyDocument = searcher.doc(a)?;
            if let Some(id) = d.get_first(self.f.id).and_then(|v| v.as_str()).and_then(|s| s.parse().ok()) {
                ids.push(id);
            }
        }
        let facets = serde_json::to_value(agg_res).map_err(|e| SearchError(e.to_string()))?;
        let buckets = |name: &str| -> Vec<(String, u64)> {
            facets[name]["buckets"]
                .as_array()
                .map(|b| {
                    b.iter().filter_map(|x| Some((x["key"].as_str()?.to_owned(), x["doc_count"].as_u64()?))).collect()
                })
                .unwrap_or_default()
        };
        Ok(Hits {
            ids,
            total,
            provinces: buckets("province"),
            education: buckets("education"),
            specials: buckets("special"),
        })
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
            province: province.into(),
            education: "bachelor".into(),
            specials: vec!["western".into()],
            scope,
            deadline: 20_991_231,
            created_ms: n as i64,
        }
    }

    #[test]
    fn finds_majors_split_differently_traditional_queries_and_respects_scope() {
        let ix = SearchIndex::in_memory().unwrap();
        let here = Uuid::from_u128(900);
        let elsewhere = Uuid::from_u128(901);
        ix.replace_all(&[
            doc(1, "软件开发工程师 要求计算机科学与技术专业", "510000", here),
            doc(2, "会计 财务管理专业", "510000", here),
            doc(3, "软件测试 计算机科学与技术", "110000", elsewhere),
        ])
        .unwrap();
        let q = |text: &'static str| Query {
            text,
            scopes: std::slice::from_ref(&here),
            today: 20_260_101,
            limit: 10,
            ..Default::default()
        };
        let hits = ix.search(&q("计算机科学")).unwrap();
        assert_eq!(hits.ids, [Uuid::from_u128(1)], "the other one is outside the caller's scope");
        assert_eq!(ix.search(&q("計算機")).unwrap().ids, [Uuid::from_u128(1)], "Traditional finds Simplified");
        assert_eq!(ix.search(&q("财务")).unwrap().ids, [Uuid::from_u128(2)]);
        let all = ix.search(&q("")).unwrap();
        assert_eq!((all.total, all.ids[0]), (2, Uuid::from_u128(2)), "no text: newest first");
        assert_eq!(all.provinces, [("510000".to_owned(), 2)]);
        ix.remove(Uuid::from_u128(2)).unwrap();
        assert!(ix.search(&q("财务")).unwrap().ids.is_empty());
        let expired = Query { today: 21_000_101, ..q("计算机") };
        assert!(ix.search(&expired).unwrap().ids.is_empty(), "past the deadline");
    }
}
