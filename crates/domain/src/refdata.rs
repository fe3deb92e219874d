//! The official reference data shipped with jiuye (`data/refdata/`, each folder with its
//! PROVENANCE.txt), parsed into plain values.
//!
//! The files are compiled into the binary so that a node never needs the network or a separate
//! install step; the store loads them into the database at start. This module only parses: it
//! never touches a database or the file system.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};

use crate::codes::{MajorCode, RegionCode, SchoolCode};
use crate::error::RefDataError;

macro_rules! shipped {
    ($path:literal) => {
        ($path, include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/refdata/", $path)))
    };
}

const UNIVERSITIES: (&str, &str) = shipped!("universities/hei_list.csv");
const REGIONS: (&str, &str) = shipped!("regions/yescallop_gbt2260_2024.txt");
const UG_CLASSES: (&str, &str) = shipped!("majors/undergraduate_classes_2024.csv");
const UG_MAJORS: (&str, &str) = shipped!("majors/undergraduate_majors_2024.csv");
const VOC_MAJORS: (&str, &str) = shipped!("majors/vocational_2021_gaozhi_zhuanke.csv");
const INDUSTRIES: (&str, &str) = shipped!("industry/gbt4754_2017_industry_zmshe.csv");
const JY_INDUSTRIES: (&str, &str) = shipped!("industry/jiuye_dwhy_industry_codes.csv");
const EMPLOYER_TYPES: (&str, &str) = shipped!("industry/jiuye_dwxz_employer_type_codes.csv");
const POSITIONS: (&str, &str) = shipped!("industry/jiuye_gzzwlb_position_codes.csv");
const OCCUPATIONS: (&str, &str) = shipped!("industry/occupation_dadian_2022_major_groups.csv");
const DESTINATIONS: (&str, &str) = shipped!("graduate_destinations/byqx_codes_2023.csv");

const ALL_FILES: [(&str, &str); 11] = [
    UNIVERSITIES,
    REGIONS,
    UG_CLASSES,
    UG_MAJORS,
    VOC_MAJORS,
    INDUSTRIES,
    JY_INDUSTRIES,
    EMPLOYER_TYPES,
    POSITIONS,
    OCCUPATIONS,
    DESTINATIONS,
];

/// The code lists jiuye ships, each with a stable identifier used in URLs and the database.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Catalogue {
    /// GB/T 2260 行政区划代码 (2024).
    Regions,
    /// 普通高等学校本科专业目录（2024年）.
    UndergraduateMajors,
    /// 职业教育专业目录（2021年）高职专科部分.
    VocationalMajors,
    /// GB/T 4754-2017 国民经济行业分类.
    Industries,
    /// 毕业生就业系统 单位行业代码.
    EmployerIndustries,
    /// 单位性质代码.
    EmployerTypes,
    /// 工作职位类别代码.
    Positions,
    /// 职业分类大典（2022年版）大类.
    Occupations,
    /// 毕业去向代码.
    Destinations,
}

impl Catalogue {
    pub const ALL: [Catalogue; 9] = [
        Catalogue::Regions,
        Catalogue::UndergraduateMajors,
        Catalogue::VocationalMajors,
        Catalogue::Industries,
        Catalogue::EmployerIndustries,
        Catalogue::EmployerTypes,
        Catalogue::Positions,
        Catalogue::Occupations,
        Catalogue::Destinations,
    ];

    /// Stable identifier (URL segment and database value).
    pub fn id(self) -> &'static str {
        match self {
            Catalogue::Regions => "regions",
            Catalogue::UndergraduateMajors => "undergraduate_majors",
            Catalogue::VocationalMajors => "vocational_majors",
            Catalogue::Industries => "industries",
            Catalogue::EmployerIndustries => "employer_industries",
            Catalogue::EmployerTypes => "employer_types",
            Catalogue::Positions => "positions",
            Catalogue::Occupations => "occupations",
            Catalogue::Destinations => "destinations",
        }
    }

    pub fn from_id(id: &str) -> Option<Catalogue> {
        Catalogue::ALL.into_iter().find(|c| c.id() == id)
    }

    /// Chinese title.
    pub fn title_zh(self) -> &'static str {
        match self {
            Catalogue::Regions => "行政区划代码（GB/T 2260，2024）",
            Catalogue::UndergraduateMajors => "普通高等学校本科专业目录（2024年）",
            Catalogue::VocationalMajors => "职业教育专业目录（2021年）高职专科",
            Catalogue::Industries => "国民经济行业分类（GB/T 4754-2017）",
            Catalogue::EmployerIndustries => "单位行业代码（就业统计）",
            Catalogue::EmployerTypes => "单位性质代码",
            Catalogue::Positions => "工作职位类别代码",
            Catalogue::Occupations => "职业分类大典（2022年版）大类",
            Catalogue::Destinations => "毕业去向代码",
        }
    }

    /// English title.
    pub fn title_en(self) -> &'static str {
        match self {
            Catalogue::Regions => "Administrative divisions (GB/T 2260, 2024)",
            Catalogue::UndergraduateMajors => "Undergraduate major catalogue (2024)",
            Catalogue::VocationalMajors => "Vocational (higher diploma) major catalogue (2021)",
            Catalogue::Industries => "Industrial classification (GB/T 4754-2017)",
            Catalogue::EmployerIndustries => "Employer industry codes (employment statistics)",
            Catalogue::EmployerTypes => "Employer type codes",
            Catalogue::Positions => "Position category codes",
            Catalogue::Occupations => "Occupation classification (2022) major groups",
            Catalogue::Destinations => "Graduate destination codes",
        }
    }

    /// Names of the hierarchy levels, Chinese, level 1 first.
    pub fn level_names_zh(self) -> &'static [&'static str] {
        match self {
            Catalogue::Regions => &["省级", "地级", "县级"],
            Catalogue::UndergraduateMajors => &["学科门类", "专业类", "专业"],
            Catalogue::VocationalMajors => &["专业大类", "专业类", "专业"],
            Catalogue::Industries => &["门类", "大类", "中类", "小类"],
            Catalogue::Destinations => &["类别", "子类"],
            _ => &["代码"],
        }
    }
}

/// One entry of a code list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefEntry {
    pub catalogue: Catalogue,
    pub code: String,
    pub name: String,
    /// 1 for the top of the hierarchy.
    pub level: u8,
    pub parent_code: Option<String>,
    /// Extra columns (e.g. a destination's `counts_as_placed`), as in the shipped file.
    pub attrs: BTreeMap<String, String>,
}

/// 办学层次: undergraduate (本科) or higher vocational (高职专科).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SchoolLevel {
    Undergraduate,
    Vocational,
}

impl SchoolLevel {
    pub fn id(self) -> &'static str {
        match self {
            SchoolLevel::Undergraduate => "undergraduate",
            SchoolLevel::Vocational => "vocational",
        }
    }
    pub fn from_id(s: &str) -> Option<Self> {
        match s {
            "undergraduate" => Some(SchoolLevel::Undergraduate),
            "vocational" => Some(SchoolLevel::Vocational),
            _ => None,
        }
    }
    pub fn zh(self) -> &'static str {
        match self {
            SchoolLevel::Undergraduate => "本科",
            SchoolLevel::Vocational => "高职专科",
        }
    }
    /// The major catalogue whose codes this kind of school's programmes use.
    pub fn catalogue(self) -> Catalogue {
        match self {
            SchoolLevel::Undergraduate => Catalogue::UndergraduateMajors,
            SchoolLevel::Vocational => Catalogue::VocationalMajors,
        }
    }
}

/// One university of the national list (全国普通高等学校名单).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct University {
    pub code: SchoolCode,
    pub name: String,
    /// 主管部门.
    pub authority: String,
    /// 所在地 as published (usually a prefecture-level city).
    pub city: String,
    /// The GB/T 2260 code of `city` where it could be matched, else the province.
    pub region: RegionCode,
    pub province: RegionCode,
    pub level: SchoolLevel,
    /// 民办.
    pub private: bool,
    /// 新建本科: see [`newly_built_estimate`].
    pub newly_built: bool,
    /// 备注 as published (e.g. 中外合作办学).
    pub remark: String,
}

/// Default for the 新建本科 flag, which the national list does not carry.
///
/// Estimate: an undergraduate university whose school-code serial (last five digits) is 11000
/// or above, i.e. a school registered after the 1999 expansion. Upgraded colleges that kept an
/// older serial are missed, so the flag is stored per university and meant to be corrected by
/// the province.
pub fn newly_built_estimate(code: &SchoolCode, level: SchoolLevel) -> bool {
    let serial: u32 = code.as_str()[5..].parse().unwrap_or(0);
    level == SchoolLevel::Undergraduate && serial >= 11000
}

/// One administrative division.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Region {
    pub code: RegionCode,
    pub name: String,
    /// 1 province, 2 prefecture, 3 county.
    pub level: u8,
    pub parent: Option<RegionCode>,
}

/// Everything shipped, parsed.
#[derive(Clone, Debug)]
pub struct RefData {
    pub regions: Vec<Region>,
    pub universities: Vec<University>,
    pub entries: Vec<RefEntry>,
    region_index: HashMap<String, usize>,
    entry_index: HashMap<(Catalogue, String), usize>,
}

fn strip_bom(s: &str) -> &str {
    s.strip_prefix('\u{feff}').unwrap_or(s)
}

fn csv_rows((file, text): (&'static str, &'static str)) -> Result<Vec<HashMap<String, String>>, RefDataError> {
    let mut rdr = csv::ReaderBuilder::new().from_reader(strip_bom(text).as_bytes());
    let headers = rdr.headers().map_err(|e| RefDataError { file, row: 1, reason: e.to_string() })?.clone();
    let mut out = Vec::new();
    for (i, rec) in rdr.records().enumerate() {
        let rec = rec.map_err(|e| RefDataError { file, row: i + 2, reason: e.to_string() })?;
        out.push(headers.iter().zip(rec.iter()).map(|(h, v)| (h.to_owned(), v.trim().to_owned())).collect());
    }
    Ok(out)
}

fn col<'a>(
    row: &'a HashMap<String, String>,
    name: &str,
    file: &'static str,
    i: usize,
) -> Result<&'a str, RefDataError> {
    row.get(name).map(String::as_str).ok_or_else(|| RefDataError {
        file,
        row: i + 2,
        reason: format!("missing column {name}"),
    })
}

fn opt(s: &str) -> Option<String> {
    (!s.is_empty()).then(|| s.to_owned())
}

impl RefData {
    /// A short fingerprint of all shipped files: the store reloads reference data when it
    /// changes.
    pub fn fingerprint() -> String {
        // FNV-1a, 64 bit: stable across Rust versions, unlike `DefaultHasher`.
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for (name, text) in ALL_FILES {
            for b in name.bytes().chain(text.bytes()) {
                h ^= u64::from(b);
                h = h.wrapping_mul(0x100_0000_01b3);
            }
        }
        format!("{h:016x}")
    }

    /// Parses every shipped file.
    pub fn load() -> Result<RefData, RefDataError> {
        let regions = parse_regions()?;
        let region_index: HashMap<String, usize> =
            regions.iter().enumerate().map(|(i, r)| (r.code.as_str().to_owned(), i)).collect();
        let universities = parse_universities(&regions)?;
        let mut entries = Vec::new();
        for r in &regions {
            entries.push(RefEntry {
                catalogue: Catalogue::Regions,
                code: r.code.to_string(),
                name: r.name.clone(),
                level: r.level,
                parent_code: r.parent.as_ref().map(ToString::to_string),
                attrs: BTreeMap::new(),
            });
        }
        parse_undergraduate(&mut entries)?;
        parse_vocational(&mut entries)?;
        parse_industries(&mut entries)?;
        parse_simple(&mut entries, JY_INDUSTRIES, Catalogue::EmployerIndustries, &["gbt4754_2017_section"])?;
        parse_simple(&mut entries, EMPLOYER_TYPES, Catalogue::EmployerTypes, &["broad_group"])?;
        parse_simple(&mut entries, POSITIONS, Catalogue::Positions, &[])?;
        parse_simple(&mut entries, OCCUPATIONS, Catalogue::Occupations, &["gbm_code", "note"])?;
        parse_destinations(&mut entries)?;
        let entry_index = entries.iter().enumerate().map(|(i, e)| ((e.catalogue, e.code.clone()), i)).collect();
        Ok(RefData { regions, universities, entries, region_index, entry_index })
    }

    pub fn region(&self, code: &str) -> Option<&Region> {
        self.region_index.get(code).map(|&i| &self.regions[i])
    }

    pub fn entries_of(&self, c: Catalogue) -> impl Iterator<Item = &RefEntry> {
        self.entries.iter().filter(move |e| e.catalogue == c)
    }

    pub fn entry(&self, c: Catalogue, code: &str) -> Option<&RefEntry> {
        self.entry_index.get(&(c, code.to_owned())).map(|&i| &self.entries[i])
    }

    /// The GB/T 4754 section (门类 letter) an industry code belongs to.
    pub fn industry_section(&self, code: &str) -> Option<&str> {
        let mut e = self.entry(Catalogue::Industries, code)?;
        for _ in 0..8 {
            match e.parent_code.as_deref().and_then(|p| self.entry(Catalogue::Industries, p)) {
                Some(parent) => e = parent,
                None => break,
            }
        }
        Some(e.code.as_str())
    }

    /// Provinces (level-1 regions), in code order.
    pub fn provinces(&self) -> impl Iterator<Item = &Region> {
        self.regions.iter().filter(|r| r.level == 1)
    }

    /// Major entries (the leaves) of a catalogue.
    pub fn majors(&self, c: Catalogue) -> impl Iterator<Item = &RefEntry> {
        self.entries_of(c).filter(|e| e.level == 3)
    }
}

fn parse_regions() -> Result<Vec<Region>, RefDataError> {
    let (file, text) = REGIONS;
    let mut out: Vec<Region> = Vec::new();
    let mut known = std::collections::HashSet::new();
    for (i, line) in strip_bom(text).lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let (code, name) = line.split_once(char::is_whitespace).ok_or_else(|| RefDataError {
            file,
            row: i + 1,
            reason: "expected 'CODE NAME'".into(),
        })?;
        let code = RegionCode::parse(code).map_err(|e| RefDataError { file, row: i + 1, reason: e.to_string() })?;
        let (level, parent) = if code.is_province() {
            (1, None)
        } else if code.is_prefecture() {
            (2, Some(code.province()))
        } else {
            let pref = format!("{}00", &code.as_str()[..4]);
            let parent = if known.contains(&pref) { RegionCode::parse(&pref).ok() } else { Some(code.province()) };
            (3, parent)
        };
        known.insert(code.as_str().to_owned());
        out.push(Region { code, name: name.trim().to_owned(), level, parent });
    }
    Ok(out)
}

fn parse_universities(regions: &[Region]) -> Result<Vec<University>, RefDataError> {
    let file = UNIVERSITIES.0;
    let by_name: HashMap<&str, &Region> =
        regions.iter().filter(|r| r.level == 1).map(|r| (r.name.as_str(), r)).collect();
    let mut out = Vec::new();
    for (i, row) in csv_rows(UNIVERSITIES)?.iter().enumerate() {
        let err = |reason: String| RefDataError { file, row: i + 2, reason };
        let code = SchoolCode::parse(col(row, "学校标识码", file, i)?).map_err(|e| err(e.to_string()))?;
        let province_name = col(row, "省份", file, i)?;
        let province = by_name
            .get(province_name)
            .map(|r| r.code.clone())
            .ok_or_else(|| err(format!("unknown province {province_name}")))?;
        let level = match col(row, "办学层次", file, i)? {
            "本科" => SchoolLevel::Undergraduate,
            "专科" => SchoolLevel::Vocational,
            other => return Err(err(format!("unknown 办学层次 {other}"))),
        };
        let remark = col(row, "备注", file, i)?.to_owned();
        let city = col(row, "所在地", file, i)?.to_owned();
        let region = match_city(regions, &province, &city).unwrap_or_else(|| province.clone());
        out.push(University {
            newly_built: newly_built_estimate(&code, level),
            private: remark == "民办",
            code,
            name: col(row, "学校名称", file, i)?.to_owned(),
            authority: col(row, "主管部门", file, i)?.to_owned(),
            city,
            region,
            province,
            level,
            remark,
        });
    }
    Ok(out)
}

/// Finds the division named `city` inside `province`: exact name first, then a name that starts
/// with it (临夏州 → 临夏回族自治州).
fn match_city(regions: &[Region], province: &RegionCode, city: &str) -> Option<RegionCode> {
    let inside = || regions.iter().filter(|r| r.level > 1 && r.code.province() == *province);
    if let Some(r) = inside().find(|r| r.name == city) {
        return Some(r.code.clone());
    }
    let stem = city.trim_end_matches(['市', '州', '县']);
    if stem.chars().count() < 2 {
        return None;
    }
    inside().find(|r| r.name.starts_with(stem)).map(|r| r.code.clone())
}

fn parse_undergraduate(entries: &mut Vec<RefEntry>) -> Result<(), RefDataError> {
    let c = Catalogue::UndergraduateMajors;
    let mut disciplines = BTreeMap::new();
    let file = UG_CLASSES.0;
    for (i, row) in csv_rows(UG_CLASSES)?.iter().enumerate() {
        disciplines
            .insert(col(row, "discipline_code", file, i)?.to_owned(), col(row, "discipline_name", file, i)?.to_owned());
        entries.push(RefEntry {
            catalogue: c,
            code: col(row, "class_code", file, i)?.to_owned(),
            name: col(row, "class_name", file, i)?.to_owned(),
            level: 2,
            parent_code: Some(col(row, "discipline_code", file, i)?.to_owned()),
            attrs: BTreeMap::new(),
        });
    }
    for (code, name) in disciplines {
        entries.push(RefEntry { catalogue: c, code, name, level: 1, parent_code: None, attrs: BTreeMap::new() });
    }
    let file = UG_MAJORS.0;
    for (i, row) in csv_rows(UG_MAJORS)?.iter().enumerate() {
        let code = MajorCode::parse(col(row, "major_code", file, i)?).map_err(|e| RefDataError {
            file,
            row: i + 2,
            reason: e.to_string(),
        })?;
        let mut attrs = BTreeMap::new();
        if let Some(f) = opt(col(row, "special_flag", file, i)?) {
            attrs.insert("special_flag".to_owned(), f);
        }
        entries.push(RefEntry {
            catalogue: c,
            code: code.to_string(),
            name: col(row, "major_name", file, i)?.to_owned(),
            level: 3,
            parent_code: Some(col(row, "class_code", file, i)?.to_owned()),
            attrs,
        });
    }
    Ok(())
}

fn parse_vocational(entries: &mut Vec<RefEntry>) -> Result<(), RefDataError> {
    let file = VOC_MAJORS.0;
    for (i, row) in csv_rows(VOC_MAJORS)?.iter().enumerate() {
        let level = match col(row, "level", file, i)? {
            "CATEGORY" => 1,
            "CLASS" => 2,
            "MAJOR" => 3,
            other => {
                return Err(RefDataError { file, row: i + 2, reason: format!("unknown level {other}") });
            }
        };
        let code = col(row, "code", file, i)?.to_owned();
        if level == 3 {
            MajorCode::parse(&code).map_err(|e| RefDataError { file, row: i + 2, reason: e.to_string() })?;
        }
        entries.push(RefEntry {
            catalogue: Catalogue::VocationalMajors,
            code,
            name: col(row, "name", file, i)?.to_owned(),
            level,
            parent_code: opt(col(row, "parent_code", file, i)?),
            attrs: BTreeMap::new(),
        });
    }
    Ok(())
}

fn parse_industries(entries: &mut Vec<RefEntry>) -> Result<(), RefDataError> {
    let file = INDUSTRIES.0;
    let mut seen = std::collections::HashSet::new();
    for (i, row) in csv_rows(INDUSTRIES)?.iter().enumerate() {
        let code = col(row, "code", file, i)?.to_owned();
        // The source repeats a few 中类 rows; keep the first.
        if !seen.insert(code.clone()) {
            continue;
        }
        let level: u8 = col(row, "level", file, i)?.parse().unwrap_or(0);
        let level = match level {
            1 => 1,
            2 => 2,
            3 => 3,
            _ => 4,
        };
        let parent = match level {
            1 => None,
            2 => opt(col(row, "section", file, i)?),
            3 => opt(col(row, "division", file, i)?),
            // The source lists only some 中类 rows: attach a class to its 大类 when its 中类
            // has no row of its own.
            _ => {
                let group = col(row, "group", file, i)?;
                if seen.contains(group) { opt(group) } else { opt(col(row, "division", file, i)?) }
            }
        };
        let mut attrs = BTreeMap::new();
        if let Some(r) = opt(col(row, "remark", file, i)?) {
            attrs.insert("remark".to_owned(), r);
        }
        entries.push(RefEntry {
            catalogue: Catalogue::Industries,
            code,
            name: col(row, "name", file, i)?.to_owned(),
            level,
            parent_code: parent,
            attrs,
        });
    }
    Ok(())
}

fn parse_simple(
    entries: &mut Vec<RefEntry>,
    src: (&'static str, &'static str),
    c: Catalogue,
    extra: &[&str],
) -> Result<(), RefDataError> {
    let file = src.0;
    for (i, row) in csv_rows(src)?.iter().enumerate() {
        let mut attrs = BTreeMap::new();
        for x in extra {
            if let Some(v) = opt(col(row, x, file, i)?) {
                attrs.insert((*x).to_owned(), v);
            }
        }
        entries.push(RefEntry {
            catalogue: c,
            code: col(row, "code", file, i)?.to_owned(),
            name: col(row, "name", file, i)?.to_owned(),
            level: 1,
            parent_code: None,
            attrs,
        });
    }
    Ok(())
}

fn parse_destinations(entries: &mut Vec<RefEntry>) -> Result<(), RefDataError> {
    let file = DESTINATIONS.0;
    for (i, row) in csv_rows(DESTINATIONS)?.iter().enumerate() {
        let mut attrs = BTreeMap::new();
        attrs.insert("counts_as_placed".to_owned(), col(row, "counts_as_placed", file, i)?.to_owned());
        attrs.insert("component_2024".to_owned(), col(row, "group_2024_jiaojiuyeting_2024_11", file, i)?.to_owned());
        attrs.insert("component_2021".to_owned(), col(row, "group_2021_jiaoxueting_2021_19", file, i)?.to_owned());
        entries.push(RefEntry {
            catalogue: Catalogue::Destinations,
            code: col(row, "code", file, i)?.to_owned(),
            name: col(row, "name", file, i)?.to_owned(),
            level: col(row, "level", file, i)?.parse().unwrap_or(1),
            parent_code: opt(col(row, "parent_code", file, i)?),
            attrs,
        });
    }
    Ok(())
}

/// Code of a major (the leaf entry), checked against a catalogue.
pub fn major_in_catalogue<'a>(rd: &'a RefData, c: Catalogue, code: &MajorCode) -> Option<&'a RefEntry> {
    rd.entry(c, code.as_str()).filter(|e| e.level == 3)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rd() -> RefData {
        RefData::load().expect("shipped reference data parses")
    }

    #[test]
    fn counts_match_provenance() {
        let rd = rd();
        assert_eq!(rd.universities.len(), 2919);
        assert_eq!(rd.regions.len(), 3213);
        assert_eq!(rd.provinces().count(), 34);
        assert_eq!(rd.majors(Catalogue::UndergraduateMajors).count(), 816);
        assert_eq!(rd.entries_of(Catalogue::UndergraduateMajors).filter(|e| e.level == 2).count(), 93);
        assert_eq!(rd.entries_of(Catalogue::UndergraduateMajors).filter(|e| e.level == 1).count(), 12);
        assert_eq!(rd.majors(Catalogue::VocationalMajors).count(), 744);
        assert_eq!(rd.entries_of(Catalogue::Industries).filter(|e| e.level == 4).count(), 1380);
        assert_eq!(rd.entries_of(Catalogue::Industries).filter(|e| e.level == 1).count(), 20);
        let levels = rd.universities.iter().filter(|u| u.level == SchoolLevel::Undergraduate).count();
        assert_eq!(levels, 1365);
        assert_eq!(rd.universities.iter().filter(|u| u.private).count(), 829);
    }

    #[test]
    fn sichuan_university() {
        let rd = rd();
        let u = rd.universities.iter().find(|u| u.code.as_str() == "4151010610").unwrap();
        assert_eq!(u.name, "四川大学");
        assert_eq!(u.province.as_str(), "510000");
        assert_eq!(u.region.as_str(), "510100");
        assert!(!u.newly_built);
        // 吉利学院 keeps its Beijing code but is listed under 四川省.
        let g = rd.universities.iter().find(|u| u.code.as_str() == "4111012802").unwrap();
        assert_eq!(g.province.as_str(), "510000");
    }

    #[test]
    fn destinations_and_parents() {
        let rd = rd();
        let placed: Vec<_> = rd
            .entries_of(Catalogue::Destinations)
            .filter(|e| e.level == 1 && e.attrs["counts_as_placed"] == "Y")
            .map(|e| e.code.as_str())
            .collect();
        assert_eq!(placed, ["10", "11", "12", "27", "46", "50", "51", "75", "76", "80", "85"]);
        // Every parent named exists in the same catalogue.
        for e in &rd.entries {
            if let Some(p) = &e.parent_code {
                assert!(rd.entry(e.catalogue, p).is_some(), "{:?} {} parent {p}", e.catalogue, e.code);
            }
        }
    }

    #[test]
    fn most_universities_match_a_city() {
        let rd = rd();
        let unmatched = rd
            .universities
            .iter()
            .filter(|u| u.region == u.province && rd.region(u.province.as_str()).unwrap().name != u.city)
            .count();
        assert!(unmatched < 200, "{unmatched} universities without a city code");
    }
}

/// The shipped minimum-wage table (`data/policy/min_wage.csv`): (province code, yuan per month,
/// effective date). Loaded into each node once; administrators correct it there.
pub fn min_wage_table() -> Vec<(String, i64, String)> {
    let text = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/policy/min_wage.csv"));
    policy_rows(text)
}

/// The shipped table of one-time job-seeking subsidies (`data/policy/job_subsidy.csv`):
/// (province code, yuan, effective date), every row unverified. Loaded into each node once;
/// province administrators correct it there.
pub fn job_subsidy_table() -> Vec<(String, i64, String)> {
    let text = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/policy/job_subsidy.csv"));
    policy_rows(text)
}

fn policy_rows(text: &str) -> Vec<(String, i64, String)> {
    text.lines()
        .skip(1)
        .filter_map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            Some((f.first()?.to_string(), f.get(2)?.parse().ok()?, f.get(3)?.to_string()))
        })
        .collect()
}

#[cfg(test)]
mod wage_tests {
    #[test]
    fn every_province_has_a_job_subsidy_in_the_usual_range() {
        let t = super::job_subsidy_table();
        assert_eq!(t.len(), 31);
        assert!(t.iter().all(|(p, y, _)| p.ends_with("0000") && (1000..=3000).contains(y)));
    }

    #[test]
    fn every_province_with_universities_has_a_minimum_wage() {
        let t = super::min_wage_table();
        assert_eq!(t.len(), 31);
        assert!(t.iter().all(|(p, y, _)| p.ends_with("0000") && (1000..5000).contains(y)));
    }
}
