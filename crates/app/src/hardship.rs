//! The hardship ledger (帮扶台账, 宏志助航): the career centre's ledger keepers open (or import)
//! one file per graduate in difficulty; the graduate consents (or withdraws); their helper,
//! counselor and college leader work the plan, the recommended postings, the training and the
//! subsidy; the career centre approves plans, subsidies and closures. Coverage counts every file
//! in the ledger, consented or not; a name appears only where the reader may read the file.
//!
//! The profile (categories, disability kind, evidence), the consent and the plan are sealed at
//! rest, each bound to its row. Who may read a file is `access::hardship_reader`; every read is in
//! the read log with the reason.

mod coverage;
pub(crate) use coverage::line_counts;
mod import;

use chrono::{NaiveDate, Utc};
use jiuye_domain::access::{self, Action, Actor, HardshipReason, Resource, Role, ScopedGrant};
use jiuye_domain::destination::DestStatus;
use jiuye_domain::hardship::{
    self, CaseState, Consent, HardshipError, Mover, Plan, PlanAction, PlanState, Profile, Subsidy, Training,
};
use jiuye_domain::read_log::ReadKind;
use jiuye_security::seal::KeyRing;
use jiuye_store::Repository;
use jiuye_store::destinations::GraduateView;
use jiuye_store::hardship::{FileRecord, FileRow};
use uuid::Uuid;

pub use coverage::{Counts, Coverage, CoverageNode, Missing, MissingItem, PendingItem};
pub use import::{ImportOutcome, TEMPLATE_COLUMNS, template_xlsx};

use crate::read_log::{Read, Reads};
use crate::sealing::{self, Place};
use crate::{Error, ErrorCode, ErrorKind};

/// A file's profile (`hardship_files.profile`).
pub const PROFILE: Place = Place { table: "hardship_files", column: "profile" };
/// A file's consent (`hardship_files.consent`).
pub const CONSENT: Place = Place { table: "hardship_files", column: "consent" };
/// A file's plan (`hardship_files.plan`).
pub const PLAN: Place = Place { table: "hardship_files", column: "plan" };

/// The hardship use cases on a node, on `today`.
#[derive(Clone, Copy)]
pub struct Hardship<'a> {
    pub store: &'a dyn Repository,
    pub keys: &'a KeyRing,
    pub today: NaiveDate,
}

/// A file as its reader sees it.
#[derive(Clone, Debug)]
pub struct FileView {
    pub graduate_id: Uuid,
    pub student_no: String,
    pub name: String,
    pub cohort: i32,
    pub college_name: String,
    pub programme_path: String,
    pub profile: Profile,
    pub consent: Consent,
    pub verified_by: Option<String>,
    pub verified_on: Option<NaiveDate>,
    pub plan: Option<Plan>,
    pub plan_state: PlanState,
    pub helper_id: Option<Uuid>,
    pub helper_name: Option<String>,
    pub training: Training,
    pub subsidy: Subsidy,
    pub subsidy_yuan: Option<i64>,
    pub case_state: CaseState,
    pub closed_on: Option<NaiveDate>,
    /// `staff` or `import`.
    pub source: String,
    pub version: i64,
    /// The postings recommended, oldest first.
    pub recommended: Vec<Uuid>,
    /// How many of them are approved and open today.
    pub recommended_open: i64,
    pub last_contact: Option<NaiveDate>,
    pub placed: bool,
    /// Why the reader may read it.
    pub reason: HardshipReason,
}

impl FileView {
    /// Whether the reader keeps the ledger (approves, verifies, sees every file).
    pub fn keeper(&self) -> bool {
        self.reason == HardshipReason::LedgerKeeper
    }

    /// Whether the reader works on the file (everyone who reads it but the graduate).
    pub fn works_on(&self) -> bool {
        self.reason != HardshipReason::Own
    }
}

/// What a request changes in a file (absent: unchanged). A file is opened by a ledger keeper
/// with at least the categories and the evidence.
#[derive(Clone, Debug, Default)]
pub struct Changes {
    /// The version the caller read (required once the file exists).
    pub version: Option<i64>,
    pub categories: Option<Vec<String>>,
    /// A disability kind; `Some("")` clears it.
    pub disability: Option<String>,
    pub evidence: Option<String>,
    pub evidence_note: Option<String>,
    /// The evidence was checked (by the caller, today), or the check is taken back.
    pub verified: Option<bool>,
    /// `paper`: a signed paper consent (ledger keepers only).
    pub consent: Option<String>,
    /// The helper's username; `Some("")` clears it.
    pub helper: Option<String>,
    pub goals: Option<String>,
    pub actions: Option<Vec<PlanAction>>,
    pub plan_state: Option<String>,
    pub training: Option<String>,
    pub subsidy: Option<String>,
    pub case_state: Option<String>,
    pub recommended: Option<Vec<Uuid>>,
}

impl Changes {
    fn touches_profile(&self) -> bool {
        self.categories.is_some()
            || self.disability.is_some()
            || self.evidence.is_some()
            || self.evidence_note.is_some()
    }
}

/// `404 hardship_not_found`: no file, or not one the caller may read.
pub fn not_found() -> Error {
    Error::not_found(ErrorCode::HardshipNotFound, "没有这份帮扶档案，或您无权查看")
}

fn unprocessable(code: ErrorCode, message: impl Into<String>) -> Error {
    Error::new(ErrorKind::Unprocessable, code, message)
}

fn invalid(e: &HardshipError) -> Error {
    let code = match e {
        HardshipError::Category(_) | HardshipError::NoCategory => ErrorCode::InvalidCategory,
        HardshipError::Disability => ErrorCode::InvalidDisability,
        HardshipError::Evidence => ErrorCode::InvalidEvidence,
        HardshipError::Goals | HardshipError::Action(_) | HardshipError::TooManyActions => ErrorCode::InvalidPlan,
        HardshipError::TooLong(_) => ErrorCode::TextTooLong,
    };
    unprocessable(code, e.message())
}

fn bad_step(what: &str, from: &str, to: &str) -> Error {
    Error::new(
        ErrorKind::Conflict,
        ErrorCode::InvalidTransition,
        format!("{what}不能从“{from}”改为“{to}”，或您无权这样做"),
    )
}

fn parse<T>(value: &str, f: fn(&str) -> Option<T>, code: ErrorCode, what: &str) -> Result<T, Error> {
    f(value).ok_or_else(|| unprocessable(code, format!("未知的{what}：{value}")))
}

/// Whether a graduate with this destination counts as placed.
pub(crate) fn placed(status: &str, code: Option<&str>) -> bool {
    DestStatus::from_id(status).is_some_and(|s| jiuye_domain::destination::counts_placed(s, code))
}

/// A stored state as its enum (a value the checks let in; anything else is a corrupt row).
fn stored<T>(value: &str, f: fn(&str) -> Option<T>, what: &str) -> Result<T, Error> {
    f(value).ok_or_else(|| {
        tracing::error!(what, value, "a hardship file holds an unknown state");
        Error::new(ErrorKind::Internal, ErrorCode::InternalError, "服务器内部错误，已记录，请稍后重试")
    })
}

impl Hardship<'_> {
    fn consent_of(&self, f: &FileRecord) -> Result<Consent, Error> {
        let text = sealing::open_text(self.keys, CONSENT, f.graduate_id, &f.consent)?;
        Consent::from_id(&text)
            .ok_or_else(|| sealing::corrupt(CONSENT, f.graduate_id, &jiuye_security::SecurityError::Malformed))
    }

    fn profile_of(&self, f: &FileRecord) -> Result<Profile, Error> {
        let text = sealing::open_text(self.keys, PROFILE, f.graduate_id, &f.profile)?;
        Profile::decode(&text)
            .ok_or_else(|| sealing::corrupt(PROFILE, f.graduate_id, &jiuye_security::SecurityError::Malformed))
    }

    fn plan_of(&self, f: &FileRecord) -> Result<Option<Plan>, Error> {
        let Some(sealed) = &f.plan else { return Ok(None) };
        let text = sealing::open_text(self.keys, PLAN, f.graduate_id, sealed)?;
        Plan::decode(&text)
            .map(Some)
            .ok_or_else(|| sealing::corrupt(PLAN, f.graduate_id, &jiuye_security::SecurityError::Malformed))
    }

    /// Why `actor` may read the file in `row` (with its consent), or `None`.
    fn reader<'g>(
        &self,
        actor: &'g Actor,
        row: &FileRow,
    ) -> Result<Option<(HardshipReason, Option<&'g ScopedGrant>)>, Error> {
        let consent = self.consent_of(&row.file)?;
        Ok(access::hardship_reader(
            actor,
            &row.programme_path,
            row.file.graduate_id,
            row.file.helper_id,
            consent.consented(),
        ))
    }

    async fn view(&self, row: FileRow, reason: HardshipReason) -> Result<FileView, Error> {
        let f = &row.file;
        let recommended = self.store.recommendations(f.graduate_id).await?;
        Ok(FileView {
            graduate_id: f.graduate_id,
            profile: self.profile_of(f)?,
            consent: self.consent_of(f)?,
            plan: self.plan_of(f)?,
            verified_by: row.verified_by_name.clone(),
            verified_on: f.verified_on,
            plan_state: stored(&f.plan_state, PlanState::from_id, "plan_state")?,
            helper_id: f.helper_id,
            helper_name: row.helper_name.clone(),
            training: stored(&f.training, Training::from_id, "training")?,
            subsidy: stored(&f.subsidy, Subsidy::from_id, "subsidy")?,
            subsidy_yuan: f.subsidy_yuan,
            case_state: stored(&f.case_state, CaseState::from_id, "case_state")?,
            closed_on: f.closed_on,
            source: f.source.clone(),
            version: f.version,
            recommended,
            recommended_open: row.recommended,
            last_contact: row.last_contact,
            placed: placed(&row.dest_status, row.dest_code.as_deref()),
            student_no: row.student_no,
            name: row.name,
            cohort: row.cohort,
            college_name: row.college_name,
            programme_path: row.programme_path,
            reason,
        })
    }

    async fn row(&self, id: Uuid) -> Result<Option<FileRow>, Error> {
        Ok(self.store.hardship_file(id, &self.today.to_string()).await?)
    }

    /// Graduate `id`'s file, for those who may read it (404 for everyone else, who learns nothing
    /// of whether there is one). Every read by someone other than the graduate is logged with its
    /// reason.
    pub async fn read(&self, actor: &Actor, id: Uuid, reads: Reads<'_>) -> Result<FileView, Error> {
        let row = self.row(id).await?.ok_or_else(not_found)?;
        let (reason, grant) = self.reader(actor, &row)?.ok_or_else(not_found)?;
        if reason != HardshipReason::Own {
            let read = Read {
                kind: ReadKind::Hardship,
                subject_id: Some(id),
                subject_path: Some(row.programme_path.clone()),
                filter: Some(format!("reason={}", reason.id())),
                rows: 1,
            };
            reads.note(actor, grant, read).await?;
        }
        self.view(row, reason).await
    }

    /// The caller's own graduate record, when they are a graduate.
    fn me(actor: &Actor) -> Result<Uuid, Error> {
        access::subject_of(actor, Role::Graduate)
            .filter(|g| access::can(actor, Action::OwnHardship, &Resource::owned("", *g)).is_some())
            .ok_or_else(Error::forbidden)
    }

    /// The caller's own file, if the career centre opened one.
    pub async fn own(&self, actor: &Actor) -> Result<Option<FileView>, Error> {
        let me = Self::me(actor)?;
        match self.row(me).await? {
            Some(row) => Ok(Some(self.view(row, HardshipReason::Own).await?)),
            None => Ok(None),
        }
    }

    /// The graduate gives (`true`) or withdraws (`false`) their consent. Withdrawal hides the
    /// file from everyone but the ledger keepers at once.
    pub async fn set_consent(&self, actor: &Actor, give: bool) -> Result<FileView, Error> {
        let me = Self::me(actor)?;
        let consent = if give { Consent::Given } else { Consent::Withdrawn };
        // A concurrent edit by staff moves the version; the graduate's choice is applied on top.
        for _ in 0..5 {
            let row = self.row(me).await?.ok_or_else(not_found)?;
            let mut f = row.file.clone();
            f.consent = sealing::seal_text(self.keys, CONSENT, me, consent.id())?;
            f.updated_at = Utc::now();
            if self.store.update_hardship_file(&f, row.file.version).await? {
                let row = self.row(me).await?.ok_or_else(not_found)?;
                return self.view(row, HardshipReason::Own).await;
            }
        }
        Err(Error::new(ErrorKind::Conflict, ErrorCode::VersionConflict, "档案正被修改，请稍后重试"))
    }

    /// Applies `changes` to graduate `id`'s file (opening it when a ledger keeper sends the first
    /// profile); answers the file as the caller now sees it, the grant it was changed under, and
    /// whether it was opened.
    pub async fn change(
        &self,
        actor: &Actor,
        id: Uuid,
        changes: &Changes,
        reads: Reads<'_>,
    ) -> Result<(FileView, Option<ScopedGrant>, bool), Error> {
        let g = self.store.graduate_view(id).await?.ok_or_else(not_found)?;
        let (record, was, grant, opened) = match self.row(id).await? {
            None => {
                let grant =
                    access::can(actor, Action::KeepLedger, &Resource::at(&g.programme_path)).ok_or_else(not_found)?;
                let record = self.open_file(actor, &g, changes).await?;
                (record, None, Some(grant.clone()), true)
            }
            Some(row) => {
                let (reason, grant) = self.reader(actor, &row)?.ok_or_else(not_found)?;
                if reason == HardshipReason::Own {
                    return Err(Error::forbidden());
                }
                let mover = if reason == HardshipReason::LedgerKeeper { Mover::Keeper } else { Mover::Helper };
                let Some(version) = changes.version else {
                    return Err(Error::new(
                        ErrorKind::Conflict,
                        ErrorCode::VersionConflict,
                        "请带上读取档案时的版本号（version），以免覆盖他人的修改",
                    ));
                };
                if version != row.file.version {
                    return Err(conflict());
                }
                let record = self.apply(actor, &g, &row, changes, mover, reason).await?;
                (record, Some(version), grant.cloned(), false)
            }
        };
        if let Some(ids) = &changes.recommended {
            self.check_recommended(&g, ids).await?;
        }
        let written = match was {
            None => self.store.insert_hardship_file(&record).await?,
            Some(v) => self.store.update_hardship_file(&record, v).await?,
        };
        if !written {
            return Err(conflict());
        }
        if let Some(ids) = &changes.recommended {
            self.store.set_recommendations(id, ids, actor.user_id, Utc::now()).await?;
        }
        let view = self.read(actor, id, reads).await?;
        Ok((view, grant, opened))
    }

    /// A new file from the first changes (a ledger keeper's).
    async fn open_file(&self, actor: &Actor, g: &GraduateView, changes: &Changes) -> Result<FileRecord, Error> {
        let now = Utc::now();
        let id = g.graduate.id;
        let empty = FileRecord {
            graduate_id: id,
            profile: String::new(),
            consent: sealing::seal_text(self.keys, CONSENT, id, Consent::Pending.id())?,
            verified_by: None,
            verified_on: None,
            plan: None,
            plan_state: PlanState::None.id().into(),
            plan_approved_by: None,
            helper_id: None,
            training: Training::None.id().into(),
            subsidy: Subsidy::None.id().into(),
            subsidy_yuan: None,
            case_state: CaseState::Open.id().into(),
            closed_on: None,
            source: "staff".into(),
            version: 1,
            created_by: actor.user_id,
            created_at: now,
            updated_at: now,
        };
        if changes.categories.is_none() || changes.evidence.is_none() {
            return Err(invalid(&if changes.categories.is_none() {
                HardshipError::NoCategory
            } else {
                HardshipError::Evidence
            }));
        }
        let row = FileRow {
            file: empty,
            student_no: g.graduate.student_no.clone(),
            name: g.graduate.name.clone(),
            cohort: g.graduate.cohort,
            college_name: g.college_name.clone(),
            programme_path: g.programme_path.clone(),
            dest_code: g.graduate.dest_code.clone(),
            dest_status: g.graduate.dest_status.id().into(),
            helper_name: None,
            verified_by_name: None,
            last_contact: None,
            recommended: 0,
        };
        let mut record = self.apply(actor, g, &row, changes, Mover::Keeper, HardshipReason::LedgerKeeper).await?;
        record.version = 1;
        Ok(record)
    }

    /// The record `changes` make of the file in `row`, checked against what `mover` may do.
    async fn apply(
        &self,
        actor: &Actor,
        g: &GraduateView,
        row: &FileRow,
        changes: &Changes,
        mover: Mover,
        reason: HardshipReason,
    ) -> Result<FileRecord, Error> {
        let keeper = mover == Mover::Keeper;
        let id = row.file.graduate_id;
        let mut f = row.file.clone();
        f.updated_at = Utc::now();
        if changes.touches_profile() || changes.verified.is_some() || changes.consent.is_some() {
            if !keeper {
                return Err(Error::forbidden());
            }
            if changes.touches_profile() {
                let old = if f.profile.is_empty() { Profile::default() } else { self.profile_of(&f)? };
                let categories = changes.categories.clone().unwrap_or(old.categories);
                let disability = match &changes.disability {
                    Some(d) => Some(d.as_str()).filter(|d| !d.trim().is_empty()),
                    None => old.disability.as_deref(),
                };
                let evidence = changes.evidence.as_deref().unwrap_or(&old.evidence);
                let note = changes.evidence_note.as_deref().unwrap_or(&old.evidence_note);
                let profile =
                    hardship::check_profile(&categories, disability, evidence, note).map_err(|e| invalid(&e))?;
                f.profile = sealing::seal_text(self.keys, PROFILE, id, &profile.encode())?;
            }
            match changes.verified {
                Some(true) => {
                    f.verified_by = Some(actor.user_id);
                    f.verified_on = Some(self.today);
                }
                Some(false) => {
                    f.verified_by = None;
                    f.verified_on = None;
                }
                None => {}
            }
            if let Some(c) = &changes.consent {
                let to = parse(c, Consent::from_id, ErrorCode::InvalidConsent, "同意状态")?;
                let from = self.consent_of(&f)?;
                // Staff record a signed paper only; giving and withdrawing are the graduate's.
                if to != from && !(to == Consent::Paper && from == Consent::Pending) {
                    return Err(bad_step("同意状态", from.zh(), to.zh()));
                }
                f.consent = sealing::seal_text(self.keys, CONSENT, id, to.id())?;
            }
        }
        if let Some(h) = &changes.helper {
            if !(keeper || reason == HardshipReason::College) {
                return Err(Error::forbidden());
            }
            f.helper_id = match h.trim() {
                "" => None,
                name => Some(self.helper(name, &g.programme_path).await?),
            };
        }
        let mut from_plan = stored(&f.plan_state, PlanState::from_id, "plan_state")?;
        let stored_plan = from_plan;
        let mut to_plan = from_plan;
        if changes.goals.is_some() || changes.actions.is_some() {
            let old = self.plan_of(&f)?.unwrap_or_default();
            let goals = changes.goals.as_deref().unwrap_or(&old.goals);
            let actions = changes.actions.as_deref().unwrap_or(&old.actions);
            let plan = hardship::check_plan(goals, actions).map_err(|e| invalid(&e))?;
            if old != plan {
                f.plan = Some(sealing::seal_text(self.keys, PLAN, id, &plan.encode())?);
                // A changed plan is a draft again: it goes back to the career centre for approval.
                from_plan = PlanState::Draft;
                to_plan = PlanState::Draft;
            }
        }
        if let Some(s) = &changes.plan_state {
            to_plan = parse(s, PlanState::from_id, ErrorCode::InvalidState, "方案状态")?;
        }
        if to_plan != stored_plan {
            if !hardship::plan_move(from_plan, to_plan, mover) || (to_plan != PlanState::None && f.plan.is_none()) {
                return Err(bad_step("帮扶方案", stored_plan.zh(), to_plan.zh()));
            }
            f.plan_approved_by = (to_plan == PlanState::Approved).then_some(actor.user_id);
        }
        f.plan_state = to_plan.id().into();
        if let Some(t) = &changes.training {
            f.training = parse(t, Training::from_id, ErrorCode::InvalidState, "培训状态")?.id().into();
        }
        if let Some(s) = &changes.subsidy {
            let from = stored(&f.subsidy, Subsidy::from_id, "subsidy")?;
            let to = parse(s, Subsidy::from_id, ErrorCode::InvalidState, "补贴状态")?;
            if !hardship::subsidy_move(from, to, mover) {
                return Err(bad_step("求职创业补贴", from.zh(), to.zh()));
            }
            if to == Subsidy::Approved && from != to {
                // The amount is the province's, as the node's table says on the day of review.
                let province = g.programme_path.split('/').nth(1).unwrap_or_default();
                f.subsidy_yuan = self.store.subsidy_amount(province).await?;
            }
            if matches!(to, Subsidy::None | Subsidy::Applied | Subsidy::Rejected) {
                f.subsidy_yuan = None;
            }
            f.subsidy = to.id().into();
        }
        if let Some(c) = &changes.case_state {
            let from = stored(&f.case_state, CaseState::from_id, "case_state")?;
            let to = parse(c, CaseState::from_id, ErrorCode::InvalidState, "结案状态")?;
            if !hardship::case_move(from, to, mover) {
                return Err(bad_step("帮扶个案", from.zh(), to.zh()));
            }
            f.closed_on = if to == CaseState::Closed { f.closed_on.or(Some(self.today)) } else { None };
            f.case_state = to.id().into();
        }
        Ok(f)
    }

    /// The account named `username`, when it may help a graduate of the programme at `path`.
    async fn helper(&self, username: &str, path: &str) -> Result<Uuid, Error> {
        let refuse =
            || unprocessable(ErrorCode::InvalidHelper, format!("“{username}”不是本校的教职工账号，不能担任帮扶责任人"));
        let user = self.store.user_by_username(username).await?.ok_or_else(refuse)?;
        let grants: Vec<ScopedGrant> = self.store.grants_of(user.id).await?.into_iter().map(|g| g.grant).collect();
        if !access::may_be_helper(&grants, path) {
            return Err(refuse());
        }
        Ok(user.id)
    }

    /// Every posting in `ids` is one the graduate can read today (approved, open, in a scope they
    /// see, its employer not blacklisted or hidden); at most twenty, none twice.
    async fn check_recommended(&self, g: &GraduateView, ids: &[Uuid]) -> Result<(), Error> {
        let mut seen = std::collections::HashSet::new();
        if ids.len() > hardship::MAX_RECOMMENDED || !ids.iter().all(|i| seen.insert(*i)) {
            return Err(unprocessable(ErrorCode::InvalidPosting, "推荐岗位最多 20 个，且不能重复"));
        }
        let graduate = Actor {
            user_id: Uuid::nil(),
            username: String::new(),
            grants: vec![ScopedGrant {
                role: Role::Graduate,
                org_id: g.graduate.programme_id,
                org_code: g.programme_path.rsplit('/').next().unwrap_or_default().to_owned(),
                org_kind: jiuye_domain::OrgKind::Programme,
                org_path: g.programme_path.clone(),
                subject_id: Some(g.graduate.id),
            }],
        };
        let cache = crate::postings::readers::ReaderCache::default();
        for id in ids {
            let r = crate::postings::readers::readable(self.store, &cache, Some(&graduate), *id, self.today).await;
            match r {
                Ok(row) if row.posting.status == jiuye_domain::posting::PostingStatus::Approved => {}
                Ok(_) | Err(Error { kind: ErrorKind::NotFound, .. }) => {
                    return Err(unprocessable(
                        ErrorCode::InvalidPosting,
                        format!("岗位 {id} 不存在、未通过审核、已截止，或该毕业生看不到"),
                    ));
                }
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }
}

/// The table of one-time job-seeking subsidies: (province code, yuan, effective, source), every
/// province; `source` is `shipped` (the unverified data the node started with) or
/// `edited by USERNAME`.
pub async fn subsidy_table(store: &dyn Repository) -> Result<Vec<(String, i64, String, String)>, Error> {
    Ok(store.subsidy_amounts().await?)
}

/// Sets a province's subsidy (its administrators, or the ministry's): 0–20,000 yuan, effective
/// on a YYYY-MM-DD date. Answers the grant it was set under.
pub async fn set_subsidy<'a>(
    store: &dyn Repository,
    actor: &'a Actor,
    province: &str,
    yuan: i64,
    effective: &str,
) -> Result<&'a ScopedGrant, Error> {
    if province.len() != 6 || !province.ends_with("0000") || !province.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Error::not_found(ErrorCode::OrgNotFound, "没有这个省份"));
    }
    let grant = crate::access::authorize(actor, Action::EditSubsidyTable, &Resource::at(&format!("CN/{province}")))?;
    if !(0..=20_000).contains(&yuan) {
        return Err(Error::bad_input(ErrorCode::InvalidAmount, "补贴金额应为 0–20000 元的整数"));
    }
    let day = effective.trim();
    if NaiveDate::parse_from_str(day, "%Y-%m-%d").is_err() {
        return Err(Error::bad_input(ErrorCode::InvalidDate, "生效日期应为 YYYY-MM-DD"));
    }
    store.set_subsidy_amount(province, yuan, day, &format!("edited by {}", actor.username)).await?;
    Ok(grant)
}

/// Deletes the files kept at least `years` years (never fewer than three, PIPL art. 55–56)
/// after both the case's closure (or no closure) and the end of the graduate's cohort year.
/// The purge is written to the audit log, with how many files went and the cut-off, as
/// done `by`.
pub async fn purge(store: &dyn Repository, today: NaiveDate, years: u32, by: &str) -> Result<u64, Error> {
    let years = years.max(hardship::MIN_RETENTION_YEARS);
    let cut = today.checked_sub_months(chrono::Months::new(12 * years)).unwrap_or(NaiveDate::MIN);
    let deleted = store.purge_hardship(cut, chrono::Datelike::year(&cut)).await?;
    store
        .append_audit(&jiuye_store::accounts::AuditEntry {
            username: Some(by.to_owned()),
            action: "hardship_purge".into(),
            target: Some("hardship_files".into()),
            result: "ok".into(),
            detail: Some(format!("删除 {deleted} 份帮扶档案：结案（或未结案）且届别在 {cut} 之前；保留期 {years} 年")),
            ..Default::default()
        })
        .await?;
    Ok(deleted)
}

fn conflict() -> Error {
    Error::new(ErrorKind::Conflict, ErrorCode::VersionConflict, "档案已被他人修改，请刷新后重试")
}

#[cfg(test)]
mod tests {
    use jiuye_domain::access::Role;
    use jiuye_domain::{OrgCode, OrgKind, RefData, SchoolCode};
    use jiuye_store::sqlite::SqliteStore;

    use super::*;
    use crate::sealing::{Sealed, seal_at_rest};
    use crate::test_support::{NO_PASSWORD, account, child};

    #[tokio::test]
    async fn a_rotation_seals_files_anew_and_the_purge_keeps_three_years() {
        let dir = std::env::temp_dir().join(format!("jiuye-hardship-{}", Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).unwrap();
        let store = SqliteStore::open(&dir.join("jiuye.db")).await.unwrap();
        let s: &dyn Repository = &store;
        s.sync_reference_data(&RefData::load().unwrap()).await.unwrap();
        let node = s.node().await.unwrap().node_id;
        let scu = s.org_by_code(&OrgCode::parse("4151010610").unwrap()).await.unwrap().unwrap();
        let school = SchoolCode::parse("4151010610").unwrap();
        let cs = child(node, &scu, OrgCode::college(&school, 1), OrgKind::College, "计算机学院", None);
        let code = OrgCode::programme(&cs.code, &jiuye_domain::MajorCode::parse("080901").unwrap());
        let major = child(node, &cs, code, OrgKind::Programme, "计算机科学与技术", Some("080901"));
        s.upsert_orgs(&[cs.clone(), major.clone()]).await.unwrap();
        let mut g = crate::test_support::graduate(node, &scu, &cs, &major, "2019141460001", "张三");
        g.cohort = 2019;
        s.insert_graduates(std::slice::from_ref(&g)).await.unwrap();
        let career = account(s, "k", &scu, Role::CareerStaff, None, NO_PASSWORD).await;
        let keys = KeyRing::generate().unwrap();
        let log = crate::read_log::ReadLog::disabled();
        let reads = Reads { log: &log, ip: None };
        let today = NaiveDate::from_ymd_opt(2023, 5, 20).unwrap();
        let h = Hardship { store: s, keys: &keys, today };
        let open = Changes {
            categories: Some(vec!["低保家庭".into()]),
            evidence: Some("minimum_living_certificate".into()),
            goals: Some("落实去向".into()),
            actions: Some(vec![]),
            ..Changes::default()
        };
        let (v, _, opened) = h.change(&career, g.id, &open, reads).await.unwrap();
        assert!(opened);
        assert_eq!((v.plan_state, v.consent), (PlanState::Draft, Consent::Pending));

        let mut newer = KeyRing::parse(&keys.to_file()).unwrap();
        newer.add_new_key().unwrap();
        let done = seal_at_rest(s, &newer, &dir.join("files")).await.unwrap();
        assert_eq!(done, Sealed { sealed: 0, resealed: 1, current: 0, skipped: 0 });
        let h = Hardship { store: s, keys: &newer, today };
        let v = h.read(&career, g.id, reads).await.unwrap();
        assert_eq!(v.profile.categories(), [jiuye_domain::hardship::Category::MinimumLiving]);
        assert_eq!(v.plan.map(|p| p.goals).as_deref(), Some("落实去向"));

        // A purge asked for one year still keeps three: in mid-2022 the 2019 cohort's file stays;
        // by 2023-05-20 the cohort ended more than three years ago and the file goes.
        assert_eq!(purge(s, NaiveDate::from_ymd_opt(2022, 6, 1).unwrap(), 1, "test").await.unwrap(), 0);
        assert_eq!(purge(s, today, 3, "test").await.unwrap(), 1);
        assert!(s.hardship_file(g.id, "2023-05-20").await.unwrap().is_none());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
