//! The header navigation by task: which pages a person (or a visitor) may open, derived in this
//! one place from what `jiuye_domain::access` allows them. Templates ask [`Nav::allows`] (through
//! `Base::may`) before showing a link; no handler or template compares roles.
//!
//! A page listed here must answer 200 to everyone it is offered to (the navigation test walks
//! every role's menu): never add a link here without the access rule its handler applies.

use jiuye_domain::access::{self, Action, Actor, Role};

/// A page of the navigation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dest {
    Home,
    Matching,
    Postings,
    Applications,
    MyDestination,
    MyPostings,
    Talent,
    Review,
    Rights,
    Safety,
    Graduates,
    FollowUp,
    Hardship,
    MatchCoverage,
    Guidance,
    Events,
    Awards,
    Integrity,
    Stats,
    Campaigns,
    Visits,
    NewVisit,
    Bases,
    Surveys,
    Imports,
    Users,
    Audit,
    ReadLog,
    Federation,
    MinWages,
    Orgs,
    Ref,
    Api,
    Account,
    Login,
}

impl Dest {
    /// Every page, in the order of the menu: the person's own tasks first, then the work queues,
    /// then what everyone may read.
    const ORDER: [Dest; 31] = [
        Dest::Home,
        Dest::Matching,
        Dest::Applications,
        Dest::MyDestination,
        Dest::MyPostings,
        Dest::Talent,
        Dest::Review,
        Dest::Rights,
        Dest::Graduates,
        Dest::FollowUp,
        Dest::Hardship,
        Dest::MatchCoverage,
        Dest::Guidance,
        Dest::Events,
        Dest::Awards,
        Dest::Integrity,
        Dest::Stats,
        Dest::Campaigns,
        Dest::Visits,
        Dest::Bases,
        Dest::Surveys,
        Dest::Imports,
        Dest::Users,
        Dest::Audit,
        Dest::ReadLog,
        Dest::Federation,
        Dest::MinWages,
        Dest::Postings,
        Dest::Safety,
        Dest::Orgs,
        Dest::Ref,
    ];

    pub fn href(self) -> &'static str {
        match self {
            Dest::Home => "/",
            Dest::Matching => "/matching",
            Dest::Postings => "/postings",
            Dest::Applications => "/applications",
            Dest::MyDestination => "/me/destination",
            Dest::MyPostings => "/postings/mine",
            Dest::Talent => "/talent",
            Dest::Review => "/postings/review",
            Dest::Rights => "/rights",
            Dest::Safety => "/safety",
            Dest::Graduates => "/graduates",
            Dest::FollowUp => "/followup",
            Dest::Hardship => "/hardship",
            Dest::MatchCoverage => "/matching/coverage",
            Dest::Guidance => "/guidance",
            Dest::Events => "/events",
            Dest::Awards => "/awards",
            Dest::Integrity => "/integrity",
            Dest::Stats => "/stats",
            Dest::Campaigns => "/campaigns",
            Dest::Visits => "/visits",
            Dest::NewVisit => "/visits/new",
            Dest::Bases => "/bases",
            Dest::Surveys => "/surveys",
            Dest::Imports => "/imports",
            Dest::Users => "/users",
            Dest::Audit => "/audit",
            Dest::ReadLog => "/read-log",
            Dest::Federation => "/federation",
            Dest::MinWages => "/min-wages",
            Dest::Orgs => "/orgs",
            Dest::Ref => "/ref",
            Dest::Api => "/api/openapi.json",
            Dest::Account => "/account",
            Dest::Login => "/login",
        }
    }

    fn label(self) -> &'static str {
        match self {
            Dest::Home => "menu.home",
            Dest::Matching => "menu.matching",
            Dest::Postings => "menu.postings",
            Dest::Applications => "menu.applications",
            Dest::MyDestination => "menu.my_destination",
            Dest::MyPostings => "menu.my_postings",
            Dest::Talent => "menu.talent",
            Dest::Review => "menu.review",
            Dest::Rights => "menu.rights",
            Dest::Safety => "menu.safety",
            Dest::Graduates => "menu.graduates",
            Dest::FollowUp => "menu.followup",
            Dest::Hardship => "menu.hardship",
            Dest::MatchCoverage => "menu.match_coverage",
            Dest::Guidance => "menu.guidance",
            Dest::Events => "menu.events",
            Dest::Awards => "menu.awards",
            Dest::Integrity => "menu.integrity",
            Dest::Stats => "menu.stats",
            Dest::Campaigns => "menu.campaigns",
            Dest::Visits => "menu.visits",
            Dest::NewVisit => "menu.new_visit",
            Dest::Bases => "menu.bases",
            Dest::Surveys => "menu.surveys",
            Dest::Imports => "menu.imports",
            Dest::Users => "menu.users",
            Dest::Audit => "menu.audit",
            Dest::ReadLog => "menu.read_log",
            Dest::Federation => "menu.federation",
            Dest::MinWages => "menu.min_wages",
            Dest::Orgs => "menu.orgs",
            Dest::Ref => "menu.ref",
            Dest::Api => "menu.api",
            Dest::Account => "menu.account",
            Dest::Login => "menu.login",
        }
    }

    /// The page a link (path, query ignored) opens, when it is one of the navigation's.
    pub fn of_href(href: &str) -> Option<Dest> {
        let path = href.split(['?', '#']).next().unwrap_or(href);
        let all = Dest::ORDER.into_iter().chain([Dest::NewVisit, Dest::Api, Dest::Account, Dest::Login]);
        all.into_iter().find(|d| d.href() == path)
    }
}

/// Whether `actor` (nobody: a visitor) may open `dest`: the same rules its handler applies.
pub fn allows(actor: Option<&Actor>, dest: Dest) -> bool {
    let Some(a) = actor else {
        return matches!(
            dest,
            Dest::Home | Dest::Postings | Dest::Safety | Dest::Orgs | Dest::Ref | Dest::Api | Dest::Login
        );
    };
    let anywhere = |action: Action| !access::scope_paths(a, action).is_empty();
    let graduate = access::subject_of(a, Role::Graduate).is_some();
    let employer = access::subject_of(a, Role::Employer).is_some();
    match dest {
        Dest::Home | Dest::Postings | Dest::Safety | Dest::Orgs | Dest::Ref | Dest::Api | Dest::Account => true,
        // A graduate's own reports; the career centre's and the province's to handle.
        Dest::Rights => {
            graduate || anywhere(Action::HandleRightsReport) || anywhere(Action::HandleEscalatedRightsReport)
        }
        Dest::Login => false,
        // A graduate's own applications; an employer's, those it received (候选人).
        Dest::Applications => graduate || employer,
        Dest::MyDestination => graduate,
        Dest::MyPostings | Dest::Talent => employer,
        Dest::Review => anywhere(Action::ApprovePosting),
        Dest::Graduates => anywhere(Action::ViewGraduate),
        Dest::FollowUp => anywhere(Action::FollowUp),
        // A graduate's own file and consent; the coverage for staff who see it.
        Dest::Hardship => graduate || anywhere(Action::ViewHardshipCoverage),
        // A graduate's own bookings; a publisher's slots.
        Dest::Guidance => {
            access::subject_of(a, Role::Graduate)
                .is_some_and(|me| access::can(a, Action::BookGuidance, &access::Resource::owned("", me)).is_some())
                || anywhere(Action::PublishGuidance)
        }
        // A graduate's own recommendations and intentions (为你推荐).
        Dest::Matching => access::subject_of(a, Role::Graduate)
            .is_some_and(|me| access::can(a, Action::SeekJobs, &access::Resource::owned("", me)).is_some()),
        // Matching coverage and its refresh, for staff inside their subtree.
        Dest::MatchCoverage => anywhere(Action::PushMatches),
        // Recruitment events: graduates register, employers book booths, staff organise and follow.
        Dest::Events => access::may_list_events(a),
        // The 基层就业卓越奖 nominations: the colleges, universities and provinces that move them.
        Dest::Awards => {
            anywhere(Action::NominateAward) || anywhere(Action::EndorseAward) || anywhere(Action::DecideAward)
        }
        Dest::Integrity => anywhere(Action::ViewIntegrity),
        Dest::Stats => anywhere(Action::ViewStatistics),
        Dest::Campaigns | Dest::Bases => anywhere(Action::ViewStatistics) || anywhere(Action::LogVisit),
        Dest::Visits | Dest::NewVisit => anywhere(Action::LogVisit),
        Dest::Surveys => employer || anywhere(Action::RecordDemand) || anywhere(Action::ViewStatistics),
        Dest::Imports => anywhere(Action::ManageGraduates),
        Dest::Users => anywhere(Action::ViewUsers),
        Dest::Audit => anywhere(Action::ViewAudit),
        Dest::ReadLog => anywhere(Action::ViewReadLog),
        // The node's peers and delivery, for its administrators.
        Dest::Federation => anywhere(Action::ViewAudit),
        // The table is readable by everyone signed in; it is a task only for those who edit it.
        Dest::MinWages => anywhere(Action::EditMinWage),
    }
}

/// One entry of the menu.
pub struct MenuItem {
    pub href: &'static str,
    /// The i18n key of its label.
    pub label: &'static str,
    pub current: bool,
}

/// The menu of one request: the person's pages in task order, the current one marked.
pub struct Nav {
    pub items: Vec<MenuItem>,
    allowed: Vec<Dest>,
    /// Whether the person owes campaign targets (访企拓岗任务): the campaigns list offers "我的任务".
    pub owes_targets: bool,
}

impl Nav {
    /// The menu of `actor` (nobody: a visitor) on the page at `path`.
    pub fn new(actor: Option<&Actor>, path: &str) -> Nav {
        let all = Dest::ORDER.into_iter().chain([Dest::NewVisit, Dest::Api, Dest::Account, Dest::Login]);
        let allowed: Vec<Dest> = all.filter(|d| allows(actor, *d)).collect();
        let job_seeker = actor.is_some_and(|a| access::subject_of(a, Role::Graduate).is_some());
        let mut order: Vec<Dest> = Dest::ORDER.into_iter().filter(|d| allowed.contains(d)).collect();
        if job_seeker {
            // A graduate's first task is finding a job.
            order.retain(|d| *d != Dest::Postings);
            order.insert(1.min(order.len()), Dest::Postings);
        } else if let Some(at) = order.iter().position(|d| *d == Dest::MyPostings) {
            // An employer's candidates come after its postings.
            order.retain(|d| *d != Dest::Applications);
            order.insert(at.min(order.len()), Dest::Applications);
        }
        let current = current(&order, path);
        let items = order
            .into_iter()
            .map(|d| MenuItem {
                href: d.href(),
                label: match (d, actor.is_some(), job_seeker) {
                    (Dest::Home, true, _) => "menu.workbench",
                    (Dest::Postings, _, true) => "menu.find_jobs",
                    (Dest::Applications, _, false) => "menu.candidates",
                    _ => d.label(),
                },
                current: current == Some(d),
            })
            .collect();
        let owes_targets = actor.is_some_and(|a| a.grants.iter().any(access::owes_campaign_targets));
        Nav { items, allowed, owes_targets }
    }

    /// Whether the person may follow a link to `href` (a page of the navigation; any other link
    /// is not this module's to judge and is allowed).
    pub fn allows(&self, href: &str) -> bool {
        match Dest::of_href(href) {
            Some(d) => self.allowed.contains(&d),
            None => true,
        }
    }
}

/// The menu entry the page at `path` belongs to: the longest entry its path starts with.
fn current(order: &[Dest], path: &str) -> Option<Dest> {
    let path = path.split(['?', '#']).next().unwrap_or(path);
    order
        .iter()
        .copied()
        .filter(|d| {
            let h = d.href();
            path == h || (h != "/" && path.starts_with(h) && path.as_bytes().get(h.len()) == Some(&b'/'))
        })
        .max_by_key(|d| d.href().len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiuye_domain::OrgKind;
    use jiuye_domain::access::ScopedGrant;
    use uuid::Uuid;

    fn actor(role: Role, path: &str, kind: OrgKind, subject: Option<Uuid>) -> Actor {
        Actor {
            user_id: Uuid::nil(),
            username: "t".into(),
            grants: vec![ScopedGrant {
                role,
                org_id: Uuid::nil(),
                org_code: path.rsplit('/').next().unwrap_or(path).to_owned(),
                org_kind: kind,
                org_path: path.to_owned(),
                subject_id: subject,
            }],
        }
    }

    fn hrefs(nav: &Nav) -> Vec<&'static str> {
        nav.items.iter().map(|i| i.href).collect()
    }

    #[test]
    fn a_graduate_finds_jobs_first_and_sees_no_staff_queue() {
        let a = actor(Role::Graduate, "CN/510000/U/C/P", OrgKind::Programme, Some(Uuid::from_u128(1)));
        let nav = Nav::new(Some(&a), "/postings/42");
        assert_eq!(&hrefs(&nav)[..5], ["/", "/postings", "/matching", "/applications", "/me/destination"]);
        assert!(!nav.allows("/graduates") && !nav.allows("/postings/review"));
        assert_eq!(nav.items[1].label, "menu.find_jobs");
        assert!(nav.items[1].current, "a posting belongs to 找工作");
    }

    #[test]
    fn an_employer_sees_its_postings_candidates_talent_and_surveys() {
        let a = actor(Role::Employer, "CN/510000", OrgKind::Province, Some(Uuid::from_u128(2)));
        let nav = Nav::new(Some(&a), "/postings/mine");
        let h = hrefs(&nav);
        assert_eq!(h[1..4], ["/postings/mine", "/applications", "/talent"], "候选人 after 我的职位");
        assert!(h.contains(&"/surveys") && !h.contains(&"/me/destination") && !h.contains(&"/campaigns"));
        assert_eq!(nav.items[2].label, "menu.candidates");
        assert!(nav.items.iter().any(|i| i.href == "/postings/mine" && i.current));
        assert!(!nav.items.iter().any(|i| i.href == "/postings" && i.current), "only the longest match is current");
    }

    #[test]
    fn visitors_see_public_pages_and_sign_in() {
        let nav = Nav::new(None, "/");
        assert_eq!(hrefs(&nav), ["/", "/postings", "/safety", "/orgs", "/ref"]);
        assert!(nav.allows("/login") && !nav.allows("/account") && !nav.allows("/stats"));
        assert!(nav.items[0].current);
    }

    #[test]
    fn counselors_reach_their_colleges_integrity_but_no_review_queue() {
        let a = actor(Role::Counselor, "CN/510000/U/C", OrgKind::College, None);
        let nav = Nav::new(Some(&a), "/");
        assert!(nav.allows("/integrity?org=C") && nav.allows("/visits/new") && nav.owes_targets);
        assert!(!nav.allows("/postings/review") && !nav.allows("/imports") && !nav.allows("/audit"));
        assert!(!nav.allows("/rights"), "rights reports go to the career centre, not counselors");
    }

    #[test]
    fn everyone_signed_in_reaches_recruitment_events_next_to_guidance() {
        let g = actor(Role::Graduate, "CN/510000/U/C/P", OrgKind::Programme, Some(Uuid::from_u128(1)));
        let c = actor(Role::CareerStaff, "CN/510000/U", OrgKind::University, None);
        let e = actor(Role::Employer, "CN/510000", OrgKind::Province, Some(Uuid::from_u128(2)));
        for a in [&g, &c, &e] {
            let nav = Nav::new(Some(a), "/events/42/checkin");
            assert!(nav.items.iter().any(|i| i.href == "/events" && i.current && i.label == "menu.events"));
        }
        let h = hrefs(&Nav::new(Some(&c), "/"));
        let at = |href: &str| h.iter().position(|x| *x == href).unwrap();
        assert_eq!(at("/events"), at("/guidance") + 1);
        assert!(!Nav::new(None, "/").allows("/events"), "visitors are sent to sign in");
    }

    #[test]
    fn graduates_reach_their_recommendations_and_staff_the_matching_coverage() {
        let g = actor(Role::Graduate, "CN/510000/U/C/P", OrgKind::Programme, Some(Uuid::from_u128(1)));
        let nav = Nav::new(Some(&g), "/matching");
        assert!(nav.items.iter().any(|i| i.href == "/matching" && i.current && i.label == "menu.matching"));
        assert!(!nav.allows("/matching/coverage"), "graduates see no coverage");
        let c = actor(Role::Counselor, "CN/510000/U/C", OrgKind::College, None);
        let nav = Nav::new(Some(&c), "/matching/coverage");
        assert!(nav.items.iter().any(|i| i.href == "/matching/coverage" && i.current));
        assert!(!nav.allows("/matching"), "staff have no recommendations of their own");
        let e = actor(Role::Employer, "CN/510000", OrgKind::Province, Some(Uuid::from_u128(2)));
        let nav = Nav::new(Some(&e), "/");
        assert!(!nav.allows("/matching") && !nav.allows("/matching/coverage"));
    }

    #[test]
    fn graduates_and_the_career_centre_reach_rights_reports() {
        let g = actor(Role::Graduate, "CN/510000/U/C/P", OrgKind::Programme, Some(Uuid::nil()));
        assert!(Nav::new(Some(&g), "/").allows("/rights"));
        let c = actor(Role::CareerStaff, "CN/510000/U", OrgKind::University, None);
        assert!(Nav::new(Some(&c), "/").allows("/rights") && Nav::new(Some(&c), "/").allows("/safety"));
        let e = actor(Role::Employer, "CN/510000", OrgKind::Province, Some(Uuid::nil()));
        assert!(!Nav::new(Some(&e), "/").allows("/rights"), "employers never read rights reports");
    }
}
