//! Storage of recruitment events, their booths, employers' booth bookings, graduates'
//! registrations and check-in scans. Every write that takes capacity (a booth, a place) first
//! touches the event's row, so that concurrent writers of one event queue behind each other
//! (PostgreSQL's row lock; SQLite's single writer) and re-read the counts inside the transaction.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::Result;

/// An event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EventRecord {
    pub id: Uuid,
    pub org_id: Uuid,
    /// A `jiuye_domain::events::EventKind` id.
    pub kind: String,
    /// A `jiuye_domain::events::Theme` id.
    pub theme: String,
    pub title: String,
    pub description: String,
    pub venue: String,
    pub online: bool,
    pub stream_url: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    /// Places for graduates.
    pub places: i32,
    /// Places held (registered or offered).
    pub taken: i32,
    /// How long a freed place is held for the next in line.
    pub hold_hours: i32,
    /// Whether employers may book booths.
    pub booths_open: bool,
    pub cancelled_at: Option<DateTime<Utc>>,
    pub created_by: Uuid,
    pub created_at: DateTime<Utc>,
}

/// An event with its organiser and counts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EventRow {
    pub event: EventRecord,
    pub org_path: String,
    pub org_name: String,
    /// An `OrgKind` id of the organiser.
    pub org_kind: String,
    pub waitlisted: i64,
    /// Employers approved for a booth.
    pub employers: i64,
}

/// A booth (or a 宣讲会's session slot).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BoothRecord {
    pub id: Uuid,
    pub event_id: Uuid,
    pub label: String,
    pub capacity: i32,
    /// Pending and approved bookings.
    pub held: i32,
}

/// An employer's booking of a booth.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BookingRecord {
    pub id: Uuid,
    pub event_id: Uuid,
    pub booth_id: Uuid,
    pub employer_id: Uuid,
    /// A `BookingState` id.
    pub state: String,
    pub note: String,
    pub reason: String,
    pub created_by: Uuid,
    pub created_at: DateTime<Utc>,
    pub decided_at: Option<DateTime<Utc>>,
}

/// A booking with its booth and employer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BookingRow {
    pub booking: BookingRecord,
    pub booth_label: String,
    pub employer_name: String,
    pub employer_industry: String,
}

/// A posting an employer brings to an event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EventPosting {
    pub booking_id: Uuid,
    pub posting_id: Uuid,
    pub title: String,
    /// The posting's state (`published` shows).
    pub state: String,
}

/// What booking a booth came to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BoothBooked {
    /// Holds the booth, pending approval.
    Held(Uuid),
    /// The booth is full.
    Full,
    /// The employer already holds a booth at this event.
    Already,
    /// The event is cancelled, over, or closed to bookings.
    Closed,
}

/// A graduate's registration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RegistrationRecord {
    pub id: Uuid,
    pub event_id: Uuid,
    pub graduate_id: Uuid,
    /// A `Place` id.
    pub state: String,
    pub short_code: String,
    pub offered_until: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub checked_in_at: Option<DateTime<Utc>>,
}

/// A registration with who registered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RegistrationRow {
    pub registration: RegistrationRecord,
    pub name: String,
    pub student_no: String,
    pub university_name: String,
    pub college_name: String,
}

/// What registering came to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Registered {
    /// A place.
    Place(Uuid),
    /// A place in line.
    Waitlisted(Uuid),
    /// The graduate already holds a place or a place in line.
    Already,
    /// The event is cancelled or over.
    Closed,
}

/// What a check-in scan came to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CheckedIn {
    /// Checked in now.
    First,
    /// Checked in already, by an earlier scan.
    Before(DateTime<Utc>),
    /// This scan (its nonce) was seen already: a scanner's retry; nothing changes.
    Retry,
}

/// Attendance of one university's graduates at an event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UniversityAttendance {
    pub university_id: Uuid,
    pub university_name: String,
    pub registered: i64,
    pub waitlisted: i64,
    pub checked_in: i64,
}

/// Which events to list.
#[derive(Clone, Debug, Default)]
pub struct EventFilter {
    /// Events organised by these organisations…
    pub orgs: Vec<Uuid>,
    /// …or anywhere at or below these paths…
    pub under: Vec<String>,
    /// …or, when true, any event open to booth bookings (employers looking for fairs).
    pub open_for_booths: bool,
    /// A `EventKind` id.
    pub kind: Option<String>,
    /// Events where an approved employer's industry code starts with this (GB/T 4754).
    pub industry: Option<String>,
    /// Events ending after this.
    pub from: Option<DateTime<Utc>>,
    /// Events starting before this.
    pub to: Option<DateTime<Utc>>,
    /// Events after this one in the list's order (its start and id): the next page.
    pub after: Option<(DateTime<Utc>, Uuid)>,
    pub limit: i64,
}

/// The events' storage.
#[async_trait]
pub trait EventStore: Send + Sync {
    /// Adds an event with its booths (label, capacity), in one transaction.
    async fn add_event(&self, e: &EventRecord, booths: &[(String, i32)]) -> Result<()>;
    async fn event(&self, id: Uuid) -> Result<Option<EventRow>>;
    /// Events matching the filter, soonest first.
    async fn events(&self, f: &EventFilter) -> Result<Vec<EventRow>>;
    /// Opens or closes booth booking; false when the event is unknown or cancelled.
    async fn set_booths_open(&self, id: Uuid, open: bool) -> Result<bool>;
    /// Cancels an event; false when it was cancelled already.
    async fn cancel_event(&self, id: Uuid, at: DateTime<Utc>) -> Result<bool>;
    /// An event's booths, in their order.
    async fn booths(&self, event: Uuid) -> Result<Vec<BoothRecord>>;

    /// Books a booth for an employer (pending), with the postings it brings.
    async fn book_booth(&self, b: &BookingRecord, postings: &[Uuid], now: DateTime<Utc>) -> Result<BoothBooked>;
    async fn booth_booking(&self, id: Uuid) -> Result<Option<BookingRow>>;
    /// An event's bookings, booth order.
    async fn event_bookings(&self, event: Uuid) -> Result<Vec<BookingRow>>;
    /// An employer's bookings with their events, newest event first (at most 200).
    async fn employer_bookings(&self, employer: Uuid) -> Result<Vec<(BookingRow, EventRow)>>;
    /// Moves a booking from `from` to `to` (freeing its booth when `to` no longer holds it);
    /// false when it was not in `from`.
    async fn move_booking(
        &self,
        id: Uuid,
        from: &[&str],
        to: &str,
        by: Uuid,
        reason: &str,
        at: DateTime<Utc>,
    ) -> Result<bool>;
    /// The postings the bookings of an event bring.
    async fn event_postings(&self, event: Uuid) -> Result<Vec<EventPosting>>;

    /// Registers a graduate: a place while any is left, else a place in line.
    async fn register(&self, r: &RegistrationRecord, now: DateTime<Utc>) -> Result<Registered>;
    async fn registration(&self, id: Uuid) -> Result<Option<RegistrationRecord>>;
    /// The graduate's live registration for an event.
    async fn registration_of(&self, event: Uuid, graduate: Uuid) -> Result<Option<RegistrationRecord>>;
    async fn registration_by_code(&self, event: Uuid, code: &str) -> Result<Option<RegistrationRow>>;
    /// An event's registrations in the order they came (at most `limit`).
    async fn registrations(&self, event: Uuid, limit: i64) -> Result<Vec<RegistrationRow>>;
    /// A graduate's registrations with their events, soonest event first (at most 200).
    async fn graduate_registrations(&self, graduate: Uuid) -> Result<Vec<(RegistrationRecord, EventRow)>>;
    /// Gives up a live registration; a freed place goes to the next in line, held until
    /// `hold_until`. Answers the state it had (none when it was not live).
    async fn cancel_registration(
        &self,
        id: Uuid,
        at: DateTime<Utc>,
        hold_until: DateTime<Utc>,
    ) -> Result<Option<String>>;
    /// Takes an offered place still held at `at`; false otherwise.
    async fn take_offer(&self, id: Uuid, at: DateTime<Utc>) -> Result<bool>;
    /// Lapses the event's offers no longer held at `at`, offering each freed place to the next
    /// in line (held until `hold_until`); answers how many lapsed.
    async fn lapse_offers(&self, event: Uuid, at: DateTime<Utc>, hold_until: DateTime<Utc>) -> Result<u64>;
    /// Records a check-in scan (its nonce once).
    async fn check_in(
        &self,
        nonce: &str,
        event: Uuid,
        registration: Uuid,
        by: Uuid,
        at: DateTime<Utc>,
    ) -> Result<CheckedIn>;
    /// Registrations, line and check-ins per university of the registered graduates.
    async fn event_attendance(&self, event: Uuid) -> Result<Vec<UniversityAttendance>>;
}

macro_rules! events_impl {
    ($store:ty, $db:ty) => {
        mod events_impl {
            use async_trait::async_trait;
            use chrono::{DateTime, Utc};
            use sqlx::{QueryBuilder, Row};
            use uuid::Uuid;

            use super::*;
            use crate::Result;
            use crate::events::*;

            const SELECT: &str = "SELECT e.id, e.org_id, e.kind, e.theme, e.title, e.description, e.venue, \
                 e.online, e.stream_url, e.starts_at, e.ends_at, e.places, e.taken, e.hold_hours, e.booths_open, \
                 e.cancelled_at, e.created_by, e.created_at, o.path AS org_path, o.name AS org_name, \
                 o.kind AS org_kind, \
                 (SELECT COUNT(*) FROM event_registrations r WHERE r.event_id = e.id AND r.state = 'waitlisted') \
                 AS waitlisted, \
                 (SELECT COUNT(*) FROM booth_bookings b WHERE b.event_id = e.id AND b.state = 'approved') \
                 AS employers \
                 FROM events e JOIN orgs o ON o.id = e.org_id";

            fn event_row(r: &<$db as sqlx::Database>::Row) -> Result<EventRow> {
                Ok(EventRow {
                    event: EventRecord {
                        id: r.try_get("id")?,
                        org_id: r.try_get("org_id")?,
                        kind: r.try_get("kind")?,
                        theme: r.try_get("theme")?,
                        title: r.try_get("title")?,
                        description: r.try_get("description")?,
                        venue: r.try_get("venue")?,
                        online: r.try_get("online")?,
                        stream_url: r.try_get("stream_url")?,
                        starts_at: r.try_get("starts_at")?,
                        ends_at: r.try_get("ends_at")?,
                        places: r.try_get("places")?,
                        taken: r.try_get("taken")?,
                        hold_hours: r.try_get("hold_hours")?,
                        booths_open: r.try_get("booths_open")?,
                        cancelled_at: r.try_get("cancelled_at")?,
                        created_by: r.try_get("created_by")?,
                        created_at: r.try_get("created_at")?,
                    },
                    org_path: r.try_get("org_path")?,
                    org_name: r.try_get("org_name")?,
                    org_kind: r.try_get("org_kind")?,
                    waitlisted: r.try_get("waitlisted")?,
                    employers: r.try_get("employers")?,
                })
            }

            const BOOKING: &str = "SELECT b.id, b.event_id, b.booth_id, b.employer_id, b.state, b.note, b.reason, \
                 b.created_by, b.created_at, b.decided_at, t.label AS booth_label, m.name AS employer_name, \
                 m.industry_code AS employer_industry \
                 FROM booth_bookings b JOIN event_booths t ON t.id = b.booth_id JOIN employers m ON m.id = b.employer_id";

            fn booking_row(r: &<$db as sqlx::Database>::Row) -> Result<BookingRow> {
                Ok(BookingRow {
                    booking: BookingRecord {
                        id: r.try_get("id")?,
                        event_id: r.try_get("event_id")?,
                        booth_id: r.try_get("booth_id")?,
                        employer_id: r.try_get("employer_id")?,
                        state: r.try_get("state")?,
                        note: r.try_get("note")?,
                        reason: r.try_get("reason")?,
                        created_by: r.try_get("created_by")?,
                        created_at: r.try_get("created_at")?,
                        decided_at: r.try_get("decided_at")?,
                    },
                    booth_label: r.try_get("booth_label")?,
                    employer_name: r.try_get("employer_name")?,
                    employer_industry: r.try_get("employer_industry")?,
                })
            }

            const REGISTRATION: &str = "SELECT r.id, r.event_id, r.graduate_id, r.state, r.short_code, \
                 r.offered_until, r.created_at, r.updated_at, r.checked_in_at";

            fn registration(r: &<$db as sqlx::Database>::Row) -> Result<RegistrationRecord> {
                Ok(RegistrationRecord {
                    id: r.try_get("id")?,
                    event_id: r.try_get("event_id")?,
                    graduate_id: r.try_get("graduate_id")?,
                    state: r.try_get("state")?,
                    short_code: r.try_get("short_code")?,
                    offered_until: r.try_get("offered_until")?,
                    created_at: r.try_get("created_at")?,
                    updated_at: r.try_get("updated_at")?,
                    checked_in_at: r.try_get("checked_in_at")?,
                })
            }

            fn registration_row(r: &<$db as sqlx::Database>::Row) -> Result<RegistrationRow> {
                Ok(RegistrationRow {
                    registration: registration(r)?,
                    name: r.try_get("name")?,
                    student_no: r.try_get("student_no")?,
                    university_name: r.try_get("university_name")?,
                    college_name: r.try_get("college_name")?,
                })
            }

            const WHO: &str = ", g.name, g.student_no, u.name AS university_name, c.name AS college_name \
                 FROM event_registrations r JOIN graduates g ON g.id = r.graduate_id \
                 JOIN orgs u ON u.id = g.org_id JOIN orgs c ON c.id = g.college_id";

            /// Touches the event's row so that the transaction holds it (PostgreSQL) or the
            /// database (SQLite) before it reads any count; false when the event is unknown.
            async fn lock_event(
                tx: &mut sqlx::Transaction<'_, $db>,
                event: Uuid,
            ) -> Result<bool> {
                let res = sqlx::query("UPDATE events SET version = version + 1 WHERE id = $1")
                    .bind(event)
                    .execute(&mut **tx)
                    .await?;
                Ok(res.rows_affected() == 1)
            }

            /// Offers the freed place to the oldest in line, held until `hold_until`; frees it
            /// when nobody waits. Runs inside the transaction that freed it.
            async fn pass_on_place(
                tx: &mut sqlx::Transaction<'_, $db>,
                event: Uuid,
                at: DateTime<Utc>,
                hold_until: DateTime<Utc>,
            ) -> Result<()> {
                let next: Option<Uuid> = sqlx::query_scalar(
                    "SELECT id FROM event_registrations WHERE event_id = $1 AND state = 'waitlisted' \
                     ORDER BY created_at, id LIMIT 1",
                )
                .bind(event)
                .fetch_optional(&mut **tx)
                .await?;
                match next {
                    Some(next) => {
                        sqlx::query(
                            "UPDATE event_registrations SET state = 'offered', offered_until = $2, updated_at = $3 \
                             WHERE id = $1",
                        )
                        .bind(next)
                        .bind(hold_until)
                        .bind(at)
                        .execute(&mut **tx)
                        .await?;
                    }
                    None => {
                        sqlx::query("UPDATE events SET taken = taken - 1 WHERE id = $1 AND taken > 0")
                            .bind(event)
                            .execute(&mut **tx)
                            .await?;
                    }
                }
                Ok(())
            }

            #[async_trait]
            impl EventStore for $store {
                async fn add_event(&self, e: &EventRecord, booths: &[(String, i32)]) -> Result<()> {
                    let mut tx = self.pool.begin().await?;
                    sqlx::query(
                        "INSERT INTO events (id, org_id, kind, theme, title, description, venue, online, stream_url, \
                         starts_at, ends_at, places, taken, hold_hours, booths_open, cancelled_at, created_by, \
                         created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, \
                         $17, $18)",
                    )
                    .bind(e.id)
                    .bind(e.org_id)
                    .bind(&e.kind)
                    .bind(&e.theme)
                    .bind(&e.title)
                    .bind(&e.description)
                    .bind(&e.venue)
                    .bind(e.online)
                    .bind(&e.stream_url)
                    .bind(e.starts_at)
                    .bind(e.ends_at)
                    .bind(e.places)
                    .bind(e.taken)
                    .bind(e.hold_hours)
                    .bind(e.booths_open)
                    .bind(e.cancelled_at)
                    .bind(e.created_by)
                    .bind(e.created_at)
                    .execute(&mut *tx)
                    .await?;
                    for (i, (label, capacity)) in booths.iter().enumerate() {
                        sqlx::query(
                            "INSERT INTO event_booths (id, event_id, label, capacity, held, position) \
                             VALUES ($1, $2, $3, $4, 0, $5)",
                        )
                        .bind(Uuid::now_v7())
                        .bind(e.id)
                        .bind(label)
                        .bind(*capacity)
                        .bind(i as i32)
                        .execute(&mut *tx)
                        .await?;
                    }
                    tx.commit().await?;
                    Ok(())
                }

                async fn event(&self, id: Uuid) -> Result<Option<EventRow>> {
                    let sql = sqlx::AssertSqlSafe(format!("{SELECT} WHERE e.id = $1"));
                    let r = sqlx::query(sql).bind(id).fetch_optional(&self.pool).await?;
                    r.as_ref().map(event_row).transpose()
                }

                async fn events(&self, f: &EventFilter) -> Result<Vec<EventRow>> {
                    let mut qb = QueryBuilder::<$db>::new(SELECT);
                    qb.push(" WHERE (1 = 0");
                    if !f.orgs.is_empty() {
                        qb.push(" OR e.org_id IN (");
                        let mut sep = qb.separated(", ");
                        for o in &f.orgs {
                            sep.push_bind(*o);
                        }
                        qb.push(")");
                    }
                    if !f.under.is_empty() {
                        qb.push(" OR ");
                        crate::common::push_under(&mut qb, &["o.path"], &f.under);
                    }
                    if f.open_for_booths {
                        qb.push(" OR (e.booths_open = ").push_bind(true).push(" AND e.cancelled_at IS NULL)");
                    }
                    qb.push(")");
                    if let Some(kind) = &f.kind {
                        qb.push(" AND e.kind = ").push_bind(kind.clone());
                    }
                    if let Some(industry) = &f.industry {
                        qb.push(
                            " AND EXISTS (SELECT 1 FROM booth_bookings b JOIN employers m ON m.id = b.employer_id \
                             WHERE b.event_id = e.id AND b.state = 'approved' AND m.industry_code LIKE ",
                        )
                        .push_bind(format!("{}%", crate::common::like_escape(industry)))
                        .push(" ESCAPE '\\')");
                    }
                    if let Some(from) = f.from {
                        qb.push(" AND e.ends_at > ").push_bind(from);
                    }
                    if let Some(to) = f.to {
                        qb.push(" AND e.starts_at < ").push_bind(to);
                    }
                    if let Some((at, id)) = f.after {
                        qb.push(" AND (e.starts_at > ").push_bind(at).push(" OR (e.starts_at = ").push_bind(at);
                        qb.push(" AND e.id > ").push_bind(id).push("))");
                    }
                    qb.push(" ORDER BY e.starts_at, e.id LIMIT ").push_bind(f.limit.clamp(1, 500));
                    let rows = qb.build().fetch_all(&self.pool).await?;
                    rows.iter().map(event_row).collect()
                }

                async fn set_booths_open(&self, id: Uuid, open: bool) -> Result<bool> {
                    let res = sqlx::query(
                        "UPDATE events SET booths_open = $2 WHERE id = $1 AND cancelled_at IS NULL",
                    )
                    .bind(id)
                    .bind(open)
                    .execute(&self.pool)
                    .await?;
                    Ok(res.rows_affected() == 1)
                }

                async fn cancel_event(&self, id: Uuid, at: DateTime<Utc>) -> Result<bool> {
                    let res = sqlx::query(
                        "UPDATE events SET cancelled_at = $2, booths_open = $3 WHERE id = $1 AND cancelled_at IS NULL",
                    )
                    .bind(id)
                    .bind(at)
                    .bind(false)
                    .execute(&self.pool)
                    .await?;
                    Ok(res.rows_affected() == 1)
                }

                async fn booths(&self, event: Uuid) -> Result<Vec<BoothRecord>> {
                    let rows = sqlx::query(
                        "SELECT id, event_id, label, capacity, held FROM event_booths WHERE event_id = $1 \
                         ORDER BY position",
                    )
                    .bind(event)
                    .fetch_all(&self.pool)
                    .await?;
                    rows.iter()
                        .map(|r| {
                            Ok(BoothRecord {
                                id: r.try_get("id")?,
                                event_id: r.try_get("event_id")?,
                                label: r.try_get("label")?,
                                capacity: r.try_get("capacity")?,
                                held: r.try_get("held")?,
                            })
                        })
                        .collect()
                }

                async fn book_booth(
                    &self,
                    b: &BookingRecord,
                    postings: &[Uuid],
                    now: DateTime<Utc>,
                ) -> Result<BoothBooked> {
                    let mut tx = self.pool.begin().await?;
                    if !lock_event(&mut tx, b.event_id).await? {
                        return Ok(BoothBooked::Closed);
                    }
                    let open: Option<bool> = sqlx::query_scalar(
                        "SELECT booths_open FROM events WHERE id = $1 AND cancelled_at IS NULL AND ends_at > $2",
                    )
                    .bind(b.event_id)
                    .bind(now)
                    .fetch_optional(&mut *tx)
                    .await?;
                    if open != Some(true) {
                        return Ok(BoothBooked::Closed);
                    }
                    let held: i64 = sqlx::query_scalar(
                        "SELECT COUNT(*) FROM booth_bookings WHERE event_id = $1 AND employer_id = $2 \
                         AND state IN ('pending', 'approved')",
                    )
                    .bind(b.event_id)
                    .bind(b.employer_id)
                    .fetch_one(&mut *tx)
                    .await?;
                    if held > 0 {
                        return Ok(BoothBooked::Already);
                    }
                    let taken = sqlx::query(
                        "UPDATE event_booths SET held = held + 1 WHERE id = $1 AND event_id = $2 AND held < capacity",
                    )
                    .bind(b.booth_id)
                    .bind(b.event_id)
                    .execute(&mut *tx)
                    .await?;
                    if taken.rows_affected() != 1 {
                        return Ok(BoothBooked::Full);
                    }
                    sqlx::query(
                        "INSERT INTO booth_bookings (id, event_id, booth_id, employer_id, state, note, reason, \
                         created_by, created_at, decided_by, decided_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, NULL, NULL)",
                    )
                    .bind(b.id)
                    .bind(b.event_id)
                    .bind(b.booth_id)
                    .bind(b.employer_id)
                    .bind(&b.state)
                    .bind(&b.note)
                    .bind(&b.reason)
                    .bind(b.created_by)
                    .bind(b.created_at)
                    .execute(&mut *tx)
                    .await?;
                    for p in postings {
                        sqlx::query(
                            "INSERT INTO booking_postings (booking_id, posting_id) VALUES ($1, $2) \
                             ON CONFLICT DO NOTHING",
                        )
                        .bind(b.id)
                        .bind(*p)
                        .execute(&mut *tx)
                        .await?;
                    }
                    tx.commit().await?;
                    Ok(BoothBooked::Held(b.id))
                }

                async fn booth_booking(&self, id: Uuid) -> Result<Option<BookingRow>> {
                    let sql = sqlx::AssertSqlSafe(format!("{BOOKING} WHERE b.id = $1"));
                    let r = sqlx::query(sql).bind(id).fetch_optional(&self.pool).await?;
                    r.as_ref().map(booking_row).transpose()
                }

                async fn event_bookings(&self, event: Uuid) -> Result<Vec<BookingRow>> {
                    let sql = sqlx::AssertSqlSafe(format!(
                        "{BOOKING} WHERE b.event_id = $1 ORDER BY t.position, b.created_at, b.id"
                    ));
                    let rows = sqlx::query(sql).bind(event).fetch_all(&self.pool).await?;
                    rows.iter().map(booking_row).collect()
                }

                async fn employer_bookings(&self, employer: Uuid) -> Result<Vec<(BookingRow, EventRow)>> {
                    let sql = sqlx::AssertSqlSafe(format!(
                        "{BOOKING} WHERE b.employer_id = $1 ORDER BY b.created_at DESC, b.id LIMIT 200"
                    ));
                    let rows = sqlx::query(sql).bind(employer).fetch_all(&self.pool).await?;
                    let mut out = Vec::with_capacity(rows.len());
                    for r in &rows {
                        let b = booking_row(r)?;
                        if let Some(e) = self.event(b.booking.event_id).await? {
                            out.push((b, e));
                        }
                    }
                    Ok(out)
                }

                async fn move_booking(
                    &self,
                    id: Uuid,
                    from: &[&str],
                    to: &str,
                    by: Uuid,
                    reason: &str,
                    at: DateTime<Utc>,
                ) -> Result<bool> {
                    let mut tx = self.pool.begin().await?;
                    let mut qb = QueryBuilder::<$db>::new("UPDATE booth_bookings SET state = ");
                    qb.push_bind(to.to_owned())
                        .push(", reason = ")
                        .push_bind(reason.to_owned())
                        .push(", decided_by = ")
                        .push_bind(by)
                        .push(", decided_at = ")
                        .push_bind(at)
                        .push(" WHERE id = ")
                        .push_bind(id)
                        .push(" AND state IN (");
                    let mut sep = qb.separated(", ");
                    for f in from {
                        sep.push_bind((*f).to_owned());
                    }
                    qb.push(") RETURNING booth_id");
                    let booth: Option<Uuid> =
                        qb.build().fetch_optional(&mut *tx).await?.map(|r| r.try_get("booth_id")).transpose()?;
                    let Some(booth) = booth else { return Ok(false) };
                    if !matches!(to, "pending" | "approved") {
                        sqlx::query("UPDATE event_booths SET held = held - 1 WHERE id = $1 AND held > 0")
                            .bind(booth)
                            .execute(&mut *tx)
                            .await?;
                    }
                    tx.commit().await?;
                    Ok(true)
                }

                async fn event_postings(&self, event: Uuid) -> Result<Vec<EventPosting>> {
                    let rows = sqlx::query(
                        "SELECT bp.booking_id, bp.posting_id, p.title, p.status AS state FROM booking_postings bp \
                         JOIN booth_bookings b ON b.id = bp.booking_id JOIN postings p ON p.id = bp.posting_id \
                         WHERE b.event_id = $1 ORDER BY p.title, p.id",
                    )
                    .bind(event)
                    .fetch_all(&self.pool)
                    .await?;
                    rows.iter()
                        .map(|r| {
                            Ok(EventPosting {
                                booking_id: r.try_get("booking_id")?,
                                posting_id: r.try_get("posting_id")?,
                                title: r.try_get("title")?,
                                state: r.try_get("state")?,
                            })
                        })
                        .collect()
                }

                async fn register(&self, r: &RegistrationRecord, now: DateTime<Utc>) -> Result<Registered> {
                    let mut tx = self.pool.begin().await?;
                    if !lock_event(&mut tx, r.event_id).await? {
                        return Ok(Registered::Closed);
                    }
                    let counts: Option<(i32, i32)> = sqlx::query_as(
                        "SELECT taken, places FROM events WHERE id = $1 AND cancelled_at IS NULL AND ends_at > $2",
                    )
                    .bind(r.event_id)
                    .bind(now)
                    .fetch_optional(&mut *tx)
                    .await?;
                    let Some((taken, places)) = counts else { return Ok(Registered::Closed) };
                    let live: i64 = sqlx::query_scalar(
                        "SELECT COUNT(*) FROM event_registrations WHERE event_id = $1 AND graduate_id = $2 \
                         AND state IN ('registered', 'waitlisted', 'offered')",
                    )
                    .bind(r.event_id)
                    .bind(r.graduate_id)
                    .fetch_one(&mut *tx)
                    .await?;
                    if live > 0 {
                        return Ok(Registered::Already);
                    }
                    let place = taken < places;
                    if place {
                        sqlx::query("UPDATE events SET taken = taken + 1 WHERE id = $1")
                            .bind(r.event_id)
                            .execute(&mut *tx)
                            .await?;
                    }
                    sqlx::query(
                        "INSERT INTO event_registrations (id, event_id, graduate_id, state, short_code, \
                         offered_until, created_at, updated_at, checked_in_at) \
                         VALUES ($1, $2, $3, $4, $5, NULL, $6, $6, NULL)",
                    )
                    .bind(r.id)
                    .bind(r.event_id)
                    .bind(r.graduate_id)
                    .bind(if place { "registered" } else { "waitlisted" })
                    .bind(&r.short_code)
                    .bind(r.created_at)
                    .execute(&mut *tx)
                    .await?;
                    tx.commit().await?;
                    Ok(if place { Registered::Place(r.id) } else { Registered::Waitlisted(r.id) })
                }

                async fn registration(&self, id: Uuid) -> Result<Option<RegistrationRecord>> {
                    let sql = sqlx::AssertSqlSafe(format!("{REGISTRATION} FROM event_registrations r WHERE r.id = $1"));
                    let r = sqlx::query(sql).bind(id).fetch_optional(&self.pool).await?;
                    r.as_ref().map(registration).transpose()
                }

                async fn registration_of(&self, event: Uuid, graduate: Uuid) -> Result<Option<RegistrationRecord>> {
                    let sql = sqlx::AssertSqlSafe(format!(
                        "{REGISTRATION} FROM event_registrations r WHERE r.event_id = $1 AND r.graduate_id = $2 \
                         ORDER BY (CASE WHEN r.state IN ('registered', 'waitlisted', 'offered') THEN 0 ELSE 1 END), \
                         r.created_at DESC LIMIT 1"
                    ));
                    let r = sqlx::query(sql).bind(event).bind(graduate).fetch_optional(&self.pool).await?;
                    r.as_ref().map(registration).transpose()
                }

                async fn registration_by_code(&self, event: Uuid, code: &str) -> Result<Option<RegistrationRow>> {
                    let sql = sqlx::AssertSqlSafe(format!(
                        "{REGISTRATION}{WHO} WHERE r.event_id = $1 AND r.short_code = $2"
                    ));
                    let r = sqlx::query(sql).bind(event).bind(code).fetch_optional(&self.pool).await?;
                    r.as_ref().map(registration_row).transpose()
                }

                async fn registrations(&self, event: Uuid, limit: i64) -> Result<Vec<RegistrationRow>> {
                    let sql = sqlx::AssertSqlSafe(format!(
                        "{REGISTRATION}{WHO} WHERE r.event_id = $1 ORDER BY r.created_at, r.id LIMIT $2"
                    ));
                    let rows = sqlx::query(sql).bind(event).bind(limit).fetch_all(&self.pool).await?;
                    rows.iter().map(registration_row).collect()
                }

                async fn graduate_registrations(
                    &self,
                    graduate: Uuid,
                ) -> Result<Vec<(RegistrationRecord, EventRow)>> {
                    let sql = sqlx::AssertSqlSafe(format!(
                        "{REGISTRATION} FROM event_registrations r JOIN events e ON e.id = r.event_id \
                         WHERE r.graduate_id = $1 ORDER BY e.starts_at DESC, r.created_at DESC LIMIT 200"
                    ));
                    let rows = sqlx::query(sql).bind(graduate).fetch_all(&self.pool).await?;
                    let mut out = Vec::with_capacity(rows.len());
                    for r in &rows {
                        let reg = registration(r)?;
                        if let Some(e) = self.event(reg.event_id).await? {
                            out.push((reg, e));
                        }
                    }
                    Ok(out)
                }

                async fn cancel_registration(
                    &self,
                    id: Uuid,
                    at: DateTime<Utc>,
                    hold_until: DateTime<Utc>,
                ) -> Result<Option<String>> {
                    let Some(reg) = self.registration(id).await? else { return Ok(None) };
                    let mut tx = self.pool.begin().await?;
                    lock_event(&mut tx, reg.event_id).await?;
                    let was: Option<String> = sqlx::query_scalar(
                        "SELECT state FROM event_registrations WHERE id = $1 \
                         AND state IN ('registered', 'waitlisted', 'offered')",
                    )
                    .bind(id)
                    .fetch_optional(&mut *tx)
                    .await?;
                    let Some(was) = was else { return Ok(None) };
                    sqlx::query(
                        "UPDATE event_registrations SET state = 'cancelled', offered_until = NULL, updated_at = $2 \
                         WHERE id = $1",
                    )
                    .bind(id)
                    .bind(at)
                    .execute(&mut *tx)
                    .await?;
                    if was != "waitlisted" {
                        pass_on_place(&mut tx, reg.event_id, at, hold_until).await?;
                    }
                    tx.commit().await?;
                    Ok(Some(was))
                }

                async fn take_offer(&self, id: Uuid, at: DateTime<Utc>) -> Result<bool> {
                    let res = sqlx::query(
                        "UPDATE event_registrations SET state = 'registered', offered_until = NULL, updated_at = $2 \
                         WHERE id = $1 AND state = 'offered' AND offered_until > $2",
                    )
                    .bind(id)
                    .bind(at)
                    .execute(&self.pool)
                    .await?;
                    Ok(res.rows_affected() == 1)
                }

                async fn lapse_offers(&self, event: Uuid, at: DateTime<Utc>, hold_until: DateTime<Utc>) -> Result<u64> {
                    // Nothing to do is the common case: look before taking the event's lock.
                    let due: i64 = sqlx::query_scalar(
                        "SELECT COUNT(*) FROM event_registrations WHERE event_id = $1 AND state = 'offered' \
                         AND offered_until <= $2",
                    )
                    .bind(event)
                    .bind(at)
                    .fetch_one(&self.pool)
                    .await?;
                    if due == 0 {
                        return Ok(0);
                    }
                    let mut tx = self.pool.begin().await?;
                    lock_event(&mut tx, event).await?;
                    let lapsed: Vec<Uuid> = sqlx::query_scalar(
                        "SELECT id FROM event_registrations WHERE event_id = $1 AND state = 'offered' \
                         AND offered_until <= $2 ORDER BY offered_until, id",
                    )
                    .bind(event)
                    .bind(at)
                    .fetch_all(&mut *tx)
                    .await?;
                    for id in &lapsed {
                        sqlx::query(
                            "UPDATE event_registrations SET state = 'lapsed', updated_at = $2 WHERE id = $1",
                        )
                        .bind(*id)
                        .bind(at)
                        .execute(&mut *tx)
                        .await?;
                        pass_on_place(&mut tx, event, at, hold_until).await?;
                    }
                    tx.commit().await?;
                    Ok(lapsed.len() as u64)
                }

                async fn check_in(
                    &self,
                    nonce: &str,
                    event: Uuid,
                    registration: Uuid,
                    by: Uuid,
                    at: DateTime<Utc>,
                ) -> Result<CheckedIn> {
                    let mut tx = self.pool.begin().await?;
                    let seen = sqlx::query(
                        "INSERT INTO event_checkins (nonce, event_id, registration_id, counted, scanned_by, \
                         scanned_at) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (nonce) DO NOTHING",
                    )
                    .bind(nonce)
                    .bind(event)
                    .bind(registration)
                    .bind(false)
                    .bind(by)
                    .bind(at)
                    .execute(&mut *tx)
                    .await?;
                    if seen.rows_affected() == 0 {
                        return Ok(CheckedIn::Retry);
                    }
                    let first = sqlx::query(
                        "UPDATE event_registrations SET checked_in_at = $2 WHERE id = $1 AND checked_in_at IS NULL",
                    )
                    .bind(registration)
                    .bind(at)
                    .execute(&mut *tx)
                    .await?;
                    let out = if first.rows_affected() == 1 {
                        sqlx::query("UPDATE event_checkins SET counted = $2 WHERE nonce = $1")
                            .bind(nonce)
                            .bind(true)
                            .execute(&mut *tx)
                            .await?;
                        CheckedIn::First
                    } else {
                        let before: Option<DateTime<Utc>> =
                            sqlx::query_scalar("SELECT checked_in_at FROM event_registrations WHERE id = $1")
                                .bind(registration)
                                .fetch_one(&mut *tx)
                                .await?;
                        CheckedIn::Before(before.unwrap_or(at))
                    };
                    tx.commit().await?;
                    Ok(out)
                }

                async fn event_attendance(&self, event: Uuid) -> Result<Vec<UniversityAttendance>> {
                    let rows = sqlx::query(
                        "SELECT g.org_id AS university_id, u.name AS university_name, \
                         SUM(CASE WHEN r.state IN ('registered', 'offered') THEN 1 ELSE 0 END) AS registered, \
                         SUM(CASE WHEN r.state = 'waitlisted' THEN 1 ELSE 0 END) AS waitlisted, \
                         SUM(CASE WHEN r.checked_in_at IS NOT NULL THEN 1 ELSE 0 END) AS checked_in \
                         FROM event_registrations r JOIN graduates g ON g.id = r.graduate_id \
                         JOIN orgs u ON u.id = g.org_id WHERE r.event_id = $1 \
                         GROUP BY g.org_id, u.name, u.code ORDER BY u.code",
                    )
                    .bind(event)
                    .fetch_all(&self.pool)
                    .await?;
                    rows.iter()
                        .map(|r| {
                            Ok(UniversityAttendance {
                                university_id: r.try_get("university_id")?,
                                university_name: r.try_get("university_name")?,
                                registered: r.try_get("registered")?,
                                waitlisted: r.try_get("waitlisted")?,
                                checked_in: r.try_get("checked_in")?,
                            })
                        })
                        .collect()
                }
            }
        }
    };
}
pub(crate) use events_impl;
