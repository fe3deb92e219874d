//! Follow-up pages (跟踪指导): "my graduates" with today's flags, and one graduate's log with the
//! form to log a contact (made for a phone: one column, native date and choice controls).

use askama::Template;
use axum::extract::{OriginalUri, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use jiuye_app::destinations::graduates;
use jiuye_app::followup::{ContactView, GraduateLog, RosterItem};
use jiuye_domain::destination::DestStatus;
use jiuye_domain::followup::{Channel, Flag, Mood, Need, RawContact};
use serde::Deserialize;
use uuid::Uuid;

use crate::AppState;
use crate::auth::{AuditEvent, audited};
use crate::error::AppError;
use crate::extract::query::ApiQuery;
use crate::extract::signed_in::SignedIn;
use crate::i18n::Lang;
use crate::render::page::{Base, encode_component, render};

/// Rows one page of the list shows.
const PAGE: usize = 100;

/// A graduate as a row of the list.
struct Row {
    id: Uuid,
    name: String,
    student_no: String,
    college: String,
    programme: String,
    dest: String,
    last: String,
    next_step: String,
    flags: Vec<(&'static str, &'static str)>,
}

fn flags(f: &[Flag]) -> Vec<(&'static str, &'static str)> {
    f.iter().map(|f| (f.id(), f.zh())).collect()
}

fn next_step(c: &ContactView) -> String {
    match (c.next_step.as_str(), c.next_due) {
        ("", _) => String::new(),
        (s, Some(d)) => format!("{s}（{d}）"),
        (s, None) => s.to_owned(),
    }
}

fn row(r: RosterItem) -> Row {
    let g = r.graduate;
    let dest = match (&g.dest_code, g.dest_status) {
        (_, DestStatus::None) => DestStatus::None.zh().to_owned(),
        (Some(code), s) => format!("{code} · {}", s.zh()),
        (None, s) => s.zh().to_owned(),
    };
    Row {
        id: g.id,
        name: g.name,
        student_no: g.student_no,
        college: g.college_name,
        programme: g.programme_name,
        dest,
        last: r.last.as_ref().map(|c| format!("{} · {}", c.on, c.channel.zh())).unwrap_or_default(),
        next_step: r.last.as_ref().map(next_step).unwrap_or_default(),
        flags: flags(&r.flags),
    }
}

#[derive(Template)]
#[template(path = "followup.html")]
struct ListPage {
    base: Base,
    org_picker: String,
    rows: Vec<Row>,
    cohort: Option<i32>,
    /// The name or 学号 searched for.
    text: String,
    all: bool,
    flagged: usize,
    total: usize,
    prev_href: Option<String>,
    next_href: Option<String>,
    /// The career centre may appoint the psychology contact; who it is (display name).
    appointer: bool,
    contact: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct ListQuery {
    org: Option<String>,
    cohort: Option<i32>,
    /// Show every graduate, not only those flagged today.
    all: Option<String>,
    /// Name or 学号 contains.
    q: Option<String>,
    page: Option<usize>,
}

/// The graduates the caller follows up, those flagged today first (or all of them).
pub async fn list_page(
    State(state): State<AppState>,
    lang: Lang,
    SignedIn(me): SignedIn,
    OriginalUri(uri): OriginalUri,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Response, AppError> {
    let org = q.org.clone().unwrap_or_default();
    let org = Some(org.as_str()).filter(|o| !o.trim().is_empty());
    let cohort = match q.cohort {
        Some(c) => Some(c),
        None => graduates::newest_cohort(state.store.as_ref(), &me.actor, org).await?,
    };
    let roster = match cohort {
        Some(c) => {
            let text = q.q.as_deref().map(str::trim).filter(|t| !t.is_empty());
            state.followup().roster(&me.actor, org, c, text, state.reads(&me)).await?
        }
        None => Vec::new(),
    };
    let all = q.all.as_deref().is_some_and(|a| !a.is_empty());
    let total = roster.len();
    let mut shown: Vec<RosterItem> = roster.into_iter().filter(|r| all || !r.flags.is_empty()).collect();
    let flagged = if all { shown.iter().filter(|r| !r.flags.is_empty()).count() } else { shown.len() };
    if !all {
        shown.sort_by(|a, b| {
            a.flags[0].cmp(&b.flags[0]).then_with(|| a.graduate.student_no.cmp(&b.graduate.student_no))
        });
    }
    let pages = shown.len().div_ceil(PAGE).max(1);
    let page = q.page.unwrap_or(1).clamp(1, pages);
    let rows = shown.into_iter().skip((page - 1) * PAGE).take(PAGE).map(row).collect();
    let base = Base::new(&state, lang, "followup", &uri).signed_in(&me);
    let org = q.org.unwrap_or_default();
    let text = q.q.unwrap_or_default();
    let org_picker = crate::render::pickers::org_field(
        state.store.as_ref(),
        &base,
        &me.actor,
        &[jiuye_domain::access::Action::FollowUp],
        "f_org",
        "followup.org",
        "picker.scope_all",
        &org,
    )
    .await?;
    let href = |p: usize| {
        let mut query = vec![("page", p.to_string())];
        if !org.is_empty() {
            query.push(("org", org.clone()));
        }
        if let Some(c) = cohort {
            query.push(("cohort", c.to_string()));
        }
        if all {
            query.push(("all", "1".to_owned()));
        }
        if !text.is_empty() {
            query.push(("q", text.clone()));
        }
        let pairs: Vec<String> = query.iter().map(|(k, v)| format!("{k}={}", encode_component(v))).collect();
        format!("/followup?{}", pairs.join("&"))
    };
    let prev_href = (page > 1).then(|| href(page - 1));
    let next_href = (page < pages).then(|| href(page + 1));
    let appointer =
        !jiuye_domain::access::scope_paths(&me.actor, jiuye_domain::access::Action::AppointPsychologyContact)
            .is_empty();
    let contact = state.followup().psychology_contact(&me.actor).await.ok().flatten().map(|c| c.0);
    render(&ListPage {
        base,
        org_picker,
        rows,
        cohort,
        text,
        all,
        flagged,
        total,
        prev_href,
        next_href,
        appointer,
        contact,
    })
}

/// A contact as the log shows it.
struct Entry {
    on: String,
    channel: &'static str,
    by: String,
    summary: String,
    needs: String,
    mood: String,
    help: bool,
    next_step: String,
}

fn entry(c: &ContactView) -> Entry {
    let mut needs: Vec<String> = c.needs.iter().map(|n| n.zh().to_owned()).collect();
    if !c.other_need.is_empty() {
        needs.push(c.other_need.clone());
    }
    Entry {
        on: c.on.to_string(),
        channel: c.channel.zh(),
        by: c.by_name.clone(),
        summary: c.summary.clone(),
        needs: needs.join("、"),
        mood: c
            .mood
            .and_then(|m| Mood::new(m, false))
            .map(|m| format!("{}（{}）", m.scale, m.zh()))
            .unwrap_or_default(),
        help: c.professional_help == Some(true),
        next_step: next_step(c),
    }
}

/// What the form sends.
#[derive(Debug, Default)]
pub struct ContactForm {
    on: String,
    channel: String,
    summary: String,
    /// Checked needs (the form sends `need` once per box).
    need: Vec<String>,
    other_need: String,
    mood: String,
    professional_help: bool,
    next_step: String,
    next_due: String,
}

impl ContactForm {
    /// The form from its fields in the order sent (a field sent twice keeps the last value,
    /// except `need`, which gathers every box checked).
    fn from_pairs(pairs: Vec<(String, String)>) -> ContactForm {
        let mut f = ContactForm::default();
        for (k, v) in pairs {
            match k.as_str() {
                "on" => f.on = v,
                "channel" => f.channel = v,
                "summary" => f.summary = v,
                "need" => f.need.push(v),
                "other_need" => f.other_need = v,
                "mood" => f.mood = v,
                "professional_help" => f.professional_help = !v.is_empty(),
                "next_step" => f.next_step = v,
                "next_due" => f.next_due = v,
                _ => {}
            }
        }
        f
    }
}

#[derive(Template)]
#[template(path = "followup_graduate.html")]
struct GraduatePage {
    base: Base,
    id: Uuid,
    name: String,
    student_no: String,
    college: String,
    programme: String,
    dest: String,
    flags: Vec<(&'static str, &'static str)>,
    entries: Vec<Entry>,
    sees_help_mark: bool,
    channels: Vec<(&'static str, &'static str)>,
    needs: Vec<(&'static str, &'static str)>,
    moods: Vec<(u8, &'static str)>,
    today: String,
    form: ContactForm,
    error: Option<String>,
    logged: bool,
}

impl GraduatePage {
    fn checked(&self, need: &str) -> bool {
        self.form.need.iter().any(|n| n == need)
    }
}

fn graduate_page(
    base: Base,
    log: GraduateLog,
    today: chrono::NaiveDate,
    form: ContactForm,
    error: Option<String>,
    logged: bool,
) -> GraduatePage {
    let g = &log.graduate;
    let dest = match (&g.graduate.dest_code, g.graduate.dest_status) {
        (Some(code), s) if s != DestStatus::None => format!("{code} · {}", s.zh()),
        (_, s) => s.zh().to_owned(),
    };
    GraduatePage {
        base,
        id: g.graduate.id,
        name: g.graduate.name.clone(),
        student_no: g.graduate.student_no.clone(),
        college: g.college_name.clone(),
        programme: g.programme_name.clone(),
        dest,
        flags: flags(&log.flags),
        entries: log.contacts.iter().map(entry).collect(),
        sees_help_mark: log.sees_help_mark,
        channels: Channel::ALL.into_iter().map(|c| (c.id(), c.zh())).collect(),
        needs: Need::ALL.into_iter().map(|n| (n.id(), n.zh())).collect(),
        moods: (1u8..=5).map(|s| (s, Mood::WORDS[usize::from(s - 1)])).collect(),
        today: today.to_string(),
        form,
        error,
        logged,
    }
}

#[derive(Debug, Deserialize)]
pub struct GraduateQuery {
    logged: Option<String>,
}

/// One graduate's log and the form to log a contact.
pub async fn graduate_view(
    State(state): State<AppState>,
    lang: Lang,
    SignedIn(me): SignedIn,
    OriginalUri(uri): OriginalUri,
    Path(id): Path<Uuid>,
    ApiQuery(q): ApiQuery<GraduateQuery>,
) -> Result<Response, AppError> {
    let followup = state.followup();
    let log = followup.graduate_log(&me.actor, id, state.reads(&me)).await?;
    let base = Base::new(&state, lang, "followup", &uri).signed_in(&me);
    let form = ContactForm { channel: Channel::Phone.id().to_owned(), ..ContactForm::default() };
    render(&graduate_page(base, log, followup.today, form, None, q.logged.is_some()))
}

fn date(s: &str) -> Result<Option<chrono::NaiveDate>, jiuye_app::Error> {
    match s.trim() {
        "" => Ok(None),
        t => t.parse().map(Some).map_err(|_| {
            jiuye_app::Error::new(
                jiuye_app::ErrorKind::Unprocessable,
                jiuye_domain::ErrorCode::InvalidDate,
                format!("日期“{}”应为 YYYY-MM-DD", t.chars().take(20).collect::<String>()),
            )
        }),
    }
}

/// Logs the contact and shows the log again; refused input comes back with the message.
pub async fn graduate_submit(
    State(state): State<AppState>,
    lang: Lang,
    SignedIn(me): SignedIn,
    OriginalUri(uri): OriginalUri,
    Path(id): Path<Uuid>,
    axum::Form(pairs): axum::Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let f = ContactForm::from_pairs(pairs);
    let event = AuditEvent::new("followup_contact").target(format!("graduate:{id}"), None);
    let followup = state.followup();
    let parsed = date(&f.on).and_then(|on| Ok((on, date(&f.next_due)?)));
    let result = match parsed {
        Ok((on, next_due)) => {
            let mood = f.mood.trim().parse::<u8>().ok();
            let raw = RawContact {
                on: on.unwrap_or(followup.today),
                channel: &f.channel,
                summary: &f.summary,
                needs: &f.need,
                other_need: &f.other_need,
                mood: if f.mood.trim().is_empty() { None } else { Some(mood.unwrap_or(0)) },
                professional_help: f.professional_help,
                next_step: &f.next_step,
                next_due,
            };
            followup.log(&me.actor, id, &raw).await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok((view, g, grant)) => Ok(event
            .target(format!("graduate:{id}"), Some(&g.programme_path))
            .by(&grant)
            .detail(view.channel.id().to_owned())
            .attach(Redirect::to(&format!("/followup/{id}?logged=1")).into_response())),
        Err(e) if e.kind == jiuye_app::ErrorKind::Unprocessable => {
            let message = e.message.clone();
            let log = followup.graduate_log(&me.actor, id, state.reads(&me)).await?;
            let base = Base::new(&state, lang, "followup", &uri).signed_in(&me);
            let page = render(&graduate_page(base, log, followup.today, f, Some(message), false))?;
            Ok(event.result(e.code.as_str()).attach((StatusCode::UNPROCESSABLE_ENTITY, page).into_response()))
        }
        Err(e) => Ok(audited(event, Err(e.into()))),
    }
}

#[derive(Debug, Deserialize)]
pub struct AppointForm {
    #[serde(default)]
    username: String,
}

/// The career centre appoints its psychology contact from the list page.
pub async fn appoint_submit(
    State(state): State<AppState>,
    SignedIn(me): SignedIn,
    axum::Form(f): axum::Form<AppointForm>,
) -> Response {
    let event = AuditEvent::new("psychology_contact_set").detail(f.username.clone());
    let who = Some(f.username.as_str()).filter(|u| !u.trim().is_empty());
    match state.followup().appoint_psychology_contact(&me.actor, None, who).await {
        Ok((uni, grant)) => event
            .target(format!("org:{}", uni.code), Some(&uni.path))
            .by(&grant)
            .attach(Redirect::to("/followup").into_response()),
        Err(e) => audited(event, Err(e.into())),
    }
}
