//! An organisation's event coverage for a cohort: the events organised at it and below it that
//! started during the cohort's recruiting year and before now, counted by kind (cancelled ones
//! apart), with the employers, positions, places taken and check-ins of those held. It is what
//! a node reports upward (`jiuye_app::federation::activity`); counts only.

use chrono::{DateTime, Utc};
use jiuye_domain::Org;
use jiuye_domain::events::EventKind;
use jiuye_domain::federation::activity::{EventFigures, EventTotals, recruiting_year};
use jiuye_store::Repository;
use jiuye_store::events::EventFilter;

use crate::Error;

/// How many events one read of the list brings.
const PAGE: i64 = 500;

/// The event coverage of `org` (and everything under it) for `cohort`, at `now`.
pub async fn figures(
    store: &dyn Repository,
    org: &Org,
    cohort: i32,
    now: DateTime<Utc>,
) -> Result<EventFigures, Error> {
    let mut f = EventFigures::empty(org.code.as_str(), &org.name, &org.path, cohort);
    let Some((from, to)) = recruiting_year(cohort) else { return Ok(f) };
    let mut filter = EventFilter {
        under: vec![org.path.clone()],
        from: Some(from),
        to: Some(to.min(now)),
        limit: PAGE,
        ..EventFilter::default()
    };
    loop {
        let rows = store.events(&filter).await?;
        let full = rows.len() as i64 == PAGE;
        filter.after = rows.last().map(|r| (r.event.starts_at, r.event.id));
        for row in rows {
            // An event that began before the year (and ran into it) belongs to the year before.
            if row.event.starts_at < from {
                continue;
            }
            let Some(kind) = EventKind::from_id(&row.event.kind) else { continue };
            if row.event.cancelled_at.is_some() {
                f.count(kind, true, &EventTotals::default());
                continue;
            }
            let st = super::registrations::tally(store, now, row).await?;
            let totals = EventTotals {
                employers: st.employers_approved,
                positions: st.positions,
                registered: st.attendance.registered,
                checked_in: st.attendance.checked_in.min(st.attendance.registered),
            };
            f.count(kind, false, &totals);
        }
        if !full {
            return Ok(f);
        }
    }
}
