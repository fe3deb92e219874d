//! The workbench (工作台): what a signed-in person sees first. What needs them now (each count
//! links to the filtered list it counts, and equals that list's total for the same person), their
//! numbers (their unit's placement rate against the parent unit's, their campaign progress) and
//! shortcuts to their main tasks. Every item is there only when `jiuye_domain::access` lets the
//! person follow it; this module never compares roles and never writes.

use chrono::{Duration, NaiveDate, Utc};
use jiuye_domain::access::{self, Action, Actor, Resource, Role};
use jiuye_domain::campaign::Status;
use jiuye_domain::destination::{DestStatus, Tally};
use jiuye_store::Repository;
use jiuye_store::destinations::GraduateQuery;

use crate::Error;

/// How many days without a follow-up make an unplaced graduate due for one.
pub const CONTACT_DUE_DAYS: i64 = 14;

/// One kind of thing that can wait for someone.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Item {
    /// Registrations waiting for college review (待院系审核).
    ReviewCollege,
    /// Registrations waiting for university review (待学校审核).
    ReviewUniversity,
    /// Graduates' disputes to answer.
    Disputes,
    /// Postings waiting for approval.
    PostingsPending,
    /// Approved postings someone reported.
    PostingsReported,
    /// Approved postings that changed screening rules rate high-risk (visible until decided).
    PostingsRecheck,
    /// Corrections of employers registered in one's scope, to accept or reject.
    Corrections,
    /// Graduates without a placed destination nobody followed up with for a fortnight.
    Uncontacted,
    /// One's campaign targets behind schedule.
    TargetsBehind,
    /// One's own destination record waiting for one's confirmation (待本人确认).
    RecordToConfirm,
    /// Applications (one's own, or those one's employer receives) the other party moved or wrote
    /// on since one last opened them.
    ApplicationsChanged,
    /// Graduates' rights reports waiting for one as their handler (received or handling).
    RightsOpen,
    /// Graduates one follows up who need a contact today (跟踪指导提醒).
    FollowUpToday,
    /// Hardship files waiting for one: plans, closures and subsidies to decide (the career
    /// centre), or one's graduates in difficulty without an approved plan.
    HardshipPending,
    /// 基层就业卓越奖 nominations waiting for one's university or province.
    AwardsWaiting,
}

impl Item {
    /// The stable identifier (API field, message key `workbench.item_{id}`).
    pub fn id(self) -> &'static str {
        match self {
            Item::ReviewCollege => "review_college",
            Item::ReviewUniversity => "review_university",
            Item::Disputes => "disputes",
            Item::PostingsPending => "postings_pending",
            Item::PostingsReported => "postings_reported",
            Item::PostingsRecheck => "postings_recheck",
            Item::Corrections => "corrections",
            Item::Uncontacted => "uncontacted",
            Item::TargetsBehind => "targets_behind",
            Item::RecordToConfirm => "record_to_confirm",
            Item::ApplicationsChanged => "applications_changed",
            Item::RightsOpen => "rights_open",
            Item::FollowUpToday => "followup_today",
            Item::HardshipPending => "hardship_pending",
            Item::AwardsWaiting => "awards_waiting",
        }
    }
}

/// A count of what waits, and the list it counts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pending {
    pub item: Item,
    pub count: i64,
    pub href: String,
}

/// A unit's placement rate for a cohort against its parent's.
#[derive(Clone, Debug)]
pub struct UnitRate {
    pub org_code: String,
    pub org_name: String,
    pub cohort: i32,
    pub tally: Tally,
    /// The parent's code, name and placement (none at the top, or when not to be shown).
    pub parent: Option<(String, String, Tally)>,
}

/// Progress of the newest campaign.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CampaignProgress {
    pub id: String,
    pub name: String,
    /// Where the progress is followed (`/campaigns/{id}/mine`, or the list of campaigns).
    pub href: Option<String>,
    /// The targets the person answers for: (all, met, behind); none when they answer for none.
    pub targets: Option<(i64, i64, i64)>,
}

/// A link to one of the person's main tasks (message key `workbench.go_{id}`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Shortcut {
    pub id: &'static str,
    pub href: &'static str,
}

/// Everything the workbench shows one person.
#[derive(Clone, Debug)]
pub struct Workbench {
    pub pending: Vec<Pending>,
    pub rate: Option<UnitRate>,
    pub campaign: Option<CampaignProgress>,
    /// Safety-quiz completion among the newest cohort the person sees statistics for:
    /// (cohort, completed, graduates); none for those who see no statistics.
    pub safety_quiz: Option<(i32, i64, i64)>,
    pub shortcuts: Vec<Shortcut>,
}

fn anywhere(actor: &Actor, action: Action) -> bool {
    !access::scope_paths(actor, action).is_empty()
}

/// How many graduates of the list `/graduates` shows `actor` match `query` (its scope is set here).
async fn graduates(store: &dyn Repository, actor: &Actor, query: GraduateQuery) -> Result<i64, Error> {
    let query = GraduateQuery { scope_paths: access::scope_paths(actor, Action::ViewGraduate), limit: 1, ..query };
    Ok(store.list_graduates(&query).await?.1)
}

/// The workbench of `actor` on `today`.
pub async fn workbench(
    store: &dyn Repository,
    keys: &jiuye_security::seal::KeyRing,
    actor: &Actor,
    today: NaiveDate,
) -> Result<Workbench, Error> {
    let newest_cohort = store.cohorts().await?.first().copied();
    let mut pending = Vec::new();
    let sees_graduates = anywhere(actor, Action::ViewGraduate);
    if sees_graduates && anywhere(actor, Action::ReviewCollege) {
        let q = GraduateQuery { status: Some(DestStatus::Submitted), ..GraduateQuery::default() };
        let count = graduates(store, actor, q).await?;
        pending.push(Pending { item: Item::ReviewCollege, count, href: "/graduates?cohort=&status=submitted".into() });
    }
    if sees_graduates && anywhere(actor, Action::ReviewUniversity) {
        let q = GraduateQuery { status: Some(DestStatus::CollegeApproved), ..GraduateQuery::default() };
        let count = graduates(store, actor, q).await?;
        pending.push(Pending {
            item: Item::ReviewUniversity,
            count,
            href: "/graduates?cohort=&status=college_approved".into(),
        });
    }
    let answers = access::scope_paths(actor, Action::AnswerDispute);
    if !answers.is_empty() {
        let count = store.open_disputes(&answers).await?.len() as i64;
        pending.push(Pending { item: Item::Disputes, count, href: "/disputes".into() });
    }
    let reviews = access::scope_paths(actor, Action::ApprovePosting);
    if !reviews.is_empty() {
        let count = store.postings_in(&reviews, &["pending"], 1, 0).await?.1;
        pending.push(Pending { item: Item::PostingsPending, count, href: "/postings/review".into() });
        let count = store.postings_in(&reviews, &["reported"], 1, 0).await?.1;
        pending.push(Pending { item: Item::PostingsReported, count, href: "/postings/review?status=reported".into() });
        let count = store.postings_in(&reviews, &["recheck"], 1, 0).await?.1;
        pending.push(Pending { item: Item::PostingsRecheck, count, href: "/postings/review?status=recheck".into() });
    }
    let registers = access::scope_paths(actor, Action::RegisterEmployer);
    if !registers.is_empty() {
        let count = store.proposed_corrections_under(&registers, 1, 0).await?.1;
        pending.push(Pending { item: Item::Corrections, count, href: "/employers/corrections".into() });
    }
    if sees_graduates && anywhere(actor, Action::RegisterDestination) {
        let q = GraduateQuery {
            cohort: newest_cohort,
            unplaced: true,
            not_contacted_since: Some(Utc::now() - Duration::days(CONTACT_DUE_DAYS)),
            ..GraduateQuery::default()
        };
        let count = graduates(store, actor, q).await?;
        let cohort = newest_cohort.map(|c| format!("cohort={c}&")).unwrap_or_default();
        let href = format!("/graduates?{cohort}unplaced=true&uncontacted_days={CONTACT_DUE_DAYS}");
        pending.push(Pending { item: Item::Uncontacted, count, href });
    }
    let campaign = campaign_progress(store, actor, today, &mut pending).await?;
    if let Some(me) = access::subject_of(actor, Role::Graduate)
        && access::can(actor, Action::ConfirmOwnRecord, &Resource::owned("", me)).is_some()
    {
        let waiting = store.destination(me).await?.is_some_and(|d| d.status == DestStatus::Approved);
        pending.push(Pending {
            item: Item::RecordToConfirm,
            count: i64::from(waiting),
            href: "/me/destination".into(),
        });
    }
    if let Some(count) = crate::applications::changed_count(store, actor).await? {
        pending.push(Pending { item: Item::ApplicationsChanged, count, href: "/applications?changed=true".into() });
    }
    let rights =
        crate::safety::rights::Rights { store, calendar: jiuye_domain::safety::workdays::Calendar::shipped(), today };
    if let Some(count) = rights.open_to_handle(actor).await? {
        pending.push(Pending { item: Item::RightsOpen, count, href: "/rights?state=open".into() });
    }
    if let Some(cohort) = newest_cohort {
        let followup = crate::followup::FollowUp { store, keys, today };
        if let Some(count) = followup.flagged_count(actor, cohort).await? {
            pending.push(Pending { item: Item::FollowUpToday, count, href: format!("/followup?cohort={cohort}") });
        }
        let hardship = crate::hardship::Hardship { store, keys, today };
        if let Some(count) = hardship.pending_count(actor, cohort).await? {
            pending.push(Pending {
                item: Item::HardshipPending,
                count,
                href: format!("/hardship/pending?cohort={cohort}"),
            });
        }
    }
    let awards = crate::awards::Awards { store, now: Utc::now() };
    if let Some(count) = awards.waiting(actor).await? {
        pending.push(Pending { item: Item::AwardsWaiting, count, href: "/awards?waiting=true".into() });
    }
    let rate = match newest_cohort {
        Some(cohort) => unit_rate(store, actor, cohort).await?,
        None => None,
    };
    let safety_quiz = if anywhere(actor, Action::ViewStatistics) {
        match crate::safety::quiz::completion(store, actor, newest_cohort).await? {
            (Some(cohort), rows) => {
                Some((cohort, rows.iter().map(|r| r.completed).sum(), rows.iter().map(|r| r.graduates).sum()))
            }
            (None, _) => None,
        }
    } else {
        None
    };
    Ok(Workbench { pending, rate, campaign, safety_quiz, shortcuts: shortcuts(actor) })
}

/// The newest campaign the person follows, with their own targets (adding the item of those
/// behind schedule when they answer for some).
async fn campaign_progress(
    store: &dyn Repository,
    actor: &Actor,
    today: NaiveDate,
    pending: &mut Vec<Pending>,
) -> Result<Option<CampaignProgress>, Error> {
    if !anywhere(actor, Action::ViewStatistics) && !anywhere(actor, Action::LogVisit) {
        return Ok(None);
    }
    let Some(newest) = crate::campaign::followed(store, actor).await?.into_iter().next() else {
        return Ok(None);
    };
    if actor.grants.iter().any(access::owes_campaign_targets) {
        let mine = crate::campaign::targets::mine(store, actor, &newest.id, None, today).await?;
        let all = mine.targets.len() as i64;
        let met = mine.targets.iter().filter(|o| o.target.status == Status::Met).count() as i64;
        let behind = mine.targets.iter().filter(|o| o.target.status == Status::Behind).count() as i64;
        let href = format!("/campaigns/{}/mine", newest.id);
        pending.push(Pending { item: Item::TargetsBehind, count: behind, href: href.clone() });
        return Ok(Some(CampaignProgress {
            id: newest.id,
            name: newest.name,
            href: Some(href),
            targets: Some((all, met, behind)),
        }));
    }
    let href = anywhere(actor, Action::RegisterEmployer).then(|| "/campaigns".to_owned());
    Ok(Some(CampaignProgress { id: newest.id, name: newest.name, href, targets: None }))
}

/// The placement rate of the first unit where the person sees statistics, against its parent.
async fn unit_rate(store: &dyn Repository, actor: &Actor, cohort: i32) -> Result<Option<UnitRate>, Error> {
    let Some(code) = access::scope_paths(actor, Action::ViewStatistics)
        .first()
        .and_then(|p| p.rsplit('/').next().map(str::to_owned))
    else {
        return Ok(None);
    };
    let c = crate::statistics::against_parent(store, actor, &code, cohort).await?;
    Ok(Some(UnitRate {
        org_code: c.org.code.to_string(),
        org_name: c.org.name,
        cohort,
        tally: c.tally,
        parent: c.parent.map(|(o, t)| (o.code.to_string(), o.name, t)),
    }))
}

/// The person's main tasks, each only where they may follow it.
fn shortcuts(actor: &Actor) -> Vec<Shortcut> {
    let mut out = Vec::new();
    let mut add = |allowed: bool, id: &'static str, href: &'static str| {
        if allowed {
            out.push(Shortcut { id, href });
        }
    };
    let graduate = access::subject_of(actor, Role::Graduate)
        .is_some_and(|me| access::can(actor, Action::ApplyToPosting, &Resource::owned("", me)).is_some());
    add(graduate, "find_jobs", "/postings");
    add(graduate, "my_applications", "/applications");
    add(graduate, "my_destination", "/me/destination");
    let books = access::subject_of(actor, Role::Graduate)
        .is_some_and(|me| access::can(actor, Action::BookGuidance, &Resource::owned("", me)).is_some());
    add(books || anywhere(actor, Action::PublishGuidance), "guidance", "/guidance");
    let reporter = crate::safety::rights::reporter(actor).is_some();
    add(reporter, "safety", "/safety");
    add(reporter, "rights", "/rights");
    let employer = access::subject_of(actor, Role::Employer)
        .is_some_and(|me| access::can(actor, Action::PostJob, &Resource::owned("", me)).is_some());
    add(employer, "my_postings", "/postings/mine");
    add(employer, "candidates", "/applications");
    add(employer, "talent", "/talent");
    add(employer, "surveys", "/surveys");
    add(anywhere(actor, Action::ApprovePosting), "review_postings", "/postings/review");
    add(anywhere(actor, Action::AnswerDispute), "disputes", "/disputes");
    add(anywhere(actor, Action::ViewGraduate), "graduates", "/graduates");
    add(anywhere(actor, Action::FollowUp), "followup", "/followup");
    add(anywhere(actor, Action::ViewHardshipCoverage), "hardship", "/hardship");
    add(anywhere(actor, Action::ViewStatistics), "stats", "/stats");
    add(anywhere(actor, Action::RegisterEmployer), "campaigns", "/campaigns");
    add(anywhere(actor, Action::LogVisit), "new_visit", "/visits/new");
    add(anywhere(actor, Action::ManageGraduates), "imports", "/imports");
    add(anywhere(actor, Action::ViewIntegrity), "integrity", "/integrity");
    add(anywhere(actor, Action::RegisterEmployer), "corrections", "/employers/corrections");
    add(anywhere(actor, Action::ViewUsers), "users", "/users");
    let handler = anywhere(actor, Action::HandleRightsReport) || anywhere(actor, Action::HandleEscalatedRightsReport);
    add(handler, "rights_handle", "/rights");
    add(anywhere(actor, Action::ViewStatistics), "quiz_completion", "/safety/completion");
    out
}
