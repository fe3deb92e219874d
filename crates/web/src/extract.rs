//! What handlers take from a request before any use case runs: the typed query, paging, an
//! organisation named in the request, uploaded files. The signed-in caller comes from
//! `auth` (`MaybeCaller`, `Signed`), resolved once by its middleware.

pub mod org;
pub mod page;
pub mod query;
pub mod upload;
