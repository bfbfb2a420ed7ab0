//! [`WasmFault`]: how a sandboxed call failed, as a typed error.

use std::fmt;

use mosaic_core::{Error, ErrorKind};

/// Why the sandbox stopped a call. Attached as the source of the
/// [`mosaic_core::Error`] a call returns; read it back with [`fault_of`].
///
/// After any fault but [`TooLarge`](WasmFault::TooLarge) the instance that
/// ran the call is discarded; the next call gets a fresh one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum WasmFault {
    /// The call ran past its CPU deadline and was interrupted
    /// (`ErrorKind::Timeout`).
    Timeout,
    /// The guest tried to grow its memory past the cap, or its initial
    /// memory exceeds it (`ErrorKind::QuotaExceeded`).
    OutOfMemory,
    /// The guest trapped: `unreachable`, a panic, an out-of-bounds access,
    /// a stack overflow, a division by zero (`ErrorKind::Provider`).
    Crashed,
    /// The guest broke ABI v1: a missing or mistyped export, a wrong ABI
    /// version, an import the sandbox does not grant (WASI included), a
    /// buffer outside its memory, or output that is not a valid envelope
    /// (`ErrorKind::Provider`).
    AbiViolation,
    /// An input or output exceeded its size limit (`ErrorKind::InvalidInput`
    /// for input, `ErrorKind::Provider` for output).
    TooLarge,
}

impl WasmFault {
    /// A short, stable, snake_case name.
    pub const fn as_str(self) -> &'static str {
        match self {
            WasmFault::Timeout => "timeout",
            WasmFault::OutOfMemory => "out_of_memory",
            WasmFault::Crashed => "crashed",
            WasmFault::AbiViolation => "abi_violation",
            WasmFault::TooLarge => "too_large",
        }
    }

    /// The error kind callers see.
    pub const fn kind(self) -> ErrorKind {
        match self {
            WasmFault::Timeout => ErrorKind::Timeout,
            WasmFault::OutOfMemory => ErrorKind::QuotaExceeded,
            WasmFault::Crashed | WasmFault::AbiViolation | WasmFault::TooLarge => {
                ErrorKind::Provider
            }
        }
    }

    /// A Mosaic error of this fault for `plugin`, with `detail`.
    pub fn error(self, plugin: &str, detail: impl fmt::Display) -> Error {
        self.error_of_kind(self.kind(), plugin, detail)
    }

    pub(crate) fn error_of_kind(
        self,
        kind: ErrorKind,
        plugin: &str,
        detail: impl fmt::Display,
    ) -> Error {
        // the provider (`plugin: …`) leads the error's text already
        Error::new(kind, format!("wasm {}: {detail}", self.as_str()))
            .with_provider(plugin.to_owned())
            .with_source(self)
    }
}

impl fmt::Display for WasmFault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::error::Error for WasmFault {}

/// The sandbox fault behind `error`, if it is one.
pub fn fault_of(error: &Error) -> Option<WasmFault> {
    std::error::Error::source(error).and_then(|s| s.downcast_ref::<WasmFault>().copied())
}
