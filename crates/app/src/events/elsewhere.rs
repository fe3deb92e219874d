//! Recruitment events organised on other nodes (received as `event` records): a province's or
//! the nation's fairs at the universities below, a university's events at the province and the
//! nation above. They are shown as their origin sent them, to the same people a local event of
//! that organiser reaches (graduates and staff at or under it, staff of the organisations above
//! it), and, while they take booth bookings, to employers. Registering and booking happen at
//! the origin's node: nobody's registration or booking crosses nodes.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use jiuye_domain::access::{self, Action, Actor, Role};
use jiuye_domain::federation::Envelope;
use jiuye_domain::federation::event::SharedEvent;

use super::Events;
use crate::Error;

/// The most received events read for one listing.
const READ: i64 = 2_000;

/// An event organised on another node, as this node shows it.
#[derive(Clone, Debug)]
pub struct ElsewhereEvent {
    pub event: SharedEvent,
    /// The node it came from.
    pub origin: String,
    /// Where to register or book: the event's page at the origin's node, when this node knows
    /// that node's address (a registered peer, or one a peer vouched for).
    pub register_at: Option<String>,
    pub received_at: DateTime<Utc>,
}

/// Whether `actor` sees an event organised at `organiser_path` (see the module's note).
fn sees(actor: &Actor, e: &SharedEvent) -> bool {
    let path = e.organiser_path.as_str();
    if access::event_reach(actor).iter().any(|(home, _)| access::within(home, path)) {
        return true;
    }
    let staff = [Action::OrganiseEvent, Action::ViewStatistics]
        .into_iter()
        .any(|a| access::scope_paths(actor, a).iter().any(|p| access::within(path, p)));
    staff || (access::subject_of(actor, Role::Employer).is_some() && e.booths_open && !e.cancelled)
}

impl Events<'_> {
    /// The events from other nodes the caller sees that have not ended, soonest first.
    pub async fn elsewhere(&self, actor: &Actor) -> Result<Vec<ElsewhereEvent>, Error> {
        if !access::may_list_events(actor) {
            return Err(Error::forbidden());
        }
        let mut urls: HashMap<String, Option<String>> = HashMap::new();
        let mut out = Vec::new();
        for rec in self.store.received_events(READ).await? {
            let Ok(envelope) = serde_json::from_str::<Envelope>(&rec.envelope) else { continue };
            let Some(event) = SharedEvent::from_body(rec.record, &envelope.body) else { continue };
            if event.ends_at <= self.now || !sees(actor, &event) {
                continue;
            }
            if !urls.contains_key(&rec.origin) {
                let url = crate::federation::receive::known_url(self.store, &rec.origin).await?;
                urls.insert(rec.origin.clone(), url);
            }
            let register_at = urls
                .get(&rec.origin)
                .cloned()
                .flatten()
                .map(|u| format!("{}/events/{}", u.trim_end_matches('/'), event.id));
            out.push(ElsewhereEvent { event, origin: rec.origin, register_at, received_at: rec.received_at });
        }
        out.sort_by_key(|x| (x.event.starts_at, x.event.id));
        Ok(out)
    }
}
