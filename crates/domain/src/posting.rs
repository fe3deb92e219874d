//! Job postings: what a posting must hold, where it may appear, who reads it and when it is
//! open, and what screening does to it. Never reads the clock: "today" is always an argument.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::access::within;
use crate::{Catalogue, OrgKind, RefData};

/// Where a posting appears: the organisation whose people see it once approved.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Visibility {
    University,
    Alliance,
    Province,
    Nation,
}

impl Visibility {
    pub fn id(self) -> &'static str {
        match self {
            Visibility::University => "university",
            Visibility::Alliance => "alliance",
            Visibility::Province => "province",
            Visibility::Nation => "nation",
        }
    }
    pub fn from_id(s: &str) -> Option<Visibility> {
        [Visibility::University, Visibility::Alliance, Visibility::Province, Visibility::Nation]
            .into_iter()
            .find(|v| v.id() == s)
    }
    /// The kind of organisation a scope of this visibility must be.
    pub fn org_kind(self) -> OrgKind {
        match self {
            Visibility::University => OrgKind::University,
            Visibility::Alliance => OrgKind::Alliance,
            Visibility::Province => OrgKind::Province,
            Visibility::Nation => OrgKind::Nation,
        }
    }
    /// The visibility of a posting appearing at an organisation of this kind (none for colleges
    /// and programmes, where postings never appear).
    pub fn of_kind(kind: OrgKind) -> Option<Visibility> {
        [Visibility::University, Visibility::Alliance, Visibility::Province, Visibility::Nation]
            .into_iter()
            .find(|v| v.org_kind() == kind)
    }
}

/// The review state of a posting, stored as its id (`pending`, `held`, `approved`, `rejected`,
/// `withdrawn`). Only an approved posting (已发布) is seen by readers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PostingStatus {
    /// Waiting for review by the staff of its scope.
    Pending,
    /// Held back by screening or by a reviewer.
    Held,
    Approved,
    Rejected,
    /// Taken back by its employer.
    Withdrawn,
}

impl PostingStatus {
    pub const ALL: [PostingStatus; 5] = [
        PostingStatus::Pending,
        PostingStatus::Held,
        PostingStatus::Approved,
        PostingStatus::Rejected,
        PostingStatus::Withdrawn,
    ];
    pub fn id(self) -> &'static str {
        match self {
            PostingStatus::Pending => "pending",
            PostingStatus::Held => "held",
            PostingStatus::Approved => "approved",
            PostingStatus::Rejected => "rejected",
            PostingStatus::Withdrawn => "withdrawn",
        }
    }
    pub fn from_id(s: &str) -> Option<PostingStatus> {
        PostingStatus::ALL.into_iter().find(|v| v.id() == s)
    }
}

/// Where a graduate's application to a posting stands, stored as its id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ApplicationStatus {
    Submitted,
    Viewed,
    Interview,
    Offer,
    Rejected,
    /// Taken back by the graduate.
    Withdrawn,
}

impl ApplicationStatus {
    pub const ALL: [ApplicationStatus; 6] = [
        ApplicationStatus::Submitted,
        ApplicationStatus::Viewed,
        ApplicationStatus::Interview,
        ApplicationStatus::Offer,
        ApplicationStatus::Rejected,
        ApplicationStatus::Withdrawn,
    ];
    pub fn id(self) -> &'static str {
        match self {
            ApplicationStatus::Submitted => "submitted",
            ApplicationStatus::Viewed => "viewed",
            ApplicationStatus::Interview => "interview",
            ApplicationStatus::Offer => "offer",
            ApplicationStatus::Rejected => "rejected",
            ApplicationStatus::Withdrawn => "withdrawn",
        }
    }
    pub fn from_id(s: &str) -> Option<ApplicationStatus> {
        ApplicationStatus::ALL.into_iter().find(|v| v.id() == s)
    }
    /// Rejected or withdrawn: nothing more happens to it.
    pub fn is_closed(self) -> bool {
        matches!(self, ApplicationStatus::Rejected | ApplicationStatus::Withdrawn)
    }
}

/// Whether a posting is open (takes applications) on `today`: approved, and its `deadline` (the
/// last day to apply) is today or later, as the store's `postings_visible` compares them in SQL.
pub fn is_open(status: PostingStatus, deadline: NaiveDate, today: NaiveDate) -> bool {
    status == PostingStatus::Approved && deadline >= today
}

/// Whether a posting may be listed at all (in search, in lists): approved, from an employer that
/// is not blacklisted. Its deadline and its readers are decided by [`readable`].
pub fn is_published(status: PostingStatus, employer_blacklisted: bool) -> bool {
    status == PostingStatus::Approved && !employer_blacklisted
}

/// Where a reader stands: the organisations they belong to (the paths of their grants, e.g.
/// `CN/510000/4151010610/...`; none when not signed in) and the alliances (联盟) that their
/// universities are members of.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Reader {
    pub org_paths: Vec<String>,
    pub alliance_paths: Vec<String>,
}

/// Whether a posting appearing at `scope_path` with `visibility` reaches `reader`. A nation-wide
/// posting reaches everyone, signed in or not; a province's or a university's reaches the people
/// of that organisation and of every organisation below it; an alliance's reaches the people of
/// its member universities.
pub fn reaches(reader: &Reader, visibility: Visibility, scope_path: &str) -> bool {
    match visibility {
        Visibility::Nation => true,
        Visibility::Alliance => reader.alliance_paths.iter().any(|a| a == scope_path),
        Visibility::Province | Visibility::University => reader.org_paths.iter().any(|p| within(p, scope_path)),
    }
}

/// What reading a posting depends on, besides the reader and the day.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PostingFacts<'a> {
    pub status: PostingStatus,
    /// The last day to apply.
    pub deadline: NaiveDate,
    pub visibility: Visibility,
    /// The path of the organisation the posting appears in.
    pub scope_path: &'a str,
    /// Its employer is blacklisted (列入黑名单).
    pub employer_blacklisted: bool,
    /// Its employer is hidden in a scope the reader lies within, after a scam was confirmed there
    /// (see [`crate::access::enclosing_scopes`]).
    pub employer_hidden: bool,
}

/// Whether `reader` may read the posting on `today`: it is open, published by an employer that is
/// neither blacklisted nor hidden from this reader, and it reaches the reader. Its own employer
/// and the staff who review it read it in every state, whatever this says
/// ([`crate::access::sees_posting_in_any_state`]).
///
/// The store's `postings_visible` is this rule written in SQL (`status = 'approved'`,
/// `deadline >= today`, employer not blacklisted nor among the hidden, scope among the
/// organisations [`reaches`] admits for the reader), and the search index filters by the same
/// facts: change them together.
pub fn readable(reader: &Reader, p: &PostingFacts<'_>, today: NaiveDate) -> bool {
    is_open(p.status, p.deadline, today)
        && is_published(p.status, p.employer_blacklisted)
        && !p.employer_hidden
        && reaches(reader, p.visibility, p.scope_path)
}

/// Education a posting asks for.
pub const EDUCATION: &[(&str, &str)] = &[
    ("any", "不限"),
    ("vocational", "专科"),
    ("bachelor", "本科"),
    ("master", "硕士研究生"),
    ("doctor", "博士研究生"),
];

/// Monthly pay bands used to filter and count postings, by the middle of the offered range:
/// (id, name, lowest yuan in the band).
pub const SALARY_BANDS: &[(&str, &str, i64)] = &[
    ("lt4k", "4000 元以下", 0),
    ("4k-6k", "4000–6000 元", 4_000),
    ("6k-8k", "6000–8000 元", 6_000),
    ("8k-12k", "8000–12000 元", 8_000),
    ("12k-20k", "12000–20000 元", 12_000),
    ("20k+", "20000 元以上", 20_000),
];

/// The band of a pay range (the middle of it; one end when only one is given); `negotiable`
/// when neither is.
pub fn salary_band(min: Option<i64>, max: Option<i64>) -> &'static str {
    let mid = match (min, max) {
        (Some(a), Some(b)) => (a + b) / 2,
        (Some(a), None) | (None, Some(a)) => a,
        (None, None) => return "negotiable",
    };
    SALARY_BANDS.iter().rev().find(|(_, _, low)| mid >= *low).map(|(id, _, _)| *id).unwrap_or("lt4k")
}

/// A posting's fields as submitted, trimmed.
#[derive(Clone, Debug, Default)]
pub struct PostingFields<'a> {
    pub title: &'a str,
    pub description: &'a str,
    pub region: &'a str,
    pub position: &'a str,
    pub education: &'a str,
    pub majors: &'a [String],
    pub openings: i64,
    pub salary_min: Option<i64>,
    pub salary_max: Option<i64>,
    pub deadline: &'a str,
    pub contact: &'a str,
    pub apply_method: &'a str,
    /// An occupation code of the 职业分类大典 2022 (level 4), or empty when the title decides.
    pub occupation: &'a str,
}

/// One problem with a field.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldProblem {
    pub field: &'static str,
    pub code: crate::ErrorCode,
    pub message: String,
}

/// A major or major class code of either catalogue.
pub fn major_known(rd: &RefData, code: &str) -> bool {
    [Catalogue::UndergraduateMajors, Catalogue::VocationalMajors]
        .into_iter()
        .any(|c| rd.entry(c, code).is_some_and(|e| e.level >= 2))
}

/// Checks every field; `today` bounds the deadline (not past, at most a year ahead).
pub fn check_fields(rd: &RefData, f: &PostingFields<'_>, today: NaiveDate) -> Vec<FieldProblem> {
    let mut out = Vec::new();
    let mut bad = |field, code, message: String| out.push(FieldProblem { field, code, message });
    let chars = |s: &str| s.chars().count();
    if !(2..=crate::text::TITLE).contains(&chars(f.title)) {
        bad("title", crate::ErrorCode::InvalidTitle, format!("职位名称应为 2–{} 个字", crate::text::TITLE));
    }
    if !(10..=crate::text::DESCRIPTION).contains(&chars(f.description)) {
        bad(
            "description",
            crate::ErrorCode::InvalidDescription,
            format!("职位描述应为 10–{} 个字", crate::text::DESCRIPTION),
        );
    }
    if rd.region(f.region).is_none_or(|r| r.level < 2) {
        bad("region", crate::ErrorCode::InvalidRegion, format!("工作地点“{}”应为现行地级或县级行政区划代码", f.region));
    }
    if rd.entry(Catalogue::Positions, f.position).is_none() {
        bad("position", crate::ErrorCode::InvalidPosition, format!("职位类别“{}”不在工作职位类别代码中", f.position));
    }
    if !EDUCATION.iter().any(|(id, _)| *id == f.education) {
        bad(
            "education",
            crate::ErrorCode::InvalidEducation,
            "学历要求应为 any、vocational、bachelor、master 或 doctor".into(),
        );
    }
    if f.majors.len() > 20 {
        bad("majors", crate::ErrorCode::InvalidMajors, "专业要求最多 20 项".into());
    } else if let Some(m) = f.majors.iter().find(|m| !major_known(rd, m.trim())) {
        bad("majors", crate::ErrorCode::InvalidMajors, format!("“{}”不是专业目录中的专业或专业类代码", m.trim()));
    }
    if !(1..=100_000).contains(&f.openings) {
        bad("openings", crate::ErrorCode::InvalidOpenings, "招聘人数应在 1 到 100000 之间".into());
    }
    let pay_ok = |v: Option<i64>| v.is_none_or(|x| (500..=1_000_000).contains(&x));
    if !pay_ok(f.salary_min)
        || !pay_ok(f.salary_max)
        || matches!((f.salary_min, f.salary_max), (Some(a), Some(b)) if a > b)
    {
        bad("salary", crate::ErrorCode::InvalidSalary, "月薪应在 500–1000000 元之间，且下限不高于上限".into());
    }
    match NaiveDate::parse_from_str(f.deadline, "%Y-%m-%d") {
        Ok(d) if d >= today && d <= today + chrono::Duration::days(366) => {}
        Ok(_) => bad("deadline", crate::ErrorCode::InvalidDeadline, "截止日期应在今天到一年之内".into()),
        Err(_) => {
            bad("deadline", crate::ErrorCode::InvalidDeadline, format!("截止日期“{}”应为 YYYY-MM-DD", f.deadline))
        }
    }
    if !(1..=200).contains(&chars(f.contact)) {
        bad("contact", crate::ErrorCode::InvalidContact, "联系方式应为 1–200 个字".into());
    }
    if !f.occupation.is_empty()
        && crate::matching::titles::Occupations::shipped().get(f.occupation).is_none_or(|o| o.level != 4)
    {
        bad(
            "occupation",
            crate::ErrorCode::InvalidOccupation,
            format!("职业“{}”应为职业分类大典（2022）中的职业代码，如 2-02-10-03", f.occupation),
        );
    }
    if chars(f.apply_method) > 500 {
        bad("apply_method", crate::ErrorCode::InvalidApplyMethod, "投递方式不超过 500 字".into());
    }
    out
}

/// The state a submitted (or edited) posting enters: `held` when screening found it high-risk,
/// otherwise `pending` review by the staff of its scope. Nothing publishes without a review.
pub fn state_after_screening(level: crate::screening::Level) -> PostingStatus {
    if level == crate::screening::Level::High { PostingStatus::Held } else { PostingStatus::Pending }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pay_falls_in_the_band_of_its_middle() {
        assert_eq!(salary_band(Some(7000), Some(12000)), "8k-12k");
        assert_eq!(salary_band(Some(3000), None), "lt4k");
        assert_eq!(salary_band(None, Some(6000)), "6k-8k");
        assert_eq!(salary_band(Some(30000), Some(50000)), "20k+");
        assert_eq!(salary_band(None, None), "negotiable");
    }

    fn ok_fields(majors: &[String]) -> PostingFields<'_> {
        PostingFields {
            title: "软件开发工程师",
            description: "负责后端服务开发与维护，熟悉至少一门编程语言。",
            region: "510104",
            position: "13",
            education: "bachelor",
            majors,
            openings: 5,
            salary_min: Some(7000),
            salary_max: Some(12000),
            deadline: "2026-12-31",
            contact: "028-85412345",
            apply_method: "平台内投递",
            occupation: "",
        }
    }

    #[test]
    fn fields_are_checked_one_by_one() {
        let rd = RefData::load().unwrap();
        let today = NaiveDate::from_ymd_opt(2026, 11, 27).unwrap();
        let majors = vec!["0809".to_owned(), "080901".to_owned()];
        assert!(check_fields(&rd, &ok_fields(&majors), today).is_empty());
        let mut f = ok_fields(&majors);
        f.salary_min = Some(20000);
        f.deadline = "2025-01-01";
        f.position = "zz";
        let codes: Vec<&str> = check_fields(&rd, &f, today).iter().map(|p| p.code.as_str()).collect();
        assert_eq!(codes, ["invalid_position", "invalid_salary", "invalid_deadline"]);
        let bad = vec!["9999".to_owned()];
        assert_eq!(check_fields(&rd, &ok_fields(&bad), today)[0].code, "invalid_majors");
        // An occupation, when chosen, is one of the table's (level 4), not a group.
        for (code, ok) in [("2-02-10-03", true), ("2-02-00-00", false), ("9-99", false)] {
            let f = PostingFields { occupation: code, ..ok_fields(&majors) };
            let codes: Vec<&str> = check_fields(&rd, &f, today).iter().map(|p| p.code.as_str()).collect();
            assert_eq!(codes.is_empty(), ok, "{code}: {codes:?}");
        }
        assert_eq!(state_after_screening(crate::screening::Level::High), PostingStatus::Held);
        assert_eq!(state_after_screening(crate::screening::Level::Medium), PostingStatus::Pending);
    }
}

/// A themed campaign (专场) and who may join it.
#[derive(Clone, Debug, Deserialize, Serialize, utoipa::ToSchema)]
pub struct Special {
    pub id: String,
    pub name: String,
    pub description: String,
    /// The employer's size class must be one of these.
    #[serde(default)]
    pub size_classes: Vec<String>,
    /// The place of work, or the province the posting appears in, must be one of these.
    #[serde(default)]
    pub provinces: Vec<String>,
    /// Any posting may join.
    #[serde(default)]
    pub open: bool,
}

#[derive(Deserialize)]
struct SpecialFile {
    special: Vec<Special>,
}

/// The themed campaigns shipped in `data/policy/specials.toml`.
pub fn specials() -> &'static [Special] {
    static S: std::sync::OnceLock<Vec<Special>> = std::sync::OnceLock::new();
    S.get_or_init(|| {
        let text = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/policy/specials.toml"));
        toml::from_str::<SpecialFile>(text).map(|f| f.special).unwrap_or_default()
    })
}

impl Special {
    /// Why a posting cannot join, or None when it can. `scope_province` is the province the
    /// posting appears in (None for a nation-wide posting).
    pub fn refuses(&self, size_class: Option<&str>, region: &str, scope_province: Option<&str>) -> Option<String> {
        if self.open {
            return None;
        }
        if !self.size_classes.is_empty() && !size_class.is_some_and(|s| self.size_classes.iter().any(|c| c == s)) {
            return Some(format!(
                "{}只接受中小微企业的岗位（本单位规模：{}）",
                self.name,
                size_class.unwrap_or("未登记")
            ));
        }
        if !self.provinces.is_empty() {
            let work = format!("{}0000", region.get(..2).unwrap_or(""));
            let ok =
                self.provinces.contains(&work) || scope_province.is_some_and(|p| self.provinces.iter().any(|x| x == p));
            if !ok {
                return Some(format!("{}只接受工作地点或面向范围在西部地区的岗位", self.name));
            }
        }
        None
    }
}

#[cfg(test)]
mod special_tests {
    use super::*;

    #[test]
    fn the_shipped_specials_check_size_and_place() {
        let s = specials();
        assert_eq!(s.len(), 3);
        let sme = s.iter().find(|x| x.id == "sme_100_days").unwrap();
        assert!(sme.refuses(Some("small"), "510104", None).is_none());
        assert!(sme.refuses(Some("large"), "510104", None).is_some());
        assert!(sme.refuses(None, "510104", None).is_some(), "an employer without a size class is not an SME");
        let west = s.iter().find(|x| x.id == "western").unwrap();
        assert!(west.refuses(None, "510104", None).is_none());
        assert!(west.refuses(None, "110101", Some("620000")).is_none(), "open to the graduates of a western province");
        assert!(west.refuses(None, "110101", None).is_some());
        assert!(s.iter().find(|x| x.id == "hongzhi").unwrap().refuses(None, "110101", None).is_none());
    }
}

#[cfg(test)]
mod reading_tests {
    use super::*;
    use proptest::prelude::*;

    const SICHUAN: &str = "CN/510000";
    const SCU: &str = "CN/510000/4151010610";
    const SCU_PROGRAMME: &str = "CN/510000/4151010610/4151010610-01/4151010610-01-080901";
    const SWJTU: &str = "CN/510000/4151010613";
    const CHENGDU_ALLIANCE: &str = "CN/510000/AL5101";
    const PKU: &str = "CN/110000/4111010001";

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn reader(orgs: &[&str], alliances: &[&str]) -> Reader {
        Reader {
            org_paths: orgs.iter().map(|s| (*s).to_owned()).collect(),
            alliance_paths: alliances.iter().map(|s| (*s).to_owned()).collect(),
        }
    }

    /// A graduate of 四川大学, a member of the Chengdu alliance.
    fn scu_graduate() -> Reader {
        reader(&[SCU_PROGRAMME], &[CHENGDU_ALLIANCE])
    }

    #[test]
    fn a_posting_is_open_when_approved_until_its_deadline_day() {
        let today = day("2026-03-10");
        let approved = PostingStatus::Approved;
        assert!(is_open(approved, day("2026-03-10"), today), "open on its last day");
        assert!(is_open(approved, day("2026-12-31"), today));
        assert!(!is_open(approved, day("2026-03-09"), today), "closed the day after");
        for status in PostingStatus::ALL.into_iter().filter(|s| *s != approved) {
            assert!(!is_open(status, day("2026-12-31"), today), "{status:?}");
        }
    }

    #[test]
    fn application_states_are_stored_by_their_ids() {
        for s in ApplicationStatus::ALL {
            assert_eq!(ApplicationStatus::from_id(s.id()), Some(s));
        }
        let ids: Vec<&str> = ApplicationStatus::ALL.iter().map(|s| s.id()).collect();
        assert_eq!(ids, ["submitted", "viewed", "interview", "offer", "rejected", "withdrawn"]);
        assert_eq!(ApplicationStatus::from_id("pending"), None);
        let closed: Vec<ApplicationStatus> = ApplicationStatus::ALL.into_iter().filter(|s| s.is_closed()).collect();
        assert_eq!(closed, [ApplicationStatus::Rejected, ApplicationStatus::Withdrawn]);
    }

    #[test]
    fn posting_states_are_stored_by_their_ids() {
        for s in PostingStatus::ALL {
            assert_eq!(PostingStatus::from_id(s.id()), Some(s));
        }
        let ids: Vec<&str> = PostingStatus::ALL.iter().map(|s| s.id()).collect();
        assert_eq!(ids, ["pending", "held", "approved", "rejected", "withdrawn"]);
        for bad in ["", "reported", "Approved", " approved"] {
            assert_eq!(PostingStatus::from_id(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn a_blacklisted_employer_publishes_nothing() {
        assert!(is_published(PostingStatus::Approved, false));
        assert!(!is_published(PostingStatus::Approved, true));
        assert!(!is_published(PostingStatus::Pending, false));
    }

    #[test]
    fn visibility_follows_the_organisation_tree_and_alliances() {
        let nobody = Reader::default();
        assert!(reaches(&nobody, Visibility::Nation, "CN"), "nation-wide postings reach anyone");
        assert!(!reaches(&nobody, Visibility::Province, SICHUAN));
        assert!(!reaches(&nobody, Visibility::University, SCU));

        let g = scu_graduate();
        assert!(reaches(&g, Visibility::University, SCU), "their own university");
        assert!(!reaches(&g, Visibility::University, SWJTU), "another university");
        assert!(reaches(&g, Visibility::Alliance, CHENGDU_ALLIANCE), "an alliance of their university");
        assert!(!reaches(&g, Visibility::Alliance, "CN/510000/AL5102"), "an alliance it is not in");
        assert!(reaches(&g, Visibility::Province, SICHUAN), "their province");
        assert!(!reaches(&g, Visibility::Province, "CN/110000"), "another province");
        assert!(reaches(&g, Visibility::Nation, "CN"));

        let swjtu_staff = reader(&[SWJTU], &[]);
        assert!(!reaches(&swjtu_staff, Visibility::Alliance, CHENGDU_ALLIANCE), "same province, not a member");
        let province = reader(&[SICHUAN], &[]);
        assert!(!reaches(&province, Visibility::University, SCU), "a university's postings stay below it");
        assert!(!reaches(&reader(&[PKU], &[]), Visibility::University, "CN/110000/41110100011"), "path boundaries");
        assert!(reaches(&reader(&[PKU, SCU], &[]), Visibility::University, SCU), "any of the reader's organisations");
    }

    #[test]
    fn only_kinds_where_postings_appear_have_a_visibility() {
        for v in [Visibility::University, Visibility::Alliance, Visibility::Province, Visibility::Nation] {
            assert_eq!(Visibility::of_kind(v.org_kind()), Some(v));
        }
        assert_eq!(Visibility::of_kind(OrgKind::College), None);
        assert_eq!(Visibility::of_kind(OrgKind::Programme), None);
    }

    fn facts(scope_path: &str, visibility: Visibility) -> PostingFacts<'_> {
        PostingFacts {
            status: PostingStatus::Approved,
            deadline: day("2026-06-30"),
            visibility,
            scope_path,
            employer_blacklisted: false,
            employer_hidden: false,
        }
    }

    /// The cases of the store's `postings_visible` filter, one condition at a time: a posting is
    /// listed only when every one of them holds.
    #[test]
    fn readable_is_every_condition_of_the_store_filter() {
        let today = day("2026-03-10");
        let g = scu_graduate();
        for mask in 0u8..32 {
            let approved = mask & 1 != 0;
            let in_time = mask & 2 != 0;
            let not_blacklisted = mask & 4 != 0;
            let not_hidden = mask & 8 != 0;
            let in_scope = mask & 16 != 0;
            let p = PostingFacts {
                status: if approved { PostingStatus::Approved } else { PostingStatus::Pending },
                deadline: day(if in_time { "2026-03-10" } else { "2026-03-09" }),
                employer_blacklisted: !not_blacklisted,
                employer_hidden: !not_hidden,
                ..facts(if in_scope { SCU } else { SWJTU }, Visibility::University)
            };
            let all = approved && in_time && not_blacklisted && not_hidden && in_scope;
            assert_eq!(readable(&g, &p, today), all, "{p:?}");
        }
        assert!(readable(&Reader::default(), &facts("CN", Visibility::Nation), today), "anyone, signed in or not");
    }

    fn scope_chain(province: u8, university: u8, alliance: u8) -> [(Visibility, String); 4] {
        let province = format!("CN/{}0000", 11 + province);
        [
            (Visibility::University, format!("{province}/41{university:08}")),
            (Visibility::Alliance, format!("{province}/AL{alliance:04}")),
            (Visibility::Province, province),
            (Visibility::Nation, "CN".to_owned()),
        ]
    }

    proptest! {
        /// A posting seen at a narrow scope stays seen as its scope widens from a university to
        /// an alliance it belongs to, to their province, to the nation; and a reader inside a
        /// scope is always reached.
        #[test]
        fn widening_the_scope_never_hides_a_posting(
            province in 0u8..3, university in 0u8..4, alliance in 0u8..2,
            reader_province in 0u8..3, reader_university in 0u8..4, depth in 0usize..4,
            memberships in proptest::collection::vec((0u8..4, 0u8..2), 0..6),
        ) {
            // The reader's organisation: a province, a university, or a college or programme of it.
            let rp = format!("CN/{}0000", 11 + reader_province);
            let ru = format!("{rp}/41{reader_university:08}");
            let org = match depth {
                0 => rp.clone(),
                1 => ru.clone(),
                2 => format!("{ru}/c1"),
                _ => format!("{ru}/c1/p1"),
            };
            // Alliances join universities of their own province; the posting's university is a
            // member of the alliance it widens to.
            let mut members: Vec<(u8, u8, u8)> = memberships.iter().map(|(u, a)| (province, *u, *a)).collect();
            members.push((province, university, alliance));
            let alliances: Vec<String> = if depth == 0 {
                Vec::new()
            } else {
                members
                    .iter()
                    .filter(|(p, u, _)| *p == reader_province && *u == reader_university)
                    .map(|(p, _, a)| format!("CN/{}0000/AL{a:04}", 11 + p))
                    .collect()
            };
            let r = Reader { org_paths: vec![org.clone()], alliance_paths: alliances };
            let chain = scope_chain(province, university, alliance);
            let seen: Vec<bool> = chain.iter().map(|(v, s)| reaches(&r, *v, s)).collect();
            for w in seen.windows(2) {
                prop_assert!(!w[0] || w[1], "{org}: {chain:?} → {seen:?}");
            }
            for (v, s) in &chain {
                if *v != Visibility::Alliance && within(&org, s) {
                    prop_assert!(reaches(&r, *v, s), "{org} lies inside {s}");
                }
            }
        }

        /// Past its deadline a posting is never open, whatever its state, and nobody reads it
        /// as a reader.
        #[test]
        fn a_posting_past_its_deadline_is_never_open(
            today in 0i64..40_000, late in 1i64..4_000, status in 0usize..5, v in 0usize..4, anyone in any::<bool>(),
        ) {
            let today = NaiveDate::from_ymd_opt(1990, 1, 1).unwrap() + chrono::Duration::days(today);
            let deadline = today - chrono::Duration::days(late);
            let status = PostingStatus::ALL[status];
            prop_assert!(!is_open(status, deadline, today));
            let visibility = [Visibility::University, Visibility::Alliance, Visibility::Province, Visibility::Nation][v];
            let r = if anyone { Reader::default() } else { scu_graduate() };
            let p = PostingFacts { status, deadline, ..facts("CN", visibility) };
            prop_assert!(!readable(&r, &p, today));
            prop_assert_eq!(is_open(status, today, today), status == PostingStatus::Approved);
        }
    }
}
