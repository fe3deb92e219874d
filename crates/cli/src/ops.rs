//! Operator commands: accounts, tokens, audit verification and key rotation, run from the
//! server's shell. They act with the operator's authority (whoever can run them can read the
//! database anyway) and leave audit entries like everything else.

use std::io::BufRead;

use jiuye_domain::access::Role;
use jiuye_security::chain::AuditKey;
use jiuye_store::Repository;
use jiuye_store::accounts::{AuditEntry, ChainCheck, NewGrant, NewUser, Reanchor, verify_audit_chain};
use uuid::Uuid;

use super::{
    CampaignLoadArgs, DataArgs, ImportGraduatesArgs, TokenCreateArgs, UserAddArgs, UserGrantArgs, data_config,
    init_logging, open, open_database,
};
use crate::config::{self, FileConfig};

const OPERATOR: &str = "(命令行)";

fn message(e: jiuye_app::Error) -> String {
    format!("{}（{}）", e.message, e.code)
}

async fn audit(
    store: &dyn Repository,
    action: &str,
    target: String,
    path: Option<String>,
    detail: Option<String>,
) -> Result<(), String> {
    store
        .append_audit(&AuditEntry {
            username: Some(OPERATOR.into()),
            action: action.into(),
            target: Some(target),
            target_path: path,
            result: "ok".into(),
            detail,
            ..AuditEntry::default()
        })
        .await
        .map(|_| ())
        .map_err(|e| e.to_string())
}

async fn target(store: &dyn Repository, g: &super::GrantArgs) -> Result<(Role, Uuid, String, Option<Uuid>), String> {
    let role = Role::from_id(g.role.trim()).ok_or_else(|| {
        let all: Vec<&str> = Role::ALL.iter().map(|r| r.id()).collect();
        format!("未知角色“{}”，可选：{}", g.role, all.join("、"))
    })?;
    let (org_id, _, path, subject) =
        jiuye_app::accounts::resolve_grant_target(store, role, &g.org, g.subject.as_deref()).await.map_err(message)?;
    Ok((role, org_id, path, subject))
}

pub(super) async fn user_add(a: UserAddArgs, file: FileConfig) -> Result<(), String> {
    init_logging(file.log_format.as_deref().unwrap_or("text"))?;
    let data = data_config(&a.data, &file);
    let (store, _) = open(&data).await?;
    let password = match (a.password, a.password_stdin) {
        (Some(p), false) => p,
        (None, true) => {
            let mut line = String::new();
            std::io::stdin().lock().read_line(&mut line).map_err(|e| format!("无法读取标准输入：{e}"))?;
            line.trim_end_matches(['\r', '\n']).to_owned()
        }
        _ => return Err("请用 --password 或 --password-stdin 给出密码".into()),
    };
    let username = a.username.trim().to_owned();
    jiuye_app::accounts::check_username(&username).map_err(|r| r.message.to_owned())?;
    jiuye_app::accounts::check_password(&username, &password).map_err(|r| format!("{}（{}）", r.message, r.code))?;
    let (role, org_id, path, subject) = target(&*store, &a.grant).await?;
    let hash = jiuye_app::accounts::hash_password(&password, jiuye_security::password::Cost::default())
        .await
        .map_err(message)?;
    let id = Uuid::now_v7();
    let user = NewUser {
        id,
        username: username.clone(),
        display_name: a.display_name.unwrap_or_else(|| username.clone()),
        org_id,
        password_hash: hash,
        must_change_password: false,
    };
    let grant = NewGrant { id: Uuid::now_v7(), user_id: id, role, org_id, subject_id: subject, created_by: None };
    if !store.create_user(&user, &[grant]).await.map_err(|e| e.to_string())? {
        return Err(format!("用户名 {username} 已被使用"));
    }
    audit(&*store, "user_create", format!("user:{username}"), Some(path), Some(format!("角色 {}", role.id()))).await?;
    println!("已创建账号 {username}（{}，{}）", role.zh(), a.grant.org);
    Ok(())
}

pub(super) async fn user_grant(a: UserGrantArgs, file: FileConfig) -> Result<(), String> {
    init_logging(file.log_format.as_deref().unwrap_or("text"))?;
    let data = data_config(&a.data, &file);
    let (store, _) = open(&data).await?;
    let user = store
        .user_by_username(a.username.trim())
        .await
        .map_err(|e| e.to_string())?
        .ok_or_else(|| format!("没有用户名为 {} 的账号", a.username))?;
    let (role, org_id, path, subject) = target(&*store, &a.grant).await?;
    let added = store
        .add_grant(&NewGrant {
            id: Uuid::now_v7(),
            user_id: user.id,
            role,
            org_id,
            subject_id: subject,
            created_by: None,
        })
        .await
        .map_err(|e| e.to_string())?;
    if !added {
        return Err("该账号已有这个角色".into());
    }
    audit(&*store, "grant_add", format!("user:{}", user.username), Some(path), Some(format!("角色 {}", role.id())))
        .await?;
    println!("已授予 {} 角色 {}（{}）", user.username, role.zh(), a.grant.org);
    Ok(())
}

pub(super) async fn token_create(a: TokenCreateArgs, file: FileConfig) -> Result<(), String> {
    init_logging(file.log_format.as_deref().unwrap_or("text"))?;
    let data = data_config(&a.data, &file);
    let (store, _) = open(&data).await?;
    let user = store
        .user_by_username(a.username.trim())
        .await
        .map_err(|e| e.to_string())?
        .ok_or_else(|| format!("没有用户名为 {} 的账号", a.username))?;
    if user.disabled {
        return Err(format!("账号 {} 已停用", user.username));
    }
    let grant = match (&a.role, &a.org) {
        (Some(role), Some(org)) => {
            let grants = store.grants_of(user.id).await.map_err(|e| e.to_string())?;
            let found = grants.iter().find(|g| g.grant.role.id() == role.trim() && g.grant.org_code == org.trim());
            Some(found.map(|g| g.id).ok_or_else(|| format!("账号 {} 没有 {role} @ {org} 这项授权", user.username))?)
        }
        _ => None,
    };
    let (record, token) = jiuye_app::accounts::issue_token_under(&*store, &user, grant, &a.name, Some(a.expires_days))
        .await
        .map_err(message)?;
    audit(
        &*store,
        "token_create",
        format!("token:{}", record.prefix),
        None,
        Some(format!("为 {} 创建", user.username)),
    )
    .await?;
    println!("{token}");
    Ok(())
}

/// Gives the store the node's audit key and keys the chain when that is due: for an empty log
/// (a new node), and for a log written without a key only when the key was created just now (the
/// first start after the upgrade). A log that is unkeyed under an older key is left for
/// `jiuye audit verify` to report: re-anchoring it silently would also accept a log that someone
/// rewrote without the key.
pub(super) async fn key_audit_chain(
    store: &dyn Repository,
    ring: &jiuye_security::seal::KeyRing,
    new_key: bool,
) -> Result<(), String> {
    let key = ring.audit_key().ok_or("密钥文件中没有审计密钥")?;
    store.set_audit_key(AuditKey::new(*key)).map_err(|e| e.to_string())?;
    let head = store.audit_head().await.map_err(|e| e.to_string())?;
    if head.tag.is_some() || !(new_key || head.seq == 0) {
        return Ok(());
    }
    match store.reanchor_audit(OPERATOR).await.map_err(|e| e.to_string())? {
        Reanchor::Done { rows: 0, .. } | Reanchor::AlreadyKeyed => {}
        Reanchor::Done { rows, old_head, seq } => {
            eprintln!(
                "审计日志已启用密钥：{rows} 条旧记录已用审计密钥重新锚定（原链尾哈希 {old_head}），记为第 {seq} 条。"
            );
        }
        Reanchor::Refused { seq, reason } => {
            eprintln!(
                "警告：审计日志在启用密钥之前已断裂（第 {seq} 条：{reason}），未重新锚定；`jiuye audit verify` 会报告这一处。"
            );
        }
    }
    Ok(())
}

pub(super) async fn audit_verify(a: DataArgs, file: FileConfig) -> Result<bool, String> {
    init_logging(file.log_format.as_deref().unwrap_or("text"))?;
    let data = data_config(&a, &file);
    // The key is read, never made: a missing key cannot be told from a log rewritten without it.
    let ring = config::read_keys(&data.key_file)?.ok_or_else(|| {
        format!(
            "无法校验审计日志：找不到密钥文件 {}。审计密钥只在密钥文件中，不在数据库里；请从 `jiuye key export` 导出的文件恢复密钥文件后再校验。",
            data.key_file.display()
        )
    })?;
    let key = ring.audit_key().ok_or_else(|| {
        format!(
            "无法校验审计日志：密钥文件 {} 中没有审计密钥（audit: 一行）。启动一次节点，或运行 `jiuye audit reanchor`，会生成审计密钥并重新锚定审计日志。",
            data.key_file.display()
        )
    })?;
    let (store, _) = open_database(&data).await?;
    match verify_audit_chain(&*store, &AuditKey::new(*key)).await.map_err(|e| e.to_string())? {
        ChainCheck::Intact { rows } => {
            let head = store.audit_head().await.map_err(|e| e.to_string())?;
            println!(
                "审计日志完整：共 {rows} 条，每一条都用审计密钥校验通过。链尾：第 {} 条，哈希 {}。",
                head.seq, head.hash
            );
            Ok(true)
        }
        ChainCheck::Broken { seq, reason } => {
            println!("审计日志被改动：第 {seq} 条起哈希链断裂（{reason}）。");
            Ok(false)
        }
    }
}

pub(super) async fn audit_reanchor(a: DataArgs, file: FileConfig) -> Result<bool, String> {
    init_logging(file.log_format.as_deref().unwrap_or("text"))?;
    let data = data_config(&a, &file);
    let (store, _) = open_database(&data).await?;
    let (ring, _) = config::load_keys_with_audit_key(&data.key_file)?;
    let key = ring.audit_key().ok_or("密钥文件中没有审计密钥")?;
    store.set_audit_key(AuditKey::new(*key)).map_err(|e| e.to_string())?;
    match store.reanchor_audit(OPERATOR).await.map_err(|e| e.to_string())? {
        Reanchor::AlreadyKeyed => {
            println!("审计日志已用审计密钥锚定，无需重新锚定，未作任何改动。");
            Ok(true)
        }
        Reanchor::Done { rows, old_head, seq } => {
            println!("已用审计密钥重新锚定审计日志：{rows} 条（原链尾哈希 {old_head}），本次操作记为第 {seq} 条。");
            Ok(true)
        }
        Reanchor::Refused { seq, reason } => {
            println!("审计日志在重新锚定之前已断裂：第 {seq} 条（{reason}）。未作任何改动。");
            Ok(false)
        }
    }
}

pub(super) async fn key_rotate(a: DataArgs, file: FileConfig) -> Result<(), String> {
    init_logging(file.log_format.as_deref().unwrap_or("text"))?;
    let data = data_config(&a, &file);
    let (store, _) = open(&data).await?;
    let mut ring = config::load_or_create_keys(&data.key_file)?;
    let id = ring.add_new_key().map_err(|e| e.to_string())?;
    // Write the new ring first: if re-sealing stops half-way, every value still opens.
    config::write_keys(&data.key_file, &ring)?;
    let mut resealed = 0;
    for (user_id, sealed) in store.sealed_totp_secrets().await.map_err(|e| e.to_string())? {
        if !ring.needs_reseal(&sealed) {
            continue;
        }
        let plain = ring.open(&sealed).map_err(|e| format!("账号 {user_id} 的两步验证密钥无法解密：{e}"))?;
        let fresh = ring.seal(&plain).map_err(|e| e.to_string())?;
        store.replace_totp_secret(user_id, &fresh).await.map_err(|e| e.to_string())?;
        resealed += 1;
    }
    // Dispute texts and answers, evidence, visit photos and résumés: plaintext from before
    // sealing is sealed, values under older keys are sealed again with the new one.
    let at_rest =
        jiuye_app::sealing::seal_at_rest(&*store, &ring, &data.data_dir.join("evidence")).await.map_err(message)?;
    let detail = format!(
        "重新加密 {resealed} 项两步验证密钥；异议与文件：首次加密 {}，重新加密 {}，已是新密钥 {}，跳过 {}",
        at_rest.sealed, at_rest.resealed, at_rest.current, at_rest.skipped
    );
    audit(&*store, "key_rotate", format!("key:{id}"), None, Some(detail.clone())).await?;
    println!("已启用新密钥 {id}：{detail}。旧密钥仍保留在 {}，以便读取旧备份。", data.key_file.display());
    if at_rest.skipped > 0 {
        eprintln!(
            "有 {} 项未能加密（已记入日志：文件缺失、数据被改动或同时被修改），可再次运行本命令。",
            at_rest.skipped
        );
    }
    Ok(())
}

pub(super) async fn import_graduates(a: ImportGraduatesArgs, file: FileConfig) -> Result<bool, String> {
    init_logging(file.log_format.as_deref().unwrap_or("text"))?;
    let data = data_config(&a.data, &file);
    let (store, refdata) = open(&data).await?;
    let code = jiuye_domain::OrgCode::parse(&a.university).map_err(|e| e.to_string())?;
    let org = store
        .org_by_code(&code)
        .await
        .map_err(|e| e.to_string())?
        .ok_or_else(|| format!("找不到代码为 {code} 的高校"))?;
    let meta = std::fs::metadata(&a.file).map_err(|e| format!("无法读取 {}：{e}", a.file.display()))?;
    if meta.len() > jiuye_sheets::MAX_FILE_BYTES as u64 {
        return Err(format!("文件超过 {} MB 的上限", jiuye_sheets::MAX_FILE_BYTES / 1024 / 1024));
    }
    let bytes = std::fs::read(&a.file).map_err(|e| format!("无法读取 {}：{e}", a.file.display()))?;
    let name = a.file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let bar = indicatif::ProgressBar::new(0);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{msg:>8} [{bar:40}] {pos}/{len} {per_sec} 剩余 {eta}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    bar.set_message("写入");
    let mut progress = |done: u64, total: u64| {
        bar.set_length(total);
        bar.set_position(done);
    };
    let result = jiuye_app::rosters::import_roster(
        &*store,
        &refdata,
        &org,
        a.cohort,
        &name,
        &bytes,
        a.dry_run,
        None,
        &mut progress,
    )
    .await;
    bar.finish_and_clear();
    match result {
        Ok(o) => {
            if !a.dry_run {
                audit(
                    &*store,
                    "roster_import",
                    format!("org:{}", org.code),
                    Some(org.path.clone()),
                    Some(format!(
                        "{} 届，{} 行：新增 {}，更新 {}，未变 {}",
                        a.cohort, o.rows, o.created, o.updated, o.unchanged
                    )),
                )
                .await?;
            }
            println!(
                "{}{} 行：新增 {}，更新 {}，未变 {}，含毕业去向 {}。",
                if o.dry_run { "试导入（未写入）：" } else { "已导入：" },
                o.rows,
                o.created,
                o.updated,
                o.unchanged,
                o.destinations
            );
            if !o.new_colleges.is_empty() {
                println!("新建院系：{}", o.new_colleges.join("、"));
            }
            if !o.new_programmes.is_empty() {
                println!("新建专业点 {} 个：{}", o.new_programmes.len(), o.new_programmes.join("；"));
            }
            Ok(true)
        }
        Err(jiuye_app::rosters::ImportFailure::Rows(errors)) => {
            println!("名单有 {} 处错误，未导入任何数据：", errors.len());
            for e in &errors {
                println!("  第 {} 行 [{}]：{}", e.row, e.column, e.reason);
            }
            Ok(false)
        }
        Err(jiuye_app::rosters::ImportFailure::File(e)) => Err(e.to_string()),
        Err(jiuye_app::rosters::ImportFailure::Other(e)) => Err(message(e)),
    }
}

pub(super) async fn campaign_load(a: CampaignLoadArgs, file: FileConfig) -> Result<bool, String> {
    init_logging(file.log_format.as_deref().unwrap_or("text"))?;
    let text = std::fs::read_to_string(&a.file).map_err(|e| format!("无法读取 {}：{e}", a.file.display()))?;
    let campaign = match jiuye_domain::campaign::Campaign::parse(&text) {
        Ok(c) => c,
        Err(e) => {
            println!("{}：{e}", a.file.display());
            return Ok(false);
        }
    };
    let data = data_config(&a.data, &file);
    let (store, _) = open(&data).await?;
    jiuye_app::campaign::publish(&*store, &campaign, &text).await.map_err(|e| e.message)?;
    audit(&*store, "campaign_load", format!("campaign:{}", campaign.id), None, Some(campaign.name.clone())).await?;
    println!(
        "已载入活动 {}（{}，{} 至 {}，参照届别 {}，{} 项目标）。",
        campaign.id,
        campaign.name,
        campaign.start,
        campaign.end,
        campaign.reference_cohort,
        campaign.targets.len()
    );
    Ok(true)
}

pub(super) async fn reindex(a: DataArgs, file: FileConfig) -> Result<(), String> {
    init_logging(file.log_format.as_deref().unwrap_or("text"))?;
    let data = data_config(&a, &file);
    let (store, refdata) = open(&data).await?;
    let started = std::time::Instant::now();
    let dir = data.search_dir();
    let ix = jiuye_app::search::open(Some(&dir))
        .await
        .map_err(|e| format!("{}：无法打开检索索引 {}（服务是否仍在运行？请先停止服务）", message(e), dir.display()))?;
    let n = jiuye_app::search::rebuild(&*store, &refdata, &ix).await.map_err(message)?;
    println!("检索索引已重建：{n} 个已审核职位，用时 {:.1} 秒（{}）。", started.elapsed().as_secs_f64(), dir.display());
    Ok(())
}
