//! Job postings (招聘岗位): scam screening of a draft, submission and editing by a verified
//! employer's own account, reading under the visibility rules, the list of open postings,
//! reports from readers, withdrawal by the employer, and the review queue and decisions of the
//! staff of the scope a posting appears in. Every change re-reads the posting into the search index before
//! it answers.

pub mod readers;

use chrono::{DateTime, NaiveDate, Utc};
use jiuye_domain::access::{self, Action, Actor, Resource, Role, ScopedGrant};
use jiuye_domain::employer::Verification;
use jiuye_domain::posting::{self, PostingFields, PostingStatus, Visibility};
use jiuye_domain::screening::{self, Screening};
use jiuye_domain::text;
use jiuye_domain::{Org, OrgCode, RefData};
use jiuye_store::Repository;
use jiuye_store::employers::EmployerRecord;
use jiuye_store::postings::{PostingRecord, PostingRow};
use uuid::Uuid;

use crate::employers::ScamOutcome;
use crate::safety::rules::RuleBook;
use crate::search::LiveIndex;
use crate::{Error, ErrorCode, ErrorKind};
use readers::{ReaderCache, missing};

/// What the posting use cases work with: the store, the code lists, the search index to keep
/// current, the readers' scopes, and the date the deadlines are read against.
#[derive(Clone, Copy)]
pub struct Postings<'a> {
    pub store: &'a dyn Repository,
    pub refdata: &'a RefData,
    pub index: &'a LiveIndex,
    pub readers: &'a ReaderCache,
    pub today: NaiveDate,
    /// The node's screening rules (shipped, or the data directory's `scam_rules.toml`).
    pub rules: &'a RuleBook,
}

/// The text of a draft that screening reads, and the place of work (a GB/T 2260 code) whose
/// province's minimum wage the pay is checked against.
#[derive(Clone, Debug, Default)]
pub struct DraftText<'a> {
    pub draft: screening::Draft<'a>,
    pub region: Option<&'a str>,
}

/// A posting as the employer fills it in: its fields (checked by
/// `jiuye_domain::posting::check_fields` once trimmed), where it appears and its themed
/// campaigns.
#[derive(Clone, Debug)]
pub struct PostingForm<'a> {
    pub fields: PostingFields<'a>,
    /// `university`, `alliance`, `province` or `nation`.
    pub visibility: &'a str,
    /// The code of the university, alliance or province it appears in (none for the nation).
    pub scope: Option<&'a str>,
    pub specials: &'a [String],
}

/// A reader's report that a posting looks wrong.
#[derive(Clone, Debug)]
pub struct Report {
    pub reason: String,
    pub at: DateTime<Utc>,
}

fn unprocessable(code: ErrorCode, message: impl Into<String>) -> Error {
    Error::new(ErrorKind::Unprocessable, code, message)
}

/// The employer the caller's account belongs to, when it may post jobs: `403 forbidden` for
/// anyone else, `422 employer_not_verified` while it is not verified (or blacklisted).
pub async fn own_employer(store: &dyn Repository, actor: &Actor) -> Result<EmployerRecord, Error> {
    let id = access::subject_of(actor, Role::Employer)
        .ok_or_else(|| Error::new(ErrorKind::Forbidden, ErrorCode::Forbidden, "只有用人单位账号可以发布职位"))?;
    let e = store.employer_by_id(id).await?.ok_or_else(Error::forbidden)?;
    let org_path = store.org_position(e.org_id).await?.map(|(_, _, p)| p).unwrap_or_default();
    crate::access::authorize(actor, Action::PostJob, &Resource::owned(&org_path, e.id))?;
    if e.verification != Verification::Verified {
        return Err(unprocessable(
            ErrorCode::EmployerNotVerified,
            format!("{} 尚未通过审核（或已被列入黑名单），审核通过后才能发布职位", e.name),
        ));
    }
    Ok(e)
}

/// The reports on a posting, oldest first.
pub async fn reports_of(store: &dyn Repository, id: Uuid) -> Result<Vec<Report>, Error> {
    Ok(store.posting_reports(id).await?.into_iter().map(|(reason, at)| Report { reason, at }).collect())
}

fn province_of(org: &Org) -> Option<String> {
    let seg = org.path.split('/').nth(1)?;
    (seg.len() == 6 && seg.ends_with("0000")).then(|| seg.to_owned())
}

impl Postings<'_> {
    /// Screens a draft against the shipped rules and the minimum wage of its province; stores
    /// nothing.
    pub async fn screen(&self, d: &DraftText<'_>) -> Result<Screening, Error> {
        let draft = &d.draft;
        text::check_len("职位名称", draft.title, text::TITLE)?;
        text::check_len("职位描述", draft.description, text::DESCRIPTION)?;
        for v in [draft.salary_min, draft.salary_max].into_iter().flatten() {
            if !(0..=10_000_000).contains(&v) {
                return Err(unprocessable(ErrorCode::InvalidSalary, "月薪应在 0 到 10000000 元之间"));
            }
        }
        let region = d.region.map(str::trim).unwrap_or("");
        let wage = if region.is_empty() {
            None
        } else {
            if self.refdata.region(region).is_none() {
                return Err(unprocessable(
                    ErrorCode::InvalidRegion,
                    format!("工作地点代码 {region} 不在现行行政区划代码中"),
                ));
            }
            let province = region
                .get(..2)
                .filter(|p| p.bytes().all(|b| b.is_ascii_digit()))
                .ok_or_else(|| unprocessable(ErrorCode::InvalidRegion, format!("工作地点代码 {region} 无效")))?;
            self.store.min_wage(&format!("{province}0000")).await?
        };
        Ok(screening::screen(&self.rules.current(), draft, wage))
    }

    async fn scope_org(&self, visibility: Visibility, scope: Option<&str>) -> Result<Org, Error> {
        let code = match visibility {
            Visibility::Nation => OrgCode::nation().to_string(),
            _ => scope
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .ok_or_else(|| unprocessable(ErrorCode::InvalidScope, "请填写职位面向的高校、联盟或省份代码"))?,
        };
        let org = match OrgCode::parse(code.trim()) {
            Ok(c) => self.store.org_by_code(&c).await?,
            Err(_) => None,
        };
        org.filter(|o| o.kind == visibility.org_kind())
            .ok_or_else(|| unprocessable(ErrorCode::InvalidScope, format!("“{code}”不是{}的代码", visibility.id())))
    }

    /// The record a form makes for `employer` (its screening decides whether it waits for
    /// review or is held).
    async fn build(&self, form: &PostingForm<'_>, employer: &EmployerRecord) -> Result<PostingRecord, Error> {
        let f = &form.fields;
        let majors: Vec<String> = f.majors.iter().map(|m| m.trim().to_owned()).filter(|m| !m.is_empty()).collect();
        let fields = PostingFields {
            title: f.title.trim(),
            description: f.description.trim(),
            region: f.region.trim(),
            position: f.position.trim(),
            education: f.education.trim(),
            majors: &majors,
            openings: f.openings,
            salary_min: f.salary_min,
            salary_max: f.salary_max,
            deadline: f.deadline.trim(),
            contact: f.contact.trim(),
            apply_method: f.apply_method.trim(),
            occupation: f.occupation.trim(),
        };
        let problems = posting::check_fields(self.refdata, &fields, self.today);
        if let Some(first) = problems.first() {
            let message = problems.iter().map(|p| p.message.as_str()).collect::<Vec<_>>().join("；");
            return Err(unprocessable(first.code, message));
        }
        let deadline = NaiveDate::parse_from_str(fields.deadline, "%Y-%m-%d")
            .map_err(|_| unprocessable(ErrorCode::InvalidDeadline, "截止日期应为 YYYY-MM-DD"))?;
        let visibility = Visibility::from_id(form.visibility.trim()).ok_or_else(|| {
            unprocessable(ErrorCode::InvalidVisibility, "可见范围应为 university、alliance、province 或 nation")
        })?;
        let scope = self.scope_org(visibility, form.scope).await?;
        let mut specials: Vec<String> = Vec::new();
        for id in form.specials.iter().map(|s| s.trim()).filter(|s| !s.is_empty()) {
            let sp = posting::specials()
                .iter()
                .find(|x| x.id == id)
                .ok_or_else(|| unprocessable(ErrorCode::InvalidSpecial, format!("没有 id 为 {id} 的专场")))?;
            let scope_province = province_of(&scope);
            if let Some(why) = sp.refuses(employer.size_class.as_deref(), fields.region, scope_province.as_deref()) {
                return Err(unprocessable(ErrorCode::SpecialNotEligible, why));
            }
            if !specials.iter().any(|x| x == id) {
                specials.push(id.to_owned());
            }
        }
        let screening = self
            .screen(&DraftText {
                draft: screening::Draft {
                    title: fields.title,
                    description: fields.description,
                    salary_min: fields.salary_min,
                    salary_max: fields.salary_max,
                    contact: Some(fields.contact),
                },
                region: Some(fields.region),
            })
            .await?;
        let now = Utc::now();
        Ok(PostingRecord {
            id: Uuid::now_v7(),
            employer_id: employer.id,
            title: fields.title.to_owned(),
            description: fields.description.to_owned(),
            region_code: fields.region.to_owned(),
            position_code: fields.position.to_owned(),
            education: fields.education.to_owned(),
            majors: majors.join(","),
            openings: fields.openings,
            salary_min: fields.salary_min,
            salary_max: fields.salary_max,
            deadline,
            contact: fields.contact.to_owned(),
            apply_method: fields.apply_method.to_owned(),
            visibility: visibility.id().to_owned(),
            scope_org_id: scope.id,
            specials: specials.join(","),
            status: posting::state_after_screening(screening.level),
            risk_level: screening.level.id().to_owned(),
            risk_reasons: serde_json::to_string(&screening.reasons).unwrap_or_else(|_| "[]".into()),
            reviewed_by: None,
            reviewed_at: None,
            review_note: None,
            created_by: Uuid::nil(),
            created_at: now,
            updated_at: now,
            origin_node: self.store.node().await?.node_id,
            version: 1,
            occupation: (!fields.occupation.is_empty()).then(|| fields.occupation.to_owned()),
        })
    }

    async fn reindex(&self, ids: &[Uuid]) -> Result<(), Error> {
        self.index.refresh(self.store, self.refdata, ids).await
    }

    /// Submits a posting for the caller's own verified employer: `pending`, or `held` when it
    /// screens high-risk.
    pub async fn submit(&self, actor: &Actor, form: &PostingForm<'_>) -> Result<PostingRow, Error> {
        let employer = own_employer(self.store, actor).await?;
        let mut record = self.build(form, &employer).await?;
        record.created_by = actor.user_id;
        self.store.add_posting(&record).await?;
        self.reindex(&[record.id]).await?;
        self.store.posting(record.id).await?.ok_or_else(|| Error::not_found(ErrorCode::PostingNotFound, "没有这个职位"))
    }

    /// Edits one of the caller's employer's postings and sends it back to review (404 for
    /// anyone else's).
    pub async fn edit(&self, actor: &Actor, id: Uuid, form: &PostingForm<'_>) -> Result<PostingRow, Error> {
        let old = self.store.posting(id).await?.ok_or_else(missing)?;
        let employer = own_employer(self.store, actor).await.map_err(|_| missing())?;
        if employer.id != old.posting.employer_id {
            return Err(missing());
        }
        let mut record = self.build(form, &employer).await?;
        record.id = id;
        record.created_by = old.posting.created_by;
        if !self.store.update_posting(&record).await? {
            return Err(missing());
        }
        self.reindex(&[id]).await?;
        self.store.posting(id).await?.ok_or_else(missing)
    }

    /// A posting `reader` may read (404 otherwise), with its reports when the reader reviews
    /// postings where it appears.
    pub async fn read(&self, reader: Option<&Actor>, id: Uuid) -> Result<(PostingRow, Option<Vec<Report>>), Error> {
        let row = match self.readable(reader, id).await {
            // Not this node's own: perhaps received from another node (shown, never changed,
            // applied to or reported here; its origin owns it).
            Err(e) if e.code == ErrorCode::PostingNotFound => {
                let row = crate::federation::receive::posting(self.store, self.refdata, id).await?;
                let row = readers::checked(self.store, self.readers, reader, row.ok_or(e)?, self.today).await?;
                return Ok((row, None));
            }
            r => r?,
        };
        let reviewer =
            reader.is_some_and(|a| access::can(a, Action::ApprovePosting, &Resource::at(&row.scope_path)).is_some());
        let reports = if reviewer { Some(reports_of(self.store, id).await?) } else { None };
        Ok((row, reports))
    }

    /// One of this node's own postings that `reader` may read, or `404 posting_not_found`.
    pub async fn readable(&self, reader: Option<&Actor>, id: Uuid) -> Result<PostingRow, Error> {
        readers::readable(self.store, self.readers, reader, id, self.today).await
    }

    /// Open postings `reader` may see (of one themed campaign when `special` is given), newest
    /// first, and how many there are.
    pub async fn open(
        &self,
        reader: Option<&Actor>,
        special: Option<&str>,
        limit: i64,
        offset: i64,
    ) -> Result<(Vec<PostingRow>, i64), Error> {
        let scopes = readers::scopes(self.store, self.readers, reader).await?;
        let hidden = readers::hidden_employers(self.store, reader).await?;
        let today = self.today.to_string();
        let special = special.map(str::trim).filter(|s| !s.is_empty());
        let ids: Vec<Uuid> = scopes.ids.iter().copied().collect();
        Ok(self.store.postings_visible(&ids, &hidden, &today, special, limit, offset).await?)
    }

    /// Reports a posting the caller can read (2–500 characters on what looks wrong); answers
    /// the posting's scope and whether this is the caller's first report of it.
    pub async fn report(&self, actor: &Actor, id: Uuid, reason: &str) -> Result<(String, bool), Error> {
        let row = self.readable(Some(actor), id).await?;
        let reason = reason.trim();
        text::check_len("举报理由", reason, text::REASON)?;
        if reason.chars().count() < 2 {
            return Err(unprocessable(ErrorCode::InvalidReason, "请用 2–500 个字说明可疑之处"));
        }
        let new = self.store.add_posting_report(id, actor.user_id, reason).await?;
        Ok((row.scope_path, new))
    }

    /// Withdraws one of the caller's employer's postings (at the version seen).
    pub async fn withdraw(&self, actor: &Actor, id: Uuid, version: i64) -> Result<PostingRow, Error> {
        let old = self.store.posting(id).await?.ok_or_else(missing)?;
        let employer = own_employer(self.store, actor).await.map_err(|_| missing())?;
        if employer.id != old.posting.employer_id {
            return Err(missing());
        }
        if old.posting.status == PostingStatus::Withdrawn {
            return Err(unprocessable(ErrorCode::PostingWithdrawn, "该职位已撤下"));
        }
        if !self.store.withdraw_posting(id, version).await? {
            return Err(Error::new(ErrorKind::Conflict, ErrorCode::VersionConflict, "职位已被修改，请刷新后重试"));
        }
        self.reindex(&[id]).await?;
        self.store.posting(id).await?.ok_or_else(missing)
    }

    /// The postings in one state (`pending` by default; `held`, `approved`, `rejected`,
    /// `reported`, or `recheck`: approved ones that changed rules rate high-risk) where the caller reviews, newest first, each with its reports.
    pub async fn queue(
        &self,
        actor: &Actor,
        status: Option<&str>,
        limit: i64,
        offset: i64,
    ) -> Result<(Vec<(PostingRow, Vec<Report>)>, i64), Error> {
        let status = status.map(str::trim).filter(|s| !s.is_empty()).unwrap_or("pending");
        if !["pending", "held", "approved", "rejected", "reported", "recheck"].contains(&status) {
            return Err(Error::bad_input(
                ErrorCode::InvalidStatus,
                "status 应为 pending、held、approved、rejected、reported 或 recheck",
            ));
        }
        let paths = access::scope_paths(actor, Action::ApprovePosting);
        if paths.is_empty() {
            return Err(Error::forbidden());
        }
        let (rows, total) = self.store.postings_in(&paths, &[status], limit, offset).await?;
        let mut items = Vec::with_capacity(rows.len());
        for r in rows {
            let reports = if r.report_count > 0 { reports_of(self.store, r.posting.id).await? } else { Vec::new() };
            items.push((r, reports));
        }
        Ok((items, total))
    }
}

/// A review decided: the posting as it is now, the grant it was decided under, and what was
/// decided (with what followed from a confirmed scam).
#[derive(Debug)]
pub struct Reviewed {
    pub posting: PostingRow,
    pub grant: ScopedGrant,
    pub detail: String,
}

impl Postings<'_> {
    /// Re-reads every posting of an employer into the search index (its verification changed).
    pub async fn reindex_employer(&self, employer: Uuid) -> Result<(), Error> {
        let ids: Vec<Uuid> = self.store.postings_of_employer(employer).await?.iter().map(|r| r.posting.id).collect();
        self.reindex(&ids).await
    }

    /// Decides a posting (staff of the scope it appears in; 404 for anyone else) at the version
    /// seen: `approve`, `reject`, `hold`, or `confirm_scam`, which rejects it and blacklists the
    /// employer (when the reviewer's scope covers its registration) or hides it within the
    /// reviewer's scope and reports it upwards. Anything but approving a low-risk posting needs
    /// a note.
    pub async fn review(
        &self,
        actor: &Actor,
        id: Uuid,
        decision: &str,
        note: Option<&str>,
        version: i64,
    ) -> Result<Reviewed, Error> {
        let r = self.store.posting(id).await?.ok_or_else(missing)?;
        let grant =
            access::can(actor, Action::ApprovePosting, &Resource::at(&r.scope_path)).ok_or_else(missing)?.clone();
        let decision = decision.trim();
        let status = match decision {
            "approve" => PostingStatus::Approved,
            "reject" | "confirm_scam" => PostingStatus::Rejected,
            "hold" => PostingStatus::Held,
            _ => {
                return Err(unprocessable(
                    ErrorCode::InvalidDecision,
                    "审核结论应为 approve、reject、hold 或 confirm_scam",
                ));
            }
        };
        let note = note.map(str::trim).filter(|n| !n.is_empty());
        text::check_opt("审核意见", note, text::REASON)?;
        let needs_note = status != PostingStatus::Approved || r.posting.risk_level == "high";
        if needs_note && note.is_none() {
            return Err(unprocessable(ErrorCode::NoteRequired, "驳回、暂缓或放行高风险职位时须填写审核意见"));
        }
        if r.posting.status == PostingStatus::Withdrawn {
            return Err(unprocessable(ErrorCode::PostingWithdrawn, "该职位已撤回"));
        }
        if !self.store.review_posting(id, version, status, actor.user_id, note).await? {
            return Err(Error::new(
                ErrorKind::Conflict,
                ErrorCode::VersionConflict,
                "职位在您审核期间已被修改，请刷新后重新审核",
            ));
        }
        let mut detail = decision.to_owned();
        if decision == "confirm_scam" {
            let reason = format!("确认招聘诈骗（职位“{}”）：{}", r.posting.title, note.unwrap_or_default());
            let employer = r.posting.employer_id;
            match crate::employers::confirm_scam(self.store, actor, &grant, employer, id, &reason).await? {
                ScamOutcome::Blacklisted => {
                    // Blacklisted everywhere: its other postings leave search and reading at once.
                    self.reindex_employer(employer).await?;
                    detail.push_str(&format!(" blacklisted employer:{}", r.employer_code));
                }
                // Hidden from the readers within the scope from the next request on (checked at
                // query time), and reported to the registering scope.
                ScamOutcome::HiddenIn(path) => {
                    detail.push_str(&format!(" hidden_in:{path} reported employer:{}", r.employer_code));
                }
            }
        }
        self.reindex(&[id]).await?;
        Ok(Reviewed { posting: self.store.posting(id).await?.ok_or_else(missing)?, grant, detail })
    }
}

/// The caller's employer's postings in every state.
pub async fn of_own_employer(store: &dyn Repository, actor: &Actor) -> Result<Vec<PostingRow>, Error> {
    let id = access::subject_of(actor, Role::Employer).ok_or_else(Error::forbidden)?;
    Ok(store.postings_of_employer(id).await?)
}
