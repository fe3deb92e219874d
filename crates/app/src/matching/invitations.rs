//! The employer's side of matching: graduates who fit one of its postings ("合适的毕业生"), seen
//! only when they opted in to the talent list or applied to that posting, and only when the
//! posting reaches them; invitations to apply, which the graduate answers.

use chrono::Utc;
use jiuye_domain::access::{self, Action, Actor, Resource, Role};
use jiuye_domain::matching::recommend::{self, Reason, Weights};
use jiuye_domain::matching::text::TextScorer;
use jiuye_store::matching::{InvitationRecord, InvitationRow, MatchProfile};
use jiuye_store::postings::PostingRow;
use uuid::Uuid;

use super::pool::Entry;
use super::{Matching, facts_of, graduate_actor, text_of};
use crate::postings::readers;
use crate::{Error, ErrorCode, ErrorKind};

/// Most graduates read to rank for one posting.
const READ_AT_MOST: i64 = 20_000;
/// Most characters of an invitation's message.
const MAX_MESSAGE: usize = 500;

/// A graduate who fits a posting, as its employer sees them (never the hardship rule).
#[derive(Clone, Debug, PartialEq)]
pub struct Candidate {
    pub graduate_id: Uuid,
    pub name: String,
    pub education_level: String,
    pub programme_name: String,
    pub university_name: String,
    pub score: f32,
    pub fits: Vec<Reason>,
    pub fits_less: Vec<Reason>,
    /// The invitation already sent, if any: `pending`, `accepted` or `declined`.
    pub invitation: Option<String>,
}

fn posting_missing() -> Error {
    readers::missing()
}

impl<'a> Matching<'a> {
    /// The caller's own posting (an employer account for its employer), or `404`.
    async fn own_posting(&self, actor: &Actor, posting: Uuid) -> Result<PostingRow, Error> {
        let row = self.store.posting(posting).await?.ok_or_else(posting_missing)?;
        access::can(actor, Action::InviteGraduates, &Resource::owned("", row.posting.employer_id))
            .ok_or_else(posting_missing)?;
        Ok(row)
    }

    /// Whether the posting reaches the graduate (their visibility, as for their own search).
    async fn reaches(&self, row: &PostingRow, p: &MatchProfile) -> Result<bool, Error> {
        let actor = graduate_actor(p);
        let scopes = readers::scopes(self.store, self.readers, Some(&actor)).await?;
        Ok(scopes.ids.contains(&row.posting.scope_org_id))
    }

    /// The graduates who fit one of the caller's open postings, best first (at most `n`).
    pub async fn candidates(&self, actor: &Actor, posting: Uuid, n: usize) -> Result<Vec<Candidate>, Error> {
        let row = self.own_posting(actor, posting).await?;
        let Some(entry) = Entry::of(self.refdata, &row, &self.pool.titles()).filter(|e| e.deadline >= self.today)
        else {
            return Err(Error::new(
                ErrorKind::Conflict,
                ErrorCode::PostingClosed,
                "职位未发布或已截止，暂不推荐毕业生",
            ));
        };
        let profiles = self.store.candidate_profiles(posting, READ_AT_MOST).await?;
        let invited = self.store.invitations_of_posting(posting).await?;
        let (w, scorer) = (Weights::default(), TextScorer::shipped());
        let mut ranked: Vec<(f32, MatchProfile)> = Vec::new();
        for p in profiles {
            if !self.reaches(&row, &p).await? {
                continue;
            }
            let mut facts = facts_of(self.refdata, &p);
            facts.hardship = false;
            let text = text_of(&p).map(|t| scorer.score(&t, &entry.text).0);
            ranked.push((recommend::rank_score(&w, &facts, &entry.facts, text, self.today), p));
        }
        ranked.sort_by(|a, b| b.0.total_cmp(&a.0));
        ranked.truncate(n.clamp(1, 200));
        Ok(ranked
            .into_iter()
            .map(|(score, p)| {
                let mut facts = facts_of(self.refdata, &p);
                facts.hardship = false;
                let text = text_of(&p).map(|t| scorer.score(&t, &entry.text));
                let s = recommend::score(
                    &w,
                    &facts,
                    &entry.facts,
                    text.as_ref().map(|(v, terms)| (*v, terms.as_slice())),
                    self.today,
                )
                .for_employer();
                Candidate {
                    graduate_id: p.graduate_id,
                    invitation: invited
                        .iter()
                        .find(|i| i.invitation.graduate_id == p.graduate_id)
                        .map(|i| i.invitation.status.clone()),
                    name: p.name,
                    education_level: p.education_level,
                    programme_name: p.programme_name,
                    university_name: p.university_name,
                    score,
                    fits: s.fits,
                    fits_less: s.fits_less,
                }
            })
            .collect())
    }

    /// Invites a graduate who opted in (or applied) and whom the posting reaches.
    pub async fn invite(
        &self,
        actor: &Actor,
        posting: Uuid,
        graduate: Uuid,
        message: &str,
    ) -> Result<InvitationRow, Error> {
        let row = self.own_posting(actor, posting).await?;
        if Entry::of(self.refdata, &row, &self.pool.titles()).is_none_or(|e| e.deadline < self.today) {
            return Err(Error::new(ErrorKind::Conflict, ErrorCode::PostingClosed, "职位未发布或已截止，不能邀请"));
        }
        let message = message.trim();
        if message.chars().count() > MAX_MESSAGE {
            return Err(Error::new(ErrorKind::Unprocessable, ErrorCode::InvalidMessage, "邀请附言最多 500 个字"));
        }
        let unknown = || Error::not_found(ErrorCode::GraduateNotFound, "没有这名毕业生，或其未开放求职资料");
        let p = self.store.match_profile(graduate).await?.ok_or_else(unknown)?;
        let applied = self.store.applications_to_posting(posting).await?.iter().any(|a| a.graduate_id == graduate);
        if !(p.opted_in || applied) || !self.reaches(&row, &p).await? {
            return Err(unknown());
        }
        let record = InvitationRecord {
            id: Uuid::now_v7(),
            posting_id: posting,
            graduate_id: graduate,
            employer_id: row.posting.employer_id,
            message: message.to_owned(),
            status: "pending".into(),
            invited_by: actor.user_id,
            created_at: Utc::now(),
            answered_at: None,
        };
        if !self.store.add_invitation(&record).await? {
            return Err(Error::new(ErrorKind::Conflict, ErrorCode::AlreadyInvited, "已邀请过这名毕业生"));
        }
        self.store.invitation(record.id).await?.ok_or_else(unknown)
    }

    /// The invitations of one of the caller's postings.
    pub async fn posting_invitations(&self, actor: &Actor, posting: Uuid) -> Result<Vec<InvitationRow>, Error> {
        self.own_posting(actor, posting).await?;
        Ok(self.store.invitations_of_posting(posting).await?)
    }

    /// The caller's own invitations (a graduate), newest first.
    pub async fn my_invitations(&self, actor: &Actor) -> Result<Vec<InvitationRow>, Error> {
        let graduate = access::subject_of(actor, Role::Graduate).ok_or_else(Error::forbidden)?;
        access::can(actor, Action::SeekJobs, &Resource::owned("", graduate)).ok_or_else(Error::forbidden)?;
        Ok(self.store.invitations_of_graduate(graduate).await?)
    }

    /// The graduate accepts or declines an invitation of theirs.
    pub async fn answer(&self, actor: &Actor, id: Uuid, accept: bool) -> Result<InvitationRow, Error> {
        let unknown = || Error::not_found(ErrorCode::InvitationNotFound, "没有这份邀请");
        let row = self.store.invitation(id).await?.ok_or_else(unknown)?;
        access::can(actor, Action::SeekJobs, &Resource::owned("", row.invitation.graduate_id)).ok_or_else(unknown)?;
        let status = if accept { "accepted" } else { "declined" };
        if !self.store.answer_invitation(id, status, Utc::now()).await? {
            return Err(Error::new(ErrorKind::Conflict, ErrorCode::AlreadyAnswered, "这份邀请已答复"));
        }
        self.store.invitation(id).await?.ok_or_else(unknown)
    }
}
