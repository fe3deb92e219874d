//! `jiuye federation`: this node's identity in the federation and its peers, from the server's
//! shell.

use clap::{Args, Subcommand};
use jiuye_domain::federation::{Kind, PeerSpec};

use super::{DataArgs, data_config, init_logging, open};
use crate::config::FileConfig;

/// Who the audit log names for changes made here.
const BY: &str = "(命令行)";

#[derive(Subcommand, Debug)]
pub(crate) enum FederationCommand {
    /// Set this node's organisation code (the nation CN, a province such as 510000, or a
    /// university's 10-digit code) and the public base URL peers reach it at.
    Init(InitArgs),
    /// Print this node's organisation code, URL and, on the last line, its public key (base64
    /// Ed25519), to give to the administrators of its peers.
    Id(DataArgs),
    /// Register, remove or list peers.
    #[command(subcommand)]
    Peer(PeerCommand),
    /// Show each peer: how far its feed has been read, the lag, the last error and the next
    /// attempt.
    Status(DataArgs),
    /// Report this node's figures to the nodes above it now: the placement counts of the
    /// universities whose rosters it holds, by cohort, their progress in each loaded visit
    /// campaign, their hardship ledgers' coverage and the recruitment events they held, where
    /// they changed since last reported.
    Report(DataArgs),
}

#[derive(Args, Debug)]
pub(crate) struct InitArgs {
    #[command(flatten)]
    pub data: DataArgs,
    /// This node's organisation code.
    #[arg(long)]
    pub org: String,
    /// This node's public base URL, e.g. https://jy.scu.edu.cn.
    #[arg(long)]
    pub url: String,
}

#[derive(Subcommand, Debug)]
pub(crate) enum PeerCommand {
    /// Register a peer (or replace the one with the same code).
    Add(PeerAddArgs),
    /// Remove a peer.
    Remove(PeerRemoveArgs),
    /// List the peers.
    List(DataArgs),
}

#[derive(Args, Debug)]
pub(crate) struct PeerAddArgs {
    #[command(flatten)]
    pub data: DataArgs,
    /// The peer's organisation code.
    #[arg(long)]
    pub org: String,
    /// The peer's public base URL.
    #[arg(long)]
    pub url: String,
    /// The peer's public key, as `jiuye federation id` prints it there.
    #[arg(long)]
    pub key: String,
    /// parent (the node above), child (a node below) or sibling (an alliance member).
    #[arg(long)]
    pub relation: String,
    /// What the peer may send here, comma-separated (posting, tombstone, event, blacklist,
    /// aggregate, campaign, node_key); by default what its relation sends.
    #[arg(long)]
    pub receive: Option<String>,
    /// What this node sends the peer; by default what its relation receives.
    #[arg(long)]
    pub send: Option<String>,
}

#[derive(Args, Debug)]
pub(crate) struct PeerRemoveArgs {
    #[command(flatten)]
    pub data: DataArgs,
    /// The peer's organisation code.
    #[arg(long)]
    pub org: String,
}

fn shown(e: jiuye_app::error::Error) -> String {
    format!("{}（{}）", e.message, e.code)
}

pub(crate) async fn run(c: FederationCommand, file: FileConfig) -> Result<(), String> {
    init_logging(file.log_format.as_deref().unwrap_or("text"))?;
    match c {
        FederationCommand::Init(a) => {
            let data = data_config(&a.data, &file);
            let (store, _) = open(&data).await?;
            let n = jiuye_app::federation::init(&*store, &a.org, &a.url, BY).await.map_err(shown)?;
            println!("本节点已设置：{}，地址 {}。运行中的服务会在几秒内读到新设置。", n.org_code, n.base_url);
            println!("{}", public_key(&data)?);
        }
        FederationCommand::Id(d) => {
            let data = data_config(&d, &file);
            let (store, _) = open(&data).await?;
            match jiuye_app::federation::node(&*store).await.map_err(shown)? {
                Some(n) => println!("节点 {}，地址 {}", n.org_code, n.base_url),
                None => println!("尚未设置节点编码和地址（jiuye federation init --org 编码 --url 地址）"),
            }
            println!("{}", public_key(&data)?);
        }
        FederationCommand::Peer(PeerCommand::Add(a)) => {
            let data = data_config(&a.data, &file);
            let spec = PeerSpec::parse(&a.org, &a.url, &a.key, &a.relation, a.receive.as_deref(), a.send.as_deref())
                .map_err(|e| e.to_string())?;
            let (store, _) = open(&data).await?;
            let new = jiuye_app::federation::add_peer(&*store, &spec, BY).await.map_err(shown)?;
            println!(
                "{}互联节点 {}（{}），可接收 {}，发送 {}。",
                if new { "已登记" } else { "已更新" },
                spec.org.as_str(),
                spec.relation.label(),
                Kind::list_text(&spec.receive),
                Kind::list_text(&spec.send)
            );
        }
        FederationCommand::Peer(PeerCommand::Remove(a)) => {
            let data = data_config(&a.data, &file);
            let (store, _) = open(&data).await?;
            jiuye_app::federation::remove_peer(&*store, &a.org, BY).await.map_err(shown)?;
            println!("已删除互联节点 {}。", a.org.trim());
        }
        FederationCommand::Status(d) => {
            let data = data_config(&d, &file);
            let (store, _) = open(&data).await?;
            let (node, head, peers) = jiuye_app::federation::status(&*store).await.map_err(shown)?;
            match node {
                Some(n) => println!("节点 {}，地址 {}；发件箱已编号到 {head}", n.org_code, n.base_url),
                None => println!("尚未设置节点编码和地址（jiuye federation init --org 编码 --url 地址）"),
            }
            if peers.is_empty() {
                println!("尚未登记互联节点。");
            }
            let time = |t: Option<chrono::DateTime<chrono::Utc>>| {
                t.map_or_else(|| "—".to_owned(), |t| t.format("%Y-%m-%d %H:%M:%S UTC").to_string())
            };
            println!(
                "节点\t关系\t已读到\t对方最新\t落后\t已接收\t已拒绝\t连续失败\t上次成功\t下次尝试\t最近错误\t已推送到\t推送落后\t推送失败\t推送错误"
            );
            for p in &peers {
                let c = p.cursor.clone().unwrap_or_default();
                let pushed = p.push.clone().unwrap_or_default();
                println!(
                    "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}",
                    p.peer.record.org_code,
                    p.peer.relation.map_or("?", |r| r.label()),
                    c.after_seq,
                    c.head_seq,
                    p.lag(),
                    c.applied,
                    c.refused,
                    c.failures,
                    time(c.last_success_at),
                    time(c.next_attempt_at),
                    c.last_error.as_deref().unwrap_or("—"),
                    pushed.after_seq,
                    p.push_lag(head),
                    pushed.failures,
                    pushed.last_error.as_deref().unwrap_or("—")
                );
            }
        }
        FederationCommand::Report(d) => {
            let data = data_config(&d, &file);
            let (store, _) = open(&data).await?;
            let c = jiuye_app::federation::report::check(&*store, chrono::Utc::now()).await.map_err(shown)?;
            println!("已核对 {} 组统计数（高校 × 届别），其中 {} 组有变化，已放入发件箱上报。", c.figures, c.sent);
            let p = jiuye_app::federation::progress::check(&*store, chrono::Utc::now()).await.map_err(shown)?;
            println!(
                "已核对 {} 组访企拓岗进度（高校 × 活动），其中 {} 组有变化，已放入发件箱上报。",
                p.figures, p.sent
            );
            let h = jiuye_app::federation::hardship::check(&*store, chrono::Utc::now()).await.map_err(shown)?;
            println!("已核对 {} 组帮扶覆盖数（高校 × 届别），其中 {} 组有变化，已放入发件箱上报。", h.figures, h.sent);
            let e = jiuye_app::federation::activity::check(&*store, chrono::Utc::now()).await.map_err(shown)?;
            println!("已核对 {} 组招聘活动数（高校 × 届别），其中 {} 组有变化，已放入发件箱上报。", e.figures, e.sent);
        }
        FederationCommand::Peer(PeerCommand::List(d)) => {
            let data = data_config(&d, &file);
            let (store, _) = open(&data).await?;
            let peers = jiuye_app::federation::peers(&*store).await.map_err(shown)?;
            if peers.is_empty() {
                println!("尚未登记互联节点。");
            }
            for p in peers {
                println!(
                    "{}\t{}\t{}\t可接收 {}\t发送 {}\t公钥 {}",
                    p.record.org_code,
                    p.relation.map_or("?", |r| r.label()),
                    p.record.base_url,
                    p.record.receive,
                    p.record.send,
                    p.record.public_key
                );
            }
        }
    }
    Ok(())
}

/// This node's public key, from the key ring (made there on first start).
fn public_key(data: &crate::config::DataConfig) -> Result<String, String> {
    let ring = crate::config::load_or_create_keys(&data.key_file)?;
    Ok(ring.node_key().ok_or("密钥文件中没有节点签名密钥")?.public())
}
