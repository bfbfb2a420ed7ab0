//! Authentication: static [`Auth`] kinds and dynamic [`Credentials`].

use std::fmt;

use async_trait::async_trait;
use base64::Engine as _;
use http::header::{AUTHORIZATION, HeaderMap, HeaderName, HeaderValue};
use mosaic_core::{Error, Result, Secret};

/// How a request proves who sends it.
///
/// `Debug` never shows the secret.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum Auth {
    /// No credentials.
    #[default]
    None,
    /// `Authorization: Bearer <token>` (OAuth tokens, GitHub tokens, JWTs).
    Bearer(Secret),
    /// `Authorization: token <token>` (Gitea's and GitHub's older scheme).
    Token(Secret),
    /// `Authorization: Basic base64(<username>:<password>)` (Bitbucket app passwords).
    Basic {
        /// User name (not secret).
        username: String,
        /// Password or app password.
        password: Secret,
    },
    /// A custom header carrying the secret as its whole value
    /// (GitLab's `PRIVATE-TOKEN`, API-key headers).
    Header {
        /// Header name.
        name: HeaderName,
        /// Header value.
        value: Secret,
    },
}

impl Auth {
    /// `Authorization: Bearer <token>`.
    pub fn bearer(token: impl Into<Secret>) -> Self {
        Auth::Bearer(token.into())
    }

    /// `Authorization: token <token>`.
    pub fn token(token: impl Into<Secret>) -> Self {
        Auth::Token(token.into())
    }

    /// HTTP basic authentication.
    pub fn basic(username: impl Into<String>, password: impl Into<Secret>) -> Self {
        Auth::Basic {
            username: username.into(),
            password: password.into(),
        }
    }

    /// A custom header, e.g. `Auth::header("PRIVATE-TOKEN", token)`.
    ///
    /// Fails with `Config` if `name` is not a valid header name.
    pub fn header(name: &str, value: impl Into<Secret>) -> Result<Self> {
        let name = HeaderName::from_bytes(name.as_bytes()).map_err(|_| {
            Error::config(format!("`{name}` is not a valid HTTP header name for auth"))
        })?;
        Ok(Auth::Header {
            name,
            value: value.into(),
        })
    }

    /// GitLab's `PRIVATE-TOKEN: <token>` header.
    pub fn private_token(token: impl Into<Secret>) -> Self {
        Auth::Header {
            name: HeaderName::from_static("private-token"),
            value: token.into(),
        }
    }

    /// Whether this sends no credentials.
    pub fn is_none(&self) -> bool {
        matches!(self, Auth::None)
    }

    /// Write the credentials into `headers` as sensitive values.
    ///
    /// Fails with `Config` (naming no secret) when the secret contains
    /// characters an HTTP header cannot carry.
    pub fn apply(&self, headers: &mut HeaderMap) -> Result<()> {
        let (name, value) = match self {
            Auth::None => return Ok(()),
            Auth::Bearer(t) => (AUTHORIZATION, format!("Bearer {}", t.expose())),
            Auth::Token(t) => (AUTHORIZATION, format!("token {}", t.expose())),
            Auth::Basic { username, password } => {
                let raw = format!("{username}:{}", password.expose());
                let enc = base64::engine::general_purpose::STANDARD.encode(raw);
                (AUTHORIZATION, format!("Basic {enc}"))
            }
            Auth::Header { name, value } => (name.clone(), value.expose().to_owned()),
        };
        let mut value = HeaderValue::from_str(&value).map_err(|_| {
            Error::config(format!(
                "the credential for header `{name}` contains characters not allowed in HTTP headers"
            ))
        })?;
        value.set_sensitive(true);
        headers.insert(name, value);
        Ok(())
    }
}

/// A source of credentials consulted before every request.
///
/// Static [`Auth`] implements it by returning itself; sources that mint
/// short-lived tokens (a GitHub App installation token, an OAuth refresh
/// flow) cache and refresh behind this call.
#[async_trait]
pub trait Credentials: Send + Sync + fmt::Debug + 'static {
    /// The credentials to send now.
    async fn auth(&self) -> Result<Auth>;

    /// Called when the server answered `401 Unauthorized` to credentials
    /// from this source: drop any cached token so the next call fetches a
    /// fresh one. The default does nothing.
    fn invalidate(&self) {}
}

#[async_trait]
impl Credentials for Auth {
    async fn auth(&self) -> Result<Auth> {
        Ok(self.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn applied(a: &Auth) -> HeaderMap {
        let mut h = HeaderMap::new();
        a.apply(&mut h).unwrap();
        h
    }

    #[test]
    fn each_kind_writes_its_header_as_sensitive() {
        let h = applied(&Auth::bearer("abc"));
        assert_eq!(h[AUTHORIZATION], "Bearer abc");
        assert!(h[AUTHORIZATION].is_sensitive());
        assert_eq!(applied(&Auth::token("abc"))[AUTHORIZATION], "token abc");
        // base64("user:pw") = dXNlcjpwdw==
        assert_eq!(
            applied(&Auth::basic("user", "pw"))[AUTHORIZATION],
            "Basic dXNlcjpwdw=="
        );
        let h = applied(&Auth::private_token("glpat-x"));
        assert_eq!(h["private-token"], "glpat-x");
        assert!(h["private-token"].is_sensitive());
        let h = applied(&Auth::header("X-Api-Key", "k").unwrap());
        assert_eq!(h["x-api-key"], "k");
        assert!(applied(&Auth::None).is_empty());
    }

    #[test]
    fn bad_values_are_config_errors_without_the_secret() {
        let err = Auth::bearer("bad\nsecret-value")
            .apply(&mut HeaderMap::new())
            .unwrap_err();
        assert_eq!(err.kind(), mosaic_core::ErrorKind::Config);
        assert!(!format!("{err:?}{err}").contains("secret-value"));
        assert!(Auth::header("bad header", "x").is_err());
    }

    #[test]
    fn debug_hides_secrets() {
        let s = format!("{:?}", Auth::basic("me", "hunter2"));
        assert!(!s.contains("hunter2"), "{s}");
        assert!(s.contains("me"));
    }
}
