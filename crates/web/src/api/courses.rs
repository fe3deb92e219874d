//! Courses and livestream lessons over JSON: publish and list them, enrol, join a livestream
//! (recording attendance), mark attendance, a lesson's roll, and completion per college.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use jiuye_app::courses::{Completion, Courses, NewCourse};
use jiuye_domain::courses::CourseKind;
use jiuye_store::courses::CourseRow;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::AppState;
use crate::auth::{AuditEvent, Signed, audited};
use crate::error::{AppError, ErrorBody};
use crate::extract::query::ApiQuery;

impl AppState {
    /// The course use cases on this node, now.
    pub fn courses(&self) -> Courses<'_> {
        Courses { store: self.store.as_ref(), now: Utc::now() }
    }
}

/// A lesson as typed.
#[derive(Debug, Deserialize, ToSchema)]
pub struct CourseInput {
    /// The university or college offering it (default: the caller's own).
    pub org: Option<String>,
    /// `course` (线下课程) or `livestream` (直播课).
    pub kind: String,
    #[schema(max_length = 100)]
    pub title: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    /// Where (a course).
    #[serde(default)]
    #[schema(max_length = 200)]
    pub place: String,
    /// The livestream's http(s) link (a livestream; optional for a course).
    #[serde(default)]
    #[schema(max_length = 200)]
    pub url: String,
}

/// A lesson.
#[derive(Debug, Serialize, ToSchema)]
pub struct CourseDto {
    pub id: Uuid,
    pub org: String,
    pub kind: String,
    pub kind_name: String,
    pub title: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub place: String,
    /// The livestream link (shown to graduates once enrolled).
    pub url: String,
    pub enrolled: i64,
    pub attended: i64,
    /// The caller's own enrolment (graduates).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mine: Option<MyEnrolment>,
}

/// A graduate's enrolment in a lesson.
#[derive(Debug, Serialize, ToSchema)]
pub struct MyEnrolment {
    pub enrolled: bool,
    pub attended_at: Option<DateTime<Utc>>,
}

pub(crate) fn course_dto(c: CourseRow, mine: Option<MyEnrolment>) -> CourseDto {
    let kind = CourseKind::from_id(&c.course.kind).unwrap_or(CourseKind::Course);
    let show_url = mine.as_ref().is_none_or(|m| m.enrolled);
    CourseDto {
        id: c.course.id,
        org: c.org_name,
        kind: kind.id().into(),
        kind_name: kind.zh().into(),
        title: c.course.title,
        starts_at: c.course.starts_at,
        ends_at: c.course.ends_at,
        place: c.course.place,
        url: if show_url { c.course.url } else { String::new() },
        enrolled: c.enrolled,
        attended: c.attended,
        mine,
    }
}

/// Publishes a course or livestream lesson (advisors, the career centre).
#[utoipa::path(post, path = "/api/v1/guidance/courses", tag = "guidance", request_body = CourseInput,
    responses((status = 201, description = "Published", body = CourseDto),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 403, description = "`forbidden`", body = ErrorBody),
        (status = 404, description = "`org_not_found`", body = ErrorBody),
        (status = 422, description = "`invalid_kind`, `invalid_text`, `invalid_date`, `invalid_org`", body = ErrorBody)))]
pub async fn publish_course(
    State(state): State<AppState>,
    Signed(caller): Signed,
    Json(c): Json<CourseInput>,
) -> Response {
    let event = AuditEvent::new("course_publish");
    let input = NewCourse {
        org: c.org.as_deref(),
        kind: &c.kind,
        title: &c.title,
        starts_at: Some(c.starts_at),
        ends_at: Some(c.ends_at),
        place: &c.place,
        url: &c.url,
    };
    match state.courses().publish(&caller.actor, &input).await {
        Ok((row, grant)) => event
            .target(format!("course:{}", row.course.id), Some(&row.org_path))
            .by(&grant)
            .detail(row.course.title.clone())
            .attach((StatusCode::CREATED, Json(course_dto(row, None))).into_response()),
        Err(e) => audited(event, Err(e.into())),
    }
}

/// The lessons the caller may join (a graduate: their university's and college's, with their
/// enrolment) or publishes (advisors, the career centre).
#[utoipa::path(get, path = "/api/v1/guidance/courses", tag = "guidance",
    responses((status = 200, description = "Lessons", body = Vec<CourseDto>),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 403, description = "`forbidden`", body = ErrorBody)))]
pub async fn list_courses(
    State(state): State<AppState>,
    Signed(caller): Signed,
) -> Result<Json<Vec<CourseDto>>, AppError> {
    let courses = state.courses();
    match courses.for_graduate(&caller.actor).await {
        Ok(list) => Ok(Json(
            list.into_iter()
                .map(|g| {
                    let mine = MyEnrolment { enrolled: g.enrolled, attended_at: g.attended };
                    course_dto(g.course, Some(mine))
                })
                .collect(),
        )),
        Err(_) => {
            Ok(Json(courses.for_publisher(&caller.actor).await?.into_iter().map(|c| course_dto(c, None)).collect()))
        }
    }
}

/// Enrols the caller (a graduate) in a lesson of their university or college.
#[utoipa::path(post, path = "/api/v1/guidance/courses/{id}/enrolments", tag = "guidance", params(("id" = Uuid, Path)),
    responses((status = 201, description = "Enrolled"), (status = 200, description = "Already enrolled"),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 403, description = "`forbidden`: not a graduate", body = ErrorBody),
        (status = 404, description = "`course_not_found`", body = ErrorBody),
        (status = 409, description = "`course_over`", body = ErrorBody)))]
pub async fn enrol(State(state): State<AppState>, Signed(caller): Signed, Path(id): Path<Uuid>) -> Response {
    let event = AuditEvent::new("course_enrol").target(format!("course:{id}"), None);
    match state.courses().enrol(&caller.actor, id).await {
        Ok(true) => event.attach(StatusCode::CREATED.into_response()),
        Ok(false) => event.attach(StatusCode::OK.into_response()),
        Err(e) => audited(event, Err(e.into())),
    }
}

/// Who attends.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct Attendance {
    /// A publisher marks this enrolled graduate present; a graduate sends nothing (they join the
    /// livestream, and its link comes back).
    pub graduate_id: Option<Uuid>,
}

/// The link of a joined livestream.
#[derive(Debug, Serialize, ToSchema)]
pub struct Joined {
    pub url: String,
}

/// Records attendance: a graduate joining a livestream (from 15 minutes before it starts to its
/// end; answers its link), or a publisher marking an enrolled graduate present.
#[utoipa::path(post, path = "/api/v1/guidance/courses/{id}/attendance", tag = "guidance", params(("id" = Uuid, Path)),
    request_body = Attendance,
    responses((status = 200, description = "Recorded (a graduate gets the link)", body = Joined),
        (status = 204, description = "Marked present"),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 403, description = "`forbidden`", body = ErrorBody),
        (status = 404, description = "`course_not_found`, `graduate_not_found`", body = ErrorBody),
        (status = 409, description = "`course_not_live`", body = ErrorBody)))]
pub async fn attend(
    State(state): State<AppState>,
    Signed(caller): Signed,
    Path(id): Path<Uuid>,
    body: Option<Json<Attendance>>,
) -> Response {
    let event = AuditEvent::new("course_attend").target(format!("course:{id}"), None);
    let courses = state.courses();
    match body.and_then(|Json(a)| a.graduate_id) {
        Some(graduate) => match courses.mark(&caller.actor, id, graduate).await {
            Ok((c, grant)) => event
                .target(format!("course:{id}"), Some(&c.org_path))
                .by(&grant)
                .detail(format!("graduate:{graduate}"))
                .attach(StatusCode::NO_CONTENT.into_response()),
            Err(e) => audited(event, Err(e.into())),
        },
        None => match courses.join(&caller.actor, id).await {
            Ok(url) => event.attach(Json(Joined { url }).into_response()),
            Err(e) => audited(event, Err(e.into())),
        },
    }
}

/// A graduate on a lesson's roll.
#[derive(Debug, Serialize, ToSchema)]
pub struct RollEntry {
    pub graduate_id: Uuid,
    pub name: String,
    pub student_no: String,
    pub attended_at: Option<DateTime<Utc>>,
}

/// A lesson's roll (its publishers).
#[utoipa::path(get, path = "/api/v1/guidance/courses/{id}/roll", tag = "guidance", params(("id" = Uuid, Path)),
    responses((status = 200, description = "Who enrolled and attended", body = Vec<RollEntry>),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 404, description = "`course_not_found`", body = ErrorBody)))]
pub async fn roll(
    State(state): State<AppState>,
    Signed(caller): Signed,
    Path(id): Path<Uuid>,
) -> Result<Json<Vec<RollEntry>>, AppError> {
    let (_, roll) = state.courses().roll(&caller.actor, id).await?;
    Ok(Json(
        roll.into_iter()
            .map(|r| RollEntry {
                graduate_id: r.graduate_id,
                name: r.name,
                student_no: r.student_no,
                attended_at: r.attended_at,
            })
            .collect(),
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CompletionParams {
    /// University (default: the caller's own).
    pub org: Option<String>,
    /// Cohort (default: the newest on the node).
    pub cohort: Option<i32>,
}

/// A college's completion.
#[derive(Debug, Serialize, ToSchema)]
pub struct CompletionDto {
    pub code: String,
    pub name: String,
    pub graduates: i64,
    /// Graduates who attended at least one lesson.
    pub attended: i64,
}

fn completion_dto(c: Completion) -> CompletionDto {
    CompletionDto { code: c.code, name: c.name, graduates: c.graduates, attended: c.attended }
}

/// Per college: the graduates of a cohort and how many attended at least one lesson.
#[utoipa::path(get, path = "/api/v1/guidance/courses/completion", tag = "guidance", params(CompletionParams),
    responses((status = 200, description = "Completion per college", body = Vec<CompletionDto>),
        (status = 400, description = "`invalid_query`, `invalid_org_code`", body = ErrorBody),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 403, description = "`forbidden`", body = ErrorBody),
        (status = 404, description = "`org_not_found`", body = ErrorBody)))]
pub async fn completion(
    State(state): State<AppState>,
    Signed(caller): Signed,
    ApiQuery(p): ApiQuery<CompletionParams>,
) -> Result<Json<Vec<CompletionDto>>, AppError> {
    let rows = state.courses().completion(&caller.actor, p.org.as_deref(), p.cohort).await?;
    Ok(Json(rows.into_iter().map(completion_dto).collect()))
}

/// The documented routes of courses.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(publish_course, list_courses))
        .routes(routes!(enrol))
        .routes(routes!(attend))
        .routes(routes!(roll))
        .routes(routes!(completion))
}
