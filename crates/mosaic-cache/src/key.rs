//! [`CacheKey`]: the tenant plus the operation's identity, as a 128-bit
//! keyed hash (and, for a shared tier, as text).
//!
//! # Why a hash is enough
//!
//! The in-memory tier and the coalescing flights compare keys by a 128-bit
//! SipHash-1-3 of the tenant, the operation name and its parameters, keyed
//! with a secret drawn at random once per process
//! ([`CacheKey::for_operation`]). The bytes hashed are an unambiguous
//! encoding ([`mosaic_core::hashing`]), so two different reads can only
//! share a key if the hash collides:
//!
//! * by accident: for `n` live keys the chance is about `n² / 2¹²⁹` — for a
//!   billion keys, below one in 10²⁰;
//! * on purpose: SipHash is a keyed pseudo-random function; without the
//!   per-process key (which never leaves the process) a caller cannot aim
//!   parameters at another tenant's entry.
//!
//! So the full key text is never built nor compared on a hit. A shared tier
//! is another matter: its entries must be found by other processes (and
//! other builds), which do not know this process's hash key, so it files
//! entries under the key's text — the tenant and
//! [`Operation::cache_key`] — which the layer builds only on a miss, and
//! only when a shared tier is configured.

use std::collections::hash_map::RandomState;
use std::fmt;
use std::hash::{BuildHasher, BuildHasherDefault, Hash, Hasher};
use std::sync::OnceLock;

use mosaic_core::Operation;

/// Domain bytes, so a key hashed from text and one hashed from an
/// operation never share an input.
const DOMAIN_TEXT: u8 = 0;
const DOMAIN_OPERATION: u8 = 1;

/// The key of one cached read: the tenant (empty when the request has none)
/// and the operation's identity (its name and parameters).
///
/// Keys compare and hash by a 128-bit SipHash-1-3 under a secret key drawn
/// once per process. The bytes hashed encode the tenant, the name and the
/// parameters unambiguously, so two reads share a key only if the hash
/// collides: by accident about `n² / 2¹²⁹` for `n` live keys, and not on
/// purpose without the secret (SipHash is a keyed pseudo-random function).
/// A key may also carry its *text*,
/// `"{tenant length}:{tenant}{operation key}"` (which cannot be confused
/// between tenants whatever characters they contain), for shared stores
/// that must find entries across processes.
///
/// * [`CacheKey::for_operation`]: the layer's key for a request — hashed
///   straight from the parameters, no text, no allocation.
/// * [`CacheKey::new`]: a key from its text (hashed from the text).
/// * [`CacheKey::with_text`]: the layer's key plus its text, what the layer
///   hands a shared store.
///
/// The tenant is always part of the key, so no cached answer crosses
/// tenants.
#[derive(Clone)]
pub struct CacheKey {
    id: u128,
    text: Option<KeyText>,
}

#[derive(Clone)]
struct KeyText {
    text: Box<str>,
    tenant_start: usize,
    tenant_end: usize,
}

impl KeyText {
    fn new(tenant: &str, operation_key: &str) -> Self {
        let len = tenant.len();
        let mut text = String::with_capacity(decimal_digits(len) + 1 + len + operation_key.len());
        {
            use fmt::Write as _;
            let _ = write!(text, "{len}:");
        }
        let tenant_start = text.len();
        text.push_str(tenant);
        let tenant_end = text.len();
        text.push_str(operation_key);
        KeyText {
            text: text.into_boxed_str(),
            tenant_start,
            tenant_end,
        }
    }
}

impl CacheKey {
    /// The key of `operation_key` (an [`Operation::cache_key`]) for
    /// `tenant` (`None` is the empty tenant), hashed from its text.
    ///
    /// Such a key is equal to another made by `new` from the same text; it
    /// is not equal to the [`for_operation`](Self::for_operation) key of
    /// the same read (use [`with_text`](Self::with_text) to give that one
    /// its text).
    pub fn new(tenant: Option<&str>, operation_key: &str) -> Self {
        let text = KeyText::new(tenant.unwrap_or(""), operation_key);
        let mut h = KeyHasher::new();
        h.write_u8(DOMAIN_TEXT);
        h.write(text.text.as_bytes());
        CacheKey {
            id: h.finish128(),
            text: Some(text),
        }
    }

    /// The key of `operation` for `tenant`, hashed in one pass from the
    /// tenant, the operation's name and its parameters
    /// ([`Operation::hash_cache_key`]): no JSON, no text, no allocation.
    /// `None` when the operation is not cacheable.
    pub fn for_operation<O: Operation>(tenant: Option<&str>, operation: &O) -> Option<Self> {
        let mut h = KeyHasher::new();
        h.write_u8(DOMAIN_OPERATION);
        let tenant = tenant.unwrap_or("");
        h.write(tenant.as_bytes());
        h.write_u8(0xff);
        if !operation.hash_cache_key(&mut h) {
            return None;
        }
        Some(CacheKey {
            id: h.finish128(),
            text: None,
        })
    }

    /// This key (same hash, equal to it) carrying the text of
    /// `operation_key` for `tenant`: what a shared store files the entry
    /// under. The caller vouches that the text names the same read.
    pub fn with_text(mut self, tenant: Option<&str>, operation_key: &str) -> Self {
        self.text = Some(KeyText::new(tenant.unwrap_or(""), operation_key));
        self
    }

    /// The whole key as text (what a shared store files the entry under);
    /// `None` for a key made by [`for_operation`](Self::for_operation)
    /// alone.
    pub fn as_str(&self) -> Option<&str> {
        self.text.as_ref().map(|t| &*t.text)
    }

    /// The tenant part of the text (`""` without a tenant); `None` without
    /// text.
    pub fn tenant(&self) -> Option<&str> {
        self.text
            .as_ref()
            .map(|t| &t.text[t.tenant_start..t.tenant_end])
    }

    /// The operation's key (without the tenant); `None` without text.
    pub fn operation_key(&self) -> Option<&str> {
        self.text.as_ref().map(|t| &t.text[t.tenant_end..])
    }

    /// The 128-bit keyed hash the key is compared by (meaningful within
    /// this process only).
    pub fn id(&self) -> u128 {
        self.id
    }

    /// 64 bits of [`id`](Self::id), for hash maps.
    pub fn hash_value(&self) -> u64 {
        self.id as u64
    }

    /// Bytes the key occupies (for the memory tier's byte bound).
    pub(crate) fn weight(&self) -> usize {
        std::mem::size_of::<Self>() + self.text.as_ref().map_or(0, |t| t.text.len())
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

/// Hash bytes with the process-wide random seed (64 bits, for tags).
pub(crate) fn hash_bytes(bytes: &[u8]) -> u64 {
    static SEED: OnceLock<RandomState> = OnceLock::new();
    SEED.get_or_init(RandomState::new).hash_one(bytes)
}

/// The per-process secret key of [`KeyHasher`]: two outputs of the
/// standard library's randomly keyed SipHash.
fn secret() -> (u64, u64) {
    static KEY: OnceLock<(u64, u64)> = OnceLock::new();
    *KEY.get_or_init(|| {
        let s = RandomState::new();
        (
            s.hash_one(0x6d6f_7361_6963_0000_u64),
            s.hash_one(0x6d6f_7361_6963_0001_u64),
        )
    })
}

impl PartialEq for CacheKey {
    fn eq(&self, other: &Self) -> bool {
        self.id == other.id
    }
}

impl Eq for CacheKey {}

impl Hash for CacheKey {
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_u64(self.id as u64);
    }
}

impl fmt::Debug for CacheKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("CacheKey");
        d.field("id", &format_args!("{:032x}", self.id));
        if let Some(t) = &self.text {
            d.field("tenant", &&t.text[t.tenant_start..t.tenant_end])
                .field("operation", &&t.text[t.tenant_end..]);
        }
        d.finish()
    }
}

impl fmt::Display for CacheKey {
    /// The text, or `#` and the hash in hex for a key without text.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.text {
            Some(t) => f.write_str(&t.text),
            None => write!(f, "#{:032x}", self.id),
        }
    }
}

/// SipHash-1-3 with a 128-bit output, keyed with the per-process
/// [`secret`]. Streaming: input may arrive in pieces of any size.
#[derive(Clone)]
pub(crate) struct KeyHasher {
    v0: u64,
    v1: u64,
    v2: u64,
    v3: u64,
    tail: u64,
    ntail: usize,
    length: usize,
}

impl KeyHasher {
    fn new() -> Self {
        let (k0, k1) = secret();
        Self::with_keys(k0, k1, true)
    }

    fn with_keys(k0: u64, k1: u64, wide: bool) -> Self {
        KeyHasher {
            v0: k0 ^ 0x736f_6d65_7073_6575,
            v1: k1 ^ 0x646f_7261_6e64_6f6d ^ if wide { 0xee } else { 0 },
            v2: k0 ^ 0x6c79_6765_6e65_7261,
            v3: k1 ^ 0x7465_6462_7974_6573,
            tail: 0,
            ntail: 0,
            length: 0,
        }
    }

    #[inline]
    fn round(&mut self) {
        self.v0 = self.v0.wrapping_add(self.v1);
        self.v1 = self.v1.rotate_left(13);
        self.v1 ^= self.v0;
        self.v0 = self.v0.rotate_left(32);
        self.v2 = self.v2.wrapping_add(self.v3);
        self.v3 = self.v3.rotate_left(16);
        self.v3 ^= self.v2;
        self.v0 = self.v0.wrapping_add(self.v3);
        self.v3 = self.v3.rotate_left(21);
        self.v3 ^= self.v0;
        self.v2 = self.v2.wrapping_add(self.v1);
        self.v1 = self.v1.rotate_left(17);
        self.v1 ^= self.v2;
        self.v2 = self.v2.rotate_left(32);
    }

    #[inline]
    fn compress(&mut self, m: u64) {
        self.v3 ^= m;
        self.round();
        self.v0 ^= m;
    }

    fn last_block(&self) -> Self {
        let mut s = self.clone();
        let b = ((self.length as u64 & 0xff) << 56) | self.tail;
        s.compress(b);
        s
    }

    fn xor(&self) -> u64 {
        self.v0 ^ self.v1 ^ self.v2 ^ self.v3
    }

    /// The 128-bit digest.
    pub(crate) fn finish128(&self) -> u128 {
        let mut s = self.last_block();
        s.v2 ^= 0xee;
        s.round();
        s.round();
        s.round();
        let h1 = s.xor();
        s.v1 ^= 0xdd;
        s.round();
        s.round();
        s.round();
        let h2 = s.xor();
        (u128::from(h2) << 64) | u128::from(h1)
    }

    /// The 64-bit digest of the narrow variant (for tests against the
    /// standard library's SipHash-1-3).
    #[cfg(test)]
    fn finish64(&self) -> u64 {
        let mut s = self.last_block();
        s.v2 ^= 0xff;
        s.round();
        s.round();
        s.round();
        s.xor()
    }
}

impl KeyHasher {
    /// Append one byte to the pending block.
    #[inline(always)]
    fn push(&mut self, b: u8) {
        self.tail |= u64::from(b) << (8 * self.ntail);
        self.ntail += 1;
        if self.ntail == 8 {
            let m = self.tail;
            self.compress(m);
            self.tail = 0;
            self.ntail = 0;
        }
    }
}

impl Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        self.finish128() as u64
    }

    // Keys are fed in many small pieces (tags, short strings), so bytes are
    // appended one at a time until the pending block is aligned, and whole
    // blocks are taken eight bytes at a time: no copy calls per piece.
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        self.length = self.length.wrapping_add(bytes.len());
        let mut rest = bytes;
        while self.ntail != 0 {
            match rest.split_first() {
                Some((b, r)) => {
                    self.push(*b);
                    rest = r;
                }
                None => return,
            }
        }
        let mut chunks = rest.chunks_exact(8);
        for c in &mut chunks {
            let m = u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]);
            self.compress(m);
        }
        for b in chunks.remainder() {
            self.push(*b);
        }
    }

    #[inline]
    fn write_u8(&mut self, b: u8) {
        self.length = self.length.wrapping_add(1);
        self.push(b);
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
    use mosaic_core::git::{GitRequest, RepoRef, UpdateRepository};

    #[test]
    fn tenants_never_collide() {
        let a = CacheKey::new(Some("ab"), "c:x");
        let b = CacheKey::new(Some("a"), "bc:x");
        let none = CacheKey::new(None, "abc:x");
        assert_ne!(a, b);
        assert_ne!(a.as_str(), b.as_str());
        assert_ne!(none, a);
        assert_eq!(a.tenant(), Some("ab"));
        assert_eq!(a.operation_key(), Some("c:x"));
        assert_eq!(b.tenant(), Some("a"));
        assert_eq!(none.tenant(), Some(""));
        assert_eq!(none.operation_key(), Some("abc:x"));
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
        assert_eq!(k.tenant(), Some(t.as_str()));
        assert_eq!(k.operation_key(), Some("git.repository.get:{}"));
        assert!(k.as_str().unwrap().starts_with("1234:"));
    }

    fn get(owner: &str, name: &str) -> GitRequest {
        GitRequest::GetRepository(RepoRef::new(owner, name))
    }

    #[test]
    fn operation_keys_follow_tenant_name_and_params() {
        let key = |t: Option<&str>, r: &GitRequest| CacheKey::for_operation(t, r).unwrap();
        let a = key(Some("t1"), &get("acme", "tools"));
        assert_eq!(a, key(Some("t1"), &get("acme", "tools")));
        assert!(a.as_str().is_none());
        assert_ne!(a, key(Some("t2"), &get("acme", "tools")));
        assert_ne!(a, key(None, &get("acme", "tools")));
        assert_ne!(a, key(Some("t1"), &get("acme", "tool")));
        assert_ne!(a, key(Some("t1"), &get("acmet", "ools")));
        // the tenant's boundary is kept
        assert_ne!(
            key(Some("ab"), &get("c", "d")),
            key(Some("a"), &get("bc", "d"))
        );
        // the name is part of the key: another read with equal parameters
        let branches = GitRequest::ListBranches(mosaic_core::git::ListBranches {
            repo: RepoRef::new("acme", "tools"),
            ..Default::default()
        });
        let by_repo = GitRequest::ListTags(mosaic_core::git::ListTags {
            repo: RepoRef::new("acme", "tools"),
            ..Default::default()
        });
        assert_ne!(key(None, &branches), key(None, &by_repo));
        // writes have no key
        let write = GitRequest::UpdateRepository(UpdateRepository::default());
        assert!(CacheKey::for_operation(None, &write).is_none());
        // text attached later keeps the key equal
        let texted = a.clone().with_text(Some("t1"), "git.repository.get:{}");
        assert_eq!(texted, a);
        assert_eq!(texted.tenant(), Some("t1"));
    }

    #[test]
    fn the_hash_is_siphash_1_3() {
        // The narrow variant with zero keys is the standard library's
        // `DefaultHasher`; fed in uneven pieces, the digest is the same.
        let data: Vec<u8> = (0..=200u8).collect();
        for len in [0, 1, 7, 8, 9, 15, 16, 17, 63, 64, 65, 201] {
            let mut std = std::collections::hash_map::DefaultHasher::new();
            std.write(&data[..len]);
            let mut ours = KeyHasher::with_keys(0, 0, false);
            let mut rest = &data[..len];
            let mut step = 1;
            while !rest.is_empty() {
                let n = step.min(rest.len());
                ours.write(&rest[..n]);
                rest = &rest[n..];
                step = step % 11 + 2;
            }
            assert_eq!(ours.finish64(), std.finish(), "{len} bytes");
        }
        // the wide digest's halves differ from each other and from the narrow one
        let mut wide = KeyHasher::with_keys(1, 2, true);
        wide.write(b"mosaic");
        let d = wide.finish128();
        assert_ne!(d as u64, (d >> 64) as u64);
    }
}
