//! Counselor follow-up (跟踪指导) over JSON: a graduate's contacts (read and log) and the alerts of
//! the graduates one follows up. Counselors, college leaders and career-centre staff, each in
//! their own subtree; everyone else gets 404 for a graduate and 403 for the alerts.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use jiuye_app::destinations::graduates;
use jiuye_app::followup::{ContactView, FollowUp, RosterItem};
use jiuye_domain::followup::{Flag, RawContact};
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
    /// The follow-up use cases on this node, with today's local date.
    pub fn followup(&self) -> FollowUp<'_> {
        FollowUp { store: self.store.as_ref(), keys: &self.settings.keys, today: crate::render::time::today() }
    }
}

/// A contact as typed.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewContact {
    /// The day of the contact (YYYY-MM-DD; default today; not in the future, at most a year ago).
    pub on: Option<NaiveDate>,
    /// `in_person` (面谈), `phone` (电话), `wechat` (微信), `home_visit` (上门) or `online` (线上).
    pub channel: String,
    /// What was said (1–2,000 characters). Sealed at rest.
    #[schema(max_length = 2000)]
    pub summary: String,
    /// From `job_leads`, `resume`, `interview`, `policy`, `further_study`, `startup`, `financial`,
    /// `emotional`.
    #[serde(default)]
    pub needs: Vec<String>,
    /// Other needs, in words (up to 500 characters).
    #[serde(default)]
    #[schema(max_length = 500)]
    pub other_need: String,
    /// State of mind, 1 (very anxious) to 5 (settled). Sealed at rest.
    pub mood: Option<u8>,
    /// Needs professional help (confidential: set and seen only by the graduate's counselor and
    /// college leader; ignored from anyone else).
    #[serde(default)]
    pub professional_help: bool,
    /// The next step promised (up to 500 characters).
    #[serde(default)]
    #[schema(max_length = 500)]
    pub next_step: String,
    /// When the next step is due (YYYY-MM-DD, not before `on`).
    pub next_due: Option<NaiveDate>,
}

/// One contact.
#[derive(Debug, Serialize, ToSchema)]
pub struct ContactDto {
    pub id: Uuid,
    pub on: NaiveDate,
    pub channel: String,
    pub channel_name: String,
    /// Who logged it.
    pub by: String,
    pub summary: String,
    pub needs: Vec<String>,
    pub other_need: String,
    /// 1–5, when noted.
    pub mood: Option<u8>,
    /// Present only for those who may see the mark (the counselor, the college's leader).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub professional_help: Option<bool>,
    pub next_step: String,
    pub next_due: Option<NaiveDate>,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

fn contact_dto(c: ContactView) -> ContactDto {
    ContactDto {
        id: c.id,
        on: c.on,
        channel: c.channel.id().into(),
        channel_name: c.channel.zh().into(),
        by: c.by_name,
        summary: c.summary,
        needs: c.needs.iter().map(|n| n.id().to_owned()).collect(),
        other_need: c.other_need,
        mood: c.mood,
        professional_help: c.professional_help,
        next_step: c.next_step,
        next_due: c.next_due,
        created_at: c.created_at,
    }
}

/// Who a graduate is, in a follow-up answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct FollowedGraduate {
    pub id: Uuid,
    pub student_no: String,
    pub name: String,
    pub college: String,
    pub programme: String,
    pub cohort: i32,
    pub dest_code: Option<String>,
    pub dest_status: String,
}

/// A graduate's follow-up log.
#[derive(Debug, Serialize, ToSchema)]
pub struct ContactLog {
    pub graduate: FollowedGraduate,
    /// Today's flags: `no_contact` (no destination and no contact for 14 days), `step_due`, `no_plan`,
    /// `anxious`.
    pub flags: Vec<String>,
    /// Newest first.
    pub items: Vec<ContactDto>,
}

fn flag_ids(flags: &[Flag]) -> Vec<String> {
    flags.iter().map(|f| f.id().to_owned()).collect()
}

/// A graduate's contacts, newest first, with today's flags. Every read is in the read log.
#[utoipa::path(get, path = "/api/v1/graduates/{id}/contacts", tag = "followup", params(("id" = Uuid, Path)),
    responses((status = 200, description = "The graduate's follow-up log", body = ContactLog),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 404, description = "`graduate_not_found`: no such graduate, or not one the caller follows up", body = ErrorBody)))]
pub async fn list_contacts(
    State(state): State<AppState>,
    Signed(caller): Signed,
    Path(id): Path<Uuid>,
) -> Result<Json<ContactLog>, AppError> {
    let log = state.followup().graduate_log(&caller.actor, id, state.reads(&caller)).await?;
    let g = log.graduate;
    Ok(Json(ContactLog {
        graduate: FollowedGraduate {
            id: g.graduate.id,
            student_no: g.graduate.student_no,
            name: g.graduate.name,
            college: g.college_name,
            programme: g.programme_name,
            cohort: g.graduate.cohort,
            dest_code: g.graduate.dest_code,
            dest_status: g.graduate.dest_status.id().into(),
        },
        flags: flag_ids(&log.flags),
        items: log.contacts.into_iter().map(contact_dto).collect(),
    }))
}

/// Logs a contact with a graduate (their counselor, college leader or career centre).
#[utoipa::path(post, path = "/api/v1/graduates/{id}/contacts", tag = "followup", params(("id" = Uuid, Path)),
    request_body = NewContact,
    responses((status = 201, description = "Logged", body = ContactDto),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 404, description = "`graduate_not_found`", body = ErrorBody),
        (status = 422, description = "`invalid_channel`, `invalid_need`, `invalid_mood`, `invalid_date`, `invalid_text`, `text_too_long`", body = ErrorBody)))]
pub async fn add_contact(
    State(state): State<AppState>,
    Signed(caller): Signed,
    Path(id): Path<Uuid>,
    Json(c): Json<NewContact>,
) -> Response {
    let event = AuditEvent::new("followup_contact").target(format!("graduate:{id}"), None);
    let followup = state.followup();
    let raw = RawContact {
        on: c.on.unwrap_or(followup.today),
        channel: &c.channel,
        summary: &c.summary,
        needs: &c.needs,
        other_need: &c.other_need,
        mood: c.mood,
        professional_help: c.professional_help,
        next_step: &c.next_step,
        next_due: c.next_due,
    };
    match followup.log(&caller.actor, id, &raw).await {
        Ok((view, g, grant)) => event
            .target(format!("graduate:{id}"), Some(&g.programme_path))
            .by(&grant)
            .detail(view.channel.id().to_owned())
            .attach((StatusCode::CREATED, Json(contact_dto(view))).into_response()),
        Err(e) => audited(event, Err(e.into())),
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AlertParams {
    /// Organisation code (default: everything the caller follows up).
    pub org: Option<String>,
    /// Cohort (default: the newest with graduates).
    pub cohort: Option<i32>,
}

/// A graduate on the alert list.
#[derive(Debug, Serialize, ToSchema)]
pub struct AlertItem {
    pub id: Uuid,
    pub student_no: String,
    pub name: String,
    pub college: String,
    pub programme: String,
    pub dest_code: Option<String>,
    pub dest_status: String,
    /// `anxious`, `step_due`, `no_contact`, `no_plan` (in the hardship ledger without an approved plan), most urgent first.
    pub flags: Vec<String>,
    pub last_contact: Option<NaiveDate>,
    pub next_step: Option<String>,
    pub next_due: Option<NaiveDate>,
}

/// The alert list.
#[derive(Debug, Serialize, ToSchema)]
pub struct AlertList {
    pub cohort: Option<i32>,
    pub total: usize,
    pub items: Vec<AlertItem>,
}

pub(crate) fn alert_item(r: RosterItem) -> AlertItem {
    let g = r.graduate;
    AlertItem {
        id: g.id,
        student_no: g.student_no,
        name: g.name,
        college: g.college_name,
        programme: g.programme_name,
        dest_code: g.dest_code,
        dest_status: g.dest_status.id().into(),
        flags: flag_ids(&r.flags),
        last_contact: r.last.as_ref().map(|c| c.on),
        next_step: r.last.as_ref().map(|c| c.next_step.clone()).filter(|s| !s.is_empty()),
        next_due: r.last.as_ref().and_then(|c| c.next_due),
    }
}

/// Today's list: the graduates one follows up who have no destination and no contact for 14
/// days, a next step due, or anxiety noted, most urgent first.
#[utoipa::path(get, path = "/api/v1/followup/alerts", tag = "followup", params(AlertParams),
    responses((status = 200, description = "Graduates to reach today", body = AlertList),
        (status = 400, description = "`invalid_query`", body = ErrorBody),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 403, description = "`forbidden`: the caller follows nobody up (or not there)", body = ErrorBody),
        (status = 404, description = "`org_not_found`", body = ErrorBody)))]
pub async fn alerts(
    State(state): State<AppState>,
    Signed(caller): Signed,
    ApiQuery(p): ApiQuery<AlertParams>,
) -> Result<Json<AlertList>, AppError> {
    let cohort = match p.cohort {
        Some(c) => Some(c),
        None => graduates::newest_cohort(state.store.as_ref(), &caller.actor, p.org.as_deref()).await?,
    };
    let items = match cohort {
        Some(c) => state.followup().alerts(&caller.actor, p.org.as_deref(), c, state.reads(&caller)).await?,
        None => Vec::new(),
    };
    Ok(Json(AlertList { cohort, total: items.len(), items: items.into_iter().map(alert_item).collect() }))
}

/// The career centre's psychology contact.
#[derive(Debug, Serialize, ToSchema)]
pub struct PsychologyContact {
    /// Absent when none is appointed.
    pub username: Option<String>,
    pub display_name: Option<String>,
}

/// Who the psychology contact of the caller's university is (those who follow its graduates up).
#[utoipa::path(get, path = "/api/v1/followup/psychology-contact", tag = "followup",
    responses((status = 200, description = "The contact", body = PsychologyContact),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 403, description = "`forbidden`", body = ErrorBody)))]
pub async fn get_psychology_contact(
    State(state): State<AppState>,
    Signed(caller): Signed,
) -> Result<Json<PsychologyContact>, AppError> {
    let c = state.followup().psychology_contact(&caller.actor).await?;
    Ok(Json(PsychologyContact { display_name: c.as_ref().map(|c| c.0.clone()), username: c.map(|c| c.1) }))
}

/// The appointment.
#[derive(Debug, Deserialize, ToSchema)]
pub struct Appointment {
    /// The university (default: the caller's own).
    pub org: Option<String>,
    /// A career-centre account of that university; null or empty to appoint nobody.
    pub username: Option<String>,
}

/// Appoints the career centre's psychology contact (the career centre): with counselors and
/// college leaders, the only one who sees that a graduate needs professional help.
#[utoipa::path(put, path = "/api/v1/followup/psychology-contact", tag = "followup", request_body = Appointment,
    responses((status = 204, description = "Appointed"),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 403, description = "`forbidden`", body = ErrorBody),
        (status = 404, description = "`org_not_found`", body = ErrorBody),
        (status = 422, description = "`invalid_helper`: not a career-centre account of the university; `invalid_org`", body = ErrorBody)))]
pub async fn put_psychology_contact(
    State(state): State<AppState>,
    Signed(caller): Signed,
    Json(a): Json<Appointment>,
) -> Response {
    let event = AuditEvent::new("psychology_contact_set").detail(a.username.clone().unwrap_or_default());
    match state.followup().appoint_psychology_contact(&caller.actor, a.org.as_deref(), a.username.as_deref()).await {
        Ok((uni, grant)) => event
            .target(format!("org:{}", uni.code), Some(&uni.path))
            .by(&grant)
            .attach(StatusCode::NO_CONTENT.into_response()),
        Err(e) => audited(event, Err(e.into())),
    }
}

/// The documented routes of follow-up.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_contacts, add_contact))
        .routes(routes!(alerts))
        .routes(routes!(get_psychology_contact, put_psychology_contact))
}
