//! Paging of lists: one check of `limit` and `offset` for every list that pages.

use crate::error::AppError;
use crate::error::ErrorCode;

pub(crate) fn page_bounds(
    limit: Option<i64>,
    offset: Option<i64>,
    default: i64,
    max: i64,
) -> Result<(i64, i64), AppError> {
    let limit = limit.unwrap_or(default);
    let offset = offset.unwrap_or(0);
    if !(1..=max).contains(&limit) {
        return Err(AppError::bad_request(ErrorCode::InvalidQuery, format!("limit 应在 1 到 {max} 之间")));
    }
    if offset < 0 {
        return Err(AppError::bad_request(ErrorCode::InvalidQuery, "offset 不能为负数"));
    }
    Ok((limit, offset))
}
