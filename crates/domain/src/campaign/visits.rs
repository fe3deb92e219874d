//! Visit rules (走访记录规则) of the 访企拓岗 campaign: who may be named on a visit and in what
//! role, which roles count as university leadership, and what a visit's date, form and numbers
//! must be. Pure: "today" is an input.

use chrono::NaiveDate;

use crate::access::Role;

/// The roles a visiting person can have on a visit.
pub const VISIT_ROLES: &[&str] =
    &["secretary", "president", "leadership_member", "college_leader", "major_head", "teacher", "counselor", "staff"];

/// Roles that count as university leadership for the campaign's leadership targets (书记、校长、
/// 校领导班子成员).
pub const LEADERSHIP_ROLES: &[&str] = &["secretary", "president", "leadership_member"];

/// The forms of a visit: 走出去, 请进来, 线上.
pub const VISIT_FORMS: &[&str] = &["on_site", "invited", "online"];

/// Why a visit is refused: a stable code and a sentence for people.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refusal {
    pub code: crate::ErrorCode,
    pub message: String,
}

fn refuse(code: crate::ErrorCode, message: impl Into<String>) -> Refusal {
    Refusal { code, message: message.into() }
}

/// The visit role of the person logging a visit under a grant of `role`, when they name nobody.
pub fn visit_role_of(role: Role) -> &'static str {
    match role {
        Role::UniversityLeader => "leadership_member",
        Role::CollegeLeader => "college_leader",
        Role::MajorHead => "major_head",
        Role::Counselor => "counselor",
        _ => "staff",
    }
}

/// Whether a visit with people in these visit roles counts as a leadership visit.
pub fn by_leaders<'a>(roles: impl IntoIterator<Item = &'a str>) -> bool {
    roles.into_iter().any(|r| LEADERSHIP_ROLES.contains(&r))
}

/// A visiting person's role as typed.
pub fn check_role(role: &str) -> Result<&str, Refusal> {
    let role = role.trim();
    if VISIT_ROLES.contains(&role) {
        Ok(role)
    } else {
        Err(refuse(crate::ErrorCode::InvalidRole, format!("走访人员角色“{role}”无效，应为 {}", VISIT_ROLES.join("、"))))
    }
}

/// A visit's date (`YYYY-MM-DD`, not after `today`), form and number of positions opened.
pub fn check_fields(date: &str, form: &str, positions_opened: i64, today: NaiveDate) -> Result<NaiveDate, Refusal> {
    let date = date.trim();
    let day = NaiveDate::parse_from_str(date, "%Y-%m-%d")
        .map_err(|_| refuse(crate::ErrorCode::InvalidDate, format!("走访日期“{date}”应为 YYYY-MM-DD")))?;
    if day > today {
        return Err(refuse(crate::ErrorCode::InvalidDate, "走访日期不能晚于今天"));
    }
    if !VISIT_FORMS.contains(&form.trim()) {
        return Err(refuse(
            crate::ErrorCode::InvalidForm,
            "走访形式应为 on_site（走出去）、invited（请进来）或 online（线上）",
        ));
    }
    if !(0..=100_000).contains(&positions_opened) {
        return Err(refuse(crate::ErrorCode::InvalidPositions, "开拓岗位数应在 0 到 100000 之间"));
    }
    Ok(day)
}

/// A visit's notes: trimmed, none when blank, refused over [`crate::text::NOTES`] characters.
pub fn notes(text: Option<&str>) -> Result<Option<String>, crate::text::TooLong> {
    let text = text.map(str::trim).filter(|s| !s.is_empty());
    crate::text::check_opt("走访记录", text, crate::text::NOTES)?;
    Ok(text.map(str::to_owned))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_default()
    }

    #[test]
    fn dates_forms_and_numbers() {
        let today = day("2023-05-10");
        assert_eq!(check_fields("2023-05-10", "on_site", 3, today), Ok(today));
        assert_eq!(check_fields("2023-05-11", "on_site", 3, today).unwrap_err().code, "invalid_date");
        assert_eq!(check_fields("10/05/2023", "on_site", 3, today).unwrap_err().code, "invalid_date");
        assert_eq!(check_fields("2023-05-01", "phone", 3, today).unwrap_err().code, "invalid_form");
        assert_eq!(check_fields("2023-05-01", "online", -1, today).unwrap_err().code, "invalid_positions");
    }

    #[test]
    fn roles_and_leadership() {
        assert_eq!(check_role(" president "), Ok("president"));
        assert_eq!(check_role("janitor").unwrap_err().code, "invalid_role");
        assert!(by_leaders(["teacher", "secretary"]));
        assert!(!by_leaders(["teacher", "college_leader"]));
        assert_eq!(visit_role_of(Role::Counselor), "counselor");
        assert_eq!(visit_role_of(Role::CareerStaff), "staff");
        assert_eq!(notes(Some("  ")), Ok(None));
        assert_eq!(notes(Some(&"字".repeat(3000))).unwrap_err().max, 2000);
    }
}
