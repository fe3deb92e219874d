//! Person–job matching pages (人岗匹配): a graduate's recommendations with the reasons both ways,
//! "不感兴趣", their job intentions, their résumé's text and the employers' invitations
//! (`/matching`); the employer's fitting graduates for its own posting (`candidates`); the staff
//! coverage with its refresh (`coverage`); the small "为你推荐" block other pages show (`picks`).
//! Every page goes through `jiuye_app::matching`, which decides who may do what; a page never
//! calls an API handler and never shows typed text as markup.

pub mod candidates;
pub mod coverage;
pub mod picks;

use askama::Template;
use axum::extract::{OriginalUri, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use jiuye_app::matching::{IntentionsInput, IntentionsView, Recommendation};
use jiuye_domain::Catalogue;
use jiuye_domain::matching::recommend::{Feedback, WorkKind};
use jiuye_domain::matching::titles::Occupations;
use jiuye_store::matching::InvitationRow;
use serde::Deserialize;
use uuid::Uuid;

use crate::AppState;
use crate::auth::{AuditEvent, Caller, audited};
use crate::error::{AppError, ErrorCode};
use crate::extract::query::ApiQuery;
use crate::extract::signed_in::SignedIn;
use crate::i18n::Lang;
use crate::pages::postings::pay_text;
use crate::render::page::{Base, render};
use crate::render::pickers::split_codes;
use crate::render::time::local_minute;

/// How many recommendations the page shows.
const SHOWN: usize = 20;

/// A recommended posting as a card shows it.
struct Card {
    id: Uuid,
    title: String,
    employer: String,
    place: String,
    pay: String,
    deadline: String,
    fits: Vec<String>,
    fits_less: Vec<String>,
}

fn card(r: Recommendation) -> Card {
    Card {
        id: r.posting_id,
        title: r.title,
        employer: r.employer_name,
        place: r.region_name,
        pay: pay_text(r.salary_min, r.salary_max),
        deadline: r.deadline.to_string(),
        fits: r.fits.into_iter().map(|x| x.text).collect(),
        fits_less: r.fits_less.into_iter().map(|x| x.text).collect(),
    }
}

/// An invitation as the graduate sees it.
struct Invitation {
    id: Uuid,
    posting_id: Uuid,
    title: String,
    employer: String,
    message: String,
    when: String,
    /// `pending`, `accepted` or `declined`.
    status: String,
}

fn invitation(r: InvitationRow) -> Invitation {
    let i = r.invitation;
    Invitation {
        id: i.id,
        posting_id: i.posting_id,
        title: r.posting_title,
        employer: r.employer_name,
        message: i.message,
        when: local_minute(i.created_at),
        status: i.status,
    }
}

/// The intentions form, as typed: code lists separated by commas.
#[derive(Debug, Default, Deserialize)]
pub struct IntentionsForm {
    #[serde(default)]
    regions: String,
    #[serde(default)]
    industries: String,
    #[serde(default)]
    occupations: String,
    #[serde(default)]
    employer_types: String,
    #[serde(default)]
    pay_min: String,
    #[serde(default)]
    pay_max: String,
    #[serde(default)]
    work: String,
    #[serde(default)]
    skills: String,
    #[serde(default)]
    certificates: String,
    /// The talent-list checkbox: present when ticked.
    opted_in: Option<String>,
}

impl IntentionsForm {
    fn of(v: &IntentionsView) -> IntentionsForm {
        let i = &v.intentions;
        IntentionsForm {
            regions: i.regions.join(","),
            industries: i.industries.join(","),
            occupations: i.occupations.join(","),
            employer_types: i.employer_types.join(","),
            pay_min: i.pay_min.map(|p| p.to_string()).unwrap_or_default(),
            pay_max: i.pay_max.map(|p| p.to_string()).unwrap_or_default(),
            work: i.work.id().to_owned(),
            skills: v.skills.clone(),
            certificates: v.certificates.clone(),
            opted_in: v.opted_in.then(|| "1".to_owned()),
        }
    }

    fn input(&self) -> IntentionsInput {
        // A pay that is not a number is sent as one the rules refuse, with their message.
        let pay = |s: &str| {
            let s: String = s.chars().filter(|c| !matches!(c, ',' | '，' | ' ')).collect();
            (!s.is_empty()).then(|| s.parse::<i64>().unwrap_or(-1))
        };
        IntentionsInput {
            regions: split_codes(&self.regions),
            industries: split_codes(&self.industries).into_iter().map(|c| c.to_ascii_uppercase()).collect(),
            occupations: split_codes(&self.occupations),
            employer_types: split_codes(&self.employer_types),
            pay_min: pay(&self.pay_min),
            pay_max: pay(&self.pay_max),
            work: self.work.trim().to_owned(),
            skills: self.skills.clone(),
            certificates: self.certificates.clone(),
            opted_in: Some(self.opted_in.is_some()),
        }
    }
}

/// The names of the codes a form field holds (those the lists know), "四川省、成都市".
fn names(state: &AppState, field: &str, codes: &str) -> String {
    let rd = &state.refdata;
    split_codes(codes)
        .iter()
        .filter_map(|c| match field {
            "regions" => rd.region(c).map(|r| r.name.clone()),
            "industries" => rd.entry(Catalogue::Industries, &c.to_ascii_uppercase()).map(|e| e.name.clone()),
            "occupations" => Occupations::shipped().get(c).map(|o| o.name.clone()),
            _ => rd.entry(Catalogue::EmployerTypes, c).map(|e| e.name.clone()),
        })
        .collect::<Vec<_>>()
        .join("、")
}

/// The form field a refusal of the intentions is about.
fn field_of(code: ErrorCode) -> &'static str {
    match code {
        ErrorCode::InvalidRegion => "regions",
        ErrorCode::InvalidIndustry => "industries",
        ErrorCode::InvalidOccupation => "occupations",
        ErrorCode::InvalidEmployerType => "employer_types",
        ErrorCode::InvalidSalary => "pay",
        ErrorCode::InvalidKind => "work",
        ErrorCode::InvalidSkills => "skills",
        _ => "",
    }
}

#[derive(Template)]
#[template(path = "matching.html")]
struct MatchingPage {
    base: Base,
    cards: Vec<Card>,
    invitations: Vec<Invitation>,
    form: IntentionsForm,
    /// Names of the codes in each list field, by field.
    chosen_names: Vec<(&'static str, String)>,
    works: Vec<(&'static str, &'static str)>,
    resume_chars: usize,
    error: Option<String>,
    /// The field the error is about ("" for the page as a whole).
    error_field: &'static str,
    notice: Option<&'static str>,
}

impl MatchingPage {
    /// The error, when it is about `field`.
    fn field_error(&self, field: &str) -> Option<&str> {
        self.error.as_deref().filter(|_| self.error_field == field)
    }

    /// The names of the codes in `field`.
    fn named(&self, field: &str) -> &str {
        self.chosen_names.iter().find(|(f, _)| *f == field).map(|(_, n)| n.as_str()).unwrap_or("")
    }

    /// `aria-describedby` of a field: its hint, and the error when it is about it.
    fn described(&self, field: &str, hint: &str) -> String {
        if self.field_error(field).is_some() { format!("{hint} m_error") } else { hint.to_owned() }
    }

    fn status_label(&self, status: &str) -> &str {
        self.base.t(match status {
            "accepted" => "matching.invitation_accepted",
            "declined" => "matching.invitation_declined",
            _ => "matching.invitation_pending",
        })
    }
}

/// What the page shows besides the caller's records: the form as typed (or as stored), an
/// error and the field it is about, a notice.
struct Shown {
    form: Option<IntentionsForm>,
    error: Option<String>,
    error_field: &'static str,
    notice: Option<&'static str>,
}

async fn page(
    state: &AppState,
    lang: Lang,
    me: &Caller,
    uri: &axum::http::Uri,
    s: Shown,
) -> Result<Response, AppError> {
    let m = state.matching();
    let view = m.intentions(&me.actor).await?;
    let cards = m.mine(&me.actor, SHOWN).await?.into_iter().map(card).collect();
    let invitations = m.my_invitations(&me.actor).await?.into_iter().map(invitation).collect();
    let form = s.form.unwrap_or_else(|| IntentionsForm::of(&view));
    let chosen_names = [
        ("regions", &form.regions),
        ("industries", &form.industries),
        ("occupations", &form.occupations),
        ("employer_types", &form.employer_types),
    ]
    .into_iter()
    .map(|(f, codes)| (f, names(state, f, codes)))
    .collect();
    let works = [WorkKind::Any, WorkKind::FullTime, WorkKind::Internship]
        .into_iter()
        .map(|k| {
            let key = match k {
                WorkKind::Any => "matching.work_any",
                WorkKind::FullTime => "matching.work_full_time",
                WorkKind::Internship => "matching.work_internship",
            };
            (k.id(), key)
        })
        .collect();
    let failed = s.error.is_some();
    let page = MatchingPage {
        base: Base::new(state, lang, "matching", uri).signed_in(me),
        cards,
        invitations,
        form,
        chosen_names,
        works,
        resume_chars: view.resume_chars,
        error: s.error,
        error_field: s.error_field,
        notice: s.notice,
    };
    let res = render(&page)?;
    Ok(if failed { (StatusCode::UNPROCESSABLE_ENTITY, res).into_response() } else { res })
}

#[derive(Debug, Deserialize)]
pub struct MatchingQuery {
    done: Option<String>,
}

/// The graduate's page: recommendations, invitations, intentions and résumé.
pub async fn matching_page(
    State(state): State<AppState>,
    lang: Lang,
    SignedIn(me): SignedIn,
    OriginalUri(uri): OriginalUri,
    ApiQuery(q): ApiQuery<MatchingQuery>,
) -> Result<Response, AppError> {
    let notice = match q.done.as_deref() {
        Some("saved") => Some("matching.saved"),
        Some("resume") => Some("matching.resume_read"),
        Some("not_interested") => Some("matching.not_interested_done"),
        Some("accepted") => Some("matching.accepted_done"),
        Some("declined") => Some("matching.declined_done"),
        _ => None,
    };
    page(&state, lang, &me, &uri, Shown { form: None, error: None, error_field: "", notice }).await
}

/// Saves the intentions; a refusal comes back on the page next to its field, as typed.
pub async fn intentions_submit(
    State(state): State<AppState>,
    lang: Lang,
    SignedIn(me): SignedIn,
    OriginalUri(uri): OriginalUri,
    axum::Form(f): axum::Form<IntentionsForm>,
) -> Result<Response, AppError> {
    let event = AuditEvent::new("intentions_set").target("intentions", None);
    match state.matching().set_intentions(&me.actor, &f.input()).await {
        Ok(_) => Ok(event.attach(Redirect::to("/matching?done=saved").into_response())),
        Err(e) if e.kind == jiuye_app::ErrorKind::Unprocessable => {
            let shown =
                Shown { error_field: field_of(e.code), error: Some(e.message.clone()), form: Some(f), notice: None };
            let res = page(&state, lang, &me, &uri, shown).await?;
            Ok(event.result(e.code.as_str()).attach(res))
        }
        Err(e) => Ok(audited(event, Err(e.into()))),
    }
}

/// Reads the text of an uploaded résumé PDF (multipart; the CSRF token rides in the action
/// URL); a file that cannot be read comes back on the page with the reason.
pub async fn resume_submit(
    State(state): State<AppState>,
    lang: Lang,
    SignedIn(me): SignedIn,
    OriginalUri(uri): OriginalUri,
    mut form: axum::extract::Multipart,
) -> Result<Response, AppError> {
    let event = AuditEvent::new("resume_text_read").target("resume_text", None);
    let read = match crate::extract::upload::multipart_file(&mut form, "resume", "请选择简历文件").await {
        Ok(bytes) => state.matching().set_resume(&me.actor, bytes).await.map_err(AppError::from),
        Err(e) => Err(e),
    };
    match read {
        Ok(chars) => Ok(event.detail(chars.to_string()).attach(Redirect::to("/matching?done=resume").into_response())),
        Err(e) if e.status.is_client_error() && e.status != StatusCode::FORBIDDEN => {
            let shown = Shown { form: None, error: Some(e.message.clone()), error_field: "resume", notice: None };
            let mut res = page(&state, lang, &me, &uri, shown).await?;
            *res.status_mut() = e.status;
            Ok(event.result(e.code.as_str()).attach(res))
        }
        Err(e) => Ok(audited(event, Err(e))),
    }
}

/// "不感兴趣": the posting is not recommended again.
pub async fn not_interested_submit(
    State(state): State<AppState>,
    SignedIn(me): SignedIn,
    Path(id): Path<Uuid>,
) -> Response {
    let feedback = Feedback::NotInterested;
    let event = AuditEvent::new("match_feedback").target(format!("posting:{id}"), None).detail(feedback.id());
    let done = state.matching().feedback(&me.actor, id, feedback).await;
    audited(event, done.map(|()| Redirect::to("/matching?done=not_interested").into_response()).map_err(AppError::from))
}

#[derive(Debug, Default, Deserialize)]
pub struct AnswerForm {
    /// `1` to accept, anything else declines.
    #[serde(default)]
    accept: String,
}

/// Accepts or declines one of the caller's invitations; one answered before comes back on the
/// page with its message.
pub async fn answer_submit(
    State(state): State<AppState>,
    lang: Lang,
    SignedIn(me): SignedIn,
    OriginalUri(uri): OriginalUri,
    Path(id): Path<Uuid>,
    axum::Form(f): axum::Form<AnswerForm>,
) -> Result<Response, AppError> {
    let accept = f.accept == "1";
    let event = AuditEvent::new("invitation_answer").target(format!("invitation:{id}"), None);
    match state.matching().answer(&me.actor, id, accept).await {
        Ok(_) => {
            let to = if accept { "/matching?done=accepted" } else { "/matching?done=declined" };
            Ok(event.attach(Redirect::to(to).into_response()))
        }
        Err(e) if e.kind == jiuye_app::ErrorKind::Conflict => {
            let shown = Shown { form: None, error: Some(e.message.clone()), error_field: "", notice: None };
            let mut res = page(&state, lang, &me, &uri, shown).await?;
            *res.status_mut() = StatusCode::CONFLICT;
            Ok(event.result(e.code.as_str()).attach(res))
        }
        Err(e) => Ok(audited(event, Err(e.into()))),
    }
}
