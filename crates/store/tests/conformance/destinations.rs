//! `Destinations`: a graduate registers a destination, the college returns it, approves it, the
//! graduate confirms; versions, evidence, disputes, counselor follow-up, integrity rows, cohort
//! closing and the minimum-wage table.

use chrono::{Duration, Utc};
use jiuye_domain::access::Role;
use jiuye_domain::destination::{DestStatus, Registration};
use jiuye_store::destinations::{DestinationRecord, DisputeRecord, EvidenceRecord, GraduateQuery};
use uuid::Uuid;

use crate::support::{Campus, account, backends, campus, micros};

fn record(c: &Campus, graduate: Uuid, status: DestStatus, code: &str, by: Option<Uuid>) -> DestinationRecord {
    let now = micros(Utc::now());
    DestinationRecord {
        graduate_id: graduate,
        org_id: c.scu.id,
        status,
        registration: Registration {
            code: code.into(),
            employer_name: Some(c.employer.name.clone()),
            credit_code: Some(c.employer.credit_code.clone()),
            employer_region: Some("510107".into()),
            employer_type: Some("39".into()),
            employer_industry: Some("6513".into()),
            monthly_pay: Some(8_000),
            proof_kind: Some("contract".into()),
            statement_signed: false,
            note: None,
        },
        return_reason: None,
        college_reviewer: None,
        university_reviewer: None,
        registered_by: by,
        source: "graduate".into(),
        version: 0,
        created_at: now,
        updated_at: now,
        confirmed_at: None,
    }
}

#[tokio::test]
async fn destinations_story_a_registration_from_draft_to_confirmation() {
    for b in backends().await {
        let (s, n) = (&*b.store, b.name);
        let c = campus(s).await;
        let g = &c.graduates;
        let counselor = account(s, "cs_counselor", &c.cs, Role::Counselor, None).await;
        let li = account(s, "2020010001", &c.cs_major, Role::Graduate, Some(g[0].id)).await;
        let li_actor = Some((li.id, li.username.clone()));
        let counselor_actor = Some((counselor.id, counselor.username.clone()));

        // Where a graduate sits, for scope checks and display.
        let view = s.graduate_view(g[0].id).await.unwrap().expect("李明");
        assert_eq!(view.graduate, g[0], "{n}");
        assert_eq!(
            (view.programme_path.as_str(), view.programme_name.as_str(), view.college_name.as_str()),
            (c.cs_major.path.as_str(), "计算机科学与技术", "计算机学院"),
            "{n}"
        );
        assert_eq!(view.university_name, "四川大学", "{n}");
        assert!(s.graduate_view(Uuid::nil()).await.unwrap().is_none(), "{n}");

        // The counselor's list: the whole cohort, by 学号, narrowed by scope, name and page.
        let list = |scope: &str| GraduateQuery {
            scope_paths: vec![scope.to_owned()],
            cohort: Some(2024),
            limit: 50,
            ..GraduateQuery::default()
        };
        let (all, total) = s.list_graduates(&list(&c.scu.path)).await.unwrap();
        let numbers: Vec<&str> = all.iter().map(|i| i.student_no.as_str()).collect();
        let mut sorted = numbers.clone();
        sorted.sort_unstable();
        assert_eq!((total, numbers.clone()), (6, sorted), "{n}: by 学号");
        assert!(all.iter().all(|i| i.dest_status == DestStatus::None && i.contact_state == "not_contacted"));
        assert_eq!(s.list_graduates(&list(&c.cs.path)).await.unwrap().1, 4, "{n}");
        assert_eq!(s.list_graduates(&list(&c.uestc.path)).await.unwrap().1, 0, "{n}");
        assert_eq!(s.list_graduates(&GraduateQuery { scope_paths: vec![], ..list("") }).await.unwrap().1, 0);
        let narrowed = GraduateQuery { org_path: Some(c.econ.path.clone()), ..list(&c.scu.path) };
        assert_eq!(s.list_graduates(&narrowed).await.unwrap().1, 2, "{n}");
        let found = s.list_graduates(&GraduateQuery { q: Some("王".into()), ..list("CN") }).await.unwrap().0;
        assert_eq!(found.iter().map(|i| i.name.as_str()).collect::<Vec<_>>(), ["王芳"], "{n}");
        let by_no = GraduateQuery { q: Some(g[4].student_no.clone()), ..list("CN") };
        assert_eq!(s.list_graduates(&by_no).await.unwrap().0[0].id, g[4].id, "{n}");
        let page = GraduateQuery { limit: 2, offset: 2, ..list(&c.scu.path) };
        let (rows, total) = s.list_graduates(&page).await.unwrap();
        assert_eq!((rows[0].student_no.as_str(), rows.len(), total), (numbers[2], 2, 6), "{n}");
        assert_eq!(s.list_graduates(&GraduateQuery { cohort: Some(2023), ..list("CN") }).await.unwrap().1, 0);

        // The counselor follows up with 王芳, who needs help.
        s.set_contact(g[1].id, "needs_help", counselor.id).await.unwrap();
        let item = s.list_graduates(&GraduateQuery { q: Some("王芳".into()), ..list("CN") }).await.unwrap().0;
        assert_eq!(item[0].contact_state, "needs_help", "{n}");
        assert!(item[0].contacted_at.is_some(), "{n}");
        let fortnight = GraduateQuery { not_contacted_since: Some(Utc::now() - Duration::days(14)), ..list("CN") };
        let (stale, stale_total) = s.list_graduates(&fortnight).await.unwrap();
        assert_eq!(stale_total, 5, "{n}: 王芳 was reached just now");
        assert!(stale.iter().all(|i| i.name != "王芳"), "{n}");
        let later = GraduateQuery { not_contacted_since: Some(Utc::now() + Duration::days(1)), ..list("CN") };
        assert_eq!(s.list_graduates(&later).await.unwrap().1, 6, "{n}: a contact before the date does not count");

        // 李明 registers a contract job; the graduate row mirrors code and status.
        let mut rec = record(&c, g[0].id, DestStatus::Submitted, "11", Some(li.id));
        assert!(s.save_destination(&rec, None, "register", li_actor.clone()).await.unwrap(), "{n}");
        let stored = s.destination(g[0].id).await.unwrap().expect("saved");
        assert_eq!(
            (stored.version, stored.status, &stored.registration),
            (1, DestStatus::Submitted, &rec.registration)
        );
        let mirrored = s.graduate_view(g[0].id).await.unwrap().unwrap().graduate;
        assert_eq!((mirrored.dest_code.as_deref(), mirrored.dest_status), (Some("11"), DestStatus::Submitted), "{n}");
        assert!(mirrored.dest_updated_at.is_some() && mirrored.version > g[0].version, "{n}");
        assert!(s.destination(g[1].id).await.unwrap().is_none(), "{n}: nothing registered");

        // A reviewer who read an old version is refused and nothing changes; so is one who
        // expects a record where there is none.
        rec.status = DestStatus::Approved;
        assert!(!s.save_destination(&rec, Some(7), "approve", counselor_actor.clone()).await.unwrap(), "{n}");
        assert_eq!(s.destination(g[0].id).await.unwrap().unwrap().status, DestStatus::Submitted, "{n}");
        let none_yet = record(&c, g[5].id, DestStatus::Approved, "11", None);
        assert!(!s.save_destination(&none_yet, Some(1), "approve", None).await.unwrap(), "{n}");
        assert!(s.destination(g[5].id).await.unwrap().is_none(), "{n}");

        // The counselor returns it with a reason; 李明 resubmits; the college approves; 李明
        // confirms. Every step bumps the version by one.
        rec.status = DestStatus::Returned;
        rec.return_reason = Some("请上传劳动合同首页".into());
        assert!(s.save_destination(&rec, Some(1), "return", counselor_actor.clone()).await.unwrap(), "{n}");
        let returned = s.destination(g[0].id).await.unwrap().unwrap();
        assert_eq!((returned.version, returned.return_reason.as_deref()), (2, Some("请上传劳动合同首页")), "{n}");
        rec.status = DestStatus::Submitted;
        rec.return_reason = None;
        assert!(s.save_destination(&rec, Some(2), "register", li_actor.clone()).await.unwrap(), "{n}");
        rec.status = DestStatus::Approved;
        rec.college_reviewer = Some(counselor.id);
        assert!(s.save_destination(&rec, Some(3), "approve", counselor_actor.clone()).await.unwrap(), "{n}");
        let approved = GraduateQuery { status: Some(DestStatus::Approved), ..list(&c.scu.path) };
        assert_eq!(s.list_graduates(&approved).await.unwrap().0[0].id, g[0].id, "{n}");
        let unplaced = GraduateQuery { unplaced: true, ..list(&c.scu.path) };
        assert_eq!(s.list_graduates(&unplaced).await.unwrap().1, 5, "{n}: an approved 11 counts as placed");
        rec.status = DestStatus::Confirmed;
        rec.confirmed_at = Some(micros(Utc::now()));
        assert!(s.save_destination(&rec, Some(4), "confirm", li_actor.clone()).await.unwrap(), "{n}");
        let confirmed = s.destination(g[0].id).await.unwrap().unwrap();
        assert_eq!((confirmed.version, confirmed.status), (5, DestStatus::Confirmed), "{n}");
        assert_eq!((confirmed.confirmed_at, confirmed.college_reviewer), (rec.confirmed_at, Some(counselor.id)));
        assert_eq!((confirmed.created_at, confirmed.source.as_str()), (stored.created_at, "graduate"), "{n}");
        let history = s.destination_versions(g[0].id).await.unwrap();
        let steps: Vec<(i64, &str, DestStatus, Option<&str>)> =
            history.iter().map(|v| (v.version, v.action.as_str(), v.status, v.actor_name.as_deref())).collect();
        assert_eq!(
            steps,
            [
                (1, "register", DestStatus::Submitted, Some("2020010001")),
                (2, "return", DestStatus::Returned, Some("cs_counselor")),
                (3, "register", DestStatus::Submitted, Some("2020010001")),
                (4, "approve", DestStatus::Approved, Some("cs_counselor")),
                (5, "confirm", DestStatus::Confirmed, Some("2020010001")),
            ],
            "{n}: oldest first"
        );
        let snapshot: serde_json::Value = serde_json::from_str(&history[1].snapshot).expect("JSON snapshot");
        assert_eq!(snapshot["return_reason"], "请上传劳动合同首页", "{n}");
        assert_eq!(snapshot["registration"]["code"], "11", "{n}");

        // Two reviewers approve 张伟's record at the same moment, both having read version 1:
        // one wins, the other is told the record moved on.
        let zhang = record(&c, g[2].id, DestStatus::Submitted, "12", None);
        assert!(s.save_destination(&zhang, None, "register", None).await.unwrap(), "{n}");
        let by_counselor = DestinationRecord { status: DestStatus::Approved, ..zhang.clone() };
        let by_career = DestinationRecord { status: DestStatus::Returned, ..zhang.clone() };
        let (first, second) = tokio::join!(
            s.save_destination(&by_counselor, Some(1), "approve", counselor_actor.clone()),
            s.save_destination(&by_career, Some(1), "return", c.career_actor()),
        );
        let outcomes = [first.expect("no error for a stale version"), second.expect("no error for a stale version")];
        assert_eq!(outcomes.iter().filter(|ok| **ok).count(), 1, "{n}: exactly one of {outcomes:?} wins");
        let versions: Vec<i64> = s.destination_versions(g[2].id).await.unwrap().iter().map(|v| v.version).collect();
        assert_eq!(versions, [1, 2], "{n}");
        assert_eq!(s.destination(g[2].id).await.unwrap().unwrap().version, 2, "{n}");

        // Evidence files' metadata, in upload order.
        let file = |name: &str, seconds: i64| EvidenceRecord {
            id: Uuid::now_v7(),
            graduate_id: g[0].id,
            org_id: c.scu.id,
            kind: "contract".into(),
            stored_name: format!("{}.pdf", Uuid::now_v7().simple()),
            original_name: name.into(),
            content_type: "application/pdf".into(),
            size_bytes: 120_000,
            sha256: "ab".repeat(32),
            uploaded_by: Some(li.id),
            uploaded_at: micros(Utc::now() - Duration::seconds(seconds)),
        };
        let (page_two, page_one) = (file("劳动合同-第2页.pdf", 1), file("劳动合同-第1页.pdf", 60));
        s.add_evidence(&page_two).await.unwrap();
        s.add_evidence(&page_one).await.unwrap();
        assert_eq!(s.evidence_of(g[0].id).await.unwrap(), [page_one.clone(), page_two.clone()], "{n}");
        assert_eq!(s.evidence(page_two.id).await.unwrap().as_ref(), Some(&page_two), "{n}");
        assert!(s.evidence(Uuid::nil()).await.unwrap().is_none(), "{n}");
        assert!(s.evidence_of(g[1].id).await.unwrap().is_empty(), "{n}");
        let mut files = vec![(page_two.id, page_two.stored_name.clone()), (page_one.id, page_one.stored_name.clone())];
        files.sort();
        assert_eq!(s.evidence_files().await.unwrap(), files, "{n}: every file, in id order");

        // Staff change the record after 李明 confirmed it: the integrity rows show it.
        let before = s.integrity_rows(&c.scu.path, 2024).await.unwrap();
        let li_row = before.iter().find(|r| r.graduate_id == g[0].id).expect("李明's row");
        assert_eq!((li_row.evidence_count, li_row.changes_after_confirmation), (2, 0), "{n}");
        assert_eq!(li_row.registered_by_name.as_deref(), Some("2020010001"), "{n}");
        assert_eq!(before.len(), 2, "{n}: only graduates with a record");
        let mut changed = rec.clone();
        changed.status = DestStatus::Submitted;
        changed.source = "staff".into();
        changed.registered_by = Some(c.career.id);
        changed.registration.monthly_pay = Some(3_000);
        assert!(s.save_destination(&changed, Some(5), "register", c.career_actor()).await.unwrap(), "{n}");
        let after = s.integrity_rows(&c.scu.path, 2024).await.unwrap();
        let li_row = after.iter().find(|r| r.graduate_id == g[0].id).expect("李明's row");
        assert_eq!((li_row.changes_after_confirmation, li_row.source.as_str()), (1, "staff"), "{n}");
        assert_eq!(li_row.registered_by_name.as_deref(), Some("scu_career"), "{n}");
        assert_eq!(s.integrity_rows(&c.econ.path, 2024).await.unwrap().len(), 0, "{n}");
        assert_eq!(s.integrity_rows(&c.scu.path, 2023).await.unwrap().len(), 0, "{n}");

        // 李明 disputes the change; the college answers once.
        let dispute = DisputeRecord {
            id: Uuid::now_v7(),
            graduate_id: g[0].id,
            org_id: c.scu.id,
            text: "月薪不是三千元，请更正。".into(),
            status: "open".into(),
            answer: None,
            answered_by: None,
            created_at: micros(Utc::now()),
            answered_at: None,
        };
        s.add_dispute(&dispute).await.unwrap();
        assert_eq!(s.disputes_of(g[0].id).await.unwrap(), std::slice::from_ref(&dispute), "{n}");
        assert_eq!(s.dispute(dispute.id).await.unwrap().as_ref(), Some(&dispute), "{n}");
        let open = s.open_disputes(std::slice::from_ref(&c.cs.path)).await.unwrap();
        assert_eq!(open.len(), 1, "{n}");
        assert_eq!(
            (open[0].0.id, open[0].1.name.as_str(), open[0].1.dest_code.as_deref()),
            (dispute.id, "李明", Some("11"))
        );
        assert!(s.open_disputes(std::slice::from_ref(&c.uestc.path)).await.unwrap().is_empty(), "{n}");
        assert!(s.open_disputes(&[]).await.unwrap().is_empty(), "{n}: no scope, no rows");
        assert!(s.answer_dispute(dispute.id, "已核实并更正", c.career.id).await.unwrap(), "{n}");
        assert!(!s.answer_dispute(dispute.id, "再次回复", c.career.id).await.unwrap(), "{n}: answered already");
        let answered = s.dispute(dispute.id).await.unwrap().unwrap();
        assert_eq!((answered.status.as_str(), answered.answer.as_deref()), ("answered", Some("已核实并更正")), "{n}");
        assert_eq!(answered.answered_by, Some(c.career.id), "{n}");
        assert!(s.open_disputes(&["CN".to_owned()]).await.unwrap().is_empty(), "{n}");
        assert!(s.dispute(Uuid::nil()).await.unwrap().is_none(), "{n}");

        // The texts are walked in id order, page by page, and replaced only while unchanged.
        let second = DisputeRecord { id: Uuid::now_v7(), text: "第二条".into(), ..dispute.clone() };
        s.add_dispute(&second).await.unwrap();
        let texts = s.dispute_texts(Uuid::nil(), 1).await.unwrap();
        assert_eq!(texts, [(dispute.id, dispute.text.clone(), Some("已核实并更正".to_owned()))], "{n}");
        let rest = s.dispute_texts(dispute.id, 10).await.unwrap();
        assert_eq!(rest, [(second.id, "第二条".to_owned(), None)], "{n}");
        assert!(s.dispute_texts(second.id, 10).await.unwrap().is_empty(), "{n}");
        let stale = s.replace_dispute_texts(dispute.id, &dispute.text, None, "v2:1:x", Some("v2:1:y")).await.unwrap();
        assert!(!stale, "{n}: the answer is no longer empty");
        let replaced =
            s.replace_dispute_texts(dispute.id, &dispute.text, Some("已核实并更正"), "v2:1:x", Some("v2:1:y")).await;
        assert!(replaced.unwrap(), "{n}");
        assert!(s.replace_dispute_texts(second.id, "第二条", None, "v2:1:z", None).await.unwrap(), "{n}");
        let sealed = s.dispute(dispute.id).await.unwrap().unwrap();
        assert_eq!(
            (sealed.text.as_str(), sealed.answer.as_deref(), sealed.status.as_str()),
            ("v2:1:x", Some("v2:1:y"), "answered")
        );
        assert_eq!(s.dispute(second.id).await.unwrap().unwrap().text, "v2:1:z", "{n}");

        // Generated final records are bulk-loaded once.
        let final_rec = |i: usize| DestinationRecord {
            source: "import".into(),
            version: 1,
            ..record(&c, g[i].id, DestStatus::Confirmed, "801", None)
        };
        assert_eq!(s.insert_destinations(&[final_rec(3), final_rec(4)]).await.unwrap(), 2, "{n}");
        assert_eq!(s.insert_destinations(&[final_rec(3), final_rec(5)]).await.unwrap(), 1, "{n}: existing left alone");
        let loaded = s.destination(g[3].id).await.unwrap().unwrap();
        assert_eq!((loaded.source.as_str(), loaded.version, loaded.registration.code.as_str()), ("import", 1, "801"));

        // The university closes the cohort for corrections, then moves the date.
        assert!(s.cohort_closing(c.scu.id, 2024).await.unwrap().is_none(), "{n}");
        s.set_cohort_closing(c.scu.id, 2024, "2024-08-31").await.unwrap();
        s.set_cohort_closing(c.scu.id, 2024, "2024-12-31").await.unwrap();
        assert_eq!(s.cohort_closing(c.scu.id, 2024).await.unwrap().as_deref(), Some("2024-12-31"), "{n}");
        assert!(s.cohort_closing(c.scu.id, 2023).await.unwrap().is_none(), "{n}");
        assert!(s.cohort_closing(c.uestc.id, 2024).await.unwrap().is_none(), "{n}");

        // Minimum wages: shipped with the reference data, edited by the province, never
        // overwritten by a later load.
        assert_eq!(s.min_wage("510000").await.unwrap(), Some(2100), "{n}");
        assert!(s.min_wage("999999").await.unwrap().is_none(), "{n}");
        s.set_min_wage("510000", 2330, "2025-01-01", "川府规〔2024〕").await.unwrap();
        assert_eq!(s.min_wage("510000").await.unwrap(), Some(2330), "{n}");
        let shipped = jiuye_domain::refdata::min_wage_table();
        assert_eq!(s.seed_min_wages(&shipped).await.unwrap(), 0, "{n}");
        assert_eq!(s.min_wage("510000").await.unwrap(), Some(2330), "{n}: the edit stays");
        let extra = [("710000".to_owned(), 2000, "2024-01-01".to_owned())];
        assert_eq!(s.seed_min_wages(&extra).await.unwrap(), 1, "{n}");
        let table = s.min_wages().await.unwrap();
        assert_eq!(table.len(), shipped.len() + 1, "{n}");
        assert!(table.windows(2).all(|w| w[0].0 < w[1].0), "{n}: by province code");
        let sichuan = table.iter().find(|r| r.0 == "510000").unwrap();
        assert_eq!((sichuan.1, sichuan.2.as_str(), sichuan.3.as_str()), (2330, "2025-01-01", "川府规〔2024〕"));
        assert_eq!(table.iter().find(|r| r.0 == "710000").unwrap().3, "shipped", "{n}");
        b.cleanup().await;
    }
}
