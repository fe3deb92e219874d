//! Where jiuye's in-process time over the mix goes, by kind of search: the landing search, filters
//! without words, words of one or two characters (a single bigram, often matching a large part of
//! the postings) and longer words.

use std::time::Duration;

use super::mix::Search;

const KINDS: [&str; 4] =
    ["no words, no filter (landing)", "filters, no words", "words of 1–2 characters", "words of 3 characters or more"];

fn kind(s: &Search) -> usize {
    match s.text.chars().filter(|c| !c.is_whitespace()).count() {
        0 if s.filters.is_empty() => 0,
        0 => 1,
        1 | 2 => 2,
        _ => 3,
    }
}

/// A table: for each kind, its share of the requests and of the time, its mean time and mean
/// matches. `searches[i]` took `times[i]` and matched `totals[i]` postings.
pub fn table(caller: &str, searches: &[&Search], times: &[Duration], totals: &[u64]) -> String {
    let mut n = [0usize; 4];
    let mut spent = [Duration::ZERO; 4];
    let mut matched = [0u64; 4];
    for ((s, t), m) in searches.iter().zip(times).zip(totals) {
        let k = kind(s);
        n[k] += 1;
        spent[k] += *t;
        matched[k] += m;
    }
    let all_n = n.iter().sum::<usize>().max(1) as f64;
    let all_t = spent.iter().sum::<Duration>().as_secs_f64().max(f64::MIN_POSITIVE);
    let mut out = format!(
        "Where the time goes ({caller}, by kind of search)\n\n\
         | kind | share of requests | share of time | mean ms | mean matches |\n|---|---|---|---|---|\n"
    );
    for k in 0..KINDS.len() {
        let per = |x: f64| if n[k] > 0 { x / n[k] as f64 } else { 0.0 };
        out.push_str(&format!(
            "| {} | {:.1}% | {:.1}% | {:.2} | {:.0} |\n",
            KINDS[k],
            100.0 * n[k] as f64 / all_n,
            100.0 * spent[k].as_secs_f64() / all_t,
            per(spent[k].as_secs_f64() * 1000.0),
            per(matched[k] as f64)
        ));
    }
    out
}
