//! iCalendar (RFC 5545) for a person's feed (their guidance bookings and the events they
//! registered for) and a university's public event calendar, readable by any calendar
//! application. Text is escaped (§3.3.11), lines are folded at 75 octets without splitting a
//! character (§3.1), times are UTC
//! (`YYYYMMDDTHHMMSSZ`, §3.3.5), and lines end with CRLF.

use chrono::{DateTime, Utc};

/// One event of a feed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event {
    /// Stable across versions of the feed (the record's id and the node).
    pub uid: String,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub summary: String,
    pub location: String,
    pub description: String,
    /// A link (a video meeting, the page of the record).
    pub url: Option<String>,
    /// When the record last changed.
    pub stamp: DateTime<Utc>,
    pub cancelled: bool,
}

/// Text as an iCalendar TEXT value: backslash, semicolon and comma escaped, line breaks as `\n`.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// One content line, folded: no physical line longer than 75 octets, continuation lines start
/// with a space, never inside a UTF-8 character.
fn fold(line: &str, out: &mut String) {
    let mut width = 0;
    for c in line.chars() {
        let n = c.len_utf8();
        if width + n > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += n;
    }
    out.push_str("\r\n");
}

fn stamp(t: DateTime<Utc>) -> String {
    t.format("%Y%m%dT%H%M%SZ").to_string()
}

/// A calendar named `name` holding `events`.
pub fn write(name: &str, events: &[Event]) -> String {
    let mut out = String::new();
    let mut line = |l: String| fold(&l, &mut out);
    line("BEGIN:VCALENDAR".into());
    line("VERSION:2.0".into());
    line("PRODID:-//jiuye//jiuye//ZH".into());
    line("CALSCALE:GREGORIAN".into());
    line("METHOD:PUBLISH".into());
    line(format!("X-WR-CALNAME:{}", escape(name)));
    line("X-WR-TIMEZONE:Asia/Shanghai".into());
    for e in events {
        line("BEGIN:VEVENT".into());
        line(format!("UID:{}", escape(&e.uid)));
        line(format!("DTSTAMP:{}", stamp(e.stamp)));
        line(format!("DTSTART:{}", stamp(e.start)));
        line(format!("DTEND:{}", stamp(e.end)));
        line(format!("SUMMARY:{}", escape(&e.summary)));
        if !e.location.is_empty() {
            line(format!("LOCATION:{}", escape(&e.location)));
        }
        if !e.description.is_empty() {
            line(format!("DESCRIPTION:{}", escape(&e.description)));
        }
        if let Some(u) = &e.url {
            line(format!("URL:{u}"));
        }
        line(format!("STATUS:{}", if e.cancelled { "CANCELLED" } else { "CONFIRMED" }));
        line("END:VEVENT".into());
    }
    line("END:VCALENDAR".into());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped_and_long_lines_fold_between_characters() {
        assert_eq!(escape("a,b;c\\d\ne"), "a\\,b\\;c\\\\d\\ne");
        let t = "2026-05-20T01:00:00Z".parse().unwrap();
        let e = Event {
            uid: "x@jiuye".into(),
            start: t,
            end: t,
            summary: "一对一咨询".repeat(10),
            location: "就业指导中心 201, 二楼".into(),
            description: String::new(),
            url: None,
            stamp: t,
            cancelled: false,
        };
        let ics = write("我的日程", &[e]);
        assert!(ics.ends_with("END:VCALENDAR\r\n"));
        assert!(ics.contains("DTSTART:20260520T010000Z\r\n"));
        assert!(ics.contains("LOCATION:就业指导中心 201\\, 二楼\r\n"), "{ics}");
        for physical in ics.split("\r\n") {
            assert!(physical.len() <= 75, "{physical}");
        }
        let unfolded = ics.replace("\r\n ", "");
        assert!(unfolded.contains(&format!("SUMMARY:{}\r\n", "一对一咨询".repeat(10))));
    }
}
