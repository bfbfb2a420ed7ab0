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
    #[test]
    fn blank_secrets_and_empty_key_signatures_are_refused() {
        crate::github_dialect::events::check_key_rules(super::GitHubWebhooks::new, &super::HOOKS);
    }
}
