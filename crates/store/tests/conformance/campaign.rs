//! `CampaignRecords`: the records of the employer-visit campaign beside the visits themselves:
//! photos of a visit, the practice-base registry, the demand survey, and earlier hires.

use chrono::{Duration, Utc};
use jiuye_domain::destination::{DestStatus, Registration};
use jiuye_store::campaign::{BaseRecord, PhotoRecord, SurveyLine, SurveyRecord};
use jiuye_store::destinations::DestinationRecord;
use jiuye_store::employers::VisitRecord;
use uuid::Uuid;

use crate::support::{backends, campus, employer_record, micros};

#[tokio::test]
async fn campaign_story_a_visit_leads_to_a_base_and_a_survey() {
    for b in backends().await {
        let (s, n) = (&*b.store, b.name);
        let c = campus(s).await;
        let e = &c.employer;

        // 计算机学院 visits the employer and uploads two photos of it.
        let visit = VisitRecord {
            id: Uuid::now_v7(),
            org_id: c.scu.id,
            unit_id: c.cs.id,
            employer_id: e.id,
            visit_date: "2024-04-02".parse().unwrap(),
            form: "on_site".into(),
            positions_opened: 5,
            base_agreed: true,
            invited_to_fair: false,
            survey_filled: true,
            notes: None,
            created_by: c.career.id,
            origin_node: c.node,
        };
        s.add_visit(&visit, &[(c.career.id, "career_staff".into())], &[c.cs_major.id]).await.unwrap();
        let photo = |minutes_ago: i64| PhotoRecord {
            id: Uuid::now_v7(),
            visit_id: visit.id,
            stored_name: format!("{}.jpg", Uuid::now_v7().simple()),
            content_type: "image/jpeg".into(),
            size_bytes: 2_400_000,
            sha256: "cd".repeat(32),
            uploaded_by: c.career.id,
            uploaded_at: micros(Utc::now() - Duration::minutes(minutes_ago)),
        };
        let (later, sooner) = (photo(1), photo(30));
        s.add_photo(&later).await.unwrap();
        s.add_photo(&sooner).await.unwrap();
        assert_eq!(s.photos_of(visit.id).await.unwrap(), [sooner.clone(), later.clone()], "{n}: in upload order");
        assert_eq!(s.photo(later.id).await.unwrap().as_ref(), Some(&later), "{n}");
        assert!(s.photo(Uuid::nil()).await.unwrap().is_none(), "{n}");
        assert!(s.photos_of(Uuid::nil()).await.unwrap().is_empty(), "{n}");
        let mut files = vec![(later.id, later.stored_name.clone()), (sooner.id, sooner.stored_name.clone())];
        files.sort();
        assert_eq!(s.photo_files().await.unwrap(), files, "{n}");

        // The visit agreed an internship base for both programmes; the same unit cannot register
        // a second internship base with the same employer, but may register another kind.
        let base = |unit: Uuid, kind: &str, start: &str, programmes: Vec<Uuid>| BaseRecord {
            id: Uuid::now_v7(),
            org_id: c.scu.id,
            unit_id: unit,
            employer_id: e.id,
            name: format!("蜀信科技{kind}基地"),
            kind: kind.into(),
            capacity: 20,
            start_date: start.parse().unwrap(),
            end_date: Some("2027-04-01".parse().unwrap()),
            visit_id: Some(visit.id),
            notes: None,
            created_by: c.career.id,
            origin_node: c.node,
            version: 1,
            programmes,
        };
        let internship = base(c.cs.id, "internship", "2024-04-10", vec![c.cs_major.id]);
        assert!(s.add_base(&internship).await.unwrap(), "{n}");
        let twin = base(c.cs.id, "internship", "2024-05-01", vec![c.econ_major.id]);
        assert!(!s.add_base(&twin).await.unwrap(), "{n}: one base of a kind per unit and employer");
        assert!(s.base(twin.id).await.unwrap().is_none(), "{n}: nothing written");
        let mut both = vec![c.cs_major.id, c.econ_major.id];
        both.sort_unstable();
        let employment = base(c.scu.id, "employment", "2024-06-01", vec![both[1], both[0]]);
        assert!(s.add_base(&employment).await.unwrap(), "{n}");
        let row = s.base(internship.id).await.unwrap().expect("stored");
        assert_eq!(row.base, internship, "{n}");
        assert_eq!((row.employer_code.as_str(), row.employer_name.as_str()), (e.credit_code.as_str(), e.name.as_str()));
        assert_eq!(
            (row.unit_code.as_str(), row.unit_name.as_str(), row.unit_path.as_str()),
            (c.cs.code.as_str(), "计算机学院", c.cs.path.as_str())
        );
        let under: Vec<Uuid> = s.bases_under(&c.scu.path).await.unwrap().iter().map(|r| r.base.id).collect();
        assert_eq!(under, [employment.id, internship.id], "{n}: newest start first");
        let under_cs = s.bases_under(&c.cs.path).await.unwrap();
        assert_eq!(under_cs.iter().map(|r| r.base.id).collect::<Vec<_>>(), [internship.id], "{n}");
        assert_eq!(under_cs[0].base.programmes, [c.cs_major.id], "{n}: with its programmes");
        let whole = s.base(employment.id).await.unwrap().expect("stored").base;
        assert_eq!(whole.programmes, both, "{n}: programmes by id, whatever order they were given in");
        assert!(s.bases_under(&c.uestc.path).await.unwrap().is_empty(), "{n}");
        // A base ties the employer to the university.
        let facts = s.employer_facts(&[e.id]).await.unwrap();
        assert_eq!(facts[0].universities, std::slice::from_ref(&c.scu.path), "{n}");
        assert!(s.delete_base(employment.id).await.unwrap(), "{n}");
        assert!(!s.delete_base(employment.id).await.unwrap(), "{n}: gone already");
        assert_eq!(s.bases_under(&c.scu.path).await.unwrap().len(), 1, "{n}");

        // The employer answers the demand survey, then corrects its answer the same year.
        let line = |role: &str, class: &str, headcount: i64| SurveyLine {
            role: role.into(),
            major_class: class.into(),
            education: "bachelor".into(),
            headcount,
            skills: Some("Rust, SQL".into()),
            salary_min: 7_000,
            salary_max: 12_000,
        };
        let survey = SurveyRecord {
            id: Uuid::now_v7(),
            employer_id: e.id,
            org_id: c.cs.id,
            year: 2024,
            notes: Some("春招".into()),
            submitted_by: c.career.id,
            origin_node: c.node,
            lines: vec![line("后端开发", "0809", 6), line("数据分析", "0201", 2)],
        };
        assert_eq!(s.save_survey(&survey).await.unwrap(), (survey.id, true), "{n}");
        let correction = SurveyRecord {
            id: Uuid::now_v7(),
            lines: vec![line("后端开发", "0809", 8)],
            notes: Some("春招（更正）".into()),
            ..survey.clone()
        };
        assert_eq!(s.save_survey(&correction).await.unwrap(), (survey.id, false), "{n}: the first answer is replaced");
        let next_year = SurveyRecord { id: Uuid::now_v7(), year: 2025, ..survey.clone() };
        assert_eq!(s.save_survey(&next_year).await.unwrap(), (next_year.id, true), "{n}");
        let demand = s.demand_under(&c.scu.path, Some(2024)).await.unwrap();
        assert_eq!(demand.len(), 1, "{n}: only the corrected line");
        assert_eq!(
            (demand[0].survey_id, demand[0].employer_id, &demand[0].line),
            (survey.id, e.id, &line("后端开发", "0809", 8))
        );
        assert_eq!(
            (demand[0].industry_code.as_str(), demand[0].region_code.as_str()),
            (e.industry_code.as_str(), e.region_code.as_str())
        );
        let all_years = s.demand_under(&c.cs.path, None).await.unwrap();
        assert_eq!(all_years.len(), 3, "{n}: 2024's line and 2025's two");
        assert!(s.demand_under(&c.econ.path, None).await.unwrap().is_empty(), "{n}");
        assert!(
            s.demand_under("CN/510000/4151010610-0", None).await.unwrap().is_empty(),
            "{n}: a path prefix is not a parent"
        );

        // Hires before the campaign window: destinations naming a directory employer, other
        // than drafts and returned ones.
        let known = employer_record(c.node, c.sichuan.id, "91510100MA6HIRE001", "成都锦城人力资源有限公司");
        assert!(s.insert_employer(&known).await.unwrap());
        let hire = |i: usize, status: DestStatus, credit: &str| DestinationRecord {
            graduate_id: c.graduates[i].id,
            org_id: c.scu.id,
            status,
            registration: Registration {
                code: "11".into(),
                credit_code: Some(credit.into()),
                ..Registration::default()
            },
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
        let saves = [
            hire(0, DestStatus::Approved, &e.credit_code),
            hire(1, DestStatus::Submitted, &known.credit_code),
            hire(2, DestStatus::Draft, "91510100MA6DRAFT01"),
            hire(3, DestStatus::Returned, &e.credit_code),
            hire(4, DestStatus::Confirmed, "91510100MA6NOTINDB"),
            hire(5, DestStatus::Confirmed, &known.credit_code),
        ];
        for d in &saves {
            assert!(s.save_destination(d, None, "register", None).await.unwrap());
        }
        let cutoff = Utc::now() + Duration::seconds(1);
        let hired = |path: &str| {
            let path = path.to_owned();
            async move {
                let mut rows = s.hired_before(&path, cutoff).await.unwrap();
                rows.sort();
                rows
            }
        };
        let (cs, econ) = (c.cs_major.path.clone(), c.econ_major.path.clone());
        let mut expected = vec![(cs.clone(), e.id), (cs.clone(), known.id), (econ.clone(), known.id)];
        expected.sort();
        assert_eq!(hired(&c.scu.path).await, expected, "{n}: by the graduate's programme");
        assert_eq!(hired(&c.sichuan.path).await, expected, "{n}");
        let mut in_cs = vec![(cs.clone(), e.id), (cs, known.id)];
        in_cs.sort();
        assert_eq!(hired(&c.cs.path).await, in_cs, "{n}: a college sees its own graduates' hires");
        assert_eq!(hired(&c.econ_major.path).await, [(econ, known.id)], "{n}");
        assert!(hired(&c.uestc.path).await.is_empty(), "{n}");
        assert!(s.hired_before(&c.scu.path, Utc::now() - Duration::days(1)).await.unwrap().is_empty(), "{n}");
        b.cleanup().await;
    }
}
