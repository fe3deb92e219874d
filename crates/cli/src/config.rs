//! Configuration: command-line flags, then `JIUYE_*` environment variables (both handled by
//! clap), then an optional TOML file, then defaults. One typed struct, passed down; the
//! database URL's password never appears in `Debug` output or logs.

use std::fmt;
use std::path::{Path, PathBuf};

use serde::Deserialize;

/// Keys accepted in the TOML file (all optional).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    pub data_dir: Option<PathBuf>,
    pub database_url: Option<String>,
    /// PostgreSQL streaming replicas of `database_url` for read-only work (`serve` only).
    pub read_database_urls: Option<Vec<String>>,
    pub listen: Option<String>,
    pub log_format: Option<String>,
    pub body_limit_bytes: Option<usize>,
    pub request_timeout_secs: Option<u64>,
    pub key_file: Option<PathBuf>,
    pub require_totp_for_admins: Option<bool>,
    pub secure_cookies: Option<bool>,
    /// Comma-separated addresses or CIDR ranges of reverse proxies whose `X-Forwarded-For` is
    /// believed.
    pub trusted_proxies: Option<String>,
    /// The address people reach the node at (e.g. `https://jiuye.example.edu.cn`).
    pub public_url: Option<String>,
    /// Certificate authorities (PEM) trusted for `https://` peers besides the system's roots.
    pub federation_ca_file: Option<PathBuf>,
    pub session_idle_minutes: Option<u64>,
    /// Days read-log entries are kept (at least 183; sensitive kinds at least 1095).
    pub read_log_retention_days: Option<u32>,
}

impl FileConfig {
    /// Reads `path`; a missing default file is not an error, a missing named file is.
    pub fn read(path: Option<&Path>) -> Result<FileConfig, String> {
        let (path, required) = match path {
            Some(p) => (p.to_path_buf(), true),
            None => (PathBuf::from("jiuye.toml"), false),
        };
        match std::fs::read_to_string(&path) {
            Ok(text) => toml::from_str(&text).map_err(|e| format!("配置文件 {} 有误：{e}", path.display())),
            Err(e) if !required && e.kind() == std::io::ErrorKind::NotFound => Ok(FileConfig::default()),
            Err(e) => Err(format!("无法读取配置文件 {}：{e}", path.display())),
        }
    }
}

/// Where the node keeps its data.
#[derive(Clone)]
pub struct DataConfig {
    pub data_dir: PathBuf,
    /// `None`: SQLite in `data_dir/jiuye.db`.
    pub database_url: Option<String>,
    /// Streaming replicas of a PostgreSQL `database_url` answering read-only work (`serve`).
    pub read_database_urls: Vec<String>,
    /// The field-encryption key ring (default `data_dir/secret.key`).
    pub key_file: PathBuf,
}

impl DataConfig {
    /// Where the posting search index is kept.
    pub fn search_dir(&self) -> PathBuf {
        self.data_dir.join("search-index")
    }
}

impl fmt::Debug for DataConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DataConfig")
            .field("data_dir", &self.data_dir)
            .field("database_url", &self.database_url.as_deref().map(jiuye_store::redact_url))
            .field(
                "read_database_urls",
                &self.read_database_urls.iter().map(|u| jiuye_store::redact_url(u)).collect::<Vec<_>>(),
            )
            .field("key_file", &self.key_file)
            .finish()
    }
}

impl DataConfig {
    /// The URL the store opens.
    pub fn url(&self) -> String {
        match &self.database_url {
            Some(u) => u.clone(),
            None => self.data_dir.join("jiuye.db").to_string_lossy().into_owned(),
        }
    }

    /// The SQLite file, when the node runs on SQLite.
    pub fn sqlite_file(&self) -> Option<PathBuf> {
        match &self.database_url {
            None => Some(self.data_dir.join("jiuye.db")),
            Some(u) if !u.contains("://") => Some(PathBuf::from(u)),
            Some(u) => u.strip_prefix("sqlite://").map(PathBuf::from),
        }
    }
}

/// Reads the key ring, creating it (with a fresh key, readable only by its owner) when the
/// file does not exist yet.
pub fn load_or_create_keys(path: &Path) -> Result<jiuye_security::seal::KeyRing, String> {
    match std::fs::read_to_string(path) {
        Ok(text) => {
            let mut ring = jiuye_security::seal::KeyRing::parse(&text)
                .map_err(|e| format!("密钥文件 {} 有误：{e}", path.display()))?;
            // The node's federation key is made on the first start that lacks one.
            if ring.ensure_node_key().map_err(|e| e.to_string())? {
                write_keys(path, &ring)?;
                tracing::info!(path = %path.display(), "added the node's federation key to the key file");
            }
            Ok(ring)
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let ring = jiuye_security::seal::KeyRing::generate().map_err(|e| e.to_string())?;
            write_keys(path, &ring)?;
            tracing::info!(path = %path.display(), "created a new field-encryption key file");
            Ok(ring)
        }
        Err(e) => Err(format!("无法读取密钥文件 {}：{e}", path.display())),
    }
}

/// Reads the key ring (creating it when missing) and makes sure it holds the audit chain's key,
/// adding one and rewriting the file when it does not. Returns the ring and whether its audit key
/// was created just now (the first start with a key: the audit chain is then re-anchored).
pub fn load_keys_with_audit_key(path: &Path) -> Result<(jiuye_security::seal::KeyRing, bool), String> {
    let existed = path.exists();
    let mut ring = load_or_create_keys(path)?;
    if !existed {
        return Ok((ring, true));
    }
    if ring.ensure_audit_key().map_err(|e| e.to_string())? {
        write_keys(path, &ring)?;
        tracing::info!(path = %path.display(), "added the audit chain's key to the key file");
        return Ok((ring, true));
    }
    Ok((ring, false))
}

/// Reads the key ring without creating anything; `None` when the file does not exist.
pub fn read_keys(path: &Path) -> Result<Option<jiuye_security::seal::KeyRing>, String> {
    match std::fs::read_to_string(path) {
        Ok(text) => jiuye_security::seal::KeyRing::parse(&text)
            .map(Some)
            .map_err(|e| format!("密钥文件 {} 有误：{e}", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(format!("无法读取密钥文件 {}：{e}", path.display())),
    }
}

/// Writes the key ring with owner-only permissions, replacing the file atomically.
pub fn write_keys(path: &Path, ring: &jiuye_security::seal::KeyRing) -> Result<(), String> {
    use std::io::Write;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| format!("无法创建目录 {}：{e}", dir.display()))?;
    }
    let tmp = path.with_extension("key.tmp");
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut f = options.open(&tmp).map_err(|e| format!("无法写入密钥文件 {}：{e}", tmp.display()))?;
    f.write_all(ring.to_file().as_bytes()).and_then(|()| f.sync_all()).map_err(|e| format!("无法写入密钥文件：{e}"))?;
    std::fs::rename(&tmp, path).map_err(|e| format!("无法替换密钥文件 {}：{e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_password() {
        let c = DataConfig {
            data_dir: PathBuf::from("d"),
            database_url: Some("postgres://u:topsecret@h/db".into()),
            read_database_urls: vec!["postgres://u:othersecret@r/db".into()],
            key_file: PathBuf::from("d/secret.key"),
        };
        let s = format!("{c:?}");
        assert!(!s.contains("topsecret") && !s.contains("othersecret"), "{s}");
    }

    #[test]
    fn unknown_keys_are_rejected() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("c.toml");
        std::fs::write(&p, "listen = \"127.0.0.1:9\"\nlisten_port = 3\n").unwrap();
        assert!(FileConfig::read(Some(&p)).unwrap_err().contains("listen_port"));
        std::fs::write(&p, "listen = \"127.0.0.1:9\"\n").unwrap();
        assert_eq!(FileConfig::read(Some(&p)).unwrap().listen.as_deref(), Some("127.0.0.1:9"));
    }
}

#[cfg(all(test, unix))]
mod key_tests {
    use super::*;

    #[test]
    fn key_file_is_created_private_and_reread() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("secret.key");
        let ring = load_or_create_keys(&p).unwrap();
        let mode = std::fs::metadata(&p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let sealed = ring.seal(b"x").unwrap();
        assert_eq!(load_or_create_keys(&p).unwrap().open(&sealed).unwrap(), b"x");
    }

    #[test]
    fn the_audit_key_is_added_once_to_an_older_key_file() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("secret.key");
        assert!(read_keys(&p).unwrap().is_none());
        let (fresh, created) = load_keys_with_audit_key(&p).unwrap();
        assert!(created && fresh.audit_key().is_some(), "a new key file has an audit key");
        let (again, created) = load_keys_with_audit_key(&p).unwrap();
        assert!(!created);
        assert_eq!(again.audit_key(), fresh.audit_key());
        // A key file written before the audit key existed: the key is added and kept.
        let text = std::fs::read_to_string(&p).unwrap();
        let older: String = text.lines().filter(|l| !l.starts_with("audit:")).map(|l| format!("{l}\n")).collect();
        std::fs::write(&p, &older).unwrap();
        let sealed = fresh.seal(b"x").unwrap();
        let (upgraded, created) = load_keys_with_audit_key(&p).unwrap();
        assert!(created && upgraded.audit_key().is_some());
        assert_ne!(upgraded.audit_key(), fresh.audit_key());
        assert_eq!(upgraded.open(&sealed).unwrap(), b"x", "the sealing keys are kept");
        assert_eq!(read_keys(&p).unwrap().unwrap().audit_key(), upgraded.audit_key());
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&p).unwrap().permissions().mode() & 0o777, 0o600);
    }
}
