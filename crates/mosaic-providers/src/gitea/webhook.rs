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
    #[test]
    fn blank_secrets_and_empty_key_signatures_are_refused() {
        crate::github_dialect::events::check_key_rules(super::GiteaWebhooks::new, &super::HOOKS);
    }
}
