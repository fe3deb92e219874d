//! Courses and livestream lessons (就业指导课程、直播课): what an advisor publishes, and the rules
//! for joining one and for counting who attended.

use chrono::{DateTime, Duration, Utc};

/// How a lesson is given.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CourseKind {
    /// 线下课程: in a room; attendance is marked by the publisher.
    Course,
    /// 直播课: a livestream link; a graduate's attendance is recorded when they join it.
    Livestream,
}

impl CourseKind {
    pub const ALL: [CourseKind; 2] = [CourseKind::Course, CourseKind::Livestream];

    pub fn id(self) -> &'static str {
        match self {
            CourseKind::Course => "course",
            CourseKind::Livestream => "livestream",
        }
    }

    pub fn from_id(s: &str) -> Option<CourseKind> {
        CourseKind::ALL.into_iter().find(|k| k.id() == s.trim())
    }

    pub fn zh(self) -> &'static str {
        match self {
            CourseKind::Course => "线下课程",
            CourseKind::Livestream => "直播课",
        }
    }
}

/// The longest lesson, in hours.
pub const MAX_HOURS: i64 = 8;
/// A livestream may be joined this many minutes before it starts.
pub const JOIN_EARLY_MINUTES: i64 = 15;

/// What is wrong with a lesson as typed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CourseError {
    Kind,
    Title,
    Time,
    /// A course without a place, a livestream without an http(s) link, or text too long.
    Place,
}

impl CourseError {
    pub fn message(&self) -> String {
        match self {
            CourseError::Kind => "类型应为 course（线下课程）或 livestream（直播课）".into(),
            CourseError::Title => "请填写课程名称（100 字以内）".into(),
            CourseError::Time => format!("时间应在将来，结束晚于开始，且不超过 {MAX_HOURS} 小时"),
            CourseError::Place => {
                "线下课程请填写地点，直播课请填写以 http(s):// 开头的直播链接（各 200 字以内）".into()
            }
        }
    }
}

/// A lesson as checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CourseInput {
    pub kind: CourseKind,
    pub title: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub place: String,
    pub url: String,
}

/// Checks a lesson as typed.
pub fn check_course(
    kind: &str,
    title: &str,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    place: &str,
    url: &str,
    now: DateTime<Utc>,
) -> Result<CourseInput, CourseError> {
    let kind = CourseKind::from_id(kind).ok_or(CourseError::Kind)?;
    let title = title.trim();
    if title.is_empty() || title.chars().count() > 100 {
        return Err(CourseError::Title);
    }
    if starts_at <= now || ends_at <= starts_at || ends_at - starts_at > Duration::hours(MAX_HOURS) {
        return Err(CourseError::Time);
    }
    let (place, url) = (place.trim(), url.trim());
    let link = url.starts_with("https://") || url.starts_with("http://");
    let short = place.chars().count() <= 200 && url.chars().count() <= 200;
    let ok = match kind {
        CourseKind::Course => !place.is_empty() && (url.is_empty() || link),
        CourseKind::Livestream => link,
    };
    if !ok || !short {
        return Err(CourseError::Place);
    }
    Ok(CourseInput { kind, title: title.to_owned(), starts_at, ends_at, place: place.to_owned(), url: url.to_owned() })
}

/// Whether a livestream may be joined at `now` (from a quarter of an hour before it starts to
/// its end).
pub fn joinable(kind: CourseKind, starts_at: DateTime<Utc>, ends_at: DateTime<Utc>, now: DateTime<Utc>) -> bool {
    kind == CourseKind::Livestream && now >= starts_at - Duration::minutes(JOIN_EARLY_MINUTES) && now <= ends_at
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lesson_is_checked_and_a_livestream_is_joined_only_around_its_time() {
        let now = Utc::now();
        let at = now + Duration::days(1);
        let ok =
            check_course("livestream", " 简历写作 ", at, at + Duration::hours(1), "", "https://live.example/1", now)
                .unwrap();
        assert_eq!((ok.kind, ok.title.as_str()), (CourseKind::Livestream, "简历写作"));
        let bad = |k: &str, t: &str, p: &str, u: &str| check_course(k, t, at, at + Duration::hours(1), p, u, now);
        assert_eq!(bad("seminar", "x", "A101", ""), Err(CourseError::Kind));
        assert_eq!(bad("course", "  ", "A101", ""), Err(CourseError::Title));
        assert_eq!(bad("course", "x", "", ""), Err(CourseError::Place));
        assert_eq!(bad("livestream", "x", "A101", ""), Err(CourseError::Place));
        assert_eq!(check_course("course", "x", at, at + Duration::hours(9), "A101", "", now), Err(CourseError::Time));
        let (s, e) = (at, at + Duration::hours(1));
        assert!(!joinable(CourseKind::Livestream, s, e, s - Duration::minutes(16)));
        assert!(joinable(CourseKind::Livestream, s, e, s - Duration::minutes(15)));
        assert!(joinable(CourseKind::Livestream, s, e, e));
        assert!(!joinable(CourseKind::Course, s, e, s));
    }
}
