//! `jiuye match --all`: computes and stores every graduate's top matches (graduates with an
//! open hardship file first), with a progress bar. The server computes a graduate's
//! recommendations when they are read; the stored matches feed the coverage figures and the
//! hardship files' recommended postings.

use indicatif::{ProgressBar, ProgressStyle};
use jiuye_app::matching::Matching;
use jiuye_app::matching::pool::Pool;
use jiuye_app::postings::readers::ReaderCache;

use super::{DataArgs, data_config, init_logging, open};
use crate::config::FileConfig;

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    data: DataArgs,
    /// Refresh every graduate (the only mode today; required so that a bare `jiuye match` does
    /// not start a long run by accident).
    #[arg(long)]
    all: bool,
}

const PAGE: i64 = 500;

pub async fn run(a: Args, file: FileConfig) -> Result<(), String> {
    if !a.all {
        return Err("请加上 --all：为每名毕业生计算并保存前 50 个匹配职位".into());
    }
    init_logging(file.log_format.as_deref().unwrap_or("text"))?;
    let data = data_config(&a.data, &file);
    let (store, refdata) = open(&data).await?;
    let started = std::time::Instant::now();
    let pool = Pool::default();
    let readers = ReaderCache::default();
    let m = Matching {
        store: store.as_ref(),
        refdata: &refdata,
        pool: &pool,
        readers: &readers,
        today: (chrono::Utc::now() + chrono::Duration::hours(8)).date_naive(),
    };
    pool.catch_up(store.as_ref(), &refdata).await.map_err(|e| e.to_string())?;
    println!("匹配池：{} 个可推荐职位（{:.1} 秒）", pool.len(), started.elapsed().as_secs_f64());
    // First the graduates in difficulty, then everyone else.
    let mut total = 0u64;
    let mut hardship = 0u64;
    let mut after = None;
    loop {
        let page = store.match_profiles_after(after, PAGE).await.map_err(|e| e.to_string())?;
        let Some(last) = page.last() else { break };
        after = Some(last.graduate_id);
        total += page.len() as u64;
        let helped: Vec<_> = page.into_iter().filter(|p| p.hardship).collect();
        hardship += helped.len() as u64;
        m.refresh(&helped).await.map_err(|e| e.to_string())?;
    }
    let bar = ProgressBar::new(total);
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} 名毕业生 {per_sec} 剩余 {eta}")
            .map_err(|e| e.to_string())?,
    );
    bar.inc(hardship);
    let mut after = None;
    loop {
        let page = store.match_profiles_after(after, PAGE).await.map_err(|e| e.to_string())?;
        let Some(last) = page.last() else { break };
        after = Some(last.graduate_id);
        let rest: Vec<_> = page.into_iter().filter(|p| !p.hardship).collect();
        let n = m.refresh(&rest).await.map_err(|e| e.to_string())?;
        bar.inc(n as u64);
    }
    bar.finish_and_clear();
    println!(
        "已为 {total} 名毕业生保存匹配（其中困难毕业生 {hardship} 名优先），用时 {:.1} 秒。",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
