//! GitHub webhooks: `X-Hub-Signature-256` (HMAC-SHA256 of the body,
//! `sha256=<hex>`) and the events named by `X-GitHub-Event`.

use http::HeaderMap;
use mosaic_core::Secret;

use crate::github_dialect::events::HookDialect;
use crate::webhook::{Forge, WebhookError, WebhookHandler, WebhookOutcome, verify};

/// The signature header.
pub const SIGNATURE_HEADER: &str = "x-hub-signature-256";
/// The event-name header.
pub const EVENT_HEADER: &str = "x-github-event";
/// The delivery-id header.
pub const DELIVERY_HEADER: &str = "x-github-delivery";

/// Verifies and parses GitHub webhook deliveries.
#[derive(Debug, Clone)]
pub struct GitHubWebhooks {
    secret: Secret,
}

impl GitHubWebhooks {
    /// A handler for hooks configured with `secret`.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Config`](mosaic_core::ErrorKind::Config) when `secret` is
    /// empty or only whitespace: anyone can sign a delivery with such a key.
    pub fn new(secret: impl Into<Secret>) -> mosaic_core::Result<Self> {
        Ok(GitHubWebhooks {
            secret: verify::require_key(Forge::GitHub, "webhook secret", secret.into())?,
        })
    }
}

static HOOKS: HookDialect = HookDialect {
    forge: Forge::GitHub,
    signature_headers: &[SIGNATURE_HEADER],
    signature_prefix: "sha256=",
    event_headers: &[EVENT_HEADER],
    delivery_header: DELIVERY_HEADER,
    wip_drafts: false,
};

impl WebhookHandler for GitHubWebhooks {
    fn forge(&self) -> Forge {
        HOOKS.forge
    }

    fn verify(&self, headers: &HeaderMap, body: &[u8]) -> Result<(), WebhookError> {
        HOOKS.verify(self.secret.expose().as_bytes(), headers, body)
    }

    fn parse(&self, headers: &HeaderMap, body: &[u8]) -> Result<WebhookOutcome, WebhookError> {
        HOOKS.parse(headers, body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;
    use mosaic_core::ErrorKind;

    #[test]
    fn a_blank_secret_is_a_config_error() {
        for blank in ["", " ", "\t\n"] {
            let e = GitHubWebhooks::new(blank).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::Config, "{e}");
            assert!(e.to_string().contains("empty"), "{e}");
        }
        assert!(GitHubWebhooks::new("s3cr3t").is_ok());
    }

    #[test]
    fn a_body_signed_with_the_empty_key_is_refused() {
        let wh = GitHubWebhooks::new("s3cr3t").unwrap();
        let body = br#"{"forged": true}"#;
        let mut h = HeaderMap::new();
        let sig = format!("sha256={}", verify::hmac_sha256_hex(b"", body));
        h.insert(SIGNATURE_HEADER, HeaderValue::from_str(&sig).unwrap());
        h.insert(EVENT_HEADER, HeaderValue::from_static("push"));
        let e = wh.verify(&h, body).unwrap_err();
        assert!(matches!(e, WebhookError::InvalidSignature { .. }), "{e:?}");
        assert!(wh.handle(&h, body).is_err());
    }
}
