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
    pub listen: Option<String>,
    pub log_format: Option<String>,
    pub body_limit_bytes: Option<usize>,
    pub request_timeout_secs: Option<u64>,
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
}

impl fmt::Debug for DataConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DataConfig")
            .field("data_dir", &self.data_dir)
            .field("database_url", &self.database_url.as_deref().map(jiuye_store::redact_url))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_password() {
        let c = DataConfig { data_dir: PathBuf::from("d"), database_url: Some("postgres://u:topsecret@h/db".into()) };
        let s = format!("{c:?}");
        assert!(!s.contains("topsecret"), "{s}");
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
