//! Visit-campaign progress as it travels upward (`aggregate` records of type
//! `CampaignProgress`): for one university and one campaign, per target rule, how many units
//! (the university, its colleges or programmes) the rule applies to, the sums of what they must
//! do and have done, and how many have met it, are on track or are behind. Counts only: a
//! province's figure is the sum of its universities', a nation's the sum of its provinces'.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use crate::campaign::{Level, Status};

/// The schema type a campaign-progress body carries.
pub const PROGRESS_TYPE: &str = "CampaignProgress";

/// One rule's progress summed over the units it applies to.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RuleProgress {
    /// `university`, `college` or `programme`.
    pub level: String,
    pub units: i64,
    pub required: i64,
    pub achieved: i64,
    pub met: i64,
    pub on_track: i64,
    pub behind: i64,
}

impl RuleProgress {
    /// Counts one unit's target.
    pub fn add_unit(&mut self, level: Level, required: u32, achieved: u32, status: Status) {
        self.level = level_id(level).to_owned();
        self.units += 1;
        self.required += i64::from(required);
        // What is done beyond the requirement does not make up for another unit's shortfall.
        self.achieved += i64::from(achieved.min(required));
        match status {
            Status::Met => self.met += 1,
            Status::OnTrack => self.on_track += 1,
            Status::Behind => self.behind += 1,
        }
    }

    /// Adds another report's counts of the same rule.
    pub fn merge(&mut self, other: &RuleProgress) {
        if self.level.is_empty() {
            self.level.clone_from(&other.level);
        }
        self.units += other.units;
        self.required += other.required;
        self.achieved += other.achieved;
        self.met += other.met;
        self.on_track += other.on_track;
        self.behind += other.behind;
    }

    fn consistent(&self) -> bool {
        [self.units, self.required, self.achieved, self.met, self.on_track, self.behind].iter().all(|n| *n >= 0)
            && self.met + self.on_track + self.behind == self.units
            && self.achieved <= self.required
            && ["university", "college", "programme"].contains(&self.level.as_str())
    }
}

/// A level's id as it travels.
pub fn level_id(level: Level) -> &'static str {
    match level {
        Level::University => "university",
        Level::College => "college",
        Level::Programme => "programme",
    }
}

/// One university's progress in one campaign.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CampaignFigures {
    /// The university's code, name and path (as `Org::path`).
    pub org: String,
    pub name: String,
    pub path: String,
    /// The campaign's id and name as its policy gives them.
    pub campaign: String,
    pub campaign_name: String,
    /// The campaign's reference cohort (whose placement counts set its quotas): the cohort the
    /// record is filed under, with the placement figures.
    pub cohort: i32,
    /// The day progress was measured at.
    pub measured_on: chrono::NaiveDate,
    /// By rule id.
    pub rules: BTreeMap<String, RuleProgress>,
}

/// The record id of `origin`'s progress for `org` in `campaign`: the same for every report of
/// it, so that a newer report replaces the older.
pub fn record(origin: &str, org: &str, campaign: &str) -> uuid::Uuid {
    uuid::Uuid::new_v5(
        &uuid::Uuid::NAMESPACE_OID,
        format!("jiuye:campaign-progress:{origin}:{org}:{campaign}").as_bytes(),
    )
}

impl CampaignFigures {
    /// The counts as they travel, without the time they were taken.
    pub fn counts(&self) -> Value {
        let rules: BTreeMap<&str, Value> = self
            .rules
            .iter()
            .map(|(id, r)| {
                let v = json!({
                    "level": r.level, "units": r.units, "required": r.required, "achieved": r.achieved,
                    "met": r.met, "onTrack": r.on_track, "behind": r.behind,
                });
                (id.as_str(), v)
            })
            .collect();
        json!({
            "@type": PROGRESS_TYPE,
            "org": self.org,
            "name": self.name,
            "path": self.path,
            "campaign": self.campaign,
            "campaignName": self.campaign_name,
            "cohort": self.cohort,
            "measuredOn": self.measured_on.to_string(),
            "rules": rules,
        })
    }

    /// The body of the envelope: the counts and when they were taken.
    pub fn body(&self, as_of: DateTime<Utc>) -> Value {
        super::figures::stamped(self.counts(), as_of)
    }

    /// Reads a received body, or `None` when it is not a consistent report (negative counts,
    /// statuses that do not add up to the units, more achieved than required, a path that does
    /// not end at the organisation).
    pub fn from_body(body: &Value) -> Option<(CampaignFigures, DateTime<Utc>)> {
        if body.get("@type").and_then(Value::as_str) != Some(PROGRESS_TYPE) {
            return None;
        }
        let text = |k: &str| body.get(k).and_then(Value::as_str).map(str::trim).filter(|s| !s.is_empty());
        let (org, path, campaign) = (text("org")?, text("path")?, text("campaign")?);
        if path.rsplit('/').next() != Some(org) || campaign.len() > 100 {
            return None;
        }
        let cohort = i32::try_from(body.get("cohort")?.as_i64()?).ok().filter(|c| (2000..=2100).contains(c))?;
        let measured_on = chrono::NaiveDate::parse_from_str(text("measuredOn")?, "%Y-%m-%d").ok()?;
        let mut rules = BTreeMap::new();
        for (id, r) in body.get("rules")?.as_object()? {
            let n = |k: &str| r.get(k).and_then(Value::as_i64);
            let rule = RuleProgress {
                level: r.get("level")?.as_str()?.to_owned(),
                units: n("units")?,
                required: n("required")?,
                achieved: n("achieved")?,
                met: n("met")?,
                on_track: n("onTrack")?,
                behind: n("behind")?,
            };
            if id.is_empty() || id.len() > 100 || !rule.consistent() {
                return None;
            }
            rules.insert(id.clone(), rule);
        }
        let as_of = DateTime::parse_from_rfc3339(text("asOf")?).ok()?.with_timezone(&Utc);
        Some((
            CampaignFigures {
                org: org.to_owned(),
                name: text("name").unwrap_or(org).to_owned(),
                path: path.to_owned(),
                campaign: campaign.to_owned(),
                campaign_name: text("campaignName").unwrap_or(campaign).to_owned(),
                cohort,
                measured_on,
                rules,
            },
            as_of,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> CampaignFigures {
        let mut leaders = RuleProgress::default();
        leaders.add_unit(Level::University, 100, 120, Status::Met);
        let mut colleges = RuleProgress::default();
        colleges.add_unit(Level::College, 10, 4, Status::Behind);
        colleges.add_unit(Level::College, 10, 8, Status::OnTrack);
        CampaignFigures {
            org: "4151010610".into(),
            name: "四川大学".into(),
            path: "CN/510000/4151010610".into(),
            campaign: "2023-spring".into(),
            campaign_name: "2023 春季访企拓岗".into(),
            cohort: 2022,
            measured_on: chrono::NaiveDate::from_ymd_opt(2023, 4, 10).unwrap(),
            rules: [("leaders".to_owned(), leaders), ("colleges".to_owned(), colleges)].into_iter().collect(),
        }
    }

    #[test]
    fn a_body_reads_back_as_sent_and_sums_add() {
        let f = sample();
        assert_eq!(f.rules["leaders"].achieved, 100, "done beyond the requirement is not carried over");
        let at = DateTime::parse_from_rfc3339("2026-12-01T08:00:00Z").unwrap().with_timezone(&Utc);
        let (back, as_of) = CampaignFigures::from_body(&f.body(at)).expect("consistent");
        assert_eq!((back.clone(), as_of), (f.clone(), at));
        let mut sum = back.rules["colleges"].clone();
        sum.merge(&f.rules["colleges"]);
        assert_eq!((sum.units, sum.required, sum.achieved, sum.behind), (4, 40, 24, 2));
    }

    #[test]
    fn inconsistent_progress_is_refused() {
        let at = Utc::now();
        let f = sample();
        let mut bodies = Vec::new();
        for (rule, key, value) in [
            ("colleges", "met", json!(1)),
            ("colleges", "achieved", json!(21)),
            ("colleges", "units", json!(-2)),
            ("colleges", "level", json!("faculty")),
            ("leaders", "required", json!("many")),
        ] {
            let mut body = f.body(at);
            body["rules"][rule][key] = value;
            bodies.push(body);
        }
        for (key, value) in [
            ("path", json!("CN/510000")),
            ("@type", json!("PlacementAggregate")),
            ("measuredOn", json!("soon")),
            ("cohort", json!(1999)),
        ] {
            let mut body = f.body(at);
            body[key] = value;
            bodies.push(body);
        }
        for body in bodies {
            assert!(CampaignFigures::from_body(&body).is_none(), "{body}");
        }
    }
}
