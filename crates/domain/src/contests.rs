//! Career-planning and entrepreneurship contests (职业规划大赛、创新创业大赛): a university or
//! college opens one with named judges; its graduates enter until entries close; each judge
//! scores every entry from 0 to 100; the organiser publishes the results, and the prizes go by
//! the mean score. The rules of entering, scoring and ranking.

use chrono::{DateTime, Utc};

/// What a contest is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ContestKind {
    /// 职业规划大赛.
    CareerPlanning,
    /// 创新创业大赛.
    Entrepreneurship,
}

impl ContestKind {
    pub const ALL: [ContestKind; 2] = [ContestKind::CareerPlanning, ContestKind::Entrepreneurship];

    pub fn id(self) -> &'static str {
        match self {
            ContestKind::CareerPlanning => "career_planning",
            ContestKind::Entrepreneurship => "entrepreneurship",
        }
    }

    pub fn from_id(s: &str) -> Option<ContestKind> {
        ContestKind::ALL.into_iter().find(|k| k.id() == s.trim())
    }

    pub fn zh(self) -> &'static str {
        match self {
            ContestKind::CareerPlanning => "职业规划大赛",
            ContestKind::Entrepreneurship => "创新创业大赛",
        }
    }
}

/// Where a contest stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// Graduates enter and change their entries.
    Open,
    /// Entries closed; judges score.
    Judging,
    /// Results published; nothing changes any more.
    Published,
}

impl Phase {
    pub fn of(entries_close: DateTime<Utc>, published: bool, now: DateTime<Utc>) -> Phase {
        if published {
            Phase::Published
        } else if now < entries_close {
            Phase::Open
        } else {
            Phase::Judging
        }
    }

    pub fn id(self) -> &'static str {
        match self {
            Phase::Open => "open",
            Phase::Judging => "judging",
            Phase::Published => "published",
        }
    }

    pub fn zh(self) -> &'static str {
        match self {
            Phase::Open => "报名中",
            Phase::Judging => "评审中",
            Phase::Published => "已公布结果",
        }
    }
}

/// The most judges a contest has.
pub const MAX_JUDGES: usize = 10;
/// The highest score.
pub const MAX_SCORE: i32 = 100;

/// What is wrong with a contest, an entry or a score as typed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ContestError {
    Kind,
    Title,
    /// The description or an entry's summary too short or too long.
    Text,
    Close,
    Judges,
    Link,
    Score,
    Prizes,
}

impl ContestError {
    pub fn message(&self) -> String {
        match self {
            ContestError::Kind => "类型应为 career_planning（职业规划大赛）或 entrepreneurship（创新创业大赛）".into(),
            ContestError::Title => "请填写名称（100 字以内）".into(),
            ContestError::Text => "说明应为 1–2000 字；作品简介应为 50–5000 字".into(),
            ContestError::Close => "报名截止时间应在将来".into(),
            ContestError::Judges => format!("请指定 1–{MAX_JUDGES} 名本校教职工担任评委"),
            ContestError::Link => "作品链接应以 http(s):// 开头（300 字以内）".into(),
            ContestError::Score => format!("评分应为 0–{MAX_SCORE} 的整数，评语 500 字以内"),
            ContestError::Prizes => "一、二、三等奖名额应为非负整数，合计不超过参赛作品数".into(),
        }
    }
}

fn title(t: &str) -> Result<String, ContestError> {
    let t = t.trim();
    if t.is_empty() || t.chars().count() > 100 {
        return Err(ContestError::Title);
    }
    Ok(t.to_owned())
}

/// Checks a contest as typed; answers its kind, title and description, trimmed.
pub fn check_contest(
    kind: &str,
    name: &str,
    description: &str,
    entries_close: DateTime<Utc>,
    judges: usize,
    now: DateTime<Utc>,
) -> Result<(ContestKind, String, String), ContestError> {
    let kind = ContestKind::from_id(kind).ok_or(ContestError::Kind)?;
    let name = title(name)?;
    let d = description.trim();
    if d.is_empty() || d.chars().count() > 2000 {
        return Err(ContestError::Text);
    }
    if entries_close <= now {
        return Err(ContestError::Close);
    }
    if judges == 0 || judges > MAX_JUDGES {
        return Err(ContestError::Judges);
    }
    Ok((kind, name, d.to_owned()))
}

/// Checks an entry as typed; answers its title, summary and link, trimmed.
pub fn check_entry(name: &str, summary: &str, link: &str) -> Result<(String, String, String), ContestError> {
    let name = title(name)?;
    let s = summary.trim();
    if !(50..=5000).contains(&s.chars().count()) {
        return Err(ContestError::Text);
    }
    let l = link.trim();
    if !l.is_empty() && (!(l.starts_with("https://") || l.starts_with("http://")) || l.chars().count() > 300) {
        return Err(ContestError::Link);
    }
    Ok((name, s.to_owned(), l.to_owned()))
}

/// Checks a judge's score and comment.
pub fn check_score(score: i32, comment: &str) -> Result<String, ContestError> {
    if !(0..=MAX_SCORE).contains(&score) || comment.trim().chars().count() > 500 {
        return Err(ContestError::Score);
    }
    Ok(comment.trim().to_owned())
}

/// A prize.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Prize {
    First,
    Second,
    Third,
}

impl Prize {
    pub fn zh(self) -> &'static str {
        match self {
            Prize::First => "一等奖",
            Prize::Second => "二等奖",
            Prize::Third => "三等奖",
        }
    }
}

/// An entry as ranked: its mean score (in hundredths, None when no judge scored it), how many
/// judges scored it, when it was submitted (for ties) and its position in the input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Scored {
    pub mean_centi: Option<i64>,
    pub judged: i64,
    pub submitted: DateTime<Utc>,
}

/// The mean of `sum` over `n` scores, in hundredths (rounded half up).
pub fn mean_centi(sum: i64, n: i64) -> Option<i64> {
    (n > 0).then(|| (sum * 200 + n) / (2 * n))
}

/// The order of the entries (indexes into `entries`): higher mean first, then more judges, then
/// earlier submitted; unscored entries last.
pub fn ranking(entries: &[Scored]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..entries.len()).collect();
    order.sort_by(|&a, &b| {
        let (x, y) = (&entries[a], &entries[b]);
        y.mean_centi
            .unwrap_or(-1)
            .cmp(&x.mean_centi.unwrap_or(-1))
            .then(y.judged.cmp(&x.judged))
            .then(x.submitted.cmp(&y.submitted))
    });
    order
}

/// The prize of the entry at 0-based `rank`, with `counts` = (first, second, third) places; an
/// entry no judge scored wins nothing.
pub fn prize(rank: usize, counts: (i32, i32, i32), scored: bool) -> Option<Prize> {
    let (a, b, c) = (counts.0.max(0) as usize, counts.1.max(0) as usize, counts.2.max(0) as usize);
    match rank {
        _ if !scored => None,
        r if r < a => Some(Prize::First),
        r if r < a + b => Some(Prize::Second),
        r if r < a + b + c => Some(Prize::Third),
        _ => None,
    }
}

/// Checks the prize counts against the number of entries.
pub fn check_prizes(counts: (i32, i32, i32), entries: usize) -> Result<(), ContestError> {
    let (a, b, c) = counts;
    if a < 0 || b < 0 || c < 0 || (a + b + c) as usize > entries {
        return Err(ContestError::Prizes);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    #[test]
    fn a_contest_opens_closes_and_publishes_and_its_input_is_checked() {
        let now = Utc::now();
        let close = now + Duration::days(7);
        assert_eq!(Phase::of(close, false, now), Phase::Open);
        assert_eq!(Phase::of(close, false, close), Phase::Judging);
        assert_eq!(Phase::of(close, true, now), Phase::Published);
        assert!(check_contest("career_planning", "第十届职业规划大赛", "面向全体毕业生", close, 3, now).is_ok());
        assert_eq!(check_contest("debate", "x", "y", close, 3, now), Err(ContestError::Kind));
        assert_eq!(check_contest("career_planning", "x", "y", now, 3, now), Err(ContestError::Close));
        assert_eq!(check_contest("career_planning", "x", "y", close, 0, now), Err(ContestError::Judges));
        let summary = "本作品围绕乡村电商创业展开，".repeat(5);
        assert!(check_entry("乡村电商", &summary, "https://example.org/plan").is_ok());
        assert_eq!(check_entry("乡村电商", "太短", ""), Err(ContestError::Text));
        assert_eq!(check_entry("乡村电商", &summary, "ftp://x"), Err(ContestError::Link));
        assert_eq!(check_score(101, ""), Err(ContestError::Score));
        assert_eq!(check_score(88, " 结构清晰 ").unwrap(), "结构清晰");
    }

    #[test]
    fn entries_rank_by_mean_then_judges_then_time_and_prizes_follow_the_rank() {
        let t = Utc::now();
        let e =
            |m: Option<i64>, j: i64, s: i64| Scored { mean_centi: m, judged: j, submitted: t + Duration::minutes(s) };
        let entries =
            [e(Some(8000), 2, 0), e(None, 0, 1), e(Some(9050), 2, 2), e(Some(8000), 3, 3), e(Some(8000), 3, 4)];
        assert_eq!(ranking(&entries), vec![2, 3, 4, 0, 1]);
        assert_eq!(mean_centi(85 + 90 + 92, 3), Some(8900));
        assert_eq!(mean_centi(0, 0), None);
        assert_eq!(prize(0, (1, 1, 1), true), Some(Prize::First));
        assert_eq!(prize(2, (1, 1, 1), true), Some(Prize::Third));
        assert_eq!(prize(3, (1, 1, 1), true), None);
        assert_eq!(prize(0, (1, 1, 1), false), None);
        assert!(check_prizes((1, 2, 3), 6).is_ok());
        assert_eq!(check_prizes((1, 2, 3), 5), Err(ContestError::Prizes));
    }
}
