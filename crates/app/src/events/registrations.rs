//! Graduates' places: registering (a place while any is left, otherwise a place in line), giving
//! a place up (the next in line is offered it and it is held for them for the event's hold
//! hours; they take it or hand it back), the ticket and its QR code, checking in at the door, and
//! who came.

use chrono::{DateTime, Utc};
use jiuye_domain::access::{self, Action, Actor, Resource, Role, ScopedGrant};
use jiuye_domain::calendar::Event as CalendarEvent;
use jiuye_domain::events::{self, Attendance, EventKind, Phase, Place};
use jiuye_store::Repository;
use jiuye_store::events::{CheckedIn, EventRow, Registered, RegistrationRecord, UniversityAttendance};
use uuid::Uuid;

use super::tickets::{self, TicketError};
use super::{Events, Stance, conflict, missing};
use crate::{Error, ErrorCode, ErrorKind};

/// A graduate's ticket to an event.
#[derive(Clone, Debug)]
pub struct Ticket {
    pub registration: RegistrationRecord,
    /// What the QR code holds.
    pub token: String,
    /// The QR code (SVG).
    pub svg: String,
    /// When it stops admitting (the event's end).
    pub valid_until: chrono::DateTime<chrono::Utc>,
}

/// What a check-in came to, with whom it admitted.
#[derive(Clone, Debug)]
pub struct CheckIn {
    pub outcome: CheckedIn,
    pub name: String,
    pub student_no: String,
    pub university: String,
    pub college: String,
}

/// Who came to an event, and what employers brought.
#[derive(Clone, Debug)]
pub struct EventStats {
    pub row: EventRow,
    pub phase: Phase,
    pub attendance: Attendance,
    pub no_shows: i64,
    pub universities: Vec<UniversityAttendance>,
    /// Employers holding a booth (pending or approved) and approved.
    pub employers_booked: i64,
    pub employers_approved: i64,
    /// Approved postings brought by approved employers.
    pub positions: i64,
    /// What a live fair recorded (chats, messages, interviews, offers, résumés left).
    pub live: jiuye_store::live::LiveCounts,
}

/// The caller's own graduate record, when they may register for events.
fn registrant(actor: &Actor) -> Result<Uuid, Error> {
    access::subject_of(actor, Role::Graduate)
        .filter(|g| access::can(actor, Action::RegisterForEvent, &Resource::owned("", *g)).is_some())
        .ok_or_else(|| Error::new(ErrorKind::Forbidden, ErrorCode::Forbidden, "只有毕业生可以报名参加活动"))
}

fn no_registration() -> Error {
    Error::not_found(ErrorCode::RegistrationNotFound, "您没有报名这场活动")
}

impl Events<'_> {
    /// The graduate's event (404 unless they see it) and their id.
    async fn as_graduate(&self, actor: &Actor, id: Uuid) -> Result<(EventRow, Uuid), Error> {
        let me = registrant(actor)?;
        let (row, stance) = self.seen(actor, id).await?;
        if stance != Stance::Graduate {
            return Err(missing());
        }
        self.lapse(&row).await?;
        Ok((row, me))
    }

    /// Registers the caller: a place while any is left, otherwise a place in line.
    pub async fn register(&self, actor: &Actor, id: Uuid) -> Result<(RegistrationRecord, EventRow), Error> {
        let (row, me) = self.as_graduate(actor, id).await?;
        if matches!(self.phase(&row.event), Phase::Ended | Phase::Cancelled) {
            return Err(conflict(ErrorCode::EventClosed, "活动已结束或已取消"));
        }
        let reg = Uuid::now_v7();
        let record = RegistrationRecord {
            id: reg,
            event_id: id,
            graduate_id: me,
            state: Place::Registered.id().to_owned(),
            short_code: tickets::short_code(self.keys, id, reg),
            offered_until: None,
            created_at: self.now,
            updated_at: self.now,
            checked_in_at: None,
        };
        match self.store.register(&record, self.now).await? {
            Registered::Place(r) | Registered::Waitlisted(r) => {
                let reg = self.store.registration(r).await?.ok_or_else(no_registration)?;
                Ok((reg, row))
            }
            Registered::Already => Err(conflict(ErrorCode::AlreadyRegistered, "您已报名（或在候补名单中）")),
            Registered::Closed => Err(conflict(ErrorCode::EventClosed, "活动已结束或已取消")),
        }
    }

    /// The caller gives up their place or their place in line (an offered place too: handing it
    /// back passes it to the next in line).
    pub async fn unregister(&self, actor: &Actor, id: Uuid) -> Result<(Place, EventRow), Error> {
        let (row, me) = self.as_graduate(actor, id).await?;
        let reg = self.store.registration_of(id, me).await?.ok_or_else(no_registration)?;
        let until = events::hold_until(self.now, row.event.hold_hours);
        let was = self.store.cancel_registration(reg.id, self.now, until).await?.ok_or_else(no_registration)?;
        Ok((Place::from_id(&was).unwrap_or(Place::Registered), row))
    }

    /// The caller takes the place offered to them while it is held.
    pub async fn take_offer(&self, actor: &Actor, id: Uuid) -> Result<(RegistrationRecord, EventRow), Error> {
        let (row, me) = self.as_graduate(actor, id).await?;
        let reg = self.store.registration_of(id, me).await?.ok_or_else(no_registration)?;
        if !self.store.take_offer(reg.id, self.now).await? {
            return Err(conflict(ErrorCode::OfferNotHeld, "没有为您保留的名额（可能已过保留期）"));
        }
        let reg = self.store.registration(reg.id).await?.ok_or_else(no_registration)?;
        Ok((reg, row))
    }

    /// The caller's ticket: only with a place (registered), until the event ends.
    pub async fn ticket(&self, actor: &Actor, id: Uuid) -> Result<Ticket, Error> {
        let (row, me) = self.as_graduate(actor, id).await?;
        let registration = self.store.registration_of(id, me).await?.ok_or_else(no_registration)?;
        if registration.state != Place::Registered.id() {
            return Err(conflict(ErrorCode::NotRegistered, "只有已报名（不在候补中）的同学有入场码"));
        }
        let token = tickets::issue(self.keys, id, registration.id, row.event.ends_at);
        let svg = tickets::qr_svg(&token);
        Ok(Ticket { registration, token, svg, valid_until: row.event.ends_at })
    }

    /// Staff check a graduate in with the QR ticket or the short code; the scan's nonce makes a
    /// retry count once.
    pub async fn check_in(
        &self,
        actor: &Actor,
        id: Uuid,
        token: Option<&str>,
        code: Option<&str>,
        nonce: &str,
    ) -> Result<(CheckIn, EventRow, ScopedGrant), Error> {
        let (row, grant) = self.organised(actor, id).await?;
        let nonce = nonce.trim();
        if nonce.len() < 8 || nonce.len() > 64 || !nonce.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
            return Err(Error::new(
                ErrorKind::Unprocessable,
                ErrorCode::InvalidText,
                "扫码请求应带 8–64 位随机串 nonce",
            ));
        }
        if matches!(self.phase(&row.event), Phase::Cancelled) {
            return Err(conflict(ErrorCode::EventClosed, "活动已取消"));
        }
        let refuse = |code: ErrorCode, message: &str| Error::new(ErrorKind::Unprocessable, code, message);
        let found = match (token.map(str::trim).filter(|t| !t.is_empty()), code) {
            (Some(token), _) => {
                let reg = tickets::verify(self.keys, token, id, self.now).map_err(|e| match e {
                    TicketError::Invalid => {
                        refuse(ErrorCode::TicketInvalid, "入场码无效（不是本场活动的入场码，或已被改动）")
                    }
                    TicketError::Expired => refuse(ErrorCode::TicketExpired, "入场码已过期（活动已结束）"),
                })?;
                let code = self.store.registration(reg).await?.map(|r| r.short_code).unwrap_or_default();
                self.store.registration_by_code(id, &code).await?.filter(|r| r.registration.id == reg)
            }
            (None, Some(typed)) => {
                let code = tickets::normalise_code(typed)
                    .ok_or_else(|| refuse(ErrorCode::TicketInvalid, "短码应为 8 位字母或数字"))?;
                if self.phase(&row.event) == Phase::Ended {
                    return Err(refuse(ErrorCode::TicketExpired, "活动已结束"));
                }
                self.store.registration_by_code(id, &code).await?
            }
            (None, None) => return Err(refuse(ErrorCode::TicketInvalid, "请扫描入场码或输入短码")),
        };
        let found = found.ok_or_else(|| refuse(ErrorCode::TicketInvalid, "没有这个入场码"))?;
        if found.registration.state != Place::Registered.id() {
            return Err(conflict(ErrorCode::NotRegistered, "这位同学没有名额（候补中或已取消）"));
        }
        let outcome = self.store.check_in(nonce, id, found.registration.id, actor.user_id, self.now).await?;
        let who = CheckIn {
            outcome,
            name: found.name,
            student_no: found.student_no,
            university: found.university_name,
            college: found.college_name,
        };
        Ok((who, row, grant))
    }

    /// Who registered and who came (the organiser; staff who see statistics at the organiser's
    /// node see the figures too).
    pub async fn stats(&self, actor: &Actor, id: Uuid) -> Result<EventStats, Error> {
        let (row, stance) = self.seen(actor, id).await?;
        let reader = stance == Stance::Organiser
            || access::can(actor, Action::ViewStatistics, &Resource::at(&row.org_path)).is_some();
        if !reader {
            return Err(Error::forbidden());
        }
        self.tally(row).await
    }

    /// The figures of an event (no access check: callers decide who reads them).
    pub(crate) async fn tally(&self, row: EventRow) -> Result<EventStats, Error> {
        tally(self.store, self.now, row).await
    }

    /// The caller's registrations with their events (a graduate).
    pub async fn my_registrations(&self, actor: &Actor) -> Result<Vec<(RegistrationRecord, EventRow)>, Error> {
        let me = registrant(actor)?;
        Ok(self.store.graduate_registrations(me).await?)
    }

    /// The graduate's events for their calendar feed: those they hold a place or a place in
    /// line for (a cancelled registration shows as cancelled so calendars drop it).
    pub async fn calendar_events(&self, graduate: Uuid) -> Result<Vec<CalendarEvent>, Error> {
        let mut out = Vec::new();
        for (reg, row) in self.store.graduate_registrations(graduate).await? {
            let place = Place::from_id(&reg.state).unwrap_or(Place::Cancelled);
            let mut e = calendar_event(&row, format!("registration-{}@jiuye", reg.id));
            if place != Place::Registered {
                e.summary = format!("{}（{}）", e.summary, place.zh());
            }
            e.cancelled |= !place.active();
            e.stamp = e.stamp.max(reg.updated_at);
            out.push(e);
        }
        Ok(out)
    }
}

/// An event as a calendar entry.
pub fn calendar_event(row: &EventRow, uid: String) -> CalendarEvent {
    let kind = EventKind::from_id(&row.event.kind).map(EventKind::zh).unwrap_or_default();
    let location =
        if row.event.online && row.event.venue.is_empty() { "线上".to_owned() } else { row.event.venue.clone() };
    CalendarEvent {
        uid,
        start: row.event.starts_at,
        end: row.event.ends_at,
        summary: format!("{kind}：{}", row.event.title),
        location,
        description: format!("{} · {}", row.org_name, row.event.description),
        url: Some(row.event.stream_url.clone()).filter(|u| !u.is_empty()),
        stamp: row.event.created_at,
        cancelled: row.event.cancelled_at.is_some(),
    }
}

/// The figures of an event at `now` (no access check: callers decide who reads them).
pub(crate) async fn tally(store: &dyn Repository, now: DateTime<Utc>, row: EventRow) -> Result<EventStats, Error> {
    let id = row.event.id;
    let phase = Phase::of(row.event.starts_at, row.event.ends_at, row.event.cancelled_at.is_some(), now);
    let universities = store.event_attendance(id).await?;
    let attendance = Attendance {
        registered: universities.iter().map(|u| u.registered).sum(),
        waitlisted: universities.iter().map(|u| u.waitlisted).sum(),
        checked_in: universities.iter().map(|u| u.checked_in).sum(),
    };
    let bookings = store.event_bookings(id).await?;
    let approved: Vec<Uuid> = bookings.iter().filter(|b| b.booking.state == "approved").map(|b| b.booking.id).collect();
    let positions = store
        .event_postings(id)
        .await?
        .iter()
        .filter(|p| p.state == "approved" && approved.contains(&p.booking_id))
        .count() as i64;
    Ok(EventStats {
        no_shows: attendance.no_shows(phase),
        employers_booked: bookings
            .iter()
            .filter(|b| events::BookingState::from_id(&b.booking.state).is_some_and(|s| s.holds()))
            .count() as i64,
        employers_approved: approved.len() as i64,
        positions,
        live: store.live_counts(id).await?,
        attendance,
        universities,
        row,
        phase,
    })
}
