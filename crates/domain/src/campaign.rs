//! Campaign policy as data (访企拓岗 quotas). A campaign is a TOML file: its window, the reference
//! cohort, and targets, each with the level it applies at, the condition that makes it apply,
//! what counts toward it and how many are required. Next year's notice is a new file, not new
//! code. This module parses and checks policies; it does no I/O.

use std::collections::HashSet;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

pub mod quota;
pub mod visits;

/// The policy of the 2023 spring campaign, as shipped in `policies/2023-spring.toml`.
pub const SPRING_2023: &str = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../../policies/2023-spring.toml"));

/// The organisation level a target applies at.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    University,
    College,
    Programme,
}

/// When a target applies.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Condition {
    /// Every organisation of the level.
    Always,
    /// 新建本科 or 高职专科 universities.
    NewlyBuiltOrVocational,
    /// Universities whose reference-cohort rate is below their province's.
    BelowProvinceAverage,
    /// Programmes (or colleges) of colleges whose reference-cohort rate is below their
    /// university's.
    CollegeBelowUniversityAverage,
}

/// What counts toward a target (distinct employers, inside the campaign window).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Measure {
    /// Employers visited by the university's leaders.
    EmployersVisitedByLeaders,
    /// Employers new to the university (no visit, posting or hire before the window) visited
    /// by its leaders.
    NewEmployersByLeaders,
    /// Employers visited or contacted for the programme.
    EmployersVisitedForProgramme,
    /// Employers visited by anyone of the organisation.
    EmployersVisited,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Target {
    pub id: String,
    pub description: String,
    pub level: Level,
    pub applies_when: Condition,
    pub counts: Measure,
    pub required: u32,
    /// 适当增加: for programmes with more graduates than this in the reference cohort…
    pub extra_above_graduates: Option<u32>,
    /// …one more for every this many graduates above it.
    pub extra_per_graduates: Option<u32>,
}

impl Target {
    /// The number required of an organisation with `graduates` in the reference cohort.
    pub fn required_for(&self, graduates: u32) -> u32 {
        match (self.extra_above_graduates, self.extra_per_graduates) {
            (Some(above), Some(per)) if per > 0 && graduates > above => {
                self.required + (graduates - above).div_ceil(per)
            }
            _ => self.required,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Campaign {
    pub id: String,
    pub name: String,
    pub start: NaiveDate,
    pub end: NaiveDate,
    pub reference_cohort: i32,
    pub targets: Vec<Target>,
}

/// Why a policy file was refused: the line (1-based, when known) and the reason.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("第 {line} 行：{reason}")]
pub struct PolicyError {
    pub line: usize,
    pub reason: String,
}

fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes().iter().take(offset).filter(|b| **b == b'\n').count() + 1
}

impl Campaign {
    /// The day progress is measured at when none is asked: today within the window, the last
    /// day after it (a finished campaign is judged as it ended), the first day before it.
    pub fn default_as_of(&self, today: NaiveDate) -> NaiveDate {
        today.max(self.start).min(self.end.max(self.start))
    }

    /// Parses and checks a policy file.
    pub fn parse(text: &str) -> Result<Campaign, PolicyError> {
        let c: Campaign = toml::from_str(text).map_err(|e| PolicyError {
            line: e.span().map(|s| line_of(text, s.start)).unwrap_or(1),
            reason: e.message().to_owned(),
        })?;
        let find = |needle: &str| text.find(needle).map(|o| line_of(text, o)).unwrap_or(1);
        if c.id.trim().is_empty() || !c.id.chars().all(|ch| ch.is_ascii_alphanumeric() || ch == '-' || ch == '_') {
            return Err(PolicyError { line: find("id"), reason: "id 只能含字母、数字、- 和 _".into() });
        }
        if c.end < c.start {
            return Err(PolicyError { line: find("end"), reason: "结束日期早于开始日期".into() });
        }
        if c.targets.is_empty() {
            return Err(PolicyError { line: 1, reason: "至少需要一个 [[targets]]".into() });
        }
        let mut seen = std::collections::HashSet::new();
        for t in &c.targets {
            let line = find(&format!("\"{}\"", t.id));
            if !seen.insert(t.id.clone()) {
                return Err(PolicyError { line, reason: format!("目标 id “{}” 重复", t.id) });
            }
            if t.required == 0 {
                return Err(PolicyError { line, reason: format!("目标 “{}” 的 required 必须大于 0", t.id) });
            }
            let fits = match t.applies_when {
                Condition::NewlyBuiltOrVocational | Condition::BelowProvinceAverage => t.level == Level::University,
                Condition::CollegeBelowUniversityAverage => t.level != Level::University,
                Condition::Always => true,
            };
            if !fits {
                return Err(PolicyError { line, reason: format!("目标 “{}” 的条件与层级不相符", t.id) });
            }
            if t.extra_above_graduates.is_some() != t.extra_per_graduates.is_some() {
                return Err(PolicyError {
                    line,
                    reason: "extra_above_graduates 与 extra_per_graduates 须同时给出".into(),
                });
            }
        }
        Ok(c)
    }

    /// How much of the target should be done by `today`, planning backwards from the deadline:
    /// the share of the window elapsed.
    pub fn expected_by(&self, required: u32, today: NaiveDate) -> u32 {
        let total = (self.end - self.start).num_days() + 1;
        let done = (today - self.start).num_days() + 1;
        if done <= 0 {
            0
        } else if done >= total {
            required
        } else {
            ((f64::from(required) * done as f64 / total as f64).ceil()) as u32
        }
    }
}

/// One logged visit as the engine sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoggedVisit {
    pub id: Uuid,
    pub employer: Uuid,
    pub date: NaiveDate,
    /// A secretary, president or leadership member took part.
    pub by_leaders: bool,
    /// The programmes it serves.
    pub programmes: Vec<Uuid>,
}

/// Where an organisation stands against one target.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Met,
    OnTrack,
    Behind,
}

impl Status {
    pub fn of(required: u32, achieved: u32, expected: u32) -> Status {
        if achieved >= required {
            Status::Met
        } else if achieved >= expected {
            Status::OnTrack
        } else {
            Status::Behind
        }
    }
}

impl Campaign {
    /// Distinct employers counting toward `measure` for `subject` (a programme for the
    /// per-programme measure), from the visits of the subject's university. A visit counts once
    /// per target, only inside the window; an employer is new when no visit of the university
    /// before the window reached it and it is not in `earlier_partners` (employers the university
    /// already had postings or hires with before the window).
    pub fn achieved(
        &self,
        measure: Measure,
        subject: Uuid,
        visits: &[LoggedVisit],
        earlier_partners: &HashSet<Uuid>,
    ) -> u32 {
        let mut prior: HashSet<Uuid> = visits.iter().filter(|v| v.date < self.start).map(|v| v.employer).collect();
        prior.extend(earlier_partners.iter().copied());
        let counted: HashSet<Uuid> = visits
            .iter()
            .filter(|v| v.date >= self.start && v.date <= self.end)
            .filter(|v| match measure {
                Measure::EmployersVisitedByLeaders => v.by_leaders,
                Measure::NewEmployersByLeaders => v.by_leaders && !prior.contains(&v.employer),
                Measure::EmployersVisitedForProgramme => v.programmes.contains(&subject),
                Measure::EmployersVisited => true,
            })
            .map(|v| v.employer)
            .collect();
        counted.len() as u32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHIPPED: &str = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../../policies/2023-spring.toml"));

    #[test]
    fn the_shipped_2023_policy_parses() {
        let c = Campaign::parse(SHIPPED).unwrap();
        assert_eq!(c.start, NaiveDate::from_ymd_opt(2023, 2, 1).unwrap());
        assert_eq!(c.end, NaiveDate::from_ymd_opt(2023, 4, 30).unwrap());
        assert_eq!(c.targets.len(), 3);
        let p = c.targets.iter().find(|t| t.id == "programme_contacts").unwrap();
        assert_eq!(p.required_for(25), 10);
        assert_eq!(p.required_for(31), 11);
        assert_eq!(p.required_for(55), 13);
    }

    #[test]
    fn bad_files_name_the_line() {
        let e = Campaign::parse(&SHIPPED.replace(
            "required = 100\n\n[[targets]]\nid = \"leaders_open_new\"",
            "required = \"many\"\n\n[[targets]]\nid = \"leaders_open_new\"",
        ))
        .unwrap_err();
        assert!(e.line > 10, "{e}");
        let e = Campaign::parse(&SHIPPED.replace("level = \"programme\"", "level = \"galaxy\"")).unwrap_err();
        assert!(e.reason.contains("galaxy") || e.reason.contains("variant"), "{e}");
        let e = Campaign::parse(&SHIPPED.replace("end = \"2023-04-30\"", "end = \"2023-01-01\"")).unwrap_err();
        assert!(e.reason.contains("结束日期"), "{e}");
        let e = Campaign::parse(&SHIPPED.replace("reference_cohort = 2022", "reference_cohort = 2022\nsurprise = 1"))
            .unwrap_err();
        assert!(e.reason.contains("surprise"), "{e}");
    }

    #[test]
    fn expected_progress_plans_backwards_from_the_deadline() {
        let c = Campaign::parse(SHIPPED).unwrap();
        let d = |m, day| NaiveDate::from_ymd_opt(2023, m, day).unwrap();
        assert_eq!(c.expected_by(100, d(1, 15)), 0);
        assert_eq!(c.expected_by(100, d(2, 1)), 2);
        assert_eq!(c.expected_by(100, d(3, 16)), 50, "44 of 89 days");
        assert_eq!(c.expected_by(100, d(4, 30)), 100);
        assert_eq!(c.expected_by(100, d(6, 1)), 100);
    }

    proptest::proptest! {
        #[test]
        fn required_never_drops_below_the_base(g in 0u32..10_000) {
            let c = Campaign::parse(SHIPPED).unwrap();
            for t in &c.targets {
                proptest::prop_assert!(t.required_for(g) >= t.required);
            }
        }
    }
    fn day(d: &str) -> NaiveDate {
        NaiveDate::parse_from_str(d, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn new_employers_exclude_those_met_before_the_window() {
        let c = Campaign::parse(SHIPPED).unwrap();
        let (e1, e2, p) = (Uuid::from_u128(1), Uuid::from_u128(2), Uuid::from_u128(9));
        let v = |id: u128, e: Uuid, d: &str, lead: bool| LoggedVisit {
            id: Uuid::from_u128(100 + id),
            employer: e,
            date: day(d),
            by_leaders: lead,
            programmes: vec![p],
        };
        let visits = vec![
            v(1, e1, "2022-11-01", false),
            v(2, e1, "2023-02-10", true),
            v(3, e2, "2023-03-10", true),
            v(4, e2, "2023-03-11", true),
            v(5, e2, "2023-05-10", true),
        ];
        let none = HashSet::new();
        assert_eq!(c.achieved(Measure::EmployersVisitedByLeaders, Uuid::nil(), &visits, &none), 2);
        assert_eq!(c.achieved(Measure::NewEmployersByLeaders, Uuid::nil(), &visits, &none), 1);
        assert_eq!(c.achieved(Measure::EmployersVisitedForProgramme, p, &visits, &none), 2);
        assert_eq!(c.achieved(Measure::EmployersVisitedForProgramme, Uuid::from_u128(8), &visits, &none), 0);
        // An employer hired from before the window is not new either.
        let hired: HashSet<Uuid> = [e2].into();
        assert_eq!(c.achieved(Measure::NewEmployersByLeaders, Uuid::nil(), &visits, &hired), 0);
        assert_eq!(Status::of(100, 40, 50), Status::Behind);
        assert_eq!(Status::of(100, 60, 50), Status::OnTrack);
        assert_eq!(Status::of(100, 100, 100), Status::Met);
    }

    proptest::proptest! {
        /// Progress never exceeds what was logged, and logging the same visit twice changes nothing.
        #[test]
        fn progress_is_bounded_by_what_was_logged(
            raw in proptest::collection::vec((0u8..6, 0i64..200, proptest::bool::ANY, 0u8..3), 0..40)
        ) {
            let c = Campaign::parse(SHIPPED).unwrap();
            let visits: Vec<LoggedVisit> = raw
                .iter()
                .enumerate()
                .map(|(i, (e, d, lead, p))| LoggedVisit {
                    id: Uuid::from_u128(i as u128),
                    employer: Uuid::from_u128(u128::from(*e)),
                    date: day("2023-01-01") + chrono::Duration::days(*d),
                    by_leaders: *lead,
                    programmes: vec![Uuid::from_u128(1000 + u128::from(*p))],
                })
                .collect();
            let none = HashSet::new();
            let mut doubled = visits.clone();
            doubled.extend(visits.iter().cloned());
            for m in [Measure::EmployersVisitedByLeaders, Measure::NewEmployersByLeaders, Measure::EmployersVisitedForProgramme, Measure::EmployersVisited] {
                let subject = Uuid::from_u128(1000);
                let n = c.achieved(m, subject, &visits, &none);
                let logged: HashSet<Uuid> = visits.iter().map(|v| v.employer).collect();
                proptest::prop_assert!(n as usize <= visits.len());
                proptest::prop_assert!(n as usize <= logged.len());
                proptest::prop_assert_eq!(n, c.achieved(m, subject, &doubled, &none));
            }
            proptest::prop_assert!(c.achieved(Measure::NewEmployersByLeaders, Uuid::nil(), &visits, &none)
                <= c.achieved(Measure::EmployersVisitedByLeaders, Uuid::nil(), &visits, &none));
        }
    }
}
