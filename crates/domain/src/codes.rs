//! Official codes as types that can only hold well-formed values ("parse, don't validate").
//!
//! Each newtype checks the *shape* of a code (length, alphabet, check characters). Whether a
//! well-formed code is also present in the shipped catalogue is a question for
//! [`crate::refdata::RefData`]. This module never does I/O.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::CodeError;

/// Two-digit prefixes of the 34 province-level divisions in GB/T 2260.
pub const PROVINCE_PREFIXES: [&str; 34] = [
    "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37", "41", "42", "43", "44",
    "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65", "71", "81", "82",
];

/// The twelve provinces of the western-region programme (西部地区).
pub const WESTERN_PROVINCES: [&str; 12] = [
    "150000", "450000", "500000", "510000", "520000", "530000", "540000", "610000", "620000", "630000", "640000",
    "650000",
];

fn all_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

macro_rules! string_code {
    ($(#[$doc:meta])* $name:ident, $kind:literal, $check:expr) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            /// Parses a code, trimming surrounding whitespace.
            pub fn parse(raw: &str) -> Result<Self, CodeError> {
                // Letters in codes are upper case; accept what people type.
                let upper = raw.trim().to_ascii_uppercase();
                let s = upper.as_str();
                let check: fn(&str) -> Result<(), String> = $check;
                match check(s) {
                    Ok(()) => Ok(Self(s.to_owned())),
                    Err(reason) => Err(CodeError { kind: $kind, value: s.to_owned(), reason }),
                }
            }
            /// The code as written.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
        impl FromStr for $name {
            type Err = CodeError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::parse(s)
            }
        }
        impl TryFrom<String> for $name {
            type Error = CodeError;
            fn try_from(s: String) -> Result<Self, Self::Error> {
                Self::parse(&s)
            }
        }
        impl From<$name> for String {
            fn from(c: $name) -> String {
                c.0
            }
        }
        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }
    };
}

string_code!(
    /// A GB/T 2260 administrative division code (行政区划代码): six digits, province prefix first.
    RegionCode,
    "region_code",
    |s| {
        if s.len() != 6 || !all_digits(s) {
            return Err("行政区划代码应为 6 位数字".into());
        }
        if !PROVINCE_PREFIXES.contains(&&s[..2]) {
            return Err(format!("前两位 {} 不是省级行政区代码", &s[..2]));
        }
        Ok(())
    }
);

impl RegionCode {
    /// The province-level code this division belongs to (e.g. 510104 → 510000).
    pub fn province(&self) -> RegionCode {
        RegionCode(format!("{}0000", &self.0[..2]))
    }
    /// True for a province-level code (XX0000).
    pub fn is_province(&self) -> bool {
        self.0.ends_with("0000")
    }
    /// True for a prefecture-level code (XXXX00 but not XX0000).
    pub fn is_prefecture(&self) -> bool {
        self.0.ends_with("00") && !self.is_province()
    }
}

string_code!(
    /// A university identification code (学校标识码): ten digits, the 3rd and 4th the province.
    SchoolCode,
    "school_code",
    |s| {
        if s.len() != 10 || !all_digits(s) {
            return Err("学校标识码应为 10 位数字".into());
        }
        if !PROVINCE_PREFIXES.contains(&&s[2..4]) {
            return Err(format!("第 3–4 位 {} 不是省级行政区代码", &s[2..4]));
        }
        Ok(())
    }
);

string_code!(
    /// A major code (专业代码) from the undergraduate (2024) or vocational (2021) catalogue:
    /// six digits (seven for a few undergraduate language majors), optionally suffixed
    /// `T` (特设), `K` (国家控制布点) or `TK`.
    MajorCode,
    "major_code",
    |s| {
        let digits = s.trim_end_matches(['T', 'K']);
        let suffix = &s[digits.len()..];
        if !(digits.len() == 6 || digits.len() == 7) || !all_digits(digits) {
            return Err("专业代码应为 6 位数字（少数为 7 位），可带 T/K 后缀".into());
        }
        if !matches!(suffix, "" | "T" | "K" | "TK") {
            return Err(format!("后缀 {suffix} 无效，只能是 T、K 或 TK"));
        }
        Ok(())
    }
);

string_code!(
    /// A graduate destination code (毕业去向代码): two digits for a category, three for a
    /// sub-category whose first two digits are its parent.
    DestinationCode,
    "destination_code",
    |s| {
        if !(s.len() == 2 || s.len() == 3) || !all_digits(s) {
            return Err("毕业去向代码应为 2 位（类别）或 3 位（子类）数字".into());
        }
        Ok(())
    }
);

impl DestinationCode {
    /// The two-digit category of this code (e.g. 502 → 50).
    pub fn category(&self) -> &str {
        &self.0[..2]
    }
}

string_code!(
    /// A GB/T 4754-2017 industry code: a section letter A–T, or a 2/3/4-digit division, group
    /// or class code.
    IndustryCode,
    "industry_code",
    |s| {
        let ok = match s.len() {
            1 => matches!(s.as_bytes()[0], b'A'..=b'T'),
            2..=4 => all_digits(s),
            _ => false,
        };
        if ok {
            Ok(())
        } else {
            Err("行业代码应为门类字母 A–T，或 2–4 位数字".into())
        }
    }
);

string_code!(
    /// A unified social credit code (统一社会信用代码, GB 32100-2015), fully checked: alphabet,
    /// registration authority and category, the region, the embedded GB 11714 organisation code
    /// check digit, and the final check character.
    CreditCode,
    "credit_code",
    |s| credit::check(s)
);

/// GB 32100-2015 and GB 11714-1997 arithmetic.
pub mod credit {
    /// The 31 characters a credit code may use, in value order (no I, O, S, V, Z).
    pub const ALPHABET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
    const WEIGHTS: [u32; 17] = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
    const ORG_WEIGHTS: [u32; 8] = [3, 7, 9, 10, 5, 8, 4, 2];

    /// Value of one character in the credit-code alphabet.
    pub fn value(c: u8) -> Option<u32> {
        ALPHABET.iter().position(|&a| a == c).map(|p| p as u32)
    }

    /// Value of one character of a GB 11714 organisation code (digits and A–Z as 10–35).
    fn org_value(c: u8) -> Option<u32> {
        match c {
            b'0'..=b'9' => Some(u32::from(c - b'0')),
            b'A'..=b'Z' => Some(u32::from(c - b'A') + 10),
            _ => None,
        }
    }

    /// The check character (18th) for the first 17 characters.
    pub fn check_char(first17: &[u8]) -> Option<u8> {
        if first17.len() != 17 {
            return None;
        }
        let mut sum = 0;
        for (c, w) in first17.iter().zip(WEIGHTS) {
            sum += value(*c)? * w;
        }
        Some(ALPHABET[((31 - sum % 31) % 31) as usize])
    }

    /// The GB 11714 check character (9th) for the first 8 characters of an organisation code.
    pub fn org_check_char(first8: &[u8]) -> Option<u8> {
        if first8.len() != 8 {
            return None;
        }
        let mut sum = 0;
        for (c, w) in first8.iter().zip(ORG_WEIGHTS) {
            sum += org_value(*c)? * w;
        }
        Some(match (11 - sum % 11) % 11 {
            10 => b'X',
            n => b'0' + n as u8,
        })
    }

    /// Full check of a credit code; the error is a Chinese sentence for the user.
    pub fn check(s: &str) -> Result<(), String> {
        let b = s.as_bytes();
        if b.len() != 18 {
            return Err(format!("统一社会信用代码应为 18 位，实际 {} 位", s.chars().count()));
        }
        if let Some(pos) = b.iter().position(|c| value(*c).is_none()) {
            return Err(format!("第 {} 位字符不在允许范围内（数字及除 I、O、S、V、Z 外的大写字母）", pos + 1));
        }
        if !matches!(b[0], b'1'..=b'9' | b'A' | b'N' | b'Y') {
            return Err("第 1 位（登记管理部门代码）无效".into());
        }
        if !b[2..8].iter().all(u8::is_ascii_digit) {
            return Err("第 3–8 位（登记管理机关行政区划码）应为数字".into());
        }
        match org_check_char(&b[8..16]) {
            Some(c) if c == b[16] => {}
            _ => return Err("第 9–17 位（组织机构代码）校验位不正确".into()),
        }
        match check_char(&b[..17]) {
            Some(c) if c == b[17] => Ok(()),
            _ => Err("第 18 位校验码不正确".into()),
        }
    }
}

/// The code of a node in the organisation tree (组织机构编码).
///
/// - `CN` — the nation (教育部);
/// - a province-level GB/T 2260 code such as `510000`;
/// - a 10-digit school code such as `4151010610`;
/// - a college: school code, `-`, two digits (`4151010610-03`);
/// - a major programme: college code, `-`, major code (`4151010610-03-080901`);
/// - an alliance: `AL` and four to eight digits (`AL0001`).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct OrgCode(String);

/// What kind of node an [`OrgCode`] names, read from its shape.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OrgCodeShape {
    Nation,
    Province,
    University,
    College,
    Programme,
    Alliance,
}

impl OrgCode {
    pub const NATION: &'static str = "CN";

    pub fn parse(raw: &str) -> Result<Self, CodeError> {
        let s = raw.trim();
        let err = |reason: &str| CodeError { kind: "org_code", value: s.to_owned(), reason: reason.to_owned() };
        if s == Self::NATION {
            return Ok(Self(s.to_owned()));
        }
        if let Some(rest) = s.strip_prefix("AL") {
            if (4..=8).contains(&rest.len()) && all_digits(rest) {
                return Ok(Self(s.to_owned()));
            }
            return Err(err("联盟编码应为 AL 加 4–8 位数字"));
        }
        let parts: Vec<&str> = s.split('-').collect();
        match parts.as_slice() {
            [one] if one.len() == 6 => {
                let r = RegionCode::parse(one).map_err(|e| err(&e.reason))?;
                if r.is_province() {
                    Ok(Self(s.to_owned()))
                } else {
                    Err(err("组织树中的地区节点只能是省级代码（后四位为 0000）"))
                }
            }
            [one] => {
                SchoolCode::parse(one).map_err(|e| err(&e.reason))?;
                Ok(Self(s.to_owned()))
            }
            [school, college] | [school, college, _] => {
                SchoolCode::parse(school).map_err(|e| err(&e.reason))?;
                if college.len() != 2 || !all_digits(college) {
                    return Err(err("院系编号应为 2 位数字"));
                }
                if let [_, _, major] = parts.as_slice() {
                    MajorCode::parse(major).map_err(|e| err(&e.reason))?;
                }
                Ok(Self(s.to_owned()))
            }
            _ => Err(err("无法识别的组织编码格式")),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn shape(&self) -> OrgCodeShape {
        let s = self.0.as_str();
        if s == Self::NATION {
            OrgCodeShape::Nation
        } else if s.starts_with("AL") {
            OrgCodeShape::Alliance
        } else {
            match s.split('-').count() {
                1 if s.len() == 6 => OrgCodeShape::Province,
                1 => OrgCodeShape::University,
                2 => OrgCodeShape::College,
                _ => OrgCodeShape::Programme,
            }
        }
    }

    pub fn nation() -> Self {
        Self(Self::NATION.to_owned())
    }
    pub fn province(r: &RegionCode) -> Self {
        Self(r.province().0)
    }
    pub fn university(s: &SchoolCode) -> Self {
        Self(s.0.clone())
    }
    /// The college numbered `n` (1–99) of a university.
    pub fn college(s: &SchoolCode, n: u8) -> Self {
        Self(format!("{}-{:02}", s.0, n.clamp(1, 99)))
    }
    /// A major programme inside a college.
    pub fn programme(college: &OrgCode, m: &MajorCode) -> Self {
        Self(format!("{}-{}", college.0, m.0))
    }
    pub fn alliance(n: u32) -> Self {
        Self(format!("AL{:04}", n % 100_000_000))
    }
}

impl fmt::Display for OrgCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
impl FromStr for OrgCode {
    type Err = CodeError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}
impl TryFrom<String> for OrgCode {
    type Error = CodeError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}
impl From<OrgCode> for String {
    fn from(c: OrgCode) -> String {
        c.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn region_codes() {
        assert!(RegionCode::parse("510104").is_ok());
        assert_eq!(RegionCode::parse("510104").unwrap().province().as_str(), "510000");
        assert!(RegionCode::parse("990000").is_err());
        assert!(RegionCode::parse("51010").is_err());
        assert!(RegionCode::parse("51010a").is_err());
        assert!(RegionCode::parse("510000").unwrap().is_province());
        assert!(RegionCode::parse("510100").unwrap().is_prefecture());
    }

    #[test]
    fn school_codes() {
        assert!(SchoolCode::parse("4151010610").is_ok());
        assert!(SchoolCode::parse("4199010610").is_err());
        assert!(SchoolCode::parse("415101061").is_err());
    }

    #[test]
    fn major_codes() {
        for ok in ["080901", "010103K", "010104T", "020203TK", "0502100T", "510201"] {
            assert!(MajorCode::parse(ok).is_ok(), "{ok}");
        }
        for bad in ["08090", "080901X", "080901KT", "abcdef", ""] {
            assert!(MajorCode::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn credit_code_known_good() {
        // Published example codes whose check characters are correct.
        for ok in ["91350100M000100Y43", "91110000802100433B"] {
            assert!(CreditCode::parse(ok).is_ok(), "{ok}: {:?}", CreditCode::parse(ok));
        }
    }

    #[test]
    fn credit_codes_are_normalised_and_forbidden_letters_refused() {
        assert_eq!(CreditCode::parse(" 91350100m000100y43 ").unwrap().as_str(), "91350100M000100Y43");
        for letter in ['I', 'O', 'S', 'V', 'Z'] {
            let mut code = b"91350100M000100Y43".to_vec();
            code[8] = letter as u8;
            let e = CreditCode::parse(std::str::from_utf8(&code).unwrap()).unwrap_err();
            assert!(e.reason.contains("第 9 位"), "{letter}: {}", e.reason);
        }
    }

    #[test]
    fn credit_code_rejects_bad() {
        let e = CreditCode::parse("91350100M000100Y44").unwrap_err();
        assert!(e.reason.contains("第 18 位"), "{}", e.reason);
        assert!(CreditCode::parse("91350100M000100Y4").is_err());
        assert!(CreditCode::parse("9135010OM000100Y43").is_err());
        // Organisation code check digit wrong, overall check recomputed to match.
        let mut s = b"91350100M000100Y4".to_vec();
        s[15] = b'3';
        let c = credit::check_char(&s).unwrap();
        s.push(c);
        let e = CreditCode::parse(std::str::from_utf8(&s).unwrap()).unwrap_err();
        assert!(e.reason.contains("组织机构代码"), "{}", e.reason);
    }

    #[test]
    fn org_codes() {
        use OrgCodeShape::*;
        for (s, shape) in [
            ("CN", Nation),
            ("510000", Province),
            ("4151010610", University),
            ("4151010610-03", College),
            ("4151010610-03-080901", Programme),
            ("4151010610-03-020203TK", Programme),
            ("AL0001", Alliance),
        ] {
            assert_eq!(OrgCode::parse(s).unwrap().shape(), shape, "{s}");
        }
        for bad in ["510100", "cn", "415101061", "4151010610-3", "4151010610-03-xx", "AL1", "a-b-c-d"] {
            assert!(OrgCode::parse(bad).is_err(), "{bad}");
        }
    }

    /// GB 32100-2015 and GB 11714-1997 written out again from the standards, independently of
    /// the implementation, as the oracle of the property tests below.
    mod oracle {
        pub const ALPHABET: &str = "0123456789ABCDEFGHJKLMNPQRTUWXY";

        /// The 18th character of a credit code from its first 17.
        pub fn credit_check(first17: &str) -> char {
            let sum: u32 = first17
                .chars()
                .enumerate()
                .map(|(i, c)| ALPHABET.find(c).expect("in the alphabet") as u32 * 3u32.pow(i as u32) % 31)
                .sum();
            let c = (31 - sum % 31) % 31;
            ALPHABET.chars().nth(c as usize).expect("0..31")
        }

        /// The 9th character of an organisation code from its first 8 (letters count A = 10 …
        /// Z = 35, as in GB 11714, not as in the credit alphabet).
        pub fn org_check(first8: &str) -> char {
            const W: [u32; 8] = [3, 7, 9, 10, 5, 8, 4, 2];
            let sum: u32 = first8.chars().zip(W).map(|(c, w)| c.to_digit(36).expect("alphanumeric") * w).sum();
            match 11 - sum % 11 {
                10 => 'X',
                11 => '0',
                d => char::from_digit(d, 10).expect("a digit"),
            }
        }
    }

    proptest::proptest! {
        #[test]
        fn codes_made_by_the_standards_are_accepted(body in "[0-9A-HJ-NP-RTUW-Y]{8}", region in 0u32..1_000_000) {
            let mut code = format!("91{region:06}{body}");
            code.push(oracle::org_check(&body));
            code.push(oracle::credit_check(&code));
            proptest::prop_assert!(CreditCode::parse(&code).is_ok(), "{}", code);
        }

        #[test]
        fn a_well_formed_code_is_accepted_exactly_when_both_check_characters_hold(
            code in "[1-9ANY][0-9A-HJ-NP-RTUW-Y][0-9]{6}[0-9A-HJ-NP-RTUW-Y]{10}",
            fix_org in proptest::bool::ANY,
            fix_credit in proptest::bool::ANY,
        ) {
            // Half the cases carry a correct organisation check, half of those a correct final one.
            let mut code = code;
            if fix_org {
                let c = oracle::org_check(&code[8..16]);
                code.replace_range(16..17, &c.to_string());
                if fix_credit {
                    let c = oracle::credit_check(&code[..17]);
                    code.replace_range(17..18, &c.to_string());
                }
            }
            let holds = oracle::org_check(&code[8..16]) == code.as_bytes()[16] as char
                && oracle::credit_check(&code[..17]) == code.as_bytes()[17] as char;
            proptest::prop_assert_eq!(CreditCode::parse(&code).is_ok(), holds, "{}", code);
        }

        #[test]
        fn single_char_change_is_caught(pos in 0usize..18, delta in 1u32..31) {
            let good = b"91350100M000100Y43";
            let mut s = good.to_vec();
            let v = credit::value(s[pos]).unwrap();
            s[pos] = credit::ALPHABET[((v + delta) % 31) as usize];
            let code = String::from_utf8(s).unwrap();
            proptest::prop_assert!(CreditCode::parse(&code).is_err(), "{}", code);
        }
    }
}
