//! A learned second opinion on a posting: logistic regression over the character n-grams (one to
//! three characters) of the folded text, weighted by TF-IDF, trained in Rust on jiuye's own
//! labelled postings (`data/eval/screening.jsonl`).
//!
//! It never makes a posting `high` by itself. The rules file's `[model]` section says what it may
//! do: raise a posting no rule flagged to `medium` when it reads like the scams it learned from,
//! and lower a rule's `high` to `medium` when it reads like the honest postings it learned from.

use std::sync::OnceLock;

use serde::Deserialize;

use super::{normalise, patterns};

/// Feature buckets: n-grams are hashed into 2^18 slots.
const BITS: u32 = 18;
const DIM: usize = 1 << BITS;
/// Passes over the training set.
const EPOCHS: usize = 12;
/// AdaGrad step size.
const STEP: f32 = 0.5;
/// L2 penalty per update.
const L2: f32 = 1e-6;
/// The shortest text (folded characters) whose rules' `high` the model may doubt: a line or two
/// gives it too little to read.
pub(super) const DOUBT_MIN_CHARS: usize = 30;

/// The labelled postings jiuye ships and trains on.
pub const SHIPPED_SET: &str = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/eval/screening.jsonl"));

/// A trained model.
#[derive(Clone, Debug)]
pub struct Model {
    idf: Vec<f32>,
    weights: Vec<f32>,
    bias: f32,
}

/// One labelled posting of the shipped set.
#[derive(Deserialize)]
struct Labelled {
    label: String,
    text: String,
}

/// The n-grams of a folded text: `(start, len, bucket)`.
fn grams(folded: &[char]) -> impl Iterator<Item = (usize, usize, usize)> + '_ {
    (0..folded.len()).flat_map(move |i| {
        (1..=3usize).filter(move |n| i + n <= folded.len()).map(move |n| {
            // FNV-1a over the characters.
            let mut h: u64 = 0xcbf2_9ce4_8422_2325;
            for c in &folded[i..i + n] {
                h ^= u64::from(u32::from(*c));
                h = h.wrapping_mul(0x0000_0100_0000_01b3);
            }
            (i, n, (h >> (64 - BITS)) as usize)
        })
    })
}

/// Term counts by bucket, sorted by bucket.
fn counts(folded: &[char]) -> Vec<(usize, f32)> {
    let mut b: Vec<usize> = grams(folded).map(|(_, _, b)| b).collect();
    b.sort_unstable();
    let mut out: Vec<(usize, f32)> = Vec::with_capacity(b.len());
    for x in b {
        match out.last_mut() {
            Some((y, n)) if *y == x => *n += 1.0,
            _ => out.push((x, 1.0)),
        }
    }
    out
}

fn sigmoid(z: f32) -> f32 {
    1.0 / (1.0 + (-z).exp())
}

impl Model {
    /// Trains on labelled texts (`true` for a scam). Deterministic: the same texts give the same
    /// model.
    pub fn train(samples: &[(&str, bool)]) -> Model {
        let docs: Vec<Vec<(usize, f32)>> = samples.iter().map(|(t, _)| counts(&normalise(t).0)).collect();
        let mut df = vec![0u32; DIM];
        for d in &docs {
            for (b, _) in d {
                df[*b] += 1;
            }
        }
        let n = docs.len() as f32;
        let idf: Vec<f32> = df.iter().map(|d| ((1.0 + n) / (1.0 + *d as f32)).ln() + 1.0).collect();
        let mut m = Model { idf, weights: vec![0.0; DIM], bias: 0.0 };
        let xs: Vec<Vec<(usize, f32)>> = docs.iter().map(|d| m.weigh(d)).collect();
        let mut g2 = vec![1e-8f32; DIM];
        let mut g2_bias = 1e-8f32;
        let mut order: Vec<usize> = (0..xs.len()).collect();
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        for _ in 0..EPOCHS {
            // Fisher–Yates with a fixed xorshift sequence.
            for i in (1..order.len()).rev() {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                order.swap(i, (seed % (i as u64 + 1)) as usize);
            }
            for &k in &order {
                let x = &xs[k];
                let y = if samples[k].1 { 1.0 } else { 0.0 };
                let g = sigmoid(m.raw(x)) - y;
                for &(b, v) in x {
                    let grad = g * v + L2 * m.weights[b];
                    g2[b] += grad * grad;
                    m.weights[b] -= STEP * grad / g2[b].sqrt();
                }
                g2_bias += g * g;
                m.bias -= STEP * g / g2_bias.sqrt();
            }
        }
        m
    }

    /// The model trained on the whole shipped set, made once on first use.
    pub fn shipped() -> &'static Model {
        static MODEL: OnceLock<Model> = OnceLock::new();
        MODEL.get_or_init(|| {
            let set: Vec<Labelled> = SHIPPED_SET
                .lines()
                .filter(|l| !l.trim().is_empty())
                .filter_map(|l| serde_json::from_str(l).ok())
                .collect();
            let samples: Vec<(&str, bool)> = set.iter().map(|s| (s.text.as_str(), s.label == "scam")).collect();
            Model::train(&samples)
        })
    }

    /// Counts made TF-IDF (sublinear term frequency) and of unit length.
    fn weigh(&self, counts: &[(usize, f32)]) -> Vec<(usize, f32)> {
        let mut x: Vec<(usize, f32)> = counts.iter().map(|(b, c)| (*b, (1.0 + c.ln()) * self.idf[*b])).collect();
        let norm = x.iter().map(|(_, v)| v * v).sum::<f32>().sqrt();
        if norm > 0.0 {
            for (_, v) in &mut x {
                *v /= norm;
            }
        }
        x
    }

    fn raw(&self, x: &[(usize, f32)]) -> f32 {
        self.bias + x.iter().map(|(b, v)| self.weights[*b] * v).sum::<f32>()
    }

    /// The probability that a folded text is a scam posting, and the span `[start, end)` of the
    /// n-gram of two or three characters (no separators) that pushes it most towards a scam.
    pub(super) fn judge(&self, folded: &[char]) -> (f64, Option<(usize, usize)>) {
        let x = self.weigh(&counts(folded));
        let p = f64::from(sigmoid(self.raw(&x)));
        let kept = |c: &char| !matches!(*c, patterns::BOUNDARY | patterns::COMMA | patterns::LIST | super::SPACE);
        let value = |b: usize| x.binary_search_by_key(&b, |(k, _)| *k).map(|i| x[i].1).unwrap_or(0.0);
        let strongest = grams(folded)
            .filter(|(i, n, _)| *n >= 2 && folded[*i..*i + *n].iter().all(kept))
            .map(|(i, n, b)| (self.weights[b] * value(b), i, n))
            .filter(|(s, _, _)| *s > 0.0)
            .max_by(|a, b| a.0.total_cmp(&b.0))
            .map(|(_, i, n)| (i, i + n));
        (p, strongest)
    }

    /// The probability that a text is a scam posting.
    pub fn probability(&self, text: &str) -> f64 {
        self.judge(&normalise(text).0).0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn learns_to_tell_scams_from_honest_postings() {
        let samples = [
            ("入职前需交押金500元，做满三个月退还", true),
            ("先交会员费199元开通账号即可接单", true),
            ("上岗前须缴纳服装费300元", true),
            ("需交培训费3000元，可办理分期", true),
            ("五险一金，周末双休，包住宿", false),
            ("负责前台接待和文件整理，月薪五千", false),
            ("公司提供带薪培训，年终奖金", false),
            ("负责客户接待，节假日福利", false),
        ];
        let m = Model::train(&samples);
        assert!(m.probability("入职需交押金800元") > 0.5);
        assert!(m.probability("五险一金，带薪年假") < 0.5);
        // The same texts give the same model.
        let again = Model::train(&samples);
        assert_eq!(m.probability("先交会员费"), again.probability("先交会员费"));
    }

    #[test]
    fn second_opinion_raises_to_medium_and_doubts_high_but_never_holds() {
        use crate::screening::{Draft, Level, Rules, screen_with};
        let shipped = Rules::shipped();
        let odd = "轻松日结，名额不多，私聊了解详情";
        let grave = "入职需交押金500元，做满三个月退还，岗位为商场导购，每天工作八小时";
        // A model that has learned the odd posting as a scam and the deposit as honest.
        let m = Model::train(&[(odd, true), ("五险一金，周末双休", false), (grave, false), ("私聊日结轻松", true)]);
        let draft = |t| Draft { description: t, ..Draft::default() };
        assert_eq!(screen_with(shipped, None, &draft(odd), None).level, Level::Low);
        let raised = screen_with(shipped, Some(&m), &draft(odd), None);
        assert_eq!(raised.level, Level::Medium);
        let r = &raised.reasons[0];
        assert_eq!(r.code, "reads_like_scam");
        assert!(odd.contains(&r.evidence) && !r.evidence.is_empty(), "{}", r.evidence);
        assert_eq!(screen_with(shipped, None, &draft(grave), None).level, Level::High);
        let doubted = screen_with(shipped, Some(&m), &draft(grave), None);
        assert_eq!(doubted.level, Level::Medium);
        assert!(doubted.reasons.iter().any(|r| r.code == "deposit" || r.code == "fee"), "{doubted:?}");
        // Rules without a `[model]` section decide alone.
        assert_eq!(screen_with(Rules::baseline(), Some(&m), &draft(odd), None).level, Level::Low);
    }

    #[test]
    fn the_model_section_is_checked() {
        let text = crate::screening::SHIPPED_RULES.replace("raise_at = 0.5", "raise_at = 1.5");
        assert!(crate::screening::Rules::parse(&text).unwrap_err().contains("raise_at"));
    }

    #[test]
    fn points_at_words_of_the_text() {
        let m = Model::train(&[("需交押金500元", true), ("五险一金双休", false)]);
        let (folded, _) = normalise("岗位说明：需交押金，月薪三千");
        let (_, span) = m.judge(&folded);
        let (s, e) = span.expect("an n-gram that reads like a scam");
        assert!(e > s && folded[s..e].iter().all(|c| !c.is_ascii_control()));
    }
}
