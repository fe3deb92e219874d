//! Working days (工作日): Monday to Friday, except the public holidays the State Council
//! announces each year, plus the weekend days worked in exchange (调休上班). The calendar ships as
//! `data/policy/holidays.csv`; days of years it does not list count Monday to Friday only.

use std::collections::HashMap;
use std::sync::OnceLock;

use chrono::{Datelike, Duration, NaiveDate, Weekday};

const SHIPPED: &str = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/policy/holidays.csv"));

/// What a listed date is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DayKind {
    /// A public holiday (no work even on a weekday).
    Holiday,
    /// A weekend day worked in exchange for a holiday.
    Workday,
}

/// The holiday calendar.
#[derive(Clone, Debug, Default)]
pub struct Calendar {
    days: HashMap<NaiveDate, DayKind>,
}

impl Calendar {
    /// Reads `date,kind,name` lines (`kind` is `holiday` or `workday`) after a header line; the
    /// error names the line.
    pub fn parse(text: &str) -> Result<Calendar, String> {
        let mut days = HashMap::new();
        for (i, line) in text.lines().enumerate().skip(1) {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let mut cols = line.split(',');
            let (Some(date), Some(kind)) = (cols.next(), cols.next()) else {
                return Err(format!("第 {} 行应为“日期,类别,名称”", i + 1));
            };
            let date = NaiveDate::parse_from_str(date.trim(), "%Y-%m-%d")
                .map_err(|_| format!("第 {} 行的日期“{date}”应为 YYYY-MM-DD", i + 1))?;
            let kind = match kind.trim() {
                "holiday" => DayKind::Holiday,
                "workday" => DayKind::Workday,
                other => return Err(format!("第 {} 行的类别“{other}”应为 holiday 或 workday", i + 1)),
            };
            days.insert(date, kind);
        }
        Ok(Calendar { days })
    }

    /// The shipped calendar.
    pub fn shipped() -> &'static Calendar {
        static CAL: OnceLock<Calendar> = OnceLock::new();
        CAL.get_or_init(|| Calendar::parse(SHIPPED).unwrap_or_else(|e| panic!("holidays.csv: {e}")))
    }

    /// Whether `day` is a working day.
    pub fn is_working_day(&self, day: NaiveDate) -> bool {
        match self.days.get(&day) {
            Some(DayKind::Holiday) => false,
            Some(DayKind::Workday) => true,
            None => !matches!(day.weekday(), Weekday::Sat | Weekday::Sun),
        }
    }

    /// The `n`th working day after `start` (the day itself does not count).
    pub fn add_working_days(&self, start: NaiveDate, n: u32) -> NaiveDate {
        let mut day = start;
        let mut left = n;
        // A year has far fewer than 400 consecutive days off; the bound only guards the loop.
        for _ in 0..(n as usize * 7 + 400) {
            if left == 0 {
                break;
            }
            day += Duration::days(1);
            if self.is_working_day(day) {
                left -= 1;
            }
        }
        day
    }

    /// The last year the calendar lists, if any (later years count Monday to Friday only).
    pub fn last_year(&self) -> Option<i32> {
        self.days.keys().map(|d| d.year()).max()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn five_working_days_skip_weekends_holidays_and_count_exchanged_weekends() {
        let cal = Calendar::shipped();
        // An ordinary week: Monday + 5 = next Monday.
        assert_eq!(cal.add_working_days(d("2026-03-02"), 5), d("2026-03-09"));
        // Friday + 5 = next Friday.
        assert_eq!(cal.add_working_days(d("2026-03-06"), 5), d("2026-03-13"));
        // National Day 2026: 1–7 October off, Saturday 10 October worked.
        // From Wednesday 30 September: 8, 9, 10 (Sat, worked), 12, 13 October.
        assert_eq!(cal.add_working_days(d("2026-09-30"), 5), d("2026-10-13"));
        // Spring Festival 2026: 15–23 February off, Saturday 14 and 28 February worked.
        // From Friday 13 February: 14 (Sat, worked), 24, 25, 26, 27 February.
        assert_eq!(cal.add_working_days(d("2026-02-13"), 5), d("2026-02-27"));
        assert!(cal.is_working_day(d("2026-01-04")), "Sunday worked after New Year 2026");
        assert!(!cal.is_working_day(d("2026-01-02")), "a Friday holiday");
        // Years not listed: Monday to Friday.
        assert_eq!(cal.add_working_days(d("2031-05-02"), 5), d("2031-05-09"));
        assert_eq!(cal.last_year(), Some(2026));
    }

    #[test]
    fn a_bad_line_is_named() {
        let err = Calendar::parse("date,kind,name\n2026-13-01,holiday,x\n").unwrap_err();
        assert!(err.contains("第 2 行"), "{err}");
        let err = Calendar::parse("date,kind,name\n2026-01-01,rest,x\n").unwrap_err();
        assert!(err.contains("holiday"), "{err}");
    }
}
