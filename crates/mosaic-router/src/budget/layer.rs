//! [`BudgetLayer`].

use std::fmt;
use std::sync::Arc;

use mosaic_core::{RequestContext, Result};
use tokio::sync::broadcast;
use tower::Layer;

use super::shared::Shared;
use super::{Budget, BudgetConfig, BudgetEvent, BudgetLimit, BudgetStatus};

/// Wraps AI services in a [`Budget`]; see the [module docs](super).
///
/// One layer is one set of budgets: every service it wraps, and every
/// clone of it, draws from them and sends events to its subscribers.
#[derive(Clone)]
pub struct BudgetLayer {
    shared: Arc<Shared>,
}

impl BudgetLayer {
    /// Budgets per `config`, once it [validates](BudgetConfig::validate).
    pub fn new(config: BudgetConfig) -> Result<Self> {
        config.validate()?;
        Ok(BudgetLayer {
            shared: Arc::new(Shared::new(config)),
        })
    }

    /// Receive the layer's [`BudgetEvent`]s from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<BudgetEvent> {
        self.shared.events.subscribe()
    }

    /// The budgets.
    pub fn limits(&self) -> impl Iterator<Item = &BudgetLimit> {
        self.shared.limits.iter().map(|l| &l.limit)
    }

    /// How every budget that selects a request with this context (tenant,
    /// principal) and `model` stands now, in configuration order — e.g. to
    /// show a tenant what is left. Budgets divided or selected by model
    /// need the model; with `None` they read as for requests without one.
    ///
    /// # Errors
    /// The store's, when it cannot be reached.
    pub async fn status(
        &self,
        context: &RequestContext,
        model: Option<&str>,
    ) -> Result<Vec<BudgetStatus>> {
        self.shared.status(context, model).await
    }

    /// Wait until every reconciliation running in the background (against
    /// a store that must be awaited, such as Redis) has finished.
    pub async fn settled(&self) {
        self.shared.settled().await
    }
}

impl<S> Layer<S> for BudgetLayer {
    type Service = Budget<S>;

    fn layer(&self, inner: S) -> Self::Service {
        Budget {
            inner,
            shared: self.shared.clone(),
        }
    }
}

impl fmt::Debug for BudgetLayer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BudgetLayer")
            .field(
                "budgets",
                &self.limits().map(BudgetLimit::name).collect::<Vec<_>>(),
            )
            .field("store", &self.shared.store)
            .finish_non_exhaustive()
    }
}
