//! Counselor follow-up (跟踪指导): contacts with each graduate, logged in a minute from a phone,
//! and the lists that tell a counselor whom to reach today (no destination and no contact for 14
//! days, a promised next step due, anxiety noted).
//!
//! The summary and the state of mind are sealed at rest, each bound to its row. The state of mind
//! is shown to those who follow the graduate up (their counselor, their college's leader, the
//! career centre); the mark that the graduate needs professional help only to their counselor
//! and their college's leader. Every read of a graduate's contacts is in the read log.

use chrono::{DateTime, NaiveDate, Utc};
use jiuye_domain::access::{self, Action, Actor, Resource, ScopedGrant};
use jiuye_domain::destination::counts_placed as placed;
use jiuye_domain::followup::{self, Channel, ContactError, Flag, Mood, Need, RawContact, Standing};
use jiuye_domain::read_log::ReadKind;
use jiuye_security::seal::KeyRing;
use jiuye_store::Repository;
use jiuye_store::destinations::{GraduateListItem, GraduateQuery, GraduateView};
use jiuye_store::followup::{ContactRecord, ContactRow};
use uuid::Uuid;

use crate::read_log::{Read, Reads};
use crate::sealing::{self, Place};
use crate::{Error, ErrorCode, ErrorKind};

/// A contact's summary (`followup_contacts.summary`).
pub const SUMMARY: Place = Place { table: "followup_contacts", column: "summary" };
/// A contact's state of mind (`followup_contacts.mood`).
pub const MOOD: Place = Place { table: "followup_contacts", column: "mood" };

/// The most contacts one graduate's log shows.
const LOG_LIMIT: i64 = 200;

/// The follow-up use cases on a node, with the day flags are read against.
#[derive(Clone, Copy)]
pub struct FollowUp<'a> {
    pub store: &'a dyn Repository,
    pub keys: &'a KeyRing,
    pub today: NaiveDate,
}

/// A contact as its reader may see it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContactView {
    pub id: Uuid,
    pub on: NaiveDate,
    pub channel: Channel,
    pub by_name: String,
    pub summary: String,
    pub needs: Vec<Need>,
    pub other_need: String,
    /// The state of mind (1–5), when noted.
    pub mood: Option<u8>,
    /// Needs professional help; `None` when the reader may not see the mark.
    pub professional_help: Option<bool>,
    pub next_step: String,
    pub next_due: Option<NaiveDate>,
    pub created_at: DateTime<Utc>,
}

impl ContactView {
    fn mood(&self) -> Option<Mood> {
        Mood::new(self.mood?, self.professional_help.unwrap_or(false))
    }
}

/// One graduate's follow-up: who they are, their contacts (newest first) and today's flags.
#[derive(Clone, Debug)]
pub struct GraduateLog {
    pub graduate: GraduateView,
    pub contacts: Vec<ContactView>,
    pub flags: Vec<Flag>,
    /// The reader may see the professional-help mark (and set it).
    pub sees_help_mark: bool,
}

/// A graduate in a counselor's list, with the last contact and today's flags.
#[derive(Clone, Debug)]
pub struct RosterItem {
    pub graduate: GraduateListItem,
    pub last: Option<ContactView>,
    pub flags: Vec<Flag>,
}

fn unprocessable(code: ErrorCode, message: impl Into<String>) -> Error {
    Error::new(ErrorKind::Unprocessable, code, message)
}

fn invalid(e: &ContactError) -> Error {
    let code = match e {
        ContactError::Channel => ErrorCode::InvalidChannel,
        ContactError::Need(_) => ErrorCode::InvalidNeed,
        ContactError::Mood => ErrorCode::InvalidMood,
        ContactError::Date | ContactError::Due => ErrorCode::InvalidDate,
        ContactError::Summary => ErrorCode::InvalidText,
        ContactError::TooLong(_) => ErrorCode::TextTooLong,
    };
    unprocessable(code, e.message())
}

fn missing() -> Error {
    Error::not_found(ErrorCode::GraduateNotFound, "找不到该毕业生")
}

impl FollowUp<'_> {
    /// The psychology contact of the university of the programme at `programme_path`.
    async fn contact_of(&self, programme_path: &str) -> Result<Option<Uuid>, Error> {
        let Some(code) = programme_path.split('/').nth(2).and_then(|c| jiuye_domain::OrgCode::parse(c).ok()) else {
            return Ok(None);
        };
        let Some(uni) = self.store.org_by_code(&code).await? else { return Ok(None) };
        Ok(self.store.psychology_contact(uni.id).await?)
    }

    /// Whether `actor` sees (and may set) the professional-help mark of a graduate of the
    /// programme at `programme_path`.
    async fn sees_help_mark(&self, actor: &Actor, programme_path: &str) -> Result<bool, Error> {
        if access::can(actor, Action::SeeProfessionalHelp, &Resource::at(programme_path)).is_some() {
            return Ok(true);
        }
        let contact = self.contact_of(programme_path).await?;
        Ok(access::sees_professional_help(actor, programme_path, contact))
    }

    /// Appoints the career centre's psychology contact of a university (`org`, default the
    /// caller's own): a career-centre account there (`username`), or nobody (`None`). Answers
    /// the university and the grant it was done under.
    pub async fn appoint_psychology_contact(
        &self,
        actor: &Actor,
        org: Option<&str>,
        username: Option<&str>,
    ) -> Result<(jiuye_domain::Org, ScopedGrant), Error> {
        let code = match org.map(str::trim).filter(|o| !o.is_empty()) {
            Some(c) => c.to_owned(),
            None => {
                let scope = access::scope_paths(actor, Action::AppointPsychologyContact);
                let first = scope.first().ok_or_else(Error::forbidden)?;
                first.rsplit('/').next().unwrap_or_default().to_owned()
            }
        };
        let uni = crate::orgs::by_code(self.store, &code).await?;
        let grant =
            crate::access::authorize(actor, Action::AppointPsychologyContact, &Resource::at(&uni.path))?.clone();
        if uni.kind != jiuye_domain::OrgKind::University {
            return Err(unprocessable(ErrorCode::InvalidOrg, "心理联络人按高校指定"));
        }
        let user = match username.map(str::trim).filter(|u| !u.is_empty()) {
            None => None,
            Some(name) => {
                let refuse = || {
                    unprocessable(
                        ErrorCode::InvalidHelper,
                        format!("“{name}”不是本校就业指导中心的账号，不能担任心理联络人"),
                    )
                };
                let u = self.store.user_by_username(name).await?.ok_or_else(refuse)?;
                let grants: Vec<ScopedGrant> = self.store.grants_of(u.id).await?.into_iter().map(|g| g.grant).collect();
                if !access::may_be_psychology_contact(&grants, &uni.path) {
                    return Err(refuse());
                }
                Some(u.id)
            }
        };
        self.store.set_psychology_contact(uni.id, user, actor.user_id, Utc::now()).await?;
        Ok((uni, grant))
    }

    /// The psychology contact of the caller's university (their display name and username), for
    /// those who follow its graduates up.
    pub async fn psychology_contact(&self, actor: &Actor) -> Result<Option<(String, String)>, Error> {
        let scope = access::scope_paths(actor, Action::FollowUp);
        let Some(path) = scope.first() else { return Err(Error::forbidden()) };
        let Some(id) = self.contact_of(path).await? else { return Ok(None) };
        Ok(self.store.user_by_id(id).await?.map(|u| (u.display_name, u.username)))
    }

    fn hardship(&self) -> crate::hardship::Hardship<'_> {
        crate::hardship::Hardship { store: self.store, keys: self.keys, today: self.today }
    }

    /// The graduate `id` with the grant under which `actor` follows them up; `404` for anyone
    /// else (nobody learns that the graduate exists).
    async fn followed<'g>(&self, actor: &'g Actor, id: Uuid) -> Result<(GraduateView, &'g ScopedGrant), Error> {
        let g = self.store.graduate_view(id).await?.ok_or_else(missing)?;
        let grant = access::can(actor, Action::FollowUp, &Resource::at(&g.programme_path)).ok_or_else(missing)?;
        Ok((g, grant))
    }

    /// Opens a stored contact for a reader who may (`help_mark`) or may not see the mark.
    fn open(&self, row: ContactRow, help_mark: bool) -> Result<ContactView, Error> {
        let c = row.contact;
        let summary = sealing::open_text(self.keys, SUMMARY, c.id, &c.summary)?;
        let mood = match &c.mood {
            Some(sealed) => {
                let text = sealing::open_text(self.keys, MOOD, c.id, sealed)?;
                Some(
                    Mood::decode(&text)
                        .ok_or_else(|| sealing::corrupt(MOOD, c.id, &jiuye_security::SecurityError::Malformed))?,
                )
            }
            None => None,
        };
        Ok(ContactView {
            id: c.id,
            on: c.on_day,
            channel: Channel::from_id(&c.channel).unwrap_or(Channel::InPerson),
            by_name: row.by_name,
            summary,
            needs: c.needs.split(',').filter_map(Need::from_id).collect(),
            other_need: c.other_need,
            mood: mood.map(|m| m.scale),
            professional_help: mood.filter(|_| help_mark).map(|m| m.professional_help),
            next_step: c.next_step,
            next_due: c.next_due,
            created_at: c.created_at,
        })
    }

    /// Today's flags of a graduate given their last contact (and whether they are in the hardship
    /// ledger, visible to the reader, without an approved plan).
    fn flags(&self, placed: bool, last: Option<&ContactView>, no_plan: bool) -> Vec<Flag> {
        let standing = Standing {
            placed,
            last_contact: last.map(|c| c.on),
            step_due: last.and_then(|c| c.next_due),
            mood: last.and_then(ContactView::mood),
            no_plan,
        };
        followup::flags(&standing, self.today)
    }

    /// Logs a contact with graduate `id`; answers it as the caller sees it, with the grant it was
    /// logged under.
    pub async fn log(
        &self,
        actor: &Actor,
        id: Uuid,
        raw: &RawContact<'_>,
    ) -> Result<(ContactView, GraduateView, ScopedGrant), Error> {
        let (g, grant) = self.followed(actor, id).await?;
        let grant = grant.clone();
        let help_mark = self.sees_help_mark(actor, &g.programme_path).await?;
        // Only those who may see the mark may set it.
        let raw = RawContact { professional_help: raw.professional_help && help_mark, ..raw.clone() };
        let c = followup::check(&raw, self.today).map_err(|e| invalid(&e))?;
        let contact_id = Uuid::now_v7();
        let record = ContactRecord {
            id: contact_id,
            graduate_id: id,
            on_day: c.on,
            channel: c.channel.id().to_owned(),
            by_user: actor.user_id,
            needs: c.needs.iter().map(|n| n.id()).collect::<Vec<_>>().join(","),
            other_need: c.other_need,
            summary: sealing::seal_text(self.keys, SUMMARY, contact_id, &c.summary)?,
            mood: c.mood.map(|m| sealing::seal_text(self.keys, MOOD, contact_id, &m.encode())).transpose()?,
            next_step: c.next_step,
            next_due: c.next_due,
            created_at: Utc::now(),
        };
        self.store.add_contact(&record).await?;
        let row =
            ContactRow { contact: record, by_name: actor.username.clone(), programme_path: g.programme_path.clone() };
        let view = self.open(row, help_mark)?;
        Ok((view, g, grant))
    }

    /// Graduate `id`'s contacts, newest first, with today's flags (a sensitive read: logged).
    pub async fn graduate_log(&self, actor: &Actor, id: Uuid, reads: Reads<'_>) -> Result<GraduateLog, Error> {
        let (g, grant) = self.followed(actor, id).await?;
        let help_mark = self.sees_help_mark(actor, &g.programme_path).await?;
        let read = Read {
            kind: ReadKind::FollowUp,
            subject_id: Some(id),
            subject_path: Some(g.programme_path.clone()),
            filter: None,
            rows: 1,
        };
        reads.note(actor, Some(grant), read).await?;
        let rows = self.store.contacts(id, LOG_LIMIT).await?;
        let contacts = rows.into_iter().map(|r| self.open(r, help_mark)).collect::<Result<Vec<_>, _>>()?;
        let placed = placed(g.graduate.dest_status, g.graduate.dest_code.as_deref());
        let no_plan = self
            .hardship()
            .without_plan(actor, std::slice::from_ref(&g.programme_path), Some(g.graduate.cohort))
            .await?;
        let flags = self.flags(placed, contacts.first(), no_plan.contains(&id));
        Ok(GraduateLog { graduate: g, contacts, flags, sees_help_mark: help_mark })
    }

    /// The subtree to list: the organisation `org` (its code, inside the caller's follow-up
    /// scope) or the whole scope.
    async fn scope(&self, actor: &Actor, org: Option<&str>) -> Result<(Vec<String>, Option<String>), Error> {
        let scope = access::scope_paths(actor, Action::FollowUp);
        if scope.is_empty() {
            return Err(Error::forbidden());
        }
        let path = match org.map(str::trim).filter(|o| !o.is_empty()) {
            Some(code) => {
                let org = crate::orgs::by_code(self.store, code).await?;
                crate::access::authorize(actor, Action::FollowUp, &Resource::at(&org.path))?;
                Some(org.path)
            }
            None => None,
        };
        Ok((scope, path))
    }

    /// Every graduate of `cohort` the caller follows up (under `org` when given; whose name or
    /// 学号 contains `q` when given), in 学号 order, with their last contact and today's flags;
    /// the list read is logged.
    pub async fn roster(
        &self,
        actor: &Actor,
        org: Option<&str>,
        cohort: i32,
        q: Option<&str>,
        reads: Reads<'_>,
    ) -> Result<Vec<RosterItem>, Error> {
        let (scope, path) = self.scope(actor, org).await?;
        let items = self.collect(actor, &scope, path.as_deref(), cohort, q).await?;
        let where_ = path.or_else(|| scope.first().cloned());
        let filter = format!("followup cohort={cohort}{}", q.map(|q| format!(" q={q}")).unwrap_or_default());
        reads.list(actor, where_.as_deref(), filter, items.len()).await?;
        Ok(items)
    }

    /// How many graduates of `cohort` the caller follows up have a flag today (a count only:
    /// nobody is named, nothing is logged). `None` for those who follow nobody up.
    pub async fn flagged_count(&self, actor: &Actor, cohort: i32) -> Result<Option<i64>, Error> {
        let scope = access::scope_paths(actor, Action::FollowUp);
        if scope.is_empty() {
            return Ok(None);
        }
        let items = self.collect(actor, &scope, None, cohort, None).await?;
        Ok(Some(items.iter().filter(|r| !r.flags.is_empty()).count() as i64))
    }

    async fn collect(
        &self,
        actor: &Actor,
        scope: &[String],
        path: Option<&str>,
        cohort: i32,
        q: Option<&str>,
    ) -> Result<Vec<RosterItem>, Error> {
        let mut graduates = Vec::new();
        loop {
            let query = GraduateQuery {
                scope_paths: scope.to_vec(),
                org_path: path.map(str::to_owned),
                cohort: Some(cohort),
                q: q.map(str::to_owned),
                limit: jiuye_store::MAX_PAGE,
                offset: graduates.len() as i64,
                ..GraduateQuery::default()
            };
            let (page, total) = self.store.list_graduates(&query).await?;
            let got = page.len();
            graduates.extend(page);
            if got == 0 || graduates.len() as i64 >= total {
                break;
            }
        }
        let paths = match path {
            Some(p) => vec![p.to_owned()],
            None => scope.to_vec(),
        };
        let latest = self.store.latest_contacts_under(&paths, cohort).await?;
        let no_plan = self.hardship().without_plan(actor, &paths, Some(cohort)).await?;
        let mut by_graduate = std::collections::HashMap::new();
        for row in latest {
            by_graduate.insert(row.contact.graduate_id, row);
        }
        let mut out = Vec::with_capacity(graduates.len());
        let mut marks = std::collections::HashMap::new();
        for g in graduates {
            let last = match by_graduate.remove(&g.id) {
                Some(row) => {
                    let help_mark = match marks.get(&row.programme_path) {
                        Some(m) => *m,
                        None => {
                            let m = self.sees_help_mark(actor, &row.programme_path).await?;
                            marks.insert(row.programme_path.clone(), m);
                            m
                        }
                    };
                    Some(self.open(row, help_mark)?)
                }
                None => None,
            };
            let flags =
                self.flags(placed(g.dest_status, g.dest_code.as_deref()), last.as_ref(), no_plan.contains(&g.id));
            out.push(RosterItem { graduate: g, last, flags });
        }
        Ok(out)
    }

    /// The graduates with a flag today, most urgent first (then by 学号).
    pub async fn alerts(
        &self,
        actor: &Actor,
        org: Option<&str>,
        cohort: i32,
        reads: Reads<'_>,
    ) -> Result<Vec<RosterItem>, Error> {
        let mut flagged: Vec<RosterItem> =
            self.roster(actor, org, cohort, None, reads).await?.into_iter().filter(|r| !r.flags.is_empty()).collect();
        flagged.sort_by(|a, b| {
            a.flags[0].cmp(&b.flags[0]).then_with(|| a.graduate.student_no.cmp(&b.graduate.student_no))
        });
        Ok(flagged)
    }
}

#[cfg(test)]
mod tests {
    use jiuye_domain::access::Role;
    use jiuye_domain::{OrgCode, OrgKind, RefData, SchoolCode};
    use jiuye_store::sqlite::SqliteStore;

    use super::*;
    use crate::sealing::{Sealed, seal_at_rest};
    use crate::test_support::{NO_PASSWORD, account, child};

    #[tokio::test]
    async fn a_rotation_seals_contacts_anew_and_the_mark_stays_with_those_who_may_see_it() {
        let dir = std::env::temp_dir().join(format!("jiuye-followup-{}", Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).unwrap();
        let store = SqliteStore::open(&dir.join("jiuye.db")).await.unwrap();
        let s: &dyn Repository = &store;
        s.sync_reference_data(&RefData::load().unwrap()).await.unwrap();
        let node = s.node().await.unwrap().node_id;
        let scu = s.org_by_code(&OrgCode::parse("4151010610").unwrap()).await.unwrap().unwrap();
        let school = SchoolCode::parse("4151010610").unwrap();
        let cs = child(node, &scu, OrgCode::college(&school, 1), OrgKind::College, "计算机学院", None);
        let code = OrgCode::programme(&cs.code, &jiuye_domain::MajorCode::parse("080901").unwrap());
        let major = child(node, &cs, code, OrgKind::Programme, "计算机科学与技术", Some("080901"));
        s.upsert_orgs(&[cs.clone(), major.clone()]).await.unwrap();
        let g = crate::test_support::graduate(node, &scu, &cs, &major, "2019141460001", "张三");
        s.insert_graduates(std::slice::from_ref(&g)).await.unwrap();
        let counselor = account(s, "c", &cs, Role::Counselor, None, NO_PASSWORD).await;
        let career = account(s, "k", &scu, Role::CareerStaff, None, NO_PASSWORD).await;
        let keys = KeyRing::generate().unwrap();
        let log = crate::read_log::ReadLog::disabled();
        let reads = Reads { log: &log, ip: None };
        let today = chrono::NaiveDate::from_ymd_opt(2023, 5, 20).unwrap();
        let f = FollowUp { store: s, keys: &keys, today };
        let needs = vec!["emotional".to_owned()];
        let raw = RawContact {
            on: today,
            channel: "phone",
            summary: "压力大，约好下周面谈",
            needs: &needs,
            mood: Some(2),
            professional_help: true,
            ..RawContact::default()
        };
        f.log(&counselor, g.id, &raw).await.unwrap();

        let mut newer = KeyRing::parse(&keys.to_file()).unwrap();
        newer.add_new_key().unwrap();
        let done = seal_at_rest(s, &newer, &dir.join("files")).await.unwrap();
        assert_eq!(done, Sealed { sealed: 0, resealed: 1, current: 0, skipped: 0 });
        let again = seal_at_rest(s, &newer, &dir.join("files")).await.unwrap();
        assert_eq!(again, Sealed { sealed: 0, resealed: 0, current: 1, skipped: 0 });

        let f = FollowUp { store: s, keys: &newer, today };
        let mine = f.graduate_log(&counselor, g.id, reads).await.unwrap();
        let c = &mine.contacts[0];
        assert_eq!((c.summary.as_str(), c.mood, c.professional_help), ("压力大，约好下周面谈", Some(2), Some(true)));
        assert_eq!(mine.flags, [Flag::Anxious]);
        let theirs = f.graduate_log(&career, g.id, reads).await.unwrap();
        assert_eq!((theirs.contacts[0].mood, theirs.contacts[0].professional_help), (Some(2), None));
        assert!(!theirs.sees_help_mark);
        // The career centre's list flags the scale, not the confidential mark.
        let roster = f.roster(&career, None, 2023, None, reads).await.unwrap();
        assert_eq!(roster[0].flags, [Flag::Anxious]);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
