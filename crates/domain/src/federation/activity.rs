//! Event coverage as it travels upward (`aggregate` records of type `EventCoverage`): for one
//! university and cohort, the recruitment events organised at the university and its colleges
//! during that cohort's recruiting year (from 1 September of the year before to 31 August,
//! Beijing time): how many of each kind were held, how many were cancelled, and, over the
//! events held, the employers that took part, the positions they brought, the places taken by
//! graduates and the graduates checked in at the door. Counts only; nobody's name travels.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use serde_json::{Value, json};

use crate::events::EventKind;

/// The schema type an event-coverage body carries.
pub const EVENT_COVERAGE_TYPE: &str = "EventCoverage";

/// The counts over the events held.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct EventTotals {
    /// Approved employer bookings (an employer at two fairs counts twice).
    pub employers: i64,
    /// Approved positions brought by approved employers.
    pub positions: i64,
    /// Places taken by graduates (not counting those waiting in line).
    pub registered: i64,
    /// Graduates checked in at the door.
    pub checked_in: i64,
}

impl EventTotals {
    pub fn add(&mut self, o: &EventTotals) {
        self.employers += o.employers;
        self.positions += o.positions;
        self.registered += o.registered;
        self.checked_in += o.checked_in;
    }
}

/// One university's event coverage for a cohort.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EventFigures {
    pub org: String,
    pub name: String,
    pub path: String,
    pub cohort: i32,
    /// Events held (not cancelled), per kind, in `EventKind::ALL` order.
    pub held: Vec<(EventKind, i64)>,
    pub cancelled: i64,
    pub totals: EventTotals,
}

/// The record id of `origin`'s event coverage for `org` and `cohort`.
pub fn record(origin: &str, org: &str, cohort: i32) -> uuid::Uuid {
    uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_OID, format!("jiuye:events:{origin}:{org}:{cohort}").as_bytes())
}

/// The cohort's recruiting year as instants: from 1 September of the year before the cohort
/// graduates to 1 September of its year, at midnight in Beijing.
pub fn recruiting_year(cohort: i32) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
    let beijing = chrono::FixedOffset::east_opt(8 * 3600)?;
    let at = |y: i32| {
        let day = NaiveDate::from_ymd_opt(y, 9, 1)?.and_hms_opt(0, 0, 0)?;
        beijing.from_local_datetime(&day).single().map(|t| t.with_timezone(&Utc))
    };
    Some((at(cohort - 1)?, at(cohort)?))
}

impl EventFigures {
    /// No events, for `org` (code, name, path) and `cohort`.
    pub fn empty(org: &str, name: &str, path: &str, cohort: i32) -> EventFigures {
        EventFigures {
            org: org.to_owned(),
            name: name.to_owned(),
            path: path.to_owned(),
            cohort,
            held: EventKind::ALL.iter().map(|k| (*k, 0)).collect(),
            cancelled: 0,
            totals: EventTotals::default(),
        }
    }

    /// Events held, of every kind.
    pub fn events(&self) -> i64 {
        self.held.iter().map(|(_, n)| n).sum()
    }

    /// Counts one event of `kind`: cancelled, or held with its totals.
    pub fn count(&mut self, kind: EventKind, cancelled: bool, totals: &EventTotals) {
        if cancelled {
            self.cancelled += 1;
            return;
        }
        if let Some((_, n)) = self.held.iter_mut().find(|(k, _)| *k == kind) {
            *n += 1;
        }
        self.totals.add(totals);
    }

    /// The counts as they travel, without the time they were taken.
    pub fn counts(&self) -> Value {
        let held: BTreeMap<&str, i64> = self.held.iter().map(|(k, n)| (k.id(), *n)).collect();
        json!({
            "@type": EVENT_COVERAGE_TYPE,
            "org": self.org,
            "name": self.name,
            "path": self.path,
            "cohort": self.cohort,
            "held": held,
            "cancelled": self.cancelled,
            "employers": self.totals.employers,
            "positions": self.totals.positions,
            "registered": self.totals.registered,
            "checkedIn": self.totals.checked_in,
        })
    }

    /// The body of the envelope: the counts and when they were taken.
    pub fn body(&self, as_of: DateTime<Utc>) -> Value {
        super::figures::stamped(self.counts(), as_of)
    }

    /// Adds another organisation's counts.
    pub fn merge(&mut self, other: &EventFigures) {
        for (kind, n) in &other.held {
            if let Some((_, m)) = self.held.iter_mut().find(|(k, _)| k == kind) {
                *m += n;
            }
        }
        self.cancelled += other.cancelled;
        self.totals.add(&other.totals);
    }

    /// Reads a received body, or `None` when it is not a consistent report (a negative count,
    /// an unknown kind of event, more graduates checked in than places taken, a path that does
    /// not end at the organisation).
    pub fn from_body(body: &Value) -> Option<(EventFigures, DateTime<Utc>)> {
        let (org, path, cohort) = super::figures::header(body, EVENT_COVERAGE_TYPE)?;
        let text = |k: &str| body.get(k).and_then(Value::as_str).map(str::trim).filter(|s| !s.is_empty());
        let count = |k: &str| body.get(k).and_then(Value::as_i64).filter(|n| *n >= 0);
        let given = body.get("held")?.as_object()?;
        if given.keys().any(|k| EventKind::from_id(k).is_none()) {
            return None;
        }
        let mut held = Vec::with_capacity(EventKind::ALL.len());
        for kind in EventKind::ALL {
            let n = match given.get(kind.id()) {
                Some(v) => v.as_i64().filter(|n| *n >= 0)?,
                None => 0,
            };
            held.push((kind, n));
        }
        let totals = EventTotals {
            employers: count("employers")?,
            positions: count("positions")?,
            registered: count("registered")?,
            checked_in: count("checkedIn")?,
        };
        if totals.checked_in > totals.registered {
            return None;
        }
        let as_of = DateTime::parse_from_rfc3339(text("asOf")?).ok()?.with_timezone(&Utc);
        let name = text("name").unwrap_or(org).to_owned();
        let f = EventFigures {
            org: org.to_owned(),
            name,
            path: path.to_owned(),
            cohort,
            held,
            cancelled: count("cancelled")?,
            totals,
        };
        Some((f, as_of))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> EventFigures {
        let mut f = EventFigures::empty("4151010610", "四川大学", "CN/510000/4151010610", 2024);
        let t = EventTotals { employers: 30, positions: 120, registered: 400, checked_in: 310 };
        f.count(EventKind::CampusFair, false, &t);
        f.count(
            EventKind::Presentation,
            false,
            &EventTotals { employers: 1, positions: 3, registered: 80, checked_in: 0 },
        );
        f.count(EventKind::Presentation, true, &t);
        f
    }

    #[test]
    fn counting_a_body_and_reading_it_back_agree() {
        let f = sample();
        assert_eq!((f.events(), f.cancelled, f.totals.employers, f.totals.checked_in), (2, 1, 31, 310));
        let at = DateTime::parse_from_rfc3339("2026-12-01T08:00:00Z").unwrap().with_timezone(&Utc);
        let (back, as_of) = EventFigures::from_body(&f.body(at)).expect("consistent");
        assert_eq!((back.clone(), as_of), (f.clone(), at));
        let mut sum = back;
        sum.merge(&f);
        assert_eq!((sum.events(), sum.cancelled, sum.totals.registered), (4, 2, 960));
    }

    #[test]
    fn inconsistent_event_coverage_is_refused() {
        let f = sample();
        let at = Utc::now();
        for (key, value) in [
            ("employers", json!(-1)),
            ("checkedIn", json!(481)),
            ("held", json!({"campus_fair": 1, "picnic": 1})),
            ("held", json!({"campus_fair": -1})),
            ("cancelled", json!("one")),
            ("path", json!("CN/510000")),
            ("@type", json!("HardshipCoverage")),
        ] {
            let mut body = f.body(at);
            body[key] = value;
            assert!(EventFigures::from_body(&body).is_none(), "{key}");
        }
    }

    #[test]
    fn a_recruiting_year_runs_from_september_to_september_in_beijing() {
        let (from, to) = recruiting_year(2024).unwrap();
        assert_eq!(from.to_rfc3339(), "2023-08-31T16:00:00+00:00");
        assert_eq!(to.to_rfc3339(), "2024-08-31T16:00:00+00:00");
    }
}
