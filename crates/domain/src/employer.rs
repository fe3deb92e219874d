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

/// An employer's entry as typed.
#[derive(Clone, Copy, Debug, Default)]
pub struct EntryFields<'a> {
    pub credit_code: &'a str,
    pub name: &'a str,
    /// 单位性质 code; `39` (other enterprises) when not given.
    pub employer_type: Option<&'a str>,
    /// GB/T 4754-2017 code at any level.
    pub industry_code: &'a str,
    /// GB/T 2260 code.
    pub region_code: &'a str,
    pub employees: Option<i64>,
    /// Annual revenue, 10,000 yuan.
    pub revenue_wan: Option<i64>,
}

/// An entry that passed the checks: normalised, with its size class when the figures allow one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckedEntry {
    pub credit_code: String,
    pub name: String,
    pub employer_type: String,
    pub industry_code: String,
    pub region_code: String,
    pub size_class: Option<String>,
}

/// Why an entry is refused: a stable code and a sentence.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EntryProblem {
    pub code: crate::ErrorCode,
    pub message: String,
}

/// The section letter of an industry code, walking up the shipped catalogue.
fn section_of(rd: &crate::RefData, code: &str) -> Option<String> {
    let mut cur = rd.entry(crate::Catalogue::Industries, code)?;
    while let Some(p) = cur.parent_code.as_deref() {
        cur = rd.entry(crate::Catalogue::Industries, p)?;
    }
    Some(cur.code.clone())
}

/// Checks an employer's entry against the code lists (credit code, name of 1–100 characters,
/// type, industry, region, plausible figures) and computes its size class (大中小微) from the
/// thresholds of its industry.
pub fn check_entry(rd: &crate::RefData, f: &EntryFields<'_>) -> Result<CheckedEntry, EntryProblem> {
    use crate::ErrorCode;
    let problem = |code: ErrorCode, message: String| EntryProblem { code, message };
    let credit = crate::CreditCode::parse(f.credit_code).map_err(|e| {
        problem(ErrorCode::InvalidCreditCode, format!("统一社会信用代码“{}”无效：{}", f.credit_code.trim(), e.reason))
    })?;
    let name = f.name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(problem(ErrorCode::InvalidName, "单位名称不能为空，且不超过 100 个字符".into()));
    }
    let employer_type = f.employer_type.unwrap_or("39").to_owned();
    if rd.entry(crate::Catalogue::EmployerTypes, &employer_type).is_none() {
        return Err(problem(ErrorCode::InvalidEmployerType, format!("单位性质代码 {employer_type} 无效")));
    }
    let industry = f.industry_code.trim().to_ascii_uppercase();
    let section = section_of(rd, &industry)
        .ok_or_else(|| problem(ErrorCode::InvalidIndustry, format!("行业代码 {industry} 不在 GB/T 4754-2017 中")))?;
    let region = f.region_code.trim();
    if rd.region(region).is_none() {
        return Err(problem(ErrorCode::InvalidRegion, format!("所在地代码 {region} 不在现行行政区划代码中")));
    }
    for (v, what) in [(f.employees, "从业人员"), (f.revenue_wan, "营业收入")] {
        if v.is_some_and(|x| !(0..=100_000_000).contains(&x)) {
            return Err(problem(ErrorCode::InvalidSize, format!("{what}数字不合理")));
        }
    }
    let category = category_of(&industry, &section);
    let size_class = thresholds()
        .iter()
        .find(|t| t.category == category)
        .filter(|_| f.employees.is_some() || f.revenue_wan.is_some())
        .map(|t| size_class(t, f.employees, f.revenue_wan).id().to_owned());
    Ok(CheckedEntry {
        credit_code: credit.to_string(),
        name: name.to_owned(),
        employer_type,
        industry_code: industry,
        region_code: region.to_owned(),
        size_class,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_entry_is_checked_against_the_code_lists_and_sized() {
        let rd = crate::RefData::load().unwrap();
        let ok = EntryFields {
            credit_code: "91350100m000100y43",
            name: "  福州某某有限公司 ",
            industry_code: "6513",
            region_code: "350102",
            employees: Some(120),
            revenue_wan: Some(3_000),
            ..EntryFields::default()
        };
        let e = check_entry(&rd, &ok).unwrap();
        assert_eq!(
            (e.credit_code.as_str(), e.name.as_str(), e.employer_type.as_str()),
            ("91350100M000100Y43", "福州某某有限公司", "39")
        );
        assert!(e.size_class.is_some(), "figures give a size class");
        assert_eq!(
            check_entry(&rd, &EntryFields { employees: None, revenue_wan: None, ..ok }).unwrap().size_class,
            None
        );
        let code = |f: EntryFields<'_>| check_entry(&rd, &f).unwrap_err().code;
        assert_eq!(code(EntryFields { credit_code: "9135", ..ok }), crate::ErrorCode::InvalidCreditCode);
        assert_eq!(code(EntryFields { name: " ", ..ok }), crate::ErrorCode::InvalidName);
        assert_eq!(code(EntryFields { employer_type: Some("00"), ..ok }), crate::ErrorCode::InvalidEmployerType);
        assert_eq!(code(EntryFields { industry_code: "9999", ..ok }), crate::ErrorCode::InvalidIndustry);
        assert_eq!(code(EntryFields { region_code: "999999", ..ok }), crate::ErrorCode::InvalidRegion);
        assert_eq!(code(EntryFields { employees: Some(-1), ..ok }), crate::ErrorCode::InvalidSize);
    }

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
