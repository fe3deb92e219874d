//! Course pages (就业指导课程、直播课): a graduate's lessons with one-tap enrolment and the way
//! into a livestream; a publisher's form, their lessons with counts, each lesson's roll with
//! attendance, and completion per college.

use askama::Template;
use axum::extract::{OriginalUri, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use jiuye_app::courses::{Completion, NewCourse};
use jiuye_domain::courses::CourseKind;
use jiuye_store::courses::CourseRow;
use serde::Deserialize;
use uuid::Uuid;

use crate::AppState;
use crate::auth::{AuditEvent, audited};
use crate::error::AppError;
use crate::extract::query::ApiQuery;
use crate::extract::signed_in::SignedIn;
use crate::i18n::Lang;
use crate::render::page::{Base, render};
use crate::render::time::local_minute;

/// A lesson as a card shows it.
struct Card {
    id: Uuid,
    kind: &'static str,
    live: bool,
    title: String,
    when: String,
    org: String,
    place: String,
    enrolled: i64,
    attended: i64,
    /// The graduate enrolled / attended.
    mine: bool,
    came: bool,
}

fn card(c: CourseRow, mine: bool, came: bool) -> Card {
    let kind = CourseKind::from_id(&c.course.kind).unwrap_or(CourseKind::Course);
    Card {
        id: c.course.id,
        kind: kind.zh(),
        live: kind == CourseKind::Livestream,
        title: c.course.title,
        when: format!(
            "{} – {}",
            local_minute(c.course.starts_at),
            local_minute(c.course.ends_at).get(11..).unwrap_or_default()
        ),
        org: c.org_name,
        place: c.course.place,
        enrolled: c.enrolled,
        attended: c.attended,
        mine,
        came,
    }
}

#[derive(Template)]
#[template(path = "courses.html")]
struct CoursesPage {
    base: Base,
    publisher: bool,
    cards: Vec<Card>,
    completion: Vec<Completion>,
    kinds: Vec<(&'static str, &'static str)>,
    form: CourseForm,
    error: Option<String>,
    notice: Option<&'static str>,
}

#[derive(Debug, Default, Deserialize)]
pub struct CourseForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    title: String,
    /// `YYYY-MM-DDTHH:MM`, Beijing time.
    #[serde(default)]
    starts_at: String,
    #[serde(default)]
    minutes: String,
    #[serde(default)]
    place: String,
    #[serde(default)]
    url: String,
}

#[derive(Debug, Deserialize)]
pub struct CoursesQuery {
    done: Option<String>,
}

async fn page(
    state: &AppState,
    lang: Lang,
    me: &crate::auth::Caller,
    uri: &axum::http::Uri,
    form: CourseForm,
    error: Option<String>,
    notice: Option<&'static str>,
) -> Result<Response, AppError> {
    let courses = state.courses();
    let (publisher, cards, completion) = match courses.for_graduate(&me.actor).await {
        Ok(list) => {
            (false, list.into_iter().map(|g| card(g.course, g.enrolled, g.attended.is_some())).collect(), Vec::new())
        }
        Err(_) => {
            let list = courses.for_publisher(&me.actor).await?;
            let completion = courses.completion(&me.actor, None, None).await.unwrap_or_default();
            (true, list.into_iter().map(|c| card(c, false, false)).collect(), completion)
        }
    };
    let base = Base::new(state, lang, "guidance", uri).signed_in(me);
    let kinds = CourseKind::ALL.into_iter().map(|k| (k.id(), k.zh())).collect();
    let failed = error.is_some();
    let res = render(&CoursesPage { base, publisher, cards, completion, kinds, form, error, notice })?;
    Ok(if failed { (StatusCode::UNPROCESSABLE_ENTITY, res).into_response() } else { res })
}

/// The courses page of a graduate or a publisher.
pub async fn courses_page(
    State(state): State<AppState>,
    lang: Lang,
    SignedIn(me): SignedIn,
    OriginalUri(uri): OriginalUri,
    ApiQuery(q): ApiQuery<CoursesQuery>,
) -> Result<Response, AppError> {
    let notice = match q.done.as_deref() {
        Some("published") => Some("courses.published"),
        Some("enrolled") => Some("courses.enrolled"),
        _ => None,
    };
    let form = CourseForm { minutes: "90".into(), ..CourseForm::default() };
    page(&state, lang, &me, &uri, form, None, notice).await
}

/// Publishes a lesson from the form.
pub async fn publish_submit(
    State(state): State<AppState>,
    lang: Lang,
    SignedIn(me): SignedIn,
    OriginalUri(uri): OriginalUri,
    axum::Form(f): axum::Form<CourseForm>,
) -> Result<Response, AppError> {
    let event = AuditEvent::new("course_publish");
    let starts_at = crate::render::time::parse_local_minute(&f.starts_at);
    let minutes = f.minutes.trim().parse::<i64>().unwrap_or(0);
    let input = NewCourse {
        org: None,
        kind: &f.kind,
        title: &f.title,
        starts_at,
        ends_at: starts_at.map(|s| s + chrono::Duration::minutes(minutes)),
        place: &f.place,
        url: &f.url,
    };
    match state.courses().publish(&me.actor, &input).await {
        Ok((row, grant)) => Ok(event
            .target(format!("course:{}", row.course.id), Some(&row.org_path))
            .by(&grant)
            .detail(row.course.title.clone())
            .attach(Redirect::to("/guidance/courses?done=published").into_response())),
        Err(e) if e.kind == jiuye_app::ErrorKind::Unprocessable => {
            let code = e.code.as_str();
            let res = page(&state, lang, &me, &uri, f, Some(e.message), None).await?;
            Ok(event.result(code).attach(res))
        }
        Err(e) => Ok(audited(event, Err(e.into()))),
    }
}

/// Enrols the graduate.
pub async fn enrol_submit(State(state): State<AppState>, SignedIn(me): SignedIn, Path(id): Path<Uuid>) -> Response {
    let event = AuditEvent::new("course_enrol").target(format!("course:{id}"), None);
    match state.courses().enrol(&me.actor, id).await {
        Ok(_) => event.attach(Redirect::to("/guidance/courses?done=enrolled").into_response()),
        Err(e) => audited(event, Err(e.into())),
    }
}

/// Joins a livestream: attendance is recorded and the browser goes to the stream.
pub async fn join_submit(State(state): State<AppState>, SignedIn(me): SignedIn, Path(id): Path<Uuid>) -> Response {
    let event = AuditEvent::new("course_attend").target(format!("course:{id}"), None);
    match state.courses().join(&me.actor, id).await {
        Ok(url) => event.attach(Redirect::to(&url).into_response()),
        Err(e) => audited(event, Err(e.into())),
    }
}

#[derive(Template)]
#[template(path = "course_roll.html")]
struct RollPage {
    base: Base,
    c: Card,
    started: bool,
    /// (graduate id, name, 学号, attended at).
    roll: Vec<(Uuid, String, String, Option<String>)>,
}

/// A lesson's roll (its publishers), with a button to mark each graduate present.
pub async fn roll_page(
    State(state): State<AppState>,
    lang: Lang,
    SignedIn(me): SignedIn,
    OriginalUri(uri): OriginalUri,
    Path(id): Path<Uuid>,
) -> Result<Response, AppError> {
    let (c, roll) = state.courses().roll(&me.actor, id).await?;
    let started = c.course.starts_at <= Utc::now();
    let base = Base::new(&state, lang, "guidance", &uri).signed_in(&me);
    let roll =
        roll.into_iter().map(|r| (r.graduate_id, r.name, r.student_no, r.attended_at.map(local_minute))).collect();
    render(&RollPage { base, c: card(c, false, false), started, roll })
}

#[derive(Debug, Deserialize)]
pub struct MarkForm {
    graduate_id: Uuid,
}

/// Marks a graduate present.
pub async fn mark_submit(
    State(state): State<AppState>,
    SignedIn(me): SignedIn,
    Path(id): Path<Uuid>,
    axum::Form(f): axum::Form<MarkForm>,
) -> Response {
    let event = AuditEvent::new("course_attend").target(format!("course:{id}"), None);
    match state.courses().mark(&me.actor, id, f.graduate_id).await {
        Ok((c, grant)) => event
            .target(format!("course:{id}"), Some(&c.org_path))
            .by(&grant)
            .detail(format!("graduate:{}", f.graduate_id))
            .attach(Redirect::to(&format!("/guidance/courses/{id}")).into_response()),
        Err(e) => audited(event, Err(e.into())),
    }
}
