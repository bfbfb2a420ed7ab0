//! # mosaic-plugin-guest
//!
//! Write a Mosaic provider plugin in Rust that runs in `mosaic-wasm`'s
//! sandbox. Operations are ordinary functions over Mosaic's own parameter
//! and result types (`mosaic_core::cicd::PipelineRef` in,
//! `mosaic_core::cicd::Pipeline` out); [`plugin!`] exports them under ABI
//! v1 with the JSON envelopes, the allocator and `mosaic_describe`, and
//! [`http`], [`config`], [`log`] and [`now_ms`] call the host.
//!
//! ```no_run
//! use mosaic_core::cicd::{Pipeline, PipelineRef};
//! use mosaic_plugin_guest::{GuestResult, http};
//!
//! fn get_pipeline(p: PipelineRef) -> GuestResult<Pipeline> {
//!     let base: String = mosaic_plugin_guest::config("base_url").unwrap_or_default();
//!     let resp = http::get(&format!("{base}/api/repos/{}/pipelines/{}", p.project, p.id))?;
//!     let _wire: serde_json::Value = resp.json()?;
//!     Ok(Pipeline::default())
//! }
//!
//! mosaic_plugin_guest::plugin! {
//!     hosts: ["ci.example.com"],
//!     config: ["base_url"],
//!     operations: {
//!         op_cicd_pipeline_get: "cicd.pipeline.get" => get_pipeline,
//!     }
//! }
//! ```
//!
//! Build for `wasm32-unknown-unknown` with `panic = "abort"` (a panic then
//! traps, and the host reports the call as crashed). On any other target
//! the host functions answer `Unsupported`, so the crate still builds and
//! its pure parts can be tested natively.

pub mod abi;
mod error;
pub mod http;

pub use error::{GuestError, GuestResult};

/// The ABI version this crate implements.
pub const ABI_VERSION: i32 = 1;

/// A non-secret configuration value of the plugin, decoded; `None` when it
/// is not set or does not decode as `T`.
pub fn config<T: serde::de::DeserializeOwned>(key: &str) -> Option<T> {
    let bytes = abi::host_config_get(key)?;
    serde_json::from_slice(&bytes).ok()
}

/// Log levels for [`log`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// Errors.
    Error = 0,
    /// Warnings.
    Warn = 1,
    /// Information.
    Info = 2,
    /// Debugging detail.
    Debug = 3,
}

/// Log `message` through the host (secrets in it are redacted there).
pub fn log(level: Level, message: &str) {
    abi::host_log(level as i32, message);
}

/// Milliseconds since the Unix epoch, from the host.
pub fn now_ms() -> i64 {
    abi::host_now_ms()
}

/// Export typed operations under ABI v1.
///
/// ```text
/// plugin! {
///     hosts: ["ci.example.com"],          // hosts the plugin calls (informative;
///                                         // plugin.json's permissions decide)
///     config: ["base_url"],               // configuration keys it reads
///     operations: {
///         op_cicd_pipeline_get: "cicd.pipeline.get" => get_pipeline,
///         ...
///     }
/// }
/// ```
///
/// Each operation row names its export (`op_` and the operation name with
/// dots as underscores — the host refuses a module whose `describe` lists
/// an operation without that export), the operation, and a function
/// `fn(Params) -> GuestResult<Output>` over the operation's Mosaic types.
/// Also exports `mosaic_abi_version`, `mosaic_alloc`, `mosaic_free` and
/// `mosaic_describe`. Use it once per module.
#[macro_export]
macro_rules! plugin {
    (
        hosts: [$($host:literal),* $(,)?],
        config: [$($key:literal),* $(,)?],
        operations: {
            $($export:ident : $name:literal => $handler:path),+ $(,)?
        } $(,)?
    ) => {
        #[unsafe(no_mangle)]
        pub extern "C" fn mosaic_abi_version() -> i32 {
            $crate::ABI_VERSION
        }

        #[unsafe(no_mangle)]
        pub extern "C" fn mosaic_alloc(len: i32) -> i32 {
            $crate::abi::alloc(len)
        }

        #[unsafe(no_mangle)]
        pub extern "C" fn mosaic_free(ptr: i32, len: i32) {
            $crate::abi::free(ptr, len)
        }

        #[unsafe(no_mangle)]
        pub extern "C" fn mosaic_describe() -> i64 {
            $crate::abi::describe(&[$($name),+], &[$($host),*], &[$($key),*])
        }

        $(
            #[unsafe(no_mangle)]
            pub extern "C" fn $export(ptr: i32, len: i32) -> i64 {
                $crate::abi::run(ptr, len, $handler)
            }
        )+
    };
}
