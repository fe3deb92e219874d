//! Courses and livestream lessons (就业指导课程、直播课): advisors and the career centre publish
//! them at their university or a college; graduates of that university or college enrol, join a
//! livestream (which records their attendance) or are marked present at a course; the publishers
//! see each lesson's roll and, per college, how many graduates attended at least one lesson.

use chrono::{DateTime, Utc};
use jiuye_domain::access::{self, Action, Actor, Resource, ScopedGrant};
use jiuye_domain::courses::{self, CourseError, CourseKind};
use jiuye_store::Repository;
use jiuye_store::courses::{CourseRecord, CourseRow, RollRow};
use uuid::Uuid;

use crate::{Error, ErrorCode, ErrorKind};

/// The course use cases on a node, at `now`.
#[derive(Clone, Copy)]
pub struct Courses<'a> {
    pub store: &'a dyn Repository,
    pub now: DateTime<Utc>,
}

/// A lesson as typed.
#[derive(Clone, Debug, Default)]
pub struct NewCourse<'a> {
    /// The university or college offering it (its code; default: where the caller's grant is).
    pub org: Option<&'a str>,
    pub kind: &'a str,
    pub title: &'a str,
    pub starts_at: Option<DateTime<Utc>>,
    pub ends_at: Option<DateTime<Utc>>,
    pub place: &'a str,
    pub url: &'a str,
}

/// A lesson as a graduate sees it: whether they enrolled, and when they attended.
#[derive(Clone, Debug)]
pub struct ForGraduate {
    pub course: CourseRow,
    pub enrolled: bool,
    pub attended: Option<DateTime<Utc>>,
}

/// A college's completion: its graduates of the cohort, and how many attended a lesson.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Completion {
    pub code: String,
    pub name: String,
    pub graduates: i64,
    pub attended: i64,
}

fn no_course() -> Error {
    Error::not_found(ErrorCode::CourseNotFound, "没有这门课程")
}

fn invalid(e: &CourseError) -> Error {
    let code = match e {
        CourseError::Kind => ErrorCode::InvalidKind,
        CourseError::Title => ErrorCode::InvalidText,
        CourseError::Time => ErrorCode::InvalidDate,
        CourseError::Place => ErrorCode::InvalidText,
    };
    Error::new(ErrorKind::Unprocessable, code, e.message())
}

impl Courses<'_> {
    /// Publishes a lesson; answers it with the grant it was published under.
    pub async fn publish(&self, actor: &Actor, input: &NewCourse<'_>) -> Result<(CourseRow, ScopedGrant), Error> {
        let (org, grant) = crate::guidance::publishing_org(self.store, actor, input.org, "课程").await?;
        let (Some(starts_at), Some(ends_at)) = (input.starts_at, input.ends_at) else {
            return Err(invalid(&CourseError::Time));
        };
        let c = courses::check_course(input.kind, input.title, starts_at, ends_at, input.place, input.url, self.now)
            .map_err(|e| invalid(&e))?;
        let record = CourseRecord {
            id: Uuid::now_v7(),
            org_id: org.id,
            kind: c.kind.id().to_owned(),
            title: c.title,
            starts_at: c.starts_at,
            ends_at: c.ends_at,
            place: c.place,
            url: c.url,
            created_by: actor.user_id,
            created_at: self.now,
        };
        self.store.add_course(&record).await?;
        let row = self.store.course(record.id).await?.ok_or_else(no_course)?;
        Ok((row, grant))
    }

    /// The caller's graduate record and the organisations whose lessons they see (their
    /// university and college).
    async fn learner_orgs(&self, actor: &Actor) -> Result<(Uuid, [Uuid; 2]), Error> {
        crate::guidance::learner_orgs(self.store, actor).await
    }

    /// The lessons of the caller's university and college that have not ended, with their own
    /// enrolment.
    pub async fn for_graduate(&self, actor: &Actor) -> Result<Vec<ForGraduate>, Error> {
        let (me, orgs) = self.learner_orgs(actor).await?;
        let mine = self.store.enrolments_of(me).await?;
        let since = self.now - chrono::Duration::days(30);
        Ok(self
            .store
            .courses_at(&orgs, since)
            .await?
            .into_iter()
            .map(|c| {
                let e = mine.iter().find(|(id, _)| *id == c.course.id);
                ForGraduate { enrolled: e.is_some(), attended: e.and_then(|(_, a)| *a), course: c }
            })
            .collect())
    }

    /// The lessons in the caller's publishing scope (from a month back), soonest first.
    pub async fn for_publisher(&self, actor: &Actor) -> Result<Vec<CourseRow>, Error> {
        let scope = access::scope_paths(actor, Action::PublishGuidance);
        if scope.is_empty() {
            return Err(Error::forbidden());
        }
        Ok(self.store.courses_under(&scope, self.now - chrono::Duration::days(30), 200).await?)
    }

    /// A lesson of the caller's university or college (404 for any other).
    async fn open_to(&self, actor: &Actor, id: Uuid) -> Result<(Uuid, CourseRow), Error> {
        let (me, orgs) = self.learner_orgs(actor).await?;
        let c = self.store.course(id).await?.ok_or_else(no_course)?;
        if !orgs.contains(&c.course.org_id) {
            return Err(no_course());
        }
        Ok((me, c))
    }

    /// Enrols the caller (a graduate) in a lesson that has not ended; true when newly enrolled.
    pub async fn enrol(&self, actor: &Actor, id: Uuid) -> Result<bool, Error> {
        let (me, c) = self.open_to(actor, id).await?;
        if c.course.ends_at <= self.now {
            return Err(Error::new(ErrorKind::Conflict, ErrorCode::CourseOver, "这门课程已经结束"));
        }
        Ok(self.store.enrol(id, me, self.now).await?)
    }

    /// The caller joins a livestream: their attendance is recorded (from a quarter of an hour
    /// before it starts to its end); answers the link to open.
    pub async fn join(&self, actor: &Actor, id: Uuid) -> Result<String, Error> {
        let (me, c) = self.open_to(actor, id).await?;
        let kind = CourseKind::from_id(&c.course.kind).unwrap_or(CourseKind::Course);
        if !courses::joinable(kind, c.course.starts_at, c.course.ends_at, self.now) {
            return Err(Error::new(
                ErrorKind::Conflict,
                ErrorCode::CourseNotLive,
                "直播开始前 15 分钟至结束前可以进入；线下课程由老师登记出勤",
            ));
        }
        self.store.attend(id, me, self.now).await?;
        Ok(c.course.url)
    }

    /// A lesson in the caller's publishing scope, with the grant (404 for any other).
    async fn published(&self, actor: &Actor, id: Uuid) -> Result<(CourseRow, ScopedGrant), Error> {
        let c = self.store.course(id).await?.ok_or_else(no_course)?;
        let grant = access::can(actor, Action::PublishGuidance, &Resource::at(&c.org_path)).ok_or_else(no_course)?;
        Ok((c, grant.clone()))
    }

    /// A lesson's roll (its publishers).
    pub async fn roll(&self, actor: &Actor, id: Uuid) -> Result<(CourseRow, Vec<RollRow>), Error> {
        let (c, _) = self.published(actor, id).await?;
        let roll = self.store.course_roll(id).await?;
        Ok((c, roll))
    }

    /// Marks an enrolled graduate present (a publisher, once the lesson has started).
    pub async fn mark(&self, actor: &Actor, id: Uuid, graduate: Uuid) -> Result<(CourseRow, ScopedGrant), Error> {
        let (c, grant) = self.published(actor, id).await?;
        if c.course.starts_at > self.now {
            return Err(Error::new(ErrorKind::Conflict, ErrorCode::CourseNotLive, "课程开始后才能登记出勤"));
        }
        let roll = self.store.course_roll(id).await?;
        if !roll.iter().any(|r| r.graduate_id == graduate) {
            return Err(Error::not_found(ErrorCode::GraduateNotFound, "该毕业生没有报名这门课程"));
        }
        self.store.attend(id, graduate, self.now).await?;
        Ok((c, grant))
    }

    /// Per college of `org` (default: the caller's first), for `cohort` (default: the newest on
    /// the node): its graduates and how many attended at least one lesson. Counts only.
    /// Publishers and those who see statistics.
    pub async fn completion(
        &self,
        actor: &Actor,
        org: Option<&str>,
        cohort: Option<i32>,
    ) -> Result<Vec<Completion>, Error> {
        let code = match org.map(str::trim).filter(|o| !o.is_empty()) {
            Some(c) => c.to_owned(),
            None => {
                let mut scope = access::scope_paths(actor, Action::PublishGuidance);
                scope.extend(access::scope_paths(actor, Action::ViewStatistics));
                let first = scope.first().ok_or_else(Error::forbidden)?;
                first.rsplit('/').next().unwrap_or_default().to_owned()
            }
        };
        let org = crate::orgs::by_code(self.store, &code).await?;
        let at = Resource::at(&org.path);
        if access::can(actor, Action::PublishGuidance, &at).is_none()
            && access::can(actor, Action::ViewStatistics, &at).is_none()
        {
            return Err(Error::forbidden());
        }
        let cohort = match cohort {
            Some(c) => c,
            None => self.store.cohorts().await?.first().copied().unwrap_or(0),
        };
        let rows = self.store.course_completion(&org.path, cohort).await?;
        let mut out = Vec::new();
        for row in rows {
            let (code, name) = match self.store.org_by_id(row.college_id).await? {
                Some(o) => (o.code.to_string(), o.name),
                None => (String::new(), String::new()),
            };
            out.push(Completion { code, name, graduates: row.graduates, attended: row.attended });
        }
        out.sort_by(|a, b| a.code.cmp(&b.code));
        Ok(out)
    }
}
