//! Demo matching data (人岗匹配), so that "为你推荐" and "合适的毕业生" are alive on first start:
//! the demo graduate has stated intentions (their university's province, full-time work, a pay
//! floor, skills from their major) and opted in to the talent list; a few dozen other graduates
//! of the first graduates in id order have opted in too, some with intentions, so employers see
//! fitting graduates for their postings.

use chrono::Utc;
use jiuye_store::Repository;
use jiuye_store::matching::IntentionsRecord;

use crate::SeedError;
use crate::rng::Rng;

/// Skills people write, by the first two digits of their major (学科门类).
fn skills_for(major: Option<&str>) -> &'static str {
    match major.and_then(|m| m.get(..2)) {
        Some("08") => "Python、Java、SQL、数据结构、Linux",
        Some("12") => "Excel、财务报表、市场调研、沟通协调",
        Some("04") => "教学设计、课件制作、班级管理",
        Some("10") => "临床护理、急救、病历书写",
        Some("05") => "文案写作、新媒体运营、英语六级",
        _ => "Office 办公软件、沟通协调、团队合作",
    }
}

/// Writes the demo intentions once (marker `demo_matching`).
pub async fn demo_matching(store: &dyn Repository) -> Result<usize, SeedError> {
    if store.meta_get("demo_matching").await?.as_deref() == Some("done") {
        return Ok(0);
    }
    let mut r = Rng::new(2023).fork("matching");
    let mut written = 0;
    if let Some(user) = store.user_by_username("demo_graduate").await? {
        for g in store.grants_of(user.id).await? {
            let Some(id) = g.grant.subject_id else { continue };
            let Some(p) = store.match_profile(id).await? else { continue };
            let province = p.university_province.clone().unwrap_or_else(|| "510000".into());
            store
                .set_intentions(&IntentionsRecord {
                    graduate_id: id,
                    regions: province,
                    pay_min: Some(5_000),
                    work: "full_time".into(),
                    skills: skills_for(p.major_code.as_deref()).into(),
                    updated_at: Utc::now(),
                    ..IntentionsRecord::default()
                })
                .await?;
            store.set_talent_optin(id, true).await?;
            written += 1;
        }
    }
    for p in store.match_profiles_after(None, 60).await? {
        if !r.chance(0.5) {
            continue;
        }
        store.set_talent_optin(p.graduate_id, true).await?;
        if r.chance(0.6) {
            let regions = [p.university_province.clone(), Some(p.origin_region.clone())];
            store
                .set_intentions(&IntentionsRecord {
                    graduate_id: p.graduate_id,
                    regions: regions.into_iter().flatten().take(1 + r.below(2)).collect::<Vec<_>>().join(","),
                    pay_min: Some([4_000, 5_000, 6_000, 8_000][r.below(4)]),
                    work: ["any", "full_time", "internship"][r.below(3)].into(),
                    skills: skills_for(p.major_code.as_deref()).into(),
                    updated_at: Utc::now(),
                    ..IntentionsRecord::default()
                })
                .await?;
        }
        written += 1;
    }
    store.meta_set("demo_matching", "done").await?;
    Ok(written)
}
