//! Applications (投递): a graduate applies to a posting open to them; the employer sees only the
//! applicants to its own postings and moves each through the pipeline (submitted, viewed,
//! interview, offer, rejected); the graduate sees every state with its date and may withdraw;
//! both write messages on the application, and the graduate attaches a résumé that only the two
//! parties read. A graduate's profile reaches an employer only through an application, or the
//! talent list when the graduate opts in. A blacklisted employer reaches no graduate any more.

use chrono::{DateTime, Utc};
use jiuye_domain::access::{self, Action, Actor, Resource, Role};
use jiuye_domain::employer::Verification;
use jiuye_domain::posting::ApplicationStatus;
use jiuye_store::Repository;
use jiuye_store::postings::{ApplicationRow, ApplicationSide, TalentRow};
use uuid::Uuid;

use crate::files::Files;
use crate::postings::Postings;
use crate::read_log::Reads;
use crate::sealing::RESUME_FILE;
use crate::{Error, ErrorCode, ErrorKind};

/// Where an employer can move an application.
pub const EMPLOYER_STEPS: &[ApplicationStatus] =
    &[ApplicationStatus::Viewed, ApplicationStatus::Interview, ApplicationStatus::Offer, ApplicationStatus::Rejected];

/// Which side of an application someone is on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Party {
    Graduate,
    Employer,
}

impl Party {
    /// How a message's sender is stored and shown: `graduate` or `employer`.
    pub fn id(self) -> &'static str {
        match self {
            Party::Graduate => "graduate",
            Party::Employer => "employer",
        }
    }
}

/// One message on an application.
#[derive(Clone, Debug)]
pub struct Message {
    /// `employer` or `graduate`.
    pub sender: String,
    pub body: String,
    pub at: DateTime<Utc>,
}

/// An application as its two parties see it: the record, every state with its date (oldest
/// first) and, when asked for, the messages.
#[derive(Clone, Debug)]
pub struct ApplicationView {
    pub application: ApplicationRow,
    pub history: Vec<(ApplicationStatus, DateTime<Utc>)>,
    pub messages: Vec<Message>,
    /// The other party moved it or wrote on it since the caller last opened it.
    pub changed: bool,
}

/// A résumé as read by a party: its bytes and media type.
#[derive(Clone, Debug)]
pub struct Resume {
    pub application_id: Uuid,
    pub content_type: String,
    pub bytes: Vec<u8>,
}

fn unprocessable(code: ErrorCode, message: impl Into<String>) -> Error {
    Error::new(ErrorKind::Unprocessable, code, message)
}

fn missing() -> Error {
    Error::not_found(ErrorCode::ApplicationNotFound, "没有这份申请")
}

async fn view(store: &dyn Repository, a: ApplicationRow, with_messages: bool) -> Result<ApplicationView, Error> {
    let history = store.application_events(a.id).await?;
    let messages = if with_messages {
        store
            .application_messages(a.id)
            .await?
            .into_iter()
            .map(|(sender, body, at)| Message { sender, body, at })
            .collect()
    } else {
        Vec::new()
    };
    Ok(ApplicationView { application: a, history, messages, changed: false })
}

async fn reread(store: &dyn Repository, id: Uuid) -> Result<ApplicationView, Error> {
    let a = store.application(id).await?.ok_or_else(Error::forbidden)?;
    view(store, a, true).await
}

/// The graduate record `actor` acts for, when they are a graduate.
pub fn own_graduate(actor: &Actor) -> Option<Uuid> {
    access::subject_of(actor, Role::Graduate)
}

/// Which party of the application `actor` is, if any.
fn party(actor: &Actor, a: &ApplicationRow) -> Option<Party> {
    if access::can(actor, Action::ApplyToPosting, &Resource::owned("", a.graduate_id)).is_some() {
        Some(Party::Graduate)
    } else if access::can(actor, Action::PostJob, &Resource::owned("", a.employer_id)).is_some() {
        Some(Party::Employer)
    } else {
        None
    }
}

/// `403 employer_blacklisted` when the employer may no longer reach graduates.
pub async fn reaches_graduates(store: &dyn Repository, employer_id: Uuid) -> Result<(), Error> {
    let verification =
        store.employer_by_id(employer_id).await?.map(|e| e.verification).unwrap_or(Verification::Unverified);
    if verification.reaches_graduates() {
        Ok(())
    } else {
        Err(Error::new(
            ErrorKind::Forbidden,
            ErrorCode::EmployerBlacklisted,
            "贵单位已被列入黑名单，不能再查看或联系毕业生",
        ))
    }
}

/// An application `actor` is a party to (404 for anyone else; 403 for a blacklisted employer).
async fn as_party(store: &dyn Repository, actor: &Actor, id: Uuid) -> Result<(ApplicationRow, Party), Error> {
    let a = store.application(id).await?.ok_or_else(missing)?;
    let who = party(actor, &a).ok_or_else(missing)?;
    if who == Party::Employer {
        reaches_graduates(store, a.employer_id).await?;
    }
    Ok((a, who))
}

/// The caller (a graduate) applies, once, to a posting they can read while it is open, with
/// optional words to the employer (at most 1,000 characters).
pub async fn apply(
    postings: &Postings<'_>,
    actor: &Actor,
    posting: Uuid,
    note: Option<&str>,
) -> Result<ApplicationView, Error> {
    let graduate = own_graduate(actor)
        .ok_or_else(|| Error::new(ErrorKind::Forbidden, ErrorCode::Forbidden, "只有毕业生账号可以投递"))?;
    let r = postings.readable(Some(actor), posting).await?;
    if !jiuye_domain::posting::is_open(r.posting.status, r.posting.deadline, postings.today) {
        return Err(unprocessable(ErrorCode::PostingClosed, "该职位未发布或已截止"));
    }
    let note = note.map(str::trim).filter(|n| !n.is_empty());
    jiuye_domain::text::check_opt("附言", note, jiuye_domain::text::APPLICATION_NOTE)?;
    let id = Uuid::now_v7();
    if !postings.store.add_application(id, posting, graduate, note, actor.user_id).await? {
        return Err(Error::new(ErrorKind::Conflict, ErrorCode::AlreadyApplied, "您已投递过这个职位"));
    }
    reread(postings.store, id).await
}

/// The caller's own applications (a graduate's), newest first.
pub async fn mine(store: &dyn Repository, actor: &Actor) -> Result<Vec<ApplicationView>, Error> {
    let graduate = own_graduate(actor).ok_or_else(Error::forbidden)?;
    let changed = store.changed_applications(actor.user_id, ApplicationSide::Graduate, graduate).await?;
    let mut items = Vec::new();
    for a in store.applications_of_graduate(graduate).await? {
        let mut v = view(store, a, false).await?;
        v.changed = changed.contains(&v.application.id);
        items.push(v);
    }
    Ok(items)
}

/// Every application to any posting of the caller's employer (an employer's account), newest
/// first, each marked when the applicant moved it or wrote on it since the caller last opened it;
/// 403 for anyone else and for a blacklisted employer.
pub async fn received(store: &dyn Repository, actor: &Actor) -> Result<Vec<ApplicationView>, Error> {
    let employer = access::subject_of(actor, Role::Employer).ok_or_else(Error::forbidden)?;
    access::can(actor, Action::PostJob, &Resource::owned("", employer)).ok_or_else(Error::forbidden)?;
    reaches_graduates(store, employer).await?;
    let changed = store.changed_applications(actor.user_id, ApplicationSide::Employer, employer).await?;
    let mut items = Vec::new();
    for a in store.applications_to_employer(employer).await? {
        let mut v = view(store, a, false).await?;
        v.changed = changed.contains(&v.application.id);
        items.push(v);
    }
    Ok(items)
}

/// How many of the caller's applications (a graduate's own, or those an employer's account
/// receives) the other party moved or wrote on since the caller last opened them; `None` for
/// someone who is neither (or an employer that no longer reaches graduates).
pub async fn changed_count(store: &dyn Repository, actor: &Actor) -> Result<Option<i64>, Error> {
    let side = if let Some(graduate) = own_graduate(actor) {
        (ApplicationSide::Graduate, graduate)
    } else if let Some(employer) = access::subject_of(actor, Role::Employer)
        && access::can(actor, Action::PostJob, &Resource::owned("", employer)).is_some()
        && reaches_graduates(store, employer).await.is_ok()
    {
        (ApplicationSide::Employer, employer)
    } else {
        return Ok(None);
    };
    Ok(Some(store.changed_applications(actor.user_id, side.0, side.1).await?.len() as i64))
}

/// The applicants to one of the caller's employer's postings, oldest first; anyone else gets
/// 404, and a blacklisted employer 403.
pub async fn applicants(store: &dyn Repository, actor: &Actor, posting: Uuid) -> Result<Vec<ApplicationView>, Error> {
    let p = store.posting(posting).await?.ok_or_else(crate::postings::readers::missing)?;
    access::can(actor, Action::PostJob, &Resource::owned("", p.posting.employer_id))
        .ok_or_else(crate::postings::readers::missing)?;
    reaches_graduates(store, p.posting.employer_id).await?;
    let mut items = Vec::new();
    for a in store.applications_to_posting(posting).await? {
        items.push(view(store, a, false).await?);
    }
    Ok(items)
}

/// One application with its history and messages (its two parties only).
/// Opening it marks it seen for the caller: what the other party did until now is no longer new.
pub async fn get(store: &dyn Repository, actor: &Actor, id: Uuid) -> Result<ApplicationView, Error> {
    let (a, _) = as_party(store, actor, id).await?;
    let v = view(store, a, true).await?;
    store.mark_application_seen(id, actor.user_id).await?;
    Ok(v)
}

/// Moves an application along (its employer: viewed, interview, offer, rejected) or withdraws
/// it (its graduate), at the version seen.
pub async fn move_to(
    store: &dyn Repository,
    actor: &Actor,
    id: Uuid,
    to: &str,
    version: i64,
) -> Result<ApplicationView, Error> {
    let (a, who) = as_party(store, actor, id).await?;
    let to = to.trim();
    let step = ApplicationStatus::from_id(to)
        .filter(|s| match who {
            Party::Employer => EMPLOYER_STEPS.contains(s),
            Party::Graduate => *s == ApplicationStatus::Withdrawn,
        })
        .ok_or_else(|| unprocessable(ErrorCode::InvalidStatus, format!("您不能把申请改为“{to}”")))?;
    if a.status.is_closed() {
        return Err(unprocessable(ErrorCode::ApplicationClosed, "这份申请已结束"));
    }
    if !store.set_application_status(id, version, step, actor.user_id).await? {
        return Err(Error::new(ErrorKind::Conflict, ErrorCode::VersionConflict, "申请状态已变化，请刷新后重试"));
    }
    reread(store, id).await
}

/// Writes a message (1–2,000 characters) on an application, as whichever party the caller is.
pub async fn message(store: &dyn Repository, actor: &Actor, id: Uuid, body: &str) -> Result<ApplicationView, Error> {
    let (a, who) = as_party(store, actor, id).await?;
    let body = body.trim();
    jiuye_domain::text::check_len("消息", body, jiuye_domain::text::MESSAGE)?;
    if body.is_empty() {
        return Err(unprocessable(ErrorCode::InvalidMessage, "消息应为 1–2000 个字"));
    }
    store.add_application_message(id, who.id(), body).await?;
    store.mark_application_seen(id, actor.user_id).await?;
    view(store, a, true).await
}

/// Attaches a résumé (a PDF of at most 5 MB, read from its content) to the caller's own open
/// application, replacing any earlier one; the file is kept sealed, bound to the application.
pub async fn attach_resume(
    store: &dyn Repository,
    files: &Files<'_>,
    actor: &Actor,
    id: Uuid,
    bytes: &[u8],
) -> Result<ApplicationView, Error> {
    let (a, who) = as_party(store, actor, id).await?;
    if who != Party::Graduate {
        return Err(Error::new(ErrorKind::Forbidden, ErrorCode::Forbidden, "只有申请人本人可以上传简历"));
    }
    if a.status.is_closed() {
        return Err(unprocessable(ErrorCode::ApplicationClosed, "这份申请已结束"));
    }
    let content_type = crate::files::accept(
        bytes,
        |t| t == "application/pdf",
        "简历不能超过 5 MB",
        "简历请上传 PDF 文件（按文件内容判断）",
    )?;
    let stored = files.save(RESUME_FILE, id, bytes).await?;
    match store.set_application_resume(id, &stored, content_type, bytes.len() as i64).await {
        Ok(Some(old)) => files.discard(&old).await,
        Ok(None) => {}
        Err(e) => {
            files.discard(&stored).await;
            return Err(e.into());
        }
    }
    reread(store, id).await
}

/// The résumé of an application, for its two parties (`404 resume_not_found` otherwise, and
/// when there is none; `409 storage_corrupt` when the file kept does not open for this
/// application); every read is logged.
pub async fn resume(
    store: &dyn Repository,
    files: &Files<'_>,
    actor: &Actor,
    id: Uuid,
    reads: Reads<'_>,
) -> Result<Resume, Error> {
    let none = || Error::not_found(ErrorCode::ResumeNotFound, "这份申请没有简历");
    let (a, _) =
        as_party(store, actor, id).await.map_err(|e| if e.kind == ErrorKind::NotFound { none() } else { e })?;
    let (stored, content_type, _) = a.resume.ok_or_else(none)?;
    let bytes = files.read(RESUME_FILE, a.id, &stored).await?.ok_or_else(none)?;
    reads.resume(store, actor, (a.id, a.graduate_id, a.employer_id)).await?;
    Ok(Resume { application_id: a.id, content_type, bytes })
}

/// Whether the caller (a graduate) lets verified employers find their profile.
pub async fn talent_choice(store: &dyn Repository, actor: &Actor) -> Result<bool, Error> {
    let graduate = own_graduate(actor).ok_or_else(Error::forbidden)?;
    Ok(store.talent_optin(graduate).await?)
}

/// Opens the caller's profile to verified employers, or closes it.
pub async fn set_talent_choice(store: &dyn Repository, actor: &Actor, open: bool) -> Result<(), Error> {
    let graduate = own_graduate(actor).ok_or_else(Error::forbidden)?;
    Ok(store.set_talent_optin(graduate, open).await?)
}

/// Graduates who opted in to be found, newest first, for the accounts of verified employers
/// that still reach graduates; and how many there are.
pub async fn talent(
    store: &dyn Repository,
    actor: &Actor,
    limit: i64,
    offset: i64,
) -> Result<(Vec<TalentRow>, i64), Error> {
    if let Some(id) = access::subject_of(actor, Role::Employer) {
        reaches_graduates(store, id).await?;
    }
    crate::postings::own_employer(store, actor).await?;
    Ok(store.talent(limit, offset).await?)
}
