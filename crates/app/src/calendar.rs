//! A person's calendar feed (.ics): a secret, revocable address a calendar application reads
//! without a cookie, holding the graduate's guidance bookings and the events they registered for,
//! or an advisor's published slots. The token is sealed at rest (bound to the account) so that its
//! owner can see the address again, and kept as its SHA-256 to find the account.

use chrono::{DateTime, Utc};
use jiuye_domain::access::{self, Action, Actor, Resource, Role, ScopedGrant};
use jiuye_domain::calendar::{self, Event};
use jiuye_domain::guidance::SlotKind;
use jiuye_security::seal::KeyRing;
use jiuye_store::Repository;
use jiuye_store::guidance::SlotRow;

use crate::sealing::{self, Place};
use crate::{Error, ErrorCode};

/// A feed's token (`calendar_feeds.token`), bound to the account.
pub const TOKEN: Place = Place { table: "calendar_feeds", column: "token" };

/// The calendar use cases on a node, at `now`.
#[derive(Clone, Copy)]
pub struct Calendar<'a> {
    pub store: &'a dyn Repository,
    pub keys: &'a KeyRing,
    pub now: DateTime<Utc>,
}

fn unknown() -> Error {
    Error::not_found(ErrorCode::CalendarNotFound, "没有这个日历订阅地址，或它已被撤销")
}

fn slot_event(s: &SlotRow, uid: String, summary: String) -> Event {
    let place = if s.slot.place.is_empty() { "线上".to_owned() } else { s.slot.place.clone() };
    Event {
        uid,
        start: s.slot.starts_at,
        end: s.slot.ends_at,
        summary,
        location: place,
        description: format!("{} · {}", s.org_name, s.advisor_name),
        url: Some(s.slot.video_url.clone()).filter(|u| !u.is_empty()),
        stamp: s.slot.created_at,
        cancelled: s.slot.cancelled_at.is_some(),
    }
}

impl Calendar<'_> {
    /// The caller's token: the one they have, or a new one.
    pub async fn token(&self, actor: &Actor) -> Result<String, Error> {
        match self.store.calendar_feed(actor.user_id).await? {
            Some(sealed) => sealing::open_text(self.keys, TOKEN, actor.user_id, &sealed),
            None => self.renew(actor).await,
        }
    }

    /// A new token for the caller (the old address stops working).
    pub async fn renew(&self, actor: &Actor) -> Result<String, Error> {
        let token = jiuye_security::new_secret().map_err(|e| {
            tracing::error!(error = %e, "no randomness for a calendar token");
            Error::new(crate::ErrorKind::Internal, ErrorCode::InternalError, "服务器内部错误，已记录，请稍后重试")
        })?;
        let sealed = sealing::seal_text(self.keys, TOKEN, actor.user_id, &token)?;
        let hash = jiuye_security::sha256_hex(token.as_bytes());
        self.store.set_calendar_feed(actor.user_id, &hash, &sealed, self.now).await?;
        Ok(token)
    }

    /// Revokes the caller's address; false when they had none.
    pub async fn revoke(&self, actor: &Actor) -> Result<bool, Error> {
        Ok(self.store.delete_calendar_feed(actor.user_id).await?)
    }

    /// The feed of the account whose token this is (`404 calendar_not_found` otherwise).
    pub async fn feed(&self, token: &str) -> Result<String, Error> {
        let token = token.trim_end_matches(".ics");
        if token.len() < 20 || token.len() > 100 {
            return Err(unknown());
        }
        let user = self.store.calendar_feed_user(&jiuye_security::sha256_hex(token.as_bytes())).await?;
        let user = self.store.user_by_id(user.ok_or_else(unknown)?).await?.ok_or_else(unknown)?;
        let grants: Vec<ScopedGrant> = self.store.grants_of(user.id).await?.into_iter().map(|g| g.grant).collect();
        let actor = Actor { user_id: user.id, username: user.username, grants };
        let events = self.events(&actor).await?;
        Ok(calendar::write(&format!("就业日程 · {}", user.display_name), &events))
    }

    /// What goes in the caller's feed: their bookings (a graduate), the slots they publish.
    pub async fn events(&self, actor: &Actor) -> Result<Vec<Event>, Error> {
        let mut out = Vec::new();
        if let Some(me) = access::subject_of(actor, Role::Graduate)
            && access::can(actor, Action::BookGuidance, &Resource::owned("", me)).is_some()
        {
            for (booking, s) in self.store.bookings_of(me).await? {
                let kind = SlotKind::from_id(&s.slot.kind).map(SlotKind::zh).unwrap_or_default();
                out.push(slot_event(&s, format!("booking-{booking}@jiuye"), format!("就业指导预约：{kind}")));
            }
            let events = crate::events::Events { store: self.store, keys: self.keys, now: self.now };
            out.extend(events.calendar_events(me).await?);
        }
        let scope = access::scope_paths(actor, Action::PublishGuidance);
        if !scope.is_empty() {
            let since = self.now - chrono::Duration::days(30);
            for s in self.store.slots_under(&scope, since, 200).await? {
                if s.slot.advisor_id != actor.user_id {
                    continue;
                }
                let kind = SlotKind::from_id(&s.slot.kind).map(SlotKind::zh).unwrap_or_default();
                let summary = format!("{kind}（已约 {}/{}）", s.slot.booked, s.slot.capacity);
                out.push(slot_event(&s, format!("slot-{}@jiuye", s.slot.id), summary));
            }
        }
        out.sort_by_key(|e| e.start);
        Ok(out)
    }
}
