//! Peers registered and removed by people: the administrators of the organisation this node
//! serves, from the federation page or the API (the server's shell does the same with
//! `jiuye federation peer ...`). The request's audit entry says what changed.

use jiuye_domain::access::{self, Action, Actor, Resource, ScopedGrant};
use jiuye_domain::codes::OrgCode;
use jiuye_domain::federation::PeerSpec;
use jiuye_store::Repository;

use super::{Peer, drop_peer, keep_peer, refused};
use crate::access::authorize;
use crate::error::{Error, ErrorCode};

/// A peer as a person asks for it: the fields of `jiuye federation peer add`, with `receive`
/// and `send` as comma-separated kinds (by relation when absent; blank is none).
#[derive(Clone, Debug, Default)]
pub struct PeerForm<'a> {
    pub org: &'a str,
    pub url: &'a str,
    pub key: &'a str,
    pub relation: &'a str,
    pub receive: Option<&'a str>,
    pub send: Option<&'a str>,
}

/// What registering did.
#[derive(Clone, Debug)]
pub struct Registered {
    pub peer: Peer,
    /// Not registered before (otherwise replaced).
    pub new: bool,
    /// The grant it was done under and what the audit log says of it.
    pub grant: ScopedGrant,
    pub detail: String,
}

/// The error of a node not set up for federation.
pub fn off() -> Error {
    Error::not_found(ErrorCode::FederationOff, "本节点尚未设置互联互通（jiuye federation init）")
}

/// The path of the organisation this node serves (the nation's when its code is not in the
/// tree here); `federation_off` before `jiuye federation init`.
async fn node_path(store: &dyn Repository) -> Result<String, Error> {
    let node = store.federation_node().await?.ok_or_else(off)?;
    let org = match OrgCode::parse(&node.org_code) {
        Ok(code) => store.org_by_code(&code).await?,
        Err(_) => None,
    };
    let org = match org {
        Some(o) => o,
        None => store.org_by_code(&OrgCode::nation()).await?.ok_or_else(off)?,
    };
    Ok(org.path)
}

/// The grant under which `actor` manages this node's peers (`forbidden` for anyone else, even
/// before the node is set up).
async fn manager(store: &dyn Repository, actor: &Actor) -> Result<ScopedGrant, Error> {
    if access::scope_paths(actor, Action::ManageFederation).is_empty() {
        return Err(Error::forbidden());
    }
    let path = node_path(store).await?;
    authorize(actor, Action::ManageFederation, &Resource::at(&path)).cloned()
}

/// Whether `actor` may register and remove this node's peers (the page shows its forms).
pub async fn may_manage(store: &dyn Repository, actor: &Actor) -> Result<bool, Error> {
    match manager(store, actor).await {
        Ok(_) => Ok(true),
        Err(e) if e.code == ErrorCode::Forbidden || e.code == ErrorCode::FederationOff => Ok(false),
        Err(e) => Err(e),
    }
}

/// Registers a peer, or replaces the one with the same code, as `actor`.
pub async fn register(store: &dyn Repository, actor: &Actor, form: &PeerForm<'_>) -> Result<Registered, Error> {
    let grant = manager(store, actor).await?;
    let spec = PeerSpec::parse(
        form.org.trim(),
        form.url.trim(),
        form.key.trim(),
        form.relation.trim(),
        form.receive.map(str::trim),
        form.send.map(str::trim),
    )
    .map_err(refused)?;
    let (new, detail) = keep_peer(store, &spec).await?;
    let peer = super::peers(store)
        .await?
        .into_iter()
        .find(|p| p.record.org_code == spec.org.as_str())
        .ok_or_else(|| Error::not_found(ErrorCode::PeerNotFound, "互联节点登记后未能读回，请重试"))?;
    Ok(Registered { peer, new, grant, detail })
}

/// Removes a peer as `actor`; its code and the grant it was done under.
pub async fn unregister(store: &dyn Repository, actor: &Actor, org: &str) -> Result<(String, ScopedGrant), Error> {
    let grant = manager(store, actor).await?;
    Ok((drop_peer(store, org).await?, grant))
}
