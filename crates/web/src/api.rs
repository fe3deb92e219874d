//! JSON API under `/api/v1/`: typed queries in, typed bodies out, every route annotated for the
//! OpenAPI document (which is generated from this very router).

pub mod accounts;
pub mod applications;
pub mod awards;
pub mod calendar;
pub mod campaign;
pub mod contests;
pub mod courses;
pub mod destinations;
pub mod employers;
pub mod events;
pub mod federation;
pub mod federation_deliveries;
pub mod federation_peers;
pub mod federation_pull;
pub mod federation_report;
pub mod followup;
pub mod guidance;
pub mod hardship;
pub mod hardship_federated;
pub mod health;
pub mod live;
pub mod matching;
pub mod occupations;
pub mod orgs;
pub mod postings;
pub mod read_log;
pub mod reference;
pub mod rosters;
pub mod safety;
pub mod search;
pub mod search_follow;
pub mod stats_federated;
pub mod workbench;

use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::api::health::{__path_healthz, __path_metrics, healthz, metrics};
use crate::api::orgs::{__path_get_org, __path_list_orgs, get_org, list_orgs};
use crate::api::reference::{
    __path_get_ref, __path_list_catalogues, __path_list_ref, get_ref, list_catalogues, list_ref,
};

#[derive(utoipa::OpenApi)]
#[openapi(
    info(
        title = "jiuye API",
        description = "Graduate employment platform. Errors are always `{\"error\": code, \"message\": text}`.",
        license(name = "Apache-2.0")
    ),
    tags(
        (name = "organisations", description = "The organisation tree: nation, provinces, universities, colleges, programmes, alliances"),
        (name = "reference data", description = "Official code lists shipped with the platform"),
        (name = "identity", description = "Sign-in, the caller, tokens, accounts within scope, the audit log, the read log. Without credentials: 401 `unauthenticated`; outside the caller's scope: 403 `forbidden` or 404"),
        (name = "graduates", description = "Roster import and placement statistics (毕业去向落实率)"),
        (name = "employers", description = "The shared employer directory (用人单位库)"),
        (name = "campaigns", description = "Campaign policies as data (访企拓岗 quotas), visits, bases and the demand survey"),
        (name = "postings", description = "Job postings: scam screening, submission, review, reports, applications"),
        (name = "guidance", description = "Guidance: advisors' slots and graduates' bookings"),
        (name = "events", description = "Recruitment events (万企进校园): fairs, 宣讲会, online fairs; booths, registration with a waiting line, signed tickets and check-in"),
        (name = "matching", description = "Person–job matching (人岗匹配): intentions, recommendations with reasons, feedback, fitting graduates, invitations, coverage"),
        (name = "followup", description = "Counselor follow-up: contacts with each graduate, alerts"),
        (name = "safety", description = "Job-seeking safety: screening rules, rights reports, safety education"),
        (name = "operations", description = "Health and metrics"),
        (name = "federation", description = "部省校互联互通: the signed protocol between university, province and nation nodes (`/federation/v1`, called by peer nodes), and the node's peers as its administrators register them (`/api/v1/federation`)"),
    )
)]
struct ApiDoc;

/// The documented routes.
pub fn router() -> OpenApiRouter<AppState> {
    use utoipa::OpenApi;
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(get_org))
        .routes(routes!(list_orgs))
        .routes(routes!(list_catalogues))
        .routes(routes!(list_ref))
        .routes(routes!(get_ref))
        .routes(routes!(healthz))
        .routes(routes!(metrics))
        .merge(crate::api::accounts::router())
        .merge(crate::api::rosters::router())
        .merge(crate::api::destinations::router())
        .merge(crate::api::employers::router())
        .merge(crate::api::campaign::router())
        .merge(crate::api::campaign::visits::router())
        .merge(crate::api::campaign::targets::router())
        .merge(crate::api::campaign::bases::router())
        .merge(crate::api::campaign::surveys::router())
        .merge(crate::api::postings::router())
        .merge(crate::api::applications::router())
        .merge(crate::api::search::router())
        .merge(crate::api::read_log::router())
        .merge(crate::api::workbench::router())
        .merge(crate::api::safety::router())
        .merge(crate::api::followup::router())
        .merge(crate::api::guidance::router())
        .merge(crate::api::hardship::router())
        .merge(crate::api::hardship_federated::router())
        .merge(crate::api::calendar::router())
        .merge(crate::api::courses::router())
        .merge(crate::api::awards::router())
        .merge(crate::api::contests::router())
        .merge(crate::api::events::router())
        .merge(crate::api::live::router())
        .merge(crate::api::matching::router())
        .merge(crate::api::occupations::router())
        .merge(crate::api::federation::router())
        .merge(crate::api::federation_peers::router())
        .merge(crate::api::federation_deliveries::router())
        .merge(crate::api::stats_federated::router())
}
