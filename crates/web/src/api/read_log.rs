//! The read log over JSON: who read which graduate's record, which list of graduates, which
//! evidence file or résumé, within the caller's scope, newest first.

use axum::Json;
use axum::extract::State;
use chrono::{DateTime, Utc};
use jiuye_app::read_log::{self, ReadLogFilter};
use jiuye_domain::read_log::ReadKind;
use jiuye_store::read_log::ReadEntry;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::AppState;
use crate::auth::Signed;
use crate::error::{AppError, ErrorBody};
use crate::extract::page::{Page, PageParams};
use crate::extract::query::ApiQuery;

/// One read of personal data.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReadEntryDto {
    pub id: Uuid,
    pub at: DateTime<Utc>,
    /// The reader's username.
    pub reader: String,
    /// The role of the grant the read was allowed under, e.g. `counselor`.
    pub reader_role: Option<String>,
    /// That grant's organisation path.
    pub reader_org_path: Option<String>,
    /// `graduate`, `graduate_list`, `evidence`, `resume`, `hardship`, `rights_report` or `followup`.
    pub kind: String,
    pub kind_zh: String,
    /// The graduate read about (none for a list).
    pub graduate: Option<Uuid>,
    /// Where that graduate, or the list, lies in the organisation tree.
    pub subject_org_path: Option<String>,
    /// A list's filter, or the file read (`evidence:{id}`, `application:{id}`, `rights_report:{id}`).
    pub filter: Option<String>,
    /// How many rows the read answered.
    pub rows: Option<i64>,
    pub ip: Option<String>,
}

impl From<ReadEntry> for ReadEntryDto {
    fn from(e: ReadEntry) -> ReadEntryDto {
        ReadEntryDto {
            kind_zh: ReadKind::from_id(&e.kind).map(|k| k.zh().to_owned()).unwrap_or_default(),
            id: e.id,
            at: e.at,
            reader: e.reader_name,
            reader_role: e.reader_role,
            reader_org_path: e.reader_path,
            kind: e.kind,
            graduate: e.subject_id,
            subject_org_path: e.subject_path,
            filter: e.filter,
            rows: e.row_count,
            ip: e.ip,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReadLogList {
    pub total: i64,
    pub limit: i64,
    pub offset: i64,
    pub items: Vec<ReadEntryDto>,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReadLogParams {
    /// Organisation code: reads about or by that subtree.
    pub org: Option<String>,
    /// A graduate's id: who read this graduate's file.
    pub graduate: Option<Uuid>,
    /// The reader's username.
    pub reader: Option<String>,
    /// `graduate`, `graduate_list`, `evidence`, `resume`, `hardship`, `rights_report` or `followup`.
    pub kind: Option<String>,
    /// From this day (`YYYY-MM-DD`, Beijing time) or instant (RFC 3339).
    pub from: Option<String>,
    /// Up to and including this day, or until this instant.
    pub to: Option<String>,
}

impl From<ReadLogParams> for ReadLogFilter {
    fn from(p: ReadLogParams) -> ReadLogFilter {
        ReadLogFilter { org: p.org, graduate: p.graduate, reader: p.reader, kind: p.kind, from: p.from, to: p.to }
    }
}

/// The read log of the caller's scope, newest first (career staff, province and ministry
/// administrators).
#[utoipa::path(get, path = "/api/v1/read-log", tag = "identity", params(ReadLogParams, PageParams),
    responses((status = 200, body = ReadLogList),
        (status = 400, description = "`invalid_query`, `invalid_kind`, `invalid_date`, `invalid_org_code`", body = ErrorBody),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 403, description = "`forbidden`", body = ErrorBody),
        (status = 404, description = "`org_not_found`", body = ErrorBody)))]
pub async fn list_read_log(
    State(state): State<AppState>,
    Signed(caller): Signed,
    ApiQuery(p): ApiQuery<ReadLogParams>,
    page: Page,
) -> Result<Json<ReadLogList>, AppError> {
    let Page { limit, offset } = page;
    let (rows, total) = read_log::search(state.store.as_ref(), &caller.actor, p.into(), limit, offset).await?;
    Ok(Json(ReadLogList { total, limit, offset, items: rows.into_iter().map(ReadEntryDto::from).collect() }))
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_read_log))
}
