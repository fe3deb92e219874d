//! One time zone for display: every time a page shows is in Beijing time (Asia/Shanghai, UTC+8,
//! no daylight saving), formatted here and nowhere else.

use chrono::{DateTime, FixedOffset, NaiveDate, Utc};

/// UTC+8, the offset of Asia/Shanghai all year round.
fn shanghai() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).unwrap_or_else(|| FixedOffset::east_opt(0).expect("zero offset"))
}

/// `2024-05-01 08:30:00` in Beijing time.
pub fn local_datetime(t: DateTime<Utc>) -> String {
    t.with_timezone(&shanghai()).format("%Y-%m-%d %H:%M:%S").to_string()
}

/// A `datetime-local` field's value (`YYYY-MM-DDTHH:MM`, Beijing time) as a moment.
pub fn parse_local_minute(s: &str) -> Option<DateTime<Utc>> {
    from_shanghai(chrono::NaiveDateTime::parse_from_str(s.trim(), "%Y-%m-%dT%H:%M").ok()?)
}

/// A Beijing wall-clock time (a `datetime-local` field) as a moment.
pub fn from_shanghai(local: chrono::NaiveDateTime) -> Option<DateTime<Utc>> {
    local.and_local_timezone(shanghai()).single().map(|t| t.with_timezone(&Utc))
}

/// `2024-05-01 08:30` in Beijing time.
pub fn local_minute(t: DateTime<Utc>) -> String {
    t.with_timezone(&shanghai()).format("%Y-%m-%d %H:%M").to_string()
}

/// The calendar day in Beijing of an instant.
pub fn local_date(t: DateTime<Utc>) -> NaiveDate {
    t.with_timezone(&shanghai()).date_naive()
}

/// Today's date in Beijing.
pub fn today() -> NaiveDate {
    local_date(Utc::now())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn times_are_shown_in_beijing_time() {
        let t = Utc.with_ymd_and_hms(2024, 5, 31, 17, 5, 9).single().expect("valid time");
        assert_eq!(local_datetime(t), "2024-06-01 01:05:09");
        assert_eq!(local_minute(t), "2024-06-01 01:05");
        assert_eq!(local_date(t).to_string(), "2024-06-01");
        let noon = Utc.with_ymd_and_hms(2024, 1, 1, 4, 0, 0).single().expect("valid time");
        assert_eq!(local_datetime(noon), "2024-01-01 12:00:00");
    }
}
