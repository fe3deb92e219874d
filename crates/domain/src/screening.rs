//! Scam screening of job postings (招聘信息风险筛查): rules from a data file, matched against a
//! normalised copy of the posting's text, each hit with a code, a message and the evidence (the
//! exact words of the posting that matched).

mod model;
mod patterns;
mod rules;

use std::collections::HashMap;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

pub use model::Model;
pub use rules::{Rules, Warning};

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

/// The rules shipped in `data/policy/scam_rules.toml`.
pub const SHIPPED_RULES: &str = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/policy/scam_rules.toml"));

/// The word-list rules screening used before patterns with slots, kept to compare with.
pub const BASELINE_RULES: &str =
    include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/policy/scam_rules_baseline.toml"));

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
    if let Some(c) = enclosed_ideograph(c) {
        return Some(c);
    }
    if is_pictograph(c) {
        return None;
    }
    let c = toneless(c);
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

/// Emoji, pictographs, arrows, shapes and the joiners and selectors that build them: they only
/// separate ("跑💰分", "押 💰 金") or decorate ("1️⃣9️⃣8️⃣" reads 198).
fn is_pictograph(c: char) -> bool {
    matches!(u32::from(c),
        0x1F000..=0x1FAFF | 0x2190..=0x21FF | 0x2300..=0x23FF | 0x25A0..=0x27BF | 0x2B00..=0x2BFF
        | 0xFE00..=0xFE0F | 0x200B..=0x200D | 0x20E3 | 0xE0020..=0xE007F)
}

/// The squared ideographs that stand for a word's character ("🈶卡" is 有卡).
fn enclosed_ideograph(c: char) -> Option<char> {
    let table = [
        ('\u{1F21A}', '无'),
        ('\u{1F22F}', '指'),
        ('\u{1F232}', '禁'),
        ('\u{1F234}', '合'),
        ('\u{1F235}', '满'),
        ('\u{1F236}', '有'),
        ('\u{1F237}', '月'),
        ('\u{1F238}', '申'),
        ('\u{1F23A}', '营'),
        ('\u{1F250}', '得'),
        ('\u{1F251}', '可'),
    ];
    table.iter().find(|(k, _)| *k == c).map(|(_, v)| *v)
}

/// A pinyin vowel without its tone mark ("pǎo fēn" reads as "pao fen"; ü as v, as typed).
fn toneless(c: char) -> char {
    match c {
        'ā' | 'á' | 'ǎ' | 'à' => 'a',
        'ē' | 'é' | 'ě' | 'è' => 'e',
        'ī' | 'í' | 'ǐ' | 'ì' => 'i',
        'ō' | 'ó' | 'ǒ' | 'ò' => 'o',
        'ū' | 'ú' | 'ǔ' | 'ù' => 'u',
        'ǖ' | 'ǘ' | 'ǚ' | 'ǜ' | 'ü' => 'v',
        _ => c,
    }
}

/// Whether a character ends a clause (no pattern matches across it).
fn ends_clause(c: char) -> bool {
    matches!(c, '。' | '；' | '！' | '？' | '!' | '?' | ';' | '\n' | '\r')
}

/// A space that may separate phrases (see [`space_splits`]); screening keeps it as a comma unless
/// it falls inside a word of the rules or a sum.
pub(super) const SPACE: char = '\u{2}';

/// Turns each [`SPACE`] into a comma, or drops it when it splits a word of `vocab` ("网 贷平台")
/// or stands next to a digit ("5000 元").
fn settle_spaces(vocab: &[Vec<char>], folded: &mut Vec<char>, pos: &mut Vec<usize>) {
    let mut k = 0;
    while k < folded.len() {
        if folded[k] != SPACE {
            k += 1;
            continue;
        }
        let left = &folded[k.saturating_sub(8)..k];
        let right = &folded[k + 1..(k + 9).min(folded.len())];
        let digit = left.last().is_some_and(char::is_ascii_digit) || right.first().is_some_and(char::is_ascii_digit);
        let inside =
            vocab.iter().any(|w| (1..w.len()).any(|cut| left.ends_with(&w[..cut]) && right.starts_with(&w[cut..])));
        if digit || inside {
            folded.remove(k);
            pos.remove(k);
        } else {
            folded[k] = patterns::COMMA;
            k += 1;
        }
    }
}

/// Which whitespace characters separate phrases the way a comma does: in postings written with
/// spaces for punctuation ("包吃住 入职需交押金 由公司安排"), a space with at least three kept
/// characters on each side up to the next space or punctuation. A space inside a word ("押 金",
/// "缴 纳") has a short run on one side and is only skipped.
fn space_splits(chars: &[char]) -> Vec<bool> {
    const RUN: usize = 3;
    // An emoji is dropped from the text but still ends a phrase ("不用露脸🎙️ 就是要先交").
    let kept = |c: char| !c.is_whitespace() && (fold_char(c).is_some() || is_pictograph(c));
    let mut out = vec![false; chars.len()];
    let mut i = 0;
    while i < chars.len() {
        if !chars[i].is_whitespace() || matches!(chars[i], '\n' | '\r') {
            i += 1;
            continue;
        }
        let end = (i..chars.len())
            .find(|&k| !chars[k].is_whitespace() || matches!(chars[k], '\n' | '\r'))
            .unwrap_or(chars.len());
        let before = chars[..i].iter().rev().take_while(|c| kept(**c)).count();
        let after = chars[end..].iter().take_while(|c| kept(**c)).count();
        if before >= RUN && after >= RUN {
            out[i] = true;
        }
        i = end;
    }
    out
}

/// Text folded for matching, with the position in the original (in chars) of every kept char;
/// the end of each clause is kept as [`patterns::BOUNDARY`] and each comma as [`patterns::COMMA`]
/// (not a comma between digits, as in `6,800`).
pub fn normalise(text: &str) -> (Vec<char>, Vec<usize>) {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::with_capacity(chars.len());
    let mut pos = Vec::with_capacity(chars.len());
    let digit = |i: Option<usize>| i.and_then(|i| chars.get(i)).is_some_and(char::is_ascii_digit);
    let splits = space_splits(&chars);
    for (i, &c) in chars.iter().enumerate() {
        let f = if ends_clause(c) {
            Some(patterns::BOUNDARY)
        } else if c == '，' || (c == ',' && !(digit(i.checked_sub(1)) && digit(Some(i + 1)))) {
            Some(patterns::COMMA)
        } else if c == '、' {
            Some(patterns::LIST)
        } else if splits[i] {
            Some(SPACE)
        } else if c == '/' {
            // A slash splits words to hide them ("分/期"); search keeps it, screening does not.
            None
        } else {
            fold_char(c)
        };
        let Some(f) = f else { continue };
        let marker = |x: char| x == patterns::BOUNDARY || x == patterns::COMMA || x == SPACE;
        if marker(f) && out.last().copied().is_some_and(marker) {
            // A run of separators is one; a clause end wins over a comma, a comma over a space.
            let rank = |x: char| [SPACE, patterns::COMMA, patterns::BOUNDARY].iter().position(|m| *m == x);
            if let Some(l) = out.last_mut()
                && rank(f) > rank(*l)
            {
                *l = f;
            }
            continue;
        }
        out.push(f);
        pos.push(i);
    }
    (out, pos)
}

impl Rules {
    /// The rules shipped with jiuye.
    pub fn shipped() -> &'static Rules {
        static RULES: OnceLock<Rules> = OnceLock::new();
        RULES.get_or_init(|| Rules::parse(SHIPPED_RULES).unwrap_or_else(|e| panic!("shipped scam rules: {e}")))
    }

    /// The word-list rules of the earlier screening (the evaluation's baseline).
    pub fn baseline() -> &'static Rules {
        static RULES: OnceLock<Rules> = OnceLock::new();
        RULES.get_or_init(|| Rules::parse(BASELINE_RULES).unwrap_or_else(|e| panic!("baseline scam rules: {e}")))
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
    /// The words of the posting that triggered it, exactly as written (for pay, the amount).
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

/// The words of the original text a folded span `[start, end)` covers, exactly as written.
fn evidence(original: &[char], pos: &[usize], start: usize, end: usize) -> String {
    original[pos[start]..=pos[end - 1]].iter().collect()
}

/// Landline numbers: an area code (0 and 2–3 digits) then 7–8 digits, or a 400/800 number.
fn has_landline(text: &str) -> bool {
    text.split(|c: char| !(c.is_ascii_digit() || c == '-' || c == ' ')).any(|chunk| {
        let d: String = chunk.chars().filter(char::is_ascii_digit).collect();
        (d.starts_with('0') && (10..=12).contains(&d.len()) && !d.starts_with("00"))
            || ((d.starts_with("400") || d.starts_with("800")) && d.len() == 10)
    })
}

/// The phrases of `folded` that ask a question: the part after the last comma of a clause that
/// ends in a question mark, or in 吗 or 呢 ("入职需要交押金吗？答：不需要"), or all of it when the
/// clause starts with 问 or Q. A long message that only ends by asking ("…先交两百，你考虑一下？")
/// keeps its demands.
fn questions(original: &[char], folded: &[char], pos: &[usize]) -> Vec<(usize, usize)> {
    let mut spans = Vec::new();
    let (mut from, mut clause) = (0, 0);
    for (k, &c) in folded.iter().enumerate().chain(std::iter::once((folded.len(), &patterns::BOUNDARY))) {
        if c == patterns::COMMA {
            from = k + 1;
        }
        if c != patterns::BOUNDARY {
            continue;
        }
        let mark = pos.get(k).and_then(|&p| original.get(p)).is_some_and(|c| matches!(c, '？' | '?'));
        let particle = k > from && matches!(folded[k - 1], '吗' | '呢');
        if mark || particle {
            // "问：……可以吗？" (or "Q：……") asks with all of it.
            let asks = match (folded.get(clause), folded.get(clause + 1)) {
                (Some('问'), _) => true,
                (Some('q'), next) => next != Some(&'q'),
                _ => false,
            };
            let start = if asks { clause } else { from };
            spans.push((start, k));
        }
        clause = k + 1;
        from = k + 1;
    }
    spans
}

/// Screens a posting. `min_wage` is the monthly minimum wage of the province it is located in.
/// When the rules have a `[model]` section, the shipped model gives its second opinion.
pub fn screen(rules: &Rules, d: &Draft<'_>, min_wage: Option<i64>) -> Screening {
    screen_with(rules, rules.second_opinion.as_ref().map(|_| Model::shipped()), d, min_wage)
}

/// Screens a posting with the rules and, when the rules have a `[model]` section, this model's
/// second opinion.
pub fn screen_with(rules: &Rules, model: Option<&Model>, d: &Draft<'_>, min_wage: Option<i64>) -> Screening {
    let text = format!("{}\n{}", d.title, d.description);
    let original: Vec<char> = text.chars().collect();
    let (mut folded, mut pos) = normalise(&text);
    settle_spaces(&rules.vocab, &mut folded, &mut pos);
    let marks = patterns::Marks {
        whole: patterns::whole_spans(&folded, &rules.whole),
        questions: questions(&original, &folded, &pos),
        denied: patterns::denied_spans(&folded, &rules.denial),
    };
    let mut reasons: Vec<Reason> = Vec::new();
    for p in &rules.patterns {
        if reasons.iter().any(|r| r.code == p.code) {
            continue;
        }
        if let Some((start, end)) = p.find_within(&folded, &marks) {
            reasons.push(Reason {
                code: p.code.clone(),
                message: p.message.clone(),
                evidence: evidence(&original, &pos, start, end),
                level: p.level,
            });
        }
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
                evidence: max.to_string(),
                level: rules.pay.above_level,
            });
        }
        if let Some(min) = d.salary_min.filter(|m| *m > 0 && *m < wage) {
            reasons.push(Reason {
                code: rules.pay.below_code.clone(),
                message: rules.pay.below_message.replace("{wage}", &wage.to_string()),
                evidence: min.to_string(),
                level: rules.pay.below_level,
            });
        }
    }
    let mediums = reasons.iter().filter(|r| r.level == Level::Medium).count();
    let mut level = match reasons.iter().map(|r| r.level).max() {
        // Several warning signs together are as serious as one grave one.
        Some(Level::Medium) if mediums >= 3 => Level::High,
        Some(l) => l,
        None => Level::Low,
    };
    // A posting that warns about scams names them: flag it, do not hold it.
    if let Some(notice) = &rules.notice
        && level > notice.level
        && notice.find_within(&folded, &marks).is_some()
    {
        level = notice.level;
        for r in &mut reasons {
            r.level = r.level.min(notice.level);
        }
    }
    if let (Some(model), Some(opinion)) = (model, &rules.second_opinion) {
        let (p, strongest) = model.judge(&folded);
        let graves = || reasons.iter().filter(|r| r.level == Level::High);
        let doubtable = graves().next().is_some()
            && graves().all(|r| opinion.doubt.contains(&r.code))
            && folded.len() >= model::DOUBT_MIN_CHARS;
        if level == Level::High && doubtable && p < opinion.doubt_below {
            // A grave sign in words of a posting that reads like honest ones: flag it, do not hold
            // it. Several signs together (pay, contact, wording) stay high: the model reads only
            // the words; so does a posting too short for the model to judge.
            level = Level::Medium;
            for r in &mut reasons {
                r.level = r.level.min(Level::Medium);
            }
        } else if level == Level::Low
            && p >= opinion.raise_at
            && let Some((start, end)) = strongest
        {
            level = Level::Medium;
            reasons.push(Reason {
                code: opinion.code.clone(),
                message: opinion.message.clone(),
                evidence: evidence(&original, &pos, start, end),
                level: Level::Medium,
            });
        }
    }
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
    fn spaces_between_phrases_separate_them_but_spaces_inside_words_and_sums_do_not() {
        // "由公司代办" three phrases later no longer cancels the deposit.
        let s = check("保安", "月薪6500 入职需交保证金壹仟元 干满半年全额退还 另需办理上岗证 费用四百八 由公司代办");
        assert_eq!(s.level, Level::High, "{s:?}");
        assert_eq!(s.reasons[0].evidence, "需交保证金");
        // A space inside a word of the rules, or inside a sum, is only skipped.
        let s = check("店长", "需员工在几个网 贷平台各申请一笔 钱到账后转入公司账户 公司每月代为还款");
        assert_eq!(s.level, Level::High, "{s:?}");
        let s = check("合伙人", "交 5000 元入股成为合伙人 拉人入股还有额外的人头奖");
        assert_eq!(s.level, Level::High, "{s:?}");
        // And a company that pays in the same phrase still cancels.
        assert_eq!(check("文员", "双休 五险一金 体检费由公司承担").level, Level::Low);
    }

    #[test]
    fn every_shipped_code_is_explained_on_the_safety_page() {
        let rules = Rules::shipped();
        for code in rules.codes() {
            let w = rules.warning(code).unwrap_or_else(|| panic!("no warning for {code}"));
            assert!(!w.title.is_empty() && !w.explain.is_empty() && !w.example.is_empty() && !w.advice.is_empty());
        }
        let bad = format!(
            "{}\n[[warning]]\ncode = \"nope\"\ntitle = \"t\"\nexplain = \"e\"\nexample = \"x\"\nadvice = \"a\"\n",
            SHIPPED_RULES
        );
        assert!(Rules::parse(&bad).unwrap_err().contains("nope"));
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
        assert_eq!(check("程序员", "培训费先分/期，学完上岗。").level, Level::High);
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
    fn scams_worded_without_the_old_phrases_are_high_with_their_words_as_evidence() {
        for (text, code) in [
            ("入职当天请携带身份证原件和本人银行卡交由公司统一保管。", "identity_documents"),
            ("先交会员费199元开通账号，即可接单。", "fee"),
            ("支付内推费8000元保证进入国企。", "paid_placement"),
            ("学费19800元可办理零首付分期，学完包就业。", "training_loan"),
            ("业绩考核：入职后需以个人名义办理网贷。", "personal_loan"),
            ("需自购公司指定的工作手机及资料包，费用1200元。", "equipment_purchase"),
            ("用自己的钱先购买商品，商家确认后返还本金加10%佣金。", "advance_payment"),
            ("购买产品礼包成为会员，推荐他人加入可获得层级奖励。", "pyramid_selling"),
            ("入職需繳納押 金500元。", "fee"),
        ] {
            let s = check("招聘专员", text);
            assert_eq!(s.level, Level::High, "{text}: {:?}", s.reasons);
            assert!(codes(&s).contains(&code), "{text}: {:?}", codes(&s));
            for r in &s.reasons {
                assert!(text.contains(&r.evidence) || "招聘专员".contains(&r.evidence), "{text}: {:?}", r.evidence);
            }
        }
    }

    #[test]
    fn negations_the_company_paying_and_staff_serving_customers_are_not_alarms() {
        for text in [
            "公司不收取任何押金或培训费，入职即签劳动合同。",
            "营业厅营业员：为客户办理电话卡、宽带业务，月薪4500元。",
            "风控分析师：识别刷单、套现等交易风险。",
            "提供宿舍，免收住宿押金。",
            "体检费由公司承担，培训期间带薪。",
            "入职时请携带身份证原件供核验，当场归还。",
            "请提供本人银行卡号用于发放工资。",
            "海外项目工程师，公司办理工作签证，护照由本人保管。",
        ] {
            let s = check("专员", text);
            assert_eq!(s.level, Level::Low, "{text}: {:?}", s.reasons);
        }
    }

    #[test]
    fn questions_notices_and_words_read_whole_are_not_demands() {
        // A question asked and answered: nothing in the question is a demand.
        let qa = "问：入职需要交押金吗？答：不需要，工服免费发放。问：证件要押在公司吗？答：不会，核验后当场归还。";
        assert_eq!(check("服务员", qa).level, Level::Low, "{:?}", check("服务员", qa).reasons);
        // …but a message that only ends by asking keeps its demand.
        let s = check("测试员", "需要先在游戏里充值两百测试支付功能，测试完全额退回并加一百测试费，你先充个两百试试？");
        assert_eq!(s.level, Level::High, "{s:?}");
        // "交" in 交通费 is not a demand to pay.
        assert_eq!(check("会务兼职", "每场100元，结束后当场转账，交通费另补20元。").level, Level::Low);
        // A career centre's reminder names the tricks: flagged, never held.
        let notice =
            "“收一张卡给100元”“借手机卡用几天”这类兼职不是赚钱机会。出租、出售银行卡和手机卡会被纳入惩戒名单。";
        let s = check("求职安全提示", notice);
        assert_eq!(s.level, Level::Medium, "{s:?}");
        assert!(s.reasons.iter().all(|r| r.level <= Level::Medium && notice.contains(&r.evidence)));
        // A scam that says it is not one is not a notice.
        let s = check("礼仪接待", "报名费200元当天交，我们不是诈骗，放心。");
        assert_eq!(s.level, Level::High, "{s:?}");
    }

    #[test]
    fn lending_accounts_and_passing_money_through_them_are_high() {
        for text in [
            "兼职走账，只要一张一类银行卡，钱进来再转出去，每笔万分之八佣金。",
            "出租微信号，一天50，只要实名满三个月的老号。",
            "货款转入你的银行卡后，你按指示转到指定账户，周结3000元。",
        ] {
            let s = check("兼职", text);
            assert_eq!(s.level, Level::High, "{text}: {:?}", s.reasons);
            assert!(codes(&s).contains(&"money_mule"), "{text}: {:?}", codes(&s));
        }
        let aml = check("反洗钱分析师", "识别跑分、走账等可疑交易，撰写可疑交易报告。");
        assert_eq!(aml.level, Level::Low, "{:?}", aml.reasons);
    }

    #[test]
    fn lists_denials_emoji_and_tone_marks_read_as_meant() {
        // Items of a list do not run into one word: "银行卡、密码" is not 卡密.
        let teller = "为客户办理开户、存取款业务，受理银行卡挂失、补卡、密码重置。";
        assert_eq!(check("综合柜员", teller).level, Level::Low, "{:?}", check("综合柜员", teller).reasons);
        // A negation before a list governs all of it.
        let s = check("普工", "本厂直招，不收取押金、体检费、服装费，包吃住。");
        assert_eq!(s.level, Level::Low, "{s:?}");
        // A denial covers the rest of its phrase…
        let s = check("测试工程师", "我司招聘全程不收取任何费用，不要求应聘者参加任何付费培训或办理贷款。");
        assert_eq!(s.level, Level::Low, "{s:?}");
        // …but not past a turn.
        let s = check("客服", "不要求学历和工作经验但入职需交押金500元。");
        assert_eq!(s.level, Level::High, "{s:?}");
        // Emoji inside a word, keycap digits and tone marks fold away.
        for text in ["入职统一交押💰金500，做满三个月退。", "升级VIP要充1️⃣9️⃣8️⃣元会员费才能接单。"]
        {
            let s = check("导购", text);
            assert_eq!(s.level, Level::High, "{text}: {s:?}");
            assert!(s.reasons.iter().all(|r| text.contains(&r.evidence)), "{s:?}");
        }
        assert_eq!(fold_char('ǎ'), Some('a'));
        assert_eq!(fold_char('💰'), None);
        assert_eq!(fold_char('\u{1F236}'), Some('有'));
    }

    #[test]
    fn a_bad_rule_file_names_its_line() {
        let e = Rules::parse("[[rule]]\ncode = \"x\"\nlevel = \"severe\"\n").unwrap_err();
        assert!(e.starts_with("第 3 行"), "{e}");
        assert!(Rules::shipped().codes().len() >= 12);
        assert!(Rules::baseline().codes().contains(&"fee"));
        let e = Rules::parse("[[pattern]]\ncode = \"x\"\nlevel = \"high\"\nmessage = \"m\"\nslots = [\"\"]\n[contact]\ncode=\"c\"\nlevel=\"low\"\nmessage=\"m\"\nfree_mail=[]\nhandles=[]\n[pay]\nabove_code=\"a\"\nabove_level=\"low\"\nabove_message=\"m\"\nabove_times=1\nbelow_code=\"b\"\nbelow_level=\"low\"\nbelow_message=\"m\"\n").unwrap_err();
        assert!(e.contains("槽位"), "{e}");
    }
}
