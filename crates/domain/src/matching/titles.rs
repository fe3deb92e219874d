//! 职位名称归一 (title normalisation): maps the free-text title of a posting ("Java开发工程师",
//! "某某餐饮招聘后厨") to occupations of the 职业分类大典 2022 (China Standard Classification of
//! Occupations, CSCO 2022), so that postings can be grouped, counted and matched by occupation.
//!
//! The table (`data/refdata/occupations/csco22.csv`), the hand-written rules
//! (`data/refdata/occupations/title_rules.toml`) and the place names of GB/T 2260
//! (`data/refdata/regions/`) are compiled in; [`Occupations::shipped`] builds the index once and
//! shares it. How a title is read:
//!
//! 1. Cleaning: Traditional characters made Simplified, full-width folded, Latin lower-cased;
//!    bracketed asides, pay, perks, hiring slogans and place names dropped; a company name before
//!    "招聘" cut off; the rest split into parts at spaces, "+", "-" …, and at "/" and "、" into
//!    alternatives, a short alternative borrowing the head of the next ("电气/仪表工程师" →
//!    电气工程师, 仪表工程师); seniority words ("高级", "实习") dropped from the start of each part.
//!    The first four parts count, each less than the one before.
//! 2. Each part is compared with every name and alias of the leaves of the table (occupations,
//!    and groups with nothing under them): character unigrams and bigrams weighted by how rare
//!    they are among those names (IDF; generic words such as 经理 and 专员 weigh less), cosine
//!    similarity, the best name of an occupation counting for it. The definitions and tasks add a
//!    weaker score of the same kind (bigrams only).
//! 3. The rules add a fixed amount to the occupation (or group) they point to: the first rule
//!    that fits a part the most, the next ones less. A part's last word ("…工程师", "…工") lifts
//!    the candidates of the family it names.
//! 4. When nothing fits (an empty title, only perks, gibberish), the answer is the residual
//!    group 8-00-00-00 (不便分类的其他从业人员).
//!
//! Occupations (level 4) are preferred; a group (level 1–3) is returned when a rule points to it
//! because the title is too generic to pick a specific occupation ("普工", "钢琴老师", "护士"), or
//! when the group has no occupations under it (the "其他…" groups).
//!
//! Measuring: `jiuye eval titles` (crates/cli/src/eval_titles.rs). This module never reads
//! files, a database or the network.

use std::collections::HashMap;
use std::sync::OnceLock;

use serde::Deserialize;

use crate::error::RefDataError;
use crate::screening::fold_char;

const TABLE_FILE: &str = "occupations/csco22.csv";
const RULES_FILE: &str = "occupations/title_rules.toml";
const SHIPPED_TABLE: &str =
    include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/refdata/occupations/csco22.csv"));
const SHIPPED_RULES: &str =
    include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/refdata/occupations/title_rules.toml"));

/// The residual group returned when nothing in a title points to an occupation.
pub const UNCLASSIFIED: &str = "8-00-00-00";

const SHIPPED_PLACES: &str =
    include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/refdata/regions/yescallop_gbt2260_2024.txt"));

/// Titles longer than this many characters are read only up to here.
const MAX_TITLE_CHARS: usize = 120;
/// How many parts of a title are read.
const MAX_PARTS: usize = 4;
/// Weight of each part relative to the one before it.
const PART_DECAY: f32 = 0.8;
/// What the first rule that fits a part adds; each further rule adds `RULE_DECAY` times less.
const RULE_BOOST: f32 = 1.0;
const RULE_DECAY: f32 = 0.5;
/// How much the definitions and tasks count next to names and aliases.
const DEFINITION_WEIGHT: f32 = 0.3;
/// What a head word adds to the occupations of its family.
const FAMILY_BOOST: f32 = 0.2;
/// Below this best score the title is taken to say nothing classifiable.
const MIN_SCORE: f32 = 0.2;

/// One entry of the 职业分类大典 2022: a major group (level 1), middle group (2), small group (3)
/// or occupation (4, 细类).
#[derive(Clone, Debug, PartialEq)]
pub struct Occupation {
    /// "2-02-10-03".
    pub code: String,
    /// 1 to 4.
    pub level: u8,
    /// The official name without the table's S/L marks ("计算机软件工程技术人员").
    pub name: String,
    /// The name as printed in the table, marks kept ("计算机软件工程技术人员S": S = 数字职业,
    /// L = 绿色职业).
    pub marked_name: String,
    pub definition: String,
    /// The main tasks (主要工作任务), numbered as in the table.
    pub tasks: String,
    /// Other names the occupation goes by, many of them as postings write them.
    pub aliases: Vec<String>,
}

/// One candidate occupation for a title.
#[derive(Clone, Debug, PartialEq)]
pub struct TitleMatch {
    pub code: String,
    pub name: String,
    /// Higher is better; not a probability. Around 1 or more when a rule and a name agree.
    pub score: f32,
}

/// The occupation table with its title index, built once.
#[derive(Debug)]
pub struct Occupations {
    list: Vec<Occupation>,
    by_code: HashMap<String, usize>,
    /// For every indexed name or alias (lower-cased) of a leaf, the leaf it names.
    strings: Vec<u32>,
    /// Gram → (index into `strings`, weight of the gram in that string's unit vector).
    postings: HashMap<Gram, Vec<(u32, f32)>>,
    idf: HashMap<Gram, f32>,
    /// Bigram → (occupation, weight) over the definitions and tasks of the leaves.
    definition_postings: HashMap<Gram, Vec<(u32, f32)>>,
    definition_idf: HashMap<Gram, f32>,
    rules: Vec<Rule>,
    families: Vec<Family>,
    clean: Cleaning,
    unclassified: usize,
}

/// A character unigram (second char `'\0'`) or bigram.
type Gram = (char, char);

#[derive(Debug)]
struct Rule {
    any: Vec<String>,
    also: Vec<String>,
    not: Vec<String>,
    occupation: usize,
}

/// A head word and the group of occupations it points to ("…工程师" → 2-02 工程技术人员).
#[derive(Debug)]
struct Family {
    ends: Vec<String>,
    not: Vec<String>,
    /// The code's leading parts that every occupation of the group shares ("2-02-").
    prefix: String,
}

#[derive(Debug, Default)]
struct Cleaning {
    cut_after: Vec<Vec<char>>,
    noise: WordSet,
    /// Names of provinces, cities and counties, as titles write them ("株洲", "辰溪县").
    places: WordSet,
    modifiers: Vec<Vec<char>>,
    generic: Vec<String>,
}

/// Words looked up by their first character, longest first.
#[derive(Debug, Default)]
struct WordSet {
    by_first: HashMap<char, Vec<Vec<char>>>,
}

impl WordSet {
    fn new(words: impl IntoIterator<Item = String>) -> WordSet {
        let mut by_first: HashMap<char, Vec<Vec<char>>> = HashMap::new();
        for w in words {
            let w: Vec<char> = w.chars().collect();
            if let Some(&c) = w.first()
                && !by_first.get(&c).is_some_and(|l| l.contains(&w))
            {
                by_first.entry(c).or_default().push(w);
            }
        }
        for l in by_first.values_mut() {
            l.sort_by_key(|w| std::cmp::Reverse(w.len()));
        }
        WordSet { by_first }
    }

    /// Replaces every occurrence (leftmost, longest) with a space.
    fn blank(&self, text: &mut [char]) {
        let mut i = 0;
        while i < text.len() {
            let found =
                self.by_first.get(&text[i]).and_then(|l| l.iter().find(|w| text[i..].starts_with(w))).map(Vec::len);
            match found {
                Some(n) => {
                    text[i..i + n].fill(' ');
                    i += n;
                }
                None => i += 1,
            }
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RulesFile {
    clean: CleanFile,
    #[serde(default)]
    rule: Vec<RuleFile>,
    #[serde(default)]
    family: Vec<FamilyFile>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FamilyFile {
    ends: Vec<String>,
    #[serde(default)]
    not: Vec<String>,
    code: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CleanFile {
    cut_after: Vec<String>,
    noise: Vec<String>,
    modifiers: Vec<String>,
    generic: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleFile {
    any: Vec<String>,
    #[serde(default)]
    also: Vec<String>,
    #[serde(default)]
    not: Vec<String>,
    code: String,
}

impl Occupations {
    /// The table and rules shipped with jiuye, parsed and indexed on first use.
    pub fn shipped() -> &'static Occupations {
        static SHIPPED: OnceLock<Occupations> = OnceLock::new();
        SHIPPED.get_or_init(|| {
            Occupations::parse(SHIPPED_TABLE, SHIPPED_RULES, SHIPPED_PLACES)
                .unwrap_or_else(|e| panic!("shipped occupations: {e}"))
        })
    }

    /// Builds the index from the table (CSV with the columns of csco22.csv), the rules (TOML) and
    /// the place names to ignore in titles (lines "CODE NAME" of GB/T 2260).
    pub fn parse(table: &str, rules: &str, places: &str) -> Result<Occupations, RefDataError> {
        let list = parse_table(table)?;
        let by_code: HashMap<String, usize> = list.iter().enumerate().map(|(i, o)| (o.code.clone(), i)).collect();
        let file: RulesFile =
            toml::from_str(rules).map_err(|e| RefDataError { file: RULES_FILE, row: 0, reason: e.to_string() })?;
        let lower = |v: Vec<String>| -> Vec<String> { v.into_iter().map(|s| fold(&s)).collect() };
        let mut modifiers: Vec<Vec<char>> = file.clean.modifiers.iter().map(|s| fold(s).chars().collect()).collect();
        modifiers.sort_by_key(|m| std::cmp::Reverse(m.len()));
        let mut clean = Cleaning {
            cut_after: file.clean.cut_after.iter().map(|s| fold(s).chars().collect()).collect(),
            noise: WordSet::new(lower(file.clean.noise)),
            places: WordSet::default(),
            modifiers,
            generic: lower(file.clean.generic),
        };
        let mut parsed_rules = Vec::with_capacity(file.rule.len());
        for (n, r) in file.rule.into_iter().enumerate() {
            let occupation = *by_code.get(&r.code).ok_or_else(|| RefDataError {
                file: RULES_FILE,
                row: n + 1,
                reason: format!("rule {} points to unknown code {}", n + 1, r.code),
            })?;
            if r.any.is_empty() {
                return Err(RefDataError {
                    file: RULES_FILE,
                    row: n + 1,
                    reason: format!("rule {} has no words", n + 1),
                });
            }
            parsed_rules.push(Rule { any: lower(r.any), also: lower(r.also), not: lower(r.not), occupation });
        }
        let mut families = Vec::with_capacity(file.family.len());
        for (n, f) in file.family.into_iter().enumerate() {
            let group =
                by_code.get(&f.code).map(|&i| &list[i]).filter(|o| o.level < 4).ok_or_else(|| RefDataError {
                    file: RULES_FILE,
                    row: n + 1,
                    reason: format!("family {} points to {}, which is not a group", n + 1, f.code),
                })?;
            let prefix: String = group.code.split('-').take(group.level as usize).map(|p| format!("{p}-")).collect();
            families.push(Family { ends: lower(f.ends), not: lower(f.not), prefix });
        }
        let unclassified = *by_code.get(UNCLASSIFIED).ok_or_else(|| RefDataError {
            file: TABLE_FILE,
            row: 0,
            reason: format!("the table has no {UNCLASSIFIED}"),
        })?;

        // The names compared with a title: those of the leaves (occupations, and groups with
        // nothing under them).
        let mut has_children = vec![false; list.len()];
        for o in &list {
            if o.level > 1
                && let Some(&p) = parent_code(&o.code, o.level - 1).and_then(|p| by_code.get(&p))
            {
                has_children[p] = true;
            }
        }
        let mut texts: Vec<(usize, Vec<char>)> = Vec::new();
        for (i, o) in list.iter().enumerate() {
            if has_children[i] {
                continue;
            }
            let mut seen: Vec<String> = Vec::new();
            for s in std::iter::once(&o.name).chain(o.aliases.iter()) {
                let s = fold(s);
                if s.chars().count() >= 2 && !seen.contains(&s) {
                    texts.push((i, s.chars().collect()));
                    seen.push(s);
                }
            }
        }
        clean.places = WordSet::new(place_names(places, &texts));
        let mut df: HashMap<Gram, u32> = HashMap::new();
        for (_, t) in &texts {
            let mut g = grams(t);
            g.sort_unstable();
            g.dedup();
            for x in g {
                *df.entry(x).or_default() += 1;
            }
        }
        let mut generic_grams: Vec<Gram> = Vec::new();
        for w in &clean.generic {
            generic_grams.extend(grams(&w.chars().collect::<Vec<_>>()));
        }
        let n = texts.len() as f32;
        let idf: HashMap<Gram, f32> = df
            .into_iter()
            .map(|(g, c)| {
                let w = (n / c as f32).ln();
                (g, if generic_grams.contains(&g) { w * GENERIC_WEIGHT } else { w })
            })
            .collect();
        let mut strings = Vec::with_capacity(texts.len());
        let mut postings: HashMap<Gram, Vec<(u32, f32)>> = HashMap::new();
        for (occupation, t) in &texts {
            let j = strings.len() as u32;
            for (g, w) in unit_vector(&grams(t), &idf) {
                postings.entry(g).or_default().push((j, w));
            }
            strings.push(*occupation as u32);
        }
        let definitions: Vec<(usize, Vec<Gram>)> = (0..list.len())
            .filter(|&i| !has_children[i])
            .map(|i| {
                let text: Vec<char> = fold(&format!("{} {}", list[i].definition, list[i].tasks)).chars().collect();
                (i, text.windows(2).map(|w| (w[0], w[1])).collect())
            })
            .collect();
        let mut ddf: HashMap<Gram, u32> = HashMap::new();
        for (_, g) in &definitions {
            let mut g = g.clone();
            g.sort_unstable();
            g.dedup();
            for x in g {
                *ddf.entry(x).or_default() += 1;
            }
        }
        let nd = definitions.len() as f32;
        let definition_idf: HashMap<Gram, f32> = ddf.into_iter().map(|(g, c)| (g, (nd / c as f32).ln())).collect();
        let mut definition_postings: HashMap<Gram, Vec<(u32, f32)>> = HashMap::new();
        for (i, g) in &definitions {
            for (g, w) in unit_vector(g, &definition_idf) {
                definition_postings.entry(g).or_default().push((*i as u32, w));
            }
        }
        Ok(Occupations {
            list,
            by_code,
            strings,
            postings,
            idf,
            definition_postings,
            definition_idf,
            rules: parsed_rules,
            families,
            clean,
            unclassified,
        })
    }

    /// Every entry of the table, in the table's order.
    pub fn all(&self) -> &[Occupation] {
        &self.list
    }

    /// The entry with this code ("2-02-10-03"), of any level.
    pub fn get(&self, code: &str) -> Option<&Occupation> {
        self.by_code.get(code.trim()).map(|&i| &self.list[i])
    }

    /// The best `k` occupations for a posting's title, best first. Occupations (level 4) are
    /// preferred; a group comes back when the title is too generic for anything more specific,
    /// and [`UNCLASSIFIED`] when nothing in the title points anywhere.
    pub fn normalise(&self, title: &str, k: usize) -> Vec<TitleMatch> {
        if k == 0 {
            return Vec::new();
        }
        let parts = self.clean_title(title);
        let mut total = vec![0f32; self.list.len()];
        let mut part_scores = vec![0f32; self.list.len()];
        let mut per_string = vec![0f32; self.strings.len()];
        let mut touched_strings: Vec<u32> = Vec::new();
        let mut touched: Vec<usize> = Vec::new();
        let mut weight = 1.0f32;
        for part in parts.iter().take(MAX_PARTS) {
            // Names and aliases: cosine with each, the best of an occupation's names counting.
            for (g, x) in unit_vector(&grams(part), &self.idf) {
                for &(j, y) in self.postings.get(&g).map(Vec::as_slice).unwrap_or_default() {
                    if per_string[j as usize] == 0.0 {
                        touched_strings.push(j);
                    }
                    per_string[j as usize] += x * y;
                }
            }
            for j in touched_strings.drain(..) {
                let o = self.strings[j as usize] as usize;
                let v = std::mem::take(&mut per_string[j as usize]);
                if part_scores[o] == 0.0 {
                    touched.push(o);
                }
                if v > part_scores[o] {
                    part_scores[o] = v;
                }
            }
            // Definitions and tasks: a weak signal for titles no name resembles.
            let bigrams: Vec<Gram> = part.windows(2).map(|w| (w[0], w[1])).collect();
            for (g, x) in unit_vector(&bigrams, &self.definition_idf) {
                for &(o, y) in self.definition_postings.get(&g).map(Vec::as_slice).unwrap_or_default() {
                    let o = o as usize;
                    if part_scores[o] == 0.0 {
                        touched.push(o);
                    }
                    part_scores[o] += DEFINITION_WEIGHT * x * y;
                }
            }
            // Rules: the first that fits counts most.
            let text: String = part.iter().collect();
            let mut boost = RULE_BOOST;
            let mut fired: Vec<usize> = Vec::new();
            for r in &self.rules {
                if fired.contains(&r.occupation) || !r.fits(&text) {
                    continue;
                }
                if part_scores[r.occupation] == 0.0 {
                    touched.push(r.occupation);
                }
                part_scores[r.occupation] += boost;
                boost *= RULE_DECAY;
                fired.push(r.occupation);
            }
            // Head words: a small lift for the candidates of the family the part's last word names.
            for f in self.families.iter().filter(|f| f.fits(&text)) {
                for &o in &touched {
                    if self.list[o].code.starts_with(&f.prefix) {
                        part_scores[o] += FAMILY_BOOST;
                    }
                }
            }
            for &o in &touched {
                total[o] += weight * std::mem::take(&mut part_scores[o]);
            }
            touched.clear();
            weight *= PART_DECAY;
        }
        let mut ranked: Vec<(usize, f32)> = total.into_iter().enumerate().filter(|&(_, v)| v > 0.0).collect();
        let best_first = |a: &(usize, f32), b: &(usize, f32)| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0));
        if ranked.len() > k + 1 {
            ranked.select_nth_unstable_by(k, best_first);
            ranked.truncate(k + 1);
        }
        ranked.sort_by(best_first);
        if ranked.first().is_none_or(|&(_, v)| v < MIN_SCORE) {
            ranked.retain(|&(o, _)| o != self.unclassified);
            ranked.insert(0, (self.unclassified, MIN_SCORE));
        }
        ranked
            .into_iter()
            .take(k)
            .map(|(o, score)| TitleMatch { code: self.list[o].code.clone(), name: self.list[o].name.clone(), score })
            .collect()
    }

    /// True when `predicted` is `expected`, or lies under it when `expected` is a group (level
    /// 1–3): expected 2-02-00-00 accepts 2-02-10-03, expected 2-06-03-00 (an occupation) accepts
    /// only itself. Unknown codes never count.
    pub fn counts_as(&self, predicted: &str, expected: &str) -> bool {
        let (predicted, expected) = (predicted.trim(), expected.trim());
        let Some(e) = self.get(expected) else {
            return false;
        };
        if self.get(predicted).is_none() {
            return false;
        }
        if predicted == expected {
            return true;
        }
        if e.level >= 4 {
            return false;
        }
        let depth = e.level as usize;
        predicted.split('-').take(depth).eq(expected.split('-').take(depth))
    }

    /// The major group (大类, 1–8) of a code of the table.
    pub fn major_group(&self, code: &str) -> Option<u8> {
        self.get(code)?;
        major_group(code)
    }

    /// The middle group (中类, level 2) a code belongs to, e.g. 2-02-00-00 for 2-02-10-03;
    /// None for a major group.
    pub fn middle_group(&self, code: &str) -> Option<&Occupation> {
        let o = self.get(code)?;
        if o.level < 2 {
            return None;
        }
        self.get(&parent_code(&o.code, 2)?)
    }

    /// The groups above a code, broadest first (major group, middle group, small group).
    pub fn ancestors(&self, code: &str) -> Vec<&Occupation> {
        let Some(o) = self.get(code) else {
            return Vec::new();
        };
        (1..o.level).filter_map(|l| self.get(&parent_code(&o.code, l)?)).collect()
    }

    /// The title as the matcher reads it: cleaned and cut into parts (exposed for explanations
    /// and tests).
    pub fn title_parts(&self, title: &str) -> Vec<String> {
        self.clean_title(title).into_iter().map(|p| p.into_iter().collect()).collect()
    }

    fn clean_title(&self, title: &str) -> Vec<Vec<char>> {
        // Fold, drop bracketed asides; "/" and "、" kept (they join alternatives), other
        // separators become spaces.
        let mut chars: Vec<char> = Vec::with_capacity(title.len().min(MAX_TITLE_CHARS));
        let mut depth = 0usize;
        for c in title.chars().take(MAX_TITLE_CHARS) {
            let c = widen_to_ascii(c);
            if OPENING.contains(&c) {
                depth += 1;
                chars.push(' ');
            } else if CLOSING.contains(&c) {
                depth = depth.saturating_sub(1);
                chars.push(' ');
            } else if depth > 0 {
                // inside brackets: an aside ("（双休）", "(J10322)")
                continue;
            } else if c == '/' || c == '、' {
                chars.push('/');
            } else if SEPARATORS.contains(&c) || c.is_whitespace() {
                chars.push(' ');
            } else {
                chars.push(fold_char(c).unwrap_or(' '));
            }
        }
        self.clean.noise.blank(&mut chars);
        self.clean.places.blank(&mut chars);
        let mut chars = drop_amounts(&chars);
        // "某某公司招聘电工" → "电工": cut after the last hiring word that has something before it
        // and a real job after it.
        let mut cut: Option<usize> = None;
        for w in &self.clean.cut_after {
            if let Some(i) = rfind(&chars, w)
                && i > 0
            {
                let end = i + w.len();
                let rest: String = chars[end..].iter().filter(|c| c.is_alphanumeric()).collect();
                if rest.chars().count() >= 2 && !self.clean.generic.contains(&rest) && cut.is_none_or(|c| end > c) {
                    cut = Some(end);
                }
            }
        }
        if let Some(end) = cut {
            chars.drain(..end);
        }
        let mut parts = Vec::new();
        for chunk in chars.split(|c| *c == ' ') {
            let mut alternatives: Vec<Vec<char>> =
                chunk.split(|c| *c == '/').filter(|a| !a.is_empty()).map(|a| self.strip_modifiers(a)).collect();
            // "电气/仪表工程师" → "电气工程师", "仪表工程师": a short alternative takes the head of
            // the one after it.
            for i in (0..alternatives.len().saturating_sub(1)).rev() {
                let (short, next) = (alternatives[i].len(), alternatives[i + 1].len());
                if short <= 2 && next >= short + 2 {
                    let head = alternatives[i + 1][short..].to_vec();
                    alternatives[i].extend(head);
                }
            }
            for part in alternatives {
                if part.len() >= 2 || part.first().is_some_and(|c| !c.is_ascii()) {
                    parts.push(part);
                }
            }
        }
        parts
    }

    fn strip_modifiers(&self, part: &[char]) -> Vec<char> {
        let mut part = part;
        'strip: loop {
            for m in &self.clean.modifiers {
                if part.len() > m.len() + 1 && part.starts_with(m) {
                    part = &part[m.len()..];
                    continue 'strip;
                }
            }
            break;
        }
        part.to_vec()
    }
}

impl Family {
    fn fits(&self, part: &str) -> bool {
        self.ends.iter().any(|w| part.ends_with(w.as_str())) && !self.not.iter().any(|w| part.ends_with(w.as_str()))
    }
}

impl Rule {
    fn fits(&self, part: &str) -> bool {
        self.any.iter().any(|w| part.contains(w.as_str()))
            && (self.also.is_empty() || self.also.iter().any(|w| part.contains(w.as_str())))
            && !self.not.iter().any(|w| part.contains(w.as_str()))
    }
}

/// The place names a title may carry ("株洲市", "株洲", "辰溪县", "辰溪"), from lines "CODE NAME";
/// short names are made for every level, and any name that some occupation's name or alias uses
/// ("大理" of 大理石) is left out.
fn place_names(lines: &str, texts: &[(usize, Vec<char>)]) -> Vec<String> {
    const SUFFIXES: [&str; 11] =
        ["特别行政区", "维吾尔自治区", "壮族自治区", "回族自治区", "自治区", "省", "市", "地区", "盟", "县", "区"];
    let mut used: std::collections::HashSet<&[char]> = std::collections::HashSet::new();
    for (_, t) in texts {
        for n in 2..=6.min(t.len()) {
            used.extend(t.windows(n));
        }
    }
    let mut names = Vec::new();
    for line in lines.lines() {
        let Some((_, name)) = line.trim().split_once(' ') else { continue };
        let name = name.trim();
        let mut forms = vec![name.to_string()];
        if let Some(short) = SUFFIXES.iter().find_map(|s| name.strip_suffix(s)) {
            forms.push(short.to_string());
        }
        for f in forms {
            let chars: Vec<char> = f.chars().collect();
            if chars.len() >= 2 && !used.contains(chars.as_slice()) {
                names.push(f);
            }
        }
    }
    names
}

/// The major group (1–8) of a well-formed code.
pub fn major_group(code: &str) -> Option<u8> {
    let first = code.trim().split('-').next()?;
    let d: u8 = first.parse().ok()?;
    (1..=9).contains(&d).then_some(d)
}

/// The code of the group at `level` (1–3) above a code: level 2 of "2-02-10-03" is "2-02-00-00".
pub fn parent_code(code: &str, level: u8) -> Option<String> {
    let parts: Vec<&str> = code.trim().split('-').collect();
    if parts.len() != 4 || !(1..=3).contains(&level) {
        return None;
    }
    let keep = level as usize;
    Some((0..4).map(|i| if i < keep { parts[i] } else { "00" }).collect::<Vec<_>>().join("-"))
}

/// How much a generic word's grams weigh compared with others.
const GENERIC_WEIGHT: f32 = 0.3;

const OPENING: [char; 7] = ['(', '[', '{', '（', '【', '「', '《'];
const CLOSING: [char; 7] = [')', ']', '}', '）', '】', '」', '》'];
const SEPARATORS: [char; 25] = [
    '/', '\\', '、', ',', '，', '+', '|', '#', ';', '；', ':', '：', '~', '～', '!', '！', '。', '.', '-', '—', '_',
    '*', '&', '<', '>',
];

/// Full-width ASCII forms and the ideographic space as their ASCII counterparts.
fn widen_to_ascii(c: char) -> char {
    match c {
        '\u{3000}' => ' ',
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        _ => c,
    }
}

/// A word of the rules as the matcher compares it.
fn fold(s: &str) -> String {
    s.chars().map(widen_to_ascii).filter_map(|c| if c == ' ' { None } else { fold_char(c) }).collect()
}

/// Removes pay figures ("8k", "5000元", "1.5万") and long numbers, keeps short ones ("4s店", "3d").
fn drop_amounts(chars: &[char]) -> Vec<char> {
    let mut out = Vec::with_capacity(chars.len());
    let mut i = 0;
    while i < chars.len() {
        if chars[i].is_ascii_digit() {
            let start = i;
            while i < chars.len() && (chars[i].is_ascii_digit() || chars[i] == '.') {
                i += 1;
            }
            let unit = chars.get(i).is_some_and(|c| matches!(c, 'k' | 'w' | '千' | '万' | '元'));
            if unit {
                i += 1;
                out.push(' ');
            } else if i - start >= 3 {
                out.push(' ');
            } else {
                out.extend_from_slice(&chars[start..i]);
            }
        } else {
            out.push(chars[i]);
            i += 1;
        }
    }
    out
}

fn rfind(hay: &[char], needle: &[char]) -> Option<usize> {
    if needle.is_empty() || needle.len() > hay.len() {
        return None;
    }
    (0..=hay.len() - needle.len()).rev().find(|&i| hay[i..i + needle.len()] == *needle)
}

/// The bigrams and unigrams of a text (Latin letters only in bigrams: a lone "c" says nothing).
/// No bigram ends on the 工 of 工程, 工艺 or 工作, so that
/// "优化工程师" and "配电工程师" do not read as 化工 and 电工.
fn grams(t: &[char]) -> Vec<Gram> {
    let mut g: Vec<Gram> = Vec::with_capacity(t.len() * 2);
    for i in 0..t.len().saturating_sub(1) {
        let starts_word = t[i + 1] == '工' && t.get(i + 2).is_some_and(|c| matches!(c, '程' | '艺' | '作'));
        if !starts_word {
            g.push((t[i], t[i + 1]));
        }
    }
    g.extend(t.iter().filter(|c| !c.is_ascii()).map(|&c| (c, '\0')));
    g
}

/// TF-IDF weights of the grams, scaled to unit length; grams unknown to the table are dropped.
pub(super) fn unit_vector(grams: &[Gram], idf: &HashMap<Gram, f32>) -> Vec<(Gram, f32)> {
    let mut counts: Vec<(Gram, f32)> = Vec::with_capacity(grams.len());
    for g in grams {
        let Some(&w) = idf.get(g) else { continue };
        match counts.iter_mut().find(|(x, _)| x == g) {
            Some((_, v)) => *v += w,
            None => counts.push((*g, w)),
        }
    }
    let norm = counts.iter().map(|(_, v)| v * v).sum::<f32>().sqrt();
    if norm > 0.0 {
        for (_, v) in &mut counts {
            *v /= norm;
        }
    }
    counts.retain(|(_, v)| *v > 0.0);
    counts
}

/// "计算机软件工程技术人员S" → "计算机软件工程技术人员" (the table marks digital occupations
/// with S, green ones with L, both with L/S).
fn strip_marks(name: &str) -> String {
    name.trim().trim_end_matches(['S', 'L', '/', ' ']).to_string()
}

fn parse_table(text: &str) -> Result<Vec<Occupation>, RefDataError> {
    let err = |row: usize, reason: String| RefDataError { file: TABLE_FILE, row, reason };
    let text = text.trim_start_matches('\u{feff}');
    let mut reader = csv::ReaderBuilder::new().has_headers(true).from_reader(text.as_bytes());
    let headers = reader.headers().map_err(|e| err(1, e.to_string()))?.clone();
    let column =
        |name: &str| headers.iter().position(|h| h.trim() == name).ok_or_else(|| err(1, format!("no column {name}")));
    let (c_level, c_code, c_name, c_def, c_tasks, c_alias) =
        (column("level")?, column("code")?, column("name")?, column("definition")?, column("tasks")?, column("alias")?);
    let mut list = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let row = i + 2;
        let record = record.map_err(|e| err(row, e.to_string()))?;
        let field = |c: usize| record.get(c).unwrap_or("").trim();
        let level: u8 = field(c_level).parse().map_err(|_| err(row, format!("level '{}'", field(c_level))))?;
        let code = field(c_code).to_string();
        if !(1..=4).contains(&level) || parent_code(&code, 1).is_none() {
            return Err(err(row, format!("bad level or code: {level} {code}")));
        }
        let marked_name = field(c_name).to_string();
        let aliases = field(c_alias)
            .split(',')
            .map(str::trim)
            .filter(|a| !a.is_empty() && *a != marked_name)
            .map(str::to_string)
            .collect();
        list.push(Occupation {
            code,
            level,
            name: strip_marks(&marked_name),
            marked_name,
            definition: field(c_def).to_string(),
            tasks: field(c_tasks).to_string(),
            aliases,
        });
    }
    Ok(list)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn top(title: &str) -> String {
        Occupations::shipped().normalise(title, 1).first().map(|m| m.code.clone()).unwrap_or_default()
    }

    fn lands_in(title: &str, group: &str) {
        let occ = Occupations::shipped();
        let got = occ.normalise(title, 3);
        assert!(
            got.first().is_some_and(|m| occ.counts_as(&m.code, group)),
            "{title}: expected under {group}, got {got:?}"
        );
    }

    #[test]
    fn the_shipped_table_has_every_row() {
        let occ = Occupations::shipped();
        assert_eq!(occ.all().len(), 2051);
        assert_eq!(occ.all().iter().filter(|o| o.level == 4).count(), 1634);
        let o = occ.get("2-02-10-03").expect("software engineers");
        assert_eq!(o.name, "计算机软件工程技术人员");
        assert_eq!(o.marked_name, "计算机软件工程技术人员S");
        assert!(o.aliases.iter().any(|a| a == "Java开发"));
    }

    #[test]
    fn obvious_titles_land_in_the_right_group() {
        lands_in("会计", "2-06-03-00");
        lands_in("出纳", "2-06-03-00");
        lands_in("小学语文教师", "2-08-02-04");
        lands_in("高中数学老师", "2-08-02-01");
        lands_in("Java开发工程师", "2-02-10-00");
        lands_in("高级Java开发工程师（北京）", "2-02-10-03");
        lands_in("护士", "2-05-08-00");
        lands_in("某某餐饮管理有限公司招聘后厨", "4-03-02-00");
        lands_in("保安", "4-07-05-01");
        lands_in("焊工", "6-18-02-04");
        lands_in("銷售經理", "2-06-07-02");
        lands_in("电话销售（双休+五险一金）", "4-01-02-00");
    }

    #[test]
    fn occupations_come_before_groups() {
        let occ = Occupations::shipped();
        let got = occ.normalise("Java开发工程师", 5);
        assert_eq!(got.len(), 5);
        assert_eq!(occ.get(&got[0].code).map(|o| o.level), Some(4));
        assert!(got.windows(2).all(|w| w[0].score >= w[1].score));
    }

    #[test]
    fn counts_as_accepts_codes_under_an_expected_group() {
        let occ = Occupations::shipped();
        assert!(occ.counts_as("2-02-10-03", "2-02-10-03"));
        assert!(occ.counts_as("2-02-10-03", "2-02-00-00"));
        assert!(occ.counts_as("2-02-10-03", "2-02-10-00"));
        assert!(occ.counts_as("2-02-10-03", "2-00-00-00"));
        assert!(!occ.counts_as("2-02-00-00", "2-02-10-03"), "a group never counts for an occupation");
        assert!(!occ.counts_as("2-06-07-02", "2-02-00-00"));
        // 2-06-03-00 is an occupation (level 4) whose code ends in 00: it is not a group.
        assert_eq!(occ.get("2-06-03-00").map(|o| o.level), Some(4));
        assert!(!occ.counts_as("2-06-03-01", "2-06-03-00"));
        // 1-01-00-01 is an occupation under 1-01-00-00; its "00" is not a group marker.
        assert!(occ.counts_as("1-01-00-01", "1-01-00-00"));
        assert!(!occ.counts_as("1-01-00-02", "1-01-00-01"));
        assert!(!occ.counts_as("", "2-02-00-00"));
        assert!(!occ.counts_as("9-99-99-99", "2-02-00-00"));
    }

    #[test]
    fn families_of_a_code() {
        let occ = Occupations::shipped();
        assert_eq!(occ.major_group("2-02-10-03"), Some(2));
        assert_eq!(occ.middle_group("2-02-10-03").map(|o| o.code.as_str()), Some("2-02-00-00"));
        assert_eq!(occ.middle_group("2-00-00-00"), None);
        let up: Vec<&str> = occ.ancestors("2-02-10-03").iter().map(|o| o.code.as_str()).collect();
        assert_eq!(up, ["2-00-00-00", "2-02-00-00", "2-02-10-00"]);
        assert_eq!(parent_code("2-02-10-03", 3).as_deref(), Some("2-02-10-00"));
        assert_eq!(major_group("x"), None);
    }

    #[test]
    fn cleaning_drops_company_pay_and_seniority() {
        let occ = Occupations::shipped();
        assert_eq!(occ.title_parts("某某餐饮管理有限公司招聘后厨"), ["后厨"]);
        assert_eq!(occ.title_parts("高级Java开发工程师（北京出差）"), ["java开发工程师"]);
        assert_eq!(occ.title_parts("销售主管 底薪7千+提成"), ["销售主管"]);
        assert_eq!(occ.title_parts("资深招聘专员"), ["招聘专员"]);
        assert_eq!(occ.title_parts("汽车4S店销售"), ["汽车4s店销售"]);
    }

    #[test]
    fn empty_garbage_and_long_titles_are_unclassified_quickly() {
        let occ = Occupations::shipped();
        assert_eq!(top(""), UNCLASSIFIED);
        assert_eq!(top("   "), UNCLASSIFIED);
        assert_eq!(top("！！！+++"), UNCLASSIFIED);
        assert_eq!(top("五险一金 双休 包吃住"), UNCLASSIFIED);
        assert_eq!(top("qwzxv"), UNCLASSIFIED);
        let long = "销售".repeat(50_000) + &"😀".repeat(10_000);
        let got = occ.normalise(&long, 5);
        assert!(!got.is_empty() && got.len() <= 5);
        assert!(occ.normalise("会计", 0).is_empty());
    }

    #[test]
    fn bad_tables_and_rules_are_refused_with_their_row() {
        let table = "level,code,code_num,name,definition,tasks,csco_code_num,alias\n\
                     1,8-00-00-00,8000000,不便分类的其他从业人员,,,8000000,\n\
                     x,1-00-00-00,1000000,负责人,,,1000000,\n";
        let rules = "[clean]\ncut_after=[]\nnoise=[]\nmodifiers=[]\ngeneric=[]\n";
        let e = Occupations::parse(table, rules, "").expect_err("bad level");
        assert_eq!(e.row, 3);
        let table = "level,code,code_num,name,definition,tasks,csco_code_num,alias\n\
                     1,8-00-00-00,8000000,不便分类的其他从业人员,,,8000000,\n";
        let rules2 = format!("{rules}[[rule]]\nany=[\"a\"]\ncode=\"1-00-00-00\"\n");
        let e = Occupations::parse(table, &rules2, "").expect_err("unknown code");
        assert_eq!(e.row, 1);
        assert!(Occupations::parse(table, rules, "").is_ok());
    }
}
