//! A recruitment event as it travels (`event` records): what people see of it in a listing —
//! kind, title, text, place or stream, times, places, whether booths are open, whether it was
//! cancelled — and its organiser (code, name and path), as schema.org `Event` JSON-LD. Who
//! registered or booked never travels: registering and booking happen at the origin's node.

use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::events::EventKind;

/// The schema type an event's body carries.
pub const EVENT_TYPE: &str = "Event";

const SCHEDULED: &str = "https://schema.org/EventScheduled";
const CANCELLED: &str = "https://schema.org/EventCancelled";
const ONLINE: &str = "https://schema.org/OnlineEventAttendanceMode";
const OFFLINE: &str = "https://schema.org/OfflineEventAttendanceMode";

/// One event as it travels.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SharedEvent {
    pub id: Uuid,
    pub kind: EventKind,
    /// A `Theme` id (`none` for none).
    pub theme: String,
    pub title: String,
    pub description: String,
    pub venue: String,
    pub online: bool,
    pub stream_url: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub places: i64,
    pub booths_open: bool,
    pub cancelled: bool,
    /// The organising organisation's code, name and path (codes from the nation down).
    pub organiser: String,
    pub organiser_name: String,
    pub organiser_path: String,
}

fn stamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

impl SharedEvent {
    /// The event as schema.org `Event` JSON-LD.
    pub fn body(&self) -> Value {
        let location = if self.online {
            json!({"@type": "VirtualLocation", "url": self.stream_url, "name": self.venue})
        } else {
            json!({"@type": "Place", "name": self.venue})
        };
        json!({
            "@context": "https://schema.org",
            "@type": EVENT_TYPE,
            "identifier": self.id,
            "additionalType": self.kind.id(),
            "theme": self.theme,
            "name": self.title,
            "description": self.description,
            "startDate": stamp(self.starts_at),
            "endDate": stamp(self.ends_at),
            "eventStatus": if self.cancelled { CANCELLED } else { SCHEDULED },
            "eventAttendanceMode": if self.online { ONLINE } else { OFFLINE },
            "location": location,
            "maximumAttendeeCapacity": self.places,
            "boothsOpen": self.booths_open,
            "organizer": {"@type": "Organization", "identifier": self.organiser, "name": self.organiser_name,
                "path": self.organiser_path},
        })
    }

    /// Reads a received body for record `record`, or `None` when it is not a consistent event
    /// (another record's id, an unknown kind, no title, an end before its start, negative
    /// places, an organiser path that does not end at its code).
    pub fn from_body(record: Uuid, body: &Value) -> Option<SharedEvent> {
        if body.get("@type").and_then(Value::as_str) != Some(EVENT_TYPE) {
            return None;
        }
        let text = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).unwrap_or_default().trim().to_owned();
        let time = |k: &str| DateTime::parse_from_rfc3339(&text(body, k)).ok().map(|t| t.with_timezone(&Utc));
        let id = Uuid::parse_str(&text(body, "identifier")).ok().filter(|id| *id == record)?;
        let kind = EventKind::from_id(&text(body, "additionalType"))?;
        let (starts_at, ends_at) = (time("startDate")?, time("endDate")?);
        let title = text(body, "name");
        if title.is_empty() || ends_at < starts_at {
            return None;
        }
        let org = body.get("organizer")?;
        let (organiser, organiser_path) = (text(org, "identifier"), text(org, "path"));
        if organiser.is_empty() || organiser_path.rsplit('/').next() != Some(organiser.as_str()) {
            return None;
        }
        let location = body.get("location").cloned().unwrap_or(Value::Null);
        let online = text(body, "eventAttendanceMode") == ONLINE;
        Some(SharedEvent {
            id,
            kind,
            theme: Some(text(body, "theme")).filter(|t| !t.is_empty()).unwrap_or_else(|| "none".to_owned()),
            title,
            description: text(body, "description"),
            venue: text(&location, "name"),
            online,
            stream_url: if online { text(&location, "url") } else { String::new() },
            starts_at,
            ends_at,
            places: body.get("maximumAttendeeCapacity").and_then(Value::as_i64).filter(|n| *n >= 0)?,
            booths_open: body.get("boothsOpen").and_then(Value::as_bool).unwrap_or(false),
            cancelled: text(body, "eventStatus") == CANCELLED,
            organiser_name: Some(text(org, "name")).filter(|n| !n.is_empty()).unwrap_or_else(|| organiser.clone()),
            organiser,
            organiser_path,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> SharedEvent {
        let starts = DateTime::parse_from_rfc3339("2026-12-10T01:00:00Z").unwrap().with_timezone(&Utc);
        SharedEvent {
            id: Uuid::from_u128(7),
            kind: EventKind::CampusFair,
            theme: "none".into(),
            title: "四川省2027届冬季双选会".into(),
            description: "省属高校联合举办".into(),
            venue: "成都世纪城".into(),
            online: false,
            stream_url: String::new(),
            starts_at: starts,
            ends_at: starts + chrono::Duration::hours(5),
            places: 3000,
            booths_open: true,
            cancelled: false,
            organiser: "510000".into(),
            organiser_name: "四川省".into(),
            organiser_path: "CN/510000".into(),
        }
    }

    #[test]
    fn an_event_reads_back_as_sent() {
        let e = sample();
        assert_eq!(SharedEvent::from_body(e.id, &e.body()), Some(e.clone()));
        let mut online = e.clone();
        (online.online, online.stream_url, online.cancelled) = (true, "https://live.example.cn/1".into(), true);
        assert_eq!(SharedEvent::from_body(e.id, &online.body()), Some(online));
    }

    #[test]
    fn inconsistent_events_are_refused() {
        let e = sample();
        assert_eq!(SharedEvent::from_body(Uuid::from_u128(8), &e.body()), None, "another record");
        for (key, value) in [
            ("additionalType", json!("picnic")),
            ("name", json!(" ")),
            ("endDate", json!("2026-12-09T00:00:00Z")),
            ("maximumAttendeeCapacity", json!(-1)),
            ("organizer", json!({"identifier": "510000", "path": "CN/520000"})),
            ("@type", json!("JobPosting")),
        ] {
            let mut body = e.body();
            body[key] = value;
            assert_eq!(SharedEvent::from_body(e.id, &body), None, "{key}");
        }
    }
}
