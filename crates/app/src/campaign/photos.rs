//! Visit photos: evidence of a visit, recognised by their content (JPG or PNG, at most 5 MB, at
//! most 10 per visit), kept sealed in the node's file directory (bound to their photo row) and
//! read by those who may read the visit.

use jiuye_domain::access::Actor;
use jiuye_store::Repository;
use jiuye_store::campaign::PhotoRecord;
use uuid::Uuid;

use super::refused;
use crate::files::{self, Files};
use crate::sealing::PHOTO_FILE;
use crate::{Error, ErrorCode};

/// Most photos one visit keeps.
pub const MAX_PHOTOS: usize = 10;

/// Attaches a photo to a visit the actor may act on; the bytes are kept sealed in `files`.
pub async fn add(
    store: &dyn Repository,
    actor: &Actor,
    files: &Files<'_>,
    visit_id: Uuid,
    bytes: &[u8],
) -> Result<PhotoRecord, Error> {
    super::visits::scoped(store, actor, visit_id).await?;
    let content_type = files::accept(
        bytes,
        |t| t.starts_with("image/"),
        "照片不能超过 5 MB",
        "只接受 JPG 或 PNG 照片（按文件内容判断）",
    )?;
    if store.photos_of(visit_id).await?.len() >= MAX_PHOTOS {
        return Err(refused(ErrorCode::TooManyPhotos, "每条走访记录最多 10 张照片"));
    }
    let photo_id = Uuid::now_v7();
    let stored = files.save(PHOTO_FILE, photo_id, bytes).await?;
    let record = PhotoRecord {
        id: photo_id,
        visit_id,
        stored_name: stored,
        content_type: content_type.into(),
        size_bytes: bytes.len() as i64,
        sha256: jiuye_security::sha256_hex(bytes),
        uploaded_by: actor.user_id,
        uploaded_at: chrono::Utc::now(),
    };
    if let Err(e) = store.add_photo(&record).await {
        files.discard(&record.stored_name).await;
        return Err(e.into());
    }
    Ok(record)
}

/// A stored photo: its media type and bytes.
#[derive(Clone, Debug)]
pub struct Photo {
    pub content_type: String,
    pub bytes: Vec<u8>,
}

/// A visit photo, for those who log visits or see statistics at the visit's unit;
/// `404 photo_not_found` otherwise, as for a missing one; `409 storage_corrupt` when the file
/// kept does not open for this photo.
pub async fn read(store: &dyn Repository, actor: &Actor, files: &Files<'_>, id: Uuid) -> Result<Photo, Error> {
    let missing = || Error::not_found(ErrorCode::PhotoNotFound, "找不到该照片");
    let p = store.photo(id).await?.ok_or_else(missing)?;
    let v = store.visit(p.visit_id).await?.ok_or_else(missing)?;
    let (_, _, path) = store.org_position(v.unit_id).await?.ok_or_else(missing)?;
    if !super::reads_unit(actor, &path) {
        return Err(missing());
    }
    let bytes = files.read(PHOTO_FILE, p.id, &p.stored_name).await?.ok_or_else(missing)?;
    Ok(Photo { content_type: p.content_type, bytes })
}
