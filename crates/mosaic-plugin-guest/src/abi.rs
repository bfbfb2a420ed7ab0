//! The ABI v1 glue: buffers, packing, the host imports, and the wrapper
//! [`plugin!`](crate::plugin) puts around each operation. Not needed
//! directly by plugin code.

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::{GuestError, GuestResult};
use mosaic_core::ErrorKind;

/// `(ptr, len)` packed into one `i64`, pointer in the high half.
pub fn pack(ptr: u32, len: u32) -> i64 {
    ((u64::from(ptr) << 32) | u64::from(len)) as i64
}

/// The `(ptr, len)` of a packed `i64`.
pub fn unpack(v: i64) -> (u32, u32) {
    let v = v as u64;
    ((v >> 32) as u32, v as u32)
}

/// A buffer of `len` bytes the host may write into (`mosaic_alloc`).
pub fn alloc(len: i32) -> i32 {
    let len = len.max(0) as usize;
    let mut buf = std::mem::ManuallyDrop::new(Vec::<u8>::with_capacity(len));
    buf.as_mut_ptr() as usize as i32
}

/// Release a buffer from [`alloc`] or [`leak`] (`mosaic_free`).
pub fn free(ptr: i32, len: i32) {
    let len = len.max(0) as usize;
    if len == 0 || ptr == 0 {
        return;
    }
    // SAFETY: the host passes back a (ptr, len) this module handed out,
    // allocated as a `Vec<u8>` with capacity exactly `len`.
    drop(unsafe { Vec::from_raw_parts(ptr as usize as *mut u8, 0, len) });
}

/// Hand `bytes` to the host: a buffer of exactly their length, packed.
pub fn leak(bytes: Vec<u8>) -> i64 {
    let boxed = bytes.into_boxed_slice();
    let len = boxed.len() as u32;
    let ptr = Box::into_raw(boxed) as *mut u8 as usize as u32;
    pack(ptr, len)
}

/// Take ownership of a buffer the host allocated with `mosaic_alloc`.
///
/// # Safety
/// `(ptr, len)` must come from the host as a fresh buffer from [`alloc`].
#[cfg(target_arch = "wasm32")]
unsafe fn take(ptr: u32, len: u32) -> Vec<u8> {
    if len == 0 {
        return Vec::new();
    }
    // SAFETY: per the contract, allocated by `alloc(len)`, filled by the host.
    unsafe { Vec::from_raw_parts(ptr as usize as *mut u8, len as usize, len as usize) }
}

/// The `mosaic_describe` answer.
pub fn describe(operations: &[&str], hosts: &[&str], config: &[&str]) -> i64 {
    let v = serde_json::json!({
        "abi": crate::ABI_VERSION,
        "operations": operations,
        "hosts": hosts,
        "config": config,
    });
    leak(serde_json::to_vec(&v).unwrap_or_default())
}

#[derive(Serialize)]
#[serde(rename_all = "lowercase")]
enum Envelope<'a, T> {
    Ok(&'a T),
    Err(&'a GuestError),
}

/// Run one operation: decode the input at `(ptr, len)`, call `handler`,
/// encode the envelope.
pub fn run<P, O>(ptr: i32, len: i32, handler: fn(P) -> GuestResult<O>) -> i64
where
    P: DeserializeOwned,
    O: Serialize,
{
    let len = len.max(0) as usize;
    let input: &[u8] = if len == 0 {
        &[]
    } else {
        // SAFETY: the host wrote `len` bytes at `ptr` into a buffer from
        // `alloc` and keeps it alive for the call.
        unsafe { std::slice::from_raw_parts(ptr as usize as *const u8, len) }
    };
    let result = serde_json::from_slice::<P>(input)
        .map_err(|e| GuestError::new(ErrorKind::InvalidInput, format!("parameters: {e}")))
        .and_then(handler);
    let out = match &result {
        Ok(v) => serde_json::to_vec(&Envelope::Ok(v)),
        Err(e) => serde_json::to_vec(&Envelope::<O>::Err(e)),
    };
    let out = out.unwrap_or_else(|e| {
        let err = GuestError::new(
            ErrorKind::Internal,
            format!("cannot encode the result: {e}"),
        );
        serde_json::to_vec(&Envelope::<()>::Err(&err)).unwrap_or_default()
    });
    leak(out)
}

#[cfg(target_arch = "wasm32")]
mod imports {
    #[link(wasm_import_module = "mosaic")]
    unsafe extern "C" {
        pub(super) fn http_request(ptr: i32, len: i32) -> i64;
        pub(super) fn log(level: i32, ptr: i32, len: i32);
        pub(super) fn config_get(ptr: i32, len: i32) -> i64;
        pub(super) fn now_ms() -> i64;
    }
}

/// The host's `http_request`: the response envelope's bytes.
#[cfg(target_arch = "wasm32")]
pub(crate) fn host_http_request(request: &[u8]) -> GuestResult<Vec<u8>> {
    // SAFETY: the host reads `request` during the call and answers a fresh
    // buffer from `mosaic_alloc` (or 0).
    let packed = unsafe { imports::http_request(request.as_ptr() as i32, request.len() as i32) };
    let (ptr, len) = unpack(packed);
    // SAFETY: see above.
    Ok(unsafe { take(ptr, len) })
}

/// The host's `config_get`.
#[cfg(target_arch = "wasm32")]
pub(crate) fn host_config_get(key: &str) -> Option<Vec<u8>> {
    // SAFETY: as for `host_http_request`.
    let packed = unsafe { imports::config_get(key.as_ptr() as i32, key.len() as i32) };
    if packed == 0 {
        return None;
    }
    let (ptr, len) = unpack(packed);
    // SAFETY: a fresh buffer from `mosaic_alloc`.
    Some(unsafe { take(ptr, len) })
}

/// The host's `log`.
#[cfg(target_arch = "wasm32")]
pub(crate) fn host_log(level: i32, message: &str) {
    // SAFETY: the host only reads the message during the call.
    unsafe { imports::log(level, message.as_ptr() as i32, message.len() as i32) }
}

/// The host's `now_ms`.
#[cfg(target_arch = "wasm32")]
pub(crate) fn host_now_ms() -> i64 {
    // SAFETY: no arguments.
    unsafe { imports::now_ms() }
}

#[cfg(not(target_arch = "wasm32"))]
pub(crate) fn host_http_request(_request: &[u8]) -> GuestResult<Vec<u8>> {
    Err(GuestError::new(
        ErrorKind::Unsupported,
        "http_request is only available inside the sandbox",
    ))
}

#[cfg(not(target_arch = "wasm32"))]
pub(crate) fn host_config_get(_key: &str) -> Option<Vec<u8>> {
    None
}

#[cfg(not(target_arch = "wasm32"))]
pub(crate) fn host_log(_level: i32, _message: &str) {}

#[cfg(not(target_arch = "wasm32"))]
pub(crate) fn host_now_ms() -> i64 {
    0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pack_round_trips() {
        assert_eq!(
            unpack(pack(0x1234_5678, 0x9abc_def0)),
            (0x1234_5678, 0x9abc_def0)
        );
        assert_eq!(pack(0, 0), 0);
    }
}
