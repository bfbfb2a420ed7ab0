//! Checks on operation parameters, shared by the adapters.

use mosaic_core::{Error, Result};

/// `value` must not be blank: `InvalidInput` naming `field` otherwise.
// Unused when only providers without parameter checks are enabled; `full`
// builds every user, so dead code still shows there.
#[cfg_attr(not(feature = "full"), allow(dead_code))]
pub(crate) fn require(field: &str, value: &str) -> Result<()> {
    if value.trim().is_empty() {
        return Err(Error::invalid_input(field, "must not be empty"));
    }
    Ok(())
}

/// [`require`], with `provider` named on the error.
#[cfg(feature = "_kb")]
pub(crate) fn require_for(provider: &'static str, field: &str, value: &str) -> Result<()> {
    require(field, value).map_err(|e| e.with_provider(provider))
}
