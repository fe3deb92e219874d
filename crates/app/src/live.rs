//! Live virtual fairs (直播带岗): the hall of an online event, served by the one process that
//! opened it. Each booth's queue lives in memory here; what must not be lost (chat messages,
//! chats with their outcomes and links, résumés left, queue entries, mutes) is written to the
//! store in batches first: a message is acknowledged and delivered only once its batch is
//! committed, so a restart loses no acknowledged message, and the queues and open chats are
//! rebuilt from the store when the hall opens again.
//!
//! Who takes part: graduates who see the event; recruiters, the accounts of employers approved
//! for a booth (they serve that booth); the event's organisers as staff (live attendance, mute,
//! remove). A graduate's disconnect (their last connection to the hall) cancels their places in
//! queues. Text is stored and sent as text; the hall never interprets it.

mod hall;
mod writer;

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use jiuye_domain::access::{self, Role};
use jiuye_domain::events::{EventKind, Phase};
use jiuye_domain::live::Part;
use jiuye_store::Store;
use tokio::sync::mpsc;
use uuid::Uuid;

pub use hall::Hall;

use crate::events::{Events, Stance};
use crate::{Error, ErrorCode, ErrorKind};

/// Frames waiting for one slow connection before it is dropped.
pub const OUTBOX: usize = 512;

/// A connection's outgoing frames (serialised `ServerMsg`s).
pub type Outbox = mpsc::Sender<Arc<str>>;

/// The node's live halls, one per online event that someone opened.
pub struct Hub {
    store: Store,
    halls: Mutex<HashMap<Uuid, Arc<Hall>>>,
    writer: writer::Writer,
    next_conn: AtomicU64,
}

/// Who a connection is at a hall.
#[derive(Clone, Debug)]
pub struct Admission {
    pub hall: Arc<Hall>,
    pub user: Uuid,
    pub role: Part,
    /// A graduate's record.
    pub graduate: Option<Uuid>,
    pub name: String,
    /// A recruiter's booth and employer.
    pub booth: Option<(Uuid, Uuid)>,
}

impl Hub {
    /// A hub writing to `store`; starts its batch writer.
    pub fn new(store: Store) -> Arc<Hub> {
        let writer = writer::Writer::start(store.clone());
        Arc::new(Hub { store, halls: Mutex::new(HashMap::new()), writer, next_conn: AtomicU64::new(1) })
    }

    /// A new connection number.
    pub fn connection_id(&self) -> u64 {
        self.next_conn.fetch_add(1, Ordering::Relaxed)
    }

    /// Decides how the caller takes part in the hall of event `id`, opening the hall when it is
    /// not open in this process: `404 event_not_found` for those who may not see the event,
    /// `409 event_not_live` unless it is an online event that has not ended or been cancelled,
    /// `403` for those who see it but have no part (an employer without an approved booth),
    /// `403 removed` for those removed by staff.
    pub async fn admit(&self, events: &Events<'_>, actor: &access::Actor, id: Uuid) -> Result<Admission, Error> {
        let (row, stance) = events.seen(actor, id).await?;
        let live = row.event.online || EventKind::from_id(&row.event.kind) == Some(EventKind::OnlineFair);
        if !live || matches!(events.phase(&row.event), Phase::Ended | Phase::Cancelled) {
            return Err(Error::new(
                ErrorKind::Conflict,
                ErrorCode::EventNotLive,
                "只有进行中或即将举行的线上活动有直播大厅",
            ));
        }
        let hall = self.hall(id, events.now).await?;
        let user = actor.user_id;
        if hall.is_removed(user) {
            return Err(Error::new(ErrorKind::Forbidden, ErrorCode::Removed, "您已被工作人员移出本场活动"));
        }
        let (role, graduate, name, booth) = match stance {
            Stance::Organiser => (Part::Staff, None, actor.username.clone(), None),
            Stance::Graduate => {
                let me = access::subject_of(actor, Role::Graduate).ok_or_else(Error::forbidden)?;
                let view = self.store.graduate_view(me).await?.ok_or_else(Error::forbidden)?;
                (Part::Graduate, Some(me), view.graduate.name, None)
            }
            Stance::Employer => {
                let employer = access::subject_of(actor, Role::Employer).ok_or_else(Error::forbidden)?;
                let booth = hall.booth_of(employer).ok_or_else(|| {
                    Error::new(ErrorKind::Forbidden, ErrorCode::Forbidden, "只有展位已通过审核的单位可以进入直播大厅")
                })?;
                (Part::Recruiter, None, actor.username.clone(), Some((booth, employer)))
            }
            Stance::Staff => return Err(Error::forbidden()),
        };
        Ok(Admission { hall, user, role, graduate, name, booth })
    }

    /// The hall of event `id`, opened from the store when this process has none.
    async fn hall(&self, id: Uuid, now: DateTime<Utc>) -> Result<Arc<Hall>, Error> {
        if let Some(h) = self.halls.lock().ok().and_then(|m| m.get(&id).cloned()) {
            return Ok(h);
        }
        let booths = self.store.event_bookings(id).await?;
        let labels = self.store.booths(id).await?;
        let snapshot = self.store.live_snapshot(id).await?;
        let hall = Arc::new(Hall::open(id, &labels, &booths, snapshot, self.writer.clone(), now));
        let mut halls = self.halls.lock().unwrap_or_else(|p| p.into_inner());
        let (hall, new) = match halls.entry(id) {
            std::collections::hash_map::Entry::Occupied(e) => (e.get().clone(), false),
            std::collections::hash_map::Entry::Vacant(v) => (v.insert(hall).clone(), true),
        };
        drop(halls);
        if new {
            // A new hall: its staff hear the attendance every few seconds while it is open.
            let weak = Arc::downgrade(&hall);
            tokio::spawn(async move {
                let mut every = tokio::time::interval(std::time::Duration::from_secs(3));
                loop {
                    every.tick().await;
                    match weak.upgrade() {
                        Some(h) => h.tell_staff(),
                        None => break,
                    }
                }
            });
        }
        Ok(hall)
    }

    /// Brings an open hall's booths up to date after a booking was decided or withdrawn (a
    /// newly approved employer gets its booth; one no longer approved loses it).
    pub async fn refresh(&self, id: Uuid) -> Result<(), Error> {
        let hall = self.halls.lock().ok().and_then(|m| m.get(&id).cloned());
        if let Some(hall) = hall {
            let labels = self.store.booths(id).await?;
            let bookings = self.store.event_bookings(id).await?;
            hall.set_booths(&labels, &bookings);
        }
        Ok(())
    }
}
