//! Length limits of free text (自由文本长度上限): notes, reasons, messages, descriptions and
//! titles. Every limit is defined here once; the use cases refuse longer text with the stable
//! code `text_too_long` (never cutting it silently), the forms state the same numbers and the
//! OpenAPI schemas document them. Counted in characters (a Chinese character counts one).

use crate::ErrorCode;

/// A reviewer's note, a reason for returning, blacklisting or reporting (审核意见、理由).
pub const REASON: usize = 500;
/// A note on a destination record or an employer correction (备注).
pub const NOTE: usize = 500;
/// A graduate's note when applying (附言).
pub const APPLICATION_NOTE: usize = 1_000;
/// A dispute or its answer (异议、答复).
pub const DISPUTE: usize = 1_000;
/// A message on an application (消息).
pub const MESSAGE: usize = 2_000;
/// Notes on a visit, a base or a demand survey (记录、说明).
pub const NOTES: usize = 2_000;
/// A posting's title (职位名称).
pub const TITLE: usize = 100;
/// A posting's description (职位描述).
pub const DESCRIPTION: usize = 20_000;
/// How to apply, a contact line (投递方式、联系方式).
pub const CONTACT: usize = 200;
/// A demand survey line's skills (技能要求).
pub const SKILLS: usize = 500;

/// Free text over its limit: which field (in Chinese), the limit and the length given.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TooLong {
    pub field: &'static str,
    pub max: usize,
    pub len: usize,
}

impl TooLong {
    /// Always `text_too_long`.
    pub const CODE: ErrorCode = ErrorCode::TextTooLong;

    /// "备注最多 500 字（现为 20000 字）".
    pub fn message(&self) -> String {
        format!("{}最多 {} 字（现为 {} 字）", self.field, self.max, self.len)
    }
}

impl std::fmt::Display for TooLong {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message())
    }
}

impl std::error::Error for TooLong {}

/// `Ok` when `value` has at most `max` characters; `field` names it for people (`审核意见`).
pub fn check_len(field: &'static str, value: &str, max: usize) -> Result<(), TooLong> {
    let len = value.chars().count();
    if len > max { Err(TooLong { field, max, len }) } else { Ok(()) }
}

/// [`check_len`] on an optional value.
pub fn check_opt(field: &'static str, value: Option<&str>, max: usize) -> Result<(), TooLong> {
    value.map_or(Ok(()), |v| check_len(field, v, max))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_characters_not_bytes() {
        assert!(check_len("备注", &"字".repeat(NOTE), NOTE).is_ok());
        let e = check_len("备注", &"字".repeat(NOTE + 1), NOTE).unwrap_err();
        assert_eq!(e, TooLong { field: "备注", max: 500, len: 501 });
        assert_eq!(e.message(), "备注最多 500 字（现为 501 字）");
        assert_eq!(TooLong::CODE.as_str(), "text_too_long");
        assert!(check_opt("备注", None, 1).is_ok());
    }
}
