//! A graduate's hardship file: one form per part (profile, helper, plan, progress, recommended
//! postings), each carrying the version read.

use askama::Template;
use axum::extract::{OriginalUri, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use jiuye_app::hardship::{Changes, FileView};
use jiuye_domain::hardship::{CaseState, Category, DisabilityKind, Evidence, PlanAction, PlanState, Subsidy, Training};
use serde::Deserialize;
use uuid::Uuid;

use super::{Choices, choices};
use crate::AppState;
use crate::auth::{AuditEvent, audited};
use crate::error::AppError;
use crate::extract::query::ApiQuery;
use crate::extract::signed_in::SignedIn;
use crate::i18n::Lang;
use crate::render::page::{Base, render};

#[derive(Template)]
#[template(path = "hardship_file.html")]
struct FilePage {
    base: Base,
    f: FileView,
    plan_rows: Vec<PlanAction>,
    categories: Choices,
    disabilities: Choices,
    evidences: Choices,
    trainings: Choices,
    subsidies: Choices,
    plan_states: Choices,
    cases: Choices,
    recommended: String,
    error: Option<String>,
    saved: bool,
}

impl FilePage {
    fn has_category(&self, id: &str) -> bool {
        self.f.profile.categories.iter().any(|c| c == id)
    }
}

async fn file_page(
    state: &AppState,
    lang: Lang,
    me: &crate::auth::Caller,
    uri: &axum::http::Uri,
    id: Uuid,
    error: Option<String>,
    saved: bool,
) -> Result<Response, AppError> {
    let f = state.hardship().read(&me.actor, id, state.reads(me)).await?;
    let mut plan_rows = f.plan.as_ref().map(|p| p.actions.clone()).unwrap_or_default();
    plan_rows.extend(std::iter::repeat_n(PlanAction::default(), 3));
    let recommended = f.recommended.iter().map(Uuid::to_string).collect::<Vec<_>>().join("\n");
    let base = Base::new(state, lang, "hardship", uri).signed_in(me);
    let failed = error.is_some();
    let page = FilePage {
        base,
        f,
        plan_rows,
        categories: choices(Category::ALL, Category::id, Category::zh),
        disabilities: choices(DisabilityKind::ALL, DisabilityKind::id, DisabilityKind::zh),
        evidences: choices(Evidence::ALL, Evidence::id, Evidence::zh),
        trainings: choices(Training::ALL, Training::id, Training::zh),
        subsidies: choices(Subsidy::ALL, Subsidy::id, Subsidy::zh),
        plan_states: choices(PlanState::ALL, PlanState::id, PlanState::zh),
        cases: choices(CaseState::ALL, CaseState::id, CaseState::zh),
        recommended,
        error,
        saved,
    };
    let res = render(&page)?;
    Ok(if failed { (StatusCode::UNPROCESSABLE_ENTITY, res).into_response() } else { res })
}

#[derive(Debug, Deserialize)]
pub struct FileQuery {
    done: Option<String>,
}

/// A graduate's file.
pub async fn file_view(
    State(state): State<AppState>,
    lang: Lang,
    SignedIn(me): SignedIn,
    OriginalUri(uri): OriginalUri,
    Path(id): Path<Uuid>,
    ApiQuery(q): ApiQuery<FileQuery>,
) -> Result<Response, AppError> {
    file_page(&state, lang, &me, &uri, id, None, q.done.is_some()).await
}

/// One part of the file as a form sends it: `part` names it; the rest are its fields.
#[derive(Debug, Default)]
struct FileForm {
    version: i64,
    part: String,
    categories: Vec<String>,
    disability: String,
    evidence: String,
    evidence_note: String,
    verified: bool,
    paper_consent: bool,
    helper: String,
    goals: String,
    what: Vec<String>,
    owner: Vec<String>,
    due: Vec<String>,
    done: Vec<String>,
    plan_state: String,
    training: String,
    subsidy: String,
    case_state: String,
    recommended: String,
}

impl FileForm {
    /// The form from its fields in the order sent (`category`, `what`, `owner`, `due` and `done`
    /// repeat).
    fn from_pairs(pairs: Vec<(String, String)>) -> FileForm {
        let mut f = FileForm::default();
        for (k, v) in pairs {
            match k.as_str() {
                "version" => f.version = v.trim().parse().unwrap_or(-1),
                "part" => f.part = v,
                "category" => f.categories.push(v),
                "disability" => f.disability = v,
                "evidence" => f.evidence = v,
                "evidence_note" => f.evidence_note = v,
                "verified" => f.verified = !v.is_empty(),
                "paper_consent" => f.paper_consent = !v.is_empty(),
                "helper" => f.helper = v,
                "goals" => f.goals = v,
                "what" => f.what.push(v),
                "owner" => f.owner.push(v),
                "due" => f.due.push(v),
                "done" => f.done.push(v),
                "plan_state" => f.plan_state = v,
                "training" => f.training = v,
                "subsidy" => f.subsidy = v,
                "case_state" => f.case_state = v,
                "recommended" => f.recommended = v,
                _ => {}
            }
        }
        f
    }
}

fn changes_of(f: FileForm) -> Result<Changes, String> {
    let mut c = Changes { version: Some(f.version), ..Changes::default() };
    match f.part.as_str() {
        "profile" => {
            c.categories = Some(f.categories);
            c.disability = Some(f.disability);
            c.evidence = Some(f.evidence);
            c.evidence_note = Some(f.evidence_note);
            c.verified = Some(f.verified);
            if f.paper_consent {
                c.consent = Some("paper".into());
            }
        }
        "helper" => c.helper = Some(f.helper),
        "plan" => {
            let mut actions = Vec::new();
            for (i, what) in f.what.iter().enumerate() {
                let due = f.due.get(i).map(|d| d.trim()).filter(|d| !d.is_empty());
                let due = match due {
                    Some(d) => Some(d.parse().map_err(|_| format!("第 {} 项措施的日期无效", i + 1))?),
                    None => None,
                };
                actions.push(PlanAction {
                    what: what.clone(),
                    owner: f.owner.get(i).cloned().unwrap_or_default(),
                    due,
                    done: f.done.iter().any(|d| d == &i.to_string()),
                });
            }
            c.goals = Some(f.goals);
            c.actions = Some(actions);
            if !f.plan_state.is_empty() {
                c.plan_state = Some(f.plan_state);
            }
        }
        "plan_state" => c.plan_state = Some(f.plan_state),
        "progress" => {
            c.training = Some(f.training);
            c.subsidy = Some(f.subsidy);
            c.case_state = Some(f.case_state);
        }
        "recommended" => {
            let mut ids = Vec::new();
            for t in f.recommended.split([',', '\n', ' ', '，']).map(str::trim).filter(|t| !t.is_empty()) {
                ids.push(Uuid::parse_str(t).map_err(|_| format!("“{t}”不是岗位编号"))?);
            }
            c.recommended = Some(ids);
        }
        _ => return Err("未知的表单".into()),
    }
    Ok(c)
}

/// Saves one part of a file; a refused change comes back on the page with its message.
pub async fn file_submit(
    State(state): State<AppState>,
    lang: Lang,
    SignedIn(me): SignedIn,
    OriginalUri(uri): OriginalUri,
    Path(id): Path<Uuid>,
    axum::Form(pairs): axum::Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let f = FileForm::from_pairs(pairs);
    let event = AuditEvent::new("hardship_change").target(format!("graduate:{id}"), None).detail(f.part.clone());
    let changes = match changes_of(f) {
        Ok(c) => c,
        Err(message) => {
            let res = file_page(&state, lang, &me, &uri, id, Some(message), false).await?;
            return Ok(event.result("invalid_form").attach(res));
        }
    };
    match state.hardship().change(&me.actor, id, &changes, state.reads(&me)).await {
        Ok((v, grant, _)) => {
            let event = event.target(format!("graduate:{id}"), Some(&v.programme_path));
            let event = match &grant {
                Some(g) => event.by(g),
                None => event,
            };
            Ok(event.attach(Redirect::to(&format!("/hardship/graduates/{id}?done=saved")).into_response()))
        }
        Err(e) if matches!(e.kind, jiuye_app::ErrorKind::Unprocessable | jiuye_app::ErrorKind::Conflict) => {
            let code = e.code.as_str();
            let res = file_page(&state, lang, &me, &uri, id, Some(e.message.clone()), false).await?;
            Ok(event.result(code).attach(res))
        }
        Err(e) => Ok(audited(event, Err(e.into()))),
    }
}
