//! Demo follow-up (跟踪指导): the demo counselor's contacts with graduates of their college over
//! the season, so that the follow-up pages and the workbench are alive on first start. Summaries
//! and states of mind are sealed as the application seals them.

use chrono::{Duration, Utc};
use jiuye_domain::OrgCode;
use jiuye_domain::followup::{Channel, Mood, Need};
use jiuye_security::seal::{KeyRing, row_aad};
use jiuye_store::Repository;
use jiuye_store::destinations::GraduateQuery;
use jiuye_store::followup::ContactRecord;
use uuid::Uuid;

use crate::SeedError;

const SUMMARIES: [&str; 8] = [
    "电话沟通求职进展，已投递五家单位，两家进入笔试。",
    "面谈：准备考研二战，家里希望先就业，本人犹豫。",
    "微信联系，在准备国企招聘，简历需要修改项目经历部分。",
    "参加了校园招聘会，拿到一个口头录用意向，等待书面通知。",
    "联系不上本人，已请同寝室同学转告尽快回电。",
    "面试多次未通过，情绪低落，约好下周再谈一次。",
    "对西部计划和三支一扶感兴趣，已发送报名通知。",
    "已与单位达成意向，提醒尽快办理网签和去向登记。",
];

const NEXT_STEPS: [&str; 6] =
    ["推荐三个对口岗位", "一起修改简历", "模拟面试一次", "发送报名通知并确认是否报名", "电话回访", "提醒办理去向登记"];

/// Writes the demo contacts once (marker `demo_followup`).
pub async fn demo_followup(store: &dyn Repository, keys: &KeyRing) -> Result<(), SeedError> {
    if store.meta_get("demo_followup").await?.as_deref() == Some("done") {
        return Ok(());
    }
    let Some(counselor) = store.user_by_username("demo_counselor").await? else { return Ok(()) };
    let code = OrgCode::parse("4151010610").map_err(|e| SeedError::Plan(e.to_string()))?;
    let scu = store.org_by_code(&code).await?;
    let Some(scu) = scu else { return Ok(()) };
    let Some(college) = store.org_children(&scu).await?.into_iter().map(|c| c.org).next() else { return Ok(()) };
    let Some(cohort) = store.cohorts().await?.first().copied() else { return Ok(()) };
    let (graduates, _) = store
        .list_graduates(&GraduateQuery {
            scope_paths: vec![college.path.clone()],
            cohort: Some(cohort),
            unplaced: true,
            limit: 60,
            ..GraduateQuery::default()
        })
        .await?;
    let sealing = |e: jiuye_security::SecurityError| SeedError::Plan(format!("cannot seal: {e}"));
    let today = Utc::now().date_naive();
    for (i, g) in graduates.iter().enumerate() {
        // Two graduates in three have been reached, some of them several times.
        if i % 3 == 2 {
            continue;
        }
        let times = 1 + i % 3;
        for k in 0..times {
            let days_ago = (50 - (i * 7 + k * 13) % 50) as i64;
            let on = today - Duration::days(days_ago);
            let id = Uuid::now_v7();
            let mood = Mood::new([2, 3, 4, 3, 5, 1][(i + k) % 6], i % 17 == 5);
            let summary = SUMMARIES[(i + k) % SUMMARIES.len()];
            let needs: Vec<&str> = [Need::JobLeads, Need::Resume, Need::Interview, Need::FurtherStudy, Need::Emotional]
                .iter()
                .enumerate()
                .filter(|(j, _)| (i + k + j) % 3 == 0)
                .map(|(_, n)| n.id())
                .collect();
            let record = ContactRecord {
                id,
                graduate_id: g.id,
                on_day: on,
                channel: Channel::ALL[(i + k) % Channel::ALL.len()].id().to_owned(),
                by_user: counselor.id,
                needs: needs.join(","),
                other_need: String::new(),
                summary: keys
                    .seal_bound(summary.as_bytes(), &row_aad("followup_contacts", "summary", &id.to_string()))
                    .map_err(sealing)?,
                mood: match mood {
                    Some(m) => Some(
                        keys.seal_bound(m.encode().as_bytes(), &row_aad("followup_contacts", "mood", &id.to_string()))
                            .map_err(sealing)?,
                    ),
                    None => None,
                },
                next_step: NEXT_STEPS[(i + k) % NEXT_STEPS.len()].to_owned(),
                next_due: Some(on + Duration::days(7)),
                created_at: Utc::now() - Duration::days(days_ago),
            };
            store.add_contact(&record).await?;
        }
    }
    store.meta_set("demo_followup", "done").await?;
    Ok(())
}
