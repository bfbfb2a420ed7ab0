//! Shared pieces of Mosaic's CI/CD adapters (`github_actions`,
//! `gitlab_ci`, `woodpecker`, `jenkins`).
//!
//! * [`status`]: status tables — each system's own state words mapped onto
//!   [`PipelineStatus`](mosaic_core::cicd::PipelineStatus), and the reverse
//!   lookup list filters use;
//! * [`log`]: cutting a log at a byte offset into a
//!   [`Log`](mosaic_core::cicd::Log);
//! * [`PollSettings`]: how long an adapter waits, on tokio's clock, for
//!   something the CI system creates asynchronously (a dispatched workflow
//!   run, a queued Jenkins build);
//! * plugin plumbing shared by the four plugin factories, and a GET that
//!   follows redirects to another origin without sending credentials there
//!   (log archives and artifacts live on storage hosts).

pub mod log;
mod poll;
// Helpers below serve some of the CI adapters only; `full` builds every
// user, so dead code still shows there.
#[cfg_attr(not(feature = "full"), allow(dead_code))]
pub(crate) mod raw;
pub mod status;

pub use poll::PollSettings;
#[cfg_attr(not(feature = "full"), allow(unused_imports))]
pub(crate) use poll::poll_until;

pub(crate) use crate::params::require;

/// What every CI/CD adapter module has alike: [`provider_basics`]
/// (`new`, `with_client`, `from_json`, `plugin_factory`) and `transport`
/// on `$provider`, which holds `http: Transport`.
///
/// [`provider_basics`]: crate::config::provider_basics
macro_rules! adapter_basics {
    ($provider:ident, $config:ident) => {
        $crate::config::provider_basics!($provider, $config, with_cicd);

        impl $provider {
            /// The transport (for calls Mosaic does not model).
            pub fn transport(&self) -> &$crate::http::Transport {
                &self.http
            }
        }
    };
}
pub(crate) use adapter_basics;

/// `value` as a positive integer id.
#[cfg_attr(not(feature = "full"), allow(dead_code))]
pub(crate) fn number(field: &str, value: &str) -> mosaic_core::Result<u64> {
    require(field, value)?;
    value
        .trim()
        .parse::<u64>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| {
            mosaic_core::Error::invalid_input(
                field,
                format!("`{}` is not a numeric id", mosaic_core::redact(value)),
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_checked() {
        assert_eq!(number("id", " 42 ").unwrap(), 42);
        for bad in ["", "  ", "0", "-1", "4x", "1.5", "99999999999999999999999"] {
            let e = number("id", bad).unwrap_err();
            assert_eq!(e.field(), Some("id"), "{bad}");
        }
    }
}
