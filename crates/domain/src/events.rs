//! Recruitment events (万企进校园): campus fairs, college fairs, presentation sessions (宣讲会),
//! workplace-experience days and online fairs (直播带岗), organised by a college, a university, an
//! alliance or a province. Employers book booths (or a 宣讲会's session slot) that hold a fixed
//! number of employers; graduates register for a fixed number of places, and the rest wait in
//! line. The rules here: what makes an event, a booth and a booking valid, where an event stands,
//! and the statistics of who came.

use chrono::{DateTime, Duration, Utc};

/// What kind of event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EventKind {
    /// 校园招聘会 (双选会).
    CampusFair,
    /// 院系专场招聘会 (小而专).
    CollegeFair,
    /// 宣讲会.
    Presentation,
    /// 职场体验日.
    WorkplaceDay,
    /// 网络招聘会 / 直播带岗.
    OnlineFair,
}

impl EventKind {
    pub const ALL: [EventKind; 5] = [
        EventKind::CampusFair,
        EventKind::CollegeFair,
        EventKind::Presentation,
        EventKind::WorkplaceDay,
        EventKind::OnlineFair,
    ];

    pub fn id(self) -> &'static str {
        match self {
            EventKind::CampusFair => "campus_fair",
            EventKind::CollegeFair => "college_fair",
            EventKind::Presentation => "presentation",
            EventKind::WorkplaceDay => "workplace_day",
            EventKind::OnlineFair => "online_fair",
        }
    }

    pub fn from_id(s: &str) -> Option<EventKind> {
        EventKind::ALL.into_iter().find(|k| k.id() == s.trim())
    }

    pub fn zh(self) -> &'static str {
        match self {
            EventKind::CampusFair => "校园招聘会",
            EventKind::CollegeFair => "院系专场招聘会",
            EventKind::Presentation => "宣讲会",
            EventKind::WorkplaceDay => "职场体验日",
            EventKind::OnlineFair => "网络招聘会（直播带岗）",
        }
    }

    /// What one bookable unit is called: a 宣讲会's session slot, otherwise a booth.
    pub fn booth_word(self) -> &'static str {
        match self {
            EventKind::Presentation => "场次",
            EventKind::OnlineFair => "线上展位",
            _ => "展位",
        }
    }
}

/// The themed campaign an event belongs to (专项活动), if any.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Theme {
    None,
    /// 全国中小企业百日招聘高校毕业生活动.
    Sme100Days,
    /// 面向西部地区高校毕业生招聘专场.
    Western,
    /// 宏志助航计划 (graduates in difficulty).
    Hongzhi,
}

impl Theme {
    pub const ALL: [Theme; 4] = [Theme::None, Theme::Sme100Days, Theme::Western, Theme::Hongzhi];

    pub fn id(self) -> &'static str {
        match self {
            Theme::None => "none",
            Theme::Sme100Days => "sme_100_days",
            Theme::Western => "western",
            Theme::Hongzhi => "hongzhi",
        }
    }

    pub fn from_id(s: &str) -> Option<Theme> {
        let s = s.trim();
        if s.is_empty() {
            return Some(Theme::None);
        }
        Theme::ALL.into_iter().find(|k| k.id() == s)
    }

    pub fn zh(self) -> &'static str {
        match self {
            Theme::None => "",
            Theme::Sme100Days => "中小企业百日招聘",
            Theme::Western => "西部地区专场",
            Theme::Hongzhi => "宏志助航",
        }
    }
}

/// Where an event stands at a moment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    Upcoming,
    /// Between its start and its end.
    Running,
    Ended,
    Cancelled,
}

impl Phase {
    pub fn of(starts: DateTime<Utc>, ends: DateTime<Utc>, cancelled: bool, now: DateTime<Utc>) -> Phase {
        if cancelled {
            Phase::Cancelled
        } else if now < starts {
            Phase::Upcoming
        } else if now < ends {
            Phase::Running
        } else {
            Phase::Ended
        }
    }

    pub fn id(self) -> &'static str {
        match self {
            Phase::Upcoming => "upcoming",
            Phase::Running => "running",
            Phase::Ended => "ended",
            Phase::Cancelled => "cancelled",
        }
    }

    pub fn zh(self) -> &'static str {
        match self {
            Phase::Upcoming => "即将举行",
            Phase::Running => "进行中",
            Phase::Ended => "已结束",
            Phase::Cancelled => "已取消",
        }
    }
}

/// A graduate's place at an event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Place {
    /// Holds a place.
    Registered,
    /// In line for a place.
    Waitlisted,
    /// A freed place is held for them until a deadline; they take it or hand it back.
    Offered,
    /// Gave up their place (or their place in line).
    Cancelled,
    /// Let an offered place lapse.
    Lapsed,
}

impl Place {
    pub const ALL: [Place; 5] = [Place::Registered, Place::Waitlisted, Place::Offered, Place::Cancelled, Place::Lapsed];

    pub fn id(self) -> &'static str {
        match self {
            Place::Registered => "registered",
            Place::Waitlisted => "waitlisted",
            Place::Offered => "offered",
            Place::Cancelled => "cancelled",
            Place::Lapsed => "lapsed",
        }
    }

    pub fn from_id(s: &str) -> Option<Place> {
        Place::ALL.into_iter().find(|p| p.id() == s)
    }

    pub fn zh(self) -> &'static str {
        match self {
            Place::Registered => "已报名",
            Place::Waitlisted => "候补中",
            Place::Offered => "候补递补：名额为您保留",
            Place::Cancelled => "已取消",
            Place::Lapsed => "保留期已过",
        }
    }

    /// Whether the registration is still alive (holds a place or a place in line).
    pub fn active(self) -> bool {
        matches!(self, Place::Registered | Place::Waitlisted | Place::Offered)
    }
}

/// An employer's booth booking.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BookingState {
    /// Holds its booth while the organiser decides.
    Pending,
    Approved,
    /// The organiser said no; the booth is free again.
    Rejected,
    /// The employer gave it up; the booth is free again.
    Withdrawn,
}

impl BookingState {
    pub const ALL: [BookingState; 4] =
        [BookingState::Pending, BookingState::Approved, BookingState::Rejected, BookingState::Withdrawn];

    pub fn id(self) -> &'static str {
        match self {
            BookingState::Pending => "pending",
            BookingState::Approved => "approved",
            BookingState::Rejected => "rejected",
            BookingState::Withdrawn => "withdrawn",
        }
    }

    pub fn from_id(s: &str) -> Option<BookingState> {
        BookingState::ALL.into_iter().find(|p| p.id() == s)
    }

    pub fn zh(self) -> &'static str {
        match self {
            BookingState::Pending => "待审核",
            BookingState::Approved => "已通过",
            BookingState::Rejected => "未通过",
            BookingState::Withdrawn => "已撤回",
        }
    }

    /// Whether the booking holds its booth.
    pub fn holds(self) -> bool {
        matches!(self, BookingState::Pending | BookingState::Approved)
    }
}

/// The most places an event has.
pub const MAX_PLACES: i32 = 100_000;
/// The most employers one booth holds.
pub const MAX_BOOTH_CAPACITY: i32 = 50;
/// The most booths an event has.
pub const MAX_BOOTHS: usize = 500;
/// The longest an event lasts.
pub const MAX_DAYS: i64 = 14;
/// How long a freed place is held for the next person in line, unless the organiser says.
pub const DEFAULT_HOLD_HOURS: i32 = 24;

/// What is wrong with an event, a booth or a booking as typed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EventError {
    Kind,
    Theme,
    Title,
    Text,
    Time,
    Venue,
    Places,
    Hold,
    Booths,
    Positions,
}

impl EventError {
    pub fn message(&self) -> String {
        match self {
            EventError::Kind => "类型应为 campus_fair、college_fair、presentation、workplace_day 或 online_fair".into(),
            EventError::Theme => "专项活动应为 none、sme_100_days、western 或 hongzhi".into(),
            EventError::Title => "请填写名称（100 字以内）".into(),
            EventError::Text => "说明应为 1–5000 字".into(),
            EventError::Time => format!("开始时间应在将来，结束时间在开始之后，活动不超过 {MAX_DAYS} 天"),
            EventError::Venue => {
                "线下活动请填写地点（200 字以内）；线上活动可填写直播链接（http(s)://，300 字以内）".into()
            }
            EventError::Places => format!("学生名额应为 1–{MAX_PLACES}"),
            EventError::Hold => "候补名额保留时间应为 1–168 小时".into(),
            EventError::Booths => format!(
                "展位名称 1–50 字、不重名，每个展位容纳 1–{MAX_BOOTH_CAPACITY} 家单位，最多 {MAX_BOOTHS} 个展位"
            ),
            EventError::Positions => "请选择本单位已发布的职位（最多 50 个）".into(),
        }
    }
}

/// An event as checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckedEvent {
    pub kind: EventKind,
    pub theme: Theme,
    pub title: String,
    pub description: String,
    pub venue: String,
    pub online: bool,
    pub stream_url: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub places: i32,
    pub hold_hours: i32,
}

/// An event as typed.
#[derive(Clone, Debug, Default)]
pub struct EventInput<'a> {
    pub kind: &'a str,
    pub theme: &'a str,
    pub title: &'a str,
    pub description: &'a str,
    pub venue: &'a str,
    pub online: bool,
    pub stream_url: &'a str,
    pub starts_at: Option<DateTime<Utc>>,
    pub ends_at: Option<DateTime<Utc>>,
    pub places: i32,
    pub hold_hours: Option<i32>,
}

fn is_link(s: &str) -> bool {
    (s.starts_with("https://") || s.starts_with("http://")) && s.len() > 10 && !s.contains(char::is_whitespace)
}

/// Checks an event as typed. An online fair is always online.
pub fn check_event(input: &EventInput<'_>, now: DateTime<Utc>) -> Result<CheckedEvent, EventError> {
    let kind = EventKind::from_id(input.kind).ok_or(EventError::Kind)?;
    let theme = Theme::from_id(input.theme).ok_or(EventError::Theme)?;
    let title = input.title.trim();
    if title.is_empty() || title.chars().count() > 100 {
        return Err(EventError::Title);
    }
    let description = input.description.trim();
    if description.is_empty() || description.chars().count() > 5000 {
        return Err(EventError::Text);
    }
    let (Some(starts_at), Some(ends_at)) = (input.starts_at, input.ends_at) else { return Err(EventError::Time) };
    if starts_at <= now || ends_at <= starts_at || ends_at - starts_at > Duration::days(MAX_DAYS) {
        return Err(EventError::Time);
    }
    let online = input.online || kind == EventKind::OnlineFair;
    let venue = input.venue.trim();
    let stream_url = input.stream_url.trim();
    if venue.chars().count() > 200 || (!online && venue.is_empty()) {
        return Err(EventError::Venue);
    }
    if !stream_url.is_empty() && (!is_link(stream_url) || stream_url.len() > 300) {
        return Err(EventError::Venue);
    }
    if !(1..=MAX_PLACES).contains(&input.places) {
        return Err(EventError::Places);
    }
    let hold_hours = input.hold_hours.unwrap_or(DEFAULT_HOLD_HOURS);
    if !(1..=168).contains(&hold_hours) {
        return Err(EventError::Hold);
    }
    Ok(CheckedEvent {
        kind,
        theme,
        title: title.to_owned(),
        description: description.to_owned(),
        venue: venue.to_owned(),
        online,
        stream_url: stream_url.to_owned(),
        starts_at,
        ends_at,
        places: input.places,
        hold_hours,
    })
}

/// Checks booths as typed (label, capacity): labels 1–50 characters and distinct, capacities
/// 1–[`MAX_BOOTH_CAPACITY`], at most [`MAX_BOOTHS`]. Answers them trimmed.
pub fn check_booths(booths: &[(String, i32)]) -> Result<Vec<(String, i32)>, EventError> {
    if booths.len() > MAX_BOOTHS {
        return Err(EventError::Booths);
    }
    let mut out: Vec<(String, i32)> = Vec::with_capacity(booths.len());
    for (label, capacity) in booths {
        let label = label.trim();
        if label.is_empty()
            || label.chars().count() > 50
            || !(1..=MAX_BOOTH_CAPACITY).contains(capacity)
            || out.iter().any(|(l, _)| l == label)
        {
            return Err(EventError::Booths);
        }
        out.push((label.to_owned(), *capacity));
    }
    Ok(out)
}

/// Booths named `{prefix}01`…, `n` of them, each for one employer.
pub fn numbered_booths(prefix: &str, n: usize) -> Vec<(String, i32)> {
    (1..=n).map(|i| (format!("{prefix}{i:02}"), 1)).collect()
}

/// When a place freed at `now` stops being held for the next person in line.
pub fn hold_until(now: DateTime<Utc>, hold_hours: i32) -> DateTime<Utc> {
    now + Duration::hours(i64::from(hold_hours))
}

/// Who came to an event and who did not.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Attendance {
    /// Holding a place (registered or offered).
    pub registered: i64,
    pub waitlisted: i64,
    pub checked_in: i64,
}

impl Attendance {
    /// Registered graduates who did not come; counted only once the event has ended.
    pub fn no_shows(&self, phase: Phase) -> i64 {
        if phase == Phase::Ended { (self.registered - self.checked_in).max(0) } else { 0 }
    }

    /// The share of registered graduates who came, in per mille (none before any registered).
    pub fn turnout_permille(&self) -> Option<i64> {
        (self.registered > 0).then(|| (self.checked_in * 1000 / self.registered).min(1000))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(now: DateTime<Utc>) -> EventInput<'static> {
        EventInput {
            kind: "campus_fair",
            theme: "",
            title: "2024届春季双选会",
            description: "面向全体毕业生",
            venue: "体育馆",
            online: false,
            stream_url: "",
            starts_at: Some(now + Duration::days(3)),
            ends_at: Some(now + Duration::days(3) + Duration::hours(4)),
            places: 500,
            hold_hours: None,
        }
    }

    #[test]
    fn an_event_needs_a_kind_a_future_time_a_venue_or_being_online_and_places() {
        let now = Utc::now();
        let e = check_event(&input(now), now).unwrap();
        assert_eq!((e.kind, e.theme, e.hold_hours, e.online), (EventKind::CampusFair, Theme::None, 24, false));
        assert_eq!(check_event(&EventInput { kind: "party", ..input(now) }, now), Err(EventError::Kind));
        assert_eq!(check_event(&EventInput { theme: "x", ..input(now) }, now), Err(EventError::Theme));
        assert_eq!(check_event(&EventInput { venue: " ", ..input(now) }, now), Err(EventError::Venue));
        let online = check_event(&EventInput { kind: "online_fair", venue: "", ..input(now) }, now).unwrap();
        assert!(online.online);
        assert_eq!(check_event(&EventInput { starts_at: Some(now), ..input(now) }, now), Err(EventError::Time));
        let long = EventInput { ends_at: Some(now + Duration::days(30)), ..input(now) };
        assert_eq!(check_event(&long, now), Err(EventError::Time));
        assert_eq!(check_event(&EventInput { places: 0, ..input(now) }, now), Err(EventError::Places));
        assert_eq!(check_event(&EventInput { hold_hours: Some(0), ..input(now) }, now), Err(EventError::Hold));
        let bad_link = EventInput { stream_url: "javascript:alert(1)", ..input(now) };
        assert_eq!(check_event(&bad_link, now), Err(EventError::Venue));
    }

    #[test]
    fn booths_are_distinct_and_hold_one_to_fifty_employers() {
        assert_eq!(numbered_booths("A", 3), vec![("A01".into(), 1), ("A02".into(), 1), ("A03".into(), 1)]);
        assert!(check_booths(&numbered_booths("A", 10)).is_ok());
        assert_eq!(check_booths(&[("A".into(), 1), (" A ".into(), 2)]), Err(EventError::Booths));
        assert_eq!(check_booths(&[("A".into(), 0)]), Err(EventError::Booths));
        assert_eq!(check_booths(&[("A".into(), 51)]), Err(EventError::Booths));
    }

    #[test]
    fn an_event_runs_between_its_start_and_end_and_no_shows_count_after_it() {
        let now = Utc::now();
        let (s, e) = (now + Duration::hours(1), now + Duration::hours(3));
        assert_eq!(Phase::of(s, e, false, now), Phase::Upcoming);
        assert_eq!(Phase::of(s, e, false, s), Phase::Running);
        assert_eq!(Phase::of(s, e, false, e), Phase::Ended);
        assert_eq!(Phase::of(s, e, true, now), Phase::Cancelled);
        let a = Attendance { registered: 40, waitlisted: 3, checked_in: 30 };
        assert_eq!(a.no_shows(Phase::Running), 0);
        assert_eq!(a.no_shows(Phase::Ended), 10);
        assert_eq!(a.turnout_permille(), Some(750));
        assert_eq!(Attendance::default().turnout_permille(), None);
        assert!(Place::Offered.active() && !Place::Lapsed.active());
        assert!(BookingState::Pending.holds() && !BookingState::Rejected.holds());
    }
}
