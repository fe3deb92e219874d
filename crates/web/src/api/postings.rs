//! Job postings: scam screening of a draft (`POST /api/v1/postings/screen`, open to anyone since
//! it stores nothing), submission by a verified employer's own account, review by the staff of
//! the scope it appears in, and reading under the visibility rules: a posting is seen by the
//! people of the organisation it appears in (and of the organisations below it, and the member
//! universities of an alliance), by its employer, and by the staff who review it.

pub mod reports;
pub mod review;
pub mod view;

use crate::api::postings::view::{PostingDto, ReportDto, dto};

use crate::api::postings::reports::__path_report_posting;
use crate::api::postings::reports::__path_withdraw_posting;
use crate::api::postings::reports::report_posting;
use crate::api::postings::reports::withdraw_posting;
use crate::api::postings::review::__path_my_postings;
use crate::api::postings::review::__path_review_posting;
use crate::api::postings::review::__path_review_queue;
use crate::api::postings::review::PostingList;
use crate::api::postings::review::my_postings;
use crate::api::postings::review::review_posting;
use crate::api::postings::review::review_queue;
use crate::extract::page::{Page, PageParams};

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use jiuye_domain::posting::{self};
use jiuye_domain::screening::Screening;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::AppState;
use crate::auth::{AuditEvent, Caller, MaybeCaller, Signed, audited};
use crate::error::{AppError, ErrorBody};
use crate::extract::query::ApiQuery;

/// A posting as drafted.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct DraftPosting {
    #[schema(max_length = 100)]
    pub title: String,
    #[schema(max_length = 20000)]
    pub description: String,
    /// Monthly pay range, yuan.
    pub salary_min: Option<i64>,
    pub salary_max: Option<i64>,
    /// GB/T 2260 code of the place of work.
    pub region: Option<String>,
    /// How to apply or whom to contact (free text).
    #[schema(max_length = 200)]
    pub contact: Option<String>,
}

impl DraftPosting {
    /// The text screening reads.
    pub(crate) fn text(&self) -> jiuye_app::postings::DraftText<'_> {
        jiuye_app::postings::DraftText {
            draft: jiuye_domain::screening::Draft {
                title: &self.title,
                description: &self.description,
                salary_min: self.salary_min,
                salary_max: self.salary_max,
                contact: self.contact.as_deref(),
            },
            region: self.region.as_deref(),
        }
    }
}

/// Screens a draft posting for the signs of a scam or a discriminatory clause and stores nothing.
/// `high` means a posting would be held for review.
#[utoipa::path(post, path = "/api/v1/postings/screen", tag = "postings", request_body = DraftPosting,
    responses((status = 200, description = "The risk level and the reasons", body = Screening),
        (status = 422, description = "`text_too_long`, `invalid_salary`, `invalid_region`", body = ErrorBody)))]
pub async fn post_screen(
    State(state): State<AppState>,
    Json(d): Json<DraftPosting>,
) -> Result<Json<Screening>, AppError> {
    Ok(Json(state.postings().screen(&d.text()).await?))
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(post_screen))
        .routes(routes!(create_posting, list_postings))
        .routes(routes!(review_queue))
        .routes(routes!(my_postings))
        .routes(routes!(get_posting, update_posting))
        .routes(routes!(review_posting))
        .routes(routes!(withdraw_posting))
        .routes(routes!(report_posting))
        .routes(routes!(list_specials))
}

/// The themed campaigns (专场) postings may join, with their rules.
#[utoipa::path(get, path = "/api/v1/specials", tag = "postings",
    responses((status = 200, description = "The themed campaigns with their rules", body = Vec<posting::Special>)))]
pub async fn list_specials() -> Json<Vec<posting::Special>> {
    Json(posting::specials().to_vec())
}

/// A posting as submitted by its employer.
#[derive(Clone, Debug, Deserialize, ToSchema)]
pub struct PostingInput {
    #[schema(max_length = 100)]
    pub title: String,
    #[schema(max_length = 20000)]
    pub description: String,
    /// GB/T 2260 code of the place of work (prefecture or county).
    pub region: String,
    /// 工作职位类别代码.
    pub position: String,
    /// `any`, `vocational`, `bachelor`, `master` or `doctor`.
    pub education: String,
    /// Codes of majors or major classes wanted (either catalogue); empty for any.
    #[serde(default)]
    pub majors: Vec<String>,
    pub openings: i64,
    /// Monthly pay range, yuan.
    pub salary_min: Option<i64>,
    pub salary_max: Option<i64>,
    /// YYYY-MM-DD, the last day to apply (today to a year ahead).
    pub deadline: String,
    #[schema(max_length = 200)]
    pub contact: String,
    #[serde(default)]
    #[schema(max_length = 500)]
    pub apply_method: String,
    /// `university`, `alliance`, `province` or `nation`.
    pub visibility: String,
    /// The code of the university, alliance or province it appears in (ignored for `nation`).
    pub scope: Option<String>,
    /// Themed campaigns (专场) to join, by id (see `GET /api/v1/specials`); each checks its rule.
    #[serde(default)]
    pub specials: Vec<String>,
    /// The occupation (职业分类大典 2022 code of level 4, `2-02-10-03`) the employer files the
    /// posting under; empty or absent lets the title decide (see
    /// `GET /api/v1/occupations/suggestions`). Chosen occupations also teach the node how its
    /// titles are labelled.
    #[serde(default)]
    pub occupation: String,
}

impl PostingInput {
    /// The form as the use cases read it.
    pub(crate) fn form(&self) -> jiuye_app::postings::PostingForm<'_> {
        jiuye_app::postings::PostingForm {
            fields: jiuye_domain::posting::PostingFields {
                title: &self.title,
                description: &self.description,
                region: &self.region,
                position: &self.position,
                education: &self.education,
                majors: &self.majors,
                openings: self.openings,
                salary_min: self.salary_min,
                salary_max: self.salary_max,
                deadline: &self.deadline,
                contact: &self.contact,
                apply_method: &self.apply_method,
                occupation: &self.occupation,
            },
            visibility: &self.visibility,
            scope: self.scope.as_deref(),
            specials: &self.specials,
        }
    }
}

/// Submits a posting for the caller's own (verified) employer. It is screened at once: a
/// high-risk posting is `held`, any other is `pending`; either waits for the staff of its scope.
#[utoipa::path(post, path = "/api/v1/postings", tag = "postings", request_body = PostingInput,
    responses((status = 201, description = "Submitted: `pending`, or `held` when screened high-risk", body = PostingDto),
        (status = 422, description = "`employer_not_verified`, `invalid_title`, `invalid_description`, `invalid_region`, `invalid_position`, `invalid_education`, `invalid_majors`, `invalid_openings`, `invalid_salary`, `invalid_deadline`, `invalid_contact`, `invalid_apply_method`, `invalid_visibility`, `invalid_scope`", body = ErrorBody),
        (status = 403, description = "`forbidden` (not an employer's account)", body = ErrorBody)))]
pub async fn create_posting(
    State(state): State<AppState>,
    Signed(caller): Signed,
    Json(input): Json<PostingInput>,
) -> Response {
    let event = AuditEvent::new("posting_create");
    match state.postings().submit(&caller.actor, &input.form()).await {
        Ok(row) => {
            let path = row.scope_path.clone();
            let d = dto(&state, row);
            event
                .target(format!("posting:{}", d.id), Some(&path))
                .detail(format!("{} {}", d.status, d.risk_level))
                .attach((StatusCode::CREATED, Json(d)).into_response())
        }
        Err(e) => audited(event, Err(e.into())),
    }
}

/// One posting: for anyone it is open to once approved and before its deadline; in any state
/// for its employer and for the staff who review it. Otherwise 404.
#[utoipa::path(get, path = "/api/v1/postings/{id}", tag = "postings", params(("id" = Uuid, Path)),
    responses((status = 200, description = "The posting", body = PostingDto), (status = 404, description = "`posting_not_found`", body = ErrorBody)))]
pub async fn get_posting(
    State(state): State<AppState>,
    caller: MaybeCaller,
    Path(id): Path<Uuid>,
) -> Result<Json<PostingDto>, AppError> {
    Ok(Json(posting_for(&state, caller.0.as_deref(), id).await?))
}

/// A posting the caller may read, with its reports for those who review it (the API and the
/// posting page).
pub(crate) async fn posting_for(state: &AppState, caller: Option<&Caller>, id: Uuid) -> Result<PostingDto, AppError> {
    let (row, reports) = state.postings().read(caller.map(|c| &c.actor), id).await?;
    let mut d = dto(state, row);
    d.reports = reports.unwrap_or_default().into_iter().map(ReportDto::from).collect();
    Ok(d)
}

/// Edits a posting (its employer only). The edit is screened again and goes back to review.
#[utoipa::path(put, path = "/api/v1/postings/{id}", tag = "postings", params(("id" = Uuid, Path)), request_body = PostingInput,
    responses((status = 200, description = "Edited and sent back to review", body = PostingDto), (status = 404, description = "`posting_not_found`", body = ErrorBody),
        (status = 422, description = "as for submitting", body = ErrorBody)))]
pub async fn update_posting(
    State(state): State<AppState>,
    Signed(caller): Signed,
    Path(id): Path<Uuid>,
    Json(input): Json<PostingInput>,
) -> Response {
    let event = AuditEvent::new("posting_update").target(format!("posting:{id}"), None);
    let result = state.postings().edit(&caller.actor, id, &input.form()).await;
    match result {
        Ok(row) => {
            let path = row.scope_path.clone();
            let d = dto(&state, row);
            event.target(format!("posting:{id}"), Some(&path)).detail(d.status.clone()).attach(Json(d).into_response())
        }
        Err(e) => audited(event, Err(e.into())),
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// Only postings in this themed campaign (专场).
    pub special: Option<String>,
}

/// Approved, open postings visible to the caller (anyone: the nation's), newest first.
#[utoipa::path(get, path = "/api/v1/postings", tag = "postings", params(ListParams, PageParams),
    responses((status = 200, description = "Open postings the caller may see, newest first", body = PostingList)))]
pub async fn list_postings(
    State(state): State<AppState>,
    caller: MaybeCaller,
    ApiQuery(p): ApiQuery<ListParams>,
    page: Page<20>,
) -> Result<Json<PostingList>, AppError> {
    let reader = caller.0.as_deref().map(|c| &c.actor);
    let (rows, total) = state.postings().open(reader, p.special.as_deref(), page.limit, page.offset).await?;
    Ok(Json(PostingList { total, items: rows.into_iter().map(|r| dto(&state, r)).collect() }))
}
