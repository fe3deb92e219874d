//! Demo contests: an entrepreneurship contest of 四川大学 open for entries, and a
//! career-planning contest whose entries closed yesterday with some scores in, so that the
//! contest pages are alive on first start.

use chrono::{Duration, Utc};
use jiuye_domain::OrgCode;
use jiuye_store::Repository;
use jiuye_store::contests::{ContestRecord, EntryRecord};
use jiuye_store::destinations::GraduateQuery;
use uuid::Uuid;

use crate::SeedError;

const ENTRIES: [(&str, &str); 4] = [
    (
        "从史学到文博：我的五年职业规划",
        "结合历史学专业背景与博物馆实习经历，分析文博行业的岗位结构和用人需求，规划从讲解员、展陈助理到策展人的成长路径，并制定每年的能力提升和证书目标。",
    ),
    (
        "乡村文旅数字导览创业计划",
        "面向川西古镇，开发基于小程序的数字导览和研学路线，联合本地合作社提供讲解与手作体验，测算三年的用户规模、收入来源与风险，给出团队分工和阶段目标。",
    ),
    (
        "基层教育岗位的职业探索",
        "通过走访三所乡镇中学和访谈在岗教师，梳理特岗教师与三支一扶岗位的工作内容、晋升通道和生活保障，制定毕业后赴基层任教的准备计划与备考安排。",
    ),
    (
        "非遗手作电商工作室",
        "以蜀绣等非遗手作为核心品类，联合传承人开设线上工作室，设计直播带货、校园市集和文创定制三种渠道，测算成本收益并提出知识产权保护措施。",
    ),
];

/// Writes the demo contests once (marker `demo_contests`).
pub async fn demo_contests(store: &dyn Repository) -> Result<(), SeedError> {
    if store.meta_get("demo_contests").await?.as_deref() == Some("done") {
        return Ok(());
    }
    let (Some(advisor), Some(career), Some(counselor)) = (
        store.user_by_username("demo_advisor").await?,
        store.user_by_username("demo_career").await?,
        store.user_by_username("demo_counselor").await?,
    ) else {
        return Ok(());
    };
    let code = OrgCode::parse("4151010610").map_err(|e| SeedError::Plan(e.to_string()))?;
    let Some(scu) = store.org_by_code(&code).await? else { return Ok(()) };
    let Some(college) = store.org_children(&scu).await?.into_iter().map(|c| c.org).next() else { return Ok(()) };
    let cohort = store.cohorts().await?.first().copied();
    let q = GraduateQuery { scope_paths: vec![college.path.clone()], cohort, limit: 12, ..GraduateQuery::default() };
    let graduates: Vec<Uuid> = store.list_graduates(&q).await?.0.into_iter().map(|g| g.id).collect();
    let now = Utc::now();
    let plan = [
        ("entrepreneurship", "第五届大学生创新创业大赛（校赛）", now + Duration::days(14), 1usize),
        ("career_planning", "大学生职业规划大赛（校赛）", now - Duration::days(1), 4),
    ];
    for (n, (kind, title, close, entries)) in plan.into_iter().enumerate() {
        let contest = ContestRecord {
            id: Uuid::now_v7(),
            org_id: scu.id,
            kind: kind.into(),
            title: title.into(),
            description:
                "面向全校应届毕业生，提交作品简介和完整材料链接；评委按 100 分制评分，按平均分评出一、二、三等奖。"
                    .into(),
            entries_close: close,
            prizes: (0, 0, 0),
            published_at: None,
            created_by: advisor.id,
            created_at: now - Duration::days(30),
        };
        store.add_contest(&contest, &[career.id, counselor.id]).await?;
        for (i, g) in graduates.iter().skip(n * 4 + 1).take(entries).enumerate() {
            let (name, summary) = ENTRIES[(i + n) % ENTRIES.len()];
            let at = now - Duration::days(10 - i as i64);
            let entry = EntryRecord {
                id: Uuid::now_v7(),
                contest_id: contest.id,
                graduate_id: *g,
                title: name.into(),
                summary: summary.into(),
                link: String::new(),
                submitted_at: at,
                updated_at: at,
            };
            store.upsert_entry(&entry).await?;
            // The closed contest: the career centre has scored every entry, the counselor not yet.
            if close < now {
                store.set_score(entry.id, career.id, 78 + (i as i32 * 5) % 17, "", now).await?;
            }
        }
    }
    store.meta_set("demo_contests", "done").await?;
    Ok(())
}
