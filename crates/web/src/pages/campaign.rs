//! The campaign pages: the campaigns list, one campaign's targets by unit, the caller's own targets, and the charts.

pub mod bases;
mod reported;
pub mod surveys;
pub mod visits;

use crate::api::campaign::targets::MineParams;
use crate::api::campaign::targets::MyTargets;
use crate::api::campaign::targets::TargetProgress;
use crate::api::campaign::today;
use crate::extract::signed_in::SignedIn;
use axum::extract::{Path, State};
use jiuye_app::campaign::targets::{self as app, TargetQuery, UnitProgress};
use jiuye_domain::access::Action;
use serde::Deserialize;

use crate::AppState;
use crate::error::AppError;
use crate::extract::query::ApiQuery;

#[derive(askama::Template)]
#[template(path = "campaign_mine.html")]
struct MinePage {
    base: crate::render::page::Base,
    id: String,
    name: String,
    end: String,
    mine: MyTargets,
    summary: String,
}

/// "What I still owe": the caller's targets, most owed first.
pub async fn mine_page(
    State(state): State<AppState>,
    lang: crate::i18n::Lang,
    SignedIn(me): SignedIn,
    axum::extract::OriginalUri(uri): axum::extract::OriginalUri,
    Path(id): Path<String>,
    ApiQuery(p): ApiQuery<MineParams>,
) -> Result<axum::response::Response, AppError> {
    let store = state.store.as_ref();
    let campaign = jiuye_app::campaign::load(store, &id).await?;
    let mine = MyTargets::from(app::mine(store, &me.actor, &id, p.as_of.as_deref(), today()).await?);
    let base = crate::render::page::Base::new(&state, lang, "campaigns", &uri).signed_in(&me);
    let summary = base
        .t("campaign.mine_summary")
        .replace("{visits}", &mine.my_visits.to_string())
        .replace("{employers}", &mine.my_employers.to_string());
    crate::render::page::render(&MinePage {
        base,
        id,
        name: campaign.name,
        end: campaign.end.to_string(),
        mine,
        summary,
    })
}

#[derive(askama::Template)]
#[template(path = "campaign_chart.html")]
struct ChartPage {
    base: crate::render::page::Base,
    id: String,
    name: String,
    org: String,
    org_picker: String,
    org_name: String,
    as_of: String,
    bars: String,
    line: String,
    units: Vec<UnitProgress>,
}

/// The campaign as charts: each unit one level down against the schedule, and the pace of
/// visits over the window.
pub async fn chart_page(
    State(state): State<AppState>,
    lang: crate::i18n::Lang,
    SignedIn(me): SignedIn,
    axum::extract::OriginalUri(uri): axum::extract::OriginalUri,
    Path(id): Path<String>,
    ApiQuery(p): ApiQuery<PageParams>,
) -> Result<axum::response::Response, AppError> {
    let org_code = match p.org.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(o) => o.to_owned(),
        None => crate::extract::org::home_org(&me, &[Action::ViewStatistics, Action::LogVisit])?,
    };
    let query = TargetQuery { org: &org_code, as_of: p.as_of.as_deref(), status: None };
    let chart = app::chart(state.store.as_ref(), &me.actor, &id, query, today()).await?;
    let (org, campaign, units) = (chart.targets.org, chart.targets.campaign, chart.units);
    let as_of = p.as_of.filter(|s| !s.trim().is_empty()).unwrap_or_else(|| campaign.default_as_of(today()).to_string());
    let (req, exp): (u32, u32) = (units.iter().map(|u| u.required).sum(), units.iter().map(|u| u.expected).sum());
    let bars: Vec<crate::render::charts::Bar> = units
        .iter()
        .take(40)
        .map(|u| crate::render::charts::Bar {
            label: u.name.clone(),
            value: f64::from(u.achieved) / f64::from(u.required.max(1)),
            flagged: u.behind > 0,
        })
        .collect();
    let bars_svg = if bars.is_empty() {
        String::new()
    } else {
        crate::render::charts::rate_bars(
            &format!("{} 各单位任务完成度", org.name),
            "每个单位已完成的家数占任务要求家数的比例；虚线为按时间进度此刻应达到的比例，红色为有滞后任务的单位",
            &bars,
            f64::from(exp) / f64::from(req.max(1)),
        )
    };
    // The pace of visits: cumulative visits inside the window, week by week.
    let dates = chart.visit_days;
    let total = dates.len().max(1) as f64;
    let mut points = Vec::new();
    let mut week = campaign.start;
    while week <= campaign.end + chrono::Duration::days(6) {
        let upto = week.min(campaign.end);
        let n = dates.iter().filter(|d| **d <= upto).count();
        points.push((upto.format("%m-%d").to_string(), n as f64 / total));
        if upto == campaign.end {
            break;
        }
        week += chrono::Duration::days(7);
    }
    let line = crate::render::charts::progress_line(
        &format!("{} 走访进度", org.name),
        &format!("活动期内累计走访次数占全部 {} 次的比例，按周统计", dates.len()),
        &points,
    );
    let base = crate::render::page::Base::new(&state, lang, "campaigns", &uri).signed_in(&me);
    let org_picker = org_select(&state, &base, &me, "ch_org", &org_code).await?;
    let page = ChartPage {
        base,
        id,
        name: campaign.name,
        org_picker,
        org: org_code,
        org_name: org.name,
        as_of,
        bars: bars_svg,
        line,
        units,
    };
    crate::render::page::render(&page)
}

#[derive(askama::Template)]
#[template(path = "campaigns.html")]
struct CampaignsPage {
    base: crate::render::page::Base,
    items: Vec<(String, String, String, String)>,
}

/// The campaigns loaded on this node.
pub async fn campaigns_page(
    State(state): State<AppState>,
    lang: crate::i18n::Lang,
    SignedIn(me): SignedIn,
    axum::extract::OriginalUri(uri): axum::extract::OriginalUri,
) -> Result<axum::response::Response, AppError> {
    let followed = jiuye_app::campaign::followed(state.store.as_ref(), &me.actor).await?;
    let base = crate::render::page::Base::new(&state, lang, "campaigns", &uri).signed_in(&me);
    let items = followed.into_iter().map(|c| (c.id, c.name, c.start.to_string(), c.end.to_string())).collect();
    crate::render::page::render(&CampaignsPage { base, items })
}

#[derive(askama::Template)]
#[template(path = "campaign.html")]
struct CampaignPage {
    base: crate::render::page::Base,
    id: String,
    name: String,
    start: String,
    end: String,
    org: String,
    org_picker: String,
    as_of: String,
    statuses: Vec<(&'static str, String, bool)>,
    summary: String,
    rows: Vec<(TargetProgress, String)>,
    /// Set for an organisation above the provinces: the provinces to choose from (code, name).
    choose: Vec<(String, String)>,
    /// The progress the nodes below reported, when any.
    reported: Option<reported::ReportedSection>,
}

/// One campaign's targets for an organisation (default: the caller's own), behind first.
pub async fn campaign_page(
    State(state): State<AppState>,
    lang: crate::i18n::Lang,
    SignedIn(me): SignedIn,
    axum::extract::OriginalUri(uri): axum::extract::OriginalUri,
    Path(id): Path<String>,
    ApiQuery(p): ApiQuery<PageParams>,
) -> Result<axum::response::Response, AppError> {
    let org_code = match p.org.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(o) => o.to_owned(),
        None => crate::extract::org::home_org(&me, &[Action::ViewStatistics, Action::LogVisit])?,
    };
    let base = crate::render::page::Base::new(&state, lang, "campaigns", &uri).signed_in(&me);
    let status = p.status.clone().filter(|s| !s.is_empty());
    let query = TargetQuery { org: &org_code, as_of: p.as_of.as_deref(), status: status.as_deref() };
    let targets = match app::targets(state.store.as_ref(), &me.actor, &id, query, today()).await {
        Ok(t) => t,
        // Targets are set from a province down: for the whole nation, choose a province.
        Err(e) if e.code == jiuye_domain::ErrorCode::OrgTooBroad => {
            return choose_province(&state, &me, base, &id, &org_code, p.as_of.as_deref()).await;
        }
        Err(e) => return Err(e.into()),
    };
    let (campaign, items) = (targets.campaign, targets.items);
    let items: Vec<TargetProgress> = items.into_iter().map(TargetProgress::from).collect();
    let as_of = p.as_of.filter(|s| !s.trim().is_empty()).unwrap_or_else(|| campaign.default_as_of(today()).to_string());
    let count = |s: &str| items.iter().filter(|t| t.status == s).count().to_string();
    let summary = base
        .t("campaign.summary")
        .replace("{n}", &items.len().to_string())
        .replace("{met}", &count("met"))
        .replace("{on_track}", &count("on_track"))
        .replace("{behind}", &count("behind"));
    let order = |s: &str| match s {
        "behind" => 0,
        "on_track" => 1,
        _ => 2,
    };
    let mut items = items;
    items.sort_by(|a, b| order(&a.status).cmp(&order(&b.status)).then(a.org.cmp(&b.org)).then(a.rule.cmp(&b.rule)));
    let statuses = ["behind", "on_track", "met"]
        .into_iter()
        .map(|s| (s, base.t(&format!("campaign.{s}")).to_owned(), status.as_deref() == Some(s)))
        .collect();
    let rows = items
        .into_iter()
        .map(|t| {
            let label = base.t(&format!("campaign.{}", t.status)).to_owned();
            (t, label)
        })
        .collect();
    let org_picker = org_select(&state, &base, &me, "c_org", &org_code).await?;
    let reported = reported::section(&state, &me, base.t("campaign.reported_total"), &campaign, &org_code).await?;
    let page = CampaignPage {
        id,
        name: campaign.name,
        start: campaign.start.to_string(),
        end: campaign.end.to_string(),
        org_picker,
        org: org_code,
        as_of,
        statuses,
        summary,
        rows,
        choose: Vec::new(),
        reported,
        base,
    };
    crate::render::page::render(&page)
}

/// The campaign page for an organisation above the provinces (the nation): the provinces
/// below it, each a link to its own targets.
async fn choose_province(
    state: &AppState,
    me: &crate::auth::Caller,
    base: crate::render::page::Base,
    id: &str,
    org_code: &str,
    as_of: Option<&str>,
) -> Result<axum::response::Response, AppError> {
    let campaign = jiuye_app::campaign::load(state.store.as_ref(), id).await?;
    let org = jiuye_app::orgs::by_code(state.store.as_ref(), org_code).await?;
    let choose =
        state.store.org_children(&org).await?.into_iter().map(|c| (c.org.code.to_string(), c.org.name)).collect();
    let as_of = as_of
        .filter(|s| !s.trim().is_empty())
        .map(str::to_owned)
        .unwrap_or_else(|| campaign.default_as_of(today()).to_string());
    let org_picker = org_select(state, &base, me, "c_org", org_code).await?;
    let reported = reported::section(state, me, base.t("campaign.reported_total"), &campaign, org_code).await?;
    crate::render::page::render(&CampaignPage {
        id: id.to_owned(),
        name: campaign.name,
        start: campaign.start.to_string(),
        end: campaign.end.to_string(),
        org_picker,
        org: org_code.to_owned(),
        as_of,
        statuses: Vec::new(),
        summary: base.t("campaign.choose_province").to_owned(),
        rows: Vec::new(),
        choose,
        reported,
        base,
    })
}

/// The unit whose progress a campaign page shows: the organisations the person may follow.
async fn org_select(
    state: &AppState,
    base: &crate::render::page::Base,
    me: &crate::auth::Caller,
    id: &str,
    org: &str,
) -> Result<String, AppError> {
    let actions = [Action::ViewStatistics, Action::LogVisit];
    crate::render::pickers::org_field(
        state.store.as_ref(),
        base,
        &me.actor,
        &actions,
        id,
        "campaign.org",
        "picker.scope_own",
        org,
    )
    .await
}

#[derive(Debug, Deserialize)]
pub struct PageParams {
    org: Option<String>,
    as_of: Option<String>,
    status: Option<String>,
}
