//! The frame every page shares (`Base`: language, navigation, the signed-in person), rendering a
//! template into a response, the error page, the sign-in redirect and small text helpers.

use crate::AppState;
use crate::auth::{Caller, MaybeCaller};
use crate::error::AppError;
use crate::error::ErrorCode;
use crate::i18n::{Lang, Messages};
use crate::render::nav::Nav;
use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use jiuye_domain::access::{self, Action, Role};
use std::sync::Arc;

/// What every page needs: language, messages, which nav section is current, the current URL,
/// and who is signed in.
pub struct Base {
    pub lang: Lang,
    messages: Arc<Messages>,
    pub section: &'static str,
    /// The current path and query, percent-encoded for use as a `next=` value.
    pub path_encoded: String,
    /// Signed in: (name shown, CSRF token for forms).
    pub me: Option<(String, String)>,
    pub can_manage: bool,
    pub can_audit: bool,
    pub can_read_log: bool,
    pub can_stats: bool,
    pub can_import: bool,
    pub can_graduates: bool,
    pub is_graduate: bool,
    /// The menu by task of whoever is signed in (a visitor's when nobody is).
    pub nav: Nav,
    /// The current path, without the query.
    path: String,
}

impl Base {
    pub fn new(state: &AppState, lang: Lang, section: &'static str, uri: &axum::http::Uri) -> Base {
        let path = uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
        Base {
            lang,
            messages: state.messages.clone(),
            section,
            path_encoded: encode_component(path),
            me: None,
            can_manage: false,
            can_audit: false,
            can_read_log: false,
            can_stats: false,
            can_import: false,
            can_graduates: false,
            is_graduate: false,
            nav: Nav::new(None, uri.path()),
            path: uri.path().to_owned(),
        }
    }

    /// Adds the signed-in person, if any (header, navigation, CSRF token).
    pub fn with_caller(self, caller: &MaybeCaller) -> Base {
        match caller.0.as_deref() {
            Some(c) => self.signed_in(c),
            None => self,
        }
    }

    /// Adds the signed-in person (header, navigation, CSRF token).
    pub fn signed_in(mut self, c: &Caller) -> Base {
        self.me = Some((c.user.username.clone(), c.csrf_token().unwrap_or("").to_owned()));
        self.can_manage = !access::scope_paths(&c.actor, Action::ViewUsers).is_empty();
        self.can_audit = !access::scope_paths(&c.actor, Action::ViewAudit).is_empty();
        self.can_read_log = jiuye_app::read_log::may_search(&c.actor);
        self.can_stats = !access::scope_paths(&c.actor, Action::ViewStatistics).is_empty();
        self.can_import = !access::scope_paths(&c.actor, Action::ManageGraduates).is_empty();
        self.can_graduates = !access::scope_paths(&c.actor, Action::ViewGraduate).is_empty();
        self.is_graduate = jiuye_domain::access::holds(&c.actor, Role::Graduate);
        self.nav = Nav::new(Some(&c.actor), &self.path);
        self
    }

    /// Whether the person may follow a link to `href` (see [`Nav::allows`]): templates show a
    /// link only where it answers 200, plain text elsewhere.
    pub fn may(&self, href: &str) -> bool {
        self.nav.allows(href)
    }

    /// The CSRF token for forms of the signed-in person.
    pub fn csrf(&self) -> &str {
        self.me.as_ref().map(|m| m.1.as_str()).unwrap_or("")
    }

    /// Every key of a message section with its text, by key.
    pub fn section(&self, section: &str) -> Vec<(String, String)> {
        self.messages.section(self.lang, section)
    }

    pub fn t<'a>(&'a self, key: &'a str) -> &'a str {
        self.messages.get(self.lang, key)
    }

    pub fn role_name(&self, r: Role) -> String {
        self.zh_en(r.zh(), r.en()).to_owned()
    }

    pub(crate) fn zh_en<'a>(&self, zh: &'a str, en: &'a str) -> &'a str {
        if self.lang == Lang::Zh { zh } else { en }
    }
}

/// Percent-encodes everything but unreserved characters and `/`.
/// Sends someone not signed in to the login page, coming back here afterwards.
pub(crate) fn login_redirect(uri: &axum::http::Uri) -> Response {
    let next = uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
    axum::response::Redirect::to(&format!("/login?next={}", encode_component(next))).into_response()
}

/// The same-origin path (with its query) that `next` names, or `None` when it names anything
/// else. The value is parsed as a browser would (tabs and line breaks dropped, backslashes read
/// as slashes, dot segments resolved) against a placeholder origin, and only a target that stays
/// on that origin is kept; what is returned is rebuilt from the parsed path and query, so it can
/// never start with `//` or carry a scheme. Never an open redirect.
pub fn local_target(next: Option<&str>) -> Option<String> {
    const ORIGIN: &str = "http://jiuye.invalid/";
    let next = next?;
    if !next.starts_with('/') || next.chars().any(|c| c.is_control() || c == '\\') {
        return None;
    }
    let base = url::Url::parse(ORIGIN).ok()?;
    let parsed = base.join(next).ok()?;
    if parsed.origin() != base.origin() || !parsed.username().is_empty() || parsed.password().is_some() {
        return None;
    }
    let path = parsed.path();
    if !path.starts_with('/') || path.starts_with("//") {
        return None;
    }
    Some(match parsed.query() {
        Some(q) => format!("{path}?{q}"),
        None => path.to_owned(),
    })
}

pub fn encode_component(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~' | b'/') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// 20000 → "20,000".
pub fn group_digits(n: i64) -> String {
    let s = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 { format!("-{out}") } else { out }
}

pub(crate) fn render(t: &impl Template) -> Result<Response, AppError> {
    match t.render() {
        Ok(html) => Ok(Html(html).into_response()),
        Err(e) => {
            tracing::error!(error = %e, "template failed");
            Err(AppError::new(StatusCode::INTERNAL_SERVER_ERROR, ErrorCode::InternalError, "页面生成失败，已记录"))
        }
    }
}

#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage {
    pub base: Base,
    pub heading: String,
    pub message: String,
    pub code: String,
    /// Where the person came from (same origin only), for "back to the previous page".
    pub back: Option<String>,
    /// For a 401: the sign-in page, coming back here afterwards.
    pub sign_in: Option<String>,
}

/// The heading of an error page: what happened, in the person's words.
fn error_heading(status: u16) -> &'static str {
    match status {
        401 => "error.title_401",
        403 => "error.title_403",
        404 => "error.not_found",
        405 => "error.title_405",
        408 => "error.title_408",
        409 => "error.title_409",
        413 => "error.title_413",
        422 => "error.title_422",
        429 => "error.title_429",
        400..=499 => "error.bad_request",
        _ => "error.server",
    }
}

/// Renders an error as a page in the person's language, in the signed-in layout when someone
/// is signed in (`caller`), with a way back: home, and the page they came from (`referer`,
/// kept only when it is of this site).
pub fn error_page(
    state: &AppState,
    lang: Lang,
    uri: &axum::http::Uri,
    err: &AppError,
    caller: &MaybeCaller,
    referer: Option<&str>,
) -> Response {
    let base = Base::new(state, lang, "", uri).with_caller(caller);
    let status = err.status.as_u16();
    let heading = base.t(error_heading(status)).to_owned();
    let here = uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
    let back = referer.and_then(same_site_path).filter(|b| b != here);
    let sign_in = (status == 401 && caller.0.is_none()).then(|| format!("/login?next={}", encode_component(here)));
    let page =
        ErrorPage { heading, message: err.message.clone(), code: err.code.as_str().to_owned(), back, sign_in, base };
    match page.render() {
        Ok(html) => (err.status, Html(html)).into_response(),
        Err(_) => (err.status, err.message.clone()).into_response(),
    }
}

/// The path and query of a `Referer` that names a page of this site (any host: the header is
/// the browser's, and only the path is used), or `None`.
fn same_site_path(referer: &str) -> Option<String> {
    let rest = referer.split_once("://").map(|(_, r)| r)?;
    let path = rest.find('/').map(|i| &rest[i..]).unwrap_or("/");
    local_target(Some(path))
}
