//! The statistics page's 联网上报 section: the figures the nodes under the organisation
//! reported, next to the ones counted here, each with when it was counted.

use jiuye_app::statistics::federated::Federated;

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
