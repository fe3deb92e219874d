//! Employer visits (访企拓岗) over JSON: log a visit for a university, college or programme,
//! read one, list a unit's visits, delete one. Every call is scoped by `Action::LogVisit` on the
//! unit the visit belongs to, so a counselor of college A can neither log for college B nor
//! touch its visits (the use cases are `jiuye_app::campaign::visits`).

use crate::api::campaign::visit_photos::__path_get_photo;
use crate::api::campaign::visit_photos::__path_post_photo;
use crate::api::campaign::visit_photos::get_photo;
use crate::api::campaign::visit_photos::post_photo;
use crate::extract::page::{Page, PageParams};

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use jiuye_app::campaign::visits::{self as app, Saved, Visit};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::AppState;
use crate::api::campaign::today;
use crate::auth::{AuditEvent, Signed, audited};
use crate::error::{AppError, ErrorBody};
use crate::extract::query::ApiQuery;

pub use jiuye_domain::campaign::visits::{LEADERSHIP_ROLES, VISIT_ROLES};

/// One visiting person.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct VisitPerson {
    /// The person's account.
    pub username: String,
    /// `secretary` (书记), `president` (校长), `leadership_member` (校领导班子成员), `college_leader`,
    /// `major_head`, `teacher`, `counselor` or `staff`.
    pub role: String,
}

/// A visit as submitted.
#[derive(Debug, Deserialize, ToSchema)]
pub struct VisitInput {
    /// The organisation code of the unit the visit is logged for: the university, one of its
    /// colleges (e.g. `4151010610-01`) or a programme.
    pub unit: String,
    /// The employer's 统一社会信用代码; the employer must be in the directory.
    pub employer: String,
    /// YYYY-MM-DD, not in the future.
    pub visit_date: String,
    /// `on_site` (走出去), `invited` (请进来) or `online`.
    pub form: String,
    /// The visiting people; when empty, the caller with the role their grant implies.
    #[serde(default)]
    pub people: Vec<VisitPerson>,
    /// Codes of the programmes the visit serves; each must lie inside `unit`. A visit logged for
    /// a programme serves that programme when none are given.
    #[serde(default)]
    pub programmes: Vec<String>,
    /// Positions opened by the visit.
    #[serde(default)]
    pub positions_opened: i64,
    /// An internship/practice base was agreed.
    #[serde(default)]
    pub base_agreed: bool,
    /// The employer was invited to a fair.
    #[serde(default)]
    pub invited_to_fair: bool,
    /// The employer filled in the demand survey.
    #[serde(default)]
    pub survey_filled: bool,
    #[schema(max_length = 2000)]
    pub notes: Option<String>,
}

/// A logged visit.
#[derive(Debug, Serialize, ToSchema)]
pub struct VisitDto {
    pub id: Uuid,
    /// The university's code.
    pub university: String,
    /// The unit's code.
    pub unit: String,
    pub unit_name: String,
    pub employer_credit_code: String,
    pub employer_name: String,
    pub visit_date: String,
    pub form: String,
    /// Roles of the visiting people.
    pub roles: Vec<String>,
    /// Codes of the programmes served.
    pub programmes: Vec<String>,
    pub positions_opened: i64,
    pub base_agreed: bool,
    pub invited_to_fair: bool,
    pub survey_filled: bool,
    pub notes: Option<String>,
    /// Photo ids (on a single visit; absent in lists).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub photos: Option<Vec<Uuid>>,
}

impl From<Visit> for VisitDto {
    fn from(v: Visit) -> VisitDto {
        VisitDto {
            id: v.id,
            university: v.university,
            unit: v.unit,
            unit_name: v.unit_name,
            employer_credit_code: v.employer_credit_code,
            employer_name: v.employer_name,
            visit_date: v.visit_date.format("%Y-%m-%d").to_string(),
            form: v.form,
            roles: v.roles,
            programmes: v.programmes,
            positions_opened: v.positions_opened,
            base_agreed: v.base_agreed,
            invited_to_fair: v.invited_to_fair,
            survey_filled: v.survey_filled,
            notes: v.notes,
            photos: v.photos,
        }
    }
}

impl VisitInput {
    /// The visit as the use cases take it.
    pub(crate) fn to_app(&self) -> app::VisitInput {
        app::VisitInput {
            unit: self.unit.clone(),
            employer: self.employer.clone(),
            visit_date: self.visit_date.clone(),
            form: self.form.clone(),
            people: self
                .people
                .iter()
                .map(|p| app::Person { username: p.username.clone(), role: p.role.clone() })
                .collect(),
            programmes: self.programmes.clone(),
            positions_opened: self.positions_opened,
            base_agreed: self.base_agreed,
            invited_to_fair: self.invited_to_fair,
            survey_filled: self.survey_filled,
            notes: self.notes.clone(),
        }
    }
}

/// The audit entry of a saved visit, completed with what was saved.
pub(crate) fn saved_event(saved: &Saved, event: AuditEvent) -> AuditEvent {
    let date = saved.visit.visit_date.format("%Y-%m-%d");
    event
        .by(&saved.grant)
        .target(format!("visit:{}", saved.visit.id), Some(&saved.unit_path))
        .detail(format!("{} {}", saved.visit.employer_credit_code, date))
}

/// The audit entry of logging a visit, before anything is known but its unit.
pub(crate) fn create_event(input: &app::VisitInput) -> AuditEvent {
    AuditEvent::new("visit_create").target(format!("unit:{}", input.unit.trim()), None)
}

/// The audit entry of correcting a visit, before anything is known but its id.
pub(crate) fn update_event(id: Uuid) -> AuditEvent {
    AuditEvent::new("visit_update").target(format!("visit:{id}"), None)
}

/// The audit entry of deleting a visit, completed with its unit when it was deleted.
pub(crate) fn delete_event(id: Uuid, removed: Option<&app::Removed>) -> AuditEvent {
    let event = AuditEvent::new("visit_delete").target(format!("visit:{id}"), None);
    match removed {
        Some(r) => event.by(&r.grant).target(format!("visit:{id}"), Some(&r.unit_path)),
        None => event,
    }
}

/// Logs an employer visit for a unit inside the caller's scope. A visit that agreed an
/// internship/practice base also registers the base.
#[utoipa::path(post, path = "/api/v1/visits", tag = "campaigns", request_body = VisitInput,
    responses((status = 201, description = "Logged", body = VisitDto),
        (status = 422, description = "`invalid_unit`, `programme_outside_unit`, `employer_not_found`, `employer_blacklisted`, `invalid_date`, `invalid_form`, `invalid_role`, `person_not_found`, `invalid_positions`", body = ErrorBody),
        (status = 403, description = "`forbidden` (the unit is outside the caller's scope)", body = ErrorBody)))]
pub async fn create_visit(
    State(state): State<AppState>,
    Signed(caller): Signed,
    Json(input): Json<VisitInput>,
) -> Response {
    let input = input.to_app();
    let event = create_event(&input);
    match app::log(state.store.as_ref(), &caller.actor, &input, today()).await {
        Ok(saved) => {
            saved_event(&saved, event).attach((StatusCode::CREATED, Json(VisitDto::from(saved.visit))).into_response())
        }
        Err(e) => audited(event, Err(e.into())),
    }
}

/// Corrects a visit: the whole visit is sent again. The caller must be able to log visits both
/// for the unit it was logged for and for the unit it is moved to.
#[utoipa::path(put, path = "/api/v1/visits/{id}", tag = "campaigns", params(("id" = Uuid, Path)), request_body = VisitInput,
    responses((status = 200, description = "Corrected", body = VisitDto),
        (status = 404, description = "`visit_not_found` (also outside the caller's scope)", body = ErrorBody),
        (status = 422, description = "as for logging", body = ErrorBody),
        (status = 403, description = "`forbidden` (the new unit is outside the caller's scope)", body = ErrorBody)))]
pub async fn update_visit(
    State(state): State<AppState>,
    Signed(caller): Signed,
    Path(id): Path<Uuid>,
    Json(input): Json<VisitInput>,
) -> Response {
    let event = update_event(id);
    match app::correct(state.store.as_ref(), &caller.actor, id, &input.to_app(), today()).await {
        Ok(saved) => saved_event(&saved, event).attach(Json(VisitDto::from(saved.visit)).into_response()),
        Err(e) => audited(event, Err(e.into())),
    }
}

/// One visit with its photos.
#[utoipa::path(get, path = "/api/v1/visits/{id}", tag = "campaigns", params(("id" = Uuid, Path)),
    responses((status = 200, body = VisitDto), (status = 404, description = "`visit_not_found` (also outside the caller's scope)", body = ErrorBody)))]
pub async fn get_visit(
    State(state): State<AppState>,
    Signed(caller): Signed,
    Path(id): Path<Uuid>,
) -> Result<Json<VisitDto>, AppError> {
    Ok(Json(app::detail(state.store.as_ref(), &caller.actor, id).await?.into()))
}

/// Deletes a visit (people who may log visits for its unit); progress is recomputed from what
/// remains.
#[utoipa::path(delete, path = "/api/v1/visits/{id}", tag = "campaigns", params(("id" = Uuid, Path)),
    responses((status = 204, description = "Deleted"), (status = 404, description = "`visit_not_found` (also outside the caller's scope)", body = ErrorBody)))]
pub async fn delete_visit(State(state): State<AppState>, Signed(caller): Signed, Path(id): Path<Uuid>) -> Response {
    match app::remove(state.store.as_ref(), &caller.actor, id).await {
        Ok(removed) => delete_event(id, Some(&removed)).attach(StatusCode::NO_CONTENT.into_response()),
        Err(e) => audited(delete_event(id, None), Err(e.into())),
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct VisitListParams {
    /// The unit whose visits to list (a university, college or programme code); visits logged
    /// for units below it are included.
    pub org: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct VisitList {
    pub total: i64,
    pub items: Vec<VisitDto>,
}

/// The visits of a unit and everything below it, newest first, a page at a time.
#[utoipa::path(get, path = "/api/v1/visits", tag = "campaigns", params(VisitListParams, PageParams),
    responses((status = 200, body = VisitList), (status = 403, description = "`forbidden`", body = ErrorBody),
        (status = 404, description = "`org_not_found`", body = ErrorBody)))]
pub async fn list_visits(
    State(state): State<AppState>,
    Signed(caller): Signed,
    ApiQuery(p): ApiQuery<VisitListParams>,
    page: Page,
) -> Result<Json<VisitList>, AppError> {
    Ok(Json(visits_page(&state, &caller.actor, &p.org, page).await?))
}

/// A page of a unit's visits as the API lists them (the API and the visits page).
pub(crate) async fn visits_page(
    state: &AppState,
    actor: &jiuye_domain::access::Actor,
    org: &str,
    window: Page,
) -> Result<VisitList, AppError> {
    let page = app::list(state.store.as_ref(), actor, org, window.limit, window.offset).await?;
    Ok(VisitList { total: page.total, items: page.items.into_iter().map(VisitDto::from).collect() })
}

pub fn router() -> OpenApiRouter<AppState> {
    let uploads = OpenApiRouter::new()
        .routes(routes!(post_photo))
        .layer(axum::extract::DefaultBodyLimit::max(jiuye_app::files::MAX_FILE_BYTES + 64 * 1024));
    OpenApiRouter::new()
        .merge(uploads)
        .routes(routes!(list_visits, create_visit))
        .routes(routes!(get_visit, update_visit, delete_visit))
        .routes(routes!(get_photo))
}
