//! The `tls` observation's certificate facts, checked against the committed test certificates.

use base64::Engine;
use kubedrill::backend::tls::common_name;

/// The DER leaf of `scenarios/manifests/tls-<v>.yaml` (base64 of a PEM, inside a Secret).
fn leaf(v: &str) -> Vec<u8> {
    let path = format!(
        "{}/scenarios/manifests/tls-{v}.yaml",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(path).unwrap();
    let b64 = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("tls.crt: "))
        .unwrap();
    let pem = base64::engine::general_purpose::STANDARD
        .decode(b64)
        .unwrap();
    let pem = String::from_utf8(pem).unwrap();
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    base64::engine::general_purpose::STANDARD
        .decode(body)
        .unwrap()
}

#[test]
fn common_name_of_the_test_certificates() {
    assert_eq!(common_name(&leaf("v1")).as_deref(), Some("python-app-v1"));
    assert_eq!(common_name(&leaf("v2")).as_deref(), Some("python-app-v2"));
}

#[test]
fn truncated_certificates_yield_no_name() {
    let der = leaf("v1");
    for cut in [0, 1, 2, 10, 100, der.len() / 2] {
        assert_eq!(common_name(&der[..cut]), None, "cut at {cut}");
    }
}
