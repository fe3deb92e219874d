//! Contest pages (职业规划大赛、创新创业大赛): the contests one may enter, judge or organise with
//! the organiser's form; one contest with the graduate's entry form, the judges' score forms,
//! the organiser's ranking and publishing form, and the results once published.

use askama::Template;
use axum::extract::{OriginalUri, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use jiuye_app::contests::{ContestView, EntryView, NewContest, Role};
use jiuye_domain::contests::{ContestKind, Phase};
use jiuye_store::contests::ContestRow;
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

/// A contest as a card shows it.
struct Card {
    id: Uuid,
    kind: &'static str,
    title: String,
    org: String,
    close: String,
    phase: &'static str,
    entries: i64,
}

fn card(r: &ContestRow, phase: Phase) -> Card {
    Card {
        id: r.contest.id,
        kind: ContestKind::from_id(&r.contest.kind).unwrap_or(ContestKind::CareerPlanning).zh(),
        title: r.contest.title.clone(),
        org: r.org_name.clone(),
        close: local_minute(r.contest.entries_close),
        phase: phase.zh(),
        entries: r.entries,
    }
}

#[derive(Template)]
#[template(path = "contests.html")]
struct ContestsPage {
    base: Base,
    organiser: bool,
    cards: Vec<Card>,
    kinds: Vec<(&'static str, &'static str)>,
    form: ContestForm,
    error: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct ContestForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    description: String,
    /// `YYYY-MM-DDTHH:MM`, Beijing time.
    #[serde(default)]
    entries_close: String,
    /// Usernames, separated by spaces, commas or new lines.
    #[serde(default)]
    judges: String,
}

async fn list_page(
    state: &AppState,
    lang: Lang,
    me: &crate::auth::Caller,
    uri: &axum::http::Uri,
    form: ContestForm,
    error: Option<String>,
) -> Result<Response, AppError> {
    let list = state.contests().list(&me.actor).await?;
    let organiser =
        !jiuye_domain::access::scope_paths(&me.actor, jiuye_domain::access::Action::PublishGuidance).is_empty();
    let base = Base::new(state, lang, "guidance", uri).signed_in(me);
    let kinds = ContestKind::ALL.into_iter().map(|k| (k.id(), k.zh())).collect();
    let cards = list.iter().map(|(r, p)| card(r, *p)).collect();
    let failed = error.is_some();
    let res = render(&ContestsPage { base, organiser, cards, kinds, form, error })?;
    Ok(if failed { (StatusCode::UNPROCESSABLE_ENTITY, res).into_response() } else { res })
}

/// The contests page.
pub async fn contests_page(
    State(state): State<AppState>,
    lang: Lang,
    SignedIn(me): SignedIn,
    OriginalUri(uri): OriginalUri,
) -> Result<Response, AppError> {
    let form = ContestForm { kind: ContestKind::CareerPlanning.id().into(), ..ContestForm::default() };
    list_page(&state, lang, &me, &uri, form, None).await
}

/// Opens a contest from the form.
pub async fn create_submit(
    State(state): State<AppState>,
    lang: Lang,
    SignedIn(me): SignedIn,
    OriginalUri(uri): OriginalUri,
    axum::Form(f): axum::Form<ContestForm>,
) -> Result<Response, AppError> {
    let event = AuditEvent::new("contest_create");
    let judges: Vec<&str> = f.judges.split(|c: char| c.is_whitespace() || c == ',' || c == '，').collect();
    let input = NewContest {
        org: None,
        kind: &f.kind,
        title: &f.title,
        description: &f.description,
        entries_close: crate::render::time::parse_local_minute(&f.entries_close),
        judges,
    };
    match state.contests().create(&me.actor, &input).await {
        Ok((row, grant)) => Ok(event
            .target(format!("contest:{}", row.contest.id), Some(&row.org_path))
            .by(&grant)
            .detail(row.contest.title.clone())
            .attach(Redirect::to(&format!("/guidance/contests/{}", row.contest.id)).into_response())),
        Err(e) if e.kind == jiuye_app::ErrorKind::Unprocessable => {
            let code = e.code.as_str();
            let res = list_page(&state, lang, &me, &uri, f, Some(e.message)).await?;
            Ok(event.result(code).attach(res))
        }
        Err(e) => Ok(audited(event, Err(e.into()))),
    }
}

/// An entry as a row shows it.
struct Row {
    id: Uuid,
    title: String,
    summary: String,
    link: String,
    who: String,
    judged: i64,
    mean: String,
    rank: String,
    prize: &'static str,
    my_score: String,
    my_comment: String,
}

fn row(e: &EntryView) -> Row {
    Row {
        id: e.row.entry.id,
        title: e.row.entry.title.clone(),
        summary: e.row.entry.summary.clone(),
        link: e.row.entry.link.clone(),
        who: format!("{}（{}）", e.row.name, e.row.college_name),
        judged: e.row.judged,
        mean: e.mean_centi.map(|m| format!("{:.2}", m as f64 / 100.0)).unwrap_or_default(),
        rank: e.rank.map(|r| r.to_string()).unwrap_or_default(),
        prize: e.prize.map(|p| p.zh()).unwrap_or_default(),
        my_score: e.my_score.as_ref().map(|(s, _)| s.to_string()).unwrap_or_default(),
        my_comment: e.my_score.as_ref().map(|(_, c)| c.clone()).unwrap_or_default(),
    }
}

#[derive(Template)]
#[template(path = "contest.html")]
struct ContestPage {
    base: Base,
    c: Card,
    description: String,
    judges: String,
    open: bool,
    judging: bool,
    published: bool,
    organiser: bool,
    judge: bool,
    entrant: bool,
    rows: Vec<Row>,
    mine: Option<Row>,
    error: Option<String>,
}

fn contest_page(base: Base, v: ContestView, error: Option<String>) -> Result<Response, AppError> {
    let failed = error.is_some();
    let res = render(&ContestPage {
        base,
        c: card(&v.row, v.phase),
        description: v.row.contest.description.clone(),
        judges: v.judges.iter().map(|(_, n)| n.as_str()).collect::<Vec<_>>().join("、"),
        open: v.phase == Phase::Open,
        judging: v.phase == Phase::Judging,
        published: v.phase == Phase::Published,
        organiser: v.roles.contains(&Role::Organiser),
        judge: v.roles.contains(&Role::Judge),
        entrant: v.roles.contains(&Role::Entrant),
        rows: v.entries.iter().map(row).collect(),
        mine: v.mine.as_ref().map(row),
        error,
    })?;
    Ok(if failed { (StatusCode::UNPROCESSABLE_ENTITY, res).into_response() } else { res })
}

/// One contest.
pub async fn contest_view(
    State(state): State<AppState>,
    lang: Lang,
    SignedIn(me): SignedIn,
    OriginalUri(uri): OriginalUri,
    Path(id): Path<Uuid>,
    ApiQuery(_q): ApiQuery<DoneQuery>,
) -> Result<Response, AppError> {
    let v = state.contests().get(&me.actor, id).await?;
    let base = Base::new(&state, lang, "guidance", &uri).signed_in(&me);
    contest_page(base, v, None)
}

#[derive(Debug, Deserialize)]
pub struct DoneQuery {
    #[allow(dead_code)]
    done: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct EntryForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    summary: String,
    #[serde(default)]
    link: String,
}

/// Re-shows the contest with an error, or passes the error on.
async fn refused(
    state: &AppState,
    lang: Lang,
    me: &crate::auth::Caller,
    uri: &axum::http::Uri,
    id: Uuid,
    event: AuditEvent,
    e: jiuye_app::Error,
) -> Result<Response, AppError> {
    if matches!(e.kind, jiuye_app::ErrorKind::Unprocessable | jiuye_app::ErrorKind::Conflict) {
        let code = e.code.as_str();
        let v = state.contests().get(&me.actor, id).await?;
        let base = Base::new(state, lang, "guidance", uri).signed_in(me);
        let res = contest_page(base, v, Some(e.message))?;
        return Ok(event.result(code).attach(res));
    }
    Ok(audited(event, Err(e.into())))
}

/// Enters the contest from the form.
pub async fn enter_submit(
    State(state): State<AppState>,
    lang: Lang,
    SignedIn(me): SignedIn,
    OriginalUri(uri): OriginalUri,
    Path(id): Path<Uuid>,
    axum::Form(f): axum::Form<EntryForm>,
) -> Result<Response, AppError> {
    let event = AuditEvent::new("contest_enter").target(format!("contest:{id}"), None);
    match state.contests().enter(&me.actor, id, &f.title, &f.summary, &f.link).await {
        Ok(_) => Ok(event.attach(Redirect::to(&format!("/guidance/contests/{id}?done=1")).into_response())),
        Err(e) => refused(&state, lang, &me, &uri, id, event, e).await,
    }
}

#[derive(Debug, Deserialize)]
pub struct ScoreForm {
    entry: Uuid,
    #[serde(default)]
    score: String,
    #[serde(default)]
    comment: String,
}

/// A judge scores an entry from the form.
pub async fn score_submit(
    State(state): State<AppState>,
    lang: Lang,
    SignedIn(me): SignedIn,
    OriginalUri(uri): OriginalUri,
    Path(id): Path<Uuid>,
    axum::Form(f): axum::Form<ScoreForm>,
) -> Result<Response, AppError> {
    let event = AuditEvent::new("contest_score").target(format!("contest:{id}"), None);
    let score = f.score.trim().parse::<i32>().unwrap_or(-1);
    match state.contests().score(&me.actor, id, f.entry, score, &f.comment).await {
        Ok(row) => Ok(event
            .target(format!("contest:{id}"), Some(&row.org_path))
            .detail(format!("entry:{}", f.entry))
            .attach(Redirect::to(&format!("/guidance/contests/{id}?done=1")).into_response())),
        Err(e) => refused(&state, lang, &me, &uri, id, event, e).await,
    }
}

#[derive(Debug, Deserialize)]
pub struct PublishForm {
    #[serde(default)]
    first: String,
    #[serde(default)]
    second: String,
    #[serde(default)]
    third: String,
}

/// The organiser publishes the results from the form.
pub async fn publish_submit(
    State(state): State<AppState>,
    lang: Lang,
    SignedIn(me): SignedIn,
    OriginalUri(uri): OriginalUri,
    Path(id): Path<Uuid>,
    axum::Form(f): axum::Form<PublishForm>,
) -> Result<Response, AppError> {
    let event = AuditEvent::new("contest_publish").target(format!("contest:{id}"), None);
    let n = |s: &str| s.trim().parse::<i32>().unwrap_or(-1);
    match state.contests().publish(&me.actor, id, (n(&f.first), n(&f.second), n(&f.third))).await {
        Ok((row, grant)) => Ok(event
            .target(format!("contest:{id}"), Some(&row.org_path))
            .by(&grant)
            .attach(Redirect::to(&format!("/guidance/contests/{id}?done=1")).into_response())),
        Err(e) => refused(&state, lang, &me, &uri, id, event, e).await,
    }
}
