//! Demo 基层就业卓越奖 nominations: two graduates of 四川大学 who went to the grassroots (one
//! already forwarded to the province by the career centre) and a teacher of the demo college,
//! so that the nomination pages and the workbench are alive on first start.

use chrono::{Datelike, Duration, Utc};
use jiuye_domain::OrgCode;
use jiuye_domain::awards::{self, NominationState, Step};
use jiuye_store::Repository;
use jiuye_store::awards::{NominationRecord, StepRecord};
use jiuye_store::destinations::GraduateQuery;
use uuid::Uuid;

use crate::SeedError;

const CITATIONS: [&str; 3] = [
    "毕业后参加“三支一扶”计划，扎根凉山州乡镇农业服务中心，两年来推广特色种植技术，带动三百余户农户增收，\
     被当地评为优秀支农人员。",
    "作为定向选调生到基层乡镇任职，牵头建立村级就业服务站，帮助返乡青年对接岗位一百余个，\
     工作实绩突出，群众认可度高。",
    "长期担任毕业班就业指导教师，连续五年组织学生赴西部和基层就业宣讲，指导十余名毕业生参加西部计划、\
     三支一扶和选调，带领学生扎根基层成效显著。",
];

/// Writes the demo nominations once (marker `demo_awards`).
pub async fn demo_awards(store: &dyn Repository) -> Result<(), SeedError> {
    if store.meta_get("demo_awards").await?.as_deref() == Some("done") {
        return Ok(());
    }
    let (Some(college_leader), Some(career)) =
        (store.user_by_username("demo_college").await?, store.user_by_username("demo_career").await?)
    else {
        return Ok(());
    };
    let code = OrgCode::parse("4151010610").map_err(|e| SeedError::Plan(e.to_string()))?;
    let Some(scu) = store.org_by_code(&code).await? else { return Ok(()) };
    let Some(college) = store.org_children(&scu).await?.into_iter().map(|c| c.org).next() else { return Ok(()) };
    let now = Utc::now();
    let year = now.year();
    // Grassroots graduates anywhere in the university, each nominated by their own college.
    let (graduates, _) = store
        .list_graduates(&GraduateQuery {
            scope_paths: vec![scu.path.clone()],
            limit: jiuye_store::MAX_PAGE,
            ..GraduateQuery::default()
        })
        .await?;
    let mut plan: Vec<(Option<Uuid>, Uuid, &str, bool)> = Vec::new();
    for g in graduates
        .iter()
        .filter(|g| g.cohort >= year - awards::RECENT_YEARS)
        .filter(|g| g.dest_code.as_deref().is_some_and(awards::is_grassroots))
        .take(2)
    {
        if let Some(view) = store.graduate_view(g.id).await? {
            plan.push((Some(g.id), view.graduate.college_id, "", plan.is_empty()));
        }
    }
    plan.push((None, college.id, "李明华", false));
    for (i, (graduate, college_id, teacher, forwarded)) in plan.into_iter().enumerate() {
        let nominator = if college_id == college.id { college_leader.id } else { career.id };
        let id = Uuid::now_v7();
        let at = now - Duration::days(10 - i as i64);
        let submitted = NominationState::Submitted.id().to_owned();
        let state = if forwarded { NominationState::Forwarded.id() } else { NominationState::Submitted.id() };
        let record = NominationRecord {
            id,
            year,
            college_id,
            kind: if graduate.is_some() { "graduate" } else { "teacher" }.into(),
            graduate_id: graduate,
            teacher_name: teacher.to_owned(),
            citation: CITATIONS[if graduate.is_some() { i % 2 } else { 2 }].to_owned(),
            state: submitted.clone(),
            version: 1,
            created_by: nominator,
            created_at: at,
            updated_at: at,
        };
        let first = StepRecord {
            id: Uuid::now_v7(),
            nomination_id: id,
            step: "submit".into(),
            from_state: String::new(),
            to_state: submitted.clone(),
            reason: String::new(),
            by_user: nominator,
            at,
        };
        if !store.add_nomination(&record, &first).await? {
            continue;
        }
        if state != submitted {
            let step = StepRecord {
                id: Uuid::now_v7(),
                nomination_id: id,
                step: Step::Forward.id().into(),
                from_state: submitted,
                to_state: state.into(),
                reason: "事迹属实，同意报送。".into(),
                by_user: career.id,
                at: at + Duration::days(2),
            };
            store.step_nomination(1, None, &step).await?;
        }
    }
    store.meta_set("demo_awards", "done").await?;
    Ok(())
}
