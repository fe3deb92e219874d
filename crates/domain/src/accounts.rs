//! Account rules (账号规则): what a username and a password must be. Pure functions; the web
//! layer, the application layer and the CLI all ask these, so the rules exist once.

/// Why a username or password is refused: a stable code and a sentence for people.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refusal {
    pub code: crate::ErrorCode,
    pub message: &'static str,
}

const COMMON_PASSWORDS: &str = include_str!("../data/common-passwords.txt");

/// A username: 3–64 characters, letters, digits and `_ - . @` only.
pub fn check_username(username: &str) -> Result<(), Refusal> {
    let ok = (3..=64).contains(&username.chars().count())
        && username.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '@'));
    if ok {
        Ok(())
    } else {
        Err(Refusal {
            code: crate::ErrorCode::InvalidUsername,
            message: "用户名应为 3–64 个字符，只含字母、数字和 _ - . @",
        })
    }
}

/// A password: 10–256 characters, not containing the username, not one of the shipped common
/// passwords, not one character repeated.
pub fn check_password(username: &str, password: &str) -> Result<(), Refusal> {
    let weak = |message| Err(Refusal { code: crate::ErrorCode::WeakPassword, message });
    let n = password.chars().count();
    if n < 10 {
        return weak("密码至少需要 10 个字符");
    }
    if n > 256 {
        return weak("密码不能超过 256 个字符");
    }
    let lower = password.to_lowercase();
    let user = username.to_lowercase();
    if lower == user || (!user.is_empty() && lower.contains(&user)) {
        return weak("密码不能包含用户名");
    }
    if COMMON_PASSWORDS.lines().map(str::trim).any(|c| !c.is_empty() && c == lower) {
        return weak("该密码过于常见，容易被猜中，请换一个");
    }
    let mut chars = lower.chars();
    if let Some(first) = chars.next()
        && chars.all(|c| c == first)
    {
        return weak("密码不能由同一个字符重复组成");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames() {
        assert!(check_username("demo_career").is_ok());
        assert!(check_username("hr@example.cn").is_ok());
        assert_eq!(check_username("ab").unwrap_err().code, "invalid_username");
        assert!(check_username("张三丰").is_err());
        assert!(check_username(&"a".repeat(65)).is_err());
    }

    #[test]
    fn passwords() {
        assert!(check_password("demo_career", "Jiuye-Demo-2023").is_ok());
        for (pw, why) in [
            ("short", "密码至少需要 10 个字符"),
            ("xdemo_careerx1", "密码不能包含用户名"),
            ("aaaaaaaaaaaa", "密码不能由同一个字符重复组成"),
        ] {
            assert_eq!(check_password("demo_career", pw).unwrap_err().message, why, "{pw}");
        }
        assert_eq!(check_password("u", &"x1".repeat(200)).unwrap_err().code, "weak_password");
        let common = COMMON_PASSWORDS.lines().map(str::trim).find(|l| l.chars().count() >= 10);
        if let Some(c) = common {
            assert_eq!(check_password("someone", c).unwrap_err().message, "该密码过于常见，容易被猜中，请换一个");
        }
    }
}
