//! `jiuye bench …`: measurements with a baseline taken in the same run, printed as a table.

use std::time::{Duration, Instant};

use jiuye_domain::destination::{Rollup, Tally};
use jiuye_domain::{Org, OrgCode, OrgKind, RegionCode};
use jiuye_seed::SeedPlan;
use jiuye_store::{PlacementFilter, Repository};

use super::{BenchStatsArgs, data_config, init_logging, open, progress_reporter};
use crate::config::FileConfig;

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v.get(v.len() / 2).copied().unwrap_or_default()
}

fn ms(d: Duration) -> String {
    format!("{:.1}", d.as_secs_f64() * 1000.0)
}

/// Every node below `root` (breadth first), with the root first.
async fn subtree(store: &dyn Repository, root: &Org) -> Result<Vec<Org>, String> {
    let mut out = vec![root.clone()];
    let mut i = 0;
    while i < out.len() {
        if out[i].kind != OrgKind::Programme {
            let children = store.org_children(&out[i]).await.map_err(|e| e.to_string())?;
            out.extend(children.into_iter().map(|c| c.org));
        }
        i += 1;
    }
    Ok(out)
}

pub(super) async fn stats(a: BenchStatsArgs, file: FileConfig) -> Result<(), String> {
    init_logging(file.log_format.as_deref().unwrap_or("text"))?;
    let data = data_config(&a.data, &file);
    let (store, refdata) = open(&data).await?;
    let province_code = RegionCode::parse(&a.province).map_err(|e| e.reason)?;
    let have = store.totals().await.map_err(|e| e.to_string())?.graduates;
    if (have as u64) < a.graduates {
        eprintln!("数据库中有 {have} 名毕业生，先生成 {} 名（{}）……", a.graduates, province_code);
        let plan = SeedPlan {
            seed: 7,
            province: Some(province_code.clone()),
            universities: usize::MAX,
            graduates: a.graduates,
            employers: 1_000,
            cohorts: vec![a.cohort, a.cohort + 1],
        };
        let mut report = progress_reporter();
        jiuye_seed::run(&*store, &refdata, &plan, &mut report).await.map_err(|e| e.to_string())?;
    }
    let province = store
        .org_by_code(&OrgCode::province(&province_code))
        .await
        .map_err(|e| e.to_string())?
        .ok_or("province missing")?;
    store.analyze().await.map_err(|e| e.to_string())?;
    let nodes = subtree(&*store, &province).await?;
    let filter = PlacementFilter::default();

    // jiuye: one grouped query for the whole province, rolled up in memory.
    let mut ours = Vec::new();
    let mut rollup = Rollup::default();
    for _ in 0..a.runs.max(1) {
        let t = Instant::now();
        let rows = store.placement_counts(&province, a.cohort, &filter).await.map_err(|e| e.to_string())?;
        rollup = Rollup::build(&rows);
        ours.push(t.elapsed());
    }
    // Baseline: one aggregate query per organisation node.
    let mut base = Vec::new();
    let mut baseline: Vec<(uuid::Uuid, (i64, i64))> = Vec::new();
    for _ in 0..a.runs.clamp(1, 3) {
        baseline.clear();
        let t = Instant::now();
        for n in &nodes {
            baseline.push((n.id, store.placement_totals(n, a.cohort).await.map_err(|e| e.to_string())?));
        }
        base.push(t.elapsed());
    }
    // Both methods must agree on every node.
    for (id, t) in &baseline {
        let mine: Tally = if *id == province.id { rollup.total.clone() } else { rollup.of(*id) };
        if (mine.graduates, mine.placed) != *t {
            return Err(format!("rollup and baseline disagree at {id}: {mine:?} vs {t:?}"));
        }
    }
    let total = store.totals().await.map_err(|e| e.to_string())?.graduates;
    println!();
    println!(
        "backend {}, graduates in database {total}, in {} cohort {}: {}, nodes in the province's tree: {}",
        store.backend().id(),
        province.name,
        a.cohort,
        rollup.total.graduates,
        nodes.len()
    );
    println!();
    println!("| method | time (ms, median of {}) | queries |", a.runs.max(1));
    println!("|---|---|---|");
    println!("| jiuye: one grouped query + in-memory rollup | {} | 1 |", ms(median(ours)));
    println!("| baseline: one aggregate query per organisation node | {} | {} |", ms(median(base)), nodes.len());
    Ok(())
}
