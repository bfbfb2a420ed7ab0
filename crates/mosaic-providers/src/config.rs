//! Settings every provider's configuration shares (see each provider's
//! `config.schema.json`): timeouts, user agent, and the retry and
//! rate-limit settings a host reads to build its middleware.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::http::{Transport, TransportBuilder};

/// Transport and middleware settings of one provider instance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct HttpSettings {
    /// Whole-request timeout in seconds (`0` for none).
    pub timeout_secs: u64,
    /// Connect timeout in seconds (`0` for none).
    pub connect_timeout_secs: u64,
    /// `User-Agent` header; `None` for Mosaic's default.
    pub user_agent: Option<String>,
    /// Retry settings for the host's retry layer (the transport itself
    /// never retries).
    pub retry: RetrySettings,
    /// Client-side rate limit for the host's rate-limit layer.
    pub rate_limit: RateLimitSettings,
}

impl Default for HttpSettings {
    fn default() -> Self {
        HttpSettings {
            timeout_secs: 30,
            connect_timeout_secs: 10,
            user_agent: None,
            retry: RetrySettings::default(),
            rate_limit: RateLimitSettings::default(),
        }
    }
}

impl HttpSettings {
    fn secs(s: u64) -> Option<Duration> {
        (s > 0).then(|| Duration::from_secs(s))
    }

    /// A transport builder for `provider` at `base_url` with these
    /// settings applied (and `client` used, when given).
    pub fn transport(
        &self,
        provider: &'static str,
        base_url: &str,
        client: Option<reqwest::Client>,
    ) -> TransportBuilder {
        let mut b = Transport::builder(provider, base_url.to_owned())
            .timeout(Self::secs(self.timeout_secs))
            .connect_timeout(Self::secs(self.connect_timeout_secs));
        if let Some(ua) = &self.user_agent {
            b = b.user_agent(ua.clone());
        }
        if let Some(c) = client {
            b = b.client(c);
        }
        b
    }
}

/// How a host should retry failed calls to this provider.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct RetrySettings {
    /// Attempts in total, including the first (`1` disables retries).
    pub max_attempts: u32,
    /// First backoff in milliseconds.
    pub initial_backoff_ms: u64,
    /// Longest backoff in milliseconds.
    pub max_backoff_ms: u64,
    /// Honour the provider's `Retry-After` / rate-limit reset.
    pub respect_retry_after: bool,
}

impl Default for RetrySettings {
    fn default() -> Self {
        RetrySettings {
            max_attempts: 3,
            initial_backoff_ms: 200,
            max_backoff_ms: 10_000,
            respect_retry_after: true,
        }
    }
}

/// A client-side request budget.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct RateLimitSettings {
    /// Requests allowed per window; `None` for no client-side limit.
    pub requests: Option<u64>,
    /// Window length in seconds.
    pub per_secs: Option<u64>,
}
