//! Mutual TLS (cargo feature `tls`): the certificates `kiosk-sim scheduler certs` makes, the server's
//! rustls configuration (ring provider; a client certificate signed by the kiosks' CA is required),
//! and the acceptor that hands each connection's kiosk id (its certificate's subject CN) to the
//! handlers as a [`ClientIdentity`].

use super::auth::ClientIdentity;
use super::server::TlsFiles;
use axum::Extension;
use axum::middleware::AddExtension;
use axum_server::accept::Accept;
use axum_server::tls_rustls::{RustlsAcceptor, RustlsConfig};
use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair, KeyUsagePurpose,
};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::WebPkiClientVerifier;
use std::future::Future;
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio_rustls::server::TlsStream;
use tower_layer::Layer;

/// The CA's subject: the same every time, so that a CA kept in a directory can sign more kiosks.
const CA_NAME: &str = "kiosk-sim scheduler CA";

/// What `kiosk-sim scheduler certs` is asked for.
#[derive(Debug, Clone)]
pub struct CertsOptions {
    /// Where the files go (created when need be).
    pub dir: PathBuf,
    /// Host names and IP addresses of the scheduler (the server certificate's subject alt names).
    pub hosts: Vec<String>,
    /// Kiosk ids: one client certificate each, subject CN = the id.
    pub kiosks: Vec<String>,
}

/// What `certs` wrote (printed as one JSON line).
#[derive(Debug, Clone, serde::Serialize)]
pub struct CertsSummary {
    /// The directory.
    pub dir: String,
    /// `created`, or `kept` when `ca.pem` and `ca.key` were there already and signed the rest.
    pub ca: &'static str,
    /// The server certificate's hosts.
    pub hosts: Vec<String>,
    /// The kiosks that got a certificate.
    pub kiosks: Vec<String>,
}

fn rcgen_err(what: &str) -> impl Fn(rcgen::Error) -> String + '_ {
    move |e| format!("{what}: {e}")
}

/// A kiosk id is a file name here (`ID.pem`): letters, digits, `.`, `-`, `_`; not `ca` or `server`.
fn check_kiosk_id(id: &str) -> Result<(), String> {
    let ok = !id.is_empty()
        && id.len() <= 64
        && !id.starts_with('.')
        && id.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
        && !matches!(id, "ca" | "server");
    if ok {
        Ok(())
    } else {
        Err(format!(
            "--kiosk {id:?}: expected 1 to 64 letters, digits, '.', '-' or '_' (not \"ca\" or \"server\"), as in the \
             seed's ID@HALL=TOKEN"
        ))
    }
}

/// The validity of every certificate: from yesterday (UTC) for ten years.
fn validity(params: &mut CertificateParams) {
    use chrono::Datelike;
    let from = chrono::Utc::now().date_naive() - chrono::Days::new(1);
    let to = from.with_year(from.year() + 10).unwrap_or(from + chrono::Days::new(3650));
    let ymd = |d: chrono::NaiveDate| rcgen::date_time_ymd(d.year(), d.month() as u8, d.day() as u8);
    params.not_before = ymd(from);
    params.not_after = ymd(to);
}

fn ca_params() -> CertificateParams {
    let mut params = CertificateParams::default();
    params.distinguished_name.push(DnType::CommonName, CA_NAME);
    params.distinguished_name.push(DnType::OrganizationName, "kioskd simulator");
    params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign, KeyUsagePurpose::DigitalSignature];
    validity(&mut params);
    params
}

fn leaf_params(
    sans: Vec<String>,
    common_name: &str,
    usage: ExtendedKeyUsagePurpose,
) -> Result<CertificateParams, String> {
    let mut params = CertificateParams::new(sans).map_err(rcgen_err("a host name"))?;
    params.distinguished_name.push(DnType::CommonName, common_name);
    params.is_ca = IsCa::ExplicitNoCa;
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params.extended_key_usages = vec![usage];
    params.use_authority_key_identifier_extension = true;
    validity(&mut params);
    Ok(params)
}

/// Write `text` to `path`; keys (`secret`) are created with mode 0600 and kept so.
fn write_file(path: &Path, text: &str, secret: bool) -> Result<(), String> {
    let err = |e: std::io::Error| format!("{}: {e}", path.display());
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    if secret {
        opts.mode(0o600);
    }
    let mut f = opts.open(path).map_err(err)?;
    if secret {
        // An existing file keeps its mode through open(): narrow it.
        f.set_permissions(std::fs::Permissions::from_mode(0o600)).map_err(err)?;
    }
    f.write_all(text.as_bytes()).map_err(err)?;
    f.sync_all().map_err(err)
}

/// `kiosk-sim scheduler certs`: a CA (`ca.pem`, `ca.key`; kept when both are there already), a
/// server certificate for `hosts` (`server.pem`, `server.key`) and a client certificate per kiosk
/// (`ID.pem`, `ID.key`, subject CN = the kiosk id). Keys are ECDSA P-256, written with mode 0600.
pub fn generate(opts: &CertsOptions) -> Result<CertsSummary, String> {
    if opts.hosts.is_empty() {
        return Err("expected at least one --host (e.g. 127.0.0.1) for the server certificate".into());
    }
    for id in &opts.kiosks {
        check_kiosk_id(id)?;
    }
    let dir = &opts.dir;
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let (ca_pem, ca_key) = (dir.join("ca.pem"), dir.join("ca.key"));
    let (issuer, ca) = if ca_pem.exists() && ca_key.exists() {
        let text = std::fs::read_to_string(&ca_key).map_err(|e| format!("{}: {e}", ca_key.display()))?;
        let key = KeyPair::from_pem(&text).map_err(|e| format!("{}: {e}", ca_key.display()))?;
        (Issuer::new(ca_params(), key), "kept")
    } else {
        let key = KeyPair::generate().map_err(rcgen_err("a CA key"))?;
        let params = ca_params();
        let cert = params.self_signed(&key).map_err(rcgen_err("the CA certificate"))?;
        write_file(&ca_key, &key.serialize_pem(), true)?;
        write_file(&ca_pem, &cert.pem(), false)?;
        (Issuer::new(params, key), "created")
    };
    let issue = |name: &str, params: CertificateParams| -> Result<(), String> {
        let key = KeyPair::generate().map_err(rcgen_err("a key"))?;
        let cert = params.signed_by(&key, &issuer).map_err(rcgen_err(name))?;
        write_file(&dir.join(format!("{name}.key")), &key.serialize_pem(), true)?;
        write_file(&dir.join(format!("{name}.pem")), &cert.pem(), false)
    };
    issue("server", leaf_params(opts.hosts.clone(), &opts.hosts[0], ExtendedKeyUsagePurpose::ServerAuth)?)?;
    for id in &opts.kiosks {
        issue(id, leaf_params(Vec::new(), id, ExtendedKeyUsagePurpose::ClientAuth)?)?;
    }
    Ok(CertsSummary { dir: dir.display().to_string(), ca, hosts: opts.hosts.clone(), kiosks: opts.kiosks.clone() })
}

fn read_certs(path: &Path) -> Result<Vec<CertificateDer<'static>>, String> {
    let certs = CertificateDer::pem_file_iter(path)
        .and_then(|it| it.collect::<Result<Vec<_>, _>>())
        .map_err(|e| format!("{}: {e}", path.display()))?;
    if certs.is_empty() {
        return Err(format!("{}: no certificate in it", path.display()));
    }
    Ok(certs)
}

/// The server's rustls configuration: the ring provider, TLS 1.2 and 1.3, and a client certificate
/// signed by `client_ca` required of every connection.
pub fn server_config(files: &TlsFiles) -> Result<Arc<rustls::ServerConfig>, String> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut roots = rustls::RootCertStore::empty();
    for ca in read_certs(&files.client_ca)? {
        roots.add(ca).map_err(|e| format!("--client-ca {}: {e}", files.client_ca.display()))?;
    }
    let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider.clone())
        .build()
        .map_err(|e| format!("--client-ca {}: {e}", files.client_ca.display()))?;
    let chain = read_certs(&files.cert)?;
    let key = PrivateKeyDer::from_pem_file(&files.key).map_err(|e| format!("{}: {e}", files.key.display()))?;
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_client_cert_verifier(verifier)
        .with_single_cert(chain, key)
        .map_err(|e| format!("--tls-cert {} / --tls-key {}: {e}", files.cert.display(), files.key.display()))?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// The TLS acceptor that also tells the handlers who the client is: after the handshake (which
/// already refused a client without a certificate of the kiosks' CA) the certificate's subject CN
/// goes into every request of the connection as a [`ClientIdentity`]. A certificate without exactly
/// one CN is refused.
#[derive(Clone)]
pub struct KioskAcceptor {
    inner: RustlsAcceptor,
}

impl KioskAcceptor {
    /// Over this rustls configuration.
    pub fn new(config: Arc<rustls::ServerConfig>) -> KioskAcceptor {
        KioskAcceptor { inner: RustlsAcceptor::new(RustlsConfig::from_config(config)) }
    }
}

type Accepted<I, S> = std::io::Result<(TlsStream<I>, AddExtension<S, ClientIdentity>)>;

impl<I, S> Accept<I, S> for KioskAcceptor
where
    I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    S: Send + 'static,
{
    type Stream = TlsStream<I>;
    type Service = AddExtension<S, ClientIdentity>;
    type Future = Pin<Box<dyn Future<Output = Accepted<I, S>> + Send>>;

    fn accept(&self, stream: I, service: S) -> Self::Future {
        let acceptor = self.inner.clone();
        Box::pin(async move {
            let (stream, service) = acceptor.accept(stream, service).await?;
            let peer = stream.get_ref().1.peer_certificates().and_then(|c| c.first()).and_then(|c| common_name(c));
            let Some(kiosk) = peer else {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::PermissionDenied,
                    "the client certificate names no kiosk (subject CN)",
                ));
            };
            Ok((stream, Extension(ClientIdentity(kiosk)).layer(service)))
        })
    }
}

/// One DER element at the start of `input`: its tag, its contents and what follows it.
fn der(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = input.split_first()?;
    let (&first, mut rest) = rest.split_first()?;
    let len = if first < 0x80 {
        usize::from(first)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 {
            return None;
        }
        let (bytes, after) = rest.split_at_checked(n)?;
        rest = after;
        bytes.iter().fold(0usize, |acc, &b| (acc << 8) | usize::from(b))
    };
    let (contents, rest) = rest.split_at_checked(len)?;
    Some((tag, contents, rest))
}

/// The subject CN of an X.509 certificate (DER), when it has exactly one and it is a UTF8String,
/// PrintableString or IA5String. Only called on certificates rustls has verified already; anything
/// malformed is `None`, never a panic.
pub fn common_name(cert: &[u8]) -> Option<String> {
    const SEQUENCE: u8 = 0x30;
    const SET: u8 = 0x31;
    const CN: &[u8] = &[0x55, 0x04, 0x03]; // 2.5.4.3
    let (SEQUENCE, cert, _) = der(cert)? else { return None };
    let (SEQUENCE, tbs, _) = der(cert)? else { return None };
    // TBSCertificate: [0] version (optional), serial, signature, issuer, validity, subject, ...
    let (tag, _, after) = der(tbs)?;
    let mut rest = if tag == 0xa0 { after } else { tbs };
    for _ in 0..4 {
        rest = der(rest)?.2;
    }
    let (SEQUENCE, mut subject, _) = der(rest)? else { return None };
    let mut found = None;
    while !subject.is_empty() {
        let (SET, mut rdn, after) = der(subject)? else { return None };
        subject = after;
        while !rdn.is_empty() {
            let (SEQUENCE, attr, after) = der(rdn)? else { return None };
            rdn = after;
            let (0x06, oid, value) = der(attr)? else { return None };
            if oid != CN {
                continue;
            }
            let (tag, text, _) = der(value)?;
            let text = match tag {
                0x0c | 0x13 | 0x16 => std::str::from_utf8(text).ok()?,
                _ => return None,
            };
            if found.replace(text.to_string()).is_some() {
                return None; // two CNs: which kiosk is it?
            }
        }
    }
    found.filter(|cn| !cn.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rustls::server::danger::ClientCertVerifier;

    fn certs(dir: &Path, kiosks: &[&str]) -> CertsSummary {
        let opts = CertsOptions {
            dir: dir.to_path_buf(),
            hosts: vec!["127.0.0.1".into(), "localhost".into()],
            kiosks: kiosks.iter().map(|k| k.to_string()).collect(),
        };
        generate(&opts).unwrap()
    }

    fn der_of(path: &Path) -> CertificateDer<'static> {
        read_certs(path).unwrap().remove(0)
    }

    fn verifier(ca: &Path) -> Arc<dyn ClientCertVerifier> {
        let mut roots = rustls::RootCertStore::empty();
        roots.add(der_of(ca)).unwrap();
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider).build().unwrap()
    }

    fn accepted(v: &Arc<dyn ClientCertVerifier>, cert: &Path) -> bool {
        v.verify_client_cert(&der_of(cert), &[], rustls::pki_types::UnixTime::now()).is_ok()
    }

    #[test]
    fn certs_name_the_kiosk_and_chain_to_the_ca() {
        let dir = tempfile::tempdir().unwrap();
        let s = certs(dir.path(), &["gz-tianhe-01", "gz-tianhe-02"]);
        assert_eq!(s.ca, "created");
        let v = verifier(&dir.path().join("ca.pem"));
        for k in ["gz-tianhe-01", "gz-tianhe-02"] {
            assert_eq!(common_name(&der_of(&dir.path().join(format!("{k}.pem")))).as_deref(), Some(k));
            assert!(accepted(&v, &dir.path().join(format!("{k}.pem"))), "{k}");
        }
        assert_eq!(common_name(&der_of(&dir.path().join("server.pem"))).as_deref(), Some("127.0.0.1"));
        assert!(!accepted(&v, &dir.path().join("server.pem")), "a server certificate is no client's");
        for key in ["ca.key", "server.key", "gz-tianhe-01.key"] {
            let mode = std::fs::metadata(dir.path().join(key)).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600, "{key}");
        }
        // The server's configuration loads from the files.
        let files = TlsFiles {
            cert: dir.path().join("server.pem"),
            key: dir.path().join("server.key"),
            client_ca: dir.path().join("ca.pem"),
        };
        assert!(server_config(&files).is_ok());
        let wrong = TlsFiles { key: dir.path().join("gz-tianhe-01.key"), ..files };
        assert!(server_config(&wrong).unwrap_err().contains("--tls-cert"));
    }

    #[test]
    fn a_kept_ca_signs_more_kiosks_and_another_ca_is_not_trusted() {
        let dir = tempfile::tempdir().unwrap();
        certs(dir.path(), &["k1"]);
        let ca = std::fs::read(dir.path().join("ca.pem")).unwrap();
        assert_eq!(certs(dir.path(), &["k2"]).ca, "kept");
        assert_eq!(std::fs::read(dir.path().join("ca.pem")).unwrap(), ca, "the CA stays");
        let v = verifier(&dir.path().join("ca.pem"));
        assert!(accepted(&v, &dir.path().join("k1.pem")) && accepted(&v, &dir.path().join("k2.pem")));
        let other = tempfile::tempdir().unwrap();
        certs(other.path(), &["k1"]);
        assert!(!accepted(&v, &other.path().join("k1.pem")), "another CA's kiosk");
    }

    #[test]
    fn kiosk_ids_are_file_names() {
        for bad in ["", "ca", "server", "../x", ".hidden", "a b", "k/1"] {
            assert!(check_kiosk_id(bad).is_err(), "{bad:?}");
        }
        for good in ["gz-tianhe-01", "k1", "hall_2.a"] {
            assert!(check_kiosk_id(good).is_ok(), "{good:?}");
        }
        let dir = tempfile::tempdir().unwrap();
        let opts = CertsOptions { dir: dir.path().into(), hosts: Vec::new(), kiosks: vec!["k1".into()] };
        assert!(generate(&opts).unwrap_err().contains("--host"));
    }

    #[test]
    fn common_names_of_broken_certificates_are_none() {
        let dir = tempfile::tempdir().unwrap();
        certs(dir.path(), &["k1"]);
        let good = der_of(&dir.path().join("k1.pem")).to_vec();
        for n in 0..good.len() {
            let _ = common_name(&good[..n]);
        }
        let mut x = 7u32;
        for _ in 0..2000 {
            let mut bad = good.clone();
            x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
            let i = (x >> 8) as usize % bad.len();
            bad[i] = (x >> 20) as u8;
            let _ = common_name(&bad);
        }
        assert_eq!(common_name(&[]), None);
        assert_eq!(common_name(&[0x30, 0x84, 0xff, 0xff, 0xff, 0xff]), None);
        // Made by hand: one CN, two CNs (which kiosk?), none, a BMPString.
        let tlv = |tag: u8, parts: &[&[u8]]| -> Vec<u8> {
            let body: Vec<u8> = parts.concat();
            [vec![tag, body.len() as u8], body].concat()
        };
        let cn =
            |tag: u8, v: &str| tlv(0x31, &[&tlv(0x30, &[&tlv(0x06, &[&[0x55, 4, 3]]), &tlv(tag, &[v.as_bytes()])])]);
        let cert = |rdns: &[&[u8]]| {
            let empty = tlv(0x30, &[]);
            let tbs = tlv(
                0x30,
                &[&tlv(0xa0, &[&tlv(0x02, &[&[2]])]), &tlv(0x02, &[&[1]]), &empty, &empty, &empty, &tlv(0x30, rdns)],
            );
            tlv(0x30, &[&tbs])
        };
        assert_eq!(common_name(&cert(&[&cn(0x0c, "k1")])).as_deref(), Some("k1"));
        assert_eq!(common_name(&cert(&[&cn(0x13, "k1")])).as_deref(), Some("k1"));
        assert_eq!(common_name(&cert(&[&cn(0x0c, "k1"), &cn(0x0c, "k2")])), None);
        assert_eq!(common_name(&cert(&[])), None);
        assert_eq!(common_name(&cert(&[&cn(0x1e, "k1")])), None);
        assert_eq!(common_name(&cert(&[&cn(0x0c, "")])), None);
    }
}
