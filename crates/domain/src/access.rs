//! Who may do what, where: the one permission module of jiuye.
//!
//! Every handler asks [`can`] before it reads or writes, and every list query is filtered in the
//! database by the organisation paths [`scope_paths`] returns for the same action, so that the
//! rule is written once. A decision depends only on the actor's role grants, the resource's
//! place in the organisation tree (its *path*, e.g. `CN/510000/4151010610`) and ownership
//! (a graduate's own record, an employer's own record). This module never does I/O.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::org::OrgKind;

/// A role a person holds at one node of the tree (stable identifiers, used in the API).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// 教育部高校学生司.
    MinistryAdmin,
    /// 省级教育部门.
    ProvinceAdmin,
    /// 就业指导中心.
    CareerStaff,
    /// 校领导（书记、校长）.
    UniversityLeader,
    /// 院系领导.
    CollegeLeader,
    /// 学科专业负责人.
    MajorHead,
    /// 毕业班辅导员.
    Counselor,
    /// 就业指导老师: publishes guidance slots and courses, keeps notes.
    Advisor,
    /// 毕业生.
    Graduate,
    /// 用人单位.
    Employer,
}

impl Role {
    pub const ALL: [Role; 10] = [
        Role::MinistryAdmin,
        Role::ProvinceAdmin,
        Role::CareerStaff,
        Role::UniversityLeader,
        Role::CollegeLeader,
        Role::MajorHead,
        Role::Counselor,
        Role::Advisor,
        Role::Graduate,
        Role::Employer,
    ];

    pub fn id(self) -> &'static str {
        match self {
            Role::MinistryAdmin => "ministry_admin",
            Role::ProvinceAdmin => "province_admin",
            Role::CareerStaff => "career_staff",
            Role::UniversityLeader => "university_leader",
            Role::CollegeLeader => "college_leader",
            Role::MajorHead => "major_head",
            Role::Counselor => "counselor",
            Role::Advisor => "advisor",
            Role::Graduate => "graduate",
            Role::Employer => "employer",
        }
    }

    pub fn from_id(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.id() == s)
    }

    pub fn zh(self) -> &'static str {
        match self {
            Role::MinistryAdmin => "教育部管理员",
            Role::ProvinceAdmin => "省级管理员",
            Role::CareerStaff => "就业指导中心",
            Role::UniversityLeader => "校领导",
            Role::CollegeLeader => "院系领导",
            Role::MajorHead => "专业负责人",
            Role::Counselor => "辅导员",
            Role::Advisor => "就业指导老师",
            Role::Graduate => "毕业生",
            Role::Employer => "用人单位",
        }
    }

    pub fn en(self) -> &'static str {
        match self {
            Role::MinistryAdmin => "Ministry administrator",
            Role::ProvinceAdmin => "Province administrator",
            Role::CareerStaff => "Career centre staff",
            Role::UniversityLeader => "University leader",
            Role::CollegeLeader => "College leader",
            Role::MajorHead => "Major programme head",
            Role::Counselor => "Counselor",
            Role::Advisor => "Career advisor",
            Role::Graduate => "Graduate",
            Role::Employer => "Employer",
        }
    }

    /// The kind of node a grant of this role is bound to. Employer grants are bound to the
    /// node that registered the employer, which may be of any kind.
    pub fn org_kinds(self) -> &'static [OrgKind] {
        match self {
            Role::MinistryAdmin => &[OrgKind::Nation],
            Role::ProvinceAdmin => &[OrgKind::Province],
            Role::CareerStaff | Role::UniversityLeader => &[OrgKind::University],
            Role::CollegeLeader | Role::Counselor => &[OrgKind::College],
            Role::Advisor => &[OrgKind::University, OrgKind::College],
            Role::MajorHead | Role::Graduate => &[OrgKind::Programme],
            Role::Employer => &[OrgKind::Nation, OrgKind::Province, OrgKind::University],
        }
    }

    /// Whether a grant of this role needs a subject record (the graduate's own record, the
    /// employer's record).
    pub fn needs_subject(self) -> bool {
        matches!(self, Role::Graduate | Role::Employer)
    }

    /// Staff roles that administer accounts; with the two-factor setting on, these must sign in
    /// with a second factor.
    pub fn is_admin(self) -> bool {
        matches!(self, Role::MinistryAdmin | Role::ProvinceAdmin | Role::CareerStaff)
    }

    /// Roles whose holders may grant `self` (within their own subtree).
    fn granted_by(self) -> &'static [Role] {
        match self {
            Role::MinistryAdmin => &[Role::MinistryAdmin],
            Role::ProvinceAdmin => &[Role::MinistryAdmin, Role::ProvinceAdmin],
            Role::UniversityLeader => &[Role::MinistryAdmin, Role::ProvinceAdmin],
            Role::CareerStaff => &[Role::MinistryAdmin, Role::ProvinceAdmin, Role::CareerStaff],
            Role::CollegeLeader
            | Role::MajorHead
            | Role::Counselor
            | Role::Advisor
            | Role::Graduate
            | Role::Employer => &[Role::MinistryAdmin, Role::ProvinceAdmin, Role::CareerStaff],
        }
    }
}

/// One role a person holds, with where it applies.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScopedGrant {
    pub role: Role,
    pub org_id: Uuid,
    pub org_code: String,
    pub org_kind: OrgKind,
    /// Codes from the nation down to the node, joined by `/` (e.g. `CN/510000/4151010610`).
    pub org_path: String,
    /// The graduate or employer record the grant is about (graduate and employer roles).
    pub subject_id: Option<Uuid>,
}

/// The signed-in person a decision is about.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Actor {
    pub user_id: Uuid,
    pub username: String,
    pub grants: Vec<ScopedGrant>,
}

/// What someone wants to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// See the accounts of an organisation (and below).
    ViewUsers,
    /// Create accounts, reset passwords, disable accounts.
    ManageUsers,
    /// Give someone a role at a node.
    Grant(Role),
    /// See the audit log of an organisation (and below).
    ViewAudit,
    /// Search the read log (查阅记录): who read the graduates, lists, evidence and résumés of an
    /// organisation (and below).
    ViewReadLog,
    /// See a graduate's record.
    ViewGraduate,
    /// See an employer's record and what it posted.
    ViewEmployer,
    /// Import rosters, review destination registrations.
    ManageGraduates,
    /// See placement statistics (aggregates only).
    ViewStatistics,
    /// Register or correct a destination (the graduate themself, or staff on their behalf).
    RegisterDestination,
    /// Review at college level (院系审核).
    ReviewCollege,
    /// Review at university level (学校审核).
    ReviewUniversity,
    /// Confirm one's own approved record; raise a dispute about it.
    ConfirmOwnRecord,
    /// Answer graduates' disputes.
    AnswerDispute,
    /// See the integrity checks (suspicious patterns).
    ViewIntegrity,
    /// Edit the minimum-wage table.
    EditMinWage,
    /// Add employers to the shared directory and read it (staff who visit and recruit).
    RegisterEmployer,
    /// Change an employer's record in the directory: staff whose subtree holds the organisation
    /// that registered it, or the employer's own account. Everyone else may only propose a
    /// correction.
    EditEmployer,
    /// Verify or blacklist an employer registered at or below the node.
    VerifyEmployer,
    /// Log, correct or delete an employer visit (访企拓岗) for a unit inside one's subtree, and
    /// register its internship and practice bases.
    LogVisit,
    /// Record an employer's answers to the demand survey (staff collecting it inside their
    /// subtree, or the employer's own account for itself) and read the aggregates.
    RecordDemand,
    /// Review job postings that appear at or below one's node (approve, hold, reject); see the
    /// review queue.
    ApprovePosting,
    /// Submit and edit job postings for one's own employer, and handle their applicants.
    PostJob,
    /// Apply to postings, follow and withdraw one's own applications.
    ApplyToPosting,
    /// Report, about oneself, an employer or a university unit that infringes one's rights in
    /// job seeking (维护就业权益), follow one's reports, and take the safety quiz.
    ReportRightsViolation,
    /// Handle the rights reports filed by the graduates of a university (its career centre).
    HandleRightsReport,
    /// Handle the rights reports that reach the province: about a graduate's own university, or
    /// untouched at the university for 5 working days.
    HandleEscalatedRightsReport,
    /// Follow graduates up (跟踪指导): log contacts, read a graduate's contacts with their state of
    /// mind, see the alerts of one's graduates.
    FollowUp,
    /// See the confidential mark that a graduate needs professional help: their counselor and
    /// their college's leader.
    SeeProfessionalHelp,
    /// Appoint the career centre's psychology contact of a university (the career centre).
    AppointPsychologyContact,
    /// Publish guidance slots (consultations, résumé reviews, mock interviews) at a university or
    /// college and see who booked them.
    PublishGuidance,
    /// Book and cancel guidance slots for oneself (a graduate).
    BookGuidance,
    /// Keep the hardship ledger (帮扶台账) of a university: open and import files, verify
    /// evidence, record paper consent, approve plans, subsidies and closures, see every file
    /// whatever its consent (the career centre's ledger keepers).
    KeepLedger,
    /// Help the graduates in difficulty of one's college: read and work on the files they
    /// consented to (their counselor and their college's leader; a named helper reads their own
    /// graduate's file through [`hardship_reader`]).
    HelpHardship,
    /// See the hardship coverage figures (counts and rates; names only where the reader may read
    /// the file behind them).
    ViewHardshipCoverage,
    /// Edit the table of one-time job-seeking subsidy amounts (as for minimum wages).
    EditSubsidyTable,
    /// Give or withdraw one's own consent to the hardship ledger, read one's own file (a
    /// graduate).
    OwnHardship,
    /// Nominate for the 基层就业卓越奖 at a college: submit, change, resubmit and withdraw (the
    /// college's leader; the career centre on a college's behalf).
    NominateAward,
    /// Forward a university's nominations to the province or return them to the college (the
    /// career centre).
    EndorseAward,
    /// Award or decline the nominations forwarded to a province (its administrators).
    DecideAward,
    /// Organise recruitment events (fairs, 宣讲会, online fairs) at or below one's node: create
    /// them, approve employers' booth bookings, check graduates in, read who came.
    OrganiseEvent,
    /// Book booths at events for one's own employer and withdraw the bookings.
    BookBooth,
    /// Register for events, take or hand back a held place, show one's ticket (a graduate).
    RegisterForEvent,
    /// State one's job intentions, read one's recommendations, give feedback on them and answer
    /// employers' invitations (a graduate, for themself).
    SeekJobs,
    /// See the opted-in graduates who fit one of one's own postings and invite them (an
    /// employer's account, for its own postings).
    InviteGraduates,
    /// See matching coverage (how many graduates have enough current matches, hardship first)
    /// and refresh the matches of the graduates inside one's subtree.
    PushMatches,
    /// Register and remove the peers this node federates with (互联节点): the administrators of
    /// the node's own organisation.
    ManageFederation,
}

impl Action {
    /// The roles that may do this anywhere inside their grant's subtree.
    fn subtree_roles(self) -> &'static [Role] {
        match self {
            Action::ViewUsers => &[
                Role::MinistryAdmin,
                Role::ProvinceAdmin,
                Role::CareerStaff,
                Role::UniversityLeader,
                Role::CollegeLeader,
            ],
            Action::ManageUsers | Action::ManageFederation => {
                &[Role::MinistryAdmin, Role::ProvinceAdmin, Role::CareerStaff]
            }
            Action::Grant(r) => r.granted_by(),
            Action::ViewAudit => &[Role::MinistryAdmin, Role::ProvinceAdmin, Role::CareerStaff, Role::UniversityLeader],
            Action::ViewReadLog => &[Role::MinistryAdmin, Role::ProvinceAdmin, Role::CareerStaff],
            Action::ViewGraduate => &[
                Role::MinistryAdmin,
                Role::ProvinceAdmin,
                Role::CareerStaff,
                Role::UniversityLeader,
                Role::CollegeLeader,
                Role::MajorHead,
                Role::Counselor,
            ],
            Action::ViewEmployer => &[Role::MinistryAdmin, Role::ProvinceAdmin, Role::CareerStaff],
            Action::ManageGraduates => &[Role::MinistryAdmin, Role::ProvinceAdmin, Role::CareerStaff],
            Action::RegisterDestination => &[Role::CareerStaff, Role::Counselor],
            Action::ReviewCollege => &[Role::CareerStaff, Role::CollegeLeader, Role::Counselor],
            Action::ReviewUniversity => &[Role::CareerStaff],
            Action::ConfirmOwnRecord => &[],
            Action::AnswerDispute => &[Role::CareerStaff, Role::CollegeLeader, Role::Counselor],
            // College leaders and counselors see their own college's findings (they register and
            // review its records and answer its disputes).
            Action::ViewIntegrity => &[
                Role::MinistryAdmin,
                Role::ProvinceAdmin,
                Role::CareerStaff,
                Role::UniversityLeader,
                Role::CollegeLeader,
                Role::Counselor,
            ],
            Action::EditMinWage => &[Role::MinistryAdmin, Role::ProvinceAdmin],
            Action::RegisterEmployer => &[
                Role::MinistryAdmin,
                Role::ProvinceAdmin,
                Role::CareerStaff,
                Role::UniversityLeader,
                Role::CollegeLeader,
                Role::MajorHead,
                Role::Counselor,
            ],
            Action::EditEmployer => Action::RegisterEmployer.subtree_roles(),
            Action::VerifyEmployer => &[Role::MinistryAdmin, Role::ProvinceAdmin, Role::CareerStaff],
            Action::LogVisit => {
                &[Role::CareerStaff, Role::UniversityLeader, Role::CollegeLeader, Role::MajorHead, Role::Counselor]
            }
            Action::ApprovePosting => &[Role::MinistryAdmin, Role::ProvinceAdmin, Role::CareerStaff],
            Action::PostJob | Action::ApplyToPosting | Action::ReportRightsViolation => &[],
            Action::HandleRightsReport => &[Role::CareerStaff],
            Action::HandleEscalatedRightsReport => &[Role::MinistryAdmin, Role::ProvinceAdmin],
            Action::FollowUp => &[Role::CareerStaff, Role::CollegeLeader, Role::Counselor],
            Action::SeeProfessionalHelp => &[Role::CollegeLeader, Role::Counselor],
            Action::AppointPsychologyContact => &[Role::CareerStaff],
            Action::PublishGuidance => &[Role::CareerStaff, Role::Advisor],
            Action::BookGuidance | Action::OwnHardship => &[],
            Action::KeepLedger => &[Role::CareerStaff],
            Action::HelpHardship => &[Role::CollegeLeader, Role::Counselor],
            Action::ViewHardshipCoverage => &[
                Role::MinistryAdmin,
                Role::ProvinceAdmin,
                Role::CareerStaff,
                Role::UniversityLeader,
                Role::CollegeLeader,
                Role::Counselor,
            ],
            Action::EditSubsidyTable => &[Role::MinistryAdmin, Role::ProvinceAdmin],
            Action::NominateAward => &[Role::CareerStaff, Role::CollegeLeader],
            Action::EndorseAward => &[Role::CareerStaff],
            Action::DecideAward => &[Role::MinistryAdmin, Role::ProvinceAdmin],
            Action::OrganiseEvent => {
                &[Role::MinistryAdmin, Role::ProvinceAdmin, Role::CareerStaff, Role::CollegeLeader]
            }
            Action::BookBooth | Action::RegisterForEvent | Action::SeekJobs | Action::InviteGraduates => &[],
            Action::PushMatches => &[
                Role::MinistryAdmin,
                Role::ProvinceAdmin,
                Role::CareerStaff,
                Role::UniversityLeader,
                Role::CollegeLeader,
                Role::MajorHead,
                Role::Counselor,
            ],
            Action::RecordDemand => &[
                Role::MinistryAdmin,
                Role::ProvinceAdmin,
                Role::CareerStaff,
                Role::UniversityLeader,
                Role::CollegeLeader,
                Role::MajorHead,
                Role::Counselor,
            ],
            Action::ViewStatistics => &[
                Role::MinistryAdmin,
                Role::ProvinceAdmin,
                Role::CareerStaff,
                Role::UniversityLeader,
                Role::CollegeLeader,
                Role::MajorHead,
                Role::Counselor,
            ],
        }
    }

    /// The role that may do this to its own subject record only.
    fn owner_role(self) -> Option<Role> {
        match self {
            Action::ViewGraduate
            | Action::RegisterDestination
            | Action::ConfirmOwnRecord
            | Action::ApplyToPosting
            | Action::ReportRightsViolation
            | Action::BookGuidance
            | Action::RegisterForEvent
            | Action::SeekJobs
            | Action::OwnHardship => Some(Role::Graduate),
            Action::ViewEmployer
            | Action::RecordDemand
            | Action::PostJob
            | Action::EditEmployer
            | Action::BookBooth
            | Action::InviteGraduates => Some(Role::Employer),
            _ => None,
        }
    }
}

/// What an action is done to: something located at a node of the tree, optionally owned by a
/// subject (a graduate or an employer record).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Resource<'a> {
    pub org_path: &'a str,
    pub org_kind: Option<OrgKind>,
    pub subject_id: Option<Uuid>,
}

impl<'a> Resource<'a> {
    pub fn at(org_path: &'a str) -> Resource<'a> {
        Resource { org_path, org_kind: None, subject_id: None }
    }
    pub fn node(org_path: &'a str, kind: OrgKind) -> Resource<'a> {
        Resource { org_path, org_kind: Some(kind), subject_id: None }
    }
    pub fn owned(org_path: &'a str, subject_id: Uuid) -> Resource<'a> {
        Resource { org_path, org_kind: None, subject_id: Some(subject_id) }
    }
}

/// True when `path` is `scope` or lies below it.
pub fn within(path: &str, scope: &str) -> bool {
    path == scope || (path.len() > scope.len() && path.starts_with(scope) && path.as_bytes()[scope.len()] == b'/')
}

/// The grant that allows `actor` to do `action` to `resource`, if any.
pub fn can<'g>(actor: &'g Actor, action: Action, resource: &Resource<'_>) -> Option<&'g ScopedGrant> {
    if let Action::Grant(role) = action
        && let Some(kind) = resource.org_kind
        && !role.org_kinds().contains(&kind)
    {
        return None;
    }
    let roles = action.subtree_roles();
    actor.grants.iter().find(|g| roles.contains(&g.role) && within(resource.org_path, &g.org_path)).or_else(|| {
        let owner = action.owner_role()?;
        let subject = resource.subject_id?;
        actor.grants.iter().find(|g| g.role == owner && g.subject_id == Some(subject))
    })
}

/// The record (a graduate's or an employer's) that `actor`'s grant of `role` is about: the
/// caller's own record, for self-service.
pub fn subject_of(actor: &Actor, role: Role) -> Option<Uuid> {
    actor.grants.iter().find(|g| g.role == role).and_then(|g| g.subject_id)
}

/// Whether `actor` holds a grant of `role` about the record `id` (their own graduate record,
/// their own employer).
pub fn owns(actor: &Actor, role: Role, id: Uuid) -> bool {
    actor.grants.iter().any(|g| g.role == role && g.subject_id == Some(id))
}

/// Whether `actor` holds any grant of `role`.
pub fn holds(actor: &Actor, role: Role) -> bool {
    actor.grants.iter().any(|g| g.role == role)
}

/// Whether `actor` sees (and may set) the confidential mark that a graduate of the programme at
/// `programme_path` needs professional help: the graduate's counselor and college leader, and the
/// career centre's psychology contact of the graduate's university (`contact`, when appointed),
/// who must also follow the graduate up there.
pub fn sees_professional_help(actor: &Actor, programme_path: &str, contact: Option<Uuid>) -> bool {
    let at = Resource::at(programme_path);
    can(actor, Action::SeeProfessionalHelp, &at).is_some()
        || (contact == Some(actor.user_id) && can(actor, Action::FollowUp, &at).is_some())
}

/// Whether an account holding `grants` may be the psychology contact of the university at
/// `university_path`: a career-centre account there.
pub fn may_be_psychology_contact(grants: &[ScopedGrant], university_path: &str) -> bool {
    grants.iter().any(|g| g.role == Role::CareerStaff && within(university_path, &g.org_path))
}

/// Why someone may read a hardship file (kept with every read in the read log).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HardshipReason {
    /// The graduate themself.
    Own,
    /// The career centre's ledger keeper (every file, whatever its consent).
    LedgerKeeper,
    /// The named helper (一对一) of this graduate.
    Helper,
    /// The graduate's counselor or college leader.
    College,
}

impl HardshipReason {
    pub fn id(self) -> &'static str {
        match self {
            HardshipReason::Own => "own",
            HardshipReason::LedgerKeeper => "ledger_keeper",
            HardshipReason::Helper => "helper",
            HardshipReason::College => "college",
        }
    }
}

/// Whether (and why) `actor` may read the hardship file of graduate `graduate` (programme at
/// `programme_path`, helper `helper`): the ledger keepers of the graduate's university always;
/// the graduate themself; once the graduate has consented, also their helper, counselor and
/// college leader. Nobody else — employers, other colleges and universities, the province —
/// ever reads a file (they see counts). The grant is the one the read is made under, when there
/// is one.
pub fn hardship_reader<'g>(
    actor: &'g Actor,
    programme_path: &str,
    graduate: Uuid,
    helper: Option<Uuid>,
    consented: bool,
) -> Option<(HardshipReason, Option<&'g ScopedGrant>)> {
    let at = Resource::at(programme_path);
    if let Some(g) = can(actor, Action::KeepLedger, &at) {
        return Some((HardshipReason::LedgerKeeper, Some(g)));
    }
    if let Some(g) = can(actor, Action::OwnHardship, &Resource::owned(programme_path, graduate)) {
        return Some((HardshipReason::Own, Some(g)));
    }
    if !consented {
        return None;
    }
    if helper == Some(actor.user_id) {
        return Some((HardshipReason::Helper, can(actor, Action::ViewGraduate, &at)));
    }
    can(actor, Action::HelpHardship, &at).map(|g| (HardshipReason::College, Some(g)))
}

/// Whether `actor` sees the exact hardship counts of the subtree at `path`: the career centre
/// (the ledger keepers) and the province's and the ministry's administrators, who receive the
/// ledger's figures (报送). Everyone else sees any count from 1 to 4 as "<5", so that nobody is
/// singled out.
pub fn exact_hardship_counts(actor: &Actor, path: &str) -> bool {
    can(actor, Action::KeepLedger, &Resource::at(path)).is_some()
        || actor
            .grants
            .iter()
            .any(|g| matches!(g.role, Role::ProvinceAdmin | Role::MinistryAdmin) && within(path, &g.org_path))
}

/// Whether an account holding `grants` may be the named helper (一对一) of a graduate of the
/// programme at `programme_path`: any staff or teacher of the graduate's university (not a
/// graduate, not an employer, not someone from another university).
pub fn may_be_helper(grants: &[ScopedGrant], programme_path: &str) -> bool {
    let university: String = programme_path.split('/').take(3).collect::<Vec<_>>().join("/");
    grants.iter().any(|g| {
        !matches!(g.role, Role::Graduate | Role::Employer | Role::MinistryAdmin | Role::ProvinceAdmin)
            && within(&g.org_path, &university)
    })
}

/// Whether `actor` may list contests (职业规划大赛、创新创业大赛): anyone but an employer (graduates
/// enter them, staff and teachers organise and judge them; each contest still checks who sees it).
pub fn may_list_contests(actor: &Actor) -> bool {
    actor.grants.iter().any(|g| g.role != Role::Employer)
}

/// The grant under which `actor` organises events of an alliance (高校联盟) whose member
/// universities lie at `member_paths`: the career centre of a member university (the alliance's
/// node itself is covered by [`can`] for those above it, the province).
pub fn organises_for_alliance<'g>(actor: &'g Actor, member_paths: &[String]) -> Option<&'g ScopedGrant> {
    actor.grants.iter().find(|g| g.role == Role::CareerStaff && member_paths.contains(&g.org_path))
}

/// The nodes from which `actor` sees recruitment events (with the nodes above them), and whether
/// each is a graduate's own programme: every grant but an employer's (employers see events that
/// take booth bookings instead).
pub fn event_reach(actor: &Actor) -> Vec<(&str, bool)> {
    actor
        .grants
        .iter()
        .filter(|g| g.role != Role::Employer)
        .map(|g| (g.org_path.as_str(), g.role == Role::Graduate))
        .collect()
}

/// Whether `actor` may list recruitment events: everyone signed in (graduates register, employers
/// book booths, staff organise and follow); each event still checks who sees it.
pub fn may_list_events(actor: &Actor) -> bool {
    !actor.grants.is_empty()
}

/// Whether `actor` may reload the node's screening rules (the file in its data directory that
/// province staff extend): the ministry's and provinces' administrators, who keep the node's
/// policy data (as for the minimum-wage table).
pub fn may_manage_screening_rules(actor: &Actor) -> bool {
    !scope_paths(actor, Action::EditMinWage).is_empty()
}

/// The grant under which `actor` handles a rights report of a graduate of the university at
/// `university_path` (province at `province_path`): the university's career centre while the
/// report is with the university (`at_university`), the province's administrators once it
/// reaches the province (`at_province`: about the university itself, or untouched for 5 working
/// days). Nobody else, employers above all, handles or reads it (the graduate reads their own).
pub fn handles_rights_report<'g>(
    actor: &'g Actor,
    university_path: &str,
    province_path: &str,
    at_university: bool,
    at_province: bool,
) -> Option<&'g ScopedGrant> {
    let university = at_university.then(|| can(actor, Action::HandleRightsReport, &Resource::at(university_path)));
    let province = at_province.then(|| can(actor, Action::HandleEscalatedRightsReport, &Resource::at(province_path)));
    university.flatten().or(province.flatten())
}

/// Whether `grant` is a person acting on their own record (the owner role of `action`: the
/// graduate registering their own destination) rather than staff acting for them.
pub fn acts_on_own_record(grant: &ScopedGrant, action: Action) -> bool {
    action.owner_role() == Some(grant.role)
}

/// Whether a grant carries visit-campaign targets (访企拓岗 duties): the staff of a university
/// and the units below it.
pub fn owes_campaign_targets(grant: &ScopedGrant) -> bool {
    matches!(
        grant.role,
        Role::CareerStaff | Role::UniversityLeader | Role::CollegeLeader | Role::MajorHead | Role::Counselor
    )
}

/// Whether a grant answers only for the university-level targets of its node (a university
/// leader's 书记校长访企拓岗), not for those of the units below.
pub fn owes_only_university_targets(grant: &ScopedGrant) -> bool {
    grant.role == Role::UniversityLeader
}

/// The subtrees in which `actor` may do `action`; list queries filter by these in the
/// database. Empty means nowhere (ownership-based access is checked per record).
pub fn scope_paths(actor: &Actor, action: Action) -> Vec<String> {
    let roles = action.subtree_roles();
    let mut paths: Vec<String> =
        actor.grants.iter().filter(|g| roles.contains(&g.role)).map(|g| g.org_path.clone()).collect();
    paths.sort();
    // Drop paths already covered by a broader one.
    let mut out: Vec<String> = Vec::new();
    for p in paths {
        if !out.iter().any(|o| within(&p, o)) {
            out.push(p);
        }
    }
    out
}

/// Whether `actor` may set the placement rate of the unit at `path` against its parent's
/// overall rate (one aggregate number, never the parent's breakdown or its other units): those
/// who see the unit's statistics.
pub fn compares_with_parent(actor: &Actor, path: &str) -> bool {
    can(actor, Action::ViewStatistics, &Resource::at(path)).is_some()
}

/// The nodes under which `actor` may pick an organisation for `action` (a form's scope or unit
/// select): the subtrees [`scope_paths`] gives, and for an action done to one's own record (an
/// employer's postings) the node of that grant. Pickers offer these; the use case still decides.
pub fn choosable_scopes(actor: &Actor, action: Action) -> Vec<String> {
    let mut out = scope_paths(actor, action);
    if let Some(role) = action.owner_role() {
        for g in actor.grants.iter().filter(|g| g.role == role) {
            if !out.iter().any(|o| within(&g.org_path, o)) {
                out.push(g.org_path.clone());
            }
        }
    }
    out
}

/// What the rules about one employer need to know of it: who it is, which organisation
/// registered it, and where it works with universities.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EmployerTies<'a> {
    pub employer_id: Uuid,
    /// The path of the organisation that registered it (登记机构).
    pub registered_at: &'a str,
    /// Paths of the universities where it has a posting, a visit (访企拓岗) or an internship or
    /// practice base.
    pub universities: &'a [String],
}

/// The grant that lets `actor` change the employer's record directly: its own account, or staff
/// whose subtree holds the registering organisation.
pub fn can_change_employer<'g>(actor: &'g Actor, ties: &EmployerTies<'_>) -> Option<&'g ScopedGrant> {
    can(actor, Action::EditEmployer, &Resource::owned(ties.registered_at, ties.employer_id))
}

/// The grant that makes `actor` staff of the employer's registering scope: they decide
/// corrections and see every correction and scam report about it.
pub fn registering_staff<'g>(actor: &'g Actor, ties: &EmployerTies<'_>) -> Option<&'g ScopedGrant> {
    can(actor, Action::RegisterEmployer, &Resource::at(ties.registered_at))
}

/// Whether `actor` sees the employer's contact person (name, phone, e-mail): the employer
/// itself, staff of its registering scope, and staff of a university where it has a posting, a
/// visit or a base. Nobody else.
pub fn sees_employer_contact(actor: &Actor, ties: &EmployerTies<'_>) -> bool {
    let staff = Action::RegisterEmployer.subtree_roles();
    can_change_employer(actor, ties).is_some()
        || actor
            .grants
            .iter()
            .any(|g| staff.contains(&g.role) && ties.universities.iter().any(|u| within(&g.org_path, u)))
}

/// Every scope a reader with these grants lies within: each grant's node and its ancestors,
/// sorted and without repeats. An employer's postings hidden in one of these scopes (after a
/// scam was confirmed there) are hidden from this reader.
pub fn enclosing_scopes(actor: &Actor) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for g in &actor.grants {
        let mut prefix = String::new();
        for segment in g.org_path.split('/') {
            if !prefix.is_empty() {
                prefix.push('/');
            }
            prefix.push_str(segment);
            out.push(prefix.clone());
        }
    }
    out.sort();
    out.dedup();
    out
}

/// Whether `actor` reads a posting in every state (pending, held, rejected, withdrawn, past its
/// deadline): the staff who review postings in the scope it appears in, and its own employer.
/// Everyone else reads it only as [`crate::posting::readable`] allows.
pub fn sees_posting_in_any_state(actor: &Actor, scope_path: &str, employer_id: Uuid) -> bool {
    can(actor, Action::ApprovePosting, &Resource::at(scope_path)).is_some() || owns(actor, Role::Employer, employer_id)
}

/// Whether `actor` may manage the account holding `grants`: only when the actor could grant
/// every one of them, so nobody can take over an account with more power than their own.
pub fn can_manage_account<'g>(actor: &'g Actor, target_grants: &[ScopedGrant]) -> Option<&'g ScopedGrant> {
    if target_grants.is_empty() {
        return None;
    }
    let mut allowing = None;
    for g in target_grants {
        allowing = Some(can(actor, Action::Grant(g.role), &Resource::at(&g.org_path))?);
    }
    allowing
}

/// Whether account management may act on the account `target` for `actor`: never on their
/// own. A person changes their own password under "my account", where the current password is
/// asked (so a stolen session or token cannot take the account over), and nobody grants
/// themselves a role or disables themselves.
pub fn manages_other_account(actor: &Actor, target: Uuid) -> bool {
    actor.user_id != target
}

#[cfg(test)]
mod tests {

    /// Access is decided here and nowhere else: no other source file compares roles.
    #[test]
    fn no_other_file_compares_roles() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let mut offenders = Vec::new();
        let mut stack = vec![root.join("crates")];
        while let Some(dir) = stack.pop() {
            let Ok(entries) = std::fs::read_dir(&dir) else { continue };
            for e in entries.flatten() {
                let path = e.path();
                if path.is_dir() {
                    if !path.ends_with("target") {
                        stack.push(path);
                    }
                    continue;
                }
                if path.extension().is_none_or(|x| x != "rs") || path.ends_with("domain/src/access.rs") {
                    continue;
                }
                let text = std::fs::read_to_string(&path).unwrap_or_default();
                let squeezed: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
                // `x == Role::A`, `x != jiuye_domain::access::Role::A`, `Role::A == x`, …
                let compares = squeezed.match_indices("Role::").any(|(at, _)| {
                    let before = &squeezed[..at];
                    let path = before.trim_end_matches(|c: char| c.is_alphanumeric() || c == '_' || c == ':');
                    let lhs = path.trim_end();
                    let after = &squeezed[at + "Role::".len()..];
                    let end = after.find(|c: char| !(c.is_alphanumeric() || c == '_')).unwrap_or(after.len());
                    let rhs = after[end..].trim_start();
                    lhs.ends_with("==") || lhs.ends_with("!=") || rhs.starts_with("==") || rhs.starts_with("!=")
                });
                let matches_role = squeezed.match_indices("matches!(").any(|(at, _)| {
                    let rest = &squeezed[at..];
                    let end = rest.find(')').unwrap_or(rest.len());
                    rest[..end].contains("Role::")
                });
                if compares || matches_role {
                    offenders.push(path.display().to_string());
                }
            }
        }
        assert!(offenders.is_empty(), "roles compared outside access.rs: {offenders:?}");
    }
    use super::*;

    fn grant(role: Role, path: &str, kind: OrgKind) -> ScopedGrant {
        ScopedGrant {
            role,
            org_id: Uuid::nil(),
            org_code: path.rsplit('/').next().unwrap_or(path).to_owned(),
            org_kind: kind,
            org_path: path.to_owned(),
            subject_id: None,
        }
    }

    fn actor(grants: Vec<ScopedGrant>) -> Actor {
        Actor { user_id: Uuid::nil(), username: "t".into(), grants }
    }

    const SCU: &str = "CN/510000/4151010610";
    const SCU_COLLEGE: &str = "CN/510000/4151010610/4151010610-01";
    const SWJTU: &str = "CN/510000/4151010613";
    const PKU: &str = "CN/110000/4111010001";

    #[test]
    fn pickers_offer_the_subtrees_of_the_grants_that_allow_the_action() {
        let counselor = actor(vec![grant(Role::Counselor, SCU_COLLEGE, OrgKind::College)]);
        assert_eq!(choosable_scopes(&counselor, Action::LogVisit), [SCU_COLLEGE]);
        assert!(choosable_scopes(&counselor, Action::PostJob).is_empty());
        // An employer picks where its postings appear from its own grant's node.
        let mut hr = grant(Role::Employer, "CN/510000", OrgKind::Province);
        hr.subject_id = Some(Uuid::nil());
        let employer = actor(vec![hr]);
        assert_eq!(choosable_scopes(&employer, Action::PostJob), ["CN/510000"]);
        assert!(choosable_scopes(&employer, Action::LogVisit).is_empty());
        // A broader grant covers a narrower one.
        let both = actor(vec![
            grant(Role::Counselor, SCU_COLLEGE, OrgKind::College),
            grant(Role::CareerStaff, SCU, OrgKind::University),
        ]);
        assert_eq!(choosable_scopes(&both, Action::LogVisit), [SCU]);
    }

    #[test]
    fn within_respects_path_boundaries() {
        assert!(within(SCU_COLLEGE, SCU));
        assert!(within(SCU, SCU));
        assert!(!within("CN/510000/41510106100", SCU));
        assert!(!within(SCU, SCU_COLLEGE));
        assert!(within(PKU, "CN"));
    }

    #[test]
    fn career_staff_manage_their_university_only() {
        let a = actor(vec![grant(Role::CareerStaff, SCU, OrgKind::University)]);
        assert!(can(&a, Action::ViewUsers, &Resource::at(SCU_COLLEGE)).is_some());
        assert!(can(&a, Action::ViewUsers, &Resource::at(SWJTU)).is_none());
        assert!(can(&a, Action::Grant(Role::Counselor), &Resource::node(SCU_COLLEGE, OrgKind::College)).is_some());
        assert!(can(&a, Action::Grant(Role::Counselor), &Resource::node(SWJTU, OrgKind::University)).is_none());
        // Not above their own role.
        assert!(can(&a, Action::Grant(Role::UniversityLeader), &Resource::node(SCU, OrgKind::University)).is_none());
        assert!(can(&a, Action::Grant(Role::ProvinceAdmin), &Resource::node("CN/510000", OrgKind::Province)).is_none());
        // A role only binds to its kind of node.
        assert!(can(&a, Action::Grant(Role::Counselor), &Resource::node(SCU, OrgKind::University)).is_none());
    }

    #[test]
    fn province_admin_creates_university_staff_in_province() {
        let a = actor(vec![grant(Role::ProvinceAdmin, "CN/510000", OrgKind::Province)]);
        assert!(can(&a, Action::Grant(Role::CareerStaff), &Resource::node(SCU, OrgKind::University)).is_some());
        assert!(can(&a, Action::Grant(Role::CareerStaff), &Resource::node(PKU, OrgKind::University)).is_none());
        assert!(can(&a, Action::Grant(Role::MinistryAdmin), &Resource::node("CN", OrgKind::Nation)).is_none());
        assert_eq!(scope_paths(&a, Action::ViewAudit), ["CN/510000"]);
    }

    #[test]
    fn graduates_and_employers_see_only_their_own_record() {
        let me = Uuid::from_u128(7);
        let mut g =
            grant(Role::Graduate, "CN/510000/4151010610/4151010610-01/4151010610-01-080901", OrgKind::Programme);
        g.subject_id = Some(me);
        let a = actor(vec![g]);
        assert!(can(&a, Action::ViewGraduate, &Resource::owned(SCU_COLLEGE, me)).is_some());
        assert!(can(&a, Action::ViewGraduate, &Resource::owned(SCU_COLLEGE, Uuid::from_u128(8))).is_none());
        assert!(can(&a, Action::ViewUsers, &Resource::at(SCU_COLLEGE)).is_none());
        assert!(scope_paths(&a, Action::ViewGraduate).is_empty());
    }

    #[test]
    fn counselors_see_graduates_of_their_college() {
        let a = actor(vec![grant(Role::Counselor, SCU_COLLEGE, OrgKind::College)]);
        assert!(can(&a, Action::ViewGraduate, &Resource::owned(&format!("{SCU_COLLEGE}/x"), Uuid::nil())).is_some());
        assert!(can(&a, Action::ViewGraduate, &Resource::at(&format!("{SCU}/4151010610-02"))).is_none());
        assert!(can(&a, Action::ViewAudit, &Resource::at(SCU_COLLEGE)).is_none());
    }

    #[test]
    fn college_staff_see_their_own_colleges_integrity_findings_and_disputes() {
        let other_college = format!("{SCU}/4151010610-02");
        for role in [Role::CollegeLeader, Role::Counselor] {
            let a = actor(vec![grant(role, SCU_COLLEGE, OrgKind::College)]);
            for action in [Action::ViewIntegrity, Action::AnswerDispute] {
                assert!(can(&a, action, &Resource::at(SCU_COLLEGE)).is_some(), "{role:?} {action:?} own college");
                assert!(can(&a, action, &Resource::at(&other_college)).is_none(), "{role:?} {action:?} another");
                assert!(can(&a, action, &Resource::at(SCU)).is_none(), "{role:?} {action:?} the university");
                assert_eq!(scope_paths(&a, action), [SCU_COLLEGE]);
            }
        }
        let major = actor(vec![grant(Role::MajorHead, &format!("{SCU_COLLEGE}/x"), OrgKind::Programme)]);
        assert!(scope_paths(&major, Action::ViewIntegrity).is_empty(), "programme heads do not");
    }

    #[test]
    fn the_read_log_is_searched_by_career_staff_and_administrators_of_its_scope_only() {
        let staff = actor(vec![grant(Role::CareerStaff, SCU, OrgKind::University)]);
        assert!(can(&staff, Action::ViewReadLog, &Resource::at(SCU_COLLEGE)).is_some());
        assert!(can(&staff, Action::ViewReadLog, &Resource::at(SWJTU)).is_none(), "another university");
        assert!(can(&staff, Action::ViewReadLog, &Resource::at("CN/510000")).is_none(), "above their node");
        assert_eq!(scope_paths(&staff, Action::ViewReadLog), [SCU]);
        let province = actor(vec![grant(Role::ProvinceAdmin, "CN/510000", OrgKind::Province)]);
        assert!(can(&province, Action::ViewReadLog, &Resource::at(SWJTU)).is_some());
        assert!(can(&province, Action::ViewReadLog, &Resource::at(PKU)).is_none());
        let ministry = actor(vec![grant(Role::MinistryAdmin, "CN", OrgKind::Nation)]);
        assert!(can(&ministry, Action::ViewReadLog, &Resource::at(PKU)).is_some());
        for role in [Role::UniversityLeader, Role::CollegeLeader, Role::MajorHead, Role::Counselor] {
            let at = if role.org_kinds().contains(&OrgKind::College) { SCU_COLLEGE } else { SCU };
            let a = actor(vec![grant(role, at, kind_of(at))]);
            assert!(can(&a, Action::ViewReadLog, &Resource::at(at)).is_none(), "{role:?} reads but does not search");
            assert!(scope_paths(&a, Action::ViewReadLog).is_empty());
        }
        let me = Uuid::from_u128(7);
        let mut g = grant(Role::Graduate, SCU_COLLEGE, OrgKind::Programme);
        g.subject_id = Some(me);
        assert!(can(&actor(vec![g]), Action::ViewReadLog, &Resource::owned(SCU_COLLEGE, me)).is_none());
    }

    #[test]
    fn account_management_needs_power_over_every_grant() {
        let staff = actor(vec![grant(Role::CareerStaff, SCU, OrgKind::University)]);
        let counselor = vec![grant(Role::Counselor, SCU_COLLEGE, OrgKind::College)];
        assert!(can_manage_account(&staff, &counselor).is_some());
        let mut also_province = counselor.clone();
        also_province.push(grant(Role::ProvinceAdmin, "CN/510000", OrgKind::Province));
        assert!(can_manage_account(&staff, &also_province).is_none());
        assert!(can_manage_account(&staff, &[]).is_none());
    }

    #[test]
    fn employers_are_changed_by_their_registering_scope_or_themselves_only() {
        let employer = Uuid::from_u128(42);
        let universities = [SCU.to_owned()];
        let ties = EmployerTies { employer_id: employer, registered_at: "CN/110000", universities: &universities };
        // A counselor in Sichuan may register employers, but this one was registered in Beijing.
        let counselor = actor(vec![grant(Role::Counselor, SCU_COLLEGE, OrgKind::College)]);
        assert!(can_change_employer(&counselor, &ties).is_none());
        assert!(registering_staff(&counselor, &ties).is_none());
        let beijing = actor(vec![grant(Role::ProvinceAdmin, "CN/110000", OrgKind::Province)]);
        assert!(can_change_employer(&beijing, &ties).is_some());
        assert!(registering_staff(&beijing, &ties).is_some());
        let mut own = grant(Role::Employer, "CN/110000", OrgKind::Province);
        own.subject_id = Some(employer);
        let own = actor(vec![own]);
        assert!(can_change_employer(&own, &ties).is_some());
        assert!(registering_staff(&own, &ties).is_none(), "an employer does not decide corrections about itself");
        let mut other = grant(Role::Employer, "CN/110000", OrgKind::Province);
        other.subject_id = Some(Uuid::from_u128(43));
        assert!(can_change_employer(&actor(vec![other]), &ties).is_none());
    }

    #[test]
    fn employer_contacts_reach_itself_its_registrar_and_universities_it_works_with() {
        let employer = Uuid::from_u128(42);
        let universities = [SCU.to_owned()];
        let ties = EmployerTies { employer_id: employer, registered_at: "CN/110000", universities: &universities };
        let counselor = actor(vec![grant(Role::Counselor, SCU_COLLEGE, OrgKind::College)]);
        assert!(sees_employer_contact(&counselor, &ties), "it posts, visits or has a base at 四川大学");
        let swjtu = actor(vec![grant(Role::CareerStaff, SWJTU, OrgKind::University)]);
        assert!(!sees_employer_contact(&swjtu, &ties));
        let sichuan = actor(vec![grant(Role::ProvinceAdmin, "CN/510000", OrgKind::Province)]);
        assert!(!sees_employer_contact(&sichuan, &ties), "not registered there, not a university's staff");
        let beijing = actor(vec![grant(Role::ProvinceAdmin, "CN/110000", OrgKind::Province)]);
        assert!(sees_employer_contact(&beijing, &ties), "registered within Beijing's subtree");
        let pku = actor(vec![grant(Role::CareerStaff, PKU, OrgKind::University)]);
        assert!(
            !sees_employer_contact(&pku, &ties),
            "a university below the registering province is not its registrar"
        );
        let mut graduate = grant(Role::Graduate, &format!("{SCU_COLLEGE}/4151010610-01-080901"), OrgKind::Programme);
        graduate.subject_id = Some(Uuid::from_u128(9));
        assert!(!sees_employer_contact(&actor(vec![graduate]), &ties), "graduates are not staff");
        let alone = EmployerTies { universities: &[], ..ties };
        assert!(!sees_employer_contact(&counselor, &alone));
        assert!(sees_employer_contact(&actor(vec![grant(Role::MinistryAdmin, "CN", OrgKind::Nation)]), &alone));
    }

    #[test]
    fn enclosing_scopes_are_every_ancestor_of_every_grant() {
        let a = actor(vec![
            grant(Role::Counselor, SCU_COLLEGE, OrgKind::College),
            grant(Role::CareerStaff, SWJTU, OrgKind::University),
        ]);
        assert_eq!(
            enclosing_scopes(&a),
            ["CN", "CN/510000", "CN/510000/4151010610", SCU_COLLEGE, "CN/510000/4151010613"]
        );
        assert!(enclosing_scopes(&actor(Vec::new())).is_empty());
    }

    #[test]
    fn scope_paths_drop_nested_duplicates() {
        let a = actor(vec![
            grant(Role::CareerStaff, SCU, OrgKind::University),
            grant(Role::ProvinceAdmin, "CN/510000", OrgKind::Province),
            grant(Role::CareerStaff, PKU, OrgKind::University),
        ]);
        assert_eq!(scope_paths(&a, Action::ManageUsers), ["CN/110000/4111010001", "CN/510000"]);
    }

    const PATHS: [&str; 7] =
        ["CN", "CN/510000", SCU, SCU_COLLEGE, "CN/510000/4151010610/4151010610-01/4151010610-01-080901", SWJTU, PKU];

    fn every_action() -> Vec<Action> {
        let mut out = vec![
            Action::ViewUsers,
            Action::ManageUsers,
            Action::ViewAudit,
            Action::ViewReadLog,
            Action::ViewGraduate,
            Action::ViewEmployer,
            Action::ManageGraduates,
            Action::ViewStatistics,
            Action::RegisterDestination,
            Action::ReviewCollege,
            Action::ReviewUniversity,
            Action::ConfirmOwnRecord,
            Action::AnswerDispute,
            Action::ViewIntegrity,
            Action::EditMinWage,
            Action::RegisterEmployer,
            Action::EditEmployer,
            Action::VerifyEmployer,
            Action::LogVisit,
            Action::RecordDemand,
            Action::ApprovePosting,
            Action::PostJob,
            Action::ApplyToPosting,
            Action::ReportRightsViolation,
            Action::HandleRightsReport,
            Action::HandleEscalatedRightsReport,
            Action::FollowUp,
            Action::SeeProfessionalHelp,
            Action::AppointPsychologyContact,
            Action::PublishGuidance,
            Action::BookGuidance,
            Action::KeepLedger,
            Action::HelpHardship,
            Action::ViewHardshipCoverage,
            Action::EditSubsidyTable,
            Action::OwnHardship,
            Action::NominateAward,
            Action::EndorseAward,
            Action::DecideAward,
            Action::OrganiseEvent,
            Action::BookBooth,
            Action::RegisterForEvent,
            Action::SeekJobs,
            Action::InviteGraduates,
            Action::PushMatches,
            Action::ManageFederation,
        ];
        out.extend(Role::ALL.into_iter().map(Action::Grant));
        out
    }

    fn kind_of(path: &str) -> OrgKind {
        match path.matches('/').count() {
            0 => OrgKind::Nation,
            1 => OrgKind::Province,
            2 => OrgKind::University,
            3 => OrgKind::College,
            _ => OrgKind::Programme,
        }
    }

    proptest::proptest! {
        /// A grant at a node gives nothing outside its subtree (for records nobody owns).
        #[test]
        fn a_grant_gives_nothing_outside_its_subtree(role in 0..10usize, at in 0..7usize, on in 0..7usize, act in 0..32usize) {
            let actions = every_action();
            let action = actions[act % actions.len()];
            let (at, on) = (PATHS[at], PATHS[on]);
            let a = actor(vec![grant(Role::ALL[role], at, kind_of(at))]);
            if !within(on, at) {
                proptest::prop_assert!(can(&a, action, &Resource::node(on, kind_of(on))).is_none(), "{action:?} {at} → {on}");
            }
        }

        /// The same role held higher up the tree never gives less on the same action.
        #[test]
        fn a_higher_grant_never_gives_less(role in 0..10usize, low in 0..7usize, on in 0..7usize, act in 0..32usize) {
            let actions = every_action();
            let action = actions[act % actions.len()];
            let (low, on) = (PATHS[low], PATHS[on]);
            let role = Role::ALL[role];
            let lower = actor(vec![grant(role, low, kind_of(low))]);
            if can(&lower, action, &Resource::node(on, kind_of(on))).is_some() {
                for high in PATHS.iter().filter(|p| within(low, p)) {
                    let higher = actor(vec![grant(role, high, kind_of(high))]);
                    proptest::prop_assert!(
                        can(&higher, action, &Resource::node(on, kind_of(on))).is_some(),
                        "{role:?} {action:?}: {low} allows {on} but {high} does not"
                    );
                }
            }
        }
    }

    #[test]
    fn reviewers_and_the_employer_read_a_posting_in_every_state() {
        let employer = Uuid::from_u128(42);
        let staff = actor(vec![grant(Role::CareerStaff, SCU, OrgKind::University)]);
        assert!(sees_posting_in_any_state(&staff, SCU, employer), "the staff reviewing its scope");
        assert!(!sees_posting_in_any_state(&staff, "CN/510000", employer), "not a scope above theirs");
        assert!(!sees_posting_in_any_state(&staff, SWJTU, employer));
        let province = actor(vec![grant(Role::ProvinceAdmin, "CN/510000", OrgKind::Province)]);
        assert!(sees_posting_in_any_state(&province, SCU, employer));
        let counselor = actor(vec![grant(Role::Counselor, SCU_COLLEGE, OrgKind::College)]);
        assert!(!sees_posting_in_any_state(&counselor, SCU, employer), "counselors do not review postings");
        let mut own = grant(Role::Employer, "CN/110000", OrgKind::Province);
        own.subject_id = Some(employer);
        assert!(sees_posting_in_any_state(&actor(vec![own.clone()]), SCU, employer), "its own employer, anywhere");
        assert!(!sees_posting_in_any_state(&actor(vec![own]), SCU, Uuid::from_u128(43)), "not another's");
        let mut graduate = grant(Role::Graduate, SCU_COLLEGE, OrgKind::Programme);
        graduate.subject_id = Some(employer);
        assert!(
            !sees_posting_in_any_state(&actor(vec![graduate]), SCU, employer),
            "a graduate's own record is not an employer"
        );
    }

    #[test]
    fn self_service_helpers() {
        let me = Uuid::from_u128(7);
        let mut g =
            grant(Role::Graduate, "CN/510000/4151010610/4151010610-01/4151010610-01-080901", OrgKind::Programme);
        g.subject_id = Some(me);
        let staff = grant(Role::Counselor, SCU_COLLEGE, OrgKind::College);
        let a = actor(vec![g.clone(), staff.clone()]);
        assert_eq!(subject_of(&a, Role::Graduate), Some(me));
        assert_eq!(subject_of(&a, Role::Employer), None);
        assert!(owns(&a, Role::Graduate, me) && !owns(&a, Role::Graduate, Uuid::from_u128(8)));
        assert!(holds(&a, Role::Counselor) && !holds(&a, Role::Employer));
        assert!(acts_on_own_record(&g, Action::RegisterDestination));
        assert!(!acts_on_own_record(&staff, Action::RegisterDestination));
        assert!(owes_campaign_targets(&staff) && !owes_campaign_targets(&g));
        let leader = grant(Role::UniversityLeader, SCU, OrgKind::University);
        assert!(owes_only_university_targets(&leader) && !owes_only_university_targets(&staff));
        assert!(!manages_other_account(&a, a.user_id) && manages_other_account(&a, Uuid::from_u128(9)));
        assert!(
            compares_with_parent(&actor(vec![staff.clone()]), SCU_COLLEGE),
            "a counselor sets the college against 四川大学"
        );
        assert!(!compares_with_parent(&actor(vec![staff]), SCU), "not the university against the province");
        assert!(!compares_with_parent(&actor(vec![g]), SCU_COLLEGE), "graduates see no statistics");
    }
}
