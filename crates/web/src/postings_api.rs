//! Job postings. Today: scam screening of a draft (`POST /api/v1/postings/screen`), which anyone
//! may call, signed in or not, since it stores nothing; and a page to try it.

use axum::Json;
use axum::extract::State;
use jiuye_domain::screening::{self, Draft, Rules, Screening};
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::error::{AppError, ErrorBody};

/// A posting as drafted.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct DraftPosting {
    pub title: String,
    pub description: String,
    /// Monthly pay range, yuan.
    pub salary_min: Option<i64>,
    pub salary_max: Option<i64>,
    /// GB/T 2260 code of the place of work.
    pub region: Option<String>,
    /// How to apply or whom to contact (free text).
    pub contact: Option<String>,
}

const MAX_TEXT: usize = 20_000;

/// Screens a draft against the shipped rules and the minimum wage of its province.
pub(crate) async fn screen_draft(state: &AppState, d: &DraftPosting) -> Result<Screening, AppError> {
    if d.title.chars().count() > 200 || d.description.chars().count() > MAX_TEXT {
        return Err(AppError::new(
            axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            "text_too_long",
            "标题不超过 200 字，描述不超过 20000 字",
        ));
    }
    for v in [d.salary_min, d.salary_max].into_iter().flatten() {
        if !(0..=10_000_000).contains(&v) {
            return Err(AppError::new(
                axum::http::StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_salary",
                "月薪应在 0 到 10000000 元之间",
            ));
        }
    }
    let region = d.region.as_deref().map(str::trim).unwrap_or("");
    let wage = if region.is_empty() {
        None
    } else {
        if state.refdata.region(region).is_none() {
            return Err(AppError::new(
                axum::http::StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_region",
                format!("工作地点代码 {region} 不在现行行政区划代码中"),
            ));
        }
        state.store.min_wage(&format!("{}0000", &region[..2])).await?
    };
    let draft = Draft {
        title: &d.title,
        description: &d.description,
        salary_min: d.salary_min,
        salary_max: d.salary_max,
        contact: d.contact.as_deref(),
    };
    Ok(screening::screen(Rules::shipped(), &draft, wage))
}

/// Screens a draft posting for the signs of a scam or a discriminatory clause and stores nothing.
/// `high` means a posting would be held for review.
#[utoipa::path(post, path = "/api/v1/postings/screen", tag = "postings", request_body = DraftPosting,
    responses((status = 200, body = Screening),
        (status = 422, description = "`text_too_long`, `invalid_salary`, `invalid_region`", body = ErrorBody)))]
pub async fn post_screen(
    State(state): State<AppState>,
    Json(d): Json<DraftPosting>,
) -> Result<Json<Screening>, AppError> {
    Ok(Json(screen_draft(&state, &d).await?))
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(post_screen))
}

#[derive(askama::Template)]
#[template(path = "screen.html")]
struct ScreenPage {
    base: crate::pages::Base,
    title: String,
    description: String,
    salary_min: String,
    salary_max: String,
    region: String,
    contact: String,
    result: Option<Screening>,
    error: Option<String>,
}

/// The screening form: paste a posting, see what looks risky and why.
pub async fn screen_page(
    State(state): State<AppState>,
    lang: crate::i18n::Lang,
    caller: crate::auth::MaybeCaller,
    axum::extract::OriginalUri(uri): axum::extract::OriginalUri,
) -> Result<axum::response::Response, AppError> {
    let base = crate::pages::Base::new(&state, lang, "postings", &uri).with_caller(&caller);
    crate::pages::render(&ScreenPage {
        base,
        title: String::new(),
        description: String::new(),
        salary_min: String::new(),
        salary_max: String::new(),
        region: String::new(),
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
    let base = crate::pages::Base::new(&state, lang, "postings", &uri).with_caller(&caller);
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
            match screen_draft(&state, &d).await {
                Ok(s) => (Some(s), None),
                Err(e) if e.status.is_client_error() => (None, Some(e.message)),
                Err(e) => return Err(e),
            }
        }
    };
    let status =
        if error.is_some() { axum::http::StatusCode::UNPROCESSABLE_ENTITY } else { axum::http::StatusCode::OK };
    let mut resp = crate::pages::render(&ScreenPage {
        base,
        title: f.title,
        description: f.description,
        salary_min: f.salary_min,
        salary_max: f.salary_max,
        region: f.region,
        contact: f.contact,
        result,
        error,
    })?;
    *resp.status_mut() = status;
    Ok(resp)
}
