//! Wall-clock time for budget windows: [`Clock`], [`SystemClock`] and
//! [`ManualClock`], plus the UTC calendar arithmetic the windows need.
//!
//! Budget windows are calendar-aligned (a day resets at 00:00 UTC, a month
//! on the 1st), so they read a wall clock rather than `tokio::time`, whose
//! instants have no calendar. The clock is injectable: tests use a
//! [`ManualClock`] and move it across a boundary.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// A source of wall-clock time (UTC).
pub trait Clock: Send + Sync + fmt::Debug + 'static {
    /// The current time.
    fn now(&self) -> SystemTime;
}

/// The system's clock ([`SystemTime::now`]); the default.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> SystemTime {
        SystemTime::now()
    }
}

/// A clock that stands still until told otherwise, for tests. Clones share
/// the time.
///
/// ```
/// use std::time::Duration;
/// use mosaic_router::budget::{Clock, ManualClock};
/// let clock = ManualClock::at_unix(1_700_000_000);
/// let view = clock.clone();
/// clock.advance(Duration::from_secs(60));
/// assert_eq!(view.unix_secs(), 1_700_000_060);
/// ```
#[derive(Debug, Clone)]
pub struct ManualClock {
    /// Nanoseconds since the Unix epoch.
    nanos: Arc<AtomicU64>,
}

impl ManualClock {
    /// A clock showing `at` (times before the epoch read as the epoch).
    pub fn new(at: SystemTime) -> Self {
        ManualClock {
            nanos: Arc::new(AtomicU64::new(nanos_since_epoch(at))),
        }
    }

    /// A clock showing `secs` seconds after the Unix epoch.
    pub fn at_unix(secs: u64) -> Self {
        Self::new(UNIX_EPOCH + Duration::from_secs(secs))
    }

    /// A clock showing 00:00:00 UTC of the given day (`month` 1–12, `day`
    /// 1–31; out-of-range values roll over as in the proleptic Gregorian
    /// calendar).
    pub fn at_date(year: i32, month: u32, day: u32) -> Self {
        let days = days_from_civil(i64::from(year), month, day).max(0) as u64;
        Self::at_unix(days * 86_400)
    }

    /// Show `at` from now on.
    pub fn set(&self, at: SystemTime) {
        self.nanos.store(nanos_since_epoch(at), Ordering::Relaxed);
    }

    /// Move the clock forward by `by`.
    pub fn advance(&self, by: Duration) {
        let by = u64::try_from(by.as_nanos()).unwrap_or(u64::MAX);
        self.nanos.fetch_add(by, Ordering::Relaxed);
    }

    /// The time shown, in whole seconds after the Unix epoch.
    pub fn unix_secs(&self) -> u64 {
        self.nanos.load(Ordering::Relaxed) / 1_000_000_000
    }
}

impl Clock for ManualClock {
    fn now(&self) -> SystemTime {
        UNIX_EPOCH + Duration::from_nanos(self.nanos.load(Ordering::Relaxed))
    }
}

fn nanos_since_epoch(at: SystemTime) -> u64 {
    at.duration_since(UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX))
        .unwrap_or(0)
}

/// Whole seconds after the Unix epoch (0 before it).
pub(crate) fn unix_secs(at: SystemTime) -> u64 {
    at.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

/// `(year, month 1–12, day 1–31)` of a day count since 1970-01-01
/// (Howard Hinnant's `civil_from_days`).
pub(crate) fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// Days since 1970-01-01 of a date (Howard Hinnant's `days_from_civil`);
/// a month past 12 rolls into the next year.
pub(crate) fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let month0 = i64::from(month.max(1)) - 1;
    let year = year + month0 / 12;
    let month = month0 % 12 + 1;
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calendar_round_trips() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
        assert_eq!(days_from_civil(2024, 13, 1), days_from_civil(2025, 1, 1));
        for d in (-800_000..800_000).step_by(997) {
            let (y, m, day) = civil_from_days(d);
            assert_eq!(days_from_civil(y, m, day), d, "{y}-{m}-{day}");
        }
    }

    #[test]
    fn manual_clock_moves_only_when_told() {
        let c = ManualClock::at_date(2026, 3, 1);
        assert_eq!(c.unix_secs(), days_from_civil(2026, 3, 1) as u64 * 86_400);
        c.advance(Duration::from_millis(1500));
        assert_eq!(
            c.now().duration_since(UNIX_EPOCH).unwrap().subsec_millis(),
            500
        );
        c.set(UNIX_EPOCH);
        assert_eq!(c.unix_secs(), 0);
        assert!(SystemClock.now() > UNIX_EPOCH);
    }
}
