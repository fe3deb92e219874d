//! Uploaded files: reading one file field of a multipart form, and recognising what a file is
//! from its first bytes rather than from its name.

use crate::error::AppError;
use crate::error::ErrorCode;

/// The bytes of the one file field `name` of a multipart form (a 5 MB upload form); other
/// fields are ignored. `missing` is the message when the field is absent.
pub(crate) async fn multipart_file(
    form: &mut axum::extract::Multipart,
    name: &str,
    missing: &str,
) -> Result<Vec<u8>, AppError> {
    let bad = || AppError::bad_request(ErrorCode::InvalidForm, "上传内容无法解析或文件超过 5 MB");
    let mut file: Option<Vec<u8>> = None;
    while let Some(field) = form.next_field().await.map_err(|_| bad())? {
        if field.name() == Some(name) {
            file = Some(field.bytes().await.map_err(|_| bad())?.to_vec());
        }
    }
    file.ok_or_else(|| AppError::bad_request(ErrorCode::InvalidFile, missing.to_owned()))
}

/// What a file's first bytes say it is (PDF, PNG or JPEG), whatever its name claims.
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
