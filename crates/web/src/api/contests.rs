//! Contests over JSON: open one with its judges, list, read one as the caller may see it, enter,
//! score an entry, publish the results.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use jiuye_app::contests::{ContestView, Contests, EntryView, NewContest, Role};
use jiuye_domain::contests::{ContestKind, Phase};
use jiuye_store::contests::ContestRow;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::AppState;
use crate::auth::{AuditEvent, Signed, audited};
use crate::error::{AppError, ErrorBody};

impl AppState {
    /// The contest use cases on this node, now.
    pub fn contests(&self) -> Contests<'_> {
        Contests { store: self.store.as_ref(), now: Utc::now() }
    }
}

/// A contest as typed.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ContestInput {
    /// The university or college holding it (default: the caller's own).
    pub org: Option<String>,
    /// `career_planning` (职业规划大赛) or `entrepreneurship` (创新创业大赛).
    pub kind: String,
    #[schema(max_length = 100)]
    pub title: String,
    #[schema(max_length = 2000)]
    pub description: String,
    pub entries_close: DateTime<Utc>,
    /// The judges' usernames (1–10 staff or teachers of the university).
    pub judges: Vec<String>,
}

/// A contest.
#[derive(Debug, Serialize, ToSchema)]
pub struct ContestDto {
    pub id: Uuid,
    pub org: String,
    pub kind: String,
    pub kind_name: String,
    pub title: String,
    pub description: String,
    pub entries_close: DateTime<Utc>,
    /// `open`, `judging` or `published`.
    pub phase: String,
    pub entries: i64,
    /// (first, second, third) prizes, once published.
    pub prizes: [i32; 3],
}

pub(crate) fn contest_dto(r: &ContestRow, phase: Phase) -> ContestDto {
    let kind = ContestKind::from_id(&r.contest.kind).unwrap_or(ContestKind::CareerPlanning);
    let (a, b, c) = r.contest.prizes;
    ContestDto {
        id: r.contest.id,
        org: r.org_name.clone(),
        kind: kind.id().into(),
        kind_name: kind.zh().into(),
        title: r.contest.title.clone(),
        description: r.contest.description.clone(),
        entries_close: r.contest.entries_close,
        phase: phase.id().into(),
        entries: r.entries,
        prizes: [a, b, c],
    }
}

/// An entry as the caller may see it.
#[derive(Debug, Serialize, ToSchema)]
pub struct EntryDto {
    pub id: Uuid,
    pub title: String,
    pub summary: String,
    pub link: String,
    pub name: String,
    pub college: String,
    pub submitted_at: DateTime<Utc>,
    /// How many judges scored it (the organiser and judges).
    pub judged: i64,
    /// The mean score (the organiser; everyone once published).
    pub mean: Option<f64>,
    pub rank: Option<usize>,
    /// 一等奖, 二等奖 or 三等奖, once published.
    pub prize: Option<String>,
    /// The caller's own score (a judge).
    pub my_score: Option<i32>,
    pub my_comment: Option<String>,
}

fn entry_dto(e: EntryView) -> EntryDto {
    EntryDto {
        id: e.row.entry.id,
        title: e.row.entry.title,
        summary: e.row.entry.summary,
        link: e.row.entry.link,
        name: e.row.name,
        college: e.row.college_name,
        submitted_at: e.row.entry.submitted_at,
        judged: e.row.judged,
        mean: e.mean_centi.map(|m| m as f64 / 100.0),
        rank: e.rank,
        prize: e.prize.map(|p| p.zh().to_owned()),
        my_score: e.my_score.as_ref().map(|(s, _)| *s),
        my_comment: e.my_score.map(|(_, c)| c),
    }
}

/// A contest with what the caller may see of it.
#[derive(Debug, Serialize, ToSchema)]
pub struct ContestDetail {
    #[serde(flatten)]
    pub contest: ContestDto,
    /// `organiser`, `judge`, `entrant`.
    pub roles: Vec<String>,
    pub judges: Vec<String>,
    /// Every entry (the organiser, ranked; judges, in submission order); the prize winners once
    /// published (everyone).
    pub entry_list: Vec<EntryDto>,
    /// The caller's own entry (a graduate).
    pub mine: Option<EntryDto>,
}

pub(crate) fn role_id(r: Role) -> &'static str {
    match r {
        Role::Organiser => "organiser",
        Role::Judge => "judge",
        Role::Entrant => "entrant",
    }
}

fn detail(v: ContestView) -> ContestDetail {
    ContestDetail {
        contest: contest_dto(&v.row, v.phase),
        roles: v.roles.iter().map(|r| role_id(*r).to_owned()).collect(),
        judges: v.judges.into_iter().map(|(_, n)| n).collect(),
        entry_list: v.entries.into_iter().map(entry_dto).collect(),
        mine: v.mine.map(entry_dto),
    }
}

/// Opens a contest with its judges (advisors, the career centre).
#[utoipa::path(post, path = "/api/v1/contests", tag = "guidance", request_body = ContestInput,
    responses((status = 201, description = "Opened", body = ContestDto),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 403, description = "`forbidden`", body = ErrorBody),
        (status = 404, description = "`org_not_found`", body = ErrorBody),
        (status = 422, description = "`invalid_kind`, `invalid_text`, `invalid_date`, `invalid_judge`, `invalid_org`", body = ErrorBody)))]
pub async fn create_contest(
    State(state): State<AppState>,
    Signed(caller): Signed,
    Json(c): Json<ContestInput>,
) -> Response {
    let event = AuditEvent::new("contest_create");
    let input = NewContest {
        org: c.org.as_deref(),
        kind: &c.kind,
        title: &c.title,
        description: &c.description,
        entries_close: Some(c.entries_close),
        judges: c.judges.iter().map(String::as_str).collect(),
    };
    match state.contests().create(&caller.actor, &input).await {
        Ok((row, grant)) => event
            .target(format!("contest:{}", row.contest.id), Some(&row.org_path))
            .by(&grant)
            .detail(row.contest.title.clone())
            .attach((StatusCode::CREATED, Json(contest_dto(&row, Phase::Open))).into_response()),
        Err(e) => audited(event, Err(e.into())),
    }
}

/// The contests the caller may enter, judges or organises.
#[utoipa::path(get, path = "/api/v1/contests", tag = "guidance",
    responses((status = 200, description = "Contests, newest first", body = Vec<ContestDto>),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 403, description = "`forbidden`", body = ErrorBody)))]
pub async fn list_contests(
    State(state): State<AppState>,
    Signed(caller): Signed,
) -> Result<Json<Vec<ContestDto>>, AppError> {
    let list = state.contests().list(&caller.actor).await?;
    Ok(Json(list.iter().map(|(r, p)| contest_dto(r, *p)).collect()))
}

/// One contest as the caller may see it.
#[utoipa::path(get, path = "/api/v1/contests/{id}", tag = "guidance", params(("id" = Uuid, Path)),
    responses((status = 200, description = "The contest", body = ContestDetail),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 404, description = "`contest_not_found`", body = ErrorBody)))]
pub async fn get_contest(
    State(state): State<AppState>,
    Signed(caller): Signed,
    Path(id): Path<Uuid>,
) -> Result<Json<ContestDetail>, AppError> {
    Ok(Json(detail(state.contests().get(&caller.actor, id).await?)))
}

/// A graduate's entry.
#[derive(Debug, Deserialize, ToSchema)]
pub struct EntryInput {
    #[schema(max_length = 100)]
    pub title: String,
    /// 50–5000 characters.
    #[schema(min_length = 50, max_length = 5000)]
    pub summary: String,
    /// A link to the full work (http(s)).
    #[serde(default)]
    #[schema(max_length = 300)]
    pub link: String,
}

/// Enters or changes the caller's entry (a graduate of the contest's university or college,
/// until entries close).
#[utoipa::path(put, path = "/api/v1/contests/{id}/entry", tag = "guidance", params(("id" = Uuid, Path)),
    request_body = EntryInput,
    responses((status = 201, description = "Entered"), (status = 200, description = "Changed"),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 403, description = "`forbidden`: not a graduate", body = ErrorBody),
        (status = 404, description = "`contest_not_found`", body = ErrorBody),
        (status = 409, description = "`contest_closed`", body = ErrorBody),
        (status = 422, description = "`invalid_text`", body = ErrorBody)))]
pub async fn enter(
    State(state): State<AppState>,
    Signed(caller): Signed,
    Path(id): Path<Uuid>,
    Json(e): Json<EntryInput>,
) -> Response {
    let event = AuditEvent::new("contest_enter").target(format!("contest:{id}"), None);
    match state.contests().enter(&caller.actor, id, &e.title, &e.summary, &e.link).await {
        Ok(true) => event.attach(StatusCode::CREATED.into_response()),
        Ok(false) => event.attach(StatusCode::OK.into_response()),
        Err(e) => audited(event, Err(e.into())),
    }
}

/// A judge's score.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ScoreInput {
    /// 0–100.
    pub score: i32,
    #[serde(default)]
    #[schema(max_length = 500)]
    pub comment: String,
}

/// A judge scores an entry (after entries close, before the results are published).
#[utoipa::path(put, path = "/api/v1/contests/{id}/entries/{entry}/score", tag = "guidance",
    params(("id" = Uuid, Path), ("entry" = Uuid, Path)), request_body = ScoreInput,
    responses((status = 204, description = "Scored"),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 403, description = "`forbidden`: not a judge", body = ErrorBody),
        (status = 404, description = "`contest_not_found`, `entry_not_found`", body = ErrorBody),
        (status = 409, description = "`contest_not_judging`", body = ErrorBody),
        (status = 422, description = "`invalid_text`", body = ErrorBody)))]
pub async fn score(
    State(state): State<AppState>,
    Signed(caller): Signed,
    Path((id, entry)): Path<(Uuid, Uuid)>,
    Json(s): Json<ScoreInput>,
) -> Response {
    let event = AuditEvent::new("contest_score").target(format!("contest:{id}"), None);
    match state.contests().score(&caller.actor, id, entry, s.score, &s.comment).await {
        Ok(row) => event
            .target(format!("contest:{id}"), Some(&row.org_path))
            .detail(format!("entry:{entry}"))
            .attach(StatusCode::NO_CONTENT.into_response()),
        Err(e) => audited(event, Err(e.into())),
    }
}

/// The prizes to give.
#[derive(Debug, Deserialize, ToSchema)]
pub struct PublishInput {
    pub first: i32,
    pub second: i32,
    pub third: i32,
}

/// The organiser publishes the results (after entries close, once); prizes go by the mean
/// score.
#[utoipa::path(post, path = "/api/v1/contests/{id}/results", tag = "guidance", params(("id" = Uuid, Path)),
    request_body = PublishInput,
    responses((status = 200, description = "Published", body = ContestDto),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 403, description = "`forbidden`: not the organiser", body = ErrorBody),
        (status = 404, description = "`contest_not_found`", body = ErrorBody),
        (status = 409, description = "`contest_not_judging`", body = ErrorBody),
        (status = 422, description = "`invalid_capacity`", body = ErrorBody)))]
pub async fn publish(
    State(state): State<AppState>,
    Signed(caller): Signed,
    Path(id): Path<Uuid>,
    Json(p): Json<PublishInput>,
) -> Response {
    let event = AuditEvent::new("contest_publish").target(format!("contest:{id}"), None);
    match state.contests().publish(&caller.actor, id, (p.first, p.second, p.third)).await {
        Ok((row, grant)) => event
            .target(format!("contest:{id}"), Some(&row.org_path))
            .by(&grant)
            .attach(Json(contest_dto(&row, Phase::Published)).into_response()),
        Err(e) => audited(event, Err(e.into())),
    }
}

/// The documented routes of contests.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_contest, list_contests))
        .routes(routes!(get_contest))
        .routes(routes!(enter))
        .routes(routes!(score))
        .routes(routes!(publish))
}
