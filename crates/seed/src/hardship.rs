//! The demo hardship ledger (帮扶台账): about 8% of the demo province's newest cohort, in the
//! categories' usual proportions, with consents, verified files, plans at every stage, helpers,
//! recommended postings, training and subsidies, so that coverage is alive on first start. The
//! profile, consent and plan are sealed as the application seals them.

use chrono::Utc;
use jiuye_domain::OrgCode;
use jiuye_domain::access::within;
use jiuye_domain::hardship::{
    CaseState, Category, Consent, DisabilityKind, Evidence, Plan, PlanAction, PlanState, Profile, Subsidy, Training,
};
use jiuye_security::seal::{KeyRing, row_aad};
use jiuye_store::Repository;
use jiuye_store::destinations::GraduateQuery;
use jiuye_store::hardship::FileRecord;
use uuid::Uuid;

use crate::SeedError;

/// A stable number from 0 to 99 for a 学号, so the demo picks the same graduates every time.
fn bucket(s: &str, salt: u64) -> u64 {
    s.bytes().fold(1469598103934665603u64 ^ salt, |h, b| (h ^ u64::from(b)).wrapping_mul(1099511628211)) % 100
}

fn category(n: u64) -> (Vec<Category>, Option<DisabilityKind>, Evidence) {
    match n {
        0..=34 => (vec![Category::PovertyRelief], None, Evidence::PovertyRegistry),
        35..=59 => (vec![Category::MinimumLiving], None, Evidence::MinimumLivingCertificate),
        60..=69 => (vec![Category::ZeroEmployment], None, Evidence::UnemploymentRegistration),
        70..=77 => {
            let kind = DisabilityKind::ALL[(n % 7) as usize];
            (vec![Category::Disability], Some(kind), Evidence::DisabilityCertificate)
        }
        78..=84 => (vec![Category::LongUnemployed], None, Evidence::UnemploymentRegistration),
        85..=89 => (
            vec![Category::PovertyRelief, Category::Disability],
            Some(DisabilityKind::Physical),
            Evidence::DisabilityCertificate,
        ),
        _ => (vec![Category::Other], None, Evidence::SchoolAssessment),
    }
}

const GOALS: [&str; 4] = [
    "毕业前落实去向；优先推荐省内国有企业和事业单位岗位。",
    "完成宏志助航培训，提升面试表现，三个月内签约。",
    "结合专业推荐基层项目和对口岗位，申请求职创业补贴。",
    "协助办理残疾人就业相关手续，推荐无障碍条件好的单位。",
];

/// Writes the demo ledger once (marker `demo_hardship`).
pub async fn demo_hardship(store: &dyn Repository, keys: &KeyRing) -> Result<(), SeedError> {
    if store.meta_get("demo_hardship").await?.as_deref() == Some("done") {
        return Ok(());
    }
    let (Some(career), Some(counselor)) =
        (store.user_by_username("demo_career").await?, store.user_by_username("demo_counselor").await?)
    else {
        return Ok(());
    };
    let Some(province) =
        store.org_by_code(&OrgCode::parse("510000").map_err(|e| SeedError::Plan(e.to_string()))?).await?
    else {
        return Ok(());
    };
    let Some(cohort) = store.cohorts().await?.first().copied() else { return Ok(()) };
    let counselor_paths: Vec<String> =
        store.grants_of(counselor.id).await?.into_iter().map(|g| g.grant.org_path).collect();
    let career_paths: Vec<String> = store.grants_of(career.id).await?.into_iter().map(|g| g.grant.org_path).collect();
    let demo_graduate = match store.user_by_username("demo_graduate").await? {
        Some(u) => store.grants_of(u.id).await?.into_iter().find_map(|g| g.grant.subject_id),
        None => None,
    };
    let today = Utc::now().date_naive();
    let postings: Vec<Uuid> = store
        .approved_postings_after(None, 200)
        .await?
        .into_iter()
        .filter(|p| p.posting.deadline >= today)
        .map(|p| p.posting.id)
        .take(12)
        .collect();
    let sealing = |e: jiuye_security::SecurityError| SeedError::Plan(format!("cannot seal: {e}"));
    let seal = |id: Uuid, column: &str, text: &str| {
        keys.seal_bound(text.as_bytes(), &row_aad("hardship_files", column, &id.to_string())).map_err(sealing)
    };
    let now = Utc::now();
    let mut offset = 0;
    let mut files = Vec::new();
    let mut recommended: Vec<(Uuid, Vec<Uuid>)> = Vec::new();
    // A graduate met twice across pages gets one file (a second would undo its whole batch).
    let mut seen = std::collections::HashSet::new();
    loop {
        let (page, total) = store
            .list_graduates(&GraduateQuery {
                scope_paths: vec![province.path.clone()],
                cohort: Some(cohort),
                limit: jiuye_store::MAX_PAGE,
                offset,
                ..GraduateQuery::default()
            })
            .await?;
        let got = page.len() as i64;
        for g in page {
            let is_demo = demo_graduate == Some(g.id);
            if (bucket(&g.student_no, 0) >= 8 && !is_demo) || !seen.insert(g.id) {
                continue;
            }
            let Some(full) = store.graduate_view(g.id).await? else { continue };
            let n = bucket(&g.student_no, 1);
            let (cats, disability, evidence) = category(bucket(&g.student_no, 2));
            let profile = Profile {
                categories: cats.iter().map(|c| c.id().to_owned()).collect(),
                disability: disability.map(|d| d.id().to_owned()),
                evidence: evidence.id().to_owned(),
                evidence_note: String::new(),
            };
            let consent = match n {
                _ if is_demo => Consent::Pending,
                0..=84 => Consent::Given,
                85..=89 => Consent::Paper,
                90..=96 => Consent::Pending,
                _ => Consent::Withdrawn,
            };
            let plan_state = match bucket(&g.student_no, 3) {
                0..=59 => PlanState::Approved,
                60..=74 => PlanState::Submitted,
                75..=89 => PlanState::Draft,
                _ => PlanState::None,
            };
            let plan = (plan_state != PlanState::None).then(|| Plan {
                goals: GOALS[(n % 4) as usize].to_owned(),
                actions: vec![
                    PlanAction {
                        what: "推荐不少于三个对口岗位".into(),
                        owner: "辅导员".into(),
                        due: Some(today + chrono::Duration::days(14)),
                        done: n.is_multiple_of(2),
                    },
                    PlanAction {
                        what: "一对一简历修改和模拟面试".into(),
                        owner: "就业指导老师".into(),
                        due: Some(today + chrono::Duration::days(30)),
                        done: false,
                    },
                ],
            });
            let mine = counselor_paths.iter().any(|p| within(&full.programme_path, p));
            let helper = match bucket(&g.student_no, 4) {
                _ if mine => Some(counselor.id),
                0..=69 => Some(career.id),
                _ => None,
            };
            let subsidy = match bucket(&g.student_no, 5) {
                0..=29 => Subsidy::Paid,
                30..=49 => Subsidy::Approved,
                50..=64 => Subsidy::Applied,
                _ => Subsidy::None,
            };
            let province_code = full.programme_path.split('/').nth(1).unwrap_or_default().to_owned();
            let yuan = match subsidy {
                Subsidy::Paid | Subsidy::Approved => store.subsidy_amount(&province_code).await?,
                _ => None,
            };
            let training = match bucket(&g.student_no, 6) {
                0..=24 => Training::Completed,
                25..=74 => Training::Enrolled,
                _ => Training::None,
            };
            let id = g.id;
            let kept_by = career_paths.iter().any(|p| within(&full.programme_path, p)).then_some(career.id);
            files.push(FileRecord {
                graduate_id: id,
                profile: seal(id, "profile", &profile.encode())?,
                consent: seal(id, "consent", consent.id())?,
                verified_by: (n < 90).then_some(kept_by.unwrap_or(career.id)),
                verified_on: (n < 90).then_some(today - chrono::Duration::days((n % 40) as i64)),
                plan: plan.map(|p| seal(id, "plan", &p.encode())).transpose()?,
                plan_state: plan_state.id().into(),
                plan_approved_by: (plan_state == PlanState::Approved).then_some(career.id),
                helper_id: helper,
                training: training.id().into(),
                subsidy: subsidy.id().into(),
                subsidy_yuan: yuan,
                case_state: CaseState::Open.id().into(),
                closed_on: None,
                source: if n.is_multiple_of(3) { "import".into() } else { "staff".into() },
                version: 1,
                created_by: career.id,
                created_at: now,
                updated_at: now,
            });
            if !postings.is_empty() && bucket(&g.student_no, 7) < 70 {
                let start = (n as usize) % postings.len();
                let picks: Vec<Uuid> = (0..3).map(|k| postings[(start + k) % postings.len()]).collect();
                let mut picks = picks;
                picks.dedup();
                recommended.push((id, picks));
            }
        }
        offset += got;
        if got == 0 || offset >= total {
            break;
        }
    }
    for chunk in files.chunks(500) {
        store.insert_hardship_files(chunk).await?;
    }
    for (graduate, picks) in recommended {
        store.set_recommendations(graduate, &picks, career.id, now).await?;
    }
    store.meta_set("demo_hardship", "done").await?;
    Ok(())
}
