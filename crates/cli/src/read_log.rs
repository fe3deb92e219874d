//! The read log from the server's shell: its retention setting (flag, `JIUYE_READ_LOG_RETENTION_DAYS`
//! or `read_log_retention_days` in the configuration file; at least 183 days) and the purge,
//! which the server also runs daily.

use clap::{Args, Subcommand};
use jiuye_domain::read_log::Retention;

use super::{DataArgs, data_config, init_logging, open};
use crate::config::FileConfig;

#[derive(Subcommand, Debug)]
pub(crate) enum ReadLogCommand {
    /// Delete read-log entries past their retention (sensitive kinds — evidence, résumés,
    /// hardship files — are kept at least 1095 days whatever the setting); the purge itself is
    /// written to the audit log with how many entries and up to when.
    Purge(PurgeArgs),
}

/// How long the read log is kept.
#[derive(Args, Debug, Clone, Default)]
pub(crate) struct RetentionArgs {
    /// Days read-log entries are kept: at least 183 (6 months, MLPS 2.0); entries about
    /// evidence, résumés and hardship files at least 1095 (3 years, PIPL art. 55–56) whatever
    /// this says. [default: 1095]
    #[arg(long, env = "JIUYE_READ_LOG_RETENTION_DAYS", value_name = "DAYS")]
    pub read_log_retention_days: Option<u32>,
}

impl RetentionArgs {
    /// The retention set by flag, environment or file (in that order), checked.
    pub(crate) fn retention(&self, file: &FileConfig) -> Result<Retention, String> {
        match self.read_log_retention_days.or(file.read_log_retention_days) {
            Some(days) => Retention::days(days),
            None => Ok(Retention::default()),
        }
    }
}

#[derive(Args, Debug)]
pub(crate) struct PurgeArgs {
    #[command(flatten)]
    pub data: DataArgs,
    #[command(flatten)]
    pub retention: RetentionArgs,
}

pub(crate) async fn purge(a: PurgeArgs, file: FileConfig) -> Result<(), String> {
    init_logging(file.log_format.as_deref().unwrap_or("text"))?;
    let retention = a.retention.retention(&file)?;
    let data = data_config(&a.data, &file);
    let (store, _) = open(&data).await?;
    let p = jiuye_app::read_log::purge(&*store, retention, chrono::Utc::now(), "(命令行)")
        .await
        .map_err(|e| format!("{}（{}）", e.message, e.code))?;
    println!(
        "已删除 {} 条查阅记录：一般记录 {} 之前，敏感记录 {} 之前（保留期 {} 天）。",
        p.deleted,
        p.cutoff.format("%Y-%m-%d"),
        p.sensitive_cutoff.format("%Y-%m-%d"),
        retention.setting()
    );
    Ok(())
}
