//! The hardship ledger (帮扶台账, 宏志助航): for every graduate in difficulty one file (一人一档:
//! categories, evidence and who verified it, the graduate's separate consent), one plan
//! (一人一策: goals, actions with owners and dates, approved by the career centre), one helper
//! (一对一), recommended postings, 宏志助航 training, the one-time job-seeking subsidy
//! (一次性求职创业补贴) and the case's closure. Here are the rules; who may see what is in
//! `access`, the sealing and the storage elsewhere.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// An enum of stable ids with a Chinese label.
macro_rules! labelled {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $v:ident = $id:literal, $zh:literal;)+ }) => {
        $(#[$m])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum $name { $($(#[$vm])* $v,)+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$v,)+];

            /// The stable identifier stored and used in the API.
            pub fn id(self) -> &'static str {
                match self { $($name::$v => $id,)+ }
            }

            pub fn from_id(s: &str) -> Option<$name> {
                $name::ALL.iter().copied().find(|v| v.id() == s.trim())
            }

            /// The Chinese label, which imports also accept.
            pub fn zh(self) -> &'static str {
                match self { $($name::$v => $zh,)+ }
            }

            /// By id or by Chinese label.
            pub fn parse(s: &str) -> Option<$name> {
                let s = s.trim();
                $name::ALL.iter().copied().find(|v| v.id() == s || v.zh() == s)
            }
        }
    };
}

labelled! {
    /// Why a graduate is in the ledger (several may apply).
    Category {
        PovertyRelief = "poverty_relief", "脱贫家庭";
        MinimumLiving = "minimum_living", "低保家庭";
        ZeroEmployment = "zero_employment", "零就业家庭";
        Disability = "disability", "残疾";
        LongUnemployed = "long_unemployed", "长期未就业";
        Other = "other", "其他困难";
    }
}

labelled! {
    /// The kind of disability (the seven kinds of the disability certificate).
    DisabilityKind {
        Visual = "visual", "视力残疾";
        Hearing = "hearing", "听力残疾";
        Speech = "speech", "言语残疾";
        Physical = "physical", "肢体残疾";
        Intellectual = "intellectual", "智力残疾";
        Mental = "mental", "精神残疾";
        Multiple = "multiple", "多重残疾";
    }
}

labelled! {
    /// What proves the category.
    Evidence {
        PovertyRegistry = "poverty_registry", "脱贫户认定（乡村振兴部门）";
        MinimumLivingCertificate = "minimum_living_certificate", "低保证明（民政部门）";
        DisabilityCertificate = "disability_certificate", "残疾人证";
        UnemploymentRegistration = "unemployment_registration", "就业失业登记";
        SchoolAssessment = "school_assessment", "学校家庭经济困难认定";
        Other = "other", "其他材料";
    }
}

labelled! {
    /// The graduate's separate consent to the processing of their hardship data (PIPL art. 29).
    Consent {
        /// Not yet given (a file the career centre opened or imported).
        Pending = "pending", "待本人同意";
        /// Given by the graduate in jiuye.
        Given = "given", "本人已同意";
        /// A signed paper consent, recorded by the career centre.
        Paper = "paper", "纸质同意书";
        /// Withdrawn by the graduate.
        Withdrawn = "withdrawn", "本人已撤回";
    }
}

impl Consent {
    /// Whether the file may be shown to the graduate's helpers (not only to the ledger keepers).
    pub fn consented(self) -> bool {
        matches!(self, Consent::Given | Consent::Paper)
    }
}

labelled! {
    /// 宏志助航计划 training.
    Training {
        None = "none", "未报名";
        Enrolled = "enrolled", "已报名";
        Completed = "completed", "已结业";
    }
}

labelled! {
    /// The one-time job-seeking subsidy (一次性求职创业补贴).
    Subsidy {
        None = "none", "未申请";
        Applied = "applied", "已申请";
        Approved = "approved", "学校审核通过";
        Rejected = "rejected", "未通过";
        Paid = "paid", "人社部门已发放";
    }
}

labelled! {
    /// Where the plan stands.
    PlanState {
        None = "none", "未制定";
        Draft = "draft", "草稿";
        Submitted = "submitted", "待审批";
        Approved = "approved", "已批准";
        Returned = "returned", "已退回";
    }
}

labelled! {
    /// Where the case stands.
    CaseState {
        Open = "open", "帮扶中";
        Closing = "closing", "申请结案";
        Closed = "closed", "已结案";
    }
}

/// The sealed part of a file: why the graduate is in the ledger and what proves it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Profile {
    /// Category ids.
    pub categories: Vec<String>,
    /// A `DisabilityKind` id, with the disability category.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disability: Option<String>,
    /// An `Evidence` id.
    #[serde(default)]
    pub evidence: String,
    /// What else the evidence is (up to 200 characters).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub evidence_note: String,
}

impl Profile {
    /// The categories, in their fixed order.
    pub fn categories(&self) -> Vec<Category> {
        let mut out: Vec<Category> = self.categories.iter().filter_map(|c| Category::from_id(c)).collect();
        out.sort_unstable();
        out.dedup();
        out
    }

    pub fn disability(&self) -> Option<DisabilityKind> {
        self.disability.as_deref().and_then(DisabilityKind::from_id)
    }

    pub fn evidence(&self) -> Option<Evidence> {
        Evidence::from_id(&self.evidence)
    }

    /// The text sealed at rest.
    pub fn encode(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    pub fn decode(s: &str) -> Option<Profile> {
        serde_json::from_str(s).ok()
    }
}

/// One action of a plan.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PlanAction {
    /// What is done (1–200 characters).
    pub what: String,
    /// Who does it (a name, 1–50 characters).
    pub owner: String,
    /// By when.
    pub due: Option<NaiveDate>,
    #[serde(default)]
    pub done: bool,
}

/// One plan (一人一策): the goals and the actions that reach them. Sealed at rest.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plan {
    pub goals: String,
    pub actions: Vec<PlanAction>,
}

impl Plan {
    pub fn encode(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    pub fn decode(s: &str) -> Option<Plan> {
        serde_json::from_str(s).ok()
    }
}

/// What is wrong with a file as typed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HardshipError {
    Category(String),
    NoCategory,
    Disability,
    Evidence,
    Goals,
    Action(usize),
    TooManyActions,
    TooLong(&'static str),
}

impl HardshipError {
    pub fn message(&self) -> String {
        match self {
            HardshipError::Category(c) => format!("未知的困难类别：{c}"),
            HardshipError::NoCategory => "请至少选择一个困难类别".into(),
            HardshipError::Disability => "残疾类别的学生请选择残疾类型；其他学生不填".into(),
            HardshipError::Evidence => "请选择证明材料".into(),
            HardshipError::Goals => "请填写帮扶目标（1–1000 字）".into(),
            HardshipError::Action(i) => format!("第 {} 项措施不完整：请填写措施（1–200 字）和责任人（1–50 字）", i + 1),
            HardshipError::TooManyActions => format!("措施最多 {MAX_ACTIONS} 项"),
            HardshipError::TooLong(what) => format!("{what}过长"),
        }
    }
}

/// The most actions one plan holds.
pub const MAX_ACTIONS: usize = 20;
/// The most postings recommended to one graduate at a time.
pub const MAX_RECOMMENDED: usize = 20;
/// How many recommended postings a graduate should have (the coverage line counts those with
/// at least this many).
pub const RECOMMENDED_TARGET: i64 = 3;
/// How long records are kept at least (PIPL art. 55–56): the purge never takes less.
pub const MIN_RETENTION_YEARS: u32 = 3;

fn chars(s: &str) -> usize {
    s.chars().count()
}

/// Checks the profile as typed: at least one known category, a disability kind exactly when
/// the disability category is chosen, and a known evidence kind.
pub fn check_profile(
    categories: &[String],
    disability: Option<&str>,
    evidence: &str,
    evidence_note: &str,
) -> Result<Profile, HardshipError> {
    let mut cats = Vec::new();
    for c in categories.iter().map(|c| c.trim()).filter(|c| !c.is_empty()) {
        cats.push(Category::parse(c).ok_or_else(|| HardshipError::Category(c.to_owned()))?);
    }
    cats.sort_unstable();
    cats.dedup();
    if cats.is_empty() {
        return Err(HardshipError::NoCategory);
    }
    let disability = disability.map(str::trim).filter(|d| !d.is_empty());
    let kind = match disability {
        Some(d) => Some(DisabilityKind::parse(d).ok_or(HardshipError::Disability)?),
        None => None,
    };
    if kind.is_some() != cats.contains(&Category::Disability) {
        return Err(HardshipError::Disability);
    }
    let evidence = Evidence::parse(evidence).ok_or(HardshipError::Evidence)?;
    let note = evidence_note.trim();
    if chars(note) > 200 {
        return Err(HardshipError::TooLong("证明材料说明"));
    }
    Ok(Profile {
        categories: cats.iter().map(|c| c.id().to_owned()).collect(),
        disability: kind.map(|k| k.id().to_owned()),
        evidence: evidence.id().to_owned(),
        evidence_note: note.to_owned(),
    })
}

/// Checks a plan as typed: goals of 1–1,000 characters and up to 20 complete actions.
pub fn check_plan(goals: &str, actions: &[PlanAction]) -> Result<Plan, HardshipError> {
    let goals = goals.trim();
    if goals.is_empty() || chars(goals) > 1_000 {
        return Err(HardshipError::Goals);
    }
    if actions.len() > MAX_ACTIONS {
        return Err(HardshipError::TooManyActions);
    }
    let mut out = Vec::with_capacity(actions.len());
    for (i, a) in actions.iter().enumerate() {
        let what = a.what.trim();
        let owner = a.owner.trim();
        if what.is_empty() && owner.is_empty() && a.due.is_none() {
            continue; // an empty row of a form
        }
        if what.is_empty() || chars(what) > 200 || owner.is_empty() || chars(owner) > 50 {
            return Err(HardshipError::Action(i));
        }
        out.push(PlanAction { what: what.to_owned(), owner: owner.to_owned(), due: a.due, done: a.done });
    }
    Ok(Plan { goals: goals.to_owned(), actions: out })
}

/// Who moves a file from one state to another.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mover {
    /// The career centre's ledger keepers.
    Keeper,
    /// The graduate's helper, counselor or college leader.
    Helper,
}

/// Whether `by` may move the plan from `from` to `to` (staying put is always allowed).
pub fn plan_move(from: PlanState, to: PlanState, by: Mover) -> bool {
    use PlanState::*;
    from == to
        || match (from, to) {
            (_, Draft) => true,
            (Draft | Returned, Submitted) => true,
            (Submitted, Approved | Returned) => by == Mover::Keeper,
            (Draft | Returned, Approved) => by == Mover::Keeper,
            _ => false,
        }
}

/// Whether `by` may move the subsidy from `from` to `to`: a helper records the application;
/// the university reviews it and records the payment by the human-resources department.
pub fn subsidy_move(from: Subsidy, to: Subsidy, by: Mover) -> bool {
    use Subsidy::*;
    from == to
        || match (from, to) {
            (None | Rejected, Applied) => true,
            (Applied, None) => true,
            (Applied, Approved | Rejected) | (Approved, Paid) => by == Mover::Keeper,
            _ => false,
        }
}

/// Whether `by` may move the case from `from` to `to`: a helper asks to close it, the career
/// centre closes it (or sends it back, or reopens it).
pub fn case_move(from: CaseState, to: CaseState, by: Mover) -> bool {
    use CaseState::*;
    from == to
        || match (from, to) {
            (Open, Closing) | (Closing, Open) => true,
            (Open | Closing, Closed) | (Closed, Open) => by == Mover::Keeper,
            _ => false,
        }
}

/// One line of the coverage report: what share of the ledger's graduates have it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Line {
    /// A file whose evidence someone verified (一人一档).
    File,
    /// An approved plan (一人一策).
    Plan,
    /// A named helper (一对一).
    Helper,
    /// At least three recommended postings that are approved, open and visible.
    Recommended,
    /// A follow-up contact in the last 14 days.
    Contacted,
    /// 宏志助航 training enrolled (or completed).
    TrainingEnrolled,
    /// 宏志助航 training completed.
    TrainingCompleted,
    /// The subsidy applied for (in any state after).
    SubsidyApplied,
    /// The subsidy paid.
    SubsidyPaid,
    /// A placed, counted destination.
    Placed,
}

impl Line {
    pub const ALL: [Line; 10] = [
        Line::File,
        Line::Plan,
        Line::Helper,
        Line::Recommended,
        Line::Contacted,
        Line::TrainingEnrolled,
        Line::TrainingCompleted,
        Line::SubsidyApplied,
        Line::SubsidyPaid,
        Line::Placed,
    ];

    pub fn id(self) -> &'static str {
        match self {
            Line::File => "file",
            Line::Plan => "plan",
            Line::Helper => "helper",
            Line::Recommended => "recommended",
            Line::Contacted => "contacted",
            Line::TrainingEnrolled => "training_enrolled",
            Line::TrainingCompleted => "training_completed",
            Line::SubsidyApplied => "subsidy_applied",
            Line::SubsidyPaid => "subsidy_paid",
            Line::Placed => "placed",
        }
    }

    pub fn from_id(s: &str) -> Option<Line> {
        Line::ALL.into_iter().find(|l| l.id() == s)
    }

    pub fn zh(self) -> &'static str {
        match self {
            Line::File => "已建档（材料已核实）",
            Line::Plan => "帮扶方案已批准",
            Line::Helper => "已明确帮扶责任人",
            Line::Recommended => "推荐岗位不少于 3 个",
            Line::Contacted => "近 14 天有联系",
            Line::TrainingEnrolled => "宏志助航培训已报名",
            Line::TrainingCompleted => "宏志助航培训已结业",
            Line::SubsidyApplied => "已申请求职创业补贴",
            Line::SubsidyPaid => "求职创业补贴已发放",
            Line::Placed => "已落实去向",
        }
    }
}

/// What the coverage report needs to know of one file.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Standing {
    pub verified: bool,
    pub plan: Option<PlanState>,
    pub helper: bool,
    /// Recommended postings that count (approved, open, visible).
    pub recommended: i64,
    pub last_contact: Option<NaiveDate>,
    pub training: Option<Training>,
    pub subsidy: Option<Subsidy>,
    pub placed: bool,
}

/// Whether a file at `s` has line `line` on `today`.
pub fn has(s: &Standing, line: Line, today: NaiveDate) -> bool {
    match line {
        Line::File => s.verified,
        Line::Plan => s.plan == Some(PlanState::Approved),
        Line::Helper => s.helper,
        Line::Recommended => s.recommended >= RECOMMENDED_TARGET,
        Line::Contacted => s.last_contact.is_some_and(|d| (today - d).num_days() < 14 && d <= today),
        Line::TrainingEnrolled => matches!(s.training, Some(Training::Enrolled | Training::Completed)),
        Line::TrainingCompleted => s.training == Some(Training::Completed),
        Line::SubsidyApplied => {
            matches!(s.subsidy, Some(Subsidy::Applied | Subsidy::Approved | Subsidy::Rejected | Subsidy::Paid))
        }
        Line::SubsidyPaid => s.subsidy == Some(Subsidy::Paid),
        Line::Placed => s.placed,
    }
}

/// How a count is shown to someone outside the career centre: below 5 graduates, as "<5"
/// (so that nobody is singled out).
pub fn small_cell(n: i64, exact: bool) -> String {
    if exact || n == 0 || n >= 5 { n.to_string() } else { "<5".to_owned() }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn a_profile_needs_a_category_and_a_disability_kind_exactly_with_disability() {
        let cats = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(check_profile(&cats(&[]), None, "school_assessment", ""), Err(HardshipError::NoCategory));
        assert_eq!(check_profile(&cats(&["残疾"]), None, "disability_certificate", ""), Err(HardshipError::Disability));
        assert_eq!(
            check_profile(&cats(&["minimum_living"]), Some("visual"), "minimum_living_certificate", ""),
            Err(HardshipError::Disability)
        );
        assert_eq!(check_profile(&cats(&["x"]), None, "other", ""), Err(HardshipError::Category("x".into())));
        let p = check_profile(&cats(&["残疾", "poverty_relief", "残疾"]), Some("肢体残疾"), "残疾人证", " 证号已核 ")
            .unwrap();
        assert_eq!(p.categories(), [Category::PovertyRelief, Category::Disability]);
        assert_eq!(p.disability(), Some(DisabilityKind::Physical));
        assert_eq!(p.evidence(), Some(Evidence::DisabilityCertificate));
        assert_eq!(Profile::decode(&p.encode()), Some(p));
    }

    #[test]
    fn a_plan_skips_empty_rows_and_names_the_incomplete_one() {
        let a = |what: &str, owner: &str| PlanAction { what: what.into(), owner: owner.into(), due: None, done: false };
        let p = check_plan("三个月内落实去向", &[a("推荐岗位", "李老师"), a("", "")]).unwrap();
        assert_eq!(p.actions.len(), 1);
        assert_eq!(check_plan(" ", &[]), Err(HardshipError::Goals));
        assert_eq!(check_plan("目标", &[a("推荐岗位", "")]), Err(HardshipError::Action(0)));
        assert_eq!(Plan::decode(&p.encode()), Some(p));
    }

    #[test]
    fn approvals_and_payments_belong_to_the_career_centre() {
        use Mover::*;
        assert!(plan_move(PlanState::Draft, PlanState::Submitted, Helper));
        assert!(!plan_move(PlanState::Submitted, PlanState::Approved, Helper));
        assert!(plan_move(PlanState::Submitted, PlanState::Approved, Keeper));
        assert!(plan_move(PlanState::Approved, PlanState::Draft, Helper));
        assert!(!plan_move(PlanState::None, PlanState::Submitted, Keeper));
        assert!(subsidy_move(Subsidy::None, Subsidy::Applied, Helper));
        assert!(!subsidy_move(Subsidy::Applied, Subsidy::Approved, Helper));
        assert!(subsidy_move(Subsidy::Approved, Subsidy::Paid, Keeper));
        assert!(!subsidy_move(Subsidy::None, Subsidy::Paid, Keeper));
        assert!(case_move(CaseState::Open, CaseState::Closing, Helper));
        assert!(!case_move(CaseState::Closing, CaseState::Closed, Helper));
        assert!(case_move(CaseState::Closing, CaseState::Closed, Keeper));
    }

    #[test]
    fn lines_read_the_standing_and_small_cells_hide_below_five() {
        let today = d("2023-06-15");
        let s = Standing {
            verified: true,
            plan: Some(PlanState::Submitted),
            recommended: 3,
            last_contact: Some(d("2023-06-02")),
            training: Some(Training::Completed),
            subsidy: Some(Subsidy::Rejected),
            ..Standing::default()
        };
        let got: Vec<Line> = Line::ALL.into_iter().filter(|l| has(&s, *l, today)).collect();
        assert_eq!(
            got,
            [
                Line::File,
                Line::Recommended,
                Line::Contacted,
                Line::TrainingEnrolled,
                Line::TrainingCompleted,
                Line::SubsidyApplied
            ]
        );
        assert!(!has(&Standing { last_contact: Some(d("2023-06-01")), ..s }, Line::Contacted, today));
        assert_eq!(
            (small_cell(0, false), small_cell(3, false), small_cell(3, true), small_cell(7, false)),
            ("0".into(), "<5".into(), "3".into(), "7".into())
        );
    }
}
