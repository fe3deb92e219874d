//! What the forms' pickers need from the use cases: employers found in the directory by name or
//! credit code, the name of the chosen one, and a new employer added from a form (through the
//! same use case as `POST /api/v1/employers`, audited the same way). Rendering is
//! `render::pickers`; this module never decides access itself.

use axum::http::StatusCode;
use jiuye_app::employers::{self, EmployerFields, Entered};

use crate::AppState;
use crate::auth::{AuditEvent, Caller};
use crate::error::AppError;
use crate::render::page::Base;
use crate::render::pickers::{self, Choice, SearchPicker};

/// An employer as a picker shows it: "成都某某有限公司（91510100…）".
fn employer_choice(e: &jiuye_store::employers::EmployerRecord) -> Choice {
    Choice { value: e.credit_code.clone(), label: format!("{}（{}）", e.name, e.credit_code) }
}

/// The chosen employer by credit code, by name when the caller may read it.
pub async fn chosen_employer(state: &AppState, me: &Caller, code: &str) -> Result<Option<Choice>, AppError> {
    let code = code.trim();
    if code.is_empty() {
        return Ok(None);
    }
    match employers::get(state.store.as_ref(), &me.actor, code).await {
        Ok(found) => Ok(Some(employer_choice(&found.employer))),
        Err(e) if e.kind == jiuye_app::ErrorKind::NotFound => {
            Ok(Some(Choice { value: code.to_ascii_uppercase(), label: code.to_ascii_uppercase() }))
        }
        Err(e) => Err(e.into()),
    }
}

/// Employers whose name contains `q` or whose credit code is `q` (staff who work with the
/// directory; nobody else finds any).
pub async fn employer_matches(state: &AppState, me: &Caller, q: &str) -> Result<Vec<Choice>, AppError> {
    let q = q.trim();
    if q.is_empty() {
        return Ok(Vec::new());
    }
    match employers::list(state.store.as_ref(), &me.actor, Some(q), None, 20, 0).await {
        Ok((items, _)) => Ok(items.iter().map(employer_choice).collect()),
        Err(e) if e.kind == jiuye_app::ErrorKind::Forbidden => Ok(Vec::new()),
        Err(e) => Err(e.into()),
    }
}

/// Whether the caller may search the directory (the picker is offered only then).
pub fn searches_employers(me: &Caller) -> bool {
    !jiuye_domain::access::scope_paths(&me.actor, jiuye_domain::access::Action::RegisterEmployer).is_empty()
}

/// The employer picker of a form, with the results of a search when one was asked for.
#[allow(clippy::too_many_arguments)]
pub async fn employer_picker(
    state: &AppState,
    base: &Base,
    me: &Caller,
    id: &str,
    name: &str,
    value: &str,
    q: &str,
    search: bool,
) -> Result<SearchPicker, AppError> {
    let chosen = chosen_employer(state, me, value).await?.into_iter().collect();
    let p = SearchPicker::new(base, "employer", id, name, "picker.employer", "picker.employer_help", false, chosen);
    Ok(if search { p.searched(q, employer_matches(state, me, q).await?) } else { p })
}

/// A new employer as a form enters it (name, credit code, place, industry).
#[derive(Clone, Debug, Default)]
pub struct NewEmployer {
    pub name: String,
    pub credit_code: String,
    pub region: String,
    pub industry: String,
}

/// The form part that adds a new employer, rendered.
#[derive(askama::Template)]
#[template(path = "pickers/new_employer.html")]
pub struct NewEmployerForm {
    pub legend: String,
    pub name_label: String,
    pub code_label: String,
    pub code_help: String,
    pub submit: String,
    pub field: String,
    pub v: NewEmployer,
    pub region: String,
    pub industry: String,
    pub error: Option<String>,
}

impl NewEmployerForm {
    pub fn html(
        base: &Base,
        rd: &jiuye_domain::RefData,
        field: &str,
        v: &NewEmployer,
        error: Option<String>,
    ) -> Result<String, AppError> {
        use askama::Template;
        let form = NewEmployerForm {
            legend: base.t("picker.new_employer").to_owned(),
            name_label: base.t("picker.new_name").to_owned(),
            code_label: base.t("picker.new_credit_code").to_owned(),
            code_help: base.t("picker.new_credit_code_help").to_owned(),
            submit: base.t("picker.new_submit").to_owned(),
            field: field.to_owned(),
            region: pickers::region(base, rd, "ne_region", "new_region", "picker.employer_region", &v.region).html()?,
            industry: pickers::industry(base, rd, "ne_industry", "new_industry", "picker.industry", &v.industry)
                .html()?,
            v: v.clone(),
            error,
        };
        form.render().map_err(|e| {
            tracing::error!(error = %e, "new employer template failed");
            AppError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                crate::error::ErrorCode::InternalError,
                "页面生成失败，已记录",
            )
        })
    }
}

/// Adds `v` to the directory (or finds it there) and answers with its credit code and the audit
/// entry; an employer already in the directory is chosen as it is, never changed from here.
pub async fn add_employer(state: &AppState, me: &Caller, v: &NewEmployer) -> (Result<String, AppError>, AuditEvent) {
    let code = v.credit_code.trim().to_ascii_uppercase();
    let event = AuditEvent::new("employer_upsert").target(format!("employer:{code}"), None);
    if !code.is_empty()
        && let Ok(found) = employers::get(state.store.as_ref(), &me.actor, &code).await
    {
        return (Ok(found.employer.credit_code), event.detail("已在库中，直接选用"));
    }
    let fields = EmployerFields {
        credit_code: v.credit_code.clone(),
        name: v.name.clone(),
        industry_code: v.industry.clone(),
        region_code: v.region.clone(),
        ..EmployerFields::default()
    };
    match employers::enter(state.store.as_ref(), &state.refdata, &me.actor, &fields).await {
        Ok(Entered::Added { employer, grant }) => {
            let path = grant.org_path.clone();
            (
                Ok(employer.credit_code.clone()),
                event.by(&grant).target(format!("employer:{}", employer.credit_code), Some(&path)).detail("新增"),
            )
        }
        Ok(Entered::Changed { employer, .. }) | Ok(Entered::Unchanged { employer, .. }) => {
            (Ok(employer.credit_code), event.detail("与库中记录相同，未修改"))
        }
        Ok(Entered::Proposed { .. }) => (Ok(code), event.detail("已在库中，直接选用")),
        Err(e) => (Err(e.into()), event),
    }
}
