//! Placement statistics (就业统计): the placement of a cohort under one organisation, rolled up
//! from one grouped query (`jiuye_domain::destination::Rollup`), with each direct child's share.
//! Only those allowed to view statistics at the node (or above it) see them.

use jiuye_domain::access::{Action, Actor, Resource};
use jiuye_domain::destination::{Rollup, Tally};
use jiuye_domain::{EducationLevel, Gender, Org};
use jiuye_store::{PlacementFilter, Repository};

use crate::access::authorize;
use crate::{Error, ErrorCode};

pub mod federated;

/// A cohort is a four-digit year.
fn check_cohort(cohort: i32) -> Result<(), Error> {
    if !(2000..=2100).contains(&cohort) {
        return Err(Error::bad_input(ErrorCode::InvalidCohort, "届别应为四位年份"));
    }
    Ok(())
}

/// The placement of a cohort under an organisation and under each of its direct children.
#[derive(Clone, Debug)]
pub struct Placement {
    pub org: Org,
    pub tally: Tally,
    pub children: Vec<(Org, Tally)>,
}

/// Which graduates to count, as typed (`gender`: `male`/`female`; `level`: an education level id;
/// empty means all).
#[derive(Clone, Copy, Debug, Default)]
pub struct Group<'a> {
    pub gender: Option<&'a str>,
    pub level: Option<&'a str>,
}

impl Group<'_> {
    fn filter(&self) -> Result<PlacementFilter, Error> {
        let gender = match self.gender.filter(|g| !g.is_empty()) {
            Some(g) => Some(
                Gender::from_id(g)
                    .ok_or_else(|| Error::bad_input(ErrorCode::InvalidQuery, "gender 应为 male 或 female"))?,
            ),
            None => None,
        };
        let education_level = match self.level.filter(|l| !l.is_empty()) {
            Some(l) => Some(EducationLevel::from_id(l).ok_or_else(|| {
                Error::bad_input(ErrorCode::InvalidQuery, "level 应为 associate、bachelor、master 或 doctor")
            })?),
            None => None,
        };
        Ok(PlacementFilter { gender, education_level })
    }
}

/// The placement of `cohort` under the organisation with code `org_code`, for `actor`.
pub async fn placement(
    store: &dyn Repository,
    actor: &Actor,
    org_code: &str,
    cohort: i32,
    group: Group<'_>,
) -> Result<Placement, Error> {
    let org = crate::orgs::by_code(store, org_code).await?;
    authorize(actor, Action::ViewStatistics, &Resource::node(&org.path, org.kind))?;
    check_cohort(cohort)?;
    let filter = group.filter()?;
    let rows = store.placement_counts(&org, cohort, &filter).await?;
    let rollup = Rollup::build(&rows);
    let children = store.org_children(&org).await?;
    Ok(Placement {
        tally: rollup.total.clone(),
        children: children
            .into_iter()
            .map(|c| {
                let t = rollup.of(c.org.id);
                (c.org, t)
            })
            .collect(),
        org,
    })
}

/// A unit's placement set against its parent's overall placement (the parent's breakdown is not
/// part of it): `parent` is `None` for the nation.
#[derive(Clone, Debug)]
pub struct AgainstParent {
    pub org: Org,
    pub tally: Tally,
    pub parent: Option<(Org, Tally)>,
}

/// The placement of `cohort` under the organisation with code `org_code` and under its parent,
/// for those who see the unit's statistics (`jiuye_domain::access::compares_with_parent`).
pub async fn against_parent(
    store: &dyn Repository,
    actor: &Actor,
    org_code: &str,
    cohort: i32,
) -> Result<AgainstParent, Error> {
    let unit = placement(store, actor, org_code, cohort, Group::default()).await?;
    let parent = match store.org_ancestors(&unit.org).await?.pop() {
        Some(parent) if jiuye_domain::access::compares_with_parent(actor, &unit.org.path) => {
            let rows = store.placement_counts(&parent, cohort, &PlacementFilter::default()).await?;
            Some((parent, Rollup::build(&rows).total))
        }
        _ => None,
    };
    Ok(AgainstParent { org: unit.org, tally: unit.tally, parent })
}
