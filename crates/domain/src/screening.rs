//! Scam screening of job postings (招聘信息风险筛查): rules from a data file, matched against a
//! normalised copy of the posting's text, each hit with a code, a message and the evidence.

use std::collections::HashMap;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

/// How risky a posting looks. `High` holds it for review; it never publishes on its own.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    #[default]
    Low,
    Medium,
    High,
}

impl Level {
    pub fn id(self) -> &'static str {
        match self {
            Level::Low => "low",
            Level::Medium => "medium",
            Level::High => "high",
        }
    }
    pub fn from_id(s: &str) -> Option<Level> {
        [Level::Low, Level::Medium, Level::High].into_iter().find(|l| l.id() == s)
    }
}

#[derive(Clone, Debug, Deserialize)]
struct WordRule {
    code: String,
    level: Level,
    message: String,
    words: Vec<String>,
    #[serde(default)]
    with: Vec<String>,
}

#[derive(Clone, Debug, Deserialize)]
struct ContactRule {
    code: String,
    level: Level,
    message: String,
    free_mail: Vec<String>,
    handles: Vec<String>,
}

#[derive(Clone, Debug, Deserialize)]
struct PayRule {
    above_code: String,
    above_level: Level,
    above_message: String,
    above_times: i64,
    below_code: String,
    below_level: Level,
    below_message: String,
}

#[derive(Clone, Debug, Deserialize)]
struct RuleFile {
    rule: Vec<WordRule>,
    contact: ContactRule,
    pay: PayRule,
}

/// A parsed rule set, its words already normalised.
#[derive(Clone, Debug)]
pub struct Rules {
    words: Vec<WordRule>,
    contact: ContactRule,
    pay: PayRule,
}

/// The rules shipped in `data/policy/scam_rules.toml`.
pub const SHIPPED_RULES: &str = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/policy/scam_rules.toml"));

fn t2s() -> &'static HashMap<char, char> {
    static MAP: OnceLock<HashMap<char, char>> = OnceLock::new();
    MAP.get_or_init(|| {
        include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/policy/traditional_to_simplified.txt"))
            .lines()
            .filter(|l| !l.starts_with('#'))
            .filter_map(|l| {
                let mut c = l.chars();
                Some((c.next()?, c.next()?))
            })
            .collect()
    })
}

/// One character as the matcher sees it: full-width forms folded, Latin lower-cased, Traditional
/// made Simplified; None for characters that only separate (spaces, punctuation, symbols), so
/// that "押 金" or "押*金" still reads as 押金.
pub fn fold_char(c: char) -> Option<char> {
    let c = match c {
        '\u{3000}' => ' ',
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        _ => c,
    };
    if c.is_whitespace() || (c.is_ascii_punctuation() && c != '/' && c != '@' && c != '.') {
        return None;
    }
    if matches!(
        c,
        '·' | '•'
            | '、'
            | '，'
            | '。'
            | '！'
            | '？'
            | '；'
            | '：'
            | '“'
            | '”'
            | '‘'
            | '’'
            | '（'
            | '）'
            | '【'
            | '】'
            | '《'
            | '》'
            | '—'
            | '…'
            | '～'
            | '★'
            | '☆'
            | '♥'
    ) {
        return None;
    }
    let c = c.to_ascii_lowercase();
    Some(t2s().get(&c).copied().unwrap_or(c))
}

/// Text folded for matching, with the position in the original (in chars) of every kept char.
pub fn normalise(text: &str) -> (Vec<char>, Vec<usize>) {
    let mut out = Vec::with_capacity(text.len());
    let mut pos = Vec::with_capacity(text.len());
    for (i, c) in text.chars().enumerate() {
        if let Some(f) = fold_char(c) {
            out.push(f);
            pos.push(i);
        }
    }
    (out, pos)
}

fn fold_word(w: &str) -> Vec<char> {
    normalise(w).0
}

fn find(hay: &[char], needle: &[char]) -> Option<usize> {
    if needle.is_empty() || needle.len() > hay.len() {
        return None;
    }
    hay.windows(needle.len()).position(|w| w == needle)
}

impl Rules {
    /// Parses a rule file; an error names the line when the file is not valid.
    pub fn parse(text: &str) -> Result<Rules, String> {
        let f: RuleFile = toml::from_str(text).map_err(|e| {
            let line = e.span().map(|s| text.as_bytes().iter().take(s.start).filter(|b| **b == b'\n').count() + 1);
            match line {
                Some(l) => format!("第 {l} 行：{}", e.message()),
                None => e.message().to_owned(),
            }
        })?;
        for r in &f.rule {
            if r.code.trim().is_empty() || r.words.iter().all(|w| fold_word(w).is_empty()) {
                return Err(format!("规则 {} 没有代码或关键词", r.code));
            }
        }
        Ok(Rules { words: f.rule, contact: f.contact, pay: f.pay })
    }

    /// The rules shipped with jiuye.
    pub fn shipped() -> &'static Rules {
        static RULES: OnceLock<Rules> = OnceLock::new();
        RULES.get_or_init(|| Rules::parse(SHIPPED_RULES).unwrap_or_else(|e| panic!("shipped scam rules: {e}")))
    }

    /// The codes of every rule, for documentation and tests.
    pub fn codes(&self) -> Vec<&str> {
        let mut v: Vec<&str> = self.words.iter().map(|r| r.code.as_str()).collect();
        v.extend([self.contact.code.as_str(), self.pay.above_code.as_str(), self.pay.below_code.as_str()]);
        v
    }
}

/// A posting as screened.
#[derive(Clone, Debug, Default)]
pub struct Draft<'a> {
    pub title: &'a str,
    pub description: &'a str,
    pub salary_min: Option<i64>,
    pub salary_max: Option<i64>,
    pub contact: Option<&'a str>,
}

/// One reason a posting looks risky.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Reason {
    pub code: String,
    pub message: String,
    /// The words of the posting that triggered it.
    pub evidence: String,
    #[serde(skip_serializing, default)]
    pub level: Level,
}

/// The result of screening.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Screening {
    /// `low`, `medium` or `high`.
    pub level: Level,
    pub reasons: Vec<Reason>,
}

/// The original text around a match, for people to see.
fn evidence(original: &[char], pos: &[usize], start: usize, len: usize) -> String {
    let (a, b) = (pos[start], pos[start + len - 1]);
    let from = a.saturating_sub(12);
    let to = (b + 13).min(original.len());
    let mut s = String::new();
    if from > 0 {
        s.push('…');
    }
    s.extend(original[from..to].iter().map(|c| if c.is_control() { ' ' } else { *c }));
    if to < original.len() {
        s.push('…');
    }
    s
}

/// Landline numbers: an area code (0 and 2–3 digits) then 7–8 digits, or a 400/800 number.
fn has_landline(text: &str) -> bool {
    text.split(|c: char| !(c.is_ascii_digit() || c == '-' || c == ' ')).any(|chunk| {
        let d: String = chunk.chars().filter(char::is_ascii_digit).collect();
        (d.starts_with('0') && (10..=12).contains(&d.len()) && !d.starts_with("00"))
            || ((d.starts_with("400") || d.starts_with("800")) && d.len() == 10)
    })
}

/// Screens a posting. `min_wage` is the monthly minimum wage of the province it is located in.
pub fn screen(rules: &Rules, d: &Draft<'_>, min_wage: Option<i64>) -> Screening {
    let text = format!("{}\n{}", d.title, d.description);
    let original: Vec<char> = text.chars().collect();
    let (folded, pos) = normalise(&text);
    let mut reasons: Vec<Reason> = Vec::new();
    for r in &rules.words {
        let hit = r.words.iter().find_map(|w| {
            let w = fold_word(w);
            find(&folded, &w).map(|i| (i, w.len()))
        });
        let Some((i, len)) = hit else { continue };
        if !r.with.is_empty() && !r.with.iter().any(|w| find(&folded, &fold_word(w)).is_some()) {
            continue;
        }
        reasons.push(Reason {
            code: r.code.clone(),
            message: r.message.clone(),
            evidence: evidence(&original, &pos, i, len),
            level: r.level,
        });
    }
    if let Some(contact) = d.contact.map(str::trim).filter(|c| !c.is_empty()) {
        let lower = contact.to_lowercase();
        let mail = rules.contact.free_mail.iter().find(|m| lower.contains(&format!("@{}", m.to_lowercase())));
        let handle = rules.contact.handles.iter().find(|h| lower.contains(&h.to_lowercase()));
        if (mail.is_some() || handle.is_some()) && !has_landline(contact) {
            reasons.push(Reason {
                code: rules.contact.code.clone(),
                message: rules.contact.message.clone(),
                evidence: contact.chars().take(80).collect(),
                level: rules.contact.level,
            });
        }
    }
    if let Some(wage) = min_wage.filter(|w| *w > 0) {
        if let Some(max) = d.salary_max.filter(|m| *m > wage * rules.pay.above_times) {
            reasons.push(Reason {
                code: rules.pay.above_code.clone(),
                message: rules.pay.above_message.replace("{times}", &rules.pay.above_times.to_string()),
                evidence: format!("月薪上限 {max} 元；当地最低工资 {wage} 元"),
                level: rules.pay.above_level,
            });
        }
        if let Some(min) = d.salary_min.filter(|m| *m > 0 && *m < wage) {
            reasons.push(Reason {
                code: rules.pay.below_code.clone(),
                message: rules.pay.below_message.replace("{wage}", &wage.to_string()),
                evidence: format!("月薪下限 {min} 元"),
                level: rules.pay.below_level,
            });
        }
    }
    let mediums = reasons.iter().filter(|r| r.level == Level::Medium).count();
    let level = match reasons.iter().map(|r| r.level).max() {
        // Several warning signs together are as serious as one grave one.
        Some(Level::Medium) if mediums >= 3 => Level::High,
        Some(l) => l,
        None => Level::Low,
    };
    reasons.sort_by_key(|r| std::cmp::Reverse(r.level));
    Screening { level, reasons }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(title: &str, description: &str) -> Screening {
        screen(Rules::shipped(), &Draft { title, description, ..Default::default() }, Some(2100))
    }

    fn codes(s: &Screening) -> Vec<&str> {
        s.reasons.iter().map(|r| r.code.as_str()).collect()
    }

    #[test]
    fn deposits_loans_and_id_cards_are_high_and_named() {
        let s = check("仓储管理员", "入职需缴纳押金 500 元，转正后退还。");
        assert_eq!(s.level, Level::High);
        assert_eq!(codes(&s), ["fee"]);
        assert!(s.reasons[0].evidence.contains("押金"), "{:?}", s.reasons[0].evidence);
        assert_eq!(check("Java 开发实习", "零基础可报名，先培训后就业，学费可办理分期。").level, Level::High);
        let s = check("文员", "入职当天请将身份证原件交由人事部保管。");
        assert_eq!((s.level, codes(&s)), (Level::High, vec!["identity_documents"]));
    }

    #[test]
    fn spacing_punctuation_and_traditional_characters_do_not_hide_a_rule() {
        assert_eq!(codes(&check("客服", "需交 押 * 金")), ["fee"]);
        assert_eq!(codes(&check("客服", "需繳納保證金")), ["fee"]);
        assert_eq!(codes(&check("兼职", "在家刷單，日結")), ["advance_payment"]);
    }

    #[test]
    fn ordinary_postings_are_low() {
        for (t, d) in [
            ("软件开发工程师", "负责后端服务开发，熟悉 Rust 或 Go；五险一金，带薪年假，岗前培训。计算机类专业优先。"),
            ("会计", "负责公司日常核算与对公账户管理，持初级会计证书；双休，提供住宿。"),
            ("护士", "三级甲等医院招聘护理学专业应届毕业生，规范化培训期间发放补贴。"),
            ("海外项目工程师", "公司承建的海外基础设施项目招聘土木类专业毕业生，薪资按国家规定执行。"),
        ] {
            let s = check(t, d);
            assert_eq!(s.level, Level::Low, "{t}: {:?}", s.reasons);
        }
    }

    #[test]
    fn contact_pay_and_discrimination_are_medium_and_add_up() {
        let d = Draft {
            title: "销售代表",
            description: "限男性，本地户籍优先考虑。",
            salary_min: Some(3000),
            salary_max: Some(60000),
            contact: Some("简历发 hr123@qq.com，微信同号"),
        };
        let s = screen(Rules::shipped(), &d, Some(2100));
        let c = codes(&s);
        for want in ["discrimination_gender", "discrimination_hukou", "free_mail_no_landline", "pay_far_above_market"] {
            assert!(c.contains(&want), "{want} in {c:?}");
        }
        assert_eq!(s.level, Level::High, "four warning signs together hold the posting");
        let with_landline = Draft { contact: Some("hr123@qq.com 028-85412345"), ..Default::default() };
        assert!(screen(Rules::shipped(), &with_landline, None).reasons.is_empty());
        let low_pay = Draft { salary_min: Some(1500), salary_max: Some(2500), ..Default::default() };
        assert_eq!(codes(&screen(Rules::shipped(), &low_pay, Some(2100))), ["pay_below_minimum_wage"]);
    }

    #[test]
    fn a_bad_rule_file_names_its_line() {
        let e = Rules::parse("[[rule]]\ncode = \"x\"\nlevel = \"severe\"\n").unwrap_err();
        assert!(e.starts_with("第 3 行"), "{e}");
        assert!(Rules::shipped().codes().len() >= 12);
    }
}
