//! Recruitment events (万企进校园): career-centre staff (a college's leader for its own fairs, a
//! province for provincial ones, a member university's career centre for an alliance's) organise
//! fairs, 宣讲会, workplace days and online fairs; employers book booths; graduates register,
//! wait in line when places run out, show a signed ticket at the door and are checked in.
//!
//! Who sees an event: its organisers; graduates and staff of the organiser's subtree and of the
//! organisations above them (their college, university, its alliances, province, the nation);
//! employers while it takes booth bookings or once they booked. Everyone else gets
//! `404 event_not_found`. Graduates never see other graduates; employers never see graduates.

mod booths;
pub mod coverage;
mod elsewhere;
mod registrations;
mod report;
pub mod tickets;

use chrono::{DateTime, Utc};
use jiuye_domain::access::{self, Action, Actor, Resource, Role, ScopedGrant};
use jiuye_domain::events::{self, EventError, EventInput, Phase};
use jiuye_domain::{Org, OrgKind};
use jiuye_security::seal::KeyRing;
use jiuye_store::Repository;
use jiuye_store::events::{
    BookingRow, BoothRecord, EventFilter, EventPosting, EventRecord, EventRow, RegistrationRecord,
};
use uuid::Uuid;

pub use booths::BookingInput;
pub use elsewhere::ElsewhereEvent;
pub use registrations::{CheckIn, EventStats, Ticket, calendar_event};

use crate::{Error, ErrorCode, ErrorKind};

/// The event use cases on a node, at `now`.
#[derive(Clone, Copy)]
pub struct Events<'a> {
    pub store: &'a dyn Repository,
    /// The node's keys (tickets are signed with a key derived from them).
    pub keys: &'a KeyRing,
    pub now: DateTime<Utc>,
}

/// An event as typed, with its booths.
#[derive(Clone, Debug, Default)]
pub struct NewEvent<'a> {
    /// The organising college, university, alliance or province (its code; default: where the
    /// caller organises).
    pub org: Option<&'a str>,
    pub input: EventInput<'a>,
    /// (label, how many employers) per booth.
    pub booths: Vec<(String, i32)>,
    pub booths_open: bool,
}

/// How the caller stands to an event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stance {
    Organiser,
    /// A graduate who may register.
    Graduate,
    /// An employer who may book (or did).
    Employer,
    /// Staff who follow it (see it, not run it).
    Staff,
}

/// What the caller asks of the event list.
#[derive(Clone, Debug, Default)]
pub struct ListQuery {
    pub kind: Option<String>,
    /// A GB/T 4754 industry code prefix of an approved employer.
    pub industry: Option<String>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    /// Only events of the graduate's own college (its department fairs, for their major).
    pub own_college: bool,
}

/// An event as the caller may see it.
#[derive(Clone, Debug)]
pub struct EventView {
    pub row: EventRow,
    pub phase: Phase,
    pub stance: Stance,
    pub booths: Vec<BoothRecord>,
    /// The organiser: every booking; an employer: its own; others: the approved ones.
    pub bookings: Vec<BookingRow>,
    /// Approved postings brought by approved employers (everyone); the organiser and the
    /// employer also see their pending ones.
    pub postings: Vec<EventPosting>,
    /// The caller's registration (a graduate).
    pub mine: Option<RegistrationRecord>,
}

/// Where the caller reads events: organisations whose events they see and subtrees.
#[derive(Clone, Debug, Default)]
struct Reach {
    orgs: Vec<Uuid>,
    under: Vec<String>,
    employer: Option<Uuid>,
    /// The graduate's college (a graduate).
    college: Option<Uuid>,
}

pub(crate) fn missing() -> Error {
    Error::not_found(ErrorCode::EventNotFound, "没有这场活动")
}

pub(crate) fn invalid(e: &EventError) -> Error {
    let code = match e {
        EventError::Kind | EventError::Theme => ErrorCode::InvalidKind,
        EventError::Title | EventError::Text | EventError::Venue => ErrorCode::InvalidText,
        EventError::Time => ErrorCode::InvalidDate,
        EventError::Places | EventError::Hold | EventError::Booths => ErrorCode::InvalidCapacity,
        EventError::Positions => ErrorCode::InvalidPosting,
    };
    Error::new(ErrorKind::Unprocessable, code, e.message())
}

pub(crate) fn conflict(code: ErrorCode, message: &str) -> Error {
    Error::new(ErrorKind::Conflict, code, message)
}

impl Events<'_> {
    pub(crate) fn phase(&self, e: &EventRecord) -> Phase {
        Phase::of(e.starts_at, e.ends_at, e.cancelled_at.is_some(), self.now)
    }

    /// The grant under which `actor` organises events of `org`.
    async fn organiser_grant<'g>(&self, actor: &'g Actor, org: &Org) -> Result<Option<&'g ScopedGrant>, Error> {
        if let Some(g) = access::can(actor, Action::OrganiseEvent, &Resource::at(&org.path)) {
            return Ok(Some(g));
        }
        if org.kind == OrgKind::Alliance {
            let members: Vec<String> = self.store.org_children(org).await?.into_iter().map(|m| m.org.path).collect();
            return Ok(access::organises_for_alliance(actor, &members));
        }
        Ok(None)
    }

    /// Whether `actor` organises the event in `row`.
    pub(crate) async fn organises<'g>(
        &self,
        actor: &'g Actor,
        row: &EventRow,
    ) -> Result<Option<&'g ScopedGrant>, Error> {
        if let Some(g) = access::can(actor, Action::OrganiseEvent, &Resource::at(&row.org_path)) {
            return Ok(Some(g));
        }
        if row.org_kind == OrgKind::Alliance.id() {
            let org = self.store.org_by_id(row.event.org_id).await?.ok_or_else(missing)?;
            return self.organiser_grant(actor, &org).await;
        }
        Ok(None)
    }

    /// Organises an event; answers it with the grant it was organised under.
    pub async fn create(&self, actor: &Actor, input: &NewEvent<'_>) -> Result<(EventRow, ScopedGrant), Error> {
        let code = match input.org.map(str::trim).filter(|o| !o.is_empty()) {
            Some(code) => code.to_owned(),
            None => {
                let scope = access::scope_paths(actor, Action::OrganiseEvent);
                let home = scope.first().ok_or_else(Error::forbidden)?;
                home.rsplit('/').next().unwrap_or_default().to_owned()
            }
        };
        let org = crate::orgs::by_code(self.store, &code).await?;
        let grant = self.organiser_grant(actor, &org).await?.ok_or_else(Error::forbidden)?.clone();
        if !matches!(
            org.kind,
            OrgKind::College | OrgKind::University | OrgKind::Alliance | OrgKind::Province | OrgKind::Nation
        ) {
            return Err(Error::new(
                ErrorKind::Unprocessable,
                ErrorCode::InvalidOrg,
                "活动应由院系、学校、联盟或省份举办",
            ));
        }
        let checked = events::check_event(&input.input, self.now).map_err(|e| invalid(&e))?;
        let booths = events::check_booths(&input.booths).map_err(|e| invalid(&e))?;
        let record = EventRecord {
            id: Uuid::now_v7(),
            org_id: org.id,
            kind: checked.kind.id().to_owned(),
            theme: checked.theme.id().to_owned(),
            title: checked.title,
            description: checked.description,
            venue: checked.venue,
            online: checked.online,
            stream_url: checked.stream_url,
            starts_at: checked.starts_at,
            ends_at: checked.ends_at,
            places: checked.places,
            taken: 0,
            hold_hours: checked.hold_hours,
            booths_open: input.booths_open && !booths.is_empty(),
            cancelled_at: None,
            created_by: actor.user_id,
            created_at: self.now,
        };
        self.store.add_event(&record, &booths).await?;
        let row = self.store.event(record.id).await?.ok_or_else(missing)?;
        Ok((row, grant))
    }

    /// Where the caller reads events.
    async fn reach(&self, actor: &Actor) -> Result<Reach, Error> {
        let mut reach = Reach { employer: access::subject_of(actor, Role::Employer), ..Reach::default() };
        for (path, learner) in access::event_reach(actor) {
            let Some(code) = path.rsplit('/').next().and_then(|c| jiuye_domain::OrgCode::parse(c).ok()) else {
                continue;
            };
            let Some(org) = self.store.org_by_code(&code).await? else { continue };
            for o in self.store.org_ancestors(&org).await?.into_iter().chain(std::iter::once(org)) {
                if o.kind == OrgKind::University {
                    reach.orgs.extend(self.store.alliances_of(o.id).await?.into_iter().map(|a| a.id));
                }
                if o.kind == OrgKind::College && learner {
                    reach.college = Some(o.id);
                }
                reach.orgs.push(o.id);
            }
        }
        for action in [Action::OrganiseEvent, Action::ViewStatistics] {
            reach.under.extend(access::scope_paths(actor, action));
        }
        reach.orgs.sort_unstable();
        reach.orgs.dedup();
        reach.under.sort_unstable();
        reach.under.dedup();
        Ok(reach)
    }

    /// How the caller stands to an event; None when they may not see it.
    async fn stance(&self, actor: &Actor, row: &EventRow) -> Result<Option<Stance>, Error> {
        if self.organises(actor, row).await?.is_some() {
            return Ok(Some(Stance::Organiser));
        }
        let reach = self.reach(actor).await?;
        if let Some(employer) = reach.employer {
            let booked =
                self.store.event_bookings(row.event.id).await?.iter().any(|b| b.booking.employer_id == employer);
            if booked || (row.event.booths_open && row.event.cancelled_at.is_none()) {
                return Ok(Some(Stance::Employer));
            }
        }
        let sees =
            reach.orgs.contains(&row.event.org_id) || reach.under.iter().any(|p| access::within(&row.org_path, p));
        if !sees {
            return Ok(None);
        }
        Ok(Some(if access::subject_of(actor, Role::Graduate).is_some() { Stance::Graduate } else { Stance::Staff }))
    }

    /// The event and how the caller stands to it (`404 event_not_found` when they may not see it).
    pub(crate) async fn seen(&self, actor: &Actor, id: Uuid) -> Result<(EventRow, Stance), Error> {
        let row = self.store.event(id).await?.ok_or_else(missing)?;
        let stance = self.stance(actor, &row).await?.ok_or_else(missing)?;
        Ok((row, stance))
    }

    /// The events the caller sees, soonest first (at most 200).
    pub async fn list(&self, actor: &Actor, q: &ListQuery) -> Result<Vec<(EventRow, Phase)>, Error> {
        if !access::may_list_events(actor) {
            return Err(Error::forbidden());
        }
        let reach = self.reach(actor).await?;
        let mut filter = EventFilter {
            orgs: reach.orgs.clone(),
            under: reach.under.clone(),
            open_for_booths: reach.employer.is_some(),
            kind: q.kind.clone().filter(|k| !k.is_empty()),
            industry: q.industry.clone().filter(|k| !k.is_empty()),
            from: q.from,
            to: q.to,
            after: None,
            limit: 200,
        };
        if q.own_college {
            filter.orgs = reach.college.into_iter().collect();
            filter.under.clear();
            filter.open_for_booths = false;
        }
        let mut rows = self.store.events(&filter).await?;
        if let Some(employer) = reach.employer
            && !q.own_college
        {
            for (_, e) in self.store.employer_bookings(employer).await? {
                rows.push(e);
            }
            rows.sort_by(|a, b| a.event.starts_at.cmp(&b.event.starts_at).then(a.event.id.cmp(&b.event.id)));
            rows.dedup_by(|a, b| a.event.id == b.event.id);
        }
        Ok(rows
            .into_iter()
            .map(|r| {
                let p = self.phase(&r.event);
                (r, p)
            })
            .collect())
    }

    /// One event as the caller may see it.
    pub async fn get(&self, actor: &Actor, id: Uuid) -> Result<EventView, Error> {
        let (mut row, stance) = self.seen(actor, id).await?;
        if self.lapse(&row).await? > 0 {
            row = self.store.event(id).await?.ok_or_else(missing)?;
        }
        let phase = self.phase(&row.event);
        let booths = self.store.booths(id).await?;
        let employer = access::subject_of(actor, Role::Employer);
        let mut bookings = self.store.event_bookings(id).await?;
        bookings.retain(|b| match stance {
            Stance::Organiser => true,
            Stance::Employer => Some(b.booking.employer_id) == employer || b.booking.state == "approved",
            _ => b.booking.state == "approved",
        });
        let shown: Vec<Uuid> = bookings.iter().map(|b| b.booking.id).collect();
        let approved: Vec<Uuid> =
            bookings.iter().filter(|b| b.booking.state == "approved").map(|b| b.booking.id).collect();
        let mut postings = self.store.event_postings(id).await?;
        postings.retain(|p| {
            p.state == "approved"
                && (approved.contains(&p.booking_id)
                    || (matches!(stance, Stance::Organiser | Stance::Employer) && shown.contains(&p.booking_id)))
        });
        let mine = match access::subject_of(actor, Role::Graduate) {
            Some(me) if stance == Stance::Graduate => self.store.registration_of(id, me).await?,
            _ => None,
        };
        Ok(EventView { row, phase, stance, booths, bookings, postings, mine })
    }

    /// Lapses the event's offers whose hold ran out, passing each place on.
    pub(crate) async fn lapse(&self, row: &EventRow) -> Result<u64, Error> {
        let until = events::hold_until(self.now, row.event.hold_hours);
        Ok(self.store.lapse_offers(row.event.id, self.now, until).await?)
    }

    /// Opens or closes booth booking (the organiser).
    pub async fn set_booths_open(&self, actor: &Actor, id: Uuid, open: bool) -> Result<(EventRow, ScopedGrant), Error> {
        let (row, grant) = self.organised(actor, id).await?;
        if self.phase(&row.event) == Phase::Cancelled || !self.store.set_booths_open(id, open).await? {
            return Err(conflict(ErrorCode::EventClosed, "活动已取消"));
        }
        let row = self.store.event(id).await?.ok_or_else(missing)?;
        Ok((row, grant))
    }

    /// Cancels an event (the organiser).
    pub async fn cancel(&self, actor: &Actor, id: Uuid) -> Result<(EventRow, ScopedGrant), Error> {
        let (row, grant) = self.organised(actor, id).await?;
        if self.phase(&row.event) == Phase::Ended || !self.store.cancel_event(id, self.now).await? {
            return Err(conflict(ErrorCode::EventClosed, "活动已结束或已取消"));
        }
        let row = self.store.event(id).await?.ok_or_else(missing)?;
        Ok((row, grant))
    }

    /// The event and the organiser's grant: 404 for those who may not see it, 403 for those who
    /// see it but do not organise it.
    pub(crate) async fn organised(&self, actor: &Actor, id: Uuid) -> Result<(EventRow, ScopedGrant), Error> {
        let row = self.store.event(id).await?.ok_or_else(missing)?;
        if let Some(g) = self.organises(actor, &row).await? {
            return Ok((row.clone(), g.clone()));
        }
        Err(if self.stance(actor, &row).await?.is_some() { Error::forbidden() } else { missing() })
    }

    /// The events of a university and its colleges from 30 days back (its public calendar feed,
    /// at most 500): `404 org_not_found` for anything but a university.
    pub async fn university_calendar(&self, code: &str) -> Result<(Org, Vec<EventRow>), Error> {
        let org = crate::orgs::by_code(self.store, code).await?;
        if org.kind != OrgKind::University {
            return Err(Error::not_found(ErrorCode::OrgNotFound, "只有学校有活动日历"));
        }
        let filter = EventFilter {
            under: vec![org.path.clone()],
            from: Some(self.now - chrono::Duration::days(30)),
            limit: 500,
            ..EventFilter::default()
        };
        Ok((org, self.store.events(&filter).await?))
    }
}
