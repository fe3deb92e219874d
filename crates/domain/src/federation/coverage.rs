//! Hardship coverage as it travels upward (`aggregate` records of type `HardshipCoverage`): for
//! one university and cohort, how many graduates are in the hardship ledger and how many of
//! them have each line of help (a verified file, an approved plan, a helper, three recommended
//! postings, a recent contact, the training, the subsidy, a destination). Counts only, exact:
//! the receiving node hides small counts from readers outside the career centres and the
//! administrators, as it does for its own. No category travels (they are sealed at the origin).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use crate::hardship::Line;

/// The schema type a hardship-coverage body carries.
pub const COVERAGE_TYPE: &str = "HardshipCoverage";

/// One university's hardship coverage for a cohort.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HardshipFigures {
    pub org: String,
    pub name: String,
    pub path: String,
    pub cohort: i32,
    /// Graduates in the ledger.
    pub total: i64,
    /// How many have each line, in `Line::ALL` order.
    pub lines: Vec<(Line, i64)>,
}

/// The record id of `origin`'s coverage for `org` and `cohort`.
pub fn record(origin: &str, org: &str, cohort: i32) -> uuid::Uuid {
    uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_OID, format!("jiuye:hardship:{origin}:{org}:{cohort}").as_bytes())
}

impl HardshipFigures {
    /// The counts as they travel, without the time they were taken.
    pub fn counts(&self) -> Value {
        let lines: BTreeMap<&str, i64> = self.lines.iter().map(|(l, n)| (l.id(), *n)).collect();
        json!({
            "@type": COVERAGE_TYPE,
            "org": self.org,
            "name": self.name,
            "path": self.path,
            "cohort": self.cohort,
            "total": self.total,
            "lines": lines,
        })
    }

    /// The body of the envelope: the counts and when they were taken.
    pub fn body(&self, as_of: DateTime<Utc>) -> Value {
        super::figures::stamped(self.counts(), as_of)
    }

    /// Adds another organisation's counts.
    pub fn merge(&mut self, other: &HardshipFigures) {
        self.total += other.total;
        for (line, n) in &other.lines {
            match self.lines.iter_mut().find(|(l, _)| l == line) {
                Some((_, m)) => *m += n,
                None => self.lines.push((*line, *n)),
            }
        }
    }

    /// Reads a received body, or `None` when it is not a consistent report (negative counts, a
    /// line above the total, an unknown line, a path that does not end at the organisation).
    pub fn from_body(body: &Value) -> Option<(HardshipFigures, DateTime<Utc>)> {
        let (org, path, cohort) = super::figures::header(body, COVERAGE_TYPE)?;
        let text = |k: &str| body.get(k).and_then(Value::as_str).map(str::trim).filter(|s| !s.is_empty());
        let total = body.get("total")?.as_i64().filter(|n| *n >= 0)?;
        let given = body.get("lines")?.as_object()?;
        if given.keys().any(|k| Line::from_id(k).is_none()) {
            return None;
        }
        let mut lines = Vec::with_capacity(Line::ALL.len());
        for line in Line::ALL {
            let n = match given.get(line.id()) {
                Some(v) => v.as_i64().filter(|n| (0..=total).contains(n))?,
                None => 0,
            };
            lines.push((line, n));
        }
        let as_of = DateTime::parse_from_rfc3339(text("asOf")?).ok()?.with_timezone(&Utc);
        let name = text("name").unwrap_or(org).to_owned();
        Some((HardshipFigures { org: org.to_owned(), name, path: path.to_owned(), cohort, total, lines }, as_of))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> HardshipFigures {
        HardshipFigures {
            org: "4151010610".into(),
            name: "四川大学".into(),
            path: "CN/510000/4151010610".into(),
            cohort: 2024,
            total: 12,
            lines: Line::ALL.into_iter().enumerate().map(|(i, l)| (l, i as i64)).collect(),
        }
    }

    #[test]
    fn a_body_reads_back_as_sent_and_sums_add() {
        let f = sample();
        let at = DateTime::parse_from_rfc3339("2026-12-01T08:00:00Z").unwrap().with_timezone(&Utc);
        let (back, as_of) = HardshipFigures::from_body(&f.body(at)).expect("consistent");
        assert_eq!((back.clone(), as_of), (f.clone(), at));
        let mut sum = back;
        sum.merge(&f);
        assert_eq!((sum.total, sum.lines[3]), (24, (Line::Recommended, 6)));
    }

    #[test]
    fn inconsistent_coverage_is_refused() {
        let at = Utc::now();
        let f = sample();
        for (key, value) in [
            ("total", json!(-1)),
            ("total", json!(5)),
            ("path", json!("CN/510000")),
            ("cohort", json!(1999)),
            ("lines", json!({"file": 1, "gossip": 2})),
            ("lines", json!({"placed": -1})),
            ("@type", json!("PlacementAggregate")),
        ] {
            let mut body = f.body(at);
            body[key] = value;
            assert!(HardshipFigures::from_body(&body).is_none(), "{key}");
        }
    }
}
