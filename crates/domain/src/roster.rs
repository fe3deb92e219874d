//! The graduate roster (毕业生名单) import: the template's columns, and validation of every row
//! before anything is written. Errors name the row (as the spreadsheet numbers it, header = 1)
//! and the column, with the reason in Chinese. No I/O: reading files is the importer's job.

use std::collections::HashMap;

use serde::Serialize;

use crate::codes::{CreditCode, DestinationCode, MajorCode, RegionCode};
use crate::org::{EducationLevel, Gender};
use crate::refdata::{Catalogue, RefData};

/// The template's columns, in order; the last six are optional.
pub const COLUMNS: [&str; 15] = [
    "学号",
    "姓名",
    "性别",
    "院系",
    "专业代码",
    "专业名称",
    "学历层次",
    "生源地",
    "届别",
    "毕业去向代码",
    "单位名称",
    "统一社会信用代码",
    "单位所在地",
    "单位性质",
    "单位行业",
];
pub const REQUIRED: usize = 9;

/// A table as read from a file: header row and data rows, cells as text.
#[derive(Clone, Debug, Default)]
pub struct Table {
    pub headers: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

/// A final destination carried by a roster row (for loading a previous cohort).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RosterDestination {
    pub code: String,
    pub employer_name: Option<String>,
    pub credit_code: Option<String>,
    pub employer_region: Option<String>,
    pub employer_type: Option<String>,
    pub employer_industry: Option<String>,
}

/// One valid row.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RosterRow {
    /// Row number in the file (header = 1).
    pub line: usize,
    pub student_no: String,
    pub name: String,
    pub gender: Gender,
    pub college: String,
    pub major_code: String,
    pub major_name: String,
    pub education_level: EducationLevel,
    pub origin_region: String,
    pub cohort: i32,
    pub destination: Option<RosterDestination>,
}

/// What is wrong with one cell (or one row).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RowError {
    /// Row number in the file (header = 1); 1 for problems with the header itself.
    pub row: usize,
    pub column: String,
    pub reason: String,
}

/// The outcome of validating a whole table.
#[derive(Clone, Debug, Default)]
pub struct Validation {
    pub rows: Vec<RosterRow>,
    pub errors: Vec<RowError>,
}

/// What the rows are checked against.
pub struct Context<'a> {
    pub refdata: &'a RefData,
    pub cohort: i32,
}

fn parse_gender(s: &str) -> Option<Gender> {
    match s {
        "男" | "1" | "M" | "m" | "male" => Some(Gender::Male),
        "女" | "2" | "F" | "f" | "female" => Some(Gender::Female),
        _ => None,
    }
}

fn parse_level(s: &str) -> Option<EducationLevel> {
    match s {
        "专科" | "高职" | "高职专科" | "专科生" => Some(EducationLevel::Associate),
        "本科" | "本科生" => Some(EducationLevel::Bachelor),
        "硕士" | "硕士研究生" => Some(EducationLevel::Master),
        "博士" | "博士研究生" => Some(EducationLevel::Doctor),
        _ => None,
    }
}

/// Checks the header: every required column present (in any order), no unknown column.
/// Returns the position of each template column, if present.
pub fn map_headers(headers: &[String]) -> Result<[Option<usize>; 15], Vec<RowError>> {
    let mut pos = [None; 15];
    let mut errors = Vec::new();
    for (i, h) in headers.iter().enumerate() {
        let h = h.trim().trim_start_matches('\u{feff}');
        if h.is_empty() {
            continue;
        }
        match COLUMNS.iter().position(|c| *c == h) {
            Some(k) if pos[k].is_some() => {
                errors.push(RowError { row: 1, column: h.to_owned(), reason: "表头中该列重复出现".into() });
            }
            Some(k) => pos[k] = Some(i),
            None => errors.push(RowError {
                row: 1,
                column: h.to_owned(),
                reason: format!("不认识的列名；模板的列为：{}", COLUMNS.join("、")),
            }),
        }
    }
    for (k, name) in COLUMNS.iter().enumerate().take(REQUIRED) {
        if pos[k].is_none() {
            errors.push(RowError { row: 1, column: (*name).to_owned(), reason: "缺少必填列".into() });
        }
    }
    if errors.is_empty() { Ok(pos) } else { Err(errors) }
}

/// Validates every row; collects every problem instead of stopping at the first.
pub fn validate(table: &Table, ctx: &Context<'_>) -> Validation {
    let mut out = Validation::default();
    let pos = match map_headers(&table.headers) {
        Ok(p) => p,
        Err(e) => {
            out.errors = e;
            return out;
        }
    };
    if table.rows.is_empty() {
        out.errors.push(RowError { row: 2, column: String::new(), reason: "文件中没有数据行".into() });
        return out;
    }
    let mut seen: HashMap<String, usize> = HashMap::new();
    let employer_types: Vec<&str> = ctx.refdata.entries_of(Catalogue::EmployerTypes).map(|e| e.code.as_str()).collect();
    let employer_industries: Vec<&str> =
        ctx.refdata.entries_of(Catalogue::EmployerIndustries).map(|e| e.code.as_str()).collect();
    for (i, cells) in table.rows.iter().enumerate() {
        let line = i + 2;
        if cells.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let cell = |k: usize| pos[k].and_then(|p| cells.get(p)).map(|c| c.trim()).unwrap_or("");
        let mut errs: Vec<RowError> = Vec::new();
        let mut err =
            |k: usize, reason: String| errs.push(RowError { row: line, column: COLUMNS[k].to_owned(), reason });

        let student_no = cell(0);
        if student_no.is_empty() {
            err(0, "学号不能为空".into());
        } else if student_no.chars().count() > 32
            || !student_no.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            err(0, "学号只能由字母、数字、-、_ 组成，且不超过 32 位".into());
        } else if let Some(first) = seen.get(student_no) {
            err(0, format!("学号 {student_no} 与第 {first} 行重复"));
        } else {
            seen.insert(student_no.to_owned(), line);
        }
        let name = cell(1);
        if name.is_empty() || name.chars().count() > 64 {
            err(1, "姓名不能为空，且不超过 64 个字符".into());
        }
        let gender = parse_gender(cell(2));
        if gender.is_none() {
            err(2, format!("性别“{}”无效，应为“男”或“女”", cell(2)));
        }
        let college = cell(3);
        if college.is_empty() || college.chars().count() > 64 {
            err(3, "院系不能为空，且不超过 64 个字符".into());
        }
        let level = parse_level(cell(6));
        if level.is_none() {
            err(6, format!("学历层次“{}”无效，应为专科、本科、硕士或博士", cell(6)));
        }
        // A spreadsheet that stored the code as a number drops its leading zero (080901 → 80901).
        let raw_major = cell(4);
        let padded;
        let major_code = if raw_major.len() == 5 && raw_major.bytes().all(|b| b.is_ascii_digit()) {
            padded = format!("0{raw_major}");
            padded.as_str()
        } else {
            raw_major
        };
        match MajorCode::parse(major_code) {
            Err(e) => err(4, e.reason),
            Ok(m) => {
                // 专科 programmes use the vocational catalogue; others the undergraduate one
                // (the graduate-level catalogue is not shipped yet, so 硕士/博士 use either).
                let catalogues: &[Catalogue] = match level {
                    Some(EducationLevel::Associate) => &[Catalogue::VocationalMajors],
                    Some(EducationLevel::Bachelor) => &[Catalogue::UndergraduateMajors],
                    _ => &[Catalogue::UndergraduateMajors, Catalogue::VocationalMajors],
                };
                let known = catalogues.iter().any(|c| ctx.refdata.entry(*c, m.as_str()).is_some_and(|e| e.level == 3));
                if !known && level.is_some() {
                    err(4, format!("专业代码 {m} 不在对应学历层次的专业目录中"));
                }
            }
        }
        let major_name = cell(5);
        if major_name.is_empty() || major_name.chars().count() > 64 {
            err(5, "专业名称不能为空，且不超过 64 个字符".into());
        }
        let origin = cell(7);
        match RegionCode::parse(origin) {
            Err(e) => err(7, e.reason),
            Ok(r) if ctx.refdata.region(r.as_str()).is_none() => {
                err(7, format!("生源地代码 {r} 不在现行行政区划代码中"))
            }
            Ok(_) => {}
        }
        let cohort: Option<i32> = cell(8).parse().ok();
        match cohort {
            Some(c) if c == ctx.cohort => {}
            Some(c) => err(8, format!("届别 {c} 与本次导入的届别 {} 不一致", ctx.cohort)),
            None => err(8, format!("届别“{}”无效，应为四位年份", cell(8))),
        }
        let mut destination = None;
        let code = cell(9);
        if !code.is_empty() {
            match DestinationCode::parse(code) {
                Err(e) => err(9, e.reason),
                Ok(d) if ctx.refdata.entry(Catalogue::Destinations, d.as_str()).is_none() => {
                    err(9, format!("毕业去向代码 {d} 不在毕业去向代码表中"))
                }
                Ok(d) => {
                    let employer_name = Some(cell(10)).filter(|s| !s.is_empty()).map(str::to_owned);
                    if crate::destination::requirements(d.as_str()).employer_name && employer_name.is_none() {
                        err(10, format!("毕业去向代码 {d} 须填写单位名称"));
                    }
                    let credit = Some(cell(11)).filter(|s| !s.is_empty());
                    if let Some(c) = credit
                        && let Err(e) = CreditCode::parse(c)
                    {
                        err(11, e.reason);
                    }
                    let region = Some(cell(12)).filter(|s| !s.is_empty());
                    if let Some(r) = region
                        && ctx.refdata.region(r).is_none()
                    {
                        err(12, format!("单位所在地代码 {r} 不在现行行政区划代码中"));
                    }
                    let etype = Some(cell(13)).filter(|s| !s.is_empty());
                    if let Some(t) = etype
                        && !employer_types.contains(&t)
                    {
                        err(13, format!("单位性质代码 {t} 无效"));
                    }
                    let industry = Some(cell(14)).filter(|s| !s.is_empty());
                    if let Some(t) = industry
                        && !employer_industries.contains(&t)
                    {
                        err(14, format!("单位行业代码 {t} 无效"));
                    }
                    destination = Some(RosterDestination {
                        code: d.to_string(),
                        employer_name,
                        credit_code: credit.map(str::to_owned),
                        employer_region: region.map(str::to_owned),
                        employer_type: etype.map(str::to_owned),
                        employer_industry: industry.map(str::to_owned),
                    });
                }
            }
        } else if (10..15).any(|k| !cell(k).is_empty()) {
            err(9, "填写了单位信息，但没有填写毕业去向代码".into());
        }
        if errs.is_empty()
            && let (Some(gender), Some(level), Some(cohort)) = (gender, level, cohort)
        {
            out.rows.push(RosterRow {
                line,
                student_no: student_no.to_owned(),
                name: name.to_owned(),
                gender,
                college: college.to_owned(),
                major_code: major_code.to_owned(),
                major_name: major_name.to_owned(),
                education_level: level,
                origin_region: origin.to_owned(),
                cohort,
                destination,
            });
        }
        out.errors.extend(errs);
    }
    if out.rows.is_empty() && out.errors.is_empty() {
        out.errors.push(RowError { row: 2, column: String::new(), reason: "文件中没有数据行".into() });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(rows: &[&[&str]]) -> Table {
        Table {
            headers: COLUMNS.iter().map(|s| (*s).to_owned()).collect(),
            rows: rows.iter().map(|r| r.iter().map(|c| (*c).to_owned()).collect()).collect(),
        }
    }

    fn ctx(rd: &RefData) -> Context<'_> {
        Context { refdata: rd, cohort: 2022 }
    }

    #[test]
    fn a_good_row_passes_with_its_destination() {
        let rd = RefData::load().unwrap();
        let t = table(&[&[
            "2018001",
            "张三",
            "男",
            "计算机学院",
            "080901",
            "计算机科学与技术",
            "本科",
            "510104",
            "2022",
            "11",
            "成都某某科技有限公司",
            "91350100M000100Y43",
            "510104",
            "39",
            "34",
        ]]);
        let v = validate(&t, &ctx(&rd));
        assert!(v.errors.is_empty(), "{:?}", v.errors);
        assert_eq!(v.rows[0].destination.as_ref().unwrap().code, "11");
    }

    #[test]
    fn every_bad_cell_is_reported_with_row_and_column() {
        let rd = RefData::load().unwrap();
        let t = table(&[
            &["2018001", "张三", "男", "计算机学院", "080901", "计算机科学与技术", "本科", "510104", "2022"],
            &["2018001", "", "X", "计算机学院", "999999", "x", "学士", "999999", "2021", "99"],
            &[
                "2018003",
                "李四",
                "女",
                "文学院",
                "050101",
                "汉语言文学",
                "本科",
                "510104",
                "2022",
                "11",
                "",
                "91350100M000100Y44",
            ],
        ]);
        let v = validate(&t, &ctx(&rd));
        let at = |row: usize, col: &str| v.errors.iter().any(|e| e.row == row && e.column == col);
        assert!(at(3, "学号"), "duplicate 学号: {:?}", v.errors);
        assert!(
            at(3, "姓名")
                && at(3, "性别")
                && at(3, "学历层次")
                && at(3, "生源地")
                && at(3, "届别")
                && at(3, "毕业去向代码")
        );
        assert!(at(4, "单位名称") && at(4, "统一社会信用代码"));
        assert_eq!(v.rows.len(), 1);
    }

    /// The roster import and registration ask for the employer's name for the same codes: every
    /// code of the shipped code list, as the one table says.
    #[test]
    fn roster_and_registration_ask_for_the_employer_name_alike() {
        use crate::destination::{Registration, check_registration, requirements};
        let rd = RefData::load().unwrap();
        let codes: Vec<&str> = rd.entries_of(Catalogue::Destinations).map(|e| e.code.as_str()).collect();
        assert!(codes.len() >= 20, "the shipped code list: {codes:?}");
        for code in codes {
            let row: &[&str] =
                &["2018001", "张三", "男", "计算机学院", "080901", "计算机科学与技术", "本科", "510104", "2022", code];
            let v = validate(&table(&[row]), &ctx(&rd));
            assert!(v.errors.iter().all(|e| e.column == "单位名称"), "{code}: {:?}", v.errors);
            let roster_asks = !v.errors.is_empty();
            let reg = Registration { code: code.to_owned(), ..Registration::default() };
            let registration_asks =
                check_registration(&reg, &rd, |_| None).iter().any(|x| x.rule == "employer_required");
            assert_eq!(roster_asks, registration_asks, "{code}");
            assert_eq!(roster_asks, requirements(code).employer_name, "{code}");
        }
    }

    #[test]
    fn headers_are_checked() {
        let e = map_headers(&["学号".to_owned(), "名字".to_owned()]).unwrap_err();
        assert!(e.iter().any(|e| e.column == "名字"));
        assert!(e.iter().any(|e| e.column == "姓名" && e.reason.contains("缺少")));
    }
}

/// What an import did (or, for a dry run, would do).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ImportOutcome {
    pub rows: usize,
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    /// Rows that carried a final destination.
    pub destinations: usize,
    /// Colleges named in the file that did not exist and were (or would be) created.
    pub new_colleges: Vec<String>,
    /// Programmes created, as "院系 / 专业代码 专业名称".
    pub new_programmes: Vec<String>,
    /// Rows whose destination differs from a record that went through the workflow
    /// (submitted, returned, reviewed, confirmed by the graduate, or disputed): the import left
    /// those records as they were.
    pub conflicts: Vec<ImportConflict>,
    pub dry_run: bool,
}

/// A row whose destination the import did not write, because the stored record belongs to the
/// registration workflow.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ImportConflict {
    /// Row number in the file (header = 1).
    pub row: usize,
    pub student_no: String,
    /// The stored record's status (`submitted`, `returned`, `college_approved`, `approved`,
    /// `confirmed`, …).
    pub status: String,
    pub stored_code: Option<String>,
    pub file_code: String,
}
