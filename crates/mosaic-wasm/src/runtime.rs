//! [`WasmRuntime`]: the engine, its epoch ticker and the host-function
//! linker; [`WasmModule`]: a module compiled once and pre-linked.

use std::collections::BTreeSet;
use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use mosaic_core::{Error, Result};
use wasmtime::{Config, Engine, InstancePre, Linker, Module};

use crate::abi::{self, Describe, check_module};
use crate::fault::WasmFault;
use crate::host::{self, HostEnv, HostState};
use crate::limits::WasmLimits;
use crate::sandbox::Live;

/// How often the epoch advances: the granularity of CPU deadlines.
pub const TICK: Duration = Duration::from_millis(1);

/// The WebAssembly engine shared by every sandboxed plugin of a host.
///
/// Owns a compiler (Cranelift) configured for ABI v1 — epoch interruption
/// on, no WASI, no threads — a linker holding the four host functions, and
/// a background thread that advances the engine's epoch once per [`TICK`]
/// of wall-clock time (this is what stops a runaway guest). The thread
/// ends when the last clone of the runtime, and every module compiled by
/// it, is dropped.
///
/// Cheap to clone.
#[derive(Clone)]
pub struct WasmRuntime {
    inner: Arc<RtInner>,
}

pub(crate) struct RtInner {
    pub(crate) engine: Engine,
    linker: Linker<HostState>,
    pub(crate) epoch: Arc<AtomicU64>,
    stop: Arc<AtomicBool>,
}

impl Drop for RtInner {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

impl fmt::Debug for WasmRuntime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WasmRuntime")
            .field("epoch", &self.inner.epoch.load(Ordering::Relaxed))
            .finish()
    }
}

impl WasmRuntime {
    /// A new engine with its epoch ticker.
    pub fn new() -> Result<Self> {
        let mut config = Config::new();
        config.epoch_interruption(true);
        config.max_wasm_stack(512 << 10);
        let engine = Engine::new(&config)
            .map_err(|e| Error::internal(format!("cannot start the wasm engine: {e}")))?;
        let mut linker = Linker::new(&engine);
        host::link(&mut linker)
            .map_err(|e| Error::internal(format!("cannot link host functions: {e}")))?;
        let epoch = Arc::new(AtomicU64::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        {
            let (engine, epoch, stop) = (engine.clone(), epoch.clone(), stop.clone());
            std::thread::Builder::new()
                .name("mosaic-wasm-epoch".into())
                .spawn(move || {
                    // The epoch follows the wall clock, not the number of
                    // wake-ups: on a loaded machine a sleep overshoots, and
                    // counting wake-ups would stretch every deadline.
                    let start = std::time::Instant::now();
                    let tick = TICK.as_micros().max(1);
                    while !stop.load(Ordering::Relaxed) {
                        std::thread::sleep(TICK);
                        let now = (start.elapsed().as_micros() / tick) as u64;
                        let current = epoch.load(Ordering::Relaxed);
                        for _ in current..now {
                            engine.increment_epoch();
                        }
                        epoch.store(now.max(current), Ordering::Relaxed);
                    }
                })
                .map_err(|e| Error::internal(format!("cannot start the epoch ticker: {e}")))?;
        }
        Ok(WasmRuntime {
            inner: Arc::new(RtInner {
                engine,
                linker,
                epoch,
                stop,
            }),
        })
    }

    /// Compile `bytes` (a binary module) for `plugin`, check it against ABI
    /// v1, pre-link it, and ask it to describe itself within `limits`.
    ///
    /// Fails with a typed error ([`WasmFault::AbiViolation`]) for a module
    /// that imports anything but the host functions (WASI included), lacks
    /// an ABI export, reports another ABI version, or describes itself
    /// badly; with the fault of whatever stopped it if describing traps,
    /// runs out of memory or time.
    pub fn load(&self, plugin: &str, bytes: &[u8], limits: WasmLimits) -> Result<WasmModule> {
        let module = Module::new(&self.inner.engine, bytes).map_err(|e| {
            WasmFault::AbiViolation.error(plugin, format!("not a valid WebAssembly module: {e}"))
        })?;
        check_module(&module, plugin)?;
        let pre = self
            .inner
            .linker
            .instantiate_pre(&module)
            .map_err(|e| WasmFault::AbiViolation.error(plugin, format!("cannot link: {e}")))?;
        let ops: BTreeSet<String> = module
            .exports()
            .filter(|e| e.name().starts_with("op_"))
            .map(|e| e.name().to_owned())
            .collect();
        let mut probe = WasmModule {
            inner: Arc::new(ModInner {
                runtime: self.inner.clone(),
                pre,
                describe: Describe::default(),
                exports: ops,
                size: bytes.len(),
            }),
        };
        let env = Arc::new(HostEnv::new(plugin));
        let mut live = Live::new(&probe, env, limits)?;
        let version = live.abi_version(plugin, limits)?;
        if version != abi::ABI_VERSION {
            return Err(WasmFault::AbiViolation.error(
                plugin,
                format!(
                    "the module implements ABI version {version}; this host implements {}",
                    abi::ABI_VERSION
                ),
            ));
        }
        let text = live.describe(plugin, limits)?;
        let describe: Describe = serde_json::from_slice(&text).map_err(|e| {
            WasmFault::AbiViolation.error(plugin, format!("mosaic_describe is not valid: {e}"))
        })?;
        if describe.abi != abi::ABI_VERSION as u32 {
            return Err(WasmFault::AbiViolation.error(
                plugin,
                format!("mosaic_describe reports ABI {}", describe.abi),
            ));
        }
        for op in &describe.operations {
            if !probe.inner.exports.contains(&abi::export_name(op)) {
                return Err(WasmFault::AbiViolation.error(
                    plugin,
                    format!(
                        "describes operation `{op}` but exports no `{}`",
                        abi::export_name(op)
                    ),
                ));
            }
        }
        drop(live);
        let inner =
            Arc::get_mut(&mut probe.inner).ok_or_else(|| Error::internal("module shared"))?;
        inner.describe = describe;
        Ok(probe)
    }
}

/// A module compiled once, checked against ABI v1 and pre-linked: every
/// instance of the plugin is made from it in microseconds.
///
/// Cheap to clone.
#[derive(Clone)]
pub struct WasmModule {
    pub(crate) inner: Arc<ModInner>,
}

pub(crate) struct ModInner {
    pub(crate) runtime: Arc<RtInner>,
    pub(crate) pre: InstancePre<HostState>,
    pub(crate) describe: Describe,
    pub(crate) exports: BTreeSet<String>,
    pub(crate) size: usize,
}

impl fmt::Debug for WasmModule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WasmModule")
            .field("describe", &self.inner.describe)
            .field("bytes", &self.inner.size)
            .finish()
    }
}

impl WasmModule {
    /// What the module said about itself.
    pub fn describe(&self) -> &Describe {
        &self.inner.describe
    }

    /// Whether the module exports operation `name`.
    pub fn supports(&self, name: &str) -> bool {
        self.inner.exports.contains(&abi::export_name(name))
    }

    /// Make one instance under `limits` and drop it: what every fresh
    /// instance costs (and a check that the module still instantiates).
    pub fn instantiate(&self, limits: WasmLimits) -> Result<()> {
        let env = Arc::new(HostEnv::new("instantiate"));
        Live::new(self, env, limits).map(drop)
    }

    /// The size of the module's binary, in bytes.
    pub fn size(&self) -> usize {
        self.inner.size
    }
}
