//! The signed-in person on a page. Anyone else is sent to the login page and comes back to the
//! page they asked for once signed in (the JSON API answers `401` instead: `auth::Signed`).

use std::sync::Arc;

use axum::extract::{FromRequestParts, OriginalUri};
use axum::http::request::Parts;
use axum::response::Response;

use crate::auth::{Caller, MaybeCaller};

/// A page's signed-in caller.
pub struct SignedIn(pub Arc<Caller>);

impl<S: Send + Sync> FromRequestParts<S> for SignedIn {
    type Rejection = Response;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        match parts.extensions.get::<MaybeCaller>().and_then(|c| c.0.clone()) {
            Some(c) => Ok(SignedIn(c)),
            None => {
                let uri = parts.extensions.get::<OriginalUri>().map(|o| &o.0).unwrap_or(&parts.uri);
                Err(crate::render::page::login_redirect(uri))
            }
        }
    }
}
