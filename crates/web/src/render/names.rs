//! Codes shown with their names: "名称（代码）" for destination, major and industry codes from the
//! shipped catalogues, and the names of audit actions and record steps. A code without a known
//! name is shown as it is, never dropped.

use jiuye_domain::{Catalogue, RefData};

use crate::render::page::Base;

/// "名称（代码）", or the code alone when there is no name.
pub fn named(name: Option<&str>, code: &str) -> String {
    match name.filter(|n| !n.is_empty() && *n != code) {
        Some(n) => format!("{n}（{code}）"),
        None => code.to_owned(),
    }
}

/// A catalogue entry's name, if the code is in it.
pub fn entry_name<'a>(rd: &'a RefData, c: Catalogue, code: &str) -> Option<&'a str> {
    rd.entry(c, code.trim()).map(|e| e.name.as_str())
}

/// A 毕业去向代码 with its name: "签就业协议形式就业（10）".
pub fn destination(rd: &RefData, code: &str) -> String {
    named(entry_name(rd, Catalogue::Destinations, code), code)
}

/// A major or major class code with its name, from either catalogue (本科 first, then 高职).
pub fn major(rd: &RefData, code: &str) -> String {
    let name = entry_name(rd, Catalogue::UndergraduateMajors, code)
        .or_else(|| entry_name(rd, Catalogue::VocationalMajors, code));
    named(name, code)
}

/// An industry code (either industry list) with its name.
pub fn industry(rd: &RefData, code: &str) -> String {
    let name =
        entry_name(rd, Catalogue::EmployerIndustries, code).or_else(|| entry_name(rd, Catalogue::Industries, code));
    named(name, code)
}

impl Base {
    /// The name of an audit action (`sign_in` → 登录); unknown actions as recorded.
    pub fn audit_action(&self, action: &str) -> String {
        self.known(&format!("audit_action.{action}")).unwrap_or_else(|| action.to_owned())
    }

    /// The name of a step in a destination record's history (`register` → 登记).
    pub fn record_step(&self, step: &str) -> String {
        self.known(&format!("record_step.{step}")).unwrap_or_else(|| step.to_owned())
    }

    /// The outcome of an audited action: 成功, 拒绝, 失败, or the summary of its error code.
    pub fn audit_result(&self, result: &str) -> String {
        if let Some(text) = self.known(&format!("audit.result_{result}")) {
            return text;
        }
        match jiuye_domain::ErrorCode::parse(result) {
            Some(code) => self.known(&format!("error_code.{}", code.as_str())).unwrap_or_else(|| result.to_owned()),
            None => result.to_owned(),
        }
    }

    /// Every audit action with a name, as (code, name), for a filter's choices.
    pub fn audit_actions(&self) -> Vec<(String, String)> {
        self.section("audit_action")
    }

    /// The message for `key` when there is one.
    fn known(&self, key: &str) -> Option<String> {
        let text = self.t(key);
        (text != key).then(|| text.to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_come_with_their_names() {
        let rd = RefData::load().expect("shipped reference data");
        let d = destination(&rd, "10");
        assert!(d.ends_with("（10）") && d.chars().count() > 4, "{d}");
        let m = major(&rd, "1202");
        assert!(m.ends_with("（1202）") && m.chars().count() > 6, "{m}");
        assert_eq!(destination(&rd, "zz"), "zz");
        assert_eq!(named(Some(""), "x"), "x");
    }
}
