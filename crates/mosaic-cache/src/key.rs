//! [`CacheKey`]: the tenant plus the operation's own cache key, hashed once.

use std::collections::hash_map::RandomState;
use std::fmt;
use std::hash::{BuildHasher, BuildHasherDefault, Hash, Hasher};
use std::sync::OnceLock;

/// The key of one cached read: the tenant (empty when the request has none)
/// and the operation's [`cache_key`](mosaic_core::Operation::cache_key).
///
/// The tenant is always part of the key, so no cached answer crosses
/// tenants. The text is `"{tenant length}:{tenant}{operation key}"`, which
/// cannot be confused between tenants whatever characters they contain. The
/// hash is computed once (with a per-process random seed) and reused by every
/// map the key goes into.
#[derive(Clone)]
pub struct CacheKey {
    hash: u64,
    text: Box<str>,
    tenant_start: usize,
    tenant_end: usize,
}

impl CacheKey {
    /// The key of `operation_key` for `tenant` (`None` is the empty tenant).
    pub fn new(tenant: Option<&str>, operation_key: &str) -> Self {
        let tenant = tenant.unwrap_or("");
        let len = tenant.len();
        let digits = decimal_digits(len);
        let mut text = String::with_capacity(digits + 1 + len + operation_key.len());
        {
            use fmt::Write as _;
            let _ = write!(text, "{len}:");
        }
        let tenant_start = text.len();
        text.push_str(tenant);
        let tenant_end = text.len();
        text.push_str(operation_key);
        let text = text.into_boxed_str();
        CacheKey {
            hash: hash_bytes(text.as_bytes()),
            text,
            tenant_start,
            tenant_end,
        }
    }

    /// The whole key as text (what a shared store files the entry under).
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The tenant part (`""` without a tenant).
    pub fn tenant(&self) -> &str {
        &self.text[self.tenant_start..self.tenant_end]
    }

    /// The operation's key (without the tenant).
    pub fn operation_key(&self) -> &str {
        &self.text[self.tenant_end..]
    }

    /// The precomputed hash.
    pub fn hash_value(&self) -> u64 {
        self.hash
    }
}

fn decimal_digits(mut n: usize) -> usize {
    let mut d = 1;
    while n >= 10 {
        n /= 10;
        d += 1;
    }
    d
}

/// Hash bytes with the process-wide random seed.
pub(crate) fn hash_bytes(bytes: &[u8]) -> u64 {
    static SEED: OnceLock<RandomState> = OnceLock::new();
    SEED.get_or_init(RandomState::new).hash_one(bytes)
}

impl PartialEq for CacheKey {
    fn eq(&self, other: &Self) -> bool {
        self.hash == other.hash && self.text == other.text
    }
}

impl Eq for CacheKey {}

impl Hash for CacheKey {
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_u64(self.hash);
    }
}

impl fmt::Debug for CacheKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CacheKey")
            .field("tenant", &self.tenant())
            .field("operation", &self.operation_key())
            .finish()
    }
}

impl fmt::Display for CacheKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// A hasher that passes a precomputed `u64` through (keys hash themselves once).
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct PassThrough(u64);

impl Hasher for PassThrough {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        // Only reached for keys that do not write a single u64; fold them in.
        for b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(*b);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

/// Build-hasher for maps keyed by [`CacheKey`].
pub(crate) type PassThroughBuild = BuildHasherDefault<PassThrough>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tenants_never_collide() {
        let a = CacheKey::new(Some("ab"), "c:x");
        let b = CacheKey::new(Some("a"), "bc:x");
        let none = CacheKey::new(None, "abc:x");
        assert_ne!(a, b);
        assert_ne!(a.as_str(), b.as_str());
        assert_ne!(none, a);
        assert_eq!(a.tenant(), "ab");
        assert_eq!(a.operation_key(), "c:x");
        assert_eq!(b.tenant(), "a");
        assert_eq!(none.tenant(), "");
        assert_eq!(none.operation_key(), "abc:x");
        assert_eq!(CacheKey::new(Some("ab"), "c:x"), a);
        assert_eq!(
            CacheKey::new(Some("ab"), "c:x").hash_value(),
            a.hash_value()
        );
    }

    #[test]
    fn long_tenants_round_trip() {
        let t = "t".repeat(1234);
        let k = CacheKey::new(Some(&t), "git.repository.get:{}");
        assert_eq!(k.tenant(), t);
        assert_eq!(k.operation_key(), "git.repository.get:{}");
        assert!(k.as_str().starts_with("1234:"));
    }
}
