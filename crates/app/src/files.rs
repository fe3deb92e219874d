//! Files people upload (destination evidence, visit photos, résumés): what a file is, read from
//! its first bytes rather than from its name, the checks every upload passes, and keeping the
//! bytes in the node's file directory under random names, outside the web root, sealed with
//! the key ring and bound to the row they belong to (`crate::sealing`).

use std::path::{Path, PathBuf};

use jiuye_security::seal::{KeyRing, is_sealed_bytes};
use uuid::Uuid;

use crate::sealing::{self, Place, Step};
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

/// The node's file directory and the key ring that seals every file kept in it.
#[derive(Clone, Copy, Debug)]
pub struct Files<'a> {
    pub dir: &'a Path,
    pub keys: &'a KeyRing,
}

/// The path of a stored file, when its name is one this module makes (no separators, no
/// leading dot), so that a name read from the database never reaches outside `dir`.
fn path_of(dir: &Path, stored: &str) -> Option<PathBuf> {
    let plain = !stored.is_empty() && !stored.starts_with('.') && !stored.contains(['/', '\\']);
    plain.then(|| dir.join(stored))
}

impl Files<'_> {
    /// Seals `bytes` for row `id` at `place` and writes them under a new random name (made
    /// when missing); answers the name.
    pub async fn save(&self, place: Place, id: Uuid, bytes: &[u8]) -> Result<String, Error> {
        let sealed = sealing::seal_bytes(self.keys, place, id, bytes)?;
        tokio::fs::create_dir_all(self.dir).await.map_err(storage_unavailable)?;
        let stored = format!("{}.bin", Uuid::new_v4().simple());
        tokio::fs::write(self.dir.join(&stored), sealed).await.map_err(storage_unavailable)?;
        Ok(stored)
    }

    /// Removes a stored file (a record that was not written, or a replaced file); a file
    /// already gone is not an error.
    pub async fn discard(&self, stored: &str) {
        let Some(path) = path_of(self.dir, stored) else { return };
        if let Err(e) = tokio::fs::remove_file(path).await
            && e.kind() != std::io::ErrorKind::NotFound
        {
            tracing::warn!(error = %e, "cannot remove a stored file");
        }
    }

    /// The bytes of the file kept for row `id` at `place` under the name `stored`: `None` when
    /// it is missing or unreadable, `409 storage_corrupt` when it does not open for that row.
    /// A legacy plaintext file (from before sealing) is read as it is.
    pub async fn read(&self, place: Place, id: Uuid, stored: &str) -> Result<Option<Vec<u8>>, Error> {
        let Some(path) = path_of(self.dir, stored) else { return Ok(None) };
        match tokio::fs::read(path).await {
            Ok(bytes) => sealing::open_bytes(self.keys, place, id, bytes).map(Some),
            Err(e) => {
                tracing::warn!(error = %e, "cannot read a stored file");
                Ok(None)
            }
        }
    }
}

/// Seals the file kept for row `id` at `place` with the current key when it is plaintext or
/// sealed with an older key: the new bytes are written beside it, flushed, then renamed over
/// it, so the file is always either the old or the new one. A file that does not open for its
/// row is left alone (`Skipped`).
pub(crate) async fn reseal(dir: &Path, keys: &KeyRing, place: Place, id: Uuid, stored: &str) -> Result<Step, Error> {
    let Some(path) = path_of(dir, stored) else {
        tracing::warn!(table = place.table, %id, "a stored file name is not one this node makes; left alone");
        return Ok(Step::Skipped);
    };
    let bytes = match tokio::fs::read(&path).await {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            tracing::warn!(table = place.table, %id, "a stored file is missing; nothing to seal");
            return Ok(Step::Skipped);
        }
        Err(e) => return Err(storage_unavailable(e)),
    };
    let step = match (keys.bytes_need_sealing(&bytes), is_sealed_bytes(&bytes)) {
        (false, _) => Step::Current,
        (true, true) => Step::Resealed,
        (true, false) => Step::Sealed,
    };
    let Ok(plain) = sealing::open_bytes(keys, place, id, bytes) else { return Ok(Step::Skipped) };
    if step == Step::Current {
        return Ok(step);
    }
    let sealed = sealing::seal_bytes(keys, place, id, &plain)?;
    let fresh = dir.join(format!("{stored}.sealing"));
    let write = async {
        tokio::fs::write(&fresh, &sealed).await?;
        tokio::fs::File::open(&fresh).await?.sync_all().await?;
        tokio::fs::rename(&fresh, &path).await
    };
    if let Err(e) = write.await {
        let _ = tokio::fs::remove_file(&fresh).await;
        return Err(storage_unavailable(e));
    }
    Ok(step)
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
    async fn a_saved_file_is_sealed_reads_back_for_its_row_only_and_is_discarded() {
        let dir = std::env::temp_dir().join(format!("jiuye-files-{}", Uuid::new_v4().simple()));
        let keys = KeyRing::generate().unwrap();
        let files = Files { dir: &dir, keys: &keys };
        let (row, other) = (Uuid::now_v7(), Uuid::now_v7());
        let name = files.save(sealing::EVIDENCE_FILE, row, b"%PDF-1.4 x").await.unwrap();
        let on_disk = std::fs::read(dir.join(&name)).unwrap();
        assert!(on_disk.starts_with(b"JYS2") && !on_disk.windows(8).any(|w| w == b"%PDF-1.4"));
        assert_eq!(files.read(sealing::EVIDENCE_FILE, row, &name).await.unwrap().as_deref(), Some(&b"%PDF-1.4 x"[..]));
        let moved = files.read(sealing::EVIDENCE_FILE, other, &name).await.unwrap_err();
        assert_eq!(moved.code, ErrorCode::StorageCorrupt);
        assert_eq!(files.read(sealing::EVIDENCE_FILE, row, "../secret.key").await.unwrap(), None);
        files.discard(&name).await;
        files.discard(&name).await;
        assert_eq!(files.read(sealing::EVIDENCE_FILE, row, &name).await.unwrap(), None);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[tokio::test]
    async fn resealing_seals_legacy_files_then_old_keys_then_nothing() {
        let dir = std::env::temp_dir().join(format!("jiuye-files-{}", Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).unwrap();
        let mut keys = KeyRing::generate().unwrap();
        let row = Uuid::now_v7();
        std::fs::write(dir.join("legacy.bin"), b"\x89PNG\r\n\x1a\nphoto").unwrap();
        let place = sealing::PHOTO_FILE;
        assert_eq!(reseal(&dir, &keys, place, row, "legacy.bin").await.unwrap(), Step::Sealed);
        assert_eq!(reseal(&dir, &keys, place, row, "legacy.bin").await.unwrap(), Step::Current);
        keys.add_new_key().unwrap();
        assert_eq!(reseal(&dir, &keys, place, row, "legacy.bin").await.unwrap(), Step::Resealed);
        let on_disk = std::fs::read(dir.join("legacy.bin")).unwrap();
        assert_eq!(jiuye_security::seal::bytes_key_id(&on_disk), Some(2));
        let files = Files { dir: &dir, keys: &keys };
        assert_eq!(files.read(place, row, "legacy.bin").await.unwrap().unwrap(), b"\x89PNG\r\n\x1a\nphoto");
        assert_eq!(
            reseal(&dir, &keys, place, Uuid::now_v7(), "legacy.bin").await.unwrap(),
            Step::Skipped,
            "not its row"
        );
        assert_eq!(reseal(&dir, &keys, place, row, "gone.bin").await.unwrap(), Step::Skipped);
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1, "no temporary file left");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
