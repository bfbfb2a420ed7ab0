//! ABI v1: names, signatures and the JSON envelopes between host and guest.
//!
//! See the crate documentation and `docs/wasm-abi.md` for the contract.

use mosaic_core::{Error, ErrorKind};
use serde::{Deserialize, Serialize};
use wasmtime::{ExternType, Module, ValType};

use crate::fault::WasmFault;

/// The ABI version this host implements.
pub const ABI_VERSION: i32 = 1;

/// The module name of every host function.
pub const HOST_MODULE: &str = "mosaic";

/// Export: `() -> i32`, the guest's ABI version.
pub const EXPORT_ABI_VERSION: &str = "mosaic_abi_version";
/// Export: `(len: i32) -> i32`, a buffer of `len` bytes in guest memory.
pub const EXPORT_ALLOC: &str = "mosaic_alloc";
/// Export: `(ptr: i32, len: i32)`, release a buffer from `mosaic_alloc`.
pub const EXPORT_FREE: &str = "mosaic_free";
/// Export: `() -> i64`, the packed location of the describe JSON.
pub const EXPORT_DESCRIBE: &str = "mosaic_describe";
/// Export: the guest's linear memory.
pub const EXPORT_MEMORY: &str = "memory";

/// The export implementing operation `name`: `op_` and the name with dots
/// replaced by underscores (`git.repository.get` → `op_git_repository_get`).
pub fn export_name(operation: &str) -> String {
    let mut s = String::with_capacity(operation.len() + 3);
    s.push_str("op_");
    s.extend(operation.chars().map(|c| if c == '.' { '_' } else { c }));
    s
}

/// `(ptr, len)` packed into one `i64`: pointer in the high 32 bits.
pub fn pack(ptr: u32, len: u32) -> i64 {
    ((u64::from(ptr) << 32) | u64::from(len)) as i64
}

/// The `(ptr, len)` of a packed `i64`.
pub fn unpack(v: i64) -> (u32, u32) {
    let v = v as u64;
    ((v >> 32) as u32, v as u32)
}

/// A host function's name and signature.
struct HostFn {
    name: &'static str,
    params: &'static [ValType],
    results: &'static [ValType],
}

const HOST_FNS: &[HostFn] = &[
    HostFn {
        name: "http_request",
        params: &[ValType::I32, ValType::I32],
        results: &[ValType::I64],
    },
    HostFn {
        name: "log",
        params: &[ValType::I32, ValType::I32, ValType::I32],
        results: &[],
    },
    HostFn {
        name: "config_get",
        params: &[ValType::I32, ValType::I32],
        results: &[ValType::I64],
    },
    HostFn {
        name: "now_ms",
        params: &[],
        results: &[ValType::I64],
    },
];

fn same(a: impl ExactSizeIterator<Item = ValType>, b: &[ValType]) -> bool {
    a.len() == b.len() && a.zip(b).all(|(x, y)| ValType::eq(&x, y))
}

/// Check a compiled module against ABI v1 before anything runs: it may
/// import only the host functions (with their exact signatures) and must
/// export the memory, `mosaic_abi_version`, `mosaic_alloc`, `mosaic_free`
/// and `mosaic_describe` with their signatures.
pub(crate) fn check_module(module: &Module, plugin: &str) -> Result<(), Error> {
    let violation = |what: String| Err(WasmFault::AbiViolation.error(plugin, what));
    for import in module.imports() {
        let (m, n) = (import.module(), import.name());
        if m != HOST_MODULE {
            return violation(format!(
                "the module imports `{m}::{n}`; the sandbox grants only the `{HOST_MODULE}` host functions (no WASI)"
            ));
        }
        let Some(f) = HOST_FNS.iter().find(|f| f.name == n) else {
            return violation(format!(
                "the module imports unknown host function `{m}::{n}`"
            ));
        };
        match import.ty() {
            ExternType::Func(ty)
                if same(ty.params(), f.params) && same(ty.results(), f.results) => {}
            _ => {
                return violation(format!("the module imports `{m}::{n}` with the wrong type"));
            }
        }
    }
    let need: &[(&str, &[ValType], &[ValType])] = &[
        (EXPORT_ABI_VERSION, &[], &[ValType::I32]),
        (EXPORT_ALLOC, &[ValType::I32], &[ValType::I32]),
        (EXPORT_FREE, &[ValType::I32, ValType::I32], &[]),
        (EXPORT_DESCRIBE, &[], &[ValType::I64]),
    ];
    for (name, params, results) in need {
        match module.get_export(name) {
            Some(ExternType::Func(ty))
                if same(ty.params(), params) && same(ty.results(), results) => {}
            Some(_) => return violation(format!("export `{name}` has the wrong type")),
            None => return violation(format!("missing export `{name}`")),
        }
    }
    match module.get_export(EXPORT_MEMORY) {
        Some(ExternType::Memory(m)) if !m.is_64() => {}
        _ => return violation(format!("missing 32-bit memory export `{EXPORT_MEMORY}`")),
    }
    for export in module.exports() {
        if export.name().starts_with("op_") {
            match export.ty() {
                ExternType::Func(ty)
                    if same(ty.params(), &[ValType::I32, ValType::I32])
                        && same(ty.results(), &[ValType::I64]) => {}
                _ => {
                    return violation(format!(
                        "operation export `{}` must be (i32, i32) -> i64",
                        export.name()
                    ));
                }
            }
        }
    }
    Ok(())
}

/// What `mosaic_describe` returns: the plugin's own account of itself.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Describe {
    /// The ABI version the guest was built for.
    pub abi: u32,
    /// The operations it implements (`git.repository.get`).
    pub operations: Vec<String>,
    /// The hosts it means to call (must be within the manifest's).
    #[serde(default)]
    pub hosts: Vec<String>,
    /// The configuration keys it reads.
    #[serde(default)]
    pub config: Vec<String>,
}

/// The error half of an envelope.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnvelopeError {
    /// An [`ErrorKind`] name (`not_found`); unknown names become `provider`.
    pub kind: String,
    /// A description (never a secret).
    pub message: String,
    /// Whether trying again may succeed.
    #[serde(default)]
    pub retryable: bool,
    /// The HTTP status behind the error, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
}

/// `{"ok": value}` or `{"err": {kind, message, retryable}}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase", deny_unknown_fields)]
pub enum Envelope<T> {
    /// Success.
    Ok(T),
    /// Failure.
    Err(EnvelopeError),
}

/// The error kind named `name` (its `as_str`), `Provider` if unknown.
pub fn kind_named(name: &str) -> ErrorKind {
    ErrorKind::ALL
        .iter()
        .copied()
        .find(|k| k.as_str() == name)
        .unwrap_or(ErrorKind::Provider)
}

impl EnvelopeError {
    /// The envelope for a Mosaic error.
    pub fn from_error(e: &Error) -> Self {
        EnvelopeError {
            kind: e.kind().as_str().to_owned(),
            message: e.message().to_owned(),
            retryable: e.is_retryable(),
            status: e.status(),
        }
    }

    /// The Mosaic error a guest reported, attributed to `plugin`.
    pub fn into_error(self, plugin: &str) -> Error {
        let mut e =
            Error::new(kind_named(&self.kind), self.message).with_provider(plugin.to_owned());
        if let Some(s) = self.status {
            e = e.with_status(s);
        }
        e
    }
}
