//! Live virtual fairs (直播带岗、线上双选会): the messages exchanged over a fair's live
//! connection, and the rules of chat text, outcomes, rate limits and queue estimates. Plain
//! values; the live hub (in the application layer) keeps the queues.
//!
//! Every frame is one JSON object with a `type`. A client sends [`ClientMsg`]; the node sends
//! [`ServerMsg`]. Chat text is plain text: clients must show it as text, never as markup.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// What a client sends.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ClientMsg {
    /// A graduate joins a booth's queue.
    Join {
        booth: Uuid,
    },
    /// A graduate leaves a booth's queue.
    Leave {
        booth: Uuid,
    },
    /// Either side of a chat says something. `client_id` (1–64 characters, unique per sender)
    /// makes a resend harmless: the node stores and delivers it once and acknowledges again.
    Say {
        chat: Uuid,
        text: String,
        client_id: String,
    },
    /// A graduate leaves their résumé with the booth of a chat.
    DropResume {
        chat: Uuid,
    },
    /// A recruiter calls the next graduate of their booth's queue.
    CallNext,
    /// A recruiter sends a video-interview or livestream link in a chat.
    SendLink {
        chat: Uuid,
        url: String,
    },
    /// A recruiter records the outcome of a chat (and ends it).
    Outcome {
        chat: Uuid,
        outcome: Outcome,
    },
    /// Either side ends a chat.
    End {
        chat: Uuid,
    },
    /// A recruiter sets how many chats they hold at once (1–200).
    SetCapacity {
        max_chats: u32,
    },
    /// A recruiter pauses or resumes their booth's queue (paused: nobody is called).
    Pause {
        paused: bool,
    },
    /// Staff mute an attendee for some minutes (1–1440), or remove them from the fair.
    Mute {
        user: Uuid,
        minutes: u32,
    },
    Remove {
        user: Uuid,
    },
    Ping,
}

/// What the node sends.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerMsg {
    /// On connecting: who the caller is at this fair.
    Welcome {
        user: Uuid,
        role: Part,
        booths: Vec<BoothInfo>,
    },
    /// A graduate's place in a booth's queue (after every change ahead of them); position 0
    /// means not in the queue (left, called or cancelled).
    Queue {
        booth: Uuid,
        position: u32,
        estimate_seconds: u32,
    },
    /// A recruiter's booth: how many wait, whether it is paused, chats held and allowed.
    BoothState {
        booth: Uuid,
        waiting: u32,
        paused: bool,
        chats: u32,
        max_chats: u32,
    },
    /// A chat began (sent to both sides).
    ChatStarted {
        chat: Uuid,
        booth: Uuid,
        employer: String,
        graduate: Uuid,
        graduate_name: String,
    },
    /// A chat message (to the other side; to the sender as well, as its echo).
    Message {
        chat: Uuid,
        id: Uuid,
        from: Uuid,
        text: String,
        at: String,
        client_id: String,
    },
    /// The node stored a message: it will not be lost.
    Ack {
        client_id: String,
        id: Uuid,
    },
    /// A link the recruiter sent.
    Link {
        chat: Uuid,
        url: String,
    },
    /// The graduate left their résumé (to the recruiter).
    ResumeDropped {
        chat: Uuid,
        graduate: Uuid,
    },
    /// A chat ended, with its outcome if one was recorded.
    ChatEnded {
        chat: Uuid,
        outcome: Option<Outcome>,
    },
    /// Live attendance (staff, every few seconds while it changes).
    Attendance {
        graduates: u32,
        recruiters: u32,
        waiting: u32,
        chats: u32,
    },
    /// The caller was muted until then (RFC 3339) or removed.
    Muted {
        until: String,
    },
    Removed,
    Pong,
    /// Something the caller sent was refused; `code` is a stable error code.
    Error {
        code: String,
        message: String,
    },
}

/// How a connection takes part in a fair.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Part {
    Graduate,
    Recruiter,
    Staff,
}

/// A booth as the fair lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BoothInfo {
    pub booth: Uuid,
    pub label: String,
    pub employer: String,
    pub waiting: u32,
    pub paused: bool,
}

/// What a chat came to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Invited to an interview.
    Interview,
    Offer,
    NotSuitable,
}

impl Outcome {
    pub fn id(self) -> &'static str {
        match self {
            Outcome::Interview => "interview",
            Outcome::Offer => "offer",
            Outcome::NotSuitable => "not_suitable",
        }
    }

    pub fn from_id(s: &str) -> Option<Outcome> {
        [Outcome::Interview, Outcome::Offer, Outcome::NotSuitable].into_iter().find(|o| o.id() == s)
    }

    pub fn zh(self) -> &'static str {
        match self {
            Outcome::Interview => "邀请面试",
            Outcome::Offer => "拟录用",
            Outcome::NotSuitable => "暂不合适",
        }
    }
}

/// The longest chat message, in characters.
pub const MAX_TEXT: usize = 1000;
/// How many chats a recruiter holds at once until they say otherwise.
pub const DEFAULT_MAX_CHATS: u32 = 3;
/// The most chats a recruiter holds at once.
pub const MAX_CHATS: u32 = 200;
/// How long a chat lasts on average before any has ended (for estimates), in seconds.
pub const DEFAULT_CHAT_SECONDS: u32 = 300;

/// Chat text as sent: trimmed, 1–[`MAX_TEXT`] characters, no control characters but line breaks.
pub fn check_text(text: &str) -> Option<String> {
    let t = text.trim();
    let n = t.chars().count();
    if n == 0 || n > MAX_TEXT || t.chars().any(|c| c.is_control() && c != '\n') {
        return None;
    }
    Some(t.to_owned())
}

/// A client id as sent: 1–64 letters, digits, `-` or `_`.
pub fn check_client_id(id: &str) -> bool {
    (1..=64).contains(&id.len()) && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// A link a recruiter sends: http(s), at most 300 characters, no spaces.
pub fn check_link(url: &str) -> Option<String> {
    let u = url.trim();
    let ok = (u.starts_with("https://") || u.starts_with("http://"))
        && u.len() > 10
        && u.len() <= 300
        && !u.chars().any(|c| c.is_whitespace() || c.is_control());
    ok.then(|| u.to_owned())
}

/// The wait of the graduate at 1-based `position`, given how many chats the booth's recruiters
/// hold at once and how long a chat lasts on average: the chats that must end before them.
pub fn estimate_seconds(position: u32, max_chats: u32, mean_chat_seconds: u32) -> u32 {
    if position == 0 {
        return 0;
    }
    let rounds = position.div_ceil(max_chats.max(1));
    rounds.saturating_mul(mean_chat_seconds.max(1))
}

/// A token bucket: `rate` tokens a second up to `burst`; a message takes one.
#[derive(Clone, Copy, Debug)]
pub struct RateLimit {
    tokens: f64,
    rate: f64,
    burst: f64,
    last_ms: i64,
}

impl RateLimit {
    pub fn new(rate: f64, burst: f64, now_ms: i64) -> RateLimit {
        RateLimit { tokens: burst, rate, burst, last_ms: now_ms }
    }

    /// Whether one more message is allowed at `now_ms`.
    pub fn allow(&mut self, now_ms: i64) -> bool {
        let elapsed = (now_ms - self.last_ms).max(0) as f64 / 1000.0;
        self.last_ms = now_ms.max(self.last_ms);
        self.tokens = (self.tokens + elapsed * self.rate).min(self.burst);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_read_and_write_as_tagged_json() {
        let booth = Uuid::from_u128(7);
        let m: ClientMsg = serde_json::from_str(&format!(r#"{{"type":"join","booth":"{booth}"}}"#)).unwrap();
        assert_eq!(m, ClientMsg::Join { booth });
        let m: ClientMsg = serde_json::from_str(
            r#"{"type":"outcome","chat":"00000000-0000-0000-0000-000000000001","outcome":"not_suitable"}"#,
        )
        .unwrap();
        assert!(matches!(m, ClientMsg::Outcome { outcome: Outcome::NotSuitable, .. }));
        assert!(serde_json::from_str::<ClientMsg>(r#"{"type":"hack"}"#).is_err());
        let out = serde_json::to_string(&ServerMsg::Queue { booth, position: 3, estimate_seconds: 600 }).unwrap();
        assert!(out.starts_with(r#"{"type":"queue""#), "{out}");
    }

    #[test]
    fn text_links_estimates_and_rates_follow_the_rules() {
        assert_eq!(check_text("  你好，<b>HR</b>  ").as_deref(), Some("你好，<b>HR</b>"));
        assert_eq!(check_text("  "), None);
        assert_eq!(check_text(&"字".repeat(1001)), None);
        assert_eq!(check_text("a\u{7}b"), None);
        assert!(check_client_id("m-1_a") && !check_client_id("") && !check_client_id("a b"));
        assert!(check_link("https://meeting.example.com/j/1").is_some());
        assert!(check_link("javascript:alert(1)").is_none());
        assert_eq!(estimate_seconds(0, 3, 300), 0);
        assert_eq!(estimate_seconds(1, 3, 300), 300);
        assert_eq!(estimate_seconds(4, 3, 300), 600);
        let mut r = RateLimit::new(1.0, 3.0, 0);
        assert!(r.allow(0) && r.allow(0) && r.allow(0));
        assert!(!r.allow(0));
        assert!(r.allow(1000));
    }
}
