//! [`GuestError`]: what an operation reports when it fails.

use std::fmt;

use mosaic_core::ErrorKind;
use serde::{Deserialize, Serialize};

/// The result of a guest operation.
pub type GuestResult<T> = Result<T, GuestError>;

/// A failed operation, as the host will see it: an error kind, a message
/// (never a secret), whether a retry may help, and the upstream HTTP status
/// if there was one. Serialized as the `err` half of an envelope.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GuestError {
    /// The [`ErrorKind`] name (`not_found`).
    pub kind: String,
    /// A description.
    pub message: String,
    /// Whether trying again may succeed.
    #[serde(default)]
    pub retryable: bool,
    /// The upstream HTTP status, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
}

impl GuestError {
    /// An error of `kind` with `message`.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        GuestError {
            kind: kind.as_str().to_owned(),
            message: message.into(),
            retryable: kind.is_retryable(),
            status: None,
        }
    }

    /// Record the upstream HTTP status.
    pub fn with_status(mut self, status: u16) -> Self {
        self.status = Some(status);
        self
    }

    /// `InvalidInput` about `field`.
    pub fn invalid(field: &str, message: impl fmt::Display) -> Self {
        GuestError::new(ErrorKind::InvalidInput, format!("{field}: {message}"))
    }

    /// `NotFound`.
    pub fn not_found(message: impl Into<String>) -> Self {
        GuestError::new(ErrorKind::NotFound, message)
    }

    /// `Decode`: an upstream answer that did not parse.
    pub fn decode(message: impl fmt::Display) -> Self {
        GuestError::new(ErrorKind::Decode, message.to_string())
    }

    /// The error for an upstream HTTP status: 401 `Unauthenticated`, 403
    /// `PermissionDenied`, 404 `NotFound`, 409 `Conflict`, 400/422
    /// `InvalidInput`, 429 `RateLimited`, 5xx `Unavailable`, else
    /// `Provider`.
    pub fn from_status(status: u16, body: &str) -> Self {
        let kind = match status {
            401 => ErrorKind::Unauthenticated,
            403 => ErrorKind::PermissionDenied,
            404 => ErrorKind::NotFound,
            409 => ErrorKind::Conflict,
            400 | 422 => ErrorKind::InvalidInput,
            429 => ErrorKind::RateLimited,
            500..=599 => ErrorKind::Unavailable,
            _ => ErrorKind::Provider,
        };
        let text: String = body.chars().take(200).collect();
        // the host shows the status beside the message
        GuestError::new(kind, text.trim().to_owned()).with_status(status)
    }
}

impl fmt::Display for GuestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.kind, self.message)
    }
}

impl std::error::Error for GuestError {}

impl From<serde_json::Error> for GuestError {
    fn from(e: serde_json::Error) -> Self {
        GuestError::decode(e)
    }
}
