//! Reading the text of a résumé PDF for matching. The file is untrusted: it is measured first
//! (size, that it is a PDF, page count), read on a blocking thread, and a parser that fails or
//! panics on a hostile file gives a clear refusal, never a crash of the node.

use crate::{Error, ErrorCode, ErrorKind};

/// Largest résumé read for matching.
pub const MAX_BYTES: usize = 5 * 1024 * 1024;
/// Most pages read.
pub const MAX_PAGES: usize = 20;
/// Most characters kept of the text.
pub const MAX_CHARS: usize = 20_000;

fn refused(message: &str) -> Error {
    Error::new(ErrorKind::Unprocessable, ErrorCode::InvalidFile, message)
}

/// The text of a résumé PDF, whitespace squeezed, at most [`MAX_CHARS`] characters.
pub async fn text_of(bytes: Vec<u8>) -> Result<String, Error> {
    if bytes.len() > MAX_BYTES {
        return Err(Error::new(ErrorKind::TooLarge, ErrorCode::PayloadTooLarge, "简历不能超过 5 MB"));
    }
    crate::files::accept(
        &bytes,
        |t| t == "application/pdf",
        "简历不能超过 5 MB",
        "简历请上传 PDF 文件（按文件内容判断）",
    )?;
    let read = tokio::task::spawn_blocking(move || {
        std::panic::catch_unwind(|| {
            let doc = lopdf::Document::load_mem(&bytes).map_err(|_| "无法读取这份 PDF")?;
            let pages = doc.get_pages().len();
            if pages == 0 || pages > MAX_PAGES {
                return Err("简历最多 20 页");
            }
            pdf_extract::extract_text_from_mem(&bytes).map_err(|_| "无法读出这份 PDF 的文字")
        })
    })
    .await;
    let text = match read {
        Ok(Ok(Ok(t))) => t,
        Ok(Ok(Err(message))) => return Err(refused(message)),
        Ok(Err(_)) | Err(_) => return Err(refused("无法读出这份 PDF 的文字")),
    };
    let squeezed: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    Ok(squeezed.chars().take(MAX_CHARS).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A one-page PDF whose page shows `line`, written out with correct offsets.
    pub(crate) fn pdf_with(line: &str) -> Vec<u8> {
        let stream = format!("BT /F1 12 Tf 72 720 Td ({line}) Tj ET");
        let objects = [
            "<< /Type /Catalog /Pages 2 0 R >>".to_owned(),
            "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_owned(),
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R \
             /Resources << /Font << /F1 5 0 R >> >> >>"
                .to_owned(),
            format!("<< /Length {} >>\nstream\n{stream}\nendstream", stream.len()),
            "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_owned(),
        ];
        let mut out = b"%PDF-1.4\n".to_vec();
        let mut offsets = Vec::new();
        for (i, o) in objects.iter().enumerate() {
            offsets.push(out.len());
            out.extend(format!("{} 0 obj\n{o}\nendobj\n", i + 1).bytes());
        }
        let xref = out.len();
        out.extend(format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).bytes());
        for off in offsets {
            out.extend(format!("{off:010} 00000 n \n").bytes());
        }
        out.extend(
            format!("trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n", objects.len() + 1).bytes(),
        );
        out
    }

    #[tokio::test]
    async fn reads_a_small_pdf_and_refuses_hostile_ones() {
        let text = text_of(pdf_with("Python SQL data analysis")).await.map_err(|e| e.to_string());
        assert_eq!(text.as_deref(), Ok("Python SQL data analysis"));
        let not_pdf = text_of(b"hello".to_vec()).await.map(|_| ()).map_err(|e| e.code);
        assert_eq!(not_pdf, Err(ErrorCode::InvalidFile));
        let mut broken = b"%PDF-1.7\n".to_vec();
        broken.extend(std::iter::repeat_n(b'(', 100_000));
        assert_eq!(text_of(broken).await.map(|_| ()).map_err(|e| e.code), Err(ErrorCode::InvalidFile));
        let big = vec![b'%'; MAX_BYTES + 1];
        assert_eq!(text_of(big).await.map(|_| ()).map_err(|e| e.code), Err(ErrorCode::PayloadTooLarge));
    }
}
