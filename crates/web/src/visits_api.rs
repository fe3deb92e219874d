//! Employer visits (访企拓岗) over JSON: log a visit for a university, college or programme,
//! read one, list a unit's visits, delete one. Every call is scoped by `Action::LogVisit` on the
//! unit the visit belongs to, so a counselor of college A can neither log for college B nor
//! touch its visits.

use std::collections::HashMap;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use jiuye_domain::access::{self, Action, Resource, Role, within};
use jiuye_domain::employer::Verification;
use jiuye_domain::{Org, OrgCode, OrgKind};
use jiuye_store::employers::VisitRecord;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::AppState;
use crate::api::ApiQuery;
use crate::auth::{AuditEvent, Caller, Signed, audited, forbidden};
use crate::employers_api::unprocessable;
use crate::error::{AppError, ErrorBody};

/// The roles a visiting person can have on a visit.
pub const VISIT_ROLES: &[&str] =
    &["secretary", "president", "leadership_member", "college_leader", "major_head", "teacher", "counselor", "staff"];

/// Roles that count as "university leadership" for the campaign's leadership targets.
pub const LEADERSHIP_ROLES: &[&str] = &["secretary", "president", "leadership_member"];

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
}

fn visit_role_of(role: Role) -> &'static str {
    match role {
        Role::UniversityLeader => "leadership_member",
        Role::CollegeLeader => "college_leader",
        Role::MajorHead => "major_head",
        Role::Counselor => "counselor",
        _ => "staff",
    }
}

/// An organisation by its code as typed; None for a malformed or unknown code.
pub(crate) async fn org_by_code_text(state: &AppState, code: &str) -> Result<Option<Org>, AppError> {
    let Ok(code) = OrgCode::parse(code.trim()) else {
        return Ok(None);
    };
    Ok(state.store.org_by_code(&code).await?)
}

/// The university a unit belongs to (the unit itself when it is one).
async fn university_of(state: &AppState, unit: &Org) -> Result<Option<Org>, AppError> {
    if unit.kind == OrgKind::University {
        return Ok(Some(unit.clone()));
    }
    Ok(state.store.org_ancestors(unit).await?.into_iter().find(|o| o.kind == OrgKind::University))
}

/// Logs an employer visit for a unit inside the caller's scope.
#[utoipa::path(post, path = "/api/v1/visits", tag = "campaigns", request_body = VisitInput,
    responses((status = 201, description = "Logged", body = VisitDto),
        (status = 422, description = "`invalid_unit`, `programme_outside_unit`, `employer_not_found`, `employer_blacklisted`, `invalid_date`, `invalid_form`, `invalid_role`, `person_not_found`, `invalid_positions`", body = ErrorBody),
        (status = 403, description = "`forbidden` (the unit is outside the caller's scope)", body = ErrorBody)))]
pub async fn create_visit(
    State(state): State<AppState>,
    Signed(caller): Signed,
    Json(input): Json<VisitInput>,
) -> Response {
    let event = AuditEvent::new("visit_create").target(format!("unit:{}", input.unit.trim()), None);
    let result = async {
        let unit = org_by_code_text(&state, &input.unit)
            .await?
            .filter(|o| matches!(o.kind, OrgKind::University | OrgKind::College | OrgKind::Programme))
            .ok_or_else(|| {
                unprocessable("invalid_unit", format!("“{}”不是本平台的高校、院系或专业点", input.unit.trim()))
            })?;
        let grant =
            access::can(&caller.actor, Action::LogVisit, &Resource::at(&unit.path)).ok_or_else(forbidden)?.clone();
        let university =
            university_of(&state, &unit).await?.ok_or_else(|| unprocessable("invalid_unit", "该单位不属于任何高校"))?;
        let mut programmes: Vec<Org> = Vec::new();
        for code in &input.programmes {
            let p = org_by_code_text(&state, code)
                .await?
                .filter(|o| o.kind == OrgKind::Programme)
                .ok_or_else(|| unprocessable("invalid_programme", format!("“{}”不是专业点代码", code.trim())))?;
            if !within(&p.path, &unit.path) {
                return Err(unprocessable(
                    "programme_outside_unit",
                    format!("专业点 {}（{}）不属于 {}，访企记录不能记到其他单位名下", p.code, p.name, unit.name),
                ));
            }
            if !programmes.iter().any(|q| q.id == p.id) {
                programmes.push(p);
            }
        }
        if programmes.is_empty() && unit.kind == OrgKind::Programme {
            programmes.push(unit.clone());
        }
        let code = input.employer.trim().to_ascii_uppercase();
        let employer = state.store.employer(&code).await?.ok_or_else(|| {
            unprocessable("employer_not_found", format!("单位库中没有统一社会信用代码为 {code} 的单位，请先添加"))
        })?;
        if employer.verification == Verification::Blacklisted.id() {
            return Err(unprocessable(
                "employer_blacklisted",
                format!("{} 已被列入黑名单，不能登记走访", employer.name),
            ));
        }
        let date = NaiveDate::parse_from_str(input.visit_date.trim(), "%Y-%m-%d").map_err(|_| {
            unprocessable("invalid_date", format!("走访日期“{}”应为 YYYY-MM-DD", input.visit_date.trim()))
        })?;
        if date > chrono::Local::now().date_naive() {
            return Err(unprocessable("invalid_date", "走访日期不能晚于今天"));
        }
        let form = input.form.trim();
        if !["on_site", "invited", "online"].contains(&form) {
            return Err(unprocessable(
                "invalid_form",
                "走访形式应为 on_site（走出去）、invited（请进来）或 online（线上）",
            ));
        }
        if !(0..=100_000).contains(&input.positions_opened) {
            return Err(unprocessable("invalid_positions", "开拓岗位数应在 0 到 100000 之间"));
        }
        let mut people: Vec<(Uuid, String)> = Vec::new();
        if input.people.is_empty() {
            people.push((caller.user.id, visit_role_of(grant.role).to_owned()));
        }
        for p in &input.people {
            let role = p.role.trim();
            if !VISIT_ROLES.contains(&role) {
                return Err(unprocessable(
                    "invalid_role",
                    format!("走访人员角色“{role}”无效，应为 {}", VISIT_ROLES.join("、")),
                ));
            }
            let user = state.store.user_by_username(p.username.trim()).await?.ok_or_else(|| {
                unprocessable("person_not_found", format!("没有用户名为 {} 的账号", p.username.trim()))
            })?;
            let grants = state.store.grants_of(user.id).await?;
            let belongs = grants.iter().any(|g| within(&g.grant.org_path, &university.path));
            if !belongs {
                return Err(unprocessable(
                    "person_not_found",
                    format!("{} 不是 {} 的人员", p.username.trim(), university.name),
                ));
            }
            if !people.iter().any(|(id, _)| *id == user.id) {
                people.push((user.id, role.to_owned()));
            }
        }
        let node = state.store.node().await?.node_id;
        let record = VisitRecord {
            id: Uuid::now_v7(),
            org_id: university.id,
            unit_id: unit.id,
            employer_id: employer.id,
            visit_date: date.format("%Y-%m-%d").to_string(),
            form: form.to_owned(),
            positions_opened: input.positions_opened,
            base_agreed: input.base_agreed,
            invited_to_fair: input.invited_to_fair,
            survey_filled: input.survey_filled,
            notes: input
                .notes
                .as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|s| s.chars().take(2000).collect()),
            created_by: caller.user.id,
            origin_node: node,
        };
        let programme_ids: Vec<Uuid> = programmes.iter().map(|p| p.id).collect();
        state.store.add_visit(&record, &people, &programme_ids).await?;
        let dto = VisitDto {
            id: record.id,
            university: university.code.to_string(),
            unit: unit.code.to_string(),
            unit_name: unit.name.clone(),
            employer_credit_code: employer.credit_code.clone(),
            employer_name: employer.name.clone(),
            visit_date: record.visit_date.clone(),
            form: record.form.clone(),
            roles: people.iter().map(|(_, r)| r.clone()).collect(),
            programmes: programmes.iter().map(|p| p.code.to_string()).collect(),
            positions_opened: record.positions_opened,
            base_agreed: record.base_agreed,
            invited_to_fair: record.invited_to_fair,
            survey_filled: record.survey_filled,
            notes: record.notes.clone(),
        };
        Ok::<_, AppError>((dto, grant, unit.path))
    }
    .await;
    match result {
        Ok((dto, grant, path)) => event
            .by(&grant)
            .target(format!("visit:{}", dto.id), Some(&path))
            .detail(format!("{} {}", dto.employer_credit_code, dto.visit_date))
            .attach((StatusCode::CREATED, Json(dto)).into_response()),
        Err(e) => audited(event, Err(e)),
    }
}

/// Loads a visit the caller may act on; 404 for one outside their scope, as for a missing one.
async fn scoped_visit(state: &AppState, caller: &Caller, id: Uuid) -> Result<(VisitRecord, String), AppError> {
    let missing = || AppError::not_found("visit_not_found", "没有这条走访记录");
    let v = state.store.visit(id).await?.ok_or_else(missing)?;
    let (_, _, path) = state.store.org_position(v.unit_id).await?.ok_or_else(missing)?;
    access::can(&caller.actor, Action::LogVisit, &Resource::at(&path)).ok_or_else(missing)?;
    Ok((v, path))
}

/// Deletes a visit (people who may log visits for its unit); progress is recomputed from what
/// remains.
#[utoipa::path(delete, path = "/api/v1/visits/{id}", tag = "campaigns", params(("id" = Uuid, Path)),
    responses((status = 204, description = "Deleted"), (status = 404, description = "`visit_not_found` (also outside the caller's scope)", body = ErrorBody)))]
pub async fn delete_visit(State(state): State<AppState>, Signed(caller): Signed, Path(id): Path<Uuid>) -> Response {
    let event = AuditEvent::new("visit_delete").target(format!("visit:{id}"), None);
    let result = async {
        let (v, path) = scoped_visit(&state, &caller, id).await?;
        let grant = access::can(&caller.actor, Action::LogVisit, &Resource::at(&path)).ok_or_else(forbidden)?.clone();
        state.store.delete_visit(v.id).await?;
        Ok::<_, AppError>((grant, path))
    }
    .await;
    match result {
        Ok((grant, path)) => {
            event.by(&grant).target(format!("visit:{id}"), Some(&path)).attach(StatusCode::NO_CONTENT.into_response())
        }
        Err(e) => audited(event, Err(e)),
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

/// The visits of a unit and everything below it, newest first.
#[utoipa::path(get, path = "/api/v1/visits", tag = "campaigns", params(VisitListParams),
    responses((status = 200, body = VisitList), (status = 403, description = "`forbidden`", body = ErrorBody),
        (status = 404, description = "`org_not_found`", body = ErrorBody)))]
pub async fn list_visits(
    State(state): State<AppState>,
    Signed(caller): Signed,
    ApiQuery(p): ApiQuery<VisitListParams>,
) -> Result<Json<VisitList>, AppError> {
    let unit = org_by_code_text(&state, &p.org)
        .await?
        .ok_or_else(|| AppError::not_found("org_not_found", format!("没有代码为 {} 的单位", p.org.trim())))?;
    if access::can(&caller.actor, Action::LogVisit, &Resource::at(&unit.path)).is_none()
        && access::can(&caller.actor, Action::ViewStatistics, &Resource::at(&unit.path)).is_none()
    {
        return Err(forbidden());
    }
    let university = university_of(&state, &unit)
        .await?
        .ok_or_else(|| AppError::bad_request("invalid_unit", "请指定一所高校或其下属单位"))?;
    let mut orgs: HashMap<Uuid, Option<Org>> = HashMap::new();
    let mut items = Vec::new();
    let mut facts = state.store.visits_of(university.id).await?;
    facts.sort_by(|a, b| b.visit_date.cmp(&a.visit_date).then(b.id.cmp(&a.id)));
    for f in facts {
        for id in std::iter::once(f.unit_id).chain(f.programmes.iter().copied()) {
            if let std::collections::hash_map::Entry::Vacant(e) = orgs.entry(id) {
                e.insert(state.store.org_by_id(id).await?);
            }
        }
        let Some(Some(u)) = orgs.get(&f.unit_id).cloned() else { continue };
        if !within(&u.path, &unit.path) {
            continue;
        }
        let Some(v) = state.store.visit(f.id).await? else { continue };
        let employer = state.store.employer_by_id(v.employer_id).await?;
        items.push(VisitDto {
            id: v.id,
            university: university.code.to_string(),
            unit: u.code.to_string(),
            unit_name: u.name.clone(),
            employer_credit_code: employer.as_ref().map(|e| e.credit_code.clone()).unwrap_or_default(),
            employer_name: employer.map(|e| e.name).unwrap_or_default(),
            visit_date: v.visit_date,
            form: v.form,
            roles: f.roles,
            programmes: f
                .programmes
                .iter()
                .filter_map(|id| orgs.get(id).cloned().flatten().map(|o| o.code.to_string()))
                .collect(),
            positions_opened: v.positions_opened,
            base_agreed: v.base_agreed,
            invited_to_fair: v.invited_to_fair,
            survey_filled: v.survey_filled,
            notes: v.notes,
        });
    }
    Ok(Json(VisitList { total: items.len() as i64, items }))
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_visits, create_visit)).routes(routes!(delete_visit))
}

#[derive(askama::Template)]
#[template(path = "visit_form.html")]
struct VisitFormPage {
    base: crate::pages::Base,
    unit: String,
    today: String,
    error: Option<String>,
    logged: bool,
}

#[derive(Debug, Deserialize)]
pub struct VisitFormQuery {
    logged: Option<String>,
}

fn visit_form(
    state: &AppState,
    lang: crate::i18n::Lang,
    uri: &axum::http::Uri,
    caller: &crate::auth::MaybeCaller,
    me: &Caller,
    error: Option<String>,
    logged: bool,
) -> Result<Response, AppError> {
    let base = crate::pages::Base::new(state, lang, "campaigns", uri).with_caller(caller);
    let unit = access::scope_paths(&me.actor, Action::LogVisit)
        .first()
        .and_then(|p| p.rsplit('/').next().map(str::to_owned))
        .ok_or_else(forbidden)?;
    let today = chrono::Local::now().date_naive().to_string();
    crate::pages::render(&VisitFormPage { base, unit, today, error, logged })
}

/// The visit form, for a phone as much as a desk.
pub async fn visit_form_page(
    State(state): State<AppState>,
    lang: crate::i18n::Lang,
    caller: crate::auth::MaybeCaller,
    axum::extract::OriginalUri(uri): axum::extract::OriginalUri,
    ApiQuery(q): ApiQuery<VisitFormQuery>,
) -> Result<Response, AppError> {
    let Some(me) = caller.0.clone() else { return Ok(crate::pages::login_redirect(&uri)) };
    visit_form(&state, lang, &uri, &caller, &me, None, q.logged.is_some())
}

#[derive(Debug, Deserialize)]
pub struct VisitFormData {
    unit: String,
    employer: String,
    visit_date: String,
    form: String,
    #[serde(default)]
    programmes: String,
    #[serde(default)]
    positions_opened: String,
    base_agreed: Option<String>,
    invited_to_fair: Option<String>,
    survey_filled: Option<String>,
    notes: Option<String>,
}

/// Logs a visit from the form through the same code as the API.
pub async fn visit_form_submit(
    State(state): State<AppState>,
    lang: crate::i18n::Lang,
    caller: crate::auth::MaybeCaller,
    axum::extract::OriginalUri(uri): axum::extract::OriginalUri,
    axum::Form(f): axum::Form<VisitFormData>,
) -> Result<Response, AppError> {
    let Some(me) = caller.0.clone() else { return Ok(crate::pages::login_redirect(&uri)) };
    let positions = match f.positions_opened.trim() {
        "" => 0,
        s => match s.parse::<i64>() {
            Ok(n) => n,
            Err(_) => return visit_form(&state, lang, &uri, &caller, &me, Some("开拓岗位数应为整数".into()), false),
        },
    };
    let input = VisitInput {
        unit: f.unit,
        employer: f.employer,
        visit_date: f.visit_date,
        form: f.form,
        people: Vec::new(),
        programmes: f
            .programmes
            .split([',', '，', ' ', '、'])
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect(),
        positions_opened: positions,
        base_agreed: f.base_agreed.is_some(),
        invited_to_fair: f.invited_to_fair.is_some(),
        survey_filled: f.survey_filled.is_some(),
        notes: f.notes,
    };
    let resp = create_visit(State(state.clone()), Signed(me.clone()), Json(input)).await;
    if resp.status() == StatusCode::CREATED {
        return Ok(axum::response::Redirect::to("/visits/new?logged=1").into_response());
    }
    let status = resp.status();
    let bytes = axum::body::to_bytes(resp.into_body(), 64 * 1024).await.unwrap_or_default();
    let message = serde_json::from_slice::<serde_json::Value>(&bytes)
        .ok()
        .and_then(|v| v["message"].as_str().map(str::to_owned))
        .unwrap_or_else(|| "登记未成功，请检查后重试".into());
    // The form comes back with the reason, under the status the API gave.
    let mut page = visit_form(&state, lang, &uri, &caller, &me, Some(message), false)?;
    *page.status_mut() = status;
    Ok(page)
}
