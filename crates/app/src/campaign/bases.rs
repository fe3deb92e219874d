//! The internship and practice base registry (就业实习实践基地): bases a university, college or
//! programme agreed with an employer. Registering and removing a base is `Action::LogVisit` on
//! its unit (the people who visit employers agree bases); reading adds those who see the unit's
//! statistics.

use chrono::NaiveDate;
use jiuye_domain::Org;
use jiuye_domain::access::{Action, Actor, Resource};
use jiuye_store::Repository;
use jiuye_store::campaign::{BaseRecord, BaseRow};
use uuid::Uuid;

use super::{refused, university_of, usable_employer};
use crate::access::authorize;
use crate::{Error, ErrorCode, ErrorKind};

/// Kinds of base, with their Chinese names.
pub const BASE_KINDS: &[(&str, &str)] =
    &[("internship", "实习基地"), ("practice", "实践基地"), ("employment", "就业基地")];

/// A base as submitted.
#[derive(Clone, Debug, Default)]
pub struct BaseInput {
    /// The university, college or programme code the base belongs to.
    pub unit: String,
    /// The employer's 统一社会信用代码 (in the directory, not blacklisted).
    pub employer: String,
    /// Defaults to "<employer>实习实践基地".
    pub name: Option<String>,
    /// `internship`, `practice` or `employment`.
    pub kind: String,
    /// Places per year (0–100000).
    pub capacity: i64,
    /// YYYY-MM-DD the agreement starts.
    pub start_date: String,
    pub end_date: Option<String>,
    /// Programme codes inside `unit` the base serves.
    pub programmes: Vec<String>,
    pub notes: Option<String>,
}

/// A registered base with the codes of the programmes it serves.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Base {
    pub row: BaseRow,
    pub programmes: Vec<String>,
}

/// A row with its programmes' codes, looking each programme up once.
async fn shown(
    store: &dyn Repository,
    codes: &mut std::collections::HashMap<Uuid, Option<String>>,
    row: BaseRow,
) -> Result<Base, Error> {
    let mut programmes = Vec::new();
    for id in &row.base.programmes {
        if !codes.contains_key(id) {
            codes.insert(*id, store.org_by_id(*id).await?.map(|o| o.code.to_string()));
        }
        programmes.extend(codes.get(id).cloned().flatten());
    }
    Ok(Base { row, programmes })
}

fn date(field: &str, s: &str) -> Result<NaiveDate, Error> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
        .map_err(|_| refused(ErrorCode::InvalidDate, format!("{field}“{}”应为 YYYY-MM-DD", s.trim())))
}

/// Registers a base for a unit inside the actor's scope; `409 base_exists` when the unit
/// already has a base of this kind with this employer.
pub async fn register(store: &dyn Repository, actor: &Actor, input: &BaseInput) -> Result<Base, Error> {
    let unit = super::unit(store, &input.unit).await?;
    authorize(actor, Action::LogVisit, &Resource::at(&unit.path))?;
    let university =
        university_of(store, &unit).await?.ok_or_else(|| refused(ErrorCode::InvalidUnit, "该单位不属于任何高校"))?;
    let employer = usable_employer(store, &input.employer).await?;
    let kind = input.kind.trim();
    if !BASE_KINDS.iter().any(|(k, _)| *k == kind) {
        return Err(refused(
            ErrorCode::InvalidKind,
            "基地类型应为 internship（实习）、practice（实践）或 employment（就业）",
        ));
    }
    if !(0..=100_000).contains(&input.capacity) {
        return Err(refused(ErrorCode::InvalidCapacity, "每年可接收人数应在 0 到 100000 之间"));
    }
    let start = date("开始日期", &input.start_date)?;
    let end = match input.end_date.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(e) => Some(date("结束日期", e)?),
        None => None,
    };
    if end.is_some_and(|e| e < start) {
        return Err(refused(ErrorCode::InvalidDate, "结束日期不能早于开始日期"));
    }
    let programmes = super::programmes_inside(store, &unit, &input.programmes).await?;
    let name = match input.name.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(n) if n.chars().count() <= 100 => n.to_owned(),
        Some(_) => return Err(refused(ErrorCode::InvalidName, "基地名称不超过 100 字")),
        None => format!("{}实习实践基地", employer.name),
    };
    let record = BaseRecord {
        id: Uuid::now_v7(),
        org_id: university.id,
        unit_id: unit.id,
        employer_id: employer.id,
        name,
        kind: kind.to_owned(),
        capacity: input.capacity,
        start_date: start,
        end_date: end,
        visit_id: None,
        notes: {
            let notes = input.notes.as_deref().map(str::trim).filter(|s| !s.is_empty());
            jiuye_domain::text::check_opt("说明", notes, jiuye_domain::text::NOTES)?;
            notes.map(str::to_owned)
        },
        created_by: actor.user_id,
        origin_node: store.node().await?.node_id,
        version: 1,
        programmes: programmes.iter().map(|p| p.id).collect(),
    };
    if !store.add_base(&record).await? {
        return Err(Error::new(
            ErrorKind::Conflict,
            ErrorCode::BaseExists,
            format!("{} 与 {} 已有同类基地", unit.name, employer.name),
        ));
    }
    let row = store.base(record.id).await?.ok_or_else(missing)?;
    shown(store, &mut Default::default(), row).await
}

fn missing() -> Error {
    Error::not_found(ErrorCode::BaseNotFound, "没有这个基地")
}

/// A page of bases, how many there are in all, and whether the actor may register bases at
/// the organisation.
#[derive(Clone, Debug)]
pub struct BasePage {
    pub org: Org,
    pub total: i64,
    pub items: Vec<Base>,
    pub can_add: bool,
}

/// The bases of the organisation with code `org` and the units below it, newest agreement
/// first, a page at a time (`limit` rows from `offset`).
pub async fn list(
    store: &dyn Repository,
    actor: &Actor,
    org: &str,
    limit: i64,
    offset: i64,
) -> Result<BasePage, Error> {
    let org = super::org_named(store, org).await?;
    if !super::reads_unit(actor, &org.path) {
        return Err(Error::forbidden());
    }
    let rows = store.bases_under(&org.path).await?;
    let total = rows.len() as i64;
    let (limit, offset) = super::window(limit, offset);
    let mut codes = std::collections::HashMap::new();
    let mut items = Vec::new();
    for row in rows.into_iter().skip(offset).take(limit) {
        items.push(shown(store, &mut codes, row).await?);
    }
    let can_add = authorize(actor, Action::LogVisit, &Resource::at(&org.path)).is_ok();
    Ok(BasePage { org, total, items, can_add })
}

/// Removes a base (those who may register bases for its unit); answers its unit's path.
/// `404 base_not_found` outside the actor's scope, as for a missing one.
pub async fn remove(store: &dyn Repository, actor: &Actor, id: Uuid) -> Result<String, Error> {
    let row = store.base(id).await?.ok_or_else(missing)?;
    authorize(actor, Action::LogVisit, &Resource::at(&row.unit_path)).map_err(|_| missing())?;
    store.delete_base(id).await?;
    Ok(row.unit_path)
}
