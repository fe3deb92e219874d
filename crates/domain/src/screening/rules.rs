//! The rule file: word classes, patterns with slots, and the rules computed from a posting's
//! fields (contact, pay). The older format, a list of `[[rule]]` word lists, is still read (it is
//! the baseline the evaluation compares with): each becomes a pattern of one slot.

use std::collections::HashMap;

use serde::Deserialize;

use super::Level;
use super::patterns::{Pattern, Slot};

#[derive(Clone, Debug, Deserialize)]
pub(super) struct WordRule {
    code: String,
    level: Level,
    message: String,
    words: Vec<String>,
    #[serde(default)]
    with: Vec<String>,
}

#[derive(Clone, Debug, Deserialize)]
pub(super) struct PatternRule {
    code: String,
    level: Level,
    /// May be left out after the first pattern of a code, which gives it.
    #[serde(default)]
    message: String,
    /// Each slot: a class name, `#amount`, or literal words separated by `|`.
    slots: Vec<String>,
    #[serde(default = "default_gap")]
    gap: usize,
    #[serde(default)]
    unless_before: Vec<String>,
    #[serde(default)]
    unless_clause: Vec<String>,
    #[serde(default)]
    with: Vec<String>,
    #[serde(default)]
    without: Vec<String>,
}

fn default_gap() -> usize {
    8
}

#[derive(Clone, Debug, Deserialize)]
pub(super) struct ContactRule {
    pub code: String,
    pub level: Level,
    pub message: String,
    pub free_mail: Vec<String>,
    pub handles: Vec<String>,
}

#[derive(Clone, Debug, Deserialize)]
pub(super) struct PayRule {
    pub above_code: String,
    pub above_level: Level,
    pub above_message: String,
    pub above_times: i64,
    pub below_code: String,
    pub below_level: Level,
    pub below_message: String,
}

#[derive(Clone, Debug, Deserialize)]
struct RuleFile {
    #[serde(default)]
    classes: HashMap<String, Vec<String>>,
    #[serde(default)]
    pattern: Vec<PatternRule>,
    #[serde(default)]
    rule: Vec<WordRule>,
    contact: ContactRule,
    pay: PayRule,
    #[serde(default)]
    warning: Vec<Warning>,
    #[serde(default)]
    notice: Option<NoticeRule>,
    #[serde(default)]
    model: Option<SecondOpinion>,
}

/// What the learned model may do to the rules' verdict (the `[model]` section). Without the
/// section the rules decide alone.
#[derive(Clone, Debug, Deserialize)]
pub(super) struct SecondOpinion {
    /// The code and message of the reason it adds when it raises a posting.
    pub code: String,
    pub message: String,
    /// A posting no rule flagged becomes `medium` at this probability of being a scam or above.
    pub raise_at: f64,
    /// A `high` posting becomes `medium` below this probability (0 keeps every `high`)…
    pub doubt_below: f64,
    /// …when every code that made it `high` is one of these (a province's own codes are not
    /// listed, so its rules hold postings whatever the model says).
    #[serde(default)]
    pub doubt: Vec<String>,
}

/// A posting that talks about scams (a career centre's reminder, a fraud-fighting job, an
/// employer's "we never charge" notice) names the tricks it warns against; its matches are
/// lowered to `level` at most, so that it is flagged for a reader but not held.
#[derive(Clone, Debug, Deserialize)]
struct NoticeRule {
    level: Level,
    /// Class names or words; any one of them, anywhere in the posting, makes it a notice.
    words: Vec<String>,
    /// Words that, just before, cancel one of `words` ("不是诈骗").
    #[serde(default)]
    unless_before: Vec<String>,
}

/// What the safety education page says about one code: the trick, an example, what to do.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
pub struct Warning {
    pub code: String,
    pub title: String,
    pub explain: String,
    pub example: String,
    pub advice: String,
}

/// A parsed rule set, its words folded and its classes resolved.
#[derive(Clone, Debug)]
pub struct Rules {
    pub(super) patterns: Vec<Pattern>,
    pub(super) contact: ContactRule,
    pub(super) pay: PayRule,
    pub(super) warnings: Vec<Warning>,
    /// Every word of every class, folded (two characters or more): a space inside one of these
    /// never separates phrases.
    pub(super) vocab: Vec<Vec<char>>,
    /// When a posting warns about scams: what marks it; its `level` is the highest its matches keep.
    pub(super) notice: Option<Pattern>,
    /// Words read whole (the class `whole`): no slot matches part of one.
    pub(super) whole: Vec<Vec<char>>,
    /// Words that deny the rest of their phrase (the class `denial`: 不要求, 从不, 严禁).
    pub(super) denial: Vec<Vec<char>>,
    /// What the learned model may change, if anything.
    pub(super) second_opinion: Option<SecondOpinion>,
}

impl Rules {
    /// The warnings the safety education page shows, in the order of the file.
    pub fn warnings(&self) -> &[Warning] {
        &self.warnings
    }

    /// The warning about `code`, if the rules explain it.
    pub fn warning(&self, code: &str) -> Option<&Warning> {
        self.warnings.iter().find(|w| w.code == code)
    }
}

fn fold_word(w: &str) -> Vec<char> {
    super::normalise(w).0.into_iter().filter(|c| *c != super::SPACE).collect()
}

/// What a name stands for: `|`-separated parts, each a class name, `#amount`, `#number` (a sum
/// or a bare number of two digits or more: "手续费99"), `#fee` (any "…费" but those in the class
/// `fee_exempt`) or a literal word.
fn slot(classes: &HashMap<String, Vec<String>>, name: &str) -> Slot {
    let mut s = Slot::default();
    for part in name.split('|').map(str::trim) {
        match (part, classes.get(part)) {
            ("#amount", _) => s.amount = true,
            ("#number", _) => s.number = true,
            ("#fee", _) => {
                s.fee = true;
                let exempt = classes.get("fee_exempt").map(Vec::as_slice).unwrap_or_default();
                s.fee_exempt = exempt.iter().map(|w| fold_word(w)).filter(|w| !w.is_empty()).collect();
            }
            (_, Some(ws)) => {
                // A class's members are words (or the two markers), never other classes.
                for w in ws {
                    match w.trim() {
                        "#amount" | "#fee" => {
                            let inner = slot(classes, w.trim());
                            s.amount |= inner.amount;
                            s.fee |= inner.fee;
                            s.fee_exempt.extend(inner.fee_exempt);
                        }
                        _ => s.words.push(fold_word(w)),
                    }
                }
            }
            (w, None) => s.words.push(fold_word(w)),
        }
    }
    s.words.retain(|w| !w.is_empty());
    // Longest first, so that a slot takes "保证金" rather than stopping at a shorter word.
    s.words.sort_by_key(|w| std::cmp::Reverse(w.len()));
    s.words.dedup();
    s
}

fn many(classes: &HashMap<String, Vec<String>>, names: &[String]) -> Vec<Vec<char>> {
    names.iter().flat_map(|n| slot(classes, n).words).collect()
}

impl Rules {
    /// Parses a rule file; an error names the line, or the rule, that is not valid.
    pub fn parse(text: &str) -> Result<Rules, String> {
        let f: RuleFile = toml::from_str(text).map_err(|e| {
            let line = e.span().map(|s| text.as_bytes().iter().take(s.start).filter(|b| **b == b'\n').count() + 1);
            match line {
                Some(l) => format!("第 {l} 行：{}", e.message()),
                None => e.message().to_owned(),
            }
        })?;
        let mut patterns = Vec::new();
        for r in &f.rule {
            let ws = many(&f.classes, &r.words);
            if r.code.trim().is_empty() || ws.is_empty() {
                return Err(format!("规则 {} 没有代码或关键词", r.code));
            }
            patterns.push(Pattern {
                code: r.code.clone(),
                level: r.level,
                message: r.message.clone(),
                slots: vec![Slot { words: ws, ..Slot::default() }],
                gap: 0,
                unless_before: Vec::new(),
                unless_clause: Vec::new(),
                with: many(&f.classes, &r.with),
                without: Vec::new(),
            });
        }
        for r in &f.pattern {
            let mut slots = Vec::new();
            for s in &r.slots {
                let compiled = slot(&f.classes, s);
                if compiled.words.is_empty() && !compiled.amount && !compiled.number && !compiled.fee {
                    return Err(format!("规则 {} 的槽位 “{s}” 没有词", r.code));
                }
                slots.push(compiled);
            }
            if r.code.trim().is_empty() || slots.is_empty() {
                return Err(format!("规则 {} 没有代码或槽位", r.code));
            }
            let message = match r.message.trim() {
                "" => patterns
                    .iter()
                    .find(|p: &&Pattern| p.code == r.code)
                    .map(|p| p.message.clone())
                    .ok_or_else(|| format!("规则 {} 没有说明（message）", r.code))?,
                m => m.to_owned(),
            };
            patterns.push(Pattern {
                code: r.code.clone(),
                level: r.level,
                message,
                slots,
                gap: r.gap,
                unless_before: many(&f.classes, &r.unless_before),
                unless_clause: many(&f.classes, &r.unless_clause),
                with: many(&f.classes, &r.with),
                without: many(&f.classes, &r.without),
            });
        }
        let mut vocab: Vec<Vec<char>> =
            f.classes.values().flatten().map(|w| fold_word(w)).filter(|w| w.len() >= 2).collect();
        vocab.sort();
        vocab.dedup();
        let notice = match &f.notice {
            Some(n) => {
                let words = slot(&f.classes, &n.words.join("|"));
                if words.words.is_empty() {
                    return Err("提醒类帖子（notice）没有词".to_owned());
                }
                Some(Pattern {
                    code: String::new(),
                    level: n.level,
                    message: String::new(),
                    slots: vec![words],
                    gap: 0,
                    unless_before: many(&f.classes, &n.unless_before),
                    unless_clause: Vec::new(),
                    with: Vec::new(),
                    without: Vec::new(),
                })
            }
            None => None,
        };
        let whole =
            f.classes.get("whole").into_iter().flatten().map(|w| fold_word(w)).filter(|w| w.len() >= 2).collect();
        let denial =
            f.classes.get("denial").into_iter().flatten().map(|w| fold_word(w)).filter(|w| !w.is_empty()).collect();
        if let Some(m) = &f.model {
            let share = 0.0..=1.0;
            if !share.contains(&m.raise_at) || !share.contains(&m.doubt_below) {
                return Err("模型（model）的 raise_at 和 doubt_below 应在 0 到 1 之间".to_owned());
            }
            if m.code.trim().is_empty() || m.message.trim().is_empty() {
                return Err("模型（model）没有代码或说明".to_owned());
            }
        }
        let rules = Rules {
            patterns,
            contact: f.contact,
            pay: f.pay,
            warnings: Vec::new(),
            vocab,
            notice,
            whole,
            denial,
            second_opinion: f.model,
        };
        let codes = rules.codes();
        for (i, w) in f.warning.iter().enumerate() {
            if !codes.contains(&w.code.as_str()) {
                return Err(format!("第 {} 条说明（warning）的代码“{}”不是任何规则的代码", i + 1, w.code));
            }
            if f.warning[..i].iter().any(|x| x.code == w.code) {
                return Err(format!("代码“{}”的说明（warning）重复", w.code));
            }
        }
        Ok(Rules { warnings: f.warning, ..rules })
    }

    /// The codes of every rule (each once), for documentation and tests.
    pub fn codes(&self) -> Vec<&str> {
        let mut v: Vec<&str> = Vec::new();
        let all = self.patterns.iter().map(|p| p.code.as_str()).chain([
            self.contact.code.as_str(),
            self.pay.above_code.as_str(),
            self.pay.below_code.as_str(),
        ]);
        let all = all.chain(self.second_opinion.iter().map(|m| m.code.as_str()));
        for c in all {
            if !v.contains(&c) {
                v.push(c);
            }
        }
        v
    }
}
