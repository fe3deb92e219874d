//! Rights reports (维护就业权益): a graduate reports, in one step, an employer or a university
//! unit that withholds a diploma to force a signature, makes them sign for a job that does not
//! exist, charges fees, or discriminates. The report goes to the career centre of the
//! graduate's university, or to the province directly when it is about that university; one
//! nobody at the university touched within 5 working days reaches the province as well. The
//! graduate follows its states; staff see counts by kind and by employer. Employers never read
//! reports, so the reporter's identity never reaches them; `anonymous` tells staff not to name
//! the graduate when they take the matter up with the employer.

use chrono::{NaiveDate, Utc};
use jiuye_domain::access::{self, Action, Actor, Resource, Role, ScopedGrant};
use jiuye_domain::read_log::ReadKind;
use jiuye_domain::safety::rights::{self, Kind, Route, State};
use jiuye_domain::safety::workdays::Calendar;
use jiuye_domain::text;
use jiuye_store::Repository;
use jiuye_store::safety::{RightsEvent, RightsQuery, RightsReport, RightsRow, RightsTally};
use uuid::Uuid;

use crate::read_log::{Read, Reads};
use crate::{Error, ErrorCode, ErrorKind};

/// What a graduate fills in.
#[derive(Clone, Debug, Default)]
pub struct NewReport<'a> {
    /// A [`Kind`] id.
    pub kind: &'a str,
    /// The employer's 统一社会信用代码, when it is in the directory.
    pub employer: Option<&'a str>,
    /// The code of a university unit (the graduate's own university or one of its colleges).
    pub unit: Option<&'a str>,
    /// Whom the report is about, as the graduate names them (needed when neither code is given).
    pub target_name: Option<&'a str>,
    pub description: &'a str,
    /// Do not give the graduate's name to the employer.
    pub anonymous: bool,
}

/// The rights-report use cases on a node, with the day deadlines are read against.
#[derive(Clone, Copy)]
pub struct Rights<'a> {
    pub store: &'a dyn Repository,
    pub calendar: &'a Calendar,
    pub today: NaiveDate,
}

fn unprocessable(code: ErrorCode, message: impl Into<String>) -> Error {
    Error::new(ErrorKind::Unprocessable, code, message)
}

fn missing() -> Error {
    Error::not_found(ErrorCode::ReportNotFound, "没有这条反映")
}

/// The first `n` segments of a tree path (`CN/510000/4151010610` → n = 3 is the university).
fn prefix(path: &str, n: usize) -> String {
    path.split('/').take(n).collect::<Vec<_>>().join("/")
}

/// A report with its steps and what the caller may do with it.
#[derive(Clone, Debug)]
pub struct ReportView {
    pub row: RightsRow,
    pub events: Vec<RightsEvent>,
    /// The grant under which the caller handles it (none for the graduate reading their own).
    pub handler: Option<ScopedGrant>,
    /// It has reached the province (routed there, escalated, or overdue today).
    pub at_province: bool,
}

/// Counts of the reports a handler sees, by kind and by employer (or other target).
#[derive(Clone, Debug, Default)]
pub struct Summary {
    pub by_kind: Vec<(Kind, i64)>,
    /// (target name, the employer's id when it is in the directory, count), most reported first.
    pub by_target: Vec<(String, Option<Uuid>, i64)>,
    pub total: i64,
}

/// The caller's own graduate record, when they may report about it (and take the safety quiz).
pub fn reporter(actor: &Actor) -> Option<Uuid> {
    access::subject_of(actor, Role::Graduate)
        .filter(|g| access::can(actor, Action::ReportRightsViolation, &Resource::owned("", *g)).is_some())
}

impl Rights<'_> {
    /// Whether a report has reached the province (routed there, escalated, or overdue today).
    pub fn at_province(&self, r: &RightsReport) -> bool {
        let state = State::from_id(&r.state).unwrap_or(State::Received);
        r.route == Route::Province.id() || r.escalated_at.is_some() || rights::overdue(state, r.due_on, self.today)
    }

    /// The grant under which `actor` handles `row`, if any.
    fn handler<'g>(&self, actor: &'g Actor, row: &RightsRow) -> Option<&'g ScopedGrant> {
        let r = &row.report;
        access::handles_rights_report(
            actor,
            &row.university_path,
            &row.province_path,
            r.route == Route::University.id(),
            self.at_province(r),
        )
    }

    /// Files a report for the caller's own graduate record (`403` for anyone else).
    pub async fn file(&self, actor: &Actor, input: &NewReport<'_>) -> Result<RightsRow, Error> {
        let graduate = reporter(actor).ok_or_else(Error::forbidden)?;
        let view = self.store.graduate_view(graduate).await?.ok_or_else(Error::forbidden)?;
        let kind = Kind::from_id(input.kind.trim()).ok_or_else(|| {
            unprocessable(
                ErrorCode::InvalidReportKind,
                "问题类型应为 withheld_documents、fake_agreement、fees、discrimination 或 other",
            )
        })?;
        let description = input.description.trim();
        text::check_len("情况说明", description, text::NOTES)?;
        if description.chars().count() < 5 {
            return Err(unprocessable(ErrorCode::InvalidReason, "请用至少 5 个字说明发生了什么"));
        }
        let university_path = prefix(&view.programme_path, 3);
        let province_code = view.programme_path.split('/').nth(1).unwrap_or_default().to_owned();
        let province = crate::orgs::by_code(self.store, &province_code).await?;
        let employer_code = input.employer.map(str::trim).filter(|s| !s.is_empty());
        let unit_code = input.unit.map(str::trim).filter(|s| !s.is_empty());
        let typed = input.target_name.map(str::trim).filter(|s| !s.is_empty());
        text::check_opt("反映对象", typed, text::TITLE)?;
        let (employer_id, target_org, target_name) = match (employer_code, unit_code, typed) {
            (Some(code), None, _) => {
                let e = self.store.employer_by_credit_code(code).await?.ok_or_else(|| {
                    unprocessable(ErrorCode::InvalidReportTarget, format!("单位库中没有信用代码为 {code} 的用人单位"))
                })?;
                (Some(e.id), None, e.name)
            }
            (None, Some(code), _) => {
                let org = crate::orgs::by_code(self.store, code).await.map_err(|_| {
                    unprocessable(ErrorCode::InvalidReportTarget, format!("没有代码为 {code} 的学校单位"))
                })?;
                (None, Some(org), String::new())
            }
            (None, None, Some(name)) => (None, None, name.to_owned()),
            _ => {
                return Err(unprocessable(
                    ErrorCode::InvalidReportTarget,
                    "请选择一个反映对象：单位库中的用人单位、学校单位，或填写对象名称",
                ));
            }
        };
        let route = Route::of(&university_path, target_org.as_ref().map(|o| o.path.as_str()));
        let now = Utc::now();
        let report = RightsReport {
            id: Uuid::now_v7(),
            graduate_id: graduate,
            reporter_id: actor.user_id,
            university_id: view.graduate.org_id,
            province_id: province.id,
            kind: kind.id().to_owned(),
            employer_id,
            target_org_id: target_org.as_ref().map(|o| o.id),
            target_name: target_org.as_ref().map(|o| o.name.clone()).unwrap_or(target_name),
            description: description.to_owned(),
            anonymous: input.anonymous,
            route: route.id().to_owned(),
            state: State::Received.id().to_owned(),
            due_on: rights::due_on(self.calendar, self.today),
            escalated_at: None,
            created_at: now,
            updated_at: now,
            version: 1,
        };
        let note = match route {
            Route::University => "已提交至本校就业指导中心",
            Route::Province => "反映对象为本校，已直接提交至省级教育部门",
        };
        self.store.add_rights_report(&report, note).await?;
        self.store.rights_report(report.id).await?.ok_or_else(missing)
    }

    /// The query for what `actor` may list: their own reports, and those they handle.
    fn query(&self, actor: &Actor) -> Result<RightsQuery, Error> {
        let q = RightsQuery {
            graduate: reporter(actor),
            university_paths: access::scope_paths(actor, Action::HandleRightsReport),
            province_paths: access::scope_paths(actor, Action::HandleEscalatedRightsReport),
            today: Some(self.today),
            ..RightsQuery::default()
        };
        if q.graduate.is_none() && q.university_paths.is_empty() && q.province_paths.is_empty() {
            return Err(Error::forbidden());
        }
        Ok(q)
    }

    /// The reports the caller filed or handles (`state`: one state, or `open` for received and
    /// handling), newest first, with the total. The read is logged (a list of rights reports: the
    /// filter and how many rows).
    pub async fn list(
        &self,
        actor: &Actor,
        state: Option<&str>,
        kind: Option<&str>,
        limit: i64,
        offset: i64,
        reads: Reads<'_>,
    ) -> Result<(Vec<RightsRow>, i64), Error> {
        let mut q = self.query(actor)?;
        q.states = states(state)?;
        if let Some(k) = kind.map(str::trim).filter(|k| !k.is_empty()) {
            let k =
                Kind::from_id(k).ok_or_else(|| Error::bad_input(ErrorCode::InvalidReportKind, "没有这种问题类型"))?;
            q.kind = Some(k.id().to_owned());
        }
        q.limit = limit;
        q.offset = offset;
        let (rows, total) = self.store.rights_reports(&q).await?;
        let (university, province) = (q.university_paths.first(), q.province_paths.first());
        let grant = access::handles_rights_report(
            actor,
            university.map_or("", String::as_str),
            province.map_or("", String::as_str),
            university.is_some(),
            province.is_some(),
        );
        let scope = university.or(province).cloned();
        let read = Read {
            kind: ReadKind::RightsReport,
            subject_id: None,
            subject_path: scope,
            filter: Some(format!(
                "state={} kind={} offset={offset}",
                state.unwrap_or("all"),
                q.kind.as_deref().unwrap_or("all")
            )),
            rows: i64::try_from(rows.len()).unwrap_or(i64::MAX),
        };
        reads.note(actor, grant, read).await?;
        Ok((rows, total))
    }

    /// How many open reports wait for the caller as a handler (the workbench's count; the
    /// graduate's own reports do not count).
    pub async fn open_to_handle(&self, actor: &Actor) -> Result<Option<i64>, Error> {
        let mut q = match self.query(actor) {
            Ok(q) => q,
            Err(_) => return Ok(None),
        };
        if q.university_paths.is_empty() && q.province_paths.is_empty() {
            return Ok(None);
        }
        q.graduate = None;
        q.states = vec![State::Received.id().into(), State::Handling.id().into()];
        q.limit = 1;
        Ok(Some(self.store.rights_reports(&q).await?.1))
    }

    /// Counts by kind and by target of the reports the caller handles (`403` for anyone who
    /// handles none).
    pub async fn summary(&self, actor: &Actor) -> Result<Summary, Error> {
        let mut q = self.query(actor)?;
        if q.university_paths.is_empty() && q.province_paths.is_empty() {
            return Err(Error::forbidden());
        }
        q.graduate = None;
        let tally: Vec<RightsTally> = self.store.rights_tally(&q).await?;
        let mut out = Summary::default();
        for k in Kind::ALL {
            let n: i64 = tally.iter().filter(|t| t.kind == k.id()).map(|t| t.count).sum();
            if n > 0 {
                out.by_kind.push((k, n));
            }
        }
        for t in &tally {
            out.total += t.count;
            match out.by_target.iter_mut().find(|(name, id, _)| *name == t.target_name && *id == t.employer_id) {
                Some(x) => x.2 += t.count,
                None => out.by_target.push((t.target_name.clone(), t.employer_id, t.count)),
            }
        }
        out.by_target.sort_by(|a, b| b.2.cmp(&a.2).then_with(|| a.0.cmp(&b.0)));
        Ok(out)
    }

    /// One report, for the graduate who filed it or a handler (`404` for anyone else); the read
    /// is logged.
    pub async fn get(&self, actor: &Actor, id: Uuid, reads: Reads<'_>) -> Result<ReportView, Error> {
        let view = self.view(actor, id).await?;
        let read = Read {
            kind: ReadKind::RightsReport,
            subject_id: Some(view.row.report.graduate_id),
            subject_path: Some(view.row.university_path.clone()),
            filter: Some(format!("rights_report:{id}")),
            rows: 1,
        };
        reads.note(actor, view.handler.as_ref(), read).await?;
        Ok(view)
    }

    /// One report with its steps, for the graduate who filed it or a handler.
    async fn view(&self, actor: &Actor, id: Uuid) -> Result<ReportView, Error> {
        let row = self.store.rights_report(id).await?.ok_or_else(missing)?;
        let own =
            access::can(actor, Action::ReportRightsViolation, &Resource::owned("", row.report.graduate_id)).is_some();
        let handler = self.handler(actor, &row).cloned();
        if !own && handler.is_none() {
            return Err(missing());
        }
        let events = self.store.rights_events(id).await?;
        let at_province = self.at_province(&row.report);
        Ok(ReportView { row, events, handler, at_province })
    }

    /// Moves a report to `state` with a note the graduate reads (a handler only; `404` for
    /// anyone else), at the version seen.
    pub async fn advance(
        &self,
        actor: &Actor,
        id: Uuid,
        state: &str,
        note: &str,
        version: i64,
    ) -> Result<(ReportView, ScopedGrant), Error> {
        let row = self.store.rights_report(id).await?.ok_or_else(missing)?;
        let grant = self.handler(actor, &row).ok_or_else(missing)?.clone();
        let to = State::from_id(state.trim()).ok_or_else(|| {
            unprocessable(ErrorCode::InvalidReportState, "处理状态应为 handling、resolved 或 referred")
        })?;
        let from = State::from_id(&row.report.state).unwrap_or(State::Received);
        if !from.may_become(to) {
            return Err(unprocessable(
                ErrorCode::InvalidReportState,
                format!("反映当前为“{}”，不能改为“{}”", from.name(), to.name()),
            ));
        }
        let note = note.trim();
        text::check_len("处理说明", note, text::NOTE)?;
        if note.chars().count() < 2 {
            return Err(unprocessable(ErrorCode::NoteRequired, "请写下处理说明（反映人可以看到）"));
        }
        if !self.store.move_rights_report(id, version, to.id(), actor.user_id, note, self.today).await? {
            return Err(Error::new(
                ErrorKind::Conflict,
                ErrorCode::VersionConflict,
                "这条反映已被他人处理，请刷新后重试",
            ));
        }
        let view = self.view(actor, id).await?;
        Ok((view, grant))
    }
}

/// The states a list filter names: one state, `open` (received and handling), or all.
fn states(state: Option<&str>) -> Result<Vec<String>, Error> {
    match state.map(str::trim).filter(|s| !s.is_empty()) {
        None | Some("all") => Ok(Vec::new()),
        Some("open") => Ok(vec![State::Received.id().into(), State::Handling.id().into()]),
        Some(s) => State::from_id(s).map(|s| vec![s.id().to_owned()]).ok_or_else(|| {
            Error::bad_input(
                ErrorCode::InvalidReportState,
                "state 应为 open、received、handling、resolved、referred 或 all",
            )
        }),
    }
}
