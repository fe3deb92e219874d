//! Booths: an employer books one booth (or a 宣讲会's session slot) of an event with the postings
//! it brings; the booking holds the booth while the organiser decides; a rejection or a
//! withdrawal frees it. A blacklisted or unverified employer cannot book.

use jiuye_domain::access::{self, Action, Actor, Resource, Role, ScopedGrant};
use jiuye_domain::employer::Verification;
use jiuye_domain::events::{BookingState, EventError};
use jiuye_domain::posting::PostingStatus;
use jiuye_store::employers::EmployerRecord;
use jiuye_store::events::{BookingRecord, BookingRow, BoothBooked, EventRow};
use uuid::Uuid;

use super::{Events, conflict, invalid};
use crate::{Error, ErrorCode, ErrorKind};

/// A booth booking as typed.
#[derive(Clone, Debug, Default)]
pub struct BookingInput<'a> {
    /// The employer's own approved postings it brings (at most 50).
    pub postings: Vec<Uuid>,
    /// A note to the organiser (500 characters at most).
    pub note: &'a str,
}

/// The caller's employer, when it may book booths: `403` for anyone but an employer's account,
/// `422 employer_not_verified` while the employer is not verified or is blacklisted.
async fn booking_employer(store: &dyn jiuye_store::Repository, actor: &Actor) -> Result<EmployerRecord, Error> {
    let id = access::subject_of(actor, Role::Employer)
        .ok_or_else(|| Error::new(ErrorKind::Forbidden, ErrorCode::Forbidden, "只有用人单位账号可以预订展位"))?;
    let e = store.employer_by_id(id).await?.ok_or_else(Error::forbidden)?;
    let org_path = store.org_position(e.org_id).await?.map(|(_, _, p)| p).unwrap_or_default();
    crate::access::authorize(actor, Action::BookBooth, &Resource::owned(&org_path, e.id))?;
    if e.verification != Verification::Verified {
        return Err(Error::new(
            ErrorKind::Unprocessable,
            ErrorCode::EmployerNotVerified,
            format!("{} 尚未通过审核（或已被列入黑名单），不能预订展位", e.name),
        ));
    }
    Ok(e)
}

fn no_booking() -> Error {
    Error::not_found(ErrorCode::BookingNotFound, "没有这条展位预订")
}

impl Events<'_> {
    /// Books a booth for the caller's employer; answers the booking (pending).
    pub async fn book(
        &self,
        actor: &Actor,
        id: Uuid,
        booth: Uuid,
        input: &BookingInput<'_>,
    ) -> Result<(BookingRow, EventRow), Error> {
        let (row, _) = self.seen(actor, id).await?;
        let employer = booking_employer(self.store, actor).await?;
        if !self.store.booths(id).await?.iter().any(|b| b.id == booth) {
            return Err(Error::not_found(ErrorCode::BoothNotFound, "这场活动没有这个展位"));
        }
        let note = input.note.trim();
        if note.chars().count() > 500 {
            return Err(Error::new(ErrorKind::Unprocessable, ErrorCode::InvalidText, "备注应在 500 字以内"));
        }
        let mut postings = input.postings.clone();
        postings.sort_unstable();
        postings.dedup();
        if postings.len() > 50 {
            return Err(invalid(&EventError::Positions));
        }
        let found = self.store.postings_by_ids(&postings).await?;
        let usable = found
            .iter()
            .filter(|p| p.posting.employer_id == employer.id && p.posting.status == PostingStatus::Approved)
            .count();
        if usable != postings.len() {
            return Err(invalid(&EventError::Positions));
        }
        let record = BookingRecord {
            id: Uuid::now_v7(),
            event_id: id,
            booth_id: booth,
            employer_id: employer.id,
            state: BookingState::Pending.id().to_owned(),
            note: note.to_owned(),
            reason: String::new(),
            created_by: actor.user_id,
            created_at: self.now,
            decided_at: None,
        };
        match self.store.book_booth(&record, &postings, self.now).await? {
            BoothBooked::Held(b) => {
                let booking = self.store.booth_booking(b).await?.ok_or_else(no_booking)?;
                Ok((booking, row))
            }
            BoothBooked::Full => Err(conflict(ErrorCode::BoothFull, "这个展位已被预订，请选择其他展位")),
            BoothBooked::Already => Err(conflict(ErrorCode::AlreadyBooked, "本单位在这场活动已有展位预订")),
            BoothBooked::Closed => Err(conflict(ErrorCode::BoothsClosed, "这场活动未开放展位预订，或已结束、已取消")),
        }
    }

    /// The organiser approves or rejects a pending booking (a rejection needs a reason and
    /// frees the booth).
    pub async fn decide_booking(
        &self,
        actor: &Actor,
        id: Uuid,
        booking: Uuid,
        approve: bool,
        reason: &str,
    ) -> Result<(BookingRow, EventRow, ScopedGrant), Error> {
        let (row, grant) = self.organised(actor, id).await?;
        let found =
            self.store.booth_booking(booking).await?.filter(|b| b.booking.event_id == id).ok_or_else(no_booking)?;
        let reason = reason.trim();
        if (!approve && reason.is_empty()) || reason.chars().count() > 500 {
            return Err(Error::new(
                ErrorKind::Unprocessable,
                ErrorCode::InvalidText,
                "不通过时请说明理由（500 字以内）",
            ));
        }
        let to = if approve { BookingState::Approved } else { BookingState::Rejected };
        let from = [BookingState::Pending.id()];
        if !self.store.move_booking(found.booking.id, &from, to.id(), actor.user_id, reason, self.now).await? {
            return Err(conflict(ErrorCode::InvalidTransition, "只能审核待审核的预订"));
        }
        let updated = self.store.booth_booking(booking).await?.ok_or_else(no_booking)?;
        Ok((updated, row, grant))
    }

    /// The employer withdraws its booking (pending or approved), freeing the booth.
    pub async fn withdraw_booking(&self, actor: &Actor, id: Uuid, booking: Uuid) -> Result<BookingRow, Error> {
        let employer = booking_employer(self.store, actor).await?;
        let found = self
            .store
            .booth_booking(booking)
            .await?
            .filter(|b| b.booking.event_id == id && b.booking.employer_id == employer.id)
            .ok_or_else(no_booking)?;
        let from = [BookingState::Pending.id(), BookingState::Approved.id()];
        let to = BookingState::Withdrawn.id();
        if !self.store.move_booking(found.booking.id, &from, to, actor.user_id, "", self.now).await? {
            return Err(conflict(ErrorCode::InvalidTransition, "这条预订已不再占用展位"));
        }
        self.store.booth_booking(booking).await?.ok_or_else(no_booking)
    }

    /// The caller's employer's bookings, newest first.
    pub async fn my_bookings(&self, actor: &Actor) -> Result<Vec<(BookingRow, EventRow)>, Error> {
        let Some(employer) = access::subject_of(actor, Role::Employer) else {
            return Err(Error::forbidden());
        };
        Ok(self.store.employer_bookings(employer).await?)
    }
}
