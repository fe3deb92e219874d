//! Employer visits (访企拓岗): log a visit for a university, college or programme, correct it,
//! read one, list a unit's visits, delete one. Every call is scoped by `Action::LogVisit` on the
//! unit the visit belongs to, so a counselor of college A can neither log for college B nor
//! touch its visits; one outside the caller's scope reads as missing.

use std::collections::HashMap;

use chrono::NaiveDate;
use jiuye_domain::Org;
use jiuye_domain::OrgKind;
use jiuye_domain::access::{Action, Actor, Resource, ScopedGrant, within};
use jiuye_domain::campaign::visits::{self as rules, visit_role_of};
use jiuye_store::Repository;
use jiuye_store::campaign::BaseRecord;
use jiuye_store::employers::{EmployerRecord, VisitFact, VisitRecord};
use uuid::Uuid;

use super::{reads_unit, refused, university_of, usable_employer};
use crate::access::authorize;
use crate::{Error, ErrorCode};

/// One visiting person as named.
#[derive(Clone, Debug, Default)]
pub struct Person {
    /// The person's account.
    pub username: String,
    /// A visit role (`secretary`, `president`, …; see `jiuye_domain::campaign::visits`).
    pub role: String,
}

/// A visit as submitted.
#[derive(Clone, Debug, Default)]
pub struct VisitInput {
    /// The code of the unit the visit is logged for: a university, college or programme.
    pub unit: String,
    /// The employer's 统一社会信用代码; the employer must be in the directory.
    pub employer: String,
    /// YYYY-MM-DD, not in the future.
    pub visit_date: String,
    /// `on_site`, `invited` or `online`.
    pub form: String,
    /// The visiting people; when empty, the caller with the role their grant implies.
    pub people: Vec<Person>,
    /// Codes of the programmes the visit serves, each inside `unit`.
    pub programmes: Vec<String>,
    pub positions_opened: i64,
    pub base_agreed: bool,
    pub invited_to_fair: bool,
    pub survey_filled: bool,
    pub notes: Option<String>,
}

/// A logged visit with the codes and names people read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Visit {
    pub id: Uuid,
    /// The university's code.
    pub university: String,
    /// The unit's code and name.
    pub unit: String,
    pub unit_name: String,
    pub employer_credit_code: String,
    pub employer_name: String,
    pub visit_date: NaiveDate,
    pub form: String,
    /// Roles of the visiting people.
    pub roles: Vec<String>,
    /// Codes of the programmes served.
    pub programmes: Vec<String>,
    pub positions_opened: i64,
    pub base_agreed: bool,
    pub invited_to_fair: bool,
    pub survey_filled: bool,
    pub notes: Option<String>,
    /// Photo ids (on a single visit; none in lists).
    pub photos: Option<Vec<Uuid>>,
}

/// A visit as saved, with the grant that allowed it and its unit's path.
#[derive(Clone, Debug)]
pub struct Saved {
    pub visit: Visit,
    pub grant: ScopedGrant,
    pub unit_path: String,
}

/// A visit input that passed every check, ready to store.
struct Checked {
    unit: Org,
    university: Org,
    employer: EmployerRecord,
    grant: ScopedGrant,
    programmes: Vec<Org>,
    people: Vec<(Uuid, String)>,
    date: NaiveDate,
    form: String,
    notes: Option<String>,
}

/// Checks a visit as submitted (for logging or correcting one): the unit must lie inside the
/// actor's `LogVisit` scope and every programme inside the unit.
async fn check(store: &dyn Repository, actor: &Actor, input: &VisitInput, today: NaiveDate) -> Result<Checked, Error> {
    let unit = super::unit(store, &input.unit).await?;
    let grant = authorize(actor, Action::LogVisit, &Resource::at(&unit.path))?.clone();
    let university =
        university_of(store, &unit).await?.ok_or_else(|| refused(ErrorCode::InvalidUnit, "该单位不属于任何高校"))?;
    let mut programmes = super::programmes_inside(store, &unit, &input.programmes).await?;
    if programmes.is_empty() && unit.kind == OrgKind::Programme {
        programmes.push(unit.clone());
    }
    let employer = usable_employer(store, &input.employer).await?;
    let refusal = |r: rules::Refusal| refused(r.code, r.message);
    let date = rules::check_fields(&input.visit_date, &input.form, input.positions_opened, today).map_err(refusal)?;
    let form = input.form.trim();
    let mut people: Vec<(Uuid, String)> = Vec::new();
    if input.people.is_empty() {
        people.push((actor.user_id, visit_role_of(grant.role).to_owned()));
    }
    for p in &input.people {
        let role = rules::check_role(&p.role).map_err(refusal)?;
        let user = store
            .user_by_username(p.username.trim())
            .await?
            .ok_or_else(|| refused(ErrorCode::PersonNotFound, format!("没有用户名为 {} 的账号", p.username.trim())))?;
        let grants = store.grants_of(user.id).await?;
        if !grants.iter().any(|g| within(&g.grant.org_path, &university.path)) {
            return Err(refused(
                ErrorCode::PersonNotFound,
                format!("{} 不是 {} 的人员", p.username.trim(), university.name),
            ));
        }
        if !people.iter().any(|(id, _)| *id == user.id) {
            people.push((user.id, role.to_owned()));
        }
    }
    let notes = rules::notes(input.notes.as_deref())?;
    Ok(Checked { unit, university, employer, grant, programmes, people, date, form: form.to_owned(), notes })
}

impl Checked {
    fn record(&self, id: Uuid, input: &VisitInput, created_by: Uuid, origin_node: Uuid) -> VisitRecord {
        VisitRecord {
            id,
            org_id: self.university.id,
            unit_id: self.unit.id,
            employer_id: self.employer.id,
            visit_date: self.date,
            form: self.form.clone(),
            positions_opened: input.positions_opened,
            base_agreed: input.base_agreed,
            invited_to_fair: input.invited_to_fair,
            survey_filled: input.survey_filled,
            notes: self.notes.clone(),
            created_by,
            origin_node,
        }
    }

    fn saved(self, r: &VisitRecord) -> Saved {
        let visit = Visit {
            id: r.id,
            university: self.university.code.to_string(),
            unit: self.unit.code.to_string(),
            unit_name: self.unit.name.clone(),
            employer_credit_code: self.employer.credit_code.clone(),
            employer_name: self.employer.name.clone(),
            visit_date: r.visit_date,
            form: r.form.clone(),
            roles: self.people.iter().map(|(_, r)| r.clone()).collect(),
            programmes: self.programmes.iter().map(|p| p.code.to_string()).collect(),
            positions_opened: r.positions_opened,
            base_agreed: r.base_agreed,
            invited_to_fair: r.invited_to_fair,
            survey_filled: r.survey_filled,
            notes: r.notes.clone(),
            photos: None,
        };
        Saved { visit, grant: self.grant, unit_path: self.unit.path }
    }

    /// A visit that agreed a base registers it (once per unit and employer) in the base registry.
    async fn register_base(&self, store: &dyn Repository, r: &VisitRecord) -> Result<(), Error> {
        if !r.base_agreed {
            return Ok(());
        }
        let base = BaseRecord {
            id: Uuid::now_v7(),
            org_id: self.university.id,
            unit_id: self.unit.id,
            employer_id: self.employer.id,
            name: format!("{}实习实践基地", self.employer.name),
            kind: "internship".into(),
            capacity: 0,
            start_date: r.visit_date,
            end_date: None,
            visit_id: Some(r.id),
            notes: None,
            created_by: r.created_by,
            origin_node: r.origin_node,
            version: 1,
            programmes: self.programmes.iter().map(|p| p.id).collect(),
        };
        store.add_base(&base).await?;
        Ok(())
    }
}

fn missing() -> Error {
    Error::not_found(ErrorCode::VisitNotFound, "没有这条走访记录")
}

/// Logs a visit for a unit inside the actor's scope (`today` bounds its date). A visit that
/// agreed an internship/practice base also registers the base.
pub async fn log(store: &dyn Repository, actor: &Actor, input: &VisitInput, today: NaiveDate) -> Result<Saved, Error> {
    let checked = check(store, actor, input, today).await?;
    let node = store.node().await?.node_id;
    let record = checked.record(Uuid::now_v7(), input, actor.user_id, node);
    let programme_ids: Vec<Uuid> = checked.programmes.iter().map(|p| p.id).collect();
    store.add_visit(&record, &checked.people, &programme_ids).await?;
    checked.register_base(store, &record).await?;
    Ok(checked.saved(&record))
}

/// Corrects a visit: the whole visit is sent again. The actor must be able to log visits both
/// for the unit it was logged for and for the unit it is moved to, inside the same university.
pub async fn correct(
    store: &dyn Repository,
    actor: &Actor,
    id: Uuid,
    input: &VisitInput,
    today: NaiveDate,
) -> Result<Saved, Error> {
    let (old, _) = scoped(store, actor, id).await?;
    let checked = check(store, actor, input, today).await?;
    if checked.university.id != old.org_id {
        return Err(refused(ErrorCode::InvalidUnit, "走访记录不能改到其他高校名下"));
    }
    let record = checked.record(old.id, input, old.created_by, old.origin_node);
    let programme_ids: Vec<Uuid> = checked.programmes.iter().map(|p| p.id).collect();
    if !store.update_visit(&record, &checked.people, &programme_ids).await? {
        return Err(missing());
    }
    if !old.base_agreed {
        checked.register_base(store, &record).await?;
    }
    Ok(checked.saved(&record))
}

/// A visit the actor may act on, with its unit's path; `404 visit_not_found` for one outside
/// their scope, as for a missing one.
pub async fn scoped(store: &dyn Repository, actor: &Actor, id: Uuid) -> Result<(VisitRecord, String), Error> {
    let v = store.visit(id).await?.ok_or_else(missing)?;
    let (_, _, path) = store.org_position(v.unit_id).await?.ok_or_else(missing)?;
    authorize(actor, Action::LogVisit, &Resource::at(&path)).map_err(|_| missing())?;
    Ok((v, path))
}

/// One visit with its photos.
pub async fn detail(store: &dyn Repository, actor: &Actor, id: Uuid) -> Result<Visit, Error> {
    let (v, _) = scoped(store, actor, id).await?;
    let fact = store.visits_of(v.org_id).await?.into_iter().find(|f| f.id == id).ok_or_else(missing)?;
    let mut orgs = HashMap::new();
    let university = store.org_by_id(v.org_id).await?.ok_or_else(missing)?;
    let mut visit = shown(store, &university, &mut orgs, fact).await?.ok_or_else(missing)?;
    visit.photos = Some(store.photos_of(id).await?.into_iter().map(|p| p.id).collect());
    Ok(visit)
}

/// A visit as removed: the grant that allowed it and its unit's path.
#[derive(Clone, Debug)]
pub struct Removed {
    pub grant: ScopedGrant,
    pub unit_path: String,
}

/// Deletes a visit (people who may log visits for its unit); progress is recomputed from what
/// remains.
pub async fn remove(store: &dyn Repository, actor: &Actor, id: Uuid) -> Result<Removed, Error> {
    let (v, path) = scoped(store, actor, id).await?;
    let grant = authorize(actor, Action::LogVisit, &Resource::at(&path))?.clone();
    store.delete_visit(v.id).await?;
    Ok(Removed { grant, unit_path: path })
}

/// A page of visits and how many there are in all.
#[derive(Clone, Debug)]
pub struct VisitPage {
    pub total: i64,
    pub items: Vec<Visit>,
}

/// A stored fact as a visit, looking units up once each; None when its unit is gone.
async fn shown(
    store: &dyn Repository,
    university: &Org,
    orgs: &mut HashMap<Uuid, Option<Org>>,
    f: VisitFact,
) -> Result<Option<Visit>, Error> {
    for id in std::iter::once(f.unit_id).chain(f.programmes.iter().copied()) {
        if let std::collections::hash_map::Entry::Vacant(e) = orgs.entry(id) {
            e.insert(store.org_by_id(id).await?);
        }
    }
    let Some(Some(u)) = orgs.get(&f.unit_id).cloned() else { return Ok(None) };
    Ok(Some(Visit {
        id: f.id,
        university: university.code.to_string(),
        unit: u.code.to_string(),
        unit_name: u.name.clone(),
        employer_credit_code: f.employer_code,
        employer_name: f.employer_name,
        visit_date: f.visit_date,
        form: f.form,
        roles: f.roles,
        programmes: f
            .programmes
            .iter()
            .filter_map(|id| orgs.get(id).cloned().flatten().map(|o| o.code.to_string()))
            .collect(),
        positions_opened: f.positions_opened,
        base_agreed: f.base_agreed,
        invited_to_fair: f.invited_to_fair,
        survey_filled: f.survey_filled,
        notes: f.notes,
        photos: None,
    }))
}

/// The visits of the unit with code `org` and everything below it, newest first, a page at a
/// time (`limit` rows from `offset`), for those who log visits or see statistics there.
pub async fn list(
    store: &dyn Repository,
    actor: &Actor,
    org: &str,
    limit: i64,
    offset: i64,
) -> Result<VisitPage, Error> {
    let unit = super::org_named(store, org).await?;
    if !reads_unit(actor, &unit.path) {
        return Err(Error::forbidden());
    }
    let university = university_of(store, &unit)
        .await?
        .ok_or_else(|| Error::bad_input(ErrorCode::InvalidUnit, "请指定一所高校或其下属单位"))?;
    let (limit, offset) = super::window(limit, offset);
    let mut orgs: HashMap<Uuid, Option<Org>> = HashMap::new();
    let mut facts = store.visits_of(university.id).await?;
    facts.sort_by(|a, b| b.visit_date.cmp(&a.visit_date).then(b.id.cmp(&a.id)));
    let inside: Vec<VisitFact> = facts.into_iter().filter(|f| within(&f.unit_path, &unit.path)).collect();
    let total = inside.len() as i64;
    let mut items = Vec::new();
    for f in inside.into_iter().skip(offset).take(limit) {
        items.extend(shown(store, &university, &mut orgs, f).await?);
    }
    Ok(VisitPage { total, items })
}
