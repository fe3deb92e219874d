//! Uploaded files: reading one file field of a multipart form (what a file is and where it is
//! kept is `jiuye_app::files`).

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
