//! The quota engine over JSON: for an organisation, which targets of a campaign apply to it (and
//! to the units below it), why, what counts, and where it stands against the timeline. Everything
//! is computed from the stored policy, the reference cohort's placement counts and the logged
//! visits on every call, so reloading a policy or deleting a visit changes the answer at once.

use crate::error::ErrorCode;
use axum::Json;
use axum::extract::{Path, State};
use chrono::NaiveDate;
use jiuye_domain::access::{self, Action, Resource, within};
use jiuye_domain::campaign::quota::{Facts, Progress, window_start};
use jiuye_domain::campaign::{Campaign, Level, LoggedVisit, Target};
use jiuye_domain::destination::Rollup;
use jiuye_domain::{Org, OrgKind};
use jiuye_store::PlacementFilter;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::AppState;
use crate::api::campaign::snake;
use crate::auth::{Caller, Signed, forbidden};
use crate::error::{AppError, ErrorBody};
use crate::extract::org::org_by_code_text;
use crate::extract::query::ApiQuery;

/// One target that applies to one organisation, with its progress.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct TargetProgress {
    /// The rule's id in the policy (e.g. `leaders_open_new`).
    pub rule: String,
    /// The rule as the notice words it.
    pub description: String,
    /// `university`, `college` or `programme`.
    pub level: String,
    /// The organisation the target is for.
    pub org: String,
    pub org_name: String,
    /// Why it applies, with the numbers that triggered it.
    pub reason: String,
    /// What counts toward it.
    pub counts: String,
    pub required: u32,
    pub achieved: u32,
    /// How many should be done by `as_of`, planning backwards from the deadline.
    pub expected_by_now: u32,
    /// `met`, `on_track` or `behind`.
    pub status: String,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TargetParams {
    /// A province, university, college or programme code. A province lists its universities'
    /// targets; a university its own and those of its colleges and programmes.
    pub org: String,
    /// The day to measure the timeline at (YYYY-MM-DD; default today).
    pub as_of: Option<String>,
    /// Only targets with this status (`met`, `on_track`, `behind`).
    pub status: Option<String>,
}

/// A target's progress as the API shows it.
pub(crate) fn shown(target: &Target, subject: &Org, reason: String, p: Progress) -> TargetProgress {
    TargetProgress {
        rule: target.id.clone(),
        description: target.description.clone(),
        level: snake(target.level),
        org: subject.code.to_string(),
        org_name: subject.name.clone(),
        reason,
        counts: snake(target.counts),
        required: p.required,
        achieved: p.achieved,
        expected_by_now: p.expected_by_now,
        status: snake(p.status),
    }
}

/// Employers each university under `scope` already worked with before the window other than by
/// visits: hires registered as graduates' destinations (read for the whole scope in one query)
/// and postings that appeared at the university or one of its alliances. Visits before the
/// window are seen by the engine itself.
struct EarlierPartners {
    hires: Vec<(String, Uuid)>,
    /// Each university under the scope with its alliances.
    scopes_of: std::collections::HashMap<Uuid, Vec<Uuid>>,
    /// (scope, employer) of postings before the window, read for every scope in one query.
    posted: Vec<(Uuid, Uuid)>,
}

impl EarlierPartners {
    async fn load(
        state: &AppState,
        campaign: &Campaign,
        scope: &Org,
        universities: &[Org],
    ) -> Result<EarlierPartners, AppError> {
        let start = window_start(campaign);
        let mut scopes_of = std::collections::HashMap::new();
        for u in universities {
            let mut scopes = vec![u.id];
            scopes.extend(state.store.alliances_of(u.id).await?.into_iter().map(|a| a.id));
            scopes_of.insert(u.id, scopes);
        }
        let mut all: Vec<Uuid> = scopes_of.values().flatten().copied().collect();
        all.sort_unstable();
        all.dedup();
        Ok(EarlierPartners {
            hires: state.store.hired_before(&scope.path, start).await?,
            posted: state.store.employers_posting_before(&all, start).await?,
            scopes_of,
        })
    }

    fn of(&self, university: &Org) -> std::collections::HashSet<Uuid> {
        let mut out: std::collections::HashSet<Uuid> =
            self.hires.iter().filter(|(p, _)| within(p, &university.path)).map(|(_, e)| *e).collect();
        let scopes = self.scopes_of.get(&university.id).map(Vec::as_slice).unwrap_or_default();
        out.extend(self.posted.iter().filter(|(s, _)| scopes.contains(s)).map(|(_, e)| *e));
        out
    }
}

/// The targets of `campaign` for `org` (and the units it answers for), at `as_of`.
pub async fn evaluate(
    state: &AppState,
    campaign: &Campaign,
    org: &Org,
    as_of: NaiveDate,
) -> Result<Vec<TargetProgress>, AppError> {
    let ancestors = state.store.org_ancestors(org).await?;
    let chain: Vec<&Org> = ancestors.iter().chain(std::iter::once(org)).collect();
    let province = chain
        .iter()
        .find(|o| o.kind == OrgKind::Province)
        .map(|o| (*o).clone())
        .ok_or_else(|| AppError::bad_request(ErrorCode::OrgTooBroad, "请选择一个省份、高校、院系或专业点"))?;
    let universities: Vec<Org> = match chain.iter().find(|o| o.kind == OrgKind::University) {
        Some(u) => vec![(*u).clone()],
        None => state
            .store
            .org_children(org)
            .await?
            .into_iter()
            .map(|c| c.org)
            .filter(|o| o.kind == OrgKind::University)
            .collect(),
    };
    let rows = state.store.placement_counts(&province, campaign.reference_cohort, &PlacementFilter::default()).await?;
    let rollup = Rollup::build(&rows);
    let hires = match universities.as_slice() {
        [only] => EarlierPartners::load(state, campaign, only, &universities).await?,
        _ => EarlierPartners::load(state, campaign, org, &universities).await?,
    };
    let mut out = Vec::new();
    for university in &universities {
        let mut visits = Vec::new();
        for f in state.store.visits_of(university.id).await? {
            let date = f.visit_date;
            let unit_path = f.unit_path.clone();
            let by_leaders = jiuye_domain::campaign::visits::by_leaders(f.roles.iter().map(String::as_str));
            visits.push((
                LoggedVisit { id: f.id, employer: f.employer_id, date, by_leaders, programmes: f.programmes },
                unit_path,
            ));
        }
        let earlier = hires.of(university);
        let cx = Facts { campaign, rollup: &rollup, province: &province, university, visits, earlier, as_of };
        // University-level targets, for the province view or the university itself.
        if org.kind == OrgKind::Province || org.id == university.id {
            for t in campaign.targets.iter().filter(|t| t.level == Level::University) {
                if let Some(reason) = cx.reason(t, university, None) {
                    out.push(shown(t, university, reason, cx.progress(t, university)));
                }
            }
        }
        if org.kind == OrgKind::Province {
            continue;
        }
        // College and programme targets inside the asked unit.
        for college in state.store.org_children(university).await?.into_iter().map(|c| c.org) {
            if !(within(&college.path, &org.path) || within(&org.path, &college.path)) {
                continue;
            }
            for t in campaign.targets.iter().filter(|t| t.level == Level::College) {
                if within(&college.path, &org.path)
                    && let Some(reason) = cx.reason(t, &college, Some(&college))
                {
                    out.push(shown(t, &college, reason, cx.progress(t, &college)));
                }
            }
            if !campaign.targets.iter().any(|t| t.level == Level::Programme) {
                continue;
            }
            for programme in state.store.org_children(&college).await?.into_iter().map(|c| c.org) {
                if !within(&programme.path, &org.path) {
                    continue;
                }
                for t in campaign.targets.iter().filter(|t| t.level == Level::Programme) {
                    if let Some(reason) = cx.reason(t, &programme, Some(&college)) {
                        out.push(shown(t, &programme, reason, cx.progress(t, &programme)));
                    }
                }
            }
        }
    }
    Ok(out)
}

/// Which targets of a campaign apply to an organisation and the units below it, why, and the
/// progress against the timeline.
#[utoipa::path(get, path = "/api/v1/campaigns/{id}/targets", tag = "campaigns", params(("id" = String, Path), TargetParams),
    responses((status = 200, body = Vec<TargetProgress>),
        (status = 400, description = "`invalid_date`, `invalid_status`, `org_too_broad`", body = ErrorBody),
        (status = 403, description = "`forbidden`", body = ErrorBody),
        (status = 404, description = "`campaign_not_found`, `org_not_found`", body = ErrorBody)))]
pub async fn campaign_targets(
    State(state): State<AppState>,
    Signed(caller): Signed,
    Path(id): Path<String>,
    ApiQuery(p): ApiQuery<TargetParams>,
) -> Result<Json<Vec<TargetProgress>>, AppError> {
    Ok(Json(targets_for(&state, &caller, &id, &p).await?.2))
}

/// Checks the caller's scope over the organisation, then evaluates the campaign for it: the one
/// computation behind the API, the page and the report.
pub(crate) async fn targets_for(
    state: &AppState,
    caller: &Caller,
    id: &str,
    p: &TargetParams,
) -> Result<(Org, Campaign, Vec<TargetProgress>), AppError> {
    let org = org_by_code_text(state, &p.org)
        .await?
        .ok_or_else(|| AppError::not_found(ErrorCode::OrgNotFound, format!("没有代码为 {} 的单位", p.org.trim())))?;
    let resource = Resource::at(&org.path);
    if access::can(&caller.actor, Action::ViewStatistics, &resource).is_none()
        && access::can(&caller.actor, Action::LogVisit, &resource).is_none()
    {
        return Err(forbidden());
    }
    let campaign = load(state, id).await?;
    let as_of = match p.as_of.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(d) => NaiveDate::parse_from_str(d, "%Y-%m-%d")
            .map_err(|_| AppError::bad_request(ErrorCode::InvalidDate, format!("as_of“{d}”应为 YYYY-MM-DD")))?,
        None => chrono::Local::now().date_naive(),
    };
    if let Some(s) = p.status.as_deref()
        && !["met", "on_track", "behind"].contains(&s)
    {
        return Err(AppError::bad_request(ErrorCode::InvalidStatus, "status 应为 met、on_track 或 behind"));
    }
    let mut items = evaluate(state, &campaign, &org, as_of).await?;
    if let Some(s) = p.status.as_deref() {
        items.retain(|t| t.status == s);
    }
    Ok((org, campaign, items))
}

/// A stored campaign by id.
pub async fn load(state: &AppState, id: &str) -> Result<Campaign, AppError> {
    for (cid, _, policy, _) in state.store.campaigns().await? {
        if cid == id
            && let Ok(c) = Campaign::parse(&policy)
        {
            return Ok(c);
        }
    }
    Err(AppError::not_found(ErrorCode::CampaignNotFound, format!("没有 id 为 {id} 的活动")))
}

/// One row of the progress report: a unit and what its visits inside the window achieved.
#[derive(Default)]
struct ReportRow {
    code: String,
    name: String,
    visits: i64,
    employers: std::collections::HashSet<Uuid>,
    new_employers: std::collections::HashSet<Uuid>,
    positions: i64,
    bases: i64,
}

/// The campaign's progress as an Excel workbook, the fields a province sends upward: one row per
/// unit one level below the organisation (universities of a province, colleges of a university,
/// programmes of a college) with visits, employers, new employers, positions opened and
/// internship bases inside the window, then every target with its status.
#[utoipa::path(get, path = "/api/v1/campaigns/{id}/report.xlsx", tag = "campaigns", params(("id" = String, Path), TargetParams),
    responses((status = 200, description = "Workbook", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (status = 403, description = "`forbidden`", body = ErrorBody), (status = 404, description = "`campaign_not_found`, `org_not_found`", body = ErrorBody)))]
pub async fn campaign_report(
    State(state): State<AppState>,
    Signed(caller): Signed,
    Path(id): Path<String>,
    ApiQuery(p): ApiQuery<TargetParams>,
) -> Result<axum::response::Response, AppError> {
    use jiuye_sheets::{Cell, Sheet};
    let (org, campaign, targets) = targets_for(&state, &caller, &id, &p).await?;
    let units: Vec<Org> = state.store.org_children(&org).await?.into_iter().map(|c| c.org).collect();
    let universities: Vec<Org> = if org.kind == OrgKind::Province {
        units.iter().filter(|u| u.kind == OrgKind::University).cloned().collect()
    } else {
        let ancestors = state.store.org_ancestors(&org).await?;
        ancestors.into_iter().chain(std::iter::once(org.clone())).filter(|o| o.kind == OrgKind::University).collect()
    };
    let mut rows: Vec<ReportRow> = units
        .iter()
        .map(|u| ReportRow { code: u.code.to_string(), name: u.name.clone(), ..Default::default() })
        .collect();
    let hires = EarlierPartners::load(
        &state,
        &campaign,
        universities.first().filter(|_| universities.len() == 1).unwrap_or(&org),
        &universities,
    )
    .await?;
    for university in &universities {
        let facts = state.store.visits_of(university.id).await?;
        let mut prior = hires.of(university);
        prior.extend(facts.iter().filter(|f| f.visit_date < campaign.start).map(|f| f.employer_id));
        for f in &facts {
            let date = f.visit_date;
            if date < campaign.start || date > campaign.end {
                continue;
            }
            let path = &f.unit_path;
            for (row, unit) in rows.iter_mut().zip(&units) {
                if within(path, &unit.path) {
                    row.visits += 1;
                    row.employers.insert(f.employer_id);
                    if !prior.contains(&f.employer_id) {
                        row.new_employers.insert(f.employer_id);
                    }
                    row.positions += f.positions_opened;
                }
            }
        }
        // Internship and practice bases come from the registry (a visit that agreed one
        // registered it there), counted when their agreement starts inside the window.
        for b in state.store.bases_under(&university.path).await? {
            if b.base.start_date < campaign.start || b.base.start_date > campaign.end {
                continue;
            }
            for (row, unit) in rows.iter_mut().zip(&units) {
                if within(&b.unit_path, &unit.path) {
                    row.bases += 1;
                }
            }
        }
    }
    let n = |x: usize| Cell::Number(x as f64);
    let summary = Sheet {
        name: "进度汇总".into(),
        headers: [
            "单位代码",
            "单位名称",
            "走访次数",
            "走访用人单位数",
            "新开拓用人单位数",
            "开拓岗位数",
            "新建实习实践基地数",
            "适用任务数",
            "已完成任务数",
            "滞后任务数",
        ]
        .iter()
        .map(|h| (*h).to_owned())
        .collect(),
        rows: rows
            .iter()
            .map(|r| {
                let mine: Vec<&TargetProgress> =
                    targets.iter().filter(|t| t.org == r.code || t.org.starts_with(&format!("{}-", r.code))).collect();
                vec![
                    Cell::Text(r.code.clone()),
                    Cell::Text(r.name.clone()),
                    Cell::Number(r.visits as f64),
                    n(r.employers.len()),
                    n(r.new_employers.len()),
                    Cell::Number(r.positions as f64),
                    Cell::Number(r.bases as f64),
                    n(mine.len()),
                    n(mine.iter().filter(|t| t.status == "met").count()),
                    n(mine.iter().filter(|t| t.status == "behind").count()),
                ]
            })
            .collect(),
    };
    let detail = Sheet {
        name: "任务进度".into(),
        headers: ["单位代码", "单位名称", "任务", "适用原因", "要求", "已完成", "应完成", "状态"]
            .iter()
            .map(|h| (*h).to_owned())
            .collect(),
        rows: targets
            .iter()
            .map(|t| {
                vec![
                    Cell::Text(t.org.clone()),
                    Cell::Text(t.org_name.clone()),
                    Cell::Text(t.description.clone()),
                    Cell::Text(t.reason.clone()),
                    Cell::Number(f64::from(t.required)),
                    Cell::Number(f64::from(t.achieved)),
                    Cell::Number(f64::from(t.expected_by_now)),
                    Cell::Text(
                        match t.status.as_str() {
                            "met" => "已完成",
                            "on_track" => "进度正常",
                            _ => "滞后",
                        }
                        .into(),
                    ),
                ]
            })
            .collect(),
    };
    let bytes = jiuye_sheets::write_xlsx(&[summary, detail]).map_err(|e| {
        AppError::new(axum::http::StatusCode::INTERNAL_SERVER_ERROR, ErrorCode::InternalError, e.to_string())
    })?;
    Ok(crate::render::download::download(
        bytes,
        crate::api::rosters::XLSX,
        &format!("访企拓岗进度-{}-{}.xlsx", id, org.code),
    ))
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(campaign_targets)).routes(routes!(campaign_report)).routes(routes!(my_targets))
}

/// A target someone answers for, with what is still owed.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct OwedTarget {
    #[serde(flatten)]
    pub target: TargetProgress,
    /// Employers still to reach by the deadline.
    pub owed: u32,
    /// Employers still to reach to be on schedule today.
    pub owed_by_now: u32,
}

/// What the caller answers for in a campaign.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct MyTargets {
    pub campaign: String,
    pub as_of: String,
    /// The targets of the units the caller answers for (a university leader: the university's
    /// leadership targets; a college leader, major head or counselor: those of their unit and
    /// below; career staff: all of their university's), most owed first.
    pub targets: Vec<OwedTarget>,
    /// Visits inside the window the caller took part in.
    pub my_visits: u32,
    /// Distinct employers those visits reached.
    pub my_employers: u32,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MineParams {
    /// The day to measure the timeline at (YYYY-MM-DD; default today).
    pub as_of: Option<String>,
}

pub(crate) async fn mine(
    state: &AppState,
    caller: &Caller,
    id: &str,
    as_of: Option<&str>,
) -> Result<MyTargets, AppError> {
    let campaign = load(state, id).await?;
    let as_of = match as_of.map(str::trim).filter(|s| !s.is_empty()) {
        Some(d) => NaiveDate::parse_from_str(d, "%Y-%m-%d")
            .map_err(|_| AppError::bad_request(ErrorCode::InvalidDate, format!("as_of“{d}”应为 YYYY-MM-DD")))?,
        None => chrono::Local::now().date_naive(),
    };
    let mut targets: Vec<OwedTarget> = Vec::new();
    let mut universities: Vec<Uuid> = Vec::new();
    let mut seen_orgs: Vec<String> = Vec::new();
    for g in caller.actor.grants.iter() {
        if !jiuye_domain::access::owes_campaign_targets(g)
            || seen_orgs.contains(&format!("{}:{:?}", g.org_path, g.role))
        {
            continue;
        }
        seen_orgs.push(format!("{}:{:?}", g.org_path, g.role));
        let Some(code) = g.org_path.rsplit('/').next() else { continue };
        let Some(org) = org_by_code_text(state, code).await? else { continue };
        let ancestors = state.store.org_ancestors(&org).await?;
        if let Some(u) = ancestors.iter().chain(std::iter::once(&org)).find(|o| o.kind == OrgKind::University)
            && !universities.contains(&u.id)
        {
            universities.push(u.id);
        }
        for t in evaluate(state, &campaign, &org, as_of).await? {
            if jiuye_domain::access::owes_only_university_targets(g) && t.level != "university" {
                continue;
            }
            if targets.iter().any(|o| o.target.rule == t.rule && o.target.org == t.org) {
                continue;
            }
            let owed = t.required.saturating_sub(t.achieved);
            let owed_by_now = t.expected_by_now.saturating_sub(t.achieved);
            targets.push(OwedTarget { target: t, owed, owed_by_now });
        }
    }
    targets.sort_by(|a, b| {
        b.owed_by_now.cmp(&a.owed_by_now).then(b.owed.cmp(&a.owed)).then(a.target.org.cmp(&b.target.org))
    });
    let (mut my_visits, mut employers) = (0u32, std::collections::HashSet::new());
    for u in universities {
        for f in state.store.visits_of(u).await? {
            let date = f.visit_date;
            if date >= campaign.start && date <= campaign.end && f.people.contains(&caller.user.id) {
                my_visits += 1;
                employers.insert(f.employer_id);
            }
        }
    }
    Ok(MyTargets {
        campaign: campaign.id,
        as_of: as_of.to_string(),
        targets,
        my_visits,
        my_employers: employers.len() as u32,
    })
}

/// The caller's own view of a campaign: the targets they answer for and what they still owe.
#[utoipa::path(get, path = "/api/v1/campaigns/{id}/mine", tag = "campaigns", params(("id" = String, Path), MineParams),
    responses((status = 200, body = MyTargets), (status = 400, description = "`invalid_date`", body = ErrorBody),
        (status = 404, description = "`campaign_not_found`", body = ErrorBody)))]
pub async fn my_targets(
    State(state): State<AppState>,
    Signed(caller): Signed,
    Path(id): Path<String>,
    ApiQuery(p): ApiQuery<MineParams>,
) -> Result<Json<MyTargets>, AppError> {
    Ok(Json(mine(&state, &caller, &id, p.as_of.as_deref()).await?))
}
