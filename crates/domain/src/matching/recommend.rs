//! The recommendation model (岗位推荐): how well one posting fits one graduate, as a sum of
//! named factors, each of which becomes a reason in plain Chinese ("专业对口：计算机类") or a reason
//! it fits less. Which postings a graduate may be shown at all (visible, open, low risk, employer
//! not blacklisted) is decided before scoring, by the caller, with the posting rules; nothing here
//! may widen it. Hardship priority is a visible rule for the graduate and staff; the factors an
//! employer sees ([`Scored::for_employer`]) never mention it.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// Full-time work, an internship, or either.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum WorkKind {
    #[default]
    Any,
    FullTime,
    Internship,
}

impl WorkKind {
    pub fn id(self) -> &'static str {
        match self {
            WorkKind::Any => "any",
            WorkKind::FullTime => "full_time",
            WorkKind::Internship => "internship",
        }
    }
    pub fn from_id(s: &str) -> Option<WorkKind> {
        [WorkKind::Any, WorkKind::FullTime, WorkKind::Internship].into_iter().find(|k| k.id() == s)
    }
    pub fn zh(self) -> &'static str {
        match self {
            WorkKind::Any => "不限",
            WorkKind::FullTime => "全职",
            WorkKind::Internship => "实习",
        }
    }
}

/// A graduate's stated intentions (毕业生求职意向). Every list empty means "no preference".
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Intentions {
    /// Region codes (GB/T 2260): a province (`510000`), a city (`510100`) or a county.
    pub regions: Vec<String>,
    /// Industry sections (GB/T 4754 letters, `I` for information technology).
    pub industries: Vec<String>,
    /// Occupation codes of the 职业分类大典 2022 (any level).
    pub occupations: Vec<String>,
    /// Employer type codes (单位性质).
    pub employer_types: Vec<String>,
    /// Monthly pay wanted, in yuan.
    pub pay_min: Option<i64>,
    pub pay_max: Option<i64>,
    pub work: WorkKind,
}

impl Intentions {
    pub fn is_empty(&self) -> bool {
        self.regions.is_empty()
            && self.industries.is_empty()
            && self.occupations.is_empty()
            && self.employer_types.is_empty()
            && self.pay_min.is_none()
            && self.pay_max.is_none()
            && self.work == WorkKind::Any
    }
}

/// What the model knows of a graduate.
#[derive(Clone, Debug, Default)]
pub struct GraduateFacts {
    /// Their programme's major code (6 digits), when known.
    pub major: Option<String>,
    /// Name of the major's class (e.g. 计算机类), for the reason shown.
    pub major_class_name: Option<String>,
    /// `associate`, `bachelor`, `master` or `doctor`.
    pub education: String,
    /// 生源地: the home region code.
    pub home_region: String,
    /// The province of their university.
    pub school_province: String,
    pub intentions: Intentions,
    /// In the hardship register (困难毕业生): postings of the 宏志助航 campaign rank first.
    pub hardship: bool,
}

/// What the model knows of a posting.
#[derive(Clone, Debug, Default)]
pub struct PostingFacts {
    /// Major or major class codes wanted; empty means any major.
    pub majors: Vec<String>,
    /// The title's occupation (职业分类大典 code) and its name, when the title maps to one.
    pub occupation: Option<(String, String)>,
    pub region: String,
    pub region_name: String,
    /// `any`, `vocational`, `bachelor`, `master`, `doctor`.
    pub education: String,
    pub salary_min: Option<i64>,
    pub salary_max: Option<i64>,
    pub created: NaiveDate,
    pub employer_verified: bool,
    pub employer_type: String,
    pub industry_section: String,
    pub internship: bool,
    /// Themed campaigns it joined (`hongzhi`, `western`, ...).
    pub specials: Vec<String>,
}

/// One named factor of a score.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Reason {
    /// Stable id of the factor: `major`, `text`, `occupation`, `region`, `education`, `pay`,
    /// `recent`, `verified`, `industry`, `employer_type`, `work`, `hardship`, `feedback`.
    pub factor: String,
    /// What it says, in Chinese.
    pub text: String,
}

/// A posting scored for a graduate.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Scored {
    pub score: f32,
    /// Why it fits, strongest first.
    pub fits: Vec<Reason>,
    /// Why it fits less.
    pub fits_less: Vec<Reason>,
}

impl Scored {
    /// The reasons an employer may see: never the hardship rule.
    pub fn for_employer(mut self) -> Scored {
        self.fits.retain(|r| r.factor != "hardship");
        self.fits_less.retain(|r| r.factor != "hardship");
        self
    }
}

/// The weight of each factor. The text weight and scale were learned from labelled résumé and
/// posting pairs (see `docs/matching.md`); the others are set by hand and named here so that a
/// reviewer can read them.
#[derive(Clone, Copy, Debug)]
pub struct Weights {
    pub major: f32,
    pub text: f32,
    pub occupation: f32,
    pub region: f32,
    pub education: f32,
    pub pay: f32,
    pub recent: f32,
    pub verified: f32,
    pub industry: f32,
    pub employer_type: f32,
    pub work: f32,
    pub hardship: f32,
}

impl Default for Weights {
    fn default() -> Self {
        Weights {
            major: 3.0,
            text: 2.5,
            occupation: 2.0,
            region: 1.5,
            education: 1.0,
            pay: 1.0,
            recent: 0.5,
            verified: 0.3,
            industry: 0.8,
            employer_type: 0.5,
            work: 0.8,
            hardship: 1.5,
        }
    }
}

/// Rank of an education: what a graduate holds against what a posting asks.
fn education_rank(id: &str) -> u8 {
    match id {
        "associate" | "vocational" => 1,
        "bachelor" => 2,
        "master" => 3,
        "doctor" => 4,
        _ => 0,
    }
}

fn education_zh(id: &str) -> &'static str {
    match id {
        "associate" | "vocational" => "专科",
        "bachelor" => "本科",
        "master" => "硕士研究生",
        "doctor" => "博士研究生",
        _ => "不限",
    }
}

/// How closely a wanted major code relates to the graduate's major through the catalogue tree:
/// the same major 1, the same class (first four digits) 0.8, the same discipline (first two) 0.4.
pub fn major_relatedness(graduate_major: &str, wanted: &str) -> f32 {
    let prefix = |n: usize| graduate_major.get(..n).is_some_and(|g| wanted.get(..n) == Some(g));
    if graduate_major == wanted || (wanted.len() == 4 && prefix(4)) {
        if graduate_major == wanted { 1.0 } else { 0.9 }
    } else if prefix(4) {
        0.8
    } else if prefix(2) {
        0.4
    } else {
        0.0
    }
}

/// Whether a region code lies within another (`510104` within `510100` and `510000`).
pub fn region_within(code: &str, area: &str) -> bool {
    let area = area.trim_end_matches("00").trim_end_matches("00");
    !area.is_empty() && code.starts_with(area)
}

fn province_of(code: &str) -> &str {
    code.get(..2).unwrap_or("")
}

/// Collects a score and, when asked, its reasons (built only then: ranking a few thousand
/// candidates formats no text).
struct Acc {
    explain: bool,
    total: f32,
    fits: Vec<(f32, Reason)>,
    less: Vec<Reason>,
}

impl Acc {
    fn add(&mut self, v: f32) {
        self.total += v;
    }
    fn fit(&mut self, weight: f32, value: f32, factor: &str, text: impl FnOnce() -> String) {
        self.total += weight * value;
        if self.explain {
            self.fits.push((weight * value, Reason { factor: factor.to_owned(), text: text() }));
        }
    }
    fn worse(&mut self, penalty: f32, factor: &str, text: impl FnOnce() -> String) {
        self.total -= penalty;
        if self.explain {
            self.less.push(Reason { factor: factor.to_owned(), text: text() });
        }
    }
}

/// Scores one posting for one graduate on `today`, with its reasons. `text` is the relevance of
/// the graduate's résumé and skills to the posting's text in [0, 1] with the shared terms, when
/// there is a résumé to compare.
pub fn score(
    w: &Weights,
    g: &GraduateFacts,
    p: &PostingFacts,
    text: Option<(f32, &[String])>,
    today: NaiveDate,
) -> Scored {
    let acc = run(true, w, g, p, text, today);
    let mut fits = acc.fits;
    fits.sort_by(|a, b| b.0.total_cmp(&a.0));
    Scored { score: acc.total, fits: fits.into_iter().map(|(_, r)| r).collect(), fits_less: acc.less }
}

/// The same score as [`score`] without building its reasons.
pub fn rank_score(w: &Weights, g: &GraduateFacts, p: &PostingFacts, text: Option<f32>, today: NaiveDate) -> f32 {
    run(false, w, g, p, text.map(|t| (t, &[][..])), today).total
}

fn run(
    explain: bool,
    w: &Weights,
    g: &GraduateFacts,
    p: &PostingFacts,
    text: Option<(f32, &[String])>,
    today: NaiveDate,
) -> Acc {
    let mut a = Acc { explain, total: 0.0, fits: Vec::new(), less: Vec::new() };
    let i = &g.intentions;

    // Major relatedness through the catalogue tree.
    if p.majors.is_empty() {
        a.add(w.major * 0.5);
    } else if let Some(m) = &g.major {
        let best = p.majors.iter().map(|x| major_relatedness(m, x)).fold(0.0f32, f32::max);
        if best > 0.0 {
            a.fit(w.major, best, "major", || format!("专业对口：{}", g.major_class_name.as_deref().unwrap_or(m)));
        } else {
            a.worse(0.0, "major", || "专业要求与你的专业不同".to_owned());
        }
    }
    // Text relevance of the résumé and skills.
    if let Some((value, terms)) = text
        && value > 0.0
    {
        a.fit(w.text, value.clamp(0.0, 1.0), "text", || {
            let shown: Vec<&str> = terms.iter().take(3).map(String::as_str).collect();
            if shown.is_empty() {
                "简历与职位描述相关".to_owned()
            } else {
                format!("简历相关：{}", shown.join("、"))
            }
        });
    }
    // Occupation: the posting title's occupation against the intended ones.
    if let Some((code, name)) = &p.occupation
        && !i.occupations.is_empty()
    {
        let near = i.occupations.iter().map(|o| occupation_nearness(code, o)).fold(0.0f32, f32::max);
        if near >= 0.7 {
            a.fit(w.occupation, near, "occupation", || format!("意向职业：{name}"));
        } else {
            a.worse(0.0, "occupation", || format!("职业（{name}）不在你的意向中"));
        }
    }
    // Region: intended regions, else the home region and the school's province.
    if !i.regions.is_empty() {
        if i.regions.iter().any(|r| region_within(&p.region, r)) {
            a.fit(w.region, 1.0, "region", || format!("意向地区：{}", p.region_name));
        } else {
            a.worse(0.0, "region", || format!("工作地点（{}）不在意向地区", p.region_name));
        }
    } else if !g.home_region.is_empty() && province_of(&p.region) == province_of(&g.home_region) {
        a.fit(w.region, 0.7, "region", || format!("生源地所在省：{}", p.region_name));
    } else if !g.school_province.is_empty() && province_of(&p.region) == province_of(&g.school_province) {
        a.fit(w.region, 0.5, "region", || format!("学校所在省：{}", p.region_name));
    }
    // Education: what the posting asks against what the graduate holds.
    let (asked, held) = (education_rank(&p.education), education_rank(&g.education));
    if asked == 0 {
        a.add(w.education * 0.8);
    } else if asked <= held && held > 0 {
        a.fit(w.education, 1.0, "education", || format!("学历符合：{}", education_zh(&p.education)));
    } else {
        a.worse(w.education * 2.0, "education", || format!("要求{}及以上学历", education_zh(&p.education)));
    }
    // Pay against the range wanted.
    match (i.pay_min, p.salary_max.or(p.salary_min)) {
        (Some(want), Some(top)) if top >= want => a.fit(w.pay, 1.0, "pay", || "薪资在期望范围内".to_owned()),
        (Some(want), Some(top)) => {
            let gap = ((want - top) as f32 / want.max(1) as f32).min(1.0);
            a.worse(w.pay * gap, "pay", || format!("薪资低于期望（最高 {top} 元/月）"));
        }
        _ => {}
    }
    // Industry and employer type wanted.
    if !i.industries.is_empty() {
        if i.industries.iter().any(|s| s == &p.industry_section) {
            a.fit(w.industry, 1.0, "industry", || "意向行业".to_owned());
        } else {
            a.worse(0.0, "industry", || "行业不在你的意向中".to_owned());
        }
    }
    if !i.employer_types.is_empty() {
        if i.employer_types.iter().any(|t| t == &p.employer_type) {
            a.fit(w.employer_type, 1.0, "employer_type", || "意向单位性质".to_owned());
        } else {
            a.worse(0.0, "employer_type", || "单位性质不在你的意向中".to_owned());
        }
    }
    // Full-time or internship.
    match (i.work, p.internship) {
        (WorkKind::Internship, true) => a.fit(w.work, 1.0, "work", || "实习岗位，符合意向".to_owned()),
        (WorkKind::FullTime, false) => a.fit(w.work, 1.0, "work", || "全职岗位，符合意向".to_owned()),
        (WorkKind::Internship, false) => a.worse(0.0, "work", || "这是全职岗位，你想找实习".to_owned()),
        (WorkKind::FullTime, true) => a.worse(w.work, "work", || "这是实习岗位，你想找全职".to_owned()),
        (WorkKind::Any, _) => {}
    }
    // Recency: full weight for a posting of today, half after two weeks.
    let age = (today - p.created).num_days().max(0) as f32;
    let recent = 0.5f32.powf(age / 14.0);
    if age <= 7.0 {
        a.fit(w.recent, recent, "recent", || "近一周发布".to_owned());
    } else {
        a.add(w.recent * recent);
    }
    if p.employer_verified {
        a.add(w.verified);
    }
    // Hardship priority, a visible rule: campaign postings for graduates in difficulty first.
    if g.hardship && p.specials.iter().any(|s| s == "hongzhi") {
        a.fit(w.hardship, 1.0, "hardship", || "宏志助航专场，帮扶优先推荐".to_owned());
    }
    a
}

/// How near an occupation code is to an intended one: the same or inside an intended group 1
/// (0.7 for a broad group), the same major group 0.2.
fn occupation_nearness(code: &str, wanted: &str) -> f32 {
    let stem = wanted.trim_end_matches("-00").trim_end_matches("-00").trim_end_matches("-00");
    if code == wanted || stem.len() >= 7 && code.starts_with(stem) {
        1.0
    } else if stem.len() > 1 && code.starts_with(stem) {
        0.7
    } else if code.get(..1) == wanted.get(..1) {
        0.2
    } else {
        0.0
    }
}

/// Orders scored postings best first, spreading employers: each further posting of the same
/// employer counts `penalty` (e.g. 0.8) times less, so one large employer does not fill the list.
/// Returns at most `n` (index, adjusted score) pairs.
pub fn diversify<K: PartialEq + Copy>(items: &[(K, f32)], penalty: f32, n: usize) -> Vec<(usize, f32)> {
    let mut order: Vec<usize> = (0..items.len()).collect();
    order.sort_by(|a, b| items[*b].1.total_cmp(&items[*a].1));
    let mut taken: Vec<(K, u32)> = Vec::new();
    let mut out: Vec<(usize, f32)> = Vec::with_capacity(n.min(items.len()));
    // Greedy: adjusted score = score × penalty^(postings already taken from that employer).
    let mut pool: Vec<usize> = order;
    while out.len() < n && !pool.is_empty() {
        let mut best: Option<(usize, f32)> = None;
        for (pos, &ix) in pool.iter().enumerate().take(4 * n + 8) {
            let seen = taken.iter().find(|(k, _)| *k == items[ix].0).map_or(0, |(_, c)| *c);
            let s = items[ix].1 * penalty.powi(seen as i32) - (1.0 - penalty.powi(seen as i32));
            if best.is_none_or(|(_, b)| s > b) {
                best = Some((pos, s));
            }
        }
        let Some((pos, s)) = best else { break };
        let ix = pool.remove(pos);
        match taken.iter_mut().find(|(k, _)| *k == items[ix].0) {
            Some((_, c)) => *c += 1,
            None => taken.push((items[ix].0, 1)),
        }
        out.push((ix, s));
    }
    out
}

/// What a graduate's feedback on a posting does next time.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Feedback {
    /// 不感兴趣: the posting is not shown again, and its employer and occupation count less.
    NotInterested,
    /// 感兴趣: its occupation counts more.
    Interested,
}

impl Feedback {
    pub fn id(self) -> &'static str {
        match self {
            Feedback::NotInterested => "not_interested",
            Feedback::Interested => "interested",
        }
    }
    pub fn from_id(s: &str) -> Option<Feedback> {
        [Feedback::NotInterested, Feedback::Interested].into_iter().find(|f| f.id() == s)
    }
}

/// What a graduate's feedback and applications say about a posting's neighbours: a multiplier
/// for a posting of `employer` with occupation group `group` (the first 4 characters of its
/// code, e.g. `2-02`), and a reason when it changed anything.
pub fn feedback_factor<K: PartialEq>(
    disliked: &[(K, Option<String>)],
    liked_groups: &[String],
    employer: &K,
    group: Option<&str>,
) -> (f32, Option<Reason>) {
    let mut f = 1.0f32;
    let mut reason = None;
    if disliked.iter().any(|(e, _)| e == employer) {
        f *= 0.6;
    }
    if let Some(g) = group {
        if disliked.iter().any(|(_, dg)| dg.as_deref() == Some(g)) {
            f *= 0.8;
        }
        if liked_groups.iter().any(|l| l == g) {
            f *= 1.25;
            reason =
                Some(Reason { factor: "feedback".into(), text: "与你感兴趣或申请过的职位相近".into() });
        }
    }
    (f, reason)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_default()
    }

    fn graduate() -> GraduateFacts {
        GraduateFacts {
            major: Some("080901".into()),
            major_class_name: Some("计算机类".into()),
            education: "bachelor".into(),
            home_region: "510104".into(),
            school_province: "510000".into(),
            intentions: Intentions {
                regions: vec!["510100".into()],
                pay_min: Some(6000),
                occupations: vec!["2-02-10-00".into()],
                ..Intentions::default()
            },
            hardship: false,
        }
    }

    fn posting() -> PostingFacts {
        PostingFacts {
            majors: vec!["0809".into()],
            occupation: Some(("2-02-10-03".into(), "计算机软件工程技术人员".into())),
            region: "510107".into(),
            region_name: "成都市武侯区".into(),
            education: "bachelor".into(),
            salary_min: Some(7000),
            salary_max: Some(9000),
            created: day("2026-12-01"),
            employer_verified: true,
            specials: vec!["hongzhi".into()],
            ..PostingFacts::default()
        }
    }

    #[test]
    fn a_fitting_posting_scores_higher_and_says_why_in_chinese() {
        let w = Weights::default();
        let today = day("2026-12-02");
        let good = score(&w, &graduate(), &posting(), None, today);
        let texts: Vec<&str> = good.fits.iter().map(|r| r.text.as_str()).collect();
        assert!(texts.contains(&"专业对口：计算机类"), "{texts:?}");
        assert!(texts.iter().any(|t| t.starts_with("意向地区：")), "{texts:?}");
        assert!(texts.contains(&"学历符合：本科"));
        assert!(texts.contains(&"薪资在期望范围内"));
        let mut worse = posting();
        worse.majors = vec!["1011".into()];
        worse.region = "440300".into();
        worse.region_name = "深圳市".into();
        worse.education = "master".into();
        worse.salary_max = Some(4000);
        let bad = score(&w, &graduate(), &worse, None, today);
        assert!(good.score > bad.score + 5.0, "{} vs {}", good.score, bad.score);
        let less: Vec<&str> = bad.fits_less.iter().map(|r| r.factor.as_str()).collect();
        assert_eq!(less, ["major", "region", "education", "pay"]);
    }

    #[test]
    fn hardship_priority_shows_to_the_graduate_but_never_to_employers() {
        let w = Weights::default();
        let mut g = graduate();
        let plain = score(&w, &g, &posting(), None, day("2026-12-02"));
        g.hardship = true;
        let helped = score(&w, &g, &posting(), None, day("2026-12-02"));
        assert!(helped.score > plain.score);
        assert!(helped.fits.iter().any(|r| r.factor == "hardship"));
        assert!(!helped.for_employer().fits.iter().any(|r| r.factor == "hardship"));
    }

    #[test]
    fn without_intentions_major_education_and_home_region_still_give_reasons() {
        let mut g = graduate();
        g.intentions = Intentions::default();
        let s = score(&Weights::default(), &g, &posting(), None, day("2026-12-02"));
        let factors: Vec<&str> = s.fits.iter().map(|r| r.factor.as_str()).collect();
        assert!(factors.contains(&"major") && factors.contains(&"region") && factors.contains(&"education"));
    }

    #[test]
    fn catalogue_tree_and_regions() {
        assert_eq!(major_relatedness("080901", "080901"), 1.0);
        assert_eq!(major_relatedness("080901", "0809"), 0.9);
        assert_eq!(major_relatedness("080901", "080902"), 0.8);
        assert_eq!(major_relatedness("080901", "081001"), 0.4);
        assert_eq!(major_relatedness("080901", "120203"), 0.0);
        assert!(region_within("510107", "510100") && region_within("510107", "510000"));
        assert!(!region_within("520107", "510000") && !region_within("510107", ""));
    }

    #[test]
    fn diversity_spreads_employers() {
        let items = [(1, 10.0), (1, 9.9), (1, 9.8), (2, 9.0), (3, 8.0)];
        let order: Vec<usize> = diversify(&items, 0.8, 5).into_iter().map(|(i, _)| i).collect();
        assert_eq!(order, [0, 3, 4, 1, 2]);
        assert_eq!(diversify(&items, 0.8, 2).len(), 2);
        assert!(diversify::<u8>(&[], 0.8, 3).is_empty());
    }

    #[test]
    fn feedback_moves_neighbours() {
        let disliked = vec![(7u8, Some("2-02".to_owned()))];
        assert!(feedback_factor(&disliked, &[], &7, None).0 < 1.0);
        assert!(feedback_factor(&disliked, &[], &8, Some("2-02")).0 < 1.0);
        let (f, r) = feedback_factor(&[], &["4-01".to_owned()], &8, Some("4-01"));
        assert!(f > 1.0 && r.is_some());
    }
}
