//! Destination registration over JSON: the graduate registers (or staff on their behalf), the
//! college and university review, the graduate confirms; evidence files, every version, disputes
//! and the integrity checks. Every step asks the permission module and leaves an audit entry.

pub mod evidence;
pub mod graduate_list;
pub mod integrity;

use crate::api::destinations::evidence::__path_get_evidence;
use crate::api::destinations::evidence::__path_list_disputes;
use crate::api::destinations::evidence::__path_post_answer;
use crate::api::destinations::evidence::__path_post_dispute;
use crate::api::destinations::evidence::__path_post_evidence;
use crate::api::destinations::evidence::get_evidence;
use crate::api::destinations::evidence::list_disputes;
use crate::api::destinations::evidence::post_answer;
use crate::api::destinations::evidence::post_dispute;
use crate::api::destinations::evidence::post_evidence;
use crate::api::destinations::graduate_list::__path_list_graduates;
use crate::api::destinations::graduate_list::__path_post_contact;
use crate::api::destinations::graduate_list::__path_put_closing;
use crate::api::destinations::graduate_list::list_graduates;
use crate::api::destinations::graduate_list::post_contact;
use crate::api::destinations::graduate_list::put_closing;
use crate::api::destinations::integrity::__path_get_integrity;
use crate::api::destinations::integrity::__path_list_min_wages;
use crate::api::destinations::integrity::__path_put_min_wage;
use crate::api::destinations::integrity::get_integrity;
use crate::api::destinations::integrity::list_min_wages;
use crate::api::destinations::integrity::put_min_wage;
use crate::error::ErrorCode;
use axum::Json;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use jiuye_app::destinations::records::{self, Record, Registered, ReviewInput};
use jiuye_domain::RefData;
use jiuye_domain::destination::{Registration, Violation, component_of};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::AppState;
use crate::api::destinations::evidence::{DisputeDto, EvidenceDto};

use crate::auth::{AuditEvent, Signed, audited};
use crate::error::{AppError, ErrorBody};

/// A destination registration.
#[derive(Debug, Deserialize, ToSchema)]
pub struct RegistrationDto {
    /// Official destination code, e.g. `11`, `12`, `271`, `502`, `76`, `801`.
    #[schema(example = "11")]
    pub code: String,
    pub employer_name: Option<String>,
    /// 统一社会信用代码 (required for 10 and 11).
    pub credit_code: Option<String>,
    /// 单位所在地 (GB/T 2260); for 76 where the graduate works.
    pub employer_region: Option<String>,
    /// 单位性质代码.
    pub employer_type: Option<String>,
    /// 单位行业代码.
    pub employer_industry: Option<String>,
    /// Monthly pay in yuan (required for 12, 27 and 76; at least the local minimum wage).
    pub monthly_pay: Option<i64>,
    /// `agreement`, `contract`, `offer`, `pay_records`, `enlistment`, `project_letter`,
    /// `business_license`, `statement`, `admission` (`internship` is never accepted as
    /// employment).
    pub proof_kind: Option<String>,
    /// 76: the graduate signed the freelance statement.
    #[serde(default)]
    pub statement_signed: bool,
    #[schema(max_length = 500)]
    pub note: Option<String>,
}

impl From<RegistrationDto> for Registration {
    fn from(d: RegistrationDto) -> Self {
        let clean = |s: Option<String>| s.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
        Registration {
            code: d.code.trim().to_owned(),
            employer_name: clean(d.employer_name),
            credit_code: clean(d.credit_code),
            employer_region: clean(d.employer_region),
            employer_type: clean(d.employer_type),
            employer_industry: clean(d.employer_industry),
            monthly_pay: d.monthly_pay,
            proof_kind: clean(d.proof_kind),
            statement_signed: d.statement_signed,
            note: clean(d.note),
        }
    }
}

/// The rule violations of a refused registration, in the error shape.
#[derive(Debug, Serialize, ToSchema)]
pub struct RuleRejection {
    #[schema(example = "registration_rules")]
    pub error: String,
    pub message: String,
    /// Every broken rule (with `registration_rules`; other refusals answer `error` and
    /// `message` only).
    #[schema(required = false)]
    pub violations: Vec<ViolationDto>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ViolationDto {
    pub field: String,
    /// Stable rule id, e.g. `below_minimum_wage`, `internship_not_employment`, `statement_required`.
    pub rule: String,
    pub message: String,
}

fn rejection(v: Vec<Violation>) -> Response {
    let body = RuleRejection {
        error: "registration_rules".into(),
        message: v.iter().map(|x| x.message.clone()).collect::<Vec<_>>().join("；"),
        violations: v
            .into_iter()
            .map(|x| ViolationDto { field: x.field.into(), rule: x.rule.into(), message: x.message })
            .collect(),
    };
    let mut res = (StatusCode::UNPROCESSABLE_ENTITY, Json(body)).into_response();
    res.extensions_mut().insert(crate::error::ErrorInfo {
        code: ErrorCode::RegistrationRules,
        message: "登记不符合毕业去向规则".into(),
    });
    res
}

/// A destination record as shown to people.
#[derive(Debug, Serialize, ToSchema)]
pub struct DestinationDto {
    pub status: String,
    pub status_zh: String,
    pub code: String,
    pub code_name: Option<String>,
    /// `employed`, `self_employed`, `freelance`, `further_study` or `not_placed`.
    pub component: String,
    pub employer_name: Option<String>,
    pub credit_code: Option<String>,
    pub employer_region: Option<String>,
    pub employer_type: Option<String>,
    pub employer_industry: Option<String>,
    pub monthly_pay: Option<i64>,
    pub proof_kind: Option<String>,
    pub statement_signed: bool,
    pub note: Option<String>,
    pub return_reason: Option<String>,
    /// `graduate`, `staff` or `import`.
    pub source: String,
    pub version: i64,
    pub updated_at: chrono::DateTime<Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct VersionDto {
    pub version: i64,
    pub action: String,
    pub status: String,
    pub actor: Option<String>,
    pub at: chrono::DateTime<Utc>,
    /// The record as it stood (JSON).
    pub snapshot: String,
}

/// A graduate with their destination record, its history, evidence and disputes.
#[derive(Debug, Serialize, ToSchema)]
pub struct GraduateDetail {
    pub id: Uuid,
    pub student_no: String,
    pub name: String,
    pub university: String,
    pub college: String,
    pub programme: String,
    pub cohort: i32,
    pub education_level: String,
    pub destination: Option<DestinationDto>,
    pub versions: Vec<VersionDto>,
    pub evidence: Vec<EvidenceDto>,
    pub disputes: Vec<DisputeDto>,
    /// The date until which the record may be corrected.
    pub closes_on: String,
}

/// A graduate's record as shown to people (`refdata` names the destination code).
pub(crate) fn detail(refdata: &RefData, r: &Record) -> GraduateDetail {
    let g = &r.graduate;
    GraduateDetail {
        id: g.graduate.id,
        student_no: g.graduate.student_no.clone(),
        name: g.graduate.name.clone(),
        university: g.university_name.clone(),
        college: g.college_name.clone(),
        programme: g.programme_name.clone(),
        cohort: g.graduate.cohort,
        education_level: g.graduate.education_level.zh().to_owned(),
        destination: r.destination.as_ref().map(|d| {
            let reg = &d.registration;
            DestinationDto {
                status: d.status.id().into(),
                status_zh: d.status.zh().into(),
                code_name: refdata.entry(jiuye_domain::Catalogue::Destinations, &reg.code).map(|e| e.name.clone()),
                component: component_of(&reg.code).id().into(),
                code: reg.code.clone(),
                employer_name: reg.employer_name.clone(),
                credit_code: reg.credit_code.clone(),
                employer_region: reg.employer_region.clone(),
                employer_type: reg.employer_type.clone(),
                employer_industry: reg.employer_industry.clone(),
                monthly_pay: reg.monthly_pay,
                proof_kind: reg.proof_kind.clone(),
                statement_signed: reg.statement_signed,
                note: reg.note.clone(),
                return_reason: d.return_reason.clone(),
                source: d.source.clone(),
                version: d.version,
                updated_at: d.updated_at,
            }
        }),
        versions: r
            .versions
            .iter()
            .map(|v| VersionDto {
                version: v.version,
                action: v.action.clone(),
                status: v.status.id().into(),
                actor: v.actor_name.clone(),
                at: v.at,
                snapshot: v.snapshot.clone(),
            })
            .collect(),
        evidence: r.evidence.iter().map(EvidenceDto::from).collect(),
        disputes: r.disputes.iter().map(DisputeDto::from).collect(),
        closes_on: r.closes_on.to_string(),
    }
}

/// One graduate with their destination record, history, evidence and disputes (the read is
/// logged in the read log).
#[utoipa::path(get, path = "/api/v1/graduates/{id}", tag = "graduates", params(("id" = Uuid, Path)),
    responses((status = 200, body = GraduateDetail), (status = 404, description = "`graduate_not_found` (also outside the caller's scope)", body = ErrorBody)))]
pub async fn get_graduate(
    State(state): State<AppState>,
    Signed(caller): Signed,
    Path(id): Path<Uuid>,
) -> Result<Json<GraduateDetail>, AppError> {
    let r =
        records::record(state.store.as_ref(), &state.settings.keys, &caller.actor, id, state.reads(&caller)).await?;
    Ok(Json(detail(&state.refdata, &r)))
}

/// Registers (or corrects) the graduate's destination by official code; it then waits for
/// review. Refused with every broken rule explained (minimum wage for 12/27/76, the signed
/// statement for 76, no internship proof as employment, …).
#[utoipa::path(put, path = "/api/v1/graduates/{id}/destination", tag = "graduates", params(("id" = Uuid, Path)), request_body = RegistrationDto,
    responses((status = 200, body = GraduateDetail), (status = 409, description = "`cohort_closed`, `edit_conflict`", body = ErrorBody),
        (status = 422, description = "`registration_rules`", body = RuleRejection), (status = 403, description = "`forbidden`", body = ErrorBody),
        (status = 404, description = "`graduate_not_found`", body = ErrorBody)))]
pub async fn put_destination(
    State(state): State<AppState>,
    Signed(caller): Signed,
    Path(id): Path<Uuid>,
    Json(reg): Json<RegistrationDto>,
) -> Response {
    let reg = Registration::from(reg);
    let event = AuditEvent::new("destination_register")
        .target(format!("graduate:{id}"), None)
        .detail(format!("代码 {}", reg.code));
    let today = Utc::now().date_naive();
    match records::register(state.store.as_ref(), &state.settings.keys, &state.refdata, &caller.actor, today, id, reg)
        .await
    {
        Ok(Registered::Saved(r)) => event.attach(Json(detail(&state.refdata, &r)).into_response()),
        Ok(Registered::Refused(v)) => event.attach(rejection(v)),
        Err(e) => audited(event, Err(e.into())),
    }
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct Review {
    /// `approve` or `return`.
    pub decision: String,
    /// `college` (院系) or `university` (学校).
    pub level: String,
    /// Required when returning.
    #[schema(max_length = 500)]
    pub reason: Option<String>,
}

/// College or university review: approve, or return with a reason. 自由职业 (76) needs the college
/// and then the university.
#[utoipa::path(post, path = "/api/v1/graduates/{id}/destination/review", tag = "graduates", params(("id" = Uuid, Path)), request_body = Review,
    responses((status = 200, body = GraduateDetail), (status = 409, description = "`invalid_step`", body = ErrorBody), (status = 403, description = "`forbidden`", body = ErrorBody)))]
pub async fn post_review(
    State(state): State<AppState>,
    Signed(caller): Signed,
    Path(id): Path<Uuid>,
    Json(r): Json<Review>,
) -> Response {
    let event = AuditEvent::new("destination_review")
        .target(format!("graduate:{id}"), None)
        .detail(format!("{} {}", r.level, r.decision));
    let input = ReviewInput { level: &r.level, decision: &r.decision, reason: r.reason.as_deref() };
    match records::review(state.store.as_ref(), &state.settings.keys, &caller.actor, id, input).await {
        Ok((d, grant)) => event.by(&grant).attach(Json(detail(&state.refdata, &d)).into_response()),
        Err(e) => audited(event, Err(e.into())),
    }
}

/// The graduate confirms the approved record (only the graduate can).
#[utoipa::path(post, path = "/api/v1/graduates/{id}/destination/confirm", tag = "graduates", params(("id" = Uuid, Path)),
    responses((status = 200, body = GraduateDetail), (status = 409, description = "`invalid_step`", body = ErrorBody), (status = 403, description = "`forbidden`", body = ErrorBody)))]
pub async fn post_confirm(State(state): State<AppState>, Signed(caller): Signed, Path(id): Path<Uuid>) -> Response {
    let event = AuditEvent::new("destination_confirm").target(format!("graduate:{id}"), None);
    let result = records::confirm(state.store.as_ref(), &state.settings.keys, &caller.actor, id).await;
    audited(event, result.map(|d| Json(detail(&state.refdata, &d)).into_response()).map_err(Into::into))
}

pub fn router() -> OpenApiRouter<AppState> {
    let uploads = OpenApiRouter::new()
        .routes(routes!(post_evidence))
        .layer(axum::extract::DefaultBodyLimit::max(jiuye_app::files::MAX_FILE_BYTES + 64 * 1024));
    OpenApiRouter::new()
        .merge(uploads)
        .routes(routes!(list_graduates))
        .routes(routes!(get_graduate))
        .routes(routes!(put_destination))
        .routes(routes!(post_review))
        .routes(routes!(post_confirm))
        .routes(routes!(get_evidence))
        .routes(routes!(post_dispute))
        .routes(routes!(post_answer))
        .routes(routes!(list_disputes))
        .routes(routes!(get_integrity))
        .routes(routes!(post_contact))
        .routes(routes!(put_closing))
        .routes(routes!(list_min_wages))
        .routes(routes!(put_min_wage))
}
