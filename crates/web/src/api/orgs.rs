//! Organisations over JSON: one node with its place in the tree, and search by name or code
//! (the use cases are in `jiuye_app::orgs`).

use crate::AppState;
use crate::error::{AppError, ErrorBody};
use crate::extract::page::{Page, PageParams};
use crate::extract::query::ApiQuery;
use axum::Json;
use axum::extract::{Path, State};
use jiuye_domain::{Org, OrgKind, OrgWithCounts};
use jiuye_store::OrgQuery;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// The kind of an organisation node.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum OrgKindDto {
    Nation,
    Province,
    University,
    College,
    Programme,
    Alliance,
}

impl From<OrgKind> for OrgKindDto {
    fn from(k: OrgKind) -> Self {
        match k {
            OrgKind::Nation => OrgKindDto::Nation,
            OrgKind::Province => OrgKindDto::Province,
            OrgKind::University => OrgKindDto::University,
            OrgKind::College => OrgKindDto::College,
            OrgKind::Programme => OrgKindDto::Programme,
            OrgKind::Alliance => OrgKindDto::Alliance,
        }
    }
}

impl From<OrgKindDto> for OrgKind {
    fn from(k: OrgKindDto) -> Self {
        match k {
            OrgKindDto::Nation => OrgKind::Nation,
            OrgKindDto::Province => OrgKind::Province,
            OrgKindDto::University => OrgKind::University,
            OrgKindDto::College => OrgKind::College,
            OrgKindDto::Programme => OrgKind::Programme,
            OrgKindDto::Alliance => OrgKind::Alliance,
        }
    }
}

/// A reference to an organisation.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrgRef {
    #[schema(example = "510000")]
    pub code: String,
    #[schema(example = "四川省")]
    pub name: String,
    pub kind: OrgKindDto,
}

impl From<&Org> for OrgRef {
    fn from(o: &Org) -> Self {
        OrgRef { code: o.code.to_string(), name: o.name.clone(), kind: o.kind.into() }
    }
}

/// Headcounts below a node.
#[derive(Debug, Serialize, ToSchema)]
pub struct CountsDto {
    /// Direct children in the tree (for an alliance: member universities).
    pub children: i64,
    /// Graduates anywhere below the node, all cohorts.
    pub graduates: i64,
}

/// An organisation with its attributes and counts.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrgSummary {
    pub id: Uuid,
    #[schema(example = "4151010610")]
    pub code: String,
    pub kind: OrgKindDto,
    #[schema(example = "四川大学")]
    pub name: String,
    /// Codes from the nation down to this node, joined by `/`.
    #[schema(example = "CN/510000/4151010610")]
    pub path: String,
    /// Province-level GB/T 2260 code (none for the nation and national alliances).
    #[schema(example = "510000")]
    pub province_code: Option<String>,
    /// Universities: `undergraduate` (本科) or `vocational` (高职专科).
    pub school_level: Option<String>,
    /// Universities: 新建本科.
    pub newly_built: Option<bool>,
    /// Universities: 民办.
    pub private: Option<bool>,
    /// Universities: 主管部门.
    pub authority: Option<String>,
    /// GB/T 2260 code of the location.
    pub region_code: Option<String>,
    /// Programmes: the catalogue major code.
    pub major_code: Option<String>,
    /// The node the record was created on.
    pub origin_node: Uuid,
    pub version: i64,
    pub counts: CountsDto,
}

impl OrgSummary {
    fn new(o: &Org, counts: &jiuye_domain::OrgCounts) -> OrgSummary {
        let uni = o.kind == OrgKind::University;
        OrgSummary {
            id: o.id,
            code: o.code.to_string(),
            kind: o.kind.into(),
            name: o.name.clone(),
            path: o.path.clone(),
            province_code: o.province_code.clone(),
            school_level: o.school_level.map(|l| l.id().to_owned()),
            newly_built: uni.then_some(o.newly_built),
            private: uni.then_some(o.private),
            authority: o.authority.clone(),
            region_code: o.region_code.clone(),
            major_code: o.major_code.clone(),
            origin_node: o.origin_node,
            version: o.version,
            counts: CountsDto { children: counts.children, graduates: counts.graduates },
        }
    }
}

/// An organisation with its place in the tree and its children.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrgDetail {
    #[serde(flatten)]
    pub org: OrgSummary,
    /// The parent node (none for the nation).
    pub parent: Option<OrgRef>,
    /// The province the node belongs to (none for the nation).
    pub province: Option<OrgRef>,
    /// From the nation down to the parent.
    pub ancestors: Vec<OrgRef>,
    /// Direct children with their counts (alliance: member universities).
    pub children: Vec<OrgSummary>,
    /// Alliances the node belongs to or that sit under it.
    pub alliances: Vec<OrgRef>,
}

/// Loads an organisation with everything its page and its API answer show.
pub(crate) async fn load_org(state: &AppState, raw: &str) -> Result<(Org, OrgDetail), AppError> {
    let place = jiuye_app::orgs::place(state.store.as_ref(), raw).await?;
    let detail = OrgDetail {
        org: OrgSummary::new(&place.org, &place.counts),
        parent: place.parent().map(OrgRef::from),
        province: place.province().map(OrgRef::from),
        ancestors: place.ancestors.iter().map(OrgRef::from).collect(),
        children: place.children.iter().map(|OrgWithCounts { org, counts }| OrgSummary::new(org, counts)).collect(),
        alliances: place.alliances.iter().map(OrgRef::from).collect(),
    };
    Ok((place.org, detail))
}

/// One organisation: attributes, counts, ancestors, children and alliances.
#[utoipa::path(
    get,
    path = "/api/v1/orgs/{code}",
    tag = "organisations",
    params(("code" = String, Path, description = "Organisation code: `CN`, a province code (510000), a school code (4151010610), a college (4151010610-01), a programme (4151010610-01-080901) or an alliance (AL5101)")),
    responses(
        (status = 200, description = "The organisation", body = OrgDetail),
        (status = 400, description = "Malformed code (`invalid_org_code`)", body = ErrorBody),
        (status = 404, description = "No such organisation (`org_not_found`)", body = ErrorBody),
    )
)]
pub async fn get_org(State(state): State<AppState>, Path(code): Path<String>) -> Result<Json<OrgDetail>, AppError> {
    Ok(Json(load_org(&state, &code).await?.1))
}

/// Filters for the organisation search.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OrgListParams {
    /// Name contains, or code starts with.
    pub q: Option<String>,
    pub kind: Option<OrgKindDto>,
    /// Province-level code, e.g. 510000.
    pub province: Option<String>,
}

/// An organisation in a list.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrgListItem {
    pub code: String,
    pub name: String,
    pub kind: OrgKindDto,
    pub province_code: Option<String>,
    pub school_level: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OrgList {
    pub total: i64,
    pub limit: i64,
    pub offset: i64,
    pub items: Vec<OrgListItem>,
}

/// Searches organisations by name or code, optionally by kind and province.
#[utoipa::path(
    get,
    path = "/api/v1/orgs",
    tag = "organisations",
    params(OrgListParams, PageParams),
    responses(
        (status = 200, description = "Matching organisations, by code", body = OrgList),
        (status = 400, description = "Bad filter (`invalid_query`)", body = ErrorBody),
    )
)]
pub async fn list_orgs(
    State(state): State<AppState>,
    ApiQuery(p): ApiQuery<OrgListParams>,
    page: Page,
) -> Result<Json<OrgList>, AppError> {
    let Page { limit, offset } = page;
    let (orgs, total) = jiuye_app::orgs::search(
        state.store.as_ref(),
        &OrgQuery { q: p.q, kind: p.kind.map(Into::into), province_code: p.province, limit, offset },
    )
    .await?;
    Ok(Json(OrgList {
        total,
        limit,
        offset,
        items: orgs
            .iter()
            .map(|o| OrgListItem {
                code: o.code.to_string(),
                name: o.name.clone(),
                kind: o.kind.into(),
                province_code: o.province_code.clone(),
                school_level: o.school_level.map(|l| l.id().to_owned()),
            })
            .collect(),
    }))
}
