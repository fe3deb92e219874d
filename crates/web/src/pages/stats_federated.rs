//! The statistics page's 联网上报 sections: the placement figures and the recruitment events
//! the nodes under the organisation reported, next to the ones counted here, each with when it
//! was counted.

use jiuye_app::statistics::federated::{Federated, FederatedEvents};
use jiuye_domain::federation::activity::EventFigures;

use crate::render::page::group_digits;

/// One reported organisation as shown.
pub(crate) struct FedRow {
    pub code: String,
    pub name: String,
    pub graduates: String,
    pub placed: String,
    pub rate: String,
    /// When it was counted at its node (to the minute, UTC).
    pub as_of: String,
    pub origin: String,
}

/// The section: its rows and the sum (graduates, placed, rate, oldest "as of").
pub(crate) struct FedSection {
    pub rows: Vec<FedRow>,
    pub total: (String, String, String, String),
}

fn pct(placed: i64, graduates: i64) -> String {
    if graduates > 0 { format!("{:.2}%", placed as f64 * 100.0 / graduates as f64) } else { "—".to_owned() }
}

fn minute(t: chrono::DateTime<chrono::Utc>) -> String {
    t.format("%Y-%m-%d %H:%M UTC").to_string()
}

/// The section, or `None` when nothing was reported under the organisation.
pub(crate) fn section(f: &Federated) -> Option<FedSection> {
    if f.reports.is_empty() {
        return None;
    }
    let rows = f
        .reports
        .iter()
        .map(|r| {
            let t = &r.figures.tally;
            FedRow {
                code: r.figures.org.clone(),
                name: r.figures.name.clone(),
                graduates: group_digits(t.graduates),
                placed: group_digits(t.placed),
                rate: pct(t.placed, t.graduates),
                as_of: minute(r.as_of),
                origin: r.origin.clone(),
            }
        })
        .collect();
    let t = &f.total;
    let total = (
        group_digits(t.graduates),
        group_digits(t.placed),
        pct(t.placed, t.graduates),
        f.as_of.map(minute).unwrap_or_default(),
    );
    Some(FedSection { rows, total })
}

/// One reported organisation's events as shown: name, code, then the counts (events held,
/// cancelled, employers, positions, places taken, checked in), "as of" and the reporting node.
pub(crate) struct EventRow {
    pub code: String,
    pub name: String,
    pub counts: [String; 6],
    pub as_of: String,
    pub origin: String,
}

/// The events section: the counts' headings (message keys), its rows, the sums and the
/// oldest "as of".
pub(crate) struct EventSection {
    pub keys: [&'static str; 6],
    pub rows: Vec<EventRow>,
    pub total: [String; 6],
    pub as_of: String,
}

fn event_counts(f: &EventFigures) -> [String; 6] {
    let t = &f.totals;
    [f.events(), f.cancelled, t.employers, t.positions, t.registered, t.checked_in].map(group_digits)
}

/// The events section, or `None` when nothing was reported under the organisation.
pub(crate) fn events_section(f: &FederatedEvents) -> Option<EventSection> {
    if f.reports.is_empty() {
        return None;
    }
    let rows = f
        .reports
        .iter()
        .map(|r| EventRow {
            code: r.figures.org.clone(),
            name: r.figures.name.clone(),
            counts: event_counts(&r.figures),
            as_of: minute(r.as_of),
            origin: r.origin.clone(),
        })
        .collect();
    let keys = [
        "stats.events_held",
        "stats.events_cancelled",
        "stats.events_employers",
        "stats.events_positions",
        "stats.events_registered",
        "stats.events_checked_in",
    ];
    Some(EventSection { keys, rows, total: event_counts(&f.total), as_of: f.as_of.map(minute).unwrap_or_default() })
}
