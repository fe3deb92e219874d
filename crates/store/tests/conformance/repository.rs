//! The base `Repository` methods: reference data, the organisation tree, seeding, and a
//! university's roster year.

use chrono::Utc;
use jiuye_domain::destination::{DestStatus, Registration};
use jiuye_domain::roster::{RosterDestination, RosterRow};
use jiuye_domain::{Catalogue, EducationLevel, Employer, Gender, OrgKind, RefData};
use jiuye_seed::{SeedPlan, Stage};
use jiuye_store::destinations::DestinationRecord;
use jiuye_store::{OrgQuery, PlacementFilter, RefQuery};
use uuid::Uuid;

use crate::support::{backends, code, small_plan};

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

fn roster_row(
    line: usize,
    no: &str,
    name: &str,
    college: &str,
    major: (&str, &str),
    cohort: i32,
    dest: Option<&str>,
) -> RosterRow {
    RosterRow {
        line,
        student_no: no.into(),
        name: name.into(),
        gender: if line.is_multiple_of(2) { Gender::Female } else { Gender::Male },
        college: college.into(),
        major_code: major.0.into(),
        major_name: major.1.into(),
        education_level: EducationLevel::Bachelor,
        origin_region: "510104".into(),
        cohort,
        destination: dest.map(|code| RosterDestination {
            code: code.into(),
            employer_name: Some("中铁二局集团有限公司".into()),
            credit_code: Some("91510000201812345X".into()),
            employer_region: Some("510106".into()),
            employer_type: Some("31".into()),
            employer_industry: Some("4811".into()),
        }),
    }
}

#[tokio::test]
async fn repository_story_a_universitys_roster_year() {
    let rd = RefData::load().expect("refdata");
    for b in backends().await {
        let (s, n) = (&*b.store, b.name);
        assert_eq!(s.backend().id(), n);
        s.ping().await.unwrap();
        let stats = s.pool_stats();
        assert!(stats.max > 0 && stats.size <= stats.max && stats.idle <= stats.size, "{n}: {stats:?}");
        assert!(s.sync_reference_data(&rd).await.unwrap(), "{n}");
        let swjtu = s.org_by_code(&code("4151010613")).await.unwrap().expect("西南交通大学");
        assert_eq!(s.org_by_id(swjtu.id).await.unwrap().as_ref(), Some(&swjtu), "{n}");
        assert!(s.org_by_id(Uuid::nil()).await.unwrap().is_none(), "{n}");
        assert!(s.cohorts().await.unwrap().is_empty(), "{n}");

        // A node-level marker.
        assert!(s.meta_get("roster_reminder").await.unwrap().is_none(), "{n}");
        s.meta_set("roster_reminder", "2024-06-01").await.unwrap();
        s.meta_set("roster_reminder", "2024-06-15").await.unwrap();
        assert_eq!(s.meta_get("roster_reminder").await.unwrap().as_deref(), Some("2024-06-15"), "{n}");

        // The career centre checks its roster with a dry run: everything is computed, nothing kept.
        let civil = ("081001", "土木工程");
        let transport = ("081801", "交通运输");
        let finance = ("020301K", "金融学");
        let rows = vec![
            roster_row(2, "2020110001", "周杰", "土木工程学院", civil, 2024, Some("11")),
            roster_row(3, "2020110002", "吴敏", "土木工程学院", civil, 2024, None),
            roster_row(4, "2020110003", "郑浩", "交通运输与物流学院", transport, 2024, None),
            roster_row(5, "2020110004", "孙丽", "经济管理学院", finance, 2024, None),
            roster_row(6, "2019110005", "钱勇", "土木工程学院", civil, 2023, Some("801")),
        ];
        let mut seen = Vec::new();
        let dry =
            s.import_roster(&swjtu, &rows, true, None, &mut |done, total| seen.push((done, total))).await.unwrap();
        assert_eq!((dry.rows, dry.created, dry.destinations, dry.dry_run), (5, 5, 2, true), "{n}");
        assert_eq!(dry.new_colleges, ["土木工程学院", "交通运输与物流学院", "经济管理学院"], "{n}: in file order");
        assert_eq!(dry.new_programmes.len(), 3, "{n}");
        assert_eq!(seen.last(), Some(&(5, 5)), "{n}");
        assert!(s.org_children(&swjtu).await.unwrap().is_empty(), "{n}: rolled back");
        assert_eq!(s.totals().await.unwrap().graduates, 0, "{n}");

        // The real import.
        let actor = Some((Uuid::now_v7(), "swjtu_career".to_owned()));
        let done = s.import_roster(&swjtu, &rows, false, actor.clone(), &mut |_, _| {}).await.unwrap();
        assert_eq!((done.created, done.updated, done.unchanged, done.dry_run), (5, 0, 0, false), "{n}");
        let colleges = s.org_children(&swjtu).await.unwrap();
        let listed: Vec<(&str, i64, i64)> =
            colleges.iter().map(|c| (c.org.name.as_str(), c.counts.children, c.counts.graduates)).collect();
        assert_eq!(
            listed,
            [("土木工程学院", 1, 3), ("交通运输与物流学院", 1, 1), ("经济管理学院", 1, 1)],
            "{n}: by code"
        );
        let civil_college = &colleges[0].org;
        let programme = s.org_children(civil_college).await.unwrap().remove(0).org;
        assert_eq!((programme.kind, programme.major_code.as_deref()), (OrgKind::Programme, Some("081001")), "{n}");
        let chain: Vec<String> =
            s.org_ancestors(&programme).await.unwrap().iter().map(|o| o.code.to_string()).collect();
        assert_eq!(chain, ["CN", "510000", "4151010613", civil_college.code.as_str()], "{n}");
        assert_eq!(s.org_counts(civil_college).await.unwrap(), jiuye_domain::OrgCounts { children: 1, graduates: 3 });
        assert_eq!(s.cohorts().await.unwrap(), [2024, 2023], "{n}: newest first");
        let zhou = s.graduate_by_student_no(swjtu.id, "2020110001").await.unwrap().expect("周杰");
        assert_eq!(
            (zhou.dest_code.as_deref(), zhou.dest_status),
            (Some("11"), DestStatus::Approved),
            "{n}: awaiting confirmation"
        );
        assert!(s.graduate_by_student_no(swjtu.id, "0000000000").await.unwrap().is_none(), "{n}");
        let sample = s.sample_graduate(programme.id).await.unwrap().expect("a graduate");
        assert_eq!(sample.student_no, "2020110001", "{n}: the latest cohort, lowest 学号");
        assert!(s.sample_graduate(Uuid::nil()).await.unwrap().is_none(), "{n}");

        // 吴敏 registers herself; a corrected roster then changes a name, adds a destination for
        // 郑浩, and may not overwrite 吴敏's own record.
        let wu = s.graduate_by_student_no(swjtu.id, "2020110002").await.unwrap().unwrap();
        let own = DestinationRecord {
            graduate_id: wu.id,
            org_id: swjtu.id,
            status: DestStatus::Submitted,
            registration: Registration { code: "12".into(), ..Registration::default() },
            return_reason: None,
            college_reviewer: None,
            university_reviewer: None,
            registered_by: None,
            source: "graduate".into(),
            version: 0,
            created_at: Utc::now(),
            updated_at: Utc::now(),
            confirmed_at: None,
        };
        assert!(s.save_destination(&own, None, "register", None).await.unwrap(), "{n}");
        let mut corrected = rows.clone();
        corrected[1] = roster_row(3, "2020110002", "吴敏", "土木工程学院", civil, 2024, Some("11"));
        corrected[2] = roster_row(4, "2020110003", "郑浩", "交通运输与物流学院", transport, 2024, Some("80"));
        corrected[3].name = "孙莉".into();
        let again = s.import_roster(&swjtu, &corrected, false, actor.clone(), &mut |_, _| {}).await.unwrap();
        assert_eq!((again.created, again.updated, again.unchanged), (0, 2, 3), "{n}");
        assert!(again.new_colleges.is_empty() && again.new_programmes.is_empty(), "{n}");
        let conflicts: Vec<(&str, &str, Option<&str>, &str)> = again
            .conflicts
            .iter()
            .map(|x| (x.student_no.as_str(), x.status.as_str(), x.stored_code.as_deref(), x.file_code.as_str()))
            .collect();
        assert_eq!(conflicts, [("2020110002", "submitted", Some("12"), "11")], "{n}");
        assert_eq!(s.graduate_by_student_no(swjtu.id, "2020110004").await.unwrap().unwrap().name, "孙莉", "{n}");
        assert_eq!(
            s.graduate_by_student_no(swjtu.id, "2020110002").await.unwrap().unwrap().dest_code.as_deref(),
            Some("12")
        );

        // Placement: approved and confirmed records count; 吴敏's submitted one does not yet.
        let (total, placed) = s.placement_totals(&swjtu, 2024).await.unwrap();
        assert_eq!((total, placed), (4, 2), "{n}: 周杰 (11) and 郑浩 (80)");
        let rows_2024 = s.placement_counts(&swjtu, 2024, &PlacementFilter::default()).await.unwrap();
        assert_eq!(rows_2024.iter().map(|r| r.count).sum::<i64>(), 4, "{n}");
        let mut counted: Vec<&str> = rows_2024.iter().filter_map(|r| r.code.as_deref()).collect();
        counted.sort_unstable();
        assert_eq!(counted, ["11", "80"], "{n}: only counted records carry their code");
        assert!(rows_2024.iter().all(|r| r.university_id == swjtu.id && r.province_id == swjtu.parent_id.unwrap()));
        let women = PlacementFilter { gender: Some(Gender::Female), ..PlacementFilter::default() };
        let women_count: i64 = s.placement_counts(&swjtu, 2024, &women).await.unwrap().iter().map(|r| r.count).sum();
        assert_eq!(women_count, 2, "{n}: lines 2 and 4 of the file");
        let province = s.org_by_code(&code("510000")).await.unwrap().unwrap();
        assert_eq!(s.placement_totals(&province, 2024).await.unwrap(), (4, 2), "{n}");
        assert_eq!(s.placement_totals(civil_college, 2023).await.unwrap(), (1, 1), "{n}");
        let today = Utc::now().format("%Y-%m-%d").to_string();
        assert_eq!(s.placement_by_day(&swjtu, 2024).await.unwrap(), [(today, 2)], "{n}");
        assert!(s.placement_by_day(&swjtu, 2022).await.unwrap().is_empty(), "{n}");

        // Renaming a college bumps its version; writing the same again does not.
        let mut renamed = civil_college.clone();
        renamed.name = "土木工程学院（詹天佑学院）".into();
        s.upsert_orgs(std::slice::from_ref(&renamed)).await.unwrap();
        s.upsert_orgs(std::slice::from_ref(&renamed)).await.unwrap();
        let stored = s.org_by_id(renamed.id).await.unwrap().unwrap();
        assert_eq!(
            (stored.name.as_str(), stored.version),
            ("土木工程学院（詹天佑学院）", civil_college.version + 1),
            "{n}"
        );
        let (found, total) = s
            .search_orgs(&OrgQuery {
                q: Some("詹天佑".into()),
                kind: Some(OrgKind::College),
                province_code: Some("510000".into()),
                limit: 10,
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!((found.len(), total, found[0].id), (1, 1, renamed.id), "{n}");
        let other_province = OrgQuery {
            q: Some("詹天佑".into()),
            province_code: Some("110000".into()),
            limit: 10,
            ..Default::default()
        };
        assert_eq!(s.search_orgs(&other_province).await.unwrap().1, 0, "{n}");

        // Employers from the generator: new credit codes only; a sample per registering org.
        let node = s.node().await.unwrap().node_id;
        let employer = |code: &str, name: &str| Employer {
            id: Uuid::now_v7(),
            org_id: province.id,
            credit_code: code.into(),
            name: name.into(),
            employer_type: "31".into(),
            industry_code: "4811".into(),
            region_code: "510106".into(),
            origin_node: node,
            version: 1,
        };
        let batch = [
            employer("91510000201812345X", "中铁二局集团有限公司"),
            employer("91510000201800001A", "四川路桥建设集团"),
        ];
        assert_eq!(s.insert_employers(&batch).await.unwrap(), 2, "{n}");
        assert_eq!(s.insert_employers(&batch).await.unwrap(), 0, "{n}");
        let found = s.employer_by_credit_code("91510000201812345X").await.unwrap().expect("stored");
        assert_eq!(found, batch[0], "{n}");
        assert!(s.employer_by_credit_code("91510000000000000X").await.unwrap().is_none(), "{n}");
        assert_eq!(
            s.sample_employer(province.id).await.unwrap().map(|e| e.name),
            Some("四川路桥建设集团".into()),
            "{n}"
        );
        assert!(s.sample_employer(swjtu.id).await.unwrap().is_none(), "{n}");
        let totals = s.totals().await.unwrap();
        assert_eq!((totals.graduates, totals.employers, totals.colleges, totals.programmes), (5, 2, 3, 3), "{n}");

        // Campaign policies: replaced by id, newest first.
        s.save_campaign("visits-2024", "访企拓岗 2024", "start: 2024-03-01").await.unwrap();
        s.save_campaign("spring-2024", "春季促就业", "start: 2024-02-15").await.unwrap();
        s.save_campaign("visits-2024", "访企拓岗专项行动 2024", "start: 2024-03-15").await.unwrap();
        let loaded: Vec<(String, String, String)> =
            s.campaigns().await.unwrap().into_iter().map(|(id, name, policy, _)| (id, name, policy)).collect();
        assert_eq!(
            loaded,
            [
                ("visits-2024".into(), "访企拓岗专项行动 2024".into(), "start: 2024-03-15".into()),
                ("spring-2024".into(), "春季促就业".into(), "start: 2024-02-15".into()),
            ],
            "{n}"
        );

        s.analyze().await.unwrap();
        assert!(s.integrity_check().await.unwrap().is_empty(), "{n}");
        b.cleanup().await;
    }
}
