//! The internship and practice base registry (就业实习实践基地): bases a university, college or
//! programme agreed with an employer, over JSON and as a page. Registering and removing a base is
//! `Action::LogVisit` on its unit (the people who visit employers agree bases); reading adds
//! those who see the unit's statistics.

use crate::error::ErrorCode;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use jiuye_domain::Org;
use jiuye_domain::access::{self, Action, Resource};
use jiuye_store::campaign::{BaseRecord, BaseRow};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::AppState;
use crate::api::campaign::visits::{campaign_unit, programmes_inside, university_of, usable_employer};
use crate::auth::{AuditEvent, Caller, Signed, audited, forbidden};
use crate::error::unprocessable;
use crate::error::{AppError, ErrorBody};
use crate::extract::org::home_org;
use crate::extract::org::org_by_code_text;
use crate::extract::query::ApiQuery;

/// Kinds of base, with their Chinese names.
pub const BASE_KINDS: &[(&str, &str)] =
    &[("internship", "实习基地"), ("practice", "实践基地"), ("employment", "就业基地")];

/// A base as submitted.
#[derive(Debug, Deserialize, ToSchema)]
pub struct BaseInput {
    /// The university, college or programme code the base belongs to.
    pub unit: String,
    /// The employer's 统一社会信用代码 (in the directory, not blacklisted).
    pub employer: String,
    /// Defaults to "<employer>实习实践基地".
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

pub(crate) async fn dto(
    state: &AppState,
    codes: &mut std::collections::HashMap<Uuid, Option<String>>,
    r: BaseRow,
) -> Result<BaseDto, AppError> {
    let mut programmes = Vec::new();
    for id in &r.base.programmes {
        if !codes.contains_key(id) {
            codes.insert(*id, state.store.org_by_id(*id).await?.map(|o| o.code.to_string()));
        }
        programmes.extend(codes.get(id).cloned().flatten());
    }
    Ok(BaseDto {
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
    })
}

fn date(field: &str, s: &str) -> Result<NaiveDate, AppError> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
        .map_err(|_| unprocessable(ErrorCode::InvalidDate, format!("{field}“{}”应为 YYYY-MM-DD", s.trim())))
}

async fn register(state: &AppState, caller: &Caller, input: &BaseInput) -> Result<(BaseDto, String), AppError> {
    let unit = campaign_unit(state, &input.unit).await?;
    access::can(&caller.actor, Action::LogVisit, &Resource::at(&unit.path)).ok_or_else(forbidden)?;
    let university = university_of(state, &unit)
        .await?
        .ok_or_else(|| unprocessable(ErrorCode::InvalidUnit, "该单位不属于任何高校"))?;
    let employer = usable_employer(state, &input.employer).await?;
    let kind = input.kind.trim();
    if !BASE_KINDS.iter().any(|(k, _)| *k == kind) {
        return Err(unprocessable(
            ErrorCode::InvalidKind,
            "基地类型应为 internship（实习）、practice（实践）或 employment（就业）",
        ));
    }
    if !(0..=100_000).contains(&input.capacity) {
        return Err(unprocessable(ErrorCode::InvalidCapacity, "每年可接收人数应在 0 到 100000 之间"));
    }
    let start = date("开始日期", &input.start_date)?;
    let end = match input.end_date.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(e) => Some(date("结束日期", e)?),
        None => None,
    };
    if end.is_some_and(|e| e < start) {
        return Err(unprocessable(ErrorCode::InvalidDate, "结束日期不能早于开始日期"));
    }
    let programmes = programmes_inside(state, &unit, &input.programmes).await?;
    let name = match input.name.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(n) if n.chars().count() <= 100 => n.to_owned(),
        Some(_) => return Err(unprocessable(ErrorCode::InvalidName, "基地名称不超过 100 字")),
        None => format!("{}实习实践基地", employer.name),
    };
    let record = BaseRecord {
        id: Uuid::now_v7(),
        org_id: university.id,
        unit_id: unit.id,
        employer_id: employer.id,
        name,
        kind: kind.to_owned(),
        capacity: input.capacity,
        start_date: start,
        end_date: end,
        visit_id: None,
        notes: input.notes.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(|s| s.chars().take(2000).collect()),
        created_by: caller.user.id,
        origin_node: state.store.node().await?.node_id,
        version: 1,
        programmes: programmes.iter().map(|p| p.id).collect(),
    };
    if !state.store.add_base(&record).await? {
        return Err(AppError::new(
            StatusCode::CONFLICT,
            ErrorCode::BaseExists,
            format!("{} 与 {} 已有同类基地", unit.name, employer.name),
        ));
    }
    let row = state
        .store
        .base(record.id)
        .await?
        .ok_or_else(|| AppError::not_found(ErrorCode::BaseNotFound, "没有这个基地"))?;
    Ok((dto(state, &mut Default::default(), row).await?, unit.path))
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
    let event = base_event(&input);
    match register(&state, &caller, &input).await {
        Ok((dto, path)) => base_saved(event, &dto, &path).attach((StatusCode::CREATED, Json(dto)).into_response()),
        Err(e) => audited(event, Err(e)),
    }
}

/// The audit entry of registering a base, before it is known whether it holds.
fn base_event(input: &BaseInput) -> AuditEvent {
    AuditEvent::new("base_create").target(format!("unit:{}", input.unit.trim()), None)
}

/// The audit entry completed with the base registered.
fn base_saved(event: AuditEvent, dto: &BaseDto, path: &str) -> AuditEvent {
    event.target(format!("base:{}", dto.id), Some(path)).detail(dto.employer_credit_code.clone())
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BaseListParams {
    /// A province, university, college or programme code; bases of units below it are included.
    pub org: String,
    /// Page size (1–200, default 50).
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BaseList {
    pub total: i64,
    pub items: Vec<BaseDto>,
}

async fn list(
    state: &AppState,
    caller: &Caller,
    org: &str,
    limit: Option<i64>,
    offset: Option<i64>,
) -> Result<(Org, BaseList), AppError> {
    let org = org_by_code_text(state, org)
        .await?
        .ok_or_else(|| AppError::not_found(ErrorCode::OrgNotFound, format!("没有代码为 {} 的单位", org.trim())))?;
    let r = Resource::at(&org.path);
    if access::can(&caller.actor, Action::LogVisit, &r).is_none()
        && access::can(&caller.actor, Action::ViewStatistics, &r).is_none()
    {
        return Err(forbidden());
    }
    let rows = state.store.bases_under(&org.path).await?;
    let total = rows.len() as i64;
    let (limit, offset) = (limit.unwrap_or(50).clamp(1, 200) as usize, offset.unwrap_or(0).max(0) as usize);
    let mut codes = std::collections::HashMap::new();
    let mut items = Vec::new();
    for row in rows.into_iter().skip(offset).take(limit) {
        items.push(dto(state, &mut codes, row).await?);
    }
    Ok((org, BaseList { total, items }))
}

/// The bases of an organisation and the units below it, newest agreement first, a page at a time.
#[utoipa::path(get, path = "/api/v1/bases", tag = "campaigns", params(BaseListParams),
    responses((status = 200, body = BaseList), (status = 403, description = "`forbidden`", body = ErrorBody),
        (status = 404, description = "`org_not_found`", body = ErrorBody)))]
pub async fn list_bases(
    State(state): State<AppState>,
    Signed(caller): Signed,
    ApiQuery(p): ApiQuery<BaseListParams>,
) -> Result<Json<BaseList>, AppError> {
    Ok(Json(list(&state, &caller, &p.org, p.limit, p.offset).await?.1))
}

/// Removes a base (those who may register bases for its unit).
#[utoipa::path(delete, path = "/api/v1/bases/{id}", tag = "campaigns", params(("id" = Uuid, Path)),
    responses((status = 204, description = "Removed"), (status = 404, description = "`base_not_found` (also outside the caller's scope)", body = ErrorBody)))]
pub async fn delete_base(State(state): State<AppState>, Signed(caller): Signed, Path(id): Path<Uuid>) -> Response {
    let event = AuditEvent::new("base_delete").target(format!("base:{id}"), None);
    let result = async {
        let missing = || AppError::not_found(ErrorCode::BaseNotFound, "没有这个基地");
        let row = state.store.base(id).await?.ok_or_else(missing)?;
        access::can(&caller.actor, Action::LogVisit, &Resource::at(&row.unit_path)).ok_or_else(missing)?;
        state.store.delete_base(id).await?;
        Ok::<_, AppError>(row.unit_path)
    }
    .await;
    match result {
        Ok(path) => event.target(format!("base:{id}"), Some(&path)).attach(StatusCode::NO_CONTENT.into_response()),
        Err(e) => audited(event, Err(e)),
    }
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_bases, create_base)).routes(routes!(delete_base))
}

#[derive(askama::Template)]
#[template(path = "bases.html")]
struct BasesPage {
    base: crate::render::page::Base,
    org: String,
    list: BaseList,
    kinds: Vec<(&'static str, &'static str)>,
    today: String,
    can_add: bool,
    error: Option<String>,
    added: bool,
    prev: Option<i64>,
    next: Option<i64>,
}

#[derive(Debug, Deserialize)]
pub struct BasesQuery {
    org: Option<String>,
    added: Option<String>,
    offset: Option<i64>,
}

#[allow(clippy::too_many_arguments)]
async fn page(
    state: &AppState,
    lang: crate::i18n::Lang,
    uri: &axum::http::Uri,
    caller: &crate::auth::MaybeCaller,
    me: &Caller,
    org: String,
    error: Option<String>,
    added: bool,
    offset: i64,
) -> Result<Response, AppError> {
    let (o, list) = list(state, me, &org, Some(50), Some(offset)).await?;
    let prev = (offset > 0).then(|| (offset - 50).max(0));
    let next = (offset + 50 < list.total).then_some(offset + 50);
    let can_add = access::can(&me.actor, Action::LogVisit, &Resource::at(&o.path)).is_some();
    let base = crate::render::page::Base::new(state, lang, "campaigns", uri).with_caller(caller);
    let today = chrono::Local::now().date_naive().to_string();
    crate::render::page::render(&BasesPage {
        base,
        org,
        list,
        kinds: BASE_KINDS.to_vec(),
        today,
        can_add,
        error,
        added,
        prev,
        next,
    })
}

/// The base registry of a unit, with a form to register one.
pub async fn bases_page(
    State(state): State<AppState>,
    lang: crate::i18n::Lang,
    caller: crate::auth::MaybeCaller,
    axum::extract::OriginalUri(uri): axum::extract::OriginalUri,
    ApiQuery(q): ApiQuery<BasesQuery>,
) -> Result<Response, AppError> {
    let Some(me) = caller.0.clone() else { return Ok(crate::render::page::login_redirect(&uri)) };
    let org = match q.org.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(o) => o.to_owned(),
        None => home_org(&me, &[Action::LogVisit, Action::ViewStatistics])?,
    };
    page(&state, lang, &uri, &caller, &me, org, None, q.added.is_some(), q.offset.unwrap_or(0).max(0)).await
}

#[derive(Debug, Deserialize)]
pub struct BaseFormData {
    unit: String,
    employer: String,
    #[serde(default)]
    name: String,
    kind: String,
    #[serde(default)]
    capacity: String,
    start_date: String,
    #[serde(default)]
    end_date: String,
    #[serde(default)]
    programmes: String,
}

/// Registers a base from the page's form through the API's code.
pub async fn bases_submit(
    State(state): State<AppState>,
    lang: crate::i18n::Lang,
    caller: crate::auth::MaybeCaller,
    axum::extract::OriginalUri(uri): axum::extract::OriginalUri,
    axum::Form(f): axum::Form<BaseFormData>,
) -> Result<Response, AppError> {
    let Some(me) = caller.0.clone() else { return Ok(crate::render::page::login_redirect(&uri)) };
    let unit = f.unit.trim().to_owned();
    let capacity = match f.capacity.trim() {
        "" => 0,
        s => match s.parse::<i64>() {
            Ok(n) => n,
            Err(_) => {
                let mut resp =
                    page(&state, lang, &uri, &caller, &me, unit, Some("每年可接收人数应为整数".into()), false, 0)
                        .await?;
                *resp.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
                return Ok(resp);
            }
        },
    };
    let input = BaseInput {
        unit: f.unit.clone(),
        employer: f.employer,
        name: Some(f.name),
        kind: f.kind,
        capacity,
        start_date: f.start_date,
        end_date: Some(f.end_date),
        programmes: f
            .programmes
            .split([',', '，', ' ', '、'])
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect(),
        notes: None,
    };
    let event = base_event(&input);
    match register(&state, &me, &input).await {
        Ok((dto, path)) => {
            let to = format!("/bases?org={}&added=1", crate::render::page::encode_component(&unit));
            Ok(base_saved(event, &dto, &path).attach(axum::response::Redirect::to(&to).into_response()))
        }
        Err(e) if e.status == StatusCode::FORBIDDEN => Ok(audited(event, Err(e))),
        Err(e) => {
            let page = page(&state, lang, &uri, &caller, &me, unit, Some(e.message.clone()), false, 0).await?;
            let mut page = event.attach(page);
            *page.status_mut() = e.status;
            Ok(page)
        }
    }
}
