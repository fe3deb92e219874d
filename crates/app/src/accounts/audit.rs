//! Reading the audit log (审计日志): rows by or about the caller's `ViewAudit` scope, newest
//! first.

use jiuye_domain::access::{self, Action, Actor};
use jiuye_store::Repository;
use jiuye_store::accounts::{AuditQuery, AuditRow};

use super::users::scope_at;
use crate::Error;

/// What to read: rows by or about an organisation's subtree (code as typed), of one action,
/// by one username, with one result.
#[derive(Clone, Debug, Default)]
pub struct AuditFilter {
    pub org: Option<String>,
    /// e.g. `sign_in`, `user_create`, `grant_add`.
    pub action: Option<String>,
    pub username: Option<String>,
    /// e.g. `ok`, `invalid_password`, `account_locked`, `forbidden`.
    pub result: Option<String>,
}

/// Audit rows in the caller's scope (narrowed to `filter.org`), newest first, with the total.
/// `403` for a caller who may read no audit log, or an organisation beyond their scope.
pub async fn read(
    store: &dyn Repository,
    actor: &Actor,
    filter: AuditFilter,
    limit: i64,
    offset: i64,
) -> Result<(Vec<AuditRow>, i64), Error> {
    let org_path = scope_at(store, actor, Action::ViewAudit, filter.org.as_deref()).await?;
    let scope = access::scope_paths(actor, Action::ViewAudit);
    if scope.is_empty() {
        return Err(Error::forbidden());
    }
    let query = AuditQuery {
        scope_paths: scope,
        org_path,
        action: filter.action,
        username: filter.username,
        result: filter.result,
        limit,
        offset,
    };
    Ok(store.audit_rows(&query).await?)
}
