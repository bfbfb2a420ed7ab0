//! [`KindSet`]: a small set of [`ErrorKind`]s, for "which errors count".

use std::fmt;

use mosaic_core::ErrorKind;

/// A set of [`ErrorKind`]s (a bit set: membership is one AND).
///
/// Used to configure which errors a layer reacts to: which ones the
/// circuit breaker records as failures, which ones the retry layer retries,
/// which ones move the router to the next candidate.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct KindSet(u64);

/// The bit of a kind (its position in [`ErrorKind::ALL`]); kinds added to
/// `mosaic-core` later share the last bit.
fn bit(kind: ErrorKind) -> u64 {
    let pos = ErrorKind::ALL
        .iter()
        .position(|k| *k == kind)
        .unwrap_or(63)
        .min(63);
    1u64 << pos
}

impl KindSet {
    /// No kind.
    pub const fn empty() -> Self {
        KindSet(0)
    }

    /// Every kind.
    pub fn all() -> Self {
        Self::of(ErrorKind::ALL.iter().copied())
    }

    /// Exactly these kinds.
    pub fn of(kinds: impl IntoIterator<Item = ErrorKind>) -> Self {
        kinds.into_iter().fold(Self::empty(), |s, k| s.with(k))
    }

    /// The transient kinds ([`ErrorKind::is_retryable`]): `RateLimited`,
    /// `Timeout`, `Unavailable`, `CircuitOpen`.
    pub fn retryable() -> Self {
        Self::of(ErrorKind::ALL.iter().copied().filter(|k| k.is_retryable()))
    }

    /// The kinds that blame the caller ([`ErrorKind::is_client_error`]).
    pub fn client_errors() -> Self {
        Self::of(
            ErrorKind::ALL
                .iter()
                .copied()
                .filter(|k| k.is_client_error()),
        )
    }

    /// This set plus `kind`.
    pub fn with(self, kind: ErrorKind) -> Self {
        KindSet(self.0 | bit(kind))
    }

    /// This set without `kind`.
    pub fn without(self, kind: ErrorKind) -> Self {
        KindSet(self.0 & !bit(kind))
    }

    /// This set plus every kind of `other`.
    pub fn union(self, other: KindSet) -> Self {
        KindSet(self.0 | other.0)
    }

    /// The kinds in both.
    pub fn intersection(self, other: KindSet) -> Self {
        KindSet(self.0 & other.0)
    }

    /// The kinds in `self` but not in `other`.
    pub fn difference(self, other: KindSet) -> Self {
        KindSet(self.0 & !other.0)
    }

    /// Whether `kind` is in the set.
    pub fn contains(self, kind: ErrorKind) -> bool {
        self.0 & bit(kind) != 0
    }

    /// Whether the set is empty.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The kinds in the set, in [`ErrorKind::ALL`] order.
    pub fn iter(self) -> impl Iterator<Item = ErrorKind> {
        ErrorKind::ALL
            .iter()
            .copied()
            .filter(move |k| self.contains(*k))
    }
}

impl FromIterator<ErrorKind> for KindSet {
    fn from_iter<I: IntoIterator<Item = ErrorKind>>(iter: I) -> Self {
        Self::of(iter)
    }
}

impl fmt::Debug for KindSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set()
            .entries(self.iter().map(|k| k.as_str()))
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_operations() {
        let r = KindSet::retryable();
        assert!(r.contains(ErrorKind::Timeout));
        assert!(!r.contains(ErrorKind::NotFound));
        let s = r.without(ErrorKind::Timeout).with(ErrorKind::Provider);
        assert!(!s.contains(ErrorKind::Timeout));
        assert!(s.contains(ErrorKind::Provider));
        assert_eq!(KindSet::all().difference(KindSet::all()), KindSet::empty());
        assert!(
            KindSet::all()
                .difference(KindSet::client_errors())
                .contains(ErrorKind::Internal)
        );
        assert_eq!(KindSet::all().iter().count(), ErrorKind::ALL.len());
        assert_eq!(
            format!("{:?}", KindSet::of([ErrorKind::Timeout])),
            "{\"timeout\"}"
        );
    }
}
