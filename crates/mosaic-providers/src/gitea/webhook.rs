//! Gitea / Forgejo webhooks: `X-Gitea-Signature` (hex HMAC-SHA256 of the
//! body; Forgejo's `X-Forgejo-Signature` is accepted too) and the events
//! named by `X-Gitea-Event` (or `X-Forgejo-Event`).

use crate::github_dialect::events::{HookDialect, webhook_handler};
use crate::webhook::Forge;

/// The signature header.
pub const SIGNATURE_HEADER: &str = "x-gitea-signature";
/// Forgejo's name for the signature header.
pub const FORGEJO_SIGNATURE_HEADER: &str = "x-forgejo-signature";
/// The event-name header.
pub const EVENT_HEADER: &str = "x-gitea-event";
/// The delivery-id header.
pub const DELIVERY_HEADER: &str = "x-gitea-delivery";

static HOOKS: HookDialect = HookDialect {
    forge: Forge::Gitea,
    signature_headers: &[SIGNATURE_HEADER, FORGEJO_SIGNATURE_HEADER],
    signature_prefix: "",
    event_headers: &[EVENT_HEADER, "x-forgejo-event"],
    delivery_header: DELIVERY_HEADER,
    wip_drafts: true,
};

webhook_handler!(
    /// Verifies and parses Gitea and Forgejo webhook deliveries.
    GiteaWebhooks,
    HOOKS
);
