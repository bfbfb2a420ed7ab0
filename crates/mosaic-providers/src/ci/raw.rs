//! Downloads: a GET that follows redirects to storage hosts.
//!
//! CI systems hand out logs and artifacts by redirecting (`302 Location`)
//! to a short-lived, pre-signed URL on another host. The transport's
//! download mode ([`RequestSpec::follow_redirects`](crate::http::RequestSpec::follow_redirects))
//! follows such answers hop by hop, each hop checked against the
//! allowlist (the plugin's manifest hosts, or the hosts the provider was
//! built to allow), and drops the credentials on leaving the provider's
//! origin, because the signed URL is its own authorization.

use bytes::Bytes;
use http::header::HeaderName;
use mosaic_core::Result;

use crate::http::Transport;

/// A fetched body.
#[derive(Debug, Clone)]
pub(crate) struct Fetched {
    /// The body.
    pub(crate) body: Bytes,
}

/// GET `path` under the transport's base URL with its credentials and
/// `headers`, following redirects (see the module docs).
pub(crate) async fn get(
    http: &Transport,
    path: &str,
    headers: &[(HeaderName, &str)],
) -> Result<Fetched> {
    let mut spec = http.get(path).follow_redirects();
    for (name, value) in headers {
        spec = spec.header(name.clone(), value);
    }
    let resp = spec.send().await?;
    Ok(Fetched {
        body: resp.body().clone(),
    })
}
