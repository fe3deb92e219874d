//! Person–job matching (人岗匹配): a graduate's intentions and résumé text, recommendations with
//! their reasons both ways (postings for a graduate, opted-in graduates for an employer's
//! posting), feedback, invitations, and the coverage staff watch.
//!
//! A recommendation is only ever a posting its graduate may read (open, approved, low risk,
//! employer not blacklisted nor hidden, reaching them): the pool proposes, the reading rule of
//! `jiuye_domain::posting` decides on the store's current row. A graduate's profile reaches an
//! employer only when they opted in or applied to that posting, and never with the hardship
//! rule.

pub mod invitations;
pub mod pool;
pub mod resume;

use std::sync::Arc;

use chrono::{NaiveDate, Utc};
use jiuye_domain::access::{self, Action, Actor, Resource, Role, ScopedGrant};
use jiuye_domain::matching::recommend::{GraduateFacts, Intentions, Reason, Weights, WorkKind};
use jiuye_domain::matching::text::{TextProfile, TextScorer};
use jiuye_domain::matching::titles::Occupations;
use jiuye_domain::posting::{self, Visibility};
use jiuye_domain::{Catalogue, OrgKind, RefData};
use jiuye_store::Repository;
use jiuye_store::matching::{IntentionsRecord, MatchProfile, MatchRow};
use jiuye_store::postings::PostingRow;
use uuid::Uuid;

use crate::postings::readers::{self, ReaderCache};
use crate::{Error, ErrorCode, ErrorKind};
use pool::{Entry, Pool, Seeker};

/// How many matches are stored per graduate.
pub const STORED: usize = 50;
/// How many matches make a graduate "covered" (the hardship rule asks for three).
pub const ENOUGH: i64 = 3;
/// Most graduates one staff refresh handles (a request must stay short).
pub const PUSH_AT_MOST: usize = 200;
/// Most entries in one intention list.
const MAX_LIST: usize = 20;
/// Most characters of skills or certificates.
const MAX_FREE_TEXT: usize = 1_000;

/// The matching use cases on a node.
#[derive(Clone, Copy)]
pub struct Matching<'a> {
    pub store: &'a dyn Repository,
    pub refdata: &'a Arc<RefData>,
    pub pool: &'a Pool,
    pub readers: &'a ReaderCache,
    pub today: NaiveDate,
}

/// A graduate's intentions as they see them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct IntentionsView {
    pub intentions: Intentions,
    pub skills: String,
    pub certificates: String,
    /// Characters read from the résumé PDF (0 when none was read).
    pub resume_chars: usize,
    /// Lets verified employers find them.
    pub opted_in: bool,
}

/// Intentions as submitted.
#[derive(Clone, Debug, Default)]
pub struct IntentionsInput {
    pub regions: Vec<String>,
    pub industries: Vec<String>,
    pub occupations: Vec<String>,
    pub employer_types: Vec<String>,
    pub pay_min: Option<i64>,
    pub pay_max: Option<i64>,
    pub work: String,
    pub skills: String,
    pub certificates: String,
    /// Changes the talent-list choice when given.
    pub opted_in: Option<bool>,
}

/// A posting recommended to a graduate.
#[derive(Clone, Debug, PartialEq)]
pub struct Recommendation {
    pub posting_id: Uuid,
    pub title: String,
    pub employer_name: String,
    pub region_name: String,
    pub salary_min: Option<i64>,
    pub salary_max: Option<i64>,
    pub deadline: NaiveDate,
    pub score: f32,
    pub fits: Vec<Reason>,
    pub fits_less: Vec<Reason>,
}

fn split(s: &str) -> Vec<String> {
    s.split(',').filter(|x| !x.is_empty()).map(str::to_owned).collect()
}

/// The intentions stored for a graduate, read back.
pub fn intentions_of(r: &IntentionsRecord) -> Intentions {
    Intentions {
        regions: split(&r.regions),
        industries: split(&r.industries),
        occupations: split(&r.occupations),
        employer_types: split(&r.employer_types),
        pay_min: r.pay_min,
        pay_max: r.pay_max,
        work: WorkKind::from_id(&r.work).unwrap_or_default(),
    }
}

/// What the model knows of a graduate from their profile.
pub fn facts_of(rd: &RefData, p: &MatchProfile) -> GraduateFacts {
    let class_name = p.major_code.as_deref().and_then(|m| m.get(..4)).and_then(|c| {
        [Catalogue::UndergraduateMajors, Catalogue::VocationalMajors]
            .into_iter()
            .find_map(|cat| rd.entry(cat, c).map(|e| e.name.clone()))
    });
    GraduateFacts {
        major: p.major_code.clone(),
        major_class_name: class_name,
        education: p.education_level.clone(),
        home_region: p.origin_region.clone(),
        school_province: p.university_province.clone().unwrap_or_default(),
        intentions: p.intentions.as_ref().map(intentions_of).unwrap_or_default(),
        hardship: p.hardship,
    }
}

/// The résumé and skills of a graduate prepared for comparison, when they wrote any.
fn text_of(p: &MatchProfile) -> Option<TextProfile> {
    let i = p.intentions.as_ref()?;
    let all = format!("{}\n{}\n{}", i.skills, i.certificates, i.resume_text);
    (!all.trim().is_empty()).then(|| TextProfile::of(&all))
}

/// The grants a graduate reads postings with (their place in the tree), for batch work done on
/// their behalf.
pub fn graduate_actor(p: &MatchProfile) -> Actor {
    Actor {
        user_id: Uuid::nil(),
        username: String::new(),
        grants: vec![ScopedGrant {
            role: Role::Graduate,
            org_id: p.university_id,
            org_code: p.programme_path.rsplit('/').next().unwrap_or_default().to_owned(),
            org_kind: OrgKind::Programme,
            org_path: p.programme_path.clone(),
            subject_id: Some(p.graduate_id),
        }],
    }
}

fn bad(code: ErrorCode, message: impl Into<String>) -> Error {
    Error::new(ErrorKind::Unprocessable, code, message)
}

impl<'a> Matching<'a> {
    /// The graduate record `actor` seeks jobs as, or `403`.
    fn own(&self, actor: &Actor) -> Result<Uuid, Error> {
        let id = access::subject_of(actor, Role::Graduate).ok_or_else(Error::forbidden)?;
        access::can(actor, Action::SeekJobs, &Resource::owned("", id)).ok_or_else(Error::forbidden)?;
        Ok(id)
    }

    async fn profile(&self, graduate: Uuid) -> Result<MatchProfile, Error> {
        self.store
            .match_profile(graduate)
            .await?
            .ok_or_else(|| Error::not_found(ErrorCode::GraduateNotFound, "没有这名毕业生"))
    }

    pub async fn intentions(&self, actor: &Actor) -> Result<IntentionsView, Error> {
        let p = self.profile(self.own(actor)?).await?;
        Ok(view_of(&p))
    }

    /// Checks and stores a graduate's own intentions.
    pub async fn set_intentions(&self, actor: &Actor, input: &IntentionsInput) -> Result<IntentionsView, Error> {
        let graduate = self.own(actor)?;
        let record = self.checked(graduate, input)?;
        self.store.set_intentions(&record).await?;
        if let Some(open) = input.opted_in {
            self.store.set_talent_optin(graduate, open).await?;
        }
        Ok(view_of(&self.profile(graduate).await?))
    }

    fn checked(&self, graduate: Uuid, i: &IntentionsInput) -> Result<IntentionsRecord, Error> {
        let rd = self.refdata;
        let list = |items: &[String], code: ErrorCode, what: &str, ok: &dyn Fn(&str) -> bool| {
            if items.len() > MAX_LIST {
                return Err(bad(code, format!("{what}最多 {MAX_LIST} 项")));
            }
            if let Some(x) = items.iter().find(|x| !ok(x)) {
                return Err(bad(code, format!("{what}代码无效：{x}")));
            }
            let mut v: Vec<String> = items.to_vec();
            v.dedup();
            Ok(v.join(","))
        };
        let regions = list(&i.regions, ErrorCode::InvalidRegion, "意向地区", &|x| rd.region(x).is_some())?;
        let industries = list(&i.industries, ErrorCode::InvalidIndustry, "意向行业", &|x| {
            rd.entry(Catalogue::Industries, x).is_some_and(|e| e.level == 1)
        })?;
        let occupations = list(&i.occupations, ErrorCode::InvalidOccupation, "意向职业", &|x| {
            Occupations::shipped().get(x).is_some()
        })?;
        let employer_types = list(&i.employer_types, ErrorCode::InvalidEmployerType, "意向单位性质", &|x| {
            rd.entry(Catalogue::EmployerTypes, x).is_some()
        })?;
        let pay_ok = |v: Option<i64>| v.is_none_or(|v| (0..=1_000_000).contains(&v));
        if !pay_ok(i.pay_min) || !pay_ok(i.pay_max) || matches!((i.pay_min, i.pay_max), (Some(a), Some(b)) if a > b) {
            return Err(bad(ErrorCode::InvalidSalary, "期望薪资应在 0 至 1,000,000 元之间，且下限不高于上限"));
        }
        let work = if i.work.is_empty() {
            WorkKind::Any
        } else {
            WorkKind::from_id(&i.work).ok_or_else(|| bad(ErrorCode::InvalidKind, "工作类型应为不限、全职或实习"))?
        };
        for (what, text) in [("技能", &i.skills), ("证书", &i.certificates)] {
            if text.chars().count() > MAX_FREE_TEXT {
                return Err(bad(ErrorCode::InvalidSkills, format!("{what}最多 {MAX_FREE_TEXT} 个字")));
            }
        }
        Ok(IntentionsRecord {
            graduate_id: graduate,
            regions,
            industries,
            occupations,
            employer_types,
            pay_min: i.pay_min,
            pay_max: i.pay_max,
            work: work.id().to_owned(),
            skills: i.skills.trim().to_owned(),
            certificates: i.certificates.trim().to_owned(),
            resume_text: String::new(),
            updated_at: Utc::now(),
        })
    }

    /// Reads the text of the caller's résumé PDF for matching; returns how many characters.
    pub async fn set_resume(&self, actor: &Actor, bytes: Vec<u8>) -> Result<usize, Error> {
        let graduate = self.own(actor)?;
        let text = resume::text_of(bytes).await?;
        self.store.set_resume_text(graduate, &text, Utc::now()).await?;
        Ok(text.chars().count())
    }

    /// What a graduate brings to ranking: facts, text, feedback and applications.
    async fn seeker(&self, p: &MatchProfile) -> Result<Seeker, Error> {
        let feedback = self.store.match_feedback(p.graduate_id).await?;
        let applied = self.store.applications_of_graduate(p.graduate_id).await?;
        let mut s = Seeker { facts: facts_of(self.refdata, p), text: text_of(p), ..Seeker::default() };
        let disliked: Vec<Uuid> = feedback.iter().filter(|(_, f)| f == "not_interested").map(|(id, _)| *id).collect();
        let liked: Vec<Uuid> = feedback
            .iter()
            .filter(|(_, f)| f == "interested")
            .map(|(id, _)| *id)
            .chain(applied.iter().map(|a| a.posting_id))
            .collect();
        s.disliked = self.pool.entries(&disliked).iter().map(|e| (e.employer, e.group.clone())).collect();
        s.liked_groups = self.pool.entries(&liked).iter().filter_map(|e| e.group.clone()).collect();
        s.skip = disliked.into_iter().chain(applied.iter().map(|a| a.posting_id)).collect();
        Ok(s)
    }

    /// The best `n` postings for a graduate, each checked against the store's current row.
    async fn recommend(&self, p: &MatchProfile, n: usize, check: bool) -> Result<Vec<Recommendation>, Error> {
        let actor = graduate_actor(p);
        let scopes = readers::scopes(self.store, self.readers, Some(&actor)).await?;
        let hidden = readers::hidden_employers(self.store, Some(&actor)).await?;
        let seeker = self.seeker(p).await?;
        let (w, scorer) = (Weights::default(), TextScorer::shipped());
        let candidates = self.pool.candidates(&seeker.facts);
        let admit = |e: &Entry| scopes.ids.contains(&e.scope) && hidden.binary_search(&e.employer).is_err();
        // A few spare, in case some are no longer readable when checked.
        let ranked = pool::rank(&w, scorer, &seeker, candidates, admit, n + n / 5 + 2, self.today);
        let ids: Vec<Uuid> = ranked.iter().map(|(e, _)| e.id).collect();
        let rows = self.store.postings_by_ids(&ids).await?;
        let mut out = Vec::with_capacity(n);
        for (e, score) in ranked {
            let Some(row) = rows.iter().find(|r| r.posting.id == e.id) else { continue };
            if check && !still_readable(row, &scopes.reader, &hidden, self.today) {
                continue;
            }
            let explained = pool::explain(&w, scorer, &seeker, &e, self.today);
            out.push(Recommendation {
                posting_id: e.id,
                title: row.posting.title.clone(),
                employer_name: row.employer_name.clone(),
                region_name: e.facts.region_name.clone(),
                salary_min: row.posting.salary_min,
                salary_max: row.posting.salary_max,
                deadline: row.posting.deadline,
                score,
                fits: explained.fits,
                fits_less: explained.fits_less,
            });
            if out.len() == n {
                break;
            }
        }
        Ok(out)
    }

    /// The caller's own recommendations (为你推荐), computed now.
    pub async fn mine(&self, actor: &Actor, n: usize) -> Result<Vec<Recommendation>, Error> {
        let graduate = self.own(actor)?;
        self.pool.catch_up(self.store, self.refdata).await?;
        let p = self.profile(graduate).await?;
        self.recommend(&p, n.clamp(1, STORED), true).await
    }

    /// A graduate's recommendations as the staff helping them see them: the hardship rule shows
    /// only to those who may read the graduate's hardship file.
    pub async fn of_graduate(&self, actor: &Actor, graduate: Uuid, n: usize) -> Result<Vec<Recommendation>, Error> {
        let p = self.store.match_profile(graduate).await?;
        let Some(p) = p.filter(|p| access::can(actor, Action::PushMatches, &Resource::at(&p.programme_path)).is_some())
        else {
            return Err(Error::not_found(ErrorCode::GraduateNotFound, "没有这名毕业生，或不在您的范围内"));
        };
        self.pool.catch_up(self.store, self.refdata).await?;
        let mut out = self.recommend(&p, n.clamp(1, STORED), true).await?;
        let helps = [Action::HelpHardship, Action::KeepLedger]
            .into_iter()
            .any(|a| access::can(actor, a, &Resource::at(&p.programme_path)).is_some());
        if !helps {
            for r in &mut out {
                r.fits.retain(|x| x.factor != "hardship");
            }
        }
        Ok(out)
    }

    /// Records the caller's feedback on a posting they may read.
    pub async fn feedback(
        &self,
        actor: &Actor,
        posting: Uuid,
        feedback: jiuye_domain::matching::recommend::Feedback,
    ) -> Result<(), Error> {
        let graduate = self.own(actor)?;
        readers::readable(self.store, self.readers, Some(actor), posting, self.today).await?;
        self.store.set_match_feedback(graduate, posting, feedback.id(), Utc::now()).await?;
        Ok(())
    }

    /// Computes and stores the matches of these graduates (hardship files first). Returns how
    /// many were stored.
    pub async fn refresh(&self, profiles: &[MatchProfile]) -> Result<usize, Error> {
        let mut order: Vec<&MatchProfile> = profiles.iter().collect();
        order.sort_by_key(|p| !p.hardship);
        let mut batch = Vec::with_capacity(order.len());
        for p in order {
            let recs = self.recommend(p, STORED, false).await?;
            let at = Utc::now();
            let rows = recs
                .into_iter()
                .enumerate()
                .map(|(i, r)| MatchRow {
                    rank: i as i32 + 1,
                    posting_id: r.posting_id,
                    score: f64::from(r.score),
                    reasons: serde_json::to_string(&r.fits).unwrap_or_else(|_| "[]".into()),
                    computed_at: at,
                })
                .collect();
            batch.push((p.graduate_id, rows));
        }
        self.store.replace_matches(&batch).await?;
        Ok(batch.len())
    }

    /// The organisation staff act on: `org` (a code) or their own first scope; `403` when they
    /// may not push matches there.
    pub async fn staff_scope(&self, actor: &Actor, org: Option<&str>) -> Result<String, Error> {
        let path = match org {
            Some(code) => {
                let unknown = || Error::not_found(ErrorCode::OrgNotFound, "没有这个组织");
                let code = jiuye_domain::OrgCode::parse(code).map_err(|_| unknown())?;
                self.store.org_by_code(&code).await?.ok_or_else(unknown)?.path
            }
            None => {
                access::choosable_scopes(actor, Action::PushMatches).into_iter().next().ok_or_else(Error::forbidden)?
            }
        };
        access::can(actor, Action::PushMatches, &Resource::at(&path)).ok_or_else(Error::forbidden)?;
        Ok(path)
    }

    /// Staff: refreshes the stored matches of the graduates at or under `org_path` (their
    /// scope), hardship files first within each page, at most [`PUSH_AT_MOST`] per request so
    /// that a request stays short (`jiuye match --all` refreshes a whole node). Returns how many
    /// graduates.
    pub async fn push(&self, actor: &Actor, org_path: &str) -> Result<usize, Error> {
        access::can(actor, Action::PushMatches, &Resource::at(org_path)).ok_or_else(Error::forbidden)?;
        self.pool.catch_up(self.store, self.refdata).await?;
        let mut done = 0;
        let mut after = None;
        loop {
            let page = self.store.match_profiles_after(after, 1_000).await?;
            let Some(last) = page.last() else { break };
            after = Some(last.graduate_id);
            let mut mine: Vec<MatchProfile> =
                page.into_iter().filter(|p| access::within(&p.programme_path, org_path)).collect();
            mine.truncate(PUSH_AT_MOST - done);
            done += self.refresh(&mine).await?;
            if done >= PUSH_AT_MOST {
                break;
            }
        }
        Ok(done)
    }

    /// Staff: per college at or under `org_path`, graduates with at least three stored matches,
    /// and the same for graduates in difficulty.
    pub async fn coverage(
        &self,
        actor: &Actor,
        org_path: &str,
        cohort: Option<i32>,
    ) -> Result<Vec<jiuye_store::matching::CoverageRow>, Error> {
        access::can(actor, Action::PushMatches, &Resource::at(org_path)).ok_or_else(Error::forbidden)?;
        Ok(self.store.match_coverage(&[org_path.to_owned()], cohort, ENOUGH).await?)
    }
}

/// The reading rule on the store's current row, plus the risk rule of matching.
fn still_readable(row: &PostingRow, reader: &posting::Reader, hidden: &[Uuid], today: NaiveDate) -> bool {
    let Some(visibility) = Visibility::from_id(&row.posting.visibility) else { return false };
    let facts = posting::PostingFacts {
        status: row.posting.status,
        deadline: row.posting.deadline,
        visibility,
        scope_path: &row.scope_path,
        employer_blacklisted: row.employer_verification == jiuye_domain::employer::Verification::Blacklisted,
        employer_hidden: hidden.binary_search(&row.posting.employer_id).is_ok(),
    };
    row.posting.risk_level == "low" && posting::readable(reader, &facts, today)
}

fn view_of(p: &MatchProfile) -> IntentionsView {
    let i = p.intentions.as_ref();
    IntentionsView {
        intentions: i.map(intentions_of).unwrap_or_default(),
        skills: i.map(|i| i.skills.clone()).unwrap_or_default(),
        certificates: i.map(|i| i.certificates.clone()).unwrap_or_default(),
        resume_chars: i.map_or(0, |i| i.resume_text.chars().count()),
        opted_in: p.opted_in,
    }
}
