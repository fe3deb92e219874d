//! The campaign use cases against a real store (SQLite in a temporary directory): 四川大学 with
//! two colleges of one programme each, an employer of the directory, a counselor of each
//! college and the career centre.

use chrono::NaiveDate;
use jiuye_domain::access::{Actor, Role};
use jiuye_domain::campaign::{Campaign, SPRING_2023, Status};
use jiuye_domain::{Org, OrgCode, OrgKind, RefData, SchoolCode};
use jiuye_store::Repository;
use jiuye_store::employers::EmployerRecord;
use jiuye_store::sqlite::SqliteStore;
use uuid::Uuid;

use super::{bases, photos, targets, visits};
use crate::{ErrorCode, ErrorKind};

struct Campus {
    store: Box<dyn Repository>,
    dir: std::path::PathBuf,
    scu: Org,
    cs: Org,
    cs_major: Org,
    econ_major: Org,
    employer: EmployerRecord,
    career: Actor,
    cs_counselor: Actor,
    econ_counselor: Actor,
}

impl Drop for Campus {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

async fn actor(s: &dyn Repository, username: &str, org: &Org, role: Role) -> Actor {
    crate::test_support::account(s, username, org, role, None, crate::test_support::NO_PASSWORD).await
}

async fn campus() -> Campus {
    let dir = std::env::temp_dir().join(format!("jiuye-campaign-{}", Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let store: Box<dyn Repository> = Box::new(SqliteStore::open(&dir.join("jiuye.db")).await.unwrap());
    let s = store.as_ref();
    s.sync_reference_data(&RefData::load().unwrap()).await.unwrap();
    let node = s.node().await.unwrap().node_id;
    let org = |c: &'static str| async move { s.org_by_code(&OrgCode::parse(c).unwrap()).await.unwrap().unwrap() };
    let (sichuan, scu) = (org("510000").await, org("4151010610").await);
    let school = SchoolCode::parse("4151010610").unwrap();
    let cs = crate::test_support::child(node, &scu, OrgCode::college(&school, 1), OrgKind::College, "计算机学院", None);
    let econ = crate::test_support::child(node, &scu, OrgCode::college(&school, 2), OrgKind::College, "经济学院", None);
    let major = |college: &Org, m: &str, name: &str| {
        let code = OrgCode::programme(&college.code, &jiuye_domain::MajorCode::parse(m).unwrap());
        crate::test_support::child(node, college, code, OrgKind::Programme, name, Some(m))
    };
    let cs_major = major(&cs, "080901", "计算机科学与技术");
    let econ_major = major(&econ, "020101", "经济学");
    s.upsert_orgs(&[cs.clone(), econ.clone(), cs_major.clone(), econ_major.clone()]).await.unwrap();
    let employer = EmployerRecord {
        id: Uuid::now_v7(),
        org_id: sichuan.id,
        credit_code: "91510100MA61234567".into(),
        name: "成都蜀信科技有限公司".into(),
        employer_type: "39".into(),
        industry_code: "6513".into(),
        region_code: "510107".into(),
        employees: None,
        revenue_wan: None,
        size_class: None,
        contact_name: None,
        contact_phone: None,
        contact_email: None,
        verification: jiuye_domain::employer::Verification::Unverified,
        verified_by: None,
        verified_at: None,
        blacklist_reason: None,
        origin_node: node,
        version: 1,
    };
    assert!(s.insert_employer(&employer).await.unwrap());
    let career = actor(s, "scu_career", &scu, Role::CareerStaff).await;
    let cs_counselor = actor(s, "cs_counselor", &cs, Role::Counselor).await;
    let econ_counselor = actor(s, "econ_counselor", &econ, Role::Counselor).await;
    Campus { store, dir, scu, cs, cs_major, econ_major, employer, career, cs_counselor, econ_counselor }
}

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn visit(c: &Campus, unit: &Org, date: &str) -> visits::VisitInput {
    visits::VisitInput {
        unit: unit.code.to_string(),
        employer: c.employer.credit_code.to_ascii_lowercase(),
        visit_date: date.into(),
        form: "on_site".into(),
        ..Default::default()
    }
}

#[tokio::test]
async fn a_visit_is_logged_inside_the_loggers_unit_and_read_as_missing_outside_it() {
    let c = campus().await;
    let s = c.store.as_ref();
    let today = day("2023-03-10");

    // Logged for the college: the counselor is the visiting person, the college's programme
    // is kept, and the agreed base lands in the registry.
    let mut input = visit(&c, &c.cs, "2023-03-01");
    input.programmes = vec![c.cs_major.code.to_string(), c.cs_major.code.to_string()];
    input.base_agreed = true;
    let saved = visits::log(s, &c.cs_counselor, &input, today).await.unwrap();
    assert_eq!(saved.visit.roles, vec!["counselor".to_owned()]);
    assert_eq!(saved.visit.programmes, vec![c.cs_major.code.to_string()]);
    assert_eq!(saved.visit.university, c.scu.code.to_string());
    assert_eq!(saved.unit_path, c.cs.path);
    let registry = bases::list(s, &c.career, &c.scu.code.to_string(), 50, 0).await.unwrap();
    assert_eq!(registry.total, 1);
    assert_eq!(registry.items[0].row.base.visit_id, Some(saved.visit.id));

    // The other college's counselor can neither log for this college nor see its visit.
    let refused = visits::log(s, &c.econ_counselor, &input, today).await.unwrap_err();
    assert_eq!(refused.kind, ErrorKind::Forbidden);
    let hidden = visits::detail(s, &c.econ_counselor, saved.visit.id).await.unwrap_err();
    assert_eq!((hidden.kind, hidden.code), (ErrorKind::NotFound, ErrorCode::VisitNotFound));

    // Rules: a programme of another college, a day after today, an employer not in the directory.
    let mut outside = visit(&c, &c.cs, "2023-03-01");
    outside.programmes = vec![c.econ_major.code.to_string()];
    let e = visits::log(s, &c.cs_counselor, &outside, today).await.unwrap_err();
    assert_eq!((e.kind, e.code), (ErrorKind::Unprocessable, ErrorCode::ProgrammeOutsideUnit));
    let e = visits::log(s, &c.cs_counselor, &visit(&c, &c.cs, "2023-03-11"), today).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidDate);
    let mut unknown = visit(&c, &c.cs, "2023-03-01");
    unknown.employer = "91510100MA6XXXXXXX".into();
    assert_eq!(visits::log(s, &c.cs_counselor, &unknown, today).await.unwrap_err().code, ErrorCode::EmployerNotFound);

    // The career centre lists it; the detail carries its (no) photos; deleting it removes it.
    let page = visits::list(s, &c.career, &c.scu.code.to_string(), 50, 0).await.unwrap();
    assert_eq!((page.total, page.items[0].id), (1, saved.visit.id));
    assert_eq!(visits::detail(s, &c.career, saved.visit.id).await.unwrap().photos, Some(Vec::new()));
    let removed = visits::remove(s, &c.cs_counselor, saved.visit.id).await.unwrap();
    assert_eq!(removed.unit_path, c.cs.path);
    assert_eq!(visits::list(s, &c.career, &c.scu.code.to_string(), 50, 0).await.unwrap().total, 0);
}

#[tokio::test]
async fn a_visit_cannot_move_to_another_university_and_photos_are_checked_by_content() {
    let c = campus().await;
    let s = c.store.as_ref();
    let today = day("2023-03-10");
    let saved = visits::log(s, &c.career, &visit(&c, &c.cs_major, "2023-03-02"), today).await.unwrap();
    assert_eq!(saved.visit.programmes, vec![c.cs_major.code.to_string()], "a programme's visit serves it");
    assert_eq!(saved.visit.roles, vec!["staff".to_owned()]);

    let mut moved = visit(&c, &c.cs, "2023-03-02");
    moved.unit = "4151010614".into();
    let e = visits::correct(s, &c.career, saved.visit.id, &moved, today).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::Forbidden, "电子科技大学 is outside the career centre's scope");
    let corrected =
        visits::correct(s, &c.career, saved.visit.id, &visit(&c, &c.cs, "2023-03-03"), today).await.unwrap();
    assert_eq!((corrected.visit.unit, corrected.visit.visit_date), (c.cs.code.to_string(), day("2023-03-03")));

    let (dir, keys) = (c.dir.join("files"), jiuye_security::seal::KeyRing::generate().unwrap());
    let files = crate::files::Files { dir: &dir, keys: &keys };
    let e = photos::add(s, &c.career, &files, saved.visit.id, b"%PDF-1.7").await.unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidFile);
    let png = b"\x89PNG\r\n\x1a\n....";
    let photo = photos::add(s, &c.cs_counselor, &files, saved.visit.id, png).await.unwrap();
    assert_eq!(photo.content_type, "image/png");
    let read = photos::read(s, &c.career, &files, photo.id).await.unwrap();
    assert_eq!(read.bytes, png.to_vec());
    let e = photos::read(s, &c.econ_counselor, &files, photo.id).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::PhotoNotFound);
}

#[tokio::test]
async fn a_base_is_registered_once_per_unit_kind_and_employer() {
    let c = campus().await;
    let s = c.store.as_ref();
    let input = bases::BaseInput {
        unit: c.cs.code.to_string(),
        employer: c.employer.credit_code.clone(),
        kind: "practice".into(),
        capacity: 20,
        start_date: "2023-03-01".into(),
        end_date: Some("2023-02-01".into()),
        ..Default::default()
    };
    let e = bases::register(s, &c.cs_counselor, &input).await.unwrap_err();
    assert_eq!((e.kind, e.code), (ErrorKind::Unprocessable, ErrorCode::InvalidDate));
    let input = bases::BaseInput { end_date: None, ..input };
    let base = bases::register(s, &c.cs_counselor, &input).await.unwrap();
    assert_eq!(base.row.base.name, "成都蜀信科技有限公司实习实践基地");
    let again = bases::register(s, &c.cs_counselor, &input).await.unwrap_err();
    assert_eq!((again.kind, again.code), (ErrorKind::Conflict, ErrorCode::BaseExists));
    assert_eq!(bases::register(s, &c.econ_counselor, &input).await.unwrap_err().kind, ErrorKind::Forbidden);
    let e = bases::remove(s, &c.econ_counselor, base.row.base.id).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::BaseNotFound, "outside the scope reads as missing");
    assert_eq!(bases::remove(s, &c.cs_counselor, base.row.base.id).await.unwrap(), c.cs.path);
}

#[tokio::test]
async fn targets_are_read_by_those_who_follow_the_unit_and_filtered_by_status() {
    let c = campus().await;
    let s = c.store.as_ref();
    let spring = Campaign::parse(SPRING_2023).unwrap();
    s.save_campaign(&spring.id, &spring.name, SPRING_2023).await.unwrap();
    let today = day("2023-03-10");
    let scu = c.scu.code.to_string();
    let q = targets::TargetQuery { org: &scu, as_of: Some("2023-03-10"), status: None };
    let all = targets::targets(s, &c.career, &spring.id, q, today).await.unwrap();
    assert_eq!(all.org.id, c.scu.id);
    let behind = targets::TargetQuery { status: Some("behind"), ..q };
    let only = targets::targets(s, &c.career, &spring.id, behind, today).await.unwrap();
    assert!(only.items.iter().all(|t| t.status == Status::Behind));
    assert!(only.items.len() <= all.items.len());

    let e = targets::targets(s, &c.career, &spring.id, targets::TargetQuery { status: Some("late"), ..q }, today)
        .await
        .unwrap_err();
    assert_eq!((e.kind, e.code), (ErrorKind::BadInput, ErrorCode::InvalidStatus));
    let e = targets::targets(s, &c.career, "2031-autumn", q, today).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::CampaignNotFound);
    let e = targets::targets(s, &c.econ_counselor, &spring.id, q, today).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::Forbidden, "a college's counselor does not follow the whole university");
    let e = targets::mine(s, &c.career, &spring.id, Some("10/03/2023"), today).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidDate);
    let mine = targets::mine(s, &c.cs_counselor, &spring.id, None, today).await.unwrap();
    assert_eq!(mine.as_of, today);
    assert!(mine.targets.iter().all(|t| t.target.is_under(&c.cs.code.to_string())));
}
