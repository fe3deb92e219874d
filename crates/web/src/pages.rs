//! Server-rendered pages (askama templates in `templates/`): parse, load, render. No business
//! rules live here.

pub mod accounts;
pub mod applications;
pub mod awards;
pub mod campaign;
pub mod contests;
pub mod courses;
pub mod destinations;
pub mod employers;
pub mod events;
pub mod federation;
pub mod followup;
pub mod guidance;
pub mod hardship;
pub mod live;
pub mod matching;
pub mod pickers;
pub mod postings;
pub mod read_log;
pub mod reference;
pub mod remote_apply;
pub mod rosters;
pub mod safety;
pub mod sign_in;
pub mod stats_federated;
pub mod workbench;

use crate::error::ErrorCode;
use crate::render::page::Base;
use crate::render::page::group_digits;
use crate::render::page::local_target;
use crate::render::page::render;

use askama::Template;
use axum::extract::{OriginalUri, Path, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use jiuye_domain::OrgKind;
use jiuye_store::OrgQuery;
use serde::Deserialize;

use crate::AppState;
use crate::api::orgs::load_org;
use crate::auth::MaybeCaller;
use crate::error::AppError;
use crate::extract::query::ApiQuery;
use crate::i18n::{LANG_COOKIE, Lang};

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    base: Base,
    stats: Vec<(String, String)>,
    demo_province: Option<(String, String)>,
}

/// `/`: the signed-in person's workbench (工作台); the public landing page for visitors.
pub async fn home(
    State(state): State<AppState>,
    lang: Lang,
    caller: MaybeCaller,
    OriginalUri(uri): OriginalUri,
) -> Result<Response, AppError> {
    if let Some(me) = caller.0.as_deref() {
        return workbench::workbench_page(&state, lang, me, &uri).await;
    }
    let base = Base::new(&state, lang, "home", &uri);
    let t = state.store.totals().await?;
    let stats = [
        ("home.stat_provinces", t.provinces),
        ("home.stat_universities", t.universities),
        ("home.stat_colleges", t.colleges),
        ("home.stat_programmes", t.programmes),
        ("home.stat_graduates", t.graduates),
        ("home.stat_employers", t.employers),
    ]
    .into_iter()
    .map(|(k, v)| (base.t(k).to_owned(), group_digits(v)))
    .collect();
    let demo_province = match &state.settings.featured_org {
        Some(code) => match jiuye_domain::OrgCode::parse(code) {
            Ok(c) => state.store.org_by_code(&c).await?.map(|o| (o.code.to_string(), o.name)),
            Err(_) => None,
        },
        None => None,
    };
    render(&HomePage { base, stats, demo_province })
}

struct ChildRow {
    code: String,
    name: String,
    extra: Vec<String>,
    children: String,
    graduates: String,
}

#[derive(Template)]
#[template(path = "org.html")]
struct OrgPage {
    base: Base,
    org: jiuye_domain::Org,
    kind_label: String,
    ancestors: Vec<(String, String)>,
    facts: Vec<(String, String)>,
    graduates: String,
    children_count: String,
    children_label: Option<String>,
    grandchildren_label: Option<String>,
    extra_headers: Vec<String>,
    rows: Vec<ChildRow>,
    alliances: Vec<(String, String)>,
    show_filter: bool,
    filter: String,
}

#[derive(Debug, Deserialize)]
pub struct FilterParams {
    q: Option<String>,
}

pub async fn orgs_root(
    state: State<AppState>,
    lang: Lang,
    caller: MaybeCaller,
    uri: OriginalUri,
    q: ApiQuery<FilterParams>,
) -> Result<Response, AppError> {
    org_page(state, lang, caller, uri, Path(jiuye_domain::OrgCode::NATION.to_owned()), q).await
}

pub async fn org_page(
    State(state): State<AppState>,
    lang: Lang,
    caller: MaybeCaller,
    OriginalUri(uri): OriginalUri,
    Path(code): Path<String>,
    ApiQuery(params): ApiQuery<FilterParams>,
) -> Result<Response, AppError> {
    let base = Base::new(&state, lang, "orgs", &uri).with_caller(&caller);
    let (org, detail) = load_org(&state, &code).await?;
    let yes_no = |b: bool| base.t(if b { "common.yes" } else { "common.no" }).to_owned();
    let region_name = |code: &Option<String>| {
        code.as_deref().and_then(|c| state.refdata.region(c)).map(|r| r.name.clone()).unwrap_or_default()
    };
    let mut facts = Vec::new();
    match org.kind {
        OrgKind::University => {
            if let Some(l) = org.school_level {
                facts.push((base.t("org.level").to_owned(), base.zh_en(l.zh(), l.id()).to_owned()));
            }
            facts.push((base.t("org.authority").to_owned(), org.authority.clone().unwrap_or_default()));
            facts.push((base.t("org.location").to_owned(), region_name(&org.region_code)));
            facts.push((base.t("org.private").to_owned(), yes_no(org.private)));
            if org.school_level == Some(jiuye_domain::SchoolLevel::Undergraduate) {
                facts.push((base.t("org.newly_built").to_owned(), yes_no(org.newly_built)));
            }
        }
        OrgKind::Programme => {
            if let Some(m) = &org.major_code {
                facts.push((base.t("org.major").to_owned(), m.clone()));
            }
        }
        _ => {}
    }
    if let Some(p) = &detail.province
        && org.kind != OrgKind::Province
    {
        facts.push((base.t("org.province").to_owned(), p.name.clone()));
    }
    let children_label = match org.kind {
        OrgKind::Nation => Some("org.children_nation"),
        OrgKind::Province => Some("org.children_province"),
        OrgKind::University => Some("org.children_university"),
        OrgKind::College => Some("org.children_college"),
        OrgKind::Alliance => Some("org.children_alliance"),
        OrgKind::Programme => None,
    }
    .map(|k| base.t(k).to_owned());
    let grandchildren_label = match org.kind {
        OrgKind::Nation => Some("org.count_universities"),
        OrgKind::Province | OrgKind::Alliance => Some("org.count_colleges"),
        OrgKind::University => Some("org.count_programmes"),
        _ => None,
    }
    .map(|k| base.t(k).to_owned());
    let lists_universities = matches!(org.kind, OrgKind::Province | OrgKind::Alliance);
    let extra_headers = if lists_universities {
        vec![base.t("org.level").to_owned(), base.t("org.location").to_owned()]
    } else {
        Vec::new()
    };
    let filter = params.q.unwrap_or_default().trim().to_owned();
    let children = state.store.org_children(&org).await?;
    let show_filter = children.len() > 15;
    let rows = children
        .into_iter()
        .filter(|c| filter.is_empty() || c.org.name.contains(&filter) || c.org.code.as_str().starts_with(&filter))
        .map(|c| {
            let mut extra = Vec::new();
            if lists_universities {
                let mut level = c.org.school_level.map(|l| base.zh_en(l.zh(), l.id()).to_owned()).unwrap_or_default();
                if c.org.private {
                    level.push_str(&format!(" · {}", base.t("org.private")));
                }
                extra.push(level);
                extra.push(region_name(&c.org.region_code));
            }
            ChildRow {
                code: c.org.code.to_string(),
                name: c.org.name,
                extra,
                children: group_digits(c.counts.children),
                graduates: if c.counts.graduates > 0 {
                    group_digits(c.counts.graduates)
                } else {
                    base.no_data().to_owned()
                },
            }
        })
        .collect();
    let page = OrgPage {
        kind_label: base.zh_en(org.kind.zh(), org.kind.en()).to_owned(),
        ancestors: detail.ancestors.iter().map(|a| (a.code.clone(), a.name.clone())).collect(),
        facts,
        graduates: if detail.org.counts.graduates > 0 {
            group_digits(detail.org.counts.graduates)
        } else {
            base.no_data().to_owned()
        },
        children_count: group_digits(detail.org.counts.children),
        children_label,
        grandchildren_label,
        extra_headers,
        rows,
        alliances: detail.alliances.iter().map(|a| (a.code.clone(), a.name.clone())).collect(),
        show_filter: show_filter || !filter.is_empty(),
        filter,
        org,
        base,
    };
    render(&page)
}

#[derive(Template)]
#[template(path = "org_search.html")]
struct OrgSearchPage {
    base: Base,
    q: String,
    summary: String,
    rows: Vec<(String, String, String)>,
}

pub async fn org_search(
    State(state): State<AppState>,
    lang: Lang,
    caller: MaybeCaller,
    OriginalUri(uri): OriginalUri,
    ApiQuery(params): ApiQuery<FilterParams>,
) -> Result<Response, AppError> {
    let base = Base::new(&state, lang, "orgs", &uri).with_caller(&caller);
    let q = params.q.unwrap_or_default().trim().to_owned();
    let (rows, summary) = if q.is_empty() {
        (Vec::new(), base.t("orgs.prompt").to_owned())
    } else {
        let (orgs, total) =
            state.store.search_orgs(&OrgQuery { q: Some(q.clone()), limit: 100, ..Default::default() }).await?;
        let summary = if total == 0 {
            base.t("orgs.nothing").to_owned()
        } else {
            base.t("orgs.found").replace("{n}", &group_digits(total))
        };
        let rows = orgs
            .into_iter()
            .map(|o| (o.code.to_string(), o.name, base.zh_en(o.kind.zh(), o.kind.en()).to_owned()))
            .collect();
        (rows, summary)
    };
    render(&OrgSearchPage { base, q, summary, rows })
}

#[derive(Debug, Deserialize)]
pub struct LangParams {
    next: Option<String>,
}

/// Remembers the chosen language in a cookie and goes back to where the person was.
pub async fn set_lang(Path(id): Path<String>, ApiQuery(params): ApiQuery<LangParams>) -> Result<Response, AppError> {
    let lang = Lang::from_id(&id)
        .ok_or_else(|| AppError::not_found(ErrorCode::UnknownLanguage, format!("不支持的语言：{id}")))?;
    let next = local_target(params.next.as_deref()).unwrap_or_else(|| "/".into());
    let mut res = Redirect::to(&next).into_response();
    let cookie = format!("{LANG_COOKIE}={}; Path=/; Max-Age=31536000; SameSite=Lax", lang.id());
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        res.headers_mut().insert(header::SET_COOKIE, v);
    }
    Ok(res)
}

pub async fn stylesheet() -> Response {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8"), (header::CACHE_CONTROL, "public, max-age=3600")],
        include_str!("../static/app.css"),
    )
        .into_response()
}

/// The header menu's button (progressive enhancement: every page works without it).
pub async fn menu_script() -> Response {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8"), (header::CACHE_CONTROL, "public, max-age=3600")],
        include_str!("../static/menu.js"),
    )
        .into_response()
}

/// The site's icon (also answered at `/favicon.ico`, where browsers look without a link).
pub async fn favicon() -> Response {
    (
        [(header::CONTENT_TYPE, "image/svg+xml"), (header::CACHE_CONTROL, "public, max-age=86400")],
        include_str!("../static/favicon.svg"),
    )
        .into_response()
}

/// The pickers' progressive enhancement (region cascade, search comboboxes); every form works
/// without it.
pub async fn pickers_script() -> Response {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8"), (header::CACHE_CONTROL, "public, max-age=3600")],
        include_str!("../static/pickers.js"),
    )
        .into_response()
}
