//! The host side of each instance: its store data, the resource limiter and
//! the four host functions (`http_request`, `log`, `config_get`, `now_ms`).

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use mosaic_core::{Error, ErrorKind, Secret};
use mosaic_plugin_sdk::{HttpClient, Redirects, SendError};
use serde::{Deserialize, Serialize};
use wasmtime::{AsContextMut, Caller, Extern, Linker, ResourceLimiter};

use crate::abi::{self, Envelope, EnvelopeError};
use crate::limits::WasmLimits;

/// A credential the host adds to the guest's HTTP requests: the guest never
/// sees it.
#[derive(Clone)]
pub struct Credential {
    /// The header it goes in (`authorization`).
    pub header: http::HeaderName,
    /// Text before the secret (`Bearer `).
    pub prefix: String,
    /// The secret.
    pub secret: Secret,
}

impl fmt::Debug for Credential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credential")
            .field("header", &self.header)
            .field("prefix", &self.prefix)
            .finish_non_exhaustive()
    }
}

/// What the host functions of one plugin instance may use: its allowlisted
/// HTTP client, its non-secret configuration, the credential the host adds,
/// and the tokio runtime HTTP requests run on.
#[derive(Clone)]
pub struct HostEnv {
    pub(crate) plugin: String,
    pub(crate) http: Option<HttpClient>,
    pub(crate) config: BTreeMap<String, serde_json::Value>,
    pub(crate) credential: Option<Credential>,
    pub(crate) runtime: Option<tokio::runtime::Handle>,
}

impl fmt::Debug for HostEnv {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HostEnv")
            .field("plugin", &self.plugin)
            .field("http", &self.http)
            .field("config_keys", &self.config.keys().collect::<Vec<_>>())
            .field("credential", &self.credential)
            .finish()
    }
}

impl HostEnv {
    /// An environment for `plugin` with no network, no configuration and no
    /// credential.
    pub fn new(plugin: impl Into<String>) -> Self {
        HostEnv {
            plugin: plugin.into(),
            http: None,
            config: BTreeMap::new(),
            credential: None,
            runtime: tokio::runtime::Handle::try_current().ok(),
        }
    }

    /// Send the guest's HTTP requests through `client` (its allowlist,
    /// redirect checks and limits apply).
    pub fn with_http(mut self, client: HttpClient) -> Self {
        self.http = Some(client);
        self
    }

    /// Values `config_get` may return. Never pass secrets here.
    pub fn with_config(mut self, values: BTreeMap<String, serde_json::Value>) -> Self {
        self.config = values;
        self
    }

    /// Add `credential` to every request the guest sends.
    pub fn with_credential(mut self, credential: Credential) -> Self {
        self.credential = Some(credential);
        self
    }

    /// Run HTTP requests on `runtime` (default: the runtime current when
    /// the environment was made).
    pub fn with_runtime(mut self, runtime: tokio::runtime::Handle) -> Self {
        self.runtime = Some(runtime);
        self
    }

    /// The plugin id.
    pub fn plugin(&self) -> &str {
        &self.plugin
    }
}

/// The data of one instance's store.
pub(crate) struct HostState {
    pub(crate) env: Arc<HostEnv>,
    pub(crate) limits: WasmLimits,
    /// The engine's epoch counter, mirrored by the runtime's ticker.
    pub(crate) epoch: Arc<AtomicU64>,
    /// The epoch at which the current call's CPU time runs out.
    pub(crate) deadline: u64,
    /// Set when the guest tried to grow memory past the cap.
    pub(crate) out_of_memory: bool,
    /// Set when a host function found the guest breaking the ABI.
    pub(crate) abi_violation: Option<String>,
    /// HTTP requests made during the current call.
    pub(crate) http_calls: u32,
}

impl HostState {
    pub(crate) fn new(env: Arc<HostEnv>, limits: WasmLimits, epoch: Arc<AtomicU64>) -> Self {
        HostState {
            env,
            limits,
            epoch,
            deadline: 0,
            out_of_memory: false,
            abi_violation: None,
            http_calls: 0,
        }
    }
}

impl ResourceLimiter for HostState {
    fn memory_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        if desired > self.limits.memory_bytes {
            self.out_of_memory = true;
            return Err(wasmtime::Error::msg(format!(
                "memory limit of {} bytes reached (asked for {desired})",
                self.limits.memory_bytes
            )));
        }
        Ok(true)
    }

    fn table_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        Ok(desired <= 100_000)
    }

    fn instances(&self) -> usize {
        1
    }

    fn memories(&self) -> usize {
        1
    }

    fn tables(&self) -> usize {
        4
    }
}

/// Record an ABI violation and trap.
fn violation(caller: &mut Caller<'_, HostState>, what: String) -> wasmtime::Error {
    let e = wasmtime::Error::msg(what.clone());
    caller.data_mut().abi_violation = Some(what);
    e
}

/// Copy `len` bytes at `ptr` out of the guest's memory.
pub(crate) fn read_guest(
    caller: &mut Caller<'_, HostState>,
    ptr: i32,
    len: i32,
    max: usize,
) -> wasmtime::Result<Vec<u8>> {
    let Some(memory) = caller
        .get_export(abi::EXPORT_MEMORY)
        .and_then(Extern::into_memory)
    else {
        return Err(violation(caller, "no memory export".into()));
    };
    let (ptr, len) = (ptr as u32 as usize, len as u32 as usize);
    if len > max {
        return Err(violation(
            caller,
            format!("a host-function argument of {len} bytes exceeds {max}"),
        ));
    }
    match memory.data(&*caller).get(ptr..ptr.saturating_add(len)) {
        Some(bytes) => Ok(bytes.to_vec()),
        None => Err(violation(
            caller,
            format!("buffer {ptr}+{len} lies outside guest memory"),
        )),
    }
}

/// Copy `bytes` into a fresh guest buffer (from `mosaic_alloc`), returning
/// its packed location; the guest owns and frees it.
fn give_guest(caller: &mut Caller<'_, HostState>, bytes: &[u8]) -> wasmtime::Result<i64> {
    let alloc = caller
        .get_export(abi::EXPORT_ALLOC)
        .and_then(Extern::into_func)
        .ok_or_else(|| wasmtime::Error::msg("no mosaic_alloc export"))?
        .typed::<i32, i32>(&*caller)?;
    let len = i32::try_from(bytes.len()).map_err(|_| wasmtime::Error::msg("result too large"))?;
    let ptr = alloc.call(&mut *caller, len)?;
    let Some(memory) = caller
        .get_export(abi::EXPORT_MEMORY)
        .and_then(Extern::into_memory)
    else {
        return Err(violation(caller, "no memory export".into()));
    };
    let start = ptr as u32 as usize;
    match memory
        .data_mut(&mut *caller)
        .get_mut(start..start.saturating_add(bytes.len()))
    {
        Some(dst) => dst.copy_from_slice(bytes),
        None => {
            return Err(violation(
                caller,
                format!("mosaic_alloc returned {start}, outside guest memory"),
            ));
        }
    }
    Ok(abi::pack(ptr as u32, len as u32))
}

/// Stop the CPU clock while the host works for the guest; returns the
/// ticks left.
fn pause_clock(caller: &Caller<'_, HostState>) -> u64 {
    let s = caller.data();
    s.deadline
        .saturating_sub(s.epoch.load(Ordering::Relaxed))
        .max(1)
}

/// Restart the CPU clock with `left` ticks.
fn resume_clock(caller: &mut Caller<'_, HostState>, left: u64) {
    let now = caller.data().epoch.load(Ordering::Relaxed);
    caller.data_mut().deadline = now + left;
    caller.as_context_mut().set_epoch_deadline(left);
}

/// What the guest passes to `http_request`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct GuestRequest {
    #[serde(default = "get")]
    method: String,
    url: String,
    #[serde(default)]
    headers: BTreeMap<String, String>,
    #[serde(default)]
    body: Option<String>,
}

fn get() -> String {
    "GET".into()
}

/// What `http_request` answers inside an `ok` envelope.
#[derive(Debug, Serialize)]
struct GuestResponse {
    status: u16,
    headers: BTreeMap<String, String>,
    body: String,
}

/// The largest `http_request` argument the host reads.
const MAX_REQUEST_BYTES: usize = 4 << 20;

/// Register the host functions in `linker`.
pub(crate) fn link(linker: &mut Linker<HostState>) -> wasmtime::Result<()> {
    linker.func_wrap(
        abi::HOST_MODULE,
        "http_request",
        |mut caller: Caller<'_, HostState>, ptr: i32, len: i32| -> wasmtime::Result<i64> {
            let bytes = read_guest(&mut caller, ptr, len, MAX_REQUEST_BYTES)?;
            let left = pause_clock(&caller);
            caller.data_mut().http_calls += 1;
            let answer = {
                let s = caller.data();
                if s.http_calls > s.limits.max_http_requests {
                    Envelope::Err(EnvelopeError::from_error(&Error::new(
                        ErrorKind::QuotaExceeded,
                        format!(
                            "more than {} HTTP requests in one call",
                            s.limits.max_http_requests
                        ),
                    )))
                } else {
                    match send(&s.env, &s.limits, &bytes) {
                        Ok(r) => Envelope::Ok(r),
                        Err(e) => Envelope::Err(EnvelopeError::from_error(&e)),
                    }
                }
            };
            resume_clock(&mut caller, left);
            let out = serde_json::to_vec(&answer)?;
            give_guest(&mut caller, &out)
        },
    )?;
    linker.func_wrap(
        abi::HOST_MODULE,
        "log",
        |mut caller: Caller<'_, HostState>,
         level: i32,
         ptr: i32,
         len: i32|
         -> wasmtime::Result<()> {
            let bytes = read_guest(&mut caller, ptr, len, 64 << 10)?;
            let text = mosaic_core::redact(&String::from_utf8_lossy(&bytes));
            let plugin = caller.data().env.plugin.as_str();
            match level {
                i32::MIN..=0 => tracing::error!(plugin, "{text}"),
                1 => tracing::warn!(plugin, "{text}"),
                2 => tracing::info!(plugin, "{text}"),
                3 => tracing::debug!(plugin, "{text}"),
                _ => tracing::trace!(plugin, "{text}"),
            }
            Ok(())
        },
    )?;
    linker.func_wrap(
        abi::HOST_MODULE,
        "config_get",
        |mut caller: Caller<'_, HostState>, ptr: i32, len: i32| -> wasmtime::Result<i64> {
            let key = read_guest(&mut caller, ptr, len, 1024)?;
            let key = String::from_utf8_lossy(&key);
            let value = caller.data().env.config.get(key.as_ref()).cloned();
            match value {
                None => Ok(0),
                Some(v) => {
                    let out = serde_json::to_vec(&v)?;
                    give_guest(&mut caller, &out)
                }
            }
        },
    )?;
    linker.func_wrap(abi::HOST_MODULE, "now_ms", || -> i64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_millis() as i64)
            .unwrap_or(0)
    })?;
    Ok(())
}

/// Perform one guest HTTP request through the plugin's allowlisted client.
fn send(env: &HostEnv, limits: &WasmLimits, bytes: &[u8]) -> Result<GuestResponse, Error> {
    let plugin = env.plugin.as_str();
    let Some(client) = &env.http else {
        return Err(Error::new(
            ErrorKind::PermissionDenied,
            format!("plugin `{plugin}` has no network access"),
        ));
    };
    let Some(runtime) = &env.runtime else {
        return Err(Error::internal("no tokio runtime to send HTTP requests on"));
    };
    let req: GuestRequest = serde_json::from_slice(bytes)
        .map_err(|e| Error::invalid_input("http_request", format!("bad request JSON: {e}")))?;
    let method = reqwest::Method::from_bytes(req.method.as_bytes())
        .map_err(|_| Error::invalid_input("method", "not an HTTP method"))?;
    let mut request = client.request(method, &req.url)?;
    for (k, v) in &req.headers {
        let name = http::HeaderName::from_bytes(k.as_bytes())
            .map_err(|_| Error::invalid_input("headers", format!("bad header name `{k}`")))?;
        // the credential is the host's to set, and framing headers are the
        // client's
        if env.credential.as_ref().is_some_and(|c| c.header == name)
            || [
                http::header::HOST,
                http::header::CONTENT_LENGTH,
                http::header::TRANSFER_ENCODING,
                http::header::CONNECTION,
            ]
            .contains(&name)
        {
            continue;
        }
        let value = http::HeaderValue::from_str(v)
            .map_err(|_| Error::invalid_input("headers", format!("bad value for header `{k}`")))?;
        request.headers_mut().append(name, value);
    }
    if let Some(c) = &env.credential {
        let mut value = http::HeaderValue::from_str(&format!("{}{}", c.prefix, c.secret.expose()))
            .map_err(|_| {
                Error::config(format!(
                    "plugin `{plugin}`: the credential is not a valid header value"
                ))
            })?;
        value.set_sensitive(true);
        request.headers_mut().insert(c.header.clone(), value);
    }
    if let Some(body) = req.body {
        *request.body_mut() = Some(body.into());
    }
    *request.timeout_mut() = Some(limits.http_timeout);
    let max = limits.max_http_body_bytes;
    let timeout = limits.http_timeout;
    runtime
        .block_on(async move {
            let work = async {
                let mut resp = match client.execute_with(request, Redirects::Allowed).await {
                    Ok(r) => r,
                    Err(SendError::Refused(e)) => return Err(e),
                    Err(SendError::Failed(e)) => return Err(client.map_error(&e)),
                    Err(_) => return Err(Error::internal("request failed")),
                };
                let status = resp.status().as_u16();
                let headers = resp
                    .headers()
                    .iter()
                    .filter_map(|(k, v)| Some((k.as_str().to_owned(), v.to_str().ok()?.to_owned())))
                    .collect();
                let mut body = Vec::new();
                while let Some(chunk) = resp.chunk().await.map_err(|e| client.map_error(&e))? {
                    if body.len() + chunk.len() > max {
                        return Err(Error::new(
                            ErrorKind::Provider,
                            format!("response body larger than {max} bytes"),
                        ));
                    }
                    body.extend_from_slice(&chunk);
                }
                Ok(GuestResponse {
                    status,
                    headers,
                    body: String::from_utf8_lossy(&body).into_owned(),
                })
            };
            match tokio::time::timeout(timeout + Duration::from_millis(50), work).await {
                Ok(r) => r,
                Err(_) => Err(Error::timeout("HTTP request timed out")),
            }
        })
        .map_err(|e| e.with_provider(plugin.to_owned()))
}
