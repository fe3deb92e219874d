//! An organisation named in a request (a path segment, a query or a form field): one parse, one
//! 400 for a malformed code and one 404 for an unknown one, and the organisation a caller works
//! at when none is named.

use crate::auth::Caller;
use crate::auth::forbidden;
use crate::error::AppError;
use jiuye_domain::OrgCode;
use jiuye_domain::access::{self, Action};

/// An organisation code as typed, or `400 invalid_org_code`.
pub(crate) fn parse_org_code(raw: &str) -> Result<OrgCode, AppError> {
    Ok(jiuye_app::orgs::parse_code(raw)?)
}

/// The code of the first organisation where the caller may do any of `actions`: the default
/// organisation of a page opened without one.
pub(crate) fn home_org(me: &Caller, actions: &[Action]) -> Result<String, AppError> {
    actions
        .iter()
        .flat_map(|a| access::scope_paths(&me.actor, *a))
        .next()
        .and_then(|p| p.rsplit('/').next().map(str::to_owned))
        .ok_or_else(forbidden)
}
