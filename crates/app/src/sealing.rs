//! Sensitive data sealed at rest (加密存储): dispute texts and answers in the database, and the
//! files people upload (evidence, visit photos, résumés) on disk. Each value is sealed with the
//! key ring's current key and bound to its place (table, column, row id), so a value moved to
//! another row fails to open: the reader gets `409 storage_corrupt`, never someone else's data.
//!
//! Values written before sealing existed (plaintext) are still read as they are until
//! [`seal_at_rest`] (run by `jiuye key rotate`) seals them; the same walk seals again, with the
//! current key, every value sealed under an older one.
//!
//! Never opens a value for someone the use case has not already let see it.

use std::path::Path;

use jiuye_security::SecurityError;
use jiuye_security::seal::{self, KeyRing};
use jiuye_store::Repository;
use uuid::Uuid;

use crate::{Error, ErrorCode, ErrorKind, files};

/// Where a sealed value is kept: its table and column. With the row's id, this is what the
/// value is bound to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Place {
    pub table: &'static str,
    pub column: &'static str,
}

impl Place {
    /// The associated data of the value kept here in row `id`.
    pub fn aad(self, id: Uuid) -> Vec<u8> {
        seal::row_aad(self.table, self.column, &id.to_string())
    }
}

/// A dispute's text (`disputes.text`).
pub const DISPUTE_TEXT: Place = Place { table: "disputes", column: "text" };
/// The answer to a dispute (`disputes.answer`).
pub const DISPUTE_ANSWER: Place = Place { table: "disputes", column: "answer" };
/// The file of an evidence row (named by `evidence.stored_name`).
pub const EVIDENCE_FILE: Place = Place { table: "evidence", column: "stored_name" };
/// The file of a visit photo (named by `visit_photos.stored_name`).
pub const PHOTO_FILE: Place = Place { table: "visit_photos", column: "stored_name" };
/// The résumé of an application (named by `applications.resume_stored`), bound to the
/// application.
pub const RESUME_FILE: Place = Place { table: "applications", column: "resume_stored" };

/// `409 storage_corrupt`: a stored value does not open where it is (moved, edited, or sealed
/// with a key the ring no longer has). Logged with its place, never with its content.
pub fn corrupt(place: Place, id: Uuid, why: &SecurityError) -> Error {
    tracing::error!(table = place.table, column = place.column, %id, error = %why, "a sealed value does not open");
    Error::new(ErrorKind::Conflict, ErrorCode::StorageCorrupt, "存储的数据未通过完整性校验，已记录，请联系管理员")
}

fn cannot_seal(e: &SecurityError) -> Error {
    tracing::error!(error = %e, "cannot seal a value");
    Error::new(ErrorKind::Internal, ErrorCode::InternalError, "服务器内部错误，已记录，请稍后重试")
}

/// Seals the text to keep at `place` in row `id`.
pub fn seal_text(keys: &KeyRing, place: Place, id: Uuid, text: &str) -> Result<String, Error> {
    keys.seal_bound(text.as_bytes(), &place.aad(id)).map_err(|e| cannot_seal(&e))
}

/// The text kept at `place` in row `id`: opened when sealed, as it is when it is legacy
/// plaintext; `409 storage_corrupt` when it does not open there.
pub fn open_text(keys: &KeyRing, place: Place, id: Uuid, stored: &str) -> Result<String, Error> {
    if !seal::is_sealed_text(stored) {
        return Ok(stored.to_owned());
    }
    let bytes = keys.open_bound(stored, &place.aad(id)).map_err(|e| corrupt(place, id, &e))?;
    String::from_utf8(bytes).map_err(|_| corrupt(place, id, &SecurityError::Malformed))
}

/// Seals the bytes of a file to keep for row `id` at `place`.
pub fn seal_bytes(keys: &KeyRing, place: Place, id: Uuid, bytes: &[u8]) -> Result<Vec<u8>, Error> {
    keys.seal_bytes_bound(bytes, &place.aad(id)).map_err(|e| cannot_seal(&e))
}

/// The bytes of a file kept for row `id` at `place`: opened when sealed, as they are when the
/// file is a legacy plaintext one; `409 storage_corrupt` when it does not open there.
pub fn open_bytes(keys: &KeyRing, place: Place, id: Uuid, stored: Vec<u8>) -> Result<Vec<u8>, Error> {
    if !seal::is_sealed_bytes(&stored) {
        return Ok(stored);
    }
    keys.open_bytes_bound(&stored, &place.aad(id)).map_err(|e| corrupt(place, id, &e))
}

/// What [`seal_at_rest`] did: values sealed for the first time (legacy plaintext), values
/// sealed again with the current key, values already current, and values it left alone
/// (changed meanwhile, a file missing, or one that does not open: each is logged).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Sealed {
    pub sealed: u64,
    pub resealed: u64,
    pub current: u64,
    pub skipped: u64,
}

impl Sealed {
    fn count(&mut self, step: Step) {
        match step {
            Step::Sealed => self.sealed += 1,
            Step::Resealed => self.resealed += 1,
            Step::Current => self.current += 1,
            Step::Skipped => self.skipped += 1,
        }
    }
}

/// What happened to one value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    Sealed,
    Resealed,
    Current,
    Skipped,
}

/// The text to keep instead of `stored` at `place` in row `id`, and what that is: `None` when
/// it is already sealed with the current key (and opens there).
fn reseal_text(keys: &KeyRing, place: Place, id: Uuid, stored: &str) -> Result<Option<(String, Step)>, Error> {
    let plain = open_text(keys, place, id, stored)?;
    if !keys.text_needs_sealing(stored) {
        return Ok(None);
    }
    let step = if seal::is_sealed_text(stored) { Step::Resealed } else { Step::Sealed };
    Ok(Some((seal_text(keys, place, id, &plain)?, step)))
}

/// How many rows (disputes, contacts) are read at once.
const PAGE: i64 = 500;

/// Seals every value at rest that is not yet sealed with the current key of `keys`: dispute
/// texts and answers, follow-up summaries and states of mind, then the files in `files_dir` of evidence, visit photos and résumés.
/// Each value is replaced on its own (a row with a compare-and-set, a file by writing a new
/// one and renaming it over the old), so stopping half-way leaves every value readable and
/// running it again finishes the work; run on data already sealed, it changes nothing. Every
/// value is opened on the way, so one that does not open where it is kept (moved, edited) is
/// found: it is left as it is, logged, and counted as skipped.
pub async fn seal_at_rest(store: &dyn Repository, keys: &KeyRing, files_dir: &Path) -> Result<Sealed, Error> {
    let mut done = Sealed::default();
    let mut after = Uuid::nil();
    loop {
        let page = store.dispute_texts(after, PAGE).await?;
        let Some(last) = page.last() else { break };
        after = last.0;
        for (id, text, answer) in &page {
            done.count(reseal_dispute(store, keys, *id, text, answer.as_deref()).await?);
        }
        if (page.len() as i64) < PAGE {
            break;
        }
    }
    let mut after = Uuid::nil();
    loop {
        let page = store.followup_texts(after, PAGE).await?;
        let Some(last) = page.last() else { break };
        after = last.0;
        for (id, summary, mood) in &page {
            done.count(reseal_contact(store, keys, *id, summary, mood.as_deref()).await?);
        }
        if (page.len() as i64) < PAGE {
            break;
        }
    }
    let mut after = Uuid::nil();
    loop {
        let page = store.hardship_texts(after, PAGE).await?;
        let Some(last) = page.last() else { break };
        after = last.0;
        for (id, profile, consent, plan) in &page {
            done.count(reseal_file(store, keys, *id, (profile, consent, plan.as_deref())).await?);
        }
        if (page.len() as i64) < PAGE {
            break;
        }
    }
    for (user, token) in store.calendar_tokens().await? {
        let step = match reseal_text(keys, crate::calendar::TOKEN, user, &token) {
            Ok(None) => Step::Current,
            Ok(Some((now, step))) => {
                written(step, store.replace_calendar_token(user, &token, &now).await?, "calendar_feeds", user)
            }
            Err(e) if e.code == ErrorCode::StorageCorrupt => Step::Skipped,
            Err(e) => return Err(e),
        };
        done.count(step);
    }
    let kinds = [
        (EVIDENCE_FILE, store.evidence_files().await?),
        (PHOTO_FILE, store.photo_files().await?),
        (RESUME_FILE, store.resume_files().await?),
    ];
    for (place, rows) in kinds {
        for (id, stored) in rows {
            done.count(files::reseal(files_dir, keys, place, id, &stored).await?);
        }
    }
    Ok(done)
}

/// What sealing a row's two values anew comes to.
enum Reseal {
    /// Nothing to write: both current, or one does not open where it is kept.
    Done(Step),
    /// Write these (the first value, the second when there is one).
    Write(Step, String, Option<String>),
}

/// The first value and the optional second of row `id`, kept at `places`, sealed anew.
fn reseal_pair(
    keys: &KeyRing,
    places: (Place, Place),
    id: Uuid,
    first: &str,
    second: Option<&str>,
) -> Result<Reseal, Error> {
    let new_first = reseal_text(keys, places.0, id, first);
    let new_second = second.map(|a| reseal_text(keys, places.1, id, a)).transpose();
    let (new_first, new_second) = match (new_first, new_second) {
        (Ok(t), Ok(a)) => (t, a.flatten()),
        (Err(e), _) | (_, Err(e)) if e.code == ErrorCode::StorageCorrupt => return Ok(Reseal::Done(Step::Skipped)),
        (Err(e), _) | (_, Err(e)) => return Err(e),
    };
    let step = match (&new_first, &new_second) {
        (None, None) => return Ok(Reseal::Done(Step::Current)),
        (Some((_, Step::Sealed)), _) | (_, Some((_, Step::Sealed))) => Step::Sealed,
        _ => Step::Resealed,
    };
    let first_now = new_first.map_or_else(|| first.to_owned(), |(t, _)| t);
    let second_now = new_second.map(|(a, _)| a).or_else(|| second.map(str::to_owned));
    Ok(Reseal::Write(step, first_now, second_now))
}

/// The step of a row written with a compare-and-set (`written`: false when it changed meanwhile).
fn written(step: Step, written: bool, table: &str, id: Uuid) -> Step {
    if written {
        step
    } else {
        tracing::warn!(table, %id, "a row changed while it was being sealed; run the rotation again");
        Step::Skipped
    }
}

async fn reseal_dispute(
    store: &dyn Repository,
    keys: &KeyRing,
    id: Uuid,
    text: &str,
    answer: Option<&str>,
) -> Result<Step, Error> {
    match reseal_pair(keys, (DISPUTE_TEXT, DISPUTE_ANSWER), id, text, answer)? {
        Reseal::Done(step) => Ok(step),
        Reseal::Write(step, t, a) => {
            let ok = store.replace_dispute_texts(id, text, answer, &t, a.as_deref()).await?;
            Ok(written(step, ok, "disputes", id))
        }
    }
}

async fn reseal_contact(
    store: &dyn Repository,
    keys: &KeyRing,
    id: Uuid,
    summary: &str,
    mood: Option<&str>,
) -> Result<Step, Error> {
    use crate::followup::{MOOD, SUMMARY};
    match reseal_pair(keys, (SUMMARY, MOOD), id, summary, mood)? {
        Reseal::Done(step) => Ok(step),
        Reseal::Write(step, t, m) => {
            let ok = store.replace_followup_texts(id, summary, mood, &t, m.as_deref()).await?;
            Ok(written(step, ok, "followup_contacts", id))
        }
    }
}

/// A hardship file's profile, consent and plan, sealed anew together.
async fn reseal_file(
    store: &dyn Repository,
    keys: &KeyRing,
    id: Uuid,
    was: (&str, &str, Option<&str>),
) -> Result<Step, Error> {
    use crate::hardship::{CONSENT, PLAN, PROFILE};
    let opened = (|| {
        Ok::<_, Error>((
            reseal_text(keys, PROFILE, id, was.0)?,
            reseal_text(keys, CONSENT, id, was.1)?,
            was.2.map(|p| reseal_text(keys, PLAN, id, p)).transpose()?.flatten(),
        ))
    })();
    let (profile, consent, plan) = match opened {
        Ok(v) => v,
        Err(e) if e.code == ErrorCode::StorageCorrupt => return Ok(Step::Skipped),
        Err(e) => return Err(e),
    };
    let steps = [&profile, &consent, &plan];
    if steps.iter().all(|s| s.is_none()) {
        return Ok(Step::Current);
    }
    let step = if steps.iter().any(|s| matches!(s, Some((_, Step::Sealed)))) { Step::Sealed } else { Step::Resealed };
    let now_profile = profile.map_or_else(|| was.0.to_owned(), |(t, _)| t);
    let now_consent = consent.map_or_else(|| was.1.to_owned(), |(t, _)| t);
    let now_plan = plan.map(|(t, _)| t).or_else(|| was.2.map(str::to_owned));
    let ok = store.replace_hardship_texts(id, was, (&now_profile, &now_consent, now_plan.as_deref())).await?;
    Ok(written(step, ok, "hardship_files", id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_opens_only_in_its_row_and_column_and_legacy_text_reads_as_is() {
        let keys = KeyRing::generate().unwrap();
        let (a, b) = (Uuid::now_v7(), Uuid::now_v7());
        let sealed = seal_text(&keys, DISPUTE_TEXT, a, "单位名称有误").unwrap();
        assert!(!sealed.contains("单位"));
        assert_eq!(open_text(&keys, DISPUTE_TEXT, a, &sealed).unwrap(), "单位名称有误");
        let moved = open_text(&keys, DISPUTE_TEXT, b, &sealed).unwrap_err();
        assert_eq!((moved.kind, moved.code), (ErrorKind::Conflict, ErrorCode::StorageCorrupt));
        assert_eq!(open_text(&keys, DISPUTE_ANSWER, a, &sealed).unwrap_err().code, ErrorCode::StorageCorrupt);
        assert_eq!(open_text(&keys, DISPUTE_TEXT, b, "旧的明文").unwrap(), "旧的明文");
    }

    #[test]
    fn files_open_only_for_their_row_and_legacy_files_read_as_is() {
        let keys = KeyRing::generate().unwrap();
        let (a, b) = (Uuid::now_v7(), Uuid::now_v7());
        let sealed = seal_bytes(&keys, EVIDENCE_FILE, a, b"%PDF-1.4 x").unwrap();
        assert!(!sealed.windows(4).any(|w| w == b"%PDF"));
        assert_eq!(open_bytes(&keys, EVIDENCE_FILE, a, sealed.clone()).unwrap(), b"%PDF-1.4 x");
        assert_eq!(open_bytes(&keys, EVIDENCE_FILE, b, sealed.clone()).unwrap_err().code, ErrorCode::StorageCorrupt);
        assert_eq!(open_bytes(&keys, PHOTO_FILE, a, sealed).unwrap_err().code, ErrorCode::StorageCorrupt);
        assert_eq!(open_bytes(&keys, PHOTO_FILE, a, b"\x89PNG".to_vec()).unwrap(), b"\x89PNG");
    }
}
