//! Search never returns or counts a posting the reader may not see, whichever path answers
//! (words, filters only, or nothing at all), and its counts are those of the postings it may see.

#![allow(clippy::unwrap_used)]

use std::collections::HashMap;

use jiuye_search::{Facet, PostingDoc, Query, SearchIndex, Stamp};
use proptest::prelude::*;
use uuid::Uuid;

const WORDS: [&str; 4] = ["软件开发", "会计", "护士", "教师"];
const PROVINCES: [&str; 3] = ["510000", "110000", "440000"];

#[derive(Clone, Debug)]
struct Spec {
    word: usize,
    province: usize,
    scope: u8,
    employer: u8,
    expired: bool,
    classes: Vec<u8>,
}

fn spec() -> impl Strategy<Value = Spec> {
    (0..4usize, 0..3usize, 0..4u8, 0..3u8, any::<bool>(), prop::collection::vec(0..3u8, 0..3)).prop_map(
        |(word, province, scope, employer, expired, classes)| Spec {
            word,
            province,
            scope,
            employer,
            expired,
            classes,
        },
    )
}

fn doc(i: usize, s: &Spec) -> PostingDoc {
    let mut facets = vec![(Facet::Province, PROVINCES[s.province].to_owned())];
    let mut classes = s.classes.clone();
    classes.sort_unstable();
    classes.dedup();
    facets.extend(classes.iter().map(|c| (Facet::MajorClass, format!("080{c}"))));
    PostingDoc {
        id: Uuid::from_u128(i as u128 + 1),
        text: format!("{} 岗位", WORDS[s.word]),
        facets,
        scope: Uuid::from_u128(1000 + u128::from(s.scope)),
        employer: Uuid::from_u128(2000 + u128::from(s.employer)),
        deadline: if s.expired { 20_250_101 } else { 20_991_231 },
        created_ms: i as i64 * 1000,
        shown: format!("{i}"),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]
    #[test]
    fn only_visible_postings_are_found_and_counted(
        specs in prop::collection::vec(spec(), 1..60),
        // Postings changed after the first build (a second segment, and deletions in the first).
        changed in prop::collection::vec((0..60usize, spec()), 0..10),
        reader in prop::collection::vec(0..4u8, 0..3),
        hidden in prop::collection::vec(0..3u8, 0..2),
        word in prop::option::of(0..4usize),
        province in prop::option::of(0..3usize),
        page in 0..3usize,
    ) {
        let ix = SearchIndex::in_memory().unwrap();
        let stamp = Stamp { source: "test".into(), synced_ms: 1 };
        let mut docs: Vec<PostingDoc> = specs.iter().enumerate().map(|(i, s)| doc(i, s)).collect();
        ix.replace_all(&docs, &stamp).unwrap();
        let mut updates = Vec::new();
        let n = docs.len();
        for (i, s) in changed.iter().filter(|(i, _)| *i < n) {
            docs[*i] = doc(*i, s);
            updates.push((docs[*i].id, Some(docs[*i].clone())));
        }
        ix.apply(&updates, &stamp).unwrap();
        let scopes: Vec<Uuid> = reader.iter().map(|s| Uuid::from_u128(1000 + u128::from(*s))).collect();
        let hidden: Vec<Uuid> = hidden.iter().map(|e| Uuid::from_u128(2000 + u128::from(*e))).collect();
        let text = word.map(|w| WORDS[w]).unwrap_or("");
        let filters: Vec<(Facet, String)> =
            province.map(|p| (Facet::Province, PROVINCES[p].to_owned())).into_iter().collect();
        let hits = ix
            .search(&Query {
                text,
                filters: filters.clone(),
                scopes: &scopes,
                hidden_employers: &hidden,
                today: 20_260_101,
                now_ms: 100_000,
                limit: 5,
                offset: page * 5,
                facets: true,
            })
            .unwrap();
        let visible: Vec<&PostingDoc> = docs
            .iter()
            .filter(|d| d.deadline >= 20_260_101 && scopes.contains(&d.scope) && !hidden.contains(&d.employer))
            .filter(|d| d.text.contains(text))
            .filter(|d| filters.iter().all(|f| d.facets.contains(f)))
            .collect();
        prop_assert_eq!(hits.total, visible.len());
        for id in &hits.ids {
            prop_assert!(visible.iter().any(|d| d.id == *id), "{} may not be seen", id);
        }
        prop_assert_eq!(hits.ids.len(), visible.len().saturating_sub(page * 5).min(5));
        let mut want: HashMap<(Facet, String), u64> = HashMap::new();
        for d in &visible {
            for f in &d.facets {
                *want.entry(f.clone()).or_default() += 1;
            }
        }
        let got: HashMap<(Facet, String), u64> = hits
            .facets
            .iter()
            .flat_map(|(f, v)| v.iter().map(move |(k, n)| ((*f, k.clone()), *n)))
            .collect();
        prop_assert_eq!(got, want);
        if text.is_empty() {
            // No words: newest first.
            let mut newest = visible.clone();
            newest.sort_by_key(|d| std::cmp::Reverse(d.created_ms));
            let expected: Vec<Uuid> = newest.iter().skip(page * 5).take(5).map(|d| d.id).collect();
            prop_assert_eq!(&hits.ids, &expected);
        }
        for (id, shown) in hits.ids.iter().zip(&hits.shown) {
            prop_assert_eq!(&docs.iter().find(|d| d.id == *id).unwrap().shown, shown);
        }
    }
}
