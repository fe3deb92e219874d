//! `Postings`: an employer posts, staff review, graduates see what is open to them, apply and
//! hear back; reports, withdrawal and the talent pool.

use chrono::{Duration, NaiveDate, Utc};
use jiuye_domain::access::Role;
use jiuye_domain::employer::Verification;
use jiuye_domain::posting::{ApplicationStatus, PostingStatus};
use jiuye_store::postings::PostingRecord;
use uuid::Uuid;

use crate::support::{Campus, account, backends, campus, micros};

pub(crate) fn posting(c: &Campus, title: &str, scope: Uuid, visibility: &str, days_ago: i64) -> PostingRecord {
    let at = micros(Utc::now() - Duration::days(days_ago));
    PostingRecord {
        id: Uuid::now_v7(),
        employer_id: c.employer.id,
        title: title.into(),
        description: "负责核心业务系统的开发与维护。".into(),
        region_code: "510107".into(),
        position_code: "2-02-10".into(),
        education: "bachelor".into(),
        majors: "0809".into(),
        openings: 3,
        salary_min: Some(8_000),
        salary_max: Some(15_000),
        deadline: NaiveDate::from_ymd_opt(2099, 6, 30).expect("a date"),
        contact: "hr@shuxin.cn".into(),
        apply_method: "platform".into(),
        visibility: visibility.into(),
        scope_org_id: scope,
        specials: String::new(),
        status: PostingStatus::Pending,
        risk_level: "low".into(),
        risk_reasons: "[]".into(),
        reviewed_by: None,
        reviewed_at: None,
        review_note: None,
        created_by: c.career.id,
        created_at: at,
        updated_at: at,
        origin_node: c.node,
        version: 1,
        occupation: None,
    }
}

fn ids(rows: &[jiuye_store::postings::PostingRow]) -> Vec<Uuid> {
    rows.iter().map(|r| r.posting.id).collect()
}

#[tokio::test]
async fn postings_story_from_posting_to_offer() {
    for b in backends().await {
        let (s, n) = (&*b.store, b.name);
        let c = campus(s).await;
        let (g0, g1) = (&c.graduates[0], &c.graduates[1]);
        let hr = account(s, "shuxin_hr", &c.sichuan, Role::Employer, Some(c.employer.id)).await;

        // The employer posts a job at 四川大学, one for the whole province, and one that
        // screening held.
        let backend = posting(&c, "后端开发工程师", c.scu.id, "university", 3);
        let mut analyst = posting(&c, "数据分析师", c.sichuan.id, "province", 2);
        analyst.specials = "spring2024,women".into();
        let held = PostingRecord {
            status: PostingStatus::Held,
            risk_level: "high".into(),
            ..posting(&c, "高薪日结", c.scu.id, "university", 1)
        };
        s.add_posting(&backend).await.unwrap();
        // A batch is written whole or not at all.
        let broken = [analyst.clone(), backend.clone()];
        assert!(s.add_postings(&broken).await.is_err(), "{n}: the second id is taken");
        assert!(s.posting(analyst.id).await.unwrap().is_none(), "{n}: nothing of the batch was kept");
        s.add_postings(&[analyst.clone(), held.clone()]).await.unwrap();
        let row = s.posting(backend.id).await.unwrap().expect("stored");
        assert_eq!(row.posting, backend, "{n}");
        assert_eq!(
            (row.scope_path.as_str(), row.employer_name.as_str()),
            (c.scu.path.as_str(), c.employer.name.as_str())
        );
        assert_eq!(
            (row.employer_code.as_str(), row.report_count, row.employer_verification),
            (c.employer.credit_code.as_str(), 0, Verification::Unverified)
        );
        assert_eq!(
            (row.employer_type.as_str(), row.employer_industry.as_str(), row.employer_size),
            ("39", "6513", None),
            "{n}"
        );
        assert!(s.posting(Uuid::nil()).await.unwrap().is_none(), "{n}");

        // Review queues: 四川大学 sees its own two, 四川省 everything below it.
        let (queue, total) =
            s.postings_in(std::slice::from_ref(&c.scu.path), &["pending", "held"], 50, 0).await.unwrap();
        assert_eq!((ids(&queue), total), (vec![held.id, backend.id], 2), "{n}: newest first");
        let (queue, total) = s.postings_in(std::slice::from_ref(&c.sichuan.path), &["pending"], 50, 0).await.unwrap();
        assert_eq!((ids(&queue), total), (vec![analyst.id, backend.id], 2), "{n}");
        let (page, total) = s.postings_in(std::slice::from_ref(&c.sichuan.path), &["pending"], 1, 1).await.unwrap();
        assert_eq!((ids(&page), total), (vec![backend.id], 2), "{n}");
        assert_eq!(s.postings_in(std::slice::from_ref(&c.uestc.path), &["pending"], 50, 0).await.unwrap().1, 0);
        assert_eq!(s.postings_in(&[], &["pending"], 50, 0).await.unwrap().1, 0, "{n}");
        assert_eq!(s.postings_in(std::slice::from_ref(&c.scu.path), &[], 50, 0).await.unwrap().1, 0, "{n}");

        // Review at the version read; a stale decision is refused.
        let since = Utc::now();
        assert!(!s.review_posting(backend.id, 9, PostingStatus::Approved, c.career.id, None).await.unwrap(), "{n}");
        assert!(
            s.review_posting(backend.id, 1, PostingStatus::Approved, c.career.id, Some("信息完整")).await.unwrap(),
            "{n}"
        );
        assert!(!s.review_posting(Uuid::nil(), 1, PostingStatus::Approved, c.career.id, None).await.unwrap(), "{n}");
        let reviewed = s.posting(backend.id).await.unwrap().unwrap().posting;
        assert_eq!(
            (reviewed.status, reviewed.version, reviewed.reviewed_by),
            (PostingStatus::Approved, 2, Some(c.career.id))
        );
        assert_eq!(reviewed.review_note.as_deref(), Some("信息完整"), "{n}");
        assert!(reviewed.reviewed_at.is_some() && reviewed.updated_at >= micros(since), "{n}");
        assert_eq!(s.postings_changed_since(since).await.unwrap(), [backend.id], "{n}: only the reviewed one");
        assert!(s.review_posting(analyst.id, 1, PostingStatus::Approved, c.career.id, None).await.unwrap(), "{n}");
        assert!(
            s.review_posting(held.id, 1, PostingStatus::Rejected, c.career.id, Some("疑似诈骗")).await.unwrap(),
            "{n}"
        );

        // What graduates see: approved, open, in their scopes, newest first.
        let today = "2024-05-01";
        let scu_reader = [c.scu.id, c.sichuan.id];
        let (open, total) = s.postings_visible(&scu_reader, &[], today, None, 50, 0).await.unwrap();
        assert_eq!((ids(&open), total), (vec![analyst.id, backend.id], 2), "{n}");
        let uestc_reader = [c.uestc.id, c.sichuan.id];
        assert_eq!(ids(&s.postings_visible(&uestc_reader, &[], today, None, 50, 0).await.unwrap().0), [analyst.id]);
        let special = s.postings_visible(&scu_reader, &[], today, Some("spring2024"), 50, 0).await.unwrap();
        assert_eq!(ids(&special.0), [analyst.id], "{n}");
        assert_eq!(s.postings_visible(&scu_reader, &[], today, Some("spring"), 50, 0).await.unwrap().1, 0, "{n}");
        assert_eq!(s.postings_visible(&scu_reader, &[], "2100-01-01", None, 50, 0).await.unwrap().1, 0, "{n}: closed");
        assert_eq!(s.postings_visible(&scu_reader, &[c.employer.id], today, None, 50, 0).await.unwrap().1, 0, "{n}");
        assert_eq!(s.postings_visible(&[], &[], today, None, 50, 0).await.unwrap().1, 0, "{n}");
        let (page, total) = s.postings_visible(&scu_reader, &[], today, None, 1, 1).await.unwrap();
        assert_eq!((ids(&page), total), (vec![backend.id], 2), "{n}");

        // The search index is fed approved postings in id order, page by page.
        let first = s.approved_postings_after(None, 1).await.unwrap();
        assert_eq!(ids(&first), [backend.id], "{n}");
        assert_eq!(ids(&s.approved_postings_after(Some(backend.id), 10).await.unwrap()), [analyst.id], "{n}");
        assert!(s.approved_postings_after(Some(analyst.id), 10).await.unwrap().is_empty(), "{n}");
        assert_eq!(ids(&s.postings_by_ids(&[held.id, Uuid::nil(), backend.id]).await.unwrap()), [held.id, backend.id]);
        assert!(s.postings_by_ids(&[]).await.unwrap().is_empty(), "{n}");

        // The employer edits the approved posting: it goes back to review, unreviewed.
        let edited = PostingRecord {
            openings: 5,
            title: "后端开发工程师（Rust）".into(),
            status: PostingStatus::Pending,
            occupation: Some("2-02-10-03".into()),
            ..reviewed.clone()
        };
        assert!(s.update_posting(&edited).await.unwrap(), "{n}");
        assert!(!s.update_posting(&posting(&c, "不存在", c.scu.id, "university", 0)).await.unwrap(), "{n}: gone");
        let back = s.posting(backend.id).await.unwrap().unwrap().posting;
        assert_eq!(
            (back.status, back.version, back.openings, back.reviewed_by),
            (PostingStatus::Pending, 3, 5, None),
            "{n}"
        );
        assert_eq!((back.review_note, back.created_at), (None, backend.created_at), "{n}");
        assert_eq!(back.occupation.as_deref(), Some("2-02-10-03"), "{n}: the chosen occupation is kept");
        assert_eq!(s.postings_visible(&scu_reader, &[], today, None, 50, 0).await.unwrap().1, 1, "{n}");
        assert!(s.labelled_titles(10).await.unwrap().is_empty(), "{n}: only approved postings teach");
        assert!(s.review_posting(backend.id, 3, PostingStatus::Approved, c.career.id, None).await.unwrap(), "{n}");
        assert_eq!(
            s.labelled_titles(10).await.unwrap(),
            [("后端开发工程师（Rust）".to_owned(), "2-02-10-03".to_owned())],
            "{n}"
        );

        // 李明 applies, once; the employer moves the application along at the version it read.
        let app = Uuid::now_v7();
        assert!(s.add_application(app, backend.id, g0.id, Some("附作品集链接"), g0.id).await.unwrap(), "{n}");
        assert!(
            !s.add_application(Uuid::now_v7(), backend.id, g0.id, None, g0.id).await.unwrap(),
            "{n}: applied already"
        );
        let a = s.application(app).await.unwrap().expect("stored");
        assert_eq!(
            (a.status, a.version, a.note.as_deref(), a.resume.clone()),
            (ApplicationStatus::Submitted, 1, Some("附作品集链接"), None)
        );
        assert_eq!(
            (a.posting_title.as_str(), a.employer_id, a.employer_name.as_str()),
            ("后端开发工程师（Rust）", c.employer.id, c.employer.name.as_str())
        );
        assert_eq!(
            (a.graduate_name.as_str(), a.programme_name.as_str(), a.university_name.as_str()),
            ("李明", "计算机科学与技术", "四川大学")
        );
        assert!(s.application(Uuid::nil()).await.unwrap().is_none(), "{n}");
        assert!(s.set_application_status(app, 1, ApplicationStatus::Viewed, hr.id).await.unwrap(), "{n}");
        assert!(!s.set_application_status(app, 1, ApplicationStatus::Interview, hr.id).await.unwrap(), "{n}: stale");
        assert!(s.set_application_status(app, 2, ApplicationStatus::Interview, hr.id).await.unwrap(), "{n}");
        let events: Vec<&str> = s.application_events(app).await.unwrap().into_iter().map(|e| e.0.id()).collect();
        assert_eq!(events, ["submitted", "viewed", "interview"], "{n}: oldest first");
        assert_eq!(s.application(app).await.unwrap().unwrap().version, 3, "{n}");
        s.add_application_message(app, "employer", "请于周五下午两点来面试。").await.unwrap();
        s.add_application_message(app, "graduate", "好的，准时到。").await.unwrap();
        let talk: Vec<(String, String)> =
            s.application_messages(app).await.unwrap().into_iter().map(|m| (m.0, m.1)).collect();
        assert_eq!(
            talk,
            [("employer".into(), "请于周五下午两点来面试。".into()), ("graduate".into(), "好的，准时到。".into())]
        );

        // A résumé, then a better one: the store says which file it replaced.
        assert_eq!(s.set_application_resume(app, "r1.pdf", "application/pdf", 1_000).await.unwrap(), None, "{n}");
        assert_eq!(
            s.set_application_resume(app, "r2.pdf", "application/pdf", 2_000).await.unwrap().as_deref(),
            Some("r1.pdf")
        );
        assert_eq!(
            s.application(app).await.unwrap().unwrap().resume,
            Some(("r2.pdf".into(), "application/pdf".into(), 2_000))
        );
        assert_eq!(s.resume_files().await.unwrap(), [(app, "r2.pdf".to_owned())], "{n}: applications with a résumé");

        // Lists: a posting's applicants oldest first, a graduate's applications newest first.
        let wang = Uuid::now_v7();
        assert!(s.add_application(wang, backend.id, g1.id, None, g1.id).await.unwrap(), "{n}");
        let second = Uuid::now_v7();
        assert!(s.add_application(second, analyst.id, g0.id, None, g0.id).await.unwrap(), "{n}");
        let to: Vec<Uuid> = s.applications_to_posting(backend.id).await.unwrap().iter().map(|a| a.id).collect();
        assert_eq!(to, [app, wang], "{n}");
        let of: Vec<Uuid> = s.applications_of_graduate(g0.id).await.unwrap().iter().map(|a| a.id).collect();
        assert_eq!(of, [second, app], "{n}");
        assert!(s.applications_of_graduate(c.graduates[5].id).await.unwrap().is_empty(), "{n}");

        // Two graduates report the province-wide posting; a second report by the same person is not counted.
        assert!(s.add_posting_report(analyst.id, g0.id, "要求先交培训费").await.unwrap(), "{n}");
        assert!(s.add_posting_report(analyst.id, g1.id, "电话无人接听").await.unwrap(), "{n}");
        assert!(!s.add_posting_report(analyst.id, g0.id, "再次举报").await.unwrap(), "{n}");
        let reasons: Vec<String> = s.posting_reports(analyst.id).await.unwrap().into_iter().map(|r| r.0).collect();
        assert_eq!(reasons, ["要求先交培训费", "电话无人接听"], "{n}: oldest first");
        assert_eq!(s.posting(analyst.id).await.unwrap().unwrap().report_count, 2, "{n}");
        let (reported, total) =
            s.postings_in(std::slice::from_ref(&c.sichuan.path), &["reported"], 50, 0).await.unwrap();
        assert_eq!((ids(&reported), total), (vec![analyst.id], 1), "{n}");

        // The employer withdraws it at the version it read, once.
        let current = s.posting(analyst.id).await.unwrap().unwrap().posting.version;
        assert!(!s.withdraw_posting(analyst.id, current - 1).await.unwrap(), "{n}: stale");
        assert!(s.withdraw_posting(analyst.id, current).await.unwrap(), "{n}");
        assert!(!s.withdraw_posting(analyst.id, current + 1).await.unwrap(), "{n}: withdrawn already");
        assert_eq!(s.posting(analyst.id).await.unwrap().unwrap().posting.status, PostingStatus::Withdrawn, "{n}");
        assert_eq!(ids(&s.postings_visible(&scu_reader, &[], today, None, 50, 0).await.unwrap().0), [backend.id]);
        assert_eq!(s.postings_in(std::slice::from_ref(&c.sichuan.path), &["reported"], 50, 0).await.unwrap().1, 0);
        assert_eq!(
            ids(&s.postings_of_employer(c.employer.id).await.unwrap()),
            [held.id, analyst.id, backend.id],
            "{n}"
        );
        assert!(s.postings_of_employer(Uuid::nil()).await.unwrap().is_empty(), "{n}");

        // Which employers had posted in which scopes before a date (campaign "new employer" rule).
        let mut before = s.employers_posting_before(&[c.scu.id, c.sichuan.id, c.uestc.id], Utc::now()).await.unwrap();
        before.sort();
        let mut expected = vec![(c.scu.id, c.employer.id), (c.sichuan.id, c.employer.id)];
        expected.sort();
        assert_eq!(before, expected, "{n}: one row per scope and employer");
        let long_ago = Utc::now() - Duration::days(30);
        assert!(s.employers_posting_before(&[c.scu.id], long_ago).await.unwrap().is_empty(), "{n}");
        assert!(s.employers_posting_before(&[], Utc::now()).await.unwrap().is_empty(), "{n}");

        // The talent pool: opting in twice keeps the first date; opting out removes.
        assert!(!s.talent_optin(g0.id).await.unwrap(), "{n}");
        s.set_talent_optin(g0.id, true).await.unwrap();
        let since_first = s.talent(10, 0).await.unwrap().0[0].since;
        s.set_talent_optin(g0.id, true).await.unwrap();
        s.set_talent_optin(g1.id, true).await.unwrap();
        let (pool, total) = s.talent(10, 0).await.unwrap();
        let names: Vec<&str> = pool.iter().map(|t| t.name.as_str()).collect();
        assert_eq!((names, total), (vec!["王芳", "李明"], 2), "{n}: newest first");
        assert_eq!(
            (pool[1].since, pool[1].programme_name.as_str(), pool[1].cohort),
            (since_first, "计算机科学与技术", 2024)
        );
        assert_eq!(
            (pool[1].education_level.as_str(), pool[1].university_name.as_str()),
            ("bachelor", "四川大学"),
            "{n}"
        );
        let (page, total) = s.talent(1, 1).await.unwrap();
        assert_eq!((page[0].graduate_id, total), (g0.id, 2), "{n}");
        assert!(s.talent_optin(g0.id).await.unwrap(), "{n}");
        s.set_talent_optin(g0.id, false).await.unwrap();
        assert!(!s.talent_optin(g0.id).await.unwrap(), "{n}");
        assert_eq!(s.talent(10, 0).await.unwrap().1, 1, "{n}");
        b.cleanup().await;
    }
}

#[tokio::test]
async fn a_stored_value_no_version_wrote_is_reported_as_corrupt_not_guessed() {
    for b in backends().await {
        let (s, n) = (&*b.store, b.name);
        let c = campus(s).await;
        let p = posting(&c, "数据工程师", c.scu.id, "university", 0);
        s.add_posting(&p).await.expect("post");
        assert!(s.posting(p.id).await.expect("read").is_some(), "{n}");
        b.raw("UPDATE postings SET status = 'bogus' WHERE title = '数据工程师'").await;
        match s.posting(p.id).await {
            Err(jiuye_store::StoreError::Corrupt(what)) => assert!(what.contains("bogus"), "{n}: {what}"),
            other => panic!("{n}: a state no version writes must be refused, got {other:?}"),
        }
        b.raw("UPDATE postings SET status = 'pending', deadline = '30/06/2099' WHERE title = '数据工程师'").await;
        assert!(
            matches!(s.posting(p.id).await, Err(jiuye_store::StoreError::Corrupt(_))),
            "{n}: a date that is not one"
        );
        b.cleanup().await;
    }
}
