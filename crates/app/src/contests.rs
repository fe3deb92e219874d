//! Career-planning and entrepreneurship contests (职业规划大赛、创新创业大赛): advisors and the
//! career centre open one at their university or a college and name its judges (staff or
//! teachers of the university); the graduates of that university or college enter until entries
//! close; each judge scores every entry, seeing only their own scores; the organiser sees every
//! mean and publishes the results with the prize counts, after which every graduate who may enter
//! sees the winners and their own result.

use chrono::{DateTime, Utc};
use jiuye_domain::access::{self, Action, Actor, Resource, ScopedGrant};
use jiuye_domain::contests::{self, ContestError, Phase, Prize, Scored};
use jiuye_store::Repository;
use jiuye_store::contests::{ContestRecord, ContestRow, EntryRecord, EntryRow};
use uuid::Uuid;

use crate::{Error, ErrorCode, ErrorKind};

/// The contest use cases on a node, at `now`.
#[derive(Clone, Copy)]
pub struct Contests<'a> {
    pub store: &'a dyn Repository,
    pub now: DateTime<Utc>,
}

/// A contest as typed.
#[derive(Clone, Debug, Default)]
pub struct NewContest<'a> {
    /// The university or college organising it (its code; default: the caller's own).
    pub org: Option<&'a str>,
    pub kind: &'a str,
    pub title: &'a str,
    pub description: &'a str,
    pub entries_close: Option<DateTime<Utc>>,
    /// The judges' usernames.
    pub judges: Vec<&'a str>,
}

/// How the caller stands to a contest.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// Organises it (publishes guidance where it is held).
    Organiser,
    /// Judges it.
    Judge,
    /// May enter it (a graduate of its university or college).
    Entrant,
}

/// An entry as the caller may see it.
#[derive(Clone, Debug)]
pub struct EntryView {
    pub row: EntryRow,
    /// The mean score in hundredths (the organiser; everyone once published).
    pub mean_centi: Option<i64>,
    /// 1-based rank (once published, or for the organiser).
    pub rank: Option<usize>,
    pub prize: Option<Prize>,
    /// The caller's own score and comment (a judge).
    pub my_score: Option<(i32, String)>,
}

/// A contest with what the caller may see of it.
#[derive(Clone, Debug)]
pub struct ContestView {
    pub row: ContestRow,
    pub phase: Phase,
    pub roles: Vec<Role>,
    pub judges: Vec<(Uuid, String)>,
    /// The organiser and judges: every entry; a graduate once published: the prize winners.
    pub entries: Vec<EntryView>,
    /// The caller's own entry (a graduate), with its result once published.
    pub mine: Option<EntryView>,
}

fn missing() -> Error {
    Error::not_found(ErrorCode::ContestNotFound, "没有这项比赛")
}

fn invalid(e: &ContestError) -> Error {
    let code = match e {
        ContestError::Kind => ErrorCode::InvalidKind,
        ContestError::Title | ContestError::Text | ContestError::Link => ErrorCode::InvalidText,
        ContestError::Close => ErrorCode::InvalidDate,
        ContestError::Judges => ErrorCode::InvalidJudge,
        ContestError::Score => ErrorCode::InvalidText,
        ContestError::Prizes => ErrorCode::InvalidCapacity,
    };
    Error::new(ErrorKind::Unprocessable, code, e.message())
}

fn not_judging(message: &str) -> Error {
    Error::new(ErrorKind::Conflict, ErrorCode::ContestNotJudging, message)
}

impl Contests<'_> {
    fn phase(&self, c: &ContestRecord) -> Phase {
        Phase::of(c.entries_close, c.published_at.is_some(), self.now)
    }

    /// Opens a contest; answers it with the grant it was opened under.
    pub async fn create(&self, actor: &Actor, input: &NewContest<'_>) -> Result<(ContestRow, ScopedGrant), Error> {
        let (org, grant) = crate::guidance::publishing_org(self.store, actor, input.org, "比赛").await?;
        let mut names: Vec<&str> = input.judges.iter().map(|j| j.trim()).filter(|j| !j.is_empty()).collect();
        names.sort_unstable();
        names.dedup();
        let close = input.entries_close.ok_or_else(|| invalid(&ContestError::Close))?;
        let (kind, title, description) =
            contests::check_contest(input.kind, input.title, input.description, close, names.len(), self.now)
                .map_err(|e| invalid(&e))?;
        let mut judges = Vec::new();
        for name in names {
            let refuse = || {
                Error::new(
                    ErrorKind::Unprocessable,
                    ErrorCode::InvalidJudge,
                    format!("“{name}”不是本校的教职工账号，不能担任评委"),
                )
            };
            let user = self.store.user_by_username(name).await?.ok_or_else(refuse)?;
            let grants: Vec<ScopedGrant> = self.store.grants_of(user.id).await?.into_iter().map(|g| g.grant).collect();
            if !access::may_be_helper(&grants, &org.path) {
                return Err(refuse());
            }
            judges.push(user.id);
        }
        let record = ContestRecord {
            id: Uuid::now_v7(),
            org_id: org.id,
            kind: kind.id().to_owned(),
            title,
            description,
            entries_close: close,
            prizes: (0, 0, 0),
            published_at: None,
            created_by: actor.user_id,
            created_at: self.now,
        };
        self.store.add_contest(&record, &judges).await?;
        let row = self.store.contest(record.id).await?.ok_or_else(missing)?;
        Ok((row, grant))
    }

    /// How the caller stands to a contest (empty: they may not see it).
    async fn roles(&self, actor: &Actor, c: &ContestRow) -> Result<Vec<Role>, Error> {
        let mut roles = Vec::new();
        if access::can(actor, Action::PublishGuidance, &Resource::at(&c.org_path)).is_some() {
            roles.push(Role::Organiser);
        }
        if self.store.contest_judges(c.contest.id).await?.iter().any(|(id, _)| *id == actor.user_id) {
            roles.push(Role::Judge);
        }
        if let Ok((_, orgs)) = crate::guidance::learner_orgs(self.store, actor).await
            && orgs.contains(&c.contest.org_id)
        {
            roles.push(Role::Entrant);
        }
        Ok(roles)
    }

    /// The contests the caller may enter, judges or organises, newest first.
    pub async fn list(&self, actor: &Actor) -> Result<Vec<(ContestRow, Phase)>, Error> {
        let mut rows = match crate::guidance::learner_orgs(self.store, actor).await {
            Ok((_, orgs)) => self.store.contests_at(&orgs).await?,
            Err(_) => Vec::new(),
        };
        let scope = access::scope_paths(actor, Action::PublishGuidance);
        if !scope.is_empty() {
            rows.extend(self.store.contests_under(&scope).await?);
        }
        rows.extend(self.store.contests_judged_by(actor.user_id).await?);
        // Employers have nothing to do with contests.
        if !access::may_list_contests(actor) {
            return Err(Error::forbidden());
        }
        rows.sort_by(|a, b| {
            b.contest.entries_close.cmp(&a.contest.entries_close).then(a.contest.id.cmp(&b.contest.id))
        });
        rows.dedup_by(|a, b| a.contest.id == b.contest.id);
        Ok(rows
            .into_iter()
            .map(|r| {
                let p = self.phase(&r.contest);
                (r, p)
            })
            .collect())
    }

    /// One contest as the caller may see it (404 for those who may not).
    pub async fn get(&self, actor: &Actor, id: Uuid) -> Result<ContestView, Error> {
        let row = self.store.contest(id).await?.ok_or_else(missing)?;
        let roles = self.roles(actor, &row).await?;
        if roles.is_empty() {
            return Err(missing());
        }
        let phase = self.phase(&row.contest);
        let judges = self.store.contest_judges(id).await?;
        let rows = self.store.contest_entries(id).await?;
        let scored: Vec<Scored> = rows
            .iter()
            .map(|r| Scored {
                mean_centi: contests::mean_centi(r.score_sum, r.judged),
                judged: r.judged,
                submitted: r.entry.submitted_at,
            })
            .collect();
        let order = contests::ranking(&scored);
        let organiser = roles.contains(&Role::Organiser);
        let judge = roles.contains(&Role::Judge);
        let published = phase == Phase::Published;
        let mine_scores = if judge { self.store.scores_by(id, actor.user_id).await? } else { Vec::new() };
        let me = crate::guidance::learner_orgs(self.store, actor).await.ok().map(|(me, _)| me);
        let mut entries = Vec::new();
        let mut mine = None;
        for (rank, &i) in order.iter().enumerate() {
            let r = &rows[i];
            let s = scored[i];
            let shows_result = organiser || published;
            let view = EntryView {
                row: r.clone(),
                mean_centi: if shows_result { s.mean_centi } else { None },
                rank: shows_result.then_some(rank + 1),
                prize: if published { contests::prize(rank, row.contest.prizes, s.judged > 0) } else { None },
                my_score: mine_scores.iter().find(|(e, _, _)| *e == r.entry.id).map(|(_, sc, c)| (*sc, c.clone())),
            };
            if me == Some(r.entry.graduate_id) {
                mine = Some(view.clone());
            }
            if organiser || judge || (published && view.prize.is_some()) {
                entries.push(view);
            }
        }
        // Judges score in submission order, not by rank.
        if !organiser && !published {
            entries.sort_by_key(|e| e.row.entry.submitted_at);
        }
        Ok(ContestView { row, phase, roles, judges, entries, mine })
    }

    /// Enters or changes the caller's entry (a graduate who may enter, until entries close);
    /// true when new.
    pub async fn enter(&self, actor: &Actor, id: Uuid, title: &str, summary: &str, link: &str) -> Result<bool, Error> {
        let (me, orgs) = crate::guidance::learner_orgs(self.store, actor).await?;
        let row = self.store.contest(id).await?.filter(|c| orgs.contains(&c.contest.org_id)).ok_or_else(missing)?;
        if self.phase(&row.contest) != Phase::Open {
            return Err(Error::new(ErrorKind::Conflict, ErrorCode::ContestClosed, "报名已截止"));
        }
        let (title, summary, link) = contests::check_entry(title, summary, link).map_err(|e| invalid(&e))?;
        let entry = EntryRecord {
            id: Uuid::now_v7(),
            contest_id: id,
            graduate_id: me,
            title,
            summary,
            link,
            submitted_at: self.now,
            updated_at: self.now,
        };
        Ok(self.store.upsert_entry(&entry).await?)
    }

    /// A judge scores an entry (after entries close, before the results are published).
    pub async fn score(
        &self,
        actor: &Actor,
        id: Uuid,
        entry: Uuid,
        score: i32,
        comment: &str,
    ) -> Result<ContestRow, Error> {
        let row = self.store.contest(id).await?.ok_or_else(missing)?;
        let roles = self.roles(actor, &row).await?;
        if roles.is_empty() {
            return Err(missing());
        }
        if !roles.contains(&Role::Judge) {
            return Err(Error::forbidden());
        }
        if self.phase(&row.contest) != Phase::Judging {
            return Err(not_judging("报名截止后、公布结果前才能评分"));
        }
        let comment = contests::check_score(score, comment).map_err(|e| invalid(&e))?;
        if !self.store.contest_entries(id).await?.iter().any(|e| e.entry.id == entry) {
            return Err(Error::not_found(ErrorCode::EntryNotFound, "这项比赛没有这份作品"));
        }
        self.store.set_score(entry, actor.user_id, score, &comment, self.now).await?;
        Ok(row)
    }

    /// The organiser publishes the results with the prize counts (after entries close, once).
    pub async fn publish(
        &self,
        actor: &Actor,
        id: Uuid,
        prizes: (i32, i32, i32),
    ) -> Result<(ContestRow, ScopedGrant), Error> {
        let row = self.store.contest(id).await?.ok_or_else(missing)?;
        let Some(grant) = access::can(actor, Action::PublishGuidance, &Resource::at(&row.org_path)) else {
            return Err(if self.roles(actor, &row).await?.is_empty() { missing() } else { Error::forbidden() });
        };
        let grant = grant.clone();
        if self.phase(&row.contest) != Phase::Judging {
            return Err(not_judging("报名截止后才能公布结果，且结果只能公布一次"));
        }
        let entries = self.store.contest_entries(id).await?.len();
        contests::check_prizes(prizes, entries).map_err(|e| invalid(&e))?;
        if !self.store.publish_contest(id, prizes, self.now).await? {
            return Err(not_judging("结果已经公布"));
        }
        let row = self.store.contest(id).await?.ok_or_else(missing)?;
        Ok((row, grant))
    }
}
