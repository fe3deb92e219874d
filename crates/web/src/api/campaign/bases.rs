//! The internship and practice base registry (就业实习实践基地) over JSON: bases a university,
//! college or programme agreed with an employer (the use cases are `jiuye_app::campaign::bases`).
//! Registering and removing a base is `Action::LogVisit` on its unit (the people who visit
//! employers agree bases); reading adds those who see the unit's statistics.

use crate::extract::page::{Page, PageParams};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use jiuye_app::campaign::bases::{self as app, Base};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::AppState;
use crate::auth::{AuditEvent, Signed, audited};
use crate::error::{AppError, ErrorBody};
use crate::extract::query::ApiQuery;

pub use jiuye_app::campaign::bases::BASE_KINDS;

/// A base as submitted.
#[derive(Debug, Deserialize, ToSchema)]
pub struct BaseInput {
    /// The university, college or programme code the base belongs to.
    pub unit: String,
    /// The employer's 统一社会信用代码 (in the directory, not blacklisted).
    pub employer: String,
    /// Defaults to "<employer>实习实践基地".
    #[schema(max_length = 100)]
    pub name: Option<String>,
    /// `internship`, `practice` or `employment`.
    pub kind: String,
    /// Places per year (0–100000).
    #[serde(default)]
    pub capacity: i64,
    /// YYYY-MM-DD the agreement starts.
    pub start_date: String,
    pub end_date: Option<String>,
    /// Programme codes inside `unit` the base serves.
    #[serde(default)]
    pub programmes: Vec<String>,
    #[schema(max_length = 2000)]
    pub notes: Option<String>,
}

/// A registered base.
#[derive(Debug, Serialize, ToSchema)]
pub struct BaseDto {
    pub id: Uuid,
    pub unit: String,
    pub unit_name: String,
    pub employer_credit_code: String,
    pub employer_name: String,
    pub name: String,
    pub kind: String,
    pub capacity: i64,
    pub start_date: String,
    pub end_date: Option<String>,
    /// The visit it was agreed on, when it came from one.
    pub visit_id: Option<Uuid>,
    pub programmes: Vec<String>,
    pub notes: Option<String>,
}

impl From<Base> for BaseDto {
    fn from(b: Base) -> BaseDto {
        let (r, programmes) = (b.row, b.programmes);
        BaseDto {
            id: r.base.id,
            unit: r.unit_code,
            unit_name: r.unit_name,
            employer_credit_code: r.employer_code,
            employer_name: r.employer_name,
            name: r.base.name,
            kind: r.base.kind,
            capacity: r.base.capacity,
            start_date: r.base.start_date.format("%Y-%m-%d").to_string(),
            end_date: r.base.end_date.map(|d| d.format("%Y-%m-%d").to_string()),
            visit_id: r.base.visit_id,
            programmes,
            notes: r.base.notes,
        }
    }
}

impl BaseInput {
    /// The base as the use cases take it.
    pub(crate) fn to_app(&self) -> app::BaseInput {
        app::BaseInput {
            unit: self.unit.clone(),
            employer: self.employer.clone(),
            name: self.name.clone(),
            kind: self.kind.clone(),
            capacity: self.capacity,
            start_date: self.start_date.clone(),
            end_date: self.end_date.clone(),
            programmes: self.programmes.clone(),
            notes: self.notes.clone(),
        }
    }
}

/// Registers an internship, practice or employment base for a unit inside the caller's scope.
#[utoipa::path(post, path = "/api/v1/bases", tag = "campaigns", request_body = BaseInput,
    responses((status = 201, body = BaseDto),
        (status = 409, description = "`base_exists` (the unit already has a base of this kind with this employer)", body = ErrorBody),
        (status = 422, description = "`invalid_unit`, `employer_not_found`, `employer_blacklisted`, `invalid_kind`, `invalid_capacity`, `invalid_date`, `invalid_programme`, `programme_outside_unit`, `invalid_name`", body = ErrorBody),
        (status = 403, description = "`forbidden`", body = ErrorBody)))]
pub async fn create_base(
    State(state): State<AppState>,
    Signed(caller): Signed,
    Json(input): Json<BaseInput>,
) -> Response {
    let input = input.to_app();
    let event = base_event(&input);
    match app::register(state.store.as_ref(), &caller.actor, &input).await {
        Ok(base) => {
            let path = base.row.unit_path.clone();
            let dto = BaseDto::from(base);
            base_saved(event, &dto, &path).attach((StatusCode::CREATED, Json(dto)).into_response())
        }
        Err(e) => audited(event, Err(e.into())),
    }
}

/// The audit entry of registering a base, before it is known whether it holds.
pub(crate) fn base_event(input: &app::BaseInput) -> AuditEvent {
    AuditEvent::new("base_create").target(format!("unit:{}", input.unit.trim()), None)
}

/// The audit entry completed with the base registered.
pub(crate) fn base_saved(event: AuditEvent, dto: &BaseDto, path: &str) -> AuditEvent {
    event.target(format!("base:{}", dto.id), Some(path)).detail(dto.employer_credit_code.clone())
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BaseListParams {
    /// A province, university, college or programme code; bases of units below it are included.
    pub org: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BaseList {
    pub total: i64,
    pub items: Vec<BaseDto>,
}

/// A page of bases as the API lists them (the API and the bases page), with the organisation
/// and whether the caller may register bases there.
pub(crate) async fn base_list(
    state: &AppState,
    actor: &jiuye_domain::access::Actor,
    org: &str,
    window: Page,
) -> Result<(app::BasePage, BaseList), AppError> {
    let mut page = app::list(state.store.as_ref(), actor, org, window.limit, window.offset).await?;
    let items = std::mem::take(&mut page.items).into_iter().map(BaseDto::from).collect();
    let list = BaseList { total: page.total, items };
    Ok((page, list))
}

/// The bases of an organisation and the units below it, newest agreement first, a page at a time.
#[utoipa::path(get, path = "/api/v1/bases", tag = "campaigns", params(BaseListParams, PageParams),
    responses((status = 200, body = BaseList), (status = 403, description = "`forbidden`", body = ErrorBody),
        (status = 404, description = "`org_not_found`", body = ErrorBody)))]
pub async fn list_bases(
    State(state): State<AppState>,
    Signed(caller): Signed,
    ApiQuery(p): ApiQuery<BaseListParams>,
    page: Page,
) -> Result<Json<BaseList>, AppError> {
    Ok(Json(base_list(&state, &caller.actor, &p.org, page).await?.1))
}

/// Removes a base (those who may register bases for its unit).
#[utoipa::path(delete, path = "/api/v1/bases/{id}", tag = "campaigns", params(("id" = Uuid, Path)),
    responses((status = 204, description = "Removed"), (status = 404, description = "`base_not_found` (also outside the caller's scope)", body = ErrorBody)))]
pub async fn delete_base(State(state): State<AppState>, Signed(caller): Signed, Path(id): Path<Uuid>) -> Response {
    let event = AuditEvent::new("base_delete").target(format!("base:{id}"), None);
    match app::remove(state.store.as_ref(), &caller.actor, id).await {
        Ok(path) => event.target(format!("base:{id}"), Some(&path)).attach(StatusCode::NO_CONTENT.into_response()),
        Err(e) => audited(event, Err(e.into())),
    }
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_bases, create_base)).routes(routes!(delete_base))
}
