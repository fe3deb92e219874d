//! The long-tail mix of `jiuye bench search`: distinct searches (words, filters, page) made from
//! posting titles, majors, occupations and regions, ranked in a fixed random order, and a list of
//! requests drawn from them with a Zipf law (the k-th search asked in proportion to 1/k^s).
//! Everything is drawn from a fixed seed: every run asks the same things in the same order.

use std::collections::HashSet;

use jiuye_domain::{Catalogue, RefData};
use jiuye_search::Facet;

/// A small deterministic generator (SplitMix64): the mix must not depend on a crate's version.
pub struct Draw(u64);

impl Draw {
    pub fn new(seed: u64) -> Draw {
        Draw(seed)
    }
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.unit() * n as f64) as usize % n.max(1)
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// Where a search's words came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Source {
    None,
    Title,
    Major,
    Occupation,
    Region,
}

impl Source {
    pub const ALL: [Source; 5] = [Source::None, Source::Title, Source::Major, Source::Occupation, Source::Region];
    pub fn name(self) -> &'static str {
        match self {
            Source::None => "no words",
            Source::Title => "posting titles",
            Source::Major => "majors",
            Source::Occupation => "occupations",
            Source::Region => "place names",
        }
    }
}

/// One search of the mix.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Search {
    pub text: String,
    pub source: Source,
    pub filters: Vec<(Facet, String)>,
    pub page: usize,
}

impl Search {
    /// The request path of the search endpoint.
    pub fn path(&self) -> String {
        let mut q = url::form_urlencoded::Serializer::new(String::new());
        if !self.text.is_empty() {
            q.append_pair("q", &self.text);
        }
        for (f, v) in &self.filters {
            q.append_pair(f.name(), v);
        }
        if self.page > 1 {
            q.append_pair("page", &self.page.to_string());
        }
        let q = q.finish();
        if q.is_empty() { "/api/v1/postings/search".to_owned() } else { format!("/api/v1/postings/search?{q}") }
    }

    /// The value of one filter.
    pub fn filter(&self, f: Facet) -> Option<&str> {
        self.filters.iter().find(|(x, _)| *x == f).map(|(_, v)| v.as_str())
    }
}

/// The mix: the distinct searches, most asked first, and the requests drawn from them.
pub struct Mix {
    pub searches: Vec<Search>,
    /// Indexes into `searches`, in the order they are asked.
    pub draws: Vec<usize>,
    pub s: f64,
}

/// Words of each source: the most common posting titles (given), the majors of both catalogues,
/// occupations and position categories, and the cities and districts of the places of work
/// (given as region codes, named from the catalogue without 市/区/县).
pub fn words(rd: &RefData, titles: &[String], places: &[String]) -> Vec<(Source, Vec<String>)> {
    let names = |cs: &[Catalogue]| -> Vec<String> {
        let mut v: Vec<String> = cs
            .iter()
            .flat_map(|c| rd.entries_of(*c).map(|e| e.name.clone()).collect::<Vec<_>>())
            .filter(|n| n.chars().count() >= 2 && !n.contains('其'))
            .collect();
        v.sort();
        v.dedup();
        v
    };
    let majors = names(&[Catalogue::UndergraduateMajors, Catalogue::VocationalMajors]);
    let occupations = names(&[Catalogue::Occupations, Catalogue::Positions]);
    let mut regions: Vec<String> = places
        .iter()
        .filter_map(|code| rd.region(code))
        .map(|r| r.name.trim_end_matches(['市', '区', '县']).to_owned())
        .filter(|n| n.chars().count() >= 2)
        .collect();
    regions.sort();
    regions.dedup();
    vec![
        (Source::Title, titles.to_vec()),
        (Source::Major, majors),
        (Source::Occupation, occupations),
        (Source::Region, regions),
    ]
}

/// `n` distinct searches in a fixed random order (the landing search, no words and no filter,
/// first), and `draws` requests drawn from them with a Zipf law of exponent `s`.
pub fn build(
    words: &[(Source, Vec<String>)],
    provinces: &[String],
    industries: &[String],
    n: usize,
    draws: usize,
    s: f64,
    seed: u64,
) -> Mix {
    let mut d = Draw::new(seed);
    let education = ["any", "vocational", "bachelor", "master"];
    let landing = Search { text: String::new(), source: Source::None, filters: Vec::new(), page: 1 };
    let mut seen: HashSet<Search> = HashSet::from([landing.clone()]);
    let mut searches = vec![landing];
    let usable: Vec<&(Source, Vec<String>)> = words.iter().filter(|(_, w)| !w.is_empty()).collect();
    let mut tries = 0;
    while searches.len() < n && tries < n * 50 {
        tries += 1;
        let roll = d.unit();
        let (source, text) = if roll < 0.12 || usable.is_empty() {
            (Source::None, String::new())
        } else {
            // Titles most, then majors, occupations and places.
            let weights = [0.40, 0.30, 0.18, 0.12];
            let mut r = d.unit() * weights.iter().take(usable.len()).sum::<f64>();
            let mut k = 0;
            while k + 1 < usable.len() && r >= weights[k] {
                r -= weights[k];
                k += 1;
            }
            (usable[k].0, d.pick(&usable[k].1).clone())
        };
        let mut filters = Vec::new();
        let f = d.unit();
        if f < 0.30 && !provinces.is_empty() {
            filters.push((Facet::Province, d.pick(provinces).clone()));
        }
        if (0.25..0.40).contains(&f) {
            filters.push((Facet::Education, (*d.pick(&education)).to_owned()));
        }
        if (0.38..0.50).contains(&f) && !industries.is_empty() {
            filters.push((Facet::Industry, d.pick(industries).clone()));
        }
        filters.sort_by_key(|(f, _)| f.name());
        let p = d.unit();
        let page = if p < 0.75 {
            1
        } else if p < 0.90 {
            2
        } else {
            3 + d.below(3)
        };
        let search = Search { text, source, filters, page };
        if seen.insert(search.clone()) {
            searches.push(search);
        }
    }
    // Zipf: P(k) ∝ 1/k^s over the ranks 1..=n.
    let mut cdf = Vec::with_capacity(searches.len());
    let mut acc = 0.0;
    for k in 1..=searches.len() {
        acc += 1.0 / (k as f64).powf(s);
        cdf.push(acc);
    }
    let draws = (0..draws)
        .map(|_| {
            let u = d.unit() * acc;
            cdf.partition_point(|c| *c <= u).min(searches.len() - 1)
        })
        .collect();
    Mix { searches, draws, s }
}

impl Mix {
    /// Shares of the draws by where the words came from, with filters, and on later pages.
    pub fn describe(&self) -> String {
        let n = self.draws.len().max(1) as f64;
        let share = |f: &dyn Fn(&Search) -> bool| {
            100.0 * self.draws.iter().filter(|i| f(&self.searches[**i])).count() as f64 / n
        };
        let sources: Vec<String> =
            Source::ALL.iter().map(|s| format!("{} {:.0}%", s.name(), share(&|x: &Search| x.source == *s))).collect();
        let top: Vec<String> = self.searches.iter().take(5).map(|s| format!("{:?}", s.path())).collect();
        format!(
            "{} distinct searches (words × filters × page), {} requests drawn with Zipf s = {}; by words: {}; \
             with a filter {:.0}%, page 2 or later {:.0}%; the landing search (no words, no filter) is rank 1 \
             ({:.1}% of requests); the 5 most asked: {}",
            self.searches.len(),
            self.draws.len(),
            self.s,
            sources.join(", "),
            share(&|x: &Search| !x.filters.is_empty()),
            share(&|x: &Search| x.page > 1),
            share(&|x: &Search| x.text.is_empty() && x.filters.is_empty() && x.page == 1),
            top.join(" "),
        )
    }
}
