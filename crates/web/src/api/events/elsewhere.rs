//! Recruitment events organised on other nodes (`jiuye_app::events::Events::elsewhere`): read
//! only here; registering and booking happen at the node that organised them.

use axum::Json;
use axum::extract::State;
use jiuye_app::events::ElsewhereEvent;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::AppState;
use crate::api::stats_federated::stamp;
use crate::auth::Signed;
use crate::error::{AppError, ErrorBody};

/// An event organised on another node.
#[derive(Debug, Serialize, ToSchema)]
pub struct ElsewhereEventDto {
    pub id: Uuid,
    /// `campus_fair`, `college_fair`, `presentation`, `workplace_day` or `online_fair`.
    pub kind: String,
    pub kind_name: String,
    pub theme: String,
    pub title: String,
    pub description: String,
    pub venue: String,
    pub online: bool,
    pub stream_url: String,
    /// RFC 3339.
    pub starts_at: String,
    pub ends_at: String,
    pub places: i64,
    pub booths_open: bool,
    pub cancelled: bool,
    /// The organiser's code, name and path.
    pub organiser: String,
    pub organiser_name: String,
    pub organiser_path: String,
    /// The node that organised it, and where to register or book (when that node is a
    /// registered peer).
    pub origin: String,
    pub register_at: Option<String>,
}

pub(crate) fn dto(x: &ElsewhereEvent) -> ElsewhereEventDto {
    let e = &x.event;
    ElsewhereEventDto {
        id: e.id,
        kind: e.kind.id().to_owned(),
        kind_name: e.kind.zh().to_owned(),
        theme: e.theme.clone(),
        title: e.title.clone(),
        description: e.description.clone(),
        venue: e.venue.clone(),
        online: e.online,
        stream_url: e.stream_url.clone(),
        starts_at: stamp(e.starts_at),
        ends_at: stamp(e.ends_at),
        places: e.places,
        booths_open: e.booths_open,
        cancelled: e.cancelled,
        organiser: e.organiser.clone(),
        organiser_name: e.organiser_name.clone(),
        organiser_path: e.organiser_path.clone(),
        origin: x.origin.clone(),
        register_at: x.register_at.clone(),
    }
}

/// Events organised on other nodes (a province's or the nation's fairs, the universities'
/// events below) that the caller would see were they organised here, and that have not ended,
/// soonest first. Registration and booth booking are at `register_at`.
#[utoipa::path(get, path = "/api/v1/events/elsewhere", tag = "events",
    responses((status = 200, description = "Events from other nodes, soonest first", body = Vec<ElsewhereEventDto>),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 403, description = "`forbidden`", body = ErrorBody)))]
pub async fn elsewhere_events(
    State(state): State<AppState>,
    Signed(caller): Signed,
) -> Result<Json<Vec<ElsewhereEventDto>>, AppError> {
    let list = state.events().elsewhere(&caller.actor).await?;
    Ok(Json(list.iter().map(dto).collect()))
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(elsewhere_events))
}
