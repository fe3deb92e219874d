//! Aggregate figures (`aggregate` records): one organisation's placement counts for one cohort,
//! as a node reports them to the nodes above it. Counts only (numerator and denominator, by
//! destination code and by component), never rates: rates do not add up, counts do.
//!
//! A node reports the universities whose rosters it holds (itself, for a university node);
//! a university that runs a node of its own reports itself, so every graduate is counted by
//! exactly one node and a province's figure at the nation is the sum of its universities'.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use crate::destination::{Component, Tally};

/// The schema type an aggregate body carries.
pub const PLACEMENT_TYPE: &str = "PlacementAggregate";

/// A report's counts with the time they were taken (`asOf`, RFC 3339 to the second, UTC).
pub(crate) fn stamped(mut counts: Value, as_of: DateTime<Utc>) -> Value {
    if let Some(o) = counts.as_object_mut() {
        o.insert("asOf".into(), json!(as_of.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)));
    }
    counts
}

/// The organisation's code and path and the cohort of an aggregate body of type `kind`, when
/// the path ends at the organisation and the cohort is a plausible year.
pub(crate) fn header<'a>(body: &'a Value, kind: &str) -> Option<(&'a str, &'a str, i32)> {
    if body.get("@type").and_then(Value::as_str) != Some(kind) {
        return None;
    }
    let text = |k: &str| body.get(k).and_then(Value::as_str).map(str::trim).filter(|s| !s.is_empty());
    let (org, path) = (text("org")?, text("path")?);
    if path.rsplit('/').next() != Some(org) {
        return None;
    }
    let cohort = i32::try_from(body.get("cohort")?.as_i64()?).ok().filter(|c| (2000..=2100).contains(c))?;
    Some((org, path, cohort))
}

/// One organisation's placement counts for a cohort.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Figures {
    /// The organisation's code.
    pub org: String,
    pub name: String,
    /// Codes from the nation down to the organisation, joined by `/` (as `Org::path`).
    pub path: String,
    pub cohort: i32,
    pub tally: Tally,
}

/// The record id of `origin`'s figures for `org` and `cohort`: the same for every report of
/// them, so that a newer report replaces the older.
pub fn record(origin: &str, org: &str, cohort: i32) -> uuid::Uuid {
    uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_OID, format!("jiuye:aggregate:{origin}:{org}:{cohort}").as_bytes())
}

impl Figures {
    /// The counts as they travel, without the time they were taken (two reports with the same
    /// counts have the same `counts`).
    pub fn counts(&self) -> Value {
        let by_component: BTreeMap<&str, i64> =
            self.tally.component_counts().iter().map(|(c, n)| (c.id(), *n)).collect();
        json!({
            "@type": PLACEMENT_TYPE,
            "org": self.org,
            "name": self.name,
            "path": self.path,
            "cohort": self.cohort,
            "graduates": self.tally.graduates,
            "placed": self.tally.placed,
            "byCode": self.tally.by_code,
            "byComponent": by_component,
        })
    }

    /// The body of the envelope: the counts and when they were taken.
    pub fn body(&self, as_of: DateTime<Utc>) -> Value {
        super::figures::stamped(self.counts(), as_of)
    }

    /// Reads a received body, or `None` when it is not a consistent report: counts that are
    /// negative, placed above graduates, destination codes that do not add up to the placed
    /// and unplaced, or a path that does not end at the organisation.
    pub fn from_body(body: &Value) -> Option<(Figures, DateTime<Utc>)> {
        let (org, path, cohort) = header(body, PLACEMENT_TYPE)?;
        let text = |k: &str| body.get(k).and_then(Value::as_str).map(str::trim).filter(|s| !s.is_empty());
        let count = |v: &Value| v.as_i64().filter(|n| *n >= 0);
        let graduates = count(body.get("graduates")?)?;
        let placed = count(body.get("placed")?)?;
        let mut by_code = BTreeMap::new();
        for (code, n) in body.get("byCode")?.as_object()? {
            by_code.insert(code.clone(), count(n)?);
        }
        // The components follow from the codes; those sent must agree with them.
        let mut tally = Tally::default();
        for (code, n) in &by_code {
            tally.add(Some(code), *n);
        }
        let counted = tally.graduates;
        tally.add(None, graduates.checked_sub(counted).filter(|n| *n >= 0)?);
        if tally.placed != placed {
            return None;
        }
        for (id, n) in body.get("byComponent")?.as_object()? {
            let c = Component::ALL.iter().find(|c| c.id() == id)?;
            if *tally.by_component.get(c).unwrap_or(&0) != count(n)? {
                return None;
            }
        }
        let as_of = DateTime::parse_from_rfc3339(text("asOf")?).ok()?.with_timezone(&Utc);
        let name = text("name").unwrap_or(org).to_owned();
        Some((Figures { org: org.to_owned(), name, path: path.to_owned(), cohort, tally }, as_of))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Figures {
        let mut tally = Tally::default();
        tally.add(Some("10"), 30);
        tally.add(Some("46"), 5);
        tally.add(None, 15);
        Figures {
            org: "4151010610".into(),
            name: "四川大学".into(),
            path: "CN/510000/4151010610".into(),
            cohort: 2024,
            tally,
        }
    }

    #[test]
    fn a_body_reads_back_as_sent() {
        let f = sample();
        let at = DateTime::parse_from_rfc3339("2026-12-01T08:00:00Z").unwrap().with_timezone(&Utc);
        let (back, as_of) = Figures::from_body(&f.body(at)).expect("consistent");
        assert_eq!((back, as_of), (f, at));
    }

    #[test]
    fn inconsistent_counts_are_refused() {
        let at = Utc::now();
        let f = sample();
        for (key, value) in [
            ("placed", json!(49)),
            ("graduates", json!(10)),
            ("graduates", json!(-1)),
            ("path", json!("CN/510000")),
            ("cohort", json!(1999)),
            ("@type", json!("Other")),
            ("byComponent", json!({"employed": 1})),
        ] {
            let mut body = f.body(at);
            body[key] = value;
            assert!(Figures::from_body(&body).is_none(), "{key}");
        }
    }
}
