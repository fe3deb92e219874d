//! Staff's matching coverage (人岗匹配覆盖): per college at or under the chosen organisation, how
//! many graduates have at least three current matches and how many of those in difficulty, with
//! the button that recomputes the matches there. Where staff may look is decided by
//! `jiuye_app::matching` (`staff_scope`), never here.

use askama::Template;
use axum::extract::{OriginalUri, State};
use axum::response::{IntoResponse, Redirect, Response};
use jiuye_store::matching::CoverageRow;
use serde::Deserialize;

use crate::AppState;
use crate::auth::{AuditEvent, audited};
use crate::error::AppError;
use crate::extract::query::ApiQuery;
use crate::extract::signed_in::SignedIn;
use crate::i18n::Lang;
use crate::render::page::{Base, encode_component, group_digits, render};

/// One line of the table, as shown.
struct Line {
    college: String,
    graduates: String,
    covered: String,
    share: String,
    hardship: String,
    hardship_covered: String,
}

/// `covered` of `all` as a percentage, or a dash when there is nobody.
fn share(covered: i64, all: i64) -> String {
    if all == 0 { "—".to_owned() } else { format!("{:.1}%", covered as f64 * 100.0 / all as f64) }
}

fn line(college: String, graduates: i64, covered: i64, hardship: i64, hardship_covered: i64) -> Line {
    Line {
        college,
        graduates: group_digits(graduates),
        covered: group_digits(covered),
        share: share(covered, graduates),
        hardship: group_digits(hardship),
        hardship_covered: group_digits(hardship_covered),
    }
}

#[derive(Template)]
#[template(path = "matching_coverage.html")]
struct CoveragePage {
    base: Base,
    /// The organisation shown: its code and name.
    code: String,
    name: String,
    cohort: String,
    lines: Vec<Line>,
    total: Option<Line>,
    /// How many graduates a refresh just recomputed.
    refreshed: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct CoverageQuery {
    /// An organisation code (default: the caller's own scope).
    #[serde(default)]
    org: String,
    #[serde(default)]
    cohort: String,
    done: Option<String>,
    n: Option<usize>,
}

/// The code of the organisation at `path` (its last segment).
fn code_of(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

/// The coverage table of the caller's scope (or of the organisation they chose).
pub async fn coverage_page(
    State(state): State<AppState>,
    lang: Lang,
    SignedIn(me): SignedIn,
    OriginalUri(uri): OriginalUri,
    ApiQuery(q): ApiQuery<CoverageQuery>,
) -> Result<Response, AppError> {
    let m = state.matching();
    let org = Some(q.org.trim()).filter(|o| !o.is_empty());
    let path = m.staff_scope(&me.actor, org).await?;
    let cohort = q.cohort.trim().parse::<i32>().ok();
    let rows: Vec<CoverageRow> = m.coverage(&me.actor, &path, cohort).await?;
    let code = code_of(&path).to_owned();
    let name = match jiuye_domain::OrgCode::parse(&code) {
        Ok(c) => state.store.org_by_code(&c).await?.map(|o| o.name).unwrap_or_default(),
        Err(_) => String::new(),
    };
    let sum = |f: fn(&CoverageRow) -> i64| rows.iter().map(f).sum::<i64>();
    let base = Base::new(&state, lang, "matching_coverage", &uri).signed_in(&me);
    let total = (rows.len() > 1).then(|| {
        line(
            base.t("matching.total").to_owned(),
            sum(|r| r.graduates),
            sum(|r| r.covered),
            sum(|r| r.hardship),
            sum(|r| r.hardship_covered),
        )
    });
    let lines = rows
        .iter()
        .map(|r| line(r.college_name.clone(), r.graduates, r.covered, r.hardship, r.hardship_covered))
        .collect();
    let refreshed = q.n.filter(|_| q.done.as_deref() == Some("refreshed")).map(|n| group_digits(n as i64));
    render(&CoveragePage {
        base,
        code,
        name,
        cohort: cohort.map(|c| c.to_string()).unwrap_or_default(),
        lines,
        total,
        refreshed,
    })
}

#[derive(Debug, Default, Deserialize)]
pub struct RefreshForm {
    #[serde(default)]
    org: String,
}

/// Recomputes the matches of every graduate in the organisation (graduates in difficulty first)
/// and comes back to its table with how many.
pub async fn refresh_submit(
    State(state): State<AppState>,
    SignedIn(me): SignedIn,
    axum::Form(f): axum::Form<RefreshForm>,
) -> Response {
    let event = AuditEvent::new("matches_refresh");
    let m = state.matching();
    let org = Some(f.org.trim()).filter(|o| !o.is_empty());
    let done = async {
        let path = m.staff_scope(&me.actor, org).await?;
        let n = m.push(&me.actor, &path).await?;
        Ok::<_, jiuye_app::Error>((path, n))
    }
    .await;
    match done {
        Ok((path, n)) => {
            let to = format!("/matching/coverage?org={}&done=refreshed&n={n}", encode_component(code_of(&path)));
            event.target(format!("org:{path}"), Some(&path)).attach(Redirect::to(&to).into_response())
        }
        Err(e) => audited(event, Err(e.into())),
    }
}
