//! A file to download: its bytes with the type and a file name that survives any browser.

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

pub(crate) fn download(bytes: Vec<u8>, content_type: &'static str, name: &str) -> Response {
    let disposition =
        format!("attachment; filename=\"download\"; filename*=UTF-8''{}", crate::render::page::encode_component(name));
    let mut res = (StatusCode::OK, [(header::CONTENT_TYPE, content_type)], bytes).into_response();
    if let Ok(v) = header::HeaderValue::from_str(&disposition) {
        res.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    res
}
