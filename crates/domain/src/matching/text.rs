//! 文本相关度 (text relevance): how well the text of a résumé (简历) fits the text of a posting
//! (职位描述), as a number in [0, 1], with the shared words that explain it ("python、数据分析").
//!
//! A text is prepared once into a [`TextProfile`]: its character unigrams and bigrams (term
//! frequencies, length-normalised; digits and punctuation only separate), how strongly it speaks
//! of each field of work in [`FAMILIES`] (教育, 新媒体, 数据分析, 人力资源 … counted from a
//! hand-written word list), and its Latin skill tokens (Python, C++, SQL, Photoshop …). Scoring a
//! pair is then cheap: a logistic model over the cosine of the character terms, the cosine of the
//! field profiles, and one learned weight for each (résumé field × posting field) pair, so that a
//! 新媒体 résumé can fit a 内容/文案 posting while a 数据分析 résumé does not fit an 投资研究 one
//! just because both say "数据".
//!
//! The weights are learned from labelled résumé–posting pairs by `jiuye eval matching
//! --write-weights` and shipped in `data/policy/text_match.toml` (the pairs themselves are not).
//! The word lists are the vocabulary of the rules: changing them means learning the weights again.
//! This module never reads files, a database or the network.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::sync::OnceLock;

use serde::Deserialize;

use crate::screening::fold_char;

/// A field of work (职业方向) and the words that show it in a résumé or a posting. Latin words
/// match whole skill tokens ("pr" is not found in "product"); the others match anywhere.
#[derive(Debug)]
pub struct Family {
    pub id: &'static str,
    pub zh: &'static str,
    pub words: &'static [&'static str],
}

/// The fields of work, in the order of the learned weights.
#[rustfmt::skip]
pub const FAMILIES: [Family; 24] = [
    Family { id: "education", zh: "教育", words: &[
        "教师", "老师", "教学", "课程", "助教", "辅导", "备课", "讲课", "授课", "家教", "教研", "课件", "学生", "班级",
        "教育", "试卷", "作业", "讲义", "答疑", "学科", "语文", "数学", "英语",
    ] },
    Family { id: "new_media", zh: "新媒体", words: &[
        "公众号", "新媒体", "推文", "微博", "抖音", "小红书", "粉丝", "自媒体", "文案", "排版", "选题", "推送",
        "阅读量", "社群", "账号", "知乎", "b站", "微信", "视频号",
    ] },
    Family { id: "content", zh: "内容/文案", words: &[
        "内容", "撰写", "文章", "稿件", "采编", "编辑", "写作", "文字", "原创", "采访", "新闻", "记者",
    ] },
    Family { id: "video", zh: "视频", words: &[
        "剪辑", "视频", "拍摄", "短视频", "后期", "pr", "ae", "premiere", "摄影", "直播", "vlog", "录制", "剪映",
    ] },
    Family { id: "design", zh: "设计", words: &[
        "设计", "ps", "photoshop", "illustrator", "海报", "平面", "ui", "视觉", "cdr", "美工", "插画", "c4d", "sketch",
        "figma", "审美", "作品集", "配色", "logo", "字体",
    ] },
    Family { id: "data_analysis", zh: "数据分析", words: &[
        "数据分析", "sql", "python", "excel", "建模", "数据挖掘", "机器学习", "统计", "spss", "tableau", "可视化",
        "r语言", "算法", "数据库", "回归", "模型", "pandas", "matlab", "stata", "爬虫",
    ] },
    Family { id: "software", zh: "软件开发", words: &[
        "开发", "编程", "java", "c++", "前端", "后端", "代码", "测试", "linux", "程序", "javascript", "html", "css",
        "vue", "react", "golang", "数据结构", "接口", "小程序", "服务器",
    ] },
    Family { id: "human_resources", zh: "人力资源", words: &[
        "招聘", "简历", "面试", "候选人", "人事", "入职", "离职", "薪酬", "绩效", "hr", "员工", "人力资源", "猎头",
        "校招", "社招", "培训", "offer", "背景调查", "人才",
    ] },
    Family { id: "accounting", zh: "财务/会计", words: &[
        "财务", "会计", "审计", "报销", "凭证", "税", "账", "发票", "出纳", "成本", "预算", "报表", "核算", "cpa",
    ] },
    Family { id: "investment", zh: "投资/研究", words: &[
        "研究报告", "行业研究", "投资", "证券", "基金", "期货", "分析师", "估值", "尽调", "尽职调查", "上市公司",
        "金融", "研报", "行研", "股票", "债券", "券商", "宏观", "财报", "并购", "融资",
    ] },
    Family { id: "sales", zh: "销售/市场", words: &[
        "销售", "客户", "市场", "推广", "营销", "商务", "渠道", "业绩", "拓展", "谈判", "签约", "获客", "电话", "地推",
    ] },
    Family { id: "law", zh: "法律", words: &[
        "法律", "律师", "合同", "法务", "诉讼", "案件", "法规", "合规", "仲裁", "知识产权", "法学", "判决", "起诉",
    ] },
    Family { id: "medicine", zh: "医疗", words: &[
        "医院", "护理", "患者", "临床", "医学", "药", "护士", "医生", "病人", "诊断", "医疗", "健康",
    ] },
    Family { id: "administration", zh: "行政", words: &[
        "行政", "文档", "会议", "办公室", "档案", "接待", "后勤", "文件", "通知", "会务", "收发", "整理",
    ] },
    Family { id: "product", zh: "产品", words: &[
        "产品经理", "需求", "原型", "用户体验", "迭代", "竞品", "prd", "axure", "产品", "功能", "用户研究",
    ] },
    Family { id: "events", zh: "活动策划", words: &[
        "活动", "策划", "组织", "执行", "晚会", "比赛", "志愿", "宣传", "赛事", "社团", "学生会",
    ] },
    Family { id: "languages", zh: "外语/翻译", words: &[
        "翻译", "口译", "笔译", "日语", "韩语", "法语", "德语", "雅思", "托福", "六级", "外语",
    ] },
    Family { id: "research", zh: "调研", words: &[
        "调研", "访谈", "研究", "问卷", "论文", "文献", "课题", "学术", "报告",
    ] },
    Family { id: "operations", zh: "运营", words: &[
        "运营", "用户", "增长", "转化", "拉新", "留存", "活跃", "社区", "电商", "淘宝", "店铺",
    ] },
    Family { id: "manufacturing", zh: "机械/制造", words: &[
        "机械", "制造", "工艺", "数控", "模具", "solidworks", "autocad", "cad", "车间", "生产线", "质检",
    ] },
    Family { id: "construction", zh: "建筑/土木", words: &[
        "建筑", "土木", "施工", "造价", "监理", "工地", "revit", "bim", "工程量", "测绘",
    ] },
    Family { id: "logistics", zh: "物流/供应链", words: &[
        "物流", "仓储", "供应链", "采购", "库存", "配送", "仓库", "货运",
    ] },
    Family { id: "customer_service", zh: "客服", words: &["客服", "售后", "投诉", "来电", "回访", "工单"] },
    Family { id: "electronics", zh: "电子/电气", words: &[
        "电路", "电气", "单片机", "plc", "嵌入式", "pcb", "硬件", "stm32", "电子", "芯片", "fpga",
    ] },
];

/// How many fields of work there are.
pub const FAMILY_COUNT: usize = FAMILIES.len();

/// The length of the feature vector of a pair ([`pair_features`]): the cosine of the character
/// terms, the cosine of the field profiles, then one product for each (résumé field, posting
/// field), row by row.
pub const FEATURE_COUNT: usize = 2 + FAMILY_COUNT * FAMILY_COUNT;

/// Index of the character-term cosine in the feature vector.
pub const TEXT_COSINE: usize = 0;
/// Index of the field-profile cosine in the feature vector.
pub const FAMILY_COSINE: usize = 1;

/// The name of feature `i`, for reports ("text_cosine", "data_analysis×investment").
pub fn feature_name(i: usize) -> String {
    match i {
        TEXT_COSINE => "text_cosine".to_owned(),
        FAMILY_COSINE => "family_cosine".to_owned(),
        _ => {
            let k = i - 2;
            format!("{}×{}", FAMILIES[k / FAMILY_COUNT].id, FAMILIES[k % FAMILY_COUNT].id)
        }
    }
}

/// How many shared terms [`TextScorer::score`] returns at most.
pub const SHOWN_TERMS: usize = 3;

/// The word lists compiled for matching: every word once, with its family.
struct Lexicon {
    words: Vec<Word>,
    /// Words of CJK (or mixed) spelling, by their first character.
    by_first: HashMap<char, Vec<u16>>,
    /// Latin words, matched against whole skill tokens.
    latin: HashMap<&'static str, u16>,
}

struct Word {
    text: &'static str,
    chars: Vec<char>,
    family: u8,
}

fn lexicon() -> &'static Lexicon {
    static LEXICON: OnceLock<Lexicon> = OnceLock::new();
    LEXICON.get_or_init(|| {
        let mut lex = Lexicon { words: Vec::new(), by_first: HashMap::new(), latin: HashMap::new() };
        for (f, family) in FAMILIES.iter().enumerate() {
            for &w in family.words {
                let id = lex.words.len() as u16;
                let chars: Vec<char> = w.chars().collect();
                if w.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'#' || b == b'.') {
                    lex.latin.insert(w, id);
                } else if let Some(&c) = chars.first() {
                    lex.by_first.entry(c).or_default().push(id);
                }
                lex.words.push(Word { text: w, chars, family: f as u8 });
            }
        }
        lex
    })
}

/// A text prepared for scoring: built once per résumé or posting, compared many times.
#[derive(Clone, Debug)]
pub struct TextProfile {
    /// Character unigrams and bigrams with their length-normalised frequency.
    grams: Grams,
    /// How strongly the text speaks of each field: ln(1 + words found), length-normalised.
    families: [f32; FAMILY_COUNT],
    /// Words of the lexicon found, as (word, times), sorted by word.
    words: Vec<(u16, u16)>,
    /// Latin skill tokens outside the lexicon, lower-cased (key) and as first written, sorted.
    skills: Vec<(Box<str>, Box<str>)>,
}

impl Default for TextProfile {
    fn default() -> TextProfile {
        TextProfile { grams: Grams::default(), families: [0.0; FAMILY_COUNT], words: Vec::new(), skills: Vec::new() }
    }
}

/// Character terms (see [`gram_key`]), keys sorted, weights beside them.
#[derive(Clone, Debug, Default, PartialEq)]
struct Grams {
    keys: Vec<u32>,
    weights: Vec<f32>,
}

/// The key of a character unigram (the character) or bigram (the two characters side by side).
/// Characters past the Basic Multilingual Plane (rare in résumés) count as one, U+FFFD, so that
/// keys fit 32 bits; control characters never get here, so a bigram never equals a unigram.
fn gram_key(prev: Option<char>, c: char) -> u32 {
    let bmp = |c: char| if u32::from(c) < 0xFFFF { u32::from(c) } else { 0xFFFD };
    match prev {
        None => bmp(c),
        Some(p) => (bmp(p) << 16) | bmp(c),
    }
}

/// One character as matching reads it: folded as screening folds it (full-width, case,
/// Traditional); `None` where the text only separates (spaces, punctuation, slashes). Digits,
/// `+` and `#` are kept for skill tokens ("stm32", "C++", "C#"); digits separate character terms.
fn fold(c: char) -> Option<char> {
    if matches!(c, '+' | '#' | '＋' | '＃') {
        return Some(if c == '＋' || c == '+' { '+' } else { '#' });
    }
    let f = fold_char(c)?;
    if f == '/' || f == '@' || f.is_control() || (f.is_numeric() && !f.is_ascii_digit()) {
        return None;
    }
    Some(f)
}

fn is_token_char(c: char) -> bool {
    c.is_ascii_lowercase() || c.is_ascii_digit() || c == '+' || c == '#' || c == '.'
}

/// Latin tokens too common to show as a skill.
const NOT_SKILLS: [&str; 12] = ["and", "or", "the", "of", "to", "in", "for", "with", "etc", "an", "is", "on"];

impl TextProfile {
    /// Prepares a text: any length, any content; an empty or wordless text gives an empty profile.
    pub fn of(text: &str) -> TextProfile {
        let lex = lexicon();
        // Folded characters (separators as None) and the character as written, for display.
        let chars: Vec<(Option<char>, char)> = text.chars().map(|c| (fold(c), c)).collect();

        let mut grams: HashMap<u32, u32> = HashMap::new();
        let mut prev = None;
        for &(c, _) in &chars {
            match c {
                Some(c) if !c.is_ascii_digit() => {
                    *grams.entry(gram_key(None, c)).or_default() += 1;
                    if prev.is_some() {
                        *grams.entry(gram_key(prev, c)).or_default() += 1;
                    }
                    prev = Some(c);
                }
                _ => prev = None,
            }
        }
        let mut grams: Vec<(u32, f32)> = grams.into_iter().map(|(k, n)| (k, n as f32)).collect();
        grams.sort_unstable_by_key(|g| g.0);
        let mut grams =
            Grams { keys: grams.iter().map(|g| g.0).collect(), weights: grams.iter().map(|g| g.1).collect() };
        normalise(&mut grams.weights);

        // Words of the lexicon: CJK words anywhere (not across a separator), Latin words as tokens.
        let mut counts = vec![0u16; lex.words.len()];
        for i in 0..chars.len() {
            let Some(c) = chars[i].0 else { continue };
            let Some(ids) = lex.by_first.get(&c) else { continue };
            for &id in ids {
                let w = &lex.words[id as usize].chars;
                let found = chars.len() - i >= w.len() && w.iter().zip(&chars[i..]).all(|(a, b)| b.0 == Some(*a));
                if found {
                    counts[id as usize] = counts[id as usize].saturating_add(1);
                }
            }
        }
        let mut skills: BTreeMap<Box<str>, Box<str>> = BTreeMap::new();
        let mut i = 0;
        while i < chars.len() {
            if !chars[i].0.is_some_and(is_token_char) {
                i += 1;
                continue;
            }
            let start = i;
            while i < chars.len() && chars[i].0.is_some_and(is_token_char) {
                i += 1;
            }
            let run = &chars[start..i];
            let trim = |c: &(Option<char>, char)| c.0 == Some('.');
            let from = run.iter().position(|c| !trim(c)).unwrap_or(run.len());
            let to = run.iter().rposition(|c| !trim(c)).map_or(from, |p| p + 1);
            let run = &run[from..to.max(from)];
            let key: String = run.iter().filter_map(|c| c.0).collect();
            if key.chars().count() < 2 || !key.bytes().any(|b| b.is_ascii_lowercase()) || NOT_SKILLS.contains(&&*key) {
                continue;
            }
            if let Some(&id) = lex.latin.get(key.as_str()) {
                counts[id as usize] = counts[id as usize].saturating_add(1);
            } else {
                let shown: String = run
                    .iter()
                    .map(|&(f, orig)| match f {
                        Some(f) if orig.is_uppercase() => f.to_ascii_uppercase(),
                        Some(f) => f,
                        None => orig,
                    })
                    .collect();
                skills.entry(key.into()).or_insert_with(|| shown.into());
            }
        }

        let mut families = [0.0f32; FAMILY_COUNT];
        let mut per_family = [0u32; FAMILY_COUNT];
        let mut words = Vec::new();
        for (id, &n) in counts.iter().enumerate() {
            if n > 0 {
                per_family[lex.words[id].family as usize] += u32::from(n);
                words.push((id as u16, n));
            }
        }
        for (v, &n) in families.iter_mut().zip(&per_family) {
            *v = (n as f32).ln_1p();
        }
        normalise(&mut families);

        TextProfile { grams, families, words, skills: skills.into_iter().collect() }
    }

    /// True when the text had nothing to compare (no letters or characters at all).
    pub fn is_empty(&self) -> bool {
        self.grams.keys.is_empty()
    }

    /// The fields of work this text speaks of most, strongest first, with their share (for
    /// showing why a text was read as it was).
    pub fn fields(&self) -> Vec<(&'static str, f32)> {
        let mut v: Vec<(&'static str, f32)> =
            FAMILIES.iter().zip(self.families).filter(|(_, x)| *x > 0.0).map(|(f, x)| (f.zh, x)).collect();
        v.sort_by(|a, b| b.1.total_cmp(&a.1));
        v
    }
}

/// Scales values to unit length (left alone when all are zero).
fn normalise(values: &mut [f32]) {
    let norm = values.iter().map(|v| v * v).sum::<f32>().sqrt();
    if norm > 0.0 {
        values.iter_mut().for_each(|v| *v /= norm);
    }
}

/// The cosine of two length-normalised sparse vectors, keys sorted. When one is much longer (a
/// long résumé against a short posting) the short one's keys are looked up in the long one;
/// otherwise a branch-free merge.
fn sparse_dot(a: &Grams, b: &Grams) -> f32 {
    let (short, long) = if a.keys.len() <= b.keys.len() { (a, b) } else { (b, a) };
    if short.keys.is_empty() {
        return 0.0;
    }
    if long.keys.len() / short.keys.len() >= 16 {
        return short
            .keys
            .iter()
            .zip(&short.weights)
            .filter_map(|(k, x)| long.keys.binary_search(k).ok().map(|j| x * long.weights[j]))
            .sum();
    }
    let (ka, wa, kb, wb) = (&short.keys, &short.weights, &long.keys, &long.weights);
    let (mut i, mut j, mut sum) = (0, 0, 0.0f32);
    while i < ka.len() && j < kb.len() {
        let (x, y) = (ka[i], kb[j]);
        if x == y {
            sum += wa[i] * wb[j];
        }
        i += usize::from(x <= y);
        j += usize::from(y <= x);
    }
    sum
}

/// The features of a (résumé, posting) pair as a sparse vector over [`FEATURE_COUNT`] indices
/// (zeros left out), the input of the logistic model.
pub fn pair_features(cv: &TextProfile, jd: &TextProfile) -> Vec<(usize, f32)> {
    let mut out = Vec::with_capacity(16);
    out.push((TEXT_COSINE, sparse_dot(&cv.grams, &jd.grams)));
    let fam_cos: f32 = cv.families.iter().zip(&jd.families).map(|(a, b)| a * b).sum();
    out.push((FAMILY_COSINE, fam_cos));
    for (i, &a) in cv.families.iter().enumerate() {
        if a == 0.0 {
            continue;
        }
        for (j, &b) in jd.families.iter().enumerate() {
            if b != 0.0 {
                out.push((2 + i * FAMILY_COUNT + j, a * b));
            }
        }
    }
    out
}

/// Why shipped or given weights could not be read.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum WeightsError {
    #[error("text_match: not valid TOML: {0}")]
    Toml(String),
    #[error(
        "text_match: families must be {expected:?} in this order (the word lists changed: learn the weights again)"
    )]
    Families { expected: Vec<&'static str> },
    #[error("text_match: family_pair.{row} must have {FAMILY_COUNT} numbers")]
    Row { row: String },
    #[error("text_match: weight {0} is not a finite number")]
    NotFinite(String),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WeightsFile {
    bias: f32,
    text_cosine: f32,
    family_cosine: f32,
    families: Vec<String>,
    #[serde(default)]
    family_pair: BTreeMap<String, Vec<f32>>,
}

/// The shipped weights, learned from labelled pairs.
pub const SHIPPED_WEIGHTS: &str =
    include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/policy/text_match.toml"));

/// Scores résumé–posting pairs with the weights of a logistic model over [`pair_features`].
#[derive(Clone, Debug, PartialEq)]
pub struct TextScorer {
    bias: f32,
    /// Weights in feature order ([`FEATURE_COUNT`]).
    weights: Vec<f32>,
}

impl TextScorer {
    /// The scorer with the weights shipped in `data/policy/text_match.toml`, read once.
    pub fn shipped() -> &'static TextScorer {
        static SHIPPED: OnceLock<TextScorer> = OnceLock::new();
        SHIPPED.get_or_init(|| TextScorer::from_toml(SHIPPED_WEIGHTS).expect("data/policy/text_match.toml is valid"))
    }

    /// A scorer from a model's intercept and weights in feature order (missing weights are 0).
    pub fn from_model(bias: f64, weights: &[f64]) -> TextScorer {
        let mut w = vec![0.0f32; FEATURE_COUNT];
        for (to, from) in w.iter_mut().zip(weights) {
            *to = *from as f32;
        }
        TextScorer { bias: bias as f32, weights: w }
    }

    /// Reads weights written by [`TextScorer::to_toml`]. A field pair left out weighs 0.
    pub fn from_toml(text: &str) -> Result<TextScorer, WeightsError> {
        let f: WeightsFile = toml::from_str(text).map_err(|e| WeightsError::Toml(e.to_string()))?;
        if f.families.len() != FAMILY_COUNT || f.families.iter().zip(&FAMILIES).any(|(a, b)| a != b.id) {
            return Err(WeightsError::Families { expected: FAMILIES.iter().map(|f| f.id).collect() });
        }
        let mut weights = vec![0.0f32; FEATURE_COUNT];
        weights[TEXT_COSINE] = f.text_cosine;
        weights[FAMILY_COSINE] = f.family_cosine;
        for (row, values) in &f.family_pair {
            let i = FAMILIES.iter().position(|x| x.id == row).ok_or_else(|| WeightsError::Row { row: row.clone() })?;
            if values.len() != FAMILY_COUNT {
                return Err(WeightsError::Row { row: row.clone() });
            }
            weights[2 + i * FAMILY_COUNT..2 + (i + 1) * FAMILY_COUNT].copy_from_slice(values);
        }
        if !f.bias.is_finite() {
            return Err(WeightsError::NotFinite("bias".to_owned()));
        }
        if let Some(i) = weights.iter().position(|w| !w.is_finite()) {
            return Err(WeightsError::NotFinite(feature_name(i)));
        }
        Ok(TextScorer { bias: f.bias, weights })
    }

    /// The weights as the TOML that [`TextScorer::from_toml`] reads, after `header` (comment
    /// lines saying how they were learned).
    pub fn to_toml(&self, header: &str) -> String {
        let mut s = String::new();
        for line in header.lines() {
            let _ = writeln!(s, "# {line}");
        }
        let _ = writeln!(s, "\nbias = {:.4}", self.bias);
        let _ = writeln!(s, "text_cosine = {:.4}", self.weights[TEXT_COSINE]);
        let _ = writeln!(s, "family_cosine = {:.4}", self.weights[FAMILY_COSINE]);
        let ids: Vec<String> = FAMILIES.iter().map(|f| format!("\"{}\"", f.id)).collect();
        let _ = writeln!(s, "families = [{}]", ids.join(", "));
        let _ = writeln!(
            s,
            "\n# One row per résumé field; the numbers are for the posting's fields, in the order of `families`."
        );
        let _ = writeln!(s, "[family_pair]");
        for (i, f) in FAMILIES.iter().enumerate() {
            let row = &self.weights[2 + i * FAMILY_COUNT..2 + (i + 1) * FAMILY_COUNT];
            let nums: Vec<String> = row.iter().map(|w| format!("{w:.3}")).collect();
            let _ = writeln!(s, "{} = [{}]", f.id, nums.join(", "));
        }
        s
    }

    /// The model's intercept and weights in feature order.
    pub fn weights(&self) -> (f32, &[f32]) {
        (self.bias, &self.weights)
    }

    /// The résumé's field profile times the field weights: what each posting field is worth to
    /// this résumé (the field cosine included).
    fn field_values(&self, cv: &TextProfile) -> [f32; FAMILY_COUNT] {
        let mut v = cv.families.map(|a| a * self.weights[FAMILY_COSINE]);
        for (i, &a) in cv.families.iter().enumerate() {
            if a != 0.0 {
                let row = &self.weights[2 + i * FAMILY_COUNT..2 + (i + 1) * FAMILY_COUNT];
                v.iter_mut().zip(row).for_each(|(x, w)| *x += a * w);
            }
        }
        v
    }

    /// The model's log-odds from the term cosine and the résumé's field values.
    fn logit(&self, text: f32, fields: &[f32; FAMILY_COUNT], jd: &TextProfile) -> f32 {
        let f: f32 = fields.iter().zip(&jd.families).map(|(v, b)| v * b).sum();
        self.bias + self.weights[TEXT_COSINE] * text + f
    }

    /// Prepares a résumé for scoring against many postings (a lookup table of its terms, its
    /// field values): the same results as [`TextScorer::score`], faster when the résumé is long.
    pub fn query<'a>(&'a self, cv: &'a TextProfile) -> ResumeQuery<'a> {
        ResumeQuery { scorer: self, cv, table: TermTable::of(&cv.grams), fields: self.field_values(cv) }
    }

    /// The relevance in [0, 1] of a résumé to a posting (the model's probability that people
    /// would judge the résumé a fit), without the terms. 0 when either text is empty.
    pub fn relevance(&self, cv: &TextProfile, jd: &TextProfile) -> f32 {
        if cv.is_empty() || jd.is_empty() {
            return 0.0;
        }
        let z = self.logit(sparse_dot(&cv.grams, &jd.grams), &self.field_values(cv), jd);
        1.0 / (1.0 + (-z).exp())
    }

    /// The relevance in [0, 1] of a résumé to a posting, and up to [`SHOWN_TERMS`] terms found in
    /// both that explain it (the field words that weigh most first, then shared skill tokens).
    pub fn score(&self, cv: &TextProfile, jd: &TextProfile) -> (f32, Vec<String>) {
        let value = self.relevance(cv, jd);
        if value == 0.0 {
            return (0.0, Vec::new());
        }
        (value, self.shared_terms(cv, jd))
    }

    fn shared_terms(&self, cv: &TextProfile, jd: &TextProfile) -> Vec<String> {
        let lex = lexicon();
        // What each field contributes to this pair when both texts speak of it.
        let weight_of = |f: usize| {
            let w = self.weights[FAMILY_COSINE] + self.weights[2 + f * FAMILY_COUNT + f];
            w * cv.families[f] * jd.families[f]
        };
        let mut shared: Vec<(f32, usize, &'static str)> = Vec::new();
        let (mut i, mut j) = (0, 0);
        while i < cv.words.len() && j < jd.words.len() {
            match cv.words[i].0.cmp(&jd.words[j].0) {
                std::cmp::Ordering::Less => i += 1,
                std::cmp::Ordering::Greater => j += 1,
                std::cmp::Ordering::Equal => {
                    let word = &lex.words[cv.words[i].0 as usize];
                    shared.push((weight_of(word.family as usize), word.chars.len(), word.text));
                    i += 1;
                    j += 1;
                }
            }
        }
        shared.retain(|s| s.0 > 0.0);
        shared.sort_by(|a, b| b.0.total_cmp(&a.0).then(b.1.cmp(&a.1)));
        let mut out: Vec<String> = Vec::with_capacity(SHOWN_TERMS);
        for (_, _, text) in shared {
            if out.len() == SHOWN_TERMS {
                return out;
            }
            if !out.iter().any(|o| o.contains(text)) {
                out.push(text.to_owned());
            }
        }
        let (mut i, mut j) = (0, 0);
        while out.len() < SHOWN_TERMS && i < cv.skills.len() && j < jd.skills.len() {
            match cv.skills[i].0.cmp(&jd.skills[j].0) {
                std::cmp::Ordering::Less => i += 1,
                std::cmp::Ordering::Greater => j += 1,
                std::cmp::Ordering::Equal => {
                    out.push(cv.skills[i].1.to_string());
                    i += 1;
                    j += 1;
                }
            }
        }
        out
    }
}

/// A résumé prepared by [`TextScorer::query`] for scoring against many postings.
#[derive(Debug)]
pub struct ResumeQuery<'a> {
    scorer: &'a TextScorer,
    cv: &'a TextProfile,
    table: TermTable,
    fields: [f32; FAMILY_COUNT],
}

impl ResumeQuery<'_> {
    /// As [`TextScorer::relevance`] for the prepared résumé.
    pub fn relevance(&self, jd: &TextProfile) -> f32 {
        if self.cv.is_empty() || jd.is_empty() {
            return 0.0;
        }
        let text: f32 = jd.grams.keys.iter().zip(&jd.grams.weights).map(|(k, x)| self.table.weight(*k) * x).sum();
        1.0 / (1.0 + (-self.scorer.logit(text, &self.fields, jd)).exp())
    }

    /// As [`TextScorer::score`] for the prepared résumé.
    pub fn score(&self, jd: &TextProfile) -> (f32, Vec<String>) {
        let value = self.relevance(jd);
        if value == 0.0 {
            return (0.0, Vec::new());
        }
        (value, self.scorer.shared_terms(self.cv, jd))
    }
}

/// An open-addressing table of a profile's character terms, for lookups by key.
#[derive(Debug)]
struct TermTable {
    slots: Vec<(u32, f32)>,
    shift: u32,
}

impl TermTable {
    /// No key: a bigram of two U+FFFF, which [`gram_key`] never makes.
    const EMPTY: u32 = u32::MAX;

    fn of(g: &Grams) -> TermTable {
        // At most a quarter full, so that most lookups end at the first slot.
        let size = (g.keys.len() * 4).next_power_of_two().max(16);
        let mut t = TermTable { slots: vec![(TermTable::EMPTY, 0.0); size], shift: 32 - size.trailing_zeros() };
        for (&k, &w) in g.keys.iter().zip(&g.weights) {
            let mut i = t.home(k);
            while t.slots[i].0 != TermTable::EMPTY {
                i = (i + 1) & (size - 1);
            }
            t.slots[i] = (k, w);
        }
        t
    }

    fn home(&self, k: u32) -> usize {
        (k.wrapping_mul(0x9E37_79B9) >> self.shift) as usize
    }

    /// The weight of term `k`, 0 when absent. Written so that the usual case (the first slot
    /// decides) takes no hard-to-predict branch.
    fn weight(&self, k: u32) -> f32 {
        let mask = self.slots.len() - 1;
        let mut i = self.home(k);
        let (key, w) = self.slots[i];
        if key == k || key == TermTable::EMPTY {
            return if key == k { w } else { 0.0 };
        }
        loop {
            i = (i + 1) & mask;
            let (key, w) = self.slots[i];
            if key == k {
                return w;
            }
            if key == TermTable::EMPTY {
                return 0.0;
            }
        }
    }
}

/// Fits an L2-regularised logistic regression (Newton's method) on sparse rows of `dims`
/// features: returns the intercept (not regularised) and the weights. `l2` is the penalty on
/// the sum of squared weights (as `1/C` in the usual notation). Deterministic.
pub fn fit_logistic(rows: &[Vec<(usize, f32)>], labels: &[bool], dims: usize, l2: f64) -> (f64, Vec<f64>) {
    let n = dims + 1; // the intercept last
    let mut w = vec![0.0f64; n];
    if rows.is_empty() {
        return (0.0, vec![0.0; dims]);
    }
    let positive = labels.iter().filter(|l| **l).count() as f64;
    let rate = (positive / rows.len() as f64).clamp(1e-3, 1.0 - 1e-3);
    w[dims] = (rate / (1.0 - rate)).ln();
    let mut h = vec![0.0f64; n * n];
    let mut g = vec![0.0f64; n];
    for _ in 0..60 {
        h.iter_mut().for_each(|x| *x = 0.0);
        g.iter_mut().for_each(|x| *x = 0.0);
        for (row, &y) in rows.iter().zip(labels) {
            let z: f64 = w[dims] + row.iter().map(|&(k, x)| w[k] * f64::from(x)).sum::<f64>();
            let p = 1.0 / (1.0 + (-z).exp());
            let r = p - if y { 1.0 } else { 0.0 };
            let s = (p * (1.0 - p)).max(1e-12);
            g[dims] += r;
            h[dims * n + dims] += s;
            for &(a, xa) in row {
                let xa = f64::from(xa);
                g[a] += r * xa;
                h[a * n + dims] += s * xa;
                h[dims * n + a] += s * xa;
                for &(b, xb) in row {
                    h[a * n + b] += s * xa * f64::from(xb);
                }
            }
        }
        for k in 0..dims {
            g[k] += l2 * w[k];
            h[k * n + k] += l2;
        }
        h[dims * n + dims] += 1e-9;
        let step = solve_cholesky(&mut h, &g, n);
        let mut biggest = 0.0f64;
        for (wk, sk) in w.iter_mut().zip(&step) {
            *wk -= sk;
            biggest = biggest.max(sk.abs());
        }
        if biggest < 1e-7 {
            break;
        }
    }
    let bias = w[dims];
    w.truncate(dims);
    (bias, w)
}

/// Solves `a x = b` for a symmetric positive-definite `a` (n × n, row-major, overwritten).
fn solve_cholesky(a: &mut [f64], b: &[f64], n: usize) -> Vec<f64> {
    for j in 0..n {
        let mut d = a[j * n + j];
        for k in 0..j {
            d -= a[j * n + k] * a[j * n + k];
        }
        let d = d.max(1e-12).sqrt();
        a[j * n + j] = d;
        for i in j + 1..n {
            let mut s = a[i * n + j];
            for k in 0..j {
                s -= a[i * n + k] * a[j * n + k];
            }
            a[i * n + j] = s / d;
        }
    }
    let mut y = vec![0.0; n];
    for i in 0..n {
        let mut s = b[i];
        for k in 0..i {
            s -= a[i * n + k] * y[k];
        }
        y[i] = s / a[i * n + i];
    }
    let mut x = vec![0.0; n];
    for i in (0..n).rev() {
        let mut s = y[i];
        for k in i + 1..n {
            s -= a[k * n + i] * x[k];
        }
        x[i] = s / a[i * n + i];
    }
    x
}

#[cfg(test)]
mod tests {
    use super::*;

    const PYTHON_CV: &str = "熟练使用Python、SQL进行数据分析，用pandas清洗数据，搭建回归模型，Tableau可视化。";
    const PYTHON_JD: &str = "数据分析实习生：熟悉Python/SQL，负责业务数据的统计分析与建模，输出可视化报表。";
    const NURSING_JD: &str = "护士：负责病房患者的日常护理，协助医生完成临床治疗，持护士执业证书。";

    #[test]
    fn shipped_weights_are_read() {
        let s = TextScorer::shipped();
        assert_eq!(s.weights().1.len(), FEATURE_COUNT);
    }

    #[test]
    fn empty_text_scores_zero() {
        let s = TextScorer::shipped();
        let empty = TextProfile::of("");
        let only_marks = TextProfile::of("  ，。1、2、 ");
        let cv = TextProfile::of(PYTHON_CV);
        assert!(empty.is_empty() && only_marks.is_empty());
        assert_eq!(s.score(&empty, &cv), (0.0, Vec::new()));
        assert_eq!(s.score(&cv, &only_marks), (0.0, Vec::new()));
        assert_eq!(s.score(&empty, &empty).0, 0.0);
    }

    #[test]
    fn python_resume_fits_python_posting_better_than_nursing() {
        let s = TextScorer::shipped();
        let cv = TextProfile::of(PYTHON_CV);
        let (fit, terms) = s.score(&cv, &TextProfile::of(PYTHON_JD));
        let (other, _) = s.score(&cv, &TextProfile::of(NURSING_JD));
        assert!(fit > other + 0.2, "{fit} vs {other}");
        assert!((0.0..=1.0).contains(&fit) && (0.0..=1.0).contains(&other));
        assert!(terms.iter().any(|t| t == "python" || t == "sql" || t == "数据分析"), "{terms:?}");
        assert!(terms.len() <= SHOWN_TERMS);
    }

    #[test]
    fn latin_words_match_whole_tokens_only() {
        let p = TextProfile::of("product roadmap, PRD 撰写");
        let lex = lexicon();
        let found: Vec<&str> = p.words.iter().map(|(id, _)| lex.words[*id as usize].text).collect();
        assert!(found.contains(&"prd") && !found.contains(&"pr"), "{found:?}");
        assert!(p.skills.iter().any(|(k, shown)| &**k == "product" && &**shown == "product"));
        let p = TextProfile::of("熟悉C/C++、C#与STM32单片机");
        let found: Vec<&str> = p.words.iter().map(|(id, _)| lex.words[*id as usize].text).collect();
        assert!(found.contains(&"c++") && found.contains(&"stm32"), "{found:?}");
        assert!(p.skills.iter().any(|(k, shown)| &**k == "c#" && &**shown == "C#"), "{:?}", p.skills);
    }

    #[test]
    fn full_width_and_case_are_folded() {
        let a = TextProfile::of("ＰＹＴＨＯＮ 数据分析");
        let b = TextProfile::of("python 数据分析");
        assert_eq!(a.grams, b.grams);
        assert_eq!(a.families, b.families);
    }

    #[test]
    fn term_cosine_is_the_same_by_merge_and_by_lookup() {
        let short = TextProfile::of(PYTHON_JD);
        let long = TextProfile::of(&format!("{PYTHON_CV}{NURSING_JD}").repeat(3));
        let longest: String = (0x4E00u32..0x5200).filter_map(char::from_u32).chain(PYTHON_CV.chars()).collect();
        let longest = TextProfile::of(&longest);
        let naive = |a: &TextProfile, b: &TextProfile| -> f32 {
            let b: HashMap<u32, f32> = b.grams.keys.iter().copied().zip(b.grams.weights.iter().copied()).collect();
            a.grams.keys.iter().zip(&a.grams.weights).filter_map(|(k, x)| b.get(k).map(|y| x * y)).sum()
        };
        for (a, b) in [(&short, &long), (&long, &short), (&short, &longest), (&longest, &short)] {
            assert!((sparse_dot(&a.grams, &b.grams) - naive(a, b)).abs() < 1e-5);
        }
        assert!((sparse_dot(&long.grams, &long.grams) - 1.0).abs() < 1e-5);
    }

    #[test]
    fn a_prepared_resume_scores_as_the_pair_does() {
        let s = TextScorer::shipped();
        let cvs = [TextProfile::of(PYTHON_CV), TextProfile::of(&PYTHON_CV.repeat(40)), TextProfile::of("")];
        let jds = [TextProfile::of(PYTHON_JD), TextProfile::of(NURSING_JD), TextProfile::of("")];
        for cv in &cvs {
            let q = s.query(cv);
            for jd in &jds {
                assert_eq!(q.score(jd), s.score(cv, jd));
            }
        }
    }

    #[test]
    fn weights_round_trip_through_toml() {
        let w: Vec<f64> = (0..FEATURE_COUNT).map(|i| (i % 7) as f64 * 0.25 - 0.5).collect();
        let s = TextScorer::from_model(-1.5, &w);
        let back = TextScorer::from_toml(&s.to_toml("test\nweights")).unwrap();
        assert_eq!(back, s);
        let wrong = SHIPPED_WEIGHTS.replace("\"education\"", "\"teaching\"");
        assert!(matches!(TextScorer::from_toml(&wrong), Err(WeightsError::Families { .. })));
    }

    #[test]
    fn logistic_fit_separates_a_simple_signal() {
        let rows: Vec<Vec<(usize, f32)>> = (0..200).map(|i| vec![(0, (i % 10) as f32 / 10.0)]).collect();
        let labels: Vec<bool> = (0..200).map(|i| i % 10 >= 5).collect();
        let (bias, w) = fit_logistic(&rows, &labels, 1, 0.01);
        assert!(w[0] > 5.0 && bias < 0.0, "{bias} {w:?}");
    }

    #[test]
    fn long_text_is_prepared_and_scored_quickly() {
        let block = format!("{PYTHON_CV}{NURSING_JD}负责公众号运营、活动策划与Photoshop海报设计。");
        let long: String = std::iter::repeat_n(block.as_str(), 20_000 / block.len() + 1).collect();
        assert!(long.len() >= 20_000);
        let started = std::time::Instant::now();
        let cv = TextProfile::of(&long);
        let jd = TextProfile::of(PYTHON_JD);
        let s = TextScorer::shipped();
        let mut last = 0.0;
        for _ in 0..1000 {
            last = s.score(&cv, &jd).0;
        }
        assert!(last > 0.0 && last <= 1.0);
        // A generous bound (unoptimised test build, shared machine): catches a quadratic blow-up,
        // not a slowdown; timings are measured by `jiuye eval matching`.
        assert!(started.elapsed().as_secs_f32() < 5.0, "{:?}", started.elapsed());
    }
}
