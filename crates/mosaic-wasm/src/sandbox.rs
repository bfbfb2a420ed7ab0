//! [`Sandbox`]: one plugin's instances, their limits and the call path.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use mosaic_core::{Error, ErrorKind, Result};
use parking_lot::Mutex;
use tokio::sync::Semaphore;
use wasmtime::{Instance, Memory, Store, Trap, TypedFunc};

use crate::abi::{self, Envelope};
use crate::fault::WasmFault;
use crate::host::{HostEnv, HostState};
use crate::limits::WasmLimits;
use crate::runtime::{TICK, WasmModule};

/// One live instance: its store, memory and ABI exports.
pub(crate) struct Live {
    store: Store<HostState>,
    instance: Instance,
    memory: Memory,
    alloc: TypedFunc<i32, i32>,
    free: TypedFunc<(i32, i32), ()>,
}

/// Why a call on a live instance failed, and whether the instance survives.
struct Failure {
    error: Error,
    discard: bool,
}

impl Live {
    /// A fresh instance of `module` for `env` under `limits`.
    pub(crate) fn new(module: &WasmModule, env: Arc<HostEnv>, limits: WasmLimits) -> Result<Self> {
        let plugin = env.plugin.clone();
        let epoch = module.inner.runtime.epoch.clone();
        let mut store = Store::new(
            &module.inner.runtime.engine,
            HostState::new(env, limits, epoch),
        );
        store.limiter(|s| s as &mut dyn wasmtime::ResourceLimiter);
        arm(&mut store, &limits);
        let instance = module
            .inner
            .pre
            .instantiate(&mut store)
            .map_err(|e| classify(&store, &e, &plugin, "instantiating").error)?;
        let bad = |what: &str| WasmFault::AbiViolation.error(&plugin, what);
        let memory = instance
            .get_memory(&mut store, abi::EXPORT_MEMORY)
            .ok_or_else(|| bad("no memory export"))?;
        let alloc = instance
            .get_typed_func(&mut store, abi::EXPORT_ALLOC)
            .map_err(|_| bad("bad mosaic_alloc export"))?;
        let free = instance
            .get_typed_func(&mut store, abi::EXPORT_FREE)
            .map_err(|_| bad("bad mosaic_free export"))?;
        Ok(Live {
            store,
            instance,
            memory,
            alloc,
            free,
        })
    }

    pub(crate) fn abi_version(&mut self, plugin: &str, limits: WasmLimits) -> Result<i32> {
        arm(&mut self.store, &limits);
        let f = self
            .instance
            .get_typed_func::<(), i32>(&mut self.store, abi::EXPORT_ABI_VERSION)
            .map_err(|_| WasmFault::AbiViolation.error(plugin, "bad mosaic_abi_version export"))?;
        f.call(&mut self.store, ())
            .map_err(|e| classify(&self.store, &e, plugin, "mosaic_abi_version").error)
    }

    pub(crate) fn describe(&mut self, plugin: &str, limits: WasmLimits) -> Result<Vec<u8>> {
        arm(&mut self.store, &limits);
        let f = self
            .instance
            .get_typed_func::<(), i64>(&mut self.store, abi::EXPORT_DESCRIBE)
            .map_err(|_| WasmFault::AbiViolation.error(plugin, "bad mosaic_describe export"))?;
        let packed = f
            .call(&mut self.store, ())
            .map_err(|e| classify(&self.store, &e, plugin, "mosaic_describe").error)?;
        self.take_output(packed, plugin, &limits)
            .map_err(|f| f.error)
    }

    /// Call export `export` with `input`; the bytes of its output.
    fn call(
        &mut self,
        export: &str,
        operation: &str,
        input: &[u8],
        limits: &WasmLimits,
    ) -> std::result::Result<Vec<u8>, Failure> {
        let plugin = self.store.data().env.plugin.clone();
        let Ok(func) = self
            .instance
            .get_typed_func::<(i32, i32), i64>(&mut self.store, export)
        else {
            return Err(Failure {
                error: Error::unsupported(operation).with_provider(plugin),
                discard: false,
            });
        };
        arm(&mut self.store, limits);
        let len = input.len() as i32;
        let ptr = self
            .alloc
            .call(&mut self.store, len)
            .map_err(|e| classify(&self.store, &e, &plugin, "mosaic_alloc"))?;
        let start = ptr as u32 as usize;
        match self
            .memory
            .data_mut(&mut self.store)
            .get_mut(start..start.saturating_add(input.len()))
        {
            Some(dst) => dst.copy_from_slice(input),
            None => {
                return Err(Failure {
                    error: WasmFault::AbiViolation
                        .error(&plugin, "mosaic_alloc returned a buffer outside memory"),
                    discard: true,
                });
            }
        }
        let packed = func
            .call(&mut self.store, (ptr, len))
            .map_err(|e| classify(&self.store, &e, &plugin, operation))?;
        // the output was allocated after the input: free it first, so a
        // stack-like guest allocator gets both back
        let out = self.take_output(packed, &plugin, limits);
        if let Err(e) = self.free.call(&mut self.store, (ptr, len)) {
            return Err(classify(&self.store, &e, &plugin, "mosaic_free"));
        }
        out
    }

    /// Copy out and free the output buffer at `packed`.
    fn take_output(
        &mut self,
        packed: i64,
        plugin: &str,
        limits: &WasmLimits,
    ) -> std::result::Result<Vec<u8>, Failure> {
        let (ptr, len) = abi::unpack(packed);
        let (start, n) = (ptr as usize, len as usize);
        if n > limits.max_output_bytes {
            let freed = self.free.call(&mut self.store, (ptr as i32, len as i32));
            return Err(Failure {
                error: WasmFault::TooLarge.error(
                    plugin,
                    format!(
                        "output of {n} bytes exceeds the limit of {}",
                        limits.max_output_bytes
                    ),
                ),
                discard: freed.is_err(),
            });
        }
        let Some(bytes) = self
            .memory
            .data(&self.store)
            .get(start..start.saturating_add(n))
            .map(<[u8]>::to_vec)
        else {
            return Err(Failure {
                error: WasmFault::AbiViolation.error(
                    plugin,
                    format!("output {start}+{n} lies outside guest memory"),
                ),
                discard: true,
            });
        };
        self.free
            .call(&mut self.store, (ptr as i32, len as i32))
            .map_err(|e| classify(&self.store, &e, plugin, "mosaic_free"))?;
        Ok(bytes)
    }
}

/// Reset per-call state and start the CPU clock.
fn arm(store: &mut Store<HostState>, limits: &WasmLimits) {
    let ticks = (limits.cpu.as_micros() / TICK.as_micros()).max(1) as u64;
    let s = store.data_mut();
    s.out_of_memory = false;
    s.abi_violation = None;
    s.http_calls = 0;
    s.deadline = s.epoch.load(Ordering::Relaxed) + ticks;
    store.set_epoch_deadline(ticks);
}

/// The typed error for a failed wasm call. Every trap discards the
/// instance.
fn classify(store: &Store<HostState>, e: &wasmtime::Error, plugin: &str, during: &str) -> Failure {
    let s = store.data();
    let error = if s.out_of_memory {
        WasmFault::OutOfMemory.error(
            plugin,
            format!(
                "{during}: memory limit of {} bytes reached",
                s.limits.memory_bytes
            ),
        )
    } else if let Some(what) = &s.abi_violation {
        WasmFault::AbiViolation.error(plugin, format!("{during}: {what}"))
    } else {
        match e.downcast_ref::<Trap>() {
            Some(Trap::Interrupt) => WasmFault::Timeout.error(
                plugin,
                format!(
                    "{during}: stopped after the CPU limit of {:?}",
                    s.limits.cpu
                ),
            ),
            Some(Trap::StackOverflow) => {
                WasmFault::Crashed.error(plugin, format!("{during}: stack overflow"))
            }
            Some(trap) => WasmFault::Crashed.error(plugin, format!("{during}: {trap}")),
            None => WasmFault::Crashed.error(plugin, format!("{during}: {e}")),
        }
    };
    Failure {
        error,
        discard: true,
    }
}

/// Counters of a sandbox.
#[derive(Debug, Default)]
struct Counters {
    instantiated: AtomicU64,
    discarded: AtomicU64,
}

/// One plugin's sandbox: a compiled module, the host environment its
/// instances get, its limits, and a pool of idle instances.
///
/// Calls run guest code on tokio's blocking threads (wasm execution is
/// synchronous, and `http_request` blocks that thread, not the runtime),
/// at most [`WasmLimits::instances`] at once. An instance that traps is
/// discarded; the next call makes a fresh one from the pre-linked module.
/// A call the caller stops waiting for still finishes (within its CPU
/// deadline) and still counts against the instance limit meanwhile.
///
/// Cheap to clone.
#[derive(Clone)]
pub struct Sandbox {
    inner: Arc<SbInner>,
}

struct SbInner {
    module: WasmModule,
    env: Arc<HostEnv>,
    limits: WasmLimits,
    permits: Arc<Semaphore>,
    idle: Mutex<Vec<Live>>,
    counters: Counters,
}

impl fmt::Debug for Sandbox {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sandbox")
            .field("plugin", &self.inner.env.plugin)
            .field("limits", &self.inner.limits)
            .field("instantiated", &self.instantiated())
            .field("discarded", &self.discarded())
            .finish()
    }
}

impl Sandbox {
    /// A sandbox running `module` with `env` under `limits`.
    pub fn new(module: WasmModule, env: HostEnv, limits: WasmLimits) -> Self {
        Sandbox {
            inner: Arc::new(SbInner {
                module,
                env: Arc::new(env),
                permits: Arc::new(Semaphore::new(limits.instances.max(1))),
                limits,
                idle: Mutex::new(Vec::new()),
                counters: Counters::default(),
            }),
        }
    }

    /// The module run.
    pub fn module(&self) -> &WasmModule {
        &self.inner.module
    }

    /// The limits in force.
    pub fn limits(&self) -> &WasmLimits {
        &self.inner.limits
    }

    /// The plugin id.
    pub fn plugin(&self) -> &str {
        &self.inner.env.plugin
    }

    /// Instances made so far.
    pub fn instantiated(&self) -> u64 {
        self.inner.counters.instantiated.load(Ordering::Relaxed)
    }

    /// Instances thrown away after a trap so far.
    pub fn discarded(&self) -> u64 {
        self.inner.counters.discarded.load(Ordering::Relaxed)
    }

    /// Call operation `operation` (`git.repository.get`) with its JSON
    /// parameters; the JSON of its result, or the error the guest reported
    /// or the sandbox raised.
    pub async fn call(&self, operation: &str, input: Vec<u8>) -> Result<serde_json::Value> {
        let raw = self.call_raw(operation, input).await?;
        decode(&raw, self.plugin())
    }

    /// [`call`](Self::call), answering the guest's envelope bytes as
    /// returned.
    pub async fn call_raw(&self, operation: &str, input: Vec<u8>) -> Result<Vec<u8>> {
        let plugin = self.plugin();
        if input.len() > self.inner.limits.max_input_bytes {
            return Err(WasmFault::TooLarge.error_of_kind(
                ErrorKind::InvalidInput,
                plugin,
                format!(
                    "input of {} bytes exceeds the limit of {}",
                    input.len(),
                    self.inner.limits.max_input_bytes
                ),
            ));
        }
        let export = abi::export_name(operation);
        if !self.inner.module.inner.exports.contains(&export) {
            return Err(Error::unsupported(operation).with_provider(plugin.to_owned()));
        }
        let permit = self
            .inner
            .permits
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| Error::unavailable("the sandbox is closed"))?;
        let inner = self.inner.clone();
        let operation = operation.to_owned();
        let task = tokio::task::spawn_blocking(move || {
            let _permit = permit;
            inner.run(&export, &operation, &input)
        });
        match task.await {
            Ok(r) => r,
            Err(e) => Err(Error::internal(format!("sandbox thread failed: {e}"))
                .with_provider(self.plugin().to_owned())),
        }
    }
}

impl SbInner {
    fn run(&self, export: &str, operation: &str, input: &[u8]) -> Result<Vec<u8>> {
        let idle = self.idle.lock().pop();
        let mut live = match idle {
            Some(l) => l,
            None => {
                self.counters.instantiated.fetch_add(1, Ordering::Relaxed);
                Live::new(&self.module, self.env.clone(), self.limits)?
            }
        };
        match live.call(export, operation, input, &self.limits) {
            Ok(out) => {
                self.idle.lock().push(live);
                Ok(out)
            }
            Err(f) => {
                if f.discard {
                    self.counters.discarded.fetch_add(1, Ordering::Relaxed);
                } else {
                    self.idle.lock().push(live);
                }
                Err(f.error)
            }
        }
    }
}

/// Decode a guest's output envelope.
pub(crate) fn decode(raw: &[u8], plugin: &str) -> Result<serde_json::Value> {
    match serde_json::from_slice::<Envelope<serde_json::Value>>(raw) {
        Ok(Envelope::Ok(v)) => Ok(v),
        Ok(Envelope::Err(e)) => Err(e.into_error(plugin)),
        Err(e) => Err(WasmFault::AbiViolation
            .error(plugin, format!("the output is not a valid envelope: {e}"))),
    }
}
