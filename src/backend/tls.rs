//! The `tls: {port}` observation: which leaf certificate does the app serve to a *new*
//! connection right now? That is what catches an app that built its TLS context once (P15):
//! the Secret rotated, the files changed, the served certificate did not.
//!
//! kubedrill is the client of a test app here, so it accepts any certificate (it must see
//! self-signed and expired ones too) and verifies nothing but that the handshake completes.

use std::sync::Arc;
use std::time::Duration;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, SignatureScheme};
use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;

/// How long connecting to the port may take.
const CONNECT_TIMEOUT: Duration = Duration::from_millis(500);
/// How long the handshake may take.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(2);
/// How long the polite close may take before kubedrill just drops the connection.
const CLOSE_TIMEOUT: Duration = Duration::from_millis(200);

/// The certificate a TLS server presented.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServedCertificate {
    /// The subject's common name, if it has one.
    pub cn: Option<String>,
    /// SHA-256 of the DER leaf certificate, lowercase hex (what `openssl x509 -fingerprint
    /// -sha256` prints, without colons).
    pub sha256: String,
}

/// Connects to `127.0.0.1:port`, completes a TLS handshake and returns the leaf certificate.
/// Async (tokio-rustls), so the scenario's runtime keeps running while the app answers.
pub async fn served_certificate(port: u16) -> Result<ServedCertificate, String> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("tls configuration: {e}"))?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(AcceptAny(provider)))
        .with_no_client_auth();
    let name = ServerName::try_from("localhost").map_err(|e| e.to_string())?;
    let sock = match tokio::time::timeout(CONNECT_TIMEOUT, TcpStream::connect(("127.0.0.1", port)))
        .await
    {
        Ok(Ok(sock)) => sock,
        Ok(Err(e)) => return Err(format!("connecting to port {port}: {e}")),
        Err(_) => {
            return Err(format!(
                "connecting to port {port}: no answer within {CONNECT_TIMEOUT:?}"
            ));
        }
    };
    let connector = TlsConnector::from(Arc::new(config));
    let mut tls = match tokio::time::timeout(HANDSHAKE_TIMEOUT, connector.connect(name, sock)).await
    {
        Ok(Ok(tls)) => tls,
        Ok(Err(e)) => return Err(format!("tls handshake with port {port}: {e}")),
        Err(_) => {
            return Err(format!(
                "tls handshake with port {port}: not done within {HANDSHAKE_TIMEOUT:?}"
            ));
        }
    };
    let leaf = tls
        .get_ref()
        .1
        .peer_certificates()
        .and_then(|c| c.first())
        .ok_or_else(|| format!("port {port} presented no certificate"))?
        .as_ref()
        .to_vec();
    // Be polite: close the session so the app does not log a reset.
    let _ = tokio::time::timeout(CLOSE_TIMEOUT, tls.shutdown()).await;
    Ok(ServedCertificate {
        cn: common_name(&leaf),
        sha256: Sha256::digest(&leaf)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect(),
    })
}

#[derive(Debug)]
struct AcceptAny(Arc<rustls::crypto::CryptoProvider>);

impl ServerCertVerifier for AcceptAny {
    fn verify_server_cert(
        &self,
        _: &CertificateDer<'_>,
        _: &[CertificateDer<'_>],
        _: &ServerName<'_>,
        _: &[u8],
        _: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// One DER element: (tag, contents, rest).
fn der(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = input.split_first()?;
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = if first < 0x80 {
        (first as usize, rest)
    } else {
        let n = (first & 0x7f) as usize;
        if n == 0 || n > 4 || rest.len() < n {
            return None;
        }
        let len = rest[..n]
            .iter()
            .fold(0usize, |acc, b| (acc << 8) | *b as usize);
        (len, &rest[n..])
    };
    if rest.len() < len {
        return None;
    }
    Some((tag, &rest[..len], &rest[len..]))
}

/// The subject CN of a DER certificate: Certificate → tbsCertificate → (version?) serial,
/// signature, issuer, validity, subject → RDNs → the attribute with OID 2.5.4.3.
pub fn common_name(cert: &[u8]) -> Option<String> {
    const SEQUENCE: u8 = 0x30;
    const CN_OID: &[u8] = &[0x55, 0x04, 0x03];
    let (tag, cert, _) = der(cert)?;
    if tag != SEQUENCE {
        return None;
    }
    let (_, tbs, _) = der(cert)?;
    let mut fields = tbs;
    let (tag, _, rest) = der(fields)?;
    if tag == 0xa0 {
        fields = rest; // explicit version
    }
    // serial, signature algorithm, issuer, validity, then the subject
    for _ in 0..4 {
        fields = der(fields)?.2;
    }
    let (_, subject, _) = der(fields)?;
    let mut rdns = subject;
    while let Some((_, set, rest)) = der(rdns) {
        let mut attrs = set;
        while let Some((_, attr, next)) = der(attrs) {
            let (_, oid, value) = der(attr)?;
            if oid == CN_OID {
                let (_, text, _) = der(value)?;
                return Some(String::from_utf8_lossy(text).into_owned());
            }
            attrs = next;
        }
        rdns = rest;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn der_walker_never_panics_on_garbage() {
        for len in 0..64 {
            let junk: Vec<u8> = (0..len).map(|i| (i * 37 + 11) as u8).collect();
            let _ = common_name(&junk);
        }
        assert_eq!(common_name(&[0x30, 0x82, 0xff]), None);
    }
}
