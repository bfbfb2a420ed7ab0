//! What a budget layer tells its host: [`BudgetEvent`] and [`BudgetStatus`].

use std::sync::Arc;
use std::time::SystemTime;

use mosaic_core::RequestId;
use mosaic_core::error::BudgetAmount;

use super::config::{BudgetWindow, StoreFailure};

/// How one budget stands in its current window.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct BudgetStatus {
    /// The budget's name.
    pub name: Arc<str>,
    /// Whose budget: `tenant=acme,model=gpt-4o` (values percent-escaped),
    /// empty when it is not divided.
    pub scope: String,
    /// The window it counts over.
    pub window: BudgetWindow,
    /// Whether calls over it are refused.
    pub hard: bool,
    /// The limit per window.
    pub limit: BudgetAmount,
    /// What is spent (reserved calls included) in the window.
    pub spent: BudgetAmount,
    /// What is left: the limit less what is spent, zero when passed.
    pub remaining: BudgetAmount,
    /// When the window ends and the budget starts again from zero.
    pub resets_at: SystemTime,
}

/// Something a budget layer wants the host to know; subscribe with
/// [`BudgetLayer::subscribe`](super::BudgetLayer::subscribe).
///
/// Events go out on a `tokio::sync::broadcast` channel: a subscriber that
/// falls behind by more than the configured capacity misses the oldest.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum BudgetEvent {
    /// A call's reservation took a soft budget past its limit; the call
    /// went ahead. Sent once per crossing (the reservation that crosses
    /// the limit), not for every call after it. Also logged as a warning.
    SoftLimitExceeded {
        /// The budget after the reservation.
        status: BudgetStatus,
        /// The call.
        request: RequestId,
    },
    /// A hard budget refused a call (one event per budget that would have
    /// been passed).
    Refused {
        /// The budget as found.
        status: BudgetStatus,
        /// What the call was estimated to need.
        requested: BudgetAmount,
        /// The call.
        request: RequestId,
    },
    /// The store could not be reached; the call went ahead unmetered
    /// ([`StoreFailure::Open`]) or was refused ([`StoreFailure::Closed`]).
    /// Also logged as a warning (at most one per second per layer).
    StoreUnavailable {
        /// What went wrong (credentials redacted).
        problem: String,
        /// What the layer did.
        failure: StoreFailure,
        /// The call, when one was being metered (`None` for a failed
        /// reconciliation).
        request: Option<RequestId>,
    },
}
