//! GitHub webhooks: `X-Hub-Signature-256` (HMAC-SHA256 of the body,
//! `sha256=<hex>`) and the events named by `X-GitHub-Event`.

use crate::github_dialect::events::{HookDialect, webhook_handler};
use crate::webhook::Forge;

/// The signature header.
pub const SIGNATURE_HEADER: &str = "x-hub-signature-256";
/// The event-name header.
pub const EVENT_HEADER: &str = "x-github-event";
/// The delivery-id header.
pub const DELIVERY_HEADER: &str = "x-github-delivery";

static HOOKS: HookDialect = HookDialect {
    forge: Forge::GitHub,
    signature_headers: &[SIGNATURE_HEADER],
    signature_prefix: "sha256=",
    event_headers: &[EVENT_HEADER],
    delivery_header: DELIVERY_HEADER,
    wip_drafts: false,
};

webhook_handler!(
    /// Verifies and parses GitHub webhook deliveries.
    GitHubWebhooks,
    HOOKS
);
