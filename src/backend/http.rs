//! The `http` observation: one HTTP/1.1 request to the pod on loopback, async, so the
//! scenario's runtime keeps running while the app takes its time to answer.
//!
//! The request is what `curl http://127.0.0.1:PORT/PATH` sends (`Host: 127.0.0.1:PORT`, a
//! `User-Agent`, `Accept: */*`), plus `Connection: close` as kubelet's httpGet probes send: a
//! server with a host-matched site answers kubedrill as it answers curl and kubelet. The
//! scenario's `headers:` replace these defaults by name. The response is read by its framing
//! (`Content-Length`, chunked, or up to end of file), so a server that keeps the connection
//! open anyway does not stall the step.

use std::time::Duration;

use tokio::io::{AsyncBufRead, AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

use super::Observed;
use crate::scenario::format::HttpRequest;

/// How long connecting to the port may take.
const CONNECT_TIMEOUT: Duration = Duration::from_millis(500);
/// How long sending the request and reading the whole response may take.
const EXCHANGE_TIMEOUT: Duration = Duration::from_secs(2);
/// The largest response head (status line and headers) read.
const MAX_HEAD: usize = 64 * 1024;
/// The largest body kept; a bigger one is an unavailable observation, not an OOM.
const MAX_BODY: usize = 16 * 1024 * 1024;

/// What a server answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpResponse {
    /// The final status code (after any `1xx` interim responses).
    pub status: u16,
    /// The decoded body (chunked framing removed), lossily as UTF-8.
    pub body: String,
}

/// The request bytes kubedrill sends for `path` on `127.0.0.1:port`.
pub fn request_bytes(port: u16, path: &str, request: &HttpRequest) -> Vec<u8> {
    let mut headers: Vec<(String, String)> = vec![
        ("Host".into(), format!("127.0.0.1:{port}")),
        (
            "User-Agent".into(),
            concat!("kubedrill/", env!("CARGO_PKG_VERSION")).into(),
        ),
        ("Accept".into(), "*/*".into()),
        ("Connection".into(), "close".into()),
    ];
    for (name, value) in &request.headers {
        match headers
            .iter_mut()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
        {
            Some(slot) => *slot = (name.clone(), value.clone()),
            None => headers.push((name.clone(), value.clone())),
        }
    }
    if let Some(body) = &request.body {
        headers.push(("Content-Length".into(), body.len().to_string()));
    }
    let mut out = format!("{} {path} HTTP/1.1\r\n", request.method);
    for (name, value) in &headers {
        out += &format!("{name}: {value}\r\n");
    }
    out += "\r\n";
    let mut out = out.into_bytes();
    if let Some(body) = &request.body {
        out.extend_from_slice(body.as_bytes());
    }
    out
}

/// Sends the request to `127.0.0.1:port` and reads the response. A closed port, a timeout or
/// a malformed response is [`Observed::Unavailable`] (an eventual assertion keeps polling).
pub async fn observe_http(port: u16, path: &str, request: &HttpRequest) -> Observed {
    match exchange(port, path, request).await {
        Ok(r) => Observed::Http {
            status: r.status,
            body: r.body,
        },
        Err(e) => Observed::Unavailable(e),
    }
}

/// One request and its response, with the timeouts applied.
pub async fn exchange(
    port: u16,
    path: &str,
    request: &HttpRequest,
) -> Result<HttpResponse, String> {
    let connect = TcpStream::connect(("127.0.0.1", port));
    let mut stream = match tokio::time::timeout(CONNECT_TIMEOUT, connect).await {
        Ok(Ok(s)) => s,
        Ok(Err(e)) => return Err(format!("connecting to port {port}: {e}")),
        Err(_) => {
            return Err(format!(
                "connecting to port {port}: no answer within {CONNECT_TIMEOUT:?}"
            ));
        }
    };
    let bytes = request_bytes(port, path, request);
    let head_only = request.method == "HEAD";
    let talk = async {
        stream
            .write_all(&bytes)
            .await
            .map_err(|e| format!("sending to port {port}: {e}"))?;
        let mut reader = BufReader::new(&mut stream);
        read_response(&mut reader, head_only)
            .await
            .map_err(|e| format!("reading from port {port}: {e}"))
    };
    match tokio::time::timeout(EXCHANGE_TIMEOUT, talk).await {
        Ok(result) => result,
        Err(_) => Err(format!(
            "port {port} did not answer within {EXCHANGE_TIMEOUT:?}"
        )),
    }
}

/// Reads one response: interim `1xx` heads are skipped; the body is framed by the method,
/// the status, `Transfer-Encoding: chunked`, `Content-Length` or end of file (RFC 9112 §6.3).
pub async fn read_response<R: AsyncBufRead + Unpin>(
    reader: &mut R,
    head_only: bool,
) -> Result<HttpResponse, String> {
    loop {
        let (status, headers) = read_head(reader).await?;
        if (100..200).contains(&status) && status != 101 {
            continue;
        }
        let header = |name: &str| {
            headers
                .iter()
                .rev()
                .find(|(n, _)| n.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.as_str())
        };
        let body = if head_only || status == 204 || status == 304 || status == 101 {
            Vec::new()
        } else if header("Transfer-Encoding")
            .is_some_and(|te| te.to_ascii_lowercase().contains("chunked"))
        {
            read_chunked(reader).await?
        } else if let Some(length) = header("Content-Length") {
            let length: usize = length
                .trim()
                .parse()
                .map_err(|_| format!("invalid Content-Length {length:?}"))?;
            if length > MAX_BODY {
                return Err(format!("body of {length} bytes is over {MAX_BODY}"));
            }
            let mut body = vec![0; length];
            reader
                .read_exact(&mut body)
                .await
                .map_err(|e| format!("body shorter than its Content-Length {length}: {e}"))?;
            body
        } else {
            let mut body = Vec::new();
            (&mut *reader)
                .take(MAX_BODY as u64 + 1)
                .read_to_end(&mut body)
                .await
                .map_err(|e| e.to_string())?;
            if body.len() > MAX_BODY {
                return Err(format!("body is over {MAX_BODY} bytes"));
            }
            body
        };
        return Ok(HttpResponse {
            status,
            body: String::from_utf8_lossy(&body).into_owned(),
        });
    }
}

/// One line (without CRLF), at most `MAX_HEAD` bytes; `None` at end of file.
async fn read_line<R: AsyncBufRead + Unpin>(reader: &mut R) -> Result<Option<String>, String> {
    let mut line = Vec::new();
    let n = (&mut *reader)
        .take(MAX_HEAD as u64)
        .read_until(b'\n', &mut line)
        .await
        .map_err(|e| e.to_string())?;
    if n == 0 {
        return Ok(None);
    }
    if line.last() != Some(&b'\n') {
        if n >= MAX_HEAD {
            return Err(format!("a response line is over {MAX_HEAD} bytes"));
        }
        return Err("connection closed in the middle of the response head".into());
    }
    while matches!(line.last(), Some(b'\n' | b'\r')) {
        line.pop();
    }
    Ok(Some(String::from_utf8_lossy(&line).into_owned()))
}

/// The status line and the headers.
async fn read_head<R: AsyncBufRead + Unpin>(
    reader: &mut R,
) -> Result<(u16, Vec<(String, String)>), String> {
    let Some(status_line) = read_line(reader).await? else {
        return Err("connection closed without a response".into());
    };
    let mut parts = status_line.split_whitespace();
    let version = parts.next().unwrap_or_default();
    let status = parts
        .next()
        .and_then(|s| s.parse::<u16>().ok())
        .filter(|_| version.starts_with("HTTP/"))
        .ok_or_else(|| format!("not an HTTP response: {status_line:?}"))?;
    let mut headers = Vec::new();
    let mut size = status_line.len();
    loop {
        let Some(line) = read_line(reader).await? else {
            return Err("connection closed in the middle of the response head".into());
        };
        if line.is_empty() {
            return Ok((status, headers));
        }
        size += line.len();
        if size > MAX_HEAD {
            return Err(format!("response head is over {MAX_HEAD} bytes"));
        }
        if let Some((name, value)) = line.split_once(':') {
            headers.push((name.trim().to_string(), value.trim().to_string()));
        }
    }
}

/// A chunked body: `SIZE[;ext]` CRLF data CRLF … `0` CRLF trailers CRLF.
async fn read_chunked<R: AsyncBufRead + Unpin>(reader: &mut R) -> Result<Vec<u8>, String> {
    let mut body = Vec::new();
    loop {
        let Some(line) = read_line(reader).await? else {
            return Err("connection closed in the middle of a chunked body".into());
        };
        let size_text = line.split(';').next().unwrap_or_default().trim();
        let size = usize::from_str_radix(size_text, 16)
            .map_err(|_| format!("invalid chunk size {line:?}"))?;
        if size == 0 {
            // Trailers, up to the empty line (or end of file from a lax server).
            while let Some(trailer) = read_line(reader).await? {
                if trailer.is_empty() {
                    break;
                }
            }
            return Ok(body);
        }
        if body.len() + size > MAX_BODY {
            return Err(format!("body is over {MAX_BODY} bytes"));
        }
        let start = body.len();
        body.resize(start + size, 0);
        reader
            .read_exact(&mut body[start..])
            .await
            .map_err(|e| format!("chunk shorter than its size {size}: {e}"))?;
        match read_line(reader).await? {
            Some(rest) if rest.is_empty() => {}
            _ => return Err("a chunk does not end with CRLF".into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(raw: &[u8], head_only: bool) -> Result<HttpResponse, String> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("a runtime");
        let mut reader = BufReader::new(raw);
        rt.block_on(read_response(&mut reader, head_only))
    }

    #[test]
    fn default_request_is_what_curl_sends_with_connection_close() {
        let text = String::from_utf8(request_bytes(8080, "/health?x=1", &HttpRequest::default()))
            .expect("ascii");
        let version = env!("CARGO_PKG_VERSION");
        assert_eq!(
            text,
            format!(
                "GET /health?x=1 HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nUser-Agent: kubedrill/{version}\r\nAccept: */*\r\nConnection: close\r\n\r\n"
            )
        );
    }

    #[test]
    fn headers_replace_defaults_case_insensitively_and_body_gets_a_length() {
        let request = HttpRequest {
            method: "POST".into(),
            headers: vec![
                ("host".into(), "app.example".into()),
                ("X-Trace".into(), "1".into()),
            ],
            body: Some("héllo".into()),
        };
        let text = String::from_utf8(request_bytes(80, "/", &request)).expect("utf-8");
        assert!(
            text.starts_with("POST / HTTP/1.1\r\nhost: app.example\r\n"),
            "{text}"
        );
        assert!(!text.contains("127.0.0.1"), "{text}");
        assert!(
            text.ends_with("X-Trace: 1\r\nContent-Length: 6\r\n\r\nhéllo"),
            "{text}"
        );
    }

    #[test]
    fn content_length_body_stops_at_its_length() {
        let r = parse(
            b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 4\r\n\r\ndownEXTRA",
            false,
        );
        assert_eq!(
            r,
            Ok(HttpResponse {
                status: 503,
                body: "down".into()
            })
        );
    }

    #[test]
    fn chunked_body_is_decoded_with_extensions_and_trailers() {
        let raw = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;x=y\r\nhello\r\n7\r\n, world\r\n0\r\nX-T: 1\r\n\r\n";
        assert_eq!(parse(raw, false).map(|r| r.body), Ok("hello, world".into()));
    }

    #[test]
    fn interim_continue_is_skipped_and_head_has_no_body() {
        let raw = b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n";
        assert_eq!(
            parse(raw, true),
            Ok(HttpResponse {
                status: 200,
                body: String::new()
            })
        );
    }

    #[test]
    fn http_1_0_body_runs_to_end_of_file() {
        let raw = b"HTTP/1.0 200 OK\r\nServer: x\r\n\r\nline 1\nline 2\n";
        assert_eq!(
            parse(raw, false).map(|r| r.body),
            Ok("line 1\nline 2\n".into())
        );
    }

    #[test]
    fn malformed_responses_are_errors_not_panics() {
        for raw in [
            &b""[..],
            b"garbage\r\n\r\n",
            b"HTTP/1.1 abc OK\r\n\r\n",
            b"HTTP/1.1 200 OK\r\nContent-Length: nope\r\n\r\n",
            b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort",
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhelloX",
            b"HTTP/1.1 200 OK\r\nContent-Le",
        ] {
            assert!(
                parse(raw, false).is_err(),
                "{:?}",
                String::from_utf8_lossy(raw)
            );
        }
    }
}
