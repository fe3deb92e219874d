//! The quota engine over JSON: for an organisation, which targets of a campaign apply to it (and
//! to the units below it), why, what counts, and where it stands against the timeline (the
//! engine is `jiuye_app::campaign::targets`); the caller's own targets; the progress report.

use axum::Json;
use axum::extract::{Path, State};
use jiuye_app::campaign::targets::{self as app, Mine, TargetQuery};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::api::campaign::{snake, today};
use crate::auth::Signed;
use crate::error::{AppError, ErrorBody};
use crate::extract::query::ApiQuery;

/// One target that applies to one organisation, with its progress.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct TargetProgress {
    /// The rule's id in the policy (e.g. `leaders_open_new`).
    pub rule: String,
    /// The rule as the notice words it.
    pub description: String,
    /// `university`, `college` or `programme`.
    pub level: String,
    /// The organisation the target is for.
    pub org: String,
    pub org_name: String,
    /// Why it applies, with the numbers that triggered it.
    pub reason: String,
    /// What counts toward it.
    pub counts: String,
    pub required: u32,
    pub achieved: u32,
    /// How many should be done by `as_of`, planning backwards from the deadline.
    pub expected_by_now: u32,
    /// `met`, `on_track` or `behind`.
    pub status: String,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TargetParams {
    /// A province, university, college or programme code. A province lists its universities'
    /// targets; a university its own and those of its colleges and programmes.
    pub org: String,
    /// The day to measure the timeline at (YYYY-MM-DD; default today within the campaign's window, else its end).
    pub as_of: Option<String>,
    /// Only targets with this status (`met`, `on_track`, `behind`).
    pub status: Option<String>,
}

impl From<app::TargetProgress> for TargetProgress {
    fn from(t: app::TargetProgress) -> TargetProgress {
        TargetProgress {
            rule: t.rule,
            description: t.description,
            level: snake(t.level),
            org: t.org,
            org_name: t.org_name,
            reason: t.reason,
            counts: snake(t.counts),
            required: t.required,
            achieved: t.achieved,
            expected_by_now: t.expected_by_now,
            status: snake(t.status),
        }
    }
}

impl TargetParams {
    /// The query as the use cases take it.
    pub(crate) fn query(&self) -> TargetQuery<'_> {
        TargetQuery { org: &self.org, as_of: self.as_of.as_deref(), status: self.status.as_deref() }
    }
}

/// Which targets of a campaign apply to an organisation and the units below it, why, and the
/// progress against the timeline.
#[utoipa::path(get, path = "/api/v1/campaigns/{id}/targets", tag = "campaigns", params(("id" = String, Path), TargetParams),
    responses((status = 200, body = Vec<TargetProgress>),
        (status = 400, description = "`invalid_date`, `invalid_status`, `org_too_broad`", body = ErrorBody),
        (status = 403, description = "`forbidden`", body = ErrorBody),
        (status = 404, description = "`campaign_not_found`, `org_not_found`", body = ErrorBody)))]
pub async fn campaign_targets(
    State(state): State<AppState>,
    Signed(caller): Signed,
    Path(id): Path<String>,
    ApiQuery(p): ApiQuery<TargetParams>,
) -> Result<Json<Vec<TargetProgress>>, AppError> {
    let targets = app::targets(state.store.as_ref(), &caller.actor, &id, p.query(), today()).await?;
    Ok(Json(targets.items.into_iter().map(TargetProgress::from).collect()))
}

/// The campaign's progress as an Excel workbook, the fields a province sends upward: one row per
/// unit one level below the organisation (universities of a province, colleges of a university,
/// programmes of a college) with visits, employers, new employers, positions opened and
/// internship bases inside the window, then every target with its status, and for readers of
/// the hardship ledger's coverage a sheet 帮扶覆盖 with its lines (cells of 1–4 graduates as
/// "<5" outside the career centre), and a sheet 招聘活动 with the events held inside the window
/// (employers, positions, registrations, attendance, live chats, interviews and offers).
#[utoipa::path(get, path = "/api/v1/campaigns/{id}/report.xlsx", tag = "campaigns", params(("id" = String, Path), TargetParams),
    responses((status = 200, description = "Workbook", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (status = 403, description = "`forbidden`", body = ErrorBody), (status = 404, description = "`campaign_not_found`, `org_not_found`", body = ErrorBody)))]
pub async fn campaign_report(
    State(state): State<AppState>,
    Signed(caller): Signed,
    Path(id): Path<String>,
    ApiQuery(p): ApiQuery<TargetParams>,
) -> Result<axum::response::Response, AppError> {
    let (org, bytes) =
        app::report(state.store.as_ref(), &caller.actor, &id, p.query(), today(), &state.hardship(), &state.events())
            .await?;
    Ok(crate::render::download::download(
        bytes,
        crate::api::rosters::XLSX,
        &format!("访企拓岗进度-{}-{}.xlsx", id, org.code),
    ))
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(campaign_targets)).routes(routes!(campaign_report)).routes(routes!(my_targets))
}

/// A target someone answers for, with what is still owed.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct OwedTarget {
    #[serde(flatten)]
    pub target: TargetProgress,
    /// Employers still to reach by the deadline.
    pub owed: u32,
    /// Employers still to reach to be on schedule today.
    pub owed_by_now: u32,
}

/// What the caller answers for in a campaign.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct MyTargets {
    pub campaign: String,
    pub as_of: String,
    /// The targets of the units the caller answers for (a university leader: the university's
    /// leadership targets; a college leader, major head or counselor: those of their unit and
    /// below; career staff: all of their university's), most owed first.
    pub targets: Vec<OwedTarget>,
    /// Visits inside the window the caller took part in.
    pub my_visits: u32,
    /// Distinct employers those visits reached.
    pub my_employers: u32,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MineParams {
    /// The day to measure the timeline at (YYYY-MM-DD; default today within the campaign's window, else its end).
    pub as_of: Option<String>,
}

impl From<Mine> for MyTargets {
    fn from(m: Mine) -> MyTargets {
        MyTargets {
            campaign: m.campaign.id,
            as_of: m.as_of.to_string(),
            targets: m
                .targets
                .into_iter()
                .map(|o| OwedTarget { target: o.target.into(), owed: o.owed, owed_by_now: o.owed_by_now })
                .collect(),
            my_visits: m.my_visits,
            my_employers: m.my_employers,
        }
    }
}

/// The caller's own view of a campaign: the targets they answer for and what they still owe.
#[utoipa::path(get, path = "/api/v1/campaigns/{id}/mine", tag = "campaigns", params(("id" = String, Path), MineParams),
    responses((status = 200, body = MyTargets), (status = 400, description = "`invalid_date`", body = ErrorBody),
        (status = 404, description = "`campaign_not_found`", body = ErrorBody)))]
pub async fn my_targets(
    State(state): State<AppState>,
    Signed(caller): Signed,
    Path(id): Path<String>,
    ApiQuery(p): ApiQuery<MineParams>,
) -> Result<Json<MyTargets>, AppError> {
    let mine = app::mine(state.store.as_ref(), &caller.actor, &id, p.as_of.as_deref(), today()).await?;
    Ok(Json(mine.into()))
}
