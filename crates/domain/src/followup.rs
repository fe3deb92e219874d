//! Counselor follow-up (跟踪指导): every contact with a graduate — when, how, who, what was said,
//! what they need, their state of mind, the next step promised — and the flags that tell a
//! counselor whom to reach today.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// How a graduate was reached.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// 面谈.
    InPerson,
    /// 电话.
    Phone,
    /// 微信.
    Wechat,
    /// 上门（家访）.
    HomeVisit,
    /// 线上（视频、平台消息）.
    Online,
}

impl Channel {
    pub const ALL: [Channel; 5] =
        [Channel::InPerson, Channel::Phone, Channel::Wechat, Channel::HomeVisit, Channel::Online];

    pub fn id(self) -> &'static str {
        match self {
            Channel::InPerson => "in_person",
            Channel::Phone => "phone",
            Channel::Wechat => "wechat",
            Channel::HomeVisit => "home_visit",
            Channel::Online => "online",
        }
    }

    pub fn from_id(s: &str) -> Option<Channel> {
        Channel::ALL.into_iter().find(|c| c.id() == s)
    }

    pub fn zh(self) -> &'static str {
        match self {
            Channel::InPerson => "面谈",
            Channel::Phone => "电话",
            Channel::Wechat => "微信",
            Channel::HomeVisit => "上门",
            Channel::Online => "线上",
        }
    }
}

/// What a graduate said they need (several may apply; free text adds the rest).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Need {
    /// 岗位信息.
    JobLeads,
    /// 简历指导.
    Resume,
    /// 面试辅导.
    Interview,
    /// 政策咨询（手续、派遣、落户）.
    Policy,
    /// 升学、考公考编.
    FurtherStudy,
    /// 创业.
    Startup,
    /// 经济困难.
    Financial,
    /// 心理疏导.
    Emotional,
}

impl Need {
    pub const ALL: [Need; 8] = [
        Need::JobLeads,
        Need::Resume,
        Need::Interview,
        Need::Policy,
        Need::FurtherStudy,
        Need::Startup,
        Need::Financial,
        Need::Emotional,
    ];

    pub fn id(self) -> &'static str {
        match self {
            Need::JobLeads => "job_leads",
            Need::Resume => "resume",
            Need::Interview => "interview",
            Need::Policy => "policy",
            Need::FurtherStudy => "further_study",
            Need::Startup => "startup",
            Need::Financial => "financial",
            Need::Emotional => "emotional",
        }
    }

    pub fn from_id(s: &str) -> Option<Need> {
        Need::ALL.into_iter().find(|n| n.id() == s)
    }

    pub fn zh(self) -> &'static str {
        match self {
            Need::JobLeads => "岗位信息",
            Need::Resume => "简历指导",
            Need::Interview => "面试辅导",
            Need::Policy => "政策咨询",
            Need::FurtherStudy => "升学或考公考编",
            Need::Startup => "创业",
            Need::Financial => "经济困难",
            Need::Emotional => "心理疏导",
        }
    }
}

/// State of mind on a 1–5 scale (1 very anxious, 5 settled), with the confidential mark that the
/// graduate needs professional help.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mood {
    pub scale: u8,
    pub professional_help: bool,
}

impl Mood {
    /// The scale's words, 1 to 5.
    pub const WORDS: [&'static str; 5] = ["非常焦虑", "比较焦虑", "一般", "比较平稳", "积极平稳"];

    /// A mood of `scale` (1–5).
    pub fn new(scale: u8, professional_help: bool) -> Option<Mood> {
        (1..=5).contains(&scale).then_some(Mood { scale, professional_help })
    }

    /// Anxiety noted: 1 or 2 on the scale, or professional help needed.
    pub fn anxious(self) -> bool {
        self.scale <= 2 || self.professional_help
    }

    /// The form kept sealed at rest: `"3"` or `"2!"` (the mark for professional help).
    pub fn encode(self) -> String {
        format!("{}{}", self.scale, if self.professional_help { "!" } else { "" })
    }

    pub fn decode(s: &str) -> Option<Mood> {
        let (digits, help) = match s.strip_suffix('!') {
            Some(d) => (d, true),
            None => (s, false),
        };
        Mood::new(digits.parse().ok()?, help)
    }

    pub fn zh(self) -> &'static str {
        Mood::WORDS[usize::from(self.scale.clamp(1, 5) - 1)]
    }
}

/// Days without a contact after which a graduate with no destination is flagged.
pub const QUIET_DAYS: i64 = 14;

/// Why a graduate is on a counselor's list today.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Flag {
    /// Anxiety noted at the last contact (shown to those who may see the state of mind).
    Anxious,
    /// The next step promised is due today or overdue.
    StepDue,
    /// No destination and no contact for 14 days (or never).
    NoContact,
    /// A graduate in the hardship ledger without an approved plan (shown to those who may read
    /// the file).
    NoPlan,
}

impl Flag {
    pub fn id(self) -> &'static str {
        match self {
            Flag::NoContact => "no_contact",
            Flag::StepDue => "step_due",
            Flag::Anxious => "anxious",
            Flag::NoPlan => "no_plan",
        }
    }

    pub fn zh(self) -> &'static str {
        match self {
            Flag::NoContact => "14天未联系且未落实去向",
            Flag::StepDue => "约定的下一步已到期",
            Flag::Anxious => "记录有焦虑情绪",
            Flag::NoPlan => "困难毕业生尚无获批帮扶方案",
        }
    }
}

/// What is known of a graduate for the flags.
#[derive(Clone, Copy, Debug, Default)]
pub struct Standing {
    /// Has a counted destination (placed or otherwise settled).
    pub placed: bool,
    pub last_contact: Option<NaiveDate>,
    /// The next step of the last contact is due then, and not yet followed by another contact.
    pub step_due: Option<NaiveDate>,
    /// The state of mind at the last contact, when the reader may see it.
    pub mood: Option<Mood>,
    /// In the hardship ledger (a file the reader may read) without an approved plan, the case
    /// open.
    pub no_plan: bool,
}

/// The flags of a graduate on `today`, most urgent first.
pub fn flags(s: &Standing, today: NaiveDate) -> Vec<Flag> {
    let mut out = Vec::new();
    if s.mood.is_some_and(Mood::anxious) {
        out.push(Flag::Anxious);
    }
    if s.step_due.is_some_and(|d| d <= today) {
        out.push(Flag::StepDue);
    }
    let quiet = s.last_contact.is_none_or(|d| (today - d).num_days() >= QUIET_DAYS);
    if !s.placed && quiet {
        out.push(Flag::NoContact);
    }
    if s.no_plan {
        out.push(Flag::NoPlan);
    }
    out
}

/// A contact as checked: every field within its bounds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContactInput {
    pub on: NaiveDate,
    pub channel: Channel,
    pub summary: String,
    pub needs: Vec<Need>,
    pub other_need: String,
    pub mood: Option<Mood>,
    pub next_step: String,
    pub next_due: Option<NaiveDate>,
}

/// What is wrong with a contact, field by field.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ContactError {
    Channel,
    Need(String),
    Mood,
    /// The date (in the future, or before the graduate could have been reached).
    Date,
    /// A due date before the contact, or without a next step.
    Due,
    Summary,
    TooLong(&'static str),
}

impl ContactError {
    pub fn message(&self) -> String {
        match self {
            ContactError::Channel => "联系方式应为 in_person、phone、wechat、home_visit 或 online".into(),
            ContactError::Need(n) => format!("需求“{n}”不在列表中，其他需求请写在“其他需求”里"),
            ContactError::Mood => "心理状态应为 1 到 5".into(),
            ContactError::Date => "联系日期不能晚于今天，也不能早于一年前".into(),
            ContactError::Due => "下一步的期限不能早于联系日期，且需写明下一步做什么".into(),
            ContactError::Summary => "请用一两句话记下这次联系的内容".into(),
            ContactError::TooLong(f) => format!("{f}太长"),
        }
    }
}

/// The raw fields of a contact, as typed.
#[derive(Clone, Debug, Default)]
pub struct RawContact<'a> {
    pub on: NaiveDate,
    pub channel: &'a str,
    pub summary: &'a str,
    pub needs: &'a [String],
    pub other_need: &'a str,
    pub mood: Option<u8>,
    pub professional_help: bool,
    pub next_step: &'a str,
    pub next_due: Option<NaiveDate>,
}

/// Checks a contact logged on `today`.
pub fn check(raw: &RawContact<'_>, today: NaiveDate) -> Result<ContactInput, ContactError> {
    let channel = Channel::from_id(raw.channel.trim()).ok_or(ContactError::Channel)?;
    let mut needs = Vec::new();
    for n in raw.needs.iter().map(|n| n.trim()).filter(|n| !n.is_empty()) {
        let need = Need::from_id(n).ok_or_else(|| ContactError::Need(n.chars().take(40).collect()))?;
        if !needs.contains(&need) {
            needs.push(need);
        }
    }
    let mood = match raw.mood {
        Some(m) => Some(Mood::new(m, raw.professional_help).ok_or(ContactError::Mood)?),
        None if raw.professional_help => Some(Mood { scale: 1, professional_help: true }),
        None => None,
    };
    if raw.on > today || (today - raw.on).num_days() > 366 {
        return Err(ContactError::Date);
    }
    let summary = raw.summary.trim();
    if summary.is_empty() {
        return Err(ContactError::Summary);
    }
    let long = |field: &'static str, v: &str, max: usize| {
        if v.chars().count() > max { Err(ContactError::TooLong(field)) } else { Ok(()) }
    };
    long("联系内容", summary, crate::text::NOTES)?;
    let other_need = raw.other_need.trim();
    long("其他需求", other_need, crate::text::NOTE)?;
    let next_step = raw.next_step.trim();
    long("下一步", next_step, crate::text::NOTE)?;
    if let Some(due) = raw.next_due
        && (due < raw.on || next_step.is_empty())
    {
        return Err(ContactError::Due);
    }
    Ok(ContactInput {
        on: raw.on,
        channel,
        summary: summary.to_owned(),
        needs,
        other_need: other_need.to_owned(),
        mood,
        next_step: next_step.to_owned(),
        next_due: raw.next_due,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn flags_name_whom_to_reach() {
        let today = day("2026-05-20");
        let never = Standing::default();
        assert_eq!(flags(&never, today), [Flag::NoContact]);
        let placed = Standing { placed: true, ..Standing::default() };
        assert!(flags(&placed, today).is_empty());
        let recent = Standing { last_contact: Some(day("2026-05-10")), ..Standing::default() };
        assert!(flags(&recent, today).is_empty());
        let quiet = Standing { last_contact: Some(day("2026-05-06")), ..Standing::default() };
        assert_eq!(flags(&quiet, today), [Flag::NoContact]);
        let due = Standing {
            placed: true,
            last_contact: Some(day("2026-05-18")),
            step_due: Some(day("2026-05-20")),
            mood: Mood::new(2, false),
            no_plan: false,
        };
        assert_eq!(flags(&due, today), [Flag::Anxious, Flag::StepDue]);
        let settled = Standing { mood: Mood::new(4, false), placed: true, ..Standing::default() };
        assert_eq!(flags(&Standing { no_plan: true, placed: true, ..Standing::default() }, today), [Flag::NoPlan]);
        assert!(flags(&settled, today).is_empty());
        assert!(Mood::new(4, true).unwrap().anxious());
    }

    #[test]
    fn mood_round_trips_and_stays_in_range() {
        for m in [Mood::new(1, false), Mood::new(3, true), Mood::new(5, false)].into_iter().flatten() {
            assert_eq!(Mood::decode(&m.encode()), Some(m));
        }
        assert_eq!(Mood::new(0, false), None);
        assert_eq!(Mood::new(6, false), None);
        assert_eq!(Mood::decode("7"), None);
        assert_eq!(Mood::decode("x!"), None);
    }

    #[test]
    fn a_contact_is_checked_field_by_field() {
        let today = day("2026-05-20");
        let needs = vec!["resume".to_owned(), "resume".to_owned(), " job_leads ".to_owned()];
        let raw = RawContact {
            on: today,
            channel: "phone",
            summary: "  已联系，在准备国企笔试 ",
            needs: &needs,
            mood: Some(3),
            next_step: "周五前发三个岗位",
            next_due: Some(day("2026-05-22")),
            ..RawContact::default()
        };
        let c = check(&raw, today).unwrap();
        assert_eq!(c.summary, "已联系，在准备国企笔试");
        assert_eq!(c.needs, [Need::Resume, Need::JobLeads]);
        assert_eq!(c.channel, Channel::Phone);
        assert_eq!(check(&RawContact { channel: "fax", ..raw.clone() }, today), Err(ContactError::Channel));
        assert_eq!(check(&RawContact { mood: Some(9), ..raw.clone() }, today), Err(ContactError::Mood));
        assert_eq!(check(&RawContact { on: day("2026-05-21"), ..raw.clone() }, today), Err(ContactError::Date));
        assert_eq!(
            check(&RawContact { next_due: Some(day("2026-05-01")), ..raw.clone() }, today),
            Err(ContactError::Due)
        );
        assert_eq!(check(&RawContact { next_step: "", ..raw.clone() }, today), Err(ContactError::Due));
        assert_eq!(check(&RawContact { summary: " ", ..raw.clone() }, today), Err(ContactError::Summary));
        let odd = vec!["dance".to_owned()];
        assert_eq!(check(&RawContact { needs: &odd, ..raw.clone() }, today), Err(ContactError::Need("dance".into())));
        let help = check(&RawContact { mood: None, professional_help: true, ..raw }, today).unwrap();
        assert_eq!(help.mood, Some(Mood { scale: 1, professional_help: true }));
    }
}
