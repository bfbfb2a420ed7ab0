//! Stateful HTTP doubles of provider APIs (feature `http-double`).
//!
//! A double is a loopback HTTP server that answers one provider's REST
//! (or GraphQL) dialect the way the provider's documentation says, backed
//! by the state of an in-memory fake from [`crate::fake`]. A real adapter
//! pointed at [`HttpDouble::base_url`] then goes through its whole path
//! (request building, auth headers, paging, decoding, error mapping) and
//! a create followed by a get, list, update and delete is checked end to
//! end, which a scripted `wiremock` exchange cannot do.
//!
//! Each dialect implements [`Api`]: one async function from an
//! [`ApiRequest`] to an [`ApiResponse`]. [`ApiRequest::route`] matches a
//! method and a path pattern (`/repos/{owner}/{repo}/pulls/{number}`) and
//! returns the captured segments, percent-decoded. Every request is
//! recorded ([`HttpDouble::requests`]) so tests can assert what was sent.
//!
//! ```text
//! let double = HttpDouble::start(MyApi::new(fake.clone())).await?;
//! let provider = Adapter::new(config_with(double.base_url()))?;
//! conformance::git::run(&provider, &setup).await.assert_passed();
//! ```

pub mod bookstack;
mod citr_util;
pub mod confluence;
pub mod forge;
pub mod github;
pub mod github_actions;
pub mod gitlab;
pub mod gitlab_ci;
pub mod jenkins;
pub mod jira;
mod kb_common;
pub mod linear;
pub mod notion;
pub mod wikijs;
pub mod woodpecker;

use std::convert::Infallible;
use std::fmt;
use std::net::SocketAddr;
use std::sync::Arc;

use bytes::Bytes;
use http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use parking_lot::Mutex;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

/// One provider API dialect served by an [`HttpDouble`].
#[async_trait::async_trait]
pub trait Api: Send + Sync + 'static {
    /// Answer one request.
    async fn handle(&self, request: ApiRequest) -> ApiResponse;
}

/// A request as the double received it, body read.
#[derive(Debug, Clone)]
pub struct ApiRequest {
    /// The method.
    pub method: Method,
    /// The path, still percent-encoded, without the query.
    pub path: String,
    /// The query pairs, decoded, in order.
    pub query: Vec<(String, String)>,
    /// The headers.
    pub headers: HeaderMap,
    /// The body.
    pub body: Bytes,
    /// `http://127.0.0.1:<port>` of the double, for absolute links.
    pub origin: String,
}

impl ApiRequest {
    /// The first value of query parameter `name`.
    pub fn query(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Query parameter `name` parsed as a number, or `default` when absent
    /// or not a number.
    pub fn query_num<T: std::str::FromStr>(&self, name: &str, default: T) -> T {
        self.query(name)
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    }

    /// One header as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The body decoded as JSON; a body that does not decode answers 422
    /// with a message naming the JSON error.
    #[allow(clippy::result_large_err)] // the error is the answer to send
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, ApiResponse> {
        serde_json::from_slice(&self.body).map_err(|e| {
            ApiResponse::json(
                StatusCode::UNPROCESSABLE_ENTITY,
                &serde_json::json!({ "message": format!("invalid JSON body: {e}") }),
            )
        })
    }

    /// The captured segments when this request is `method` on a path of
    /// the shape `pattern`, where `{name}` matches one segment and a final
    /// `{name*}` matches the rest of the path (slashes included). Captures
    /// are percent-decoded.
    pub fn route(&self, method: &str, pattern: &str) -> Option<Vec<String>> {
        if self.method.as_str() != method {
            return None;
        }
        match_path(&self.path, pattern)
    }
}

/// Match `path` against `pattern` (see [`ApiRequest::route`]).
#[allow(clippy::while_let_on_iterator)] // `want` is peeked
pub fn match_path(path: &str, pattern: &str) -> Option<Vec<String>> {
    let mut got = path.trim_end_matches('/').split('/');
    let mut caps = Vec::new();
    let mut want = pattern.trim_end_matches('/').split('/').peekable();
    while let Some(p) = want.next() {
        if p.starts_with('{') && p.ends_with("*}") {
            let rest: Vec<&str> = got.by_ref().collect();
            if rest.is_empty() {
                return None;
            }
            caps.push(decode(&rest.join("/")));
            return Some(caps);
        }
        let g = got.next()?;
        if p.starts_with('{') && p.ends_with('}') {
            if g.is_empty() {
                return None;
            }
            caps.push(decode(g));
        } else if p != g {
            return None;
        }
    }
    got.next().is_none().then_some(caps)
}

fn decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
            if let Some(b) = hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The answer to one request.
#[derive(Debug, Clone)]
pub struct ApiResponse {
    /// The status.
    pub status: StatusCode,
    /// The headers.
    pub headers: HeaderMap,
    /// The body.
    pub body: Bytes,
}

impl ApiResponse {
    /// `status` with `value` as a JSON body.
    pub fn json<T: Serialize + ?Sized>(status: StatusCode, value: &T) -> ApiResponse {
        let body = serde_json::to_vec(value).unwrap_or_else(|_| b"null".to_vec());
        let mut headers = HeaderMap::new();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        ApiResponse {
            status,
            headers,
            body: body.into(),
        }
    }

    /// 200 with `value` as JSON.
    pub fn ok<T: Serialize + ?Sized>(value: &T) -> ApiResponse {
        ApiResponse::json(StatusCode::OK, value)
    }

    /// 201 with `value` as JSON.
    pub fn created<T: Serialize + ?Sized>(value: &T) -> ApiResponse {
        ApiResponse::json(StatusCode::CREATED, value)
    }

    /// `status` with no body.
    pub fn empty(status: StatusCode) -> ApiResponse {
        ApiResponse {
            status,
            headers: HeaderMap::new(),
            body: Bytes::new(),
        }
    }

    /// `status` with a body of `content_type`.
    pub fn bytes(status: StatusCode, content_type: &str, body: impl Into<Bytes>) -> ApiResponse {
        let mut headers = HeaderMap::new();
        if let Ok(v) = HeaderValue::from_str(content_type) {
            headers.insert(header::CONTENT_TYPE, v);
        }
        ApiResponse {
            status,
            headers,
            body: body.into(),
        }
    }

    /// `status` with the JSON error body `{"message": message}` that many
    /// REST APIs use.
    pub fn message(status: StatusCode, message: impl fmt::Display) -> ApiResponse {
        ApiResponse::json(
            status,
            &serde_json::json!({ "message": message.to_string() }),
        )
    }

    /// Add a header (an invalid value is left out).
    pub fn with_header(mut self, name: &'static str, value: impl AsRef<str>) -> ApiResponse {
        if let Ok(v) = HeaderValue::from_str(value.as_ref()) {
            self.headers.append(name, v);
        }
        self
    }

    /// Add `Link: <next>; rel="next"` when `next` is given.
    pub fn with_next_link(self, next: Option<String>) -> ApiResponse {
        match next {
            Some(url) => self.with_header("link", format!("<{url}>; rel=\"next\"")),
            None => self,
        }
    }
}

/// One page of `items` by 1-based `page` and `size`, and whether another
/// page follows: the page-number paging most REST APIs use.
pub fn page_of<T: Clone>(items: &[T], page: usize, size: usize) -> (Vec<T>, bool) {
    let size = size.max(1);
    let start = page.saturating_sub(1).saturating_mul(size);
    let slice: Vec<T> = items.iter().skip(start).take(size).cloned().collect();
    let more = start.saturating_add(size) < items.len();
    (slice, more)
}

/// `origin` + `path` with the query pairs of `request` and `name` set to
/// `value` (added or replaced): the URL of another page of the same list.
pub fn url_with(request: &ApiRequest, name: &str, value: impl fmt::Display) -> String {
    let mut pairs: Vec<(String, String)> = request
        .query
        .iter()
        .filter(|(k, _)| k != name)
        .cloned()
        .collect();
    pairs.push((name.to_owned(), value.to_string()));
    let query: Vec<String> = pairs
        .iter()
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect();
    format!("{}{}?{}", request.origin, request.path, query.join("&"))
}

fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A request as recorded by an [`HttpDouble`].
#[derive(Debug, Clone)]
pub struct Recorded {
    /// The method.
    pub method: Method,
    /// The path and query as sent.
    pub target: String,
    /// The headers.
    pub headers: HeaderMap,
    /// The body, when JSON.
    pub json: Option<Value>,
    /// The status answered.
    pub status: StatusCode,
}

/// A running double: a loopback server answering with an [`Api`]. It
/// stops when dropped.
pub struct HttpDouble {
    addr: SocketAddr,
    log: Arc<Mutex<Vec<Recorded>>>,
    task: JoinHandle<()>,
}

impl fmt::Debug for HttpDouble {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpDouble")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

impl HttpDouble {
    /// Serve `api` on a free loopback port.
    pub async fn start(api: impl Api) -> std::io::Result<HttpDouble> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let api: Arc<dyn Api> = Arc::new(api);
        let log = Arc::new(Mutex::new(Vec::new()));
        let origin = format!("http://{addr}");
        let task = tokio::spawn(serve(listener, api, log.clone(), origin));
        Ok(HttpDouble { addr, log, task })
    }

    /// `http://127.0.0.1:<port>`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Every request so far, in order.
    pub fn requests(&self) -> Vec<Recorded> {
        self.log.lock().clone()
    }
}

impl Drop for HttpDouble {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn serve(
    listener: TcpListener,
    api: Arc<dyn Api>,
    log: Arc<Mutex<Vec<Recorded>>>,
    origin: String,
) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let api = api.clone();
        let log = log.clone();
        let origin = origin.clone();
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |req| {
                answer(api.clone(), log.clone(), origin.clone(), req)
            });
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

async fn answer(
    api: Arc<dyn Api>,
    log: Arc<Mutex<Vec<Recorded>>>,
    origin: String,
    req: hyper::Request<Incoming>,
) -> Result<hyper::Response<Full<Bytes>>, Infallible> {
    let (parts, body) = req.into_parts();
    let body = body
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    let target = parts
        .uri
        .path_and_query()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| parts.uri.path().to_owned());
    let query = parts
        .uri
        .query()
        .map(|q| {
            q.split('&')
                .filter(|p| !p.is_empty())
                .map(|p| {
                    let (k, v) = p.split_once('=').unwrap_or((p, ""));
                    (decode(&k.replace('+', " ")), decode(&v.replace('+', " ")))
                })
                .collect()
        })
        .unwrap_or_default();
    let request = ApiRequest {
        method: parts.method.clone(),
        path: parts.uri.path().to_owned(),
        query,
        headers: parts.headers.clone(),
        body: body.clone(),
        origin,
    };
    let resp = api.handle(request).await;
    log.lock().push(Recorded {
        method: parts.method,
        target,
        headers: parts.headers,
        json: serde_json::from_slice(&body).ok(),
        status: resp.status,
    });
    let mut out = hyper::Response::new(Full::new(resp.body));
    *out.status_mut() = resp.status;
    *out.headers_mut() = resp.headers;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_capture_and_decode_segments() {
        assert_eq!(
            match_path("/repos/acme/we%20b/pulls/7", "/repos/{o}/{r}/pulls/{n}"),
            Some(vec!["acme".into(), "we b".into(), "7".into()])
        );
        assert_eq!(match_path("/repos/acme/web", "/repos/{o}/{r}/pulls"), None);
        assert_eq!(
            match_path(
                "/repos/a/b/contents/docs/x.md",
                "/repos/{o}/{r}/contents/{p*}"
            ),
            Some(vec!["a".into(), "b".into(), "docs/x.md".into()])
        );
        assert_eq!(match_path("/a/b/c", "/a/b"), None);
        assert_eq!(decode("%zz%41"), "%zzA");
    }

    #[test]
    fn pages_by_number() {
        let items: Vec<u32> = (1..=5).collect();
        assert_eq!(page_of(&items, 1, 2), (vec![1, 2], true));
        assert_eq!(page_of(&items, 3, 2), (vec![5], false));
        assert_eq!(page_of(&items, 4, 2), (vec![], false));
    }

    struct Echo;

    #[async_trait::async_trait]
    impl Api for Echo {
        async fn handle(&self, r: ApiRequest) -> ApiResponse {
            match r.route("GET", "/things/{id}") {
                Some(c) => ApiResponse::ok(&serde_json::json!({ "id": c[0], "q": r.query("x") })),
                None => ApiResponse::message(StatusCode::NOT_FOUND, "Not Found"),
            }
        }
    }

    #[tokio::test]
    async fn serves_and_records() {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let d = HttpDouble::start(Echo).await.unwrap();
        let mut s = tokio::net::TcpStream::connect(d.addr()).await.unwrap();
        s.write_all(b"GET /things/a%2Fb?x=1 HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n")
            .await
            .unwrap();
        let mut out = String::new();
        s.read_to_string(&mut out).await.unwrap();
        assert!(out.starts_with("HTTP/1.1 200"), "{out}");
        assert!(out.contains(r#"{"id":"a/b","q":"1"}"#), "{out}");
        let reqs = d.requests();
        assert_eq!(reqs.len(), 1);
        assert_eq!(reqs[0].target, "/things/a%2Fb?x=1");
    }
}
