//! The employer demand survey (社会需求调查): employers (or the staff who visit them) record the
//! roles, majors, numbers, skills and pay they expect to hire for; the answers add up by
//! industry, region and major class for every organisation that collected them. Recording is
//! `Action::RecordDemand` (staff inside their subtree, or the employer's own account for
//! itself); reading the sums adds those who see statistics.

use jiuye_domain::access::{self, Action, Actor, Resource, Role};
use jiuye_domain::demand::{self, Answer, DemandSummary, LineInput};
use jiuye_domain::{Org, RefData};
use jiuye_store::Repository;
use jiuye_store::campaign::{SurveyLine, SurveyRecord};
use jiuye_store::employers::EmployerRecord;
use uuid::Uuid;

use super::{home_org, org_by_text, refused, usable_employer};
use crate::access::authorize;
use crate::{Error, ErrorCode};

/// A survey answer as submitted.
#[derive(Clone, Debug, Default)]
pub struct SurveyInput {
    /// The employer's 统一社会信用代码.
    pub employer: String,
    /// The organisation collecting it (staff; default the first where they may record demand).
    /// Ignored for an employer's own account, whose answers go to the organisation that
    /// registered it.
    pub org: Option<String>,
    /// The graduating year the demand is for.
    pub year: i64,
    pub lines: Vec<LineInput>,
    pub notes: Option<String>,
}

/// A stored survey answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Saved {
    pub id: Uuid,
    /// The employer's credit code.
    pub employer: String,
    /// The collecting organisation's code and path.
    pub org: String,
    pub org_path: String,
    pub year: i64,
    pub lines: usize,
    /// True when an earlier answer of the same employer, organisation and year was replaced.
    pub replaced: bool,
}

/// The employer record of the actor's own employer account, if they have one.
pub async fn own_employer(store: &dyn Repository, actor: &Actor) -> Result<Option<EmployerRecord>, Error> {
    match access::subject_of(actor, Role::Employer) {
        Some(id) => Ok(store.employer_by_id(id).await?),
        None => Ok(None),
    }
}

/// Records an employer's demand for a year, replacing its earlier answer to the same
/// organisation for that year. The lines are checked against the code lists of `refdata`; every
/// problem is named in the refusal, under the first one's code.
pub async fn save(
    store: &dyn Repository,
    actor: &Actor,
    refdata: &RefData,
    input: &SurveyInput,
) -> Result<Saved, Error> {
    let employer = usable_employer(store, &input.employer).await?;
    let org: Org = if access::subject_of(actor, Role::Employer) == Some(employer.id) {
        store.org_by_id(employer.org_id).await?.ok_or_else(Error::forbidden)?
    } else {
        let code = match input.org.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            Some(c) => c.to_owned(),
            None => home_org(actor, &[Action::RecordDemand]).ok_or_else(Error::forbidden)?,
        };
        org_by_text(store, &code)
            .await?
            .ok_or_else(|| refused(ErrorCode::InvalidOrg, format!("没有代码为 {code} 的单位")))?
    };
    authorize(actor, Action::RecordDemand, &Resource::owned(&org.path, employer.id))?;
    if !(2000..=2100).contains(&input.year) {
        return Err(refused(ErrorCode::InvalidYear, "届别应为 2000–2100 之间的年份"));
    }
    let problems = demand::check_lines(refdata, &input.lines);
    if let Some(first) = problems.first() {
        let message = problems.iter().map(|p| p.message.as_str()).collect::<Vec<_>>().join("；");
        return Err(refused(first.code, message));
    }
    let record = SurveyRecord {
        id: Uuid::now_v7(),
        employer_id: employer.id,
        org_id: org.id,
        year: input.year,
        notes: {
            let notes = input.notes.as_deref().map(str::trim).filter(|s| !s.is_empty());
            jiuye_domain::text::check_opt("补充说明", notes, jiuye_domain::text::NOTES)?;
            notes.map(str::to_owned)
        },
        submitted_by: actor.user_id,
        origin_node: store.node().await?.node_id,
        lines: input
            .lines
            .iter()
            .map(|l| SurveyLine {
                role: l.role.trim().to_owned(),
                major_class: l.major_class.trim().to_owned(),
                education: l.education.trim().to_owned(),
                headcount: l.headcount,
                skills: l.skills.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned),
                salary_min: l.salary_min,
                salary_max: l.salary_max,
            })
            .collect(),
    };
    let (id, new) = store.save_survey(&record).await?;
    Ok(Saved {
        id,
        employer: employer.credit_code,
        org: org.code.to_string(),
        org_path: org.path,
        year: input.year,
        lines: record.lines.len(),
        replaced: !new,
    })
}

/// The demand collected at and below the organisation with code `org` (only for `year` when
/// given), by industry section, employer province and major class, for those who record demand
/// or see statistics there.
pub async fn summary(
    store: &dyn Repository,
    actor: &Actor,
    refdata: &RefData,
    org: &str,
    year: Option<i64>,
) -> Result<(Org, DemandSummary), Error> {
    let org = super::org_named(store, org).await?;
    let r = Resource::at(&org.path);
    if authorize(actor, Action::RecordDemand, &r).is_err() && authorize(actor, Action::ViewStatistics, &r).is_err() {
        return Err(Error::forbidden());
    }
    let facts = store.demand_under(&org.path, year).await?;
    let answers: Vec<Answer> = facts
        .into_iter()
        .map(|f| Answer {
            employer: f.employer_id,
            industry_code: f.industry_code,
            region_code: f.region_code,
            role: f.line.role,
            major_class: f.line.major_class,
            headcount: f.line.headcount,
            salary_min: f.line.salary_min,
            salary_max: f.line.salary_max,
        })
        .collect();
    Ok((org, demand::summarise(refdata, &answers)))
}
