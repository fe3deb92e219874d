//! A graduate's application to a posting of another node (`RemoteApplication`): the one thing
//! about a person that crosses nodes, and only when that graduate consents for that posting.
//! It carries what the graduate saw and agreed to send — who they are (name, university,
//! college, major, education, cohort), the contact they chose to give and a note — and the
//! consent text they agreed to, with its time. Nothing else about them travels: not their
//! student number, ID number, hardship status or destination.
//!
//! The graduate's node sends it straight to the posting's node
//! (`POST /federation/v1/applications?digest=SHA256`, a signed request whose signed path
//! carries the body's digest), never through the nodes between, and nobody relays it.

use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use uuid::Uuid;

/// The schema type of an application's body.
pub const APPLICATION_TYPE: &str = "RemoteApplication";

/// The longest note and contact a graduate may send.
pub const MAX_NOTE: usize = 500;
pub const MAX_CONTACT: usize = 100;

/// Who applies, as the graduate agreed to send it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Applicant {
    pub name: String,
    pub university: String,
    pub college: String,
    pub major: String,
    /// An education level id (`bachelor`, …).
    pub education: String,
    pub cohort: i32,
    /// The phone number and e-mail the graduate chose to give (either may be empty, not both).
    pub phone: String,
    pub email: String,
    pub note: String,
}

/// One application as it travels.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RemoteApplication {
    pub id: Uuid,
    /// The posting (its record id at its origin).
    pub posting: Uuid,
    /// The graduate's node.
    pub from_node: String,
    pub applicant: Applicant,
    /// The consent text the graduate agreed to, and when.
    pub consent: String,
    pub consented_at: DateTime<Utc>,
}

/// Why an application cannot be sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeliveryError {
    /// The graduate did not consent.
    NoConsent,
    /// Neither a phone number nor an e-mail address.
    NoContact,
    /// A phone number or an e-mail address that is not one, or one too long.
    Contact,
    /// A note over [`MAX_NOTE`] characters.
    Note,
}

impl DeliveryError {
    pub fn message(self) -> &'static str {
        match self {
            DeliveryError::NoConsent => "投递到其他平台须本人勾选同意，把所列信息发送给该职位的发布平台",
            DeliveryError::NoContact => "请至少留下手机号或电子邮箱，以便用人单位联系您",
            DeliveryError::Contact => "手机号应为 11 位数字，电子邮箱应形如 name@example.cn（不超过 100 个字符）",
            DeliveryError::Note => "附言不能超过 500 个字",
        }
    }
}

/// The consent a graduate gives for one posting, naming what is sent and to whom.
pub fn consent_text(origin: &str, employer: &str, title: &str) -> String {
    format!(
        "我同意将我的姓名、学校、院系、专业、学历、届别、我填写的联系方式和附言发送给发布“{title}”\
         （{employer}）的平台（节点 {origin}），仅用于该职位的招聘。"
    )
}

/// Checks what a graduate typed: their consent, the contact they give and a note.
pub fn check(consent: bool, phone: &str, email: &str, note: &str) -> Result<(), DeliveryError> {
    if !consent {
        return Err(DeliveryError::NoConsent);
    }
    let (phone, email) = (phone.trim(), email.trim());
    if phone.is_empty() && email.is_empty() {
        return Err(DeliveryError::NoContact);
    }
    let phone_ok =
        phone.is_empty() || (phone.len() == 11 && phone.starts_with('1') && phone.bytes().all(|b| b.is_ascii_digit()));
    let email_ok = email.is_empty()
        || (email.chars().count() <= MAX_CONTACT
            && email.split_once('@').is_some_and(|(a, d)| !a.is_empty() && d.contains('.') && !d.starts_with('.'))
            && !email.chars().any(char::is_whitespace));
    if !phone_ok || !email_ok {
        return Err(DeliveryError::Contact);
    }
    if note.trim().chars().count() > MAX_NOTE {
        return Err(DeliveryError::Note);
    }
    Ok(())
}

impl RemoteApplication {
    pub fn body(&self) -> Value {
        let a = &self.applicant;
        json!({
            "@type": APPLICATION_TYPE,
            "identifier": self.id,
            "posting": self.posting,
            "fromNode": self.from_node,
            "applicant": {"name": a.name, "university": a.university, "college": a.college, "major": a.major,
                "education": a.education, "cohort": a.cohort, "phone": a.phone, "email": a.email, "note": a.note},
            "consent": self.consent,
            "consentedAt": self.consented_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        })
    }

    /// Reads a body, or `None` when it is not a complete application (no consent, no name, no
    /// contact, or contact and note that would not have passed [`check`]).
    pub fn from_body(body: &Value) -> Option<RemoteApplication> {
        if body.get("@type").and_then(Value::as_str) != Some(APPLICATION_TYPE) {
            return None;
        }
        let text = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).unwrap_or_default().trim().to_owned();
        let a = body.get("applicant")?;
        let applicant = Applicant {
            name: text(a, "name"),
            university: text(a, "university"),
            college: text(a, "college"),
            major: text(a, "major"),
            education: text(a, "education"),
            cohort: i32::try_from(a.get("cohort")?.as_i64()?).ok()?,
            phone: text(a, "phone"),
            email: text(a, "email"),
            note: text(a, "note"),
        };
        let consent = text(body, "consent");
        if applicant.name.is_empty() || consent.is_empty() {
            return None;
        }
        check(true, &applicant.phone, &applicant.email, &applicant.note).ok()?;
        Some(RemoteApplication {
            id: Uuid::parse_str(&text(body, "identifier")).ok()?,
            posting: Uuid::parse_str(&text(body, "posting")).ok()?,
            from_node: Some(text(body, "fromNode")).filter(|n| !n.is_empty())?,
            applicant,
            consent,
            consented_at: DateTime::parse_from_rfc3339(&text(body, "consentedAt")).ok()?.with_timezone(&Utc),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> RemoteApplication {
        RemoteApplication {
            id: Uuid::from_u128(1),
            posting: Uuid::from_u128(2),
            from_node: "4151010610".into(),
            applicant: Applicant {
                name: "李同学".into(),
                university: "四川大学".into(),
                college: "计算机学院".into(),
                major: "软件工程".into(),
                education: "bachelor".into(),
                cohort: 2027,
                phone: "13800000000".into(),
                email: String::new(),
                note: "可随时到岗".into(),
            },
            consent: consent_text("510000", "某科技有限公司", "后端工程师"),
            consented_at: DateTime::parse_from_rfc3339("2026-12-07T08:00:00Z").unwrap().with_timezone(&Utc),
        }
    }

    #[test]
    fn an_application_reads_back_as_sent() {
        let a = sample();
        assert_eq!(RemoteApplication::from_body(&a.body()), Some(a));
    }

    #[test]
    fn consent_and_a_contact_are_required() {
        assert_eq!(check(false, "13800000000", "", ""), Err(DeliveryError::NoConsent));
        assert_eq!(check(true, " ", "", ""), Err(DeliveryError::NoContact));
        assert_eq!(check(true, "1380000", "", ""), Err(DeliveryError::Contact));
        assert_eq!(check(true, "", "not-an-address", ""), Err(DeliveryError::Contact));
        assert_eq!(check(true, "", "li@example.cn", &"长".repeat(501)), Err(DeliveryError::Note));
        assert_eq!(check(true, "", "li@example.cn", "你好"), Ok(()));
        for (key, value) in [("consent", json!("")), ("@type", json!("JobPosting")), ("identifier", json!("x"))] {
            let mut body = sample().body();
            body[key] = value;
            assert_eq!(RemoteApplication::from_body(&body), None, "{key}");
        }
        let mut body = sample().body();
        body["applicant"]["phone"] = json!("");
        assert_eq!(RemoteApplication::from_body(&body), None, "no contact");
    }
}
