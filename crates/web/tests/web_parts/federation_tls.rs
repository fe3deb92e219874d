//! A peer reached over HTTPS: the province is served with a certificate from a private CA; the
//! university refuses it until the CA is trusted (`serve --federation-ca`), then reads the
//! province's feed as over plain HTTP.

use tokio_rustls::rustls;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

use super::Fixture;
use super::federation::{Peered, peered};

/// A TCP listener that completes a TLS handshake before handing each connection to axum.
struct TlsListener {
    tcp: tokio::net::TcpListener,
    acceptor: tokio_rustls::TlsAcceptor,
}

impl axum::serve::Listener for TlsListener {
    type Io = tokio_rustls::server::TlsStream<tokio::net::TcpStream>;
    type Addr = std::net::SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            let Ok((tcp, addr)) = self.tcp.accept().await else { continue };
            // A client that refuses the certificate is dropped; the next one is awaited.
            if let Ok(tls) = self.acceptor.accept(tcp).await {
                return (tls, addr);
            }
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        self.tcp.local_addr()
    }
}

/// A private CA (its certificate as PEM) and a certificate it issued for `localhost`.
fn private_ca() -> (String, Vec<CertificateDer<'static>>, PrivateKeyDer<'static>) {
    let ca_key = rcgen::KeyPair::generate().unwrap();
    let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    ca_params.distinguished_name.push(rcgen::DnType::CommonName, "四川省教育厅测试根证书");
    let ca = rcgen::CertifiedIssuer::self_signed(ca_params, ca_key).unwrap();
    let leaf_key = rcgen::KeyPair::generate().unwrap();
    let leaf = rcgen::CertificateParams::new(vec!["localhost".to_owned()]).unwrap().signed_by(&leaf_key, &ca).unwrap();
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf_key.serialize_der()));
    (ca.pem(), vec![leaf.der().clone(), ca.der().clone()], key)
}

/// Serves `node` over HTTPS on a loopback port; its base URL and the CA's certificate.
async fn listen_tls(node: &Fixture) -> (String, String) {
    let (ca_pem, chain, key) = private_ca();
    #[allow(deprecated)]
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .unwrap();
    let tcp = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("https://localhost:{}", tcp.local_addr().unwrap().port());
    let listener = TlsListener { tcp, acceptor: tokio_rustls::TlsAcceptor::from(std::sync::Arc::new(config)) };
    let app = node.app.clone();
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, ca_pem)
}

#[tokio::test]
async fn a_peer_is_read_over_https_once_its_ca_is_trusted() {
    let Peered { university, province, u_key, .. } = peered().await;
    let (u, p) = (university.store.as_ref(), province.store.as_ref());
    // The province pushes to its children too; the university's address there leads nowhere,
    // so that what the university holds came through its own reading over HTTPS.
    let nowhere =
        jiuye_domain::federation::PeerSpec::parse("4151010610", "http://127.0.0.1:9", &u_key, "child", None, None)
            .unwrap();
    jiuye_app::federation::add_peer(p, &nowhere, "admin").await.unwrap();
    let (https, ca_pem) = listen_tls(&province).await;
    let p_key = province.keys.node_key().unwrap().public();
    let spec = jiuye_domain::federation::PeerSpec::parse("510000", &https, &p_key, "parent", None, None).unwrap();
    jiuye_app::federation::add_peer(u, &spec, "admin").await.unwrap();
    let text = jiuye_domain::campaign::SPRING_2023.replace("id = \"2023-spring\"", "id = \"510000-tls\"");
    let c = jiuye_domain::campaign::Campaign::parse(&text).unwrap();
    jiuye_app::campaign::publish(p, &c, &text).await.unwrap();

    let node = jiuye_app::federation::node(u).await.unwrap().unwrap();
    let key = university.keys.node_key().unwrap();
    let peer = || async {
        jiuye_app::federation::peers(u).await.unwrap().into_iter().find(|p| p.record.org_code == "510000").unwrap()
    };
    // A certificate from an authority nobody trusts: refused, recorded on the cursor.
    let e = jiuye_app::federation::pull::pull(u, &node, &key, &peer().await, 5).await.unwrap_err();
    assert!(e.message.contains("TLS"), "{}", e.message);
    let cursor = u.cursor(jiuye_store::received::Line::Read, "510000").await.unwrap().unwrap();
    assert_eq!(cursor.failures, 1);
    assert!(u.campaigns().await.unwrap().iter().all(|c| c.0 != "510000-tls"));

    // Trusted: read as over plain HTTP.
    assert_eq!(jiuye_app::federation::client::trust_pem(ca_pem.as_bytes()), Ok(1));
    let pulled = jiuye_app::federation::pull::pull(u, &node, &key, &peer().await, 5).await.unwrap();
    assert!(pulled.applied >= 1, "{pulled:?}");
    assert!(u.campaigns().await.unwrap().iter().any(|c| c.0 == "510000-tls"));
}
