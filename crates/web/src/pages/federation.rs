//! The federation page (互联节点): this node's code, address and public key, and each peer
//! with its relation, what it sends and receives, and how far reading its feed and pushing to
//! its inbox have come. The administrators of the organisation the node serves register and
//! remove peers here; the node itself is set up from the server's shell (`jiuye federation
//! init`).

use askama::Template;
use axum::extract::{OriginalUri, Path, State};
use axum::http::Uri;
use axum::response::{IntoResponse, Redirect, Response};
use jiuye_app::federation::peers::{self, PeerForm};
use jiuye_domain::federation::{Kind, Relation};

use crate::AppState;
use crate::auth::{AuditEvent, Caller, audited};
use crate::error::AppError;
use crate::extract::signed_in::SignedIn;
use crate::i18n::Lang;
use crate::render::page::{Base, group_digits, render};

struct PeerRow {
    org: String,
    relation: String,
    url: String,
    receives: String,
    sends: String,
    read: String,
    pushed: String,
    applied: String,
    failures: String,
    last_success: String,
    last_error: String,
}

/// The registration form as last filled in.
#[derive(Default)]
struct Filled {
    org: String,
    url: String,
    key: String,
    relation: String,
    receive: Vec<String>,
    send: Vec<String>,
}

#[derive(Template)]
#[template(path = "federation.html")]
struct FederationPage {
    base: Base,
    /// (code, address, public key), when set up.
    node: Option<(String, String, String)>,
    head: String,
    peers: Vec<PeerRow>,
    /// The caller registers and removes peers.
    manage: bool,
    form: Filled,
    /// (id, label) of each relation and each kind.
    relations: Vec<(&'static str, String)>,
    kinds: Vec<(&'static str, String)>,
    notice: Option<&'static str>,
    error: Option<String>,
}

fn kinds(base: &Base, list: &[Kind]) -> String {
    list.iter().map(|k| base.zh_en(k.zh(), k.id())).collect::<Vec<_>>().join("、")
}

#[derive(Debug, serde::Deserialize)]
pub struct DoneQuery {
    done: Option<String>,
}

pub async fn federation_page(
    State(state): State<AppState>,
    lang: Lang,
    SignedIn(me): SignedIn,
    OriginalUri(uri): OriginalUri,
    axum::extract::Query(q): axum::extract::Query<DoneQuery>,
) -> Result<Response, AppError> {
    let notice = match q.done.as_deref() {
        Some("added") => Some("federation.done_added"),
        Some("removed") => Some("federation.done_removed"),
        _ => None,
    };
    page(&state, lang, &me, &uri, Filled::default(), notice, None).await
}

async fn page(
    state: &AppState,
    lang: Lang,
    me: &Caller,
    uri: &Uri,
    form: Filled,
    notice: Option<&'static str>,
    error: Option<String>,
) -> Result<Response, AppError> {
    let base = Base::new(state, lang, "federation", uri).signed_in(me);
    let (node, head, peers) = jiuye_app::federation::overview(state.store.as_ref(), &me.actor).await?;
    let key = state.settings.keys.node_key().map(|k| k.public()).unwrap_or_default();
    let never = base.t("federation.never").to_owned();
    let time =
        |t: Option<chrono::DateTime<chrono::Utc>>| t.map_or_else(|| never.clone(), crate::render::time::local_datetime);
    let peers = peers
        .iter()
        .map(|p| {
            let c = p.cursor.clone().unwrap_or_default();
            let push = p.push.clone().unwrap_or_default();
            let errors: Vec<String> = [c.last_error.clone(), push.last_error.clone()].into_iter().flatten().collect();
            PeerRow {
                org: p.peer.record.org_code.clone(),
                relation: p.peer.relation.map_or("?", |r| base.zh_en(r.label(), r.id())).to_owned(),
                url: p.peer.record.base_url.clone(),
                receives: kinds(&base, &p.peer.receive),
                sends: kinds(&base, &p.peer.send),
                read: format!("{}（{}）", group_digits(c.after_seq), group_digits(p.lag())),
                pushed: format!("{}（{}）", group_digits(push.after_seq), group_digits(p.push_lag(head))),
                applied: format!(
                    "{} / {}",
                    group_digits(c.applied + push.applied),
                    group_digits(c.refused + push.refused)
                ),
                failures: format!("{} / {}", c.failures, push.failures),
                last_success: time(c.last_success_at.max(push.last_success_at)),
                last_error: errors.join("；"),
            }
        })
        .collect();
    let manage = peers::may_manage(state.store.as_ref(), &me.actor).await?;
    let relations = [Relation::Parent, Relation::Child, Relation::Sibling]
        .into_iter()
        .map(|r| (r.id(), base.zh_en(r.label(), r.id()).to_owned()))
        .collect();
    let kinds = Kind::ALL.into_iter().map(|k| (k.id(), base.zh_en(k.zh(), k.id()).to_owned())).collect();
    let page = FederationPage {
        node: node.map(|n| (n.org_code, n.base_url, key)),
        head: group_digits(head),
        peers,
        manage,
        form,
        relations,
        kinds,
        notice,
        error,
        base,
    };
    render(&page)
}

/// Registers a peer from the page; a refused one comes back with its message and the form as
/// filled in.
pub async fn peer_add_submit(
    State(state): State<AppState>,
    lang: Lang,
    SignedIn(me): SignedIn,
    OriginalUri(uri): OriginalUri,
    axum::Form(pairs): axum::Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let one = |name: &str| pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()).unwrap_or_default();
    let many = |name: &str| pairs.iter().filter(|(k, _)| k == name).map(|(_, v)| v.clone()).collect::<Vec<_>>();
    let filled = Filled {
        org: one("org"),
        url: one("url"),
        key: one("key"),
        relation: one("relation"),
        receive: many("receive"),
        send: many("send"),
    };
    // Nothing ticked: what the relation implies.
    let receive = (!filled.receive.is_empty()).then(|| filled.receive.join(","));
    let send = (!filled.send.is_empty()).then(|| filled.send.join(","));
    let form = PeerForm {
        org: &filled.org,
        url: &filled.url,
        key: &filled.key,
        relation: &filled.relation,
        receive: receive.as_deref(),
        send: send.as_deref(),
    };
    let event = AuditEvent::new("federation_peer_add").target(filled.org.trim().to_owned(), None);
    match peers::register(state.store.as_ref(), &me.actor, &form).await {
        Ok(r) => Ok(event
            .by(&r.grant)
            .detail(r.detail)
            .attach(Redirect::to("/federation?done=added#h-peers").into_response())),
        Err(e) if e.kind == jiuye_app::ErrorKind::BadInput => {
            let message = e.message.clone();
            let res = page(&state, lang, &me, &uri, filled, None, Some(message)).await?;
            Ok(event.result(e.code.as_str()).attach(res))
        }
        Err(e) => Ok(audited(event, Err(e.into()))),
    }
}

/// Removes a peer from the page.
pub async fn peer_remove_submit(
    State(state): State<AppState>,
    SignedIn(me): SignedIn,
    Path(org): Path<String>,
) -> Result<Response, AppError> {
    let event = AuditEvent::new("federation_peer_remove").target(org.trim().to_owned(), None);
    match peers::unregister(state.store.as_ref(), &me.actor, &org).await {
        Ok((org, grant)) => Ok(event
            .by(&grant)
            .detail(format!("删除互联节点 {org}"))
            .attach(Redirect::to("/federation?done=removed#h-peers").into_response())),
        Err(e) => Ok(audited(event, Err(e.into()))),
    }
}
