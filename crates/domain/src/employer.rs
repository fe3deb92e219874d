//! Employers (用人单位): size classes by the SME classification standard, verification states.
//! The thresholds are data (`data/policy/sme_thresholds.csv`); this module only reads them.

use serde::{Deserialize, Serialize};

/// Enterprise size class.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SizeClass {
    Large,
    Medium,
    Small,
    Micro,
}

impl SizeClass {
    pub fn id(self) -> &'static str {
        match self {
            SizeClass::Large => "large",
            SizeClass::Medium => "medium",
            SizeClass::Small => "small",
            SizeClass::Micro => "micro",
        }
    }
    pub fn from_id(s: &str) -> Option<SizeClass> {
        [SizeClass::Large, SizeClass::Medium, SizeClass::Small, SizeClass::Micro].into_iter().find(|c| c.id() == s)
    }
    pub fn zh(self) -> &'static str {
        match self {
            SizeClass::Large => "大型",
            SizeClass::Medium => "中型",
            SizeClass::Small => "小型",
            SizeClass::Micro => "微型",
        }
    }
    /// Small, medium and micro enterprises (中小微企业), eligible for SME campaigns.
    pub fn is_sme(self) -> bool {
        self != SizeClass::Large
    }
}

/// One row of the thresholds table. `None` means the criterion does not apply.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Thresholds {
    pub category: String,
    pub name: String,
    pub large: (Option<i64>, Option<i64>),
    pub medium: (Option<i64>, Option<i64>),
    pub small: (Option<i64>, Option<i64>),
}

/// The shipped thresholds.
pub fn thresholds() -> Vec<Thresholds> {
    let text = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/policy/sme_thresholds.csv"));
    let num = |s: &str| s.trim().parse::<i64>().ok();
    text.lines()
        .skip(1)
        .filter_map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            (f.len() == 8).then(|| Thresholds {
                category: f[0].to_owned(),
                name: f[1].to_owned(),
                large: (num(f[2]), num(f[3])),
                medium: (num(f[4]), num(f[5])),
                small: (num(f[6]), num(f[7])),
            })
        })
        .collect()
}

/// The threshold category of a GB/T 4754 industry code (section letter or 2–4 digit code).
pub fn category_of(industry: &str, section: &str) -> &'static str {
    let division: u32 = industry.get(..2).and_then(|d| d.parse().ok()).unwrap_or(0);
    match section {
        "A" => "farming",
        "B" | "C" | "D" => "industry",
        "E" => "construction",
        "F" if division == 51 => "wholesale",
        "F" => "retail",
        "G" if division == 59 => "warehousing",
        "G" if division == 60 => "postal",
        "G" => "transport",
        "H" if division == 61 => "accommodation",
        "H" => "catering",
        "I" if division == 65 => "software",
        "I" => "telecom",
        "K" if industry.starts_with("702") => "property",
        "K" => "real_estate",
        "L" => "leasing",
        _ => "other",
    }
}

/// The size class for `employees` (persons) and `revenue_wan` (营业收入, 万元). A criterion with
/// no figure given is not met, so missing data never makes an employer look larger than it is.
pub fn size_class(t: &Thresholds, employees: Option<i64>, revenue_wan: Option<i64>) -> SizeClass {
    let reaches = |(e, r): (Option<i64>, Option<i64>)| {
        let e_ok = e.is_none_or(|min| employees.is_some_and(|x| x >= min));
        let r_ok = r.is_none_or(|min| revenue_wan.is_some_and(|x| x >= min));
        (e.is_some() || r.is_some()) && e_ok && r_ok
    };
    if reaches(t.large) {
        SizeClass::Large
    } else if reaches(t.medium) {
        SizeClass::Medium
    } else if reaches(t.small) {
        SizeClass::Small
    } else {
        SizeClass::Micro
    }
}

/// Where an employer stands with the platform.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verification {
    Unverified,
    Verified,
    Blacklisted,
}

impl Verification {
    pub fn id(self) -> &'static str {
        match self {
            Verification::Unverified => "unverified",
            Verification::Verified => "verified",
            Verification::Blacklisted => "blacklisted",
        }
    }
    pub fn from_id(s: &str) -> Option<Verification> {
        [Verification::Unverified, Verification::Verified, Verification::Blacklisted].into_iter().find(|v| v.id() == s)
    }
    /// Whether an employer in this state may still read what graduates gave it (applicants,
    /// résumés, messages, the talent list) and write to them. A blacklisted employer may not:
    /// a confirmed scam keeps nothing of its victims.
    pub fn reaches_graduates(self) -> bool {
        self != Verification::Blacklisted
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(cat: &str) -> Thresholds {
        thresholds().into_iter().find(|t| t.category == cat).unwrap()
    }

    #[test]
    fn verification_states_are_stored_by_their_ids() {
        let all = [Verification::Unverified, Verification::Verified, Verification::Blacklisted];
        for v in all {
            assert_eq!(Verification::from_id(v.id()), Some(v));
        }
        assert_eq!(all.map(Verification::id), ["unverified", "verified", "blacklisted"]);
        for bad in ["", "Verified", "pending"] {
            assert_eq!(Verification::from_id(bad), None, "{bad:?}");
        }
        assert!(Verification::Verified.reaches_graduates());
        assert!(!Verification::Blacklisted.reaches_graduates());
    }

    #[test]
    fn industry_sizes_follow_both_criteria() {
        let i = t("industry");
        assert_eq!(size_class(&i, Some(1200), Some(50_000)), SizeClass::Large);
        assert_eq!(size_class(&i, Some(1200), Some(30_000)), SizeClass::Medium, "both large criteria are needed");
        assert_eq!(size_class(&i, Some(350), Some(2500)), SizeClass::Medium);
        assert_eq!(size_class(&i, Some(50), Some(500)), SizeClass::Small);
        assert_eq!(size_class(&i, Some(15), Some(5000)), SizeClass::Micro);
        assert_eq!(size_class(&i, None, None), SizeClass::Micro);
        let s = t("software");
        assert_eq!(size_class(&s, Some(120), Some(1500)), SizeClass::Medium);
        let f = t("farming");
        assert_eq!(size_class(&f, None, Some(600)), SizeClass::Medium, "farming is classed by revenue alone");
    }

    #[test]
    fn a_blacklisted_employer_reaches_no_graduate() {
        assert!(Verification::Verified.reaches_graduates());
        assert!(Verification::Unverified.reaches_graduates());
        assert!(!Verification::Blacklisted.reaches_graduates());
    }

    #[test]
    fn every_industry_section_has_a_category_with_thresholds() {
        let cats: Vec<String> = thresholds().into_iter().map(|t| t.category).collect();
        assert_eq!(cats.len(), 16);
        for (code, section) in [
            ("0111", "A"),
            ("1311", "C"),
            ("4700", "E"),
            ("5110", "F"),
            ("5211", "F"),
            ("5310", "G"),
            ("5910", "G"),
            ("6010", "G"),
            ("6110", "H"),
            ("6210", "H"),
            ("6311", "I"),
            ("6510", "I"),
            ("7010", "K"),
            ("7020", "K"),
            ("7111", "L"),
            ("8310", "P"),
        ] {
            assert!(cats.contains(&category_of(code, section).to_owned()), "{code}");
        }
        assert_eq!(category_of("6510", "I"), "software");
        assert_eq!(category_of("5110", "F"), "wholesale");
    }
}
