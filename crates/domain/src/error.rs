//! Errors of the domain layer: what was wrong with a value, said so that a person can fix it.

use thiserror::Error;

/// A code that does not have the shape its standard requires.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{kind} '{value}' 无效：{reason}")]
pub struct CodeError {
    /// Stable identifier of the code type (`region_code`, `credit_code`, …).
    pub kind: &'static str,
    /// The rejected input, trimmed.
    pub value: String,
    /// Why, in Chinese.
    pub reason: String,
}

/// A shipped reference file that could not be read; names the file, row and problem.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("reference file {file}, row {row}: {reason}")]
pub struct RefDataError {
    pub file: &'static str,
    pub row: usize,
    pub reason: String,
}
