//! Organisations (组织机构): finding a node of the tree by its code, its place in the tree (parent,
//! ancestors, children with their counts, alliances) and searching by name or code. Readable by
//! anyone: the tree and its counts are public.

use jiuye_domain::{Org, OrgCode, OrgCounts, OrgKind, OrgWithCounts, RegionCode};
use jiuye_store::{OrgQuery, Repository};

use crate::{Error, ErrorCode};

/// An organisation code as typed, or `400 invalid_org_code`.
pub fn parse_code(raw: &str) -> Result<OrgCode, Error> {
    OrgCode::parse(raw)
        .map_err(|e| Error::bad_input(ErrorCode::InvalidOrgCode, format!("组织机构代码“{raw}”无效：{}", e.reason)))
}

/// The organisation with the code as typed: `400 invalid_org_code` when malformed,
/// `404 org_not_found` when unknown.
pub async fn by_code(store: &dyn Repository, raw: &str) -> Result<Org, Error> {
    let code = parse_code(raw)?;
    store
        .org_by_code(&code)
        .await?
        .ok_or_else(|| Error::not_found(ErrorCode::OrgNotFound, format!("找不到代码为 {code} 的组织机构")))
}

/// A node with its place in the tree.
#[derive(Clone, Debug)]
pub struct Place {
    pub org: Org,
    pub counts: OrgCounts,
    /// From the nation down to the parent.
    pub ancestors: Vec<Org>,
    /// Direct children (an alliance's member universities) with their counts.
    pub children: Vec<OrgWithCounts>,
    /// Alliances the node belongs to or that sit under it.
    pub alliances: Vec<Org>,
}

impl Place {
    pub fn parent(&self) -> Option<&Org> {
        self.ancestors.last()
    }
    /// The province the node belongs to (itself for a province; none for the nation).
    pub fn province(&self) -> Option<&Org> {
        if self.org.kind == OrgKind::Province {
            Some(&self.org)
        } else {
            self.ancestors.iter().find(|a| a.kind == OrgKind::Province)
        }
    }
}

/// The node with the code as typed and its place in the tree.
pub async fn place(store: &dyn Repository, raw: &str) -> Result<Place, Error> {
    let org = by_code(store, raw).await?;
    let ancestors = store.org_ancestors(&org).await?;
    let counts = store.org_counts(&org).await?;
    let children = store.org_children(&org).await?;
    let alliances = store.alliances_of(org.id).await?;
    Ok(Place { org, counts, ancestors, children, alliances })
}

/// Organisations whose name contains or whose code starts with `query.q`, by kind and province.
/// The province must be a province-level code (`400 invalid_query`).
pub async fn search(store: &dyn Repository, query: &OrgQuery) -> Result<(Vec<Org>, i64), Error> {
    if let Some(prov) = &query.province_code
        && !RegionCode::parse(prov).is_ok_and(|r| r.is_province())
    {
        return Err(Error::bad_input(ErrorCode::InvalidQuery, format!("province “{prov}” 不是省级行政区划代码")));
    }
    Ok(store.search_orgs(query).await?)
}
