//! What handlers take from a request before any use case runs: the typed query, paging, an
//! organisation named in the request, uploaded files, and the signed-in caller of a page (who
//! the caller is is resolved once by the `auth` middleware: `MaybeCaller`, `Signed`).

pub mod org;
pub mod page;
pub mod query;
pub mod signed_in;
pub mod upload;
