//! The base `Repository` methods: reference data, the organisation tree and seeding.

use jiuye_domain::{Catalogue, OrgKind, RefData};
use jiuye_seed::{SeedPlan, Stage};
use jiuye_store::{OrgQuery, RefQuery};

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
