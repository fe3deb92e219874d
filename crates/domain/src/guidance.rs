//! Guidance (就业指导): advisors publish slots for one-to-one consultations, résumé reviews and
//! mock interviews; graduates book them. The rules here: the kinds of slot and what makes a slot
//! valid.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

/// What a slot is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SlotKind {
    /// 一对一咨询.
    Consultation,
    /// 简历指导.
    ResumeReview,
    /// 模拟面试.
    MockInterview,
}

impl SlotKind {
    pub const ALL: [SlotKind; 3] = [SlotKind::Consultation, SlotKind::ResumeReview, SlotKind::MockInterview];

    pub fn id(self) -> &'static str {
        match self {
            SlotKind::Consultation => "consultation",
            SlotKind::ResumeReview => "resume_review",
            SlotKind::MockInterview => "mock_interview",
        }
    }

    pub fn from_id(s: &str) -> Option<SlotKind> {
        SlotKind::ALL.into_iter().find(|k| k.id() == s)
    }

    pub fn zh(self) -> &'static str {
        match self {
            SlotKind::Consultation => "一对一咨询",
            SlotKind::ResumeReview => "简历指导",
            SlotKind::MockInterview => "模拟面试",
        }
    }
}

/// The most people one slot takes (a group session).
pub const MAX_CAPACITY: i64 = 500;
/// The longest a slot lasts.
pub const MAX_HOURS: i64 = 8;

/// What is wrong with a slot.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SlotError {
    Kind,
    /// Ends before it starts, lasts too long, or starts in the past.
    Time,
    Capacity,
    /// Neither a place nor a link, a link that is not http(s), or text too long.
    Place,
}

impl SlotError {
    pub fn message(&self) -> String {
        match self {
            SlotError::Kind => "类型应为 consultation、resume_review 或 mock_interview".into(),
            SlotError::Time => format!("时间应在将来，结束晚于开始，且不超过 {MAX_HOURS} 小时"),
            SlotError::Capacity => format!("人数应为 1 到 {MAX_CAPACITY}"),
            SlotError::Place => "请填写地点或以 http(s):// 开头的线上链接（各 200 字以内）".into(),
        }
    }
}

/// A slot as checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SlotInput {
    pub kind: SlotKind,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub place: String,
    pub video_url: String,
    pub capacity: i64,
}

/// Checks a slot published at `now`.
pub fn check_slot(
    kind: &str,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    place: &str,
    video_url: &str,
    capacity: i64,
    now: DateTime<Utc>,
) -> Result<SlotInput, SlotError> {
    let kind = SlotKind::from_id(kind.trim()).ok_or(SlotError::Kind)?;
    if starts_at <= now || ends_at <= starts_at || ends_at - starts_at > Duration::hours(MAX_HOURS) {
        return Err(SlotError::Time);
    }
    if !(1..=MAX_CAPACITY).contains(&capacity) {
        return Err(SlotError::Capacity);
    }
    let (place, video_url) = (place.trim(), video_url.trim());
    let link_ok = video_url.is_empty() || video_url.starts_with("https://") || video_url.starts_with("http://");
    let short = place.chars().count() <= 200 && video_url.chars().count() <= 200;
    if (place.is_empty() && video_url.is_empty()) || !link_ok || !short {
        return Err(SlotError::Place);
    }
    Ok(SlotInput { kind, starts_at, ends_at, place: place.to_owned(), video_url: video_url.to_owned(), capacity })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_slot_is_checked() {
        let now = Utc::now();
        let at = now + Duration::days(1);
        let ok = check_slot(" mock_interview ", at, at + Duration::minutes(45), "就业中心 203", "", 1, now).unwrap();
        assert_eq!((ok.kind, ok.capacity), (SlotKind::MockInterview, 1));
        let bad = |k: &str, s, e, p: &str, u: &str, c| check_slot(k, s, e, p, u, c, now).unwrap_err();
        assert_eq!(bad("chat", at, at + Duration::hours(1), "x", "", 1), SlotError::Kind);
        assert_eq!(bad("consultation", now - Duration::hours(1), now, "x", "", 1), SlotError::Time);
        assert_eq!(bad("consultation", at, at, "x", "", 1), SlotError::Time);
        assert_eq!(bad("consultation", at, at + Duration::hours(9), "x", "", 1), SlotError::Time);
        assert_eq!(bad("consultation", at, at + Duration::hours(1), "x", "", 0), SlotError::Capacity);
        assert_eq!(bad("consultation", at, at + Duration::hours(1), "", "", 1), SlotError::Place);
        assert_eq!(bad("consultation", at, at + Duration::hours(1), "", "ftp://x", 1), SlotError::Place);
        assert!(
            check_slot("consultation", at, at + Duration::hours(1), "", "https://meeting.example/1", 3, now).is_ok()
        );
    }
}
