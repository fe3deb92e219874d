//! Pages of destination registration: the graduate's own record, the staff review queue and
//! record page, and the integrity checks. Every action calls the same function as the API.

pub mod integrity;
pub mod list;
pub mod open_disputes;

use crate::error::ErrorCode;
use crate::extract::signed_in::SignedIn;
use askama::Template;
use axum::Form;
use axum::extract::{Multipart, OriginalUri, Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use jiuye_domain::Catalogue;
use jiuye_domain::access::{self, Action, Resource, Role};
use jiuye_domain::destination::{self, DestStatus, ProofKind, Registration};
use serde::Deserialize;
use uuid::Uuid;

use crate::AppState;
use crate::api::destinations::{GraduateDetail, detail};
use crate::auth::{AuditEvent, Caller};
use crate::error::AppError;
use crate::extract::query::ApiQuery;
use crate::i18n::Lang;
use crate::render::page::Base;
use crate::render::page::group_digits;
use crate::render::page::render;
use crate::render::pickers::PickerAction;
use jiuye_app::destinations::records::{Registered, ReviewInput};
use jiuye_app::destinations::{disputes, evidence, graduates, records};

/// The graduate's own record.
pub async fn my_destination(SignedIn(me): SignedIn) -> Response {
    match jiuye_domain::access::subject_of(&me.actor, Role::Graduate) {
        Some(id) => Redirect::to(&format!("/graduates/{id}")).into_response(),
        None => crate::auth::forbidden().into_response(),
    }
}

struct RecordView {
    status_zh: String,
    code: String,
    code_name: String,
    fields: Vec<(String, String)>,
    return_reason: Option<String>,
}

#[derive(Default)]
struct FormValues {
    code: String,
    employer_name: String,
    credit_code: String,
    employer_region: String,
    monthly_pay: String,
    proof_kind: String,
    statement_signed: bool,
    note: String,
    employer_q: String,
    picker: Option<String>,
}

#[derive(Template)]
#[template(path = "graduate.html")]
struct GraduatePage {
    base: Base,
    d: GraduateDetail,
    record: Option<RecordView>,
    history: Vec<(i64, String, String, String, String)>,
    staff: bool,
    closed: bool,
    can_follow: bool,
    contact_states: Vec<(String, String)>,
    can_register: bool,
    can_review: bool,
    can_confirm: bool,
    can_dispute: bool,
    can_answer: bool,
    can_read_log: bool,
    review_levels: Vec<(String, String)>,
    codes: Vec<(String, String)>,
    proofs: Vec<(String, String)>,
    form: FormValues,
    error: Option<String>,
    violations: Vec<String>,
    notice: Option<String>,
    /// The place picker of the form.
    region: String,
    /// The directory picker, for staff who may search it.
    directory: Option<String>,
}

impl GraduatePage {
    /// The name of a kind of proof (`contract` → 劳动合同), as recorded when unknown.
    fn proof_name(&self, id: &str) -> String {
        ProofKind::from_id(id).map(|p| self.base.zh_en(p.zh(), p.en()).to_owned()).unwrap_or_else(|| id.to_owned())
    }
}

struct Outcome {
    error: Option<AppError>,
    violations: Vec<String>,
    notice: Option<String>,
    form: Option<FormValues>,
}

async fn graduate_page(
    state: &AppState,
    lang: Lang,
    uri: &axum::http::Uri,
    me: &Caller,
    id: Uuid,
    outcome: Outcome,
) -> Result<Response, AppError> {
    let base = Base::new(state, lang, "graduates", uri).signed_in(me);
    let r = records::record(state.store.as_ref(), &state.settings.keys, &me.actor, id, state.reads(me)).await?;
    let d = detail(&state.refdata, &r);
    let g = r.graduate;
    let res = Resource::owned(&g.programme_path, id);
    let can = |a: Action| access::can(&me.actor, a, &res).is_some();
    let own = jiuye_domain::access::owns(&me.actor, Role::Graduate, id);
    let status = d.destination.as_ref().and_then(|x| DestStatus::from_id(&x.status)).unwrap_or(DestStatus::None);
    let mut review_levels = Vec::new();
    if can(Action::ReviewCollege) {
        review_levels.push(("college".to_owned(), if lang == Lang::Zh { "院系审核" } else { "College" }.to_owned()));
    }
    if can(Action::ReviewUniversity) {
        review_levels
            .push(("university".to_owned(), if lang == Lang::Zh { "学校审核" } else { "University" }.to_owned()));
    }
    let record = d.destination.as_ref().map(|r| {
        let mut fields = Vec::new();
        let mut add = |k: &str, v: Option<String>| {
            if let Some(v) = v.filter(|v| !v.is_empty()) {
                fields.push((base.t(k).to_owned(), v));
            }
        };
        add("grad.employer_name", r.employer_name.clone());
        add("grad.credit_code", r.credit_code.clone());
        add(
            "grad.region",
            r.employer_region.clone().map(|c| {
                let name = state.refdata.region(&c).map(|x| x.name.clone()).unwrap_or_default();
                format!("{c} {name}")
            }),
        );
        add("grad.pay", r.monthly_pay.map(|p| format!("{} 元", group_digits(p))));
        add(
            "grad.proof",
            r.proof_kind.as_deref().and_then(ProofKind::from_id).map(|p| base.zh_en(p.zh(), p.en()).to_owned()),
        );
        add("grad.note", r.note.clone());
        RecordView {
            status_zh: r.status_zh.clone(),
            code: r.code.clone(),
            code_name: r.code_name.clone().unwrap_or_default(),
            fields,
            return_reason: r.return_reason.clone().filter(|_| r.status == "returned"),
        }
    });
    let history = d
        .versions
        .iter()
        .map(|v| {
            (
                v.version,
                crate::render::time::local_minute(v.at),
                base.record_step(&v.action),
                DestStatus::from_id(&v.status).map(|s| s.zh().to_owned()).unwrap_or_default(),
                v.actor.clone().unwrap_or_default(),
            )
        })
        .collect();
    let form = outcome.form.unwrap_or_else(|| match &d.destination {
        Some(r) => FormValues {
            code: r.code.clone(),
            employer_name: r.employer_name.clone().unwrap_or_default(),
            credit_code: r.credit_code.clone().unwrap_or_default(),
            employer_region: r.employer_region.clone().unwrap_or_default(),
            monthly_pay: r.monthly_pay.map(|p| p.to_string()).unwrap_or_default(),
            proof_kind: r.proof_kind.clone().unwrap_or_default(),
            statement_signed: r.statement_signed,
            note: r.note.clone().unwrap_or_default(),
            ..FormValues::default()
        },
        None => FormValues::default(),
    });
    let today = crate::render::time::today();
    let closed = chrono::NaiveDate::parse_from_str(&d.closes_on, "%Y-%m-%d")
        .ok()
        .is_none_or(|c| !destination::open_for_changes(c, today));
    let status_code = outcome.error.as_ref().map(|e| e.status).unwrap_or(axum::http::StatusCode::OK);
    let info = outcome.error.as_ref().map(|e| crate::error::ErrorInfo { code: e.code, message: e.message.clone() });
    let region = crate::render::pickers::region(
        &base,
        &state.refdata,
        "employer_region",
        "employer_region",
        "picker.employer_region",
        &form.employer_region,
    )
    .hint(&base, "picker.employer_region_hint")
    .html()?;
    let directory = if crate::pages::pickers::searches_employers(me) {
        let search = matches!(form.picker.as_deref().and_then(PickerAction::parse), Some(PickerAction::Find(_)));
        let mut p = crate::pages::pickers::employer_picker(
            state,
            &base,
            me,
            "dest_directory",
            "directory",
            &form.credit_code,
            &form.employer_q,
            search,
        )
        .await?;
        p.legend = base.t("picker.use_directory").to_owned();
        Some(p.html()?)
    } else {
        None
    };
    let page = GraduatePage {
        region,
        directory,
        staff: !own,
        can_register: can(Action::RegisterDestination) && !closed,
        can_follow: !own && can(Action::RegisterDestination),
        contact_states: jiuye_store::destinations::CONTACT_STATES
            .iter()
            .map(|s| ((*s).to_owned(), crate::api::destinations::graduate_list::contact_zh(s).to_owned()))
            .collect(),
        closed,
        can_review: !review_levels.is_empty() && matches!(status, DestStatus::Submitted | DestStatus::CollegeApproved),
        can_confirm: own && status == DestStatus::Approved,
        can_dispute: own,
        can_answer: access::can(&me.actor, Action::AnswerDispute, &Resource::at(&g.programme_path)).is_some(),
        can_read_log: access::can(&me.actor, Action::ViewReadLog, &Resource::at(&g.programme_path)).is_some(),
        review_levels,
        codes: state.refdata.entries_of(Catalogue::Destinations).map(|e| (e.code.clone(), e.name.clone())).collect(),
        proofs: ProofKind::ALL.iter().map(|p| (p.id().to_owned(), base.zh_en(p.zh(), p.en()).to_owned())).collect(),
        form,
        error: outcome.error.map(|e| e.message),
        violations: outcome.violations,
        notice: outcome.notice,
        record,
        history,
        d,
        base,
    };
    let mut res = render(&page)?;
    *res.status_mut() = status_code;
    if let Some(i) = info {
        res.extensions_mut().insert(i);
    }
    Ok(res)
}

#[derive(Debug, Deserialize)]
pub struct DoneQuery {
    done: Option<String>,
}

pub async fn graduate(
    State(state): State<AppState>,
    lang: Lang,
    SignedIn(me): SignedIn,
    OriginalUri(uri): OriginalUri,
    Path(id): Path<Uuid>,
    ApiQuery(q): ApiQuery<DoneQuery>,
) -> Result<Response, AppError> {
    let notice = q.done.map(|d| Base::new(&state, lang, "", &uri).t(&format!("grad.done_{d}")).to_owned());
    graduate_page(&state, lang, &uri, &me, id, Outcome { error: None, violations: Vec::new(), notice, form: None })
        .await
}

fn done(id: Uuid, what: &str) -> Response {
    Redirect::to(&format!("/graduates/{id}?done={what}")).into_response()
}

#[derive(Debug, Deserialize)]
pub struct RegistrationForm {
    code: String,
    employer_name: Option<String>,
    credit_code: Option<String>,
    employer_region: Option<String>,
    monthly_pay: Option<String>,
    proof_kind: Option<String>,
    statement_signed: Option<String>,
    note: Option<String>,
    #[serde(default)]
    directory_q: String,
    /// A directory picker button (`find:directory`, `add:directory:<code>`,
    /// `drop:directory:<code>`): the form comes back with the employer filled in.
    picker: Option<String>,
}

pub async fn register_form(
    State(state): State<AppState>,
    lang: Lang,
    SignedIn(me): SignedIn,
    OriginalUri(uri): OriginalUri,
    Path(id): Path<Uuid>,
    Form(f): Form<RegistrationForm>,
) -> Result<Response, AppError> {
    let event = AuditEvent::new("destination_register")
        .target(format!("graduate:{id}"), None)
        .detail(format!("代码 {}", f.code));
    let values = FormValues {
        code: f.code.clone(),
        employer_name: f.employer_name.clone().unwrap_or_default(),
        credit_code: f.credit_code.clone().unwrap_or_default(),
        employer_region: f.employer_region.clone().unwrap_or_default(),
        monthly_pay: f.monthly_pay.clone().unwrap_or_default(),
        proof_kind: f.proof_kind.clone().unwrap_or_default(),
        statement_signed: f.statement_signed.as_deref() == Some("true"),
        note: f.note.clone().unwrap_or_default(),
        employer_q: f.directory_q.clone(),
        picker: f.picker.clone(),
    };
    if let Some(action) = f.picker.as_deref().and_then(PickerAction::parse) {
        let mut values = values;
        match &action {
            PickerAction::Add(_, code) => {
                if let Ok(found) = jiuye_app::employers::get(state.store.as_ref(), &me.actor, code).await {
                    values.credit_code = found.employer.credit_code;
                    values.employer_name = found.employer.name;
                    values.employer_region = found.employer.region_code;
                }
            }
            PickerAction::Drop(..) => values.credit_code.clear(),
            _ => {}
        }
        let o = Outcome { error: None, violations: Vec::new(), notice: None, form: Some(values) };
        return graduate_page(&state, lang, &uri, &me, id, o).await;
    }
    let clean = |s: Option<String>| s.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
    let pay = match clean(f.monthly_pay) {
        Some(p) => match p.parse::<i64>() {
            Ok(n) => Some(n),
            Err(_) => {
                let e = AppError::bad_request(ErrorCode::InvalidPay, "月收入应为整数（元）");
                let o = Outcome { error: Some(e), violations: Vec::new(), notice: None, form: Some(values) };
                return Ok(event.attach(graduate_page(&state, lang, &uri, &me, id, o).await?));
            }
        },
        None => None,
    };
    let reg = Registration {
        code: f.code.trim().to_owned(),
        employer_name: clean(f.employer_name),
        credit_code: clean(f.credit_code),
        employer_region: clean(f.employer_region),
        employer_type: None,
        employer_industry: None,
        monthly_pay: pay,
        proof_kind: clean(f.proof_kind).filter(|p| p != "none"),
        statement_signed: values.statement_signed,
        note: clean(f.note),
    };
    let today = crate::render::time::today();
    match records::register(state.store.as_ref(), &state.settings.keys, &state.refdata, &me.actor, today, id, reg)
        .await
        .map_err(AppError::from)
    {
        Ok(Registered::Saved(_)) => Ok(event.attach(done(id, "register"))),
        Ok(Registered::Refused(violations)) => {
            let e = AppError::new(
                axum::http::StatusCode::UNPROCESSABLE_ENTITY,
                ErrorCode::RegistrationRules,
                "登记不符合毕业去向规则：",
            );
            let o = Outcome {
                error: Some(e),
                violations: violations.into_iter().map(|v| v.message).collect(),
                notice: None,
                form: Some(values),
            };
            Ok(event.attach(graduate_page(&state, lang, &uri, &me, id, o).await?))
        }
        Err(e) if e.code == ErrorCode::GraduateNotFound => Err(e),
        Err(e) => {
            let o = Outcome { error: Some(e), violations: Vec::new(), notice: None, form: Some(values) };
            Ok(event.attach(graduate_page(&state, lang, &uri, &me, id, o).await?))
        }
    }
}

/// What the record page needs from the request.
pub(crate) struct Ctx<'a> {
    state: &'a AppState,
    lang: Lang,
    uri: &'a axum::http::Uri,
    me: &'a Caller,
}

/// Shows the record page with an error, or goes back to it with a notice.
async fn after(
    ctx: Ctx<'_>,
    id: Uuid,
    event: AuditEvent,
    result: Result<(), AppError>,
    what: &str,
) -> Result<Response, AppError> {
    let Ctx { state, lang, uri, me } = ctx;
    match result {
        Ok(()) => Ok(event.attach(done(id, what))),
        Err(e) if e.code == ErrorCode::GraduateNotFound => Err(e),
        Err(e) => {
            let o = Outcome { error: Some(e), violations: Vec::new(), notice: None, form: None };
            Ok(event.attach(graduate_page(state, lang, uri, me, id, o).await?))
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct ReviewForm {
    level: String,
    decision: String,
    reason: Option<String>,
}

pub async fn review_form(
    State(state): State<AppState>,
    lang: Lang,
    SignedIn(me): SignedIn,
    OriginalUri(uri): OriginalUri,
    Path(id): Path<Uuid>,
    Form(f): Form<ReviewForm>,
) -> Result<Response, AppError> {
    let event = AuditEvent::new("destination_review")
        .target(format!("graduate:{id}"), None)
        .detail(format!("{} {}", f.level, f.decision));
    let input = ReviewInput { level: &f.level, decision: &f.decision, reason: f.reason.as_deref() };
    let result = records::review(state.store.as_ref(), &state.settings.keys, &me.actor, id, input)
        .await
        .map(|_| ())
        .map_err(AppError::from);
    after(Ctx { state: &state, lang, uri: &uri, me: &me }, id, event, result, "review").await
}

pub async fn confirm_form(
    State(state): State<AppState>,
    lang: Lang,
    SignedIn(me): SignedIn,
    OriginalUri(uri): OriginalUri,
    Path(id): Path<Uuid>,
) -> Result<Response, AppError> {
    let event = AuditEvent::new("destination_confirm").target(format!("graduate:{id}"), None);
    let result = records::confirm(state.store.as_ref(), &state.settings.keys, &me.actor, id)
        .await
        .map(|_| ())
        .map_err(AppError::from);
    after(Ctx { state: &state, lang, uri: &uri, me: &me }, id, event, result, "confirm").await
}

#[derive(Debug, Deserialize)]
pub struct DisputeForm {
    text: String,
}

pub async fn dispute_form(
    State(state): State<AppState>,
    lang: Lang,
    SignedIn(me): SignedIn,
    OriginalUri(uri): OriginalUri,
    Path(id): Path<Uuid>,
    Form(f): Form<DisputeForm>,
) -> Result<Response, AppError> {
    let event = AuditEvent::new("dispute_raise").target(format!("graduate:{id}"), None);
    let result = disputes::raise(state.store.as_ref(), &state.settings.keys, &me.actor, id, &f.text)
        .await
        .map(|_| ())
        .map_err(AppError::from);
    after(Ctx { state: &state, lang, uri: &uri, me: &me }, id, event, result, "dispute").await
}

#[derive(Debug, Deserialize)]
pub struct AnswerForm {
    answer: String,
    graduate: Uuid,
}

pub async fn answer_form(
    State(state): State<AppState>,
    lang: Lang,
    SignedIn(me): SignedIn,
    OriginalUri(uri): OriginalUri,
    Path(dispute_id): Path<Uuid>,
    Form(f): Form<AnswerForm>,
) -> Result<Response, AppError> {
    let event = AuditEvent::new("dispute_answer").target(format!("dispute:{dispute_id}"), None);
    let result = disputes::answer(state.store.as_ref(), &state.settings.keys, &me.actor, dispute_id, &f.answer)
        .await
        .map(|_| ())
        .map_err(AppError::from);
    after(Ctx { state: &state, lang, uri: &uri, me: &me }, f.graduate, event, result, "answer").await
}

#[derive(Debug, Deserialize)]
pub struct ContactForm {
    state: String,
}

pub async fn contact_form(
    State(state): State<AppState>,
    lang: Lang,
    SignedIn(me): SignedIn,
    OriginalUri(uri): OriginalUri,
    Path(id): Path<Uuid>,
    Form(f): Form<ContactForm>,
) -> Result<Response, AppError> {
    let event = AuditEvent::new("graduate_contact").target(format!("graduate:{id}"), None).detail(f.state.clone());
    let result = graduates::record_contact(state.store.as_ref(), &me.actor, id, &f.state)
        .await
        .map(|_| ())
        .map_err(AppError::from);
    after(Ctx { state: &state, lang, uri: &uri, me: &me }, id, event, result, "contact").await
}

pub async fn evidence_form(
    State(state): State<AppState>,
    lang: Lang,
    SignedIn(me): SignedIn,
    OriginalUri(uri): OriginalUri,
    Path(id): Path<Uuid>,
    mut form: Multipart,
) -> Result<Response, AppError> {
    let event = AuditEvent::new("evidence_upload").target(format!("graduate:{id}"), None);
    let mut kind = String::new();
    let mut file: Option<(String, Vec<u8>)> = None;
    let bad = || AppError::bad_request(ErrorCode::InvalidForm, "上传内容无法解析或文件超过 5 MB");
    let result = async {
        while let Some(field) = form.next_field().await.map_err(|_| bad())? {
            match field.name().unwrap_or("") {
                "kind" => kind = field.text().await.map_err(|_| bad())?,
                "file" => {
                    let name = field.file_name().unwrap_or("").to_owned();
                    file = Some((name, field.bytes().await.map_err(|_| bad())?.to_vec()));
                }
                _ => {}
            }
        }
        let (name, bytes) = file.ok_or_else(|| AppError::bad_request(ErrorCode::InvalidFile, "请选择文件"))?;
        evidence::add(state.store.as_ref(), &me.actor, &state.files(), id, &kind, &name, &bytes).await?;
        Ok(())
    }
    .await;
    after(Ctx { state: &state, lang, uri: &uri, me: &me }, id, event, result, "evidence").await
}
