//! The read log page (查阅记录): reads of personal data within the caller's scope, in Beijing
//! time; with `graduate=` it answers "who read this graduate's file" (linked from the record).

use askama::Template;
use axum::extract::{OriginalUri, State};
use axum::response::Response;
use jiuye_app::read_log::{self, ReadLogFilter};
use jiuye_domain::access::Role;
use jiuye_domain::read_log::ReadKind;
use serde::Deserialize;
use uuid::Uuid;

use crate::AppState;
use crate::error::{AppError, ErrorCode};
use crate::extract::query::ApiQuery;
use crate::extract::signed_in::SignedIn;
use crate::i18n::Lang;
use crate::render::page::{Base, encode_component, group_digits, render};

const PER_PAGE: i64 = 50;

struct Row {
    at: String,
    reader: String,
    role: String,
    kind: String,
    subject: String,
    filter: String,
    rows: String,
    ip: String,
}

#[derive(Template)]
#[template(path = "read_log.html")]
struct ReadLogPage {
    base: Base,
    heading: String,
    org_picker: String,
    graduate: String,
    reader: String,
    kind: String,
    from: String,
    to: String,
    kinds: Vec<(String, String)>,
    summary: String,
    rows: Vec<Row>,
    prev_href: Option<String>,
    next_href: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct ReadLogQuery {
    org: Option<String>,
    graduate: Option<String>,
    reader: Option<String>,
    kind: Option<String>,
    from: Option<String>,
    to: Option<String>,
    page: Option<i64>,
}

pub async fn read_log_page(
    State(state): State<AppState>,
    lang: Lang,
    SignedIn(me): SignedIn,
    OriginalUri(uri): OriginalUri,
    ApiQuery(q): ApiQuery<ReadLogQuery>,
) -> Result<Response, AppError> {
    let base = Base::new(&state, lang, "read_log", &uri).signed_in(&me);
    let page = q.page.unwrap_or(1);
    if page < 1 {
        return Err(AppError::bad_request(ErrorCode::InvalidQuery, "页码应从 1 开始"));
    }
    let graduate = match q.graduate.as_deref().map(str::trim).filter(|g| !g.is_empty()) {
        Some(g) => Some(
            Uuid::parse_str(g).map_err(|_| AppError::bad_request(ErrorCode::InvalidQuery, "毕业生编号格式不正确"))?,
        ),
        None => None,
    };
    let filter = ReadLogFilter {
        org: q.org.clone(),
        graduate,
        reader: q.reader.clone(),
        kind: q.kind.clone(),
        from: q.from.clone(),
        to: q.to.clone(),
    };
    let (items, total) =
        read_log::search(state.store.as_ref(), &me.actor, filter, PER_PAGE, (page - 1) * PER_PAGE).await?;
    let href = |p: i64| {
        let mut s = format!("/read-log?page={p}");
        let fields = [
            ("org", &q.org),
            ("graduate", &q.graduate),
            ("reader", &q.reader),
            ("kind", &q.kind),
            ("from", &q.from),
            ("to", &q.to),
        ];
        for (k, v) in fields {
            if let Some(v) = v.as_deref().filter(|v| !v.is_empty()) {
                s.push_str(&format!("&{k}={}", encode_component(v)));
            }
        }
        s
    };
    let pages = (total + PER_PAGE - 1) / PER_PAGE;
    let rows = items
        .into_iter()
        .map(|e| Row {
            at: crate::render::time::local_datetime(e.at),
            role: match (e.reader_role.as_deref().and_then(Role::from_id), e.reader_path.as_deref()) {
                (Some(role), Some(path)) => {
                    format!("{} · {}", base.role_name(role), path.rsplit('/').next().unwrap_or(path))
                }
                _ => String::new(),
            },
            reader: e.reader_name,
            kind: ReadKind::from_id(&e.kind).map(|k| base.zh_en(k.zh(), k.id()).to_owned()).unwrap_or(e.kind),
            subject: match (e.subject_id, e.subject_path) {
                (Some(id), _) => id.to_string(),
                (None, Some(path)) => path,
                (None, None) => String::new(),
            },
            filter: e.filter.unwrap_or_default(),
            rows: e.row_count.map(group_digits).unwrap_or_default(),
            ip: e.ip.unwrap_or_default(),
        })
        .collect();
    let org_picker = crate::render::pickers::org_field(
        state.store.as_ref(),
        &base,
        &me.actor,
        &[jiuye_domain::access::Action::ViewReadLog],
        "r_org",
        "users.org",
        "picker.scope_all",
        q.org.as_deref().unwrap_or(""),
    )
    .await?;
    let view = ReadLogPage {
        org_picker,
        heading: base.t(if graduate.is_some() { "read_log.of_graduate" } else { "read_log.title" }).to_owned(),
        graduate: q.graduate.clone().unwrap_or_default(),
        reader: q.reader.clone().unwrap_or_default(),
        kind: q.kind.clone().unwrap_or_default(),
        from: q.from.clone().unwrap_or_default(),
        to: q.to.clone().unwrap_or_default(),
        kinds: ReadKind::ALL.iter().map(|k| (k.id().to_owned(), base.zh_en(k.zh(), k.id()).to_owned())).collect(),
        summary: base.t("read_log.count").replace("{n}", &group_digits(total)),
        rows,
        prev_href: (page > 1).then(|| href(page - 1)),
        next_href: (page < pages).then(|| href(page + 1)),
        base,
    };
    render(&view)
}
