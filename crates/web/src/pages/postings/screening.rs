//! The screening page: paste a posting, see what looks risky and why.

use crate::api::postings::DraftPosting;
use axum::extract::State;

use jiuye_domain::screening::Screening;
use serde::Deserialize;

use crate::AppState;
use crate::error::AppError;

#[derive(askama::Template)]
#[template(path = "screen.html")]
struct ScreenPage {
    base: crate::render::page::Base,
    title: String,
    description: String,
    salary_min: String,
    salary_max: String,
    /// The place picker (optional here: it only chooses the minimum wage compared against).
    region: String,
    contact: String,
    result: Option<Screening>,
    error: Option<String>,
}

fn region_picker(state: &AppState, base: &crate::render::page::Base, value: &str) -> Result<String, AppError> {
    crate::render::pickers::region(base, &state.refdata, "s_region", "region", "picker.place_optional", value)
        .hint(base, "picker.place_hint")
        .html()
}

/// The screening form: paste a posting, see what looks risky and why.
pub async fn screen_page(
    State(state): State<AppState>,
    lang: crate::i18n::Lang,
    caller: crate::auth::MaybeCaller,
    axum::extract::OriginalUri(uri): axum::extract::OriginalUri,
) -> Result<axum::response::Response, AppError> {
    let base = crate::render::page::Base::new(&state, lang, "postings", &uri).with_caller(&caller);
    let region = region_picker(&state, &base, "")?;
    crate::render::page::render(&ScreenPage {
        base,
        title: String::new(),
        description: String::new(),
        salary_min: String::new(),
        salary_max: String::new(),
        region,
        contact: String::new(),
        result: None,
        error: None,
    })
}

#[derive(Debug, Deserialize)]
pub struct ScreenForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    salary_min: String,
    #[serde(default)]
    salary_max: String,
    #[serde(default)]
    region: String,
    #[serde(default)]
    contact: String,
}

/// Screens what the form holds through the API's code and shows the result under it.
pub async fn screen_submit(
    State(state): State<AppState>,
    lang: crate::i18n::Lang,
    caller: crate::auth::MaybeCaller,
    axum::extract::OriginalUri(uri): axum::extract::OriginalUri,
    axum::Form(f): axum::Form<ScreenForm>,
) -> Result<axum::response::Response, AppError> {
    let base = crate::render::page::Base::new(&state, lang, "postings", &uri).with_caller(&caller);
    let num = |s: &str| -> Result<Option<i64>, String> {
        match s.trim() {
            "" => Ok(None),
            t => t.parse::<i64>().map(Some).map_err(|_| "月薪应为整数（元）".to_owned()),
        }
    };
    let parsed = num(&f.salary_min).and_then(|a| num(&f.salary_max).map(|b| (a, b)));
    let (result, error) = match parsed {
        Err(m) => (None, Some(m)),
        Ok((salary_min, salary_max)) => {
            let d = DraftPosting {
                title: f.title.clone(),
                description: f.description.clone(),
                salary_min,
                salary_max,
                region: Some(f.region.clone()).filter(|r| !r.trim().is_empty()),
                contact: Some(f.contact.clone()),
            };
            match state.postings().screen(&d.text()).await.map_err(AppError::from) {
                Ok(s) => (Some(s), None),
                Err(e) if e.status.is_client_error() => (None, Some(e.message)),
                Err(e) => return Err(e),
            }
        }
    };
    let status =
        if error.is_some() { axum::http::StatusCode::UNPROCESSABLE_ENTITY } else { axum::http::StatusCode::OK };
    let region = region_picker(&state, &base, &f.region)?;
    let mut resp = crate::render::page::render(&ScreenPage {
        base,
        title: f.title,
        description: f.description,
        salary_min: f.salary_min,
        salary_max: f.salary_max,
        region,
        contact: f.contact,
        result,
        error,
    })?;
    *resp.status_mut() = status;
    Ok(resp)
}
