//! # mosaic-wasm
//!
//! Third-party provider plugins in a WebAssembly sandbox. A module
//! implementing ABI v1 (`docs/wasm-abi.md`) becomes an ordinary provider —
//! `GitProvider`, `CiCdProvider`, … — whose calls run isolated, under
//! limits, with every failure a typed error:
//!
//! * [`WasmRuntime`]: one wasmtime engine (Cranelift, epoch interruption,
//!   no WASI) and the four host functions; [`WasmRuntime::load`] compiles a
//!   module once, checks its imports and exports, its ABI version and its
//!   `describe`, and pre-links it ([`WasmModule`]).
//! * [`Sandbox`]: one plugin's instances under [`WasmLimits`] — memory cap,
//!   CPU deadline per call, concurrent instances, input and output sizes.
//!   Guest code runs on tokio's blocking threads; an instance that traps is
//!   discarded ([`WasmFault`], read back with [`fault_of`]).
//! * [`HostEnv`]: what the host functions may use — the plugin's
//!   allowlisted `HttpClient` (the same send core as built-in providers),
//!   its non-secret configuration, and a [`Credential`] the host adds to
//!   requests so the guest never sees it.
//! * [`WasmProvider`] / [`WasmService`]: the module as each family's typed
//!   client, reporting exactly the operations it exports.
//! * Packages: `plugin.json` + module, content-hashed and ed25519-signed
//!   ([`sign_package`]), installed into a `PluginHost` from a directory
//!   ([`install`]) as [`WasmPlugin`]s with the usual lifecycle, trust,
//!   configuration, registry search and hot swap.
//!
//! ```
//! use mosaic_wasm::{HostEnv, Sandbox, WasmFault, WasmLimits, WasmRuntime, fault_of};
//!
//! // a guest whose one operation spins forever
//! let wasm = wat::parse_str(r#"(module
//!   (memory (export "memory") 1)
//!   (data (i32.const 16) "{\"abi\":1,\"operations\":[\"test.spin\"]}")
//!   (func (export "mosaic_abi_version") (result i32) (i32.const 1))
//!   (func (export "mosaic_alloc") (param i32) (result i32) (i32.const 1024))
//!   (func (export "mosaic_free") (param i32 i32))
//!   (func (export "mosaic_describe") (result i64)
//!     (i64.or (i64.shl (i64.const 16) (i64.const 32)) (i64.const 36)))
//!   (func (export "op_test_spin") (param i32 i32) (result i64)
//!     (loop $l (br $l)) (i64.const 0)))"#).unwrap();
//!
//! # tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap().block_on(async {
//! let runtime = WasmRuntime::new()?;
//! let limits = WasmLimits::default().cpu(std::time::Duration::from_millis(20));
//! let module = runtime.load("spinner", &wasm, limits)?;
//! let sandbox = Sandbox::new(module, HostEnv::new("spinner"), limits);
//! let err = sandbox.call("test.spin", b"{}".to_vec()).await.unwrap_err();
//! assert_eq!(fault_of(&err), Some(WasmFault::Timeout));
//! # Ok::<(), mosaic_core::Error>(())
//! # })?;
//! # Ok::<(), mosaic_core::Error>(())
//! ```

pub mod abi;
mod fault;
mod host;
mod limits;
mod package;
mod runtime;
mod sandbox;
mod service;

pub use fault::{WasmFault, fault_of};
pub use host::{Credential, HostEnv};
pub use limits::WasmLimits;
pub use package::{
    DEFAULT_MODULE, InstallReport, MANIFEST_KEY, WasmPackage, WasmPlugin, WasmPluginFactory,
    install, sign_package,
};
pub use runtime::{TICK, WasmModule, WasmRuntime};
pub use sandbox::Sandbox;
pub use service::{WasmFamily, WasmProvider, WasmService};
