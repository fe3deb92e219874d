//! The one error type of the web layer. Every failure becomes a 4xx/5xx with a stable
//! snake_case `error` code and a human `message`; the internal cause is logged, never shown.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

pub use jiuye_domain::ErrorCode;

/// The body of every error response.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    /// Stable identifier to branch on, e.g. `not_found`, `invalid_org_code`.
    #[schema(example = "not_found")]
    pub error: String,
    /// A sentence for people (Chinese).
    #[schema(example = "找不到该组织机构")]
    pub message: String,
}

#[derive(Debug)]
pub struct AppError {
    pub status: StatusCode,
    pub code: ErrorCode,
    pub message: String,
}

impl AppError {
    pub fn new(status: StatusCode, code: ErrorCode, message: impl Into<String>) -> AppError {
        AppError { status, code, message: message.into() }
    }
    pub fn not_found(code: ErrorCode, message: impl Into<String>) -> AppError {
        AppError::new(StatusCode::NOT_FOUND, code, message)
    }
    pub fn bad_request(code: ErrorCode, message: impl Into<String>) -> AppError {
        AppError::new(StatusCode::BAD_REQUEST, code, message)
    }
    /// `422`: well-formed input that the rules refuse.
    pub fn unprocessable(code: ErrorCode, message: impl Into<String>) -> AppError {
        AppError::new(StatusCode::UNPROCESSABLE_ENTITY, code, message)
    }
    /// The standard answer for a status produced outside our handlers (router, layers).
    pub fn for_status(status: StatusCode) -> AppError {
        let (code, message) = match status.as_u16() {
            400 => (ErrorCode::BadRequest, "请求格式有误"),
            404 => (ErrorCode::NotFound, "找不到请求的资源"),
            405 => (ErrorCode::MethodNotAllowed, "该地址不支持这种请求方法"),
            408 => (ErrorCode::RequestTimeout, "请求处理超时，请稍后重试"),
            413 => (ErrorCode::PayloadTooLarge, "请求内容超过大小限制"),
            415 => (ErrorCode::UnsupportedMediaType, "不支持的请求内容类型"),
            422 => (ErrorCode::UnprocessableEntity, "请求内容无法处理"),
            429 => (ErrorCode::TooManyRequests, "请求过于频繁，请稍后重试"),
            503 => (ErrorCode::ServiceUnavailable, "服务暂时不可用"),
            s if s >= 500 => (ErrorCode::InternalError, "服务器内部错误，已记录，请稍后重试"),
            _ => (ErrorCode::BadRequest, "请求无法处理"),
        };
        AppError::new(status, code, message)
    }
    pub fn body(&self) -> ErrorBody {
        ErrorBody { error: self.code.as_str().to_owned(), message: self.message.clone() }
    }
}

impl From<jiuye_store::StoreError> for AppError {
    fn from(e: jiuye_store::StoreError) -> AppError {
        tracing::error!(error = %e, "store error");
        if e.is_unavailable() {
            AppError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                ErrorCode::DatabaseUnavailable,
                "数据库暂时无法访问，请稍后重试",
            )
        } else {
            AppError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                ErrorCode::InternalError,
                "服务器内部错误，已记录，请稍后重试",
            )
        }
    }
}

impl From<jiuye_app::Error> for AppError {
    fn from(e: jiuye_app::Error) -> AppError {
        use jiuye_app::ErrorKind as K;
        let status = match e.kind {
            K::BadInput => StatusCode::BAD_REQUEST,
            K::Unauthenticated => StatusCode::UNAUTHORIZED,
            K::Forbidden => StatusCode::FORBIDDEN,
            K::NotFound => StatusCode::NOT_FOUND,
            K::Conflict => StatusCode::CONFLICT,
            K::Unprocessable => StatusCode::UNPROCESSABLE_ENTITY,
            K::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            K::TooMany => StatusCode::TOO_MANY_REQUESTS,
            K::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            K::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        };
        AppError::new(status, e.code, e.message)
    }
}

impl From<jiuye_domain::accounts::Refusal> for AppError {
    fn from(r: jiuye_domain::accounts::Refusal) -> AppError {
        AppError::bad_request(r.code, r.message)
    }
}

/// Carried in the extensions of an error response, so that the outer layer can show the same
/// error as a page or as JSON.
#[derive(Clone, Debug)]
pub struct ErrorInfo {
    pub code: ErrorCode,
    pub message: String,
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let info = ErrorInfo { code: self.code, message: self.message.clone() };
        let mut res = (self.status, Json(self.body())).into_response();
        res.extensions_mut().insert(info);
        res
    }
}

/// `422`: well-formed input that the rules refuse.
pub fn unprocessable(code: ErrorCode, message: impl Into<String>) -> AppError {
    AppError::unprocessable(code, message)
}
