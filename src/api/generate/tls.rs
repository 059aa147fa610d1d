//! `kubectl create secret tls`'s one check: Go's `tls.X509KeyPair(cert, key)`
//! (`crypto/tls/tls.go`), with its messages. The PEM blocks are found like `pem.Decode`; the
//! first `CERTIFICATE` is parsed and its public key compared with the private key's (rustls:
//! `CertifiedKey::keys_match`, which compares SubjectPublicKeyInfo bytes).
//!
//! Known gaps against Go: keys ring cannot load (RSA under 2048 bits, ECDSA P-521) are
//! reported as unparsable here while Go accepts them; an RSA key with an ECDSA certificate
//! says "does not match" where Go says "type does not match".

use std::sync::Arc;

use base64::Engine;
use rustls::pki_types::{
    CertificateDer, PrivateKeyDer, PrivatePkcs1KeyDer, PrivatePkcs8KeyDer, PrivateSec1KeyDer,
};
use rustls::sign::CertifiedKey;

/// One PEM block: its type (`CERTIFICATE`, `RSA PRIVATE KEY`, …) and decoded bytes.
struct Block {
    label: String,
    der: Vec<u8>,
}

/// `pem.Decode` applied until nothing is left: every well-formed block, in order (headers
/// such as `Proc-Type:` skipped; blocks whose body is not base64 skipped, as Go does).
fn blocks(input: &[u8]) -> Vec<Block> {
    let text = String::from_utf8_lossy(input);
    let mut out = Vec::new();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        let Some(label) = line
            .trim_end()
            .strip_prefix("-----BEGIN ")
            .and_then(|rest| rest.strip_suffix("-----"))
        else {
            continue;
        };
        let end = format!("-----END {label}-----");
        let mut body = String::new();
        let mut closed = false;
        for line in lines.by_ref() {
            let line = line.trim();
            if line == end {
                closed = true;
                break;
            }
            if !line.contains(':') {
                body.push_str(line);
            }
        }
        if !closed {
            break;
        }
        if let Ok(der) = base64::engine::general_purpose::STANDARD.decode(body.as_bytes()) {
            out.push(Block {
                label: label.to_string(),
                der,
            });
        }
    }
    out
}

/// `fmt.Sprintf("%v", []string{…})`: `[A B]`.
fn go_list(items: &[String]) -> String {
    format!("[{}]", items.join(" "))
}

/// `tls.X509KeyPair`: `Ok` when `cert` holds a certificate whose public key matches the
/// private key in `key`; otherwise Go's message.
pub(crate) fn check_key_pair(cert: &[u8], key: &[u8]) -> Result<(), String> {
    let mut certs = Vec::new();
    let mut skipped = Vec::new();
    for block in blocks(cert) {
        if block.label == "CERTIFICATE" {
            certs.push(CertificateDer::from(block.der));
        } else {
            skipped.push(block.label);
        }
    }
    if certs.is_empty() {
        return Err(if skipped.is_empty() {
            "tls: failed to find any PEM data in certificate input".to_string()
        } else if skipped.len() == 1 && skipped[0].ends_with("PRIVATE KEY") {
            "tls: failed to find certificate PEM data in certificate input, but did find a private key; PEM inputs may have been switched".to_string()
        } else {
            format!(
                "tls: failed to find \"CERTIFICATE\" PEM block in certificate input after skipping PEM blocks of the following types: {}",
                go_list(&skipped)
            )
        });
    }
    let mut skipped = Vec::new();
    let mut key_der = None;
    for block in blocks(key) {
        if block.label == "PRIVATE KEY" || block.label.ends_with(" PRIVATE KEY") {
            key_der = Some(block.der);
            break;
        }
        skipped.push(block.label);
    }
    let Some(key_der) = key_der else {
        return Err(if skipped.is_empty() {
            "tls: failed to find any PEM data in key input".to_string()
        } else if skipped.len() == 1 && skipped[0] == "CERTIFICATE" {
            "tls: found a certificate rather than a key in the PEM for the private key".to_string()
        } else {
            format!(
                "tls: failed to find PEM block with type ending in \"PRIVATE KEY\" in key input after skipping PEM blocks of the following types: {}",
                go_list(&skipped)
            )
        });
    };
    // Go's parsePrivateKey tries PKCS #1, then PKCS #8, then SEC 1, whatever the label says.
    let candidates = [
        PrivateKeyDer::Pkcs1(PrivatePkcs1KeyDer::from(key_der.clone())),
        PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key_der.clone())),
        PrivateKeyDer::Sec1(PrivateSec1KeyDer::from(key_der)),
    ];
    let signing_key = candidates
        .iter()
        .find_map(|der| rustls::crypto::ring::sign::any_supported_type(der).ok())
        .ok_or_else(|| "tls: failed to parse private key".to_string())?;
    let pair = CertifiedKey::new(certs, Arc::clone(&signing_key));
    match pair.keys_match() {
        Ok(()) => Ok(()),
        Err(rustls::Error::InconsistentKeys(rustls::InconsistentKeys::KeyMismatch)) => {
            Err("tls: private key does not match public key".to_string())
        }
        Err(rustls::Error::InconsistentKeys(rustls::InconsistentKeys::Unknown)) => {
            Err("tls: unknown public key algorithm".to_string())
        }
        Err(_) => Err("x509: malformed certificate".to_string()),
    }
}
