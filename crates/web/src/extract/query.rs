//! The query string of a request, parsed into a typed value; a query that does not parse is
//! `400 invalid_query` in our error shape.

use crate::error::AppError;
use crate::error::ErrorCode;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

/// A query string that failed to parse becomes `400 invalid_query`, in our error shape.
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(q) => Ok(ApiQuery(q.0)),
            Err(e) => Err(AppError::bad_request(ErrorCode::InvalidQuery, format!("查询参数有误：{}", e.body_text()))),
        }
    }
}
