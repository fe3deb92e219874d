//! The organisation a page works at when the request names none. (An organisation named in a
//! request is parsed and found by `jiuye_app::orgs::by_code`: one `400 invalid_org_code` for a
//! malformed code and one `404 org_not_found` for an unknown one.)

use crate::auth::Caller;
use crate::auth::forbidden;
use crate::error::AppError;
use jiuye_domain::access::{self, Action};

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
