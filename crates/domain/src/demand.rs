//! The employer demand survey (用人单位需求调查): what an answer must hold, and how answers add up
//! by industry, region and major class.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde::Serialize;
use uuid::Uuid;

use crate::{Catalogue, RefData};

/// Education levels a survey line may ask for.
pub const EDUCATION_LEVELS: &[(&str, &str)] =
    &[("vocational", "专科"), ("bachelor", "本科"), ("master", "硕士研究生"), ("doctor", "博士研究生")];

/// One line as typed, before checking.
#[derive(Clone, Debug, Default)]
pub struct LineInput {
    pub role: String,
    pub major_class: String,
    pub education: String,
    pub headcount: i64,
    pub skills: Option<String>,
    pub salary_min: i64,
    pub salary_max: i64,
}

/// What is wrong with one field of one line (lines count from 1).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LineProblem {
    pub line: usize,
    pub field: &'static str,
    pub code: crate::ErrorCode,
    pub message: String,
}

/// The 专业类 entry a code names, in either catalogue.
pub fn major_class<'a>(rd: &'a RefData, code: &str) -> Option<&'a crate::RefEntry> {
    [Catalogue::UndergraduateMajors, Catalogue::VocationalMajors]
        .into_iter()
        .find_map(|c| rd.entry(c, code).filter(|e| e.level == 2))
}

/// Checks every line; the first problem of each line is reported.
pub fn check_lines(rd: &RefData, lines: &[LineInput]) -> Vec<LineProblem> {
    let mut out = Vec::new();
    if lines.is_empty() {
        out.push(LineProblem {
            line: 0,
            field: "lines",
            code: crate::ErrorCode::NoLines,
            message: "至少填写一个岗位需求".into(),
        });
    }
    if lines.len() > 50 {
        out.push(LineProblem {
            line: 51,
            field: "lines",
            code: crate::ErrorCode::TooManyLines,
            message: "一份问卷最多 50 行".into(),
        });
    }
    for (i, l) in lines.iter().enumerate() {
        let line = i + 1;
        let bad = |field, code, message: String| LineProblem { line, field, code, message };
        let role = l.role.trim();
        let problem = if role.is_empty() || role.chars().count() > 60 {
            Some(bad("role", crate::ErrorCode::InvalidRole, format!("第 {line} 行：岗位名称应为 1–60 个字")))
        } else if major_class(rd, l.major_class.trim()).is_none() {
            Some(bad(
                "major_class",
                crate::ErrorCode::InvalidMajorClass,
                format!("第 {line} 行：“{}”不是专业目录中的专业类代码（如 0809 计算机类）", l.major_class.trim()),
            ))
        } else if !EDUCATION_LEVELS.iter().any(|(id, _)| *id == l.education.trim()) {
            Some(bad(
                "education",
                crate::ErrorCode::InvalidEducation,
                format!("第 {line} 行：学历要求应为 vocational、bachelor、master 或 doctor"),
            ))
        } else if !(1..=100_000).contains(&l.headcount) {
            Some(bad(
                "headcount",
                crate::ErrorCode::InvalidHeadcount,
                format!("第 {line} 行：需求人数应在 1 到 100000 之间"),
            ))
        } else if l.salary_min < 500 || l.salary_max > 200_000 || l.salary_min > l.salary_max {
            Some(bad(
                "salary",
                crate::ErrorCode::InvalidSalary,
                format!("第 {line} 行：月薪范围应在 500–200000 元之间，且下限不高于上限"),
            ))
        } else if l.skills.as_deref().is_some_and(|s| s.chars().count() > 500) {
            Some(bad("skills", crate::ErrorCode::InvalidSkills, format!("第 {line} 行：技能要求不超过 500 字")))
        } else {
            None
        };
        out.extend(problem);
    }
    out
}

/// One answered line with the employer facts it is grouped by.
#[derive(Clone, Debug)]
pub struct Answer {
    pub employer: Uuid,
    /// GB/T 4754 class code of the employer.
    pub industry_code: String,
    /// GB/T 2260 county code of the employer.
    pub region_code: String,
    pub role: String,
    pub major_class: String,
    pub headcount: i64,
    pub salary_min: i64,
    pub salary_max: i64,
}

/// The demand of one group.
#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct DemandGroup {
    pub code: String,
    pub name: String,
    /// Distinct employers with at least one line in the group.
    pub employers: usize,
    /// People wanted.
    pub headcount: i64,
    /// Headcount-weighted average of the monthly salary range, yuan.
    pub salary_min_avg: i64,
    pub salary_max_avg: i64,
    /// The most-wanted roles, by headcount (up to three).
    pub top_roles: Vec<String>,
}

/// The three views of the demand the survey asks for.
#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct DemandSummary {
    pub employers: usize,
    pub lines: usize,
    pub headcount: i64,
    /// By GB/T 4754 section (门类).
    pub by_industry: Vec<DemandGroup>,
    /// By province of the employer.
    pub by_region: Vec<DemandGroup>,
    /// By 专业类.
    pub by_major_class: Vec<DemandGroup>,
}

#[derive(Default)]
struct Acc {
    employers: BTreeSet<Uuid>,
    headcount: i64,
    min_sum: i64,
    max_sum: i64,
    roles: HashMap<String, i64>,
}

fn groups(answers: &[Answer], key: impl Fn(&Answer) -> String, name: impl Fn(&str) -> String) -> Vec<DemandGroup> {
    let mut acc: BTreeMap<String, Acc> = BTreeMap::new();
    for a in answers {
        let g = acc.entry(key(a)).or_default();
        g.employers.insert(a.employer);
        g.headcount += a.headcount;
        g.min_sum += a.salary_min * a.headcount;
        g.max_sum += a.salary_max * a.headcount;
        *g.roles.entry(a.role.trim().to_owned()).or_default() += a.headcount;
    }
    let mut out: Vec<DemandGroup> = acc
        .into_iter()
        .map(|(code, g)| {
            let mut roles: Vec<(String, i64)> = g.roles.into_iter().collect();
            roles.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
            let div = g.headcount.max(1);
            DemandGroup {
                name: name(&code),
                code,
                employers: g.employers.len(),
                headcount: g.headcount,
                salary_min_avg: g.min_sum / div,
                salary_max_avg: g.max_sum / div,
                top_roles: roles.into_iter().take(3).map(|r| r.0).collect(),
            }
        })
        .collect();
    out.sort_by(|a, b| b.headcount.cmp(&a.headcount).then(a.code.cmp(&b.code)));
    out
}

/// Adds the answers up by industry section, employer province and major class.
pub fn summarise(rd: &RefData, answers: &[Answer]) -> DemandSummary {
    let section = |code: &str| -> String { rd.industry_section(code).unwrap_or("?").to_owned() };
    let entry_name =
        |c: Catalogue, code: &str| rd.entry(c, code).map(|e| e.name.clone()).unwrap_or_else(|| "未知".into());
    let employers: BTreeSet<Uuid> = answers.iter().map(|a| a.employer).collect();
    DemandSummary {
        employers: employers.len(),
        lines: answers.len(),
        headcount: answers.iter().map(|a| a.headcount).sum(),
        by_industry: groups(answers, |a| section(&a.industry_code), |c| entry_name(Catalogue::Industries, c)),
        by_region: groups(
            answers,
            |a| format!("{}0000", a.region_code.get(..2).unwrap_or("00")),
            |c| rd.region(c).map(|r| r.name.clone()).unwrap_or_else(|| "未知".into()),
        ),
        by_major_class: groups(
            answers,
            |a| a.major_class.clone(),
            |c| major_class(rd, c).map(|e| e.name.clone()).unwrap_or_else(|| "未知".into()),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rd() -> RefData {
        RefData::load().unwrap()
    }

    fn line(major: &str) -> LineInput {
        LineInput {
            role: "软件开发工程师".into(),
            major_class: major.into(),
            education: "bachelor".into(),
            headcount: 5,
            skills: None,
            salary_min: 6000,
            salary_max: 9000,
        }
    }

    #[test]
    fn lines_are_checked_field_by_field() {
        let rd = rd();
        assert!(check_lines(&rd, &[line("0809")]).is_empty());
        assert_eq!(check_lines(&rd, &[line("080901")])[0].code, "invalid_major_class", "a major is not a class");
        let mut l = line("0809");
        l.salary_min = 10_000;
        let p = check_lines(&rd, &[line("0809"), l]);
        assert_eq!((p[0].line, p[0].code.as_str()), (2, "invalid_salary"));
        assert_eq!(check_lines(&rd, &[])[0].code, "no_lines");
    }

    #[test]
    fn answers_add_up_by_section_province_and_class() {
        let rd = rd();
        let class = rd.entries_of(Catalogue::Industries).find(|e| e.level == 4).unwrap().code.clone();
        let e1 = Uuid::from_u128(1);
        let e2 = Uuid::from_u128(2);
        let a = |employer, headcount, min, role: &str| Answer {
            employer,
            industry_code: class.clone(),
            region_code: "510104".into(),
            role: role.into(),
            major_class: "0809".into(),
            headcount,
            salary_min: min,
            salary_max: min + 2000,
        };
        let s = summarise(&rd, &[a(e1, 3, 6000, "测试"), a(e1, 1, 10_000, "开发"), a(e2, 4, 5000, "开发")]);
        assert_eq!((s.employers, s.lines, s.headcount), (2, 3, 8));
        assert_eq!(s.by_region.len(), 1);
        assert_eq!(s.by_region[0].code, "510000");
        assert_eq!(s.by_region[0].name, "四川省");
        assert_eq!(s.by_major_class[0].name, "计算机类");
        // (3×6000 + 1×10000 + 4×5000) / 8 = 6000
        assert_eq!(s.by_industry[0].salary_min_avg, 6000);
        assert_eq!(s.by_industry[0].code.len(), 1, "grouped by section letter");
        assert_eq!(s.by_industry[0].top_roles, ["开发", "测试"]);
    }
}
