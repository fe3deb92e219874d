//! The code-list pages: the catalogues and one catalogue's entries, browsable by parent.

use crate::error::ErrorCode;
use crate::render::page::Base;
use crate::render::page::encode_component;
use crate::render::page::group_digits;
use crate::render::page::render;
use std::collections::HashSet;

use askama::Template;
use axum::extract::{OriginalUri, Path, State};

use crate::AppState;
use crate::api::reference::parse_catalogue;
use crate::auth::MaybeCaller;
use crate::error::AppError;
use crate::extract::query::ApiQuery;
use crate::i18n::Lang;
use axum::response::Response;
use jiuye_domain::Catalogue;
use jiuye_store::RefQuery;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "ref_index.html")]
struct RefIndexPage {
    base: Base,
    catalogues: Vec<(String, String, String)>,
}

pub async fn ref_index(
    State(state): State<AppState>,
    lang: Lang,
    caller: MaybeCaller,
    OriginalUri(uri): OriginalUri,
) -> Result<Response, AppError> {
    let base = Base::new(&state, lang, "ref", &uri).with_caller(&caller);
    let catalogues = Catalogue::ALL
        .iter()
        .map(|c| {
            let n = state.refdata.entries_of(*c).count() as i64;
            (
                c.id().to_owned(),
                base.zh_en(c.title_zh(), c.title_en()).to_owned(),
                base.t("ref.entries").replace("{n}", &group_digits(n)),
            )
        })
        .collect();
    render(&RefIndexPage { base, catalogues })
}

struct RefRowView {
    code: String,
    name: String,
    level: String,
    extra: Vec<String>,
    has_children: bool,
}

#[derive(Template)]
#[template(path = "ref_list.html")]
struct RefListPage {
    base: Base,
    catalogue: String,
    title: String,
    parent: Option<(String, String)>,
    trail: Vec<(String, String)>,
    q: String,
    summary: String,
    extra_headers: Vec<String>,
    rows: Vec<RefRowView>,
    prev_href: Option<String>,
    next_href: Option<String>,
    page_label: String,
}

#[derive(Debug, Deserialize)]
pub struct RefPageParams {
    q: Option<String>,
    parent: Option<String>,
    page: Option<i64>,
}

const REF_PAGE_SIZE: i64 = 100;

pub async fn ref_list(
    State(state): State<AppState>,
    lang: Lang,
    caller: MaybeCaller,
    OriginalUri(uri): OriginalUri,
    Path(catalogue): Path<String>,
    ApiQuery(params): ApiQuery<RefPageParams>,
) -> Result<Response, AppError> {
    let base = Base::new(&state, lang, "ref", &uri).with_caller(&caller);
    let c = parse_catalogue(&catalogue)?;
    let q = params.q.unwrap_or_default().trim().to_owned();
    let page = params.page.unwrap_or(1);
    if page < 1 {
        return Err(AppError::bad_request(ErrorCode::InvalidQuery, "页码应从 1 开始"));
    }
    let parent = match params.parent.as_deref().map(str::trim).filter(|p| !p.is_empty()) {
        Some(p) => Some(state.refdata.entry(c, p).ok_or_else(|| {
            AppError::not_found(ErrorCode::RefEntryNotFound, format!("{} 中没有代码 {p}", c.title_zh()))
        })?),
        None => None,
    };
    let parents: HashSet<&str> = state.refdata.entries_of(c).filter_map(|e| e.parent_code.as_deref()).collect();
    let hierarchical = !parents.is_empty();
    let query = RefQuery {
        q: (!q.is_empty()).then(|| q.clone()),
        parent: parent.map(|p| p.code.clone()),
        // Without a search or a parent, a hierarchical list starts at its top level.
        level: (q.is_empty() && parent.is_none() && hierarchical).then_some(1),
        limit: REF_PAGE_SIZE,
        offset: (page - 1) * REF_PAGE_SIZE,
    };
    let result = state.store.ref_entries(c, &query).await?;
    let mut trail = Vec::new();
    let mut cur = parent.and_then(|p| p.parent_code.clone());
    while let Some(code) = cur {
        let Some(e) = state.refdata.entry(c, &code) else { break };
        trail.push((e.code.clone(), e.name.clone()));
        cur = e.parent_code.clone();
    }
    trail.reverse();
    let level_names = c.level_names_zh();
    let extra_headers: Vec<String> = match c {
        Catalogue::Destinations => vec![base.t("ref.placed").to_owned(), base.t("ref.component").to_owned()],
        Catalogue::UndergraduateMajors => vec![base.t("ref.special").to_owned()],
        _ => Vec::new(),
    };
    let rows = result
        .entries
        .into_iter()
        .map(|e| {
            let level = match base.lang {
                Lang::Zh => level_names.get(usize::from(e.level).saturating_sub(1)).copied().unwrap_or("").to_owned(),
                Lang::En => format!("Level {}", e.level),
            };
            let extra = match c {
                Catalogue::Destinations => vec![
                    base.t(if e.attrs.get("counts_as_placed").map(String::as_str) == Some("Y") {
                        "common.yes"
                    } else {
                        "common.no"
                    })
                    .to_owned(),
                    e.attrs.get("component_2024").cloned().unwrap_or_default(),
                ],
                Catalogue::UndergraduateMajors => vec![e.attrs.get("special_flag").cloned().unwrap_or_default()],
                _ => Vec::new(),
            };
            RefRowView { has_children: parents.contains(e.code.as_str()), code: e.code, name: e.name, level, extra }
        })
        .collect();
    let href = |p: i64| {
        let mut s = format!("/ref/{}?page={p}", c.id());
        if !q.is_empty() {
            s.push_str(&format!("&q={}", encode_component(&q)));
        }
        if let Some(par) = parent {
            s.push_str(&format!("&parent={}", encode_component(&par.code)));
        }
        s
    };
    let pages = (result.total + REF_PAGE_SIZE - 1) / REF_PAGE_SIZE;
    let page_view = RefListPage {
        catalogue: c.id().to_owned(),
        title: base.zh_en(c.title_zh(), c.title_en()).to_owned(),
        parent: parent.map(|p| (p.code.clone(), p.name.clone())),
        trail,
        summary: base.t("ref.entries").replace("{n}", &group_digits(result.total)),
        extra_headers,
        rows,
        prev_href: (page > 1).then(|| href(page - 1)),
        next_href: (page < pages).then(|| href(page + 1)),
        page_label: format!("{page} / {}", pages.max(1)),
        q,
        base,
    };
    render(&page_view)
}
