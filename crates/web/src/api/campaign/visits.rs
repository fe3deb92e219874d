//! Employer visits (访企拓岗) over JSON: log a visit for a university, college or programme,
//! read one, list a unit's visits, delete one. Every call is scoped by `Action::LogVisit` on the
//! unit the visit belongs to, so a counselor of college A can neither log for college B nor
//! touch its visits.

use crate::api::campaign::visit_photos::__path_get_photo;
use crate::api::campaign::visit_photos::__path_post_photo;
use crate::api::campaign::visit_photos::get_photo;
use crate::api::campaign::visit_photos::post_photo;
use crate::api::campaign::visit_photos::scoped_visit;
use crate::error::ErrorCode;
use crate::extract::org::org_by_code_text;
use std::collections::HashMap;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use jiuye_domain::access::{self, Action, Resource, ScopedGrant, within};
use jiuye_domain::employer::Verification;
use jiuye_domain::{Org, OrgKind};
use jiuye_store::employers::VisitRecord;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::AppState;
use crate::auth::{AuditEvent, Caller, Signed, audited, forbidden};
use crate::error::unprocessable;
use crate::error::{AppError, ErrorBody};
use crate::extract::query::ApiQuery;

use jiuye_domain::campaign::visits::visit_role_of;
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

/// A university, college or programme by its code as typed, or `422 invalid_unit`.
pub(crate) async fn campaign_unit(state: &AppState, code: &str) -> Result<Org, AppError> {
    org_by_code_text(state, code)
        .await?
        .filter(|o| matches!(o.kind, OrgKind::University | OrgKind::College | OrgKind::Programme))
        .ok_or_else(|| {
            unprocessable(ErrorCode::InvalidUnit, format!("“{}”不是本平台的高校、院系或专业点", code.trim()))
        })
}

/// Programmes by their codes, each required to lie inside `unit` (`422 programme_outside_unit`),
/// without repeats.
pub(crate) async fn programmes_inside(state: &AppState, unit: &Org, codes: &[String]) -> Result<Vec<Org>, AppError> {
    let mut programmes: Vec<Org> = Vec::new();
    for code in codes {
        let p = org_by_code_text(state, code)
            .await?
            .filter(|o| o.kind == OrgKind::Programme)
            .ok_or_else(|| unprocessable(ErrorCode::InvalidProgramme, format!("“{}”不是专业点代码", code.trim())))?;
        if !within(&p.path, &unit.path) {
            return Err(unprocessable(
                ErrorCode::ProgrammeOutsideUnit,
                format!("专业点 {}（{}）不属于 {}，不能记到其他单位名下", p.code, p.name, unit.name),
            ));
        }
        if !programmes.iter().any(|q| q.id == p.id) {
            programmes.push(p);
        }
    }
    Ok(programmes)
}

/// An employer of the directory by its credit code as typed (any case), not blacklisted.
pub(crate) async fn usable_employer(
    state: &AppState,
    code: &str,
) -> Result<jiuye_store::employers::EmployerRecord, AppError> {
    let code = code.trim().to_ascii_uppercase();
    let employer = state.store.employer(&code).await?.ok_or_else(|| {
        unprocessable(ErrorCode::EmployerNotFound, format!("单位库中没有统一社会信用代码为 {code} 的单位，请先添加"))
    })?;
    if employer.verification == Verification::Blacklisted {
        return Err(unprocessable(ErrorCode::EmployerBlacklisted, format!("{} 已被列入黑名单", employer.name)));
    }
    Ok(employer)
}

/// The university a unit belongs to (the unit itself when it is one).
pub(crate) async fn university_of(state: &AppState, unit: &Org) -> Result<Option<Org>, AppError> {
    if unit.kind == OrgKind::University {
        return Ok(Some(unit.clone()));
    }
    Ok(state.store.org_ancestors(unit).await?.into_iter().find(|o| o.kind == OrgKind::University))
}

/// A visit input that passed every check, ready to store.
struct CheckedVisit {
    unit: Org,
    university: Org,
    employer: jiuye_store::employers::EmployerRecord,
    grant: access::ScopedGrant,
    programmes: Vec<Org>,
    people: Vec<(Uuid, String)>,
    date: NaiveDate,
    form: String,
    notes: Option<String>,
}

/// Checks a visit as submitted (for logging or correcting one): the unit must lie inside the
/// caller's `LogVisit` scope and every programme inside the unit.
async fn check_visit(state: &AppState, caller: &Caller, input: &VisitInput) -> Result<CheckedVisit, AppError> {
    let unit = campaign_unit(state, &input.unit).await?;
    let grant = access::can(&caller.actor, Action::LogVisit, &Resource::at(&unit.path)).ok_or_else(forbidden)?.clone();
    let university = university_of(state, &unit)
        .await?
        .ok_or_else(|| unprocessable(ErrorCode::InvalidUnit, "该单位不属于任何高校"))?;
    let mut programmes = programmes_inside(state, &unit, &input.programmes).await?;
    if programmes.is_empty() && unit.kind == OrgKind::Programme {
        programmes.push(unit.clone());
    }
    let employer = usable_employer(state, &input.employer).await?;
    let refused = |r: jiuye_domain::campaign::visits::Refusal| unprocessable(r.code, r.message);
    let date = jiuye_domain::campaign::visits::check_fields(
        &input.visit_date,
        &input.form,
        input.positions_opened,
        chrono::Local::now().date_naive(),
    )
    .map_err(refused)?;
    let form = input.form.trim();
    let mut people: Vec<(Uuid, String)> = Vec::new();
    if input.people.is_empty() {
        people.push((caller.user.id, visit_role_of(grant.role).to_owned()));
    }
    for p in &input.people {
        let role = jiuye_domain::campaign::visits::check_role(&p.role).map_err(refused)?;
        let user = state.store.user_by_username(p.username.trim()).await?.ok_or_else(|| {
            unprocessable(ErrorCode::PersonNotFound, format!("没有用户名为 {} 的账号", p.username.trim()))
        })?;
        let grants = state.store.grants_of(user.id).await?;
        if !grants.iter().any(|g| within(&g.grant.org_path, &university.path)) {
            return Err(unprocessable(
                ErrorCode::PersonNotFound,
                format!("{} 不是 {} 的人员", p.username.trim(), university.name),
            ));
        }
        if !people.iter().any(|(id, _)| *id == user.id) {
            people.push((user.id, role.to_owned()));
        }
    }
    let notes = jiuye_domain::campaign::visits::notes(input.notes.as_deref());
    Ok(CheckedVisit { unit, university, employer, grant, programmes, people, date, form: form.to_owned(), notes })
}

impl CheckedVisit {
    fn record(&self, id: Uuid, input: &VisitInput, created_by: Uuid, origin_node: Uuid) -> VisitRecord {
        VisitRecord {
            id,
            org_id: self.university.id,
            unit_id: self.unit.id,
            employer_id: self.employer.id,
            visit_date: self.date,
            form: self.form.clone(),
            positions_opened: input.positions_opened,
            base_agreed: input.base_agreed,
            invited_to_fair: input.invited_to_fair,
            survey_filled: input.survey_filled,
            notes: self.notes.clone(),
            created_by,
            origin_node,
        }
    }

    fn dto(&self, r: &VisitRecord) -> VisitDto {
        VisitDto {
            id: r.id,
            university: self.university.code.to_string(),
            unit: self.unit.code.to_string(),
            unit_name: self.unit.name.clone(),
            employer_credit_code: self.employer.credit_code.clone(),
            employer_name: self.employer.name.clone(),
            visit_date: r.visit_date.format("%Y-%m-%d").to_string(),
            form: r.form.clone(),
            roles: self.people.iter().map(|(_, r)| r.clone()).collect(),
            programmes: self.programmes.iter().map(|p| p.code.to_string()).collect(),
            positions_opened: r.positions_opened,
            base_agreed: r.base_agreed,
            invited_to_fair: r.invited_to_fair,
            survey_filled: r.survey_filled,
            notes: r.notes.clone(),
            photos: None,
        }
    }

    /// A visit that agreed a base registers it (once per unit and employer) in the base registry.
    async fn register_base(&self, state: &AppState, r: &VisitRecord) -> Result<(), AppError> {
        if !r.base_agreed {
            return Ok(());
        }
        let base = jiuye_store::campaign::BaseRecord {
            id: Uuid::now_v7(),
            org_id: self.university.id,
            unit_id: self.unit.id,
            employer_id: self.employer.id,
            name: format!("{}实习实践基地", self.employer.name),
            kind: "internship".into(),
            capacity: 0,
            start_date: r.visit_date,
            end_date: None,
            visit_id: Some(r.id),
            notes: None,
            created_by: r.created_by,
            origin_node: r.origin_node,
            version: 1,
            programmes: self.programmes.iter().map(|p| p.id).collect(),
        };
        state.store.add_base(&base).await?;
        Ok(())
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
    let event = create_event(&input);
    match log_visit(&state, &caller, &input).await {
        Ok(saved) => saved.audit(event).attach((StatusCode::CREATED, Json(saved.visit)).into_response()),
        Err(e) => audited(event, Err(e)),
    }
}

/// A visit as saved, with the grant that allowed it and its unit's path (for the audit log).
pub(crate) struct SavedVisit {
    pub visit: VisitDto,
    grant: ScopedGrant,
    path: String,
}

impl SavedVisit {
    /// The audit entry of the save, completed with what was saved.
    pub(crate) fn audit(&self, event: AuditEvent) -> AuditEvent {
        event
            .by(&self.grant)
            .target(format!("visit:{}", self.visit.id), Some(&self.path))
            .detail(format!("{} {}", self.visit.employer_credit_code, self.visit.visit_date))
    }
}

/// The audit entry of logging a visit, before anything is known but its unit.
pub(crate) fn create_event(input: &VisitInput) -> AuditEvent {
    AuditEvent::new("visit_create").target(format!("unit:{}", input.unit.trim()), None)
}

/// Logs a visit (the API and the visit form).
pub(crate) async fn log_visit(state: &AppState, caller: &Caller, input: &VisitInput) -> Result<SavedVisit, AppError> {
    let checked = check_visit(state, caller, input).await?;
    let node = state.store.node().await?.node_id;
    let record = checked.record(Uuid::now_v7(), input, caller.user.id, node);
    let programme_ids: Vec<Uuid> = checked.programmes.iter().map(|p| p.id).collect();
    state.store.add_visit(&record, &checked.people, &programme_ids).await?;
    checked.register_base(state, &record).await?;
    Ok(SavedVisit { visit: checked.dto(&record), grant: checked.grant, path: checked.unit.path })
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
    let event = AuditEvent::new("visit_update").target(format!("visit:{id}"), None);
    match correct_visit(&state, &caller, id, &input).await {
        Ok(saved) => saved.audit(event).attach(Json(saved.visit).into_response()),
        Err(e) => audited(event, Err(e)),
    }
}

/// Corrects a visit (the API and the visit form).
pub(crate) async fn correct_visit(
    state: &AppState,
    caller: &Caller,
    id: Uuid,
    input: &VisitInput,
) -> Result<SavedVisit, AppError> {
    let (old, _) = scoped_visit(state, caller, id).await?;
    let checked = check_visit(state, caller, input).await?;
    if checked.university.id != old.org_id {
        return Err(unprocessable(ErrorCode::InvalidUnit, "走访记录不能改到其他高校名下"));
    }
    let record = checked.record(old.id, input, old.created_by, old.origin_node);
    let programme_ids: Vec<Uuid> = checked.programmes.iter().map(|p| p.id).collect();
    if !state.store.update_visit(&record, &checked.people, &programme_ids).await? {
        return Err(AppError::not_found(ErrorCode::VisitNotFound, "没有这条走访记录"));
    }
    if !old.base_agreed {
        checked.register_base(state, &record).await?;
    }
    Ok(SavedVisit { visit: checked.dto(&record), grant: checked.grant, path: checked.unit.path })
}

/// One visit with its photos.
#[utoipa::path(get, path = "/api/v1/visits/{id}", tag = "campaigns", params(("id" = Uuid, Path)),
    responses((status = 200, body = VisitDto), (status = 404, description = "`visit_not_found` (also outside the caller's scope)", body = ErrorBody)))]
pub async fn get_visit(
    State(state): State<AppState>,
    Signed(caller): Signed,
    Path(id): Path<Uuid>,
) -> Result<Json<VisitDto>, AppError> {
    Ok(Json(visit_detail(&state, &caller, id).await?))
}

pub(crate) async fn visit_detail(state: &AppState, caller: &Caller, id: Uuid) -> Result<VisitDto, AppError> {
    let (v, _) = scoped_visit(state, caller, id).await?;
    let missing = || AppError::not_found(ErrorCode::VisitNotFound, "没有这条走访记录");
    let fact = state.store.visits_of(v.org_id).await?.into_iter().find(|f| f.id == id).ok_or_else(missing)?;
    let mut orgs = HashMap::new();
    let university = state.store.org_by_id(v.org_id).await?.ok_or_else(missing)?;
    let mut dto = visit_dto(state, &university, &mut orgs, fact).await?.ok_or_else(missing)?;
    dto.photos = Some(state.store.photos_of(id).await?.into_iter().map(|p| p.id).collect());
    Ok(dto)
}

/// Deletes a visit (people who may log visits for its unit); progress is recomputed from what
/// remains.
#[utoipa::path(delete, path = "/api/v1/visits/{id}", tag = "campaigns", params(("id" = Uuid, Path)),
    responses((status = 204, description = "Deleted"), (status = 404, description = "`visit_not_found` (also outside the caller's scope)", body = ErrorBody)))]
pub async fn delete_visit(State(state): State<AppState>, Signed(caller): Signed, Path(id): Path<Uuid>) -> Response {
    let event = AuditEvent::new("visit_delete").target(format!("visit:{id}"), None);
    match remove_visit(&state, &caller, id).await {
        Ok((grant, path)) => {
            event.by(&grant).target(format!("visit:{id}"), Some(&path)).attach(StatusCode::NO_CONTENT.into_response())
        }
        Err(e) => audited(event, Err(e)),
    }
}

/// Deletes a visit (the API and the visit page); returns the grant that allowed it and the
/// unit's path.
pub(crate) async fn remove_visit(
    state: &AppState,
    caller: &Caller,
    id: Uuid,
) -> Result<(ScopedGrant, String), AppError> {
    let (v, path) = scoped_visit(state, caller, id).await?;
    let grant = access::can(&caller.actor, Action::LogVisit, &Resource::at(&path)).ok_or_else(forbidden)?.clone();
    state.store.delete_visit(v.id).await?;
    Ok((grant, path))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct VisitListParams {
    /// The unit whose visits to list (a university, college or programme code); visits logged
    /// for units below it are included.
    pub org: String,
    /// Page size (1–200, default 50).
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct VisitList {
    pub total: i64,
    pub items: Vec<VisitDto>,
}

/// A fact as a DTO, looking units up once each; None when its unit is gone.
async fn visit_dto(
    state: &AppState,
    university: &Org,
    orgs: &mut HashMap<Uuid, Option<Org>>,
    f: jiuye_store::employers::VisitFact,
) -> Result<Option<VisitDto>, AppError> {
    for id in std::iter::once(f.unit_id).chain(f.programmes.iter().copied()) {
        if let std::collections::hash_map::Entry::Vacant(e) = orgs.entry(id) {
            e.insert(state.store.org_by_id(id).await?);
        }
    }
    let Some(Some(u)) = orgs.get(&f.unit_id).cloned() else { return Ok(None) };
    Ok(Some(VisitDto {
        id: f.id,
        university: university.code.to_string(),
        unit: u.code.to_string(),
        unit_name: u.name.clone(),
        employer_credit_code: f.employer_code,
        employer_name: f.employer_name,
        visit_date: f.visit_date.format("%Y-%m-%d").to_string(),
        form: f.form,
        roles: f.roles,
        programmes: f
            .programmes
            .iter()
            .filter_map(|id| orgs.get(id).cloned().flatten().map(|o| o.code.to_string()))
            .collect(),
        positions_opened: f.positions_opened,
        base_agreed: f.base_agreed,
        invited_to_fair: f.invited_to_fair,
        survey_filled: f.survey_filled,
        notes: f.notes,
        photos: None,
    }))
}

/// The visits of a unit and everything below it, newest first, a page at a time.
#[utoipa::path(get, path = "/api/v1/visits", tag = "campaigns", params(VisitListParams),
    responses((status = 200, body = VisitList), (status = 403, description = "`forbidden`", body = ErrorBody),
        (status = 404, description = "`org_not_found`", body = ErrorBody)))]
pub async fn list_visits(
    State(state): State<AppState>,
    Signed(caller): Signed,
    ApiQuery(p): ApiQuery<VisitListParams>,
) -> Result<Json<VisitList>, AppError> {
    Ok(Json(visits_page(&state, &caller, &p).await?))
}

pub(crate) async fn visits_page(state: &AppState, caller: &Caller, p: &VisitListParams) -> Result<VisitList, AppError> {
    let unit = org_by_code_text(state, &p.org)
        .await?
        .ok_or_else(|| AppError::not_found(ErrorCode::OrgNotFound, format!("没有代码为 {} 的单位", p.org.trim())))?;
    if access::can(&caller.actor, Action::LogVisit, &Resource::at(&unit.path)).is_none()
        && access::can(&caller.actor, Action::ViewStatistics, &Resource::at(&unit.path)).is_none()
    {
        return Err(forbidden());
    }
    let university = university_of(state, &unit)
        .await?
        .ok_or_else(|| AppError::bad_request(ErrorCode::InvalidUnit, "请指定一所高校或其下属单位"))?;
    let (limit, offset) = (p.limit.unwrap_or(50).clamp(1, 200) as usize, p.offset.unwrap_or(0).max(0) as usize);
    let mut orgs: HashMap<Uuid, Option<Org>> = HashMap::new();
    let mut facts = state.store.visits_of(university.id).await?;
    facts.sort_by(|a, b| b.visit_date.cmp(&a.visit_date).then(b.id.cmp(&a.id)));
    let mut inside = Vec::new();
    for f in facts {
        if within(&f.unit_path, &unit.path) {
            inside.push(f);
        }
    }
    let total = inside.len() as i64;
    let mut items = Vec::new();
    for f in inside.into_iter().skip(offset).take(limit) {
        items.extend(visit_dto(state, &university, &mut orgs, f).await?);
    }
    Ok(VisitList { total, items })
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
