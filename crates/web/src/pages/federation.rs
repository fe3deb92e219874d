//! The federation page (互联节点): this node's code, address and public key, and each peer
//! with its relation, what it sends and receives, and how far reading its feed and pushing to
//! its inbox have come. Set-up stays in the server's shell (`jiuye federation ...`).

use askama::Template;
use axum::extract::{OriginalUri, State};
use axum::response::Response;
use jiuye_domain::federation::Kind;

use crate::AppState;
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

#[derive(Template)]
#[template(path = "federation.html")]
struct FederationPage {
    base: Base,
    /// (code, address, public key), when set up.
    node: Option<(String, String, String)>,
    head: String,
    peers: Vec<PeerRow>,
}

fn kinds(base: &Base, list: &[Kind]) -> String {
    list.iter().map(|k| base.zh_en(k.zh(), k.id())).collect::<Vec<_>>().join("、")
}

pub async fn federation_page(
    State(state): State<AppState>,
    lang: Lang,
    SignedIn(me): SignedIn,
    OriginalUri(uri): OriginalUri,
) -> Result<Response, AppError> {
    let base = Base::new(&state, lang, "federation", &uri).signed_in(&me);
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
    let page =
        FederationPage { node: node.map(|n| (n.org_code, n.base_url, key)), head: group_digits(head), peers, base };
    render(&page)
}
