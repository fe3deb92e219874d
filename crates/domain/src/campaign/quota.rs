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

    #[test]
    fn rates_read_as_percent_with_counts() {
        let t = Tally { graduates: 200, placed: 170, ..Tally::default() };
        assert_eq!(rate_text(&t), "85.0%（170/200）");
        assert_eq!(level_zh(Level::College), "院系");
    }
}
