//! [`WasmLimits`]: what one sandboxed plugin may consume.

use std::time::Duration;

/// Per-plugin resource limits, enforced by the sandbox on every call.
///
/// A package's `plugin.json` may ask for lower limits in its `x-wasm`
/// section; it can never raise the ones the host sets here
/// ([`WasmLimits::narrowed`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WasmLimits {
    /// Most linear memory one instance may have, in bytes. Growing past it
    /// traps the instance (out of memory).
    pub memory_bytes: usize,
    /// Most time one call may spend running guest code. Time spent waiting
    /// on host functions (`http_request`) does not count; it has its own
    /// limit ([`http_timeout`](Self::http_timeout)).
    pub cpu: Duration,
    /// Most instances of the plugin running calls at once; further calls
    /// wait for a free one.
    pub instances: usize,
    /// Largest operation input (JSON parameters) sent to the guest, in bytes.
    pub max_input_bytes: usize,
    /// Largest operation output the guest may return, in bytes.
    pub max_output_bytes: usize,
    /// Largest HTTP response body handed to the guest, in bytes.
    pub max_http_body_bytes: usize,
    /// Timeout of one `http_request`, redirects included.
    pub http_timeout: Duration,
    /// Most `http_request` calls during one operation.
    pub max_http_requests: u32,
}

impl Default for WasmLimits {
    /// 64 MiB of memory, 1 s of CPU per call, 4 instances, 1 MiB of input,
    /// 4 MiB of output, 8 MiB per HTTP body, 30 s per HTTP request, 64
    /// requests per call.
    fn default() -> Self {
        WasmLimits {
            memory_bytes: 64 << 20,
            cpu: Duration::from_secs(1),
            instances: 4,
            max_input_bytes: 1 << 20,
            max_output_bytes: 4 << 20,
            max_http_body_bytes: 8 << 20,
            http_timeout: Duration::from_secs(30),
            max_http_requests: 64,
        }
    }
}

impl WasmLimits {
    /// Set the memory cap.
    pub fn memory_bytes(mut self, bytes: usize) -> Self {
        self.memory_bytes = bytes;
        self
    }

    /// Set the CPU deadline of one call.
    pub fn cpu(mut self, cpu: Duration) -> Self {
        self.cpu = cpu;
        self
    }

    /// Set how many instances may run at once (at least 1).
    pub fn instances(mut self, n: usize) -> Self {
        self.instances = n.max(1);
        self
    }

    /// Set the largest input.
    pub fn max_input_bytes(mut self, bytes: usize) -> Self {
        self.max_input_bytes = bytes;
        self
    }

    /// Set the largest output.
    pub fn max_output_bytes(mut self, bytes: usize) -> Self {
        self.max_output_bytes = bytes;
        self
    }

    /// Set the largest HTTP response body.
    pub fn max_http_body_bytes(mut self, bytes: usize) -> Self {
        self.max_http_body_bytes = bytes;
        self
    }

    /// Set the timeout of one HTTP request.
    pub fn http_timeout(mut self, timeout: Duration) -> Self {
        self.http_timeout = timeout;
        self
    }

    /// The lower of these limits and what a package asks for in its
    /// manifest's `x-wasm` section (`memoryBytes`, `cpuMs`, `instances`,
    /// `maxInputBytes`, `maxOutputBytes`); unknown or malformed entries are
    /// ignored, and a package can only tighten a limit.
    pub fn narrowed(mut self, requested: &serde_json::Value) -> Self {
        let get = |k: &str| requested.get(k).and_then(serde_json::Value::as_u64);
        let clamp = |cur: usize, v: Option<u64>| match v {
            Some(v) => cur.min(usize::try_from(v).unwrap_or(usize::MAX)),
            None => cur,
        };
        self.memory_bytes = clamp(self.memory_bytes, get("memoryBytes"));
        self.instances = clamp(self.instances, get("instances")).max(1);
        self.max_input_bytes = clamp(self.max_input_bytes, get("maxInputBytes"));
        self.max_output_bytes = clamp(self.max_output_bytes, get("maxOutputBytes"));
        if let Some(ms) = get("cpuMs") {
            self.cpu = self.cpu.min(Duration::from_millis(ms));
        }
        self
    }
}
