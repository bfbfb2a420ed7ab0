//! Webhooks: one normalized [`WebhookEvent`] for every forge, and
//! per-forge authenticity checks with constant-time comparison.
//!
//! Each forge module offers a handler implementing [`WebhookHandler`]:
//! `verify` checks the signature (or token) header against the raw body,
//! `parse` turns the body into a [`WebhookOutcome`], `handle` does both.
//! A missing or wrong signature is a [`WebhookError`]; an event Mosaic does
//! not model is [`WebhookOutcome::Ignored`], never a panic. An opt-in
//! [`DeliveryGuard`] refuses replayed deliveries (see [`delivery`]).

pub mod delivery;
mod event;
pub mod verify;

pub use delivery::*;

pub use event::{
    CommentAction, CommentEvent, CommentTarget, IssueAction, IssueEvent, PullRequestAction,
    PullRequestEvent, PushCommit, PushEvent, RefEvent, ReleaseAction, ReleaseEvent, WebhookEvent,
};

use std::fmt;

/// The header map handlers read (re-exported from the `http` crate).
pub use http::{HeaderMap, HeaderValue};
use mosaic_core::git::RepoRef;
use mosaic_core::{Error, ErrorKind};

/// Which forge sent a delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Forge {
    /// GitHub.
    GitHub,
    /// Gitea or Forgejo.
    Gitea,
    /// GitLab.
    GitLab,
    /// Bitbucket Cloud.
    Bitbucket,
}

impl Forge {
    /// The provider name (`github`, `gitea`, `gitlab`, `bitbucket`).
    pub fn as_str(self) -> &'static str {
        match self {
            Forge::GitHub => "github",
            Forge::Gitea => "gitea",
            Forge::GitLab => "gitlab",
            Forge::Bitbucket => "bitbucket",
        }
    }
}

impl fmt::Display for Forge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One verified, normalized delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookDelivery {
    /// The forge that sent it.
    pub forge: Forge,
    /// The forge's delivery id, when it sends one (for de-duplication).
    pub delivery_id: Option<String>,
    /// The repository the event is about.
    pub repository: RepoRef,
    /// Who caused it (login), when known.
    pub sender: Option<String>,
    /// What happened.
    pub event: WebhookEvent,
}

/// The result of parsing a delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WebhookOutcome {
    /// An event Mosaic models.
    Event(Box<WebhookDelivery>),
    /// A well-formed delivery of an event (or action) Mosaic does not model.
    Ignored {
        /// The forge's event name (and action, when that decided it).
        event: String,
        /// Why it was ignored.
        reason: String,
    },
}

impl WebhookOutcome {
    /// The delivery, if the event is modelled.
    pub fn delivery(&self) -> Option<&WebhookDelivery> {
        match self {
            WebhookOutcome::Event(d) => Some(d.as_ref()),
            WebhookOutcome::Ignored { .. } => None,
        }
    }

    /// The normalized event, if modelled.
    pub fn event(&self) -> Option<&WebhookEvent> {
        self.delivery().map(|d| &d.event)
    }

    /// Whether the delivery was ignored.
    pub fn is_ignored(&self) -> bool {
        matches!(self, WebhookOutcome::Ignored { .. })
    }

    #[cfg_attr(
        not(any(
            feature = "github",
            feature = "gitea",
            feature = "gitlab",
            feature = "bitbucket"
        )),
        allow(dead_code)
    )]
    pub(crate) fn ignored(event: impl Into<String>, reason: impl Into<String>) -> Self {
        WebhookOutcome::Ignored {
            event: event.into(),
            reason: reason.into(),
        }
    }
}

/// Why a delivery was rejected.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum WebhookError {
    /// The signature (or token) header is absent.
    #[error("webhook signature header `{header}` is missing")]
    MissingSignature {
        /// The header that was expected.
        header: &'static str,
    },
    /// The signature header is present but malformed (wrong prefix, not hex).
    #[error("webhook signature header `{header}` is malformed")]
    MalformedSignature {
        /// The header.
        header: &'static str,
    },
    /// The signature (or token) does not match.
    #[error("webhook signature in `{header}` does not match the payload")]
    InvalidSignature {
        /// The header.
        header: &'static str,
    },
    /// The header naming the event is absent.
    #[error("webhook event header `{header}` is missing")]
    MissingEvent {
        /// The header that was expected.
        header: &'static str,
    },
    /// The body is not the JSON the event promises; the error names the
    /// JSON path.
    #[error("webhook payload could not be decoded: {0}")]
    Payload(Error),
}

impl WebhookError {
    /// Whether the delivery failed authentication (missing, malformed or
    /// wrong signature).
    pub fn is_signature_error(&self) -> bool {
        matches!(
            self,
            WebhookError::MissingSignature { .. }
                | WebhookError::MalformedSignature { .. }
                | WebhookError::InvalidSignature { .. }
        )
    }
}

impl From<WebhookError> for Error {
    /// Signature failures are `Unauthenticated`, a missing event header is
    /// `InvalidInput`, a bad body keeps its `Decode` error.
    fn from(e: WebhookError) -> Self {
        match e {
            WebhookError::Payload(inner) => inner,
            WebhookError::MissingEvent { header } => {
                Error::invalid_input(header, "webhook event header is missing")
            }
            other => Error::new(ErrorKind::Unauthenticated, other.to_string()),
        }
    }
}

/// Verifies and parses one forge's webhook deliveries.
pub trait WebhookHandler: Send + Sync {
    /// The forge.
    fn forge(&self) -> Forge;

    /// Check the delivery's signature (or token) against the raw body.
    fn verify(&self, headers: &HeaderMap, body: &[u8]) -> Result<(), WebhookError>;

    /// Parse a delivery without checking its signature (for deliveries
    /// already verified, or from a trusted source).
    fn parse(&self, headers: &HeaderMap, body: &[u8]) -> Result<WebhookOutcome, WebhookError>;

    /// Verify, then parse.
    fn handle(&self, headers: &HeaderMap, body: &[u8]) -> Result<WebhookOutcome, WebhookError> {
        self.verify(headers, body)?;
        self.parse(headers, body)
    }
}

/// A header as text.
#[cfg_attr(
    not(any(
        feature = "github",
        feature = "gitea",
        feature = "gitlab",
        feature = "bitbucket"
    )),
    allow(dead_code)
)]
pub(crate) fn header<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
}

/// Decode a webhook body, naming the JSON path on failure.
#[cfg_attr(
    not(any(
        feature = "github",
        feature = "gitea",
        feature = "gitlab",
        feature = "bitbucket"
    )),
    allow(dead_code)
)]
pub(crate) fn decode<T: serde::de::DeserializeOwned>(
    forge: Forge,
    event: &str,
    body: &[u8],
) -> Result<T, WebhookError> {
    crate::http::json::decode_as(body, &format!("{forge} `{event}` webhook"))
        .map(Ok)
        .unwrap_or_else(|e| Err(WebhookError::Payload(e.with_provider(forge.as_str()))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_map_to_kinds() {
        let e: Error = WebhookError::MissingSignature {
            header: "x-hub-signature-256",
        }
        .into();
        assert_eq!(e.kind(), ErrorKind::Unauthenticated);
        let e: Error = WebhookError::MissingEvent {
            header: "x-github-event",
        }
        .into();
        assert_eq!(e.field(), Some("x-github-event"));
        assert!(WebhookError::InvalidSignature { header: "h" }.is_signature_error());
        assert!(!WebhookError::MissingEvent { header: "h" }.is_signature_error());
    }
}
