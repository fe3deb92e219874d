//! The quota engine at work: for an organisation, which targets of a campaign apply to it (and
//! to the units below it), why, what counts, and where it stands against the timeline; what a
//! person still owes; and the progress report a province sends upward. Everything is computed
//! from the stored policy, the reference cohort's placement counts and the logged visits on
//! every call, so reloading a policy or deleting a visit changes the answer at once.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use jiuye_domain::access::{self, Actor, within};
use jiuye_domain::campaign::quota::{Facts, Progress, window_start};
use jiuye_domain::campaign::{Campaign, Level, LoggedVisit, Measure, Status, Target};
use jiuye_domain::destination::Rollup;
use jiuye_domain::{Org, OrgKind};
use jiuye_store::{PlacementFilter, Repository};
use uuid::Uuid;

use super::{as_of, load, org_by_text, org_named, reads_unit};
use crate::{Error, ErrorCode, ErrorKind};

/// One target that applies to one organisation, with its progress.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TargetProgress {
    /// The rule's id in the policy (e.g. `leaders_open_new`).
    pub rule: String,
    /// The rule as the notice words it.
    pub description: String,
    pub level: Level,
    /// The code and name of the organisation the target is for.
    pub org: String,
    pub org_name: String,
    /// Why it applies, with the numbers that triggered it.
    pub reason: String,
    /// What counts toward it.
    pub counts: Measure,
    pub required: u32,
    pub achieved: u32,
    /// How many should be done by `as_of`, planning backwards from the deadline.
    pub expected_by_now: u32,
    pub status: Status,
}

impl TargetProgress {
    fn of(target: &Target, subject: &Org, reason: String, p: Progress) -> TargetProgress {
        TargetProgress {
            rule: target.id.clone(),
            description: target.description.clone(),
            level: target.level,
            org: subject.code.to_string(),
            org_name: subject.name.clone(),
            reason,
            counts: target.counts,
            required: p.required,
            achieved: p.achieved,
            expected_by_now: p.expected_by_now,
            status: p.status,
        }
    }

    /// Whether the target is for the unit with code `code` or a unit below it.
    pub fn is_under(&self, code: &str) -> bool {
        self.org == code || self.org.starts_with(&format!("{code}-"))
    }
}

/// A target status by its id (`met`, `on_track`, `behind`).
pub fn status_from_id(id: &str) -> Option<Status> {
    match id {
        "met" => Some(Status::Met),
        "on_track" => Some(Status::OnTrack),
        "behind" => Some(Status::Behind),
        _ => None,
    }
}

/// Employers each university under `scope` already worked with before the window other than by
/// visits: hires registered as graduates' destinations (read for the whole scope in one query)
/// and postings that appeared at the university or one of its alliances. Visits before the
/// window are seen by the engine itself.
struct EarlierPartners {
    hires: Vec<(String, Uuid)>,
    /// Each university under the scope with its alliances.
    scopes_of: HashMap<Uuid, Vec<Uuid>>,
    /// (scope, employer) of postings before the window, read for every scope in one query.
    posted: Vec<(Uuid, Uuid)>,
}

impl EarlierPartners {
    async fn load(
        store: &dyn Repository,
        campaign: &Campaign,
        scope: &Org,
        universities: &[Org],
    ) -> Result<EarlierPartners, Error> {
        let start = window_start(campaign);
        let mut scopes_of = HashMap::new();
        for u in universities {
            let mut scopes = vec![u.id];
            scopes.extend(store.alliances_of(u.id).await?.into_iter().map(|a| a.id));
            scopes_of.insert(u.id, scopes);
        }
        let mut all: Vec<Uuid> = scopes_of.values().flatten().copied().collect();
        all.sort_unstable();
        all.dedup();
        Ok(EarlierPartners {
            hires: store.hired_before(&scope.path, start).await?,
            posted: store.employers_posting_before(&all, start).await?,
            scopes_of,
        })
    }

    fn of(&self, university: &Org) -> HashSet<Uuid> {
        let mut out: HashSet<Uuid> =
            self.hires.iter().filter(|(p, _)| within(p, &university.path)).map(|(_, e)| *e).collect();
        let scopes = self.scopes_of.get(&university.id).map(Vec::as_slice).unwrap_or_default();
        out.extend(self.posted.iter().filter(|(s, _)| scopes.contains(s)).map(|(_, e)| *e));
        out
    }
}

/// The targets of `campaign` for `org` (and the units it answers for), at `as_of`. No access
/// check: callers ask first.
pub async fn evaluate(
    store: &dyn Repository,
    campaign: &Campaign,
    org: &Org,
    as_of: NaiveDate,
) -> Result<Vec<TargetProgress>, Error> {
    evaluate_with(store, campaign, org, as_of, &mut ProvinceCounts::default()).await
}

/// Provinces' placement counts for a campaign's reference cohort, read once and kept, for
/// measuring many universities of a province one after another.
#[derive(Default)]
pub struct ProvinceCounts(HashMap<(Uuid, i32), Rollup>);

/// As [`evaluate`], reading the province's placement counts from `counts` when it holds them
/// (and keeping them there when it did not).
pub async fn evaluate_with(
    store: &dyn Repository,
    campaign: &Campaign,
    org: &Org,
    as_of: NaiveDate,
    counts: &mut ProvinceCounts,
) -> Result<Vec<TargetProgress>, Error> {
    let ancestors = store.org_ancestors(org).await?;
    let chain: Vec<&Org> = ancestors.iter().chain(std::iter::once(org)).collect();
    let province = chain
        .iter()
        .find(|o| o.kind == OrgKind::Province)
        .map(|o| (*o).clone())
        .ok_or_else(|| Error::bad_input(ErrorCode::OrgTooBroad, "请选择一个省份、高校、院系或专业点"))?;
    let universities: Vec<Org> = match chain.iter().find(|o| o.kind == OrgKind::University) {
        Some(u) => vec![(*u).clone()],
        None => store
            .org_children(org)
            .await?
            .into_iter()
            .map(|c| c.org)
            .filter(|o| o.kind == OrgKind::University)
            .collect(),
    };
    let rollup: &Rollup = match counts.0.entry((province.id, campaign.reference_cohort)) {
        std::collections::hash_map::Entry::Occupied(held) => held.into_mut(),
        std::collections::hash_map::Entry::Vacant(slot) => {
            let rows =
                store.placement_counts(&province, campaign.reference_cohort, &PlacementFilter::default()).await?;
            slot.insert(Rollup::build(&rows))
        }
    };
    let hires = match universities.as_slice() {
        [only] => EarlierPartners::load(store, campaign, only, &universities).await?,
        _ => EarlierPartners::load(store, campaign, org, &universities).await?,
    };
    let mut out = Vec::new();
    for university in &universities {
        let mut visits = Vec::new();
        for f in store.visits_of(university.id).await? {
            let date = f.visit_date;
            let unit_path = f.unit_path.clone();
            let by_leaders = jiuye_domain::campaign::visits::by_leaders(f.roles.iter().map(String::as_str));
            visits.push((
                LoggedVisit { id: f.id, employer: f.employer_id, date, by_leaders, programmes: f.programmes },
                unit_path,
            ));
        }
        let earlier = hires.of(university);
        let cx = Facts { campaign, rollup, province: &province, university, visits, earlier, as_of };
        // University-level targets, for the province view or the university itself.
        if org.kind == OrgKind::Province || org.id == university.id {
            for t in campaign.targets.iter().filter(|t| t.level == Level::University) {
                if let Some(reason) = cx.reason(t, university, None) {
                    out.push(TargetProgress::of(t, university, reason, cx.progress(t, university)));
                }
            }
        }
        if org.kind == OrgKind::Province {
            continue;
        }
        // College and programme targets inside the asked unit.
        for college in store.org_children(university).await?.into_iter().map(|c| c.org) {
            if !(within(&college.path, &org.path) || within(&org.path, &college.path)) {
                continue;
            }
            for t in campaign.targets.iter().filter(|t| t.level == Level::College) {
                if within(&college.path, &org.path)
                    && let Some(reason) = cx.reason(t, &college, Some(&college))
                {
                    out.push(TargetProgress::of(t, &college, reason, cx.progress(t, &college)));
                }
            }
            if !campaign.targets.iter().any(|t| t.level == Level::Programme) {
                continue;
            }
            for programme in store.org_children(&college).await?.into_iter().map(|c| c.org) {
                if !within(&programme.path, &org.path) {
                    continue;
                }
                for t in campaign.targets.iter().filter(|t| t.level == Level::Programme) {
                    if let Some(reason) = cx.reason(t, &programme, Some(&college)) {
                        out.push(TargetProgress::of(t, &programme, reason, cx.progress(t, &programme)));
                    }
                }
            }
        }
    }
    Ok(out)
}

/// Which targets to show: of the organisation with code `org` and the units below it, at the
/// day `as_of` (YYYY-MM-DD; default today within the window, else its nearest end), only those with `status` when given.
#[derive(Clone, Copy, Debug, Default)]
pub struct TargetQuery<'a> {
    pub org: &'a str,
    pub as_of: Option<&'a str>,
    pub status: Option<&'a str>,
}

/// A campaign evaluated for an organisation.
#[derive(Clone, Debug)]
pub struct Targets {
    pub org: Org,
    pub campaign: Campaign,
    pub items: Vec<TargetProgress>,
}

/// Checks the actor's scope over the organisation (statistics or visits there), then evaluates
/// the campaign for it: the one computation behind the list, the page, the chart and the report.
pub async fn targets(
    store: &dyn Repository,
    actor: &Actor,
    id: &str,
    q: TargetQuery<'_>,
    today: NaiveDate,
) -> Result<Targets, Error> {
    let org = org_named(store, q.org).await?;
    if !reads_unit(actor, &org.path) {
        return Err(Error::forbidden());
    }
    let campaign = load(store, id).await?;
    let as_of = as_of(q.as_of, campaign.default_as_of(today))?;
    let status = match q.status {
        Some(s) => Some(
            status_from_id(s)
                .ok_or_else(|| Error::bad_input(ErrorCode::InvalidStatus, "status 应为 met、on_track 或 behind"))?,
        ),
        None => None,
    };
    let mut items = evaluate(store, &campaign, &org, as_of).await?;
    if let Some(s) = status {
        items.retain(|t| t.status == s);
    }
    Ok(Targets { org, campaign, items })
}

/// A target someone answers for, with what is still owed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OwedTarget {
    pub target: TargetProgress,
    /// Employers still to reach by the deadline.
    pub owed: u32,
    /// Employers still to reach to be on schedule today.
    pub owed_by_now: u32,
}

/// What a person answers for in a campaign.
#[derive(Clone, Debug)]
pub struct Mine {
    pub campaign: Campaign,
    pub as_of: NaiveDate,
    /// The targets of the units the person answers for, most owed first.
    pub targets: Vec<OwedTarget>,
    /// Visits inside the window the person took part in.
    pub my_visits: u32,
    /// Distinct employers those visits reached.
    pub my_employers: u32,
}

/// The actor's own view of a campaign at `as_of` (YYYY-MM-DD; default today within the window, else its nearest end): the targets of
/// the units their grants answer for (a university leader: the university's own targets only)
/// and what they still owe, and the visits they took part in.
pub async fn mine(
    store: &dyn Repository,
    actor: &Actor,
    id: &str,
    as_of_day: Option<&str>,
    today: NaiveDate,
) -> Result<Mine, Error> {
    let campaign = load(store, id).await?;
    let as_of = as_of(as_of_day, campaign.default_as_of(today))?;
    let mut targets: Vec<OwedTarget> = Vec::new();
    let mut universities: Vec<Uuid> = Vec::new();
    let mut seen_orgs: Vec<String> = Vec::new();
    for g in actor.grants.iter() {
        if !access::owes_campaign_targets(g) || seen_orgs.contains(&format!("{}:{:?}", g.org_path, g.role)) {
            continue;
        }
        seen_orgs.push(format!("{}:{:?}", g.org_path, g.role));
        let Some(code) = g.org_path.rsplit('/').next() else { continue };
        let Some(org) = org_by_text(store, code).await? else { continue };
        let ancestors = store.org_ancestors(&org).await?;
        if let Some(u) = ancestors.iter().chain(std::iter::once(&org)).find(|o| o.kind == OrgKind::University)
            && !universities.contains(&u.id)
        {
            universities.push(u.id);
        }
        for t in evaluate(store, &campaign, &org, as_of).await? {
            if access::owes_only_university_targets(g) && t.level != Level::University {
                continue;
            }
            if targets.iter().any(|o| o.target.rule == t.rule && o.target.org == t.org) {
                continue;
            }
            let owed = t.required.saturating_sub(t.achieved);
            let owed_by_now = t.expected_by_now.saturating_sub(t.achieved);
            targets.push(OwedTarget { target: t, owed, owed_by_now });
        }
    }
    targets.sort_by(|a, b| {
        b.owed_by_now.cmp(&a.owed_by_now).then(b.owed.cmp(&a.owed)).then(a.target.org.cmp(&b.target.org))
    });
    let (mut my_visits, mut employers) = (0u32, HashSet::new());
    for u in universities {
        for f in store.visits_of(u).await? {
            let date = f.visit_date;
            if date >= campaign.start && date <= campaign.end && f.people.contains(&actor.user_id) {
                my_visits += 1;
                employers.insert(f.employer_id);
            }
        }
    }
    Ok(Mine { campaign, as_of, targets, my_visits, my_employers: employers.len() as u32 })
}

/// The universities whose visits count for `org`: those of a province, else the university
/// `org` is or lies in.
async fn universities_of(store: &dyn Repository, org: &Org, children: &[Org]) -> Result<Vec<Org>, Error> {
    Ok(if org.kind == OrgKind::Province {
        children.iter().filter(|u| u.kind == OrgKind::University).cloned().collect()
    } else {
        let ancestors = store.org_ancestors(org).await?;
        ancestors.into_iter().chain(std::iter::once(org.clone())).filter(|o| o.kind == OrgKind::University).collect()
    })
}

/// One row of the progress report: a unit and what its visits inside the window achieved.
#[derive(Default)]
struct ReportRow {
    code: String,
    name: String,
    visits: i64,
    employers: HashSet<Uuid>,
    new_employers: HashSet<Uuid>,
    positions: i64,
    bases: i64,
}

/// The campaign's progress for an organisation as an Excel workbook, the fields a province
/// sends upward: one row per unit one level below the organisation (universities of a
/// province, colleges of a university, programmes of a college) with visits, employers, new
/// employers, positions opened and internship bases inside the window, then every target with
/// its status, then (for readers of the hardship ledger's coverage) the coverage lines of the
/// newest cohort. Answers the organisation and the workbook's bytes.
pub async fn report(
    store: &dyn Repository,
    actor: &Actor,
    id: &str,
    q: TargetQuery<'_>,
    today: NaiveDate,
    hardship: &crate::hardship::Hardship<'_>,
    events: &crate::events::Events<'_>,
) -> Result<(Org, Vec<u8>), Error> {
    use jiuye_sheets::{Cell, Sheet};
    let Targets { org, campaign, items: targets } = self::targets(store, actor, id, q, today).await?;
    let units: Vec<Org> = store.org_children(&org).await?.into_iter().map(|c| c.org).collect();
    let universities = universities_of(store, &org, &units).await?;
    let mut rows: Vec<ReportRow> = units
        .iter()
        .map(|u| ReportRow { code: u.code.to_string(), name: u.name.clone(), ..Default::default() })
        .collect();
    let hires = EarlierPartners::load(
        store,
        &campaign,
        universities.first().filter(|_| universities.len() == 1).unwrap_or(&org),
        &universities,
    )
    .await?;
    for university in &universities {
        let facts = store.visits_of(university.id).await?;
        let mut prior = hires.of(university);
        prior.extend(facts.iter().filter(|f| f.visit_date < campaign.start).map(|f| f.employer_id));
        for f in &facts {
            let date = f.visit_date;
            if date < campaign.start || date > campaign.end {
                continue;
            }
            let path = &f.unit_path;
            for (row, unit) in rows.iter_mut().zip(&units) {
                if within(path, &unit.path) {
                    row.visits += 1;
                    row.employers.insert(f.employer_id);
                    if !prior.contains(&f.employer_id) {
                        row.new_employers.insert(f.employer_id);
                    }
                    row.positions += f.positions_opened;
                }
            }
        }
        // Internship and practice bases come from the registry (a visit that agreed one
        // registered it there), counted when their agreement starts inside the window.
        for b in store.bases_under(&university.path).await? {
            if b.base.start_date < campaign.start || b.base.start_date > campaign.end {
                continue;
            }
            for (row, unit) in rows.iter_mut().zip(&units) {
                if within(&b.unit_path, &unit.path) {
                    row.bases += 1;
                }
            }
        }
    }
    let n = |x: usize| Cell::Number(x as f64);
    let summary = Sheet {
        name: "进度汇总".into(),
        headers: [
            "单位代码",
            "单位名称",
            "走访次数",
            "走访用人单位数",
            "新开拓用人单位数",
            "开拓岗位数",
            "新建实习实践基地数",
            "适用任务数",
            "已完成任务数",
            "滞后任务数",
        ]
        .iter()
        .map(|h| (*h).to_owned())
        .collect(),
        rows: rows
            .iter()
            .map(|r| {
                let mine: Vec<&TargetProgress> = targets.iter().filter(|t| t.is_under(&r.code)).collect();
                vec![
                    Cell::Text(r.code.clone()),
                    Cell::Text(r.name.clone()),
                    Cell::Number(r.visits as f64),
                    n(r.employers.len()),
                    n(r.new_employers.len()),
                    Cell::Number(r.positions as f64),
                    Cell::Number(r.bases as f64),
                    n(mine.len()),
                    n(mine.iter().filter(|t| t.status == Status::Met).count()),
                    n(mine.iter().filter(|t| t.status == Status::Behind).count()),
                ]
            })
            .collect(),
    };
    let detail = Sheet {
        name: "任务进度".into(),
        headers: ["单位代码", "单位名称", "任务", "适用原因", "要求", "已完成", "应完成", "状态"]
            .iter()
            .map(|h| (*h).to_owned())
            .collect(),
        rows: targets
            .iter()
            .map(|t| {
                vec![
                    Cell::Text(t.org.clone()),
                    Cell::Text(t.org_name.clone()),
                    Cell::Text(t.description.clone()),
                    Cell::Text(t.reason.clone()),
                    Cell::Number(f64::from(t.required)),
                    Cell::Number(f64::from(t.achieved)),
                    Cell::Number(f64::from(t.expected_by_now)),
                    Cell::Text(
                        match t.status {
                            Status::Met => "已完成",
                            Status::OnTrack => "进度正常",
                            Status::Behind => "滞后",
                        }
                        .into(),
                    ),
                ]
            })
            .collect(),
    };
    let mut sheets = vec![summary, detail];
    if let Some(cohort) = store.cohorts().await?.first().copied()
        && let Some(coverage) = hardship.coverage_sheet(actor, &org, cohort).await?
    {
        sheets.push(coverage);
    }
    if let Some(held) = events.report_sheet(actor, &org, campaign.start, campaign.end).await? {
        sheets.push(held);
    }
    let bytes = jiuye_sheets::write_xlsx(&sheets)
        .map_err(|e| Error::new(ErrorKind::Internal, ErrorCode::InternalError, e.to_string()))?;
    Ok((org, bytes))
}

/// One unit one level below the organisation, with its targets summed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnitProgress {
    pub code: String,
    pub name: String,
    pub required: u32,
    /// Achieved, each target counted at most up to what it requires.
    pub achieved: u32,
    pub expected: u32,
    /// Targets behind schedule.
    pub behind: usize,
}

/// A campaign's progress for charts: the targets, each unit one level down with targets (least
/// done first), and the days of the visits inside the window at or below the organisation.
#[derive(Clone, Debug)]
pub struct Chart {
    pub targets: Targets,
    pub units: Vec<UnitProgress>,
    pub visit_days: Vec<NaiveDate>,
}

/// The progress of a campaign for an organisation, unit by unit and visit by visit (same access
/// as [`targets`]).
pub async fn chart(
    store: &dyn Repository,
    actor: &Actor,
    id: &str,
    q: TargetQuery<'_>,
    today: NaiveDate,
) -> Result<Chart, Error> {
    let targets = self::targets(store, actor, id, q, today).await?;
    let (org, campaign) = (&targets.org, &targets.campaign);
    let children: Vec<Org> = store.org_children(org).await?.into_iter().map(|c| c.org).collect();
    let mut units: Vec<UnitProgress> = children
        .iter()
        .map(|u| {
            let code = u.code.to_string();
            let mine: Vec<&TargetProgress> = targets.items.iter().filter(|t| t.is_under(&code)).collect();
            UnitProgress {
                code,
                name: u.name.clone(),
                required: mine.iter().map(|t| t.required).sum(),
                achieved: mine.iter().map(|t| t.achieved.min(t.required)).sum(),
                expected: mine.iter().map(|t| t.expected_by_now).sum(),
                behind: mine.iter().filter(|t| t.status == Status::Behind).count(),
            }
        })
        .filter(|u| u.required > 0)
        .collect();
    units.sort_by(|a, b| {
        let ra = f64::from(a.achieved) / f64::from(a.required.max(1));
        let rb = f64::from(b.achieved) / f64::from(b.required.max(1));
        ra.total_cmp(&rb).then(a.code.cmp(&b.code))
    });
    let mut visit_days = Vec::new();
    for u in universities_of(store, org, &children).await? {
        for f in store.visits_of(u.id).await? {
            let d = f.visit_date;
            if d < campaign.start || d > campaign.end {
                continue;
            }
            if within(&f.unit_path, &org.path) {
                visit_days.push(d);
            }
        }
    }
    Ok(Chart { targets, units, visit_days })
}
