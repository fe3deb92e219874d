//! The read log (查阅记录): what kinds of personal data a read is logged for, which of them are
//! sensitive, and how long entries are kept.
//!
//! MLPS 2.0 (level 3) asks for records of user actions kept at least six months; PIPL art. 55–56
//! asks for records about sensitive personal information kept at least three years. So the
//! retention is configurable, but never below [`Retention::MIN_DAYS`], and entries of a
//! sensitive kind are kept at least [`Retention::SENSITIVE_DAYS`] whatever the setting.

use chrono::{DateTime, Duration, Utc};

/// What was read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ReadKind {
    /// One graduate's record (destination, history, evidence list, disputes).
    Graduate,
    /// A list of graduates (who, which filter, how many rows).
    GraduateList,
    /// An evidence file of a destination record.
    Evidence,
    /// The résumé attached to an application.
    Resume,
    /// A hardship file (家庭经济困难), when that capability exists.
    Hardship,
    /// A rights report (维护就业权益) or a list of them.
    RightsReport,
    /// A graduate's follow-up log (跟踪指导: contacts with their state of mind).
    FollowUp,
}

impl ReadKind {
    pub const ALL: [ReadKind; 7] = [
        ReadKind::Graduate,
        ReadKind::GraduateList,
        ReadKind::Evidence,
        ReadKind::Resume,
        ReadKind::Hardship,
        ReadKind::RightsReport,
        ReadKind::FollowUp,
    ];

    /// The stable identifier stored and used in the API.
    pub fn id(self) -> &'static str {
        match self {
            ReadKind::Graduate => "graduate",
            ReadKind::GraduateList => "graduate_list",
            ReadKind::Evidence => "evidence",
            ReadKind::Resume => "resume",
            ReadKind::Hardship => "hardship",
            ReadKind::RightsReport => "rights_report",
            ReadKind::FollowUp => "followup",
        }
    }

    pub fn from_id(s: &str) -> Option<ReadKind> {
        ReadKind::ALL.into_iter().find(|k| k.id() == s)
    }

    pub fn zh(self) -> &'static str {
        match self {
            ReadKind::Graduate => "毕业生档案",
            ReadKind::GraduateList => "毕业生名单",
            ReadKind::Evidence => "证明材料",
            ReadKind::Resume => "简历",
            ReadKind::Hardship => "困难帮扶档案",
            ReadKind::RightsReport => "权益反映",
            ReadKind::FollowUp => "跟踪指导记录",
        }
    }

    /// Files about one person that PIPL treats with the care of sensitive information (kept at
    /// least three years): evidence files, résumés, hardship files, rights reports, follow-up logs
    /// (they hold the state of mind).
    pub fn is_sensitive(self) -> bool {
        matches!(
            self,
            ReadKind::Evidence | ReadKind::Resume | ReadKind::Hardship | ReadKind::RightsReport | ReadKind::FollowUp
        )
    }

    /// The kinds of [`ReadKind::is_sensitive`].
    pub fn sensitive() -> Vec<ReadKind> {
        ReadKind::ALL.into_iter().filter(|k| k.is_sensitive()).collect()
    }
}

/// How long read-log entries are kept, in days.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Retention {
    days: u32,
}

impl Retention {
    /// Six months (MLPS 2.0): nothing is purged sooner.
    pub const MIN_DAYS: u32 = 183;
    /// Three years (PIPL art. 55–56): sensitive kinds are kept at least this long.
    pub const SENSITIVE_DAYS: u32 = 1095;
    /// The default setting.
    pub const DEFAULT_DAYS: u32 = 1095;
    /// The longest setting accepted (a hundred years: "keep everything").
    pub const MAX_DAYS: u32 = 36_500;

    /// The retention of `days`, or why it is refused (in Chinese, for the operator).
    pub fn days(days: u32) -> Result<Retention, String> {
        if days < Retention::MIN_DAYS {
            return Err(format!(
                "read_log_retention_days = {days} 太短：查阅记录至少保留 {} 天（6 个月，等保 2.0），\
                 敏感数据（证明材料、简历、困难帮扶）另外至少保留 {} 天（3 年，个人信息保护法第 55–56 条）",
                Retention::MIN_DAYS,
                Retention::SENSITIVE_DAYS
            ));
        }
        if days > Retention::MAX_DAYS {
            return Err(format!("read_log_retention_days = {days} 太长：最多 {} 天", Retention::MAX_DAYS));
        }
        Ok(Retention { days })
    }

    /// The setting in days.
    pub fn setting(self) -> u32 {
        self.days
    }

    /// Days an entry of `kind` is kept.
    pub fn days_for(self, kind: ReadKind) -> u32 {
        if kind.is_sensitive() { self.days.max(Retention::SENSITIVE_DAYS) } else { self.days }
    }

    /// Entries of `kind` read before this instant may be purged at `now`.
    pub fn cutoff(self, kind: ReadKind, now: DateTime<Utc>) -> DateTime<Utc> {
        now - Duration::days(i64::from(self.days_for(kind)))
    }
}

impl Default for Retention {
    fn default() -> Self {
        Retention { days: Retention::DEFAULT_DAYS }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip_and_sensitive_ones_are_files_about_one_person() {
        for k in ReadKind::ALL {
            assert_eq!(ReadKind::from_id(k.id()), Some(k));
        }
        assert_eq!(ReadKind::from_id("nope"), None);
        assert_eq!(
            ReadKind::sensitive(),
            [ReadKind::Evidence, ReadKind::Resume, ReadKind::Hardship, ReadKind::RightsReport, ReadKind::FollowUp]
        );
        assert!(!ReadKind::Graduate.is_sensitive() && !ReadKind::GraduateList.is_sensitive());
    }

    #[test]
    fn retention_is_at_least_six_months_and_three_years_for_sensitive_kinds() {
        assert!(Retention::days(182).unwrap_err().contains("183"));
        assert!(Retention::days(0).is_err());
        assert!(Retention::days(36_501).is_err());
        let short = Retention::days(183).unwrap();
        assert_eq!(short.days_for(ReadKind::GraduateList), 183);
        assert_eq!(short.days_for(ReadKind::Evidence), 1095);
        assert_eq!(short.days_for(ReadKind::Resume), 1095);
        assert_eq!(short.days_for(ReadKind::Hardship), 1095);
        let long = Retention::days(2000).unwrap();
        assert_eq!(long.days_for(ReadKind::Resume), 2000, "a longer setting applies to sensitive kinds too");
        assert_eq!(long.days_for(ReadKind::Graduate), 2000);
        assert_eq!(Retention::default().setting(), 1095);
        let now = DateTime::parse_from_rfc3339("2026-12-03T00:00:00Z").unwrap().with_timezone(&Utc);
        assert_eq!(short.cutoff(ReadKind::Graduate, now).to_rfc3339(), "2026-06-03T00:00:00+00:00");
        assert_eq!(short.cutoff(ReadKind::Evidence, now).to_rfc3339(), "2023-12-04T00:00:00+00:00");
    }
}
