//! The 基层就业卓越奖 (award for excellence in grassroots employment): a college nominates a
//! graduate who went to work at the grassroots, or a teacher who guided such graduates; the
//! university's career centre forwards the nomination to the province or returns it; the province
//! awards or declines it. The rules of who moves a nomination where.

/// Who is nominated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NomineeKind {
    /// A graduate who went to the grassroots (基层项目、选调、应征入伍).
    Graduate,
    /// A teacher who guided graduates to the grassroots (指导教师).
    Teacher,
}

impl NomineeKind {
    pub const ALL: [NomineeKind; 2] = [NomineeKind::Graduate, NomineeKind::Teacher];

    pub fn id(self) -> &'static str {
        match self {
            NomineeKind::Graduate => "graduate",
            NomineeKind::Teacher => "teacher",
        }
    }

    pub fn from_id(s: &str) -> Option<NomineeKind> {
        NomineeKind::ALL.into_iter().find(|k| k.id() == s.trim())
    }

    pub fn zh(self) -> &'static str {
        match self {
            NomineeKind::Graduate => "基层就业毕业生",
            NomineeKind::Teacher => "指导教师",
        }
    }
}

/// Where a nomination stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NominationState {
    /// Submitted by the college; waits for the university.
    Submitted,
    /// Returned by the university to the college, which may change and resubmit it.
    Returned,
    /// Forwarded by the university; waits for the province.
    Forwarded,
    /// Awarded by the province.
    Awarded,
    /// Declined by the province.
    Declined,
    /// Withdrawn by the college before the province decided.
    Withdrawn,
}

impl NominationState {
    pub const ALL: [NominationState; 6] = [
        NominationState::Submitted,
        NominationState::Returned,
        NominationState::Forwarded,
        NominationState::Awarded,
        NominationState::Declined,
        NominationState::Withdrawn,
    ];

    pub fn id(self) -> &'static str {
        match self {
            NominationState::Submitted => "submitted",
            NominationState::Returned => "returned",
            NominationState::Forwarded => "forwarded",
            NominationState::Awarded => "awarded",
            NominationState::Declined => "declined",
            NominationState::Withdrawn => "withdrawn",
        }
    }

    pub fn from_id(s: &str) -> Option<NominationState> {
        NominationState::ALL.into_iter().find(|k| k.id() == s.trim())
    }

    pub fn zh(self) -> &'static str {
        match self {
            NominationState::Submitted => "院系已推荐，待学校审核",
            NominationState::Returned => "学校退回院系",
            NominationState::Forwarded => "学校已报送，待省级评审",
            NominationState::Awarded => "已获奖",
            NominationState::Declined => "未获奖",
            NominationState::Withdrawn => "院系已撤回",
        }
    }

    /// Whether nothing moves it any more.
    pub fn is_final(self) -> bool {
        matches!(self, NominationState::Awarded | NominationState::Declined | NominationState::Withdrawn)
    }
}

/// A step taken on a nomination.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// The college sends it (again, after a return) to the university.
    Resubmit,
    /// The college takes it back.
    Withdraw,
    /// The university sends it to the province.
    Forward,
    /// The university sends it back to the college (a reason is required).
    Return,
    /// The province awards it.
    Award,
    /// The province declines it (a reason is required).
    Decline,
}

/// The level that takes a step.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    College,
    University,
    Province,
}

impl Step {
    pub const ALL: [Step; 6] =
        [Step::Resubmit, Step::Withdraw, Step::Forward, Step::Return, Step::Award, Step::Decline];

    pub fn id(self) -> &'static str {
        match self {
            Step::Resubmit => "resubmit",
            Step::Withdraw => "withdraw",
            Step::Forward => "forward",
            Step::Return => "return",
            Step::Award => "award",
            Step::Decline => "decline",
        }
    }

    pub fn from_id(s: &str) -> Option<Step> {
        Step::ALL.into_iter().find(|k| k.id() == s.trim())
    }

    pub fn zh(self) -> &'static str {
        match self {
            Step::Resubmit => "重新推荐",
            Step::Withdraw => "撤回",
            Step::Forward => "报送省级",
            Step::Return => "退回院系",
            Step::Award => "评为获奖",
            Step::Decline => "不予评选",
        }
    }

    /// Who takes this step.
    pub fn level(self) -> Level {
        match self {
            Step::Resubmit | Step::Withdraw => Level::College,
            Step::Forward | Step::Return => Level::University,
            Step::Award | Step::Decline => Level::Province,
        }
    }

    /// Whether the step needs a reason.
    pub fn needs_reason(self) -> bool {
        matches!(self, Step::Return | Step::Decline)
    }

    /// The state after taking this step from `from`, if the step is allowed there.
    pub fn apply(self, from: NominationState) -> Option<NominationState> {
        use NominationState as S;
        match (self, from) {
            (Step::Resubmit, S::Returned) => Some(S::Submitted),
            (Step::Withdraw, S::Submitted | S::Returned) => Some(S::Withdrawn),
            (Step::Forward, S::Submitted) => Some(S::Forwarded),
            (Step::Return, S::Submitted) => Some(S::Returned),
            (Step::Award, S::Forwarded) => Some(S::Awarded),
            (Step::Decline, S::Forwarded) => Some(S::Declined),
            _ => None,
        }
    }
}

/// The steps open from `state`.
pub fn steps_from(state: NominationState) -> Vec<Step> {
    Step::ALL.into_iter().filter(|s| s.apply(state).is_some()).collect()
}

/// Whether a destination code is grassroots employment: 国家基层项目 (50x: 三支一扶, 西部计划…),
/// 地方基层项目 (51x: 选调生…) or 应征义务兵 (46).
pub fn is_grassroots(dest_code: &str) -> bool {
    let c = dest_code.trim();
    c.starts_with("50") || c.starts_with("51") || c == "46"
}

/// The nominated graduate's cohort may be at most this many years before the award's year
/// (近年来赴基层就业).
pub const RECENT_YEARS: i32 = 5;

/// The shortest and longest citation (事迹), in characters.
pub const CITATION_MIN: usize = 30;
pub const CITATION_MAX: usize = 2000;

/// What is wrong with a nomination as typed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NominationError {
    Kind,
    /// A teacher's name missing or too long.
    Name,
    Citation,
    Year,
    /// A reason missing where the step needs one, or too long.
    Reason,
}

impl NominationError {
    pub fn message(&self) -> String {
        match self {
            NominationError::Kind => "推荐类型应为 graduate（基层就业毕业生）或 teacher（指导教师）".into(),
            NominationError::Name => "请填写指导教师姓名（50 字以内）".into(),
            NominationError::Citation => format!("事迹材料应为 {CITATION_MIN}–{CITATION_MAX} 字"),
            NominationError::Year => "评选年度应在 2000 年至明年之间".into(),
            NominationError::Reason => "退回或不予评选时请写明理由（500 字以内）".into(),
        }
    }
}

/// Checks the text of a nomination; answers the kind, the teacher's name (empty for a graduate)
/// and the citation, trimmed.
pub fn check_nomination(
    kind: &str,
    teacher: &str,
    citation: &str,
    year: i32,
    this_year: i32,
) -> Result<(NomineeKind, String, String), NominationError> {
    let kind = NomineeKind::from_id(kind).ok_or(NominationError::Kind)?;
    let teacher = teacher.trim();
    let name = match kind {
        NomineeKind::Teacher if teacher.is_empty() || teacher.chars().count() > 50 => {
            return Err(NominationError::Name);
        }
        NomineeKind::Teacher => teacher.to_owned(),
        NomineeKind::Graduate => String::new(),
    };
    let citation = citation.trim();
    let n = citation.chars().count();
    if !(CITATION_MIN..=CITATION_MAX).contains(&n) {
        return Err(NominationError::Citation);
    }
    if !(2000..=this_year + 1).contains(&year) {
        return Err(NominationError::Year);
    }
    Ok((kind, name, citation.to_owned()))
}

/// Checks the reason given with a step.
pub fn check_reason(step: Step, reason: &str) -> Result<String, NominationError> {
    let r = reason.trim();
    if r.chars().count() > 500 || (step.needs_reason() && r.is_empty()) {
        return Err(NominationError::Reason);
    }
    Ok(r.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use NominationState as S;

    #[test]
    fn a_nomination_moves_from_college_to_university_to_province_and_no_other_way() {
        assert_eq!(Step::Forward.apply(S::Submitted), Some(S::Forwarded));
        assert_eq!(Step::Return.apply(S::Submitted), Some(S::Returned));
        assert_eq!(Step::Resubmit.apply(S::Returned), Some(S::Submitted));
        assert_eq!(Step::Award.apply(S::Forwarded), Some(S::Awarded));
        assert_eq!(Step::Decline.apply(S::Forwarded), Some(S::Declined));
        // The province cannot decide what the university has not forwarded; nobody moves a
        // decided or withdrawn nomination; the college cannot withdraw once forwarded.
        assert_eq!(Step::Award.apply(S::Submitted), None);
        assert_eq!(Step::Withdraw.apply(S::Forwarded), None);
        for s in [S::Awarded, S::Declined, S::Withdrawn] {
            assert!(steps_from(s).is_empty(), "{s:?}");
            assert!(s.is_final());
        }
        assert_eq!(steps_from(S::Submitted), vec![Step::Withdraw, Step::Forward, Step::Return]);
        assert_eq!(Step::Forward.level(), Level::University);
        assert!(Step::Return.needs_reason() && !Step::Forward.needs_reason());
    }

    #[test]
    fn only_grassroots_destinations_and_sound_text_are_accepted() {
        assert!(is_grassroots("502") && is_grassroots("512") && is_grassroots("46"));
        assert!(!is_grassroots("11") && !is_grassroots("80") && !is_grassroots(""));
        let long = "扎根西部乡村学校三年，带动当地教学质量明显提升，获评县级优秀教师。".repeat(2);
        assert_eq!(check_nomination("graduate", "", &long, 2023, 2026).unwrap().0, NomineeKind::Graduate);
        assert_eq!(check_nomination("teacher", " 王老师 ", &long, 2023, 2026).unwrap().1, "王老师");
        assert_eq!(check_nomination("teacher", "", &long, 2023, 2026), Err(NominationError::Name));
        assert_eq!(check_nomination("alumni", "", &long, 2023, 2026), Err(NominationError::Kind));
        assert_eq!(check_nomination("graduate", "", "太短", 2023, 2026), Err(NominationError::Citation));
        assert_eq!(check_nomination("graduate", "", &long, 2030, 2026), Err(NominationError::Year));
        assert_eq!(check_reason(Step::Return, "  "), Err(NominationError::Reason));
        assert_eq!(check_reason(Step::Forward, "").unwrap(), "");
    }
}
