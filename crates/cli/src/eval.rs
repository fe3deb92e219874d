//! `jiuye eval screening FILE`: the scam screening measured on a labelled set of postings, for
//! the shipped rules and for the word-list rules of the earlier screening in the same run.
//!
//! Each line of FILE is a JSON object: `id`, `label` (`scam` or `honest`), `text` (the posting)
//! and, optionally, `split` (`tune` or `held_out`; rules are tuned on the first and reported on
//! the second). A third row adds the learned second opinion (the rules' `[model]` section), trained
//! in the same run on the postings outside the part measured; it does not count towards the
//! targets. The targets, on the part measured: recall of scams ≥ 0.95 at `medium` or above and
//! ≥ 0.90 at `high`; no honest posting `high`; at most 10% of honest postings `medium`.

use std::path::PathBuf;

use clap::{Args, Subcommand};
use jiuye_domain::screening::{Draft, Level, Model, Rules, screen_with};
use serde::Deserialize;

#[derive(Subcommand, Debug)]
pub enum EvalCommand {
    /// Measure the scam screening on a labelled set (JSON lines: id, label scam|honest, text,
    /// split tune|held_out): recall of scams, false alarms on honest postings and a confusion
    /// table, for the shipped rules and for the earlier word-list rules. With --check, exits with
    /// status 1 when the shipped rules miss a target.
    Screening(ScreeningArgs),
    /// Measure title normalisation (职业分类大典 2022) on labelled job titles: top-1 and top-5
    /// accuracy on all cases and on the held-out half, beside a character TF-IDF baseline.
    Titles(crate::eval_titles::Args),
    /// Measure the résumé–posting scorer on labelled pairs: AUC and NDCG@3 on held-out groups
    /// (grouped by résumé text), beside a TF-IDF cosine baseline.
    Matching(crate::eval_matching::Args),
}

#[derive(Args, Debug)]
pub struct ScreeningArgs {
    /// The labelled postings (JSON lines).
    pub file: PathBuf,
    /// Which part to measure: `held_out` (default), `tune` or `all`.
    #[arg(long, default_value = "held_out")]
    pub split: String,
    /// A rule file to measure instead of the shipped rules.
    #[arg(long)]
    pub rules: Option<PathBuf>,
    /// Exit with status 1 when a target is missed.
    #[arg(long)]
    pub check: bool,
    /// List the postings each rule set gets wrong.
    #[arg(long)]
    pub show_errors: bool,
}

#[derive(Debug, Deserialize)]
struct Case {
    id: String,
    label: String,
    text: String,
    #[serde(default)]
    split: Option<String>,
}

/// Counts of predicted levels by label.
#[derive(Default)]
struct Tally {
    scam: [usize; 3],
    honest: [usize; 3],
    errors: Vec<String>,
}

impl Tally {
    fn rate(n: usize, d: usize) -> f64 {
        if d == 0 { 0.0 } else { n as f64 / d as f64 }
    }
    fn scams(&self) -> usize {
        self.scam.iter().sum()
    }
    fn honests(&self) -> usize {
        self.honest.iter().sum()
    }
    /// Recall of scams at `medium` or above, and at `high`.
    fn recall(&self) -> (f64, f64) {
        let n = self.scams();
        (Self::rate(self.scam[1] + self.scam[2], n), Self::rate(self.scam[2], n))
    }
    /// Share of honest postings rated `high`, and rated `medium`.
    fn false_alarms(&self) -> (f64, f64) {
        let n = self.honests();
        (Self::rate(self.honest[2], n), Self::rate(self.honest[1], n))
    }
}

fn measure(rules: &Rules, model: Option<&Model>, cases: &[&Case]) -> Tally {
    let mut t = Tally::default();
    for c in cases {
        let s = screen_with(rules, model, &Draft { description: &c.text, ..Draft::default() }, None);
        let i = match s.level {
            Level::Low => 0,
            Level::Medium => 1,
            Level::High => 2,
        };
        let scam = c.label == "scam";
        if scam {
            t.scam[i] += 1;
        } else {
            t.honest[i] += 1;
        }
        let wrong = if scam { s.level != Level::High } else { s.level != Level::Low };
        if wrong {
            let why: Vec<String> = s.reasons.iter().map(|r| format!("{}「{}」", r.code, r.evidence)).collect();
            t.errors.push(format!("  {} {} → {}: {} {}", c.id, c.label, s.level.id(), c.text, why.join(" ")));
        }
    }
    t
}

pub fn screening(a: ScreeningArgs) -> Result<bool, String> {
    let text = std::fs::read_to_string(&a.file).map_err(|e| format!("{}: {e}", a.file.display()))?;
    let mut cases = Vec::new();
    for (i, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        let c: Case = serde_json::from_str(line).map_err(|e| format!("第 {} 行：{e}", i + 1))?;
        if c.label != "scam" && c.label != "honest" {
            return Err(format!("第 {} 行：label 应为 scam 或 honest", i + 1));
        }
        cases.push(c);
    }
    let in_part = |c: &Case| a.split == "all" || c.split.as_deref().unwrap_or("held_out") == a.split;
    let part: Vec<&Case> = cases.iter().filter(|c| in_part(c)).collect();
    if part.is_empty() {
        return Err(format!("没有属于 {} 的样本", a.split));
    }
    let custom;
    let shipped = match &a.rules {
        Some(p) => {
            let t = std::fs::read_to_string(p).map_err(|e| format!("{}: {e}", p.display()))?;
            custom = Rules::parse(&t).map_err(|e| format!("{}: {e}", p.display()))?;
            &custom
        }
        None => Rules::shipped(),
    };
    // The learned second opinion is trained here on the postings outside the part measured.
    let rest: Vec<(&str, bool)> =
        cases.iter().filter(|c| !in_part(c)).map(|c| (c.text.as_str(), c.label == "scam")).collect();
    let mut runs = vec![("jiuye (patterns)", measure(shipped, None, &part))];
    if rest.is_empty() {
        println!("(no postings outside this part to train the learned second opinion on: it is left out)");
    } else {
        let model = Model::train(&rest);
        runs.push(("jiuye (patterns+model)", measure(shipped, Some(&model), &part)));
    }
    runs.push(("baseline (word lists)", measure(Rules::baseline(), None, &part)));
    let scams = runs[0].1.scams();
    let honests = runs[0].1.honests();
    println!("scam screening on {} ({}): {scams} scam, {honests} honest postings", a.file.display(), a.split);
    println!();
    println!(
        "{:<23} {:>14} {:>12} {:>13} {:>15}",
        "rules", "recall≥medium", "recall high", "honest high", "honest medium"
    );
    for (name, t) in &runs {
        let (r_med, r_high) = t.recall();
        let (f_high, f_med) = t.false_alarms();
        println!("{name:<23} {r_med:>14.3} {r_high:>12.3} {f_high:>13.3} {f_med:>15.3}");
    }
    println!();
    println!("confusion (rows: label; columns: level low / medium / high)");
    for (name, t) in &runs {
        println!("  {name}");
        println!("    scam    {:>5} {:>5} {:>5}", t.scam[0], t.scam[1], t.scam[2]);
        println!("    honest  {:>5} {:>5} {:>5}", t.honest[0], t.honest[1], t.honest[2]);
    }
    if a.show_errors {
        for (name, t) in &runs {
            println!();
            println!("wrong with {name} ({}):", t.errors.len());
            for e in &t.errors {
                println!("{e}");
            }
        }
    }
    let t = &runs[0].1;
    let (r_med, r_high) = t.recall();
    let (f_high, f_med) = t.false_alarms();
    let mut missed = Vec::new();
    if r_med < 0.95 {
        missed.push(format!("recall at medium or above {r_med:.3} < 0.95"));
    }
    if r_high < 0.90 {
        missed.push(format!("recall at high {r_high:.3} < 0.90"));
    }
    if t.honest[2] > 0 {
        missed.push(format!("{} honest postings rated high (target 0)", t.honest[2]));
    }
    if f_med > 0.10 {
        missed.push(format!("honest postings rated medium {f_med:.3} > 0.10"));
    }
    let _ = f_high;
    println!();
    if missed.is_empty() {
        println!("targets met");
        Ok(true)
    } else {
        println!("targets missed: {}", missed.join("; "));
        Ok(!a.check)
    }
}
