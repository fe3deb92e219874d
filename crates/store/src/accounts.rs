//! Storage for accounts, role grants, sessions, API tokens and the hash-chained audit log.
//!
//! The audit chain is keyed: a store given the node's audit key ([`Identity::set_audit_key`])
//! hashes new rows with HMAC-SHA256 once the chain has been re-anchored with that key
//! ([`Identity::reanchor_audit`]); before that, and in a store without a key, rows are hashed with
//! plain SHA-256 so that the chain stays of one kind until its one re-anchoring.
//!
//! Secrets are stored only as hashes (sessions, tokens) or sealed (TOTP secrets); this module
//! never sees a plaintext token except to hash it. List queries take the organisation paths the
//! caller may see and filter in SQL.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use jiuye_domain::OrgKind;
use jiuye_domain::access::{Role, ScopedGrant};
use jiuye_security::chain::AuditKey;
use uuid::Uuid;

use crate::Result;

/// `audit_log.scheme` of a row hashed with plain SHA-256 (written before the chain was keyed).
pub const SCHEME_SHA256: &str = "sha256";
/// `audit_log.scheme` of a row hashed with HMAC-SHA256 under the node's audit key.
pub const SCHEME_HMAC: &str = "hmac";
/// How many rows a re-anchoring reads and rewrites at a time.
pub const REANCHOR_BATCH: i64 = 1000;

/// An account.
#[derive(Clone, Debug, PartialEq)]
pub struct UserRecord {
    pub id: Uuid,
    pub username: String,
    pub display_name: String,
    pub org_id: Uuid,
    pub password_hash: String,
    pub must_change_password: bool,
    pub failed_logins: i32,
    pub locked_until: Option<DateTime<Utc>>,
    /// Sealed (see `jiuye-security`), never plaintext.
    pub totp_secret: Option<String>,
    pub totp_enabled: bool,
    pub totp_last_step: Option<i64>,
    pub disabled: bool,
    pub created_at: DateTime<Utc>,
    pub password_changed_at: DateTime<Utc>,
}

/// A grant with the organisation it is bound to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GrantRecord {
    pub id: Uuid,
    pub user_id: Uuid,
    pub grant: ScopedGrant,
    pub org_name: String,
}

/// A new account and its first grants.
#[derive(Clone, Debug)]
pub struct NewUser {
    pub id: Uuid,
    pub username: String,
    pub display_name: String,
    pub org_id: Uuid,
    pub password_hash: String,
    pub must_change_password: bool,
}

#[derive(Clone, Debug)]
pub struct NewGrant {
    pub id: Uuid,
    pub user_id: Uuid,
    pub role: Role,
    pub org_id: Uuid,
    pub subject_id: Option<Uuid>,
    pub created_by: Option<Uuid>,
}

/// An account in a list, with its grants.
#[derive(Clone, Debug, PartialEq)]
pub struct UserSummary {
    pub id: Uuid,
    pub username: String,
    pub display_name: String,
    pub disabled: bool,
    pub locked_until: Option<DateTime<Utc>>,
    pub totp_enabled: bool,
    pub grants: Vec<GrantRecord>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionRecord {
    pub id_hash: String,
    pub user_id: Uuid,
    pub csrf_token: String,
    pub second_factor: bool,
    pub ip: Option<String>,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenRecord {
    pub id: Uuid,
    pub user_id: Uuid,
    pub name: String,
    /// The first characters of the token, to recognise it in a list.
    pub prefix: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
    /// The grant the token acts under; the token dies with it.
    pub grant_id: Option<Uuid>,
}

/// One audit entry, before it is chained.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AuditEntry {
    pub user_id: Option<Uuid>,
    pub username: Option<String>,
    pub role: Option<String>,
    pub org_code: Option<String>,
    pub org_path: Option<String>,
    pub action: String,
    pub target: Option<String>,
    pub target_path: Option<String>,
    /// `ok`, `denied`, `failed`, or an error code.
    pub result: String,
    pub ip: Option<String>,
    pub detail: Option<String>,
}

/// A stored audit row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditRow {
    pub seq: i64,
    pub id: Uuid,
    pub at: DateTime<Utc>,
    pub entry: AuditEntry,
    pub prev_hash: String,
    pub hash: String,
    /// Which hash made `hash`: [`SCHEME_SHA256`] or [`SCHEME_HMAC`].
    pub scheme: String,
}

/// The chain's recorded end.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditHead {
    /// The last row's sequence number (0 for an empty log).
    pub seq: i64,
    /// The last row's hash ([`jiuye_security::chain::GENESIS`] for an empty log).
    pub hash: String,
    /// The keyed tag of (seq, hash); `None` until the chain is keyed.
    pub tag: Option<String>,
}

impl AuditRow {
    /// The fields the chain hash covers, in order.
    pub fn hashed_fields(id: &Uuid, at: &DateTime<Utc>, e: &AuditEntry) -> Vec<Option<String>> {
        vec![
            Some(id.to_string()),
            Some(at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)),
            e.user_id.map(|u| u.to_string()),
            e.username.clone(),
            e.role.clone(),
            e.org_code.clone(),
            e.org_path.clone(),
            Some(e.action.clone()),
            e.target.clone(),
            e.target_path.clone(),
            Some(e.result.clone()),
            e.ip.clone(),
            e.detail.clone(),
        ]
    }

    /// Recomputes this row's unkeyed hash from its fields and `prev_hash`.
    pub fn expected_hash(&self, prev_hash: &str) -> String {
        let fields = AuditRow::hashed_fields(&self.id, &self.at, &self.entry);
        let refs: Vec<Option<&str>> = fields.iter().map(|f| f.as_deref()).collect();
        jiuye_security::chain::link(prev_hash, self.seq, &refs)
    }

    /// Recomputes this row's keyed hash from its fields and `prev_hash`.
    pub fn expected_keyed_hash(&self, key: &AuditKey, prev_hash: &str) -> String {
        let fields = AuditRow::hashed_fields(&self.id, &self.at, &self.entry);
        let refs: Vec<Option<&str>> = fields.iter().map(|f| f.as_deref()).collect();
        jiuye_security::chain::link_keyed(key.bytes(), prev_hash, self.seq, &refs)
    }
}

/// What [`Identity::reanchor_audit`] did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reanchor {
    /// The chain was already keyed: nothing changed.
    AlreadyKeyed,
    /// Every row was re-hashed with the key, and the re-anchoring recorded as row `seq`.
    Done {
        /// Rows re-hashed (the whole log before the re-anchoring).
        rows: i64,
        /// The unkeyed chain's last hash, as it was.
        old_head: String,
        seq: i64,
    },
    /// The unkeyed chain does not hold at row `seq`: nothing changed.
    Refused { seq: i64, reason: String },
}

/// Filter for the audit page and API.
#[derive(Clone, Debug, Default)]
pub struct AuditQuery {
    /// Subtrees the caller may see (rows whose actor or target lies inside one).
    pub scope_paths: Vec<String>,
    /// Narrow to one subtree (must itself be inside the scope; checked by the caller).
    pub org_path: Option<String>,
    pub action: Option<String>,
    pub username: Option<String>,
    pub result: Option<String>,
    pub limit: i64,
    pub offset: i64,
}

/// Filter for account lists.
#[derive(Clone, Debug, Default)]
pub struct UserQuery {
    pub scope_paths: Vec<String>,
    pub org_path: Option<String>,
    pub q: Option<String>,
    pub limit: i64,
    pub offset: i64,
}

/// Everything identity needs from the database.
#[async_trait]
pub trait Identity: Send + Sync {
    /// Creates an account with its grants in one transaction; `Ok(false)` when the username is
    /// taken.
    async fn create_user(&self, user: &NewUser, grants: &[NewGrant]) -> Result<bool>;
    async fn user_by_username(&self, username: &str) -> Result<Option<UserRecord>>;
    async fn user_by_id(&self, id: Uuid) -> Result<Option<UserRecord>>;
    async fn grants_of(&self, user_id: Uuid) -> Result<Vec<GrantRecord>>;
    /// `Ok(false)` when the same role at the same node already exists.
    async fn add_grant(&self, grant: &NewGrant) -> Result<bool>;
    /// Removes a grant and revokes the API tokens issued under it.
    async fn remove_grant(&self, user_id: Uuid, grant_id: Uuid) -> Result<bool>;
    async fn list_users(&self, query: &UserQuery) -> Result<(Vec<UserSummary>, i64)>;

    /// Counts a failed sign-in; locks the account until `lock_until` once `threshold`
    /// consecutive failures are reached. Returns the failure count and the lock, if any.
    async fn record_login_failure(
        &self,
        user_id: Uuid,
        threshold: i32,
        lock_until: DateTime<Utc>,
    ) -> Result<(i32, Option<DateTime<Utc>>)>;
    async fn record_login_success(&self, user_id: Uuid) -> Result<()>;
    /// Sets a new password, clears the lock and revokes every API token of the account.
    async fn set_password(&self, user_id: Uuid, password_hash: &str, must_change: bool) -> Result<()>;
    async fn set_totp(&self, user_id: Uuid, sealed_secret: Option<&str>, enabled: bool) -> Result<()>;
    /// Records the TOTP step just used; `Ok(false)` when that step (or a later one) was already
    /// used, which refuses a replayed code.
    async fn use_totp_step(&self, user_id: Uuid, step: i64) -> Result<bool>;
    /// All sealed TOTP secrets, for re-sealing after a key rotation.
    async fn sealed_totp_secrets(&self) -> Result<Vec<(Uuid, String)>>;
    /// Replaces a sealed TOTP secret (same secret, new key) without touching anything else.
    async fn replace_totp_secret(&self, user_id: Uuid, sealed: &str) -> Result<()>;
    async fn set_disabled(&self, user_id: Uuid, disabled: bool) -> Result<()>;

    async fn create_session(&self, session: &SessionRecord) -> Result<()>;
    async fn session(&self, id_hash: &str) -> Result<Option<SessionRecord>>;
    async fn touch_session(&self, id_hash: &str, at: DateTime<Utc>) -> Result<()>;
    async fn delete_session(&self, id_hash: &str) -> Result<()>;
    async fn delete_sessions_of(&self, user_id: Uuid) -> Result<()>;

    async fn create_token(&self, token: &TokenRecord, token_hash: &str) -> Result<()>;
    /// The token with this hash, whatever its state (the caller checks expiry and revocation).
    async fn token_by_hash(&self, token_hash: &str) -> Result<Option<TokenRecord>>;
    async fn tokens_of(&self, user_id: Uuid) -> Result<Vec<TokenRecord>>;
    async fn revoke_token(&self, user_id: Uuid, token_id: Uuid, at: DateTime<Utc>) -> Result<bool>;
    async fn touch_token(&self, token_id: Uuid, at: DateTime<Utc>) -> Result<()>;

    /// Gives the store the node's audit key (from the key file, never from the database). Setting
    /// the same key again is harmless; a different one is refused.
    fn set_audit_key(&self, key: AuditKey) -> Result<()>;
    /// Appends to the audit chain; returns the row's sequence number. Keyed once the chain is
    /// keyed; refused when the chain is keyed and this store has no key.
    async fn append_audit(&self, entry: &AuditEntry) -> Result<i64>;
    /// Keys the chain, once: checks the unkeyed chain (refusing a broken one), re-hashes every
    /// row with the store's audit key in one transaction, tags the head and records an
    /// `audit_reanchor` entry by `actor` with the count and the old head. Does nothing when the
    /// chain is already keyed.
    async fn reanchor_audit(&self, actor: &str) -> Result<Reanchor>;
    async fn audit_rows(&self, query: &AuditQuery) -> Result<(Vec<AuditRow>, i64)>;
    /// Rows with `seq > after`, in order, at most `limit` (for verification).
    async fn audit_after(&self, after: i64, limit: i64) -> Result<Vec<AuditRow>>;
    /// The chain's recorded end.
    async fn audit_head(&self) -> Result<AuditHead>;

    /// The organisation kind and path of an org id (for building grants).
    async fn org_position(&self, org_id: Uuid) -> Result<Option<(OrgKind, String, String)>>;
}

/// The result of walking the audit chain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ChainCheck {
    /// Every row links to the one before and the head matches the last row.
    Intact { rows: i64 },
    /// The first row that does not fit, and why.
    Broken { seq: i64, reason: String },
}

/// Walks a chain row by row, in order: with a key every row must carry a keyed hash; without,
/// every row must carry an unkeyed one.
pub(crate) struct ChainWalk<'k> {
    key: Option<&'k AuditKey>,
    /// The last row that fitted (0 before the first).
    pub seq: i64,
    /// Its hash.
    pub hash: String,
}

impl<'k> ChainWalk<'k> {
    pub fn new(key: Option<&'k AuditKey>) -> ChainWalk<'k> {
        ChainWalk { key, seq: 0, hash: jiuye_security::chain::GENESIS.to_owned() }
    }

    fn broken(seq: i64, reason: impl Into<String>) -> Option<ChainCheck> {
        Some(ChainCheck::Broken { seq, reason: reason.into() })
    }

    /// Takes the next row; `Some` names the first problem.
    pub fn step(&mut self, row: &AuditRow) -> Option<ChainCheck> {
        if row.seq != self.seq + 1 {
            return Self::broken(self.seq + 1, format!("第 {} 条缺失（其后现存的是第 {} 条）", self.seq + 1, row.seq));
        }
        if row.prev_hash != self.hash {
            return Self::broken(row.seq, "与前一条的链接不符（其前的记录被改动或删除）");
        }
        let expected = match self.key {
            Some(key) => {
                if row.scheme != SCHEME_HMAC {
                    return Self::broken(
                        row.seq,
                        "这一条不是用审计密钥计算的哈希（链未用密钥重新锚定，或这一条是在没有密钥的情况下写入或改写的）",
                    );
                }
                row.expected_keyed_hash(key, &self.hash)
            }
            None => {
                if row.scheme != SCHEME_SHA256 {
                    return Self::broken(row.seq, "链尾尚未启用密钥，这一条却标为已用密钥计算");
                }
                row.expected_hash(&self.hash)
            }
        };
        if !jiuye_security::constant_time_eq(&expected, &row.hash) {
            return Self::broken(row.seq, "内容与其哈希不符（这一条被改动过）");
        }
        self.seq = row.seq;
        self.hash = expected;
        None
    }

    /// Checks the recorded end against the last row walked (and, with a key, its tag).
    pub fn finish(&self, head: &AuditHead) -> Option<ChainCheck> {
        if head.seq != self.seq {
            return Self::broken(
                self.seq + 1,
                format!("链尾记为第 {} 条，现存最后一条却是第 {} 条", head.seq, self.seq),
            );
        }
        if head.hash != self.hash {
            return Self::broken(self.seq.max(1), "链尾记录的哈希与最后一条不符");
        }
        let key = self.key?;
        match &head.tag {
            None => {
                Self::broken(self.seq + 1, "链尾没有密钥标记（链从未用这份密钥文件中的审计密钥锚定，或链尾被改写）")
            }
            Some(tag) => {
                let expected = jiuye_security::chain::head_tag(key.bytes(), head.seq, &head.hash);
                if jiuye_security::constant_time_eq(&expected, tag) {
                    None
                } else {
                    Self::broken(
                        self.seq + 1,
                        "链尾标记与密钥不符（链尾在没有密钥的情况下被改写，或密钥文件不是这个节点的）",
                    )
                }
            }
        }
    }
}

/// Walks the whole keyed audit chain in order and reports the first row that was edited,
/// inserted or removed, a removed tail, or an end moved without the key. Every row must carry an
/// HMAC under `key`: rows from before the key are accepted only once re-anchored.
pub async fn verify_audit_chain(store: &dyn Identity, key: &AuditKey) -> Result<ChainCheck> {
    let mut walk = ChainWalk::new(Some(key));
    // Rows appended while the walk runs move the head on; walk on to meet it (a few times).
    for _ in 0..5 {
        loop {
            let rows = store.audit_after(walk.seq, 2000).await?;
            if rows.is_empty() {
                break;
            }
            for row in &rows {
                if let Some(broken) = walk.step(row) {
                    return Ok(broken);
                }
            }
        }
        let head = store.audit_head().await?;
        if head.seq > walk.seq && !store.audit_after(walk.seq, 1).await?.is_empty() {
            continue;
        }
        return Ok(walk.finish(&head).unwrap_or(ChainCheck::Intact { rows: walk.seq }));
    }
    let head = store.audit_head().await?;
    Ok(walk.finish(&head).unwrap_or(ChainCheck::Intact { rows: walk.seq }))
}

macro_rules! accounts_impl {
    ($store:ty, $db:ty) => {
        mod accounts_impl {
            use async_trait::async_trait;
            use chrono::{DateTime, Utc};
            use jiuye_domain::OrgKind;
            use jiuye_domain::access::{Role, ScopedGrant};
            use sqlx::{QueryBuilder, Row};
            use uuid::Uuid;

            use super::*;
            use crate::accounts::{
                AuditEntry, AuditHead, AuditQuery, AuditRow, ChainCheck, ChainWalk, GrantRecord, Identity, NewGrant,
                NewUser, REANCHOR_BATCH, Reanchor, SCHEME_HMAC, SCHEME_SHA256, SessionRecord, TokenRecord, UserQuery,
                UserRecord, UserSummary,
            };
            use jiuye_security::chain::AuditKey;
            use crate::Result;

            type DbRow = <$db as sqlx::Database>::Row;

            /// Appends one entry inside `tx`, keyed when the chain is keyed (its head carries a tag)
            /// and `key` is given; a chain not yet keyed stays unkeyed until it is re-anchored.
            async fn append_audit_in(
                tx: &mut sqlx::Transaction<'static, $db>,
                e: &AuditEntry,
                key: Option<&AuditKey>,
            ) -> Result<i64> {
                use chrono::SubsecRound;
                let id = Uuid::now_v7();
                let at = Utc::now().trunc_subsecs(6);
                // Taking the head row's write lock first serialises appends on both engines.
                let head = sqlx::query("UPDATE audit_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, hash, tag")
                    .fetch_one(&mut **tx)
                    .await?;
                let seq: i64 = head.try_get("seq")?;
                let prev: String = head.try_get("hash")?;
                let tag: Option<String> = head.try_get("tag")?;
                let key = match (key, tag) {
                    (Some(key), Some(_)) => Some(key),
                    (_, None) => None,
                    (None, Some(_)) => {
                        return Err(crate::StoreError::Invalid(
                            "the audit chain is keyed but this store was given no audit key".into(),
                        ));
                    }
                };
                let fields = AuditRow::hashed_fields(&id, &at, e);
                let refs: Vec<Option<&str>> = fields.iter().map(|f| f.as_deref()).collect();
                let (hash, scheme) = match key {
                    Some(k) => (jiuye_security::chain::link_keyed(k.bytes(), &prev, seq, &refs), SCHEME_HMAC),
                    None => (jiuye_security::chain::link(&prev, seq, &refs), SCHEME_SHA256),
                };
                sqlx::query(
                    "INSERT INTO audit_log (seq, id, at, user_id, username, role, org_code, org_path, action, \
                     target, target_path, result, ip, detail, prev_hash, hash, scheme) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)",
                )
                .bind(seq)
                .bind(id)
                .bind(at)
                .bind(e.user_id)
                .bind(&e.username)
                .bind(&e.role)
                .bind(&e.org_code)
                .bind(&e.org_path)
                .bind(&e.action)
                .bind(&e.target)
                .bind(&e.target_path)
                .bind(&e.result)
                .bind(&e.ip)
                .bind(&e.detail)
                .bind(&prev)
                .bind(&hash)
                .bind(scheme)
                .execute(&mut **tx)
                .await?;
                let tag = key.map(|k| jiuye_security::chain::head_tag(k.bytes(), seq, &hash));
                sqlx::query("UPDATE audit_head SET hash = $1, tag = $2 WHERE id = 1")
                    .bind(&hash)
                    .bind(&tag)
                    .execute(&mut **tx)
                    .await?;
                Ok(seq)
            }

            const USER_COLUMNS: &str = "id, username, display_name, org_id, password_hash, must_change_password, \
                 failed_logins, locked_until, totp_secret, totp_enabled, totp_last_step, disabled, created_at, \
                 password_changed_at";
            const GRANT_SELECT: &str = "SELECT g.id, g.user_id, g.role, g.org_id, g.subject_id, o.code, o.kind, \
                 o.path, o.name FROM grants g JOIN orgs o ON o.id = g.org_id";
            const AUDIT_COLUMNS: &str = "seq, id, at, user_id, username, role, org_code, org_path, action, target, \
                 target_path, result, ip, detail, prev_hash, hash, scheme";
            const TOKEN_COLUMNS: &str =
                "id, user_id, name, prefix, created_at, expires_at, revoked_at, last_used_at, grant_id";

            fn user_row(r: &DbRow) -> Result<UserRecord> {
                Ok(UserRecord {
                    id: r.try_get("id")?,
                    username: r.try_get("username")?,
                    display_name: r.try_get("display_name")?,
                    org_id: r.try_get("org_id")?,
                    password_hash: r.try_get("password_hash")?,
                    must_change_password: r.try_get("must_change_password")?,
                    failed_logins: r.try_get("failed_logins")?,
                    locked_until: r.try_get("locked_until")?,
                    totp_secret: r.try_get("totp_secret")?,
                    totp_enabled: r.try_get("totp_enabled")?,
                    totp_last_step: r.try_get("totp_last_step")?,
                    disabled: r.try_get("disabled")?,
                    created_at: r.try_get("created_at")?,
                    password_changed_at: r.try_get("password_changed_at")?,
                })
            }

            fn grant_row(r: &DbRow) -> Result<GrantRecord> {
                let role: String = r.try_get("role")?;
                let kind: String = r.try_get("kind")?;
                Ok(GrantRecord {
                    id: r.try_get("id")?,
                    user_id: r.try_get("user_id")?,
                    grant: ScopedGrant {
                        role: Role::from_id(&role).ok_or_else(|| crate::common::corrupt("role", &role))?,
                        org_id: r.try_get("org_id")?,
                        org_code: r.try_get("code")?,
                        org_kind: OrgKind::from_id(&kind).ok_or_else(|| crate::common::corrupt("org kind", &kind))?,
                        org_path: r.try_get("path")?,
                        subject_id: r.try_get("subject_id")?,
                    },
                    org_name: r.try_get("name")?,
                })
            }

            fn token_row(r: &DbRow) -> Result<TokenRecord> {
                Ok(TokenRecord {
                    id: r.try_get("id")?,
                    user_id: r.try_get("user_id")?,
                    name: r.try_get("name")?,
                    prefix: r.try_get("prefix")?,
                    created_at: r.try_get("created_at")?,
                    expires_at: r.try_get("expires_at")?,
                    revoked_at: r.try_get("revoked_at")?,
                    last_used_at: r.try_get("last_used_at")?,
                    grant_id: r.try_get("grant_id")?,
                })
            }

            fn audit_row(r: &DbRow) -> Result<AuditRow> {
                Ok(AuditRow {
                    seq: r.try_get("seq")?,
                    id: r.try_get("id")?,
                    at: r.try_get("at")?,
                    entry: AuditEntry {
                        user_id: r.try_get("user_id")?,
                        username: r.try_get("username")?,
                        role: r.try_get("role")?,
                        org_code: r.try_get("org_code")?,
                        org_path: r.try_get("org_path")?,
                        action: r.try_get("action")?,
                        target: r.try_get("target")?,
                        target_path: r.try_get("target_path")?,
                        result: r.try_get("result")?,
                        ip: r.try_get("ip")?,
                        detail: r.try_get("detail")?,
                    },
                    prev_hash: r.try_get("prev_hash")?,
                    hash: r.try_get("hash")?,
                    scheme: r.try_get("scheme")?,
                })
            }

            async fn insert_grant(tx: &mut sqlx::Transaction<'static, $db>, g: &NewGrant) -> Result<bool> {
                let res = sqlx::query(
                    "INSERT INTO grants (id, user_id, role, org_id, subject_id, created_by, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (user_id, role, org_id) DO NOTHING",
                )
                .bind(g.id)
                .bind(g.user_id)
                .bind(g.role.id())
                .bind(g.org_id)
                .bind(g.subject_id)
                .bind(g.created_by)
                .bind(Utc::now())
                .execute(&mut **tx)
                .await?;
                Ok(res.rows_affected() == 1)
            }

            #[async_trait]
            impl Identity for $store {
                async fn create_user(&self, user: &NewUser, grants: &[NewGrant]) -> Result<bool> {
                    let now = Utc::now();
                    let mut tx = self.pool.begin().await?;
                    let res = sqlx::query(
                        "INSERT INTO users (id, username, display_name, org_id, password_hash, must_change_password, \
                         created_at, updated_at, password_changed_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $7, $7) \
                         ON CONFLICT (username) DO NOTHING",
                    )
                    .bind(user.id)
                    .bind(&user.username)
                    .bind(&user.display_name)
                    .bind(user.org_id)
                    .bind(&user.password_hash)
                    .bind(user.must_change_password)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                    if res.rows_affected() == 0 {
                        // Release the write lock now, not whenever the pool next hands out this connection.
                        tx.rollback().await?;
                        return Ok(false);
                    }
                    for g in grants {
                        insert_grant(&mut tx, g).await?;
                    }
                    tx.commit().await?;
                    Ok(true)
                }

                async fn user_by_username(&self, username: &str) -> Result<Option<UserRecord>> {
                    let sql = sqlx::AssertSqlSafe(format!("SELECT {USER_COLUMNS} FROM users WHERE username = $1"));
                    let row = sqlx::query(sql).bind(username).fetch_optional(&self.pool).await?;
                    row.as_ref().map(user_row).transpose()
                }

                async fn user_by_id(&self, id: Uuid) -> Result<Option<UserRecord>> {
                    let sql = sqlx::AssertSqlSafe(format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1"));
                    let row = sqlx::query(sql).bind(id).fetch_optional(&self.pool).await?;
                    row.as_ref().map(user_row).transpose()
                }

                async fn grants_of(&self, user_id: Uuid) -> Result<Vec<GrantRecord>> {
                    let sql = sqlx::AssertSqlSafe(format!("{GRANT_SELECT} WHERE g.user_id = $1 ORDER BY o.path, g.role"));
                    let rows = sqlx::query(sql).bind(user_id).fetch_all(&self.pool).await?;
                    rows.iter().map(grant_row).collect()
                }

                async fn add_grant(&self, grant: &NewGrant) -> Result<bool> {
                    let mut tx = self.pool.begin().await?;
                    let added = insert_grant(&mut tx, grant).await?;
                    tx.commit().await?;
                    Ok(added)
                }

                async fn remove_grant(&self, user_id: Uuid, grant_id: Uuid) -> Result<bool> {
                    let mut tx = self.pool.begin().await?;
                    let res = sqlx::query("DELETE FROM grants WHERE id = $1 AND user_id = $2")
                        .bind(grant_id)
                        .bind(user_id)
                        .execute(&mut *tx)
                        .await?;
                    // Tokens issued under the grant die with it.
                    sqlx::query("UPDATE api_tokens SET revoked_at = $3 WHERE grant_id = $1 AND user_id = $2 AND revoked_at IS NULL")
                        .bind(grant_id)
                        .bind(user_id)
                        .bind(Utc::now())
                        .execute(&mut *tx)
                        .await?;
                    tx.commit().await?;
                    Ok(res.rows_affected() == 1)
                }

                async fn list_users(&self, query: &UserQuery) -> Result<(Vec<UserSummary>, i64)> {
                    let db = self.reader().await;
                    fn filters(qb: &mut QueryBuilder<$db>, query: &UserQuery) {
                        qb.push(
                            " FROM users u WHERE EXISTS (SELECT 1 FROM grants g JOIN orgs o ON o.id = g.org_id \
                             WHERE g.user_id = u.id",
                        );
                        crate::common::push_within_scope(qb, &["o.path"], &query.scope_paths);
                        if let Some(p) = &query.org_path {
                            crate::common::push_within_scope(qb, &["o.path"], std::slice::from_ref(p));
                        }
                        qb.push(")");
                        if let Some(q) = query.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
                            let pattern = format!("%{}%", crate::common::like_escape(q));
                            qb.push(" AND (u.username LIKE ")
                                .push_bind(pattern.clone())
                                .push(" ESCAPE '\\' OR u.display_name LIKE ")
                                .push_bind(pattern)
                                .push(" ESCAPE '\\')");
                        }
                    }
                    let mut qb = QueryBuilder::<$db>::new("SELECT COUNT(*)");
                    filters(&mut qb, query);
                    let total: i64 = qb.build_query_scalar().fetch_one(db).await?;
                    let mut qb = QueryBuilder::<$db>::new(
                        "SELECT u.id, u.username, u.display_name, u.disabled, u.locked_until, u.totp_enabled",
                    );
                    filters(&mut qb, query);
                    qb.push(" ORDER BY u.username LIMIT ").push_bind(query.limit.clamp(1, crate::MAX_PAGE));
                    qb.push(" OFFSET ").push_bind(query.offset.max(0));
                    let rows = qb.build().fetch_all(db).await?;
                    let mut out = Vec::with_capacity(rows.len());
                    for r in &rows {
                        let id: Uuid = r.try_get("id")?;
                        out.push(UserSummary {
                            id,
                            username: r.try_get("username")?,
                            display_name: r.try_get("display_name")?,
                            disabled: r.try_get("disabled")?,
                            locked_until: r.try_get("locked_until")?,
                            totp_enabled: r.try_get("totp_enabled")?,
                            grants: self.grants_of(id).await?,
                        });
                    }
                    Ok((out, total))
                }

                async fn record_login_failure(
                    &self,
                    user_id: Uuid,
                    threshold: i32,
                    lock_until: DateTime<Utc>,
                ) -> Result<(i32, Option<DateTime<Utc>>)> {
                    let row = sqlx::query(
                        "UPDATE users SET failed_logins = failed_logins + 1, \
                         locked_until = CASE WHEN failed_logins + 1 >= $2 THEN $3 ELSE locked_until END \
                         WHERE id = $1 RETURNING failed_logins, locked_until",
                    )
                    .bind(user_id)
                    .bind(threshold)
                    .bind(lock_until)
                    .fetch_one(&self.pool)
                    .await?;
                    Ok((row.try_get("failed_logins")?, row.try_get("locked_until")?))
                }

                async fn record_login_success(&self, user_id: Uuid) -> Result<()> {
                    sqlx::query("UPDATE users SET failed_logins = 0, locked_until = NULL WHERE id = $1")
                        .bind(user_id)
                        .execute(&self.pool)
                        .await?;
                    Ok(())
                }

                async fn set_password(&self, user_id: Uuid, password_hash: &str, must_change: bool) -> Result<()> {
                    let now = Utc::now();
                    let mut tx = self.pool.begin().await?;
                    // A new password ends every API token of the account (sessions are ended by
                    // the caller, which may keep the one that made the change).
                    sqlx::query("UPDATE api_tokens SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL")
                        .bind(user_id)
                        .bind(now)
                        .execute(&mut *tx)
                        .await?;
                    sqlx::query(
                        "UPDATE users SET password_hash = $2, must_change_password = $3, password_changed_at = $4, \
                         updated_at = $4, failed_logins = 0, locked_until = NULL WHERE id = $1",
                    )
                    .bind(user_id)
                    .bind(password_hash)
                    .bind(must_change)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                    tx.commit().await?;
                    Ok(())
                }

                async fn set_totp(&self, user_id: Uuid, sealed_secret: Option<&str>, enabled: bool) -> Result<()> {
                    sqlx::query(
                        "UPDATE users SET totp_secret = $2, totp_enabled = $3, totp_last_step = NULL, updated_at = $4 \
                         WHERE id = $1",
                    )
                    .bind(user_id)
                    .bind(sealed_secret)
                    .bind(enabled)
                    .bind(Utc::now())
                    .execute(&self.pool)
                    .await?;
                    Ok(())
                }

                async fn use_totp_step(&self, user_id: Uuid, step: i64) -> Result<bool> {
                    let res = sqlx::query(
                        "UPDATE users SET totp_last_step = $2 WHERE id = $1 \
                         AND (totp_last_step IS NULL OR totp_last_step < $2)",
                    )
                    .bind(user_id)
                    .bind(step)
                    .execute(&self.pool)
                    .await?;
                    Ok(res.rows_affected() == 1)
                }

                async fn sealed_totp_secrets(&self) -> Result<Vec<(Uuid, String)>> {
                    Ok(sqlx::query_as("SELECT id, totp_secret FROM users WHERE totp_secret IS NOT NULL")
                        .fetch_all(&self.pool)
                        .await?)
                }

                async fn replace_totp_secret(&self, user_id: Uuid, sealed: &str) -> Result<()> {
                    sqlx::query("UPDATE users SET totp_secret = $2 WHERE id = $1")
                        .bind(user_id)
                        .bind(sealed)
                        .execute(&self.pool)
                        .await?;
                    Ok(())
                }

                async fn set_disabled(&self, user_id: Uuid, disabled: bool) -> Result<()> {
                    sqlx::query("UPDATE users SET disabled = $2, updated_at = $3 WHERE id = $1")
                        .bind(user_id)
                        .bind(disabled)
                        .bind(Utc::now())
                        .execute(&self.pool)
                        .await?;
                    Ok(())
                }

                async fn create_session(&self, s: &SessionRecord) -> Result<()> {
                    sqlx::query(
                        "INSERT INTO sessions (id_hash, user_id, csrf_token, second_factor, ip, created_at, \
                         last_seen_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                    )
                    .bind(&s.id_hash)
                    .bind(s.user_id)
                    .bind(&s.csrf_token)
                    .bind(s.second_factor)
                    .bind(&s.ip)
                    .bind(s.created_at)
                    .bind(s.last_seen_at)
                    .bind(s.expires_at)
                    .execute(&self.pool)
                    .await?;
                    Ok(())
                }

                async fn session(&self, id_hash: &str) -> Result<Option<SessionRecord>> {
                    let row = sqlx::query(
                        "SELECT id_hash, user_id, csrf_token, second_factor, ip, created_at, last_seen_at, expires_at \
                         FROM sessions WHERE id_hash = $1",
                    )
                    .bind(id_hash)
                    .fetch_optional(&self.pool)
                    .await?;
                    let Some(r) = row else { return Ok(None) };
                    Ok(Some(SessionRecord {
                        id_hash: r.try_get("id_hash")?,
                        user_id: r.try_get("user_id")?,
                        csrf_token: r.try_get("csrf_token")?,
                        second_factor: r.try_get("second_factor")?,
                        ip: r.try_get("ip")?,
                        created_at: r.try_get("created_at")?,
                        last_seen_at: r.try_get("last_seen_at")?,
                        expires_at: r.try_get("expires_at")?,
                    }))
                }

                async fn touch_session(&self, id_hash: &str, at: DateTime<Utc>) -> Result<()> {
                    sqlx::query("UPDATE sessions SET last_seen_at = $2 WHERE id_hash = $1")
                        .bind(id_hash)
                        .bind(at)
                        .execute(&self.pool)
                        .await?;
                    Ok(())
                }

                async fn delete_session(&self, id_hash: &str) -> Result<()> {
                    sqlx::query("DELETE FROM sessions WHERE id_hash = $1").bind(id_hash).execute(&self.pool).await?;
                    Ok(())
                }

                async fn delete_sessions_of(&self, user_id: Uuid) -> Result<()> {
                    sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(user_id).execute(&self.pool).await?;
                    Ok(())
                }

                async fn create_token(&self, t: &TokenRecord, token_hash: &str) -> Result<()> {
                    sqlx::query(
                        "INSERT INTO api_tokens (id, user_id, name, token_hash, prefix, created_at, expires_at, grant_id) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                    )
                    .bind(t.id)
                    .bind(t.user_id)
                    .bind(&t.name)
                    .bind(token_hash)
                    .bind(&t.prefix)
                    .bind(t.created_at)
                    .bind(t.expires_at)
                    .bind(t.grant_id)
                    .execute(&self.pool)
                    .await?;
                    Ok(())
                }

                async fn token_by_hash(&self, token_hash: &str) -> Result<Option<TokenRecord>> {
                    let sql = sqlx::AssertSqlSafe(format!("SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE token_hash = $1"));
                    let row = sqlx::query(sql).bind(token_hash).fetch_optional(&self.pool).await?;
                    row.as_ref().map(token_row).transpose()
                }

                async fn tokens_of(&self, user_id: Uuid) -> Result<Vec<TokenRecord>> {
                    let sql = sqlx::AssertSqlSafe(format!(
                        "SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE user_id = $1 ORDER BY created_at DESC"
                    ));
                    let rows = sqlx::query(sql).bind(user_id).fetch_all(&self.pool).await?;
                    rows.iter().map(token_row).collect()
                }

                async fn revoke_token(&self, user_id: Uuid, token_id: Uuid, at: DateTime<Utc>) -> Result<bool> {
                    let res = sqlx::query(
                        "UPDATE api_tokens SET revoked_at = $3 WHERE id = $1 AND user_id = $2 AND revoked_at IS NULL",
                    )
                    .bind(token_id)
                    .bind(user_id)
                    .bind(at)
                    .execute(&self.pool)
                    .await?;
                    Ok(res.rows_affected() == 1)
                }

                async fn touch_token(&self, token_id: Uuid, at: DateTime<Utc>) -> Result<()> {
                    sqlx::query("UPDATE api_tokens SET last_used_at = $2 WHERE id = $1")
                        .bind(token_id)
                        .bind(at)
                        .execute(&self.pool)
                        .await?;
                    Ok(())
                }

                fn set_audit_key(&self, key: AuditKey) -> Result<()> {
                    if *self.audit_key.get_or_init(|| key.clone()) == key {
                        Ok(())
                    } else {
                        Err(crate::StoreError::Invalid("this store already holds a different audit key".into()))
                    }
                }

                async fn append_audit(&self, e: &AuditEntry) -> Result<i64> {
                    let mut tx = self.pool.begin().await?;
                    let seq = append_audit_in(&mut tx, e, self.audit_key.get()).await?;
                    tx.commit().await?;
                    Ok(seq)
                }

                async fn reanchor_audit(&self, actor: &str) -> Result<Reanchor> {
                    let key = self
                        .audit_key
                        .get()
                        .ok_or_else(|| crate::StoreError::Invalid("re-anchoring the audit chain needs the audit key".into()))?;
                    let mut tx = self.pool.begin().await?;
                    // Lock the head first, as appends do: nothing is appended while the chain is rewritten.
                    let head = sqlx::query("UPDATE audit_head SET seq = seq WHERE id = 1 RETURNING seq, hash, tag")
                        .fetch_one(&mut *tx)
                        .await?;
                    let old = AuditHead { seq: head.try_get("seq")?, hash: head.try_get("hash")?, tag: head.try_get("tag")? };
                    if old.tag.is_some() {
                        tx.rollback().await?;
                        return Ok(Reanchor::AlreadyKeyed);
                    }
                    let mut walk = ChainWalk::new(None);
                    let mut new_hash = jiuye_security::chain::GENESIS.to_owned();
                    let select = format!("SELECT {AUDIT_COLUMNS} FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2");
                    loop {
                        let rows = sqlx::query(sqlx::AssertSqlSafe(select.clone()))
                            .bind(walk.seq)
                            .bind(REANCHOR_BATCH)
                            .fetch_all(&mut *tx)
                            .await?;
                        if rows.is_empty() {
                            break;
                        }
                        for row in rows.iter().map(audit_row) {
                            let row = row?;
                            if let Some(ChainCheck::Broken { seq, reason }) = walk.step(&row) {
                                tx.rollback().await?;
                                return Ok(Reanchor::Refused { seq, reason });
                            }
                            let keyed = row.expected_keyed_hash(key, &new_hash);
                            sqlx::query("UPDATE audit_log SET prev_hash = $1, hash = $2, scheme = $3 WHERE seq = $4")
                                .bind(&new_hash)
                                .bind(&keyed)
                                .bind(SCHEME_HMAC)
                                .bind(row.seq)
                                .execute(&mut *tx)
                                .await?;
                            new_hash = keyed;
                        }
                    }
                    if let Some(ChainCheck::Broken { seq, reason }) = walk.finish(&old) {
                        tx.rollback().await?;
                        return Ok(Reanchor::Refused { seq, reason });
                    }
                    let tag = jiuye_security::chain::head_tag(key.bytes(), old.seq, &new_hash);
                    sqlx::query("UPDATE audit_head SET hash = $1, tag = $2 WHERE id = 1")
                        .bind(&new_hash)
                        .bind(&tag)
                        .execute(&mut *tx)
                        .await?;
                    let entry = AuditEntry {
                        username: Some(actor.to_owned()),
                        action: "audit_reanchor".into(),
                        target: Some("audit_log".into()),
                        result: "ok".into(),
                        detail: Some(format!(
                            "用审计密钥重新锚定 {} 条；原链尾第 {} 条，哈希 {}",
                            old.seq, old.seq, old.hash
                        )),
                        ..AuditEntry::default()
                    };
                    let seq = append_audit_in(&mut tx, &entry, Some(key)).await?;
                    tx.commit().await?;
                    Ok(Reanchor::Done { rows: old.seq, old_head: old.hash, seq })
                }

                async fn audit_rows(&self, query: &AuditQuery) -> Result<(Vec<AuditRow>, i64)> {
                    fn filters(qb: &mut QueryBuilder<$db>, query: &AuditQuery) {
                        qb.push(" FROM audit_log WHERE 1 = 1");
                        crate::common::push_within_scope(qb, &["org_path", "target_path"], &query.scope_paths);
                        if let Some(p) = &query.org_path {
                            crate::common::push_within_scope(qb, &["org_path", "target_path"], std::slice::from_ref(p));
                        }
                        if let Some(a) = query.action.as_deref().filter(|a| !a.is_empty()) {
                            qb.push(" AND action = ").push_bind(a.to_owned());
                        }
                        if let Some(u) = query.username.as_deref().filter(|u| !u.is_empty()) {
                            qb.push(" AND (username = ").push_bind(u.to_owned());
                            qb.push(" OR target = ").push_bind(format!("user:{u}")).push(")");
                        }
                        if let Some(r) = query.result.as_deref().filter(|r| !r.is_empty()) {
                            qb.push(" AND result = ").push_bind(r.to_owned());
                        }
                    }
                    let mut qb = QueryBuilder::<$db>::new("SELECT COUNT(*)");
                    filters(&mut qb, query);
                    let total: i64 = qb.build_query_scalar().fetch_one(&self.pool).await?;
                    let mut qb = QueryBuilder::<$db>::new(format!("SELECT {AUDIT_COLUMNS}"));
                    filters(&mut qb, query);
                    qb.push(" ORDER BY seq DESC LIMIT ").push_bind(query.limit.clamp(1, crate::MAX_PAGE));
                    qb.push(" OFFSET ").push_bind(query.offset.max(0));
                    let rows = qb.build().fetch_all(&self.pool).await?;
                    Ok((rows.iter().map(audit_row).collect::<Result<Vec<_>>>()?, total))
                }

                async fn audit_after(&self, after: i64, limit: i64) -> Result<Vec<AuditRow>> {
                    let sql = sqlx::AssertSqlSafe(format!(
                        "SELECT {AUDIT_COLUMNS} FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2"
                    ));
                    let rows = sqlx::query(sql).bind(after).bind(limit).fetch_all(&self.pool).await?;
                    rows.iter().map(audit_row).collect()
                }

                async fn audit_head(&self) -> Result<AuditHead> {
                    let (seq, hash, tag) = sqlx::query_as("SELECT seq, hash, tag FROM audit_head WHERE id = 1")
                        .fetch_one(&self.pool)
                        .await?;
                    Ok(AuditHead { seq, hash, tag })
                }

                async fn org_position(&self, org_id: Uuid) -> Result<Option<(OrgKind, String, String)>> {
                    let row: Option<(String, String, String)> =
                        sqlx::query_as("SELECT kind, code, path FROM orgs WHERE id = $1")
                            .bind(org_id)
                            .fetch_optional(&self.pool)
                            .await?;
                    match row {
                        Some((kind, code, path)) => Ok(Some((
                            OrgKind::from_id(&kind).ok_or_else(|| crate::common::corrupt("org kind", &kind))?,
                            code,
                            path,
                        ))),
                        None => Ok(None),
                    }
                }
            }
        }
    };
}

pub(crate) use accounts_impl;
