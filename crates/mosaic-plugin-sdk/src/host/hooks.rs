//! Running plugin code under a timeout, with panics contained.

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::time::Duration;

use futures::FutureExt as _;
use mosaic_core::{Error, Result};
use tracing::Instrument as _;

use crate::handle::panic_message;

/// Run `hook` of `plugin`: a panic becomes an `Internal` error, running past
/// `limit` a `Timeout` error (the hook's future is dropped), both naming the
/// plugin and the hook.
pub(crate) async fn run_hook<T>(
    plugin: &str,
    hook: &str,
    limit: Duration,
    span: &tracing::Span,
    fut: impl Future<Output = Result<T>>,
) -> Result<T> {
    let guarded = AssertUnwindSafe(fut)
        .catch_unwind()
        .instrument(span.clone());
    match tokio::time::timeout(limit, guarded).await {
        Err(_) => Err(Error::timeout(format!(
            "plugin `{plugin}`: `{hook}` did not finish within {limit:?}"
        ))
        .with_provider(plugin.to_owned())),
        Ok(Err(panic)) => Err(Error::internal(format!(
            "plugin `{plugin}` panicked in `{hook}`: {}",
            panic_message(panic.as_ref())
        ))
        .with_provider(plugin.to_owned())),
        Ok(Ok(result)) => result.map_err(|e| {
            if e.provider().is_some() {
                e
            } else {
                e.with_provider(plugin.to_owned())
            }
        }),
    }
}

/// [`run_hook`] for a synchronous call (a factory's `create`).
pub(crate) fn run_sync<T>(plugin: &str, what: &str, f: impl FnOnce() -> Result<T>) -> Result<T> {
    match std::panic::catch_unwind(AssertUnwindSafe(f)) {
        Ok(r) => r,
        Err(panic) => Err(Error::internal(format!(
            "plugin `{plugin}` panicked in `{what}`: {}",
            panic_message(panic.as_ref())
        ))
        .with_provider(plugin.to_owned())),
    }
}
