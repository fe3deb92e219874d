//! How this node calls its peers: one signed HTTP/1.1 request per call, over plain TCP to an
//! `http://` base URL or over TLS (rustls) to an `https://` one. A peer's certificate is checked
//! against the system's trusted roots (the PEM bundle the platform keeps, e.g.
//! `/etc/ssl/certs`) and any certificate authority the operator adds with [`trust_pem`]
//! (`serve --federation-ca FILE`, for a province that runs its own CA), and its name against
//! the base URL's host.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::Utc;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Bytes;
use jiuye_security::signing::NodeKey;
use jiuye_store::federation::FederationNode;
use tokio_rustls::rustls;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, ServerName};

use super::pull::failed;
use crate::error::Error;

/// How long one request may take.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// The largest answer accepted.
pub(super) const MAX_ANSWER_BYTES: usize = 64 << 20;

/// The certificate authorities added by the operator, and the client configuration built from
/// them and the system's roots (built at the first HTTPS call, again after an addition).
struct Trust {
    added: Vec<CertificateDer<'static>>,
    config: Option<Arc<rustls::ClientConfig>>,
}

static TRUST: Mutex<Trust> = Mutex::new(Trust { added: Vec::new(), config: None });

/// Trusts the certificate authorities in `pem` (one or more `CERTIFICATE` blocks) for calls to
/// peers, besides the system's roots; how many were added.
pub fn trust_pem(pem: &[u8]) -> Result<usize, String> {
    let certs = CertificateDer::pem_slice_iter(pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("证书文件无法读取：{e}"))?;
    if certs.is_empty() {
        return Err("证书文件中没有 CERTIFICATE 块".into());
    }
    let n = certs.len();
    let mut t = TRUST.lock().map_err(|_| "证书设置不可用".to_owned())?;
    t.added.extend(certs);
    t.config = None;
    Ok(n)
}

fn tls_config() -> Result<Arc<rustls::ClientConfig>, Error> {
    let mut t = TRUST.lock().map_err(|_| failed("TLS: trust settings unavailable"))?;
    if let Some(c) = &t.config {
        return Ok(c.clone());
    }
    let mut roots = rustls::RootCertStore::empty();
    let system = rustls_native_certs::load_native_certs();
    for e in &system.errors {
        tracing::warn!(error = %e, "federation TLS: a system certificate could not be read");
    }
    let (good, bad) = roots.add_parsable_certificates(system.certs);
    if bad > 0 {
        tracing::warn!(ignored = bad, "federation TLS: system certificates ignored");
    }
    for c in &t.added {
        roots.add(c.clone()).map_err(|e| failed(format!("TLS: a trusted certificate is unusable: {e}")))?;
    }
    tracing::debug!(system = good, added = t.added.len(), "federation TLS roots");
    // ring, named here rather than left to the process default (which rustls resolves by
    // panicking when its crate features are ambiguous). Post-quantum key exchange would need
    // the aws-lc-rs provider, whose build needs CMake; classical X25519/ECDHE it is.
    #[allow(deprecated)]
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| failed(format!("TLS: {e}")))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    let config = Arc::new(config);
    t.config = Some(config.clone());
    Ok(config)
}

/// A base URL taken apart: whether it is `https`, the host (for the certificate's name), and
/// `host:port` to connect to.
fn target(base_url: &str) -> Result<(bool, String, String), Error> {
    let (tls, rest) = if let Some(r) = base_url.strip_prefix("https://") {
        (true, r)
    } else if let Some(r) = base_url.strip_prefix("http://") {
        (false, r)
    } else {
        return Err(failed(format!("{base_url}: only http:// and https:// peers can be reached")));
    };
    let authority = rest.split('/').next().unwrap_or(rest);
    // `[v6]:port`, `host:port` or a bare host.
    let (host, port) = match authority.rsplit_once(':') {
        Some((h, p)) if !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) && !h.ends_with(':') => (h, Some(p)),
        _ => (authority, None),
    };
    let port = port.unwrap_or(if tls { "443" } else { "80" });
    let host = host.trim_start_matches('[').trim_end_matches(']').to_owned();
    let connect = if host.contains(':') { format!("[{host}]:{port}") } else { format!("{host}:{port}") };
    Ok((tls, host, connect))
}

/// `method path` with `body` (JSON) to the peer at `base_url`, signed as `node`; the status and
/// the answer's body (at most [`MAX_ANSWER_BYTES`]).
pub(super) async fn signed_request(
    node: &FederationNode,
    key: &NodeKey,
    base_url: &str,
    method: &str,
    path: &str,
    body: Bytes,
) -> Result<(u16, Bytes), Error> {
    let (tls, host, addr) = target(base_url)?;
    let authority = base_url.split("://").nth(1).and_then(|r| r.split('/').next()).unwrap_or(&host).to_owned();
    let date = Utc::now().timestamp();
    let text = jiuye_domain::federation::request_text(method, path, date, &node.org_code);
    let request = hyper::Request::builder()
        .method(method)
        .uri(path)
        .header(hyper::header::HOST, &authority)
        .header(hyper::header::CONTENT_TYPE, "application/json")
        .header("jiuye-node", &node.org_code)
        .header("jiuye-date", date.to_string())
        .header("jiuye-signature", key.sign(text.as_bytes()))
        .header(hyper::header::ACCEPT, "application/json")
        .body(Full::new(body))
        .map_err(|e| failed(format!("request: {e}")))?;
    let work = async {
        let stream = tokio::net::TcpStream::connect(&addr).await.map_err(|e| failed(format!("{addr}: {e}")))?;
        if tls {
            let name = ServerName::try_from(host.clone()).map_err(|e| failed(format!("{host}: {e}")))?;
            let stream = tokio_rustls::TlsConnector::from(tls_config()?)
                .connect(name, stream)
                .await
                .map_err(|e| failed(format!("{addr}: TLS: {e}")))?;
            exchange(stream, request, &addr).await
        } else {
            exchange(stream, request, &addr).await
        }
    };
    tokio::time::timeout(REQUEST_TIMEOUT, work).await.map_err(|_| failed(format!("{base_url}: no answer in 30 s")))?
}

/// Sends `request` over `stream` (HTTP/1.1) and reads the answer.
async fn exchange<S>(stream: S, request: hyper::Request<Full<Bytes>>, addr: &str) -> Result<(u16, Bytes), Error>
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let (mut sender, conn) = hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream))
        .await
        .map_err(|e| failed(format!("{addr}: {e}")))?;
    tokio::spawn(async move {
        let _ = conn.await;
    });
    let res = sender.send_request(request).await.map_err(|e| failed(format!("{addr}: {e}")))?;
    let status = res.status().as_u16();
    let body = Limited::new(res.into_body(), MAX_ANSWER_BYTES)
        .collect()
        .await
        .map_err(|e| failed(format!("{addr}: body: {e}")))?
        .to_bytes();
    Ok((status, body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_urls_name_the_host_and_port() {
        let t = |u: &str| target(u).ok();
        assert_eq!(t("https://jy.scu.edu.cn"), Some((true, "jy.scu.edu.cn".into(), "jy.scu.edu.cn:443".into())));
        assert_eq!(t("http://127.0.0.1:8080"), Some((false, "127.0.0.1".into(), "127.0.0.1:8080".into())));
        assert_eq!(t("https://[::1]:8443/x"), Some((true, "::1".into(), "[::1]:8443".into())));
        assert_eq!(t("http://localhost"), Some((false, "localhost".into(), "localhost:80".into())));
        assert_eq!(t("ftp://example.org"), None);
    }

    #[test]
    fn only_certificates_are_trusted() {
        assert!(trust_pem(b"not a certificate").is_err());
        assert!(trust_pem(b"").is_err());
    }
}
