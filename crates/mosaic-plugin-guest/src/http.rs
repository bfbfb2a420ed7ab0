//! HTTP through the host: the request goes through the plugin's allowlist,
//! redirect checks and limits, and the host adds the credential.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::error::{GuestError, GuestResult};

/// A request to send.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Request {
    /// `GET`, `POST`, ...
    pub method: String,
    /// The absolute URL.
    pub url: String,
    /// Headers (the host's credential header cannot be set here).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub headers: BTreeMap<String, String>,
    /// A text body.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
}

/// A response.
#[derive(Debug, Clone, Deserialize)]
pub struct Response {
    /// The status code.
    pub status: u16,
    /// Headers, lower-case names.
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// The body as text.
    #[serde(default)]
    pub body: String,
}

impl Response {
    /// The body decoded as JSON after checking the status: a non-2xx
    /// status is the matching error ([`GuestError::from_status`]).
    pub fn json<T: serde::de::DeserializeOwned>(&self) -> GuestResult<T> {
        self.ok()?;
        serde_json::from_str(&self.body).map_err(GuestError::decode)
    }

    /// `Ok` for a 2xx status, else the matching error.
    pub fn ok(&self) -> GuestResult<&Self> {
        if (200..300).contains(&self.status) {
            Ok(self)
        } else {
            Err(GuestError::from_status(self.status, &self.body))
        }
    }

    /// A header's value.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .get(&name.to_ascii_lowercase())
            .map(String::as_str)
    }
}

/// What the host answers.
#[derive(Deserialize)]
#[serde(rename_all = "lowercase")]
enum Envelope {
    Ok(Response),
    Err(GuestError),
}

/// Send `request` through the host. A request the host refuses (a host
/// not granted, a redirect elsewhere, too large, timed out) is an `Err`
/// the guest can handle.
pub fn send(request: &Request) -> GuestResult<Response> {
    let body = serde_json::to_vec(request)?;
    let answer = crate::abi::host_http_request(&body)?;
    match serde_json::from_slice::<Envelope>(&answer)? {
        Envelope::Ok(r) => Ok(r),
        Envelope::Err(e) => Err(e),
    }
}

/// `GET url` with `Accept: application/json`.
pub fn get(url: &str) -> GuestResult<Response> {
    send(&Request {
        method: "GET".into(),
        url: url.into(),
        headers: BTreeMap::from([("accept".to_owned(), "application/json".to_owned())]),
        body: None,
    })
}
