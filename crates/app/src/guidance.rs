//! Guidance (就业指导): advisors and the career centre publish slots (one-to-one consultations,
//! résumé reviews, mock interviews) at their university or a college; graduates see the slots of
//! their own university and college, book a place and cancel it. A slot never takes more people
//! than its capacity, however many book at once (the store's compare-and-set).

use chrono::{DateTime, Utc};
use jiuye_domain::OrgKind;
use jiuye_domain::access::{self, Action, Actor, Resource, Role, ScopedGrant};
use jiuye_domain::guidance::{self, SlotError};
use jiuye_store::Repository;
use jiuye_store::destinations::GraduateView as Graduate;
use jiuye_store::guidance::{Booked, BookingRow, NoteRow, SlotRecord, SlotRow};
use uuid::Uuid;

use crate::{Error, ErrorCode, ErrorKind};

/// The guidance use cases on a node, at `now`.
#[derive(Clone, Copy)]
pub struct Guidance<'a> {
    pub store: &'a dyn Repository,
    pub now: DateTime<Utc>,
}

/// A slot as typed.
#[derive(Clone, Debug, Default)]
pub struct NewSlot<'a> {
    /// The university or college offering it (its code; default: where the caller's grant is).
    pub org: Option<&'a str>,
    pub kind: &'a str,
    pub starts_at: Option<DateTime<Utc>>,
    pub ends_at: Option<DateTime<Utc>>,
    pub place: &'a str,
    pub video_url: &'a str,
    pub capacity: i64,
}

/// What a graduate sees: the open slots of their university and college (whether they hold a
/// place in each), and their bookings.
#[derive(Clone, Debug, Default)]
pub struct GraduateView {
    pub open: Vec<(SlotRow, Option<Uuid>)>,
    pub booked: Vec<(Uuid, SlotRow)>,
}

/// What a publisher sees: the slots in their scope that have not ended, with who booked.
#[derive(Clone, Debug, Default)]
pub struct PublisherView {
    pub slots: Vec<(SlotRow, Vec<BookingRow>)>,
}

fn unprocessable(code: ErrorCode, message: impl Into<String>) -> Error {
    Error::new(ErrorKind::Unprocessable, code, message)
}

fn conflict(code: ErrorCode, message: &str) -> Error {
    Error::new(ErrorKind::Conflict, code, message)
}

fn no_slot() -> Error {
    Error::not_found(ErrorCode::SlotNotFound, "没有这个时段")
}

fn no_booking() -> Error {
    Error::not_found(ErrorCode::BookingNotFound, "没有这条预约")
}

fn invalid(e: &SlotError) -> Error {
    let code = match e {
        SlotError::Kind => ErrorCode::InvalidKind,
        SlotError::Time => ErrorCode::InvalidDate,
        SlotError::Capacity => ErrorCode::InvalidCapacity,
        SlotError::Place => ErrorCode::InvalidText,
    };
    unprocessable(code, e.message())
}

/// The caller's own graduate record, when they may book guidance.
fn booker(actor: &Actor) -> Option<Uuid> {
    access::subject_of(actor, Role::Graduate)
        .filter(|g| access::can(actor, Action::BookGuidance, &Resource::owned("", *g)).is_some())
}

/// The caller's own graduate record and the organisations whose guidance (slots, courses) they
/// see: their university and college. `403` for anyone but a graduate.
pub(crate) async fn learner_orgs(store: &dyn Repository, actor: &Actor) -> Result<(Uuid, [Uuid; 2]), Error> {
    let me = booker(actor).ok_or_else(Error::forbidden)?;
    let view = store.graduate_view(me).await?.ok_or_else(Error::forbidden)?;
    Ok((me, [view.graduate.org_id, view.graduate.college_id]))
}

/// The university or college where the caller publishes guidance (slots, courses, contests):
/// the one named by `org` (its code) or, by default, where the caller's first grant is; answers
/// it with the grant. `what` names the thing in the refusal of any other kind of organisation.
pub(crate) async fn publishing_org(
    store: &dyn Repository,
    actor: &Actor,
    org: Option<&str>,
    what: &str,
) -> Result<(jiuye_domain::Org, ScopedGrant), Error> {
    let scope = access::scope_paths(actor, Action::PublishGuidance);
    let Some(home) = scope.first() else { return Err(Error::forbidden()) };
    let code = match org.map(str::trim).filter(|o| !o.is_empty()) {
        Some(code) => code.to_owned(),
        None => home.rsplit('/').next().unwrap_or_default().to_owned(),
    };
    let org = crate::orgs::by_code(store, &code).await?;
    let grant = crate::access::authorize(actor, Action::PublishGuidance, &Resource::at(&org.path))?.clone();
    if !matches!(org.kind, OrgKind::University | OrgKind::College) {
        return Err(unprocessable(ErrorCode::InvalidOrg, format!("{what}应由学校或院系发布")));
    }
    Ok((org, grant))
}

impl Guidance<'_> {
    /// Publishes a slot; answers it with the grant it was published under.
    pub async fn publish(&self, actor: &Actor, input: &NewSlot<'_>) -> Result<(SlotRow, ScopedGrant), Error> {
        let (org, grant) = publishing_org(self.store, actor, input.org, "时段").await?;
        let (Some(starts_at), Some(ends_at)) = (input.starts_at, input.ends_at) else {
            return Err(invalid(&SlotError::Time));
        };
        let checked = guidance::check_slot(
            input.kind,
            starts_at,
            ends_at,
            input.place,
            input.video_url,
            input.capacity,
            self.now,
        )
        .map_err(|e| invalid(&e))?;
        let slot = SlotRecord {
            id: Uuid::now_v7(),
            org_id: org.id,
            advisor_id: actor.user_id,
            kind: checked.kind.id().to_owned(),
            starts_at: checked.starts_at,
            ends_at: checked.ends_at,
            place: checked.place,
            video_url: checked.video_url,
            capacity: checked.capacity,
            booked: 0,
            cancelled_at: None,
            created_at: self.now,
        };
        self.store.add_slot(&slot).await?;
        let advisor_name = self.store.user_by_id(actor.user_id).await?.map(|u| u.display_name).unwrap_or_default();
        Ok((SlotRow { slot, org_path: org.path, org_name: org.name, advisor_name }, grant))
    }

    /// The university and college of the caller's own graduate record: where their slots come
    /// from.
    async fn booker_orgs(&self, actor: &Actor) -> Result<(Uuid, [Uuid; 2]), Error> {
        learner_orgs(self.store, actor).await
    }

    /// A graduate's open slots and bookings.
    pub async fn for_graduate(&self, actor: &Actor) -> Result<GraduateView, Error> {
        let (me, orgs) = self.booker_orgs(actor).await?;
        let booked = self.store.bookings_of(me).await?;
        let open = self
            .store
            .open_slots_at(&orgs, self.now)
            .await?
            .into_iter()
            .map(|s| {
                let mine = booked.iter().find(|(_, b)| b.slot.id == s.slot.id).map(|(id, _)| *id);
                (s, mine)
            })
            .collect();
        Ok(GraduateView { open, booked })
    }

    /// The slots in the caller's publishing scope that have not ended, with who booked them.
    pub async fn for_publisher(&self, actor: &Actor) -> Result<PublisherView, Error> {
        let scope = access::scope_paths(actor, Action::PublishGuidance);
        if scope.is_empty() {
            return Err(Error::forbidden());
        }
        let mut slots = Vec::new();
        for s in self.store.slots_under(&scope, self.now, 200).await? {
            let bookings = self.store.slot_bookings(s.slot.id).await?;
            slots.push((s, bookings));
        }
        Ok(PublisherView { slots })
    }

    /// Books a place of `slot` for the caller's own record: `409 slot_full` when every place is
    /// taken, `409 already_booked` when they hold one, `404 slot_not_found` for a slot that is not
    /// their university's or college's, or has started.
    pub async fn book(&self, actor: &Actor, slot: Uuid) -> Result<(Uuid, SlotRecord), Error> {
        let (me, orgs) = self.booker_orgs(actor).await?;
        let s = self.store.slot(slot).await?.ok_or_else(no_slot)?;
        if !orgs.contains(&s.org_id) || s.starts_at <= self.now || s.cancelled_at.is_some() {
            return Err(no_slot());
        }
        match self.store.book(slot, me, self.now).await? {
            Booked::Yes(id) => Ok((id, s)),
            Booked::Full => Err(conflict(ErrorCode::SlotFull, "这个时段已约满，请选择其他时段")),
            Booked::Already => Err(conflict(ErrorCode::AlreadyBooked, "你已经预约了这个时段")),
        }
    }

    /// Cancels a booking: the graduate who holds it, or a publisher of the slot's organisation.
    /// `404 booking_not_found` for anyone else, or for a booking already cancelled.
    pub async fn cancel(&self, actor: &Actor, id: Uuid) -> Result<Uuid, Error> {
        let (_, slot, graduate, cancelled) = self.store.booking(id).await?.ok_or_else(no_booking)?;
        let own = access::can(actor, Action::BookGuidance, &Resource::owned("", graduate)).is_some();
        let publisher = match self.store.slot(slot).await? {
            Some(s) => match self.store.org_by_id(s.org_id).await? {
                Some(org) => access::can(actor, Action::PublishGuidance, &Resource::at(&org.path)).is_some(),
                None => false,
            },
            None => false,
        };
        if !(own || publisher) || cancelled.is_some() {
            return Err(no_booking());
        }
        if !self.store.cancel_booking(id, self.now).await? {
            return Err(no_booking());
        }
        Ok(slot)
    }
}

fn no_graduate() -> Error {
    Error::not_found(ErrorCode::GraduateNotFound, "找不到该毕业生")
}

impl Guidance<'_> {
    /// Graduate `id` with the grant under which `actor` keeps guidance notes about them (an
    /// advisor or the career centre of their university or college); `404` for anyone else.
    async fn advised<'g>(&self, actor: &'g Actor, id: Uuid) -> Result<(Graduate, &'g ScopedGrant), Error> {
        let g = self.store.graduate_view(id).await?.ok_or_else(no_graduate)?;
        let grant =
            access::can(actor, Action::PublishGuidance, &Resource::at(&g.programme_path)).ok_or_else(no_graduate)?;
        Ok((g, grant))
    }

    /// Keeps a note about graduate `id` (1–2,000 characters; `shared`: the graduate sees it).
    pub async fn add_note(
        &self,
        actor: &Actor,
        id: Uuid,
        body: &str,
        shared: bool,
    ) -> Result<(NoteRow, ScopedGrant, String), Error> {
        let (g, grant) = self.advised(actor, id).await?;
        let body = body.trim();
        if body.is_empty() {
            return Err(unprocessable(ErrorCode::InvalidText, "请填写记录内容"));
        }
        jiuye_domain::text::check_len("指导记录", body, jiuye_domain::text::NOTES)?;
        let author = self.store.user_by_id(actor.user_id).await?.map(|u| u.display_name).unwrap_or_default();
        let note = NoteRow {
            id: Uuid::now_v7(),
            graduate_id: id,
            author_name: author,
            body: body.to_owned(),
            shared,
            created_at: self.now,
        };
        self.store.add_guidance_note(&note, actor.user_id).await?;
        Ok((note, grant.clone(), g.programme_path))
    }

    /// The notes about graduate `id`, newest first, for those who keep them (all), with who the
    /// graduate is.
    pub async fn notes(&self, actor: &Actor, id: Uuid) -> Result<(Graduate, Vec<NoteRow>), Error> {
        let (g, _) = self.advised(actor, id).await?;
        let notes = self.store.guidance_notes(id, false).await?;
        Ok((g, notes))
    }

    /// The notes shared with the caller (a graduate), newest first.
    pub async fn my_notes(&self, actor: &Actor) -> Result<Vec<NoteRow>, Error> {
        let me = booker(actor).ok_or_else(Error::forbidden)?;
        Ok(self.store.guidance_notes(me, true).await?)
    }
}
