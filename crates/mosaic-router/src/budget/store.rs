//! Where the amounts spent are kept: the [`BudgetStore`] trait, its types,
//! and the in-process [`MemoryBudgetStore`].
//!
//! A store keeps one counter per [`BudgetKey`] — a budget, the scope
//! values it is divided by, and the start of its window — in integer
//! *units*: tokens, or nano-dollars (10⁻⁹ USD) for USD budgets, so that
//! stores add exactly. The budget layer asks a store to do three things:
//!
//! * [`reserve`](BudgetStore::reserve) a call's estimate against every
//!   budget that applies, **all or none**, refusing when a hard budget
//!   would pass its limit;
//! * [`adjust`](BudgetStore::adjust) the counters once the actual usage is
//!   known (up or down, never below zero);
//! * report what was [`spent`](BudgetStore::spent).
//!
//! A store that answers without waiting (like the memory store) also
//! implements the `*_now` methods, so the layer skips the future.

use std::collections::HashMap;
use std::collections::hash_map::RandomState;
use std::fmt;
use std::hash::{BuildHasher, BuildHasherDefault, Hash, Hasher};
use std::sync::{Arc, OnceLock};
use std::time::SystemTime;

use futures::future::BoxFuture;
use mosaic_core::Result;
use parking_lot::{Mutex, MutexGuard};

/// Store units per US dollar: amounts in USD are kept in nano-dollars.
pub const NANO_USD_PER_USD: f64 = 1e9;

/// The largest amount a counter holds (2⁵³, the largest integer Redis's
/// Lua numbers hold exactly): about 9 million USD, or 9·10¹⁵ tokens, per
/// budget and window.
pub const MAX_UNITS: u64 = 1 << 53;

/// One counter: a budget, the scope it counts (e.g. `tenant=acme`), and
/// the start of the window (seconds after the Unix epoch).
///
/// Its `Display` form, `name:window_start:scope`, is unambiguous: `%`,
/// `:`, `,` and `=` in the name and in scope values are percent-escaped.
///
/// A key hashes its parts once, when it is made (SipHash with a key drawn
/// at random per process, so scope values chosen by callers cannot be
/// made to collide on purpose); hashing a key writes that one number.
#[derive(Clone)]
pub struct BudgetKey {
    limit: Arc<str>,
    window_start: u64,
    scope: String,
    hash: u64,
}

/// The process's key for hashing budget keys.
fn key_hasher() -> &'static RandomState {
    static HASHER: OnceLock<RandomState> = OnceLock::new();
    HASHER.get_or_init(RandomState::new)
}

impl PartialEq for BudgetKey {
    fn eq(&self, other: &Self) -> bool {
        // Keys of one layer share their budget's name: compare pointers
        // before contents.
        self.hash == other.hash
            && self.window_start == other.window_start
            && (Arc::ptr_eq(&self.limit, &other.limit) || self.limit == other.limit)
            && self.scope.len() == other.scope.len()
            // An empty scope owns no buffer: comparing its dangling pointer
            // costs some CPUs a slow fault-suppressed masked load.
            && (self.scope.is_empty() || self.scope == other.scope)
    }
}

impl Eq for BudgetKey {}

impl Hash for BudgetKey {
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_u64(self.hash);
    }
}

impl fmt::Debug for BudgetKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BudgetKey")
            .field("limit", &self.limit)
            .field("window_start", &self.window_start)
            .field("scope", &self.scope)
            .finish()
    }
}

impl BudgetKey {
    /// The key of budget `limit` (its escaped name), window starting at
    /// `window_start`, scope `scope` (escaped `dimension=value` pairs
    /// joined by `,`; empty for an undivided budget).
    pub(crate) fn new(limit: Arc<str>, window_start: u64, scope: String) -> Self {
        let hash = key_hasher().hash_one((&*limit, window_start, scope.as_str()));
        BudgetKey {
            limit,
            window_start,
            scope,
            hash,
        }
    }

    /// The budget's name, escaped.
    pub fn limit(&self) -> &str {
        &self.limit
    }

    /// The start of the window, in seconds after the Unix epoch.
    pub fn window_start(&self) -> u64 {
        self.window_start
    }

    /// The scope: `tenant=acme,model=gpt-4o` (escaped values), empty when
    /// the budget is not divided.
    pub fn scope(&self) -> &str {
        &self.scope
    }
}

impl fmt::Display for BudgetKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.limit, self.window_start, self.scope)
    }
}

/// Append `value` to `out`, percent-escaping `%`, `:`, `,` and `=`.
pub(crate) fn escape_into(out: &mut String, value: &str) {
    if !value
        .bytes()
        .any(|b| matches!(b, b'%' | b':' | b',' | b'='))
    {
        out.push_str(value);
        return;
    }
    for c in value.chars() {
        match c {
            '%' => out.push_str("%25"),
            ':' => out.push_str("%3A"),
            ',' => out.push_str("%2C"),
            '=' => out.push_str("%3D"),
            c => out.push(c),
        }
    }
}

/// One reservation to make: `amount` units against `key`, whose limit is
/// `limit` units.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Charge {
    /// The counter.
    pub key: BudgetKey,
    /// The units to add (the call's estimate).
    pub amount: u64,
    /// The budget's limit in units.
    pub limit: u64,
    /// Whether passing the limit refuses the reservation.
    pub hard: bool,
    /// When the counter may be forgotten (its window's end plus a grace
    /// for late reconciliation).
    pub expires_at: SystemTime,
}

/// One correction: add `delta` units (negative: give back) to `key`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Adjustment {
    /// The counter.
    pub key: BudgetKey,
    /// The units to add, or to take away when negative.
    pub delta: i64,
    /// When the counter may be forgotten (as [`Charge::expires_at`]).
    pub expires_at: SystemTime,
}

/// The answer to a [`reserve`](BudgetStore::reserve).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ReserveOutcome {
    /// Whether every charge was added (none was when `false`).
    pub reserved: bool,
    /// Per charge, in order: the units spent after the reservation when
    /// `reserved`, else as found.
    pub spent: Vec<u64>,
}

impl ReserveOutcome {
    /// An outcome.
    pub fn new(reserved: bool, spent: Vec<u64>) -> Self {
        ReserveOutcome { reserved, spent }
    }
}

/// Where a budget layer keeps the amounts spent.
///
/// Concurrent reservations never overdraw a hard budget between them. The
/// memory store applies each operation on several counters atomically; the
/// Redis store adds estimates first and withdraws a refused call's, so for
/// the moment between the two another call may see them — which can only
/// make it refuse, never admit a call that would not fit. Errors mean the store could not be reached
/// (`Unavailable`, `Timeout`); the layer then applies its
/// [`StoreFailure`](super::StoreFailure) policy. The layer adds no timeout
/// of its own: a store that talks to a server bounds every operation (as
/// the Redis store does).
pub trait BudgetStore: Send + Sync + fmt::Debug + 'static {
    /// Add every charge's amount to its counter — unless a hard charge's
    /// counter plus its amount would pass its limit, in which case add
    /// none (or withdraw what was added before answering). Counters of windows that expired count as zero; a counter
    /// created here lives until its `expires_at`.
    fn reserve<'a>(
        &'a self,
        now: SystemTime,
        charges: &'a [Charge],
    ) -> BoxFuture<'a, Result<ReserveOutcome>>;

    /// Add each delta to its counter, never going below zero. A missing
    /// counter is created (living until `expires_at`) only for a positive
    /// delta; adjustments whose `expires_at` has passed are skipped.
    fn adjust<'a>(
        &'a self,
        now: SystemTime,
        adjustments: &'a [Adjustment],
    ) -> BoxFuture<'a, Result<()>>;

    /// The units spent on each key (zero for missing or expired counters).
    fn spent<'a>(
        &'a self,
        now: SystemTime,
        keys: &'a [BudgetKey],
    ) -> BoxFuture<'a, Result<Vec<u64>>>;

    /// [`reserve`](Self::reserve) without a future, for stores that never
    /// wait; `None` (the default) when the store must be awaited.
    fn reserve_now(&self, now: SystemTime, charges: &[Charge]) -> Option<Result<ReserveOutcome>> {
        let _ = (now, charges);
        None
    }

    /// [`adjust`](Self::adjust) without a future, for stores that never
    /// wait; `None` (the default) when the store must be awaited.
    fn adjust_now(&self, now: SystemTime, adjustments: &[Adjustment]) -> Option<Result<()>> {
        let _ = (now, adjustments);
        None
    }
}

/// How many shards a memory store has (32: one bit each in a `u32`).
const SHARDS: usize = 32;

/// The shard of a key: five bits from the middle of its hash (the map
/// uses the low bits for buckets and the top seven as tags).
fn shard_of(key: &BudgetKey) -> usize {
    (key.hash >> 32) as usize & (SHARDS - 1)
}

/// A hasher that passes on the hash a [`BudgetKey`] already holds.
#[derive(Default)]
struct KeyHash(u64);

impl Hasher for KeyHash {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        // Only `write_u64` is used by `BudgetKey`; fold anything else in.
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

/// The shards a call holds, indexed by shard (`None`: not locked).
type Guards<'s> = [Option<MutexGuard<'s, Shard>>; SHARDS];

/// The in-process store: counters in a sharded hash map.
///
/// There is no global lock: each of its 32 shards has its own small
/// mutex, held only for the few hash-map operations of one call. A
/// reservation over several counters locks their shards in ascending order
/// (so two reservations never deadlock), checks every counter, then adds to
/// all — all or none, as the trait asks. Counters of past windows are
/// dropped when a shard has grown to twice its size after the last sweep.
///
/// Clones share the counters, so one store can serve several layers.
///
/// ```
/// use mosaic_router::budget::MemoryBudgetStore;
/// let store = MemoryBudgetStore::new();
/// assert!(store.is_empty());
/// ```
#[derive(Clone, Default)]
pub struct MemoryBudgetStore {
    inner: Arc<Memory>,
}

struct Memory {
    shards: Box<[Mutex<Shard>]>,
}

impl Default for Memory {
    fn default() -> Self {
        Memory {
            shards: (0..SHARDS).map(|_| Mutex::new(Shard::default())).collect(),
        }
    }
}

#[derive(Default)]
struct Shard {
    counters: HashMap<BudgetKey, Counter, BuildHasherDefault<KeyHash>>,
    /// Sweep expired counters once the map holds this many.
    sweep_at: usize,
}

struct Counter {
    spent: u64,
    expires_at: SystemTime,
}

impl Shard {
    /// The live counter of `key`.
    fn get(&self, key: &BudgetKey, now: SystemTime) -> Option<&Counter> {
        self.counters.get(key).filter(|c| c.expires_at > now)
    }

    /// Add `units` to the counter of `key` (created, or restarted when
    /// expired, at zero) and return its new value. One lookup when the
    /// counter exists.
    fn add(&mut self, key: &BudgetKey, units: u64, now: SystemTime, expires_at: SystemTime) -> u64 {
        if let Some(c) = self.counters.get_mut(key) {
            if c.expires_at <= now {
                c.spent = 0;
                c.expires_at = expires_at;
            }
            c.spent = c.spent.saturating_add(units).min(MAX_UNITS);
            return c.spent;
        }
        if self.counters.len() >= self.sweep_at.max(64) {
            self.counters.retain(|_, c| c.expires_at > now);
            self.sweep_at = self.counters.len() * 2;
        }
        let spent = units.min(MAX_UNITS);
        self.counters
            .insert(key.clone(), Counter { spent, expires_at });
        spent
    }
}

impl MemoryBudgetStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// How many counters it holds (expired ones included until swept).
    pub fn len(&self) -> usize {
        self.inner
            .shards
            .iter()
            .map(|s| s.lock().counters.len())
            .sum()
    }

    /// Whether it holds no counter.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Lock the shards of `keys`, in ascending order (so that two calls
    /// never wait for each other in a cycle).
    fn lock<'s, 'k>(&'s self, keys: impl Iterator<Item = &'k BudgetKey>) -> Guards<'s> {
        let mask = keys.fold(0u32, |m, k| m | 1 << shard_of(k));
        let mut guards: Guards<'s> = std::array::from_fn(|_| None);
        let mut rest = mask;
        while rest != 0 {
            let s = rest.trailing_zeros() as usize;
            guards[s] = Some(self.inner.shards[s].lock());
            rest &= rest - 1;
        }
        guards
    }

    fn reserve_sync(&self, now: SystemTime, charges: &[Charge]) -> ReserveOutcome {
        let mut guards = self.lock(charges.iter().map(|c| &c.key));
        let mut spent: Vec<u64> = charges
            .iter()
            .map(|c| {
                locked(&mut guards, &c.key)
                    .get(&c.key, now)
                    .map_or(0, |c| c.spent)
            })
            .collect();
        let refused = charges
            .iter()
            .zip(&spent)
            .any(|(c, &s)| c.hard && s.saturating_add(c.amount) > c.limit);
        if refused {
            return ReserveOutcome::new(false, spent);
        }
        for (c, s) in charges.iter().zip(&mut spent) {
            *s = locked(&mut guards, &c.key).add(&c.key, c.amount, now, c.expires_at);
        }
        ReserveOutcome::new(true, spent)
    }

    fn adjust_sync(&self, now: SystemTime, adjustments: &[Adjustment]) {
        let mut guards = self.lock(adjustments.iter().map(|a| &a.key));
        for a in adjustments {
            if a.expires_at <= now || a.delta == 0 {
                continue;
            }
            let shard = locked(&mut guards, &a.key);
            if a.delta < 0 {
                if let Some(c) = shard
                    .counters
                    .get_mut(&a.key)
                    .filter(|c| c.expires_at > now)
                {
                    c.spent = c.spent.saturating_sub(a.delta.unsigned_abs());
                }
            } else {
                shard.add(&a.key, a.delta as u64, now, a.expires_at);
            }
        }
    }

    fn spent_sync(&self, now: SystemTime, keys: &[BudgetKey]) -> Vec<u64> {
        keys.iter()
            .map(|k| {
                self.inner.shards[shard_of(k)]
                    .lock()
                    .get(k, now)
                    .map_or(0, |c| c.spent)
            })
            .collect()
    }
}

/// The locked shard of `key`.
fn locked<'g>(guards: &'g mut Guards<'_>, key: &BudgetKey) -> &'g mut Shard {
    guards[shard_of(key)]
        .as_deref_mut()
        .expect("the shards of every key are locked first")
}

impl BudgetStore for MemoryBudgetStore {
    fn reserve<'a>(
        &'a self,
        now: SystemTime,
        charges: &'a [Charge],
    ) -> BoxFuture<'a, Result<ReserveOutcome>> {
        Box::pin(std::future::ready(Ok(self.reserve_sync(now, charges))))
    }

    fn adjust<'a>(
        &'a self,
        now: SystemTime,
        adjustments: &'a [Adjustment],
    ) -> BoxFuture<'a, Result<()>> {
        self.adjust_sync(now, adjustments);
        Box::pin(std::future::ready(Ok(())))
    }

    fn spent<'a>(
        &'a self,
        now: SystemTime,
        keys: &'a [BudgetKey],
    ) -> BoxFuture<'a, Result<Vec<u64>>> {
        Box::pin(std::future::ready(Ok(self.spent_sync(now, keys))))
    }

    fn reserve_now(&self, now: SystemTime, charges: &[Charge]) -> Option<Result<ReserveOutcome>> {
        Some(Ok(self.reserve_sync(now, charges)))
    }

    fn adjust_now(&self, now: SystemTime, adjustments: &[Adjustment]) -> Option<Result<()>> {
        self.adjust_sync(now, adjustments);
        Some(Ok(()))
    }
}

impl fmt::Debug for MemoryBudgetStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemoryBudgetStore")
            .field("shards", &SHARDS)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, UNIX_EPOCH};

    fn key(name: &str, scope: &str) -> BudgetKey {
        BudgetKey::new(name.into(), 0, scope.into())
    }

    fn at(secs: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(secs)
    }

    fn charge(k: &BudgetKey, amount: u64, limit: u64, hard: bool) -> Charge {
        Charge {
            key: k.clone(),
            amount,
            limit,
            hard,
            expires_at: at(100),
        }
    }

    #[test]
    fn reservations_are_all_or_nothing() {
        let store = MemoryBudgetStore::new();
        // many keys, so that several shards are locked together
        let keys: Vec<_> = (0..40).map(|i| key("b", &format!("t={i}"))).collect();
        let all = |amount, limit| -> Vec<Charge> {
            keys.iter()
                .map(|k| charge(k, amount, limit, true))
                .collect()
        };
        let first = store.reserve_sync(at(1), &all(6, 10));
        assert!(first.reserved);
        assert!(first.spent.iter().all(|&s| s == 6));
        // the last key alone would pass: nothing is added anywhere
        let mut mixed = all(1, 100);
        mixed[39].limit = 6;
        let refused = store.reserve_sync(at(1), &mixed);
        assert!(!refused.reserved);
        assert_eq!(store.spent_sync(at(1), &keys), vec![6; 40]);
        // soft charges never refuse
        let soft: Vec<_> = keys.iter().map(|k| charge(k, 10, 10, false)).collect();
        assert!(store.reserve_sync(at(1), &soft).reserved);
        assert_eq!(store.spent_sync(at(1), &keys[..1]), vec![16]);
    }

    #[test]
    fn adjustments_never_go_below_zero_and_counters_expire() {
        let store = MemoryBudgetStore::new();
        let k = key("b", "");
        assert!(
            store
                .reserve_sync(at(1), &[charge(&k, 5, 10, true)])
                .reserved
        );
        let adj = |delta| Adjustment {
            key: k.clone(),
            delta,
            expires_at: at(100),
        };
        store.adjust_sync(at(2), &[adj(-7)]);
        assert_eq!(store.spent_sync(at(2), std::slice::from_ref(&k)), vec![0]);
        store.adjust_sync(at(2), &[adj(4)]);
        assert_eq!(store.spent_sync(at(2), std::slice::from_ref(&k)), vec![4]);
        // expired: reads zero, a reservation starts afresh
        assert_eq!(store.spent_sync(at(100), std::slice::from_ref(&k)), vec![0]);
        let late = Charge {
            expires_at: at(200),
            ..charge(&k, 3, 10, true)
        };
        assert_eq!(store.reserve_sync(at(150), &[late]).spent, vec![3]);
        // a negative delta on a missing key creates nothing
        let other = key("c", "");
        store.adjust_sync(
            at(150),
            &[Adjustment {
                key: other.clone(),
                delta: -1,
                expires_at: at(300),
            }],
        );
        assert_eq!(store.len(), 1);
    }

    #[test]
    fn expired_counters_are_swept() {
        let store = MemoryBudgetStore::new();
        for i in 0..10_000 {
            let k = key("b", &format!("t={i}"));
            let c = Charge {
                expires_at: at(i + 1),
                ..charge(&k, 1, 10, true)
            };
            assert!(store.reserve_sync(at(i), &[c]).reserved);
        }
        // each shard sweeps once it holds 64 (its live counters are few)
        assert!(store.len() <= SHARDS * 64, "{}", store.len());
    }

    #[test]
    fn keys_escape_separators() {
        let mut s = String::new();
        escape_into(&mut s, "a:b,c=d%e");
        assert_eq!(s, "a%3Ab%2Cc%3Dd%25e");
        assert_eq!(key("n", "tenant=x").to_string(), "n:0:tenant=x");
    }
}
