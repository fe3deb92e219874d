//! The web edge of jiuye: pages, the `/api/v1` JSON API, the OpenAPI document, health and
//! metrics. Thin by design: parse, (later: authorise), call the store, render. Business rules
//! belong in `jiuye-domain`; SQL belongs in `jiuye-store`.

use crate::error::ErrorCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use jiuye_domain::RefData;
use jiuye_store::Store;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tracing::Level;

pub mod api;
pub mod auth;
pub mod client_address;
pub mod error;
pub mod extract;
pub mod i18n;
pub mod metrics;
pub mod openapi;
pub mod pages;
pub mod render;
pub mod routes;

use error::{AppError, ErrorInfo};
use i18n::{Lang, Messages};

/// Settings of the web layer.
#[derive(Clone, Debug)]
pub struct WebSettings {
    /// Largest request body accepted, in bytes.
    pub body_limit: usize,
    /// Time after which a request is answered `408 request_timeout`.
    pub request_timeout: Duration,
    /// An organisation the home page points to (the demo province).
    pub featured_org: Option<String>,
    pub auth: auth::AuthSettings,
    /// Keys for sealing sensitive fields (TOTP secrets now; hardship and disability data later).
    pub keys: Arc<jiuye_security::seal::KeyRing>,
    /// Where uploaded evidence files are kept (outside anything served directly).
    pub evidence_dir: std::path::PathBuf,
    /// Where the posting search index is kept; `None` keeps it in memory (built on first use).
    pub search_dir: Option<std::path::PathBuf>,
    /// Open (and build or catch up) the search index in the background as soon as the
    /// application starts, rather than on the first search.
    pub search_warm: bool,
    /// Reuse the index's answer to a question asked again while the index is unchanged (for at
    /// most a minute).
    pub search_cache: bool,
    /// Searches computed at once; the others wait their turn, first come first served. 0 lets
    /// every search run at once.
    pub search_concurrency: usize,
    /// Send `Strict-Transport-Security` (the node's public address is https).
    pub hsts: bool,
    /// The read log's writer; `None` starts one with the default batching when the application
    /// is built (give one to flush it at shutdown, or `ReadLog::disabled()` to log nothing).
    pub read_log: Option<jiuye_app::read_log::ReadLog>,
    /// The screening rules postings are checked against.
    pub scam_rules: Arc<jiuye_app::safety::rules::RuleBook>,
    /// How often the rules file is checked for changes (reloaded and the open postings screened
    /// again when it changed); `None` checks only on an administrator's request.
    pub rules_watch: Option<Duration>,
    /// How often peers' feeds are read (`None`: only on an administrator's request).
    pub federation_pull: Option<Duration>,
    /// How often this node's figures are compared with those last reported upward (`None`:
    /// only on an administrator's request).
    pub federation_report: Option<Duration>,
    /// How often the search index takes in what other processes serving the same database
    /// wrote (`None`: only this process's own writes).
    pub search_follow: Option<Duration>,
}

impl WebSettings {
    /// Settings with the given key ring and defaults elsewhere.
    pub fn with_keys(keys: Arc<jiuye_security::seal::KeyRing>) -> WebSettings {
        WebSettings {
            body_limit: 1024 * 1024,
            request_timeout: Duration::from_secs(30),
            featured_org: None,
            auth: auth::AuthSettings::default(),
            keys,
            evidence_dir: std::env::temp_dir().join("jiuye-evidence"),
            search_dir: None,
            search_warm: false,
            search_cache: true,
            search_concurrency: 2 * std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
            hsts: false,
            read_log: None,
            scam_rules: Arc::new(jiuye_app::safety::rules::RuleBook::shipped()),
            rules_watch: None,
            federation_pull: None,
            federation_report: None,
            search_follow: None,
        }
    }
}

/// Shared state of every handler.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub refdata: Arc<RefData>,
    pub messages: Arc<Messages>,
    pub metrics: Arc<metrics::Metrics>,
    pub settings: Arc<WebSettings>,
    pub auth: Arc<auth::AuthContext>,
    /// The posting search index, built from the store on first use.
    pub search: Arc<api::search::SearchState>,
    /// Roster imports read and check whole workbooks (up to about a gigabyte of memory for a
    /// hostile one at every limit): at most two run at once; others wait their turn.
    pub imports: Arc<tokio::sync::Semaphore>,
    /// Where reads of personal data are logged (batched, apart from the audit chain).
    pub read_log: jiuye_app::read_log::ReadLog,
    /// The live fair halls this process serves.
    pub live: Arc<api::live::LiveState>,
    /// The postings matching draws from, in memory, caught up with the store on use.
    pub matching: Arc<jiuye_app::matching::pool::Pool>,
    openapi_json: Arc<String>,
}

impl AppState {
    /// Where the reads of `caller`'s request are logged.
    pub fn reads<'a>(&'a self, caller: &auth::Caller) -> jiuye_app::read_log::Reads<'a> {
        jiuye_app::read_log::Reads { log: &self.read_log, ip: caller.ip }
    }

    /// The posting use cases on this node, reading deadlines against today's local date.
    pub fn postings(&self) -> jiuye_app::postings::Postings<'_> {
        jiuye_app::postings::Postings {
            store: self.store.as_ref(),
            refdata: &self.refdata,
            index: &self.search.index,
            readers: &self.search.readers,
            today: crate::render::time::today(),
            rules: &self.settings.scam_rules,
        }
    }

    /// The rights-report use cases on this node, with today's local date.
    pub fn rights(&self) -> jiuye_app::safety::rights::Rights<'_> {
        jiuye_app::safety::rights::Rights {
            store: self.store.as_ref(),
            calendar: jiuye_domain::safety::workdays::Calendar::shipped(),
            today: crate::render::time::today(),
        }
    }

    /// The node's file directory (evidence, visit photos, résumés) with the keys that seal it.
    pub fn files(&self) -> jiuye_app::files::Files<'_> {
        jiuye_app::files::Files { dir: &self.settings.evidence_dir, keys: &self.settings.keys }
    }
}

/// Builds the whole application.
pub fn app(store: Store, refdata: Arc<RefData>, settings: WebSettings) -> Result<Router, String> {
    let messages = Arc::new(Messages::load()?);
    let (api_routes, openapi) = api::router().split_for_parts();
    let openapi_json = openapi::document(&openapi)?;
    let read_log = match &settings.read_log {
        Some(log) => log.clone(),
        None => jiuye_app::read_log::ReadLog::start(store.clone(), jiuye_app::read_log::WriterSettings::default()),
    };
    let hub = jiuye_app::live::Hub::new(store.clone());
    let state = AppState {
        read_log,
        store,
        refdata,
        messages,
        metrics: Arc::new(metrics::Metrics::default()),
        auth: Arc::new(auth::AuthContext::new(settings.auth.clone(), settings.keys.clone())),
        settings: Arc::new(settings.clone()),
        search: Arc::new(api::search::SearchState::default()),
        imports: Arc::new(tokio::sync::Semaphore::new(2)),
        live: Arc::new(api::live::LiveState { hub, limits: Default::default() }),
        matching: Arc::default(),
        openapi_json: Arc::new(openapi_json),
    };
    if settings.search_warm {
        let warm = state.clone();
        tokio::spawn(async move {
            if let Err(e) = api::search::index(&warm).await {
                tracing::error!(error = %e.message, "search index could not be opened");
            }
            api::search::prune_hourly(warm).await;
        });
    }
    if let Some(every) = settings.rules_watch {
        tokio::spawn(api::safety::watch_rules(state.clone(), every));
    }
    if let Some(every) = settings.federation_pull {
        tokio::spawn(api::federation_pull::run(state.clone(), every));
    }
    if let Some(every) = settings.search_follow {
        tokio::spawn(api::search_follow::run(state.clone(), every));
    }
    if let Some(every) = settings.federation_report {
        tokio::spawn(api::federation_report::run(state.clone(), every));
    }
    let (pages, _) = routes::pages();
    let csp = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; \
               frame-ancestors 'none'; base-uri 'self'; form-action 'self'";
    Ok(Router::new()
        .merge(pages)
        .merge(api_routes)
        .fallback(not_found)
        .layer(middleware::from_fn_with_state(state.clone(), auth::authenticate))
        .layer(TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, settings.request_timeout))
        .layer(axum::extract::DefaultBodyLimit::max(settings.body_limit))
        // The hard ceiling is the upload size; ordinary bodies are held to `body_limit` above.
        .layer(RequestBodyLimitLayer::new(settings.body_limit.max(jiuye_sheets::MAX_FILE_BYTES + 64 * 1024)))
        .layer(CatchPanicLayer::new())
        .layer(middleware::from_fn_with_state(state.clone(), shape_errors))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")))
        .layer(SetResponseHeaderLayer::if_not_present(header::REFERRER_POLICY, HeaderValue::from_static("same-origin")))
        .layer(SetResponseHeaderLayer::if_not_present(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(csp)))
        .layer(middleware::from_fn_with_state(state.clone(), response_headers))
        .layer(middleware::from_fn_with_state(state.clone(), record_metrics))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(request_span)
                .on_response(DefaultOnResponse::new().level(Level::INFO)),
        )
        .with_state(state))
}

/// The log span of a request: method, path and query, with secrets in the query (the CSRF token
/// that upload forms carry in their address, any `token`) replaced by `***`.
fn request_span(req: &Request<Body>) -> tracing::Span {
    let uri = req.uri();
    let query = uri.query().map(redact_query);
    tracing::info_span!("request", method = %req.method(), path = %uri.path(), query = query.as_deref().unwrap_or(""))
}

/// A query string with the values of secret-bearing parameters replaced by `***`.
pub fn redact_query(query: &str) -> String {
    query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((k, _)) if matches!(k, "csrf" | "token" | "password") => format!("{k}=***"),
            _ => pair.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// Headers every response gets: `Cache-Control: no-store` unless the handler chose otherwise
/// (pages and answers carry personal data: records, résumés, evidence; only the stylesheet is
/// cacheable), and `Strict-Transport-Security` when the node is served over https.
async fn response_headers(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let mut res = next.run(req).await;
    let headers = res.headers_mut();
    if !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    if state.settings.hsts {
        headers
            .insert(header::STRICT_TRANSPORT_SECURITY, HeaderValue::from_static("max-age=31536000; includeSubDomains"));
    }
    res
}

async fn not_found() -> AppError {
    AppError::not_found(ErrorCode::NotFound, "找不到请求的地址")
}

/// Paths answered to programs (JSON errors), not to people (error pages): the API, the
/// federation protocol, health and metrics.
fn for_machines(path: &str) -> bool {
    path.starts_with("/api/") || path.starts_with("/federation/") || path == "/healthz" || path == "/metrics"
}

/// Makes every error look the same: JSON `{error, message}` under `/api/` and for
/// `/healthz`/`/metrics`, a page in the person's language elsewhere. Also covers errors made
/// outside the handlers (unknown route, wrong method, body too large, timeout, panic).
async fn shape_errors(State(state): State<AppState>, lang: Lang, req: Request, next: Next) -> Response {
    let uri = req.uri().clone();
    let referer = req.headers().get(header::REFERER).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let res = next.run(req).await;
    let status = res.status();
    if status.as_u16() < 400 {
        return res;
    }
    let info = res.extensions().get::<ErrorInfo>().cloned();
    let machine = for_machines(uri.path());
    if machine && info.is_some() {
        // Already in our error shape (possibly with more detail, such as every bad row).
        return res;
    }
    let is_html = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("text/html"));
    if !machine && is_html {
        // A page that already explains the problem in place (a form shown again with its errors).
        return res;
    }
    let err = match info {
        Some(i) => AppError::new(status, i.code, i.message),
        None => AppError::for_status(status),
    };
    if status.is_server_error() && err.code == ErrorCode::InternalError {
        tracing::error!(%status, path = %uri.path(), "request failed");
    }
    let machine = for_machines(uri.path());
    let allow = res.headers().get(header::ALLOW).cloned();
    let caller = res.extensions().get::<auth::MaybeCaller>().cloned().unwrap_or_default();
    let mut shaped = if machine {
        err.into_response()
    } else {
        render::page::error_page(&state, lang, &uri, &err, &caller, referer.as_deref())
    };
    if let Some(allow) = allow {
        // A 405 names the methods the address does take.
        shaped.headers_mut().insert(header::ALLOW, allow);
    }
    shaped
}

async fn record_metrics(State(state): State<AppState>, req: Request<Body>, next: Next) -> Response {
    let start = Instant::now();
    let method = req.method().as_str().to_owned();
    let route = req.extensions().get::<MatchedPath>().map(|p| p.as_str().to_owned());
    let res = next.run(req).await;
    let route = route.unwrap_or_else(|| "unmatched".to_owned());
    state.metrics.record(&method, &route, res.status().as_u16(), start.elapsed());
    res
}
