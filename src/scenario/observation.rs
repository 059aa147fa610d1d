//! Decoding the observation of an assert (`file`, `dir`, `env`, `log`, `http`, `tls`,
//! `container`, `pod`, `event`) into an [`Observation`], with its container and request.
//!
//! It owns the shape of each observation's value (absolute paths, ports, HTTP methods and
//! headers, container states, pod phases). It must not decide which predicates apply
//! (`assert`) nor how the observation is made (the runner).

use super::de::from_node_hinted;
use super::decode::{Result, quote_list};
use super::errors::closest;
use super::fields::{CONTAINER_FIELDS, HTTP_FIELDS, POD_FIELDS, TLS_FIELDS};
use super::format::{
    ContainerMatch, ContainerStateKind, HTTP_METHODS, HttpRequest, Observation, PodMatch, PodPhase,
};
use super::steps::Steps;
use super::written;
use crate::yaml::Node;

/// The kinds of observation, parsed once from an assert's key and dispatched by type (which
/// predicates apply, whether `container:` selects a container, whether a predicate is needed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum ObservationKind {
    File,
    Dir,
    Env,
    Log,
    Http,
    Tls,
    Container,
    Pod,
    Event,
}

/// Predicates on an observation's text.
const TEXT: &[&str] = &[
    "equals",
    "notEquals",
    "contains",
    "notContains",
    "matches",
    "count",
];

impl ObservationKind {
    /// Every kind, in the order the format lists them.
    pub(super) const ALL: [ObservationKind; 9] = [
        Self::File,
        Self::Dir,
        Self::Env,
        Self::Log,
        Self::Http,
        Self::Tls,
        Self::Container,
        Self::Pod,
        Self::Event,
    ];

    /// The observation's key in an assert.
    pub(super) const fn key(self) -> &'static str {
        match self {
            Self::File => "file",
            Self::Dir => "dir",
            Self::Env => "env",
            Self::Log => "log",
            Self::Http => "http",
            Self::Tls => "tls",
            Self::Container => "container",
            Self::Pod => "pod",
            Self::Event => "event",
        }
    }

    /// The kind whose key is `key`.
    pub(super) fn from_key(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.key() == key)
    }

    /// The predicates this observation takes.
    pub(super) fn predicates(self) -> &'static [&'static str] {
        match self {
            Self::File => &[
                "equals",
                "notEquals",
                "contains",
                "notContains",
                "matches",
                "count",
                "exists",
                "mode",
                "linkTarget",
            ],
            Self::Dir | Self::Env => &[
                "equals",
                "notEquals",
                "contains",
                "notContains",
                "matches",
                "count",
                "exists",
            ],
            Self::Http => &[
                "equals",
                "notEquals",
                "contains",
                "notContains",
                "matches",
                "count",
                "status",
            ],
            Self::Tls => &["cn", "sha256"],
            Self::Log | Self::Event => TEXT,
            Self::Container | Self::Pod => &[],
        }
    }

    /// Whether `container: NAME` picks the container this observation looks into.
    pub(super) fn takes_container(self) -> bool {
        matches!(
            self,
            Self::File | Self::Dir | Self::Env | Self::Http | Self::Tls
        )
    }

    /// Whether an assert on it needs a predicate (structured ones match by their own fields).
    pub(super) fn needs_predicate(self) -> bool {
        !matches!(self, Self::Container | Self::Pod | Self::Event)
    }
}

impl std::fmt::Display for ObservationKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.key())
    }
}

impl Steps<'_, '_> {
    pub(super) fn observation(
        &self,
        index: usize,
        kind: ObservationKind,
        key: &Node,
        value: &Node,
        assert: &Node,
        container: Option<String>,
    ) -> Result<Observation> {
        let cx = self.cx;
        // Observations inside a container default to the only one.
        let check_default = |container: &Option<String>| -> Result<()> {
            if container.is_none() {
                self.only_container(key, kind.key())?;
            }
            Ok(())
        };
        let path = |what: &str| -> Result<String> {
            let path = cx.string(value, what)?;
            if !path.starts_with('/') {
                return Err(cx.invalid(
                    value,
                    format!("{what} path {path:?} is not absolute"),
                    "paths are as seen inside the container, e.g. /etc/config/LOG_LEVEL"
                        .to_string(),
                ));
            }
            Ok(path)
        };
        let observation = match kind {
            ObservationKind::File => {
                check_default(&container)?;
                Observation::File {
                    path: path("file")?,
                    container,
                }
            }
            ObservationKind::Dir => {
                check_default(&container)?;
                Observation::Dir {
                    path: path("dir")?,
                    container,
                }
            }
            ObservationKind::Env => {
                check_default(&container)?;
                let name = cx.string(value, "env")?;
                if name.contains('=') {
                    return Err(cx.invalid(
                        value,
                        "an environment variable name cannot contain `=`",
                        None::<String>,
                    ));
                }
                Observation::Env { name, container }
            }
            ObservationKind::Log => {
                let container = cx.string(value, "log")?;
                self.container(value, &container, true)?;
                let since = assert
                    .get("since")
                    .map(|n| self.earlier_step(index, n, "since"))
                    .transpose()?;
                Observation::Log { container, since }
            }
            ObservationKind::Http => {
                check_default(&container)?;
                cx.fields(value, *HTTP_FIELDS, "http")?;
                let port = self.port(value, "http")?;
                let path = match value.get("path") {
                    Some(n) => {
                        let path = cx.string(n, "http.path")?;
                        if !path.starts_with('/') {
                            return Err(cx.invalid(
                                n,
                                format!("http.path {path:?} does not start with `/`"),
                                format!("write `path: /{path}`"),
                            ));
                        }
                        // It goes into the request line as written.
                        if path.chars().any(|c| c.is_whitespace() || c.is_control()) {
                            return Err(cx.invalid(
                                n,
                                format!("http.path {path:?} contains a space or control character"),
                                "percent-encode it, e.g. `%20` for a space".to_string(),
                            ));
                        }
                        path
                    }
                    None => "/".to_string(),
                };
                Observation::Http {
                    port,
                    path,
                    container,
                    request: self.http_request(value)?,
                }
            }
            ObservationKind::Tls => {
                check_default(&container)?;
                cx.fields(value, *TLS_FIELDS, "tls")?;
                Observation::Tls {
                    port: self.port(value, "tls")?,
                    container,
                }
            }
            ObservationKind::Container => Observation::Container(self.container_match(key, value)?),
            ObservationKind::Pod => {
                cx.fields(value, *POD_FIELDS, "pod")?;
                let Some(phase) = value.get("phase") else {
                    return Err(cx.missing(value, "phase", "pod", "write `pod: {phase: Running}`"));
                };
                let phases = [
                    ("Pending", PodPhase::Pending),
                    ("Running", PodPhase::Running),
                    ("Succeeded", PodPhase::Succeeded),
                    ("Failed", PodPhase::Failed),
                    ("Unknown", PodPhase::Unknown),
                ];
                Observation::Pod(PodMatch {
                    phase: Some(cx.one_of(phase, "pod phase", &phases)?),
                })
            }
            ObservationKind::Event => {
                let event: written::Event = from_node_hinted(cx, value, "event", |_| {
                    "write `event: {reason: FailedMount}`".to_string()
                })?;
                Observation::Event {
                    reason: event.reason.0,
                }
            }
        };
        Ok(observation)
    }

    /// `method:`, `headers:` and `body:` of an `http` observation.
    fn http_request(&self, node: &Node) -> Result<HttpRequest> {
        let cx = self.cx;
        let mut request = HttpRequest::default();
        if let Some(n) = node.get("method") {
            let written = cx.string(n, "http.method")?;
            let upper = written.to_ascii_uppercase();
            if !HTTP_METHODS.contains(&written.as_str()) {
                let hint = if HTTP_METHODS.contains(&upper.as_str()) {
                    format!("methods are uppercase: `{upper}`")
                } else {
                    match closest(&upper, HTTP_METHODS) {
                        Some(close) => format!("did you mean `{close}`?"),
                        None => format!("methods are {}", quote_list(HTTP_METHODS)),
                    }
                };
                return Err(cx.invalid(n, format!("unknown http.method {written:?}"), hint));
            }
            request.method = written;
        }
        if let Some(n) = node.get("headers") {
            for (key, value) in cx.mapping(n, "http.headers")? {
                let name = cx.string(key, "a header name")?;
                // RFC 9110 token characters: anything else would corrupt the request.
                let token = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c);
                if !name.chars().all(token) {
                    return Err(cx.invalid(
                        key,
                        format!("header name {name:?} is not a valid HTTP token"),
                        "header names are letters, digits and !#$%&'*+-.^_`|~, e.g. `X-Request-Id`"
                            .to_string(),
                    ));
                }
                if request
                    .headers
                    .iter()
                    .any(|(seen, _)| seen.eq_ignore_ascii_case(&name))
                {
                    return Err(cx.invalid(
                        key,
                        format!("header {name:?} is given twice"),
                        "header names are case-insensitive; keep one".to_string(),
                    ));
                }
                let text = cx.text(value, &format!("http.headers.{name}"))?;
                if text.contains(['\r', '\n', '\0']) {
                    return Err(cx.invalid(
                        value,
                        format!("header {name:?} contains a line break or NUL"),
                        "a header value is one line".to_string(),
                    ));
                }
                if name.eq_ignore_ascii_case("Content-Length")
                    || name.eq_ignore_ascii_case("Transfer-Encoding")
                {
                    return Err(cx.invalid(
                        key,
                        format!("header {name:?} is set by kubedrill"),
                        "write `body:`; kubedrill sends its Content-Length".to_string(),
                    ));
                }
                request.headers.push((name, text));
            }
        }
        if let Some(n) = node.get("body") {
            if matches!(request.method.as_str(), "GET" | "HEAD") {
                return Err(cx.invalid(
                    n,
                    format!("a {} request has no body", request.method),
                    "add `method: POST` (or PUT, PATCH…)".to_string(),
                ));
            }
            request.body = Some(cx.text(n, "http.body")?);
        }
        Ok(request)
    }

    fn port(&self, node: &Node, what: &str) -> Result<u16> {
        let cx = self.cx;
        let Some(port) = node.get("port") else {
            return Err(cx.missing(
                node,
                "port",
                what,
                &format!("write `{what}: {{port: 8000}}`"),
            ));
        };
        match cx.integer(port, "port", u64::from(u16::MAX))? {
            0 => Err(cx.invalid(port, "port must be 1 to 65535", None::<String>)),
            value => Ok(u16::try_from(value).unwrap_or(u16::MAX)),
        }
    }

    fn container_match(&self, key: &Node, node: &Node) -> Result<ContainerMatch> {
        let cx = self.cx;
        cx.fields(node, *CONTAINER_FIELDS, "container")?;
        let name = match node.get("name") {
            Some(n) => {
                let name = cx.string(n, "container.name")?;
                self.container(n, &name, true)?;
                Some(name)
            }
            None => {
                self.only_container(key, "container")?;
                None
            }
        };
        let states = [
            ("running", ContainerStateKind::Running),
            ("waiting", ContainerStateKind::Waiting),
            ("terminated", ContainerStateKind::Terminated),
        ];
        let state = node
            .get("state")
            .map(|n| cx.one_of(n, "container state", &states))
            .transpose()?;
        let reason = node
            .get("reason")
            .map(|n| cx.string(n, "container.reason"))
            .transpose()?;
        let restarts = node
            .get("restarts")
            .map(|n| {
                cx.integer(n, "restarts", u64::from(u32::MAX))
                    .map(|r| u32::try_from(r).unwrap_or(u32::MAX))
            })
            .transpose()?;
        if state.is_none() && reason.is_none() && restarts.is_none() {
            return Err(cx.structure(
                node,
                "container: {…} checks nothing",
                "add state (running, waiting, terminated), reason or restarts".to_string(),
            ));
        }
        Ok(ContainerMatch {
            name,
            state,
            reason,
            restarts,
        })
    }
}
