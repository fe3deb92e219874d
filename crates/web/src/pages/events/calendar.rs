//! The month calendar of the event list: weeks from Monday to Sunday, each day with the events
//! held on it (Beijing dates; an event lasting several days shows on each of them).

use chrono::{Datelike, Duration, Months, NaiveDate};
use uuid::Uuid;

/// One day of the grid; `day` is 0 for the days before and after the month.
pub(crate) struct Day {
    pub day: u32,
    /// The weekday's message key (for the cell's label on narrow screens).
    pub weekday: &'static str,
    pub events: Vec<(Uuid, String)>,
}

/// The message keys of the weekdays, Monday first.
pub(crate) const WEEKDAYS: [&str; 7] =
    ["events.mon", "events.tue", "events.wed", "events.thu", "events.fri", "events.sat", "events.sun"];

/// The first day of the month named `YYYY-MM`.
pub(crate) fn parse_month(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(&format!("{}-01", s.trim()), "%Y-%m-%d").ok()
}

/// The first day of the month after the one `first` begins.
pub(crate) fn next_month(first: NaiveDate) -> NaiveDate {
    first.checked_add_months(Months::new(1)).unwrap_or(first)
}

/// The first day of the month before the one `first` begins.
pub(crate) fn previous_month(first: NaiveDate) -> NaiveDate {
    first.checked_sub_months(Months::new(1)).unwrap_or(first)
}

/// The weeks of the month that begins on `first`, with `events` (id, title, first day, last
/// day) placed on every day they span within it.
pub(crate) fn weeks(first: NaiveDate, events: &[(Uuid, String, NaiveDate, NaiveDate)]) -> Vec<Vec<Day>> {
    let end = next_month(first);
    let lead = first.weekday().num_days_from_monday() as i64;
    let mut weeks = Vec::new();
    let mut at = first - Duration::days(lead);
    while at < end {
        let week = (0..7)
            .map(|i| {
                let date = at + Duration::days(i);
                let within = date >= first && date < end;
                Day {
                    day: if within { date.day() } else { 0 },
                    weekday: WEEKDAYS[i as usize],
                    events: if within {
                        events
                            .iter()
                            .filter(|(_, _, from, to)| *from <= date && date <= *to)
                            .map(|(id, title, _, _)| (*id, title.clone()))
                            .collect()
                    } else {
                        Vec::new()
                    },
                }
            })
            .collect();
        weeks.push(week);
        at += Duration::days(7);
    }
    weeks
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_month_is_whole_weeks_from_monday_with_each_event_on_the_days_it_spans() {
        // May 2024 begins on a Wednesday and ends on a Friday: five weeks.
        let may = parse_month("2024-05").unwrap();
        let d = |day| NaiveDate::from_ymd_opt(2024, 5, day).unwrap();
        let fair = (Uuid::from_u128(1), "双选会".to_owned(), d(30), d(31) + Duration::days(2));
        let weeks = weeks(may, &[fair]);
        assert_eq!(weeks.len(), 5);
        assert_eq!(weeks[0].iter().map(|d| d.day).collect::<Vec<_>>(), [0, 0, 1, 2, 3, 4, 5]);
        assert_eq!(weeks[4].iter().map(|d| d.day).collect::<Vec<_>>(), [27, 28, 29, 30, 31, 0, 0]);
        let with_fair: Vec<u32> = weeks.iter().flatten().filter(|d| !d.events.is_empty()).map(|d| d.day).collect();
        assert_eq!(with_fair, [30, 31], "only the days within the month");
        assert_eq!(weeks[0][0].weekday, "events.mon");
        assert_eq!((next_month(may), previous_month(may)), (d(1) + Months::new(1), d(1) - Months::new(1)));
        assert!(parse_month("2024-13").is_none() && parse_month("").is_none());
    }
}
