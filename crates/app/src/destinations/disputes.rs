//! Disputes: a graduate objects to their record (always possible), and staff in scope answer.

use chrono::Utc;
use jiuye_domain::access::{self, Action, Actor, Resource, ScopedGrant};
use jiuye_store::Repository;
use jiuye_store::destinations::{DisputeRecord, GraduateListItem};
use uuid::Uuid;

use super::{allowed, visible_graduate};
use crate::{Error, ErrorCode, ErrorKind};

/// The text of a dispute or an answer: trimmed, not empty, at most 1000 characters.
fn text_of<'a>(text: &'a str, refusal: &str) -> Result<&'a str, Error> {
    let text = text.trim();
    if text.is_empty() || text.chars().count() > 1000 {
        return Err(Error::bad_input(ErrorCode::InvalidText, refusal));
    }
    Ok(text)
}

/// The graduate disputes their own record.
pub async fn raise(store: &dyn Repository, actor: &Actor, id: Uuid, text: &str) -> Result<DisputeRecord, Error> {
    let g = visible_graduate(store, actor, id).await?;
    allowed(actor, Action::ConfirmOwnRecord, &g)?;
    let text = text_of(text, "请写明异议内容（不超过 1000 字）")?;
    let d = DisputeRecord {
        id: Uuid::now_v7(),
        graduate_id: id,
        org_id: g.graduate.org_id,
        text: text.to_owned(),
        status: "open".into(),
        answer: None,
        answered_by: None,
        created_at: Utc::now(),
        answered_at: None,
    };
    store.add_dispute(&d).await?;
    Ok(d)
}

/// Staff in the graduate's scope answer a dispute once; answers the grant they answered under.
/// `404 dispute_not_found` for anyone else, as for a missing one; `409 already_answered`.
pub async fn answer(store: &dyn Repository, actor: &Actor, id: Uuid, text: &str) -> Result<ScopedGrant, Error> {
    let missing = || Error::not_found(ErrorCode::DisputeNotFound, "找不到该异议");
    let d = store.dispute(id).await?.ok_or_else(missing)?;
    let g = store.graduate_view(d.graduate_id).await?.ok_or_else(missing)?;
    let grant =
        access::can(actor, Action::AnswerDispute, &Resource::at(&g.programme_path)).ok_or_else(missing)?.clone();
    let text = text_of(text, "请写明答复内容（不超过 1000 字）")?;
    if !store.answer_dispute(id, text, actor.user_id).await? {
        return Err(Error::new(ErrorKind::Conflict, ErrorCode::AlreadyAnswered, "该异议已答复"));
    }
    Ok(grant)
}

/// Open disputes in the scope where `actor` answers them, oldest first, each with its graduate.
pub async fn open(store: &dyn Repository, actor: &Actor) -> Result<Vec<(DisputeRecord, GraduateListItem)>, Error> {
    let scope = access::scope_paths(actor, Action::AnswerDispute);
    if scope.is_empty() {
        return Err(Error::forbidden());
    }
    Ok(store.open_disputes(&scope).await?)
}
