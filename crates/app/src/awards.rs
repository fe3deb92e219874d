//! The 基层就业卓越奖 nominations: a college (its leader, or the career centre on its behalf)
//! nominates a graduate who recently went to the grassroots, or a teacher who guided such
//! graduates; the university's career centre forwards it to the province or returns it with a
//! reason; the province awards or declines it. Every step carries the version it was taken on
//! and is kept with who took it and why.

use chrono::{DateTime, Datelike, Utc};
use jiuye_domain::OrgKind;
use jiuye_domain::access::{self, Action, Actor, Resource, ScopedGrant};
use jiuye_domain::awards::{self, Level, NominationError, NominationState, NomineeKind, Step};
use jiuye_store::Repository;
use jiuye_store::awards::{NominationRecord, NominationRow, StepRecord, StepRow};
use uuid::Uuid;

use crate::{Error, ErrorCode, ErrorKind};

/// The award use cases on a node, at `now`.
#[derive(Clone, Copy)]
pub struct Awards<'a> {
    pub store: &'a dyn Repository,
    pub now: DateTime<Utc>,
}

/// A nomination as typed.
#[derive(Clone, Debug, Default)]
pub struct NewNomination<'a> {
    /// `graduate` or `teacher`.
    pub kind: &'a str,
    /// The graduate (kind `graduate`); their college nominates.
    pub graduate: Option<Uuid>,
    /// Or the graduate's 学号 at the caller's university.
    pub student_no: Option<&'a str>,
    /// The nominating college's code (kind `teacher`; default: the caller's college).
    pub college: Option<&'a str>,
    /// The teacher's name (kind `teacher`).
    pub teacher: &'a str,
    /// 事迹材料.
    pub citation: &'a str,
    /// The award's year (default: this year).
    pub year: Option<i32>,
}

/// A step as asked for.
#[derive(Clone, Debug, Default)]
pub struct StepInput<'a> {
    pub step: &'a str,
    pub reason: &'a str,
    /// A changed citation (resubmitting after a return).
    pub citation: Option<&'a str>,
    /// The version the caller saw.
    pub version: i64,
}

/// A nomination with its history and the steps the caller may take now.
#[derive(Clone, Debug)]
pub struct NominationView {
    pub row: NominationRow,
    pub steps: Vec<StepRow>,
    pub allowed: Vec<Step>,
}

fn missing() -> Error {
    Error::not_found(ErrorCode::NominationNotFound, "没有这项推荐")
}

fn invalid(e: &NominationError) -> Error {
    let code = match e {
        NominationError::Kind => ErrorCode::InvalidKind,
        NominationError::Name => ErrorCode::InvalidName,
        NominationError::Citation => ErrorCode::InvalidText,
        NominationError::Year => ErrorCode::InvalidYear,
        NominationError::Reason => ErrorCode::InvalidReason,
    };
    Error::new(ErrorKind::Unprocessable, code, e.message())
}

fn state_of(row: &NominationRow) -> NominationState {
    NominationState::from_id(&row.nomination.state).unwrap_or(NominationState::Withdrawn)
}

/// The action a level's steps need.
fn action_of(level: Level) -> Action {
    match level {
        Level::College => Action::NominateAward,
        Level::University => Action::EndorseAward,
        Level::Province => Action::DecideAward,
    }
}

/// Whether `actor` sees a nomination: its college and university see every one; the province
/// sees those forwarded to it (and what it decided).
fn sees(actor: &Actor, row: &NominationRow) -> bool {
    let at = Resource::at(&row.college_path);
    access::can(actor, Action::NominateAward, &at).is_some()
        || access::can(actor, Action::EndorseAward, &at).is_some()
        || (access::can(actor, Action::DecideAward, &at).is_some()
            && matches!(
                state_of(row),
                NominationState::Forwarded | NominationState::Awarded | NominationState::Declined
            ))
}

/// The steps `actor` may take on a nomination now.
fn allowed(actor: &Actor, row: &NominationRow) -> Vec<Step> {
    let at = Resource::at(&row.college_path);
    awards::steps_from(state_of(row))
        .into_iter()
        .filter(|s| access::can(actor, action_of(s.level()), &at).is_some())
        .collect()
}

impl Awards<'_> {
    /// Nominates; answers the nomination and the grant it was made under.
    pub async fn nominate(
        &self,
        actor: &Actor,
        input: &NewNomination<'_>,
    ) -> Result<(NominationRow, ScopedGrant), Error> {
        let this_year = self.now.year();
        let year = input.year.unwrap_or(this_year);
        let (kind, teacher, citation) =
            awards::check_nomination(input.kind, input.teacher, input.citation, year, this_year)
                .map_err(|e| invalid(&e))?;
        let (college, graduate) = match kind {
            NomineeKind::Graduate => {
                let no_graduate = || Error::not_found(ErrorCode::GraduateNotFound, "没有这名毕业生");
                let id = match (input.graduate, input.student_no.map(str::trim).filter(|s| !s.is_empty())) {
                    (Some(id), _) => id,
                    (None, Some(no)) => self.by_student_no(actor, no).await?.ok_or_else(no_graduate)?,
                    (None, None) => return Err(no_graduate()),
                };
                let g = self.store.graduate_view(id).await?.ok_or_else(no_graduate)?;
                let college = self.store.org_by_id(g.graduate.college_id).await?.ok_or_else(no_graduate)?;
                // Someone who may not nominate at the graduate's college learns nothing of them.
                if access::can(actor, Action::NominateAward, &Resource::at(&college.path)).is_none() {
                    return Err(no_graduate());
                }
                let recent = g.graduate.cohort >= year - awards::RECENT_YEARS && g.graduate.cohort <= year;
                if !recent || !g.graduate.dest_code.as_deref().is_some_and(awards::is_grassroots) {
                    return Err(Error::new(
                        ErrorKind::Unprocessable,
                        ErrorCode::NotGrassroots,
                        format!("只能推荐近 {} 年内毕业、去向为基层项目、选调或应征入伍的毕业生", awards::RECENT_YEARS),
                    ));
                }
                (college, Some(id))
            }
            NomineeKind::Teacher => {
                let code = match input.college.map(str::trim).filter(|c| !c.is_empty()) {
                    Some(c) => c.to_owned(),
                    None => {
                        let scope = access::scope_paths(actor, Action::NominateAward);
                        let home = scope.first().ok_or_else(Error::forbidden)?;
                        home.rsplit('/').next().unwrap_or_default().to_owned()
                    }
                };
                let college = crate::orgs::by_code(self.store, &code).await?;
                if college.kind != OrgKind::College {
                    return Err(Error::new(ErrorKind::Unprocessable, ErrorCode::InvalidOrg, "请选择推荐的院系"));
                }
                (college, None)
            }
        };
        let grant = crate::access::authorize(actor, Action::NominateAward, &Resource::at(&college.path))?.clone();
        let id = Uuid::now_v7();
        let state = NominationState::Submitted.id().to_owned();
        let record = NominationRecord {
            id,
            year,
            college_id: college.id,
            kind: kind.id().to_owned(),
            graduate_id: graduate,
            teacher_name: teacher,
            citation,
            state: state.clone(),
            version: 1,
            created_by: actor.user_id,
            created_at: self.now,
            updated_at: self.now,
        };
        let first = StepRecord {
            id: Uuid::now_v7(),
            nomination_id: id,
            step: "submit".into(),
            from_state: String::new(),
            to_state: state,
            reason: String::new(),
            by_user: actor.user_id,
            at: self.now,
        };
        if !self.store.add_nomination(&record, &first).await? {
            return Err(Error::new(ErrorKind::Conflict, ErrorCode::AlreadyNominated, "该毕业生本年度已被推荐"));
        }
        let row = self.store.nomination(id).await?.ok_or_else(missing)?;
        Ok((row, grant))
    }

    /// The graduate with 学号 `no` at a university where the caller may nominate.
    async fn by_student_no(&self, actor: &Actor, no: &str) -> Result<Option<Uuid>, Error> {
        let mut universities: Vec<String> = access::scope_paths(actor, Action::NominateAward)
            .iter()
            .filter_map(|p| p.split('/').nth(2).map(str::to_owned))
            .collect();
        universities.dedup();
        for code in universities {
            let Ok(u) = crate::orgs::by_code(self.store, &code).await else { continue };
            if let Some(g) = self.store.graduate_by_student_no(u.id, no).await? {
                return Ok(Some(g.id));
            }
        }
        Ok(None)
    }

    /// The nominations the caller sees (of `year` when given), newest first.
    pub async fn list(&self, actor: &Actor, year: Option<i32>) -> Result<Vec<NominationView>, Error> {
        let mut scope = access::scope_paths(actor, Action::NominateAward);
        scope.extend(access::scope_paths(actor, Action::EndorseAward));
        scope.extend(access::scope_paths(actor, Action::DecideAward));
        if scope.is_empty() {
            return Err(Error::forbidden());
        }
        scope.sort();
        scope.dedup();
        Ok(self
            .store
            .nominations_under(&scope, year)
            .await?
            .into_iter()
            .filter(|r| sees(actor, r))
            .map(|row| NominationView { allowed: allowed(actor, &row), row, steps: Vec::new() })
            .collect())
    }

    /// One nomination with its history (404 for those the caller does not see).
    pub async fn get(&self, actor: &Actor, id: Uuid) -> Result<NominationView, Error> {
        let row = self.store.nomination(id).await?.filter(|r| sees(actor, r)).ok_or_else(missing)?;
        let steps = self.store.nomination_steps(id).await?;
        Ok(NominationView { allowed: allowed(actor, &row), row, steps })
    }

    /// Takes a step; answers the nomination as it now stands and the grant the step was taken
    /// under.
    pub async fn step(
        &self,
        actor: &Actor,
        id: Uuid,
        input: &StepInput<'_>,
    ) -> Result<(NominationView, ScopedGrant), Error> {
        let row = self.store.nomination(id).await?.filter(|r| sees(actor, r)).ok_or_else(missing)?;
        let Some(step) = Step::from_id(input.step) else {
            return Err(Error::new(
                ErrorKind::Unprocessable,
                ErrorCode::InvalidDecision,
                "操作应为 resubmit、withdraw、forward、return、award 或 decline",
            ));
        };
        let at = Resource::at(&row.college_path);
        let grant = crate::access::authorize(actor, action_of(step.level()), &at)?.clone();
        let from = state_of(&row);
        let Some(to) = step.apply(from) else {
            return Err(Error::new(
                ErrorKind::Conflict,
                ErrorCode::InvalidTransition,
                format!("“{}”的推荐不能{}", from.zh(), step.zh()),
            ));
        };
        let reason = awards::check_reason(step, input.reason).map_err(|e| invalid(&e))?;
        let citation = match input.citation.filter(|c| !c.trim().is_empty()) {
            Some(c) if step == Step::Resubmit => {
                let n = c.trim().chars().count();
                if !(awards::CITATION_MIN..=awards::CITATION_MAX).contains(&n) {
                    return Err(invalid(&NominationError::Citation));
                }
                Some(c.trim())
            }
            _ => None,
        };
        let record = StepRecord {
            id: Uuid::now_v7(),
            nomination_id: id,
            step: step.id().into(),
            from_state: from.id().into(),
            to_state: to.id().into(),
            reason,
            by_user: actor.user_id,
            at: self.now,
        };
        if !self.store.step_nomination(input.version, citation, &record).await? {
            return Err(Error::new(
                ErrorKind::Conflict,
                ErrorCode::VersionConflict,
                "这项推荐已被他人修改，请刷新后再操作",
            ));
        }
        Ok((self.get(actor, id).await?, grant))
    }

    /// How many nominations wait for the caller (the university: submitted; the province:
    /// forwarded); None when the caller takes no such step.
    pub async fn waiting(&self, actor: &Actor) -> Result<Option<i64>, Error> {
        let takes = !access::scope_paths(actor, Action::EndorseAward).is_empty()
            || !access::scope_paths(actor, Action::DecideAward).is_empty();
        if !takes {
            return Ok(None);
        }
        let list = self.list(actor, None).await?;
        let n = list
            .iter()
            .filter(|v| v.allowed.iter().any(|s| matches!(s.level(), Level::University | Level::Province)))
            .count();
        Ok(Some(n as i64))
    }
}
