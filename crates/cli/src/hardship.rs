//! The hardship ledger from the server's shell: the purge of files kept long enough (at least
//! three years after the case closed and the cohort ended, PIPL art. 55–56). Schedule it (cron,
//! a systemd timer) as the node's retention job; the period is set by flag or
//! `JIUYE_HARDSHIP_RETENTION_YEARS`.

use clap::{Args, Subcommand};

use super::{DataArgs, data_config, init_logging, open};
use crate::config::FileConfig;

#[derive(Subcommand, Debug)]
pub(crate) enum HardshipCommand {
    /// Delete the hardship files whose case closed (or never closed) and whose cohort ended more
    /// than the retention period ago; the purge is written to the audit log.
    Purge(PurgeArgs),
}

#[derive(Args, Debug)]
pub(crate) struct PurgeArgs {
    #[command(flatten)]
    pub data: DataArgs,
    /// Years files are kept: at least 3 (a smaller number is taken as 3).
    #[arg(long, env = "JIUYE_HARDSHIP_RETENTION_YEARS", value_name = "YEARS", default_value_t = 3)]
    pub years: u32,
}

pub(crate) async fn purge(a: PurgeArgs, file: FileConfig) -> Result<(), String> {
    init_logging(file.log_format.as_deref().unwrap_or("text"))?;
    let data = data_config(&a.data, &file);
    let (store, _) = open(&data).await?;
    let beijing = chrono::FixedOffset::east_opt(8 * 3600).ok_or("时区")?;
    let today = chrono::Utc::now().with_timezone(&beijing).date_naive();
    let years = a.years.max(jiuye_domain::hardship::MIN_RETENTION_YEARS);
    let n = jiuye_app::hardship::purge(&*store, today, years, "(命令行)")
        .await
        .map_err(|e| format!("{}（{}）", e.message, e.code))?;
    println!("已删除 {n} 份帮扶档案（保留期 {years} 年）。");
    Ok(())
}
