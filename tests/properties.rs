//! Property tests of invariants outside the AtomicWriter: loaders never panic on damaged input,
//! key validation agrees with the spec's rule (§8.1), `$(VAR)` expansion (§6.5) keeps text
//! without references as it is.

use std::path::Path;

use kubedrill::api::manifest::load_str;
use kubedrill::api::validation::config_map_key_errors;
use kubedrill::kubelet::env::expand;
use proptest::prelude::*;

const MANIFEST: &str = r#"apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
data:
  LOG_LEVEL: "INFO"
  app.conf: |
    [database]
    host=db-svc
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    spec:
      containers:
        - name: app
          image: x
          envFrom: [{configMapRef: {name: settings}}]
          volumeMounts: [{name: cfg, mountPath: /etc/config}]
      volumes:
        - name: cfg
          configMap: {name: settings, defaultMode: 0400, items: [{key: app.conf, path: app.conf}]}
"#;

/// §8.1 as written in the spec, independently of the implementation.
fn spec_key_ok(k: &str) -> bool {
    !k.is_empty()
        && k.len() <= 253
        && k.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.')
        && k != "."
        && k != ".."
        && !k.starts_with("..")
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Truncating, cutting lines out of, or overwriting bytes of a valid manifest gives an
    /// error or a result — never a panic — and an error always names the file.
    #[test]
    fn manifest_loader_never_panics(cut in 0usize..MANIFEST.len(), drop_line in 0usize..40,
                                    at in 0usize..MANIFEST.len(), byte in any::<u8>()) {
        let file = Path::new("damaged.yaml");
        let truncated = &MANIFEST[..MANIFEST.floor_char_boundary(cut)];
        let dropped: String = MANIFEST
            .lines()
            .enumerate()
            .filter(|(i, _)| *i != drop_line)
            .map(|(_, l)| format!("{l}\n"))
            .collect();
        let mut bytes = MANIFEST.as_bytes().to_vec();
        bytes[at] = byte;
        let overwritten = String::from_utf8_lossy(&bytes).into_owned();
        for text in [truncated, dropped.as_str(), overwritten.as_str()] {
            if let Err(e) = load_str(text, file) {
                prop_assert!(e.to_string().contains("damaged.yaml"), "{}", e);
            }
        }
    }

    /// Key validation accepts exactly the keys §8.1 allows.
    #[test]
    fn api_8_1_key_rule_matches_the_spec(key in "[-._a-zA-Z0-9 /:]{0,12}|\\.{1,3}[a-z]{0,3}|[a-z]{250,256}") {
        prop_assert_eq!(config_map_key_errors(&key).is_empty(), spec_key_ok(&key), "{:?}", key);
    }

    /// §6.5: text without `$` is never changed; `$$` always becomes `$`.
    #[test]
    fn env_6_5_expansion_leaves_plain_text_and_unescapes(text in "[a-zA-Z0-9 (){}:_-]{0,40}") {
        let lookup = |_: &str| Some("X".to_string());
        prop_assert_eq!(expand(&text, lookup), text.clone());
        let escaped = format!("$${text}");
        prop_assert_eq!(expand(&escaped, lookup), format!("${text}"));
    }
}
