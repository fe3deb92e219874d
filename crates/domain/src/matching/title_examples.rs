//! Titles already labelled with an occupation, used to map new titles the way people label them.
//!
//! The occupation table says what each occupation is called; it does not say how a node's
//! employers and staff label the titles they meet ("销售代表" is filed under 市场营销专业人员
//! at one node and 营销员 at another). Each labelled title becomes a point of character uni- and
//! bigrams (TF-IDF over the labelled titles, unit length). A new title's nearest labelled titles
//! vote for their occupations, each vote its similarity raised to a power, and the votes are added
//! to the table's scores ([`Occupations::normalise`]).

use std::collections::HashMap;

use super::titles::{Occupations, TitleMatch, unit_vector};

/// How the votes of labelled titles are weighed against the occupation table.
#[derive(Clone, Copy, Debug)]
pub struct Weights {
    /// Neighbours that vote.
    pub neighbours: usize,
    /// A neighbour less similar than this does not vote.
    pub min_similarity: f32,
    /// Votes are similarity to this power: near neighbours count far more than loose ones.
    pub power: f32,
    /// The share of the votes added to a table score (a vote of 1 adds this much).
    pub weight: f32,
    /// Candidates read from the table before the votes are added.
    pub candidates: usize,
}

impl Default for Weights {
    /// Chosen on the tune half of the labelled titles (see `docs/matching.md`).
    fn default() -> Weights {
        Weights { neighbours: 5, min_similarity: 0.3, power: 3.0, weight: 1.0, candidates: 30 }
    }
}

type Gram = (char, char);

/// Labelled titles with an index over their grams.
#[derive(Debug, Default)]
pub struct TitleExamples {
    /// The cleaned title and occupation code of each example.
    titles: Vec<String>,
    codes: Vec<String>,
    postings: HashMap<Gram, Vec<(u32, f32)>>,
    idf: HashMap<Gram, f32>,
    weights: Weights,
}

/// A title as compared with examples: its cleaned parts joined.
fn cleaned(occ: &Occupations, title: &str) -> String {
    occ.title_parts(title).join(" ")
}

fn grams(t: &str) -> Vec<Gram> {
    let chars: Vec<char> = t.chars().collect();
    let mut g: Vec<Gram> = chars.windows(2).filter(|w| w[0] != ' ' && w[1] != ' ').map(|w| (w[0], w[1])).collect();
    g.extend(chars.iter().filter(|c| **c != ' ').map(|&c| (c, '\0')));
    g
}

impl TitleExamples {
    /// Indexes `(title, occupation code)` pairs; codes not in the table are skipped.
    pub fn new<'a>(occ: &Occupations, labelled: impl IntoIterator<Item = (&'a str, &'a str)>) -> TitleExamples {
        let mut titles = Vec::new();
        let mut codes = Vec::new();
        for (title, code) in labelled {
            if occ.get(code).is_none() {
                continue;
            }
            let t = cleaned(occ, title);
            if t.is_empty() {
                continue;
            }
            titles.push(t);
            codes.push(code.to_owned());
        }
        let mut df: HashMap<Gram, u32> = HashMap::new();
        let all: Vec<Vec<Gram>> = titles.iter().map(|t| grams(t)).collect();
        for g in &all {
            let mut seen = g.clone();
            seen.sort_unstable();
            seen.dedup();
            for x in seen {
                *df.entry(x).or_default() += 1;
            }
        }
        let n = titles.len() as f32;
        let idf: HashMap<Gram, f32> =
            df.into_iter().map(|(g, d)| (g, ((1.0 + n) / (1.0 + d as f32)).ln() + 1.0)).collect();
        let mut postings: HashMap<Gram, Vec<(u32, f32)>> = HashMap::new();
        for (i, g) in all.iter().enumerate() {
            for (x, w) in unit_vector(g, &idf) {
                postings.entry(x).or_default().push((i as u32, w));
            }
        }
        TitleExamples { titles, codes, postings, idf, weights: Weights::default() }
    }

    /// The same examples weighed otherwise.
    pub fn with_weights(mut self, weights: Weights) -> TitleExamples {
        self.weights = weights;
        self
    }

    pub fn len(&self) -> usize {
        self.titles.len()
    }

    pub fn is_empty(&self) -> bool {
        self.titles.is_empty()
    }

    /// The votes of the nearest examples for occupations, largest first. `skip_same` leaves out
    /// examples whose cleaned title is the given one (to measure on titles that are examples).
    fn votes(&self, occ: &Occupations, title: &str, skip_same: bool) -> Vec<(String, f32)> {
        let w = &self.weights;
        if self.titles.is_empty() {
            return Vec::new();
        }
        let t = cleaned(occ, title);
        let mut sims: HashMap<u32, f32> = HashMap::new();
        for (g, x) in unit_vector(&grams(&t), &self.idf) {
            for &(i, y) in self.postings.get(&g).map(Vec::as_slice).unwrap_or_default() {
                *sims.entry(i).or_default() += x * y;
            }
        }
        let mut near: Vec<(u32, f32)> = sims
            .into_iter()
            .filter(|&(i, s)| s >= w.min_similarity && !(skip_same && self.titles[i as usize] == t))
            .collect();
        near.sort_unstable_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        near.truncate(w.neighbours);
        let mut votes: Vec<(String, f32)> = Vec::new();
        for (i, s) in near {
            let code = &self.codes[i as usize];
            let v = s.powf(w.power);
            match votes.iter_mut().find(|(c, _)| c == code) {
                Some((_, x)) => *x += v,
                None => votes.push((code.clone(), v)),
            }
        }
        votes.sort_unstable_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        votes
    }

    /// The best `k` occupations for a title: the table's scores plus the examples' votes; the
    /// table's answer when no example is near.
    pub fn normalise(&self, occ: &Occupations, title: &str, k: usize) -> Vec<TitleMatch> {
        self.combined(occ, title, k, false)
    }

    /// As [`TitleExamples::normalise`], leaving out the examples with the same cleaned title:
    /// how a title that is itself an example would fare if it were new.
    pub fn normalise_as_new(&self, occ: &Occupations, title: &str, k: usize) -> Vec<TitleMatch> {
        self.combined(occ, title, k, true)
    }

    fn combined(&self, occ: &Occupations, title: &str, k: usize, skip_same: bool) -> Vec<TitleMatch> {
        let w = &self.weights;
        let votes = self.votes(occ, title, skip_same);
        if votes.is_empty() {
            return occ.normalise(title, k);
        }
        let mut found = occ.normalise(title, w.candidates.max(k));
        for (code, v) in votes {
            match found.iter_mut().find(|m| m.code == code) {
                Some(m) => m.score += w.weight * v,
                None => {
                    let Some(o) = occ.get(&code) else { continue };
                    found.push(TitleMatch { code, name: o.name.clone(), score: w.weight * v });
                }
            }
        }
        found.sort_by(|a, b| b.score.total_cmp(&a.score).then_with(|| a.code.cmp(&b.code)));
        found.truncate(k);
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labelled_titles_pull_a_new_title_towards_their_occupation() {
        let occ = Occupations::shipped();
        let table = occ.normalise("销售顾问（底薪+提成）", 1);
        assert!(!table.is_empty());
        // This node files sales titles under 市场营销专业人员 (2-06-07-02), not under 营销员 as the
        // table would: a new one follows.
        let ex = TitleExamples::new(
            occ,
            [
                ("销售顾问", "2-06-07-02"),
                ("销售顾问（应届）", "2-06-07-02"),
                ("销售顾问/销售代表", "2-06-07-02"),
                ("电话销售顾问", "2-06-07-02"),
                ("销售顾问 底薪+提成", "2-06-07-02"),
            ],
        );
        assert_eq!(ex.len(), 5);
        let top = ex.normalise(occ, "销售顾问（底薪+提成）", 3);
        assert_ne!(table[0].code, "2-06-07-02");
        assert_eq!(top[0].code, "2-06-07-02", "{top:?}");
        // Measured as new, a title's own examples do not vote for it.
        let score = |m: Vec<TitleMatch>| m.into_iter().find(|m| m.code == "2-06-07-02").map_or(0.0, |m| m.score);
        let as_new = score(ex.normalise_as_new(occ, "销售顾问", 10));
        assert!(as_new < score(ex.normalise(occ, "销售顾问", 10)), "{as_new}");
        // Unrelated titles get the table's answer, in the table's order.
        assert_eq!(ex.normalise(occ, "中学数学教师", 3), occ.normalise("中学数学教师", 3));
    }

    #[test]
    fn codes_outside_the_table_and_empty_titles_are_skipped() {
        let occ = Occupations::shipped();
        let ex = TitleExamples::new(occ, [("销售顾问", "9-99-99-99"), ("（）", "4-01-02-01")]);
        assert!(ex.is_empty());
        assert_eq!(ex.normalise(occ, "销售顾问", 2), occ.normalise("销售顾问", 2));
    }
}
