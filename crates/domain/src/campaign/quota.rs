//! The quota engine (任务测算) of the 访企拓岗 campaign: which targets of a policy apply to a unit
//! and why, and where the unit stands against the timeline. Pure: the caller gathers the facts
//! (the reference cohort's placement rollup, the province and university, the visits logged at
//! the university, the employers it already worked with) and passes the day to judge at.

use std::collections::HashSet;

use chrono::NaiveDate;
use uuid::Uuid;

use super::{Campaign, Condition, Level, LoggedVisit, Measure, Status, Target};
use crate::access::within;
use crate::destination::{Rollup, Tally};
use crate::{Org, SchoolLevel};

/// A placement rate as the reasons show it: `85.0%（170/200）`.
pub fn rate_text(t: &Tally) -> String {
    format!("{:.1}%（{}/{}）", t.rate() * 100.0, t.placed, t.graduates)
}

/// A level's name in Chinese.
pub fn level_zh(l: Level) -> &'static str {
    match l {
        Level::University => "高校",
        Level::College => "院系",
        Level::Programme => "专业点",
    }
}

/// The first moment of the campaign's window, Beijing time (UTC+8).
pub fn window_start(campaign: &Campaign) -> chrono::DateTime<chrono::Utc> {
    campaign.start.and_time(chrono::NaiveTime::MIN).and_utc() - chrono::Duration::hours(8)
}

/// Where a unit stands against one target.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Progress {
    pub required: u32,
    pub achieved: u32,
    /// What the timeline expects by the day judged at.
    pub expected_by_now: u32,
    pub status: Status,
}

impl Progress {
    /// What is still owed in all (never negative).
    pub fn owed(&self) -> u32 {
        self.required.saturating_sub(self.achieved)
    }
    /// What is owed to be on track by the day judged at (never negative).
    pub fn owed_by_now(&self) -> u32 {
        self.expected_by_now.saturating_sub(self.achieved)
    }
}

/// What the engine knows about one university while it evaluates.
pub struct Facts<'a> {
    pub campaign: &'a Campaign,
    pub rollup: &'a Rollup,
    pub province: &'a Org,
    pub university: &'a Org,
    /// The university's logged visits, each with the path of the unit it was logged for.
    pub visits: Vec<(LoggedVisit, String)>,
    /// Employers the university worked with before the window (they are not new).
    pub earlier: HashSet<Uuid>,
    /// The day to judge progress at.
    pub as_of: NaiveDate,
}

impl Facts<'_> {
    /// Why `target` applies to `subject` (whose college is `college`), or `None` when it does not.
    pub fn reason(&self, target: &Target, subject: &Org, college: Option<&Org>) -> Option<String> {
        let cohort = self.campaign.reference_cohort;
        let u = self.university;
        match target.applies_when {
            Condition::Always => Some(format!("适用于所有{}", level_zh(target.level))),
            Condition::NewlyBuiltOrVocational => {
                if u.newly_built {
                    Some(format!("{}是新建本科院校", u.name))
                } else if u.school_level == Some(SchoolLevel::Vocational) {
                    Some(format!("{}是高职专科院校", u.name))
                } else {
                    None
                }
            }
            Condition::BelowProvinceAverage => {
                let (ut, pt) = (self.rollup.of(u.id), self.rollup.of(self.province.id));
                (ut.graduates > 0 && ut.rate() < pt.rate()).then(|| {
                    format!(
                        "{} {cohort} 届毕业去向落实率 {}，低于{}平均 {}",
                        u.name,
                        rate_text(&ut),
                        self.province.name,
                        rate_text(&pt)
                    )
                })
            }
            Condition::CollegeBelowUniversityAverage => {
                let c = college?;
                let (ct, ut) = (self.rollup.of(c.id), self.rollup.of(u.id));
                (ct.graduates > 0 && ct.rate() < ut.rate()).then(|| {
                    let mut r = format!(
                        "{} {cohort} 届毕业去向落实率 {}，低于{}平均 {}",
                        c.name,
                        rate_text(&ct),
                        u.name,
                        rate_text(&ut)
                    );
                    if let (Some(above), Some(per)) = (target.extra_above_graduates, target.extra_per_graduates) {
                        let g = self.rollup.of(subject.id).graduates;
                        r.push_str(&format!(
                            "；{} {cohort} 届毕业生 {g} 人（超过 {above} 人的，每 {per} 人增加 1 家）",
                            subject.name
                        ));
                    }
                    r
                })
            }
        }
    }

    /// Where `subject` stands against `target`: what is required (from its reference-cohort
    /// graduates), what the visits achieved, what the timeline expects by now.
    pub fn progress(&self, target: &Target, subject: &Org) -> Progress {
        let graduates = u32::try_from(self.rollup.of(subject.id).graduates).unwrap_or(0);
        let required = target.required_for(graduates);
        let visits: Vec<LoggedVisit> = self
            .visits
            .iter()
            .filter(|(_, unit_path)| target.counts != Measure::EmployersVisited || within(unit_path, &subject.path))
            .map(|(v, _)| v.clone())
            .collect();
        let achieved = self.campaign.achieved(target.counts, subject.id, &visits, &self.earlier);
        let expected_by_now = self.campaign.expected_by(required, self.as_of);
        Progress { required, achieved, expected_by_now, status: Status::of(required, achieved, expected_by_now) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// What is owed is never negative, and nothing is owed once a target is met.
        #[test]
        fn owed_is_never_negative(required in 0u32..500, achieved in 0u32..800, expected in 0u32..500) {
            let p = Progress { required, achieved, expected_by_now: expected, status: Status::of(required, achieved, expected) };
            proptest::prop_assert!(p.owed() <= required && p.owed_by_now() <= expected);
            if p.status == Status::Met {
                proptest::prop_assert_eq!(p.owed(), 0);
            }
        }
    }

    const SHIPPED: &str = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../../policies/2023-spring.toml"));

    fn org(n: u128, code: &str, kind: crate::OrgKind, path: &str) -> Org {
        let at = chrono::DateTime::<chrono::Utc>::UNIX_EPOCH;
        Org {
            id: Uuid::from_u128(n),
            code: crate::OrgCode::parse(code).unwrap(),
            kind,
            name: format!("单位{n}"),
            parent_id: None,
            path: path.into(),
            province_code: Some("510000".into()),
            school_level: None,
            newly_built: false,
            private: false,
            authority: None,
            region_code: None,
            major_code: None,
            origin_node: Uuid::nil(),
            version: 1,
            created_at: at,
            updated_at: at,
        }
    }

    fn facts<'a>(
        campaign: &'a Campaign,
        rollup: &'a Rollup,
        province: &'a Org,
        university: &'a Org,
        visits: &[(LoggedVisit, String)],
    ) -> Facts<'a> {
        Facts {
            campaign,
            rollup,
            province,
            university,
            visits: visits.to_vec(),
            earlier: HashSet::new(),
            as_of: NaiveDate::from_ymd_opt(2023, 3, 16).unwrap(),
        }
    }

    /// The `leaders_visit` target of the 2023 policy (书记、校长访企拓岗不少于100家): it applies to
    /// 新建本科 and to 高职 universities only, and counts distinct employers visited by leaders
    /// inside the window.
    #[test]
    fn leaders_visit_applies_to_newly_built_and_vocational_universities_and_counts_leader_visits() {
        let campaign = Campaign::parse(SHIPPED).unwrap();
        let target = campaign.targets.iter().find(|t| t.id == "leaders_visit").unwrap();
        assert_eq!((target.required, target.level), (100, Level::University));
        let province = org(1, "510000", crate::OrgKind::Province, "CN/510000");
        let mut university = org(2, "4151010610", crate::OrgKind::University, "CN/510000/4151010610");
        university.school_level = Some(SchoolLevel::Undergraduate);
        let rollup = Rollup::default();
        let visit = |n: u128, employer: u128, date: &str, by_leaders: bool| {
            let v = LoggedVisit {
                id: Uuid::from_u128(n),
                employer: Uuid::from_u128(1000 + employer),
                date: NaiveDate::parse_from_str(date, "%Y-%m-%d").unwrap(),
                by_leaders,
                programmes: vec![],
            };
            (v, university.path.clone())
        };
        let visits = vec![
            visit(1, 1, "2023-02-10", true),
            // The same employer again: counted once.
            visit(2, 1, "2023-03-01", true),
            visit(3, 2, "2023-03-02", true),
            // No leader took part: not counted.
            visit(4, 3, "2023-03-03", false),
            // Before and after the window.
            visit(5, 4, "2023-01-20", true),
            visit(6, 5, "2023-05-02", true),
        ];

        // An established undergraduate university: the target does not apply.
        assert_eq!(facts(&campaign, &rollup, &province, &university, &visits).reason(target, &university, None), None);

        let mut newly = university.clone();
        newly.newly_built = true;
        let why = facts(&campaign, &rollup, &province, &newly, &visits).reason(target, &newly, None).unwrap();
        assert!(why.contains("新建本科"), "{why}");

        let mut vocational = university.clone();
        vocational.school_level = Some(SchoolLevel::Vocational);
        let why = facts(&campaign, &rollup, &province, &vocational, &visits).reason(target, &vocational, None).unwrap();
        assert!(why.contains("高职"), "{why}");

        let p = facts(&campaign, &rollup, &province, &newly, &visits).progress(target, &newly);
        assert_eq!((p.required, p.achieved), (100, 2));
        assert_eq!(p.expected_by_now, 50, "44 of the window's 89 days");
        assert_eq!(p.status, Status::Behind);
        assert_eq!(p.owed(), 98);
    }

    #[test]
    fn rates_read_as_percent_with_counts() {
        let t = Tally { graduates: 200, placed: 170, ..Tally::default() };
        assert_eq!(rate_text(&t), "85.0%（170/200）");
        assert_eq!(level_zh(Level::College), "院系");
    }
}
