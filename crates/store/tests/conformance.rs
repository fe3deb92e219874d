//! The same stories against every backend: SQLite always, PostgreSQL when `DATABASE_URL` is set
//! (each run in a fresh schema, dropped afterwards).

use jiuye_domain::{Catalogue, OrgCode, OrgKind, RefData, RegionCode};
use jiuye_seed::{SeedPlan, Stage};
use jiuye_store::postgres::PgStore;
use jiuye_store::sqlite::SqliteStore;
use jiuye_store::{OrgQuery, RefQuery, Repository};

struct Backend {
    name: &'static str,
    store: Box<dyn Repository>,
    _dir: Option<tempfile::TempDir>,
    pg_schema: Option<(String, String)>,
}

impl Backend {
    async fn cleanup(self) {
        drop(self.store);
        if let Some((url, schema)) = self.pg_schema {
            PgStore::drop_schema(&url, &schema).await.expect("drop test schema");
        }
    }
}

fn schema_name() -> String {
    format!("t_{}", uuid::Uuid::new_v4().simple())
}

async fn backends() -> Vec<Backend> {
    let dir = tempfile::tempdir().expect("tempdir");
    let sqlite = SqliteStore::open(&dir.path().join("jiuye.db")).await.expect("open sqlite");
    let mut out = vec![Backend { name: "sqlite", store: Box::new(sqlite), _dir: Some(dir), pg_schema: None }];
    if let Ok(url) = std::env::var("DATABASE_URL") {
        let schema = schema_name();
        let pg = PgStore::connect(&url, Some(&schema)).await.expect("connect postgres");
        out.push(Backend { name: "postgres", store: Box::new(pg), _dir: None, pg_schema: Some((url, schema)) });
    }
    out
}

fn small_plan(seed: u64) -> SeedPlan {
    SeedPlan {
        seed,
        province: RegionCode::parse("510000").ok(),
        universities: 4,
        graduates: 1_200,
        employers: 80,
        cohorts: vec![2022, 2023],
    }
}

fn code(s: &str) -> OrgCode {
    OrgCode::parse(s).expect("valid code")
}

#[tokio::test]
async fn reference_data_loads_once_and_tree_is_browsable() {
    let rd = RefData::load().expect("refdata");
    for b in backends().await {
        let s = &*b.store;
        assert!(s.sync_reference_data(&rd).await.unwrap(), "{}: first load writes", b.name);
        assert!(!s.sync_reference_data(&rd).await.unwrap(), "{}: second load is a no-op", b.name);

        let totals = s.totals().await.unwrap();
        assert_eq!(totals.universities, 2919, "{}", b.name);
        assert_eq!(totals.provinces, 31, "{}", b.name);

        let scu = s.org_by_code(&code("4151010610")).await.unwrap().expect("四川大学");
        assert_eq!(scu.name, "四川大学");
        assert_eq!(scu.kind, OrgKind::University);
        assert_eq!(scu.province_code.as_deref(), Some("510000"));
        assert_eq!(scu.path, "CN/510000/4151010610");
        let path: Vec<String> = s.org_ancestors(&scu).await.unwrap().into_iter().map(|o| o.code.to_string()).collect();
        assert_eq!(path, ["CN", "510000"], "{}", b.name);

        let sichuan = s.org_by_code(&code("510000")).await.unwrap().expect("四川省");
        let children = s.org_children(&sichuan).await.unwrap();
        assert_eq!(children.len(), 141, "{}: 四川 lists 141 universities", b.name);
        assert!(s.org_by_code(&code("4151099999")).await.unwrap().is_none());

        let page = s
            .ref_entries(
                Catalogue::UndergraduateMajors,
                &RefQuery { q: Some("计算机".into()), limit: 50, ..Default::default() },
            )
            .await
            .unwrap();
        assert!(page.entries.iter().any(|e| e.code == "080901"), "{}", b.name);
        assert_eq!(page.total as usize, page.entries.len());
        let page = s
            .ref_entries(
                Catalogue::Destinations,
                &RefQuery { parent: Some("50".into()), limit: 10, ..Default::default() },
            )
            .await
            .unwrap();
        let codes: Vec<&str> = page.entries.iter().map(|e| e.code.as_str()).collect();
        assert_eq!(codes, ["502", "503"], "{}", b.name);
        let dest = s.ref_entry(Catalogue::Destinations, "76").await.unwrap().expect("76");
        assert_eq!(dest.attrs["counts_as_placed"], "Y");
        // LIKE wildcards in user input match literally.
        let page = s
            .ref_entries(Catalogue::Regions, &RefQuery { q: Some("%".into()), limit: 5, ..Default::default() })
            .await
            .unwrap();
        assert_eq!(page.total, 0, "{}", b.name);

        let (found, total) = s
            .search_orgs(&OrgQuery {
                q: Some("成都".into()),
                kind: Some(OrgKind::University),
                limit: 5,
                ..Default::default()
            })
            .await
            .unwrap();
        assert!(total > 5 && found.len() == 5, "{}: {total}", b.name);
        assert!(s.integrity_check().await.unwrap().is_empty());
        b.cleanup().await;
    }
}

#[tokio::test]
async fn seeded_counts_add_up_and_reseeding_changes_nothing() {
    let rd = RefData::load().expect("refdata");
    for b in backends().await {
        let s = &*b.store;
        let mut stages = Vec::new();
        let report = jiuye_seed::run(s, &rd, &small_plan(7), &mut |st, done, total| stages.push((st, done, total)))
            .await
            .unwrap();
        assert_eq!(report.universities, 4);
        assert_eq!(report.graduates_new, 1_200, "{}", b.name);
        assert_eq!(report.employers_new, 80, "{}", b.name);
        assert!(stages.contains(&(Stage::Graduates, 1_200, 1_200)));

        // Counts add up at every level of the tree.
        let sichuan = s.org_by_code(&code("510000")).await.unwrap().unwrap();
        let province_total = s.org_counts(&sichuan).await.unwrap().graduates;
        assert_eq!(province_total, 1_200, "{}", b.name);
        let universities = s.org_children(&sichuan).await.unwrap();
        assert_eq!(universities.iter().map(|u| u.counts.graduates).sum::<i64>(), province_total);
        for u in universities.iter().filter(|u| u.counts.graduates > 0) {
            let colleges = s.org_children(&u.org).await.unwrap();
            assert_eq!(colleges.len() as i64, u.counts.children, "{}", b.name);
            assert_eq!(colleges.iter().map(|c| c.counts.graduates).sum::<i64>(), u.counts.graduates);
            for c in &colleges {
                let programmes = s.org_children(&c.org).await.unwrap();
                assert_eq!(programmes.len() as i64, c.counts.children);
                assert_eq!(programmes.iter().map(|p| p.counts.graduates).sum::<i64>(), c.counts.graduates);
                for p in &programmes {
                    assert_eq!(p.org.kind, OrgKind::Programme);
                    assert_eq!(p.org.path, format!("{}/{}", c.org.path, p.org.code));
                    let major = p.org.major_code.as_deref().expect("programme has a major");
                    let cat = if u.org.school_level == Some(jiuye_domain::SchoolLevel::Vocational) {
                        Catalogue::VocationalMajors
                    } else {
                        Catalogue::UndergraduateMajors
                    };
                    assert!(s.ref_entry(cat, major).await.unwrap().is_some(), "{major} in {cat:?}");
                    assert_eq!(s.org_counts(&p.org).await.unwrap().graduates, p.counts.graduates);
                }
            }
        }
        let nation = s.org_by_code(&code("CN")).await.unwrap().unwrap();
        let provinces = s.org_children(&nation).await.unwrap();
        assert_eq!(provinces.iter().map(|p| p.counts.graduates).sum::<i64>(), 1_200);

        // Running the same plan again adds nothing and breaks nothing.
        let again = jiuye_seed::run(s, &rd, &small_plan(7), &mut |_, _, _| {}).await.unwrap();
        assert_eq!((again.graduates_new, again.employers_new), (0, 0), "{}", b.name);
        assert_eq!(s.totals().await.unwrap().graduates, 1_200);
        assert!(s.integrity_check().await.unwrap().is_empty(), "{}", b.name);
        b.cleanup().await;
    }
}

#[tokio::test]
async fn same_seed_gives_same_data() {
    let rd = RefData::load().expect("refdata");
    let mut fingerprints = Vec::new();
    for seed in [11, 11, 12] {
        let b = backends().await.into_iter().next().expect("sqlite backend");
        let s = &*b.store;
        jiuye_seed::run(s, &rd, &small_plan(seed), &mut |_, _, _| {}).await.unwrap();
        let sichuan = s.org_by_code(&code("510000")).await.unwrap().unwrap();
        let mut fp = Vec::new();
        for u in s.org_children(&sichuan).await.unwrap().into_iter().filter(|u| u.counts.graduates > 0) {
            for c in s.org_children(&u.org).await.unwrap() {
                fp.push(format!("{} {} {}", c.org.code, c.org.name, c.counts.graduates));
            }
        }
        fingerprints.push(fp);
        b.cleanup().await;
    }
    assert_eq!(fingerprints[0], fingerprints[1]);
    assert_ne!(fingerprints[0], fingerprints[2]);
}

#[tokio::test]
async fn alliances_have_members_and_node_identity_is_stable() {
    let rd = RefData::load().expect("refdata");
    for b in backends().await {
        let s = &*b.store;
        let first = s.node().await.unwrap();
        assert_eq!(s.node().await.unwrap(), first);
        let plan = SeedPlan { universities: 20, graduates: 100, employers: 10, ..small_plan(3) };
        let report = jiuye_seed::run(s, &rd, &plan, &mut |_, _, _| {}).await.unwrap();
        assert!(report.alliances >= 1, "{}", b.name);
        let sichuan = s.org_by_code(&code("510000")).await.unwrap().unwrap();
        let alliances = s.alliances_of(sichuan.id).await.unwrap();
        assert_eq!(alliances.len(), report.alliances);
        let members = s.org_children(&alliances[0]).await.unwrap();
        assert!(members.len() >= 2);
        assert!(members.iter().all(|m| m.org.kind == OrgKind::University));
        let of_member = s.alliances_of(members[0].org.id).await.unwrap();
        assert!(of_member.iter().any(|a| a.id == alliances[0].id));
        assert_eq!(s.org_counts(&alliances[0]).await.unwrap().children, members.len() as i64);
        b.cleanup().await;
    }
}

#[tokio::test]
async fn employer_corrections_and_scam_reports_keep_their_state() {
    use jiuye_store::employers::{CorrectionRecord, Decided, ScamReportRecord};
    use uuid::Uuid;
    let rd = RefData::load().expect("refdata");
    for b in backends().await {
        let s = &*b.store;
        let plan = SeedPlan { universities: 2, graduates: 50, employers: 40, ..small_plan(9) };
        jiuye_seed::run(s, &rd, &plan, &mut |_, _, _| {}).await.unwrap();
        let sichuan = s.org_by_code(&code("510000")).await.unwrap().unwrap();
        let scu = s.org_by_code(&code("4151010610")).await.unwrap().unwrap();
        let (employers, _) = s.list_employers(None, None, 500, 0).await.unwrap();
        let e = employers.iter().find(|e| e.org_id == sichuan.id).expect("an employer registered by 四川省").clone();
        let node = s.node().await.unwrap().node_id;
        let user = jiuye_store::identity::NewUser {
            id: Uuid::now_v7(),
            username: "reviewer".into(),
            display_name: "审核人".into(),
            org_id: scu.id,
            password_hash: "x".into(),
            must_change_password: false,
        };
        assert!(s.create_user(&user, &[]).await.unwrap());

        // Facts: where it was registered; no university ties yet.
        let facts = s.employer_facts(&[e.id, Uuid::nil()]).await.unwrap();
        assert_eq!(facts.len(), 1, "{}", b.name);
        assert_eq!((facts[0].registered_path.as_str(), facts[0].universities.len()), ("CN/510000", 0));
        // A taken code is not inserted again; an update needs the version read.
        assert!(!s.insert_employer(&e).await.unwrap());
        let stale = jiuye_store::employers::EmployerRecord { version: e.version + 5, ..e.clone() };
        assert!(!s.update_employer(&stale).await.unwrap());
        let renamed = jiuye_store::employers::EmployerRecord { name: "改名后的单位".into(), ..e.clone() };
        assert!(s.update_employer(&renamed).await.unwrap());
        let e = s.employer_by_id(e.id).await.unwrap().unwrap();
        assert_eq!((e.name.as_str(), e.version), ("改名后的单位", renamed.version + 1), "{}", b.name);

        // Corrections: decided once; accepting writes the employer in the same transaction.
        let correction = |name: &str| CorrectionRecord {
            id: Uuid::now_v7(),
            employer_id: e.id,
            name: Some(name.into()),
            employer_type: None,
            industry_code: None,
            region_code: None,
            employees: Some(300),
            revenue_wan: None,
            contact_name: None,
            contact_phone: None,
            contact_email: None,
            note: Some("据营业执照".into()),
            proposed_by: user.id,
            proposer_org_id: scu.id,
            created_at: chrono::Utc::now(),
            status: "proposed".into(),
            decided_by: None,
            decision_note: None,
            decided_at: None,
            origin_node: node,
        };
        let first = correction("甲公司");
        let second = correction("乙公司");
        s.add_correction(&first).await.unwrap();
        s.add_correction(&second).await.unwrap();
        let listed = s.corrections_of(e.id).await.unwrap();
        assert_eq!(listed.len(), 2, "{}", b.name);
        assert_eq!(
            (listed[0].proposer_username.as_str(), listed[0].proposer_org_code.as_str()),
            ("reviewer", "4151010610")
        );
        assert_eq!(listed[0].correction.employees, Some(300));
        assert_eq!(s.reject_correction(first.id, user.id, Some("不符")).await.unwrap(), Decided::Done);
        assert_eq!(s.reject_correction(first.id, user.id, None).await.unwrap(), Decided::AlreadyDecided);
        let merged =
            jiuye_store::employers::EmployerRecord { name: "乙公司".into(), employees: Some(300), ..e.clone() };
        let old = jiuye_store::employers::EmployerRecord { version: e.version - 1, ..merged.clone() };
        assert_eq!(s.accept_correction(second.id, user.id, None, &old).await.unwrap(), Decided::EmployerChanged);
        assert_eq!(s.correction(second.id).await.unwrap().unwrap().correction.status, "proposed", "rolled back");
        assert_eq!(s.accept_correction(second.id, user.id, Some("已核实"), &merged).await.unwrap(), Decided::Done);
        let decided = s.correction(second.id).await.unwrap().unwrap().correction;
        assert_eq!((decided.status.as_str(), decided.decided_by), ("accepted", Some(user.id)));
        assert_eq!(s.employer_by_id(e.id).await.unwrap().unwrap().name, "乙公司");

        // A scam confirmed at 四川大学 hides the employer from readers within it only, and
        // waits for 四川省 (which registered it) until lifted.
        let report = |blacklisted: bool| ScamReportRecord {
            id: Uuid::now_v7(),
            employer_id: e.id,
            org_id: scu.id,
            posting_id: None,
            reason: "收取押金".into(),
            blacklisted,
            created_by: user.id,
            created_at: chrono::Utc::now(),
            lifted_by: None,
            lifted_at: None,
            lift_reason: None,
            origin_node: node,
        };
        let hide = report(false);
        s.add_scam_report(&hide).await.unwrap();
        let within = ["CN".to_owned(), "CN/510000".to_owned(), "CN/510000/4151010610".to_owned()];
        assert_eq!(s.employers_hidden_in(&within).await.unwrap(), [e.id], "{}", b.name);
        assert!(s.employers_hidden_in(&within[..2]).await.unwrap().is_empty(), "the province's readers still see it");
        let (waiting, total) = s.unresolved_scam_reports_under(&["CN/510000".to_owned()], 10, 0).await.unwrap();
        assert_eq!(
            (total, waiting[0].org_code.as_str(), waiting[0].employer_name.as_str()),
            (1, "4151010610", "乙公司")
        );
        assert_eq!(s.unresolved_scam_reports_under(&["CN/110000".to_owned()], 10, 0).await.unwrap().1, 0);
        assert!(s.lift_scam_report(hide.id, user.id, "误报").await.unwrap());
        assert!(!s.lift_scam_report(hide.id, user.id, "误报").await.unwrap());
        assert!(s.employers_hidden_in(&within).await.unwrap().is_empty());
        assert_eq!(s.unresolved_scam_reports_under(&["CN/510000".to_owned()], 10, 0).await.unwrap().1, 0);
        // A blacklisting report hides nothing by itself (the blacklist does) and is lifted with it.
        s.add_scam_report(&report(true)).await.unwrap();
        assert!(s.employers_hidden_in(&within).await.unwrap().is_empty());
        assert_eq!(s.lift_blacklisting_reports(e.id, user.id, "已核实").await.unwrap(), 1);
        let all = s.scam_reports_of(e.id).await.unwrap();
        assert_eq!(all.len(), 2);
        assert!(all.iter().all(|r| r.report.lifted_at.is_some() && r.reporter_username == "reviewer"));
        b.cleanup().await;
    }
}

/// Both engines migrate to the same tables with the same columns, read back from the migrated
/// databases themselves (not from the SQL files). Runs when `DATABASE_URL` is set.
#[tokio::test]
async fn both_engines_migrate_to_the_same_tables_and_columns() {
    use sqlx::Row;
    use std::collections::{BTreeMap, BTreeSet};
    let Ok(url) = std::env::var("DATABASE_URL") else { return };
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("jiuye.db");
    drop(SqliteStore::open(&path).await.expect("open sqlite"));
    let sqlite = sqlx::SqlitePool::connect(&format!("sqlite://{}", path.display())).await.expect("sqlite");
    let mut lite: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_sqlx%'",
    )
    .fetch_all(&sqlite)
    .await
    .expect("tables");
    for t in tables {
        let cols: Vec<String> = sqlx::query_scalar("SELECT name FROM pragma_table_info(?1)")
            .bind(&t)
            .fetch_all(&sqlite)
            .await
            .expect("cols");
        lite.insert(t, cols.into_iter().collect());
    }
    let schema = schema_name();
    drop(PgStore::connect(&url, Some(&schema)).await.expect("connect postgres"));
    let pg = sqlx::PgPool::connect(&url).await.expect("postgres");
    let rows = sqlx::query(
        "SELECT table_name::text AS t, column_name::text AS c FROM information_schema.columns \
         WHERE table_schema = $1 AND table_name NOT LIKE '\\_sqlx%'",
    )
    .bind(&schema)
    .fetch_all(&pg)
    .await
    .expect("columns");
    let mut post: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for r in rows {
        post.entry(r.get::<String, _>("t")).or_default().insert(r.get::<String, _>("c"));
    }
    pg.close().await;
    PgStore::drop_schema(&url, &schema).await.expect("drop schema");
    assert!(lite.len() >= 30, "the SQLite schema was read: {} tables", lite.len());
    let names: BTreeSet<&String> = lite.keys().chain(post.keys()).collect();
    let differences: Vec<String> = names
        .into_iter()
        .filter(|t| lite.get(*t) != post.get(*t))
        .map(|t| format!("{t}: sqlite {:?} / postgres {:?}", lite.get(t), post.get(t)))
        .collect();
    assert!(differences.is_empty(), "the engines' schemas differ:\n{}", differences.join("\n"));
}
