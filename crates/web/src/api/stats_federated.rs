//! 联网上报: the placement figures that the nodes under an organisation reported, with when
//! each was counted (see `jiuye_app::statistics::federated`).

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::{Path, State};
use jiuye_app::statistics::federated::{Federated, FederatedEvents, FederatedProgress, Received};
use jiuye_domain::destination::Tally;
use jiuye_domain::federation::activity::EventFigures;
use jiuye_domain::federation::progress::RuleProgress;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::api::orgs::OrgRef;
use crate::auth::Signed;
use crate::error::{AppError, ErrorBody};
use crate::extract::query::ApiQuery;

/// Counts, as they add up.
#[derive(Debug, Serialize, ToSchema)]
pub struct Counts {
    pub graduates: i64,
    pub placed: i64,
    /// Counted records by destination code.
    pub by_code: BTreeMap<String, i64>,
    /// Graduates by component (`employed`, `self_employed`, `freelance`, `further_study`,
    /// `not_placed`).
    pub by_component: BTreeMap<String, i64>,
}

impl From<&Tally> for Counts {
    fn from(t: &Tally) -> Counts {
        Counts {
            graduates: t.graduates,
            placed: t.placed,
            by_code: t.by_code.clone(),
            by_component: t.component_counts().iter().map(|(c, n)| (c.id().to_owned(), *n)).collect(),
        }
    }
}

/// The organisation a report counts, and where and when it came from.
#[derive(Debug, Serialize, ToSchema)]
pub struct Provenance {
    #[schema(example = "4151010610")]
    pub code: String,
    pub name: String,
    /// Codes from the nation down, joined by `/`.
    pub path: String,
    /// The node that counted them and the peer they came through.
    pub origin: String,
    pub via: String,
    /// When they were counted at the origin (RFC 3339).
    pub as_of: String,
    /// When they arrived here (RFC 3339).
    pub received_at: String,
}

impl Provenance {
    /// Of the report `r` about the organisation called `name` at `path`.
    fn of<T>(r: &Received<T>, name: &str, path: &str) -> Provenance {
        Provenance {
            code: r.org.clone(),
            name: name.to_owned(),
            path: path.to_owned(),
            origin: r.origin.clone(),
            via: r.via.clone(),
            as_of: stamp(r.as_of),
            received_at: stamp(r.received_at),
        }
    }
}

/// One organisation's figures as a node reported them.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReportedFigures {
    #[serde(flatten)]
    pub from: Provenance,
    #[serde(flatten)]
    pub counts: Counts,
}

/// The figures reported under an organisation for a cohort, and their sum.
#[derive(Debug, Serialize, ToSchema)]
pub struct FederatedStats {
    pub org: OrgRef,
    pub cohort: i32,
    /// The sum of the reports.
    pub total: Counts,
    /// The oldest report's time: the sum is as fresh as this (absent when nothing was reported).
    pub as_of: Option<String>,
    pub reports: Vec<ReportedFigures>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FederatedParams {
    /// Organisation code (CN, a province, a university).
    pub org: String,
    pub cohort: i32,
}

/// A time as the federated figures show it (RFC 3339 to the second, UTC).
pub(crate) fn stamp(t: chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

pub(crate) fn dto(f: &Federated) -> FederatedStats {
    FederatedStats {
        org: OrgRef::from(&f.org),
        cohort: f.cohort,
        total: Counts::from(&f.total),
        as_of: f.as_of.map(stamp),
        reports: f
            .reports
            .iter()
            .map(|r| ReportedFigures {
                from: Provenance::of(r, &r.figures.name, &r.figures.path),
                counts: Counts::from(&r.figures.tally),
            })
            .collect(),
    }
}

/// The placement counts reported by the nodes under an organisation (aggregates only; rates
/// are computed from the sums, never added up).
#[utoipa::path(get, path = "/api/v1/stats/federated", tag = "graduates", params(FederatedParams),
    responses((status = 200, description = "The reports and their sum", body = FederatedStats),
        (status = 400, description = "`invalid_org_code`, `invalid_cohort`, `invalid_query`", body = ErrorBody),
        (status = 401, description = "`unauthenticated`", body = ErrorBody), (status = 403, description = "`forbidden`", body = ErrorBody),
        (status = 404, description = "`org_not_found`", body = ErrorBody)))]
pub async fn federated(
    State(state): State<AppState>,
    Signed(caller): Signed,
    ApiQuery(p): ApiQuery<FederatedParams>,
) -> Result<Json<FederatedStats>, AppError> {
    let f = jiuye_app::statistics::federated::federated(state.store.as_ref(), &caller.actor, &p.org, p.cohort).await?;
    Ok(Json(dto(&f)))
}

/// One rule's progress summed over the units it applies to.
#[derive(Debug, Serialize, ToSchema)]
pub struct RuleDto {
    /// `university`, `college` or `programme`.
    pub level: String,
    /// Units the rule applies to.
    pub units: i64,
    /// What they must do and have done (at most what each must), summed.
    pub required: i64,
    pub achieved: i64,
    /// Units that met it, are on track, are behind.
    pub met: i64,
    pub on_track: i64,
    pub behind: i64,
}

impl From<&RuleProgress> for RuleDto {
    fn from(r: &RuleProgress) -> RuleDto {
        RuleDto {
            level: r.level.clone(),
            units: r.units,
            required: r.required,
            achieved: r.achieved,
            met: r.met,
            on_track: r.on_track,
            behind: r.behind,
        }
    }
}

fn rules(m: &BTreeMap<String, RuleProgress>) -> BTreeMap<String, RuleDto> {
    m.iter().map(|(k, v)| (k.clone(), RuleDto::from(v))).collect()
}

/// One university's progress as its node reported it.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReportedProgressDto {
    #[serde(flatten)]
    pub from: Provenance,
    /// The day progress was measured at (YYYY-MM-DD).
    pub measured_on: String,
    /// By rule id of the campaign's policy.
    pub rules: BTreeMap<String, RuleDto>,
}

/// Campaign progress reported under an organisation, and its sum per rule.
#[derive(Debug, Serialize, ToSchema)]
pub struct FederatedProgressDto {
    pub org: OrgRef,
    pub campaign: String,
    /// The oldest report's time: the sums are as fresh as this.
    pub as_of: Option<String>,
    pub total: BTreeMap<String, RuleDto>,
    pub reports: Vec<ReportedProgressDto>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ProgressParams {
    /// The organisation whose subtree's reports are summed (a province or the nation).
    pub org: String,
}

pub(crate) fn progress_dto(f: &FederatedProgress) -> FederatedProgressDto {
    FederatedProgressDto {
        org: OrgRef::from(&f.org),
        campaign: f.campaign.clone(),
        as_of: f.as_of.map(stamp),
        total: rules(&f.total),
        reports: f
            .reports
            .iter()
            .map(|r| ReportedProgressDto {
                from: Provenance::of(r, &r.figures.name, &r.figures.path),
                measured_on: r.figures.measured_on.to_string(),
                rules: rules(&r.figures.rules),
            })
            .collect(),
    }
}

/// The visit-campaign progress reported by the nodes under an organisation for a campaign
/// loaded here: per university and rule, the units it applies to, what they must do and have
/// done, and how many met it, are on track or behind; and the sums (never rates).
#[utoipa::path(get, path = "/api/v1/stats/federated/campaigns/{id}", tag = "campaigns",
    params(("id" = String, Path, description = "The campaign's id"), ProgressParams),
    responses((status = 200, description = "The reports and their sums", body = FederatedProgressDto),
        (status = 400, description = "`invalid_org_code`, `invalid_query`", body = ErrorBody),
        (status = 401, description = "`unauthenticated`", body = ErrorBody), (status = 403, description = "`forbidden`", body = ErrorBody),
        (status = 404, description = "`org_not_found`, `campaign_not_found`", body = ErrorBody)))]
pub async fn federated_progress(
    State(state): State<AppState>,
    Signed(caller): Signed,
    Path(id): Path<String>,
    ApiQuery(p): ApiQuery<ProgressParams>,
) -> Result<Json<FederatedProgressDto>, AppError> {
    let f = jiuye_app::statistics::federated::progress(state.store.as_ref(), &caller.actor, &p.org, &id).await?;
    Ok(Json(progress_dto(&f)))
}

/// Event coverage counts, as they add up.
#[derive(Debug, Serialize, ToSchema)]
pub struct EventCounts {
    /// Events held (not cancelled), of every kind.
    pub events: i64,
    /// Events held by kind (`campus_fair`, `college_fair`, `presentation`, `workplace_day`,
    /// `online_fair`).
    pub held: BTreeMap<String, i64>,
    pub cancelled: i64,
    /// Over the events held: approved employer bookings, the positions they brought, places
    /// taken by graduates, graduates checked in.
    pub employers: i64,
    pub positions: i64,
    pub registered: i64,
    pub checked_in: i64,
}

impl From<&EventFigures> for EventCounts {
    fn from(f: &EventFigures) -> EventCounts {
        EventCounts {
            events: f.events(),
            held: f.held.iter().map(|(k, n)| (k.id().to_owned(), *n)).collect(),
            cancelled: f.cancelled,
            employers: f.totals.employers,
            positions: f.totals.positions,
            registered: f.totals.registered,
            checked_in: f.totals.checked_in,
        }
    }
}

/// One university's event coverage as its node reported it.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReportedEventsDto {
    #[serde(flatten)]
    pub from: Provenance,
    #[serde(flatten)]
    pub counts: EventCounts,
}

/// The event coverage reported under an organisation for a cohort, and its sum.
#[derive(Debug, Serialize, ToSchema)]
pub struct FederatedEventsDto {
    pub org: OrgRef,
    pub cohort: i32,
    /// The oldest report's time: the sum is as fresh as this.
    pub as_of: Option<String>,
    pub total: EventCounts,
    pub reports: Vec<ReportedEventsDto>,
}

pub(crate) fn events_dto(f: &FederatedEvents) -> FederatedEventsDto {
    FederatedEventsDto {
        org: OrgRef::from(&f.org),
        cohort: f.cohort,
        as_of: f.as_of.map(stamp),
        total: EventCounts::from(&f.total),
        reports: f
            .reports
            .iter()
            .map(|r| ReportedEventsDto {
                from: Provenance::of(r, &r.figures.name, &r.figures.path),
                counts: EventCounts::from(&r.figures),
            })
            .collect(),
    }
}

/// The recruitment events that the nodes under an organisation reported for a cohort's
/// recruiting year (1 September to 31 August): per university, events held by kind, cancelled,
/// and the employers, positions, places taken and check-ins of those held; and the sums.
#[utoipa::path(get, path = "/api/v1/stats/federated/events", tag = "events", params(FederatedParams),
    responses((status = 200, description = "The reports and their sum", body = FederatedEventsDto),
        (status = 400, description = "`invalid_org_code`, `invalid_cohort`, `invalid_query`", body = ErrorBody),
        (status = 401, description = "`unauthenticated`", body = ErrorBody), (status = 403, description = "`forbidden`", body = ErrorBody),
        (status = 404, description = "`org_not_found`", body = ErrorBody)))]
pub async fn federated_events(
    State(state): State<AppState>,
    Signed(caller): Signed,
    ApiQuery(p): ApiQuery<FederatedParams>,
) -> Result<Json<FederatedEventsDto>, AppError> {
    let f = jiuye_app::statistics::federated::events(state.store.as_ref(), &caller.actor, &p.org, p.cohort).await?;
    Ok(Json(events_dto(&f)))
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(federated))
        .routes(routes!(federated_progress))
        .routes(routes!(federated_events))
}
