//! `EmployerDirectory`: registering, verifying and correcting employers, their contacts, visits,
//! scam reports and the blacklist.

use jiuye_domain::RefData;
use jiuye_seed::SeedPlan;

use crate::support::{backends, code, small_plan};

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
