//! Interface language: zh-CN first, English second. Messages live in `i18n/*.toml` (flat keys
//! such as `nav.home`), compiled in; a missing English message falls back to Chinese.

use std::collections::HashMap;

use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;

/// A supported interface language.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lang {
    Zh,
    En,
}

impl Lang {
    pub fn id(self) -> &'static str {
        match self {
            Lang::Zh => "zh",
            Lang::En => "en",
        }
    }
    pub fn html_tag(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }
    pub fn other(self) -> Lang {
        match self {
            Lang::Zh => Lang::En,
            Lang::En => Lang::Zh,
        }
    }
    pub fn from_id(s: &str) -> Option<Lang> {
        match s {
            "zh" | "zh-CN" | "zh-cn" => Some(Lang::Zh),
            "en" => Some(Lang::En),
            _ => None,
        }
    }
}

/// The cookie that remembers a chosen language.
pub const LANG_COOKIE: &str = "jiuye_lang";

impl<S: Send + Sync> FromRequestParts<S> for Lang {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        // 1. ?lang=… 2. the cookie 3. Chinese. Accept-Language is not consulted: the platform
        // is Chinese first, and an English browser on a Chinese campus should still get Chinese.
        if let Some(q) = parts.uri.query() {
            for pair in q.split('&') {
                if let Some(v) = pair.strip_prefix("lang=").and_then(Lang::from_id) {
                    return Ok(v);
                }
            }
        }
        for value in parts.headers.get_all(header::COOKIE) {
            let Ok(s) = value.to_str() else { continue };
            for c in s.split(';') {
                if let Some((k, v)) = c.trim().split_once('=')
                    && k == LANG_COOKIE
                    && let Some(l) = Lang::from_id(v)
                {
                    return Ok(l);
                }
            }
        }
        Ok(Lang::Zh)
    }
}

/// All messages of both languages.
#[derive(Debug)]
pub struct Messages {
    zh: HashMap<String, String>,
    en: HashMap<String, String>,
}

fn flatten(prefix: &str, table: &toml::Table, out: &mut HashMap<String, String>) {
    for (k, v) in table {
        let key = if prefix.is_empty() { k.clone() } else { format!("{prefix}.{k}") };
        match v {
            toml::Value::Table(t) => flatten(&key, t, out),
            toml::Value::String(s) => {
                out.insert(key, s.clone());
            }
            other => {
                out.insert(key, other.to_string());
            }
        }
    }
}

fn parse(text: &str) -> Result<HashMap<String, String>, String> {
    let table: toml::Table = text.parse().map_err(|e: toml::de::Error| e.to_string())?;
    let mut out = HashMap::new();
    flatten("", &table, &mut out);
    Ok(out)
}

impl Messages {
    pub fn load() -> Result<Messages, String> {
        Ok(Messages {
            zh: parse(include_str!("../i18n/zh-CN.toml")).map_err(|e| format!("zh-CN.toml: {e}"))?,
            en: parse(include_str!("../i18n/en.toml")).map_err(|e| format!("en.toml: {e}"))?,
        })
    }

    /// The message for `key`; the key itself when no language has it (visible, never a panic).
    pub fn get<'a>(&'a self, lang: Lang, key: &'a str) -> &'a str {
        let primary = match lang {
            Lang::Zh => &self.zh,
            Lang::En => &self.en,
        };
        primary.get(key).or_else(|| self.zh.get(key)).map(String::as_str).unwrap_or(key)
    }

    /// Every key of a section (`audit_action`) with its message in `lang`, by key.
    pub fn section(&self, lang: Lang, section: &str) -> Vec<(String, String)> {
        let prefix = format!("{section}.");
        let mut out: Vec<(String, String)> = self
            .zh
            .keys()
            .filter_map(|k| k.strip_prefix(&prefix).map(|rest| (rest.to_owned(), self.get(lang, k).to_owned())))
            .collect();
        out.sort();
        out
    }

    /// The summary of an error code in `lang` (`error_code.<code>`).
    pub fn error_summary(&self, lang: Lang, code: jiuye_domain::ErrorCode) -> Option<&str> {
        let table = match lang {
            Lang::Zh => &self.zh,
            Lang::En => &self.en,
        };
        table.get(&format!("error_code.{}", code.as_str())).map(String::as_str)
    }

    /// Keys present in one language but not the other.
    pub fn mismatched_keys(&self) -> Vec<String> {
        let mut out: Vec<String> = self
            .zh
            .keys()
            .filter(|k| !self.en.contains_key(*k))
            .chain(self.en.keys().filter(|k| !self.zh.contains_key(*k)))
            .cloned()
            .collect();
        out.sort();
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_languages_have_the_same_keys() {
        let m = Messages::load().unwrap();
        assert!(m.mismatched_keys().is_empty(), "{:?}", m.mismatched_keys());
        assert_eq!(m.get(Lang::Zh, "nav.home"), "首页");
        assert_eq!(m.get(Lang::En, "nav.home"), "Home");
        assert_eq!(m.get(Lang::En, "no.such.key"), "no.such.key");
    }

    #[test]
    fn every_error_code_has_a_chinese_and_an_english_message() {
        let m = Messages::load().unwrap();
        let missing: Vec<(&str, &str)> = jiuye_domain::ErrorCode::ALL
            .iter()
            .flat_map(|code| {
                [(Lang::Zh, "zh"), (Lang::En, "en")]
                    .into_iter()
                    .filter(|(lang, _)| m.error_summary(*lang, *code).is_none_or(|t| t.trim().is_empty()))
                    .map(|(_, id)| (code.as_str(), id))
            })
            .collect();
        assert!(missing.is_empty(), "codes without a message: {missing:?}");
        let known: Vec<&str> = m.zh.keys().filter_map(|k| k.strip_prefix("error_code.")).collect();
        let stray: Vec<&&str> = known.iter().filter(|k| jiuye_domain::ErrorCode::parse(k).is_none()).collect();
        assert!(stray.is_empty(), "messages for codes that do not exist: {stray:?}");
        assert_eq!(m.error_summary(Lang::En, jiuye_domain::ErrorCode::NotFound), Some("Not found"));
    }

    /// Every file of `dir` (recursively) whose name ends with `ext`, with its text.
    fn sources(dir: &std::path::Path, ext: &str, out: &mut Vec<(String, String)>) {
        let Ok(entries) = std::fs::read_dir(dir) else { return };
        for e in entries.flatten() {
            let path = e.path();
            if path.is_dir() {
                sources(&path, ext, out);
            } else if path.to_string_lossy().ends_with(ext)
                && let Ok(text) = std::fs::read_to_string(&path)
            {
                out.push((path.display().to_string(), text));
            }
        }
    }

    /// The string literals of a source text (between double quotes, escapes ignored).
    fn literals(text: &str) -> impl Iterator<Item = &str> {
        text.split('"').skip(1).step_by(2)
    }

    #[test]
    fn every_message_key_used_has_a_message_in_both_languages() {
        let m = Messages::load().unwrap();
        let sections: std::collections::BTreeSet<&str> = m.zh.keys().filter_map(|k| k.split('.').next()).collect();
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut files = Vec::new();
        sources(&root.join("templates"), ".html", &mut files);
        sources(&root.join("src"), ".rs", &mut files);
        let app = root.join("../app/src");
        let mut everywhere = files.clone();
        sources(&app, ".rs", &mut everywhere);
        sources(&root.join("../store/src"), ".rs", &mut everywhere);
        let is_key = |s: &str| {
            let mut parts = s.split('.');
            let (Some(a), Some(b), None) = (parts.next(), parts.next(), parts.next()) else { return false };
            let word =
                |w: &str| !w.is_empty() && w.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
            // `base.html` names a template, not a message.
            word(a) && word(b) && b != "html" && sections.contains(a)
        };
        let mut used: Vec<(String, String)> = Vec::new();
        for (name, text) in &files {
            for lit in literals(text).filter(|l| is_key(l)) {
                used.push((lit.to_owned(), name.clone()));
            }
        }
        // Keys made from a prefix and a value: every value the code can produce.
        let mut expand = |prefix: &str, values: &[&str]| {
            for v in values {
                used.push((format!("{prefix}{v}"), format!("{prefix}{{…}}")));
            }
        };
        use jiuye_domain::posting::{ApplicationStatus, PostingStatus};
        expand("posting.status_", &PostingStatus::ALL.iter().map(|s| s.id()).collect::<Vec<_>>());
        expand("application.status_", &ApplicationStatus::ALL.iter().map(|s| s.id()).collect::<Vec<_>>());
        expand("application.to_", &["viewed", "interview", "offer", "rejected"]);
        expand("posting.level_", &["low", "medium", "high"]);
        expand("posting.visibility_", &["university", "alliance", "province", "nation"]);
        expand("visit.", jiuye_domain::campaign::visits::VISIT_FORMS);
        expand("base.kind_", &["internship", "practice", "employment"]);
        expand("campaign.", &["met", "on_track", "behind"]);
        expand(
            "integrity.",
            &["bulk_same_employer_same_day", "no_evidence", "changed_after_confirmation", "invalid_credit_code"],
        );
        expand("grad.done_", &["contact", "register", "review", "confirm", "evidence", "dispute", "answer"]);
        expand("record_step.", &["register", "approve", "return", "confirm"]);
        // Every audited action has a name.
        let mut actions: Vec<String> = vec!["user_disable".into(), "user_enable".into()];
        for (_, text) in &everywhere {
            for marker in ["AuditEvent::new(\"", "action: \""] {
                actions.extend(text.split(marker).skip(1).filter_map(|p| p.split('"').next()).map(str::to_owned));
            }
        }
        actions.retain(|a| !a.is_empty() && a.chars().all(|c| c.is_ascii_lowercase() || c == '_'));
        assert!(actions.iter().any(|a| a == "sign_in"), "audit actions not found: {actions:?}");
        for a in &actions {
            used.push((format!("audit_action.{a}"), "AuditEvent".to_owned()));
        }
        let mut missing: Vec<String> = used
            .into_iter()
            .filter(|(k, _)| !m.zh.contains_key(k) || !m.en.contains_key(k))
            .map(|(k, at)| format!("{k} ({at})"))
            .collect();
        missing.sort();
        missing.dedup();
        assert!(missing.is_empty(), "keys without a message: {missing:#?}");
    }
}
