//! The visit pages: the form to log or correct a visit (for a phone as much as a desk), photos, deletion and the list.

use crate::api::campaign::today;
use crate::api::campaign::visit_photos::store_photo;
use crate::api::campaign::visits::VisitDto;
use crate::api::campaign::visits::VisitList;
use crate::api::campaign::visits::create_event;
use crate::api::campaign::visits::delete_event;
use crate::api::campaign::visits::saved_event;
use crate::api::campaign::visits::update_event;
use crate::api::campaign::visits::visits_page;
use crate::extract::org::home_org;
use crate::extract::page::Page;
use crate::extract::signed_in::SignedIn;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use jiuye_app::campaign::visits::{self as app, VisitInput};
use jiuye_domain::access::Action;
use serde::Deserialize;

use crate::AppState;
use crate::auth::audited;
use crate::error::AppError;
use crate::extract::query::ApiQuery;
use crate::pages::pickers::{NewEmployer, NewEmployerForm, add_employer, employer_picker};
use crate::render::pickers::{self, PickerAction};
use uuid::Uuid;

/// What the visit form shows in its fields.
#[derive(Debug, Default)]
struct FormValues {
    unit: String,
    employer: String,
    visit_date: String,
    form: String,
    programmes: String,
    positions_opened: String,
    base_agreed: bool,
    invited_to_fair: bool,
    survey_filled: bool,
    notes: String,
    employer_q: String,
    new: NewEmployer,
    picker: Option<String>,
}

impl FormValues {
    fn of(d: &VisitDto) -> FormValues {
        FormValues {
            unit: d.unit.clone(),
            employer: d.employer_credit_code.clone(),
            visit_date: d.visit_date.clone(),
            form: d.form.clone(),
            programmes: d.programmes.join(", "),
            positions_opened: d.positions_opened.to_string(),
            base_agreed: d.base_agreed,
            invited_to_fair: d.invited_to_fair,
            survey_filled: d.survey_filled,
            notes: d.notes.clone().unwrap_or_default(),
            ..FormValues::default()
        }
    }

    fn from_data(f: &VisitFormData) -> FormValues {
        FormValues {
            unit: f.unit.clone(),
            employer: f.employer.clone(),
            visit_date: f.visit_date.clone(),
            form: f.form.clone(),
            programmes: f.programmes.clone(),
            positions_opened: f.positions_opened.clone(),
            base_agreed: f.base_agreed.is_some(),
            invited_to_fair: f.invited_to_fair.is_some(),
            survey_filled: f.survey_filled.is_some(),
            notes: f.notes.clone().unwrap_or_default(),
            employer_q: f.employer_q.clone(),
            new: NewEmployer {
                name: f.new_name.clone(),
                credit_code: f.new_credit_code.clone(),
                region: f.new_region.clone(),
                industry: f.new_industry.clone(),
            },
            picker: f.picker.clone(),
        }
    }
}

#[derive(askama::Template)]
#[template(path = "visit_form.html")]
struct VisitFormPage {
    base: crate::render::page::Base,
    /// Set when correcting a stored visit.
    editing: Option<Uuid>,
    photos: Vec<Uuid>,
    v: FormValues,
    today: String,
    error: Option<String>,
    notice: Option<String>,
    unit: String,
    employer: String,
    new_employer: String,
}

#[derive(Debug, Deserialize)]
pub struct VisitFormQuery {
    logged: Option<String>,
    saved: Option<String>,
}

/// What a picker button on the form came back with: an error of the new-employer part.
#[derive(Default)]
struct PickerOutcome {
    new_error: Option<String>,
}

#[allow(clippy::too_many_arguments)]
async fn visit_form(
    state: &AppState,
    lang: crate::i18n::Lang,
    uri: &axum::http::Uri,
    me: &crate::auth::Caller,
    editing: Option<(Uuid, Vec<Uuid>)>,
    v: FormValues,
    error: Option<String>,
    notice: Option<&str>,
    picked: PickerOutcome,
) -> Result<Response, AppError> {
    let base = crate::render::page::Base::new(state, lang, "campaigns", uri).signed_in(me);
    let today = crate::render::time::today().to_string();
    let notice = notice.map(|k| base.t(k).to_owned());
    let (editing, photos) = match editing {
        Some((id, photos)) => (Some(id), photos),
        None => (None, Vec::new()),
    };
    let store = state.store.as_ref();
    let unit = pickers::scope(store, &base, &me.actor, Action::LogVisit, 2, "v_unit", "unit", "picker.unit", &v.unit)
        .await?
        .required()
        .hint(&base, "picker.unit_help")
        .html()?;
    let search = matches!(v.picker.as_deref().and_then(PickerAction::parse), Some(PickerAction::Find(_)));
    let employer = employer_picker(state, &base, me, "v_employer", "employer", &v.employer, &v.employer_q, search)
        .await?
        .html()?;
    let new_employer = NewEmployerForm::html(&base, &state.refdata, "employer", &v.new, picked.new_error)?;
    crate::render::page::render(&VisitFormPage {
        base,
        editing,
        photos,
        v,
        today,
        error,
        notice,
        unit,
        employer,
        new_employer,
    })
}

/// A picker button of the visit form: the form comes back with the choice (and, for a new
/// employer, the directory entry made), nothing is logged.
async fn picked(
    state: &AppState,
    lang: crate::i18n::Lang,
    uri: &axum::http::Uri,
    me: &crate::auth::Caller,
    editing: Option<(Uuid, Vec<Uuid>)>,
    mut values: FormValues,
    action: PickerAction,
) -> Result<Response, AppError> {
    if let PickerAction::New(_) = action {
        let (added, event) = add_employer(state, me, &values.new).await;
        return match added {
            Ok(code) => {
                values.employer = code;
                values.new = NewEmployer::default();
                let page = visit_form(
                    state,
                    lang,
                    uri,
                    me,
                    editing,
                    values,
                    None,
                    Some("picker.new_added"),
                    PickerOutcome::default(),
                )
                .await?;
                Ok(event.attach(page))
            }
            Err(e) => {
                let outcome = PickerOutcome { new_error: Some(e.message.clone()) };
                let mut page = visit_form(state, lang, uri, me, editing, values, None, None, outcome).await?;
                *page.status_mut() = e.status;
                Ok(event.attach(page))
            }
        };
    }
    values.employer = pickers::apply_to_codes(&values.employer, &action, "employer", false);
    visit_form(state, lang, uri, me, editing, values, None, None, PickerOutcome::default()).await
}

/// The visit form, for a phone as much as a desk.
pub async fn visit_form_page(
    State(state): State<AppState>,
    lang: crate::i18n::Lang,
    SignedIn(me): SignedIn,
    axum::extract::OriginalUri(uri): axum::extract::OriginalUri,
    ApiQuery(q): ApiQuery<VisitFormQuery>,
) -> Result<Response, AppError> {
    let v = FormValues {
        unit: home_org(&me, &[Action::LogVisit])?,
        visit_date: crate::render::time::today().to_string(),
        form: "on_site".into(),
        positions_opened: "0".into(),
        ..Default::default()
    };
    let notice = q.logged.is_some().then_some("visit.logged");
    visit_form(&state, lang, &uri, &me, None, v, None, notice, PickerOutcome::default()).await
}

/// The form of a stored visit, to correct it or add photos.
pub async fn visit_edit_page(
    State(state): State<AppState>,
    lang: crate::i18n::Lang,
    SignedIn(me): SignedIn,
    axum::extract::OriginalUri(uri): axum::extract::OriginalUri,
    Path(id): Path<Uuid>,
    ApiQuery(q): ApiQuery<VisitFormQuery>,
) -> Result<Response, AppError> {
    let d = VisitDto::from(app::detail(state.store.as_ref(), &me.actor, id).await?);
    let notice = if q.logged.is_some() {
        Some("visit.logged_photo")
    } else if q.saved.is_some() {
        Some("visit.saved")
    } else {
        None
    };
    let photos = d.photos.clone().unwrap_or_default();
    visit_form(&state, lang, &uri, &me, Some((id, photos)), FormValues::of(&d), None, notice, PickerOutcome::default())
        .await
}

#[derive(Debug, Deserialize)]
pub struct VisitFormData {
    #[serde(default)]
    unit: String,
    #[serde(default)]
    employer: String,
    visit_date: String,
    form: String,
    #[serde(default)]
    programmes: String,
    #[serde(default)]
    positions_opened: String,
    base_agreed: Option<String>,
    invited_to_fair: Option<String>,
    survey_filled: Option<String>,
    notes: Option<String>,
    #[serde(default)]
    employer_q: String,
    #[serde(default)]
    new_name: String,
    #[serde(default)]
    new_credit_code: String,
    #[serde(default)]
    new_region: String,
    #[serde(default)]
    new_industry: String,
    /// A picker button (`find:employer`, `add:employer:<code>`, `drop:employer:<code>`,
    /// `new:employer`): the form comes back instead of being submitted.
    picker: Option<String>,
}

impl VisitFormData {
    fn input(&self) -> Result<VisitInput, String> {
        let positions = match self.positions_opened.trim() {
            "" => 0,
            s => s.parse::<i64>().map_err(|_| "开拓岗位数应为整数".to_owned())?,
        };
        Ok(VisitInput {
            unit: self.unit.clone(),
            employer: self.employer.clone(),
            visit_date: self.visit_date.clone(),
            form: self.form.clone(),
            people: Vec::new(),
            programmes: self
                .programmes
                .split([',', '，', ' ', '、'])
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect(),
            positions_opened: positions,
            base_agreed: self.base_agreed.is_some(),
            invited_to_fair: self.invited_to_fair.is_some(),
            survey_filled: self.survey_filled.is_some(),
            notes: self.notes.clone(),
        })
    }
}

/// Logs a visit from the form through the same code as the API, then opens it for photos.
pub async fn visit_form_submit(
    State(state): State<AppState>,
    lang: crate::i18n::Lang,
    SignedIn(me): SignedIn,
    axum::extract::OriginalUri(uri): axum::extract::OriginalUri,
    axum::Form(f): axum::Form<VisitFormData>,
) -> Result<Response, AppError> {
    let values = FormValues::from_data(&f);
    if let Some(action) = f.picker.as_deref().and_then(PickerAction::parse) {
        return picked(&state, lang, &uri, &me, None, values, action).await;
    }
    let input = match f.input() {
        Ok(i) => i,
        Err(m) => {
            return visit_form(&state, lang, &uri, &me, None, values, Some(m), None, PickerOutcome::default()).await;
        }
    };
    let event = create_event(&input);
    match app::log(state.store.as_ref(), &me.actor, &input, today()).await.map_err(AppError::from) {
        Ok(saved) => {
            let to = axum::response::Redirect::to(&format!("/visits/{}/edit?logged=1", saved.visit.id));
            Ok(saved_event(&saved, event).attach(to.into_response()))
        }
        // The form comes back with the reason, under the status the API gives.
        Err(e) => {
            let message = Some(e.message.clone());
            let page =
                visit_form(&state, lang, &uri, &me, None, values, message, None, PickerOutcome::default()).await?;
            let mut page = event.attach(page);
            *page.status_mut() = e.status;
            Ok(page)
        }
    }
}

/// Saves a corrected visit through the same use case as the API.
pub async fn visit_edit_submit(
    State(state): State<AppState>,
    lang: crate::i18n::Lang,
    SignedIn(me): SignedIn,
    axum::extract::OriginalUri(uri): axum::extract::OriginalUri,
    Path(id): Path<Uuid>,
    axum::Form(f): axum::Form<VisitFormData>,
) -> Result<Response, AppError> {
    // The visit must be the caller's to see before anything of it is shown.
    app::scoped(state.store.as_ref(), &me.actor, id).await?;
    let photos = state.store.photos_of(id).await?.into_iter().map(|p| p.id).collect::<Vec<_>>();
    let values = FormValues::from_data(&f);
    if let Some(action) = f.picker.as_deref().and_then(PickerAction::parse) {
        return picked(&state, lang, &uri, &me, Some((id, photos)), values, action).await;
    }
    let input = match f.input() {
        Ok(i) => i,
        Err(m) => {
            let editing = Some((id, photos));
            return visit_form(&state, lang, &uri, &me, editing, values, Some(m), None, PickerOutcome::default()).await;
        }
    };
    let event = update_event(id);
    match app::correct(state.store.as_ref(), &me.actor, id, &input, today()).await.map_err(AppError::from) {
        Ok(saved) => {
            let to = axum::response::Redirect::to(&format!("/visits/{id}/edit?saved=1"));
            Ok(saved_event(&saved, event).attach(to.into_response()))
        }
        Err(e) if e.status == StatusCode::NOT_FOUND || e.status == StatusCode::FORBIDDEN => Ok(audited(event, Err(e))),
        Err(e) => {
            let message = Some(e.message.clone());
            let editing = Some((id, photos));
            let page =
                visit_form(&state, lang, &uri, &me, editing, values, message, None, PickerOutcome::default()).await?;
            let mut page = event.attach(page);
            *page.status_mut() = e.status;
            Ok(page)
        }
    }
}

/// Adds a photo from the form (multipart; the CSRF token rides in the action URL).
pub async fn visit_photo_submit(
    State(state): State<AppState>,
    SignedIn(me): SignedIn,
    Path(id): Path<Uuid>,
    mut form: axum::extract::Multipart,
) -> Result<Response, AppError> {
    let bytes = crate::extract::upload::multipart_file(&mut form, "photo", "请选择照片").await?;
    let event = crate::api::campaign::visit_photos::upload_event(id);
    let to = axum::response::Redirect::to(&format!("/visits/{id}/edit?saved=1")).into_response();
    Ok(audited(event, store_photo(&state, &me, id, &bytes).await.map(|_| to)))
}

/// Deletes a visit from its page.
pub async fn visit_delete_submit(
    State(state): State<AppState>,
    SignedIn(me): SignedIn,
    Path(id): Path<Uuid>,
) -> Result<Response, AppError> {
    match app::remove(state.store.as_ref(), &me.actor, id).await {
        Ok(removed) => {
            Ok(delete_event(id, Some(&removed))
                .attach(axum::response::Redirect::to("/visits?deleted=1").into_response()))
        }
        Err(e) => Ok(audited(delete_event(id, None), Err(e.into()))),
    }
}

#[derive(askama::Template)]
#[template(path = "visits.html")]
struct VisitsPage {
    base: crate::render::page::Base,
    org: String,
    org_picker: String,
    list: VisitList,
    prev: Option<i64>,
    next: Option<i64>,
    deleted: bool,
}

#[derive(Debug, Deserialize)]
pub struct VisitsPageQuery {
    org: Option<String>,
    offset: Option<i64>,
    deleted: Option<String>,
}

/// The visits of a unit, newest first, with links to correct each.
pub async fn visits_list_page(
    State(state): State<AppState>,
    lang: crate::i18n::Lang,
    SignedIn(me): SignedIn,
    axum::extract::OriginalUri(uri): axum::extract::OriginalUri,
    ApiQuery(q): ApiQuery<VisitsPageQuery>,
) -> Result<Response, AppError> {
    let org = match q.org.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(o) => o.to_owned(),
        None => home_org(&me, &[Action::LogVisit])?,
    };
    let offset = q.offset.unwrap_or(0).max(0);
    let list = visits_page(&state, &me.actor, &org, Page { limit: 50, offset }).await?;
    let base = crate::render::page::Base::new(&state, lang, "campaigns", &uri).signed_in(&me);
    let prev = (offset > 0).then(|| (offset - 50).max(0));
    let next = (offset + 50 < list.total).then_some(offset + 50);
    let org_picker = pickers::scope(
        state.store.as_ref(),
        &base,
        &me.actor,
        Action::LogVisit,
        1,
        "vl_org",
        "org",
        "picker.org",
        &org,
    )
    .await?
    .html()?;
    crate::render::page::render(&VisitsPage { base, org, org_picker, list, prev, next, deleted: q.deleted.is_some() })
}
