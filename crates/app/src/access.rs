//! Asking `jiuye_domain::access` from a use case: the answer is the grant that allows the action,
//! or `forbidden`. Use cases never compare roles themselves.

use jiuye_domain::access::{self, Action, Actor, Resource, ScopedGrant};

use crate::Error;

/// The grant under which `actor` may do `action` on `resource`, or `forbidden`.
pub fn authorize<'a>(actor: &'a Actor, action: Action, resource: &Resource<'_>) -> Result<&'a ScopedGrant, Error> {
    access::can(actor, action, resource).ok_or_else(Error::forbidden)
}
