//! The error of every use case: what kind of failure (the web layer turns it into a status), a
//! stable snake_case code to branch on, and a sentence for people. A database failure is logged
//! here and shown only as "unavailable" or "internal".

use std::fmt;

pub use jiuye_domain::ErrorCode;

/// What kind of failure, independent of how it is shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// The input is malformed or breaks a rule.
    BadInput,
    Unauthenticated,
    Forbidden,
    NotFound,
    /// The record changed meanwhile, or the step does not fit its state.
    Conflict,
    /// Well-formed input the rules refuse as a whole (a file over a limit, …).
    Unprocessable,
    TooLarge,
    TooMany,
    /// A dependency (database, index) is not answering; try again.
    Unavailable,
    Internal,
}

#[derive(Debug)]
pub struct Error {
    pub kind: ErrorKind,
    pub code: ErrorCode,
    pub message: String,
}

impl Error {
    pub fn new(kind: ErrorKind, code: ErrorCode, message: impl Into<String>) -> Error {
        Error { kind, code, message: message.into() }
    }
    pub fn bad_input(code: ErrorCode, message: impl Into<String>) -> Error {
        Error::new(ErrorKind::BadInput, code, message)
    }
    pub fn not_found(code: ErrorCode, message: impl Into<String>) -> Error {
        Error::new(ErrorKind::NotFound, code, message)
    }
    /// The permission module said no (`403 forbidden`).
    pub fn forbidden() -> Error {
        Error::new(ErrorKind::Forbidden, ErrorCode::Forbidden, "您没有权限执行此操作")
    }
    pub fn unavailable(code: ErrorCode, message: impl Into<String>) -> Error {
        Error::new(ErrorKind::Unavailable, code, message)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.message, self.code)
    }
}

impl std::error::Error for Error {}

impl From<jiuye_store::StoreError> for Error {
    fn from(e: jiuye_store::StoreError) -> Error {
        tracing::error!(error = %e, "store error");
        if e.is_unavailable() {
            Error::unavailable(ErrorCode::DatabaseUnavailable, "数据库暂时无法访问，请稍后重试")
        } else {
            Error::new(ErrorKind::Internal, ErrorCode::InternalError, "服务器内部错误，已记录，请稍后重试")
        }
    }
}

impl From<jiuye_domain::accounts::Refusal> for Error {
    fn from(r: jiuye_domain::accounts::Refusal) -> Error {
        Error::bad_input(r.code, r.message)
    }
}

impl From<jiuye_domain::text::TooLong> for Error {
    /// Free text over its limit: `422 text_too_long`, naming the field and the limit.
    fn from(t: jiuye_domain::text::TooLong) -> Error {
        Error::new(ErrorKind::Unprocessable, jiuye_domain::text::TooLong::CODE, t.message())
    }
}
