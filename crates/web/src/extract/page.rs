//! Paging of lists: one extractor and one bound for every list that pages. `limit` is 1 to
//! [`jiuye_store::MAX_PAGE`] (each list has its own default), `offset` 0 or more; anything else
//! is `400 invalid_query`.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::error::AppError;
use crate::error::ErrorCode;
use crate::extract::query::ApiQuery;

/// The paging parameters of every list.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    /// How many rows: 1–1000 (the default depends on the list).
    pub limit: Option<i64>,
    /// How many rows to skip: 0 or more.
    pub offset: Option<i64>,
}

/// One page of a list, checked; `DEFAULT` rows when the request does not say.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Page<const DEFAULT: i64 = 50> {
    pub limit: i64,
    pub offset: i64,
}

impl<const DEFAULT: i64> Page<DEFAULT> {
    /// Checks a requested page against the one bound.
    pub fn checked(limit: Option<i64>, offset: Option<i64>) -> Result<Self, AppError> {
        let limit = limit.unwrap_or(DEFAULT);
        let offset = offset.unwrap_or(0);
        let max = jiuye_store::MAX_PAGE;
        if !(1..=max).contains(&limit) {
            return Err(AppError::bad_request(ErrorCode::InvalidQuery, format!("limit 应在 1 到 {max} 之间")));
        }
        if offset < 0 {
            return Err(AppError::bad_request(ErrorCode::InvalidQuery, "offset 不能为负数"));
        }
        Ok(Page { limit, offset })
    }

    /// The first page.
    pub fn first() -> Self {
        Page { limit: DEFAULT, offset: 0 }
    }
}

impl<const DEFAULT: i64, S: Send + Sync> FromRequestParts<S> for Page<DEFAULT> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let ApiQuery(p) = ApiQuery::<PageParams>::from_request_parts(parts, state).await?;
        Page::checked(p.limit, p.offset)
    }
}
