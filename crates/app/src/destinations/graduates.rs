//! Graduates in scope: the list with its filters (an organisation, a cohort, a status, those
//! still unplaced, a name or 学号), a counselor's follow-up of a graduate, and the date a
//! university's cohort closes for corrections.

use chrono::NaiveDate;
use jiuye_domain::access::{self, Action, Actor, Resource, ScopedGrant};
use jiuye_domain::destination::DestStatus;
use jiuye_store::Repository;
use jiuye_store::destinations::{CONTACT_STATES, GraduateListItem, GraduateQuery};
use uuid::Uuid;

use super::visible_graduate;
use crate::access::authorize;
use crate::read_log::Reads;
use crate::{Error, ErrorCode};

/// The filters of the graduate list, as typed; none narrows nothing.
#[derive(Clone, Debug, Default)]
pub struct GraduateFilter {
    /// An organisation code inside the caller's scope.
    pub org: Option<String>,
    pub cohort: Option<i32>,
    /// A destination status id (`none`, `submitted`, …).
    pub status: Option<String>,
    /// Only graduates without a counted, placed destination.
    pub unplaced: bool,
    /// Only graduates nobody followed up with in this many days (1–365).
    pub uncontacted_days: Option<i64>,
    /// Name or 学号 contains.
    pub q: Option<String>,
}

impl GraduateFilter {
    /// The filter as the read log keeps it, e.g. `org=4151010610 cohort=2023 unplaced`.
    pub fn describe(&self, limit: i64, offset: i64) -> String {
        let mut parts = Vec::new();
        let text = |s: &Option<String>| s.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned);
        if let Some(o) = text(&self.org) {
            parts.push(format!("org={o}"));
        }
        if let Some(c) = self.cohort {
            parts.push(format!("cohort={c}"));
        }
        if let Some(s) = text(&self.status) {
            parts.push(format!("status={s}"));
        }
        if self.unplaced {
            parts.push("unplaced".to_owned());
        }
        if let Some(d) = self.uncontacted_days {
            parts.push(format!("uncontacted_days={d}"));
        }
        if let Some(q) = text(&self.q) {
            parts.push(format!("q={}", q.chars().take(100).collect::<String>()));
        }
        parts.push(format!("limit={limit} offset={offset}"));
        parts.join(" ")
    }
}

/// A page of the graduates `actor` may see, with the total matching the filter; the read (the
/// filter and how many rows) is logged.
pub async fn list(
    store: &dyn Repository,
    actor: &Actor,
    filter: GraduateFilter,
    limit: i64,
    offset: i64,
    reads: Reads<'_>,
) -> Result<(Vec<GraduateListItem>, i64), Error> {
    let described = filter.describe(limit, offset);
    let scope = access::scope_paths(actor, Action::ViewGraduate);
    if scope.is_empty() {
        return Err(Error::forbidden());
    }
    let org_path = match filter.org.as_deref().map(str::trim).filter(|o| !o.is_empty()) {
        Some(code) => {
            let org = crate::orgs::by_code(store, code).await?;
            authorize(actor, Action::ViewGraduate, &Resource::at(&org.path))?;
            Some(org.path)
        }
        None => None,
    };
    let status = match filter.status.as_deref().filter(|s| !s.is_empty()) {
        Some(s) => Some(
            DestStatus::from_id(s)
                .ok_or_else(|| Error::bad_input(ErrorCode::InvalidQuery, format!("未知状态“{s}”")))?,
        ),
        None => None,
    };
    let not_contacted_since = match filter.uncontacted_days {
        Some(d) if (1..=365).contains(&d) => Some(chrono::Utc::now() - chrono::Duration::days(d)),
        Some(_) => return Err(Error::bad_input(ErrorCode::InvalidQuery, "uncontacted_days 应在 1–365 之间")),
        None => None,
    };
    let path = org_path.clone().or_else(|| scope.first().cloned());
    let query = GraduateQuery {
        scope_paths: scope,
        org_path,
        cohort: filter.cohort,
        status,
        unplaced: filter.unplaced,
        not_contacted_since,
        q: filter.q,
        limit,
        offset,
    };
    let (items, total) = store.list_graduates(&query).await?;
    reads.list(actor, path.as_deref(), described, items.len()).await?;
    Ok((items, total))
}

/// The newest cohort (届) with graduates the caller may see (under `org`, when given): the
/// cohort a list shows when none is asked. `None` when the scope holds no graduates.
pub async fn newest_cohort(store: &dyn Repository, actor: &Actor, org: Option<&str>) -> Result<Option<i32>, Error> {
    let scope = access::scope_paths(actor, Action::ViewGraduate);
    if scope.is_empty() {
        return Err(Error::forbidden());
    }
    let org_path = match org.map(str::trim).filter(|o| !o.is_empty()) {
        Some(code) => {
            let org = crate::orgs::by_code(store, code).await?;
            authorize(actor, Action::ViewGraduate, &Resource::at(&org.path))?;
            Some(org.path)
        }
        None => None,
    };
    for cohort in store.cohorts().await? {
        let query = GraduateQuery {
            scope_paths: scope.clone(),
            org_path: org_path.clone(),
            cohort: Some(cohort),
            status: None,
            unplaced: false,
            not_contacted_since: None,
            q: None,
            limit: 1,
            offset: 0,
        };
        if store.list_graduates(&query).await?.1 > 0 {
            return Ok(Some(cohort));
        }
    }
    Ok(None)
}

/// Records a counselor's follow-up with a graduate (one of `CONTACT_STATES`; staff who may
/// register the graduate's destination); answers the grant it was recorded under.
pub async fn record_contact(
    store: &dyn Repository,
    actor: &Actor,
    id: Uuid,
    state: &str,
) -> Result<ScopedGrant, Error> {
    let g = visible_graduate(store, actor, id).await?;
    let grant = authorize(actor, Action::RegisterDestination, &Resource::at(&g.programme_path))?.clone();
    if !CONTACT_STATES.contains(&state) {
        return Err(Error::bad_input(
            ErrorCode::InvalidState,
            "state 应为 not_contacted、contacted、needs_help 或 unreachable",
        ));
    }
    store.set_contact(id, state, actor.user_id).await?;
    Ok(grant)
}

/// Sets the last day (YYYY-MM-DD) the destination records of a university's cohort may change,
/// for those who manage its graduates; answers the grant it was set under.
pub async fn set_closing(
    store: &dyn Repository,
    actor: &Actor,
    university: &str,
    cohort: i32,
    closes_on: &str,
) -> Result<ScopedGrant, Error> {
    let org = crate::orgs::by_code(store, university).await?;
    let grant = authorize(actor, Action::ManageGraduates, &Resource::node(&org.path, org.kind))?.clone();
    let date = NaiveDate::parse_from_str(closes_on.trim(), "%Y-%m-%d")
        .map_err(|_| Error::bad_input(ErrorCode::InvalidDate, "日期应形如 2024-08-31"))?;
    if !(2000..=2100).contains(&cohort) {
        return Err(Error::bad_input(ErrorCode::InvalidCohort, "届别应为四位年份"));
    }
    store.set_cohort_closing(org.id, cohort, &date.to_string()).await?;
    Ok(grant)
}
