//! The workbench (工作台) over JSON: what needs the caller now, with the list each count links
//! to, their numbers and their shortcuts (`jiuye_app::workbench`).

use axum::Json;
use axum::extract::State;
use jiuye_app::workbench;
use jiuye_domain::destination::Tally;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::auth::Signed;
use crate::error::{AppError, ErrorBody};
use crate::i18n::Lang;

/// Something waiting for the caller.
#[derive(Debug, Serialize, ToSchema)]
pub struct PendingItem {
    /// `review_college`, `review_university`, `disputes`, `postings_pending`,
    /// `postings_reported`, `postings_recheck`, `corrections`, `uncontacted`, `targets_behind` or
    /// `record_to_confirm`.
    pub item: String,
    /// What it is, in Chinese.
    pub label: String,
    /// How many; equals the total of the list at `href` for the same caller.
    pub count: i64,
    /// The page listing exactly what is counted.
    pub href: String,
}

/// A unit's placement for a cohort (毕业去向落实率).
#[derive(Debug, Serialize, ToSchema)]
pub struct UnitPlacement {
    pub org: String,
    pub org_name: String,
    pub graduates: i64,
    pub placed: i64,
    /// Placed / graduates; `null` when the unit has no graduates in the cohort (no data).
    pub rate: Option<f64>,
}

/// The caller's unit against its parent for the newest cohort.
#[derive(Debug, Serialize, ToSchema)]
pub struct PlacementAgainstParent {
    pub cohort: i32,
    pub unit: UnitPlacement,
    /// The parent unit's overall placement (none at the top of the tree).
    pub parent: Option<UnitPlacement>,
}

/// The newest campaign the caller follows.
#[derive(Debug, Serialize, ToSchema)]
pub struct CampaignNumbers {
    pub id: String,
    pub name: String,
    /// Where its progress is followed.
    pub href: Option<String>,
    /// The targets the caller answers for (none when they answer for none).
    pub targets: Option<i64>,
    pub met: Option<i64>,
    pub behind: Option<i64>,
}

/// How many graduates completed the safety quiz (the newest cohort the caller sees statistics
/// for; `/safety/completion` has them by college).
#[derive(Debug, Serialize, ToSchema)]
pub struct QuizNumbers {
    pub cohort: i32,
    pub completed: i64,
    pub graduates: i64,
}

/// A link to one of the caller's main tasks.
#[derive(Debug, Serialize, ToSchema)]
pub struct ShortcutDto {
    pub id: String,
    pub label: String,
    pub href: String,
}

/// The caller's workbench.
#[derive(Debug, Serialize, ToSchema)]
pub struct WorkbenchDto {
    pub pending: Vec<PendingItem>,
    pub placement: Option<PlacementAgainstParent>,
    pub campaign: Option<CampaignNumbers>,
    pub safety_quiz: Option<QuizNumbers>,
    pub shortcuts: Vec<ShortcutDto>,
}

fn unit(code: String, name: String, t: &Tally) -> UnitPlacement {
    UnitPlacement {
        org: code,
        org_name: name,
        graduates: t.graduates,
        placed: t.placed,
        rate: (t.graduates > 0).then(|| t.rate()),
    }
}

/// What needs the caller now (each count with the list it counts), their unit's placement
/// rate against the parent unit's for the newest cohort, the newest campaign's progress, and
/// shortcuts to their main tasks: only what the caller's roles allow.
#[utoipa::path(get, path = "/api/v1/workbench", tag = "identity",
    responses((status = 200, description = "The caller's workbench", body = WorkbenchDto),
        (status = 401, description = "`unauthenticated`", body = ErrorBody)))]
pub async fn get_workbench(
    State(state): State<AppState>,
    Signed(caller): Signed,
) -> Result<Json<WorkbenchDto>, AppError> {
    let w =
        workbench::workbench(state.store.as_ref(), &state.settings.keys, &caller.actor, crate::api::campaign::today())
            .await?;
    let zh = |key: String| state.messages.get(Lang::Zh, &key).to_owned();
    Ok(Json(WorkbenchDto {
        pending: w
            .pending
            .iter()
            .map(|p| PendingItem {
                item: p.item.id().to_owned(),
                label: zh(format!("workbench.item_{}", p.item.id())),
                count: p.count,
                href: p.href.clone(),
            })
            .collect(),
        placement: w.rate.map(|r| PlacementAgainstParent {
            cohort: r.cohort,
            unit: unit(r.org_code, r.org_name, &r.tally),
            parent: r.parent.map(|(code, name, t)| unit(code, name, &t)),
        }),
        campaign: w.campaign.map(|c| CampaignNumbers {
            id: c.id,
            name: c.name,
            href: c.href,
            targets: c.targets.map(|t| t.0),
            met: c.targets.map(|t| t.1),
            behind: c.targets.map(|t| t.2),
        }),
        safety_quiz: w.safety_quiz.map(|(cohort, completed, graduates)| QuizNumbers { cohort, completed, graduates }),
        shortcuts: w
            .shortcuts
            .iter()
            .map(|s| ShortcutDto {
                id: s.id.to_owned(),
                label: zh(format!("workbench.go_{}", s.id)),
                href: s.href.to_owned(),
            })
            .collect(),
    }))
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(get_workbench))
}
