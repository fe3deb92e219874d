//! Files people upload (destination evidence, visit photos, résumés): what a file is, read from
//! its first bytes rather than from its name, the checks every upload passes, and keeping the
//! bytes in the node's file directory under random names, outside the web root.

use std::path::Path;

use uuid::Uuid;

use crate::{Error, ErrorCode, ErrorKind};

/// Largest file accepted anywhere (evidence, photos, résumés).
pub const MAX_FILE_BYTES: usize = 5 * 1024 * 1024;

/// What a file's first bytes say it is (PDF, PNG or JPEG), whatever its name claims: the media
/// type and the usual extension.
pub fn sniff(bytes: &[u8]) -> Option<(&'static str, &'static str)> {
    if bytes.starts_with(b"%PDF-") {
        Some(("application/pdf", "pdf"))
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some(("image/png", "png"))
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(("image/jpeg", "jpg"))
    } else {
        None
    }
}

/// The checks every upload passes, in this order: not empty, at most [`MAX_FILE_BYTES`]
/// (`too_large` names the file in the refusal), and of a media type `accept` allows
/// (`wrong_type` is the refusal). Answers the media type read from the content.
pub fn accept(
    bytes: &[u8],
    accept: impl Fn(&str) -> bool,
    too_large: &str,
    wrong_type: &str,
) -> Result<&'static str, Error> {
    if bytes.is_empty() {
        return Err(Error::bad_input(ErrorCode::InvalidFile, "文件为空"));
    }
    if bytes.len() > MAX_FILE_BYTES {
        return Err(Error::new(ErrorKind::TooLarge, ErrorCode::PayloadTooLarge, too_large));
    }
    match sniff(bytes) {
        Some((content_type, _)) if accept(content_type) => Ok(content_type),
        _ => Err(Error::bad_input(ErrorCode::InvalidFile, wrong_type)),
    }
}

fn storage_unavailable(e: std::io::Error) -> Error {
    tracing::error!(error = %e, "cannot store an uploaded file");
    Error::unavailable(ErrorCode::StorageUnavailable, "文件暂时无法保存")
}

/// Writes `bytes` under a new random name in `dir` (made when missing); answers the name.
pub async fn save(dir: &Path, bytes: &[u8]) -> Result<String, Error> {
    tokio::fs::create_dir_all(dir).await.map_err(storage_unavailable)?;
    let stored = format!("{}.bin", Uuid::new_v4().simple());
    tokio::fs::write(dir.join(&stored), bytes).await.map_err(storage_unavailable)?;
    Ok(stored)
}

/// Removes a stored file (a record that was not written, or a replaced file); a file already
/// gone is not an error.
pub async fn discard(dir: &Path, stored: &str) {
    if let Err(e) = tokio::fs::remove_file(dir.join(stored)).await
        && e.kind() != std::io::ErrorKind::NotFound
    {
        tracing::warn!(error = %e, "cannot remove a stored file");
    }
}

/// The bytes of a stored file, or None when it is missing or unreadable.
pub async fn read(dir: &Path, stored: &str) -> Option<Vec<u8>> {
    match tokio::fs::read(dir.join(stored)).await {
        Ok(bytes) => Some(bytes),
        Err(e) => {
            tracing::warn!(error = %e, "cannot read a stored file");
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_decides_the_type_and_the_checks_come_in_order() {
        assert_eq!(sniff(b"%PDF-1.7\n"), Some(("application/pdf", "pdf")));
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n...."), Some(("image/png", "png")));
        assert_eq!(sniff(&[0xFF, 0xD8, 0xFF, 0xE0]), Some(("image/jpeg", "jpg")));
        assert_eq!(sniff(b"MZ\x90\x00"), None);
        let images = |t: &str| t.starts_with("image/");
        assert_eq!(accept(b"", images, "big", "type").unwrap_err().code, ErrorCode::InvalidFile);
        let big = vec![0xFF; MAX_FILE_BYTES + 1];
        assert_eq!(accept(&big, images, "big", "type").unwrap_err().kind, ErrorKind::TooLarge);
        assert_eq!(accept(b"%PDF-1.4", images, "big", "type").unwrap_err().message, "type");
        assert_eq!(accept(&[0xFF, 0xD8, 0xFF, 0], images, "big", "type").unwrap(), "image/jpeg");
    }

    #[tokio::test]
    async fn a_saved_file_reads_back_and_is_discarded() {
        let dir = std::env::temp_dir().join(format!("jiuye-files-{}", Uuid::new_v4().simple()));
        let name = save(&dir, b"%PDF-1.4 x").await.unwrap();
        assert_eq!(read(&dir, &name).await.as_deref(), Some(&b"%PDF-1.4 x"[..]));
        discard(&dir, &name).await;
        discard(&dir, &name).await;
        assert_eq!(read(&dir, &name).await, None);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
