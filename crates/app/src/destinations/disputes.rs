//! Disputes: a graduate objects to their record (always possible), and staff in scope answer.
//! The text and the answer are kept sealed, each bound to its dispute row, and opened here
//! only for those the use case lets see them.

use chrono::Utc;
use jiuye_domain::access::{self, Action, Actor, Resource, ScopedGrant};
use jiuye_security::seal::KeyRing;
use jiuye_store::Repository;
use jiuye_store::destinations::{DisputeRecord, GraduateListItem};
use uuid::Uuid;

use super::{allowed, visible_graduate};
use crate::sealing::{self, DISPUTE_ANSWER, DISPUTE_TEXT};
use crate::{Error, ErrorCode, ErrorKind};

/// The text of a dispute or an answer: trimmed, not empty, at most 1000 characters.
fn text_of<'a>(text: &'a str, refusal: &str) -> Result<&'a str, Error> {
    let text = text.trim();
    jiuye_domain::text::check_len("异议或答复", text, jiuye_domain::text::DISPUTE)?;
    if text.is_empty() {
        return Err(Error::bad_input(ErrorCode::InvalidText, refusal));
    }
    Ok(text)
}

/// A dispute as kept, with its text and answer opened (`409 storage_corrupt` when either does
/// not open for this row).
pub fn opened(keys: &KeyRing, mut d: DisputeRecord) -> Result<DisputeRecord, Error> {
    d.text = sealing::open_text(keys, DISPUTE_TEXT, d.id, &d.text)?;
    d.answer = d.answer.map(|a| sealing::open_text(keys, DISPUTE_ANSWER, d.id, &a)).transpose()?;
    Ok(d)
}

/// The graduate disputes their own record; the text is kept sealed. Answers the dispute with
/// its text as written.
pub async fn raise(
    store: &dyn Repository,
    keys: &KeyRing,
    actor: &Actor,
    id: Uuid,
    text: &str,
) -> Result<DisputeRecord, Error> {
    let g = visible_graduate(store, actor, id).await?;
    allowed(actor, Action::ConfirmOwnRecord, &g)?;
    let text = text_of(text, "请写明异议内容（不超过 1000 字）")?;
    let dispute_id = Uuid::now_v7();
    let mut d = DisputeRecord {
        id: dispute_id,
        graduate_id: id,
        org_id: g.graduate.org_id,
        text: sealing::seal_text(keys, DISPUTE_TEXT, dispute_id, text)?,
        status: "open".into(),
        answer: None,
        answered_by: None,
        created_at: Utc::now(),
        answered_at: None,
    };
    store.add_dispute(&d).await?;
    d.text = text.to_owned();
    Ok(d)
}

/// Staff in the graduate's scope answer a dispute once; answers the grant they answered under.
/// The answer is kept sealed. `404 dispute_not_found` for anyone else, as for a missing one;
/// `409 already_answered`.
pub async fn answer(
    store: &dyn Repository,
    keys: &KeyRing,
    actor: &Actor,
    id: Uuid,
    text: &str,
) -> Result<ScopedGrant, Error> {
    let missing = || Error::not_found(ErrorCode::DisputeNotFound, "找不到该异议");
    let d = store.dispute(id).await?.ok_or_else(missing)?;
    let g = store.graduate_view(d.graduate_id).await?.ok_or_else(missing)?;
    let grant =
        access::can(actor, Action::AnswerDispute, &Resource::at(&g.programme_path)).ok_or_else(missing)?.clone();
    let text = text_of(text, "请写明答复内容（不超过 1000 字）")?;
    let sealed = sealing::seal_text(keys, DISPUTE_ANSWER, id, text)?;
    if !store.answer_dispute(id, &sealed, actor.user_id).await? {
        return Err(Error::new(ErrorKind::Conflict, ErrorCode::AlreadyAnswered, "该异议已答复"));
    }
    Ok(grant)
}

/// Open disputes in the scope where `actor` answers them, oldest first, each with its graduate
/// and its text opened.
pub async fn open(
    store: &dyn Repository,
    keys: &KeyRing,
    actor: &Actor,
) -> Result<Vec<(DisputeRecord, GraduateListItem)>, Error> {
    let scope = access::scope_paths(actor, Action::AnswerDispute);
    if scope.is_empty() {
        return Err(Error::forbidden());
    }
    store.open_disputes(&scope).await?.into_iter().map(|(d, g)| Ok((opened(keys, d)?, g))).collect()
}
