//! The audit log page: rows by or about the caller's scope, in Beijing time.

use crate::error::ErrorCode;
use crate::extract::signed_in::SignedIn;
use askama::Template;
use axum::extract::{OriginalUri, State};

use axum::response::Response;

use jiuye_app::accounts::audit::AuditFilter;
use jiuye_domain::access::Role;
use serde::Deserialize;

use crate::AppState;
use crate::error::AppError;
use crate::extract::query::ApiQuery;
use crate::i18n::Lang;
use crate::render::page::Base;
use crate::render::page::render;

struct AuditRowView {
    seq: i64,
    at: String,
    username: String,
    role: String,
    action: String,
    action_code: String,
    target: String,
    result: String,
    result_code: String,
    ip: String,
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    base: Base,
    org_picker: String,
    actions: Vec<(String, String)>,
    results: Vec<(String, String)>,
    action: String,
    username: String,
    result: String,
    summary: String,
    rows: Vec<AuditRowView>,
    prev_href: Option<String>,
    next_href: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct AuditPageQuery {
    org: Option<String>,
    action: Option<String>,
    username: Option<String>,
    result: Option<String>,
    page: Option<i64>,
}

pub async fn audit(
    State(state): State<AppState>,
    lang: Lang,
    SignedIn(me): SignedIn,
    OriginalUri(uri): OriginalUri,
    ApiQuery(q): ApiQuery<AuditPageQuery>,
) -> Result<Response, AppError> {
    let base = Base::new(&state, lang, "audit", &uri).signed_in(&me);
    let page = q.page.unwrap_or(1);
    if page < 1 {
        return Err(AppError::bad_request(ErrorCode::InvalidQuery, "页码应从 1 开始"));
    }
    let filter = AuditFilter {
        org: q.org.clone(),
        action: q.action.clone(),
        username: q.username.clone(),
        result: q.result.clone(),
    };
    let (items, total) =
        jiuye_app::accounts::audit::read(&*state.store, &me.actor, filter, 50, (page - 1) * 50).await?;
    let href = |p: i64| {
        let mut s = format!("/audit?page={p}");
        for (k, v) in [("org", &q.org), ("action", &q.action), ("username", &q.username), ("result", &q.result)] {
            if let Some(v) = v.as_deref().filter(|v| !v.is_empty()) {
                s.push_str(&format!("&{k}={}", crate::render::page::encode_component(v)));
            }
        }
        s
    };
    let pages = (total + 49) / 50;
    let rows = items
        .into_iter()
        .map(|r| AuditRowView {
            seq: r.seq,
            at: crate::render::time::local_datetime(r.at),
            username: r.entry.username.unwrap_or_default(),
            role: match (r.entry.role.as_deref().and_then(Role::from_id), r.entry.org_code) {
                (Some(role), Some(org)) => format!("{} · {org}", base.role_name(role)),
                _ => String::new(),
            },
            action: base.audit_action(&r.entry.action),
            action_code: r.entry.action,
            target: r.entry.target.unwrap_or_default(),
            result: base.audit_result(&r.entry.result),
            result_code: r.entry.result,
            ip: r.entry.ip.unwrap_or_default(),
        })
        .collect();
    let org_picker = crate::render::pickers::org_field(
        state.store.as_ref(),
        &base,
        &me.actor,
        &[jiuye_domain::access::Action::ViewAudit],
        "a_org",
        "users.org",
        "picker.scope_all",
        q.org.as_deref().unwrap_or(""),
    )
    .await?;
    let view = AuditPage {
        org_picker,
        actions: base.audit_actions(),
        results: std::iter::once(("ok".to_owned(), base.audit_result("ok")))
            .chain(base.section("error_code"))
            .collect(),
        action: q.action.clone().unwrap_or_default(),
        username: q.username.clone().unwrap_or_default(),
        result: q.result.clone().unwrap_or_default(),
        summary: base.t("audit.count").replace("{n}", &crate::render::page::group_digits(total)),
        rows,
        prev_href: (page > 1).then(|| href(page - 1)),
        next_href: (page < pages).then(|| href(page + 1)),
        base,
    };
    render(&view)
}
