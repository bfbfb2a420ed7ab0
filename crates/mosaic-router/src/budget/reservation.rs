//! A call's [`Reservation`] and how it is reconciled with what the call
//! used.

use std::sync::Arc;

use mosaic_core::ai::{AiResponse, ChatStream, Usage};
use mosaic_core::error::BudgetAmount;
use mosaic_core::{RequestId, Result};

use super::config::usd_to_units;
use super::shared::{Plan, Pricing, Shared};
use super::store::{Adjustment, Charge};
use super::stream::BudgetStream;

/// The amounts a call reserved, until it is reconciled.
///
/// Dropping it without reconciling keeps the reservation (the safe choice
/// when what was used is unknown).
pub(crate) struct Reservation {
    shared: Arc<Shared>,
    /// The charges, each holding the units reserved (zero when the store
    /// was unreachable and the call went ahead unmetered).
    charges: Vec<Charge>,
    limits: Vec<usize>,
    /// The estimated usage.
    pub(crate) estimate: Usage,
    pricing: Pricing,
    request: RequestId,
}

/// The usage an answer reports, and the cost its adapter computed; `None`
/// when it reports none (all zeros) or is not a model answer.
fn reported(response: &AiResponse) -> Option<(Usage, Option<f64>)> {
    let (usage, cost) = match response {
        AiResponse::Chat(r) => (r.usage, r.cost_usd),
        AiResponse::Complete(r) => (r.usage, r.cost_usd),
        AiResponse::Embed(r) => (r.usage, None),
        _ => return None,
    };
    is_reported(&usage).then_some((usage, cost))
}

/// Whether a usage was reported (providers that report none leave zeros).
pub(crate) fn is_reported(usage: &Usage) -> bool {
    usage.input_tokens != 0 || usage.output_tokens != 0
}

impl Reservation {
    /// The reservation of `plan`; `reserved` is false when the store was
    /// unreachable and nothing was reserved.
    pub(crate) fn new(shared: Arc<Shared>, plan: Plan, request: RequestId, reserved: bool) -> Self {
        let mut charges = plan.charges;
        if !reserved {
            charges.iter_mut().for_each(|c| c.amount = 0);
        }
        Reservation {
            shared,
            charges,
            limits: plan.limits,
            estimate: plan.estimate,
            pricing: plan.pricing,
            request,
        }
    }

    /// The call answered: reconcile (a stream is wrapped, to reconcile at
    /// its end) and hand the result on.
    pub(crate) fn finish(self, result: Result<AiResponse>) -> Result<AiResponse> {
        match result {
            Ok(AiResponse::ChatStream(stream)) => {
                let provider = stream.provider().map(str::to_owned);
                let metered = ChatStream::new(BudgetStream::new(stream, self));
                Ok(AiResponse::ChatStream(match provider {
                    Some(p) => metered.with_provider(p),
                    None => metered,
                }))
            }
            Ok(response) => {
                if let Some((usage, cost)) = reported(&response) {
                    self.settle(&usage, cost);
                }
                Ok(response)
            }
            Err(error) => {
                self.release();
                Err(error)
            }
        }
    }

    /// Correct the reservation to `usage` (priced with the layer's table;
    /// `cost` is the adapter's price, used only for a model the table does
    /// not know).
    pub(crate) fn settle(self, usage: &Usage, cost: Option<f64>) {
        let (tokens, usd) = self.units(usage, cost);
        self.reconcile(tokens, usd, false);
    }

    /// Keep the reservation, raised to `usage` where that is larger.
    pub(crate) fn keep_at_least(self, usage: &Usage) {
        let (tokens, usd) = self.units(usage, None);
        self.reconcile(tokens, usd, true);
    }

    /// Give the whole reservation back.
    pub(crate) fn release(self) {
        self.reconcile(0, 0, false);
    }

    /// `usage` in store units: tokens, and nano-dollars.
    fn units(&self, usage: &Usage, cost: Option<f64>) -> (u64, u64) {
        let usd = match self.pricing {
            Pricing::None => 0,
            Pricing::Priced(price) => usd_to_units(price.cost(usage)),
            Pricing::Unpriced => cost.map_or(0, usd_to_units),
        };
        (usage.total_tokens(), usd)
    }

    fn reconcile(self, tokens: u64, usd: u64, at_least_reserved: bool) {
        let shared = self.shared;
        let adjustments: Vec<Adjustment> = self
            .charges
            .into_iter()
            .zip(self.limits)
            .filter_map(|(c, i)| {
                let actual = match shared.limits[i].limit.amount {
                    BudgetAmount::Tokens(_) => tokens,
                    BudgetAmount::Usd(_) => usd,
                };
                let actual = if at_least_reserved {
                    actual.max(c.amount)
                } else {
                    actual
                };
                let delta = i64::try_from(actual).unwrap_or(i64::MAX)
                    - i64::try_from(c.amount).unwrap_or(i64::MAX);
                (delta != 0).then_some(Adjustment {
                    key: c.key,
                    delta,
                    expires_at: c.expires_at,
                })
            })
            .collect();
        if !adjustments.is_empty() {
            tracing::trace!(request = %self.request, adjustments = adjustments.len(), "budget reconciled");
        }
        shared.apply(adjustments);
    }
}
