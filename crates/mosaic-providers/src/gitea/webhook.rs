//! Gitea / Forgejo webhooks: `X-Gitea-Signature` (hex HMAC-SHA256 of the
//! body; Forgejo's `X-Forgejo-Signature` is accepted too) and the events
//! named by `X-Gitea-Event` (or `X-Forgejo-Event`).

use http::HeaderMap;
use mosaic_core::Secret;

use crate::github_dialect::events::HookDialect;
use crate::webhook::{Forge, WebhookError, WebhookHandler, WebhookOutcome, verify};

/// The signature header.
pub const SIGNATURE_HEADER: &str = "x-gitea-signature";
/// Forgejo's name for the signature header.
pub const FORGEJO_SIGNATURE_HEADER: &str = "x-forgejo-signature";
/// The event-name header.
pub const EVENT_HEADER: &str = "x-gitea-event";
/// The delivery-id header.
pub const DELIVERY_HEADER: &str = "x-gitea-delivery";

/// Verifies and parses Gitea and Forgejo webhook deliveries.
#[derive(Debug, Clone)]
pub struct GiteaWebhooks {
    secret: Secret,
}

impl GiteaWebhooks {
    /// A handler for hooks configured with `secret`.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Config`](mosaic_core::ErrorKind::Config) when `secret` is
    /// empty or only whitespace: anyone can sign a delivery with such a key.
    pub fn new(secret: impl Into<Secret>) -> mosaic_core::Result<Self> {
        Ok(GiteaWebhooks {
            secret: verify::require_key(Forge::Gitea, "webhook secret", secret.into())?,
        })
    }
}

static HOOKS: HookDialect = HookDialect {
    forge: Forge::Gitea,
    signature_headers: &[SIGNATURE_HEADER, FORGEJO_SIGNATURE_HEADER],
    signature_prefix: "",
    event_headers: &[EVENT_HEADER, "x-forgejo-event"],
    delivery_header: DELIVERY_HEADER,
    wip_drafts: true,
};

impl WebhookHandler for GiteaWebhooks {
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
            let e = GiteaWebhooks::new(blank).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::Config, "{e}");
            assert!(e.to_string().contains("empty"), "{e}");
        }
        assert!(GiteaWebhooks::new("s3cr3t").is_ok());
    }

    #[test]
    fn a_body_signed_with_the_empty_key_is_refused() {
        let wh = GiteaWebhooks::new("s3cr3t").unwrap();
        let body = br#"{"forged": true}"#;
        let mut h = HeaderMap::new();
        let sig = verify::hmac_sha256_hex(b"", body);
        h.insert(SIGNATURE_HEADER, HeaderValue::from_str(&sig).unwrap());
        h.insert(EVENT_HEADER, HeaderValue::from_static("push"));
        let e = wh.verify(&h, body).unwrap_err();
        assert!(matches!(e, WebhookError::InvalidSignature { .. }), "{e:?}");
        assert!(wh.handle(&h, body).is_err());
    }
}
