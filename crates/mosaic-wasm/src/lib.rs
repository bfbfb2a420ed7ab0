//! # mosaic-wasm
//!
//! Third-party provider plugins in a WebAssembly sandbox (wasmtime), with
//! memory, CPU and network limits and typed faults.
//!
//! (Overview and ABI: see `docs/wasm-abi.md`.)

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
