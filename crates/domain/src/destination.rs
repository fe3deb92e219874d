//! Graduate destinations (毕业去向) and the placement rate (毕业去向落实率).
//!
//! The rate follows the official definition: graduates whose destination code counts as placed
//! (10, 11, 12, 27, 46, 50, 51, 75, 76, 80, 85 and their sub-codes) over *all* graduates of the
//! cohort, split into the 2024 components 单位就业 / 自主创业 / 自由职业 / 升学. Only records that
//! have been approved (or confirmed by the graduate, or loaded as final) count; a registration
//! still under review does not. Plain values and arithmetic; no I/O.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Where a graduate's destination record is in the registration workflow.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DestStatus {
    /// Nothing registered.
    None,
    Draft,
    /// Registered by the graduate, waiting for the college.
    Submitted,
    /// Sent back to the graduate with a reason.
    Returned,
    /// Approved by the college, waiting for the university (76 自由职业 needs both).
    CollegeApproved,
    /// Approved; waiting for the graduate to confirm.
    Approved,
    /// Confirmed by the graduate (or loaded as a final record).
    Confirmed,
}

impl DestStatus {
    pub const ALL: [DestStatus; 7] = [
        DestStatus::None,
        DestStatus::Draft,
        DestStatus::Submitted,
        DestStatus::Returned,
        DestStatus::CollegeApproved,
        DestStatus::Approved,
        DestStatus::Confirmed,
    ];
    pub fn id(self) -> &'static str {
        match self {
            DestStatus::None => "none",
            DestStatus::Draft => "draft",
            DestStatus::Submitted => "submitted",
            DestStatus::Returned => "returned",
            DestStatus::CollegeApproved => "college_approved",
            DestStatus::Approved => "approved",
            DestStatus::Confirmed => "confirmed",
        }
    }
    pub fn from_id(s: &str) -> Option<DestStatus> {
        DestStatus::ALL.into_iter().find(|d| d.id() == s)
    }
    pub fn zh(self) -> &'static str {
        match self {
            DestStatus::None => "未登记",
            DestStatus::Draft => "草稿",
            DestStatus::Submitted => "待院系审核",
            DestStatus::Returned => "已退回",
            DestStatus::CollegeApproved => "待学校审核",
            DestStatus::Approved => "待本人确认",
            DestStatus::Confirmed => "已确认",
        }
    }
    pub fn en(self) -> &'static str {
        match self {
            DestStatus::None => "Not registered",
            DestStatus::Draft => "Draft",
            DestStatus::Submitted => "Awaiting college review",
            DestStatus::Returned => "Returned",
            DestStatus::CollegeApproved => "Awaiting university review",
            DestStatus::Approved => "Awaiting the graduate's confirmation",
            DestStatus::Confirmed => "Confirmed",
        }
    }
    /// Whether a record in this state counts in placement statistics.
    pub fn counts(self) -> bool {
        matches!(self, DestStatus::Approved | DestStatus::Confirmed)
    }
}

/// The components of the placement rate (教就业厅函〔2024〕11号 wording).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Component {
    /// 单位就业.
    Employed,
    /// 自主创业.
    SelfEmployed,
    /// 自由职业.
    Freelance,
    /// 升学 (境内升学 and 境外留学).
    FurtherStudy,
    /// Not placed (待就业, 暂不就业) or no counted record.
    NotPlaced,
}

impl Component {
    /// Every component, in the order they are shown and sent.
    pub const ALL: [Component; 5] = [
        Component::Employed,
        Component::SelfEmployed,
        Component::Freelance,
        Component::FurtherStudy,
        Component::NotPlaced,
    ];

    pub const PLACED: [Component; 4] =
        [Component::Employed, Component::SelfEmployed, Component::Freelance, Component::FurtherStudy];
    pub fn id(self) -> &'static str {
        match self {
            Component::Employed => "employed",
            Component::SelfEmployed => "self_employed",
            Component::Freelance => "freelance",
            Component::FurtherStudy => "further_study",
            Component::NotPlaced => "not_placed",
        }
    }
    pub fn zh(self) -> &'static str {
        match self {
            Component::Employed => "单位就业",
            Component::SelfEmployed => "自主创业",
            Component::Freelance => "自由职业",
            Component::FurtherStudy => "升学",
            Component::NotPlaced => "未落实",
        }
    }
}

/// The component a destination code belongs to (sub-codes follow their category).
pub fn component_of(code: &str) -> Component {
    match code.get(..2).unwrap_or("") {
        "10" | "11" | "12" | "27" | "46" | "50" | "51" => Component::Employed,
        "75" => Component::SelfEmployed,
        "76" => Component::Freelance,
        "80" | "85" => Component::FurtherStudy,
        _ => Component::NotPlaced,
    }
}

/// The province-level code (`XX0000`) of a region code typed by a person, or `None` when the
/// text is not a valid region code. Never slices bytes of unchecked text.
pub fn province_of(region: &str) -> Option<String> {
    crate::RegionCode::parse(region.trim()).ok().map(|c| c.province().as_str().to_owned())
}

/// Whether a code counts as placed.
pub fn is_placed(code: &str) -> bool {
    component_of(code) != Component::NotPlaced
}

/// Whether a graduate counts as placed: a reviewed record (approved or confirmed) whose code
/// counts as placed.
pub fn counts_placed(status: DestStatus, code: Option<&str>) -> bool {
    matches!(status, DestStatus::Approved | DestStatus::Confirmed) && code.is_some_and(is_placed)
}

/// Counts for one organisation and cohort. `graduates` is the denominator: every graduate of
/// the cohort, registered or not.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tally {
    pub graduates: i64,
    pub placed: i64,
    /// Counted records by destination code.
    pub by_code: BTreeMap<String, i64>,
    pub by_component: BTreeMap<Component, i64>,
}

impl Tally {
    /// How many are in each component, every component in [`Component::ALL`] order (0 where
    /// none).
    pub fn component_counts(&self) -> [(Component, i64); 5] {
        Component::ALL.map(|c| (c, *self.by_component.get(&c).unwrap_or(&0)))
    }

    /// Adds `n` graduates whose counted destination is `code` (`None`: nothing counted yet).
    pub fn add(&mut self, code: Option<&str>, n: i64) {
        self.graduates += n;
        let component = code.map(component_of).unwrap_or(Component::NotPlaced);
        if let Some(c) = code {
            *self.by_code.entry(c.to_owned()).or_insert(0) += n;
        }
        if component != Component::NotPlaced {
            self.placed += n;
        }
        *self.by_component.entry(component).or_insert(0) += n;
    }

    pub fn merge(&mut self, other: &Tally) {
        self.graduates += other.graduates;
        self.placed += other.placed;
        for (k, v) in &other.by_code {
            *self.by_code.entry(k.clone()).or_insert(0) += v;
        }
        for (k, v) in &other.by_component {
            *self.by_component.entry(*k).or_insert(0) += v;
        }
    }

    /// placed / graduates, in [0, 1]; 0 for an empty cohort.
    pub fn rate(&self) -> f64 {
        if self.graduates == 0 { 0.0 } else { self.placed as f64 / self.graduates as f64 }
    }

    pub fn component_rate(&self, c: Component) -> f64 {
        if self.graduates == 0 { 0.0 } else { *self.by_component.get(&c).unwrap_or(&0) as f64 / self.graduates as f64 }
    }
}

/// One group of graduates as the store counts them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CountRow {
    pub province_id: Uuid,
    pub university_id: Uuid,
    pub college_id: Uuid,
    pub programme_id: Uuid,
    /// The counted destination code (only approved or confirmed records), if any.
    pub code: Option<String>,
    pub count: i64,
}

/// Tallies for every node of a subtree, built from grouped counts in one pass. Each graduate is
/// counted once at each level, so every parent equals the sum of its children exactly.
#[derive(Clone, Debug, Default)]
pub struct Rollup {
    pub total: Tally,
    pub by_node: HashMap<Uuid, Tally>,
}

impl Rollup {
    pub fn build(rows: &[CountRow]) -> Rollup {
        let mut r = Rollup::default();
        for row in rows {
            let code = row.code.as_deref();
            r.total.add(code, row.count);
            for id in [row.province_id, row.university_id, row.college_id, row.programme_id] {
                r.by_node.entry(id).or_default().add(code, row.count);
            }
        }
        r
    }

    pub fn of(&self, id: Uuid) -> Tally {
        self.by_node.get(&id).cloned().unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(n: u128) -> Uuid {
        Uuid::from_u128(n)
    }

    #[test]
    fn components_follow_the_official_codes() {
        for placed in [
            "10", "11", "12", "27", "271", "46", "50", "502", "503", "51", "512", "519", "75", "76", "80", "801",
            "802", "85",
        ] {
            assert!(is_placed(placed), "{placed}");
        }
        for not in ["70", "71", "72", ""] {
            assert!(!is_placed(not), "{not}");
        }
        assert_eq!(component_of("503"), Component::Employed);
        assert_eq!(component_of("85"), Component::FurtherStudy);
        assert!(!DestStatus::Submitted.counts() && DestStatus::Approved.counts() && DestStatus::Confirmed.counts());
    }

    #[test]
    fn rollup_adds_up_exactly() {
        let row = |p: u128, u: u128, c: u128, g: u128, code: Option<&str>, n: i64| CountRow {
            province_id: id(p),
            university_id: id(u),
            college_id: id(c),
            programme_id: id(g),
            code: code.map(str::to_owned),
            count: n,
        };
        let rows = vec![
            row(1, 10, 100, 1000, Some("11"), 30),
            row(1, 10, 100, 1000, Some("70"), 5),
            row(1, 10, 100, 1000, None, 5),
            row(1, 10, 101, 1010, Some("801"), 10),
            row(1, 11, 110, 1100, Some("76"), 2),
            row(1, 11, 110, 1100, None, 8),
        ];
        let r = Rollup::build(&rows);
        assert_eq!(r.total.graduates, 60);
        assert_eq!(r.total.placed, 42);
        assert_eq!(r.of(id(10)).graduates + r.of(id(11)).graduates, r.of(id(1)).graduates);
        assert_eq!(r.of(id(100)).placed, 30);
        assert_eq!(r.of(id(10)).by_component[&Component::FurtherStudy], 10);
        assert_eq!(r.of(id(11)).by_component[&Component::Freelance], 2);
        assert!((r.of(id(11)).rate() - 0.2).abs() < 1e-12);
        let sum: i64 = r.total.by_component.values().sum();
        assert_eq!(sum, r.total.graduates, "components partition the cohort");
    }

    proptest::proptest! {
        #[test]
        fn rates_stay_in_unit_interval_and_parents_sum_children(
            counts in proptest::collection::vec((0u8..3, 0u8..4, 0usize..6, 0i64..50), 0..40)
        ) {
            let codes = [None, Some("10"), Some("70"), Some("801"), Some("76"), Some("72")];
            let rows: Vec<CountRow> = counts.iter().map(|(u, c, k, n)| CountRow {
                province_id: id(1),
                university_id: id(10 + u128::from(*u)),
                college_id: id(100 + u128::from(*u) * 10 + u128::from(*c)),
                programme_id: id(1000 + u128::from(*u) * 10 + u128::from(*c)),
                code: codes[*k].map(str::to_owned),
                count: *n,
            }).collect();
            let r = Rollup::build(&rows);
            proptest::prop_assert!((0.0..=1.0).contains(&r.total.rate()));
            let unis: i64 = (0..3).map(|u| r.of(id(10 + u)).graduates).sum();
            proptest::prop_assert_eq!(unis, r.total.graduates);
            let placed: i64 = (0..3).map(|u| r.of(id(10 + u)).placed).sum();
            proptest::prop_assert_eq!(placed, r.total.placed);
        }
    }
}

/// The document a graduate offers as evidence.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProofKind {
    /// 就业协议书.
    Agreement,
    /// 劳动合同.
    Contract,
    /// 录用函、接收函.
    Offer,
    /// 工资流水、社保缴纳记录.
    PayRecords,
    /// 入伍通知书.
    Enlistment,
    /// 基层项目录取、选调文件.
    ProjectLetter,
    /// 营业执照等创业证明.
    BusinessLicense,
    /// 本人签字的自由职业声明.
    Statement,
    /// 录取通知书、入学证明.
    Admission,
    /// 实习、见习证明 — never proof of employment.
    Internship,
    /// None needed (not placed).
    None,
}

impl ProofKind {
    pub const ALL: [ProofKind; 11] = [
        ProofKind::Agreement,
        ProofKind::Contract,
        ProofKind::Offer,
        ProofKind::PayRecords,
        ProofKind::Enlistment,
        ProofKind::ProjectLetter,
        ProofKind::BusinessLicense,
        ProofKind::Statement,
        ProofKind::Admission,
        ProofKind::Internship,
        ProofKind::None,
    ];
    pub fn id(self) -> &'static str {
        match self {
            ProofKind::Agreement => "agreement",
            ProofKind::Contract => "contract",
            ProofKind::Offer => "offer",
            ProofKind::PayRecords => "pay_records",
            ProofKind::Enlistment => "enlistment",
            ProofKind::ProjectLetter => "project_letter",
            ProofKind::BusinessLicense => "business_license",
            ProofKind::Statement => "statement",
            ProofKind::Admission => "admission",
            ProofKind::Internship => "internship",
            ProofKind::None => "none",
        }
    }
    pub fn from_id(s: &str) -> Option<ProofKind> {
        ProofKind::ALL.into_iter().find(|p| p.id() == s)
    }
    pub fn zh(self) -> &'static str {
        match self {
            ProofKind::Agreement => "就业协议书",
            ProofKind::Contract => "劳动合同",
            ProofKind::Offer => "录用函或接收函",
            ProofKind::PayRecords => "工资流水或社保缴纳记录",
            ProofKind::Enlistment => "入伍通知书",
            ProofKind::ProjectLetter => "基层项目或选调录取文件",
            ProofKind::BusinessLicense => "营业执照等创业证明",
            ProofKind::Statement => "本人签字的自由职业声明",
            ProofKind::Admission => "录取通知书或入学证明",
            ProofKind::Internship => "实习或见习证明",
            ProofKind::None => "无需证明",
        }
    }
    pub fn en(self) -> &'static str {
        match self {
            ProofKind::Agreement => "Employment agreement",
            ProofKind::Contract => "Labour contract",
            ProofKind::Offer => "Offer or acceptance letter",
            ProofKind::PayRecords => "Pay or social insurance records",
            ProofKind::Enlistment => "Enlistment notice",
            ProofKind::ProjectLetter => "Grassroots project or selection letter",
            ProofKind::BusinessLicense => "Business licence or other proof of a start-up",
            ProofKind::Statement => "Signed freelance statement",
            ProofKind::Admission => "Admission letter or proof of enrolment",
            ProofKind::Internship => "Internship or traineeship certificate",
            ProofKind::None => "No proof needed",
        }
    }
}

/// What a graduate (or staff on their behalf) registers.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Registration {
    pub code: String,
    pub employer_name: Option<String>,
    pub credit_code: Option<String>,
    /// 单位所在地 (for 76: where the graduate works).
    pub employer_region: Option<String>,
    pub employer_type: Option<String>,
    pub employer_industry: Option<String>,
    /// Monthly pay in yuan.
    pub monthly_pay: Option<i64>,
    pub proof_kind: Option<String>,
    /// 76: the graduate has signed the freelance statement.
    #[serde(default)]
    pub statement_signed: bool,
    pub note: Option<String>,
}

/// A rule a registration breaks, with the field and the explanation shown to the person.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Violation {
    pub field: &'static str,
    pub rule: &'static str,
    pub message: String,
}

/// What recording a destination asks for, by its code's category (502 follows 50).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Requirements {
    /// The evidence (证明材料) accepted; [`ProofKind::None`] alone when not placed.
    pub proofs: &'static [ProofKind],
    /// The employer's name (用人单位名称), asked by registration and by the roster import.
    pub employer_name: bool,
    /// The employer's unified social credit code (an agreement or a contract was signed).
    /// Registration asks for it; the roster import only checks it when given.
    pub credit_code: bool,
    /// Monthly pay and the place of work, the pay at or above that province's minimum wage.
    pub minimum_wage: bool,
    /// The graduate's own signed statement.
    pub signed_statement: bool,
    /// Approved by the college and then by the university; other codes by either.
    pub two_level_review: bool,
}

const NOT_PLACED: Requirements = Requirements {
    proofs: &[ProofKind::None],
    employer_name: false,
    credit_code: false,
    minimum_wage: false,
    signed_statement: false,
    two_level_review: false,
};

/// Each category's requirements; a category not listed (70, 71, 72: not placed) needs nothing.
pub const REQUIREMENTS: [(&str, Requirements); 11] = [
    // 签就业协议形式就业
    ("10", Requirements { proofs: &[ProofKind::Agreement], employer_name: true, credit_code: true, ..NOT_PLACED }),
    // 签劳动合同形式就业
    ("11", Requirements { proofs: &[ProofKind::Contract], employer_name: true, credit_code: true, ..NOT_PLACED }),
    // 其他录用形式就业
    (
        "12",
        Requirements {
            proofs: &[ProofKind::Offer, ProofKind::PayRecords],
            employer_name: true,
            minimum_wage: true,
            ..NOT_PLACED
        },
    ),
    // 科研助理、管理助理
    (
        "27",
        Requirements {
            proofs: &[ProofKind::Contract, ProofKind::Agreement, ProofKind::Offer],
            employer_name: true,
            minimum_wage: true,
            ..NOT_PLACED
        },
    ),
    // 应征义务兵
    ("46", Requirements { proofs: &[ProofKind::Enlistment], ..NOT_PLACED }),
    // 国家基层项目, 地方基层项目
    ("50", Requirements { proofs: &[ProofKind::ProjectLetter], ..NOT_PLACED }),
    ("51", Requirements { proofs: &[ProofKind::ProjectLetter], ..NOT_PLACED }),
    // 自主创业
    ("75", Requirements { proofs: &[ProofKind::BusinessLicense], ..NOT_PLACED }),
    // 自由职业
    (
        "76",
        Requirements {
            proofs: &[ProofKind::Statement],
            minimum_wage: true,
            signed_statement: true,
            two_level_review: true,
            ..NOT_PLACED
        },
    ),
    // 境内升学, 境外留学
    ("80", Requirements { proofs: &[ProofKind::Admission], ..NOT_PLACED }),
    ("85", Requirements { proofs: &[ProofKind::Admission], ..NOT_PLACED }),
];

/// What recording `code` asks for: the one table that registration and the roster import share.
pub fn requirements(code: &str) -> Requirements {
    let category = code.get(..2).unwrap_or("");
    REQUIREMENTS.iter().find(|(c, _)| *c == category).map(|(_, r)| *r).unwrap_or(NOT_PLACED)
}

/// The proofs accepted for a code's category.
pub fn accepted_proofs(code: &str) -> &'static [ProofKind] {
    requirements(code).proofs
}

/// Checks a registration against the destination rules. `min_wage` is the monthly minimum of
/// the province where the work is (`None` when the node has no figure for it).
pub fn check_registration(
    reg: &Registration,
    refdata: &crate::refdata::RefData,
    min_wage: impl Fn(&str) -> Option<i64>,
) -> Vec<Violation> {
    use crate::refdata::Catalogue;
    let mut v = Vec::new();
    let mut bad = |field: &'static str, rule: &'static str, message: String| v.push(Violation { field, rule, message });
    let code = reg.code.trim();
    if refdata.entry(Catalogue::Destinations, code).is_none() {
        bad("code", "unknown_code", format!("毕业去向代码“{code}”不在官方代码表中"));
        return v;
    }
    let needs = requirements(code);
    let proof = reg.proof_kind.as_deref().map(|p| ProofKind::from_id(p).ok_or(p));
    match proof {
        Some(Err(p)) => bad("proof_kind", "unknown_proof", format!("证明材料类型“{p}”无效")),
        Some(Ok(ProofKind::Internship)) if is_placed(code) => bad(
            "proof_kind",
            "internship_not_employment",
            "实习或见习证明不能作为就业证明（“四不准”）；请提供劳动合同、就业协议、录用函或工资流水等".into(),
        ),
        Some(Ok(p)) if !accepted_proofs(code).contains(&p) => bad(
            "proof_kind",
            "proof_does_not_fit",
            format!(
                "代码 {code} 需要的证明是：{}",
                accepted_proofs(code).iter().map(|k| k.zh()).collect::<Vec<_>>().join("或")
            ),
        ),
        None if is_placed(code) => bad(
            "proof_kind",
            "proof_required",
            format!(
                "请说明证明材料类型（{}）",
                accepted_proofs(code).iter().map(|k| k.zh()).collect::<Vec<_>>().join("或")
            ),
        ),
        _ => {}
    }
    let name = reg.employer_name.as_deref().map(str::trim).filter(|s| !s.is_empty());
    if needs.employer_name && name.is_none() {
        bad("employer_name", "employer_required", format!("代码 {code} 须填写用人单位名称"));
    }
    match reg.credit_code.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(c) => {
            if let Err(e) = crate::codes::CreditCode::parse(c) {
                bad("credit_code", "invalid_credit_code", e.reason);
            }
        }
        None if needs.credit_code => {
            bad("credit_code", "credit_code_required", "签订就业协议或劳动合同的，须填写单位统一社会信用代码".into())
        }
        None => {}
    }
    let region = reg.employer_region.as_deref().map(str::trim).filter(|s| !s.is_empty());
    if let Some(r) = region
        && refdata.region(r).is_none()
    {
        bad("employer_region", "invalid_region", format!("所在地代码 {r} 不在现行行政区划代码中"));
    }
    if needs.minimum_wage {
        match (reg.monthly_pay, region) {
            (None, _) => {
                bad("monthly_pay", "pay_required", format!("代码 {code} 须填写月收入，且不低于当地最低工资标准"))
            }
            (_, None) => bad(
                "employer_region",
                "region_required",
                format!("代码 {code} 须填写工作所在地，用于核对当地最低工资标准"),
            ),
            // Already reported above as `invalid_region`.
            (Some(_), Some(r)) if province_of(r).is_none() => {}
            (Some(pay), Some(r)) => {
                let province = province_of(r).unwrap_or_default();
                match min_wage(&province) {
                    Some(min) if pay < min => bad(
                        "monthly_pay",
                        "below_minimum_wage",
                        format!("月收入 {pay} 元低于工作所在省份的最低工资标准 {min} 元，不能登记为代码 {code}"),
                    ),
                    None => bad(
                        "employer_region",
                        "no_minimum_wage",
                        format!("本节点没有 {province} 的最低工资标准，请联系管理员补充后再登记"),
                    ),
                    _ => {}
                }
            }
        }
    }
    if needs.signed_statement && !reg.statement_signed {
        bad("statement_signed", "statement_required", "自由职业须由本人签署声明（并经院系和学校两级审核）".into());
    }
    if let Err(e) = crate::text::check_opt("备注", reg.note.as_deref(), crate::text::NOTE) {
        bad("note", "too_long", e.message());
    }
    v
}

/// Something a person does to a destination record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// Register or correct (graduate, or staff on the graduate's behalf).
    Register,
    /// College-level approval (院系).
    CollegeApprove,
    /// University-level approval (学校).
    UniversityApprove,
    /// Send back with a reason.
    Return,
    /// The graduate confirms the approved record.
    Confirm,
}

/// 四不准 (separation of duties): whoever registered or last corrected a record never reviews
/// it, and whoever approved it at college level does not approve it again at university level.
/// Returns why `reviewer` may not take `step` on the record, or `None` when they may.
pub fn review_conflict(
    reviewer: uuid::Uuid,
    registered_by: Option<uuid::Uuid>,
    college_reviewer: Option<uuid::Uuid>,
    step: Step,
) -> Option<&'static str> {
    if !matches!(step, Step::CollegeApprove | Step::UniversityApprove | Step::Return) {
        return None;
    }
    if registered_by == Some(reviewer) {
        return Some("登记或最后修改这条记录的人不能审核它（四不准：审核与登记须由不同的人完成）");
    }
    if step == Step::UniversityApprove && college_reviewer == Some(reviewer) {
        return Some("院系审核人不能再做学校审核（两级审核须由不同的人完成）");
    }
    None
}

/// The next status, or why the step is not possible now. 76 自由职业 needs the college and then
/// the university; other codes are approved by either.
pub fn next_status(current: DestStatus, step: Step, code: &str) -> Result<DestStatus, &'static str> {
    use DestStatus::*;
    let two_levels = requirements(code).two_level_review;
    match (step, current) {
        (Step::Register, _) => Ok(Submitted),
        (Step::CollegeApprove, Submitted) if two_levels => Ok(CollegeApproved),
        (Step::CollegeApprove, Submitted) => Ok(Approved),
        (Step::UniversityApprove, CollegeApproved) => Ok(Approved),
        (Step::UniversityApprove, Submitted) if two_levels => Err("自由职业须先经院系审核，再由学校审核"),
        (Step::UniversityApprove, Submitted) => Ok(Approved),
        (Step::Return, Submitted | CollegeApproved) => Ok(Returned),
        (Step::Confirm, Approved) => Ok(Confirmed),
        (Step::Confirm, _) => Err("只有审核通过的登记才能确认"),
        (Step::CollegeApprove | Step::UniversityApprove | Step::Return, _) => Err("该登记当前不在待审核状态"),
    }
}

/// The last day a cohort's (届) destination records may be registered or corrected: the day its
/// university set (YYYY-MM-DD), or else 31 August of the cohort year.
pub fn closes_on(cohort: i32, set_by_university: Option<&str>) -> NaiveDate {
    let default = NaiveDate::from_ymd_opt(cohort, 8, 31).unwrap_or(NaiveDate::MIN);
    set_by_university.and_then(|s| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()).unwrap_or(default)
}

/// Whether records closing on `closes_on` may still change on `today` (the last day included).
pub fn open_for_changes(closes_on: NaiveDate, today: NaiveDate) -> bool {
    today <= closes_on
}

#[cfg(test)]
mod rule_tests {
    use super::*;
    use crate::refdata::RefData;

    fn wage(p: &str) -> Option<i64> {
        (p == "510000").then_some(2100)
    }

    fn reg(code: &str) -> Registration {
        Registration { code: code.into(), ..Registration::default() }
    }

    fn rules(v: &[Violation]) -> Vec<&'static str> {
        v.iter().map(|x| x.rule).collect()
    }

    #[test]
    fn pay_below_minimum_wage_is_refused_for_12_27_76() {
        let rd = RefData::load().unwrap();
        for code in ["12", "271", "76"] {
            let mut r = reg(code);
            r.employer_name = Some("某公司".into());
            r.employer_region = Some("510104".into());
            r.monthly_pay = Some(1800);
            r.proof_kind = Some(accepted_proofs(code)[0].id().into());
            r.statement_signed = true;
            let v = check_registration(&r, &rd, wage);
            assert!(rules(&v).contains(&"below_minimum_wage"), "{code}: {v:?}");
            assert!(v.iter().any(|x| x.message.contains("2100")));
            r.monthly_pay = Some(4500);
            assert!(check_registration(&r, &rd, wage).is_empty(), "{code}");
        }
    }

    #[test]
    fn the_registrar_never_reviews_their_own_record() {
        let (a, b, c) = (uuid::Uuid::from_u128(1), uuid::Uuid::from_u128(2), uuid::Uuid::from_u128(3));
        assert!(review_conflict(a, Some(a), None, Step::CollegeApprove).is_some());
        assert!(review_conflict(a, Some(a), None, Step::UniversityApprove).is_some());
        assert!(review_conflict(a, Some(a), None, Step::Return).is_some());
        assert!(review_conflict(b, Some(a), None, Step::CollegeApprove).is_none());
        assert!(review_conflict(b, Some(a), Some(b), Step::UniversityApprove).is_some());
        assert!(review_conflict(c, Some(a), Some(b), Step::UniversityApprove).is_none());
        assert!(review_conflict(a, Some(a), None, Step::Confirm).is_none(), "the graduate confirms their own record");
    }

    #[test]
    fn region_text_is_never_sliced_by_bytes() {
        assert_eq!(province_of("510104").as_deref(), Some("510000"));
        assert_eq!(province_of("中国"), None);
        assert_eq!(province_of("5"), None);
        assert_eq!(province_of("é1"), None);
    }

    #[test]
    fn internship_proof_is_never_employment() {
        let rd = RefData::load().unwrap();
        let mut r = reg("12");
        r.employer_name = Some("某公司".into());
        r.employer_region = Some("510104".into());
        r.monthly_pay = Some(5000);
        r.proof_kind = Some("internship".into());
        assert_eq!(rules(&check_registration(&r, &rd, wage)), ["internship_not_employment"]);
    }

    #[test]
    fn freelance_needs_a_statement_and_two_approvals() {
        let rd = RefData::load().unwrap();
        let mut r = reg("76");
        r.employer_region = Some("510104".into());
        r.monthly_pay = Some(5000);
        r.proof_kind = Some("statement".into());
        assert_eq!(rules(&check_registration(&r, &rd, wage)), ["statement_required"]);
        assert_eq!(next_status(DestStatus::Submitted, Step::CollegeApprove, "76"), Ok(DestStatus::CollegeApproved));
        assert!(next_status(DestStatus::Submitted, Step::UniversityApprove, "76").is_err());
        assert_eq!(next_status(DestStatus::CollegeApproved, Step::UniversityApprove, "76"), Ok(DestStatus::Approved));
        assert_eq!(next_status(DestStatus::Submitted, Step::CollegeApprove, "11"), Ok(DestStatus::Approved));
        assert_eq!(next_status(DestStatus::Approved, Step::Confirm, "11"), Ok(DestStatus::Confirmed));
        assert!(next_status(DestStatus::Submitted, Step::Confirm, "11").is_err());
    }

    #[test]
    fn contracts_need_the_employer_and_its_code() {
        let rd = RefData::load().unwrap();
        let mut r = reg("11");
        r.proof_kind = Some("contract".into());
        assert_eq!(rules(&check_registration(&r, &rd, wage)), ["employer_required", "credit_code_required"]);
        r.employer_name = Some("某公司".into());
        r.credit_code = Some("91350100M000100Y44".into());
        assert_eq!(rules(&check_registration(&r, &rd, wage)), ["invalid_credit_code"]);
        assert_eq!(rules(&check_registration(&reg("99"), &rd, wage)), ["unknown_code"]);
        assert!(check_registration(&reg("70"), &rd, wage).is_empty(), "not placed needs nothing");
    }

    #[test]
    fn each_category_has_its_requirements() {
        let of = |code: &str| requirements(code);
        for code in ["10", "11"] {
            let r = of(code);
            assert!(r.employer_name && r.credit_code && !r.minimum_wage, "{code}: {r:?}");
        }
        assert_eq!(of("10").proofs, [ProofKind::Agreement]);
        assert_eq!(of("11").proofs, [ProofKind::Contract]);
        let hired = of("12");
        assert!(hired.employer_name && !hired.credit_code && hired.minimum_wage);
        assert_eq!(hired.proofs, [ProofKind::Offer, ProofKind::PayRecords], "a proof of hire or pay records");
        let assistant = of("27");
        assert_eq!(of("271"), assistant, "sub-codes follow their category");
        assert!(assistant.employer_name && !assistant.credit_code && assistant.minimum_wage);
        let freelance = of("76");
        assert!(!freelance.employer_name && freelance.minimum_wage && freelance.signed_statement);
        assert!(freelance.two_level_review && freelance.proofs == [ProofKind::Statement]);
        assert_eq!(of("46").proofs, [ProofKind::Enlistment]);
        for code in ["50", "502", "503", "51", "512", "519"] {
            assert_eq!(of(code).proofs, [ProofKind::ProjectLetter], "{code}");
        }
        assert_eq!(of("75").proofs, [ProofKind::BusinessLicense]);
        for code in ["80", "801", "802", "85"] {
            assert_eq!(of(code).proofs, [ProofKind::Admission], "{code}");
        }
        for code in ["46", "50", "51", "75", "80", "85"] {
            let r = of(code);
            assert!(!r.employer_name && !r.credit_code && !r.minimum_wage && !r.signed_statement, "{code}");
        }
        for code in ["70", "71", "72", "", "7", "99"] {
            assert_eq!(of(code), NOT_PLACED, "{code}");
        }
        for code in ["10", "11", "12", "27", "46", "50", "51", "75", "80", "85"] {
            assert!(!of(code).two_level_review, "{code}: either level approves");
        }
    }

    #[test]
    fn the_table_covers_every_placed_category_and_no_other() {
        let rd = RefData::load().unwrap();
        for e in rd.entries_of(crate::Catalogue::Destinations) {
            let r = requirements(&e.code);
            let placed = e.attrs["counts_as_placed"] == "Y";
            assert_eq!(r.proofs != [ProofKind::None], placed, "{}: evidence exactly for placed codes", e.code);
            assert_eq!(is_placed(&e.code), placed, "{}", e.code);
            assert!(!r.proofs.contains(&ProofKind::Internship), "{}: internship proof is never employment", e.code);
            assert_eq!(accepted_proofs(&e.code), r.proofs);
        }
    }

    #[test]
    fn registration_asks_what_the_table_says() {
        let rd = RefData::load().unwrap();
        for e in rd.entries_of(crate::Catalogue::Destinations) {
            let needs = requirements(&e.code);
            let asked = rules(&check_registration(&reg(&e.code), &rd, wage));
            assert_eq!(asked.contains(&"employer_required"), needs.employer_name, "{}", e.code);
            assert_eq!(asked.contains(&"credit_code_required"), needs.credit_code, "{}", e.code);
            assert_eq!(asked.contains(&"pay_required"), needs.minimum_wage, "{}", e.code);
            assert_eq!(asked.contains(&"statement_required"), needs.signed_statement, "{}", e.code);
            assert_eq!(asked.contains(&"proof_required"), is_placed(&e.code), "{}", e.code);
            let review = next_status(DestStatus::Submitted, Step::CollegeApprove, &e.code);
            let expected = if needs.two_level_review { DestStatus::CollegeApproved } else { DestStatus::Approved };
            assert_eq!(review, Ok(expected), "{}", e.code);
        }
    }

    #[test]
    fn a_cohort_closes_on_31_august_unless_its_university_says_otherwise() {
        let day = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        assert_eq!(closes_on(2024, None), day("2024-08-31"));
        assert_eq!(closes_on(2024, Some("2024-12-31")), day("2024-12-31"));
        assert_eq!(closes_on(2024, Some("soon")), day("2024-08-31"), "an unreadable date falls back");
        assert!(open_for_changes(day("2024-08-31"), day("2024-08-31")), "open on the last day");
        assert!(!open_for_changes(day("2024-08-31"), day("2024-09-01")));
        assert!(open_for_changes(day("2024-08-31"), day("2024-01-15")));
    }
}
