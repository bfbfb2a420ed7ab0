//! A GET that follows redirects to storage hosts without credentials.
//!
//! CI systems hand out logs and artifacts by redirecting (`302 Location`)
//! to a short-lived, pre-signed URL on another host. The transport's own
//! client follows redirects only within the provider's origin, so such an
//! answer reaches this module as a 3xx: it is followed here, hop by hop
//! (at most [`MAX_HOPS`]), with no credentials and no provider headers,
//! because the signed URL is its own authorization.

use bytes::Bytes;
use http::header::{HeaderMap, HeaderName, HeaderValue, LOCATION, USER_AGENT};
use mosaic_core::{Error, Result};

use crate::http::Transport;
use crate::http::error::{from_response, from_transport};
use crate::http::rate_limit::response_time;

/// Most redirects followed for one download.
pub(crate) const MAX_HOPS: usize = 5;

/// A fetched body.
#[derive(Debug, Clone)]
pub(crate) struct Fetched {
    /// The body.
    pub(crate) body: Bytes,
}

/// GET `path` under the transport's base URL with its credentials and
/// `headers`, following any redirect (see the module docs).
pub(crate) async fn get(
    http: &Transport,
    path: &str,
    headers: &[(HeaderName, &str)],
    user_agent: &str,
) -> Result<Fetched> {
    let provider = http.provider().to_owned();
    let url = http.url(path)?;
    let what = format!("GET {}", url.path());
    let mut first = HeaderMap::new();
    for (name, value) in headers {
        let v = HeaderValue::from_str(value)
            .map_err(|_| Error::internal(format!("header `{name}` has an invalid value")))?;
        first.insert(name.clone(), v);
    }
    let ua = HeaderValue::from_str(user_agent)
        .map_err(|_| Error::config("the user agent is not a valid header value"))?;
    first.insert(USER_AGENT, ua.clone());
    http.credentials()
        .auth()
        .await?
        .apply(&mut first)
        .map_err(|e| e.with_provider(provider.clone()))?;

    let mut url = url;
    let mut req_headers = first;
    let mut authenticated = true;
    for _ in 0..=MAX_HOPS {
        let mut req = reqwest::Request::new(reqwest::Method::GET, url.clone());
        *req.headers_mut() = req_headers.clone();
        let resp = http
            .client()
            .execute(req)
            .await
            .map_err(|e| from_transport(&provider, &what, e))?;
        let status = resp.status();
        let resp_headers = resp.headers().clone();
        if status.is_redirection() {
            let next = resp_headers
                .get(LOCATION)
                .and_then(|v| v.to_str().ok())
                .and_then(|loc| url.join(loc).ok())
                .filter(|u| matches!(u.scheme(), "http" | "https"))
                .ok_or_else(|| {
                    Error::new(
                        mosaic_core::ErrorKind::Provider,
                        format!("{what}: a redirect without a usable Location"),
                    )
                    .with_provider(provider.clone())
                    .with_status(status.as_u16())
                })?;
            url = next;
            let mut anon = HeaderMap::new();
            anon.insert(USER_AGENT, ua.clone());
            req_headers = anon;
            authenticated = false;
            continue;
        }
        let body = resp
            .bytes()
            .await
            .map_err(|e| from_transport(&provider, &what, e))?;
        if status.is_success() {
            return Ok(Fetched { body });
        }
        if status == http::StatusCode::UNAUTHORIZED && authenticated {
            http.credentials().invalidate();
        }
        let now = response_time(&resp_headers);
        return Err(from_response(
            &provider,
            &what,
            status,
            &resp_headers,
            &body,
            now,
        ));
    }
    Err(Error::new(
        mosaic_core::ErrorKind::Provider,
        format!("{what}: more than {MAX_HOPS} redirects"),
    )
    .with_provider(provider))
}
