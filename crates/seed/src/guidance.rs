//! Demo guidance (就业指导): the demo advisor's slots over the next two weeks at 四川大学, a few
//! already booked by graduates of the demo college, and four courses and livestream lessons (one
//! last week, with its attendance), so that the guidance pages are alive on first start.

use chrono::{Duration, Timelike, Utc};
use jiuye_domain::OrgCode;
use jiuye_domain::courses::CourseKind;
use jiuye_domain::guidance::SlotKind;
use jiuye_store::Repository;
use jiuye_store::courses::CourseRecord;
use jiuye_store::destinations::GraduateQuery;
use jiuye_store::guidance::SlotRecord;
use uuid::Uuid;

use crate::SeedError;

/// Writes the demo slots once (marker `demo_guidance`).
pub async fn demo_guidance(store: &dyn Repository) -> Result<(), SeedError> {
    if store.meta_get("demo_guidance").await?.as_deref() == Some("done") {
        return Ok(());
    }
    let Some(advisor) = store.user_by_username("demo_advisor").await? else { return Ok(()) };
    let code = OrgCode::parse("4151010610").map_err(|e| SeedError::Plan(e.to_string()))?;
    let Some(scu) = store.org_by_code(&code).await? else { return Ok(()) };
    let college = store.org_children(&scu).await?.into_iter().map(|c| c.org).next();
    let cohort = store.cohorts().await?.first().copied();
    let graduates = match (&college, cohort) {
        (Some(college), Some(cohort)) => {
            let q = GraduateQuery {
                scope_paths: vec![college.path.clone()],
                cohort: Some(cohort),
                limit: 10,
                ..GraduateQuery::default()
            };
            store.list_graduates(&q).await?.0
        }
        _ => Vec::new(),
    };
    let now = Utc::now();
    // Tomorrow at 09:00 Beijing time (01:00 UTC), then every working slot after it.
    let day = (now + Duration::days(1)).with_hour(1).and_then(|t| t.with_minute(0)).unwrap_or(now);
    let plan = [
        (0, 0, SlotKind::Consultation, "就业指导中心 201", "", 1),
        (0, 2, SlotKind::ResumeReview, "就业指导中心 203", "", 1),
        (1, 1, SlotKind::MockInterview, "就业指导中心 205", "", 1),
        (2, 5, SlotKind::Consultation, "", "https://meeting.example.edu.cn/jiuye-demo", 1),
        (3, 0, SlotKind::ResumeReview, "图书馆研讨室 3", "", 20),
        (6, 6, SlotKind::MockInterview, "就业指导中心 205", "", 1),
        (8, 1, SlotKind::Consultation, "就业指导中心 201", "", 1),
        (10, 5, SlotKind::ResumeReview, "", "https://meeting.example.edu.cn/jiuye-demo", 30),
    ];
    for (i, (days, hours, kind, place, url, capacity)) in plan.into_iter().enumerate() {
        let starts_at = day + Duration::days(days) + Duration::hours(hours);
        let slot = SlotRecord {
            id: Uuid::now_v7(),
            org_id: scu.id,
            advisor_id: advisor.id,
            kind: kind.id().to_owned(),
            starts_at,
            ends_at: starts_at + Duration::minutes(if capacity > 1 { 90 } else { 45 }),
            place: place.to_owned(),
            video_url: url.to_owned(),
            capacity,
            booked: 0,
            cancelled_at: None,
            created_at: now,
        };
        store.add_slot(&slot).await?;
        // Some places are taken already: the first slot, and a few in the group sessions.
        let takers = match i {
            0 | 2 => 1,
            4 => 6,
            7 => 9,
            _ => 0,
        };
        for g in graduates.iter().skip(1).take(takers) {
            store.book(slot.id, g.id, now).await?;
        }
    }
    // Courses and livestream lessons: one last week (with its attendance), three to come.
    let lessons = [
        (-7, CourseKind::Livestream, "求职简历写作直播课", "", "https://live.example.edu.cn/jiuye-resume"),
        (2, CourseKind::Course, "职业生涯规划与求职准备", "明远楼 101", ""),
        (4, CourseKind::Livestream, "国企与选调生招考政策解读", "", "https://live.example.edu.cn/jiuye-policy"),
        (9, CourseKind::Course, "宏志助航：面试表达训练营", "就业指导中心 301", ""),
    ];
    for (i, (days, kind, title, place, url)) in lessons.into_iter().enumerate() {
        let starts_at = day + Duration::days(days) + Duration::hours(6);
        let course = CourseRecord {
            id: Uuid::now_v7(),
            org_id: scu.id,
            kind: kind.id().to_owned(),
            title: title.to_owned(),
            starts_at,
            ends_at: starts_at + Duration::minutes(90),
            place: place.to_owned(),
            url: url.to_owned(),
            created_by: advisor.id,
            created_at: now,
        };
        store.add_course(&course).await?;
        for g in graduates.iter().skip(1).take(if i == 0 { 7 } else { 3 }) {
            if days < 0 {
                store.attend(course.id, g.id, starts_at + Duration::minutes(5)).await?;
            } else {
                store.enrol(course.id, g.id, now).await?;
            }
        }
    }
    store.meta_set("demo_guidance", "done").await?;
    Ok(())
}
