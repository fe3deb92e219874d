//! Graduate destinations (毕业去向) and the placement rate (毕业去向落实率).
//!
//! The rate follows the official definition: graduates whose destination code counts as placed
//! (10, 11, 12, 27, 46, 50, 51, 75, 76, 80, 85 and their sub-codes) over *all* graduates of the
//! cohort, split into the 2024 components 单位就业 / 自主创业 / 自由职业 / 升学. Only records that
//! have been approved (or confirmed by the graduate, or loaded as final) count; a registration
//! still under review does not. Plain values and arithmetic; no I/O.

use std::collections::{BTreeMap, HashMap};

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

/// Whether a code counts as placed.
pub fn is_placed(code: &str) -> bool {
    component_of(code) != Component::NotPlaced
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
