//! 联网上报的帮扶覆盖: the hardship coverage that the nodes under an organisation reported
//! (`jiuye_app::statistics::federated::hardship`), each university's and the sum, with small
//! counts hidden as they are for the node's own figures.

use axum::Json;
use axum::extract::State;
use jiuye_app::hardship::{Counts, CoverageNode};
use jiuye_app::statistics::federated::FederatedHardship;
use jiuye_domain::federation::coverage::HardshipFigures;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::api::hardship::{CoverageFigures, figures};
use crate::api::orgs::OrgRef;
use crate::api::stats_federated::stamp;
use crate::auth::Signed;
use crate::error::{AppError, ErrorBody};
use crate::extract::query::ApiQuery;

/// One university's coverage as its node reported it.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReportedCoverage {
    /// The node that counted it.
    pub origin: String,
    /// When it was counted there (RFC 3339).
    pub as_of: String,
    #[serde(flatten)]
    pub figures: CoverageFigures,
}

/// The coverage reported under an organisation, and its sum.
#[derive(Debug, Serialize, ToSchema)]
pub struct FederatedCoverage {
    pub org: OrgRef,
    pub cohort: i32,
    /// Whether every count is exact (otherwise 1–4 show as "<5").
    pub exact: bool,
    /// The oldest report's time: the sum is as fresh as this.
    pub as_of: Option<String>,
    pub total: CoverageFigures,
    pub reports: Vec<ReportedCoverage>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FederatedCoverageParams {
    /// The organisation whose subtree's reports are summed (a province or the nation).
    pub org: String,
    pub cohort: i32,
}

fn node(f: &HardshipFigures) -> CoverageNode {
    CoverageNode {
        code: f.org.clone(),
        name: f.name.clone(),
        path: f.path.clone(),
        counts: Counts { total: f.total, lines: f.lines.clone(), categories: Vec::new() },
    }
}

pub(crate) fn dto(f: &FederatedHardship) -> FederatedCoverage {
    FederatedCoverage {
        org: OrgRef::from(&f.org),
        cohort: f.cohort,
        exact: f.exact,
        as_of: f.as_of.map(stamp),
        total: figures(&node(&f.total), f.exact),
        reports: f
            .reports
            .iter()
            .map(|r| ReportedCoverage {
                origin: r.origin.clone(),
                as_of: stamp(r.as_of),
                figures: figures(&node(&r.figures), f.exact),
            })
            .collect(),
    }
}

/// The hardship coverage reported by the nodes under an organisation for a cohort: per
/// university, the graduates in its ledger and how many have each line of help, and the sums
/// (counts only; no category travels). Small counts are hidden as for the node's own figures.
#[utoipa::path(get, path = "/api/v1/hardship/coverage/federated", tag = "hardship", params(FederatedCoverageParams),
    responses((status = 200, description = "The reports and their sum", body = FederatedCoverage),
        (status = 400, description = "`invalid_org_code`, `invalid_cohort`, `invalid_query`", body = ErrorBody),
        (status = 401, description = "`unauthenticated`", body = ErrorBody), (status = 403, description = "`forbidden`", body = ErrorBody),
        (status = 404, description = "`org_not_found`", body = ErrorBody)))]
pub async fn federated_coverage(
    State(state): State<AppState>,
    Signed(caller): Signed,
    ApiQuery(p): ApiQuery<FederatedCoverageParams>,
) -> Result<Json<FederatedCoverage>, AppError> {
    let f = jiuye_app::statistics::federated::hardship(state.store.as_ref(), &caller.actor, &p.org, p.cohort).await?;
    Ok(Json(dto(&f)))
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(federated_coverage))
}
