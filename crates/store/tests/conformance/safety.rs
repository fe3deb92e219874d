//! `SafetyStore`: a graduate's rights report from filing to its close, seen by the university
//! stage and the province stage as the query asks; the quiz's best result and completion by
//! college.

use chrono::{Duration, NaiveDate, Utc};
use jiuye_domain::access::Role;
use jiuye_store::safety::{RightsQuery, RightsReport};
use uuid::Uuid;

use crate::support::{account, backends, campus, micros};

#[tokio::test]
async fn rights_reports_and_quiz_story() {
    for b in backends().await {
        let (s, n) = (&*b.store, b.name);
        let c = campus(s).await;
        let g = &c.graduates[0];
        let me = account(s, "g0", &c.cs_major, Role::Graduate, Some(g.id)).await;
        let today = NaiveDate::from_ymd_opt(2026, 3, 2).unwrap();
        let now = micros(Utc::now());
        let report = RightsReport {
            id: Uuid::now_v7(),
            graduate_id: g.id,
            reporter_id: me.id,
            university_id: c.scu.id,
            province_id: c.sichuan.id,
            kind: "fees".into(),
            employer_id: Some(c.employer.id),
            target_org_id: None,
            target_name: c.employer.name.clone(),
            description: "要求先交押金".into(),
            anonymous: true,
            route: "university".into(),
            state: "received".into(),
            due_on: NaiveDate::from_ymd_opt(2026, 3, 9).unwrap(),
            escalated_at: None,
            created_at: now,
            updated_at: now,
            version: 1,
        };
        s.add_rights_report(&report, "已提交").await.expect("file");
        let got = s.rights_report(report.id).await.expect("read").expect("there");
        assert_eq!(got.report, report, "{n}");
        assert_eq!(
            (got.university_path.as_str(), got.province_path.as_str()),
            (c.scu.path.as_str(), c.sichuan.path.as_str())
        );
        assert_eq!(got.employer_code.as_deref(), Some(c.employer.credit_code.as_str()));

        let at = |university: &[&str], province: &[&str], day: NaiveDate| RightsQuery {
            university_paths: university.iter().map(|p| (*p).to_owned()).collect(),
            province_paths: province.iter().map(|p| (*p).to_owned()).collect(),
            today: Some(day),
            limit: 50,
            ..RightsQuery::default()
        };
        let count = |q: RightsQuery| async move { s.rights_reports(&q).await.expect("list").1 };
        assert_eq!(count(at(&[&c.scu.path], &[], today)).await, 1, "{n}: the university stage");
        assert_eq!(count(at(&[&c.uestc.path], &[], today)).await, 0, "{n}: another university");
        assert_eq!(count(at(&[], &[&c.sichuan.path], today)).await, 0, "{n}: not yet the province");
        let late = today + Duration::days(10);
        assert_eq!(count(at(&[], &[&c.sichuan.path], late)).await, 1, "{n}: overdue reaches the province");
        let own = RightsQuery { graduate: Some(g.id), limit: 50, ..RightsQuery::default() };
        assert_eq!(s.rights_reports(&own).await.expect("own").1, 1);
        let nobody = RightsQuery { limit: 50, ..RightsQuery::default() };
        assert_eq!(s.rights_reports(&nobody).await.expect("none").1, 0, "{n}: no scope, no rows");

        // Taken up after its due day: it stays with the province as well.
        assert!(s.move_rights_report(report.id, 1, "handling", c.career.id, "已联系单位", late).await.expect("move"));
        assert!(!s.move_rights_report(report.id, 1, "resolved", c.career.id, "x", late).await.expect("stale"), "{n}");
        let got = s.rights_report(report.id).await.expect("read").expect("there");
        assert!(got.report.escalated_at.is_some() && got.report.version == 2, "{n}");
        assert_eq!(count(at(&[], &[&c.sichuan.path], today)).await, 1, "{n}: escalation sticks");
        let steps = s.rights_events(report.id).await.expect("steps");
        assert_eq!(steps.len(), 2);
        assert_eq!((steps[1].state.as_str(), steps[1].note.as_str()), ("handling", "已联系单位"));
        assert!(steps[1].by_name.is_some() && steps[0].by_user.is_none());
        let tally = s.rights_tally(&at(&[&c.scu.path], &[], today)).await.expect("tally");
        assert_eq!((tally[0].kind.as_str(), tally[0].count), ("fees", 1), "{n}");
        let open = RightsQuery { states: vec!["received".into()], ..at(&[&c.scu.path], &[], today) };
        assert_eq!(count(open).await, 0, "{n}: filtered by state");

        // The quiz: the best result stays.
        assert!(s.quiz_result(g.id).await.expect("none").is_none());
        s.record_quiz(g.id, 3, 8, false).await.expect("try");
        s.record_quiz(g.id, 8, 8, true).await.expect("pass");
        s.record_quiz(g.id, 1, 8, false).await.expect("worse");
        let (right, total, passed, _) = s.quiz_result(g.id).await.expect("read").expect("kept");
        assert_eq!((right, total, passed), (8, 8, true), "{n}");
        let by_college = s.quiz_completion(std::slice::from_ref(&c.scu.path), g.cohort).await.expect("completion");
        let cs = by_college.iter().find(|r| r.college_id == c.cs.id).expect("computer science");
        assert_eq!((cs.graduates, cs.completed), (4, 1), "{n}");
        assert!(s.quiz_completion(&[], g.cohort).await.expect("empty").is_empty());
        b.cleanup().await;
    }
}
