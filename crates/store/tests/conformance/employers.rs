//! `EmployerDirectory`: registering, verifying and correcting employers, their contacts, visits,
//! scam reports and the blacklist.

use jiuye_domain::RefData;
use jiuye_domain::access::Role;
use jiuye_domain::employer::Verification;
use jiuye_seed::SeedPlan;
use jiuye_store::employers::{EmployerRecord, ScamReportRecord, VisitRecord};
use uuid::Uuid;

use crate::support::{account, backends, campus, code, employer_record, small_plan};

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
        let user = jiuye_store::accounts::NewUser {
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
        // Both wait for 四川省, which registered the employer, and for nobody else.
        let (waiting, total) = s.proposed_corrections_under(&["CN/510000".to_owned()], 10, 0).await.unwrap();
        assert_eq!((total, waiting.len()), (2, 2), "{}", b.name);
        assert_eq!(
            (waiting[0].row.correction.id, waiting[0].employer_credit_code.as_str()),
            (first.id, e.credit_code.as_str())
        );
        assert_eq!(waiting[0].employer_name, e.name, "{}", b.name);
        assert_eq!(s.proposed_corrections_under(&["CN/110000".to_owned()], 10, 0).await.unwrap().1, 0);
        assert_eq!(s.proposed_corrections_under(&[], 10, 0).await.unwrap().1, 0);
        assert_eq!(
            (listed[0].proposer_username.as_str(), listed[0].proposer_org_code.as_str()),
            ("reviewer", "4151010610")
        );
        assert_eq!(listed[0].correction.employees, Some(300));
        assert_eq!(s.reject_correction(first.id, user.id, Some("不符")).await.unwrap(), Decided::Done);
        assert_eq!(s.reject_correction(first.id, user.id, None).await.unwrap(), Decided::AlreadyDecided);
        assert_eq!(s.proposed_corrections_under(&["CN".to_owned()], 10, 0).await.unwrap().1, 1, "{}", b.name);
        let merged =
            jiuye_store::employers::EmployerRecord { name: "乙公司".into(), employees: Some(300), ..e.clone() };
        let old = jiuye_store::employers::EmployerRecord { version: e.version - 1, ..merged.clone() };
        assert_eq!(s.accept_correction(second.id, user.id, None, &old).await.unwrap(), Decided::EmployerChanged);
        assert_eq!(s.correction(second.id).await.unwrap().unwrap().correction.status, "proposed", "rolled back");
        assert_eq!(s.accept_correction(second.id, user.id, Some("已核实"), &merged).await.unwrap(), Decided::Done);
        let decided = s.correction(second.id).await.unwrap().unwrap().correction;
        assert_eq!((decided.status.as_str(), decided.decided_by), ("accepted", Some(user.id)));
        assert_eq!(s.employer_by_id(e.id).await.unwrap().unwrap().name, "乙公司");
        assert_eq!(s.proposed_corrections_under(&["CN".to_owned()], 10, 0).await.unwrap().1, 0, "{}", b.name);

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

#[tokio::test]
async fn employers_story_a_directory_entry_from_registration_to_blacklist() {
    for b in backends().await {
        let (s, n) = (&*b.store, b.name);
        let c = campus(s).await;
        let leader = account(s, "scu_leader", &c.scu, Role::UniversityLeader, None).await;

        // 四川大学 registers an employer it met; the same credit code cannot be registered twice.
        let mut fresh = employer_record(c.node, c.scu.id, "91510100MA6CXYZ123", "成都天府软件园有限公司");
        fresh.contact_name = Some("赵经理".into());
        assert!(s.insert_employer(&fresh).await.unwrap(), "{n}");
        let twin = EmployerRecord { id: Uuid::now_v7(), name: "冒名单位".into(), ..fresh.clone() };
        assert!(!s.insert_employer(&twin).await.unwrap(), "{n}: the credit code is taken");
        assert!(s.employer_by_id(twin.id).await.unwrap().is_none(), "{n}: nothing written");
        let park = s.employer(&fresh.credit_code).await.unwrap().expect("by credit code");
        assert_eq!(s.employer_by_id(park.id).await.unwrap().as_ref(), Some(&park), "{n}");
        assert_eq!(
            (park.version, park.verification, park.name.as_str()),
            (1, Verification::Unverified, "成都天府软件园有限公司")
        );
        assert!(s.employer("91510100MA6C000000").await.unwrap().is_none(), "{n}");
        assert!(s.employer_by_id(Uuid::nil()).await.unwrap().is_none(), "{n}");

        // The province verifies it; verifying an unknown code changes nothing.
        assert!(s.set_verification(&park.credit_code, Verification::Verified, c.career.id, None).await.unwrap(), "{n}");
        assert!(
            !s.set_verification("91510100MA6C000000", Verification::Verified, c.career.id, None).await.unwrap(),
            "{n}"
        );
        let park = s.employer_by_id(park.id).await.unwrap().unwrap();
        assert_eq!(
            (park.verification, park.verified_by, park.version),
            (Verification::Verified, Some(c.career.id), 2),
            "{n}"
        );
        assert!(park.verified_at.is_some(), "{n}");

        // A later registration of the same code merges into it: given fields replace, missing
        // contacts are kept, the verification stays, the version goes up.
        let again = EmployerRecord {
            id: Uuid::now_v7(),
            name: "成都天府软件园股份有限公司".into(),
            contact_name: None,
            contact_phone: Some("028-85550000".into()),
            employees: Some(1_200),
            ..fresh.clone()
        };
        let (merged, new) = s.upsert_employer(&again).await.unwrap();
        assert!(!new, "{n}");
        assert_eq!(
            (merged.id, merged.name.as_str(), merged.version),
            (park.id, "成都天府软件园股份有限公司", 3),
            "{n}"
        );
        assert_eq!(
            (merged.contact_name.as_deref(), merged.contact_phone.as_deref()),
            (Some("赵经理"), Some("028-85550000"))
        );
        assert_eq!((merged.verification, merged.employees), (Verification::Verified, Some(1_200)), "{n}");
        let other = employer_record(c.node, c.sichuan.id, "91510100MA6DNEW001", "绵阳长虹配套有限公司");
        let (created, new) = s.upsert_employer(&other).await.unwrap();
        assert!(new && created.id == other.id && created.version == 1, "{n}");

        // The directory: by name, by credit code typed in lower case, by verification, paged.
        let (all, total) = s.list_employers(None, None, 50, 0).await.unwrap();
        assert_eq!((all.len(), total), (3, 3), "{n}");
        assert!(all.windows(2).all(|w| w[0].name <= w[1].name), "{n}: by name");
        let (hit, total) = s.list_employers(Some("天府软件"), None, 50, 0).await.unwrap();
        assert_eq!((hit[0].id, total), (park.id, 1), "{n}");
        let (hit, _) = s.list_employers(Some("91510100ma61234567"), None, 50, 0).await.unwrap();
        assert_eq!(hit.iter().map(|e| e.id).collect::<Vec<_>>(), [c.employer.id], "{n}");
        assert_eq!(s.list_employers(None, Some("verified"), 50, 0).await.unwrap().1, 1, "{n}");
        assert_eq!(s.list_employers(Some("_"), None, 50, 0).await.unwrap().1, 0, "{n}: _ is literal");
        let (second, total) = s.list_employers(None, None, 1, 1).await.unwrap();
        assert_eq!((second[0].id, total), (all[1].id, 3), "{n}");

        // Staff update the contacts at the version they read; a stale form is refused, and
        // identity, registration and verification are not editable this way.
        let current = s.employer_by_id(park.id).await.unwrap().unwrap();
        let edit = EmployerRecord {
            contact_email: Some("hr@tfsoft.cn".into()),
            credit_code: "91510100MA6CHANGED".into(),
            org_id: c.sichuan.id,
            verification: Verification::Unverified,
            ..current.clone()
        };
        assert!(s.update_employer(&edit).await.unwrap(), "{n}");
        assert!(!s.update_employer(&edit).await.unwrap(), "{n}: that version is gone");
        let edited = s.employer_by_id(park.id).await.unwrap().unwrap();
        assert_eq!((edited.contact_email.as_deref(), edited.version), (Some("hr@tfsoft.cn"), current.version + 1));
        assert_eq!(
            (edited.credit_code.as_str(), edited.org_id, edited.verification),
            (fresh.credit_code.as_str(), c.scu.id, Verification::Verified)
        );

        // Visits: the leader and the career centre go on site for 计算机科学与技术.
        let visit = |date: &str, employer: Uuid| VisitRecord {
            id: Uuid::now_v7(),
            org_id: c.scu.id,
            unit_id: c.scu.id,
            employer_id: employer,
            visit_date: date.parse().unwrap(),
            form: "on_site".into(),
            positions_opened: 12,
            base_agreed: false,
            invited_to_fair: true,
            survey_filled: false,
            notes: Some("洽谈实习岗位".into()),
            created_by: c.career.id,
            origin_node: c.node,
        };
        let people = [(leader.id, "university_leader".to_owned()), (c.career.id, "career_staff".to_owned())];
        let v = visit("2024-03-15", park.id);
        s.add_visit(&v, &people, &[c.cs_major.id]).await.unwrap();
        assert_eq!(s.visit(v.id).await.unwrap().as_ref(), Some(&v), "{n}");
        let earlier = visit("2024-02-20", c.employer.id);
        s.add_visit(&earlier, &people[1..], &[]).await.unwrap();
        let facts = s.visits_of(c.scu.id).await.unwrap();
        assert_eq!(facts.iter().map(|f| f.id).collect::<Vec<_>>(), [earlier.id, v.id], "{n}: by date");
        let f = &facts[1];
        let mut by_id = people.to_vec();
        by_id.sort();
        let (ids, roles): (Vec<Uuid>, Vec<String>) = by_id.into_iter().unzip();
        assert_eq!((&f.people, &f.roles), (&ids, &roles), "{n}: each person with their role, by id");
        assert_eq!((f.programmes.as_slice(), f.unit_path.as_str()), ([c.cs_major.id].as_slice(), c.scu.path.as_str()));
        assert_eq!(
            (f.employer_code.as_str(), f.employer_name.as_str()),
            (park.credit_code.as_str(), "成都天府软件园股份有限公司")
        );
        assert_eq!((f.positions_opened, f.form.as_str(), f.invited_to_fair), (12, "on_site", true), "{n}");
        assert!(s.visits_of(c.uestc.id).await.unwrap().is_empty(), "{n}");

        // The visit is corrected: another day, the college's, the career centre alone, both programmes.
        let corrected =
            VisitRecord { visit_date: "2024-03-18".parse().unwrap(), unit_id: c.cs.id, base_agreed: true, ..v.clone() };
        let mut both = vec![c.cs_major.id, c.econ_major.id];
        both.sort_unstable();
        let given = [both[1], both[0]];
        assert!(s.update_visit(&corrected, &people[1..], &given).await.unwrap(), "{n}");
        assert!(!s.update_visit(&visit("2024-03-01", park.id), &[], &[]).await.unwrap(), "{n}: no such visit");
        assert_eq!(s.visit(v.id).await.unwrap().as_ref(), Some(&corrected), "{n}");
        let f = s.visits_of(c.scu.id).await.unwrap().into_iter().find(|f| f.id == v.id).unwrap();
        assert_eq!(
            (f.people.as_slice(), f.roles.as_slice()),
            ([c.career.id].as_slice(), ["career_staff".to_owned()].as_slice())
        );
        assert_eq!(
            (&f.programmes, f.unit_path.as_str(), f.base_agreed),
            (&both, c.cs.path.as_str(), true),
            "{n}: by id"
        );

        // Facts for the rules: where each was registered and which universities it works with.
        let facts = s.employer_facts(&[park.id, other.id, Uuid::nil()]).await.unwrap();
        let mut facts: Vec<(Uuid, String, Vec<String>)> =
            facts.into_iter().map(|f| (f.employer_id, f.registered_path, f.universities)).collect();
        facts.sort();
        let mut expected =
            vec![(park.id, c.scu.path.clone(), vec![c.scu.path.clone()]), (other.id, c.sichuan.path.clone(), vec![])];
        expected.sort();
        assert_eq!(facts, expected, "{n}: unknown ids left out");
        assert!(s.employer_facts(&[]).await.unwrap().is_empty(), "{n}");
        assert!(s.delete_visit(earlier.id).await.unwrap(), "{n}");
        assert!(!s.delete_visit(earlier.id).await.unwrap(), "{n}: gone already");
        assert!(s.visit(earlier.id).await.unwrap().is_none(), "{n}");
        assert_eq!(s.visits_of(c.scu.id).await.unwrap().len(), 1, "{n}");

        // 电子科技大学 confirms a scam by the province's employer: hidden there only, and waiting
        // for 四川省, which registered it.
        let report = ScamReportRecord {
            id: Uuid::now_v7(),
            employer_id: c.employer.id,
            org_id: c.uestc.id,
            posting_id: None,
            reason: "以培训费为名收费".into(),
            blacklisted: false,
            created_by: c.career.id,
            created_at: crate::support::micros(chrono::Utc::now()),
            lifted_by: None,
            lifted_at: None,
            lift_reason: None,
            origin_node: c.node,
        };
        s.add_scam_report(&report).await.unwrap();
        let row = s.scam_report(report.id).await.unwrap().expect("stored");
        assert_eq!(row.report, report, "{n}");
        assert_eq!(
            (row.org_code.as_str(), row.org_path.as_str(), row.posting_title.as_deref()),
            ("4151010614", c.uestc.path.as_str(), None)
        );
        assert_eq!(
            (row.employer_code.as_str(), row.reporter_username.as_str()),
            (c.employer.credit_code.as_str(), "scu_career")
        );
        assert!(s.scam_report(Uuid::nil()).await.unwrap().is_none(), "{n}");
        assert_eq!(s.employers_hidden_in(std::slice::from_ref(&c.uestc.path)).await.unwrap(), [c.employer.id]);
        assert!(s.employers_hidden_in(std::slice::from_ref(&c.scu.path)).await.unwrap().is_empty(), "{n}");
        assert!(s.employers_hidden_in(&[]).await.unwrap().is_empty(), "{n}");
        assert_eq!(s.unresolved_scam_reports_under(std::slice::from_ref(&c.sichuan.path), 10, 0).await.unwrap().1, 1);
        assert_eq!(s.unresolved_scam_reports_under(&[], 10, 0).await.unwrap().1, 0, "{n}");

        // 四川省 blacklists it: the report is decided, and the blacklisting is recorded.
        let reason = Some("多所高校反映收费");
        assert!(
            s.set_verification(&c.employer.credit_code, Verification::Blacklisted, c.career.id, reason).await.unwrap()
        );
        let listed = s.employer_by_id(c.employer.id).await.unwrap().unwrap();
        assert_eq!(
            (listed.verification, listed.blacklist_reason.as_deref()),
            (Verification::Blacklisted, reason),
            "{n}"
        );
        assert_eq!(s.list_employers(None, Some("blacklisted"), 50, 0).await.unwrap().1, 1, "{n}");
        assert_eq!(s.unresolved_scam_reports_under(std::slice::from_ref(&c.sichuan.path), 10, 0).await.unwrap().1, 0);
        let by_province =
            ScamReportRecord { id: Uuid::now_v7(), org_id: c.sichuan.id, blacklisted: true, ..report.clone() };
        s.add_scam_report(&by_province).await.unwrap();
        let newest: Vec<Uuid> = s.scam_reports_of(c.employer.id).await.unwrap().iter().map(|r| r.report.id).collect();
        assert_eq!(newest, [by_province.id, report.id], "{n}: newest first");

        // Lifted on appeal: the blacklisting report goes with it, the university's stays in force.
        assert!(
            s.set_verification(&c.employer.credit_code, Verification::Verified, c.career.id, None).await.unwrap(),
            "{n}"
        );
        assert_eq!(s.lift_blacklisting_reports(c.employer.id, c.career.id, "申诉成功").await.unwrap(), 1, "{n}");
        assert_eq!(s.lift_blacklisting_reports(c.employer.id, c.career.id, "申诉成功").await.unwrap(), 0, "{n}");
        let lifted = s.scam_report(by_province.id).await.unwrap().unwrap().report;
        assert_eq!((lifted.lifted_by, lifted.lift_reason.as_deref()), (Some(c.career.id), Some("申诉成功")), "{n}");
        assert!(s.scam_report(report.id).await.unwrap().unwrap().report.lifted_at.is_none(), "{n}");
        assert_eq!(s.employers_hidden_in(std::slice::from_ref(&c.uestc.path)).await.unwrap(), [c.employer.id]);
        assert_eq!(s.employer_by_id(c.employer.id).await.unwrap().unwrap().blacklist_reason, None, "{n}");
        b.cleanup().await;
    }
}
