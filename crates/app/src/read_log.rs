//! The read log (查阅记录): every read of a graduate's record, of a list of graduates (who, which
//! filter, how many rows), of an evidence file or a résumé (and later of a hardship file) is
//! logged by the use case that reads it, through [`Reads`], so that the API and the pages log
//! alike. Entries are written in batches apart from the audit chain ([`writer`]); career staff
//! and administrators search them within their scope ([`search`], "who read this graduate's
//! file"); [`purge`] removes entries past their retention (`jiuye_domain::read_log`) and leaves
//! an audit entry saying how many and up to when.

pub mod writer;

use std::net::IpAddr;

use chrono::{DateTime, NaiveDate, Utc};
use jiuye_domain::access::{self, Action, Actor, Resource, ScopedGrant};
use jiuye_domain::read_log::{ReadKind, Retention};
use jiuye_store::Repository;
use jiuye_store::accounts::AuditEntry;
use jiuye_store::read_log::{ReadEntry, ReadLogQuery};
use uuid::Uuid;

pub use writer::{ReadLog, ReadLogCounts, WriterSettings};

use crate::accounts::users::scope_at;
use crate::{Error, ErrorCode};

/// Where the reads of one request go: the node's read log and the reader's address.
#[derive(Clone, Copy, Debug)]
pub struct Reads<'a> {
    pub log: &'a ReadLog,
    pub ip: Option<IpAddr>,
}

/// One read, as the use case knows it.
#[derive(Clone, Debug)]
pub struct Read {
    pub kind: ReadKind,
    pub subject_id: Option<Uuid>,
    pub subject_path: Option<String>,
    pub filter: Option<String>,
    pub rows: i64,
}

impl Reads<'_> {
    /// Logs `read` by `actor`, allowed under `grant`. A sensitive read whose entry cannot be
    /// queued is refused (`503 audit_unavailable`); any other read goes on (the entry is then in
    /// the application log and counted on `/metrics`).
    pub async fn note(&self, actor: &Actor, grant: Option<&ScopedGrant>, read: Read) -> Result<(), Error> {
        let entry = ReadEntry {
            id: Uuid::now_v7(),
            at: Utc::now(),
            reader_id: Some(actor.user_id),
            reader_name: actor.username.clone(),
            reader_role: grant.map(|g| g.role.id().to_owned()),
            reader_path: grant.map(|g| g.org_path.clone()),
            kind: read.kind.id().to_owned(),
            subject_id: read.subject_id,
            subject_path: read.subject_path,
            filter: read.filter,
            row_count: Some(read.rows),
            ip: self.ip.map(|ip| ip.to_string()),
        };
        match self.log.push(entry).await {
            writer::Queued::Yes => Ok(()),
            writer::Queued::Dropped if read.kind.is_sensitive() => Err(Error::unavailable(
                ErrorCode::AuditUnavailable,
                "查阅记录暂时无法写入，敏感材料暂不能查看，请稍后重试",
            )),
            writer::Queued::Dropped => Ok(()),
        }
    }

    /// Logs one read of a graduate's `kind` of file (their record, an evidence file, a résumé),
    /// by `actor` under the grant that lets them see the graduate. `what` names the file.
    pub async fn graduate(
        &self,
        actor: &Actor,
        kind: ReadKind,
        graduate: Uuid,
        programme_path: &str,
        what: Option<String>,
    ) -> Result<(), Error> {
        let grant = access::can(actor, Action::ViewGraduate, &Resource::owned(programme_path, graduate));
        let read = Read {
            kind,
            subject_id: Some(graduate),
            subject_path: Some(programme_path.to_owned()),
            filter: what,
            rows: 1,
        };
        self.note(actor, grant, read).await
    }

    /// Logs one read of the résumé of an application `(id, graduate, employer)` by either
    /// party.
    pub async fn resume(
        &self,
        store: &dyn Repository,
        actor: &Actor,
        (application, graduate, employer): (Uuid, Uuid, Uuid),
    ) -> Result<(), Error> {
        let path = store.graduate_view(graduate).await?.map(|g| g.programme_path);
        let grant = access::can(actor, Action::ApplyToPosting, &Resource::owned("", graduate))
            .or_else(|| access::can(actor, Action::PostJob, &Resource::owned("", employer)));
        let read = Read {
            kind: ReadKind::Resume,
            subject_id: Some(graduate),
            subject_path: path,
            filter: Some(format!("application:{application}")),
            rows: 1,
        };
        self.note(actor, grant, read).await
    }

    /// Logs one read of a list of graduates: the filter as text, the subtree it covers and how
    /// many rows it answered.
    pub async fn list(&self, actor: &Actor, path: Option<&str>, filter: String, rows: usize) -> Result<(), Error> {
        let grant = path.and_then(|p| access::can(actor, Action::ViewGraduate, &Resource::at(p)));
        let read = Read {
            kind: ReadKind::GraduateList,
            subject_id: None,
            subject_path: path.map(str::to_owned),
            filter: Some(filter),
            rows: i64::try_from(rows).unwrap_or(i64::MAX),
        };
        self.note(actor, grant, read).await
    }
}

/// What to search for, as typed: an organisation code inside the caller's scope, a graduate, a
/// reader's username, a kind, and a period (`YYYY-MM-DD` days in Beijing time, or RFC 3339
/// instants; `to` is inclusive for a day).
#[derive(Clone, Debug, Default)]
pub struct ReadLogFilter {
    pub org: Option<String>,
    pub graduate: Option<Uuid>,
    pub reader: Option<String>,
    pub kind: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
}

/// A moment as typed: an RFC 3339 instant, or a day (the day's start in Beijing time; with
/// `end`, the next day's start).
fn moment(text: &str, end: bool) -> Result<DateTime<Utc>, Error> {
    let text = text.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Ok(t.with_timezone(&Utc));
    }
    let bad = || Error::bad_input(ErrorCode::InvalidDate, format!("时间“{text}”应形如 2026-12-03"));
    let day = NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| bad())?;
    let day = if end { day.succ_opt().ok_or_else(bad)? } else { day };
    let beijing = chrono::FixedOffset::east_opt(8 * 3600).ok_or_else(bad)?;
    Ok(day.and_hms_opt(0, 0, 0).ok_or_else(bad)?.and_local_timezone(beijing).single().ok_or_else(bad)?.to_utc())
}

/// Read-log entries in the caller's `ViewReadLog` scope (the graduate read about, or the reader,
/// lies inside it), narrowed by `filter`, newest first, with the total. `403` for everyone who
/// may not search the read log, or for an organisation beyond their scope.
pub async fn search(
    store: &dyn Repository,
    actor: &Actor,
    filter: ReadLogFilter,
    limit: i64,
    offset: i64,
) -> Result<(Vec<ReadEntry>, i64), Error> {
    let scope = access::scope_paths(actor, Action::ViewReadLog);
    if scope.is_empty() {
        return Err(Error::forbidden());
    }
    let org_path = scope_at(store, actor, Action::ViewReadLog, filter.org.as_deref()).await?;
    let kind = match filter.kind.as_deref().map(str::trim).filter(|k| !k.is_empty()) {
        Some(k) => Some(
            ReadKind::from_id(k)
                .ok_or_else(|| Error::bad_input(ErrorCode::InvalidKind, format!("未知的查阅类型“{k}”")))?
                .id()
                .to_owned(),
        ),
        None => None,
    };
    let from = filter.from.as_deref().filter(|s| !s.trim().is_empty()).map(|s| moment(s, false)).transpose()?;
    let to = filter.to.as_deref().filter(|s| !s.trim().is_empty()).map(|s| moment(s, true)).transpose()?;
    let query = ReadLogQuery {
        scope_paths: scope,
        org_path,
        subject_id: filter.graduate,
        reader_name: filter.reader.map(|r| r.trim().to_owned()).filter(|r| !r.is_empty()),
        kind,
        from,
        to,
        limit,
        offset,
    };
    Ok(store.read_log(&query).await?)
}

/// Who may search the read log somewhere (for menus).
pub fn may_search(actor: &Actor) -> bool {
    !access::scope_paths(actor, Action::ViewReadLog).is_empty()
}

/// What a purge removed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Purged {
    pub deleted: u64,
    /// Entries of ordinary kinds read before this were removed.
    pub cutoff: DateTime<Utc>,
    /// Entries of sensitive kinds read before this were removed.
    pub sensitive_cutoff: DateTime<Utc>,
}

/// Removes the read-log entries past `retention` at `now` (sensitive kinds kept at least three
/// years) and writes the purge to the audit log in the name of `by`.
pub async fn purge(
    store: &dyn Repository,
    retention: Retention,
    now: DateTime<Utc>,
    by: &str,
) -> Result<Purged, Error> {
    let cutoff = retention.cutoff(ReadKind::Graduate, now);
    let sensitive_cutoff = retention.cutoff(ReadKind::Evidence, now);
    let sensitive: Vec<&str> = ReadKind::sensitive().into_iter().map(ReadKind::id).collect();
    let deleted = store.purge_reads(cutoff, &sensitive, sensitive_cutoff).await?;
    let detail = format!(
        "删除 {deleted} 条查阅记录：一般记录 {} 之前，敏感记录（{}）{} 之前；保留期 {} 天",
        cutoff.format("%Y-%m-%d %H:%M:%S UTC"),
        sensitive.join("、"),
        sensitive_cutoff.format("%Y-%m-%d %H:%M:%S UTC"),
        retention.setting()
    );
    store
        .append_audit(&AuditEntry {
            username: Some(by.to_owned()),
            action: "read_log_purge".into(),
            target: Some("read_log".into()),
            result: "ok".into(),
            detail: Some(detail),
            ..AuditEntry::default()
        })
        .await?;
    Ok(Purged { deleted, cutoff, sensitive_cutoff })
}

/// Purges once a day, the first time an hour after the start, for as long as the node runs.
pub async fn purge_daily(store: jiuye_store::Store, retention: Retention) {
    let mut tick = tokio::time::interval_at(
        tokio::time::Instant::now() + std::time::Duration::from_secs(3600),
        std::time::Duration::from_secs(24 * 3600),
    );
    loop {
        tick.tick().await;
        match purge(&*store, retention, Utc::now(), "(系统)").await {
            Ok(p) => tracing::info!(deleted = p.deleted, cutoff = %p.cutoff, "read log purged"),
            Err(e) => tracing::error!(error = %e, "read log purge failed"),
        }
    }
}

#[cfg(test)]
mod tests;
