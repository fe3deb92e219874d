//! Patterns with slots, matched on a folded copy of a posting's text: a demand near a money object,
//! a document near a custody word, and so on. Each slot is a set of alternatives; consecutive slots
//! must follow each other within `gap` characters of the same clause. A match is cancelled by a
//! negation just before one of its slots ("不收取", "免收", "无需") or by words between the commas
//! around it that make the company the one paying or the applicant the one serving customers
//! ("公司承担", "为客户").

use super::Level;

/// Marks the end of a clause in folded text (。；！？ and line breaks); no match crosses it.
pub const BOUNDARY: char = '\0';

/// Marks a comma in folded text: a match may span it, but a negation does not reach over it and
/// the words that cancel a match are looked for only between the commas around the match.
pub const COMMA: char = '\u{1}';

/// Marks an enumeration comma (、) in folded text: a match may span it, but no word does, so the
/// end of one item and the start of the next ("银行卡、密码" ) do not read as a word ("卡密").
pub const LIST: char = '\u{3}';

/// What a slot matches: any of its folded words (longest first), or an amount of money (digits
/// or Chinese numerals followed by 元, 块 or 万, or after ¥).
#[derive(Clone, Debug, Default)]
pub struct Slot {
    pub words: Vec<Vec<char>>,
    pub amount: bool,
    /// A sum, or a bare number of two digits or more.
    pub number: bool,
    /// Any charge named "…费" (not one of `fee_exempt`: 免费, 消费, 住宿费 …).
    pub fee: bool,
    pub fee_exempt: Vec<Vec<char>>,
}

/// A compiled pattern.
#[derive(Clone, Debug)]
pub struct Pattern {
    pub code: String,
    pub level: Level,
    pub message: String,
    pub slots: Vec<Slot>,
    /// Most characters between the end of one slot and the start of the next.
    pub gap: usize,
    /// Words that cancel a match when they end at most `NEGATION_REACH` characters before one
    /// of its slots (a one-character word: right before it), with no comma between.
    pub unless_before: Vec<Vec<char>>,
    /// Words that cancel a match when they appear between the commas around it.
    pub unless_clause: Vec<Vec<char>>,
    /// When not empty, one of these words must appear somewhere in the posting.
    pub with: Vec<Vec<char>>,
    /// None of these words may appear anywhere in the posting (marks of a lawful offer, such as
    /// 工作签证 for work abroad).
    pub without: Vec<Vec<char>>,
}

/// How far before a match a negation still governs it ("不向求职者收取" reaches over 向求职者).
pub const NEGATION_REACH: usize = 6;

/// The longest item of a list (items separated by 、) that a negation before the list reaches over.
const LIST_ITEM: usize = 10;

fn at(hay: &[char], i: usize, w: &[char]) -> bool {
    hay.len() >= i + w.len() && hay[i..i + w.len()] == *w
}

fn is_digit(c: char) -> bool {
    c.is_ascii_digit() || "零一二三四五六七八九十百千万两壹贰叁肆伍陆柒捌玖拾佰仟".contains(c)
}

/// A Chinese numeral with a magnitude: 三千八, 一万二, 八百八, 叁佰陆拾.
fn is_magnitude(c: char) -> bool {
    "十百千万拾佰仟".contains(c)
}

/// The length of an amount of money at `i`: `199元`, `一百九十九元`, `4.8万`, `¥500`,
/// `rmb199`, `3k`, `3千`.
fn amount_at(hay: &[char], i: usize) -> Option<usize> {
    let prefix = if matches!(hay[i], '¥' | '￥') {
        1
    } else if at(hay, i, &['r', 'm', 'b']) {
        3
    } else {
        0
    };
    if prefix > 0 {
        let digits = hay[i + prefix..].iter().take_while(|c| c.is_ascii_digit() || **c == '.').count();
        return (digits > 0).then_some(digits + prefix);
    }
    if i > 0 && (is_digit(hay[i - 1]) || hay[i - 1] == '.') {
        return None;
    }
    if hay[i].is_ascii_digit() {
        let digits = hay[i..].iter().take_while(|c| c.is_ascii_digit() || **c == '.').count();
        if matches!(hay.get(i + digits), Some('k' | 'w' | '千')) {
            return Some(digits + 1);
        }
    }
    if !is_digit(hay[i]) {
        return None;
    }
    let run = hay[i..].iter().take_while(|c| is_digit(**c) || **c == '.').count();
    match hay.get(i + run) {
        Some('元' | '块') => Some(run + 1),
        // "4.8万": the run itself ends with its unit.
        _ if run >= 2 && hay[i + run - 1] == '万' => Some(run),
        // "三千八", "八百八": spelled out with a magnitude, no unit needed.
        _ if run >= 2 && !hay[i].is_ascii_digit() && hay[i..i + run].iter().any(|c| is_magnitude(*c)) => Some(run),
        _ => None,
    }
}

/// The length of the slot's match at `i`, if it matches there.
fn slot_at(hay: &[char], i: usize, slot: &Slot) -> Option<usize> {
    if let Some(w) = slot.words.iter().find(|w| at(hay, i, w)) {
        return Some(w.len());
    }
    if slot.amount
        && let Some(n) = amount_at(hay, i)
    {
        return Some(n);
    }
    if slot.number
        && let Some(n) = amount_at(hay, i).or_else(|| number_at(hay, i))
    {
        return Some(n);
    }
    (slot.fee && fee_at(hay, i, &slot.fee_exempt)).then_some(1)
}

/// A bare number of two digits or more starting at `i` (not inside a longer one).
fn number_at(hay: &[char], i: usize) -> Option<usize> {
    if i > 0 && (hay[i - 1].is_ascii_digit() || hay[i - 1] == '.') {
        return None;
    }
    let digits = hay[i..].iter().take_while(|c| c.is_ascii_digit()).count();
    (digits >= 2).then_some(digits)
}

/// Whether `i` holds the 费 of a charge that is not exempt.
fn fee_at(hay: &[char], i: usize, exempt: &[Vec<char>]) -> bool {
    // A charge has a name before 费 ("占位费"); "费用" at the start of a phrase names none.
    let named = i > 0 && hay[i - 1].is_alphanumeric();
    named && hay[i] == '费' && !exempt.iter().any(|w| i + 1 >= w.len() && at(hay, i + 1 - w.len(), w))
}

/// The spans of the words read whole (the class `whole`: 交通费, 优先, 应届) in `hay`.
pub fn whole_spans(hay: &[char], whole: &[Vec<char>]) -> Vec<(usize, usize)> {
    let mut spans = Vec::new();
    for i in 0..hay.len() {
        if let Some(w) = whole.iter().filter(|w| at(hay, i, w)).max_by_key(|w| w.len()) {
            spans.push((i, i + w.len()));
        }
    }
    spans
}

/// Whether `[start, end)` takes part of a word read whole without taking all of it: "交" in
/// 交通费 is not a demand, "先" in 优先 is not "first".
fn splits(whole: &[(usize, usize)], start: usize, end: usize) -> bool {
    whole.iter().any(|&(s, e)| s < end && start < e && !(start <= s && e <= end))
}

/// What screening knows about a folded text besides its characters.
#[derive(Clone, Debug, Default)]
pub struct Marks {
    /// Spans of the words read whole (see [`whole_spans`]).
    pub whole: Vec<(usize, usize)>,
    /// Spans of the clauses that ask a question ("入职需要交押金吗？"): nothing in one is a demand.
    pub questions: Vec<(usize, usize)>,
    /// Spans denied as a whole: from the end of a word such as 不要求 or 从不 to the end of its
    /// phrase ("不要求应聘者参加任何付费培训或办理贷款"). A match that starts in one does not count
    /// for a pattern that heeds negations.
    pub denied: Vec<(usize, usize)>,
}

/// The spans each word of `denial` denies in `hay`: from its end to the next comma or clause end,
/// or to a word that turns the sentence (但, 只, 却, 而). "绝不是…" denies nothing.
pub fn denied_spans(hay: &[char], denial: &[Vec<char>]) -> Vec<(usize, usize)> {
    let mut spans = Vec::new();
    for i in 0..hay.len() {
        let Some(w) = denial.iter().filter(|w| at(hay, i, w)).max_by_key(|w| w.len()) else { continue };
        let from = i + w.len();
        if hay.get(from) == Some(&'是') {
            continue;
        }
        let to = hay[from..]
            .iter()
            .position(|c| matches!(*c, BOUNDARY | COMMA | '但' | '只' | '却' | '而'))
            .map_or(hay.len(), |k| from + k);
        spans.push((from, to));
    }
    spans
}

/// Matches slots `k..` with slot `k` starting in `lo..=hi`, not negated and taking no part of a
/// word read whole (`whole`); the end of the last.
fn rest(
    hay: &[char],
    whole: &[(usize, usize)],
    slots: &[Slot],
    gap: usize,
    lo: usize,
    hi: usize,
    negations: &[Vec<char>],
) -> Option<usize> {
    let Some((slot, more)) = slots.split_first() else { return Some(lo) };
    for p in lo..=hi.min(hay.len().saturating_sub(1)) {
        if hay[p] == BOUNDARY {
            return None;
        }
        if let Some(len) = slot_at(hay, p, slot) {
            if negated(hay, p, negations) || splits(whole, p, p + len) {
                continue;
            }
            let end = p + len;
            if more.is_empty() {
                return Some(end);
            }
            if let Some(e) = rest(hay, whole, more, gap, end, end + gap, negations) {
                return Some(e);
            }
        }
    }
    None
}

/// The part of the text around `[start, end)` between the commas (or clause ends) before and after.
fn around(hay: &[char], start: usize, end: usize) -> &[char] {
    let stop = |c: &char| *c == BOUNDARY || *c == COMMA;
    let from = hay[..start].iter().rposition(stop).map_or(0, |b| b + 1);
    let to = hay[end..].iter().position(stop).map_or(hay.len(), |b| end + b);
    &hay[from..to]
}

fn contains(hay: &[char], w: &[char]) -> bool {
    !w.is_empty() && hay.windows(w.len()).any(|x| x == w)
}

fn negated(hay: &[char], start: usize, words: &[Vec<char>]) -> bool {
    if negated_here(hay, start, words) {
        return true;
    }
    // A negation before a list governs all of it: "不收取押金、保证金、服装费", "没有团队计酬、发展下线".
    let mut head = start;
    while let Some(p) = hay[head.saturating_sub(LIST_ITEM + 1)..head].iter().rposition(|c| *c == LIST) {
        let p = head.saturating_sub(LIST_ITEM + 1) + p;
        if hay[p..head].iter().any(|c| *c == BOUNDARY || *c == COMMA) {
            break;
        }
        head = p;
    }
    head < start && negated_here(hay, head, words)
}

/// Whether a negation ends just before `start` (see [`negated`]), not looking past a list.
fn negated_here(hay: &[char], start: usize, words: &[Vec<char>]) -> bool {
    let from = start.saturating_sub(NEGATION_REACH + 8);
    let window = &hay[from..start];
    if let Some(b) = window.iter().rposition(|c| *c == BOUNDARY || *c == COMMA) {
        return negated_here(&hay[from + b + 1..], start - from - b - 1, words);
    }
    // A one-character negation (不, 无, 免) governs only what follows it directly.
    words.iter().any(|w| {
        let reach = if w.len() == 1 { 0 } else { NEGATION_REACH };
        (0..window.len()).any(|k| at(window, k, w) && k + w.len() + reach >= window.len())
    })
}

impl Pattern {
    /// The first uncancelled match in `hay`, as a folded span `[start, end)`.
    #[cfg(test)]
    pub fn find(&self, hay: &[char]) -> Option<(usize, usize)> {
        self.find_within(hay, &Marks::default())
    }

    /// The first uncancelled match in `hay` that takes no part of a word read whole and does not
    /// start in a question, as a folded span `[start, end)`.
    pub fn find_within(&self, hay: &[char], marks: &Marks) -> Option<(usize, usize)> {
        let whole = marks.whole.as_slice();
        if !self.with.is_empty() && !self.with.iter().any(|w| contains(hay, w)) {
            return None;
        }
        if self.without.iter().any(|w| contains(hay, w)) {
            return None;
        }
        let (first, more) = self.slots.split_first()?;
        for start in 0..hay.len() {
            let Some(len) = slot_at(hay, start, first) else { continue };
            if negated(hay, start, &self.unless_before)
                || splits(whole, start, start + len)
                || marks.questions.iter().any(|&(s, e)| s <= start && start < e)
                || (!self.unless_before.is_empty() && marks.denied.iter().any(|&(s, e)| s <= start && start < e))
            {
                continue;
            }
            let end = if more.is_empty() {
                start + len
            } else {
                match rest(hay, whole, more, self.gap, start + len, start + len + self.gap, &self.unless_before) {
                    Some(e) => e,
                    None => continue,
                }
            };
            let c = around(hay, start, end);
            if self.unless_clause.iter().any(|w| contains(c, w)) {
                continue;
            }
            return Some((start, end));
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(words: &[&str]) -> Vec<Vec<char>> {
        words.iter().map(|s| s.chars().collect()).collect()
    }

    fn slot(words: &[&str]) -> Slot {
        Slot { words: w(words), ..Slot::default() }
    }

    fn chars(s: &str) -> Vec<char> {
        s.chars()
            .map(|c| match c {
                '|' => BOUNDARY,
                ',' => COMMA,
                _ => c,
            })
            .collect()
    }

    fn fee() -> Pattern {
        Pattern {
            code: "fee".into(),
            level: Level::High,
            message: String::new(),
            slots: vec![slot(&["需", "交", "收取"]), slot(&["押金", "培训费"])],
            gap: 6,
            unless_before: w(&["不", "无", "免", "无需"]),
            unless_clause: w(&["公司承担"]),
            with: Vec::new(),
            without: Vec::new(),
        }
    }

    #[test]
    fn slots_follow_within_the_gap_and_the_clause() {
        let p = fee();
        assert_eq!(p.find(&chars("入职需交押金")), Some((2, 6)));
        assert_eq!(p.find(&chars("入职前需一次性押金")), Some((3, 9)));
        assert_eq!(p.find(&chars("需熟悉办公软件并有相关工作经验押金")), None, "too far apart");
        assert_eq!(p.find(&chars("入职需|押金")), None, "not across a clause");
    }

    #[test]
    fn negation_and_company_paying_cancel_a_match() {
        let p = fee();
        assert_eq!(p.find(&chars("公司不收取任何押金")), None);
        assert_eq!(p.find(&chars("无需交押金")), None);
        assert_eq!(p.find(&chars("培训费需公司承担")), None);
        assert_eq!(p.find(&chars("需交押金,公司承担住宿")).map(|m| m.0), Some(0), "only between the commas");
        assert_eq!(p.find(&chars("押金无需交")), None, "a negation before any slot");
        assert_eq!(
            p.find(&chars("不收取押金|但需交培训费")),
            Some((chars("不收取押金|但").len(), chars("不收取押金|但需交培训费").len()))
        );
    }

    #[test]
    fn amounts_are_digits_or_numerals_with_a_unit() {
        let p = Pattern { slots: vec![slot(&["交"]), Slot { amount: true, ..Slot::default() }], ..fee() };
        assert!(p.find(&chars("先交199元")).is_some());
        assert!(p.find(&chars("先交一百九十九元")).is_some());
        assert!(p.find(&chars("先交¥6800")).is_some());
        assert!(p.find(&chars("先交4.8万")).is_some());
        assert!(p.find(&chars("先交rmb199")).is_some());
        assert!(p.find(&chars("先交3k")).is_some());
        assert!(p.find(&chars("先交三千八")).is_some());
        assert!(p.find(&chars("先交壹仟贰佰元")).is_some());
        assert!(p.find(&chars("先交资料")).is_none());
        assert!(p.find(&chars("先交三份")).is_none());
        assert!(p.find(&chars("先交2024年")).is_none());
        let named = Slot { fee: true, fee_exempt: w(&["住宿费"]), ..Slot::default() };
        let p = Pattern { slots: vec![slot(&["交"]), named], ..fee() };
        assert!(p.find(&chars("先交名额占位费")).is_some());
        assert!(p.find(&chars("先交住宿费")).is_none());
    }

    #[test]
    fn a_bare_number_right_after_a_named_fee_counts_where_a_pattern_asks_for_it() {
        let number = Slot { number: true, ..Slot::default() };
        let p = Pattern { slots: vec![slot(&["手续费"]), number], gap: 1, ..fee() };
        assert!(p.find(&chars("入职只收一个手续费99")).is_some());
        assert!(p.find(&chars("手续费3800元")).is_some(), "a sum is a number too");
        assert!(p.find(&chars("手续费9")).is_none(), "one digit is not a sum");
        assert!(p.find(&chars("手续费全免")).is_none());
    }
}
