//! The campaign page's 联网上报 section: the progress that the nodes under the organisation
//! reported (`jiuye_app::statistics::federated::progress`), per unit one level down (a
//! province's universities, the nation's provinces) and rule, with the sums and when each was
//! measured.

use std::collections::BTreeMap;

use jiuye_domain::campaign::Campaign;
use jiuye_domain::federation::progress::RuleProgress;

use crate::AppState;
use crate::auth::Caller;
use crate::error::AppError;
use crate::render::page::group_digits;

/// One (unit, rule) line.
pub(crate) struct ReportedRow {
    pub unit: String,
    pub rule: String,
    pub units: String,
    pub required: String,
    pub achieved: String,
    pub met: String,
    pub on_track: String,
    pub behind: String,
    pub as_of: String,
    /// A line of the sums.
    pub total: bool,
}

/// The section: a line per unit and rule, then a line per rule for the sums.
pub(crate) struct ReportedSection {
    pub rows: Vec<ReportedRow>,
}

/// A unit's rules summed over its reports, and the oldest report's time.
type UnitSums = (BTreeMap<String, RuleProgress>, Option<chrono::DateTime<chrono::Utc>>);

fn minute(t: chrono::DateTime<chrono::Utc>) -> String {
    t.format("%Y-%m-%d %H:%M UTC").to_string()
}

fn row(unit: String, rule: String, p: &RuleProgress, as_of: String) -> ReportedRow {
    ReportedRow {
        unit,
        rule,
        units: group_digits(p.units),
        required: group_digits(p.required),
        achieved: group_digits(p.achieved),
        met: group_digits(p.met),
        on_track: group_digits(p.on_track),
        behind: group_digits(p.behind),
        as_of,
        total: false,
    }
}

/// The section for `org_code` (the sums' lines labelled `sum_label`), or `None` when nothing was reported under it or the caller may
/// not see its statistics (those who only log visits see the targets, not the reports).
pub(crate) async fn section(
    state: &AppState,
    me: &Caller,
    sum_label: &str,
    campaign: &Campaign,
    org_code: &str,
) -> Result<Option<ReportedSection>, AppError> {
    let store = state.store.as_ref();
    let f = match jiuye_app::statistics::federated::progress(store, &me.actor, org_code, &campaign.id).await {
        Ok(f) => f,
        Err(e) if e.kind == jiuye_app::ErrorKind::Forbidden => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    if f.reports.is_empty() {
        return Ok(None);
    }
    let rule_name = |id: &str| {
        campaign.targets.iter().find(|t| t.id == id).map_or_else(|| id.to_owned(), |t| t.description.clone())
    };
    // Each report goes to the unit one level below the organisation on its path.
    let depth = f.org.path.split('/').count();
    let names: BTreeMap<String, String> =
        store.org_children(&f.org).await?.into_iter().map(|c| (c.org.code.to_string(), c.org.name)).collect();
    let mut units: BTreeMap<String, UnitSums> = BTreeMap::new();
    for r in &f.reports {
        let code = r.figures.path.split('/').nth(depth).unwrap_or(&r.figures.org).to_owned();
        let (rules, oldest) = units.entry(code).or_default();
        for (id, p) in &r.figures.rules {
            rules.entry(id.clone()).or_default().merge(p);
        }
        *oldest = Some(oldest.map_or(r.as_of, |o| o.min(r.as_of)));
    }
    let mut rows = Vec::new();
    for (code, (rules, oldest)) in &units {
        let name = names.get(code).cloned().unwrap_or_else(|| code.clone());
        for (id, p) in rules {
            rows.push(row(format!("{name}（{code}）"), rule_name(id), p, oldest.map(minute).unwrap_or_default()));
        }
    }
    let as_of = f.as_of.map(minute).unwrap_or_default();
    rows.extend(
        f.total
            .iter()
            .map(|(id, p)| ReportedRow { total: true, ..row(sum_label.to_owned(), rule_name(id), p, as_of.clone()) }),
    );
    Ok(Some(ReportedSection { rows }))
}
