//! GitHub App authentication: an RS256 app JWT is exchanged for an
//! installation access token, which is cached and refreshed before it
//! expires.
//!
//! Expiry is tracked on `tokio::time::Instant`: the token's lifetime is
//! `expires_at` minus the response's `Date` (so local clock skew does not
//! matter), and a new token is fetched once less than the refresh margin
//! (default 5 minutes) is left, or after the server rejected the cached
//! one with `401`.

use std::fmt;
use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use async_trait::async_trait;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use mosaic_core::{Error, Result, Secret};
use serde::Serialize;
use tokio::time::Instant;

use crate::http::rate_limit::response_time;
use crate::http::{Auth, Credentials, Transport};

/// How long before expiry a cached installation token is replaced.
pub const DEFAULT_REFRESH_MARGIN: Duration = Duration::from_secs(300);

/// Lifetime of the app JWT (GitHub accepts at most ten minutes).
const JWT_LIFETIME: Duration = Duration::from_secs(540);

/// Back-dating of the JWT's `iat` against clock drift.
const JWT_BACKDATE: Duration = Duration::from_secs(60);

#[derive(Serialize)]
struct Claims<'a> {
    iat: u64,
    exp: u64,
    iss: &'a str,
}

struct Cached {
    token: Secret,
    refresh_at: Instant,
}

/// Installation-token credentials of a GitHub App.
pub struct AppCredentials {
    app_id: String,
    installation_id: u64,
    key: EncodingKey,
    http: Transport,
    refresh_margin: Duration,
    wall_clock: fn() -> SystemTime,
    cache: Mutex<Option<Cached>>,
    fetch: tokio::sync::Mutex<()>,
}

impl fmt::Debug for AppCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AppCredentials")
            .field("app_id", &self.app_id)
            .field("installation_id", &self.installation_id)
            .field("key", &"[REDACTED]")
            .finish_non_exhaustive()
    }
}

impl AppCredentials {
    /// Credentials of app `app_id` (its numeric id or client id) for
    /// `installation_id`, signing with `private_key_pem` (PKCS#1 or PKCS#8
    /// RSA PEM). `http` is the transport token requests go through (its
    /// own credentials are not used).
    pub fn new(
        app_id: impl Into<String>,
        installation_id: u64,
        private_key_pem: &Secret,
        http: Transport,
    ) -> Result<Self> {
        let key = EncodingKey::from_rsa_pem(private_key_pem.expose().as_bytes()).map_err(|_| {
            Error::config("the GitHub App private key is not a valid RSA PEM key")
                .with_provider(super::PROVIDER)
        })?;
        Ok(AppCredentials {
            app_id: app_id.into(),
            installation_id,
            key,
            http,
            refresh_margin: DEFAULT_REFRESH_MARGIN,
            wall_clock: SystemTime::now,
            cache: Mutex::new(None),
            fetch: tokio::sync::Mutex::new(()),
        })
    }

    /// Replace a cached token once less than `margin` of its life is left.
    pub fn with_refresh_margin(mut self, margin: Duration) -> Self {
        self.refresh_margin = margin;
        self
    }

    /// Use another wall clock for the JWT's `iat`/`exp` (tests).
    pub fn with_wall_clock(mut self, clock: fn() -> SystemTime) -> Self {
        self.wall_clock = clock;
        self
    }

    /// A signed app JWT (RS256, `iss` = app id, valid for nine minutes,
    /// back-dated one minute).
    pub fn app_jwt(&self) -> Result<Secret> {
        let now = (self.wall_clock)()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_secs();
        let claims = Claims {
            iat: now.saturating_sub(JWT_BACKDATE.as_secs()),
            exp: now + JWT_LIFETIME.as_secs(),
            iss: &self.app_id,
        };
        jsonwebtoken::encode(&Header::new(Algorithm::RS256), &claims, &self.key)
            .map(Secret::new)
            .map_err(|e| {
                Error::internal("the GitHub App JWT could not be signed")
                    .with_provider(super::PROVIDER)
                    .with_source(e)
            })
    }

    fn cached(&self) -> Option<Secret> {
        let guard = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        guard
            .as_ref()
            .filter(|c| Instant::now() < c.refresh_at)
            .map(|c| c.token.clone())
    }

    async fn fetch_token(&self) -> Result<Cached> {
        let jwt = self.app_jwt()?;
        let resp = self
            .http
            .post(&format!(
                "/app/installations/{}/access_tokens",
                self.installation_id
            ))
            .auth(Auth::Bearer(jwt))
            .send()
            .await?;
        let tok: InstallationToken = resp.json()?;
        let expires = parse_rfc3339(&tok.expires_at).ok_or_else(|| {
            Error::new(
                mosaic_core::ErrorKind::Decode,
                "installation token `$.expires_at` is not an RFC 3339 time",
            )
            .with_provider(super::PROVIDER)
        })?;
        let life = expires
            .duration_since(response_time(resp.headers()))
            .unwrap_or(Duration::ZERO);
        let usable = life.saturating_sub(self.refresh_margin);
        Ok(Cached {
            token: Secret::new(tok.token),
            refresh_at: Instant::now() + usable,
        })
    }
}

/// Parse `2016-07-11T22:14:10Z` (or with a `+00:00` offset).
fn parse_rfc3339(s: &str) -> Option<SystemTime> {
    let s = s.trim();
    let owned;
    let s = match s.strip_suffix("+00:00") {
        Some(p) => {
            owned = format!("{p}Z");
            owned.as_str()
        }
        None => s,
    };
    humantime::parse_rfc3339_weak(s).ok()
}

#[async_trait]
impl Credentials for AppCredentials {
    async fn auth(&self) -> Result<Auth> {
        if let Some(t) = self.cached() {
            return Ok(Auth::Bearer(t));
        }
        // One refresh at a time; whoever waited re-checks the cache.
        let _guard = self.fetch.lock().await;
        if let Some(t) = self.cached() {
            return Ok(Auth::Bearer(t));
        }
        let fresh = self.fetch_token().await?;
        let token = fresh.token.clone();
        *self.cache.lock().unwrap_or_else(|p| p.into_inner()) = Some(fresh);
        Ok(Auth::Bearer(token))
    }

    fn invalidate(&self) {
        *self.cache.lock().unwrap_or_else(|p| p.into_inner()) = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_forms() {
        let z = parse_rfc3339("2016-07-11T22:14:10Z").unwrap();
        assert_eq!(parse_rfc3339("2016-07-11T22:14:10+00:00"), Some(z));
        assert_eq!(
            z.duration_since(UNIX_EPOCH).unwrap().as_secs(),
            1_468_275_250
        );
        assert_eq!(parse_rfc3339("yesterday"), None);
    }
}

/// `installation-token`.
#[derive(Debug, serde::Deserialize)]
struct InstallationToken {
    token: String,
    expires_at: String,
}
