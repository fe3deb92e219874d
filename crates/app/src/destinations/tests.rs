//! The destinations use cases against a real store (SQLite in a temporary directory): a
//! graduate of 四川大学's 计算机学院, the counselor of that college and of another one, and the
//! career centre.

use chrono::NaiveDate;
use jiuye_domain::access::{Actor, Role};
use jiuye_domain::destination::{DestStatus, Registration};
use jiuye_domain::{Org, OrgCode, OrgKind, RefData, SchoolCode};
use jiuye_security::seal::KeyRing;
use jiuye_store::Repository;
use jiuye_store::sqlite::SqliteStore;
use uuid::Uuid;

use super::graduates::{self, GraduateFilter};
use super::records::{self, Registered, ReviewInput};
use super::{disputes, evidence};
use crate::{Error, ErrorCode, ErrorKind};

struct Campus {
    store: Box<dyn Repository>,
    refdata: RefData,
    keys: KeyRing,
    dir: std::path::PathBuf,
    graduate_id: Uuid,
    graduate: Actor,
    cs_counselor: Actor,
    econ_counselor: Actor,
    career: Actor,
}

impl Drop for Campus {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

async fn actor(s: &dyn Repository, username: &str, org: &Org, role: Role, subject: Option<Uuid>) -> Actor {
    crate::test_support::account(s, username, org, role, subject, crate::test_support::NO_PASSWORD).await
}

async fn campus() -> Campus {
    let dir = std::env::temp_dir().join(format!("jiuye-destinations-{}", Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let store: Box<dyn Repository> = Box::new(SqliteStore::open(&dir.join("jiuye.db")).await.unwrap());
    let refdata = RefData::load().unwrap();
    let s = store.as_ref();
    s.sync_reference_data(&refdata).await.unwrap();
    s.set_min_wage("510000", 2100, "2022-04-01", "test").await.unwrap();
    let node = s.node().await.unwrap().node_id;
    let scu = s.org_by_code(&OrgCode::parse("4151010610").unwrap()).await.unwrap().unwrap();
    let school = SchoolCode::parse("4151010610").unwrap();
    let cs = crate::test_support::child(node, &scu, OrgCode::college(&school, 1), OrgKind::College, "计算机学院", None);
    let econ = crate::test_support::child(node, &scu, OrgCode::college(&school, 2), OrgKind::College, "经济学院", None);
    let code = OrgCode::programme(&cs.code, &jiuye_domain::MajorCode::parse("080901").unwrap());
    let cs_major = crate::test_support::child(node, &cs, code, OrgKind::Programme, "计算机科学与技术", Some("080901"));
    s.upsert_orgs(&[cs.clone(), econ.clone(), cs_major.clone()]).await.unwrap();
    let g = crate::test_support::graduate(node, &scu, &cs, &cs_major, "2019141460001", "张三");
    s.insert_graduates(std::slice::from_ref(&g)).await.unwrap();
    let graduate = actor(s, "zhangsan", &cs_major, Role::Graduate, Some(g.id)).await;
    let cs_counselor = actor(s, "cs_counselor", &cs, Role::Counselor, None).await;
    let econ_counselor = actor(s, "econ_counselor", &econ, Role::Counselor, None).await;
    let career = actor(s, "scu_career", &scu, Role::CareerStaff, None).await;
    let keys = KeyRing::generate().unwrap();
    Campus { store, refdata, keys, dir, graduate_id: g.id, graduate, cs_counselor, econ_counselor, career }
}

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn employed(pay: i64) -> Registration {
    Registration {
        code: " 12 ".into(),
        employer_name: Some("成都某科技有限公司".into()),
        employer_region: Some("510104".into()),
        monthly_pay: Some(pay),
        proof_kind: Some("offer".into()),
        ..Default::default()
    }
}

fn code_of<T: std::fmt::Debug>(r: Result<T, Error>) -> (ErrorKind, ErrorCode) {
    let e = r.unwrap_err();
    (e.kind, e.code)
}

#[tokio::test]
async fn a_registration_is_checked_reviewed_in_scope_confirmed_and_closed_with_its_cohort() {
    let c = campus().await;
    let log = crate::read_log::ReadLog::disabled();
    let reads = crate::read_log::Reads { log: &log, ip: None };
    let (s, id, rd) = (c.store.as_ref(), c.graduate_id, &c.refdata);
    let today = day("2023-06-01");
    match records::register(s, &c.keys, rd, &c.graduate, today, id, employed(1800)).await.unwrap() {
        Registered::Refused(v) => assert!(v.iter().any(|x| x.rule == "below_minimum_wage"), "{v:?}"),
        Registered::Saved(_) => panic!("pay below the minimum wage was saved"),
    }
    let Registered::Saved(r) = records::register(s, &c.keys, rd, &c.graduate, today, id, employed(5000)).await.unwrap()
    else {
        panic!("a valid registration was refused");
    };
    let d = r.destination.as_ref().unwrap();
    assert_eq!((d.status, d.source.as_str(), d.registration.code.as_str()), (DestStatus::Submitted, "graduate", "12"));
    assert_eq!(r.closes_on, day("2023-08-31"));

    let outside = records::record(s, &c.keys, &c.econ_counselor, id, reads).await;
    assert_eq!(code_of(outside), (ErrorKind::NotFound, ErrorCode::GraduateNotFound));
    let review = |level, decision| ReviewInput { level, decision, reason: None };
    let bad = records::review(s, &c.keys, &c.cs_counselor, id, review("faculty", "approve")).await;
    assert_eq!(code_of(bad), (ErrorKind::BadInput, ErrorCode::InvalidLevel));
    let own = records::review(s, &c.keys, &c.graduate, id, review("college", "approve")).await;
    assert_eq!(code_of(own), (ErrorKind::Forbidden, ErrorCode::Forbidden));
    let unreasoned = records::review(s, &c.keys, &c.cs_counselor, id, review("college", "return")).await;
    assert_eq!(code_of(unreasoned), (ErrorKind::BadInput, ErrorCode::ReasonRequired));
    let (r, grant) = records::review(s, &c.keys, &c.cs_counselor, id, review("college", "approve")).await.unwrap();
    assert_eq!(grant.role, c.cs_counselor.grants[0].role);
    assert_eq!(r.destination.unwrap().status, DestStatus::Approved);
    let staff = records::confirm(s, &c.keys, &c.cs_counselor, id).await;
    assert_eq!(code_of(staff), (ErrorKind::Forbidden, ErrorCode::Forbidden));
    let r = records::confirm(s, &c.keys, &c.graduate, id).await.unwrap();
    assert_eq!(r.destination.unwrap().status, DestStatus::Confirmed);
    assert_eq!(r.versions.len(), 3);

    let bad_date = graduates::set_closing(s, &c.career, "4151010610", 2023, "31/08/2023").await;
    assert_eq!(code_of(bad_date), (ErrorKind::BadInput, ErrorCode::InvalidDate));
    let counselor = graduates::set_closing(s, &c.cs_counselor, "4151010610", 2023, "2023-06-30").await;
    assert_eq!(code_of(counselor), (ErrorKind::Forbidden, ErrorCode::Forbidden));
    graduates::set_closing(s, &c.career, "4151010610", 2023, "2023-05-31").await.unwrap();
    let late = records::register(s, &c.keys, rd, &c.graduate, today, id, employed(6000)).await;
    assert_eq!(code_of(late), (ErrorKind::Conflict, ErrorCode::CohortClosed));
}

#[tokio::test]
async fn disputes_evidence_and_follow_up_reach_only_the_graduates_scope() {
    let c = campus().await;
    let log = crate::read_log::ReadLog::disabled();
    let reads = crate::read_log::Reads { log: &log, ip: None };
    let (s, id, dir) = (c.store.as_ref(), c.graduate_id, c.dir.join("evidence"));
    let files = crate::files::Files { dir: &dir, keys: &c.keys };
    let staff = disputes::raise(s, &c.keys, &c.cs_counselor, id, "不对").await;
    assert_eq!(code_of(staff), (ErrorKind::Forbidden, ErrorCode::Forbidden));
    let empty = disputes::raise(s, &c.keys, &c.graduate, id, "  ").await;
    assert_eq!(code_of(empty), (ErrorKind::BadInput, ErrorCode::InvalidText));
    let d = disputes::raise(s, &c.keys, &c.graduate, id, " 单位名称有误 ").await.unwrap();
    assert_eq!(d.text, "单位名称有误");
    assert_eq!(code_of(disputes::open(s, &c.keys, &c.graduate).await), (ErrorKind::Forbidden, ErrorCode::Forbidden));
    assert_eq!(disputes::open(s, &c.keys, &c.cs_counselor).await.unwrap().len(), 1);
    assert!(disputes::open(s, &c.keys, &c.econ_counselor).await.unwrap().is_empty());
    let outside = disputes::answer(s, &c.keys, &c.econ_counselor, d.id, "已核实").await;
    assert_eq!(code_of(outside), (ErrorKind::NotFound, ErrorCode::DisputeNotFound));
    disputes::answer(s, &c.keys, &c.cs_counselor, d.id, "已核实").await.unwrap();
    let again = disputes::answer(s, &c.keys, &c.cs_counselor, d.id, "再答").await;
    assert_eq!(code_of(again), (ErrorKind::Conflict, ErrorCode::AlreadyAnswered));

    let exe = evidence::add(s, &c.graduate, &files, id, "offer", "offer.pdf", b"MZ\x90\x00").await;
    assert_eq!(code_of(exe), (ErrorKind::BadInput, ErrorCode::InvalidFile));
    let kind = evidence::add(s, &c.graduate, &files, id, "rumour", "offer.pdf", b"%PDF-1.4 x").await;
    assert_eq!(code_of(kind), (ErrorKind::BadInput, ErrorCode::InvalidKind));
    let e = evidence::add(s, &c.graduate, &files, id, "offer", "a/b\\录用.pdf", b"%PDF-1.4 x").await.unwrap();
    assert_eq!((e.original_name.as_str(), e.content_type.as_str()), ("ab录用.pdf", "application/pdf"));
    let outside = evidence::read(s, &c.econ_counselor, &files, e.id, reads).await;
    assert_eq!(code_of(outside), (ErrorKind::NotFound, ErrorCode::EvidenceNotFound));
    assert_eq!(evidence::read(s, &c.cs_counselor, &files, e.id, reads).await.unwrap().bytes, b"%PDF-1.4 x");

    let own = graduates::record_contact(s, &c.graduate, id, "contacted").await;
    assert_eq!(code_of(own), (ErrorKind::Forbidden, ErrorCode::Forbidden));
    let bogus = graduates::record_contact(s, &c.cs_counselor, id, "ghosted").await;
    assert_eq!(code_of(bogus), (ErrorKind::BadInput, ErrorCode::InvalidState));
    graduates::record_contact(s, &c.cs_counselor, id, "needs_help").await.unwrap();
    let (items, total) = graduates::list(s, &c.cs_counselor, GraduateFilter::default(), 50, 0, reads).await.unwrap();
    assert_eq!((total, items[0].contact_state.as_str()), (1, "needs_help"));
    let (_, total) = graduates::list(s, &c.econ_counselor, GraduateFilter::default(), 50, 0, reads).await.unwrap();
    assert_eq!(total, 0);
    let filter = GraduateFilter { status: Some("lost".into()), ..Default::default() };
    let unknown = graduates::list(s, &c.cs_counselor, filter, 50, 0, reads).await;
    assert_eq!(code_of(unknown), (ErrorKind::BadInput, ErrorCode::InvalidQuery));
    let filter = GraduateFilter { org: Some("4151010610".into()), ..Default::default() };
    let above = graduates::list(s, &c.cs_counselor, filter, 50, 0, reads).await;
    assert_eq!(code_of(above), (ErrorKind::Forbidden, ErrorCode::Forbidden));
}

#[tokio::test]
async fn legacy_plaintext_reads_until_sealed_at_rest_and_a_moved_value_is_refused() {
    use crate::sealing::{self, Sealed};
    use jiuye_store::destinations::{DisputeRecord, EvidenceRecord};
    let c = campus().await;
    let log = crate::read_log::ReadLog::disabled();
    let reads = crate::read_log::Reads { log: &log, ip: None };
    let (s, id, dir) = (c.store.as_ref(), c.graduate_id, c.dir.join("evidence"));
    let files = crate::files::Files { dir: &dir, keys: &c.keys };
    let org_id = s.graduate_view(id).await.unwrap().unwrap().graduate.org_id;
    // Written before sealing existed: a plaintext row and a plaintext file.
    let legacy = DisputeRecord {
        id: Uuid::now_v7(),
        graduate_id: id,
        org_id,
        text: "旧版本写入的异议".into(),
        status: "open".into(),
        answer: None,
        answered_by: None,
        created_at: chrono::Utc::now(),
        answered_at: None,
    };
    s.add_dispute(&legacy).await.unwrap();
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("legacy.bin"), b"%PDF-1.4 legacy").unwrap();
    let evidence = EvidenceRecord {
        id: Uuid::now_v7(),
        graduate_id: id,
        org_id,
        kind: "offer".into(),
        stored_name: "legacy.bin".into(),
        original_name: "offer.pdf".into(),
        content_type: "application/pdf".into(),
        size_bytes: 15,
        sha256: String::new(),
        uploaded_by: None,
        uploaded_at: chrono::Utc::now(),
    };
    s.add_evidence(&evidence).await.unwrap();
    let r = records::record(s, &c.keys, &c.cs_counselor, id, reads).await.unwrap();
    assert_eq!(r.disputes[0].text, "旧版本写入的异议", "legacy text still reads");
    assert_eq!(evidence::read(s, &c.cs_counselor, &files, evidence.id, reads).await.unwrap().bytes, b"%PDF-1.4 legacy");

    let done = sealing::seal_at_rest(s, &c.keys, &dir).await.unwrap();
    assert_eq!(done, Sealed { sealed: 2, resealed: 0, current: 0, skipped: 0 });
    assert!(s.dispute(legacy.id).await.unwrap().unwrap().text.starts_with("v2:1:"));
    assert!(std::fs::read(dir.join("legacy.bin")).unwrap().starts_with(b"JYS2"));
    let r = records::record(s, &c.keys, &c.graduate, id, reads).await.unwrap();
    assert_eq!(r.disputes[0].text, "旧版本写入的异议");
    assert_eq!(evidence::read(s, &c.cs_counselor, &files, evidence.id, reads).await.unwrap().bytes, b"%PDF-1.4 legacy");
    let again = sealing::seal_at_rest(s, &c.keys, &dir).await.unwrap();
    assert_eq!(again, Sealed { sealed: 0, resealed: 0, current: 2, skipped: 0 }, "idempotent");

    // A rotation stopped half-way (the file under the new key, the dispute not yet): both read,
    // and the next run finishes.
    let mut newer = KeyRing::parse(&c.keys.to_file()).unwrap();
    newer.add_new_key().unwrap();
    let step = crate::files::reseal(&dir, &newer, sealing::EVIDENCE_FILE, evidence.id, "legacy.bin").await.unwrap();
    assert_eq!(step, sealing::Step::Resealed);
    let newer_files = crate::files::Files { dir: &dir, keys: &newer };
    assert_eq!(records::record(s, &newer, &c.graduate, id, reads).await.unwrap().disputes[0].text, "旧版本写入的异议");
    assert_eq!(
        evidence::read(s, &c.cs_counselor, &newer_files, evidence.id, reads).await.unwrap().bytes,
        b"%PDF-1.4 legacy"
    );
    let rest = sealing::seal_at_rest(s, &newer, &dir).await.unwrap();
    assert_eq!(rest, Sealed { sealed: 0, resealed: 1, current: 1, skipped: 0 });

    // The sealed text moved into another dispute's row is refused, and left alone by the walk.
    let other = disputes::raise(s, &newer, &c.graduate, id, "另一条异议").await.unwrap();
    let moved = s.dispute(legacy.id).await.unwrap().unwrap().text;
    let was = s.dispute(other.id).await.unwrap().unwrap().text;
    assert!(s.replace_dispute_texts(other.id, &was, None, &moved, None).await.unwrap());
    let refused = records::record(s, &newer, &c.graduate, id, reads).await;
    assert_eq!(code_of(refused), (ErrorKind::Conflict, ErrorCode::StorageCorrupt));
    assert_eq!(
        code_of(disputes::open(s, &newer, &c.cs_counselor).await),
        (ErrorKind::Conflict, ErrorCode::StorageCorrupt)
    );
    let walk = sealing::seal_at_rest(s, &newer, &dir).await.unwrap();
    assert_eq!(walk, Sealed { sealed: 0, resealed: 0, current: 2, skipped: 1 });
    assert_eq!(s.dispute(other.id).await.unwrap().unwrap().text, moved, "left as it was");
}
